//! The key messages of the regional and national reports: findings chosen by fixed rules
//! (docs/reports.md, "Key messages of the regional and national reports"), each phrased by a
//! message template, never written by hand for a year. In order:
//!
//! 1. the workforce's size as returned and as estimated with the organisations that did not
//!    return, its change in all returns and like for like, and its largest role group's share
//!    of delivery WTE;
//! 2. the largest sector's share of provider and LERO WTE;
//! 3. the proportions of people compared with England by their 95% intervals: in the national
//!    report the regions that differ beyond chance, in a regional report the region itself;
//! 4. the headline rate or ratio that changed most since the last census, relative to its
//!    earlier value, passing over proportions whose change could be chance (and, in a
//!    regional report, those whose change rule 3 gave);
//! 5. strategy progress against the 2022 baseline, where there is one.
use super::*;
use crate::domain::Sector;
use crate::format::share_in_words;

/// Proportions of people each region is compared with England on, by their 95% intervals.
const COMPARED_WITH_ENGLAND: [MeasureId; 2] = [
    MeasureId::DeliveryLeaverRate,
    MeasureId::DeliveryStarterRate,
];

/// The rates and ratios the largest change since the last census is looked for among. The
/// totals (WTE, headcount) are left out: their change is in the first message, and a sum of
/// returns also moves with who returned.
const CHANGE_CANDIDATES: [MeasureId; 11] = [
    MeasureId::WtePer100kAdults,
    MeasureId::InTreatmentPerDawWte,
    MeasureId::DeliveryVacancyRate,
    MeasureId::DeliveryLeaverRate,
    MeasureId::DeliveryStarterRate,
    MeasureId::AgencyShare,
    MeasureId::RegulatedShare,
    MeasureId::VolunteerShare,
    MeasureId::PermanentShare,
    MeasureId::FullTimeShare,
    MeasureId::Under1YearShare,
];

/// Every key message of a regional or national report, in the order of the module's rules.
pub(super) fn area_key_messages(b: &mut Builder) -> Result<(), RenderError> {
    size_message(b)?;
    sector_message(b)?;
    if b.unit.kind == EntityKind::England {
        for metric in COMPARED_WITH_ENGLAND {
            regions_against_england(b, metric)?;
        }
    } else {
        b.key_messages(&COMPARED_WITH_ENGLAND)?;
    }
    largest_change(b)?;
    Ok(())
}

fn subject(unit: &Unit) -> String {
    match unit.kind {
        EntityKind::England => "England's".into(),
        _ => format!("{}'s", unit.name),
    }
}

/// The unit as it stood at the last census, with that census's year.
fn last_census<'a>(b: &Builder<'a>) -> Option<(u16, &'a Unit)> {
    let unit = b.unit;
    b.ctx
        .metrics
        .history
        .iter()
        .rev()
        .find_map(|y| y.unit(unit.kind, &unit.id).map(|u| (y.year, u)))
}

/// Rule 1: size, its change, and the largest role group's share of delivery WTE.
fn size_message(b: &mut Builder) -> Result<(), RenderError> {
    let unit = b.unit;
    let Some(wte) = MeasureId::Wte.value(unit) else {
        return Ok(());
    };
    let before = last_census(b);
    let largest = RoleGroup::ALL
        .iter()
        .filter_map(|g| Some((*g, unit.group_share_of_wte(*g, Scope::Delivery)?)))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    let group = largest.map(|(g, share)| {
        let previous = before
            .and_then(|(_, u)| u.group_share_of_wte(g, Scope::Delivery))
            .map(fmt_pct);
        context! {
            label => g.label(),
            share => fmt_pct(share),
            words => share_in_words(share),
            wte => fmt_wte(unit.group_wte(g)),
            previous,
        }
    });
    let previous = b
        .model
        .figures
        .get(MeasureId::Wte.key())
        .and_then(|f| f.previous.clone());
    let text = b.message(
        "size_message",
        context! {
            subject => subject(unit),
            wte => fmt_wte(wte),
            headcount => opt(MeasureId::Headcount.value(unit), fmt_count),
            previous,
            group,
            previous_year => before.map(|(y, _)| y),
            estimate => super::estimates::estimate_context(b),
            like => super::estimates::like_for_like_context(b),
        },
    )?;
    b.model.key_messages.push(text);
    Ok(())
}

/// Rule 2: the largest sector's share of provider and LERO WTE.
fn sector_message(b: &mut Builder) -> Result<(), RenderError> {
    let unit = b.unit;
    let Some((sector, share)) = Sector::ALL
        .iter()
        .filter_map(|s| Some((*s, unit.sector_share_of_wte(*s)?)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
    else {
        return Ok(());
    };
    let before = last_census(b);
    let text = b.message(
        "sector_message",
        context! {
            subject => subject(unit),
            sector => sector.label(),
            share => fmt_pct(share),
            words => share_in_words(share),
            previous => before.and_then(|(_, u)| u.sector_share_of_wte(sector)).map(fmt_pct),
            previous_year => before.map(|(y, _)| y),
        },
    )?;
    b.model.key_messages.push(text);
    Ok(())
}

/// Rule 3, national report: the regions whose proportion differs from England's beyond
/// chance (England's value outside the region's 95% interval).
fn regions_against_england(b: &mut Builder, metric: MeasureId) -> Result<(), RenderError> {
    let year = b.year();
    let Some(england) = metric.value(year.england()) else {
        return Ok(());
    };
    let format = format_of(metric);
    let compared: Vec<(&Unit, _)> = Region::ALL
        .iter()
        .filter_map(|r| year.unit(EntityKind::Region, r.code()))
        .filter_map(|u| Some((u, year.comparison(u, metric)?)))
        .collect();
    if compared.is_empty() {
        return Ok(());
    }
    let differ: Vec<minijinja::Value> = compared
        .iter()
        .filter(|(_, c)| c.standing.code() != "similar")
        .map(|(u, c)| {
            context! {
                name => u.name.clone(),
                words => c.standing.code(),
                value => opt(metric.value(u), format),
                interval => format!("{} to {}", format(c.interval.lower), format(c.interval.upper)),
            }
        })
        .collect();
    let text = b.message(
        "regions_against_england",
        context! {
            metric => metric.measure().in_sentence(),
            england => format(england),
            n => compared.len(),
            similar => compared.len() - differ.len(),
            differ,
        },
    )?;
    b.model.key_messages.push(text);
    Ok(())
}

/// Rule 4: the headline rate or ratio that moved furthest since the last census relative to
/// its earlier value. A proportion of people whose change could be chance is passed over.
fn largest_change(b: &mut Builder) -> Result<(), RenderError> {
    let unit = b.unit;
    let Some((year, before)) = last_census(b) else {
        return Ok(());
    };
    let mut best: Option<(f64, MeasureId, PreviousYear)> = None;
    // A regional report has already given its compared proportions' change (rule 3).
    let given: &[MeasureId] = if unit.kind == EntityKind::Region {
        &COMPARED_WITH_ENGLAND
    } else {
        &[]
    };
    for metric in CHANGE_CANDIDATES.into_iter().filter(|m| !given.contains(m)) {
        let (Some(now), Some(then)) = (metric.value(unit), metric.value(before)) else {
            continue;
        };
        let Some(previous) = b
            .model
            .figures
            .get(metric.key())
            .and_then(|f| f.previous.clone())
        else {
            continue;
        };
        if then <= 0.0 || previous.chance || previous.direction == "unchanged" {
            continue;
        }
        let relative = (now / then - 1.0).abs();
        if best.as_ref().is_none_or(|(r, ..)| relative > *r) {
            best = Some((relative, metric, previous));
        }
    }
    let change = best.map(|(_, metric, previous)| {
        let format = format_of(metric);
        context! {
            metric => metric.measure().in_sentence(),
            now => opt(metric.value(unit), format),
            previous,
            is_rate => metric.measure().quantity == Quantity::Share,
        }
    });
    let text = b.message(
        "largest_change",
        context! { subject => subject(unit), year, change },
    )?;
    b.model.key_messages.push(text);
    Ok(())
}
