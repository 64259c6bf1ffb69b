//! The `statusinator` command: parse, run the library, map the outcome to an exit code.

use std::io::Write;

use statusinator::redact;
use statusinator::settings::log_filter;

fn main() -> std::process::ExitCode {
    let cli = statusinator::cli::parse();
    let filter = log_filter(
        cli.global.verbose,
        cli.global.quiet,
        std::env::var("RUST_LOG").ok(),
    );
    env_logger::Builder::new()
        .parse_filters(&filter)
        .format(|buf, record| {
            // Every log line passes the redaction, whatever input it quotes, and stays one line
            // (control characters escaped), so a request cannot forge another.
            let level = buf.default_level_style(record.level());
            let message = record.args().to_string();
            writeln!(
                buf,
                "[{} {level}{:<5}{level:#}] {}",
                buf.timestamp(),
                record.level(),
                redact::one_line(&redact::secrets(&message))
            )
        })
        .init();
    match statusinator::run(cli) {
        Ok(code) => code.into(),
        Err(err) => {
            eprintln!("error: {}", redact::error(&err));
            statusinator::exit::code_for(&err).into()
        }
    }
}
