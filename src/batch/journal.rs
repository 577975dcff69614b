//! Committing a build: every report's new version is first written under `history/`; then a
//! journal names the live files to point at those versions, the change log and the manifest
//! to write, and is flushed to disk before any live file or the manifest changes. A build
//! interrupted after that point (killed, out of disk, a failed write) is finished by the
//! next build, which replays the journal before anything else; one interrupted before it
//! leaves the live files and the manifest as they were. Either way the manifest always
//! agrees with the files it names, and no reissue loses its change record.

use super::companion::{self, ChangeRow};
use super::{BatchError, Manifest, Shard};
use crate::export::{link_atomic, write_atomic};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Serialize, Deserialize)]
pub struct Journal {
    pub manifest_name: String,
    pub manifest: Manifest,
    pub changes_name: String,
    pub changes: Vec<ChangeRow>,
    /// (kept version, live file), relative to the output folder.
    pub links: Vec<(PathBuf, PathBuf)>,
    /// Live files of an earlier version to withdraw (an edition this build did not write).
    #[serde(default)]
    pub removals: Vec<PathBuf>,
    /// The batch index of the new manifest (`index.html`), when this build writes one.
    #[serde(default)]
    pub index: Option<String>,
}

pub fn journal_name(shard: Option<Shard>) -> String {
    match shard {
        Some(s) => format!("journal.shard-{}-of-{}.json", s.index, s.count),
        None => "journal.json".to_string(),
    }
}

impl Journal {
    /// Records the journal, applies it, and removes it.
    pub fn commit(&self, out: &Path, shard: Option<Shard>) -> Result<(), BatchError> {
        let path = out.join(journal_name(shard));
        let mut json = serde_json::to_vec(self)?;
        json.push(b'\n');
        write_atomic(&path, &json)?;
        self.apply(out)?;
        remove(&path)
    }

    /// Points the live files at their versions, then writes the change log and the manifest.
    /// Doing it twice does no harm.
    fn apply(&self, out: &Path) -> Result<(), BatchError> {
        for (kept, live) in &self.links {
            link_atomic(&out.join(kept), &out.join(live))?;
        }
        for live in &self.removals {
            remove(&out.join(live))?;
        }
        companion::write_change_rows(&out.join(&self.changes_name), self.changes.clone())?;
        if let Some(index) = &self.index {
            write_atomic(&out.join(super::index::INDEX_FILE), index.as_bytes())?;
        }
        self.manifest.write(&out.join(&self.manifest_name))
    }

    /// Finishes the commit of a build that stopped midway, if one did. True when there was
    /// one to finish.
    pub fn recover(out: &Path, shard: Option<Shard>) -> Result<bool, BatchError> {
        let path = out.join(journal_name(shard));
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => {
                return Err(BatchError::Previous {
                    path: path.display().to_string(),
                    message: e.to_string(),
                })
            }
        };
        // A journal is renamed into place whole, so one that does not parse was never
        // committed: nothing was applied from it.
        if let Ok(journal) = serde_json::from_slice::<Journal>(&bytes) {
            journal.apply(out)?;
        }
        remove(&path)?;
        Ok(true)
    }

    /// True when a journal waits to be replayed.
    pub fn pending(out: &Path, shard: Option<Shard>) -> bool {
        out.join(journal_name(shard)).exists()
    }
}

fn remove(path: &Path) -> Result<(), BatchError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(BatchError::Previous {
            path: path.display().to_string(),
            message: e.to_string(),
        }),
    }
}
