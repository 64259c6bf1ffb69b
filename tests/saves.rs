//! Members' saves cost one small write whatever the workspace's size: they go into
//! `presets/pending.json`, which every reader reads with `users.json`, and serve folds them into
//! `users.json` once enough are pending. On a store an earlier version wrote, with two replicas.

mod support;

use std::time::Duration;

use serde_json::{json, Value};
use support::serve::Serve;
use support::{wait_until, World};

const ADMIN: &str = "adm-0123456789";

/// `POST /onboard`, sent again while the replica is busy with another (as its 429 asks).
fn post(serve: &Serve, body: Value) -> Value {
    let bearer = format!("Bearer {ADMIN}");
    let body = serde_json::to_vec(&body).unwrap();
    let reply = support::wait_for("POST /onboard taken", Duration::from_secs(60), || {
        let reply = serve.request("POST", "/onboard", &[("Authorization", &bearer)], &body);
        (reply.status != 429).then_some(reply)
    });
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

fn member(i: usize) -> String {
    format!("U0SAVE{i:04}")
}

#[test]
fn saves_are_small_writes_kept_together_and_folded() {
    let mut world = World::local();
    world.member("U0ANA0001", "Ana");
    // users.json as an earlier version wrote it (no foldedThrough, no pending.json).
    world.onboard(json!({"U0ANA0001": {"default": {"name": "Ana"}}}));
    let earlier = world.scene.get("users.json").unwrap();
    assert!(!String::from_utf8_lossy(&earlier).contains("foldedThrough"));
    let env = [("STATUSINATOR_ADMIN_TOKEN", ADMIN)];
    let (a, b) = (
        Serve::start(&world, &[], &env),
        Serve::start(&world, &[], &env),
    );

    // Eight saves at once, through both replicas: all kept, users.json untouched.
    std::thread::scope(|scope| {
        for i in 0..8 {
            let replica = if i % 2 == 0 { &a } else { &b };
            scope.spawn(move || {
                post(
                    replica,
                    json!({member(i): {":palm_tree:": {"name": format!("Saver {i} (away)")}}}),
                );
            });
        }
    });
    assert_eq!(world.scene.get("users.json").unwrap(), earlier);
    let pending: Value =
        serde_json::from_slice(&world.scene.get("presets/pending.json").unwrap()).unwrap();
    assert_eq!(
        pending["members"].as_object().unwrap().len(),
        8,
        "{pending:#}"
    );
    let users = world.scene.users_json();
    for i in 0..8 {
        assert_eq!(
            users["users"][member(i)][":palm_tree:"]["name"],
            format!("Saver {i} (away)")
        );
    }
    assert_eq!(users["users"]["U0ANA0001"]["default"]["name"], "Ana");
    // Each replica knows every saver (the other's saves too), from pending.json alone.
    for replica in [&a, &b] {
        wait_until(
            "both replicas know every saver",
            Duration::from_secs(30),
            || replica.health()["members"] == 9,
        );
    }

    // Enough saves pending: serve folds them into users.json, and both replicas still know
    // everyone.
    let many: serde_json::Map<String, Value> = (100..320)
        .map(|i| {
            (
                member(i),
                json!({"default": {"name": format!("Member {i}")}}),
            )
        })
        .collect();
    post(&a, Value::Object(many));
    wait_until(
        "the saves are folded into users.json",
        Duration::from_secs(60),
        || {
            let file: Value =
                serde_json::from_slice(&world.scene.get("users.json").unwrap()).unwrap();
            let pending: Value =
                serde_json::from_slice(&world.scene.get("presets/pending.json").unwrap()).unwrap();
            file["users"].as_object().unwrap().len() == 229
                && file["foldedThrough"].as_u64() > Some(0)
                && pending["members"].as_object().unwrap().is_empty()
        },
    );
    let pending: Value =
        serde_json::from_slice(&world.scene.get("presets/pending.json").unwrap()).unwrap();
    assert!(
        pending["folded"]["members"].as_object().unwrap().len() >= 220,
        "{pending:#}"
    );
    for replica in [&a, &b] {
        wait_until(
            "both replicas know everyone",
            Duration::from_secs(30),
            || replica.health()["members"] == 229,
        );
    }
    // A save after the fold, and an admin's onboard of the whole file: nothing is lost.
    post(
        &b,
        json!({member(0): {":ship:": {"name": "Saver 0 (at sea)"}}}),
    );
    world.onboard(json!({"U0ANA0001": {":palm_tree:": {"name": "Ana (away)"}}}));
    let users = world.scene.users_json();
    assert_eq!(
        users["users"][member(0)][":ship:"]["name"],
        "Saver 0 (at sea)"
    );
    assert_eq!(
        users["users"][member(0)][":palm_tree:"]["name"],
        "Saver 0 (away)"
    );
    assert_eq!(
        users["users"]["U0ANA0001"][":palm_tree:"]["name"],
        "Ana (away)"
    );
    assert_eq!(users["users"].as_object().unwrap().len(), 229);
    for replica in [&a, &b] {
        wait_until(
            "both replicas take the onboard in",
            Duration::from_secs(30),
            || {
                let list = replica.slash("U0ANA0001", "list").body;
                list.contains("Ana (away)")
            },
        );
    }
}
