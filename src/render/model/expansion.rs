//! Expansion plans against the census, for an LA and summed for a region or England (the LA
//! and area reports share it).

use super::*;

/// The LAs' plans summed against the strategy's ambitions: planned growth from the 2021-22
/// baseline to 2024-25 for the two strategy groups (+800 and +950 WTE nationally), and how
/// many LAs plan continuity of care of at least 75% for 2024-25.
pub(super) fn plan_ambitions(b: &mut Builder, area: &crate::metrics::AreaFigures) {
    let mut table = Table::new(
        "plan_ambitions",
        "The LAs' plans against the national ambitions",
        &[
            ("measure", "Measure"),
            ("planned", "LAs' plans"),
            ("ambition", "National ambition"),
        ],
    );
    for group in [
        StrategyGroup::MedicalMentalHealth,
        StrategyGroup::DrugAlcoholCj,
    ] {
        let growth = area.planned_growth.get(&group).copied().unwrap_or(0.0);
        table.row(
            group.code(),
            vec![
                format!(
                    "{}: planned growth, 2021-22 to 2024-25 (FTE)",
                    group.label()
                ),
                fmt_wte(growth),
                format!("+{}", fmt_count(group.ambition_wte())),
            ],
        );
    }
    if let Some((reaching, planning)) = area.continuity_ambition {
        table.row(
            "continuity_of_care",
            vec![
                "LAs planning continuity of care of 75% or more for 2024-25".into(),
                format!("{reaching} of {planning}"),
                "75% (3 in 4 prison leavers)".into(),
            ],
        );
    }
    b.table(table);
}

/// A percentage already in points (37.0 prints as 37.0%).
pub(super) fn fmt_percent_points(v: f64) -> String {
    format!("{v:.1}%")
}

/// An LA's planning workbook by category: planned FTE for every year, the census WTE of the
/// category's roles, the gap against the census year's plan and the share achieved, with the
/// three subset rows grouped under the drug and alcohol workers; and a chart of the census
/// year's plan against actual.
pub(super) fn workbook_plan(
    b: &mut Builder,
    area: &crate::metrics::AreaFigures,
) -> Result<(), RenderError> {
    let plan_year = PlanYear::for_census(b.ctx.meta.year);
    let mut columns: Vec<(String, String)> = vec![("category".into(), "Workforce category".into())];
    for year in PlanYear::all() {
        columns.push((format!("planned_{year}"), format!("Planned {year}")));
    }
    columns.push(("actual".into(), "Census WTE".into()));
    columns.push(("gap".into(), format!("Gap against {plan_year}")));
    columns.push(("achieved".into(), "Achieved".into()));
    let mut table = table_with(&columns);
    table.id = "expansion_categories".into();
    table.caption = "Expansion plan by workforce category and census WTE".into();
    for plan in &area.plan {
        let mut cells = vec![plan.category.label().to_string()];
        for year in PlanYear::all() {
            cells.push(opt(plan.planned.get(&year).copied(), fmt_wte));
        }
        cells.push(fmt_wte(plan.actual_wte));
        cells.push(opt(plan.gap_wte, fmt_wte));
        cells.push(opt(plan.achieved_share, fmt_pct));
        table.row(plan.category.code(), cells);
        if plan.category.is_subset() {
            if let Some(row) = table.rows.last_mut() {
                row.group = Some("Drug and alcohol workers, of which".into());
            }
        }
    }
    b.table(table);
    let lines: Vec<&crate::metrics::CategoryPlan> = area
        .plan
        .iter()
        .filter(|p| !p.category.is_subset() && p.planned.contains_key(&plan_year))
        .collect();
    if !lines.is_empty() {
        b.bars_chart(
            "expansion_categories",
            &format!("Planned FTE for {plan_year} and census WTE by workforce category"),
            "Workforce category",
            "FTE / WTE",
            lines
                .iter()
                .map(|p| Category {
                    key: p.category.code().into(),
                    label: p.category.label().into(),
                })
                .collect(),
            vec![
                Series::new(
                    format!("Planned {plan_year}"),
                    lines
                        .iter()
                        .map(|p| p.planned.get(&plan_year).copied())
                        .collect(),
                ),
                Series::new(
                    "Census WTE",
                    lines.iter().map(|p| Some(p.actual_wte)).collect(),
                ),
            ],
            fmt_wte,
        )?;
    }
    Ok(())
}
