//! Diversity shares with disclosure control (SPEC §4): a unit of fewer than 10 people shows
//! no breakdown; a cell of 1–4 people is shown as "<5" with its share withheld; and where one
//! withheld cell could be worked out from the others, the next smallest is withheld too.

use crate::domain::{Dimension, NOT_KNOWN};
use serde::Serialize;
use std::collections::BTreeMap;

pub const MIN_UNIT_HEADCOUNT: f64 = 10.0;
pub const MIN_CELL: u64 = 5;

/// People by dimension and category (whole people; an LA's are apportioned then rounded).
pub type DiversityCounts = BTreeMap<(Dimension, &'static str), f64>;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiversityView {
    /// True when the unit is too small for a breakdown (fewer than [`MIN_UNIT_HEADCOUNT`]
    /// people): it could identify individuals.
    pub suppressed: bool,
    pub dimensions: Vec<DimensionView>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DimensionView {
    pub dimension: Dimension,
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    pub category: &'static str,
    pub label: &'static str,
    /// None when withheld (shown as "<5").
    pub count: Option<u64>,
    /// Known categories: share of known responses. `not_known`: share of all responses.
    /// None when withheld or when there is no denominator.
    pub share: Option<f64>,
    /// The people the share is of (known responses, or all for `not_known`).
    #[serde(skip)]
    pub of: u64,
}

impl Cell {
    /// The Wilson score interval of the share, where it is shown.
    pub fn interval(&self, level: crate::stats::Level) -> Option<crate::stats::Interval> {
        self.share?;
        crate::stats::wilson(self.count? as f64, self.of as f64, level)
    }
}

impl Cell {
    pub fn count_text(&self) -> String {
        self.count
            .map_or_else(|| "<5".to_string(), |c| c.to_string())
    }
}

/// Applies disclosure control to one unit's counts. `headcount` is the unit's total people.
pub fn view(counts: &DiversityCounts, headcount: f64) -> DiversityView {
    if headcount.round() < MIN_UNIT_HEADCOUNT {
        return DiversityView {
            suppressed: true,
            dimensions: Vec::new(),
        };
    }
    let dimensions = Dimension::ALL
        .iter()
        .map(|dimension| {
            let raw: Vec<(&'static str, &'static str, u64)> = dimension
                .categories()
                .iter()
                .map(|(code, label)| {
                    let n = counts.get(&(*dimension, *code)).copied().unwrap_or(0.0);
                    (*code, *label, n.round().max(0.0) as u64)
                })
                .collect();
            DimensionView {
                dimension: *dimension,
                cells: protect(&raw),
            }
        })
        .collect();
    DiversityView {
        suppressed: false,
        dimensions,
    }
}

fn protect(raw: &[(&'static str, &'static str, u64)]) -> Vec<Cell> {
    let mut withheld: Vec<bool> = raw
        .iter()
        .map(|(_, _, n)| (1..MIN_CELL).contains(n))
        .collect();
    // Secondary suppression: a single withheld cell is the total less the others.
    if withheld.iter().filter(|w| **w).count() == 1 {
        let next = raw
            .iter()
            .enumerate()
            .filter(|(i, (_, _, n))| !withheld[*i] && *n > 0)
            .min_by_key(|(i, (_, _, n))| (*n, *i))
            .map(|(i, _)| i);
        if let Some(i) = next {
            withheld[i] = true;
        }
    }
    let total: u64 = raw.iter().map(|c| c.2).sum();
    let known: u64 = raw.iter().filter(|c| c.0 != NOT_KNOWN).map(|c| c.2).sum();
    raw.iter()
        .zip(withheld)
        .map(|((category, label, n), withheld)| {
            let denominator = if *category == NOT_KNOWN { total } else { known };
            Cell {
                category,
                label,
                count: (!withheld).then_some(*n),
                of: denominator,
                share: if withheld || denominator == 0 {
                    None
                } else {
                    Some(*n as f64 / denominator as f64)
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(dimension: Dimension, values: &[(&'static str, f64)]) -> DiversityCounts {
        values.iter().map(|(c, n)| ((dimension, *c), *n)).collect()
    }

    #[test]
    fn small_units_show_nothing() {
        let v = view(
            &counts(Dimension::Gender, &[("female", 5.0), ("male", 4.0)]),
            9.0,
        );
        assert!(v.suppressed && v.dimensions.is_empty());
    }

    #[test]
    fn shares_of_known_and_not_known() {
        let c = counts(
            Dimension::Gender,
            &[("female", 30.0), ("male", 10.0), ("not_known", 10.0)],
        );
        let v = view(&c, 50.0);
        let gender = v
            .dimensions
            .iter()
            .find(|d| d.dimension == Dimension::Gender)
            .unwrap();
        let female = &gender.cells[0];
        assert_eq!((female.count, female.share), (Some(30), Some(0.75)));
        let not_known = gender
            .cells
            .iter()
            .find(|c| c.category == NOT_KNOWN)
            .unwrap();
        assert_eq!(not_known.share, Some(0.2));
        let non_binary = &gender.cells[2];
        assert_eq!(
            (non_binary.count, non_binary.share),
            (Some(0), Some(0.0)),
            "zero is not disclosive"
        );
    }

    #[test]
    fn small_cells_and_their_complement_are_withheld() {
        let c = counts(
            Dimension::Gender,
            &[
                ("female", 30.0),
                ("male", 12.0),
                ("non_binary_other", 2.0),
                ("not_known", 6.0),
            ],
        );
        let gender = view(&c, 50.0)
            .dimensions
            .into_iter()
            .find(|d| d.dimension == Dimension::Gender)
            .unwrap();
        let shown: Vec<String> = gender.cells.iter().map(Cell::count_text).collect();
        // 2 is withheld; 6 (the smallest other) too, so 2 cannot be derived from the total.
        assert_eq!(shown, vec!["30", "12", "<5", "<5"]);
        assert!(gender.cells[2].share.is_none() && gender.cells[3].share.is_none());
    }
}
