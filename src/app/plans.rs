//! `plans`: the blank expansion planning workbook to send to LAs, and a check of the
//! returned ones.

use super::RunError;
use crate::input::census::Date;
use crate::input::finding::{Finding, Severity};
use std::path::Path;
use std::time::Duration;

/// Writes the blank planning workbook dated `date` to `out`.
pub fn template(out: &Path, date: Date) -> Result<(), RunError> {
    let bytes = crate::input::plans::template_workbook(None, None, date)?;
    crate::export::write_atomic(out, &bytes)?;
    Ok(())
}

/// What the returned workbooks in a census folder hold.
pub struct PlansCheck {
    /// Every finding on a workbook, in reading order.
    pub findings: Vec<Finding>,
    pub errors: usize,
    pub workbooks: usize,
    pub time: Duration,
    pub planned_posts: usize,
    pub planned_continuity: usize,
}

/// Reads the census folder `data` and its planning workbooks.
pub fn check(data: &Path) -> Result<PlansCheck, RunError> {
    let loaded = crate::input::load::load(data)?;
    let findings: Vec<Finding> = loaded
        .findings
        .iter()
        .filter(|f| crate::input::plans::is_plan_finding(f))
        .cloned()
        .collect();
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let (workbooks, time) = loaded.workbooks;
    Ok(PlansCheck {
        findings,
        errors,
        workbooks,
        time,
        planned_posts: loaded.census.planned_posts.len(),
        planned_continuity: loaded.census.planned_continuity.len(),
    })
}

impl PlansCheck {
    pub fn text(&self) -> String {
        let mut text: String = self.findings.iter().map(|f| format!("{f}\n")).collect();
        text.push_str(&format!(
            "{} workbook(s) read in {:.2} s: {} planned post figures, {} continuity of care figures; {} error(s), {} warning(s)\n",
            self.workbooks,
            self.time.as_secs_f64(),
            self.planned_posts,
            self.planned_continuity,
            self.errors,
            self.findings.len() - self.errors
        ));
        text
    }
}
