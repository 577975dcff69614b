//! `census-reports sample`: a deterministic, realistic synthetic census for one year.
//!
//! One simulation runs from 2022 to the asked year, so organisations persist across years
//! with stable ids, some leave and some join, and the 2023 boundary changes move their
//! service areas. Totals are calibrated to the published census figures in SPEC.md; every
//! name is invented. A handful of deliberate data-quality problems per year give
//! `validate` real queries to find (and one blocking error in 2023).

use crate::domain::{Dimension, DimensionFamily, OrgType, Region, Role, Sector, Service};
use crate::export::{csv_bytes, write_atomic, WriteError};
use crate::input::census::Date;
use crate::input::reference::{self, ReferenceLa};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SampleOptions {
    pub year: u16,
    pub seed: u64,
    /// Multiplies the number of providers and LEROs (and their workforce), for benchmarks.
    pub scale: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum SampleError {
    #[error("no calibration targets for {0}; the generator covers 2022, 2023 and 2024")]
    UnsupportedYear(u16),
    #[error("--scale must be between 1 and 100, not {0}")]
    Scale(u32),
}

/// The generated files of one census-year folder, by file name.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleCensus {
    /// By path within the folder (`workforce.csv`, `expansion_plans/E06000001.xlsx`).
    pub files: BTreeMap<String, Vec<u8>>,
}

impl SampleCensus {
    pub fn write(&self, dir: &Path) -> Result<(), WriteError> {
        for (name, bytes) in &self.files {
            write_atomic(&dir.join(name), bytes)?;
        }
        Ok(())
    }
}

/// Published national figures each year is calibrated to (SPEC.md), WTE.
struct YearTargets {
    provider_wte: f64,
    lero_wte: f64,
    commissioning_wte: f64,
    /// Share of provider WTE by sector, in `Sector::ALL` order (LA, NHS, voluntary, private).
    sector_share: [f64; 4],
    /// Provider WTE by delivery role, in `DELIVERY_ROLES` order.
    role_wte: [f64; 14],
    delivery_vacancy: f64,
    commissioning_vacancy: f64,
    turnover: f64,
    growth: f64,
    volunteer_share: f64,
    adults_in_treatment: u64,
    young_people_in_treatment: u64,
    /// Providers and LEROs that leave before, and join in, this year.
    providers_leaving: usize,
    providers_joining: usize,
    leros_joining: usize,
}

const DELIVERY_ROLES: [Role; 14] = [
    Role::DrugAlcoholWorker,
    Role::CjDrugAlcoholWorker,
    Role::YpDrugAlcoholWorker,
    Role::PeerSupportWorker,
    Role::Nurse,
    Role::AddictionPsychiatrist,
    Role::OtherDoctor,
    Role::Psychologist,
    Role::AssistantPsychologist,
    Role::SocialWorker,
    Role::Pharmacist,
    Role::TherapistCounsellor,
    Role::ServiceManager,
    Role::AdminSupport,
];

fn targets(year: u16) -> Option<YearTargets> {
    // 2022: 11,851 WTE = 11,269 providers + 398 commissioning + 184 LEROs; almost half of
    // provider WTE drug and alcohol workers, 23% management and admin, 684 peer support, 9%
    // nurses. 2023: +1,670 (+1,250 drug and alcohol workers, 480 of them criminal justice;
    // +170 regulated). 2024: 14,121, 96% in delivery, half drug and alcohol workers.
    match year {
        2022 => Some(YearTargets {
            provider_wte: 11_269.0,
            lero_wte: 184.0,
            commissioning_wte: 398.0,
            sector_share: [0.04, 0.15, 0.78, 0.03],
            role_wte: [
                3900.0, 1000.0, 510.0, 684.0, 1015.0, 120.0, 160.0, 150.0, 130.0, 160.0, 100.0,
                740.0, 1140.0, 1460.0,
            ],
            delivery_vacancy: 0.09,
            commissioning_vacancy: 0.14,
            turnover: 0.22,
            growth: 0.03,
            volunteer_share: 0.12,
            adults_in_treatment: 289_215,
            young_people_in_treatment: 11_326,
            providers_leaving: 0,
            providers_joining: 347,
            leros_joining: 23,
        }),
        2023 => Some(YearTargets {
            provider_wte: 12_861.0,
            lero_wte: 240.0,
            commissioning_wte: 420.0,
            sector_share: [0.04, 0.13, 0.80, 0.03],
            role_wte: [
                4600.0, 1480.0, 580.0, 784.0, 1125.0, 130.0, 175.0, 165.0, 140.0, 170.0, 110.0,
                770.0, 1160.0, 1472.0,
            ],
            delivery_vacancy: 0.085,
            commissioning_vacancy: 0.12,
            turnover: 0.25,
            growth: 0.14,
            volunteer_share: 0.115,
            adults_in_treatment: 290_635,
            young_people_in_treatment: 12_418,
            providers_leaving: 12,
            providers_joining: 18,
            leros_joining: 4,
        }),
        2024 => Some(YearTargets {
            provider_wte: 13_261.0,
            lero_wte: 300.0,
            commissioning_wte: 560.0,
            sector_share: [0.03, 0.08, 0.86, 0.03],
            role_wte: [
                4800.0, 1560.0, 640.0, 820.0, 1160.0, 135.0, 185.0, 170.0, 140.0, 172.0, 113.0,
                770.0, 1160.0, 1436.0,
            ],
            delivery_vacancy: 0.08,
            commissioning_vacancy: 0.09,
            turnover: 0.19,
            growth: 0.04,
            volunteer_share: 0.11,
            adults_in_treatment: 310_863,
            young_people_in_treatment: 14_352,
            providers_leaving: 10,
            providers_joining: 20,
            leros_joining: 3,
        }),
        _ => None,
    }
}

/// Commissioners are one per LA, plus this many second teams (children and young people's
/// commissioning) so that 2022 has 165 commissioner submissions.
const SECOND_COMMISSIONING_TEAMS: usize = 13;

/// An organisation as the simulation tracks it across years.
#[derive(Debug, Clone)]
struct SimOrg {
    org_id: String,
    org_name: String,
    org_type: OrgType,
    sector: Sector,
    region: Region,
    head_la: Option<String>,
    services: Vec<Service>,
    /// (LA code, weight) in 2022 codes; shares are weights normalised per year.
    areas: Vec<(String, f64)>,
    /// Persistent relative size and role weights.
    size: f64,
    role_weights: BTreeMap<Role, f64>,
    left: bool,
}

struct LaFacts {
    la: ReferenceLa,
    population: f64,
    need: f64,
}

pub fn generate(options: &SampleOptions) -> Result<SampleCensus, SampleError> {
    let year_targets = targets(options.year).ok_or(SampleError::UnsupportedYear(options.year))?;
    if !(1..=100).contains(&options.scale) {
        return Err(SampleError::Scale(options.scale));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let base_las = la_facts(options.seed);
    let mut orgs: Vec<SimOrg> = Vec::new();
    let mut counters = [0usize; 3];
    for year in 2022..=options.year {
        let t = targets(year).ok_or(SampleError::UnsupportedYear(year))?;
        evolve(
            &mut orgs,
            &mut counters,
            &base_las,
            year,
            &t,
            options.scale,
            &mut rng,
        );
    }
    let mut builder = YearBuilder::new(options.year, &year_targets, options.scale, &base_las);
    Ok(builder.build(&orgs, &mut rng))
}

/// Populations and treatment need per LA code, stable across years and seeds of the sim.
fn la_facts(seed: u64) -> Vec<LaFacts> {
    let mut out: Vec<LaFacts> = reference::local_authorities(2022)
        .into_iter()
        .map(|la| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed ^ fnv(&la.la_code));
            let typical = match &la.la_code[..3] {
                "E10" => 560_000.0,
                "E08" => 260_000.0,
                "E09" => 210_000.0,
                _ => 170_000.0,
            };
            let special = match la.la_code.as_str() {
                "E09000001" => Some(8_600.0),  // City of London
                "E06000053" => Some(1_900.0),  // Isles of Scilly
                "E06000017" => Some(33_000.0), // Rutland
                _ => None,
            };
            let population = special
                .unwrap_or_else(|| typical * lognormal(&mut rng, 0.35))
                .round();
            LaFacts {
                la,
                population,
                need: rng.random_range(0.6..1.6),
            }
        })
        .collect();
    let total: f64 = out.iter().map(|l| l.population).sum();
    for la in &mut out {
        la.population = (la.population * 44_500_000.0 / total).round();
    }
    out
}

/// The 2022 LA codes a year's code stands for, with the share of the old area it covers.
fn la_code_for_year(code_2022: &str, year: u16) -> Vec<(String, f64)> {
    if year < 2024 {
        return vec![(code_2022.to_string(), 1.0)];
    }
    let changes: Vec<_> = reference::la_changes()
        .into_iter()
        .filter(|c| c.old_code == code_2022)
        .collect();
    match changes.len() {
        0 => vec![(code_2022.to_string(), 1.0)],
        1 => vec![(changes[0].new_code.clone(), 1.0)],
        _ => changes
            .iter()
            .enumerate()
            // Cumberland holds a little more of old Cumbria's population than Westmorland
            // and Furness.
            .map(|(i, c)| (c.new_code.clone(), if i == 0 { 0.55 } else { 0.45 }))
            .collect(),
    }
}

const PLACE_WORDS: [&str; 24] = [
    "Northfield",
    "Brightwater",
    "Kestrel",
    "Meadowbank",
    "Riverside",
    "Oakwood",
    "Harbour",
    "Lantern",
    "Beacon",
    "Willow",
    "Compass",
    "Threshold",
    "Horizon",
    "Bridgeway",
    "Crossroads",
    "Evergreen",
    "Foundry",
    "Greenway",
    "Heartwood",
    "Ivy Lane",
    "Juniper",
    "Keystone",
    "Larkspur",
    "Millstone",
];
const PROVIDER_WORDS: [&str; 8] = [
    "Recovery Partnership",
    "Drug and Alcohol Service",
    "Treatment Collective",
    "Pathways",
    "Recovery Trust",
    "Wellbeing Alliance",
    "Change Project",
    "Community Recovery",
];

fn evolve(
    orgs: &mut Vec<SimOrg>,
    counters: &mut [usize; 3],
    las: &[LaFacts],
    year: u16,
    t: &YearTargets,
    scale: u32,
    rng: &mut ChaCha8Rng,
) {
    let scale = scale as usize;
    // Leavers: mostly NHS services re-procured to the voluntary sector.
    let mut leaving = t.providers_leaving * scale;
    while leaving > 0 {
        let candidates: Vec<usize> = orgs
            .iter()
            .enumerate()
            .filter(|(_, o)| o.org_type == OrgType::Provider && !o.left)
            .filter(|(_, o)| o.sector == Sector::Nhs || rng.random_bool(0.3))
            .map(|(i, _)| i)
            .collect();
        if candidates.is_empty() {
            break;
        }
        let pick = candidates[rng.random_range(0..candidates.len())];
        orgs[pick].left = true;
        leaving -= 1;
    }
    if year == 2022 {
        add_commissioners(orgs, counters, las, rng);
    }
    for _ in 0..t.providers_joining * scale {
        let sector = if year == 2022 {
            // Counts (not WTE): 190 voluntary, 55 NHS, 50 LA, 52 private of 347.
            pick_weighted(
                rng,
                &[
                    (Sector::Voluntary, 190.0),
                    (Sector::Nhs, 55.0),
                    (Sector::LocalAuthority, 50.0),
                    (Sector::Private, 52.0),
                ],
            )
        } else {
            pick_weighted(rng, &[(Sector::Voluntary, 0.85), (Sector::Private, 0.15)])
        };
        let org = new_delivery_org(OrgType::Provider, sector, counters, las, rng);
        push_uniquely_named(orgs, org, las);
    }
    for _ in 0..t.leros_joining * scale {
        let org = new_delivery_org(OrgType::Lero, Sector::Voluntary, counters, las, rng);
        push_uniquely_named(orgs, org, las);
    }
    ensure_coverage(orgs, las, rng);
    if year == 2024 {
        // The Cumbria commissioning team ends; Cumberland and Westmorland and Furness start.
        for org in orgs.iter_mut() {
            if org.org_type == OrgType::Commissioner && org.head_la.as_deref() == Some("E10000006")
            {
                org.left = true;
            }
        }
        for la in reference::local_authorities(2024) {
            if la.la_code == "E06000063" || la.la_code == "E06000064" {
                counters[0] += 1;
                orgs.push(commissioner(
                    format!("C{:04}", counters[0]),
                    &la,
                    None,
                    0.6,
                    rng,
                ));
            }
        }
    }
}

/// Every LA is served by at least one provider: an LA left without one (by chance, or when
/// its providers leave) is added to a voluntary provider of its region.
fn ensure_coverage(orgs: &mut [SimOrg], las: &[LaFacts], rng: &mut ChaCha8Rng) {
    for la in las {
        let code = &la.la.la_code;
        let served = orgs.iter().any(|o| {
            !o.left && o.org_type == OrgType::Provider && o.areas.iter().any(|(c, _)| c == code)
        });
        if served {
            continue;
        }
        let candidates: Vec<usize> = (0..orgs.len())
            .filter(|i| {
                let o = &orgs[*i];
                !o.left
                    && o.org_type == OrgType::Provider
                    && o.sector == Sector::Voluntary
                    && o.region == la.la.region
            })
            .collect();
        if let Some(i) = candidates.get(rng.random_range(0..candidates.len().max(1))) {
            let weight = la.population * la.need;
            orgs[*i].areas.push((code.clone(), weight));
            orgs[*i].size *= 1.3;
        }
    }
}

/// Names are invented from word lists, so two may coincide: the later one gets its home LA
/// added, then a number.
fn push_uniquely_named(orgs: &mut Vec<SimOrg>, mut org: SimOrg, las: &[LaFacts]) {
    let taken = |name: &str, orgs: &[SimOrg]| orgs.iter().any(|o| o.org_name == name);
    if taken(&org.org_name, orgs) {
        let home = las
            .iter()
            .find(|l| Some(&l.la.la_code) == org.areas.first().map(|a| &a.0))
            .map_or("England", |l| l.la.la_name.as_str());
        let mut candidate = format!("{}, {home}", org.org_name);
        let mut n = 2;
        while taken(&candidate, orgs) {
            candidate = format!("{}, {home} {n}", org.org_name);
            n += 1;
        }
        org.org_name = candidate;
    }
    orgs.push(org);
}

fn add_commissioners(
    orgs: &mut Vec<SimOrg>,
    counters: &mut [usize; 3],
    las: &[LaFacts],
    rng: &mut ChaCha8Rng,
) {
    let mut by_population: Vec<&LaFacts> = las.iter().collect();
    by_population.sort_by(|a, b| b.population.total_cmp(&a.population));
    for la in las {
        counters[0] += 1;
        let size = 1.0 + la.population / 400_000.0;
        orgs.push(commissioner(
            format!("C{:04}", counters[0]),
            &la.la,
            None,
            size,
            rng,
        ));
    }
    for la in by_population.iter().take(SECOND_COMMISSIONING_TEAMS) {
        counters[0] += 1;
        let name = format!(
            "{}: children and young people's commissioning",
            council(&la.la.la_name)
        );
        orgs.push(commissioner(
            format!("C{:04}", counters[0]),
            &la.la,
            Some(name),
            0.5,
            rng,
        ));
    }
}

/// "Bristol, City of" → "Bristol City Council"; "Leeds" → "Leeds Council".
fn council(la_name: &str) -> String {
    if let Some(base) = la_name.strip_suffix(", City of") {
        format!("{base} City Council")
    } else if let Some(base) = la_name.strip_suffix(", County of") {
        format!("{base} Council")
    } else {
        format!("{la_name} Council")
    }
}

fn commissioner(
    org_id: String,
    la: &ReferenceLa,
    name: Option<String>,
    size: f64,
    rng: &mut ChaCha8Rng,
) -> SimOrg {
    let mut role_weights = BTreeMap::new();
    role_weights.insert(Role::Commissioner, 0.45 * rng.random_range(0.7..1.3));
    // About one team in three has no analyst and one in eight no coordinator, chosen by
    // the team's id rather than by a draw. (A role left out is a workforce row not drawn, so
    // the rest of the sample still moved when this came in.)
    let pick = fnv(&org_id) % 24;
    let coordinator = 0.35 * rng.random_range(0.7..1.3);
    if pick < 21 {
        role_weights.insert(Role::CommissioningCoordinator, coordinator);
    }
    if size > 0.9 {
        let analyst = 0.2 * rng.random_range(0.7..1.3);
        if pick >= 8 {
            role_weights.insert(Role::CommissioningAnalyst, analyst);
        }
    }
    SimOrg {
        org_id,
        org_name: name
            .unwrap_or_else(|| format!("{}: drug and alcohol commissioning", council(&la.la_name))),
        org_type: OrgType::Commissioner,
        sector: Sector::LocalAuthority,
        region: la.region,
        head_la: Some(la.la_code.clone()),
        services: Vec::new(),
        areas: Vec::new(),
        size: size * rng.random_range(0.85..1.15),
        role_weights,
        left: false,
    }
}

fn new_delivery_org(
    org_type: OrgType,
    sector: Sector,
    counters: &mut [usize; 3],
    las: &[LaFacts],
    rng: &mut ChaCha8Rng,
) -> SimOrg {
    let region = Region::ALL[rng.random_range(0..Region::ALL.len())];
    let in_region: Vec<&LaFacts> = las.iter().filter(|l| l.la.region == region).collect();
    let area_count = match (org_type, sector) {
        (OrgType::Lero, _) => 1 + usize::from(rng.random_bool(0.3)),
        (_, Sector::Voluntary) => 1 + (rng.random::<f64>().powi(3) * 5.0) as usize,
        (_, Sector::Nhs) => 1 + usize::from(rng.random_bool(0.3)),
        (_, Sector::Private) => 1 + (rng.random::<f64>() * 3.0) as usize,
        _ => 1,
    };
    let mut areas: Vec<(String, f64)> = Vec::new();
    while areas.len() < area_count.min(in_region.len()) {
        let la = in_region[rng.random_range(0..in_region.len())];
        if !areas.iter().any(|(code, _)| *code == la.la.la_code) {
            areas.push((
                la.la.la_code.clone(),
                la.population * la.need * rng.random_range(0.5..1.5),
            ));
        }
    }
    let home = in_region
        .iter()
        .find(|l| l.la.la_code == areas[0].0)
        .map(|l| l.la.la_name.clone())
        .unwrap_or_default();
    let services = services_for(org_type, sector, rng);
    let (org_id, org_name, size) = match org_type {
        OrgType::Lero => {
            counters[2] += 1;
            let word = PLACE_WORDS[rng.random_range(0..PLACE_WORDS.len())];
            (
                format!("L{:04}", counters[2]),
                format!("{word} Lived Experience Recovery Network"),
                lognormal(rng, 0.5),
            )
        }
        _ => {
            counters[1] += 1;
            let name = match sector {
                Sector::Nhs => format!("{home} NHS Addictions Service"),
                Sector::LocalAuthority => format!("{} In-house Substance Use Team", council(&home)),
                Sector::Private => format!(
                    "{} House Residential Recovery",
                    PLACE_WORDS[rng.random_range(0..PLACE_WORDS.len())]
                ),
                Sector::Voluntary => format!(
                    "{} {}",
                    PLACE_WORDS[rng.random_range(0..PLACE_WORDS.len())],
                    PROVIDER_WORDS[rng.random_range(0..PROVIDER_WORDS.len())]
                ),
            };
            let sector_size = match sector {
                Sector::Voluntary => 1.8,
                Sector::Nhs => 1.5,
                Sector::LocalAuthority => 0.5,
                Sector::Private => 0.35,
            };
            let reach: f64 = areas.iter().map(|(_, w)| w).sum::<f64>() / 300_000.0;
            (
                format!("P{:04}", counters[1]),
                name,
                sector_size * lognormal(rng, 0.6) * reach.sqrt(),
            )
        }
    };
    let role_weights = role_weights_for(org_type, &services, size, rng);
    SimOrg {
        org_id,
        org_name,
        org_type,
        sector,
        region,
        head_la: (rng.random_bool(0.8)).then(|| areas[0].0.clone()),
        services,
        areas,
        size,
        role_weights,
        left: false,
    }
}

fn services_for(org_type: OrgType, sector: Sector, rng: &mut ChaCha8Rng) -> Vec<Service> {
    let mut services = Vec::new();
    let mut maybe = |s: Service, p: f64, rng: &mut ChaCha8Rng| {
        if rng.random_bool(p) {
            services.push(s);
        }
    };
    match (org_type, sector) {
        (OrgType::Lero, _) => maybe(Service::RecoverySupport, 1.0, rng),
        (_, Sector::Voluntary) => {
            maybe(Service::AdultCommunity, 0.95, rng);
            maybe(Service::CriminalJustice, 0.6, rng);
            maybe(Service::YoungPeople, 0.4, rng);
            maybe(Service::RecoverySupport, 0.3, rng);
            maybe(Service::ResidentialRehab, 0.08, rng);
        }
        (_, Sector::Nhs) => {
            maybe(Service::AdultCommunity, 0.9, rng);
            maybe(Service::InpatientDetox, 0.35, rng);
            maybe(Service::CriminalJustice, 0.3, rng);
        }
        (_, Sector::LocalAuthority) => {
            maybe(Service::YoungPeople, 0.6, rng);
            maybe(Service::AdultCommunity, 0.5, rng);
        }
        (_, Sector::Private) => {
            maybe(Service::ResidentialRehab, 0.8, rng);
            maybe(Service::InpatientDetox, 0.3, rng);
            maybe(Service::AdultCommunity, 0.2, rng);
        }
    }
    if services.is_empty() {
        services.push(if org_type == OrgType::Lero {
            Service::RecoverySupport
        } else {
            Service::AdultCommunity
        });
    }
    services.sort();
    services
}

fn role_weights_for(
    org_type: OrgType,
    services: &[Service],
    size: f64,
    rng: &mut ChaCha8Rng,
) -> BTreeMap<Role, f64> {
    let base: &[(Role, f64)] = if org_type == OrgType::Lero {
        &[
            (Role::PeerSupportWorker, 0.55),
            (Role::ServiceManager, 0.15),
            (Role::AdminSupport, 0.1),
            (Role::DrugAlcoholWorker, 0.12),
            (Role::TherapistCounsellor, 0.08),
        ]
    } else {
        &[
            (Role::DrugAlcoholWorker, 0.35),
            (Role::CjDrugAlcoholWorker, 0.09),
            (Role::YpDrugAlcoholWorker, 0.045),
            (Role::PeerSupportWorker, 0.06),
            (Role::Nurse, 0.09),
            (Role::AddictionPsychiatrist, 0.011),
            (Role::OtherDoctor, 0.014),
            (Role::Psychologist, 0.013),
            (Role::AssistantPsychologist, 0.012),
            (Role::SocialWorker, 0.014),
            (Role::Pharmacist, 0.009),
            (Role::TherapistCounsellor, 0.066),
            (Role::ServiceManager, 0.1),
            (Role::AdminSupport, 0.13),
        ]
    };
    let has = |s: Service| services.contains(&s);
    let mut out = BTreeMap::new();
    for (role, weight) in base {
        let factor = match role {
            Role::YpDrugAlcoholWorker if !has(Service::YoungPeople) => 0.0,
            Role::CjDrugAlcoholWorker
                if !has(Service::CriminalJustice) && org_type != OrgType::Lero =>
            {
                0.0
            }
            Role::DrugAlcoholWorker
                if !has(Service::AdultCommunity) && org_type != OrgType::Lero =>
            {
                0.3
            }
            Role::Nurse | Role::AddictionPsychiatrist | Role::OtherDoctor
                if has(Service::InpatientDetox) =>
            {
                3.0
            }
            Role::TherapistCounsellor | Role::PeerSupportWorker
                if has(Service::ResidentialRehab) =>
            {
                2.5
            }
            // Small services rarely employ the scarcer professions directly.
            Role::AddictionPsychiatrist
            | Role::OtherDoctor
            | Role::Psychologist
            | Role::SocialWorker
            | Role::Pharmacist
            | Role::AssistantPsychologist
                if size < 0.8 && rng.random_bool(0.6) =>
            {
                0.0
            }
            _ => 1.0,
        };
        if factor > 0.0 {
            out.insert(*role, weight * factor * rng.random_range(0.6..1.4));
        }
    }
    out
}

/// Builds one year's files from the simulated organisations.
struct YearBuilder<'a> {
    year: u16,
    t: &'a YearTargets,
    scale: f64,
    las: Vec<(ReferenceLa, f64, f64, u64, u64)>,
}

impl<'a> YearBuilder<'a> {
    fn new(year: u16, t: &'a YearTargets, scale: u32, base: &[LaFacts]) -> YearBuilder<'a> {
        let growth = 1.006f64.powi(i32::from(year) - 2022);
        let mut rows: Vec<(ReferenceLa, f64, f64)> = Vec::new();
        for la in reference::local_authorities(year) {
            let (population, need) = base
                .iter()
                .find_map(|b| {
                    la_code_for_year(&b.la.la_code, year)
                        .into_iter()
                        .find(|(code, _)| *code == la.la_code)
                        .map(|(_, part)| (b.population * part, b.need))
                })
                .unwrap_or((150_000.0, 1.0));
            rows.push((la, (population * growth).round(), need));
        }
        let adults = largest_remainder(
            &rows.iter().map(|r| r.1 * r.2).collect::<Vec<_>>(),
            t.adults_in_treatment,
        );
        let young = largest_remainder(
            &rows.iter().map(|r| r.1 * r.2.sqrt()).collect::<Vec<_>>(),
            t.young_people_in_treatment,
        );
        let las = rows
            .into_iter()
            .zip(adults.into_iter().zip(young))
            .map(|((la, pop, need), (a, y))| (la, pop, need, a, y))
            .collect();
        YearBuilder {
            year,
            t,
            scale: f64::from(scale),
            las,
        }
    }

    fn build(&mut self, orgs: &[SimOrg], rng: &mut ChaCha8Rng) -> SampleCensus {
        let year = self.year;
        let active: Vec<&SimOrg> = orgs.iter().filter(|o| !o.left).collect();
        // Each org's size this year: persistent size with a little year-to-year movement.
        let mut wte_total: BTreeMap<&str, f64> = active
            .iter()
            .map(|o| (o.org_id.as_str(), o.size * rng.random_range(0.94..1.06)))
            .collect();
        self.scale_to_targets(&active, &mut wte_total);
        let matrix = self.role_matrix(&active, &wte_total);

        let problems = Problems::pick(year, &active, rng);
        let mut files = BTreeMap::new();
        files.insert("census.toml".into(), self.census_toml().into_bytes());
        files.insert("local_authorities.csv".into(), self.la_csv());
        let (workforce, headcounts) = self.workforce_csv(&active, &matrix, &problems, rng);
        files.insert("workforce.csv".into(), workforce);
        files.insert(
            "organisations.csv".into(),
            self.org_csv(&active, &headcounts, rng),
        );
        files.insert("service_areas.csv".into(), self.area_csv(&active));
        files.insert(
            "demographics.csv".into(),
            self.demographics_csv(&active, &headcounts, &problems, rng),
        );
        // The LAs return their plans as planning workbooks (no expansion_plans.csv), each
        // from its own generator, so that adding them changed no other file.
        files.extend(self.plan_workbooks());
        files.insert("continuity_of_care.csv".into(), self.continuity_csv());
        // Who was invited, from its own generator so that adding it changed no other file.
        files.insert(
            "expected_participants.csv".into(),
            self.expected_csv(orgs, &active),
        );
        // The ICB footprints, from their own generator so that adding them changed no other
        // file.
        files.insert("icb_lookup.csv".into(), self.icb_csv());
        SampleCensus { files }
    }

    /// `icb_lookup.csv`: a synthetic ICB geography built to look like the published LA to
    /// ICB lookup (SPEC §17), not the real one. In each NHS region the LAs, in hex-map order
    /// from north to south, are grouped into footprints of about four; at every seventh
    /// footprint's last LA the LA is split, 60% to it and 40% to the next footprint of the
    /// region. Codes run from E54900001; names are made from the first and last LA.
    fn icb_csv(&self) -> Vec<u8> {
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut n = 0u32;
        for region in Region::ALL {
            let mut las: Vec<&ReferenceLa> = self
                .las
                .iter()
                .map(|t| &t.0)
                .filter(|la| la.region == *region)
                .collect();
            las.sort_by(|a, b| {
                b.hex_r
                    .cmp(&a.hex_r)
                    .then(a.hex_q.cmp(&b.hex_q))
                    .then(a.la_code.cmp(&b.la_code))
            });
            if las.is_empty() {
                continue;
            }
            let groups = ((las.len() as f64) / 4.0).round().max(1.0) as usize;
            let chunks: Vec<&[&ReferenceLa]> = las.chunks(las.len().div_ceil(groups)).collect();
            let first = n + 1;
            let footprint = |i: usize| -> (String, String) {
                let chunk = chunks[i];
                let name = match chunk {
                    [only] => format!("NHS {} Integrated Care Board", only.la_name),
                    [a, .., b] => {
                        format!("NHS {} and {} Integrated Care Board", a.la_name, b.la_name)
                    }
                    [] => String::new(),
                };
                (format!("E54{:06}", 900_000 + first + i as u32), name)
            };
            for (i, chunk) in chunks.iter().enumerate() {
                n += 1;
                let (code, name) = footprint(i);
                for (j, la) in chunk.iter().enumerate() {
                    let split = j + 1 == chunk.len() && i + 1 < chunks.len() && n.is_multiple_of(7);
                    if split {
                        let (next_code, next_name) = footprint(i + 1);
                        rows.push(vec![
                            la.la_code.clone(),
                            code.clone(),
                            name.clone(),
                            "0.6".into(),
                        ]);
                        rows.push(vec![la.la_code.clone(), next_code, next_name, "0.4".into()]);
                    } else {
                        rows.push(vec![
                            la.la_code.clone(),
                            code.clone(),
                            name.clone(),
                            "1".into(),
                        ]);
                    }
                }
            }
        }
        csv_bytes(&["la_code", "icb_code", "icb_name", "share"], &rows)
    }

    /// `expected_participants.csv`: every organisation that returned, every one that returned
    /// in an earlier year and has since stopped, and invited providers and LEROs that never
    /// returned, so that about 85% of invited providers and LEROs return. Every LA's
    /// commissioning team is invited; one in about sixty does not return.
    fn expected_csv(&self, orgs: &[SimOrg], active: &[&SimOrg]) -> Vec<u8> {
        let mut rng =
            ChaCha8Rng::seed_from_u64(fnv("expected_participants") ^ u64::from(self.year));
        let contact = |name: &str| {
            let slug: String = name
                .to_lowercase()
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect::<String>()
                .split('-')
                .filter(|w| !w.is_empty())
                .take(3)
                .collect::<Vec<_>>()
                .join("-");
            format!("workforce.lead@{slug}.example.org")
        };
        let las_of = |org: &SimOrg| -> Vec<String> {
            match org.org_type {
                OrgType::Commissioner => org
                    .head_la
                    .as_deref()
                    .map(|c| vec![self.code_now(c)])
                    .unwrap_or_default(),
                _ => self.shares(org).into_iter().map(|(code, _)| code).collect(),
            }
        };
        let row = |id: &str,
                   name: &str,
                   org_type: OrgType,
                   sector: Sector,
                   region: Region,
                   las: Vec<String>| {
            vec![
                id.to_string(),
                name.to_string(),
                org_type.code().to_string(),
                sector.code().to_string(),
                region.label().to_string(),
                las.join(";"),
                contact(name),
            ]
        };
        let mut rows: Vec<Vec<String>> = active
            .iter()
            .map(|o| {
                row(
                    &o.org_id,
                    &o.org_name,
                    o.org_type,
                    o.sector,
                    o.region,
                    las_of(o),
                )
            })
            .collect();
        // Organisations that returned before and have stopped returning.
        let lapsed: Vec<&SimOrg> = orgs
            .iter()
            .filter(|o| o.left && o.org_type != OrgType::Commissioner)
            .collect();
        rows.extend(lapsed.iter().map(|o| {
            row(
                &o.org_id,
                &o.org_name,
                o.org_type,
                o.sector,
                o.region,
                las_of(o),
            )
        }));
        // Invited providers and LEROs that have never returned, to an 85% response.
        for (org_type, prefix, kind) in [
            (OrgType::Provider, "PX", "Community Recovery Service"),
            (OrgType::Lero, "LX", "Recovery Community"),
        ] {
            let returned = active.iter().filter(|o| o.org_type == org_type).count();
            let lapsed = lapsed.iter().filter(|o| o.org_type == org_type).count();
            let invited = (returned as f64 / 0.85).round() as usize;
            for i in 0..invited.saturating_sub(returned + lapsed) {
                let (la, ..) = &self.las[rng.random_range(0..self.las.len())];
                let sector = match org_type {
                    OrgType::Lero => Sector::Voluntary,
                    _ => Sector::ALL[rng.random_range(0..Sector::ALL.len())],
                };
                rows.push(row(
                    &format!("{prefix}{:03}", i + 1),
                    &format!("{} {kind}", la.la_name),
                    org_type,
                    sector,
                    la.region,
                    vec![la.la_code.clone()],
                ));
            }
        }
        // LAs whose commissioning team did not return this year.
        let commissioned: std::collections::BTreeSet<String> = active
            .iter()
            .filter(|o| o.org_type == OrgType::Commissioner)
            .flat_map(|o| las_of(o))
            .collect();
        for (i, (la, ..)) in self
            .las
            .iter()
            .filter(|(la, ..)| !commissioned.contains(&la.la_code))
            .enumerate()
        {
            rows.push(row(
                &format!("CX{:03}", i + 1),
                &format!("{} Council commissioning", la.la_name),
                OrgType::Commissioner,
                Sector::LocalAuthority,
                la.region,
                vec![la.la_code.clone()],
            ));
        }
        csv_bytes(
            &[
                "org_id",
                "org_name",
                "org_type",
                "sector",
                "nhs_region",
                "la_codes",
                "contact",
            ],
            &rows,
        )
    }

    fn census_toml(&self) -> String {
        format!(
            "# Synthetic census generated by `census-reports sample`; every name is invented.\nyear = {y}\nsnapshot_date = \"{y}-06-30\"\npublished = \"{y}-11-28\"\ntitle = \"Drug and alcohol treatment and recovery workforce census {y}\"\npublisher = \"National drug and alcohol workforce team (synthetic sample)\"\ncontact = \"workforce.census@example.org\"\nicb_lookup_source = \"a synthetic ICB geography made by census-reports sample to look like the published ONS lookup of local authorities to ICBs; not the real footprints\"\n",
            y = self.year
        )
    }

    fn scale_to_targets(&self, active: &[&SimOrg], wte: &mut BTreeMap<&str, f64>) {
        let t = self.t;
        // Groups: commissioners, LEROs, then providers by sector in `Sector::ALL` order.
        let group = |o: &SimOrg| match o.org_type {
            OrgType::Commissioner => 0,
            OrgType::Lero => 1,
            OrgType::Provider => 2 + Sector::ALL.iter().position(|s| *s == o.sector).unwrap_or(0),
        };
        let mut targets = vec![t.commissioning_wte, t.lero_wte * self.scale];
        targets.extend(
            t.sector_share
                .iter()
                .map(|share| t.provider_wte * share * self.scale),
        );
        let mut sums = vec![0.0; targets.len()];
        for org in active {
            sums[group(org)] += wte[org.org_id.as_str()];
        }
        for org in active {
            let g = group(org);
            if sums[g] > 0.0 {
                if let Some(size) = wte.get_mut(org.org_id.as_str()) {
                    *size *= targets[g] / sums[g];
                }
            }
        }
    }

    /// Provider WTE by role, fitted so rows keep each org's size and columns hit the national
    /// role totals (iterative proportional fitting); LEROs and commissioners keep their mix.
    fn role_matrix(
        &self,
        active: &[&SimOrg],
        wte: &BTreeMap<&str, f64>,
    ) -> BTreeMap<String, BTreeMap<Role, f64>> {
        let mut matrix: BTreeMap<String, BTreeMap<Role, f64>> = BTreeMap::new();
        for org in active {
            let total_weight: f64 = org.role_weights.values().sum();
            let size = wte[org.org_id.as_str()];
            let row = org
                .role_weights
                .iter()
                .map(|(r, w)| (*r, w / total_weight * size))
                .collect();
            matrix.insert(org.org_id.clone(), row);
        }
        let providers: Vec<&str> = active
            .iter()
            .filter(|o| o.org_type == OrgType::Provider)
            .map(|o| o.org_id.as_str())
            .collect();
        for _ in 0..30 {
            for (i, role) in DELIVERY_ROLES.iter().enumerate() {
                let sum: f64 = providers
                    .iter()
                    .filter_map(|id| matrix[*id].get(role))
                    .sum();
                if sum > 0.0 {
                    let factor = self.t.role_wte[i] * self.scale / sum;
                    for id in &providers {
                        if let Some(v) = matrix.get_mut(*id).and_then(|row| row.get_mut(role)) {
                            *v *= factor;
                        }
                    }
                }
            }
            for id in &providers {
                let row = matrix.get_mut(*id).expect("provider row");
                let sum: f64 = row.values().sum();
                for v in row.values_mut() {
                    *v *= wte[id] / sum;
                }
            }
        }
        matrix
    }

    fn la_csv(&self) -> Vec<u8> {
        let rows: Vec<Vec<String>> = self
            .las
            .iter()
            .map(|(la, pop, _, adults, young)| {
                vec![
                    la.la_code.clone(),
                    la.la_name.clone(),
                    la.region.label().to_string(),
                    format!("{pop}"),
                    adults.to_string(),
                    young.to_string(),
                ]
            })
            .collect();
        csv_bytes(
            &[
                "la_code",
                "la_name",
                "nhs_region",
                "population_18plus",
                "adults_in_treatment",
                "young_people_in_treatment",
            ],
            &rows,
        )
    }

    fn org_csv(
        &self,
        active: &[&SimOrg],
        headcounts: &BTreeMap<String, u32>,
        rng: &mut ChaCha8Rng,
    ) -> Vec<u8> {
        let mut total_people = 0.0;
        let mut weights = Vec::new();
        for org in active {
            let people = f64::from(headcounts.get(&org.org_id).copied().unwrap_or(0));
            total_people += people;
            let w = match org.org_type {
                OrgType::Commissioner => 0.0,
                OrgType::Lero => people * 3.0 * rng.random_range(0.5..1.5),
                OrgType::Provider => people * rng.random_range(0.3..1.7),
            };
            weights.push(w);
        }
        let share = self.t.volunteer_share;
        let volunteers = largest_remainder(
            &weights,
            (total_people * share / (1.0 - share)).round() as u64,
        );
        let rows: Vec<Vec<String>> = active
            .iter()
            .zip(volunteers)
            .map(|(org, volunteers)| {
                let head = org
                    .head_la
                    .as_deref()
                    .map(|c| self.code_now(c))
                    .unwrap_or_default();
                let services: Vec<&str> = org.services.iter().map(|s| s.code()).collect();
                vec![
                    org.org_id.clone(),
                    org.org_name.clone(),
                    org.org_type.code().into(),
                    org.sector.code().into(),
                    org.region.label().into(),
                    head,
                    services.join(";"),
                    volunteers.to_string(),
                ]
            })
            .collect();
        csv_bytes(
            &[
                "org_id",
                "org_name",
                "org_type",
                "sector",
                "nhs_region",
                "la_code",
                "services",
                "volunteers_headcount",
            ],
            &rows,
        )
    }

    /// An LA code as it stands this year (the first successor where an LA was split).
    fn code_now(&self, code_2022: &str) -> String {
        if self.las.iter().any(|l| l.0.la_code == code_2022) {
            return code_2022.to_string();
        }
        la_code_for_year(code_2022, self.year)
            .into_iter()
            .next()
            .map(|c| c.0)
            .unwrap_or_default()
    }

    fn shares(&self, org: &SimOrg) -> Vec<(String, f64)> {
        let mut weights: BTreeMap<String, f64> = BTreeMap::new();
        for (code, w) in &org.areas {
            for (code, part) in la_code_for_year(code, self.year) {
                *weights.entry(code).or_default() += w * part;
            }
        }
        let total: f64 = weights.values().sum();
        let mut out: Vec<(String, f64)> = weights
            .into_iter()
            .map(|(c, w)| (c, (w / total * 1000.0).round() / 1000.0))
            .collect();
        // Rounding must not leave the shares off 1: the largest absorbs the remainder.
        let sum: f64 = out.iter().map(|s| s.1).sum();
        if let Some(largest) = out.iter_mut().max_by(|a, b| a.1.total_cmp(&b.1)) {
            largest.1 = ((largest.1 + 1.0 - sum) * 1000.0).round() / 1000.0;
        }
        out
    }

    fn area_csv(&self, active: &[&SimOrg]) -> Vec<u8> {
        let mut rows = Vec::new();
        for org in active
            .iter()
            .filter(|o| o.org_type != OrgType::Commissioner)
        {
            for (code, share) in self.shares(org) {
                rows.push(vec![org.org_id.clone(), code, format!("{share:.3}")]);
            }
        }
        csv_bytes(&["org_id", "la_code", "wte_share"], &rows)
    }

    fn workforce_csv(
        &self,
        active: &[&SimOrg],
        matrix: &BTreeMap<String, BTreeMap<Role, f64>>,
        problems: &Problems,
        rng: &mut ChaCha8Rng,
    ) -> (Vec<u8>, BTreeMap<String, u32>) {
        let t = self.t;
        let mut rows = Vec::new();
        let mut headcounts = BTreeMap::new();
        for org in active {
            let mut org_headcount = 0;
            let grow = if problems.doubled.as_deref() == Some(org.org_id.as_str()) {
                1.8
            } else {
                1.0
            };
            for (role, value) in &matrix[&org.org_id] {
                let wte = (value * grow * 10.0).round() / 10.0;
                if wte < 0.1 {
                    continue;
                }
                let fte = match role {
                    Role::AddictionPsychiatrist | Role::OtherDoctor => rng.random_range(0.55..0.8),
                    Role::PeerSupportWorker | Role::AdminSupport => rng.random_range(0.7..0.9),
                    _ => rng.random_range(0.8..0.95),
                };
                let mut headcount = ((wte / fte).ceil() as u32).max(1);
                let key = (org.org_id.as_str(), *role);
                if problems.wte_over_headcount_warning == Some(key) {
                    headcount = ((wte / 1.2).ceil() as u32).max(1);
                }
                if problems.wte_over_headcount_error == Some(key) {
                    headcount = ((wte / 2.0).floor() as u32).max(1);
                }
                let vacancy = if org.org_type == OrgType::Commissioner {
                    t.commissioning_vacancy
                } else {
                    t.delivery_vacancy
                };
                let mut vacant =
                    (wte * vacancy / (1.0 - vacancy) * rng.random_range(0.0..2.0) * 10.0).round()
                        / 10.0;
                if problems.high_vacancy.as_deref() == Some(org.org_id.as_str()) {
                    vacant = (wte * 1.3 * 10.0).round() / 10.0;
                }
                let agency = if rng.random_bool(0.25) {
                    (wte * rng.random_range(0.02..0.15) * 10.0).round() / 10.0
                } else {
                    0.0
                };
                let leavers =
                    (f64::from(headcount) * t.turnover * rng.random_range(0.5..1.5)).round();
                let starters =
                    (f64::from(headcount) * (t.turnover + t.growth) * rng.random_range(0.5..1.5))
                        .round();
                let per_wte = match role {
                    Role::DrugAlcoholWorker => Some(42.0),
                    Role::CjDrugAlcoholWorker => Some(35.0),
                    Role::YpDrugAlcoholWorker => Some(16.0),
                    Role::Nurse if org.services.contains(&Service::AdultCommunity) => Some(25.0),
                    Role::SocialWorker => Some(20.0),
                    _ => None,
                };
                let mut caseload = per_wte.map(|p| (p * wte * rng.random_range(0.8..1.2)).round());
                if problems.caseload_outlier == Some(key) {
                    caseload = caseload.map(|c| c * 6.0);
                }
                org_headcount += headcount;
                let mut row = vec![
                    org.org_id.clone(),
                    role.code().to_string(),
                    headcount.to_string(),
                    format!("{wte:.1}"),
                    format!("{vacant:.1}"),
                    format!("{agency:.1}"),
                    format!("{leavers}"),
                    format!("{starters}"),
                    caseload.map(|c| format!("{c}")).unwrap_or_default(),
                ];
                if problems.extra_column {
                    row.push(String::new());
                }
                rows.push(row);
            }
            headcounts.insert(org.org_id.clone(), org_headcount);
        }
        let mut header = vec![
            "org_id",
            "role",
            "headcount",
            "wte_in_post",
            "wte_vacant",
            "wte_agency",
            "leavers_12m",
            "starters_12m",
            "caseload",
        ];
        if problems.extra_column {
            header.push("notes");
        }
        (csv_bytes(&header, &rows), headcounts)
    }

    fn demographics_csv(
        &self,
        active: &[&SimOrg],
        headcounts: &BTreeMap<String, u32>,
        problems: &Problems,
        rng: &mut ChaCha8Rng,
    ) -> Vec<u8> {
        let mut rows = Vec::new();
        for org in active {
            let headcount = headcounts.get(&org.org_id).copied().unwrap_or(0);
            if headcount == 0 {
                continue;
            }
            let mut own_rng =
                ChaCha8Rng::seed_from_u64(0x656d_706c ^ fnv(&org.org_id) ^ u64::from(self.year));
            for dimension in Dimension::ALL {
                if problems
                    .missing_dimension
                    .as_ref()
                    .is_some_and(|(id, d)| id == &org.org_id && d == dimension)
                {
                    continue;
                }
                let profile = demographic_profile(*dimension, org, self.year);
                // The employment dimensions (SPEC §12) draw from the organisation's own
                // generator, so adding them left every other figure of the sample as it was.
                let weights: Vec<f64> = match dimension.family() {
                    DimensionFamily::Diversity => profile
                        .iter()
                        .map(|p| p * rng.random_range(0.6..1.4))
                        .collect(),
                    DimensionFamily::Employment => profile
                        .iter()
                        .map(|p| p * own_rng.random_range(0.6..1.4))
                        .collect(),
                };
                let mut total = u64::from(headcount);
                if problems.demographic_mismatch.contains(&org.org_id)
                    && *dimension == Dimension::Gender
                {
                    total += 2;
                }
                let counts = largest_remainder(&weights, total);
                for ((code, _), count) in dimension.categories().iter().zip(counts) {
                    if count > 0 {
                        rows.push(vec![
                            org.org_id.clone(),
                            dimension.code().into(),
                            (*code).into(),
                            count.to_string(),
                        ]);
                    }
                }
            }
        }
        csv_bytes(&["org_id", "dimension", "category", "headcount"], &rows)
    }

    /// Each LA's planning workbook: posts by the template's categories for 2021-22 (the
    /// baseline) to 2024-25, set in 2022 against the 2022 workforce, and its planned
    /// continuity of care. The same LA gets the same plan in every year's folder. A few carry
    /// the data-quality problems the checks find.
    fn plan_workbooks(&self) -> Vec<(String, Vec<u8>)> {
        use crate::domain::PlanCategory::{self, *};
        use crate::input::plans::LaPlan;
        // Share of the LA's 2022 provider WTE, and yearly growth planned.
        let categories: [(PlanCategory, f64, f64); 13] = [
            (SocialWorkers, 0.015, 0.05),
            (Pharmacists, 0.01, 0.05),
            (Nurses, 0.09, 0.06),
            (AddictionPsychiatrists, 0.012, 0.06),
            (OtherDoctors, 0.013, 0.05),
            (ConsultantPsychologists, 0.008, 0.07),
            (PractitionerPsychologists, 0.012, 0.07),
            (AssistantPsychologists, 0.005, 0.07),
            (DrugAlcoholWorkers, 0.49, 0.09),
            (CjDrugAlcoholWorkers, 0.12, 0.09),
            (YpDrugAlcoholWorkers, 0.08, 0.08),
            (ServiceManagers, 0.05, 0.03),
            (Commissioners, 0.0, 0.05),
        ];
        let total_adults: f64 = self.las.iter().map(|l| l.3 as f64).sum::<f64>().max(1.0);
        let provider_wte = targets(2022).map_or(0.0, |t| t.provider_wte) * self.scale;
        let published = Date::parse(&format!("{}-11-28", self.year)).unwrap_or(Date {
            year: i32::from(self.year),
            month: 11,
            day: 28,
        });
        let quarter = |x: f64| (x * 4.0).round() / 4.0;
        let mut out = Vec::new();
        for (i, (la, _, _, adults, _)) in self.las.iter().enumerate() {
            let mut rng = ChaCha8Rng::seed_from_u64(0x706c_616e ^ fnv(&la.la_code));
            let la_wte = provider_wte * (*adults as f64) / total_adults;
            let mut plan = LaPlan::default();
            for (category, share, growth) in categories {
                let baseline = match category {
                    Commissioners => rng.random_range(2.0..5.0),
                    _ => la_wte * share * rng.random_range(0.8..1.2) / 1.1,
                };
                let ambition: f64 = growth * rng.random_range(0.5..1.5);
                for (y, start) in (2021u16..=2024).enumerate() {
                    let planned = quarter(baseline * (1.0 + ambition).powi(y as i32));
                    plan.posts.insert((category, start), planned);
                }
            }
            // The other drug and alcohol workers are what the two named subsets leave.
            for start in 2021u16..=2024 {
                let total = plan.posts[&(DrugAlcoholWorkers, start)];
                let named = plan.posts[&(CjDrugAlcoholWorkers, start)]
                    + plan.posts[&(YpDrugAlcoholWorkers, start)];
                plan.posts
                    .insert((OtherDrugAlcoholWorkers, start), (total - named).max(0.0));
            }
            // From about 37% towards the ambition of 75% (most LAs plan to reach it).
            let baseline: f64 = (37.0 + rng.random_range(-9.0..9.0_f64)).round();
            let target: f64 = if rng.random_bool(0.7) {
                75.0
            } else {
                rng.random_range(55.0..74.0_f64).round()
            };
            for (y, start) in (2021u16..=2024).enumerate() {
                let percent = baseline + (target - baseline) * y as f64 / 3.0;
                plan.continuity.insert(start, percent.round());
            }
            // Data-quality problems in a few workbooks, every year the same LAs.
            match i % 50 {
                7 => {
                    plan.posts
                        .insert((Nurses, 2023), quarter(plan.posts[&(Nurses, 2023)]) + 0.1);
                }
                19 => {
                    let total = plan.posts[&(DrugAlcoholWorkers, 2024)];
                    plan.posts.insert((CjDrugAlcoholWorkers, 2024), total);
                }
                31 => {
                    plan.continuity.insert(2024, 750.0);
                }
                _ => {}
            }
            let bytes = crate::input::plans::template_workbook(
                Some(&plan),
                Some((&la.la_code, &la.la_name)),
                published,
            )
            .unwrap_or_default();
            out.push((
                format!("{}/{}.xlsx", crate::input::plans::PLANS_DIR, la.la_code),
                bytes,
            ));
        }
        out
    }

    /// The actual continuity of care for prison leavers (PHOF C20) by LA, for each year up to
    /// the census's plan year: about 37% nationally in 2021-22, rising a few points a year.
    fn continuity_csv(&self) -> Vec<u8> {
        let last = crate::input::census::PlanYear::for_census(self.year).start;
        let mut rows = Vec::new();
        for (la, _, _, _, _) in &self.las {
            let mut rng = ChaCha8Rng::seed_from_u64(0x6332_3020 ^ fnv(&la.la_code));
            let mut percent: f64 = 37.0 + rng.random_range(-10.0..10.0_f64);
            for start in 2021u16..=last {
                rows.push(vec![
                    la.la_code.clone(),
                    format!("{start}-{:02}", (start + 1) % 100),
                    format!("{:.1}", percent.clamp(5.0, 95.0)),
                ]);
                percent += rng.random_range(0.0..7.0_f64);
            }
        }
        csv_bytes(&["la_code", "year", "percent"], &rows)
    }
}

/// Expected shares of an organisation's people by category, `not_known` last. The
/// employment dimensions are calibrated to the published censuses: 84% permanent and 69%
/// full time in 2022; almost 40% in post under a year in 2024, after two years of growth.
fn demographic_profile(dimension: Dimension, org: &SimOrg, year: u16) -> Vec<f64> {
    let lero = org.org_type == OrgType::Lero;
    match dimension {
        Dimension::Contract => match year {
            2022 => vec![0.815, 0.105, 0.05, 0.03],
            2023 => vec![0.795, 0.125, 0.05, 0.03],
            _ => vec![0.785, 0.135, 0.05, 0.03],
        },
        Dimension::WorkingPattern if lero => vec![0.45, 0.52, 0.03],
        Dimension::WorkingPattern => vec![0.675, 0.295, 0.03],
        Dimension::LengthOfService => match year {
            2022 => vec![0.26, 0.19, 0.25, 0.16, 0.11, 0.03],
            2023 => vec![0.33, 0.19, 0.22, 0.13, 0.10, 0.03],
            _ => vec![0.38, 0.19, 0.20, 0.12, 0.08, 0.03],
        },
        Dimension::AgeBand => vec![0.06, 0.22, 0.25, 0.24, 0.16, 0.03, 0.04],
        Dimension::Gender => vec![0.63, 0.33, 0.01, 0.03],
        Dimension::Ethnicity if org.region == Region::London => {
            vec![0.12, 0.15, 0.05, 0.6, 0.03, 0.05]
        }
        Dimension::Ethnicity => vec![0.045, 0.035, 0.025, 0.84, 0.01, 0.045],
        Dimension::Disability => vec![0.09, 0.78, 0.13],
        Dimension::LivedExperience if lero => vec![0.85, 0.1, 0.05],
        Dimension::LivedExperience => vec![0.4, 0.4, 0.2],
    }
}

/// The deliberate data-quality problems planted in a year.
#[derive(Debug, Default)]
struct Problems<'a> {
    demographic_mismatch: Vec<String>,
    missing_dimension: Option<(String, Dimension)>,
    high_vacancy: Option<String>,
    wte_over_headcount_warning: Option<(&'a str, Role)>,
    wte_over_headcount_error: Option<(&'a str, Role)>,
    caseload_outlier: Option<(&'a str, Role)>,
    doubled: Option<String>,
    extra_column: bool,
}

impl<'a> Problems<'a> {
    fn pick(year: u16, active: &[&'a SimOrg], rng: &mut ChaCha8Rng) -> Problems<'a> {
        let providers: Vec<&SimOrg> = active
            .iter()
            .copied()
            .filter(|o| {
                o.org_type == OrgType::Provider
                    && o.size > 1.0
                    && o.role_weights.contains_key(&Role::DrugAlcoholWorker)
            })
            .collect();
        let mut pick = || providers[rng.random_range(0..providers.len())];
        let mut problems = Problems {
            demographic_mismatch: vec![pick().org_id.clone(), pick().org_id.clone()],
            high_vacancy: Some(pick().org_id.clone()),
            wte_over_headcount_warning: Some((pick().org_id.as_str(), Role::DrugAlcoholWorker)),
            caseload_outlier: Some((pick().org_id.as_str(), Role::DrugAlcoholWorker)),
            ..Problems::default()
        };
        match year {
            2022 => {
                problems.missing_dimension = Some((pick().org_id.clone(), Dimension::Disability))
            }
            2023 => {
                problems.wte_over_headcount_error =
                    Some((pick().org_id.as_str(), Role::DrugAlcoholWorker));
                problems.extra_column = true;
            }
            _ => problems.doubled = Some(pick().org_id.clone()),
        }
        problems
    }
}

/// Integer counts proportional to `weights` that add up to exactly `total`.
fn largest_remainder(weights: &[f64], total: u64) -> Vec<u64> {
    let sum: f64 = weights.iter().sum();
    if sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let exact: Vec<f64> = weights.iter().map(|w| w / sum * total as f64).collect();
    let mut counts: Vec<u64> = exact.iter().map(|e| e.floor() as u64).collect();
    let assigned: u64 = counts.iter().sum();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|a, b| {
        (exact[*b] - exact[*b].floor())
            .total_cmp(&(exact[*a] - exact[*a].floor()))
            .then(a.cmp(b))
    });
    for i in order
        .into_iter()
        .take((total - assigned.min(total)) as usize)
    {
        counts[i] += 1;
    }
    counts
}

fn pick_weighted<T: Copy>(rng: &mut ChaCha8Rng, options: &[(T, f64)]) -> T {
    let total: f64 = options.iter().map(|o| o.1).sum();
    let mut x = rng.random::<f64>() * total;
    for (value, weight) in options {
        if x < *weight {
            return *value;
        }
        x -= weight;
    }
    options[options.len() - 1].0
}

/// A log-normal factor with median 1, by Box–Muller so that no distribution crate is needed.
fn lognormal(rng: &mut ChaCha8Rng, sigma: f64) -> f64 {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    let normal = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    (sigma * normal).exp()
}

fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn largest_remainder_hits_the_total() {
        assert_eq!(largest_remainder(&[1.0, 1.0, 1.0], 10), vec![4, 3, 3]);
        assert_eq!(largest_remainder(&[0.0, 0.0], 5), vec![0, 0]);
        assert_eq!(largest_remainder(&[2.0, 1.0], 3).iter().sum::<u64>(), 3);
    }

    #[test]
    fn years_without_targets_are_refused() {
        let options = SampleOptions {
            year: 2021,
            seed: 1,
            scale: 1,
        };
        assert!(matches!(
            generate(&options),
            Err(SampleError::UnsupportedYear(2021))
        ));
    }
}
