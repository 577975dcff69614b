//! The fact table behind every additive figure: one row per workforce row and LA it is
//! apportioned to, aggregated with polars' eager group-by. Organisation, LA, region and
//! England totals all come from this one table, which is why they reconcile.

use super::totals::Totals;
use crate::domain::{OrgType, Region, Role, Sector};
use crate::input::census::Census;
use polars::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

const QUANTITIES: [&str; 9] = [
    "headcount",
    "wte",
    "wte_vacant",
    "wte_agency",
    "leavers",
    "starters",
    "cases",
    "caseload_wte",
    "regulated_wte",
];

/// Sums of [`Totals`] by the keys each report needs.
#[derive(Debug, Default)]
pub struct Aggregates {
    pub org_role: BTreeMap<(String, Role), Totals>,
    /// Providers and LEROs apportioned by their normalised `wte_share`; commissioners at
    /// their own LA (role group Commissioning).
    pub la_role: BTreeMap<(String, Role), Totals>,
    pub la_sector: BTreeMap<(String, OrgType, Sector), f64>,
    pub region_role: BTreeMap<(Region, Role), Totals>,
    pub region_sector: BTreeMap<(Region, OrgType, Sector), f64>,
    pub england_role: BTreeMap<Role, Totals>,
    pub england_sector: BTreeMap<(OrgType, Sector), f64>,
}

/// Each delivery organisation's LA shares, normalised to add up to exactly 1 so that
/// apportioning never loses or invents staff (validation allows ±0.01).
pub fn normalised_shares(
    census: &Census,
    included: &BTreeSet<&str>,
) -> BTreeMap<String, Vec<(String, f64)>> {
    let las = census.local_authorities_by_code();
    let mut out: BTreeMap<String, Vec<(String, f64)>> = BTreeMap::new();
    for area in &census.service_areas {
        if included.contains(area.org_id.as_str()) && las.contains_key(area.la_code.as_str()) {
            out.entry(area.org_id.clone())
                .or_default()
                .push((area.la_code.clone(), area.wte_share));
        }
    }
    out.retain(|_, shares| {
        let sum: f64 = shares.iter().map(|s| s.1).sum();
        if sum <= 0.0 {
            return false;
        }
        for share in shares.iter_mut() {
            share.1 /= sum;
        }
        true
    });
    out
}

pub fn aggregate(census: &Census, included: &BTreeSet<&str>) -> PolarsResult<Aggregates> {
    let las = census.local_authorities_by_code();
    let orgs = census.organisations_by_id();
    let shares = normalised_shares(census, included);
    let mut keys: [Vec<String>; 6] = Default::default();
    let mut weight = Vec::new();
    let mut values: [Vec<f64>; 9] = Default::default();
    for row in &census.workforce {
        let Some(org) = orgs
            .get(row.org_id.as_str())
            .filter(|_| included.contains(row.org_id.as_str()))
        else {
            continue;
        };
        let places: Vec<(String, f64)> = match org.org_type {
            OrgType::Commissioner => org.la_code.iter().map(|c| (c.clone(), 1.0)).collect(),
            _ => shares.get(&org.org_id).cloned().unwrap_or_default(),
        };
        let caseload_wte = if row.caseload.is_some() {
            row.wte_in_post
        } else {
            0.0
        };
        let regulated_wte = if row.role.regulated() {
            row.wte_in_post
        } else {
            0.0
        };
        let quantities = [
            f64::from(row.headcount),
            row.wte_in_post,
            row.wte_vacant,
            row.wte_agency,
            f64::from(row.leavers_12m),
            f64::from(row.starters_12m),
            f64::from(row.caseload.unwrap_or(0)),
            caseload_wte,
            regulated_wte,
        ];
        for (la_code, share) in places {
            let Some(la) = las.get(la_code.as_str()) else {
                continue;
            };
            let row_keys = [
                org.org_id.as_str(),
                org.org_type.code(),
                org.sector.code(),
                la_code.as_str(),
                la.region.code(),
                row.role.code(),
            ];
            for (column, key) in keys.iter_mut().zip(row_keys) {
                column.push(key.to_string());
            }
            weight.push(share);
            for (column, value) in values.iter_mut().zip(quantities) {
                column.push(value);
            }
        }
    }
    let mut columns: Vec<Column> = ["org_id", "org_type", "sector", "la_code", "region", "role"]
        .iter()
        .zip(keys)
        .map(|(name, values)| Column::new((*name).into(), values))
        .collect();
    // Each quantity raw (an org's row appears once per LA it serves, each time with the same
    // raw figures) and apportioned to the LA by its weight.
    for (name, values) in QUANTITIES.iter().zip(values) {
        let weighted: Vec<f64> = values.iter().zip(&weight).map(|(v, w)| v * w).collect();
        columns.push(Column::new(format!("{WEIGHTED}{name}").into(), weighted));
        columns.push(Column::new((*name).into(), values));
    }
    let frame = DataFrame::new_infer_height(columns)?;
    let raw: Vec<String> = QUANTITIES.iter().map(|q| q.to_string()).collect();
    let weighted: Vec<String> = QUANTITIES
        .iter()
        .map(|q| format!("{WEIGHTED}{q}"))
        .collect();
    let wte_only = vec![format!("{WEIGHTED}wte")];

    // polars' eager group-by: the lazy engine its deprecation note points to would bring in
    // five more polars crates (a fifth of a clean build's compile time) for these seven sums.
    #[allow(deprecated)]
    let group = |by: &[&str], select: &[String], how: Aggregation| -> PolarsResult<DataFrame> {
        let grouped = frame
            .group_by(by)?
            .select(select.iter().map(String::as_str));
        match how {
            Aggregation::First => grouped.first(),
            Aggregation::Sum => grouped.sum(),
        }
    };
    use Aggregation::{First, Sum};
    let role = |text: &str| Role::parse(text);
    let region = |text: &str| Region::parse(text);
    let sector_key = |k: &[String]| Some((OrgType::parse(&k[1])?, Sector::parse(&k[2])?));

    let mut out = Aggregates::default();
    for (k, t) in totals_by(&group(&["org_id", "role"], &raw, First)?, 2, "", "_first")? {
        out.org_role
            .extend(role(&k[1]).map(|r| ((k[0].clone(), r), t)));
    }
    for (k, t) in totals_by(
        &group(&["la_code", "role"], &weighted, Sum)?,
        2,
        WEIGHTED,
        "_sum",
    )? {
        out.la_role
            .extend(role(&k[1]).map(|r| ((k[0].clone(), r), t)));
    }
    for (k, t) in totals_by(
        &group(&["region", "role"], &weighted, Sum)?,
        2,
        WEIGHTED,
        "_sum",
    )? {
        if let (Some(g), Some(r)) = (region(&k[0]), role(&k[1])) {
            out.region_role.insert((g, r), t);
        }
    }
    for (k, t) in totals_by(&group(&["role"], &weighted, Sum)?, 1, WEIGHTED, "_sum")? {
        out.england_role.extend(role(&k[0]).map(|r| (r, t)));
    }
    for (k, t) in totals_by(
        &group(&["la_code", "org_type", "sector"], &wte_only, Sum)?,
        3,
        WEIGHTED,
        "_sum",
    )? {
        out.la_sector
            .extend(sector_key(&k).map(|(o, s)| ((k[0].clone(), o, s), t.wte)));
    }
    for (k, t) in totals_by(
        &group(&["region", "org_type", "sector"], &wte_only, Sum)?,
        3,
        WEIGHTED,
        "_sum",
    )? {
        if let (Some(g), Some((o, s))) = (region(&k[0]), sector_key(&k)) {
            out.region_sector.insert((g, o, s), t.wte);
        }
    }
    let mut england_keys = vec![String::new()];
    for (k, t) in totals_by(
        &group(&["org_type", "sector"], &wte_only, Sum)?,
        2,
        WEIGHTED,
        "_sum",
    )? {
        england_keys.truncate(1);
        england_keys.extend(k);
        out.england_sector
            .extend(sector_key(&england_keys).map(|key| (key, t.wte)));
    }
    Ok(out)
}

/// How a group's rows are aggregated.
#[derive(Clone, Copy)]
enum Aggregation {
    First,
    Sum,
}

/// The prefix of an apportioned quantity's column.
const WEIGHTED: &str = "weighted_";

/// Reads a grouped frame back: the first `keys` columns are text keys, the rest quantities
/// named `<prefix><quantity><suffix>` for each of [`QUANTITIES`] (absent ones are zero).
fn totals_by(
    frame: &DataFrame,
    keys: usize,
    prefix: &str,
    suffix: &str,
) -> PolarsResult<Vec<(Vec<String>, Totals)>> {
    let names: Vec<String> = frame
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let key_columns: Vec<&StringChunked> = names[..keys]
        .iter()
        .map(|n| frame.column(n).and_then(|c| c.str()))
        .collect::<PolarsResult<_>>()?;
    let value = |name: &str| -> PolarsResult<Option<&Float64Chunked>> {
        if names.iter().any(|n| n == name) {
            frame.column(name)?.f64().map(Some)
        } else {
            Ok(None)
        }
    };
    let quantity_columns: Vec<Option<&Float64Chunked>> = QUANTITIES
        .iter()
        .map(|q| value(&format!("{prefix}{q}{suffix}")))
        .collect::<PolarsResult<_>>()?;
    let mut out = Vec::with_capacity(frame.height());
    for i in 0..frame.height() {
        let key: Vec<String> = key_columns
            .iter()
            .map(|c| c.get(i).unwrap_or_default().to_string())
            .collect();
        let get = |j: usize| quantity_columns[j].and_then(|c| c.get(i)).unwrap_or(0.0);
        let totals = Totals {
            headcount: get(0),
            wte: get(1),
            wte_vacant: get(2),
            wte_agency: get(3),
            leavers: get(4),
            starters: get(5),
            cases: get(6),
            caseload_wte: get(7),
            regulated_wte: get(8),
        };
        out.push((key, totals));
    }
    Ok(out)
}
