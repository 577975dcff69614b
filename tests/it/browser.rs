//! The HTML edition and the batch index in a real browser: axe-core finds no violation of
//! the WCAG 2.1 A and AA rules in one report of each kind (an ICB's included) and in the index; the national
//! report and the index reflow at 320 px and 1280 px without horizontal scrolling; the
//! index's filters and search narrow the list as they should; hostile names stay text.
//!
//! Needs Debian's Chromium (`/usr/bin/chromium`, or set CHROMIUM) and Node.js; the npm
//! packages pinned in tests/browser/package-lock.json are installed with `npm ci` when they
//! are missing. `.ci/run` installs all of them.

use crate::common;

use common::{census_reports, Fixture};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

const HOSTILE: &str = r#"<script>alert(1)</script>" onmouseover="alert(2)"#;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Installs the pinned npm packages once, when they are missing.
fn npm_packages(browser: &Path) {
    static INSTALL: Mutex<()> = Mutex::new(());
    let _once = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    let present = |p: &str| {
        browser
            .join("node_modules")
            .join(p)
            .join("package.json")
            .exists()
    };
    if present("puppeteer-core") && present("axe-core") {
        return;
    }
    let out = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(browser)
        .output()
        .expect("run npm (Node.js 18 or later) to install the browser tests' packages");
    assert!(
        out.status.success(),
        "npm ci in tests/browser failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs tests/browser/check.mjs over `spec` and returns what it found.
fn check_in_browser(dir: &Path, spec: &Value) -> Value {
    let browser = root().join("tests/browser");
    npm_packages(&browser);
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "the browser tests need Chromium at {chromium} (Debian: apt-get install chromium)"
    );
    let spec_path = dir.join("spec.json");
    std::fs::write(&spec_path, serde_json::to_vec(spec).unwrap()).unwrap();
    let out = Command::new("node")
        .arg(browser.join("check.mjs"))
        .arg(&spec_path)
        .env("CHROMIUM", &chromium)
        .output()
        .expect("run node (Node.js 18 or later)");
    assert!(
        out.status.success(),
        "check.mjs failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("check.mjs prints JSON")
}

fn build(args: &[&str], cwd: &Path) {
    let out = census_reports(args, cwd);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn path_str(path: &Path) -> String {
    path.to_str().unwrap().to_string()
}

fn assert_no_violations(result: &Value, file: &str) {
    let axe = &result["axe"][file];
    let violations = axe["violations"].as_array().expect("axe ran on the file");
    assert!(
        violations.is_empty(),
        "{file}: axe found WCAG 2.1 A/AA violations:\n{}",
        serde_json::to_string_pretty(violations).unwrap()
    );
    assert!(
        axe["passes"].as_array().unwrap().len() >= 10,
        "{file}: axe checked too little: {axe}"
    );
}

fn assert_reflows(result: &Value, file: &str) {
    for width in [320, 1280] {
        let r = &result["reflow"][format!("{file}@{width}")];
        let (scroll, client) = (r["scrollWidth"].as_u64(), r["clientWidth"].as_u64());
        assert!(
            scroll.is_some() && scroll <= client,
            "{file} scrolls sideways at {width} px: {r}"
        );
        assert_eq!(client, Some(width));
    }
}

#[test]
fn every_kind_of_report_and_the_index_pass_axe_and_reflow() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let data = root().join("sample-data/2024");
    let mut args = vec!["build", "--data", data.to_str().unwrap()];
    args.extend(["--out", out.to_str().unwrap(), "--jobs", "2"]);
    // Derby's report names a provider that did not return (its caveat and returns table).
    // E54900015's footprint splits Stoke-on-Trent with another (the sample's synthetic lookup).
    for id in [
        "P0001",
        "L0001",
        "E06000015",
        "E54900015",
        "london",
        "england",
    ] {
        args.extend(["--only", id]);
    }
    build(&args, dir.path());
    let reports: Vec<String> = [
        "html/provider/P0001.html",
        "html/lero/L0001.html",
        "html/la/E06000015.html",
        "html/icb/E54900015.html",
        "html/region/london.html",
        "html/national.html",
    ]
    .iter()
    .map(|p| path_str(&out.join(p)))
    .collect();
    let index = path_str(&out.join("index.html"));
    // The index gives the imputed share of the estimate by region, and filters ICB reports.
    let page = std::fs::read_to_string(&index).unwrap();
    assert!(page.contains("<caption>Imputed share of estimated WTE by region</caption>"));
    assert!(page.contains("<option value=\"icb\">Integrated care board report</option>"));
    let mut axe = reports.clone();
    axe.push(index.clone());
    let national = path_str(&out.join("html/national.html"));
    let result = check_in_browser(
        dir.path(),
        &serde_json::json!({ "axe": axe, "reflow": [national, index] }),
    );
    for file in &axe {
        assert_no_violations(&result, file);
        let dom = &result["dom"][file];
        assert_eq!(dom["h1"], 1, "{file}: one <h1>");
        assert_eq!(dom["lang"], "en-GB", "{file}");
        assert!(!dom["title"].as_str().unwrap_or_default().is_empty());
    }
    for file in &reports {
        assert_eq!(
            result["dom"][file]["scripts"], 0,
            "{file}: a report runs no script"
        );
    }
    assert_reflows(&result, &national);
    assert_reflows(&result, &index);
}

#[test]
fn the_index_filters_and_searches_and_hostile_names_stay_text() {
    let dir = tempfile::tempdir().unwrap();
    Fixture::clean()
        .replace(
            "organisations.csv",
            "P10,Provider P10,",
            &format!("P10,\"{}\",", HOSTILE.replace('"', "\"\"")),
        )
        .write(&dir.path().join("2024"));
    build(
        &["build", "--data", "2024", "--out", "out", "--jobs", "2"],
        dir.path(),
    );
    let out = dir.path().join("out");
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let entries = manifest["reports"].as_array().unwrap();
    let ids = |keep: &dyn Fn(&Value) -> bool| -> BTreeSet<String> {
        entries
            .iter()
            .filter(|e| keep(e))
            .map(|e| e["id"].as_str().unwrap().to_string())
            .collect()
    };
    let las = ids(&|e| e["kind"] == "la");
    let london = ids(&|e| e["region"] == "London");
    let leeds = ids(&|e| {
        let text = format!("{} {}", e["title"], e["id"]).to_lowercase();
        text.contains("leeds")
    });
    let london_las = las.intersection(&london).cloned().collect::<BTreeSet<_>>();
    assert!(las.len() == 3 && !london.is_empty() && !leeds.is_empty() && london_las.len() == 1);

    let hostile = path_str(&out.join("html/provider/P10.html"));
    let index = path_str(&out.join("index.html"));
    let result = check_in_browser(
        dir.path(),
        &serde_json::json!({
            "axe": [hostile, index],
            "index": { "file": index, "filters": [
                { "kind": "la", "region": "", "search": "" },
                { "kind": "", "region": "London", "search": "" },
                { "kind": "la", "region": "London", "search": "" },
                { "kind": "", "region": "", "search": "LEEDS" },
                { "kind": "", "region": "", "search": "no such report" },
                { "kind": "", "region": "", "search": "" },
            ]},
        }),
    );
    let filters = result["filters"].as_array().unwrap();
    let visible = |i: usize| -> BTreeSet<String> {
        filters[i]["visible"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(visible(0), las);
    assert_eq!(visible(1), london);
    assert_eq!(visible(2), london_las);
    assert_eq!(visible(3), leeds);
    assert!(visible(4).is_empty());
    assert_eq!(visible(5).len(), entries.len());
    assert_eq!(
        filters[2]["status"],
        format!("1 of {} reports shown.", entries.len())
    );

    // The hostile name is text in the report and in the index: no script, no handler ran.
    for file in [&hostile, &index] {
        assert_no_violations(&result, file);
        let dom = &result["dom"][file];
        assert_eq!(dom["handlers"], 0, "{file}: {dom}");
        assert_eq!(dom["dialogs"].as_array().map(Vec::len), Some(0), "{file}");
    }
    assert_eq!(result["dom"][&hostile]["scripts"], 0);
    // The index's one script is its own filter.
    assert_eq!(result["dom"][&index]["scripts"], 1);
    assert!(result["dom"][&hostile]["title"]
        .as_str()
        .unwrap()
        .starts_with(HOSTILE));
}
