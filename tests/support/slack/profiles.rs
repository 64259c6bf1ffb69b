//! Members' profiles: reading and changing them (`users.profile.get`, `users.profile.set`,
//! `users.list`, a status that lapses), and what a test sets by hand.

use super::*;

impl SlackStandIn {
    /// Sets a member's status emoji, as the member would in Slack.
    pub fn set_status(&self, id: &str, emoji: &str) {
        let mut state = self.state.lock().unwrap();
        let member = state.members.get_mut(id).unwrap();
        member.profile["status_emoji"] = emoji.into();
        member.profile["status_text"] = if emoji.is_empty() { "" } else { "away" }.into();
    }

    /// Sets one field of a member's profile as Slack would send it (`Value::Null` included:
    /// Slack documents that profile fields may be null).
    pub fn set_profile_field(&self, id: &str, field: &str, value: Value) {
        let mut state = self.state.lock().unwrap();
        state.members.get_mut(id).unwrap().profile[field] = value;
    }

    /// The member changes their display name in Slack themselves.
    pub fn set_display_name_by_hand(&self, id: &str, name: &str) {
        self.set_profile_field(id, "display_name", name.into());
    }

    /// Sets a status that lapses at `expiration` (unix seconds), as the member would.
    pub fn set_status_until(&self, id: &str, emoji: &str, expiration: u64) {
        self.set_status(id, emoji);
        self.set_profile_field(id, "status_expiration", expiration.into());
    }

    /// What the member's profile shows now (statuses lapse as in Slack).
    pub fn profile(&self, id: &str) -> Value {
        let mut state = self.state.lock().unwrap();
        lapse_statuses(&mut state);
        state.members[id].profile.clone()
    }

    /// The member's display name as Slack shows it now.
    pub fn display_name(&self, id: &str) -> String {
        self.profile(id)["display_name"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// `users.profile.get`.
pub(super) fn users_profile_get(asked: Asked<'_>) -> Answer {
    let Asked {
        st, params, owner, ..
    } = asked;
    lapse_statuses(st);
    let user = params.get("user").cloned().unwrap_or(owner);
    match st.members.get(&user) {
        Some(member) => (
            200,
            None,
            json!({"ok": true, "profile": member.profile}),
            None,
        ),
        None => error("user_not_found"),
    }
}

/// `users.profile.set`.
pub(super) fn users_profile_set(asked: Asked<'_>) -> Answer {
    let Asked {
        st,
        call,
        info,
        owner,
        content_type,
        body,
        ..
    } = asked;
    if let Some(refused) = refused_member_write(call, &info) {
        return refused;
    }
    if !content_type.starts_with("application/json") {
        return error("invalid_arguments");
    }
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return error("invalid_json");
    };
    call.json = Some(value.clone());
    if value
        .get("user")
        .is_some_and(|u| u.as_str() != Some(owner.as_str()))
    {
        return error("not_admin");
    }
    let Some(profile) = value.get("profile").and_then(Value::as_object) else {
        return error("invalid_profile");
    };
    if let Some(name) = profile.get("display_name") {
        let Some(name) = name.as_str() else {
            return error("invalid_profile");
        };
        if let Some(code) = st.locked.get(&(owner.clone(), "name")) {
            return error(&code.clone());
        }
        if name.chars().count() > 80 {
            return error("invalid_profile");
        }
        // Slack's documented refusals of a display name.
        if name.trim_start().starts_with('@') {
            return error("invalid_starts_with_at");
        }
        if name.contains("://") || name.to_ascii_lowercase().contains("www.") {
            return error("name_not_allowed");
        }
        if ["slackbot", "here", "channel", "everyone"]
            .iter()
            .any(|r| name.trim().eq_ignore_ascii_case(r))
        {
            return error("reserved_name");
        }
    }
    let member = st.members.get_mut(&owner).unwrap();
    for (field, v) in profile {
        member.profile[field] = v.clone();
    }
    (
        200,
        None,
        json!({"ok": true, "profile": member.profile}),
        Some(owner),
    )
}

/// `users.list`.
pub(super) fn users_list(asked: Asked<'_>) -> Answer {
    let Asked { st, params, .. } = asked;
    lapse_statuses(st);
    let limit: usize = params
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    if limit == 0 {
        return error("limit_required");
    }
    let limit = limit.min(1000);
    let start: usize = match params.get("cursor") {
        None => 0,
        Some(c) => match c.strip_prefix("dXNlcjo").and_then(|n| n.parse().ok()) {
            Some(n) => n,
            None => return error("invalid_cursor"),
        },
    };
    let all: Vec<&Member> = st.members.values().collect();
    let page: Vec<Value> = all
        .iter()
        .skip(start)
        .take(limit)
        .map(|m| json!({"id": m.id, "team_id": "T0STANDIN", "deleted": m.deleted, "is_bot": m.is_bot, "profile": m.profile}))
        .collect();
    let next = if start + limit < all.len() {
        format!("dXNlcjo{}", start + limit)
    } else {
        String::new()
    };
    (
        200,
        None,
        json!({"ok": true, "members": page, "cache_ts": 0, "response_metadata": {"next_cursor": next}}),
        None,
    )
}

/// Statuses whose `status_expiration` has passed are cleared, as Slack clears them.
pub(super) fn lapse_statuses(st: &mut State) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    for member in st.members.values_mut() {
        let at = member.profile["status_expiration"].as_u64().unwrap_or(0);
        if at > 0 && at <= now {
            member.profile["status_emoji"] = "".into();
            member.profile["status_text"] = "".into();
            member.profile["status_expiration"] = 0.into();
        }
    }
}
