//! `index.html`: every report of an output folder with its kind, region, status, version,
//! issue date and links to its editions and data companion, with the summary of the run that
//! wrote it. The page comes from the template set's `index.html.j2` (minijinja, escaped as
//! HTML), so its wording belongs to the templates as the reports' does. It is written with
//! the manifest, in the same commit, and always lists what the manifest records.

use super::manifest::{EntryKey, Manifest, Status};
use super::BuildSummary;
use crate::render::templates::{TemplateSet, INDEX_TEMPLATE};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

pub const INDEX_FILE: &str = "index.html";

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("the batch index template {INDEX_TEMPLATE} is missing from the template set")]
    Missing,
    #[error("the batch index template {INDEX_TEMPLATE}: {0:#}")]
    Template(#[from] minijinja::Error),
}

/// How a report fared in the run that writes the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// Typeset and written in this run.
    Built,
    /// Up to date: its files were left as they were.
    Unchanged,
    /// Kept as issued: its comparators drifted within the revisions policy.
    Kept,
    Failed,
}

#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    title: &'a str,
    kind: &'static str,
    region: &'a str,
    status: &'static str,
    /// The first line of the error of a failed report.
    error: Option<&'a str>,
    version: u32,
    issued: &'a str,
    /// Comparator figures that moved since the version was issued (kept under the
    /// revisions policy).
    drifted: u32,
    pdf: &'a str,
    html: &'a str,
    data: &'a str,
}

/// An invited organisation without a report: it has not returned.
#[derive(Debug, Clone, Serialize)]
pub struct NotReturned {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub region: String,
}

impl NotReturned {
    /// Every invited organisation without a return, from the census's participation.
    pub fn of(metrics: &crate::metrics::Metrics) -> Vec<NotReturned> {
        metrics
            .participation
            .iter()
            .flat_map(|p| p.non_responders())
            .map(|i| NotReturned {
                id: i.org_id.clone(),
                name: i.org_name.clone(),
                kind: match i.org_type {
                    crate::domain::OrgType::Provider => "Treatment provider",
                    crate::domain::OrgType::Lero => "Lived experience recovery organisation",
                    crate::domain::OrgType::Commissioner => "Commissioning team",
                },
                region: i.region.label().to_string(),
            })
            .collect()
    }
}

/// A region's (or England's) WTE returned and imputed for the invitees without a usable
/// return, as the index prints them.
#[derive(Debug, Clone, Serialize)]
pub struct ImputedShare {
    pub area: String,
    pub returned: String,
    pub imputed: String,
    pub share: String,
}

/// Whose returns the batch rests on: the invitees without a return, and what the estimate
/// imputes for them by region.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Coverage {
    pub not_returned: Vec<NotReturned>,
    pub imputed: Vec<ImputedShare>,
}

impl Coverage {
    pub fn of(metrics: &crate::metrics::Metrics) -> Coverage {
        use crate::format::{fmt_pct, fmt_wte};
        use crate::metrics::EntityKind;
        let year = &metrics.current;
        let imputed = match metrics.estimates.year(year.year) {
            Some(estimate) => crate::domain::Region::ALL
                .iter()
                .filter_map(|r| year.unit(EntityKind::Region, r.code()))
                .chain([year.england()])
                .map(|unit| {
                    let imputed = estimate.area(unit.kind, &unit.id).amount.wte;
                    ImputedShare {
                        area: unit.name.clone(),
                        returned: fmt_wte(unit.totals.wte),
                        imputed: fmt_wte(imputed),
                        share: estimate
                            .imputed_share(unit)
                            .map_or_else(|| "–".into(), fmt_pct),
                    }
                })
                .collect(),
            None => Vec::new(),
        };
        Coverage {
            not_returned: NotReturned::of(metrics),
            imputed,
        }
    }
}

#[derive(Serialize)]
struct Failure<'a> {
    id: &'a str,
    error: &'a str,
}

/// A report the run reissued, and why.
#[derive(Serialize)]
struct Reissue {
    id: String,
    title: String,
    reason: String,
}

#[derive(Serialize)]
struct Summary<'a> {
    built: usize,
    reissued: usize,
    unchanged: usize,
    failed: usize,
    blocked: usize,
    failures: Vec<Failure<'a>>,
    /// Reports kept as issued with their comparators' drift recorded.
    kept: usize,
    /// The revisions policy's decisions in one sentence (empty without a run).
    revisions: String,
    reissues: Vec<Reissue>,
}

/// The index of `manifest`'s reports. `run` says how each report fared in the run writing
/// the index (a report it did not select counts as unchanged); without a run (merging shard
/// manifests) the summary counts the manifest's statuses.
pub fn render(
    set: &TemplateSet,
    census_title: &str,
    manifest: &Manifest,
    run: Option<(&BTreeMap<EntryKey, RunStatus>, &BuildSummary)>,
    coverage: &Coverage,
) -> Result<String, IndexError> {
    let template = set
        .get(INDEX_TEMPLATE)
        .and_then(|bytes| std::str::from_utf8(bytes).ok())
        .ok_or(IndexError::Missing)?;
    let css = set
        .get("/assets/report.css")
        .and_then(|bytes| std::str::from_utf8(bytes).ok())
        .unwrap_or_default()
        // Never close the style element early, whatever an overlay's stylesheet holds.
        .replace("</", "<\\/");
    let rows: Vec<Row> = manifest
        .reports
        .iter()
        .map(|e| {
            let ran = run.and_then(|(statuses, _)| statuses.get(&e.key()).copied());
            let status = match (e.status.clone(), ran) {
                (Status::Blocked, _) => "blocked",
                (_, Some(RunStatus::Failed)) | (Status::Failed, None) => "failed",
                (_, Some(RunStatus::Built)) => "built",
                (_, Some(RunStatus::Kept)) => "kept",
                (_, Some(RunStatus::Unchanged)) | (Status::Built, None) => "unchanged",
            };
            Row {
                id: &e.id,
                title: &e.title,
                kind: e.kind.code(),
                region: &e.region,
                status,
                error: e
                    .error
                    .as_deref()
                    .filter(|_| status == "failed")
                    .and_then(|m| m.lines().next()),
                version: e.version,
                issued: &e.issued,
                drifted: e.drifted,
                pdf: &e.path,
                html: &e.html_path,
                data: &e.data_path,
            }
        })
        .collect();
    let summary = match run {
        Some((_, s)) => Summary {
            built: s.built,
            reissued: s.reissued,
            unchanged: s.unchanged,
            failed: s.failed,
            blocked: s.blocked,
            failures: s
                .failures
                .iter()
                .map(|(id, error)| Failure { id, error })
                .collect(),
            kept: s.kept,
            revisions: s.decisions.line(),
            reissues: {
                let mut reissues: Vec<&super::revisions::Decision> = s
                    .decisions
                    .all
                    .iter()
                    .filter(|d| d.action.code() == "reissue")
                    .collect();
                reissues.sort_by(|a, b| (a.kind, &a.id).cmp(&(b.kind, &b.id)));
                reissues
                    .into_iter()
                    .map(|d| Reissue {
                        id: d.id.clone(),
                        title: d.title.clone(),
                        reason: d.reason(),
                    })
                    .collect()
            },
        },
        None => {
            let count = |status: &str| rows.iter().filter(|r| r.status == status).count();
            Summary {
                built: 0,
                reissued: 0,
                unchanged: count("unchanged"),
                failed: count("failed"),
                blocked: count("blocked"),
                failures: rows
                    .iter()
                    .filter(|r| r.status == "failed")
                    .map(|r| Failure {
                        id: r.id,
                        error: r.error.unwrap_or_default(),
                    })
                    .collect(),
                kept: 0,
                revisions: String::new(),
                reissues: Vec::new(),
            }
        }
    };
    let kinds: Vec<&str> = crate::render::ReportKind::ALL
        .into_iter()
        .filter(|k| manifest.reports.iter().any(|e| e.kind == *k))
        .map(|k| k.code())
        .collect();
    let regions: BTreeSet<&str> = rows
        .iter()
        .map(|r| r.region)
        .filter(|r| !r.is_empty())
        .collect();
    let mut env = minijinja::Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.add_template("index", template)?;
    let html = env.get_template("index")?.render(minijinja::context! {
        census_title,
        year => manifest.year,
        program_version => env!("CARGO_PKG_VERSION"),
        css,
        summary,
        kinds,
        regions,
        reports => rows,
        not_returned => coverage.not_returned,
        imputed => coverage.imputed,
    })?;
    Ok(html)
}
