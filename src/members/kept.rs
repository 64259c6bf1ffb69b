//! What statusinator keeps about one member, gathered from everywhere it keeps it and said in
//! plain words: their presets and the pictures they name, their usual name and the copy of their
//! own photo, the last change it made, whether they paused, each workspace they connected in
//! (and since when), and a wish to disconnect still being finished. Never a token: a connection
//! is described by its workspace and its dates only.

use serde::Serialize;

use crate::presets::{EmojiKey, UserId, UserPresets};
use crate::state::{self, Applied};
use crate::store::Store;
use crate::tokens::stored::{self, Connection};

/// One workspace a member connected in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Connected {
    pub team: String,
    pub team_name: String,
    /// When they connected (unix seconds).
    pub connected_at: u64,
    /// Why it stopped working, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disconnected: Option<String>,
}

/// One preset, as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeptPreset {
    pub emoji: EmojiKey,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The picture's store key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
}

/// Their usual profile, as kept to put it back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeptUsual {
    pub name: String,
    /// The copy of their own photo (a store key); `None`: Slack's default avatar.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub photo_copy: Option<String>,
    pub kept_at: u64,
}

/// The last change statusinator made to them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastChange {
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preset: Option<EmojiKey>,
    pub at: u64,
}

/// Everything kept about one member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Kept {
    pub user: UserId,
    pub presets: Vec<KeptPreset>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usual: Option<KeptUsual>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_change: Option<LastChange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paused_since: Option<u64>,
    pub connections: Vec<Connected>,
    /// They asked to disconnect, and it is being finished.
    pub disconnecting: bool,
    /// The photos workspace presets made of them (store keys).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub made_photos: Vec<String>,
    /// They switched the workspace presets off.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub workspace_off: bool,
}

/// Gathers what is kept about `user`: `presets` as `users.json` has them (a caller that holds
/// them in memory passes them), the rest read from the store. Only reads.
pub fn gather(
    store: &dyn Store,
    user: &UserId,
    presets: Option<&UserPresets>,
) -> anyhow::Result<Kept> {
    let member = state::load_state(store, user)?.unwrap_or_default();
    with_state(store, user, presets, member)
}

/// [`gather`], with the member's state read already.
pub fn with_state(
    store: &dyn Store,
    user: &UserId,
    presets: Option<&UserPresets>,
    member: state::MemberState,
) -> anyhow::Result<Kept> {
    let presets = presets
        .map(|presets| {
            presets
                .iter()
                .map(|(emoji, preset)| KeptPreset {
                    emoji: emoji.clone(),
                    name: preset.name.clone(),
                    picture: preset.picture.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    let connections = stored::member_records(store, user)?
        .into_iter()
        .map(|record| Connected {
            team: record.team,
            team_name: record.team_name,
            connected_at: record.connected_at,
            disconnected: match record.connection {
                Connection::Connected => None,
                Connection::Disconnected { reason, .. } => Some(reason),
            },
        })
        .collect();
    let disconnecting = crate::members::disconnect::pending(store)?
        .iter()
        .any(|(_, leaving)| leaving == user);
    Ok(Kept {
        user: user.clone(),
        presets,
        usual: member.usual.map(|usual| KeptUsual {
            name: usual.name,
            photo_copy: usual.picture,
            kept_at: usual.kept_at,
        }),
        last_change: member.applied.map(|applied: Applied| LastChange {
            status: applied.emoji,
            preset: applied.preset,
            at: applied.applied_at,
        }),
        paused_since: member.paused_at,
        connections,
        disconnecting,
        made_photos: crate::workspace::made::of_member(store, user)?,
        workspace_off: member.workspace_off,
    })
}

/// A moment, for people (UTC, to the minute).
fn when(seconds: u64) -> String {
    let text = humantime::format_rfc3339_seconds(
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds),
    )
    .to_string();
    // 2026-12-01T02:45:11Z → 2026-12-01 02:45 UTC
    format!("{} {} UTC", &text[..10], &text[11..16])
}

impl Kept {
    /// Whether nothing at all is kept.
    pub fn is_empty(&self) -> bool {
        self.presets.is_empty()
            && self.usual.is_none()
            && self.last_change.is_none()
            && self.paused_since.is_none()
            && self.connections.is_empty()
            && !self.disconnecting
            && self.made_photos.is_empty()
            && !self.workspace_off
    }

    /// Every kind of thing kept, one line each, in plain words (Slack mrkdwn; names escaped by
    /// `escape`).
    pub fn lines(&self, escape: impl Fn(&str) -> String) -> Vec<String> {
        if self.is_empty() {
            return vec!["statusinator keeps nothing about you.".to_owned()];
        }
        let mut lines = Vec::new();
        let pictures = self.presets.iter().filter(|p| p.picture.is_some()).count();
        lines.push(match self.presets.len() {
            0 => "No presets.".to_owned(),
            n => format!(
                "{n} preset{} ({}), with {pictures} picture{} stored for {}.",
                if n == 1 { "" } else { "s" },
                self.presets
                    .iter()
                    .map(|p| escape(p.emoji.as_str()))
                    .collect::<Vec<_>>()
                    .join(" "),
                if pictures == 1 { "" } else { "s" },
                if pictures == 1 { "it" } else { "them" }
            ),
        });
        lines.push(match &self.usual {
            None => "No usual profile: statusinator has not changed your profile yet.".to_owned(),
            Some(usual) => format!(
                "Your usual name ({}) and {}, kept on {} to put back when your status clears.",
                if usual.name.is_empty() {
                    "none: Slack shows your full name".to_owned()
                } else {
                    format!("“{}”", escape(&usual.name))
                },
                if usual.photo_copy.is_some() {
                    "a copy of your own photo"
                } else {
                    "no photo (Slack's default)"
                },
                when(usual.kept_at)
            ),
        });
        if let Some(change) = &self.last_change {
            lines.push(format!(
                "The last change: {} on {}.",
                match &change.preset {
                    Some(preset) if preset.is_usual() => "your usual profile put back".to_owned(),
                    Some(preset) => format!("the {} preset", escape(preset.as_str())),
                    None => "nothing to apply".to_owned(),
                },
                when(change.at)
            ));
        }
        if let Some(since) = self.paused_since {
            lines.push(format!("Paused since {}.", when(since)));
        }
        if self.connections.is_empty() {
            lines.push(
                "You have not connected through statusinator: it stores no token of yours."
                    .to_owned(),
            );
        }
        for connection in &self.connections {
            let workspace = if connection.team_name.is_empty() {
                connection.team.clone()
            } else {
                escape(&connection.team_name)
            };
            lines.push(match &connection.disconnected {
                None => format!(
                    "Your connection in {workspace}, made on {} (your token, sealed; never \
                     shown).",
                    when(connection.connected_at)
                ),
                Some(reason) => format!(
                    "Your connection in {workspace}, made on {}, no longer works ({}): its \
                     sealed token is kept until you connect again or disconnect.",
                    when(connection.connected_at),
                    escape(reason)
                ),
            });
        }
        if self.disconnecting {
            lines.push("You asked to disconnect: it is being finished.".to_owned());
        }
        match self.made_photos.len() {
            0 => {}
            n => lines.push(format!(
                "{n} photo{} made from yours by your workspace's presets.",
                if n == 1 { "" } else { "s" }
            )),
        }
        if self.workspace_off {
            lines.push("You switched your workspace's presets off.".to_owned());
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_thing_kept_is_a_line_and_no_token_is_among_them() {
        let kept = Kept {
            user: UserId::parse("U0ANA0001").unwrap(),
            presets: vec![KeptPreset {
                emoji: EmojiKey::parse(":palm_tree:").unwrap(),
                name: Some("Ana <away>".into()),
                picture: Some("U0ANA0001/x.png".into()),
            }],
            usual: Some(KeptUsual {
                name: "Ana".into(),
                photo_copy: Some("U0ANA0001/y.jpg".into()),
                kept_at: 1_764_556_800,
            }),
            last_change: Some(LastChange {
                status: ":palm_tree:".into(),
                preset: Some(EmojiKey::parse(":palm_tree:").unwrap()),
                at: 1_764_556_860,
            }),
            paused_since: None,
            connections: vec![Connected {
                team: "T1".into(),
                team_name: "Acme".into(),
                connected_at: 1_764_556_800,
                disconnected: None,
            }],
            disconnecting: false,
            made_photos: vec!["U0ANA0001/z.png".into(), "U0ANA0001/w.png".into()],
            workspace_off: true,
        };
        let lines = kept.lines(|s| s.replace('<', "&lt;"));
        assert_eq!(lines.len(), 6, "{lines:?}");
        assert!(lines
            .iter()
            .any(|l| l == "2 photos made from yours by your workspace's presets."));
        assert!(lines
            .iter()
            .any(|l| l.contains("switched your workspace's presets off")));
        assert!(lines[0].starts_with("1 preset (:palm_tree:), with 1 picture"));
        assert!(
            lines[1].contains("(“Ana”) and a copy of your own photo, kept on 2025-12-01 02:40 UTC")
        );
        assert!(lines[2].contains("the :palm_tree: preset on 2025-12-01 02:41 UTC"));
        assert!(lines[3].contains("Acme, made on 2025-12-01 02:40 UTC"));
        assert!(!lines.join(" ").contains("xox"));
        assert!(!kept.is_empty());
    }
}
