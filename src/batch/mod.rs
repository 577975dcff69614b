//! Stage 6: plan every report of a census year (plan.rs), build them on worker threads
//! (workers.rs), write each PDF and data companion atomically with the change log
//! (companion.rs), and record the outcome of each in `manifest.json` (manifest.rs). Which
//! changed reports are reissued, and which keep their issued version with the drift of their
//! comparators recorded, is the revisions policy's decision (revisions.rs).
//!
//! [`run`] is the whole `build` command: load, validate, metrics, then [`build`]; the CLI
//! only parses its arguments and prints what it returns.

pub mod companion;
pub mod history;
pub mod index;
mod journal;
pub mod lock;
pub mod manifest;
pub mod plan;
pub mod revisions;
mod workers;

pub use lock::{BuildLock, LockError};
pub use manifest::{merge_manifests, up_to_date, Manifest, ManifestEntry, Status};
pub use plan::{Selection, Shard};
pub use workers::request_stop;

use crate::census::{Census, Date};
use crate::export::{csv_bytes, write_atomic, WriteError};
use crate::finding::Finding;
use crate::load::LoadFailure;
use crate::metrics::mdt::{Assumptions, AssumptionsError};
use crate::metrics::{Metrics, MetricsError};
use crate::pipeline;
use crate::render::model::ReportContext;
use crate::render::{Formats, Templates, TemplatesError};
use companion::{ChangeRow, CHANGES_FILE, PEERS_FILE};
use manifest::MANIFEST_FILE;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use workers::{Outcome, Previous};

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub out: PathBuf,
    pub selection: Selection,
    pub jobs: usize,
    /// Show a progress bar (when stderr is a terminal) or plain progress lines.
    pub progress: bool,
    /// Rebuild every selected report even when its fingerprint and PDF are unchanged.
    pub force: bool,
    /// The date a reissued version carries (default: the census published date).
    pub issue_date: Option<Date>,
    /// See [`Manifest::input_fingerprint`].
    pub input_fingerprint: String,
    /// The editions to write.
    pub formats: Formats,
    /// When a change that comes only from comparators reissues a report.
    pub policy: revisions::Policy,
    pub reissue: revisions::Reissue,
    /// Decide everything, typeset and write nothing.
    pub dry_run: bool,
}

#[derive(Debug, Default, Clone)]
pub struct BuildSummary {
    /// Reports typeset and written in this run.
    pub built: usize,
    /// Of those, reports whose content changed and got a new version.
    pub reissued: usize,
    /// Reports whose fingerprint and PDF were already up to date (files untouched).
    pub unchanged: usize,
    pub failed: usize,
    pub blocked: usize,
    pub elapsed: Duration,
    pub failures: Vec<(String, String)>,
    /// Stopped by Ctrl-C or SIGTERM before every report was built (those built are
    /// committed; the next build carries on).
    pub interrupted: bool,
    /// A commit left by an interrupted build was finished first.
    pub recovered: bool,
    /// Summed over every report and worker (CPU time, not wall time).
    pub timings: crate::render::StageTimings,
    /// Why the batch index could not be written (a broken `index.html.j2`); the reports
    /// and the manifest were still written.
    pub index_error: Option<String>,
    /// Reports kept as issued, their comparators' drift recorded (revisions policy).
    pub kept: usize,
    /// What was (or, in a dry run, would be) done with each report, and why.
    pub decisions: revisions::Decisions,
    /// The build's number in the folder (the one a dry run would have).
    pub build: u32,
    /// A dry run: nothing was written.
    pub dry_run: bool,
    /// A dry run found the commit of an interrupted build waiting: the next real build
    /// finishes it first, and this dry run compared with the reports as they were before it.
    pub pending_commit: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error("serialising the manifest: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot read {path}: {message}")]
    Previous { path: String, message: String },
}

/// Builds the planned reports into `options.out`, rebuilding only what changed and
/// reissuing what the revisions policy says. The caller holds the output folder's lock
/// (a dry run, which writes nothing, may hold none).
pub fn build(
    metrics: &Metrics,
    census: &Census,
    findings: &[Finding],
    blocked: &BTreeSet<String>,
    templates: &Templates,
    options: &BuildOptions,
    _lock: Option<&BuildLock>,
) -> Result<BuildSummary, BatchError> {
    let started = Instant::now();
    let shard = options.selection.shard;
    let (recovered, pending_commit) = if options.dry_run {
        (false, journal::Journal::pending(&options.out, shard))
    } else {
        (journal::Journal::recover(&options.out, shard)?, false)
    };
    let ctx = ReportContext {
        metrics,
        census,
        findings,
        messages: &templates.messages,
        logo: templates.set.logo().map(str::to_string),
    };
    let plan = plan::plan(metrics, census, blocked, &options.selection);
    let (previous, last_build, last_inputs) = read_previous(&options.out, shard)?;
    // Running again on the same inputs (after an interruption or a fault, or for a
    // selection) continues the same build.
    let build_number = if last_build > 0 && last_inputs == options.input_fingerprint {
        last_build
    } else {
        last_build + 1
    };
    if !options.dry_run {
        remove_stale_temporaries(&options.out);
    }
    // The same for every shard: the first writes it, so that shards sharing one folder never
    // write the same file at once.
    if Shard::is_first(shard) && !options.dry_run {
        write_atomic(
            &options.out.join(PEERS_FILE),
            &csv_bytes(
                &["peer_group", "measure", "position", "value"],
                &crate::render::model::peer_values(&metrics.current),
            ),
        )?;
    }
    let job = workers::Job {
        ctx: &ctx,
        typesetter: &templates.typesetter,
        previous: &previous,
        shared: templates.fingerprint(),
        published: census.meta.published,
        options,
        layout: crate::render::sha256_hex(&[templates.fingerprint()]),
        build: build_number,
    };
    let (outcomes, write_errors) = workers::run(&job, &plan.reports);

    let mut summary = BuildSummary {
        recovered,
        interrupted: outcomes.len() < plan.reports.len(),
        build: build_number,
        dry_run: options.dry_run,
        pending_commit,
        ..BuildSummary::default()
    };
    let titles: BTreeMap<manifest::EntryKey, &crate::render::ReportPlan> = plan
        .reports
        .iter()
        .map(|p| ((p.kind, p.id.clone()), p))
        .collect();
    let mut links = Vec::new();
    let mut removals = Vec::new();
    let mut statuses = BTreeMap::new();
    let mut entries = previous.entries;
    let mut change_rows: Vec<ChangeRow> = previous.changes.into_values().flatten().collect();
    for outcome in outcomes {
        let entry = match outcome {
            Outcome::Planned(decision) => {
                summary.decisions.all.push(decision);
                continue;
            }
            Outcome::Unchanged(entry) => {
                summary.unchanged += 1;
                statuses.insert(entry.key(), index::RunStatus::Unchanged);
                if let Some(plan) = titles.get(&entry.key()) {
                    summary
                        .decisions
                        .all
                        .push(revisions::Decision::of(plan, revisions::Action::Unchanged));
                }
                entry
            }
            Outcome::Kept {
                entry,
                drift,
                links: restored,
                decision,
            } => {
                summary.kept += 1;
                links.extend(restored);
                change_rows.extend(drift);
                statuses.insert(entry.key(), index::RunStatus::Kept);
                summary.decisions.all.push(decision);
                entry
            }
            Outcome::Built {
                entry,
                changes,
                links: files,
                removals: withdrawn,
                reissued,
                timings,
                decision,
            } => {
                summary.decisions.all.push(decision);
                summary.built += 1;
                links.extend(files);
                removals.extend(withdrawn);
                summary.reissued += usize::from(reissued);
                summary.timings.add(&timings);
                manifest::replace_rows(&mut change_rows, &entry, changes);
                statuses.insert(entry.key(), index::RunStatus::Built);
                entry
            }
            Outcome::Failed(entry) => {
                if let Some(plan) = titles.get(&entry.key()) {
                    let mut decision = revisions::Decision::of(plan, revisions::Action::Failed);
                    decision.detail = entry.error.clone().unwrap_or_default();
                    summary.decisions.all.push(decision);
                }
                summary.failed += 1;
                summary
                    .failures
                    .push((entry.id.clone(), entry.error.clone().unwrap_or_default()));
                statuses.insert(entry.key(), index::RunStatus::Failed);
                entry
            }
        };
        entries.insert(entry.key(), entry);
    }
    for plan in &plan.blocked {
        summary.blocked += 1;
        let before = entries.get(&(plan.kind, plan.id.clone()));
        let entry = ManifestEntry {
            status: Status::Blocked,
            error: Some("validation errors: see validation/queries".into()),
            ..ManifestEntry::failed(plan, before, String::new())
        };
        entries.insert(entry.key(), entry);
    }
    if options.dry_run {
        summary.blocked = plan.blocked.len();
        summary.elapsed = started.elapsed();
        return Ok(summary);
    }
    // A report that is neither planned nor blocked any more (an organisation that left)
    // keeps its last entry; one now blocked loses its built status above.
    let complete = options.selection.is_everything() && summary.failed == 0 && !summary.interrupted;
    let mut manifest = Manifest::new(
        census.meta.year,
        if complete {
            options.input_fingerprint.clone()
        } else {
            String::new()
        },
        entries,
    );
    manifest.census_title = census.meta.title.clone();
    manifest.build = build_number;
    manifest.build_inputs = options.input_fingerprint.clone();
    // The index goes with a whole folder's manifest; shards get theirs from merge-manifests.
    let index = if shard.is_none() {
        index::render(
            &templates.set,
            &manifest.census_title,
            &manifest,
            Some((&statuses, &summary)),
            &index::NotReturned::of(metrics),
        )
        .map_err(|err| summary.index_error = Some(err.to_string()))
        .ok()
    } else {
        None
    };
    let (manifest_name, changes_name) = match shard {
        Some(shard) => (shard.manifest_name(), shard.changes_name()),
        None => (MANIFEST_FILE.to_string(), CHANGES_FILE.to_string()),
    };
    journal::Journal {
        manifest_name,
        manifest,
        changes_name,
        changes: change_rows,
        links,
        removals,
        index,
    }
    .commit(&options.out, shard)?;
    if let Some(err) = write_errors.into_iter().next() {
        return Err(err.into());
    }
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// What a previous build left in the output folder (for a shard, its own files too), and
/// the number and inputs of the last build.
fn read_previous(out: &Path, shard: Option<Shard>) -> Result<(Previous, u32, String), BatchError> {
    let mut entries = BTreeMap::new();
    let mut build = 0;
    let mut inputs = String::new();
    let mut names = vec![MANIFEST_FILE.to_string()];
    let mut change_files = vec![CHANGES_FILE.to_string()];
    if let Some(shard) = shard {
        names.push(shard.manifest_name());
        change_files.push(shard.changes_name());
    }
    for name in names {
        if let Some(manifest) = Manifest::read(&out.join(name))? {
            if manifest.build >= build {
                build = manifest.build;
                inputs = manifest.build_inputs.clone();
            }
            entries.extend(manifest.entries());
        }
    }
    let mut changes: BTreeMap<_, Vec<ChangeRow>> = BTreeMap::new();
    for name in change_files {
        for row in companion::read_change_rows(&out.join(name))? {
            let key = ((row.kind, row.report_id.clone()), row.version);
            let rows = changes.entry(key).or_default();
            if !rows.contains(&row) {
                rows.push(row);
            }
        }
    }
    Ok((Previous { entries, changes }, build, inputs))
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

// ---- the `build` command ----------------------------------------------------------------

/// Everything `census-reports build` is asked to do.
#[derive(Debug, Clone)]
pub struct BuildRequest {
    pub data: PathBuf,
    /// Output folder (default: out/<year>).
    pub out: Option<PathBuf>,
    pub selection: Selection,
    /// Worker threads (default: one per core).
    pub jobs: Option<usize>,
    pub assumptions: Option<PathBuf>,
    /// A folder laid over the shipped templates.
    pub templates: Option<PathBuf>,
    pub force: bool,
    pub issue_date: Option<Date>,
    pub progress: bool,
    /// Wait for another build into the same folder to finish instead of stopping.
    pub wait: bool,
    /// The editions to write (PDF and HTML by default).
    pub formats: Formats,
    /// The revisions policy file (default: the shipped one).
    pub revisions: Option<PathBuf>,
    pub reissue: revisions::Reissue,
    /// Decide what would be reissued and why, and write nothing.
    pub dry_run: bool,
    /// Where to write the decisions as CSV (any path, also for a dry run).
    pub summary: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Policy(#[from] revisions::PolicyError),
    #[error("cannot write the summary {path}: {message}")]
    Summary { path: String, message: String },
    #[error(transparent)]
    Locked(#[from] LockError),
    /// The census folder could not be read at all.
    #[error("{0}")]
    Unreadable(LoadFailure),
    #[error(transparent)]
    Templates(#[from] TemplatesError),
    #[error(transparent)]
    Assumptions(#[from] AssumptionsError),
    #[error(transparent)]
    Metrics(#[from] MetricsError),
    #[error(transparent)]
    Batch(#[from] BatchError),
    #[error("no report has the id '{0}' (an org_id, LA code, region slug or `england`; blocked organisations have none)")]
    NoReport(String),
    #[error(transparent)]
    Render(crate::render::RenderError),
    #[error(transparent)]
    Publication(#[from] crate::publication::PublicationError),
}

/// What a `build` run did.
#[derive(Debug)]
pub enum BuildRun {
    /// The inputs, templates and every report were unchanged: nothing was loaded or written.
    UpToDate {
        out: PathBuf,
        reports: usize,
        wall: Duration,
    },
    Built(Box<BuildReport>),
}

#[derive(Debug)]
pub struct BuildReport {
    pub out: PathBuf,
    pub summary: BuildSummary,
    pub jobs: usize,
    /// Earlier-year folders that could not be read.
    pub notes: Vec<String>,
    pub load_time: Duration,
    pub validate_time: Duration,
    pub metrics_time: Duration,
    /// The publication workbooks written with the national report, and the time they took.
    pub publication: Vec<PathBuf>,
    pub publication_time: Duration,
    pub wall: Duration,
}

impl BuildRun {
    /// The run's stage timings as JSON (for `--timings` and bench/run.sh).
    pub fn timings_json(&self) -> serde_json::Value {
        match self {
            BuildRun::UpToDate { reports, wall, .. } => serde_json::json!({
                "reports_built": 0, "reports_unchanged": reports, "reports_failed": 0, "jobs": 0,
                "wall_s": wall.as_secs_f64(), "load_s": 0.0, "validate_s": 0.0, "metrics_s": 0.0,
                "charts_and_document_s": 0.0, "typeset_s": 0.0, "pdf_export_s": 0.0, "html_s": 0.0, "write_s": 0.0,
            }),
            BuildRun::Built(r) => {
                let t = &r.summary.timings;
                serde_json::json!({
                    "reports_built": r.summary.built,
                    "reports_unchanged": r.summary.unchanged,
                    "reports_failed": r.summary.failed,
                    "jobs": r.jobs,
                    "wall_s": r.wall.as_secs_f64(),
                    "load_s": r.load_time.as_secs_f64(),
                    "validate_s": r.validate_time.as_secs_f64(),
                    "metrics_s": r.metrics_time.as_secs_f64(),
                    "charts_and_document_s": t.document.as_secs_f64(),
                    "typeset_s": t.typeset.as_secs_f64(),
                    "pdf_export_s": t.pdf_export.as_secs_f64(),
                    "html_s": t.html.as_secs_f64(),
                    "write_s": t.write.as_secs_f64(),
                })
            }
        }
    }
}

/// `merge-manifests`: joins the shards' manifests and change logs, holding the folder's lock.
pub fn merge(dir: &Path, wait: bool) -> Result<(usize, usize), RunError> {
    let _lock = lock::acquire(dir, &lock::lock_name(None), wait)?;
    let (manifest, shards) = merge_manifests(dir)?;
    // The merged index, in the shipped index template (the shards' run summaries are not
    // kept, so it counts the manifest's statuses), then the manifest it lists.
    let set = crate::render::templates::TemplateSet::shipped();
    // The invited list is not in the shards' manifests, so the merged index has no
    // not-returned list; a whole-folder build writes it.
    if let Ok(page) = index::render(&set, &manifest.census_title, &manifest, None, &[]) {
        crate::export::write_atomic(&dir.join(index::INDEX_FILE), page.as_bytes())
            .map_err(BatchError::from)?;
    }
    manifest.write(&dir.join(manifest::MANIFEST_FILE))?;
    Ok((shards, manifest.reports.len()))
}

/// `out/<year>` — where every output for a census year goes unless told otherwise.
pub fn default_out(census: &Census) -> PathBuf {
    PathBuf::from("out").join(census.meta.year.to_string())
}

/// The MDT assumptions in `path`, or the shipped illustrative ones.
pub fn assumptions(path: Option<&Path>) -> Result<Assumptions, AssumptionsError> {
    Ok(match path {
        Some(path) => Assumptions::from_file(path)?,
        None => Assumptions::default_shipped(),
    })
}

/// The whole `build` command: checks whether anything changed, then loads, validates,
/// computes the figures and builds the reports.
pub fn run(request: &BuildRequest) -> Result<BuildRun, RunError> {
    let started = Instant::now();
    let assumptions = assumptions(request.assumptions.as_deref())?;
    let templates = Templates::load(request.templates.as_deref())?;
    let policy = revisions::Policy::load(request.revisions.as_deref())?;
    let assumptions_text = toml::to_string(&assumptions).unwrap_or_default();
    // The policy decides what a build does with changed reports: a build under another
    // policy checks every report again.
    let policy_text = format!(
        "{}{:?}",
        toml::to_string(&policy).unwrap_or_default(),
        request.reissue
    );
    let input_fingerprint = pipeline::input_fingerprint(
        &request.data,
        &[
            templates.fingerprint(),
            assumptions_text.as_bytes(),
            policy_text.as_bytes(),
        ],
    );
    let planned = request.out.clone().or_else(|| {
        crate::load::census_year(&request.data).map(|y| PathBuf::from("out").join(y.to_string()))
    });
    let out = match planned {
        Some(out) => out,
        // The census year cannot be read from census.toml: loading says why.
        None => default_out(
            pipeline::open(&request.data)
                .map_err(RunError::Unreadable)?
                .census(),
        ),
    };
    let shard = request.selection.shard;
    let lock_name = lock::lock_name(shard);
    // A dry run writes nothing: it waits for (or stops at) a build in progress by taking the
    // lock while it computes, where a build has left a lock file, and creates none.
    let lock = if !request.dry_run || out.join(&lock_name).exists() {
        Some(lock::acquire(&out, &lock_name, request.wait)?)
    } else {
        None
    };
    let may_skip = !request.force && shard.is_none() && !journal::Journal::pending(&out, shard);
    if may_skip {
        if let Some(reports) = up_to_date(&out, &input_fingerprint, request.formats) {
            return Ok(BuildRun::UpToDate {
                out,
                reports,
                wall: started.elapsed(),
            });
        }
    }
    let run = pipeline::open(&request.data).map_err(RunError::Unreadable)?;
    let clock = Instant::now();
    let metrics = run.metrics(&assumptions)?;
    let metrics_time = clock.elapsed();
    let jobs = request
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let options = BuildOptions {
        out: out.clone(),
        selection: request.selection.clone(),
        jobs,
        progress: request.progress,
        force: request.force,
        issue_date: request.issue_date,
        input_fingerprint,
        formats: request.formats,
        policy,
        reissue: request.reissue,
        dry_run: request.dry_run,
    };
    let summary = build(
        &metrics,
        run.census(),
        &run.validation.findings,
        &run.validation.blocked,
        &templates,
        &options,
        lock.as_ref(),
    )?;
    drop(lock);
    if let Some(path) = &request.summary {
        write_atomic(path, &summary.decisions.csv()).map_err(|e| RunError::Summary {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
    }
    // The publication tables go with the national report.
    let clock = Instant::now();
    let national = request.selection.wants(&crate::render::ReportPlan::new(
        crate::render::ReportKind::National,
        "england",
        "England",
    ));
    let publication =
        if national && Shard::is_first(shard) && !summary.interrupted && !request.dry_run {
            crate::publication::write_all(&out, run.census(), &metrics)?
        } else {
            Vec::new()
        };
    let publication_time = clock.elapsed();
    Ok(BuildRun::Built(Box::new(BuildReport {
        out,
        summary,
        jobs,
        notes: run.notes.clone(),
        load_time: run.load_time,
        validate_time: run.validate_time,
        metrics_time,
        publication,
        publication_time,
        wall: started.elapsed(),
    })))
}
