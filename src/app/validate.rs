//! `validate`: checks a census folder against every rule and writes the queries to send
//! back to participants (`queries.csv` and one Markdown list per organisation).

use super::RunError;
use crate::input::census::Census;
use crate::input::load::{self, Loaded};
use crate::input::validate::{self, Summary, Validation};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct ValidateRequest {
    pub data: PathBuf,
    /// Last year's folder (default: the sibling named for the previous year).
    pub previous: Option<PathBuf>,
    /// Default: `out/<year>/validation`.
    pub out: Option<PathBuf>,
    /// Start CSV output with a UTF-8 byte-order mark.
    pub bom: bool,
}

/// What validation found and where the queries went.
#[derive(Debug)]
pub struct Validated {
    pub loaded: Loaded,
    pub validation: Validation,
    pub summary: Summary,
    pub out: PathBuf,
    /// Why last year's folder could not be used, if it could not.
    pub notes: Vec<String>,
}

pub fn run(request: &ValidateRequest) -> Result<Validated, RunError> {
    let loaded = load::load(&request.data)?;
    let mut notes = Vec::new();
    let previous = load_previous(
        &request.data,
        request.previous.as_deref(),
        loaded.census.meta.year,
        &mut notes,
    );
    let validation = validate::validate(&loaded, previous.as_ref());
    let out = request
        .out
        .clone()
        .unwrap_or_else(|| super::default_out(&loaded.census).join("validation"));
    validate::write_queries(&out, &loaded.census, &validation, request.bom).map_err(|source| {
        RunError::Queries {
            path: out.display().to_string(),
            source,
        }
    })?;
    let summary = Summary::of(&validation.findings);
    Ok(Validated {
        loaded,
        validation,
        summary,
        out,
        notes,
    })
}

/// Last year's census: the folder given, or the sibling named for the previous year. A
/// previous year that cannot be read only loses the year-on-year checks, with a note.
pub fn load_previous(
    data: &Path,
    given: Option<&Path>,
    year: u16,
    notes: &mut Vec<String>,
) -> Option<Census> {
    let sibling = data.parent().map(|p| p.join((year - 1).to_string()));
    let path = given
        .map(Path::to_path_buf)
        .or(sibling.filter(|p| p.is_dir()))?;
    match load::load(&path) {
        Ok(loaded) => Some(loaded.census),
        Err(failure) => {
            notes.push(format!("{failure}; year-on-year checks skipped"));
            None
        }
    }
}
