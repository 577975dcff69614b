//! Participation and coverage (SPEC §13): the reports say whose returns they rest on, a
//! non-responder is named only in the reports of the LAs it serves, with its last reported
//! WTE, and `collection status` and the metrics export agree with the reports.

use crate::common::{census_reports, Fixture};

use census_reports::batch::{self, Selection};
use census_reports::input::pipeline;
use census_reports::metrics::mdt::Assumptions;
use census_reports::render::model::{self, ReportModel};
use census_reports::render::Templates;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn sample(year: u16) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("sample-data/{year}"))
}

/// The template data of every report of a census folder, by report id.
fn reports(data: &Path) -> BTreeMap<String, ReportModel> {
    let run = pipeline::open(data).unwrap();
    let metrics = run.metrics(&Assumptions::default_shipped()).unwrap();
    let plan = batch::plan::plan(
        &metrics,
        run.census(),
        &run.validation.blocked,
        &Selection::default(),
    );
    let templates = Templates::load(None).unwrap();
    let ctx = crate::common::report_context(&run, &metrics, &templates);
    plan.reports
        .iter()
        .map(|p| (p.id.clone(), model::build(&ctx, p).unwrap().model))
        .collect()
}

/// Everything a report prints, as one text: its sentences and every table cell.
fn printed(m: &ReportModel) -> String {
    let mut text = format!(
        "{} {} {:?}",
        m.participation.summary,
        m.participation.caveat.clone().unwrap_or_default(),
        m.key_messages
    );
    for t in m.tables.values() {
        for r in &t.rows {
            text.push_str(&r.cells.join(" "));
            text.push('\n');
        }
    }
    text
}

/// The fixture's invited list: every organisation that returned, with the LAs it serves.
fn invited_list(f: &Fixture) -> String {
    let mut areas: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in f.files["service_areas.csv"].lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        areas
            .entry(cells[0].to_string())
            .or_default()
            .push(cells[1].to_string());
    }
    let mut out = String::from("org_id,org_name,org_type,sector,nhs_region,la_codes,contact\n");
    for line in f.files["organisations.csv"].lines().skip(1) {
        let c: Vec<&str> = line.split(',').collect();
        let las = match c[2] {
            "commissioner" => c[5].to_string(),
            _ => areas.get(c[0]).map(|a| a.join(";")).unwrap_or_default(),
        };
        out.push_str(&format!(
            "{},{},{},{},{},{las},lead@{}.example.org\n",
            c[0], c[1], c[2], c[3], c[4], c[0]
        ));
    }
    out
}

/// A fixture without one organisation's rows (it stays on the invited list).
fn without(mut f: Fixture, org_id: &str) -> Fixture {
    for file in [
        "organisations.csv",
        "service_areas.csv",
        "workforce.csv",
        "demographics.csv",
    ] {
        let text = &f.files[file];
        let kept: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with(&format!("{org_id},")))
            .collect();
        f.files.insert(file.into(), kept.join("\n") + "\n");
    }
    f
}

#[test]
fn the_2022_national_report_states_the_published_submissions_and_they_reconcile() {
    let reports = reports(&sample(2022));
    let national = &reports["england"];
    let summary = &national.participation.summary;
    assert!(
        summary.contains("535 data submissions across all 7 regions, of which 347 were from treatment providers, 23 from LEROs and 165 from commissioners"),
        "{summary}"
    );
    let rate = national.tables["participation_by_type"]
        .rows
        .iter()
        .find(|r| r.key == "all")
        .unwrap()
        .cells[3]
        .clone();
    assert!(summary.contains(&format!("({rate})")), "{summary} {rate}");

    // The metrics export and collection status say the same.
    let dir = tempfile::tempdir().unwrap();
    let data = sample(2022);
    let csv = dir.path().join("metrics.csv");
    let out = census_reports(
        &[
            "metrics",
            "--data",
            data.to_str().unwrap(),
            "--out",
            csv.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(out.status.success());
    let export = std::fs::read_to_string(&csv).unwrap();
    let value = |metric: &str| -> String {
        let prefix = format!("2022,england,england,England,{metric},");
        export
            .lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("no {metric} in the export"))
            .to_string()
    };
    assert_eq!(value("participation.submissions.all"), "535");
    let invited: f64 = value("participation.all.invited").parse().unwrap();
    let returned: f64 = value("participation.all.returned").parse().unwrap();
    assert_eq!(
        census_reports::format::fmt_pct(returned / invited),
        rate,
        "the report's response rate is the export's"
    );
    let status = census_reports(
        &[
            "collection",
            "status",
            "--data",
            data.to_str().unwrap(),
            "--out",
            dir.path().join("collection").to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(status.status.success());
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(
        text.contains(&format!(
            "{returned} of {invited} invited organisations have returned"
        )),
        "{text}"
    );
    // Were collection to close now: England's share of the estimate imputed, as the export
    // (and the batch index) has it.
    let share: f64 = value("estimate.imputed_share").parse().unwrap();
    let (_, after) = text
        .split_once("Were collection to close now")
        .unwrap_or_else(|| panic!("no estimate in {text}"));
    let england = after.lines().find(|l| l.starts_with("England")).unwrap();
    assert!(
        england.ends_with(&census_reports::format::fmt_pct(share)),
        "{england} against {share}"
    );
}

#[test]
fn a_provider_that_did_not_return_is_named_only_where_it_serves_with_its_last_wte() {
    let root = tempfile::tempdir().unwrap();
    // 2023: everyone returned. 2024: P01 (serving Leeds and Wakefield) did not.
    let clean = Fixture::clean();
    let list = invited_list(&clean);
    let before = Fixture::clean()
        .replace("census.toml", "year = 2024", "year = 2023")
        .replace("census.toml", "2024-03-31", "2023-03-31")
        .replace("census.toml", "2024-11-28", "2023-11-28");
    before.write(&root.path().join("2023"));
    let now = without(Fixture::clean(), "P01").set("expected_participants.csv", &list);
    let data = now.write(&root.path().join("2024"));
    let reports = reports(&data);

    for la in ["E08000035", "E08000036"] {
        let m = &reports[la];
        let caveat = m
            .participation
            .caveat
            .as_deref()
            .unwrap_or_else(|| panic!("{la}: no caveat"));
        assert!(
            caveat.contains("Provider P01 (last reported 10.0 WTE, in 2023)"),
            "{la}: {caveat}"
        );
        let row = m.tables["returns_for_this_area"]
            .rows
            .iter()
            .find(|r| r.key == "P01")
            .unwrap();
        assert_eq!(row.cells[2], "No");
        assert_eq!(row.cells[3], "10.0 in 2023");
    }
    for (id, m) in &reports {
        if id != "E08000035" && id != "E08000036" {
            assert!(!printed(m).contains("P01"), "{id} names P01");
        }
    }
    // Leeds's coverage dropped: P01 is one of its invited providers and LEROs.
    let leeds = &reports["E08000035"].participation.summary;
    assert!(
        leeds.starts_with("4 of the 5 providers and LEROs"),
        "{leeds}"
    );

    let out = root.path().join("collection");
    let status = census_reports(
        &[
            "collection",
            "status",
            "--data",
            data.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        root.path(),
    );
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let chasers = std::fs::read_to_string(out.join("chasers.csv")).unwrap();
    assert!(
        chasers.contains("P01,Provider P01,provider,North East and Yorkshire,E08000035;E08000036,lead@P01.example.org,2023,10"),
        "{chasers}"
    );
    assert_eq!(chasers.lines().count(), 2, "only P01 is to chase");
    let coverage = std::fs::read_to_string(out.join("coverage.csv")).unwrap();
    let leeds = coverage
        .lines()
        .find(|l| l.starts_with("E08000035,"))
        .unwrap();
    assert!(leeds.ends_with(",no,P01"), "{leeds}");
    let london = coverage
        .lines()
        .find(|l| l.starts_with("E09000001,"))
        .unwrap();
    assert!(
        london.ends_with(",1,1,1,1,1,not invited,yes,"),
        "no commissioning team invited, nobody missing: {london}"
    );
}

#[test]
fn without_the_invited_list_every_report_says_participation_is_not_known() {
    let dir = tempfile::tempdir().unwrap();
    let data = Fixture::clean().write(dir.path());
    for (id, m) in reports(&data) {
        assert!(!m.participation.known, "{id}");
        assert!(
            m.participation
                .summary
                .starts_with("Participation is not known"),
            "{id}: {}",
            m.participation.summary
        );
    }
    let status = census_reports(
        &[
            "collection",
            "status",
            "--data",
            data.to_str().unwrap(),
            "--out",
            "c",
        ],
        dir.path(),
    );
    assert!(status.status.success());
    assert!(String::from_utf8_lossy(&status.stdout).contains("is not known"));
}

#[test]
fn a_bad_invited_list_costs_one_warning_per_problem_and_blocks_nobody() {
    let dir = tempfile::tempdir().unwrap();
    let clean = Fixture::clean();
    let list = invited_list(&clean)
        // An unknown LA code, a repeated id, a changed name and a changed type.
        .replace("P02,Provider P02,provider,voluntary,North East and Yorkshire,E08000036", "P02,Provider P02,provider,voluntary,North East and Yorkshire,E08000036;E99999999")
        .replace("P03,Provider P03,", "P03,Provider Three,")
        .replace("P04,Provider P04,provider,", "P04,Provider P04,lero,")
        // P10 is missing from the list: it returned without being invited.
        .lines()
        .filter(|l| !l.starts_with("P10,"))
        .collect::<Vec<_>>()
        .join("\n")
        + "\nP05,Provider P05 again,provider,voluntary,London,E09000001,\nX01,Broken,nonsense,voluntary,London,E09000001,\n";
    let fixture = Fixture::clean().set("expected_participants.csv", &list);
    let data = fixture.write(dir.path());
    let out = census_reports(
        &["validate", "--data", data.to_str().unwrap(), "--out", "v"],
        dir.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "warnings only: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let queries = std::fs::read_to_string(dir.path().join("v/queries.csv")).unwrap();
    let line = |needle: &str| fixture.line_of("expected_participants.csv", needle);
    for (file_line, field, words) in [
        (
            format!("expected_participants.csv,{}", line("E99999999")),
            "la_codes",
            "E99999999",
        ),
        (
            format!("expected_participants.csv,{}", line("Provider P05 again")),
            "org_id",
            "already lists it",
        ),
        (
            format!("expected_participants.csv,{}", line("X01,")),
            "org_type",
            "nonsense",
        ),
    ] {
        assert!(
            queries
                .lines()
                .any(|l| l.contains(&file_line) && l.contains(field) && l.contains(words)),
            "no finding at {file_line} {field}: {queries}"
        );
    }
    for (org, field, words) in [
        ("P03", "org_name", "Provider Three"),
        ("P04", "org_type", "lero"),
        ("P10", "org_id", "not on expected_participants.csv"),
    ] {
        let line = fixture.line_of("organisations.csv", &format!("{org},"));
        assert!(
            queries
                .lines()
                .any(|l| l.contains(&format!("organisations.csv,{line}"))
                    && l.contains(field)
                    && l.contains(words)),
            "no finding for {org} {field}: {queries}"
        );
    }
    assert!(
        queries
            .lines()
            .filter(|l| l.contains("participation") || l.contains("expected_participants"))
            .all(|l| l.contains("warning")),
        "{queries}"
    );
    // The reports still build, and Leeds's returns leave out the unknown LA.
    let reports = reports(&data);
    assert!(reports["E08000035"].participation.known);
}
