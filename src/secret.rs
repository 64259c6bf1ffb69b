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
    }
}
