//! statusinator: a Slack member's status emoji switches their display name and profile photo to
//! a preset pair, and clearing it puts their usual ones back.
//!
//! The library holds the whole core; the binary is a thin shell over [`run`]. From the top down:
//! - [`commands`]: each command's story, one file each ([`doctor`] has a folder of its own);
//! - [`serve`]: the long-running service: transports, inbox, status pipeline, the app members use;
//! - [`poll`], [`members`]: the reconciling cycle, and a member's lifecycle (disconnect,
//!   deactivated, forget, what is kept);
//! - [`apply`]: planning a member's writes and the engine that makes them; [`workspace`]:
//!   workspace presets, their name templates and made photos; [`statuses`]: reading everyone's
//!   status;
//! - [`presets`], [`state`], [`tokens`], [`connect`], [`events`], [`setup`], [`settings`]: the
//!   domain and its settings;
//! - [`store`], [`slack`], [`shared`] (Redis), [`fetch`], [`picture`]: the outside world;
//! - [`exit`], [`redact`], [`secret`], [`out`], [`signals`], [`lease`], …: small things
//!   everything uses.

pub mod apply;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod context;
pub mod doctor;
pub mod events;
pub mod exit;
pub mod fetch;
pub mod lease;
pub mod members;
pub mod net;
pub mod oauth;
pub mod onboard;
pub mod out;
pub mod parallel;
pub mod picture;
pub mod poll;
pub mod presets;
pub mod progress;
pub mod redact;
pub mod secret;
pub mod serve;
pub mod settings;
pub mod setup;
pub mod shared;
pub mod signals;
pub mod slack;
pub mod state;
pub mod statuses;
pub mod store;
pub mod tokens;
pub mod workspace;

use anyhow::Result;

use cli::{Cli, Command};
use exit::ExitCode;

/// Runs one command line: results to stdout, logs to stderr. A command asked for `--json`
/// prints a JSON result on failure too (`{"ok": false, "error": …, "exit_code": …}`), unless it
/// printed its own.
pub fn run(cli: Cli) -> Result<ExitCode> {
    let json = match &cli.command {
        Command::Onboard(args) => args.json,
        Command::Apply(args) => args.json,
        Command::Forget(args) => args.json,
        Command::Poll(args) => args.json,
        Command::Tokens(args) => args.json,
        Command::Doctor(args) => args.json,
        Command::Serve(_)
        | Command::Preview(_)
        | Command::Export(_)
        | Command::Completions { .. }
        | Command::Man { .. } => false,
    };
    let result = commands::dispatch(cli);
    if let Err(err) = &result {
        if json && !out::printed() {
            let failed = serde_json::json!({
                "ok": false,
                "error": redact::error(err),
                "exit_code": exit::code_for(err) as u8,
            });
            out::line(&serde_json::to_string_pretty(&failed)?);
        }
    }
    result
}
