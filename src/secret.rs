//! Secrets (Slack tokens, signing secrets, admin tokens) in a type that never shows its value in
//! `Debug` or `Display`, so a token cannot reach a log line, an error or stdout by accident.

use std::fmt;

/// A string that prints as `(redacted)`. Read it only where it goes on the wire.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(String);

impl SecretString {
    pub fn new(value: impl Into<String>) -> Self {
        SecretString(value.into())
    }

    /// The secret itself, for an `Authorization` header or an HMAC key; nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether `candidate` is this secret, in time that does not depend on where they differ
    /// (both are hashed first, so not even the length shows).
    pub fn matches(&self, candidate: &str) -> bool {
        use sha2::{Digest, Sha256};
        use subtle::ConstantTimeEq;
        let ours = Sha256::digest(self.0.as_bytes());
        let theirs = Sha256::digest(candidate.as_bytes());
        ours.ct_eq(&theirs).into()
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(redacted)")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(redacted)")
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        SecretString(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_prints() {
        let token = SecretString::new("xoxp-1234-5678-abcdef");
        assert_eq!(format!("{token:?}"), "(redacted)");
        assert_eq!(format!("{token}"), "(redacted)");
        assert_eq!(format!("{:?}", Some(&token)), "Some((redacted))");
        assert_eq!(token.expose(), "xoxp-1234-5678-abcdef");
        assert!(token.matches("xoxp-1234-5678-abcdef"));
        assert!(!token.matches("xoxp-1234-5678-abcdeg"));
        assert!(!token.matches(""));
    }
}
