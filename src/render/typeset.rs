//! Typesetting with typst as a library. One [`Typesetter`] holds what every report shares
//! (fonts, the standard library, the parsed templates); each report gets a small
//! [`ReportWorld`] over it that serves only that report's data document and charts.
//!
//! The world serves nothing else: no file-system reads, no packages. Every report uses the
//! same virtual paths (`/data.json`, `/charts/N.svg`), because typst interns file ids for
//! the life of the process and runs out after 65,535 distinct paths.

use crate::census::Date;
use std::collections::{BTreeMap, HashMap};
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

/// The templates, compiled into the program so a report never depends on the working folder.
pub const TEMPLATES: [(&str, &str); 6] = [
    ("/lib.typ", include_str!("../../report-templates/lib.typ")),
    (
        "/provider.typ",
        include_str!("../../report-templates/provider.typ"),
    ),
    ("/lero.typ", include_str!("../../report-templates/lero.typ")),
    ("/la.typ", include_str!("../../report-templates/la.typ")),
    (
        "/region.typ",
        include_str!("../../report-templates/region.typ"),
    ),
    (
        "/national.typ",
        include_str!("../../report-templates/national.typ"),
    ),
];

pub const FONTS: [&[u8]; 5] = [
    include_bytes!("../../fonts/OpenSans-Regular.ttf"),
    include_bytes!("../../fonts/OpenSans-Italic.ttf"),
    include_bytes!("../../fonts/OpenSans-Bold.ttf"),
    include_bytes!("../../fonts/OpenSans-BoldItalic.ttf"),
    include_bytes!("../../fonts/OpenSans-Semibold.ttf"),
];

/// A report longer than this is a template fault (a runaway loop), not a report.
pub const MAX_PAGES: usize = 200;
/// Charts a report may place, as `/charts/0.svg` … `/charts/{MAX_CHARTS-1}.svg`.
pub const MAX_CHARTS: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum TypesetError {
    #[error("template errors:\n{0}")]
    Template(String),
    #[error("PDF export failed:\n{0}")]
    Export(String),
    #[error("the report ran to {0} pages; the limit is {MAX_PAGES}")]
    TooLong(usize),
    #[error("no template named {0}")]
    NoTemplate(String),
    #[error("{0} charts given; the limit is {MAX_CHARTS}")]
    TooManyCharts(usize),
}

/// What every report shares.
pub struct Typesetter {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    sources: HashMap<FileId, Source>,
    entries: BTreeMap<String, FileId>,
    data_id: FileId,
    chart_ids: Vec<FileId>,
}

fn project_file(path: &str) -> FileId {
    let vpath = VirtualPath::new(path).expect("fixed template paths are valid");
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

impl Typesetter {
    /// The shipped templates and fonts.
    pub fn new() -> Typesetter {
        let templates: Vec<(String, String)> = TEMPLATES
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect();
        Typesetter::with_templates(&templates)
    }

    /// Templates given as (virtual path, text): the tests use this to plant faulty ones.
    pub fn with_templates(templates: &[(String, String)]) -> Typesetter {
        let fonts: Vec<Font> = FONTS
            .iter()
            .flat_map(|data| Font::iter(Bytes::new(*data)))
            .collect();
        let book = FontBook::from_fonts(&fonts);
        let mut sources = HashMap::new();
        let mut entries = BTreeMap::new();
        for (path, text) in templates {
            let id = project_file(path);
            sources.insert(id, Source::new(id, text.clone()));
            entries.insert(
                path.trim_start_matches('/')
                    .trim_end_matches(".typ")
                    .to_string(),
                id,
            );
        }
        Typesetter {
            library: LazyHash::new(Library::builder().build()),
            book: LazyHash::new(book),
            fonts,
            sources,
            entries,
            data_id: project_file("/data.json"),
            chart_ids: (0..MAX_CHARTS)
                .map(|i| project_file(&format!("/charts/{i}.svg")))
                .collect(),
        }
    }

    /// Compiles template `entry` (e.g. `provider`) over the data and charts, and exports a
    /// tagged PDF/UA-1 document dated `date`.
    pub fn pdf(
        &self,
        entry: &str,
        data: Vec<u8>,
        charts: Vec<String>,
        date: Date,
    ) -> Result<Vec<u8>, TypesetError> {
        self.pdf_timed(entry, data, charts, date)
            .map(|(pdf, _)| pdf)
    }

    /// As [`Typesetter::pdf`], also returning the (compile, export) durations.
    pub fn pdf_timed(
        &self,
        entry: &str,
        data: Vec<u8>,
        charts: Vec<String>,
        date: Date,
    ) -> Result<(Vec<u8>, [std::time::Duration; 2]), TypesetError> {
        let started = std::time::Instant::now();
        let main = *self
            .entries
            .get(entry)
            .ok_or_else(|| TypesetError::NoTemplate(entry.to_string()))?;
        if charts.len() > MAX_CHARTS {
            return Err(TypesetError::TooManyCharts(charts.len()));
        }
        let world = ReportWorld {
            base: self,
            main,
            data: Bytes::new(data),
            charts: charts
                .into_iter()
                .map(|svg| Bytes::new(svg.into_bytes()))
                .collect(),
            today: Datetime::from_ymd(date.year, date.month, date.day),
        };
        let document = typst::compile::<PagedDocument>(&world)
            .output
            .map_err(|errors| TypesetError::Template(describe(&world, &errors)))?;
        let compiled = started.elapsed();
        if document.pages().len() > MAX_PAGES {
            return Err(TypesetError::TooLong(document.pages().len()));
        }
        let standards = PdfStandards::new(&[PdfStandard::Ua_1])
            .map_err(|e| TypesetError::Export(format!("{e:?}")))?;
        let options = PdfOptions {
            timestamp: world.today.map(Timestamp::new_utc),
            standards,
            ..PdfOptions::default()
        };
        let pdf = typst_pdf::pdf(&document, &options)
            .map_err(|errors| TypesetError::Export(describe(&world, &errors)))?;
        Ok((pdf, [compiled, started.elapsed() - compiled]))
    }
}

impl Default for Typesetter {
    fn default() -> Self {
        Typesetter::new()
    }
}

/// `file:line:column: message` for each diagnostic, as a template author needs it.
fn describe(world: &ReportWorld, errors: &[SourceDiagnostic]) -> String {
    let mut out = Vec::new();
    for error in errors {
        let place = error.span.id().and_then(|id| {
            let source = world.source(id).ok()?;
            let range = world.range(error.span)?;
            let (line, column) = source.lines().byte_to_line_column(range.start)?;
            Some(format!(
                "{}:{}:{}",
                id.vpath().get_without_slash(),
                line + 1,
                column + 1
            ))
        });
        out.push(format!(
            "{}: {}",
            place.unwrap_or_else(|| "(no location)".into()),
            error.message
        ));
    }
    out.join("\n")
}

/// One report's view of the shared base.
pub struct ReportWorld<'a> {
    base: &'a Typesetter,
    main: FileId,
    data: Bytes,
    charts: Vec<Bytes>,
    today: Option<Datetime>,
}

impl World for ReportWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.base.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.base.book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        refuse_packages(id)?;
        self.base.sources.get(&id).cloned().ok_or_else(|| {
            FileError::NotFound(std::path::PathBuf::from(id.vpath().get_with_slash()))
        })
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        refuse_packages(id)?;
        if id == self.base.data_id {
            return Ok(self.data.clone());
        }
        if let Some(i) = self.base.chart_ids.iter().position(|c| *c == id) {
            if let Some(chart) = self.charts.get(i) {
                return Ok(chart.clone());
            }
        }
        if let Some(source) = self.base.sources.get(&id) {
            return Ok(Bytes::from_string(source.text().to_string()));
        }
        Err(FileError::NotFound(std::path::PathBuf::from(
            id.vpath().get_with_slash(),
        )))
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.base.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        self.today
    }
}

fn refuse_packages(id: FileId) -> FileResult<()> {
    match id.root() {
        VirtualRoot::Project => Ok(()),
        VirtualRoot::Package(spec) => Err(FileError::Other(Some(
            format!("packages are not available to reports ({spec})").into(),
        ))),
    }
}
