//! Name templates: `{name}` is the member's usual display name (their real name when they have
//! none). The result obeys Slack's name rules: at most 80 characters, made so by shortening
//! `{name}` (never the rest), and nothing Slack refuses.

use crate::presets::{check_name, MAX_NAME_CHARS};

/// Where the member's name goes.
pub const NAME: &str = "{name}";

/// Names a template is tried on at onboard: an ordinary one, one long enough to need shortening,
/// one with spaces and accents.
const SAMPLES: [&str; 3] = [
    "Ana",
    "Maximiliane Alexandra von Hohenzollern-Sigmaringen und Württemberg-Teck",
    "José María",
];

/// The name `{name}` stands for: the display name, else (when it is empty) the real name.
pub fn name_of<'a>(display_name: &'a str, real_name: &'a str) -> &'a str {
    if display_name.trim().is_empty() {
        real_name
    } else {
        display_name
    }
}

/// Fills a template with `name`, shortening `name` (at a character boundary, with `…`) so the
/// result fits in 80 characters, and checks it as Slack would. The error names the template and
/// what to change.
pub fn fill(template: &str, name: &str) -> Result<String, String> {
    let name = name.trim();
    let slots = template.matches(NAME).count();
    let fixed = template.chars().count() - slots * NAME.chars().count();
    let filled = match MAX_NAME_CHARS.saturating_sub(fixed).checked_div(slots) {
        None => template.to_owned(),
        Some(room) => template.replace(NAME, &shorten(name, room)),
    };
    check_name(&filled).map(|()| filled)
}

/// `name` in at most `room` characters: whole, or cut with `…` at the end.
fn shorten(name: &str, room: usize) -> String {
    if name.chars().count() <= room {
        return name.to_owned();
    }
    if room == 0 {
        return String::new();
    }
    let mut out: String = name.chars().take(room - 1).collect();
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

/// Checks a template at onboard: the text around `{name}` must leave room for a name, and the
/// template filled with sample names must be a name Slack accepts.
pub fn check(template: &str) -> Result<(), String> {
    let shown = crate::redact::excerpt(template);
    let slots = template.matches(NAME).count();
    let fixed = template.chars().count() - slots * NAME.chars().count();
    if slots > 0 && fixed + 3 * slots > MAX_NAME_CHARS {
        return Err(format!(
            "the template {shown} leaves no room for the member's name: its own text is {fixed} \
             characters of Slack's {MAX_NAME_CHARS}; shorten it"
        ));
    }
    if template.contains('{') && slots == 0 || template.replace(NAME, "").contains(['{', '}']) {
        return Err(format!(
            "the template {shown} has a {{…}} that is not {NAME}: {NAME} is the only \
             placeholder (the member's usual name)"
        ));
    }
    for sample in SAMPLES {
        fill(template, sample)
            .map_err(|message| format!("the template {shown} filled with {sample:?}: {message}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_is_shortened_never_the_rest() {
        let template = "{name} (on vacation until the 14th)";
        let long = "A".repeat(79);
        let filled = fill(template, &long).unwrap();
        assert_eq!(filled.chars().count(), 80, "{filled}");
        assert!(
            filled.ends_with("A… (on vacation until the 14th)"),
            "{filled}"
        );
        // At the edge: exactly 80 fits whole.
        let fits = "B".repeat(80 - (template.chars().count() - 6));
        let filled = fill(template, &fits).unwrap();
        assert_eq!(filled.chars().count(), 80);
        assert!(!filled.contains('…'));
        // Multi-byte names count characters, not bytes.
        let filled = fill("{name} 🌴", &"é".repeat(100)).unwrap();
        assert_eq!(filled.chars().count(), 80);
        assert_eq!(fill("{name} (away)", "  Ana ").unwrap(), "Ana (away)");
    }

    #[test]
    fn templates_slack_would_refuse_are_refused_at_onboard() {
        assert!(check("{name} (on vacation)").is_ok());
        assert!(check("On vacation").is_ok());
        let err = check(&format!("{{name}} {}", "x".repeat(79))).unwrap_err();
        assert!(err.contains("no room"), "{err}");
        let err = check("@{name}").unwrap_err();
        assert!(err.contains("invalid_starts_with_at"), "{err}");
        let err = check("{name} see www.away.dev").unwrap_err();
        assert!(err.contains("name_not_allowed"), "{err}");
        let err = check("{first} (away)").unwrap_err();
        assert!(err.contains("only placeholder"), "{err}");
        // Each member's own name is checked again when applied.
        assert!(fill("{name}", "slackbot")
            .unwrap_err()
            .contains("reserved_name"));
    }
}
