//! `explain` prints every figure exactly as the report does, with arithmetic that adds up to
//! it, and keeps a withheld figure withheld unless the analyst asks.

use crate::common::{census_reports, Fixture};

use census_reports::app::explain::{explain_part, explain_unit, Explanation};
use census_reports::batch::{self, Selection};
use census_reports::domain::{Role, RoleGroup, Setting};
use census_reports::input::pipeline::{self, CensusRun};
use census_reports::metrics::catalogue::{self, Method};
use census_reports::metrics::mdt::Assumptions;
use census_reports::metrics::parts::Part;
use census_reports::render::model::{self, ReportModel};
use census_reports::render::Templates;
use std::path::PathBuf;

fn sample(year: u16) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("sample-data/{year}"))
}

/// Every catalogue figure of one report, explained, beside the report's own template data.
fn report_and_explanations(
    run: &CensusRun,
    id: &str,
    unsuppressed: bool,
) -> (ReportModel, Vec<Explanation>) {
    let metrics = run.metrics(&Assumptions::default_shipped()).unwrap();
    let selection = Selection {
        only: vec![id.to_string()],
        ..Selection::default()
    };
    let plan = batch::plan::plan(&metrics, run.census(), &run.validation.blocked, &selection)
        .reports
        .remove(0);
    let templates = Templates::load(None).unwrap();
    let ctx = crate::common::report_context(run, &metrics, &templates);
    let report = model::build(&ctx, &plan).unwrap().model;
    let unit = metrics
        .current
        .unit(plan.kind.entity(), plan.kind.unit_id(&plan.id))
        .unwrap();
    let explanations = catalogue::MEASURES
        .iter()
        .filter(|m| m.applies(unit.kind))
        .map(|m| explain_unit(run.census(), &metrics, unit, id, m, unsuppressed).unwrap())
        .collect();
    (report, explanations)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * (1.0 + a.abs().max(b.abs()))
}

/// The arithmetic adds up: contributions to each part, and the parts to the figure.
fn arithmetic_adds_up(e: &Explanation) {
    let measure = catalogue::find(e.measure).unwrap();
    for part in &e.parts {
        if part.contributions.is_empty() || part.role == "share" {
            continue;
        }
        let sum: f64 = part.contributions.iter().map(|c| c.amount).sum();
        let value = part.value.unwrap();
        assert!(
            close(sum, value),
            "{} {}: contributions to {} add up to {sum}, not {value}",
            e.report,
            e.measure,
            part.what
        );
        for c in &part.contributions {
            assert!(
                !c.source.is_empty(),
                "{}: a contribution without a source",
                e.measure
            );
        }
    }
    if let (Method::Ratio { scale, .. }, Some(value)) = (measure.method, e.value) {
        let sum = |role: &str| -> f64 {
            e.parts
                .iter()
                .filter(|p| p.role == role)
                .map(|p| p.value.unwrap())
                .sum()
        };
        let recomputed = sum("numerator") * scale / sum("denominator");
        assert!(
            close(recomputed, value),
            "{} {}: {recomputed} from the parts, {value} printed",
            e.report,
            e.measure
        );
    }
}

#[test]
fn every_figure_of_one_report_of_each_kind_is_explained_as_printed() {
    let run = pipeline::open(&sample(2024)).unwrap();
    for id in ["P0001", "L0001", "E06000001", "east_of_england", "england"] {
        let (report, explanations) = report_and_explanations(&run, id, false);
        assert!(
            explanations.len() >= 14,
            "{id}: {} figures",
            explanations.len()
        );
        for e in &explanations {
            let figure = report
                .figures
                .get(e.measure)
                .unwrap_or_else(|| panic!("{id}: the report has no figure {}", e.measure));
            assert_eq!(e.display, figure.display, "{id} {}", e.measure);
            assert_eq!(e.label, figure.label, "{id} {}", e.measure);
            match (&figure.peers, &e.peers) {
                (Some(r), Some(x)) => {
                    assert_eq!((r.rank, r.n, r.quartile), (x.rank, x.n, x.quartile));
                    assert_eq!((&r.median, &r.q1, &r.q3), (&x.median, &x.q1, &x.q3));
                }
                (None, None) => {}
                (r, x) => panic!(
                    "{id} {}: peers {r:?} in the report, {x:?} explained",
                    e.measure
                ),
            }
            if let Some(before) = &figure.previous {
                let x = e
                    .previous
                    .as_ref()
                    .unwrap_or_else(|| panic!("{id} {}: the report gives last census", e.measure));
                assert_eq!((before.year, &before.display), (x.year, &x.display));
            }
            // At a glance (regions and England): the same figure and the same change.
            if let Some(g) = report.glance.iter().find(|g| g.key == e.measure) {
                assert_eq!(g.value, e.display, "{id} {}", e.measure);
                assert_eq!(
                    g.change.as_deref(),
                    e.previous.as_ref().map(|p| p.change.as_str()),
                    "{id} {}",
                    e.measure
                );
            }
            arithmetic_adds_up(e);
        }
    }
}

#[test]
fn a_withheld_figure_stays_withheld_unless_the_analyst_asks() {
    // London has one LERO of 4 people: too few for any breakdown.
    let dir = tempfile::tempdir().unwrap();
    let data = Fixture::clean().write(dir.path());
    let run = pipeline::open(&data).unwrap();
    let (report, explanations) = report_and_explanations(&run, "london", false);
    let e = explanations
        .iter()
        .find(|e| e.measure == "permanent_share")
        .unwrap();
    assert_eq!(report.figures["permanent_share"].display, "–");
    assert_eq!(e.display, "–");
    assert_eq!(e.value, None);
    assert!(e
        .withheld
        .as_deref()
        .unwrap()
        .contains("fewer than 10 people"));
    assert!(e
        .parts
        .iter()
        .all(|p| p.value.is_none() && p.contributions.is_empty()));
    assert!(!e.text().contains("3 people"), "{}", e.text());

    let (_, explanations) = report_and_explanations(&run, "london", true);
    let e = explanations
        .iter()
        .find(|e| e.measure == "permanent_share")
        .unwrap();
    // 4 people: 3 permanent, 1 fixed term (the fixture's three in four).
    assert_eq!(e.value, Some(0.75));
    assert_eq!(
        e.display, "–",
        "the report's figure is still the printed one"
    );
    assert_eq!(e.unsuppressed_display.as_deref(), Some("75.0%"));
    assert!(e.text().contains("not for publication"));

    // Through the command line too.
    let out = census_reports(
        &[
            "explain",
            "london",
            "permanent_share",
            "--data",
            data.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("As printed: –") && text.contains("Withheld"),
        "{text}"
    );
    assert!(!text.contains("75.0%"), "{text}");
    let out = census_reports(
        &[
            "explain",
            "london",
            "permanent_share",
            "--unsuppressed",
            "--data",
            data.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Unsuppressed: 75.0%"));
}

#[test]
fn an_la_figure_lists_each_serving_organisation_with_its_share_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Fixture::clean();
    let data = fixture.write(dir.path());
    let out = census_reports(
        &[
            "explain",
            "E08000036",
            "attributed_wte",
            "--format",
            "json",
            "--data",
            data.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Wakefield: P01's 10.0 WTE at a share of 0.4, and P02, P04, P06, P08, P10 whole.
    let contributions = json["parts"][0]["contributions"].as_array().unwrap();
    let p01 = contributions
        .iter()
        .find(|c| c["what"].as_str().unwrap().starts_with("P01 "))
        .unwrap();
    assert_eq!(p01["value"], 10.0);
    assert_eq!(p01["share"], 0.4);
    assert_eq!(p01["amount"], 4.0);
    let line = fixture.line_of("service_areas.csv", "P01,E08000036");
    assert_eq!(
        p01["share_source"],
        format!("service_areas.csv line {line}").as_str()
    );
    let wte = [
        4.0,
        9.0 + 2.0,
        11.0 + 2.0,
        13.0 + 2.0,
        15.0 + 2.0,
        17.0 + 2.0,
    ];
    assert_eq!(contributions.len(), wte.len());
    assert_eq!(json["display"], common_display(wte.iter().sum()));

    let unknown = census_reports(
        &[
            "explain",
            "E08000036",
            "vacancy_rte",
            "--data",
            data.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("vacancy_rate"));
    let wrong_kind = census_reports(
        &[
            "explain",
            "P01",
            "wte_per_100k_adults",
            "--data",
            data.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(wrong_kind.status.code(), Some(2));
}

fn common_display(v: f64) -> String {
    census_reports::format::fmt_wte(v)
}

/// A cell of a report's table, by row and column key.
fn cell<'a>(report: &'a ReportModel, table: &str, row: &str, column: &str) -> &'a str {
    let t = &report.tables[table];
    let c = t.columns.iter().position(|c| c.key == column).unwrap();
    let r = t.rows.iter().find(|r| r.key == row).unwrap();
    &r.cells[c]
}

#[test]
fn figures_of_tables_by_role_group_role_and_setting_are_explained_as_printed() {
    let run = pipeline::open(&sample(2024)).unwrap();
    let metrics = run.metrics(&Assumptions::default_shipped()).unwrap();
    let explain = |id: &str, key: &str| -> Explanation {
        let plan = batch::plan::one(&metrics, run.census(), &run.validation.blocked, id).unwrap();
        let unit = metrics
            .current
            .unit(plan.kind.entity(), plan.kind.unit_id(&plan.id))
            .unwrap();
        let measure = catalogue::MEASURES
            .iter()
            .find(|m| key.ends_with(&format!(".{}", m.key)))
            .unwrap();
        let part = Part::parse(&key[..key.len() - measure.key.len() - 1]).unwrap();
        explain_part(run.census(), &metrics, unit, id, measure, Some(part), false).unwrap()
    };
    let (england, _) = report_and_explanations(&run, "england", false);
    for group in RoleGroup::ALL {
        for rate in [
            "vacancy_rate",
            "agency_share",
            "starter_rate",
            "leaver_rate",
        ] {
            let e = explain("england", &format!("group.{}.{rate}", group.code()));
            assert_eq!(
                e.part.as_deref(),
                Some(format!("group.{}", group.code()).as_str())
            );
            assert_eq!(
                e.display,
                cell(&england, "rates_by_role_group", group.code(), rate),
                "{}",
                e.text()
            );
            arithmetic_adds_up(&e);
        }
    }
    for setting in Setting::ALL {
        let e = explain(
            "england",
            &format!("setting.{}.regulated_share", setting.code()),
        );
        assert_eq!(
            e.display,
            cell(
                &england,
                "regulated_by_setting",
                "regulated_share",
                setting.code()
            ),
            "{}",
            e.text()
        );
        arithmetic_adds_up(&e);
        let e = explain(
            "england",
            &format!("setting.{}.volunteer_share", setting.code()),
        );
        assert_eq!(
            e.display,
            cell(
                &england,
                "organisations_volunteers",
                setting.code(),
                "volunteer_share"
            )
        );
        arithmetic_adds_up(&e);
    }
    let (provider, _) = report_and_explanations(&run, "P0001", false);
    let caseloads = &provider.tables["caseloads"];
    assert!(!caseloads.rows.is_empty());
    for row in &caseloads.rows {
        let e = explain("P0001", &format!("role.{}.caseload_per_wte", row.key));
        assert_eq!(
            e.display,
            cell(&provider, "caseloads", &row.key, "cases_per_wte")
        );
        assert!(e.parts.iter().all(|p| p
            .contributions
            .iter()
            .all(|c| c.what.starts_with(Role::parse(&row.key).unwrap().label()))));
        arithmetic_adds_up(&e);
    }
    // Through the command line, and a part that the measure cannot be made on.
    let dir = tempfile::tempdir().unwrap();
    let data = sample(2024);
    let data = data.to_str().unwrap();
    let out = census_reports(
        &[
            "explain",
            "england",
            "group.nursing.vacancy_rate",
            "--data",
            data,
        ],
        dir.path(),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("the nursing role group"), "{text}");
    let out = census_reports(
        &[
            "explain",
            "england",
            "group.nursing.mdt_coverage",
            "--data",
            data,
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
}
