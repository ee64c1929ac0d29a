//! Scheduled messages: delay levels (spec §9.1–9.4) and arbitrary delays (§9.6).
//!
//! **Delay levels.** A put with `DELAY` = n > 0 is parked in `SCHEDULE_TOPIC_XXXX` queue n−1
//! with its real topic and queue in `REAL_TOPIC`/`REAL_QID`; its ConsumeQueue tags code is the
//! delivery time. Because every message of a level has the same delay, each level's queue is
//! in delivery order, so delivery walks each queue from its progress offset and stops at the
//! first message not yet due. Progress is persisted to `config/delayOffset.json` (level →
//! next offset); after a crash delivery resumes from the last persisted offset, so a message
//! may be delivered twice but never lost (at least once).
//!
//! **Arbitrary delays.** A put with `TIMER_DELIVER_MS`, `TIMER_DELAY_SEC`, `TIMER_DELAY_MS` or
//! `__STARTDELIVERTIME` in the future is parked in `rmq_sys_wheel_timer` queue 0 with
//! `TIMER_OUT_MS`. These arrive in any order of due time, so an ordered timer map keyed by the
//! due time (ms) holds the pending queue offsets (an ordered map rather than a hashed wheel: it
//! is exact to the millisecond and costs O(log n) per message); it is filled by the dispatcher and, after a restart,
//! rebuilt by scanning the timer queue from its low watermark (persisted in `config/timercheck`:
//! every offset below it has been delivered).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::AtomicBool;
use std::sync::Mutex;

use crate::error::{Error, Result};
use crate::record::{property, sysflag, Properties};
use crate::store::Message;
use crate::util::{lock, now_millis};

/// Parking topic of delay-level messages.
pub const SCHEDULE_TOPIC: &str = "SCHEDULE_TOPIC_XXXX";
/// Parking topic of arbitrary-delay messages.
pub const TIMER_TOPIC: &str = "rmq_sys_wheel_timer";
/// Absolute delivery time (epoch ms), producer property.
pub const TIMER_DELIVER_MS: &str = "TIMER_DELIVER_MS";
/// Relative delay in seconds, producer property.
pub const TIMER_DELAY_SEC: &str = "TIMER_DELAY_SEC";
/// Relative delay in ms, producer property.
pub const TIMER_DELAY_MS: &str = "TIMER_DELAY_MS";
/// Absolute delivery time of older (ali-ons / 4.x ONS) clients.
pub const START_DELIVER_TIME: &str = "__STARTDELIVERTIME";
/// Due time set by the store on a parked timer message.
pub const TIMER_OUT_MS: &str = "TIMER_OUT_MS";
/// Set on a timer message when it is delivered.
pub const TIMER_DEQUEUE_MS: &str = "TIMER_DEQUEUE_MS";

/// The delay of each level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelayLevels {
    millis: Vec<u64>,
}

impl DelayLevels {
    /// Parse `messageDelayLevel` (`1s 5s 10s 30s 1m ... 2h`; units s, m, h, d).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty list or an item that does not parse.
    pub fn parse(s: &str) -> Result<Self> {
        let mut millis = Vec::new();
        for item in s.split_whitespace() {
            let (num, unit) = item.split_at(item.len().saturating_sub(1));
            let factor = match unit {
                "s" => 1000,
                "m" => 60_000,
                "h" => 3_600_000,
                "d" => 86_400_000,
                _ => {
                    return Err(Error::InvalidArgument(format!(
                        "delay level {item:?} has no unit s/m/h/d"
                    )))
                }
            };
            let n: u64 = num.parse().map_err(|_| {
                Error::InvalidArgument(format!("delay level {item:?} is not a number"))
            })?;
            millis.push(n.saturating_mul(factor));
        }
        if millis.is_empty() {
            return Err(Error::InvalidArgument("messageDelayLevel is empty".into()));
        }
        Ok(DelayLevels { millis })
    }

    /// Number of levels (18 by default).
    pub fn max_level(&self) -> i32 {
        self.millis.len() as i32
    }

    /// Delay of a 1-based level, capped at the last level.
    pub fn delay_ms(&self, level: i32) -> u64 {
        let i = (level.clamp(1, self.max_level()) - 1) as usize;
        self.millis[i]
    }
}

/// Rewrite a message that asks for a delay into its parked form (spec §9.2, §9.6). Messages
/// that are not delayed are left alone.
///
/// # Errors
/// [`Error::InvalidArgument`] for a timer delay beyond `timerMaxDelaySec`, or timer properties
/// while the timer wheel is disabled.
pub(crate) fn park(
    msg: &mut Message,
    levels: &DelayLevels,
    timer_enabled: bool,
    timer_max_delay_sec: u64,
) -> Result<()> {
    let tx = sysflag::transaction_type(msg.sysflag);
    if !(tx == sysflag::TRANSACTION_NOT_TYPE || tx == sysflag::TRANSACTION_COMMIT_TYPE) {
        return Ok(());
    }
    // Parking topics are not parked again; half messages never are (the client clears DELAY).
    if msg.topic == SCHEDULE_TOPIC
        || msg.topic == TIMER_TOPIC
        || msg.topic.starts_with("RMQ_SYS_TRANS")
    {
        return Ok(());
    }
    let level = msg
        .properties
        .get(property::DELAY_TIME_LEVEL)
        .and_then(|v| v.trim().parse::<i32>().ok())
        .unwrap_or(0);
    if level > 0 {
        // The level wins over timer properties.
        for p in [
            TIMER_DELIVER_MS,
            TIMER_DELAY_SEC,
            TIMER_DELAY_MS,
            START_DELIVER_TIME,
        ] {
            msg.properties.remove(p);
        }
        let level = level.min(levels.max_level());
        msg.properties
            .insert(property::DELAY_TIME_LEVEL, level.to_string());
        msg.properties
            .insert(property::REAL_TOPIC, msg.topic.clone());
        msg.properties
            .insert(property::REAL_QUEUE_ID, msg.queue_id.to_string());
        msg.topic = SCHEDULE_TOPIC.to_owned();
        msg.queue_id = level - 1;
        return Ok(());
    }
    let now = now_millis();
    let num = |name: &str| {
        msg.properties
            .get(name)
            .and_then(|v| v.trim().parse::<i64>().ok())
    };
    let deliver = num(TIMER_DELIVER_MS)
        .or_else(|| num(START_DELIVER_TIME))
        .or_else(|| num(TIMER_DELAY_SEC).map(|s| now.saturating_add(s.saturating_mul(1000))))
        .or_else(|| num(TIMER_DELAY_MS).map(|ms| now.saturating_add(ms)));
    let Some(deliver) = deliver else {
        return Ok(());
    };
    if deliver <= now {
        return Ok(()); // due already: store it where it belongs
    }
    if !timer_enabled {
        return Err(Error::InvalidArgument(
            "accurate timer message is not enabled".into(),
        ));
    }
    if (deliver - now) as u64 > timer_max_delay_sec.saturating_mul(1000) {
        return Err(Error::InvalidArgument(format!(
            "timer delay of {} ms exceeds timerMaxDelaySec {timer_max_delay_sec}",
            deliver - now
        )));
    }
    msg.properties.insert(TIMER_OUT_MS, deliver.to_string());
    msg.properties
        .insert(property::REAL_TOPIC, msg.topic.clone());
    msg.properties
        .insert(property::REAL_QUEUE_ID, msg.queue_id.to_string());
    msg.topic = TIMER_TOPIC.to_owned();
    msg.queue_id = 0;
    Ok(())
}

/// The ConsumeQueue tags code of a parked record: its delivery time.
pub(crate) fn parked_tags_code(
    topic: &str,
    props: &str,
    store_timestamp: i64,
    levels: &DelayLevels,
) -> Option<i64> {
    if topic == SCHEDULE_TOPIC {
        let level = Properties::find(props, property::DELAY_TIME_LEVEL)
            .and_then(|v| v.parse::<i32>().ok())
            .unwrap_or(1);
        return Some(store_timestamp.saturating_add(levels.delay_ms(level) as i64));
    }
    if topic == TIMER_TOPIC {
        return Some(
            Properties::find(props, TIMER_OUT_MS)
                .and_then(|v| v.parse::<i64>().ok())
                .unwrap_or(store_timestamp),
        );
    }
    None
}

/// The message to deliver for a parked record: real topic and queue restored, scheduling
/// properties removed. `None` for a record that cannot be delivered (no real topic).
pub(crate) fn unpark(mut props: Properties) -> Option<(String, i32, Properties)> {
    let topic = props.get(property::REAL_TOPIC)?.to_owned();
    let queue_id = props
        .get(property::REAL_QUEUE_ID)
        .and_then(|q| q.parse::<i32>().ok())
        .unwrap_or(0);
    for p in [
        property::DELAY_TIME_LEVEL,
        TIMER_DELIVER_MS,
        TIMER_DELAY_SEC,
        TIMER_DELAY_MS,
        START_DELIVER_TIME,
    ] {
        props.remove(p);
    }
    props.insert(property::WAIT_STORE_MSG_OK, "false");
    Some((topic, queue_id, props))
}

/// Delivery progress of the delay levels (level → next queue offset).
#[derive(Default)]
pub(crate) struct LevelProgress {
    pub(crate) offsets: Mutex<BTreeMap<i32, i64>>,
    pub(crate) dirty: AtomicBool,
}

impl LevelProgress {
    /// Parse `delayOffset.json`: `{"offsetTable":{1:15,"2":0}, "dataVersion":{...}}` (integer
    /// keys quoted or not).
    pub(crate) fn parse(text: &str) -> BTreeMap<i32, i64> {
        let mut out = BTreeMap::new();
        let Some(start) = text.find("\"offsetTable\"") else {
            return out;
        };
        let rest = &text[start..];
        let (Some(open), Some(close)) = (rest.find('{'), rest.find('}')) else {
            return out;
        };
        if close < open {
            return out;
        }
        for pair in rest[open + 1..close].split(',') {
            let Some((k, v)) = pair.split_once(':') else {
                continue;
            };
            let k = k.trim().trim_matches('"');
            if let (Ok(k), Ok(v)) = (k.parse::<i32>(), v.trim().parse::<i64>()) {
                out.insert(k, v);
            }
        }
        out
    }

    pub(crate) fn encode(&self) -> String {
        let offsets = lock(&self.offsets);
        let table: Vec<String> = offsets
            .iter()
            .map(|(k, v)| format!("\"{k}\":{v}"))
            .collect();
        format!(
            "{{\"dataVersion\":{{\"counter\":0,\"stateVersion\":0,\"timestamp\":{}}},\"offsetTable\":{{{}}}}}",
            now_millis(),
            table.join(",")
        )
    }
}

/// Pending arbitrary-delay messages: queue offsets of the timer queue by due second.
#[derive(Default)]
pub(crate) struct TimerWheel {
    inner: Mutex<WheelState>,
}

#[derive(Default)]
struct WheelState {
    /// due time (ms) → queue offsets
    slots: BTreeMap<i64, Vec<i64>>,
    /// queue offsets not yet delivered
    pending: BTreeSet<i64>,
    /// every offset below it was delivered
    watermark: i64,
    /// highest offset ever added + 1
    seen_end: i64,
}

impl TimerWheel {
    fn lock(&self) -> std::sync::MutexGuard<'_, WheelState> {
        lock(&self.inner)
    }

    pub(crate) fn set_watermark(&self, w: i64) {
        let mut st = self.lock();
        st.watermark = w;
        st.seen_end = st.seen_end.max(w);
    }

    /// Add a parked message (idempotent; offsets below the watermark were delivered).
    pub(crate) fn add(&self, queue_offset: i64, due_ms: i64) {
        let mut st = self.lock();
        if queue_offset < st.watermark || !st.pending.insert(queue_offset) {
            return;
        }
        st.seen_end = st.seen_end.max(queue_offset + 1);
        st.slots.entry(due_ms).or_default().push(queue_offset);
    }

    /// Queue offsets due at `now_ms`, removed from the slots but still pending until
    /// [`TimerWheel::delivered`].
    pub(crate) fn take_due(&self, now_ms: i64) -> Vec<i64> {
        let mut st = self.lock();
        let later = st.slots.split_off(&now_ms.saturating_add(1));
        let due = std::mem::replace(&mut st.slots, later);
        due.into_values().flatten().collect()
    }

    /// Put back offsets that could not be delivered now.
    pub(crate) fn retry(&self, offsets: Vec<i64>, now_ms: i64) {
        if offsets.is_empty() {
            return;
        }
        let mut st = self.lock();
        st.slots.entry(now_ms + 100).or_default().extend(offsets);
    }

    /// Mark delivered. Returns the new watermark.
    pub(crate) fn delivered(&self, queue_offset: i64) -> i64 {
        let mut st = self.lock();
        st.pending.remove(&queue_offset);
        st.watermark = st.pending.first().copied().unwrap_or(st.seen_end);
        st.watermark
    }

    pub(crate) fn watermark(&self) -> i64 {
        self.lock().watermark
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().pending.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_default_levels() {
        let l = DelayLevels::parse("1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h")
            .unwrap();
        assert_eq!(l.max_level(), 18);
        assert_eq!(l.delay_ms(2), 5000);
        assert_eq!(l.delay_ms(18), 7_200_000);
        assert_eq!(l.delay_ms(40), 7_200_000);
        assert!(DelayLevels::parse("1x").is_err());
        assert!(DelayLevels::parse("").is_err());
    }

    #[test]
    fn reads_fastjson_delay_offsets() {
        let t = LevelProgress::parse(
            r#"{"dataVersion":{"counter":12},"offsetTable":{1:15,2:0,"3":420}}"#,
        );
        assert_eq!(t.get(&1), Some(&15));
        assert_eq!(t.get(&3), Some(&420));
    }

    #[test]
    fn wheel_delivers_by_due_second_and_tracks_the_watermark() {
        let w = TimerWheel::default();
        w.set_watermark(0);
        w.add(0, 5_000);
        w.add(1, 2_500);
        w.add(2, 9_000);
        w.add(1, 2_500); // idempotent
        assert_eq!(w.take_due(2_499), Vec::<i64>::new());
        assert_eq!(w.take_due(2_500), vec![1]);
        assert_eq!(w.delivered(1), 0);
        assert_eq!(w.take_due(6_000), vec![0]);
        assert_eq!(w.delivered(0), 2);
        assert_eq!(w.len(), 1);
    }
}
