//! A report's data companion (`data/<id>.csv`: every figure it holds, keyed by table id, row
//! key and column key) and the change log (`changes.csv`) built by comparing companions.

use super::BatchError;
use crate::export::{csv_bytes, spreadsheet_safe, write_atomic, WriteError};
use crate::render::model::{Rendered, Table};
use crate::render::{Change, FigureKey, ReportKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub const CHANGES_FILE: &str = "changes.csv";

/// Every peer chart's anonymous values, one file per build (see
/// [`crate::render::model::peer_values`]).
pub const PEERS_FILE: &str = "peer-values.csv";

pub const COMPANION_HEADER: [&str; 7] = [
    "table",
    "row",
    "column",
    "value",
    "caption",
    "row_label",
    "column_label",
];

/// One figure of a data companion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanionRow {
    pub table: String,
    pub row: String,
    pub column: String,
    pub value: String,
    pub caption: String,
    pub row_label: String,
    pub column_label: String,
}

impl CompanionRow {
    fn key(&self) -> FigureKey {
        FigureKey {
            table: self.table.clone(),
            row: self.row.clone(),
            column: self.column.clone(),
        }
    }

    /// The figure in words, for the "What changed" list and the change log.
    fn name(&self) -> String {
        format!(
            "{}: {}, {}",
            self.caption, self.row_label, self.column_label
        )
    }
}

/// Every value cell of every table: the first column names the row, the others are
/// figures.
pub fn companion_rows<'a>(tables: impl Iterator<Item = &'a Table>) -> Vec<CompanionRow> {
    let mut rows = Vec::new();
    for table in tables {
        for row in &table.rows {
            let label = row.cells.first().cloned().unwrap_or_default();
            for (column, value) in table.columns.iter().zip(&row.cells).skip(1) {
                rows.push(CompanionRow {
                    table: table.id.clone(),
                    row: row.key.clone(),
                    column: column.key.clone(),
                    value: value.clone(),
                    caption: table.caption.clone(),
                    row_label: label.clone(),
                    column_label: column.label.clone(),
                });
            }
        }
    }
    rows
}

/// The report's accessible data companion, spreadsheet-safe.
pub fn data_companion(rendered: &Rendered) -> Vec<u8> {
    let rows: Vec<Vec<String>> = companion_rows(rendered.tables())
        .into_iter()
        .map(|r| {
            [
                r.table,
                r.row,
                r.column,
                r.value,
                r.caption,
                r.row_label,
                r.column_label,
            ]
            .iter()
            .map(|cell| spreadsheet_safe(cell))
            .collect()
        })
        .collect();
    csv_bytes(&COMPANION_HEADER, &rows)
}

/// Reads a data companion back; None when there is none or it is not one.
pub fn read_companion(path: &Path) -> Option<Vec<CompanionRow>> {
    let bytes = std::fs::read(path).ok()?;
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let rows: Result<Vec<CompanionRow>, _> = reader.deserialize().collect();
    // Cells were neutralised for spreadsheets on the way out; undo it to compare.
    rows.ok().map(|rows| {
        rows.into_iter()
            .map(|r| CompanionRow {
                table: unneutralised(r.table),
                row: unneutralised(r.row),
                column: unneutralised(r.column),
                value: unneutralised(r.value),
                caption: unneutralised(r.caption),
                row_label: unneutralised(r.row_label),
                column_label: unneutralised(r.column_label),
            })
            .collect()
    })
}

fn unneutralised(cell: String) -> String {
    match cell.strip_prefix('\'') {
        Some(rest) if spreadsheet_safe(rest) == cell => rest.to_string(),
        _ => cell,
    }
}

/// Figures that differ between a data companion on disk (the previous version's) and the
/// new report, keyed by table id, row key and column key (so a reworded caption is no
/// change).
pub fn diff(old_companion: &Path, rendered: &Rendered) -> Vec<Change> {
    let old = read_companion(old_companion).unwrap_or_default();
    diff_rows(&old, &companion_rows(rendered.tables()))
}

/// Figures that differ between two companions' rows.
pub fn diff_rows(old: &[CompanionRow], new: &[CompanionRow]) -> Vec<Change> {
    let old_map: BTreeMap<FigureKey, &CompanionRow> = old.iter().map(|r| (r.key(), r)).collect();
    let new_map: BTreeMap<FigureKey, &CompanionRow> = new.iter().map(|r| (r.key(), r)).collect();
    let mut changes: Vec<Change> = new
        .iter()
        .filter(|r| old_map.get(&r.key()).map(|o| &o.value) != Some(&r.value))
        .map(|r| Change {
            key: r.key(),
            figure: r.name(),
            old: old_map
                .get(&r.key())
                .map_or("(not shown)".into(), |o| o.value.clone()),
            new: r.value.clone(),
        })
        .collect();
    changes.extend(
        old.iter()
            .filter(|r| !new_map.contains_key(&r.key()))
            .map(|r| Change {
                key: r.key(),
                figure: r.name(),
                old: r.value.clone(),
                new: "(no longer shown)".into(),
            }),
    );
    changes
}

/// A data companion counts as written when it is there and not empty (report files are not
/// flushed to disk one by one; a power cut can leave an empty file, which is rebuilt).
pub fn has_content(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.len() > 0)
}

/// One row of `changes.csv`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ChangeRow {
    pub report_id: String,
    pub kind: ReportKind,
    pub version: u32,
    /// Table id, row key and column key of the figure; empty for a reissue in which only
    /// the wording or layout changed.
    #[serde(default)]
    pub table: String,
    #[serde(default)]
    pub row: String,
    #[serde(default)]
    pub column: String,
    pub figure: String,
    pub old_value: String,
    pub new_value: String,
    /// `yes`: the change is in version `version`, issued. `no`: comparator drift that the
    /// revisions policy found immaterial, recorded while version `version` was kept
    /// (`old_value` as issued, `new_value` as of build `build`).
    #[serde(default = "yes", with = "yes_no")]
    pub reissued: bool,
    /// The build that recorded the row (0 for rows written before builds were numbered).
    #[serde(default)]
    pub build: u32,
}

fn yes() -> bool {
    true
}

mod yes_no {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &bool, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(if *value { "yes" } else { "no" })
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        match String::deserialize(d)?.as_str() {
            "no" => Ok(false),
            _ => Ok(true),
        }
    }
}

/// The `figure` of the one change row a wording-only reissue gets.
pub const WORDING_ONLY: &str = "(wording or layout changed; no figure changed)";

pub const CHANGES_HEADER: [&str; 11] = [
    "report_id",
    "kind",
    "version",
    "table",
    "row",
    "column",
    "figure",
    "old_value",
    "new_value",
    "reissued",
    "build",
];

impl ChangeRow {
    pub fn is_wording_only(&self) -> bool {
        self.table.is_empty() && self.figure == WORDING_ONLY
    }

    /// The change log rows of one issued version, recorded by build `build`.
    pub fn of_issue(
        id: &str,
        kind: ReportKind,
        issue: &crate::render::Issue,
        build: u32,
    ) -> Vec<ChangeRow> {
        let mut rows =
            ChangeRow::of_version(id, kind, issue.version, &issue.changes, issue.wording_only);
        rows.iter_mut().for_each(|r| r.build = build);
        rows
    }

    /// The comparator drift build `build` found in kept version `version`: one row per
    /// figure that differs from the issued version, `reissued = no`.
    pub fn drift(
        id: &str,
        kind: ReportKind,
        version: u32,
        build: u32,
        changes: &[Change],
    ) -> Vec<ChangeRow> {
        changes
            .iter()
            .map(|c| ChangeRow {
                report_id: id.to_string(),
                kind,
                version,
                table: c.key.table.clone(),
                row: c.key.row.clone(),
                column: c.key.column.clone(),
                figure: c.figure.clone(),
                old_value: c.old.clone(),
                new_value: c.new.clone(),
                reissued: false,
                build,
            })
            .collect()
    }

    /// The change log rows of version `version`: one per changed figure, or one saying
    /// that only the wording or layout changed. None for a first version.
    pub fn of_version(
        id: &str,
        kind: ReportKind,
        version: u32,
        changes: &[Change],
        wording_only: bool,
    ) -> Vec<ChangeRow> {
        if version <= 1 {
            return Vec::new();
        }
        let row = |key: FigureKey, figure: String, old: String, new: String| ChangeRow {
            report_id: id.to_string(),
            kind,
            version,
            table: key.table,
            row: key.row,
            column: key.column,
            figure,
            old_value: old,
            new_value: new,
            reissued: true,
            build: 0,
        };
        if wording_only {
            let empty = FigureKey {
                table: String::new(),
                row: String::new(),
                column: String::new(),
            };
            return vec![row(
                empty,
                WORDING_ONLY.into(),
                String::new(),
                String::new(),
            )];
        }
        changes
            .iter()
            .map(|c| {
                row(
                    c.key.clone(),
                    c.figure.clone(),
                    c.old.clone(),
                    c.new.clone(),
                )
            })
            .collect()
    }

    pub fn change(&self) -> Change {
        Change {
            key: FigureKey {
                table: self.table.clone(),
                row: self.row.clone(),
                column: self.column.clone(),
            },
            figure: self.figure.clone(),
            old: self.old_value.clone(),
            new: self.new_value.clone(),
        }
    }
}

pub fn read_change_rows(path: &Path) -> Result<Vec<ChangeRow>, BatchError> {
    let Ok(bytes) = std::fs::read(path) else {
        return Ok(Vec::new());
    };
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    reader
        .deserialize()
        .map(|r| {
            r.map_err(|e| BatchError::Previous {
                path: path.display().to_string(),
                message: e.to_string(),
            })
        })
        .collect()
}

/// Writes the change log sorted and without duplicates.
pub fn write_change_rows(path: &Path, mut rows: Vec<ChangeRow>) -> Result<(), WriteError> {
    rows.sort();
    rows.dedup();
    let records: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                spreadsheet_safe(&r.report_id),
                r.kind.code().to_string(),
                r.version.to_string(),
                spreadsheet_safe(&r.table),
                spreadsheet_safe(&r.row),
                spreadsheet_safe(&r.column),
                spreadsheet_safe(&r.figure),
                spreadsheet_safe(&r.old_value),
                spreadsheet_safe(&r.new_value),
                if r.reissued { "yes" } else { "no" }.to_string(),
                r.build.to_string(),
            ]
        })
        .collect();
    write_atomic(path, &csv_bytes(&CHANGES_HEADER, &records))
}
