//! Micro-benchmarks of single stages on the bundled 2024 sample, so that a regression in one
//! stage shows up on its own: `cargo bench --bench stages`. The whole-build figures (wall
//! time, memory, rebuilds, scale) come from `bench/run.sh`.
//!
//! Typesetting is measured cold: typst's memo cache is emptied before every sample, as the
//! batch build empties it every few reports.

use census_reports::input::census::Date;
use census_reports::input::pipeline::{self, CensusRun};
use census_reports::metrics::mdt::Assumptions;
use census_reports::metrics::Metrics;
use census_reports::render::messages::Messages;
use census_reports::render::model::ReportContext;
use census_reports::render::typeset::Typesetter;
use census_reports::render::{self, Formats, Issue, ReportKind, ReportPlan};
use divan::Bencher;
use std::path::Path;
use std::sync::OnceLock;

fn main() {
    census_reports::keep_freed_memory();
    divan::main();
}

fn sample() -> &'static CensusRun {
    static RUN: OnceLock<CensusRun> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/2024");
        pipeline::open(&dir).expect("the bundled sample loads")
    })
}

fn figures_and_messages(run: &CensusRun) -> (Metrics, Messages) {
    let metrics = run
        .metrics(&Assumptions::default_shipped())
        .expect("metrics");
    (metrics, Messages::new().expect("message templates"))
}

fn context<'a>(
    run: &'a CensusRun,
    metrics: &'a Metrics,
    messages: &'a Messages,
) -> ReportContext<'a> {
    ReportContext {
        metrics,
        meta: &run.census().meta,
        findings: &run.validation.findings,
        messages,
        logo: None,
    }
}

/// Loading and validating the 2024 sample and the two years before it.
#[divan::bench(sample_count = 10)]
fn load_and_validate() -> CensusRun {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/2024");
    pipeline::open(&dir).expect("the bundled sample loads")
}

/// Every metric for 2024 with its trends: fact table, aggregates, peers, diversity.
#[divan::bench(sample_count = 10)]
fn metrics(bencher: Bencher) {
    let run = sample();
    let assumptions = Assumptions::default_shipped();
    bencher.bench(|| run.metrics(&assumptions).expect("metrics"));
}

/// One report from its template data to PDF bytes: typeset and PDF/UA export.
#[divan::bench(args = ["P0001", "E08000035", "england"], sample_count = 10)]
fn typeset_and_export(bencher: Bencher, id: &str) {
    edition(
        bencher,
        id,
        Formats {
            pdf: true,
            html: false,
        },
    );
}

/// The HTML edition alone, from the same templates.
#[divan::bench(args = ["P0001", "E08000035", "england"], sample_count = 10)]
fn html_edition(bencher: Bencher, id: &str) {
    edition(
        bencher,
        id,
        Formats {
            pdf: false,
            html: true,
        },
    );
}

/// One report typeset in `formats`, from a cold typst cache; returns the bytes written.
fn edition(bencher: Bencher, id: &str, formats: Formats) {
    let run = sample();
    let (metrics, messages) = figures_and_messages(run);
    let ctx = context(run, &metrics, &messages);
    let kind = match id {
        "england" => ReportKind::National,
        id if id.starts_with('E') => ReportKind::La,
        _ => ReportKind::Provider,
    };
    let plan = ReportPlan::new(kind, id, id);
    let typesetter = Typesetter::new();
    let issue = Issue {
        version: 1,
        date: Date::parse("2024-11-28").expect("a valid date"),
        changes: Vec::new(),
        wording_only: false,
        reason: None,
    };
    bencher
        .with_inputs(|| {
            typst::comemo::evict(0);
            render::prepare(&ctx, &plan, typesetter.fingerprint()).expect("document")
        })
        .bench_local_values(|prepared| {
            let report =
                render::finish(&typesetter, &plan, prepared, &issue, formats).expect("report");
            report.pdf.map_or(0, |b| b.len()) + report.html.map_or(0, |b| b.len())
        });
}

/// The template data and charts of one provider report (no typesetting).
#[divan::bench(sample_count = 20)]
fn document_and_charts(bencher: Bencher) {
    let run = sample();
    let (metrics, messages) = figures_and_messages(run);
    let ctx = context(run, &metrics, &messages);
    let plan = ReportPlan::new(ReportKind::Provider, "P0001", "P0001");
    bencher.bench_local(|| render::prepare(&ctx, &plan, b"").expect("document"));
}
