//! A stand-in for Slack's Web API: a local HTTP server that enforces the documented rules and
//! records every call, so tests can assert the exact calls made.
//!
//! Rules it enforces, as Slack documents them:
//! - tokens only in `Authorization: Bearer` (or a form `token` field), never in the query;
//! - `users.profile.set` and `users.setPhoto` only with a user token (`not_allowed_token_type`
//!   for a bot token), and only on the token owner's own profile;
//! - `users.profile.set` takes a JSON body (`{"profile": {"display_name": …}}`, at most 80
//!   characters) with a JSON content type;
//! - `users.setPhoto` takes `multipart/form-data` with a part `image` that is a PNG, JPEG or GIF
//!   of 512–1024 px a side (`bad_image`, `too_large`);
//! - `users.list` pages by cursor, `limit` members a page;
//! - injected faults: HTTP 429 with `Retry-After`, `"error":"ratelimited"` on a 200, 5xx, any
//!   error code; a latency for every answer; optionally Slack's tier limits per method;
//! - profile photos: a member's own photo is served over the
//!   stand-in's own URL as `image_original`/`image_1024`/`image_512` with `is_custom_image`
//!   and a new `avatar_hash` each time it changes; `users.deletePhoto` puts Slack's default
//!   avatar back (`is_custom_image` false, a `g…` hash); a status with `status_expiration` in
//!   the past reads as cleared, as Slack clears it;
//! - App Home and modals: `views.publish`, `views.open` and
//!   `views.update` only with a bot token and within Slack's view limits (100 blocks, 250 kB,
//!   a modal's title at most 24 characters, a submit button with input blocks); a trigger
//!   opens one view, within 3 s of its click (`expired_trigger_id`, `exchanged_trigger_id`,
//!   `invalid_trigger_id`); files members attach are served at their `url_private_download`
//!   only with a bot token that has `files:read` (anything else is redirected to a sign-in
//!   page, as Slack does); a bot token from an install has the scopes the install asked for;
//! - every Web API answer to a known token lists the token's scopes in `x-oauth-scopes`;
//! - `emoji.list` (a bot token with `emoji:read`, else `missing_scope`) lists the workspace's
//!   custom emoji, each name to its image's URL on the stand-in's own host (`/emoji/…`, the only
//!   place their images are served) or to `alias:<name>`;
//! - OAuth v2: `/oauth/v2/authorize` shows a consent page for the
//!   member signed in to the stand-in's browser, whose Allow and Cancel send the browser back to
//!   `redirect_uri` with `code`/`state` or `error=access_denied`; `oauth.v2.access` takes the
//!   app's credentials in HTTP Basic and a code at most once, within 10 minutes, with the same
//!   `redirect_uri`, and answers with a user token (and a bot token when bot scopes were asked).
//!
//! One file per surface: `profiles`, `photos`, `views` (Home, modals, messages), `files`,
//! `emoji`, `oauth` and `faults`; this one holds the types, the HTTP routes, the gate every Web
//! API call passes and the table of the methods it answers.

#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod emoji;
mod faults;
mod files;
mod oauth;
mod photos;
mod profiles;
mod views;

pub use oauth::redirect;

use faults::{injected_fault, tier_limit};
use files::private_file;
use oauth::{html, oauth_access, oauth_page};
use photos::avatar;

/// The stand-in's workspace, where members are unless a test puts them in another.
pub const STANDIN_TEAM: &str = "T0STANDIN";

/// The workspace `user` is in.
fn team_of(st: &State, user: &str) -> String {
    st.members
        .get(user)
        .map_or(STANDIN_TEAM.to_owned(), |m| m.team.clone())
}

/// The kind of a token the stand-in knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    User,
    Bot,
    /// An app-level token (`xapp-…`, `connections:write`): Socket Mode only.
    App,
}

#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub owner: String,
    pub kind: Kind,
    pub revoked: bool,
    /// With rotation: when the token lapses (`token_expired` after).
    pub expires: Option<Instant>,
    /// The scopes granted, for a token from an install (`None`: every scope, as a test's own
    /// tokens have).
    pub scopes: Option<Vec<String>>,
}

/// A member of the stand-in workspace.
#[derive(Debug, Clone)]
pub struct Member {
    pub id: String,
    pub profile: Value,
    pub photo: Option<Vec<u8>>,
    pub is_bot: bool,
    /// Deactivated (left the workspace).
    pub deleted: bool,
    /// The workspace they are in (`T0STANDIN` unless a test moves them).
    pub team: String,
}

/// One recorded call.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub http_method: String,
    /// Whose token it was (`None` when no known token was given).
    pub token_owner: Option<String>,
    pub token_kind: Option<Kind>,
    /// The raw query string.
    pub query: String,
    pub content_type: String,
    /// The JSON body, for JSON posts.
    pub json: Option<Value>,
    /// The `image` part of a multipart post: bytes and its content type.
    pub image: Option<(Vec<u8>, String)>,
    /// What the stand-in answered: HTTP status and body.
    pub status: u16,
    pub answer: Value,
    pub at: Instant,
}

impl Call {
    pub fn display_name(&self) -> Option<&str> {
        self.json
            .as_ref()?
            .pointer("/profile/display_name")?
            .as_str()
    }
}

/// A fault to answer one call of a method with, instead of the real answer.
#[derive(Debug, Clone)]
pub enum Fault {
    /// HTTP 429 with `Retry-After: seconds` (no header when `None`).
    Http429(Option<u64>),
    /// HTTP 200 `{"ok": false, "error": "ratelimited"}`.
    RateLimitedOk,
    /// An HTTP status with an empty body (5xx).
    Status(u16),
    /// HTTP 200 `{"ok": false, "error": code}`.
    Error(String),
}

/// Called after every successful profile change, with the member as it now is (for events).
pub type ChangeHook = Box<dyn Fn(&Member) + Send + Sync>;

/// A code the consent page gave out.
#[derive(Debug, Clone)]
struct Grant {
    /// Org-wide (the organization's ID), when the app is installed for the organization.
    org: Option<String>,
    user: String,
    scope: String,
    user_scope: String,
    redirect_uri: String,
    issued: Instant,
    used: bool,
}

#[derive(Default)]
struct State {
    /// `http://127.0.0.1:PORT`, for the photos' URLs.
    base: String,
    /// The app's client ID and secret, when OAuth is set up.
    oauth_app: Option<(String, String)>,
    /// Who is signed in to Slack in "the browser".
    signed_in: Option<String>,
    grants: HashMap<String, Grant>,
    /// Token rotation: the first token's life, then every refreshed one's.
    rotation: Option<(Duration, Duration)>,
    /// Refresh tokens: whose, and whether used (they are single use).
    refresh_tokens: HashMap<String, (String, Kind, bool)>,
    members: BTreeMap<String, Member>,
    tokens: HashMap<String, TokenInfo>,
    calls: Vec<Call>,
    /// Web API methods as their requests arrive (a call is recorded in `calls` once answered).
    arrived: Vec<String>,
    /// Where Slack's authorize page sent browsers back, in order.
    oauth_redirects: Vec<String>,
    faults: HashMap<String, VecDeque<Fault>>,
    /// Per method: every call until then is answered with this fault.
    outages: HashMap<String, (Instant, Fault)>,
    latency: Duration,
    /// Per-method call times, when tier limits are enforced.
    tier_window: Option<Duration>,
    tier_calls: HashMap<String, VecDeque<Instant>>,
    /// Triggers of members' clicks: who clicked, when, whether a view was opened with it.
    triggers: HashMap<String, (String, Instant, bool)>,
    /// Open modals by view ID: whose, and the view as last opened or updated.
    modals: BTreeMap<String, (String, Value)>,
    /// Files members attached (`file_input`): ID → name and bytes.
    files: HashMap<String, (String, Vec<u8>)>,
    /// Socket Mode, once turned on.
    socket: Option<super::socket::SocketMode>,
    /// The workspace's custom emoji: name → image bytes, or `alias:<name>`.
    custom_emoji: BTreeMap<String, Result<Vec<u8>, String>>,
    /// An Enterprise Grid organization the workspaces belong to.
    org: Option<Org>,
    /// Profile fields an org admin locked, per member (`name`, `photo`), and the code Slack
    /// refuses a write of them with (Slack documents none).
    locked: HashMap<(String, &'static str), String>,
}

/// An Enterprise Grid organization: its workspaces, and whether the app is installed for all of
/// it (then every authorization in it is org-wide, as Slack makes them).
#[derive(Debug, Clone, Default)]
pub struct Org {
    pub id: String,
    pub name: String,
    pub workspaces: Vec<String>,
    /// An org admin installed the app for the organization.
    pub installed: bool,
    /// The workspaces an org admin granted the org-wide install to.
    pub granted: Vec<String>,
}

/// The running stand-in; stops when dropped.
pub struct SlackStandIn {
    /// The Web API base, `http://127.0.0.1:PORT/api/`.
    pub url: String,
    state: Arc<Mutex<State>>,
    hook: Arc<Mutex<Option<ChangeHook>>>,
    server: Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SlackStandIn {
    pub fn start() -> SlackStandIn {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let url = format!("http://{}/api/", server.server_addr().to_ip().unwrap());
        let state = Arc::new(Mutex::new(State {
            base: url.trim_end_matches("/api/").to_owned(),
            ..State::default()
        }));
        let hook: Arc<Mutex<Option<ChangeHook>>> = Arc::new(Mutex::new(None));
        let (s, h, srv) = (state.clone(), hook.clone(), server.clone());
        let thread = std::thread::spawn(move || {
            for request in srv.incoming_requests() {
                let (s, h) = (s.clone(), h.clone());
                std::thread::spawn(move || handle(request, &s, &h));
            }
        });
        SlackStandIn {
            url,
            state,
            hook,
            server,
            thread: Some(thread),
        }
    }

    /// Adds a member with a user token of their own; returns the token.
    pub fn add_member(&self, id: &str, display_name: &str) -> String {
        let token = format!("xoxp-{}-{:08x}", id.to_lowercase(), fastrand::u32(..));
        let mut state = self.state.lock().unwrap();
        state.members.insert(
            id.to_owned(),
            Member {
                id: id.to_owned(),
                profile: json!({
                    "display_name": display_name,
                    "real_name": display_name,
                    "status_emoji": "",
                    "status_text": "",
                    "avatar_hash": "g0000000000",
                }),
                photo: None,
                is_bot: false,
                deleted: false,
                team: STANDIN_TEAM.to_owned(),
            },
        );
        state.tokens.insert(
            token.clone(),
            TokenInfo {
                owner: id.to_owned(),
                kind: Kind::User,
                revoked: false,
                expires: None,
                scopes: None,
            },
        );
        token
    }

    /// Puts a member in another workspace (their connections and `auth.test` say so).
    pub fn move_to_team(&self, id: &str, team: &str) {
        self.state.lock().unwrap().members.get_mut(id).unwrap().team = team.to_owned();
    }

    /// Gives a token these scopes (as an install that asked for them would).
    pub fn set_scopes(&self, token: &str, scopes: &str) {
        self.state
            .lock()
            .unwrap()
            .tokens
            .get_mut(token)
            .unwrap()
            .scopes = Some(scopes.split(',').map(str::to_owned).collect());
    }

    /// Adds the app's bot user and returns its bot token.
    pub fn add_bot(&self) -> String {
        let token = format!("xoxb-bot-{:08x}", fastrand::u32(..));
        let mut state = self.state.lock().unwrap();
        state.members.insert(
            "U0BOT".to_owned(),
            Member {
                id: "U0BOT".to_owned(),
                profile: json!({"display_name": "statusinator", "status_emoji": ""}),
                photo: None,
                is_bot: true,
                deleted: false,
                team: STANDIN_TEAM.to_owned(),
            },
        );
        state.tokens.insert(
            token.clone(),
            TokenInfo {
                owner: "U0BOT".to_owned(),
                kind: Kind::Bot,
                revoked: false,
                expires: None,
                scopes: None,
            },
        );
        token
    }

    /// Turns Socket Mode on: returns an app-level token for `apps.connections.open` and the
    /// WebSocket side.
    pub fn socket_mode(&self) -> (String, super::socket::SocketMode) {
        let token = format!(
            "xapp-1-A0STATUS-{:010}-{:016x}",
            fastrand::u32(..),
            fastrand::u64(..)
        );
        let socket = super::socket::SocketMode::start();
        let mut state = self.state.lock().unwrap();
        state.tokens.insert(
            token.clone(),
            TokenInfo {
                owner: "A0STATUS".to_owned(),
                kind: Kind::App,
                revoked: false,
                expires: None,
                scopes: None,
            },
        );
        state.socket = Some(socket.clone());
        (token, socket)
    }

    pub fn revoke(&self, token: &str) {
        self.state
            .lock()
            .unwrap()
            .tokens
            .get_mut(token)
            .unwrap()
            .revoked = true;
    }

    /// Deactivates a member (or brings them back).
    pub fn deactivate(&self, id: &str, deleted: bool) {
        self.state
            .lock()
            .unwrap()
            .members
            .get_mut(id)
            .unwrap()
            .deleted = deleted;
    }

    pub fn member(&self, id: &str) -> Member {
        self.state.lock().unwrap().members[id].clone()
    }

    /// What `look` finds in a member, read under the lock without copying them (their photo
    /// included), for a test that looks often.
    pub fn with_member<T>(&self, id: &str, look: impl FnOnce(&Member) -> T) -> T {
        look(&self.state.lock().unwrap().members[id])
    }

    /// Whether Slack still takes `token` (not revoked, known).
    pub fn token_works(&self, token: &str) -> bool {
        self.state
            .lock()
            .unwrap()
            .tokens
            .get(token)
            .is_some_and(|info| !info.revoked)
    }

    /// Called after every successful profile change.
    pub fn on_change(&self, hook: ChangeHook) {
        *self.hook.lock().unwrap() = Some(hook);
    }

    /// Every call so far, with its body (photos included): a copy, so not for a tight loop.
    pub fn calls(&self) -> Vec<Call> {
        self.state.lock().unwrap().calls.clone()
    }

    /// How many calls of `method` were answered with HTTP `status`, counted under the lock
    /// without copying them (a test polling it leaves the stand-in free to answer).
    pub fn count(&self, method: &str, status: u16) -> usize {
        self.state
            .lock()
            .unwrap()
            .calls
            .iter()
            .filter(|c| c.method == method && c.status == status)
            .count()
    }

    /// The Web API methods asked for so far, answered or not (with a latency set, a call is
    /// in `calls` only once answered).
    pub fn arrived(&self) -> Vec<String> {
        self.state.lock().unwrap().arrived.clone()
    }

    /// The methods called, in order.
    pub fn methods(&self) -> Vec<String> {
        self.calls().into_iter().map(|c| c.method).collect()
    }

    /// The calls that changed a member's name or photo (`users.profile.set`,
    /// `users.setPhoto`).
    pub fn profile_writes(&self) -> Vec<String> {
        self.methods()
            .into_iter()
            .filter(|m| m == "users.profile.set" || m == "users.setPhoto")
            .collect()
    }

    pub fn clear_calls(&self) {
        self.state.lock().unwrap().calls.clear();
    }
}

impl Drop for SlackStandIn {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn handle(
    mut request: tiny_http::Request,
    state: &Arc<Mutex<State>>,
    hook: &Arc<Mutex<Option<ChangeHook>>>,
) {
    let started = Instant::now();
    let url = request.url().to_owned();
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    if path.starts_with("/avatars/") {
        let response = avatar(&state.lock().unwrap(), path);
        let _ = request.respond(response);
        return;
    }
    if let Some(name) = path.strip_prefix("/emoji/") {
        let image = state
            .lock()
            .unwrap()
            .custom_emoji
            .get(name.trim_end_matches(".png"))
            .cloned();
        let response = match image {
            Some(Ok(bytes)) => tiny_http::Response::from_data(bytes).with_status_code(200),
            _ => tiny_http::Response::from_data(Vec::new()).with_status_code(404),
        };
        let _ = request.respond(response);
        return;
    }
    if path.starts_with("/oauth/v2/") {
        let response = oauth_page(&mut state.lock().unwrap(), path, query);
        let _ = request.respond(response);
        return;
    }
    if path.starts_with("/files-pri/") {
        let auth = request
            .headers()
            .iter()
            .find(|h| h.field.equiv("Authorization"))
            .map(|h| h.value.as_str().to_owned());
        let response = private_file(&mut state.lock().unwrap(), path, auth.as_deref(), started);
        let _ = request.respond(response);
        return;
    }
    let method = path.trim_start_matches("/api/").to_owned();
    state.lock().unwrap().arrived.push(method.clone());
    let http_method = request.method().as_str().to_owned();
    let header = |name: &'static str| {
        request
            .headers()
            .iter()
            .find(|h| h.field.equiv(name))
            .map(|h| h.value.as_str().to_owned())
    };
    let content_type = header("Content-Type").unwrap_or_default();
    let auth = header("Authorization");
    let mut body = Vec::new();
    let _ = request.as_reader().read_to_end(&mut body);

    let mut call = Call {
        method: method.clone(),
        http_method: http_method.clone(),
        token_owner: None,
        token_kind: None,
        query: query.to_owned(),
        content_type: content_type.clone(),
        json: None,
        image: None,
        status: 200,
        answer: Value::Null,
        at: started,
    };
    let (status, retry_after, answer, changed, latency, scopes) = {
        let mut st = state.lock().unwrap();
        let (status, retry_after, answer, changed) = answer(
            &mut st,
            &mut call,
            query,
            auth.as_deref(),
            &content_type,
            &body,
        );
        let changed = changed.map(|id| st.members[&id].clone());
        // Like Slack, every Web API answer to a known token lists its scopes.
        let scopes = auth
            .as_deref()
            .and_then(|a| a.strip_prefix("Bearer "))
            .and_then(|t| st.tokens.get(t))
            .map(|info| match &info.scopes {
                Some(scopes) => scopes.join(","),
                None => default_scopes(info.kind).to_owned(),
            });
        (status, retry_after, answer, changed, st.latency, scopes)
    };
    // Wait outside the lock, so slow answers overlap as they do in Slack.
    if !latency.is_zero() {
        std::thread::sleep(latency);
    }
    call.status = status;
    call.answer = answer.clone();
    state.lock().unwrap().calls.push(call);
    if let Some(member) = changed {
        if let Some(hook) = hook.lock().unwrap().as_ref() {
            hook(&member);
        }
    }
    let body = if status >= 500 {
        Vec::new()
    } else {
        answer.to_string().into_bytes()
    };
    let mut response = tiny_http::Response::from_data(body)
        .with_status_code(status)
        .with_header(
            "Content-Type: application/json; charset=utf-8"
                .parse::<tiny_http::Header>()
                .unwrap(),
        );
    if let Some(seconds) = retry_after {
        response = response.with_header(
            format!("Retry-After: {seconds}")
                .parse::<tiny_http::Header>()
                .unwrap(),
        );
    }
    if let Some(scopes) = scopes {
        response = response.with_header(
            format!("x-oauth-scopes: {scopes}")
                .parse::<tiny_http::Header>()
                .unwrap(),
        );
    }
    let _ = request.respond(response);
}

/// The scopes of a test's own tokens (made without an install): what the app needs.
fn default_scopes(kind: Kind) -> &'static str {
    match kind {
        Kind::User => "users.profile:read,users.profile:write",
        Kind::Bot => "users:read,chat:write,commands,files:read,emoji:read",
        Kind::App => "connections:write",
    }
}

/// A member's write of their own profile: a POST with their user token, or the error Slack
/// answers.
fn refused_member_write(call: &Call, info: &TokenInfo) -> Option<Answer> {
    if call.http_method != "POST" {
        return Some(error("invalid_arguments"));
    }
    (info.kind != Kind::User).then(|| error("not_allowed_token_type"))
}

fn error(code: &str) -> (u16, Option<u64>, Value, Option<String>) {
    (200, None, json!({"ok": false, "error": code}), None)
}

/// What the stand-in answers: status, Retry-After, body, and the member whose profile changed.
type Answer = (u16, Option<u64>, Value, Option<String>);

/// A Web API call that passed the gate (a known, live token within the tiers and no fault
/// injected): what each method's answer is made from.
pub(super) struct Asked<'a> {
    st: &'a mut State,
    call: &'a mut Call,
    params: HashMap<String, String>,
    info: TokenInfo,
    owner: String,
    token: String,
    content_type: &'a str,
    body: &'a [u8],
}

/// How one Web API method is answered.
type Method = fn(Asked<'_>) -> Answer;

/// Every Web API method the stand-in answers, and the function that answers it.
const METHODS: &[(&str, Method)] = &[
    ("apps.connections.open", apps_connections_open),
    ("auth.revoke", auth_revoke),
    ("auth.test", auth_test),
    ("users.profile.get", profiles::users_profile_get),
    ("users.profile.set", profiles::users_profile_set),
    ("users.setPhoto", photos::users_set_photo),
    ("users.deletePhoto", photos::users_delete_photo),
    ("emoji.list", emoji::emoji_list),
    ("auth.teams.list", oauth::auth_teams_list),
    ("users.list", profiles::users_list),
    ("chat.postMessage", views::chat_post_message),
    ("views.publish", views::views_publish),
    ("views.open", views::views_open_or_update),
    ("views.update", views::views_open_or_update),
];

/// The stand-in's answer to a Web API call: the gate every call passes (the token where Slack
/// takes it, known, live, of a kind the method takes; the tiers; an injected fault), then the
/// method's own answer from [`METHODS`].
fn answer(
    st: &mut State,
    call: &mut Call,
    query: &str,
    auth: Option<&str>,
    content_type: &str,
    body: &[u8],
) -> (u16, Option<u64>, Value, Option<String>) {
    let form: HashMap<String, String> =
        if content_type.starts_with("application/x-www-form-urlencoded") {
            url::form_urlencoded::parse(body).into_owned().collect()
        } else {
            HashMap::new()
        };
    let params: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    if params.contains_key("token") {
        return error("invalid_auth");
    }
    if call.method == "oauth.v2.access" {
        call.json = Some(json!({"grant_type": form.get("grant_type")}));
        if let Some(answer) = injected_fault(st, &call.method) {
            return answer;
        }
        return oauth_access(st, auth, &form);
    }
    let token = auth
        .and_then(|a| a.strip_prefix("Bearer "))
        .map(str::to_owned)
        .or_else(|| form.get("token").cloned());
    let Some(token) = token else {
        return error("not_authed");
    };
    let Some(info) = st.tokens.get(&token).cloned() else {
        return error("invalid_auth");
    };
    call.token_owner = Some(info.owner.clone());
    call.token_kind = Some(info.kind);
    if info.expires.is_some_and(|at| Instant::now() >= at) {
        return error("token_expired");
    }

    if let Some(window) = st.tier_window {
        let now = Instant::now();
        let times = st.tier_calls.entry(call.method.clone()).or_default();
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            times.pop_front();
        }
        if times.len() >= tier_limit(&call.method) {
            let wait = window - now.duration_since(*times.front().unwrap());
            let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
            return (
                429,
                Some(seconds),
                json!({"ok": false, "error": "ratelimited"}),
                None,
            );
        }
        times.push_back(now);
    }
    if let Some(answer) = injected_fault(st, &call.method) {
        return answer;
    }
    if info.revoked {
        return error("token_revoked");
    }
    // A deactivated member's own tokens stop working.
    if st.members.get(&info.owner).is_some_and(|m| m.deleted) {
        return error("account_inactive");
    }

    let owner = info.owner.clone();
    if (info.kind == Kind::App) != (call.method == "apps.connections.open") {
        // An app-level token opens Socket Mode connections and does nothing else.
        return error("not_allowed_token_type");
    }
    let Some((_, method)) = METHODS.iter().find(|(name, _)| *name == call.method) else {
        return error("unknown_method");
    };
    method(Asked {
        st,
        call,
        params,
        info,
        owner,
        token,
        content_type,
        body,
    })
}

/// `apps.connections.open`.
fn apps_connections_open(asked: Asked<'_>) -> Answer {
    let Asked { st, .. } = asked;
    match &st.socket {
        Some(socket) => (
            200,
            None,
            json!({"ok": true, "url": socket.issue_url()}),
            None,
        ),
        None => error("socket_mode_not_enabled"),
    }
}

/// `auth.revoke`.
fn auth_revoke(asked: Asked<'_>) -> Answer {
    let Asked { st, token, .. } = asked;
    if let Some(info) = st.tokens.get_mut(&token) {
        info.revoked = true;
    }
    (200, None, json!({"ok": true, "revoked": true}), None)
}

/// `auth.test`.
fn auth_test(asked: Asked<'_>) -> Answer {
    let Asked {
        st, info, owner, ..
    } = asked;
    let team = team_of(st, &owner);
    let mut out = json!({"ok": true, "user_id": owner, "team_id": team, "team": "Stand-in Workspace", "user": owner.to_lowercase(), "url": "https://standin.slack.com/"});
    if info.kind == Kind::Bot {
        out["bot_id"] = "B0STANDIN".into();
    }
    (200, None, out, None)
}
