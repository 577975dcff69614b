//! Additive workforce quantities. The rates and shares SPEC §4 defines on them are the
//! measure catalogue's (`catalogue::Measure::of_totals`), their only formula.

use serde::Serialize;

/// Quantities that add up across roles, organisations and areas. For an LA they are
/// apportioned by `wte_share`, so headcount may be fractional there.
#[derive(Debug, Default, Clone, Copy, PartialEq, Serialize)]
pub struct Totals {
    pub headcount: f64,
    pub wte: f64,
    pub wte_vacant: f64,
    pub wte_agency: f64,
    pub leavers: f64,
    pub starters: f64,
    /// Open cases held, over the rows that report a caseload.
    pub cases: f64,
    /// WTE in post of the rows that report a caseload: the denominator of caseload_per_wte.
    pub caseload_wte: f64,
    pub regulated_wte: f64,
}

impl Totals {
    pub fn add(&mut self, other: &Totals) {
        self.headcount += other.headcount;
        self.wte += other.wte;
        self.wte_vacant += other.wte_vacant;
        self.wte_agency += other.wte_agency;
        self.leavers += other.leavers;
        self.starters += other.starters;
        self.cases += other.cases;
        self.caseload_wte += other.caseload_wte;
        self.regulated_wte += other.regulated_wte;
    }

    /// Every quantity multiplied by `weight` (an LA's share of an ICB's adults).
    pub fn scaled(&self, weight: f64) -> Totals {
        Totals {
            headcount: self.headcount * weight,
            wte: self.wte * weight,
            wte_vacant: self.wte_vacant * weight,
            wte_agency: self.wte_agency * weight,
            leavers: self.leavers * weight,
            starters: self.starters * weight,
            cases: self.cases * weight,
            caseload_wte: self.caseload_wte * weight,
            regulated_wte: self.regulated_wte * weight,
        }
    }

    /// One `workforce.csv` row's quantities.
    pub fn of_row(row: &crate::input::census::WorkforceRow) -> Totals {
        use super::catalogue::Field;
        Totals {
            headcount: Field::Headcount.of_row(row),
            wte: Field::Wte.of_row(row),
            wte_vacant: Field::WteVacant.of_row(row),
            wte_agency: Field::WteAgency.of_row(row),
            leavers: Field::Leavers.of_row(row),
            starters: Field::Starters.of_row(row),
            cases: Field::Cases.of_row(row),
            caseload_wte: Field::CaseloadWte.of_row(row),
            regulated_wte: Field::RegulatedWte.of_row(row),
        }
    }

    pub fn sum<'a>(items: impl IntoIterator<Item = &'a Totals>) -> Totals {
        let mut out = Totals::default();
        for item in items {
            out.add(item);
        }
        out
    }
}
