//! The revisions policy on the bundled sample (2022–2024 side by side): a small correction
//! reissues the reports whose own figures it changes, and the rest record the drift of their
//! comparators; drift adds up until it is material; a dry run writes nothing.

use crate::common::{census_reports, walk};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The bundled sample's census years, copied into a fresh folder.
fn sample() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    for year in ["2022", "2023", "2024"] {
        copy_dir(&root.join(year), &dir.path().join(year));
    }
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).unwrap();
        }
    }
}

/// Sets one workforce row's headcount in the 2024 return.
fn set_headcount(dir: &Path, org: &str, role: &str, headcount: u32) {
    let path = dir.join("2024/workforce.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let prefix = format!("{org},{role},");
    let mut found = false;
    let lines: Vec<String> = text
        .lines()
        .map(|line| match line.strip_prefix(&prefix) {
            Some(rest) => {
                found = true;
                let (_, tail) = rest.split_once(',').unwrap();
                format!("{prefix}{headcount},{tail}")
            }
            None => line.to_string(),
        })
        .collect();
    assert!(found, "no row {prefix}");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
}

fn build(dir: &Path, out: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "build", "--data", "2024", "--out", out, "--jobs", "2", "--format", "html",
    ];
    args.extend_from_slice(extra);
    let run = census_reports(&args, dir);
    assert!(
        run.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    String::from_utf8_lossy(&run.stdout).to_string()
}

/// SHA-256 of every file below `out`, by path.
fn hashes(out: &Path) -> BTreeMap<PathBuf, String> {
    walk(out)
        .into_iter()
        .map(|p| {
            let hash = crate::common::sha256_hex(&std::fs::read(&p).unwrap());
            (p, hash)
        })
        .collect()
}

/// The decisions a `--summary` file holds: id → (action, reason, why material).
fn decisions(path: &Path) -> BTreeMap<String, (String, String, String)> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                r[0].to_string(),
                (r[3].to_string(), r[4].to_string(), r[9].to_string()),
            )
        })
        .collect()
}

fn with_action<'a>(
    decisions: &'a BTreeMap<String, (String, String, String)>,
    action: &str,
) -> BTreeSet<&'a str> {
    decisions
        .iter()
        .filter(|(_, d)| d.0 == action)
        .map(|(id, _)| id.as_str())
        .collect()
}

/// The change log's rows as maps of column name → value.
fn change_rows(out: &Path) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(out.join("changes.csv")).unwrap();
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    reader
        .records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(str::to_string))
                .collect()
        })
        .collect()
}

/// P0090 serves one LA (E09000033, in London); its drug and alcohol worker headcount of 6
/// is corrected to 9, as in the issue that asked for the policy.
#[test]
fn one_providers_correction_reissues_what_it_changes_and_records_the_rest_as_drift() {
    let dir = sample();
    build(dir.path(), "out", &[]);
    let out = dir.path().join("out");
    copy_dir(&out, &dir.path().join("exact"));
    set_headcount(dir.path(), "P0090", "drug_alcohol_worker", 9);

    // A dry run decides everything and leaves every file as it was.
    let before = hashes(&out);
    let summary = dir.path().join("dry-run.csv");
    let dry = build(
        dir.path(),
        "out",
        &["--dry-run", "--summary", summary.to_str().unwrap()],
    );
    assert_eq!(before, hashes(&out), "a dry run wrote to the output folder");
    assert!(dry.contains("nothing was written"), "{dry}");
    let planned = decisions(&summary);
    // 554 reports, and one per ICB footprint of the sample's (synthetic) lookup.
    assert_eq!(planned.len(), 554 + 38, "one decision per report");

    let summary = dir.path().join("build.csv");
    let stdout = build(dir.path(), "out", &["--summary", summary.to_str().unwrap()]);
    let done = decisions(&summary);
    assert_eq!(planned, done, "the dry run said what the build did");
    let reissued = with_action(&done, "reissue");
    let drifted = with_action(&done, "drift");
    // The provider, the LA whose figures include it, the ICB footprint that LA lies in, its
    // region and England: own figures.
    for id in ["P0090", "E09000033", "E54900026", "london", "england"] {
        assert_eq!(done[id].1, "own figures", "{id}: {:?}\n{stdout}", done[id]);
    }
    // Anything else reissued moved a comparator materially, and says which and why.
    for id in &reissued {
        let (_, reason, why) = &done[*id];
        assert!(
            reason == "own figures" || (reason == "material comparator change" && !why.is_empty()),
            "{id}: {:?}",
            done[*id]
        );
    }
    assert!(
        reissued.len() <= 10,
        "a small correction reissues a handful: {reissued:?}"
    );
    assert!(
        drifted.len() > 200,
        "most reports only drift: {}",
        drifted.len()
    );
    assert!(
        stdout.contains(&format!("{} reissued", reissued.len())),
        "{stdout}"
    );

    // Kept reports keep their issued files and version; the manifest and the change log
    // say their comparators drifted.
    let after = hashes(&out);
    let m = crate::common::manifest(&out);
    assert_eq!(m["build"], 2);
    let rows = change_rows(&out);
    for id in &drifted {
        let e = crate::common::entry(&m, id);
        assert_eq!(e["version"], 1, "{id}");
        assert_eq!(e["checked_in_build"], 2, "{id}");
        assert!(e["drifted"].as_u64().unwrap() > 0, "{id}");
        let html = out.join(e["html_path"].as_str().unwrap());
        assert_eq!(before[&html], after[&html], "{id}'s issued file changed");
        assert!(
            rows.iter()
                .any(|r| r["report_id"] == *id && r["reissued"] == "no" && r["build"] == "2"),
            "{id} has no drift in changes.csv"
        );
    }
    let e = crate::common::entry(&m, "P0090");
    assert_eq!(e["version"], 2);
    assert!(rows.iter().any(|r| r["report_id"] == "P0090"
        && r["version"] == "2"
        && r["reissued"] == "yes"
        && r["old_value"] == "18"
        && r["new_value"] == "21"));
    // Each reissued report says why in its "What changed" section.
    let html = |id: &str| {
        let e = crate::common::entry(&m, id);
        std::fs::read_to_string(out.join(e["html_path"].as_str().unwrap())).unwrap()
    };
    assert!(html("E09000033").contains("It was reissued because figures of its own changed."));
    for id in reissued
        .iter()
        .filter(|id| done[**id].1 == "material comparator change")
    {
        assert!(
            html(id).contains("moved by more than the census's revisions policy treats as minor"),
            "{id}"
        );
    }
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains("Reports reissued in the last run, and why"));
    assert!(index.contains(&format!("{} kept as issued", drifted.len())));

    // `history` shows a kept report's drift.
    let (kept, _) = drifted.iter().next().map(|id| (*id, ())).unwrap();
    let history = census_reports(&["history", kept, "--out", "out"], dir.path());
    let history = String::from_utf8_lossy(&history.stdout);
    assert!(
        history.contains("build 2: comparators drifted, kept as issued (not reissued)"),
        "{history}"
    );
    assert!(history.contains("is kept as issued"), "{history}");

    // The exact rule: every report whose printed content changed, the policy's reissues
    // and its drifts together.
    let summary = dir.path().join("exact.csv");
    build(
        dir.path(),
        "exact",
        &["--reissue", "all", "--summary", summary.to_str().unwrap()],
    );
    let exact = decisions(&summary);
    let all: BTreeSet<&str> = with_action(&exact, "reissue");
    let union: BTreeSet<&str> = reissued.union(&drifted).copied().collect();
    assert_eq!(all, union);
    assert!(all.len() > 200, "{}", all.len());

    // `--reissue all` later reissues the kept reports with every change since their issue.
    build(dir.path(), "out", &["--reissue", "all"]);
    let m = crate::common::manifest(&out);
    for id in &drifted {
        assert_eq!(crate::common::entry(&m, id)["version"], 2, "{id}");
    }
}

/// Three corrections to one London provider each move the comparators of the South West's
/// report a little; the third takes a comparator past the policy, and the report is
/// reissued with everything that moved since version 1.
#[test]
fn drift_adds_up_until_it_is_material_and_the_reissue_lists_every_change_since_issue() {
    let dir = sample();
    let regions = ["--kind", "region", "--kind", "national"];
    build(dir.path(), "out", &regions);
    let out = dir.path().join("out");
    let issued = std::fs::read(out.join("history/region/south_west/v1.csv")).unwrap();
    let mut drift_values = Vec::new();
    for (fix, headcount) in [28, 50, 72].into_iter().enumerate() {
        set_headcount(dir.path(), "P0090", "drug_alcohol_worker", headcount);
        build(dir.path(), "out", &regions);
        let m = crate::common::manifest(&out);
        let e = crate::common::entry(&m, "south_west");
        let rows = change_rows(&out);
        let drift: Vec<&BTreeMap<String, String>> = rows
            .iter()
            .filter(|r| r["report_id"] == "south_west" && r["reissued"] == "no")
            .collect();
        if fix < 2 {
            assert_eq!(e["version"], 1, "fix {}: kept", fix + 1);
            assert!(e["drifted"].as_u64().unwrap() > 0);
            // The England headcount printed beside the region's own, as issued and now.
            let england = drift
                .iter()
                .find(|r| {
                    r["table"] == "headlines"
                        && r["row"] == "headcount"
                        && r["column"] == "england"
                        && r["build"] == (fix + 2).to_string()
                })
                .unwrap_or_else(|| panic!("fix {}: {drift:?}", fix + 1));
            assert_eq!(
                england["old_value"], "19,103",
                "measured from the issued value"
            );
            drift_values.push(england["new_value"].clone());
        } else {
            assert_eq!(e["version"], 2, "fix 3: material, so reissued");
            let reissue: Vec<&BTreeMap<String, String>> = rows
                .iter()
                .filter(|r| r["report_id"] == "south_west" && r["reissued"] == "yes")
                .collect();
            let england = reissue
                .iter()
                .find(|r| r["table"] == "headlines" && r["column"] == "england")
                .expect("the England headcount is in the reissue's change record");
            assert_eq!(england["old_value"], "19,103");
            assert_eq!(england["new_value"], "19,169");
            // Every figure recorded as drift while version 1 was kept is in the reissue's
            // record, from its issued value.
            for d in &drift {
                assert!(
                    reissue.iter().any(|r| r["table"] == d["table"]
                        && r["row"] == d["row"]
                        && r["column"] == d["column"]
                        && r["old_value"] == d["old_value"]),
                    "{d:?} missing from the reissue"
                );
            }
            // The drift record stays.
            assert_eq!(drift_values, ["19,125", "19,147"]);
            assert!(drift.iter().any(|r| r["build"] == "2"));
            assert!(drift.iter().any(|r| r["build"] == "3"));
        }
    }
    // Version 1 is kept as issued, byte for byte.
    assert_eq!(
        issued,
        std::fs::read(out.join("history/region/south_west/v1.csv")).unwrap()
    );
}

/// A kept report whose live file was deleted gets it back from its kept version, still as
/// issued; when the kept copy is lost too, it is reissued and says why.
#[test]
fn a_kept_report_is_restored_from_its_kept_version_or_reissued_when_that_is_lost() {
    let dir = sample();
    let selection = ["--kind", "region"];
    build(dir.path(), "out", &selection);
    let out = dir.path().join("out");
    let m = crate::common::manifest(&out);
    let issued_html = out.join(
        crate::common::entry(&m, "south_west")["html_path"]
            .as_str()
            .unwrap(),
    );
    let issued = std::fs::read(&issued_html).unwrap();
    set_headcount(dir.path(), "P0090", "drug_alcohol_worker", 28);
    std::fs::remove_file(&issued_html).unwrap();
    let summary = dir.path().join("s.csv");
    build(
        dir.path(),
        "out",
        &[&selection[..], &["--summary", summary.to_str().unwrap()]].concat(),
    );
    assert_eq!(decisions(&summary)["south_west"].0, "drift");
    assert_eq!(
        std::fs::read(&issued_html).unwrap(),
        issued,
        "restored as issued"
    );

    std::fs::remove_file(&issued_html).unwrap();
    std::fs::remove_file(out.join("history/region/south_west/v1.html")).unwrap();
    set_headcount(dir.path(), "P0090", "drug_alcohol_worker", 29);
    build(
        dir.path(),
        "out",
        &[&selection[..], &["--summary", summary.to_str().unwrap()]].concat(),
    );
    let d = &decisions(&summary)["south_west"];
    assert_eq!(
        (d.0.as_str(), d.1.as_str()),
        ("reissue", "issued files missing")
    );
    let m = crate::common::manifest(&out);
    assert_eq!(crate::common::entry(&m, "south_west")["version"], 2);
}

#[test]
fn a_broken_policy_file_stops_the_build_with_its_name_before_anything_is_written() {
    let dir = sample();
    std::fs::write(
        dir.path().join("policy.toml"),
        "[comparators]\nrate_points = \"half\"\n",
    )
    .unwrap();
    let run = census_reports(
        &[
            "build",
            "--data",
            "2024",
            "--out",
            "out",
            "--revisions",
            "policy.toml",
        ],
        dir.path(),
    );
    assert!(!run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("policy.toml"), "{err}");
    assert!(!dir.path().join("out/manifest.json").exists());
}

/// The policy under `--shard`: two shards and `merge-manifests` decide and record what one
/// whole-folder build does.
#[test]
fn shards_keep_and_reissue_what_a_whole_build_does() {
    use crate::common::Fixture;
    // Ten providers: any correction moves medians and ranks a long way, so a looser policy
    // (one that the file sets) gives kept reports to compare.
    let policy = "[comparators]\nrate_points = 5.0\nrelative_percent = 50\nlast_digit_steps = 2\nrank_places = 20\nquartile_change = false\n";
    let run = |dir: &Path, args: &[&str]| {
        std::fs::write(dir.join("policy.toml"), policy).unwrap();
        let mut all = vec![
            "build",
            "--data",
            "2024",
            "--out",
            "out",
            "--format",
            "html",
            "--revisions",
            "policy.toml",
        ];
        all.extend_from_slice(args);
        let out = census_reports(&all, dir);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let whole = tempfile::tempdir().unwrap();
    let sharded = tempfile::tempdir().unwrap();
    for dir in [whole.path(), sharded.path()] {
        Fixture::clean().write(&dir.join("2024"));
        run(dir, &[]);
        Fixture::p03_corrected().write(&dir.join("2024"));
    }
    run(whole.path(), &[]);
    for shard in ["1/2", "2/2"] {
        run(sharded.path(), &["--shard", shard]);
    }
    let merged = census_reports(&["merge-manifests", "--out", "out"], sharded.path());
    assert!(merged.status.success());
    let state = |dir: &Path| {
        let m = crate::common::manifest(&dir.join("out"));
        let entries: Vec<String> = m["reports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                format!(
                    "{} v{} checked {} drifted {}",
                    e["id"], e["version"], e["checked_in_build"], e["drifted"]
                )
            })
            .collect();
        let changes = std::fs::read_to_string(dir.join("out/changes.csv")).unwrap();
        (entries, changes, m["build"].clone())
    };
    let (a, b) = (state(whole.path()), state(sharded.path()));
    assert_eq!(a.0, b.0);
    assert_eq!(a.2, b.2);
    let (x, y): (BTreeSet<&str>, BTreeSet<&str>) = (a.1.lines().collect(), b.1.lines().collect());
    assert_eq!(
        x.difference(&y).collect::<Vec<_>>(),
        y.difference(&x).collect::<Vec<_>>()
    );
    assert!(a.1.contains(",no,2\n"), "some reports drift: {}", a.1);
}

/// A folder built before the policy has no own fingerprints: a build that finds a report
/// unchanged records them, so the policy applies to it from then on.
#[test]
fn reports_issued_before_the_policy_get_their_fingerprints_when_next_checked() {
    use crate::common::Fixture;
    let dir = tempfile::tempdir().unwrap();
    Fixture::clean().write(&dir.path().join("2024"));
    let build = |dir: &Path| {
        let out = census_reports(
            &[
                "build", "--data", "2024", "--out", "out", "--format", "html",
            ],
            dir,
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    build(dir.path());
    let path = dir.path().join("out/manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    for e in m["reports"].as_array_mut().unwrap() {
        let e = e.as_object_mut().unwrap();
        e.remove("own_fingerprint");
        e.remove("layout_fingerprint");
    }
    std::fs::write(&path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    // An input no report shows (a comment column) changes: every report is checked, none
    // changed.
    Fixture::clean()
        .with_empty_column("service_areas.csv", "comment")
        .write(&dir.path().join("2024"));
    build(dir.path());
    let m = crate::common::manifest(&dir.path().join("out"));
    for e in m["reports"].as_array().unwrap() {
        assert_eq!(e["version"], 1, "{}", e["id"]);
        assert_eq!(
            e["own_fingerprint"].as_str().unwrap().len(),
            64,
            "{}",
            e["id"]
        );
        assert_eq!(
            e["layout_fingerprint"].as_str().unwrap().len(),
            64,
            "{}",
            e["id"]
        );
    }
}

/// Adds `delta` to one column of an organisation's first 2024 workforce row.
fn add_to_first_row(dir: &Path, org: &str, column: &str, delta: i64) {
    let path = dir.join("2024/workforce.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let at = header.iter().position(|h| *h == column).unwrap();
    let mut done = false;
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            if done || !line.starts_with(&format!("{org},")) {
                return line.to_string();
            }
            done = true;
            let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
            cells[at] = (cells[at].parse::<i64>().unwrap() + delta).to_string();
            cells.join(",")
        })
        .collect();
    assert!(done, "no row of {org}");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
}

/// A small provider's correction that moves the lowest or highest value of a peer group
/// (one organisation's value, printed in every provider's report) reissues the provider,
/// its LA, its region and England, and a handful more: not every provider (369 of 554
/// before the lowest and highest were made immaterial).
#[test]
fn a_small_providers_turnover_correction_reissues_a_handful_not_every_provider() {
    let dir = sample();
    build(dir.path(), "out", &[]);
    // P0080 (10 people, 1 leaver; serves E06000062 in the Midlands) to 3 leavers: the
    // providers' highest leaver rate moves from 25.0% to 30.0%. P0102 (11 people, 3
    // starters; E06000037, South East) to 5 starters: the highest starter rate moves.
    for (org, column, la, region) in [
        ("P0080", "leavers_12m", "E06000062", "midlands"),
        ("P0102", "starters_12m", "E06000037", "south_east"),
    ] {
        add_to_first_row(dir.path(), org, column, 2);
        let policy = dir.path().join(format!("{org}-policy.csv"));
        let all = dir.path().join(format!("{org}-all.csv"));
        let dry = build(
            dir.path(),
            "out",
            &["--dry-run", "--summary", policy.to_str().unwrap()],
        );
        build(
            dir.path(),
            "out",
            &[
                "--dry-run",
                "--reissue",
                "all",
                "--summary",
                all.to_str().unwrap(),
            ],
        );
        let deciding: BTreeMap<String, String> = csv::Reader::from_path(&policy)
            .unwrap()
            .records()
            .map(|r| {
                let r = r.unwrap();
                (r[0].to_string(), r[6].to_string())
            })
            .collect();
        let (policy, all) = (decisions(&policy), decisions(&all));
        let reissued = with_action(&policy, "reissue");
        for id in [org, la, region, "england"] {
            assert!(reissued.contains(id), "{org}: {id} is not reissued\n{dry}");
        }
        assert!(
            reissued.len() <= 20,
            "{org}: {} reissued: {reissued:?}",
            reissued.len()
        );
        // Every other reissue is for a figure that matters: the report's own, or a
        // comparator beyond the policy, never the lowest or highest of a peer group.
        for id in &reissued {
            let (_, reason, why) = &policy[*id];
            let figure = &deciding[*id];
            assert!(
                !figure.contains("Highest") && !figure.contains("Lowest"),
                "{id}: {reason}: {figure} ({why})"
            );
        }
        let exact = with_action(&all, "reissue");
        assert!(
            exact.len() > reissued.len() + 100,
            "{org}: --reissue all reissues {}, the policy {}",
            exact.len(),
            reissued.len()
        );
        eprintln!(
            "{org} {column} +2: {} reissued under the policy, {} with --reissue all",
            reissued.len(),
            exact.len()
        );
        // Undo it before the next organisation's correction.
        add_to_first_row(dir.path(), org, column, -2);
    }
}

/// Re-saving every CSV with Windows line ends changes no figure and no query's line, so
/// it reissues nothing.
#[test]
fn re_saving_the_files_with_crlf_line_ends_reissues_nothing() {
    let dir = sample();
    build(dir.path(), "out", &[]);
    for entry in std::fs::read_dir(dir.path().join("2024"))
        .unwrap()
        .flatten()
    {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "csv") {
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::write(&path, text.replace('\n', "\r\n")).unwrap();
        }
    }
    let summary = dir.path().join("crlf.csv");
    let dry = build(
        dir.path(),
        "out",
        &["--dry-run", "--summary", summary.to_str().unwrap()],
    );
    let decided = decisions(&summary);
    assert!(
        with_action(&decided, "reissue").is_empty(),
        "re-saving with CRLF reissued: {dry}"
    );
}
