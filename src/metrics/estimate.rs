//! Like-for-like change and estimates for the organisations that did not return (SPEC §16).
//!
//! **Like for like.** The change between two census years over the organisations with a
//! usable return (returned, not blocked by validation) in both: for England and a region
//! every such organisation of the area, for an LA its providers and LEROs apportioned by each
//! year's own shares of service, as the LA's figures are.
//!
//! **Estimates.** Each organisation on a year's invited list without a usable return gets an
//! imputed WTE and headcount by role, by a cascade:
//! (a) *carried*: its usable return from the nearest other census year present (the earlier
//!     of two as near), scaled by the like-for-like change between those years of the
//!     organisations of its type in its region (England's where its region has none);
//! (b) *median*: otherwise the median WTE and median headcount of this year's usable returns of
//!     its type and sector, in its region where there are at least five, else in England,
//!     split over roles in the pooled proportions of those returns.
//!
//! A carried organisation is apportioned to LAs by the shares of its return; a median one
//! equally over the LAs the invited list names (codes not in this year's LA list are
//! dropped). Only WTE and headcount are imputed: rates, shares and diversity stay computed
//! on returns, and an imputed figure is never anyone's own figure.

use super::{EntityKind, Unit, YearMetrics};
use crate::domain::{OrgType, Region, Role, Sector, StrategyGroup};
use crate::input::census::Census;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Regions need this many usable returns of a type and sector to be their own median's pool.
pub const MIN_REGIONAL_POOL: usize = 5;

/// WTE, headcount and the strategy groups' WTE: the quantities summed and imputed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Serialize)]
pub struct Amount {
    pub wte: f64,
    pub headcount: f64,
    /// WTE of each strategy group, in [`StrategyGroup::ALL`] order.
    pub strategy: [f64; 2],
}

impl Amount {
    fn add(&mut self, other: &Amount, weight: f64) {
        self.wte += other.wte * weight;
        self.headcount += other.headcount * weight;
        for (a, b) in self.strategy.iter_mut().zip(other.strategy) {
            *a += b * weight;
        }
    }

    fn of_roles(by_role: &BTreeMap<Role, (f64, f64)>) -> Amount {
        let mut out = Amount::default();
        for (role, (wte, headcount)) in by_role {
            out.wte += wte;
            out.headcount += headcount;
            if let Some(g) = role.group().strategy_group() {
                out.strategy[strategy_index(g)] += wte;
            }
        }
        out
    }

    pub fn strategy_wte(&self, group: StrategyGroup) -> f64 {
        self.strategy[strategy_index(group)]
    }
}

fn strategy_index(group: StrategyGroup) -> usize {
    StrategyGroup::ALL
        .iter()
        .position(|g| *g == group)
        .unwrap_or(0)
}

/// One organisation's usable return in one census year, as the estimates need it.
#[derive(Debug, Clone, Serialize)]
pub struct OrgReturn {
    pub org_type: OrgType,
    pub sector: Sector,
    pub region: Region,
    /// WTE and headcount by role.
    pub by_role: BTreeMap<Role, (f64, f64)>,
    /// Its LAs and shares (normalised); a commissioning team's own LA with share 1.
    pub shares: Vec<(String, f64)>,
}

impl OrgReturn {
    fn amount(&self) -> Amount {
        Amount::of_roles(&self.by_role)
    }
}

/// Every usable return of every census year present, by year and organisation.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Panel {
    pub years: BTreeMap<u16, BTreeMap<String, OrgReturn>>,
}

impl Panel {
    /// From a year's organisation figures and its census's shares of service.
    pub fn add_year(&mut self, year: &YearMetrics, census: &Census, blocked: &BTreeSet<String>) {
        let included: BTreeSet<&str> = census
            .organisations
            .iter()
            .map(|o| o.org_id.as_str())
            .filter(|id| !blocked.contains(*id))
            .collect();
        let shares = super::fact::normalised_shares(census, &included);
        let orgs = census.organisations_by_id();
        let mut returns = BTreeMap::new();
        for unit in year.units.values() {
            let org_type = match unit.kind {
                EntityKind::Provider => OrgType::Provider,
                EntityKind::Lero => OrgType::Lero,
                EntityKind::Commissioner => OrgType::Commissioner,
                _ => continue,
            };
            let (Some(region), Some(sector)) = (unit.region, unit.sector) else {
                continue;
            };
            let shares = match org_type {
                OrgType::Commissioner => orgs
                    .get(unit.id.as_str())
                    .and_then(|o| o.la_code.clone())
                    .map(|c| vec![(c, 1.0)])
                    .unwrap_or_default(),
                _ => shares.get(&unit.id).cloned().unwrap_or_default(),
            };
            returns.insert(
                unit.id.clone(),
                OrgReturn {
                    org_type,
                    sector,
                    region,
                    by_role: unit
                        .by_role
                        .iter()
                        .map(|(r, t)| (*r, (t.wte, t.headcount)))
                        .collect(),
                    shares,
                },
            );
        }
        self.years.insert(year.year, returns);
    }
}

/// An area an amount is counted in: England, a region or an LA.
pub type AreaKey = (EntityKind, String);

/// The areas an organisation's amount counts in, with the weight it counts with: England and
/// its region whole; a provider's or LERO's LAs by their shares (commissioning teams are not
/// in an LA's figures, which are its attributed delivery workforce).
fn areas_of(org_type: OrgType, region: Region, shares: &[(String, f64)]) -> Vec<(AreaKey, f64)> {
    let mut out = vec![
        ((EntityKind::England, "england".to_string()), 1.0),
        ((EntityKind::Region, region.code().to_string()), 1.0),
    ];
    if org_type != OrgType::Commissioner {
        out.extend(
            shares
                .iter()
                .map(|(la, share)| ((EntityKind::La, la.clone()), *share)),
        );
    }
    out
}

/// Like-for-like change in one area between two census years.
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct LikeForLikeArea {
    /// Organisations with a usable return in both years that count in the area.
    pub organisations: usize,
    pub previous: Amount,
    pub current: Amount,
}

impl LikeForLikeArea {
    pub fn wte_change(&self) -> f64 {
        self.current.wte - self.previous.wte
    }

    /// The like-for-like change in WTE as a share of the earlier WTE.
    pub fn wte_change_rate(&self) -> Option<f64> {
        crate::stats::ratio(self.wte_change(), self.previous.wte)
    }
}

/// Like-for-like change between two census years, for every area.
#[derive(Debug, Clone, Serialize)]
pub struct LikeForLike {
    pub previous_year: u16,
    pub current_year: u16,
    pub areas: BTreeMap<AreaKey, LikeForLikeArea>,
}

/// The organisations with a usable return in both years.
pub fn matched(panel: &Panel, previous: u16, current: u16) -> Vec<&str> {
    let (Some(a), Some(b)) = (panel.years.get(&previous), panel.years.get(&current)) else {
        return Vec::new();
    };
    a.keys()
        .filter(|id| b.contains_key(*id))
        .map(String::as_str)
        .collect()
}

pub fn like_for_like(panel: &Panel, previous: u16, current: u16) -> LikeForLike {
    let mut areas: BTreeMap<AreaKey, LikeForLikeArea> = BTreeMap::new();
    for id in matched(panel, previous, current) {
        let before = &panel.years[&previous][id];
        let now = &panel.years[&current][id];
        let mut counted: BTreeSet<AreaKey> = BTreeSet::new();
        // Each year's return counts where that year's shares of service put it.
        for (r, is_now) in [(before, false), (now, true)] {
            for (key, weight) in areas_of(r.org_type, r.region, &r.shares) {
                let area = areas.entry(key.clone()).or_default();
                let side = if is_now {
                    &mut area.current
                } else {
                    &mut area.previous
                };
                side.add(&r.amount(), weight);
                counted.insert(key);
            }
        }
        for key in counted {
            areas.entry(key).or_default().organisations += 1;
        }
    }
    LikeForLike {
        previous_year: previous,
        current_year: current,
        areas,
    }
}

/// Which rule of the cascade imputed an organisation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Rule {
    /// Its return from `from`, scaled by `wte_factor` and `headcount_factor`: the like-for-like
    /// change of `basis` between `from` and the year estimated.
    Carried {
        from: u16,
        wte_factor: f64,
        headcount_factor: f64,
        /// "providers in London", or "providers in England" where the region had none.
        basis: String,
    },
    /// The median of `pool` usable returns of its type and sector in `area`.
    Median { area: String, pool: usize },
}

impl Rule {
    pub fn code(&self) -> &'static str {
        match self {
            Rule::Carried { .. } => "carried",
            Rule::Median { .. } => "median",
        }
    }

    pub fn words(&self) -> String {
        match self {
            Rule::Carried {
                from,
                wte_factor,
                basis,
                ..
            } => format!(
                "its {from} return carried forward, scaled by {wte_factor:.3} (the like-for-like change in WTE of {basis})"
            ),
            Rule::Median { area, pool } => format!(
                "the median of the {pool} returns of its type and sector in {area}"
            ),
        }
    }
}

/// One organisation without a usable return, and what is imputed for it.
#[derive(Debug, Clone, Serialize)]
pub struct Imputed {
    pub org_id: String,
    pub org_name: String,
    pub org_type: OrgType,
    pub region: Region,
    pub rule: Rule,
    pub by_role: BTreeMap<Role, (f64, f64)>,
    pub amount: Amount,
    /// The LAs it is apportioned to, with their shares.
    pub shares: Vec<(String, f64)>,
    /// Whether `shares` are its return's (else equal over the invited list's LAs).
    pub shares_from_return: bool,
}

/// What is imputed in one area.
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct AreaImputed {
    pub amount: Amount,
    pub carried: usize,
    pub median: usize,
}

impl AreaImputed {
    pub fn organisations(&self) -> usize {
        self.carried + self.median
    }
}

/// A census year's imputations.
#[derive(Debug, Clone, Serialize)]
pub struct YearEstimate {
    pub year: u16,
    pub imputed: Vec<Imputed>,
    /// Invited organisations without a usable return that nothing could be imputed for
    /// (no return in any year, and no usable return of their type and sector): (id, name).
    pub not_imputed: Vec<(String, String)>,
    pub areas: BTreeMap<AreaKey, AreaImputed>,
}

impl YearEstimate {
    pub fn area(&self, kind: EntityKind, id: &str) -> AreaImputed {
        self.areas
            .get(&(kind, id.to_string()))
            .cloned()
            .unwrap_or_default()
    }

    /// Reported plus imputed, for a unit of this year.
    pub fn estimated(&self, unit: &Unit) -> Amount {
        let imputed = self.area(unit.kind, &unit.id).amount;
        let mut out = Amount {
            wte: unit.totals.wte,
            headcount: unit.totals.headcount,
            strategy: [0.0; 2],
        };
        for (i, g) in StrategyGroup::ALL.iter().enumerate() {
            out.strategy[i] = unit.strategy_wte(*g);
        }
        out.add(&imputed, 1.0);
        out
    }

    /// The share of a unit's estimated WTE that is imputed.
    pub fn imputed_share(&self, unit: &Unit) -> Option<f64> {
        crate::stats::ratio(
            self.area(unit.kind, &unit.id).amount.wte,
            self.estimated(unit).wte,
        )
    }
}

/// Like-for-like scaling factors between two years, by organisation type and region (and
/// England's by type as a fallback): (WTE factor, headcount factor, basis in words).
fn factor(
    panel: &Panel,
    from: u16,
    to: u16,
    org_type: OrgType,
    region: Region,
) -> (f64, f64, String) {
    let kind = EntityKind::of_org(org_type).peers_label();
    let ratio = |in_region: bool| {
        let (mut a, mut b) = (Amount::default(), Amount::default());
        for id in matched(panel, from, to) {
            let then = &panel.years[&from][id];
            let now = &panel.years[&to][id];
            if then.org_type == org_type && (!in_region || then.region == region) {
                a.add(&then.amount(), 1.0);
                b.add(&now.amount(), 1.0);
            }
        }
        (a.wte > 0.0 && a.headcount > 0.0).then(|| (b.wte / a.wte, b.headcount / a.headcount))
    };
    if let Some((w, h)) = ratio(true) {
        (w, h, format!("{kind} in {}", region.label()))
    } else if let Some((w, h)) = ratio(false) {
        (w, h, format!("{kind} in England"))
    } else {
        (
            1.0,
            1.0,
            format!("{kind} (no like-for-like change: unscaled)"),
        )
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// The year `census` estimated: every invitee without a usable return imputed by the cascade.
pub fn estimate_year(panel: &Panel, census: &Census) -> Option<YearEstimate> {
    let year = census.meta.year;
    let expected = census.expected.as_ref()?;
    let returns = panel.years.get(&year)?;
    let las: BTreeSet<&str> = census
        .local_authorities
        .iter()
        .map(|l| l.la_code.as_str())
        .collect();
    let mut out = YearEstimate {
        year,
        imputed: Vec::new(),
        not_imputed: Vec::new(),
        areas: BTreeMap::new(),
    };
    let mut nearest: Vec<u16> = panel.years.keys().copied().filter(|y| *y != year).collect();
    nearest.sort_by_key(|y| (y.abs_diff(year), *y));
    for invitee in expected {
        if returns.contains_key(&invitee.org_id) {
            continue;
        }
        let carried = nearest
            .iter()
            .find_map(|y| panel.years[y].get(&invitee.org_id).map(|r| (*y, r)));
        let (rule, by_role, shares_from_return) = if let Some((from, before)) = carried {
            let (wte_factor, headcount_factor, basis) =
                factor(panel, from, year, invitee.org_type, invitee.region);
            let by_role = before
                .by_role
                .iter()
                .map(|(r, (w, h))| (*r, (w * wte_factor, h * headcount_factor)))
                .collect();
            let shares: Vec<(String, f64)> = before
                .shares
                .iter()
                .filter(|(la, _)| las.contains(la.as_str()))
                .cloned()
                .collect();
            (
                Rule::Carried {
                    from,
                    wte_factor,
                    headcount_factor,
                    basis,
                },
                by_role,
                Some(shares),
            )
        } else {
            let like =
                |r: &&OrgReturn| r.org_type == invitee.org_type && r.sector == invitee.sector;
            let regional: Vec<&OrgReturn> = returns
                .values()
                .filter(like)
                .filter(|r| r.region == invitee.region)
                .collect();
            let (pool, area) = if regional.len() >= MIN_REGIONAL_POOL {
                (regional, invitee.region.label().to_string())
            } else {
                (
                    returns.values().filter(like).collect(),
                    "England".to_string(),
                )
            };
            if pool.is_empty() {
                out.not_imputed
                    .push((invitee.org_id.clone(), invitee.org_name.clone()));
                continue;
            }
            let wte = median(pool.iter().map(|r| r.amount().wte).collect());
            let headcount = median(pool.iter().map(|r| r.amount().headcount).collect());
            // The pool's role mix: each role's share of the pool's WTE and of its headcount.
            let mut mix: BTreeMap<Role, (f64, f64)> = BTreeMap::new();
            for r in &pool {
                for (role, (w, h)) in &r.by_role {
                    let e = mix.entry(*role).or_default();
                    e.0 += w;
                    e.1 += h;
                }
            }
            let (total_w, total_h) = mix
                .values()
                .fold((0.0, 0.0), |(a, b), (w, h)| (a + w, b + h));
            let by_role = mix
                .into_iter()
                .map(|(role, (w, h))| {
                    let share =
                        |part: f64, whole: f64| if whole > 0.0 { part / whole } else { 0.0 };
                    (
                        role,
                        (wte * share(w, total_w), headcount * share(h, total_h)),
                    )
                })
                .collect();
            (
                Rule::Median {
                    area,
                    pool: pool.len(),
                },
                by_role,
                None,
            )
        };
        let (shares, from_return) = match shares_from_return {
            Some(shares) if !shares.is_empty() => {
                let sum: f64 = shares.iter().map(|s| s.1).sum();
                (
                    shares.into_iter().map(|(la, s)| (la, s / sum)).collect(),
                    true,
                )
            }
            _ => {
                let listed: Vec<&String> = invitee
                    .la_codes
                    .iter()
                    .filter(|la| las.contains(la.as_str()))
                    .collect();
                let each = 1.0 / listed.len().max(1) as f64;
                (
                    listed.into_iter().map(|la| (la.clone(), each)).collect(),
                    false,
                )
            }
        };
        let shares: Vec<(String, f64)> = shares;
        let amount = Amount::of_roles(&by_role);
        for (key, weight) in areas_of(invitee.org_type, invitee.region, &shares) {
            let area = out.areas.entry(key).or_default();
            area.amount.add(&amount, weight);
            match rule {
                Rule::Carried { .. } => area.carried += 1,
                Rule::Median { .. } => area.median += 1,
            }
        }
        out.imputed.push(Imputed {
            org_id: invitee.org_id.clone(),
            org_name: invitee.org_name.clone(),
            org_type: invitee.org_type,
            region: invitee.region,
            rule,
            by_role,
            amount,
            shares,
            shares_from_return: from_return,
        });
    }
    Some(out)
}

/// Every year's estimate and the like-for-like changes the reports use: each year against
/// the one before it, and the current year against the 2022 baseline.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Estimates {
    pub panel: Panel,
    pub years: BTreeMap<u16, YearEstimate>,
    pub like_for_like: BTreeMap<(u16, u16), LikeForLike>,
}

impl Estimates {
    pub fn year(&self, year: u16) -> Option<&YearEstimate> {
        self.years.get(&year)
    }

    /// Like-for-like change in an area from `previous` to `current`.
    pub fn like_for_like(
        &self,
        previous: u16,
        current: u16,
        kind: EntityKind,
        id: &str,
    ) -> Option<&LikeForLikeArea> {
        self.like_for_like
            .get(&(previous, current))?
            .areas
            .get(&(kind, id.to_string()))
    }

    /// From every year's census, its figures and what validation blocked.
    pub fn of(years: &[(&Census, &YearMetrics, &BTreeSet<String>)]) -> Estimates {
        let mut panel = Panel::default();
        for (census, metrics, blocked) in years {
            panel.add_year(metrics, census, blocked);
        }
        let estimates = years
            .iter()
            .filter_map(|(census, ..)| Some((census.meta.year, estimate_year(&panel, census)?)))
            .collect();
        let mut sorted: Vec<u16> = panel.years.keys().copied().collect();
        sorted.sort_unstable();
        let mut pairs: BTreeSet<(u16, u16)> = sorted.windows(2).map(|w| (w[0], w[1])).collect();
        if let (Some(first), Some(last)) = (sorted.first(), sorted.last()) {
            if first < last && *first == super::STRATEGY_BASELINE {
                pairs.insert((*first, *last));
            }
        }
        let like_for_like = pairs
            .into_iter()
            .map(|(a, b)| ((a, b), like_for_like(&panel, a, b)))
            .collect();
        Estimates {
            panel,
            years: estimates,
            like_for_like,
        }
    }
}
