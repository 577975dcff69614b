//! `merge-manifests`: joins what `build --shard K/N` runs wrote into one manifest, change log
//! and index.

use super::RunError;
use crate::batch::{index, lock, manifest, merge_manifests, BatchError};
use std::path::Path;

/// `merge-manifests`: joins the shards' manifests and change logs, holding the folder's lock.
pub fn merge(dir: &Path, wait: bool) -> Result<(usize, usize), RunError> {
    let _lock = lock::acquire(dir, &lock::lock_name(None), wait)?;
    let (manifest, shards) = merge_manifests(dir)?;
    // The merged index, in the shipped index template (the shards' run summaries are not
    // kept, so it counts the manifest's statuses), then the manifest it lists.
    let set = crate::render::templates::TemplateSet::shipped();
    // The invited list is not in the shards' manifests, so the merged index has no
    // not-returned list; a whole-folder build writes it.
    if let Ok(page) = index::render(
        &set,
        &manifest.census_title,
        &manifest,
        None,
        &index::Coverage::default(),
    ) {
        crate::export::write_atomic(&dir.join(index::INDEX_FILE), page.as_bytes())
            .map_err(BatchError::from)?;
    }
    manifest.write(&dir.join(manifest::MANIFEST_FILE))?;
    Ok((shards, manifest.reports.len()))
}
