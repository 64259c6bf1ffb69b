//! `GET /slack/install`, `GET /slack/oauth_redirect` and `GET /slack/connecting`: a member
//! connects their profile (see [`crate::oauth`]). Bolt's paths and state cookie; pages from
//! [`crate::oauth::pages`]; the code exchange is an app job (see [`crate::oauth::connecting`]). No token and
//! no code ever reach a page or a log line.

use std::collections::HashMap;
use std::net::IpAddr;

use super::{exchanges, App, Job};
use crate::oauth::connecting::{self, Outcome, Seen};
use crate::oauth::pages;
use crate::oauth::{
    ConnectError, OAuth, StateProblem, CONNECTING_PATH, STATE_COOKIE, STATE_SECONDS,
};
use crate::secret::SecretString;
use crate::serve::answer::Answer;

/// The cookie's attributes: only sent back to `/slack`, never to scripts, Lax so that Slack's
/// top-level redirect carries it, Secure on https.
fn cookie(value: &str, max_age: u64, secure: bool) -> String {
    format!(
        "{STATE_COOKIE}={value}; Path=/slack; Max-Age={max_age}; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The state cookie's value in a `Cookie` header.
fn state_cookie(header: Option<&str>) -> Option<&str> {
    header?
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == STATE_COOKIE)
        .map(|(_, value)| value)
}

fn html(status: u16, body: String) -> Answer {
    Answer {
        content_type: "text/html; charset=utf-8",
        body: body.into_bytes().into(),
        ..Answer::empty(status)
    }
}

/// Connecting is off: what to set.
fn off() -> Answer {
    html(
        404,
        pages::failed(
            "Connecting is not set up",
            "This statusinator does not offer connecting yet: its admin sets SLACK_CLIENT_ID, \
             SLACK_CLIENT_SECRET, STATUSINATOR_PUBLIC_URL and STATUSINATOR_SECRET_KEY for it.",
            "/slack/install",
        ),
    )
}

impl App {
    /// The install page, with a fresh state in its link and in the cookie. With `?team=T…`
    /// (the link the app gives a member), a workspace that has the bot already asks its member
    /// for their own authorization only.
    pub fn install_page(&self, query: &str, now: u64) -> Answer {
        let Some(oauth) = &self.oauth else {
            return off();
        };
        let team = url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "team")
            .map(|(_, v)| v.into_owned())
            .filter(|t| {
                t.len() <= 32
                    && t.starts_with(['T', 'E'])
                    && t.chars().all(|c| c.is_ascii_alphanumeric())
            });
        // Known in memory (read at start, and after each connection and uninstall): the page
        // never waits on the store.
        let installed = team.as_deref().is_some_and(|team| {
            self.installed
                .read()
                .expect("installed lock")
                .contains(team)
        });
        let state = oauth.new_state(now);
        let link = oauth.authorize_link(&state, team.as_deref(), installed);
        Answer {
            set_cookie: Some(cookie(&state, STATE_SECONDS, oauth.secure())),
            ..html(200, pages::install(&link))
        }
    }

    /// Slack's redirect back, answered from memory: the state and the cookie are checked,
    /// the code exchange is queued for an app worker (a few per client address), and the
    /// browser is shown a page that looks for the outcome every second.
    pub fn oauth_redirect(
        &self,
        query: &str,
        cookie_header: Option<&str>,
        now: u64,
        client: IpAddr,
    ) -> Answer {
        let Some(oauth) = &self.oauth else {
            return off();
        };
        let params = query_params(query);
        if let Some(error) = params.get("error") {
            log::info!(
                "a member declined to connect ({})",
                crate::redact::label(error)
            );
            return if error == "access_denied" {
                failed(
                    oauth,
                    403,
                    "Not connected",
                    "You chose Cancel on Slack's page, so statusinator cannot change your \
                     profile. Start again whenever you like."
                        .to_owned(),
                )
            } else {
                failed(
                    oauth,
                    400,
                    "Slack did not connect you",
                    format!(
                        "Slack said {}. Start again; if it keeps happening, tell your Slack \
                         admin.",
                        crate::redact::label(error)
                    ),
                )
            };
        }
        let state = params.get("state").map(String::as_str);
        // An install an org admin started from the organization's app management page comes
        // back with no state at all: it may install the app for the organization, nothing else.
        if state.is_none_or(str::is_empty) {
            if let Some(code) = params.get("code").filter(|c| !c.is_empty()) {
                return self.org_install_without_state(oauth, code, now, client);
            }
        }
        let nonce = match oauth.check_state(state, state_cookie(cookie_header), now) {
            Ok(nonce) => nonce,
            Err(problem) => {
                log::warn!("refused a connection: {problem}");
                return failed(oauth, 400, "This link does not work", state_advice(problem));
            }
        };
        let Some(code) = params.get("code").filter(|c| !c.is_empty()) else {
            return failed(
                oauth,
                400,
                "This link does not work",
                "Slack's answer had no code in it. Start again.".to_owned(),
            );
        };
        // The state is good; a code exchange costs Slack's budget: an address whose exchanges
        // keep failing gets few.
        if !self.exchanges.begin(client) {
            return too_many(oauth, client);
        }
        // The same redirect again (a second click, a reload) waits for the first exchange.
        if self.connecting.seen(&nonce) == Seen::Unknown {
            if !self.connecting.begin(&nonce) {
                self.exchanges.end(client, false);
                return busy(oauth);
            }
            self.jobs.push(Job::Connect {
                nonce,
                code: SecretString::new(code.clone()),
                client,
                org_install_only: false,
            });
        } else {
            // Worked already: this one costs no exchange.
            self.exchanges.end(client, false);
        }
        waiting(oauth, state.unwrap_or_default())
    }

    /// A redirect without a state (an org admin's install from the org's app management
    /// page): exchanged like any, but only an org-wide install with its bot is kept from it;
    /// a member's token never is. The browser gets a state of its own (and its cookie) to look
    /// for the outcome with.
    fn org_install_without_state(
        &self,
        oauth: &crate::oauth::OAuth,
        code: &str,
        now: u64,
        client: IpAddr,
    ) -> Answer {
        if !self.exchanges.begin(client) {
            return too_many(oauth, client);
        }
        let state = oauth.new_state(now);
        let nonce = oauth
            .check_state(Some(&state), Some(&state), now)
            .expect("a state just made holds");
        if !self.connecting.begin(&nonce) {
            self.exchanges.end(client, false);
            return busy(oauth);
        }
        log::info!("an install without a state: kept only if it is an org-wide install");
        self.jobs.push(Job::Connect {
            nonce,
            code: SecretString::new(code.to_owned()),
            client,
            org_install_only: true,
        });
        Answer {
            set_cookie: Some(cookie(&state, STATE_SECONDS, oauth.secure())),
            ..waiting(oauth, &state)
        }
    }

    /// `GET /slack/connecting?state=…`: how the connection ended, or (the exchange not done
    /// yet) the same page again. Answered from memory; `None` when only the store can tell (the
    /// redirect went to another replica) and `may_read_store` is false.
    pub fn connecting_page(
        &self,
        query: &str,
        cookie_header: Option<&str>,
        now: u64,
        may_read_store: bool,
    ) -> Option<Answer> {
        let Some(oauth) = &self.oauth else {
            return Some(off());
        };
        let params = query_params(query);
        let state = params.get("state").map(String::as_str);
        let nonce = match oauth.check_state(state, state_cookie(cookie_header), now) {
            Ok(nonce) => nonce,
            Err(problem) => {
                return Some(failed(
                    oauth,
                    400,
                    "This link does not work",
                    state_advice(problem),
                ))
            }
        };
        let outcome = match self.connecting.seen(&nonce) {
            Seen::Done(outcome) => outcome,
            Seen::Pending => return Some(waiting(oauth, state.unwrap_or_default())),
            Seen::Unknown if !may_read_store => return None,
            Seen::Unknown => match connecting::load(self.store(), &nonce) {
                Ok(Some(outcome)) => {
                    self.connecting.finish(&nonce, outcome.clone());
                    outcome
                }
                Ok(None) => return Some(waiting(oauth, state.unwrap_or_default())),
                Err(err) => {
                    log::warn!("reading how a connection ended: {err:#}");
                    return Some(waiting(oauth, state.unwrap_or_default()));
                }
            },
        };
        Some(Answer {
            set_cookie: Some(cookie("", 0, oauth.secure())),
            ..html(outcome.status, outcome.page)
        })
    }

    /// Reads which workspaces have the app installed (at start, after each connection and
    /// uninstall): the install page asks this set, never the store.
    pub(super) fn learn_installations(&self) -> Vec<crate::tokens::stored::Installation> {
        match crate::tokens::stored::list_installations(self.store()) {
            Ok(installations) => {
                *self.installed.write().expect("installed lock") =
                    installations.iter().map(|i| i.team.clone()).collect();
                installations
            }
            Err(err) => {
                log::warn!("reading the installations: {err:#}");
                Vec::new()
            }
        }
    }

    /// The code exchange (an app job): Slack's `oauth.v2.access`, the token sealed into the
    /// store, and the outcome kept for the page the browser is looking at.
    pub(super) fn finish_connect(
        &self,
        nonce: &str,
        code: &SecretString,
        client: IpAddr,
        org_install_only: bool,
    ) {
        let Some(oauth) = &self.oauth else { return };
        let mut failed = true;
        let back = oauth.install_url();
        let fail = |status: u16, title: &str, detail: String| Outcome {
            status,
            page: pages::failed(title, &detail, &back),
        };
        let store = self.store();
        let now = crate::clock::unix_now();
        let completed = if org_install_only {
            oauth.complete_org_install(store, self.slack(), nonce, code.expose(), now)
        } else {
            oauth.complete(store, self.slack(), nonce, code.expose(), now)
        };
        let outcome = match completed {
            Ok(connected) => {
                log::info!(
                    "{} connected their profile in {} ({})",
                    connected.user,
                    connected.team_id,
                    connected.team_name
                );
                self.learn_installations();
                // An org-wide install: which of its workspaces have it, as Slack says.
                if connected.team_id.starts_with('E') {
                    let store = self.store();
                    if let Ok(Some(installation)) =
                        crate::tokens::stored::load_installation(store, &connected.team_id)
                    {
                        self.learn_grants(&installation);
                    }
                }
                self.pipeline.member_connected(
                    &connected.user,
                    &connected.team_id,
                    connected.enterprise.as_deref(),
                );
                failed = false;
                Outcome {
                    status: 200,
                    page: pages::connected(&connected),
                }
            }
            Err(ConnectError::State(problem)) => {
                log::warn!("refused a connection: {problem}");
                fail(400, "This link does not work", state_advice(problem))
            }
            Err(ConnectError::Store(err)) => {
                // Our side failed, not the member's code.
                failed = false;
                log::error!("connecting a member failed: {err:#}");
                fail(
                    500,
                    "Something went wrong on our side",
                    "statusinator could not store your connection. Try again in a minute; if \
                     it keeps happening, tell the admin who set it up."
                        .to_owned(),
                )
            }
            Err(err) => {
                log::warn!("connecting a member failed: {err}");
                fail(
                    400,
                    "Slack did not connect you",
                    format!("{err}. Start again; if it keeps happening, tell your Slack admin."),
                )
            }
        };
        self.exchanges.end(client, failed);
        if let Err(err) = connecting::keep(store, nonce, &outcome) {
            log::warn!("keeping how a connection ended for other replicas: {err:#}");
        }
        self.connecting.finish(nonce, outcome);
    }
}

fn query_params(query: &str) -> HashMap<String, String> {
    url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

/// A page that went wrong; the cookie is cleared.
fn failed(oauth: &OAuth, status: u16, title: &str, detail: String) -> Answer {
    Answer {
        set_cookie: Some(cookie("", 0, oauth.secure())),
        ..html(status, pages::failed(title, &detail, &oauth.install_url()))
    }
}

/// The page that waits for the outcome (202: not there yet); the cookie stays for it.
/// An address whose exchanges kept failing: refused before Slack is asked.
fn too_many(oauth: &OAuth, client: IpAddr) -> Answer {
    log::warn!("refused a code exchange from {client}: too many failed from that address");
    Answer {
        retry_after: Some(exchanges::FAILURE_EVERY.as_secs()),
        ..failed(
            oauth,
            429,
            "Too many tries",
            "Too many connections failed from your address. Wait a minute, then start again."
                .to_owned(),
        )
    }
}

/// Too many connections waiting to finish.
fn busy(oauth: &OAuth) -> Answer {
    Answer {
        retry_after: Some(5),
        ..failed(
            oauth,
            503,
            "Busy",
            "Many members are connecting right now. Start again in a minute.".to_owned(),
        )
    }
}

fn waiting(oauth: &OAuth, state: &str) -> Answer {
    let next = format!(
        "{}{CONNECTING_PATH}?state={}",
        oauth.public_url.as_str().trim_end_matches('/'),
        url::form_urlencoded::byte_serialize(state.as_bytes()).collect::<String>()
    );
    html(202, pages::connecting(&next))
}

fn state_advice(problem: StateProblem) -> String {
    let why = match problem {
        StateProblem::Missing | StateProblem::Forged => {
            "It did not come from this statusinator's connect page."
        }
        StateProblem::Expired => "It is more than 10 minutes old.",
        StateProblem::OtherBrowser => {
            "It was started in another browser, or this browser dropped its cookie."
        }
        StateProblem::Replayed => "It was used already: each link connects once.",
    };
    format!("{why} Start again from the connect page, in this browser.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_cookie_is_found_among_others_and_set_as_bolt_sets_it() {
        assert_eq!(
            state_cookie(Some("a=1; slack-app-oauth-state=abc.1.x; b=2")),
            Some("abc.1.x")
        );
        assert_eq!(state_cookie(Some("a=1")), None);
        assert_eq!(state_cookie(None), None);
        let set = cookie("abc", 600, true);
        for part in [
            "Path=/slack",
            "Max-Age=600",
            "HttpOnly",
            "SameSite=Lax",
            "Secure",
        ] {
            assert!(set.contains(part), "{set}");
        }
        assert!(!cookie("", 0, false).contains("Secure"));
    }
}
