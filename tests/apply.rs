//! `statusinator apply`: the right Slack calls and nothing else, against the Slack stand-in.

mod support;

use std::time::Duration;

use serde_json::json;
use support::slack::{Fault, Kind};
use support::{images, show, stderr, stdout, World};

/// Ana: vacation (name + photo), sick (name only), wave (photo only), default (name + photo).
fn ana() -> World {
    let mut world = World::local();
    world.member("U024BE7LH", "Ana");
    world.scene.write("beach.png", images::png(512, 512, 1));
    world.scene.write("ana.jpg", images::jpeg(640, 640, 2));
    world.scene.write("wave.gif", images::gif(800, 800, 3));
    world.onboard(json!({"U024BE7LH": {
        ":palm_tree:": {"name": "Ana (on vacation)", "picture": "beach.png"},
        ":face_with_thermometer:": {"name": "Ana (sick)"},
        ":wave:": {"picture": "wave.gif"},
        "default": {"name": "Ana", "picture": "ana.jpg"}
    }}));
    world
}

#[test]
fn a_name_and_photo_preset_sets_both_with_the_members_own_token() {
    let world = ana();
    let out = world.run(&["apply", "U024BE7LH", ":palm_tree:"]);
    assert!(out.status.success(), "{}", show(&out));
    world.assert_no_token_in(&out);
    // Whose token; her usual profile read before the first change; the two writes; the
    // photo's avatar_hash read back.
    assert_eq!(
        world.slack.methods(),
        [
            "auth.test",
            "users.profile.get",
            "users.profile.set",
            "users.setPhoto",
            "users.profile.get"
        ]
    );
    let calls = world.slack.calls();
    for call in &calls {
        assert_eq!(call.token_owner.as_deref(), Some("U024BE7LH"));
        assert_eq!(call.token_kind, Some(Kind::User));
        assert!(!call.query.contains("token"), "token in a query: {call:?}");
    }
    assert_eq!(calls[2].display_name(), Some("Ana (on vacation)"));
    assert!(calls[2].content_type.starts_with("application/json"));
    let (bytes, content_type) = calls[3].image.clone().unwrap();
    assert_eq!(
        bytes,
        images::png(512, 512, 1),
        "the stored picture, byte for byte"
    );
    assert_eq!(content_type, "image/png");
    let member = world.slack.member("U024BE7LH");
    assert_eq!(member.profile["display_name"], "Ana (on vacation)");

    let text = stdout(&out);
    assert!(
        text.contains("U024BE7LH :palm_tree: → preset :palm_tree:"),
        "{text}"
    );
    assert!(
        text.contains("set display name \"Ana (on vacation)\""),
        "{text}"
    );
    let applied = &world.applied()["users"]["U024BE7LH"];
    assert_eq!(applied["emoji"], ":palm_tree:");
    assert_eq!(applied["name"], "Ana (on vacation)");
    assert_eq!(
        applied["picture"],
        world.picture_key("U024BE7LH", ":palm_tree:")
    );
}

#[test]
fn a_name_only_preset_makes_no_photo_call() {
    let world = ana();
    let out = world.run(&["apply", "U024BE7LH", "face_with_thermometer"]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(
        world.slack.methods(),
        ["auth.test", "users.profile.get", "users.profile.set"]
    );
    assert_eq!(world.slack.calls()[2].display_name(), Some("Ana (sick)"));
}

#[test]
fn a_photo_only_preset_makes_no_name_call() {
    let world = ana();
    let out = world.run(&["apply", "U024BE7LH", ":wave:"]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(
        world.slack.methods(),
        [
            "auth.test",
            "users.profile.get",
            "users.setPhoto",
            "users.profile.get"
        ]
    );
    let (bytes, content_type) = world.slack.calls()[2].image.clone().unwrap();
    assert_eq!(bytes, images::gif(800, 800, 3));
    assert_eq!(content_type, "image/gif");
}

#[test]
fn a_skin_tone_falls_back_to_the_plain_emojis_preset() {
    let world = ana();
    let out = world.run(&["apply", "U024BE7LH", ":wave::skin-tone-3:", "--json"]);
    assert!(out.status.success(), "{}", show(&out));
    let result: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["preset"], ":wave:");
    assert_eq!(result["emoji"], ":wave::skin-tone-3:");
    assert_eq!(result["token"], "the tokens-file token of U024BE7LH");
    assert_eq!(
        world.slack.methods(),
        [
            "auth.test",
            "users.profile.get",
            "users.setPhoto",
            "users.profile.get"
        ]
    );
}

#[test]
fn default_puts_the_usual_name_and_photo_back() {
    let world = ana();
    let out = world.run(&["apply", "U024BE7LH", "default"]);
    assert!(out.status.success(), "{}", show(&out));
    let calls = world.slack.calls();
    assert_eq!(calls[2].display_name(), Some("Ana"));
    let (bytes, content_type) = calls[3].image.clone().unwrap();
    assert_eq!(bytes, images::jpeg(640, 640, 2));
    assert_eq!(content_type, "image/jpeg");
}

#[test]
fn the_manual_override_writes_even_what_seems_in_effect() {
    let world = ana();
    assert!(world
        .run(&["apply", "U024BE7LH", "default"])
        .status
        .success());
    world.slack.clear_calls();
    let out = world.run(&["apply", "U024BE7LH", "default"]);
    assert!(out.status.success(), "{}", show(&out));
    // Her usual profile is kept already: no read before the writes.
    assert_eq!(
        world.slack.methods(),
        [
            "auth.test",
            "users.profile.set",
            "users.setPhoto",
            "users.profile.get"
        ]
    );
}

#[test]
fn an_emoji_without_a_preset_is_a_clear_error_and_calls_nothing() {
    let world = ana();
    let out = world.run(&["apply", "U024BE7LH", ":house:"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let err = stderr(&out);
    assert!(err.contains("U024BE7LH has no preset for :house:"), "{err}");
    assert!(err.contains(":palm_tree:, :wave:, default"), "{err}");
    let out = world.run(&["apply", "U0NOBODY", "default"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        stderr(&out).contains("U0NOBODY is not onboarded"),
        "{}",
        show(&out)
    );
    let out = world.run(&["apply", "U024BE7LH", "🌴"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(world.slack.calls().is_empty());
}

#[test]
fn a_429_is_waited_out_as_slack_asks_then_retried() {
    let world = ana();
    world
        .slack
        .inject("users.setPhoto", [Fault::Http429(Some(1))]);
    let out = world.run(&["apply", "U024BE7LH", ":palm_tree:"]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(
        world.slack.methods(),
        [
            "auth.test",
            "users.profile.get",
            "users.profile.set",
            "users.setPhoto",
            "users.setPhoto",
            "users.profile.get"
        ]
    );
    let calls = world.slack.calls();
    assert_eq!(calls[3].status, 429);
    let waited = calls[4].at.duration_since(calls[3].at);
    assert!(waited >= Duration::from_secs(1), "retried after {waited:?}");
    assert!(
        stderr(&out).contains("users.setPhoto is rate-limited; waiting 1 s"),
        "{}",
        show(&out)
    );
}

#[test]
fn ratelimited_on_a_200_is_a_rate_limit_too() {
    let world = ana();
    world
        .slack
        .inject("users.profile.set", [Fault::RateLimitedOk]);
    let out = world.run(&["apply", "U024BE7LH", ":face_with_thermometer:"]);
    assert!(out.status.success(), "{}", show(&out));
    let calls = world.slack.calls();
    assert_eq!(
        world.slack.methods(),
        [
            "auth.test",
            "users.profile.get",
            "users.profile.set",
            "users.profile.set"
        ]
    );
    let waited = calls[3].at.duration_since(calls[2].at);
    assert!(waited >= Duration::from_secs(1), "retried after {waited:?}");
}

#[test]
fn server_errors_are_retried_with_backoff() {
    let world = ana();
    world.slack.inject(
        "users.profile.set",
        [Fault::Status(503), Fault::Status(500)],
    );
    let out = world.run(&["apply", "U024BE7LH", ":face_with_thermometer:"]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(
        world.slack.methods(),
        [
            "auth.test",
            "users.profile.get",
            "users.profile.set",
            "users.profile.set",
            "users.profile.set"
        ]
    );
}

#[test]
fn a_revoked_token_fails_at_once_and_says_what_to_do() {
    let world = ana();
    world.slack.revoke(&world.tokens["U024BE7LH"]);
    let out = world.run(&["apply", "U024BE7LH", ":palm_tree:"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    world.assert_no_token_in(&out);
    assert_eq!(world.slack.methods(), ["auth.test"], "no retry loop");
    let err = stderr(&out);
    assert!(err.contains("U024BE7LH (:palm_tree:)"), "{err}");
    assert!(err.contains("token_revoked"), "{err}");
    assert!(err.contains("authorize the app again"), "{err}");
    assert_eq!(world.applied(), serde_json::Value::Null, "nothing recorded");
}

#[test]
fn a_revoked_token_mid_apply_keeps_the_record_true_to_what_was_written() {
    let world = ana();
    world
        .slack
        .inject("users.setPhoto", [Fault::Error("token_revoked".to_owned())]);
    let out = world.run(&["apply", "U024BE7LH", ":palm_tree:"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert_eq!(
        world.slack.methods(),
        [
            "auth.test",
            "users.profile.get",
            "users.profile.set",
            "users.setPhoto"
        ]
    );
    let applied = &world.applied()["users"]["U024BE7LH"];
    assert_eq!(applied["name"], "Ana (on vacation)", "the name was written");
    assert!(applied.get("picture").is_none(), "the photo was not");
    assert_eq!(applied["emoji"], "", "the change is not complete");
}

#[test]
fn someone_elses_token_is_refused_before_any_write() {
    let mut world = ana();
    let ben = world.member("U0BEN0001", "Ben");
    world.tokens.remove("U024BE7LH");
    world.tokens.remove("U0BEN0001");
    let out = world
        .command()
        .env_remove("STATUSINATOR_TOKENS")
        .env("SLACK_TOKEN", &ben)
        .args(["apply", "U024BE7LH", ":palm_tree:"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert_eq!(world.slack.methods(), ["auth.test"]);
    let err = stderr(&out);
    assert!(
        err.contains("SLACK_TOKEN belongs to U0BEN0001, not U024BE7LH"),
        "{err}"
    );
    assert!(!err.contains(&ben), "{err}");
}

#[test]
fn a_bot_token_is_refused_and_says_which_token_is_needed() {
    let world = ana();
    let bot = world.slack.add_bot();
    let out = world
        .command()
        .env_remove("STATUSINATOR_TOKENS")
        .env("SLACK_TOKEN", &bot)
        .args(["apply", "U024BE7LH", ":palm_tree:"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        stderr(&out).contains("SLACK_TOKEN is a bot token"),
        "{}",
        show(&out)
    );
    assert!(!show(&out).contains(&bot));
    assert!(world.slack.calls().is_empty());
}

#[test]
fn slack_answers_a_bot_token_on_a_profile_write_with_not_allowed_token_type() {
    use statusinator::slack::{RetryPolicy, SlackClient};
    use statusinator::tokens::{Token, TokenSource};
    let world = ana();
    let bot = world.slack.add_bot();
    let client = SlackClient::new(&world.slack.url, RetryPolicy::default()).unwrap();
    let token = Token {
        secret: statusinator::secret::SecretString::new(bot.clone()),
        source: TokenSource::BotToken,
        team: None,
    };
    let err = client.set_display_name(&token, "x").unwrap_err();
    assert_eq!(err.code(), Some("not_allowed_token_type"));
    let text = err.to_string();
    assert!(
        text.contains("the member's own user token (xoxp-…)"),
        "{text}"
    );
    assert!(!text.contains(&bot) && !format!("{err:?}").contains(&bot));
    assert_eq!(world.slack.methods(), ["users.profile.set"], "not retried");
    let png = images::png(512, 512, 1);
    let err = client
        .set_photo(&token, &png, statusinator::picture::Format::Png)
        .unwrap_err();
    assert_eq!(err.code(), Some("not_allowed_token_type"));
}

#[test]
fn a_tokens_file_others_can_read_is_refused() {
    let world = ana();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(world.tokens_path(), std::fs::Permissions::from_mode(0o644))
            .unwrap();
    }
    let out = world.run(&["apply", "U024BE7LH", ":palm_tree:"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        stderr(&out).contains("readable by group or others"),
        "{}",
        show(&out)
    );
    world.assert_no_token_in(&out);
    assert!(world.slack.calls().is_empty());
}

#[test]
fn dry_run_prints_the_plan_and_calls_nothing() {
    let world = ana();
    let out = world.run(&["apply", "U024BE7LH", ":palm_tree:", "--dry-run"]);
    assert!(out.status.success(), "{}", show(&out));
    let text = stdout(&out);
    assert!(
        text.contains("would set display name \"Ana (on vacation)\" (users.profile.set)"),
        "{text}"
    );
    assert!(text.contains("would set photo U024BE7LH/"), "{text}");
    assert!(world.slack.calls().is_empty());
    assert_eq!(world.applied(), serde_json::Value::Null);
}

#[test]
fn a_missing_picture_changes_nothing() {
    let world = ana();
    let key = world.picture_key("U024BE7LH", ":palm_tree:");
    let path = match &world.scene.backend {
        support::Backend::Local(root) => root.join(&key),
        _ => unreachable!(),
    };
    std::fs::remove_file(path).unwrap();
    let out = world.run(&["apply", "U024BE7LH", ":palm_tree:"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        stderr(&out).contains("is missing from the store: onboard"),
        "{}",
        show(&out)
    );
    assert!(world.slack.calls().is_empty());
}

/// `apply` beside a running serve: serve gets the echo of each write while apply still works
/// (Slack is slow), finds the member claimed, and once apply is done finds nothing left to
/// write. Two writes in all, as for any change.
#[test]
fn apply_beside_a_running_serve_costs_two_writes() {
    let world = ana();
    world.slack.set_status("U024BE7LH", ":palm_tree:");
    let serve = support::serve::Serve::start(&world, &[], &[]);
    support::serve::echo_changes(&world, &serve.url);
    world.slack.clear_calls();
    world.slack.set_latency(Duration::from_millis(300));

    let out = world.run(&["apply", "U024BE7LH", ":palm_tree:"]);
    assert!(out.status.success(), "{}", show(&out));
    support::wait_until(
        "serve has seen both echoes and has nothing left to do",
        Duration::from_secs(30),
        || {
            let health = serve.health();
            let applies: f64 = serve
                .get("/metrics")
                .body
                .lines()
                .filter(|l| l.starts_with("statusinator_applies_total"))
                .filter_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
                .sum();
            applies >= 2.0 && health["queue"] == 0 && health["retrying"] == 0
        },
    );
    assert_eq!(
        world.slack.profile_writes(),
        ["users.profile.set", "users.setPhoto"],
        "{}",
        serve.logs()
    );
}
