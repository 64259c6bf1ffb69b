//! What serve shows of itself: `/healthz` (JSON, for probes and people) and `/metrics`
//! (OpenMetrics). It reads every part and writes none.

use std::sync::Arc;

use crate::serve::answer::Answer;
use crate::serve::app::App;
use crate::serve::metrics::{Levels, Metrics};
use crate::serve::pipeline::presets::PresetCache;
use crate::serve::pipeline::Pipeline;
use crate::serve::transport::connections::Registry;
use crate::serve::transport::http::Reports;
use crate::serve::transport::socket::Gauge;

/// The parts `/healthz` and `/metrics` read.
#[derive(Debug)]
pub struct Watch {
    pub pipeline: Arc<Pipeline>,
    pub app: Arc<App>,
    pub presets: Arc<PresetCache>,
    pub metrics: Arc<Metrics>,
    pub connections: Arc<Registry>,
    pub sockets: Arc<Gauge>,
    /// This process's name in claims on members.
    pub instance: String,
    /// The Redis link (`--redis-url`) and whether the others' change notices are heard.
    pub redis: Option<(
        Arc<crate::shared::Link>,
        Option<Arc<crate::shared::notices::Listener>>,
    )>,
}

impl Reports for Watch {
    fn metrics_text(&self) -> String {
        let depths = self.pipeline.depths();
        self.metrics.render(Levels {
            queue: depths.queue,
            dead_letter: depths.dead_letter,
            wanted: depths.wanted,
            members: self.presets.len(),
            presets_vanished: self.presets.vanished(),
            connections: self.connections.counts(),
            sockets: self.sockets.open(),
        })
    }

    fn health(&self) -> Answer {
        let depths = self.pipeline.depths();
        let mut alarms = Vec::new();
        if self.presets.vanished() {
            alarms.push(format!(
                "{} has vanished from the store; serving the members in memory",
                self.presets.location()
            ));
        }
        let redis = self.redis.as_ref().map(|(link, listener)| {
            let health = link.health();
            if !health.up {
                alarms.push(format!(
                    "Redis at {} is not answering ({}): pacing Slack calls alone at a share of \
                     each limit (--replicas) and checking the store for changes",
                    health.url,
                    health.reason.as_deref().unwrap_or("no answer")
                ));
            }
            let mut value = serde_json::to_value(&health).expect("health is JSON");
            value["notices"] = listener.as_ref().is_some_and(|l| l.listening()).into();
            value
        });
        Answer::json(
            200,
            &serde_json::json!({
                "redis": redis,
                "ok": true,
                "alarms": alarms,
                "presets": if self.presets.loaded() { "loaded" } else { "loading" },
                "members": self.presets.len(),
                "queue": depths.queue,
                "dead_letter": depths.dead_letter,
                "working": depths.working,
                "unrecorded": depths.unrecorded,
                "retrying": depths.retrying,
                "wanted": depths.wanted,
                "held": self.presets.held(),
                "lapsing": depths.lapsing,
                "app_jobs": self.app.jobs().len(),
                "socket_mode": {
                    "open": self.sockets.open(),
                    "wanted": self.sockets.wanted.load(std::sync::atomic::Ordering::Relaxed),
                },
                "connections": self.connections.counts().open,
                "instance": self.instance,
            }),
        )
    }
}
