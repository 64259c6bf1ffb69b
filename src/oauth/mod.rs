//! Connecting a member through Slack's OAuth v2, as serve offers it at `/slack/install` and
//! `/slack/oauth_redirect` (serve's routes are `serve/app/install.rs`): the app's scopes and
//! paths, the state that ties a redirect to the browser that started it and the authorize URL
//! (here), the code exchange ([`exchange`]), the connections being finished ([`connecting`])
//! and the pages a member sees meanwhile ([`pages`]).
//!
//! The state is `<nonce>.<expiry>.<mac>`: a random nonce, when it lapses (600 s on), and an
//! HMAC over both with a key derived from `STATUSINATOR_SECRET_KEY`, so any replica can check
//! it without shared memory. It must equal the `slack-app-oauth-state` cookie the install page
//! set (the same browser), and it is used once: its nonce is claimed in the store with a
//! conditional create, so a replayed redirect fails on every replica.

pub mod connecting;
mod exchange;
pub mod pages;

pub use exchange::{ConnectError, Connected};

use std::fmt;

use anyhow::Result;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use url::Url;

use crate::exit::UsageError;
use crate::slack::ClientCredentials;
use crate::tokens::seal::{random_bytes, SealKey};

/// Bolt's cookie name: the browser that started the flow.
pub const STATE_COOKIE: &str = "slack-app-oauth-state";
/// How long a state (and its cookie) lives.
pub const STATE_SECONDS: u64 = 600;
/// What the bot asks for: `user_change` events and `users.list` (`users:read`), direct messages
/// (`chat:write`), the `/statusinator` command (`commands`), the photos members attach in the
/// preset modal (`files:read`) and the workspace's custom emoji for workspace presets' badges
/// (`emoji:read`). The manifests in `examples/` and docs/connecting.md list the same
/// (a test keeps them so).
pub const BOT_SCOPES: &str = "users:read,chat:write,commands,files:read,emoji:read";
/// The bot scopes statusinator uses that `granted` (a comma-separated list, as Slack gives it)
/// lacks.
pub fn missing_bot_scopes(granted: &str) -> Vec<&'static str> {
    BOT_SCOPES
        .split(',')
        .filter(|needed| !granted.split(',').any(|g| g.trim() == *needed))
        .collect()
}

/// What to tell an admin whose workspace's installation lacks bot scopes.
pub fn missing_scopes_fix(team: &str, missing: &[&str], install_url: Option<&str>) -> String {
    format!(
        "the installation of {team} lacks the bot scope{} {}: the preset modal downloads \
         members' photos with files:read, workspace presets read custom emoji badges with \
         emoji:read, and the app needs every scope of the manifest; \
         add them in your Slack app's OAuth & Permissions page (the manifests in examples/ \
         list them) and install the app again{}",
        if missing.len() == 1 { "" } else { "s" },
        missing.join(", "),
        match install_url {
            Some(url) => format!(", or open {url} once"),
            None => String::new(),
        }
    )
}

/// What a member grants: reading and changing their own profile (the manifests and
/// docs/connecting.md list the same).
pub const USER_SCOPES: &str = "users.profile:read,users.profile:write";
/// Where Slack sends the browser back, under the public URL.
pub const REDIRECT_PATH: &str = "/slack/oauth_redirect";
pub const INSTALL_PATH: &str = "/slack/install";
/// Where the browser waits while its connection is finished.
pub const CONNECTING_PATH: &str = "/slack/connecting";

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// OAuth's settings, checked.
#[derive(Clone)]
pub struct OAuth {
    pub client: ClientCredentials,
    /// serve's base URL as browsers reach it.
    pub public_url: Url,
    /// Slack's authorize page (a stand-in in tests).
    pub authorize_url: Url,
    pub key: SealKey,
    state_key: [u8; 32],
}

impl fmt::Debug for OAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth")
            .field("client_id", &self.client.id)
            .field("public_url", &self.public_url.as_str())
            .field("authorize_url", &self.authorize_url.as_str())
            .field("key", &self.key)
            .finish()
    }
}

/// Why a redirect's state is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StateProblem {
    #[error("the link is missing its state")]
    Missing,
    #[error("the link's state is not one this app made")]
    Forged,
    #[error("the link is more than 10 minutes old")]
    Expired,
    #[error("the link was started in another browser, or its cookie is gone")]
    OtherBrowser,
    #[error("the link was used already")]
    Replayed,
}

impl OAuth {
    /// Checks the settings: a public URL that is https (or http on a loopback address) and the
    /// key (see [`crate::tokens::seal`]).
    pub fn new(
        client: ClientCredentials,
        public_url: &str,
        authorize_url: &str,
        key: SealKey,
    ) -> Result<OAuth, UsageError> {
        let public_url = Url::parse(public_url.trim().trim_end_matches('/'))
            .ok()
            .filter(|u| {
                u.scheme() == "https"
                    || (u.scheme() == "http"
                        && matches!(u.host_str(), Some("localhost" | "127.0.0.1" | "[::1]")))
            })
            .ok_or_else(|| {
                UsageError::new(
                    "STATUSINATOR_PUBLIC_URL must be serve's https:// address as browsers reach \
                     it (plain http:// only on a loopback address), like https://status.example.com",
                )
            })?;
        let authorize_url = Url::parse(authorize_url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| {
                UsageError::new(
                    "--slack-oauth-url must be Slack's authorize page, \
                     https://slack.com/oauth/v2/authorize",
                )
            })?;
        let state_key = key.derive("oauth state");
        Ok(OAuth {
            client,
            public_url,
            authorize_url,
            key,
            state_key,
        })
    }

    /// The `redirect_uri` of both the authorize step and the code exchange.
    pub fn redirect_uri(&self) -> String {
        format!(
            "{}{REDIRECT_PATH}",
            self.public_url.as_str().trim_end_matches('/')
        )
    }

    /// The install page's address.
    pub fn install_url(&self) -> String {
        format!(
            "{}{INSTALL_PATH}",
            self.public_url.as_str().trim_end_matches('/')
        )
    }

    /// Whether the cookie may be `Secure` (the public URL is https).
    pub fn secure(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    fn mac(&self, nonce: &str, expires: u64) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.state_key).expect("any key length");
        mac.update(format!("{nonce}.{expires}").as_bytes());
        B64.encode(&mac.finalize().into_bytes()[..16])
    }

    /// A fresh state, good for [`STATE_SECONDS`].
    pub fn new_state(&self, now: u64) -> String {
        let nonce = B64.encode(random_bytes::<16>());
        let expires = now + STATE_SECONDS;
        format!("{nonce}.{expires}.{}", self.mac(&nonce, expires))
    }

    /// Checks a redirect's state against the cookie, its MAC and its age; returns what names
    /// it in the store once used (`<expires>.<nonce>`: that it is used once is checked against
    /// the store, [`OAuth::complete`], and the mark can go once the state has expired).
    pub fn check_state(
        &self,
        state: Option<&str>,
        cookie: Option<&str>,
        now: u64,
    ) -> Result<String, StateProblem> {
        let state = state
            .filter(|s| !s.is_empty())
            .ok_or(StateProblem::Missing)?;
        let mut parts = state.splitn(3, '.');
        let (Some(nonce), Some(expires), Some(mac)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(StateProblem::Forged);
        };
        let expires: u64 = expires.parse().map_err(|_| StateProblem::Forged)?;
        let expected = self.mac(nonce, expires);
        if !bool::from(subtle::ConstantTimeEq::ct_eq(
            expected.as_bytes(),
            mac.as_bytes(),
        )) {
            return Err(StateProblem::Forged);
        }
        if now >= expires {
            return Err(StateProblem::Expired);
        }
        if cookie != Some(state) {
            return Err(StateProblem::OtherBrowser);
        }
        Ok(format!("{expires}.{nonce}"))
    }

    /// Slack's authorize URL for `state`: the member's user scopes, and the bot scopes too
    /// unless `installed` (the member's workspace, given as `team`, has the bot already: then
    /// only the member authorizes, as Slack advises for collecting members' tokens).
    pub fn authorize_link(&self, state: &str, team: Option<&str>, installed: bool) -> String {
        let mut url = self.authorize_url.clone();
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("client_id", &self.client.id)
                .append_pair("scope", if installed { "" } else { BOT_SCOPES })
                .append_pair("user_scope", USER_SCOPES)
                .append_pair("redirect_uri", &self.redirect_uri())
                .append_pair("state", state);
            if let Some(team) = team {
                query.append_pair("team", team);
            }
        }
        url.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oauth() -> OAuth {
        OAuth::new(
            ClientCredentials {
                id: "1.2".into(),
                secret: crate::secret::SecretString::new("s"),
            },
            "https://status.example.com/",
            "https://slack.com/oauth/v2/authorize",
            SealKey::parse(&SealKey::generate()).unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn a_state_holds_for_its_browser_and_ten_minutes_only() {
        let oauth = oauth();
        let state = oauth.new_state(1_000);
        assert!(oauth.check_state(Some(&state), Some(&state), 1_599).is_ok());
        assert_eq!(
            oauth.check_state(Some(&state), Some(&state), 1_600),
            Err(StateProblem::Expired)
        );
        assert_eq!(
            oauth.check_state(Some(&state), None, 1_001),
            Err(StateProblem::OtherBrowser)
        );
        let other = oauth.new_state(1_000);
        assert_eq!(
            oauth.check_state(Some(&state), Some(&other), 1_001),
            Err(StateProblem::OtherBrowser)
        );
        // Another expiry under the same MAC, or a state from another key: forged.
        let (nonce, rest) = state.split_once('.').unwrap();
        let (_, mac) = rest.split_once('.').unwrap();
        let longer = format!("{nonce}.9999999999.{mac}");
        assert_eq!(
            oauth.check_state(Some(&longer), Some(&longer), 1_001),
            Err(StateProblem::Forged)
        );
        let foreign = super::tests::oauth().new_state(1_000);
        assert_eq!(
            oauth.check_state(Some(&foreign), Some(&foreign), 1_001),
            Err(StateProblem::Forged)
        );
        assert_eq!(
            oauth.check_state(None, None, 1_001),
            Err(StateProblem::Missing)
        );
    }

    #[test]
    fn the_authorize_link_asks_for_the_right_scopes_and_comes_back_here() {
        let oauth = oauth();
        let link = Url::parse(&oauth.authorize_link("st.1.x", None, false)).unwrap();
        let query: std::collections::HashMap<_, _> = link.query_pairs().into_owned().collect();
        assert_eq!(query["client_id"], "1.2");
        assert_eq!(query["scope"], BOT_SCOPES);
        assert_eq!(query["user_scope"], USER_SCOPES);
        assert_eq!(
            query["redirect_uri"],
            "https://status.example.com/slack/oauth_redirect"
        );
        assert_eq!(query["state"], "st.1.x");
        // A member of a workspace that has the bot authorizes for themselves only.
        let link = Url::parse(&oauth.authorize_link("st.1.x", Some("T1"), true)).unwrap();
        let query: std::collections::HashMap<_, _> = link.query_pairs().into_owned().collect();
        assert_eq!(
            (query["scope"].as_str(), query["team"].as_str()),
            ("", "T1")
        );
        assert!(OAuth::new(
            oauth.client.clone(),
            "http://status.example.com",
            "https://slack.com/oauth/v2/authorize",
            oauth.key.clone()
        )
        .is_err());
    }
}
