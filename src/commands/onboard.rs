//! `statusinator onboard FILE`: a presets file checked whole (emoji codes against the
//! workspaces' custom emoji when a bot token can list them), its pictures stored once, its
//! presets merged into `users.json`.

use std::sync::Arc;

use anyhow::Result;

use crate::cli::OnboardArgs;
use crate::exit::ExitCode;
use crate::onboard::{self, Problems};
use crate::settings::Settings;
use crate::shared::notices::{Change, Notices};

/// Checks, stores and merges; prints the report (or `--json`).
pub fn run(settings: &Settings, args: &OnboardArgs) -> Result<ExitCode> {
    let progress = !args.json && crate::progress::wanted();
    // Codes that are not standard emoji are looked up among the custom emoji of the
    // workspaces statusinator has a bot token for (asked only when there is such a code).
    let custom = || -> Option<std::collections::BTreeSet<String>> {
        let bots = || -> Result<(Arc<crate::slack::SlackClient>, Vec<crate::tokens::Token>)> {
            let slack = settings.slack()?;
            // Bots only: the installations in the store (none before its first onboard),
            // else SLACK_BOT_TOKEN.
            let Ok(store) = settings.store.open() else {
                let bot =
                    crate::tokens::Tokens::load(None, None, std::env::var("SLACK_BOT_TOKEN").ok())?;
                return Ok((slack, bot.bots()));
            };
            let bots_only = Settings {
                tokens_file: None,
                ..settings.clone()
            };
            let tokens = bots_only.tokens(&store.into(), Some(&slack))?;
            Ok((slack, tokens.bots()))
        };
        match bots() {
            Ok((slack, bots)) => onboard::custom_of(&slack, &bots),
            Err(err) => {
                log::warn!(
                    "the workspaces' custom emoji cannot be listed ({}): emoji codes that \
                     are not standard are not checked against them",
                    crate::redact::error(&err)
                );
                None
            }
        }
    };
    let known = onboard::KnownEmoji::with_custom(Box::new(custom));
    // Pictures named by their store key (a file `export` wrote) come from the store.
    let existing: Option<Arc<dyn crate::store::Store>> =
        settings.store.open_unchecked().ok().map(Arc::from);
    let plan = match onboard::prepare_file(&args.file, progress, &known, existing) {
        Ok(plan) => plan,
        Err(err) => {
            if let (true, Some(problems)) = (args.json, crate::exit::find::<Problems>(&err)) {
                let out = serde_json::json!({"ok": false, "problems": problems.0});
                crate::out::line(&(serde_json::to_string_pretty(&out)?));
            }
            return Err(err);
        }
    };
    let store = settings.store.open_for_onboard(args.dry_run)?;
    let options = onboard::Options {
        replace: args.replace,
        dry_run: args.dry_run,
        progress,
        whole_file: true,
    };
    let report = onboard::execute(store.as_ref(), &plan, options, crate::clock::unix_now())?;
    if !args.dry_run {
        // serve's replicas read the change now, not at their next look at the store.
        let notices = Notices::new(
            settings.shared()?.link,
            &crate::state::instance_name("onboard"),
        );
        notices.publish(Change::Presets {
            members: Vec::new(),
        });
    }
    if args.json {
        let mut out = serde_json::to_value(&report)?;
        out["ok"] = true.into();
        crate::out::line(&(serde_json::to_string_pretty(&out)?));
    } else {
        crate::out::text(&report.render(&store.location(crate::store::USERS_KEY)));
    }
    Ok(ExitCode::Success)
}
