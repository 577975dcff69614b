//! The national and regional reports' depth, as the published census reports have it: the
//! headline figures at a glance with their change, the workforce by setting and role, rates
//! by role group, caseloads by role with their spread, the regulated workforce, commissioning
//! teams, LEROs and volunteers, staff diversity against England's population, a regional
//! comparison of every headline rate, and every headline figure's trend.

use super::*;
use crate::domain::{Role, Setting};
use crate::metrics::breakdown::Breakdown;
use crate::metrics::catalogue::MeasureId;
use crate::metrics::Totals;

/// The headline figures of a region or England, in every year's figures (at a glance and
/// in the trends).
const HEADLINES: [MeasureId; 17] = [
    MeasureId::Headcount,
    MeasureId::Wte,
    MeasureId::AttributedWte,
    MeasureId::CommissioningWte,
    MeasureId::Volunteers,
    MeasureId::DeliveryVacancyRate,
    MeasureId::CommissioningVacancyRate,
    MeasureId::DeliveryLeaverRate,
    MeasureId::DeliveryStarterRate,
    MeasureId::AgencyShare,
    MeasureId::RegulatedShare,
    MeasureId::VolunteerShare,
    MeasureId::PermanentShare,
    MeasureId::FullTimeShare,
    MeasureId::Under1YearShare,
    MeasureId::WtePer100kAdults,
    MeasureId::InTreatmentPerDawWte,
];

/// The rates of the regional comparison, in its two tables.
const REGIONAL_RATES: [MeasureId; 6] = [
    MeasureId::DeliveryVacancyRate,
    MeasureId::DeliveryLeaverRate,
    MeasureId::DeliveryStarterRate,
    MeasureId::AgencyShare,
    MeasureId::RegulatedShare,
    MeasureId::CommissioningVacancyRate,
];
const REGIONAL_PROFILE: [MeasureId; 6] = [
    MeasureId::WtePer100kAdults,
    MeasureId::InTreatmentPerDawWte,
    MeasureId::VolunteerShare,
    MeasureId::PermanentShare,
    MeasureId::FullTimeShare,
    MeasureId::Under1YearShare,
];

/// The unit as it stood in each earlier census year present, oldest first.
fn earlier<'a>(b: &Builder<'a>) -> Vec<(u16, &'a Unit)> {
    let unit = b.unit;
    b.ctx
        .metrics
        .history
        .iter()
        .filter_map(|y| y.unit(unit.kind, &unit.id).map(|u| (y.year, u)))
        .collect()
}

/// Every table and chart of the depth sections for a region or England.
pub(super) fn content(b: &mut Builder) -> Result<(), RenderError> {
    let unit = b.unit;
    let Some(cut) = unit.area.as_ref().and_then(|a| a.breakdown.as_ref()) else {
        return Ok(());
    };
    at_a_glance(b);
    by_setting(b, cut)?;
    rates_by_role_group(b)?;
    caseloads(b, cut)?;
    regulated(b, cut)?;
    commissioning(b, cut)?;
    organisations(b, cut);
    population(b)?;
    regional_comparison(b)?;
    headline_trends(b);
    Ok(())
}

fn at_a_glance(b: &mut Builder) {
    let unit = b.unit;
    let before = earlier(b).pop();
    let mut table = Table::new(
        "at_a_glance",
        "At a glance",
        &[
            ("figure", "Figure"),
            ("value", "Value"),
            ("change", "Change since the last census"),
        ],
    )
    .text_columns(&[2]);
    for h in HEADLINES.map(MeasureId::measure) {
        let Some(now) = h.value(unit) else {
            continue;
        };
        let change = before.and_then(|(year, u)| h.change_since(year, u, unit));
        let value = h.quantity.display(now);
        b.model.glance.push(Glance {
            key: h.key.into(),
            label: h.label.into(),
            value: value.clone(),
            change: change.clone(),
        });
        table.row(
            h.key,
            vec![h.label.into(), value, change.unwrap_or_else(|| "–".into())],
        );
    }
    b.table(table);
}

/// The settings as the categories of a chart.
fn setting_categories() -> Vec<Category> {
    Setting::ALL
        .iter()
        .map(|s| Category {
            key: s.code().into(),
            label: s.label().into(),
        })
        .collect()
}

/// Regions (or a region and England) as the categories of a chart.
fn unit_categories(units: &[&Unit]) -> Vec<Category> {
    units
        .iter()
        .map(|u| Category {
            key: u.id.clone(),
            label: u.name.clone(),
        })
        .collect()
}

/// The columns of a by-setting table: the settings, then the total.
fn setting_columns(first: (&str, &str)) -> Vec<(String, String)> {
    let mut columns = vec![(first.0.to_string(), first.1.to_string())];
    columns.extend(
        Setting::ALL
            .iter()
            .map(|s| (s.code().to_string(), s.short_label().to_string())),
    );
    columns.push(("total".into(), "Total".into()));
    columns
}

fn grouped(table: &mut Table, key: String, group: &str, cells: Vec<String>) {
    table.rows.push(Row {
        key,
        cells,
        group: Some(group.to_string()),
        total: false,
        comparator: false,
        single_value: false,
    });
}

/// A total row under a group heading.
fn grouped_total(table: &mut Table, key: String, group: &str, cells: Vec<String>) {
    grouped(table, key, group, cells);
    if let Some(row) = table.rows.last_mut() {
        row.total = true;
    }
}

/// Roles by setting, grouped by role group with a total for groups of several roles.
fn by_setting(b: &mut Builder, cut: &Breakdown) -> Result<(), RenderError> {
    type Measure = (&'static str, &'static str, fn(&Totals) -> f64, Format);
    let measures: [Measure; 2] = [
        ("wte", "WTE", |t| t.wte, fmt_wte),
        ("headcount", "Headcount", |t| t.headcount, fmt_count),
    ];
    for (key, label, value, format) in measures {
        let mut table = table_with(&setting_columns(("role", "Role")));
        table.id = format!("roles_by_setting_{key}");
        table.caption = format!("{label} by role group, role and setting");
        let cells = |name: String, of: &dyn Fn(Setting) -> Totals| {
            let mut cells = vec![name];
            let mut total = 0.0;
            for s in Setting::ALL {
                let v = value(&of(*s));
                total += v;
                cells.push(format(v));
            }
            cells.push(format(total));
            cells
        };
        for group in RoleGroup::ALL {
            let roles: Vec<Role> = Role::ALL
                .iter()
                .copied()
                .filter(|r| r.group() == *group)
                .collect();
            for role in &roles {
                let row = cells(role.label().into(), &|s| cut.setting_role(s, *role));
                grouped(&mut table, role.code().into(), group.label(), row);
            }
            if roles.len() > 1 {
                let row = cells(format!("All {}", group.label().to_lowercase()), &|s| {
                    cut.setting_group(s, *group)
                });
                grouped_total(
                    &mut table,
                    format!("group.{}", group.code()),
                    group.label(),
                    row,
                );
            }
        }
        let row = cells("All roles".into(), &|s| cut.setting(s));
        grouped_total(&mut table, "total".into(), "Everyone", row);
        b.table(table);
    }
    let categories = setting_categories();
    let series = vec![Series::new(
        "WTE",
        Setting::ALL
            .iter()
            .map(|s| Some(cut.setting(*s).wte))
            .collect(),
    )];
    b.bars_chart(
        "setting_wte",
        "WTE by setting",
        "Setting",
        "WTE",
        categories,
        series,
        fmt_wte,
    )
}

/// The four rates of each role group; for a region, against England; nationally, each rate
/// by region too.
fn rates_by_role_group(b: &mut Builder) -> Result<(), RenderError> {
    let unit = b.unit;
    let year = b.year();
    let england = year.england();
    let national = unit.kind == EntityKind::England;
    let rates = [
        MeasureId::VacancyRate,
        MeasureId::AgencyShare,
        MeasureId::StarterRate,
        MeasureId::LeaverRate,
    ]
    .map(MeasureId::measure);
    let mut columns = vec![("group", "Role group")];
    columns.extend(rates.iter().map(|m| (m.key, m.short)));
    let mut table = Table::new("rates_by_role_group", "Rates by role group", &columns);
    let areas: Vec<&Unit> = if national {
        vec![unit]
    } else {
        vec![unit, england]
    };
    for area in &areas {
        for group in RoleGroup::ALL {
            let mut cells = vec![group.label().to_string()];
            cells.extend(
                rates
                    .iter()
                    .map(|m| m.display(area.part_value(Part::Group(*group), m.id))),
            );
            let key = format!("{}.{}", area.id, group.code());
            if national {
                table.row(group.code(), cells);
            } else {
                grouped(&mut table, key, &area.name, cells);
                if let Some(row) = table.rows.last_mut() {
                    row.comparator = area.id != unit.id;
                }
            }
        }
    }
    b.table(table);
    let categories = RoleGroup::ALL.iter().map(|g| Category::group(*g)).collect();
    let series = areas
        .iter()
        .map(|a| {
            let values = RoleGroup::ALL
                .iter()
                .map(|g| a.part_value(Part::Group(*g), MeasureId::VacancyRate))
                .collect();
            if a.id == unit.id {
                Series::new(a.name.clone(), values)
            } else {
                Series::comparator(a.name.clone(), values)
            }
        })
        .collect();
    b.bars_chart(
        "vacancy_by_role_group",
        "Vacancy rate by role group",
        "Role group",
        "Vacancy rate",
        categories,
        series,
        fmt_pct,
    )?;
    if national {
        let regions: Vec<&Unit> = Region::ALL
            .iter()
            .filter_map(|r| year.unit(EntityKind::Region, r.code()))
            .collect();
        for m in rates {
            let (key, label) = (m.key, m.short);
            let mut columns: Vec<(String, String)> = vec![("group".into(), "Role group".into())];
            columns.extend(regions.iter().map(|r| (r.id.clone(), r.name.clone())));
            columns.push(("england".into(), "England".into()));
            let mut table = table_with(&columns);
            table.id = format!("{key}_by_region");
            table.caption = format!("{label} by role group and region");
            for group in RoleGroup::ALL {
                let mut cells = vec![group.label().to_string()];
                cells.extend(
                    regions
                        .iter()
                        .chain([&unit])
                        .map(|r| m.display(r.part_value(Part::Group(*group), m.id))),
                );
                table.row(group.code(), cells);
            }
            b.table(table);
        }
    }
    Ok(())
}

fn caseloads(b: &mut Builder, cut: &Breakdown) -> Result<(), RenderError> {
    if cut.caseloads.is_empty() {
        return Ok(());
    }
    let mut table = Table::new(
        "caseloads_by_role",
        "Caseloads by role",
        &[
            ("role", "Role"),
            ("cases", "Open cases"),
            ("wte", "WTE holding cases"),
            ("per_wte", "Cases per WTE"),
            ("organisations", "Organisations"),
            ("q1", "Lower quartile"),
            ("median", "Median"),
            ("q3", "Upper quartile"),
        ],
    );
    for (role, c) in &cut.caseloads {
        let d = c.spread.as_ref();
        table.row(
            role.code(),
            vec![
                role.label().into(),
                fmt_count(c.cases),
                fmt_wte(c.wte),
                opt(c.per_wte(), fmt_ratio),
                fmt_count(d.map_or(0.0, |d| d.values.len() as f64)),
                opt(d.map(|d| d.q1), fmt_ratio),
                opt(d.map(|d| d.median), fmt_ratio),
                opt(d.map(|d| d.q3), fmt_ratio),
            ],
        );
    }
    b.table(table);
    let roles: Vec<&Role> = cut.caseloads.keys().collect();
    let categories = roles
        .iter()
        .map(|r| Category {
            key: r.code().into(),
            label: r.label().into(),
        })
        .collect();
    let stat = |f: fn(&crate::metrics::Distribution) -> f64| {
        roles
            .iter()
            .map(|r| cut.caseloads[*r].spread.as_ref().map(f))
            .collect()
    };
    let series = vec![
        Series::new("Lower quartile", stat(|d| d.q1)),
        Series::new("Median", stat(|d| d.median)),
        Series::new("Upper quartile", stat(|d| d.q3)),
    ];
    b.bars_chart(
        "caseload_spread",
        "Open cases per WTE by role: spread across organisations",
        "Role",
        "Open cases per WTE",
        categories,
        series,
        fmt_ratio,
    )
}

fn regulated(b: &mut Builder, cut: &Breakdown) -> Result<(), RenderError> {
    let mut table = table_with(&setting_columns(("role", "Role")));
    table.id = "regulated_by_setting".into();
    table.caption = "Regulated professions' WTE by setting".into();
    let row = |name: String, of: &dyn Fn(Setting) -> f64| {
        let mut cells = vec![name];
        let mut total = 0.0;
        for s in Setting::ALL {
            let v = of(*s);
            total += v;
            cells.push(fmt_wte(v));
        }
        cells.push(fmt_wte(total));
        cells
    };
    for group in RoleGroup::ALL {
        for role in Role::ALL
            .iter()
            .filter(|r| r.regulated() && r.group() == *group)
        {
            let cells = row(role.label().into(), &|s| cut.setting_role(s, *role).wte);
            grouped(&mut table, role.code().into(), group.label(), cells);
        }
    }
    let cells = row("All regulated professions".into(), &|s| {
        cut.setting(s).regulated_wte
    });
    grouped_total(
        &mut table,
        "regulated".into(),
        "All regulated professions",
        cells,
    );
    let unit = b.unit;
    let mut cells = vec!["Share of the setting's WTE".to_string()];
    for s in Setting::ALL {
        cells.push(opt(
            unit.part_value(Part::Setting(*s), MeasureId::RegulatedShare),
            fmt_pct,
        ));
    }
    cells.push(opt(MeasureId::RegulatedShare.value(unit), fmt_pct));
    grouped(
        &mut table,
        "regulated_share".into(),
        "All regulated professions",
        cells,
    );
    b.table(table);
    let categories = setting_categories();
    let series = vec![Series::new(
        "Regulated share of WTE",
        Setting::ALL
            .iter()
            .map(|s| unit.part_value(Part::Setting(*s), MeasureId::RegulatedShare))
            .collect(),
    )];
    b.bars_chart(
        "regulated_share_by_setting",
        "Regulated professions' share of WTE by setting",
        "Setting",
        "Share of WTE",
        categories,
        series,
        fmt_pct,
    )
}

fn commissioning(b: &mut Builder, cut: &Breakdown) -> Result<(), RenderError> {
    let unit = b.unit;
    let year = b.year();
    let national = unit.kind == EntityKind::England;
    let mut table = Table::new(
        "commissioning_teams",
        "Commissioning teams",
        &[
            ("area", "Area"),
            ("las", "LAs"),
            ("las_reporting", "LAs returning"),
            ("wte", "WTE"),
            ("wte_vacant", "Vacant WTE"),
            col(MeasureId::VacancyRate),
            ("without_analyst", "No analyst"),
            ("without_coordinator", "No coordinator"),
            ("without_either", "Neither"),
        ],
    );
    let areas: Vec<&Unit> = if national {
        Region::ALL
            .iter()
            .filter_map(|r| year.unit(EntityKind::Region, r.code()))
            .chain([unit])
            .collect()
    } else {
        vec![unit, year.england()]
    };
    for area in &areas {
        let Some(c) = area
            .area
            .as_ref()
            .and_then(|a| a.breakdown.as_ref())
            .map(|cut| &cut.commissioning)
        else {
            continue;
        };
        let t = area.group_totals(RoleGroup::Commissioning);
        table.row(
            area.id.clone(),
            vec![
                area.name.clone(),
                fmt_count(c.las as f64),
                fmt_count(c.las_reporting as f64),
                fmt_wte(t.wte),
                fmt_wte(t.wte_vacant),
                opt(MeasureId::CommissioningVacancyRate.value(area), fmt_pct),
                fmt_count(c.without_analyst as f64),
                fmt_count(c.without_coordinator as f64),
                fmt_count(c.without_either as f64),
            ],
        );
    }
    b.table(table);
    let mut roles = Table::new(
        "commissioning_roles",
        "Commissioning teams by role",
        &[
            ("role", "Role"),
            col(MeasureId::Headcount),
            ("wte", "WTE"),
            ("wte_vacant", "Vacant WTE"),
            col(MeasureId::VacancyRate),
        ],
    );
    for role in Role::ALL
        .iter()
        .filter(|r| r.group() == RoleGroup::Commissioning)
    {
        let t = cut.setting_role(Setting::Commissioning, *role);
        roles.row(
            role.code(),
            vec![
                role.label().into(),
                fmt_count(t.headcount),
                fmt_wte(t.wte),
                fmt_wte(t.wte_vacant),
                opt(
                    unit.part_value(
                        Part::SettingRole(Setting::Commissioning, *role),
                        MeasureId::VacancyRate,
                    ),
                    fmt_pct,
                ),
            ],
        );
    }
    b.table(roles);
    let categories = unit_categories(&areas);
    let series = vec![Series::new(
        "Commissioning vacancy rate",
        areas
            .iter()
            .map(|a| MeasureId::CommissioningVacancyRate.value(a))
            .collect(),
    )];
    b.bars_chart(
        "commissioning_vacancy",
        "Commissioning teams' vacancy rate",
        "Area",
        "Vacancy rate",
        categories,
        series,
        fmt_pct,
    )
}

fn organisations(b: &mut Builder, cut: &Breakdown) {
    let mut table = Table::new(
        "organisations_volunteers",
        "Organisations, staff and volunteers by setting",
        &[
            ("setting", "Setting"),
            ("organisations", "Organisations"),
            col(MeasureId::Headcount),
            ("wte", "WTE"),
            col(MeasureId::Volunteers),
            ("volunteer_share", "Volunteers' share of everyone"),
        ],
    );
    let mut all = (0usize, Totals::default(), 0.0);
    for s in Setting::ALL {
        let t = cut.setting(*s);
        let n = cut.organisations.get(s).copied().unwrap_or(0);
        let v = cut.volunteers.get(s).copied().unwrap_or(0.0);
        all.0 += n;
        all.1.add(&t);
        all.2 += v;
        table.row(
            s.code(),
            vec![
                s.label().into(),
                fmt_count(n as f64),
                fmt_count(t.headcount),
                fmt_wte(t.wte),
                fmt_count(v),
                opt(
                    b.unit
                        .part_value(Part::Setting(*s), MeasureId::VolunteerShare),
                    fmt_pct,
                ),
            ],
        );
    }
    table.row(
        "total",
        vec![
            "All settings".into(),
            fmt_count(all.0 as f64),
            fmt_count(all.1.headcount),
            fmt_wte(all.1.wte),
            fmt_count(all.2),
            opt(MeasureId::VolunteerShare.value(b.unit), fmt_pct),
        ],
    );
    if let Some(row) = table.rows.last_mut() {
        row.total = true;
    }
    b.table(table);
}

/// Staff ethnicity and gender against England's population (Census 2021).
fn population(b: &mut Builder) -> Result<(), RenderError> {
    let unit = b.unit;
    if diversity::view(&unit.diversity, unit.totals.headcount).suppressed {
        // Too few people for a diversity breakdown, so none to compare either.
        return Ok(());
    }
    let comparators = reference::england_population();
    let mut table = Table::new(
        "population_comparison",
        "Staff and England's population",
        &[
            ("category", "Group"),
            ("staff", "Staff"),
            ("population", "England population"),
            ("difference", "Difference (points)"),
        ],
    );
    for p in &comparators {
        let label = p
            .dimension
            .categories()
            .iter()
            .find(|(c, _)| *c == p.category)
            .map_or(p.category, |(_, l)| *l);
        let staff = unit.known_share(p.dimension, p.category);
        let group = match p.dimension {
            Dimension::Gender => "Sex (staff: gender)",
            _ => p.dimension.label(),
        };
        grouped(
            &mut table,
            format!("{}.{}", p.dimension.code(), p.category),
            group,
            vec![
                label.into(),
                opt(staff, fmt_pct),
                fmt_pct(p.share),
                opt(staff.map(|s| (s - p.share) * 100.0), |v| {
                    format!("{}{}", if v > 0.0 { "+" } else { "" }, fmt_ratio(v))
                }),
            ],
        );
    }
    b.table(table);
    let mut sources: Vec<String> = comparators.iter().map(|p| p.source.clone()).collect();
    sources.dedup();
    b.model.sources = sources;
    let ethnic: Vec<_> = comparators
        .iter()
        .filter(|p| p.dimension == Dimension::Ethnicity)
        .collect();
    let categories = ethnic
        .iter()
        .map(|p| Category {
            key: p.category.into(),
            label: Dimension::Ethnicity
                .categories()
                .iter()
                .find(|(c, _)| *c == p.category)
                .map_or(p.category, |(_, l)| *l)
                .into(),
        })
        .collect();
    let series = vec![
        Series::new(
            format!("Staff ({})", unit.name),
            ethnic
                .iter()
                .map(|p| unit.known_share(Dimension::Ethnicity, p.category))
                .collect(),
        ),
        Series::new(
            "England population (Census 2021)",
            ethnic.iter().map(|p| Some(p.share)).collect(),
        ),
    ];
    b.bars_chart(
        "population_ethnicity",
        "Ethnicity of staff and of England's population",
        "Ethnic group",
        "Share",
        categories,
        series,
        fmt_pct,
    )
}

/// Every region (and England) on every headline rate, in two tables.
fn regional_comparison(b: &mut Builder) -> Result<(), RenderError> {
    let year = b.year();
    let areas: Vec<&Unit> = Region::ALL
        .iter()
        .filter_map(|r| year.unit(EntityKind::Region, r.code()))
        .chain([year.england()])
        .collect();
    for (id, caption, keys) in [
        (
            "regional_rates",
            "Workforce rates by region",
            REGIONAL_RATES,
        ),
        (
            "regional_profile",
            "Staffing levels and workforce profile by region",
            REGIONAL_PROFILE,
        ),
    ] {
        let mut columns: Vec<(String, String)> = vec![("region".into(), "Region".into())];
        columns.extend(
            keys.iter()
                .map(|k| (k.measure().key.to_string(), k.measure().short.to_string())),
        );
        let mut table = table_with(&columns);
        table.id = id.into();
        table.caption = caption.into();
        for area in &areas {
            let mut cells = vec![area.name.clone()];
            cells.extend(keys.iter().map(|k| {
                let h = k.measure();
                h.display(h.value(area))
            }));
            table.row(area.id.clone(), cells);
            if let Some(row) = table.rows.last_mut() {
                // A region's report: the other regions and England, for comparison.
                row.comparator = b.unit.kind != EntityKind::England && area.id != b.unit.id;
            }
        }
        b.table(table);
    }
    let categories = unit_categories(&areas);
    let series = [
        MeasureId::DeliveryVacancyRate,
        MeasureId::DeliveryLeaverRate,
    ]
    .iter()
    .map(|k| {
        let h = k.measure();
        Series::new(h.short, areas.iter().map(|a| h.value(a)).collect())
    })
    .collect();
    b.bars_chart(
        "regional_rates",
        "Vacancy and leaver rates by region",
        "Region",
        "Rate",
        categories,
        series,
        fmt_pct,
    )?;
    if b.unit.kind != EntityKind::England {
        let own = b.unit.id.clone();
        if let Some(chart) = b.model.charts.get_mut("regional_rates") {
            for row in &mut chart.table.rows {
                row.comparator = row.key != own;
            }
        }
    }
    Ok(())
}

/// Every headline figure in every census year present, with the LA boundary notes.
fn headline_trends(b: &mut Builder) {
    let unit = b.unit;
    let mut years = earlier(b);
    years.push((b.year().year, unit));
    if years.len() < 2 {
        // The first census year present: there is no trend to show yet.
        return;
    }
    let mut columns: Vec<(String, String)> = vec![("figure".into(), "Figure".into())];
    columns.extend(years.iter().map(|(y, _)| (y.to_string(), y.to_string())));
    let mut table = table_with(&columns);
    table.id = "headline_trends".into();
    table.caption = "Headline figures by census year".into();
    for h in HEADLINES.map(MeasureId::measure) {
        let mut cells = vec![h.label.to_string()];
        cells.extend(years.iter().map(|(_, u)| h.display(h.value(u))));
        table.row(h.key, cells);
    }
    b.table(table);
    let region = (unit.kind == EntityKind::Region)
        .then_some(unit.region)
        .flatten();
    let mut notes = Vec::new();
    for ((kind, _), trend) in &b.ctx.metrics.trends {
        let Some(change) = trend.boundary_change.as_ref() else {
            continue;
        };
        let la_region = trend
            .points
            .last()
            .and_then(|p| b.year().unit(EntityKind::La, &p.id).and_then(|u| u.region));
        if *kind != EntityKind::La || (region.is_some() && la_region != region) {
            continue;
        }
        if let Ok(note) = b.message("trend_note", minijinja::Value::from_serialize(change)) {
            notes.push(note);
        }
    }
    b.model.trend.boundary_notes = notes;
}
