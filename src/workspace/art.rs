//! A badge's artwork: a standard emoji from the Twemoji set shipped inside the binary
//! (graphics © Twitter, Inc and other contributors, CC-BY 4.0; see the README), or a workspace's
//! custom emoji from `emoji.list`, downloaded only from Slack's own hosts.

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};

use crate::presets::EmojiKey;
use crate::slack::SlackClient;
use crate::tokens::Token;

/// The largest custom emoji image downloaded (Slack keeps them under 128 KB).
const MAX_CUSTOM_BYTES: u64 = 1024 * 1024;

/// How long a workspace's `emoji.list` is trusted before it is asked again.
const LIST_FRESH: Duration = Duration::from_secs(600);

/// How many custom emoji images are kept decoded.
const CUSTOM_IMAGES: usize = 64;

/// What a badge shows.
#[derive(Clone)]
pub enum Art {
    /// A standard emoji, as SVG.
    Svg(&'static str),
    /// A custom emoji, decoded (the first frame of an animated one).
    Bitmap(Arc<image::RgbaImage>),
}

impl std::fmt::Debug for Art {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Art::Svg(_) => f.write_str("Art::Svg"),
            Art::Bitmap(image) => write!(f, "Art::Bitmap({}x{})", image.width(), image.height()),
        }
    }
}

/// The standard emoji a Slack code names (`:palm_tree:`, `:wave::skin-tone-3:`), if there is
/// one: its artwork.
pub fn standard(code: &EmojiKey) -> Option<Art> {
    let (name, tone) = split(code.as_str());
    let emoji = by_short_name(name)?;
    let emoji = match tone.and_then(skin_tone) {
        Some(tone) => emoji.with_skin_tone(tone).unwrap_or(emoji),
        None => emoji,
    };
    svg_of(emoji.as_str()).map(Art::Svg)
}

/// The standard emoji a short name names, as Slack or GitHub spell it: Slack writes some with
/// `-` where GitHub writes `_` (`man-biking` is GitHub's `biking_man`), some with `_face` where
/// GitHub has none (`thinking_face`), and flags by country code (`flag-ch`).
pub fn by_short_name(name: &str) -> Option<&'static emojis::Emoji> {
    if let Some(emoji) = emojis::get_by_shortcode(name) {
        return Some(emoji);
    }
    if let Some(country) = name.strip_prefix("flag-").filter(|c| c.len() == 2) {
        // A country's two letters are its flag's two regional indicator symbols.
        let flag: Option<String> = country
            .bytes()
            .map(|b| {
                let letter = b
                    .to_ascii_lowercase()
                    .checked_sub(b'a')
                    .filter(|l| *l < 26)?;
                char::from_u32(0x1F1E6 + u32::from(letter))
            })
            .collect();
        return emojis::get(&flag?);
    }
    let plain = name.replace('-', "_");
    let mut spellings = vec![
        plain.clone(),
        plain.strip_suffix("_face").unwrap_or_default().to_owned(),
        format!("{plain}_face"),
    ];
    for person in ["man", "woman"] {
        if let Some(rest) = name.strip_prefix(person).and_then(|r| r.strip_prefix('-')) {
            spellings.push(format!("{}_{person}", rest.replace('-', "_")));
        }
    }
    spellings
        .iter()
        .filter(|n| !n.is_empty())
        .find_map(|n| emojis::get_by_shortcode(n))
}

/// Twemoji's SVG of an emoji, with or without its variation selector.
fn svg_of(text: &str) -> Option<&'static str> {
    use twemoji_assets::svg::SvgTwemojiAsset;
    SvgTwemojiAsset::from_emoji(text)
        .or_else(|| SvgTwemojiAsset::from_emoji(&text.replace('\u{fe0f}', "")))
        .map(|asset| asset.data.0)
}

/// `:wave::skin-tone-3:` → (`wave`, Some(3)).
pub fn split(code: &str) -> (&str, Option<u8>) {
    let inner = code.trim_matches(':');
    match inner.split_once("::skin-tone-") {
        Some((name, tone)) => (name, tone.parse().ok()),
        None => (inner, None),
    }
}

fn skin_tone(tone: u8) -> Option<emojis::SkinTone> {
    use emojis::SkinTone::*;
    Some(match tone {
        2 => Light,
        3 => MediumLight,
        4 => Medium,
        5 => MediumDark,
        6 => Dark,
        _ => return None,
    })
}

/// A workspace's custom emoji: name → image URL, or `alias:<name>`.
type EmojiList = BTreeMap<String, String>;

/// Finds badge artwork: standard emoji from the binary, a workspace's custom emoji through
/// `emoji.list` with its bot token (kept for ten minutes) and their images (a few kept
/// decoded). Safe to share between threads.
pub struct Artist {
    slack: Arc<SlackClient>,
    /// Each workspace's `emoji.list`, and when it was read.
    lists: Mutex<BTreeMap<String, (Instant, Arc<EmojiList>)>>,
    images: Mutex<lru::LruCache<String, Arc<image::RgbaImage>>>,
}

impl std::fmt::Debug for Artist {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Artist")
    }
}

impl Artist {
    pub fn new(slack: Arc<SlackClient>) -> Artist {
        Artist {
            slack,
            lists: Mutex::new(BTreeMap::new()),
            images: Mutex::new(lru::LruCache::new(
                NonZeroUsize::new(CUSTOM_IMAGES).expect("non-zero"),
            )),
        }
    }

    /// The artwork of `code`: a standard emoji, else the custom one of the workspace whose
    /// bot token is `bot` (`team` names it in the cache). The error names the emoji and the fix.
    pub fn find(&self, code: &EmojiKey, team: &str, bot: Option<&Token>) -> Result<Art> {
        if let Some(art) = standard(code) {
            return Ok(art);
        }
        let Some(bot) = bot else {
            return Err(anyhow!(
                "{code} is not a standard emoji, and statusinator has no bot token to look it up \
                 among the workspace's custom emoji: install the app in the workspace (emoji:read) \
                 or choose a standard emoji for the badge"
            ));
        };
        let list = self.list(team, bot)?;
        let (name, _) = split(code.as_str());
        let mut name = name.to_owned();
        // Aliases point at another custom emoji or at a standard one.
        for _ in 0..5 {
            let Some(target) = list.get(&name) else {
                return Err(anyhow!(
                    "{code} is neither a standard emoji nor one of the workspace's custom emoji \
                     (emoji.list): check the spelling in the workspace preset"
                ));
            };
            match target.strip_prefix("alias:") {
                Some(other) => {
                    let other = EmojiKey::parse(other).map_err(|e| anyhow!(e))?;
                    if let Some(art) = standard(&other) {
                        return Ok(art);
                    }
                    name = split(other.as_str()).0.to_owned();
                }
                None => return self.image(target).map(Art::Bitmap),
            }
        }
        Err(anyhow!(
            "{code} is an alias of an alias, five deep: point it at the emoji itself"
        ))
    }

    fn list(&self, team: &str, bot: &Token) -> Result<Arc<EmojiList>> {
        if let Some((at, list)) = self.lists.lock().expect("emoji lists").get(team) {
            if at.elapsed() < LIST_FRESH {
                return Ok(list.clone());
            }
        }
        let list = Arc::new(self.slack.emoji_list(bot).map_err(|err| {
            anyhow!(
                "reading the workspace's custom emoji failed ({err}); the app needs the bot \
                 scope emoji:read: reinstall it from /slack/install"
            )
        })?);
        self.lists
            .lock()
            .expect("emoji lists")
            .insert(team.to_owned(), (Instant::now(), list.clone()));
        Ok(list)
    }

    fn image(&self, url: &str) -> Result<Arc<image::RgbaImage>> {
        if let Some(image) = self.images.lock().expect("emoji images").get(url) {
            return Ok(image.clone());
        }
        let fetcher = crate::fetch::Fetcher::slack_images(self.slack.base())?;
        let bytes = fetcher
            .get(url, MAX_CUSTOM_BYTES)
            .map_err(|err| anyhow!("downloading a custom emoji failed: {err}"))?;
        let image = crate::picture::decode::decode(&bytes)
            .map_err(|err| anyhow!("a custom emoji's image is refused: {err}"))?
            .into_rgba8();
        let image = Arc::new(image);
        self.images
            .lock()
            .expect("emoji images")
            .put(url.to_owned(), image.clone());
        Ok(image)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> EmojiKey {
        EmojiKey::parse(s).unwrap()
    }

    #[test]
    fn slack_codes_find_their_standard_artwork() {
        for c in [
            ":palm_tree:",
            ":face_with_thermometer:",
            ":house_with_garden:",
            ":+1:",
            ":wave::skin-tone-3:",
            ":calendar:",
            // As Slack spells them where GitHub does not.
            ":thinking_face:",
            ":man-biking:",
            ":flag-ch:",
        ] {
            assert!(
                matches!(standard(&code(c)), Some(Art::Svg(_))),
                "{c} has no artwork"
            );
        }
        let plain = standard(&code(":wave:"));
        let toned = standard(&code(":wave::skin-tone-5:"));
        match (plain, toned) {
            (Some(Art::Svg(a)), Some(Art::Svg(b))) => assert_ne!(a, b),
            other => panic!("{other:?}"),
        }
        assert!(standard(&code(":party_parrot:")).is_none());
    }
}
