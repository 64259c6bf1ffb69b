//! A reader that goes away: `statusinator … | head`, `| true`, a closed pipe. Every command
//! ends quietly, finishes its work, and exits with the work's code.

mod support;

use std::process::{Command, Output, Stdio};

use serde_json::json;
use support::{images, World};

/// Runs `command` with its standard output a pipe whose reading end is already closed, so the
/// first write fails (EPIPE), whatever the timing.
fn into_closed_pipe(mut command: Command) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    command
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

fn assert_quiet(out: &Output, what: &str) {
    let err = support::stderr(out);
    assert_eq!(out.status.code(), Some(0), "{what}: {err}");
    assert!(!err.contains("panicked"), "{what}: {err}");
    assert!(!err.contains("Broken pipe"), "{what}: {err}");
}

#[test]
fn a_closed_stdout_ends_every_command_quietly_with_its_work_done() {
    let world = World::local();
    world.slack.add_member("U0ANA0001", "Ana");
    world.scene.write("beach.png", images::png(512, 512, 1));
    let presets = world.scene.write(
        "presets.json",
        serde_json::to_vec(&json!({"U0ANA0001": {
            ":palm_tree:": {"name": "Ana (away)", "picture": "beach.png"}
        }}))
        .unwrap(),
    );
    let presets = presets.to_str().unwrap();

    let mut new_key = world.command();
    new_key.args(["tokens", "new-key"]);
    assert_quiet(&into_closed_pipe(new_key), "tokens new-key");

    let mut completions = world.command();
    completions.args(["completions", "bash"]);
    assert_quiet(&into_closed_pipe(completions), "completions");

    let mut dry = world.command();
    dry.args(["onboard", "--dry-run", presets]);
    assert_quiet(&into_closed_pipe(dry), "onboard --dry-run");
    assert!(
        world.scene.get("users.json").is_none(),
        "a dry run writes nothing"
    );

    // A real onboard whose report nobody reads still stores everything.
    let mut onboard = world.command();
    onboard.args(["onboard", presets]);
    assert_quiet(&into_closed_pipe(onboard), "onboard");
    let users = world.scene.users_json();
    assert_eq!(
        users["users"]["U0ANA0001"][":palm_tree:"]["name"],
        "Ana (away)"
    );
    let pictures = world
        .scene
        .snapshot()
        .keys()
        .filter(|k| k.starts_with("U0ANA0001/"))
        .count();
    assert_eq!(pictures, 1, "the picture is stored too");

    let mut apply = world.command();
    apply.args(["apply", "--dry-run", "U0ANA0001", ":palm_tree:"]);
    assert_quiet(&into_closed_pipe(apply), "apply --dry-run");

    let mut tokens = world.command();
    tokens.args(["tokens"]);
    assert_quiet(&into_closed_pipe(tokens), "tokens");
}
