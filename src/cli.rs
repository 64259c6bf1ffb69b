//! The command line, as clap sees it. Settings follow one rule: a flag, else its environment
//! variable, else the default. Validation into typed settings happens in [`crate::settings`].

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand};

use crate::store::DEFAULT_STORE;

/// Switches a Slack member's display name and photo to a preset when they pick a status emoji,
/// and back when they clear it.
#[derive(Debug, Parser)]
#[command(
    name = "statusinator",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Settings every command shares.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Where presets, pictures and applied state live: a directory (or file://…) or
    /// s3://bucket[/prefix]
    #[arg(long, global = true, env = "STATUSINATOR_STORE", default_value = DEFAULT_STORE,
          value_name = "URL")]
    pub store: String,

    /// Slack Web API base URL (a test stand-in or a proxy goes here)
    #[arg(
        long,
        global = true,
        env = "SLACK_API_URL",
        default_value = "https://slack.com/api/",
        value_name = "URL"
    )]
    pub slack_api_url: String,

    /// JSON file of each member's own user token: {"U123": "xoxp-…"}; must not be readable by
    /// group or others
    #[arg(long, global = true, env = "STATUSINATOR_TOKENS", value_name = "FILE")]
    pub tokens: Option<PathBuf>,

    /// More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,

    /// Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG
    #[arg(short, long, global = true, action = ArgAction::Count, conflicts_with = "verbose")]
    pub quiet: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a presets file, store its pictures once and merge its presets into users.json
    Onboard(OnboardArgs),

    /// Apply a member's preset for an emoji now (the manual override)
    Apply(ApplyArgs),

    /// Make every onboarded member's name and photo match their status: one cycle (for cron), or
    /// every DURATION
    Poll(PollArgs),

    /// Receive Slack's user events and apply each member's preset within seconds (needs
    /// SLACK_SIGNING_SECRET)
    Serve(ServeArgs),

    /// Print a shell completion script
    Completions {
        /// The shell to complete for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct OnboardArgs {
    /// The presets file: {"U…": {":emoji:": {"name": "…", "picture": "path or https:// URL"}}}
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// A member's presets replace all of theirs, instead of merging emoji by emoji
    #[arg(long)]
    pub replace: bool,

    /// Check everything and print the plan; write nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Print the result as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The member ID (U… or W…)
    #[arg(value_name = "USER")]
    pub user: String,

    /// The emoji whose preset to apply (:palm_tree:, palm_tree) or default
    #[arg(value_name = "EMOJI")]
    pub emoji: String,

    /// Print what would be written; call nothing that writes
    #[arg(long)]
    pub dry_run: bool,

    /// Print the result as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PollArgs {
    /// Run a cycle every DURATION (60s, 5m, 1h) until SIGINT/SIGTERM, instead of once
    #[arg(long, value_name = "DURATION", value_parser = parse_every)]
    pub every: Option<std::time::Duration>,

    /// Members read and applied at once (Slack's tiers still pace the calls)
    #[arg(long, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(1..=32))]
    pub concurrency: u16,

    /// Read statuses and print what would change; write nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Print each cycle's result as JSON on stdout (one object a line with --every)
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on
    #[arg(
        long,
        env = "STATUSINATOR_LISTEN",
        default_value = "127.0.0.1:3000",
        value_name = "ADDR"
    )]
    pub listen: std::net::SocketAddr,

    /// Requests that may wait for a worker; beyond it Slack gets 503 and retries
    #[arg(long, env = "STATUSINATOR_QUEUE_CAPACITY", value_name = "N", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub queue_capacity: u32,

    /// Retried requests kept while the queue is full
    #[arg(long, env = "STATUSINATOR_DEAD_LETTER_CAPACITY", value_name = "N",
          default_value_t = 10, value_parser = clap::value_parser!(u32).range(0..=100_000))]
    pub dead_letter_capacity: u32,

    /// Workers applying queued requests (Slack's tiers still pace the calls)
    #[arg(long, env = "STATUSINATOR_WORKERS", value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(1..=32))]
    pub workers: u16,

    /// On SIGINT/SIGTERM, how long to keep working the queue before exiting
    #[arg(long, value_name = "DURATION", default_value = "8s", value_parser = parse_duration)]
    pub drain_timeout: std::time::Duration,
}

fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(text).map_err(|e| format!("{e}: give a duration like 8s or 1m"))
}

fn parse_every(text: &str) -> Result<std::time::Duration, String> {
    let duration = parse_duration(text)?;
    if duration < std::time::Duration::from_secs(1) {
        return Err("poll at most once a second: give 1s or more".to_owned());
    }
    Ok(duration)
}

/// The clap command, for completions and tests.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}
