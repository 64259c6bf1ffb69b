//! The workspace's custom emoji (`emoji.list` with `emoji:read`, aliases), their images on the
//! stand-in's own host.

use super::*;

impl SlackStandIn {
    /// Adds a custom emoji to the workspace, with its image.
    pub fn add_custom_emoji(&self, name: &str, image: Vec<u8>) {
        self.state
            .lock()
            .unwrap()
            .custom_emoji
            .insert(name.to_owned(), Ok(image));
    }

    /// Adds a custom emoji that is another one's alias (custom or standard).
    pub fn alias_emoji(&self, name: &str, of: &str) {
        self.state
            .lock()
            .unwrap()
            .custom_emoji
            .insert(name.to_owned(), Err(of.to_owned()));
    }
}

/// `emoji.list`.
pub(super) fn emoji_list(asked: Asked<'_>) -> Answer {
    let Asked { st, info, .. } = asked;
    let granted = info
        .scopes
        .as_ref()
        .is_none_or(|s| s.iter().any(|s| s == "emoji:read"));
    if info.kind != Kind::Bot && info.kind != Kind::User {
        return error("not_allowed_token_type");
    }
    if !granted {
        return (
            200,
            None,
            json!({"ok": false, "error": "missing_scope", "needed": "emoji:read"}),
            None,
        );
    }
    let emoji: serde_json::Map<String, Value> = st
        .custom_emoji
        .iter()
        .map(|(name, image)| {
            let target = match image {
                Ok(_) => format!("{}/emoji/{name}.png", st.base),
                Err(of) => format!("alias:{of}"),
            };
            (name.clone(), Value::String(target))
        })
        .collect();
    (
        200,
        None,
        json!({"ok": true, "emoji": emoji, "cache_ts": "1732406400.000000"}),
        None,
    )
}
