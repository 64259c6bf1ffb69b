//! Slack's Events API requests: the signature check on the raw body and the envelope.
//!
//! Slack signs every request with `X-Slack-Signature: v0=hex(HMAC-SHA256(secret,
//! "v0:{timestamp}:{body}"))` and `X-Slack-Request-Timestamp`; a request older or newer than
//! five minutes is refused, and the comparison takes the same time wherever the digests differ.
//! The envelope is read without building the whole user object: only what statusinator acts on.

use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::Sha256;

use crate::secret::SecretString;
use crate::slack::null_as_default;

mod interactive;
pub use interactive::{
    is_form, parse_form, BlockAction, Form, Interaction, SlashCommand, ViewSubmission,
};

/// The request header with the signature.
pub const SIGNATURE_HEADER: &str = "x-slack-signature";
/// The request header with the signing timestamp.
pub const TIMESTAMP_HEADER: &str = "x-slack-request-timestamp";
/// Present (1, 2 or 3) on Slack's redeliveries.
pub const RETRY_NUM_HEADER: &str = "x-slack-retry-num";
/// On a non-2xx answer: do not redeliver this event.
pub const NO_RETRY_HEADER: &str = "x-slack-no-retry";

/// How far a request's timestamp may be from now, either way.
pub const MAX_SKEW_SECONDS: u64 = 300;

/// Why a request's signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no X-Slack-Request-Timestamp header")]
    MissingTimestamp,
    #[error("X-Slack-Request-Timestamp is not a number of seconds")]
    BadTimestamp,
    #[error("the request was signed {0} s away from now (more than 300 s): check the clock")]
    Stale(u64),
    #[error("no X-Slack-Signature header")]
    MissingSignature,
    #[error("X-Slack-Signature is not v0= and 64 hex digits")]
    Malformed,
    #[error("the signature does not match: check SLACK_SIGNING_SECRET")]
    Mismatch,
}

/// Checks request signatures with the app's signing secret.
#[derive(Clone)]
pub struct Verifier {
    /// The HMAC keyed with the secret, cloned for each request.
    keyed: Hmac<Sha256>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Verifier(redacted)")
    }
}

impl Verifier {
    pub fn new(secret: &SecretString) -> Verifier {
        Verifier {
            keyed: Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes())
                .expect("HMAC takes a key of any length"),
        }
    }

    /// The signature Slack would send for `body` at `timestamp` (`v0=` and 64 hex digits).
    pub fn sign(&self, timestamp: &str, body: &[u8]) -> String {
        let digest = self.mac(timestamp, body).finalize();
        format!("v0={}", hex::encode(digest.into_bytes()))
    }

    fn mac(&self, timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
        let mut mac = self.keyed.clone();
        mac.update(b"v0:");
        mac.update(timestamp.as_bytes());
        mac.update(b":");
        mac.update(body);
        mac
    }

    /// Checks a request: its timestamp within 300 s of `now` either way, and its signature
    /// over the raw body, compared in constant time.
    pub fn verify(
        &self,
        timestamp: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
        now: u64,
    ) -> Result<(), SignatureError> {
        let timestamp = timestamp.ok_or(SignatureError::MissingTimestamp)?;
        let seconds: u64 = (!timestamp.is_empty() && timestamp.bytes().all(|b| b.is_ascii_digit()))
            .then(|| timestamp.parse().ok())
            .flatten()
            .ok_or(SignatureError::BadTimestamp)?;
        let skew = now.abs_diff(seconds);
        if skew > MAX_SKEW_SECONDS {
            return Err(SignatureError::Stale(skew));
        }
        let signature = signature.ok_or(SignatureError::MissingSignature)?;
        let hex_digest = signature
            .strip_prefix("v0=")
            .filter(|h| h.len() == 64)
            .ok_or(SignatureError::Malformed)?;
        let mut digest = [0u8; 32];
        hex::decode_to_slice(hex_digest, &mut digest).map_err(|_| SignatureError::Malformed)?;
        self.mac(timestamp, body)
            .verify_slice(&digest)
            .map_err(|_| SignatureError::Mismatch)
    }
}

/// Which user event it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserEventKind {
    UserChange,
    UserStatusChanged,
}

/// A `user_change` or `user_status_changed` event: who, and their profile as Slack sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserEvent {
    pub kind: UserEventKind,
    pub event_id: String,
    pub team_id: String,
    pub user: String,
    pub deleted: bool,
    pub is_bot: bool,
    /// `""` when the status is cleared.
    pub status_emoji: String,
    /// The member's profile as the event carries it.
    pub profile: crate::slack::Profile,
}

/// What a request to the Events URL is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Envelope {
    /// Slack checking the Request URL: answer with the challenge.
    UrlVerification { challenge: String },
    /// A user event statusinator acts on.
    User(Box<UserEvent>),
    /// Members' tokens (`oauth`: user tokens; `bot`: the bot's) revoked in a workspace.
    TokensRevoked {
        team_id: String,
        users: Vec<String>,
        bots: Vec<String>,
    },
    /// The app was uninstalled from a workspace.
    AppUninstalled { team_id: String },
    /// A member opened the app's Home tab.
    HomeOpened { team_id: String, user: String },
    /// Anything else (another event type, `app_rate_limited`): acknowledged and ignored.
    Other { kind: String },
}

/// Why a body is not an envelope statusinator can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a Slack event envelope: {0}")]
pub struct ParseError(String);

impl ParseError {
    pub(crate) fn new(what: impl Into<String>) -> ParseError {
        ParseError(what.into())
    }
}

#[derive(Deserialize)]
struct Outer<'a> {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    challenge: Option<String>,
    #[serde(default)]
    event_id: Option<String>,
    #[serde(default)]
    team_id: Option<String>,
    #[serde(borrow, default)]
    event: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct InnerKind {
    #[serde(rename = "type", default)]
    kind: String,
}

#[derive(Deserialize)]
struct Inner {
    user: EventUser,
}

#[derive(Deserialize)]
struct EventUser {
    id: String,
    #[serde(default, deserialize_with = "null_as_default")]
    team_id: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    deleted: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    is_bot: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    profile: crate::slack::Profile,
}

/// `tokens_revoked`: `{"tokens": {"oauth": [user IDs], "bot": [user IDs]}}`.
fn tokens_revoked(raw: &str, team_id: Option<String>) -> Result<Envelope, ParseError> {
    #[derive(Deserialize)]
    struct Revoked {
        #[serde(default, deserialize_with = "null_as_default")]
        tokens: Lists,
    }
    #[derive(Deserialize, Default)]
    struct Lists {
        #[serde(default, deserialize_with = "null_as_default")]
        oauth: Vec<String>,
        #[serde(default, deserialize_with = "null_as_default")]
        bot: Vec<String>,
    }
    let revoked: Revoked =
        serde_json::from_str(raw).map_err(|e| ParseError(format!("tokens_revoked: {e}")))?;
    Ok(Envelope::TokensRevoked {
        team_id: team_id
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ParseError("tokens_revoked without a team_id".into()))?,
        users: revoked.tokens.oauth,
        bots: revoked.tokens.bot,
    })
}

/// `app_home_opened`: `{"user": "U…", "tab": "home"|"messages", …}`; the Messages tab is
/// not statusinator's business.
fn home_opened(raw: &str, team_id: Option<String>) -> Result<Envelope, ParseError> {
    #[derive(Deserialize)]
    struct Opened {
        #[serde(default, deserialize_with = "null_as_default")]
        user: String,
        #[serde(default, deserialize_with = "null_as_default")]
        tab: Option<String>,
    }
    let opened: Opened =
        serde_json::from_str(raw).map_err(|e| ParseError(format!("app_home_opened: {e}")))?;
    if opened.tab.as_deref().is_some_and(|tab| tab != "home") {
        return Ok(Envelope::Other {
            kind: "app_home_opened (messages tab)".into(),
        });
    }
    Ok(Envelope::HomeOpened {
        team_id: team_id.unwrap_or_default(),
        user: opened.user,
    })
}

/// Reads a request body (after its signature was checked).
pub fn parse(body: &[u8]) -> Result<Envelope, ParseError> {
    let outer: Outer<'_> = serde_json::from_slice(body).map_err(|e| ParseError(format!("{e}")))?;
    match outer.kind.as_str() {
        "url_verification" => {
            let challenge = outer
                .challenge
                .ok_or_else(|| ParseError("url_verification without a challenge".into()))?;
            Ok(Envelope::UrlVerification { challenge })
        }
        "event_callback" => {
            let raw = outer
                .event
                .ok_or_else(|| ParseError("event_callback without an event".into()))?;
            let inner: InnerKind =
                serde_json::from_str(raw.get()).map_err(|e| ParseError(format!("event: {e}")))?;
            let kind = match inner.kind.as_str() {
                "user_change" => UserEventKind::UserChange,
                "user_status_changed" => UserEventKind::UserStatusChanged,
                "tokens_revoked" => return tokens_revoked(raw.get(), outer.team_id),
                "app_uninstalled" => {
                    return Ok(Envelope::AppUninstalled {
                        team_id: outer.team_id.filter(|t| !t.is_empty()).ok_or_else(|| {
                            ParseError("app_uninstalled without a team_id".into())
                        })?,
                    })
                }
                "app_home_opened" => return home_opened(raw.get(), outer.team_id),
                _ => return Ok(Envelope::Other { kind: inner.kind }),
            };
            let event_id = outer
                .event_id
                .filter(|id| !id.is_empty())
                .ok_or_else(|| ParseError("event_callback without an event_id".into()))?;
            let Inner { user } = serde_json::from_str(raw.get())
                .map_err(|e| ParseError(format!("{}: {e}", inner.kind)))?;
            let team_id = outer.team_id.or(user.team_id).unwrap_or_default();
            Ok(Envelope::User(Box::new(UserEvent {
                kind,
                event_id,
                team_id,
                user: user.id,
                deleted: user.deleted,
                is_bot: user.is_bot,
                status_emoji: user.profile.status_emoji.clone(),
                profile: user.profile,
            })))
        }
        _ => Ok(Envelope::Other { kind: outer.kind }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Slack's published test vector (docs and the Python SDK's tests).
    #[test]
    fn slacks_own_test_vector_verifies() {
        let verifier = Verifier::new(&SecretString::new("8f742231b10e8888abcd99yyyzzz85a5"));
        let body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&\
                    channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&\
                    user_name=roadrunner&command=%2Fwebhook-collect&text=&\
                    response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&\
                    trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
        let expected = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
        assert_eq!(verifier.sign("1531420618", body.as_bytes()), expected);
        assert_eq!(
            verifier.verify(
                Some("1531420618"),
                Some(expected),
                body.as_bytes(),
                1531420618
            ),
            Ok(())
        );
    }

    #[test]
    fn every_way_a_signature_fails_is_named() {
        let verifier = Verifier::new(&SecretString::new("secret"));
        let body = br#"{"type":"url_verification","challenge":"c"}"#;
        let good = verifier.sign("1000", body);
        let check = |ts: Option<&str>, sig: Option<&str>, body: &[u8], now| {
            verifier.verify(ts, sig, body, now)
        };
        assert_eq!(check(Some("1000"), Some(&good), body, 1300), Ok(()));
        assert_eq!(check(Some("1000"), Some(&good), body, 700), Ok(()));
        assert_eq!(
            check(Some("1000"), Some(&good), body, 1301),
            Err(SignatureError::Stale(301))
        );
        assert_eq!(
            check(Some("1000"), Some(&good), body, 699),
            Err(SignatureError::Stale(301)),
            "from the future too"
        );
        assert_eq!(
            check(None, Some(&good), body, 1000),
            Err(SignatureError::MissingTimestamp)
        );
        for bad in ["", "-5", "1e3", " 1000", "１０００"] {
            assert_eq!(
                check(Some(bad), Some(&good), body, 1000),
                Err(SignatureError::BadTimestamp),
                "{bad:?}"
            );
        }
        assert_eq!(
            check(Some("1000"), None, body, 1000),
            Err(SignatureError::MissingSignature)
        );
        for bad in ["v1=00", "v0=zz", &good[..60], &good.replace("v0=", "v1=")] {
            assert_eq!(
                check(Some("1000"), Some(bad), body, 1000),
                Err(SignatureError::Malformed),
                "{bad:?}"
            );
        }
        let mut tampered = body.to_vec();
        tampered[10] ^= 1;
        assert_eq!(
            check(Some("1000"), Some(&good), &tampered, 1000),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            check(Some("1001"), Some(&good), body, 1000),
            Err(SignatureError::Mismatch),
            "the timestamp is signed too"
        );
        let other = Verifier::new(&SecretString::new("other"));
        assert_eq!(
            other.verify(Some("1000"), Some(&good), body, 1000),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn envelopes() {
        assert_eq!(
            parse(br#"{"token":"t","challenge":"abc","type":"url_verification"}"#).unwrap(),
            Envelope::UrlVerification {
                challenge: "abc".into()
            }
        );
        let body = br#"{"type":"event_callback","team_id":"T1","event_id":"Ev1",
            "event":{"type":"user_change","event_ts":"1.2","cache_ts":1,
              "user":{"id":"U1","team_id":"T1","deleted":false,"is_bot":false,"updated":5,
                "profile":{"status_emoji":":palm_tree:","status_text":"away",
                  "display_name":"Ana","image_512":"https://x/y.png","fields":null}}}}"#;
        assert_eq!(
            parse(body).unwrap(),
            Envelope::User(Box::new(UserEvent {
                kind: UserEventKind::UserChange,
                event_id: "Ev1".into(),
                team_id: "T1".into(),
                user: "U1".into(),
                deleted: false,
                is_bot: false,
                status_emoji: ":palm_tree:".into(),
                profile: crate::slack::Profile {
                    status_emoji: ":palm_tree:".into(),
                    status_text: "away".into(),
                    display_name: "Ana".into(),
                    image_512: Some("https://x/y.png".into()),
                    ..Default::default()
                },
            }))
        );
        let status = br#"{"type":"event_callback","event_id":"Ev2",
            "event":{"type":"user_status_changed","user":{"id":"U2","profile":{"status_emoji":null}}}}"#;
        let Envelope::User(event) = parse(status).unwrap() else {
            panic!()
        };
        assert_eq!(event.kind, UserEventKind::UserStatusChanged);
        assert_eq!(event.status_emoji, "");
        assert_eq!(
            parse(br#"{"type":"event_callback","event_id":"E","event":{"type":"message","user":"U1"}}"#)
                .unwrap(),
            Envelope::Other {
                kind: "message".into()
            }
        );
        assert_eq!(
            parse(br#"{"type":"app_rate_limited","minute_rate_limited":1}"#).unwrap(),
            Envelope::Other {
                kind: "app_rate_limited".into()
            }
        );
        for bad in [
            &b"not json"[..],
            br#"{"type":"url_verification"}"#,
            br#"{"type":"event_callback"}"#,
            br#"{"type":"event_callback","event_id":"E","event":{"type":"user_change"}}"#,
            br#"{"type":"event_callback","event":{"type":"user_change","user":{"id":"U1"}}}"#,
            br#"[1,2]"#,
        ] {
            assert!(parse(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }
}
