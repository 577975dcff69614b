//! Like-for-like change and estimates for non-responders (SPEC §16), tested against the input
//! files and by simulation: remove the 2024 returns of a seeded random tenth of the providers
//! that returned in 2023 (they stay on the invited list) and compare the estimate on the
//! reduced data with the estimate on the full data.

use census_reports::input::pipeline;
use census_reports::metrics::mdt::Assumptions;
use census_reports::metrics::{EntityKind, Metrics};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data")
}

fn metrics_of(dir: &Path) -> Metrics {
    pipeline::open(dir)
        .unwrap()
        .metrics(&Assumptions::default_shipped())
        .unwrap()
}

/// The organisations with rows in a year's `organisations.csv`.
fn returned(dir: &Path) -> Vec<String> {
    let mut reader = csv::Reader::from_path(dir.join("organisations.csv")).unwrap();
    reader
        .records()
        .map(|r| r.unwrap()[0].to_string())
        .filter(|id| !id.is_empty())
        .collect()
}

/// Copies the sample's three years to `to`, leaving out the 2024 rows of `removed` from every
/// file keyed by organisation.
fn copy_without(to: &Path, removed: &BTreeSet<String>) {
    for year in ["2022", "2023", "2024"] {
        let from = sample().join(year);
        let dest = to.join(year);
        std::fs::create_dir_all(dest.join("expansion_plans")).unwrap();
        for entry in walk(&from) {
            let relative = entry.strip_prefix(&from).unwrap();
            let target = dest.join(relative);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            let name = relative.to_string_lossy();
            let keyed = [
                "organisations.csv",
                "workforce.csv",
                "service_areas.csv",
                "demographics.csv",
            ];
            if year == "2024" && keyed.contains(&name.as_ref()) {
                let text = std::fs::read_to_string(&entry).unwrap();
                let kept: Vec<&str> = text
                    .lines()
                    .enumerate()
                    .filter(|(i, line)| {
                        *i == 0 || !removed.contains(line.split(',').next().unwrap_or(""))
                    })
                    .map(|(_, l)| l)
                    .collect();
                std::fs::write(&target, kept.join("\n") + "\n").unwrap();
            } else {
                std::fs::copy(&entry, &target).unwrap();
            }
        }
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    crate::common::walk(dir)
}

fn wte_of(m: &Metrics, kind: EntityKind, id: &str) -> (f64, f64) {
    let unit = m.current.unit(kind, id).unwrap();
    let estimate = m.estimates.year(2024).unwrap().estimated(unit);
    (unit.totals.wte, estimate.wte)
}

#[test]
fn estimates_recover_the_workforce_of_providers_whose_returns_are_removed() {
    let full = metrics_of(&sample().join("2024"));
    let in_2023: BTreeSet<String> = returned(&sample().join("2023")).into_iter().collect();
    let candidates: Vec<String> = returned(&sample().join("2024"))
        .into_iter()
        .filter(|id| id.starts_with('P') && in_2023.contains(id))
        .collect();
    let mut areas = vec![(EntityKind::England, "england".to_string())];
    areas.extend(
        full.current
            .units_of(EntityKind::Region)
            .map(|u| (EntityKind::Region, u.id.clone())),
    );
    for seed in [1u64, 2, 3] {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut chosen = candidates.clone();
        chosen.shuffle(&mut rng);
        let removed: BTreeSet<String> = chosen[..candidates.len() / 10].iter().cloned().collect();
        let dir = tempfile::tempdir().unwrap();
        copy_without(dir.path(), &removed);
        let reduced = metrics_of(&dir.path().join("2024"));
        let mut errors: BTreeMap<String, (f64, f64)> = BTreeMap::new();
        for (kind, id) in &areas {
            let (_, truth) = wte_of(&full, *kind, id);
            let (reported, estimated) = wte_of(&reduced, *kind, id);
            let (reported_error, estimate_error) =
                ((reported - truth).abs(), (estimated - truth).abs());
            eprintln!(
                "seed {seed} {id}: {} removed; full estimate {truth:.1}; reduced: reported {reported:.1} (error {reported_error:.1}), estimated {estimated:.1} (error {estimate_error:.1})",
                if *kind == EntityKind::England { removed.len() } else { 0 },
            );
            errors.insert(id.clone(), (reported_error, estimate_error));
        }
        let (reported_error, estimate_error) = errors["england"];
        assert!(
            estimate_error < 0.25 * reported_error,
            "seed {seed}: England estimate off by {estimate_error:.1} WTE, reported total by {reported_error:.1}"
        );
        for (id, (reported_error, estimate_error)) in &errors {
            // A region that lost returns is estimated closer than its reported total.
            if *reported_error > 1.0 {
                assert!(
                    estimate_error < reported_error,
                    "seed {seed} {id}: estimate off by {estimate_error:.1}, reported by {reported_error:.1}"
                );
            }
        }
        // The removed providers are imputed, by their 2023 returns carried forward.
        let year = reduced.estimates.year(2024).unwrap();
        for id in &removed {
            let imputed = year.imputed.iter().find(|i| &i.org_id == id).unwrap();
            assert_eq!(imputed.rule.code(), "carried", "{id}");
        }
    }
}

/// England's like-for-like change from 2023 to 2024, summed here from the input files over
/// the organisations with a return in both years, equals the export's.
#[test]
fn like_for_like_change_for_england_is_the_change_over_organisations_in_both_years() {
    let wte_by_org = |year: &str| -> BTreeMap<String, f64> {
        let mut out = BTreeMap::new();
        let mut reader = csv::Reader::from_path(sample().join(year).join("workforce.csv")).unwrap();
        let headers = reader.headers().unwrap().clone();
        let wte = headers.iter().position(|h| h == "wte_in_post").unwrap();
        for record in reader.records() {
            let record = record.unwrap();
            *out.entry(record[0].to_string()).or_insert(0.0) += record[wte].parse::<f64>().unwrap();
        }
        out
    };
    let (before, now) = (wte_by_org("2023"), wte_by_org("2024"));
    // A return blocked by validation in either year is not usable.
    let run = pipeline::open(&sample().join("2024")).unwrap();
    let blocked_before = pipeline::open(&sample().join("2023"))
        .unwrap()
        .validation
        .blocked;
    let usable = |id: &String| {
        before.contains_key(id)
            && !run.validation.blocked.contains(id)
            && !blocked_before.contains(id)
    };
    let both: Vec<&String> = now.keys().filter(|id| usable(id)).collect();
    eprintln!(
        "blocked: {} in 2023, {} in 2024",
        blocked_before.len(),
        run.validation.blocked.len()
    );
    let previous: f64 = both.iter().map(|id| before[*id]).sum();
    let current: f64 = both.iter().map(|id| now[*id]).sum();

    let metrics = run.metrics(&Assumptions::default_shipped()).unwrap();
    let rows = census_reports::metrics::export::rows(&metrics);
    let value = |metric: &str| {
        rows.iter()
            .find(|r| r.year == 2024 && r.entity_id == "england" && r.metric == metric)
            .and_then(|r| r.value)
            .unwrap_or_else(|| panic!("no {metric}"))
    };
    assert_eq!(value("like_for_like.organisations"), both.len() as f64);
    assert!((value("like_for_like.wte.previous") - previous).abs() < 1e-6);
    assert!((value("like_for_like.wte.current") - current).abs() < 1e-6);
    assert!((value("like_for_like.wte.change") - (current - previous)).abs() < 1e-6);
    // The reported total's change differs from it: who returned changed.
    let reported_change =
        metrics.current.england().totals.wte - metrics.history.last().unwrap().england().totals.wte;
    assert!((reported_change - (current - previous)).abs() > 1.0);
}

/// Estimates reconcile: every imputed organisation counts once in England and in its region,
/// and its LA shares add up to its whole amount; England's imputed WTE is the regions' sum.
#[test]
fn imputed_amounts_reconcile_from_organisations_to_las_regions_and_england() {
    let metrics = metrics_of(&sample().join("2024"));
    let year = metrics.estimates.year(2024).unwrap();
    let england = year.area(EntityKind::England, "england");
    let organisations: f64 = year.imputed.iter().map(|i| i.amount.wte).sum();
    assert!((england.amount.wte - organisations).abs() < 1e-6);
    let regions: f64 = metrics
        .current
        .units_of(EntityKind::Region)
        .map(|u| year.area(EntityKind::Region, &u.id).amount.wte)
        .sum();
    assert!((england.amount.wte - regions).abs() < 1e-6);
    let delivery: f64 = year
        .imputed
        .iter()
        .filter(|i| {
            i.org_type != census_reports::domain::OrgType::Commissioner && !i.shares.is_empty()
        })
        .map(|i| i.amount.wte)
        .sum();
    let las: f64 = metrics
        .current
        .units_of(EntityKind::La)
        .map(|u| year.area(EntityKind::La, &u.id).amount.wte)
        .sum();
    assert!((delivery - las).abs() < 1e-6, "{delivery} against {las}");
    assert_eq!(
        england.organisations(),
        year.imputed.len(),
        "each imputed organisation counts once in England"
    );
    // Every invitee without a usable return is imputed or listed as not imputed.
    let participation = metrics.participation.as_ref().unwrap();
    let missing = participation
        .invitees
        .iter()
        .filter(|i| !i.returned)
        .count();
    assert_eq!(missing, year.imputed.len() + year.not_imputed.len());
}

/// `explain` shows each imputed contribution with its rule and the year it came from, and the
/// organisations a like-for-like change matched; their amounts add up to the figure.
#[test]
fn explain_shows_each_imputed_contribution_and_each_matched_organisation() {
    use census_reports::app::explain::{explain, ExplainRequest};
    let ask = |id: &str, measure: &str| {
        explain(&ExplainRequest {
            data: sample().join("2024"),
            id: id.into(),
            measure: measure.into(),
            assumptions: None,
            unsuppressed: false,
        })
        .unwrap()
    };
    for id in ["england", "london", "E06000015"] {
        let imputed = ask(id, "estimate.imputed_wte");
        let part = &imputed.parts[0];
        let sum: f64 = part.contributions.iter().map(|c| c.amount).sum();
        assert!((sum - imputed.value.unwrap()).abs() < 1e-6, "{id}");
        assert!(!part.contributions.is_empty(), "{id}");
        for c in &part.contributions {
            assert!(
                c.what.contains("return carried forward, scaled by")
                    || c.what.contains("the median of the"),
                "{id}: {}",
                c.what
            );
            assert!(
                c.source.starts_with("expected_participants.csv line "),
                "{}",
                c.source
            );
        }
        let change = ask(id, "like_for_like.wte.change");
        let sums: Vec<f64> = change
            .parts
            .iter()
            .map(|p| p.contributions.iter().map(|c| c.amount).sum())
            .collect();
        assert_eq!(sums.len(), 2, "{id}");
        assert!(
            (sums[1] - sums[0] - change.value.unwrap()).abs() < 1e-6,
            "{id}"
        );
        let text = change.text();
        assert!(text.contains("workforce.csv (2023)") && text.contains("workforce.csv (2024)"));
    }
    let carried = ask("E06000015", "estimate.wte").text();
    assert!(
        carried.contains("its 2022 return carried forward"),
        "{carried}"
    );
}
