//! The regional and national reports' common content and the hex map of LAs.
use super::*;

/// Regional and national reports.
pub(super) fn area(b: &mut Builder) -> Result<(), RenderError> {
    let unit = b.unit;
    let area = unit
        .area
        .as_ref()
        .ok_or_else(|| RenderError::NoFigures(unit.id.clone()))?;
    let national = unit.kind == EntityKind::England;
    if !area.plan.is_empty() {
        workbook_plan(b, area)?;
        plan_ambitions(b, area);
    }
    findings::area_key_messages(b)?;
    strategy_messages(b)?;
    headlines(b);
    if national {
        regions(b)?;
    } else {
        local_authorities(b, area);
    }
    sectors_and_role_groups(b)?;
    strategy_progress(b)?;
    estimates(b);
    if national {
        peer_distributions(b);
        b.funnel_chart(
            "leaver_rate_funnel",
            EntityKind::Provider,
            MeasureId::LeaverRate,
            "Providers' leaver rates against headcount: funnel plot",
        )?;
        b.funnel_chart(
            "starter_rate_funnel",
            EntityKind::Provider,
            MeasureId::StarterRate,
            "Providers' starter rates against headcount: funnel plot",
        )?;
    }
    Ok(())
}

/// A key message for each strategy group's growth since the 2022 baseline.
fn strategy_messages(b: &mut Builder) -> Result<(), RenderError> {
    let unit = b.unit;
    let strategy = b.ctx.metrics.strategy.get(&unit.id);
    for l in strategy.into_iter().flatten() {
        let text = b.message(
            "strategy_message",
            context! {
                group => l.group.label(),
                growth => fmt_wte(l.growth_wte),
                baseline_year => l.baseline_year,
                baseline => fmt_wte(l.baseline_wte),
                current => fmt_wte(l.current_wte),
                ambition => (l.ambition_wte > 0.0).then(|| fmt_count(l.ambition_wte)),
                estimated => l.estimated_growth_wte.map(fmt_wte),
                like => l.like_for_like_growth_wte.map(fmt_wte),
                organisations => l.like_for_like_organisations,
                from_response => l.like_for_like_growth_wte.map(|like| fmt_wte((l.growth_wte - like).abs())),
                response_added => l.like_for_like_growth_wte.map(|like| l.growth_wte >= like),
            },
        )?;
        b.model.key_messages.push(text);
    }
    Ok(())
}

/// The workforce as returned and as estimated for each part of the area, and the area's
/// change since the last census like for like and in all returns.
fn estimates(b: &mut Builder) {
    let year = b.year();
    let unit = b.unit;
    let mut parts: Vec<&Unit> = if unit.kind == EntityKind::England {
        Region::ALL
            .iter()
            .filter_map(|r| year.unit(EntityKind::Region, r.code()))
            .collect()
    } else {
        let members = unit
            .area
            .as_ref()
            .map(|a| a.members.clone())
            .unwrap_or_default();
        members
            .iter()
            .filter_map(|code| year.unit(EntityKind::La, code))
            .collect()
    };
    parts.push(unit);
    estimates::estimate_table(b, &parts);
    estimates::change_table(b);
}

/// The headline figures against England (the national report gives them at a glance).
pub(super) fn headlines(b: &mut Builder) {
    let unit = b.unit;
    let england = b.year().england();
    let national = unit.kind == EntityKind::England;
    let mut columns = vec![("measure", "Measure"), ("value", unit.name.as_str())];
    if !national {
        columns.push(("england", "England"));
    }
    let mut table =
        Table::new("headlines", "Headline figures", &columns).comparator_columns(&["england"]);
    let figures = [
        MeasureId::Headcount,
        MeasureId::Wte,
        MeasureId::WtePer100kAdults,
        MeasureId::InTreatmentPerDawWte,
        MeasureId::VacancyRate,
        MeasureId::LeaverRate,
        MeasureId::AgencyShare,
        MeasureId::Volunteers,
    ];
    for m in figures.map(MeasureId::measure) {
        let value = |u: &Unit| m.display(m.value(u));
        let mut cells = vec![m.label.to_string(), value(unit)];
        if !national {
            cells.push(value(england));
        }
        table.row(m.key, cells);
    }
    // The national report gives these figures at a glance, with their change.
    if !national {
        b.table(table);
    }
}

/// The national report: every region's workforce, and the hex map of LAs.
fn regions(b: &mut Builder) -> Result<(), RenderError> {
    let year = b.year();
    let regions: Vec<&Unit> = Region::ALL
        .iter()
        .filter_map(|r| year.unit(EntityKind::Region, r.code()))
        .collect();
    let mut table = table_with(&[
        ("region".into(), "Region".into()),
        ("wte".into(), "WTE".into()),
        (
            MeasureId::WtePer100kAdults.key().into(),
            MeasureId::WtePer100kAdults.measure().short.into(),
        ),
        col_all_roles(MeasureId::VacancyRate),
        col_all_roles(MeasureId::LeaverRate),
    ]);
    table.id = "regions".into();
    table.caption = "Workforce by region".into();
    for r in &regions {
        table.row(
            r.id.clone(),
            vec![
                r.name.clone(),
                fmt_wte(r.totals.wte),
                opt(MeasureId::WtePer100kAdults.value(r), fmt_ratio),
                opt(MeasureId::VacancyRate.value(r), fmt_pct),
                opt(MeasureId::LeaverRate.value(r), fmt_pct),
            ],
        );
    }
    b.table(table);
    let categories = regions
        .iter()
        .map(|r| Category {
            key: r.id.clone(),
            label: r.name.clone(),
        })
        .collect();
    let per_100k = MeasureId::WtePer100kAdults.measure().short;
    let series = vec![Series::new(
        per_100k,
        regions
            .iter()
            .map(|r| MeasureId::WtePer100kAdults.value(r))
            .collect(),
    )];
    b.bars_chart(
        "regions_wte_per_100k",
        &format!("{per_100k} by region"),
        "Region",
        per_100k,
        categories,
        series,
        fmt_ratio,
    )?;
    hex_map(b)?;
    Ok(())
}

/// A regional report: its LAs side by side.
fn local_authorities(b: &mut Builder, area: &crate::metrics::AreaFigures) {
    let year = b.year();
    let mut table = Table::new(
        "local_authorities",
        "Local authorities",
        &[
            ("la", "Local authority"),
            col(MeasureId::AttributedWte),
            col(MeasureId::WtePer100kAdults),
            col(MeasureId::InTreatmentPerDawWte),
            col(MeasureId::VacancyRate),
        ],
    );
    for code in &area.members {
        if let Some(la) = year.unit(EntityKind::La, code) {
            let cell = |id: MeasureId| id.measure().display(id.measure().value(la));
            table.row(
                code.clone(),
                vec![
                    la.name.clone(),
                    fmt_wte(la.totals.wte),
                    cell(MeasureId::WtePer100kAdults),
                    cell(MeasureId::InTreatmentPerDawWte),
                    cell(MeasureId::VacancyRate),
                ],
            );
        }
    }
    b.table(table);
}

/// Provider and LERO WTE by sector, and by role group.
pub(super) fn sectors_and_role_groups(b: &mut Builder) -> Result<(), RenderError> {
    let unit = b.unit;
    let national = unit.kind == EntityKind::England;
    let mut table = Table::new(
        "sectors",
        "Provider and LERO WTE by sector",
        &[("sector", "Sector"), ("wte", "WTE"), ("share", "Share")],
    );
    for sector in Sector::ALL {
        table.row(
            sector.code(),
            vec![
                sector.label().into(),
                fmt_wte(unit.sector_wte(*sector)),
                opt(unit.sector_share_of_wte(*sector), fmt_pct),
            ],
        );
    }
    b.table(table);
    if national {
        let categories = RoleGroup::ALL.iter().map(|g| Category::group(*g)).collect();
        let series = vec![Series::new(
            "WTE",
            RoleGroup::ALL
                .iter()
                .map(|g| Some(unit.group_wte(*g)))
                .collect(),
        )];
        b.bars_chart(
            "role_group_wte",
            "WTE by role group",
            "Role group",
            "WTE",
            categories,
            series,
            fmt_wte,
        )?;
    } else {
        b.role_group_chart()?;
    }
    Ok(())
}

/// The strategy groups' growth since the 2022 baseline, against the national ambitions.
fn strategy_progress(b: &mut Builder) -> Result<(), RenderError> {
    let unit = b.unit;
    let national = unit.kind == EntityKind::England;
    let strategy = b.ctx.metrics.strategy.get(&unit.id);
    if let Some(lines) = strategy {
        let mut table = Table::new(
            "strategy",
            "Growth of the strategy groups since the 2022 baseline",
            &[
                ("group", "Group"),
                ("baseline_wte", "2022 WTE"),
                ("current_wte", "Now WTE"),
                ("growth_wte", "Growth as returned"),
                ("like_for_like_growth_wte", "Growth like for like"),
                ("estimated_growth_wte", "Growth estimated"),
                ("ambition_wte", "National ambition"),
            ],
        );
        for l in lines {
            let ambition = if l.ambition_wte > 0.0 {
                format!("+{}", fmt_count(l.ambition_wte))
            } else {
                "–".into()
            };
            table.row(
                l.group.code(),
                vec![
                    l.group.label().into(),
                    fmt_wte(l.baseline_wte),
                    fmt_wte(l.current_wte),
                    fmt_wte(l.growth_wte),
                    opt(l.like_for_like_growth_wte, fmt_wte),
                    opt(l.estimated_growth_wte, fmt_wte),
                    ambition,
                ],
            );
        }
        b.table(table);
        let categories = lines
            .iter()
            .map(|l| Category {
                key: l.group.code().into(),
                label: l.group.label().into(),
            })
            .collect();
        let mut series = vec![
            Series::new(
                "As returned",
                lines.iter().map(|l| Some(l.growth_wte.max(0.0))).collect(),
            ),
            Series::new(
                "Like for like",
                lines
                    .iter()
                    .map(|l| l.like_for_like_growth_wte.map(|v| v.max(0.0)))
                    .collect(),
            ),
            Series::new(
                "Estimated",
                lines
                    .iter()
                    .map(|l| l.estimated_growth_wte.map(|v| v.max(0.0)))
                    .collect(),
            ),
        ];
        if national {
            series.push(Series::new(
                "Ambition",
                lines.iter().map(|l| Some(l.ambition_wte)).collect(),
            ));
        }
        b.bars_chart(
            "strategy_growth",
            "Strategy groups: growth since 2022",
            "Group",
            "WTE",
            categories,
            series,
            fmt_wte,
        )?;
    }
    Ok(())
}

/// The national report: every peer group's distribution of every measure with peers.
fn peer_distributions(b: &mut Builder) {
    let year = b.year();
    let mut table = Table::new(
        "peer_distributions",
        "Peer distributions",
        &[
            ("measure", "Measure"),
            ("q1", "Lower quartile"),
            ("median", "Median"),
            ("q3", "Upper quartile"),
            ("n", "Count"),
        ],
    );
    for ((kind, metric), d) in &year.peers {
        if *kind == EntityKind::Commissioner {
            continue;
        }
        let f = format_of(*metric);
        table.rows.push(Row {
            key: format!("{}.{}", kind.code(), metric.key()),
            cells: vec![
                metric.measure().label.into(),
                f(d.q1),
                f(d.median),
                f(d.q3),
                d.values.len().to_string(),
            ],
            group: Some(capitalised(kind.peers_label())),
            total: false,
            comparator: false,
            single_value: false,
        });
    }
    b.table(table);
}

pub(super) fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

pub(super) fn hex_map(b: &mut Builder) -> Result<(), RenderError> {
    let year = b.year();
    let layout = reference::local_authorities(b.ctx.meta.year);
    let Some(d) = year
        .peers
        .get(&(EntityKind::La, MeasureId::WtePer100kAdults))
    else {
        return Ok(());
    };
    struct Cell {
        code: String,
        name: String,
        q: i32,
        r: i32,
        region: usize,
        value: Option<f64>,
    }
    let values: Vec<Cell> = layout
        .iter()
        .map(|la| Cell {
            code: la.la_code.clone(),
            name: la.la_name.clone(),
            q: la.hex_q,
            r: la.hex_r,
            region: Region::ALL
                .iter()
                .position(|r| *r == la.region)
                .unwrap_or(0),
            value: year
                .unit(EntityKind::La, &la.la_code)
                .and_then(|u| MeasureId::WtePer100kAdults.value(u)),
        })
        .collect();
    let breaks: Vec<f64> = (1..HEX_BANDS)
        .map(|k| {
            crate::stats::quantile_sorted(&d.values, k as f64 / HEX_BANDS as f64).unwrap_or(0.0)
        })
        .collect();
    let band = |v: f64| breaks.iter().filter(|b| v > **b).count();
    let cells: Vec<HexCell> = values
        .iter()
        .map(|c| HexCell {
            q: c.q,
            r: c.r,
            class: c.value.map(band),
            region: c.region,
        })
        .collect();
    let regions: Vec<String> = Region::ALL.iter().map(|r| r.label().to_string()).collect();
    let mut legend = Vec::new();
    let mut lower = d.min;
    for upper in breaks.iter().chain([&d.max]) {
        legend.push(format!("{} to {}", fmt_ratio(lower), fmt_ratio(*upper)));
        lower = *upper;
    }
    let svg = charts::hex_map(&HexMap {
        cells: &cells,
        legend: &legend,
        regions: &regions,
        title: MeasureId::WtePer100kAdults.measure().short,
    })?;
    let mut sorted: Vec<&Cell> = values.iter().filter(|c| c.value.is_some()).collect();
    sorted.sort_by(|a, b| {
        b.value
            .unwrap_or(0.0)
            .total_cmp(&a.value.unwrap_or(0.0))
            .then(a.name.cmp(&b.name))
    });
    let named = |c: &&Cell| context! { name => c.name.clone(), value => opt(c.value, fmt_ratio) };
    let highest: Vec<minijinja::Value> = sorted.iter().take(3).map(named).collect();
    let lowest: Vec<minijinja::Value> = sorted.iter().rev().take(3).map(named).collect();
    let missing = values.len() - sorted.len();
    let alt = b.message(
        "hex_alt",
        context! { n => values.len(), bands => HEX_BANDS, measure => MeasureId::WtePer100kAdults.measure().short, low => fmt_ratio(d.min), high => fmt_ratio(d.max), england => opt(MeasureId::WtePer100kAdults.value(year.england()), fmt_ratio), median => fmt_ratio(d.median), missing, highest, lowest },
    )?;
    let mut table = Table::new(
        "",
        "",
        &[
            ("la", "Local authority"),
            col(MeasureId::WtePer100kAdults),
            ("band", "Band (1 = lowest)"),
        ],
    );
    let mut rows: Vec<&Cell> = values.iter().collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    for c in rows {
        table.row(
            c.code.clone(),
            vec![
                c.name.clone(),
                opt(c.value, fmt_ratio),
                c.value.map_or("–".into(), |v| (band(v) + 1).to_string()),
            ],
        );
    }
    b.chart(
        "hex_map",
        svg,
        alt,
        &format!(
            "Hex map of local authorities: {}",
            MeasureId::WtePer100kAdults.measure().short
        ),
        table,
    );
    Ok(())
}
