//! The README's deployment commands, run as they are written: the statusinator user, the env
//! file owned by root and read by the service, the tokens file the service's alone, presets
//! onboarded as the service user, `doctor` passing, and the crontab line working with those
//! owners. Only the places change (`/etc/statusinator` and `/var/lib/statusinator` are made in a
//! scratch directory) and the binary is the one just built; the edits an admin makes with
//! `sudoedit` are made by copying the filled file over, which keeps its owner and mode.
//!
//! It creates the `statusinator` system user, so it needs root or password-less sudo.

mod support;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;

use support::serve::SECRET;
use support::{images, World};

fn readme_block() -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let after = readme
        .split("<!-- tests/deploy.rs runs these commands")
        .nth(1)
        .expect("the README marks its deployment commands");
    let block = after.split("```sh\n").nth(1).unwrap();
    let block = block.split("```").next().unwrap();
    block
        .lines()
        .map(|l| l.strip_prefix("   ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs `script` with `sh -e` as root (directly, or through password-less sudo).
fn as_root(script: &str, dir: &Path) -> std::process::Output {
    let root = is_root();
    let mut command = if root {
        Command::new("sh")
    } else {
        let mut c = Command::new("sudo");
        c.args(["-n", "sh"]);
        c
    };
    command
        .args(["-e", "-c", script])
        .current_dir(dir)
        .output()
        .unwrap()
}

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

#[test]
fn the_readmes_deployment_commands_work_as_written() {
    if !is_root() {
        let sudo = Command::new("sudo").args(["-n", "true"]).output();
        assert!(
            sudo.is_ok_and(|o| o.status.success()),
            "this test runs the README's deployment commands, which create the statusinator \
             system user: run the test command as root, or with password-less sudo"
        );
    }
    assert!(
        Command::new("sudo").arg("--version").output().is_ok(),
        "the README's commands use sudo: install it (scripts/test.sh does, as root)"
    );
    let mut world = World::local();
    let ana_token = world.member("U0ANA0001", "Ana");
    let bot = world.slack.add_bot();

    // A scratch root every user can walk into, standing in for / .
    let scratch = tempfile::tempdir().unwrap();
    let top = scratch.path();
    std::fs::set_permissions(top, std::fs::Permissions::from_mode(0o755)).unwrap();
    let etc = top.join("etc");
    let home = top.join("home");
    let bin = top.join("statusinator");
    std::fs::copy(env!("CARGO_BIN_EXE_statusinator"), &bin).unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();

    // Where the admin stands: their presets file and pictures, and the edits they will make.
    let cwd = top.join("admin");
    std::fs::create_dir(&cwd).unwrap();
    std::fs::create_dir(cwd.join("pictures")).unwrap();
    std::fs::write(cwd.join("pictures/beach.png"), images::png(512, 512, 3)).unwrap();
    std::fs::write(
        cwd.join("presets.json"),
        r#"{"U0ANA0001": {":palm_tree:": {"name": "Ana (away)", "picture": "pictures/beach.png"}}}"#,
    )
    .unwrap();
    // The example env file with setup 1's section filled in, as sudoedit would leave it.
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/statusinator.env"
    ))
    .unwrap();
    let mut in_setup_1 = false;
    let mut env = String::new();
    for line in example.lines() {
        if line.starts_with("# ---") {
            in_setup_1 = line.contains("Setup 1");
        }
        let filled = match line {
            "# SLACK_SIGNING_SECRET=" if in_setup_1 => format!("SLACK_SIGNING_SECRET={SECRET}"),
            "# SLACK_BOT_TOKEN=" if in_setup_1 => format!("SLACK_BOT_TOKEN={bot}"),
            "# STATUSINATOR_TOKENS=/etc/statusinator/tokens.json" => {
                "STATUSINATOR_TOKENS=/etc/statusinator/tokens.json".to_owned()
            }
            other => other.to_owned(),
        };
        env.push_str(&filled);
        env.push('\n');
    }
    env.push_str(&format!("SLACK_API_URL={}\n", world.slack.url));
    let env = env.replace("/etc/statusinator", &etc.display().to_string());
    std::fs::write(cwd.join("env.filled"), env).unwrap();
    std::fs::write(
        cwd.join("tokens.filled"),
        format!(r#"{{"U0ANA0001": "{ana_token}"}}"#),
    )
    .unwrap();

    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/");
    let script = readme_block()
        // The user may be there from an earlier run (useradd would refuse it).
        .replace(
            "sudo useradd",
            "id -u statusinator >/dev/null 2>&1 || sudo useradd",
        )
        .replace(
            "sudoedit /etc/statusinator/env",
            "sudo cp env.filled /etc/statusinator/env",
        )
        .replace(
            "sudoedit /etc/statusinator/tokens.json",
            "sudo cp tokens.filled /etc/statusinator/tokens.json",
        )
        .replace(
            "as_statusinator statusinator ",
            &format!("as_statusinator {} ", bin.display()),
        )
        .replace("examples/", examples)
        .replace("/etc/statusinator", &etc.display().to_string())
        .replace("/var/lib/statusinator", &home.display().to_string());
    let out = as_root(&script, &cwd);
    assert!(
        out.status.success(),
        "the README's commands failed:\n{script}\n{}",
        support::show(&out)
    );
    let text = support::stdout(&out);
    assert!(text.contains("1 member: 1 added"), "onboard: {text}");
    assert!(
        text.contains("statusinator doctor: Request URL with a tokens file"),
        "{text}"
    );
    assert!(text.ends_with("all good\n"), "doctor: {text}");

    // The owners the README promises.
    let uid = |name: &str| {
        let out = Command::new("id").args(["-u", name]).output().unwrap();
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse::<u32>()
            .unwrap()
    };
    let service = uid("statusinator");
    let owner_mode = |path: &Path| {
        let meta = std::fs::metadata(path).unwrap();
        (meta.uid(), meta.mode() & 0o777)
    };
    assert_eq!(owner_mode(&etc.join("env")), (0, 0o640));
    assert_eq!(owner_mode(&etc.join("tokens.json")), (service, 0o600));
    assert_eq!(owner_mode(&home), (service, 0o750));
    let store = home.join("statusinator-data");
    assert_eq!(owner_mode(&store.join("users.json")).0, service);

    // The crontab line, as cron runs it for the statusinator user: it reads the env file.
    let crontab = std::fs::read_to_string(format!("{examples}crontab")).unwrap();
    let line = crontab.lines().find(|l| l.starts_with("*/")).unwrap();
    let command = line
        .splitn(6, ' ')
        .nth(5)
        .unwrap()
        .replace("/etc/statusinator", &etc.display().to_string())
        .replace("/usr/local/bin/statusinator", &bin.display().to_string())
        .replace(" -q 2>&1 >/dev/null | logger -t statusinator", " --json");
    let cron = format!(
        "cd {} && sudo -u statusinator env -i PATH=/usr/bin:/bin HOME={} /bin/sh -c '{}'",
        home.display(),
        home.display(),
        command.replace('\'', r"'\''")
    );
    let out = as_root(&cron, &cwd);
    assert!(out.status.success(), "{}", support::show(&out));
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", support::show(&out)));
    assert_eq!(report["members"][0]["user"], "U0ANA0001", "{report}");

    // The scratch store belongs to the service user: root removes it.
    let _ = as_root(&format!("rm -rf {}", top.display()), Path::new("/"));
}
