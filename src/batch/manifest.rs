//! `manifest.json`: one entry per report (path, SHA-256, fingerprint, version, status). One
//! reader and one writer, used by the build and by `merge-manifests`.

use super::companion::{self, ChangeRow};
use super::BatchError;
use crate::export::write_atomic;
use crate::render::{Formats, ReportKind, ReportPlan};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const MANIFEST_FILE: &str = "manifest.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Built,
    Failed,
    Blocked,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestEntry {
    pub id: String,
    pub kind: ReportKind,
    pub title: String,
    /// The region the report belongs to (`England` for the national report).
    #[serde(default)]
    pub region: String,
    /// Relative to the manifest's folder; empty when no PDF was written.
    pub path: String,
    pub data_path: String,
    /// SHA-256 of the PDF.
    pub sha256: String,
    /// The HTML edition, relative to the manifest's folder; empty when none was written.
    #[serde(default)]
    pub html_path: String,
    /// SHA-256 of the HTML edition.
    #[serde(default)]
    pub html_sha256: String,
    /// SHA-256 of everything the report shows (template data, templates, fonts, program
    /// version).
    pub fingerprint: String,
    pub version: u32,
    /// The date the current version was issued (YYYY-MM-DD).
    #[serde(default)]
    pub issued: String,
    pub status: Status,
    pub error: Option<String>,
    /// SHA-256 of the issued version's own content, without its comparators (see
    /// `revisions.rs`); empty for a version issued before the revisions policy.
    #[serde(default)]
    pub own_fingerprint: String,
    /// SHA-256 of the templates, fonts and program the issued version was made with.
    #[serde(default)]
    pub layout_fingerprint: String,
    /// The build (see [`Manifest::build`]) that last compared the report with the data.
    #[serde(default)]
    pub checked_in_build: u32,
    /// Printed comparator figures that differ from the issued version, which is kept
    /// because the revisions policy finds no change material; 0 when it is as issued.
    #[serde(default)]
    pub drifted: u32,
    /// Why the current version was reissued, as its "What changed" section says (empty for
    /// a first version or a wording-only reissue).
    #[serde(default)]
    pub reissue_reason: String,
}

impl ManifestEntry {
    /// The entry of a report whose latest attempt failed. It keeps the record of the last
    /// version issued (its files are still the live ones), so the next build compares with
    /// that version and numbers the next one after it.
    pub fn failed(plan: &ReportPlan, before: Option<&ManifestEntry>, message: String) -> Self {
        match before {
            Some(b) if b.version > 0 => ManifestEntry {
                title: plan.title.clone(),
                region: plan.region.clone(),
                status: Status::Failed,
                error: Some(message),
                ..b.clone()
            },
            _ => ManifestEntry {
                id: plan.id.clone(),
                kind: plan.kind,
                title: plan.title.clone(),
                region: plan.region.clone(),
                path: String::new(),
                data_path: String::new(),
                sha256: String::new(),
                html_path: String::new(),
                html_sha256: String::new(),
                fingerprint: String::new(),
                version: 0,
                issued: String::new(),
                status: Status::Failed,
                error: Some(message),
                own_fingerprint: String::new(),
                layout_fingerprint: String::new(),
                checked_in_build: 0,
                drifted: 0,
                reissue_reason: String::new(),
            },
        }
    }

    pub fn key(&self) -> EntryKey {
        (self.kind, self.id.clone())
    }

    /// Whether the editions `formats` asks for and the data companion are on disk in `out`
    /// as this entry records them.
    pub fn intact(&self, out: &Path, formats: Formats) -> bool {
        let pdf = !formats.pdf
            || (!self.path.is_empty()
                && sha256_file(&out.join(&self.path)).as_deref() == Some(self.sha256.as_str()));
        let html = !formats.html
            || (!self.html_path.is_empty()
                && sha256_file(&out.join(&self.html_path)).as_deref()
                    == Some(self.html_sha256.as_str()));
        pdf && html && companion::has_content(&out.join(&self.data_path))
    }
}

/// A report's place in the manifest: its kind and id.
pub type EntryKey = (ReportKind, String);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub year: u16,
    /// The census's title ("Drug and alcohol treatment and recovery workforce census 2024").
    #[serde(default)]
    pub census_title: String,
    pub program_version: String,
    /// SHA-256 of every input (census folders, templates, fonts, assumptions, program) of the
    /// last complete build; empty after a partial one. Equal inputs and intact PDFs mean
    /// there is nothing to rebuild.
    #[serde(default)]
    pub input_fingerprint: String,
    /// The number of the build that wrote this manifest: builds into this folder are
    /// numbered 1, 2, … by their inputs (a run with the same inputs as the last, such as
    /// one that completes an interrupted build, is the same build; a dry run is none).
    #[serde(default)]
    pub build: u32,
    /// The inputs of build `build` (see `input_fingerprint`, which is kept only for a
    /// complete build).
    #[serde(default)]
    pub build_inputs: String,
    pub reports: Vec<ManifestEntry>,
}

impl Manifest {
    /// A manifest of these entries, in report-kind then id order.
    pub fn new(
        year: u16,
        input_fingerprint: String,
        entries: BTreeMap<EntryKey, ManifestEntry>,
    ) -> Manifest {
        // BTreeMap order is ReportKind's declaration order, then id.
        Manifest {
            year,
            census_title: String::new(),
            program_version: env!("CARGO_PKG_VERSION").into(),
            input_fingerprint,
            build: 0,
            build_inputs: String::new(),
            reports: entries.into_values().collect(),
        }
    }

    /// The manifest at `path`; None when there is no file.
    pub fn read(path: &Path) -> Result<Option<Manifest>, BatchError> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(BatchError::Previous {
                    path: path.display().to_string(),
                    message: e.to_string(),
                })
            }
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| BatchError::Previous {
                path: path.display().to_string(),
                message: e.to_string(),
            })
    }

    pub fn write(&self, path: &Path) -> Result<(), BatchError> {
        let mut json = serde_json::to_vec_pretty(self)?;
        json.push(b'\n');
        write_atomic(path, &json)?;
        Ok(())
    }

    pub fn entries(self) -> BTreeMap<EntryKey, ManifestEntry> {
        self.reports.into_iter().map(|e| (e.key(), e)).collect()
    }
}

/// Joins the manifests (and change logs) written by `build --shard K/N`: writes `changes.csv`
/// in `dir` and returns the merged manifest, for the caller to write after the index (see
/// [`super::merge`]), with the number of shards.
pub fn merge_manifests(dir: &Path) -> Result<(Manifest, usize), BatchError> {
    let mut shard_files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| BatchError::Previous {
            path: dir.display().to_string(),
            message: e.to_string(),
        })?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("manifest.shard-") && n.ends_with(".json"))
        })
        .collect();
    shard_files.sort();
    let mut year = 0;
    let mut build = 0;
    let mut build_inputs = String::new();
    let mut census_title = String::new();
    let mut entries = BTreeMap::new();
    if let Some(manifest) = Manifest::read(&dir.join(MANIFEST_FILE))? {
        year = manifest.year;
        build = manifest.build;
        build_inputs = manifest.build_inputs.clone();
        census_title = manifest.census_title.clone();
        entries = manifest.entries();
    }
    let mut change_rows = companion::read_change_rows(&dir.join(companion::CHANGES_FILE))?;
    for file in &shard_files {
        let Some(manifest) = Manifest::read(file)? else {
            continue;
        };
        year = manifest.year;
        if manifest.build >= build {
            build = manifest.build;
            build_inputs = manifest.build_inputs.clone();
        }
        if !manifest.census_title.is_empty() {
            census_title = manifest.census_title.clone();
        }
        for entry in manifest.reports {
            // A shard's own reports win over what other shards carried over from before.
            // Of two with the same version, the one checked by the later build.
            let newer = entries.get(&entry.key()).is_none_or(|e: &ManifestEntry| {
                (e.version, e.checked_in_build) < (entry.version, entry.checked_in_build)
                    || e.status != Status::Built
            });
            if newer {
                entries.insert(entry.key(), entry);
            }
        }
        let changes = file.with_file_name(
            file.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .replace("manifest.", "changes.")
                .replace(".json", ".csv"),
        );
        change_rows.extend(companion::read_change_rows(&changes)?);
    }
    companion::write_change_rows(&dir.join(companion::CHANGES_FILE), change_rows)?;
    let mut manifest = Manifest::new(year, String::new(), entries);
    manifest.census_title = census_title;
    manifest.build = build;
    manifest.build_inputs = build_inputs;
    Ok((manifest, shard_files.len()))
}

/// When the last complete build into `out` had these inputs and every edition asked for and
/// every data companion it recorded is still on disk unaltered, the number of reports it
/// holds: there is nothing to rebuild. None otherwise.
pub fn up_to_date(out: &Path, input_fingerprint: &str, formats: Formats) -> Option<usize> {
    let manifest = Manifest::read(&out.join(MANIFEST_FILE)).ok()??;
    let intact = !manifest.input_fingerprint.is_empty()
        && manifest.input_fingerprint == input_fingerprint
        && manifest.reports.iter().all(|e| match e.status {
            Status::Built => e.intact(out, formats),
            Status::Blocked => true,
            Status::Failed => false,
        });
    intact.then(|| {
        manifest
            .reports
            .iter()
            .filter(|e| e.status == Status::Built)
            .count()
    })
}

pub fn sha256_file(path: &Path) -> Option<String> {
    std::fs::read(path)
        .ok()
        .map(|bytes| crate::render::sha256_hex(&[&bytes]))
}

/// The rows of `rows` for other reports or versions than `entry`'s, with `entry`'s own
/// (the drift recorded while an earlier version was kept stays).
pub fn replace_rows(rows: &mut Vec<ChangeRow>, entry: &ManifestEntry, new: Vec<ChangeRow>) {
    rows.retain(|r| {
        !(r.reissued
            && r.report_id == entry.id
            && r.kind == entry.kind
            && r.version == entry.version)
    });
    rows.extend(new);
}
