//! Files members attach in a modal (`file_input`): served at their private URL only with a bot
//! token that has `files:read`.

use super::*;

impl SlackStandIn {
    /// A file `user` attached in a modal: the file object Slack puts in the submission. Like
    /// Slack, it tells the type by the name and the size in pixels when it is an image.
    pub fn attach(&self, user: &str, name: &str, bytes: Vec<u8>) -> Value {
        let mut state = self.state.lock().unwrap();
        let id = format!("F{:010X}", fastrand::u64(..) & 0xff_ffff_ffff);
        let ext = name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        let mimetype = match ext.as_str() {
            "png" => "image/png",
            "jpg" | "jpeg" => "image/jpeg",
            "gif" => "image/gif",
            _ => "application/octet-stream",
        };
        let base = format!("{}/files-pri/T0STANDIN-{id}", state.base);
        let mut file = json!({
            "id": id, "created": 1732406400, "timestamp": 1732406400,
            "name": name, "title": name, "filetype": ext, "mimetype": mimetype,
            "size": bytes.len(), "user": user, "user_team": "T0STANDIN",
            "url_private": format!("{base}/{name}"),
            "url_private_download": format!("{base}/download/{name}"),
            "permalink": format!("https://standin.slack.com/files/{user}/{id}/{name}"),
        });
        if let Ok(size) = imagesize::blob_size(&bytes) {
            file["original_w"] = size.width.into();
            file["original_h"] = size.height.into();
        }
        state.files.insert(id, (name.to_owned(), bytes));
        file
    }

    /// The downloads of attached files: (the token's kind, HTTP status).
    pub fn file_downloads(&self) -> Vec<(Option<Kind>, u16)> {
        self.calls()
            .iter()
            .filter(|c| c.method == "files-pri")
            .map(|c| (c.token_kind, c.status))
            .collect()
    }
}

/// An attached file at its private URL: the bytes with a bot token, else Slack's redirect to
/// its sign-in page.
pub(super) fn private_file(
    st: &mut State,
    path: &str,
    auth: Option<&str>,
    at: Instant,
) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let token = auth
        .and_then(|a| a.strip_prefix("Bearer "))
        .and_then(|t| st.tokens.get(t))
        .filter(|info| !info.revoked)
        .cloned();
    let id = path
        .trim_start_matches("/files-pri/T0STANDIN-")
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let file = st.files.get(&id).cloned();
    let (status, response) = match (&token, file) {
        // Only a bot token with files:read downloads; anything else is sent to sign in.
        (Some(info), Some((_, bytes)))
            if info.kind == Kind::Bot
                && info
                    .scopes
                    .as_ref()
                    .is_none_or(|s| s.iter().any(|s| s == "files:read")) =>
        {
            (
                200,
                tiny_http::Response::from_data(bytes).with_status_code(200),
            )
        }
        (Some(_), None) => (404, html(404, "<h1>file_not_found</h1>".into())),
        _ => {
            let login = format!("{}/?redir={}", st.base, path);
            (302, redirect(&login))
        }
    };
    st.calls.push(Call {
        method: "files-pri".into(),
        http_method: "GET".into(),
        token_owner: token.as_ref().map(|t| t.owner.clone()),
        token_kind: token.as_ref().map(|t| t.kind),
        query: String::new(),
        content_type: String::new(),
        json: None,
        image: None,
        status,
        answer: Value::Null,
        at,
    });
    response
}
