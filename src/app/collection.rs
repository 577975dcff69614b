//! `collection status`: during the collection window, who has returned, who has not and which
//! LAs are thin, from the census folder as far as returns have arrived. Writes
//! `chasers.csv` (every invited organisation not yet returned, with whom to contact),
//! `coverage.csv` (per LA) and `queries_open.csv` (returns that still have validation errors:
//! they count as returned, but need chasing too).

use super::RunError;
use crate::domain::{OrgType, Region};
use crate::export::{csv_bytes, write_atomic};
use crate::input::pipeline;
use crate::metrics::export::number_text;
use crate::metrics::participation::{Participation, Response};
use crate::metrics::EntityKind;
use std::path::{Path, PathBuf};

pub const CHASERS_FILE: &str = "chasers.csv";
pub const COVERAGE_FILE: &str = "coverage.csv";
pub const QUERIES_OPEN_FILE: &str = "queries_open.csv";

#[derive(Debug, Clone)]
pub struct StatusRequest {
    pub data: PathBuf,
    /// Default: `out/<year>/collection`.
    pub out: Option<PathBuf>,
}

/// What `collection status` found and wrote.
#[derive(Debug, Clone)]
pub struct CollectionStatus {
    pub year: u16,
    /// None without `expected_participants.csv`.
    pub participation: Option<Participation>,
    /// Returns with open validation errors: (org_id, org_name, errors, warnings).
    pub open_queries: Vec<(String, String, usize, usize)>,
    /// Were collection to close now: each region's and England's WTE returned, WTE imputed
    /// for the invitees without a usable return, and the share of the estimate imputed.
    pub imputed: Vec<(String, f64, f64, Option<f64>)>,
    pub files: Vec<PathBuf>,
}

pub fn status(request: &StatusRequest) -> Result<CollectionStatus, RunError> {
    let run = pipeline::open(&request.data).map_err(RunError::Unreadable)?;
    let assumptions = super::assumptions(None)?;
    let metrics = run.metrics(&assumptions)?;
    let census = run.census();
    let out = request
        .out
        .clone()
        .unwrap_or_else(|| super::default_out(census).join("collection"));
    let per_org = crate::input::validate::Summary::of(&run.validation.findings).by_org;
    let open_queries: Vec<(String, String, usize, usize)> = census
        .organisations
        .iter()
        .filter_map(|o| {
            let (errors, warnings) = per_org.get(&o.org_id).copied()?;
            (errors > 0).then(|| (o.org_id.clone(), o.org_name.clone(), errors, warnings))
        })
        .collect();
    let write = |name: &str, bytes: Vec<u8>| -> Result<PathBuf, RunError> {
        let path = out.join(name);
        write_atomic(&path, &bytes).map_err(|e| RunError::Batch(e.into()))?;
        Ok(path)
    };
    let mut files = Vec::new();
    let queries: Vec<Vec<String>> = open_queries
        .iter()
        .map(|(id, name, e, w)| vec![id.clone(), name.clone(), e.to_string(), w.to_string()])
        .collect();
    files.push(write(
        QUERIES_OPEN_FILE,
        csv_bytes(&["org_id", "org_name", "errors", "warnings"], &queries),
    )?);
    let imputed = match metrics.estimates.year(metrics.current.year) {
        Some(estimate) => Region::ALL
            .iter()
            .filter_map(|r| metrics.current.unit(EntityKind::Region, r.code()))
            .chain([metrics.current.england()])
            .map(|unit| {
                let imputed = estimate.area(unit.kind, &unit.id).amount.wte;
                (
                    unit.name.clone(),
                    unit.totals.wte,
                    imputed,
                    estimate.imputed_share(unit),
                )
            })
            .collect(),
        None => Vec::new(),
    };
    let participation = metrics.participation.clone();
    if let Some(p) = &participation {
        let chasers: Vec<Vec<String>> = p
            .non_responders()
            .map(|i| {
                vec![
                    i.org_id.clone(),
                    i.org_name.clone(),
                    i.org_type.code().to_string(),
                    i.region.label().to_string(),
                    i.la_codes.join(";"),
                    i.contact.clone(),
                    i.last_reported
                        .map_or(String::new(), |(y, _)| y.to_string()),
                    i.last_reported
                        .map_or(String::new(), |(_, wte)| number_text(wte)),
                ]
            })
            .collect();
        files.push(write(
            CHASERS_FILE,
            csv_bytes(
                &[
                    "org_id",
                    "org_name",
                    "org_type",
                    "nhs_region",
                    "la_codes",
                    "contact",
                    "last_returned_year",
                    "last_reported_wte",
                ],
                &chasers,
            ),
        )?);
        let coverage: Vec<Vec<String>> = p
            .las
            .values()
            .map(|la| {
                let missing: Vec<&str> = la
                    .serving
                    .iter()
                    .chain(&la.commissioners)
                    .map(|i| &p.invitees[*i])
                    .filter(|i| !i.returned)
                    .map(|i| i.org_id.as_str())
                    .collect();
                let commissioning = if la.commissioners.is_empty() {
                    "not invited"
                } else if la.commissioners.iter().any(|i| p.invitees[*i].returned) {
                    "yes"
                } else {
                    "no"
                };
                vec![
                    la.la_code.clone(),
                    la.la_name.clone(),
                    la.region.label().to_string(),
                    la.response.invited.to_string(),
                    la.response.returned.to_string(),
                    la.response.rate().map_or(String::new(), number_text),
                    la.serving_response.invited.to_string(),
                    la.serving_response.returned.to_string(),
                    commissioning.to_string(),
                    if la.response.returned == la.response.invited {
                        "yes"
                    } else {
                        "no"
                    }
                    .to_string(),
                    missing.join(";"),
                ]
            })
            .collect();
        files.push(write(
            COVERAGE_FILE,
            csv_bytes(
                &[
                    "la_code",
                    "la_name",
                    "nhs_region",
                    "invited",
                    "returned",
                    "response_rate",
                    "providers_and_leros_invited",
                    "providers_and_leros_returned",
                    "commissioning_team_returned",
                    "complete",
                    "not_returned",
                ],
                &coverage,
            ),
        )?);
    }
    Ok(CollectionStatus {
        year: census.meta.year,
        participation,
        open_queries,
        imputed,
        files,
    })
}

fn cell(r: &Response) -> String {
    let rate = r
        .rate()
        .map_or_else(|| "–".to_string(), |v| format!("{:.1}%", v * 100.0));
    format!("{}/{} {rate}", r.returned, r.invited)
}

impl CollectionStatus {
    /// The summary printed on the terminal.
    pub fn text(&self, out: &Path) -> String {
        let mut text = String::new();
        let mut line = |s: String| {
            text.push_str(&s);
            text.push('\n');
        };
        let Some(p) = &self.participation else {
            line(format!(
                "census {}: no {} in the folder, so who has not returned is not known.",
                self.year,
                crate::input::load::EXPECTED_PARTICIPANTS
            ));
            line(format!(
                "{} return(s) have open validation errors.",
                self.open_queries.len()
            ));
            return text;
        };
        line(format!(
            "census {}: {} of {} invited organisations have returned.",
            self.year, p.england.all.returned, p.england.all.invited
        ));
        line(format!(
            "{:<26} {:>18} {:>18} {:>18} {:>18}",
            "returned/invited", "providers", "LEROs", "commissioners", "all"
        ));
        let row = |name: &str, t: &crate::metrics::participation::ByType| {
            format!(
                "{:<26} {:>18} {:>18} {:>18} {:>18}",
                name,
                cell(&t.of(OrgType::Provider)),
                cell(&t.of(OrgType::Lero)),
                cell(&t.of(OrgType::Commissioner)),
                cell(&t.all)
            )
        };
        for region in Region::ALL {
            line(row(region.label(), p.area(Some(*region))));
        }
        line(row("England", &p.england));
        let incomplete: Vec<String> = p
            .las
            .values()
            .filter(|la| la.response.returned < la.response.invited)
            .map(|la| format!("{} {} ({})", la.la_code, la.la_name, cell(&la.response)))
            .collect();
        line(format!(
            "{} of {} local authorities have incomplete coverage{}",
            incomplete.len(),
            p.las.len(),
            if incomplete.is_empty() { "." } else { ":" }
        ));
        for la in incomplete.iter().take(10) {
            line(format!("  {la}"));
        }
        if incomplete.len() > 10 {
            line(format!(
                "  … and {} more (coverage.csv)",
                incomplete.len() - 10
            ));
        }
        if !self.imputed.is_empty() {
            line("Were collection to close now, the estimate would impute for every invitee without a usable return:".into());
            line(format!(
                "{:<26} {:>14} {:>14} {:>16}",
                "", "WTE returned", "WTE imputed", "share imputed"
            ));
            for (name, returned, imputed, share) in &self.imputed {
                line(format!(
                    "{:<26} {:>14} {:>14} {:>16}",
                    name,
                    crate::format::fmt_wte(*returned),
                    crate::format::fmt_wte(*imputed),
                    share.map_or_else(|| "–".to_string(), crate::format::fmt_pct)
                ));
            }
        }
        line(format!(
            "{} invited organisation(s) to chase; {} return(s) with open validation errors.",
            p.non_responders().count(),
            self.open_queries.len()
        ));
        line(format!("written to {}", out.display()));
        text
    }
}
