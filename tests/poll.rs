//! `statusinator poll`: reconciliation against the Slack stand-in that never wastes a call.

mod support;

use std::process::Command;
use std::time::Duration;

use serde_json::{json, Value};
use support::slack::Fault;
use support::{images, show, stderr, stdout, World};

fn poll_json(world: &World, extra: &[&str]) -> (Value, std::process::Output) {
    run_poll_json(world.command(), extra)
}

/// `poll --json` reading with a bot token (`users.list`).
fn poll_json_with_bot(world: &World, bot: &str) -> (Value, std::process::Output) {
    let mut command = world.command();
    command.env("SLACK_BOT_TOKEN", bot);
    run_poll_json(command, &[])
}

fn run_poll_json(mut command: Command, extra: &[&str]) -> (Value, std::process::Output) {
    let out = command
        .args(["poll", "--json"])
        .args(extra)
        .output()
        .unwrap();
    let report =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", show(&out)));
    (report, out)
}

fn count(world: &World, method: &str) -> usize {
    world
        .slack
        .methods()
        .iter()
        .filter(|m| *m == method)
        .count()
}

/// Three members with vacation (name+photo), sick (name only) and default presets.
fn team() -> World {
    let mut world = World::local();
    world.scene.write("beach.png", images::png(512, 512, 1));
    world.scene.write("home.png", images::png(520, 520, 2));
    world.onboard_team(&[
        ("U0ANA0001", "Ana"),
        ("U0BEN0002", "Ben"),
        ("U0CAT0003", "Cat"),
    ]);
    world
}

#[test]
fn the_first_cycle_converges_and_the_second_writes_nothing() {
    let world = team();
    world.slack.set_status("U0ANA0001", ":palm_tree:");
    world
        .slack
        .set_status("U0BEN0002", ":face_with_thermometer:");
    let (report, out) = poll_json(&world, &[]);
    assert!(out.status.success(), "{}", show(&out));
    world.assert_no_token_in(&out);
    assert_eq!(report["read"]["plan"], "profile_get");
    assert_eq!(report["read"]["calls"], 3);
    // Ana: name + photo; Ben: name (photo untouched); Cat: default name matches, photo set.
    assert_eq!(report["writes"]["users.profile.set"], 2);
    assert_eq!(report["writes"]["users.setPhoto"], 2);
    assert_eq!(
        world.slack.member("U0ANA0001").profile["display_name"],
        "Ana (away)"
    );
    assert_eq!(
        world.slack.member("U0BEN0002").profile["display_name"],
        "Ben (sick)"
    );
    assert_eq!(
        world.slack.member("U0CAT0003").photo.unwrap(),
        images::png(520, 520, 2)
    );
    assert!(world.slack.member("U0BEN0002").photo.is_none());
    let applied = world.applied();
    assert_eq!(applied["users"]["U0ANA0001"]["emoji"], ":palm_tree:");
    assert_eq!(applied["users"]["U0CAT0003"]["emoji"], "");

    world.slack.clear_calls();
    let (report, out) = poll_json(&world, &[]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(
        world.slack.methods(),
        ["users.profile.get"; 3],
        "reads only"
    );
    assert_eq!(
        report["writes"],
        json!({"users.profile.set": 0, "users.setPhoto": 0})
    );
    let outcomes: Vec<&Value> = report["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["outcome"])
        .collect();
    assert_eq!(outcomes, [&json!("unchanged"); 3]);
}

#[test]
fn a_cleared_or_unmapped_status_applies_default() {
    let world = team();
    world.slack.set_status("U0ANA0001", ":palm_tree:");
    poll_json(&world, &[]);
    world.slack.set_status("U0ANA0001", "");
    world.slack.set_status("U0BEN0002", ":coffee:");
    world.slack.clear_calls();
    let (report, out) = poll_json(&world, &[]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(
        world.slack.member("U0ANA0001").profile["display_name"],
        "Ana"
    );
    assert_eq!(
        world.slack.member("U0ANA0001").photo.unwrap(),
        images::png(520, 520, 2)
    );
    // Ben's default is already in effect: the unmapped :coffee: costs no write.
    let ben = report["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["user"] == "U0BEN0002")
        .unwrap()
        .clone();
    assert_eq!(ben["preset"], "default");
    assert_eq!(ben["outcome"], "unchanged");
    assert_eq!(world.applied()["users"]["U0BEN0002"]["emoji"], ":coffee:");
}

#[test]
fn ten_members_switching_to_a_photo_only_preset_cost_ten_photos_and_no_names() {
    let mut world = World::local();
    world.scene.write("wave.png", images::png(600, 600, 5));
    world.scene.write("me.png", images::png(600, 600, 6));
    let mut presets = serde_json::Map::new();
    let ids: Vec<String> = (0..10).map(|i| format!("U0WAVE{i:03}")).collect();
    for id in &ids {
        world.member(id, id);
        presets.insert(
            id.clone(),
            json!({
                ":wave:": {"picture": "wave.png"},
                "default": {"name": id, "picture": "me.png"}
            }),
        );
    }
    world.onboard(Value::Object(presets));
    poll_json(&world, &[]);
    for id in &ids {
        world.slack.set_status(id, ":wave:");
    }
    world.slack.clear_calls();
    let (report, out) = poll_json(&world, &[]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(count(&world, "users.setPhoto"), 10);
    assert_eq!(count(&world, "users.profile.set"), 0);
    assert_eq!(
        report["writes"],
        json!({"users.profile.set": 0, "users.setPhoto": 10})
    );
    for call in world
        .slack
        .calls()
        .iter()
        .filter(|c| c.method == "users.setPhoto")
    {
        assert_eq!(call.image.as_ref().unwrap().0, images::png(600, 600, 5));
    }
}

/// `onboarded` members whose presets already match, in a workspace of `size` members.
fn big_workspace(size: usize, onboarded: usize) -> World {
    let mut world = World::local();
    let mut presets = serde_json::Map::new();
    for i in 0..size {
        // Onboarded members sort last, so users.list finds them on the last page.
        if i < onboarded {
            let id = format!("UZ{i:05}");
            world.member(&id, &id);
            presets.insert(id.clone(), json!({"default": {"name": id}}));
        } else {
            world.slack.add_member(&format!("UA{i:05}"), "someone");
        }
    }
    world.onboard(Value::Object(presets));
    world
}

#[test]
fn with_a_bot_token_one_users_list_page_replaces_fifty_reads() {
    let world = big_workspace(60, 50);
    let bot = world.slack.add_bot();
    let (report, out) = poll_json_with_bot(&world, &bot);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(world.slack.methods(), ["users.list"]);
    assert_eq!(report["read"], json!({"plan": "users_list", "calls": 1}));
    let call = &world.slack.calls()[0];
    assert_eq!(call.token_owner.as_deref(), Some("U0BOT"));
    assert!(call.query.contains("limit=200"), "{}", call.query);
    assert!(!show(&out).contains(&bot));
}

#[test]
fn users_list_pages_are_followed_by_cursor() {
    let world = big_workspace(450, 30);
    let bot = world.slack.add_bot();
    let (_, out) = poll_json_with_bot(&world, &bot);
    assert!(out.status.success(), "{}", show(&out));
    let calls = world.slack.calls();
    assert_eq!(world.slack.methods(), ["users.list"; 3]);
    assert!(!calls[0].query.contains("cursor"));
    for pair in calls.windows(2) {
        let next = pair[0].answer["response_metadata"]["next_cursor"]
            .as_str()
            .unwrap();
        assert!(
            pair[1].query.contains(&format!("cursor={next}")),
            "{}",
            pair[1].query
        );
    }
    assert_eq!(calls[2].answer["response_metadata"]["next_cursor"], "");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["members"].as_array().unwrap().len(), 30);
    assert!(report["members"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["outcome"] == "unchanged"));
    let workspace: Value =
        serde_json::from_slice(&world.scene.get("workspace.json").unwrap()).unwrap();
    assert_eq!(workspace, json!({"members": 451, "complete": true}));
}

#[test]
fn a_429_mid_cycle_is_waited_out() {
    let world = team();
    world.slack.set_status("U0ANA0001", ":palm_tree:");
    world
        .slack
        .inject("users.profile.get", [Fault::Http429(Some(1))]);
    world
        .slack
        .inject("users.setPhoto", [Fault::Http429(Some(1))]);
    let (report, out) = poll_json(&world, &["--concurrency", "1"]);
    assert!(out.status.success(), "{}", show(&out));
    // Three reads (one retried), and the avatar_hash read back after each of three photos.
    assert_eq!(count(&world, "users.profile.get"), 4 + 3, "one retried");
    // Three first photos (Ana's beach, Ben's and Cat's default), one of them retried.
    assert_eq!(count(&world, "users.setPhoto"), 4, "one retried");
    assert!(report["members"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["outcome"] != "failed"));
    assert_eq!(
        world.slack.member("U0ANA0001").profile["display_name"],
        "Ana (away)"
    );
}

#[test]
fn one_members_failure_leaves_the_others_applied_and_exits_1() {
    let world = team();
    world.slack.set_status("U0ANA0001", ":palm_tree:");
    world.slack.set_status("U0BEN0002", ":palm_tree:");
    world.slack.revoke(&world.tokens["U0BEN0002"]);
    let (report, out) = poll_json(&world, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    world.assert_no_token_in(&out);
    assert_eq!(report["ok"], false);
    let ben = report["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["user"] == "U0BEN0002")
        .unwrap()
        .clone();
    assert_eq!(ben["outcome"], "failed");
    assert!(
        ben["error"].as_str().unwrap().contains("token_revoked"),
        "{ben}"
    );
    assert!(
        ben["error"]
            .as_str()
            .unwrap()
            .contains("authorize the app again"),
        "{ben}"
    );
    assert_eq!(
        world.slack.member("U0ANA0001").profile["display_name"],
        "Ana (away)"
    );
    assert_eq!(
        world.slack.member("U0CAT0003").photo.unwrap(),
        images::png(520, 520, 2)
    );
    // Three reads and the read-backs after Ana's and Cat's photos.
    assert_eq!(
        count(&world, "users.profile.get"),
        3 + 2,
        "Ben's failure is not retried"
    );

    let text = stdout(&world.run(&["poll"]));
    assert!(
        text.contains("U0BEN0002 failed: users.profile.get failed with token_revoked"),
        "{text}"
    );
}

#[test]
fn dry_run_reads_and_plans_but_writes_nothing() {
    let world = team();
    world.slack.set_status("U0ANA0001", ":palm_tree:");
    let out = world.run(&["poll", "--dry-run"]);
    assert!(out.status.success(), "{}", show(&out));
    let text = stdout(&out);
    assert!(
        text.contains(
            "U0ANA0001 :palm_tree: → :palm_tree:: would set name \"Ana (away)\", photo U0ANA0001/"
        ),
        "{text}"
    );
    assert!(text.contains("(dry run: nothing written)"), "{text}");
    assert_eq!(world.slack.methods(), ["users.profile.get"; 3]);
    assert_eq!(world.applied(), Value::Null);
}

#[test]
fn poll_every_stops_cleanly_on_sigterm() {
    let world = team();
    let mut child = world
        .command()
        .args(["poll", "--every", "1s", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for two cycles' reads, then ask it to stop. The first cycle: three reads, and two
    // photos read back; then the second cycle's reads.
    support::wait_until("a second cycle", Duration::from_secs(20), || {
        count(&world, "users.profile.get") >= 5 + 3
    });
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let code = support::wait_for("poll --every stops", Duration::from_secs(5), || {
        child.try_wait().unwrap()
    });
    let out = child.wait_with_output().unwrap();
    assert_eq!(code.code(), Some(0), "{}", show(&out));
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.len() >= 2, "one JSON line a cycle: {}", show(&out));
    assert!(
        stderr(&out).contains("stopped by a signal"),
        "{}",
        show(&out)
    );
}

#[test]
fn a_member_serve_is_writing_is_left_to_it() {
    let world = team();
    world.slack.set_status("U0ANA0001", ":palm_tree:");
    world
        .slack
        .set_status("U0BEN0002", ":face_with_thermometer:");
    // serve has claimed Ana: it is writing her profile right now.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claim = json!({"by": "serve-4242-0badc0de", "emoji": ":palm_tree:", "until": now + 100});
    world.put_member_state("U0ANA0001", json!({ "claim": claim }));
    let (report, out) = poll_json(&world, &[]);
    assert!(out.status.success(), "{}", show(&out));
    let outcome = |user: &str| {
        report["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["user"] == user)
            .unwrap()["outcome"]
            .clone()
    };
    assert_eq!(outcome("U0ANA0001"), "elsewhere");
    assert_eq!(outcome("U0BEN0002"), "applied");
    assert!(
        world
            .slack
            .calls()
            .iter()
            .all(|c| c.token_owner.as_deref() != Some("U0ANA0001")
                || c.method == "users.profile.get"),
        "nothing written for Ana: {:?}",
        world.slack.methods()
    );
    assert_eq!(
        world.slack.member("U0BEN0002").profile["display_name"],
        "Ben (sick)"
    );
    let applied = world.applied();
    assert_eq!(
        applied["claims"],
        json!({"U0ANA0001": claim}),
        "serve's claim stays; poll's are gone"
    );
    assert!(applied["users"].get("U0ANA0001").is_none());
}

#[test]
fn null_profile_fields_read_as_absent_in_users_list_and_users_profile_get() {
    // Slack documents that profile fields may be null: one member's nulls must cost nobody
    // the users.list plan, and must not fail that member.
    let world = big_workspace(60, 50);
    let bot = world.slack.add_bot();
    world.slack.set_status("UZ00001", ":palm_tree:");
    world
        .slack
        .set_profile_field("UZ00001", "status_emoji", Value::Null);
    world
        .slack
        .set_profile_field("UZ00002", "display_name", Value::Null);
    world
        .slack
        .set_profile_field("UZ00003", "avatar_hash", Value::Null);
    let (report, out) = poll_json_with_bot(&world, &bot);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(report["read"], json!({"plan": "users_list", "calls": 1}));
    let members = report["members"].as_array().unwrap();
    assert!(members.iter().all(|m| m["outcome"] != "failed"), "{report}");
    let of = |id: &str| members.iter().find(|m| m["user"] == id).unwrap().clone();
    // A null status is a cleared one: default applies (its name was already in effect).
    assert_eq!(of("UZ00001")["status"], "");
    // A null display name is an empty one: the default name is written.
    assert_eq!(of("UZ00002")["outcome"], "applied");
    assert_eq!(
        world.slack.member("UZ00002").profile["display_name"],
        "UZ00002"
    );

    // The same through users.profile.get (no bot token).
    world
        .slack
        .set_profile_field("UZ00004", "status_emoji", Value::Null);
    world
        .slack
        .set_profile_field("UZ00004", "display_name", Value::Null);
    let (report, out) = poll_json(&world, &[]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(report["read"]["plan"], "profile_get");
    assert!(
        report["members"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["outcome"] != "failed"),
        "{report}"
    );
}

#[test]
fn a_tokens_file_with_keys_and_values_swapped_never_shows_a_token() {
    let world = team();
    let swapped: serde_json::Map<String, Value> = world
        .tokens
        .iter()
        .map(|(user, token)| (token.clone(), Value::from(user.as_str())))
        .collect();
    let path = world.tokens_path();
    std::fs::write(&path, serde_json::to_vec(&swapped).unwrap()).unwrap();
    for args in [&["poll"][..], &["apply", "U0ANA0001", "default"]] {
        let out = world.run(args);
        assert_eq!(out.status.code(), Some(2), "{}", show(&out));
        world.assert_no_token_in(&out);
        let text = stderr(&out);
        assert!(text.contains("the tokens file"), "{text}");
        assert!(text.contains("xoxp-(redacted)"), "{text}");
        assert!(text.contains("is not a Slack member ID"), "{text}");
    }
}
