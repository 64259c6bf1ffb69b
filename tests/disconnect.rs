//! Connections that end: tokens revoked or an app uninstalled (tokens forgotten, presets kept),
//! a dead token (the member told how to connect again, once a day), and Disconnect on the Home
//! tab (the usual profile back first, durable through failures and restarts).

mod support;

use std::time::Duration;

use serde_json::json;
use support::oauth::{
    ana_to_connect as ana, connect, new_key, serve_with_oauth, serve_with_oauth_and, tokens_json,
};
use support::serve::Serve;
use support::{wait_until, Scene, World};

/// A signed `event_callback` of `event` from the stand-in's workspace.
fn lifecycle_event(serve: &Serve, event: serde_json::Value) {
    let body = serde_json::to_vec(&json!({
        "token": "x", "team_id": "T0STANDIN", "api_app_id": "A0STANDIN",
        "event": event, "type": "event_callback",
        "event_id": support::serve::event_id(), "event_time": support::serve::now()
    }))
    .unwrap();
    assert_eq!(serve.post_signed(&body, &[]).status, 200);
}

fn has_key(world: &World, prefix: &str) -> bool {
    world.scene.snapshot().keys().any(|k| k.starts_with(prefix))
}

#[test]
fn revoked_tokens_and_an_uninstall_forget_tokens_and_keep_presets() {
    let world = ana(Scene::local());
    let key = new_key();
    let serve = serve_with_oauth(&world, &key);
    connect(&world, &serve);
    assert!(has_key(&world, "tokens/") && has_key(&world, "installations/"));

    lifecycle_event(
        &serve,
        json!({"type": "tokens_revoked", "tokens": {"oauth": ["U0ANA0001"], "bot": []}}),
    );
    wait_until("Ana's token is forgotten", Duration::from_secs(10), || {
        !has_key(&world, "tokens/")
    });
    assert!(has_key(&world, "installations/"), "the bot's token stays");
    assert!(world.scene.users_json()["users"]["U0ANA0001"].is_object());

    connect(&world, &serve);
    lifecycle_event(&serve, json!({"type": "app_uninstalled"}));
    wait_until(
        "the workspace is forgotten",
        Duration::from_secs(10),
        || !has_key(&world, "tokens/") && !has_key(&world, "installations/"),
    );
    assert!(
        world.scene.users_json()["users"]["U0ANA0001"].is_object(),
        "presets stay"
    );
    assert_eq!(
        serve.metric("statusinator_events_total{outcome=\"lifecycle\"}"),
        2.0
    );
}

#[test]
fn a_dead_token_disconnects_the_member_who_is_told_how_to_connect_again_once_a_day() {
    let world = ana(Scene::local());
    let key = new_key();
    let serve = serve_with_oauth(&world, &key);
    connect(&world, &serve);
    // The member removes the app's access in Slack: every token of theirs is revoked.
    for token in world.slack.tokens_of("U0ANA0001") {
        world.slack.revoke(&token);
    }
    world.slack.clear_calls();
    world.slack.set_status("U0ANA0001", ":palm_tree:");
    serve.user_change(&world.slack.member("U0ANA0001"));
    wait_until("Ana is told", Duration::from_secs(20), || {
        !world.slack.messages().is_empty()
    });
    let messages = world.slack.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0].0, "U0ANA0001");
    assert!(messages[0].1.contains("/slack/install"), "{messages:?}");
    assert!(messages[0].1.contains("token_revoked"), "{messages:?}");
    let report = tokens_json(&world, &key);
    assert_eq!(
        report["members"][0]["state"], "disconnected (token_revoked)",
        "{report}"
    );

    // More status changes: nothing retries her token, and no second message today.
    let seen = serve.events_seen();
    world.slack.set_status("U0ANA0001", "");
    serve.user_change(&world.slack.member("U0ANA0001"));
    world.slack.set_status("U0ANA0001", ":palm_tree:");
    serve.user_change(&world.slack.member("U0ANA0001"));
    serve.idle_after(seen + 2.0);
    assert_eq!(world.slack.messages().len(), 1);
    let writes = world
        .slack
        .calls()
        .iter()
        .filter(|c| c.token_owner.as_deref() == Some("U0ANA0001"))
        .count();
    assert!(writes <= 1, "{writes} calls with her dead token");

    // She connects again: connected, and her status drives her profile again.
    connect(&world, &serve);
    assert_eq!(
        tokens_json(&world, &key)["members"][0]["state"],
        "connected"
    );
    world.slack.set_status("U0ANA0001", ":palm_tree:");
    serve.user_change(&world.slack.member("U0ANA0001"));
    wait_until("applied again", Duration::from_secs(20), || {
        world.slack.member("U0ANA0001").profile["display_name"] == "Ana (away)"
    });
}

#[test]
fn disconnect_on_the_home_tab_puts_the_usual_profile_back_then_forgets_the_token() {
    let world = ana(Scene::local());
    let key = new_key();
    let serve = serve_with_oauth(&world, &key);
    connect(&world, &serve);
    world.slack.set_status("U0ANA0001", ":palm_tree:");
    serve.user_change(&world.slack.member("U0ANA0001"));
    wait_until("the vacation preset", Duration::from_secs(20), || {
        world.slack.display_name("U0ANA0001") == "Ana (away)"
            && world.slack.member("U0ANA0001").photo.is_some()
    });

    // Her Home, with the installation's bot: connected, with a Disconnect that asks first.
    serve.home_opened("U0ANA0001");
    wait_until("her Home", Duration::from_secs(20), || {
        world.slack.home("U0ANA0001").is_some()
    });
    let home = world.slack.home("U0ANA0001").unwrap().to_string();
    assert!(home.contains("*Connected*:"), "{home}");
    assert!(
        home.contains("\"action_id\":\"disconnect\"") && home.contains("Disconnect?"),
        "{home}"
    );

    assert_eq!(serve.click("U0ANA0001", "disconnect").status, 200);
    wait_disconnected(&world, Duration::from_secs(20));
    assert!(
        world.scene.users_json()["users"]["U0ANA0001"].is_object(),
        "presets stay"
    );
    // Nothing acts for her any more.
    world.slack.clear_calls();
    world.slack.set_status("U0ANA0001", ":palm_tree:");
    let seen = serve.events_seen();
    serve.user_change(&world.slack.member("U0ANA0001"));
    serve.idle_after(seen + 1.0);
    serve.settle(2.0);
    assert_eq!(world.slack.display_name("U0ANA0001"), "Ana");
    assert_eq!(
        world.slack.profile_writes(),
        Vec::<String>::new(),
        "{:?}",
        world.slack.methods()
    );
}

/// Ana connected, on vacation (her preset in effect), through a serve that is stopped again.
fn ana_connected_on_vacation() -> (World, String) {
    let world = ana(Scene::local());
    let key = new_key();
    let serve = serve_with_oauth(&world, &key);
    connect(&world, &serve);
    world.slack.set_status("U0ANA0001", ":palm_tree:");
    serve.user_change(&world.slack.member("U0ANA0001"));
    wait_until("the vacation preset", Duration::from_secs(20), || {
        world.slack.display_name("U0ANA0001") == "Ana (away)"
            && world.slack.member("U0ANA0001").photo.is_some()
    });
    serve.settle(1.0);
    drop(serve);
    (world, key)
}

/// Slack cannot be read when Ana disconnects: she is told it is not finished, her token stays
/// until her usual profile is back, and the reconcile finishes it once Slack answers.
#[test]
fn a_disconnect_that_fails_half_way_tells_the_member_and_is_finished_later() {
    let (world, key) = ana_connected_on_vacation();
    let serve = serve_with_oauth_and(&world, &key, &["--reconcile-every", "3s"]);
    world.slack.outage(
        "users.profile.get",
        Duration::from_secs(12),
        support::slack::Fault::Status(503),
    );
    assert_eq!(serve.click("U0ANA0001", "disconnect").status, 200);
    wait_until("Ana is told", Duration::from_secs(30), || {
        world
            .slack
            .messages()
            .iter()
            .any(|(to, text)| to == "U0ANA0001" && text.contains("not finished yet"))
    });
    assert!(has_key(&world, "tokens/"), "her token stays meanwhile");
    assert!(has_key(&world, "disconnects/"), "her wish is stored");
    wait_disconnected(&world, Duration::from_secs(60));
}

/// Waits until Ana's usual profile is back, her token and her wish are forgotten, and her Home
/// says she is not connected.
fn wait_disconnected(world: &World, within: Duration) {
    wait_until(
        "her usual profile, then her token forgotten",
        within,
        || {
            world.slack.display_name("U0ANA0001") == "Ana"
                && world.slack.member("U0ANA0001").photo.is_none()
                && !has_key(world, "tokens/")
                && !has_key(world, "disconnects/")
        },
    );
    wait_until("a Home that says so", Duration::from_secs(20), || {
        world
            .slack
            .home("U0ANA0001")
            .is_some_and(|view| view.to_string().contains("*Not connected*"))
    });
}

/// A process stopped after storing Ana's wish and before finishing it: the next serve
/// finishes it, and so does poll.
#[test]
fn a_stored_wish_to_disconnect_is_finished_by_the_next_process() {
    for finisher in ["serve", "poll"] {
        let (world, key) = ana_connected_on_vacation();
        let ana = statusinator::presets::UserId::parse("U0ANA0001").unwrap();
        world.scene.put(
            &format!("disconnects/T0STANDIN/{ana}"),
            support::serve::now().to_string().as_bytes(),
        );
        if finisher == "serve" {
            let serve = serve_with_oauth_and(&world, &key, &["--reconcile-every", "2s"]);
            wait_until("serve finishes it", Duration::from_secs(30), || {
                !has_key(&world, "tokens/") && !has_key(&world, "disconnects/")
            });
            drop(serve);
        } else {
            let out = world
                .command()
                .env("STATUSINATOR_SECRET_KEY", &key)
                .env("SLACK_BOT_TOKEN", world.slack.add_bot())
                .args(["poll", "--json"])
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", support::show(&out));
            let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(report["members"][0]["outcome"], "disconnecting", "{report}");
            assert!(!has_key(&world, "tokens/") && !has_key(&world, "disconnects/"));
        }
        assert_eq!(world.slack.display_name("U0ANA0001"), "Ana", "{finisher}");
        assert!(
            world.slack.member("U0ANA0001").photo.is_none(),
            "{finisher}"
        );
    }
}
