//! The completion scripts under `completions/` and the manual pages under `man/` are what the
//! binary prints; every command's help names what it reads and its exit codes.

use std::process::Command;

#[test]
fn checked_in_completions_match_the_binary() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/completions");
    for (shell, file) in [
        ("bash", "statusinator.bash"),
        ("zsh", "_statusinator"),
        ("fish", "statusinator.fish"),
        ("powershell", "_statusinator.ps1"),
        ("elvish", "statusinator.elv"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_statusinator"))
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success());
        let printed = String::from_utf8(out.stdout).unwrap();
        let checked_in = std::fs::read_to_string(format!("{dir}/{file}")).unwrap_or_default();
        assert!(
            printed == checked_in,
            "completions/{file} is out of date: run scripts/completions.sh and commit the result"
        );
    }
}

fn help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_statusinator"))
        .args(args)
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_commands_help_names_the_environment_it_reads_and_the_exit_codes() {
    for (command, variables) in [
        (
            "onboard",
            &[
                "STATUSINATOR_STORE",
                "AWS_ACCESS_KEY_ID",
                "AWS_ENDPOINT_URL",
            ][..],
        ),
        (
            "apply",
            &[
                "STATUSINATOR_STORE",
                "STATUSINATOR_TOKENS",
                "SLACK_TOKEN",
                "SLACK_API_URL",
                "AWS_REGION",
                "STATUSINATOR_SECRET_KEY",
                "SLACK_CLIENT_ID",
                "SLACK_CLIENT_SECRET",
                "usual",
            ],
        ),
        (
            "poll",
            &[
                "SLACK_TOKEN",
                "SLACK_BOT_TOKEN",
                "AWS_SECRET_ACCESS_KEY",
                "STATUSINATOR_SECRET_KEY",
                "SLACK_CLIENT_ID",
            ],
        ),
        (
            "tokens",
            &["STATUSINATOR_SECRET_KEY", "SLACK_TOKEN", "SLACK_BOT_TOKEN"],
        ),
        (
            "doctor",
            &[
                "SLACK_SIGNING_SECRET",
                "SLACK_APP_TOKEN",
                "SLACK_CLIENT_ID",
                "STATUSINATOR_PUBLIC_URL",
                "STATUSINATOR_SECRET_KEY",
                "STATUSINATOR_TOKENS",
            ],
        ),
        (
            "serve",
            &[
                "SLACK_SIGNING_SECRET",
                "STATUSINATOR_ADMIN_TOKEN",
                "STATUSINATOR_LISTEN",
                "STATUSINATOR_RECONCILE_EVERY",
                "SLACK_BOT_TOKEN",
                "AWS_SESSION_TOKEN",
            ],
        ),
    ] {
        let text = help(&[command]);
        for variable in variables {
            assert!(
                text.contains(variable),
                "{command} --help lacks {variable}:\n{text}"
            );
        }
        assert!(text.contains("Exit codes:"), "{text}");
        assert!(
            text.contains("2  usage or configuration error")
                || text.contains("2  something to fix"),
            "{text}"
        );
        // Global options stand apart from the command's own.
        let global = text
            .find("Global options:")
            .expect("a Global options heading");
        assert!(text[global..].contains("--store"), "{text}");
        assert!(!text[..global].contains("--store"), "{text}");
    }
    let top = help(&[]);
    assert!(top.contains("Exit codes:"), "{top}");
    for command in [
        &["tokens", "forget"][..],
        &["tokens", "new-key"],
        &["completions"],
    ] {
        let text = help(command);
        assert!(text.contains("Environment"), "{command:?}: {text}");
        assert!(text.contains("Exit codes:"), "{command:?}: {text}");
    }
}

#[test]
fn checked_in_man_pages_match_the_binary() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/man");
    let mut pages = vec![(None, "statusinator.1".to_owned())];
    for command in statusinator::cli::MAN_COMMANDS {
        pages.push((Some(command), format!("statusinator-{command}.1")));
    }
    for (command, file) in pages {
        let out = Command::new(env!("CARGO_BIN_EXE_statusinator"))
            .arg("man")
            .args(command)
            .output()
            .unwrap();
        assert!(out.status.success());
        let checked_in = std::fs::read(format!("{dir}/{file}")).unwrap_or_default();
        assert!(
            out.stdout == checked_in,
            "man/{file} is out of date: run scripts/completions.sh and commit the result"
        );
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains(".SH NAME"), "{file}");
        assert!(text.contains("Exit codes"), "{file}");
        // Every page a page names exists.
        for named in text.split("statusinator\\-").skip(1) {
            if let Some((command, _)) = named.split_once("(1)") {
                let command = command.replace("\\-", "-");
                assert!(
                    std::path::Path::new(&format!("{dir}/statusinator-{command}.1")).exists(),
                    "{file} names statusinator-{command}(1), which does not exist"
                );
            }
        }
    }
    // `man` is a command people can find.
    assert!(help(&[]).contains("\n  man "), "{}", help(&[]));
}

#[test]
fn completions_help_lists_only_what_completions_takes() {
    let text = help(&["completions"]);
    for global in ["--store", "--tokens", "--slack-api-url", "--verbose"] {
        assert!(
            !text.contains(global),
            "{global} does nothing here:\n{text}"
        );
    }
    assert!(text.contains("<SHELL>"), "{text}");
}
