//! The metrics export: one long table `year, entity_kind, entity_id, entity_name, metric,
//! value` with every figure for every unit and every year present (README documents the
//! metric names). A value is empty where it is suppressed or does not apply.

use super::breakdown::Breakdown;
use super::catalogue::{self, ExportPlace, MeasureId, Scope, MEASURES};
use super::diversity;
use super::parts::Part;
use super::{EntityKind, Metrics, Unit, YearMetrics};
use crate::domain::{Role, RoleGroup, Setting};
use crate::export::{csv_bytes, spreadsheet_safe};
use crate::stats::Level;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricRow {
    pub year: u16,
    pub entity_kind: &'static str,
    pub entity_id: String,
    pub entity_name: String,
    pub metric: String,
    pub value: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Json,
    Parquet,
}

pub const HEADER: [&str; 6] = [
    "year",
    "entity_kind",
    "entity_id",
    "entity_name",
    "metric",
    "value",
];

/// Every row, earlier years first, then by entity kind, id and metric name as produced.
pub fn rows(metrics: &Metrics) -> Vec<MetricRow> {
    rows_of(metrics, |_| true)
}

/// The rows of the LAs, regions and England only: what the publication workbooks read. An
/// organisation's rows (three quarters of the export) are not built for them, so a large
/// census's workbooks cost no more memory than its areas need.
pub fn area_rows(metrics: &Metrics) -> Vec<MetricRow> {
    rows_of(metrics, |kind| {
        matches!(
            kind,
            EntityKind::La | EntityKind::Icb | EntityKind::Region | EntityKind::England
        )
    })
}

/// The rows of the units whose kind `keep` accepts (the peer distributions, strategy and
/// participation rows sit on areas).
fn rows_of(metrics: &Metrics, keep: impl Fn(EntityKind) -> bool) -> Vec<MetricRow> {
    let mut out = Vec::new();
    for year in metrics.history.iter().chain([&metrics.current]) {
        for unit in year.units.values().filter(|u| keep(u.kind)) {
            unit_rows(year, unit, &mut out);
        }
        distribution_rows(year, &mut out);
    }
    for (id, lines) in &metrics.strategy {
        let (kind, name) = match metrics.current.unit(EntityKind::Region, id) {
            Some(u) => (EntityKind::Region, u.name.clone()),
            None => (EntityKind::England, "England".to_string()),
        };
        for line in lines {
            let g = line.group.code();
            for (what, value) in [
                ("baseline_wte", Some(line.baseline_wte)),
                ("current_wte", Some(line.current_wte)),
                ("growth_wte", Some(line.growth_wte)),
                ("ambition_wte", Some(line.ambition_wte)),
                ("estimated_growth_wte", line.estimated_growth_wte),
                ("like_for_like_growth_wte", line.like_for_like_growth_wte),
                (
                    "like_for_like_organisations",
                    line.like_for_like_organisations.map(|n| n as f64),
                ),
            ] {
                if what == "ambition_wte" && kind != EntityKind::England {
                    continue;
                }
                out.push(row(
                    metrics.current.year,
                    kind,
                    id,
                    &name,
                    format!("strategy.{g}.{what}"),
                    value,
                ));
            }
        }
    }
    if let Some(p) = &metrics.participation {
        participation_rows(metrics, p, &mut out);
    }
    estimate_rows(metrics, &keep, &mut out);
    out
}

/// Each year's estimates (reported plus imputed for the organisations that did not return)
/// and its like-for-like change from the year before, for every LA, region and England.
fn estimate_rows(metrics: &Metrics, keep: &impl Fn(EntityKind) -> bool, out: &mut Vec<MetricRow>) {
    let e = &metrics.estimates;
    let years: Vec<&YearMetrics> = metrics.history.iter().chain([&metrics.current]).collect();
    for (i, year) in years.iter().enumerate() {
        let previous = i.checked_sub(1).map(|p| years[p].year);
        let areas = year.units.values().filter(|u| {
            matches!(
                u.kind,
                EntityKind::La | EntityKind::Region | EntityKind::England
            ) && keep(u.kind)
        });
        for unit in areas {
            let mut push = |metric: &str, value: Option<f64>| {
                out.push(row(
                    year.year,
                    unit.kind,
                    &unit.id,
                    &unit.name,
                    metric.to_string(),
                    value,
                ));
            };
            if let Some(estimate) = e.year(year.year) {
                let imputed = estimate.area(unit.kind, &unit.id);
                let total = estimate.estimated(unit);
                push("estimate.wte", Some(total.wte));
                push("estimate.headcount", Some(total.headcount));
                push("estimate.imputed_wte", Some(imputed.amount.wte));
                push("estimate.imputed_headcount", Some(imputed.amount.headcount));
                push("estimate.imputed_share", estimate.imputed_share(unit));
                push(
                    "estimate.imputed_organisations",
                    Some(imputed.organisations() as f64),
                );
                push(
                    "estimate.imputed_organisations.carried",
                    Some(imputed.carried as f64),
                );
                push(
                    "estimate.imputed_organisations.median",
                    Some(imputed.median as f64),
                );
            }
            if let Some(like) =
                previous.and_then(|p| e.like_for_like(p, year.year, unit.kind, &unit.id))
            {
                push("like_for_like.wte.previous", Some(like.previous.wte));
                push("like_for_like.wte.current", Some(like.current.wte));
                push("like_for_like.wte.change", Some(like.wte_change()));
                push(
                    "like_for_like.headcount.previous",
                    Some(like.previous.headcount),
                );
                push(
                    "like_for_like.headcount.current",
                    Some(like.current.headcount),
                );
                push(
                    "like_for_like.headcount.change",
                    Some(like.current.headcount - like.previous.headcount),
                );
                push(
                    "like_for_like.organisations",
                    Some(like.organisations as f64),
                );
            }
        }
    }
}

/// Invited, returned and response rate by type for England and each region, and each LA's
/// coverage (its commissioning team and the providers and LEROs invited to serve it).
fn participation_rows(
    metrics: &Metrics,
    p: &super::participation::Participation,
    out: &mut Vec<MetricRow>,
) {
    use super::participation::{ByType, Response};
    use crate::domain::OrgType;
    let year = metrics.current.year;
    let response = |prefix: &str, r: &Response, push: &mut dyn FnMut(String, Option<f64>)| {
        push(format!("{prefix}.invited"), Some(r.invited as f64));
        push(format!("{prefix}.returned"), Some(r.returned as f64));
        push(format!("{prefix}.response_rate"), r.rate());
    };
    let by_type = |t: &ByType, push: &mut dyn FnMut(String, Option<f64>)| {
        for org_type in [OrgType::Provider, OrgType::Lero, OrgType::Commissioner] {
            response(
                &format!("participation.{}", org_type.code()),
                &t.of(org_type),
                push,
            );
        }
        response("participation.all", &t.all, push);
    };
    let mut push_for =
        |kind: EntityKind, id: &str, name: &str, rows: Vec<(String, Option<f64>)>| {
            out.extend(
                rows.into_iter()
                    .map(|(m, v)| row(year, kind, id, name, m, v)),
            );
        };
    let mut rows = Vec::new();
    for (org_type, n) in &p.submissions {
        rows.push((
            format!("participation.submissions.{}", org_type.code()),
            Some(*n as f64),
        ));
    }
    rows.push((
        "participation.submissions.all".into(),
        Some(p.submissions.values().sum::<usize>() as f64),
    ));
    by_type(&p.england, &mut |m, v| rows.push((m, v)));
    let (complete, with_invited) = p.las_complete(None);
    rows.push(("participation.las_complete".into(), Some(complete as f64)));
    rows.push((
        "participation.las_with_invited".into(),
        Some(with_invited as f64),
    ));
    push_for(EntityKind::England, "england", "England", rows);
    for (region, t) in &p.regions {
        let mut rows = Vec::new();
        by_type(t, &mut |m, v| rows.push((m, v)));
        let (complete, with_invited) = p.las_complete(Some(*region));
        rows.push(("participation.las_complete".into(), Some(complete as f64)));
        rows.push((
            "participation.las_with_invited".into(),
            Some(with_invited as f64),
        ));
        push_for(EntityKind::Region, region.code(), region.label(), rows);
    }
    for la in p.las.values() {
        let mut rows = Vec::new();
        response("participation.all", &la.response, &mut |m, v| {
            rows.push((m, v))
        });
        response(
            "participation.serving",
            &la.serving_response,
            &mut |m, v| rows.push((m, v)),
        );
        push_for(EntityKind::La, &la.la_code, &la.la_name, rows);
    }
}

fn row(
    year: u16,
    kind: EntityKind,
    id: &str,
    name: &str,
    metric: String,
    value: Option<f64>,
) -> MetricRow {
    MetricRow {
        year,
        entity_kind: kind.code(),
        entity_id: id.to_string(),
        entity_name: name.to_string(),
        metric,
        value: value.filter(|v| v.is_finite()),
    }
}

fn unit_rows(year: &YearMetrics, unit: &Unit, out: &mut Vec<MetricRow>) {
    let mut push = |metric: String, value: Option<f64>| {
        out.push(row(
            year.year, unit.kind, &unit.id, &unit.name, metric, value,
        ))
    };
    measures(unit, ExportPlace::Workforce, &mut push);
    for role in Role::ALL {
        push(
            format!("wte.role.{}", role.code()),
            Some(unit.by_role.get(role).map_or(0.0, |t| t.wte)),
        );
    }
    let groups = unit.wte_by_group();
    for group in RoleGroup::ALL {
        push(
            format!("wte.group.{}", group.code()),
            Some(groups.get(group).copied().unwrap_or(0.0)),
        );
    }
    for group in RoleGroup::ALL {
        let g = group.code();
        push(
            format!("group.{g}.share_of_wte"),
            unit.group_share_of_wte(*group, Scope::All),
        );
        if Scope::Delivery.includes(*group) {
            push(
                format!("group.{g}.share_of_delivery_wte"),
                unit.group_share_of_wte(*group, Scope::Delivery),
            );
        }
    }
    for (role, t) in unit.by_role.iter().filter(|(_, t)| t.caseload_wte > 0.0) {
        let r = role.code();
        push(format!("role.{r}.cases"), Some(t.cases));
        push(format!("role.{r}.caseload_wte"), Some(t.caseload_wte));
        push(
            format!("role.{r}.caseload_per_wte"),
            unit.part_value(Part::Role(*role), MeasureId::CaseloadPerWte),
        );
    }
    measures(unit, ExportPlace::Profile, &mut push);
    if let Some(area) = &unit.area {
        for sector in crate::domain::Sector::ALL {
            push(
                format!("wte.sector.{}", sector.code()),
                Some(unit.sector_wte(*sector)),
            );
            push(
                format!("sector.{}.share_of_delivery_wte", sector.code()),
                unit.sector_share_of_wte(*sector),
            );
        }
        measures(unit, ExportPlace::AreaRatios, &mut push);
        for line in &area.mdt {
            let g = line.group.code();
            push(format!("mdt.{g}.required_wte"), Some(line.required_wte));
            push(format!("mdt.{g}.gap_wte"), Some(line.gap_wte));
        }
        for line in &area.expansion {
            let g = line.category.code();
            push(
                format!("expansion_group.{g}.planned_fte"),
                Some(line.planned_fte),
            );
            push(
                format!("expansion_group.{g}.actual_wte"),
                Some(line.actual_wte),
            );
        }
        for plan in &area.plan {
            let c = plan.category.code();
            for (year, fte) in &plan.planned {
                push(format!("expansion.{c}.planned_fte.{year}"), Some(*fte));
            }
            push(format!("expansion.{c}.actual_wte"), Some(plan.actual_wte));
            push(format!("expansion.{c}.achieved_share"), plan.achieved_share);
            push(format!("expansion.{c}.gap_wte"), plan.gap_wte);
        }
        if !area.plan.is_empty() {
            for (group, growth) in &area.planned_growth {
                push(
                    format!("expansion.strategy.{}.planned_growth_fte", group.code()),
                    Some(*growth),
                );
            }
        }
        for (year, percent) in &area.continuity.planned {
            push(format!("continuity_of_care.planned.{year}"), Some(*percent));
        }
        for (year, percent) in &area.continuity.actual {
            push(format!("continuity_of_care.actual.{year}"), Some(*percent));
        }
        if let Some(cut) = &area.breakdown {
            breakdown_rows(unit, cut, &mut push);
        }
        if let Some((reaching, planning)) = area.continuity_ambition {
            push(
                "continuity_of_care.las_planning_ambition".into(),
                Some(reaching as f64),
            );
            push(
                "continuity_of_care.las_with_plan".into(),
                Some(planning as f64),
            );
        }
    }
    let view = diversity::view(&unit.diversity, unit.totals.headcount);
    for dimension in &view.dimensions {
        for cell in &dimension.cells {
            let key = format!("share.{}.{}", dimension.dimension.code(), cell.category);
            push(key.clone(), cell.share);
            if cell.share.is_some() {
                interval_rows(&key, |level| cell.interval(level), &mut push);
            }
        }
    }
    // Each proportion of people against its benchmark: -1 lower, 0 similar, 1 higher.
    for m in MEASURES.iter().filter(|m| m.interval) {
        if let Some(c) = year.comparison(unit, m.id) {
            push(format!("{}.compared", m.key), Some(c.standing.sign()));
        }
    }
    for m in catalogue::peer_measures() {
        if let Some((rank, quartile, _)) = year.position(unit, m.id) {
            push(format!("{}.rank", m.key), Some(rank as f64));
            push(format!("{}.quartile", m.key), Some(f64::from(quartile)));
        }
    }
}

/// The catalogue's measures exported at `place` that apply to the unit, in catalogue order;
/// a proportion of people with its Wilson intervals (`<key>.lower95`, `.upper95`,
/// `.lower998`, `.upper998`).
fn measures(unit: &Unit, place: ExportPlace, push: &mut impl FnMut(String, Option<f64>)) {
    for m in MEASURES
        .iter()
        .filter(|m| m.export == place && m.applies(unit.kind))
    {
        push(m.key.into(), m.value(unit));
        if m.interval {
            interval_rows(m.key, |level| m.interval(unit, level), push);
        }
    }
}

/// A proportion's Wilson intervals as rows `<key>.lower95`, `.upper95`, `.lower998`,
/// `.upper998`.
fn interval_rows(
    key: &str,
    interval: impl Fn(Level) -> Option<crate::stats::Interval>,
    push: &mut impl FnMut(String, Option<f64>),
) {
    for level in Level::ALL {
        let i = interval(level);
        push(format!("{key}.lower{}", level.code()), i.map(|i| i.lower));
        push(format!("{key}.upper{}", level.code()), i.map(|i| i.upper));
    }
}

/// The role groups' rates in a breakdown, in their columns' order.
const GROUP_RATES: [MeasureId; 4] = [
    MeasureId::VacancyRate,
    MeasureId::AgencyShare,
    MeasureId::StarterRate,
    MeasureId::LeaverRate,
];

/// A region's or England's breakdown (SPEC §4 by sector and role group; the national
/// report's depth): settings, role groups' rates, caseloads by role, commissioning teams.
fn breakdown_rows(unit: &Unit, cut: &Breakdown, push: &mut impl FnMut(String, Option<f64>)) {
    for setting in Setting::ALL {
        let s = setting.code();
        let t = cut.setting(*setting);
        push(
            format!("setting.{s}.organisations"),
            Some(cut.organisations.get(setting).copied().unwrap_or(0) as f64),
        );
        push(
            format!("setting.{s}.volunteers"),
            Some(cut.volunteers.get(setting).copied().unwrap_or(0.0)),
        );
        push(
            format!("setting.{s}.volunteer_share"),
            unit.part_value(Part::Setting(*setting), MeasureId::VolunteerShare),
        );
        push(format!("setting.{s}.headcount"), Some(t.headcount));
        push(format!("setting.{s}.wte"), Some(t.wte));
        push(format!("setting.{s}.wte_vacant"), Some(t.wte_vacant));
        push(
            format!("setting.{s}.vacancy_rate"),
            unit.part_value(Part::Setting(*setting), MeasureId::VacancyRate),
        );
        push(format!("setting.{s}.regulated_wte"), Some(t.regulated_wte));
        push(
            format!("setting.{s}.regulated_share"),
            unit.part_value(Part::Setting(*setting), MeasureId::RegulatedShare),
        );
        for group in RoleGroup::ALL {
            let g = cut.setting_group(*setting, *group);
            push(
                format!("setting.{s}.group.{}.wte", group.code()),
                Some(g.wte),
            );
            push(
                format!("setting.{s}.group.{}.headcount", group.code()),
                Some(g.headcount),
            );
        }
        for role in Role::ALL {
            let r = cut.setting_role(*setting, *role);
            push(format!("setting.{s}.role.{}.wte", role.code()), Some(r.wte));
            push(
                format!("setting.{s}.role.{}.headcount", role.code()),
                Some(r.headcount),
            );
            if *setting == Setting::Commissioning && role.group() == RoleGroup::Commissioning {
                push(
                    format!("setting.{s}.role.{}.vacancy_rate", role.code()),
                    unit.part_value(Part::SettingRole(*setting, *role), MeasureId::VacancyRate),
                );
            }
        }
    }
    for group in RoleGroup::ALL {
        let t = unit.group_totals(*group);
        let g = group.code();
        push(format!("group.{g}.headcount"), Some(t.headcount));
        for id in GROUP_RATES {
            push(
                format!("group.{g}.{}", id.measure().key),
                unit.part_value(Part::Group(*group), id),
            );
        }
    }
    for (role, c) in &cut.caseloads {
        let r = role.code();
        push(format!("caseload.{r}.cases"), Some(c.cases));
        push(format!("caseload.{r}.wte"), Some(c.wte));
        push(format!("caseload.{r}.per_wte"), c.per_wte());
        if let Some(d) = &c.spread {
            push(
                format!("caseload.{r}.organisations"),
                Some(d.values.len() as f64),
            );
            for (stat, value) in d.statistics() {
                push(format!("caseload.{r}.{stat}"), Some(value));
            }
        }
    }
    let team = unit.group_totals(RoleGroup::Commissioning);
    push("commissioning.wte_vacant".into(), Some(team.wte_vacant));
    push(
        "commissioning.vacancy_rate".into(),
        unit.part_value(
            Part::Group(RoleGroup::Commissioning),
            MeasureId::VacancyRate,
        ),
    );
    let c = &cut.commissioning;
    for (what, n) in [
        ("las", c.las),
        ("las_reporting", c.las_reporting),
        ("las_without_analyst", c.without_analyst),
        ("las_without_coordinator", c.without_coordinator),
        ("las_without_either", c.without_either),
    ] {
        push(format!("commissioning.{what}"), Some(n as f64));
    }
    measures(unit, ExportPlace::Breakdown, push);
    if unit.kind == EntityKind::England {
        for p in crate::input::reference::england_population() {
            push(
                format!("population.{}.{}", p.dimension.code(), p.category),
                Some(p.share),
            );
        }
    }
}

/// Peer distributions sit on the England row, named `<peer group>.<metric>.<statistic>`,
/// with each peer group's overall rate of a proportion of people
/// (`<peer group>.<metric>.overall`: all its numerators over all its denominators).
fn distribution_rows(year: &YearMetrics, out: &mut Vec<MetricRow>) {
    for ((kind, id), (o, n)) in &year.overall {
        out.push(row(
            year.year,
            EntityKind::England,
            "england",
            "England",
            format!("{}.{}.overall", kind.code(), id.measure().key),
            crate::stats::ratio(*o, *n),
        ));
    }
    for ((kind, metric), d) in &year.peers {
        for (stat, value) in d.statistics() {
            out.push(row(
                year.year,
                EntityKind::England,
                "england",
                "England",
                format!("{}.{}.{stat}", kind.code(), metric.measure().key),
                Some(value),
            ));
        }
        out.push(row(
            year.year,
            EntityKind::England,
            "england",
            "England",
            format!("{}.{}.n", kind.code(), metric.measure().key),
            Some(d.values.len() as f64),
        ));
    }
}

/// A number as text: at most 10 decimal places, no trailing zeros, never "-0".
pub fn number_text(value: f64) -> String {
    let text = format!("{:.10}", value + 0.0);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("building the parquet table failed: {0}")]
    Polars(#[from] polars::error::PolarsError),
    #[error("serialising JSON failed: {0}")]
    Json(#[from] serde_json::Error),
}

pub fn encode(rows: &[MetricRow], format: Format) -> Result<Vec<u8>, ExportError> {
    match format {
        Format::Csv => {
            let records: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        r.year.to_string(),
                        r.entity_kind.to_string(),
                        spreadsheet_safe(&r.entity_id),
                        spreadsheet_safe(&r.entity_name),
                        r.metric.clone(),
                        r.value.map(number_text).unwrap_or_default(),
                    ]
                })
                .collect();
            Ok(csv_bytes(&HEADER, &records))
        }
        Format::Json => {
            let mut bytes = serde_json::to_vec_pretty(rows)?;
            bytes.push(b'\n');
            Ok(bytes)
        }
        Format::Parquet => parquet(rows),
    }
}

fn parquet(rows: &[MetricRow]) -> Result<Vec<u8>, ExportError> {
    use polars::prelude::*;
    let mut frame = df!(
        "year" => rows.iter().map(|r| r.year as i32).collect::<Vec<_>>(),
        "entity_kind" => rows.iter().map(|r| r.entity_kind).collect::<Vec<_>>(),
        "entity_id" => rows.iter().map(|r| r.entity_id.as_str()).collect::<Vec<_>>(),
        "entity_name" => rows.iter().map(|r| r.entity_name.as_str()).collect::<Vec<_>>(),
        "metric" => rows.iter().map(|r| r.metric.as_str()).collect::<Vec<_>>(),
        "value" => rows.iter().map(|r| r.value).collect::<Vec<_>>(),
    )?;
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes).finish(&mut frame)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_plainly() {
        assert_eq!(number_text(0.30000000000000004), "0.3");
        assert_eq!(number_text(12.0), "12");
        assert_eq!(number_text(-0.0), "0");
        assert_eq!(number_text(-0.00000000001), "0");
        assert_eq!(number_text(48.25), "48.25");
    }
}
