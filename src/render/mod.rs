//! Stage 5: one report from the figures — its data document and charts (document.rs),
//! generated sentences (messages.rs) and the typeset, tagged PDF (typeset.rs).

pub mod document;
pub mod messages;
pub mod typeset;

use crate::charts::ChartError;
use crate::export::file_stem;
use document::{Rendered, ReportContext};
use serde::Serialize;
use std::path::PathBuf;
use typeset::{TypesetError, Typesetter};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    Provider,
    Lero,
    La,
    Region,
    National,
}

impl ReportKind {
    pub const ALL: [ReportKind; 5] = [
        ReportKind::Provider,
        ReportKind::Lero,
        ReportKind::La,
        ReportKind::Region,
        ReportKind::National,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ReportKind::Provider => "provider",
            ReportKind::Lero => "lero",
            ReportKind::La => "la",
            ReportKind::Region => "region",
            ReportKind::National => "national",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReportKind::Provider => "Provider report",
            ReportKind::Lero => "Lived experience recovery organisation report",
            ReportKind::La => "Local authority report",
            ReportKind::Region => "Regional report",
            ReportKind::National => "National report",
        }
    }
}

/// One report to build: what it is and where it goes (relative to `out/<year>/`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ReportPlan {
    pub kind: ReportKind,
    pub id: String,
    pub title: String,
    pub path: PathBuf,
    pub data_path: PathBuf,
}

impl ReportPlan {
    pub fn new(kind: ReportKind, id: &str, title: &str) -> ReportPlan {
        let stem = file_stem(id);
        let path = match kind {
            ReportKind::National => PathBuf::from("national.pdf"),
            _ => PathBuf::from(kind.code()).join(format!("{stem}.pdf")),
        };
        ReportPlan {
            kind,
            id: id.to_string(),
            title: title.to_string(),
            path,
            data_path: PathBuf::from("data").join(format!("{stem}.csv")),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("no figures for {0} (blocked or unknown)")]
    NoFigures(String),
    #[error(transparent)]
    Chart(#[from] ChartError),
    #[error(transparent)]
    Message(#[from] messages::MessageError),
    #[error(transparent)]
    Typeset(#[from] TypesetError),
    #[error("serialising the data document: {0}")]
    Json(#[from] serde_json::Error),
}

/// A finished report: the PDF and the figures it shows.
pub struct Report {
    pub pdf: Vec<u8>,
    pub rendered: Rendered,
    /// The data document as the templates read it.
    pub data: Vec<u8>,
}

/// Builds the document for `plan` and typesets it.
pub fn render(
    ctx: &ReportContext,
    typesetter: &Typesetter,
    plan: &ReportPlan,
    version_line: &str,
) -> Result<Report, RenderError> {
    let rendered = document::build(ctx, plan, version_line)?;
    let data = serde_json::to_vec(&rendered.doc)?;
    let pdf = typesetter.pdf(
        plan.kind.code(),
        data.clone(),
        rendered.charts.clone(),
        ctx.census.meta.published,
    )?;
    Ok(Report {
        pdf,
        rendered,
        data,
    })
}
