//! The application layer: what each command does, on top of the pipeline stages. The CLI
//! parses arguments, calls one of these and prints what it returns.

pub mod build;
pub mod collection;
pub mod explain;
pub mod history;
pub mod mdt;
pub mod measures;
pub mod merge;
pub mod metrics;
pub mod plans;
pub mod tables;
pub mod template_data;
pub mod validate;

use crate::batch::{BatchError, LockError};
use crate::input::census::Census;
use crate::input::load::LoadFailure;
use crate::metrics::mdt::{Assumptions, AssumptionsError};
use crate::metrics::MetricsError;
use crate::render::TemplatesError;
use std::path::{Path, PathBuf};

/// Why a command could not do its job: one clear message each, and one exit code for all of
/// them ([`RunError::exit_code`]), so every command fails the same way.
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
    #[error(transparent)]
    Export(#[from] crate::metrics::export::ExportError),
    #[error(transparent)]
    Write(#[from] crate::export::WriteError),
    #[error("writing validation queries to {path}: {source}")]
    Queries {
        path: String,
        #[source]
        source: crate::export::WriteError,
    },
    #[error("no measure is called '{0}'; the measures are: {1}")]
    UnknownMeasure(String, String),
    #[error("{measure} does not apply to {kind} reports; it applies to: {applies}")]
    NotApplicable {
        measure: String,
        kind: String,
        applies: String,
    },
    #[error("{0} is not a local authority in {1}; codes look like E08000035")]
    UnknownLa(String, String),
    #[error("writing the planning template: {0}")]
    PlanTemplate(#[from] rust_xlsxwriter::XlsxError),
    #[error(transparent)]
    Sample(#[from] crate::sample::SampleError),
    #[error("no report '{id}' in {out}")]
    NoHistory { id: String, out: String },
    #[error("give the output folder with --out (no census year in {0})")]
    NoOutputFolder(String),
    #[error("--{option} '{value}' is not a date; write YYYY-MM-DD or today")]
    NotADate { option: &'static str, value: String },
    #[error("writing JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// The exit code of a command that could not do its job. Every failure is 2 ("could not do
/// it"); 1 is kept for a command that ran and found problems (validation errors, a failed
/// report), 130 for a build stopped by a signal.
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_FAILED: u8 = 2;
pub const EXIT_INTERRUPTED: u8 = 130;

impl RunError {
    pub fn exit_code(&self) -> u8 {
        EXIT_FAILED
    }
}

impl From<LoadFailure> for RunError {
    fn from(failure: LoadFailure) -> RunError {
        RunError::Unreadable(failure)
    }
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
