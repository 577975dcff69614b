//! The publication workbooks read back (calamine for the cells, the zip archives for links,
//! properties and merges) against the government's spreadsheet guidance, and every figure
//! compared with the metrics export.

use crate::common;

use calamine::{open_workbook_auto, Data, Reader};
use common::census_reports;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/2024")
}

const STEM: &str = "drug-and-alcohol-treatment-and-recovery-workforce-census-2024-tables";

fn tables(dir: &Path, out: &str) -> PathBuf {
    let output = census_reports(
        &["tables", "--data", sample().to_str().unwrap(), "--out", out],
        dir,
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    dir.join(out).join("publication")
}

fn zip_text(path: &Path, name: &str) -> String {
    let file = std::fs::File::open(path).unwrap();
    let mut archive = zip::ZipArchive::new(file).unwrap();
    let mut entry = archive.by_name(name).unwrap();
    let mut text = String::new();
    entry.read_to_string(&mut text).unwrap();
    text
}

fn zip_names(path: &Path) -> Vec<String> {
    let file = std::fs::File::open(path).unwrap();
    let mut archive = zip::ZipArchive::new(file).unwrap();
    (0..archive.len())
        .map(|i| archive.by_index(i).unwrap().name().unwrap().to_string())
        .collect()
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Empty => String::new(),
        other => format!("{other:?}"),
    }
}

/// The export's printed values by (kind, id, metric) ("" where withheld or without value).
type ExportValues = HashMap<(String, String, String), String>;
/// Unit names to (kind, id).
type UnitNames = HashMap<String, (String, String)>;

/// The 2024 rows of the metrics export.
fn export(dir: &Path) -> (ExportValues, UnitNames) {
    let output = census_reports(
        &[
            "metrics",
            "--data",
            sample().to_str().unwrap(),
            "--out",
            "m.csv",
        ],
        dir,
    );
    assert!(output.status.success());
    let mut reader = csv::Reader::from_path(dir.join("m.csv")).unwrap();
    let mut values = HashMap::new();
    let mut names = HashMap::new();
    for row in reader.records() {
        let row = row.unwrap();
        if &row[0] != "2024" {
            continue;
        }
        names.insert(row[3].to_string(), (row[1].to_string(), row[2].to_string()));
        values.insert(
            (row[1].to_string(), row[2].to_string(), row[4].to_string()),
            row[5].to_string(),
        );
    }
    (values, names)
}

#[test]
fn the_workbooks_follow_the_spreadsheet_guidance_in_both_formats() {
    let dir = tempfile::tempdir().unwrap();
    let publication = tables(dir.path(), "out");
    for ext in ["ods", "xlsx"] {
        let path = publication.join(format!("{STEM}.{ext}"));
        let mut book = open_workbook_auto(&path).unwrap();
        let names = book.sheet_names().to_vec();
        assert_eq!(&names[..3], ["Cover", "Contents", "Notes"], "{ext}");
        assert!(names.len() > 8, "{names:?}");
        let notes = book.worksheet_range("Notes").unwrap();
        let note_ids: Vec<String> = notes.rows().skip(3).map(|r| cell_text(&r[0])).collect();
        for s in ["[c]", "[x]", "[z]"] {
            assert!(note_ids.contains(&s.to_string()), "{ext}: {s} explained");
        }
        let contents = book.worksheet_range("Contents").unwrap();
        let listed: Vec<String> = contents.rows().skip(3).map(|r| cell_text(&r[0])).collect();
        for name in &names {
            assert!(name.chars().count() <= 31, "{name}");
            assert!(
                name == "Cover" || name == "Contents" || listed.contains(name),
                "{ext}: {name} not in contents"
            );
            let range = book.worksheet_range(name).unwrap();
            assert_eq!(range.start(), Some((0, 0)), "{ext} {name}: title in A1");
            let title = cell_text(range.get((0, 0)).unwrap());
            assert!(!title.is_empty(), "{ext} {name}");
            if !name.starts_with("Table_") {
                continue;
            }
            assert!(title.starts_with("Table "), "{title}");
            let rows: Vec<&[Data]> = range.rows().collect();
            let header = rows[2];
            let width = header.iter().filter(|c| !cell_text(c).is_empty()).count();
            assert_eq!(
                width,
                header.len(),
                "{ext} {name}: header row directly above the data"
            );
            for cited in title
                .match_indices("[note ")
                .map(|(i, _)| title[i..].split(']').next().unwrap().to_string() + "]")
            {
                assert!(
                    note_ids.contains(&cited),
                    "{ext} {name}: {cited} is on the notes sheet"
                );
            }
            for h in header {
                let h = cell_text(h);
                for (i, _) in h.match_indices("[note ") {
                    let cited = h[i..].split(']').next().unwrap().to_string() + "]";
                    assert!(note_ids.contains(&cited), "{ext} {name}: {cited}");
                }
            }
            assert!(rows.len() > 3, "{ext} {name}: has data");
            for (r, row) in rows.iter().enumerate().skip(3) {
                for (c, cell) in row.iter().enumerate() {
                    let text = cell_text(cell);
                    assert!(
                        !text.is_empty(),
                        "{ext} {name}: blank cell at row {} column {}",
                        r + 1,
                        c + 1
                    );
                    if let Data::String(s) = cell {
                        assert!(
                            s.replace(',', "").parse::<f64>().is_err() || c < 2,
                            "{ext} {name}: a number stored as text at row {} column {}: {s}",
                            r + 1,
                            c + 1
                        );
                    }
                }
            }
        }
    }

    let xlsx = publication.join(format!("{STEM}.xlsx"));
    let core = zip_text(&xlsx, "docProps/core.xml");
    assert!(core.contains("<dc:title>Drug and alcohol treatment and recovery workforce census 2024: publication tables, England</dc:title>"));
    assert!(zip_text(&xlsx, "docProps/custom.xml").contains("en-GB"));
    let sheets: Vec<String> = zip_names(&xlsx)
        .into_iter()
        .filter(|n| n.starts_with("xl/worksheets/sheet"))
        .collect();
    for sheet in &sheets {
        assert!(
            !zip_text(&xlsx, sheet).contains("<mergeCell"),
            "{sheet} has merged cells"
        );
    }
    let contents = zip_text(&xlsx, "xl/worksheets/sheet2.xml");
    for n in 1..=9 {
        assert!(
            contents.contains(&format!("location=\"'Table_{n}'!A1\"")),
            "link to Table_{n}"
        );
    }
    let tables: Vec<String> = zip_names(&xlsx)
        .into_iter()
        .filter(|n| n.starts_with("xl/tables/"))
        .collect();
    assert!(
        tables.len() >= 10,
        "every table is a named table: {tables:?}"
    );
    for t in &tables {
        assert!(zip_text(&xlsx, t).contains(" name=\""), "{t}");
    }

    let ods = publication.join(format!("{STEM}.ods"));
    let meta = zip_text(&ods, "meta.xml");
    assert!(meta.contains("<dc:language>en-GB</dc:language>") && meta.contains("<dc:title>"));
    let content = zip_text(&ods, "content.xml");
    assert!(
        !content.contains("number-columns-spanned"),
        "merged cells in the ODS"
    );
    assert!(content.contains("xlink:href=\"#Table_1.A1\""));
    assert_eq!(zip_names(&ods)[0], "mimetype");
}

/// A cell holds what it shows: no more digits than its format prints (`decimals` of the
/// stored value: 3 for a percentage to one place), and the export's figure rounded to them.
fn holds_what_it_shows(cell: &Data, exported: f64, decimals: i32, what: &str) {
    let Data::Float(v) = cell else {
        panic!("{what}: {cell:?} is not a number")
    };
    let scaled = v * 10f64.powi(decimals);
    assert!(
        (scaled - scaled.round()).abs() < 1e-6,
        "{what}: {v} holds more digits than it shows"
    );
    assert!(
        (v - exported).abs() <= 0.5 * 10f64.powi(-decimals) + 1e-9,
        "{what}: {v} is not {exported} rounded to {decimals} places"
    );
}

#[test]
fn every_figure_is_the_metrics_export_rounded_as_shown_and_c_is_exactly_where_it_is_withheld() {
    let dir = tempfile::tempdir().unwrap();
    let publication = tables(dir.path(), "out");
    let (export, names) = export(dir.path());
    let number = |kind: &str, id: &str, metric: &str| -> Option<f64> {
        let v = export.get(&(kind.to_string(), id.to_string(), metric.to_string()))?;
        v.parse().ok()
    };
    for ext in ["ods", "xlsx"] {
        let mut book = open_workbook_auto(publication.join(format!("{STEM}.{ext}"))).unwrap();
        // Headline figures by area.
        let t1 = book.worksheet_range("Table_1").unwrap();
        let metrics = [
            ("headcount", 0),
            ("wte", 1),
            ("attributed_wte", 1),
            ("commissioning_wte", 1),
            ("vacancy_rate", 3),
            ("leaver_rate", 3),
            ("agency_share", 3),
            ("wte_per_100k_adults", 1),
            ("volunteers", 0),
        ];
        let mut compared = 0;
        for row in t1.rows().skip(3) {
            let (kind, id) = &names[&cell_text(&row[0])];
            for (c, (metric, places)) in metrics.iter().enumerate() {
                let want = number(kind, id, metric).unwrap();
                holds_what_it_shows(&row[c + 1], want, *places, &format!("{ext} {id} {metric}"));
                compared += 1;
            }
        }
        assert_eq!(compared, 8 * 9, "England and 7 regions");
        // Every local authority.
        let t2 = book.worksheet_range("Table_2").unwrap();
        let la_metrics = [
            ("population_18plus", 0),
            ("adults_in_treatment", 0),
            ("attributed_wte", 1),
            ("wte_per_100k_adults", 1),
            ("in_treatment_per_daw_wte", 1),
            ("commissioning_wte", 1),
            ("mdt_coverage", 0),
        ];
        let mut las = 0;
        for row in t2.rows().skip(3) {
            let code = cell_text(&row[0]);
            for (c, (metric, places)) in la_metrics.iter().enumerate() {
                match number("la", &code, metric) {
                    Some(want) => holds_what_it_shows(
                        &row[c + 3],
                        want,
                        *places,
                        &format!("{ext} {code} {metric}"),
                    ),
                    None => assert_eq!(cell_text(&row[c + 3]), "[x]", "{ext} {code} {metric}"),
                }
            }
            las += 1;
        }
        assert_eq!(las, 153);
        // The workforce by role and setting, and the commissioning teams, by area.
        let mut sheet = |title: &str| {
            let name = book
                .sheet_names()
                .into_iter()
                .find(|n| {
                    book.worksheet_range(n)
                        .ok()
                        .is_some_and(|r| cell_text(r.get((0, 0)).unwrap()).contains(title))
                })
                .unwrap_or_else(|| panic!("no sheet {title}"));
            book.worksheet_range(&name).unwrap()
        };
        let settings = census_reports::domain::Setting::ALL;
        let t = sheet("WTE and headcount by role and setting");
        let mut cells = 0;
        for row in t.rows().skip(3) {
            let (kind, id) = &names[&cell_text(&row[0])];
            let role = census_reports::domain::Role::parse(&cell_text(&row[2])).unwrap();
            for (i, setting) in settings.iter().enumerate() {
                for (offset, measure, places) in [(0, "wte", 1), (settings.len(), "headcount", 0)] {
                    let metric =
                        format!("setting.{}.role.{}.{measure}", setting.code(), role.code());
                    let want = number(kind, id, &metric).unwrap();
                    holds_what_it_shows(
                        &row[3 + offset + i],
                        want,
                        places,
                        &format!("{ext} {id} {metric}"),
                    );
                    cells += 1;
                }
            }
        }
        assert_eq!(
            cells,
            8 * 17 * 6 * 2,
            "every area, role, setting and measure"
        );
        let t = sheet("Local authority commissioning teams");
        for row in t.rows().skip(3) {
            let (kind, id) = &names[&cell_text(&row[0])];
            for (c, (metric, places)) in [
                ("commissioning_wte", 1),
                ("commissioning.wte_vacant", 1),
                ("commissioning.vacancy_rate", 3),
                ("commissioning.las", 0),
            ]
            .iter()
            .enumerate()
            {
                let want = number(kind, id, metric).unwrap();
                holds_what_it_shows(&row[c + 1], want, *places, &format!("{ext} {id} {metric}"));
            }
        }
        // Diversity and the employment dimensions: [c] exactly where the export withholds
        // a share.
        for title in ["Staff diversity", "Contracts, working patterns"] {
            let t = sheet(title);
            let header: Vec<String> = t.rows().nth(2).unwrap().iter().map(cell_text).collect();
            let dims: HashMap<&str, &str> = [
                ("Age", "age_band"),
                ("Gender", "gender"),
                ("Ethnicity", "ethnicity"),
                ("Disability", "disability"),
                ("Lived experience", "lived_experience"),
                ("Contract", "contract"),
                ("Working pattern", "working_pattern"),
                ("Length of service", "length_of_service"),
            ]
            .into();
            let mut withheld = 0;
            for row in t.rows().skip(3) {
                let dim = dims[cell_text(&row[0]).as_str()];
                for (c, h) in header.iter().enumerate().skip(2) {
                    let (kind, id) = &names[h.trim_end_matches(" share")];
                    let category = category_code(dim, &cell_text(&row[1]));
                    let metric = format!("share.{dim}.{category}");
                    let value = &export[&(kind.clone(), id.clone(), metric.clone())];
                    if value.is_empty() {
                        assert_eq!(cell_text(&row[c]), "[c]", "{ext} {id} {metric}");
                        withheld += 1;
                    } else {
                        holds_what_it_shows(
                            &row[c],
                            value.parse().unwrap(),
                            3,
                            &format!("{ext} {id} {metric}"),
                        );
                    }
                }
            }
            // The sample's areas are large: a withheld share is rare, but the rule is checked
            // both ways on every cell above.
            assert!(withheld <= header.len() * 25, "{withheld}");
        }
    }
}

fn category_code(dimension: &str, label: &str) -> String {
    use census_reports::domain::Dimension;
    let dimension = Dimension::ALL
        .iter()
        .find(|d| d.code() == dimension)
        .unwrap();
    let (code, _) = dimension
        .categories()
        .iter()
        .find(|(_, l)| *l == label)
        .unwrap();
    code.to_string()
}

#[test]
fn the_workbooks_are_byte_identical_across_runs_and_regions_have_their_own() {
    let dir = tempfile::tempdir().unwrap();
    let a = tables(dir.path(), "a");
    let b = tables(dir.path(), "b");
    let mut files: Vec<_> = std::fs::read_dir(&a)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    files.sort();
    assert_eq!(
        files.len(),
        16,
        "England and 7 regions, ODS and xlsx: {files:?}"
    );
    for f in files {
        assert_eq!(
            std::fs::read(a.join(&f)).unwrap(),
            std::fs::read(b.join(&f)).unwrap(),
            "{f:?}"
        );
    }
    let mut london = open_workbook_auto(a.join(format!("{STEM}-london.ods"))).unwrap();
    let las = london.worksheet_range("Table_2").unwrap();
    let rows = las.rows().skip(3).count();
    assert!((30..=40).contains(&rows), "London's LAs only: {rows}");
    assert!(las.rows().skip(3).all(|r| cell_text(&r[2]) == "London"));
}

#[test]
fn every_figure_a_workbook_asks_for_is_in_the_metrics_export() {
    use census_reports::metrics::mdt::Assumptions;
    let run = census_reports::input::pipeline::open(&sample()).unwrap();
    let metrics = run.metrics(&Assumptions::default_shipped()).unwrap();
    let rows = census_reports::metrics::export::rows(&metrics);
    let regions = census_reports::domain::Region::ALL.iter().map(|r| Some(*r));
    for region in std::iter::once(None).chain(regions) {
        let book = census_reports::publication::workbook(run.census(), &metrics, &rows, region);
        assert!(
            book.unknown_figures.is_empty(),
            "{region:?}: no such figure in the export: {:?}",
            book.unknown_figures
        );
        // The headline table's description names measures, not export keys.
        let t1 = &book.tables[0];
        assert!(
            !t1.description.contains("wte_per_100k"),
            "{}",
            t1.description
        );
        assert!(t1.description.contains("Vacancy rate") || t1.description.contains("vacancy rate"));
    }
}
