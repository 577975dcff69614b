//! `census-reports build` end to end on a small fixture census: one report of each kind,
//! text read back from the PDFs, hostile names printed literally, failures isolated, and
//! byte-identical output from two builds.

use crate::common;

use common::{census_reports, entry, manifest, walk, Fixture};
use std::path::{Path, PathBuf};
use std::process::Command;

fn pdf_text(path: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-layout", path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) is installed; .ci/run installs it");
    assert!(
        out.status.success(),
        "pdftotext failed on {}",
        path.display()
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn build(fixture: &Fixture, extra: &[&str]) -> (tempfile::TempDir, PathBuf, std::process::Output) {
    let dir = tempfile::tempdir().unwrap();
    fixture.write(&dir.path().join("2024"));
    let mut args = vec!["build", "--data", "2024", "--out", "out", "--jobs", "2"];
    args.extend_from_slice(extra);
    let output = census_reports(&args, dir.path());
    let out = dir.path().join("out");
    (dir, out, output)
}

#[test]
fn every_kind_of_report_builds_with_its_manifest_and_data_companion() {
    let (_dir, out, output) = build(&Fixture::clean(), &[]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let m = manifest(&out);
    for (id, path) in [
        ("P01", "provider/P01.pdf"),
        ("L01", "lero/L01.pdf"),
        ("E08000035", "la/E08000035.pdf"),
        ("london", "region/london.pdf"),
        ("england", "national.pdf"),
    ] {
        let e = entry(&m, id);
        assert_eq!(e["status"], "built", "{e}");
        assert_eq!(e["path"], path);
        assert_eq!(e["sha256"].as_str().unwrap().len(), 64);
        let bytes = std::fs::read(out.join(path)).unwrap();
        assert!(bytes.starts_with(b"%PDF"), "{path}");
        assert!(out.join(e["data_path"].as_str().unwrap()).exists());
    }
    let info = Command::new("pdfinfo")
        .arg(out.join("provider/P01.pdf"))
        .output()
        .unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.contains("Tagged:          yes"), "{info}");
    assert!(info.contains("Title:           Provider P01"), "{info}");
    assert!(info.contains("2024"), "{info}");
}

#[test]
fn a_provider_report_shows_its_own_figures_and_no_other_participant() {
    let (dir, out, output) = build(&Fixture::clean(), &["--only", "P03"]);
    assert_eq!(output.status.code(), Some(0));
    let text = pdf_text(&out.join("provider/P03.pdf"));
    assert!(text.contains("Provider P03"));
    // The headcount as the metrics export gives it.
    let metrics = census_reports(&["metrics", "--data", "2024", "--out", "m.csv"], dir.path());
    assert!(metrics.status.success());
    let csv = std::fs::read_to_string(dir.path().join("m.csv")).unwrap();
    let headcount = csv
        .lines()
        .find(|l| l.starts_with("2024,provider,P03,Provider P03,headcount,"))
        .and_then(|l| l.rsplit(',').next())
        .unwrap()
        .to_string();
    assert!(
        text.contains(&format!("{headcount} people")),
        "headcount {headcount} not in the report"
    );
    for other in (1..=common::PROVIDERS)
        .filter(|i| *i != 3)
        .map(|i| format!("Provider P{i:02}"))
    {
        assert!(!text.contains(&other), "{other} appears in P03's report");
    }
    for other in [
        "Recovery voices",
        "Leeds Council commissioning",
        "Wakefield Council commissioning",
    ] {
        assert!(!text.contains(other), "{other} appears in P03's report");
    }
    let companion = std::fs::read_to_string(out.join("data/P03.csv")).unwrap();
    assert!(companion.starts_with("table,row,column,value,caption,row_label,column_label"));
    assert!(
        companion.contains(
            "workforce_size,headcount,value,22,Workforce size against peers,Headcount,You"
        ),
        "{}",
        &companion[..400]
    );
    // Every peer's anonymous value is written once per build, not into each companion.
    assert!(!companion.contains("Peer values"));
    let peers = std::fs::read_to_string(out.join("peer-values.csv")).unwrap();
    assert!(peers.starts_with("peer_group,measure,position,value"));
    let headcounts: Vec<&str> = peers
        .lines()
        .filter(|l| l.starts_with("providers,Headcount,"))
        .collect();
    assert_eq!(
        headcounts.len(),
        common::PROVIDERS,
        "one value per provider"
    );
    assert!(
        headcounts.iter().any(|l| l.ends_with(",22")),
        "P03's own value is among them"
    );
}

#[test]
fn markup_in_a_name_prints_literally() {
    let hostile = r#"#read("/etc/passwd") ] $ \"#;
    let quoted = format!("\"{}\"", hostile.replace('"', "\"\""));
    let fixture = Fixture::clean().replace("organisations.csv", "Provider P04", &quoted);
    let (_dir, out, output) = build(&fixture, &["--only", "P04"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = pdf_text(&out.join("provider/P04.pdf"));
    assert!(text.contains(hostile), "the name is not printed literally");
    assert!(!text.contains("root:x:0:0"), "a file was read");
}

#[test]
fn a_failing_report_is_recorded_and_the_others_are_built() {
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("templates");
    std::fs::create_dir_all(&templates).unwrap();
    // Only the changed file: the rest comes from the shipped set.
    let lib = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("report-templates/lib.typ"),
    )
    .unwrap();
    let planted = lib.replace(
        "  cover(d, accent, confidentiality)",
        "  if meta.id == \"P02\" { panic(\"planted template failure\") }\n  cover(d, accent, confidentiality)",
    );
    assert_ne!(lib, planted);
    std::fs::write(templates.join("lib.typ"), planted).unwrap();
    let (_d, out, output) = build(
        &Fixture::clean(),
        &[
            "--templates",
            templates.to_str().unwrap(),
            "--kind",
            "provider",
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "a failed report makes the build exit 1"
    );
    let m = manifest(&out);
    let failed = entry(&m, "P02");
    assert_eq!(failed["status"], "failed");
    assert!(
        failed["error"]
            .as_str()
            .unwrap()
            .contains("planted template failure"),
        "{failed}"
    );
    assert!(
        failed["error"].as_str().unwrap().contains("lib.typ:"),
        "the error names the template line: {failed}"
    );
    assert!(!out.join("provider/P02.pdf").exists());
    for id in ["P01", "P03", "P10"] {
        assert_eq!(entry(&m, id)["status"], "built");
    }
}

#[test]
fn blocked_organisations_are_listed_not_built() {
    let fixture = Fixture::clean().replace("workforce.csv", "P03,nurse,2,2.0", "P03,nurse,2,3.2");
    let (_dir, out, output) = build(&fixture, &["--kind", "provider"]);
    assert_eq!(output.status.code(), Some(0));
    let m = manifest(&out);
    assert_eq!(entry(&m, "P03")["status"], "blocked");
    assert!(!out.join("provider/P03.pdf").exists());
    assert_eq!(entry(&m, "P01")["status"], "built");
}

#[test]
fn two_builds_are_byte_identical() {
    let (_a, out_a, _) = build(&Fixture::clean(), &[]);
    let (_b, out_b, _) = build(&Fixture::clean(), &[]);
    let mut files: Vec<PathBuf> = walk(&out_a)
        .into_iter()
        .map(|p| p.strip_prefix(&out_a).unwrap().to_path_buf())
        .collect();
    files.sort();
    assert!(files.len() > 20, "{files:?}");
    for file in files {
        assert!(
            std::fs::read(out_a.join(&file)).unwrap() == std::fs::read(out_b.join(&file)).unwrap(),
            "{} differs between builds",
            file.display()
        );
    }
}
