//! Numbers written either way: `二〇二三年` and `2023年`, `三月` and `3月`,
//! `百分之五` and `5%`, `一百二十人` and `120人` match each other.
//!
//! A Chinese numeral is read as a number only where it counts something: it
//! stands before a unit (`年`, `月`, `人`, `元`…) or after `百分之`, and it is
//! well formed. So fixed names stay as they are: `十四五` (no unit, and `四五`
//! is no number), `一带一路`, `一些`. At index time the text keeps its own
//! tokens and gains the Arabic form beside them (as a synonym would, with the
//! numeral's offsets, so highlights and offsets still point into the stored
//! text); a query's numerals are rewritten to Arabic, which matches both.
//! Whole numbers only: `百分之十二点五` is left as it is.

/// Units a counted numeral stands before.
const UNITS: &[char] = &[
    '年', '月', '日', '号', '人', '名', '位', '岁', '元', '万', '亿', '个', '次', '家', '项', '件',
    '天', '倍', '届', '例',
];
/// Units after which a lone digit (`三月`, `五日`) is still a number; before
/// the others it is a word (`一个`, `两人`).
const DATE_UNITS: &[char] = &['月', '日', '号'];
const PERCENT_WORDS: &str = "百分之";

/// A numeral in folded text read as a number: its character and byte range
/// (for a percentage, `百分之` included) and its Arabic digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberSpan {
    pub start_char: usize,
    pub end_char: usize,
    pub start_byte: usize,
    pub end_byte: usize,
    pub digits: String,
    pub percent: bool,
}

fn digit(c: char) -> Option<u64> {
    Some(match c {
        '〇' | '零' => 0,
        '一' => 1,
        '二' | '两' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

fn place(c: char) -> Option<u64> {
    Some(match c {
        '十' => 10,
        '百' => 100,
        '千' => 1000,
        _ => return None,
    })
}

pub(super) fn is_numeral(c: char) -> bool {
    // One test for every character of every text indexed: one `match`.
    matches!(
        c,
        '〇' | '零'
            | '一'
            | '二'
            | '两'
            | '三'
            | '四'
            | '五'
            | '六'
            | '七'
            | '八'
            | '九'
            | '十'
            | '百'
            | '千'
    )
}

/// The value of a numeral read by place (`一百二十` = 120), or `None` when
/// it is not well formed: two digits in a row (`四五`), places out of order.
fn by_place(run: &[char]) -> Option<u64> {
    let (mut total, mut current, mut last_place) = (0u64, None::<u64>, u64::MAX);
    let mut previous_was_zero = false;
    for &c in run {
        if let Some(d) = digit(c) {
            // A digit after a digit is only allowed after a zero (`一百零五`).
            if current.is_some() && !previous_was_zero {
                return None;
            }
            previous_was_zero = d == 0;
            current = Some(d);
        } else {
            let p = place(c)?;
            if p >= last_place {
                return None;
            }
            last_place = p;
            total += current.unwrap_or(1) * p;
            current = None;
            previous_was_zero = false;
        }
    }
    Some(total + current.unwrap_or(0))
}

/// The digits of a numeral read one by one (`二〇二三` = 2023), as years are.
fn by_digit(run: &[char]) -> Option<String> {
    run.iter()
        .map(|&c| digit(c).map(|d| char::from(b'0' + d as u8)))
        .collect()
}

/// Every numeral of folded text that is read as a number.
pub fn numbers(folded: &str) -> Vec<NumberSpan> {
    numbers_in_runs(folded, numeral_runs(folded))
}

/// Where each run of numerals of a text starts: its character index and
/// byte offset.
fn numeral_runs(text: &str) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut in_run = false;
    for (index, (byte, c)) in text.char_indices().enumerate() {
        let numeral = is_numeral(c);
        if numeral && !in_run {
            runs.push((index, byte));
        }
        in_run = numeral;
    }
    runs
}

/// The numbers of folded text, given where its runs of numerals start (as
/// [`numeral_runs`] finds them): only the runs and the few characters
/// around them are read.
pub(super) fn numbers_in_runs(folded: &str, runs: Vec<(usize, usize)>) -> Vec<NumberSpan> {
    let mut found = Vec::new();
    let mut run: Vec<char> = Vec::new();
    for (start, start_byte) in runs {
        run.clear();
        let mut after = None;
        let mut end_byte = folded.len();
        for (offset, c) in folded[start_byte..].char_indices() {
            if !is_numeral(c) {
                (after, end_byte) = (Some(c), start_byte + offset);
                break;
            }
            run.push(c);
        }
        let end = start + run.len();
        // `百分之` is three characters of three bytes each.
        let percent = start >= 3 && folded[..start_byte].ends_with(PERCENT_WORDS);
        let counted = after.is_some_and(|c| UNITS.contains(&c));
        if !percent && !counted {
            continue;
        }
        let lone_digit = run.len() == 1 && digit(run[0]).is_some();
        if lone_digit && !percent && !after.is_some_and(|c| DATE_UNITS.contains(&c)) {
            continue;
        }
        let has_place = run.iter().any(|&c| place(c).is_some());
        let digits = if !has_place && run.len() > 1 {
            // Digit by digit is how years are written; elsewhere `三五人`
            // means three to five people.
            if after != Some('年') || percent {
                continue;
            }
            by_digit(&run)
        } else {
            by_place(&run).map(|v| v.to_string())
        };
        let Some(digits) = digits else {
            continue;
        };
        let (first, first_byte) = if percent {
            (start - 3, start_byte - PERCENT_WORDS.len())
        } else {
            (start, start_byte)
        };
        found.push(NumberSpan {
            start_char: first,
            end_char: end,
            start_byte: first_byte,
            end_byte,
            digits,
            percent,
        });
    }
    found
}

/// The text with its numbers written in Arabic digits (`百分之五` as `5%`),
/// how a query is searched.
pub fn to_arabic(text: &str) -> std::borrow::Cow<'_, str> {
    let folded = super::fold(text);
    let spans = numbers(&folded);
    if spans.is_empty() {
        return text.into();
    }
    // Folding keeps every character one character: char indices agree.
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for span in &spans {
        out.extend(&chars[at..span.start_char]);
        out.push_str(&span.digits);
        if span.percent {
            out.push('%');
        }
        at = span.end_char;
    }
    out.extend(&chars[at..]);
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Vec<String> {
        numbers(text).into_iter().map(|n| n.digits).collect()
    }

    #[test]
    fn runs_found_while_folding_are_the_runs_of_the_folded_text() {
        for text in [
            "二〇二三年三月，百分之五",
            "ＡＢＣ一百二十人，處理十萬元",
            "１２三四五六七八九十百千两零",
            "第１次，一",
            "",
            "abc",
        ] {
            let folded = super::super::fold::FoldedText::new(text);
            assert_eq!(folded.numeral_runs, numeral_runs(&folded.folded), "{text}");
        }
    }

    #[test]
    fn numerals_are_the_digits_and_places() {
        for c in (0..=0xFFFFu32).filter_map(char::from_u32) {
            assert_eq!(
                is_numeral(c),
                digit(c).is_some() || place(c).is_some(),
                "{c:?}"
            );
        }
    }

    #[test]
    fn counted_numerals_read_as_numbers() {
        assert_eq!(read("二〇二三年三月"), ["2023", "3"]);
        assert_eq!(read("转移一百二十人"), ["120"]);
        assert_eq!(read("增长百分之五"), ["5"]);
        assert_eq!(read("百分之三十五的人"), ["35"]);
        assert_eq!(read("一百零五人，十二月，两千元"), ["105", "12", "2000"]);
        assert_eq!(read("二十万人"), ["20"]);
    }

    #[test]
    fn fixed_names_and_words_stay_as_they_are() {
        for text in [
            "十四五规划",
            "十四五时期",
            "一带一路",
            "一些人",
            "一个人",
            "三五人",
            "十一世纪",
            "两人",
        ] {
            assert_eq!(read(text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn queries_are_rewritten_in_arabic_digits() {
        assert_eq!(to_arabic("二〇二三年三月 百分之五"), "2023年3月 5%");
        assert_eq!(to_arabic("一百二十人获救"), "120人获救");
        assert_eq!(to_arabic("十四五 一带一路"), "十四五 一带一路");
    }

    #[test]
    fn spans_cover_the_numeral_and_the_percent_words() {
        let spans = numbers("约百分之五");
        assert_eq!((spans[0].start_char, spans[0].end_char), (1, 5));
        assert_eq!(
            &"约百分之五"[spans[0].start_byte..spans[0].end_byte],
            "百分之五"
        );
    }
}
