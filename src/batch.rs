//! Stage 6: plan every report of a census year, render them on worker threads, write each
//! PDF and data companion atomically, and record the outcome of each in `manifest.json`.
//!
//! Workers are scoped threads taking the next report from an atomic counter, with rayon
//! left to typst's own parallel work: running reports inside a rayon pool nests typst's
//! waits on one stack until it overflows (see NOTES-typst.md). A panic in one report is
//! caught and recorded; every other report is still written.

use crate::census::Census;
use crate::export::{csv_bytes, spreadsheet_safe, write_atomic, WriteError};
use crate::finding::Finding;
use crate::metrics::{EntityKind, Metrics};
use crate::render::document::{ReportContext, Table};
use crate::render::messages::Messages;
use crate::render::typeset::{Typesetter, TEMPLATES};
use crate::render::{self, ReportKind, ReportPlan};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Typst's memo cache grows with every report; it is cleared this often (in reports).
const EVICT_EVERY: usize = 10;
/// Worker stack: typst and PDF export recurse deeply on large documents.
const WORKER_STACK: usize = 64 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub out: PathBuf,
    /// Report kinds to build; empty means all.
    pub kinds: Vec<ReportKind>,
    /// Report ids to build; empty means all.
    pub only: Vec<String>,
    pub jobs: usize,
    /// Show a progress bar (when stderr is a terminal) or plain progress lines.
    pub progress: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Built,
    Failed,
    Blocked,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestEntry {
    pub id: String,
    pub kind: String,
    pub title: String,
    /// Relative to the manifest's folder; empty when no PDF was written.
    pub path: String,
    pub data_path: String,
    /// SHA-256 of the PDF.
    pub sha256: String,
    /// SHA-256 of everything the report shows (data document, charts, templates, fonts,
    /// program version).
    pub fingerprint: String,
    pub version: u32,
    pub status: Status,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub year: u16,
    pub program_version: String,
    pub reports: Vec<ManifestEntry>,
}

#[derive(Debug, Default, Clone)]
pub struct BuildSummary {
    pub built: usize,
    pub failed: usize,
    pub blocked: usize,
    pub elapsed: Duration,
    pub failures: Vec<(String, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error(transparent)]
    Messages(#[from] crate::render::messages::MessageError),
    #[error("cannot read template folder {path}: {source}")]
    Templates {
        path: String,
        source: std::io::Error,
    },
    #[error("serialising the manifest: {0}")]
    Json(#[from] serde_json::Error),
}

/// Every report of the year, in a fixed order, and the organisations blocked by validation.
pub fn plan(
    metrics: &Metrics,
    census: &Census,
    blocked: &BTreeSet<String>,
) -> (Vec<ReportPlan>, Vec<ReportPlan>) {
    let year = &metrics.current;
    let mut plans = Vec::new();
    for (kind, entity) in [
        (ReportKind::Provider, EntityKind::Provider),
        (ReportKind::Lero, EntityKind::Lero),
        (ReportKind::La, EntityKind::La),
        (ReportKind::Region, EntityKind::Region),
    ] {
        for unit in year.units_of(entity) {
            plans.push(ReportPlan::new(kind, &unit.id, &unit.name));
        }
    }
    plans.push(ReportPlan::new(ReportKind::National, "england", "England"));
    let blocked_plans = census
        .organisations
        .iter()
        .filter(|o| blocked.contains(&o.org_id))
        .filter_map(|o| {
            let kind = match o.org_type {
                crate::domain::OrgType::Provider => ReportKind::Provider,
                crate::domain::OrgType::Lero => ReportKind::Lero,
                crate::domain::OrgType::Commissioner => return None,
            };
            Some(ReportPlan::new(kind, &o.org_id, &o.org_name))
        })
        .collect();
    (plans, blocked_plans)
}

/// Loads templates from a folder instead of the shipped ones (for template authors).
pub fn typesetter_from_dir(dir: Option<&Path>) -> Result<Typesetter, BatchError> {
    let Some(dir) = dir else {
        return Ok(Typesetter::new());
    };
    let mut templates = Vec::new();
    for (path, _) in TEMPLATES {
        let file = dir.join(path.trim_start_matches('/'));
        let text = std::fs::read_to_string(&file).map_err(|source| BatchError::Templates {
            path: file.display().to_string(),
            source,
        })?;
        templates.push((path.to_string(), text));
    }
    Ok(Typesetter::with_templates(&templates))
}

/// Hash of the program version and the shipped templates and fonts, shared by every
/// report's fingerprint.
pub fn static_fingerprint(typesetter_templates: &[(&str, &str)]) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
    for (path, text) in typesetter_templates {
        hasher.update(path.as_bytes());
        hasher.update(text.as_bytes());
    }
    for font in crate::render::typeset::FONTS {
        hasher.update(font);
    }
    hasher.finalize().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Builds the planned reports into `options.out`.
pub fn build(
    metrics: &Metrics,
    census: &Census,
    findings: &[Finding],
    blocked: &BTreeSet<String>,
    typesetter: &Typesetter,
    options: &BuildOptions,
) -> Result<BuildSummary, BatchError> {
    let started = Instant::now();
    let messages = Messages::new()?;
    let ctx = ReportContext {
        metrics,
        census,
        findings,
        messages: &messages,
    };
    let (all, blocked_plans) = plan(metrics, census, blocked);
    let selected = |p: &ReportPlan| {
        (options.kinds.is_empty() || options.kinds.contains(&p.kind))
            && (options.only.is_empty() || options.only.contains(&p.id))
    };
    let plans: Vec<ReportPlan> = all.into_iter().filter(|p| selected(p)).collect();
    let blocked_plans: Vec<ReportPlan> =
        blocked_plans.into_iter().filter(|p| selected(p)).collect();
    let shared = static_fingerprint(&TEMPLATES);
    let version_line = format!("Version 1, issued {}", census.meta.published.long());

    let progress = progress_bar(plans.len(), options.progress);
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let entries: Mutex<Vec<ManifestEntry>> = Mutex::new(Vec::new());
    let write_errors: Mutex<Vec<WriteError>> = Mutex::new(Vec::new());
    let jobs = options.jobs.clamp(1, plans.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            let worker = || loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(plan) = plans.get(i) else { break };
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    render::render(&ctx, typesetter, plan, &version_line)
                }));
                let mut entry = ManifestEntry {
                    id: plan.id.clone(),
                    kind: plan.kind.code().into(),
                    title: plan.title.clone(),
                    path: String::new(),
                    data_path: String::new(),
                    sha256: String::new(),
                    fingerprint: String::new(),
                    version: 1,
                    status: Status::Failed,
                    error: None,
                };
                match outcome {
                    Ok(Ok(report)) => {
                        let mut hasher = Sha256::new();
                        hasher.update(&shared);
                        hasher.update(&report.data);
                        for chart in &report.rendered.charts {
                            hasher.update(chart.as_bytes());
                        }
                        entry.fingerprint = hex(&hasher.finalize());
                        entry.sha256 = hex(&Sha256::digest(&report.pdf));
                        let written = write_atomic(&options.out.join(&plan.path), &report.pdf)
                            .and_then(|_| {
                                write_atomic(
                                    &options.out.join(&plan.data_path),
                                    &data_companion(&report.rendered.tables),
                                )
                            });
                        match written {
                            Ok(()) => {
                                entry.status = Status::Built;
                                entry.path = plan.path.to_string_lossy().replace('\\', "/");
                                entry.data_path =
                                    plan.data_path.to_string_lossy().replace('\\', "/");
                            }
                            Err(err) => {
                                entry.error = Some(err.to_string());
                                write_errors
                                    .lock()
                                    .unwrap_or_else(|e| e.into_inner())
                                    .push(err);
                            }
                        }
                    }
                    Ok(Err(err)) => entry.error = Some(err.to_string()),
                    Err(panic) => {
                        let message = panic
                            .downcast_ref::<&str>()
                            .map(|s| s.to_string())
                            .or_else(|| panic.downcast_ref::<String>().cloned())
                            .unwrap_or_else(|| "unknown panic".into());
                        entry.error = Some(format!("the report panicked: {message}"));
                    }
                }
                entries
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(entry);
                let finished = done.fetch_add(1, Ordering::SeqCst) + 1;
                if finished.is_multiple_of(EVICT_EVERY) {
                    typst::comemo::evict(0);
                }
                progress.inc(1);
                if progress.is_hidden() && options.progress && finished.is_multiple_of(50) {
                    eprintln!("{finished}/{} reports", plans.len());
                }
            };
            let spawned = std::thread::Builder::new()
                .stack_size(WORKER_STACK)
                .spawn_scoped(scope, worker);
            if let Err(err) = spawned {
                eprintln!("warning: could not start a worker thread: {err}");
            }
        }
    });
    progress.finish_and_clear();
    typst::comemo::evict(0);

    let mut entries = entries.into_inner().unwrap_or_else(|e| e.into_inner());
    for plan in &blocked_plans {
        entries.push(ManifestEntry {
            id: plan.id.clone(),
            kind: plan.kind.code().into(),
            title: plan.title.clone(),
            path: String::new(),
            data_path: String::new(),
            sha256: String::new(),
            fingerprint: String::new(),
            version: 0,
            status: Status::Blocked,
            error: Some("validation errors: see validation/queries".into()),
        });
    }
    entries.sort_by(|a, b| (kind_order(&a.kind), &a.id).cmp(&(kind_order(&b.kind), &b.id)));
    let manifest = Manifest {
        year: census.meta.year,
        program_version: env!("CARGO_PKG_VERSION").into(),
        reports: entries,
    };
    let mut json = serde_json::to_vec_pretty(&manifest)?;
    json.push(b'\n');
    write_atomic(&options.out.join("manifest.json"), &json)?;
    if let Some(err) = write_errors
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .next()
    {
        return Err(err.into());
    }
    let mut summary = BuildSummary {
        elapsed: started.elapsed(),
        ..BuildSummary::default()
    };
    for e in &manifest.reports {
        match e.status {
            Status::Built => summary.built += 1,
            Status::Blocked => summary.blocked += 1,
            Status::Failed => {
                summary.failed += 1;
                summary
                    .failures
                    .push((e.id.clone(), e.error.clone().unwrap_or_default()));
            }
        }
    }
    Ok(summary)
}

fn kind_order(kind: &str) -> usize {
    ReportKind::ALL
        .iter()
        .position(|k| k.code() == kind)
        .unwrap_or(usize::MAX)
}

fn progress_bar(len: usize, enabled: bool) -> indicatif::ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} reports ({eta} left)",
    ) {
        bar.set_style(style);
    }
    bar
}

/// The report's accessible data companion: every table as long rows.
pub fn data_companion(tables: &[Table]) -> Vec<u8> {
    let mut rows = Vec::new();
    for table in tables {
        for row in &table.rows {
            let label = row.first().cloned().unwrap_or_default();
            for (column, value) in table.columns.iter().zip(row).skip(1) {
                rows.push(vec![
                    spreadsheet_safe(&table.caption),
                    spreadsheet_safe(&label),
                    spreadsheet_safe(column),
                    spreadsheet_safe(value),
                ]);
            }
        }
    }
    csv_bytes(&["table", "row", "column", "value"], &rows)
}
