//! `statusinator serve` as a real process: events signed as Slack signs them, the Slack stand-in
//! sending a signed `user_change` back after every profile write, as Slack does.

mod support;

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::serve::{self, echo_changes, now, sign, user_change, Serve, SECRET};
use support::{images, wait_until, Scene, World};

/// Ana and Ben with vacation (name + photo) and default presets; Cat is in the workspace but
/// not onboarded.
fn team(scene: Scene) -> World {
    let mut world = World::new(scene);
    world.scene.write("beach.png", images::png(512, 512, 1));
    world.scene.write("home.png", images::png(600, 600, 2));
    world.onboard_team(&[("U0ANA0001", "Ana"), ("U0BEN0002", "Ben")]);
    world.member("U0CAT0003", "Cat");
    world
}

/// Waits until the service counted `n` events with this outcome.
fn wait_for_events(serve: &Serve, outcome: &str, n: f64) {
    let series = format!("statusinator_events_total{{outcome=\"{outcome}\"}}");
    wait_until(
        &format!("{series} reaches {n}"),
        Duration::from_secs(20),
        || serve.metric(&series) >= n,
    );
}

fn status_change_is_applied_and_its_echoes_write_nothing(world: World) {
    let serve = Serve::start(&world, &[], &[]);
    echo_changes(&world, &serve.url);
    world.slack.set_status("U0ANA0001", ":palm_tree:");
    let (reply, _) = serve.user_change(&world.slack.member("U0ANA0001"));
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body, "", "acknowledged with an empty body");
    serve.settle(1.0);
    // The profile write and the photo write each come back as a user_change: both are
    // acknowledged and neither writes again.
    wait_for_events(&serve, "unchanged", 2.0);
    serve.settle(1.0);
    // Her usual profile comes from the event itself (no read); the photo's avatar_hash is read
    // back, so her own echoes are told from a hand edit.
    assert_eq!(
        world.slack.methods(),
        [
            "auth.test",
            "users.profile.set",
            "users.setPhoto",
            "users.profile.get"
        ]
    );
    let ana = world.slack.member("U0ANA0001");
    assert_eq!(ana.profile["display_name"], "Ana (away)");
    assert_eq!(ana.photo.unwrap(), images::png(512, 512, 1));
    let calls = world.slack.calls();
    assert!(calls
        .iter()
        .all(|c| c.token_owner.as_deref() == Some("U0ANA0001")));
    assert_eq!(
        world.applied()["users"]["U0ANA0001"]["emoji"],
        ":palm_tree:"
    );
    assert_eq!(
        serve.metric("statusinator_applies_total{outcome=\"applied\"}"),
        1.0
    );
    assert_eq!(
        serve.metric("statusinator_slack_calls_total{method=\"users.setPhoto\",status=\"200\"}"),
        1.0
    );
}

#[test]
fn a_status_change_is_applied_and_its_echoes_write_nothing() {
    status_change_is_applied_and_its_echoes_write_nothing(team(Scene::local()));
}

#[test]
fn a_status_change_is_applied_with_an_s3_store() {
    status_change_is_applied_and_its_echoes_write_nothing(team(Scene::s3()));
}

#[test]
fn clearing_the_status_applies_default_and_user_status_changed_counts_too() {
    let world = team(Scene::local());
    let serve = Serve::start(&world, &[], &[]);
    echo_changes(&world, &serve.url);
    world
        .slack
        .set_status("U0BEN0002", ":face_with_thermometer:");
    let body = serve::user_event(
        "user_status_changed",
        &world.slack.member("U0BEN0002"),
        &serve::event_id(),
    );
    assert_eq!(serve.post_signed(&body, &[]).status, 200);
    serve.settle(1.0);
    assert_eq!(
        world.slack.member("U0BEN0002").profile["display_name"],
        "Ben (sick)"
    );
    world.slack.set_status("U0BEN0002", "");
    world.slack.clear_calls();
    assert_eq!(
        serve.user_change(&world.slack.member("U0BEN0002")).0.status,
        200
    );
    serve.settle(2.0);
    let ben = world.slack.member("U0BEN0002");
    assert_eq!(ben.profile["display_name"], "Ben");
    assert_eq!(ben.photo.unwrap(), images::png(600, 600, 2));
    assert_eq!(
        world.slack.methods(),
        ["users.profile.set", "users.setPhoto", "users.profile.get"],
        "the token's owner is known from the first apply"
    );
    assert_eq!(world.applied()["users"]["U0BEN0002"]["emoji"], "");
    assert_eq!(world.applied()["users"]["U0BEN0002"]["preset"], "default");
}

#[test]
fn a_member_who_is_not_onboarded_costs_no_call() {
    let world = team(Scene::local());
    let serve = Serve::start(&world, &[], &[]);
    world.slack.set_status("U0CAT0003", ":palm_tree:");
    for _ in 0..50 {
        let (reply, _) = serve.user_change(&world.slack.member("U0CAT0003"));
        assert_eq!(reply.status, 200);
    }
    // A member of another workspace's shape, a bot and a deactivated member: ignored.
    let mut bot = world.slack.member("U0CAT0003");
    bot.is_bot = true;
    assert_eq!(serve.user_change(&bot).0.status, 200);
    // Held until users.json is checked again (within a second), then dropped.
    serve.idle_after(51.0);
    assert_eq!(
        serve.metric("statusinator_events_total{outcome=\"not_onboarded\"}"),
        50.0
    );
    assert_eq!(
        serve.metric("statusinator_events_total{outcome=\"ignored\"}"),
        1.0
    );
    assert!(
        world.slack.calls().is_empty(),
        "{:?}",
        world.slack.methods()
    );
    assert_eq!(serve.health()["queue"], 0);
    assert!(world.applied().is_null(), "nothing recorded");
}

#[test]
fn a_member_onboarded_while_serving_is_picked_up_within_a_second() {
    let world = team(Scene::local());
    let serve = Serve::start(&world, &[], &[]);
    world.scene.write("cat.png", images::png(700, 700, 3));
    world.onboard(
        json!({"U0CAT0003": {":palm_tree:": {"name": "Cat (away)", "picture": "cat.png"}}}),
    );
    world.slack.set_status("U0CAT0003", ":palm_tree:");
    let (reply, _) = serve.user_change(&world.slack.member("U0CAT0003"));
    assert_eq!(reply.status, 200);
    serve.settle(1.0);
    assert_eq!(
        world.slack.member("U0CAT0003").profile["display_name"],
        "Cat (away)"
    );
    assert!(serve
        .logs()
        .contains("users.json changed: 3 members onboarded"));
}

#[test]
fn a_redelivered_event_is_processed_once() {
    let world = team(Scene::local());
    let serve = Serve::start(&world, &[], &[]);
    world
        .slack
        .set_status("U0ANA0001", ":face_with_thermometer:");
    let body = user_change(&world.slack.member("U0ANA0001"), "Ev0DUPLICATE1");
    assert_eq!(serve.post_signed(&body, &[]).status, 200);
    for retry in ["1", "2", "3"] {
        let reply = serve.post_signed(
            &body,
            &[
                ("X-Slack-Retry-Num", retry),
                ("X-Slack-Retry-Reason", "http_timeout"),
            ],
        );
        assert_eq!(reply.status, 200);
    }
    serve.settle(1.0);
    assert_eq!(
        serve.metric("statusinator_events_total{outcome=\"duplicate\"}"),
        3.0
    );
    assert_eq!(world.slack.methods(), ["auth.test", "users.profile.set"]);
}

#[test]
fn a_burst_against_a_slow_slack_gets_exactly_the_designed_answers() {
    let mut world = team(Scene::local());
    let mut presets = serde_json::Map::new();
    for i in 3..=7 {
        let id = format!("U0MEM000{i}");
        world.member(&id, &format!("Member {i}"));
        presets.insert(
            id,
            json!({":palm_tree:": {"name": format!("Member {i} (away)")}}),
        );
    }
    world.onboard(Value::Object(presets));
    world.slack.set_latency(Duration::from_millis(700));
    let serve = Serve::start(
        &world,
        &[
            "--workers",
            "1",
            "--queue-capacity",
            "2",
            "--dead-letter-capacity",
            "1",
        ],
        &[],
    );
    let change = |id: &str| {
        world.slack.set_status(id, ":palm_tree:");
        serve.user_change(&world.slack.member(id))
    };
    // The one worker takes the first request and waits on Slack.
    assert_eq!(change("U0MEM0003").0.status, 200);
    wait_until("the worker takes it", Duration::from_secs(10), || {
        let health = serve.health();
        health["working"] == 1 && health["queue"] == 0
    });
    // Two fit in the queue.
    assert_eq!(change("U0MEM0004").0.status, 200);
    assert_eq!(change("U0MEM0005").0.status, 200);
    // The queue is full: 503, so that Slack retries.
    let (reply, _) = change("U0MEM0006");
    assert_eq!(reply.status, 503);
    assert_eq!(reply.header("X-Slack-No-Retry"), None);
    // Slack's retry of it goes into the dead-letter queue: 200.
    let body = user_change(&world.slack.member("U0MEM0006"), "Ev0RETRIED06");
    let reply = serve.post_signed(&body, &[("X-Slack-Retry-Num", "1")]);
    assert_eq!(reply.status, 200);
    // Both full: 503 and no more retries.
    let body = user_change(&world.slack.member("U0MEM0007"), "Ev0RETRIED07");
    let reply = serve.post_signed(&body, &[("X-Slack-Retry-Num", "1")]);
    assert_eq!(reply.status, 503);
    assert_eq!(reply.header("X-Slack-No-Retry"), Some("1"));
    // A waiting member's newer status replaces the waiting one and needs no place.
    world
        .slack
        .set_status("U0MEM0004", ":face_with_thermometer:");
    assert_eq!(
        serve.user_change(&world.slack.member("U0MEM0004")).0.status,
        200
    );
    let health = serve.health();
    assert_eq!(
        (health["queue"].clone(), health["dead_letter"].clone()),
        (json!(2), json!(1))
    );

    // The dead letter drains once the queue empties, and U0MEM0007, answered 503 with no
    // retry, is not forgotten: its latest status was kept and is worked as the worker frees up.
    serve.settle(5.0);
    let names: Vec<String> = (3..=7)
        .map(|i| {
            world.slack.member(&format!("U0MEM000{i}")).profile["display_name"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        names,
        [
            "Member 3 (away)",
            "Member 4",
            "Member 5 (away)",
            "Member 6 (away)",
            "Member 7"
        ],
        "Member 4's latest status and Member 7's (cleared) have no preset and no default: \
         nothing to write"
    );
    // Member 7, answered 503 with no retry, was still worked, from its kept wanted status.
    assert_eq!(
        serve.metric("statusinator_applies_total{outcome=\"no_preset\"}"),
        2.0
    );
    for (outcome, n) in [
        ("queued", 3.0),
        ("replaced", 1.0),
        ("rejected_full", 1.0),
        ("dead_lettered", 1.0),
        ("rejected_no_retry", 1.0),
    ] {
        assert_eq!(
            serve.metric(&format!(
                "statusinator_events_total{{outcome=\"{outcome}\"}}"
            )),
            n,
            "{outcome}"
        );
    }
}

#[test]
fn bad_signatures_stale_timestamps_and_oversize_bodies_are_refused() {
    let world = team(Scene::local());
    let serve = Serve::start(&world, &[], &[]);
    world.slack.set_status("U0ANA0001", ":palm_tree:");
    let body = user_change(&world.slack.member("U0ANA0001"), "Ev0BAD000001");
    let ts = now().to_string();
    let good = sign(SECRET, &ts, &body);
    let wrong = sign("another-secret", &ts, &body);
    let stale_ts = (now() - 301).to_string();
    let stale = sign(SECRET, &stale_ts, &body);
    let future_ts = (now() + 301).to_string();
    let future = sign(SECRET, &future_ts, &body);
    let cases: [(&[(&str, &str)], &str); 5] = [
        (
            &[
                ("X-Slack-Request-Timestamp", &ts),
                ("X-Slack-Signature", &wrong),
            ],
            "does not match",
        ),
        (
            &[
                ("X-Slack-Request-Timestamp", &stale_ts),
                ("X-Slack-Signature", &stale),
            ],
            "more than 300 s",
        ),
        (
            &[
                ("X-Slack-Request-Timestamp", &future_ts),
                ("X-Slack-Signature", &future),
            ],
            "more than 300 s",
        ),
        (
            &[("X-Slack-Signature", &good)],
            "no X-Slack-Request-Timestamp",
        ),
        (
            &[("X-Slack-Request-Timestamp", &ts)],
            "no X-Slack-Signature",
        ),
    ];
    for (headers, why) in cases {
        let reply = serve.request("POST", "/slack/events", headers, &body);
        assert_eq!(reply.status, 401, "{headers:?}");
        assert!(reply.body.contains(why), "{}", reply.body);
    }
    // A body changed after signing.
    let mut tampered = body.clone();
    let at = tampered.len() - 3;
    tampered[at] = b' ';
    let reply = serve.request(
        "POST",
        "/slack/events",
        &[
            ("X-Slack-Request-Timestamp", &ts),
            ("X-Slack-Signature", &good),
        ],
        &tampered,
    );
    assert_eq!(reply.status, 401);

    // Over 1 MiB: 413, whether announced or not.
    let big = vec![b' '; 1024 * 1024 + 1];
    let reply = serve.post_signed(&big, &[]);
    assert_eq!(reply.status, 413);
    let mut stream = TcpStream::connect(serve.address()).unwrap();
    write!(
        stream,
        "POST /slack/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .unwrap();
    let chunk = vec![b'a'; 256 * 1024];
    for _ in 0..5 {
        if write!(stream, "{:x}\r\n", chunk.len()).is_err()
            || stream.write_all(&chunk).is_err()
            || stream.write_all(b"\r\n").is_err()
        {
            break;
        }
    }
    assert_eq!(serve::read_reply(&mut stream).status, 413);

    serve.idle_after(8.0);
    assert!(world.slack.calls().is_empty());
    assert_eq!(
        serve.metric("statusinator_events_total{outcome=\"bad_signature\"}"),
        6.0
    );
    assert_eq!(
        serve.metric("statusinator_events_total{outcome=\"too_large\"}"),
        2.0
    );
    let logs = serve.logs();
    assert!(!logs.contains(SECRET), "the signing secret leaked");
}

#[test]
fn url_verification_is_answered_with_the_challenge_and_other_events_are_ignored() {
    let world = team(Scene::local());
    let serve = Serve::start(&world, &[], &[]);
    let body = br#"{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"#;
    let reply = serve.post_signed(body, &[]);
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.json()["challenge"],
        "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    );
    // Unsigned, it is refused like anything else.
    let reply = serve.request("POST", "/slack/events", &[], body);
    assert_eq!(reply.status, 401);
    let other = br#"{"type":"event_callback","event_id":"Ev1","event":{"type":"team_join","user":{"id":"U9"}}}"#;
    assert_eq!(serve.post_signed(other, &[]).status, 200);
    let limited = br#"{"token":"t","type":"app_rate_limited","team_id":"T0TEST","minute_rate_limited":1518467820,"api_app_id":"A0"}"#;
    assert_eq!(serve.post_signed(limited, &[]).status, 200);
    let reply = serve.post_signed(b"{not json", &[]);
    assert_eq!(reply.status, 400);
    assert_eq!(serve.get("/nowhere").status, 404);
    assert_eq!(serve.get("/slack/events").status, 405);
}

#[test]
fn a_silent_client_cannot_hold_the_server() {
    let world = team(Scene::local());
    let serve = Serve::start(&world, &[], &[]);
    // Half a request head, then nothing; and a connection that says nothing at all.
    let mut silent = Vec::new();
    for _ in 0..64 {
        let mut stream = TcpStream::connect(serve.address()).unwrap();
        stream
            .write_all(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n")
            .unwrap();
        silent.push(stream);
        silent.push(TcpStream::connect(serve.address()).unwrap());
    }
    // A body that never finishes.
    let mut slow = TcpStream::connect(serve.address()).unwrap();
    slow.write_all(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        .unwrap();
    let started = Instant::now();
    for _ in 0..20 {
        assert_eq!(serve.get("/healthz").status, 200);
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    drop(silent);
}

#[test]
fn sigterm_finishes_the_queued_work_and_exits_0() {
    let world = team(Scene::local());
    world.slack.set_latency(Duration::from_millis(300));
    let serve = Serve::start(&world, &["--workers", "1"], &[]);
    world.slack.set_status("U0ANA0001", ":palm_tree:");
    world
        .slack
        .set_status("U0BEN0002", ":face_with_thermometer:");
    assert_eq!(
        serve.user_change(&world.slack.member("U0ANA0001")).0.status,
        200
    );
    assert_eq!(
        serve.user_change(&world.slack.member("U0BEN0002")).0.status,
        200
    );
    let (code, logs) = serve.terminate();
    assert_eq!(code, Some(0), "{logs}");
    assert!(logs.contains("every queued request was worked"), "{logs}");
    assert_eq!(
        world.slack.member("U0BEN0002").profile["display_name"],
        "Ben (sick)",
        "queued work finished before the exit"
    );
    assert_eq!(
        world.applied()["users"]["U0ANA0001"]["emoji"],
        ":palm_tree:"
    );
}

#[test]
fn serve_without_a_signing_secret_or_with_a_busy_address_says_what_to_fix() {
    let world = team(Scene::local());
    let out = world
        .command()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env_remove("SLACK_SIGNING_SECRET")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SLACK_SIGNING_SECRET: it is not set"));

    // Every problem at once, each named with its fix.
    let out = world
        .command()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env_remove("SLACK_SIGNING_SECRET")
        .env("SLACK_CLIENT_ID", "1.2")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for var in [
        "SLACK_SIGNING_SECRET:",
        "SLACK_CLIENT_SECRET:",
        "STATUSINATOR_PUBLIC_URL:",
        "STATUSINATOR_SECRET_KEY:",
    ] {
        assert!(err.contains(var), "{var} in {err}");
    }
    assert!(err.contains("4 problems to fix"), "{err}");

    // A value an env file's description was pasted with: named, not shown, nothing started.
    let pasted = format!("{SECRET}   Basic Information → App Credentials");
    let out = world
        .command()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("SLACK_SIGNING_SECRET", &pasted)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("SLACK_SIGNING_SECRET: the value has spaces in it"),
        "{err}"
    );
    assert!(!err.contains(SECRET), "the secret was shown: {err}");

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let out = world
        .command()
        .args(["serve", "--listen", &address])
        .env("SLACK_SIGNING_SECRET", SECRET)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on {address}")),
        "{stderr}"
    );
}

#[test]
fn post_onboard_needs_the_admin_token_and_feeds_the_cache() {
    let world = team(Scene::local());
    let off = Serve::start(&world, &[], &[]);
    assert_eq!(off.request("POST", "/onboard", &[], b"{}").status, 404);
    drop(off);

    let serve = Serve::start(
        &world,
        &[],
        &[("STATUSINATOR_ADMIN_TOKEN", "adm-0123456789")],
    );
    let picture = format!(
        "data:image/png;base64,{}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            images::png(512, 512, 9)
        )
    );
    let input = serde_json::to_vec(&json!({
        "U0CAT0003": {":palm_tree:": {"name": "Cat (away)", "picture": picture}}
    }))
    .unwrap();
    for auth in [
        None,
        Some("Bearer wrong"),
        Some("adm-0123456789"),
        Some("Bearer "),
    ] {
        let headers: Vec<(&str, &str)> = auth.map(|a| ("Authorization", a)).into_iter().collect();
        let reply = serve.request("POST", "/onboard", &headers, &input);
        assert_eq!(reply.status, 401, "{auth:?}");
    }
    let bearer = [("Authorization", "Bearer adm-0123456789")];
    // Every problem reported, nothing written.
    let before = world.scene.snapshot();
    let bad = br#"{"U0CAT0003": {":palm_tree:": {"picture": "cat.png"}}, "nobody": {}}"#;
    let reply = serve.request("POST", "/onboard", &bearer, bad);
    assert_eq!(reply.status, 422, "{}", reply.body);
    // The bad member ID, its empty presets and the local file.
    assert_eq!(
        reply.json()["problems"].as_array().unwrap().len(),
        3,
        "{}",
        reply.body
    );
    assert_eq!(world.scene.snapshot(), before);

    let reply = serve.request("POST", "/onboard", &bearer, &input);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["presets"]["added"], 1);
    let key = world.picture_key("U0CAT0003", ":palm_tree:");
    assert_eq!(world.scene.get(&key).unwrap(), images::png(512, 512, 9));

    // The new member is served at once.
    world.slack.set_status("U0CAT0003", ":palm_tree:");
    assert_eq!(
        serve.user_change(&world.slack.member("U0CAT0003")).0.status,
        200
    );
    serve.settle(1.0);
    assert_eq!(
        world.slack.member("U0CAT0003").photo.unwrap(),
        images::png(512, 512, 9)
    );
    let logs = serve.logs();
    assert!(!logs.contains("adm-0123456789"), "the admin token leaked");
}

#[test]
fn requests_signed_by_slacks_own_sdk_are_accepted() {
    let python = support::python_with("slack_sdk");
    let world = team(Scene::local());
    let serve = Serve::start(&world, &[], &[]);
    world
        .slack
        .set_status("U0ANA0001", ":face_with_thermometer:");
    let body = user_change(&world.slack.member("U0ANA0001"), "Ev0SDKSIGNED");
    let ts = now().to_string();
    // slack_sdk's SignatureVerifier, given the same secret, signs the body; its signature of
    // Slack's published test vector is checked too.
    let script = r#"
import sys
from slack_sdk.signature import SignatureVerifier
secret, ts, body = sys.argv[1], sys.argv[2], sys.stdin.buffer.read().decode()
vector = SignatureVerifier("8f742231b10e8888abcd99yyyzzz85a5").generate_signature(
    timestamp="1531420618",
    body="token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
)
assert vector == "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503", vector
print(SignatureVerifier(secret).generate_signature(timestamp=ts, body=body))
"#;
    let mut child = std::process::Command::new(&python)
        .args(["-c", script, SECRET, &ts])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&body).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "slack_sdk failed");
    let signature = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert_eq!(
        signature,
        sign(SECRET, &ts, &body),
        "our test signing is Slack's"
    );
    let reply = serve.request(
        "POST",
        "/slack/events",
        &[
            ("X-Slack-Request-Timestamp", ts.as_str()),
            ("X-Slack-Signature", signature.as_str()),
        ],
        &body,
    );
    assert_eq!(reply.status, 200);
    serve.settle(1.0);
    assert_eq!(
        world.slack.member("U0ANA0001").profile["display_name"],
        "Ana (sick)"
    );
}
