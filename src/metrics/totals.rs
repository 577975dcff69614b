//! Additive workforce quantities and the ratios SPEC §4 defines on them.

use crate::stats::ratio;
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

    pub fn sum<'a>(items: impl IntoIterator<Item = &'a Totals>) -> Totals {
        let mut out = Totals::default();
        for item in items {
            out.add(item);
        }
        out
    }

    /// vacant / (in post + vacant) WTE.
    pub fn vacancy_rate(&self) -> Option<f64> {
        ratio(self.wte_vacant, self.wte + self.wte_vacant)
    }

    /// agency / in-post WTE.
    pub fn agency_share(&self) -> Option<f64> {
        ratio(self.wte_agency, self.wte)
    }

    /// leavers in the last 12 months / headcount.
    pub fn leaver_rate(&self) -> Option<f64> {
        ratio(self.leavers, self.headcount)
    }

    /// starters in the last 12 months / headcount.
    pub fn starter_rate(&self) -> Option<f64> {
        ratio(self.starters, self.headcount)
    }

    /// regulated-profession WTE / all WTE in post.
    pub fn regulated_share(&self) -> Option<f64> {
        ratio(self.regulated_wte, self.wte)
    }

    /// open cases / WTE of the roles that hold cases.
    pub fn caseload_per_wte(&self) -> Option<f64> {
        ratio(self.cases, self.caseload_wte)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_by_hand() {
        let t = Totals {
            headcount: 20.0,
            wte: 16.0,
            wte_vacant: 4.0,
            wte_agency: 2.0,
            leavers: 5.0,
            starters: 6.0,
            cases: 400.0,
            caseload_wte: 10.0,
            regulated_wte: 4.0,
        };
        assert_eq!(t.vacancy_rate(), Some(0.2));
        assert_eq!(t.agency_share(), Some(0.125));
        assert_eq!(t.leaver_rate(), Some(0.25));
        assert_eq!(t.starter_rate(), Some(0.3));
        assert_eq!(t.regulated_share(), Some(0.25));
        assert_eq!(t.caseload_per_wte(), Some(40.0));
        let empty = Totals::default();
        assert_eq!(empty.vacancy_rate(), None);
        assert_eq!(empty.caseload_per_wte(), None);
    }
}
