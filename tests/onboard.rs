//! `statusinator onboard`, run as a user would, against a local store and against S3.

mod support;

use std::collections::BTreeMap;

use serde_json::{json, Value};
use support::{images, show, stderr, stdout, Scene};

/// Writes a presets file with pictures beside it; returns its path as a string.
fn presets_file(scene: &Scene, name: &str, presets: Value) -> String {
    let path = scene.write(name, serde_json::to_vec_pretty(&presets).unwrap());
    path.display().to_string()
}

fn onboard_json(scene: &Scene, args: &[&str]) -> Value {
    let mut all = vec!["onboard"];
    all.extend_from_slice(args);
    all.push("--json");
    let out = scene.run(&all);
    assert!(out.status.success(), "{}", show(&out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", show(&out)))
}

/// Ana with a vacation preset (name + PNG) and a default (name + JPEG); Ben with a GIF.
fn ana_and_ben(scene: &Scene) -> String {
    scene.write("pics/beach.png", images::png(512, 512, 1));
    scene.write("pics/ana.jpg", images::jpeg(600, 600, 2));
    scene.write("pics/ben.gif", images::gif(1024, 1024, 3));
    presets_file(
        scene,
        "presets.json",
        json!({"users": {
            "U024BE7LH": {
                ":palm_tree:": {"name": "Ana (on vacation)", "picture": "pics/beach.png"},
                ":face_with_thermometer:": {"name": "Ana (sick)"},
                "default": {"name": "Ana", "picture": "pics/ana.jpg"}
            },
            "W0G9QF9C6": {
                "wave": {"picture": "pics/ben.gif"}
            }
        }}),
    )
}

fn onboarding_stores_pictures_first_and_presets_in_users_json(scene: &Scene) {
    let file = ana_and_ben(scene);
    let report = onboard_json(scene, &[&file]);
    assert_eq!(report["presets"]["added"], 4);
    assert_eq!(report["pictures"]["uploaded"], 3);

    let users = scene.users_json();
    assert!(users["lastUpdatedAt"].as_u64().unwrap() > 1_700_000_000);
    let ana = &users["users"]["U024BE7LH"];
    assert_eq!(
        ana[":face_with_thermometer:"],
        json!({"name": "Ana (sick)"})
    );
    let beach = ana[":palm_tree:"]["picture"].as_str().unwrap();
    let default = ana["default"]["picture"].as_str().unwrap();
    let wave = users["users"]["W0G9QF9C6"][":wave:"]["picture"]
        .as_str()
        .unwrap();
    assert!(
        beach.starts_with("U024BE7LH/") && beach.ends_with(".png"),
        "{beach}"
    );
    assert!(default.ends_with(".jpg"), "{default}");
    assert!(
        wave.starts_with("W0G9QF9C6/") && wave.ends_with(".gif"),
        "{wave}"
    );
    assert_eq!(scene.get(beach).unwrap(), images::png(512, 512, 1));
    assert_eq!(scene.get(default).unwrap(), images::jpeg(600, 600, 2));
    assert_eq!(scene.get(wave).unwrap(), images::gif(1024, 1024, 3));
}

fn onboarding_the_same_file_twice_uploads_nothing_new(scene: &Scene) {
    let file = ana_and_ben(scene);
    onboard_json(scene, &[&file]);
    let before = scene.snapshot();
    let report = onboard_json(scene, &[&file]);
    assert_eq!(report["pictures"]["uploaded"], 0);
    assert_eq!(report["pictures"]["already_stored"], 3);
    assert_eq!(report["presets"]["unchanged"], 4);
    let after = scene.snapshot();
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    for (key, bytes) in &before {
        if key != "users.json" {
            assert_eq!(bytes, &after[key], "{key} changed");
        }
    }
    let mut old: Value = serde_json::from_slice(&before["users.json"]).unwrap();
    let mut new: Value = serde_json::from_slice(&after["users.json"]).unwrap();
    assert!(new["lastUpdatedAt"].as_u64() > old["lastUpdatedAt"].as_u64());
    old["lastUpdatedAt"] = Value::Null;
    new["lastUpdatedAt"] = Value::Null;
    assert_eq!(old, new);
}

fn bad_input_is_reported_in_full_and_leaves_the_store_untouched(scene: &Scene) {
    let file = ana_and_ben(scene);
    onboard_json(scene, &[&file]);
    let before = scene.snapshot();

    scene.write("pics/small.png", images::png(511, 600, 4));
    scene.write("pics/big.jpg", images::jpeg(1025, 800, 5));
    scene.write("pics/notes.png", "these are notes, not a picture");
    let bad = presets_file(
        scene,
        "bad.json",
        json!({
            "U024BE7LH": {
                ":palm_tree:": {"name": "Ana", "picture": "pics/small.png"},
                ":house:": {"picture": "pics/big.jpg"},
                ":sick:": {"picture": "pics/notes.png"},
                ":x:": {"picture": "pics/missing.png"},
                ":y:": {},
                ":z:": {"name": "n".repeat(81)},
                "🌴": {"name": "beach"}
            },
            "U-NOPE": {"default": {"name": "x"}},
            "U0GOOD1": {"default": {"name": "fine", "picture": "pics/beach.png"}}
        }),
    );
    let out = scene.run(&["onboard", &bad]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let err = stderr(&out);
    for expected in [
        "8 problems",
        "user U024BE7LH, emoji :palm_tree:, picture \"pics/small.png\": it is 511×600 px; Slack needs at least 512×512",
        "emoji :house:, picture \"pics/big.jpg\": it is 1025×800 px; Slack takes at most 1024×1024",
        "emoji :sick:, picture \"pics/notes.png\": it is not a PNG, JPEG or GIF image",
        "emoji :x:, picture \"pics/missing.png\": cannot read",
        "emoji :y:: is an empty preset",
        "emoji :z:, name: the name",
        "has 81 characters",
        "emoji 🌴: \"🌴\" is not a Slack emoji code",
        "user \"U-NOPE\": \"U-NOPE\" is not a Slack member ID",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in\n{err}");
    }
    assert!(stdout(&out).is_empty(), "{}", show(&out));
    assert_eq!(scene.snapshot(), before, "the store changed");

    let json_out = scene.run(&["onboard", &bad, "--json"]);
    assert_eq!(json_out.status.code(), Some(2));
    let report: Value = serde_json::from_slice(&json_out.stdout).unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(report["problems"].as_array().unwrap().len(), 8);

    let broken = scene.write("broken.json", "{\n  \"U1AAA\": {\n    \":x:\": \n}");
    let out = scene.run(&["onboard", broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        stderr(&out).contains("broken.json: line 4, column 1"),
        "{}",
        show(&out)
    );
    assert_eq!(scene.snapshot(), before, "the store changed");
}

fn eight_concurrent_onboards_of_different_members_all_survive(scene: &Scene) {
    let ids: Vec<String> = (0..8).map(|i| format!("U0CONC{i}")).collect();
    let files: Vec<String> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            scene.write(&format!("p{i}.png"), images::png(512, 512, 10 + i as u8));
            presets_file(
                scene,
                &format!("m{i}.json"),
                json!({ id: {
                    ":palm_tree:": {"name": format!("{id} away"), "picture": format!("p{i}.png")},
                    "default": {"name": id}
                }}),
            )
        })
        .collect();
    let children: Vec<_> = files
        .iter()
        .map(|f| {
            scene
                .command()
                .args(["onboard", f])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", show(&out));
    }
    let users = scene.users_json();
    let onboarded = users["users"].as_object().unwrap();
    assert_eq!(onboarded.len(), 8, "{users:#}");
    for (i, id) in ids.iter().enumerate() {
        let key = onboarded[id][":palm_tree:"]["picture"].as_str().unwrap();
        assert_eq!(scene.get(key).unwrap(), images::png(512, 512, 10 + i as u8));
        assert_eq!(onboarded[id]["default"]["name"], id.as_str());
    }
}

fn replace_drops_a_members_presets_that_are_not_in_the_file(scene: &Scene) {
    let file = ana_and_ben(scene);
    onboard_json(scene, &[&file]);
    let only_default = presets_file(
        scene,
        "ana.json",
        json!({"U024BE7LH": {"default": {"name": "Ana B."}}}),
    );
    let merged = onboard_json(scene, &[&only_default]);
    assert_eq!(merged["presets"]["changed"], 1);
    assert_eq!(
        scene.users_json()["users"]["U024BE7LH"]
            .as_object()
            .unwrap()
            .len(),
        3
    );

    let replaced = onboard_json(scene, &[&only_default, "--replace"]);
    assert_eq!(replaced["presets"]["removed"], 2);
    let users = scene.users_json();
    assert_eq!(
        users["users"]["U024BE7LH"],
        json!({"default": {"name": "Ana B."}})
    );
    assert!(
        users["users"]["W0G9QF9C6"].is_object(),
        "other members are kept"
    );
}

fn dry_run_prints_the_plan_and_writes_nothing(scene: &Scene) {
    let file = ana_and_ben(scene);
    let before = scene.snapshot();
    let out = scene.run(&["onboard", &file, "--dry-run"]);
    assert!(out.status.success(), "{}", show(&out));
    let text = stdout(&out);
    assert!(text.contains("add    U024BE7LH   :palm_tree:"), "{text}");
    assert!(
        text.contains("pictures: 3 to store, 0 already stored"),
        "{text}"
    );
    assert!(text.contains("dry run: nothing was written"), "{text}");
    assert_eq!(scene.snapshot(), before);
    let report = onboard_json(scene, &[&file, "--dry-run"]);
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["last_updated_at"], Value::Null);
    assert_eq!(scene.snapshot(), before);
}

fn the_header_not_the_name_decides_the_extension(scene: &Scene) {
    scene.write("looks-like.jpg", images::png(700, 700, 9));
    let file = presets_file(
        scene,
        "p.json",
        json!({"U1AAA": {"default": {"picture": "looks-like.jpg"}}}),
    );
    onboard_json(scene, &[&file]);
    let key = scene.users_json()["users"]["U1AAA"]["default"]["picture"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(key.ends_with(".png"), "{key}");
}

fn a_design_era_users_json_is_merged_not_replaced(scene: &Scene) {
    scene.put(
        "users.json",
        br#"{"lastUpdatedAt": "1732406400", "users": {"U024BE7LH": {":palm_tree:": {"name": "Ana (on vacation)"}, "default": {"name": "Ana"}}}}"#,
    );
    let file = presets_file(
        scene,
        "p.json",
        json!({"U0NEW1": {"default": {"name": "Neo"}}}),
    );
    onboard_json(scene, &[&file]);
    let users = scene.users_json();
    assert!(users["lastUpdatedAt"].as_u64().unwrap() > 1732406400);
    assert_eq!(users["users"]["U024BE7LH"]["default"]["name"], "Ana");
    assert_eq!(users["users"]["U0NEW1"]["default"]["name"], "Neo");
}

macro_rules! on_both_backends {
    ($($scenario:ident),* $(,)?) => {
        mod local_store {
            $( #[test] fn $scenario() { super::$scenario(&super::Scene::local()) } )*
        }
        mod s3_store {
            $( #[test] fn $scenario() { super::$scenario(&super::Scene::s3()) } )*
        }
    };
}

on_both_backends!(
    onboarding_stores_pictures_first_and_presets_in_users_json,
    onboarding_the_same_file_twice_uploads_nothing_new,
    bad_input_is_reported_in_full_and_leaves_the_store_untouched,
    eight_concurrent_onboards_of_different_members_all_survive,
    replace_drops_a_members_presets_that_are_not_in_the_file,
    dry_run_prints_the_plan_and_writes_nothing,
    the_header_not_the_name_decides_the_extension,
    a_design_era_users_json_is_merged_not_replaced,
);

#[test]
fn pictures_can_come_from_a_url() {
    let scene = Scene::local();
    let server = support::FileServer::start(BTreeMap::from([(
        "/ana.png".to_owned(),
        images::png(800, 800, 7),
    )]));
    let file = presets_file(
        &scene,
        "p.json",
        json!({"U1AAA": {
            "default": {"picture": format!("{}/ana.png", server.url)}
        }}),
    );
    onboard_json(&scene, &[&file]);
    let key = scene.users_json()["users"]["U1AAA"]["default"]["picture"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(scene.get(&key).unwrap(), images::png(800, 800, 7));

    let missing = presets_file(
        &scene,
        "q.json",
        json!({"U1AAA": {":x:": {"picture": format!("{}/gone.png", server.url)}}}),
    );
    let out = scene.run(&["onboard", &missing]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    // A missing file says so, with the server's answer.
    assert!(
        stderr(&out).contains("the download failed: the server answered HTTP 404"),
        "{}",
        show(&out)
    );

    let plain = presets_file(
        &scene,
        "r.json",
        json!({"U1AAA": {":x:": {"picture": "http://example.com/a.png"}}}),
    );
    let out = scene.run(&["onboard", &plain]);
    assert!(
        stderr(&out).contains("the download failed"),
        "{}",
        show(&out)
    );
}

#[test]
fn an_unreachable_s3_endpoint_is_a_clear_error_not_a_panic() {
    let scene = Scene::local();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let file = ana_and_ben(&scene);
    let out = scene
        .command()
        .env("STATUSINATOR_STORE", "s3://no-such-place")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}"))
        .args(["onboard", &file])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("cannot reach http://127.0.0.1:{port}")),
        "{err}"
    );
    assert!(err.contains("check AWS_ENDPOINT_URL"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_missing_presets_file_or_bad_store_is_a_usage_error() {
    let scene = Scene::local();
    let out = scene.run(&["onboard", "nope.json"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        stderr(&out).contains("cannot read the presets file nope.json"),
        "{}",
        show(&out)
    );

    let file = presets_file(
        &scene,
        "p.json",
        json!({"U1AAA": {"default": {"name": "A"}}}),
    );
    let out = scene.run(&["--store", "ftp://x", "onboard", &file]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        stderr(&out).contains("ftp:// is not supported"),
        "{}",
        show(&out)
    );
}

#[test]
fn the_quickstart_example_onboards_as_is() {
    let scene = Scene::local();
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/presets.json");
    let out = scene.run(&["onboard", example]);
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        stdout(&out).contains("2 members: 7 added"),
        "{}",
        show(&out)
    );
    let users = scene.users_json();
    assert_eq!(users["users"]["U024BE7LH"].as_object().unwrap().len(), 4);
}

#[test]
fn a_bad_member_id_hides_none_of_the_problems_under_it() {
    let scene = Scene::local();
    scene.write("pics/small.png", images::png(300, 300, 4));
    let file = presets_file(
        &scene,
        "p.json",
        json!({"u-nope": {
            ":palm_tree:": {"name": "@ana", "picture": "pics/small.png"},
            "🌴": {"name": "beach"},
            ":house:": {"name": "Ana https://ana.dev"},
            ":zzz:": {"name": "Slackbot"}
        }}),
    );
    let out = scene.run(&["onboard", &file, "--json"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let problems: Vec<String> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{}: {}",
                p["place"].as_str().unwrap(),
                p["message"].as_str().unwrap()
            )
        })
        .collect();
    let all = problems.join("\n");
    for expected in [
        "user \"u-nope\": \"u-nope\" is not a Slack member ID",
        "emoji :palm_tree:, name: the name \"@ana\" starts with @",
        "emoji :palm_tree:, picture \"pics/small.png\": it is 300×300 px",
        "emoji 🌴: \"🌴\" is not a Slack emoji code",
        "emoji :house:, name: the name \"Ana https://ana.dev\" holds a web address",
        "emoji :zzz:, name: the name \"Slackbot\" is reserved by Slack",
    ] {
        assert!(all.contains(expected), "missing {expected:?} in\n{all}");
    }
    assert_eq!(problems.len(), 6, "{all}");
    assert!(scene.snapshot().is_empty(), "nothing is written");
}

#[test]
fn a_token_or_a_huge_value_in_the_presets_comes_back_only_as_a_short_excerpt() {
    let scene = Scene::local();
    let token = "xoxp-1111-2222-3333-abcdefabcdef";
    let huge = "n".repeat(100_000);
    let file = presets_file(
        &scene,
        "p.json",
        json!({
            token: {"default": {"name": "Ana"}},
            "U1AAA": {
                ":x:": {"name": huge},
                ":y:": {"picture": format!("pics/{}.png", "p".repeat(50_000))}
            }
        }),
    );
    let out = scene.run(&["onboard", &file]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let err = stderr(&out);
    assert!(!err.contains("1111-2222"), "{err}");
    assert!(err.contains("xoxp-(redacted)"), "{err}");
    assert!(err.contains("(100000 characters)"), "{err}");
    assert!(err.len() < 2_000, "{} bytes of error", err.len());
}

/// An emoji code that is neither standard nor a custom emoji of the workspace is refused with
/// what it probably means, every one in file order; without a bot token to ask, a code that is
/// not standard is a warning that says how to check it, and Slack is never asked.
#[test]
fn emoji_typos_are_caught_with_a_did_you_mean() {
    let world = support::World::local();
    world
        .slack
        .add_custom_emoji("shipit", images::png(64, 64, 5));
    let bot = world.slack.add_bot();
    // json! keeps the order written: the problems come in the file's order.
    let file = presets_file(
        &world.scene,
        "typos.json",
        json!({
            "users": {
                "U024BE7LH": {
                    ":palm_tre:": {"name": "Ana (on vacation)"},
                    ":shipit:": {"name": "Ana (shipping)"},
                    ":house:": {"name": "Ana (home)"}
                },
                "U0G9QF9C6": {":face_with_thermometr:": {"name": "Ben (sick)"}}
            },
            "workspace": {
                ":house_with_garden:": {"name": "{name} (WFH)", "photo": {"badge": ":hosue:"}}
            }
        }),
    );
    let before = world.slack.calls().len();
    let out = world
        .command()
        .env("SLACK_BOT_TOKEN", &bot)
        .args(["onboard", &file])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("  - ")).collect();
    assert_eq!(lines.len(), 3, "{err}");
    assert!(lines[0].contains("user U024BE7LH, emoji :palm_tre:: :palm_tre: is neither a standard emoji nor one of the workspace's custom emoji (did you mean :palm_tree:?)"), "{err}");
    assert!(
        lines[1].contains("user U0G9QF9C6, emoji :face_with_thermometr:")
            && lines[1].contains("(did you mean :face_with_thermometer:?)"),
        "{err}"
    );
    assert!(
        lines[2].contains("workspace, emoji :house_with_garden:, photo, badge: :hosue:")
            && lines[2].contains("(did you mean :house:?)"),
        "{err}"
    );
    assert!(
        world.scene.get("users.json").is_none(),
        "nothing was written"
    );
    // The custom emoji were listed once, with the bot token.
    let listed: Vec<_> = world.slack.calls()[before..]
        .iter()
        .filter(|c| c.method == "emoji.list")
        .cloned()
        .collect();
    assert_eq!(listed.len(), 1, "{listed:?}");

    // No bot token: warnings, the presets are onboarded, and Slack is not asked.
    let before = world.slack.calls().len();
    let out = world.command().args(["onboard", &file]).output().unwrap();
    assert!(out.status.success(), "{}", show(&out));
    let text = stdout(&out);
    assert!(text.contains("warning: "), "{text}");
    assert!(
        text.contains(":palm_tre: is not a standard emoji (did you mean :palm_tree:?)"),
        "{text}"
    );
    assert!(text.contains("set SLACK_BOT_TOKEN"), "{text}");
    assert_eq!(text.matches("warning: ").count(), 4, "{text}");
    assert_eq!(world.slack.calls().len(), before, "Slack was asked");
    let report = onboard_json(&world.scene, &[&file, "--dry-run"]);
    assert_eq!(
        report["warnings"].as_array().unwrap().len(),
        4,
        "{report:#}"
    );
}
