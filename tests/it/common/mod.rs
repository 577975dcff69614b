//! A small, valid census folder built in code, which each test bends to break one rule.
#![allow(dead_code)]

pub mod hostile_workbooks;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Fixture {
    pub files: BTreeMap<String, String>,
}

/// Ten providers so that peer rules (caseload outliers) have enough peers.
pub const PROVIDERS: usize = 10;

impl Fixture {
    /// A clean census: 3 LAs, 2 commissioners, 10 providers (P01 split across two LAs),
    /// 1 LERO. Every rule passes.
    pub fn clean() -> Fixture {
        let mut files = BTreeMap::new();
        files.insert(
            "census.toml".into(),
            "year = 2024\nsnapshot_date = \"2024-03-31\"\npublished = \"2024-11-28\"\ntitle = \"Test census 2024\"\n".into(),
        );
        files.insert(
            "local_authorities.csv".into(),
            "la_code,la_name,nhs_region,population_18plus,adults_in_treatment,young_people_in_treatment\n\
             E08000035,Leeds,North East and Yorkshire,640000,4000,150\n\
             E08000036,Wakefield,North East and Yorkshire,280000,1800,60\n\
             E09000001,City of London,London,8600,40,2\n"
                .into(),
        );
        let mut orgs = String::from(
            "org_id,org_name,org_type,sector,nhs_region,la_code,services,volunteers_headcount\n",
        );
        let mut areas = String::from("org_id,la_code,wte_share\n");
        let mut workforce = String::from("org_id,role,headcount,wte_in_post,wte_vacant,wte_agency,leavers_12m,starters_12m,caseload\n");
        let mut demographics = String::from("org_id,dimension,category,headcount\n");
        orgs.push_str("C01,Leeds Council commissioning,commissioner,local_authority,North East and Yorkshire,E08000035,,0\n");
        orgs.push_str("C02,Wakefield Council commissioning,commissioner,local_authority,North East and Yorkshire,E08000036,,0\n");
        workforce.push_str("C01,commissioner,3,2.5,0.5,0,1,1,\n");
        workforce.push_str("C02,commissioner,2,2.0,0,0,0,0,\n");
        let mut people = vec![("C01", 3), ("C02", 2)];
        let ids: Vec<String> = (1..=PROVIDERS).map(|i| format!("P{i:02}")).collect();
        for (i, id) in ids.iter().enumerate() {
            orgs.push_str(&format!("{id},Provider {id},provider,voluntary,North East and Yorkshire,E08000035,adult_community;criminal_justice,2\n"));
            if i == 0 {
                areas.push_str(&format!("{id},E08000035,0.6\n{id},E08000036,0.4\n"));
            } else {
                areas.push_str(&format!("{id},E0800003{},1\n", 5 + i % 2));
            }
            let wte = 8.0 + i as f64;
            let caseload = (wte * (40.0 + i as f64)).round();
            workforce.push_str(&format!(
                "{id},drug_alcohol_worker,20,{wte:.1},1.0,0,2,3,{caseload}\n"
            ));
            workforce.push_str(&format!("{id},nurse,2,2.0,0,0,0,1,\n"));
        }
        orgs.push_str("L01,Recovery voices,lero,voluntary,London,,recovery_support,12\n");
        areas.push_str("L01,E09000001,1\n");
        workforce.push_str("L01,peer_support_worker,4,3.0,0,0,1,1,\n");
        people.push(("L01", 4));
        for id in &ids {
            demographics_for(&mut demographics, id, 22);
        }
        for (id, n) in people {
            demographics_for(&mut demographics, id, n);
        }
        files.insert("organisations.csv".into(), orgs);
        files.insert("service_areas.csv".into(), areas);
        files.insert("workforce.csv".into(), workforce);
        files.insert("demographics.csv".into(), demographics);
        files.insert(
            "expansion_plans.csv".into(),
            "la_code,category,year,planned_fte\nE08000035,drug_alcohol_workers,2021-22,40.0\nE08000035,drug_alcohol_workers,2023-24,45.25\n".into(),
        );
        Fixture { files }
    }

    /// Replaces the first occurrence of `from` in `file`; panics if it is absent so a test
    /// cannot silently stop breaking what it means to break.
    pub fn replace(mut self, file: &str, from: &str, to: &str) -> Fixture {
        let text = self.files.get_mut(file).expect("fixture file");
        assert!(text.contains(from), "{file} has no {from:?}");
        *text = text.replacen(from, to, 1);
        self
    }

    pub fn append(mut self, file: &str, line: &str) -> Fixture {
        self.files
            .get_mut(file)
            .expect("fixture file")
            .push_str(line);
        self
    }

    /// The clean fixture with one correction: P03's drug and alcohol worker headcount goes
    /// from 20 to 23, and its demographics follow.
    pub fn p03_corrected() -> Fixture {
        Fixture::clean()
            .replace(
                "workforce.csv",
                "P03,drug_alcohol_worker,20,",
                "P03,drug_alcohol_worker,23,",
            )
            .replace(
                "demographics.csv",
                "P03,age_band,35_44,22",
                "P03,age_band,35_44,25",
            )
    }

    /// Adds an empty column `name` to every line of `file` (a column no report reads: a
    /// warning for the census team, and no figure changes).
    pub fn with_empty_column(mut self, file: &str, name: &str) -> Fixture {
        let text = self.files.get_mut(file).expect("fixture file");
        *text = text
            .lines()
            .enumerate()
            .map(|(i, l)| {
                if i == 0 {
                    format!("{l},{name}\n")
                } else {
                    format!("{l},\n")
                }
            })
            .collect();
        self
    }

    pub fn set(mut self, file: &str, text: &str) -> Fixture {
        self.files.insert(file.into(), text.into());
        self
    }

    pub fn set_bytes(self, dir: &Path, file: &str, bytes: &[u8]) {
        std::fs::write(dir.join(file), bytes).expect("write fixture");
    }

    pub fn remove(mut self, file: &str) -> Fixture {
        self.files.remove(file);
        self
    }

    pub fn write(&self, dir: &Path) -> PathBuf {
        std::fs::create_dir_all(dir).expect("fixture dir");
        for (name, text) in &self.files {
            std::fs::write(dir.join(name), text).expect("write fixture");
        }
        dir.to_path_buf()
    }

    /// The 1-based line of the first line of `file` containing `needle` (header = 1).
    pub fn line_of(&self, file: &str, needle: &str) -> usize {
        self.files[file]
            .lines()
            .position(|l| l.contains(needle))
            .map(|i| i + 1)
            .unwrap_or_else(|| panic!("{file} has no line with {needle:?}"))
    }
}

fn demographics_for(out: &mut String, id: &str, n: u32) {
    let f = n / 2;
    out.push_str(&format!(
        "{id},gender,female,{f}\n{id},gender,male,{}\n",
        n - f
    ));
    out.push_str(&format!("{id},age_band,35_44,{n}\n"));
    out.push_str(&format!(
        "{id},ethnicity,white,{}\n{id},ethnicity,not_known,1\n",
        n - 1
    ));
    out.push_str(&format!("{id},disability,no,{n}\n"));
    out.push_str(&format!(
        "{id},lived_experience,yes,{f}\n{id},lived_experience,not_known,{}\n",
        n - f
    ));
    // Three in four permanent, all full time, a quarter in post under a year.
    let q = n / 4;
    out.push_str(&format!(
        "{id},contract,permanent,{}\n{id},contract,fixed_term,{q}\n",
        n - q
    ));
    out.push_str(&format!("{id},working_pattern,full_time,{n}\n"));
    out.push_str(&format!(
        "{id},length_of_service,under_1_year,{q}\n{id},length_of_service,2_to_5_years,{}\n",
        n - q
    ));
}

/// Runs the real binary in `cwd`.
pub fn census_reports(args: &[&str], cwd: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_census-reports"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run census-reports")
}

/// Every file below `dir`.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// The manifest an output folder holds.
pub fn manifest(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap()
}

/// One report's manifest entry, by id.
pub fn entry<'a>(manifest: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    manifest["reports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in manifest"))
}

/// SHA-256 of bytes, as hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every edition a manifest entry in `out` records (PDF and HTML) has the SHA-256 it says.
pub fn editions_agree(out: &Path) {
    for e in manifest(out)["reports"].as_array().unwrap() {
        for (path, sha) in [("path", "sha256"), ("html_path", "html_sha256")] {
            let path = e[path].as_str().unwrap();
            if !path.is_empty() {
                let bytes = std::fs::read(out.join(path)).unwrap();
                assert_eq!(
                    e[sha].as_str().unwrap(),
                    sha256_hex(&bytes),
                    "{path} disagrees with the manifest"
                );
            }
        }
    }
}

/// The context a report's template data is built in, for a loaded census and its figures,
/// with the shipped templates' messages and no logo.
pub fn report_context<'a>(
    run: &'a census_reports::input::pipeline::CensusRun,
    metrics: &'a census_reports::metrics::Metrics,
    templates: &'a census_reports::render::Templates,
) -> census_reports::render::model::ReportContext<'a> {
    census_reports::render::model::ReportContext {
        metrics,
        meta: &run.census().meta,
        findings: &run.validation.findings,
        messages: &templates.messages,
        logo: None,
    }
}
