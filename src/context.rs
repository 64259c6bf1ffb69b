//! The handles a command's parts work with, built once from the settings and lent to each part
//! that needs them: the store, the one Slack client, the tokens and the maker of workspace
//! presets' photos, and the notices of changes to the deployment's other processes. The engine
//! writes with them; nothing reaches them through the engine.

use std::sync::Arc;

use crate::shared::notices::Notices;
use crate::slack::SlackClient;
use crate::store::Store;
use crate::tokens::Tokens;
use crate::workspace::made::Maker;

/// The shared handles, cheap to clone (every field is an `Arc`).
#[derive(Clone)]
pub struct Context {
    pub store: Arc<dyn Store>,
    pub slack: Arc<SlackClient>,
    pub tokens: Arc<Tokens>,
    /// Makes workspace presets' photos; shared so its caches serve every part.
    pub maker: Arc<Maker>,
    /// Tells the deployment's other processes what this one changed (through the Slack
    /// client's Redis link; nowhere without one).
    pub notices: Notices,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Context")
    }
}

impl Context {
    pub fn new(store: Arc<dyn Store>, slack: Arc<SlackClient>, tokens: Arc<Tokens>) -> Context {
        let maker = Arc::new(Maker::new(store.clone(), slack.clone()));
        let notices = Notices::new(
            slack.link().cloned(),
            &crate::state::instance_name("notices"),
        );
        Context {
            store,
            slack,
            tokens,
            maker,
            notices,
        }
    }
}
