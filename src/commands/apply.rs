//! `statusinator apply USER EMOJI`: a member's preset applied now with their own token (the
//! manual override), claimed like serve's and poll's writes.

use std::sync::Arc;

use anyhow::Result;

use crate::apply::{self, Engine, MemberFacts, Target, Write};
use crate::cli::ApplyArgs;
use crate::exit::{ExitCode, UsageError};
use crate::presets::{EmojiKey, UserId};
use crate::settings::Settings;
use crate::state::wait::{self, Turn};
use crate::store::{self, Store};

/// Plans the writes, applies them (or prints them with `--dry-run`) and says what was done.
pub fn run(settings: &Settings, args: &ApplyArgs) -> Result<ExitCode> {
    let user = UserId::parse(args.user.trim()).map_err(UsageError::new)?;
    let target = if args.emoji.trim() == crate::presets::USUAL_KEY {
        Target::Usual
    } else {
        Target::Emoji(EmojiKey::parse(&args.emoji).map_err(UsageError::new)?)
    };
    let store: Arc<dyn Store> = settings.store.open()?.into();
    let users = store::require_users(store.as_ref())?;
    let state = crate::state::load_state(store.as_ref(), &user)?;
    let slack = settings.slack()?;
    let tokens = Arc::new(settings.tokens(&store, Some(&slack))?);
    // Workspace presets are every connected member's.
    let connection = if users.sections.is_empty() {
        None
    } else {
        crate::workspace::connection_of(&tokens, &user)?
            .map(|team| -> Result<_> {
                Ok(crate::workspace::Place {
                    team,
                    org: crate::workspace::org_of(store.as_ref(), &user)?,
                })
            })
            .transpose()?
    };
    let own = users.users.get(&user).map(std::borrow::Cow::Borrowed);
    let connection = connection.as_ref();
    let Ok(member) = MemberFacts::gather(own, &users.sections, connection, state) else {
        return Err(UsageError::new(format!(
            "{user} is not onboarded in {}: add their presets to a presets file and run \
             statusinator onboard FILE{}",
            store.location(store::USERS_KEY),
            if users.sections.is_empty() {
                ""
            } else {
                ", or have them connect (serve's /slack/install) to get the workspace presets"
            }
        ))
        .into());
    };
    // A workspace preset's name is made from the usual name: what Slack shows, until
    // statusinator keeps it.
    let shown = match (member.workspace, &member.usual, tokens.for_user(&user)) {
        (Some(_), None, Ok(token)) => Some(slack.profile_get(&token, user.as_str())?),
        _ => None,
    };
    let plan = member
        .plan(
            &user,
            &target,
            shown.as_ref(),
            true,
            crate::clock::unix_now(),
        )?
        .expect("a named emoji or the usual profile resolves to writes or fails");
    // A member whose connection stopped working is told how to connect again.
    let remind = |err: &anyhow::Error| {
        if let Some(disconnected) = crate::exit::find::<crate::tokens::Disconnected>(err) {
            tokens.remind(disconnected);
        }
    };
    // A dry run sends nothing, so it needs no token; it says which one a real run would use.
    let token = match tokens.for_user(&user) {
        Ok(token) => Some(token.source.to_string()),
        Err(_) if args.dry_run => None,
        Err(err) => {
            remind(&err);
            return Err(err);
        }
    };
    let outcome = if args.dry_run {
        apply::Outcome {
            plan,
            dry_run: true,
            locked: Vec::new(),
        }
    } else {
        // A store of an earlier layout: this member's object is made from their old
        // record when it is first written (serve and poll migrate everyone).
        // Claimed like serve's and poll's writes, so a serve running beside it takes the
        // echo of these writes for what it is, and nobody writes the member twice.
        let context = crate::context::Context::new(store.clone(), slack, tokens.clone());
        let engine = Engine::new(&context).claiming_as(crate::state::Claimant::new("apply"));
        apply_claimed(&engine, plan).inspect_err(remind)?
    };
    if args.json {
        let mut out = serde_json::to_value(&outcome)?;
        out["ok"] = true.into();
        out["token"] = token.into();
        crate::out::line(&(serde_json::to_string_pretty(&out)?));
    } else {
        let plan = &outcome.plan;
        let with = match &token {
            Some(source) => format!("with {source}"),
            None => format!("no token for {user} yet: a real run needs one"),
        };
        crate::out::line(&format!(
            "{} {} → preset {} ({with})",
            plan.user, plan.emoji, plan.preset
        ));
        let verb = if outcome.dry_run { "would set" } else { "set" };
        for write in &plan.writes {
            match write {
                Write::Name { display_name } => crate::out::line(&format!(
                    "  {verb} display name {display_name:?} (users.profile.set)"
                )),
                Write::Photo { picture } => {
                    crate::out::line(&format!("  {verb} photo {picture} (users.setPhoto)"))
                }
                Write::DeletePhoto => {
                    let verb = if outcome.dry_run {
                        "would remove"
                    } else {
                        "removed"
                    };
                    crate::out::line(&format!(
                        "  {verb} the photo: Slack's default avatar (users.deletePhoto)"
                    ))
                }
            }
        }
        if outcome.dry_run {
            crate::out::line("dry run: nothing was sent to Slack or written");
        }
    }
    Ok(ExitCode::Success)
}

/// Applies `plan` under a claim on the member, waiting while another process (serve, poll,
/// another apply) writes them; then only what is still missing is written.
fn apply_claimed(engine: &Engine, plan: apply::Plan) -> Result<apply::Outcome> {
    let done = wait::for_member(&plan.user, wait::WAIT_FOR_OTHERS, || {
        Ok(
            match engine.execute_claimed(&plan, crate::clock::unix_now())? {
                apply::Run::Done(done) => Turn::Done(apply::Outcome {
                    plan: done.plan,
                    dry_run: false,
                    locked: done.locked,
                }),
                apply::Run::Elsewhere(other) => Turn::Elsewhere(format!(
                    "{} (applying {})",
                    other.by,
                    apply::display_emoji(&other.emoji)
                )),
            },
        )
    })?;
    done.ok_or_else(|| {
        anyhow::anyhow!(
            "{} is being written by another process for over {} s; try again later",
            plan.user,
            wait::WAIT_FOR_OTHERS.as_secs()
        )
    })
}
