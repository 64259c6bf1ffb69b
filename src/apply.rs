//! The apply engine: the one act that `apply`, `poll` and `serve` all end in. It resolves a
//! member's preset, plans the writes (the display name with `users.profile.set`, then the photo
//! with `users.setPhoto`, each only when needed), makes them with the member's own token, and
//! records what was applied after each write.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use anyhow::{anyhow, Context, Result};
use serde::Serialize;

use crate::exit::UsageError;
use crate::picture::{self, Format};
use crate::presets::{self, EmojiKey, UserId, UserPresets};
use crate::slack::SlackClient;
use crate::state::{self as applied, Applied, Claim, Claimed};
use crate::store::Store;
use crate::tokens::{Token, Tokens};

/// How long a claim on a member holds (seconds): longer than any apply takes, Slack's own
/// retries included, so it lapses only when its holder died.
pub const CLAIM_HOLD: u64 = 120;

/// How many pictures the in-memory cache keeps (each at most a few MB).
const PICTURE_CACHE_ENTRIES: usize = 64;

/// What to apply a member's preset for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An emoji named by hand (`apply`): its own preset (or the one without its skin tone), or
    /// `default` when it is `default`; no preset is an error.
    Emoji(EmojiKey),
    /// The member's status emoji as Slack reports it (`""` when cleared): its preset, else
    /// `default`; neither means there is nothing to do.
    Status(String),
}

impl Target {
    /// The emoji as it is recorded in the applied state.
    fn recorded_as(&self) -> String {
        match self {
            Target::Emoji(emoji) => emoji.to_string(),
            Target::Status(status) => status.trim().to_owned(),
        }
    }
}

/// One write to Slack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "method")]
pub enum Write {
    /// `users.profile.set` of `display_name`.
    #[serde(rename = "users.profile.set")]
    Name { display_name: String },
    /// `users.setPhoto` with the picture at this store key.
    #[serde(rename = "users.setPhoto")]
    Photo { picture: String },
}

/// The writes that bring one member in line with a preset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub user: UserId,
    /// The emoji this answers (recorded as such).
    pub emoji: String,
    /// The preset that applies.
    pub preset: EmojiKey,
    /// In order: the name first, then the photo.
    pub writes: Vec<Write>,
}

impl Plan {
    /// The plan without the writes `recorded` shows were made already (by another process,
    /// since this plan was made).
    pub fn rebased(&self, recorded: Option<&Applied>) -> Plan {
        let written = |write: &Write| match (write, recorded) {
            (Write::Name { display_name }, Some(r)) => r.name.as_ref() == Some(display_name),
            (Write::Photo { picture }, Some(r)) => r.picture.as_ref() == Some(picture),
            (_, None) => false,
        };
        Plan {
            writes: self
                .writes
                .iter()
                .filter(|w| !written(w))
                .cloned()
                .collect(),
            ..self.clone()
        }
    }

    /// Whether executing the plan would neither call Slack nor change the record.
    pub fn changes_nothing(&self, recorded: Option<&Applied>) -> bool {
        self.writes.is_empty()
            && recorded
                .is_some_and(|r| r.emoji == self.emoji && r.preset.as_ref() == Some(&self.preset))
    }
}

/// What [`Engine::execute_claimed`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Run {
    /// The member was claimed and the plan carried out, less what the member's record (as of
    /// the claim) showed was written already; `recorded` is that record (`None` too when the
    /// store could not take the claim).
    Done {
        plan: Plan,
        recorded: Option<Applied>,
    },
    /// Another process was writing the member: nothing was done.
    Elsewhere(Claim),
}

/// What the engine did for one member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    #[serde(flatten)]
    pub plan: Plan,
    pub dry_run: bool,
}

/// Plans the writes for `user`. `current_name` is the display name Slack last reported, if
/// known; `recorded` is what statusinator last applied. With `force` (the manual override)
/// everything the preset has is written. `Ok(None)`: a status with no preset and no `default`.
pub fn plan(
    user: &UserId,
    presets: &UserPresets,
    target: &Target,
    current_name: Option<&str>,
    recorded: Option<&Applied>,
    force: bool,
) -> Result<Option<Plan>> {
    let resolved = match target {
        Target::Emoji(emoji) => Some(presets::find(presets, emoji).ok_or_else(|| {
            let known: Vec<&str> = presets.keys().map(EmojiKey::as_str).collect();
            UsageError::new(format!(
                "{user} has no preset for {emoji}: their presets are {}; add one to a presets \
                 file and run onboard",
                known.join(", ")
            ))
        })?),
        Target::Status(status) => presets::resolve_status(presets, status),
    };
    let Some(resolved) = resolved else {
        return Ok(None);
    };
    let mut writes = Vec::new();
    if let Some(name) = &resolved.preset.name {
        // Skip when Slack already shows it or when statusinator already wrote it: trusting either
        // keeps a name Slack normalises from being written over and over.
        let shown = current_name == Some(name.as_str());
        let written = recorded.and_then(|r| r.name.as_deref()) == Some(name.as_str());
        if force || !(shown || written) {
            writes.push(Write::Name {
                display_name: name.clone(),
            });
        }
    }
    if let Some(picture) = &resolved.preset.picture {
        let written = recorded.and_then(|r| r.picture.as_deref()) == Some(picture.as_str());
        if force || !written {
            writes.push(Write::Photo {
                picture: picture.clone(),
            });
        }
    }
    Ok(Some(Plan {
        user: user.clone(),
        emoji: target.recorded_as(),
        preset: resolved.key.clone(),
        writes,
    }))
}

/// A bounded cache of picture bytes by store key. Keys are content-derived, so an entry never
/// goes stale.
#[derive(Debug)]
pub struct PictureCache {
    entries: Mutex<lru::LruCache<String, Arc<Vec<u8>>>>,
}

impl Default for PictureCache {
    fn default() -> Self {
        PictureCache {
            entries: Mutex::new(lru::LruCache::new(
                NonZeroUsize::new(PICTURE_CACHE_ENTRIES).expect("non-zero"),
            )),
        }
    }
}

impl PictureCache {
    /// The picture's bytes and format, from the cache or the store; checked before use.
    pub fn get(&self, store: &dyn Store, key: &str) -> Result<(Arc<Vec<u8>>, Format)> {
        let cached = self.entries.lock().expect("cache lock").get(key).cloned();
        let bytes = match cached {
            Some(bytes) => bytes,
            None => {
                let bytes = store.get(key)?.ok_or_else(|| {
                    anyhow!(
                        "the picture {} is missing from the store: onboard the member's presets \
                         again",
                        store.location(key)
                    )
                })?;
                let bytes = Arc::new(bytes);
                self.entries
                    .lock()
                    .expect("cache lock")
                    .put(key.to_owned(), bytes.clone());
                bytes
            }
        };
        let checked = picture::check(&bytes).map_err(|problem| {
            anyhow!(
                "the picture {} cannot be used: {problem}",
                store.location(key)
            )
        })?;
        Ok((bytes, checked.format))
    }
}

/// Makes planned writes with each member's own token and records them.
#[derive(Debug)]
pub struct Engine<'a> {
    store: &'a dyn Store,
    slack: &'a SlackClient,
    tokens: &'a Tokens,
    pictures: PictureCache,
    /// Who each token belongs to (`auth.test`), by where it came from.
    owners: Mutex<HashMap<crate::tokens::TokenSource, String>>,
    /// Records waiting for the store, oldest first (`None`: a store failure is an error).
    deferred: Option<Mutex<Vec<Step>>>,
    /// The instance whose claim on a member the last record of a plan releases.
    claimant: Option<String>,
}

/// One step of an apply, as it goes into the applied state.
#[derive(Debug, Clone)]
struct Step {
    user: UserId,
    now: u64,
    /// The write that reached Slack (`None` when nothing needed writing).
    write: Option<Write>,
    /// The plan's last step: the emoji and preset now in effect.
    finish: Option<(String, EmojiKey)>,
    /// The claim on the member this step releases (the last step's, when claiming).
    release: Option<String>,
}

impl Step {
    /// Writes the step into the member's applied state in the store.
    fn record(&self, store: &dyn Store) -> Result<()> {
        applied::record(store, &self.user, self.now, self.release.as_deref(), |e| {
            self.apply_to(e)
        })
    }

    fn apply_to(&self, entry: &mut Applied) {
        match &self.write {
            Some(Write::Name { display_name }) => entry.name = Some(display_name.clone()),
            Some(Write::Photo { picture }) => entry.picture = Some(picture.clone()),
            None => {}
        }
        if let Some((emoji, preset)) = &self.finish {
            entry.emoji = emoji.clone();
            entry.preset = Some(preset.clone());
        }
    }
}

/// What `plan` leaves in a member's applied state once all of it is written.
pub fn after(recorded: Option<&Applied>, plan: &Plan) -> Applied {
    let mut entry = recorded.cloned().unwrap_or_default();
    for write in &plan.writes {
        Step {
            user: plan.user.clone(),
            now: 0,
            write: Some(write.clone()),
            finish: None,
            release: None,
        }
        .apply_to(&mut entry);
    }
    entry.emoji = plan.emoji.clone();
    entry.preset = Some(plan.preset.clone());
    entry
}

impl<'a> Engine<'a> {
    pub fn new(store: &'a dyn Store, slack: &'a SlackClient, tokens: &'a Tokens) -> Self {
        Engine {
            store,
            slack,
            tokens,
            pictures: PictureCache::default(),
            owners: Mutex::new(HashMap::new()),
            deferred: None,
            claimant: None,
        }
    }

    /// Claim members as `instance` in [`Engine::execute_claimed`]; the last record of every
    /// plan releases the claim.
    pub fn claiming_as(mut self, instance: &str) -> Self {
        self.claimant = Some(instance.to_owned());
        self
    }

    pub fn store(&self) -> &dyn Store {
        self.store
    }

    pub fn slack(&self) -> &SlackClient {
        self.slack
    }

    pub fn tokens(&self) -> &Tokens {
        self.tokens
    }

    /// Makes the plan's writes in order, recording each as it succeeds; an empty plan only
    /// records the emoji. Errors name the member and the emoji.
    pub fn execute(&self, plan: &Plan, now: u64) -> Result<Outcome> {
        let context = || format!("{} ({})", plan.user, display_emoji(&plan.emoji));
        self.run(plan, now).with_context(context)?;
        Ok(Outcome {
            plan: plan.clone(),
            dry_run: false,
        })
    }

    /// Claims the member first (see [`applied::claim`]), so that another process writing them
    /// at the same moment (a second `serve`, `poll` beside `serve`) does not write the same
    /// change again; then carries out the plan less what the member's record as of the claim
    /// shows was written meanwhile. With records deferred (the store may be away), a claim the
    /// store cannot take is skipped.
    pub fn execute_claimed(&self, plan: &Plan, now: u64) -> Result<Run> {
        let instance = self
            .claimant
            .as_deref()
            .expect("execute_claimed needs claiming_as");
        let user = &plan.user;
        let claimed = applied::claim(self.store, user, instance, &plan.emoji, now, CLAIM_HOLD);
        let (plan, recorded) = match claimed {
            Ok(Claimed::Held(other)) => return Ok(Run::Elsewhere(other)),
            Ok(Claimed::Ours(recorded)) => (plan.rebased(recorded.as_ref()), recorded),
            Err(err) if self.deferred.is_some() => {
                log::warn!("{err:#}; applying {user} without a claim");
                (plan.clone(), None)
            }
            Err(err) => return Err(err),
        };
        let idle = plan.changes_nothing(recorded.as_ref());
        let done = if idle {
            Ok(())
        } else {
            self.execute(&plan, now).map(|_| ())
        };
        // The plan's last record released the claim; anything else lets it go here.
        if idle || done.is_err() {
            if let Err(err) = applied::release(self.store, user, instance) {
                log::warn!("{err:#}; the claim lapses in at most {CLAIM_HOLD} s");
            }
        }
        done.map(|()| Run::Done { plan, recorded })
    }

    /// Keep the records of writes that reached Slack when the store cannot take them, and
    /// write them later with [`Engine::flush_deferred`] (the long-running service), instead of
    /// failing.
    pub fn defer_records_on_store_failure(mut self) -> Self {
        self.deferred = Some(Mutex::new(Vec::new()));
        self
    }

    /// Records one step; with deferral on, a store failure keeps it for later. Records are
    /// written in order: while any wait, new ones wait behind them.
    fn record(&self, step: Step) -> Result<()> {
        let Some(deferred) = &self.deferred else {
            return step.record(self.store);
        };
        let mut waiting = deferred.lock().expect("deferred lock");
        Self::flush_locked(self.store, &mut waiting);
        if waiting.is_empty() {
            match step.record(self.store) {
                Ok(()) => return Ok(()),
                Err(err) => log::warn!(
                    "{err:#}; Slack has the change, and it is recorded once the store answers"
                ),
            }
        }
        waiting.push(step);
        Ok(())
    }

    /// Writes the records kept while the store was unreachable. Returns how many still wait.
    pub fn flush_deferred(&self) -> usize {
        match &self.deferred {
            None => 0,
            Some(deferred) => {
                let mut waiting = deferred.lock().expect("deferred lock");
                Self::flush_locked(self.store, &mut waiting);
                waiting.len()
            }
        }
    }

    /// Members whose records still wait.
    pub fn deferred_members(&self) -> Vec<UserId> {
        let mut users: Vec<UserId> = self
            .deferred
            .as_ref()
            .map(|d| {
                d.lock()
                    .expect("deferred lock")
                    .iter()
                    .map(|s| s.user.clone())
                    .collect()
            })
            .unwrap_or_default();
        users.sort_unstable();
        users.dedup();
        users
    }

    fn flush_locked(store: &dyn Store, waiting: &mut Vec<Step>) {
        let mut done = 0;
        for step in waiting.iter() {
            if step.record(store).is_err() {
                break;
            }
            done += 1;
        }
        if done > 0 {
            log::info!(
                "recorded {done} change{} that waited for the store",
                if done == 1 { "" } else { "s" }
            );
        }
        waiting.drain(..done);
    }

    fn run(&self, plan: &Plan, now: u64) -> Result<()> {
        let step = |write: Option<&Write>, last: bool| Step {
            user: plan.user.clone(),
            now,
            write: write.cloned(),
            finish: last.then(|| (plan.emoji.clone(), plan.preset.clone())),
            release: self.claimant.clone().filter(|_| last),
        };
        if plan.writes.is_empty() {
            return self.record(step(None, true));
        }
        let token = self.tokens.for_user(&plan.user)?;
        // Read every picture before the first write, so a missing one changes nothing.
        let mut pictures = HashMap::new();
        for write in &plan.writes {
            if let Write::Photo { picture } = write {
                pictures.insert(picture.clone(), self.pictures.get(self.store, picture)?);
            }
        }
        // A token Slack refuses for good disconnects its member (when they connected it).
        let refused = |err: &crate::slack::SlackError| self.tokens.token_failed(&token, err);
        self.check_owner(&token, &plan.user)?;
        let last = plan.writes.len() - 1;
        for (i, write) in plan.writes.iter().enumerate() {
            match write {
                Write::Name { display_name } => {
                    self.slack
                        .set_display_name(&token, display_name)
                        .inspect_err(refused)?;
                    log::info!("{}: display name set to {display_name:?}", plan.user);
                }
                Write::Photo { picture } => {
                    let (bytes, format) = &pictures[picture];
                    self.slack
                        .set_photo(&token, bytes, *format)
                        .inspect_err(refused)?;
                    log::info!("{}: photo set to {picture}", plan.user);
                }
            }
            self.record(step(Some(write), i == last))?;
        }
        Ok(())
    }

    /// `users.setPhoto` changes only the token owner's photo: make sure the token is the
    /// member's own before writing anything.
    fn check_owner(&self, token: &Token, user: &UserId) -> Result<()> {
        let known = self
            .owners
            .lock()
            .expect("owners lock")
            .get(&token.source)
            .cloned();
        let owner = match known {
            Some(owner) => owner,
            None => {
                let identity = self
                    .slack
                    .auth_test(token)
                    .inspect_err(|err| self.tokens.token_failed(token, err))?;
                self.owners
                    .lock()
                    .expect("owners lock")
                    .insert(token.source.clone(), identity.user_id.clone());
                identity.user_id
            }
        };
        if owner != user.as_str() {
            return Err(UsageError::new(format!(
                "{} belongs to {owner}, not {user}: Slack changes only the token owner's own \
                 photo and name, so add {user}'s own user token (xoxp-…) to the tokens file",
                token.source
            ))
            .into());
        }
        Ok(())
    }
}

/// `default`, or the emoji; `(cleared)` for an empty status.
pub fn display_emoji(emoji: &str) -> &str {
    if emoji.is_empty() {
        "status cleared"
    } else {
        emoji
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::Preset;

    fn presets() -> UserPresets {
        let mut p = UserPresets::new();
        p.insert(
            EmojiKey::parse(":palm_tree:").unwrap(),
            Preset {
                name: Some("Ana (away)".into()),
                picture: Some("U1AAA/beach.png".into()),
            },
        );
        p.insert(
            EmojiKey::parse(":face_with_thermometer:").unwrap(),
            Preset {
                name: Some("Ana (sick)".into()),
                picture: None,
            },
        );
        p.insert(
            EmojiKey::default_key(),
            Preset {
                name: Some("Ana".into()),
                picture: Some("U1AAA/ana.png".into()),
            },
        );
        p
    }

    fn user() -> UserId {
        UserId::parse("U1AAA").unwrap()
    }

    fn status(s: &str) -> Target {
        Target::Status(s.into())
    }

    #[test]
    fn a_first_change_writes_the_name_then_the_photo() {
        let plan = plan(
            &user(),
            &presets(),
            &status(":palm_tree:"),
            None,
            None,
            false,
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            plan.writes,
            vec![
                Write::Name {
                    display_name: "Ana (away)".into()
                },
                Write::Photo {
                    picture: "U1AAA/beach.png".into()
                }
            ]
        );
    }

    #[test]
    fn what_already_matches_is_not_written() {
        let recorded = Applied {
            emoji: String::new(),
            name: Some("Ana".into()),
            picture: Some("U1AAA/ana.png".into()),
            ..Applied::default()
        };
        // Name shown by Slack already; photo recorded: nothing to do.
        let p = plan(
            &user(),
            &presets(),
            &status(""),
            Some("Ana"),
            Some(&recorded),
            false,
        )
        .unwrap()
        .unwrap();
        assert!(p.writes.is_empty());
        // Name-only preset: the photo stays as it is.
        let p = plan(
            &user(),
            &presets(),
            &status(":face_with_thermometer:"),
            Some("Ana"),
            Some(&recorded),
            false,
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            p.writes,
            vec![Write::Name {
                display_name: "Ana (sick)".into()
            }]
        );
    }

    #[test]
    fn the_manual_override_writes_everything() {
        let recorded = Applied {
            name: Some("Ana".into()),
            picture: Some("U1AAA/ana.png".into()),
            ..Applied::default()
        };
        let p = plan(
            &user(),
            &presets(),
            &Target::Emoji(EmojiKey::default_key()),
            Some("Ana"),
            Some(&recorded),
            true,
        )
        .unwrap()
        .unwrap();
        assert_eq!(p.writes.len(), 2);
    }

    #[test]
    fn an_unmapped_status_uses_default_and_a_named_emoji_does_not() {
        let p = plan(&user(), &presets(), &status(":wave:"), None, None, false)
            .unwrap()
            .unwrap();
        assert_eq!(p.preset, EmojiKey::default_key());
        assert_eq!(p.emoji, ":wave:");
        let err = plan(
            &user(),
            &presets(),
            &Target::Emoji(EmojiKey::parse(":wave:").unwrap()),
            None,
            None,
            true,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("U1AAA has no preset for :wave:"), "{err}");
        assert!(err.contains(":palm_tree:"), "{err}");
    }

    #[test]
    fn a_rebased_plan_leaves_out_what_another_process_wrote() {
        let plan = plan(
            &user(),
            &presets(),
            &status(":palm_tree:"),
            None,
            None,
            false,
        )
        .unwrap()
        .unwrap();
        assert_eq!(plan.rebased(None), plan);
        let name_written = Applied {
            name: Some("Ana (away)".into()),
            picture: Some("U1AAA/ana.png".into()),
            ..Applied::default()
        };
        assert_eq!(
            plan.rebased(Some(&name_written)).writes,
            vec![Write::Photo {
                picture: "U1AAA/beach.png".into()
            }]
        );
        let all_written = Applied {
            emoji: ":palm_tree:".into(),
            preset: Some(EmojiKey::parse(":palm_tree:").unwrap()),
            name: Some("Ana (away)".into()),
            picture: Some("U1AAA/beach.png".into()),
            ..Applied::default()
        };
        let rebased = plan.rebased(Some(&all_written));
        assert!(rebased.writes.is_empty());
        assert!(rebased.changes_nothing(Some(&all_written)));
    }

    #[test]
    fn no_default_and_no_preset_means_nothing_to_do() {
        let mut p = presets();
        p.remove(&EmojiKey::default_key());
        assert!(plan(&user(), &p, &status(""), None, None, false)
            .unwrap()
            .is_none());
    }
}
