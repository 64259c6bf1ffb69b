//! `statusinator tokens`: who is connected (never a token), a member's connected tokens
//! forgotten, or a fresh sealing key.

use std::sync::Arc;

use anyhow::Result;

use crate::cli::{TokensAction, TokensArgs};
use crate::exit::{ExitCode, UsageError};
use crate::presets::UserId;
use crate::settings::Settings;
use crate::store::Store;

/// Lists, forgets or makes a key, as the arguments say.
pub fn run(settings: &Settings, args: &TokensArgs) -> Result<ExitCode> {
    if let Some(TokensAction::NewKey) = args.action {
        crate::out::line(&crate::tokens::seal::SealKey::generate());
        return Ok(ExitCode::Success);
    }
    let store: Arc<dyn Store> = settings.store.open()?.into();
    let tokens = settings.tokens(&store, Some(&settings.slack()?))?;
    if let Some(TokensAction::Forget { user }) = &args.action {
        let user = UserId::parse(user.trim()).map_err(UsageError::new)?;
        let forgotten = crate::tokens::stored::forget_all_of(store.as_ref(), &user)?;
        if forgotten > 0 {
            crate::out::line(&format!(
                "forgot the connected token{} of {user}; their presets stay",
                if forgotten == 1 { "" } else { "s" }
            ));
            return Ok(ExitCode::Success);
        }
        return Err(UsageError::new(format!(
            "{user} has no connected token in {}: nothing to forget (a tokens-file entry is \
             removed from the file itself)",
            store.location(crate::tokens::stored::TOKENS_PREFIX)
        ))
        .into());
    }
    let report = crate::tokens::listing::report(&tokens)?;
    if args.json {
        crate::out::line(&(serde_json::to_string_pretty(&report)?));
    } else {
        crate::out::text(&report.render());
    }
    Ok(ExitCode::Success)
}
