//! The files in `examples/` work as written: the crontab line passes the env file's settings
//! to `poll`, the env file breaks no setup, the Docker image's listen address stays its own, and
//! the systemd units are valid (checked with `systemd-analyze verify` where it exists).

mod support;

use std::path::{Path, PathBuf};

use std::collections::BTreeMap;

use serde_json::json;
use support::oauth::{new_key, CLIENT_ID, CLIENT_SECRET};
use support::serve::SECRET;
use support::World;

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
}

/// The command of the crontab's one job line (after the five time fields).
fn crontab_command() -> String {
    let text = std::fs::read_to_string(example("crontab")).unwrap();
    let line = text
        .lines()
        .find(|l| !l.starts_with('#') && !l.contains('=') || l.starts_with("*/"))
        .unwrap();
    line.splitn(6, ' ').nth(5).unwrap().to_owned()
}

#[test]
fn the_crontab_line_passes_the_env_files_settings_to_poll() {
    let world = World::local();
    world.slack.add_member("U0ANA0001", "Ana");
    world.onboard(json!({"U0ANA0001": {"default": {"name": "Ana"}}}));
    // The env file as an admin writes it from the example: the store set, a token given.
    let store = world.scene.store_url();
    let env = world.scene.write(
        "env",
        format!(
            "STATUSINATOR_STORE={store}\nSLACK_TOKEN={}\nSLACK_API_URL={}\n",
            world.slack.add_member("U0BOT0001", "Helper"),
            world.slack.url
        ),
    );
    let binary = env!("CARGO_BIN_EXE_statusinator");
    let command = crontab_command()
        .replace("/etc/statusinator/env", env.to_str().unwrap())
        .replace("/usr/local/bin/statusinator", binary)
        .replace(" -q 2>&1 >/dev/null | logger -t statusinator", " --json");
    assert!(command.contains("set -a"), "{command}");
    // cron runs it with /bin/sh in an environment without the settings.
    let out = std::process::Command::new("/bin/sh")
        .args(["-c", &command])
        .current_dir(world.scene.dir.path())
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", support::show(&out)));
    // It read this store's presets: Ana is there (the default store has none).
    assert_eq!(report["members"][0]["user"], "U0ANA0001", "{report}");
}

#[test]
fn the_env_file_breaks_no_setup() {
    let text = std::fs::read_to_string(example("statusinator.env")).unwrap();
    let set: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .collect();
    // Each setup's settings are commented: uncommenting one section never fights another,
    // and nothing set points at a file that may not exist or undoes Docker's address.
    assert_eq!(set, Vec::<&str>::new(), "settings left uncommented");
    for var in [
        "SLACK_SIGNING_SECRET",
        "SLACK_BOT_TOKEN",
        "STATUSINATOR_TOKENS",
        "SLACK_CLIENT_ID",
        "SLACK_CLIENT_SECRET",
        "STATUSINATOR_PUBLIC_URL",
        "STATUSINATOR_SECRET_KEY",
        "SLACK_APP_TOKEN",
    ] {
        assert!(text.contains(&format!("# {var}=")), "{var} is explained");
    }
    for setup in ["Setup 1", "Setup 2", "Setup 3"] {
        assert!(text.contains(setup), "{setup}");
    }
}

/// An env file read the way systemd reads `EnvironmentFile=`: `#` and `;` begin a comment only
/// at the start of a line, the rest of a line after `NAME=` is the value (spaces, `#` and all),
/// with the whitespace around it dropped. Quotes and backslashes, which systemd and sh read
/// differently, are refused.
fn read_like_systemd(text: &str) -> BTreeMap<String, String> {
    let mut vars = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let (name, value) = line.split_once('=').expect("NAME=value");
        assert!(
            !value.contains(['"', '\'', '\\']),
            "{name}: quotes and backslashes read differently in sh and systemd"
        );
        vars.insert(name.trim().to_owned(), value.trim().to_owned());
    }
    vars
}

/// An env file sourced the way the crontab and the README do (`set -a; . FILE`), in an
/// environment without settings: the variables it sets.
fn read_like_sh(path: &Path) -> BTreeMap<String, String> {
    let out = std::process::Command::new("/bin/sh")
        .args(["-c", "set -a && . \"$0\" && set +a && env -0"])
        .arg(path)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    assert!(out.status.success(), "sh: {}", support::show(&out));
    out.stdout
        .split(|b| *b == 0)
        .filter_map(|pair| std::str::from_utf8(pair).ok()?.split_once('='))
        .filter(|(name, _)| !["PATH", "PWD", "SHLVL", "_", "OLDPWD"].contains(name))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

/// Each setup's section of the example env file, uncommented and filled in as an admin does:
/// sh and systemd read the same values, and doctor finds that setup's settings complete.
#[test]
fn each_setups_section_uncommented_reads_alike_in_sh_and_systemd_and_is_complete() {
    let text = std::fs::read_to_string(example("statusinator.env")).unwrap();
    let world = World::local();
    let bot = world.slack.add_bot();
    let (app_token, _socket) = world.slack.socket_mode();
    let tokens = world.tokens_path();
    let key = new_key();
    let value_of = |name: &str| -> String {
        match name {
            "SLACK_SIGNING_SECRET" => SECRET.to_owned(),
            "SLACK_BOT_TOKEN" => bot.clone(),
            "STATUSINATOR_TOKENS" => tokens.display().to_string(),
            "SLACK_CLIENT_ID" => CLIENT_ID.to_owned(),
            "SLACK_CLIENT_SECRET" => CLIENT_SECRET.to_owned(),
            "STATUSINATOR_PUBLIC_URL" => "https://status.example.com".to_owned(),
            "STATUSINATOR_SECRET_KEY" => key.clone(),
            "SLACK_APP_TOKEN" => app_token.clone(),
            other => panic!("no sample value for {other}"),
        }
    };
    for (setup, id) in [
        ("Setup 1", "request_url_tokens_file"),
        ("Setup 2", "request_url_oauth"),
        ("Setup 3", "socket_mode_oauth"),
    ] {
        // The admin uncomments the section's settings and pastes each value after its `=`.
        let mut section = false;
        let mut filled = String::new();
        for line in text.lines() {
            if line.starts_with("# ---") {
                section = line.contains(setup);
            }
            let setting = line.strip_prefix("# ").filter(|l| {
                l.split_once('=').is_some_and(|(n, _)| {
                    !n.is_empty() && n.chars().all(|c| c.is_ascii_uppercase() || c == '_')
                })
            });
            match setting {
                Some(setting) if section => {
                    let (name, value) = setting.split_once('=').unwrap();
                    let value = match value {
                        "" => value_of(name),
                        "/etc/statusinator/tokens.json" => value_of(name),
                        kept => kept.to_owned(),
                    };
                    filled.push_str(&format!("{name}={value}\n"));
                }
                _ => {
                    filled.push_str(line);
                    filled.push('\n');
                }
            }
        }
        let path = world.scene.write("env", filled.as_bytes());
        let by_systemd = read_like_systemd(&filled);
        let by_sh = read_like_sh(&path);
        assert!(
            by_systemd.contains_key("SLACK_CLIENT_ID") || setup == "Setup 1",
            "{setup}: {by_systemd:?}"
        );
        assert_eq!(by_sh, by_systemd, "{setup}: sh and systemd read it alike");

        let mut doctor = world.scene.command();
        doctor
            .args(["doctor", "--json", "--slack-api-url", &world.slack.url])
            .env_remove("SLACK_SIGNING_SECRET")
            .envs(&by_systemd);
        let out = doctor.output().unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|_| panic!("{}", support::show(&out)));
        assert_eq!(report["setup"], id, "{setup}: {report:#}");
        assert_eq!(
            report["checks"][0]["name"], "settings",
            "{setup}: {report:#}"
        );
        assert_eq!(report["checks"][0]["status"], "ok", "{setup}: {report:#}");
    }
}

#[test]
fn the_docker_images_listen_address_is_its_own() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Dockerfile")).unwrap();
    // A flag beats STATUSINATOR_LISTEN from --env-file.
    assert!(
        text.contains(r#"CMD ["serve", "--listen", "0.0.0.0:3000"]"#),
        "{text}"
    );
    assert!(!text.contains("ENV STATUSINATOR_LISTEN"), "{text}");
}

#[test]
fn the_systemd_units_are_valid_and_can_write_a_local_store() {
    let units = [
        "statusinator-serve.service",
        "statusinator-poll.service",
        "statusinator-poll.timer",
    ];
    for unit in ["statusinator-serve.service", "statusinator-poll.service"] {
        let text = std::fs::read_to_string(example(&format!("systemd/{unit}"))).unwrap();
        assert!(text.contains("StateDirectory=statusinator"), "{unit}");
        assert!(
            text.contains("EnvironmentFile=/etc/statusinator/env"),
            "{unit}"
        );
    }
    let Ok(version) = std::process::Command::new("systemd-analyze")
        .arg("--version")
        .output()
    else {
        eprintln!(
            "systemd-analyze is not installed here: the units' text was checked, not verified"
        );
        return;
    };
    assert!(version.status.success());
    // verify wants the binary the units name, and the timer's service beside it.
    let dir = tempfile::tempdir().unwrap();
    for unit in units {
        let text = std::fs::read_to_string(example(&format!("systemd/{unit}")))
            .unwrap()
            .replace(
                "/usr/local/bin/statusinator",
                env!("CARGO_BIN_EXE_statusinator"),
            );
        std::fs::write(dir.path().join(unit), text).unwrap();
    }
    let paths: Vec<PathBuf> = units.iter().map(|u| dir.path().join(u)).collect();
    let out = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .args(&paths)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    // Complaints about the host (no user statusinator, no env file here) are not the units'.
    let problems: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("statusinator-"))
        .filter(|l| {
            !l.contains("User")
                && !l.contains("EnvironmentFile")
                && !l.contains("/etc/statusinator")
        })
        .collect();
    assert!(problems.is_empty(), "{err}");
}
