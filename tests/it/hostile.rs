//! Hostile and malformed input, generated here rather than kept as blobs: nothing a
//! participant types may crash the batch, leak into markup, escape the output folder or lose
//! another participant's report.

use crate::common;

use common::{census_reports, walk, Fixture};
use std::path::Path;
use std::process::Command;

fn csv_quote(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// Writes the fixture as a 2024 census, builds every report and expects exit code 0.
fn build_succeeds(fixture: &Fixture) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fixture.write(&dir.path().join("2024"));
    let out = census_reports(&["build", "--data", "2024", "--out", "out"], dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

fn pdf_text(path: &Path) -> String {
    let out = Command::new("pdftotext")
        .args([path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext");
    String::from_utf8_lossy(&out.stdout).to_string()
}

const HOSTILE_NAMES: [&str; 12] = [
    r#"#read("/etc/passwd")"#,
    r#"#import "@preview/x:0.1.0": *"#,
    "{{ 7*7 }} and {% raw %}",
    "] $x$ \\ #set page(width: 1pt)",
    "مؤسسة التعافي",
    "שירות החלמה",
    "Cafe\u{301} Recovery Zalgo\u{336}\u{337}",
    "Recovery 🚀🌈 Service",
    "=HYPERLINK(\"http://x\")",
    r#"<script>alert(1)</script>" onmouseover="alert(2)"#,
    "   Padded   Name   ",
    "Line one\nLine two",
];

#[test]
fn hostile_names_print_literally_and_every_report_is_built() {
    let mut fixture = Fixture::clean();
    for (i, name) in HOSTILE_NAMES.iter().enumerate() {
        let id = format!("P{:02}", i + 1);
        if i + 1 > common::PROVIDERS {
            break;
        }
        fixture = fixture.replace(
            "organisations.csv",
            &format!("{id},Provider {id},"),
            &format!("{id},{},", csv_quote(name)),
        );
    }
    let long = "A".repeat(300);
    fixture = fixture.replace(
        "organisations.csv",
        "L01,Recovery voices,",
        &format!("L01,{long},"),
    );
    let dir = build_succeeds(&fixture);
    let text = pdf_text(&dir.path().join("out/provider/P01.pdf"));
    assert!(text.contains(r#"#read("/etc/passwd")"#) && !text.contains("root:x:0:0"));
    let text = pdf_text(&dir.path().join("out/provider/P02.pdf"));
    assert!(text.contains("@preview/x:0.1.0"));
    let text = pdf_text(&dir.path().join("out/provider/P03.pdf"));
    assert!(text.contains("{{ 7*7 }}") && text.contains("{% raw %}") && !text.contains("49 and"));
    let text = pdf_text(&dir.path().join("out/provider/P09.pdf"));
    assert!(text.contains("=HYPERLINK"));
    let manifest = std::fs::read_to_string(dir.path().join("out/manifest.json")).unwrap();
    assert!(!manifest.contains("\"failed\""), "{manifest}");
    // In the HTML edition and the index the names are text: escaped, never markup.
    let html = std::fs::read_to_string(dir.path().join("out/html/provider/P10.html")).unwrap();
    assert!(!html.contains("<script") && html.contains("&lt;script>alert(1)&lt;/script>"));
    assert!(html.contains("<title>&lt;script>alert(1)&lt;/script>\" onmouseover=\"alert(2):"));
    let html = std::fs::read_to_string(dir.path().join("out/html/provider/P01.html")).unwrap();
    assert!(
        html.contains(r#"<h1>#read("/etc/passwd")</h1>"#),
        "printed literally"
    );
    let index = std::fs::read_to_string(dir.path().join("out/index.html")).unwrap();
    assert!(!index.contains("<script>alert") && !index.contains("\" onmouseover"));
    assert!(index
        .contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;&quot; onmouseover=&quot;alert(2)"));
    // Spreadsheet exports neutralise formula-like names.
    census_reports(&["metrics", "--data", "2024", "--out", "m.csv"], dir.path());
    let metrics = std::fs::read_to_string(dir.path().join("m.csv")).unwrap();
    assert!(metrics.contains("'=HYPERLINK") && !metrics.contains(",=HYPERLINK"));
}

#[test]
fn ids_that_look_like_paths_stay_inside_the_output_folder() {
    let mut fixture = Fixture::clean();
    for (from, to) in [
        ("P01", "../../escape"),
        ("P02", "/etc/cron.d/x"),
        ("P03", "C:evil"),
        ("P04", "nul\u{0}byte"),
    ] {
        for file in [
            "organisations.csv",
            "service_areas.csv",
            "workforce.csv",
            "demographics.csv",
        ] {
            let text = fixture.files.get_mut(file).unwrap();
            *text = text
                .lines()
                .map(|l| {
                    if l.starts_with(&format!("{from},")) {
                        format!("{}{}\n", csv_quote(to), &l[from.len()..])
                    } else {
                        format!("{l}\n")
                    }
                })
                .collect();
        }
    }
    let dir = build_succeeds(&fixture);
    let out_dir = dir.path().join("out").canonicalize().unwrap();
    let everything = walk(dir.path());
    for path in &everything {
        let inside = path.canonicalize().unwrap().starts_with(&out_dir)
            || path.starts_with(dir.path().join("2024"));
        assert!(inside, "{} is outside out/", path.display());
    }
    let pdfs = walk(&dir.path().join("out/provider"));
    assert_eq!(pdfs.len(), common::PROVIDERS, "{pdfs:?}");
    assert!(!dir.path().join("escape.pdf").exists());
}

#[test]
fn malformed_numbers_and_rows_become_findings_not_panics() {
    let fixture = Fixture::clean()
        .replace("workforce.csv", "P01,nurse,2,2.0,", "P01,nurse,2,1e308,")
        .replace("workforce.csv", "P02,nurse,2,2.0,", "P02,nurse,2,NaN,")
        .replace("workforce.csv", "P03,nurse,2,2.0,", "P03,nurse,2,inf,")
        .replace("workforce.csv", "P04,nurse,2,2.0,", "P04,nurse,2,-0,")
        .replace("workforce.csv", "P05,nurse,2,2.0,", "P05,nurse,N/A,2.0,")
        .replace(
            "workforce.csv",
            "P06,nurse,2,2.0,",
            "P06,nurse,\"1,234\",2.0,",
        )
        .append("workforce.csv", ",,,,,,,,\n\n")
        .replace(
            "organisations.csv",
            "L01,Recovery voices,",
            "L01,\"Recovery\nvoices\",",
        );
    let dir = tempfile::tempdir().unwrap();
    fixture.write(&dir.path().join("2024"));
    let out = census_reports(&["validate", "--data", "2024", "--out", "q"], dir.path());
    assert_eq!(
        out.status.code(),
        Some(1),
        "errors found, no crash: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let queries = std::fs::read_to_string(dir.path().join("q/queries.csv")).unwrap();
    for (org, field) in [
        ("P01", "wte_in_post"),
        ("P02", "wte_in_post"),
        ("P03", "wte_in_post"),
        ("P05", "headcount"),
        ("P06", "headcount"),
    ] {
        assert!(
            queries.lines().any(|l| l.starts_with(&format!("{org},"))
                && l.contains(&format!(
                    "workforce.csv,{}",
                    fixture.line_of("workforce.csv", &format!("{org},nurse"))
                ))
                && l.contains(field)),
            "{org} {field}:\n{queries}"
        );
    }
    assert!(
        !queries.lines().any(|l| l.starts_with("P04,")),
        "-0 is zero: {queries}"
    );
    // The build still makes every unaffected report.
    let out = census_reports(&["build", "--data", "2024", "--out", "out"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    for id in ["P07", "P08", "L01"] {
        let dir_name = if id == "L01" { "lero" } else { "provider" };
        assert!(
            dir.path().join(format!("out/{dir_name}/{id}.pdf")).exists(),
            "{id}"
        );
    }
    assert!(
        !dir.path().join("out/provider/P01.pdf").exists(),
        "P01 is blocked"
    );
}

#[test]
fn oversized_files_are_refused_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let data = Fixture::clean().write(&dir.path().join("2024"));
    let mut big = std::fs::read_to_string(data.join("demographics.csv")).unwrap();
    let filler = "P01,gender,female,0\n".repeat(4096);
    let mut file = std::fs::File::create(data.join("demographics.csv")).unwrap();
    use std::io::Write;
    file.write_all(big.as_bytes()).unwrap();
    while big.len() < 65 * 1024 * 1024 {
        file.write_all(filler.as_bytes()).unwrap();
        big.push_str(&filler);
    }
    drop(file);
    let out = census_reports(&["validate", "--data", "2024"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("demographics.csv") && stderr.contains("refused"),
        "{stderr}"
    );
}

#[test]
fn degenerate_censuses_still_build() {
    // An LA with population 0, a provider whose shares add up to 0, and no commissioners.
    let mut fixture = Fixture::clean()
        .replace(
            "local_authorities.csv",
            "City of London,London,8600",
            "City of London,London,0",
        )
        .replace("service_areas.csv", "P02,E08000036,1", "P02,E08000036,0");
    for file in ["organisations.csv", "workforce.csv", "demographics.csv"] {
        let text = fixture.files.get_mut(file).unwrap();
        *text = text
            .lines()
            .filter(|l| !l.starts_with("C0"))
            .map(|l| format!("{l}\n"))
            .collect();
    }
    let dir = build_succeeds(&fixture);
    let manifest = std::fs::read_to_string(dir.path().join("out/manifest.json")).unwrap();
    assert!(
        manifest.contains("\"blocked\""),
        "P02's zero shares block it"
    );
    assert!(dir.path().join("out/la/E09000001.pdf").exists());
    assert!(dir.path().join("out/national.pdf").exists());
}
