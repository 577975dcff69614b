//! What response did to a total (SPEC §16): an area's WTE as returned and as estimated with
//! the organisations that did not return, and its change since the last census like for like
//! (over the organisations that returned in both years) beside the change in all returns.
//! Only LA, regional and national reports carry them; no participant report changes.
use super::*;
use crate::metrics::estimate::{AreaImputed, Estimates, LikeForLikeArea};

/// The unit's imputed amounts this year, its estimated WTE and the share of it imputed, when
/// the census has an invited list.
fn imputed(b: &Builder) -> Option<(AreaImputed, f64, Option<f64>)> {
    let unit = b.unit;
    let year = b.ctx.metrics.estimates.year(b.year().year)?;
    Some((
        year.area(unit.kind, &unit.id),
        year.estimated(unit).wte,
        year.imputed_share(unit),
    ))
}

/// The year before this one present, and the unit's like-for-like change from it.
fn like_for_like<'a>(b: &Builder<'a>) -> Option<(u16, &'a LikeForLikeArea)> {
    let unit = b.unit;
    let previous = b.ctx.metrics.history.last()?.year;
    let estimates: &'a Estimates = &b.ctx.metrics.estimates;
    Some((
        previous,
        estimates.like_for_like(previous, b.year().year, unit.kind, &unit.id)?,
    ))
}

/// A change as a share of its earlier value, without its sign (the sentence says up or down),
/// to a whole per cent as every figure's change since the last census prints.
fn pct(rate: Option<f64>) -> Option<String> {
    rate.map(|r| format!("{}%", fmt_count(r.abs() * 100.0)))
}

fn direction(change: f64) -> &'static str {
    if change.abs() < 0.05 {
        "unchanged"
    } else if change > 0.0 {
        "up"
    } else {
        "down"
    }
}

/// The estimate as the sentences print it: None where nothing is imputed in the area.
pub(super) fn estimate_context(b: &Builder) -> Option<minijinja::Value> {
    let (imputed, estimated, share) = imputed(b)?;
    (imputed.organisations() > 0).then(|| {
        context! {
            organisations => imputed.organisations(),
            carried => imputed.carried,
            median => imputed.median,
            imputed_wte => fmt_wte(imputed.amount.wte),
            estimated_wte => fmt_wte(estimated),
            share => opt(share, fmt_pct),
        }
    })
}

/// The like-for-like change of WTE as the sentences print it, with the change in all returns.
pub(super) fn like_for_like_context(b: &Builder) -> Option<minijinja::Value> {
    let (year, like) = like_for_like(b)?;
    let unit = b.unit;
    let before = b.ctx.metrics.history.last()?.unit(unit.kind, &unit.id)?;
    let all = unit.totals.wte - before.totals.wte;
    Some(context! {
        year,
        organisations => like.organisations,
        previous => fmt_wte(like.previous.wte),
        current => fmt_wte(like.current.wte),
        change => fmt_wte(like.wte_change().abs()),
        change_pct => pct(like.wte_change_rate()),
        direction => direction(like.wte_change()),
        all_change => fmt_wte(all.abs()),
        all_change_pct => b
            .model
            .figures
            .get(MeasureId::Wte.key())
            .and_then(|f| f.previous.as_ref())
            .and_then(|p| p.change_pct.clone()),
        all_direction => direction(all),
    })
}

/// WTE and headcount since the last census: like for like, and in all returns.
pub(super) fn change_table(b: &mut Builder) {
    let unit = b.unit;
    let Some((year, like)) = like_for_like(b) else {
        return;
    };
    let Some(before) = b
        .ctx
        .metrics
        .history
        .last()
        .and_then(|y| y.unit(unit.kind, &unit.id))
    else {
        return;
    };
    let now = b.year().year;
    let mut table = Table::new(
        "change_since_last_census",
        "Change since the last census: like for like and in all returns",
        &[
            ("figure", "Figure"),
            ("like_previous", &format!("Like for like {year}")),
            ("like_current", &format!("Like for like {now}")),
            ("like_change", "Like-for-like change"),
            ("all_previous", &format!("All returns {year}")),
            ("all_current", &format!("All returns {now}")),
            ("all_change", "Change in all returns"),
        ],
    );
    let signed = |v: f64, format: fn(f64) -> String| {
        if v > 0.0 {
            format!("+{}", format(v))
        } else if v < 0.0 {
            format!("−{}", format(-v))
        } else {
            format(0.0)
        }
    };
    for (key, label, like_then, like_now, then, now, format) in [
        (
            "wte",
            MeasureId::Wte.measure().label,
            like.previous.wte,
            like.current.wte,
            before.totals.wte,
            unit.totals.wte,
            fmt_wte as fn(f64) -> String,
        ),
        (
            "headcount",
            MeasureId::Headcount.measure().label,
            like.previous.headcount,
            like.current.headcount,
            before.totals.headcount,
            unit.totals.headcount,
            fmt_count,
        ),
    ] {
        table.row(
            key,
            vec![
                label.to_string(),
                format(like_then),
                format(like_now),
                signed(like_now - like_then, format),
                format(then),
                format(now),
                signed(now - then, format),
            ],
        );
    }
    table.row(
        "organisations",
        vec![
            "Organisations matched in both years".into(),
            like.organisations.to_string(),
            like.organisations.to_string(),
            "–".into(),
            "–".into(),
            "–".into(),
            "–".into(),
        ],
    );
    b.table(table);
}

/// Reported and estimated WTE for each part of the area: the regions and England (national
/// report) or the region's LAs and the region (regional report).
pub(super) fn estimate_table(b: &mut Builder, parts: &[&Unit]) {
    let metrics = b.ctx.metrics;
    let Some(year) = metrics.estimates.year(b.year().year) else {
        return;
    };
    let previous = metrics.history.last().map(|y| y.year);
    let mut table = Table::new(
        "estimates",
        "Workforce as returned and as estimated",
        &[
            ("area", "Area"),
            ("reported_wte", "WTE returned"),
            ("imputed_organisations", "Organisations imputed"),
            ("imputed_wte", "WTE imputed"),
            ("estimated_wte", "WTE estimated"),
            ("imputed_share", "Share imputed"),
            ("like_for_like_change", "Like-for-like change"),
        ],
    );
    for unit in parts {
        let imputed = year.area(unit.kind, &unit.id);
        let estimated = year.estimated(unit).wte;
        let like = previous.and_then(|p| {
            metrics
                .estimates
                .like_for_like(p, year.year, unit.kind, &unit.id)
        });
        table.row(
            unit.id.clone(),
            vec![
                unit.name.clone(),
                fmt_wte(unit.totals.wte),
                imputed.organisations().to_string(),
                fmt_wte(imputed.amount.wte),
                fmt_wte(estimated),
                opt(year.imputed_share(unit), fmt_pct),
                like.map_or("–".into(), |l| opt(l.wte_change_rate(), fmt_pct)),
            ],
        );
    }
    b.table(table);
}
