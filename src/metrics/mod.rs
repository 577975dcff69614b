//! Stage 3: every figure of SPEC §4 for every organisation, LA, region and England, with
//! peer distributions, diversity under disclosure control, trends across the years present
//! and the MDT calculator. Organisations blocked by validation errors are left out of every
//! figure (and listed).

pub mod breakdown;
pub mod catalogue;
pub mod comparison;
pub mod diversity;
pub mod estimate;
pub mod export;
mod fact;
pub mod mdt;
pub mod participation;
pub mod parts;
pub mod totals;

use crate::domain::{OrgType, Region, Role, RoleGroup, Sector, StrategyGroup};
use crate::input::census::{Census, PlanYear};
use crate::input::reference;
use crate::stats::{quantile_sorted, ratio, sorted_finite};
pub use catalogue::MeasureId;
use diversity::DiversityCounts;
use mdt::{Assumptions, MdtLine, MDT_GROUPS};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
pub use totals::Totals;

#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    #[error("aggregating the workforce table failed: {0}")]
    Polars(#[from] polars::error::PolarsError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Provider,
    Lero,
    Commissioner,
    La,
    /// An integrated care board's footprint, from the census year's ICB lookup (SPEC §17).
    Icb,
    Region,
    England,
}

impl EntityKind {
    pub fn code(self) -> &'static str {
        match self {
            EntityKind::Provider => "provider",
            EntityKind::Lero => "lero",
            EntityKind::Commissioner => "commissioner",
            EntityKind::La => "la",
            EntityKind::Icb => "icb",
            EntityKind::Region => "region",
            EntityKind::England => "england",
        }
    }

    /// The unit's peer group in words: "providers", "local authorities".
    pub fn peers_label(self) -> &'static str {
        match self {
            EntityKind::Provider => "providers",
            EntityKind::Lero => "lived experience recovery organisations",
            EntityKind::Commissioner => "commissioning teams",
            EntityKind::La => "local authorities",
            EntityKind::Icb => "integrated care boards",
            EntityKind::Region => "regions",
            EntityKind::England => "England",
        }
    }

    /// One of the unit's peers in words: "provider", "local authority".
    pub fn peer_label(self) -> &'static str {
        match self {
            EntityKind::Provider => "provider",
            EntityKind::Lero => "lived experience recovery organisation",
            EntityKind::Commissioner => "commissioning team",
            EntityKind::La => "local authority",
            EntityKind::Icb => "integrated care board",
            EntityKind::Region => "region",
            EntityKind::England => "England",
        }
    }

    pub fn of_org(org_type: OrgType) -> EntityKind {
        match org_type {
            OrgType::Provider => EntityKind::Provider,
            OrgType::Lero => EntityKind::Lero,
            OrgType::Commissioner => EntityKind::Commissioner,
        }
    }
}

/// One reporting unit's figures: an organisation, an LA, a region or England.
#[derive(Debug, Clone, Serialize)]
pub struct Unit {
    pub kind: EntityKind,
    pub id: String,
    pub name: String,
    pub region: Option<Region>,
    pub sector: Option<Sector>,
    /// For an LA: the attributed delivery workforce (commissioning apart). For regions and
    /// England: everyone, commissioning teams included.
    pub totals: Totals,
    pub by_role: BTreeMap<Role, Totals>,
    pub volunteers: f64,
    /// Provider and LERO WTE by organisation type and sector.
    pub by_sector: BTreeMap<(OrgType, Sector), f64>,
    pub diversity: DiversityCounts,
    /// LA, region and England only.
    pub area: Option<AreaFigures>,
}

impl Unit {
    pub fn wte_by_group(&self) -> BTreeMap<RoleGroup, f64> {
        let mut out = BTreeMap::new();
        for (role, t) in &self.by_role {
            *out.entry(role.group()).or_insert(0.0) += t.wte;
        }
        out
    }

    /// Every figure of a role group's roles, summed.
    pub fn group_totals(&self, group: RoleGroup) -> Totals {
        Totals::sum(
            self.by_role
                .iter()
                .filter(|(r, _)| r.group() == group)
                .map(|(_, t)| t),
        )
    }

    /// A category's share of the people whose answer is known, under disclosure control
    /// (None where withheld or where nobody answered).
    pub fn known_share(&self, dimension: crate::domain::Dimension, category: &str) -> Option<f64> {
        self.diversity_cell(dimension, category)?.share
    }

    /// A category's people and the people whose answer is known, where its share is shown
    /// (not withheld by disclosure control).
    pub fn known_counts(
        &self,
        dimension: crate::domain::Dimension,
        category: &str,
    ) -> Option<(f64, f64)> {
        let cell = self.diversity_cell(dimension, category)?;
        cell.share?;
        Some((cell.count? as f64, cell.of as f64))
    }

    /// One category's cell of the unit's diversity, after disclosure control.
    fn diversity_cell(
        &self,
        dimension: crate::domain::Dimension,
        category: &str,
    ) -> Option<diversity::Cell> {
        diversity::view(&self.diversity, self.totals.headcount)
            .dimensions
            .into_iter()
            .find(|d| d.dimension == dimension)?
            .cells
            .into_iter()
            .find(|c| c.category == category)
    }

    pub fn group_wte(&self, group: RoleGroup) -> f64 {
        self.by_role
            .iter()
            .filter(|(r, _)| r.group() == group)
            .map(|(_, t)| t.wte)
            .sum()
    }

    /// Which of the seven MDT disciplines have any WTE in post.
    pub fn mdt_present(&self) -> Vec<(RoleGroup, bool)> {
        MDT_GROUPS
            .iter()
            .map(|g| (*g, self.group_wte(*g) > 0.0))
            .collect()
    }

    pub fn mdt_coverage(&self) -> usize {
        self.mdt_present().iter().filter(|p| p.1).count()
    }

    /// Provider and LERO WTE in one sector.
    pub fn sector_wte(&self, sector: Sector) -> f64 {
        self.by_sector
            .iter()
            .filter(|((_, s), _)| *s == sector)
            .map(|(_, w)| w)
            .sum()
    }

    pub fn strategy_wte(&self, group: StrategyGroup) -> f64 {
        self.by_role
            .iter()
            .filter(|(r, _)| r.group().strategy_group() == Some(group))
            .map(|(_, t)| t.wte)
            .sum()
    }
}

/// Figures for a geographical unit.
#[derive(Debug, Clone, Serialize)]
pub struct AreaFigures {
    pub population_18plus: f64,
    pub adults_in_treatment: f64,
    pub young_people_in_treatment: f64,
    /// Providers and LEROs, apportioned (an LA's attributed_wte).
    pub attributed_wte: f64,
    pub commissioning_wte: f64,
    /// LAs only: the organisations that serve it, largest share of their WTE first.
    pub serving: Vec<ServingOrg>,
    /// LAs only: the org_ids of its commissioning teams, blocked ones included.
    pub commissioners: Vec<String>,
    /// LAs only: plan for the census year against actual attributed WTE, by role group.
    pub expansion: Vec<ExpansionLine>,
    pub mdt: Vec<MdtLine>,
    /// LAs in a region; regions in England.
    pub members: Vec<String>,
    /// LAs only: the planning workbook's posts by the template's categories and year,
    /// against the census actual.
    pub plan: Vec<CategoryPlan>,
    /// LAs only: planned (workbook) and actual (continuity_of_care.csv) continuity of care.
    pub continuity: Continuity,
    /// LAs, regions and England: planned growth from 2021-22 to 2024-25 by strategy group,
    /// over the planning workbook's categories (their subsets apart).
    pub planned_growth: BTreeMap<StrategyGroup, f64>,
    /// Regions and England: (LAs planning continuity of care of at least the national
    /// ambition, 75%, for 2024-25; LAs with a plan for 2024-25).
    pub continuity_ambition: Option<(usize, usize)>,
    /// Regions and England: the workforce by setting and role, caseloads by role, the
    /// commissioning teams.
    pub breakdown: Option<breakdown::Breakdown>,
}

/// One category of an LA's planning workbook.
#[derive(Debug, Clone, Serialize)]
pub struct CategoryPlan {
    pub category: crate::domain::PlanCategory,
    /// Planned FTE by financial year (2021-22 is the baseline).
    pub planned: BTreeMap<crate::input::census::PlanYear, f64>,
    /// The census WTE of the category's roles (attributed to the LA; its commissioning team
    /// for the commissioners' row).
    pub actual_wte: f64,
    /// Actual WTE as a share of the posts planned for the census's plan year.
    pub achieved_share: Option<f64>,
    /// Actual WTE less the posts planned for the census's plan year.
    pub gap_wte: Option<f64>,
}

impl CategoryPlan {
    fn new(
        category: crate::domain::PlanCategory,
        planned: BTreeMap<PlanYear, f64>,
        actual_wte: f64,
        plan_year: PlanYear,
    ) -> CategoryPlan {
        let now = planned.get(&plan_year).copied();
        CategoryPlan {
            category,
            achieved_share: now.and_then(|p| ratio(actual_wte, p)),
            gap_wte: now.map(|p| actual_wte - p),
            planned,
            actual_wte,
        }
    }

    /// Planned growth from the 2021-22 baseline to 2024-25 (a year not planned counts as 0).
    pub fn planned_growth(&self) -> f64 {
        let at = |start: u16| {
            self.planned
                .get(&PlanYear { start })
                .copied()
                .unwrap_or(0.0)
        };
        at(PlanYear::LAST) - at(PlanYear::FIRST)
    }
}

/// Continuity of care for prison leavers, in percent by financial year.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Continuity {
    pub planned: BTreeMap<crate::input::census::PlanYear, f64>,
    pub actual: BTreeMap<crate::input::census::PlanYear, f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServingOrg {
    pub org_id: String,
    pub org_name: String,
    pub org_type: OrgType,
    pub share: f64,
    pub attributed_wte: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExpansionLine {
    pub category: RoleGroup,
    pub baseline_fte: Option<f64>,
    pub planned_fte: f64,
    pub actual_wte: f64,
}

/// The spread of one metric across a peer group. The values are anonymous.
#[derive(Debug, Clone, Serialize)]
pub struct Distribution {
    pub values: Vec<f64>,
    pub min: f64,
    pub q1: f64,
    pub median: f64,
    pub q3: f64,
    pub max: f64,
}

impl Distribution {
    pub fn of(values: impl IntoIterator<Item = f64>) -> Option<Distribution> {
        let values = sorted_finite(values);
        Some(Distribution {
            min: *values.first()?,
            max: *values.last()?,
            q1: quantile_sorted(&values, 0.25)?,
            median: quantile_sorted(&values, 0.5)?,
            q3: quantile_sorted(&values, 0.75)?,
            values,
        })
    }

    /// The five summary statistics by their export names.
    pub fn statistics(&self) -> [(&'static str, f64); 5] {
        [
            ("min", self.min),
            ("q1", self.q1),
            ("median", self.median),
            ("q3", self.q3),
            ("max", self.max),
        ]
    }

    /// 1 = highest value; ties share the better rank.
    pub fn rank(&self, value: f64) -> usize {
        1 + self.values.iter().filter(|v| **v > value).count()
    }

    /// 1 = the lowest quarter of peers … 4 = the highest.
    pub fn quartile(&self, value: f64) -> u8 {
        if value <= self.q1 {
            1
        } else if value <= self.median {
            2
        } else if value <= self.q3 {
            3
        } else {
            4
        }
    }
}

/// One census year's figures.
#[derive(Debug, Clone, Serialize)]
pub struct YearMetrics {
    pub year: u16,
    pub title: String,
    pub units: BTreeMap<(EntityKind, String), Unit>,
    /// Peer distributions by peer group and measure (the catalogue's `peers` measures).
    pub peers: BTreeMap<(EntityKind, MeasureId), Distribution>,
    /// Organisations left out because validation found errors: (id, name).
    pub blocked: Vec<(String, String)>,
    /// Each peer group's people counted and people in the denominator, summed over its
    /// units, for every measure with intervals: the overall rate its units are compared with.
    pub overall: BTreeMap<(EntityKind, MeasureId), (f64, f64)>,
    /// Returns (organisations with rows in the census files, blocked ones included) by
    /// region and type: the "data submissions" the reports count.
    pub returns: BTreeMap<(Region, OrgType), usize>,
    /// The ICB lookup's usable rows (SPEC §17); empty without one.
    pub icb_lookup: Vec<crate::input::census::IcbShare>,
}

impl YearMetrics {
    pub fn unit(&self, kind: EntityKind, id: &str) -> Option<&Unit> {
        self.units.get(&(kind, id.to_string()))
    }

    pub fn england(&self) -> &Unit {
        self.unit(EntityKind::England, "england")
            .expect("every year has an England unit")
    }

    pub fn units_of(&self, kind: EntityKind) -> impl Iterator<Item = &Unit> {
        self.units.values().filter(move |u| u.kind == kind)
    }

    /// The unit's rank (1 = highest) and quartile among its peers, where it has the value.
    pub fn position(&self, unit: &Unit, id: MeasureId) -> Option<(usize, u8, usize)> {
        let value = id.measure().value(unit)?;
        let d = self.peers.get(&(unit.kind, id))?;
        Some((d.rank(value), d.quartile(value), d.values.len()))
    }
}

/// A unit's figures in one year, joined across years: every catalogue measure that has a
/// value for it that year, evaluated from its declaration like the current year's.
#[derive(Debug, Clone, Serialize)]
pub struct TrendPoint {
    pub year: u16,
    /// The id the figures are recorded under that year (an LA's old code before 2023).
    pub id: String,
    pub values: BTreeMap<MeasureId, f64>,
    /// The people counted and the people in the denominator of every measure with
    /// intervals, for judging a change beyond chance.
    pub counts: BTreeMap<MeasureId, (f64, f64)>,
}

impl TrendPoint {
    fn of(year: u16, unit: &Unit) -> TrendPoint {
        TrendPoint {
            year,
            id: unit.id.clone(),
            values: catalogue::MEASURES
                .iter()
                .filter_map(|m| Some((m.id, m.value(unit)?)))
                .collect(),
            counts: catalogue::MEASURES
                .iter()
                .filter_map(|m| Some((m.id, m.counts(unit)?)))
                .collect(),
        }
    }

    /// A measure's figure at this point, where the unit had one.
    pub fn value(&self, id: MeasureId) -> Option<f64> {
        self.values.get(&id).copied()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Trend {
    pub points: Vec<TrendPoint>,
    /// Why an LA's earlier figures are for a different area or code.
    pub boundary_change: Option<BoundaryChange>,
}

/// An LA's 2023 reorganisation, through which its earlier figures are joined. The reports
/// explain it in a generated sentence (`report-templates/messages/trend_note.j2`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BoundaryChange {
    /// True when the LA was made from part of its predecessor (Cumbria's split); false
    /// when the same area only took a new code.
    pub split: bool,
    pub old_code: String,
    pub old_name: String,
    pub new_code: String,
    pub new_name: String,
}

/// The census year the strategy's growth is measured from.
pub const STRATEGY_BASELINE: u16 = 2022;

#[derive(Debug, Clone, Serialize)]
pub struct StrategyProgress {
    pub group: StrategyGroup,
    pub baseline_year: u16,
    /// As reported: the sums of each year's returns.
    pub baseline_wte: f64,
    pub current_wte: f64,
    pub growth_wte: f64,
    pub ambition_wte: f64,
    /// Growth over the organisations with a usable return in both years (SPEC §16).
    pub like_for_like_growth_wte: Option<f64>,
    pub like_for_like_organisations: Option<usize>,
    /// Growth of the estimated totals (returns plus imputed non-responders) of both years.
    pub estimated_growth_wte: Option<f64>,
}

/// Everything the reports and the export need: this year, earlier years, trends.
#[derive(Debug, Clone, Serialize)]
pub struct Metrics {
    pub current: YearMetrics,
    pub history: Vec<YearMetrics>,
    pub trends: BTreeMap<(EntityKind, String), Trend>,
    /// Nationally and for each region (region slug → lines), when 2022 is present.
    pub strategy: BTreeMap<String, Vec<StrategyProgress>>,
    /// Who was invited and who returned; None without `expected_participants.csv`.
    pub participation: Option<participation::Participation>,
    /// Like-for-like change and the estimates for non-responders, for every year present.
    pub estimates: estimate::Estimates,
    pub assumptions_label: String,
}

/// A census year and the organisations its validation blocked.
#[derive(Debug, Clone, Copy)]
pub struct CensusYear<'a> {
    pub census: &'a Census,
    pub blocked: &'a BTreeSet<String>,
}

/// Computes the current year's figures, each earlier year's, and the joins between them.
pub fn compute(
    current: CensusYear,
    history: &[CensusYear],
    assumptions: &Assumptions,
) -> Result<Metrics, MetricsError> {
    let now = compute_year(current, assumptions)?;
    let mut earlier: Vec<YearMetrics> = history
        .iter()
        .filter(|h| h.census.meta.year < current.census.meta.year)
        .map(|h| compute_year(*h, assumptions))
        .collect::<Result<_, _>>()?;
    earlier.sort_by_key(|m| m.year);
    let years: Vec<(&Census, &YearMetrics, &BTreeSet<String>)> = earlier
        .iter()
        .chain([&now])
        .filter_map(|m| {
            let y = history
                .iter()
                .chain([&current])
                .find(|y| y.census.meta.year == m.year)?;
            Some((y.census, m, y.blocked))
        })
        .collect();
    let estimates = estimate::Estimates::of(&years);
    let trends = trends(&now, &earlier);
    let strategy = strategy(&now, &earlier, &estimates);
    let participation = current
        .census
        .expected
        .as_ref()
        .map(|expected| participation::Participation::of(current.census, expected, &earlier));
    Ok(Metrics {
        current: now,
        history: earlier,
        trends,
        strategy,
        participation,
        estimates,
        assumptions_label: assumptions.label.clone(),
    })
}

pub fn compute_year(
    year: CensusYear,
    assumptions: &Assumptions,
) -> Result<YearMetrics, MetricsError> {
    let census = year.census;
    let included: BTreeSet<&str> = census
        .organisations
        .iter()
        .map(|o| o.org_id.as_str())
        .filter(|id| !year.blocked.contains(*id))
        .collect();
    let agg = fact::aggregate(census, &included)?;
    let shares = fact::normalised_shares(census, &included);
    let mut units = organisation_units(census, &included, &agg);
    let orgs = census.organisations_by_id();
    for la in &census.local_authorities {
        let unit = la_unit(census, la, &orgs, &agg, &shares, &units, assumptions);
        units.insert((EntityKind::La, la.la_code.clone()), unit);
    }
    for unit in area_units(census, &agg, &units, assumptions) {
        units.insert((unit.kind, unit.id.clone()), unit);
    }
    for unit in icb_units(census, &units, assumptions) {
        units.insert((unit.kind, unit.id.clone()), unit);
    }
    let peers = peer_distributions(&units);
    let overall = overall_counts(&units);
    let blocked = census
        .organisations
        .iter()
        .filter(|o| year.blocked.contains(&o.org_id))
        .map(|o| (o.org_id.clone(), o.org_name.clone()))
        .collect();
    let mut returns = BTreeMap::new();
    for o in &census.organisations {
        *returns.entry((o.region, o.org_type)).or_insert(0) += 1;
    }
    Ok(YearMetrics {
        year: census.meta.year,
        title: census.meta.title.clone(),
        units,
        peers,
        overall,
        blocked,
        returns,
        icb_lookup: census.icb_lookup.clone().unwrap_or_default(),
    })
}

/// Every included organisation's own figures.
fn organisation_units(
    census: &Census,
    included: &BTreeSet<&str>,
    agg: &fact::Aggregates,
) -> BTreeMap<(EntityKind, String), Unit> {
    let mut units = BTreeMap::new();
    let mut org_diversity: BTreeMap<&str, DiversityCounts> = BTreeMap::new();
    for row in &census.demographics {
        if included.contains(row.org_id.as_str()) {
            *org_diversity
                .entry(row.org_id.as_str())
                .or_default()
                .entry((row.dimension, row.category))
                .or_insert(0.0) += f64::from(row.headcount);
        }
    }
    for org in census
        .organisations
        .iter()
        .filter(|o| included.contains(o.org_id.as_str()))
    {
        let by_role: BTreeMap<Role, Totals> = agg
            .org_role
            .range((org.org_id.clone(), Role::ALL[0])..)
            .take_while(|((id, _), _)| *id == org.org_id)
            .map(|((_, r), t)| (*r, *t))
            .collect();
        let mut by_sector = BTreeMap::new();
        let totals = Totals::sum(by_role.values());
        if org.org_type != OrgType::Commissioner {
            by_sector.insert((org.org_type, org.sector), totals.wte);
        }
        let unit = Unit {
            kind: EntityKind::of_org(org.org_type),
            id: org.org_id.clone(),
            name: org.org_name.clone(),
            region: Some(org.region),
            sector: Some(org.sector),
            totals,
            by_role,
            volunteers: f64::from(org.volunteers_headcount),
            by_sector,
            diversity: org_diversity
                .remove(org.org_id.as_str())
                .unwrap_or_default(),
            area: None,
        };
        units.insert((unit.kind, unit.id.clone()), unit);
    }
    units
}

/// One LA: the providers' and LEROs' figures apportioned to it by their shares of service,
/// its commissioning team apart, its plans and the MDT calculator.
fn la_unit(
    census: &Census,
    la: &crate::input::census::LocalAuthority,
    orgs: &BTreeMap<&str, &crate::input::census::Organisation>,
    agg: &fact::Aggregates,
    shares: &BTreeMap<String, Vec<(String, f64)>>,
    units: &BTreeMap<(EntityKind, String), Unit>,
    assumptions: &Assumptions,
) -> Unit {
    let plan_year = PlanYear::for_census(census.meta.year);
    let all_roles: BTreeMap<Role, Totals> = agg
        .la_role
        .range((la.la_code.clone(), Role::ALL[0])..)
        .take_while(|((code, _), _)| *code == la.la_code)
        .map(|((_, r), t)| (*r, *t))
        .collect();
    let commissioning_wte: f64 = all_roles
        .iter()
        .filter(|(r, _)| r.group() == RoleGroup::Commissioning)
        .map(|(_, t)| t.wte)
        .sum();
    let by_role: BTreeMap<Role, Totals> = all_roles
        .into_iter()
        .filter(|(r, _)| r.group() != RoleGroup::Commissioning)
        .collect();
    let totals = Totals::sum(by_role.values());
    let mut serving = Vec::new();
    let mut volunteers = 0.0;
    let mut diversity = DiversityCounts::new();
    for (org_id, org_shares) in shares {
        let Some((_, share)) = org_shares.iter().find(|(code, _)| *code == la.la_code) else {
            continue;
        };
        let Some(unit) = orgs
            .get(org_id.as_str())
            .and_then(|o| units.get(&(EntityKind::of_org(o.org_type), org_id.clone())))
        else {
            continue;
        };
        volunteers += unit.volunteers * share;
        for (key, n) in &unit.diversity {
            *diversity.entry(*key).or_insert(0.0) += n * share;
        }
        serving.push(ServingOrg {
            org_id: org_id.clone(),
            org_name: unit.name.clone(),
            org_type: orgs[org_id.as_str()].org_type,
            share: *share,
            attributed_wte: unit.totals.wte * share,
        });
    }
    serving.sort_by(|a, b| {
        b.attributed_wte
            .total_cmp(&a.attributed_wte)
            .then(a.org_id.cmp(&b.org_id))
    });
    let by_sector = agg
        .la_sector
        .iter()
        .filter(|((code, o, _), _)| *code == la.la_code && *o != OrgType::Commissioner)
        .map(|((_, o, s), w)| ((*o, *s), *w))
        .collect();
    let expansion = expansion_lines(census, &la.la_code, plan_year, &by_role);
    let adults = la.adults_in_treatment as f64;
    let young = la.young_people_in_treatment as f64;
    let mut unit = Unit {
        kind: EntityKind::La,
        id: la.la_code.clone(),
        name: la.la_name.clone(),
        region: Some(la.region),
        sector: None,
        totals,
        by_role,
        volunteers,
        by_sector,
        diversity,
        area: None,
    };
    unit.area = Some(area_figures(
        &unit,
        la.population_18plus as f64,
        adults,
        young,
        commissioning_wte,
        serving,
        expansion,
        Vec::new(),
        assumptions,
    ));
    if let Some(area) = unit.area.as_mut() {
        area.plan = category_plans(
            census,
            &la.la_code,
            plan_year,
            &unit.by_role,
            commissioning_wte,
        );
        area.planned_growth = planned_growth(&area.plan);
        area.continuity = continuity(census, &la.la_code);
        area.commissioners = census
            .organisations
            .iter()
            .filter(|o| {
                o.org_type == OrgType::Commissioner
                    && o.la_code.as_deref() == Some(la.la_code.as_str())
            })
            .map(|o| o.org_id.clone())
            .collect();
    }
    unit
}

/// The seven regions and England: every included organisation, commissioning teams too,
/// with their LAs' area figures, plans and the breakdown by setting.
fn area_units(
    census: &Census,
    agg: &fact::Aggregates,
    units: &BTreeMap<(EntityKind, String), Unit>,
    assumptions: &Assumptions,
) -> Vec<Unit> {
    let plan_year = PlanYear::for_census(census.meta.year);
    let mut region_members: BTreeMap<Region, Vec<String>> = BTreeMap::new();
    for la in &census.local_authorities {
        region_members
            .entry(la.region)
            .or_default()
            .push(la.la_code.clone());
    }
    let mut region_units = Vec::new();
    for region in Region::ALL {
        let by_role: BTreeMap<Role, Totals> = agg
            .region_role
            .iter()
            .filter(|((g, _), _)| g == region)
            .map(|((_, r), t)| (*r, *t))
            .collect();
        let by_sector = agg
            .region_sector
            .iter()
            .filter(|((g, o, _), _)| g == region && *o != OrgType::Commissioner)
            .map(|((_, o, s), w)| ((*o, *s), *w))
            .collect();
        let members = region_members.remove(region).unwrap_or_default();
        let member_units: Vec<&Unit> = members
            .iter()
            .filter_map(|code| units.get(&(EntityKind::La, code.clone())))
            .collect();
        let unit = combine(
            EntityKind::Region,
            region.code(),
            region.label(),
            Some(*region),
            by_role,
            by_sector,
            &member_units,
            members.clone(),
            assumptions,
            &orgs_in_region(units, *region),
        );
        region_units.push(unit);
    }
    let england_by_sector = agg
        .england_sector
        .iter()
        .filter(|((o, _), _)| *o != OrgType::Commissioner)
        .map(|(k, w)| (*k, *w))
        .collect();
    let region_refs: Vec<&Unit> = region_units.iter().collect();
    let all_orgs: Vec<&Unit> = units
        .values()
        .filter(|u| {
            matches!(
                u.kind,
                EntityKind::Provider | EntityKind::Lero | EntityKind::Commissioner
            )
        })
        .collect();
    let england = combine(
        EntityKind::England,
        "england",
        "England",
        None,
        agg.england_role.clone(),
        england_by_sector,
        &region_refs,
        Region::ALL.iter().map(|r| r.code().to_string()).collect(),
        assumptions,
        &all_orgs,
    );
    // The sum of the LAs' planning workbooks for each region and England.
    let mut england = england;
    for unit in region_units.iter_mut().chain([&mut england]) {
        let region = unit.region;
        let las = units
            .values()
            .filter(|u| u.kind == EntityKind::La && (region.is_none() || u.region == region));
        let (plan, reaching) = sum_plans(las, plan_year);
        let orgs: Vec<&Unit> = units
            .values()
            .filter(|u| breakdown::setting_of(u).is_some())
            .filter(|u| region.is_none() || u.region == region)
            .collect();
        let codes: Vec<String> = census
            .local_authorities
            .iter()
            .filter(|la| region.is_none() || Some(la.region) == region)
            .map(|la| la.la_code.clone())
            .collect();
        let cut = breakdown::compute(census, &orgs, &codes);
        if let Some(area) = unit.area.as_mut() {
            area.planned_growth = planned_growth(&plan);
            area.plan = plan;
            area.continuity_ambition = reaching;
            area.breakdown = Some(cut);
        }
    }
    region_units.push(england);
    region_units
}

/// Each peer group's people counted and people in the denominator, for every measure with
/// intervals.
fn overall_counts(
    units: &BTreeMap<(EntityKind, String), Unit>,
) -> BTreeMap<(EntityKind, MeasureId), (f64, f64)> {
    let mut out = BTreeMap::new();
    for kind in PEER_GROUPS {
        for measure in catalogue::MEASURES
            .iter()
            .filter(|m| m.interval && m.applies(kind))
        {
            let mut sum = (0.0, 0.0);
            for (o, n) in units
                .values()
                .filter(|u| u.kind == kind)
                .filter_map(|u| measure.counts(u))
            {
                sum.0 += o;
                sum.1 += n;
            }
            if sum.1 > 0.0 {
                out.insert((kind, measure.id), sum);
            }
        }
    }
    out
}

/// Each ICB footprint of the census year's lookup (SPEC §17): every additive figure of its LAs
/// (the workforce attributed to them by role and sector, volunteers, population, people in
/// treatment, commissioning WTE, planned posts) weighted by the LA's share of adults in the
/// ICB; its ratios are ratios of those sums, and its MDT calculator runs on them.
fn icb_units(
    census: &Census,
    units: &BTreeMap<(EntityKind, String), Unit>,
    assumptions: &Assumptions,
) -> Vec<Unit> {
    let Some(lookup) = census.icb_lookup.as_ref() else {
        return Vec::new();
    };
    let plan_year = PlanYear::for_census(census.meta.year);
    // By ICB code: its name and its LAs with their shares.
    type Footprint<'a> = (&'a str, Vec<(&'a Unit, f64)>);
    let mut icbs: BTreeMap<&str, Footprint> = BTreeMap::new();
    for row in lookup {
        let Some(la) = units.get(&(EntityKind::La, row.la_code.clone())) else {
            continue;
        };
        icbs.entry(row.icb_code.as_str())
            .or_insert((row.icb_name.as_str(), Vec::new()))
            .1
            .push((la, row.share));
    }
    icbs.into_iter()
        .map(|(code, (name, members))| icb_unit(code, name, &members, plan_year, assumptions))
        .collect()
}

fn icb_unit(
    code: &str,
    name: &str,
    members: &[(&Unit, f64)],
    plan_year: PlanYear,
    assumptions: &Assumptions,
) -> Unit {
    let mut by_role: BTreeMap<Role, Totals> = BTreeMap::new();
    let mut by_sector: BTreeMap<(OrgType, Sector), f64> = BTreeMap::new();
    let mut volunteers = 0.0;
    let (mut population, mut adults, mut young, mut commissioning) = (0.0, 0.0, 0.0, 0.0);
    let mut plans: BTreeMap<crate::domain::PlanCategory, CategoryPlan> = BTreeMap::new();
    let mut planned_growth: BTreeMap<StrategyGroup, f64> = BTreeMap::new();
    // The region most of its adults live in.
    let mut regions: BTreeMap<Region, f64> = BTreeMap::new();
    for (la, share) in members {
        for (role, t) in &la.by_role {
            by_role.entry(*role).or_default().add(&t.scaled(*share));
        }
        for (key, wte) in &la.by_sector {
            *by_sector.entry(*key).or_insert(0.0) += wte * share;
        }
        volunteers += la.volunteers * share;
        let Some(area) = la.area.as_ref() else {
            continue;
        };
        population += area.population_18plus * share;
        adults += area.adults_in_treatment * share;
        young += area.young_people_in_treatment * share;
        commissioning += area.commissioning_wte * share;
        if let Some(r) = la.region {
            *regions.entry(r).or_insert(0.0) += area.population_18plus * share;
        }
        for plan in &area.plan {
            let sum = plans.entry(plan.category).or_insert_with(|| {
                CategoryPlan::new(plan.category, BTreeMap::new(), 0.0, plan_year)
            });
            for (year, fte) in &plan.planned {
                *sum.planned.entry(*year).or_insert(0.0) += fte * share;
            }
            sum.actual_wte += plan.actual_wte * share;
        }
        for (group, growth) in &area.planned_growth {
            *planned_growth.entry(*group).or_insert(0.0) += growth * share;
        }
    }
    let region = regions
        .into_iter()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(r, _)| r);
    let mut unit = Unit {
        kind: EntityKind::Icb,
        id: code.to_string(),
        name: name.to_string(),
        region,
        sector: None,
        totals: Totals::sum(by_role.values()),
        by_role,
        volunteers,
        by_sector,
        diversity: DiversityCounts::new(),
        area: None,
    };
    let mut area = area_figures(
        &unit,
        population,
        adults,
        young,
        commissioning,
        Vec::new(),
        Vec::new(),
        members.iter().map(|(la, _)| la.id.clone()).collect(),
        assumptions,
    );
    area.plan = plans
        .into_values()
        .map(|p| CategoryPlan::new(p.category, p.planned, p.actual_wte, plan_year))
        .collect();
    area.planned_growth = planned_growth;
    unit.area = Some(area);
    unit
}

/// The units compared with their peers.
pub const PEER_GROUPS: [EntityKind; 5] = [
    EntityKind::Provider,
    EntityKind::Lero,
    EntityKind::Commissioner,
    EntityKind::La,
    EntityKind::Icb,
];

/// Each peer group's distribution of every measure with peers.
fn peer_distributions(
    units: &BTreeMap<(EntityKind, String), Unit>,
) -> BTreeMap<(EntityKind, MeasureId), Distribution> {
    let mut peers = BTreeMap::new();
    for kind in PEER_GROUPS {
        for measure in catalogue::peer_measures().filter(|m| m.applies(kind)) {
            let values = units
                .values()
                .filter(|u| u.kind == kind)
                .filter_map(|u| measure.value(u));
            if let Some(d) = Distribution::of(values) {
                peers.insert((kind, measure.id), d);
            }
        }
    }
    peers
}

fn orgs_in_region(units: &BTreeMap<(EntityKind, String), Unit>, region: Region) -> Vec<&Unit> {
    units
        .values()
        .filter(|u| {
            matches!(
                u.kind,
                EntityKind::Provider | EntityKind::Lero | EntityKind::Commissioner
            )
        })
        .filter(|u| u.region == Some(region))
        .collect()
}

/// A region or England from its LAs (area figures) and aggregated role totals. Diversity and
/// volunteers come from the organisations based in it, as people are counted where they work.
#[allow(clippy::too_many_arguments)]
fn combine(
    kind: EntityKind,
    id: &str,
    name: &str,
    region: Option<Region>,
    by_role: BTreeMap<Role, Totals>,
    by_sector: BTreeMap<(OrgType, Sector), f64>,
    members: &[&Unit],
    member_ids: Vec<String>,
    assumptions: &Assumptions,
    orgs: &[&Unit],
) -> Unit {
    let area = |f: fn(&AreaFigures) -> f64| {
        members
            .iter()
            .filter_map(|u| u.area.as_ref())
            .map(f)
            .sum::<f64>()
    };
    let commissioning_wte = area(|a| a.commissioning_wte);
    let mut diversity = DiversityCounts::new();
    for org in orgs {
        for (key, n) in &org.diversity {
            *diversity.entry(*key).or_insert(0.0) += n;
        }
    }
    let mut unit = Unit {
        kind,
        id: id.to_string(),
        name: name.to_string(),
        region,
        sector: None,
        totals: Totals::sum(by_role.values()),
        by_role,
        volunteers: orgs.iter().map(|u| u.volunteers).sum(),
        by_sector,
        diversity,
        area: None,
    };
    unit.area = Some(area_figures(
        &unit,
        area(|a| a.population_18plus),
        area(|a| a.adults_in_treatment),
        area(|a| a.young_people_in_treatment),
        commissioning_wte,
        Vec::new(),
        Vec::new(),
        member_ids,
        assumptions,
    ));
    unit
}

#[allow(clippy::too_many_arguments)]
fn area_figures(
    unit: &Unit,
    population: f64,
    adults: f64,
    young: f64,
    commissioning_wte: f64,
    serving: Vec<ServingOrg>,
    expansion: Vec<ExpansionLine>,
    members: Vec<String>,
    assumptions: &Assumptions,
) -> AreaFigures {
    let attributed_wte = if matches!(unit.kind, EntityKind::La | EntityKind::Icb) {
        unit.totals.wte
    } else {
        unit.totals.wte - commissioning_wte
    };
    AreaFigures {
        population_18plus: population,
        adults_in_treatment: adults,
        young_people_in_treatment: young,
        attributed_wte,
        commissioning_wte,
        serving,
        commissioners: Vec::new(),
        expansion,
        mdt: mdt::calculate(assumptions, adults, young, |g| unit.group_wte(g)),
        members,
        plan: Vec::new(),
        planned_growth: BTreeMap::new(),
        continuity: Continuity::default(),
        continuity_ambition: None,
        breakdown: None,
    }
}

/// The LAs' planning workbooks summed by category (actual WTE summed over the LAs that plan
/// the category), and how many of the LAs with a 2024-25 continuity of care plan reach the
/// national ambition.
fn sum_plans<'a>(
    las: impl Iterator<Item = &'a Unit>,
    plan_year: PlanYear,
) -> (Vec<CategoryPlan>, Option<(usize, usize)>) {
    let mut sums: BTreeMap<crate::domain::PlanCategory, CategoryPlan> = BTreeMap::new();
    let (mut reaching, mut planning) = (0, 0);
    for la in las {
        let Some(area) = la.area.as_ref() else {
            continue;
        };
        for plan in &area.plan {
            let sum = sums.entry(plan.category).or_insert_with(|| {
                CategoryPlan::new(plan.category, BTreeMap::new(), 0.0, plan_year)
            });
            for (year, fte) in &plan.planned {
                *sum.planned.entry(*year).or_insert(0.0) += fte;
            }
            sum.actual_wte += plan.actual_wte;
        }
        if let Some(percent) = area.continuity.planned.get(&PlanYear { start: 2024 }) {
            planning += 1;
            reaching += usize::from(*percent >= crate::input::plans::CONTINUITY_AMBITION);
        }
    }
    let plans = sums
        .into_values()
        .map(|p| CategoryPlan::new(p.category, p.planned, p.actual_wte, plan_year))
        .collect();
    (plans, (planning > 0).then_some((reaching, planning)))
}

/// Planned growth by strategy group, over the categories that are not subsets of another.
fn planned_growth(plan: &[CategoryPlan]) -> BTreeMap<StrategyGroup, f64> {
    StrategyGroup::ALL
        .iter()
        .map(|group| {
            let growth = plan
                .iter()
                .filter(|p| {
                    !p.category.is_subset() && p.category.group().strategy_group() == Some(*group)
                })
                .map(CategoryPlan::planned_growth)
                .sum();
            (*group, growth)
        })
        .collect()
}

/// An LA's planning workbook by category, against the census WTE of each category's roles.
fn category_plans(
    census: &Census,
    la_code: &str,
    plan_year: PlanYear,
    by_role: &BTreeMap<Role, Totals>,
    commissioning_wte: f64,
) -> Vec<CategoryPlan> {
    use crate::domain::PlanCategory;
    let mut out = Vec::new();
    for category in PlanCategory::ALL.iter().copied() {
        let planned: BTreeMap<PlanYear, f64> = census
            .planned_posts
            .iter()
            .filter(|p| p.la_code == la_code && p.category == category)
            .map(|p| (p.year, p.fte))
            .collect();
        if planned.is_empty() {
            continue;
        }
        let actual_wte = if category == PlanCategory::Commissioners {
            commissioning_wte
        } else {
            category
                .roles()
                .iter()
                .filter_map(|r| by_role.get(r))
                .map(|t| t.wte)
                .sum()
        };
        out.push(CategoryPlan::new(category, planned, actual_wte, plan_year));
    }
    out
}

fn continuity(census: &Census, la_code: &str) -> Continuity {
    Continuity {
        planned: census
            .planned_continuity
            .iter()
            .filter(|p| p.la_code == la_code)
            .map(|p| (p.year, p.percent))
            .collect(),
        actual: census
            .continuity_actual
            .iter()
            .filter(|p| p.la_code == la_code)
            .map(|p| (p.year, p.percent))
            .collect(),
    }
}

fn expansion_lines(
    census: &Census,
    la_code: &str,
    plan_year: PlanYear,
    by_role: &BTreeMap<Role, Totals>,
) -> Vec<ExpansionLine> {
    let plans: Vec<_> = census
        .expansion_plans
        .iter()
        .filter(|p| p.la_code == la_code)
        .collect();
    let mut out = Vec::new();
    for group in RoleGroup::ALL {
        let planned = plans
            .iter()
            .find(|p| p.category == *group && p.year == plan_year);
        let Some(planned) = planned else { continue };
        let baseline = plans
            .iter()
            .find(|p| p.category == *group && p.year.start == PlanYear::FIRST)
            .map(|p| p.planned_fte);
        let actual = by_role
            .iter()
            .filter(|(r, _)| r.group() == *group)
            .map(|(_, t)| t.wte)
            .sum();
        out.push(ExpansionLine {
            category: *group,
            baseline_fte: baseline,
            planned_fte: planned.planned_fte,
            actual_wte: actual,
        });
    }
    out
}

/// Joins each current unit to its earlier years: organisations by org_id, LAs by code or,
/// where the boundary changed in 2023, through the predecessor with a note.
fn trends(now: &YearMetrics, earlier: &[YearMetrics]) -> BTreeMap<(EntityKind, String), Trend> {
    let changes = reference::la_changes();
    let mut out = BTreeMap::new();
    for ((kind, id), unit) in &now.units {
        let mut points = Vec::new();
        let mut boundary_change = None;
        for past in earlier {
            if let Some(u) = past.unit(*kind, id) {
                points.push(TrendPoint::of(past.year, u));
                continue;
            }
            if *kind != EntityKind::La {
                continue;
            }
            let predecessors: Vec<_> = changes.iter().filter(|c| c.new_code == *id).collect();
            let Some(change) = predecessors.first() else {
                continue;
            };
            let Some(u) = past.unit(EntityKind::La, &change.old_code) else {
                continue;
            };
            points.push(TrendPoint::of(past.year, u));
            let siblings = changes
                .iter()
                .filter(|c| c.old_code == change.old_code)
                .count();
            boundary_change = Some(BoundaryChange {
                split: siblings > 1,
                old_code: change.old_code.clone(),
                old_name: change.old_name.clone(),
                new_code: change.new_code.clone(),
                new_name: change.new_name.clone(),
            });
        }
        points.push(TrendPoint::of(now.year, unit));
        out.insert(
            (*kind, id.clone()),
            Trend {
                points,
                boundary_change,
            },
        );
    }
    out
}

/// Growth of the strategy groups since the 2022 baseline, against the national ambitions.
fn strategy(
    now: &YearMetrics,
    earlier: &[YearMetrics],
    estimates: &estimate::Estimates,
) -> BTreeMap<String, Vec<StrategyProgress>> {
    let Some(base) = earlier.iter().find(|m| m.year == STRATEGY_BASELINE) else {
        return BTreeMap::new();
    };
    let mut out = BTreeMap::new();
    let ids = std::iter::once((EntityKind::England, "england".to_string())).chain(
        Region::ALL
            .iter()
            .map(|r| (EntityKind::Region, r.code().to_string())),
    );
    for (kind, id) in ids {
        let (Some(then), Some(current)) = (base.unit(kind, &id), now.unit(kind, &id)) else {
            continue;
        };
        let lines = StrategyGroup::ALL
            .iter()
            .map(|group| {
                let baseline_wte = then.strategy_wte(*group);
                let current_wte = current.strategy_wte(*group);
                let like = estimates.like_for_like(base.year, now.year, kind, &id);
                let estimated =
                    estimates
                        .year(base.year)
                        .zip(estimates.year(now.year))
                        .map(|(b, n)| {
                            n.estimated(current).strategy_wte(*group)
                                - b.estimated(then).strategy_wte(*group)
                        });
                StrategyProgress {
                    like_for_like_growth_wte: like
                        .map(|l| l.current.strategy_wte(*group) - l.previous.strategy_wte(*group)),
                    like_for_like_organisations: like.map(|l| l.organisations),
                    estimated_growth_wte: estimated,
                    group: *group,
                    baseline_year: base.year,
                    baseline_wte,
                    current_wte,
                    growth_wte: current_wte - baseline_wte,
                    ambition_wte: if kind == EntityKind::England {
                        group.ambition_wte()
                    } else {
                        0.0
                    },
                }
            })
            .collect();
        out.insert(id, lines);
    }
    out
}
