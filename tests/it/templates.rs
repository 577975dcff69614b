//! Templates own the reports: an overlay folder rewords a report and adds a logo without a
//! recompile; `template-data` writes what the standard typst CLI needs to render the same
//! report; the template data of each kind is pinned by snapshots; a template-only change
//! reissues reports saying that no figure changed.

use crate::common;

use common::{census_reports, Fixture};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A 4×2 red PNG, as a logo.
const LOGO_PNG: [u8; 73] = [
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 4, 0, 0, 0, 2, 8, 2, 0,
    0, 0, 240, 202, 234, 52, 0, 0, 0, 16, 73, 68, 65, 84, 120, 156, 99, 56, 33, 39, 7, 71, 12, 200,
    28, 0, 111, 10, 8, 33, 6, 165, 210, 118, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
];

/// One report of each kind in the fixture.
const ONE_OF_EACH: [(&str, &str); 5] = [
    ("P03", "provider/P03.pdf"),
    ("L01", "lero/L01.pdf"),
    ("E08000035", "la/E08000035.pdf"),
    (
        "north_east_and_yorkshire",
        "region/north_east_and_yorkshire.pdf",
    ),
    ("england", "national.pdf"),
];

fn shipped(file: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("report-templates")
            .join(file),
    )
    .unwrap()
}

fn pdf_text(path: &Path) -> String {
    let out = Command::new("pdftotext")
        .args([path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) is installed; .ci/run installs it");
    assert!(out.status.success(), "pdftotext {}", path.display());
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn images_in(path: &Path) -> usize {
    let out = Command::new("pdfimages")
        .args(["-list", path.to_str().unwrap()])
        .output()
        .expect("pdfimages (poppler-utils)");
    // Two header lines, then one line per image.
    String::from_utf8_lossy(&out.stdout).lines().skip(2).count()
}

fn build(dir: &Path, out: &str, extra: &[&str]) {
    let mut args = vec!["build", "--data", "2024", "--out", out, "--jobs", "2"];
    args.extend_from_slice(extra);
    let output = census_reports(&args, dir);
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn lines(text: &str) -> BTreeSet<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn an_overlay_rewords_one_heading_and_adds_a_logo_and_changes_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    Fixture::clean().write(&dir.path().join("2024"));
    let overlay = dir.path().join("ours");
    std::fs::create_dir_all(overlay.join("assets")).unwrap();
    let participant = shipped("participant.typ");
    let reworded = participant.replace(
        "section(\"Workforce size\",",
        "section(\"Size of your workforce\",",
    );
    assert_ne!(participant, reworded);
    std::fs::write(overlay.join("participant.typ"), reworded).unwrap();
    std::fs::write(overlay.join("assets/logo.png"), LOGO_PNG).unwrap();

    build(dir.path(), "plain", &["--only", "P03"]);
    build(
        dir.path(),
        "ours-out",
        &["--only", "P03", "--templates", overlay.to_str().unwrap()],
    );
    let plain = dir.path().join("plain/provider/P03.pdf");
    let ours = dir.path().join("ours-out/provider/P03.pdf");
    let (before, after) = (lines(&pdf_text(&plain)), lines(&pdf_text(&ours)));
    let added: Vec<&String> = after.difference(&before).collect();
    let removed: Vec<&String> = before.difference(&after).collect();
    assert!(!added.is_empty() && !removed.is_empty());
    assert!(
        added.iter().all(|l| l.contains("Size of your workforce")),
        "only the heading (and its contents line) changed: {added:?}"
    );
    assert!(
        removed
            .iter()
            .all(|l| l.contains("Workforce size") && !l.contains("against peers")),
        "{removed:?}"
    );
    assert_eq!(images_in(&plain), 0);
    assert_eq!(images_in(&ours), 1, "the logo is on the cover");
    // The data companion is keyed by ids: rewording changes none of it.
    assert_eq!(
        std::fs::read(dir.path().join("plain/data/P03.csv")).unwrap(),
        std::fs::read(dir.path().join("ours-out/data/P03.csv")).unwrap()
    );
}

#[test]
fn a_template_error_names_the_file_line_and_fails_only_the_reports_it_affects() {
    let dir = tempfile::tempdir().unwrap();
    Fixture::clean().write(&dir.path().join("2024"));
    let overlay = dir.path().join("ours");
    std::fs::create_dir_all(&overlay).unwrap();
    let la = shipped("la.typ").replace(
        "  key-messages(d),",
        "  key-messages(d),\n  section(\"Broken\", (d.figures.no_such_figure,)),",
    );
    std::fs::write(overlay.join("la.typ"), la).unwrap();
    let output = census_reports(
        &[
            "build",
            "--data",
            "2024",
            "--out",
            "out",
            "--templates",
            overlay.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(1));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/manifest.json")).unwrap())
            .unwrap();
    for entry in manifest["reports"].as_array().unwrap() {
        let failed = entry["status"] == "failed";
        assert_eq!(failed, entry["kind"] == "la", "{entry}");
        if failed {
            let error = entry["error"].as_str().unwrap();
            assert!(error.contains("la.typ:"), "{error}");
            assert!(error.contains("d.figures.no_such_figure"), "{error}");
        }
    }
}

/// Compiles a `template-data` folder with the typst CLI's Python binding (`pip install
/// typst==0.15.2`; `.ci/run` installs it), outside the program.
fn typst_compile(folder: &Path, kind: &str) -> PathBuf {
    typst_compile_as(folder, kind, "pdf")
}

/// As [`typst_compile`], to `format` (`pdf` or `html`).
fn typst_compile_as(folder: &Path, kind: &str, format: &str) -> PathBuf {
    let file = folder.join(format!("{kind}.{format}"));
    let script = format!(
        "import typst\ntypst.compile({input:?}, output={output:?}, root={root:?}, font_paths=[{fonts:?}], ignore_system_fonts=True, format={format:?}, pretty=True)\n",
        input = folder.join(format!("{kind}.typ")).to_str().unwrap(),
        output = file.to_str().unwrap(),
        root = folder.to_str().unwrap(),
        fonts = folder.join("fonts").to_str().unwrap(),
    );
    let out = Command::new("python3")
        .args(["-c", &script])
        .output()
        .expect("python3 with the typst package (pip install typst==0.15.2)");
    assert!(
        out.status.success(),
        "typst compile {kind}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    file
}

/// An HTML page with every `src` attribute emptied: the build puts each chart inside the
/// page, the typst command line leaves it beside it.
fn without_sources(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(at) = rest.find(" src=\"") {
        out.push_str(&rest[..at + 6]);
        rest = &rest[at + 6..];
        rest = &rest[rest.find('"').unwrap_or(0)..];
    }
    out.push_str(rest);
    out
}

/// `template-data --only ID --out FOLDER` on the fixture in `dir`.
fn template_data(dir: &Path, id: &str, folder: &Path) -> std::process::Output {
    census_reports(
        &[
            "template-data",
            "--data",
            "2024",
            "--only",
            id,
            "--out",
            folder.to_str().unwrap(),
        ],
        dir,
    )
}

#[test]
fn template_data_renders_with_the_typst_cli_as_the_build_does() {
    let dir = tempfile::tempdir().unwrap();
    Fixture::clean().write(&dir.path().join("2024"));
    build(dir.path(), "out", &[]);
    for (id, path) in ONE_OF_EACH {
        let folder = dir.path().join(format!("preview-{id}"));
        let output = template_data(dir.path(), id, &folder);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains("typst compile --root"), "{stdout}");
        let kind = path.split('/').next().unwrap().trim_end_matches(".pdf");
        let pdf = typst_compile(&folder, kind);
        assert_eq!(
            pdf_text(&pdf),
            pdf_text(&dir.path().join("out").join(path)),
            "{id}: the typst CLI and the build print the same text"
        );
        // The HTML edition too, from the same templates.
        assert!(stdout.contains("--format html"), "{stdout}");
        let html = std::fs::read_to_string(typst_compile_as(&folder, kind, "html")).unwrap();
        let manifest = common::manifest(&dir.path().join("out"));
        let entry = common::entry(&manifest, id);
        let built = std::fs::read_to_string(
            dir.path()
                .join("out")
                .join(entry["html_path"].as_str().unwrap()),
        )
        .unwrap();
        assert!(html.contains("src=\"charts/") && built.contains("src=\"data:image/svg+xml"));
        assert_eq!(
            without_sources(&html),
            without_sources(&built),
            "{id}: the typst CLI and the build make the same HTML"
        );
    }
}

#[test]
fn template_data_of_each_kind_matches_its_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    Fixture::clean().write(&dir.path().join("2024"));
    for (id, _) in ONE_OF_EACH {
        let folder = dir.path().join(id);
        let output = template_data(dir.path(), id, &folder);
        assert!(output.status.success());
        let data = std::fs::read_to_string(folder.join("data.json")).unwrap();
        let value: serde_json::Value = serde_json::from_str(&data).unwrap();
        assert_eq!(value["schema"], 1);
        insta::assert_snapshot!(format!("template_data_{id}"), data);
    }
}

#[test]
fn template_data_for_an_unknown_report_says_so() {
    let dir = tempfile::tempdir().unwrap();
    Fixture::clean().write(&dir.path().join("2024"));
    let output = census_reports(
        &[
            "template-data",
            "--data",
            "2024",
            "--only",
            "NOPE",
            "--out",
            "x",
        ],
        dir.path(),
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no report has the id 'NOPE'"), "{stderr}");
}

#[test]
fn a_template_only_change_reissues_with_one_change_row_per_report() {
    let dir = tempfile::tempdir().unwrap();
    Fixture::clean().write(&dir.path().join("2024"));
    build(dir.path(), "out", &["--kind", "provider"]);
    let overlay = dir.path().join("ours");
    std::fs::create_dir_all(&overlay).unwrap();
    std::fs::write(
        overlay.join("participant.typ"),
        shipped("participant.typ").replace("section(\"Caseloads\",", "section(\"Open cases\","),
    )
    .unwrap();
    build(
        dir.path(),
        "out",
        &[
            "--kind",
            "provider",
            "--templates",
            overlay.to_str().unwrap(),
            "--issue-date",
            "2025-02-01",
        ],
    );
    let changes = std::fs::read_to_string(dir.path().join("out/changes.csv")).unwrap();
    let rows: Vec<&str> = changes.lines().skip(1).collect();
    assert_eq!(rows.len(), common::PROVIDERS, "{changes}");
    assert!(
        rows.iter().all(|r| r.contains(",2,,,,")
            && r.contains("(wording or layout changed; no figure changed)")),
        "{changes}"
    );
    let text = pdf_text(&dir.path().join("out/provider/P01.pdf"));
    assert!(
        text.contains("Version 2, reissued 1 February 2025"),
        "{text}"
    );
    assert!(text.contains("Its figures are unchanged"), "{text}");
    assert!(text.contains("Open cases"));
}
