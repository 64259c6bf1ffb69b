//! The Web API methods statusinator calls, each as its request and the part of the answer it
//! reads; how a call is made (pacing, retries, errors) is the client's (see [`super`]).

use std::time::Duration;

use reqwest::blocking::multipart;
use serde_json::{json, Value};

use super::Token;
use super::{parse, parse_field, Auth, Identity, Member, Method, Profile, SlackClient, SlackError};
use crate::picture::Format;

impl SlackClient {
    /// `auth.test`: who the token belongs to.
    pub fn auth_test(&self, token: &Token) -> Result<Identity, SlackError> {
        self.auth_test_scopes(token).map(|(identity, _)| identity)
    }

    /// `auth.test`, with the token's scopes as Slack lists them in the `x-oauth-scopes` header
    /// of its answer (`None` when Slack sent none).
    pub fn auth_test_scopes(
        &self,
        token: &Token,
    ) -> Result<(Identity, Option<Vec<String>>), SlackError> {
        let (value, scopes) = self.call_full(
            Method::AuthTest,
            Auth::Bearer(token),
            &|req| req.post_json(&json!({})),
            &|| true,
        )?;
        let scopes = scopes.map(|s| {
            s.split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        });
        Ok((parse(Method::AuthTest, value)?, scopes))
    }

    /// `users.profile.get` for `user`.
    pub fn profile_get(&self, token: &Token, user: &str) -> Result<Profile, SlackError> {
        let value = self.call(Method::ProfileGet, Auth::Bearer(token), &|req| {
            req.get_query(&[("user", user)])
        })?;
        parse_field(Method::ProfileGet, value, "profile")
    }

    /// `users.profile.set` of the token owner's `display_name` (JSON body).
    pub fn set_display_name(&self, token: &Token, name: &str) -> Result<(), SlackError> {
        let body = json!({ "profile": { "display_name": name } });
        self.call(Method::ProfileSet, Auth::Bearer(token), &|req| {
            req.post_json(&body)
        })?;
        Ok(())
    }

    /// `users.setPhoto` of the token owner: multipart, part `image` with the real content type.
    pub fn set_photo(&self, token: &Token, bytes: &[u8], format: Format) -> Result<(), SlackError> {
        self.call(Method::SetPhoto, Auth::Bearer(token), &|req| {
            let part = multipart::Part::bytes(bytes.to_vec())
                .file_name(format!("photo.{}", format.extension()))
                .mime_str(format.content_type())
                .expect("picture content types are valid");
            req.post_multipart(multipart::Form::new().part("image", part))
        })?;
        Ok(())
    }

    /// `auth.revoke`: the token stops working for good (a member's data forgotten). A token
    /// Slack refuses already is as good as revoked.
    pub fn revoke(&self, token: &Token) -> Result<(), SlackError> {
        match self.call(Method::AuthRevoke, Auth::Bearer(token), &|req| {
            req.post_form(&[])
        }) {
            Ok(_) => Ok(()),
            Err(err)
                if matches!(
                    err.code(),
                    Some("token_revoked" | "invalid_auth" | "account_inactive" | "token_expired")
                ) =>
            {
                Ok(())
            }
            Err(err) => Err(err),
        }
    }

    /// `users.deletePhoto` of the token owner: Slack's default avatar again.
    pub fn delete_photo(&self, token: &Token) -> Result<(), SlackError> {
        self.call(Method::DeletePhoto, Auth::Bearer(token), &|req| {
            req.post_form(&[])
        })?;
        Ok(())
    }

    /// Publishes a member's Home tab (`views.publish`, the bot token): it replaces whatever
    /// the member's Home showed.
    /// How long a `views.publish` with `token` would wait for its turn now (zero: none).
    pub fn publish_wait(&self, token: &Token) -> Duration {
        self.pacer
            .wait_for(Auth::Bearer(token).team(), Method::ViewsPublish)
    }

    pub fn publish_home(
        &self,
        token: &Token,
        user: &str,
        view: &serde_json::Value,
    ) -> Result<(), SlackError> {
        let body = json!({ "user_id": user, "view": view });
        self.call(Method::ViewsPublish, Auth::Bearer(token), &|req| {
            req.post_json(&body)
        })?;
        Ok(())
    }

    /// Opens a modal (`views.open`, the bot token) with the `trigger_id` of the member's click,
    /// which Slack honours once and for 3 s; returns the view's ID.
    pub fn open_view(
        &self,
        token: &Token,
        trigger_id: &str,
        view: &serde_json::Value,
    ) -> Result<String, SlackError> {
        let body = json!({ "trigger_id": trigger_id, "view": view });
        let value = self.call(Method::ViewsOpen, Auth::Bearer(token), &|req| {
            req.post_json(&body)
        })?;
        Ok(value["view"]["id"].as_str().unwrap_or_default().to_owned())
    }

    /// Replaces an open modal (`views.update`, the bot token).
    pub fn update_view(
        &self,
        token: &Token,
        view_id: &str,
        view: &serde_json::Value,
    ) -> Result<(), SlackError> {
        let body = json!({ "view_id": view_id, "view": view });
        self.call(Method::ViewsUpdate, Auth::Bearer(token), &|req| {
            req.post_json(&body)
        })?;
        Ok(())
    }

    /// A Socket Mode WebSocket URL (`apps.connections.open` with the app-level token): good for
    /// one connection.
    pub fn open_connection(&self, app_token: &Token) -> Result<String, SlackError> {
        let value = self.call(
            Method::AppsConnectionsOpen,
            Auth::Bearer(app_token),
            &|req| req.post_form(&[]),
        )?;
        Ok(value["url"].as_str().unwrap_or_default().to_owned())
    }

    /// `chat.postMessage` of `text` to `channel` (a member ID writes to them directly), with
    /// the bot's token.
    pub fn post_message(&self, token: &Token, channel: &str, text: &str) -> Result<(), SlackError> {
        let body = json!({ "channel": channel, "text": text });
        self.call(Method::PostMessage, Auth::Bearer(token), &|req| {
            req.post_json(&body)
        })?;
        Ok(())
    }

    /// `auth.teams.list` (an org-wide install's bot token): the workspaces the organization
    /// granted the app to, every page of them.
    pub fn teams_list(&self, token: &Token) -> Result<Vec<String>, SlackError> {
        #[derive(serde::Deserialize)]
        struct Team {
            id: String,
        }
        let mut teams = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let value = self.call(Method::AuthTeamsList, Auth::Bearer(token), &|req| {
                let mut query = vec![("limit", "100")];
                if let Some(cursor) = &cursor {
                    query.push(("cursor", cursor.as_str()));
                }
                req.get_query(&query)
            })?;
            cursor = value
                .pointer("/response_metadata/next_cursor")
                .and_then(Value::as_str)
                .filter(|c| !c.is_empty())
                .map(str::to_owned);
            let page: Vec<Team> = parse_field(Method::AuthTeamsList, value, "teams")?;
            teams.extend(page.into_iter().map(|t| t.id));
            if cursor.is_none() {
                return Ok(teams);
            }
        }
    }

    /// One page of `users.list` (200 members); the next cursor, if there is one.
    pub fn users_list_page(
        &self,
        token: &Token,
        cursor: Option<&str>,
    ) -> Result<(Vec<Member>, Option<String>), SlackError> {
        let value = self.call(Method::UsersList, Auth::Bearer(token), &|req| {
            let mut query = vec![("limit", "200")];
            if let Some(cursor) = cursor {
                query.push(("cursor", cursor));
            }
            req.get_query(&query)
        })?;
        let next = value
            .pointer("/response_metadata/next_cursor")
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
            .map(str::to_owned);
        let members = parse_field(Method::UsersList, value, "members")?;
        Ok((members, next))
    }

    /// `emoji.list` (bot token, `emoji:read`): the workspace's custom emoji, each name to the
    /// URL of its image or to `alias:<other name>`.
    pub fn emoji_list(
        &self,
        token: &Token,
    ) -> Result<std::collections::BTreeMap<String, String>, SlackError> {
        let value = self.call(Method::EmojiList, Auth::Bearer(token), &|req| {
            req.get_query(&[])
        })?;
        parse_field(Method::EmojiList, value, "emoji")
    }
}
