//! Comparisons that hold for small numbers (SPEC §15) on the bundled sample: a provider's
//! leaver rate is "similar to" its peers' overall rate exactly when that rate lies inside
//! its 95% Wilson interval, and no such sentence places it high or low; the intervals in the
//! metrics export are the published formula's.

use census_reports::batch::{self, Selection};
use census_reports::input::pipeline;
use census_reports::metrics::export;
use census_reports::metrics::mdt::Assumptions;
use census_reports::metrics::{EntityKind, MeasureId};
use census_reports::render::model;
use census_reports::render::Templates;
use std::path::PathBuf;

/// The Wilson score interval as SPEC §15 writes it, with z for 95% to nine places.
fn wilson95(o: f64, n: f64) -> (f64, f64) {
    let z: f64 = 1.959_963_985;
    let q = 1.0 - o / n;
    let centre = 2.0 * o + z * z;
    let spread = z * (z * z + 4.0 * o * q).sqrt();
    let d = 2.0 * (n + z * z);
    (
        ((centre - spread) / d).max(0.0),
        ((centre + spread) / d).min(1.0),
    )
}

#[test]
fn every_providers_leaver_rate_is_similar_exactly_when_its_interval_holds_the_overall_rate() {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data/2024");
    let run = pipeline::open(&data).unwrap();
    let metrics = run.metrics(&Assumptions::default_shipped()).unwrap();
    let year = &metrics.current;
    let providers: Vec<_> = year.units_of(EntityKind::Provider).collect();
    // The providers' overall rate: all their leavers over all their people.
    let leavers: f64 = providers.iter().map(|u| u.totals.leavers).sum();
    let people: f64 = providers.iter().map(|u| u.totals.headcount).sum();
    let overall = leavers / people;
    let templates = Templates::load(None).unwrap();
    let ctx = crate::common::report_context(&run, &metrics, &templates);
    let plans = batch::plan::plan(
        &metrics,
        run.census(),
        &run.validation.blocked,
        &Selection {
            kinds: vec![census_reports::render::ReportKind::Provider],
            ..Selection::default()
        },
    )
    .reports;
    assert_eq!(plans.len(), providers.len());
    let (mut similar, mut different) = (0, 0);
    for plan in &plans {
        let unit = year.unit(EntityKind::Provider, &plan.id).unwrap();
        let report = model::build(&ctx, plan).unwrap().model;
        let message = report
            .key_messages
            .iter()
            .find(|m| m.contains("leaver rate"))
            .unwrap_or_else(|| panic!("{}: no key message on leaver rate", plan.id));
        let (lower, upper) = wilson95(unit.totals.leavers, unit.totals.headcount);
        let inside = lower <= overall && overall <= upper;
        assert_eq!(
            message.contains("similar to the overall rate of all providers"),
            inside,
            "{}: {} of {}, 95% interval {lower:.4} to {upper:.4}, overall {overall:.4}: {message}",
            plan.id,
            unit.totals.leavers,
            unit.totals.headcount
        );
        if inside {
            similar += 1;
            for word in ["quarter", "higher", "lower", "highest", "lowest"] {
                assert!(!message.contains(word), "{}: {message}", plan.id);
            }
        } else {
            different += 1;
            let word = if unit.totals.leavers / unit.totals.headcount > overall {
                "higher than"
            } else {
                "lower than"
            };
            assert!(message.contains(word), "{}: {message}", plan.id);
        }
        // The vacancies table says the same in one word, as a comparator the revisions
        // policy treats as material when it changes.
        let table = &report.tables["vacancies"];
        let col = table
            .columns
            .iter()
            .position(|c| c.key == "compared")
            .unwrap();
        let row = table.rows.iter().find(|r| r.key == "leaver_rate").unwrap();
        assert_eq!(
            row.cells[col],
            if inside {
                "similar"
            } else if message.contains("higher than") {
                "higher"
            } else {
                "lower"
            }
        );
    }
    // Most providers are small: most leaver rates are not distinguishable from the rest.
    assert!(similar > different, "{similar} similar, {different} not");
    assert!(different > 0);
    eprintln!("providers' leaver rates: {similar} similar to the overall rate, {different} not");
}

#[test]
fn the_metrics_export_holds_each_proportions_intervals_and_its_comparison() {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data/2024");
    let run = pipeline::open(&data).unwrap();
    let metrics = run.metrics(&Assumptions::default_shipped()).unwrap();
    let rows = export::rows(&metrics);
    let value = |id: &str, metric: &str| {
        rows.iter()
            .find(|r| r.year == 2024 && r.entity_id == id && r.metric == metric)
            .and_then(|r| r.value)
    };
    let year = &metrics.current;
    for unit in year.units.values() {
        let Some((o, n)) = MeasureId::LeaverRate.measure().counts(unit) else {
            continue;
        };
        let (lower, upper) = wilson95(o, n);
        let exported = (
            value(&unit.id, "leaver_rate.lower95").unwrap(),
            value(&unit.id, "leaver_rate.upper95").unwrap(),
        );
        assert!(
            (exported.0 - lower).abs() < 1e-9 && (exported.1 - upper).abs() < 1e-9,
            "{}: {exported:?} against {lower} to {upper}",
            unit.id
        );
        let wider = (
            value(&unit.id, "leaver_rate.lower998").unwrap(),
            value(&unit.id, "leaver_rate.upper998").unwrap(),
        );
        assert!(
            wider.0 <= exported.0 && wider.1 >= exported.1,
            "{}",
            unit.id
        );
    }
    // No interval for a rate over WTE.
    assert!(rows
        .iter()
        .all(|r| !r.metric.starts_with("vacancy_rate.lower")));
    // A diversity share's interval, and the providers' overall rate on the England row.
    assert!(rows
        .iter()
        .any(|r| r.metric == "share.ethnicity.white.lower95" && r.value.is_some()));
    let overall = value("england", "provider.leaver_rate.overall").unwrap();
    let providers: Vec<_> = year.units_of(EntityKind::Provider).collect();
    let expected = providers.iter().map(|u| u.totals.leavers).sum::<f64>()
        / providers.iter().map(|u| u.totals.headcount).sum::<f64>();
    assert!((overall - expected).abs() < 1e-9);
}

#[test]
fn funnel_plots_say_where_the_reader_lies_and_leave_out_the_smallest_peers() {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data/2024");
    let run = pipeline::open(&data).unwrap();
    let metrics = run.metrics(&Assumptions::default_shipped()).unwrap();
    let templates = Templates::load(None).unwrap();
    let ctx = crate::common::report_context(&run, &metrics, &templates);
    let year = &metrics.current;
    let small_providers = year
        .units_of(EntityKind::Provider)
        .filter(|u| u.totals.headcount < 10.0)
        .count();
    for id in ["P0080", "L0001", "E06000062", "england"] {
        let plan = batch::plan::one(&metrics, run.census(), &run.validation.blocked, id).unwrap();
        let report = model::build(&ctx, &plan).unwrap().model;
        for funnel in ["leaver_rate_funnel", "starter_rate_funnel"] {
            let chart = report
                .charts
                .get(funnel)
                .unwrap_or_else(|| panic!("{id} has no {funnel}"));
            assert!(
                chart.alt.starts_with("Funnel plot of"),
                "{id}: {}",
                chart.alt
            );
            assert!(chart.alt.contains("99.8% limit"), "{id}: {}", chart.alt);
            let cell = |key: &str| {
                chart
                    .table
                    .rows
                    .iter()
                    .find(|r| r.key == key)
                    .map(|r| r.cells[1].clone())
            };
            if id == "england" {
                // Over all providers; England has no point of its own.
                assert!(cell("you").is_none());
                assert_eq!(cell("hidden").unwrap(), small_providers.to_string());
            } else {
                assert!(chart.alt.contains("Yours is"), "{id}: {}", chart.alt);
                assert!(cell("you").is_some() && cell("upper95").is_some());
            }
        }
    }
    // P0080's 10 people with 1 leaver lie inside the 95% limits around the providers' rate.
    let plan = batch::plan::one(&metrics, run.census(), &run.validation.blocked, "P0080").unwrap();
    let report = model::build(&ctx, &plan).unwrap().model;
    assert!(report.charts["leaver_rate_funnel"]
        .alt
        .contains("Yours is 10.0% of 10 people in post, inside the 95% limits"));
}

/// The national report's third rule of key messages names exactly the regions whose 95%
/// interval leaves out England's rate, and each regional report's own message calls the
/// region similar to England exactly when its interval holds England's rate.
#[test]
fn key_messages_name_a_region_as_different_from_england_only_beyond_chance() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let templates = Templates::load(None).unwrap();
    let mut compared = 0;
    for year in ["2022", "2024"] {
        let run = pipeline::open(&root.join("sample-data").join(year)).unwrap();
        let metrics = run.metrics(&Assumptions::default_shipped()).unwrap();
        let ctx = crate::common::report_context(&run, &metrics, &templates);
        let national = |id: &str| {
            let plan =
                batch::plan::one(&metrics, run.census(), &run.validation.blocked, id).unwrap();
            model::build(&ctx, &plan).unwrap().model
        };
        let england_report = national("england");
        for (measure, phrase) in [
            (MeasureId::DeliveryLeaverRate, "leaver rate (turnover)"),
            (MeasureId::DeliveryStarterRate, "starter rate"),
        ] {
            let england = measure.value(metrics.current.england()).unwrap();
            let message = england_report
                .key_messages
                .iter()
                .find(|m| m.contains(phrase) && m.contains("England's"))
                .unwrap_or_else(|| panic!("{year}: no message on the {phrase}"));
            for region in metrics.current.units_of(EntityKind::Region) {
                let (o, n) = measure.measure().counts(region).unwrap();
                let (lower, upper) = wilson95(o, n);
                let inside = lower <= england && england <= upper;
                compared += 1;
                assert_eq!(
                    !message.contains(&format!("{} higher", region.name))
                        && !message.contains(&format!("{} lower", region.name)),
                    inside,
                    "{year} {}: {o} of {n}, {lower:.4} to {upper:.4}, England {england:.4}: {message}",
                    region.name
                );
                let own = national(&region.id);
                let said = own
                    .key_messages
                    .iter()
                    .find(|m| m.contains(phrase))
                    .unwrap_or_else(|| panic!("{year} {}: no {phrase}", region.id));
                assert_eq!(
                    said.contains("similar to England's rate"),
                    inside,
                    "{year}: {said}"
                );
            }
        }
    }
    assert_eq!(compared, 2 * 2 * 7);
}
