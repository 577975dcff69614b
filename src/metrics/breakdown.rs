//! The regional and national reports' deeper cuts of the workforce, as the published census
//! reports make them: every role by setting (providers by sector, LEROs, commissioning
//! teams), organisations and volunteers by setting, caseloads by role with their spread
//! across organisations, and the LA commissioning teams' make-up.

use super::{Distribution, EntityKind, MeasureId, Totals, Unit};
use crate::domain::{OrgType, Role, RoleGroup, Setting};
use crate::input::census::Census;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A region's or England's breakdown. Every figure adds up: the roles of a setting to the
/// setting, the settings to the unit's totals.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Breakdown {
    pub by_setting_role: BTreeMap<(Setting, Role), Totals>,
    /// Organisations included in the figures.
    pub organisations: BTreeMap<Setting, usize>,
    pub volunteers: BTreeMap<Setting, f64>,
    /// Roles whose holders reported caseloads.
    pub caseloads: BTreeMap<Role, RoleCaseload>,
    pub commissioning: CommissioningTeams,
}

/// One role's caseload: open cases over the WTE that holds them, and the spread of that
/// ratio across the providers and LEROs with the role.
#[derive(Debug, Clone, Serialize)]
pub struct RoleCaseload {
    pub cases: f64,
    pub wte: f64,
    pub spread: Option<Distribution>,
}

impl RoleCaseload {
    /// Open cases per caseload-holding WTE, by the catalogue's formula.
    pub fn per_wte(&self) -> Option<f64> {
        let t = Totals {
            cases: self.cases,
            caseload_wte: self.wte,
            ..Totals::default()
        };
        MeasureId::CaseloadPerWte.measure().of_totals(&t)
    }
}

/// The LAs' commissioning teams: how many LAs returned one and which roles they lack.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CommissioningTeams {
    pub las: usize,
    /// LAs with at least one included commissioning return.
    pub las_reporting: usize,
    /// Reporting LAs with no commissioning analyst in post (headcount 0).
    pub without_analyst: usize,
    pub without_coordinator: usize,
    /// Reporting LAs with neither an analyst nor a coordinator.
    pub without_either: usize,
}

impl Breakdown {
    pub fn setting(&self, setting: Setting) -> Totals {
        Totals::sum(
            self.by_setting_role
                .iter()
                .filter(|((s, _), _)| *s == setting)
                .map(|(_, t)| t),
        )
    }

    pub fn setting_group(&self, setting: Setting, group: RoleGroup) -> Totals {
        Totals::sum(
            self.by_setting_role
                .iter()
                .filter(|((s, r), _)| *s == setting && r.group() == group)
                .map(|(_, t)| t),
        )
    }

    pub fn setting_role(&self, setting: Setting, role: Role) -> Totals {
        self.by_setting_role
            .get(&(setting, role))
            .copied()
            .unwrap_or_default()
    }
}

/// The setting an organisation's unit belongs to.
pub fn setting_of(unit: &Unit) -> Option<Setting> {
    let org_type = match unit.kind {
        EntityKind::Provider => OrgType::Provider,
        EntityKind::Lero => OrgType::Lero,
        EntityKind::Commissioner => OrgType::Commissioner,
        _ => return None,
    };
    Some(Setting::of(org_type, unit.sector?))
}

/// The breakdown of the organisations `orgs` (those based in a region, or all), for the
/// LAs `las` (their codes).
pub fn compute(census: &Census, orgs: &[&Unit], las: &[String]) -> Breakdown {
    let mut out = Breakdown::default();
    for org in orgs {
        let Some(setting) = setting_of(org) else {
            continue;
        };
        *out.organisations.entry(setting).or_insert(0) += 1;
        *out.volunteers.entry(setting).or_insert(0.0) += org.volunteers;
        for (role, t) in &org.by_role {
            out.by_setting_role
                .entry((setting, *role))
                .or_default()
                .add(t);
        }
    }
    for setting in Setting::ALL {
        out.organisations.entry(*setting).or_insert(0);
        out.volunteers.entry(*setting).or_insert(0.0);
    }
    for role in Role::ALL {
        let holders: Vec<&Totals> = orgs
            .iter()
            .filter(|o| o.kind != EntityKind::Commissioner)
            .filter_map(|o| o.by_role.get(role))
            .filter(|t| t.caseload_wte > 0.0)
            .collect();
        if holders.is_empty() {
            continue;
        }
        let t = Totals::sum(holders.iter().copied());
        out.caseloads.insert(
            *role,
            RoleCaseload {
                cases: t.cases,
                wte: t.caseload_wte,
                spread: Distribution::of(
                    holders
                        .iter()
                        .filter_map(|t| MeasureId::CaseloadPerWte.measure().of_totals(t)),
                ),
            },
        );
    }
    out.commissioning = commissioning_teams(census, orgs, las);
    out
}

fn commissioning_teams(census: &Census, orgs: &[&Unit], las: &[String]) -> CommissioningTeams {
    let included: BTreeSet<&str> = orgs
        .iter()
        .filter(|o| o.kind == EntityKind::Commissioner)
        .map(|o| o.id.as_str())
        .collect();
    let units: BTreeMap<&str, &&Unit> = orgs.iter().map(|o| (o.id.as_str(), o)).collect();
    let mut reporting: BTreeSet<&str> = BTreeSet::new();
    let mut roles: BTreeMap<(&str, Role), f64> = BTreeMap::new();
    for org in &census.organisations {
        let (Some(la), true) = (&org.la_code, included.contains(org.org_id.as_str())) else {
            continue;
        };
        reporting.insert(la.as_str());
        let unit = units[org.org_id.as_str()];
        for (role, t) in &unit.by_role {
            *roles.entry((la.as_str(), *role)).or_insert(0.0) += t.headcount;
        }
    }
    let has = |la: &str, role: Role| roles.get(&(la, role)).copied().unwrap_or(0.0) > 0.0;
    let mut out = CommissioningTeams {
        las: las.len(),
        ..CommissioningTeams::default()
    };
    for la in las.iter().map(String::as_str) {
        if !reporting.contains(la) {
            continue;
        }
        out.las_reporting += 1;
        let analyst = has(la, Role::CommissioningAnalyst);
        let coordinator = has(la, Role::CommissioningCoordinator);
        out.without_analyst += usize::from(!analyst);
        out.without_coordinator += usize::from(!coordinator);
        out.without_either += usize::from(!analyst && !coordinator);
    }
    out
}
