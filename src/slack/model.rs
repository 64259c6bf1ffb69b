//! What statusinator reads of Slack's answers: a member's profile, a `users.list` member, an
//! `auth.test` identity. Any field may be absent or `null`.

use serde::Deserialize;

/// Reads a field that Slack may send as `null` as if it were absent: the profile fields of
/// `users.list`, `users.profile.get` and events are documented as possibly null.
pub fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A member's profile, as far as statusinator cares. Any field may be absent or `null`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Profile {
    #[serde(default, deserialize_with = "null_as_default")]
    pub status_emoji: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub status_text: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub display_name: String,
    /// The member's full name (what Slack shows when the display name is empty).
    #[serde(default, deserialize_with = "null_as_default")]
    pub real_name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub avatar_hash: Option<String>,
    /// When the status lapses (unix seconds; 0: never).
    #[serde(default, deserialize_with = "null_as_default")]
    pub status_expiration: u64,
    /// Whether the member set a photo of their own (else Slack shows a default avatar).
    #[serde(default, deserialize_with = "null_as_default")]
    pub is_custom_image: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    pub image_original: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub image_1024: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub image_512: Option<String>,
}

/// A member from `users.list`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Member {
    pub id: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub deleted: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    pub is_bot: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    pub profile: Profile,
}

/// Who a token belongs to (`auth.test`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Identity {
    pub user_id: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub team_id: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub bot_id: Option<String>,
    /// The member's handle and the workspace's name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub user: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub team: String,
    /// The workspace's address (`https://acme.slack.com/`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub url: String,
}
