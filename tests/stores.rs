//! A missing store is not an empty store: a mistyped directory or bucket is a clear error in
//! every command (exit 2), a store without presets yet is an error for poll and apply and a
//! warning for serve, and users.json vanishing under a running serve keeps its members.

mod support;

use std::time::Duration;

use serde_json::json;
use support::serve::Serve;
use support::{show, stderr, stdout, wait_until, Backend, Scene, World};

/// A world with a member who has a token, whose store is `store` (not created).
fn world_with_store(scene: Scene, store: &str) -> (World, String) {
    let mut world = World::new(scene);
    world.member("U0ANA0001", "Ana");
    (world, store.to_owned())
}

/// Runs every command but onboard against `store`; each must fail with exit 2 and `expected`.
fn every_command_refuses(world: &World, store: &str, expected: &[&str]) {
    for args in [
        &["poll"][..],
        &["apply", "U0ANA0001", "default"],
        &["serve", "--listen", "127.0.0.1:0"],
    ] {
        let out = world
            .command()
            .env("STATUSINATOR_STORE", store)
            .env("SLACK_SIGNING_SECRET", support::serve::SECRET)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", show(&out));
        let err = stderr(&out);
        for text in expected {
            assert!(err.contains(text), "{args:?}: {text:?} missing in {err}");
        }
        assert!(stdout(&out).is_empty(), "{args:?}: {}", show(&out));
    }
}

/// Onboards Ana's default preset into `store`.
fn onboard_into(world: &World, store: &str) -> std::process::Output {
    let file = world.scene.write(
        "p.json",
        serde_json::to_vec(&json!({"U0ANA0001": {"default": {"name": "Ana"}}})).unwrap(),
    );
    world
        .command()
        .env("STATUSINATOR_STORE", store)
        .args(["onboard", file.to_str().unwrap()])
        .output()
        .unwrap()
}

#[test]
fn a_mistyped_directory_is_an_error_naming_the_store_in_every_command() {
    let scene = Scene::local();
    let typo = scene.path("statusinatr-data").display().to_string();
    let (world, store) = world_with_store(scene, &typo);
    every_command_refuses(
        &world,
        &store,
        &[&format!("the store {typo} does not exist"), "check --store"],
    );
    // onboard creates a store directory, but not its missing parents.
    let deeper = world.scene.path("no/such/dir").display().to_string();
    let out = onboard_into(&world, &deeper);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(stderr(&out).contains("cannot be created"), "{}", show(&out));
}

#[test]
fn a_file_given_as_the_store_is_an_error_not_an_os_error_later() {
    let scene = Scene::local();
    let file = scene.write("storefile", "not a directory");
    let (world, store) = world_with_store(scene, &file.display().to_string());
    every_command_refuses(&world, &store, &["is a file, not a directory"]);
}

#[test]
fn a_missing_bucket_is_an_error_naming_the_bucket_in_every_command() {
    let scene = Scene::s3();
    let (world, store) = world_with_store(scene, "s3://no-such-bucket-here");
    every_command_refuses(
        &world,
        &store,
        &["there is no bucket no-such-bucket-here", "check --store"],
    );
    let out = onboard_into(&world, &store);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        stderr(&out).contains("there is no bucket"),
        "{}",
        show(&out)
    );
}

#[test]
fn a_store_without_presets_is_an_error_for_poll_and_apply_and_a_warning_for_serve() {
    for scene in [Scene::local(), Scene::s3()] {
        if let Backend::Local(root) = &scene.backend {
            std::fs::create_dir_all(root).unwrap();
        }
        let mut world = World::new(scene);
        world.member("U0ANA0001", "Ana");
        for args in [&["poll"][..], &["apply", "U0ANA0001", "default"]] {
            let out = world.run(args);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {}", show(&out));
            assert!(
                stderr(&out).contains("there are no presets in the store yet"),
                "{args:?}: {}",
                show(&out)
            );
            assert!(
                stderr(&out).contains("statusinator onboard"),
                "{}",
                show(&out)
            );
        }
        let serve = Serve::start(&world, &[], &[]);
        assert_eq!(serve.health()["members"], 0);
        let logs = serve.logs();
        assert!(
            logs.contains("there are no presets in the store yet"),
            "{logs}"
        );
        assert!(world.slack.calls().is_empty());
    }
}

#[test]
fn users_json_vanishing_under_serve_keeps_its_members_and_raises_an_alarm() {
    let mut world = World::local();
    world.member("U0ANA0001", "Ana");
    world.onboard(
        json!({"U0ANA0001": {"default": {"name": "Ana"}, ":palm_tree:": {"name": "Ana (away)"}}}),
    );
    let serve = Serve::start(&world, &[], &[]);
    assert_eq!(serve.health()["members"], 1);
    let Backend::Local(root) = &world.scene.backend else {
        unreachable!()
    };
    let users = root.join("users.json");
    let kept = std::fs::read(&users).unwrap();
    std::fs::remove_file(&users).unwrap();
    wait_until("the alarm", Duration::from_secs(10), || {
        // An event makes the worker look at the store too.
        world.slack.set_status("U0ANA0001", ":palm_tree:");
        serve.user_change(&world.slack.member("U0ANA0001"));
        !serve.health()["alarms"].as_array().unwrap().is_empty()
    });
    let health = serve.health();
    assert_eq!(health["members"], 1, "{health}");
    assert!(
        health["alarms"][0]
            .as_str()
            .unwrap()
            .contains("users.json has vanished"),
        "{health}"
    );
    assert_eq!(serve.metric("statusinator_presets_vanished"), 1.0);
    assert_eq!(serve.metric("statusinator_members"), 1.0);
    // Still served from memory.
    wait_until("Ana's preset applied", Duration::from_secs(10), || {
        world.slack.member("U0ANA0001").profile["display_name"] == "Ana (away)"
    });
    std::fs::write(&users, kept).unwrap();
    wait_until("the alarm clears", Duration::from_secs(10), || {
        world.slack.set_status("U0ANA0001", "");
        serve.user_change(&world.slack.member("U0ANA0001"));
        serve.health()["alarms"].as_array().unwrap().is_empty()
    });
    let logs = serve.logs();
    assert!(logs.contains("has vanished from the store"), "{logs}");
}

#[test]
fn apply_dry_run_needs_no_token_and_poll_and_serve_without_any_token_say_so_at_start() {
    let scene = Scene::local();
    let world = World::new(scene);
    world.onboard(json!({"U0ANA0001": {"default": {"name": "Ana"}}}));
    // No tokens file entries, no SLACK_TOKEN.
    let out = world.run(&["apply", "U0ANA0001", "default", "--dry-run"]);
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        stdout(&out).contains("no token for U0ANA0001 yet"),
        "{}",
        show(&out)
    );
    for args in [&["poll"][..], &["serve", "--listen", "127.0.0.1:0"]] {
        let out = world
            .command()
            .env("SLACK_SIGNING_SECRET", support::serve::SECRET)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", show(&out));
        assert!(
            stderr(&out).contains("there is no Slack user token for any member"),
            "{args:?}: {}",
            show(&out)
        );
    }
    assert!(world.slack.calls().is_empty());
}
