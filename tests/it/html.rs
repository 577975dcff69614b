//! The HTML edition without a browser: where it goes, what the manifest records, the
//! structure an accessible page needs, the same figures as the data companion (and so as
//! the PDF), and `--format` choosing the editions without losing agreement between the
//! files and the manifest. tests/browser.rs checks the pages in Chromium.

use crate::common;

use common::{census_reports, entry, Fixture};
use serde_json::Value;
use std::path::Path;

fn build(dir: &Path, extra: &[&str]) -> String {
    let mut args = vec!["build", "--data", "2024", "--out", "out", "--jobs", "2"];
    args.extend_from_slice(extra);
    let out = census_reports(&args, dir);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// The manifest of the output folder `dir/out`.
fn manifest(dir: &Path) -> Value {
    common::manifest(&dir.join("out"))
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The text of every cell of every table row: `<tr>` by `<tr>`, tags stripped.
fn table_rows(html: &str) -> Vec<Vec<String>> {
    html.split("<tr")
        .skip(1)
        .map(|row| {
            let row = row.split("</tr>").next().unwrap_or_default();
            row.split("<t")
                .skip(1)
                .filter(|cell| cell.starts_with('h') || cell.starts_with('d'))
                .filter_map(|cell| {
                    let body = cell.split_once('>')?.1;
                    let body = body.split("</t").next()?;
                    Some(unescape(body.trim()))
                })
                .collect()
        })
        .collect()
}

/// Every manifest entry's files agree with it, the HTML edition included.
fn files_agree(dir: &Path) {
    common::editions_agree(&dir.join("out"));
}

#[test]
fn every_report_has_an_accessible_html_edition_with_the_same_figures() {
    let dir = tempfile::tempdir().unwrap();
    Fixture::clean().write(&dir.path().join("2024"));
    let stdout = build(dir.path(), &[]);
    assert!(stdout.contains("index of reports:"), "{stdout}");
    files_agree(dir.path());
    let m = manifest(dir.path());
    for (id, path) in [
        ("P01", "html/provider/P01.html"),
        ("L01", "html/lero/L01.html"),
        ("E08000035", "html/la/E08000035.html"),
        ("london", "html/region/london.html"),
        ("england", "html/national.html"),
    ] {
        let e = entry(&m, id);
        assert_eq!(e["html_path"], path);
        let html = std::fs::read_to_string(dir.path().join("out").join(path)).unwrap();
        assert!(html.starts_with("<!DOCTYPE html>"), "{path}");
        assert!(html.contains("<html lang=\"en-GB\">"), "{path}");
        assert_eq!(html.matches("<h1").count(), 1, "{path}: one h1");
        assert!(html.contains("<title>"), "{path}");
        assert!(html.contains("<a class=\"skip\" href=\"#main\">"), "{path}");
        assert!(html.contains("<main id=\"main\">"), "{path}");
        assert!(
            html.contains("<style>") && !html.contains("<link"),
            "{path}: styles inline"
        );
        assert!(html.contains("@media print"), "{path}: a print stylesheet");
        assert!(!html.contains("<script"), "{path}: no script");
        // Headings in order: no level skipped on the way down.
        let mut level = 1;
        for part in html.split("<h").skip(1) {
            let Some(next) = part.chars().next().and_then(|c| c.to_digit(10)) else {
                continue;
            };
            assert!(next <= level + 1, "{path}: h{level} then h{next}");
            level = next;
        }
        // Every table has a caption and column headers; every chart its alternative text
        // and, next, its data table.
        let tables = html.matches("<table>").count();
        assert!(tables > 0, "{path}");
        assert_eq!(html.matches("<caption>").count(), tables, "{path}");
        assert_eq!(html.matches("<thead>").count(), tables, "{path}");
        let charts = html.matches("<figure class=\"chart\">").count();
        assert!(charts > 0, "{path}");
        assert_eq!(
            html.matches("<img src=\"data:image/svg+xml;base64,")
                .count(),
            charts
        );
        assert_eq!(html.matches(" alt=\"\"").count(), 0, "{path}: empty alt");
        for figure in html.split("<figure class=\"chart\">").skip(1) {
            let after = figure.split_once("</figure>").unwrap().1.trim_start();
            assert!(after.starts_with("<div class=\"table-wrap\""), "{path}");
        }
        // The figures of the data companion's tables are the HTML's, row by row.
        let rows = table_rows(&html);
        let companion = std::fs::read(
            dir.path()
                .join("out")
                .join(e["data_path"].as_str().unwrap()),
        )
        .unwrap();
        let mut reader = csv::Reader::from_reader(companion.as_slice());
        let mut checked = 0;
        for record in reader.records() {
            let record = record.unwrap();
            let (table, value, row_label) = (&record[0], &record[3], &record[5]);
            if table == "figures" {
                // Figures printed only in prose.
                continue;
            }
            if table == "at_a_glance" {
                // Printed as a list of headline panels, each with its value.
                let panel = match &record[2] {
                    "value" => format!("<span class=\"value\">{value}</span>"),
                    _ if value == "–" => String::new(),
                    _ => format!("<span class=\"change\">{value}</span>"),
                };
                assert!(html.contains(&panel), "{path}: {row_label} {value}");
                checked += 1;
                continue;
            }
            let found = rows.iter().any(|cells| {
                cells.first().map(String::as_str) == Some(row_label)
                    && cells[1..].iter().any(|c| c == value)
            });
            assert!(
                found,
                "{path}: {table} {row_label}: {value} is not in an HTML table"
            );
            checked += 1;
        }
        assert!(checked > 20, "{path}: {checked} figures checked");
    }
}

#[test]
fn format_chooses_the_editions_and_the_manifest_always_agrees() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    Fixture::clean().write(&dir.path().join("2024"));

    // PDFs only: no HTML edition and none recorded.
    build(dir.path(), &["--format", "pdf"]);
    assert!(!out.join("html").exists());
    let m = manifest(dir.path());
    assert!(m["reports"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["html_path"] == "" && e["path"] != ""));
    let pdf_before = entry(&m, "P03")["sha256"].clone();

    // Both: the HTML editions are added to the same versions; the PDFs are untouched.
    build(dir.path(), &[]);
    let m = manifest(dir.path());
    let p03 = entry(&m, "P03");
    assert_eq!(p03["version"], 1);
    assert_eq!(p03["sha256"], pdf_before);
    assert_eq!(p03["html_path"], "html/provider/P03.html");
    files_agree(dir.path());
    let changes = std::fs::read_to_string(out.join("changes.csv")).unwrap();
    assert_eq!(changes.lines().count(), 1, "no version changed: {changes}");

    // A fix, rebuilt as PDF only: version 2 has no HTML edition, so version 1's is
    // withdrawn from the live folder (kept in history), never left to disagree.
    Fixture::clean()
        .replace(
            "workforce.csv",
            "P03,drug_alcohol_worker,20,",
            "P03,drug_alcohol_worker,23,",
        )
        .write(&dir.path().join("2024"));
    build(dir.path(), &["--format", "pdf", "--only", "P03"]);
    let m = manifest(dir.path());
    let p03 = entry(&m, "P03");
    assert_eq!(p03["version"], 2);
    assert_eq!(p03["html_path"], "");
    assert!(!out.join("html/provider/P03.html").exists());
    assert!(out.join("history/provider/P03/v1.html").exists());
    files_agree(dir.path());

    // HTML only: version 2's HTML edition, the same version, the PDF kept.
    build(dir.path(), &["--format", "html", "--only", "P03"]);
    let m = manifest(dir.path());
    let p03 = entry(&m, "P03");
    assert_eq!(p03["version"], 2);
    assert_eq!(p03["html_path"], "html/provider/P03.html");
    assert_eq!(p03["path"], "provider/P03.pdf");
    files_agree(dir.path());
    let html = std::fs::read_to_string(out.join("html/provider/P03.html")).unwrap();
    assert!(html.contains("Version 2, reissued"), "the reissue says so");
    assert!(html.contains("What changed in this version"));

    // An unknown edition is refused by the command line.
    let refused = census_reports(&["build", "--data", "2024", "--format", "docx"], dir.path());
    assert_eq!(refused.status.code(), Some(2));
}

#[test]
fn the_index_lists_every_report_with_its_status_and_files() {
    let dir = tempfile::tempdir().unwrap();
    // One provider's template fails, so the index has a failure to show.
    let templates = dir.path().join("templates");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(templates.join("lero.typ"), "#let x = (\n").unwrap();
    Fixture::clean().write(&dir.path().join("2024"));
    let out = census_reports(
        &[
            "build",
            "--data",
            "2024",
            "--out",
            "out",
            "--templates",
            "templates",
        ],
        dir.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let index = std::fs::read_to_string(dir.path().join("out/index.html")).unwrap();
    let m = manifest(dir.path());
    let entries = m["reports"].as_array().unwrap();
    assert_eq!(index.matches("<tr data-id=").count(), entries.len());
    for e in entries {
        let id = e["id"].as_str().unwrap();
        let row = index
            .split(&format!("<tr data-id=\"{id}\""))
            .nth(1)
            .unwrap()
            .split("</tr>")
            .next()
            .unwrap()
            // minijinja escapes `/` in HTML; a browser reads `&#x2f;` as `/`.
            .replace("&#x2f;", "/");
        let status = if id == "L01" { "failed" } else { "built" };
        assert!(
            row.contains(&format!("class=\"status-{status}\"")),
            "{id}: {row}"
        );
        if status == "built" {
            for key in ["path", "html_path", "data_path"] {
                let link = format!("href=\"{}\"", e[key].as_str().unwrap());
                assert!(row.contains(&link), "{id}: {link}");
            }
        }
    }
    assert!(index.contains("1 failed"), "the run summary");
    assert!(
        index.contains("<th scope=\"row\">L01</th>"),
        "the failure is listed"
    );
    assert!(index.contains("lero.typ:"), "with its error");
}
