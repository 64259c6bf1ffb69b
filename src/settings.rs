//! Settings validated once, into typed values, before any work starts.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;

use crate::cli::GlobalArgs;
use crate::shared::{Link, RedisSettings, Shared};
use crate::slack::{RetryPolicy, SlackClient};
use crate::store::{Store, StoreUrl};
use crate::tokens::seal::{self, SealKey};
use crate::tokens::{Tokens, Vault};

/// The global settings, checked.
#[derive(Debug, Clone)]
pub struct Settings {
    pub store: StoreUrl,
    pub slack_api_url: String,
    pub tokens_file: Option<PathBuf>,
    /// `--redis-url`, with its password file read.
    pub redis: Option<RedisSettings>,
    /// `--replicas`.
    pub replicas: u32,
}

impl Settings {
    pub fn from_args(args: &GlobalArgs) -> Result<Self> {
        Ok(Settings {
            store: StoreUrl::parse(&args.store)?,
            slack_api_url: args.slack_api_url.clone(),
            tokens_file: args.tokens.clone(),
            redis: args
                .redis_url
                .as_deref()
                .filter(|url| !url.trim().is_empty())
                .map(|url| {
                    RedisSettings::parse_with(
                        url,
                        args.redis_password_file.as_deref(),
                        args.redis_ca_file.as_deref(),
                    )
                })
                .transpose()?,
            replicas: args.replicas,
        })
    }

    /// The Slack client for `--slack-api-url`: one per process, so every call (refreshes and
    /// messages among them) is paced and counted with the rest; with `--redis-url`, paced with
    /// every other process of the deployment too (the client holds the process's Redis link).
    pub fn slack(&self) -> Result<Arc<SlackClient>> {
        Ok(Arc::new(
            SlackClient::new(&self.slack_api_url, RetryPolicy::default())?
                .shared_through(self.shared()?),
        ))
    }

    /// The Redis link (when `--redis-url` is set) and `--replicas`.
    pub fn shared(&self) -> Result<Shared> {
        let link = match &self.redis {
            None => None,
            Some(redis) => Some(Arc::new(Link::new(
                redis,
                &crate::shared::store_identity(&self.store),
            )?)),
        };
        Ok(Shared {
            link,
            replicas: self.replicas,
        })
    }

    /// The tokens file, `SLACK_TOKEN` and `SLACK_BOT_TOKEN`, and the tokens members connected,
    /// sealed in `store` (opened with `STATUSINATOR_SECRET_KEY`). Rotating tokens are
    /// refreshed through `slack` (without it, they are used until they lapse).
    pub fn tokens(
        &self,
        store: &Arc<dyn Store>,
        slack: Option<&Arc<SlackClient>>,
    ) -> Result<Tokens> {
        let tokens = Tokens::load(
            self.tokens_file.as_deref(),
            std::env::var("SLACK_TOKEN").ok(),
            std::env::var("SLACK_BOT_TOKEN").ok(),
        )?;
        Ok(tokens.with_vault(Vault {
            store: store.clone(),
            key: secret_key()?,
            refresher: slack.and_then(|slack| self.refresher(slack)).map(Arc::new),
            instance: crate::state::instance_name("tokens"),
            install_url: std::env::var("STATUSINATOR_PUBLIC_URL")
                .ok()
                .map(|u| u.trim().trim_end_matches('/').to_owned())
                .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
                .map(|u| format!("{u}{}", crate::oauth::INSTALL_PATH)),
        }))
    }

    /// What refreshing rotating tokens needs, when the app's credentials are set.
    pub fn refresher(
        &self,
        slack: &Arc<SlackClient>,
    ) -> Option<crate::tokens::rotation::Refresher> {
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let (Some(id), Some(secret)) = (var("SLACK_CLIENT_ID"), var("SLACK_CLIENT_SECRET")) else {
            return None;
        };
        Some(crate::tokens::rotation::Refresher {
            client: crate::slack::ClientCredentials {
                id,
                secret: crate::secret::SecretString::new(secret),
            },
            slack: slack.clone(),
        })
    }
}

/// The key that seals stored tokens, from `STATUSINATOR_SECRET_KEY` (unset: `None`).
pub fn secret_key() -> Result<Option<SealKey>> {
    match std::env::var(seal::KEY_VAR) {
        Ok(text) if !text.trim().is_empty() => Ok(Some(SealKey::parse(&text)?)),
        _ => Ok(None),
    }
}

/// The log filter: `-v`/`-q` win over `RUST_LOG`, which wins over the default (info for
/// statusinator, warnings for the libraries beneath it).
pub fn log_filter(verbose: u8, quiet: u8, rust_log: Option<String>) -> String {
    let own = match (verbose, quiet) {
        (0, 0) => return rust_log.unwrap_or_else(|| "warn,s3=error,statusinator=info".to_owned()),
        (1, _) => "debug",
        (v, _) if v >= 2 => "trace",
        (_, 1) => "warn",
        _ => "error",
    };
    let libraries = if verbose >= 2 {
        "debug"
    } else {
        own.min("warn")
    };
    format!("{libraries},statusinator={own}")
}

#[cfg(test)]
mod tests {
    use super::log_filter;

    #[test]
    fn flags_beat_rust_log_which_beats_the_default() {
        assert_eq!(log_filter(0, 0, None), "warn,s3=error,statusinator=info");
        assert_eq!(log_filter(0, 0, Some("debug".into())), "debug");
        assert_eq!(
            log_filter(1, 0, Some("error".into())),
            "debug,statusinator=debug"
        );
        assert_eq!(log_filter(0, 2, None), "error,statusinator=error");
    }
}
