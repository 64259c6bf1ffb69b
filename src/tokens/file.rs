//! The tokens file: member ID → that member's own user token, readable by its owner only.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Result;

use crate::exit::UsageError;
use crate::presets::UserId;
use crate::secret::SecretString;

pub(super) fn read_file(path: &Path) -> Result<HashMap<UserId, SecretString>> {
    let shown = path.display();
    let usage = |message: String| anyhow::Error::new(UsageError::new(message));
    let meta = std::fs::metadata(path)
        .map_err(|e| usage(format!("cannot read the tokens file {shown}: {e}")))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(usage(format!(
                "the tokens file {shown} is readable by group or others (mode {mode:03o}): \
                 it holds secrets; run chmod 600 {shown}"
            )));
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    let bytes = std::fs::read(path)
        .map_err(|e| usage(format!("cannot read the tokens file {shown}: {e}")))?;
    // Parse into values first: serde's messages would quote a token that has the wrong type.
    let map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&bytes).map_err(|e| {
            usage(format!(
                "the tokens file {shown} is not a JSON object of member IDs to tokens (line {}, \
                 column {}): it must look like {{\"U024BE7LH\": \"xoxp-…\"}}",
                e.line(),
                e.column()
            ))
        })?;
    let mut problems = Vec::new();
    let mut out = HashMap::new();
    for (key, value) in map {
        let user = match UserId::parse(&key) {
            Ok(user) => user,
            Err(message) => {
                problems.push(format!("{}: {message}", crate::redact::excerpt(&key)));
                continue;
            }
        };
        match value.as_str().map(str::trim) {
            Some(token) if token.starts_with("xoxb-") => problems.push(format!(
                "{user}: a bot token (xoxb-…) cannot change a member's profile: use {user}'s own \
                 user token (xoxp-…)"
            )),
            Some(token) if token.starts_with("xox") => {
                out.insert(user, SecretString::new(token));
            }
            _ => problems.push(format!("{user}: the value is not a Slack token (xoxp-…)")),
        }
    }
    if !problems.is_empty() {
        return Err(usage(format!(
            "the tokens file {shown} has problems:\n  - {}",
            problems.join("\n  - ")
        )));
    }
    Ok(out)
}
