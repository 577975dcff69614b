//! Content more than one kind of report shows.

use super::*;

/// Vacancies and turnover against peers: a provider, a LERO or an LA.
pub(super) fn vacancies(b: &mut Builder, own: &str) -> Result<(), RenderError> {
    b.position_table(
        "vacancies",
        "Vacancies and turnover against peers",
        own,
        &[
            Metric::VacancyRate,
            Metric::AgencyShare,
            Metric::StarterRate,
            Metric::LeaverRate,
        ],
    );
    b.peer_chart(
        "vacancy_rate_peers",
        Metric::VacancyRate,
        "Vacancy rate: you and your peers",
    )?;
    b.peer_chart(
        "leaver_rate_peers",
        Metric::LeaverRate,
        "Leaver rate: you and your peers",
    )
}
