//! A catalogue measure on part of a unit's workforce: a role group, a role, a setting or a
//! role within a setting (regions and England), and a part's share of the whole. The reports'
//! tables by role group, role and setting, the metrics export's rows for them and `explain`
//! all read these, so a rate by role group has the same one formula as the unit's own rate
//! (its catalogue declaration) and every such figure a report prints is in the export.

use super::catalogue::{MeasureId, Scope};
use super::{Totals, Unit};
use crate::domain::{Role, RoleGroup, Sector, Setting};
use serde::Serialize;

/// A part of a unit's workforce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    Group(RoleGroup),
    Role(Role),
    /// Regions and England: the organisations of one setting (providers by sector, LEROs,
    /// commissioning teams).
    Setting(Setting),
    /// Regions and England: one role within one setting.
    SettingRole(Setting, Role),
}

impl Part {
    /// The part's name in the metrics export: `group.nursing`, `role.nurse`,
    /// `setting.nhs_provider`, `setting.commissioning.role.commissioner`.
    pub fn key(self) -> String {
        match self {
            Part::Group(g) => format!("group.{}", g.code()),
            Part::Role(r) => format!("role.{}", r.code()),
            Part::Setting(s) => format!("setting.{}", s.code()),
            Part::SettingRole(s, r) => format!("setting.{}.role.{}", s.code(), r.code()),
        }
    }

    /// The part by its export name, for `explain`.
    pub fn parse(key: &str) -> Option<Part> {
        let words: Vec<&str> = key.split('.').collect();
        match words.as_slice() {
            ["group", g] => RoleGroup::parse(g).map(Part::Group),
            ["role", r] => Role::parse(r).map(Part::Role),
            ["setting", s] => Setting::parse(s).map(Part::Setting),
            ["setting", s, "role", r] => {
                Some(Part::SettingRole(Setting::parse(s)?, Role::parse(r)?))
            }
            _ => None,
        }
    }

    /// Which roles the part covers.
    pub fn includes(self, role: Role) -> bool {
        match self {
            Part::Group(g) => role.group() == g,
            Part::Role(r) | Part::SettingRole(_, r) => role == r,
            Part::Setting(_) => true,
        }
    }

    /// The part in words, for `explain`.
    pub fn words(self) -> String {
        match self {
            Part::Group(g) => format!("the {} role group", g.label().to_lowercase()),
            Part::Role(r) => format!("the role {}", r.label().to_lowercase()),
            Part::Setting(s) => format!("the setting {}", s.label().to_lowercase()),
            Part::SettingRole(s, r) => format!(
                "the role {} in the setting {}",
                r.label().to_lowercase(),
                s.label().to_lowercase()
            ),
        }
    }

    /// The part's workforce sums; None for a setting of a unit without a breakdown.
    pub fn totals(self, unit: &Unit) -> Option<Totals> {
        let breakdown = || unit.area.as_ref()?.breakdown.as_ref();
        match self {
            Part::Group(g) => Some(unit.group_totals(g)),
            Part::Role(r) => Some(unit.by_role.get(&r).copied().unwrap_or_default()),
            Part::Setting(s) => Some(breakdown()?.setting(s)),
            Part::SettingRole(s, r) => Some(breakdown()?.setting_role(s, r)),
        }
    }

    /// The volunteers counted in the part (settings only: volunteers have no role).
    pub fn volunteers(self, unit: &Unit) -> Option<f64> {
        match self {
            Part::Setting(s) => unit
                .area
                .as_ref()?
                .breakdown
                .as_ref()?
                .volunteers
                .get(&s)
                .copied(),
            _ => None,
        }
    }
}

impl Unit {
    /// A catalogue measure on one part of the unit's workforce, by the measure's own
    /// formula; None where the measure is not a sum or ratio of the part's sums.
    pub fn part_value(&self, part: Part, id: MeasureId) -> Option<f64> {
        id.measure()
            .of_part(&part.totals(self)?, part.volunteers(self))
    }

    /// A role group's share of the unit's WTE in `whole` (all roles, or delivery roles:
    /// commissioning teams are reported on their own). The whole is the sum of its role
    /// groups' WTE, so the shares of the groups add up to exactly 100%.
    pub fn group_share_of_wte(&self, group: RoleGroup, whole: Scope) -> Option<f64> {
        if !whole.includes(group) {
            return None;
        }
        let total: f64 = RoleGroup::ALL
            .iter()
            .filter(|g| whole.includes(**g))
            .map(|g| self.group_wte(*g))
            .sum();
        crate::stats::ratio(self.group_wte(group), total)
    }

    /// A sector's share of the provider and LERO WTE.
    pub fn sector_share_of_wte(&self, sector: Sector) -> Option<f64> {
        crate::stats::ratio(self.sector_wte(sector), self.by_sector.values().sum())
    }
}
