//! The commands, one file each: a short story over the shared parts, from the parsed
//! arguments and the settings to what is printed and the exit code.

pub mod apply;
pub mod export;
pub mod forget;
pub mod onboard;
pub mod poll;
pub mod preview;
pub mod serve;
pub mod tokens;

use anyhow::Result;

use crate::cli::{self, Cli, Command};
use crate::exit::{ExitCode, UsageError};
use crate::settings::Settings;

/// Runs the command `cli` names, with the settings parsed once.
pub fn dispatch(cli: Cli) -> Result<ExitCode> {
    // Neither of these reads a setting.
    match &cli.command {
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(*shell, &mut cli::command(), "statusinator", &mut out);
            crate::out::text(&String::from_utf8_lossy(&out));
            return Ok(ExitCode::Success);
        }
        Command::Man { command } => {
            let page = cli::man_page(command.as_deref()).map_err(UsageError::new)?;
            crate::out::text(&String::from_utf8_lossy(&page));
            return Ok(ExitCode::Success);
        }
        _ => {}
    }
    let settings = Settings::from_args(&cli.global)?;
    match cli.command {
        Command::Onboard(args) => onboard::run(&settings, &args),
        Command::Apply(args) => apply::run(&settings, &args),
        Command::Poll(args) => poll::run(&settings, &args),
        Command::Forget(args) => forget::run(&settings, &args),
        Command::Serve(args) => serve::run(&settings, &args),
        Command::Tokens(args) => tokens::run(&settings, &args),
        Command::Preview(args) => preview::run(&settings, &args),
        Command::Export(args) => export::run(&settings, &args),
        Command::Doctor(args) => crate::doctor::command(
            &settings,
            &args.oauth_url.slack_oauth_url,
            args.json,
            cli.global.verbose > 0,
        ),
        Command::Completions { .. } | Command::Man { .. } => unreachable!("answered above"),
    }
}
