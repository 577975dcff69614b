//! Publication tables for the national team: one workbook for England and one for each
//! region, as ODS (the open format the government's guidance on releasing statistics in
//! spreadsheets prefers) and xlsx. A cover sheet, a table of contents, a notes sheet, then one
//! table per sheet with its title in A1 and its header row directly above the data; numbers
//! stored as numbers with a number format; `[c]`, `[x]` and `[z]` where a figure is withheld,
//! not available or not applicable. Every number is read from the metrics export's rows, so
//! the workbook and the export always agree.

use crate::domain::Region;
use crate::export::{write_atomic, WriteError};
use crate::input::census::{Census, Date};
use crate::metrics::catalogue::{MeasureId, Quantity};
use crate::metrics::export::MetricRow;
use crate::metrics::{EntityKind, Metrics};
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use tables::Area;

mod tables;

/// The folder the workbooks go to, inside `out/<year>/`.
pub const PUBLICATION_DIR: &str = "publication";
/// The longest sheet name spreadsheet programs accept.
pub const MAX_SHEET_NAME: usize = 31;

/// How a number is shown; the value stored is rounded to what is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NumberFormat {
    /// People and other whole counts: `#,##0`.
    Count,
    /// WTE and ratios to one decimal place: `#,##0.0`.
    OneDecimal,
    /// A share shown as a percentage to one decimal place: `0.0%`.
    Percent,
}

impl NumberFormat {
    /// The format of a catalogue measure's figures.
    pub fn of(quantity: Quantity) -> NumberFormat {
        match quantity {
            Quantity::Count => NumberFormat::Count,
            Quantity::Wte | Quantity::Ratio => NumberFormat::OneDecimal,
            Quantity::Share => NumberFormat::Percent,
        }
    }

    /// The value a cell of this format stores: rounded to the digits it shows, as the
    /// reports print them (a share shown as 8.3% is stored as 0.083).
    pub fn published(self, value: f64) -> f64 {
        match self {
            NumberFormat::Count => Quantity::Count.published(value),
            NumberFormat::OneDecimal => Quantity::Wte.published(value),
            NumberFormat::Percent => Quantity::Share.published(value),
        }
    }

    pub fn excel(self) -> &'static str {
        match self {
            NumberFormat::Count => "#,##0",
            NumberFormat::OneDecimal => "#,##0.0",
            NumberFormat::Percent => "0.0%",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64, NumberFormat),
    /// `[c]`: withheld to protect confidentiality (disclosure control).
    Withheld,
    /// `[x]`: not available (no denominator, or not returned).
    NotAvailable,
    /// `[z]`: not applicable.
    NotApplicable,
}

impl Cell {
    pub fn shorthand(&self) -> Option<&'static str> {
        match self {
            Cell::Withheld => Some("[c]"),
            Cell::NotAvailable => Some("[x]"),
            Cell::NotApplicable => Some("[z]"),
            _ => None,
        }
    }
}

/// One table, on a sheet of its own.
#[derive(Debug, Clone)]
pub struct TableSheet {
    /// The sheet name, e.g. `Table_3` (at most 31 characters).
    pub name: String,
    /// The title in A1, with the notes it cites (`[note 2]`).
    pub title: String,
    /// A line under the title: what the table shows, where it comes from.
    pub description: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// A numbered note, cited from table titles as `[note N]`.
#[derive(Debug, Clone)]
pub struct Note {
    pub number: usize,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct Workbook {
    pub title: String,
    /// The cover sheet: (heading, text) pairs in reading order.
    pub cover: Vec<(String, String)>,
    pub notes: Vec<Note>,
    pub tables: Vec<TableSheet>,
    /// The workbook's fixed dates (the census published date), for byte-identical files.
    pub date: Date,
    /// Figure names the workbook asked the metrics export for that it does not have (a
    /// misspelt name): always empty, which the tests check.
    pub unknown_figures: Vec<String>,
}

/// What the contents and notes sheets say above their tables; both formats use them.
const CONTENTS_TITLE: &str = "Table of contents";
const CONTENTS_INTRO: &str =
    "This worksheet contains one table. Each sheet name links to its table.";
const NOTES_TITLE: &str = "Notes and shorthand";
const NOTES_INTRO: &str =
    "This worksheet contains one table. Notes are cited in table titles as [note N].";

impl Workbook {
    /// The contents sheet's rows: (sheet name, title), the notes sheet first.
    pub fn contents(&self) -> Vec<(String, String)> {
        std::iter::once(("Notes".to_string(), NOTES_TITLE.to_string()))
            .chain(
                self.tables
                    .iter()
                    .map(|t| (t.name.clone(), t.title.clone())),
            )
            .collect()
    }

    /// The notes sheet's rows: (`[note N]` or a shorthand, its text).
    pub fn note_rows(&self) -> Vec<(String, String)> {
        self.notes
            .iter()
            .map(|n| (format!("[note {}]", n.number), n.text.clone()))
            .chain(
                SHORTHAND
                    .iter()
                    .map(|(s, t)| (s.to_string(), t.to_string())),
            )
            .collect()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PublicationError {
    #[error("writing the xlsx workbook: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("writing the ODS workbook: {0}")]
    Ods(#[from] spreadsheet_ods::OdsError),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error("re-packing the ODS workbook: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("re-packing the ODS workbook: {0}")]
    Xml(#[from] quick_xml::Error),
    #[error("re-packing the ODS workbook: {0}")]
    Io(#[from] std::io::Error),
}

const NOTES: [&str; 9] = [
    "Figures are for the census snapshot date and cover every organisation whose return passed validation; organisations whose returns had errors still to be resolved are left out of every figure.",
    "WTE is whole-time equivalent: 1.0 is one full-time post. Local authority WTE is attributed: each provider's and lived experience recovery organisation's WTE multiplied by the share of its workforce it reports serving the authority. Commissioning teams are counted separately.",
    "Rates are shown as percentages of the stored share: vacancy rate is vacant WTE divided by in-post plus vacant WTE; leaver rate is people who left in the 12 months before the snapshot divided by headcount; agency share is agency WTE divided by in-post WTE.",
    "Diversity shares are of the people whose answer is known; the not-known share is of everyone. Units of fewer than 10 people show no breakdown, and groups of fewer than 5 people are withheld [c], with a second group withheld where the first could be worked out.",
    "The MDT calculator's gap is the attributed WTE minus the WTE its illustrative assumptions require for the numbers in treatment; a negative gap is a shortfall. The assumptions are not a standard.",
    "Response rate is the organisations that returned divided by those invited (the census's list of invited organisations). An LA's coverage is the share of the providers and LEROs invited to serve it that returned. Every figure is a sum of the returns received, except in the table of estimates (note 8).",
    "Trends join organisations by their identifier across census years, and local authorities through the 2023 boundary changes (Cumberland and Westmorland and Furness from Cumbria; new codes for North Yorkshire and Somerset).",
    "Estimates add to the WTE and headcount returned a figure imputed for each invited organisation without a usable return (not returned, or blocked by validation): its return from the nearest other census year, scaled by the like-for-like change of organisations of its type in its region; otherwise the median return of its type and sector in its region (at least five returns) or England. A carried organisation is apportioned to LAs by its earlier shares of service, others equally over their invited LAs. Rates, shares and diversity are never imputed. Like-for-like change is over the organisations with a usable return in both years; the difference from the change in all returns is the effect of who returned.",
    "Integrated care board footprints come from the census year's lookup of local authorities to ICBs (icb_lookup.csv). A local authority's additive figures (attributed workforce, population, people in treatment, commissioning WTE) count in a footprint in proportion to the share of its adults living in it; rates and ratios are of those sums. Diversity is not apportioned to footprints.",
];

/// Looks figures up in the metrics export, noting any name the export does not have.
struct Figures<'a> {
    year: u16,
    rows: HashMap<(u16, &'a str, &'a str, &'a str), Option<f64>>,
    names: HashSet<&'a str>,
    unknown: RefCell<BTreeSet<String>>,
}

impl<'a> Figures<'a> {
    fn new(year: u16, rows: &'a [MetricRow]) -> Figures<'a> {
        Figures {
            year,
            rows: rows
                .iter()
                .map(|r| {
                    (
                        (
                            r.year,
                            r.entity_kind,
                            r.entity_id.as_str(),
                            r.metric.as_str(),
                        ),
                        r.value,
                    )
                })
                .collect(),
            names: rows.iter().map(|r| r.metric.as_str()).collect(),
            unknown: RefCell::default(),
        }
    }

    /// The figure as a cell: the number; `[c]` where a diversity share is withheld, `[x]`
    /// where another figure has no value, `[z]` where the export has no such figure.
    fn cell_in(
        &self,
        year: u16,
        kind: EntityKind,
        id: &str,
        metric: &str,
        f: NumberFormat,
    ) -> Cell {
        if !self.names.contains(metric) {
            self.unknown.borrow_mut().insert(metric.to_string());
        }
        match self.rows.get(&(year, kind.code(), id, metric)) {
            Some(Some(v)) => Cell::Number(f.published(*v), f),
            Some(None) if metric.starts_with("share.") => Cell::Withheld,
            Some(None) => Cell::NotAvailable,
            None => Cell::NotApplicable,
        }
    }

    /// True when the export has the figure for the unit (a probe, not a request).
    fn has(&self, kind: EntityKind, id: &str, metric: &str) -> bool {
        self.rows
            .contains_key(&(self.year, kind.code(), id, metric))
    }
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn format_of(metric: MeasureId) -> NumberFormat {
    NumberFormat::of(metric.measure().quantity)
}

/// A column of catalogue measures: its heading is the measure's short label with the note
/// that explains it.
struct MeasureColumn {
    measure: MeasureId,
    note: Option<usize>,
}

const fn column(measure: MeasureId, note: Option<usize>) -> MeasureColumn {
    MeasureColumn { measure, note }
}

impl MeasureColumn {
    /// (heading, figure name, format), as the per-area tables take their columns.
    fn spec(&self) -> (String, &'static str, NumberFormat) {
        let m = self.measure.measure();
        (self.heading(), m.key, NumberFormat::of(m.quantity))
    }

    fn heading(&self) -> String {
        let m = self.measure.measure();
        match self.note {
            Some(n) => format!("{} [note {n}]", m.short),
            None => m.short.to_string(),
        }
    }
}

/// The headline measures of every table of areas.
const HEADLINES: [MeasureColumn; 9] = [
    column(MeasureId::Headcount, None),
    column(MeasureId::Wte, None),
    column(MeasureId::AttributedWte, Some(2)),
    column(MeasureId::CommissioningWte, Some(2)),
    column(MeasureId::VacancyRate, Some(3)),
    column(MeasureId::LeaverRate, Some(3)),
    column(MeasureId::AgencyShare, Some(3)),
    column(MeasureId::WtePer100kAdults, None),
    column(MeasureId::Volunteers, None),
];

/// The measures of the trends table.
const TREND_MEASURES: [MeasureColumn; 6] = [
    column(MeasureId::Headcount, None),
    column(MeasureId::Wte, None),
    column(MeasureId::VacancyRate, Some(3)),
    column(MeasureId::LeaverRate, Some(3)),
    column(MeasureId::AgencyShare, Some(3)),
    column(MeasureId::Volunteers, None),
];

/// "Headcount, WTE in post and vacancy rate": the measures' labels as a phrase.
fn labels_phrase(columns: &[MeasureColumn]) -> String {
    let labels: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let label = c.measure.measure().label;
            if i == 0 {
                label.to_string()
            } else {
                label
                    .to_lowercase()
                    .replace("wte", "WTE")
                    .replace("lero", "LERO")
            }
        })
        .collect();
    match labels.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => labels.concat(),
    }
}

/// The workbook for England (`region` None) or for one region: its tables as
/// [`tables::declare`] lists them, then the cover and notes.
pub fn workbook(
    census: &Census,
    metrics: &Metrics,
    rows: &[MetricRow],
    region: Option<Region>,
) -> Workbook {
    let year = metrics.current.year;
    let figures = Figures::new(year, rows);
    let area = region.map_or_else(Area::england, Area::region);
    let areas: Vec<Area> = match region {
        Some(_) => vec![area.clone(), Area::england()],
        None => std::iter::once(Area::england())
            .chain(Region::ALL.iter().copied().map(Area::region))
            .collect(),
    };
    let scope = tables::Scope {
        metrics,
        area,
        areas,
    };
    let tables = tables::declare(&scope)
        .iter()
        .enumerate()
        .map(|(i, spec)| tables::sheet(i + 1, spec, &figures, year))
        .collect();
    let area_name = scope.area.name;
    let meta = &census.meta;
    let mut cover = vec![
        (
            "About these tables".to_string(),
            format!(
                "Official statistics tables from the {} for {area_name}: the workforce of drug and alcohol treatment and recovery services and of local authority commissioning teams on the census snapshot date.",
                meta.title
            ),
        ),
        ("Census year".to_string(), year.to_string()),
        ("Snapshot date".to_string(), meta.snapshot_date.long()),
        ("Release date".to_string(), meta.published.long()),
        ("Publisher".to_string(), meta.publisher.clone()),
        (
            "Produced by".to_string(),
            format!(
                "census-reports {}; what changed in each release is listed in its changelog.",
                env!("CARGO_PKG_VERSION")
            ),
        ),
    ];
    if !meta.contact.is_empty() {
        cover.push(("Contact".to_string(), meta.contact.clone()));
    }
    cover.extend([
        (
            "What the tables cover".to_string(),
            "Headline figures by area; every local authority's workforce, treatment numbers and MDT calculator gap; WTE by role group, role and sector; staff diversity; trends for every census year present; strategy progress; and the spread of each measure across peers. The contents sheet lists every table.".to_string(),
        ),
        (
            "Rounding".to_string(),
            "Each cell holds the figure as it is shown and as the census reports print it: people to whole numbers, WTE and ratios to one decimal place, rates as percentages to one decimal place (a rate shown as 8.3% is stored as 0.083). Figures are rounded independently, so a total may differ from the sum of the figures shown; the census metrics export has the unrounded values.".to_string(),
        ),
        (
            "Disclosure control".to_string(),
            format!(
                "No diversity breakdown is shown for a unit of fewer than {} people, and a group of fewer than {} people is withheld and marked [c], with a second group withheld where the first could be worked out from the rest.",
                crate::metrics::diversity::MIN_UNIT_HEADCOUNT,
                crate::metrics::diversity::MIN_CELL
            ),
        ),
        (
            "Shorthand".to_string(),
            "[c] withheld to protect confidentiality; [x] not available; [z] not applicable. The notes sheet explains each, and the numbered notes cited in table titles.".to_string(),
        ),
    ]);
    Workbook {
        title: format!("{}: publication tables, {area_name}", meta.title),
        cover,
        notes: NOTES
            .iter()
            .enumerate()
            .map(|(i, t)| Note {
                number: i + 1,
                text: t.to_string(),
            })
            .collect(),
        tables,
        date: meta.published,
        unknown_figures: figures.unknown.into_inner().into_iter().collect(),
    }
}

/// The shorthand used in cells, with what it means (rows of the notes sheet).
pub const SHORTHAND: [(&str, &str); 3] = [
    ("[c]", "Withheld to protect confidentiality: fewer than 5 people, or a group that would reveal one that was withheld (disclosure control)."),
    ("[x]", "Not available: the figure has no denominator or was not returned."),
    ("[z]", "Not applicable: the figure does not apply to this area or group."),
];

/// A file name for the workbooks: the census title as a slug, e.g.
/// `drug-and-alcohol-treatment-and-recovery-workforce-census-2024-tables`.
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

// ---- xlsx ----------------------------------------------------------------------------------

pub fn to_xlsx(book: &Workbook) -> Result<Vec<u8>, PublicationError> {
    use rust_xlsxwriter::{
        DocProperties, ExcelDateTime, Format, Table, TableColumn, TableStyle, Workbook as Xlsx,
    };
    let mut xlsx = Xlsx::new();
    let created = ExcelDateTime::from_ymd(book.date.year as u16, book.date.month, book.date.day)?;
    xlsx.set_properties(
        &DocProperties::new()
            .set_title(&book.title)
            .set_author("census-reports")
            .set_creation_datetime(&created)
            .set_custom_property("Language", "en-GB"),
    );
    let title = Format::new().set_bold().set_font_size(15);
    let heading = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    let formats: HashMap<NumberFormat, Format> = [
        NumberFormat::Count,
        NumberFormat::OneDecimal,
        NumberFormat::Percent,
    ]
    .into_iter()
    .map(|f| (f, Format::new().set_num_format(f.excel())))
    .collect();
    let right = Format::new().set_align(rust_xlsxwriter::FormatAlign::Right);

    let cover = xlsx.add_worksheet();
    cover.set_name("Cover")?;
    cover.write_string_with_format(0, 0, &book.title, &title)?;
    cover.set_column_width(0, 100)?;
    let mut row = 1;
    for (h, t) in &book.cover {
        cover.write_string_with_format(row, 0, h, &heading)?;
        cover.write_string_with_format(row + 1, 0, t, &wrap)?;
        row += 2;
    }

    let contents = xlsx.add_worksheet();
    contents.set_name("Contents")?;
    contents.write_string_with_format(0, 0, CONTENTS_TITLE, &title)?;
    contents.write_string(1, 0, CONTENTS_INTRO)?;
    contents.write_string_with_format(2, 0, "Sheet name", &heading)?;
    contents.write_string_with_format(2, 1, "Table title", &heading)?;
    for (i, sheet) in book.contents().into_iter().enumerate() {
        let r = 3 + i as u32;
        contents.write_url_with_text(
            r,
            0,
            format!("internal:'{}'!A1", sheet.0).as_str(),
            &sheet.0,
        )?;
        contents.write_string(r, 1, &sheet.1)?;
    }
    contents.set_column_width(0, 14)?;
    contents.set_column_width(1, 100)?;

    let notes = xlsx.add_worksheet();
    notes.set_name("Notes")?;
    notes.write_string_with_format(0, 0, NOTES_TITLE, &title)?;
    notes.write_string(1, 0, NOTES_INTRO)?;
    notes.write_string_with_format(2, 0, "Note number", &heading)?;
    notes.write_string_with_format(2, 1, "Note text", &heading)?;
    let note_rows = book.note_rows();
    for (i, (n, t)) in note_rows.iter().enumerate() {
        notes.write_string(3 + i as u32, 0, n)?;
        notes.write_string_with_format(3 + i as u32, 1, t, &wrap)?;
    }
    notes.set_column_width(0, 14)?;
    notes.set_column_width(1, 100)?;
    notes.add_table(
        2,
        0,
        2 + note_rows.len() as u32,
        1,
        &Table::new()
            .set_name("Notes")
            .set_style(TableStyle::None)
            .set_autofilter(false)
            .set_columns(&[
                TableColumn::new().set_header("Note number"),
                TableColumn::new().set_header("Note text"),
            ]),
    )?;

    for table in &book.tables {
        let sheet = xlsx.add_worksheet();
        sheet.set_name(&table.name)?;
        sheet.write_string_with_format(0, 0, &table.title, &title)?;
        sheet.write_string(1, 0, &table.description)?;
        let header_row = 2;
        for (c, h) in table.headers.iter().enumerate() {
            sheet.write_string_with_format(header_row, c as u16, h, &heading)?;
            sheet.set_column_width(c as u16, if c == 0 { 28 } else { 18 })?;
        }
        for (r, cells) in table.rows.iter().enumerate() {
            let r = header_row + 1 + r as u32;
            for (c, cell) in cells.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(t) => {
                        sheet.write_string(r, c, t)?;
                    }
                    Cell::Number(v, f) => {
                        sheet.write_number_with_format(r, c, *v, &formats[f])?;
                    }
                    other => {
                        sheet.write_string_with_format(
                            r,
                            c,
                            other.shorthand().unwrap_or_default(),
                            &right,
                        )?;
                    }
                }
            }
        }
        let columns: Vec<TableColumn> = table
            .headers
            .iter()
            .map(|h| TableColumn::new().set_header(h))
            .collect();
        let last_row = header_row + table.rows.len().max(1) as u32;
        sheet.add_table(
            header_row,
            0,
            last_row,
            table.headers.len() as u16 - 1,
            &Table::new()
                .set_name(&table.name)
                .set_style(TableStyle::None)
                .set_autofilter(false)
                .set_columns(&columns),
        )?;
    }
    Ok(xlsx.save_to_buffer()?)
}

// ---- ODS -----------------------------------------------------------------------------------

pub fn to_ods(book: &Workbook) -> Result<Vec<u8>, PublicationError> {
    use spreadsheet_ods::defaultstyles::DefaultFormat;
    use spreadsheet_ods::format::{create_number_format_fixed, create_percentage_format};
    use spreadsheet_ods::style::units::{FontSize, Length};
    use spreadsheet_ods::text::{TextA, TextP};
    use spreadsheet_ods::{CellStyle, Sheet, Value, WorkBook};
    let mut wb = WorkBook::new_empty();
    let day = chrono::NaiveDate::from_ymd_opt(
        book.date.year,
        book.date.month.into(),
        book.date.day.into(),
    )
    .and_then(|d| d.and_hms_opt(0, 0, 0));
    let meta = wb.metadata_mut();
    meta.title = book.title.clone();
    meta.language = "en-GB".to_string();
    meta.creator = "census-reports".to_string();
    meta.initial_creator = "census-reports".to_string();
    meta.generator = "census-reports".to_string();
    meta.creation_date = day;
    meta.date = day;
    let count = wb.add_number_format(create_number_format_fixed("count", 0, true));
    let one = wb.add_number_format(create_number_format_fixed("one_decimal", 1, true));
    let pct = wb.add_percentage_format(create_percentage_format("percent", 1));
    let styles: HashMap<NumberFormat, spreadsheet_ods::CellStyleRef> = [
        (NumberFormat::Count, CellStyle::new("n_count", &count)),
        (NumberFormat::OneDecimal, CellStyle::new("n_one", &one)),
        (NumberFormat::Percent, CellStyle::new("n_pct", &pct)),
    ]
    .into_iter()
    .map(|(k, s)| (k, wb.add_cellstyle(s)))
    .collect();
    let mut bold = CellStyle::new("bold", &DefaultFormat::default());
    bold.set_font_bold();
    let bold = wb.add_cellstyle(bold);
    let mut big = CellStyle::new("title", &DefaultFormat::default());
    big.set_font_bold();
    big.set_font_size(FontSize::Length(Length::Pt(15.0)));
    let big = wb.add_cellstyle(big);

    let mut cover = Sheet::new("Cover");
    cover.set_styled_value(0, 0, book.title.as_str(), &big);
    let mut row = 1;
    for (h, t) in &book.cover {
        cover.set_styled_value(row, 0, h.as_str(), &bold);
        cover.set_value(row + 1, 0, t.as_str());
        row += 2;
    }
    cover.set_col_width(0, Length::Cm(25.0));
    wb.push_sheet(cover);

    // The contents and notes sheets: a title, a line saying what is there, then a
    // two-column table.
    let listing =
        |name: &str, title: &str, intro: &str, headers: [&str; 2], rows: Vec<(Value, String)>| {
            let mut sheet = Sheet::new(name);
            sheet.set_styled_value(0, 0, title, &big);
            sheet.set_value(1, 0, intro);
            sheet.set_styled_value(2, 0, headers[0], &bold);
            sheet.set_styled_value(2, 1, headers[1], &bold);
            for (i, (first, second)) in rows.into_iter().enumerate() {
                sheet.set_value(3 + i as u32, 0, first);
                sheet.set_value(3 + i as u32, 1, second);
            }
            sheet.set_col_width(0, Length::Cm(3.0));
            sheet.set_col_width(1, Length::Cm(25.0));
            sheet
        };
    let linked = book
        .contents()
        .into_iter()
        .map(|(name, title)| {
            let link = TextA::new().href(format!("#{name}.A1")).text(name);
            (Value::from(TextP::new().tag(link).into_xmltag()), title)
        })
        .collect();
    wb.push_sheet(listing(
        "Contents",
        CONTENTS_TITLE,
        CONTENTS_INTRO,
        ["Sheet name", "Table title"],
        linked,
    ));
    let notes = book
        .note_rows()
        .into_iter()
        .map(|(n, t)| (Value::from(n), t))
        .collect();
    wb.push_sheet(listing(
        "Notes",
        NOTES_TITLE,
        NOTES_INTRO,
        ["Note number", "Note text"],
        notes,
    ));

    for table in &book.tables {
        let mut sheet = Sheet::new(table.name.as_str());
        sheet.set_styled_value(0, 0, table.title.as_str(), &big);
        sheet.set_value(1, 0, table.description.as_str());
        for (c, h) in table.headers.iter().enumerate() {
            sheet.set_styled_value(2, c as u32, h.as_str(), &bold);
            sheet.set_col_width(c as u32, Length::Cm(if c == 0 { 6.0 } else { 3.5 }));
        }
        for (r, cells) in table.rows.iter().enumerate() {
            let r = 3 + r as u32;
            for (c, cell) in cells.iter().enumerate() {
                let c = c as u32;
                match cell {
                    Cell::Text(t) => sheet.set_value(r, c, t.as_str()),
                    Cell::Number(v, f) => sheet.set_styled_value(r, c, *v, &styles[f]),
                    other => sheet.set_value(r, c, other.shorthand().unwrap_or_default()),
                }
            }
        }
        wb.push_sheet(sheet);
    }
    canonical_ods(&spreadsheet_ods::write_ods_buf(&mut wb, Vec::new())?)
}

/// The XML elements whose children spreadsheet-ods writes in hash-map order.
const UNORDERED: [&[u8]; 4] = [
    b"manifest:manifest",
    b"office:automatic-styles",
    b"office:styles",
    b"office:font-face-decls",
];

/// spreadsheet-ods keeps styles, formats and the manifest in std HashMaps (randomly ordered
/// in each process) and stamps zip entries with the time of writing, so its bytes differ
/// from run to run. Re-packs the archive with fixed timestamps and the children of those
/// containers sorted, which changes nothing a spreadsheet program reads.
fn canonical_ods(bytes: &[u8]) -> Result<Vec<u8>, PublicationError> {
    use std::io::{Read, Write};
    use zip::write::SimpleFileOptions;
    use zip::CompressionMethod;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))?;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let mut file = archive.by_index(i)?;
        let name = file.name()?.to_string();
        // The mimetype entry must be first and stored uncompressed (ODF 1.3, 3.3).
        let method = if name == "mimetype" {
            CompressionMethod::Stored
        } else {
            CompressionMethod::Deflated
        };
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .last_modified_time(zip::DateTime::default());
        if file.is_dir() {
            out.add_directory(name, options)?;
            continue;
        }
        let mut data = Vec::new();
        file.read_to_end(&mut data)?;
        if name.ends_with(".xml") {
            data = sorted_children(&data)?;
        }
        out.start_file(name, options)?;
        out.write_all(&data)?;
    }
    Ok(out.finish()?.into_inner())
}

/// An element with its attributes (and namespace declarations) in name order.
fn sorted_attributes(
    e: &quick_xml::events::BytesStart,
) -> Result<quick_xml::events::BytesStart<'static>, PublicationError> {
    let mut attributes: Vec<(Vec<u8>, Vec<u8>)> = e
        .attributes()
        .map(|a| {
            a.map(|a| (a.key.as_ref().to_vec(), a.value.to_vec()))
                .map_err(quick_xml::Error::from)
        })
        .collect::<Result<_, _>>()?;
    attributes.sort();
    let mut sorted =
        quick_xml::events::BytesStart::new(String::from_utf8_lossy(e.name().as_ref()).into_owned());
    for (k, v) in &attributes {
        sorted.push_attribute((k.as_slice(), v.as_slice()));
    }
    Ok(sorted)
}

/// The XML with every element's attributes in name order and the children of every
/// [`UNORDERED`] element in byte order.
fn sorted_children(xml: &[u8]) -> Result<Vec<u8>, PublicationError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut writer = quick_xml::Writer::new(Vec::new());
    let canonical = |event: Event| -> Result<Event<'static>, PublicationError> {
        Ok(match event {
            Event::Start(e) => Event::Start(sorted_attributes(&e)?),
            Event::Empty(e) => Event::Empty(sorted_attributes(&e)?),
            other => other.into_owned(),
        })
    };
    loop {
        let event = canonical(reader.read_event()?)?;
        let container = matches!(&event, Event::Start(e) if UNORDERED.contains(&e.name().as_ref()));
        match event {
            Event::Eof => break,
            event if container => {
                writer.write_event(event)?;
                let mut children: Vec<Vec<u8>> = Vec::new();
                let mut child = quick_xml::Writer::new(Vec::new());
                let mut depth = 0usize;
                loop {
                    let event = canonical(reader.read_event()?)?;
                    match &event {
                        Event::Eof => return Ok(xml.to_vec()),
                        Event::End(_) if depth == 0 => {
                            children.sort();
                            for c in children {
                                writer.get_mut().extend_from_slice(&c);
                            }
                            writer.write_event(event)?;
                            break;
                        }
                        Event::Start(_) => depth += 1,
                        Event::End(_) => depth -= 1,
                        _ => {}
                    }
                    child.write_event(event)?;
                    if depth == 0 {
                        children.push(std::mem::take(child.get_mut()));
                    }
                }
            }
            event => writer.write_event(event)?,
        }
    }
    Ok(writer.into_inner())
}

/// Writes the national workbook and one per region, as ODS and xlsx, to
/// `out/publication/`. Returns the files written.
pub fn write_all(
    out: &Path,
    census: &Census,
    metrics: &Metrics,
) -> Result<Vec<PathBuf>, PublicationError> {
    let rows = crate::metrics::export::area_rows(metrics);
    let dir = out.join(PUBLICATION_DIR);
    let slug = slug(&census.meta.title);
    let mut written = Vec::new();
    let regions = std::iter::once(None).chain(Region::ALL.iter().copied().map(Some));
    for region in regions {
        let book = workbook(census, metrics, &rows, region);
        let stem = match region {
            None => format!("{slug}-tables"),
            Some(r) => format!("{slug}-tables-{}", r.code().replace('_', "-")),
        };
        for (ext, bytes) in [("ods", to_ods(&book)?), ("xlsx", to_xlsx(&book)?)] {
            let path = dir.join(format!("{stem}.{ext}"));
            write_atomic(&path, &bytes)?;
            written.push(path);
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_census_title_makes_a_file_name() {
        assert_eq!(
            slug("Drug and alcohol treatment and recovery workforce census 2024"),
            "drug-and-alcohol-treatment-and-recovery-workforce-census-2024"
        );
        assert_eq!(slug("  A/B: c  "), "a-b-c");
    }
}
