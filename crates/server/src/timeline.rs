//! The timeline above the results: matching articles per month (per year
//! over long ranges) as a small SVG bar chart drawn on the server from the
//! facet counts the JSON already has. Each bar is a link narrowing the date
//! range, so the chart works without JavaScript.

use chrono::NaiveDate;
use xunwen_engine::facets::Facets;

/// Months drawn one bar each up to this span; past it, years.
const MAX_MONTH_BARS: usize = 48;
/// The chart's drawing box; the page scales it to its width.
const WIDTH: u32 = 600;
const HEIGHT: u32 = 64;

/// One bar: a month or a year, its count, and the link that narrows to it.
#[derive(Debug)]
pub struct Bar {
    pub label: String,
    pub count: u64,
    pub href: String,
    pub x: u32,
    pub width: u32,
    pub y: u32,
    pub height: u32,
    pub active: bool,
}

#[derive(Debug)]
pub struct Timeline {
    pub bars: Vec<Bar>,
    pub width: u32,
    pub height: u32,
    pub by_year: bool,
}

/// A period on the chart: its label and the dates it spans.
struct Period {
    label: String,
    from: NaiveDate,
    to: NaiveDate,
    count: u64,
}

/// The chart of these facets, each bar linked by `link(from, to)`; `None`
/// when no matching article has a date. `range` is the date range in force,
/// to mark its bar.
pub fn timeline(
    facets: &Facets,
    range: (&str, &str),
    link: impl Fn(&str, &str) -> String,
) -> Option<Timeline> {
    let months: Vec<(i32, u32, u64)> = facets
        .month
        .iter()
        .filter_map(|value| {
            let (year, month) = value.value.split_once('-')?;
            Some((year.parse().ok()?, month.parse().ok()?, value.count))
        })
        .collect();
    let first = months.iter().map(|&(y, m, _)| (y, m)).min()?;
    let last = months.iter().map(|&(y, m, _)| (y, m)).max()?;
    let span = ((last.0 - first.0) * 12 + last.1 as i32 - first.1 as i32 + 1) as usize;
    let by_year = span > MAX_MONTH_BARS;
    let periods: Vec<Period> = if by_year {
        (first.0..=last.0)
            .filter_map(|year| {
                Some(Period {
                    label: format!("{year} 年"),
                    from: NaiveDate::from_ymd_opt(year, 1, 1)?,
                    to: NaiveDate::from_ymd_opt(year, 12, 31)?,
                    count: months.iter().filter(|m| m.0 == year).map(|m| m.2).sum(),
                })
            })
            .collect()
    } else {
        (0..span)
            .filter_map(|i| {
                let index = first.0 * 12 + first.1 as i32 - 1 + i as i32;
                let (year, month) = (index.div_euclid(12), index.rem_euclid(12) as u32 + 1);
                let from = NaiveDate::from_ymd_opt(year, month, 1)?;
                let to = from
                    .checked_add_months(chrono::Months::new(1))?
                    .pred_opt()?;
                Some(Period {
                    label: format!("{year} 年 {month} 月"),
                    from,
                    to,
                    count: months
                        .iter()
                        .filter(|m| (m.0, m.1) == (year, month))
                        .map(|m| m.2)
                        .sum(),
                })
            })
            .collect()
    };
    let bar_count = periods.len() as u32;
    let highest = periods.iter().map(|p| p.count).max().unwrap_or(0).max(1);
    let width = (WIDTH / periods.len().max(1) as u32).max(1);
    let bars = periods
        .into_iter()
        .enumerate()
        .map(|(i, period)| {
            let (from, to) = (period.from.to_string(), period.to.to_string());
            // A bar of one article still shows.
            let height = match period.count {
                0 => 0,
                count => ((count * u64::from(HEIGHT)) / highest).max(2) as u32,
            };
            let active = range == (from.as_str(), to.as_str());
            Bar {
                label: period.label,
                count: period.count,
                // A second click on the narrowed bar widens again.
                href: if active {
                    link("", "")
                } else {
                    link(&from, &to)
                },
                x: i as u32 * width,
                width: width.saturating_sub(1).max(1),
                y: HEIGHT - height,
                height,
                active,
            }
        })
        .collect();
    Some(Timeline {
        bars,
        width: width * bar_count,
        height: HEIGHT,
        by_year,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use xunwen_engine::facets::FacetValue;

    fn facets(months: &[(&str, u64)]) -> Facets {
        Facets {
            source: Vec::new(),
            year: Vec::new(),
            month: months
                .iter()
                .map(|(value, count)| FacetValue {
                    value: value.to_string(),
                    count: *count,
                })
                .collect(),
        }
    }

    #[test]
    fn months_without_articles_get_empty_bars_and_each_bar_narrows_to_its_month() {
        let chart = timeline(
            &facets(&[("2023-03", 4), ("2023-01", 2)]),
            ("", ""),
            |from, to| format!("{from}..{to}"),
        )
        .expect("a chart");
        assert!(!chart.by_year);
        let counts: Vec<u64> = chart.bars.iter().map(|b| b.count).collect();
        assert_eq!(counts, [2, 0, 4]);
        assert_eq!(chart.bars[1].href, "2023-02-01..2023-02-28");
        assert_eq!(chart.bars[2].height, HEIGHT);
        assert_eq!(chart.bars[1].height, 0);
    }

    #[test]
    fn long_ranges_are_drawn_by_year_and_the_active_bar_widens_again() {
        let chart = timeline(
            &facets(&[("2023-06", 1), ("2019-02", 3), ("2019-11", 1)]),
            ("2019-01-01", "2019-12-31"),
            |from, to| format!("{from}..{to}"),
        )
        .expect("a chart");
        assert!(chart.by_year);
        let counts: Vec<u64> = chart.bars.iter().map(|b| b.count).collect();
        assert_eq!(counts, [4, 0, 0, 0, 1]);
        assert!(chart.bars[0].active);
        assert_eq!(chart.bars[0].href, "..");
        assert_eq!(chart.bars[4].href, "2023-01-01..2023-12-31");
    }

    #[test]
    fn no_dated_article_draws_no_chart() {
        assert!(timeline(&facets(&[]), ("", ""), |_, _| String::new()).is_none());
    }
}
