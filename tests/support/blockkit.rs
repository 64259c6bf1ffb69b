//! Draws the Block Kit views statusinator publishes (the Home tab, a modal) as an HTML page in
//! Slack's look, for a real browser to show: headers, sections with their accessory, fields,
//! dividers, context, actions, images and inputs. Emoji codes are drawn with the Twemoji art the
//! binary carries. Only what a view holds is drawn; a block of a kind it does not know is an
//! error, so a new kind of block cannot go missing from the pictures unnoticed.

#![allow(dead_code)]

use base64::Engine;
use serde_json::Value;

/// A whole page: `body` inside Slack's frame, with the styles and the signal that every
/// picture has loaded (`body.loaded`).
pub fn page(title: &str, body: &str) -> String {
    format!(
        r#"<!doctype html>
<html><head><meta charset="utf-8"><title>{}</title><style>{STYLE}</style></head>
<body onload="document.body.classList.add('loaded')">{body}</body></html>"#,
        escape(title)
    )
}

const STYLE: &str = r#"
body { margin: 0; padding: 24px; background: #f8f8f8; font: 15px/1.47 "Lato", "Helvetica Neue", Helvetica, Arial, sans-serif; color: #1d1c1d; }
.app { width: 640px; background: #fff; border: 1px solid #ddd; border-radius: 8px; padding: 20px 24px; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
.apphead { display: flex; align-items: center; gap: 10px; border-bottom: 1px solid #eee; padding-bottom: 12px; margin-bottom: 12px; }
.apphead .icon { width: 36px; height: 36px; border-radius: 6px; background: #4a154b; color: #fff; font-weight: 900; display: flex; align-items: center; justify-content: center; }
.apphead .name { font-weight: 900; font-size: 18px; }
.apphead .tab { color: #616061; font-size: 13px; }
.modal { width: 520px; background: #fff; border-radius: 8px; box-shadow: 0 4px 12px rgba(0,0,0,.2); }
.modal .title { font-weight: 900; font-size: 22px; padding: 20px 28px; border-bottom: 1px solid #ddd; }
.modal .blocks { padding: 16px 28px; }
.modal .foot { display: flex; justify-content: flex-end; gap: 8px; padding: 16px 28px; border-top: 1px solid #ddd; }
h3 { font-size: 18px; font-weight: 900; margin: 16px 0 6px; }
.section { display: flex; justify-content: space-between; align-items: flex-start; gap: 16px; margin: 8px 0; }
.section .text { flex: 1; white-space: pre-wrap; }
.fields { display: grid; grid-template-columns: 1fr 1fr; gap: 6px 16px; margin-top: 6px; }
hr { border: 0; border-top: 1px solid #ddd; margin: 14px 0; }
.context { color: #616061; font-size: 13px; margin: 6px 0; display: flex; align-items: center; gap: 6px; flex-wrap: wrap; }
.context img.pic { width: 20px; height: 20px; border-radius: 4px; }
.actions { display: flex; gap: 8px; margin: 8px 0; flex-wrap: wrap; }
.button { display: inline-block; border: 1px solid #bbb; border-radius: 4px; padding: 3px 12px; font-weight: 700; font-size: 14px; background: #fff; white-space: nowrap; }
.button.primary { background: #007a5a; border-color: #007a5a; color: #fff; }
.button.danger { color: #e01e5a; border-color: #e01e5a; }
img.accessory { width: 88px; height: 88px; border-radius: 6px; object-fit: cover; }
img.block { max-width: 100%; border-radius: 6px; }
img.emoji { width: 1.25em; height: 1.25em; vertical-align: -0.25em; }
.input { margin: 14px 0; }
.input .label { font-weight: 700; margin-bottom: 6px; }
.input .optional { color: #616061; font-weight: 400; }
.input .field { border: 1px solid #bbb; border-radius: 4px; padding: 8px 10px; color: #616061; min-height: 20px; }
.input .drop { border: 1px dashed #bbb; border-radius: 6px; padding: 18px; text-align: center; color: #616061; }
.input .hint { color: #616061; font-size: 13px; margin-top: 4px; }
code { background: #f6f6f6; border: 1px solid #e6e6e6; border-radius: 3px; padding: 0 3px; font-size: 13px; color: #e01e5a; }
.profiles { display: inline-flex; gap: 20px; }
.profile { width: 220px; background: #fff; border: 1px solid #ddd; border-radius: 8px; padding: 16px; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
.profile img.photo { width: 188px; height: 188px; border-radius: 8px; object-fit: cover; display: block; }
.profile .caption { color: #616061; font-size: 13px; margin-bottom: 10px; }
.profile .name { font-weight: 900; font-size: 20px; margin-top: 12px; }
.profile .status { color: #1d1c1d; margin-top: 4px; min-height: 22px; }
"#;

/// A Home tab view, with the app's name above it.
pub fn home(app: &str, view: &Value) -> String {
    format!(
        r#"<div class="app" id="view"><div class="apphead"><div class="icon">S</div><div><div class="name">{}</div><div class="tab">Home</div></div></div>{}</div>"#,
        escape(app),
        blocks(&view["blocks"])
    )
}

/// A modal view, with its title, close and submit buttons.
pub fn modal(view: &Value) -> String {
    let mut foot = String::new();
    if let Some(close) = view["close"]["text"].as_str() {
        foot.push_str(&format!(r#"<span class="button">{}</span>"#, escape(close)));
    }
    if let Some(submit) = view["submit"]["text"].as_str() {
        foot.push_str(&format!(
            r#"<span class="button primary">{}</span>"#,
            escape(submit)
        ));
    }
    format!(
        r#"<div class="modal" id="view"><div class="title">{}</div><div class="blocks">{}</div><div class="foot">{foot}</div></div>"#,
        text(&view["title"]),
        blocks(&view["blocks"])
    )
}

fn blocks(blocks: &Value) -> String {
    blocks
        .as_array()
        .expect("a view's blocks")
        .iter()
        .map(block)
        .collect()
}

fn block(block: &Value) -> String {
    match block["type"].as_str().unwrap_or_default() {
        "header" => format!("<h3>{}</h3>", text(&block["text"])),
        "divider" => "<hr>".to_owned(),
        "section" => {
            let mut out = String::from(r#"<div class="section"><div class="text">"#);
            if !block["text"].is_null() {
                out.push_str(&text(&block["text"]));
            }
            if let Some(fields) = block["fields"].as_array() {
                out.push_str(r#"<div class="fields">"#);
                for field in fields {
                    out.push_str(&format!("<div>{}</div>", text(field)));
                }
                out.push_str("</div>");
            }
            out.push_str("</div>");
            if !block["accessory"].is_null() {
                out.push_str(&element(&block["accessory"], "accessory"));
            }
            out.push_str("</div>");
            out
        }
        "context" => format!(
            r#"<div class="context">{}</div>"#,
            block["elements"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| match e["type"].as_str() {
                    Some("image") => format!(
                        r#"<img class="pic" src="{}" alt="{}">"#,
                        escape(e["image_url"].as_str().unwrap_or_default()),
                        escape(e["alt_text"].as_str().unwrap_or_default())
                    ),
                    _ => format!("<span>{}</span>", text(e)),
                })
                .collect::<String>()
        ),
        "actions" => format!(
            r#"<div class="actions">{}</div>"#,
            block["elements"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| element(e, "action"))
                .collect::<String>()
        ),
        "image" => format!(
            r#"<img class="block" src="{}" alt="{}">"#,
            escape(block["image_url"].as_str().unwrap_or_default()),
            escape(block["alt_text"].as_str().unwrap_or_default())
        ),
        "input" => {
            let optional = if block["optional"] == true {
                r#" <span class="optional">(optional)</span>"#
            } else {
                ""
            };
            let hint = if block["hint"].is_null() {
                String::new()
            } else {
                format!(r#"<div class="hint">{}</div>"#, text(&block["hint"]))
            };
            format!(
                r#"<div class="input"><div class="label">{}{optional}</div>{}{hint}</div>"#,
                text(&block["label"]),
                element(&block["element"], "input")
            )
        }
        other => panic!("a block of kind {other:?} is not drawn yet: {block}"),
    }
}

fn element(element: &Value, place: &str) -> String {
    match element["type"].as_str().unwrap_or_default() {
        "button" => {
            let style = element["style"].as_str().unwrap_or_default();
            format!(
                r#"<span class="button {style}">{}</span>"#,
                text(&element["text"])
            )
        }
        "image" => format!(
            r#"<img class="{place}" src="{}" alt="{}">"#,
            escape(element["image_url"].as_str().unwrap_or_default()),
            escape(element["alt_text"].as_str().unwrap_or_default())
        ),
        "plain_text_input" => {
            let shown = element["initial_value"]
                .as_str()
                .map(escape)
                .or_else(|| element["placeholder"]["text"].as_str().map(escape))
                .unwrap_or_default();
            format!(r#"<div class="field">{shown}</div>"#)
        }
        "file_input" => {
            r#"<div class="drop">Drag a file here, or <b>upload from your computer</b></div>"#
                .to_owned()
        }
        other => panic!("an element of kind {other:?} is not drawn yet: {element}"),
    }
}

/// A text object: plain text (emoji codes drawn) or mrkdwn (bold, italics, code, links).
pub fn text(value: &Value) -> String {
    let raw = value["text"].as_str().unwrap_or_default();
    // Emoji first: their codes hold underscores that mrkdwn would take for italics.
    let shown = emoji(&escape(raw));
    if value["type"] == "mrkdwn" {
        mrkdwn(&shown)
    } else {
        shown
    }
}

fn mrkdwn(text: &str) -> String {
    let mut out = String::new();
    // Links first: <url|label> (escaped as &lt;url|label&gt;).
    let mut rest = text;
    while let Some(start) = rest.find("&lt;") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 4..];
        match after.find("&gt;") {
            Some(end) => {
                let inner = &after[..end];
                let label = inner.split_once('|').map_or(inner, |(_, l)| l);
                out.push_str(&format!("<u>{label}</u>"));
                rest = &after[end + 4..];
            }
            None => {
                out.push_str("&lt;");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    let out = pairs(&out, '*', "b");
    let out = pairs(&out, '`', "code");
    pairs(&out, '_', "i")
}

/// `*x*` → `<b>x</b>` for a marker that opens and closes on one line.
fn pairs(text: &str, marker: char, tag: &str) -> String {
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let parts: Vec<&str> = line.split(marker).collect();
        if parts.len() < 3 {
            out.push_str(line);
            continue;
        }
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                let open = i % 2 == 1;
                let closes = i + 1 < parts.len() || !open;
                if closes {
                    out.push_str(&format!("<{}{tag}>", if open { "" } else { "/" }));
                } else {
                    out.push(marker);
                }
            }
            out.push_str(part);
        }
    }
    out
}

/// Emoji codes drawn with the Twemoji art statusinator's badges use.
fn emoji(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find(':') {
        let after = &rest[start + 1..];
        let end = after.find(':');
        let code = end.map(|e| &after[..e]);
        let drawn = code
            .filter(|c| {
                !c.is_empty()
                    && c.chars()
                        .all(|ch| ch.is_ascii_alphanumeric() || "_-+".contains(ch))
            })
            .and_then(|c| statusinator::presets::EmojiKey::parse(&format!(":{c}:")).ok())
            .and_then(|key| statusinator::workspace::art::standard(&key));
        match (drawn, end) {
            (Some(statusinator::workspace::art::Art::Svg(svg)), Some(end)) => {
                out.push_str(&rest[..start]);
                let data = base64::engine::general_purpose::STANDARD.encode(svg);
                out.push_str(&format!(
                    r#"<img class="emoji" src="data:image/svg+xml;base64,{data}" alt="">"#
                ));
                rest = &after[end + 1..];
            }
            _ => {
                out.push_str(&rest[..=start]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A picture as a `data:` URL.
pub fn data_url(bytes: &[u8]) -> String {
    let kind = image_kind(bytes).unwrap_or("application/octet-stream");
    format!(
        "data:{kind};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

fn image_kind(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG") {
        Some("image/png")
    } else if bytes.starts_with(&[0xff, 0xd8]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF8") {
        Some("image/gif")
    } else {
        None
    }
}
