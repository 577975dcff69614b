//! Typesetting with typst as a library. One [`Typesetter`] holds what every report shares
//! (fonts, the standard library, the parsed templates); each report gets a small
//! [`ReportWorld`] over it that serves only that report's data document and charts.
//!
//! The world serves nothing else: no file-system reads, no packages. Every report uses the
//! same virtual paths (`/data.json`, `/charts/N.svg`), because typst interns file ids for
//! the life of the process and runs out after 65,535 distinct paths.
//!
//! The HTML edition refers to a chart as `<img src="charts/<id>.svg" …>` and the export puts
//! the chart itself there as a `data:` URL, so that each page is one self-contained file (a
//! data URL made in the template would be hashed over and over by typst's memoisation).

use super::templates::TemplateSet;
use crate::input::census::Date;
use std::collections::{BTreeMap, HashMap};
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Feature, Library, LibraryExt, World, WorldExt};
use typst_html::{HtmlDocument, HtmlOptions};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

/// Open Sans for the text; DejaVu Sans as the fallback for scripts Open Sans lacks (Arabic,
/// Hebrew, many symbols).
macro_rules! fonts {
    ($($name:literal),+ $(,)?) => {
        [$(($name, include_bytes!(concat!("../../fonts/", $name)) as &[u8])),+]
    };
}

/// The shipped fonts, by file name.
pub const FONTS: [(&str, &[u8]); 7] = fonts!(
    "OpenSans-Regular.ttf",
    "OpenSans-Italic.ttf",
    "OpenSans-Bold.ttf",
    "OpenSans-BoldItalic.ttf",
    "OpenSans-Semibold.ttf",
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
);

/// Shown in place of a character no shipped font can display (emoji, control characters):
/// a tagged PDF may not contain text it cannot show. The data companion keeps the original.
pub const REPLACEMENT: char = '\u{FFFD}';

/// A report longer than this is a template fault (a runaway loop), not a report.
pub const MAX_PAGES: usize = 200;
/// Charts one report may hold, as `/charts/<id>.svg`.
pub const MAX_CHARTS: usize = 200;

#[derive(Debug, thiserror::Error)]
pub enum TypesetError {
    #[error("template errors:\n{0}")]
    Template(String),
    #[error("PDF export failed:\n{0}")]
    Export(String),
    #[error("HTML export failed:\n{0}")]
    HtmlExport(String),
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
    /// Every other file of the template set (assets), by id.
    files: HashMap<FileId, Bytes>,
    entries: BTreeMap<String, FileId>,
    data_id: FileId,
    fingerprint: Vec<u8>,
}

fn project_file(path: &str) -> FileId {
    let vpath = VirtualPath::new(path).expect("fixed template paths are valid");
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

impl Typesetter {
    /// The shipped templates and fonts.
    pub fn new() -> Typesetter {
        Typesetter::with_templates(&TemplateSet::shipped())
    }

    /// A template set's Typst sources and assets, with the shipped fonts.
    pub fn with_templates(set: &TemplateSet) -> Typesetter {
        let fonts: Vec<Font> = FONTS
            .iter()
            .flat_map(|(_, data)| Font::iter(Bytes::new(*data)))
            .collect();
        let book = FontBook::from_fonts(&fonts);
        let fingerprint = {
            use sha2::Digest;
            let mut hasher = sha2::Sha256::new();
            hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
            hasher.update(set.fingerprint());
            for (_, font) in FONTS {
                hasher.update(font);
            }
            hasher.finalize().to_vec()
        };
        let mut sources = HashMap::new();
        let mut files = HashMap::new();
        let mut entries = BTreeMap::new();
        for (path, bytes) in set.files() {
            let id = project_file(path);
            match std::str::from_utf8(bytes) {
                Ok(text) if path.ends_with(".typ") => {
                    sources.insert(id, Source::new(id, text.to_string()));
                    if !path[1..].contains('/') {
                        entries.insert(path[1..].trim_end_matches(".typ").to_string(), id);
                    }
                }
                _ => {
                    files.insert(id, Bytes::new(bytes.to_vec()));
                }
            }
        }
        Typesetter {
            // HTML on, so that the same templates also make the HTML edition (`target()`).
            library: LazyHash::new(
                Library::builder()
                    .with_features([Feature::Html].into_iter().collect())
                    .build(),
            ),
            book: LazyHash::new(book),
            fonts,
            sources,
            files,
            entries,
            data_id: project_file("/data.json"),
            fingerprint,
        }
    }

    /// Compiles template `entry` (e.g. `provider`) over the data and charts (SVG by chart id,
    /// served at `/charts/<id>.svg`), and exports a tagged PDF/UA-1 document dated `date`.
    pub fn pdf(
        &self,
        entry: &str,
        data: Vec<u8>,
        charts: Vec<(String, String)>,
        date: Date,
    ) -> Result<Vec<u8>, TypesetError> {
        let world = self.world(entry, data, charts, date)?;
        self.pdf_of(&world).map(|(pdf, _)| pdf)
    }

    /// The world of one report: template `entry` over its data and charts.
    pub fn world(
        &self,
        entry: &str,
        data: Vec<u8>,
        charts: Vec<(String, String)>,
        date: Date,
    ) -> Result<ReportWorld<'_>, TypesetError> {
        let main = *self
            .entries
            .get(entry)
            .ok_or_else(|| TypesetError::NoTemplate(entry.to_string()))?;
        if charts.len() > MAX_CHARTS {
            return Err(TypesetError::TooManyCharts(charts.len()));
        }
        Ok(ReportWorld {
            base: self,
            main,
            data: Bytes::new(self.displayable(data)),
            charts: charts
                .into_iter()
                .map(|(id, svg)| {
                    (
                        project_file(&format!("/charts/{}.svg", crate::export::file_stem(&id))),
                        Bytes::new(svg.into_bytes()),
                    )
                })
                .collect(),
            today: Datetime::from_ymd(date.year, date.month, date.day),
        })
    }

    /// The report typeset as a tagged PDF/UA-1 document, with the (compile, export) durations.
    pub fn pdf_of(
        &self,
        world: &ReportWorld,
    ) -> Result<(Vec<u8>, [std::time::Duration; 2]), TypesetError> {
        let started = std::time::Instant::now();
        let document = typst::compile::<PagedDocument>(world)
            .output
            .map_err(|errors| TypesetError::Template(describe(world, &errors)))?;
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
            .map_err(|errors| TypesetError::Export(describe(world, &errors)))?;
        Ok((pdf, [compiled, started.elapsed() - compiled]))
    }

    /// The report's HTML edition (the templates' `target() == "html"` branch): one
    /// self-contained page, charts embedded as images with their alternative text.
    pub fn html_of(
        &self,
        world: &ReportWorld,
    ) -> Result<(Vec<u8>, std::time::Duration), TypesetError> {
        let started = std::time::Instant::now();
        let document = typst::compile::<HtmlDocument>(world)
            .output
            .map_err(|errors| TypesetError::Template(describe(world, &errors)))?;
        let html = typst_html::html(&document, &HtmlOptions { pretty: true })
            .map_err(|errors| TypesetError::HtmlExport(describe(world, &errors)))?;
        Ok((world.inline_charts(&html).into_bytes(), started.elapsed()))
    }
}

impl Default for Typesetter {
    fn default() -> Self {
        Typesetter::new()
    }
}

impl Typesetter {
    /// SHA-256 of the program version, the templates in use and the fonts: part of every
    /// report's fingerprint.
    pub fn fingerprint(&self) -> &[u8] {
        &self.fingerprint
    }

    /// Whether the shipped fonts can show `c`. A combining mark must be in the text font
    /// itself, since it is drawn with the letter before it.
    fn can_display(&self, c: char) -> bool {
        if c == '\n' || c == ' ' || c.is_ascii_graphic() {
            return true;
        }
        if c.is_control() {
            return false;
        }
        let code = u32::from(c);
        let combining = matches!(code, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F);
        if combining {
            return self
                .fonts
                .first()
                .is_some_and(|f| f.info().coverage.contains(code));
        }
        self.fonts.iter().any(|f| f.info().coverage.contains(code))
    }

    /// The template data with every character the fonts cannot show replaced. JSON escapes
    /// control characters, so the strings are checked after decoding.
    pub fn displayable(&self, data: Vec<u8>) -> Vec<u8> {
        // Plain ASCII without escaped control characters needs no check.
        if data.is_ascii() && !data.windows(4).any(|w| w == b"\\u00") {
            return data;
        }
        let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&data) else {
            return data;
        };
        if self.replace_in(&mut value) {
            serde_json::to_vec(&value).unwrap_or(data)
        } else {
            data
        }
    }

    /// Replaces what cannot be shown; true when anything was replaced.
    fn replace_in(&self, value: &mut serde_json::Value) -> bool {
        match value {
            serde_json::Value::String(text) => {
                if text.chars().all(|c| self.can_display(c)) {
                    return false;
                }
                *text = text
                    .chars()
                    .filter_map(|c| match c {
                        _ if self.can_display(c) => Some(c),
                        // An undisplayable combining mark is dropped; its letter stays.
                        _ if !c.is_control()
                            && self
                                .fonts
                                .iter()
                                .any(|f| f.info().coverage.contains(u32::from(c))) =>
                        {
                            None
                        }
                        _ => Some(REPLACEMENT),
                    })
                    .collect();
                true
            }
            serde_json::Value::Array(items) => items
                .iter_mut()
                .fold(false, |any, v| self.replace_in(v) | any),
            serde_json::Value::Object(map) => map
                .values_mut()
                .fold(false, |any, v| self.replace_in(v) | any),
            _ => false,
        }
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
            let text = source
                .text()
                .lines()
                .nth(line)
                .unwrap_or_default()
                .trim_end();
            Some((
                format!(
                    "{}:{}:{}",
                    id.vpath().get_without_slash(),
                    line + 1,
                    column + 1
                ),
                format!(
                    "\n    {:>4} | {text}\n         | {:>column$}^",
                    line + 1,
                    ""
                ),
            ))
        });
        let (place, excerpt) = place.unwrap_or_else(|| ("(no location)".into(), String::new()));
        out.push(format!("{place}: {}{excerpt}", error.message));
    }
    out.join("\n")
}

/// One report's view of the shared base.
pub struct ReportWorld<'a> {
    base: &'a Typesetter,
    main: FileId,
    data: Bytes,
    charts: HashMap<FileId, Bytes>,
    today: Option<Datetime>,
}

impl ReportWorld<'_> {
    /// `html` with every `src="charts/<id>.svg"` of a chart this report has replaced by the
    /// chart as a `data:image/svg+xml;base64,` URL. Typst writes `"` inside an attribute as
    /// `&quot;`, so the pattern only ever matches a real `src` attribute (in text it would
    /// become a harmless run of base64).
    fn inline_charts(&self, html: &str) -> String {
        use base64::Engine;
        const START: &str = "src=\"charts/";
        let mut out = String::with_capacity(html.len() * 2);
        let mut rest = html;
        while let Some(at) = rest.find(START) {
            let (before, tail) = rest.split_at(at);
            out.push_str(before);
            let name = &tail[START.len()..];
            let chart = name
                .find('"')
                .map(|end| &name[..end])
                .filter(|file| file.ends_with(".svg"))
                .and_then(|file| self.charts.get(&project_file(&format!("/charts/{file}"))));
            match chart {
                Some(svg) => {
                    out.push_str("src=\"data:image/svg+xml;base64,");
                    base64::engine::general_purpose::STANDARD.encode_string(svg, &mut out);
                    let file_len = name.find('"').unwrap_or_default();
                    rest = &name[file_len..];
                }
                None => {
                    out.push_str(START);
                    rest = name;
                }
            }
        }
        out.push_str(rest);
        out
    }
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
        if let Some(chart) = self.charts.get(&id) {
            return Ok(chart.clone());
        }
        if let Some(file) = self.base.files.get(&id) {
            return Ok(file.clone());
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

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(main: &str) -> Result<Vec<u8>, TypesetError> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("provider.typ"), main).unwrap();
        let typesetter = Typesetter::with_templates(&TemplateSet::load(Some(dir.path())).unwrap());
        let date = Date::parse("2024-11-28").unwrap();
        typesetter.pdf("provider", b"{}".to_vec(), Vec::new(), date)
    }

    const PREAMBLE: &str = "#set document(title: \"t\")\n#set text(font: \"Open Sans\", lang: \"en\", region: \"gb\")\n";

    #[test]
    fn a_plain_document_compiles() {
        let pdf = compile(&format!("{PREAMBLE}Hello")).unwrap();
        assert!(pdf.starts_with(b"%PDF"));
    }

    #[test]
    fn files_outside_the_world_are_refused() {
        for path in [
            "/etc/passwd",
            "../../etc/passwd",
            "/report-templates/lib.typ",
            "/fonts/OpenSans-Regular.ttf",
        ] {
            let err = compile(&format!("{PREAMBLE}#read(\"{path}\")")).unwrap_err();
            assert!(matches!(err, TypesetError::Template(_)), "{path}: {err}");
        }
    }

    #[test]
    fn a_template_error_names_file_line_column_and_shows_the_line() {
        let err = compile(&format!("{PREAMBLE}Hello\n#let x = (1 +)\n"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("provider.typ:4:"), "{err}");
        assert!(err.contains("   4 | #let x = (1 +)"), "{err}");
    }

    #[test]
    fn package_imports_are_refused() {
        let err = compile(&format!("{PREAMBLE}#import \"@preview/cetz:0.3.0\": *"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("packages are not available") || err.contains("preview"),
            "{err}"
        );
    }

    #[test]
    fn runaway_templates_are_stopped() {
        let err = compile(&format!("{PREAMBLE}#while true {{ }}"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("always true"), "{err}");
        let err = compile(&format!("{PREAMBLE}#let x = 0\n#while x >= 0 {{ x += 1 }}"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("infinite"), "{err}");
        let err = compile(&format!("{PREAMBLE}#let f(n) = f(n + 1)\n#f(0)"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("depth"), "{err}");
        let err = compile(&format!(
            "{PREAMBLE}#for i in range(10000) {{ [page #i] ; pagebreak() }}"
        ))
        .unwrap_err();
        assert!(
            matches!(err, TypesetError::TooLong(n) if n > MAX_PAGES),
            "{err}"
        );
    }
}
