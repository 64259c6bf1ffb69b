//! One JSON style across commands: snake_case keys (Slack's method names and the member IDs
//! and emoji a report is keyed by aside), and every `--json` command prints a JSON result on
//! failure too, with `"ok": false`.

mod support;

use serde_json::{json, Value};
use support::{images, World};

/// Every object key in `value` that is not snake_case (nor a Slack method, a member ID or an
/// emoji).
fn unlike_snake_case(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                let snake = key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
                let slack_method = key.contains('.');
                let id_or_emoji = key.starts_with(':')
                    || key == "default"
                    || key
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
                if !(snake || slack_method || id_or_emoji) {
                    out.push(key.clone());
                }
                unlike_snake_case(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| unlike_snake_case(v, out)),
        _ => {}
    }
}

fn json_of(world: &World, args: &[&str]) -> (Option<i32>, Value) {
    let out = world.run(args);
    let value: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{args:?}: {}", support::show(&out)));
    let mut odd = Vec::new();
    unlike_snake_case(&value, &mut odd);
    assert!(odd.is_empty(), "{args:?}: keys {odd:?} in {value:#}");
    (out.status.code(), value)
}

#[test]
fn every_json_output_is_snake_case_and_failures_are_json_too() {
    let mut world = World::local();
    world.member("U0ANA0001", "Ana");
    world.scene.write("beach.png", images::png(512, 512, 1));
    let presets = world.scene.write(
        "presets.json",
        serde_json::to_vec(&json!({"U0ANA0001": {
            ":palm_tree:": {"name": "Ana (away)", "picture": "beach.png"}
        }}))
        .unwrap(),
    );
    let presets = presets.to_str().unwrap();
    let api = world.slack.url.clone();

    let (code, report) = json_of(&world, &["onboard", "--json", presets]);
    assert_eq!((code, &report["ok"]), (Some(0), &json!(true)));
    world.slack.set_status("U0ANA0001", ":palm_tree:");
    let (code, report) = json_of(
        &world,
        &[
            "apply",
            "--json",
            "--slack-api-url",
            &api,
            "U0ANA0001",
            ":palm_tree:",
        ],
    );
    assert_eq!((code, &report["ok"]), (Some(0), &json!(true)), "{report}");
    let (code, _) = json_of(&world, &["poll", "--json", "--slack-api-url", &api]);
    assert_eq!(code, Some(0));
    let (code, report) = json_of(&world, &["tokens", "--json"]);
    assert_eq!(code, Some(0), "{report}");

    // Failures, each as JSON with ok false, the message and the exit code.
    for args in [
        &[
            "apply",
            "--json",
            "--slack-api-url",
            &api,
            "U0ANA0001",
            ":nope:",
        ][..],
        &["apply", "--json", "U0ZED0009", ":palm_tree:"],
        &["onboard", "--json", "missing.json"],
        &["poll", "--json", "--store", "./no/such/store"],
        &["tokens", "--json", "--store", "./no/such/store"],
    ] {
        let (code, report) = json_of(&world, args);
        assert_eq!(code, Some(2), "{args:?}: {report}");
        assert_eq!(report["ok"], false, "{args:?}: {report}");
        assert!(
            report["error"].is_string() || report["problems"].is_array(),
            "{args:?}: {report}"
        );
    }
}
