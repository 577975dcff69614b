//! An integrated care board's report (SPEC §17): the workforce serving its footprint (its
//! LAs' attributed workforce weighted by each LA's share of adults in it), each LA side by
//! side, the footprint against the other ICBs and England, the LAs' plans summed, continuity of
//! care, and which LAs are split with what share.
use super::*;

pub(super) fn icb(b: &mut Builder) -> Result<(), RenderError> {
    let unit = b.unit;
    let area = unit
        .area
        .as_ref()
        .ok_or_else(|| RenderError::NoFigures(unit.id.clone()))?;
    b.key_messages(&super::la::PEER_KEY_MESSAGES)?;
    b.position_table(
        "footprint_workforce",
        "The footprint's workforce against other integrated care boards",
        "This footprint",
        &[
            MeasureId::AttributedWte,
            MeasureId::WtePer100kAdults,
            MeasureId::InTreatmentPerDawWte,
            MeasureId::VacancyRate,
            MeasureId::LeaverRate,
        ],
    );
    super::area::headlines(b);
    b.peer_chart(
        "wte_per_100k_peers",
        MeasureId::WtePer100kAdults,
        &format!(
            "{}: this footprint and every other integrated care board",
            MeasureId::WtePer100kAdults.measure().short
        ),
    )?;
    b.role_group_chart()?;
    super::area::sectors_and_role_groups(b)?;
    member_las(b, area);
    vacancies(b, "This footprint")?;
    b.skill_mix_chart()?;
    b.mdt_calculator(area)?;
    if !area.plan.is_empty() {
        workbook_plan(b, area)?;
        plan_ambitions(b, area);
    }
    Ok(())
}

/// Each LA of the footprint side by side: its share of adults in the footprint (an LA split
/// between footprints has a share below 100%), its own attributed WTE and rates, its MDT gap,
/// how many of the providers and LEROs invited to serve it returned, and its continuity of
/// care for prison leavers.
fn member_las(b: &mut Builder, area: &crate::metrics::AreaFigures) {
    let year = b.year();
    let unit = b.unit;
    let plan_year = PlanYear::for_census(b.ctx.meta.year);
    let ambition_year = PlanYear::all().last().unwrap_or(plan_year);
    let continuity_planned = format!("Continuity of care planned {ambition_year}");
    let continuity_actual = format!("Continuity of care {plan_year}");
    let mut table = Table::new(
        "local_authorities",
        "Local authorities in the footprint",
        &[
            ("la", "Local authority"),
            ("share", "Share of its adults in this footprint"),
            col(MeasureId::AttributedWte),
            col(MeasureId::WtePer100kAdults),
            col(MeasureId::VacancyRate),
            col(MeasureId::LeaverRate),
            ("mdt_gap", "MDT gap (WTE)"),
            ("returned", "Providers and LEROs returned"),
            ("continuity_planned", &continuity_planned),
            ("continuity_actual", &continuity_actual),
        ],
    )
    .comparator_columns(&["returned"]);
    let lookup = &year.icb_lookup;
    let shares: BTreeMap<&str, f64> = lookup
        .iter()
        .filter(|s| s.icb_code == unit.id)
        .map(|s| (s.la_code.as_str(), s.share))
        .collect();
    let coverage = b.ctx.metrics.participation.as_ref();
    let mut split = Vec::new();
    for code in &area.members {
        let Some(la) = year.unit(EntityKind::La, code) else {
            continue;
        };
        let share = shares.get(code.as_str()).copied().unwrap_or(0.0);
        if share < 1.0 {
            let elsewhere: Vec<String> = lookup
                .iter()
                .filter(|s| s.la_code == *code && s.icb_code != unit.id)
                .map(|s| format!("{} in {}", fmt_pct(s.share), s.icb_name))
                .collect();
            split.push((
                code.clone(),
                la.name.clone(),
                fmt_pct(share),
                elsewhere.join("; "),
            ));
        }
        let cell = |id: MeasureId| id.measure().display(id.measure().value(la));
        let la_area = la.area.as_ref();
        let gap: Option<f64> =
            la_area.map(|a| a.mdt.iter().map(|l| l.actual_wte - l.required_wte).sum());
        let returned = coverage
            .and_then(|p| p.las.get(code))
            .map_or("–".to_string(), |c| {
                format!(
                    "{} of {}",
                    c.serving_response.returned, c.serving_response.invited
                )
            });
        let continuity = |m: Option<&BTreeMap<PlanYear, f64>>, y: PlanYear| {
            m.and_then(|m| m.get(&y))
                .map_or("–".to_string(), |v| format!("{}%", fmt_count(*v)))
        };
        table.row(
            code.clone(),
            vec![
                la.name.clone(),
                fmt_pct(share),
                cell(MeasureId::AttributedWte),
                cell(MeasureId::WtePer100kAdults),
                cell(MeasureId::VacancyRate),
                cell(MeasureId::LeaverRate),
                opt(gap, fmt_wte),
                returned,
                continuity(la_area.map(|a| &a.continuity.planned), ambition_year),
                continuity(la_area.map(|a| &a.continuity.actual), plan_year),
            ],
        );
    }
    b.table(table);
    if !split.is_empty() {
        let mut table = Table::new(
            "split_las",
            "Local authorities split between footprints",
            &[
                ("la", "Local authority"),
                ("here", "Share of its adults in this footprint"),
                ("elsewhere", "The rest"),
            ],
        )
        .text_columns(&[2]);
        for (code, name, here, elsewhere) in split {
            table.row(code, vec![name, here, elsewhere]);
        }
        b.table(table);
    }
}
