//! The typed contents of one census-year folder, as the loader hands them on.
//! Every row keeps the line it came from so later findings can point back at it.

use crate::domain::{Dimension, OrgType, PlanCategory, Region, Role, RoleGroup, Sector, Service};
use serde::Serialize;
use std::collections::BTreeMap;

/// A calendar date, kept as numbers so that output never depends on a clock or a locale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// Parses `YYYY-MM-DD`, checking the day exists in that month.
    pub fn parse(text: &str) -> Option<Date> {
        let mut parts = text.trim().splitn(3, '-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        let (year, month, day): (i32, u8, u8) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (day >= 1 && day <= days_in_month).then_some(Date { year, month, day })
    }

    /// "31 March 2024", the way the reports print dates.
    pub fn long(&self) -> String {
        const MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        format!(
            "{} {} {}",
            self.day,
            MONTHS[usize::from(self.month - 1)],
            self.year
        )
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// The calendar date `days` after 1970-01-01 (Howard Hinnant's civil-from-days).
fn civil_from_days(days: i64) -> Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    Date { year, month, day }
}

fn unix_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Date {
    /// Today's date by the system clock (UTC); only ever used when asked for.
    pub fn today() -> Date {
        civil_from_days((unix_seconds() / 86_400) as i64)
    }
}

/// The time now, UTC, as `YYYY-MM-DD HH:MM:SS UTC` (for messages, never for outputs).
pub fn utc_now() -> String {
    let secs = unix_seconds();
    let date = civil_from_days((secs / 86_400) as i64);
    let t = secs % 86_400;
    format!(
        "{date} {:02}:{:02}:{:02} UTC",
        t / 3_600,
        t / 60 % 60,
        t % 60
    )
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CensusMeta {
    pub year: u16,
    pub snapshot_date: Date,
    /// The reports' fixed creation date.
    pub published: Date,
    pub title: String,
    /// Who publishes the statistics (the publication tables' cover).
    pub publisher: String,
    /// How to reach the publisher: an email address or web page (may be empty).
    pub contact: String,
    /// Where the ICB lookup comes from (`icb_lookup_source`), printed in the ICB reports'
    /// About section; empty when census.toml does not say.
    pub icb_source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LocalAuthority {
    pub la_code: String,
    pub la_name: String,
    pub region: Region,
    pub population_18plus: u64,
    pub adults_in_treatment: u64,
    pub young_people_in_treatment: u64,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Organisation {
    pub org_id: String,
    pub org_name: String,
    pub org_type: OrgType,
    pub sector: Sector,
    pub region: Region,
    /// Commissioners: their LA. Providers and LEROs: head office, if given.
    pub la_code: Option<String>,
    pub services: Vec<Service>,
    pub volunteers_headcount: u32,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceArea {
    pub org_id: String,
    pub la_code: String,
    pub wte_share: f64,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkforceRow {
    pub org_id: String,
    pub role: Role,
    pub headcount: u32,
    pub wte_in_post: f64,
    pub wte_vacant: f64,
    pub wte_agency: f64,
    pub leavers_12m: u32,
    pub starters_12m: u32,
    /// Open cases held; None where the role holds none.
    pub caseload: Option<u32>,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemographicRow {
    pub org_id: String,
    pub dimension: Dimension,
    pub category: &'static str,
    pub headcount: u32,
    pub line: usize,
}

/// Expansion plans are made by role group; the plan years run from the 2021-22 baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExpansionPlanRow {
    pub la_code: String,
    pub category: RoleGroup,
    pub year: PlanYear,
    pub planned_fte: f64,
    pub line: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct PlanYear {
    /// The year the financial year starts: 2021 for 2021-22.
    pub start: u16,
}

impl PlanYear {
    pub const FIRST: u16 = 2021;
    pub const LAST: u16 = 2024;

    /// Every year of the expansion plans, the 2021-22 baseline first, by their first
    /// calendar year.
    pub const ALL_STARTS: [u16; 4] = [2021, 2022, 2023, 2024];

    /// Every year of the expansion plans, the 2021-22 baseline first.
    pub fn all() -> impl Iterator<Item = PlanYear> {
        Self::ALL_STARTS.into_iter().map(|start| PlanYear { start })
    }

    pub fn parse(text: &str) -> Option<PlanYear> {
        let (a, b) = text.trim().split_once('-')?;
        let start: u16 = a.parse().ok()?;
        let end: u16 = b.parse().ok()?;
        let valid = (Self::FIRST..=Self::LAST).contains(&start) && end == (start + 1) % 100;
        (a.len() == 4 && b.len() == 2 && valid).then_some(PlanYear { start })
    }

    /// The last plan year to end by the census snapshot of `census_year`: plan years run from
    /// April to March, and the snapshot falls between 31 March and 30 June of its year.
    pub fn for_census(census_year: u16) -> PlanYear {
        PlanYear {
            start: census_year - 1,
        }
    }
}

impl std::fmt::Display for PlanYear {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{:02}", self.start, (self.start + 1) % 100)
    }
}

/// One census year, loaded. Rows that could not be read are absent (their findings say why).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Census {
    pub meta: CensusMeta,
    pub local_authorities: Vec<LocalAuthority>,
    pub organisations: Vec<Organisation>,
    pub service_areas: Vec<ServiceArea>,
    pub workforce: Vec<WorkforceRow>,
    pub demographics: Vec<DemographicRow>,
    pub expansion_plans: Vec<ExpansionPlanRow>,
    /// Planned posts by the template's categories, from the LAs' planning workbooks.
    pub planned_posts: Vec<PlannedPosts>,
    /// Planned continuity of care for prison leavers, from the workbooks.
    pub planned_continuity: Vec<PlannedContinuity>,
    /// Actual continuity of care (PHOF C20), from `continuity_of_care.csv`.
    pub continuity_actual: Vec<ContinuityActual>,
    /// Who was invited (`expected_participants.csv`); None when the folder has no list, so
    /// that participation is not known.
    pub expected: Option<Vec<ExpectedParticipant>>,
    /// The integrated care board footprints (SPEC §17): each LA's share of adults in each
    /// ICB, from `icb_lookup.csv`; None without the file.
    pub icb_lookup: Option<Vec<IcbShare>>,
}

/// One row of `icb_lookup.csv`: the share of an LA's adult population living in one ICB.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IcbShare {
    pub la_code: String,
    /// GSS code, E54…
    pub icb_code: String,
    pub icb_name: String,
    pub share: f64,
    pub line: usize,
}

/// Planned FTE (from an LA's planning workbook) for one category and year, with the cell it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedPosts {
    pub la_code: String,
    pub category: PlanCategory,
    pub year: PlanYear,
    pub fte: f64,
    /// `E08000035.xlsx!Workforce expansion!D11`.
    pub cell: String,
}

/// A planned continuity of care percentage for one year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedContinuity {
    pub la_code: String,
    pub year: PlanYear,
    pub percent: f64,
    pub cell: String,
}

/// One organisation invited to make a return (`expected_participants.csv`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExpectedParticipant {
    pub org_id: String,
    pub org_name: String,
    pub org_type: OrgType,
    pub sector: Sector,
    pub region: Region,
    /// The LAs it is commissioned to serve (a commissioner: its own LA).
    pub la_codes: Vec<String>,
    /// Who to chase, free text (may be empty).
    pub contact: String,
    pub line: usize,
}

/// The share of adults with a treatment need released from prison who engaged in community
/// treatment within 3 weeks (Public Health Outcomes Framework C20), for one LA and year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContinuityActual {
    pub la_code: String,
    pub year: PlanYear,
    pub percent: f64,
    pub line: usize,
}

impl Census {
    pub fn organisation(&self, org_id: &str) -> Option<&Organisation> {
        self.organisations.iter().find(|o| o.org_id == org_id)
    }

    pub fn organisations_by_id(&self) -> BTreeMap<&str, &Organisation> {
        self.organisations
            .iter()
            .map(|o| (o.org_id.as_str(), o))
            .collect()
    }

    pub fn local_authorities_by_code(&self) -> BTreeMap<&str, &LocalAuthority> {
        self.local_authorities
            .iter()
            .map(|la| (la.la_code.as_str(), la))
            .collect()
    }

    /// Total WTE in post per organisation, over all its workforce rows.
    pub fn wte_by_org(&self) -> BTreeMap<&str, f64> {
        let mut out: BTreeMap<&str, f64> = BTreeMap::new();
        for row in &self.workforce {
            *out.entry(row.org_id.as_str()).or_default() += row.wte_in_post;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_only_real_days() {
        assert_eq!(
            Date::parse("2024-03-31"),
            Some(Date {
                year: 2024,
                month: 3,
                day: 31
            })
        );
        assert!(Date::parse("2023-02-29").is_none());
        assert!(Date::parse("2024-02-29").is_some());
        assert!(Date::parse("31/03/2024").is_none());
        assert_eq!(Date::parse("2024-03-31").unwrap().long(), "31 March 2024");
    }

    #[test]
    fn plan_years() {
        assert_eq!(PlanYear::parse("2021-22"), Some(PlanYear { start: 2021 }));
        assert_eq!(PlanYear::parse("2024-25").unwrap().to_string(), "2024-25");
        assert!(PlanYear::parse("2021-23").is_none());
        assert!(PlanYear::parse("2025-26").is_none());
        assert_eq!(PlanYear::for_census(2024).to_string(), "2023-24");
    }
}
