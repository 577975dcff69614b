//! census-reports: turns one census year's workforce data into validated figures and
//! reports. The pipeline runs load → validate → metrics → charts → render → batch; each
//! stage is a module with typed input and output.

pub mod app;
pub mod batch;
pub mod charts;
pub mod cli;
pub mod domain;
pub mod export;
pub mod format;
pub mod input;
pub mod metrics;
pub mod publication;
pub mod render;
pub mod sample;
pub mod stats;

/// mimalloc instead of glibc's malloc, for the program, its tests and its benchmarks: typst
/// allocates and frees a great many small objects for every report (glibc's malloc was a
/// sixth of a build's instructions).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc.h's `mi_option_e` (not named by libmimalloc-sys).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Keeps freed memory for reuse instead of handing it back to the system: a build frees
/// typst's whole cache every few reports and would otherwise fault the same pages in again.
/// Peak memory stays bounded by what a few reports need at once. Call first thing in `main`.
pub fn keep_freed_memory() {
    // SAFETY: sets a process-wide mimalloc option; mimalloc reads it on its next purge.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}
