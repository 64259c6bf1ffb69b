//! `statusinator preview`: a workspace preset's photo and name, made from a photo given (or a
//! plain avatar) and written to a file; Slack is asked only for a custom emoji badge.

use std::sync::Arc;

use anyhow::Result;

use crate::cli::PreviewArgs;
use crate::exit::{ExitCode, UsageError};
use crate::onboard;
use crate::presets::EmojiKey;
use crate::settings::Settings;
use crate::store::{self, Store};

/// Renders the preset's photo to `--output` and prints its name.
pub fn run(settings: &Settings, args: &PreviewArgs) -> Result<ExitCode> {
    use crate::workspace::{self, photo};
    let emoji = EmojiKey::parse(&args.emoji).map_err(UsageError::new)?;
    let (sections, from) = match &args.presets {
        Some(path) => {
            let plan =
                onboard::prepare_file(path, false, &onboard::KnownEmoji::standard_only(), None)?;
            (plan.sections, path.display().to_string())
        }
        None => {
            let store: Arc<dyn Store> = settings.store.open()?.into();
            let users = store::require_users(store.as_ref())?;
            (users.sections, store.location(store::USERS_KEY))
        }
    };
    let team = match &args.workspace {
        Some(team) => Some(workspace::TeamId::parse(team).map_err(UsageError::new)?),
        None => None,
    };
    let section = sections.for_team(team.as_ref().map(|t| t.as_str()));
    let (key, rule) = crate::presets::lookup(section, &emoji).ok_or_else(|| {
        let known: Vec<&str> = section.keys().map(EmojiKey::as_str).collect();
        UsageError::new(format!(
            "{from} has no workspace preset for {emoji}{}: its workspace presets are {}",
            team.as_ref()
                .map(|t| format!(" in {t}"))
                .unwrap_or_default(),
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        ))
    })?;
    if let Some(template) = &rule.name {
        let name = workspace::template::fill(template, "Ana Example").map_err(UsageError::new)?;
        crate::out::text(&format!("name: {name}\n"));
    }
    let Some(photo_rule) = &rule.photo else {
        // A name-only rule is a rule like any other: it leaves the photo alone.
        crate::out::text(&format!(
            "photo: none: the workspace preset for {key} changes only the name, so members \
             keep their own photo ({} not written)\n",
            args.output.display()
        ));
        return Ok(ExitCode::Success);
    };
    let usual = match &args.photo {
        Some(path) => Some(std::fs::read(path).map_err(|err| {
            UsageError::new(format!(
                "cannot read the photo {}: {err}; check the path",
                path.display()
            ))
        })?),
        None => None,
    };
    let badge = workspace::badge_of(photo_rule, key)
        .map(|b| EmojiKey::parse(b).map_err(UsageError::new))
        .transpose()?;
    let art = match &badge {
        Some(badge) => Some(match workspace::art::standard(badge) {
            Some(art) => art,
            None => {
                let slack = settings.slack()?;
                let bot =
                    crate::tokens::Tokens::load(None, None, std::env::var("SLACK_BOT_TOKEN").ok())?
                        .bot();
                workspace::art::Artist::new(slack)
                    .find(badge, "", bot.as_ref())
                    .map_err(|err| UsageError::new(format!("{err:#}")))?
            }
        }),
        None => None,
    };
    let base = match &usual {
        Some(bytes) => photo::Base::Photo(bytes),
        None => photo::Base::DefaultAvatar { seed: "U0PREVIEW" },
    };
    let png = photo::make(base, photo_rule, art.as_ref()).map_err(|err| {
        let photo = args
            .photo
            .as_ref()
            .map_or_else(String::new, |p| format!("{}: ", p.display()));
        UsageError::new(format!(
            "{photo}{err:#}; give --photo a PNG, JPEG or GIF of at most {} px a side",
            crate::picture::decode::MAX_SIDE
        ))
    })?;
    std::fs::write(&args.output, &png).map_err(|err| {
        UsageError::new(format!(
            "cannot write {}: {err}; check the directory exists and is writable",
            args.output.display()
        ))
    })?;
    crate::out::text(&format!(
        "photo: {} ({} px PNG, {} bytes)\n",
        args.output.display(),
        photo::SIZE,
        png.len()
    ));
    Ok(ExitCode::Success)
}
