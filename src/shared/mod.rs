//! What every process of one deployment shares through Redis (`--redis-url`): Slack's budget
//! (one limiter per workspace or organization and method, see [`limiter`]) and notices of
//! changes (see [`notices`]). Without Redis a process paces alone and checks the store itself.
//!
//! Redis failing is not the product failing: a command that does not answer within
//! [`ANSWER_WITHIN`] marks the link down, the process goes on alone (the pacer at a safe share of
//! each limit), says so once in the log and shows it in `/healthz`, `/metrics` and `doctor`, and
//! tries again every [`RETRY_EVERY`]. The link is one connection per process, held only for one
//! command's round trip; whichever thread finds a retry due makes it, the others go on alone
//! meanwhile.

pub mod limiter;
pub mod notices;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context as _, Result};

use crate::exit::UsageError;
use crate::secret::SecretString;

/// A Redis command that takes longer than this counts as Redis failing.
pub const ANSWER_WITHIN: Duration = Duration::from_millis(50);
/// Connecting may take a little longer (a TLS handshake).
const CONNECT_WITHIN: Duration = Duration::from_millis(500);
/// How often a process whose link is down tries Redis again.
pub const RETRY_EVERY: Duration = Duration::from_secs(1);

/// `--redis-url` and what goes with it, checked.
#[derive(Clone)]
pub struct RedisSettings {
    info: redis::ConnectionInfo,
    /// The CA that signed a `rediss://` server's certificate, when not a public one (PEM).
    ca: Option<Vec<u8>>,
    /// The URL without its password, for messages.
    shown: String,
}

impl std::fmt::Debug for RedisSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

impl RedisSettings {
    /// Parses `redis://[user[:password]@]host[:port][/db]` or `rediss://…` (TLS), with the
    /// password from `password_file` when given (one line; the URL's own then must be empty).
    pub fn parse(url: &str, password_file: Option<&std::path::Path>) -> Result<RedisSettings> {
        Self::parse_with(url, password_file, None)
    }

    /// [`RedisSettings::parse`], trusting the CA in `ca_file` (PEM) for a `rediss://` server.
    pub fn parse_with(
        url: &str,
        password_file: Option<&std::path::Path>,
        ca_file: Option<&std::path::Path>,
    ) -> Result<RedisSettings> {
        let trimmed = url.trim();
        let parsed = url::Url::parse(trimmed).ok();
        let shown = parsed.as_ref().map_or_else(
            || "the Redis URL".to_owned(),
            |u| {
                let mut u = u.clone();
                if u.password().is_some() {
                    let _ = u.set_password(Some("(redacted)"));
                }
                u.to_string()
            },
        );
        let Some(parsed) = parsed.filter(|u| matches!(u.scheme(), "redis" | "rediss")) else {
            return Err(UsageError::new(format!(
                "{shown} is not a Redis URL: give --redis-url (STATUSINATOR_REDIS_URL) as \
                 redis://host:6379 or rediss://host:6380 (TLS), with /DB to pick a database"
            ))
            .into());
        };
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(
                UsageError::new(format!("{shown} names no host: use redis://host:6379")).into(),
            );
        }
        let mut info = redis::IntoConnectionInfo::into_connection_info(parsed.clone())
            .map_err(|err| UsageError::new(format!("{shown} is not a usable Redis URL: {err}")))?;
        if let Some(path) = password_file {
            if parsed.password().is_some() {
                return Err(UsageError::new(format!(
                    "{shown} has a password and --redis-password-file gives another: keep one"
                ))
                .into());
            }
            let password = read_password(path)?;
            let redis = info
                .redis_settings()
                .clone()
                .set_password(password.expose());
            info = info.set_redis_settings(redis);
        }
        let ca = match ca_file {
            None => None,
            Some(_) if parsed.scheme() != "rediss" => {
                return Err(UsageError::new(format!(
                    "--redis-ca-file is for a TLS server, and {shown} is not one: use rediss://"
                ))
                .into())
            }
            Some(path) => Some(read_ca(path)?),
        };
        Ok(RedisSettings { info, ca, shown })
    }

    /// The URL as messages show it (no password).
    pub fn shown(&self) -> &str {
        &self.shown
    }
}

fn read_ca(path: &std::path::Path) -> Result<Vec<u8>> {
    let pem = std::fs::read(path).map_err(|err| {
        UsageError::new(format!(
            "cannot read the Redis CA file {}: {err}; give --redis-ca-file the PEM file of the \
             CA that signed the Redis server's certificate",
            path.display()
        ))
    })?;
    if !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
        return Err(UsageError::new(format!(
            "the Redis CA file {} holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
            path.display()
        ))
        .into());
    }
    Ok(pem)
}

fn read_password(path: &std::path::Path) -> Result<SecretString> {
    let text = std::fs::read_to_string(path).map_err(|err| {
        UsageError::new(format!(
            "cannot read the Redis password file {}: {err}; give --redis-password-file a \
             readable file holding the password on one line",
            path.display()
        ))
    })?;
    let password = text.trim_end_matches(['\n', '\r']);
    if password.is_empty() || password.contains('\n') {
        return Err(UsageError::new(format!(
            "the Redis password file {} should hold the password on one line",
            path.display()
        ))
        .into());
    }
    Ok(SecretString::new(password))
}

/// How the link stands, for `/healthz`, `/metrics` and `doctor`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LinkHealth {
    /// The URL without its password.
    pub url: String,
    /// Whether Redis answered its last command in time.
    pub up: bool,
    /// Since when (Unix seconds) it has been as it is.
    pub since: u64,
    /// Why it is down, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Times Redis stopped answering since start.
    pub outages: u64,
}

#[derive(Debug)]
struct State {
    up: bool,
    /// The link was up once: a later connection is a return.
    ever_up: bool,
    /// This outage is in the log already.
    told: bool,
    since: SystemTime,
    reason: Option<String>,
    next_try: Instant,
}

/// One process's link to Redis: one connection, its health, and the keys' namespace.
pub struct Link {
    client: redis::Client,
    shown: String,
    /// Prefix of every key and channel: one deployment (one store) per namespace.
    namespace: String,
    conn: Mutex<Option<redis::Connection>>,
    state: Mutex<State>,
    /// Fast path for readers: the link answered last time.
    up: AtomicBool,
    outages: AtomicU64,
    /// Bumped each time the link comes back after being down (see [`Link::rejoined`]).
    epoch: AtomicU64,
    /// Whether Redis had lost its keys when the link last came back (restarted empty).
    lost: AtomicBool,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link")
            .field("url", &self.shown)
            .field("namespace", &self.namespace)
            .finish()
    }
}

impl Link {
    /// A link for the deployment whose store is `store` (its namespace in Redis). Connects at
    /// once; a Redis that does not answer yet leaves the link down, to be tried again.
    pub fn new(settings: &RedisSettings, store: &str) -> Result<Link> {
        let client = match &settings.ca {
            None => redis::Client::open(settings.info.clone()),
            Some(ca) => redis::Client::build_with_tls(
                settings.info.clone(),
                redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(ca.clone()),
                },
            ),
        }
        .map_err(|err| UsageError::new(format!("{}: {err}", settings.shown)))
        .with_context(|| format!("opening {}", settings.shown))?;
        let link = Link {
            client,
            shown: settings.shown.clone(),
            namespace: namespace_of(store),
            conn: Mutex::new(None),
            state: Mutex::new(State {
                up: false,
                ever_up: false,
                told: false,
                since: SystemTime::now(),
                reason: Some("not connected yet".to_owned()),
                next_try: Instant::now(),
            }),
            up: AtomicBool::new(false),
            outages: AtomicU64::new(0),
            epoch: AtomicU64::new(0),
            lost: AtomicBool::new(false),
        };
        let _ = link.run(|_| Ok(()));
        Ok(link)
    }

    /// The URL as messages show it.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// A key (or channel) of this deployment: `statusinator:<namespace>:<name>`.
    pub fn key(&self, name: &str) -> String {
        format!("statusinator:{}:{name}", self.namespace)
    }

    /// Whether Redis answered its last command in time.
    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Acquire)
    }

    /// Counts the times the link came back after being down; with it, whether Redis had lost
    /// its keys then (a restart without persistence).
    pub fn rejoined(&self) -> (u64, bool) {
        (
            self.epoch.load(Ordering::Acquire),
            self.lost.load(Ordering::Acquire),
        )
    }

    pub fn health(&self) -> LinkHealth {
        let state = self.state.lock().expect("link lock");
        LinkHealth {
            url: self.shown.clone(),
            up: state.up,
            since: state
                .since
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            reason: state.reason.clone(),
            outages: self.outages.load(Ordering::Relaxed),
        }
    }

    /// Runs `command` on the connection, within [`ANSWER_WITHIN`]. `None` when Redis is down
    /// (and no retry is due, or the retry failed) or the command failed: the caller goes on
    /// alone. Never waits on another thread's retry.
    pub fn run<T>(
        &self,
        command: impl FnOnce(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> Option<T> {
        let mut conn = if self.is_up() {
            self.conn.lock().expect("link lock")
        } else {
            if Instant::now() < self.state.lock().expect("link lock").next_try {
                return None;
            }
            // Another thread is trying: go on alone meanwhile.
            self.conn.try_lock().ok()?
        };
        if conn.is_none() {
            match self.connect() {
                Ok(fresh) => *conn = Some(fresh),
                Err(err) => {
                    self.down(&err);
                    return None;
                }
            }
        }
        let result = command(conn.as_mut().expect("connected just now"));
        match result {
            Ok(value) => Some(value),
            Err(err) => {
                *conn = None;
                self.down(&err);
                None
            }
        }
    }

    /// Opens the connection, and marks the link up.
    fn connect(&self) -> redis::RedisResult<redis::Connection> {
        let mut conn = self.client.get_connection_with_timeout(CONNECT_WITHIN)?;
        conn.set_read_timeout(Some(ANSWER_WITHIN))?;
        conn.set_write_timeout(Some(ANSWER_WITHIN))?;
        // A key every process sets: missing, Redis has lost what the limiter kept.
        let fresh: bool = redis::cmd("SET")
            .arg(self.key("alive"))
            .arg(1)
            .arg("NX")
            .query::<Option<String>>(&mut conn)?
            .is_some();
        let mut state = self.state.lock().expect("link lock");
        if !state.up {
            if state.ever_up {
                log::warn!(
                    "Redis at {} answers again: Slack calls take their turns from it again",
                    self.shown
                );
            }
            self.lost.store(fresh, Ordering::Release);
            self.epoch.fetch_add(1, Ordering::AcqRel);
            state.up = true;
            state.ever_up = true;
            state.told = false;
            state.since = SystemTime::now();
            state.reason = None;
            self.up.store(true, Ordering::Release);
        }
        Ok(conn)
    }

    /// Marks the link down after `err` (logged once per outage).
    fn down(&self, err: &redis::RedisError) {
        let reason = describe(err);
        let mut state = self.state.lock().expect("link lock");
        state.next_try = Instant::now() + RETRY_EVERY;
        if !state.told {
            log::warn!(
                "Redis at {} is not answering ({reason}): pacing Slack calls alone at a safe \
                 share of each limit, and checking the store for changes, until it is back",
                self.shown
            );
            self.outages.fetch_add(1, Ordering::Relaxed);
            state.since = SystemTime::now();
            state.told = true;
        }
        state.up = false;
        state.reason = Some(reason);
        self.up.store(false, Ordering::Release);
    }

    /// A second connection, for a subscriber (which blocks on it).
    fn open_subscriber(&self, read_timeout: Duration) -> redis::RedisResult<redis::Connection> {
        let conn = self.client.get_connection_with_timeout(CONNECT_WITHIN)?;
        conn.set_read_timeout(Some(read_timeout))?;
        conn.set_write_timeout(Some(ANSWER_WITHIN))?;
        Ok(conn)
    }
}

/// What went wrong with Redis, in a few words (never the URL's password: Redis errors do not
/// carry it).
fn describe(err: &redis::RedisError) -> String {
    if err.is_timeout() {
        format!("no answer within {} ms", ANSWER_WITHIN.as_millis())
    } else if err.is_connection_refusal() {
        "connection refused".to_owned()
    } else {
        crate::redact::excerpt(&err.to_string())
    }
}

/// The namespace of one deployment: a short hash of its store, so replicas on one store share
/// their keys and two deployments on one Redis never meet.
fn namespace_of(store: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(store.as_bytes())[..6])
}

/// One deployment's link, or none: what every process gets from the settings.
#[derive(Debug, Clone, Default)]
pub struct Shared {
    pub link: Option<std::sync::Arc<Link>>,
    /// How many processes share Slack's budget when Redis is down (each takes 1/N).
    pub replicas: u32,
}

impl Shared {
    /// Each process's share of a limit when it paces alone: `per_minute / replicas`, at least 1.
    pub fn share_of(&self, per_minute: u32) -> u32 {
        (per_minute / self.replicas.max(1)).max(1)
    }
}

/// The store's name as every replica writes it, for the namespace: a local directory by its
/// absolute path.
pub fn store_identity(store: &crate::store::StoreUrl) -> String {
    match store {
        crate::store::StoreUrl::Local(path) => {
            let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
            format!("file://{}", path.display())
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_shows_without_its_password() {
        let settings = RedisSettings::parse("redis://:hunter2@127.0.0.1:6379/2", None).unwrap();
        assert_eq!(settings.shown(), "redis://:(redacted)@127.0.0.1:6379/2");
        assert!(!format!("{settings:?}").contains("hunter2"));
        let tls = RedisSettings::parse("rediss://app:pw@cache.example:6380", None).unwrap();
        assert_eq!(tls.shown(), "rediss://app:(redacted)@cache.example:6380");
    }

    #[test]
    fn a_wrong_url_names_the_fix() {
        for bad in ["http://127.0.0.1:6379", "127.0.0.1:6379", "redis://"] {
            let err = RedisSettings::parse(bad, None).unwrap_err().to_string();
            assert!(err.contains("redis://host:6379"), "{bad}: {err}");
        }
        let err = RedisSettings::parse("redis://:pw@x:99999", None).unwrap_err();
        assert!(!format!("{err:#}").contains("pw@"), "{err:#}");
    }

    #[test]
    fn a_password_file_gives_the_password() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("redis-password");
        std::fs::write(&file, "s3cret\n").unwrap();
        let settings = RedisSettings::parse("redis://127.0.0.1:6379", Some(&file)).unwrap();
        assert_eq!(settings.info.redis_settings().password(), Some("s3cret"));
        assert!(!format!("{settings:?}").contains("s3cret"));
        let both = RedisSettings::parse("redis://:pw@127.0.0.1:6379", Some(&file)).unwrap_err();
        assert!(both.to_string().contains("keep one"), "{both}");
        let missing = dir.path().join("nope");
        let err = RedisSettings::parse("redis://127.0.0.1", Some(&missing)).unwrap_err();
        assert!(err.to_string().contains("--redis-password-file"), "{err}");
    }

    #[test]
    fn each_store_has_its_namespace() {
        assert_eq!(namespace_of("s3://a/b"), namespace_of("s3://a/b"));
        assert_ne!(namespace_of("s3://a/b"), namespace_of("s3://a/c"));
        assert_eq!(namespace_of("s3://a/b").len(), 12);
    }

    #[test]
    fn alone_each_process_takes_its_share() {
        let shared = Shared {
            link: None,
            replicas: 3,
        };
        assert_eq!(shared.share_of(20), 6);
        assert_eq!(shared.share_of(2), 1);
    }
}
