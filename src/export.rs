//! Writing files that leave the program: spreadsheet-safe CSV cells, file names derived
//! from participant ids, and atomic writes.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Error writing an output file, naming the file and its cause once (the cause is part of
/// the message, not a separate source, so a chain of errors does not print it twice).
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {cause}", .path.display())]
pub struct WriteError {
    pub path: PathBuf,
    pub cause: std::io::Error,
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
    let fail = |cause| WriteError {
        path: path.to_path_buf(),
        cause,
    };
    fault::point().map_err(fail)?;
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

/// Puts a copy of `from` at `to` atomically: a hard link to a temporary name renamed into
/// place (no bytes copied), or a copy where the file system cannot link.
pub fn link_atomic(from: &Path, to: &Path) -> Result<(), WriteError> {
    let fail = |cause| WriteError {
        path: to.to_path_buf(),
        cause,
    };
    fault::point().map_err(fail)?;
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    let mut tmp_name = to.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(format!(".tmp{}", std::process::id()));
    let tmp = to.with_file_name(tmp_name);
    let _ = std::fs::remove_file(&tmp);
    let result = std::fs::hard_link(from, &tmp)
        .or_else(|_| std::fs::copy(from, &tmp).map(|_| ()))
        .and_then(|_| std::fs::rename(&tmp, to));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(fail)
}

/// A test hook that fails one file operation, to prove that no failure at any point loses
/// or corrupts anything. `CENSUS_REPORTS_FAULT=N:enospc` (or `eio`, or `abort` to stop the
/// process at once as `kill -9` would) makes the Nth file write or link of the process fail.
/// Unset, it costs one atomic increment per file.
pub mod fault {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::OnceLock;

    pub const VARIABLE: &str = "CENSUS_REPORTS_FAULT";

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Kind {
        NoSpace,
        Io,
        Abort,
    }

    static OPERATIONS: AtomicUsize = AtomicUsize::new(0);

    fn planned() -> Option<(usize, Kind)> {
        static PLAN: OnceLock<Option<(usize, Kind)>> = OnceLock::new();
        *PLAN.get_or_init(|| {
            let text = std::env::var(VARIABLE).ok()?;
            let (n, kind) = text.split_once(':')?;
            let kind = match kind {
                "enospc" => Kind::NoSpace,
                "eio" => Kind::Io,
                "abort" => Kind::Abort,
                _ => return None,
            };
            Some((n.parse().ok()?, kind))
        })
    }

    /// Counts one file operation; fails it when it is the planned one.
    pub fn point() -> std::io::Result<()> {
        let n = OPERATIONS.fetch_add(1, Ordering::SeqCst) + 1;
        match planned() {
            Some((at, kind)) if at == n => match kind {
                Kind::NoSpace => Err(std::io::Error::from_raw_os_error(28)),
                Kind::Io => Err(std::io::Error::from_raw_os_error(5)),
                Kind::Abort => std::process::abort(),
            },
            _ => Ok(()),
        }
    }

    /// File operations counted so far in this process.
    pub fn count() -> usize {
        OPERATIONS.load(Ordering::SeqCst)
    }
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
