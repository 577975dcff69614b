//! The hostile planning workbooks of issue "untrusted workbooks", made here from the real
//! template rather than kept as blobs: a valid workbook with one value in XFD1048576, an
//! .xlsx whose worksheet holds one 1.5 GB string, an .ods whose content.xml inflates to
//! 1.5 GB, an external entity and a billion laughs. Each is written streaming, so making
//! them costs little memory.

use census_reports::input::census::Date;
use census_reports::input::plans::{self, LaPlan};
use std::io::{Read, Write};
use std::path::Path;
use zip::write::SimpleFileOptions;

/// What the bombs inflate to: more than the address-space limit the tests run under.
pub const BOMB_BYTES: u64 = 1_500 * 1024 * 1024;

/// The hostile kinds, by the name the tests and the benchmark give them.
pub const KINDS: [&str; 5] = [
    "far_cell",
    "string_bomb",
    "ods_bomb",
    "external_entity",
    "billion_laughs",
];

fn date() -> Date {
    Date {
        year: 2024,
        month: 11,
        day: 28,
    }
}

/// A plan with a figure in every cell, so that a reader that reads it says so.
pub fn plan() -> LaPlan {
    let mut plan = LaPlan::default();
    for (i, category) in census_reports::domain::PlanCategory::ALL.iter().enumerate() {
        for year in 2021..=2024u16 {
            let fte = match category {
                census_reports::domain::PlanCategory::DrugAlcoholWorkers => 40.0,
                c if c.is_subset() => 10.0,
                _ => 4.0 + i as f64,
            };
            plan.posts
                .insert((*category, year), fte + f64::from(year - 2021));
        }
    }
    for (year, percent) in [(2021u16, 37.0), (2022, 45.0), (2023, 55.0), (2024, 75.0)] {
        plan.continuity.insert(year, percent);
    }
    plan
}

/// The planning template filled with [`plan`], as the sample writes it.
pub fn valid_xlsx() -> Vec<u8> {
    plans::template_workbook(Some(&plan()), Some(("E08000035", "Leeds")), date()).unwrap()
}

/// Copies the zip `bytes`, letting `edit` write each member's new content (it is given the
/// member's name and old text, and a writer for the new one; false keeps the member as it is).
pub fn rezip(
    bytes: &[u8],
    mut edit: impl FnMut(&str, &str, &mut dyn Write) -> bool,
    out: &mut (impl Write + std::io::Seek),
) {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut writer = zip::ZipWriter::new(out);
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut old = Vec::new();
        entry.read_to_end(&mut old).unwrap();
        // Deflated at the default level, as a spreadsheet program would; large enough
        // members are zip64 so that 1.5 GB fits.
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        writer.start_file(name.clone(), options).unwrap();
        let text = String::from_utf8_lossy(&old).to_string();
        if !edit(&name, &text, &mut writer) {
            writer.write_all(&old).unwrap();
        }
    }
    writer.finish().unwrap();
}

/// Writes `n` bytes of `byte` to `out`, a megabyte at a time.
fn fill(out: &mut dyn Write, byte: u8, n: u64) {
    let chunk = vec![byte; 1024 * 1024];
    let mut left = n;
    while left > 0 {
        let k = left.min(chunk.len() as u64) as usize;
        out.write_all(&chunk[..k]).unwrap();
        left -= k as u64;
    }
}

/// The hostile workbook of `kind`, written to `path` (whose extension it sets: `.xlsx`, or
/// `.ods` for the ODS bomb). Returns the path written.
pub fn write(kind: &str, dir: &Path, la_code: &str) -> std::path::PathBuf {
    let ext = if kind == "ods_bomb" { "ods" } else { "xlsx" };
    let path = dir.join(format!("{la_code}.{ext}"));
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let base = if kind == "ods_bomb" {
        valid_ods()
    } else {
        valid_xlsx()
    };
    // The member each kind rewrites: the first worksheet, or an .ods file's content.xml.
    let member = if kind == "ods_bomb" {
        "content.xml"
    } else {
        "xl/worksheets/sheet1.xml"
    };
    let mut edit = |rewrite: &dyn Fn(&str, &mut dyn Write)| {
        rezip(
            &base,
            |name, text, out| {
                if name != member {
                    return false;
                }
                rewrite(text, out);
                true
            },
            &mut file,
        )
    };
    match kind {
        // A valid workbook with one extra value in the last cell a spreadsheet has.
        "far_cell" => edit(&|text, out| {
            let mut text = text.replace(
                "</sheetData>",
                r#"<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>"#,
            );
            // The used range it declares grows with it, as a spreadsheet program saves it.
            if let Some(start) = text.find(r#"<dimension ref=""#) {
                let end = start + text[start..].find("/>").unwrap() + 2;
                text.replace_range(start..end, r#"<dimension ref="A1:XFD1048576"/>"#);
            }
            out.write_all(text.as_bytes()).unwrap();
        }),
        // One inline string of 1.5 GB in a row below the plan.
        "string_bomb" => edit(&|text, out| {
            let (head, tail) = text.split_once("</sheetData>").unwrap();
            out.write_all(head.as_bytes()).unwrap();
            out.write_all(br#"<row r="40"><c r="A40" t="inlineStr"><is><t>"#)
                .unwrap();
            fill(out, b'A', BOMB_BYTES);
            out.write_all(b"</t></is></c></row></sheetData>").unwrap();
            out.write_all(tail.as_bytes()).unwrap();
        }),
        // content.xml with 1.5 GB of white space before the sheets.
        "ods_bomb" => edit(&|text, out| {
            let (head, tail) = text.split_once("<office:body>").unwrap();
            out.write_all(head.as_bytes()).unwrap();
            out.write_all(b"<office:body>").unwrap();
            fill(out, b' ', BOMB_BYTES);
            out.write_all(tail.as_bytes()).unwrap();
        }),
        // An external entity that would read /etc/passwd into a cell.
        "external_entity" => edit(&|text, out| {
            let text = with_doctype(
                text,
                r#"<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>"#,
                "&xxe;",
            );
            out.write_all(text.as_bytes()).unwrap();
        }),
        // Ten nested entities of ten each: a billion "lol"s from a few hundred bytes.
        "billion_laughs" => edit(&|text, out| {
            let mut doctype = String::from(r#"<!DOCTYPE worksheet [<!ENTITY lol0 "lol">"#);
            for i in 1..=9 {
                doctype.push_str(&format!(
                    r#"<!ENTITY lol{i} "{}">"#,
                    format!("&lol{};", i - 1).repeat(10)
                ));
            }
            doctype.push_str("]>");
            let text = with_doctype(text, &doctype, "&lol9;");
            out.write_all(text.as_bytes()).unwrap();
        }),
        other => panic!("no hostile workbook '{other}'"),
    }
    file.flush().unwrap();
    path
}

/// A worksheet with `doctype` after its XML declaration and `reference` in a new cell.
fn with_doctype(text: &str, doctype: &str, reference: &str) -> String {
    let (decl, rest) = text.split_once("?>").unwrap();
    let rest = rest.replace(
        "</sheetData>",
        &format!(r#"<row r="40"><c r="A40" t="inlineStr"><is><t>{reference}</t></is></c></row></sheetData>"#),
    );
    format!("{decl}?>{doctype}{rest}")
}

/// The same plan as an .ods workbook, laid out as the template lays it out.
pub fn valid_ods() -> Vec<u8> {
    use spreadsheet_ods::{Sheet, WorkBook};
    let plan = plan();
    let mut wb = WorkBook::new_empty();
    let mut sheet = Sheet::new(plans::WORKFORCE_SHEET);
    let headers = [
        plans::CATEGORY_HEADER,
        plans::NOTES_HEADER,
        "Baseline 2021-22",
        "Year 1 2022-23",
        "Year 2 2023-24",
        "Year 3 2024-25",
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet.set_value(4, c as u32, *h);
    }
    for (i, category) in census_reports::domain::PlanCategory::ALL.iter().enumerate() {
        let row = 5 + i as u32;
        sheet.set_value(row, 0, category.label());
        for year in 2021..=2024u16 {
            sheet.set_value(
                row,
                2 + u32::from(year - 2021),
                plan.posts[&(*category, year)],
            );
        }
    }
    wb.push_sheet(sheet);
    let mut sheet = Sheet::new(plans::CONTINUITY_SHEET);
    for (c, h) in headers[2..].iter().enumerate() {
        sheet.set_value(3, 1 + c as u32, *h);
    }
    sheet.set_value(4, 0, plans::NATIONAL_ROW);
    sheet.set_value(5, 0, plans::LOCAL_ROW);
    for year in 2021..=2024u16 {
        sheet.set_value(5, 1 + u32::from(year - 2021), plan.continuity[&year]);
    }
    wb.push_sheet(sheet);
    spreadsheet_ods::write_ods_buf(&mut wb, Vec::new()).unwrap()
}
