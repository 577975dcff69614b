//! Content more than one kind of report shows.

use super::*;

/// Vacancies and turnover against peers: a provider, a LERO or an LA.
pub(super) fn vacancies(b: &mut Builder, own: &str) -> Result<(), RenderError> {
    b.position_table(
        "vacancies",
        "Vacancies and turnover against peers",
        own,
        &[
            MeasureId::VacancyRate,
            MeasureId::AgencyShare,
            MeasureId::StarterRate,
            MeasureId::LeaverRate,
        ],
    );
    b.peer_chart(
        "vacancy_rate_peers",
        MeasureId::VacancyRate,
        "Vacancy rate: you and your peers",
    )?;
    b.peer_chart(
        "leaver_rate_peers",
        MeasureId::LeaverRate,
        "Leaver rate: you and your peers",
    )?;
    let group = b.unit.kind;
    b.funnel_chart(
        "leaver_rate_funnel",
        group,
        MeasureId::LeaverRate,
        "Leaver rate against headcount: funnel plot",
    )?;
    b.funnel_chart(
        "starter_rate_funnel",
        group,
        MeasureId::StarterRate,
        "Starter rate against headcount: funnel plot",
    )
}
