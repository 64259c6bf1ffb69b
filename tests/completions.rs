//! The completion scripts under `completions/` are what the binary prints.

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
