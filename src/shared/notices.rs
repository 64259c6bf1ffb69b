//! Change notices between the processes of a deployment: a process that changes presets or
//! stores a member's wish publishes it on one Redis channel; every serve replica listens and
//! takes the change in within a second, without asking the store. Without Redis (or while it is
//! down) nothing is published and serve checks the store every second, as it does anyway, more
//! slowly, as a safety net ([`Listener::listening`] says which).
//!
//! A notice says what changed, never a secret: a member's ID, a workspace's, a pause.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Link, RETRY_EVERY};

/// What changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// `users.json` changed: members' presets or workspace sections (these members', when
    /// known).
    Presets {
        #[serde(default)]
        members: Vec<String>,
    },
    /// A member's pause (`true`) or resume (`false`) is stored.
    Paused { user: String, paused: bool },
    /// A member connected in `team` (of organization `org`).
    Connected {
        user: String,
        team: String,
        #[serde(default)]
        org: Option<String>,
    },
    /// A member disconnected, or was forgotten.
    Left { user: String },
}

#[derive(Debug, Serialize, Deserialize)]
struct Notice {
    /// The process that made the change (it has taken it in already).
    from: String,
    #[serde(flatten)]
    change: Change,
}

/// Publishes this process's changes (nothing without Redis).
#[derive(Debug, Clone)]
pub struct Notices {
    link: Option<Arc<Link>>,
    /// This process, so it skips its own notices.
    instance: String,
}

impl Notices {
    pub fn new(link: Option<Arc<Link>>, instance: &str) -> Notices {
        Notices {
            link,
            instance: instance.to_owned(),
        }
    }

    /// This process's name in its notices.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// A listener for the other processes' notices (none without Redis).
    pub fn listener(&self) -> Option<Listener> {
        self.link
            .as_ref()
            .map(|link| Listener::new(link.clone(), &self.instance))
    }

    /// Tells the other processes of `change`. Best effort: a Redis that is down drops it, and
    /// the store check picks the change up.
    pub fn publish(&self, change: Change) {
        let Some(link) = &self.link else {
            return;
        };
        let notice = Notice {
            from: self.instance.clone(),
            change,
        };
        let text = serde_json::to_string(&notice).expect("a notice is JSON");
        let channel = link.key("changes");
        let _ = link.run(|conn| {
            redis::cmd("PUBLISH")
                .arg(&channel)
                .arg(&text)
                .query::<i64>(conn)
        });
    }
}

/// Listens for the other processes' notices, on its own connection.
#[derive(Debug)]
pub struct Listener {
    link: Arc<Link>,
    instance: String,
    listening: AtomicBool,
}

impl Listener {
    pub fn new(link: Arc<Link>, instance: &str) -> Listener {
        Listener {
            link,
            instance: instance.to_owned(),
            listening: AtomicBool::new(false),
        }
    }

    /// Whether notices are being heard now (else the store is the only way to learn of changes).
    pub fn listening(&self) -> bool {
        self.listening.load(Ordering::Acquire)
    }

    /// Hears notices until `stop` says so: each other process's change goes to `heard`. Each
    /// time listening (re)starts, `heard` gets `None`: notices may have been missed, look at the
    /// store once.
    pub fn run(&self, stop: &dyn Fn() -> bool, heard: &dyn Fn(Option<Change>)) {
        let channel = self.link.key("changes");
        while !stop() {
            let mut conn = match self.link.open_subscriber(Duration::from_millis(500)) {
                Ok(conn) => conn,
                Err(err) => {
                    log::debug!("cannot listen for change notices: {err}");
                    sleep_unless(stop, RETRY_EVERY);
                    continue;
                }
            };
            let mut pubsub = conn.as_pubsub();
            if let Err(err) = pubsub.subscribe(&channel) {
                log::debug!("cannot listen for change notices: {err}");
                sleep_unless(stop, RETRY_EVERY);
                continue;
            }
            self.listening.store(true, Ordering::Release);
            heard(None);
            while !stop() {
                match pubsub.get_message() {
                    Ok(message) => {
                        let Ok(payload) = message.get_payload::<String>() else {
                            continue;
                        };
                        match serde_json::from_str::<Notice>(&payload) {
                            Ok(notice) if notice.from != self.instance => {
                                heard(Some(notice.change))
                            }
                            Ok(_) => {}
                            Err(err) => log::debug!("a change notice not understood: {err}"),
                        }
                    }
                    Err(err) if err.is_timeout() => {}
                    Err(err) => {
                        log::debug!("change notices stopped: {err}");
                        break;
                    }
                }
            }
            self.listening.store(false, Ordering::Release);
        }
    }
}

fn sleep_unless(stop: &dyn Fn() -> bool, wait: Duration) {
    let step = Duration::from_millis(100);
    let mut left = wait;
    while !left.is_zero() && !stop() {
        std::thread::sleep(left.min(step));
        left = left.saturating_sub(step);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_reads_as_it_was_written() {
        for change in [
            Change::Presets {
                members: vec!["U0ANA0001".into()],
            },
            Change::Paused {
                user: "U0ANA0001".into(),
                paused: true,
            },
            Change::Connected {
                user: "U0ANA0001".into(),
                team: "T1".into(),
                org: Some("E1".into()),
            },
            Change::Left {
                user: "U0ANA0001".into(),
            },
        ] {
            let notice = Notice {
                from: "a".into(),
                change: change.clone(),
            };
            let text = serde_json::to_string(&notice).unwrap();
            let back: Notice = serde_json::from_str(&text).unwrap();
            assert_eq!(back.change, change, "{text}");
        }
    }
}
