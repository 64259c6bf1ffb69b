//! The signature check on a request's raw body. Slack signs every request with
//! `X-Slack-Signature: v0=hex(HMAC-SHA256(secret, "v0:{timestamp}:{body}"))` and
//! `X-Slack-Request-Timestamp`; a request older or newer than five minutes is refused, and the
//! comparison takes the same time wherever the digests differ.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::secret::SecretString;

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
}
