use clap::Parser;
use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: typst allocates and frees a great many small objects
/// for every report (glibc's malloc was a sixth of a build's instructions).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc.h's `mi_option_e` (not named by libmimalloc-sys).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    // Keep freed memory for reuse instead of handing it back to the system: a build frees
    // typst's whole cache every few reports and would otherwise fault the same pages in
    // again. Peak memory stays bounded by what a few reports need at once.
    // SAFETY: sets a process-wide mimalloc option before any other thread exists.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    let cli = census_reports::cli::Cli::parse();
    match census_reports::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(census_reports::cli::EXIT_UNREADABLE)
        }
    }
}
