//! Stage 2: the rules of SPEC §3 that look across files and across organisations, and the
//! outputs the benchmarking team sends back to participants.

use crate::domain::{OrgType, RoleGroup};
use crate::export::{csv_bytes, file_stem, spreadsheet_safe, write_atomic, WriteError};
use crate::input::census::{Census, WorkforceRow};
use crate::input::finding::{sort_findings, Finding, Rule, Severity};
use crate::input::load::{self, Loaded};
use crate::metrics::{MeasureId, Totals};
use crate::stats::{quantile_sorted, ratio, sorted_finite};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// WTE above this multiple of headcount is a query; above the error multiple it blocks.
pub const WTE_HEADCOUNT_WARNING: f64 = 1.0;
pub const WTE_HEADCOUNT_ERROR: f64 = 1.5;
pub const SHARE_TOLERANCE: f64 = 0.01;
pub const VACANCY_RATE_LIMIT: f64 = 0.5;
pub const CASELOAD_IQR_MULTIPLE: f64 = 3.0;
/// Fewer peers than this and quartiles say nothing useful about an outlier.
pub const CASELOAD_MIN_PEERS: usize = 8;
pub const WTE_CHANGE_LIMIT: f64 = 0.5;

/// The outcome of validating one census year.
#[derive(Debug)]
pub struct Validation {
    /// Every finding, load and rule alike, sorted by organisation, file and line.
    pub findings: Vec<Finding>,
    /// Organisations with at least one error: their reports are not built.
    pub blocked: BTreeSet<String>,
}

/// Runs every rule over a loaded census; `previous` is last year's census when present.
pub fn validate(loaded: &Loaded, previous: Option<&Census>) -> Validation {
    let census = &loaded.census;
    let mut findings = loaded.findings.clone();
    check_references(census, &mut findings);
    check_wte_against_headcount(census, &mut findings);
    check_service_area_shares(census, &mut findings);
    check_demographic_totals(census, &mut findings);
    check_vacancy_rates(census, &mut findings);
    check_caseload_outliers(census, &mut findings);
    check_invited(census, &mut findings);
    if let Some(previous) = previous {
        check_wte_change(census, previous, &mut findings);
    }
    sort_findings(&mut findings);
    let blocked = load::blocked_orgs(&findings)
        .into_iter()
        .filter(|id| census.organisation(id).is_some())
        .collect();
    crate::input::finding::cap_per_file(&mut findings);
    Validation { findings, blocked }
}

fn check_references(census: &Census, findings: &mut Vec<Finding>) {
    let las = census.local_authorities_by_code();
    let orgs = census.organisations_by_id();
    for org in &census.organisations {
        let Some(code) = &org.la_code else { continue };
        if !las.contains_key(code.as_str()) {
            let finding = Finding::error(
                Rule::Reference,
                load::ORGANISATIONS,
                format!("la_code '{code}' is not in local_authorities.csv"),
            );
            let finding = if org.org_type == OrgType::Commissioner {
                finding
            } else {
                // A head office outside the census LAs does not stop a provider's report.
                Finding {
                    severity: Severity::Warning,
                    ..finding
                }
            };
            findings.push(finding.at(org.line).field("la_code").org(&org.org_id));
        }
    }
    let unknown_org = |file: &str, org_id: &str, line: usize| {
        Finding::error(
            Rule::Reference,
            file,
            format!("org_id '{org_id}' is not in organisations.csv"),
        )
        .at(line)
        .field("org_id")
        .org(org_id)
    };
    for area in &census.service_areas {
        if !orgs.contains_key(area.org_id.as_str()) {
            findings.push(unknown_org(load::SERVICE_AREAS, &area.org_id, area.line));
        }
        if !las.contains_key(area.la_code.as_str()) {
            findings.push(
                Finding::error(
                    Rule::Reference,
                    load::SERVICE_AREAS,
                    format!("la_code '{}' is not in local_authorities.csv", area.la_code),
                )
                .at(area.line)
                .field("la_code")
                .org(&area.org_id),
            );
        }
    }
    for row in &census.workforce {
        match orgs.get(row.org_id.as_str()) {
            None => findings.push(unknown_org(load::WORKFORCE, &row.org_id, row.line)),
            Some(org) => {
                let commissioning_role = row.role.group() == RoleGroup::Commissioning;
                let commissioner = org.org_type == OrgType::Commissioner;
                if commissioning_role != commissioner {
                    let message = if commissioner {
                        format!("role '{}' is a delivery role, but this is a commissioner's submission; report delivery staff in the provider's return", row.role)
                    } else {
                        format!("role '{}' is a commissioning role, but this organisation is a {}; check the role", row.role, org.org_type)
                    };
                    findings.push(
                        Finding::warning(Rule::Reference, load::WORKFORCE, message)
                            .at(row.line)
                            .field("role")
                            .org(&row.org_id),
                    );
                }
            }
        }
    }
    for row in &census.demographics {
        if !orgs.contains_key(row.org_id.as_str()) {
            findings.push(unknown_org(load::DEMOGRAPHICS, &row.org_id, row.line));
        }
    }
    // The LA-level files: every la_code must be a local authority of the census.
    let la_rows = census
        .expansion_plans
        .iter()
        .map(|r| (load::EXPANSION_PLANS, &r.la_code, r.line))
        .chain(
            census
                .continuity_actual
                .iter()
                .map(|r| (load::CONTINUITY_OF_CARE, &r.la_code, r.line)),
        );
    for (file, la_code, line) in la_rows {
        if !las.contains_key(la_code.as_str()) {
            findings.push(
                Finding::error(
                    Rule::Reference,
                    file,
                    format!("la_code '{la_code}' is not in local_authorities.csv"),
                )
                .at(line)
                .field("la_code"),
            );
        }
    }
    let with_workforce: BTreeSet<&str> =
        census.workforce.iter().map(|r| r.org_id.as_str()).collect();
    for org in &census.organisations {
        if !with_workforce.contains(org.org_id.as_str()) {
            findings.push(
                Finding::error(
                    Rule::NoWorkforce,
                    load::WORKFORCE,
                    "no workforce rows were returned for this organisation",
                )
                .field("org_id")
                .org(&org.org_id),
            );
        }
    }
}

/// A return from an organisation not on the invited list, or one whose name or type differs
/// from the list's: warnings, so the list can be put right (SPEC §13).
fn check_invited(census: &Census, findings: &mut Vec<Finding>) {
    let Some(expected) = &census.expected else {
        return;
    };
    let invited: BTreeMap<&str, &crate::input::census::ExpectedParticipant> =
        expected.iter().map(|e| (e.org_id.as_str(), e)).collect();
    for org in &census.organisations {
        let finding = |message: String, field: &str| {
            Finding::warning(Rule::Participation, load::ORGANISATIONS, message)
                .at(org.line)
                .field(field)
                .org(&org.org_id)
        };
        match invited.get(org.org_id.as_str()) {
            None => findings.push(finding(
                format!(
                    "{} returned but is not on {}; add it to the list if it was invited",
                    org.org_id,
                    load::EXPECTED_PARTICIPANTS
                ),
                "org_id",
            )),
            Some(e) if e.org_type != org.org_type => findings.push(finding(
                format!(
                    "org_type is {} here but {} on {} line {}",
                    org.org_type.code(),
                    e.org_type.code(),
                    load::EXPECTED_PARTICIPANTS,
                    e.line
                ),
                "org_type",
            )),
            Some(e) if e.org_name.trim() != org.org_name.trim() => findings.push(finding(
                format!(
                    "org_name is '{}' here but '{}' on {} line {}",
                    org.org_name,
                    e.org_name,
                    load::EXPECTED_PARTICIPANTS,
                    e.line
                ),
                "org_name",
            )),
            Some(_) => {}
        }
    }
}

fn check_wte_against_headcount(census: &Census, findings: &mut Vec<Finding>) {
    for row in &census.workforce {
        let multiple = row.wte_in_post / f64::from(row.headcount);
        if row.wte_in_post == 0.0 || multiple <= WTE_HEADCOUNT_WARNING {
            continue;
        }
        let (severity, consequence) = if multiple > WTE_HEADCOUNT_ERROR {
            (
                Severity::Error,
                "this cannot be right and blocks the report",
            )
        } else {
            (Severity::Warning, "please confirm")
        };
        let message = format!(
            "WTE in post for {} is {} but headcount is {}: one person works at most 1.0 WTE; {consequence}",
            row.role, row.wte_in_post, row.headcount
        );
        let finding = Finding::error(Rule::WteAboveHeadcount, load::WORKFORCE, message);
        findings.push(
            Finding {
                severity,
                ..finding
            }
            .at(row.line)
            .field("wte_in_post")
            .org(&row.org_id),
        );
    }
}

fn check_service_area_shares(census: &Census, findings: &mut Vec<Finding>) {
    let mut sums: BTreeMap<&str, (f64, usize)> = BTreeMap::new();
    for area in &census.service_areas {
        let entry = sums.entry(area.org_id.as_str()).or_insert((0.0, area.line));
        entry.0 += area.wte_share;
    }
    for org in &census.organisations {
        let delivers = org.org_type != OrgType::Commissioner;
        match (sums.get(org.org_id.as_str()), delivers) {
            (None, true) => findings.push(
                Finding::error(
                    Rule::NoServiceArea,
                    load::SERVICE_AREAS,
                    "no service areas were given; say which local authorities the workforce serves and each one's share",
                )
                .field("org_id")
                .org(&org.org_id),
            ),
            (Some((sum, line)), true) if (sum - 1.0).abs() > SHARE_TOLERANCE => findings.push(
                Finding::error(
                    Rule::SharesSum,
                    load::SERVICE_AREAS,
                    format!("the wte_share values add up to {sum:.3}; they must add up to 1"),
                )
                .at(*line)
                .field("wte_share")
                .org(&org.org_id),
            ),
            (Some((_, line)), false) => findings.push(
                Finding::warning(
                    Rule::SharesSum,
                    load::SERVICE_AREAS,
                    "a commissioner's team is counted in its own local authority; its service areas were ignored",
                )
                .at(*line)
                .field("org_id")
                .org(&org.org_id),
            ),
            _ => {}
        }
    }
}

fn org_headcounts(census: &Census) -> BTreeMap<&str, (u64, usize)> {
    let mut out: BTreeMap<&str, (u64, usize)> = BTreeMap::new();
    for row in &census.workforce {
        let entry = out.entry(row.org_id.as_str()).or_insert((0, row.line));
        entry.0 += u64::from(row.headcount);
    }
    out
}

fn check_demographic_totals(census: &Census, findings: &mut Vec<Finding>) {
    let headcounts = org_headcounts(census);
    let mut totals: BTreeMap<(&str, crate::domain::Dimension), (u64, usize)> = BTreeMap::new();
    for row in &census.demographics {
        let entry = totals
            .entry((row.org_id.as_str(), row.dimension))
            .or_insert((0, row.line));
        entry.0 += u64::from(row.headcount);
    }
    for org in &census.organisations {
        let Some((headcount, _)) = headcounts.get(org.org_id.as_str()) else {
            continue;
        };
        for dimension in crate::domain::Dimension::ALL {
            let (total, line) = totals
                .get(&(org.org_id.as_str(), *dimension))
                .copied()
                .unwrap_or((0, 0));
            if total == *headcount {
                continue;
            }
            let message = if line == 0 {
                format!(
                    "no {} breakdown was given; give one row per category totalling the headcount of {headcount} (use not_known where unknown)",
                    dimension.code()
                )
            } else {
                format!(
                    "the {} categories add up to {total} people but the workforce headcount is {headcount}; record anyone unknown as not_known",
                    dimension.code()
                )
            };
            let finding = Finding::warning(Rule::DemographicTotal, load::DEMOGRAPHICS, message)
                .field("headcount")
                .org(&org.org_id);
            findings.push(if line == 0 { finding } else { finding.at(line) });
        }
    }
}

fn check_vacancy_rates(census: &Census, findings: &mut Vec<Finding>) {
    let mut totals: BTreeMap<&str, (Totals, usize)> = BTreeMap::new();
    for row in &census.workforce {
        let entry = totals
            .entry(row.org_id.as_str())
            .or_insert((Totals::default(), row.line));
        entry.0.add(&Totals::of_row(row));
    }
    for (org_id, (t, line)) in totals {
        // The organisation's vacancy rate by the measure's own formula, as its report prints it.
        let Some(rate) = MeasureId::VacancyRate.measure().of_totals(&t) else {
            continue;
        };
        let (in_post, vacant) = (t.wte, t.wte_vacant);
        if rate > VACANCY_RATE_LIMIT {
            findings.push(
                Finding::warning(
                    Rule::VacancyRate,
                    load::WORKFORCE,
                    format!(
                        "{vacant:.1} WTE vacant against {in_post:.1} in post is a vacancy rate of {:.0}%; please confirm the vacancies are funded posts",
                        rate * 100.0
                    ),
                )
                .at(line)
                .field("wte_vacant")
                .org(org_id),
            );
        }
    }
}

fn check_caseload_outliers(census: &Census, findings: &mut Vec<Finding>) {
    let caseload_per_wte = |row: &WorkforceRow| {
        MeasureId::CaseloadPerWte
            .measure()
            .of_totals(&Totals::of_row(row))
    };
    let mut by_role: BTreeMap<crate::domain::Role, Vec<f64>> = BTreeMap::new();
    for row in &census.workforce {
        if let Some(value) = caseload_per_wte(row) {
            by_role.entry(row.role).or_default().push(value);
        }
    }
    let fences: BTreeMap<_, _> = by_role
        .into_iter()
        .filter(|(_, values)| values.len() >= CASELOAD_MIN_PEERS)
        .filter_map(|(role, values)| {
            let sorted = sorted_finite(values);
            let q1 = quantile_sorted(&sorted, 0.25)?;
            let q3 = quantile_sorted(&sorted, 0.75)?;
            let iqr = q3 - q1;
            Some((
                role,
                (
                    q1 - CASELOAD_IQR_MULTIPLE * iqr,
                    q3 + CASELOAD_IQR_MULTIPLE * iqr,
                    q1,
                    q3,
                ),
            ))
        })
        .collect();
    for row in &census.workforce {
        if row.caseload.unwrap_or(0) > 0 && row.wte_in_post == 0.0 {
            findings.push(
                Finding::warning(
                    Rule::CaseloadOutlier,
                    load::WORKFORCE,
                    format!(
                        "a caseload is given for {} but no WTE is in post to hold it",
                        row.role
                    ),
                )
                .at(row.line)
                .field("caseload")
                .org(&row.org_id),
            );
            continue;
        }
        let (Some(value), Some((low, high, q1, q3))) =
            (caseload_per_wte(row), fences.get(&row.role))
        else {
            continue;
        };
        if value < *low || value > *high {
            findings.push(
                Finding::warning(
                    Rule::CaseloadOutlier,
                    load::WORKFORCE,
                    format!(
                        "{value:.1} open cases per WTE for {} is far outside what peers report (middle half {q1:.1} to {q3:.1}); please check the caseload and WTE",
                        row.role
                    ),
                )
                .at(row.line)
                .field("caseload")
                .org(&row.org_id),
            );
        }
    }
}

fn check_wte_change(census: &Census, previous: &Census, findings: &mut Vec<Finding>) {
    let before = previous.wte_by_org();
    let now = census.wte_by_org();
    let first_line: BTreeMap<&str, usize> = census
        .workforce
        .iter()
        .rev()
        .map(|r| (r.org_id.as_str(), r.line))
        .collect();
    for (org_id, wte) in now {
        let Some(previous_wte) = before.get(org_id) else {
            continue;
        };
        let Some(change) = ratio(wte - previous_wte, *previous_wte) else {
            continue;
        };
        if change.abs() > WTE_CHANGE_LIMIT {
            let finding = Finding::warning(
                Rule::WteChange,
                load::WORKFORCE,
                format!(
                    "total WTE in post is {wte:.1}, {} {:.0}% from {previous_wte:.1} last year; please confirm the change is real",
                    if change > 0.0 { "up" } else { "down" },
                    change.abs() * 100.0
                ),
            )
            .field("wte_in_post")
            .org(org_id);
            findings.push(match first_line.get(org_id) {
                Some(line) => finding.at(*line),
                None => finding,
            });
        }
    }
}

/// Counts of findings, for the terminal summary and closing notes.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    /// rule id → (errors, warnings)
    pub by_rule: BTreeMap<&'static str, (usize, usize)>,
    /// org id → (errors, warnings)
    pub by_org: BTreeMap<String, (usize, usize)>,
}

impl Summary {
    pub fn of(findings: &[Finding]) -> Summary {
        let mut summary = Summary::default();
        for finding in findings {
            let bump = |counts: &mut (usize, usize)| match finding.severity {
                Severity::Error => counts.0 += 1,
                Severity::Warning => counts.1 += 1,
            };
            match finding.severity {
                Severity::Error => summary.errors += 1,
                Severity::Warning => summary.warnings += 1,
            }
            bump(summary.by_rule.entry(finding.rule.id()).or_default());
            let org = finding
                .org_id
                .clone()
                .unwrap_or_else(|| "(whole file)".into());
            bump(summary.by_org.entry(org).or_default());
        }
        summary
    }

    /// The plain-text summary printed by `validate`.
    pub fn render(&self, census: &Census, blocked: &BTreeSet<String>) -> String {
        let mut out = format!(
            "{}: {} organisations, {} local authorities\n{} error(s), {} warning(s); {} organisation(s) blocked\n",
            census.meta.title,
            census.organisations.len(),
            census.local_authorities.len(),
            self.errors,
            self.warnings,
            blocked.len()
        );
        if self.by_rule.is_empty() {
            out.push_str("No findings: the data passed every rule.\n");
            return out;
        }
        out.push_str("\nBy rule                      errors  warnings\n");
        for (rule, (e, w)) in &self.by_rule {
            out.push_str(&format!("  {rule:<27}{e:>6}{w:>10}\n"));
        }
        out.push_str("\nBy organisation (most findings first)\n");
        let mut orgs: Vec<_> = self.by_org.iter().collect();
        orgs.sort_by(|a, b| {
            (b.1 .0 + b.1 .1, b.1 .0)
                .cmp(&(a.1 .0 + a.1 .1, a.1 .0))
                .then(a.0.cmp(b.0))
        });
        for (org, (e, w)) in orgs.iter().take(15) {
            let name = census
                .organisation(org)
                .map(|o| o.org_name.as_str())
                .unwrap_or("");
            let mark = if blocked.contains(*org) {
                "  BLOCKED"
            } else {
                ""
            };
            out.push_str(&format!(
                "  {org:<12} {e:>3} error(s) {w:>3} warning(s)  {name}{mark}\n"
            ));
        }
        if orgs.len() > 15 {
            out.push_str(&format!("  … and {} more\n", orgs.len() - 15));
        }
        out
    }
}

pub const QUERIES_HEADER: [&str; 8] = [
    "org_id", "org_name", "severity", "rule", "file", "line", "field", "message",
];

/// Writes `queries.csv` and one Markdown query list per organisation into `dir`; with
/// `bom`, `queries.csv` starts with a UTF-8 byte-order mark for Excel.
pub fn write_queries(
    dir: &Path,
    census: &Census,
    validation: &Validation,
    bom: bool,
) -> Result<(), WriteError> {
    let name_of = |org_id: &Option<String>| {
        org_id
            .as_deref()
            .and_then(|id| census.organisation(id))
            .map(|o| o.org_name.clone())
            .unwrap_or_default()
    };
    let rows: Vec<Vec<String>> = validation
        .findings
        .iter()
        .map(|f| {
            vec![
                spreadsheet_safe(f.org_id.as_deref().unwrap_or("")),
                spreadsheet_safe(&name_of(&f.org_id)),
                f.severity.as_str().to_string(),
                f.rule.id().to_string(),
                f.file.clone(),
                f.line.map(|l| l.to_string()).unwrap_or_default(),
                spreadsheet_safe(f.field.as_deref().unwrap_or("")),
                spreadsheet_safe(&f.message),
            ]
        })
        .collect();
    let mut bytes = csv_bytes(&QUERIES_HEADER, &rows);
    if bom {
        bytes = crate::export::with_bom(bytes);
    }
    write_atomic(&dir.join("queries.csv"), &bytes)?;

    let mut by_org: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for finding in &validation.findings {
        if let Some(org_id) = &finding.org_id {
            by_org.entry(org_id).or_default().push(finding);
        }
    }
    let queries_dir = dir.join("queries");
    if queries_dir.exists() {
        // Lists from an earlier run for orgs that are now clean must not linger.
        std::fs::remove_dir_all(&queries_dir).map_err(|cause| WriteError {
            path: queries_dir.clone(),
            cause,
        })?;
    }
    for (org_id, findings) in by_org {
        let name = name_of(&Some(org_id.to_string()));
        let mut text = format!(
            "# Data queries: {}\n\n{} — organisation `{}`\n\n",
            markdown_text(&name),
            markdown_text(&census.meta.title),
            markdown_text(org_id)
        );
        if validation.blocked.contains(org_id) {
            text.push_str(
                "**Your report cannot be produced until the errors below are corrected.**\n\n",
            );
        }
        text.push_str("| # | Severity | Where | What to check |\n|---|---|---|---|\n");
        for (i, f) in findings.iter().enumerate() {
            text.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                i + 1,
                f.severity.as_str(),
                markdown_text(&f.location()),
                markdown_text(&f.message)
            ));
        }
        write_atomic(
            &queries_dir.join(format!("{}.md", file_stem(org_id))),
            text.as_bytes(),
        )?;
    }
    Ok(())
}

/// Escapes text for a Markdown table cell so data cannot add markup or break the table.
fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}
