//! Socket Mode: with SLACK_APP_TOKEN, serve opens its own connections to Slack
//! (`apps.connections.open`, then a WebSocket), acknowledges every envelope at once (with the
//! answer as payload where Slack takes one) and hands events, clicks, modal submissions and
//! commands to the same handlers as the Request URL. A refresh opens the new connection before
//! the old one closes; a broken one is opened again.

mod support;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::serve::{user_change, Serve};
use support::socket::{Moment, SocketMode};
use support::{images, wait_until, World};

const ANA: &str = "U0ANA0001";

/// Ana onboarded with her own token; the app's bot; Socket Mode on (no signing secret at all).
fn world() -> (World, String, String, SocketMode) {
    let mut world = World::local();
    world.member(ANA, "Ana");
    let bot = world.slack.add_bot();
    world.scene.write("beach.png", images::png(512, 512, 1));
    world.onboard(json!({ANA: {":palm_tree:": {"name": "Ana (away)", "picture": "beach.png"}}}));
    let (app_token, socket) = world.slack.socket_mode();
    (world, bot, app_token, socket)
}

fn start(world: &World, bot: &str, app_token: &str, extra: &[&str]) -> Serve {
    Serve::start(
        world,
        extra,
        &[
            ("SLACK_BOT_TOKEN", bot),
            ("SLACK_APP_TOKEN", app_token),
            ("SLACK_SIGNING_SECRET", ""),
        ],
    )
}

/// Sends an envelope and returns its ack, which must come within 3 s.
fn acked(socket: &SocketMode, kind: &str, payload: Value) -> Value {
    let sent = Instant::now();
    let id = socket.envelope(None, kind, payload);
    let ack = socket
        .ack(&id, Duration::from_secs(3))
        .unwrap_or_else(|| panic!("no ack of the {kind} envelope within 3 s"));
    assert!(sent.elapsed() < Duration::from_secs(3));
    assert_eq!(ack["envelope_id"], id.as_str());
    ack
}

fn event(world: &World) -> Value {
    let body = user_change(&world.slack.member(ANA), &support::serve::event_id());
    serde_json::from_slice(&body).unwrap()
}

#[test]
fn events_clicks_submissions_and_commands_all_come_over_the_socket() {
    let (world, bot, app_token, socket) = world();
    let serve = start(&world, &bot, &app_token, &[]);
    socket.wait_open(2, Duration::from_secs(20));
    let opens: Vec<_> = world
        .slack
        .calls()
        .into_iter()
        .filter(|c| c.method == "apps.connections.open")
        .collect();
    assert_eq!(opens.len(), 2, "two connections by default");
    assert!(opens
        .iter()
        .all(|c| c.token_kind == Some(support::slack::Kind::App)));
    wait_until("serve counting both", Duration::from_secs(5), || {
        serve.health()["socket_mode"]["open"] == 2
    });
    // Slack is slow from here on: every ack still comes within 3 s.
    world.slack.set_latency(Duration::from_secs(3));

    // An event: acknowledged with no payload, then applied.
    world.slack.set_status(ANA, ":palm_tree:");
    let ack = acked(&socket, "events_api", event(&world));
    assert!(ack.get("payload").is_none(), "{ack}");
    wait_until("the vacation preset", Duration::from_secs(30), || {
        world.slack.display_name(ANA) == "Ana (away)"
    });

    serve.settle(1.0);
    // The same event again (Slack's retry, on another connection): acknowledged, done once.
    let writes = world.slack.profile_writes().len();
    let again = event(&world);
    let first = socket.open()[0];
    let id = socket.envelope_retried(Some(first), "events_api", again.clone(), 0);
    socket.ack(&id, Duration::from_secs(3)).expect("acked");
    let id = socket.envelope_retried(None, "events_api", again, 1);
    socket
        .ack(&id, Duration::from_secs(3))
        .expect("the retry acked");

    // A command: the ephemeral answer is the ack's payload.
    let ack = acked(
        &socket,
        "slash_commands",
        json!({"command": "/statusinator", "text": "list", "user_id": ANA,
               "team_id": support::serve::TEAM, "trigger_id": "1.2.3",
               "response_url": "https://hooks.slack.com/commands/T0STANDIN/1/x"}),
    );
    assert_eq!(ack["payload"]["response_type"], "ephemeral");
    let text = ack["payload"]["text"].as_str().unwrap();
    assert!(
        text.contains(":palm_tree:: name “Ana (away)” and a photo"),
        "{text}"
    );

    // A click opens the preset modal; a bad submission is answered inline in the ack.
    let trigger = world.slack.trigger(ANA);
    let click: Value =
        serde_json::from_str(&support::serve::click_payload(ANA, "add", "", &trigger)).unwrap();
    let ack = acked(&socket, "interactive", click);
    assert!(
        ack.get("payload").is_none(),
        "a click's ack has nothing to say: {ack}"
    );
    let mut modal = None;
    wait_until("the modal", Duration::from_secs(10), || {
        modal = world.slack.modal(ANA);
        modal.is_some()
    });
    let (view_id, view) = modal.unwrap();
    let values = json!({
        "emoji": {"emoji": {"type": "plain_text_input", "value": "not an emoji!"}},
        "name": {"name": {"type": "plain_text_input", "value": "Ana"}},
        "picture": {"picture": {"type": "file_input", "files": []}},
    });
    let submitted: Value =
        serde_json::from_str(&support::serve::submission(ANA, &view_id, &view, values)).unwrap();
    let ack = acked(&socket, "interactive", submitted);
    assert_eq!(ack["payload"]["response_action"], "errors", "{ack}");
    assert!(ack["payload"]["errors"]["emoji"].is_string(), "{ack}");

    // The Home tab opened.
    let opened = json!({"type": "event_callback", "team_id": support::serve::TEAM,
                        "event_id": support::serve::event_id(),
                        "event": {"type": "app_home_opened", "user": ANA, "tab": "home"}});
    acked(&socket, "events_api", opened);
    wait_until("her Home", Duration::from_secs(10), || {
        world.slack.home(ANA).is_some()
    });

    assert_eq!(
        world.slack.profile_writes().len(),
        writes,
        "the event and its retry changed nothing more"
    );
    // The Request URL takes nothing without a signing secret, and says why.
    let refused = serve.post_signed(&event(&world).to_string().into_bytes(), &[]);
    assert_eq!(refused.status, 401);
    assert!(refused.body.contains("Socket Mode"), "{}", refused.body);
    assert_eq!(serve.get("/healthz").status, 200);
    assert_eq!(serve.metric("statusinator_socket_connections"), 2.0);
    assert_eq!(
        serve.metric(
            "statusinator_socket_envelopes_total{type=\"slash_commands\",outcome=\"command\"}"
        ),
        1.0
    );
    assert_eq!(
        serve.metric(
            "statusinator_socket_envelopes_total{type=\"events_api\",outcome=\"duplicate\"}"
        ),
        1.0
    );
    assert!(socket.redelivered().is_empty(), "every event acked in time");
}

/// When a moment happened, from a timeline.
fn at(timeline: &[(Instant, Moment)], wanted: &Moment) -> Instant {
    timeline
        .iter()
        .find(|(_, m)| m == wanted)
        .map(|(t, _)| *t)
        .unwrap_or_else(|| panic!("{wanted:?} in {timeline:?}"))
}

fn closed(socket: &SocketMode, connection: usize) -> bool {
    socket
        .timeline()
        .iter()
        .any(|(_, m)| *m == Moment::Closed(connection))
}

#[test]
fn a_refresh_opens_the_new_connection_before_the_old_one_closes() {
    let (world, bot, app_token, socket) = world();
    let _serve = start(&world, &bot, &app_token, &["--socket-connections", "1"]);
    let old = socket.wait_open(1, Duration::from_secs(20))[0];

    // The replacement takes its time to say hello: the old connection is still read, and
    // what comes on it acknowledged at once, all the while.
    socket.delay_next_hello(Duration::from_secs(4));
    world.slack.set_status(ANA, ":palm_tree:");
    socket.disconnect(old, "refresh_requested");
    let on_its_way = socket.envelope(Some(old), "events_api", event(&world));
    let mut meanwhile = Vec::new();
    for _ in 0..3 {
        let id = socket.envelope(
            Some(old),
            "slash_commands",
            json!({"command": "/statusinator", "text": "help", "user_id": ANA,
                   "team_id": support::serve::TEAM, "trigger_id": "1.2.3",
                   "response_url": "https://hooks.slack.com/commands/T0STANDIN/1/x"}),
        );
        let ack = socket
            .ack(&id, Duration::from_secs(3))
            .expect("the old connection acknowledges while its replacement opens");
        assert!(ack["payload"]["text"].is_string(), "{ack}");
        meanwhile.push(id);
        // Time is what is tested: envelopes keep coming on the old connection over the seconds
        // its replacement takes to say hello.
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(
        !closed(&socket, old),
        "the old one is open until the new one says hello"
    );
    assert!(socket.ack(&on_its_way, Duration::from_secs(3)).is_some());
    wait_until("the old connection closed", Duration::from_secs(20), || {
        closed(&socket, old)
    });
    let timeline = socket.timeline();
    let new = socket.open()[0];
    assert_ne!(new, old);
    assert!(
        at(&timeline, &Moment::Hello(new)) < at(&timeline, &Moment::Closed(old)),
        "the new connection said hello before the old one closed: {timeline:?}"
    );
    assert!(
        socket.redelivered().is_empty(),
        "nothing was left for Slack to deliver again: {:?}",
        socket.redelivered()
    );
    wait_until("the vacation preset", Duration::from_secs(20), || {
        world.slack.display_name(ANA) == "Ana (away)"
    });
    // The new one works, and the event was applied once.
    world.slack.set_status(ANA, "");
    acked(&socket, "events_api", event(&world));
    wait_until("her usual name", Duration::from_secs(20), || {
        world.slack.display_name(ANA) == "Ana"
    });
    let names: Vec<String> = world
        .slack
        .calls()
        .iter()
        .filter(|c| c.method == "users.profile.set")
        .filter_map(|c| {
            c.json.as_ref()?["profile"]["display_name"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(names, ["Ana (away)", "Ana"]);
}

#[test]
fn a_replacement_that_fails_leaves_the_working_connection_open_until_one_succeeds() {
    let (world, bot, app_token, socket) = world();
    let serve = start(&world, &bot, &app_token, &["--socket-connections", "1"]);
    let old = socket.wait_open(1, Duration::from_secs(20))[0];
    let opens = || {
        world
            .slack
            .calls()
            .iter()
            .filter(|c| c.method == "apps.connections.open")
            .count()
    };
    assert_eq!(opens(), 1);
    socket.refuse_next(1);
    socket.disconnect(old, "warning");
    // The failed handshake, then a second attempt that works.
    wait_until("a replacement that works", Duration::from_secs(30), || {
        socket.open().iter().any(|id| *id != old)
    });
    assert!(opens() >= 3, "a second replacement was asked for");
    wait_until("the old connection closed", Duration::from_secs(20), || {
        closed(&socket, old)
    });
    let timeline = socket.timeline();
    let new = socket.open()[0];
    assert!(at(&timeline, &Moment::Hello(new)) < at(&timeline, &Moment::Closed(old)));
    world.slack.set_status(ANA, ":palm_tree:");
    acked(&socket, "events_api", event(&world));
    wait_until("the vacation preset", Duration::from_secs(20), || {
        world.slack.display_name(ANA) == "Ana (away)"
    });
    let logs = serve.logs();
    assert!(
        logs.contains("the replacement failed") && logs.contains("keeping the current one"),
        "{logs}"
    );
}

#[test]
fn a_connection_whose_frame_trickles_in_is_replaced_and_a_stop_is_not_held_up_by_it() {
    let (world, bot, app_token, socket) = world();
    let serve = start(
        &world,
        &bot,
        &app_token,
        &["--socket-connections", "1", "--drain-timeout", "2s"],
    );
    let first = socket.wait_open(1, Duration::from_secs(20))[0];
    // A byte every 100 ms: never a whole message, never a pause long enough to time out.
    socket.drip(first);
    wait_until("a new connection", Duration::from_secs(35), || {
        socket.open().iter().any(|id| *id != first)
    });
    wait_until("the trickling one closed", Duration::from_secs(10), || {
        closed(&socket, first)
    });
    world.slack.set_status(ANA, ":palm_tree:");
    acked(&socket, "events_api", event(&world));
    wait_until("the vacation preset", Duration::from_secs(20), || {
        world.slack.display_name(ANA) == "Ana (away)"
    });
    assert!(serve.metric("statusinator_socket_reconnects_total{reason=\"silent\"}") >= 1.0);

    // The new one trickles too, when the stop comes: serve still ends within the drain
    // timeout and two seconds.
    let second = socket.open()[0];
    socket.drip(second);
    let stopping = Instant::now();
    let (code, logs) = serve.terminate();
    let took = stopping.elapsed();
    assert_eq!(code, Some(0), "{logs}");
    assert!(
        took < Duration::from_secs(4),
        "SIGTERM took {took:?} with a 2 s drain timeout: {logs}"
    );
    assert!(logs.contains("no whole message from Slack"), "{logs}");
}

#[test]
fn a_broken_connection_is_opened_again_and_slack_is_pinged() {
    let (world, bot, app_token, socket) = world();
    let serve = start(&world, &bot, &app_token, &["--socket-connections", "1"]);
    let first = socket.wait_open(1, Duration::from_secs(20))[0];
    socket.kill(first);
    wait_until("a new connection", Duration::from_secs(20), || {
        socket.open().first().is_some_and(|id| *id != first)
    });
    world.slack.set_status(ANA, ":palm_tree:");
    acked(&socket, "events_api", event(&world));
    wait_until("the vacation preset", Duration::from_secs(20), || {
        world.slack.display_name(ANA) == "Ana (away)"
    });
    wait_until("a ping", Duration::from_secs(10), || socket.pings() > 0);
    assert!(serve.metric("statusinator_socket_reconnects_total{reason=\"lost\"}") >= 1.0);
    let (_, logs) = serve.terminate();
    assert!(logs.contains("Socket Mode connection 0 lost"), "{logs}");
    assert!(
        !logs.contains(&app_token),
        "the app token never reaches the log"
    );
}

#[test]
fn a_token_that_is_not_an_app_token_is_refused_with_the_fix() {
    let (world, bot, _, _) = world();
    let out = world
        .command()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("SLACK_APP_TOKEN", &bot)
        .env_remove("SLACK_SIGNING_SECRET")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("SLACK_APP_TOKEN: it is not an app-level token (xapp-…)"),
        "{stderr}"
    );
    assert!(!stderr.contains(&bot), "{stderr}");
}

#[test]
fn a_full_queue_leaves_an_event_for_slack_to_deliver_again() {
    let mut world = World::local();
    world.scene.write("beach.png", images::png(512, 512, 1));
    world.scene.write("home.png", images::png(600, 600, 2));
    let team = [
        ("U0AAA0001", "Aki"),
        ("U0BBB0002", "Bo"),
        ("U0CCC0003", "Cy"),
        ("U0DDD0004", "Di"),
    ];
    world.onboard_team(&team);
    let bot = world.slack.add_bot();
    let (app_token, socket) = world.slack.socket_mode();
    let serve = start(
        &world,
        &bot,
        &app_token,
        &[
            "--socket-connections",
            "1",
            "--workers",
            "1",
            "--queue-capacity",
            "1",
            "--dead-letter-capacity",
            "1",
        ],
    );
    socket.wait_open(1, Duration::from_secs(20));
    // Each apply now takes the one worker some seconds.
    world.slack.set_latency(Duration::from_secs(3));
    let change = |id: &str| {
        world.slack.set_status(id, ":palm_tree:");
        let body = user_change(&world.slack.member(id), &support::serve::event_id());
        serde_json::from_slice::<Value>(&body).unwrap()
    };
    acked(&socket, "events_api", change("U0AAA0001"));
    wait_until("the worker busy", Duration::from_secs(10), || {
        serve.health()["queue"] == 0
    });
    acked(&socket, "events_api", change("U0BBB0002"));

    // The queue is full: the event is left for Slack to deliver again, and its redelivery
    // goes to the dead-letter queue and is acknowledged.
    let cy = socket.envelope(None, "events_api", change("U0CCC0003"));
    assert_eq!(
        socket.ack(&cy, Duration::from_millis(2500)),
        None,
        "not acknowledged"
    );
    let mut again = None;
    wait_until("Slack's redelivery", Duration::from_secs(10), || {
        again = socket
            .redelivered()
            .into_iter()
            .find(|(_, first, _)| *first == cy);
        again.is_some()
    });
    let (again, _, attempt) = again.unwrap();
    assert_eq!(attempt, 1);
    assert!(
        socket.ack(&again, Duration::from_secs(3)).is_some(),
        "the redelivery acknowledged"
    );

    // Both queues full: a redelivery is acknowledged, and the member's status is kept.
    let di = socket.envelope_retried(None, "events_api", change("U0DDD0004"), 1);
    assert!(socket.ack(&di, Duration::from_secs(3)).is_some());
    assert_eq!(serve.health()["wanted"], 1);

    for (id, name) in team {
        wait_until(
            &format!("{name}'s vacation preset"),
            Duration::from_secs(90),
            || world.slack.display_name(id) == format!("{name} (away)"),
        );
    }
    let envelopes = |outcome: &str| {
        serve.metric(&format!(
            "statusinator_socket_envelopes_total{{type=\"events_api\",outcome=\"{outcome}\"}}"
        ))
    };
    assert_eq!(envelopes("rejected_full"), 1.0);
    assert_eq!(envelopes("dead_lettered"), 1.0);
    assert_eq!(envelopes("rejected_no_retry"), 1.0);
}

/// The Slack calls one status change makes, over HTTP or over Socket Mode.
fn calls_for_a_status_change(
    socket_mode: bool,
) -> Vec<(String, Option<String>, Option<Value>, usize)> {
    let (world, bot, app_token, socket) = world();
    let serve = if socket_mode {
        let serve = start(&world, &bot, &app_token, &["--socket-connections", "1"]);
        socket.wait_open(1, Duration::from_secs(20));
        serve
    } else {
        Serve::start(&world, &[], &[("SLACK_BOT_TOKEN", &bot)])
    };
    world.slack.clear_calls();
    world.slack.set_status(ANA, ":palm_tree:");
    if socket_mode {
        acked(&socket, "events_api", event(&world));
    } else {
        serve.post_signed(&event(&world).to_string().into_bytes(), &[]);
    }
    wait_until("the vacation preset", Duration::from_secs(20), || {
        world.slack.display_name(ANA) == "Ana (away)"
    });
    serve.settle(1.0);
    world
        .slack
        .calls()
        .into_iter()
        .map(|c| {
            (
                c.method,
                c.token_owner,
                c.json,
                c.image.map_or(0, |(b, _)| b.len()),
            )
        })
        .collect()
}

#[test]
fn a_status_change_makes_the_same_calls_over_the_socket_as_over_http() {
    let http = calls_for_a_status_change(false);
    assert!(!http.is_empty());
    assert_eq!(calls_for_a_status_change(true), http);
}
