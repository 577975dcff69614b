//! A local authority's report: its workforce, MDT calculator and expansion plans.
use super::*;

/// The figures an LA's and an ICB's key messages place among their peers.
pub(super) const PEER_KEY_MESSAGES: [MeasureId; 4] = [
    MeasureId::WtePer100kAdults,
    MeasureId::InTreatmentPerDawWte,
    MeasureId::VacancyRate,
    MeasureId::LeaverRate,
];

pub(super) fn local_authority(b: &mut Builder) -> Result<(), RenderError> {
    let unit = b.unit;
    let area = unit
        .area
        .as_ref()
        .ok_or_else(|| RenderError::NoFigures(unit.id.clone()))?;
    let text = b.message(
        "la_workforce_message",
        context! {
            subject => format!("{}'s", unit.name),
            wte => opt(MeasureId::Wte.value(unit), fmt_wte),
            year => b.year().year,
            estimate => super::estimates::estimate_context(b),
            like => super::estimates::like_for_like_context(b),
        },
    )?;
    b.model.key_messages.push(text);
    super::estimates::change_table(b);
    b.key_messages(&PEER_KEY_MESSAGES)?;
    b.position_table(
        "area_workforce",
        "The area's workforce against other local authorities",
        "This area",
        &[
            MeasureId::Wte,
            MeasureId::WtePer100kAdults,
            MeasureId::InTreatmentPerDawWte,
        ],
    );
    b.peer_chart(
        "wte_per_100k_peers",
        MeasureId::WtePer100kAdults,
        &format!(
            "{}: this area and every other local authority",
            MeasureId::WtePer100kAdults.measure().short
        ),
    )?;
    b.peer_chart(
        "in_treatment_per_daw_peers",
        MeasureId::InTreatmentPerDawWte,
        "Adults in treatment per drug and alcohol worker WTE",
    )?;
    b.role_group_chart()?;

    let mut table = Table::new(
        "serving_organisations",
        "Organisations serving the area",
        &[
            ("organisation", "Organisation"),
            ("type", "Type"),
            ("share", "Share of its workforce"),
            col(MeasureId::AttributedWte),
        ],
    )
    .text_columns(&[1]);
    for s in &area.serving {
        let kind = match s.org_type {
            OrgType::Lero => "LERO",
            _ => "Provider",
        };
        table.row(
            s.org_id.clone(),
            vec![
                s.org_name.clone(),
                kind.into(),
                fmt_pct(s.share),
                fmt_wte(s.attributed_wte),
            ],
        );
    }
    b.table(table);

    let teams: Vec<&Unit> = area
        .commissioners
        .iter()
        .filter_map(|id| b.year().unit(EntityKind::Commissioner, id))
        .collect();
    if !teams.is_empty() {
        let mut table = Table::new(
            "commissioning_team",
            "Commissioning team",
            &[
                ("team", "Team"),
                col(MeasureId::Headcount),
                ("wte", "WTE"),
                col(MeasureId::VacancyRate),
            ],
        );
        for team in teams {
            table.row(
                team.id.clone(),
                vec![
                    team.name.clone(),
                    fmt_count(team.totals.headcount),
                    fmt_wte(team.totals.wte),
                    opt(MeasureId::VacancyRate.value(team), fmt_pct),
                ],
            );
        }
        b.table(table);
    }

    vacancies(b, "This area")?;
    b.skill_mix_chart()?;
    b.mdt_calculator(area)?;
    if !area.expansion.is_empty() {
        let lines: Vec<TargetLine> = area
            .expansion
            .iter()
            .map(|l| TargetLine {
                group: l.category,
                baseline: l.baseline_fte,
                target: l.planned_fte,
                actual: l.actual_wte,
            })
            .collect();
        b.target_against_actual(
            "expansion_plan",
            &lines,
            "Planned",
            "Expansion plan and census actual by role group",
        )?;
    }
    if !area.plan.is_empty() {
        workbook_plan(b, area)?;
    }
    if !area.continuity.planned.is_empty() || !area.continuity.actual.is_empty() {
        b.trend_chart(
            "continuity_of_care",
            "Continuity of care for prison leavers: local plan, actual and national ambition, by financial year",
            "Per cent engaging within 3 weeks",
            &PlanYear::ALL_STARTS,
            vec![
                Series::new(
                    "Local plan",
                    PlanYear::all()
                        .map(|y| area.continuity.planned.get(&y).copied())
                        .collect(),
                ),
                Series::new(
                    "Actual",
                    PlanYear::all()
                        .map(|y| area.continuity.actual.get(&y).copied())
                        .collect(),
                ),
                Series::new(
                    "National ambition",
                    PlanYear::all()
                        .map(|y| Some(crate::input::plans::national_continuity(y)))
                        .collect(),
                ),
            ],
            fmt_percent_points,
        )?;
    }
    Ok(())
}
