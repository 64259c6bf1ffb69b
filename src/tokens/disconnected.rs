//! Members whose connection stopped working: what Slack's refusal marks, the refreshes it ends,
//! and the message that tells them how to connect again (at most once a day). Whoever looked
//! a token up decides when to tell them; nothing here runs on a lookup.

use anyhow::Context;

use super::stored::{self, Connection};
use super::{rotation, Token, TokenSource, Tokens, Vault, REMIND_EVERY};
use crate::presets::UserId;

/// A member whose connected token stopped working: nothing is changed for them until they
/// connect again. As an error, it says so and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disconnected {
    pub user: UserId,
    pub team: String,
    /// What Slack said (`token_revoked`, `invalid_refresh_token`, …).
    pub reason: String,
    /// When (unix seconds).
    pub since: u64,
}

impl std::fmt::Display for Disconnected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} is disconnected ({}) since {}: their token no longer works, so nothing is \
             changed for them until they connect their profile again (serve's /slack/install)",
            self.user,
            self.reason,
            humantime::format_rfc3339_seconds(
                std::time::UNIX_EPOCH + std::time::Duration::from_secs(self.since)
            )
        )
    }
}

/// What serve's schedule of refreshes did.
#[derive(Debug, Default)]
pub struct Refreshed {
    pub count: usize,
    /// Members whose refresh Slack refused for good: to be reminded.
    pub disconnected: Vec<Disconnected>,
}

impl Tokens {
    /// The member's record in `team` says they are disconnected.
    pub(super) fn disconnected(&self, team: &str, user: &UserId) -> Option<Disconnected> {
        let vault = self.vault.as_ref()?;
        let record = stored::load_member(vault.store.as_ref(), team, user).ok()??;
        match record.connection {
            Connection::Disconnected { reason, at } => Some(Disconnected {
                user: user.clone(),
                team: record.team,
                reason,
                since: at,
            }),
            Connection::Connected => None,
        }
    }

    /// Slack refused `token` for good: a connected member is marked disconnected, so nothing
    /// uses it again until they connect again; unless their record holds another token by
    /// then (refreshed meanwhile), which is not the one refused. Returns the member as now
    /// disconnected, for the caller to tell them.
    pub fn token_failed(
        &self,
        token: &Token,
        err: &crate::slack::SlackError,
    ) -> Option<Disconnected> {
        let (TokenSource::Connected(user), Some(vault), Some(team)) =
            (&token.source, &self.vault, &token.team)
        else {
            return None;
        };
        if !rotation::is_dead(err) {
            return None;
        }
        let reason = err.code().unwrap_or("refused");
        let still = |r: &stored::MemberToken| match &vault.key {
            Some(key) => r
                .open_access(key)
                .is_ok_and(|secret| secret.expose() == token.secret.expose()),
            None => false,
        };
        let store = vault.store.as_ref();
        if let Err(e) =
            rotation::disconnect(store, team, user, reason, crate::clock::unix_now(), &still)
        {
            log::warn!("could not mark {user} disconnected: {e:#}");
        }
        self.disconnected(team, user)
    }

    /// Refreshes every connected token that is due (serve's schedule). Says how many it
    /// refreshed, and who Slack refused a refresh for good (to be reminded).
    pub fn refresh_due(&self) -> anyhow::Result<Refreshed> {
        let Some(Vault {
            store,
            key: Some(key),
            refresher: Some(refresher),
            instance,
            ..
        }) = &self.vault
        else {
            return Ok(Refreshed::default());
        };
        let now = crate::clock::unix_now();
        let mut refreshed = Refreshed::default();
        for record in stored::list_members(store.as_ref())?.records {
            if !rotation::due(&record, now) {
                continue;
            }
            let (team, user) = (&record.team, &record.user);
            match rotation::fresh(store.as_ref(), key, Some(refresher), team, user, instance) {
                Ok(_) => refreshed.count += 1,
                Err(err) => {
                    log::warn!("{err:#}");
                    refreshed.disconnected.extend(self.disconnected(team, user));
                }
            }
        }
        Ok(refreshed)
    }

    /// Revokes every connected token of `user` with Slack (`auth.revoke`; one Slack refuses
    /// already counts as revoked). Returns how many. Their records stay for the caller to
    /// delete.
    pub fn revoke_all_of(
        &self,
        user: &UserId,
        slack: &crate::slack::SlackClient,
    ) -> anyhow::Result<usize> {
        let Some(vault) = &self.vault else {
            return Ok(0);
        };
        let mut revoked = 0;
        for record in stored::member_records(vault.store.as_ref(), user)? {
            let Some(key) = &vault.key else {
                log::warn!(
                    "{user}'s token in {} cannot be opened to revoke it ({} is not set): it is \
                     deleted unrevoked",
                    record.team,
                    super::seal::KEY_VAR
                );
                continue;
            };
            let Ok(secret) = record.open_access(key) else {
                log::warn!(
                    "{user}'s token in {} does not open to revoke it: it is deleted unrevoked",
                    record.team
                );
                continue;
            };
            let token = Token {
                secret,
                source: TokenSource::Connected(user.clone()),
                team: Some(record.team.clone()),
            };
            slack
                .revoke(&token)
                .with_context(|| format!("revoking {user}'s token in {}", record.team))?;
            revoked += 1;
        }
        Ok(revoked)
    }

    /// Tells a disconnected member, with the bot, how to connect again; at most once a day
    /// (claimed in their record, so replicas do not repeat it). Writes the store and calls
    /// Slack: serve does it as an app job.
    pub fn remind(&self, disconnected: &Disconnected) {
        let Disconnected {
            user, team, reason, ..
        } = disconnected;
        let Some(vault) = &self.vault else { return };
        let (Some(url), Some(refresher)) = (&vault.install_url, &vault.refresher) else {
            return;
        };
        let Some(bot) = self.bot_for(team) else {
            log::warn!("{user} is disconnected, and there is no bot token for {team} to tell them");
            return;
        };
        let now = crate::clock::unix_now();
        let mut due = false;
        let claimed = stored::update_member(vault.store.as_ref(), team, user, &mut |r| {
            // A conditional write may run this again on newer bytes: decide afresh each time.
            due = false;
            if r.reminded_at.is_some_and(|at| now < at + REMIND_EVERY) {
                return Ok(false);
            }
            r.reminded_at = Some(now);
            due = true;
            Ok(true)
        });
        if claimed.is_err() || !due {
            return;
        }
        let text = format!(
            "Your statusinator connection stopped working (Slack said: {reason}), so your name \
             and photo no longer follow your status. Connect again here: \
             <{url}?team={team}|Connect my Slack profile>. Your presets are kept."
        );
        match refresher.slack.post_message(&bot, user.as_str(), &text) {
            Ok(()) => log::info!("told {user} how to connect again"),
            Err(err) => log::warn!("could not tell {user} to connect again: {err}"),
        }
    }
}
