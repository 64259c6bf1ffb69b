//! One list of scopes: what the code asks Slack for (the bot's at install, a member's when they
//! connect) is what the manifests in `examples/` declare and what docs/connecting.md tells an admin.

use statusinator::oauth::{BOT_SCOPES, USER_SCOPES};

/// The scopes a manifest lists under `oauth_config.scopes.<kind>` (`bot` or `user`).
fn manifest_scopes(text: &str, kind: &str) -> Vec<String> {
    let mut lines = text.lines().skip_while(|l| l.trim() != "scopes:");
    let header = format!("{kind}:");
    let mut out = Vec::new();
    let mut inside = false;
    for line in lines.by_ref().skip(1) {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || trimmed.is_empty() {
            continue;
        }
        if trimmed == header {
            inside = true;
            continue;
        }
        match trimmed.strip_prefix("- ") {
            Some(scope) if inside => out.push(scope.trim().to_owned()),
            _ if inside => break,
            _ => {}
        }
    }
    out.sort();
    out
}

fn sorted(list: &str) -> Vec<String> {
    let mut out: Vec<String> = list.split(',').map(str::to_owned).collect();
    out.sort();
    out
}

#[test]
fn the_code_the_manifests_and_the_readme_ask_for_the_same_scopes() {
    let root = env!("CARGO_MANIFEST_DIR");
    for manifest in [
        "examples/slack-app-manifest.yaml",
        "examples/slack-app-manifest-socket-mode.yaml",
    ] {
        let text = std::fs::read_to_string(format!("{root}/{manifest}")).unwrap();
        assert_eq!(
            manifest_scopes(&text, "bot"),
            sorted(BOT_SCOPES),
            "{manifest}: the bot scopes"
        );
        assert_eq!(
            manifest_scopes(&text, "user"),
            sorted(USER_SCOPES),
            "{manifest}: the user scopes"
        );
    }
    let connecting = std::fs::read_to_string(format!("{root}/docs/connecting.md")).unwrap();
    for scope in BOT_SCOPES.split(',').chain(USER_SCOPES.split(',')) {
        assert!(
            connecting.contains(&format!("`{scope}`")),
            "docs/connecting.md does not name {scope}"
        );
    }
    assert!(BOT_SCOPES.split(',').any(|s| s == "files:read"));
}
