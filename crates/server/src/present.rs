//! Words a person reads about a search answer, shared by the page and the
//! terminal so both say the same thing.

use xunwen_engine::SearchResponse;

/// One line: how many articles matched (about how many, when counted from
/// a sample), which page, how long it took, and whether the time budget cut
/// it short.
pub fn summary(response: &SearchResponse) -> String {
    format!(
        "{} {} 条结果，第 {} 页，用时 {:.0} 毫秒{}",
        if response.total_exact { "共" } else { "约" },
        response.total,
        response.page,
        response.took_ms,
        if response.partial {
            "（已超时，结果不完整 partial）"
        } else {
            ""
        }
    )
}
