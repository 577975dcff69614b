//! A bounded, sparse reader for spreadsheets that arrive from outside (SPEC §8): the LAs'
//! planning workbooks, as `.xlsx` or `.ods`. Every workbook is untrusted, so what it costs
//! is bounded whatever it claims about itself:
//!
//! - the file is at most [`Limits::file_bytes`] on disk;
//! - the decompressed bytes of every archive member are counted as they stream, and reading
//!   stops at [`Limits::member_bytes`] for one member and [`Limits::total_bytes`] for all of
//!   them together (a zip bomb is refused at the cap, never inflated in full);
//! - cells are kept sparsely, one entry per cell that holds something, never by the bounding
//!   box of a used range or a `<dimension>` the file declares; a value beyond
//!   [`Limits::rows`] × [`Limits::columns`] breaks a limit rather than growing anything;
//! - archive members, sheets, shared strings and the characters of one text are counted;
//! - XML that declares a document type (the way to define entities, external or nested) is
//!   refused: a spreadsheet never needs one.
//!
//! A workbook that breaks a limit or cannot be parsed is one [`SheetError`], naming the
//! limit and, where there is one, the sheet and cell; callers turn it into one finding.

mod ods;
mod xlsx;

use crate::input::finding::grouped;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// What one workbook may cost. The defaults sit far above a real planning workbook (the
/// template is 8 KB with 20 rows and 6 columns) and far below what would hurt the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The file on disk.
    pub file_bytes: u64,
    /// Decompressed bytes of one archive member (one sheet's XML, the shared strings).
    pub member_bytes: u64,
    /// Decompressed bytes of every member read from one workbook together.
    pub total_bytes: u64,
    /// Entries in the archive.
    pub members: usize,
    /// Sheets in the workbook.
    pub sheets: usize,
    /// Rows a value may stand in (1 to `rows`).
    pub rows: u32,
    /// Columns a value may stand in (A to the `columns`th).
    pub columns: u32,
    /// Entries in an `.xlsx` workbook's shared strings.
    pub shared_strings: usize,
    /// Characters of one text (a spreadsheet cell holds at most 32,767).
    pub text_chars: usize,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        file_bytes: 10 * 1024 * 1024,
        member_bytes: 32 * 1024 * 1024,
        total_bytes: 64 * 1024 * 1024,
        members: 1_000,
        sheets: 100,
        rows: 2_000,
        columns: 100,
        shared_strings: 100_000,
        text_chars: 32_767,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// What a cell holds: the saved value of a formula, never the formula evaluated here.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Nothing saved (a formula cell saved without calculating).
    Empty,
    Number(f64),
    Text(String),
    Bool(bool),
    /// An error value such as `#REF!` or `#DIV/0!`.
    Error(String),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Empty => Ok(()),
            Value::Number(x) => write!(f, "{x}"),
            Value::Text(s) | Value::Error(s) => f.write_str(s),
            Value::Bool(true) => f.write_str("TRUE"),
            Value::Bool(false) => f.write_str("FALSE"),
        }
    }
}

/// One cell that holds something: a value, a formula, or both.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub value: Value,
    /// The formula's text without its leading `=` (an `.ods` formula keeps its `of:` prefix
    /// stripped too); `Some("")` for a formula whose text lives in another cell (a shared
    /// formula).
    pub formula: Option<String>,
}

/// The cells of one sheet that hold something, by zero-based (row, column).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sheet {
    pub name: String,
    cells: BTreeMap<(u32, u32), Cell>,
}

impl Sheet {
    pub fn cell(&self, row: u32, col: u32) -> Option<&Cell> {
        self.cells.get(&(row, col))
    }

    /// Every cell that holds something, row by row.
    pub fn cells(&self) -> impl Iterator<Item = ((u32, u32), &Cell)> {
        self.cells.iter().map(|(at, cell)| (*at, cell))
    }

    /// The cells of one row, left to right.
    pub fn row(&self, row: u32) -> impl Iterator<Item = (u32, &Cell)> {
        self.cells
            .range((row, 0)..=(row, u32::MAX))
            .map(|((_, col), cell)| (*col, cell))
    }

    /// The rows that hold something, top to bottom.
    pub fn rows(&self) -> Vec<u32> {
        let mut rows: Vec<u32> = self.cells.keys().map(|(r, _)| *r).collect();
        rows.dedup();
        rows
    }

    /// The first and last row and column that hold something.
    pub fn bounds(&self) -> Option<((u32, u32), (u32, u32))> {
        let (first_row, last_row) = (self.cells.keys().next()?.0, self.cells.keys().last()?.0);
        let first_col = self.cells.keys().map(|(_, c)| *c).min()?;
        let last_col = self.cells.keys().map(|(_, c)| *c).max()?;
        Some(((first_row, first_col), (last_row, last_col)))
    }

    pub fn len(&self) -> usize {
        self.cells.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }
}

/// A workbook: the names of all its sheets, in order, and the cells of those asked for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Workbook {
    pub sheet_names: Vec<String>,
    pub sheets: Vec<Sheet>,
}

impl Workbook {
    /// The first sheet read whose name `matches`.
    pub fn sheet(&self, matches: impl Fn(&str) -> bool) -> Option<&Sheet> {
        self.sheets.iter().find(|s| matches(&s.name))
    }
}

/// Why a workbook was not read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SheetError {
    /// Not a spreadsheet of the kind its name says, corrupt, or encrypted.
    #[error(
        "the workbook cannot be opened (corrupt, password-protected or not a spreadsheet): {0}"
    )]
    Unreadable(String),
    /// The workbook broke one of the [`Limits`]; `at` is `(sheet, row, column)` where the
    /// limit was broken at a cell.
    #[error("{what}; the workbook is not read")]
    Limit {
        what: String,
        at: Option<(String, u32, u32)>,
    },
}

impl SheetError {
    fn limit(what: impl Into<String>) -> SheetError {
        SheetError::Limit {
            what: what.into(),
            at: None,
        }
    }

    fn limit_at(what: impl Into<String>, sheet: &str, row: u32, col: u32) -> SheetError {
        SheetError::Limit {
            what: what.into(),
            at: Some((sheet.to_string(), row, col)),
        }
    }
}

/// The two kinds of workbook read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Ods,
}

impl Format {
    /// By the file's extension, whatever its case.
    pub fn of(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "xlsx" => Some(Format::Xlsx),
            "ods" => Some(Format::Ods),
            _ => None,
        }
    }
}

/// Reads the workbook at `path`, keeping the cells of the sheets whose name `wanted` accepts.
pub fn read(path: &Path, wanted: &dyn Fn(&str) -> bool) -> Result<Workbook, SheetError> {
    read_with(path, wanted, &Limits::DEFAULT)
}

/// [`read`] under other limits.
pub fn read_with(
    path: &Path,
    wanted: &dyn Fn(&str) -> bool,
    limits: &Limits,
) -> Result<Workbook, SheetError> {
    let format = Format::of(path)
        .ok_or_else(|| SheetError::Unreadable("the file is neither .xlsx nor .ods".into()))?;
    let file = std::fs::File::open(path)
        .map_err(|e| SheetError::Unreadable(format!("cannot read the file: {e}")))?;
    let too_big = |bytes: u64| {
        SheetError::limit(format!(
            "the workbook is {}, more than the {} a workbook may be",
            size(bytes),
            size(limits.file_bytes)
        ))
    };
    if let Ok(meta) = file.metadata() {
        if meta.len() > limits.file_bytes {
            return Err(too_big(meta.len()));
        }
    }
    let mut bytes = Vec::new();
    // The size on disk is checked as the bytes arrive, not taken from the file system.
    file.take(limits.file_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| SheetError::Unreadable(format!("cannot read the file: {e}")))?;
    // The size the file system gave may change while it is read (a file still being copied).
    if bytes.len() as u64 > limits.file_bytes {
        return Err(too_big(bytes.len() as u64));
    }
    read_bytes(format, &bytes, wanted, limits)
}

/// Reads a workbook held in memory.
pub fn read_bytes(
    format: Format,
    bytes: &[u8],
    wanted: &dyn Fn(&str) -> bool,
    limits: &Limits,
) -> Result<Workbook, SheetError> {
    let mut archive = Archive::open(bytes, limits)?;
    match format {
        Format::Xlsx => xlsx::read(&mut archive, wanted, limits),
        Format::Ods => ods::read(&mut archive, wanted, limits),
    }
}

/// A zip archive whose members are read under the limits.
struct Archive<'a> {
    zip: zip::ZipArchive<std::io::Cursor<&'a [u8]>>,
    limits: Limits,
    /// Decompressed bytes read so far, from every member.
    read: u64,
}

impl<'a> Archive<'a> {
    fn open(bytes: &'a [u8], limits: &Limits) -> Result<Archive<'a>, SheetError> {
        let zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
            .map_err(|e| SheetError::Unreadable(e.to_string()))?;
        if zip.len() > limits.members {
            return Err(SheetError::limit(format!(
                "the workbook's archive has {} entries, more than the {} a workbook may have",
                grouped(zip.len() as u64),
                grouped(limits.members as u64)
            )));
        }
        Ok(Archive {
            zip,
            limits: *limits,
            read: 0,
        })
    }

    /// The member's decompressed bytes; a workbook without it is unreadable.
    fn required(&mut self, name: &str) -> Result<Vec<u8>, SheetError> {
        self.member(name)?
            .ok_or_else(|| SheetError::Unreadable(format!("it has no {name}")))
    }

    /// The member's decompressed bytes, or None when there is no such member. Reading stops
    /// one byte past the smaller of the member and the remaining total allowance.
    fn member(&mut self, name: &str) -> Result<Option<Vec<u8>>, SheetError> {
        let entry = match self.zip.by_name(name) {
            Ok(entry) => entry,
            Err(zip::result::ZipError::FileNotFound) => return Ok(None),
            Err(e) => return Err(SheetError::Unreadable(format!("{name}: {e}"))),
        };
        let left = self.limits.total_bytes.saturating_sub(self.read);
        let cap = self.limits.member_bytes.min(left);
        let mut bytes = Vec::new();
        entry
            .take(cap + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| SheetError::Unreadable(format!("{name}: {e}")))?;
        self.read += bytes.len() as u64;
        if bytes.len() as u64 > cap {
            return Err(SheetError::limit(if cap == self.limits.member_bytes {
                format!(
                    "{name} inflates to more than {}, the most one part of a workbook may hold",
                    size(self.limits.member_bytes)
                )
            } else {
                format!(
                    "the workbook inflates to more than {}, the most a workbook may hold",
                    size(self.limits.total_bytes)
                )
            }));
        }
        Ok(Some(bytes))
    }
}

/// Text collected from XML under the character limit.
struct Text {
    text: String,
    chars: usize,
    limit: usize,
}

impl Text {
    fn new(limit: usize) -> Text {
        Text {
            text: String::new(),
            chars: 0,
            limit,
        }
    }

    /// Appends `s`; false once the text would be longer than the limit.
    fn push(&mut self, s: &str) -> bool {
        self.chars += s.chars().count();
        if self.chars > self.limit {
            return false;
        }
        self.text.push_str(s);
        true
    }

    /// Appends `c` `n` times (an `.ods` run of spaces); false past the limit.
    fn repeat(&mut self, c: char, n: u64) -> bool {
        if n > self.limit as u64 || self.chars + n as usize > self.limit {
            self.chars = self.limit + 1;
            return false;
        }
        self.chars += n as usize;
        self.text.extend(std::iter::repeat_n(c, n as usize));
        true
    }
}

/// A size limit in words: whole megabytes, else kilobytes.
fn size(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= MB {
        format!("{} MB", grouped(bytes / MB))
    } else {
        format!("{} KB", grouped(bytes.div_ceil(1024)))
    }
}

/// What goes wrong while walking one XML member.
fn xml_error(member: &str, e: impl std::fmt::Display) -> SheetError {
    SheetError::Unreadable(format!("{member}: {e}"))
}

/// A document type in a member: refused, since it is how entities are declared (external
/// ones that read other files, nested ones that expand a billionfold).
fn doctype_refused(member: &str) -> SheetError {
    SheetError::limit(format!(
        "{member} declares a document type (entities), which a spreadsheet never needs"
    ))
}

/// The text of a general reference in XML content: a character reference or one of the five
/// predefined entities. Any other entity is refused (none is ever declared, see above).
fn resolve_reference(
    member: &str,
    reference: &quick_xml::events::BytesRef<'_>,
) -> Result<String, SheetError> {
    if let Some(c) = reference
        .resolve_char_ref()
        .map_err(|e| xml_error(member, e))?
    {
        return Ok(c.to_string());
    }
    let name = reference.decode().map_err(|e| xml_error(member, e))?;
    quick_xml::escape::resolve_predefined_entity(&name)
        .map(str::to_string)
        .ok_or_else(|| xml_error(member, format!("the entity &{name}; is not defined")))
}

/// An attribute's raw value as text, with character references and the five predefined
/// entities resolved (any other entity is an error).
fn attribute_text(raw: &[u8]) -> Result<String, String> {
    let text = std::str::from_utf8(raw).map_err(|e| e.to_string())?;
    quick_xml::escape::unescape(text)
        .map(|t| t.into_owned())
        .map_err(|e| e.to_string())
}

/// An attribute's value by its local name (the part after any `prefix:`).
fn attribute(
    member: &str,
    element: &quick_xml::events::BytesStart<'_>,
    local: &[u8],
) -> Result<Option<String>, SheetError> {
    for attr in element.attributes() {
        let attr = attr.map_err(|e| xml_error(member, e))?;
        if attr.key.local_name().as_ref() == local {
            let value = attribute_text(&attr.value).map_err(|e| xml_error(member, e))?;
            return Ok(Some(value));
        }
    }
    Ok(None)
}

/// A sheet's name as a limit finding gives it.
fn too_far(sheet: &str, row: u64, col: u64, limits: &Limits) -> SheetError {
    let (r, c) = (
        row.min(u64::from(u32::MAX)) as u32,
        col.min(u64::from(u32::MAX)) as u32,
    );
    SheetError::limit_at(
        format!(
            "a value at {} lies beyond the {} rows and {} columns (A to {}) a workbook may use",
            cell_name(r, c),
            grouped(u64::from(limits.rows)),
            grouped(u64::from(limits.columns)),
            column_name(limits.columns - 1)
        ),
        sheet,
        r,
        c,
    )
}

fn column_name(col: u32) -> String {
    cell_name(0, col).trim_end_matches('1').to_string()
}

/// Puts `cell` at (row, col) of `cells`, or says which limit that breaks.
fn place(
    cells: &mut BTreeMap<(u32, u32), Cell>,
    sheet: &str,
    row: u64,
    col: u64,
    cell: Cell,
    limits: &Limits,
) -> Result<(), SheetError> {
    if row >= u64::from(limits.rows) || col >= u64::from(limits.columns) {
        return Err(too_far(sheet, row, col, limits));
    }
    cells.insert((row as u32, col as u32), cell);
    Ok(())
}

/// `A1` notation of a zero-based (row, column).
pub fn cell_name(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut n = col + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect::<String>() + &(row + 1).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_counts_read_as_a_person_writes_them() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(32_767), "32,767");
        assert_eq!(grouped(1_048_576), "1,048,576");
        assert_eq!(size(10 * 1024 * 1024), "10 MB");
        assert_eq!(size(50 * 1024 * 1024 + 1), "50 MB");
        assert_eq!(size(4096), "4 KB");
    }

    #[test]
    fn text_stops_at_its_limit_without_growing() {
        let mut text = Text::new(5);
        assert!(text.push("abc"));
        assert!(text.repeat(' ', 2));
        assert!(!text.push("d"));
        let mut text = Text::new(5);
        assert!(!text.repeat(' ', u64::MAX));
        assert!(text.text.is_empty());
    }

    #[test]
    fn the_sparse_sheet_knows_its_rows_and_bounds() {
        let mut sheet = Sheet::default();
        let number = |x| Cell {
            value: Value::Number(x),
            formula: None,
        };
        sheet.cells.insert((4, 2), number(1.0));
        sheet.cells.insert((1, 7), number(2.0));
        sheet.cells.insert((4, 0), number(3.0));
        assert_eq!(sheet.rows(), vec![1, 4]);
        assert_eq!(sheet.bounds(), Some(((1, 0), (4, 7))));
        assert_eq!(sheet.row(4).map(|(c, _)| c).collect::<Vec<_>>(), vec![0, 2]);
    }

    #[test]
    fn a_far_cell_names_itself_and_the_limit() {
        let e = too_far("S", 1_048_575, 16_383, &Limits::DEFAULT);
        assert_eq!(
            e.to_string(),
            "a value at XFD1048576 lies beyond the 2,000 rows and 100 columns (A to CV) a workbook may use; the workbook is not read"
        );
    }
}
