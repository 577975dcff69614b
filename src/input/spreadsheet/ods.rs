//! OpenDocument spreadsheets (`.ods`): every sheet is a `<table:table>` in `content.xml`, a
//! row at a time, and a row or cell may stand for many (`number-rows-repeated`,
//! `number-columns-repeated`: LibreOffice writes the empty rest of a sheet as one row
//! repeated a million times). Repeats only move the position; a value is stored once for
//! each place it really fills, and a value repeated past the limits breaks one.

use super::{
    attribute, doctype_refused, place, resolve_reference, xml_error, Archive, Cell, Limits, Sheet,
    SheetError, Text, Value, Workbook,
};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::collections::BTreeMap;

const CONTENT: &str = "content.xml";

pub(super) fn read(
    archive: &mut Archive<'_>,
    wanted: &dyn Fn(&str) -> bool,
    limits: &Limits,
) -> Result<Workbook, SheetError> {
    let bytes = archive.required(CONTENT)?;
    parse(&bytes, wanted, limits)
}

/// A cell being read, with the columns it repeats over.
struct Pending {
    repeat: u64,
    kind: Option<String>,
    /// `calcext:value-type`: LibreOffice marks an error result `error` here.
    calc_kind: Option<String>,
    value: Option<String>,
    formula: Option<String>,
    text: Text,
    paragraphs: usize,
}

/// A sheet being read.
struct Table {
    name: String,
    keep: bool,
    cells: BTreeMap<(u32, u32), Cell>,
    row: u64,
    col: u64,
    /// The row being read: how many rows it stands for, and its cells by column.
    row_repeat: u64,
    row_cells: Vec<(u64, Cell)>,
}

/// A repeat count (`number-rows-repeated` and the like): 1 when absent.
fn repeat(e: &BytesStart<'_>, local: &[u8]) -> Result<u64, SheetError> {
    match attribute(CONTENT, e, local)? {
        None => Ok(1),
        Some(n) => n
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| xml_error(CONTENT, format!("'{n}' is not a repeat count"))),
    }
}

fn parse(
    bytes: &[u8],
    wanted: &dyn Fn(&str) -> bool,
    limits: &Limits,
) -> Result<Workbook, SheetError> {
    let mut xml = Reader::from_reader(bytes);
    let mut book = Workbook::default();
    let mut table: Option<Table> = None;
    let mut cell: Option<Pending> = None;
    // Depth inside an `<office:annotation>` (a comment, whose text is not the cell's).
    let mut annotation = 0usize;
    let mut in_paragraph = 0usize;
    loop {
        let event = xml.read_event().map_err(|e| xml_error(CONTENT, e))?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                match e.local_name().as_ref() {
                    b"table" if !empty && table.is_none() => {
                        let name = attribute(CONTENT, e, b"name")?.unwrap_or_default();
                        book.sheet_names.push(name.clone());
                        if book.sheet_names.len() > limits.sheets {
                            return Err(SheetError::limit(format!(
                                "the workbook has more than {} sheets, the most a workbook may have",
                                super::grouped(limits.sheets as u64)
                            )));
                        }
                        table = Some(Table {
                            keep: wanted(&name),
                            name,
                            cells: BTreeMap::new(),
                            row: 0,
                            col: 0,
                            row_repeat: 1,
                            row_cells: Vec::new(),
                        });
                    }
                    b"table-row" => {
                        if let Some(t) = table.as_mut() {
                            t.row_repeat = repeat(e, b"number-rows-repeated")?;
                            t.col = 0;
                            t.row_cells.clear();
                            if empty {
                                t.row = t.row.saturating_add(t.row_repeat);
                            }
                        }
                    }
                    b"table-cell" | b"covered-table-cell" if table.is_some() => {
                        let pending = Pending {
                            repeat: repeat(e, b"number-columns-repeated")?,
                            kind: office_value_type(e)?,
                            calc_kind: calc_value_type(e),
                            value: None,
                            formula: attribute(CONTENT, e, b"formula")?,
                            text: Text::new(limits.text_chars),
                            paragraphs: 0,
                        };
                        let pending = with_values(e, pending)?;
                        if empty {
                            end_cell(table.as_mut(), pending, limits)?;
                        } else {
                            cell = Some(pending);
                        }
                    }
                    b"annotation" if !empty => annotation += 1,
                    b"p" | b"h" if cell.is_some() && annotation == 0 => {
                        if let Some(c) = cell.as_mut() {
                            if c.paragraphs > 0 && !c.text.push("\n") {
                                return Err(too_long(table.as_ref(), limits));
                            }
                            c.paragraphs += 1;
                        }
                        if !empty {
                            in_paragraph += 1;
                        }
                    }
                    b"s" if in_paragraph > 0 && annotation == 0 => {
                        let n = repeat(e, b"c")?;
                        if let Some(c) = cell.as_mut() {
                            if !c.text.repeat(' ', n) {
                                return Err(too_long(table.as_ref(), limits));
                            }
                        }
                    }
                    b"tab" if in_paragraph > 0 && annotation == 0 => {
                        if let Some(c) = cell.as_mut() {
                            if !c.text.push("\t") {
                                return Err(too_long(table.as_ref(), limits));
                            }
                        }
                    }
                    b"line-break" if in_paragraph > 0 && annotation == 0 => {
                        if let Some(c) = cell.as_mut() {
                            if !c.text.push("\n") {
                                return Err(too_long(table.as_ref(), limits));
                            }
                        }
                    }
                    _ => {}
                }
            }
            Event::End(ref e) => match e.local_name().as_ref() {
                b"table" => {
                    if let Some(t) = table.take() {
                        if t.keep {
                            book.sheets.push(Sheet {
                                name: t.name,
                                cells: t.cells,
                            });
                        }
                    }
                }
                b"table-row" => end_row(table.as_mut(), limits)?,
                b"table-cell" | b"covered-table-cell" => {
                    if let Some(pending) = cell.take() {
                        end_cell(table.as_mut(), pending, limits)?;
                    }
                }
                b"annotation" => annotation = annotation.saturating_sub(1),
                b"p" | b"h" => in_paragraph = in_paragraph.saturating_sub(1),
                _ => {}
            },
            Event::Text(ref e) if in_paragraph > 0 && annotation == 0 => {
                let text = e.decode().map_err(|e| xml_error(CONTENT, e))?;
                if let Some(c) = cell.as_mut() {
                    if !c.text.push(&text) {
                        return Err(too_long(table.as_ref(), limits));
                    }
                }
            }
            Event::CData(ref e) if in_paragraph > 0 && annotation == 0 => {
                let text = e.decode().map_err(|e| xml_error(CONTENT, e))?;
                if let Some(c) = cell.as_mut() {
                    if !c.text.push(&text) {
                        return Err(too_long(table.as_ref(), limits));
                    }
                }
            }
            Event::GeneralRef(ref e) => {
                let text = resolve_reference(CONTENT, e)?;
                if let Some(c) = cell
                    .as_mut()
                    .filter(|_| in_paragraph > 0 && annotation == 0)
                {
                    if !c.text.push(&text) {
                        return Err(too_long(table.as_ref(), limits));
                    }
                }
            }
            Event::DocType(_) => return Err(doctype_refused(CONTENT)),
            Event::Eof => return Ok(book),
            _ => {}
        }
    }
}

/// The typed value attributes of a cell.
fn with_values(e: &BytesStart<'_>, mut pending: Pending) -> Result<Pending, SheetError> {
    let local = match pending.kind.as_deref() {
        Some("float" | "percentage" | "currency") => b"value".as_slice(),
        Some("boolean") => b"boolean-value",
        Some("date") => b"date-value",
        Some("time") => b"time-value",
        Some("string") => b"string-value",
        _ => return Ok(pending),
    };
    pending.value = attribute(CONTENT, e, local)?;
    Ok(pending)
}

/// `office:value-type`: the cell's type (whatever the office namespace's prefix).
fn office_value_type(e: &BytesStart<'_>) -> Result<Option<String>, SheetError> {
    for attr in e.attributes() {
        let attr = attr.map_err(|e| xml_error(CONTENT, e))?;
        let calc = attr.key.prefix().is_some_and(|p| p.as_ref() == b"calcext");
        if attr.key.local_name().as_ref() == b"value-type" && !calc {
            let value = super::attribute_text(&attr.value).map_err(|e| xml_error(CONTENT, e))?;
            return Ok(Some(value));
        }
    }
    Ok(None)
}

/// `calcext:value-type`, which shares its local name with `office:value-type`: LibreOffice
/// marks an error result `error` there.
fn calc_value_type(e: &BytesStart<'_>) -> Option<String> {
    e.attributes()
        .filter_map(Result::ok)
        .find(|a| {
            a.key.prefix().is_some_and(|p| p.as_ref() == b"calcext")
                && a.key.local_name().as_ref() == b"value-type"
        })
        .and_then(|a| super::attribute_text(&a.value).ok())
}

fn too_long(table: Option<&Table>, limits: &Limits) -> SheetError {
    let what = format!(
        "the cell holds more than {} characters, the most a cell may hold",
        super::grouped(limits.text_chars as u64)
    );
    match table {
        Some(t) => SheetError::limit_at(
            what,
            &t.name,
            t.row.min(u64::from(u32::MAX)) as u32,
            t.col.min(u64::from(u32::MAX)) as u32,
        ),
        None => SheetError::limit(what),
    }
}

/// A cell's value from its type, its value attribute and its text.
fn value_of(p: &Pending) -> Value {
    let text = || p.text.text.clone();
    if p.calc_kind.as_deref() == Some("error") {
        return Value::Error(text());
    }
    match p.kind.as_deref() {
        Some("float" | "percentage" | "currency") => {
            match p.value.as_deref().map(str::trim).map(str::parse::<f64>) {
                Some(Ok(x)) if x.is_finite() => Value::Number(x),
                _ => Value::Text(text()),
            }
        }
        Some("boolean") => Value::Bool(p.value.as_deref().map(str::trim) == Some("true")),
        Some("date" | "time") => Value::Text(p.value.clone().unwrap_or_else(text)),
        Some("string") => Value::Text(p.value.clone().unwrap_or_else(text)),
        Some(_) => Value::Text(text()),
        // No type: a blank cell, or a formula saved without its result.
        None if p.text.text.is_empty() => Value::Empty,
        None => Value::Text(text()),
    }
}

/// Ends a cell: remembers it for each column it repeats over, if it holds something.
fn end_cell(table: Option<&mut Table>, p: Pending, limits: &Limits) -> Result<(), SheetError> {
    let Some(t) = table else {
        return Ok(());
    };
    let value = value_of(&p);
    let formula = p.formula.as_ref().map(|f| {
        let f = f.strip_prefix("of:").unwrap_or(f);
        f.trim_start_matches('=').to_string()
    });
    let start = t.col;
    t.col = t.col.saturating_add(p.repeat);
    if value == Value::Empty && formula.is_none() {
        return Ok(());
    }
    if !t.keep {
        return Ok(());
    }
    let last = start.saturating_add(p.repeat - 1);
    if last >= u64::from(limits.columns) || t.row >= u64::from(limits.rows) {
        let col = if last >= u64::from(limits.columns) {
            start.max(u64::from(limits.columns))
        } else {
            start
        };
        return Err(super::too_far(&t.name, t.row, col, limits));
    }
    let cell = Cell { value, formula };
    for col in start..=last {
        t.row_cells.push((col, cell.clone()));
    }
    Ok(())
}

/// Ends a row: puts its cells in each row it repeats over.
fn end_row(table: Option<&mut Table>, limits: &Limits) -> Result<(), SheetError> {
    let Some(t) = table else {
        return Ok(());
    };
    let first = t.row;
    t.row = t.row.saturating_add(t.row_repeat);
    if t.row_cells.is_empty() {
        return Ok(());
    }
    let last = first.saturating_add(t.row_repeat - 1);
    if last >= u64::from(limits.rows) {
        let row = first.max(u64::from(limits.rows));
        return Err(super::too_far(&t.name, row, t.row_cells[0].0, limits));
    }
    let cells = std::mem::take(&mut t.row_cells);
    for row in first..=last {
        for (col, cell) in &cells {
            place(&mut t.cells, &t.name, row, *col, cell.clone(), limits)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(body: &str) -> Vec<u8> {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"><office:body><office:spreadsheet>{body}</office:spreadsheet></office:body></office:document-content>"#
        )
        .into_bytes()
    }

    #[test]
    fn repeats_move_the_position_and_fill_only_real_places() {
        let bytes = content(
            r#"<table:table table:name="S">
              <table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="3"/></table:table-row>
              <table:table-row><table:table-cell/><table:table-cell office:value-type="float" office:value="12.5" table:number-columns-repeated="2"><text:p>12.5</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>a<text:s text:c="2"/>b</text:p><text:p>c &amp; d</text:p><office:annotation><text:p>note</text:p></office:annotation></table:table-cell></table:table-row>
              <table:table-row><table:table-cell table:formula="of:=1/0" office:value-type="float" office:value="0" calcext:value-type="error"><text:p>#DIV/0!</text:p></table:table-cell><table:table-cell table:formula="of:=A1"/></table:table-row>
              <table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>
            </table:table>"#,
        );
        let book = parse(&bytes, &|_| true, &Limits::DEFAULT).unwrap();
        let sheet = &book.sheets[0];
        assert_eq!(sheet.len(), 5);
        assert_eq!(sheet.cell(2, 1).unwrap().value, Value::Number(12.5));
        assert_eq!(sheet.cell(2, 2).unwrap().value, Value::Number(12.5));
        assert_eq!(
            sheet.cell(2, 3).unwrap().value,
            Value::Text("a  b\nc & d".into())
        );
        assert_eq!(
            sheet.cell(3, 0).unwrap().value,
            Value::Error("#DIV/0!".into())
        );
        let unsaved = sheet.cell(3, 1).unwrap();
        assert_eq!(unsaved.value, Value::Empty);
        assert_eq!(unsaved.formula.as_deref(), Some("A1"));
    }

    #[test]
    fn a_value_repeated_past_the_limits_breaks_one() {
        let bytes = content(
            r#"<table:table table:name="S"><table:table-row table:number-rows-repeated="1000000"><table:table-cell office:value-type="float" office:value="1"/></table:table-row></table:table>"#,
        );
        let err = parse(&bytes, &|_| true, &Limits::DEFAULT).unwrap_err();
        assert!(
            matches!(
                err,
                SheetError::Limit {
                    at: Some((_, 2000, 0)),
                    ..
                }
            ),
            "{err:?}"
        );
        let bytes = content(
            r#"<table:table table:name="S"><table:table-row><table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1"/></table:table-row></table:table>"#,
        );
        let err = parse(&bytes, &|_| true, &Limits::DEFAULT).unwrap_err();
        assert!(
            matches!(
                err,
                SheetError::Limit {
                    at: Some((_, 0, 100)),
                    ..
                }
            ),
            "{err:?}"
        );
        let bytes = content(
            r#"<table:table table:name="S"><table:table-row><table:table-cell office:value-type="string"><text:p><text:s text:c="4000000000"/></text:p></table:table-cell></table:table-row></table:table>"#,
        );
        let err = parse(&bytes, &|_| true, &Limits::DEFAULT).unwrap_err();
        assert!(
            err.to_string().contains("more than 32,767 characters"),
            "{err}"
        );
    }
}
