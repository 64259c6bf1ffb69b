//! The store's layout for members' state: one object per member, migrated from the single
//! `applied.json` of earlier versions without losing a record, and readable whatever moment a
//! writer is killed at.

mod support;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::{show, Backend, Scene, World};

fn an_applied_json_of_the_earlier_layout_is_migrated_losing_nothing(scene: Scene) {
    let (world, ids) = World::crowd(scene, 40);
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
    // Each member has an object of their own (made beside the cycle, so the index follows at
    // the next one).
    let snapshot = world.scene.snapshot();
    let members = snapshot
        .keys()
        .filter(|k| k.starts_with("members/"))
        .count();
    assert_eq!(members, 40);
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
    assert!(after.keys().any(|k| k.starts_with("index/")));
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
    let (world, ids) = World::crowd(scene, 30);
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
        // Killed at a random moment of its work: the moment is what is tested.
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

/// An `applied.json` of `n` records of members who are not onboarded (as an old workspace
/// leaves behind), and Ana's, last: on vacation, her name written.
fn old_store(scene: Scene, n: usize) -> (World, Value) {
    let mut world = World::new(scene);
    world.member("U9ZZANA01", "Ana");
    world.onboard(json!({"U9ZZANA01": {
        ":palm_tree:": {"name": "Ana (away)"},
        "default": {"name": "Ana"}
    }}));
    world.slack.set_status("U9ZZANA01", ":palm_tree:");
    world
        .slack
        .set_display_name_by_hand("U9ZZANA01", "Ana (away)");
    let mut users = serde_json::Map::new();
    for i in 0..n {
        users.insert(
            format!("U0OLD{i:05}"),
            json!({"emoji": ":x:", "preset": ":x:", "name": format!("Old {i}"),
                   "appliedAt": 1_700_000_000 + i}),
        );
    }
    users.insert(
        "U9ZZANA01".into(),
        json!({"emoji": ":palm_tree:", "preset": ":palm_tree:", "name": "Ana (away)",
               "appliedAt": 1_700_000_000}),
    );
    let users = Value::Object(users);
    let old = serde_json::to_vec(&json!({"updatedAt": 1_700_000_100, "users": users})).unwrap();
    world.scene.put("applied.json", &old);
    world.slack.clear_calls();
    (world, users)
}

/// Every member object made so far holds its old record as it was.
fn migrated_so_far_match(world: &World, users: &Value) -> usize {
    let applied = world.applied();
    let mut made = 0;
    for (id, record) in applied["users"].as_object().into_iter().flatten() {
        if id != "U9ZZANA01" {
            assert_eq!(&users[id], record, "{id}");
        }
        made += 1;
    }
    made
}

/// serve on a store of the earlier layout with 20,000 records on S3: it answers at once while
/// it migrates in the background, a change for a member not migrated yet plans from their old
/// record, and a stop mid-way loses nothing.
#[test]
fn serve_answers_at_once_while_it_migrates_20_000_records_on_s3() {
    let (world, users) = old_store(Scene::s3(), 20_000);
    let started = Instant::now();
    let serve = support::serve::Serve::start(&world, &[], &[]);
    let (reply, _) = serve.user_change(&world.slack.member("U9ZZANA01"));
    assert_eq!(reply.status, 200);
    let answered = started.elapsed();
    assert!(
        answered < Duration::from_secs(10),
        "answered after {answered:?}"
    );
    // Ana has no object of her own yet: her old record says the vacation name is written, so
    // her echo changes nothing.
    serve.settle(1.0);
    assert_eq!(
        serve.metric("statusinator_applies_total{outcome=\"unchanged\"}"),
        1.0,
        "{}",
        serve.get("/metrics").body
    );
    assert_eq!(world.slack.profile_writes(), Vec::<String>::new());
    assert!(world.scene.get("applied.json").is_some(), "still migrating");

    // Her status cleared: her default, written over her old record.
    world.slack.set_status("U9ZZANA01", "");
    serve.user_change(&world.slack.member("U9ZZANA01"));
    support::wait_until("her default", Duration::from_secs(20), || {
        world.slack.display_name("U9ZZANA01") == "Ana"
    });
    serve.settle(2.0);

    let (code, logs) = serve.terminate();
    assert_eq!(code, Some(0), "{logs}");
    assert!(
        logs.contains("migrating the records of 20001 members"),
        "{logs}"
    );
    // Stopped mid-way: the old file stays for the next start, and what moved is as it was.
    if world.scene.get("applied.json").is_some() {
        assert!(logs.contains("the next start goes on"), "{logs}");
    }
    migrated_so_far_match(&world, &users);
    assert_eq!(world.applied()["users"]["U9ZZANA01"]["name"], "Ana");
}

/// serve migrates a whole old store in the background, losing nothing.
#[test]
fn serve_migrates_a_whole_old_store_in_the_background() {
    let (world, users) = old_store(Scene::local(), 3_000);
    let serve = support::serve::Serve::start(&world, &[], &[]);
    support::wait_until("the migration ends", Duration::from_secs(120), || {
        world.scene.get("applied.json").is_none()
    });
    assert_eq!(migrated_so_far_match(&world, &users), 3_001);
    assert!(world.scene.get("migrated/applied.json").is_some());
    let logs = serve.logs();
    assert!(logs.contains("moved the records of 3001 members"), "{logs}");
}
