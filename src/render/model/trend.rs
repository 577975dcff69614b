//! Every report's trends across the census years present.
use super::*;

pub(super) fn trend_content(b: &mut Builder) -> Result<(), RenderError> {
    let unit = b.unit;
    let Some(trend) = b.ctx.metrics.trends.get(&(unit.kind, unit.id.clone())) else {
        return Ok(());
    };
    if let Some(change) = &trend.boundary_change {
        let note = b.message("trend_note", minijinja::Value::from_serialize(change))?;
        b.model.trend.note = Some(note);
    }
    let years: Vec<u16> = trend.points.iter().map(|p| p.year).collect();
    b.model.trend.years = years.clone();
    if years.len() < 2 {
        return Ok(());
    }
    b.trend_chart(
        "trend_wte",
        "WTE in post by census year",
        "WTE",
        &years,
        vec![Series::new(
            "WTE",
            trend
                .points
                .iter()
                .map(|p| p.value(MeasureId::Wte))
                .collect(),
        )],
        fmt_wte,
    )?;
    b.trend_chart(
        "trend_rates",
        "Vacancy and leaver rates by census year",
        "Rate",
        &years,
        vec![
            Series::new(
                "Vacancy rate",
                trend
                    .points
                    .iter()
                    .map(|p| p.value(MeasureId::VacancyRate))
                    .collect(),
            ),
            Series::new(
                "Leaver rate",
                trend
                    .points
                    .iter()
                    .map(|p| p.value(MeasureId::LeaverRate))
                    .collect(),
            ),
        ],
        fmt_pct,
    )
}
