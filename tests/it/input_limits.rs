//! Every input file is untrusted (SPEC §8): a file that breaks a limit costs one finding,
//! never the batch. Every hostile workbook of the issue at once, read by the real binary
//! under an address-space limit so that a generous machine cannot hide an allocation; the
//! workbook reader fed arbitrary and mutated bytes; CSV files of repeated rows.

use crate::common;

use census_reports::input::spreadsheet::{self, Format, Limits, SheetError, Value};
use common::hostile_workbooks as hostile;
use common::{census_reports, Fixture};
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The address space the binary may use when it only reads and checks (no typesetting).
const CHECK_ADDRESS_SPACE: u64 = 1024 * 1024 * 1024;
/// The address space for a whole build; see [`a_build_with_every_hostile_workbook_builds_every_report`].
const BUILD_ADDRESS_SPACE: u64 = 2 * 1024 * 1024 * 1024;

/// The LA each hostile workbook is named after, in [`hostile::KINDS`] order.
const LAS: [&str; 5] = [
    "E08000035",
    "E08000036",
    "E09000001",
    "E08000034",
    "E09000002",
];

/// The hostile workbooks, made once for the whole test binary (two of them are 1.5 GB
/// inflated, so writing them takes a few seconds).
fn hostile_folder() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        for (kind, la) in hostile::KINDS.iter().zip(LAS) {
            hostile::write(kind, dir.path(), la);
        }
        dir
    })
    .path()
}

fn hostile_file(kind: &str) -> PathBuf {
    let i = hostile::KINDS.iter().position(|k| *k == kind).unwrap();
    let ext = if kind == "ods_bomb" { "ods" } else { "xlsx" };
    hostile_folder().join(format!("{}.{ext}", LAS[i]))
}

/// The fixture census with two more LAs (no provider serves them), so that five LAs can
/// each have a workbook, and no CSV plan.
fn five_las() -> Fixture {
    Fixture::clean()
        .append(
            "local_authorities.csv",
            "E08000034,Kirklees,North East and Yorkshire,340000,2000,80\n\
             E09000002,Barking and Dagenham,London,160000,900,30\n",
        )
        .remove("expansion_plans.csv")
}

/// [`five_las`] with every hostile workbook in its `expansion_plans/`.
fn census_with_hostile_workbooks() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("2024");
    five_las().write(&data);
    let plans = data.join("expansion_plans");
    std::fs::create_dir_all(&plans).unwrap();
    for kind in hostile::KINDS {
        let from = hostile_file(kind);
        std::fs::copy(&from, plans.join(from.file_name().unwrap())).unwrap();
    }
    dir
}

/// Runs the binary with its address space limited to `bytes`.
fn limited(bytes: u64, args: &[&str], cwd: &Path) -> Output {
    Command::new("prlimit")
        .arg(format!("--as={bytes}"))
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_census-reports"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("prlimit (util-linux) runs the binary")
}

/// What each hostile workbook's one finding says, by kind: (location, words in the message).
fn expected_findings() -> Vec<(String, &'static str)> {
    vec![
        (
            "expansion_plans/E08000035.xlsx!Workforce expansion!XFD1048576".into(),
            "lies beyond the 2,000 rows and 100 columns",
        ),
        (
            "expansion_plans/E08000036.xlsx".into(),
            "xl/worksheets/sheet1.xml inflates to more than 32 MB",
        ),
        (
            "expansion_plans/E09000001.ods".into(),
            "content.xml inflates to more than 32 MB",
        ),
        (
            "expansion_plans/E08000034.xlsx".into(),
            "declares a document type (entities)",
        ),
        (
            "expansion_plans/E09000002.xlsx".into(),
            "declares a document type (entities)",
        ),
    ]
}

/// `plans check` prints each finding as `  error <location>: <message>` (or similar); the
/// lines that name one of the hostile workbooks.
fn lines_naming<'a>(stdout: &'a str, file: &str) -> Vec<&'a str> {
    stdout.lines().filter(|l| l.contains(file)).collect()
}

#[test]
fn every_hostile_workbook_is_one_finding_under_an_address_space_limit() {
    let dir = census_with_hostile_workbooks();
    let out = limited(
        CHECK_ADDRESS_SPACE,
        &["plans", "check", "--data", "2024"],
        dir.path(),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(!stderr.contains("memory allocation"), "{stderr}");
    for (location, words) in expected_findings() {
        let file = location.split('!').next().unwrap();
        let lines = lines_naming(&stdout, file);
        assert_eq!(lines.len(), 1, "one finding for {file}:\n{stdout}");
        assert!(
            lines[0].contains(&format!("{location}: ")) && lines[0].contains(words),
            "{location} / {words}:\n{stdout}"
        );
        assert!(
            lines[0].contains("the workbook is not read"),
            "{}",
            lines[0]
        );
    }
    assert!(stdout.contains("5 error(s), 0 warning(s)"), "{stdout}");
    // Nothing of /etc/passwd or a billion "lol"s reached the output.
    assert!(!stdout.contains("root:") && !stdout.contains("lollol"));
}

#[test]
fn validate_lists_each_hostile_workbook_once_and_reads_the_rest() {
    let dir = census_with_hostile_workbooks();
    // One good workbook beside them: it is still read.
    let plans = dir.path().join("2024/expansion_plans");
    std::fs::rename(plans.join("E09000002.xlsx"), plans.join("bad.xlsx.off")).unwrap();
    std::fs::write(plans.join("E09000002.xlsx"), hostile::valid_xlsx()).unwrap();
    let out = limited(
        CHECK_ADDRESS_SPACE,
        &["validate", "--data", "2024", "--out", "v"],
        dir.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let queries = std::fs::read_to_string(dir.path().join("v/queries.csv")).unwrap();
    for (location, _) in expected_findings().iter().take(4) {
        let file = location.split('!').next().unwrap();
        let rows = queries.lines().filter(|l| l.contains(file)).count();
        assert_eq!(rows, 1, "{file} in\n{queries}");
    }
    assert!(queries.contains("schema.limit"), "{queries}");
    assert!(!queries.contains("E09000002.xlsx"), "{queries}");
    // The good workbook's plan reaches the metrics.
    let metrics = census_reports(&["metrics", "--data", "2024", "--out", "m.csv"], dir.path());
    assert!(metrics.status.success());
    let metrics = std::fs::read_to_string(dir.path().join("m.csv")).unwrap();
    assert!(
        metrics
            .contains(",E09000002,Barking and Dagenham,expansion.nurses.planned_fte.2023-24,8\n"),
        "{metrics}"
    );
    assert!(!metrics.contains(",E08000035,Leeds,expansion.nurses.planned_fte"));
}

#[test]
fn a_build_with_every_hostile_workbook_builds_every_report() {
    let dir = census_with_hostile_workbooks();
    let clean = tempfile::tempdir().unwrap();
    five_las().write(&clean.path().join("2024"));
    // The same limit lets the clean census build: the hostile files add nothing to it.
    for dir in [clean.path(), dir.path()] {
        let out = limited(
            BUILD_ADDRESS_SPACE,
            &["build", "--data", "2024", "--out", "out", "--format", "pdf"],
            dir,
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
    }
    let reports = |dir: &Path| {
        let mut names: Vec<String> = common::walk(&dir.join("out"))
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
            .map(|p| p.strip_prefix(dir).unwrap().display().to_string())
            .collect();
        names.sort();
        names
    };
    let built = reports(dir.path());
    assert_eq!(built, reports(clean.path()));
    assert!(
        built.iter().any(|p| p.ends_with("la/E08000035.pdf")),
        "{built:?}"
    );
}

// ---- CSV inputs ----------------------------------------------------------------------------

#[test]
fn a_csv_file_past_the_row_limit_is_one_finding_and_costs_little() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("2024");
    let row = "P01,gender,female,1\n";
    let fixture = Fixture::clean();
    let demographics = fixture.files["demographics.csv"].clone()
        + &row.repeat(census_reports::input::load::MAX_ROWS);
    fixture.set("demographics.csv", &demographics).write(&data);
    let out = limited(
        CHECK_ADDRESS_SPACE,
        &["validate", "--data", "2024", "--out", "v"],
        dir.path(),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    let said = format!("{stdout}{stderr}");
    let naming: Vec<&str> = said
        .lines()
        .filter(|l| l.contains("demographics.csv"))
        .collect();
    assert_eq!(naming.len(), 1, "{said}");
    assert!(
        naming[0].contains("the file has more than 250,000 rows")
            && naming[0].contains("schema.limit"),
        "{said}"
    );
}

#[test]
fn a_file_with_a_finding_on_every_row_lists_a_thousand_and_counts_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("2024");
    // 1,500 repeats of one row: 1,500 duplicate keys in demographics.csv, all P01's.
    let fixture = Fixture::clean();
    let demographics =
        fixture.files["demographics.csv"].clone() + &"P01,gender,female,1\n".repeat(1_500);
    fixture.set("demographics.csv", &demographics).write(&data);
    let out = limited(
        CHECK_ADDRESS_SPACE,
        &["validate", "--data", "2024", "--out", "v"],
        dir.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let queries = std::fs::read_to_string(dir.path().join("v/queries.csv")).unwrap();
    let rows: Vec<&str> = queries
        .lines()
        .filter(|l| l.contains(",demographics.csv,"))
        .collect();
    assert_eq!(
        rows.len(),
        census_reports::input::finding::MAX_LISTED_PER_FILE + 1,
        "{queries}"
    );
    let summary = rows
        .iter()
        .find(|r| r.contains("schema.limit"))
        .expect("a finding counting the rest");
    assert!(
        summary.starts_with("P01,"),
        "the left-out findings are all P01's: {summary}"
    );
    assert!(summary.contains(",error,"), "{summary}");
    assert!(
        summary.contains("more findings in this file are not listed (the first 1,000 are)"),
        "{summary}"
    );
    // The other files' findings are all listed, and P01 is still blocked.
    let manifest = census_reports(
        &[
            "build", "--data", "2024", "--out", "out", "--format", "pdf", "--kind", "provider",
        ],
        dir.path(),
    );
    assert_eq!(manifest.status.code(), Some(0));
    let manifest = common::manifest(&dir.path().join("out"));
    assert_eq!(common::entry(&manifest, "P01")["status"], "blocked");
}

// ---- the reader itself ------------------------------------------------------------------

fn read_file(path: &Path) -> Result<spreadsheet::Workbook, SheetError> {
    spreadsheet::read(path, &|_| true)
}

#[test]
fn the_reader_names_the_limit_each_hostile_workbook_breaks() {
    match read_file(&hostile_file("far_cell")) {
        Err(SheetError::Limit { at, .. }) => assert_eq!(
            at,
            Some(("Workforce expansion".to_string(), 1_048_575, 16_383))
        ),
        other => panic!("{other:?}"),
    }
    for kind in ["string_bomb", "ods_bomb"] {
        let err = read_file(&hostile_file(kind)).unwrap_err();
        assert!(
            matches!(&err, SheetError::Limit { at: None, what } if what.contains("inflates to more than 32 MB")),
            "{kind}: {err:?}"
        );
    }
    for kind in ["external_entity", "billion_laughs"] {
        let err = read_file(&hostile_file(kind)).unwrap_err();
        assert!(
            matches!(&err, SheetError::Limit { what, at: None } if what.contains("document type")),
            "{kind}: {err:?}"
        );
    }
}

#[test]
fn a_used_range_declared_to_the_last_cell_costs_nothing_when_the_cells_are_near() {
    // Another tool's workbook that declares the whole sheet as used but fills the template.
    let mut out = std::io::Cursor::new(Vec::new());
    hostile::rezip(
        &hostile::valid_xlsx(),
        |name, text, w| {
            if name != "xl/worksheets/sheet1.xml" {
                return false;
            }
            let start = text.find(r#"<dimension ref=""#).unwrap();
            let end = start + text[start..].find("/>").unwrap() + 2;
            let mut text = text.to_string();
            text.replace_range(start..end, r#"<dimension ref="A1:XFD1048576"/>"#);
            // A formatted blank far away holds nothing and is not a value.
            let text = text.replace(
                "</sheetData>",
                r#"<row r="1048576"><c r="XFD1048576" s="1"/></row></sheetData>"#,
            );
            w.write_all(text.as_bytes()).unwrap();
            true
        },
        &mut out,
    );
    let book =
        spreadsheet::read_bytes(Format::Xlsx, out.get_ref(), &|_| true, &Limits::DEFAULT).unwrap();
    let sheet = book.sheet(|n| n == "Workforce expansion").unwrap();
    assert_eq!(sheet.bounds(), Some(((0, 0), (18, 5))));
    assert_eq!(
        sheet.cell(7, 2).map(|c| &c.value),
        Some(&Value::Number(6.0)),
        "Nurses 2021-22"
    );
}

#[test]
fn tighter_limits_are_each_one_error() {
    let xlsx = hostile::valid_xlsx();
    let read = |limits: Limits| {
        spreadsheet::read_bytes(Format::Xlsx, &xlsx, &|_| true, &limits).unwrap_err()
    };
    let cases: [(Limits, &str); 5] = [
        (
            Limits {
                members: 3,
                ..Limits::DEFAULT
            },
            "entries, more than the 3",
        ),
        (
            Limits {
                sheets: 1,
                ..Limits::DEFAULT
            },
            "more than 1 sheets",
        ),
        (
            Limits {
                shared_strings: 5,
                ..Limits::DEFAULT
            },
            "more than 5 shared strings",
        ),
        (
            Limits {
                text_chars: 10,
                ..Limits::DEFAULT
            },
            "longer than 10 characters",
        ),
        (
            Limits {
                rows: 10,
                ..Limits::DEFAULT
            },
            "beyond the 10 rows",
        ),
    ];
    for (limits, words) in cases {
        let err = read(limits);
        assert!(
            matches!(&err, SheetError::Limit { what, .. } if what.contains(words)),
            "{words}: {err:?}"
        );
    }
    let err = read(Limits {
        total_bytes: 4096,
        ..Limits::DEFAULT
    });
    assert!(
        err.to_string()
            .contains("the workbook inflates to more than"),
        "{err}"
    );
}

// ---- arbitrary and mutated bytes --------------------------------------------------------

/// The archive members of `bytes`, each as (name, content).
fn members(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut entry = zip.by_index(i).unwrap();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            (entry.name().unwrap().to_string(), data)
        })
        .collect()
}

fn zip_of(members: &[(String, Vec<u8>)]) -> Vec<u8> {
    use std::io::Write;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in members {
        out.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// Reads `bytes` as both formats; any answer is fine, a panic is not.
fn read_any(bytes: &[u8]) {
    for format in [Format::Xlsx, Format::Ods] {
        let _ = spreadsheet::read_bytes(format, bytes, &|_| true, &Limits::DEFAULT);
    }
}

fn valid_books() -> &'static [Vec<u8>; 2] {
    static BOOKS: OnceLock<[Vec<u8>; 2]> = OnceLock::new();
    BOOKS.get_or_init(|| [hostile::valid_xlsx(), hostile::valid_ods()])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        read_any(&bytes);
        // With a zip's signature in front, the archive reader goes further.
        let mut zipped = b"PK\x03\x04".to_vec();
        zipped.extend_from_slice(&bytes);
        read_any(&zipped);
    }

    #[test]
    fn truncated_and_bit_flipped_workbooks_never_panic(
        which in 0usize..2,
        cut in any::<prop::sample::Index>(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..8), 1..16),
    ) {
        let book = &valid_books()[which];
        read_any(&book[..cut.index(book.len())]);
        let mut flipped = book.clone();
        for (at, bit) in &flips {
            let i = at.index(flipped.len());
            flipped[i] ^= 1 << bit;
        }
        read_any(&flipped);
    }

    #[test]
    fn members_swapped_mangled_or_dropped_never_panic(
        which in 0usize..2,
        a in any::<prop::sample::Index>(),
        b in any::<prop::sample::Index>(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..8), 0..8),
        drop in any::<bool>(),
    ) {
        let mut parts = members(&valid_books()[which]);
        let (i, j) = (a.index(parts.len()), b.index(parts.len()));
        // Swap two members' contents under their names (a sheet where the strings were).
        let (first, second) = (parts[i].1.clone(), parts[j].1.clone());
        parts[i].1 = second;
        parts[j].1 = first;
        // Mangle the XML of one member, so that the parsers see broken text.
        for (at, bit) in &flips {
            let data = &mut parts[i].1;
            if !data.is_empty() {
                let k = at.index(data.len());
                data[k] ^= 1 << bit;
            }
        }
        if drop {
            parts.remove(j);
        }
        read_any(&zip_of(&parts));
    }
}

/// Writes the hostile workbooks into the folder `HOSTILE_WORKBOOKS_OUT` names, one per LA
/// code of `HOSTILE_WORKBOOKS_LAS` (comma-separated, in [`hostile::KINDS`] order): what
/// `bench/hostile.sh` lays over a copy of the sample census.
#[test]
#[ignore = "writes files for bench/hostile.sh"]
fn write_hostile_workbooks_for_the_benchmark() {
    let (Ok(dir), Ok(las)) = (
        std::env::var("HOSTILE_WORKBOOKS_OUT"),
        std::env::var("HOSTILE_WORKBOOKS_LAS"),
    ) else {
        panic!("set HOSTILE_WORKBOOKS_OUT and HOSTILE_WORKBOOKS_LAS");
    };
    let las: Vec<&str> = las.split(',').collect();
    assert_eq!(las.len(), hostile::KINDS.len());
    for (kind, la) in hostile::KINDS.iter().zip(las) {
        let path = hostile::write(kind, Path::new(&dir), la);
        println!("{kind}: {}", path.display());
    }
}
