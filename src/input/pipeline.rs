//! Runs the first stages for a census folder and the years beside it: load and validate the
//! asked year and every earlier year found next to it, ready for metrics and reports.

use crate::input::census::Census;
use crate::input::load::{self, LoadFailure, Loaded};
use crate::input::validate::{self, Validation};
use crate::metrics::{self, mdt::Assumptions, CensusYear, Metrics, MetricsError};
use std::path::{Path, PathBuf};

/// A validated census year with the validated years before it.
#[derive(Debug)]
pub struct CensusRun {
    pub dir: PathBuf,
    pub current: Loaded,
    pub validation: Validation,
    /// Earlier years found beside the folder, oldest first.
    pub history: Vec<(Census, Validation)>,
    /// Earlier-year folders that could not be read (they only lose trends).
    pub notes: Vec<String>,
    /// Time spent loading and validating, over every year read.
    pub load_time: std::time::Duration,
    pub validate_time: std::time::Duration,
}

/// Loads and validates `dir` and every sibling folder named for an earlier year.
pub fn open(dir: &Path) -> Result<CensusRun, LoadFailure> {
    let clock = std::time::Instant::now();
    let current = load::load(dir)?;
    let mut load_time = clock.elapsed();
    let mut validate_time = std::time::Duration::ZERO;
    let year = current.census.meta.year;
    let mut notes = Vec::new();
    let mut earlier: Vec<(u16, PathBuf)> = dir
        .parent()
        .and_then(|parent| std::fs::read_dir(parent).ok())
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().to_string();
            let y: u16 = name.parse().ok().filter(|_| name.len() == 4)?;
            (y < year && entry.path().is_dir()).then(|| (y, entry.path()))
        })
        .collect();
    earlier.sort();
    let mut history: Vec<(Census, Validation)> = Vec::new();
    for (y, path) in earlier {
        let clock = std::time::Instant::now();
        let loaded = load::load(&path);
        load_time += clock.elapsed();
        match loaded {
            Ok(loaded) => {
                let previous = history
                    .last()
                    .map(|h| &h.0)
                    .filter(|c| c.meta.year + 1 == y);
                let clock = std::time::Instant::now();
                let validation = validate::validate(&loaded, previous);
                validate_time += clock.elapsed();
                history.push((loaded.census, validation));
            }
            Err(failure) => notes.push(format!("{failure}; its trends are left out")),
        }
    }
    let previous = history
        .last()
        .map(|h| &h.0)
        .filter(|c| c.meta.year + 1 == year);
    let clock = std::time::Instant::now();
    let validation = validate::validate(&current, previous);
    validate_time += clock.elapsed();
    Ok(CensusRun {
        dir: dir.to_path_buf(),
        current,
        validation,
        history,
        notes,
        load_time,
        validate_time,
    })
}

impl CensusRun {
    pub fn census(&self) -> &Census {
        &self.current.census
    }

    pub fn metrics(&self, assumptions: &Assumptions) -> Result<Metrics, MetricsError> {
        let history: Vec<CensusYear> = self
            .history
            .iter()
            .map(|(census, v)| CensusYear {
                census,
                blocked: &v.blocked,
            })
            .collect();
        let current = CensusYear {
            census: &self.current.census,
            blocked: &self.validation.blocked,
        };
        metrics::compute(current, &history, assumptions)
    }
}

/// SHA-256 (hex) of every file in the census folder and in the year folders beside it, with
/// `extra` (templates, fonts, assumptions): equal fingerprints mean equal inputs.
pub fn input_fingerprint(dir: &Path, extra: &[&[u8]]) -> String {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    for bytes in extra {
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    }
    let mut folders = vec![dir.to_path_buf()];
    if let Some(parent) = dir.parent() {
        let siblings = std::fs::read_dir(parent)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path());
        folders.extend(siblings.filter(|p| {
            p.is_dir()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.len() == 4 && n.parse::<u16>().is_ok())
        }));
    }
    folders.sort();
    folders.dedup();
    for folder in folders {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for file in files {
            hasher.update(file.to_string_lossy().as_bytes());
            let bytes = std::fs::read(&file).unwrap_or_default();
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(&bytes);
        }
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
