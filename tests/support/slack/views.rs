//! What members see from the app: Home views (`views.publish`), modals opened by a click's
//! trigger (`views.open`, `views.update`) within Slack's limits, and direct messages
//! (`chat.postMessage`).

use super::*;

impl SlackStandIn {
    /// The Home view last published for `user` (`views.publish`), if any.
    pub fn home(&self, user: &str) -> Option<Value> {
        self.calls()
            .iter()
            .rev()
            .filter(|c| c.method == "views.publish" && c.status == 200)
            .filter_map(|c| c.json.as_ref())
            .find(|json| json["user_id"] == user)
            .map(|json| json["view"].clone())
    }

    /// A trigger for a click of `user`'s, as Slack puts in the click's payload.
    pub fn trigger(&self, user: &str) -> String {
        let id = format!(
            "{}.{}.{:032x}",
            fastrand::u32(..),
            fastrand::u32(..),
            fastrand::u128(..)
        );
        self.state
            .lock()
            .unwrap()
            .triggers
            .insert(id.clone(), (user.to_owned(), Instant::now(), false));
        id
    }

    /// The modal open for `user` (the latest opened or updated): its ID and view.
    pub fn modal(&self, user: &str) -> Option<(String, Value)> {
        let state = self.state.lock().unwrap();
        let mut calls = state.calls.iter().rev().filter(|c| {
            (c.method == "views.open" || c.method == "views.update") && c.status == 200
        });
        let id = calls
            .find(|c| {
                state
                    .modals
                    .get(c.answer["view"]["id"].as_str().unwrap_or_default())
                    .is_some_and(|(owner, _)| owner == user)
            })?
            .answer["view"]["id"]
            .as_str()?
            .to_owned();
        let view = state.modals[&id].1.clone();
        Some((id, view))
    }

    /// The direct messages the app sent: (member, text).
    pub fn messages(&self) -> Vec<(String, String)> {
        self.calls()
            .iter()
            .filter(|c| c.method == "chat.postMessage" && c.status == 200)
            .filter_map(|c| {
                let json = c.json.as_ref()?;
                Some((
                    json["channel"].as_str()?.to_owned(),
                    json["text"].as_str()?.to_owned(),
                ))
            })
            .collect()
    }
}

/// A bot's JSON post (views and messages take no other token: statusinator writes to members
/// as its bot, never as a member), recorded with its call.
fn bot_json(info: TokenInfo, call: &mut Call, body: &[u8]) -> Result<Value, Answer> {
    if info.kind != Kind::Bot {
        return Err(error("not_allowed_token_type"));
    }
    let value = serde_json::from_slice::<Value>(body).map_err(|_| error("invalid_json"))?;
    call.json = Some(value.clone());
    Ok(value)
}

/// `views.publish`.
pub(super) fn views_publish(asked: Asked<'_>) -> Answer {
    let Asked {
        st,
        call,
        info,
        body,
        ..
    } = asked;
    let value = match bot_json(info, call, body) {
        Ok(value) => value,
        Err(answer) => return answer,
    };
    let user = value["user_id"].as_str().unwrap_or_default();
    if !st.members.contains_key(user) {
        return error("user_not_found");
    }
    let view = &value["view"];
    let blocks = view["blocks"].as_array().map(Vec::len);
    let fits = serde_json::to_vec(view).map_or(0, |b| b.len()) <= 250_000;
    if !fits {
        return error("view_too_large");
    }
    // Slack's limits: a home view, at most 100 blocks, section text 1–3000 chars.
    let sections_fit = view["blocks"].as_array().is_some_and(|blocks| {
        blocks.iter().all(|b| {
            b["type"] != "section"
                || b["text"]["text"]
                    .as_str()
                    .is_some_and(|t| (1..=3000).contains(&t.chars().count()))
        })
    });
    if view["type"] != "home" || blocks.is_none_or(|n| n > 100) || !sections_fit {
        return error("invalid_arguments");
    }
    (
        200,
        None,
        json!({"ok": true, "view": {"id": "V0HOME", "type": "home", "hash": "1.2"}}),
        None,
    )
}

/// `views.open`, `views.update`.
pub(super) fn views_open_or_update(asked: Asked<'_>) -> Answer {
    let Asked {
        st,
        call,
        info,
        body,
        ..
    } = asked;
    let value = match bot_json(info, call, body) {
        Ok(value) => value,
        Err(answer) => return answer,
    };
    let view = value["view"].clone();
    let (id, user) = if call.method == "views.open" {
        let trigger = value["trigger_id"].as_str().unwrap_or_default();
        let Some((user, at, used)) = st.triggers.get_mut(trigger) else {
            return error("invalid_trigger_id");
        };
        if *used {
            return error("exchanged_trigger_id");
        }
        if at.elapsed() > Duration::from_secs(3) {
            return error("expired_trigger_id");
        }
        *used = true;
        let user = user.clone();
        (
            format!("V{:010X}", fastrand::u64(..) & 0xff_ffff_ffff),
            user,
        )
    } else {
        let id = value["view_id"].as_str().unwrap_or_default().to_owned();
        let Some((user, _)) = st.modals.get(&id) else {
            return error("not_found");
        };
        (id.clone(), user.clone())
    };
    if let Err(code) = check_modal(&view) {
        return error(code);
    }
    st.modals.insert(id.clone(), (user, view.clone()));
    let mut answered = view;
    answered["id"] = id.into();
    answered["hash"] = format!("{}.{:08x}", 1732406400, fastrand::u32(..)).into();
    (200, None, json!({"ok": true, "view": answered}), None)
}

/// `chat.postMessage`.
pub(super) fn chat_post_message(asked: Asked<'_>) -> Answer {
    let Asked {
        st,
        call,
        info,
        body,
        ..
    } = asked;
    let value = match bot_json(info, call, body) {
        Ok(value) => value,
        Err(answer) => return answer,
    };
    let channel = value["channel"].as_str().unwrap_or_default().to_owned();
    if !st.members.contains_key(&channel) {
        return error("channel_not_found");
    }
    (
        200,
        None,
        json!({"ok": true, "channel": format!("D{channel}"), "ts": "1732406400.000100"}),
        None,
    )
}

/// Slack's rules for a modal (`views.open`, `views.update`), or the error it answers.
pub(super) fn check_modal(view: &Value) -> Result<(), &'static str> {
    let blocks = view["blocks"].as_array().ok_or("invalid_arguments")?;
    let title = view["title"]["text"].as_str().unwrap_or_default();
    let inputs = blocks.iter().any(|b| b["type"] == "input");
    let text_ok = |v: &Value, max: usize| {
        v["type"] == "plain_text"
            && v["text"]
                .as_str()
                .is_some_and(|t| (1..=max).contains(&t.chars().count()))
    };
    if view["type"] != "modal"
        || !text_ok(&view["title"], 24)
        || title.is_empty()
        || blocks.len() > 100
        || (inputs && !text_ok(&view["submit"], 24))
        || view["private_metadata"]
            .as_str()
            .is_some_and(|m| m.len() > 3000)
    {
        return Err("invalid_arguments");
    }
    if serde_json::to_vec(view).map_or(0, |b| b.len()) > 250_000 {
        return Err("view_too_large");
    }
    let mut ids = std::collections::HashSet::new();
    for block in blocks {
        if let Some(id) = block["block_id"].as_str() {
            if !ids.insert(id.to_owned()) {
                return Err("invalid_arguments");
            }
        }
        if block["type"] == "input" {
            let element = &block["element"];
            let files_ok = element["type"] != "file_input"
                || element["max_files"]
                    .as_u64()
                    .is_none_or(|n| (1..=10).contains(&n));
            if !text_ok(&block["label"], 2000) || element.is_null() || !files_ok {
                return Err("invalid_arguments");
            }
        }
    }
    Ok(())
}
