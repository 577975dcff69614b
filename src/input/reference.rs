//! Facts compiled into the program from `reference/`: England's upper-tier local authorities
//! for each census year with their NHS region and hex-map cell, and the 2023 boundary
//! changes used to join trends. Compiled in, so nothing outside the repo is read at run time.

use crate::domain::{Dimension, Region};

const LAS_2022: &str = include_str!("../../reference/upper_tier_las_2022.csv");
const LAS_2023: &str = include_str!("../../reference/upper_tier_las_2023.csv");
const LAS_2024: &str = include_str!("../../reference/upper_tier_las_2024.csv");
const CHANGES: &str = include_str!("../../reference/la_changes_2022_2024.csv");
const POPULATION: &str = include_str!("../../reference/england_population_2021.csv");

/// The census years the reference covers.
pub const YEARS: [u16; 3] = [2022, 2023, 2024];

#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceLa {
    pub la_code: String,
    pub la_name: String,
    pub region: Region,
    /// Odd-row offset hex coordinates for the national hex map.
    pub hex_q: i32,
    pub hex_r: i32,
}

/// One boundary change: an old LA code whose area passed (wholly or in part) to a new code.
#[derive(Debug, Clone, PartialEq)]
pub struct LaChange {
    pub old_code: String,
    pub old_name: String,
    pub new_code: String,
    pub new_name: String,
}

/// The upper-tier LAs of a census year; the nearest covered year for years outside 2022–2024.
pub fn local_authorities(year: u16) -> Vec<ReferenceLa> {
    let text = match year {
        ..=2022 => LAS_2022,
        2023 => LAS_2023,
        _ => LAS_2024,
    };
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    reader
        .records()
        .filter_map(Result::ok)
        .filter_map(|r| {
            Some(ReferenceLa {
                la_code: r.get(0)?.to_string(),
                la_name: r.get(1)?.to_string(),
                region: Region::parse(r.get(3)?)?,
                hex_q: r.get(4)?.parse().ok()?,
                hex_r: r.get(5)?.parse().ok()?,
            })
        })
        .collect()
}

pub fn la_changes() -> Vec<LaChange> {
    let mut reader = csv::Reader::from_reader(CHANGES.as_bytes());
    reader
        .records()
        .filter_map(Result::ok)
        .filter_map(|r| {
            Some(LaChange {
                old_code: r.get(0)?.to_string(),
                old_name: r.get(1)?.to_string(),
                new_code: r.get(2)?.to_string(),
                new_name: r.get(3)?.to_string(),
            })
        })
        .collect()
}

/// One population comparator for staff diversity: England's share in a category.
#[derive(Debug, Clone, PartialEq)]
pub struct PopulationShare {
    pub dimension: Dimension,
    /// The category code, as the dimension's own.
    pub category: &'static str,
    /// A share, 0–1.
    pub share: f64,
    pub source: String,
}

/// England's population by ethnic group and sex (Census 2021), for the staff diversity
/// comparison.
pub fn england_population() -> Vec<PopulationShare> {
    let mut reader = csv::Reader::from_reader(POPULATION.as_bytes());
    reader
        .records()
        .filter_map(Result::ok)
        .filter_map(|r| {
            let dimension = Dimension::parse(r.get(0)?)?;
            Some(PopulationShare {
                dimension,
                category: dimension.category(r.get(1)?)?,
                share: r.get(2)?.parse::<f64>().ok()? / 100.0,
                source: r.get(3)?.to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_counts_match_the_spec() {
        assert_eq!(local_authorities(2022).len(), 152);
        assert_eq!(local_authorities(2023).len(), 152);
        assert_eq!(local_authorities(2024).len(), 153);
        assert_eq!(la_changes().len(), 4);
        let population = england_population();
        assert_eq!(population.len(), 7, "every comparator row parses");
        let ethnicity: f64 = population
            .iter()
            .filter(|p| p.dimension == Dimension::Ethnicity)
            .map(|p| p.share)
            .sum();
        assert!((ethnicity - 1.0).abs() < 1e-9, "{ethnicity}");
        for region in Region::ALL {
            assert!(local_authorities(2024)
                .iter()
                .any(|la| la.region == *region));
        }
    }
}
