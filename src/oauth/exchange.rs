//! The code exchange: Slack's redirect carries a `code`, which becomes a connected member once
//! the state's nonce is used (once, on every replica), the code is exchanged with
//! `oauth.v2.access`, and the token Slack gave is checked to be the member's own with
//! `auth.test`; then it is sealed and stored (with the workspace's bot token when the install
//! added it).

use anyhow::{Context, Result};

use super::{OAuth, StateProblem, USER_SCOPES};
use crate::presets::UserId;
use crate::slack::oauth::Access;
use crate::slack::{SlackClient, SlackError};
use crate::store::Store;
use crate::tokens::stored::{self, Connection, Installation, MemberToken};
use crate::tokens::{Token, TokenSource};

impl OAuth {
    /// The state's nonce used (once, on every replica), then the code exchanged: what Slack
    /// gave, and for whom.
    fn exchange(
        &self,
        store: &dyn Store,
        slack: &SlackClient,
        nonce: &str,
        code: &str,
        now: u64,
    ) -> Result<(Access, UserId), ConnectError> {
        if !stored::use_state_once(store, nonce, now).map_err(ConnectError::Store)? {
            return Err(ConnectError::State(StateProblem::Replayed));
        }
        let access = slack
            .oauth_access(&self.client, code, &self.redirect_uri())
            .map_err(ConnectError::Slack)?;
        let user = UserId::parse(&access.user_id).map_err(|_| {
            ConnectError::Store(anyhow::anyhow!("Slack named no member ID it could use"))
        })?;
        Ok((access, user))
    }

    /// A redirect without a state (an org admin's install from the organization's app
    /// management page): kept only when it is an org-wide install with its bot, and then only
    /// the installation; the admin's own token is revoked, never stored (no state ties it to
    /// their browser). Anything else is refused with its tokens revoked.
    pub fn complete_org_install(
        &self,
        store: &dyn Store,
        slack: &SlackClient,
        nonce: &str,
        code: &str,
        now: u64,
    ) -> Result<Connected, ConnectError> {
        let (access, user) = self.exchange(store, slack, nonce, code, now)?;
        let installation = access.installation().to_owned();
        let revoke = |secret: &crate::secret::SecretString, source: TokenSource| {
            let token = Token {
                secret: secret.clone(),
                source,
                team: Some(installation.clone()),
            };
            if let Err(err) = slack.revoke(&token) {
                log::warn!("revoking a token an install without a state gave: {err}");
            }
        };
        if let Some(granted) = &access.user {
            revoke(&granted.access, TokenSource::Connected(user.clone()));
        }
        let Some(bot) = access.bot.as_ref().filter(|_| access.enterprise_install) else {
            if let Some(bot) = &access.bot {
                revoke(&bot.access, TokenSource::Installation(installation.clone()));
            }
            return Err(ConnectError::NoState);
        };
        let identity = slack
            .auth_test(&Token {
                secret: bot.access.clone(),
                source: TokenSource::Installation(installation.clone()),
                team: Some(installation.clone()),
            })
            .map_err(ConnectError::Slack)?;
        self.store_installation(store, &access, &user, now)
            .map_err(ConnectError::Store)?;
        log::info!("{user} installed the app for the organization {installation}");
        Ok(Connected {
            user,
            handle: String::new(),
            enterprise: access.enterprise_id.clone(),
            team_id: installation,
            team_name: access.installation_name().to_owned(),
            workspace_url: identity.url,
            app_id: access.app_id.clone(),
        })
    }

    /// Turns a redirect's `code` into a connected member: the state's nonce used once, the code
    /// exchanged, the member's token checked with `auth.test`, then sealed and stored (and the
    /// workspace's bot token, when this install added it).
    pub fn complete(
        &self,
        store: &dyn Store,
        slack: &SlackClient,
        nonce: &str,
        code: &str,
        now: u64,
    ) -> Result<Connected, ConnectError> {
        let (access, user) = self.exchange(store, slack, nonce, code, now)?;
        let Some(granted) = &access.user else {
            return Err(ConnectError::NoUserToken);
        };
        // The token must be the member's own, as Slack says it is.
        let identity = slack
            .auth_test(&Token {
                secret: granted.access.clone(),
                source: TokenSource::Connected(user.clone()),
                team: Some(access.installation().to_owned()),
            })
            .map_err(ConnectError::Slack)?;
        if identity.user_id != user.as_str() {
            return Err(ConnectError::Store(anyhow::anyhow!(
                "Slack gave a token of {} for {user}",
                identity.user_id
            )));
        }
        self.store_tokens(store, &access, &user, now)
            .map_err(ConnectError::Store)?;
        Ok(Connected {
            user,
            handle: identity.user,
            team_id: access.installation().to_owned(),
            enterprise: access.enterprise_id.clone(),
            team_name: if access.installation_name().is_empty() {
                identity.team
            } else {
                access.installation_name().to_owned()
            },
            workspace_url: identity.url,
            app_id: access.app_id.clone(),
        })
    }

    fn store_tokens(
        &self,
        store: &dyn Store,
        access: &Access,
        user: &UserId,
        now: u64,
    ) -> Result<()> {
        let team = access.installation();
        let granted = access.user.as_ref().expect("checked by the caller");
        let binding = |what| stored::member_binding(team, user, what);
        stored::save_member(
            store,
            &MemberToken {
                team: team.to_owned(),
                team_name: access.installation_name().to_owned(),
                user: user.clone(),
                scopes: granted.scopes.clone(),
                access: self
                    .key
                    .seal(&binding("access"), granted.access.expose().as_bytes()),
                refresh: granted
                    .refresh
                    .as_ref()
                    .map(|r| self.key.seal(&binding("refresh"), r.expose().as_bytes())),
                expires_at: granted.expires_in.map(|s| now + s),
                connected_at: now,
                connection: Connection::Connected,
                refreshing: None,
                reminded_at: None,
                enterprise: access.enterprise_id.clone(),
            },
        )?;
        self.store_installation(store, access, user, now)
    }

    /// The bot token an install gave, sealed and stored by installation (the workspace, or the
    /// organization for an org-wide install); nothing when it gave none.
    fn store_installation(
        &self,
        store: &dyn Store,
        access: &Access,
        user: &UserId,
        now: u64,
    ) -> Result<()> {
        let team = access.installation();
        if let Some(bot) = &access.bot {
            let binding = |what| stored::installation_binding(team, what);
            stored::save_installation(
                store,
                &Installation {
                    team: team.to_owned(),
                    team_name: access.installation_name().to_owned(),
                    bot_user_id: access.bot_user_id.clone(),
                    app_id: access.app_id.clone(),
                    scopes: bot.scopes.clone(),
                    bot: self
                        .key
                        .seal(&binding("bot"), bot.access.expose().as_bytes()),
                    refresh: bot
                        .refresh
                        .as_ref()
                        .map(|r| self.key.seal(&binding("refresh"), r.expose().as_bytes())),
                    expires_at: bot.expires_in.map(|s| now + s),
                    installed_at: now,
                    installed_by: Some(user.clone()),
                    workspaces: None,
                },
            )
            .context("storing the workspace's installation")?;
        }
        Ok(())
    }
}

/// A member who just connected.
#[derive(Debug, Clone)]
pub struct Connected {
    pub user: UserId,
    /// The Enterprise Grid organization, when the installation is in one.
    pub enterprise: Option<String>,
    /// Their handle, as `auth.test` has it.
    pub handle: String,
    pub team_id: String,
    pub team_name: String,
    /// The workspace's address, for the way back to Slack.
    pub workspace_url: String,
    pub app_id: String,
}

/// Why connecting failed.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("{0}")]
    State(StateProblem),
    #[error("Slack refused: {0}")]
    Slack(SlackError),
    #[error("Slack gave no user token: the app must ask for user scopes ({USER_SCOPES})")]
    NoUserToken,
    #[error("storing the connection failed: {0:#}")]
    Store(anyhow::Error),
    #[error(
        "the link carried no state, which only an org admin's install for the whole \
         organization may: start again from the connect page"
    )]
    NoState,
}
