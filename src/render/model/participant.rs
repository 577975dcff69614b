//! A provider's or LERO's report: its peers, vacancies and caseloads.

use super::*;

/// Tables, charts and key messages for a provider or LERO.
pub(super) fn participant(b: &mut Builder) -> Result<(), RenderError> {
    b.key_messages(&[
        MeasureId::Wte,
        MeasureId::VacancyRate,
        MeasureId::LeaverRate,
        MeasureId::AgencyShare,
        MeasureId::CaseloadPerWte,
    ])?;
    b.position_table(
        "workforce_size",
        "Workforce size against peers",
        "You",
        &[MeasureId::Headcount, MeasureId::Wte, MeasureId::Volunteers],
    );
    b.peer_chart(
        "wte_peers",
        MeasureId::Wte,
        "WTE in post: you and your peers",
    )?;
    b.role_group_chart()?;
    vacancies(b, "You")?;
    caseloads(b)?;
    b.skill_mix_chart()
}

pub(super) fn caseloads(b: &mut Builder) -> Result<(), RenderError> {
    let rows: Vec<_> = b
        .unit
        .by_role
        .iter()
        .filter(|(_, t)| t.caseload_wte > 0.0)
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let mut table = Table::new(
        "caseloads",
        "Open cases by role",
        &[
            ("role", "Role"),
            ("cases", "Open cases"),
            ("caseload_wte", "WTE holding cases"),
            ("cases_per_wte", "Cases per WTE"),
        ],
    );
    for (role, t) in rows {
        table.row(
            role.code(),
            vec![
                role.label().into(),
                fmt_count(t.cases),
                fmt_wte(t.caseload_wte),
                opt(
                    b.unit
                        .part_value(Part::Role(*role), MeasureId::CaseloadPerWte),
                    fmt_ratio,
                ),
            ],
        );
    }
    b.table(table);
    b.peer_chart(
        "caseload_peers",
        MeasureId::CaseloadPerWte,
        "Open cases per caseload-holding WTE: you and your peers",
    )
}
