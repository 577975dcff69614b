//! Stage 5: one report from the figures — its template data and charts (model.rs), the
//! generated sentences (messages.rs), the template set (templates.rs) and the typeset,
//! tagged PDF (typeset.rs).

pub mod messages;
pub mod model;
pub mod templates;
pub mod typeset;

use crate::charts::ChartError;
use crate::export::file_stem;
use crate::metrics::EntityKind;
use model::{ChangeLine, Changes, Rendered, ReportContext};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use typeset::{TypesetError, Typesetter};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    Provider,
    Lero,
    La,
    /// An integrated care board's footprint, with an ICB lookup (SPEC §17).
    Icb,
    Region,
    National,
}

impl ReportKind {
    pub const ALL: [ReportKind; 6] = [
        ReportKind::Provider,
        ReportKind::Lero,
        ReportKind::La,
        ReportKind::Icb,
        ReportKind::Region,
        ReportKind::National,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ReportKind::Provider => "provider",
            ReportKind::Lero => "lero",
            ReportKind::La => "la",
            ReportKind::Icb => "icb",
            ReportKind::Region => "region",
            ReportKind::National => "national",
        }
    }

    /// The unit whose figures the report shows.
    pub fn entity(self) -> EntityKind {
        match self {
            ReportKind::Provider => EntityKind::Provider,
            ReportKind::Lero => EntityKind::Lero,
            ReportKind::La => EntityKind::La,
            ReportKind::Icb => EntityKind::Icb,
            ReportKind::Region => EntityKind::Region,
            ReportKind::National => EntityKind::England,
        }
    }

    /// The unit id behind a report id (the national report's unit is `england`).
    pub fn unit_id(self, report_id: &str) -> &str {
        match self {
            ReportKind::National => "england",
            _ => report_id,
        }
    }
}

/// One edition of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Format {
    /// The tagged PDF.
    Pdf,
    /// The accessible HTML edition.
    Html,
}

/// Which editions a build writes (both unless told otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Formats {
    pub pdf: bool,
    pub html: bool,
}

impl Formats {
    pub const ALL: Formats = Formats {
        pdf: true,
        html: true,
    };

    /// The editions named; every edition when none is.
    pub fn of(formats: &[Format]) -> Formats {
        if formats.is_empty() {
            return Formats::ALL;
        }
        Formats {
            pdf: formats.contains(&Format::Pdf),
            html: formats.contains(&Format::Html),
        }
    }
}

impl Default for Formats {
    fn default() -> Self {
        Formats::ALL
    }
}

/// One report to build: what it is and where it goes (relative to `out/<year>/`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ReportPlan {
    pub kind: ReportKind,
    pub id: String,
    pub title: String,
    pub path: PathBuf,
    /// The HTML edition: `html/<kind>/<id>.html` (`html/national.html`).
    pub html_path: PathBuf,
    pub data_path: PathBuf,
    /// The region the report belongs to (its own for a region; `England` for the national
    /// report), for the batch index.
    pub region: String,
}

impl ReportPlan {
    pub fn new(kind: ReportKind, id: &str, title: &str) -> ReportPlan {
        let stem = file_stem(id);
        let (path, html_path) = match kind {
            ReportKind::National => (
                PathBuf::from("national.pdf"),
                PathBuf::from("html").join("national.html"),
            ),
            _ => (
                PathBuf::from(kind.code()).join(format!("{stem}.pdf")),
                PathBuf::from("html")
                    .join(kind.code())
                    .join(format!("{stem}.html")),
            ),
        };
        ReportPlan {
            kind,
            id: id.to_string(),
            title: title.to_string(),
            path,
            html_path,
            data_path: PathBuf::from("data").join(format!("{stem}.csv")),
            region: String::new(),
        }
    }

    /// The plan, placed in region `region`.
    pub fn in_region(self, region: &str) -> ReportPlan {
        ReportPlan {
            region: region.to_string(),
            ..self
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
    /// Template data, charts and generated sentences.
    pub document: std::time::Duration,
    pub typeset: std::time::Duration,
    pub pdf_export: std::time::Duration,
    /// Compiling and writing out the HTML edition.
    pub html: std::time::Duration,
    pub write: std::time::Duration,
}

impl StageTimings {
    pub fn add(&mut self, other: &StageTimings) {
        self.document += other.document;
        self.typeset += other.typeset;
        self.pdf_export += other.pdf_export;
        self.html += other.html;
        self.write += other.write;
    }
}

/// A report's content before its version is known, with the fingerprint of what it shows.
pub struct Prepared {
    pub rendered: Rendered,
    /// SHA-256 (hex) of the report's template data and the shared inputs (templates, fonts,
    /// program version). The charts' anonymous peer bars are left out: another participant's
    /// anonymous bar moving changes no report. Whether a changed report is reissued is the
    /// revisions policy's decision (`batch::revisions`).
    pub fingerprint: String,
    /// SHA-256 (hex) of the report's own content ([`model::ReportModel::own_content`]):
    /// unchanged when only its comparators moved.
    pub own_fingerprint: String,
    pub document_time: std::time::Duration,
}

/// A figure of the data companion: table id, row key and column key. Stable when templates
/// are reworded.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FigureKey {
    pub table: String,
    pub row: String,
    pub column: String,
}

/// One figure that differs from the previous version of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub key: FigureKey,
    /// The figure in words: "Workforce size against peers: Headcount, You".
    pub figure: String,
    pub old: String,
    pub new: String,
}

/// The version a report is issued as.
#[derive(Debug, Clone)]
pub struct Issue {
    pub version: u32,
    pub date: crate::input::census::Date,
    pub changes: Vec<Change>,
    /// A reissue in which no figure changed: the templates (wording or layout) did.
    pub wording_only: bool,
    /// Why it was reissued, in a sentence for the reader (None for a first version or a
    /// wording-only reissue, which say so themselves).
    pub reason: Option<String>,
}

/// Most changes listed in a report's "What changed" section; changes.csv has them all.
pub const CHANGES_SHOWN: usize = 60;

/// A finished report: its editions and the figures it shows.
pub struct Report {
    /// None when the build does not write PDFs.
    pub pdf: Option<Vec<u8>>,
    /// None when the build does not write the HTML edition.
    pub html: Option<Vec<u8>>,
    pub rendered: Rendered,
    pub timings: StageTimings,
}

/// SHA-256 of bytes, as hex.
pub fn sha256_hex(parts: &[&[u8]]) -> String {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Builds the template data for `plan` and fingerprints it.
pub fn prepare(
    ctx: &ReportContext,
    plan: &ReportPlan,
    shared: &[u8],
) -> Result<Prepared, RenderError> {
    let started = std::time::Instant::now();
    let rendered = model::build(ctx, plan)?;
    let fingerprint = sha256_hex(&[shared, &serde_json::to_vec(&rendered.model)?]);
    let own_fingerprint = sha256_hex(&[&serde_json::to_vec(&rendered.model.own_content())?]);
    Ok(Prepared {
        rendered,
        fingerprint,
        own_fingerprint,
        document_time: started.elapsed(),
    })
}

/// Sets the version and what changed, and typesets the report in the editions asked for.
pub fn finish(
    typesetter: &Typesetter,
    plan: &ReportPlan,
    prepared: Prepared,
    issue: &Issue,
    formats: Formats,
) -> Result<Report, RenderError> {
    let Prepared {
        mut rendered,
        document_time,
        ..
    } = prepared;
    issue.apply(&mut rendered.model);
    let data = serde_json::to_vec(&rendered.model)?;
    let world = typesetter.world(plan.kind.code(), data, rendered.svgs.clone(), issue.date)?;
    let mut timings = StageTimings {
        document: document_time,
        ..StageTimings::default()
    };
    let pdf = if formats.pdf {
        let (pdf, [typeset, pdf_export]) = typesetter.pdf_of(&world)?;
        timings.typeset = typeset;
        timings.pdf_export = pdf_export;
        Some(pdf)
    } else {
        None
    };
    let html = if formats.html {
        let (html, time) = typesetter.html_of(&world)?;
        timings.html = time;
        Some(html)
    } else {
        None
    };
    Ok(Report {
        pdf,
        html,
        rendered,
        timings,
    })
}

impl Issue {
    /// Writes the version, its date and (for a reissue) what changed into the model.
    pub fn apply(&self, model: &mut model::ReportModel) {
        model.meta.version = self.version;
        model.meta.issued = self.date.long();
        model.changes = (self.version > 1).then(|| Changes {
            version: self.version,
            wording_only: self.wording_only,
            figures: self
                .changes
                .iter()
                .take(CHANGES_SHOWN)
                .map(|c| ChangeLine {
                    figure: c.figure.clone(),
                    old: c.old.clone(),
                    new: c.new.clone(),
                })
                .collect(),
            more: self.changes.len().saturating_sub(CHANGES_SHOWN),
            reason: self.reason.clone(),
        });
    }
}

/// What presents every report of a build: the template set, the typesetter over its Typst
/// files and assets, and its message templates.
pub struct Templates {
    pub set: templates::TemplateSet,
    pub typesetter: Typesetter,
    pub messages: messages::Messages,
}

#[derive(Debug, thiserror::Error)]
pub enum TemplatesError {
    #[error(transparent)]
    Set(#[from] templates::TemplateError),
    #[error(transparent)]
    Messages(#[from] messages::MessageError),
}

impl Templates {
    /// The shipped templates, with `overlay`'s files laid over them when given.
    pub fn load(overlay: Option<&std::path::Path>) -> Result<Templates, TemplatesError> {
        Templates::from_set(templates::TemplateSet::load(overlay)?)
    }

    pub fn from_set(set: templates::TemplateSet) -> Result<Templates, TemplatesError> {
        Ok(Templates {
            typesetter: Typesetter::with_templates(&set),
            messages: messages::Messages::from_set(&set)?,
            set,
        })
    }

    /// SHA-256 of the program version, every template file and the fonts.
    pub fn fingerprint(&self) -> &[u8] {
        self.typesetter.fingerprint()
    }
}
