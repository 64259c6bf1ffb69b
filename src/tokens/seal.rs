//! Secrets at rest: a token stored in the store is sealed with XChaCha20-Poly1305 (RustCrypto's
//! `chacha20poly1305`) under the key of `STATUSINATOR_SECRET_KEY`. The associated data binds a
//! sealed record to the workspace and member it belongs to, so a record copied to another
//! member's place does not open; each record names the key it was sealed with (its key id), so a
//! wrong key is told apart from a damaged record.

use std::fmt;

use anyhow::Result;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::exit::UsageError;
use crate::secret::SecretString;

/// The variable that holds the key.
pub const KEY_VAR: &str = "STATUSINATOR_SECRET_KEY";

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The key that seals tokens: 32 random bytes. Prints as its key id only.
#[derive(Clone)]
pub struct SealKey {
    cipher: XChaCha20Poly1305,
    id: String,
    /// For keys derived from this one (the OAuth state's MAC key).
    derive_from: [u8; 32],
}

impl fmt::Debug for SealKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SealKey({})", self.id)
    }
}

/// Random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system gives random bytes");
    bytes
}

impl SealKey {
    /// Reads a key given as base64 (standard or URL-safe, padded or not) of 32 bytes.
    pub fn parse(text: &str) -> Result<SealKey, UsageError> {
        let text = text.trim();
        let bytes = [
            base64::engine::general_purpose::STANDARD,
            base64::engine::general_purpose::STANDARD_NO_PAD,
            base64::engine::general_purpose::URL_SAFE,
            base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ]
        .iter()
        .find_map(|engine| engine.decode(text).ok())
        .ok_or_else(|| {
            UsageError::new(format!(
                "{KEY_VAR} is not base64: give it 32 random bytes in base64, as `statusinator \
                 tokens new-key` prints"
            ))
        })?;
        if bytes.len() != 32 {
            return Err(UsageError::new(format!(
                "{KEY_VAR} holds {} bytes; it must hold exactly 32 (base64 of 32 random bytes, \
                 as `statusinator tokens new-key` prints)",
                bytes.len()
            )));
        }
        Ok(SealKey::from_bytes(&bytes))
    }

    fn from_bytes(bytes: &[u8]) -> SealKey {
        let digest = Sha256::digest([b"statusinator key id:".as_slice(), bytes].concat());
        SealKey {
            cipher: XChaCha20Poly1305::new_from_slice(bytes).expect("a 32-byte key"),
            id: hex::encode(&digest[..4]),
            derive_from: bytes.try_into().expect("a 32-byte key"),
        }
    }

    /// Another key for another use (`purpose`), derived from this one with HMAC-SHA256.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        use hmac::{Hmac, Mac};
        let mut mac =
            Hmac::<sha2::Sha256>::new_from_slice(&self.derive_from).expect("any key length");
        mac.update(b"statusinator/v1/");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// A new random key, as base64 (what `statusinator tokens new-key` prints).
    pub fn generate() -> String {
        B64.encode(random_bytes::<32>())
    }

    /// The key's id: a short fingerprint that says which key sealed a record, and nothing more.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Seals `secret` for `binding` (the workspace and member it belongs to).
    pub fn seal(&self, binding: &str, secret: &[u8]) -> Sealed {
        let nonce = random_bytes::<24>();
        let sealed = self
            .cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: secret,
                    aad: binding.as_bytes(),
                },
            )
            .expect("sealing in memory cannot fail");
        Sealed {
            kid: self.id.clone(),
            nonce: B64.encode(nonce),
            sealed: B64.encode(sealed),
        }
    }
}

/// A sealed secret as it is stored: the key id, the nonce and the ciphertext (with its tag).
/// The only way back to the secret is [`Sealed::open`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    pub kid: String,
    nonce: String,
    sealed: String,
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sealed(key {})", self.kid)
    }
}

/// Why a sealed record does not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error(
        "it was sealed with another key (key id {sealed_with}; {KEY_VAR} has key id {ours}): set \
         the key it was sealed with, or have the member connect again"
    )]
    WrongKey { sealed_with: String, ours: String },
    #[error(
        "it does not open: it is damaged, or was copied from another member or workspace; have \
         the member connect again"
    )]
    Damaged,
}

impl Sealed {
    /// The secret, if `key` sealed it for `binding`.
    pub fn open(&self, key: &SealKey, binding: &str) -> Result<SecretString, OpenError> {
        if self.kid != key.id {
            return Err(OpenError::WrongKey {
                sealed_with: self.kid.clone(),
                ours: key.id.clone(),
            });
        }
        let nonce: [u8; 24] = B64
            .decode(&self.nonce)
            .ok()
            .and_then(|n| n.try_into().ok())
            .ok_or(OpenError::Damaged)?;
        let sealed = B64.decode(&self.sealed).map_err(|_| OpenError::Damaged)?;
        let plain = key
            .cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: &sealed,
                    aad: binding.as_bytes(),
                },
            )
            .map_err(|_| OpenError::Damaged)?;
        String::from_utf8(plain)
            .map(SecretString::new)
            .map_err(|_| OpenError::Damaged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_token_opens_only_with_its_key_and_its_binding() {
        let key = SealKey::parse(&SealKey::generate()).unwrap();
        let sealed = key.seal("T1/U1", b"xoxp-1-secret");
        assert_eq!(
            sealed.open(&key, "T1/U1").unwrap().expose(),
            "xoxp-1-secret"
        );
        let json = serde_json::to_string(&sealed).unwrap();
        assert!(!json.contains("secret"), "{json}");
        assert!(!format!("{sealed:?}").contains("secret"));
        // Copied to another member: it does not open.
        assert_eq!(sealed.open(&key, "T1/U2"), Err(OpenError::Damaged));
        // Another key: said so, by id.
        let other = SealKey::parse(&SealKey::generate()).unwrap();
        assert!(matches!(
            sealed.open(&other, "T1/U1"),
            Err(OpenError::WrongKey { .. })
        ));
        // Two seals of one secret differ (a fresh nonce each).
        assert_ne!(key.seal("T1/U1", b"x"), key.seal("T1/U1", b"x"));
    }

    #[test]
    fn keys_are_32_bytes_of_base64() {
        assert!(SealKey::parse(&SealKey::generate()).is_ok());
        let err = SealKey::parse("c2hvcnQ=").unwrap_err().to_string();
        assert!(err.contains("holds 5 bytes"), "{err}");
        assert!(SealKey::parse("not base64 at all!").is_err());
        let key = SealKey::parse(&SealKey::generate()).unwrap();
        assert_eq!(format!("{key:?}"), format!("SealKey({})", key.id()));
    }
}
