//! Stage 6: plan every report of a census year (plan.rs), build them on worker threads
//! (workers.rs), write each PDF and data companion atomically with the change log
//! (companion.rs), and record the outcome of each in `manifest.json` (manifest.rs). Which
//! changed reports are reissued, and which keep their issued version with the drift of their
//! comparators recorded, is the revisions policy's decision (revisions.rs).
//!
//! This is the build engine; the `build` command around it (load, validate, metrics, the
//! lock, the publication tables) is `app::build`.

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

use crate::export::{csv_bytes, write_atomic, WriteError};
use crate::input::census::{Census, Date};
use crate::input::finding::Finding;
use crate::metrics::Metrics;
use crate::render::model::ReportContext;
use crate::render::{Formats, Templates};
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
        meta: &census.meta,
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
            &index::Coverage::of(metrics),
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

/// Whether an interrupted build left a commit for the next build to finish in `out`.
pub fn commit_pending(out: &Path, shard: Option<Shard>) -> bool {
    journal::Journal::pending(out, shard)
}
