//! OAuth v2: the consent page for the member signed in to the stand-in's browser,
//! `oauth.v2.access` (codes once, within 10 minutes, the same `redirect_uri`; refresh tokens once
//! each), and token rotation.

use super::*;

impl SlackStandIn {
    /// Sets up the app's OAuth credentials.
    pub fn oauth_app(&self, client_id: &str, client_secret: &str) {
        self.state.lock().unwrap().oauth_app =
            Some((client_id.to_owned(), client_secret.to_owned()));
    }

    /// Turns token rotation on: tokens from an install live `first`, refreshed ones `then`.
    pub fn enable_rotation(&self, first: Duration, then: Duration) {
        self.state.lock().unwrap().rotation = Some((first, then));
    }

    /// Makes every refresh token of `user` invalid (revoked by Slack).
    pub fn revoke_refresh_tokens(&self, user: &str) {
        for (owner, _, used) in self.state.lock().unwrap().refresh_tokens.values_mut() {
            if owner == user {
                *used = true;
            }
        }
    }

    /// The `oauth.v2.access` calls that refreshed a token.
    pub fn refreshes(&self) -> usize {
        self.calls()
            .iter()
            .filter(|c| {
                c.method == "oauth.v2.access"
                    && c.json
                        .as_ref()
                        .is_some_and(|j| j["grant_type"] == "refresh_token")
            })
            .count()
    }

    /// Makes the workspaces one Enterprise Grid organization, `id`.
    pub fn make_org(&self, id: &str, name: &str, workspaces: &[&str]) {
        self.state.lock().unwrap().org = Some(Org {
            id: id.to_owned(),
            name: name.to_owned(),
            workspaces: workspaces.iter().map(|w| (*w).to_owned()).collect(),
            installed: false,
            granted: Vec::new(),
        });
    }

    /// An org admin grants (or takes back) the org-wide install's access to `team`, as the
    /// org's app management page does; `auth.teams.list` answers accordingly.
    pub fn grant(&self, team: &str, granted: bool) {
        let mut st = self.state.lock().unwrap();
        let org = st.org.as_mut().expect("an org");
        org.granted.retain(|t| t != team);
        if granted {
            org.granted.push(team.to_owned());
        }
    }

    /// An org admin locks `user`'s `field` (`name` or `photo`): a write of it is refused with
    /// `code`.
    pub fn lock_field(&self, user: &str, field: &'static str, code: &str) {
        self.state
            .lock()
            .unwrap()
            .locked
            .insert((user.to_owned(), field), code.to_owned());
    }

    /// The admin lets members edit `field` again.
    pub fn unlock_field(&self, user: &str, field: &'static str) {
        self.state
            .lock()
            .unwrap()
            .locked
            .remove(&(user.to_owned(), field));
    }

    /// An org admin's approval: the next authorizations are for the whole organization.
    pub fn install_for_org(&self) {
        self.state
            .lock()
            .unwrap()
            .org
            .as_mut()
            .expect("an org")
            .installed = true;
    }

    /// Signs a member in to Slack in "the browser": the consent page acts for them.
    pub fn sign_in(&self, user: &str) {
        self.state.lock().unwrap().signed_in = Some(user.to_owned());
    }

    /// The stand-in's authorize page (`SLACK_OAUTH_URL`).
    pub fn authorize_url(&self) -> String {
        self.url.replace("/api/", "/oauth/v2/authorize")
    }

    /// Every user token the stand-in knows for `user`.
    pub fn tokens_of(&self, user: &str) -> Vec<String> {
        self.state
            .lock()
            .unwrap()
            .tokens
            .iter()
            .filter(|(_, info)| info.owner == user && info.kind == Kind::User)
            .map(|(token, _)| token.clone())
            .collect()
    }

    /// The last redirect back to the app that Slack's authorize page gave a browser.
    pub fn last_oauth_redirect(&self) -> String {
        self.state
            .lock()
            .unwrap()
            .oauth_redirects
            .last()
            .cloned()
            .expect("a browser was sent back")
    }
}

/// The consent page (`authorize`) and its buttons' target (`decide`).
pub(super) fn oauth_page(
    st: &mut State,
    path: &str,
    query: &str,
) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let params: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let get = |name: &str| params.get(name).cloned().unwrap_or_default();
    let Some((client_id, _)) = st.oauth_app.clone() else {
        return html(400, "<h1>This app has no OAuth set up</h1>".into());
    };
    if get("client_id") != client_id {
        return html(400, "<h1>invalid_client_id</h1>".into());
    }
    let Some(user) = st.signed_in.clone() else {
        return html(401, "<h1>Sign in to Slack first</h1>".into());
    };
    match path {
        "/oauth/v2/authorize" => {
            let decide = |allow: &str| {
                let mut url = url::Url::parse("http://x/oauth/v2/decide").unwrap();
                url.query_pairs_mut()
                    .append_pair("allow", allow)
                    .extend_pairs(params.iter());
                format!("/oauth/v2/decide?{}", url.query().unwrap())
            };
            html(
                200,
                format!(
                    r#"<!doctype html><title>Slack: authorize</title><h1>statusinator wants to access Stand-in Workspace</h1><p>Signed in as {user}.</p><p>Bot: {}</p><p>You: {}</p><a id="allow" href="{}">Allow</a> <a id="cancel" href="{}">Cancel</a>"#,
                    get("scope"),
                    get("user_scope"),
                    decide("1").replace('&', "&amp;"),
                    decide("0").replace('&', "&amp;")
                ),
            )
        }
        "/oauth/v2/decide" => {
            let mut back = match url::Url::parse(&get("redirect_uri")) {
                Ok(url) => url,
                Err(_) => return html(400, "<h1>bad_redirect_uri</h1>".into()),
            };
            if get("allow") == "1" {
                let code = format!("code-{:016x}", fastrand::u64(..));
                let org = st
                    .org
                    .as_ref()
                    .filter(|o| o.installed)
                    .map(|o| o.id.clone());
                st.grants.insert(
                    code.clone(),
                    Grant {
                        org,
                        user,
                        scope: get("scope"),
                        user_scope: get("user_scope"),
                        redirect_uri: get("redirect_uri"),
                        issued: Instant::now(),
                        used: false,
                    },
                );
                back.query_pairs_mut()
                    .append_pair("code", &code)
                    .append_pair("state", &get("state"));
            } else {
                back.query_pairs_mut()
                    .append_pair("error", "access_denied")
                    .append_pair("state", &get("state"));
            }
            st.oauth_redirects.push(back.to_string());
            redirect(back.as_str())
        }
        _ => html(404, "<h1>not found</h1>".into()),
    }
}

/// `oauth.v2.access`: a code for tokens.
pub(super) fn oauth_access(
    st: &mut State,
    auth: Option<&str>,
    form: &HashMap<String, String>,
) -> (u16, Option<u64>, Value, Option<String>) {
    let Some((client_id, client_secret)) = st.oauth_app.clone() else {
        return error("invalid_client_id");
    };
    let Some(basic) = auth.and_then(|a| a.strip_prefix("Basic ")) else {
        return error("invalid_client_id");
    };
    let decoded = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, basic)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default();
    let (id, secret) = decoded.split_once(':').unwrap_or_default();
    if id != client_id {
        return error("invalid_client_id");
    }
    if secret != client_secret {
        return error("bad_client_secret");
    }
    if form.get("grant_type").map(String::as_str) == Some("refresh_token") {
        let given = form.get("refresh_token").cloned().unwrap_or_default();
        let Some((owner, kind, used)) = st.refresh_tokens.get(&given).cloned() else {
            return error("invalid_refresh_token");
        };
        if used {
            return error("invalid_refresh_token");
        }
        st.refresh_tokens.get_mut(&given).unwrap().2 = true;
        let life = st
            .rotation
            .map(|(_, then)| then)
            .unwrap_or(Duration::from_secs(43_200));
        let (access, refresh) = mint(st, &owner, kind, life);
        let team = team_of(st, &owner);
        let mut out = json!({"ok": true, "app_id": "A0STANDIN", "access_token": access,
            "refresh_token": refresh, "expires_in": life.as_secs(),
            "token_type": if kind == Kind::Bot { "bot" } else { "user" },
            "team": {"id": team, "name": "Stand-in Workspace"}, "enterprise": null});
        if kind == Kind::User {
            out["user_id"] = owner.into();
        }
        return (200, None, out, None);
    }
    let code = form.get("code").cloned().unwrap_or_default();
    let Some(grant) = st.grants.get_mut(&code) else {
        return error("invalid_code");
    };
    if grant.used || grant.issued.elapsed() > Duration::from_secs(600) {
        return error("invalid_code");
    }
    if form.get("redirect_uri") != Some(&grant.redirect_uri) {
        return error("bad_redirect_uri");
    }
    grant.used = true;
    let grant = grant.clone();
    let first = st.rotation.map(|(first, _)| first);
    let (user_token, user_refresh) = match first {
        Some(life) => {
            let (access, refresh) = mint(st, &grant.user, Kind::User, life);
            (access, Some(refresh))
        }
        None => {
            let token = format!(
                "xoxp-{}-{:012x}",
                grant.user.to_lowercase(),
                fastrand::u64(..) & 0xffff_ffff_ffff
            );
            st.tokens.insert(
                token.clone(),
                TokenInfo {
                    owner: grant.user.clone(),
                    kind: Kind::User,
                    revoked: false,
                    expires: None,
                    scopes: None,
                },
            );
            (token, None)
        }
    };
    let team = team_of(st, &grant.user);
    let mut out = json!({
        "ok": true,
        "app_id": "A0STANDIN",
        "team": {"id": team, "name": "Stand-in Workspace"},
        "enterprise": null,
        "is_enterprise_install": false,
        "authed_user": {"id": grant.user, "scope": grant.user_scope,
                        "access_token": user_token, "token_type": "user"},
    });
    if let Some(org) = st.org.clone() {
        out["enterprise"] = json!({"id": org.id, "name": org.name});
        // Installed for the organization: `team` is null, as Slack sends it.
        if grant.org.is_some() {
            out["team"] = Value::Null;
            out["is_enterprise_install"] = true.into();
        }
    }
    if let (Some(refresh), Some(life)) = (user_refresh, first) {
        out["authed_user"]["refresh_token"] = refresh.into();
        out["authed_user"]["expires_in"] = life.as_secs().into();
    }
    if !grant.scope.is_empty() {
        let bot_token = format!("xoxb-standin-{:012x}", fastrand::u64(..) & 0xffff_ffff_ffff);
        st.tokens.insert(
            bot_token.clone(),
            TokenInfo {
                owner: "U0BOT".to_owned(),
                kind: Kind::Bot,
                revoked: false,
                expires: None,
                scopes: Some(grant.scope.split(',').map(str::to_owned).collect()),
            },
        );
        out["access_token"] = bot_token.into();
        out["token_type"] = "bot".into();
        out["scope"] = grant.scope.into();
        out["bot_user_id"] = "U0BOT".into();
    }
    (200, None, out, None)
}

/// `auth.teams.list`: the workspaces an org-wide install is granted to (a bot token), in pages
/// of one, so that callers follow the cursor.
pub(super) fn auth_teams_list(asked: Asked<'_>) -> Answer {
    let Asked {
        st, info, params, ..
    } = asked;
    if info.kind != Kind::Bot {
        return error("not_allowed_token_type");
    }
    let Some(org) = st.org.as_ref().filter(|o| o.installed) else {
        return (200, None, json!({"ok": true, "teams": []}), None);
    };
    let at: usize = params
        .get("cursor")
        .and_then(|c| c.strip_prefix("at-"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let page: Vec<Value> = org
        .granted
        .iter()
        .skip(at)
        .take(1)
        .map(|id| json!({"id": id, "name": format!("Workspace {id}")}))
        .collect();
    let next = if at + 1 < org.granted.len() {
        format!("at-{}", at + 1)
    } else {
        String::new()
    };
    (
        200,
        None,
        json!({"ok": true, "teams": page, "response_metadata": {"next_cursor": next}}),
        None,
    )
}

/// A rotating access token living `life`, and its single-use refresh token.
pub(super) fn mint(st: &mut State, owner: &str, kind: Kind, life: Duration) -> (String, String) {
    let kind_prefix = if kind == Kind::Bot { "xoxb" } else { "xoxp" };
    let access = format!(
        "xoxe.{kind_prefix}-{}-{:012x}",
        owner.to_lowercase(),
        fastrand::u64(..) & 0xffff_ffff_ffff
    );
    let refresh = format!("xoxe-1-{:016x}", fastrand::u64(..));
    st.tokens.insert(
        access.clone(),
        TokenInfo {
            owner: owner.to_owned(),
            kind,
            revoked: false,
            expires: Some(Instant::now() + life),
            scopes: None,
        },
    );
    st.refresh_tokens
        .insert(refresh.clone(), (owner.to_owned(), kind, false));
    (access, refresh)
}

pub(super) fn html(status: u16, body: String) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    tiny_http::Response::from_data(body.into_bytes())
        .with_status_code(status)
        .with_header(
            "Content-Type: text/html; charset=utf-8"
                .parse::<tiny_http::Header>()
                .unwrap(),
        )
}

/// A `302 Found` to `location`.
pub fn redirect(location: &str) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    tiny_http::Response::from_data(Vec::new())
        .with_status_code(302)
        .with_header(
            format!("Location: {location}")
                .parse::<tiny_http::Header>()
                .unwrap(),
        )
}
