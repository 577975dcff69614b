//! Metric formulas against hand-computed values on a tiny census, and reconciliation of
//! totals on the bundled sample data.

use census_reports::domain::{Dimension, Role, RoleGroup};
use census_reports::input::pipeline;
use census_reports::metrics::diversity;
use census_reports::metrics::export::{self, Format};
use census_reports::metrics::mdt::Assumptions;
use census_reports::metrics::{EntityKind, MeasureId, Metrics};
use std::path::{Path, PathBuf};

const LAS_2024: &str =
    "la_code,la_name,nhs_region,population_18plus,adults_in_treatment,young_people_in_treatment
E06000063,Cumberland,North West,200000,1000,50
E06000064,Westmorland and Furness,North West,100000,400,20
E08000035,Leeds,North East and Yorkshire,0,3000,100
";
const ORGS: &str =
    "org_id,org_name,org_type,sector,nhs_region,la_code,services,volunteers_headcount
C1,Cumberland commissioning,commissioner,local_authority,North West,E06000063,,0
C2,Leeds commissioning,commissioner,local_authority,North East and Yorkshire,E08000035,,0
P1,Fellside Recovery,provider,voluntary,North West,E06000063,adult_community,4
P2,Cumbria NHS Addictions,provider,nhs,North West,,adult_community,0
P3,Aire Valley Pathways,provider,voluntary,North East and Yorkshire,E08000035,adult_community,2
P4,Broken Figures Ltd,provider,private,North East and Yorkshire,E08000035,residential_rehab,0
L1,Lakes Recovery Voices,lero,voluntary,North West,,recovery_support,10
";
const AREAS_2024: &str = "org_id,la_code,wte_share
P1,E06000063,0.5
P1,E06000064,0.5
P2,E06000063,1
P3,E08000035,0.75
P3,E06000063,0.25
P4,E08000035,1
L1,E06000064,1
";
const WORKFORCE: &str =
    "org_id,role,headcount,wte_in_post,wte_vacant,wte_agency,leavers_12m,starters_12m,caseload
C1,commissioner,2,2.0,1.0,0,0,0,
C2,commissioner,3,2.5,0,0,1,0,
P1,drug_alcohol_worker,10,8.0,2.0,1.0,2,3,320
P1,nurse,2,2.0,0,0,0,1,
P2,drug_alcohol_worker,5,4.0,0,0,1,1,200
P2,addiction_psychiatrist,1,0.5,0,0,0,0,
P3,drug_alcohol_worker,20,16.0,4.0,0,5,4,640
P3,peer_support_worker,4,3.0,0,0,0,0,
P4,drug_alcohol_worker,10,20.0,0,0,0,0,
L1,peer_support_worker,6,4.0,0,0,0,0,
";
const DEMOGRAPHICS: &str = "org_id,dimension,category,headcount
P3,gender,female,20
P3,gender,male,3
P3,gender,not_known,1
P1,gender,female,6
P1,gender,male,6
";

fn census_toml(year: u16) -> String {
    format!("year = {year}\nsnapshot_date = \"{year}-03-31\"\npublished = \"{year}-11-28\"\ntitle = \"Tiny census {year}\"\n")
}

fn write_year(root: &Path, year: u16, las: &str, areas: &str) -> PathBuf {
    let dir = root.join(year.to_string());
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("census.toml"), census_toml(year)).unwrap();
    std::fs::write(dir.join("local_authorities.csv"), las).unwrap();
    let orgs = if year == 2023 {
        ORGS.replace("E06000063", "E10000006")
    } else {
        ORGS.to_string()
    };
    std::fs::write(dir.join("organisations.csv"), orgs).unwrap();
    std::fs::write(dir.join("service_areas.csv"), areas).unwrap();
    std::fs::write(dir.join("workforce.csv"), WORKFORCE).unwrap();
    std::fs::write(dir.join("demographics.csv"), DEMOGRAPHICS).unwrap();
    dir
}

/// 2023 has Cumbria (before the split); 2024 has Cumberland and Westmorland and Furness.
fn tiny() -> (tempfile::TempDir, Metrics) {
    let root = tempfile::tempdir().unwrap();
    let las_2023 =
        "la_code,la_name,nhs_region,population_18plus,adults_in_treatment,young_people_in_treatment
E10000006,Cumbria,North West,300000,1400,70
E08000035,Leeds,North East and Yorkshire,0,3000,100
";
    let areas_2023 = "org_id,la_code,wte_share
P1,E10000006,1
P2,E10000006,1
P3,E08000035,0.75
P3,E10000006,0.25
P4,E08000035,1
L1,E10000006,1
";
    write_year(root.path(), 2023, las_2023, areas_2023);
    let dir = write_year(root.path(), 2024, LAS_2024, AREAS_2024);
    let run = pipeline::open(&dir).unwrap();
    let metrics = run.metrics(&Assumptions::default_shipped()).unwrap();
    (root, metrics)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn organisation_formulas_by_hand() {
    let (_dir, m) = tiny();
    let p1 = m.current.unit(EntityKind::Provider, "P1").unwrap();
    let t = &p1.totals;
    let of = |id: MeasureId, unit| id.value(unit).unwrap();
    assert_eq!((t.headcount, t.wte, t.wte_vacant), (12.0, 10.0, 2.0));
    assert!(close(of(MeasureId::VacancyRate, p1), 2.0 / 12.0)); // 2 / (10 + 2)
    assert!(close(of(MeasureId::AgencyShare, p1), 0.1)); // 1 / 10
    assert!(close(of(MeasureId::LeaverRate, p1), 2.0 / 12.0));
    assert!(close(of(MeasureId::StarterRate, p1), 4.0 / 12.0));
    assert!(close(of(MeasureId::RegulatedShare, p1), 0.2)); // nurse 2.0 of 10
    assert!(close(of(MeasureId::CaseloadPerWte, p1), 40.0)); // 320 cases / 8 caseload-holding WTE
    assert!(close(of(MeasureId::NetStaffChange, p1), 2.0)); // 4 starters − 2 leavers
    assert!(close(of(MeasureId::NetStaffChangeRate, p1), 2.0 / 12.0));
    assert_eq!(p1.volunteers, 4.0);
    assert_eq!(p1.wte_by_group()[&RoleGroup::Nursing], 2.0);
    let p2 = m.current.unit(EntityKind::Provider, "P2").unwrap();
    assert!(close(of(MeasureId::CaseloadPerWte, p2), 50.0));
    assert!(close(of(MeasureId::RegulatedShare, p2), 0.5 / 4.5));
    let c1 = m.current.unit(EntityKind::Commissioner, "C1").unwrap();
    assert!(close(of(MeasureId::VacancyRate, c1), 1.0 / 3.0));
    let l1 = m.current.unit(EntityKind::Lero, "L1").unwrap();
    assert_eq!(
        MeasureId::CaseloadPerWte.value(l1),
        None,
        "no caseload-holding roles: no value, not NaN"
    );
}

#[test]
fn la_apportionment_by_hand() {
    let (_dir, m) = tiny();
    let cumberland = m.current.unit(EntityKind::La, "E06000063").unwrap();
    let a = cumberland.area.as_ref().unwrap();
    // P1 10 × 0.5 + P2 4.5 × 1 + P3 19 × 0.25 = 14.25; commissioning apart.
    assert!(close(a.attributed_wte, 14.25));
    assert!(close(a.commissioning_wte, 2.0));
    let of = |id: MeasureId| id.value(cumberland).unwrap();
    assert!(close(of(MeasureId::WtePer100kAdults), 7.125));
    // Drug and alcohol workers: 8 × 0.5 + 4 + 16 × 0.25 = 12; 1,000 adults / 12.
    assert!(close(of(MeasureId::InTreatmentPerDawWte), 1000.0 / 12.0));
    assert_eq!(
        cumberland.mdt_coverage(),
        4,
        "drug and alcohol, nursing, medical, peer"
    );
    assert_eq!(a.serving.len(), 3);
    let wf = m.current.unit(EntityKind::La, "E06000064").unwrap();
    assert!(close(wf.area.as_ref().unwrap().attributed_wte, 9.0));
    assert!(
        close(wf.volunteers, 2.0 + 10.0),
        "P1's 4 volunteers × 0.5 + L1's 10"
    );
    let mdt = &a
        .mdt
        .iter()
        .find(|l| l.group == RoleGroup::DrugAlcoholWorkers)
        .unwrap();
    assert!(close(
        mdt.required_wte,
        1000.0 * 2.5 / 100.0 + 50.0 * 6.5 / 100.0
    ));
    assert!(close(mdt.actual_wte, 12.0));
}

#[test]
fn zero_population_gives_no_value_rather_than_infinity() {
    let (_dir, m) = tiny();
    let leeds = m.current.unit(EntityKind::La, "E08000035").unwrap();
    assert_eq!(MeasureId::WtePer100kAdults.value(leeds), None);
    let rows = export::rows(&m);
    let row = rows
        .iter()
        .find(|r| r.entity_id == "E08000035" && r.metric == "wte_per_100k_adults" && r.year == 2024)
        .unwrap();
    assert_eq!(row.value, None);
    assert!(rows.iter().all(|r| r.value.is_none_or(f64::is_finite)));
}

#[test]
fn blocked_organisations_are_left_out_and_listed() {
    let (_dir, m) = tiny();
    assert!(m.current.unit(EntityKind::Provider, "P4").is_none());
    assert_eq!(
        m.current.blocked,
        vec![("P4".to_string(), "Broken Figures Ltd".to_string())]
    );
    let leeds = m.current.unit(EntityKind::La, "E08000035").unwrap();
    assert!(
        close(leeds.area.as_ref().unwrap().attributed_wte, 14.25),
        "P3's 19 × 0.75 only"
    );
}

#[test]
fn totals_reconcile_from_organisations_to_england() {
    let (_dir, m) = tiny();
    let england = m.current.england();
    assert!(close(england.totals.wte, 42.0)); // 10 + 4.5 + 19 + 4 + 2 + 2.5
    let nw = m.current.unit(EntityKind::Region, "north_west").unwrap();
    assert!(close(nw.totals.wte, 14.25 + 9.0 + 2.0));
    let ney = m
        .current
        .unit(EntityKind::Region, "north_east_and_yorkshire")
        .unwrap();
    assert!(close(ney.totals.wte, 14.25 + 2.5));
}

#[test]
fn peer_distribution_ranks_and_quartiles_by_hand() {
    let (_dir, m) = tiny();
    let d = &m.current.peers[&(EntityKind::Provider, MeasureId::Wte)];
    assert_eq!(d.values, vec![4.5, 10.0, 19.0]);
    assert_eq!(
        (d.min, d.q1, d.median, d.q3, d.max),
        (4.5, 7.25, 10.0, 14.5, 19.0)
    );
    let p3 = m.current.unit(EntityKind::Provider, "P3").unwrap();
    assert_eq!(m.current.position(p3, MeasureId::Wte), Some((1, 4, 3)));
    let p1 = m.current.unit(EntityKind::Provider, "P1").unwrap();
    assert_eq!(m.current.position(p1, MeasureId::Wte), Some((2, 2, 3)));
}

#[test]
fn small_cells_are_suppressed() {
    let (_dir, m) = tiny();
    let p3 = m.current.unit(EntityKind::Provider, "P3").unwrap();
    let view = diversity::view(&p3.diversity, p3.totals.headcount);
    let gender = view
        .dimensions
        .iter()
        .find(|d| d.dimension == Dimension::Gender)
        .unwrap();
    let shown: Vec<String> = gender.cells.iter().map(|c| c.count_text()).collect();
    assert_eq!(shown, vec!["20", "<5", "0", "<5"]);
    assert!(close(gender.cells[0].share.unwrap(), 20.0 / 23.0));
    let rows = export::rows(&m);
    let male = rows
        .iter()
        .find(|r| r.entity_id == "P3" && r.metric == "share.gender.male" && r.year == 2024)
        .unwrap();
    assert_eq!(male.value, None);
    let l1 = m.current.unit(EntityKind::Lero, "L1").unwrap();
    assert!(
        diversity::view(&l1.diversity, l1.totals.headcount).suppressed,
        "6 people: no breakdown"
    );
}

#[test]
fn trends_join_a_split_la_through_its_predecessor_with_a_note() {
    let (_dir, m) = tiny();
    let trend = &m.trends[&(EntityKind::La, "E06000063".to_string())];
    assert_eq!(
        trend
            .points
            .iter()
            .map(|p| (p.year, p.id.as_str()))
            .collect::<Vec<_>>(),
        vec![(2023, "E10000006"), (2024, "E06000063")]
    );
    let change = trend.boundary_change.as_ref().unwrap();
    assert!(change.split && change.old_name == "Cumbria", "{change:?}");
    let p1 = &m.trends[&(EntityKind::Provider, "P1".to_string())];
    assert_eq!(p1.points.len(), 2);
    assert!(p1.boundary_change.is_none());
    assert_eq!(m.history.len(), 1);
}

#[test]
fn export_formats() {
    let (_dir, m) = tiny();
    let rows = export::rows(&m);
    let csv = String::from_utf8(export::encode(&rows, Format::Csv).unwrap()).unwrap();
    assert!(csv.starts_with("year,entity_kind,entity_id,entity_name,metric,value\n"));
    assert!(
        csv.contains("2024,provider,P1,Fellside Recovery,vacancy_rate,0.1666666667\n"),
        "{}",
        &csv[..500]
    );
    assert!(csv.contains("2024,la,E06000063,Cumberland,attributed_wte,14.25\n"));
    assert!(csv.contains("2024,england,england,England,provider.wte.median,10\n"));
    assert!(csv.contains("2024,provider,P3,Aire Valley Pathways,wte.rank,1\n"));
    assert!(csv.contains(&format!(
        "2024,provider,P1,Fellside Recovery,wte.role.{},2\n",
        Role::Nurse.code()
    )));
    let json: serde_json::Value =
        serde_json::from_slice(&export::encode(&rows, Format::Json).unwrap()).unwrap();
    assert_eq!(json.as_array().unwrap().len(), rows.len());
    let parquet = export::encode(&rows, Format::Parquet).unwrap();
    assert_eq!(&parquet[..4], b"PAR1");
}

#[test]
fn sample_totals_reconcile_every_year() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data/2024");
    let run = pipeline::open(&root).unwrap();
    let m = run.metrics(&Assumptions::default_shipped()).unwrap();
    for year in m.history.iter().chain([&m.current]) {
        let orgs: f64 = year
            .units
            .values()
            .filter(|u| {
                matches!(
                    u.kind,
                    EntityKind::Provider | EntityKind::Lero | EntityKind::Commissioner
                )
            })
            .map(|u| u.totals.wte)
            .sum();
        let las: f64 = year
            .units_of(EntityKind::La)
            .map(|u| {
                let a = u.area.as_ref().unwrap();
                a.attributed_wte + a.commissioning_wte
            })
            .sum();
        let regions: f64 = year
            .units_of(EntityKind::Region)
            .map(|u| u.totals.wte)
            .sum();
        let england = year.england().totals.wte;
        for (what, total) in [("LAs", las), ("regions", regions), ("England", england)] {
            assert!(
                (orgs - total).abs() < 1e-9,
                "{}: organisations {orgs} vs {what} {total}",
                year.year
            );
        }
        let org_heads: f64 = year
            .units
            .values()
            .filter(|u| {
                matches!(
                    u.kind,
                    EntityKind::Provider | EntityKind::Lero | EntityKind::Commissioner
                )
            })
            .map(|u| u.totals.headcount)
            .sum();
        assert!((org_heads - year.england().totals.headcount).abs() < 1e-9);
        for unit in year.units.values() {
            for metric in [
                MeasureId::VacancyRate,
                MeasureId::AgencyShare,
                MeasureId::RegulatedShare,
            ] {
                if let Some(v) = metric.value(unit) {
                    assert!((0.0..=1.0).contains(&v), "{} {} {v}", unit.id, metric.key());
                }
            }
        }
    }
}

#[test]
fn breakdown_by_setting_caseloads_and_commissioning_teams_by_hand() {
    use census_reports::domain::Setting;
    let (_dir, m) = tiny();
    let england = m.current.england();
    let cut = england.area.as_ref().unwrap().breakdown.as_ref().unwrap();
    // Voluntary providers P1 (8 + 2) and P3 (16 + 3); NHS P2 (4 + 0.5); the LERO L1 4;
    // commissioning teams C1 2 and C2 2.5. The private P4 is blocked (WTE 2x headcount).
    for (setting, wte, orgs) in [
        (Setting::Voluntary, 29.0, 2),
        (Setting::Nhs, 4.5, 1),
        (Setting::LocalAuthority, 0.0, 0),
        (Setting::Private, 0.0, 0),
        (Setting::Lero, 4.0, 1),
        (Setting::Commissioning, 4.5, 2),
    ] {
        assert!(close(cut.setting(setting).wte, wte), "{setting}");
        assert_eq!(cut.organisations[&setting], orgs, "{setting}");
    }
    assert!(close(
        cut.setting_group(Setting::Voluntary, RoleGroup::DrugAlcoholWorkers)
            .headcount,
        30.0
    ));
    assert!(close(cut.volunteers[&Setting::Lero], 10.0));
    assert!(close(cut.setting(Setting::Voluntary).regulated_wte, 2.0));
    // Drug and alcohol workers hold cases at P1 (320 / 8 = 40), P2 (200 / 4 = 50) and P3
    // (640 / 16 = 40); P4 reports none. 1,160 cases over 28 WTE; the median ratio is 40.
    let daw = &cut.caseloads[&Role::DrugAlcoholWorker];
    assert!(close(daw.cases, 1160.0) && close(daw.wte, 28.0));
    assert!(close(daw.per_wte().unwrap(), 1160.0 / 28.0));
    let spread = daw.spread.as_ref().unwrap();
    assert_eq!(spread.values.len(), 3);
    assert!(close(spread.median, 40.0) && close(spread.max, 50.0));
    // Three LAs; Cumberland and Leeds returned a team, both commissioners only.
    let teams = &cut.commissioning;
    assert_eq!(
        (
            teams.las,
            teams.las_reporting,
            teams.without_analyst,
            teams.without_coordinator,
            teams.without_either
        ),
        (3, 2, 2, 2, 2)
    );
    let north_west = m.current.unit(EntityKind::Region, "north_west").unwrap();
    let nw = north_west
        .area
        .as_ref()
        .unwrap()
        .breakdown
        .as_ref()
        .unwrap();
    assert_eq!(
        (nw.commissioning.las, nw.commissioning.las_reporting),
        (2, 1)
    );
    // Volunteers' share: 16 volunteers beside 53 staff (P4's 10 are left out).
    assert!(close(
        MeasureId::VolunteerShare.value(england).unwrap(),
        16.0 / 69.0
    ));
}

#[test]
fn net_change_in_staff_is_starters_less_leavers_at_every_level_and_reconciles() {
    let (_dir, m) = tiny();
    let year = &m.current;
    for unit in year.units.values() {
        let of = |id: MeasureId| id.value(unit).unwrap();
        let net = of(MeasureId::Starters) - of(MeasureId::Leavers);
        assert!(close(of(MeasureId::NetStaffChange), net), "{}", unit.id);
        if unit.totals.headcount > 0.0 {
            assert!(close(
                of(MeasureId::NetStaffChangeRate),
                net / unit.totals.headcount
            ));
        }
    }
    // England is the sum of every organisation; each region the sum of its own.
    let orgs = || {
        year.units.values().filter(|u| {
            matches!(
                u.kind,
                EntityKind::Provider | EntityKind::Lero | EntityKind::Commissioner
            )
        })
    };
    let sum: f64 = orgs()
        .map(|u| MeasureId::NetStaffChange.value(u).unwrap())
        .sum();
    assert!(close(
        MeasureId::NetStaffChange.value(year.england()).unwrap(),
        sum
    ));
    // An LA's is apportioned: Σ over the organisations serving it of their net change × share.
    let cumberland = year.unit(EntityKind::La, "E06000063").unwrap();
    let apportioned: f64 = cumberland
        .area
        .as_ref()
        .unwrap()
        .serving
        .iter()
        .map(|s| {
            let org = orgs().find(|u| u.id == s.org_id).unwrap();
            MeasureId::NetStaffChange.value(org).unwrap() * s.share
        })
        .sum();
    assert!(close(
        MeasureId::NetStaffChange.value(cumberland).unwrap(),
        apportioned
    ));
    // In the export, for every unit and year.
    let rows = export::rows(&m);
    let n = rows
        .iter()
        .filter(|r| r.metric == "net_staff_change")
        .count();
    assert_eq!(n, rows.iter().filter(|r| r.metric == "headcount").count());
}
