//! `mdt`: the MDT workforce calculator for one LA, with a what-if on the numbers in
//! treatment.

use super::RunError;
use crate::input::pipeline;
use crate::metrics::mdt::{self, MdtLine};
use crate::metrics::EntityKind;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct MdtRequest {
    pub la_code: String,
    pub in_treatment: Option<u64>,
    pub young_people: Option<u64>,
    pub data: PathBuf,
    pub assumptions: Option<PathBuf>,
}

/// The calculator's result for one LA.
#[derive(Debug, Clone)]
pub struct MdtResult {
    pub la_code: String,
    pub la_name: String,
    pub year: u16,
    pub adults: f64,
    pub young_people: f64,
    /// True when the numbers in treatment are the analyst's, not the census's.
    pub what_if: bool,
    pub assumptions_label: String,
    pub lines: Vec<MdtLine>,
}

pub fn calculate(request: &MdtRequest) -> Result<MdtResult, RunError> {
    let assumptions = super::assumptions(request.assumptions.as_deref())?;
    let run = pipeline::open(&request.data)?;
    let metrics = run.metrics(&assumptions)?;
    let unit = metrics.current.unit(EntityKind::La, &request.la_code);
    let (Some(unit), Some(area)) = (unit, unit.and_then(|u| u.area.as_ref())) else {
        return Err(RunError::UnknownLa(
            request.la_code.clone(),
            request.data.display().to_string(),
        ));
    };
    let adults = request
        .in_treatment
        .map_or(area.adults_in_treatment, |n| n as f64);
    let young_people = request
        .young_people
        .map_or(area.young_people_in_treatment, |n| n as f64);
    Ok(MdtResult {
        la_code: request.la_code.clone(),
        la_name: unit.name.clone(),
        year: metrics.current.year,
        adults,
        young_people,
        what_if: request.in_treatment.is_some() || request.young_people.is_some(),
        assumptions_label: assumptions.label.clone(),
        lines: mdt::calculate(&assumptions, adults, young_people, |g| unit.group_wte(g)),
    })
}

impl MdtResult {
    /// The result as the terminal shows it.
    pub fn text(&self) -> String {
        let mut out = format!(
            "MDT workforce calculator: {} ({}), census {}\n",
            self.la_name, self.la_code, self.year
        );
        out += &format!(
            "Planning for {:.0} adults and {:.0} children and young people in treatment{}\n",
            self.adults,
            self.young_people,
            if self.what_if { " (what-if)" } else { "" }
        );
        out += &format!("Assumptions: {}\n\n", self.assumptions_label);
        out += &format!(
            "{:<44}{:>12}{:>12}{:>12}\n",
            "Discipline", "Required", "Actual", "Gap"
        );
        for line in &self.lines {
            out += &format!(
                "{:<44}{:>12.1}{:>12.1}{:>+12.1}\n",
                line.group.label(),
                line.required_wte,
                line.actual_wte,
                line.gap_wte
            );
        }
        let required: f64 = self.lines.iter().map(|l| l.required_wte).sum();
        let actual: f64 = self.lines.iter().map(|l| l.actual_wte).sum();
        out += &format!(
            "{:<44}{:>12.1}{:>12.1}{:>+12.1}\n",
            "All MDT disciplines",
            required,
            actual,
            actual - required
        );
        out += "\nActual is the WTE attributed to the LA by providers' service-area shares. A negative gap is a shortfall.\n";
        out
    }
}
