//! Rebuilding after validation fixes: the reports whose own figures changed are reissued
//! with a new version and a change log; the rest are left untouched (the revisions policy's
//! comparator drift is tested in revisions.rs).

use crate::common;

use common::{census_reports, walk, Fixture};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

fn build(dir: &Path, extra: &[&str]) -> String {
    let mut args = vec!["build", "--data", "2024", "--out", "out", "--jobs", "2"];
    args.extend_from_slice(extra);
    let out = census_reports(&args, dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn manifest(dir: &Path) -> BTreeMap<String, Value> {
    let m: Value =
        serde_json::from_slice(&std::fs::read(dir.join("out/manifest.json")).unwrap()).unwrap();
    m["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["id"].as_str().unwrap().to_string(), e.clone()))
        .collect()
}

/// (bytes, modification time) of every PDF, by manifest id.
fn pdfs(dir: &Path) -> BTreeMap<String, (Vec<u8>, SystemTime)> {
    manifest(dir)
        .into_iter()
        .filter(|(_, e)| e["status"] == "built")
        .map(|(id, e)| {
            let path = dir.join("out").join(e["path"].as_str().unwrap());
            (
                id,
                (
                    std::fs::read(&path).unwrap(),
                    std::fs::metadata(&path).unwrap().modified().unwrap(),
                ),
            )
        })
        .collect()
}

fn setup(fixture: &Fixture) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fixture.write(&dir.path().join("2024"));
    dir
}

#[test]
fn a_second_build_rebuilds_nothing_and_touches_nothing() {
    let dir = setup(&Fixture::clean());
    build(dir.path(), &[]);
    let before = pdfs(dir.path());
    let stdout = build(dir.path(), &[]);
    assert!(
        stdout.contains("nothing to rebuild"),
        "inputs unchanged: {stdout}"
    );
    assert_eq!(
        before,
        pdfs(dir.path()),
        "same bytes and same modification times"
    );
    // A selection is a subset of an up-to-date build: also nothing to do.
    let stdout = build(dir.path(), &["--kind", "provider"]);
    assert!(stdout.contains("nothing to rebuild"), "{stdout}");
    assert_eq!(before, pdfs(dir.path()));
}

#[test]
fn fixing_one_provider_reissues_exactly_the_reports_that_show_it() {
    let dir = setup(&Fixture::clean());
    build(dir.path(), &[]);
    let before = pdfs(dir.path());
    // P03's headcount goes from 20 to 23 drug and alcohol workers (and its demographics follow).
    Fixture::p03_corrected().write(&dir.path().join("2024"));
    let stdout = build(dir.path(), &["--issue-date", "2025-01-15"]);
    let after = pdfs(dir.path());
    let m = manifest(dir.path());
    let rebuilt: Vec<&String> = after
        .keys()
        .filter(|id| before[*id].0 != after[*id].0)
        .collect();
    // P03 serves Leeds (E08000035), in North East and Yorkshire.
    for id in ["P03", "E08000035", "north_east_and_yorkshire", "england"] {
        assert!(
            rebuilt.contains(&&id.to_string()),
            "{id} not rebuilt: {rebuilt:?}\n{stdout}"
        );
        assert_eq!(m[id]["version"], 2, "{id}");
        assert_eq!(m[id]["issued"], "2025-01-15");
    }
    // A report is reissued when its own figures change, or a comparator it prints (a rank,
    // a quartile, a peer median) changes materially (tests/it/revisions.rs). Reports that
    // print nothing that moved keep their bytes and their modification time.
    assert!(rebuilt.len() < after.len(), "not everything: {rebuilt:?}");
    let id = "L01";
    assert!(!rebuilt.contains(&&id.to_string()), "{id} was rebuilt");
    assert_eq!(before[id], after[id]);
    assert_eq!(m[id]["version"], 1);
    let changes = std::fs::read_to_string(dir.path().join("out/changes.csv")).unwrap();
    assert!(
        changes.starts_with("report_id,kind,version,table,row,column,figure,old_value,new_value")
    );
    // Each figure is listed once per report version, keyed by table id, row key and column
    // key, and only if it really changed.
    let mut reader = csv::Reader::from_reader(changes.as_bytes());
    let mut seen = std::collections::BTreeSet::new();
    for row in reader.records() {
        let row = row.unwrap();
        assert_ne!(&row[7], &row[8], "listed but unchanged: {row:?}");
        let key: Vec<String> = [0, 2, 3, 4, 5]
            .iter()
            .map(|i| row[*i].to_string())
            .collect();
        assert!(seen.insert(key), "listed twice: {row:?}");
        if &row[3] == "peer_distributions" {
            assert!(
                &row[4] == "la.headcount"
                    || row[4].ends_with(".leaver_rate")
                    || row[4].ends_with(".starter_rate"),
                "a peer distribution row is keyed by its peer group and measure: {row:?}"
            );
        }
    }
    assert!(
        changes.lines().any(
            |l| l.starts_with("P03,provider,2,workforce_size,headcount,value,")
                && l.ends_with(",22,25,yes,2")
        ),
        "{changes}"
    );
    let text = Command::new("pdftotext")
        .args([
            dir.path().join("out/provider/P03.pdf").to_str().unwrap(),
            "-",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("Version 2, reissued 15 January 2025"));
    assert!(text.contains("What changed in this version"));
}

#[test]
fn a_change_that_only_raises_a_query_elsewhere_rebuilds_nothing() {
    let dir = setup(&Fixture::clean());
    build(dir.path(), &[]);
    let before = pdfs(dir.path());
    // An extra column is a warning for the census team; no report shows it.
    Fixture::clean()
        .with_empty_column("service_areas.csv", "comment")
        .write(&dir.path().join("2024"));
    let stdout = build(dir.path(), &[]);
    assert!(stdout.contains("0 report(s) rebuilt"), "{stdout}");
    assert_eq!(before, pdfs(dir.path()));
}

#[test]
fn a_missing_or_altered_pdf_is_rebuilt_at_the_same_version() {
    let dir = setup(&Fixture::clean());
    build(dir.path(), &[]);
    let before = pdfs(dir.path());
    let p01 = dir.path().join("out/provider/P01.pdf");
    std::fs::write(&p01, b"%PDF-1.7 truncated").unwrap();
    std::fs::remove_file(dir.path().join("out/lero/L01.pdf")).unwrap();
    // What a power cut can leave behind: report files are not flushed one by one.
    std::fs::write(dir.path().join("out/data/P02.csv"), b"").unwrap();
    let stdout = build(dir.path(), &[]);
    assert!(
        stdout.contains("3 report(s) rebuilt (0 reissued"),
        "{stdout}"
    );
    assert!(
        std::fs::metadata(dir.path().join("out/data/P02.csv"))
            .unwrap()
            .len()
            > 0
    );
    let after = pdfs(dir.path());
    assert_eq!(before["P01"].0, after["P01"].0, "rebuilt byte for byte");
    assert_eq!(manifest(dir.path())["P01"]["version"], 1);
}

#[test]
fn force_and_only_rebuild_just_the_asked_reports_with_the_same_figures() {
    let dir = setup(&Fixture::clean());
    build(dir.path(), &[]);
    let before = pdfs(dir.path());
    let stdout = build(dir.path(), &["--only", "P05", "--force"]);
    assert!(stdout.contains("1 report(s) rebuilt"), "{stdout}");
    let after = pdfs(dir.path());
    assert_eq!(
        before["P05"].0, after["P05"].0,
        "same national and peer figures, same bytes"
    );
    assert_eq!(
        manifest(dir.path()).len(),
        before.len(),
        "the manifest keeps every other report"
    );
}

#[test]
fn an_interrupted_build_leaves_no_partial_file_and_the_next_build_finishes() {
    let dir = setup(&Fixture::clean());
    let mut child = Command::new(env!("CARGO_BIN_EXE_census-reports"))
        .args(["build", "--data", "2024", "--out", "out", "--jobs", "1"])
        .current_dir(dir.path())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(900));
    let _ = child.kill(); // SIGKILL on Unix: no clean-up runs
    let _ = child.wait();
    for pdf in walk(&dir.path().join("out"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
    {
        let bytes = std::fs::read(&pdf).unwrap();
        assert!(
            bytes.starts_with(b"%PDF") && bytes.windows(5).rev().take(64).any(|w| w == b"%%EOF"),
            "{} is truncated",
            pdf.display()
        );
    }
    build(dir.path(), &[]);
    let m = manifest(dir.path());
    assert!(m.values().all(|e| e["status"] == "built"));
    for e in m.values() {
        assert!(dir
            .path()
            .join("out")
            .join(e["path"].as_str().unwrap())
            .exists());
    }
    let leftovers: Vec<PathBuf> = walk(&dir.path().join("out"))
        .into_iter()
        .filter(|p| p.file_name().unwrap().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn shards_build_the_whole_plan_and_merge_into_one_manifest() {
    let whole = setup(&Fixture::clean());
    build(whole.path(), &[]);
    let sharded = setup(&Fixture::clean());
    for shard in ["1/3", "2/3", "3/3"] {
        build(sharded.path(), &["--shard", shard]);
    }
    let merged = census_reports(&["merge-manifests", "--out", "out"], sharded.path());
    assert!(
        merged.status.success(),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    let a = manifest(whole.path());
    let b = manifest(sharded.path());
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (id, entry) in &a {
        assert_eq!(entry["sha256"], b[id]["sha256"], "{id}");
    }
    let peers = |dir: &std::path::Path| std::fs::read(dir.join("out/peer-values.csv")).unwrap();
    assert_eq!(
        peers(whole.path()),
        peers(sharded.path()),
        "written once, by shard 1"
    );
}
