//! One limiter per lane (a workspace or organization, and a Web API method) for every process of a
//! deployment, run atomically in Redis by one Lua script on Redis's own clock (`TIME`), so no
//! process's clock matters and two processes can never both take the last turn.
//!
//! It is the rule Slack's tiers state, kept exactly: at most the tier's calls in any 60 s. A
//! lane is a sorted set of its calls of the last window, each scored by when it counts; a call
//! may go while the window holds fewer than the tier, else when the oldest leaves it. A call
//! counts from its answer (`done` moves it there), as in the per-process pacer: Slack counts a
//! call when it reaches Slack, somewhere between the two. Beside it, the lane's pause: the
//! moment Slack's `Retry-After`, seen by any process, ends.
//!
//! Why not a GCRA (one theoretical arrival time per lane): its burst and its rate together can
//! keep "no more than the tier in any minute" only with a burst of one, spacing every call a
//! tier's interval apart: 60 photos at 20 a minute then take 3 minutes instead of 2 (measured
//! with `tests/budget.rs`: 180.4 s against 120.7 s), slower with Redis than one process alone.

use std::time::Duration;

use super::Link;

/// The script: `KEYS[1]` the lane's calls, `KEYS[2]` its pause, `ARGV[1]` the operation,
/// `ARGV[2]` the tier (calls per window), `ARGV[3]` the window (µs), `ARGV[4..]` the
/// operation's own.
///
/// - `take` `id`: the call goes now (0, noted as `id`), or the µs to wait;
/// - `peek`: the same, without taking the turn;
/// - `done` `id`: the call was answered: it counts from now;
/// - `pause` `wait_us`: no call before `wait_us` from now (the later of two pauses holds);
/// - `owe` `id` `age_us`…: calls made without the limiter, each `age_us` ago, count too.
const SCRIPT: &str = r"
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local op = ARGV[1]
local tier = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local function us(n) return string.format('%.0f', n) end
local function last(key, life_us)
  redis.call('PEXPIRE', key, math.ceil(life_us / 1000) + 1000)
end
if op == 'pause' then
  local ends = now + tonumber(ARGV[4])
  local held = tonumber(redis.call('GET', KEYS[2]) or '0')
  if ends > held then
    redis.call('SET', KEYS[2], us(ends), 'PX', math.ceil(tonumber(ARGV[4]) / 1000) + 1000)
  end
  return 0
end
if op == 'done' then
  redis.call('ZADD', KEYS[1], 'XX', us(now), ARGV[4])
  last(KEYS[1], window)
  return 0
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', us(now - window))
if op == 'owe' then
  for i = 5, #ARGV do
    redis.call('ZADD', KEYS[1], us(now - tonumber(ARGV[i])), ARGV[4] .. ':' .. i)
  end
  last(KEYS[1], window)
  return 0
end
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > now then return paused - now end
if redis.call('ZCARD', KEYS[1]) >= tier then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  local free = tonumber(oldest[2]) + window
  if free > now then return math.max(1, free - now) end
end
if op == 'take' then
  redis.call('ZADD', KEYS[1], us(now), ARGV[4])
  last(KEYS[1], window)
end
return 0
";

/// What the limiter said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    /// The call goes now.
    Now,
    /// Ask again after this long.
    Wait(Duration),
}

/// A lane's rule: so many calls in any window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tier {
    pub calls: u32,
    pub window: Duration,
}

/// The lane's two keys; one hash tag, so a clustered Redis keeps them on one node.
fn keys(link: &Link, lane: &str) -> (String, String) {
    let base = link.key(&format!("{{pace:{lane}}}"));
    (format!("{base}:calls"), format!("{base}:pause"))
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

fn script() -> &'static redis::Script {
    static SCRIPT_ONCE: std::sync::OnceLock<redis::Script> = std::sync::OnceLock::new();
    SCRIPT_ONCE.get_or_init(|| redis::Script::new(SCRIPT))
}

impl Link {
    /// Runs one operation of the script on `lane`; `None` when Redis is not answering.
    fn limiter(&self, lane: &str, tier: Tier, op: &str, rest: &[String]) -> Option<u64> {
        let (calls, pause) = keys(self, lane);
        self.run(|conn| {
            let mut invocation = script().prepare_invoke();
            invocation
                .key(&calls)
                .key(&pause)
                .arg(op)
                .arg(tier.calls)
                .arg(micros(tier.window));
            for arg in rest {
                invocation.arg(arg);
            }
            invocation.invoke(conn)
        })
    }

    /// Takes a turn in `lane` for the call `id` (unique in the deployment), or says how long
    /// to wait. `None`: Redis is not answering; pace alone.
    pub fn take(&self, lane: &str, tier: Tier, id: &str) -> Option<Turn> {
        self.limiter(lane, tier, "take", &[id.to_owned()]).map(turn)
    }

    /// How long a call in `lane` would wait now, without taking the turn.
    pub fn peek(&self, lane: &str, tier: Tier) -> Option<Turn> {
        self.limiter(lane, tier, "peek", &[]).map(turn)
    }

    /// The call `id` was answered: it counts from now.
    pub fn done(&self, lane: &str, tier: Tier, id: &str) -> Option<()> {
        self.limiter(lane, tier, "done", &[id.to_owned()])
            .map(|_| ())
    }

    /// Slack answered 429: no call in `lane`, from any process, before `wait` has passed.
    pub fn pause(&self, lane: &str, wait: Duration) -> Option<()> {
        let any = Tier {
            calls: 1,
            window: Duration::ZERO,
        };
        self.limiter(lane, any, "pause", &[micros(wait).to_string()])
            .map(|_| ())
    }

    /// Calls in `lane` went to Slack without the limiter (while Redis was down), each `ages`
    /// ago: they count as if they had taken their turns. `id` names them apart from others'.
    pub fn owe(&self, lane: &str, tier: Tier, id: &str, ages: &[Duration]) -> Option<()> {
        let mut rest = vec![id.to_owned()];
        rest.extend(ages.iter().map(|age| micros(*age).to_string()));
        self.limiter(lane, tier, "owe", &rest).map(|_| ())
    }

    /// Loads the script (what `doctor` checks): its SHA1.
    pub fn load_script(&self) -> Option<String> {
        self.run(|conn| script().load(conn))
    }
}

fn turn(wait: u64) -> Turn {
    if wait == 0 {
        Turn::Now
    } else {
        Turn::Wait(Duration::from_micros(wait))
    }
}
