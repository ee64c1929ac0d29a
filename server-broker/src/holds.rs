//! Long polling (spec §12.5): pulls that found nothing wait here until a matching message is
//! dispatched or their suspend time ends.
//!
//! [`PullHolds::arrived`] is the engine's arrival listener; it runs on the dispatcher thread
//! for every new ConsumeQueue entry, so its common case (nothing held) is one atomic load.
//! A held pull is woken through a oneshot; the pull's own task then re-runs it without
//! suspension and answers with the original request's opaque.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use ferromq_engine::{MessageFilter, TagFilter};
use tokio::sync::oneshot;

struct Held {
    offset: i64,
    filter: Arc<TagFilter>,
    wake: oneshot::Sender<()>,
}

/// The held pulls, by topic and queue.
#[derive(Default)]
pub struct PullHolds {
    held: Mutex<HashMap<String, HashMap<i32, Vec<Held>>>>,
    count: AtomicUsize,
}

impl PullHolds {
    /// Park a pull for `offset` of a queue; the receiver fires when a message matching
    /// `filter` lands at or beyond it.
    pub fn hold(
        &self,
        topic: &str,
        queue_id: i32,
        offset: i64,
        filter: Arc<TagFilter>,
    ) -> oneshot::Receiver<()> {
        let (wake, rx) = oneshot::channel();
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        let list = held
            .entry(topic.to_owned())
            .or_default()
            .entry(queue_id)
            .or_default();
        // Drop pulls that already gave up (timed out or connection closed).
        let before = list.len();
        list.retain(|h| !h.wake.is_closed());
        self.count.fetch_sub(before - list.len(), Ordering::AcqRel);
        list.push(Held {
            offset,
            filter,
            wake,
        });
        self.count.fetch_add(1, Ordering::AcqRel);
        rx
    }

    /// A message was dispatched to `topic`/`queue_id`; the queue now ends at `max_offset`.
    pub fn arrived(&self, topic: &str, queue_id: i32, max_offset: i64, tags_code: i64) {
        if self.count.load(Ordering::Acquire) == 0 {
            return;
        }
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        let Some(list) = held.get_mut(topic).and_then(|m| m.get_mut(&queue_id)) else {
            return;
        };
        let mut woken = 0;
        let mut i = 0;
        while i < list.len() {
            let h = &list[i];
            if h.wake.is_closed()
                || (max_offset > h.offset && h.filter.matches_tags_code(tags_code))
            {
                let h = list.swap_remove(i);
                let _ = h.wake.send(());
                woken += 1;
            } else {
                i += 1;
            }
        }
        self.count.fetch_sub(woken, Ordering::AcqRel);
    }

    /// Number of pulls currently held.
    pub fn len(&self) -> usize {
        self.count.load(Ordering::Acquire)
    }

    /// Whether no pull is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
