//! The store's layout for members' state: one object per member, migrated from the single
//! `applied.json` of earlier versions without losing a record, and readable whatever moment a
//! writer is killed at.

mod support;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::{show, Backend, Scene, World};

/// `n` members onboarded with a vacation and a default preset (names only), each with a token.
fn crowd(scene: Scene, n: usize) -> (World, Vec<String>) {
    let mut world = World::new(scene);
    let mut presets = serde_json::Map::new();
    let mut ids = Vec::new();
    for i in 0..n {
        let id = format!("U0LAY{i:04}");
        world.member(&id, &format!("Member {i}"));
        presets.insert(
            id.clone(),
            json!({
                ":palm_tree:": {"name": format!("Member {i} (away)")},
                "default": {"name": format!("Member {i}")}
            }),
        );
        ids.push(id);
    }
    world.onboard(Value::Object(presets));
    (world, ids)
}

fn an_applied_json_of_the_earlier_layout_is_migrated_losing_nothing(scene: Scene) {
    let (world, ids) = crowd(scene, 40);
    // What an earlier version recorded: everyone on vacation, the names written.
    let mut users = serde_json::Map::new();
    for (i, id) in ids.iter().enumerate() {
        users.insert(
            id.clone(),
            json!({"emoji": ":palm_tree:", "preset": ":palm_tree:",
                   "name": format!("Member {i} (away)"), "appliedAt": 1_700_000_000 + i}),
        );
        world.slack.set_status(id, ":palm_tree:");
        world
            .slack
            .set_profile_field(id, "display_name", format!("Member {i} (away)").into());
    }
    let old = serde_json::to_vec(&json!({"updatedAt": 1_700_000_100, "users": users})).unwrap();
    world.scene.put("applied.json", &old);

    // A dry run migrates nothing, yet plans from the old records: nobody needs a write.
    let out = world.run(&["poll", "--dry-run", "--json"]);
    assert!(out.status.success(), "{}", show(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["writes"],
        json!({"users.profile.set": 0, "users.setPhoto": 0})
    );
    assert!(world.scene.get("applied.json").is_some());

    let out = world.run(&["poll", "--json"]);
    assert!(out.status.success(), "{}", show(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["writes"],
        json!({"users.profile.set": 0, "users.setPhoto": 0})
    );
    // Every record is in its member's object, as it was.
    let applied = world.applied();
    for (id, record) in &users {
        assert_eq!(&applied["users"][id], record, "{id}");
    }
    assert_eq!(world.scene.get("applied.json"), None);
    assert_eq!(world.scene.get("migrated/applied.json"), Some(old));
    assert!(
        stderr_of(&out).contains("moved the records of 40 members"),
        "{}",
        show(&out)
    );
    // Each member has an object of their own, and the index was kept.
    let snapshot = world.scene.snapshot();
    let members = snapshot
        .keys()
        .filter(|k| k.starts_with("members/"))
        .count();
    assert_eq!(members, 40);
    assert!(snapshot.keys().any(|k| k.starts_with("index/")));
    // The next change costs one object.
    world.slack.set_status(&ids[3], "");
    let before = world.scene.snapshot();
    let out = world.run(&["poll"]);
    assert!(out.status.success(), "{}", show(&out));
    let after = world.scene.snapshot();
    let changed: Vec<&String> = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(v))
        .map(|(k, _)| k)
        .filter(|k| !k.starts_with("index/") && !k.starts_with(".locks/"))
        .collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert!(
        changed[0].ends_with(&format!("/{}.json", ids[3])),
        "{changed:?}"
    );
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Every member's object in the store parses, and says something sensible. (A writer killed
/// between writing its temporary file and renaming it leaves that hidden file behind; no
/// reader takes it for a member's state.)
fn every_state_is_readable(world: &World) -> usize {
    let mut n = 0;
    for (key, bytes) in world.scene.snapshot() {
        let hidden = key
            .rsplit('/')
            .next()
            .is_some_and(|name| name.starts_with('.'));
        if key.starts_with("members/") && !hidden {
            let state: Value = serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("{key} is not readable ({e}): {bytes:?}"));
            assert!(state.is_object(), "{key}: {state}");
            n += 1;
        }
    }
    n
}

fn a_poll_killed_at_random_points_leaves_every_members_state_readable(scene: Scene) {
    let (world, ids) = crowd(scene, 30);
    world.slack.set_latency(Duration::from_millis(15));
    for round in 0..6 {
        let status = if round % 2 == 0 { ":palm_tree:" } else { "" };
        for id in &ids {
            world.slack.set_status(id, status);
        }
        let mut child = world
            .command()
            .args(["poll", "--concurrency", "8"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        std::thread::sleep(Duration::from_millis(fastrand::u64(100..700)));
        let _ = child.kill();
        let _ = child.wait();
        assert!(started.elapsed() < Duration::from_secs(30));
        every_state_is_readable(&world);
    }
    // A full run afterwards finishes the job, and every member's record is right; a member
    // a killed run had claimed is left until its claim lapses (see "Several replicas").
    world.slack.set_latency(Duration::ZERO);
    let out = world.run(&["poll", "--json"]);
    assert!(out.status.success(), "{}", show(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(every_state_is_readable(&world), ids.len());
    let applied = world.applied();
    for member in report["members"].as_array().unwrap() {
        let id = member["user"].as_str().unwrap();
        if member["outcome"] == "elsewhere" {
            let by = applied["claims"][id]["by"].as_str().unwrap();
            assert!(by.starts_with("poll-"), "{id} is claimed by {by}");
        } else {
            assert_eq!(applied["users"][id]["emoji"], "", "{id}: {member}");
        }
    }
    if let Backend::Local(root) = &world.scene.backend {
        // A temporary file a kill left behind is hidden, where no reader takes it for a member.
        for (key, _) in world.scene.snapshot() {
            let name = key.rsplit('/').next().unwrap();
            assert!(
                !key.contains(".tmp") || name.starts_with('.'),
                "{key} left in {}",
                root.display()
            );
        }
    }
}

macro_rules! on_both_backends {
    ($($scenario:ident),* $(,)?) => {
        mod local_store {
            $( #[test] fn $scenario() { super::$scenario(super::Scene::local()) } )*
        }
        mod s3_store {
            $( #[test] fn $scenario() { super::$scenario(super::Scene::s3()) } )*
        }
    };
}

on_both_backends!(
    an_applied_json_of_the_earlier_layout_is_migrated_losing_nothing,
    a_poll_killed_at_random_points_leaves_every_members_state_readable,
);
