//! Diversity and the employment profile, under disclosure control, for every report.
use super::*;

pub(super) fn diversity_content(b: &mut Builder) -> Result<(), RenderError> {
    let unit = b.unit;
    let view = diversity::view(&unit.diversity, unit.totals.headcount);
    if view.suppressed {
        return Ok(());
    }
    let comparators: Vec<(String, diversity::DiversityView)> = b
        .with_comparators(String::new())
        .into_iter()
        .skip(1)
        .map(|(name, u)| (name, diversity::view(&u.diversity, u.totals.headcount)))
        .collect();
    b.model.diversity.shown = true;
    b.model.diversity.comparators = comparators.iter().map(|c| c.0.clone()).collect();
    let own = b.own_name();
    for dimension in Dimension::ALL {
        let Some(mine) = view.dimensions.iter().find(|d| d.dimension == *dimension) else {
            continue;
        };
        let cells: Vec<&diversity::Cell> = mine
            .cells
            .iter()
            .filter(|c| c.category != NOT_KNOWN)
            .collect();
        let categories: Vec<Category> = cells
            .iter()
            .map(|c| Category {
                key: c.category.into(),
                label: c.label.into(),
            })
            .collect();
        let mut series = vec![Series::new(
            own.clone(),
            cells.iter().map(|c| c.share).collect(),
        )];
        for (name, v) in &comparators {
            let other = v.dimensions.iter().find(|d| d.dimension == *dimension);
            series.push(Series::comparator(
                name.clone(),
                cells
                    .iter()
                    .map(|c| {
                        other
                            .and_then(|o| o.cells.iter().find(|x| x.category == c.category))
                            .and_then(|x| x.share)
                    })
                    .collect(),
            ));
        }
        let id = match dimension.family() {
            DimensionFamily::Diversity => format!("diversity_{}", dimension.code()),
            DimensionFamily::Employment => format!("employment_{}", dimension.code()),
        };
        b.bars_chart(
            &id,
            &format!("{}: share of known responses", dimension.label()),
            "Category",
            "Share of known responses",
            categories,
            series,
            fmt_pct,
        )?;
        let mut table = Table::new(
            &id,
            &format!("{}: people", dimension.label()),
            &[
                ("category", "Category"),
                ("people", "People"),
                ("share", "Share"),
            ],
        );
        for c in &mine.cells {
            table.row(
                c.category,
                vec![
                    c.label.to_string(),
                    c.count
                        .map_or_else(|| format!("<{MIN_CELL}"), |n| fmt_count(n as f64)),
                    opt(c.share, fmt_pct),
                ],
            );
        }
        b.table(table);
        b.model.diversity.dimensions.push(DimensionModel {
            family: dimension.family(),
            code: dimension.code().into(),
            label: dimension.label().into(),
            chart: id.clone(),
            table: id,
        });
    }
    Ok(())
}
