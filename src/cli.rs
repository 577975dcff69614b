//! The command line: parses arguments and hands each command to the library stage that does
//! the work. No logic lives here beyond choosing defaults and exit codes.

use crate::app::build::{BuildRequest, BuildRun};
use crate::app::{RunError, EXIT_FINDINGS, EXIT_INTERRUPTED};
use crate::batch::{self, Selection};
use crate::metrics::export::Format;
use crate::render::ReportKind;
use crate::sample::{self, SampleOptions};
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The census folder used when `--data` is not given: the latest bundled sample year.
pub const DEFAULT_DATA: &str = "sample-data/2024";

/// The census-year folder a command reads.
#[derive(Debug, Clone, clap::Args)]
pub struct DataArgs {
    /// The census-year folder; earlier years are found beside it (default: the bundled 2024
    /// sample).
    #[arg(long, default_value = DEFAULT_DATA)]
    pub data: PathBuf,
}

/// What every command that computes figures reads: the census folder and the MDT
/// calculator's assumptions.
#[derive(Debug, Clone, clap::Args)]
pub struct FiguresArgs {
    #[command(flatten)]
    pub census: DataArgs,
    /// MDT calculator assumptions (default: the shipped illustrative ones).
    #[arg(long)]
    pub assumptions: Option<PathBuf>,
}

#[derive(Debug, Parser)]
#[command(
    name = "census-reports",
    version,
    about = "Validated figures and bespoke PDF reports for the drug and alcohol treatment and recovery workforce census of England"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum CollectionCommand {
    /// During the collection window: returns by type and region against the invited list,
    /// the LAs with incomplete coverage, and chasers.csv, coverage.csv and
    /// queries_open.csv for the census team.
    Status {
        #[command(flatten)]
        input: DataArgs,
        /// Where to write the files (default: out/<year>/collection).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum PlansCommand {
    /// Write the blank planning workbook (xlsx) in the template layout, with the category
    /// notes and cell validation (FTE in steps of 0.25, percentages 0-100).
    Template {
        /// The file to write, e.g. expansion-plan-template.xlsx.
        #[arg(long)]
        out: PathBuf,
        /// The workbook's creation date (YYYY-MM-DD; default today). The same date gives
        /// the same bytes.
        #[arg(long)]
        date: Option<String>,
    },
    /// Read and check every workbook in a census folder's `expansion_plans/` and print the
    /// findings, each naming workbook, sheet and cell.
    Check {
        #[command(flatten)]
        input: DataArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a census folder and write the queries to send back to participants.
    Validate {
        #[command(flatten)]
        input: DataArgs,
        /// Last year's folder, for the year-on-year rule (default: the sibling folder named
        /// for the previous year, when there is one).
        #[arg(long)]
        previous: Option<PathBuf>,
        /// Where to write queries.csv and the per-organisation query lists
        /// (default: out/<year>/validation).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Start CSV output with a UTF-8 byte-order mark, for Excel.
        #[arg(long)]
        bom: bool,
    },
    /// Build every report (PDF, data companion, manifest) for a census year.
    Build {
        #[command(flatten)]
        input: FiguresArgs,
        /// Output folder (default: out/<year>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Build only reports of these kinds (repeatable).
        #[arg(long = "kind", value_enum)]
        kinds: Vec<ReportKind>,
        /// Build only the reports with these ids (repeatable): org_id, LA code, region slug
        /// or `england`.
        #[arg(long = "only")]
        only: Vec<String>,
        /// Worker threads (default: one per core).
        #[arg(long)]
        jobs: Option<usize>,
        /// Lay the templates in this folder over the shipped ones, file by file (`.typ`,
        /// `.j2`, anything under `assets/`).
        #[arg(long)]
        templates: Option<PathBuf>,
        /// Rebuild every selected report, even those whose figures and PDF are unchanged.
        #[arg(long)]
        force: bool,
        /// The date reissued reports carry: YYYY-MM-DD, or `today` for the system clock
        /// (default: the census published date).
        #[arg(long)]
        issue_date: Option<String>,
        /// Build only slice K of N of the plan (e.g. 3/8), for cluster array jobs; writes
        /// manifest.shard-K-of-N.json for `merge-manifests`.
        #[arg(long)]
        shard: Option<batch::Shard>,
        /// Write the run's stage timings to this file as JSON (for bench/run.sh).
        #[arg(long)]
        timings: Option<PathBuf>,
        /// Wait for another build into the same output folder to finish instead of
        /// stopping at once.
        #[arg(long)]
        wait: bool,
        /// The editions to write, comma-separated: `pdf`, `html` (default: both).
        #[arg(long = "format", value_enum, value_delimiter = ',')]
        formats: Vec<crate::render::Format>,
        /// The revisions policy: when a change in comparators alone (peer medians, ranks,
        /// the region's and England's figures) reissues a report (default: the shipped
        /// policy; see the README).
        #[arg(long)]
        revisions: Option<PathBuf>,
        /// `policy` (default): reissue a report when its own figures change or a comparator
        /// changes materially, and record smaller drift. `all`: reissue every report whose
        /// printed content changed.
        #[arg(long, default_value = "policy")]
        reissue: batch::revisions::Reissue,
        /// Decide what would be reissued and why, print it, and write nothing to the output
        /// folder.
        #[arg(long)]
        dry_run: bool,
        /// Write every report's decision (reissue, drift, unchanged, new) and its reason to
        /// this CSV file.
        #[arg(long)]
        summary: Option<PathBuf>,
    },
    /// Write one report's template data, charts and the template set to a folder, so that
    /// the typst CLI renders the same report (for editing templates).
    TemplateData {
        #[command(flatten)]
        input: FiguresArgs,
        /// The report's id: org_id, LA code, region slug or `england`.
        #[arg(long)]
        only: String,
        /// The folder to write (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Lay these templates over the shipped ones, as `build --templates` does.
        #[arg(long)]
        templates: Option<PathBuf>,
    },
    /// The LAs' expansion planning workbooks: the blank template to send out, and a check of
    /// the returned ones.
    Plans {
        #[command(subcommand)]
        command: PlansCommand,
    },
    /// Who has returned during the collection window, and whom to chase.
    Collection {
        #[command(subcommand)]
        command: CollectionCommand,
    },
    /// Write the publication workbooks (ODS and xlsx) for England and each region.
    Tables {
        #[command(flatten)]
        input: FiguresArgs,
        /// Output folder (default: out/<year>); the workbooks go to its publication/.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Join the manifests and change logs written by `build --shard K/N` runs.
    MergeManifests {
        /// The output folder the shards wrote to (e.g. out/2024).
        #[arg(long)]
        out: PathBuf,
        /// Wait for a build writing to the folder to finish instead of stopping.
        #[arg(long)]
        wait: bool,
    },
    /// List the issued versions of one report, with their dates and changed figures.
    History {
        /// The report's id: org_id, LA code, region slug or `england`.
        id: String,
        /// The output folder (default: out/<year> of --data).
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        input: DataArgs,
        /// Rewrite changes.csv from the kept versions instead (ID is then `all`).
        #[arg(long)]
        rebuild_changes: bool,
    },
    /// Export every figure for every unit and year present as one long table.
    Metrics {
        #[command(flatten)]
        input: FiguresArgs,
        /// Output file (default: out/<year>/metrics.<format>).
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
        /// Start CSV output with a UTF-8 byte-order mark, for Excel.
        #[arg(long)]
        bom: bool,
    },
    /// How one figure of one report was made: the figure as printed, its definition and the
    /// arithmetic from the input files (each contribution with its file and line).
    Explain {
        /// The report's id: org_id, LA code, region slug or `england`.
        id: String,
        /// The measure's key, as in the metrics export (e.g. vacancy_rate, attributed_wte).
        measure: String,
        #[command(flatten)]
        input: FiguresArgs,
        #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
        format: ExplainFormat,
        /// Show a figure withheld by disclosure control and the counts behind it (for
        /// analysts only: not for publication).
        #[arg(long)]
        unsuppressed: bool,
    },
    /// Print the measure catalogue as Markdown: every measure's key, label, unit, units,
    /// definition and formula (docs/measures.md is this output).
    Measures,
    /// MDT workforce calculator: required against actual WTE for one LA, with a what-if.
    Mdt {
        /// The LA's GSS code, e.g. E08000035.
        #[arg(long)]
        la: String,
        /// Adults in treatment to plan for (default: the census figure).
        #[arg(long)]
        in_treatment: Option<u64>,
        /// Children and young people in treatment (default: the census figure).
        #[arg(long)]
        young_people: Option<u64>,
        #[command(flatten)]
        input: FiguresArgs,
    },
    /// Generate a synthetic, realistic census folder (deterministic for a seed).
    Sample {
        #[arg(long)]
        year: u16,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 2024)]
        seed: u64,
        /// Multiply the number of providers and LEROs, for benchmarks.
        #[arg(long, default_value_t = 1)]
        scale: u32,
    },
}

/// How `explain` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExplainFormat {
    Text,
    Json,
}

/// Runs one command and turns its outcome into an exit code: 0 done, 1 done but problems
/// found, 2 could not do it (one message, from [`fail`]), 130 stopped by a signal.
pub fn run(cli: Cli) -> ExitCode {
    match dispatch(cli.command) {
        Ok(code) => code,
        Err(err) => fail(&err),
    }
}

fn dispatch(command: Command) -> Result<ExitCode, RunError> {
    match command {
        Command::Validate {
            input,
            previous,
            out,
            bom,
        } => run_validate(&crate::app::validate::ValidateRequest {
            data: input.data,
            previous,
            out,
            bom,
        }),
        Command::Build {
            input,
            out,
            kinds,
            only,
            jobs,
            templates,
            force,
            issue_date,
            shard,
            timings,
            wait,
            formats,
            revisions,
            reissue,
            dry_run,
            summary,
        } => {
            let request = BuildRequest {
                data: input.census.data,
                out,
                selection: Selection { kinds, only, shard },
                jobs,
                assumptions: input.assumptions,
                templates,
                force,
                issue_date: issue_date
                    .map(|d| parse_date("issue-date", &d))
                    .transpose()?,
                progress: true,
                wait,
                formats: crate::render::Formats::of(&formats),
                revisions,
                reissue,
                dry_run,
                summary,
            };
            run_build(&request, timings.as_deref())
        }
        Command::TemplateData {
            input,
            only,
            out,
            templates,
        } => {
            let request = crate::app::template_data::PreviewRequest {
                data: input.census.data,
                id: only,
                out,
                assumptions: input.assumptions,
                templates,
            };
            let preview = crate::app::template_data::write(&request)?;
            println!(
                "wrote the template data, charts, templates and fonts of {} ({}) to {}",
                preview.id,
                preview.kind.code(),
                request.out.display()
            );
            println!(
                "render it with the typst CLI (0.15):\n  {}\nand its HTML edition:\n  {}",
                preview.command(),
                preview.html_command()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::MergeManifests { out, wait } => {
            let (shards, reports) = crate::app::merge::merge(&out, wait)?;
            println!(
                "merged {shards} shard manifest(s): {reports} report(s) in {}",
                out.join("manifest.json").display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Plans { command } => run_plans(command),
        Command::Collection {
            command: CollectionCommand::Status { input, out },
        } => {
            let request = crate::app::collection::StatusRequest {
                data: input.data,
                out,
            };
            let status = crate::app::collection::status(&request)?;
            let out = status
                .files
                .first()
                .and_then(|f| f.parent())
                .map(std::path::Path::to_path_buf)
                .unwrap_or_default();
            print!("{}", status.text(&out));
            Ok(ExitCode::SUCCESS)
        }
        Command::Tables { input, out } => {
            let started = std::time::Instant::now();
            let files =
                crate::app::tables::write(&input.census.data, out, input.assumptions.as_deref())?;
            for file in &files {
                println!("{}", file.display());
            }
            println!(
                "{} workbook file(s) written in {:.2} s",
                files.len(),
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::History {
            id,
            out,
            input,
            rebuild_changes,
        } => run_history(&id, out, &input.data, rebuild_changes),
        Command::Metrics {
            input,
            out,
            format,
            bom,
        } => run_metrics(&crate::app::metrics::MetricsRequest {
            data: input.census.data,
            out,
            format,
            bom,
            assumptions: input.assumptions,
        }),
        Command::Explain {
            id,
            measure,
            input,
            format,
            unsuppressed,
        } => {
            let request = crate::app::explain::ExplainRequest {
                data: input.census.data,
                id,
                measure,
                assumptions: input.assumptions,
                unsuppressed,
            };
            let explanation = crate::app::explain::explain(&request)?;
            match format {
                ExplainFormat::Text => print!("{}", explanation.text()),
                ExplainFormat::Json => println!("{}", serde_json::to_string_pretty(&explanation)?),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Mdt {
            la,
            in_treatment,
            young_people,
            input,
        } => {
            let result = crate::app::mdt::calculate(&crate::app::mdt::MdtRequest {
                la_code: la,
                in_treatment,
                young_people,
                data: input.census.data,
                assumptions: input.assumptions,
            })?;
            print!("{}", result.text());
            Ok(ExitCode::SUCCESS)
        }
        Command::Measures => {
            print!("{}", crate::app::measures::markdown());
            Ok(ExitCode::SUCCESS)
        }
        Command::Sample {
            year,
            out,
            seed,
            scale,
        } => {
            let census = sample::generate(&SampleOptions { year, seed, scale })?;
            census.write(&out)?;
            println!("wrote a synthetic {year} census to {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Prints why a command could not do its job, and its exit code.
fn fail(err: &RunError) -> ExitCode {
    match err {
        RunError::Unreadable(failure) => {
            eprintln!(
                "{} could not be read as a census folder:",
                failure.dir.display()
            );
            for finding in &failure.findings {
                eprintln!("  {finding}");
            }
        }
        err => eprintln!("error: {err}"),
    }
    ExitCode::from(err.exit_code())
}

/// 0, or 1 when the command ran and found problems.
fn found_problems(problems: bool) -> ExitCode {
    if problems {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    }
}

fn run_validate(request: &crate::app::validate::ValidateRequest) -> Result<ExitCode, RunError> {
    let validated = crate::app::validate::run(request)?;
    for note in &validated.notes {
        eprintln!("note: {note}");
    }
    let summary = &validated.summary;
    print!(
        "{}",
        summary.render(&validated.loaded.census, &validated.validation.blocked)
    );
    println!(
        "\nQueries written to {}",
        validated.out.join("queries.csv").display()
    );
    Ok(found_problems(summary.errors > 0))
}

fn run_metrics(request: &crate::app::metrics::MetricsRequest) -> Result<ExitCode, RunError> {
    let written = crate::app::metrics::write(request)?;
    for note in &written.notes {
        eprintln!("note: {note}");
    }
    let years: Vec<String> = written.years.iter().map(u16::to_string).collect();
    println!(
        "{} rows for {} ({} organisation(s) blocked by validation) written to {}",
        written.rows,
        years.join(", "),
        written.blocked,
        written.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// A date option: YYYY-MM-DD, or `today` for the system clock.
fn parse_date(option: &'static str, text: &str) -> Result<crate::input::census::Date, RunError> {
    if text == "today" {
        return Ok(crate::input::census::Date::today());
    }
    crate::input::census::Date::parse(text).ok_or_else(|| RunError::NotADate {
        option,
        value: text.to_string(),
    })
}

/// Ctrl-C or SIGTERM asks the build to stop taking reports, finish those in flight and
/// commit them; a second one stops the process at once (the next build finishes the
/// commit, see batch/journal.rs).
fn stop_cleanly_on_signals() {
    static SIGNALS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let installed = ctrlc::set_handler(|| {
        if SIGNALS.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            eprintln!("stopping: finishing the reports in progress (again to stop at once)");
            batch::request_stop();
        } else {
            std::process::exit(i32::from(EXIT_INTERRUPTED));
        }
    });
    if let Err(err) = installed {
        eprintln!("warning: Ctrl-C will not stop the build cleanly: {err}");
    }
}

fn run_history(
    id: &str,
    out: Option<PathBuf>,
    data: &Path,
    rebuild_changes: bool,
) -> Result<ExitCode, RunError> {
    let out = crate::app::history::output_folder(out, data)
        .ok_or_else(|| RunError::NoOutputFolder(data.display().to_string()))?;
    if rebuild_changes {
        let (path, count) = crate::app::history::rebuild_changes(&out)?;
        println!(
            "rebuilt {} from the kept versions: {count} row(s)",
            path.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let history = crate::app::history::history(&out, id)?;
    if history.versions.is_empty() {
        return Err(RunError::NoHistory {
            id: id.to_string(),
            out: out.display().to_string(),
        });
    }
    print!("{}", history.text());
    Ok(ExitCode::SUCCESS)
}

fn run_plans(command: PlansCommand) -> Result<ExitCode, RunError> {
    match command {
        PlansCommand::Template { out, date } => {
            let date = match date {
                Some(d) => parse_date("date", &d)?,
                None => crate::input::census::Date::today(),
            };
            crate::app::plans::template(&out, date)?;
            println!(
                "wrote the blank expansion planning workbook to {}",
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        PlansCommand::Check { input } => {
            let check = crate::app::plans::check(&input.data)?;
            print!("{}", check.text());
            Ok(found_problems(check.errors > 0))
        }
    }
}

fn run_build(request: &BuildRequest, timings: Option<&Path>) -> Result<ExitCode, RunError> {
    stop_cleanly_on_signals();
    let run = crate::app::build::run(request)?;
    if let Some(path) = timings {
        let json = run.timings_json();
        crate::export::write_atomic(path, format!("{json}\n").as_bytes())?;
    }
    let report = match run {
        BuildRun::UpToDate { out, wall, .. } => {
            println!(
                "nothing to rebuild: the inputs, templates and every report in {} are unchanged ({:.2} s)",
                out.display(),
                wall.as_secs_f64()
            );
            return Ok(ExitCode::SUCCESS);
        }
        BuildRun::Built(report) => report,
    };
    for note in &report.notes {
        eprintln!("note: {note}");
    }
    let summary = &report.summary;
    if summary.dry_run {
        print!("{}", report.dry_run_text());
        for d in summary
            .decisions
            .all
            .iter()
            .filter(|d| d.action.code() == "failed")
        {
            eprintln!("would fail: {}: {}", d.id, d.detail);
        }
        return Ok(found_problems(summary.failed > 0));
    }
    print!("{}", report.text());
    for (id, error) in &summary.failures {
        eprintln!("failed: {id}: {error}");
    }
    if let Some(err) = &summary.index_error {
        eprintln!("warning: no batch index written: {err}");
    }
    if summary.recovered {
        eprintln!("note: finished committing the reports of a build that was interrupted");
    }
    if summary.interrupted {
        eprintln!(
            "stopped: {} report(s) built and committed; run the build again to carry on",
            summary.built
        );
        return Ok(ExitCode::from(EXIT_INTERRUPTED));
    }
    Ok(found_problems(summary.failed > 0))
}
