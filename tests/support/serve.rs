//! `statusinator serve` as a real process, and requests signed exactly as Slack signs them.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use super::slack::Member;
use super::World;

pub const SECRET: &str = "8f742231b10e8888abcd99a8b7c6d5a5";
/// The stand-in's workspace: every event and request comes from it.
pub const TEAM: &str = "T0STANDIN";

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Slack's signature: `v0=` + hex(HMAC-SHA256(secret, "v0:{ts}:{body}")).
pub fn sign(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("v0:{timestamp}:").as_bytes());
    mac.update(body);
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

static EVENT_SEQ: AtomicU64 = AtomicU64::new(1);

/// A fresh event ID.
pub fn event_id() -> String {
    format!(
        "Ev{:010}{:04x}",
        EVENT_SEQ.fetch_add(1, Ordering::Relaxed),
        fastrand::u16(..)
    )
}

/// A `user_change` envelope for a member as the stand-in holds them (the full profile).
pub fn user_change(member: &Member, event_id: &str) -> Vec<u8> {
    user_event("user_change", member, event_id)
}

/// A `user_change` as an org-wide install gets it, delivered by workspace `team` of
/// organization `org`: `authorizations[0]` names the organization's install.
pub fn org_user_change(member: &Member, event_id: &str, team: &str, org: &str) -> Vec<u8> {
    let mut body: Value = serde_json::from_slice(&user_change(member, event_id)).unwrap();
    body["team_id"] = team.into();
    body["enterprise_id"] = org.into();
    body["event"]["user"]["team_id"] = team.into();
    body["authorizations"] = json!([{"enterprise_id": org, "team_id": team,
        "user_id": "U0BOT", "is_bot": true, "is_enterprise_install": true}]);
    serde_json::to_vec(&body).unwrap()
}

pub fn user_event(kind: &str, member: &Member, event_id: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "token": "deprecated-verification-token",
        "team_id": TEAM,
        "api_app_id": "A0STATUS",
        "event": {
            "type": kind,
            "user": {
                "id": member.id,
                "team_id": TEAM,
                "name": member.id.to_lowercase(),
                "deleted": member.deleted,
                "is_bot": member.is_bot,
                "updated": now(),
                "profile": member.profile,
            },
            "cache_ts": now(),
            "event_ts": format!("{}.000100", now()),
        },
        "type": "event_callback",
        "event_id": event_id,
        "event_time": now(),
        "authorizations": [{"team_id": TEAM, "user_id": "U0BOT", "is_bot": true}],
    }))
    .unwrap()
}

/// An HTTP answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The body as it came.
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// The running service; SIGKILLed when dropped (tests that check the exit use `terminate`).
pub struct Serve {
    pub url: String,
    pub child: Option<Child>,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Serve {
    /// Starts `serve` in the world, with `extra` arguments and `env`; waits until it listens
    /// and has read users.json.
    pub fn start(world: &World, extra: &[&str], env: &[(&str, &str)]) -> Serve {
        let serve = Serve::start_unwaited(world, extra, env);
        // users.json is read in the background: a test's events start once it is in.
        super::wait_until("serve reads users.json", Duration::from_secs(60), || {
            serve.health()["presets"] == "loaded"
        });
        serve
    }

    /// Starts `serve` and waits only until it listens.
    pub fn start_unwaited(world: &World, extra: &[&str], env: &[(&str, &str)]) -> Serve {
        let mut cmd = world.command();
        cmd.arg("serve");
        if !extra.contains(&"--listen") {
            cmd.args(["--listen", "127.0.0.1:0"]);
        }
        // The exact calls of a test are its own: serve's reconciling reads only where a test
        // asks for them.
        if !extra.contains(&"--reconcile-every") {
            cmd.args(["--reconcile-every", "0"]);
        }
        cmd.args(extra)
            .env("SLACK_SIGNING_SECRET", SECRET)
            .env_remove("STATUSINATOR_ADMIN_TOKEN")
            .env("RUST_LOG", "statusinator=debug")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = BufReader::new(stderr).read_to_string(&mut text);
            text
        });
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let Some(url) = line
            .trim()
            .strip_prefix("statusinator serve: listening on ")
        else {
            let _ = child.kill();
            let status = child.wait().unwrap();
            panic!(
                "serve did not start ({status}): {line}\n{}",
                stderr.join().unwrap()
            );
        };
        Serve {
            url: url.to_owned(),
            child: Some(child),
            stderr: Some(stderr),
        }
    }

    pub fn address(&self) -> &str {
        self.url.trim_start_matches("http://")
    }

    /// Sends one raw HTTP/1.1 request and reads the answer.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        let mut stream = TcpStream::connect(self.address()).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\nConnection: close\r\n",
            self.address(),
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        // The service may answer (413) and close before reading a large body.
        let _ = stream.write_all(body);
        if method == "HEAD" {
            read_head_reply(&mut stream)
        } else {
            read_reply(&mut stream)
        }
    }

    /// Posts a body to the Events URL, signed now.
    pub fn post_signed(&self, body: &[u8], extra: &[(&str, &str)]) -> Reply {
        let ts = now().to_string();
        let signature = sign(SECRET, &ts, body);
        let mut headers = vec![
            ("Content-Type", "application/json"),
            ("X-Slack-Request-Timestamp", ts.as_str()),
            ("X-Slack-Signature", signature.as_str()),
        ];
        headers.extend_from_slice(extra);
        self.request("POST", "/slack/events", &headers, body)
    }

    /// Posts a form-encoded body (a slash command, an interaction) to the Request URL, signed
    /// now, as Slack does.
    pub fn post_signed_form(&self, fields: &[(&str, &str)]) -> Reply {
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let ts = now().to_string();
        let signature = sign(SECRET, &ts, body.as_bytes());
        let headers = [
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("X-Slack-Request-Timestamp", ts.as_str()),
            ("X-Slack-Signature", signature.as_str()),
        ];
        self.request("POST", "/slack/events", &headers, body.as_bytes())
    }

    /// `user` opens the app's Home tab (`app_home_opened`, signed like any event).
    pub fn home_opened(&self, user: &str) -> Reply {
        let body = json!({
            "token": "deprecated-verification-token",
            "team_id": TEAM,
            "api_app_id": "A0STATUS",
            "event": {"type": "app_home_opened", "user": user, "channel": "D0HOME",
                      "tab": "home", "event_ts": format!("{}.000100", now())},
            "type": "event_callback",
            "event_id": event_id(),
            "event_time": now(),
        });
        self.post_signed(&serde_json::to_vec(&body).unwrap(), &[])
    }

    /// `user` clicks the button `action_id` on their Home tab (`block_actions`, form-encoded,
    /// signed).
    pub fn click(&self, user: &str, action_id: &str) -> Reply {
        self.click_on(
            user,
            action_id,
            action_id,
            "13345224609.738474920.8088930838d88f008e0",
        )
    }

    /// `user` clicks a button with `value` on their Home tab; Slack's payload carries
    /// `trigger_id` (from the stand-in, to open a modal with).
    pub fn click_on(&self, user: &str, action_id: &str, value: &str, trigger_id: &str) -> Reply {
        self.post_signed_form(&[(
            "payload",
            &click_payload(user, action_id, value, trigger_id),
        )])
    }

    /// `user` submits the modal `view_id` (showing `view`) with these `state.values`.
    pub fn submit(&self, user: &str, view_id: &str, view: &Value, values: Value) -> Reply {
        self.post_signed_form(&[("payload", &submission(user, view_id, view, values))])
    }

    /// `/statusinator <text>` typed by `user`.
    pub fn slash(&self, user: &str, text: &str) -> Reply {
        self.slash_named("/statusinator", user, text)
    }

    /// A slash command of any name, as Slack posts it to the Request URL.
    pub fn slash_named(&self, command: &str, user: &str, text: &str) -> Reply {
        self.post_signed_form(&[
            ("command", command),
            ("text", text),
            ("user_id", user),
            ("team_id", TEAM),
            ("trigger_id", "13345224609.738474920.8088930838d88f008e0"),
            (
                "response_url",
                "https://hooks.slack.com/commands/T0STANDIN/1/x",
            ),
        ])
    }

    /// Sends a member's `user_change` as Slack would; returns the answer and the event ID.
    pub fn user_change(&self, member: &Member) -> (Reply, String) {
        let id = event_id();
        (self.post_signed(&user_change(member, &id), &[]), id)
    }

    pub fn get(&self, path: &str) -> Reply {
        self.request("GET", path, &[], b"")
    }

    pub fn health(&self) -> Value {
        self.get("/healthz").json()
    }

    /// One sample of `/metrics` (`name{labels}` exactly), 0 when absent.
    pub fn metric(&self, series: &str) -> f64 {
        let text = self.get("/metrics").body;
        text.lines()
            .find_map(|line| {
                let (name, value) = line.rsplit_once(' ')?;
                (name == series).then(|| value.parse().unwrap())
            })
            .unwrap_or(0.0)
    }

    /// The sum of a metric's series, whatever their labels.
    pub fn metric_total(&self, name: &str) -> f64 {
        self.get("/metrics")
            .body
            .lines()
            .filter(|l| l.starts_with(name))
            .filter_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
            .sum()
    }

    /// The requests workers have applied so far, whatever came of them.
    pub fn applies(&self) -> f64 {
        self.metric_total("statusinator_applies_total")
    }

    /// Waits until nothing is queued and workers have applied `applies` requests in all.
    pub fn settle(&self, applies: f64) {
        let what = format!("the service applies {applies} requests");
        super::wait_until(&what, Duration::from_secs(30), || {
            let health = self.health();
            self.applies() >= applies && health["queue"] == 0 && health["dead_letter"] == 0
        });
    }

    /// Events taken in so far (whatever became of them).
    pub fn events_seen(&self) -> f64 {
        self.metric_total("statusinator_events_total")
    }

    /// Waits until `events` events were taken in and everything they caused is done: nothing
    /// queued, dead-lettered, wanted or being worked on, and no app job waiting. What a test
    /// of "nothing more happens" waits for.
    pub fn idle_after(&self, events: f64) {
        let what = format!("{events} events taken in and worked");
        super::wait_until(&what, Duration::from_secs(30), || {
            let health = self.health();
            self.events_seen() >= events
                && [
                    "queue",
                    "dead_letter",
                    "wanted",
                    "held",
                    "working",
                    "app_jobs",
                ]
                .iter()
                .all(|depth| health[*depth] == 0)
        });
    }

    /// Sends SIGTERM and waits for the exit; returns the exit code and stderr.
    pub fn terminate(mut self) -> (Option<i32>, String) {
        let mut child = self.child.take().unwrap();
        let pid = child.id().to_string();
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(status.success());
        let status = super::wait_for("serve exits after SIGTERM", Duration::from_secs(30), || {
            child.try_wait().unwrap()
        });
        (status.code(), self.stderr.take().unwrap().join().unwrap())
    }

    /// Stops the service and returns what it logged.
    pub fn logs(mut self) -> String {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.stderr.take().unwrap().join().unwrap()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        // A failing test shows what serve logged, the last of it, to tell what went wrong.
        if std::thread::panicking() {
            if let Some(logs) = self.stderr.take().and_then(|t| t.join().ok()) {
                let lines: Vec<&str> = logs.lines().collect();
                let tail = &lines[lines.len().saturating_sub(150)..];
                eprintln!("--- serve's last log lines ---\n{}", tail.join("\n"));
            }
        }
    }
}

/// Reads one HTTP/1.1 answer (Content-Length framed, or until the connection closes).
pub fn read_reply(stream: &mut TcpStream) -> Reply {
    read_reply_of(stream, false)
}

/// Reads the answer to a HEAD: its head alone (its Content-Length is the GET's body's).
pub fn read_head_reply(stream: &mut TcpStream) -> Reply {
    read_reply_of(stream, true)
}

fn read_reply_of(stream: &mut TcpStream, head_only: bool) -> Reply {
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line).unwrap();
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .unwrap_or_else(|| panic!("no HTTP status line: {status_line:?}"))
        .parse()
        .unwrap();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap();
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.parse::<usize>().unwrap());
    let mut body = Vec::new();
    match length {
        _ if head_only => {}
        Some(n) => {
            body.resize(n, 0);
            reader.read_exact(&mut body).unwrap();
        }
        None => {
            let _ = reader.read_to_end(&mut body);
        }
    }
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        bytes: body,
    }
}

/// Makes the stand-in deliver a signed `user_change` to the service after every successful
/// profile change, as Slack does.
pub fn echo_changes(world: &World, url: &str) {
    echo_changes_to(world, &[url]);
}

/// Like [`echo_changes`], for replicas behind one address: each echo goes to the next of `urls`
/// in turn.
pub fn echo_changes_to(world: &World, urls: &[&str]) {
    let addresses: Vec<String> = urls
        .iter()
        .map(|url| url.trim_start_matches("http://").to_owned())
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    world.slack.on_change(Box::new(move |member: &Member| {
        let member = member.clone();
        let turn = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let address = addresses[turn % addresses.len()].clone();
        std::thread::spawn(move || {
            let body = user_change(&member, &event_id());
            let ts = now().to_string();
            let signature = sign(SECRET, &ts, &body);
            let mut stream = TcpStream::connect(&address).unwrap();
            let head = format!(
                "POST /slack/events HTTP/1.1\r\nHost: {address}\r\nContent-Type: \
                 application/json\r\nX-Slack-Request-Timestamp: {ts}\r\nX-Slack-Signature: \
                 {signature}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes()).unwrap();
            stream.write_all(&body).unwrap();
            let reply = read_reply(&mut stream);
            assert_eq!(
                reply.status, 200,
                "the echo was not acknowledged: {reply:?}"
            );
        });
    }));
}

/// The preset form's `state.values`, as Slack sends them.
pub fn preset_values(emoji: &str, name: Option<&str>, files: Vec<Value>) -> Value {
    json!({
        "emoji": {"emoji": {"type": "plain_text_input", "value": emoji}},
        "name": {"name": {"type": "plain_text_input", "value": name}},
        "picture": {"picture": {"type": "file_input", "files": files}},
    })
}

/// Waits until the modal open for `user` says `what`; returns its text.
pub fn modal_says(world: &World, user: &str, what: &str) -> String {
    let mut text = String::new();
    crate::support::wait_until(what, Duration::from_secs(20), || {
        text = world
            .slack
            .modal(user)
            .map(|(_, v)| v.to_string())
            .unwrap_or_default();
        text.contains(what)
    });
    text
}

/// A `block_actions` payload as Slack sends it for a button on the Home tab.
pub fn click_payload(user: &str, action_id: &str, value: &str, trigger_id: &str) -> String {
    json!({
        "type": "block_actions",
        "user": {"id": user, "username": user.to_lowercase(), "team_id": TEAM},
        "team": {"id": TEAM, "domain": "test"},
        "api_app_id": "A0STATUS",
        "trigger_id": trigger_id,
        "container": {"type": "view", "view_id": "V0HOME"},
        "view": {"id": "V0HOME", "type": "home", "hash": "1.2"},
        "actions": [{"action_id": action_id, "block_id": "b", "type": "button",
                     "value": value, "action_ts": format!("{}.000200", now())}],
    })
    .to_string()
}

/// A `view_submission` payload as Slack sends it when `user` submits a modal.
pub fn submission(user: &str, view_id: &str, view: &Value, values: Value) -> String {
    json!({
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "test"},
        "user": {"id": user, "username": user.to_lowercase(), "team_id": TEAM},
        "api_app_id": "A0STATUS",
        "trigger_id": "13345224609.738474920.8088930838d88f008e1",
        "view": {
            "id": view_id, "type": "modal", "team_id": TEAM,
            "callback_id": view["callback_id"], "private_metadata": view["private_metadata"],
            "blocks": view["blocks"], "title": view["title"], "hash": "1732406400.abcd",
            "state": {"values": values},
        },
        "response_urls": [],
    })
    .to_string()
}

/// A whole HTTP request to the Events URL of serve at `address`, signed now (for load
/// generators writing straight to a socket).
pub fn signed_request(address: &str, body: &[u8]) -> Vec<u8> {
    let ts = now().to_string();
    let signature = sign(SECRET, &ts, body);
    let mut out = format!(
        "POST /slack/events HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         X-Slack-Request-Timestamp: {ts}\r\nX-Slack-Signature: {signature}\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// Reads one answer off a keep-alive connection, pipelined answers after it kept in
/// `buffer`; returns its status.
pub fn read_answer(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> u16 {
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buffer[..end]).unwrap();
            let status: u16 = head[9..12].parse().unwrap();
            let length: usize = head
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().unwrap())
                })
                .unwrap_or(0);
            let total = end + 4 + length;
            if buffer.len() >= total {
                buffer.drain(..total);
                return status;
            }
        }
        let n = stream.read(&mut chunk).unwrap();
        assert!(n > 0, "the service closed the connection");
        buffer.extend_from_slice(&chunk[..n]);
    }
}
