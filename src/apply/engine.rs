//! The engine: makes a plan's writes with the member's own token (the name with
//! `users.profile.set`, the photo with `users.setPhoto` or `users.deletePhoto`), keeps the usual
//! profile first when the plan says so, claims the member so no two processes write them at
//! once, and records what was applied after each write.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use anyhow::{anyhow, Context, Result};

use super::{display_emoji, Outcome, Plan, Run, Write, CLAIM_HOLD, MADE_ONCE_KEPT};
use crate::exit::UsageError;
use crate::picture::{self, Format};
use crate::presets::{EmojiKey, UserId};
use crate::slack::{Profile, SlackClient};
use crate::state::{self as applied, Applied, Claimed, Usual};
use crate::store::Store;
use crate::tokens::{Token, Tokens};
use crate::workspace::made::Maker;

/// How many pictures the in-memory cache keeps (each at most a few MB).
const PICTURE_CACHE_ENTRIES: usize = 64;

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
        self.get_or(store, key, || {
            Err(anyhow!(
                "the picture {} is missing from the store: onboard the member's presets again",
                store.location(key)
            ))
        })
    }

    /// [`PictureCache::get`], with `make` called for the bytes of a picture the store does not
    /// have (it stores them).
    pub fn get_or(
        &self,
        store: &dyn Store,
        key: &str,
        make: impl FnOnce() -> Result<Vec<u8>>,
    ) -> Result<(Arc<Vec<u8>>, Format)> {
        let cached = self.entries.lock().expect("cache lock").get(key).cloned();
        let bytes = match cached {
            Some(bytes) => bytes,
            None => {
                let bytes = match store.get(key)? {
                    Some(bytes) => bytes,
                    None => make()?,
                };
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

/// The member's own photo as Slack shows it, downloaded from Slack's image hosts (the original,
/// else the 1024 px one, else the 512 px one: the first Slack would take back) and checked;
/// `None` when they have no photo of their own.
pub fn own_photo(
    slack: &SlackClient,
    user: &UserId,
    shown: &Profile,
) -> Result<Option<(Vec<u8>, Format)>> {
    if !shown.is_custom_image {
        return Ok(None);
    }
    let fetcher = crate::fetch::Fetcher::slack_images(slack.base())?;
    let mut last = String::from("Slack shows no photo URL");
    for url in [&shown.image_original, &shown.image_1024, &shown.image_512]
        .into_iter()
        .flatten()
    {
        let checked = fetcher
            .get(url, crate::onboard::MAX_PICTURE_BYTES)
            .map_err(|e| e.to_string())
            .and_then(|bytes| picture::check(&bytes).map(|c| (bytes, c.format)));
        match checked {
            Ok(found) => return Ok(Some(found)),
            Err(reason) => last = reason,
        }
    }
    Err(anyhow!(
        "{user}'s own photo could not be downloaded from Slack ({last})"
    ))
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
    /// Records waiting for the store, oldest first (`None`: a store failure is an error).
    deferred: Option<Mutex<Vec<Step>>>,
    /// The instance whose claim on a member the last record of a plan releases.
    claimant: Option<String>,
    /// Makes workspace presets' photos (shared by every engine made from this one).
    maker: Arc<Maker>,
}

/// One step of an apply, as it goes into the applied state.
#[derive(Debug, Clone)]
struct Step {
    user: UserId,
    now: u64,
    /// The write that reached Slack (`None` when nothing needed writing).
    write: Option<Write>,
    /// After a photo write: the `avatar_hash` Slack reported for it.
    avatar_hash: Option<String>,
    /// The plan's last step: the emoji and preset now in effect, and when the status lapses.
    finish: Option<(String, EmojiKey, Option<u64>)>,
    /// The claim on the member this step releases (the last step's, when claiming).
    release: Option<String>,
    /// With the usual profile put back and the photo set by hand kept as the usual one: that
    /// photo (its key) and its `avatar_hash` are what is in effect now, written or not.
    usual_photo: Option<(Option<String>, Option<String>)>,
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
            Some(Write::Photo { picture }) => {
                entry.picture = Some(picture.clone());
                entry.avatar_hash = self.avatar_hash.clone();
            }
            Some(Write::DeletePhoto) => {
                entry.picture = None;
                entry.avatar_hash = self.avatar_hash.clone();
            }
            None => {}
        }
        if let Some((emoji, preset, expires)) = &self.finish {
            entry.emoji = emoji.clone();
            entry.preset = Some(preset.clone());
            entry.status_expires_at = *expires;
        }
        if let Some((picture, avatar_hash)) = &self.usual_photo {
            entry.picture = picture.clone();
            entry.avatar_hash = avatar_hash.clone();
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
            avatar_hash: None,
            finish: None,
            release: None,
            usual_photo: None,
        }
        .apply_to(&mut entry);
    }
    entry.emoji = plan.emoji.clone();
    entry.preset = Some(plan.preset.clone());
    entry.status_expires_at = plan.status_expires_at;
    entry
}

impl Engine {
    pub fn new(context: &crate::context::Context) -> Self {
        Engine {
            store: context.store.clone(),
            slack: context.slack.clone(),
            tokens: context.tokens.clone(),
            pictures: PictureCache::default(),
            owners: Mutex::new(HashMap::new()),
            deferred: None,
            claimant: None,
            maker: context.maker.clone(),
        }
    }

    /// The same store, client and tokens, without claims: its writes neither take nor release
    /// one (for a caller that holds the member's claim itself).
    pub fn unclaimed(&self) -> Engine {
        Engine {
            store: self.store.clone(),
            slack: self.slack.clone(),
            tokens: self.tokens.clone(),
            pictures: PictureCache::default(),
            owners: Mutex::new(HashMap::new()),
            deferred: None,
            claimant: None,
            maker: self.maker.clone(),
        }
    }

    /// The same store, client and tokens, claiming as a claimant of its own (named after
    /// `kind`): this engine's other users (the same process's workers) are others to it.
    pub fn another_claimant(&self, kind: &str) -> Engine {
        self.unclaimed().claiming_as(&applied::instance_name(kind))
    }

    /// Claims `user` for `what`, to write them with [`Engine::unclaimed`] meanwhile; `false`
    /// when another process holds them now. Held until released (or for 20 s).
    pub fn claim_member(&self, user: &UserId, what: &str, now: u64) -> Result<bool> {
        let instance = self
            .claimant
            .as_deref()
            .expect("claim_member needs claiming_as");
        Ok(matches!(
            applied::claim(self.store.as_ref(), user, instance, what, now, CLAIM_HOLD)?,
            Claimed::Ours(_)
        ))
    }

    /// Lets go of a claim taken with [`Engine::claim_member`].
    pub fn release_member(&self, user: &UserId) {
        if let Some(instance) = self.claimant.as_deref() {
            if let Err(err) = applied::release(self.store.as_ref(), user, instance) {
                log::warn!("{err:#}; the claim lapses in at most {CLAIM_HOLD} s");
            }
        }
    }

    /// Claim members as `instance` in [`Engine::execute_claimed`]; the last record of every
    /// plan releases the claim.
    pub fn claiming_as(mut self, instance: &str) -> Self {
        self.claimant = Some(instance.to_owned());
        self
    }

    /// Makes the plan's writes in order, recording each as it succeeds; an empty plan only
    /// records the emoji. Errors name the member and the emoji.
    pub fn execute(&self, plan: &Plan, now: u64) -> Result<Outcome> {
        let context = || format!("{} ({})", plan.user, display_emoji(&plan.emoji));
        let mut plan = plan.clone();
        self.run(&mut plan, now, None, &|| true)
            .with_context(context)?;
        Ok(Outcome {
            plan,
            dry_run: false,
        })
    }

    /// Claims the member first (see [`applied::claim`]), so that another process writing them
    /// at the same moment (a second `serve`, `poll` beside `serve`) does not write the same
    /// change again; then carries out the plan less what the member's record as of the claim
    /// shows was written meanwhile. With records deferred (the store may be away), a claim the
    /// store cannot take is skipped.
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
        let instance = self
            .claimant
            .as_deref()
            .expect("execute_claimed needs claiming_as");
        let user = &plan.user;
        let claimed = applied::claim(
            self.store.as_ref(),
            user,
            instance,
            &plan.emoji,
            now,
            CLAIM_HOLD,
        );
        let (mut plan, recorded, held) = match claimed {
            Ok(Claimed::Held(other)) => return Ok(Run::Elsewhere(other)),
            Ok(Claimed::Ours(recorded)) => (plan.rebased(recorded.as_ref()), recorded, true),
            Err(err) if self.deferred.is_some() => {
                log::warn!("{err:#}; applying {user} without a claim");
                (plan.clone(), None, false)
            }
            Err(err) => return Err(err),
        };
        let idle = plan.changes_nothing(recorded.as_ref());
        let done = if idle {
            Ok(())
        } else if !held {
            self.execute(&plan, now).map(|outcome| plan = outcome.plan)
        } else {
            // The claim is renewed while the plan runs; each write is made only while it holds.
            let renew = || applied::renew_claim(self.store.as_ref(), user, instance, CLAIM_HOLD);
            crate::lease::hold(crate::lease::RENEW_EVERY, renew, |lease| {
                let context = format!("{} ({})", plan.user, display_emoji(&plan.emoji));
                self.run(&mut plan, now, Some(lease), go_on)
                    .context(context)
            })
        };
        // The plan's last record released the claim; anything else lets it go here.
        if idle || done.is_err() {
            if let Err(err) = applied::release(self.store.as_ref(), user, instance) {
                log::warn!("{err:#}; the claim lapses in at most {CLAIM_HOLD} s");
            }
        }
        done.map(|()| Run::Done {
            plan: Box::new(plan),
            recorded,
        })
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
            return step.record(self.store.as_ref());
        };
        let mut waiting = deferred.lock().expect("deferred lock");
        Self::flush_locked(self.store.as_ref(), &mut waiting);
        if waiting.is_empty() {
            match step.record(self.store.as_ref()) {
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
                Self::flush_locked(self.store.as_ref(), &mut waiting);
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

    /// Carries out a plan; with a `lease` (a claim on the member), each write only while the
    /// claim is still this process's. A workspace preset's photo is made first when it is not
    /// stored yet (and its key filled in once the usual photo it is made from is kept).
    fn run(
        &self,
        plan: &mut Plan,
        now: u64,
        lease: Option<&crate::lease::Lease>,
        go_on: &dyn Fn() -> bool,
    ) -> Result<()> {
        let user = plan.user.clone();
        let finish = (
            plan.emoji.clone(),
            plan.preset.clone(),
            plan.status_expires_at,
        );
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
        // Set when the usual profile goes back with a photo set by hand kept as the usual one.
        let mut usual_photo: Option<(Option<String>, Option<String>)> = None;
        let step =
            |write: Option<&Write>,
             avatar_hash: Option<String>,
             last: bool,
             usual_photo: &Option<(Option<String>, Option<String>)>| Step {
                user: user.clone(),
                now,
                write: write.cloned(),
                avatar_hash,
                finish: last.then(|| finish.clone()),
                release: self.claimant.clone().filter(|_| last),
                usual_photo: usual_photo.clone().filter(|_| last),
            };
        if plan.writes.is_empty() && plan.hand_edit.is_none() {
            return self.record(step(None, None, true, &None));
        }
        // Read every stored picture before anything else, so a missing one changes nothing.
        let made = plan.made.as_ref().map(|m| m.key(&plan.user));
        let mut pictures = HashMap::new();
        for write in &plan.writes {
            if let Write::Photo { picture } = write {
                if Some(picture) != made.as_ref() && picture != MADE_ONCE_KEPT {
                    pictures.insert(
                        picture.clone(),
                        self.pictures.get(self.store.as_ref(), picture)?,
                    );
                }
            }
        }
        let token = self.tokens.for_user(&plan.user)?;
        // A token Slack refuses for good disconnects its member (when they connected it).
        let refused = |err| self.refused(&token, err);
        // Only the member's own token, before anything is read or written with it.
        self.check_owner(&token, &plan.user)?;
        // A change seen since the usual profile was put back is confirmed with a fresh read
        // first: the profile an event carries can be older than statusinator's last write.
        let mut fresh = None;
        if let Some(edit) = plan.hand_edit.clone().filter(|e| e.confirm.is_some()) {
            let read = self
                .slack
                .profile_get(&token, plan.user.as_str())
                .map_err(refused)?;
            plan.hand_edit = edit.confirmed(&read);
            // A name made from a template is made from the name they set.
            if let (Some(template), Some(name)) = (
                &plan.template,
                plan.hand_edit.as_ref().and_then(|e| e.name.as_deref()),
            ) {
                let name = crate::workspace::template::name_of(name, &read.real_name);
                let filled = super::fill_template(&plan.user, &plan.preset, template, name)?;
                for write in &mut plan.writes {
                    if let Write::Name { display_name } = write {
                        *display_name = filled.clone();
                    }
                }
            }
            if plan.hand_edit.is_none() {
                log::debug!(
                    "{}: what looked like a change by hand was an older profile",
                    plan.user
                );
            }
            fresh = Some(read);
        }
        // The usual profile first: kept before the first change, updated with a hand edit.
        if plan.keep_usual || plan.hand_edit.is_some() {
            let shown = match (fresh, &plan.shown) {
                (Some(fresh), _) => fresh,
                (None, Some(shown)) => (**shown).clone(),
                (None, None) => self
                    .slack
                    .profile_get(&token, plan.user.as_str())
                    .map_err(refused)?,
            };
            let kept = self.keep_usual(plan, &shown, now)?;
            // Putting the usual profile back, the photo they set by hand is the usual one and
            // is in effect already: the record says so (nothing is written over it later).
            if plan.preset.is_usual() {
                if let Some(picture) = kept {
                    usual_photo = Some((picture, shown.avatar_hash.clone()));
                }
            }
        }
        if plan.writes.is_empty() {
            return self.record(step(None, None, true, &usual_photo));
        }
        self.make_photo(plan, &token, &mut pictures)?;
        let plan = &*plan;
        let last = plan.writes.len() - 1;
        for (i, write) in plan.writes.iter().enumerate() {
            still_ours()?;
            let mut avatar_hash = None;
            match write {
                Write::Name { display_name } => {
                    self.slack
                        .set_display_name(&token, display_name)
                        .map_err(refused)?;
                    log::info!("{}: display name set to {display_name:?}", plan.user);
                }
                Write::Photo { picture } => {
                    let (bytes, format) = &pictures[picture];
                    self.slack
                        .set_photo(&token, bytes, *format)
                        .map_err(refused)?;
                    log::info!("{}: photo set to {picture}", plan.user);
                    avatar_hash = self.avatar_hash(&token, &plan.user);
                }
                Write::DeletePhoto => {
                    self.slack.delete_photo(&token).map_err(refused)?;
                    log::info!("{}: photo removed (they had none of their own)", plan.user);
                    avatar_hash = self.avatar_hash(&token, &plan.user);
                }
            }
            self.record(step(Some(write), avatar_hash, i == last, &usual_photo))?;
        }
        Ok(())
    }

    /// Makes the plan's workspace photo unless it is stored, once its usual photo is kept (a
    /// write of [`MADE_ONCE_KEPT`] gets the made photo's key), and reads it like any picture.
    fn make_photo(
        &self,
        plan: &mut Plan,
        token: &Token,
        pictures: &mut HashMap<String, (Arc<Vec<u8>>, Format)>,
    ) -> Result<()> {
        let Some(made) = plan.made.as_mut() else {
            return Ok(());
        };
        let user = &plan.user;
        let pending = plan
            .writes
            .iter()
            .any(|w| matches!(w, Write::Photo { picture } if picture == MADE_ONCE_KEPT));
        if pending {
            made.usual = applied::load_usual(self.store.as_ref(), user)?.and_then(|u| u.picture);
        }
        let key = made.key(user);
        let mut written = false;
        for write in &mut plan.writes {
            if let Write::Photo { picture } = write {
                if *picture == key || picture == MADE_ONCE_KEPT {
                    *picture = key.clone();
                    written = true;
                }
            }
        }
        if !written {
            return Ok(());
        }
        let team = token.team.clone().unwrap_or_default();
        let bot = self.tokens.bot_of(token.team.as_deref());
        let found = self.pictures.get_or(self.store.as_ref(), &key, || {
            self.maker.make(user, made, None, &team, bot.as_ref())
        })?;
        pictures.insert(key, found);
        Ok(())
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

    /// Keeps the member's usual profile from what Slack shows: before the first change (only
    /// when none is kept), or the name and photo they set by hand (replacing the kept one).
    /// Returns the photo kept from a hand edit (its key; `None` inside: Slack's default
    /// avatar), when one was.
    fn keep_usual(&self, plan: &Plan, shown: &Profile, now: u64) -> Result<Option<Option<String>>> {
        let user = &plan.user;
        let mut kept_photo = None;
        if plan.keep_usual {
            let usual = Usual {
                name: shown.display_name.clone(),
                picture: self.keep_photo(user, shown)?,
                custom_photo: shown.is_custom_image,
                kept_at: now,
            };
            applied::keep_usual(self.store.as_ref(), user, &usual, false)?;
            log::info!(
                "{user}: kept their usual profile (name {:?}, {})",
                usual.name,
                match &usual.picture {
                    Some(p) => format!("photo {p}"),
                    None => "no photo of their own".to_owned(),
                }
            );
        }
        if let Some(edit) = &plan.hand_edit {
            let mut usual = applied::load_usual(self.store.as_ref(), user)?.unwrap_or_default();
            if let Some(name) = &edit.name {
                usual.name = name.clone();
            }
            if edit.photo {
                usual.picture = self.keep_photo(user, shown)?;
                usual.custom_photo = shown.is_custom_image;
                kept_photo = Some(usual.picture.clone());
            }
            usual.kept_at = now;
            applied::keep_usual(self.store.as_ref(), user, &usual, true)?;
            log::info!("{user} changed their profile by hand: that is their usual now");
            if edit.photo {
                // Photos made from the earlier usual one are of no more use (none is in effect:
                // the photo in effect is the one they set); any still needed is made anew.
                match crate::workspace::made::remove_all(self.store.as_ref(), user) {
                    Ok(0) => {}
                    Ok(n) => {
                        log::info!("{user}: removed {n} photo(s) made from their earlier photo")
                    }
                    Err(err) => {
                        log::warn!("removing photos made from {user}'s earlier photo: {err:#}")
                    }
                }
            }
        }
        Ok(kept_photo)
    }

    /// The member's own photo as Slack shows it (see [`own_photo`]), stored like any picture;
    /// `None` when they have no photo of their own.
    fn keep_photo(&self, user: &UserId, shown: &Profile) -> Result<Option<String>> {
        let own = own_photo(&self.slack, user, shown).with_context(|| {
            format!("keeping {user}'s own photo before changing it failed; nothing was changed")
        })?;
        match own {
            Some((bytes, format)) => {
                picture::keep(self.store.as_ref(), user, &bytes, format).map(Some)
            }
            None => Ok(None),
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
