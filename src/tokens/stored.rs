//! Tokens that members connected through Slack's OAuth, kept in the store, sealed (see
//! [`super::seal`]):
//!
//! ```text
//! tokens/<hh>/<user_id>.json     a member's user token (and refresh token), one object each
//! installations/<team_id>.json   a workspace's bot token, from the install that added the bot
//! oauth/used/<nonce>             an OAuth state already used (so it is used once, on any replica)
//! ```
//!
//! A record holds what may be shown (workspace, member, scopes, expiry, connection state) in
//! the clear, and the tokens only sealed, bound to the workspace and member. Writing one member's
//! token touches only their object.

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::seal::{OpenError, SealKey, Sealed};
use crate::presets::UserId;
use crate::secret::SecretString;
use crate::store::Store;

/// Where members' tokens live.
pub const TOKENS_PREFIX: &str = "tokens/";
/// Where workspaces' installations live.
pub const INSTALLATIONS_PREFIX: &str = "installations/";

/// Whether a member's token works.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Connection {
    #[default]
    Connected,
    /// Slack refused the token for good (`token_revoked`, `invalid_auth`,
    /// `invalid_refresh_token`): nothing retries it until the member connects again.
    Disconnected { reason: String, at: u64 },
}

/// A member's token record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberToken {
    pub team: String,
    #[serde(rename = "teamName", default)]
    pub team_name: String,
    pub user: UserId,
    /// The user scopes granted.
    #[serde(default)]
    pub scopes: String,
    pub access: Sealed,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh: Option<Sealed>,
    /// When the access token lapses (unix seconds); `None` when it does not (no rotation).
    #[serde(rename = "expiresAt", default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
    #[serde(rename = "connectedAt")]
    pub connected_at: u64,
    #[serde(flatten)]
    pub connection: Connection,
    /// A process refreshing the token right now (so no other does at the same time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refreshing: Option<crate::state::Claim>,
    /// When the member was last sent the reconnect message (at most one a day).
    #[serde(
        rename = "remindedAt",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub reminded_at: Option<u64>,
}

/// A workspace's installation: the bot token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Installation {
    pub team: String,
    #[serde(rename = "teamName", default)]
    pub team_name: String,
    #[serde(rename = "botUserId", default)]
    pub bot_user_id: String,
    #[serde(rename = "appId", default)]
    pub app_id: String,
    #[serde(default)]
    pub scopes: String,
    pub bot: Sealed,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh: Option<Sealed>,
    #[serde(rename = "expiresAt", default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
    #[serde(rename = "installedAt")]
    pub installed_at: u64,
    #[serde(rename = "installedBy")]
    pub installed_by: UserId,
}

/// What a sealed member token is bound to: it opens only as this member's, in this workspace.
pub fn member_binding(team: &str, user: &UserId, what: &str) -> String {
    format!("statusinator/v1/member/{team}/{user}/{what}")
}

/// What a sealed bot token is bound to.
pub fn installation_binding(team: &str, what: &str) -> String {
    format!("statusinator/v1/installation/{team}/{what}")
}

/// The key of a member's token record.
pub fn member_key(user: &UserId) -> String {
    let digest = Sha256::digest(user.as_str().as_bytes());
    format!("{TOKENS_PREFIX}{:02x}/{user}.json", digest[0])
}

/// The key of a workspace's installation.
pub fn installation_key(team: &str) -> String {
    format!("{INSTALLATIONS_PREFIX}{team}.json")
}

fn parse<T: for<'de> Deserialize<'de>>(bytes: &[u8], location: &str) -> Result<T> {
    serde_json::from_slice(bytes).with_context(|| {
        format!("{location} is not a token record statusinator can read; remove it and have the member connect again")
    })
}

fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("records serialize");
    bytes.push(b'\n');
    bytes
}

impl MemberToken {
    /// The access token, opened.
    pub fn open_access(&self, key: &SealKey) -> Result<SecretString, OpenError> {
        self.access
            .open(key, &member_binding(&self.team, &self.user, "access"))
    }

    /// The refresh token, opened.
    pub fn open_refresh(&self, key: &SealKey) -> Option<Result<SecretString, OpenError>> {
        self.refresh
            .as_ref()
            .map(|r| r.open(key, &member_binding(&self.team, &self.user, "refresh")))
    }
}

impl Installation {
    pub fn open_bot(&self, key: &SealKey) -> Result<SecretString, OpenError> {
        self.bot.open(key, &installation_binding(&self.team, "bot"))
    }
}

/// A member's token record, if they connected.
pub fn load_member(store: &dyn Store, user: &UserId) -> Result<Option<MemberToken>> {
    let key = member_key(user);
    match store.get(&key)? {
        None => Ok(None),
        Some(bytes) => parse(&bytes, &store.location(&key)).map(Some),
    }
}

/// Writes a member's token record, replacing what was there.
pub fn save_member(store: &dyn Store, record: &MemberToken) -> Result<()> {
    let key = member_key(&record.user);
    let bytes = to_json(record);
    store
        .update(&key, "application/json", &mut |_| Ok(Some(bytes.clone())))
        .with_context(|| format!("storing the token of {}", record.user))?;
    Ok(())
}

/// Changes a member's token record without losing a concurrent change; `change` says whether
/// it changed anything. Nothing happens when there is no record.
pub fn update_member(
    store: &dyn Store,
    user: &UserId,
    change: &mut dyn FnMut(&mut MemberToken) -> Result<bool>,
) -> Result<()> {
    let key = member_key(user);
    let location = store.location(&key);
    store.update(&key, "application/json", &mut |current| {
        let Some(bytes) = current else {
            return Ok(None);
        };
        let mut record: MemberToken = parse(bytes, &location)?;
        if change(&mut record)? {
            Ok(Some(to_json(&record)))
        } else {
            Ok(None)
        }
    })?;
    Ok(())
}

/// Removes a member's token record; returns whether there was one.
pub fn forget_member(store: &dyn Store, user: &UserId) -> Result<bool> {
    let key = member_key(user);
    let existed = store.exists(&key)?;
    store.delete(&key)?;
    Ok(existed)
}

/// Every member's token record (one read each: for `statusinator tokens`).
pub fn list_members(store: &dyn Store) -> Result<Vec<MemberToken>> {
    let listed = store.list(TOKENS_PREFIX)?;
    let read = crate::parallel::map(&listed, 16, |l| -> Result<Option<MemberToken>> {
        match store.get(&l.key)? {
            None => Ok(None),
            Some(bytes) => parse(&bytes, &store.location(&l.key)).map(Some),
        }
    });
    let mut out = Vec::new();
    for record in read {
        out.extend(record?);
    }
    out.sort_by(|a, b| (&a.team, &a.user).cmp(&(&b.team, &b.user)));
    Ok(out)
}

/// A workspace's installation, if it was installed with a bot.
pub fn load_installation(store: &dyn Store, team: &str) -> Result<Option<Installation>> {
    let key = installation_key(team);
    match store.get(&key)? {
        None => Ok(None),
        Some(bytes) => parse(&bytes, &store.location(&key)).map(Some),
    }
}

pub fn save_installation(store: &dyn Store, record: &Installation) -> Result<()> {
    let key = installation_key(&record.team);
    store
        .put(&key, &to_json(record), "application/json")
        .with_context(|| format!("storing the installation of {}", record.team))
}

/// Every workspace's installation.
pub fn list_installations(store: &dyn Store) -> Result<Vec<Installation>> {
    let mut out: Vec<Installation> = Vec::new();
    for listed in store.list(INSTALLATIONS_PREFIX)? {
        if let Some(bytes) = store.get(&listed.key)? {
            out.push(parse(&bytes, &store.location(&listed.key))?);
        }
    }
    out.sort_by(|a, b| a.team.cmp(&b.team));
    Ok(out)
}

/// Marks a state as used; `false` when it was used before (on this replica or another): the
/// create is conditional, so of two uses at once one wins.
pub fn use_state_once(store: &dyn Store, nonce: &str, now: u64) -> Result<bool> {
    let key = format!("oauth/used/{nonce}");
    let mut fresh = false;
    store.update(&key, "text/plain", &mut |current| {
        if current.is_some() {
            fresh = false;
            return Ok(None);
        }
        fresh = true;
        Ok(Some(now.to_string().into_bytes()))
    })?;
    Ok(fresh)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::LocalStore;

    fn record(key: &SealKey, team: &str, user: &str, token: &str) -> MemberToken {
        let user = UserId::parse(user).unwrap();
        MemberToken {
            access: key.seal(&member_binding(team, &user, "access"), token.as_bytes()),
            refresh: None,
            team: team.to_owned(),
            team_name: "Acme".into(),
            user,
            scopes: "users.profile:read,users.profile:write".into(),
            expires_at: None,
            connected_at: 1,
            connection: Connection::Connected,
            refreshing: None,
            reminded_at: None,
        }
    }

    #[test]
    fn a_stored_token_is_sealed_and_opens_only_where_it_belongs() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().to_path_buf());
        let key = SealKey::parse(&SealKey::generate()).unwrap();
        let ana = record(&key, "T1", "U0ANA0001", "xoxp-ana-secret-1");
        save_member(&store, &ana).unwrap();
        let raw = store.get(&member_key(&ana.user)).unwrap().unwrap();
        assert!(!String::from_utf8_lossy(&raw).contains("ana-secret"));
        let loaded = load_member(&store, &ana.user).unwrap().unwrap();
        assert_eq!(
            loaded.open_access(&key).unwrap().expose(),
            "xoxp-ana-secret-1"
        );

        // Ana's sealed token copied into Ben's record does not open as Ben's.
        let mut stolen = record(&key, "T1", "U0BEN0002", "xoxp-ben");
        stolen.access = loaded.access.clone();
        save_member(&store, &stolen).unwrap();
        let ben = load_member(&store, &stolen.user).unwrap().unwrap();
        assert_eq!(ben.open_access(&key), Err(OpenError::Damaged));

        assert_eq!(list_members(&store).unwrap().len(), 2);
        assert!(forget_member(&store, &ana.user).unwrap());
        assert!(!forget_member(&store, &ana.user).unwrap());
        assert_eq!(list_members(&store).unwrap().len(), 1);
    }

    #[test]
    fn a_state_is_used_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().to_path_buf());
        assert!(use_state_once(&store, "abc", 1).unwrap());
        assert!(!use_state_once(&store, "abc", 2).unwrap());
        assert!(use_state_once(&store, "abd", 2).unwrap());
    }
}
