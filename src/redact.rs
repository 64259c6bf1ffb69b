//! What a message may show of the input it was built from: never anything that looks like a
//! Slack token, and only a short excerpt of anything long. Every error and log line built from
//! user input passes through here, so a token pasted in the wrong place (a tokens file with key
//! and value swapped, a token typed as a member ID) or a 60 MiB `data:` URL never comes back.

use std::borrow::Cow;

/// The most characters of an input a message quotes.
pub const EXCERPT_CHARS: usize = 64;

/// What a token is replaced with, after its kind (`xoxp-`).
const REDACTED: &str = "(redacted)";

/// Where a Slack token starts in `text` at `i`, and how long its kind prefix is (`xoxp-` → 5,
/// `xoxe.` → 5, `xapp-` → 5); `None` when nothing there looks like a token.
fn token_at(text: &[u8], i: usize) -> Option<usize> {
    let rest = &text[i..];
    let starts_word = i == 0 || !is_token_byte(text[i - 1]);
    if !starts_word {
        return None;
    }
    if rest.starts_with(b"xapp-") {
        return Some(5);
    }
    // xoxb- xoxp- xoxa- xoxr- xoxs- xoxo- xoxe- xoxe.xoxp-…: "xox", a letter, then - or .
    if rest.len() >= 5
        && rest.starts_with(b"xox")
        && rest[3].is_ascii_alphabetic()
        && matches!(rest[4], b'-' | b'.')
    {
        return Some(5);
    }
    None
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_')
}

/// `text` with every Slack-token-looking run (`xox?-…`, `xoxe.…`, `xapp-…`) replaced by its kind
/// and `(redacted)`: `xoxp-1234-abcd` becomes `xoxp-(redacted)`.
pub fn secrets(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if let Some(prefix) = token_at(bytes, i) {
            let mut end = i + prefix;
            while end < bytes.len() && is_token_byte(bytes[end]) {
                end += 1;
            }
            if end == i + prefix {
                // Only the kind (`xapp-…` in a message naming it): nothing secret.
                i = end;
                continue;
            }
            let buf = out.get_or_insert_with(|| String::with_capacity(text.len()));
            buf.push_str(&text[copied..i + prefix]);
            buf.push_str(REDACTED);
            copied = end;
            i = end;
        } else {
            i += 1;
        }
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut buf) => {
            buf.push_str(&text[copied..]);
            Cow::Owned(buf)
        }
    }
}

/// A short, quoted, redacted excerpt of an input for a message: the whole input when it is
/// short, else its first [`EXCERPT_CHARS`] characters and how long it was.
pub fn excerpt(input: &str) -> String {
    let chars = input.chars().count();
    if chars <= EXCERPT_CHARS {
        return format!("{:?}", secrets(input));
    }
    let head: String = input.chars().take(EXCERPT_CHARS).collect();
    // Redact the head as cut: a token that runs past the cut is still a token.
    format!("{:?}… ({chars} characters)", secrets(&head))
}

/// An input as a message names it: as it is when short and free of tokens and control
/// characters (`U024BE7LH`, `:palm_tree:`), else as an [`excerpt`] (quoted, escaped).
pub fn label(input: &str) -> Cow<'_, str> {
    if input.chars().count() <= EXCERPT_CHARS
        && !input.chars().any(breaks_lines)
        && matches!(secrets(input), Cow::Borrowed(_))
    {
        Cow::Borrowed(input)
    } else {
        Cow::Owned(excerpt(input))
    }
}

/// Whether a character could start a new line or rewrite one on a terminal or in a log file.
fn breaks_lines(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

/// `text` on one line: every control character (a newline, a carriage return, an escape) and
/// Unicode line separator written as its escape (`\n`, `\u{1b}`), so nothing quoted from a
/// request can forge a log line or colour a terminal.
pub fn one_line(text: &str) -> Cow<'_, str> {
    if !text.chars().any(breaks_lines) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if breaks_lines(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// An error and its causes (`{:#}`), redacted: for messages that leave the process.
pub fn error(err: &anyhow::Error) -> String {
    secrets(&format!("{err:#}")).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_escapes_what_could_forge_a_line() {
        assert_eq!(one_line("plain: U024BE7LH"), "plain: U024BE7LH");
        assert_eq!(
            one_line("a\n[2026 ERROR] forged\r\u{1b}[31m\u{2028}"),
            "a\\n[2026 ERROR] forged\\r\\u{1b}[31m\\u{2028}"
        );
        assert_eq!(label("x\ny"), "\"x\\ny\"");
    }

    #[test]
    fn tokens_of_every_kind_are_redacted() {
        for token in [
            "xoxp-1234-5678-abcdef",
            "xoxb-1-2-3",
            "xoxe.xoxp-1-Mi0yLTE",
            "xoxe-1-My0xLTI",
            "xapp-1-A0-123-abc",
            "xoxa-2-q9z8",
            "xoxr-q9z8",
            "xoxs-q9z8",
        ] {
            let text = format!("key {token:?} is not a member ID; see {token}.");
            let shown = secrets(&text);
            assert!(!shown.contains(&token[5..]), "{shown}");
            assert!(shown.contains("(redacted)"), "{shown}");
        }
        assert_eq!(
            secrets("\"xoxp-123-abc\": \"U024BE7LH\""),
            "\"xoxp-(redacted)\": \"U024BE7LH\""
        );
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        for text in [
            "U024BE7LH",
            "boxox-1",
            "xox",
            "xoxp",
            "maxapp-1",
            ":xoxo:",
            "a user token (xoxp-…) or an app-level one (xapp-…)",
            "",
        ] {
            assert_eq!(secrets(text), text);
            assert!(matches!(secrets(text), Cow::Borrowed(_)));
        }
    }

    #[test]
    fn long_inputs_are_cut() {
        let long = format!("data:image/png;base64,{}", "A".repeat(1_000_000));
        let shown = excerpt(&long);
        assert!(shown.len() < 100, "{shown}");
        assert!(shown.ends_with("(1000022 characters)"), "{shown}");
        assert_eq!(excerpt("palm tree"), "\"palm tree\"");
        let token = format!("xoxp-{}", "9".repeat(60));
        assert_eq!(excerpt(&token), "\"xoxp-(redacted)\"… (65 characters)");
    }
}
