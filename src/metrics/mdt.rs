//! The MDT workforce calculator (SPEC §6): WTE each discipline of a multidisciplinary team
//! needs for the numbers in treatment, from a configurable assumptions file.

use crate::domain::RoleGroup;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The shipped assumptions: illustrative defaults, documented in the file itself.
pub const DEFAULT_ASSUMPTIONS: &str = include_str!("../../report-templates/mdt-assumptions.toml");

/// The seven disciplines whose presence makes a multidisciplinary team (MDT coverage).
pub const MDT_GROUPS: [RoleGroup; 7] = [
    RoleGroup::Medical,
    RoleGroup::Nursing,
    RoleGroup::Psychology,
    RoleGroup::SocialWork,
    RoleGroup::Pharmacy,
    RoleGroup::LivedExperiencePeer,
    RoleGroup::DrugAlcoholWorkers,
];

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Assumptions {
    /// Shown beside every result, so nobody mistakes illustrative figures for a standard.
    pub label: String,
    pub discipline: Vec<DisciplineAssumption>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DisciplineAssumption {
    /// A role group code, e.g. `nursing`.
    pub group: String,
    /// WTE needed per 100 adults in treatment.
    pub per_100_adults: f64,
    /// WTE needed per 100 children and young people in treatment.
    #[serde(default)]
    pub per_100_young_people: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum AssumptionsError {
    #[error("cannot read the MDT assumptions file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("MDT assumptions file {path}: {message}")]
    Invalid { path: String, message: String },
}

impl Assumptions {
    pub fn default_shipped() -> Assumptions {
        Assumptions::parse(DEFAULT_ASSUMPTIONS, "report-templates/mdt-assumptions.toml")
            .expect("the shipped MDT assumptions parse (tested)")
    }

    pub fn from_file(path: &Path) -> Result<Assumptions, AssumptionsError> {
        let text = std::fs::read_to_string(path).map_err(|source| AssumptionsError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Assumptions::parse(&text, &path.display().to_string())
    }

    pub fn parse(text: &str, path: &str) -> Result<Assumptions, AssumptionsError> {
        let invalid = |message: String| AssumptionsError::Invalid {
            path: path.to_string(),
            message,
        };
        let parsed: Assumptions = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        for d in &parsed.discipline {
            let group = RoleGroup::parse(&d.group).ok_or_else(|| {
                invalid(format!(
                    "'{}' is not a role group ({})",
                    d.group,
                    RoleGroup::codes()
                ))
            })?;
            if !MDT_GROUPS.contains(&group) {
                return Err(invalid(format!("'{}' is not an MDT discipline", d.group)));
            }
            for value in [d.per_100_adults, d.per_100_young_people] {
                if !(value.is_finite() && value >= 0.0) {
                    return Err(invalid(format!("{}: ratios must be zero or more", d.group)));
                }
            }
        }
        Ok(parsed)
    }
}

/// Required against actual WTE for one discipline in one LA.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MdtLine {
    pub group: RoleGroup,
    pub required_wte: f64,
    pub actual_wte: f64,
    /// actual − required: negative is a shortfall.
    pub gap_wte: f64,
}

/// Required WTE by discipline for the numbers in treatment, against `actual(group)`.
pub fn calculate(
    assumptions: &Assumptions,
    adults_in_treatment: f64,
    young_people_in_treatment: f64,
    actual: impl Fn(RoleGroup) -> f64,
) -> Vec<MdtLine> {
    assumptions
        .discipline
        .iter()
        .filter_map(|d| {
            let group = RoleGroup::parse(&d.group)?;
            let required = adults_in_treatment * d.per_100_adults / 100.0
                + young_people_in_treatment * d.per_100_young_people / 100.0;
            let actual_wte = actual(group);
            Some(MdtLine {
                group,
                required_wte: required,
                actual_wte,
                gap_wte: actual_wte - required,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_assumptions_cover_every_mdt_discipline() {
        let a = Assumptions::default_shipped();
        for group in MDT_GROUPS {
            assert!(
                a.discipline.iter().any(|d| d.group == group.code()),
                "{group}"
            );
        }
        assert!(a.label.to_lowercase().contains("illustrative"));
    }

    #[test]
    fn required_wte_by_hand() {
        let a = Assumptions::parse(
            "label = \"test\"\n[[discipline]]\ngroup = \"drug_alcohol_workers\"\nper_100_adults = 2.5\nper_100_young_people = 5.0\n",
            "t",
        )
        .unwrap();
        // 2,500 adults × 2.5/100 = 62.5; 200 young people × 5/100 = 10 → 72.5 required.
        let lines = calculate(&a, 2500.0, 200.0, |_| 60.0);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].required_wte, 72.5);
        assert_eq!(lines[0].gap_wte, -12.5);
    }

    #[test]
    fn bad_assumptions_are_explained() {
        let err = Assumptions::parse(
            "label = \"x\"\n[[discipline]]\ngroup = \"wizards\"\nper_100_adults = 1\n",
            "f.toml",
        )
        .unwrap_err();
        assert!(err.to_string().contains("wizards"));
        let err = Assumptions::parse(
            "label = \"x\"\n[[discipline]]\ngroup = \"nursing\"\nper_100_adults = -1\n",
            "f.toml",
        )
        .unwrap_err();
        assert!(err.to_string().contains("zero or more"));
    }
}
