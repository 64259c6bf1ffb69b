//! Tokens that members connected through Slack's OAuth, kept in the store, sealed (see
//! [`super::seal`]):
//!
//! ```text
//! tokens/<hh>/<user_id>/<team_id>.json   a member's user token (and refresh token) in one
//!                                         workspace, one object each
//! installations/<team_id>.json   a workspace's bot token, from the install that added the bot
//! oauth/used/<nonce>             an OAuth state already used (so it is used once, on any replica)
//! oauth/outcomes/<nonce>         how a connection ended, for the replica the browser asks next
//! ```
//!
//! A record holds what may be shown (workspace, member, scopes, expiry, connection state) in
//! the clear, and the tokens only sealed, bound to the workspace and member. A record is read
//! only in its own place: one whose workspace or member differ from its key's is refused by name
//! before anything in it is opened, so a record copied to another member's place never acts for
//! them. A member connected in two workspaces has two records. Writing one member's token
//! touches only their object. Records of the earlier layout (`tokens/<hh>/<user_id>.json`) are
//! moved into place the first time they are read.

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
    /// The Enterprise Grid organization the installation is in (the same as `team` for an
    /// org-wide install), when Slack said so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enterprise: Option<String>,
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
    /// Who installed it; `None` once they were forgotten (the workspace keeps its bot).
    #[serde(
        rename = "installedBy",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub installed_by: Option<UserId>,
    /// For an org-wide install (`E…`): the workspaces the organization granted the app to, as
    /// last heard (`auth.teams.list`, `team_access_granted`, `team_access_revoked`); `None`
    /// until heard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspaces: Option<Vec<String>>,
}

impl Installation {
    /// Whether it is an organization's (an org-wide install), not a workspace's.
    pub fn is_org(&self) -> bool {
        self.team.starts_with('E')
    }
}

/// What a sealed member token is bound to: it opens only as this member's, in this workspace.
pub fn member_binding(team: &str, user: &UserId, what: &str) -> String {
    format!("statusinator/v1/member/{team}/{user}/{what}")
}

/// What a sealed bot token is bound to.
pub fn installation_binding(team: &str, what: &str) -> String {
    format!("statusinator/v1/installation/{team}/{what}")
}

/// Where a member's token records (one per workspace) live.
pub fn member_prefix(user: &UserId) -> String {
    let digest = Sha256::digest(user.as_str().as_bytes());
    format!("{TOKENS_PREFIX}{:02x}/{user}/", digest[0])
}

/// The key of a member's token record in a workspace.
pub fn member_key(team: &str, user: &UserId) -> String {
    format!("{}{team}.json", member_prefix(user))
}

/// The key of a member's record in the earlier layout (one per member, whatever the workspace).
fn legacy_member_key(user: &UserId) -> String {
    format!("{}.json", member_prefix(user).trim_end_matches('/'))
}

/// The member and workspace a record's key names: `(user, Some(team))`, or `(user, None)` for
/// the earlier layout.
fn place_of(key: &str) -> Option<(UserId, Option<String>)> {
    let rest = key.strip_prefix(TOKENS_PREFIX)?.split_once('/')?.1;
    match rest.split_once('/') {
        Some((user, team)) => Some((
            UserId::parse(user).ok()?,
            Some(team.strip_suffix(".json")?.to_owned()).filter(|t| is_team_id(t)),
        ))
        .filter(|(_, team)| team.is_some()),
        None => Some((UserId::parse(rest.strip_suffix(".json")?).ok()?, None)),
    }
}

/// A workspace ID as Slack makes them (`T…`, `E…` for an organization): letters and digits.
fn is_team_id(team: &str) -> bool {
    !team.is_empty() && team.len() <= 32 && team.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A record, refused unless it is in its own place: the member (and, in this layout, the
/// workspace) its key names.
fn parse_member(bytes: &[u8], store: &dyn Store, key: &str) -> Result<MemberToken> {
    let location = store.location(key);
    let record: MemberToken = parse(bytes, &location)?;
    let misplaced = match place_of(key) {
        Some((user, team)) => user != record.user || team.is_some_and(|team| team != record.team),
        None => true,
    };
    if misplaced {
        return Err(crate::exit::UsageError::new(format!(
            "{location} holds the token of {} in {}, not of the member and workspace its \
             place names: it is not used; remove it, and have the member connect again",
            record.user, record.team
        ))
        .into());
    }
    Ok(record)
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

/// A member's token record in a workspace, if they connected there.
pub fn load_member(store: &dyn Store, team: &str, user: &UserId) -> Result<Option<MemberToken>> {
    let key = member_key(team, user);
    match store.get(&key)? {
        None => Ok(None),
        Some(bytes) => parse_member(&bytes, store, &key).map(Some),
    }
}

/// Every workspace's record of a member, by workspace; a record of the earlier layout is moved
/// into place first.
pub fn member_records(store: &dyn Store, user: &UserId) -> Result<Vec<MemberToken>> {
    move_legacy(store, user)?;
    let mut out = Vec::new();
    for listed in store.list(&member_prefix(user))? {
        if let Some(bytes) = store.get(&listed.key)? {
            out.push(parse_member(&bytes, store, &listed.key)?);
        }
    }
    out.sort_by(|a, b| a.team.cmp(&b.team));
    Ok(out)
}

/// Moves a member's record of the earlier layout to its place in this one (unless a record is
/// there already: it is newer), then removes the old object.
fn move_legacy(store: &dyn Store, user: &UserId) -> Result<()> {
    let old = legacy_member_key(user);
    let Some(bytes) = store.get(&old)? else {
        return Ok(());
    };
    let record = parse_member(&bytes, store, &old)?;
    let key = member_key(&record.team, user);
    store
        .update(&key, "application/json", &mut |current| {
            Ok(current.is_none().then(|| bytes.clone()))
        })
        .with_context(|| format!("moving {} into place", store.location(&old)))?;
    store.delete(&old)?;
    log::info!(
        "moved the token record of {user} to {}",
        store.location(&key)
    );
    Ok(())
}

/// Writes a member's token record, replacing what was there.
pub fn save_member(store: &dyn Store, record: &MemberToken) -> Result<()> {
    let key = member_key(&record.team, &record.user);
    let bytes = to_json(record);
    store
        .update(&key, "application/json", &mut |_| Ok(Some(bytes.clone())))
        .with_context(|| format!("storing the token of {}", record.user))?;
    Ok(())
}

/// Changes a member's token record in a workspace without losing a concurrent change; `change`
/// says whether it changed anything. Nothing happens when there is no record.
pub fn update_member(
    store: &dyn Store,
    team: &str,
    user: &UserId,
    change: &mut dyn FnMut(&mut MemberToken) -> Result<bool>,
) -> Result<()> {
    let key = member_key(team, user);
    store.update(&key, "application/json", &mut |current| {
        let Some(bytes) = current else {
            return Ok(None);
        };
        let mut record = parse_member(bytes, store, &key)?;
        if change(&mut record)? {
            Ok(Some(to_json(&record)))
        } else {
            Ok(None)
        }
    })?;
    Ok(())
}

/// Removes a member's token record in a workspace; returns whether there was one.
pub fn forget_member(store: &dyn Store, team: &str, user: &UserId) -> Result<bool> {
    let key = member_key(team, user);
    let existed = store.exists(&key)?;
    store.delete(&key)?;
    Ok(existed)
}

/// Removes every token record of a member, in every workspace (and of the earlier layout);
/// returns how many there were.
pub fn forget_all_of(store: &dyn Store, user: &UserId) -> Result<usize> {
    let mut keys: Vec<String> = store
        .list(&member_prefix(user))?
        .into_iter()
        .map(|l| l.key)
        .collect();
    let old = legacy_member_key(user);
    if store.exists(&old)? {
        keys.push(old);
    }
    for key in &keys {
        store.delete(key)?;
    }
    Ok(keys.len())
}

/// Every member's token records that can be read, and the ones that cannot, by name.
#[derive(Debug, Default)]
pub struct Listing {
    pub records: Vec<MemberToken>,
    /// Each unreadable record: where it is, and why (it is skipped; the rest go on).
    pub unreadable: Vec<String>,
}

/// Every member's token record (one read each). A record that cannot be read (damaged,
/// misplaced) is named in [`Listing::unreadable`] and skipped; the rest are listed.
pub fn list_members(store: &dyn Store) -> Result<Listing> {
    let listed = store.list(TOKENS_PREFIX)?;
    let read = crate::parallel::map(&listed, 16, |l| -> Result<Option<MemberToken>> {
        match store.get(&l.key)? {
            None => Ok(None),
            Some(bytes) => parse_member(&bytes, store, &l.key).map(Some),
        }
    });
    let mut out = Listing::default();
    for record in read {
        match record {
            Ok(record) => out.records.extend(record),
            Err(err) => {
                log::warn!("{err:#}");
                out.unreadable.push(format!("{err:#}"));
            }
        }
    }
    out.records
        .sort_by(|a, b| (&a.team, &a.user).cmp(&(&b.team, &b.user)));
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

/// Changes an installation's record (nothing when there is none); `change` says whether it
/// changed anything.
pub fn update_installation(
    store: &dyn Store,
    team: &str,
    change: &mut dyn FnMut(&mut Installation) -> bool,
) -> Result<()> {
    let key = installation_key(team);
    store
        .update(&key, "application/json", &mut |current| {
            let Some(bytes) = current else {
                return Ok(None);
            };
            let mut record: Installation = parse(bytes, &store.location(&key))?;
            Ok(change(&mut record).then(|| to_json(&record)))
        })
        .with_context(|| format!("updating the installation of {team}"))?;
    Ok(())
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

/// Where used OAuth states are marked.
pub const USED_STATES_PREFIX: &str = "oauth/used/";
/// How connections ended (a page to show), kept until their state expires: a browser asking
/// another replica than the one that connected it is shown it too.
pub const OUTCOMES_PREFIX: &str = "oauth/outcomes/";

/// Marks a state as used (`used`: `<expires>.<nonce>`, from [`crate::oauth::OAuth::check_state`]);
/// `false` when it was used before (on this replica or another): the create is conditional, so
/// of two uses at once one wins.
pub fn use_state_once(store: &dyn Store, used: &str, now: u64) -> Result<bool> {
    let key = format!("{USED_STATES_PREFIX}{used}");
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

/// Removes the marks of used states, and the outcomes of connections, whose state has expired
/// (an expired state is refused anyway); returns how many went.
pub fn sweep_used_states(store: &dyn Store, now: u64) -> Result<usize> {
    let mut removed = 0;
    for prefix in [USED_STATES_PREFIX, OUTCOMES_PREFIX] {
        for listed in store.list(prefix)? {
            let expires = listed
                .key
                .strip_prefix(prefix)
                .and_then(|rest| rest.split_once('.'))
                .and_then(|(expires, _)| expires.parse::<u64>().ok());
            // A mark of the earlier layout (no expiry in its name) is at most as useful.
            if expires.is_none_or(|at| at < now) {
                store.delete(&listed.key)?;
                removed += 1;
            }
        }
    }
    Ok(removed)
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
            enterprise: None,
        }
    }

    #[test]
    fn a_stored_token_is_sealed_and_opens_only_where_it_belongs() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().to_path_buf());
        let key = SealKey::parse(&SealKey::generate()).unwrap();
        let ana = record(&key, "T1", "U0ANA0001", "xoxp-ana-secret-1");
        save_member(&store, &ana).unwrap();
        let raw = store.get(&member_key("T1", &ana.user)).unwrap().unwrap();
        assert!(!String::from_utf8_lossy(&raw).contains("ana-secret"));
        let loaded = load_member(&store, "T1", &ana.user).unwrap().unwrap();
        assert_eq!(
            loaded.open_access(&key).unwrap().expose(),
            "xoxp-ana-secret-1"
        );

        // Ana's sealed token copied into Ben's record does not open as Ben's.
        let mut stolen = record(&key, "T1", "U0BEN0002", "xoxp-ben");
        stolen.access = loaded.access.clone();
        save_member(&store, &stolen).unwrap();
        let ben = load_member(&store, "T1", &stolen.user).unwrap().unwrap();
        assert_eq!(ben.open_access(&key), Err(OpenError::Damaged));

        // Ana's whole record copied to Cid's place (or another workspace's): refused by name,
        // never opened.
        let cid = UserId::parse("U0CID0003").unwrap();
        store
            .put(&member_key("T1", &cid), &raw, "application/json")
            .unwrap();
        store
            .put(&member_key("T2", &ana.user), &raw, "application/json")
            .unwrap();
        let err = load_member(&store, "T1", &cid).unwrap_err().to_string();
        assert!(
            err.contains("not of the member and workspace its place names"),
            "{err}"
        );
        assert!(err.contains("U0CID0003"), "names the place: {err}");
        assert!(load_member(&store, "T2", &ana.user).is_err());

        // Listing skips the misplaced ones by name and lists the rest.
        let listing = list_members(&store).unwrap();
        assert_eq!(listing.records.len(), 2);
        assert_eq!(listing.unreadable.len(), 2, "{:?}", listing.unreadable);

        assert!(forget_member(&store, "T1", &ana.user).unwrap());
        assert!(!forget_member(&store, "T1", &ana.user).unwrap());
        assert_eq!(list_members(&store).unwrap().records.len(), 1);
    }

    #[test]
    fn a_member_keeps_a_record_per_workspace_and_an_old_one_moves_into_place() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().to_path_buf());
        let key = SealKey::parse(&SealKey::generate()).unwrap();
        let first = record(&key, "T1", "U0ANA0001", "xoxp-ana-1");
        let second = record(&key, "T2", "U0ANA0001", "xoxp-ana-2");
        save_member(&store, &first).unwrap();
        save_member(&store, &second).unwrap();
        let both = member_records(&store, &first.user).unwrap();
        assert_eq!(both.len(), 2);
        assert_eq!(both[1].open_access(&key).unwrap().expose(), "xoxp-ana-2");

        // A record of the earlier layout (one per member) moves to its workspace's place.
        let ben = record(&key, "T1", "U0BEN0002", "xoxp-ben");
        store
            .put(
                &legacy_member_key(&ben.user),
                &to_json(&ben),
                "application/json",
            )
            .unwrap();
        let moved = member_records(&store, &ben.user).unwrap();
        assert_eq!(moved.len(), 1);
        assert!(store.get(&legacy_member_key(&ben.user)).unwrap().is_none());
        assert!(load_member(&store, "T1", &ben.user).unwrap().is_some());
        assert_eq!(forget_all_of(&store, &first.user).unwrap(), 2);
    }

    #[test]
    fn a_state_is_used_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().to_path_buf());
        assert!(use_state_once(&store, "100.abc", 1).unwrap());
        assert!(!use_state_once(&store, "100.abc", 2).unwrap());
        assert!(use_state_once(&store, "200.abd", 2).unwrap());
        // Once expired, the marks go.
        assert_eq!(sweep_used_states(&store, 150).unwrap(), 1);
        assert_eq!(store.list(USED_STATES_PREFIX).unwrap().len(), 1);
    }
}
