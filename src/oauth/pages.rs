//! The HTML pages a member sees while connecting: small, self-contained (no external asset, no
//! script), and built by pure functions from what they show.

use crate::oauth::Connected;

/// Text made safe to place in HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(title: &str, body: &str) -> String {
    page_with(title, body, "")
}

/// A page with `head` (escaped already) added to its head.
fn page_with(title: &str, body: &str, head: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
{head}<title>{title} · statusinator</title>
<style>
  body {{ font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d1c1d;
         background: #f8f8f8; margin: 0; }}
  main {{ max-width: 34rem; margin: 4rem auto; background: #fff; padding: 2rem 2.5rem;
         border-radius: 12px; box-shadow: 0 1px 4px rgba(0,0,0,.12); }}
  h1 {{ font-size: 1.5rem; margin: 0 0 1rem; }}
  .button {{ display: inline-block; background: #4a154b; color: #fff; text-decoration: none;
            padding: .7rem 1.3rem; border-radius: 6px; font-weight: 600; }}
  .button:hover {{ background: #611f69; }}
  .muted {{ color: #616061; font-size: .9rem; }}
  ol {{ padding-left: 1.2rem; }}
</style>
</head>
<body>
<main>
{body}
</main>
</body>
</html>
"#,
        title = escape(title)
    )
}

/// While Slack and the store finish a connection: the browser looks at `next` again every
/// second until the outcome is there.
pub fn connecting(next: &str) -> String {
    page_with(
        "Connecting…",
        r#"<h1 id="connecting">Connecting your Slack profile…</h1>
<p>This takes a moment; the page moves on by itself.</p>"#,
        &format!(
            "<meta http-equiv=\"refresh\" content=\"1; url={}\">\n",
            escape(next)
        ),
    )
}

/// `/slack/install`: what connecting does, and the link to Slack.
pub fn install(authorize_link: &str) -> String {
    page(
        "Connect your Slack profile",
        &format!(
            r#"<h1>Connect your Slack profile</h1>
<p>statusinator changes your display name and profile photo when you pick a status emoji
(🌴, 🤒, 🏠), and puts your usual ones back when you clear it.</p>
<p>To do that for you, Slack asks you to let it read and change your own profile. It never
sees your password, and you can disconnect at any time.</p>
<p><a class="button" id="connect" href="{link}">Connect my Slack profile</a></p>
<p class="muted">This link works for 10 minutes, in this browser.</p>"#,
            link = escape(authorize_link)
        ),
    )
}

/// The redirect went well: who is connected, and what to do next.
pub fn connected(who: &Connected) -> String {
    let name = if who.handle.is_empty() {
        who.user.to_string()
    } else {
        who.handle.clone()
    };
    let team = if who.team_name.is_empty() {
        who.team_id.clone()
    } else {
        who.team_name.clone()
    };
    let back = if who.workspace_url.starts_with("https://") {
        format!(
            r#"<p><a class="button" href="{}">Back to Slack</a></p>"#,
            escape(&who.workspace_url)
        )
    } else {
        String::new()
    };
    page(
        "Connected",
        &format!(
            r#"<h1 id="connected">You're connected, {name}</h1>
<p>statusinator can now change your profile in <strong>{team}</strong>.</p>
<p>What's next:</p>
<ol>
<li>Set a status emoji in Slack (🌴, 🤒, 🏠): your name and photo follow within seconds, for
each emoji that has a preset.</li>
<li>Open the statusinator app in Slack: its Home tab shows your presets.</li>
<li>Clear your status to get your usual name and photo back.</li>
</ol>
{back}"#,
            name = escape(&name),
            team = escape(&team),
        ),
    )
}

/// Something went wrong: what, and the way back to try again.
pub fn failed(title: &str, detail: &str, install_link: &str) -> String {
    page(
        title,
        &format!(
            r#"<h1 id="failed">{title}</h1>
<p>{detail}</p>
<p>Nothing was stored.</p>
<p><a class="button" href="{link}">Start again</a></p>"#,
            title = escape(title),
            detail = escape(detail),
            link = escape(install_link)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_escape_what_they_show_and_load_nothing_from_elsewhere() {
        let page = failed(
            "Oops <b>",
            "a \"quote\" & <script>",
            "/slack/install?x=1&y=2",
        );
        assert!(page.contains("Oops &lt;b&gt;"));
        assert!(page.contains("a &quot;quote&quot; &amp; &lt;script&gt;"));
        assert!(page.contains(r#"href="/slack/install?x=1&amp;y=2""#));
        let waiting = connecting("https://s.example/slack/connecting?state=a.1.b&x=<y>");
        assert!(waiting.contains(
            r#"content="1; url=https://s.example/slack/connecting?state=a.1.b&amp;x=&lt;y&gt;""#
        ));
        for page in [
            page,
            install("https://slack.com/oauth/v2/authorize?a=1"),
            waiting,
        ] {
            assert!(!page.contains("<script"), "{page}");
            assert!(!page.contains("src="), "{page}");
        }
    }
}
