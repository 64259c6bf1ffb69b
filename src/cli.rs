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
    max_term_width = 100,
    after_help = TOP_AFTER
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// What every command's help says about exit codes.
const EXIT_CODES: &str = "Exit codes:
  0  success
  1  failure: some work failed (the rest was done), or the store or Slack could not be reached
  2  usage or configuration error: a flag, a setting or an input file to fix; nothing was done";

/// The AWS settings of an s3:// store.
const AWS_VARS: &str = "  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
                        S3 credentials (an s3:// store)
  AWS_REGION            the bucket's region [default: us-east-1]
  AWS_ENDPOINT_URL      a custom S3 endpoint (MinIO, Ceph, moto): path-style addressing";

const ONBOARD_AFTER: &str = const_format::concatcp!(
    "Environment (besides the flags' own variables):\n",
    AWS_VARS,
    "\n\n",
    EXIT_CODES
);

/// What a command that uses members' connected tokens reads.
const CONNECTED_VARS: &str =
    "  STATUSINATOR_SECRET_KEY   the key connected tokens are sealed with (to use them)
  SLACK_CLIENT_ID, SLACK_CLIENT_SECRET
                            the app's credentials: a connected token due is refreshed first
";

const APPLY_AFTER: &str = const_format::concatcp!(
    "Environment (besides the flags' own variables):
  SLACK_TOKEN               user token (xoxp-…) for members without an entry in the tokens file
",
    CONNECTED_VARS,
    AWS_VARS,
    "\n\n",
    EXIT_CODES
);

/// `forget` reads what `apply` reads: it writes the member's usual profile back the same way.
const FORGET_MEMBER_AFTER: &str = APPLY_AFTER;

const EXPORT_AFTER: &str = const_format::concatcp!(
    "The file is in users.json's own format: members' presets under \"users\", pictures named by
their key in the store (U…/<uuid>.png), and the workspace presets. onboard takes it back as it
is: pictures named by their key are read from the store (or from a file of that name beside it).

Examples:
  statusinator export -o presets-backup.json
  statusinator export | jq '.users.U024BE7LH'
  statusinator onboard presets-backup.json --replace

Environment (besides the flags' own variables):
",
    AWS_VARS,
    "\n\n",
    EXIT_CODES
);

const PREVIEW_AFTER: &str = const_format::concatcp!(
    "The rule comes from the workspace presets of users.json (or of --presets FILE): its name
template is shown filled with a sample name, and the photo is written as a 512 px PNG. A badge
with a workspace's custom emoji needs its bot token (SLACK_BOT_TOKEN, emoji:read).

Example:
  statusinator preview :palm_tree: --photo me.jpg -o vacation.png

Environment (besides the flags' own variables):
  SLACK_BOT_TOKEN           bot token (xoxb-…, emoji:read): custom emoji badges
",
    AWS_VARS,
    "\n\n",
    EXIT_CODES
);

const POLL_AFTER: &str = const_format::concatcp!(
    "Environment (besides the flags' own variables):
  SLACK_TOKEN               user token (xoxp-…) for members without an entry in the tokens file
  SLACK_BOT_TOKEN           bot token (xoxb-…, users:read): reads statuses with paged users.list
                            when that takes fewer calls (each installation's bot, when members
                            connected)
",
    CONNECTED_VARS,
    AWS_VARS,
    "\n\n",
    EXIT_CODES
);

const SERVE_AFTER: &str = const_format::concatcp!(
    "Environment (besides the flags' own variables):
  SLACK_SIGNING_SECRET      the Slack app's Signing Secret (required unless SLACK_APP_TOKEN)
  SLACK_APP_TOKEN           app-level token (xapp-…, connections:write): Slack's events,
                            clicks and commands come over Socket Mode, with no public URL
  STATUSINATOR_ADMIN_TOKEN  turns POST /onboard on; callers send it as a bearer token
  SLACK_TOKEN               user token (xoxp-…) for members without an entry in the tokens file
  SLACK_BOT_TOKEN           bot token (xoxb-…, users:read) for the reconciling reads
  SLACK_CLIENT_ID, SLACK_CLIENT_SECRET
                            the app's credentials: members connect at /slack/install
  STATUSINATOR_PUBLIC_URL   serve's https:// address as browsers reach it (with OAuth)
  STATUSINATOR_SECRET_KEY   32 random bytes, base64: seals stored tokens (with OAuth)
",
    AWS_VARS,
    "\n\n",
    EXIT_CODES,
    "\n\nSIGINT/SIGTERM stop accepting, finish the queued work (--drain-timeout) and exit 0."
);

const TOKENS_AFTER: &str = const_format::concatcp!(
    "Environment (besides the flags' own variables):
  STATUSINATOR_SECRET_KEY   the key connected tokens are sealed with (to check they open)
  SLACK_TOKEN               user token (xoxp-…) for members without one of their own
  SLACK_BOT_TOKEN           bot token (xoxb-…) for workspaces without an installation
",
    AWS_VARS,
    "\n\n",
    EXIT_CODES
);

const DOCTOR_AFTER: &str = const_format::concatcp!(
    "Environment (besides the flags' own variables): every variable serve reads:
  SLACK_SIGNING_SECRET, SLACK_APP_TOKEN, STATUSINATOR_ADMIN_TOKEN
  SLACK_TOKEN, SLACK_BOT_TOKEN
  SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, STATUSINATOR_PUBLIC_URL, STATUSINATOR_SECRET_KEY
  HTTPS_PROXY, NO_PROXY     a proxy for the calls to Slack
",
    AWS_VARS,
    "

It checks the setup the settings aim at, even half-filled (with none set, it names the three).
What comes true only once serve runs or members connect is pending (…), not a fault. Members who
share a finding are one line; -v lists every one.

Exit codes:
  0  every check passed (pending ones included)
  1  something could not be reached (the store, Slack): try again
  2  something to fix: each ✘ line says what"
);

const FORGET_AFTER: &str = const_format::concatcp!(
    "Environment (besides the flags' own variables):\n",
    AWS_VARS,
    "\n\n",
    EXIT_CODES
);

const NEW_KEY_AFTER: &str = const_format::concatcp!("Environment: none read.\n\n", EXIT_CODES);

const COMPLETIONS_AFTER: &str = const_format::concatcp!("Environment: none read.\n\n", EXIT_CODES);

const TOP_AFTER: &str = const_format::concatcp!(
    "Each command's --help lists the environment variables it reads.\n\n",
    EXIT_CODES
);

/// Settings every command shares.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
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

    /// Redis every process of this deployment shares Slack's budget and change notices
    /// through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)
    #[arg(
        long,
        global = true,
        env = "STATUSINATOR_REDIS_URL",
        value_name = "URL"
    )]
    pub redis_url: Option<String>,

    /// File holding the Redis password on one line (instead of one in --redis-url)
    #[arg(
        long,
        global = true,
        env = "STATUSINATOR_REDIS_PASSWORD_FILE",
        value_name = "FILE",
        requires = "redis_url"
    )]
    pub redis_password_file: Option<PathBuf>,

    /// PEM file of the CA that signed a rediss:// server's certificate (when not a public CA)
    #[arg(
        long,
        global = true,
        env = "STATUSINATOR_REDIS_CA_FILE",
        value_name = "FILE",
        requires = "redis_url"
    )]
    pub redis_ca_file: Option<PathBuf>,

    /// Processes that call Slack for this store at once (serve replicas, plus poll or apply
    /// beside them): while Redis is down each paces alone at 1/N of each limit
    #[arg(
        long,
        global = true,
        env = "STATUSINATOR_REPLICAS",
        default_value_t = 2,
        value_name = "N",
        value_parser = clap::value_parser!(u32).range(1..=1000)
    )]
    pub replicas: u32,

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
    #[command(after_help = ONBOARD_AFTER)]
    Onboard(OnboardArgs),

    /// Apply a member's preset for an emoji now (the manual override)
    #[command(after_help = APPLY_AFTER)]
    Apply(ApplyArgs),

    /// Make every onboarded member's name and photo match their status: one cycle (for cron), or
    /// every DURATION
    #[command(after_help = POLL_AFTER)]
    Poll(PollArgs),

    /// Receive Slack's user events and apply each member's preset within seconds (needs
    /// SLACK_SIGNING_SECRET, or SLACK_APP_TOKEN for Socket Mode)
    #[command(after_help = SERVE_AFTER)]
    Serve(ServeArgs),

    /// Forget a member: their usual name and photo back, then their presets, pictures, usual
    /// profile, state and connected tokens (revoked with Slack) deleted from the store
    #[command(after_help = FORGET_MEMBER_AFTER)]
    Forget(ForgetArgs),

    /// Render the photo a workspace preset makes, from a photo of your choosing (or a plain
    /// avatar), without Slack
    #[command(after_help = PREVIEW_AFTER)]
    Preview(PreviewArgs),

    /// Who is connected: each member with a token, where it comes from, its workspace, scopes,
    /// expiry and state (never the token); forget a member's token; make a key
    #[command(after_help = TOKENS_AFTER)]
    Tokens(TokensArgs),

    /// Check a setup before anyone relies on it: settings, store, tokens file, each token live
    /// with the scopes it needs, the app-level token, the public URL; prints what to fix
    #[command(after_help = DOCTOR_AFTER)]
    Doctor(DoctorArgs),

    /// Write every member's presets and the workspace presets in the store as one users.json,
    /// to see, diff, back up or onboard again
    #[command(after_help = EXPORT_AFTER)]
    Export(ExportArgs),

    /// Print a shell completion script
    #[command(after_help = COMPLETIONS_AFTER)]
    Completions {
        /// The shell to complete for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },

    /// Print the manual page (roff) of statusinator, or of one of its commands (read it with
    /// `statusinator man | man -l -`)
    #[command(after_help = COMPLETIONS_AFTER)]
    Man {
        /// The command (onboard, apply, forget, preview, poll, serve, tokens, doctor,
        /// completions, man); none for the whole
        #[arg(value_name = "COMMAND")]
        command: Option<String>,
    },
}

/// Slack's OAuth authorize page, for the commands that read the connecting settings.
#[derive(Debug, Args)]
pub struct OAuthUrlArg {
    /// Slack's OAuth authorize page (a test stand-in or a proxy goes here)
    #[arg(
        long,
        env = "SLACK_OAUTH_URL",
        value_name = "URL",
        default_value = "https://slack.com/oauth/v2/authorize"
    )]
    pub slack_oauth_url: String,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Print the checklist as JSON on stdout
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub oauth_url: OAuthUrlArg,
}

#[derive(Debug, Args)]
pub struct TokensArgs {
    #[command(subcommand)]
    pub action: Option<TokensAction>,

    /// Print the list as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum TokensAction {
    /// Remove a member's connected tokens (in every workspace) from the store; their presets
    /// stay, and they connect again to come back
    #[command(after_help = FORGET_AFTER)]
    Forget {
        /// The member ID (U… or W…)
        #[arg(value_name = "USER")]
        user: String,
    },
    /// Print a fresh key for STATUSINATOR_SECRET_KEY (32 random bytes, base64)
    #[command(after_help = NEW_KEY_AFTER)]
    NewKey,
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

    /// The emoji whose preset to apply (:palm_tree:, palm_tree), default, or usual (the
    /// member's usual name and photo back)
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
pub struct ExportArgs {
    /// Write it to FILE (replaced whole, never half-written) instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PreviewArgs {
    /// The emoji whose workspace preset to render (:palm_tree:, palm_tree)
    #[arg(value_name = "EMOJI")]
    pub emoji: String,

    /// The photo to make it from (PNG, JPEG or GIF); without it, a plain avatar as for a
    /// member with no photo of their own
    #[arg(long, value_name = "FILE")]
    pub photo: Option<PathBuf>,

    /// Where to write the PNG
    #[arg(short, long, value_name = "OUT.png")]
    pub output: PathBuf,

    /// Read the rule from this presets file (before onboarding it) instead of users.json
    #[arg(long, value_name = "FILE")]
    pub presets: Option<PathBuf>,

    /// The workspace (T…) whose own section to use, when users.json has one per workspace
    #[arg(long, value_name = "TEAM")]
    pub workspace: Option<String>,
}

#[derive(Debug, Args)]
pub struct ForgetArgs {
    /// The member ID (U… or W…)
    #[arg(value_name = "USER")]
    pub user: String,

    /// Print what would be deleted; change nothing
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

    /// Forget a member deactivated in Slack this long after Slack first said so; 0 keeps
    /// their data
    #[arg(long, env = "STATUSINATOR_FORGET_DELETED_AFTER", value_name = "DURATION",
          default_value = "30days", value_parser = parse_every_or_never)]
    pub forget_deleted_after: std::time::Duration,
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

    /// Read every member's status this often (a poll cycle inside serve, first run 10 s after
    /// start), so serve alone converges after a crash, a shed burst or an expired status; 0 turns
    /// it off
    #[arg(long, env = "STATUSINATOR_RECONCILE_EVERY", value_name = "DURATION",
          default_value = "15m", value_parser = parse_every_or_never)]
    pub reconcile_every: std::time::Duration,

    /// Forget a member deactivated in Slack this long after Slack first said so; 0 keeps
    /// their data
    #[arg(long, env = "STATUSINATOR_FORGET_DELETED_AFTER", value_name = "DURATION",
          default_value = "30days", value_parser = parse_every_or_never)]
    pub forget_deleted_after: std::time::Duration,

    #[command(flatten)]
    pub oauth_url: OAuthUrlArg,

    /// HTTP connections open at once; past it, the oldest idle one is closed to make room
    #[arg(long, env = "STATUSINATOR_MAX_CONNECTIONS", value_name = "N", default_value_t = 4096,
          value_parser = clap::value_parser!(u32).range(16..=1_000_000))]
    pub max_connections: u32,

    /// HTTP connections one address may hold; past it, that address's oldest idle one is
    /// closed (behind a proxy every connection comes from the proxy: raise it to match)
    #[arg(long, env = "STATUSINATOR_MAX_CONNECTIONS_PER_PEER", value_name = "N",
          default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections_per_peer: u32,

    /// The TLS proxies in front of serve (addresses or CIDR blocks, comma-separated): a
    /// request from one is taken as from the client its X-Forwarded-For names
    #[arg(long = "trusted-proxy", env = "STATUSINATOR_TRUSTED_PROXIES", value_name = "CIDR",
          value_delimiter = ',', value_parser = parse_proxy)]
    pub trusted_proxies: Vec<ipnet::IpNet>,

    /// Socket Mode connections kept open (with SLACK_APP_TOKEN; Slack allows 10 an app)
    #[arg(long, env = "STATUSINATOR_SOCKET_CONNECTIONS", value_name = "N", default_value_t = 2,
          value_parser = clap::value_parser!(u8).range(1..=10))]
    pub socket_connections: u8,
}

fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(text).map_err(|e| format!("{e}: give a duration like 8s or 1m"))
}

/// A proxy's address, or a block of them (`10.0.0.0/8`, `::1`).
fn parse_proxy(text: &str) -> Result<ipnet::IpNet, String> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| {
            format!("{text:?} is not an address or a CIDR block (such as 127.0.0.1 or 10.0.0.0/8)")
        })
}

/// A period, or `0` for never (zero).
fn parse_every_or_never(text: &str) -> Result<std::time::Duration, String> {
    if text.trim() == "0" {
        return Ok(std::time::Duration::ZERO);
    }
    parse_every(text)
}

fn parse_every(text: &str) -> Result<std::time::Duration, String> {
    let duration = parse_duration(text)?;
    if duration < std::time::Duration::from_secs(1) {
        return Err("poll at most once a second: give 1s or more".to_owned());
    }
    Ok(duration)
}

/// The clap command, for parsing, completions and tests. The global options mean nothing to
/// `completions`, so they are hidden there.
pub fn command() -> clap::Command {
    let command = <Cli as clap::CommandFactory>::command();
    let globals: Vec<clap::Arg> = command
        .get_arguments()
        .filter(|arg| arg.is_global_set())
        .map(|arg| arg.clone().global(false).hide(true))
        .collect();
    // Neither completions nor man reads a global setting.
    command
        .mut_subcommand("completions", |sub| sub.args(globals.clone()))
        .mut_subcommand("man", |sub| sub.args(globals))
}

/// The manual page of statusinator (`None`) or of one of its commands, as roff.
pub fn man_page(name: Option<&str>) -> Result<Vec<u8>, String> {
    let top = command();
    let page = match name {
        None => top,
        Some(name) => {
            let find = |parent: &clap::Command, name: &str| {
                parent
                    .get_subcommands()
                    .find(|c| c.get_name() == name && !c.is_hide_set())
                    .cloned()
            };
            // `tokens-forget` is the page of `tokens forget`.
            let sub = find(&top, name)
                .or_else(|| {
                    let (parent, child) = name.split_once('-')?;
                    find(&find(&top, parent)?, child)
                })
                .ok_or_else(|| format!("statusinator has no command {name:?}"))?;
            sub.display_name(format!("statusinator-{name}"))
                .bin_name(format!("statusinator {}", name.replacen('-', " ", 1)))
        }
    };
    // `help` is a way to ask, not a command with a page of its own.
    let page = page.disable_help_subcommand(true);
    let mut out = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut out)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

/// The commands that have a manual page of their own.
pub const MAN_COMMANDS: [&str; 12] = [
    "onboard",
    "apply",
    "forget",
    "preview",
    "poll",
    "serve",
    "tokens",
    "tokens-forget",
    "tokens-new-key",
    "doctor",
    "completions",
    "man",
];

/// Parses the process's arguments (exiting with clap's message and code 2 on a mistake).
pub fn parse() -> Cli {
    use clap::FromArgMatches;
    Cli::from_arg_matches_mut(&mut command().get_matches()).unwrap_or_else(|err| err.exit())
}
