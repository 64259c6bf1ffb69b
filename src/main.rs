//! The `statusinator` command: parse, run the library, map the outcome to an exit code.

use clap::Parser;

use statusinator::cli::Cli;
use statusinator::exit::ExitCode;
use statusinator::settings::log_filter;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let filter = log_filter(
        cli.global.verbose,
        cli.global.quiet,
        std::env::var("RUST_LOG").ok(),
    );
    env_logger::Builder::new()
        .parse_filters(&filter)
        .format_target(false)
        .init();
    match statusinator::run(cli) {
        Ok(code) => code.into(),
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::for_error(&err).into()
        }
    }
}
