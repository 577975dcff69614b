//! Every figure that exists in both years states its change. In every LA, regional and
//! national report of the 2024 sample, each figure with a value in the 2023 folder's own
//! metrics export carries last census's value: in the report's figures, in the "Last census"
//! column of its figures table, in any key message that names it, and in its headline panel.

use census_reports::batch::{self, Selection};
use census_reports::input::pipeline;
use census_reports::metrics::catalogue::MEASURES;
use census_reports::metrics::export;
use census_reports::metrics::mdt::Assumptions;
use census_reports::render::{model, ReportKind, Templates};
use std::collections::HashSet;
use std::path::PathBuf;

#[test]
fn every_headline_figure_with_a_value_last_census_states_its_change() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let assumptions = Assumptions::default_shipped();
    let before = pipeline::open(&root.join("sample-data/2023")).unwrap();
    let last_census: HashSet<(String, String, String)> =
        export::rows(&before.metrics(&assumptions).unwrap())
            .into_iter()
            .filter(|r| r.year == 2023 && r.value.is_some())
            .map(|r| (r.entity_kind.to_string(), r.entity_id, r.metric))
            .collect();

    let run = pipeline::open(&root.join("sample-data/2024")).unwrap();
    let metrics = run.metrics(&assumptions).unwrap();
    let templates = Templates::load(None).unwrap();
    let ctx = crate::common::report_context(&run, &metrics, &templates);
    let plans = batch::plan::plan(
        &metrics,
        run.census(),
        &run.validation.blocked,
        &Selection {
            kinds: vec![ReportKind::La, ReportKind::Region, ReportKind::National],
            ..Selection::default()
        },
    )
    .reports;
    let (mut figures, mut messages, mut panels) = (0, 0, 0);
    for plan in &plans {
        let kind = match plan.kind {
            ReportKind::La => "la",
            ReportKind::Region => "region",
            _ => "england",
        };
        let had = |key: &str| last_census.contains(&(kind.into(), plan.id.clone(), key.into()));
        let report = model::build(&ctx, plan).unwrap().model;
        let table = &report.tables["figures"];
        for (key, figure) in &report.figures {
            if figure.value.is_none() || !had(key) {
                continue;
            }
            figures += 1;
            let previous = figure.previous.as_ref().unwrap_or_else(|| {
                panic!(
                    "{} {key}: a 2023 value in the export, none in the report",
                    plan.id
                )
            });
            assert_eq!(previous.year, 2023, "{} {key}", plan.id);
            let row = table.rows.iter().find(|r| r.key == *key).unwrap();
            assert_ne!(row.cells[4], "–", "{} {key}: Last census column", plan.id);
            // A key message that names the figure gives its change.
            let named = MEASURES
                .iter()
                .find(|m| m.key == key)
                .map(|m| format!("{} is ", m.in_sentence()));
            for message in report
                .key_messages
                .iter()
                .filter(|t| named.as_ref().is_some_and(|n| t.contains(n.as_str())))
            {
                messages += 1;
                assert!(
                    message.contains("In 2023 it was"),
                    "{} {key}: {message}",
                    plan.id
                );
            }
        }
        for panel in &report.glance {
            if had(&panel.key) {
                panels += 1;
                assert!(panel.change.is_some(), "{} {}", plan.id, panel.key);
            }
        }
        if plan.kind != ReportKind::La {
            assert!(
                report.key_messages[0].contains("In 2023 "),
                "{}: {}",
                plan.id,
                report.key_messages[0]
            );
        }
    }
    // Every LA, the seven regions and England, each with many figures from both years.
    assert!(plans.len() > 150, "{} reports", plans.len());
    assert!(figures > 150 * 20, "{figures} figures checked");
    assert!(messages > 150 * 3, "{messages} key messages checked");
    assert!(panels >= 8 * 15, "{panels} panels checked");
}
