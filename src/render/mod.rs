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

/// Time spent in each stage of one or more reports.
#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct StageTimings {
    /// Data document, charts and generated sentences.
    pub document: std::time::Duration,
    pub typeset: std::time::Duration,
    pub pdf_export: std::time::Duration,
    pub write: std::time::Duration,
}

impl StageTimings {
    pub fn add(&mut self, other: &StageTimings) {
        self.document += other.document;
        self.typeset += other.typeset;
        self.pdf_export += other.pdf_export;
        self.write += other.write;
    }
}

/// A report's content before its version is known, with the fingerprint of what it shows.
pub struct Prepared {
    pub rendered: Rendered,
    /// SHA-256 (hex) of everything the report prints and the shared inputs (templates, fonts,
    /// program version). The anonymous peer bars are left out: a report is reissued when a
    /// figure it prints changes (its own values, ranks, quartiles, printed medians), not when
    /// another participant's anonymous bar moves.
    pub fingerprint: String,
    pub document_time: std::time::Duration,
}

/// One figure that differs from the previous version of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub figure: String,
    pub old: String,
    pub new: String,
}

/// The version a report is issued as.
#[derive(Debug, Clone)]
pub struct Issue {
    pub version: u32,
    pub date: crate::census::Date,
    pub changes: Vec<Change>,
}

impl Issue {
    pub fn version_line(&self) -> String {
        if self.version <= 1 {
            format!("Version {}, issued {}", self.version, self.date.long())
        } else {
            format!("Version {}, reissued {}", self.version, self.date.long())
        }
    }
}

/// Most changes listed in a report's "What changed" section; changes.csv has them all.
pub const CHANGES_SHOWN: usize = 60;

/// A finished report: the PDF and the figures it shows.
pub struct Report {
    pub pdf: Vec<u8>,
    pub rendered: Rendered,
    pub timings: StageTimings,
}

/// Builds the document for `plan` and fingerprints it.
pub fn prepare(
    ctx: &ReportContext,
    plan: &ReportPlan,
    shared: &[u8],
) -> Result<Prepared, RenderError> {
    let started = std::time::Instant::now();
    let rendered = document::build(ctx, plan, "")?;
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    hasher.update(shared);
    hasher.update(serde_json::to_vec(&rendered.doc)?);
    let fingerprint = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Prepared {
        rendered,
        fingerprint,
        document_time: started.elapsed(),
    })
}

/// Sets the version, lists what changed, and typesets the report.
pub fn finish(
    typesetter: &Typesetter,
    plan: &ReportPlan,
    prepared: Prepared,
    issue: &Issue,
) -> Result<Report, RenderError> {
    let Prepared {
        mut rendered,
        document_time,
        ..
    } = prepared;
    rendered.doc.meta.version_line = issue.version_line();
    if issue.version > 1 {
        let mut blocks = vec![document::Block::Text {
            text: format!("This is version {} of this report. These figures differ from the previous version:", issue.version),
        }];
        if issue.changes.is_empty() {
            blocks = vec![document::Block::Text { text: format!("This is version {} of this report. Its figures are unchanged; the report was reissued because its presentation changed.", issue.version) }];
        } else {
            let mut table = document::Table::new(
                "What changed in this version",
                &["Figure", "Previous", "Now"],
            );
            for change in issue.changes.iter().take(CHANGES_SHOWN) {
                table.row(vec![
                    change.figure.clone(),
                    change.old.clone(),
                    change.new.clone(),
                ]);
            }
            blocks.push(document::Block::Table(table));
            if issue.changes.len() > CHANGES_SHOWN {
                blocks.push(document::Block::Note {
                    text: format!(
                        "{} further changes are listed in the census team's change log.",
                        issue.changes.len() - CHANGES_SHOWN
                    ),
                });
            }
        }
        let at = rendered
            .doc
            .sections
            .iter()
            .position(|s| s.heading.starts_with("Appendix"))
            .unwrap_or(rendered.doc.sections.len());
        rendered.doc.sections.insert(
            at,
            document::Section::new("What changed in this version", blocks),
        );
    }
    document::number_blocks(&mut rendered.doc.sections);
    let data = serde_json::to_vec(&rendered.doc)?;
    let (pdf, [typeset, pdf_export]) =
        typesetter.pdf_timed(plan.kind.code(), data, rendered.charts.clone(), issue.date)?;
    let timings = StageTimings {
        document: document_time,
        typeset,
        pdf_export,
        write: std::time::Duration::ZERO,
    };
    Ok(Report {
        pdf,
        rendered,
        timings,
    })
}
