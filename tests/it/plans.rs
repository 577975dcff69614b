//! The LAs' expansion planning workbooks, made here cell by cell: every check of SPEC §11
//! triggering and not triggering with the exact cell in its finding, columns in another
//! order, hidden sheets, merged cells, formulas with and without saved values, a corrupt
//! file, an oversized one, a workbook beside a CSV row for the same plan, and the blank
//! template the team sends out.

use crate::common;

use census_reports::domain::PlanCategory;
use census_reports::input::census::Date;
use census_reports::input::plans::{self, LaPlan};
use common::{census_reports, Fixture};
use rust_xlsxwriter::{Formula, Workbook};
use std::collections::BTreeMap;

const HEADERS: [&str; 6] = [
    "Workforce category",
    "Notes",
    "Baseline 2021-22",
    "Year 1 2022-23",
    "Year 2 2023-24",
    "Year 3 2024-25",
];

/// A cell to write.
#[derive(Clone)]
enum Cell {
    Num(f64),
    Text(&'static str),
    /// A formula and the value saved with it ("" for none: the workbook is saved without
    /// calculating, as some tools do).
    Formula(&'static str, &'static str),
}

/// A sheet's cells by (row, column), zero-based.
type Cells = BTreeMap<(u32, u16), Cell>;

/// A workbook as (sheet, hidden, cells), and merged ranges per sheet.
struct Book {
    sheets: Vec<(String, bool, Cells)>,
    merged: Vec<(usize, (u32, u16, u32, u16))>,
}

impl Book {
    /// A plan on the template's layout: header in row 5 (A5…F5), categories from row 6 with
    /// 10, 11, 12, 13 FTE (D&A workers 40–43, subsets 10 each), continuity 37/50/60/75.
    fn valid() -> Book {
        let mut workforce = BTreeMap::new();
        workforce.insert((0, 0), Cell::Text("Treatment workforce expansion plan"));
        for (c, h) in HEADERS.iter().enumerate() {
            workforce.insert((4, c as u16), Cell::Text(h));
        }
        for (i, category) in PlanCategory::ALL.iter().enumerate() {
            let row = 5 + i as u32;
            workforce.insert((row, 0), Cell::Text(category.label()));
            for year in 0..4u16 {
                let fte = match category {
                    PlanCategory::DrugAlcoholWorkers => 40.0 + f64::from(year),
                    c if c.is_subset() => 10.0,
                    _ => 10.0 + f64::from(year),
                };
                workforce.insert((row, 2 + year), Cell::Num(fte));
            }
        }
        let mut continuity = BTreeMap::new();
        for (c, h) in HEADERS[2..].iter().enumerate() {
            continuity.insert((3, 1 + c as u16), Cell::Text(h));
        }
        continuity.insert((4, 0), Cell::Text("National"));
        continuity.insert((5, 0), Cell::Text("Local planning (%)"));
        for (c, v) in [37.0, 50.0, 60.0, 75.0].iter().enumerate() {
            continuity.insert((5, 1 + c as u16), Cell::Num(*v));
        }
        Book {
            sheets: vec![
                ("Workforce expansion".into(), false, workforce),
                ("Continuity of care".into(), false, continuity),
            ],
            merged: Vec::new(),
        }
    }

    fn set(mut self, sheet: usize, row: u32, col: u16, cell: Cell) -> Book {
        self.sheets[sheet].2.insert((row, col), cell);
        self
    }

    fn bytes(&self) -> Vec<u8> {
        let mut book = Workbook::new();
        for (i, (name, hidden, cells)) in self.sheets.iter().enumerate() {
            let sheet = book.add_worksheet();
            sheet.set_name(name).unwrap();
            sheet.set_hidden(*hidden);
            for ((row, col), cell) in cells {
                let merged = self
                    .merged
                    .iter()
                    .find(|(s, r)| *s == i && (r.0, r.1) == (*row, *col));
                if let (Some((_, (r0, c0, r1, c1))), Cell::Text(t)) = (merged, cell) {
                    sheet
                        .merge_range(*r0, *c0, *r1, *c1, t, &Default::default())
                        .unwrap();
                    continue;
                }
                match cell {
                    Cell::Num(x) => {
                        sheet.write_number(*row, *col, *x).unwrap();
                    }
                    Cell::Text(t) => {
                        sheet.write_string(*row, *col, *t).unwrap();
                    }
                    Cell::Formula(f, result) => {
                        sheet
                            .write_formula(*row, *col, Formula::new(*f).set_result(*result))
                            .unwrap();
                    }
                }
            }
        }
        let bytes = book.save_to_buffer().unwrap();
        // rust_xlsxwriter always saves a value with a formula (0 when none is given): take it
        // out again where the test asks for none.
        let unsaved: Vec<String> = self
            .sheets
            .iter()
            .flat_map(|(_, _, cells)| cells.values())
            .filter_map(|c| match c {
                Cell::Formula(f, "") => {
                    Some(format!("<f>{}</f><v>0</v>", f.trim_start_matches('=')))
                }
                _ => None,
            })
            .collect();
        if unsaved.is_empty() {
            return bytes;
        }
        rezip(&bytes, |name, text| {
            if !name.starts_with("xl/worksheets/") {
                return text;
            }
            unsaved
                .iter()
                .fold(text, |t, u| t.replace(u, &u.replace("<v>0</v>", "")))
        })
    }
}

/// The zip `bytes` with every entry's text passed through `edit`.
fn rezip(bytes: &[u8], edit: impl Fn(&str, String) -> String) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        let data = match String::from_utf8(data) {
            Ok(text) => edit(&name, text).into_bytes(),
            Err(e) => e.into_bytes(),
        };
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// Writes the fixture census with `books` as `expansion_plans/<name>` and reads its plans.
fn read(books: &[(&str, Vec<u8>)]) -> (tempfile::TempDir, plans::Workbooks) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("2024");
    Fixture::clean().write(&data);
    std::fs::create_dir_all(data.join("expansion_plans")).unwrap();
    for (name, bytes) in books {
        std::fs::write(data.join("expansion_plans").join(name), bytes).unwrap();
    }
    let las = ["E08000035", "E08000036", "E09000001"];
    let books = plans::read_folder(&data, &las, &BTreeMap::new());
    (dir, books)
}

/// The findings as `location: message`.
fn findings(books: &plans::Workbooks) -> Vec<String> {
    books
        .findings
        .iter()
        .map(|f| format!("{}: {}", f.location(), f.message))
        .collect()
}

fn only_finding(book: Book, expect_at: &str, expect_text: &str) {
    let (_dir, books) = read(&[("E08000035.xlsx", book.bytes())]);
    let found = findings(&books);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with(&format!("expansion_plans/E08000035.xlsx!{expect_at}")),
        "{found:#?}"
    );
    assert!(found[0].contains(expect_text), "{found:#?}");
}

#[test]
fn a_clean_workbook_reads_every_figure_with_no_finding() {
    let (_dir, books) = read(&[("E08000035.xlsx", Book::valid().bytes())]);
    assert!(books.findings.is_empty(), "{:#?}", findings(&books));
    assert_eq!(books.posts.len(), 14 * 4);
    assert_eq!(books.continuity.len(), 4);
    let nurses_y2 = books
        .posts
        .iter()
        .find(|p| p.category == PlanCategory::Nurses && p.year.start == 2023)
        .unwrap();
    assert_eq!(nurses_y2.fte, 12.0);
    // Nurses are the third category: row 8; Year 2 is column E.
    assert_eq!(nurses_y2.cell, "E08000035.xlsx!Workforce expansion!E8");
    let y3 = books
        .continuity
        .iter()
        .find(|c| c.year.start == 2024)
        .unwrap();
    assert_eq!(
        (y3.percent, y3.cell.as_str()),
        (75.0, "E08000035.xlsx!Continuity of care!E6")
    );
}

#[test]
fn every_check_names_its_cell() {
    // Text in a number cell: Social workers (row 6), Year 1 (column D).
    only_finding(
        Book::valid().set(0, 5, 3, Cell::Text("about 12")),
        "Workforce expansion!D6",
        "the text 'about 12'",
    );
    // A formula error value.
    only_finding(
        Book::valid().set(0, 6, 2, Cell::Formula("=1/0", "#DIV/0!")),
        "Workforce expansion!C7",
        "#DIV/0!",
    );
    only_finding(
        Book::valid().set(0, 6, 2, Cell::Formula("=Sheet9!A1", "#REF!")),
        "Workforce expansion!C7",
        "#REF!",
    );
    // A formula with no saved value.
    only_finding(
        Book::valid().set(0, 7, 5, Cell::Formula("=C8+1", "")),
        "Workforce expansion!F8",
        "no saved value",
    );
    // Negative FTE.
    only_finding(
        Book::valid().set(0, 17, 4, Cell::Num(-2.0)),
        "Workforce expansion!E18",
        "cannot be negative",
    );
    // Not a quarter of an FTE (a warning).
    only_finding(
        Book::valid().set(0, 8, 2, Cell::Num(3.3)),
        "Workforce expansion!C9",
        "quarters of an FTE",
    );
    // The subsets add up to more than the drug and alcohol workers (row 14) in Year 3.
    only_finding(
        Book::valid().set(0, 14, 5, Cell::Num(30.0)),
        "Workforce expansion!F14",
        "add up to 50 FTE in 2024-25, more than the 43 FTE",
    );
    // A percentage outside 0-100.
    only_finding(
        Book::valid().set(1, 5, 3, Cell::Num(150.0)),
        "Continuity of care!D6",
        "between 0 and 100",
    );
    // An unknown category row (a warning; the row is left out).
    only_finding(
        Book::valid().set(0, 19, 0, Cell::Text("Art therapists")),
        "Workforce expansion!A20",
        "not a workforce category",
    );
}

#[test]
fn the_same_workbook_without_the_fault_has_no_finding() {
    // The values the checks above break, each at its limit and allowed.
    let book = Book::valid()
        .set(0, 6, 2, Cell::Formula("=4*2.5", "10"))
        .set(0, 17, 4, Cell::Num(0.0))
        .set(0, 8, 2, Cell::Num(3.25))
        .set(0, 14, 5, Cell::Num(23.0))
        .set(1, 5, 3, Cell::Num(100.0));
    let (_dir, books) = read(&[("E08000035.xlsx", book.bytes())]);
    assert!(books.findings.is_empty(), "{:#?}", findings(&books));
    let formula = books
        .posts
        .iter()
        .find(|p| p.cell.ends_with("!C7"))
        .unwrap();
    assert_eq!(formula.fte, 10.0, "a formula's saved value is used");
}

#[test]
fn missing_sheets_headers_and_names_are_findings_for_that_workbook_alone() {
    let mut book = Book::valid();
    book.sheets.remove(1);
    let (_dir, books) = read(&[
        ("E08000035.xlsx", book.bytes()),
        (
            "E08000036.xlsx",
            Book::valid().set(0, 4, 4, Cell::Text("Year two")).bytes(),
        ),
        ("Leeds plan.xlsx", Book::valid().bytes()),
        ("E09000001.xlsx", Book::valid().bytes()),
    ]);
    let found = findings(&books);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(found
        .iter()
        .any(|f| f.starts_with("expansion_plans/E08000035.xlsx: ")
            && f.contains("no sheet 'Continuity of care'")));
    assert!(found.iter().any(
        |f| f.starts_with("expansion_plans/E08000036.xlsx: ") && f.contains("'Year 2 2023-24'")
    ));
    assert!(found
        .iter()
        .any(|f| f.starts_with("expansion_plans/Leeds plan.xlsx: ")
            && f.contains("not in local_authorities.csv")));
    // The good workbook (and the good sheet of the first) still read.
    assert!(books.posts.iter().any(|p| p.la_code == "E09000001"));
    assert!(books.posts.iter().any(|p| p.la_code == "E08000035"));
}

#[test]
fn columns_in_another_order_hidden_sheets_and_merged_cells_still_read() {
    let mut book = Book::valid();
    // Swap the Baseline (C) and Year 3 (F) columns, headers and values alike.
    let workforce = &mut book.sheets[0].2;
    let swapped: Cells = workforce
        .iter()
        .map(|((r, c), v)| {
            let c = match c {
                2 => 5,
                5 => 2,
                c => *c,
            };
            ((*r, c), v.clone())
        })
        .collect();
    *workforce = swapped;
    // Headers in lower case with extra spaces and a missing parenthesis in a row name.
    workforce.insert((4, 0), Cell::Text("  workforce   CATEGORY "));
    workforce.insert(
        (14, 0),
        Cell::Text("Criminal justice drug and alcohol workers (subset of total"),
    );
    // A hidden lookup sheet first, and the continuity sheet hidden.
    book.sheets[1].1 = true;
    book.sheets.insert(
        0,
        (
            "Lookups".into(),
            true,
            BTreeMap::from([((0, 0), Cell::Text("x"))]),
        ),
    );
    // The title merged across the top of the workforce sheet.
    book.merged.push((1, (0, 0, 0, 5)));
    let (_dir, books) = read(&[("E08000035.xlsx", book.bytes())]);
    assert!(books.findings.is_empty(), "{:#?}", findings(&books));
    let daw = |year: u16| {
        books
            .posts
            .iter()
            .find(|p| p.category == PlanCategory::DrugAlcoholWorkers && p.year.start == year)
            .map(|p| (p.fte, p.cell.clone()))
    };
    assert_eq!(
        daw(2021),
        Some((40.0, "E08000035.xlsx!Workforce expansion!F14".into()))
    );
    assert_eq!(
        daw(2024),
        Some((43.0, "E08000035.xlsx!Workforce expansion!C14".into()))
    );
    assert!(books
        .posts
        .iter()
        .any(|p| p.category == PlanCategory::CjDrugAlcoholWorkers));
    assert_eq!(books.continuity.len(), 4);
}

#[test]
fn a_corrupt_or_oversized_workbook_is_one_error_and_the_reports_still_build() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("2024");
    Fixture::clean().write(&data);
    let folder = data.join("expansion_plans");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("E08000035.xlsx"),
        b"PK\x03\x04 this is not a workbook",
    )
    .unwrap();
    let big = std::fs::File::create(folder.join("E08000036.ods")).unwrap();
    big.set_len(50 * 1024 * 1024).unwrap();
    std::fs::write(folder.join("E09000001.xlsx"), Book::valid().bytes()).unwrap();
    let out = census_reports(&["plans", "check", "--data", "2024"], dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("expansion_plans/E08000035.xlsx: the workbook cannot be opened"),
        "{stdout}"
    );
    assert!(
        stdout.contains("expansion_plans/E08000036.ods: the workbook is 50 MB"),
        "{stdout}"
    );
    assert!(stdout.contains("2 error(s), 0 warning(s)"), "{stdout}");
    // Every report still builds; the findings go to the commissioners' query lists.
    let out = census_reports(
        &["build", "--data", "2024", "--out", "out", "--format", "pdf"],
        dir.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = census_reports(&["validate", "--data", "2024", "--out", "v"], dir.path());
    let queries = std::fs::read_to_string(dir.path().join("v/queries.csv")).unwrap();
    assert!(
        queries.contains("expansion_plans/E08000035.xlsx"),
        "{queries}"
    );
    // And to the Leeds commissioners' own query list.
    let list = std::fs::read_to_string(dir.path().join("v/queries/C01.md")).unwrap();
    assert!(
        list.contains("E08000035.xlsx | the workbook cannot be opened"),
        "{list}"
    );
    assert!(out.status.code().is_some());
    let metrics = census_reports(&["metrics", "--data", "2024", "--out", "m.csv"], dir.path());
    assert!(metrics.status.success());
    let metrics = std::fs::read_to_string(dir.path().join("m.csv")).unwrap();
    assert!(
        metrics.contains("expansion.nurses.planned_fte.2023-24"),
        "the good workbook's figures"
    );
    assert!(metrics.contains("continuity_of_care.planned.2024-25"));
}

#[test]
fn a_workbook_and_a_csv_row_for_the_same_plan_is_an_error_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("2024");
    // The fixture's CSV plans Leeds's drug and alcohol workers for 2021-22 and 2023-24.
    Fixture::clean().write(&data);
    std::fs::create_dir_all(data.join("expansion_plans")).unwrap();
    std::fs::write(
        data.join("expansion_plans/E08000035.xlsx"),
        Book::valid().bytes(),
    )
    .unwrap();
    let out = census_reports(&["validate", "--data", "2024", "--out", "v"], dir.path());
    let queries = std::fs::read_to_string(dir.path().join("v/queries.csv")).unwrap();
    let conflict: Vec<&str> = queries
        .lines()
        .filter(|l| l.contains("planned both"))
        .collect();
    assert_eq!(conflict.len(), 2, "{queries}");
    assert!(
        conflict[0].contains("expansion_plans.csv"),
        "{}",
        conflict[0]
    );
    assert!(
        conflict
            .iter()
            .any(|l| l.contains("E08000035.xlsx!Workforce expansion!C14")),
        "{conflict:?}"
    );
    assert!(out.status.code().is_some());
}

#[test]
fn the_blank_template_reads_back_with_no_finding_and_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str| {
        let out = census_reports(
            &["plans", "template", "--out", name, "--date", "2024-11-28"],
            dir.path(),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read(dir.path().join(name)).unwrap()
    };
    let (a, b) = (run("a.xlsx"), run("b.xlsx"));
    assert!(a == b, "the same date gives the same bytes");
    let (_dir, books) = read(&[("E08000035.xlsx", a.clone())]);
    assert!(books.findings.is_empty(), "{:#?}", findings(&books));
    assert!(books.posts.is_empty() && books.continuity.is_empty());
    // Its cells carry the validation the team relies on.
    let sheet = unzip(&a, "xl/worksheets/sheet1.xml");
    assert!(
        sheet.contains("MOD(C6*4,1)=0") && sheet.contains("sqref=\"C6:F19\""),
        "{sheet}"
    );
    let sheet = unzip(&a, "xl/worksheets/sheet2.xml");
    assert!(sheet.contains("type=\"decimal\"") && sheet.contains("<formula2>100</formula2>"));
    // Filled in, it reads back as written.
    let mut plan = LaPlan::default();
    plan.posts.insert((PlanCategory::Nurses, 2023), 7.5);
    plan.continuity.insert(2024, 75.0);
    let date = Date::parse("2024-11-28").unwrap();
    let filled = plans::template_workbook(Some(&plan), Some(("E08000035", "Leeds")), date).unwrap();
    let (_dir, books) = read(&[("E08000035.xlsx", filled)]);
    assert!(books.findings.is_empty(), "{:#?}", findings(&books));
    assert_eq!(books.posts.len(), 1);
    assert_eq!(books.posts[0].cell, "E08000035.xlsx!Workforce expansion!E8");
    assert_eq!(books.continuity[0].percent, 75.0);
}

fn unzip(bytes: &[u8], name: &str) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut text = String::new();
    zip.by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[test]
fn plans_reach_the_la_regional_and_national_reports_and_reconcile() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("2024");
    Fixture::clean().write(&data);
    std::fs::remove_file(data.join("expansion_plans.csv")).unwrap();
    std::fs::create_dir_all(data.join("expansion_plans")).unwrap();
    std::fs::write(
        data.join("expansion_plans/E08000035.xlsx"),
        Book::valid().bytes(),
    )
    .unwrap();
    // City of London plans 60% for 2024-25, short of the ambition.
    let london = Book::valid().set(1, 5, 4, Cell::Num(60.0));
    std::fs::write(data.join("expansion_plans/E09000001.xlsx"), london.bytes()).unwrap();
    std::fs::write(
        data.join("continuity_of_care.csv"),
        "la_code,year,percent\nE08000035,2021-22,35.5\nE08000035,2022-23,41.0\n",
    )
    .unwrap();
    let out = census_reports(&["metrics", "--data", "2024", "--out", "m.csv"], dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metrics = std::fs::read_to_string(dir.path().join("m.csv")).unwrap();
    let value = |entity: &str, metric: &str| -> String {
        metrics
            .lines()
            .find(|l| l.contains(&format!(",{entity},")) && l.contains(&format!(",{metric},")))
            .and_then(|l| l.rsplit(',').next())
            .unwrap_or_else(|| panic!("{entity} {metric} is not in the export"))
            .to_string()
    };
    // Nurses: 12 FTE planned for 2023-24 by each LA, 24 in England.
    assert_eq!(
        value("E08000035", "expansion.nurses.planned_fte.2023-24"),
        "12"
    );
    assert_eq!(
        value("england", "expansion.nurses.planned_fte.2023-24"),
        "24"
    );
    assert_eq!(
        value("E08000035", "continuity_of_care.planned.2024-25"),
        "75"
    );
    assert_eq!(
        value("E08000035", "continuity_of_care.actual.2022-23"),
        "41"
    );
    assert_eq!(
        value("england", "continuity_of_care.las_planning_ambition"),
        "1"
    );
    assert_eq!(value("england", "continuity_of_care.las_with_plan"), "2");
    // The regions' sums add up to England's.
    let regional: f64 = ["north_east_and_yorkshire", "london"]
        .iter()
        .map(|r| {
            value(r, "expansion.drug_alcohol_workers.planned_fte.2024-25")
                .parse::<f64>()
                .unwrap()
        })
        .sum();
    assert_eq!(
        regional,
        value(
            "england",
            "expansion.drug_alcohol_workers.planned_fte.2024-25"
        )
        .parse::<f64>()
        .unwrap()
    );

    let out = census_reports(
        &[
            "build",
            "--data",
            "2024",
            "--out",
            "out",
            "--only",
            "E08000035",
            "--only",
            "england",
        ],
        dir.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let la = std::fs::read_to_string(dir.path().join("out/data/E08000035.csv")).unwrap();
    assert!(
        la.contains("expansion_categories,nurses,planned_2023-24,12.0,"),
        "{la}"
    );
    assert!(
        la.contains("expansion_categories,cj_drug_alcohol_workers,"),
        "the subset rows"
    );
    assert!(
        la.contains("continuity_of_care,2022,series_2,41.0%"),
        "{la}"
    );
    let england = std::fs::read_to_string(dir.path().join("out/data/england.csv")).unwrap();
    assert!(
        england.contains("plan_ambitions,continuity_of_care,planned,1 of 2"),
        "{england}"
    );
    assert!(
        england.contains("expansion_categories,nurses,planned_2023-24,24.0,"),
        "{england}"
    );
    let html = std::fs::read_to_string(dir.path().join("out/html/la/E08000035.html")).unwrap();
    assert!(html.contains("Continuity of care for prison leavers"));
}

#[test]
fn an_ods_workbook_reads_like_an_xlsx_one() {
    use spreadsheet_ods::{Sheet, WorkBook};
    let mut wb = WorkBook::new_empty();
    for (name, _, cells) in &Book::valid().sheets {
        let mut sheet = Sheet::new(name.as_str());
        for ((row, col), cell) in cells {
            match cell {
                Cell::Num(x) => sheet.set_value(*row, u32::from(*col), *x),
                Cell::Text(t) => sheet.set_value(*row, u32::from(*col), *t),
                Cell::Formula(..) => unreachable!("the valid book has no formula"),
            }
        }
        wb.push_sheet(sheet);
    }
    let bytes = spreadsheet_ods::write_ods_buf(&mut wb, Vec::new()).unwrap();
    let (_dir, books) = read(&[("E08000035.ods", bytes)]);
    assert!(books.findings.is_empty(), "{:#?}", findings(&books));
    assert_eq!(books.posts.len(), 14 * 4);
    let nurses = books
        .posts
        .iter()
        .find(|p| p.category == PlanCategory::Nurses && p.year.start == 2023)
        .unwrap();
    assert_eq!(nurses.fte, 12.0);
    assert_eq!(nurses.cell, "E08000035.ods!Workforce expansion!E8");
}
