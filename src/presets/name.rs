//! Display names as Slack accepts them: checked once, at onboard (and in the preset modal),
//! so a preset Slack would refuse at every apply never gets in.

/// The longest display name Slack accepts (`users.profile.set`, `display_name`).
pub const MAX_NAME_CHARS: usize = 80;

/// Names Slack keeps for itself: `users.profile.set` answers `reserved_name`.
pub const RESERVED_NAMES: [&str; 6] = ["slackbot", "slack", "here", "channel", "everyone", "group"];

/// Checks a display name against what `users.profile.set` accepts (at most 80 characters, no
/// leading `@`, no web address, not a name Slack reserves) and says what to do about a bad one,
/// so a preset Slack would refuse at every apply is refused once, at onboard.
pub fn check_name(name: &str) -> Result<(), String> {
    let chars = name.chars().count();
    let shown = crate::redact::excerpt(name);
    let trimmed = name.trim();
    if trimmed.is_empty() {
        Err("the name is empty: give a display name or leave \"name\" out".to_owned())
    } else if chars > MAX_NAME_CHARS {
        Err(format!(
            "the name {shown} has {chars} characters; Slack allows at most {MAX_NAME_CHARS}: \
             shorten it"
        ))
    } else if trimmed.starts_with('@') {
        Err(format!(
            "the name {shown} starts with @, which Slack refuses (invalid_starts_with_at): \
             drop the @"
        ))
    } else if let Some(address) = web_address(trimmed) {
        Err(format!(
            "the name {shown} holds a web address ({}), which Slack refuses in names \
             (name_not_allowed): leave it out",
            crate::redact::excerpt(address)
        ))
    } else if RESERVED_NAMES
        .iter()
        .any(|r| trimmed.eq_ignore_ascii_case(r))
    {
        Err(format!(
            "the name {shown} is reserved by Slack (reserved_name): choose another"
        ))
    } else {
        Ok(())
    }
}

/// The first word of `name` that reads as a web address: a scheme (`https://…`), `www.…`, or a
/// dotted host ending in a common top-level domain (`example.com`).
fn web_address(name: &str) -> Option<&str> {
    const TLDS: [&str; 16] = [
        "com", "net", "org", "io", "co", "dev", "app", "me", "info", "biz", "ly", "gg", "ai",
        "xyz", "site", "link",
    ];
    name.split(|c: char| c.is_whitespace() || "()[]<>,;\"'".contains(c))
        .find(|word| {
            let lower = word.to_ascii_lowercase();
            if lower.contains("://") || lower.starts_with("www.") {
                return true;
            }
            let host = lower.split('/').next().unwrap_or_default();
            let host = host.trim_end_matches(['.', '!', '?', ':']);
            let mut labels = host.rsplit('.');
            let (Some(tld), Some(label)) = (labels.next(), labels.next()) else {
                return false;
            };
            !label.is_empty()
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && TLDS.contains(&tld)
        })
}
