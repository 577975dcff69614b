//! The real binary on fixture folders: output files and exit codes.

use crate::common;

use common::{census_reports, Fixture};

#[test]
fn validate_clean_data_exits_zero_and_writes_an_empty_query_list() {
    let dir = tempfile::tempdir().unwrap();
    Fixture::clean().write(&dir.path().join("2024"));
    let out = census_reports(&["validate", "--data", "2024"], dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("0 error(s), 0 warning(s)"), "{stdout}");
    let csv = std::fs::read_to_string(dir.path().join("out/2024/validation/queries.csv")).unwrap();
    assert_eq!(
        csv.trim(),
        "org_id,org_name,severity,rule,file,line,field,message"
    );
}

#[test]
fn validate_with_errors_exits_one_and_lists_queries_per_org() {
    let dir = tempfile::tempdir().unwrap();
    Fixture::clean()
        .replace("workforce.csv", "P03,nurse,2,2.0", "P03,nurse,2,3.2")
        .replace("organisations.csv", "Provider P03", "=HYPERLINK(\"x\")")
        .write(&dir.path().join("2024"));
    let out = census_reports(&["validate", "--data", "2024", "--out", "q"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("BLOCKED") && stdout.contains("wte_above_headcount"),
        "{stdout}"
    );
    let csv = std::fs::read_to_string(dir.path().join("q/queries.csv")).unwrap();
    assert!(
        csv.contains("P03,\"'=HYPERLINK(\"\"x\"\")\",error,wte_above_headcount,workforce.csv,"),
        "{csv}"
    );
    let md = std::fs::read_to_string(dir.path().join("q/queries/P03.md")).unwrap();
    assert!(md.contains("cannot be produced"), "{md}");
}

#[test]
fn unreadable_data_exits_two_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    Fixture::clean()
        .remove("organisations.csv")
        .write(&dir.path().join("2024"));
    let out = census_reports(&["validate", "--data", "2024"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("organisations.csv"));

    let out = census_reports(&["validate", "--data", "no-such-folder"], dir.path());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_previous_year_is_found_beside_the_data() {
    let dir = tempfile::tempdir().unwrap();
    Fixture::clean()
        .replace("census.toml", "year = 2024", "year = 2023")
        .write(&dir.path().join("2023"));
    Fixture::clean()
        .replace(
            "workforce.csv",
            "P06,drug_alcohol_worker,20,13.0",
            "P06,drug_alcohol_worker,40,28.0",
        )
        .write(&dir.path().join("2024"));
    let out = census_reports(&["validate", "--data", "2024"], dir.path());
    assert!(String::from_utf8_lossy(&out.stdout).contains("wte_change"));
}

#[test]
fn bom_option_for_excel_users() {
    let dir = tempfile::tempdir().unwrap();
    Fixture::clean().write(&dir.path().join("2024"));
    census_reports(
        &["validate", "--data", "2024", "--out", "q", "--bom"],
        dir.path(),
    );
    let bytes = std::fs::read(dir.path().join("q/queries.csv")).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBForg_id,"));
    census_reports(
        &["metrics", "--data", "2024", "--out", "m.csv", "--bom"],
        dir.path(),
    );
    assert!(std::fs::read(dir.path().join("m.csv"))
        .unwrap()
        .starts_with(b"\xEF\xBB\xBFyear,"));
    census_reports(
        &["metrics", "--data", "2024", "--out", "plain.csv"],
        dir.path(),
    );
    assert!(std::fs::read(dir.path().join("plain.csv"))
        .unwrap()
        .starts_with(b"year,"));
}

#[test]
fn the_measures_page_is_the_catalogue() {
    let dir = tempfile::tempdir().unwrap();
    let out = census_reports(&["measures"], dir.path());
    assert!(out.status.success());
    let printed = String::from_utf8(out.stdout).unwrap();
    let page = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/measures.md");
    let written = std::fs::read_to_string(&page).unwrap_or_default();
    assert!(
        printed == written,
        "docs/measures.md is not the catalogue: run `cargo run --release -- measures > docs/measures.md`"
    );
    for m in census_reports::metrics::catalogue::MEASURES {
        assert!(printed.contains(&format!("| `{}` | {} |", m.key, m.label)));
    }
}

#[test]
fn every_page_the_readme_links_to_exists() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut pages = vec![root.join("README.md")];
    pages.extend(
        std::fs::read_dir(root.join("docs"))
            .unwrap()
            .map(|e| e.unwrap().path()),
    );
    let mut links = 0;
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        for (i, _) in text.match_indices("](") {
            let target: String = text[i + 2..].chars().take_while(|c| *c != ')').collect();
            let file = target.split('#').next().unwrap();
            if file.is_empty() || file.contains("://") || !file.ends_with(".md") {
                continue;
            }
            links += 1;
            let base = page.parent().unwrap();
            assert!(
                base.join(file).exists(),
                "{} links to {target}, which does not exist",
                page.display()
            );
        }
    }
    assert!(
        links >= 10,
        "the README and docs link their pages ({links} links)"
    );
}
