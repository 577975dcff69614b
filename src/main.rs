use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    census_reports::keep_freed_memory();
    let cli = census_reports::cli::Cli::parse();
    match census_reports::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(census_reports::cli::EXIT_UNREADABLE)
        }
    }
}
