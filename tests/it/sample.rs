//! The synthetic census: deterministic, calibrated to the published figures, consistent
//! across years, and identical to the folders committed in sample-data/.

use census_reports::domain::{OrgType, RoleGroup, Sector};
use census_reports::input::census::Census;
use census_reports::input::finding::Severity;
use census_reports::input::load;
use census_reports::input::validate;
use census_reports::sample::{self, SampleOptions};
use std::path::{Path, PathBuf};

const SEED: u64 = 2024;

fn generated(year: u16, dir: &Path) -> Census {
    let files = sample::generate(&SampleOptions {
        year,
        seed: SEED,
        scale: 1,
    })
    .unwrap();
    let path = dir.join(year.to_string());
    files.write(&path).unwrap();
    load::load(&path).unwrap().census
}

fn wte(census: &Census, keep: impl Fn(OrgType, Sector) -> bool) -> f64 {
    let orgs = census.organisations_by_id();
    census
        .workforce
        .iter()
        .filter(|r| {
            orgs.get(r.org_id.as_str())
                .is_some_and(|o| keep(o.org_type, o.sector))
        })
        .map(|r| r.wte_in_post)
        .sum()
}

fn count(census: &Census, t: OrgType) -> usize {
    census
        .organisations
        .iter()
        .filter(|o| o.org_type == t)
        .count()
}

fn near(actual: f64, target: f64, tolerance: f64) -> bool {
    (actual - target).abs() <= target * tolerance
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let a = sample::generate(&SampleOptions {
        year: 2023,
        seed: 7,
        scale: 1,
    })
    .unwrap();
    let b = sample::generate(&SampleOptions {
        year: 2023,
        seed: 7,
        scale: 1,
    })
    .unwrap();
    let c = sample::generate(&SampleOptions {
        year: 2023,
        seed: 8,
        scale: 1,
    })
    .unwrap();
    assert_eq!(a, b);
    assert_ne!(a.files["workforce.csv"], c.files["workforce.csv"]);
}

#[test]
fn the_2022_census_matches_the_published_totals() {
    let dir = tempfile::tempdir().unwrap();
    let c = generated(2022, dir.path());
    assert_eq!(c.local_authorities.len(), 152);
    assert_eq!(count(&c, OrgType::Provider), 347);
    assert_eq!(count(&c, OrgType::Lero), 23);
    assert_eq!(count(&c, OrgType::Commissioner), 165);
    let total = wte(&c, |_, _| true);
    let providers = wte(&c, |t, _| t == OrgType::Provider);
    assert!(near(total, 11_851.0, 0.01), "total WTE {total}");
    assert!(near(providers, 11_269.0, 0.01), "provider WTE {providers}");
    assert!(near(
        wte(&c, |t, _| t == OrgType::Commissioner),
        398.0,
        0.02
    ));
    assert!(near(wte(&c, |t, _| t == OrgType::Lero), 184.0, 0.03));
    let voluntary = wte(&c, |t, s| t == OrgType::Provider && s == Sector::Voluntary) / providers;
    assert!(
        (0.76..0.80).contains(&voluntary),
        "voluntary share {voluntary}"
    );
    let orgs = c.organisations_by_id();
    let daw: f64 = c
        .workforce
        .iter()
        .filter(|r| {
            r.role.group() == RoleGroup::DrugAlcoholWorkers
                && orgs[r.org_id.as_str()].org_type == OrgType::Provider
        })
        .map(|r| r.wte_in_post)
        .sum();
    assert!(
        (0.45..0.50).contains(&(daw / providers)),
        "drug and alcohol worker share {}",
        daw / providers
    );
    let adults: u64 = c
        .local_authorities
        .iter()
        .map(|la| la.adults_in_treatment)
        .sum();
    assert_eq!(adults, 289_215);
    let headcount: u32 = c.workforce.iter().map(|r| r.headcount).sum();
    assert!(
        f64::from(headcount) > total * 1.1,
        "headcount {headcount} is above WTE: many work part time"
    );
}

#[test]
fn later_years_grow_as_published_and_keep_org_ids() {
    let dir = tempfile::tempdir().unwrap();
    let c22 = generated(2022, dir.path());
    let c23 = generated(2023, dir.path());
    let c24 = generated(2024, dir.path());
    let t22 = wte(&c22, |_, _| true);
    let t23 = wte(&c23, |_, _| true);
    let t24 = wte(&c24, |_, _| true);
    assert!(near(t23 - t22, 1_670.0, 0.1), "2023 growth {}", t23 - t22);
    assert!(near(t24, 14_121.0, 0.01), "2024 total {t24}");
    assert_eq!(c24.local_authorities.len(), 153);
    let persisting = c23
        .organisations
        .iter()
        .filter(|o| {
            c22.organisation(&o.org_id)
                .is_some_and(|p| p.org_name == o.org_name)
        })
        .count();
    assert!(
        persisting > 500,
        "{persisting} orgs persist from 2022 to 2023"
    );
    assert!(
        c23.organisations
            .iter()
            .any(|o| c22.organisation(&o.org_id).is_none()),
        "some orgs join"
    );
    assert!(
        c22.organisations
            .iter()
            .any(|o| c23.organisation(&o.org_id).is_none()),
        "some orgs leave"
    );
}

#[test]
fn sample_years_have_queries_and_2023_blocks_one_org() {
    let dir = tempfile::tempdir().unwrap();
    let mut previous: Option<Census> = None;
    for year in [2022, 2023, 2024] {
        let files = sample::generate(&SampleOptions {
            year,
            seed: SEED,
            scale: 1,
        })
        .unwrap();
        let path = dir.path().join(year.to_string());
        files.write(&path).unwrap();
        let loaded = load::load(&path).unwrap();
        let v = validate::validate(&loaded, previous.as_ref());
        let warnings = v
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .count();
        assert!(warnings >= 5, "{year}: {warnings} warnings");
        assert_eq!(
            v.blocked.len(),
            usize::from(year == 2023),
            "{year}: blocked {:?}; {:#?}",
            v.blocked,
            v.findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .collect::<Vec<_>>()
        );
        previous = Some(loaded.census);
    }
}

#[test]
fn committed_sample_data_is_what_the_generator_makes() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    for year in [2022u16, 2023, 2024] {
        let files = sample::generate(&SampleOptions {
            year,
            seed: SEED,
            scale: 1,
        })
        .unwrap();
        for (name, bytes) in &files.files {
            let committed =
                std::fs::read(root.join(year.to_string()).join(name)).unwrap_or_default();
            assert!(committed == *bytes, "sample-data/{year}/{name} differs from `census-reports sample --year {year} --seed {SEED}`; regenerate it");
        }
    }
}
