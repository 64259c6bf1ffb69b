//! An answer to an HTTP request (or a Socket Mode acknowledgement's payload), before it
//! becomes one.

/// An answer, as a part gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    /// Shared, not copied: a picture served to many clients is one buffer.
    pub body: bytes::Bytes,
    /// Send `X-Slack-No-Retry: 1`.
    pub no_retry: bool,
    /// Send `Retry-After: seconds`.
    pub retry_after: Option<u64>,
    /// Send `Set-Cookie` with this.
    pub set_cookie: Option<String>,
    /// Caches may keep it (content-keyed pictures); everything else is `no-store`.
    pub immutable: bool,
}

impl Answer {
    pub fn empty(status: u16) -> Answer {
        Answer {
            status,
            content_type: "text/plain; charset=utf-8",
            body: bytes::Bytes::new(),
            no_retry: false,
            retry_after: None,
            set_cookie: None,
            immutable: false,
        }
    }

    pub fn text(status: u16, text: impl Into<String>) -> Answer {
        let mut body = text.into().into_bytes();
        body.push(b'\n');
        Answer {
            body: body.into(),
            ..Answer::empty(status)
        }
    }

    pub fn json(status: u16, value: &serde_json::Value) -> Answer {
        Answer {
            status,
            content_type: "application/json",
            body: serde_json::to_vec(value)
                .expect("JSON values serialize")
                .into(),
            no_retry: false,
            retry_after: None,
            set_cookie: None,
            immutable: false,
        }
    }
}
