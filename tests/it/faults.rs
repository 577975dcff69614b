//! Nothing lost under faults: a failed file operation at any point of a reissue (ENOSPC,
//! EIO, or the process killed there), two builds into one folder, a stale lock, SIGTERM
//! midway, and an output path that cannot be written. After each, the next build must end
//! exactly where an uninterrupted build ends.

use crate::common;

use common::{census_reports, walk, Fixture};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ONLY: [&str; 6] = ["--only", "P03", "--only", "E08000035", "--only", "england"];

fn build_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["build", "--data", "2024", "--out", "out", "--jobs", "2"];
    args.extend_from_slice(extra);
    args
}

/// Every file below `root` (but the lock file), by relative path.
fn files_under(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walk(root)
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n != ".build.lock"))
        .map(|p| {
            (
                p.strip_prefix(root).unwrap().to_path_buf(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

/// Every file of the output folder `dir/out` but the batch index, whose run summary tells
/// what the last run did (a re-run after a fault did less than an uninterrupted build);
/// [`consistent`] checks the index against the manifest instead.
fn state(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    outputs(&dir.join("out"))
}

/// Every file of an output folder but its batch index (see [`state`]).
fn outputs(out: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = files_under(out);
    files.remove(Path::new("index.html"));
    files
}

fn fixed() -> Fixture {
    Fixture::clean().replace(
        "workforce.csv",
        "P03,drug_alcohol_worker,20,",
        "P03,drug_alcohol_worker,23,",
    )
}

/// A folder holding version 1 of three reports, with P03's figures then fixed in the data.
fn version_one(dir: &Path) {
    Fixture::clean().write(&dir.join("2024"));
    let out = census_reports(&build_args(&ONLY), dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    fixed().write(&dir.join("2024"));
}

fn copy_tree(from: &Path, to: &Path) {
    for file in walk(from) {
        let target = to.join(file.strip_prefix(from).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&file, &target).unwrap();
    }
}

/// Every built entry's files match the manifest's SHA-256.
fn consistent(dir: &Path) {
    let out = dir.join("out");
    common::editions_agree(&out);
    let manifest = common::manifest(&out);
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    for e in manifest["reports"].as_array().unwrap() {
        // The index lists the version the manifest records.
        let id = e["id"].as_str().unwrap();
        let row = index
            .split(&format!("data-id=\"{id}\""))
            .nth(1)
            .unwrap_or_else(|| panic!("{id} is missing from index.html"));
        let version = row.split("<td class=\"num\">").nth(1).unwrap_or_default();
        assert!(
            version.starts_with(&format!("{}</td>", e["version"])),
            "index.html disagrees with the manifest on {id}"
        );
    }
}

#[test]
fn a_fault_at_any_file_operation_of_a_reissue_ends_like_an_uninterrupted_build() {
    let base = tempfile::tempdir().unwrap();
    version_one(base.path());
    let reference = tempfile::tempdir().unwrap();
    copy_tree(base.path(), reference.path());
    let out = census_reports(&build_args(&ONLY), reference.path());
    assert!(out.status.success());
    let expected = state(reference.path());
    let changes = String::from_utf8_lossy(&expected[Path::new("changes.csv")]).to_string();
    assert!(changes.contains("P03,provider,2,"), "{changes}");
    assert!(expected.contains_key(Path::new("history/provider/P03/v2.pdf")));

    for kind in ["enospc", "eio", "abort"] {
        let mut reached_the_end = false;
        for n in 1..200 {
            let dir = tempfile::tempdir().unwrap();
            copy_tree(base.path(), dir.path());
            let fault = format!("{n}:{kind}");
            let faulted = Command::new(env!("CARGO_BIN_EXE_census-reports"))
                .args(build_args(&ONLY))
                .current_dir(dir.path())
                .env("CENSUS_REPORTS_FAULT", &fault)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&faulted.stderr);
            if faulted.status.success() && state(dir.path()) == expected {
                reached_the_end = true;
                break;
            }
            if kind != "abort" {
                assert_eq!(faulted.status.code(), Some(2), "{fault}: {stderr}");
                let cause = if kind == "enospc" {
                    "os error 28"
                } else {
                    "os error 5"
                };
                assert_eq!(
                    stderr.matches(cause).count(),
                    1,
                    "{fault}: the cause once: {stderr}"
                );
            }
            let again = census_reports(&build_args(&ONLY), dir.path());
            assert!(
                again.status.success(),
                "{fault}: {}",
                String::from_utf8_lossy(&again.stderr)
            );
            consistent(dir.path());
            let got = state(dir.path());
            let differing: Vec<&PathBuf> = expected
                .keys()
                .chain(got.keys())
                .filter(|k| expected.get(*k) != got.get(*k))
                .collect();
            assert!(
                differing.is_empty(),
                "{fault}: after the re-run these differ from an uninterrupted build: {differing:?}\n{}",
                String::from_utf8_lossy(&got[Path::new("changes.csv")])
            );
        }
        assert!(
            reached_the_end,
            "{kind}: the build has more than 200 file operations"
        );
    }
}

#[test]
fn two_builds_into_one_folder_do_not_run_at_once() {
    let dir = tempfile::tempdir().unwrap();
    Fixture::clean().write(&dir.path().join("2024"));
    let first_log = dir.path().join("first.log");
    let mut first = Command::new(env!("CARGO_BIN_EXE_census-reports"))
        .args(["build", "--data", "2024", "--out", "out", "--jobs", "1"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&first_log).unwrap())
        .spawn()
        .unwrap();
    let lock = dir.path().join("out/.build.lock");
    let started = Instant::now();
    while !std::fs::read_to_string(&lock).is_ok_and(|l| l.contains("pid")) {
        assert!(started.elapsed() < Duration::from_secs(20), "no lock taken");
        std::thread::sleep(Duration::from_millis(5));
    }
    let second = census_reports(
        &["build", "--data", "2024", "--out", "out", "--kind", "la"],
        dir.path(),
    );
    let still_running = first.try_wait().unwrap().is_none();
    let stderr = String::from_utf8_lossy(&second.stderr);
    if still_running {
        assert_eq!(second.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(&format!("pid {}", first.id())) && stderr.contains("started"),
            "names the holder: {stderr}"
        );
    }
    let waiting = census_reports(
        &[
            "build", "--data", "2024", "--out", "out", "--wait", "--force",
        ],
        dir.path(),
    );
    assert!(
        first.wait().unwrap().success(),
        "the first build failed: {}",
        std::fs::read_to_string(&first_log).unwrap_or_default()
    );
    assert!(
        waiting.status.success(),
        "{}",
        String::from_utf8_lossy(&waiting.stderr)
    );
    consistent(dir.path());
}

#[test]
fn a_lock_left_by_a_killed_build_is_taken_over() {
    let dir = tempfile::tempdir().unwrap();
    Fixture::clean().write(&dir.path().join("2024"));
    std::fs::create_dir_all(dir.path().join("out")).unwrap();
    std::fs::write(
        dir.path().join("out/.build.lock"),
        "build by pid 999999 on elsewhere, started 2026-01-01 00:00:00 UTC\n",
    )
    .unwrap();
    let out = census_reports(&build_args(&["--kind", "lero"]), dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = std::fs::read_to_string(dir.path().join("out/.build.lock")).unwrap();
    assert!(!line.contains("999999"), "{line}");
}

#[test]
fn sigterm_midway_leaves_a_consistent_folder_that_the_next_build_completes() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/2024");
    let args = |out: &str| -> Vec<String> {
        [
            "build",
            "--data",
            sample.to_str().unwrap(),
            "--out",
            out,
            "--kind",
            "lero",
            "--jobs",
            "1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let dir = tempfile::tempdir().unwrap();
    let reference = census_reports(
        &args("reference")
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        dir.path(),
    );
    assert!(reference.status.success());
    let child = Command::new(env!("CARGO_BIN_EXE_census-reports"))
        .args(args("out"))
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let kept = dir.path().join("out/history/lero");
    let started = Instant::now();
    while walk(&kept).len() < 3 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no report written"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("run the build again"), "{stderr}");
    consistent(dir.path());
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/manifest.json")).unwrap())
            .unwrap();
    let built = manifest["reports"].as_array().unwrap().len();
    assert!(built > 0 && built < 30, "{built} of 30 committed");

    let again = census_reports(
        &args("out").iter().map(String::as_str).collect::<Vec<_>>(),
        dir.path(),
    );
    assert!(again.status.success());
    consistent(dir.path());
    assert_eq!(
        outputs(&dir.path().join("out")),
        outputs(&dir.path().join("reference"))
    );
}

#[test]
fn an_output_path_that_is_a_file_is_one_clear_error_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    Fixture::clean().write(&dir.path().join("2024"));
    std::fs::write(dir.path().join("taken"), "not a folder").unwrap();
    let out = census_reports(
        &["build", "--data", "2024", "--out", "taken/2024"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("taken/2024") && stderr.contains("os error"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("taken")).unwrap(),
        "not a folder"
    );
}

#[test]
fn every_version_is_kept_and_the_change_log_can_be_rebuilt_from_them() {
    let dir = tempfile::tempdir().unwrap();
    version_one(dir.path());
    let out = census_reports(
        &build_args(&[&ONLY[..], &["--issue-date", "2025-01-15"]].concat()),
        dir.path(),
    );
    assert!(out.status.success());
    for v in [1, 2] {
        for ext in ["pdf", "csv", "json"] {
            assert!(dir
                .path()
                .join(format!("out/history/provider/P03/v{v}.{ext}"))
                .exists());
        }
    }
    let listed = census_reports(&["history", "P03", "--out", "out"], dir.path());
    let text = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.status.success(), "{text}");
    assert!(text.contains("version 1 issued 2024-11-28"), "{text}");
    assert!(text.contains("version 2 issued 2025-01-15"), "{text}");
    assert!(
        text.contains("Workforce size against peers: Headcount, You: 22 → 25"),
        "{text}"
    );

    let written = std::fs::read(dir.path().join("out/changes.csv")).unwrap();
    std::fs::remove_file(dir.path().join("out/changes.csv")).unwrap();
    let rebuilt = census_reports(
        &["history", "all", "--out", "out", "--rebuild-changes"],
        dir.path(),
    );
    assert!(rebuilt.status.success());
    assert_eq!(
        String::from_utf8_lossy(&std::fs::read(dir.path().join("out/changes.csv")).unwrap()),
        String::from_utf8_lossy(&written)
    );
}
