//! serve's inbox in-process, with no transport and no spawned binary: events, clicks,
//! submissions and commands are fed to it as values, as either transport hands them over, and
//! the parts behind it (the status pipeline and the app, with their workers) run for real
//! against a local store and the Slack stand-in.
//!
//! The store sits behind a gate a test can close: with the store frozen, or Slack slow, every
//! answer still comes back, and what needed them is done once they are back.

mod support;

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use statusinator::events::{self, SlashCommand};
use statusinator::serve::inbox::{Inbound, Inbox};
use statusinator::serve::metrics::EventOutcome;
use statusinator::serve::{Answer, Config, Running};
use statusinator::signals::Stop;
use statusinator::slack::SlackClient;
use statusinator::store::{Change, Listed, LocalStore, Store};
use statusinator::tokens::Tokens;
use support::serve::{click_payload, event_id, preset_values, submission, user_change, TEAM};
use support::{wait_until, Backend, World};

const ANA: &str = "U0ANA0001";

/// A real store behind a gate: while it is closed, every call waits (as on a store that
/// stopped answering); it counts the calls that waited.
#[derive(Debug)]
struct Gate {
    inner: LocalStore,
    closed: Mutex<bool>,
    opened: Condvar,
    waited: Mutex<usize>,
}

impl Gate {
    fn pass(&self) {
        let mut closed = self.closed.lock().unwrap();
        if *closed {
            *self.waited.lock().unwrap() += 1;
        }
        while *closed {
            closed = self.opened.wait(closed).unwrap();
        }
    }

    fn close(&self) {
        *self.closed.lock().unwrap() = true;
    }

    fn open(&self) {
        *self.closed.lock().unwrap() = false;
        self.opened.notify_all();
    }

    fn waited(&self) -> usize {
        *self.waited.lock().unwrap()
    }
}

impl Store for Gate {
    fn location(&self, key: &str) -> String {
        self.inner.location(key)
    }
    fn get(&self, key: &str) -> anyhow::Result<Option<Vec<u8>>> {
        self.pass();
        self.inner.get(key)
    }
    fn get_versioned(&self, key: &str) -> anyhow::Result<Option<(Vec<u8>, String)>> {
        self.pass();
        self.inner.get_versioned(key)
    }
    fn list(&self, prefix: &str) -> anyhow::Result<Vec<Listed>> {
        self.pass();
        self.inner.list(prefix)
    }
    fn delete(&self, key: &str) -> anyhow::Result<()> {
        self.pass();
        self.inner.delete(key)
    }
    fn exists(&self, key: &str) -> anyhow::Result<bool> {
        self.pass();
        self.inner.exists(key)
    }
    fn version(&self, key: &str) -> anyhow::Result<Option<String>> {
        self.pass();
        self.inner.version(key)
    }
    fn put(&self, key: &str, bytes: &[u8], content_type: &str) -> anyhow::Result<()> {
        self.pass();
        self.inner.put(key, bytes, content_type)
    }
    fn check(&self) -> anyhow::Result<()> {
        self.pass();
        self.inner.check()
    }
    fn update(
        &self,
        key: &str,
        content_type: &str,
        change: &mut Change<'_>,
    ) -> anyhow::Result<bool> {
        self.pass();
        self.inner.update(key, content_type, change)
    }
}

/// serve's parts running in this process against `world`'s store (behind a gate) and
/// stand-in, with the app's bot.
struct Harness {
    running: Option<Running>,
    gate: Arc<Gate>,
}

impl Harness {
    fn start(world: &World, bot: &str) -> Harness {
        let Backend::Local(path) = &world.scene.backend else {
            panic!("a local scene")
        };
        let gate = Arc::new(Gate {
            inner: LocalStore::new(path.clone()),
            closed: Mutex::new(false),
            opened: Condvar::new(),
            waited: Mutex::new(0),
        });
        let store: Arc<dyn Store> = gate.clone();
        let slack = Arc::new(SlackClient::new(&world.slack.url, Default::default()).unwrap());
        let tokens =
            Arc::new(Tokens::load(Some(&world.tokens_path()), None, Some(bot.to_owned())).unwrap());
        let config = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            signing_secret: None,
            admin_token: None,
            queue_capacity: 10,
            dead_letter_capacity: 10,
            workers: 2,
            drain_timeout: Duration::from_secs(10),
            reconcile_every: None,
            forget_deleted_after: Duration::ZERO,
            oauth: None,
            max_connections: 100,
            max_connections_per_peer: 10,
            trusted_proxies: Vec::new(),
            socket: None,
        };
        let running = Running::start(&config, store, slack, tokens, &Stop::default()).unwrap();
        let harness = Harness {
            running: Some(running),
            gate,
        };
        wait_until("users.json read", Duration::from_secs(30), || {
            harness.running().health()["presets"] == "loaded"
        });
        harness
    }

    fn running(&self) -> &Running {
        self.running.as_ref().unwrap()
    }

    fn inbox(&self) -> Arc<Inbox> {
        self.running().inbox().clone()
    }

    /// Hands `inbound` to the inbox on a thread of its own and waits for the answer at most
    /// `within`: `None` when it did not come (it waits on something it must not).
    fn answer(&self, inbound: Inbound, within: Duration) -> Option<(EventOutcome, Answer)> {
        let inbox = self.inbox();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(inbox.dispatch(inbound));
        });
        rx.recv_timeout(within).ok()
    }

    /// The answer, which must come within 10 s whatever the store or Slack are doing.
    fn answered(&self, inbound: Inbound) -> (EventOutcome, Answer) {
        self.answer(inbound.clone(), Duration::from_secs(10))
            .unwrap_or_else(|| panic!("no answer to {inbound:?}"))
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.gate.open();
        if let Some(running) = self.running.take() {
            running.stop(Instant::now() + Duration::from_secs(10));
        }
    }
}

fn event(world: &World, id: &str) -> Inbound {
    let body = user_change(&world.slack.member(ANA), id);
    Inbound::Event {
        envelope: events::parse(&body).unwrap(),
        retry: false,
    }
}

fn command(text: &str) -> Inbound {
    let fields = json!({"command": "/statusinator", "text": text, "user_id": ANA,
                        "team_id": TEAM, "trigger_id": "1.2.3",
                        "response_url": "https://hooks.slack.com/commands/T0STANDIN/1/x"});
    Inbound::Command(
        SlashCommand::from_fields(|name| fields[name].as_str().map(str::to_owned)).unwrap(),
    )
}

fn click(action_id: &str, value: &str, trigger_id: &str) -> Inbound {
    Inbound::Interaction(
        serde_json::from_str(&click_payload(ANA, action_id, value, trigger_id)).unwrap(),
    )
}

fn body(answer: &Answer) -> Value {
    serde_json::from_slice(&answer.body).unwrap_or(Value::Null)
}

#[test]
fn an_event_is_applied_once_and_its_echo_and_redelivery_are_no_news() {
    let (world, bot) = World::ana_and_ben_with_a_bot();
    let harness = Harness::start(&world, &bot);
    world.slack.set_status(ANA, ":palm_tree:");
    let id = event_id();
    let (outcome, answer) = harness.answered(event(&world, &id));
    assert_eq!((outcome, answer.status), (EventOutcome::Queued, 200));
    wait_until("the vacation preset", Duration::from_secs(20), || {
        world.slack.display_name(ANA) == "Ana (away)"
            && world.slack.methods().iter().any(|m| m == "users.setPhoto")
    });
    // Slack's redelivery of the same event.
    let (outcome, _) = harness.answered(event(&world, &id));
    assert_eq!(outcome, EventOutcome::Duplicate);
    // The echo of its own writes, once the worker is done with her.
    wait_until("the worker done", Duration::from_secs(20), || {
        harness.running().health()["queue"] == 0
            && world
                .slack
                .methods()
                .iter()
                .filter(|m| *m == "users.profile.get")
                .count()
                >= 1
    });
    let mut echo = EventOutcome::Queued;
    wait_until(
        "the echo taken for what it is",
        Duration::from_secs(20),
        || {
            echo = harness.answered(event(&world, &event_id())).0;
            echo == EventOutcome::Unchanged
        },
    );
    let writes: Vec<String> = world
        .slack
        .methods()
        .into_iter()
        .filter(|m| m == "users.profile.set" || m == "users.setPhoto")
        .collect();
    assert_eq!(writes, ["users.profile.set", "users.setPhoto"]);
}

/// With the store not answering at all, every kind of request is still answered; the work
/// that needs the store waits for it, and is done once it answers again.
#[test]
fn with_the_store_frozen_every_answer_still_comes_and_the_work_follows() {
    let (world, bot) = World::ana_and_ben_with_a_bot();
    let harness = Harness::start(&world, &bot);
    harness.gate.close();

    world.slack.set_status(ANA, ":palm_tree:");
    let (outcome, answer) = harness.answered(event(&world, &event_id()));
    assert_eq!((outcome, answer.status), (EventOutcome::Queued, 200));

    let (_, list) = harness.answered(command("list"));
    let text = body(&list)["text"].as_str().unwrap_or_default().to_owned();
    assert!(text.contains(":palm_tree:"), "{text}");

    let (_, paused) = harness.answered(command("pause"));
    assert!(
        body(&paused)["text"]
            .as_str()
            .unwrap()
            .starts_with("Paused"),
        "{}",
        body(&paused)
    );

    let (outcome, home) = harness.answered(Inbound::Event {
        envelope: events::parse(
            json!({"type": "event_callback", "team_id": TEAM, "event_id": event_id(),
                   "event": {"type": "app_home_opened", "user": ANA, "tab": "home"}})
            .to_string()
            .as_bytes(),
        )
        .unwrap(),
        retry: false,
    });
    assert_eq!(home.status, 200, "{outcome:?}");

    let trigger = world.slack.trigger(ANA);
    let (_, opened) = harness.answered(click("add", "", &trigger));
    assert_eq!(opened.status, 200);

    let (_, disconnect) = harness.answered(click("disconnect", "", "1.2.4"));
    assert_eq!(disconnect.status, 200);

    // The work behind those answers waits for the store.
    wait_until("work waiting on the store", Duration::from_secs(20), || {
        harness.gate.waited() > 0
    });
    assert_ne!(world.slack.display_name(ANA), "Ana (away)");

    harness.gate.open();
    // Paused before her change could be written: her name stays hers, and the pause is kept.
    let ana = statusinator::presets::UserId::parse(ANA).unwrap();
    wait_until("the pause stored", Duration::from_secs(30), || {
        statusinator::state::load_state(&harness.gate.inner, &ana)
            .unwrap()
            .is_some_and(|state| state.paused_at.is_some())
    });
    wait_until("the modal opened", Duration::from_secs(20), || {
        world.slack.modal(ANA).is_some()
    });
    assert_eq!(world.slack.display_name(ANA), "Ana");
}

/// Slack answering every call in 30 s: the answers do not wait for it, and a click's modal is
/// asked for at once, ahead of slower work.
#[test]
fn with_slack_slow_every_answer_still_comes() {
    let (world, bot) = World::ana_and_ben_with_a_bot();
    let harness = Harness::start(&world, &bot);
    world.slack.set_latency(Duration::from_secs(30));
    world.slack.set_status(ANA, ":palm_tree:");
    let (outcome, _) = harness.answered(event(&world, &event_id()));
    assert_eq!(outcome, EventOutcome::Queued);
    for text in ["list", "help", "pause", "resume"] {
        let (_, answer) = harness.answered(command(text));
        assert_eq!(answer.status, 200, "/statusinator {text}");
        assert!(body(&answer)["text"].is_string(), "/statusinator {text}");
    }
    let trigger = world.slack.trigger(ANA);
    let (_, opened) = harness.answered(click("add", "", &trigger));
    assert_eq!(opened.status, 200);
    // Asked for while Slack still sits on the worker's calls.
    wait_until("views.open asked for", Duration::from_secs(10), || {
        world.slack.arrived().iter().any(|m| m == "views.open")
    });
    assert!(!world.slack.methods().iter().any(|m| m == "views.open"));
    world.slack.set_latency(Duration::ZERO);
}

/// A preset added through the modal, fed as a click and a submission: the submission is
/// answered with "Saving…" at once, then the preset is stored and the modal says so.
#[test]
fn a_submission_is_answered_at_once_and_saved_after() {
    let (world, bot) = World::ana_and_ben_with_a_bot();
    let harness = Harness::start(&world, &bot);
    let trigger = world.slack.trigger(ANA);
    harness.answered(click("add", "", &trigger));
    let mut modal = None;
    wait_until("the preset modal", Duration::from_secs(20), || {
        modal = world.slack.modal(ANA);
        modal.is_some()
    });
    let (view_id, view) = modal.unwrap();
    harness.gate.close();
    let payload = submission(
        ANA,
        &view_id,
        &view,
        preset_values(":house:", Some("Ana (home)"), vec![]),
    );
    let (_, answer) = harness.answered(Inbound::Interaction(
        serde_json::from_str(&payload).unwrap(),
    ));
    let reply = body(&answer);
    assert_eq!(reply["response_action"], "update", "{reply}");
    assert!(reply["view"].to_string().contains("Saving"), "{reply}");
    harness.gate.open();
    support::serve::modal_says(&world, ANA, "Preset saved");
    assert_eq!(
        world.scene.users_json()["users"][ANA][":house:"]["name"],
        "Ana (home)"
    );
}
