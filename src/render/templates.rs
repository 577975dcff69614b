//! The template set: the Typst templates, the minijinja message templates and the assets
//! (logo, images) that decide what a reader sees. The shipped set is compiled into the
//! program; `--templates DIR` lays DIR over it file by file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

macro_rules! shipped {
    ($($path:literal),+ $(,)?) => {
        &[$(($path, include_bytes!(concat!("../../report-templates", $path)) as &[u8])),+]
    };
}

/// The shipped templates, by their path in the set.
const SHIPPED: &[(&str, &[u8])] = shipped!(
    "/lib.typ",
    "/participant.typ",
    "/provider.typ",
    "/lero.typ",
    "/la.typ",
    "/icb.typ",
    "/region.typ",
    "/national.typ",
    "/area.typ",
    "/messages/key_message.j2",
    "/messages/strategy_message.j2",
    "/messages/size_message.j2",
    "/messages/sector_message.j2",
    "/messages/regions_against_england.j2",
    "/messages/largest_change.j2",
    "/messages/la_workforce_message.j2",
    "/messages/peer_alt.j2",
    "/messages/funnel_alt.j2",
    "/messages/bars_alt.j2",
    "/messages/trend_alt.j2",
    "/messages/stacked_alt.j2",
    "/messages/hex_alt.j2",
    "/messages/trend_note.j2",
    "/messages/participation.j2",
    "/messages/returns_caveat.j2",
    "/messages/reissue_reason.j2",
    "/assets/report.css",
    "/index.html.j2",
);

/// The batch index's template (a minijinja template of HTML, escaped as HTML).
pub const INDEX_TEMPLATE: &str = "/index.html.j2";

/// The logo a cover shows, when the set has one (SVG preferred).
pub const LOGO_PATHS: [&str; 2] = ["/assets/logo.svg", "/assets/logo.png"];

/// Largest file an overlay folder may hold; larger files are refused.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// Most files an overlay folder may add.
pub const MAX_FILES: usize = 1_000;

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("cannot read template folder {}: {source}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("template file {} is over the limit of {MAX_FILE_BYTES} bytes", .0.display())]
    TooLarge(PathBuf),
    #[error("template folder {} holds more than {MAX_FILES} template files", .0.display())]
    TooMany(PathBuf),
    #[error("template {} is not UTF-8 text", .0.display())]
    NotText(PathBuf),
}

/// Template files by their path in the set (`/lib.typ`, `/messages/peer_alt.j2`,
/// `/assets/logo.svg`).
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateSet {
    files: BTreeMap<String, Vec<u8>>,
}

impl Default for TemplateSet {
    fn default() -> Self {
        TemplateSet::shipped()
    }
}

impl TemplateSet {
    pub fn shipped() -> TemplateSet {
        TemplateSet {
            files: SHIPPED
                .iter()
                .map(|(path, bytes)| (path.to_string(), bytes.to_vec()))
                .collect(),
        }
    }

    /// The shipped set, with `dir`'s files laid over it when a folder is given.
    pub fn load(dir: Option<&Path>) -> Result<TemplateSet, TemplateError> {
        let mut set = TemplateSet::shipped();
        if let Some(dir) = dir {
            set.overlay(dir)?;
        }
        Ok(set)
    }

    /// Adds or replaces every `.typ` and `.j2` file in `dir` and every file under
    /// `dir/assets/`. A `.j2` file counts as a message template wherever it stands, except
    /// `index.html.j2` at the top, the batch index.
    pub fn overlay(&mut self, dir: &Path) -> Result<(), TemplateError> {
        let meta = std::fs::metadata(dir).map_err(|e| read_error(dir, e))?;
        if !meta.is_dir() {
            return Err(TemplateError::Read {
                path: dir.to_path_buf(),
                source: std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a folder"),
            });
        }
        let mut found = Vec::new();
        let mut folders = vec![dir.to_path_buf()];
        while let Some(folder) = folders.pop() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(&folder)
                .map_err(|e| read_error(&folder, e))?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .collect();
            entries.sort();
            for path in entries {
                // Links are not followed: the set holds only what the folder itself holds.
                let Ok(meta) = std::fs::symlink_metadata(&path) else {
                    continue;
                };
                if meta.is_dir() {
                    folders.push(path);
                } else if meta.is_file() {
                    let Ok(relative) = path.strip_prefix(dir) else {
                        continue;
                    };
                    let Some(key) = set_path(relative) else {
                        continue;
                    };
                    if meta.len() > MAX_FILE_BYTES {
                        return Err(TemplateError::TooLarge(path));
                    }
                    found.push((key, path));
                    if found.len() > MAX_FILES {
                        return Err(TemplateError::TooMany(dir.to_path_buf()));
                    }
                }
            }
        }
        for (key, path) in found {
            let bytes = std::fs::read(&path).map_err(|e| read_error(&path, e))?;
            let text_file = key.ends_with(".typ") || key.ends_with(".j2");
            if text_file && std::str::from_utf8(&bytes).is_err() {
                return Err(TemplateError::NotText(path));
            }
            self.files.insert(key, bytes);
        }
        Ok(())
    }

    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(Vec::as_slice)
    }

    /// Every file, by its path in the set.
    pub fn files(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.files.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// The Typst sources, as (path, text).
    pub fn typst_sources(&self) -> impl Iterator<Item = (&str, &str)> {
        self.texts(".typ")
    }

    /// The message templates, as (name, text): `/messages/peer_alt.j2` is `peer_alt`.
    pub fn messages(&self) -> impl Iterator<Item = (&str, &str)> {
        self.texts(".j2")
            .filter(|(path, _)| path.starts_with("/messages/"))
            .map(|(path, text)| {
                let name = path
                    .rsplit('/')
                    .next()
                    .unwrap_or(path)
                    .trim_end_matches(".j2");
                (name, text)
            })
    }

    fn texts<'a>(&'a self, ending: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.files
            .iter()
            .filter(move |(k, _)| k.ends_with(ending))
            .filter_map(|(k, v)| Some((k.as_str(), std::str::from_utf8(v).ok()?)))
    }

    /// The logo's path in the set, if it has one.
    pub fn logo(&self) -> Option<&'static str> {
        LOGO_PATHS.into_iter().find(|p| self.files.contains_key(*p))
    }

    /// SHA-256 of every file and its path: part of every report's fingerprint.
    pub fn fingerprint(&self) -> Vec<u8> {
        use sha2::Digest;
        let mut hasher = sha2::Sha256::new();
        for (path, bytes) in &self.files {
            hasher.update((path.len() as u64).to_le_bytes());
            hasher.update(path.as_bytes());
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(bytes);
        }
        hasher.finalize().to_vec()
    }

    /// Writes every file under `dir` at its path in the set.
    pub fn write_to(&self, dir: &Path) -> Result<(), crate::export::WriteError> {
        for (path, bytes) in &self.files {
            crate::export::write_atomic(&dir.join(path.trim_start_matches('/')), bytes)?;
        }
        Ok(())
    }
}

fn read_error(path: &Path, source: std::io::Error) -> TemplateError {
    TemplateError::Read {
        path: path.to_path_buf(),
        source,
    }
}

/// Where a file of an overlay folder goes in the set, or None when it is not a template.
fn set_path(relative: &Path) -> Option<String> {
    let parts: Vec<&str> = relative
        .components()
        .map(|c| match c {
            std::path::Component::Normal(part) => part.to_str(),
            _ => None,
        })
        .collect::<Option<_>>()?;
    let name = *parts.last()?;
    if name.starts_with('.') {
        return None;
    }
    if parts.first() == Some(&"assets") && parts.len() > 1 {
        return Some(format!("/{}", parts.join("/")));
    }
    if parts.len() == 1 && format!("/{name}") == INDEX_TEMPLATE {
        return Some(INDEX_TEMPLATE.to_string());
    }
    if name.ends_with(".j2") {
        return Some(format!("/messages/{name}"));
    }
    if name.ends_with(".typ") {
        return Some(format!("/{}", parts.join("/")));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlay_files_find_their_place_in_the_set() {
        let cases = [
            ("lib.typ", Some("/lib.typ")),
            ("parts/cover.typ", Some("/parts/cover.typ")),
            ("key_message.j2", Some("/messages/key_message.j2")),
            ("messages/peer_alt.j2", Some("/messages/peer_alt.j2")),
            ("assets/logo.svg", Some("/assets/logo.svg")),
            ("assets/img/x.png", Some("/assets/img/x.png")),
            ("README.md", None),
            (".lib.typ.swp", None),
            ("logo.svg", None),
        ];
        for (relative, expected) in cases {
            assert_eq!(
                set_path(Path::new(relative)).as_deref(),
                expected,
                "{relative}"
            );
        }
    }

    #[test]
    fn an_overlay_replaces_and_adds_files_and_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("lib.typ"), "// mine").unwrap();
        std::fs::create_dir(dir.path().join("assets")).unwrap();
        std::fs::write(dir.path().join("assets/logo.png"), b"\x89PNG").unwrap();
        let set = TemplateSet::load(Some(dir.path())).unwrap();
        assert_eq!(set.get("/lib.typ"), Some(b"// mine".as_slice()));
        assert_eq!(
            set.get("/provider.typ"),
            TemplateSet::shipped().get("/provider.typ")
        );
        assert_eq!(set.logo(), Some("/assets/logo.png"));
        assert_eq!(TemplateSet::shipped().logo(), None);
        assert_ne!(set.fingerprint(), TemplateSet::shipped().fingerprint());
    }

    #[test]
    fn a_template_that_is_not_text_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("lib.typ"), b"\xff\xfe").unwrap();
        let err = TemplateSet::load(Some(dir.path())).unwrap_err();
        assert!(err.to_string().contains("lib.typ"), "{err}");
        let missing = TemplateSet::load(Some(&dir.path().join("nope"))).unwrap_err();
        assert!(missing.to_string().contains("nope"), "{missing}");
    }
}
