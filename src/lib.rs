//! statusinator: a Slack member's status emoji switches their display name and profile photo to
//! a preset pair, and clearing it puts their usual ones back.
//!
//! The library holds the whole core; the binary is a thin shell over [`run`]:
//! - [`presets`]: the `users.json` model (validation, merge, emoji look-up);
//! - [`picture`]: what Slack accepts as a photo, and content-derived picture keys;
//! - [`store`]: a local directory or S3, with read-modify-writes that lose nothing;
//! - [`onboard`]: checking a presets file and storing it;
//! - [`fetch`]: downloads from typed URLs that never reach a private address;
//! - [`slack`]: the one Slack Web API client (pacing, rate limits, retries);
//! - [`tokens`]: each member's own token, kept secret (and sealed in the store when connected);
//! - [`connect`]: members connecting themselves through Slack's OAuth;
//! - [`redact`]: what a message may show of its input (no token, only a short excerpt);
//! - [`apply`]: the engine that makes a member's name and photo match a preset;
//! - [`state`]: each member's state, one object each, and the index that reads everyone;
//! - [`poll`]: the reconciling cycle;
//! - [`events`]: Slack's request signatures and event envelopes;
//! - [`serve`]: the Events API listener, its cache, queue and workers;
//! - [`workspace`]: workspace presets, their name templates and made photos.

pub mod apply;
pub mod cli;
pub mod clock;
pub mod connect;
pub mod deactivated;
pub mod disconnect;
pub mod doctor;
pub mod events;
pub mod exit;
pub mod fetch;
pub mod forget;
pub mod kept;
pub mod lease;
pub mod net;
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
use settings::Settings;

/// The exit code for an error, decided here at the top: `Usage` when a
/// [`exit::UsageError`] (or an input's list of [`onboard::Problems`]) is anywhere in its chain,
/// else `Failure`.
pub fn exit_code_for(err: &anyhow::Error) -> ExitCode {
    let usage = |cause: &(dyn std::error::Error + 'static)| {
        cause.is::<exit::UsageError>()
            || cause.is::<onboard::Problems>()
            || cause.is::<tokens::Disconnected>()
    };
    if err.chain().any(usage) {
        ExitCode::Usage
    } else {
        ExitCode::Failure
    }
}

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
        | Command::Completions { .. }
        | Command::Man { .. } => false,
    };
    let result = run_command(cli);
    if let Err(err) = &result {
        if json && !out::printed() {
            let failed = serde_json::json!({
                "ok": false,
                "error": redact::error(err),
                "exit_code": exit_code_for(err) as u8,
            });
            out::line(&serde_json::to_string_pretty(&failed)?);
        }
    }
    result
}

fn run_command(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut cli::command(), "statusinator", &mut out);
            crate::out::text(&String::from_utf8_lossy(&out));
            Ok(ExitCode::Success)
        }
        Command::Man { command } => {
            let page = cli::man_page(command.as_deref()).map_err(exit::UsageError::new)?;
            crate::out::text(&String::from_utf8_lossy(&page));
            Ok(ExitCode::Success)
        }
        Command::Onboard(args) => {
            let settings = Settings::from_args(&cli.global)?;
            commands::onboard(&settings, &args)
        }
        Command::Apply(args) => {
            let settings = Settings::from_args(&cli.global)?;
            commands::apply(&settings, &args)
        }
        Command::Poll(args) => {
            let settings = Settings::from_args(&cli.global)?;
            commands::poll(&settings, &args)
        }
        Command::Forget(args) => {
            let settings = Settings::from_args(&cli.global)?;
            commands::forget(&settings, &args)
        }
        Command::Serve(args) => {
            let settings = Settings::from_args(&cli.global)?;
            commands::serve(&settings, &args)
        }
        Command::Tokens(args) => {
            let settings = Settings::from_args(&cli.global)?;
            commands::tokens(&settings, &args)
        }
        Command::Preview(args) => {
            let settings = Settings::from_args(&cli.global)?;
            commands::preview(&settings, &args)
        }
        Command::Doctor(args) => {
            let settings = Settings::from_args(&cli.global)?;
            doctor::command(
                &settings,
                &args.oauth_url.slack_oauth_url,
                args.json,
                cli.global.verbose > 0,
            )
        }
    }
}

mod commands {
    //! Each command as a short story over the shared parts.

    use anyhow::Result;

    use crate::apply::{self, Engine, Target, Write};
    use crate::cli::{
        ApplyArgs, ForgetArgs, OnboardArgs, PollArgs, PreviewArgs, ServeArgs, TokensAction,
        TokensArgs,
    };
    use crate::exit::{ExitCode, UsageError};
    use crate::onboard::{self, Problems};
    use crate::presets::{EmojiKey, UserId};
    use crate::settings::Settings;
    use crate::store::{self, Store};
    use std::sync::Arc;

    /// `preview`: a workspace preset's photo and name, made from a photo given (or a plain
    /// avatar), written to a file; Slack is asked only for a custom emoji badge.
    pub fn preview(settings: &Settings, args: &PreviewArgs) -> Result<ExitCode> {
        use crate::workspace::{self, photo};
        let emoji = EmojiKey::parse(&args.emoji).map_err(UsageError::new)?;
        let (sections, from) = match &args.presets {
            Some(path) => {
                let plan =
                    onboard::prepare_file(path, false, &onboard::KnownEmoji::standard_only())?;
                (plan.sections, path.display().to_string())
            }
            None => {
                let store: Arc<dyn Store> = settings.store.open()?.into();
                let users = store::require_users(store.as_ref())?;
                (users.sections, store.location(store::USERS_KEY))
            }
        };
        let team = match &args.workspace {
            Some(team) => Some(workspace::TeamId::parse(team).map_err(UsageError::new)?),
            None => None,
        };
        let section = sections.for_team(team.as_ref().map(|t| t.as_str()));
        let (key, rule) = crate::presets::lookup(section, &emoji).ok_or_else(|| {
            let known: Vec<&str> = section.keys().map(EmojiKey::as_str).collect();
            UsageError::new(format!(
                "{from} has no workspace preset for {emoji}{}: its workspace presets are {}",
                team.as_ref()
                    .map(|t| format!(" in {t}"))
                    .unwrap_or_default(),
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            ))
        })?;
        if let Some(template) = &rule.name {
            let name =
                workspace::template::fill(template, "Ana Example").map_err(UsageError::new)?;
            crate::out::text(&format!("name: {name}\n"));
        }
        let Some(photo_rule) = &rule.photo else {
            // A name-only rule is a rule like any other: it leaves the photo alone.
            crate::out::text(&format!(
                "photo: none: the workspace preset for {key} changes only the name, so members \
                 keep their own photo ({} not written)\n",
                args.output.display()
            ));
            return Ok(ExitCode::Success);
        };
        let usual = match &args.photo {
            Some(path) => Some(std::fs::read(path).map_err(|err| {
                UsageError::new(format!(
                    "cannot read the photo {}: {err}; check the path",
                    path.display()
                ))
            })?),
            None => None,
        };
        let badge = workspace::badge_of(photo_rule, key)
            .map(|b| EmojiKey::parse(b).map_err(UsageError::new))
            .transpose()?;
        let art = match &badge {
            Some(badge) => Some(match workspace::art::standard(badge) {
                Some(art) => art,
                None => {
                    let slack = settings.slack()?;
                    let bot = crate::tokens::Tokens::load(
                        None,
                        None,
                        std::env::var("SLACK_BOT_TOKEN").ok(),
                    )?
                    .bot();
                    workspace::art::Artist::new(slack)
                        .find(badge, "", bot.as_ref())
                        .map_err(|err| UsageError::new(format!("{err:#}")))?
                }
            }),
            None => None,
        };
        let base = match &usual {
            Some(bytes) => photo::Base::Photo(bytes),
            None => photo::Base::DefaultAvatar { seed: "U0PREVIEW" },
        };
        let png = photo::make(base, photo_rule, art.as_ref())
            .map_err(|err| UsageError::new(format!("{err:#}: give --photo a PNG, JPEG or GIF")))?;
        std::fs::write(&args.output, &png).map_err(|err| {
            UsageError::new(format!(
                "cannot write {}: {err}; check the directory exists and is writable",
                args.output.display()
            ))
        })?;
        crate::out::text(&format!(
            "photo: {} ({} px PNG, {} bytes)\n",
            args.output.display(),
            photo::SIZE,
            png.len()
        ));
        Ok(ExitCode::Success)
    }

    pub fn onboard(settings: &Settings, args: &OnboardArgs) -> Result<ExitCode> {
        let progress = !args.json && crate::progress::wanted();
        // Codes that are not standard emoji are looked up among the custom emoji of the
        // workspaces statusinator has a bot token for (asked only when there is such a code).
        let custom = || -> Option<std::collections::BTreeSet<String>> {
            let bots = || -> Result<(Arc<crate::slack::SlackClient>, Vec<crate::tokens::Token>)> {
                let slack = settings.slack()?;
                // Bots only: the installations in the store (none before its first onboard),
                // else SLACK_BOT_TOKEN.
                let Ok(store) = settings.store.open() else {
                    let bot = crate::tokens::Tokens::load(
                        None,
                        None,
                        std::env::var("SLACK_BOT_TOKEN").ok(),
                    )?;
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
        let plan = match onboard::prepare_file(&args.file, progress, &known) {
            Ok(plan) => plan,
            Err(err) => {
                if let (true, Some(problems)) = (args.json, err.downcast_ref::<Problems>()) {
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
        };
        let report = onboard::execute(store.as_ref(), &plan, options, crate::clock::unix_now())?;
        if args.json {
            let mut out = serde_json::to_value(&report)?;
            out["ok"] = true.into();
            crate::out::line(&(serde_json::to_string_pretty(&out)?));
        } else {
            crate::out::text(&report.render(&store.location(crate::store::USERS_KEY)));
        }
        Ok(ExitCode::Success)
    }

    pub fn apply(settings: &Settings, args: &ApplyArgs) -> Result<ExitCode> {
        let user = UserId::parse(args.user.trim()).map_err(UsageError::new)?;
        let target = if args.emoji.trim() == crate::presets::USUAL_KEY {
            Target::Usual
        } else {
            Target::Emoji(EmojiKey::parse(&args.emoji).map_err(UsageError::new)?)
        };
        let store: Arc<dyn Store> = settings.store.open()?.into();
        let users = store::require_users(store.as_ref())?;
        let member = crate::state::load_state(store.as_ref(), &user)?.unwrap_or_default();
        let slack = settings.slack()?;
        let tokens = Arc::new(settings.tokens(&store, Some(&slack))?);
        // Workspace presets are every connected member's.
        let connection = if users.sections.is_empty() {
            None
        } else {
            crate::workspace::connection_of(&tokens, &user)?
        };
        let workspace = crate::workspace::for_member(
            &users.sections,
            connection.as_ref().map(Option::as_deref),
            member.workspace_off,
        );
        let none = crate::presets::UserPresets::new();
        let presets =
            match users.users.get(&user) {
                Some(presets) => presets,
                None if workspace.is_some() => &none,
                None => {
                    return Err(UsageError::new(format!(
                "{user} is not onboarded in {}: add their presets to a presets file and run \
                     statusinator onboard FILE{}",
                store.location(store::USERS_KEY),
                if users.sections.is_empty() {
                    ""
                } else {
                    ", or have them connect (serve's /slack/install) to get the workspace presets"
                }
            ))
                    .into())
                }
            };
        // A workspace preset's name is made from the usual name: what Slack shows, until
        // statusinator keeps it.
        let shown = match (workspace, &member.usual, tokens.for_user(&user)) {
            (Some(_), None, Ok(token)) => Some(slack.profile_get(&token, user.as_str())?),
            _ => None,
        };
        let facts = apply::Facts {
            presets,
            shown: shown.as_ref(),
            recorded: member.applied.as_ref(),
            usual: member.usual.as_ref(),
            workspace,
        };
        let plan = apply::plan(&user, &target, facts, true, crate::clock::unix_now())?
            .expect("a named emoji or the usual profile resolves to writes or fails");
        // A member whose connection stopped working is told how to connect again.
        let remind = |err: &anyhow::Error| {
            if let Some(disconnected) = err.downcast_ref::<crate::tokens::Disconnected>() {
                tokens.remind(disconnected);
            }
        };
        // A dry run sends nothing, so it needs no token; it says which one a real run would use.
        let token = match tokens.for_user(&user) {
            Ok(token) => Some(token.source.to_string()),
            Err(_) if args.dry_run => None,
            Err(err) => {
                remind(&err);
                return Err(err);
            }
        };
        let outcome = if args.dry_run {
            apply::Outcome {
                plan,
                dry_run: true,
            }
        } else {
            // A store of an earlier layout: this member's object is made from their old
            // record when it is first written (serve and poll migrate everyone).
            // Claimed like serve's and poll's writes, so a serve running beside it takes the
            // echo of these writes for what it is, and nobody writes the member twice.
            let instance = crate::state::instance_name("apply");
            let engine = Engine::new(store.clone(), slack, tokens.clone()).claiming_as(&instance);
            apply_claimed(&engine, plan).inspect_err(remind)?
        };
        if args.json {
            let mut out = serde_json::to_value(&outcome)?;
            out["ok"] = true.into();
            out["token"] = token.into();
            crate::out::line(&(serde_json::to_string_pretty(&out)?));
        } else {
            let plan = &outcome.plan;
            let with = match &token {
                Some(source) => format!("with {source}"),
                None => format!("no token for {user} yet: a real run needs one"),
            };
            crate::out::line(&format!(
                "{} {} → preset {} ({with})",
                plan.user, plan.emoji, plan.preset
            ));
            let verb = if outcome.dry_run { "would set" } else { "set" };
            for write in &plan.writes {
                match write {
                    Write::Name { display_name } => crate::out::line(&format!(
                        "  {verb} display name {display_name:?} (users.profile.set)"
                    )),
                    Write::Photo { picture } => {
                        crate::out::line(&format!("  {verb} photo {picture} (users.setPhoto)"))
                    }
                    Write::DeletePhoto => {
                        let verb = if outcome.dry_run {
                            "would remove"
                        } else {
                            "removed"
                        };
                        crate::out::line(&format!(
                            "  {verb} the photo: Slack's default avatar (users.deletePhoto)"
                        ))
                    }
                }
            }
            if outcome.dry_run {
                crate::out::line("dry run: nothing was sent to Slack or written");
            }
        }
        Ok(ExitCode::Success)
    }

    /// How long `apply` waits for another process that is writing the member.
    const APPLY_WAITS_FOR_OTHERS: std::time::Duration = std::time::Duration::from_secs(90);

    /// Applies `plan` under a claim on the member, waiting while another process (serve, poll,
    /// another apply) writes them; then only what is still missing is written.
    fn apply_claimed(engine: &Engine, plan: apply::Plan) -> Result<apply::Outcome> {
        let started = std::time::Instant::now();
        loop {
            match engine.execute_claimed(&plan, crate::clock::unix_now())? {
                apply::Run::Done { plan, .. } => {
                    return Ok(apply::Outcome {
                        plan: *plan,
                        dry_run: false,
                    })
                }
                apply::Run::Elsewhere(other) => {
                    if started.elapsed() > APPLY_WAITS_FOR_OTHERS {
                        anyhow::bail!(
                            "{} is being written by {} (applying {}) for over {} s; try again \
                             later",
                            plan.user,
                            other.by,
                            apply::display_emoji(&other.emoji),
                            APPLY_WAITS_FOR_OTHERS.as_secs()
                        );
                    }
                    log::info!(
                        "{} is being written by {} (applying {}); waiting for it",
                        plan.user,
                        other.by,
                        apply::display_emoji(&other.emoji)
                    );
                    std::thread::sleep(std::time::Duration::from_millis(500));
                }
            }
        }
    }

    pub fn forget(settings: &Settings, args: &ForgetArgs) -> Result<ExitCode> {
        let user = UserId::parse(args.user.trim()).map_err(UsageError::new)?;
        let store: Arc<dyn Store> = settings.store.open()?.into();
        let slack = settings.slack()?;
        let tokens = Arc::new(settings.tokens(&store, Some(&slack))?);
        let instance = crate::state::instance_name("forget");
        let engine = Engine::new(store.clone(), slack, tokens).claiming_as(&instance);
        let forgotten = if args.dry_run {
            crate::forget::plan(&engine, &user)?
        } else {
            // The wish first: a failure half-way is finished by the next run, serve or poll.
            crate::forget::wish(store.as_ref(), &user, "admin", crate::clock::unix_now())?;
            let started = std::time::Instant::now();
            loop {
                match crate::forget::finish(&engine, &user)? {
                    crate::forget::Finished::Done(done) => break done,
                    crate::forget::Finished::Elsewhere
                        if started.elapsed() > APPLY_WAITS_FOR_OTHERS =>
                    {
                        anyhow::bail!(
                            "{user} is still being written by another process after {} s: the \
                             wish to forget them is stored, and serve's next reconcile, the \
                             next poll or running forget again finishes it",
                            APPLY_WAITS_FOR_OTHERS.as_secs()
                        );
                    }
                    crate::forget::Finished::Elsewhere => {
                        log::info!("{user} is being written by another process; waiting for it");
                        std::thread::sleep(std::time::Duration::from_millis(500));
                    }
                }
            }
        };
        if args.json {
            let mut out = serde_json::to_value(&forgotten)?;
            out["ok"] = true.into();
            crate::out::line(&serde_json::to_string_pretty(&out)?);
        } else {
            crate::out::text(&forgotten.render());
        }
        Ok(ExitCode::Success)
    }

    pub fn poll(settings: &Settings, args: &PollArgs) -> Result<ExitCode> {
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
        let instance = crate::state::instance_name("poll");
        let engine = Engine::new(store.clone(), slack, tokens).claiming_as(&instance);
        let options = crate::poll::Options {
            concurrency: usize::from(args.concurrency),
            dry_run: args.dry_run,
            progress: !args.json && crate::progress::wanted(),
            forget_deleted_after: args.forget_deleted_after,
        };
        loop {
            let started = std::time::Instant::now();
            let code = match crate::poll::cycle(&engine, options, stop) {
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
                    crate::exit_code_for(&err)
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

    pub fn tokens(settings: &Settings, args: &TokensArgs) -> Result<ExitCode> {
        if let Some(TokensAction::NewKey) = args.action {
            crate::out::line(&crate::tokens::seal::SealKey::generate());
            return Ok(ExitCode::Success);
        }
        let store: Arc<dyn Store> = settings.store.open()?.into();
        let tokens = settings.tokens(&store, Some(&settings.slack()?))?;
        if let Some(TokensAction::Forget { user }) = &args.action {
            let user = UserId::parse(user.trim()).map_err(UsageError::new)?;
            let forgotten = crate::tokens::stored::forget_all_of(store.as_ref(), &user)?;
            if forgotten > 0 {
                crate::out::line(&format!(
                    "forgot the connected token{} of {user}; their presets stay",
                    if forgotten == 1 { "" } else { "s" }
                ));
                return Ok(ExitCode::Success);
            }
            return Err(UsageError::new(format!(
                "{user} has no connected token in {}: nothing to forget (a tokens-file entry is \
                 removed from the file itself)",
                store.location(crate::tokens::stored::TOKENS_PREFIX)
            ))
            .into());
        }
        let report = crate::tokens::listing::report(&tokens)?;
        if args.json {
            crate::out::line(&(serde_json::to_string_pretty(&report)?));
        } else {
            crate::out::text(&report.render());
        }
        Ok(ExitCode::Success)
    }

    pub fn serve(settings: &Settings, args: &ServeArgs) -> Result<ExitCode> {
        // Every missing or invalid setting at once, each with its fix.
        let setup = crate::setup::read(&args.oauth_url.slack_oauth_url)
            .map_err(|problems| crate::setup::error(&problems))?;
        let socket = setup
            .app_token
            .clone()
            .map(|app_token| crate::serve::SocketConfig {
                app_token,
                connections: usize::from(args.socket_connections),
            });
        let oauth = setup.oauth.clone();
        let signing_secret = setup.signing_secret.clone();
        let config = crate::serve::Config {
            listen: args.listen,
            signing_secret,
            admin_token: setup.admin_token.clone(),
            queue_capacity: args.queue_capacity as usize,
            dead_letter_capacity: args.dead_letter_capacity as usize,
            workers: usize::from(args.workers),
            drain_timeout: args.drain_timeout,
            reconcile_every: Some(args.reconcile_every).filter(|every| !every.is_zero()),
            forget_deleted_after: args.forget_deleted_after,
            oauth: oauth.clone(),
            max_connections: args.max_connections as usize,
            max_connections_per_peer: args.max_connections_per_peer as usize,
            socket,
        };
        let store: Arc<dyn Store> = settings.store.open()?.into();
        let slack = settings.slack()?;
        let tokens = Arc::new(settings.tokens(&store, Some(&slack))?);
        log::info!("setup: {}", setup.kind.name());
        match &oauth {
            // With OAuth on, members connect once serve runs.
            Some(oauth) => log::info!(
                "members connect at {}{}",
                oauth.public_url.as_str().trim_end_matches('/'),
                crate::connect::INSTALL_PATH
            ),
            None => tokens.require_some_user_token()?,
        }
        crate::serve::run(config, store, slack, tokens)?;
        Ok(ExitCode::Success)
    }
}
