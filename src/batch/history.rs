//! Every issued version of every report, kept under `history/<kind>/<id>/`: `v<N>.pdf`, its
//! HTML edition `v<N>.html`, its data companion `v<N>.csv` and `v<N>.json` (its manifest
//! entry). A build writes a new
//! version there first; the live files are links to the current one. So an analyst can answer
//! "what did version 1 say?", and `changes.csv` can be rebuilt from the companions.

use super::companion::{self, ChangeRow, CHANGES_FILE};
use super::manifest::{ManifestEntry, MANIFEST_FILE};
use super::{BatchError, Manifest};
use crate::export::file_stem;
use crate::render::ReportKind;
use std::path::{Path, PathBuf};

pub const HISTORY_DIR: &str = "history";

/// Where one version of a report is kept, relative to the output folder.
#[derive(Debug, Clone)]
pub struct VersionFiles {
    pub pdf: PathBuf,
    pub html: PathBuf,
    pub companion: PathBuf,
    pub record: PathBuf,
}

pub fn report_dir(kind: ReportKind, id: &str) -> PathBuf {
    Path::new(HISTORY_DIR).join(kind.code()).join(file_stem(id))
}

pub fn version_files(kind: ReportKind, id: &str, version: u32) -> VersionFiles {
    let dir = report_dir(kind, id);
    VersionFiles {
        pdf: dir.join(format!("v{version}.pdf")),
        html: dir.join(format!("v{version}.html")),
        companion: dir.join(format!("v{version}.csv")),
        record: dir.join(format!("v{version}.json")),
    }
}

/// One issued version of a report, with the figures that changed in it.
#[derive(Debug, Clone)]
pub struct Version {
    pub entry: ManifestEntry,
    pub files: VersionFiles,
    pub changes: Vec<ChangeRow>,
}

/// Every issued version of report `id` in `out`, oldest first (up to the version the
/// manifest records: a version written by an interrupted build and never issued is left
/// out).
pub fn versions(out: &Path, id: &str) -> Result<Vec<Version>, BatchError> {
    let manifest =
        Manifest::read(&out.join(MANIFEST_FILE))?.ok_or_else(|| BatchError::Previous {
            path: out.join(MANIFEST_FILE).display().to_string(),
            message: "no build has been written to this folder".into(),
        })?;
    let Some(current) = manifest.reports.iter().find(|e| e.id == id) else {
        return Ok(Vec::new());
    };
    let changes = companion::read_change_rows(&out.join(CHANGES_FILE))?;
    let mut out_versions = Vec::new();
    for version in 1..=current.version {
        let files = version_files(current.kind, id, version);
        let entry = match std::fs::read(out.join(&files.record)) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| BatchError::Previous {
                path: out.join(&files.record).display().to_string(),
                message: e.to_string(),
            })?,
            // Versions issued before history was kept: only the current one is known.
            Err(_) if version == current.version => current.clone(),
            Err(_) => continue,
        };
        let changes = changes
            .iter()
            .filter(|r| r.report_id == id && r.kind == current.kind && r.version == version)
            .cloned()
            .collect();
        out_versions.push(Version {
            entry,
            files,
            changes,
        });
    }
    Ok(out_versions)
}

/// The change log as the kept versions tell it: for every report and every version after
/// the first, the figures that differ from the version before (one wording-only row where
/// none does). The comparator drift recorded in the change log while a version was kept
/// (`reissued = no`) has no kept file to be rebuilt from, so its rows are carried over.
pub fn changes_from_history(out: &Path) -> Result<Vec<ChangeRow>, BatchError> {
    let manifest = Manifest::read(&out.join(MANIFEST_FILE))?
        .unwrap_or_else(|| Manifest::new(0, String::new(), Default::default()));
    let mut rows: Vec<ChangeRow> = companion::read_change_rows(&out.join(CHANGES_FILE))
        .unwrap_or_default()
        .into_iter()
        .filter(|r| !r.reissued)
        .collect();
    for entry in &manifest.reports {
        let mut previous: Option<Vec<companion::CompanionRow>> = None;
        for version in 1..=entry.version {
            let files = version_files(entry.kind, &entry.id, version);
            let Some(now) = companion::read_companion(&out.join(&files.companion)) else {
                previous = None;
                continue;
            };
            if let Some(before) = previous.take() {
                let changes = companion::diff_rows(&before, &now);
                let wording_only = changes.is_empty();
                // The build that issued the version, from its record.
                let build = std::fs::read(out.join(&files.record))
                    .ok()
                    .and_then(|bytes| serde_json::from_slice::<ManifestEntry>(&bytes).ok())
                    .map_or(0, |e| e.checked_in_build);
                let mut issued =
                    ChangeRow::of_version(&entry.id, entry.kind, version, &changes, wording_only);
                issued.iter_mut().for_each(|r| r.build = build);
                rows.extend(issued);
            }
            previous = Some(now);
        }
    }
    Ok(rows)
}
