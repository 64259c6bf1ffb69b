//! The files in `examples/` work as written: the crontab line passes the env file's settings
//! to `poll`, the env file breaks no setup, the Docker image's listen address stays its own, and
//! the systemd units are valid (checked with `systemd-analyze verify` where it exists).

mod support;

use std::path::{Path, PathBuf};

use serde_json::json;
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
