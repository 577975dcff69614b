//! The report loop: scoped worker threads take the next report from an atomic counter, with
//! rayon left to typst's own parallel work. Why not a rayon pool over the reports: typst and
//! its PDF writer use rayon inside, and a rayon worker that waits inside typst
//! (`Deferred::wait`) steals and runs another report on the same stack, so reports nest until
//! the stack overflows (even with one thread); larger stacks let it finish, but peak memory
//! reached 2.3 GB. One scoped thread per core keeps each report on its own stack and memory
//! flat. A panic in one report is caught and recorded; every other report is still written.

use super::companion::{self, ChangeRow};
use super::history;
use super::manifest::{sha256_file, EntryKey, ManifestEntry, Status};
use super::revisions::{self, Action, Decision, Why};
use super::BuildOptions;
use crate::export::{write_checked_later, WriteError};
use crate::input::census::Date;
use crate::render::model::ReportContext;
use crate::render::typeset::Typesetter;
use crate::render::{self, Change, Issue, ReportPlan, StageTimings};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// Typst's memo cache grows with every report; it is cleared this often (in reports).
const EVICT_EVERY: usize = 10;
/// Worker stack: typst and PDF export recurse deeply on large documents.
const WORKER_STACK: usize = 64 * 1024 * 1024;

/// Set by Ctrl-C or SIGTERM: workers take no new report; those in flight finish and the
/// build commits what it completed.
static STOP: AtomicBool = AtomicBool::new(false);

/// Asks a running build to stop cleanly (from a signal handler).
pub fn request_stop() {
    STOP.store(true, Ordering::SeqCst);
}

pub fn stop_requested() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// What the previous build left for a report to be compared with.
pub struct Previous {
    pub entries: BTreeMap<EntryKey, ManifestEntry>,
    /// (kind, id, version) → the change log rows of that version.
    pub changes: BTreeMap<(EntryKey, u32), Vec<ChangeRow>>,
}

pub enum Outcome {
    Unchanged(ManifestEntry),
    /// Kept as issued under the revisions policy: its comparators drifted immaterially.
    Kept {
        entry: ManifestEntry,
        /// The drifted figures not yet recorded in the change log as they are now.
        drift: Vec<ChangeRow>,
        /// (kept version, live file) to restore when a live file was lost.
        links: Vec<(PathBuf, PathBuf)>,
        decision: Decision,
    },
    /// A dry run's decision: nothing was typeset or written.
    Planned(Decision),
    Built {
        entry: ManifestEntry,
        changes: Vec<ChangeRow>,
        /// (kept version, live file) to link when the build commits.
        links: Vec<(PathBuf, PathBuf)>,
        /// Live editions of an earlier version that this build did not write (`--format`):
        /// removed when the build commits, so no live file is older than the manifest says.
        removals: Vec<PathBuf>,
        reissued: bool,
        timings: StageTimings,
        decision: Decision,
    },
    Failed(ManifestEntry),
}

/// Everything a worker needs, shared by all of them.
pub struct Job<'a> {
    pub ctx: &'a ReportContext<'a>,
    pub typesetter: &'a Typesetter,
    pub previous: &'a Previous,
    /// The fingerprint of what every report shares (templates, fonts, program).
    pub shared: &'a [u8],
    pub published: Date,
    pub options: &'a BuildOptions,
    /// SHA-256 (hex) of `shared`: a manifest entry's `layout_fingerprint`.
    pub layout: String,
    /// This build's number (see [`super::Manifest::build`]).
    pub build: u32,
}

/// Builds `plans` on `options.jobs` workers; returns each report's outcome and the first
/// write errors.
pub fn run(job: &Job, plans: &[ReportPlan]) -> (Vec<Outcome>, Vec<WriteError>) {
    let progress = progress_bar(plans.len(), job.options.progress);
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let outcomes: Mutex<Vec<Outcome>> = Mutex::new(Vec::new());
    let write_errors: Mutex<Vec<WriteError>> = Mutex::new(Vec::new());
    let jobs = job.options.jobs.clamp(1, plans.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            let worker = || loop {
                if stop_requested() {
                    break;
                }
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(plan) = plans.get(i) else { break };
                let outcome = one(job, plan, &write_errors);
                outcomes
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(outcome);
                let finished = done.fetch_add(1, Ordering::SeqCst) + 1;
                if finished.is_multiple_of(EVICT_EVERY) {
                    typst::comemo::evict(0);
                }
                progress.inc(1);
                if progress.is_hidden() && job.options.progress && finished.is_multiple_of(100) {
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
    (
        outcomes.into_inner().unwrap_or_else(|e| e.into_inner()),
        write_errors.into_inner().unwrap_or_else(|e| e.into_inner()),
    )
}

enum OneError {
    Render(String),
    Write(WriteError, Box<ManifestEntry>),
}

/// One report behind `catch_unwind`, its failure recorded as an outcome.
fn one(job: &Job, plan: &ReportPlan, write_errors: &Mutex<Vec<WriteError>>) -> Outcome {
    let before = job.previous.entries.get(&(plan.kind, plan.id.clone()));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        build_one(job, plan, before)
    }));
    match result {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(OneError::Write(err, entry))) => {
            write_errors
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(err);
            Outcome::Failed(*entry)
        }
        Ok(Err(OneError::Render(message))) => {
            Outcome::Failed(ManifestEntry::failed(plan, before, message))
        }
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Outcome::Failed(ManifestEntry::failed(
                plan,
                before,
                format!("the report panicked: {message}"),
            ))
        }
    }
}

fn build_one(
    job: &Job,
    plan: &ReportPlan,
    before: Option<&ManifestEntry>,
) -> Result<Outcome, OneError> {
    let options = job.options;
    let prepared =
        render::prepare(job.ctx, plan, job.shared).map_err(|e| OneError::Render(e.to_string()))?;
    let data_path = options.out.join(&plan.data_path);
    // The last version issued: a later failed attempt or a block keeps its record.
    let built_before = before.filter(|b| b.version > 0 && !b.fingerprint.is_empty());
    let same_fingerprint = built_before.is_some_and(|b| b.fingerprint == prepared.fingerprint);
    let intact = built_before.is_some_and(|b| b.intact(&options.out, options.formats));
    if same_fingerprint && intact && !options.force {
        if options.dry_run {
            return Ok(Outcome::Planned(Decision::of(plan, Action::Unchanged)));
        }
        let entry = built_before.cloned().expect("checked above");
        // The same content as issued, so the same own content and templates: a version
        // issued before the revisions policy gets the fingerprints it needs from now on.
        return Ok(Outcome::Unchanged(ManifestEntry {
            status: Status::Built,
            error: None,
            region: plan.region.clone(),
            checked_in_build: job.build,
            drifted: 0,
            own_fingerprint: prepared.own_fingerprint,
            layout_fingerprint: job.layout.clone(),
            ..entry
        }));
    }
    let mut decision = Decision::of(plan, Action::New);
    let issue = match built_before {
        // Same content, but the PDF is missing, altered or forced: the same version again.
        Some(b) if same_fingerprint => {
            decision.action = Action::Unchanged;
            let rows = job
                .previous
                .changes
                .get(&((plan.kind, plan.id.clone()), b.version));
            let rows: Vec<&ChangeRow> = rows
                .map(|rows| rows.iter().filter(|r| r.reissued).collect())
                .unwrap_or_default();
            Issue {
                version: b.version,
                date: Date::parse(&b.issued).unwrap_or(job.published),
                wording_only: rows.iter().any(|r| r.is_wording_only()),
                changes: rows
                    .iter()
                    .filter(|r| !r.is_wording_only())
                    .map(|r| r.change())
                    .collect::<Vec<Change>>(),
                reason: Some(b.reissue_reason.clone()).filter(|r| !r.is_empty()),
            }
        }
        // New content: its own figures, its comparators or only the templates changed.
        Some(b) => {
            // Against the issued version as kept (the live companion of a folder built
            // before history was kept).
            let kept = history::version_files(plan.kind, &plan.id, b.version).companion;
            let previous = Some(options.out.join(kept))
                .filter(|p| companion::has_content(p))
                .unwrap_or(data_path.clone());
            let changes = companion::diff(&previous, &prepared.rendered);
            let verdict = revisions::judge(
                b,
                &prepared.own_fingerprint,
                &job.layout,
                &changes,
                &revisions::comparator_keys(&prepared.rendered),
                &options.policy,
                options.reissue,
            );
            decision.action = verdict.action;
            decision.change = verdict.change;
            decision.detail = verdict.detail;
            decision.changed = changes.len();
            if decision.action == Action::Drift {
                match restorable(b, plan, options) {
                    Some(_) if options.dry_run => return Ok(Outcome::Planned(decision)),
                    Some(links) => {
                        return Ok(keep_as_issued(job, plan, b, &changes, links, decision))
                    }
                    None => decision.action = Action::Reissue(Why::Lost),
                }
            }
            let wording_only = changes.is_empty();
            let reason = if wording_only {
                None
            } else {
                Some(reissue_reason(job, &decision).map_err(OneError::Render)?)
            };
            Issue {
                version: b.version + 1,
                date: options.issue_date.unwrap_or(job.published),
                wording_only,
                changes,
                reason,
            }
        }
        None => Issue {
            version: 1,
            date: job.published,
            changes: Vec::new(),
            wording_only: false,
            reason: None,
        },
    };
    if options.dry_run {
        return Ok(Outcome::Planned(decision));
    }
    let reissued = built_before.is_some() && !same_fingerprint;
    let fingerprint = prepared.fingerprint.clone();
    let own_fingerprint = prepared.own_fingerprint.clone();
    let report = render::finish(job.typesetter, plan, prepared, &issue, options.formats)
        .map_err(|e| OneError::Render(e.to_string()))?;
    let write_started = std::time::Instant::now();
    // An edition this build does not write stays in the record only while it is the same
    // version, intact; otherwise its live file is withdrawn.
    let same_version = built_before.filter(|b| b.version == issue.version);
    let keep = |path: &str, sha256: &str| {
        let intact =
            !path.is_empty() && sha256_file(&options.out.join(path)).as_deref() == Some(sha256);
        intact.then(|| (path.to_string(), sha256.to_string()))
    };
    let mut removals = Vec::new();
    let mut edition = |written: Option<&Vec<u8>>,
                       live: &PathBuf,
                       kept: Option<(String, String)>| match (written, kept) {
        (Some(bytes), _) => (slash_path(live), render::sha256_hex(&[bytes])),
        (None, Some(kept)) => kept,
        (None, None) => {
            if options.out.join(live).exists() {
                removals.push(live.clone());
            }
            (String::new(), String::new())
        }
    };
    let (path, sha256) = edition(
        report.pdf.as_ref(),
        &plan.path,
        same_version.and_then(|b| keep(&b.path, &b.sha256)),
    );
    let (html_path, html_sha256) = edition(
        report.html.as_ref(),
        &plan.html_path,
        same_version.and_then(|b| keep(&b.html_path, &b.html_sha256)),
    );
    let entry = ManifestEntry {
        id: plan.id.clone(),
        kind: plan.kind,
        title: plan.title.clone(),
        region: plan.region.clone(),
        path,
        data_path: slash_path(&plan.data_path),
        sha256,
        html_path,
        html_sha256,
        fingerprint,
        version: issue.version,
        issued: issue.date.to_string(),
        status: Status::Built,
        error: None,
        own_fingerprint,
        layout_fingerprint: job.layout.clone(),
        checked_in_build: job.build,
        drifted: 0,
        reissue_reason: issue.reason.clone().unwrap_or_default(),
    };
    // The new version is written where versions are kept; the live files are pointed at it
    // when the build commits (see journal.rs), so nothing live changes before then.
    let kept = history::version_files(plan.kind, &plan.id, issue.version);
    let record = serde_json::to_vec_pretty(&entry).unwrap_or_default();
    let mut links = vec![(kept.companion.clone(), plan.data_path.clone())];
    let mut files = vec![(
        kept.companion.clone(),
        companion::data_companion(&report.rendered),
    )];
    if let Some(pdf) = report.pdf {
        files.push((kept.pdf.clone(), pdf));
        links.push((kept.pdf, plan.path.clone()));
    }
    if let Some(html) = report.html {
        files.push((kept.html.clone(), html));
        links.push((kept.html, plan.html_path.clone()));
    }
    files.push((kept.record, record));
    let written = files
        .iter()
        .try_for_each(|(path, bytes)| write_checked_later(&options.out.join(path), bytes));
    if let Err(err) = written {
        let failed = ManifestEntry::failed(plan, before, err.to_string());
        return Err(OneError::Write(err, Box::new(failed)));
    }
    let mut timings = report.timings;
    timings.write = write_started.elapsed();
    Ok(Outcome::Built {
        changes: ChangeRow::of_issue(&plan.id, plan.kind, &issue, job.build),
        links,
        removals,
        entry,
        reissued,
        timings,
        decision,
    })
}

/// Why a report is reissued, in the sentence its "What changed" section prints
/// (`messages/reissue_reason.j2`).
fn reissue_reason(job: &Job, decision: &Decision) -> Result<String, String> {
    let why = match &decision.action {
        Action::Reissue(Why::Own) => "own",
        Action::Reissue(Why::Material) => "material",
        Action::Reissue(Why::All) => "all",
        Action::Reissue(Why::Lost) => "lost",
        _ => "layout",
    };
    let change = decision.change.as_ref();
    job.ctx
        .messages
        .render(
            "reissue_reason",
            minijinja::context! {
                why,
                figure => change.map(|c| c.figure.clone()),
                old => change.map(|c| c.old.clone()),
                new => change.map(|c| c.new.clone()),
                detail => decision.detail.clone(),
            },
        )
        .map_err(|e| e.to_string())
}

/// The links that put a kept version's files back in place when a live file is missing or
/// altered (none when all are intact); None when a kept file is lost too, so the report
/// cannot stay as issued.
fn restorable(
    issued: &ManifestEntry,
    plan: &ReportPlan,
    options: &super::BuildOptions,
) -> Option<Vec<(PathBuf, PathBuf)>> {
    if issued.intact(&options.out, options.formats) {
        return Some(Vec::new());
    }
    let kept = history::version_files(plan.kind, &plan.id, issued.version);
    let same = |path: &PathBuf, sha256: &str| {
        !sha256.is_empty() && sha256_file(&options.out.join(path)).as_deref() == Some(sha256)
    };
    let mut links = Vec::new();
    if options.formats.pdf {
        same(&kept.pdf, &issued.sha256).then_some(())?;
        links.push((kept.pdf, plan.path.clone()));
    }
    if options.formats.html {
        same(&kept.html, &issued.html_sha256).then_some(())?;
        links.push((kept.html, plan.html_path.clone()));
    }
    companion::has_content(&options.out.join(&kept.companion)).then_some(())?;
    links.push((kept.companion, plan.data_path.clone()));
    Some(links)
}

/// A report kept as issued: its entry records the build that checked it and how many of its
/// comparators drifted; the change log gets each drifted figure whose value is new since
/// the last row recorded for it.
fn keep_as_issued(
    job: &Job,
    plan: &ReportPlan,
    issued: &ManifestEntry,
    changes: &[Change],
    links: Vec<(PathBuf, PathBuf)>,
    decision: Decision,
) -> Outcome {
    let recorded = job
        .previous
        .changes
        .get(&((plan.kind, plan.id.clone()), issued.version))
        .map(Vec::as_slice)
        .unwrap_or_default();
    let fresh: Vec<Change> = changes
        .iter()
        .filter(|c| {
            let last = recorded
                .iter()
                .filter(|r| !r.reissued && r.change().key == c.key)
                .max_by_key(|r| r.build);
            last.is_none_or(|r| r.new_value != c.new)
        })
        .cloned()
        .collect();
    Outcome::Kept {
        entry: ManifestEntry {
            status: Status::Built,
            error: None,
            region: plan.region.clone(),
            checked_in_build: job.build,
            drifted: changes.len() as u32,
            ..issued.clone()
        },
        drift: ChangeRow::drift(&plan.id, plan.kind, issued.version, job.build, &fresh),
        links,
        decision,
    }
}

/// A relative path with `/` separators, as the manifest records it.
fn slash_path(path: &std::path::Path) -> String {
    path.to_string_lossy().replace('\\', "/")
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
