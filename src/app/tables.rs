//! `tables`: the publication workbooks for England and each region, without the reports
//! (`build` writes them too whenever it builds the national report).

use super::{assumptions, default_out, RunError};
use crate::input::pipeline;
use std::path::{Path, PathBuf};

/// Writes the workbooks; returns the files written.
pub fn write(
    data: &Path,
    out: Option<PathBuf>,
    assumptions_file: Option<&Path>,
) -> Result<Vec<PathBuf>, RunError> {
    let assumptions = assumptions(assumptions_file)?;
    let run = pipeline::open(data).map_err(RunError::Unreadable)?;
    let metrics = run.metrics(&assumptions)?;
    let out = out.unwrap_or_else(|| default_out(run.census()));
    Ok(crate::publication::write_all(&out, run.census(), &metrics)?)
}
