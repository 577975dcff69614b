//! Integrated care board footprints as a geography read from `icb_lookup.csv` (SPEC §17): an
//! ICB's additive figures are its LAs' weighted by each LA's share of adults in it, its ratios
//! are ratios of those sums, England's figures do not move, and every fault of the lookup is
//! one warning that stops nothing.

use census_reports::input::finding::{Rule, Severity};
use census_reports::input::pipeline;
use census_reports::metrics::mdt::Assumptions;
use census_reports::metrics::{export, EntityKind, MeasureId, Metrics};
use std::path::{Path, PathBuf};

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data/2024")
}

/// The 2024 sample alone in a temporary folder, with `lookup` as its ICB lookup (none when
/// `lookup` is None).
fn census_with(lookup: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().join("2024");
    for file in crate::common::walk(&sample()) {
        let target = to.join(file.strip_prefix(sample()).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&file, &target).unwrap();
    }
    match lookup {
        Some(text) => std::fs::write(to.join("icb_lookup.csv"), text).unwrap(),
        None => std::fs::remove_file(to.join("icb_lookup.csv")).unwrap(),
    }
    dir
}

fn metrics_of(dir: &Path) -> (pipeline::CensusRun, Metrics) {
    let run = pipeline::open(&dir.join("2024")).unwrap();
    let metrics = run.metrics(&Assumptions::default_shipped()).unwrap();
    (run, metrics)
}

/// Builds the census in `dir` with `args` into a new output folder, which it returns.
fn build(dir: &Path, args: &[&str]) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    let data = dir.join("2024");
    let mut all = vec![
        "build",
        "--data",
        data.to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
    ];
    all.extend(args);
    let built = crate::common::census_reports(&all, out.path());
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    out
}

/// The sample's LA codes, in file order.
fn la_codes() -> Vec<String> {
    let mut reader = csv::Reader::from_path(sample().join("local_authorities.csv")).unwrap();
    reader
        .records()
        .map(|r| r.unwrap()[0].to_string())
        .collect()
}

#[test]
fn an_icb_is_its_las_weighted_by_share_and_england_does_not_move() {
    let las = la_codes();
    // Three footprints over the first ten LAs; the fourth LA is split 70/30 between the
    // first two, the eighth 25/75 between the last two.
    let mut lookup = String::from("la_code,icb_code,icb_name,share\n");
    let mut members: Vec<(&str, Vec<(usize, f64)>)> = vec![
        ("E54000101", vec![(0, 1.0), (1, 1.0), (2, 1.0), (3, 0.7)]),
        (
            "E54000102",
            vec![(3, 0.3), (4, 1.0), (5, 1.0), (6, 1.0), (7, 0.25)],
        ),
        ("E54000103", vec![(7, 0.75), (8, 1.0), (9, 1.0)]),
    ];
    for (code, las_in) in &members {
        for (i, share) in las_in {
            lookup.push_str(&format!(
                "{},{code},Test footprint {code},{share}\n",
                las[*i]
            ));
        }
    }
    let with = census_with(Some(&lookup));
    let (run, metrics) = metrics_of(with.path());
    // Every LA the lookup leaves out is one warning; nothing else is found in it.
    let found: Vec<_> = run
        .validation
        .findings
        .iter()
        .filter(|f| f.file == "icb_lookup.csv")
        .collect();
    assert_eq!(found.len(), las.len() - 10, "{found:?}");
    assert!(found.iter().all(|f| f.severity == Severity::Warning));
    let year = &metrics.current;
    // The ICB reports are built and print the same figures.
    let out = build(with.path(), &["--kind", "icb"]);
    let printed = |code: &str, row: &str| -> String {
        let mut reader =
            csv::Reader::from_path(out.path().join("data").join(format!("{code}.csv"))).unwrap();
        reader
            .records()
            .map(|r| r.unwrap())
            .find(|r| &r[0] == "figures" && &r[1] == row && &r[2] == "value")
            .map(|r| r[3].to_string())
            .unwrap_or_else(|| panic!("{code}: no {row} in the data companion"))
    };
    for (code, _) in &members {
        assert!(out.path().join(format!("icb/{code}.pdf")).exists());
        assert!(out.path().join(format!("html/icb/{code}.html")).exists());
        let icb = year.unit(EntityKind::Icb, code).unwrap();
        for m in [MeasureId::AttributedWte, MeasureId::WtePer100kAdults] {
            assert_eq!(
                printed(code, m.key()),
                m.measure().display(m.value(icb)),
                "{code} {}",
                m.key()
            );
        }
    }
    for (code, las_in) in members.drain(..) {
        let icb = year.unit(EntityKind::Icb, code).unwrap();
        let (mut wte, mut population, mut adults) = (0.0, 0.0, 0.0);
        for (i, share) in &las_in {
            let la = year.unit(EntityKind::La, &las[*i]).unwrap();
            wte += share * MeasureId::AttributedWte.value(la).unwrap();
            population += share * MeasureId::Population18Plus.value(la).unwrap();
            adults += share * MeasureId::AdultsInTreatment.value(la).unwrap();
        }
        let close = |a: f64, b: f64| (a - b).abs() < 1e-6 * b.abs().max(1.0);
        let got = |m: MeasureId| m.value(icb).unwrap();
        assert!(close(got(MeasureId::AttributedWte), wte), "{code} WTE");
        assert!(
            close(got(MeasureId::Population18Plus), population),
            "{code}"
        );
        assert!(close(got(MeasureId::AdultsInTreatment), adults), "{code}");
        assert!(
            close(
                got(MeasureId::WtePer100kAdults),
                wte / population * 100_000.0
            ),
            "{code} WTE per 100,000 adults"
        );
        assert_eq!(icb.area.as_ref().unwrap().members.len(), las_in.len());
    }
    // The three footprints are each other's peers.
    let d = &year.peers[&(EntityKind::Icb, MeasureId::WtePer100kAdults)];
    assert_eq!(d.values.len(), 3);

    // England's rows, and every LA's and region's, are the same without the lookup.
    let without = census_with(None);
    let (_, plain) = metrics_of(without.path());
    let rows = |m: &Metrics| -> Vec<String> {
        export::rows(m)
            .into_iter()
            .filter(|r| r.entity_kind != "icb" && !r.metric.starts_with("icb."))
            .map(|r| {
                format!(
                    "{},{},{},{},{:?}",
                    r.year, r.entity_kind, r.entity_id, r.metric, r.value
                )
            })
            .collect()
    };
    assert_eq!(rows(&metrics), rows(&plain));
    assert!(plain.current.units_of(EntityKind::Icb).next().is_none());
}

#[test]
fn each_fault_of_the_lookup_is_one_finding_and_every_report_is_built() {
    let las = la_codes();
    let mut lookup = String::from("la_code,icb_code,icb_name,share\n");
    // las[0] is missing; las[1] is split 0.5 + 0.4; las[2]'s row is repeated; las[3] has a
    // share of 1.5; an unknown LA has a row.
    for (i, la) in las.iter().enumerate() {
        match i {
            0 => {}
            1 => {
                lookup.push_str(&format!("{la},E54000201,North,0.5\n"));
                lookup.push_str(&format!("{la},E54000202,South,0.4\n"));
            }
            2 => {
                lookup.push_str(&format!("{la},E54000201,North,1\n"));
                lookup.push_str(&format!("{la},E54000201,North,1\n"));
            }
            3 => lookup.push_str(&format!("{la},E54000202,South,1.5\n")),
            _ => lookup.push_str(&format!(
                "{la},{},{},1\n",
                if i % 2 == 0 { "E54000201" } else { "E54000202" },
                if i % 2 == 0 { "North" } else { "South" }
            )),
        }
    }
    lookup.push_str("E06999999,E54000201,North,1\n");
    let dir = census_with(Some(&lookup));
    let (run, metrics) = metrics_of(dir.path());
    let found: Vec<_> = run
        .validation
        .findings
        .iter()
        .filter(|f| f.file == "icb_lookup.csv")
        .collect();
    let count = |rule: Rule, field: &str| {
        found
            .iter()
            .filter(|f| f.rule == rule && f.field.as_deref() == Some(field))
            .count()
    };
    assert_eq!(found.len(), 5, "{found:#?}");
    assert!(found.iter().all(|f| f.severity == Severity::Warning));
    assert_eq!(
        count(Rule::Reference, "la_code"),
        2,
        "unknown LA, missing LA"
    );
    assert_eq!(count(Rule::SharesSum, "share"), 1);
    assert_eq!(count(Rule::DuplicateKey, "icb_code"), 1);
    assert_eq!(count(Rule::Number, "share"), 1);
    // Each finding on a row names its line.
    for f in found.iter().filter(|f| !f.message.contains("has no row")) {
        assert!(f.line.is_some(), "{f:?}");
    }
    // The rows that can be used are used: the split LA's shares are scaled to add up to 1.
    let north = metrics.current.unit(EntityKind::Icb, "E54000201").unwrap();
    assert!(north.area.as_ref().unwrap().members.contains(&las[1]));
    // Nothing is blocked, and every report builds.
    assert!(run.validation.blocked.is_empty());
    let out = build(dir.path(), &["--format", "pdf"]);
    let manifest = crate::common::manifest(out.path());
    let reports = manifest["reports"].as_array().unwrap();
    assert!(reports.len() > 500);
    assert!(reports.iter().all(|r| r["status"] != "failed"));
}
