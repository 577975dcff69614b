//! The LAs' expansion planning workbooks (SPEC §11): `expansion_plans/<la_code>.xlsx` (or
//! `.ods`), one per local authority, on the planning template. Cells are found by their
//! header and row text, never by position, so a workbook with its columns in another order,
//! extra rows, hidden sheets or merged cells still reads. Every problem is a finding naming
//! the workbook, sheet and cell (`E08000035.xlsx!Workforce expansion!D11`); a workbook that
//! cannot be opened at all is one error for that LA and nothing else stops.
//!
//! Read with the bounded reader of [`crate::input::spreadsheet`]: the saved value of a formula is
//! used; a formula without one, or an error value such as `#REF!`, is a finding. A workbook
//! that breaks one of the reader's limits (size, inflated size, a value beyond the rows and
//! columns a workbook may use, too many sheets or strings) is one finding and its plan is
//! treated as missing.

use crate::domain::{PlanCategory, RoleGroup};
use crate::input::census::PlanYear;
use crate::input::finding::{Finding, Rule, Severity};
use crate::input::spreadsheet::{self, Sheet, SheetError, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// The folder of a census year that holds the workbooks.
pub const PLANS_DIR: &str = "expansion_plans";
pub const WORKFORCE_SHEET: &str = "Workforce expansion";
pub const CONTINUITY_SHEET: &str = "Continuity of care";
pub const CATEGORY_HEADER: &str = "Workforce category";
pub const NOTES_HEADER: &str = "Notes";
/// The year columns of both sheets, with the financial year each holds.
pub const YEAR_HEADERS: [(&str, u16); 4] = [
    ("Baseline 2021-22", 2021),
    ("Year 1 2022-23", 2022),
    ("Year 2 2023-24", 2023),
    ("Year 3 2024-25", 2024),
];
/// The rows of the continuity of care sheet.
pub const NATIONAL_ROW: &str = "National";
pub const LOCAL_ROW: &str = "Local planning (%)";
/// The national ambition for continuity of care by the end of 2024-25, and its baseline.
pub const CONTINUITY_AMBITION: f64 = 75.0;
pub const CONTINUITY_BASELINE: f64 = 37.0;

/// The national continuity of care ambition for a plan year, in percent: a straight line
/// from the 2021-22 baseline (37%) to 75% in 2024-25.
pub fn national_continuity(year: crate::input::census::PlanYear) -> f64 {
    use crate::input::census::PlanYear;
    let steps = f64::from(PlanYear::LAST - PlanYear::FIRST);
    let step = f64::from(year.start.saturating_sub(PlanYear::FIRST));
    CONTINUITY_BASELINE + (CONTINUITY_AMBITION - CONTINUITY_BASELINE) * step / steps
}

pub use crate::input::census::{PlannedContinuity, PlannedPosts};

/// Everything read from the workbooks of one census folder.
#[derive(Debug, Default)]
pub struct Workbooks {
    pub posts: Vec<PlannedPosts>,
    pub continuity: Vec<PlannedContinuity>,
    pub findings: Vec<Finding>,
    /// LA codes with a workbook that could be read.
    pub read: Vec<String>,
}

/// Whether a finding is about a planning workbook (or a CSV plan a workbook also makes).
pub fn is_plan_finding(finding: &Finding) -> bool {
    finding.file.starts_with(PLANS_DIR)
}

/// Text as the template's headers and rows are matched: case, every white-space character
/// and closing parentheses ignored (a missing `)` still matches).
pub fn normalise(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != ')')
        .flat_map(char::to_lowercase)
        .collect()
}

pub use crate::input::spreadsheet::cell_name;

/// Reads every `expansion_plans/*.xlsx` and `*.ods` in `dir`, in name order. `la_codes` are
/// the census's LAs; `commissioners` names each LA's commissioning organisation, whose query
/// list gets the LA's findings.
pub fn read_folder(
    dir: &Path,
    la_codes: &[&str],
    commissioners: &BTreeMap<String, String>,
) -> Workbooks {
    let mut out = Workbooks::default();
    let folder = dir.join(PLANS_DIR);
    let Ok(entries) = std::fs::read_dir(&folder) else {
        return out;
    };
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "xlsx" | "ods"))
        })
        .collect();
    files.sort();
    for path in files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let la_code = path
            .file_stem()
            .map(|s| s.to_string_lossy().trim().to_string())
            .unwrap_or_default();
        let file = format!("{PLANS_DIR}/{name}");
        let org_id = commissioners.get(&la_code).cloned();
        let mut sheet = SheetReader {
            file: &file,
            name: &name,
            la_code: &la_code,
            org_id,
            out: &mut out,
        };
        if !la_codes.contains(&la_code.as_str()) {
            sheet.whole(
                Severity::Error,
                Rule::Reference,
                format!(
                    "the workbook's name should be the LA code it plans for; '{la_code}' is not in local_authorities.csv"
                ),
            );
            continue;
        }
        sheet.read(&path);
    }
    crate::input::finding::cap_per_file(&mut out.findings);
    out
}

struct SheetReader<'a> {
    file: &'a str,
    /// The workbook's file name, as findings name it.
    name: &'a str,
    la_code: &'a str,
    org_id: Option<String>,
    out: &'a mut Workbooks,
}

/// One sheet's cells that hold something, by absolute (row, column), with the formulas
/// behind them.
struct Grid {
    sheet: String,
    cells: Sheet,
}

impl Grid {
    fn value(&self, row: u32, col: u32) -> &Value {
        self.cells
            .cell(row, col)
            .map_or(&Value::Empty, |cell| &cell.value)
    }

    fn text(&self, row: u32, col: u32) -> String {
        self.value(row, col).to_string()
    }

    fn formula(&self, row: u32, col: u32) -> Option<&str> {
        self.cells
            .cell(row, col)
            .and_then(|cell| cell.formula.as_deref())
            .filter(|f| !f.is_empty())
    }

    fn bounds(&self) -> Option<((u32, u32), (u32, u32))> {
        self.cells.bounds()
    }

    /// The first row holding every header in `headers`: the row and each header's column.
    fn header_row(&self, headers: &[&str]) -> Option<(u32, Vec<u32>)> {
        let wanted: Vec<String> = headers.iter().map(|h| normalise(h)).collect();
        for row in self.cells.rows() {
            let texts: Vec<(u32, String)> = self
                .cells
                .row(row)
                .map(|(col, cell)| (col, normalise(&cell.value.to_string())))
                .collect();
            let cols: Option<Vec<u32>> = wanted
                .iter()
                .map(|w| texts.iter().find(|(_, t)| t == w).map(|(c, _)| *c))
                .collect();
            if let Some(cols) = cols {
                return Some((row, cols));
            }
        }
        None
    }
}

impl SheetReader<'_> {
    fn finding(&self, severity: Severity, rule: Rule, message: String) -> Finding {
        let mut finding = match severity {
            Severity::Error => Finding::error(rule, self.file, message),
            Severity::Warning => Finding::warning(rule, self.file, message),
        };
        finding.org_id = self.org_id.clone();
        finding
    }

    /// A finding about the workbook as a whole.
    fn whole(&mut self, severity: Severity, rule: Rule, message: String) {
        let finding = self.finding(severity, rule, message);
        self.out.findings.push(finding);
    }

    /// A finding about one cell: `<file>!<sheet>!<cell>`.
    fn at(
        &mut self,
        severity: Severity,
        rule: Rule,
        grid: &Grid,
        row: u32,
        col: u32,
        message: String,
    ) {
        let finding = self.finding(severity, rule, message).cell(&format!(
            "{}!{}",
            grid.sheet,
            cell_name(row, col)
        ));
        self.out.findings.push(finding);
    }

    fn place(&self, grid: &Grid, row: u32, col: u32) -> String {
        format!("{}!{}!{}", self.name, grid.sheet, cell_name(row, col))
    }

    fn read(&mut self, path: &Path) {
        let wanted = |name: &str| {
            [WORKFORCE_SHEET, CONTINUITY_SHEET]
                .iter()
                .any(|w| normalise(w) == normalise(name))
        };
        // The reader is bounded and returns every problem as an error; a panic in it would
        // still be a bug, caught here so that it costs this workbook and nothing else.
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            spreadsheet::read(path, &wanted)
        }));
        let workbook = match read {
            Ok(Ok(workbook)) => workbook,
            Ok(Err(e)) => {
                self.unread(e);
                return;
            }
            Err(_) => {
                self.whole(
                    Severity::Error,
                    Rule::Malformed,
                    "the workbook could not be read: the reader failed on it".to_string(),
                );
                return;
            }
        };
        let mut grids = Vec::new();
        for wanted in [WORKFORCE_SHEET, CONTINUITY_SHEET] {
            match workbook.sheet(|name| normalise(name) == normalise(wanted)) {
                Some(sheet) => grids.push(Some(Grid {
                    sheet: sheet.name.clone(),
                    cells: sheet.clone(),
                })),
                None => {
                    self.whole(
                        Severity::Error,
                        Rule::MissingColumn,
                        format!("the workbook has no sheet '{wanted}'"),
                    );
                    grids.push(None);
                }
            }
        }
        let mut grids = grids.into_iter();
        if let Some(Some(grid)) = grids.next() {
            self.workforce(&grid);
        }
        if let Some(Some(grid)) = grids.next() {
            self.continuity(&grid);
        }
        self.out.read.push(self.la_code.to_string());
    }

    /// The one finding for a workbook that is not read: the plan is treated as missing.
    fn unread(&mut self, error: SheetError) {
        let (rule, at) = match &error {
            SheetError::Unreadable(_) => (Rule::Malformed, None),
            SheetError::Limit { at, .. } => (Rule::Limit, at.clone()),
        };
        let mut finding = self.finding(Severity::Error, rule, error.to_string());
        if let Some((sheet, row, col)) = at {
            finding = finding.cell(&format!("{sheet}!{}", cell_name(row, col)));
        }
        self.out.findings.push(finding);
    }

    /// A number cell's value; None (with a finding) for text, an error value or a formula
    /// without a cached value; None without a finding for an empty cell.
    fn number(&mut self, grid: &Grid, row: u32, col: u32, what: &str) -> Option<f64> {
        let problem = match grid.value(row, col) {
            Value::Number(x) if x.is_finite() => return Some(*x),
            Value::Empty | Value::Text(_) if grid.text(row, col).trim().is_empty() => {
                match grid.formula(row, col) {
                    Some(formula) => format!(
                        "{what} is the formula ={formula} with no saved value; open the workbook in a spreadsheet program, let it calculate and save it again"
                    ),
                    None => return None,
                }
            }
            Value::Error(e) => format!("{what} is the error value {e}; a number is needed"),
            Value::Text(s) => match s.trim().parse::<f64>() {
                Ok(x) if x.is_finite() => return Some(x),
                _ => format!("{what} is the text '{}'; a number is needed", s.trim()),
            },
            other => format!("{what} is '{other}'; a number is needed"),
        };
        self.at(Severity::Error, Rule::Number, grid, row, col, problem);
        None
    }

    fn workforce(&mut self, grid: &Grid) {
        let mut headers = vec![CATEGORY_HEADER, NOTES_HEADER];
        headers.extend(YEAR_HEADERS.iter().map(|(h, _)| *h));
        let Some((header_row, cols)) = self.header_row(grid, &headers) else {
            return;
        };
        let category_col = cols[0];
        let year_cols: Vec<(u32, u16)> = cols[2..]
            .iter()
            .zip(YEAR_HEADERS.iter())
            .map(|(c, (_, y))| (*c, *y))
            .collect();
        let Some((_, (last_row, _))) = grid.bounds() else {
            return;
        };
        // (category, year) → (fte, row, col) for the subset check.
        let mut seen: BTreeMap<(PlanCategory, u16), (f64, u32, u32)> = BTreeMap::new();
        let mut first_row: BTreeMap<PlanCategory, u32> = BTreeMap::new();
        for row in header_row + 1..=last_row {
            let text = grid.text(row, category_col);
            if text.trim().is_empty() {
                continue;
            }
            let Some(category) = PlanCategory::ALL
                .iter()
                .copied()
                .find(|c| normalise(c.label()) == normalise(&text) || c.code() == text.trim())
            else {
                self.at(
                    Severity::Warning,
                    Rule::UnknownCode,
                    grid,
                    row,
                    category_col,
                    format!(
                        "'{}' is not a workforce category of the planning template; the row is left out",
                        text.trim()
                    ),
                );
                continue;
            };
            if let Some(first) = first_row.get(&category) {
                let first = *first;
                self.at(
                    Severity::Error,
                    Rule::DuplicateKey,
                    grid,
                    row,
                    category_col,
                    format!(
                        "'{}' appears twice; the row at {} is used",
                        category.label(),
                        self.place(grid, first, category_col)
                    ),
                );
                continue;
            }
            first_row.insert(category, row);
            for &(col, year) in &year_cols {
                let what = format!("{} {}", category.label(), PlanYear { start: year });
                let Some(fte) = self.number(grid, row, col, &what) else {
                    continue;
                };
                if fte < 0.0 {
                    self.at(
                        Severity::Error,
                        Rule::Negative,
                        grid,
                        row,
                        col,
                        format!("{what} is {fte} FTE; planned posts cannot be negative"),
                    );
                    continue;
                }
                if (fte * 4.0).fract().abs() > 1e-9 {
                    self.at(
                        Severity::Warning,
                        Rule::Number,
                        grid,
                        row,
                        col,
                        format!("{what} is {fte} FTE; plans are made in quarters of an FTE (0.25)"),
                    );
                }
                seen.insert((category, year), (fte, row, col));
                self.out.posts.push(PlannedPosts {
                    la_code: self.la_code.to_string(),
                    category,
                    year: PlanYear { start: year },
                    fte,
                    cell: self.place(grid, row, col),
                });
            }
        }
        // The three subset rows may not add up to more than the drug and alcohol workers.
        for &(_, year) in &year_cols {
            let Some(&(total, row, col)) = seen.get(&(PlanCategory::DrugAlcoholWorkers, year))
            else {
                continue;
            };
            let subsets: f64 = PlanCategory::ALL
                .iter()
                .filter(|c| c.is_subset())
                .filter_map(|c| seen.get(&(*c, year)).map(|s| s.0))
                .sum();
            if subsets > total + 1e-9 {
                self.at(
                    Severity::Warning,
                    Rule::PlanSubsets,
                    grid,
                    row,
                    col,
                    format!(
                        "the criminal justice, young people's and other drug and alcohol workers add up to {subsets} FTE in {}, more than the {total} FTE of all drug and alcohol workers",
                        PlanYear { start: year }
                    ),
                );
            }
        }
    }

    fn continuity(&mut self, grid: &Grid) {
        let headers: Vec<&str> = YEAR_HEADERS.iter().map(|(h, _)| *h).collect();
        let Some((header_row, cols)) = self.header_row(grid, &headers) else {
            return;
        };
        let Some(((_, c0), (last_row, c1))) = grid.bounds() else {
            return;
        };
        let local = (header_row + 1..=last_row).find(|&row| {
            (c0..=c1).any(|col| normalise(&grid.text(row, col)) == normalise(LOCAL_ROW))
        });
        let Some(row) = local else {
            self.whole(
                Severity::Error,
                Rule::MissingColumn,
                format!("sheet '{}' has no row '{LOCAL_ROW}'", grid.sheet),
            );
            return;
        };
        for (col, (_, year)) in cols.iter().zip(YEAR_HEADERS.iter()) {
            let what = format!("Planned continuity of care {}", PlanYear { start: *year });
            let Some(percent) = self.number(grid, row, *col, &what) else {
                continue;
            };
            if !(0.0..=100.0).contains(&percent) {
                self.at(
                    Severity::Error,
                    Rule::Number,
                    grid,
                    row,
                    *col,
                    format!("{what} is {percent}; a percentage is between 0 and 100"),
                );
                continue;
            }
            self.out.continuity.push(PlannedContinuity {
                la_code: self.la_code.to_string(),
                year: PlanYear { start: *year },
                percent,
                cell: self.place(grid, row, *col),
            });
        }
    }

    /// The sheet's header row and the column of each of `headers`; a finding naming the
    /// missing headers when no row has them all.
    fn header_row(&mut self, grid: &Grid, headers: &[&str]) -> Option<(u32, Vec<u32>)> {
        let found = grid.header_row(headers);
        if found.is_none() {
            let missing = self.missing_headers(grid, headers);
            self.whole(
                Severity::Error,
                Rule::MissingColumn,
                format!(
                    "sheet '{}' has no header row with {}",
                    grid.sheet,
                    missing.join(", ")
                ),
            );
        }
        found
    }

    /// The headers of `headers` that appear in no row of the sheet, or all of them when
    /// each appears somewhere but never together.
    fn missing_headers(&self, grid: &Grid, headers: &[&str]) -> Vec<String> {
        let Some(((r0, c0), (r1, c1))) = grid.bounds() else {
            return headers.iter().map(|h| format!("'{h}'")).collect();
        };
        let present: std::collections::BTreeSet<String> = (r0..=r1)
            .flat_map(|r| (c0..=c1).map(move |c| (r, c)))
            .map(|(r, c)| normalise(&grid.text(r, c)))
            .collect();
        let missing: Vec<String> = headers
            .iter()
            .filter(|h| !present.contains(&normalise(h)))
            .map(|h| format!("'{h}'"))
            .collect();
        if missing.is_empty() {
            headers.iter().map(|h| format!("'{h}'")).collect()
        } else {
            missing
        }
    }
}

// ---- writing the planning template ----------------------------------------------------------

/// What one LA plans, to fill a planning workbook with (the sample data).
#[derive(Debug, Clone, Default)]
pub struct LaPlan {
    /// Planned FTE by category and financial year (its first calendar year).
    pub posts: BTreeMap<(PlanCategory, u16), f64>,
    /// Planned continuity of care by financial year, in percent.
    pub continuity: BTreeMap<u16, f64>,
}

/// The note beside each category on the template.
pub fn category_note(category: PlanCategory) -> &'static str {
    use PlanCategory::*;
    match category {
        SocialWorkers => "Registered social workers in drug and alcohol services.",
        Pharmacists => "Registered pharmacists, including prescribing pharmacists.",
        Nurses => "Registered nurses, including non-medical prescribers.",
        AddictionPsychiatrists => "Consultant and specialty doctors in addiction psychiatry.",
        OtherDoctors => "GPs with a special interest and other doctors.",
        ConsultantPsychologists => "Consultant clinical and counselling psychologists.",
        PractitionerPsychologists => "HCPC-registered practitioner psychologists.",
        AssistantPsychologists => "Assistant psychologists (not HCPC-registered).",
        DrugAlcoholWorkers => {
            "All drug and alcohol workers, including the three subset rows below."
        }
        CjDrugAlcoholWorkers => "Part of the total above: do not add to it.",
        YpDrugAlcoholWorkers => "Part of the total above: do not add to it.",
        OtherDrugAlcoholWorkers => "Part of the total above: do not add to it.",
        ServiceManagers => "Managers of treatment services.",
        Commissioners => "The council's drug and alcohol commissioning team.",
    }
}

/// The planning workbook (xlsx): blank for the team to send out, or filled with `plan`.
/// Cells take FTE in steps of 0.25 and percentages from 0 to 100 (data validation). `date`
/// is its fixed creation date, so the same plan gives the same bytes.
pub fn template_workbook(
    plan: Option<&LaPlan>,
    la: Option<(&str, &str)>,
    date: crate::input::census::Date,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{
        DataValidation, DataValidationRule, DocProperties, ExcelDateTime, Format, Formula, Workbook,
    };
    let mut book = Workbook::new();
    let created = ExcelDateTime::from_ymd(date.year as u16, date.month, date.day)?;
    book.set_properties(
        &DocProperties::new()
            .set_title("Treatment workforce expansion plan")
            .set_author("census-reports")
            .set_creation_datetime(&created)
            .set_custom_property("Language", "en-GB"),
    );
    let title = Format::new().set_bold().set_font_size(14);
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    let fte = Format::new().set_num_format("0.00");
    let (code, name) = la.unwrap_or(("", ""));

    let sheet = book.add_worksheet();
    sheet.set_name(WORKFORCE_SHEET)?;
    sheet.write_string_with_format(0, 0, "Treatment workforce expansion plan", &title)?;
    sheet.write_string(
        1,
        0,
        format!("Local authority: {name} ({code})").trim_end_matches(" ()"),
    )?;
    sheet.write_string(
        2,
        0,
        "Planned FTE posts by workforce category, to the nearest 0.25 FTE. Save the workbook as <LA code>.xlsx.",
    )?;
    let header = 4u32;
    sheet.write_string_with_format(header, 0, CATEGORY_HEADER, &bold)?;
    sheet.write_string_with_format(header, 1, NOTES_HEADER, &bold)?;
    for (i, (text, _)) in YEAR_HEADERS.iter().enumerate() {
        sheet.write_string_with_format(header, 2 + i as u16, *text, &bold)?;
    }
    sheet.set_column_width(0, 58)?;
    sheet.set_column_width(1, 52)?;
    for col in 2..6 {
        sheet.set_column_width(col, 16)?;
    }
    for (i, category) in PlanCategory::ALL.iter().enumerate() {
        let row = header + 1 + i as u32;
        sheet.write_string(row, 0, category.label())?;
        sheet.write_string_with_format(row, 1, category_note(*category), &wrap)?;
        for (j, (_, year)) in YEAR_HEADERS.iter().enumerate() {
            if let Some(value) = plan.and_then(|p| p.posts.get(&(*category, *year))) {
                sheet.write_number_with_format(row, 2 + j as u16, *value, &fte)?;
            }
        }
    }
    let (first, last) = (header + 1, header + PlanCategory::ALL.len() as u32);
    let quarters = DataValidation::new()
        .allow_custom(Formula::new("=AND(ISNUMBER(C6),C6>=0,MOD(C6*4,1)=0)"))
        .set_input_title("Planned FTE")?
        .set_input_message("FTE posts, 0 or more, in steps of 0.25 (e.g. 12.75).")?
        .set_error_title("FTE in steps of 0.25")?
        .set_error_message("Enter 0 or more FTE, in steps of 0.25.")?;
    sheet.add_data_validation(first, 2, last, 5, &quarters)?;

    let sheet = book.add_worksheet();
    sheet.set_name(CONTINUITY_SHEET)?;
    sheet.write_string_with_format(0, 0, "Continuity of care for prison leavers", &title)?;
    sheet.write_string(
        1,
        0,
        "Per cent of prison leavers with a substance misuse need engaging in community treatment within 3 weeks of release. National ambition: from 37% to 75% (3 in 4) by the end of 2024-25.",
    )?;
    let header = 3u32;
    for (i, (text, _)) in YEAR_HEADERS.iter().enumerate() {
        sheet.write_string_with_format(header, 1 + i as u16, *text, &bold)?;
    }
    sheet.set_column_width(0, 24)?;
    for col in 1..5 {
        sheet.set_column_width(col, 16)?;
    }
    sheet.write_string(header + 1, 0, NATIONAL_ROW)?;
    sheet.write_number(header + 1, 1, CONTINUITY_BASELINE)?;
    sheet.write_number(header + 1, 4, CONTINUITY_AMBITION)?;
    sheet.write_string(header + 2, 0, LOCAL_ROW)?;
    for (j, (_, year)) in YEAR_HEADERS.iter().enumerate() {
        if let Some(value) = plan.and_then(|p| p.continuity.get(year)) {
            sheet.write_number(header + 2, 1 + j as u16, *value)?;
        }
    }
    let percent = DataValidation::new()
        .allow_decimal_number(DataValidationRule::Between(0.0, 100.0))
        .set_input_title("Planned continuity of care")?
        .set_input_message("A percentage from 0 to 100.")?
        .set_error_title("A percentage")?
        .set_error_message("Enter a percentage from 0 to 100.")?;
    sheet.add_data_validation(header + 2, 1, header + 2, 4, &percent)?;
    book.save_to_buffer()
}

impl PlanCategory {
    /// The three rows that count part of the drug and alcohol workers again.
    pub fn is_subset(self) -> bool {
        matches!(
            self,
            PlanCategory::CjDrugAlcoholWorkers
                | PlanCategory::YpDrugAlcoholWorkers
                | PlanCategory::OtherDrugAlcoholWorkers
        )
    }

    /// The census role group the category's posts belong to (for the plan against the census
    /// by role group).
    pub fn group(self) -> RoleGroup {
        use PlanCategory::*;
        match self {
            SocialWorkers => RoleGroup::SocialWork,
            Pharmacists => RoleGroup::Pharmacy,
            Nurses => RoleGroup::Nursing,
            AddictionPsychiatrists | OtherDoctors => RoleGroup::Medical,
            ConsultantPsychologists | PractitionerPsychologists | AssistantPsychologists => {
                RoleGroup::Psychology
            }
            DrugAlcoholWorkers
            | CjDrugAlcoholWorkers
            | YpDrugAlcoholWorkers
            | OtherDrugAlcoholWorkers => RoleGroup::DrugAlcoholWorkers,
            ServiceManagers => RoleGroup::ManagementSupport,
            Commissioners => RoleGroup::Commissioning,
        }
    }

    /// The census roles whose WTE the category is planned against.
    pub fn roles(self) -> &'static [crate::domain::Role] {
        use crate::domain::Role::*;
        use PlanCategory::*;
        match self {
            SocialWorkers => &[SocialWorker],
            Pharmacists => &[Pharmacist],
            Nurses => &[Nurse],
            AddictionPsychiatrists => &[AddictionPsychiatrist],
            OtherDoctors => &[OtherDoctor],
            ConsultantPsychologists | PractitionerPsychologists => &[Psychologist],
            AssistantPsychologists => &[AssistantPsychologist],
            DrugAlcoholWorkers => &[DrugAlcoholWorker, CjDrugAlcoholWorker, YpDrugAlcoholWorker],
            CjDrugAlcoholWorkers => &[CjDrugAlcoholWorker],
            YpDrugAlcoholWorkers => &[YpDrugAlcoholWorker],
            OtherDrugAlcoholWorkers => &[DrugAlcoholWorker],
            ServiceManagers => &[ServiceManager],
            Commissioners => &[Commissioner, CommissioningCoordinator, CommissioningAnalyst],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_named_as_a_spreadsheet_names_them() {
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(10, 3), "D11");
        assert_eq!(cell_name(0, 25), "Z1");
        assert_eq!(cell_name(1, 26), "AA2");
        assert_eq!(cell_name(2, 701), "ZZ3");
        assert_eq!(cell_name(2, 702), "AAA3");
    }

    #[test]
    fn matching_ignores_case_white_space_and_a_missing_parenthesis() {
        assert_eq!(
            normalise("Criminal justice drug and alcohol workers (subset of total"),
            normalise(" criminal justice  drug and\nalcohol workers (Subset of total)")
        );
        assert_ne!(normalise("Nurses"), normalise("Nurse"));
    }
}
