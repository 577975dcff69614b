//! Stage 1: read one census-year folder into a typed [`Census`].
//!
//! The loader checks what one file can tell on its own: the schema, types, codes and
//! duplicate keys. Rows with a problem are left out and become findings naming file, line
//! and field; checks across files are the validate stage's. A folder that cannot be read at
//! all (a required file or column missing) is a [`LoadFailure`].
//!
//! CSV is read with the `csv` crate record by record rather than with polars' reader: the
//! census needs a finding per bad cell with its line, and a reader that fails a whole file on
//! its first bad byte cannot give that.

use crate::domain::{Dimension, OrgType, Region, Role, RoleGroup, Sector, Service};
use crate::input::census::{
    Census, CensusMeta, ContinuityActual, Date, DemographicRow, ExpansionPlanRow,
    ExpectedParticipant, IcbShare, LocalAuthority, Organisation, PlanYear, ServiceArea,
    WorkforceRow,
};
use crate::input::finding::{Finding, Rule, Severity};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub const CENSUS_TOML: &str = "census.toml";
pub const LOCAL_AUTHORITIES: &str = "local_authorities.csv";
pub const ORGANISATIONS: &str = "organisations.csv";
pub const SERVICE_AREAS: &str = "service_areas.csv";
pub const WORKFORCE: &str = "workforce.csv";
pub const DEMOGRAPHICS: &str = "demographics.csv";
pub const EXPANSION_PLANS: &str = "expansion_plans.csv";
pub const CONTINUITY_OF_CARE: &str = "continuity_of_care.csv";
pub const EXPECTED_PARTICIPANTS: &str = "expected_participants.csv";
pub const ICB_LOOKUP: &str = "icb_lookup.csv";

/// The publisher named on the publication tables when `census.toml` names none.
pub const DEFAULT_PUBLISHER: &str = "Drug and alcohol treatment and recovery workforce census team";

/// Input files larger than this are refused with a finding rather than read into memory.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// Rows one input file may have: 15 times the 2024 sample's largest file (demographics.csv,
/// 16,075 rows) and half as many again as a census of ten times the providers. A file with
/// more is refused with one finding, so that a file of repeated rows costs bounded memory
/// and time (two files at this limit, every row a finding, build within 1 GiB).
pub const MAX_ROWS: usize = 250_000;
/// No organisation employs this many WTE; a larger figure is a typing slip.
const MAX_WTE: f64 = 100_000.0;

/// The loaded census and the findings made while reading it.
#[derive(Debug)]
pub struct Loaded {
    pub census: Census,
    pub findings: Vec<Finding>,
    /// The planning workbooks that could be read, and the time reading all of them took.
    pub workbooks: (usize, std::time::Duration),
}

/// The folder could not be read as a census at all.
#[derive(Debug, thiserror::Error)]
#[error("{} could not be read as a census folder ({} problem(s); first: {})", .dir.display(), .findings.len(), .findings.first().map(|f| f.to_string()).unwrap_or_default())]
pub struct LoadFailure {
    pub dir: PathBuf,
    pub findings: Vec<Finding>,
}

/// Reads every file of one census-year folder. Never panics on any input.
pub fn load(dir: &Path) -> Result<Loaded, LoadFailure> {
    let mut findings = Vec::new();
    let meta = read_meta(dir, &mut findings);
    let tables = [
        &LA_TABLE,
        &ORG_TABLE,
        &AREA_TABLE,
        &WORKFORCE_TABLE,
        &DEMOGRAPHICS_TABLE,
        &PLANS_TABLE,
        &CONTINUITY_TABLE,
        &EXPECTED_TABLE,
        &ICB_TABLE,
    ]
    .map(|spec| read_table(dir, spec, &mut findings));
    // The ICB lookup is the census team's own geography: nothing in it stops a census.
    for f in findings.iter_mut().filter(|f| f.file == ICB_LOOKUP) {
        f.severity = Severity::Warning;
    }
    let fatal = meta.is_none()
        || tables
            .iter()
            .zip([false, false, false, false, false, true, true, true, true])
            .any(|(t, optional)| t.is_none() && !optional)
        || findings.iter().any(|f| {
            matches!(
                f.rule,
                Rule::MissingFile | Rule::MissingColumn | Rule::EmptyFile
            ) && f.severity == Severity::Error
        });
    let (Some(meta), false) = (meta, fatal) else {
        let mut findings = findings;
        crate::input::finding::cap_per_file(&mut findings);
        return Err(LoadFailure {
            dir: dir.to_path_buf(),
            findings,
        });
    };
    let [las, orgs, areas, workforce, demographics, plans, continuity, expected, icb] = tables;
    let listed = expected.is_some();
    let icb_listed = icb.is_some();
    let empty = || Table {
        file: "",
        rows: Vec::new(),
    };
    let census = Census {
        meta,
        local_authorities: parse_rows(las.unwrap_or_else(empty), &mut findings, la_row),
        organisations: parse_rows(orgs.unwrap_or_else(empty), &mut findings, org_row),
        service_areas: parse_rows(areas.unwrap_or_else(empty), &mut findings, area_row),
        workforce: parse_rows(
            workforce.unwrap_or_else(empty),
            &mut findings,
            workforce_row,
        ),
        demographics: parse_rows(
            demographics.unwrap_or_else(empty),
            &mut findings,
            demographic_row,
        ),
        expansion_plans: parse_rows(plans.unwrap_or_else(empty), &mut findings, plan_row),
        planned_posts: Vec::new(),
        planned_continuity: Vec::new(),
        continuity_actual: parse_rows(
            continuity.unwrap_or_else(empty),
            &mut findings,
            continuity_row,
        ),
        expected: listed
            .then(|| parse_rows(expected.unwrap_or_else(empty), &mut findings, expected_row)),
        icb_lookup: icb_listed
            .then(|| parse_rows(icb.unwrap_or_else(empty), &mut findings, icb_row)),
    };
    let mut census = census;
    drop_duplicates(&mut census, &mut findings);
    check_expected(&mut census, &mut findings);
    check_icb_lookup(&mut census, &mut findings);
    let started = std::time::Instant::now();
    let read = read_workbooks(dir, &mut census, &mut findings);
    Ok(Loaded {
        census,
        findings,
        workbooks: (read, started.elapsed()),
    })
}

/// The LAs' planning workbooks (`expansion_plans/<la_code>.xlsx`): their posts by category
/// and planned continuity of care. A CSV row for an LA, role group and year that a workbook
/// also plans (its categories summed by role group) is an error naming both; the workbook's
/// figures are used.
fn read_workbooks(dir: &Path, census: &mut Census, findings: &mut Vec<Finding>) -> usize {
    let commissioners: std::collections::BTreeMap<String, String> = census
        .organisations
        .iter()
        .filter(|o| o.org_type == OrgType::Commissioner)
        .filter_map(|o| Some((o.la_code.clone()?, o.org_id.clone())))
        .collect();
    let la_codes: Vec<&str> = census
        .local_authorities
        .iter()
        .map(|l| l.la_code.as_str())
        .collect();
    let books = crate::input::plans::read_folder(dir, &la_codes, &commissioners);
    findings.extend(books.findings);
    // Each workbook's posts by role group and year (the subset rows are counted in the drug
    // and alcohol workers already), with the cells they came from, to find CSV rows that
    // plan the same.
    let mut by_group: std::collections::BTreeMap<
        (String, RoleGroup, PlanYear),
        (f64, Vec<String>),
    > = Default::default();
    for post in books.posts.iter().filter(|p| !p.category.is_subset()) {
        let entry = by_group
            .entry((post.la_code.clone(), post.category.group(), post.year))
            .or_default();
        entry.0 += post.fte;
        entry.1.push(post.cell.clone());
    }
    census.expansion_plans.retain(|row| {
        let key = (row.la_code.clone(), row.category, row.year);
        let Some((_, cells)) = by_group.get(&key) else {
            return true;
        };
        findings.push(
            Finding::error(
                Rule::DuplicateKey,
                EXPANSION_PLANS,
                format!(
                    "{} {} {} is planned both here and in the LA's workbook ({}); the workbook's figure is used",
                    row.la_code,
                    row.category.code(),
                    row.year,
                    cells.join(", ")
                ),
            )
            .at(row.line)
            .field("planned_fte"),
        );
        false
    });
    census.planned_posts = books.posts;
    census.planned_continuity = books.continuity;
    books.read.len()
}

/// The census year from `census.toml`, without loading the rest of the folder.
pub fn census_year(dir: &Path) -> Option<u16> {
    #[derive(serde::Deserialize)]
    struct Year {
        year: u16,
    }
    let text = std::fs::read_to_string(dir.join(CENSUS_TOML)).ok()?;
    toml::from_str::<toml::Table>(&text)
        .ok()
        .and_then(|t| toml::Value::Table(t).try_into::<Year>().ok())
        .map(|y| y.year)
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MetaFile {
    year: u16,
    snapshot_date: String,
    published: String,
    title: String,
    /// Who publishes the statistics and how to reach them (the publication tables' cover).
    #[serde(default)]
    publisher: Option<String>,
    #[serde(default)]
    contact: Option<String>,
    /// Where `icb_lookup.csv` comes from, for the ICB reports' About section.
    #[serde(default)]
    icb_lookup_source: Option<String>,
}

fn read_meta(dir: &Path, findings: &mut Vec<Finding>) -> Option<CensusMeta> {
    let path = dir.join(CENSUS_TOML);
    let text = match std::fs::read(&path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(_) => {
                findings.push(Finding::error(
                    Rule::Encoding,
                    CENSUS_TOML,
                    "the file is not UTF-8 text; save it as UTF-8",
                ));
                return None;
            }
        },
        Err(err) => {
            findings.push(Finding::error(
                Rule::MissingFile,
                CENSUS_TOML,
                format!("cannot read {}: {err}", path.display()),
            ));
            return None;
        }
    };
    let parsed: MetaFile = match toml::from_str(&text) {
        Ok(parsed) => parsed,
        Err(err) => {
            let line = err
                .span()
                .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
            let mut finding = Finding::error(Rule::Malformed, CENSUS_TOML, err.message());
            finding.line = line;
            findings.push(finding);
            return None;
        }
    };
    let date = |field: &str, value: &str, findings: &mut Vec<Finding>| {
        let date = Date::parse(value);
        if date.is_none() {
            findings.push(
                Finding::error(
                    Rule::Date,
                    CENSUS_TOML,
                    format!("'{value}' is not a date; write it as YYYY-MM-DD"),
                )
                .field(field),
            );
        }
        date
    };
    let snapshot_date = date("snapshot_date", &parsed.snapshot_date, findings);
    let published = date("published", &parsed.published, findings);
    Some(CensusMeta {
        year: parsed.year,
        snapshot_date: snapshot_date?,
        published: published?,
        title: parsed.title,
        publisher: parsed
            .publisher
            .unwrap_or_else(|| DEFAULT_PUBLISHER.to_string()),
        contact: parsed.contact.unwrap_or_default(),
        icb_source: parsed.icb_lookup_source.unwrap_or_default(),
    })
}

/// The columns one input file must have, and those it may have.
struct TableSpec {
    file: &'static str,
    required: &'static [&'static str],
    optional: &'static [&'static str],
    optional_file: bool,
}

const LA_TABLE: TableSpec = TableSpec {
    file: LOCAL_AUTHORITIES,
    required: &[
        "la_code",
        "la_name",
        "nhs_region",
        "population_18plus",
        "adults_in_treatment",
        "young_people_in_treatment",
    ],
    optional: &[],
    optional_file: false,
};
const ORG_TABLE: TableSpec = TableSpec {
    file: ORGANISATIONS,
    required: &[
        "org_id",
        "org_name",
        "org_type",
        "sector",
        "nhs_region",
        "la_code",
        "services",
        "volunteers_headcount",
    ],
    optional: &[],
    optional_file: false,
};
const AREA_TABLE: TableSpec = TableSpec {
    file: SERVICE_AREAS,
    required: &["org_id", "la_code", "wte_share"],
    optional: &[],
    optional_file: false,
};
const WORKFORCE_TABLE: TableSpec = TableSpec {
    file: WORKFORCE,
    required: &[
        "org_id",
        "role",
        "headcount",
        "wte_in_post",
        "wte_vacant",
        "wte_agency",
        "leavers_12m",
        "starters_12m",
    ],
    optional: &["caseload"],
    optional_file: false,
};
const DEMOGRAPHICS_TABLE: TableSpec = TableSpec {
    file: DEMOGRAPHICS,
    required: &["org_id", "dimension", "category", "headcount"],
    optional: &[],
    optional_file: false,
};
const PLANS_TABLE: TableSpec = TableSpec {
    file: EXPANSION_PLANS,
    required: &["la_code", "category", "year", "planned_fte"],
    optional: &[],
    optional_file: true,
};

const CONTINUITY_TABLE: TableSpec = TableSpec {
    file: CONTINUITY_OF_CARE,
    required: &["la_code", "year", "percent"],
    optional: &[],
    optional_file: true,
};

/// Who was invited to make a return (SPEC §13); optional.
const EXPECTED_TABLE: TableSpec = TableSpec {
    file: EXPECTED_PARTICIPANTS,
    required: &[
        "org_id",
        "org_name",
        "org_type",
        "sector",
        "nhs_region",
        "la_codes",
    ],
    optional: &["contact"],
    optional_file: true,
};

/// The ICB footprints (SPEC §17); optional.
const ICB_TABLE: TableSpec = TableSpec {
    file: ICB_LOOKUP,
    required: &["la_code", "icb_code", "icb_name", "share"],
    optional: &[],
    optional_file: true,
};

/// The text cells of one file, by the spec's column order (required, then optional).
struct Table {
    file: &'static str,
    rows: Vec<RawRow>,
}

struct RawRow {
    line: usize,
    /// One entry per spec column; None for an optional column the file does not have.
    cells: Vec<Option<String>>,
}

/// The physical line a byte of a file is on, whatever its line ends: the csv reader's own
/// line count runs one behind after a CRLF line end, so a finding would send the reader to
/// the row above (and re-saving a file with Windows line ends would move every query).
struct PhysicalLines<'a> {
    bytes: &'a [u8],
    /// The offset of every line feed.
    feeds: Vec<usize>,
}

impl<'a> PhysicalLines<'a> {
    fn of(bytes: &'a [u8]) -> PhysicalLines<'a> {
        PhysicalLines {
            bytes,
            feeds: bytes
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i)
                .collect(),
        }
    }

    /// 1 for the first line. The reader may place a record's start on the line end before
    /// it (the LF of a CRLF), so its first byte of content is found first; the record is
    /// on the line after every line feed before that (a quoted field's line breaks count
    /// as the lines they span).
    fn at(&self, byte: u64) -> usize {
        let mut start = usize::try_from(byte).unwrap_or(usize::MAX);
        while self
            .bytes
            .get(start)
            .is_some_and(|b| *b == b'\r' || *b == b'\n')
        {
            start += 1;
        }
        self.feeds.partition_point(|feed| *feed < start) + 1
    }
}

fn read_table(dir: &Path, spec: &TableSpec, findings: &mut Vec<Finding>) -> Option<Table> {
    let file = spec.file;
    let path = dir.join(file);
    match std::fs::metadata(&path) {
        Err(_) if spec.optional_file => return None,
        Err(err) => {
            findings.push(Finding::error(
                Rule::MissingFile,
                file,
                format!("required file is missing or unreadable ({err})"),
            ));
            return None;
        }
        Ok(meta) if meta.len() > MAX_FILE_BYTES => {
            findings.push(Finding::error(
                Rule::MissingFile,
                file,
                format!(
                    "the file is {:.0} MB; files over {} MB are refused (is this the right file?)",
                    meta.len() as f64 / 1e6,
                    MAX_FILE_BYTES / 1024 / 1024
                ),
            ));
            return None;
        }
        Ok(_) => {}
    }
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(err) => {
            findings.push(Finding::error(
                Rule::MissingFile,
                file,
                format!("cannot read the file ({err})"),
            ));
            return None;
        }
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let line_of = PhysicalLines::of(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = reader.byte_records();

    let header = match records.next() {
        Some(Ok(header)) => header,
        Some(Err(err)) => {
            findings.push(Finding::error(Rule::Malformed, file, err.to_string()).at(1));
            return None;
        }
        None => {
            findings.push(Finding::error(
                Rule::EmptyFile,
                file,
                "the file is empty; it needs a header row naming its columns",
            ));
            return None;
        }
    };
    let names: Vec<String> = header
        .iter()
        .map(|name| String::from_utf8_lossy(name).trim().to_ascii_lowercase())
        .collect();
    if names.len() == 1 && names[0].contains(';') {
        findings.push(
            Finding::error(
                Rule::Malformed,
                file,
                "columns are separated by ';'; save the file as comma-separated CSV",
            )
            .at(1),
        );
        return None;
    }
    let columns: Vec<&str> = spec.required.iter().chain(spec.optional).copied().collect();
    let mut index = Vec::with_capacity(columns.len());
    let mut missing = false;
    for (i, column) in columns.iter().enumerate() {
        let position = names.iter().position(|n| n == column);
        if position.is_none() && i < spec.required.len() {
            missing = true;
            findings.push(
                Finding::error(
                    Rule::MissingColumn,
                    file,
                    format!("required column '{column}' is missing from the header row"),
                )
                .at(1)
                .field(column),
            );
        }
        index.push(position);
    }
    for (i, name) in names.iter().enumerate() {
        if !columns.contains(&name.as_str()) {
            let shown = if name.is_empty() {
                format!("column {}", i + 1)
            } else {
                name.clone()
            };
            findings.push(
                Finding::warning(
                    Rule::UnknownColumn,
                    file,
                    format!("column '{shown}' is not part of the census and was ignored"),
                )
                .at(1)
                .field(&shown),
            );
        }
    }
    if missing {
        return None;
    }

    let mut rows = Vec::new();
    for (n, record) in records.enumerate() {
        if n >= MAX_ROWS {
            // One finding for the file, not one for each of its rows.
            findings.retain(|f| f.file != file);
            findings.push(Finding::error(
                Rule::Limit,
                file,
                format!(
                    "the file has more than {} rows, the most a census file may have (is this the right file, or are its rows repeated?); it is not read",
                    crate::input::finding::grouped(MAX_ROWS as u64)
                ),
            ));
            return None;
        }
        let record = match record {
            Ok(record) => record,
            Err(err) => {
                let line = err.position().map_or(0, |p| line_of.at(p.byte()));
                findings.push(Finding::error(Rule::Malformed, file, err.to_string()).at(line));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| line_of.at(p.byte()));
        if record
            .iter()
            .all(|cell| cell.iter().all(u8::is_ascii_whitespace))
        {
            continue;
        }
        if record.len() != names.len() {
            findings.push(
                Finding::error(
                    Rule::Malformed,
                    file,
                    format!(
                        "the row has {} cells but the header has {} columns (a stray comma or quote?)",
                        record.len(),
                        names.len()
                    ),
                )
                .at(line),
            );
            continue;
        }
        let mut cells = Vec::with_capacity(columns.len());
        let mut readable = true;
        // Findings on an unreadable row still name its organisation where it can be read.
        let org_hint = match (columns.first(), index.first()) {
            (Some(&"org_id"), Some(Some(position))) => record
                .get(*position)
                .map(|raw| String::from_utf8_lossy(raw).trim().to_string())
                .unwrap_or_default(),
            _ => String::new(),
        };
        for (column, position) in columns.iter().zip(&index) {
            let Some(position) = position else {
                cells.push(None);
                continue;
            };
            let raw = record.get(*position).unwrap_or_default();
            match std::str::from_utf8(raw) {
                Ok(text) => cells.push(Some(text.trim().to_string())),
                Err(_) => {
                    readable = false;
                    findings.push(
                        Finding::error(
                            Rule::Encoding,
                            file,
                            "the cell is not UTF-8 text; save the file as UTF-8",
                        )
                        .at(line)
                        .field(column)
                        .org(&org_hint),
                    );
                }
            }
        }
        if readable {
            rows.push(RawRow { line, cells });
        }
    }
    Some(Table { file, rows })
}

/// Typed access to one raw row's cells; every failure becomes a finding on that cell.
struct Cells<'a> {
    file: &'static str,
    line: usize,
    org_id: String,
    cells: Vec<Option<String>>,
    findings: &'a mut Vec<Finding>,
    ok: bool,
}

impl Cells<'_> {
    fn report(&mut self, rule: Rule, field: &str, message: String) {
        self.ok = false;
        self.findings.push(
            Finding::error(rule, self.file, message)
                .at(self.line)
                .field(field)
                .org(&self.org_id),
        );
    }

    fn raw(&self, column: usize) -> &str {
        self.cells
            .get(column)
            .and_then(|c| c.as_deref())
            .unwrap_or("")
    }

    fn text(&mut self, column: usize, field: &str) -> String {
        let value = self.raw(column).to_string();
        if value.is_empty() {
            self.report(
                Rule::Required,
                field,
                format!("{field} is empty; it is required"),
            );
        }
        value
    }

    fn optional_text(&self, column: usize) -> Option<String> {
        Some(self.raw(column).to_string()).filter(|v| !v.is_empty())
    }

    /// A finite, non-negative number no larger than `max`.
    fn number(&mut self, column: usize, field: &str, max: f64) -> f64 {
        let value = self.raw(column).to_string();
        match parse_number(&value, max) {
            Ok(n) => n,
            Err((rule, message)) => {
                self.report(rule, field, format!("{field} {message}"));
                0.0
            }
        }
    }

    fn count(&mut self, column: usize, field: &str) -> u32 {
        let n = self.number(column, field, f64::from(u32::MAX));
        if n.fract() != 0.0 {
            self.report(
                Rule::WholeNumber,
                field,
                format!("{field} is {n}; a count of people must be a whole number"),
            );
        }
        n as u32
    }

    fn optional_count(&mut self, column: usize, field: &str) -> Option<u32> {
        if self.raw(column).is_empty() {
            None
        } else {
            Some(self.count(column, field))
        }
    }

    fn code<T>(
        &mut self,
        column: usize,
        field: &str,
        parse: fn(&str) -> Option<T>,
        accepted: &str,
    ) -> Option<T> {
        let value = self.raw(column).to_string();
        let parsed = parse(&value);
        if parsed.is_none() {
            if value.is_empty() {
                self.report(
                    Rule::Required,
                    field,
                    format!("{field} is empty; it is required"),
                );
            } else {
                self.report(
                    Rule::UnknownCode,
                    field,
                    format!("'{value}' is not a known {field}; use one of: {accepted}"),
                );
            }
        }
        parsed
    }
}

/// Parses a number cell, explaining what is wrong in words a participant can act on.
fn parse_number(text: &str, max: f64) -> Result<f64, (Rule, String)> {
    if text.is_empty() {
        return Err((Rule::Required, "is empty; write 0 if there are none".into()));
    }
    let lowered = text.to_ascii_lowercase();
    if ["n/a", "na", "-", "none", "nil", "unknown"].contains(&lowered.as_str()) {
        return Err((
            Rule::Number,
            format!("is '{text}'; give a number (0 if there are none)"),
        ));
    }
    if text.contains(',') && text.replace(',', "").parse::<f64>().is_ok() {
        return Err((
            Rule::Number,
            format!("is '{text}'; write numbers without thousands separators"),
        ));
    }
    let value: f64 = text
        .parse()
        .map_err(|_| (Rule::Number, format!("is '{text}', which is not a number")))?;
    if !value.is_finite() {
        return Err((Rule::Number, format!("is '{text}', which is not a number")));
    }
    if value < 0.0 {
        return Err((Rule::Negative, format!("is {text}; it cannot be negative")));
    }
    if value > max {
        return Err((
            Rule::Number,
            format!("is {text}, which is larger than any real figure; check the units"),
        ));
    }
    // -0 parses as negative zero; it means nothing more than zero.
    Ok(value + 0.0)
}

fn parse_rows<T>(
    table: Table,
    findings: &mut Vec<Finding>,
    parse: fn(&mut Cells) -> Option<T>,
) -> Vec<T> {
    let file = table.file;
    let mut out = Vec::with_capacity(table.rows.len());
    for row in table.rows {
        let org_id = if file == LOCAL_AUTHORITIES || file == EXPANSION_PLANS || file == ICB_LOOKUP {
            String::new()
        } else {
            row.cells
                .first()
                .and_then(|c| c.clone())
                .unwrap_or_default()
        };
        let mut cells = Cells {
            file,
            line: row.line,
            org_id,
            cells: row.cells,
            findings,
            ok: true,
        };
        let parsed = parse(&mut cells);
        if cells.ok {
            out.extend(parsed);
        }
    }
    out
}

fn la_row(c: &mut Cells) -> Option<LocalAuthority> {
    let la_code = c.text(0, "la_code");
    if !la_code.is_empty() && !is_gss_code(&la_code) {
        c.report(
            Rule::UnknownCode,
            "la_code",
            format!("'{la_code}' is not a GSS code (a letter and 8 digits, e.g. E08000035)"),
        );
    }
    Some(LocalAuthority {
        la_name: c.text(1, "la_name"),
        region: c.code(2, "nhs_region", Region::parse, &region_labels())?,
        population_18plus: c.number(3, "population_18plus", 2e7) as u64,
        adults_in_treatment: c.count(4, "adults_in_treatment").into(),
        young_people_in_treatment: c.count(5, "young_people_in_treatment").into(),
        la_code,
        line: c.line,
    })
}

pub fn is_gss_code(code: &str) -> bool {
    code.len() == 9
        && code.as_bytes()[0].is_ascii_uppercase()
        && code.as_bytes()[1..].iter().all(u8::is_ascii_digit)
}

fn region_labels() -> String {
    Region::ALL
        .iter()
        .map(|r| r.label())
        .collect::<Vec<_>>()
        .join(", ")
}

fn org_row(c: &mut Cells) -> Option<Organisation> {
    let org_id = c.text(0, "org_id");
    let org_name = c.text(1, "org_name");
    let org_type = c.code(2, "org_type", OrgType::parse, &OrgType::codes());
    let sector = c.code(3, "sector", Sector::parse, &Sector::codes());
    let region = c.code(4, "nhs_region", Region::parse, &region_labels());
    let la_code = c.optional_text(5);
    if org_type == Some(OrgType::Commissioner) && la_code.is_none() {
        c.report(
            Rule::Required,
            "la_code",
            "la_code is empty; a commissioner must name its local authority".into(),
        );
    }
    let mut services = Vec::new();
    let listed = c.raw(6).to_string();
    for item in listed.split(';').map(str::trim) {
        if item.is_empty() {
            continue;
        }
        match Service::parse(item) {
            Some(service) if !services.contains(&service) => services.push(service),
            Some(_) => {}
            None => c.report(
                Rule::UnknownCode,
                "services",
                format!(
                    "'{item}' is not a known service; use one or more of {}, separated by ';'",
                    Service::codes()
                ),
            ),
        }
    }
    services.sort();
    let volunteers_headcount = c.count(7, "volunteers_headcount");
    Some(Organisation {
        org_id,
        org_name,
        org_type: org_type?,
        sector: sector?,
        region: region?,
        la_code,
        services,
        volunteers_headcount,
        line: c.line,
    })
}

fn area_row(c: &mut Cells) -> Option<ServiceArea> {
    Some(ServiceArea {
        org_id: c.text(0, "org_id"),
        la_code: c.text(1, "la_code"),
        wte_share: c.number(2, "wte_share", 1.0),
        line: c.line,
    })
}

fn workforce_row(c: &mut Cells) -> Option<WorkforceRow> {
    let org_id = c.text(0, "org_id");
    let role = c.code(1, "role", Role::parse, &Role::codes());
    Some(WorkforceRow {
        org_id,
        headcount: c.count(2, "headcount"),
        wte_in_post: c.number(3, "wte_in_post", MAX_WTE),
        wte_vacant: c.number(4, "wte_vacant", MAX_WTE),
        wte_agency: c.number(5, "wte_agency", MAX_WTE),
        leavers_12m: c.count(6, "leavers_12m"),
        starters_12m: c.count(7, "starters_12m"),
        caseload: c.optional_count(8, "caseload"),
        role: role?,
        line: c.line,
    })
}

fn demographic_row(c: &mut Cells) -> Option<DemographicRow> {
    let org_id = c.text(0, "org_id");
    let dimension = c.code(1, "dimension", Dimension::parse, &Dimension::codes())?;
    let text = c.raw(2).to_string();
    let category = dimension.category(&text);
    if category.is_none() {
        c.report(
            Rule::UnknownCode,
            "category",
            format!(
                "'{text}' is not a {} category; use one of: {}",
                dimension.code(),
                dimension.category_codes()
            ),
        );
    }
    Some(DemographicRow {
        org_id,
        dimension,
        headcount: c.count(3, "headcount"),
        category: category?,
        line: c.line,
    })
}

fn plan_row(c: &mut Cells) -> Option<ExpansionPlanRow> {
    let la_code = c.text(0, "la_code");
    let category = c.code(1, "category", RoleGroup::parse, &RoleGroup::codes());
    let year = c.code(
        2,
        "year",
        PlanYear::parse,
        "2021-22, 2022-23, 2023-24, 2024-25",
    );
    let planned_fte = c.number(3, "planned_fte", MAX_WTE);
    if (planned_fte * 4.0).fract() != 0.0 {
        c.report(
            Rule::Number,
            "planned_fte",
            format!("planned_fte is {planned_fte}; plans are made in quarters of an FTE (0.25)"),
        );
    }
    Some(ExpansionPlanRow {
        la_code,
        category: category?,
        year: year?,
        planned_fte,
        line: c.line,
    })
}

fn continuity_row(c: &mut Cells) -> Option<ContinuityActual> {
    let la_code = c.text(0, "la_code");
    let year = c.code(
        1,
        "year",
        PlanYear::parse,
        "2021-22, 2022-23, 2023-24, 2024-25",
    );
    let percent = c.number(2, "percent", 100.0);
    Some(ContinuityActual {
        la_code,
        year: year?,
        percent,
        line: c.line,
    })
}

/// Keeps the first row for each key; each later one is an error naming the earlier line.
fn expected_row(c: &mut Cells) -> Option<ExpectedParticipant> {
    let org_id = c.text(0, "org_id");
    let org_name = c.text(1, "org_name");
    let org_type = c.code(2, "org_type", OrgType::parse, &OrgType::codes());
    let sector = c.code(3, "sector", Sector::parse, &Sector::codes());
    let region = c.code(4, "nhs_region", Region::parse, &region_labels());
    let mut la_codes: Vec<String> = c
        .raw(5)
        .split(';')
        .map(str::trim)
        .filter(|code| !code.is_empty())
        .map(str::to_string)
        .collect();
    la_codes.dedup();
    let contact = c.optional_text(6).unwrap_or_default();
    Some(ExpectedParticipant {
        org_id,
        org_name,
        org_type: org_type?,
        sector: sector?,
        region: region?,
        la_codes,
        contact,
        line: c.line,
    })
}

/// One row of the ICB lookup. A share outside 0–1 or an ICB code that is not a GSS code
/// beginning E54 leaves the row out.
fn icb_row(c: &mut Cells) -> Option<IcbShare> {
    let la_code = c.text(0, "la_code");
    let icb_code = c.text(1, "icb_code");
    let icb_name = c.text(2, "icb_name");
    let raw = c.raw(3).to_string();
    let share = match raw.parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=1.0).contains(&v) => Some(v),
        Ok(_) => {
            c.report(
                Rule::Number,
                "share",
                format!("share is {raw}; a share of an LA's adults must be between 0 and 1"),
            );
            None
        }
        Err(_) => {
            c.report(
                Rule::Number,
                "share",
                format!("share '{raw}' is not a number between 0 and 1"),
            );
            None
        }
    };
    let mut usable = share.is_some() && !icb_code.is_empty();
    let icb_gss = is_gss_code(&icb_code) && icb_code.starts_with("E54");
    if !icb_code.is_empty() && !icb_gss {
        c.report(
            Rule::UnknownCode,
            "icb_code",
            format!("icb_code '{icb_code}' is not an ICB's GSS code (E54 and six digits)"),
        );
        usable = false;
    }
    // A row that cannot be used is kept, marked by a share that is not a number: it still
    // says its LA is in the lookup, so the LA is not also reported missing (one finding per
    // fault). check_icb_lookup leaves it out of every figure.
    c.ok = true;
    (!la_code.is_empty()).then(|| IcbShare {
        la_code,
        icb_code,
        icb_name,
        share: if usable {
            share.unwrap_or(f64::NAN)
        } else {
            f64::NAN
        },
        line: c.line,
    })
}

/// The ICB lookup's problems are warnings on the lookup, one each, and never block a return:
/// a row naming an unknown LA or repeating an LA and ICB is left out; an LA whose shares do
/// not add up to 1 (± 0.001) has them scaled to add up to 1; an LA the lookup leaves out is
/// in no ICB.
fn check_icb_lookup(census: &mut Census, findings: &mut Vec<Finding>) {
    for f in findings.iter_mut().filter(|f| f.file == ICB_LOOKUP) {
        f.severity = Severity::Warning;
        f.org_id = None;
    }
    let las: std::collections::BTreeMap<String, usize> = census
        .local_authorities
        .iter()
        .map(|la| (la.la_code.clone(), la.line))
        .collect();
    let Some(lookup) = census.icb_lookup.as_mut() else {
        return;
    };
    let mentioned: BTreeSet<String> = lookup.iter().map(|r| r.la_code.clone()).collect();
    lookup.retain(|row| !row.share.is_nan());
    let mut seen: std::collections::BTreeMap<(String, String), usize> = Default::default();
    lookup.retain(|row| {
        if !las.contains_key(&row.la_code) {
            findings.push(
                Finding::warning(
                    Rule::Reference,
                    ICB_LOOKUP,
                    format!(
                        "la_code '{}' is not in {LOCAL_AUTHORITIES}; the row is left out",
                        row.la_code
                    ),
                )
                .at(row.line)
                .field("la_code"),
            );
            return false;
        }
        let key = (row.la_code.clone(), row.icb_code.clone());
        if let Some(first) = seen.get(&key) {
            findings.push(
                Finding::warning(
                    Rule::DuplicateKey,
                    ICB_LOOKUP,
                    format!(
                        "{} in {} is repeated; line {first} already gives its share. This row is left out",
                        row.la_code, row.icb_code
                    ),
                )
                .at(row.line)
                .field("icb_code"),
            );
            return false;
        }
        seen.insert(key, row.line);
        true
    });
    let mut by_la: std::collections::BTreeMap<String, (f64, usize)> = Default::default();
    for row in lookup.iter() {
        let e = by_la.entry(row.la_code.clone()).or_insert((0.0, row.line));
        e.0 += row.share;
    }
    for (la, (sum, line)) in &by_la {
        if (sum - 1.0).abs() > 0.001 {
            findings.push(
                Finding::warning(
                    Rule::SharesSum,
                    ICB_LOOKUP,
                    format!(
                        "{la}'s shares add up to {sum:.4}, not 1 (± 0.001); they are scaled to add up to 1"
                    ),
                )
                .at(*line)
                .field("share"),
            );
        }
    }
    for row in lookup.iter_mut() {
        let sum = by_la[&row.la_code].0;
        if sum > 0.0 {
            row.share /= sum;
        }
    }
    lookup.retain(|row| row.share > 0.0 || by_la[&row.la_code].0 == 0.0);
    for (la, line) in &las {
        if !mentioned.contains(la) {
            findings.push(
                Finding::warning(
                    Rule::Reference,
                    ICB_LOOKUP,
                    format!(
                        "{la} ({LOCAL_AUTHORITIES} line {line}) has no row, so it is in no ICB footprint"
                    ),
                )
                .field("la_code"),
            );
        }
    }
}

/// The invited list is the census team's own: its problems are warnings on the list (never
/// queries that block a return). An unknown LA code is dropped from its row; a repeated id
/// keeps its first row.
fn check_expected(census: &mut Census, findings: &mut Vec<Finding>) {
    for f in findings
        .iter_mut()
        .filter(|f| f.file == EXPECTED_PARTICIPANTS)
    {
        f.severity = Severity::Warning;
        f.org_id = None;
    }
    let las: std::collections::BTreeSet<String> = census
        .local_authorities
        .iter()
        .map(|la| la.la_code.clone())
        .collect();
    let Some(expected) = census.expected.as_mut() else {
        return;
    };
    let mut seen: std::collections::BTreeMap<String, usize> = Default::default();
    expected.retain_mut(|row| {
        if let Some(first) = seen.get(&row.org_id) {
            findings.push(
                Finding::warning(
                    Rule::DuplicateKey,
                    EXPECTED_PARTICIPANTS,
                    format!(
                        "org_id {} is invited again; line {first} already lists it. Keep one row",
                        row.org_id
                    ),
                )
                .at(row.line)
                .field("org_id"),
            );
            return false;
        }
        seen.insert(row.org_id.clone(), row.line);
        row.la_codes.retain(|code| {
            let known = las.contains(code);
            if !known {
                findings.push(
                    Finding::warning(
                        Rule::Reference,
                        EXPECTED_PARTICIPANTS,
                        format!(
                            "la_codes names '{code}', which is not in {LOCAL_AUTHORITIES}; it is left out"
                        ),
                    )
                    .at(row.line)
                    .field("la_codes"),
                );
            }
            known
        });
        true
    });
}

fn drop_duplicates(census: &mut Census, findings: &mut Vec<Finding>) {
    fn dedupe<T, K: Ord + Clone>(
        rows: &mut Vec<T>,
        file: &str,
        field: &str,
        key: impl Fn(&T) -> K,
        describe: impl Fn(&T) -> (String, String, usize),
        findings: &mut Vec<Finding>,
    ) {
        let mut seen: std::collections::BTreeMap<K, usize> = Default::default();
        rows.retain(|row| {
            let (org_id, what, line) = describe(row);
            match seen.get(&key(row)) {
                Some(first) => {
                    findings.push(
                        Finding::error(
                            Rule::DuplicateKey,
                            file,
                            format!(
                                "{what} appears again; line {first} already gives it. Keep one row"
                            ),
                        )
                        .at(line)
                        .field(field)
                        .org(&org_id),
                    );
                    false
                }
                None => {
                    seen.insert(key(row), line);
                    true
                }
            }
        });
    }
    dedupe(
        &mut census.local_authorities,
        LOCAL_AUTHORITIES,
        "la_code",
        |r| r.la_code.clone(),
        |r| {
            (
                String::new(),
                format!("local authority {}", r.la_code),
                r.line,
            )
        },
        findings,
    );
    dedupe(
        &mut census.organisations,
        ORGANISATIONS,
        "org_id",
        |r| r.org_id.clone(),
        |r| {
            (
                r.org_id.clone(),
                format!("organisation {}", r.org_id),
                r.line,
            )
        },
        findings,
    );
    dedupe(
        &mut census.service_areas,
        SERVICE_AREAS,
        "la_code",
        |r| (r.org_id.clone(), r.la_code.clone()),
        |r| {
            (
                r.org_id.clone(),
                format!("service area {}", r.la_code),
                r.line,
            )
        },
        findings,
    );
    dedupe(
        &mut census.workforce,
        WORKFORCE,
        "role",
        |r| (r.org_id.clone(), r.role),
        |r| (r.org_id.clone(), format!("role {}", r.role), r.line),
        findings,
    );
    dedupe(
        &mut census.demographics,
        DEMOGRAPHICS,
        "category",
        |r| (r.org_id.clone(), r.dimension, r.category),
        |r| {
            let what = format!("{} category {}", r.dimension, r.category);
            (r.org_id.clone(), what, r.line)
        },
        findings,
    );
    dedupe(
        &mut census.expansion_plans,
        EXPANSION_PLANS,
        "year",
        |r| (r.la_code.clone(), r.category, r.year),
        |r| {
            (
                String::new(),
                format!("{} plan for {}", r.category, r.year),
                r.line,
            )
        },
        findings,
    );
}

/// Org ids that have at least one error-level finding: their reports cannot be built.
pub fn blocked_orgs(findings: &[Finding]) -> BTreeSet<String> {
    findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        // A bad cell of an LA's planning workbook is left out of the plan; the commissioners'
        // own workforce return is not in doubt, so it is queried, not blocked.
        .filter(|f| !crate::input::plans::is_plan_finding(f))
        .filter_map(|f| f.org_id.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_explained() {
        assert_eq!(parse_number("12.5", 100.0), Ok(12.5));
        assert_eq!(parse_number("-0", 100.0), Ok(0.0));
        assert!(parse_number("-0", 100.0).unwrap().is_sign_positive());
        assert_eq!(parse_number("-1", 100.0).unwrap_err().0, Rule::Negative);
        assert_eq!(parse_number("N/A", 100.0).unwrap_err().0, Rule::Number);
        let (rule, message) = parse_number("1,234", 1e6).unwrap_err();
        assert_eq!(rule, Rule::Number);
        assert!(message.contains("thousands separators"));
        assert_eq!(parse_number("NaN", 100.0).unwrap_err().0, Rule::Number);
        assert_eq!(parse_number("inf", 100.0).unwrap_err().0, Rule::Number);
        assert_eq!(parse_number("1e308", 100.0).unwrap_err().0, Rule::Number);
        assert_eq!(parse_number("", 100.0).unwrap_err().0, Rule::Required);
    }

    #[test]
    fn gss_codes() {
        assert!(is_gss_code("E08000035"));
        assert!(!is_gss_code("E0800003"));
        assert!(!is_gss_code("e08000035"));
    }
}
