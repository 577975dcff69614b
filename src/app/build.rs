//! The `build` command: checks whether anything changed, then loads, validates, computes
//! the figures, builds the reports with the batch engine under the folder's lock, and
//! writes the publication tables with the national report.

use super::{assumptions, default_out, RunError};
use crate::batch::revisions::{self, Decision, Decisions};
use crate::batch::{self, lock, up_to_date, BuildOptions, BuildSummary, Selection, Shard};
use crate::export::write_atomic;
use crate::input::census::Date;
use crate::input::pipeline;
use crate::render::{Formats, Templates};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

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
        crate::input::load::census_year(&request.data)
            .map(|y| PathBuf::from("out").join(y.to_string()))
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
    let may_skip = !request.force && shard.is_none() && !batch::commit_pending(&out, shard);
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
    let summary = batch::build(
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

impl BuildReport {
    /// What a build did, as the CLI prints it: the counts, stage times, the revisions
    /// policy's decisions with the first 20 reissues, the publication tables and the index.
    pub fn text(&self) -> String {
        let summary = &self.summary;
        let t = &summary.timings;
        let mut text = format!(
            "{} report(s) rebuilt ({} reissued with changed content), {} unchanged, {} failed, {} blocked by validation, in {:.1} s with {} worker(s) ({:.1} s in all); manifest at {}\n",
            summary.built,
            summary.reissued,
            summary.unchanged,
            summary.failed,
            summary.blocked,
            summary.elapsed.as_secs_f64(),
            self.jobs,
            self.wall.as_secs_f64(),
            self.out.display()
        );
        let _ = writeln!(
            text,
            "stage time summed over workers: document and charts {:.1} s, typeset {:.1} s, PDF export {:.1} s, HTML {:.1} s, write {:.1} s",
            t.document.as_secs_f64(),
            t.typeset.as_secs_f64(),
            t.pdf_export.as_secs_f64(),
            t.html.as_secs_f64(),
            t.write.as_secs_f64()
        );
        let _ = writeln!(
            text,
            "load {:.2} s, validate {:.2} s, metrics {:.2} s (all years present)",
            self.load_time.as_secs_f64(),
            self.validate_time.as_secs_f64(),
            self.metrics_time.as_secs_f64()
        );
        let _ = writeln!(text, "revisions policy: {}", summary.decisions.line());
        text.push_str(&reissues_text(&summary.decisions, 20));
        if let Some(first) = self.publication.first() {
            let _ = writeln!(
                text,
                "publication tables: {} workbook file(s) in {} ({:.2} s)",
                self.publication.len(),
                first.parent().unwrap_or(Path::new(".")).display(),
                self.publication_time.as_secs_f64()
            );
        }
        let index = self.out.join(batch::index::INDEX_FILE);
        if summary.index_error.is_none() && index.exists() {
            let _ = writeln!(text, "index of reports: {}", index.display());
        }
        text
    }

    /// What a dry run found: every report that would be reissued and why, those that would
    /// only record drift, and the counts.
    pub fn dry_run_text(&self) -> String {
        let summary = &self.summary;
        let mut text = format!(
            "dry run of build {} into {}: nothing was written\n",
            summary.build,
            self.out.display()
        );
        if summary.pending_commit {
            text.push_str(
                "note: an interrupted build's commit is waiting; the next build finishes it first\n",
            );
        }
        let _ = writeln!(text, "would do: {}", summary.decisions.line());
        text.push_str(&reissues_text(&summary.decisions, 0));
        for d in sorted(&summary.decisions, "drift") {
            let example = d.change.as_ref().map_or(String::new(), |c| {
                format!("; e.g. {} {} → {}", c.figure, c.old, c.new)
            });
            let _ = writeln!(
                text,
                "  record drift {} {} — {} comparator figure(s) moved, none materially{example}",
                d.kind.code(),
                d.id,
                d.changed,
            );
        }
        let _ = writeln!(
            text,
            "{} blocked by validation; decided in {:.1} s ({:.1} s in all)",
            summary.blocked,
            summary.elapsed.as_secs_f64(),
            self.wall.as_secs_f64()
        );
        text
    }
}

/// The decisions with one action, by kind and id.
fn sorted<'a>(decisions: &'a Decisions, action: &str) -> Vec<&'a Decision> {
    let mut chosen: Vec<&Decision> = decisions
        .all
        .iter()
        .filter(|d| d.action.code() == action)
        .collect();
    chosen.sort_by(|a, b| (a.kind, &a.id).cmp(&(b.kind, &b.id)));
    chosen
}

/// The reports reissued and why, one line each, at most `limit` of them (all with 0).
fn reissues_text(decisions: &Decisions, limit: usize) -> String {
    let reissues = sorted(decisions, "reissue");
    let shown = if limit == 0 { reissues.len() } else { limit };
    let mut text = String::new();
    for d in reissues.iter().take(shown) {
        let _ = writeln!(
            text,
            "  reissue {} {} — {}",
            d.kind.code(),
            d.id,
            d.reason()
        );
    }
    if reissues.len() > shown {
        let _ = writeln!(
            text,
            "  … and {} more (every decision: build --summary FILE)",
            reissues.len() - shown
        );
    }
    text
}
