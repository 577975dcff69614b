use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    census_reports::keep_freed_memory();
    census_reports::cli::run(census_reports::cli::Cli::parse())
}
