//! `statusinator serve`: the settings checked all at once for the setup they describe, then
//! the long-running service (see [`crate::serve`]).

use std::sync::Arc;

use anyhow::Result;

use crate::cli::ServeArgs;
use crate::exit::ExitCode;
use crate::settings::Settings;
use crate::store::Store;

/// Runs serve until a signal.
pub fn run(settings: &Settings, args: &ServeArgs) -> Result<ExitCode> {
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
        trusted_proxies: args.trusted_proxies.clone(),
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
            crate::oauth::INSTALL_PATH
        ),
        None => tokens.require_some_user_token()?,
    }
    crate::serve::run(config, store, slack, tokens)?;
    Ok(ExitCode::Success)
}
