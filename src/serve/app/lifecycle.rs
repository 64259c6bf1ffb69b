//! Slack's lifecycle events: `tokens_revoked` forgets the listed members' tokens (and the
//! workspace's bot token when the bot's is listed); `app_uninstalled` forgets the workspace's
//! installation and every token of its members. Presets stay: a member who connects again finds
//! them as they were.

use crate::presets::UserId;
use crate::store::Store;
use crate::tokens::stored;

/// `tokens_revoked` in `team`: `users` lost their user tokens, `bots` the bot's.
pub fn tokens_revoked(store: &dyn Store, team: &str, users: &[String], bots: &[String]) {
    for user in users {
        let Ok(user) = UserId::parse(user) else {
            continue;
        };
        match stored::forget_member(store, team, &user) {
            Ok(true) => log::info!("{user}'s token was revoked in {team}: forgotten"),
            Ok(false) => {}
            Err(err) => log::error!("forgetting {user}'s revoked token: {err:#}"),
        }
    }
    if !bots.is_empty() {
        forget_installation(store, team, "its bot token was revoked");
    }
}

/// `app_uninstalled` from `team`.
pub fn app_uninstalled(store: &dyn Store, team: &str) {
    forget_installation(store, team, "the app was uninstalled");
    match stored::list_members(store) {
        Ok(listing) => {
            // An unreadable record was named in the log by the listing; the rest go on.
            let mut forgotten = 0;
            for record in listing.records.iter().filter(|r| r.team == team) {
                match stored::forget_member(store, team, &record.user) {
                    Ok(_) => forgotten += 1,
                    Err(err) => log::error!("forgetting {}'s token: {err:#}", record.user),
                }
            }
            log::info!(
                "the app was uninstalled from {team}: forgot {forgotten} member token(s); \
                 presets stay"
            );
        }
        Err(err) => log::error!("forgetting the tokens of {team}: {err:#}"),
    }
}

fn forget_installation(store: &dyn Store, team: &str, why: &str) {
    match store.delete(&stored::installation_key(team)) {
        Ok(()) => log::info!("{team}: {why}; its installation is forgotten"),
        Err(err) => log::error!("forgetting the installation of {team}: {err:#}"),
    }
}
