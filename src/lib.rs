//! statusinator: a Slack member's status emoji switches their display name and profile photo to
//! a preset pair, and clearing it puts their usual ones back.
//!
//! The library holds the whole core; the binary is a thin shell over [`run`]:
//! - [`presets`]: the `users.json` model (validation, merge, emoji look-up);
//! - [`picture`]: what Slack accepts as a photo, and content-derived picture keys;
//! - [`store`]: a local directory or S3, with read-modify-writes that lose nothing;
//! - [`onboard`]: checking a presets file and storing it.

pub mod cli;
pub mod exit;
pub mod onboard;
pub mod parallel;
pub mod picture;
pub mod presets;
pub mod progress;
pub mod secret;
pub mod settings;
pub mod store;

use std::io::Write;

use anyhow::Result;

use cli::{Cli, Command};
use exit::ExitCode;
use settings::Settings;

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Runs one command line: results to stdout, logs to stderr.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut cli::command(), "statusinator", &mut out);
            std::io::stdout().write_all(&out)?;
            Ok(ExitCode::Success)
        }
        Command::Onboard(args) => {
            let settings = Settings::from_args(&cli.global)?;
            commands::onboard(&settings, &args)
        }
    }
}

mod commands {
    //! Each command as a short story over the shared parts.

    use anyhow::Result;

    use crate::cli::OnboardArgs;
    use crate::exit::ExitCode;
    use crate::onboard::{self, Problems};
    use crate::settings::Settings;

    pub fn onboard(settings: &Settings, args: &OnboardArgs) -> Result<ExitCode> {
        let plan = match onboard::prepare_file(&args.file) {
            Ok(plan) => plan,
            Err(err) => {
                if let (true, Some(problems)) = (args.json, err.downcast_ref::<Problems>()) {
                    let out = serde_json::json!({"ok": false, "problems": problems.0});
                    println!("{}", serde_json::to_string_pretty(&out)?);
                }
                return Err(err);
            }
        };
        let store = settings.store.open()?;
        let options = onboard::Options {
            replace: args.replace,
            dry_run: args.dry_run,
            progress: !args.json && crate::progress::wanted(),
        };
        let report = onboard::execute(store.as_ref(), &plan, options, crate::unix_now())?;
        if args.json {
            let mut out = serde_json::to_value(&report)?;
            out["ok"] = true.into();
            println!("{}", serde_json::to_string_pretty(&out)?);
        } else {
            print!(
                "{}",
                report.render(&store.location(crate::store::USERS_KEY))
            );
        }
        Ok(ExitCode::Success)
    }
}
