//! `statusinator poll`: one reconciling cycle (for cron), or one every `--every`, with a store
//! of an earlier layout migrated beside it.

use std::sync::Arc;

use anyhow::Result;

use crate::apply::Engine;
use crate::cli::PollArgs;
use crate::exit::ExitCode;
use crate::settings::Settings;
use crate::store::Store;

/// Runs the cycles and prints each report.
pub fn run(settings: &Settings, args: &PollArgs) -> Result<ExitCode> {
    let stop = crate::signals::Stop::on_signals()?;
    let store: Arc<dyn Store> = settings.store.open()?.into();
    let slack = settings.slack()?;
    let tokens = Arc::new(settings.tokens(&store, Some(&slack))?);
    if !args.dry_run || tokens.bots().is_empty() {
        tokens.require_some_user_token()?;
    }
    // A store of an earlier layout is migrated beside the cycle, not before it.
    let migration = (!args.dry_run).then(|| {
        let (store, stop) = (store.clone(), stop.clone());
        std::thread::spawn(move || {
            crate::state::migrate::migrate(store.as_ref(), &|| stop.requested())
        })
    });
    let code = poll_cycles(args, &store, slack, tokens, &stop);
    if let Some(migration) = migration {
        match migration.join() {
            Ok(Ok(_)) => {}
            Ok(Err(err)) => log::error!("{err:#}; the next run migrates again"),
            Err(_) => log::error!("the migration stopped; the next run migrates again"),
        }
    }
    code
}

/// The poll cycles: one, or one every `--every` until a signal.
fn poll_cycles(
    args: &PollArgs,
    store: &Arc<dyn Store>,
    slack: Arc<crate::slack::SlackClient>,
    tokens: Arc<crate::tokens::Tokens>,
    stop: &crate::signals::Stop,
) -> Result<ExitCode> {
    let context = crate::context::Context::new(store.clone(), slack, tokens);
    let engine = Engine::new(&context).claiming_as(crate::state::Claimant::new("poll"));
    let options = crate::poll::Options {
        concurrency: usize::from(args.concurrency),
        dry_run: args.dry_run,
        progress: !args.json && crate::progress::wanted(),
        forget_deleted_after: args.forget_deleted_after,
    };
    loop {
        let started = std::time::Instant::now();
        let code = match crate::poll::cycle(&context, &engine, options, stop) {
            Ok(report) => {
                if args.json {
                    let mut out = serde_json::to_value(&report)?;
                    out["ok"] = (report.failed() == 0).into();
                    if args.every.is_some() {
                        crate::out::line(&(serde_json::to_string(&out)?));
                    } else {
                        crate::out::line(&(serde_json::to_string_pretty(&out)?));
                    }
                } else {
                    crate::out::text(&report.render());
                }
                if report.failed() > 0 {
                    ExitCode::Failure
                } else {
                    ExitCode::Success
                }
            }
            // Looping, a failed cycle (the store or Slack unreachable) is logged and the
            // next one tries again; once, it is the command's error.
            Err(err) if args.every.is_some() => {
                log::error!("poll cycle failed: {err:#}");
                crate::exit::code_for(&err)
            }
            Err(err) => return Err(err),
        };
        let Some(every) = args.every else {
            return Ok(code);
        };
        if stop.requested() || stop.sleep(every.saturating_sub(started.elapsed())) {
            log::info!("stopped by a signal");
            return Ok(code);
        }
    }
}
