//! serve's settings, as the command line and the environment give them.

use std::net::SocketAddr;
use std::time::Duration;

use crate::secret::SecretString;

/// The service's settings.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// Checks requests to the Request URL; `None` (Socket Mode only): it refuses them all.
    pub signing_secret: Option<SecretString>,
    /// `POST /onboard` is on only with this.
    pub admin_token: Option<SecretString>,
    pub queue_capacity: usize,
    pub dead_letter_capacity: usize,
    pub workers: usize,
    /// How long a stop waits for queued work.
    pub drain_timeout: Duration,
    /// How often serve reads every member's status itself (a poll cycle); `None`: never.
    pub reconcile_every: Option<Duration>,
    /// How long a deactivated member's data is kept (`ZERO`: for good).
    pub forget_deleted_after: Duration,
    /// Connecting members through Slack's OAuth; `None`: off.
    pub oauth: Option<crate::oauth::OAuth>,
    /// Connections open at once, in all and from one address.
    pub max_connections: usize,
    pub max_connections_per_peer: usize,
    /// The TLS proxies in front, whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Socket Mode; `None`: Slack posts to the Request URL.
    pub socket: Option<SocketConfig>,
}

/// Socket Mode's settings.
#[derive(Debug, Clone)]
pub struct SocketConfig {
    /// The app-level token (`xapp-…`, `connections:write`).
    pub app_token: SecretString,
    /// Connections kept open (Slack allows 10).
    pub connections: usize,
}
