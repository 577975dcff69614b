//! Office Open XML workbooks (`.xlsx`): `xl/workbook.xml` names the sheets, its
//! relationships say which member holds each, `xl/sharedStrings.xml` holds the texts that
//! cells refer to by number, and each worksheet lists its cells as `<c r="B3" t="s"><v>…`.
//! Only the sheets asked for are parsed; styles, drawings and everything else are never read.

use super::{
    attribute, doctype_refused, place, resolve_reference, xml_error, Archive, Cell, Limits, Sheet,
    SheetError, Text, Value, Workbook,
};
use quick_xml::events::Event;
use quick_xml::Reader;
use std::collections::BTreeMap;

const WORKBOOK: &str = "xl/workbook.xml";
const WORKBOOK_RELS: &str = "xl/_rels/workbook.xml.rels";
const SHARED_STRINGS: &str = "xl/sharedStrings.xml";

pub(super) fn read(
    archive: &mut Archive<'_>,
    wanted: &dyn Fn(&str) -> bool,
    limits: &Limits,
) -> Result<Workbook, SheetError> {
    let workbook = archive.required(WORKBOOK)?;
    let sheets = sheet_list(&workbook, limits)?;
    drop(workbook);
    let rels = archive.member(WORKBOOK_RELS)?.unwrap_or_default();
    let targets = relationships(&rels)?;
    let mut book = Workbook {
        sheet_names: sheets.iter().map(|(name, _)| name.clone()).collect(),
        sheets: Vec::new(),
    };
    let to_read: Vec<(String, String)> = sheets
        .into_iter()
        .filter(|(name, _)| wanted(name))
        .filter_map(|(name, id)| {
            targets
                .get(&id)
                .filter(|(kind, _)| kind.ends_with("/worksheet"))
                .map(|(_, path)| (name, path.clone()))
        })
        .collect();
    if to_read.is_empty() {
        return Ok(book);
    }
    let strings_member = targets
        .values()
        .find(|(kind, _)| kind.ends_with("/sharedStrings"))
        .map(|(_, path)| path.as_str())
        .unwrap_or(SHARED_STRINGS)
        .to_string();
    let strings = match archive.member(&strings_member)? {
        Some(bytes) => shared_strings(&strings_member, &bytes, limits)?,
        None => Vec::new(),
    };
    for (name, path) in to_read {
        let bytes = archive.required(&path)?;
        book.sheets
            .push(worksheet(&name, &path, &bytes, &strings, limits)?);
    }
    Ok(book)
}

/// A member's XML reader, with a document type refused wherever it appears.
fn reader(bytes: &[u8]) -> Reader<&[u8]> {
    Reader::from_reader(bytes)
}

/// The sheets in order, as (name, relationship id).
fn sheet_list(bytes: &[u8], limits: &Limits) -> Result<Vec<(String, String)>, SheetError> {
    let mut xml = reader(bytes);
    let mut sheets = Vec::new();
    loop {
        match xml.read_event().map_err(|e| xml_error(WORKBOOK, e))? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"sheet" => {
                let name = attribute(WORKBOOK, &e, b"name")?.unwrap_or_default();
                let id = attribute(WORKBOOK, &e, b"id")?.unwrap_or_default();
                sheets.push((name, id));
                if sheets.len() > limits.sheets {
                    return Err(SheetError::limit(format!(
                        "the workbook has more than {} sheets, the most a workbook may have",
                        super::grouped(limits.sheets as u64)
                    )));
                }
            }
            Event::DocType(_) => return Err(doctype_refused(WORKBOOK)),
            Event::Eof => return Ok(sheets),
            _ => {}
        }
    }
}

/// Relationship id → (type, member path).
fn relationships(bytes: &[u8]) -> Result<BTreeMap<String, (String, String)>, SheetError> {
    let mut xml = reader(bytes);
    let mut out = BTreeMap::new();
    loop {
        match xml.read_event().map_err(|e| xml_error(WORKBOOK_RELS, e))? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"Relationship" => {
                let id = attribute(WORKBOOK_RELS, &e, b"Id")?.unwrap_or_default();
                let kind = attribute(WORKBOOK_RELS, &e, b"Type")?.unwrap_or_default();
                let target = attribute(WORKBOOK_RELS, &e, b"Target")?.unwrap_or_default();
                out.insert(id, (kind, member_path(&target)));
            }
            Event::DocType(_) => return Err(doctype_refused(WORKBOOK_RELS)),
            Event::Eof => return Ok(out),
            _ => {}
        }
    }
}

/// A relationship target as an archive member name: absolute (`/xl/…`) or relative to `xl/`.
fn member_path(target: &str) -> String {
    let joined = match target.strip_prefix('/') {
        Some(absolute) => absolute.to_string(),
        None => format!("xl/{target}"),
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    parts.join("/")
}

/// The shared strings, each `<si>` as one text (rich-text runs joined; phonetic guides left
/// out, as a spreadsheet shows them).
fn shared_strings(member: &str, bytes: &[u8], limits: &Limits) -> Result<Vec<String>, SheetError> {
    let mut xml = reader(bytes);
    let mut strings = Vec::new();
    let mut current: Option<Text> = None;
    let mut in_t = false;
    let mut in_phonetic = false;
    let too_long = |n: usize| {
        SheetError::limit(format!(
            "shared string {n} is longer than {} characters, the most a cell may hold",
            super::grouped(limits.text_chars as u64)
        ))
    };
    loop {
        match xml.read_event().map_err(|e| xml_error(member, e))? {
            Event::Start(e) => match e.local_name().as_ref() {
                b"si" => {
                    if strings.len() >= limits.shared_strings {
                        return Err(SheetError::limit(format!(
                            "the workbook has more than {} shared strings, the most a workbook may have",
                            super::grouped(limits.shared_strings as u64)
                        )));
                    }
                    current = Some(Text::new(limits.text_chars));
                }
                b"t" => in_t = true,
                b"rPh" => in_phonetic = true,
                _ => {}
            },
            Event::Empty(e) if e.local_name().as_ref() == b"si" => strings.push(String::new()),
            Event::End(e) => match e.local_name().as_ref() {
                b"si" => strings.push(current.take().map(|t| t.text).unwrap_or_default()),
                b"t" => in_t = false,
                b"rPh" => in_phonetic = false,
                _ => {}
            },
            Event::Text(e) if in_t && !in_phonetic => {
                let text = e.decode().map_err(|e| xml_error(member, e))?;
                if let Some(current) = current.as_mut() {
                    if !current.push(&text) {
                        return Err(too_long(strings.len() + 1));
                    }
                }
            }
            Event::CData(e) if in_t && !in_phonetic => {
                let text = e.decode().map_err(|e| xml_error(member, e))?;
                if let Some(current) = current.as_mut() {
                    if !current.push(&text) {
                        return Err(too_long(strings.len() + 1));
                    }
                }
            }
            Event::GeneralRef(e) if in_t && !in_phonetic => {
                let text = resolve_reference(member, &e)?;
                if let Some(current) = current.as_mut() {
                    if !current.push(&text) {
                        return Err(too_long(strings.len() + 1));
                    }
                }
            }
            Event::GeneralRef(e) => {
                resolve_reference(member, &e)?;
            }
            Event::DocType(_) => return Err(doctype_refused(member)),
            Event::Eof => return Ok(strings),
            _ => {}
        }
    }
}

/// `B3` → zero-based (row, column); None when it is not a cell reference.
fn parse_reference(text: &str) -> Option<(u64, u64)> {
    let letters = text.bytes().take_while(u8::is_ascii_alphabetic).count();
    if letters == 0 || letters > 7 {
        return None;
    }
    let (col_text, row_text) = text.split_at(letters);
    let col = col_text.bytes().try_fold(0u64, |n, b| {
        Some(n * 26 + u64::from(b.to_ascii_uppercase() - b'A') + 1)
    })?;
    let row: u64 = row_text.parse().ok()?;
    (row >= 1).then(|| (row - 1, col - 1))
}

/// Which part of a `<c>` element the reader is in.
#[derive(Clone, Copy, PartialEq)]
enum Part {
    Other,
    Value,
    Formula,
    InlineText,
}

/// A cell being read.
struct Pending {
    row: u64,
    col: u64,
    kind: String,
    value: Option<Text>,
    formula: Option<Text>,
    inline: Option<Text>,
}

fn worksheet(
    name: &str,
    member: &str,
    bytes: &[u8],
    strings: &[String],
    limits: &Limits,
) -> Result<Sheet, SheetError> {
    let mut xml = reader(bytes);
    let mut cells = BTreeMap::new();
    // The row and column of the element last seen, for cells and rows without an `r`.
    let mut row: u64 = 0;
    let mut next_row: u64 = 0;
    let mut next_col: u64 = 0;
    let mut pending: Option<Pending> = None;
    let mut part = Part::Other;
    let mut in_phonetic = false;
    let text_limit = limits.text_chars;
    let too_long = |p: &Pending| {
        let (r, c) = (
            p.row.min(u64::from(u32::MAX)) as u32,
            p.col.min(u64::from(u32::MAX)) as u32,
        );
        SheetError::limit_at(
            format!(
                "the cell holds more than {} characters, the most a cell may hold",
                super::grouped(text_limit as u64)
            ),
            name,
            r,
            c,
        )
    };
    loop {
        let event = xml.read_event().map_err(|e| xml_error(member, e))?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                match e.local_name().as_ref() {
                    b"row" => {
                        row = match attribute(member, e, b"r")? {
                            Some(r) => r
                                .trim()
                                .parse::<u64>()
                                .ok()
                                .filter(|r| *r >= 1)
                                .map(|r| r - 1)
                                .ok_or_else(|| {
                                    xml_error(member, format!("row number '{r}' is not a row"))
                                })?,
                            None => next_row,
                        };
                        next_row = row + 1;
                        next_col = 0;
                    }
                    b"c" => {
                        let (r, c) = match attribute(member, e, b"r")? {
                            Some(at) => parse_reference(at.trim()).ok_or_else(|| {
                                xml_error(member, format!("'{at}' is not a cell reference"))
                            })?,
                            None => (row, next_col),
                        };
                        next_col = c + 1;
                        if !empty {
                            pending = Some(Pending {
                                row: r,
                                col: c,
                                kind: attribute(member, e, b"t")?.unwrap_or_default(),
                                value: None,
                                formula: None,
                                inline: None,
                            });
                        }
                    }
                    b"v" if pending.is_some() => {
                        part = Part::Value;
                        if let Some(p) = pending.as_mut() {
                            p.value.get_or_insert_with(|| Text::new(text_limit));
                        }
                        if empty {
                            part = Part::Other;
                        }
                    }
                    b"f" if pending.is_some() => {
                        part = Part::Formula;
                        if let Some(p) = pending.as_mut() {
                            p.formula.get_or_insert_with(|| Text::new(text_limit));
                        }
                        if empty {
                            part = Part::Other;
                        }
                    }
                    b"is" if pending.is_some() => {
                        if let Some(p) = pending.as_mut() {
                            p.inline.get_or_insert_with(|| Text::new(text_limit));
                        }
                    }
                    b"t" if pending.is_some() && !empty => part = Part::InlineText,
                    b"rPh" if !empty => in_phonetic = true,
                    _ => {}
                }
            }
            Event::End(ref e) => match e.local_name().as_ref() {
                b"c" => {
                    if let Some(p) = pending.take() {
                        if let Some(cell) = finish(name, &p, strings)? {
                            place(&mut cells, name, p.row, p.col, cell, limits)?;
                        }
                    }
                    part = Part::Other;
                }
                b"v" | b"f" | b"t" => part = Part::Other,
                b"rPh" => in_phonetic = false,
                _ => {}
            },
            Event::Text(ref e) if part != Part::Other && !in_phonetic => {
                let text = e.decode().map_err(|e| xml_error(member, e))?;
                if let Some(p) = pending.as_mut() {
                    if !push(p, part, &text) {
                        return Err(too_long(p));
                    }
                }
            }
            Event::CData(ref e) if part != Part::Other && !in_phonetic => {
                let text = e.decode().map_err(|e| xml_error(member, e))?;
                if let Some(p) = pending.as_mut() {
                    if !push(p, part, &text) {
                        return Err(too_long(p));
                    }
                }
            }
            Event::GeneralRef(ref e) => {
                let text = resolve_reference(member, e)?;
                if let Some(p) = pending
                    .as_mut()
                    .filter(|_| part != Part::Other && !in_phonetic)
                {
                    if !push(p, part, &text) {
                        return Err(too_long(p));
                    }
                }
            }
            Event::DocType(_) => return Err(doctype_refused(member)),
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(Sheet {
        name: name.to_string(),
        cells,
    })
}

/// Appends text to the part of the cell being read; false past the character limit.
fn push(p: &mut Pending, part: Part, text: &str) -> bool {
    let target = match part {
        Part::Value => p.value.as_mut(),
        Part::Formula => p.formula.as_mut(),
        Part::InlineText => p.inline.as_mut(),
        Part::Other => None,
    };
    target.is_none_or(|t| t.push(text))
}

/// The cell a `<c>` element describes, or None when it holds nothing (a formatted blank).
fn finish(sheet: &str, p: &Pending, strings: &[String]) -> Result<Option<Cell>, SheetError> {
    let formula = p
        .formula
        .as_ref()
        .map(|f| f.text.trim_start_matches('=').to_string());
    let raw = p.value.as_ref().map(|v| v.text.as_str());
    let at = || super::cell_name(p.row as u32, p.col as u32);
    let value = match (p.kind.as_str(), raw) {
        ("inlineStr", _) => match &p.inline {
            Some(text) => Value::Text(text.text.clone()),
            None => raw.map_or(Value::Empty, |v| Value::Text(v.to_string())),
        },
        (_, None) if p.inline.is_some() => Value::Text(
            p.inline
                .as_ref()
                .map(|t| t.text.clone())
                .unwrap_or_default(),
        ),
        (_, None) => Value::Empty,
        ("s", Some(v)) => {
            let index: usize = v.trim().parse().map_err(|_| {
                SheetError::Unreadable(format!(
                    "cell {sheet}!{} refers to shared string '{v}'",
                    at()
                ))
            })?;
            let text = strings.get(index).ok_or_else(|| {
                SheetError::Unreadable(format!(
                    "cell {sheet}!{} refers to shared string {index} of {}",
                    at(),
                    strings.len()
                ))
            })?;
            Value::Text(text.clone())
        }
        ("str" | "d", Some(v)) => Value::Text(v.to_string()),
        ("b", Some(v)) => Value::Bool(v.trim() == "1"),
        ("e", Some(v)) => Value::Error(v.trim().to_string()),
        (_, Some(v)) if v.trim().is_empty() => Value::Empty,
        (_, Some(v)) => match v.trim().parse::<f64>() {
            Ok(x) if x.is_finite() => Value::Number(x),
            _ => Value::Text(v.to_string()),
        },
    };
    if value == Value::Empty && formula.is_none() {
        return Ok(None);
    }
    Ok(Some(Cell { value, formula }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_read_as_a_spreadsheet_names_them() {
        assert_eq!(parse_reference("A1"), Some((0, 0)));
        assert_eq!(parse_reference("D11"), Some((10, 3)));
        assert_eq!(parse_reference("XFD1048576"), Some((1_048_575, 16_383)));
        assert_eq!(parse_reference("aa2"), Some((1, 26)));
        assert_eq!(parse_reference("A0"), None);
        assert_eq!(parse_reference("11"), None);
        assert_eq!(parse_reference("ABCDEFGH1"), None);
        assert_eq!(parse_reference("A99999999999999999999999"), None);
    }

    #[test]
    fn targets_resolve_against_the_workbook_folder() {
        assert_eq!(
            member_path("worksheets/sheet1.xml"),
            "xl/worksheets/sheet1.xml"
        );
        assert_eq!(
            member_path("/xl/worksheets/sheet2.xml"),
            "xl/worksheets/sheet2.xml"
        );
        assert_eq!(
            member_path("../xl/./sharedStrings.xml"),
            "xl/sharedStrings.xml"
        );
    }
}
