//! The one Slack Web API client. Tokens go only in the `Authorization` header; every call is paced
//! per method to its tier, waits out HTTP 429 `Retry-After` (and `"error":"ratelimited"` on a
//! 200), retries 5xx and network failures with capped, jittered backoff, and fails at once, with
//! advice, on errors that retrying cannot fix.

mod error;
mod methods;
mod model;
pub mod oauth;
mod pacing;
mod stats;
pub mod token;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use reqwest::blocking::{multipart, Client, RequestBuilder};
use reqwest::StatusCode;
use serde_json::Value;

pub use error::{Fix, SlackError};
pub use model::{null_as_default, Identity, Member, Profile};
pub use pacing::Pacer;
pub use stats::SlackStats;

use crate::exit::UsageError;
pub use token::{Token, TokenSource};

/// The app's OAuth client credentials (`SLACK_CLIENT_ID`, `SLACK_CLIENT_SECRET`).
#[derive(Debug, Clone)]
pub struct ClientCredentials {
    pub id: String,
    pub secret: crate::secret::SecretString,
}

/// What a call authenticates with.
#[derive(Debug, Clone, Copy)]
enum Auth<'a> {
    /// A token, as `Authorization: Bearer`.
    Bearer(&'a Token),
    /// The app's client credentials, as HTTP Basic (`oauth.v2.access`).
    Client(&'a ClientCredentials),
}

impl Auth<'_> {
    /// The workspace whose tiers the call counts against (`""` when not known).
    fn team(&self) -> &str {
        match self {
            Auth::Bearer(token) => token.team.as_deref().unwrap_or(""),
            Auth::Client(_) => "",
        }
    }

    /// Which credentials, for messages (never the secret).
    fn describe(&self) -> String {
        match self {
            Auth::Bearer(token) => token.source.to_string(),
            Auth::Client(_) => {
                "the app's client credentials (SLACK_CLIENT_ID, SLACK_CLIENT_SECRET)".to_owned()
            }
        }
    }
}

/// The Web API methods statusinator calls, with their rate-limit tiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    AuthTest,
    AuthRevoke,
    ProfileGet,
    ProfileSet,
    SetPhoto,
    UsersList,
    OAuthAccess,
    PostMessage,
    DeletePhoto,
    ViewsPublish,
    ViewsOpen,
    ViewsUpdate,
    AppsConnectionsOpen,
    EmojiList,
    AuthTeamsList,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::AuthTest => "auth.test",
            Method::AuthRevoke => "auth.revoke",
            Method::ProfileGet => "users.profile.get",
            Method::ProfileSet => "users.profile.set",
            Method::SetPhoto => "users.setPhoto",
            Method::UsersList => "users.list",
            Method::OAuthAccess => "oauth.v2.access",
            Method::PostMessage => "chat.postMessage",
            Method::DeletePhoto => "users.deletePhoto",
            Method::ViewsPublish => "views.publish",
            Method::ViewsOpen => "views.open",
            Method::ViewsUpdate => "views.update",
            Method::AppsConnectionsOpen => "apps.connections.open",
            Method::EmojiList => "emoji.list",
            Method::AuthTeamsList => "auth.teams.list",
        }
    }

    /// Calls a minute Slack's tier allows: tier 2 is 20, tier 3 is 50, tier 4 is 100.
    pub fn per_minute(self) -> u32 {
        match self {
            Method::SetPhoto | Method::UsersList | Method::DeletePhoto | Method::EmojiList => 20,
            Method::ProfileSet => 50,
            Method::ProfileGet
            | Method::AuthTest
            | Method::AuthRevoke
            | Method::OAuthAccess
            | Method::ViewsPublish
            | Method::ViewsOpen
            | Method::ViewsUpdate
            | Method::AuthTeamsList => 100,
            // Slack allows about one message a second to a channel.
            Method::PostMessage => 60,
            // Tier 1 ("1+ a minute", bursts allowed): a few connections at start, then one per
            // refresh every few hours; a 429 is honoured like any other.
            Method::AppsConnectionsOpen => 10,
        }
    }
}

/// How hard the client tries before giving up.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts for 5xx, network errors and transient error codes.
    pub attempts: u32,
    /// First backoff; it doubles, with jitter, up to `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// Rate-limit waits a call may sit through before giving up.
    pub rate_limit_waits: u32,
    /// The longest single rate-limit wait.
    pub max_rate_limit_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 5,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            rate_limit_waits: 10,
            max_rate_limit_wait: Duration::from_secs(120),
        }
    }
}

/// The Slack Web API client.
#[derive(Debug)]
pub struct SlackClient {
    base: reqwest::Url,
    http: Client,
    pacer: Pacer,
    policy: RetryPolicy,
    stats: Arc<SlackStats>,
}

/// What one attempt came to.
enum Attempt {
    /// Slack's answer, and the token's scopes as its `x-oauth-scopes` header listed them.
    Done(Value, Option<String>),
    RateLimited(Option<Duration>),
    Transient(String),
}

impl SlackClient {
    /// A client for the Web API at `base_url` (`https://slack.com/api/` or a stand-in).
    pub fn new(base_url: &str, policy: RetryPolicy) -> anyhow::Result<Self> {
        let mut text = base_url.trim().to_owned();
        if !text.ends_with('/') {
            text.push('/');
        }
        let base = reqwest::Url::parse(&text)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.query().is_none())
            .ok_or_else(|| {
                UsageError::new(format!(
                    "the Slack API URL {base_url:?} is not an http(s) URL: use \
                     https://slack.com/api/ or your proxy's address"
                ))
            })?;
        let http = Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("statusinator/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(SlackClient {
            base,
            http,
            pacer: Pacer::default(),
            policy,
            stats: Arc::new(SlackStats::default()),
        })
    }

    /// This client paces with every process sharing `shared`'s Redis.
    pub fn shared_through(mut self, shared: crate::shared::Shared) -> Self {
        self.pacer = Pacer::new(shared);
        self
    }

    /// The process's Redis link, when `--redis-url` is set.
    pub fn link(&self) -> Option<&Arc<crate::shared::Link>> {
        self.pacer.link()
    }

    /// The Web API base (`--slack-api-url`).
    pub fn base(&self) -> &reqwest::Url {
        &self.base
    }

    pub fn stats(&self) -> Arc<SlackStats> {
        self.stats.clone()
    }

    /// Makes one call with every retry and wait it deserves.
    fn call(
        &self,
        method: Method,
        auth: Auth<'_>,
        build: &dyn Fn(Call<'_>) -> RequestBuilder,
    ) -> Result<Value, SlackError> {
        self.call_while(method, auth, build, &|| true)
    }

    /// [`SlackClient::call`], asking `go_on` before each attempt (the first, and each after a
    /// wait): once it says no, nothing more is sent and the call fails as unavailable.
    fn call_while(
        &self,
        method: Method,
        auth: Auth<'_>,
        build: &dyn Fn(Call<'_>) -> RequestBuilder,
        go_on: &dyn Fn() -> bool,
    ) -> Result<Value, SlackError> {
        self.call_full(method, auth, build, go_on)
            .map(|(value, _)| value)
    }

    /// [`SlackClient::call_while`], with the `x-oauth-scopes` header of the answer.
    fn call_full(
        &self,
        method: Method,
        auth: Auth<'_>,
        build: &dyn Fn(Call<'_>) -> RequestBuilder,
        go_on: &dyn Fn() -> bool,
    ) -> Result<(Value, Option<String>), SlackError> {
        let url = self
            .base
            .join(method.name())
            .expect("method names are URL paths");
        let mut failures = 0u32;
        let mut rate_limited = 0u32;
        loop {
            let turn = self.pacer.acquire(auth.team(), method);
            if !go_on() {
                self.pacer.finished(auth.team(), method, turn);
                return Err(SlackError::Unavailable {
                    method: method.name(),
                    attempts: failures + rate_limited,
                    last: "given up before sending again: the claim on this work was lost"
                        .to_owned(),
                });
            }
            let request = build(Call {
                http: &self.http,
                url: url.clone(),
            });
            let request = match auth {
                Auth::Bearer(token) => request.bearer_auth(token.secret.expose()),
                Auth::Client(client) => {
                    request.basic_auth(&client.id, Some(client.secret.expose()))
                }
            };
            let attempt = self.attempt(method, auth, request);
            self.pacer.finished(auth.team(), method, turn);
            match attempt? {
                Attempt::Done(value, scopes) => return Ok((value, scopes)),
                Attempt::RateLimited(retry_after) => {
                    rate_limited += 1;
                    if rate_limited > self.policy.rate_limit_waits {
                        return Err(SlackError::Unavailable {
                            method: method.name(),
                            attempts: rate_limited,
                            last: "still rate-limited".to_owned(),
                        });
                    }
                    // Slack's wait when it gives one; else 1 s, doubling.
                    let wait = retry_after
                        .unwrap_or_else(|| Duration::from_secs(1 << (rate_limited - 1).min(6)))
                        .min(self.policy.max_rate_limit_wait);
                    log::info!(
                        "{} is rate-limited; waiting {} s as Slack asks",
                        method.name(),
                        wait.as_secs_f64()
                    );
                    self.stats.rate_limit_waits.fetch_add(1, Ordering::Relaxed);
                    self.stats
                        .rate_limit_wait_millis
                        .fetch_add(wait.as_millis() as u64, Ordering::Relaxed);
                    self.pacer.pause(auth.team(), method, wait);
                }
                Attempt::Transient(reason) => {
                    failures += 1;
                    if failures >= self.policy.attempts {
                        return Err(SlackError::Unavailable {
                            method: method.name(),
                            attempts: failures,
                            last: reason,
                        });
                    }
                    let ceiling = self
                        .policy
                        .base_backoff
                        .saturating_mul(1 << (failures - 1).min(16))
                        .min(self.policy.max_backoff);
                    let wait = ceiling.mul_f64(0.5 + fastrand::f64() / 2.0);
                    log::warn!(
                        "{} failed ({reason}); trying again in {:.1} s",
                        method.name(),
                        wait.as_secs_f64()
                    );
                    std::thread::sleep(wait);
                }
            }
        }
    }

    fn attempt(
        &self,
        method: Method,
        auth: Auth<'_>,
        request: RequestBuilder,
    ) -> Result<Attempt, SlackError> {
        let response = match request.send() {
            Ok(response) => response,
            Err(err) => {
                self.stats.count(method, "network".to_owned());
                return Ok(Attempt::Transient(crate::net::describe(&err)));
            }
        };
        let status = response.status();
        self.stats.count(method, status.as_u16().to_string());
        let scopes = response
            .headers()
            .get("x-oauth-scopes")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64);
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Ok(Attempt::RateLimited(retry_after));
        }
        if status.is_server_error() {
            return Ok(Attempt::Transient(format!("HTTP {status}")));
        }
        let body = match response.bytes() {
            Ok(body) => body,
            Err(err) => return Ok(Attempt::Transient(crate::net::describe(&err))),
        };
        let value: Value = serde_json::from_slice(&body).map_err(|_| SlackError::Protocol {
            method: method.name(),
            detail: format!("HTTP {status}, not JSON; check --slack-api-url"),
        })?;
        if value.get("ok").and_then(Value::as_bool) == Some(true) {
            return Ok(Attempt::Done(value, scopes));
        }
        let code = value
            .get("error")
            .and_then(Value::as_str)
            .unwrap_or(if status.is_success() {
                "unknown_error"
            } else {
                status.canonical_reason().unwrap_or("http_error")
            })
            .to_owned();
        if code == "ratelimited" {
            return Ok(Attempt::RateLimited(retry_after));
        }
        if error::is_transient(&code) {
            return Ok(Attempt::Transient(code));
        }
        Err(SlackError::Api {
            method: method.name(),
            needed: value
                .get("needed")
                .and_then(Value::as_str)
                .map(str::to_owned),
            code,
            token: auth.describe(),
        })
    }
}

/// A request being built for one method's URL.
struct Call<'a> {
    http: &'a Client,
    url: reqwest::Url,
}

impl Call<'_> {
    fn post_json(self, body: &Value) -> RequestBuilder {
        self.http
            .post(self.url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/json; charset=utf-8",
            )
            .body(body.to_string())
    }

    fn post_form(self, form: &[(&str, &str)]) -> RequestBuilder {
        self.http.post(self.url).form(form)
    }

    fn get_query(self, query: &[(&str, &str)]) -> RequestBuilder {
        self.http.get(self.url).query(query)
    }

    fn post_multipart(self, form: multipart::Form) -> RequestBuilder {
        self.http.post(self.url).multipart(form)
    }
}

/// A field of an answer; absent or `null` is its default.
fn parse_field<T: serde::de::DeserializeOwned + Default>(
    method: Method,
    mut value: Value,
    name: &str,
) -> Result<T, SlackError> {
    match value.get_mut(name).map(Value::take) {
        None | Some(Value::Null) => Ok(T::default()),
        Some(field) => parse(method, field),
    }
}

fn parse<T: serde::de::DeserializeOwned>(method: Method, value: Value) -> Result<T, SlackError> {
    serde_json::from_value(value).map_err(|err| SlackError::Protocol {
        method: method.name(),
        detail: err.to_string(),
    })
}
