//! A finding is one problem with the input: where it is (file, line, field), whose it is,
//! how serious, which rule found it, and what the participant should do about it.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// Every validation rule, with the id that appears in `queries.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Rule {
    MissingFile,
    MissingColumn,
    UnknownColumn,
    EmptyFile,
    Encoding,
    Malformed,
    /// An input file broke one of the limits every file from outside is read under.
    Limit,
    Required,
    Number,
    WholeNumber,
    Date,
    Negative,
    UnknownCode,
    DuplicateKey,
    Reference,
    WteAboveHeadcount,
    SharesSum,
    /// An expansion plan's three subset rows add up to more than its drug and alcohol workers.
    PlanSubsets,
    DemographicTotal,
    VacancyRate,
    CaseloadOutlier,
    WteChange,
    NoWorkforce,
    NoServiceArea,
    /// A return and the invited list disagree (SPEC §13).
    Participation,
}

impl Rule {
    pub fn id(self) -> &'static str {
        match self {
            Rule::MissingFile => "schema.missing_file",
            Rule::MissingColumn => "schema.missing_column",
            Rule::UnknownColumn => "schema.unknown_column",
            Rule::EmptyFile => "schema.empty_file",
            Rule::Encoding => "schema.encoding",
            Rule::Malformed => "schema.malformed_row",
            Rule::Limit => "schema.limit",
            Rule::Required => "type.required",
            Rule::Number => "type.number",
            Rule::WholeNumber => "type.whole_number",
            Rule::Date => "type.date",
            Rule::Negative => "negative_number",
            Rule::UnknownCode => "unknown_code",
            Rule::DuplicateKey => "duplicate_key",
            Rule::Reference => "reference",
            Rule::WteAboveHeadcount => "wte_above_headcount",
            Rule::SharesSum => "service_area_shares",
            Rule::PlanSubsets => "plan_subsets",
            Rule::DemographicTotal => "demographic_total",
            Rule::Participation => "participation",
            Rule::VacancyRate => "vacancy_rate_high",
            Rule::CaseloadOutlier => "caseload_outlier",
            Rule::WteChange => "wte_change",
            Rule::NoWorkforce => "no_workforce",
            Rule::NoServiceArea => "no_service_area",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// The organisation the finding belongs to, where one can be named.
    pub org_id: Option<String>,
    /// File name within the census folder, e.g. `workforce.csv`.
    pub file: String,
    /// 1-based line number; the header is line 1. None for whole-file findings.
    pub line: Option<usize>,
    pub field: Option<String>,
    pub rule: Rule,
    pub message: String,
}

impl Finding {
    pub fn error(rule: Rule, file: &str, message: impl Into<String>) -> Finding {
        Finding {
            severity: Severity::Error,
            org_id: None,
            file: file.to_string(),
            line: None,
            field: None,
            rule,
            message: message.into(),
        }
    }

    pub fn warning(rule: Rule, file: &str, message: impl Into<String>) -> Finding {
        Finding {
            severity: Severity::Warning,
            ..Finding::error(rule, file, message)
        }
    }

    pub fn at(mut self, line: usize) -> Finding {
        self.line = Some(line);
        self
    }

    pub fn field(mut self, field: &str) -> Finding {
        self.field = Some(field.to_string());
        self
    }

    /// A spreadsheet cell as `sheet!cell`: the file becomes `book.xlsx!sheet!cell`, the way
    /// spreadsheet programs name a cell of another workbook.
    pub fn cell(mut self, sheet_cell: &str) -> Finding {
        self.file = format!("{}!{sheet_cell}", self.file);
        self
    }

    pub fn org(mut self, org_id: &str) -> Finding {
        if !org_id.is_empty() {
            self.org_id = Some(org_id.to_string());
        }
        self
    }

    /// `file:line: field`, the way a person looks the problem up.
    pub fn location(&self) -> String {
        let mut out = self.file.clone();
        if let Some(line) = self.line {
            out.push_str(&format!(":{line}"));
        }
        if let Some(field) = &self.field {
            out.push_str(&format!(" [{field}]"));
        }
        out
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {}: {} ({})",
            self.severity.as_str(),
            self.location(),
            self.message,
            self.rule.id()
        )
    }
}

/// Findings listed for one file at the most; the rest are counted in one more finding.
pub const MAX_LISTED_PER_FILE: usize = 1_000;

/// Keeps the first [`MAX_LISTED_PER_FILE`] findings of each file (a workbook's sheets and
/// cells count as its file) and adds one finding per file that had more, saying how many
/// are not listed, so that a file broken on every row costs a bounded query list. Call it
/// after deciding which organisations are blocked: that uses every finding.
pub fn cap_per_file(findings: &mut Vec<Finding>) {
    let file_of = |f: &Finding| f.file.split('!').next().unwrap_or_default().to_string();
    // Per file: how many findings, the gravest severity left out, and the organisation of
    // those left out when they are all one's (so that its errors still block it).
    type Seen = (usize, Severity, Option<Option<String>>);
    let mut seen: std::collections::BTreeMap<String, Seen> = Default::default();
    findings.retain(|f| {
        let entry = seen
            .entry(file_of(f))
            .or_insert((0, Severity::Warning, None));
        entry.0 += 1;
        if entry.0 > MAX_LISTED_PER_FILE {
            entry.1 = entry.1.min(f.severity);
            entry.2 = match entry.2.take() {
                None => Some(f.org_id.clone()),
                Some(org) if org == f.org_id => Some(org),
                Some(_) => Some(None),
            };
            return false;
        }
        true
    });
    for (file, (count, severity, org)) in seen {
        if count > MAX_LISTED_PER_FILE {
            let mut finding = Finding::error(
                Rule::Limit,
                &file,
                format!(
                    "{} more findings in this file are not listed (the first {} are); a file with this many problems is best checked as a whole",
                    grouped((count - MAX_LISTED_PER_FILE) as u64),
                    grouped(MAX_LISTED_PER_FILE as u64)
                ),
            );
            finding.severity = severity;
            finding.org_id = org.flatten();
            findings.push(finding);
        }
    }
}

/// A count with thousands separated, as a reader writes it: 2,000.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// Orders findings for output: by organisation, file, line, field, rule.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (&a.org_id, &a.file, a.line, &a.field, a.rule, &a.message)
            .cmp(&(&b.org_id, &b.file, b.line, &b.field, b.rule, &b.message))
    });
}
