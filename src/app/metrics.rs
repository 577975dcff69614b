//! `metrics`: every figure for every unit and every year present, as one long table.

use super::RunError;
use crate::input::pipeline;
use crate::metrics::export::{self, Format};
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct MetricsRequest {
    pub data: PathBuf,
    /// Default: `out/<year>/metrics.<format>`.
    pub out: Option<PathBuf>,
    pub format: Format,
    /// Start CSV output with a UTF-8 byte-order mark.
    pub bom: bool,
    pub assumptions: Option<PathBuf>,
}

/// What the export wrote.
#[derive(Debug, Clone)]
pub struct Written {
    pub out: PathBuf,
    pub rows: usize,
    /// The census years present, oldest first.
    pub years: Vec<u16>,
    pub blocked: usize,
    /// Earlier-year folders that could not be read.
    pub notes: Vec<String>,
}

pub fn write(request: &MetricsRequest) -> Result<Written, RunError> {
    let assumptions = super::assumptions(request.assumptions.as_deref())?;
    let run = pipeline::open(&request.data)?;
    let metrics = run.metrics(&assumptions)?;
    let rows = export::rows(&metrics);
    let extension = match request.format {
        Format::Csv => "csv",
        Format::Json => "json",
        Format::Parquet => "parquet",
    };
    let out = request
        .out
        .clone()
        .unwrap_or_else(|| super::default_out(run.census()).join(format!("metrics.{extension}")));
    let mut bytes = export::encode(&rows, request.format)?;
    if request.bom && request.format == Format::Csv {
        bytes = crate::export::with_bom(bytes);
    }
    crate::export::write_atomic(&out, &bytes)?;
    Ok(Written {
        out,
        rows: rows.len(),
        years: metrics
            .history
            .iter()
            .map(|m| m.year)
            .chain([metrics.current.year])
            .collect(),
        blocked: metrics.current.blocked.len(),
        notes: run.notes.clone(),
    })
}
