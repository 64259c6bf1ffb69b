//! A stand-in for Slack's Web API: a local HTTP server that enforces the documented rules and
//! records every call, so tests can assert the exact calls made.
//!
//! Rules it enforces (slack-platform.md §3, §4, §6):
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
//! - profile photos (slack-app-surfaces.md §10): a member's own photo is served over the
//!   stand-in's own URL as `image_original`/`image_1024`/`image_512` with `is_custom_image`
//!   and a new `avatar_hash` each time it changes; `users.deletePhoto` puts Slack's default
//!   avatar back (`is_custom_image` false, a `g…` hash); a status with `status_expiration` in
//!   the past reads as cleared, as Slack clears it;
//! - App Home and modals (slack-app-surfaces.md §4–6): `views.publish`, `views.open` and
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
//! - OAuth v2 (slack-app-surfaces.md §1): `/oauth/v2/authorize` shows a consent page for the
//!   member signed in to the stand-in's browser, whose Allow and Cancel send the browser back to
//!   `redirect_uri` with `code`/`state` or `error=access_denied`; `oauth.v2.access` takes the
//!   app's credentials in HTTP Basic and a code at most once, within 10 minutes, with the same
//!   `redirect_uri`, and answers with a user token (and a bot token when bot scopes were asked).

#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

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

    /// Adds a custom emoji to the workspace, with its image.
    pub fn add_custom_emoji(&self, name: &str, image: Vec<u8>) {
        self.state
            .lock()
            .unwrap()
            .custom_emoji
            .insert(name.to_owned(), Ok(image));
    }

    /// Adds a custom emoji that is another one's alias (custom or standard).
    pub fn alias_emoji(&self, name: &str, of: &str) {
        self.state
            .lock()
            .unwrap()
            .custom_emoji
            .insert(name.to_owned(), Err(of.to_owned()));
    }

    /// Sets up the app's OAuth credentials.
    pub fn oauth_app(&self, client_id: &str, client_secret: &str) {
        self.state.lock().unwrap().oauth_app =
            Some((client_id.to_owned(), client_secret.to_owned()));
    }

    /// Turns token rotation on: tokens from an install live `first`, refreshed ones `then`.
    pub fn enable_rotation(&self, first: Duration, then: Duration) {
        self.state.lock().unwrap().rotation = Some((first, then));
    }

    /// Makes every refresh token of `user` invalid (revoked by Slack).
    pub fn revoke_refresh_tokens(&self, user: &str) {
        for (owner, _, used) in self.state.lock().unwrap().refresh_tokens.values_mut() {
            if owner == user {
                *used = true;
            }
        }
    }

    /// The direct messages the app sent: (member, text).
    pub fn messages(&self) -> Vec<(String, String)> {
        self.calls()
            .iter()
            .filter(|c| c.method == "chat.postMessage" && c.status == 200)
            .filter_map(|c| {
                let json = c.json.as_ref()?;
                Some((
                    json["channel"].as_str()?.to_owned(),
                    json["text"].as_str()?.to_owned(),
                ))
            })
            .collect()
    }

    /// The Home view last published for `user` (`views.publish`), if any.
    pub fn home(&self, user: &str) -> Option<Value> {
        self.calls()
            .iter()
            .rev()
            .filter(|c| c.method == "views.publish" && c.status == 200)
            .filter_map(|c| c.json.as_ref())
            .find(|json| json["user_id"] == user)
            .map(|json| json["view"].clone())
    }

    /// A trigger for a click of `user`'s, as Slack puts in the click's payload.
    pub fn trigger(&self, user: &str) -> String {
        let id = format!(
            "{}.{}.{:032x}",
            fastrand::u32(..),
            fastrand::u32(..),
            fastrand::u128(..)
        );
        self.state
            .lock()
            .unwrap()
            .triggers
            .insert(id.clone(), (user.to_owned(), Instant::now(), false));
        id
    }

    /// The modal open for `user` (the latest opened or updated): its ID and view.
    pub fn modal(&self, user: &str) -> Option<(String, Value)> {
        let state = self.state.lock().unwrap();
        let mut calls = state.calls.iter().rev().filter(|c| {
            (c.method == "views.open" || c.method == "views.update") && c.status == 200
        });
        let id = calls
            .find(|c| {
                state
                    .modals
                    .get(c.answer["view"]["id"].as_str().unwrap_or_default())
                    .is_some_and(|(owner, _)| owner == user)
            })?
            .answer["view"]["id"]
            .as_str()?
            .to_owned();
        let view = state.modals[&id].1.clone();
        Some((id, view))
    }

    /// A file `user` attached in a modal: the file object Slack puts in the submission. Like
    /// Slack, it tells the type by the name and the size in pixels when it is an image.
    pub fn attach(&self, user: &str, name: &str, bytes: Vec<u8>) -> Value {
        let mut state = self.state.lock().unwrap();
        let id = format!("F{:010X}", fastrand::u64(..) & 0xff_ffff_ffff);
        let ext = name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        let mimetype = match ext.as_str() {
            "png" => "image/png",
            "jpg" | "jpeg" => "image/jpeg",
            "gif" => "image/gif",
            _ => "application/octet-stream",
        };
        let base = format!("{}/files-pri/T0STANDIN-{id}", state.base);
        let mut file = json!({
            "id": id, "created": 1732406400, "timestamp": 1732406400,
            "name": name, "title": name, "filetype": ext, "mimetype": mimetype,
            "size": bytes.len(), "user": user, "user_team": "T0STANDIN",
            "url_private": format!("{base}/{name}"),
            "url_private_download": format!("{base}/download/{name}"),
            "permalink": format!("https://standin.slack.com/files/{user}/{id}/{name}"),
        });
        if let Ok(size) = imagesize::blob_size(&bytes) {
            file["original_w"] = size.width.into();
            file["original_h"] = size.height.into();
        }
        state.files.insert(id, (name.to_owned(), bytes));
        file
    }

    /// The downloads of attached files: (the token's kind, HTTP status).
    pub fn file_downloads(&self) -> Vec<(Option<Kind>, u16)> {
        self.calls()
            .iter()
            .filter(|c| c.method == "files-pri")
            .map(|c| (c.token_kind, c.status))
            .collect()
    }

    /// The `oauth.v2.access` calls that refreshed a token.
    pub fn refreshes(&self) -> usize {
        self.calls()
            .iter()
            .filter(|c| {
                c.method == "oauth.v2.access"
                    && c.json
                        .as_ref()
                        .is_some_and(|j| j["grant_type"] == "refresh_token")
            })
            .count()
    }

    /// Signs a member in to Slack in "the browser": the consent page acts for them.
    pub fn sign_in(&self, user: &str) {
        self.state.lock().unwrap().signed_in = Some(user.to_owned());
    }

    /// The stand-in's authorize page (`SLACK_OAUTH_URL`).
    pub fn authorize_url(&self) -> String {
        self.url.replace("/api/", "/oauth/v2/authorize")
    }

    /// Every user token the stand-in knows for `user`.
    pub fn tokens_of(&self, user: &str) -> Vec<String> {
        self.state
            .lock()
            .unwrap()
            .tokens
            .iter()
            .filter(|(_, info)| info.owner == user && info.kind == Kind::User)
            .map(|(token, _)| token.clone())
            .collect()
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

    /// Sets a member's status emoji, as the member would in Slack.
    pub fn set_status(&self, id: &str, emoji: &str) {
        let mut state = self.state.lock().unwrap();
        let member = state.members.get_mut(id).unwrap();
        member.profile["status_emoji"] = emoji.into();
        member.profile["status_text"] = if emoji.is_empty() { "" } else { "away" }.into();
    }

    /// Sets one field of a member's profile as Slack would send it (`Value::Null` included:
    /// Slack documents that profile fields may be null).
    pub fn set_profile_field(&self, id: &str, field: &str, value: Value) {
        let mut state = self.state.lock().unwrap();
        state.members.get_mut(id).unwrap().profile[field] = value;
    }

    /// The member changes their photo in Slack themselves.
    pub fn set_photo_by_hand(&self, id: &str, bytes: Vec<u8>) {
        let mut state = self.state.lock().unwrap();
        set_member_photo(&mut state, id, bytes);
    }

    /// The member changes their display name in Slack themselves.
    pub fn set_display_name_by_hand(&self, id: &str, name: &str) {
        self.set_profile_field(id, "display_name", name.into());
    }

    /// Sets a status that lapses at `expiration` (unix seconds), as the member would.
    pub fn set_status_until(&self, id: &str, emoji: &str, expiration: u64) {
        self.set_status(id, emoji);
        self.set_profile_field(id, "status_expiration", expiration.into());
    }

    /// What the member's profile shows now (statuses lapse as in Slack).
    pub fn profile(&self, id: &str) -> Value {
        let mut state = self.state.lock().unwrap();
        lapse_statuses(&mut state);
        state.members[id].profile.clone()
    }

    /// The member's display name as Slack shows it now.
    pub fn display_name(&self, id: &str) -> String {
        self.profile(id)["display_name"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
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

    /// Forgets every fault still to come.
    pub fn clear_faults(&self) {
        let mut state = self.state.lock().unwrap();
        state.faults.clear();
        state.outages.clear();
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

    /// Answers every call of `method` with `fault` for the next `lasting`.
    pub fn outage(&self, method: &str, lasting: Duration, fault: Fault) {
        self.state
            .lock()
            .unwrap()
            .outages
            .insert(method.to_owned(), (Instant::now() + lasting, fault));
    }

    /// Answers the next calls of `method` with these faults, in order.
    pub fn inject(&self, method: &str, faults: impl IntoIterator<Item = Fault>) {
        self.state
            .lock()
            .unwrap()
            .faults
            .entry(method.to_owned())
            .or_default()
            .extend(faults);
    }

    /// Every answer waits this long.
    pub fn set_latency(&self, latency: Duration) {
        self.state.lock().unwrap().latency = latency;
    }

    /// Enforces Slack's tier limits per method over `window` (60 s in Slack; shorter to test).
    pub fn enforce_tiers(&self, window: Duration) {
        self.state.lock().unwrap().tier_window = Some(window);
    }

    /// Called after every successful profile change.
    pub fn on_change(&self, hook: ChangeHook) {
        *self.hook.lock().unwrap() = Some(hook);
    }

    pub fn calls(&self) -> Vec<Call> {
        self.state.lock().unwrap().calls.clone()
    }

    /// The last redirect back to the app that Slack's authorize page gave a browser.
    pub fn last_oauth_redirect(&self) -> String {
        self.state
            .lock()
            .unwrap()
            .oauth_redirects
            .last()
            .cloned()
            .expect("a browser was sent back")
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

/// Tier limits per window (Slack: per minute).
fn tier_limit(method: &str) -> usize {
    match method {
        "users.setPhoto" | "users.list" | "emoji.list" => 20,
        "users.profile.set" => 50,
        _ => 100,
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

/// An attached file at its private URL: the bytes with a bot token, else Slack's redirect to
/// its sign-in page.
fn private_file(
    st: &mut State,
    path: &str,
    auth: Option<&str>,
    at: Instant,
) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let token = auth
        .and_then(|a| a.strip_prefix("Bearer "))
        .and_then(|t| st.tokens.get(t))
        .filter(|info| !info.revoked)
        .cloned();
    let id = path
        .trim_start_matches("/files-pri/T0STANDIN-")
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let file = st.files.get(&id).cloned();
    let (status, response) = match (&token, file) {
        // Only a bot token with files:read downloads; anything else is sent to sign in.
        (Some(info), Some((_, bytes)))
            if info.kind == Kind::Bot
                && info
                    .scopes
                    .as_ref()
                    .is_none_or(|s| s.iter().any(|s| s == "files:read")) =>
        {
            (
                200,
                tiny_http::Response::from_data(bytes).with_status_code(200),
            )
        }
        (Some(_), None) => (404, html(404, "<h1>file_not_found</h1>".into())),
        _ => {
            let login = format!("{}/?redir={}", st.base, path);
            (302, redirect(&login))
        }
    };
    st.calls.push(Call {
        method: "files-pri".into(),
        http_method: "GET".into(),
        token_owner: token.as_ref().map(|t| t.owner.clone()),
        token_kind: token.as_ref().map(|t| t.kind),
        query: String::new(),
        content_type: String::new(),
        json: None,
        image: None,
        status,
        answer: Value::Null,
        at,
    });
    response
}

/// Slack's rules for a modal (`views.open`, `views.update`), or the error it answers.
fn check_modal(view: &Value) -> Result<(), &'static str> {
    let blocks = view["blocks"].as_array().ok_or("invalid_arguments")?;
    let title = view["title"]["text"].as_str().unwrap_or_default();
    let inputs = blocks.iter().any(|b| b["type"] == "input");
    let text_ok = |v: &Value, max: usize| {
        v["type"] == "plain_text"
            && v["text"]
                .as_str()
                .is_some_and(|t| (1..=max).contains(&t.chars().count()))
    };
    if view["type"] != "modal"
        || !text_ok(&view["title"], 24)
        || title.is_empty()
        || blocks.len() > 100
        || (inputs && !text_ok(&view["submit"], 24))
        || view["private_metadata"]
            .as_str()
            .is_some_and(|m| m.len() > 3000)
    {
        return Err("invalid_arguments");
    }
    if serde_json::to_vec(view).map_or(0, |b| b.len()) > 250_000 {
        return Err("view_too_large");
    }
    let mut ids = std::collections::HashSet::new();
    for block in blocks {
        if let Some(id) = block["block_id"].as_str() {
            if !ids.insert(id.to_owned()) {
                return Err("invalid_arguments");
            }
        }
        if block["type"] == "input" {
            let element = &block["element"];
            let files_ok = element["type"] != "file_input"
                || element["max_files"]
                    .as_u64()
                    .is_none_or(|n| (1..=10).contains(&n));
            if !text_ok(&block["label"], 2000) || element.is_null() || !files_ok {
                return Err("invalid_arguments");
            }
        }
    }
    Ok(())
}

/// A member's photo changes: the bytes, a new `avatar_hash`, and its URLs on the stand-in.
fn set_member_photo(st: &mut State, id: &str, bytes: Vec<u8>) {
    let hash = format!("{:011x}", fastrand::u64(..) & 0xfff_ffff_ffff);
    let url = format!("{}/avatars/{id}/{hash}.img", st.base);
    let member = st.members.get_mut(id).unwrap();
    member.photo = Some(bytes);
    member.profile["avatar_hash"] = hash.into();
    member.profile["is_custom_image"] = true.into();
    for size in ["image_original", "image_1024", "image_512"] {
        member.profile[size] = url.clone().into();
    }
}

/// Statuses whose `status_expiration` has passed are cleared, as Slack clears them.
fn lapse_statuses(st: &mut State) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    for member in st.members.values_mut() {
        let at = member.profile["status_expiration"].as_u64().unwrap_or(0);
        if at > 0 && at <= now {
            member.profile["status_emoji"] = "".into();
            member.profile["status_text"] = "".into();
            member.profile["status_expiration"] = 0.into();
        }
    }
}

/// `GET /avatars/<id>/<hash>.img`: the member's photo, while it is the current one.
fn avatar(st: &State, path: &str) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let mut parts = path.trim_start_matches("/avatars/").split('/');
    let (Some(id), Some(file)) = (parts.next(), parts.next()) else {
        return html(404, "no".into());
    };
    let hash = file.trim_end_matches(".img");
    match st.members.get(id) {
        Some(member)
            if member.profile["avatar_hash"].as_str() == Some(hash) && member.photo.is_some() =>
        {
            tiny_http::Response::from_data(member.photo.clone().unwrap())
        }
        _ => html(404, "<h1>no such photo</h1>".into()),
    }
}

fn html(status: u16, body: String) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    tiny_http::Response::from_data(body.into_bytes())
        .with_status_code(status)
        .with_header(
            "Content-Type: text/html; charset=utf-8"
                .parse::<tiny_http::Header>()
                .unwrap(),
        )
}

/// A `302 Found` to `location`.
pub fn redirect(location: &str) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    tiny_http::Response::from_data(Vec::new())
        .with_status_code(302)
        .with_header(
            format!("Location: {location}")
                .parse::<tiny_http::Header>()
                .unwrap(),
        )
}

/// The consent page (`authorize`) and its buttons' target (`decide`).
fn oauth_page(
    st: &mut State,
    path: &str,
    query: &str,
) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let params: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let get = |name: &str| params.get(name).cloned().unwrap_or_default();
    let Some((client_id, _)) = st.oauth_app.clone() else {
        return html(400, "<h1>This app has no OAuth set up</h1>".into());
    };
    if get("client_id") != client_id {
        return html(400, "<h1>invalid_client_id</h1>".into());
    }
    let Some(user) = st.signed_in.clone() else {
        return html(401, "<h1>Sign in to Slack first</h1>".into());
    };
    match path {
        "/oauth/v2/authorize" => {
            let decide = |allow: &str| {
                let mut url = url::Url::parse("http://x/oauth/v2/decide").unwrap();
                url.query_pairs_mut()
                    .append_pair("allow", allow)
                    .extend_pairs(params.iter());
                format!("/oauth/v2/decide?{}", url.query().unwrap())
            };
            html(
                200,
                format!(
                    r#"<!doctype html><title>Slack: authorize</title><h1>statusinator wants to access Stand-in Workspace</h1><p>Signed in as {user}.</p><p>Bot: {}</p><p>You: {}</p><a id="allow" href="{}">Allow</a> <a id="cancel" href="{}">Cancel</a>"#,
                    get("scope"),
                    get("user_scope"),
                    decide("1").replace('&', "&amp;"),
                    decide("0").replace('&', "&amp;")
                ),
            )
        }
        "/oauth/v2/decide" => {
            let mut back = match url::Url::parse(&get("redirect_uri")) {
                Ok(url) => url,
                Err(_) => return html(400, "<h1>bad_redirect_uri</h1>".into()),
            };
            if get("allow") == "1" {
                let code = format!("code-{:016x}", fastrand::u64(..));
                st.grants.insert(
                    code.clone(),
                    Grant {
                        user,
                        scope: get("scope"),
                        user_scope: get("user_scope"),
                        redirect_uri: get("redirect_uri"),
                        issued: Instant::now(),
                        used: false,
                    },
                );
                back.query_pairs_mut()
                    .append_pair("code", &code)
                    .append_pair("state", &get("state"));
            } else {
                back.query_pairs_mut()
                    .append_pair("error", "access_denied")
                    .append_pair("state", &get("state"));
            }
            st.oauth_redirects.push(back.to_string());
            redirect(back.as_str())
        }
        _ => html(404, "<h1>not found</h1>".into()),
    }
}

/// `oauth.v2.access`: a code for tokens.
fn oauth_access(
    st: &mut State,
    auth: Option<&str>,
    form: &HashMap<String, String>,
) -> (u16, Option<u64>, Value, Option<String>) {
    let Some((client_id, client_secret)) = st.oauth_app.clone() else {
        return error("invalid_client_id");
    };
    let Some(basic) = auth.and_then(|a| a.strip_prefix("Basic ")) else {
        return error("invalid_client_id");
    };
    let decoded = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, basic)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default();
    let (id, secret) = decoded.split_once(':').unwrap_or_default();
    if id != client_id {
        return error("invalid_client_id");
    }
    if secret != client_secret {
        return error("bad_client_secret");
    }
    if form.get("grant_type").map(String::as_str) == Some("refresh_token") {
        let given = form.get("refresh_token").cloned().unwrap_or_default();
        let Some((owner, kind, used)) = st.refresh_tokens.get(&given).cloned() else {
            return error("invalid_refresh_token");
        };
        if used {
            return error("invalid_refresh_token");
        }
        st.refresh_tokens.get_mut(&given).unwrap().2 = true;
        let life = st
            .rotation
            .map(|(_, then)| then)
            .unwrap_or(Duration::from_secs(43_200));
        let (access, refresh) = mint(st, &owner, kind, life);
        let team = team_of(st, &owner);
        let mut out = json!({"ok": true, "app_id": "A0STANDIN", "access_token": access,
            "refresh_token": refresh, "expires_in": life.as_secs(),
            "token_type": if kind == Kind::Bot { "bot" } else { "user" },
            "team": {"id": team, "name": "Stand-in Workspace"}, "enterprise": null});
        if kind == Kind::User {
            out["user_id"] = owner.into();
        }
        return (200, None, out, None);
    }
    let code = form.get("code").cloned().unwrap_or_default();
    let Some(grant) = st.grants.get_mut(&code) else {
        return error("invalid_code");
    };
    if grant.used || grant.issued.elapsed() > Duration::from_secs(600) {
        return error("invalid_code");
    }
    if form.get("redirect_uri") != Some(&grant.redirect_uri) {
        return error("bad_redirect_uri");
    }
    grant.used = true;
    let grant = grant.clone();
    let first = st.rotation.map(|(first, _)| first);
    let (user_token, user_refresh) = match first {
        Some(life) => {
            let (access, refresh) = mint(st, &grant.user, Kind::User, life);
            (access, Some(refresh))
        }
        None => {
            let token = format!(
                "xoxp-{}-{:012x}",
                grant.user.to_lowercase(),
                fastrand::u64(..) & 0xffff_ffff_ffff
            );
            st.tokens.insert(
                token.clone(),
                TokenInfo {
                    owner: grant.user.clone(),
                    kind: Kind::User,
                    revoked: false,
                    expires: None,
                    scopes: None,
                },
            );
            (token, None)
        }
    };
    let team = team_of(st, &grant.user);
    let mut out = json!({
        "ok": true,
        "app_id": "A0STANDIN",
        "team": {"id": team, "name": "Stand-in Workspace"},
        "enterprise": null,
        "is_enterprise_install": false,
        "authed_user": {"id": grant.user, "scope": grant.user_scope,
                        "access_token": user_token, "token_type": "user"},
    });
    if let (Some(refresh), Some(life)) = (user_refresh, first) {
        out["authed_user"]["refresh_token"] = refresh.into();
        out["authed_user"]["expires_in"] = life.as_secs().into();
    }
    if !grant.scope.is_empty() {
        let bot_token = format!("xoxb-standin-{:012x}", fastrand::u64(..) & 0xffff_ffff_ffff);
        st.tokens.insert(
            bot_token.clone(),
            TokenInfo {
                owner: "U0BOT".to_owned(),
                kind: Kind::Bot,
                revoked: false,
                expires: None,
                scopes: Some(grant.scope.split(',').map(str::to_owned).collect()),
            },
        );
        out["access_token"] = bot_token.into();
        out["token_type"] = "bot".into();
        out["scope"] = grant.scope.into();
        out["bot_user_id"] = "U0BOT".into();
    }
    (200, None, out, None)
}

/// A rotating access token living `life`, and its single-use refresh token.
fn mint(st: &mut State, owner: &str, kind: Kind, life: Duration) -> (String, String) {
    let kind_prefix = if kind == Kind::Bot { "xoxb" } else { "xoxp" };
    let access = format!(
        "xoxe.{kind_prefix}-{}-{:012x}",
        owner.to_lowercase(),
        fastrand::u64(..) & 0xffff_ffff_ffff
    );
    let refresh = format!("xoxe-1-{:016x}", fastrand::u64(..));
    st.tokens.insert(
        access.clone(),
        TokenInfo {
            owner: owner.to_owned(),
            kind,
            revoked: false,
            expires: Some(Instant::now() + life),
            scopes: None,
        },
    );
    st.refresh_tokens
        .insert(refresh.clone(), (owner.to_owned(), kind, false));
    (access, refresh)
}

fn error(code: &str) -> (u16, Option<u64>, Value, Option<String>) {
    (200, None, json!({"ok": false, "error": code}), None)
}

/// The stand-in's answer: status, Retry-After, body, and the member whose profile changed.
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
    match call.method.as_str() {
        "apps.connections.open" => match &st.socket {
            Some(socket) => (
                200,
                None,
                json!({"ok": true, "url": socket.issue_url()}),
                None,
            ),
            None => error("socket_mode_not_enabled"),
        },
        "auth.revoke" => {
            if let Some(info) = st.tokens.get_mut(&token) {
                info.revoked = true;
            }
            (200, None, json!({"ok": true, "revoked": true}), None)
        }
        "auth.test" => {
            let team = team_of(st, &owner);
            let mut out = json!({"ok": true, "user_id": owner, "team_id": team, "team": "Stand-in Workspace", "user": owner.to_lowercase(), "url": "https://standin.slack.com/"});
            if info.kind == Kind::Bot {
                out["bot_id"] = "B0STANDIN".into();
            }
            (200, None, out, None)
        }
        "users.profile.get" => {
            lapse_statuses(st);
            let user = params.get("user").cloned().unwrap_or(owner);
            match st.members.get(&user) {
                Some(member) => (
                    200,
                    None,
                    json!({"ok": true, "profile": member.profile}),
                    None,
                ),
                None => error("user_not_found"),
            }
        }
        "users.profile.set" => {
            if call.http_method != "POST" {
                return error("invalid_arguments");
            }
            if info.kind != Kind::User {
                return error("not_allowed_token_type");
            }
            if !content_type.starts_with("application/json") {
                return error("invalid_arguments");
            }
            let Ok(value) = serde_json::from_slice::<Value>(body) else {
                return error("invalid_json");
            };
            call.json = Some(value.clone());
            if value
                .get("user")
                .is_some_and(|u| u.as_str() != Some(owner.as_str()))
            {
                return error("not_admin");
            }
            let Some(profile) = value.get("profile").and_then(Value::as_object) else {
                return error("invalid_profile");
            };
            if let Some(name) = profile.get("display_name") {
                let Some(name) = name.as_str() else {
                    return error("invalid_profile");
                };
                if name.chars().count() > 80 {
                    return error("invalid_profile");
                }
                // Slack's documented refusals of a display name.
                if name.trim_start().starts_with('@') {
                    return error("invalid_starts_with_at");
                }
                if name.contains("://") || name.to_ascii_lowercase().contains("www.") {
                    return error("name_not_allowed");
                }
                if ["slackbot", "here", "channel", "everyone"]
                    .iter()
                    .any(|r| name.trim().eq_ignore_ascii_case(r))
                {
                    return error("reserved_name");
                }
            }
            let member = st.members.get_mut(&owner).unwrap();
            for (field, v) in profile {
                member.profile[field] = v.clone();
            }
            (
                200,
                None,
                json!({"ok": true, "profile": member.profile}),
                Some(owner),
            )
        }
        "users.setPhoto" => {
            if call.http_method != "POST" {
                return error("invalid_arguments");
            }
            if info.kind != Kind::User {
                return error("not_allowed_token_type");
            }
            let Some(boundary) = content_type
                .strip_prefix("multipart/form-data")
                .and_then(|rest| rest.split("boundary=").nth(1))
                .map(|b| b.trim_matches('"').to_owned())
            else {
                return error("invalid_form_data");
            };
            let parts = multipart_parts(body, &boundary);
            let Some((bytes, part_type)) = parts.get("image").cloned() else {
                return error("invalid_form_data");
            };
            call.image = Some((bytes.clone(), part_type));
            match imagesize::image_type(&bytes) {
                Ok(
                    imagesize::ImageType::Png
                    | imagesize::ImageType::Jpeg
                    | imagesize::ImageType::Gif,
                ) => {}
                _ => return error("bad_image"),
            }
            let Ok(size) = imagesize::blob_size(&bytes) else {
                return error("bad_image");
            };
            if size.width > 1024 || size.height > 1024 {
                return error("too_large");
            }
            if size.width < 512 || size.height < 512 {
                return error("bad_image");
            }
            set_member_photo(st, &owner, bytes);
            (200, None, json!({"ok": true}), Some(owner))
        }
        "users.deletePhoto" => {
            if info.kind != Kind::User {
                return error("not_allowed_token_type");
            }
            let member = st.members.get_mut(&owner).unwrap();
            member.photo = None;
            member.profile["avatar_hash"] =
                format!("g{:010x}", fastrand::u64(..) & 0xff_ffff_ffff).into();
            member.profile["is_custom_image"] = false.into();
            for size in ["image_original", "image_1024"] {
                member.profile[size] = Value::Null;
            }
            member.profile["image_512"] = "https://secure.gravatar.com/avatar/0.jpg?s=512".into();
            (200, None, json!({"ok": true}), Some(owner))
        }
        "emoji.list" => {
            let granted = info
                .scopes
                .as_ref()
                .is_none_or(|s| s.iter().any(|s| s == "emoji:read"));
            if info.kind != Kind::Bot && info.kind != Kind::User {
                return error("not_allowed_token_type");
            }
            if !granted {
                return (
                    200,
                    None,
                    json!({"ok": false, "error": "missing_scope", "needed": "emoji:read"}),
                    None,
                );
            }
            let emoji: serde_json::Map<String, Value> = st
                .custom_emoji
                .iter()
                .map(|(name, image)| {
                    let target = match image {
                        Ok(_) => format!("{}/emoji/{name}.png", st.base),
                        Err(of) => format!("alias:{of}"),
                    };
                    (name.clone(), Value::String(target))
                })
                .collect();
            (
                200,
                None,
                json!({"ok": true, "emoji": emoji, "cache_ts": "1732406400.000000"}),
                None,
            )
        }
        "users.list" => {
            lapse_statuses(st);
            let limit: usize = params
                .get("limit")
                .and_then(|l| l.parse().ok())
                .unwrap_or(0);
            if limit == 0 {
                return error("limit_required");
            }
            let limit = limit.min(1000);
            let start: usize = match params.get("cursor") {
                None => 0,
                Some(c) => match c.strip_prefix("dXNlcjo").and_then(|n| n.parse().ok()) {
                    Some(n) => n,
                    None => return error("invalid_cursor"),
                },
            };
            let all: Vec<&Member> = st.members.values().collect();
            let page: Vec<Value> = all
                .iter()
                .skip(start)
                .take(limit)
                .map(|m| json!({"id": m.id, "team_id": "T0STANDIN", "deleted": m.deleted, "is_bot": m.is_bot, "profile": m.profile}))
                .collect();
            let next = if start + limit < all.len() {
                format!("dXNlcjo{}", start + limit)
            } else {
                String::new()
            };
            (
                200,
                None,
                json!({"ok": true, "members": page, "cache_ts": 0, "response_metadata": {"next_cursor": next}}),
                None,
            )
        }
        "chat.postMessage" => {
            if info.kind != Kind::Bot {
                // statusinator writes to members as its bot, never as a member.
                return error("not_allowed_token_type");
            }
            let Ok(value) = serde_json::from_slice::<Value>(body) else {
                return error("invalid_json");
            };
            call.json = Some(value.clone());
            let channel = value["channel"].as_str().unwrap_or_default().to_owned();
            if !st.members.contains_key(&channel) {
                return error("channel_not_found");
            }
            (
                200,
                None,
                json!({"ok": true, "channel": format!("D{channel}"), "ts": "1732406400.000100"}),
                None,
            )
        }
        "views.publish" => {
            if info.kind != Kind::Bot {
                // No scope, but only an app's bot publishes a Home view.
                return error("not_allowed_token_type");
            }
            let Ok(value) = serde_json::from_slice::<Value>(body) else {
                return error("invalid_json");
            };
            call.json = Some(value.clone());
            let user = value["user_id"].as_str().unwrap_or_default();
            if !st.members.contains_key(user) {
                return error("user_not_found");
            }
            let view = &value["view"];
            let blocks = view["blocks"].as_array().map(Vec::len);
            let fits = serde_json::to_vec(view).map_or(0, |b| b.len()) <= 250_000;
            if !fits {
                return error("view_too_large");
            }
            // Slack's limits: a home view, at most 100 blocks, section text 1–3000 chars.
            let sections_fit = view["blocks"].as_array().is_some_and(|blocks| {
                blocks.iter().all(|b| {
                    b["type"] != "section"
                        || b["text"]["text"]
                            .as_str()
                            .is_some_and(|t| (1..=3000).contains(&t.chars().count()))
                })
            });
            if view["type"] != "home" || blocks.is_none_or(|n| n > 100) || !sections_fit {
                return error("invalid_arguments");
            }
            (
                200,
                None,
                json!({"ok": true, "view": {"id": "V0HOME", "type": "home", "hash": "1.2"}}),
                None,
            )
        }
        "views.open" | "views.update" => {
            if info.kind != Kind::Bot {
                return error("not_allowed_token_type");
            }
            let Ok(value) = serde_json::from_slice::<Value>(body) else {
                return error("invalid_json");
            };
            call.json = Some(value.clone());
            let view = value["view"].clone();
            let (id, user) = if call.method == "views.open" {
                let trigger = value["trigger_id"].as_str().unwrap_or_default();
                let Some((user, at, used)) = st.triggers.get_mut(trigger) else {
                    return error("invalid_trigger_id");
                };
                if *used {
                    return error("exchanged_trigger_id");
                }
                if at.elapsed() > Duration::from_secs(3) {
                    return error("expired_trigger_id");
                }
                *used = true;
                let user = user.clone();
                (
                    format!("V{:010X}", fastrand::u64(..) & 0xff_ffff_ffff),
                    user,
                )
            } else {
                let id = value["view_id"].as_str().unwrap_or_default().to_owned();
                let Some((user, _)) = st.modals.get(&id) else {
                    return error("not_found");
                };
                (id.clone(), user.clone())
            };
            if let Err(code) = check_modal(&view) {
                return error(code);
            }
            st.modals.insert(id.clone(), (user, view.clone()));
            let mut answered = view;
            answered["id"] = id.into();
            answered["hash"] = format!("{}.{:08x}", 1732406400, fastrand::u32(..)).into();
            (200, None, json!({"ok": true, "view": answered}), None)
        }
        _ => error("unknown_method"),
    }
}

/// The parts of a multipart body by name: bytes and content type.
fn multipart_parts(body: &[u8], boundary: &str) -> HashMap<String, (Vec<u8>, String)> {
    let delimiter = format!("--{boundary}");
    let mut parts = HashMap::new();
    let mut rest = body;
    while let Some(start) = find(rest, delimiter.as_bytes()) {
        rest = &rest[start + delimiter.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        let Some(end) = find(rest, delimiter.as_bytes()) else {
            break;
        };
        let part = &rest[..end];
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let part = part.strip_suffix(b"\r\n").unwrap_or(part);
        if let Some(split) = find(part, b"\r\n\r\n") {
            let headers = String::from_utf8_lossy(&part[..split]).to_string();
            let data = part[split + 4..].to_vec();
            let mut name = None;
            let mut ctype = String::new();
            for line in headers.lines() {
                let lower = line.to_ascii_lowercase();
                if lower.starts_with("content-disposition:") {
                    name = line
                        .split(';')
                        .find_map(|p| p.trim().strip_prefix("name="))
                        .map(|n| n.trim_matches('"').to_owned());
                } else if let Some(v) = lower.strip_prefix("content-type:") {
                    ctype = v.trim().to_owned();
                }
            }
            if let Some(name) = name {
                parts.insert(name, (data, ctype));
            }
        }
    }
    parts
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The fault injected for the next call of `method` (or its outage), answered as Slack would.
fn injected_fault(
    st: &mut State,
    method: &str,
) -> Option<(u16, Option<u64>, Value, Option<String>)> {
    let outage = st
        .outages
        .get(method)
        .filter(|(until, _)| Instant::now() < *until)
        .map(|(_, fault)| fault.clone());
    if let Some(fault) = outage.or_else(|| st.faults.get_mut(method).and_then(VecDeque::pop_front))
    {
        return Some(match fault {
            Fault::Http429(after) => (
                429,
                after,
                json!({"ok": false, "error": "ratelimited"}),
                None,
            ),
            Fault::RateLimitedOk => error("ratelimited"),
            Fault::Status(code) => (code, None, Value::Null, None),
            Fault::Error(code) => error(&code),
        });
    }
    None
}
