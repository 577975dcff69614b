//! Every validation rule with a fixture that triggers it and one that does not, and the
//! loader on broken files: each finding must name the right file, line and field.

use crate::common;

use census_reports::input::finding::{Finding, Rule, Severity};
use census_reports::input::load::{self, LoadFailure};
use census_reports::input::validate::{self, Validation};
use common::Fixture;

fn run(fixture: &Fixture) -> Validation {
    let dir = tempfile::tempdir().unwrap();
    fixture.write(dir.path());
    let loaded = load::load(dir.path()).expect("fixture loads");
    validate::validate(&loaded, None)
}

fn run_failing(fixture: &Fixture) -> LoadFailure {
    let dir = tempfile::tempdir().unwrap();
    fixture.write(dir.path());
    load::load(dir.path()).expect_err("fixture must not load")
}

/// The one finding of `rule`, checked for its location.
fn only(findings: &[Finding], rule: Rule) -> &Finding {
    let matching: Vec<&Finding> = findings.iter().filter(|f| f.rule == rule).collect();
    assert_eq!(
        matching.len(),
        1,
        "expected one {rule:?} finding, got {findings:#?}"
    );
    matching[0]
}

fn assert_at(f: &Finding, file: &str, line: Option<usize>, field: &str) {
    assert_eq!(
        (f.file.as_str(), f.line, f.field.as_deref()),
        (file, line, Some(field)),
        "{f:#?}"
    );
}

#[test]
fn the_clean_fixture_has_no_findings() {
    let v = run(&Fixture::clean());
    assert!(v.findings.is_empty(), "{:#?}", v.findings);
    assert!(v.blocked.is_empty());
}

#[test]
fn a_byte_order_mark_and_crlf_line_ends_are_accepted() {
    let mut fixture = Fixture::clean();
    for text in fixture.files.values_mut() {
        *text = text.replace('\n', "\r\n");
    }
    let text = fixture.files.get_mut("workforce.csv").unwrap();
    text.insert(0, '\u{feff}');
    assert!(run(&fixture).findings.is_empty());
}

#[test]
fn missing_required_column_names_file_and_column() {
    let fixture = Fixture::clean().replace("workforce.csv", "wte_agency,", "");
    let failure = run_failing(&fixture);
    let f = only(&failure.findings, Rule::MissingColumn);
    assert_at(f, "workforce.csv", Some(1), "wte_agency");
}

#[test]
fn missing_required_file_fails_the_load_but_expansion_plans_are_optional() {
    let failure = run_failing(&Fixture::clean().remove("workforce.csv"));
    assert_eq!(
        only(&failure.findings, Rule::MissingFile).file,
        "workforce.csv"
    );
    assert!(run(&Fixture::clean().remove("expansion_plans.csv"))
        .findings
        .is_empty());
}

#[test]
fn empty_file_is_a_finding_not_a_panic() {
    let failure = run_failing(&Fixture::clean().set("demographics.csv", ""));
    assert_eq!(
        only(&failure.findings, Rule::EmptyFile).file,
        "demographics.csv"
    );
}

#[test]
fn semicolon_separated_files_are_explained() {
    let fixture = Fixture::clean().set(
        "service_areas.csv",
        "org_id;la_code;wte_share\nP01;E08000035;1\n",
    );
    let failure = run_failing(&fixture);
    assert!(
        failure.findings.iter().any(|f| f.message.contains("';'")),
        "{failure:#?}"
    );
}

#[test]
fn unknown_extra_column_is_a_warning() {
    let fixture = Fixture::clean().replace(
        "local_authorities.csv",
        "young_people_in_treatment\n",
        "young_people_in_treatment,notes\n",
    );
    // Rows now have one cell fewer than the header: give each a notes cell.
    let mut fixture = fixture;
    let text = fixture.files.get_mut("local_authorities.csv").unwrap();
    *text = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("{l}\n")
            } else {
                format!("{l},\n")
            }
        })
        .collect();
    let v = run(&fixture);
    let f = only(&v.findings, Rule::UnknownColumn);
    assert_eq!(f.severity, Severity::Warning);
    assert_at(f, "local_authorities.csv", Some(1), "notes");
    assert_eq!(v.findings.len(), 1);
}

#[test]
fn invalid_utf8_names_the_cell() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Fixture::clean();
    fixture.write(dir.path());
    let mut bytes = fixture.files["organisations.csv"].clone().into_bytes();
    let at = fixture.files["organisations.csv"]
        .find("Provider P03")
        .unwrap();
    bytes[at] = 0xff;
    std::fs::write(dir.path().join("organisations.csv"), bytes).unwrap();
    let loaded = load::load(dir.path()).unwrap();
    let f = only(&loaded.findings, Rule::Encoding);
    assert_at(
        f,
        "organisations.csv",
        Some(fixture.line_of("organisations.csv", "Provider P03")),
        "org_name",
    );
    assert_eq!(f.org_id.as_deref(), Some("P03"));
}

#[test]
fn text_in_a_number_column() {
    let fixture = Fixture::clean().replace(
        "workforce.csv",
        "P02,drug_alcohol_worker,20,",
        "P02,drug_alcohol_worker,ten,",
    );
    let v = run(&fixture);
    let f = only(&v.findings, Rule::Number);
    assert_at(
        f,
        "workforce.csv",
        Some(fixture.line_of("workforce.csv", "P02,drug_alcohol_worker")),
        "headcount",
    );
    assert_eq!(f.severity, Severity::Error);
    assert!(v.blocked.contains("P02"));
}

#[test]
fn thousands_separators_and_na_are_explained() {
    let fixture = Fixture::clean().replace("local_authorities.csv", "640000", "\"640,000\"");
    let v = run(&fixture);
    let f = only(&v.findings, Rule::Number);
    assert!(f.message.contains("thousands separators"), "{f:#?}");
    assert_at(f, "local_authorities.csv", Some(2), "population_18plus");
}

#[test]
fn whole_numbers_for_people() {
    let fixture = Fixture::clean().replace("workforce.csv", "P03,nurse,2,", "P03,nurse,2.5,");
    let f = only(&run(&fixture).findings, Rule::WholeNumber).clone();
    assert_at(
        &f,
        "workforce.csv",
        Some(fixture.line_of("workforce.csv", "P03,nurse")),
        "headcount",
    );
}

#[test]
fn negative_wte() {
    let fixture =
        Fixture::clean().replace("workforce.csv", "P04,nurse,2,2.0,", "P04,nurse,2,-2.0,");
    let v = run(&fixture);
    assert_at(
        only(&v.findings, Rule::Negative),
        "workforce.csv",
        Some(fixture.line_of("workforce.csv", "P04,nurse")),
        "wte_in_post",
    );
    assert!(v.blocked.contains("P04"));
}

#[test]
fn unknown_role_and_codes() {
    let fixture = Fixture::clean().replace("workforce.csv", "P05,nurse", "P05,wizard");
    let v = run(&fixture);
    let f = only(&v.findings, Rule::UnknownCode);
    assert_at(
        f,
        "workforce.csv",
        Some(fixture.line_of("workforce.csv", "P05,wizard")),
        "role",
    );
    assert!(
        f.message.contains("drug_alcohol_worker"),
        "says what is accepted: {f:#?}"
    );

    let fixture = Fixture::clean().replace(
        "organisations.csv",
        "P06,Provider P06,provider,voluntary",
        "P06,Provider P06,provider,charity",
    );
    assert_at(
        only(&run(&fixture).findings, Rule::UnknownCode),
        "organisations.csv",
        Some(fixture.line_of("organisations.csv", "P06,")),
        "sector",
    );
}

#[test]
fn duplicate_key_points_at_the_second_row() {
    let fixture = Fixture::clean().append("workforce.csv", "P07,nurse,1,1.0,0,0,0,0,\n");
    let v = run(&fixture);
    let lines = fixture.files["workforce.csv"].lines().count();
    let f = only(&v.findings, Rule::DuplicateKey);
    assert_at(f, "workforce.csv", Some(lines), "role");
    assert!(f.message.contains(&format!(
        "line {}",
        fixture.line_of("workforce.csv", "P07,nurse")
    )));
}

#[test]
fn references_to_unknown_orgs_and_las() {
    let fixture = Fixture::clean().append("workforce.csv", "P99,nurse,1,1.0,0,0,0,0,\n");
    let v = run(&fixture);
    let f = only(&v.findings, Rule::Reference);
    assert_at(
        f,
        "workforce.csv",
        Some(fixture.files["workforce.csv"].lines().count()),
        "org_id",
    );

    let fixture = Fixture::clean().replace("service_areas.csv", "P02,E08000036", "P02,E08000099");
    let f = only(&run(&fixture).findings, Rule::Reference).clone();
    assert_at(
        &f,
        "service_areas.csv",
        Some(fixture.line_of("service_areas.csv", "P02,")),
        "la_code",
    );
}

#[test]
fn wte_above_headcount_warns_then_blocks() {
    let equal = Fixture::clean();
    assert!(equal.files["workforce.csv"].contains("P03,nurse,2,2.0"));
    assert!(
        run(&equal).findings.is_empty(),
        "WTE equal to headcount is fine"
    );

    let at_limit = Fixture::clean().replace("workforce.csv", "P03,nurse,2,2.0", "P03,nurse,2,3.0");
    let v = run(&at_limit);
    assert_eq!(
        only(&v.findings, Rule::WteAboveHeadcount).severity,
        Severity::Warning,
        "WTE of exactly 1.5 times headcount is a query, not an error"
    );
    assert!(v.blocked.is_empty());

    let warn = Fixture::clean().replace("workforce.csv", "P03,nurse,2,2.0", "P03,nurse,2,2.6");
    let v = run(&warn);
    let f = only(&v.findings, Rule::WteAboveHeadcount);
    assert_eq!(f.severity, Severity::Warning);
    assert_at(
        f,
        "workforce.csv",
        Some(warn.line_of("workforce.csv", "P03,nurse")),
        "wte_in_post",
    );
    assert!(v.blocked.is_empty());

    let error = Fixture::clean().replace("workforce.csv", "P03,nurse,2,2.0", "P03,nurse,2,3.2");
    let v = run(&error);
    assert_eq!(
        only(&v.findings, Rule::WteAboveHeadcount).severity,
        Severity::Error
    );
    assert_eq!(v.blocked.iter().collect::<Vec<_>>(), vec!["P03"]);
}

#[test]
fn service_area_shares_must_sum_to_one() {
    let within = Fixture::clean().replace(
        "service_areas.csv",
        "P01,E08000036,0.4",
        "P01,E08000036,0.395",
    );
    assert!(run(&within).findings.is_empty(), "0.995 is within ±0.01");

    let off = Fixture::clean().replace(
        "service_areas.csv",
        "P01,E08000036,0.4",
        "P01,E08000036,0.3",
    );
    let v = run(&off);
    let f = only(&v.findings, Rule::SharesSum);
    assert_at(
        f,
        "service_areas.csv",
        Some(off.line_of("service_areas.csv", "P01,")),
        "wte_share",
    );
    assert!(f.message.contains("0.900"));
    assert!(v.blocked.contains("P01"));
}

#[test]
fn providers_need_service_areas() {
    let fixture = Fixture::clean().replace("service_areas.csv", "L01,E09000001,1\n", "");
    let f = only(&run(&fixture).findings, Rule::NoServiceArea).clone();
    assert_eq!(f.org_id.as_deref(), Some("L01"));
}

#[test]
fn demographic_totals_must_match_headcount() {
    let fixture = Fixture::clean().replace(
        "demographics.csv",
        "P02,gender,female,11",
        "P02,gender,female,10",
    );
    let v = run(&fixture);
    let f = only(&v.findings, Rule::DemographicTotal);
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.org_id.as_deref(), Some("P02"));
    assert_at(
        f,
        "demographics.csv",
        Some(fixture.line_of("demographics.csv", "P02,gender,female")),
        "headcount",
    );
    assert!(
        f.message.contains("21 people") && f.message.contains("22"),
        "{f:#?}"
    );
}

#[test]
fn vacancy_rate_above_half() {
    let at_half = Fixture::clean().replace(
        "workforce.csv",
        "C02,commissioner,2,2.0,0,",
        "C02,commissioner,2,2.0,2.0,",
    );
    assert!(
        run(&at_half).findings.is_empty(),
        "exactly 50% is not above 50%"
    );
    let above = Fixture::clean().replace(
        "workforce.csv",
        "C02,commissioner,2,2.0,0,",
        "C02,commissioner,2,2.0,2.1,",
    );
    let f = only(&run(&above).findings, Rule::VacancyRate).clone();
    assert_eq!(f.severity, Severity::Warning);
    assert_at(
        &f,
        "workforce.csv",
        Some(above.line_of("workforce.csv", "C02,")),
        "wte_vacant",
    );
}

#[test]
fn caseload_far_outside_peers() {
    // Peers hold 40–49 cases per WTE; 400 per WTE is far beyond three IQRs.
    let fixture = Fixture::clean().replace(
        "workforce.csv",
        "P05,drug_alcohol_worker,20,12.0,1.0,0,2,3,528",
        "P05,drug_alcohol_worker,20,12.0,1.0,0,2,3,4800",
    );
    let f = only(&run(&fixture).findings, Rule::CaseloadOutlier).clone();
    assert_at(
        &f,
        "workforce.csv",
        Some(fixture.line_of("workforce.csv", "P05,drug_alcohol_worker")),
        "caseload",
    );
    let near = Fixture::clean().replace(
        "workforce.csv",
        "P05,drug_alcohol_worker,20,12.0,1.0,0,2,3,528",
        "P05,drug_alcohol_worker,20,12.0,1.0,0,2,3,700",
    );
    assert!(
        run(&near).findings.is_empty(),
        "58 per WTE is within the fences"
    );
}

#[test]
fn wte_change_since_last_year() {
    let dir = tempfile::tempdir().unwrap();
    let previous = Fixture::clean().write(&dir.path().join("2023"));
    let grown = Fixture::clean().replace(
        "workforce.csv",
        "P06,drug_alcohol_worker,20,13.0",
        "P06,drug_alcohol_worker,40,28.0",
    );
    let current = grown.write(&dir.path().join("2024"));
    let loaded = load::load(&current).unwrap();
    let previous = load::load(&previous).unwrap().census;
    let v = validate::validate(&loaded, Some(&previous));
    let f = only(&v.findings, Rule::WteChange);
    assert_eq!(f.org_id.as_deref(), Some("P06"));
    assert!(f.message.contains("up"), "{f:#?}");
    let unchanged = validate::validate(&load::load(&previous_dir(&dir)).unwrap(), Some(&previous));
    assert!(unchanged.findings.is_empty());
}

fn previous_dir(dir: &tempfile::TempDir) -> std::path::PathBuf {
    dir.path().join("2023")
}

#[test]
fn an_org_without_workforce_is_blocked() {
    let fixture =
        Fixture::clean().replace("workforce.csv", "C02,commissioner,2,2.0,0,0,0,0,\n", "");
    let v = run(&fixture);
    assert_eq!(
        only(&v.findings, Rule::NoWorkforce).org_id.as_deref(),
        Some("C02")
    );
    assert!(v.blocked.contains("C02"));
}

#[test]
fn a_bad_census_toml_names_the_line() {
    let failure = run_failing(
        &Fixture::clean().set("census.toml", "year = 2024\nsnapshot_date = 31/03/2024\n"),
    );
    let f = &failure.findings[0];
    assert_eq!(f.file, "census.toml");
    assert_eq!(f.line, Some(2));
}

/// The 2024 sample with every CSV re-saved: line ends as `ends` gives for each line number.
fn resaved(dir: &std::path::Path, ends: impl Fn(usize) -> &'static str) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/2024");
    std::fs::create_dir_all(dir).unwrap();
    for entry in std::fs::read_dir(&root).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let out = if path.extension().is_some_and(|e| e == "csv") {
            text.lines()
                .enumerate()
                .map(|(i, l)| format!("{l}{}", ends(i)))
                .collect::<String>()
        } else {
            text
        };
        std::fs::write(dir.join(entry.file_name()), out).unwrap();
    }
    // The planning workbooks are not CSV: the same files.
    let plans = root.join("expansion_plans");
    if plans.is_dir() {
        std::fs::create_dir_all(dir.join("expansion_plans")).unwrap();
        for entry in std::fs::read_dir(&plans).unwrap().flatten() {
            std::fs::copy(
                entry.path(),
                dir.join("expansion_plans").join(entry.file_name()),
            )
            .unwrap();
        }
    }
}

#[test]
fn findings_name_the_physical_line_whatever_the_line_ends() {
    let dir = tempfile::tempdir().unwrap();
    let queries = |name: &str| {
        let out = dir.path().join(format!("{name}-out"));
        let run = crate::common::census_reports(
            &["validate", "--data", name, "--out", out.to_str().unwrap()],
            dir.path(),
        );
        assert!(run.status.code().is_some_and(|c| c <= 1), "{run:?}");
        std::fs::read_to_string(out.join("queries.csv")).unwrap()
    };
    resaved(&dir.path().join("lf"), |_| "\n");
    resaved(&dir.path().join("crlf"), |_| "\r\n");
    resaved(&dir.path().join("mixed"), |i| {
        if i % 3 == 0 {
            "\r\n"
        } else {
            "\n"
        }
    });
    let lf = queries("lf");
    assert!(lf.lines().count() > 5, "the sample has queries: {lf}");
    // P0019's caseload query is on line 566 of workforce.csv.
    assert_eq!(queries("crlf"), lf, "CRLF moves no finding");
    assert_eq!(queries("mixed"), lf, "a mix of line ends moves no finding");
}
