//! Stage 6: plan every report of a census year, render them on worker threads, write each
//! PDF and data companion atomically, and record the outcome of each in `manifest.json`.
//!
//! Workers are scoped threads taking the next report from an atomic counter, with rayon
//! left to typst's own parallel work: running reports inside a rayon pool nests typst's
//! waits on one stack until it overflows (see NOTES-typst.md). A panic in one report is
//! caught and recorded; every other report is still written.

use crate::census::{Census, Date};
use crate::export::{csv_bytes, spreadsheet_safe, write_atomic, write_checked_later, WriteError};
use crate::finding::Finding;
use crate::metrics::{EntityKind, Metrics};
use crate::render::document::{ReportContext, Table};
use crate::render::messages::Messages;
use crate::render::typeset::{Typesetter, TEMPLATES};
use crate::render::{self, ReportKind, ReportPlan};
use crate::render::{Change, Issue, StageTimings};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
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
    /// Rebuild every selected report even when its fingerprint and PDF are unchanged.
    pub force: bool,
    /// The date a reissued version carries (default: the census published date).
    pub issue_date: Option<Date>,
    /// Build only the K-th (1-based) of N deterministic slices of the plan.
    pub shard: Option<Shard>,
    /// See [`Manifest::input_fingerprint`].
    pub input_fingerprint: String,
}

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
    fn manifest_name(&self) -> String {
        format!("manifest.shard-{}-of-{}.json", self.index, self.count)
    }

    fn changes_name(&self) -> String {
        format!("changes.shard-{}-of-{}.csv", self.index, self.count)
    }
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
    /// The date the current version was issued (YYYY-MM-DD).
    #[serde(default)]
    pub issued: String,
    pub status: Status,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub year: u16,
    pub program_version: String,
    /// SHA-256 of every input (census folders, templates, fonts, assumptions, program) of the
    /// last complete build; empty after a partial one. Equal inputs and intact PDFs mean
    /// there is nothing to rebuild.
    #[serde(default)]
    pub input_fingerprint: String,
    pub reports: Vec<ManifestEntry>,
}

#[derive(Debug, Default, Clone)]
pub struct BuildSummary {
    /// Reports typeset and written in this run.
    pub built: usize,
    /// Of those, reports whose figures changed and got a new version.
    pub reissued: usize,
    /// Reports whose fingerprint and PDF were already up to date (files untouched).
    pub unchanged: usize,
    pub failed: usize,
    pub blocked: usize,
    pub elapsed: Duration,
    pub failures: Vec<(String, String)>,
    /// Summed over every report and worker (CPU time, not wall time).
    pub timings: crate::render::StageTimings,
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
    #[error("cannot read {path}: {message}")]
    Previous { path: String, message: String },
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a previous build left in the output folder.
struct Previous {
    entries: BTreeMap<(String, String), ManifestEntry>,
    /// (report id, version) → the changes that version listed.
    changes: BTreeMap<(String, u32), Vec<Change>>,
    change_rows: Vec<ChangeRow>,
}

/// One row of `changes.csv`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ChangeRow {
    pub report_id: String,
    pub kind: String,
    pub version: u32,
    pub figure: String,
    pub old_value: String,
    pub new_value: String,
}

pub const CHANGES_HEADER: [&str; 6] = [
    "report_id",
    "kind",
    "version",
    "figure",
    "old_value",
    "new_value",
];

fn read_previous(out: &Path, shard: Option<Shard>) -> Result<Previous, BatchError> {
    let mut entries = BTreeMap::new();
    let mut names = vec!["manifest.json".to_string()];
    if let Some(shard) = shard {
        names.push(shard.manifest_name());
    }
    for name in names {
        let path = out.join(&name);
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let manifest: Manifest =
            serde_json::from_slice(&bytes).map_err(|e| BatchError::Previous {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
        for entry in manifest.reports {
            entries.insert((entry.kind.clone(), entry.id.clone()), entry);
        }
    }
    let mut change_rows = Vec::new();
    let mut names = vec!["changes.csv".to_string()];
    if let Some(shard) = shard {
        names.push(shard.changes_name());
    }
    for name in names {
        change_rows.extend(read_change_rows(&out.join(name))?);
    }
    change_rows.sort();
    change_rows.dedup();
    let mut changes: BTreeMap<(String, u32), Vec<Change>> = BTreeMap::new();
    for row in &change_rows {
        changes
            .entry((row.report_id.clone(), row.version))
            .or_default()
            .push(Change {
                figure: row.figure.clone(),
                old: row.old_value.clone(),
                new: row.new_value.clone(),
            });
    }
    Ok(Previous {
        entries,
        changes,
        change_rows,
    })
}

pub fn read_change_rows(path: &Path) -> Result<Vec<ChangeRow>, BatchError> {
    let Ok(bytes) = std::fs::read(path) else {
        return Ok(Vec::new());
    };
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    reader
        .deserialize()
        .map(|r| {
            r.map_err(|e| BatchError::Previous {
                path: path.display().to_string(),
                message: e.to_string(),
            })
        })
        .collect()
}

fn write_change_rows(path: &Path, rows: &[ChangeRow]) -> Result<(), WriteError> {
    let records: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                spreadsheet_safe(&r.report_id),
                r.kind.clone(),
                r.version.to_string(),
                spreadsheet_safe(&r.figure),
                spreadsheet_safe(&r.old_value),
                spreadsheet_safe(&r.new_value),
            ]
        })
        .collect();
    write_atomic(path, &csv_bytes(&CHANGES_HEADER, &records))
}

/// The printed figures of a data companion, keyed by table, row and column.
fn figures(
    rows: impl IntoIterator<Item = (String, String, String, String)>,
) -> Vec<(String, String)> {
    // A figure named twice (two rows with the same label) is told apart by its occurrence.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    rows.into_iter()
        .filter(|(table, ..)| !table.starts_with(PEER_VALUES))
        .map(|(table, row, column, value)| {
            let name = format!("{table}: {row}, {column}");
            let count = seen.entry(name.clone()).or_insert(0);
            *count += 1;
            match *count {
                1 => (name, value),
                n => (format!("{name} ({n})"), value),
            }
        })
        .collect()
}

/// Companions written before the peer values moved to [`PEERS_FILE`] hold them as tables
/// named so; they are not figures of the report.
const PEER_VALUES: &str = "Peer values";

/// Every peer chart's anonymous values, one file per build (see
/// [`render::document::peer_values`]).
pub const PEERS_FILE: &str = "peer-values.csv";

/// Figures that differ between the data companion on disk and the new tables.
fn diff(old_csv: &Path, tables: &[Table]) -> Vec<Change> {
    let old: Vec<(String, String)> = std::fs::read(old_csv)
        .ok()
        .map(|bytes| {
            let mut reader = csv::Reader::from_reader(bytes.as_slice());
            let rows: Vec<(String, String, String, String)> =
                reader.deserialize().filter_map(Result::ok).collect();
            figures(rows)
        })
        .unwrap_or_default();
    let new = figures(companion_rows(tables));
    let old_map: BTreeMap<&str, &str> = old.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let new_keys: BTreeSet<&str> = new.iter().map(|(k, _)| k.as_str()).collect();
    let mut changes: Vec<Change> = new
        .iter()
        .filter(|(k, v)| old_map.get(k.as_str()) != Some(&v.as_str()))
        .map(|(k, v)| Change {
            figure: k.clone(),
            old: old_map
                .get(k.as_str())
                .map_or("(not shown)".into(), |o| o.to_string()),
            new: v.clone(),
        })
        .collect();
    changes.extend(
        old.iter()
            .filter(|(k, _)| !new_keys.contains(k.as_str()))
            .map(|(k, v)| Change {
                figure: k.clone(),
                old: v.clone(),
                new: "(no longer shown)".into(),
            }),
    );
    changes
}

/// A data companion counts as written when it is there and not empty (report files are not
/// flushed to disk one by one; a power cut can leave an empty file, which is rebuilt).
fn has_content(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.len() > 0)
}

fn sha256_file(path: &Path) -> Option<String> {
    std::fs::read(path)
        .ok()
        .map(|bytes| hex(&Sha256::digest(&bytes)))
}

enum Outcome {
    Unchanged(ManifestEntry),
    Built(ManifestEntry, Vec<ChangeRow>, bool, StageTimings),
    Failed(ManifestEntry),
}

/// Builds the planned reports into `options.out`, rebuilding only what changed.
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
    let in_shard = |i: usize| options.shard.is_none_or(|s| i % s.count == s.index - 1);
    let plans: Vec<ReportPlan> = all
        .into_iter()
        .enumerate()
        .filter(|(i, p)| in_shard(*i) && selected(p))
        .map(|(_, p)| p)
        .collect();
    let blocked_plans: Vec<ReportPlan> = blocked_plans
        .into_iter()
        .filter(|p| selected(p) && options.shard.is_none_or(|s| s.index == 1))
        .collect();
    let previous = read_previous(&options.out, options.shard)?;
    remove_stale_temporaries(&options.out);
    // The same for every shard: the first writes it, so that shards sharing one folder never
    // write the same file at once.
    if options.shard.is_none_or(|s| s.index == 1) {
        write_atomic(
            &options.out.join(PEERS_FILE),
            &csv_bytes(
                &["peer_group", "measure", "position", "value"],
                &render::document::peer_values(&metrics.current),
            ),
        )?;
    }
    let shared = typesetter.fingerprint().to_vec();
    let published = census.meta.published;

    let progress = progress_bar(plans.len(), options.progress);
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let outcomes: Mutex<Vec<Outcome>> = Mutex::new(Vec::new());
    let write_errors: Mutex<Vec<WriteError>> = Mutex::new(Vec::new());
    let jobs = options.jobs.clamp(1, plans.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            let worker = || loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(plan) = plans.get(i) else { break };
                let before = previous
                    .entries
                    .get(&(plan.kind.code().to_string(), plan.id.clone()));
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    build_one(
                        &ctx, typesetter, plan, &shared, before, &previous, published, options,
                    )
                }));
                let outcome = match outcome {
                    Ok(Ok(outcome)) => outcome,
                    Ok(Err(OneError::Write(err, entry))) => {
                        write_errors
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push(err);
                        Outcome::Failed(*entry)
                    }
                    Ok(Err(OneError::Render(message))) => {
                        Outcome::Failed(failed_entry(plan, before, message))
                    }
                    Err(panic) => {
                        let message = panic
                            .downcast_ref::<&str>()
                            .map(|s| s.to_string())
                            .or_else(|| panic.downcast_ref::<String>().cloned())
                            .unwrap_or_else(|| "unknown panic".into());
                        Outcome::Failed(failed_entry(
                            plan,
                            before,
                            format!("the report panicked: {message}"),
                        ))
                    }
                };
                outcomes
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(outcome);
                let finished = done.fetch_add(1, Ordering::SeqCst) + 1;
                if finished.is_multiple_of(EVICT_EVERY) {
                    typst::comemo::evict(0);
                }
                progress.inc(1);
                if progress.is_hidden() && options.progress && finished.is_multiple_of(100) {
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

    let mut summary = BuildSummary::default();
    let mut entries = previous.entries.clone();
    let mut change_rows = previous.change_rows.clone();
    for outcome in outcomes.into_inner().unwrap_or_else(|e| e.into_inner()) {
        let entry = match outcome {
            Outcome::Unchanged(entry) => {
                summary.unchanged += 1;
                entry
            }
            Outcome::Built(entry, rows, reissued, timings) => {
                summary.built += 1;
                summary.reissued += usize::from(reissued);
                summary.timings.add(&timings);
                change_rows.retain(|r| {
                    !(r.report_id == entry.id && r.kind == entry.kind && r.version == entry.version)
                });
                change_rows.extend(rows);
                entry
            }
            Outcome::Failed(entry) => {
                summary.failed += 1;
                summary
                    .failures
                    .push((entry.id.clone(), entry.error.clone().unwrap_or_default()));
                entry
            }
        };
        entries.insert((entry.kind.clone(), entry.id.clone()), entry);
    }
    for plan in &blocked_plans {
        summary.blocked += 1;
        let before = entries.get(&(plan.kind.code().to_string(), plan.id.clone()));
        let entry = ManifestEntry {
            status: Status::Blocked,
            error: Some("validation errors: see validation/queries".into()),
            ..failed_entry(plan, before, String::new())
        };
        entries.insert((entry.kind.clone(), entry.id.clone()), entry);
    }
    // A report that is neither planned nor blocked any more (an organisation that left)
    // keeps its last entry; one now blocked loses its built status above.
    let mut reports: Vec<ManifestEntry> = entries.into_values().collect();
    reports.sort_by(|a, b| (kind_order(&a.kind), &a.id).cmp(&(kind_order(&b.kind), &b.id)));
    let complete = options.kinds.is_empty()
        && options.only.is_empty()
        && options.shard.is_none()
        && summary.failed == 0;
    let manifest = Manifest {
        year: census.meta.year,
        program_version: env!("CARGO_PKG_VERSION").into(),
        input_fingerprint: if complete {
            options.input_fingerprint.clone()
        } else {
            String::new()
        },
        reports,
    };
    let mut json = serde_json::to_vec_pretty(&manifest)?;
    json.push(b'\n');
    change_rows.sort();
    change_rows.dedup();
    let (manifest_name, changes_name) = match options.shard {
        Some(shard) => (shard.manifest_name(), shard.changes_name()),
        None => ("manifest.json".to_string(), "changes.csv".to_string()),
    };
    write_change_rows(&options.out.join(changes_name), &change_rows)?;
    write_atomic(&options.out.join(manifest_name), &json)?;
    if let Some(err) = write_errors
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .next()
    {
        return Err(err.into());
    }
    summary.elapsed = started.elapsed();
    Ok(summary)
}

enum OneError {
    Render(String),
    Write(WriteError, Box<ManifestEntry>),
}

fn failed_entry(
    plan: &ReportPlan,
    before: Option<&ManifestEntry>,
    message: String,
) -> ManifestEntry {
    ManifestEntry {
        id: plan.id.clone(),
        kind: plan.kind.code().into(),
        title: plan.title.clone(),
        path: String::new(),
        data_path: String::new(),
        sha256: String::new(),
        fingerprint: String::new(),
        version: before.map_or(0, |b| b.version),
        issued: before.map(|b| b.issued.clone()).unwrap_or_default(),
        status: Status::Failed,
        error: Some(message),
    }
}

#[allow(clippy::too_many_arguments)]
fn build_one(
    ctx: &ReportContext,
    typesetter: &Typesetter,
    plan: &ReportPlan,
    shared: &[u8],
    before: Option<&ManifestEntry>,
    previous: &Previous,
    published: Date,
    options: &BuildOptions,
) -> Result<Outcome, OneError> {
    let prepared =
        render::prepare(ctx, plan, shared).map_err(|e| OneError::Render(e.to_string()))?;
    let pdf_path = options.out.join(&plan.path);
    let data_path = options.out.join(&plan.data_path);
    let built_before = before.filter(|b| b.status == Status::Built && b.version > 0);
    let same_figures = built_before.is_some_and(|b| b.fingerprint == prepared.fingerprint);
    let intact = built_before
        .is_some_and(|b| sha256_file(&pdf_path).as_deref() == Some(b.sha256.as_str()))
        && has_content(&data_path);
    if same_figures && intact && !options.force {
        return Ok(Outcome::Unchanged(
            built_before.cloned().expect("checked above"),
        ));
    }
    let issue = match built_before {
        // Same figures, but the PDF is missing, altered or forced: rebuild the same version.
        Some(b) if same_figures => Issue {
            version: b.version,
            date: Date::parse(&b.issued).unwrap_or(published),
            changes: previous
                .changes
                .get(&(plan.id.clone(), b.version))
                .cloned()
                .unwrap_or_default(),
        },
        Some(b) => Issue {
            version: b.version + 1,
            date: options.issue_date.unwrap_or(published),
            changes: diff(&data_path, &prepared.rendered.tables),
        },
        None => Issue {
            version: 1,
            date: published,
            changes: Vec::new(),
        },
    };
    let reissued = built_before.is_some() && !same_figures;
    let fingerprint = prepared.fingerprint.clone();
    let report = render::finish(typesetter, plan, prepared, &issue)
        .map_err(|e| OneError::Render(e.to_string()))?;
    let write_started = Instant::now();
    let companion_tables = &report.rendered.tables;
    let entry = ManifestEntry {
        id: plan.id.clone(),
        kind: plan.kind.code().into(),
        title: plan.title.clone(),
        path: plan.path.to_string_lossy().replace('\\', "/"),
        data_path: plan.data_path.to_string_lossy().replace('\\', "/"),
        sha256: hex(&Sha256::digest(&report.pdf)),
        fingerprint,
        version: issue.version,
        issued: issue.date.to_string(),
        status: Status::Built,
        error: None,
    };
    // The data companion first: a PDF on disk always has its figures beside it.
    let written = write_checked_later(&data_path, &data_companion(companion_tables))
        .and_then(|_| write_checked_later(&pdf_path, &report.pdf));
    if let Err(err) = written {
        let failed = failed_entry(plan, before, err.to_string());
        return Err(OneError::Write(err, Box::new(failed)));
    }
    let mut timings = report.timings;
    timings.write = write_started.elapsed();
    let rows = if issue.version > 1 {
        issue
            .changes
            .iter()
            .map(|c| ChangeRow {
                report_id: plan.id.clone(),
                kind: plan.kind.code().into(),
                version: issue.version,
                figure: c.figure.clone(),
                old_value: c.old.clone(),
                new_value: c.new.clone(),
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Outcome::Built(entry, rows, reissued, timings))
}

/// Joins the manifests (and change logs) written by `build --shard K/N` into
/// `manifest.json` and `changes.csv` in `dir`.
pub fn merge_manifests(dir: &Path) -> Result<(usize, usize), BatchError> {
    let mut shard_files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| BatchError::Previous {
            path: dir.display().to_string(),
            message: e.to_string(),
        })?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("manifest.shard-") && n.ends_with(".json"))
        })
        .collect();
    shard_files.sort();
    let mut entries: BTreeMap<(String, String), ManifestEntry> = BTreeMap::new();
    let mut year = 0;
    if let Ok(bytes) = std::fs::read(dir.join("manifest.json")) {
        let manifest: Manifest =
            serde_json::from_slice(&bytes).map_err(|e| BatchError::Previous {
                path: dir.join("manifest.json").display().to_string(),
                message: e.to_string(),
            })?;
        year = manifest.year;
        entries.extend(
            manifest
                .reports
                .into_iter()
                .map(|e| ((e.kind.clone(), e.id.clone()), e)),
        );
    }
    let mut change_rows = read_change_rows(&dir.join("changes.csv"))?;
    for file in &shard_files {
        let bytes = std::fs::read(file).map_err(|e| BatchError::Previous {
            path: file.display().to_string(),
            message: e.to_string(),
        })?;
        let manifest: Manifest =
            serde_json::from_slice(&bytes).map_err(|e| BatchError::Previous {
                path: file.display().to_string(),
                message: e.to_string(),
            })?;
        year = manifest.year;
        for entry in manifest.reports {
            // A shard's own reports win over what other shards carried over from before.
            let key = (entry.kind.clone(), entry.id.clone());
            let newer = entries
                .get(&key)
                .is_none_or(|e| e.version < entry.version || e.status != Status::Built);
            if newer {
                entries.insert(key, entry);
            }
        }
        let changes = file.with_file_name(
            file.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .replace("manifest.", "changes.")
                .replace(".json", ".csv"),
        );
        change_rows.extend(read_change_rows(&changes)?);
    }
    change_rows.sort();
    change_rows.dedup();
    let mut reports: Vec<ManifestEntry> = entries.into_values().collect();
    reports.sort_by(|a, b| (kind_order(&a.kind), &a.id).cmp(&(kind_order(&b.kind), &b.id)));
    let count = reports.len();
    let manifest = Manifest {
        year,
        program_version: env!("CARGO_PKG_VERSION").into(),
        input_fingerprint: String::new(),
        reports,
    };
    let mut json = serde_json::to_vec_pretty(&manifest)?;
    json.push(b'\n');
    write_change_rows(&dir.join("changes.csv"), &change_rows)?;
    write_atomic(&dir.join("manifest.json"), &json)?;
    Ok((shard_files.len(), count))
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

/// When the last complete build into `out` had these inputs and every PDF and data
/// companion it recorded is still on disk unaltered, the number of reports it holds: there
/// is nothing to rebuild. None otherwise.
pub fn up_to_date(out: &Path, input_fingerprint: &str) -> Option<usize> {
    let bytes = std::fs::read(out.join("manifest.json")).ok()?;
    let manifest = serde_json::from_slice::<Manifest>(&bytes).ok()?;
    let intact = !manifest.input_fingerprint.is_empty()
        && manifest.input_fingerprint == input_fingerprint
        && manifest.reports.iter().all(|e| match e.status {
            Status::Built => {
                has_content(&out.join(&e.data_path))
                    && sha256_file(&out.join(&e.path)).as_deref() == Some(e.sha256.as_str())
            }
            Status::Blocked => true,
            Status::Failed => false,
        });
    intact.then(|| {
        manifest
            .reports
            .iter()
            .filter(|e| e.status == Status::Built)
            .count()
    })
}

/// Temporary files an interrupted build left behind (never a finished output).
fn remove_stale_temporaries(out: &Path) {
    let mut folders = vec![out.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.contains(".tmp"))
            {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
}

/// Every table as long rows: (table, row label, column, value), spreadsheet-safe. The row
/// label is the row's leading text cells (e.g. "providers / Vacancy rate"), so that it names
/// the row even where the first cell repeats; the last column is always a value.
fn companion_rows(tables: &[Table]) -> Vec<(String, String, String, String)> {
    let mut rows = Vec::new();
    for table in tables {
        let keys = table
            .numeric
            .iter()
            .take_while(|numeric| !**numeric)
            .count()
            .clamp(1, table.columns.len().saturating_sub(1).max(1));
        for row in &table.rows {
            let label = row[..keys.min(row.len())].join(" / ");
            for (column, value) in table.columns.iter().zip(row).skip(keys) {
                rows.push((
                    spreadsheet_safe(&table.companion_name()),
                    spreadsheet_safe(&label),
                    spreadsheet_safe(column),
                    spreadsheet_safe(value),
                ));
            }
        }
    }
    rows
}

/// The report's accessible data companion: every table as long rows.
pub fn data_companion(tables: &[Table]) -> Vec<u8> {
    let rows: Vec<Vec<String>> = companion_rows(tables)
        .into_iter()
        .map(|(a, b, c, d)| vec![a, b, c, d])
        .collect();
    csv_bytes(&["table", "row", "column", "value"], &rows)
}
