//! Facet counts on the matching set: per source, per year, per month.

use std::collections::HashMap;

use serde::Serialize;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use crate::dates::BEIJING_OFFSET_SECONDS;
use crate::schema::{Columns, SourceCounts};

/// One facet value and how many matching articles have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacetValue {
    pub value: String,
    pub count: u64,
}

/// Facet counts of a result set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Facets {
    pub source: Vec<FacetValue>,
    pub year: Vec<FacetValue>,
    pub month: Vec<FacetValue>,
}

/// Source values kept in the facets (the most frequent).
pub const TOP_SOURCES: usize = 20;

/// Counts sources and publication months of every matching article.
pub struct FacetCollector {
    /// How many source values to keep (the most frequent).
    pub top_sources: usize,
}

pub struct FacetSegmentCollector {
    sources: Option<StrColumn>,
    published: Column<tantivy::DateTime>,
    source_counts: SourceCounts,
    /// Count per month from `first_month` on (months as `year * 12 +
    /// month0`): the segment's date range is known, so a flat array does.
    month_counts: Vec<u64>,
    first_month: i32,
}

/// The Beijing-time month of a Unix timestamp, as `year * 12 + month0`, by
/// integer arithmetic (days to civil date, after Howard Hinnant), since this
/// runs for every matching article.
fn beijing_month(timestamp: i64) -> i32 {
    let days = (timestamp + i64::from(BEIJING_OFFSET_SECONDS)).div_euclid(86_400) + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year * 12 + month - 1) as i32
}

/// Per-segment counts: source names resolved, months as numbers.
pub type FacetFruit = (HashMap<String, u64>, HashMap<i32, u64>);

impl Collector for FacetCollector {
    type Fruit = Facets;
    type Child = FacetSegmentCollector;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<FacetSegmentCollector> {
        let columns = Columns::of(segment);
        let sources = columns.source()?;
        let source_counts = SourceCounts::for_column(sources.as_ref());
        let published = columns.published()?;
        let first_month = beijing_month(published.min_value().into_timestamp_secs());
        let last_month = beijing_month(published.max_value().into_timestamp_secs());
        Ok(FacetSegmentCollector {
            sources,
            published,
            source_counts,
            month_counts: vec![0; (last_month - first_month).max(0) as usize + 1],
            first_month,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<FacetFruit>) -> tantivy::Result<Facets> {
        let mut sources: HashMap<String, u64> = HashMap::new();
        let mut months: HashMap<i32, u64> = HashMap::new();
        for (segment_sources, segment_months) in fruits {
            for (name, count) in segment_sources {
                *sources.entry(name).or_default() += count;
            }
            for (month, count) in segment_months {
                *months.entry(month).or_default() += count;
            }
        }
        Ok(Facets::from_counts(sources, months, self.top_sources))
    }
}

impl Facets {
    /// The facets of counts per source name and per month (`year * 12 +
    /// month0`, Beijing time): the `top_sources` most frequent sources (ties
    /// by name), years and months newest first. Every backend ends here.
    pub fn from_counts(
        sources: HashMap<String, u64>,
        months: HashMap<i32, u64>,
        top_sources: usize,
    ) -> Facets {
        let mut years: HashMap<i32, u64> = HashMap::new();
        for (month, count) in &months {
            *years.entry(month.div_euclid(12)).or_default() += count;
        }
        let mut source = to_values(sources.into_iter().collect());
        source.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        source.truncate(top_sources);
        let mut year: Vec<(i32, u64)> = years.into_iter().collect();
        year.sort_by_key(|y| std::cmp::Reverse(y.0));
        let mut month: Vec<(i32, u64)> = months.into_iter().collect();
        month.sort_by_key(|m| std::cmp::Reverse(m.0));
        Facets {
            source,
            year: year
                .into_iter()
                .map(|(y, count)| FacetValue {
                    value: y.to_string(),
                    count,
                })
                .collect(),
            month: month
                .into_iter()
                .map(|(m, count)| FacetValue {
                    value: format!("{}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1),
                    count,
                })
                .collect(),
        }
    }
}

fn to_values(pairs: Vec<(String, u64)>) -> Vec<FacetValue> {
    pairs
        .into_iter()
        .map(|(value, count)| FacetValue { value, count })
        .collect()
}

impl SegmentCollector for FacetSegmentCollector {
    type Fruit = FacetFruit;

    fn collect(&mut self, doc: DocId, _: Score) {
        self.source_counts.count(self.sources.as_ref(), doc);
        if let Some(date) = self.published.first(doc) {
            let month = beijing_month(date.into_timestamp_secs()) - self.first_month;
            if let Some(count) = self.month_counts.get_mut(month as usize) {
                *count += 1;
            }
        }
    }

    fn harvest(self) -> FacetFruit {
        let mut names = HashMap::new();
        self.source_counts
            .add_names_to(self.sources.as_ref(), &mut names);
        let months = (self.first_month..)
            .zip(self.month_counts)
            .filter(|(_, count)| *count > 0)
            .collect();
        (names, months)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, TimeZone};

    #[test]
    fn months_in_beijing_time() {
        let beijing = crate::dates::beijing();
        for (y, m, d, h) in [
            (2023, 1, 1, 0),
            (2022, 12, 31, 23),
            (2024, 2, 29, 12),
            (1999, 7, 15, 3),
            (2026, 8, 21, 19),
        ] {
            let date = beijing.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap();
            assert_eq!(
                beijing_month(date.timestamp()),
                date.year() * 12 + date.month0() as i32,
                "{date}"
            );
        }
    }
}
