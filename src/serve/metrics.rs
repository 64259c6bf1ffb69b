//! `/metrics`: what the service did, in Prometheus' text format. Counters are made once at
//! start, so counting an event on the ack path is one atomic add. Every thread counts; nothing
//! here is locked but by the library, and `/metrics` reads the levels from the parts.

use std::sync::Arc;
use std::time::Duration;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::slack::SlackStats;

/// What became of a request to the Events URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventOutcome {
    /// Queued for a worker.
    Queued,
    /// Replaced the same member's waiting request.
    Replaced,
    /// Queue full, a retry: kept in the dead-letter queue.
    DeadLettered,
    /// Queue full: 503.
    RejectedFull,
    /// Both queues full: 503 with `X-Slack-No-Retry`.
    RejectedNoRetry,
    /// An `event_id` already handled.
    Duplicate,
    /// The status is the one already applied (or being applied): the loop guard.
    Unchanged,
    /// The member is not onboarded.
    NotOnboarded,
    /// Another event type, a bot, a deactivated member.
    Ignored,
    /// Slack checking the Request URL.
    UrlVerification,
    /// Signature or timestamp refused: 401.
    BadSignature,
    /// Signed, but not an envelope: 400.
    Malformed,
    /// Over 1 MiB: 413.
    TooLarge,
    /// `tokens_revoked` or `app_uninstalled`: tokens forgotten.
    Lifecycle,
    /// A slash command, answered.
    Command,
    /// The Home tab opened, or a button on it clicked: its view is published.
    Home,
    /// A preset modal submitted: saved after the ack, or answered with what to fix.
    Preset,
}

impl EventOutcome {
    /// Every outcome, in declaration order (a counter's index is its discriminant).
    pub const ALL: [EventOutcome; 17] = [
        EventOutcome::Queued,
        EventOutcome::Replaced,
        EventOutcome::DeadLettered,
        EventOutcome::RejectedFull,
        EventOutcome::RejectedNoRetry,
        EventOutcome::Duplicate,
        EventOutcome::Unchanged,
        EventOutcome::NotOnboarded,
        EventOutcome::Ignored,
        EventOutcome::UrlVerification,
        EventOutcome::BadSignature,
        EventOutcome::Malformed,
        EventOutcome::TooLarge,
        EventOutcome::Lifecycle,
        EventOutcome::Command,
        EventOutcome::Home,
        EventOutcome::Preset,
    ];

    pub fn label(self) -> &'static str {
        match self {
            EventOutcome::Queued => "queued",
            EventOutcome::Replaced => "replaced",
            EventOutcome::DeadLettered => "dead_lettered",
            EventOutcome::RejectedFull => "rejected_full",
            EventOutcome::RejectedNoRetry => "rejected_no_retry",
            EventOutcome::Duplicate => "duplicate",
            EventOutcome::Unchanged => "unchanged",
            EventOutcome::NotOnboarded => "not_onboarded",
            EventOutcome::Ignored => "ignored",
            EventOutcome::UrlVerification => "url_verification",
            EventOutcome::BadSignature => "bad_signature",
            EventOutcome::Malformed => "malformed",
            EventOutcome::TooLarge => "too_large",
            EventOutcome::Lifecycle => "lifecycle",
            EventOutcome::Command => "command",
            EventOutcome::Home => "home",
            EventOutcome::Preset => "preset",
        }
    }
}

/// What a worker did with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplyOutcome {
    /// The name and/or photo was written.
    Applied,
    /// Everything already matched.
    Unchanged,
    /// No preset for the status and no `default`.
    NoPreset,
    /// No longer onboarded when the worker got to it.
    NotOnboarded,
    /// Another replica was writing the member; looked at again shortly.
    Elsewhere,
    /// Slack or the store failed; logged with what to do.
    Failed,
    /// The member paused statusinator: only their usual profile is kept in effect.
    Paused,
}

impl ApplyOutcome {
    /// Every outcome, in declaration order (a counter's index is its discriminant).
    pub const ALL: [ApplyOutcome; 7] = [
        ApplyOutcome::Applied,
        ApplyOutcome::Unchanged,
        ApplyOutcome::NoPreset,
        ApplyOutcome::NotOnboarded,
        ApplyOutcome::Elsewhere,
        ApplyOutcome::Failed,
        ApplyOutcome::Paused,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ApplyOutcome::Applied => "applied",
            ApplyOutcome::Unchanged => "unchanged",
            ApplyOutcome::NoPreset => "no_preset",
            ApplyOutcome::NotOnboarded => "not_onboarded",
            ApplyOutcome::Elsewhere => "elsewhere",
            ApplyOutcome::Failed => "failed",
            ApplyOutcome::Paused => "paused",
        }
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EnvelopeLabel {
    r#type: &'static str,
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FieldLabel {
    field: &'static str,
}

/// The service's levels at the moment of a scrape.
#[derive(Debug, Clone, Copy, Default)]
pub struct Levels {
    pub queue: usize,
    pub dead_letter: usize,
    /// Members whose latest status waits for room in the queue.
    pub wanted: usize,
    /// Members onboarded (in memory).
    pub members: usize,
    /// `users.json` has vanished from the store.
    pub presets_vanished: bool,
    pub connections: Counts,
    /// Socket Mode connections open.
    pub sockets: usize,
}

/// The HTTP connections' counts, for `/healthz` and `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub open: usize,
    pub shed: u64,
    pub refused: u64,
}

/// Every metric of the service.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    events: Vec<Counter>,
    applies: Vec<Counter>,
    ack: Histogram,
    queue_depth: Gauge,
    dead_letter_depth: Gauge,
    wanted: Gauge,
    members: Gauge,
    presets_vanished: Gauge,
    connections: Gauge,
    connections_shed: Gauge,
    connections_refused: Gauge,
    sockets: Gauge,
    socket_reconnects: Family<ReasonLabel, Counter>,
    envelopes: Family<EnvelopeLabel, Counter>,
    locked: Family<FieldLabel, Counter>,
}

impl Metrics {
    /// The metrics, with the Slack client's counts and (with `--redis-url`) the Redis link's
    /// health read at each scrape.
    pub fn new(slack: Arc<SlackStats>, redis: Option<Arc<crate::shared::Link>>) -> Metrics {
        let mut registry = Registry::with_prefix("statusinator");
        let events = Family::<OutcomeLabel, Counter>::default();
        registry.register(
            "events",
            "Requests to the Events URL, by what became of them",
            events.clone(),
        );
        let applies = Family::<OutcomeLabel, Counter>::default();
        registry.register(
            "applies",
            "Queued requests worked, by outcome",
            applies.clone(),
        );
        // 25 µs to ~1.6 s.
        let ack = Histogram::new(exponential_buckets(0.000_025, 2.0, 17));
        registry.register(
            "ack_seconds",
            "Time from a request to the Events URL to its answer",
            ack.clone(),
        );
        let queue_depth = Gauge::default();
        registry.register(
            "queue_depth",
            "Requests waiting for a worker",
            queue_depth.clone(),
        );
        let dead_letter_depth = Gauge::default();
        registry.register(
            "dead_letter_depth",
            "Retried requests waiting in the dead-letter queue",
            dead_letter_depth.clone(),
        );
        let wanted = Gauge::default();
        registry.register(
            "wanted_depth",
            "Members whose latest status was answered 503 or shed and waits for room in the queue",
            wanted.clone(),
        );
        let members = Gauge::default();
        registry.register("members", "Members onboarded, in memory", members.clone());
        let presets_vanished = Gauge::default();
        registry.register(
            "presets_vanished",
            "1 while users.json, once read, is missing from the store (the presets in memory \
             are kept)",
            presets_vanished.clone(),
        );
        let connections = Gauge::default();
        registry.register("connections", "HTTP connections open", connections.clone());
        // Counted by the connection registry; shown as gauges of its running totals.
        let connections_shed = Gauge::default();
        registry.register(
            "connections_shed",
            "Idle connections closed to make room since start (a peer over its cap, the total \
             cap, or idle under pressure)",
            connections_shed.clone(),
        );
        let connections_refused = Gauge::default();
        registry.register(
            "connections_refused",
            "Connections closed at once since start because every slot was busy answering",
            connections_refused.clone(),
        );
        let sockets = Gauge::default();
        registry.register(
            "socket_connections",
            "Socket Mode connections open (0 without SLACK_APP_TOKEN)",
            sockets.clone(),
        );
        let socket_reconnects = Family::<ReasonLabel, Counter>::default();
        registry.register(
            "socket_reconnects",
            "Socket Mode connections made again, by why: refresh_requested, warning, lost, \
             silent, link_disabled, too_many_websockets, refused (the app token)",
            socket_reconnects.clone(),
        );
        let locked = Family::<FieldLabel, Counter>::default();
        registry.register(
            "locked_fields",
            "Writes Slack refused because the member's organization locks the field (name, \
             photo): the field is left alone for a day, the rest still written",
            locked.clone(),
        );
        let envelopes = Family::<EnvelopeLabel, Counter>::default();
        registry.register(
            "socket_envelopes",
            "Socket Mode envelopes, by type and what became of them (as the events counter)",
            envelopes.clone(),
        );
        registry.register_collector(Box::new(SlackCollector(slack)));
        if let Some(link) = redis {
            registry.register_collector(Box::new(RedisCollector(link)));
        }
        Metrics {
            events: EventOutcome::ALL
                .iter()
                .map(|o| {
                    events
                        .get_or_create(&OutcomeLabel { outcome: o.label() })
                        .clone()
                })
                .collect(),
            applies: ApplyOutcome::ALL
                .iter()
                .map(|o| {
                    applies
                        .get_or_create(&OutcomeLabel { outcome: o.label() })
                        .clone()
                })
                .collect(),
            registry,
            ack,
            queue_depth,
            dead_letter_depth,
            wanted,
            members,
            presets_vanished,
            connections,
            connections_shed,
            connections_refused,
            sockets,
            socket_reconnects,
            envelopes,
            locked,
        }
    }

    /// A write Slack refused because the member's organization locks the field.
    pub fn locked(&self, field: crate::state::Field) {
        let field = match field {
            crate::state::Field::Name => "name",
            crate::state::Field::Photo => "photo",
        };
        self.locked.get_or_create(&FieldLabel { field }).inc();
    }

    /// A Socket Mode connection made again, and why.
    pub fn socket_reconnect(&self, reason: &'static str) {
        self.socket_reconnects
            .get_or_create(&ReasonLabel { reason })
            .inc();
    }

    /// A Socket Mode envelope handled.
    pub fn envelope(&self, kind: &'static str, outcome: EventOutcome) {
        self.envelopes
            .get_or_create(&EnvelopeLabel {
                r#type: kind,
                outcome: outcome.label(),
            })
            .inc();
    }

    pub fn event(&self, outcome: EventOutcome) {
        self.events[outcome as usize].inc();
    }

    pub fn apply(&self, outcome: ApplyOutcome) {
        self.applies[outcome as usize].inc();
    }

    pub fn ack(&self, took: Duration) {
        self.ack.observe(took.as_secs_f64());
    }

    /// The text for a scrape, with the levels as they are now.
    pub fn render(&self, levels: Levels) -> String {
        self.queue_depth.set(levels.queue as i64);
        self.dead_letter_depth.set(levels.dead_letter as i64);
        self.wanted.set(levels.wanted as i64);
        self.members.set(levels.members as i64);
        self.presets_vanished
            .set(i64::from(levels.presets_vanished));
        self.connections.set(levels.connections.open as i64);
        self.connections_shed.set(levels.connections.shed as i64);
        self.connections_refused
            .set(levels.connections.refused as i64);
        self.sockets.set(levels.sockets as i64);
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        out
    }
}

/// Slack calls by method and status, and rate-limit waits, read from the client at each scrape.
#[derive(Debug)]
struct SlackCollector(Arc<SlackStats>);

impl Collector for SlackCollector {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), std::fmt::Error> {
        let mut calls = encoder.encode_descriptor(
            "slack_calls",
            "Slack Web API calls, by method and HTTP status (or network)",
            None,
            prometheus_client::metrics::MetricType::Counter,
        )?;
        for ((method, status), n) in self.0.calls() {
            let labels = [("method", method.to_owned()), ("status", status)];
            ConstCounter::new(n).encode(calls.encode_family(&labels)?)?;
        }
        let (waits, waited) = self.0.rate_limit_waits();
        let counter = ConstCounter::new(waits);
        counter.encode(encoder.encode_descriptor(
            "slack_rate_limit_waits",
            "Waits because Slack answered that a method is rate-limited",
            None,
            counter.metric_type(),
        )?)?;
        let counter = ConstCounter::new(waited.as_secs_f64());
        counter.encode(encoder.encode_descriptor(
            "slack_rate_limit_wait_seconds",
            "Time spent in those waits",
            None,
            counter.metric_type(),
        )?)?;
        Ok(())
    }
}

/// The Redis link's health, read at each scrape.
#[derive(Debug)]
struct RedisCollector(Arc<crate::shared::Link>);

impl Collector for RedisCollector {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), std::fmt::Error> {
        let health = self.0.health();
        let gauge = ConstGauge::new(i64::from(health.up));
        gauge.encode(encoder.encode_descriptor(
            "redis_up",
            "Whether Redis answers (0: pacing alone at a share of each limit, checking the \
             store for changes)",
            None,
            gauge.metric_type(),
        )?)?;
        let counter = ConstCounter::new(health.outages);
        counter.encode(encoder.encode_descriptor(
            "redis_outages",
            "Times Redis stopped answering since start",
            None,
            counter.metric_type(),
        )?)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_is_listed_at_its_own_index() {
        for (i, o) in EventOutcome::ALL.iter().enumerate() {
            assert_eq!(*o as usize, i);
        }
        for (i, o) in ApplyOutcome::ALL.iter().enumerate() {
            assert_eq!(*o as usize, i);
        }
    }

    #[test]
    fn the_text_has_every_family() {
        let metrics = Metrics::new(Arc::new(SlackStats::default()), None);
        metrics.event(EventOutcome::Queued);
        metrics.event(EventOutcome::Queued);
        metrics.apply(ApplyOutcome::Failed);
        metrics.ack(Duration::from_micros(100));
        metrics.socket_reconnect("lost");
        metrics.envelope("events_api", EventOutcome::Queued);
        let text = metrics.render(Levels {
            queue: 3,
            dead_letter: 1,
            wanted: 7,
            members: 12,
            presets_vanished: true,
            connections: Default::default(),
            sockets: 2,
        });
        for line in [
            "statusinator_events_total{outcome=\"queued\"} 2",
            "statusinator_events_total{outcome=\"bad_signature\"} 0",
            "statusinator_applies_total{outcome=\"failed\"} 1",
            "statusinator_ack_seconds_count 1",
            "statusinator_queue_depth 3",
            "statusinator_dead_letter_depth 1",
            "statusinator_wanted_depth 7",
            "statusinator_socket_connections 2",
            "statusinator_socket_reconnects_total{reason=\"lost\"} 1",
            "statusinator_socket_envelopes_total{type=\"events_api\",outcome=\"queued\"} 1",
            "statusinator_members 12",
            "statusinator_presets_vanished 1",
            "statusinator_slack_rate_limit_waits_total 0",
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
    }
}
