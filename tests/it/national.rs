//! The national and regional reports' depth on the bundled sample: the workforce by setting
//! and role reconciles (roles → role groups → settings → England, regions → England) in the
//! metrics export, the reports' tables print exactly the export's figures, and the new
//! profile dimensions are calibrated to the published censuses.

use crate::common;

use census_reports::domain::{Role, RoleGroup, Setting};
use census_reports::format::{fmt_count, fmt_pct, fmt_wte};
use census_reports::input::pipeline;
use census_reports::metrics::export::{self, MetricRow};
use census_reports::metrics::mdt::Assumptions;
use census_reports::metrics::Metrics;
use common::census_reports;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn sample(year: u16) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("sample-data/{year}"))
}

fn metrics_2024() -> &'static (Metrics, Vec<MetricRow>) {
    static METRICS: OnceLock<(Metrics, Vec<MetricRow>)> = OnceLock::new();
    METRICS.get_or_init(|| {
        let run = pipeline::open(&sample(2024)).unwrap();
        let m = run.metrics(&Assumptions::default_shipped()).unwrap();
        let rows = export::rows(&m);
        (m, rows)
    })
}

/// Every exported value of one unit in one year, by metric name.
fn figures(year: u16, id: &str) -> BTreeMap<String, f64> {
    metrics_2024()
        .1
        .iter()
        .filter(|r| r.year == year && r.entity_id == id)
        .filter_map(|r| r.value.map(|v| (r.metric.clone(), v)))
        .collect()
}

fn get(f: &BTreeMap<String, f64>, key: &str) -> f64 {
    *f.get(key)
        .unwrap_or_else(|| panic!("the export has no {key}"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

#[test]
fn roles_role_groups_settings_regions_and_england_reconcile_in_the_export() {
    let regions: Vec<String> = census_reports::domain::Region::ALL
        .iter()
        .map(|r| r.code().to_string())
        .collect();
    for year in [2022, 2023, 2024] {
        let england = figures(year, "england");
        let region_figures: Vec<BTreeMap<String, f64>> =
            regions.iter().map(|r| figures(year, r)).collect();
        for measure in ["wte", "headcount"] {
            let mut settings = 0.0;
            for setting in Setting::ALL {
                let s = setting.code();
                let total = get(&england, &format!("setting.{s}.{measure}"));
                settings += total;
                let groups: f64 = RoleGroup::ALL
                    .iter()
                    .map(|g| {
                        get(
                            &england,
                            &format!("setting.{s}.group.{}.{measure}", g.code()),
                        )
                    })
                    .sum();
                assert!(
                    close(groups, total),
                    "{year} {s} {measure}: groups {groups} vs {total}"
                );
                for group in RoleGroup::ALL {
                    let roles: f64 = Role::ALL
                        .iter()
                        .filter(|r| r.group() == *group)
                        .map(|r| {
                            get(
                                &england,
                                &format!("setting.{s}.role.{}.{measure}", r.code()),
                            )
                        })
                        .sum();
                    let g = get(
                        &england,
                        &format!("setting.{s}.group.{}.{measure}", group.code()),
                    );
                    assert!(close(roles, g), "{year} {s} {}", group.code());
                }
                let by_region: f64 = region_figures
                    .iter()
                    .map(|f| get(f, &format!("setting.{s}.{measure}")))
                    .sum();
                assert!(
                    close(by_region, total),
                    "{year} {s}: regions {by_region} vs England {total}"
                );
            }
            assert!(
                close(settings, get(&england, measure)),
                "{year} {measure}: settings {settings} vs England {}",
                get(&england, measure)
            );
        }
        // Commissioning teams are the commissioning setting, and their roles are the group.
        assert!(close(
            get(&england, "setting.commissioning.wte"),
            get(&england, "commissioning_wte")
        ));
        let delivery: f64 = Setting::ALL
            .iter()
            .filter(|s| **s != Setting::Commissioning)
            .map(|s| get(&england, &format!("setting.{}.wte", s.code())))
            .sum();
        assert!(close(delivery, get(&england, "attributed_wte")));
        for what in [
            "las",
            "las_reporting",
            "las_without_analyst",
            "las_without_either",
        ] {
            let regions_sum: f64 = region_figures
                .iter()
                .map(|f| get(f, &format!("commissioning.{what}")))
                .sum();
            assert!(
                close(regions_sum, get(&england, &format!("commissioning.{what}"))),
                "{what}"
            );
        }
    }
}

#[test]
fn caseloads_and_commissioning_figures_by_hand_from_the_units() {
    let (m, _) = metrics_2024();
    let england = m.current.england();
    let cut = england.area.as_ref().unwrap().breakdown.as_ref().unwrap();
    let f = figures(2024, "england");
    // Open cases per WTE for drug and alcohol workers: the providers' and LEROs' own cases
    // and caseload WTE summed, and the median of their ratios.
    let mut cases = 0.0;
    let mut wte = 0.0;
    let mut ratios = Vec::new();
    for u in m.current.units.values() {
        if !matches!(
            u.kind,
            census_reports::metrics::EntityKind::Provider
                | census_reports::metrics::EntityKind::Lero
        ) {
            continue;
        }
        if let Some(t) = u.by_role.get(&Role::DrugAlcoholWorker) {
            if t.caseload_wte > 0.0 {
                cases += t.cases;
                wte += t.caseload_wte;
                ratios.push(t.cases / t.caseload_wte);
            }
        }
    }
    ratios.sort_by(f64::total_cmp);
    let n = ratios.len();
    let median = if n % 2 == 1 {
        ratios[n / 2]
    } else {
        (ratios[n / 2 - 1] + ratios[n / 2]) / 2.0
    };
    assert!(close(
        get(&f, "caseload.drug_alcohol_worker.per_wte"),
        cases / wte
    ));
    assert!(close(
        get(&f, "caseload.drug_alcohol_worker.median"),
        median
    ));
    assert_eq!(
        get(&f, "caseload.drug_alcohol_worker.organisations"),
        n as f64
    );
    // The commissioning vacancy rate is the commissioning roles' vacant over in post + vacant.
    let team = england.group_totals(RoleGroup::Commissioning);
    assert!(close(
        get(&f, "commissioning.vacancy_rate"),
        team.wte_vacant / (team.wte + team.wte_vacant)
    ));
    assert!(cut.commissioning.without_analyst > 0 && cut.commissioning.without_coordinator > 0);
    assert!(cut.commissioning.without_either <= cut.commissioning.without_coordinator);
    // Volunteers' share of everyone working.
    let v = england.volunteers;
    assert!(close(
        get(&f, "volunteer_share"),
        v / (v + england.totals.headcount)
    ));
    // Census 2021 comparators travel with the export.
    assert!(close(get(&f, "population.ethnicity.asian"), 0.096));
    assert!(close(get(&f, "population.gender.female"), 0.51));
}

/// The profile dimensions on the sample match the published censuses (SPEC §12): 2022,
/// 84% permanent and 69% full time; 2024, almost 40% in post under a year.
#[test]
fn contracts_working_patterns_and_length_of_service_are_calibrated() {
    let f2022 = figures(2022, "england");
    let f2024 = figures(2024, "england");
    let permanent = get(&f2022, "share.contract.permanent");
    let full_time = get(&f2022, "share.working_pattern.full_time");
    let new_starters = get(&f2024, "share.length_of_service.under_1_year");
    assert!(
        (0.80..=0.88).contains(&permanent),
        "2022 permanent {permanent}"
    );
    assert!(
        (0.65..=0.73).contains(&full_time),
        "2022 full time {full_time}"
    );
    assert!(
        (0.35..=0.45).contains(&new_starters),
        "2024 under a year {new_starters}"
    );
    // Every region and every year has the three dimensions.
    for year in [2022, 2023, 2024] {
        for region in census_reports::domain::Region::ALL {
            let f = figures(year, region.code());
            for key in [
                "share.contract.permanent",
                "share.working_pattern.full_time",
                "share.length_of_service.under_1_year",
            ] {
                let v = get(&f, key);
                assert!(
                    (0.0..=1.0).contains(&v),
                    "{year} {} {key} {v}",
                    region.code()
                );
            }
        }
    }
}

fn companion(out: &Path, id: &str) -> Vec<csv::StringRecord> {
    let mut reader = csv::Reader::from_path(out.join(format!("data/{id}.csv"))).unwrap();
    reader.records().map(Result::unwrap).collect()
}

fn cell<'a>(rows: &'a [csv::StringRecord], table: &str, row: &str, column: &str) -> &'a str {
    rows.iter()
        .find(|r| &r[0] == table && &r[1] == row && &r[2] == column)
        .unwrap_or_else(|| panic!("no cell {table}/{row}/{column}"))
        .get(3)
        .unwrap()
}

#[test]
fn national_and_regional_tables_print_the_exports_figures() {
    let out = tempfile::tempdir().unwrap();
    let data = sample(2024);
    let built = census_reports(
        &[
            "build",
            "--data",
            data.to_str().unwrap(),
            "--out",
            out.path().to_str().unwrap(),
            "--kind",
            "national",
            "--kind",
            "region",
        ],
        out.path(),
    );
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    // No caption is parted from its figure by a page break: a chart's caption (below it) never
    // opens a page, and a table's caption (above it) never ends one.
    let mut pdfs = vec![out.path().join("national.pdf")];
    pdfs.extend(crate::common::walk(&out.path().join("region")));
    for pdf in &pdfs {
        let text = std::process::Command::new("pdftotext")
            .args(["-layout"])
            .arg(pdf)
            .arg("-")
            .output()
            .expect("pdftotext (poppler-utils) is installed; .ci/run installs it");
        let text = String::from_utf8_lossy(&text.stdout);
        for (page, body) in text.split('\u{c}').enumerate().skip(1) {
            let lines: Vec<&str> = body
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            // The running header first and the footer last.
            let Some(inner) = lines.get(1..lines.len().saturating_sub(1)) else {
                continue;
            };
            let (Some(first), Some(last)) = (inner.first(), inner.last()) else {
                continue;
            };
            let caption = |l: &str, what: &str| {
                l.strip_prefix(what).is_some_and(|rest| {
                    let n: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric())
                        .collect();
                    !n.is_empty() && rest[n.len()..].starts_with(':')
                })
            };
            assert!(
                !caption(first, "Figure "),
                "{} page {}: opens with a figure's caption: {first}",
                pdf.display(),
                page + 1
            );
            assert!(
                !caption(last, "Table "),
                "{} page {}: ends with a table's caption: {last}",
                pdf.display(),
                page + 1
            );
        }
    }
    for (id, unit) in [("england", "england"), ("london", "london")] {
        let rows = companion(out.path(), id);
        let f = figures(2024, unit);
        for setting in Setting::ALL {
            let s = setting.code();
            assert_eq!(
                cell(&rows, "roles_by_setting_wte", "total", s),
                fmt_wte(get(&f, &format!("setting.{s}.wte"))),
                "{id} {s}"
            );
            assert_eq!(
                cell(&rows, "roles_by_setting_headcount", "total", s),
                fmt_count(get(&f, &format!("setting.{s}.headcount")))
            );
            for role in Role::ALL {
                assert_eq!(
                    cell(&rows, "roles_by_setting_wte", role.code(), s),
                    fmt_wte(get(&f, &format!("setting.{s}.role.{}.wte", role.code())))
                );
            }
        }
        assert_eq!(
            cell(&rows, "roles_by_setting_wte", "total", "total"),
            fmt_wte(get(&f, "wte"))
        );
        for role in Role::ALL {
            assert_eq!(
                cell(&rows, "roles_by_setting_wte", role.code(), "total"),
                fmt_wte(get(&f, &format!("wte.role.{}", role.code())))
            );
        }
        for group in RoleGroup::ALL {
            let g = group.code();
            let row = if id == "england" {
                g.to_string()
            } else {
                format!("{unit}.{g}")
            };
            assert_eq!(
                cell(&rows, "rates_by_role_group", &row, "vacancy_rate"),
                f.get(&format!("group.{g}.vacancy_rate"))
                    .map_or("–".to_string(), |v| fmt_pct(*v)),
                "{id} {g}"
            );
        }
        assert_eq!(
            cell(&rows, "commissioning_teams", unit, "vacancy_rate"),
            fmt_pct(get(&f, "commissioning.vacancy_rate"))
        );
        assert_eq!(
            cell(&rows, "commissioning_teams", unit, "without_analyst"),
            fmt_count(get(&f, "commissioning.las_without_analyst"))
        );
        assert_eq!(
            cell(&rows, "regional_profile", unit, "permanent_share"),
            fmt_pct(get(&f, "share.contract.permanent"))
        );
        assert_eq!(
            cell(&rows, "at_a_glance", "under_1_year_share", "value"),
            fmt_pct(get(&f, "share.length_of_service.under_1_year"))
        );
        assert_eq!(
            cell(&rows, "headline_trends", "wte", "2022"),
            fmt_wte(get(&figures(2022, unit), "wte"))
        );
        // The change since the last census reads from last year's figure.
        let change = cell(&rows, "at_a_glance", "wte", "change");
        assert!(
            change.contains(&fmt_wte(get(&figures(2023, unit), "wte")))
                && change.ends_with("in 2023"),
            "{change}"
        );
    }
    // The national report names every LA boundary change beside its trends; London's has
    // none of them.
    let html = |path: &str| std::fs::read_to_string(out.path().join(path)).unwrap();
    let national = html("html/national.html");
    for name in [
        "Cumberland was created",
        "Westmorland and Furness was created",
        "North Yorkshire took a new code",
        "Somerset took a new code",
    ] {
        assert!(national.contains(name), "{name}");
    }
    assert!(!html("html/region/london.html").contains("Cumberland was created"));
    assert!(
        national.contains("Census 2021"),
        "the comparators' source is printed"
    );
}
