//! Invariants that hold for any input: the loader never panics, totals reconcile from
//! organisations to England, rates stay within [0, 1], and disclosure control never shows a
//! small cell or leaves one derivable.

use census_reports::domain::Dimension;
use census_reports::input::load;
use census_reports::input::pipeline;
use census_reports::metrics::diversity::{self, DiversityCounts};
use census_reports::metrics::mdt::Assumptions;
use census_reports::metrics::{EntityKind, MeasureId};
use proptest::prelude::*;
use std::path::Path;

const HEADER: &str =
    "org_id,role,headcount,wte_in_post,wte_vacant,wte_agency,leavers_12m,starters_12m,caseload\n";

fn write_census(dir: &Path, orgs: &str, areas: &str, workforce: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("census.toml"), "year = 2024\nsnapshot_date = \"2024-03-31\"\npublished = \"2024-11-28\"\ntitle = \"Property census\"\n").unwrap();
    std::fs::write(
        dir.join("local_authorities.csv"),
        "la_code,la_name,nhs_region,population_18plus,adults_in_treatment,young_people_in_treatment\nE08000035,Leeds,North East and Yorkshire,640000,4000,150\nE08000036,Wakefield,North East and Yorkshire,280000,1800,60\nE09000001,City of London,London,8600,40,2\n",
    )
    .unwrap();
    std::fs::write(dir.join("organisations.csv"), orgs).unwrap();
    std::fs::write(dir.join("service_areas.csv"), areas).unwrap();
    std::fs::write(dir.join("workforce.csv"), workforce).unwrap();
    std::fs::write(
        dir.join("demographics.csv"),
        "org_id,dimension,category,headcount\n",
    )
    .unwrap();
}

const ORGS: &str = "org_id,org_name,org_type,sector,nhs_region,la_code,services,volunteers_headcount\nC1,Commissioning,commissioner,local_authority,London,E09000001,,0\nP1,One,provider,voluntary,London,,adult_community,3\nP2,Two,provider,nhs,North East and Yorkshire,,adult_community,0\n";

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_the_loader(bytes in proptest::collection::vec(any::<u8>(), 0..1500), with_header in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let mut workforce = if with_header { HEADER.as_bytes().to_vec() } else { Vec::new() };
        workforce.extend(bytes);
        write_census(dir.path(), ORGS, "org_id,la_code,wte_share\nP1,E09000001,1\nP2,E08000035,1\n", "");
        std::fs::write(dir.path().join("workforce.csv"), workforce).unwrap();
        let _ = load::load(dir.path());
    }

    #[test]
    fn arbitrary_rows_never_panic_and_findings_name_a_place(rows in proptest::collection::vec(proptest::collection::vec("[-0-9a-zP.,\" e]{0,8}", 0..11), 0..20)) {
        let dir = tempfile::tempdir().unwrap();
        let mut workforce = HEADER.to_string();
        for row in rows {
            workforce.push_str(&row.join(","));
            workforce.push('\n');
        }
        write_census(dir.path(), ORGS, "org_id,la_code,wte_share\nP1,E09000001,1\nP2,E08000035,1\n", &workforce);
        if let Ok(loaded) = load::load(dir.path()) {
            for finding in loaded.findings.iter().filter(|f| f.file == "workforce.csv") {
                prop_assert!(finding.line.is_some(), "{finding:?}");
            }
        }
    }

    #[test]
    fn totals_reconcile_and_rates_stay_in_range(
        rows in proptest::collection::vec((0usize..3, 0usize..14, 0u32..40, 0.0f64..1.0, 0.0f64..10.0, 0.0f64..1.0, 0u32..20, 0u32..20), 1..25),
        weights in proptest::collection::vec(0.05f64..1.0, 3),
    ) {
        let roles = ["drug_alcohol_worker", "cj_drug_alcohol_worker", "yp_drug_alcohol_worker", "peer_support_worker", "nurse", "addiction_psychiatrist", "other_doctor", "psychologist", "assistant_psychologist", "social_worker", "pharmacist", "therapist_counsellor", "service_manager", "admin_support"];
        let total: f64 = weights.iter().sum();
        let shares: Vec<f64> = weights.iter().map(|w| w / total).collect();
        let areas = format!("org_id,la_code,wte_share\nP1,E08000035,{:.6}\nP1,E08000036,{:.6}\nP1,E09000001,{:.6}\nP2,E08000035,1\n", shares[0], shares[1], shares[2]);
        let mut workforce = HEADER.to_string();
        let mut seen = std::collections::BTreeSet::new();
        for (org, role, headcount, fte, vacant, agency, leavers, starters) in rows {
            let org = ["P1", "P2", "C1"][org];
            let role = if org == "C1" { "commissioner" } else { roles[role] };
            if !seen.insert((org, role)) {
                continue;
            }
            let wte = (f64::from(headcount) * fte * 10.0).round() / 10.0;
            workforce.push_str(&format!("{org},{role},{headcount},{wte},{vacant:.1},{:.1},{leavers},{starters},\n", wte * agency));
        }
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("2024");
        write_census(&data, ORGS, &areas, &workforce);
        let run = pipeline::open(&data).unwrap();
        let metrics = run.metrics(&Assumptions::default_shipped()).unwrap();
        let year = &metrics.current;
        let orgs: f64 = year.units.values().filter(|u| matches!(u.kind, EntityKind::Provider | EntityKind::Lero | EntityKind::Commissioner)).map(|u| u.totals.wte).sum();
        let las: f64 = year.units_of(EntityKind::La).map(|u| { let a = u.area.as_ref().unwrap(); a.attributed_wte + a.commissioning_wte }).sum();
        let england = year.england().totals.wte;
        prop_assert!((orgs - england).abs() < 1e-6, "orgs {orgs} england {england}");
        prop_assert!((las - england).abs() < 1e-6, "las {las} england {england}");
        for unit in year.units.values() {
            for metric in [MeasureId::VacancyRate, MeasureId::AgencyShare, MeasureId::RegulatedShare] {
                if let Some(v) = metric.value(unit) {
                    prop_assert!((0.0..=1.0 + 1e-9).contains(&v), "{} {} = {v}", unit.id, metric.key());
                }
            }
        }
    }

    #[test]
    fn disclosure_control_never_shows_or_leaves_derivable_a_small_cell(counts in proptest::collection::vec(0u32..30, 4)) {
        let categories = Dimension::Gender.categories();
        let mut c = DiversityCounts::new();
        for ((code, _), n) in categories.iter().zip(&counts) {
            c.insert((Dimension::Gender, *code), f64::from(*n));
        }
        let total: u32 = counts.iter().sum();
        let view = diversity::view(&c, f64::from(total));
        if total < 10 {
            prop_assert!(view.suppressed);
            return Ok(());
        }
        let gender = &view.dimensions.iter().find(|d| d.dimension == Dimension::Gender).unwrap().cells;
        let withheld = gender.iter().filter(|cell| cell.count.is_none()).count();
        prop_assert!(withheld != 1, "a single withheld cell is the total less the rest: {gender:?}");
        for cell in gender {
            if let Some(n) = cell.count {
                prop_assert!(n == 0 || n >= 5, "{cell:?}");
            }
            if let Some(share) = cell.share {
                prop_assert!((0.0..=1.0).contains(&share));
            }
        }
    }
}
