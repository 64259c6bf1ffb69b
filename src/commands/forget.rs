//! `statusinator forget USER`: the member's usual profile back, then everything statusinator
//! keeps about them deleted (see [`crate::members::forget`]).

use std::sync::Arc;

use anyhow::Result;

use crate::cli::ForgetArgs;
use crate::exit::{ExitCode, UsageError};
use crate::members::forget::Finished;
use crate::presets::UserId;
use crate::settings::Settings;
use crate::shared::notices::Change;
use crate::state::wait::{self, Turn};
use crate::store::Store;

/// Stores the wish, finishes it (waiting for another writer of the member), prints what went.
pub fn run(settings: &Settings, args: &ForgetArgs) -> Result<ExitCode> {
    let user = UserId::parse(args.user.trim()).map_err(UsageError::new)?;
    let store: Arc<dyn Store> = settings.store.open()?.into();
    let slack = settings.slack()?;
    let tokens = Arc::new(settings.tokens(&store, Some(&slack))?);
    let context = crate::context::Context::new(store.clone(), slack, tokens);
    let forgetter = crate::state::Claimant::new("forget");
    let forgotten = if args.dry_run {
        crate::members::forget::plan(&context, &user)?
    } else {
        // The wish first: a failure half-way is finished by the next run, serve or poll.
        crate::members::forget::wish(store.as_ref(), &user, "admin", crate::clock::unix_now())?;
        let done = wait::for_member(&user, wait::WAIT_FOR_OTHERS, || {
            Ok(
                match crate::members::forget::finish(&context, &forgetter, &user)? {
                    Finished::Done(done) => Turn::Done(done),
                    Finished::Elsewhere => Turn::Elsewhere("another process".to_owned()),
                },
            )
        })?;
        let done = done.ok_or_else(|| {
            anyhow::anyhow!(
                "{user} is still being written by another process after {} s: the wish to \
                 forget them is stored, and serve's next reconcile, the next poll or running \
                 forget again finishes it",
                wait::WAIT_FOR_OTHERS.as_secs()
            )
        })?;
        // serve's replicas drop them from memory now, not at their next look at the store.
        let id = user.as_str().to_owned();
        context.notices.publish(Change::Left { user: id.clone() });
        context
            .notices
            .publish(Change::Presets { members: vec![id] });
        done
    };
    if args.json {
        let mut out = serde_json::to_value(&forgotten)?;
        out["ok"] = true.into();
        crate::out::line(&serde_json::to_string_pretty(&out)?);
    } else {
        crate::out::text(&forgotten.render());
    }
    Ok(ExitCode::Success)
}
