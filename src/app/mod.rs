//! The application layer: what each command does, on top of the pipeline stages. The CLI
//! parses arguments, calls one of these and prints what it returns.

pub mod build;
pub mod collection;
pub mod explain;
pub mod history;
pub mod mdt;
pub mod merge;
pub mod metrics;
pub mod plans;
pub mod tables;
pub mod template_data;
pub mod validate;

use crate::batch::{BatchError, LockError};
use crate::census::Census;
use crate::load::LoadFailure;
use crate::metrics::mdt::{Assumptions, AssumptionsError};
use crate::metrics::MetricsError;
use crate::render::TemplatesError;
use std::path::{Path, PathBuf};

/// Why a command could not do its job (each is one clear message; the CLI picks the exit
/// code).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Policy(#[from] crate::batch::revisions::PolicyError),
    #[error("cannot write the summary {path}: {message}")]
    Summary { path: String, message: String },
    #[error(transparent)]
    Locked(#[from] LockError),
    /// The census folder could not be read at all.
    #[error("{0}")]
    Unreadable(LoadFailure),
    #[error(transparent)]
    Templates(#[from] TemplatesError),
    #[error(transparent)]
    Assumptions(#[from] AssumptionsError),
    #[error(transparent)]
    Metrics(#[from] MetricsError),
    #[error(transparent)]
    Batch(#[from] BatchError),
    #[error("no report has the id '{0}' (an org_id, LA code, region slug or `england`; blocked organisations have none)")]
    NoReport(String),
    #[error(transparent)]
    Render(crate::render::RenderError),
    #[error(transparent)]
    Publication(#[from] crate::publication::PublicationError),
}

/// `out/<year>` — where every output for a census year goes unless told otherwise.
pub fn default_out(census: &Census) -> PathBuf {
    PathBuf::from("out").join(census.meta.year.to_string())
}

/// The MDT assumptions in `path`, or the shipped illustrative ones.
pub fn assumptions(path: Option<&Path>) -> Result<Assumptions, AssumptionsError> {
    Ok(match path {
        Some(path) => Assumptions::from_file(path)?,
        None => Assumptions::default_shipped(),
    })
}
