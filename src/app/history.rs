//! `history`: every issued version of a report with the figures that changed in it, the
//! comparator drift recorded while a version was kept, and the change log rebuilt from the
//! kept versions.

use crate::batch::companion::{self, ChangeRow, CHANGES_FILE};
use crate::batch::history::{changes_from_history, versions, Version};
use crate::batch::manifest::MANIFEST_FILE;
use crate::batch::{BatchError, Manifest, ManifestEntry};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// `--out`, or `out/<year>` for the census year of `data`; None when neither says.
pub fn output_folder(out: Option<PathBuf>, data: &Path) -> Option<PathBuf> {
    out.or_else(|| {
        crate::input::load::census_year(data).map(|y| PathBuf::from("out").join(y.to_string()))
    })
}

/// One report's versions in an output folder.
pub struct History {
    pub out: PathBuf,
    /// Oldest first; empty when the folder has no such report.
    pub versions: Vec<Version>,
    /// The report's manifest entry now (its last check and drift).
    pub current: Option<ManifestEntry>,
}

pub fn history(out: &Path, id: &str) -> Result<History, BatchError> {
    let versions = versions(out, id)?;
    let current = Manifest::read(&out.join(MANIFEST_FILE))?
        .and_then(|m| m.reports.into_iter().find(|e| e.id == id));
    Ok(History {
        out: out.to_path_buf(),
        versions,
        current,
    })
}

/// Rewrites `changes.csv` from the kept versions; returns its path and its rows.
pub fn rebuild_changes(out: &Path) -> Result<(PathBuf, usize), BatchError> {
    let rows = changes_from_history(out)?;
    let path = out.join(CHANGES_FILE);
    let count = rows.len();
    companion::write_change_rows(&path, rows)?;
    Ok((path, count))
}

impl History {
    pub fn text(&self) -> String {
        let mut text = String::new();
        let Some(last) = self.versions.last().map(|v| &v.entry) else {
            return text;
        };
        let _ = writeln!(
            text,
            "{} ({}, {}): {} version(s)",
            last.title,
            last.kind.code(),
            last.id,
            self.versions.len()
        );
        for v in &self.versions {
            let kept = self.out.join(&v.files.pdf);
            let kept = if kept.exists() {
                format!(" — {}", kept.display())
            } else {
                String::new()
            };
            let _ = writeln!(
                text,
                "  version {} issued {}{kept}",
                v.entry.version, v.entry.issued
            );
            for change in v.changes.iter().filter(|c| c.reissued) {
                if change.is_wording_only() {
                    text.push_str("    wording or layout changed; no figure changed\n");
                } else {
                    let _ = writeln!(
                        text,
                        "    {}: {} → {}",
                        change.figure, change.old_value, change.new_value
                    );
                }
            }
            let mut drift: Vec<&ChangeRow> = v.changes.iter().filter(|c| !c.reissued).collect();
            drift.sort_by_key(|c| c.build);
            let mut build = None;
            for change in drift {
                if build != Some(change.build) {
                    build = Some(change.build);
                    let _ = writeln!(
                        text,
                        "    build {}: comparators drifted, kept as issued (not reissued):",
                        change.build
                    );
                }
                let _ = writeln!(
                    text,
                    "      {}: {} as issued, now {}",
                    change.figure, change.old_value, change.new_value
                );
            }
        }
        if let Some(entry) = self.current.as_ref().filter(|e| e.checked_in_build > 0) {
            if entry.drifted > 0 {
                let _ = writeln!(
                    text,
                    "  version {} is kept as issued: last checked in build {}, when {} of its comparator figures differed from the issued version, none materially",
                    entry.version, entry.checked_in_build, entry.drifted
                );
            } else {
                let _ = writeln!(
                    text,
                    "  version {} is current: last checked in build {}",
                    entry.version, entry.checked_in_build
                );
            }
        }
        text
    }
}
