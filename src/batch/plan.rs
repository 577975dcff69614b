//! Which reports a build makes: every report of the census year in a fixed order, narrowed
//! by kind, id and shard.

use crate::domain::OrgType;
use crate::input::census::Census;
use crate::metrics::{EntityKind, Metrics};
use crate::render::{ReportKind, ReportPlan};
use std::collections::BTreeSet;

/// A deterministic 1/N slice of the report plan, for cluster array jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(text: &str) -> Result<Shard, String> {
        let (k, n) = text
            .split_once('/')
            .ok_or("write the shard as K/N, e.g. 3/8")?;
        let index: usize = k
            .trim()
            .parse()
            .map_err(|_| format!("'{k}' is not a shard number"))?;
        let count: usize = n
            .trim()
            .parse()
            .map_err(|_| format!("'{n}' is not a shard count"))?;
        if count == 0 || index == 0 || index > count {
            return Err(format!("shard {index}/{count}: K must be between 1 and N"));
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    pub fn manifest_name(&self) -> String {
        format!("manifest.shard-{}-of-{}.json", self.index, self.count)
    }

    pub fn changes_name(&self) -> String {
        format!("changes.shard-{}-of-{}.csv", self.index, self.count)
    }

    /// The first shard writes the files every shard would write alike.
    pub fn is_first(shard: Option<Shard>) -> bool {
        shard.is_none_or(|s| s.index == 1)
    }
}

/// The reports a build is asked for.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Report kinds to build; empty means all.
    pub kinds: Vec<ReportKind>,
    /// Report ids to build; empty means all.
    pub only: Vec<String>,
    pub shard: Option<Shard>,
}

impl Selection {
    /// True when every report of the year is selected.
    pub fn is_everything(&self) -> bool {
        self.kinds.is_empty() && self.only.is_empty() && self.shard.is_none()
    }

    /// True when the selection includes this report.
    pub fn wants(&self, plan: &ReportPlan) -> bool {
        (self.kinds.is_empty() || self.kinds.contains(&plan.kind))
            && (self.only.is_empty() || self.only.contains(&plan.id))
    }
}

/// The reports to build and the blocked organisations to list, after the selection.
pub struct Plan {
    pub reports: Vec<ReportPlan>,
    pub blocked: Vec<ReportPlan>,
}

/// Every report of the year in a fixed order, and the organisations blocked by validation,
/// narrowed to the selection.
pub fn plan(
    metrics: &Metrics,
    census: &Census,
    blocked: &BTreeSet<String>,
    selection: &Selection,
) -> Plan {
    let year = &metrics.current;
    let mut all = Vec::new();
    for kind in [
        ReportKind::Provider,
        ReportKind::Lero,
        ReportKind::La,
        ReportKind::Icb,
        ReportKind::Region,
    ] {
        for unit in year.units_of(kind.entity()) {
            let region = unit.region.map_or("", |r| r.label());
            all.push(ReportPlan::new(kind, &unit.id, &unit.name).in_region(region));
        }
    }
    all.push(
        ReportPlan::new(ReportKind::National, EntityKind::England.code(), "England")
            .in_region("England"),
    );
    let in_shard = |i: usize| selection.shard.is_none_or(|s| i % s.count == s.index - 1);
    let reports = all
        .into_iter()
        .enumerate()
        .filter(|(i, p)| in_shard(*i) && selection.wants(p))
        .map(|(_, p)| p)
        .collect();
    let blocked = census
        .organisations
        .iter()
        .filter(|o| blocked.contains(&o.org_id))
        .filter_map(|o| {
            let kind = match o.org_type {
                OrgType::Provider => ReportKind::Provider,
                OrgType::Lero => ReportKind::Lero,
                OrgType::Commissioner => return None,
            };
            Some(ReportPlan::new(kind, &o.org_id, &o.org_name).in_region(o.region.label()))
        })
        .filter(|p| selection.wants(p) && Shard::is_first(selection.shard))
        .collect();
    Plan { reports, blocked }
}

/// The one report with id `id`, planned as a build would plan it; None when there is no
/// such report (or its organisation is blocked).
pub fn one(
    metrics: &Metrics,
    census: &Census,
    blocked: &BTreeSet<String>,
    id: &str,
) -> Option<ReportPlan> {
    let selection = Selection {
        only: vec![id.to_string()],
        ..Selection::default()
    };
    plan(metrics, census, blocked, &selection)
        .reports
        .into_iter()
        .next()
}
