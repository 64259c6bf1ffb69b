//! Small helpers for HTTP errors shown to people.

/// A reqwest error and its causes, without the URL (the caller names what it fetched, and a URL
/// may carry a secret).
pub fn describe(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    if let Some(url) = err.url() {
        text = text.replace(&format!(" ({})", url.as_str()), "");
        text = text.replace(url.as_str(), "the URL");
    }
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
