//! `/statusinator help|list|pause|resume`, as Slack posts slash commands (form-encoded and
//! signed), answered at once with an ephemeral message.

mod support;

use std::time::{Duration, Instant};

use support::serve::Serve;
use support::{images, wait_until, World};

#[test]
fn help_list_and_unknown_words_are_answered_at_once_and_only_to_the_member() {
    let world = World::ana_with_her_own_photo();
    let serve = Serve::start(&world, &[], &[]);
    for (text, expected) in [
        ("help", "/statusinator pause"),
        ("", "/statusinator list"),
        ("dance", "`dance` is not something I know"),
        ("list", ":palm_tree:: name “Ana (away)” and a photo"),
    ] {
        let sent = Instant::now();
        let reply = serve.slash("U0ANA0001", text);
        assert!(sent.elapsed() < Duration::from_secs(3));
        assert_eq!(reply.status, 200, "{text}: {}", reply.body);
        let answer = reply.json();
        assert_eq!(answer["response_type"], "ephemeral");
        assert!(
            answer["text"].as_str().unwrap().contains(expected),
            "{text}: {answer}"
        );
    }
    // Another member, not onboarded: told so, and where to add one (the Home tab's button).
    let reply = serve.slash("U0BEN0002", "list");
    let text = reply.json()["text"].as_str().unwrap().to_owned();
    assert!(text.contains("no presets yet"), "{text}");
    assert!(
        text.contains("Home tab") && text.contains("Add a preset"),
        "{text}"
    );
    let help = serve.slash("U0BEN0002", "help").json()["text"].to_string();
    assert!(help.contains("Home"), "{help}");
    // Unsigned: refused, as any request to the URL.
    let reply = serve.request(
        "POST",
        "/slack/events",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        b"command=%2Fstatusinator&text=pause&user_id=U0ANA0001",
    );
    assert_eq!(reply.status, 401);
    // Slack's certificate check is answered, unsigned.
    let reply = serve.request(
        "POST",
        "/slack/events",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        b"ssl_check=1&token=x",
    );
    assert_eq!(reply.status, 200);
    assert!(
        world.slack.calls().is_empty(),
        "no Slack call to answer any of it"
    );
    assert_eq!(
        serve.metric("statusinator_events_total{outcome=\"command\"}"),
        6.0
    );

    // Another command pointed at the same URL: a polite refusal, and nothing is paused.
    let reply = serve.slash_named("/other", "U0ANA0001", "pause");
    assert_eq!(reply.status, 200);
    let text = reply.json()["text"].as_str().unwrap().to_owned();
    assert!(
        text.contains("I only answer `/statusinator`, not `/other`"),
        "{text}"
    );
    let reply = serve.slash("U0ANA0001", "list");
    let text = reply.json()["text"].as_str().unwrap().to_owned();
    assert!(!text.contains("paused"), "{text}");
    assert!(world.slack.calls().is_empty());
}

#[test]
fn pause_puts_the_usual_profile_back_and_holds_it_until_resume() {
    let world = World::ana_with_her_own_photo();
    let serve = Serve::start(&world, &[], &[]);
    world.slack.set_status("U0ANA0001", ":palm_tree:");
    serve.user_change(&world.slack.member("U0ANA0001"));
    wait_until("the vacation preset", Duration::from_secs(20), || {
        world.slack.display_name("U0ANA0001") == "Ana (away)"
    });

    let reply = serve.slash("U0ANA0001", "pause");
    assert!(reply.json()["text"].as_str().unwrap().starts_with("Paused"));
    wait_until("her usual profile", Duration::from_secs(20), || {
        world.slack.display_name("U0ANA0001") == "Ana"
            && world.slack.member("U0ANA0001").photo == Some(images::jpeg(700, 700, 9))
    });
    // Paused: a status change changes nothing, in serve and in poll.
    world.slack.clear_calls();
    world
        .slack
        .set_status("U0ANA0001", ":face_with_thermometer:");
    let seen = serve.events_seen();
    serve.user_change(&world.slack.member("U0ANA0001"));
    serve.idle_after(seen + 1.0);
    let out = world.run(&["poll", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["members"][0]["outcome"], "paused", "{report}");
    assert_eq!(
        world.slack.profile_writes(),
        Vec::<String>::new(),
        "{:?}",
        world.slack.methods()
    );
    assert!(serve.slash("U0ANA0001", "list").json()["text"]
        .as_str()
        .unwrap()
        .contains("You are paused"));

    // Resume: her current status applies again.
    let reply = serve.slash("U0ANA0001", "resume");
    assert!(reply.json()["text"]
        .as_str()
        .unwrap()
        .starts_with("Resumed"));
    wait_until(
        "her current status's preset",
        Duration::from_secs(20),
        || world.slack.display_name("U0ANA0001") == "Ana (sick)",
    );
}

/// The preset writes (the vacation name, the beach photo) Slack received for Ana, with when
/// each arrived.
fn preset_writes(world: &World) -> Vec<(String, Instant)> {
    let beach = images::png(512, 512, 1);
    world
        .slack
        .calls()
        .into_iter()
        .filter(|c| {
            (c.method == "users.profile.set" && c.display_name() == Some("Ana (away)"))
                || (c.method == "users.setPhoto"
                    && c.image.as_ref().is_some_and(|(bytes, _)| *bytes == beach))
        })
        .map(|c| (c.method, c.at))
        .collect()
}

/// `user` goes on vacation while Slack answers in 2 s; returns once a worker is at their
/// writes (it has asked Slack whose token it holds).
fn slow_vacation_under_way(world: &World, serve: &Serve, user: &str) {
    world.slack.set_latency(Duration::from_secs(2));
    world.slack.set_status(user, ":palm_tree:");
    serve.user_change(&world.slack.member(user));
    wait_until(
        &format!("the worker is at {user}'s writes"),
        Duration::from_secs(30),
        || world.slack.methods().iter().any(|m| m == "auth.test"),
    );
}

/// Ana pauses while her vacation change is being written (Slack is slow): once the pause is
/// answered, no preset write starts; her usual profile comes back.
#[test]
fn a_pause_stops_a_change_a_worker_is_writing() {
    let world = World::ana_with_her_own_photo();
    let serve = Serve::start(&world, &[], &[]);
    slow_vacation_under_way(&world, &serve, "U0ANA0001");
    let reply = serve.slash("U0ANA0001", "pause");
    let answered = Instant::now();
    assert!(reply.json()["text"].as_str().unwrap().starts_with("Paused"));
    world.slack.set_latency(Duration::ZERO);
    wait_until("her usual profile", Duration::from_secs(30), || {
        world.slack.display_name("U0ANA0001") == "Ana"
            && world.slack.member("U0ANA0001").photo == Some(images::jpeg(700, 700, 9))
            && serve.health()["queue"] == 0
    });
    // A write already on its way when the pause was answered may reach Slack just after the
    // answer (its request is read a moment later on a busy machine): at most that one, the
    // name, the plan's first write. The photo, the next one, is never written.
    let after: Vec<String> = preset_writes(&world)
        .into_iter()
        .filter(|(_, at)| *at >= answered)
        .map(|(method, _)| method)
        .collect();
    assert!(
        after.is_empty() || after == ["users.profile.set"],
        "preset writes that reached Slack after the pause was answered: {after:?}"
    );
    assert!(
        !preset_writes(&world)
            .iter()
            .any(|(m, _)| m == "users.setPhoto"),
        "the photo of a paused change: {:?}",
        world.slack.methods()
    );
}

/// Ana's change waits in the queue behind Ben's (one worker, Slack slow) when she pauses: it is
/// never written.
#[test]
fn a_pause_stops_a_change_waiting_in_the_queue() {
    let mut world = World::ana_with_her_own_photo();
    world.member("U0BEN0002", "Ben");
    world.onboard(serde_json::json!({"U0BEN0002": {":palm_tree:": {"name": "Ben (away)"}}}));
    let serve = Serve::start(&world, &["--workers", "1"], &[]);
    slow_vacation_under_way(&world, &serve, "U0BEN0002");
    world.slack.set_status("U0ANA0001", ":palm_tree:");
    serve.user_change(&world.slack.member("U0ANA0001"));
    assert_eq!(serve.health()["queue"], 1, "Ana waits behind Ben");
    let reply = serve.slash("U0ANA0001", "pause");
    assert!(reply.json()["text"].as_str().unwrap().starts_with("Paused"));
    world.slack.set_latency(Duration::ZERO);
    wait_until(
        "Ben's change, then Ana's turn",
        Duration::from_secs(30),
        || {
            world.slack.display_name("U0BEN0002") == "Ben (away)"
                && serve.metric("statusinator_applies_total{outcome=\"paused\"}") >= 1.0
        },
    );
    assert_eq!(preset_writes(&world), vec![], "{:?}", world.slack.methods());
    assert_eq!(world.slack.display_name("U0ANA0001"), "Ana");
}
