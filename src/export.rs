//! Writing files that leave the program: spreadsheet-safe CSV cells, file names derived
//! from participant ids, and atomic writes.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Error writing an output file, naming the file.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", .path.display())]
pub struct WriteError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// Neutralises a text cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or
/// carriage return first) by prefixing an apostrophe. Numbers are written as numbers, not
/// through here.
pub fn spreadsheet_safe(text: &str) -> String {
    let numeric = text
        .replace([',', '%'], "")
        .parse::<f64>()
        .is_ok_and(f64::is_finite);
    if numeric {
        return text.to_string();
    }
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

/// A file stem made from an id: ASCII letters, digits, `-` and `_` kept, anything else
/// replaced, so no id can name a path outside its folder. An id that had to be changed gets
/// a short hash of the original so that two ids never share a file.
pub fn file_stem(id: &str) -> String {
    let cleaned: String = id
        .chars()
        .take(80)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if cleaned == id && !id.is_empty() {
        return cleaned;
    }
    use sha2::Digest;
    let digest = sha2::Sha256::digest(id.as_bytes());
    let short: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    format!("{cleaned}_{short}")
}

/// Writes `bytes` to a temporary file beside `path` and renames it into place, so a reader
/// (or a build interrupted midway) sees either the old file or the new one, never a part.
/// The file is flushed to disk before the rename, so it also survives a power cut.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_renamed(path, bytes, true)
}

/// As [`write_atomic`], without waiting for the disk: for files whose SHA-256 the manifest
/// records (report PDFs), which the next build checks and rebuilds if a power cut lost them.
/// Waiting for the disk cost a full build about 4 s of its workers' time.
pub fn write_checked_later(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_renamed(path, bytes, false)
}

fn write_renamed(path: &Path, bytes: &[u8], sync: bool) -> Result<(), WriteError> {
    let fail = |source| WriteError {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(format!(".tmp{}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        if sync {
            file.sync_all()?;
        }
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(fail)
}

/// Prefixes a UTF-8 byte-order mark, which Excel needs to read UTF-8 CSV as UTF-8.
pub fn with_bom(mut bytes: Vec<u8>) -> Vec<u8> {
    bytes.splice(0..0, *b"\xEF\xBB\xBF");
    bytes
}

/// Serialises rows as CSV text (header first), ready for [`write_atomic`].
pub fn csv_bytes<R: AsRef<[String]>>(header: &[&str], rows: &[R]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail except on a row of the wrong length, which is a bug.
    writer.write_record(header).expect("csv header");
    for row in rows {
        writer.write_record(row.as_ref()).expect("csv row");
    }
    writer.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(spreadsheet_safe("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(spreadsheet_safe("+44 20 7946"), "'+44 20 7946");
        assert_eq!(
            spreadsheet_safe("+44"),
            "+44",
            "a plain number is left alone"
        );
        assert_eq!(spreadsheet_safe("-1+2"), "'-1+2");
        assert_eq!(spreadsheet_safe("-1,234.5"), "-1,234.5");
        assert_eq!(spreadsheet_safe("-inf"), "'-inf");
        assert_eq!(spreadsheet_safe("@cmd"), "'@cmd");
        assert_eq!(spreadsheet_safe("\tx"), "'\tx");
        assert_eq!(spreadsheet_safe("Leeds"), "Leeds");
    }

    #[test]
    fn file_stems_stay_in_their_folder() {
        assert_eq!(file_stem("P0001"), "P0001");
        let odd = file_stem("../etc/passwd");
        assert!(!odd.contains('/') && !odd.contains(".."), "{odd}");
        assert_ne!(file_stem("a/b"), file_stem("a:b"));
        assert!(!file_stem("a\0b").contains('\0'));
        assert!(!file_stem("").is_empty());
    }
}
