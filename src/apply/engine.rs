//! The engine: makes a plan's writes with the member's own token (the name with
//! `users.profile.set`, the photo with `users.setPhoto` or `users.deletePhoto`), in order, each
//! only while the claim on the member holds, and records each as it lands. Keeping the usual
//! profile ([`super::usual`]), the records ([`super::records`]), claims
//! ([`crate::state::claims`]) and the picture cache ([`crate::picture::PictureCache`]) are
//! owned elsewhere; the engine only writes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use anyhow::{anyhow, Context, Result};

use super::records::{Record, Records};
use super::{display_emoji, usual, Done, Locked, Outcome, Photo, Plan, Run, Write};
use crate::exit::UsageError;
use crate::picture::decode::Refused;
use crate::picture::{Format, PictureCache};
use crate::presets::UserId;
use crate::slack::SlackClient;
use crate::state::{Applied, Claimant, Claimed};
use crate::store::Store;
use crate::tokens::{Token, Tokens};
use crate::workspace::made::Maker;

/// What running a plan did: the plan as carried out, the record as its last step wrote it
/// (`None`: it waits for the store), and the fields Slack refused as locked.
struct Carried {
    plan: Plan,
    written: Option<Applied>,
    locked: Vec<Locked>,
}

impl Carried {
    fn unlocked(plan: Plan, written: Option<Applied>) -> Carried {
        Carried {
            plan,
            written,
            locked: Vec::new(),
        }
    }
}

/// Makes planned writes with each member's own token and records them.
#[derive(Debug)]
pub struct Engine {
    store: Arc<dyn Store>,
    slack: Arc<SlackClient>,
    tokens: Arc<Tokens>,
    pictures: PictureCache,
    /// Who each token belongs to (`auth.test`), by where it came from.
    owners: Mutex<HashMap<crate::tokens::TokenSource, String>>,
    records: Arc<Records>,
    /// Whose claims `execute_claimed` takes; the last record of a plan releases the claim.
    claimant: Option<Claimant>,
    /// Makes workspace presets' photos.
    maker: Arc<Maker>,
}

impl Engine {
    /// An engine with the context's store, Slack client, tokens and photo maker; it records
    /// straight to the store and claims nobody (see [`Engine::claiming_as`]).
    pub fn new(context: &crate::context::Context) -> Self {
        Engine {
            store: context.store.clone(),
            slack: context.slack.clone(),
            tokens: context.tokens.clone(),
            pictures: PictureCache::default(),
            owners: Mutex::new(HashMap::new()),
            records: Arc::new(Records::new(context.store.clone())),
            claimant: None,
            maker: context.maker.clone(),
        }
    }

    /// Claim members as `claimant` in [`Engine::execute_claimed`].
    pub fn claiming_as(mut self, claimant: Claimant) -> Self {
        self.claimant = Some(claimant);
        self
    }

    /// Record through `records` (serve's, which keep what the store cannot take yet).
    pub fn recording_to(mut self, records: Arc<Records>) -> Self {
        self.records = records;
        self
    }

    /// Makes the plan's writes in order, recording each as it succeeds; an empty plan only
    /// records the emoji. Errors name the member and the emoji.
    pub fn execute(&self, plan: &Plan, now: u64) -> Result<Outcome> {
        let carried = self
            .run(plan.clone(), now, None, &|| true)
            .with_context(|| format!("{} ({})", plan.user, display_emoji(&plan.emoji)))?;
        Ok(Outcome {
            plan: carried.plan,
            dry_run: false,
            locked: carried.locked,
        })
    }

    /// Claims the member first (see [`crate::state::claims`]), so that another process writing
    /// them at the same moment (a second `serve`, `poll` beside `serve`) does not write the
    /// same change again; then carries out the plan less what the member's record as of the
    /// claim shows was written meanwhile. With records deferred (the store may be away), a
    /// claim the store cannot take is skipped.
    pub fn execute_claimed(&self, plan: &Plan, now: u64) -> Result<Run> {
        self.execute_claimed_while(plan, now, &|| true)
    }

    /// [`Engine::execute_claimed`], asking `go_on` before each write: once it says no, the
    /// rest of the plan is not written and the run fails with [`super::Stopped`].
    pub fn execute_claimed_while(
        &self,
        plan: &Plan,
        now: u64,
        go_on: &dyn Fn() -> bool,
    ) -> Result<Run> {
        let claimant = self
            .claimant
            .as_ref()
            .expect("execute_claimed needs claiming_as");
        let (store, user) = (self.store.as_ref(), &plan.user);
        let (plan, recorded, held) = match claimant.claim(store, user, &plan.emoji, now) {
            Ok(Claimed::Held(other)) => return Ok(Run::Elsewhere(other)),
            Ok(Claimed::Ours(recorded)) => (plan.rebased(recorded.as_ref()), recorded, true),
            Err(err) if self.records.defers() => {
                log::warn!("{err:#}; applying {user} without a claim");
                (plan.clone(), None, false)
            }
            Err(err) => return Err(err),
        };
        if plan.changes_nothing(recorded.as_ref()) {
            claimant.release(store, user);
            return Ok(Run::Done(Box::new(Done {
                plan,
                written: recorded.clone(),
                recorded,
                locked: Vec::new(),
            })));
        }
        let context = format!("{} ({})", plan.user, display_emoji(&plan.emoji));
        let done = if held {
            // The claim is renewed while the plan runs; each write is made only while it holds.
            let renew = || claimant.renew(store, user);
            crate::lease::hold(crate::lease::RENEW_EVERY, renew, |lease| {
                self.run(plan, now, Some(lease), go_on)
            })
        } else {
            self.run(plan, now, None, go_on)
        };
        match done.context(context) {
            Ok(carried) => Ok(Run::Done(Box::new(Done {
                plan: carried.plan,
                recorded,
                written: carried.written,
                locked: carried.locked,
            }))),
            Err(err) => {
                // The plan's last record released the claim; a failed run lets it go here.
                claimant.release(store, user);
                Err(err)
            }
        }
    }

    /// Carries out a plan; with a `lease` (a claim on the member), each write only while the
    /// claim is still this process's. Everything is settled before the first write: the
    /// pictures are read, the token checked, a change by hand confirmed, the usual profile kept
    /// and a workspace preset's photo made. Returns the plan as carried out and the member's
    /// record as written by its last step (`None`: it waits for the store).
    fn run(
        &self,
        plan: Plan,
        now: u64,
        lease: Option<&crate::lease::Lease>,
        go_on: &dyn Fn() -> bool,
    ) -> Result<Carried> {
        let user = plan.user.clone();
        let still_ours = || -> Result<()> {
            if !go_on() {
                return Err(super::Stopped(user.clone()).into());
            }
            match lease {
                Some(lease) if !lease.held() => Err(anyhow!(
                    "{user}: the claim on them lapsed (the store did not answer in time) and \
                     another process may be writing them; nothing more is written here"
                )),
                _ => Ok(()),
            }
        };
        if plan.writes.is_empty() && plan.hand_edit.is_none() {
            let written = self
                .records
                .write(self.last_record(&plan, now, None, None))?;
            return Ok(Carried::unlocked(plan, written));
        }
        // Read every stored picture before anything else, so a missing one changes nothing.
        let mut pictures = HashMap::new();
        for write in &plan.writes {
            if let Write::Photo {
                picture: Photo::Stored(key),
            } = write
            {
                pictures.insert(key.clone(), self.pictures.get(self.store.as_ref(), key)?);
            }
        }
        let token = self.tokens.for_user(&plan.user)?;
        // A token Slack refuses for good disconnects its member (when they connected it).
        let refused = |err| self.refused(&token, err);
        // Only the member's own token, before anything is read or written with it.
        self.check_owner(&token, &plan.user)?;
        // A change seen since the usual profile was put back is confirmed with a fresh read
        // first: the profile an event carries can be older than statusinator's last write.
        let mut plan = plan;
        if plan.hand_edit.as_ref().is_some_and(|e| e.confirm.is_some()) {
            let fresh = self
                .slack
                .profile_get(&token, plan.user.as_str())
                .map_err(refused)?;
            plan = plan.confirmed(&fresh)?;
            if plan.hand_edit.is_none() {
                log::debug!(
                    "{}: what looked like a change by hand was an older profile",
                    plan.user
                );
            }
        }
        // The usual profile first: kept before the first change, updated with a hand edit.
        let mut kept = usual::Kept::default();
        let mut usual_photo = None;
        if plan.keep_usual || plan.hand_edit.is_some() {
            let shown = match &plan.shown {
                Some(shown) => (**shown).clone(),
                None => self
                    .slack
                    .profile_get(&token, plan.user.as_str())
                    .map_err(refused)?,
            };
            kept = usual::keep(self.store.as_ref(), &self.slack, &plan, &shown, now)?;
            // Putting the usual profile back, the photo they set by hand is the usual one and
            // is in effect already: the record says so (nothing is written over it later).
            if plan.preset.is_usual() {
                if let Some(picture) = kept.by_hand.clone() {
                    usual_photo = Some((picture, shown.avatar_hash.clone()));
                }
            }
        }
        let mut plan = plan.made_from(kept.usual.as_ref());
        // A usual photo that could not be kept (or made into another) stays as it is; the rest
        // of the preset still applies.
        let photo_refused = match kept.usual.as_ref().and_then(|u| u.photo_refused.clone()) {
            Some(refused) => Some(refused),
            None => self
                .make_photo(&plan, &token, &kept, &mut pictures)?
                .map(|refused| format!("no photo can be made from it: {refused}")),
        };
        if let Some(refused) = photo_refused {
            if plan.writes.iter().any(|w| matches!(w, Write::Photo { .. })) {
                log::warn!(
                    "{}: their photo is left as it is for {} ({refused}); the name still \
                     changes. A photo of their own of 512 to 1024 px lets statusinator change \
                     it too",
                    plan.user,
                    plan.emoji
                );
                plan.writes.retain(|w| !matches!(w, Write::Photo { .. }));
            }
        }
        if plan.writes.is_empty() {
            let written = self
                .records
                .write(self.last_record(&plan, now, None, usual_photo))?;
            return Ok(Carried::unlocked(plan, written));
        }
        let last = plan.writes.len() - 1;
        let mut written = None;
        let mut locked = Vec::new();
        for (i, write) in plan.writes.iter().enumerate() {
            still_ours()?;
            let mut record_of = write.clone();
            let done = match write {
                Write::Name { display_name } => {
                    self.slack.set_display_name(&token, display_name).map(|()| {
                        log::info!("{}: display name set to {display_name:?}", plan.user);
                        None
                    })
                }
                Write::Photo { picture } => {
                    let key = picture.key(&plan.user).expect("made from the kept photo");
                    let (bytes, format) = &pictures[&key];
                    let done = self.slack.set_photo(&token, bytes, *format).map(|()| {
                        log::info!("{}: photo set to {key}", plan.user);
                        self.avatar_hash(&token, &plan.user)
                    });
                    record_of = Write::Photo {
                        picture: Photo::Stored(key),
                    };
                    done
                }
                Write::DeletePhoto => self.slack.delete_photo(&token).map(|()| {
                    log::info!("{}: photo removed (they had none of their own)", plan.user);
                    self.avatar_hash(&token, &plan.user)
                }),
            };
            let avatar_hash = match done {
                Ok(avatar_hash) => avatar_hash,
                Err(err) => {
                    let Some(code) = err.locks_field().map(str::to_owned) else {
                        return Err(refused(err));
                    };
                    // Locked by their organization: noted, left alone for a day, and the rest
                    // of the plan still written.
                    let field = write.field();
                    let first =
                        crate::state::lock(self.store.as_ref(), &plan.user, field, &code, now)?;
                    log::warn!(
                        "{}: Slack refused to change their {} ({code}): their organization \
                         locks it; it is tried again in a day, or when they ask",
                        plan.user,
                        field.label()
                    );
                    locked.push(Locked { field, code, first });
                    if i == last {
                        let record = self.last_record(&plan, now, None, usual_photo.clone());
                        written = self.records.write(record)?;
                    }
                    continue;
                }
            };
            let record = if i == last {
                Record {
                    avatar_hash,
                    ..self.last_record(&plan, now, Some(&record_of), usual_photo.clone())
                }
            } else {
                Record {
                    avatar_hash,
                    ..Record::of(&plan.user, now, Some(&record_of))
                }
            };
            written = self.records.write(record)?;
        }
        Ok(Carried {
            plan,
            written,
            locked,
        })
    }

    /// The record of a plan's last step: the emoji and preset now in effect, and the release
    /// of the claim on the member.
    fn last_record(
        &self,
        plan: &Plan,
        now: u64,
        write: Option<&Write>,
        usual_photo: Option<(Option<String>, Option<String>)>,
    ) -> Record {
        Record {
            finish: Some((
                plan.emoji.clone(),
                plan.preset.clone(),
                plan.status_expires_at,
            )),
            release: self.claimant.as_ref().map(|c| c.name().to_owned()),
            usual_photo,
            ..Record::of(&plan.user, now, write)
        }
    }

    /// Makes the plan's workspace photo unless it is stored (from the usual photo's bytes when
    /// they were just downloaded, else from the store), and reads it like any picture. Returns
    /// why the usual photo was refused, when it was (too large, unreadable): no photo is made.
    fn make_photo(
        &self,
        plan: &Plan,
        token: &Token,
        kept: &usual::Kept,
        pictures: &mut HashMap<String, (Arc<Vec<u8>>, Format)>,
    ) -> Result<Option<Refused>> {
        let user = &plan.user;
        let team = token.team.clone().unwrap_or_default();
        let bot = self.tokens.bot_of(token.team.as_deref());
        for write in &plan.writes {
            if let Write::Photo {
                picture: Photo::Made(made),
            } = write
            {
                let key = made.key(user);
                let usual = kept
                    .usual
                    .as_ref()
                    .filter(|usual| usual.picture == made.usual)
                    .and(kept.photo.as_deref());
                let found = self.pictures.get_or(self.store.as_ref(), &key, || {
                    self.maker.make(user, made, usual, &team, bot.as_ref())
                });
                match found {
                    Ok(found) => {
                        pictures.insert(key, found);
                    }
                    Err(err) => {
                        return match err.chain().find_map(|e| e.downcast_ref::<Refused>()) {
                            Some(refused) => Ok(Some(refused.clone())),
                            None => Err(err),
                        }
                    }
                }
            }
        }
        Ok(None)
    }

    /// Slack's refusal of `token`, as the error to return: the member it disconnected (the
    /// caller decides whether to tell them), else Slack's own error.
    fn refused(&self, token: &Token, err: crate::slack::SlackError) -> anyhow::Error {
        match self.tokens.token_failed(token, &err) {
            Some(disconnected) => crate::exit::UsageError::of(disconnected),
            None => err.into(),
        }
    }

    /// The `avatar_hash` Slack shows right after statusinator's photo write: the mark of its
    /// own photo, so a different one later is the member's hand.
    fn avatar_hash(&self, token: &Token, user: &UserId) -> Option<String> {
        match self.slack.profile_get(token, user.as_str()) {
            Ok(profile) => profile.avatar_hash,
            Err(err) => {
                log::warn!("{user}: reading back the photo's avatar_hash failed ({err})");
                None
            }
        }
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
                    .map_err(|err| self.refused(token, err))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::Write;
    use crate::presets::EmojiKey;
    use crate::slack::RetryPolicy;
    use crate::state::{self, MemberState};
    use crate::store::LocalStore;

    /// An engine on a local store, with a Slack client that cannot reach anyone: whatever these
    /// tests see happened without a call to Slack.
    fn engine(dir: &tempfile::TempDir) -> (Arc<dyn Store>, Engine) {
        let store: Arc<dyn Store> = Arc::new(LocalStore::new(dir.path().to_path_buf()));
        let policy = RetryPolicy {
            attempts: 1,
            ..RetryPolicy::default()
        };
        let slack = Arc::new(SlackClient::new("http://127.0.0.1:9/api/", policy).unwrap());
        let tokens = Arc::new(Tokens::load(None, Some("xoxp-1-ana".into()), None).unwrap());
        let context = crate::context::Context::new(store.clone(), slack, tokens);
        let engine = Engine::new(&context).claiming_as(Claimant::new("test"));
        (store, engine)
    }

    fn ana() -> UserId {
        UserId::parse("U0ANA0001").unwrap()
    }

    fn plan(writes: Vec<Write>) -> Plan {
        Plan {
            user: ana(),
            emoji: ":palm_tree:".into(),
            preset: EmojiKey::parse(":palm_tree:").unwrap(),
            writes,
            keep_usual: false,
            hand_edit: None,
            status_expires_at: Some(4_000),
            shown: None,
            forced: false,
            template: None,
        }
    }

    fn state_of(store: &Arc<dyn Store>) -> MemberState {
        state::load_state(store.as_ref(), &ana())
            .unwrap()
            .unwrap_or_default()
    }

    #[test]
    fn a_plan_without_writes_records_its_status_and_returns_the_record() {
        let dir = tempfile::tempdir().unwrap();
        let (store, engine) = engine(&dir);
        let Run::Done(done) = engine.execute_claimed(&plan(vec![]), 100).unwrap() else {
            panic!("nobody else holds her");
        };
        let written = done.written.expect("the store took it");
        assert_eq!(written.emoji, ":palm_tree:");
        assert_eq!(written.status_expires_at, Some(4_000));
        let state = state_of(&store);
        assert_eq!(state.applied, Some(written));
        assert_eq!(state.claim, None, "the record released the claim");
        // The same again changes nothing, and says so.
        let Run::Done(again) = engine.execute_claimed(&plan(vec![]), 200).unwrap() else {
            panic!("nobody else holds her");
        };
        assert_eq!(again.written.unwrap().applied_at, 100);
    }

    #[test]
    fn a_member_another_process_holds_is_left_to_it() {
        let dir = tempfile::tempdir().unwrap();
        let (store, engine) = engine(&dir);
        let other = Claimant::new("other");
        let now = crate::clock::unix_now();
        other.claim(store.as_ref(), &ana(), ":bus:", now).unwrap();
        let run = engine.execute_claimed(&plan(vec![]), now).unwrap();
        let Run::Elsewhere(claim) = run else {
            panic!("{run:?}");
        };
        assert_eq!(
            (claim.by.as_str(), claim.emoji.as_str()),
            (other.name(), ":bus:")
        );
        assert_eq!(state_of(&store).applied, None);
    }

    #[test]
    fn a_missing_picture_stops_the_plan_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let (store, engine) = engine(&dir);
        let writes = vec![
            Write::Name {
                display_name: "Ana (away)".into(),
            },
            Write::Photo {
                picture: Photo::Stored("U0ANA0001/beach.png".into()),
            },
        ];
        let err = engine
            .execute_claimed(&plan(writes), crate::clock::unix_now())
            .unwrap_err();
        let message = format!("{err:#}");
        assert!(
            message.contains("U0ANA0001 (:palm_tree:)") && message.contains("beach.png"),
            "{message}"
        );
        assert!(message.contains("onboard"), "says the fix: {message}");
        let state = state_of(&store);
        assert_eq!(state.applied, None, "nothing recorded");
        assert_eq!(state.claim, None, "the claim was let go");
    }
}
