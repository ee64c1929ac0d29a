//! Durability handles and the group-commit queue.
//!
//! A put returns a [`Durability`] that resolves when the put's bytes are as durable as the
//! flush mode promises. Under ASYNC_FLUSH it is ready at once. Under SYNC_FLUSH the put queues
//! a request (its end offset and deadline) to the group-commit thread, which takes all queued
//! requests at once, does one sync covering them, and completes every request whose end is
//! now durable (raft-engine's write barrier and RocketMQ's `GroupCommitService` share this
//! shape: one fsync serves every writer that arrived while the previous one ran). A request
//! still not covered at its deadline completes with [`DurabilityError::FlushTimeout`].
//!
//! The handle works from both worlds without an async runtime: [`Durability::wait`] blocks a
//! thread on a condition variable, and `Durability` is a [`Future`] that stores the task's
//! waker and is woken by the flush thread.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use crate::util::lock;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// Why a put's durability promise was not kept. The record is stored either way; only its
/// durability is in question.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DurabilityError {
    /// No flush covered the record within `syncFlushTimeout` (RocketMQ's FLUSH_DISK_TIMEOUT).
    #[error("flush did not cover the record within syncFlushTimeout")]
    FlushTimeout,
    /// The flush failed; the store is poisoned.
    #[error("flush failed: {0}")]
    FlushFailed(String),
    /// SYNC_MASTER: no slave acknowledged the record within `slaveTimeout` (RocketMQ's
    /// FLUSH_SLAVE_TIMEOUT).
    #[error("no slave acknowledged the record within slaveTimeout")]
    SlaveTimeout,
    /// SYNC_MASTER: no slave is connected and in sync (RocketMQ's SLAVE_NOT_AVAILABLE).
    #[error("no slave is available")]
    SlaveNotAvailable,
}

#[derive(Default)]
struct WaitState {
    result: Option<Result<(), DurabilityError>>,
    waker: Option<Waker>,
}

/// The shared half of a pending [`Durability`].
#[derive(Default)]
pub(crate) struct Waiter {
    state: Mutex<WaitState>,
    cv: Condvar,
}

impl Waiter {
    /// Complete the request (first completion wins).
    pub(crate) fn complete(&self, r: Result<(), DurabilityError>) {
        let waker = {
            let mut st = lock(&self.state);
            if st.result.is_some() {
                return;
            }
            st.result = Some(r);
            st.waker.take()
        };
        self.cv.notify_all();
        if let Some(w) = waker {
            w.wake();
        }
    }
}

/// Resolves when a put is durable as its flush mode promises.
///
/// ```
/// # use ferromq_engine::Durability;
/// let d = Durability::ready();
/// assert!(d.is_ready());
/// d.wait().unwrap();
/// ```
#[must_use = "a put is only acknowledged once its durability resolves"]
pub struct Durability {
    inner: Inner,
}

enum Inner {
    Ready(Option<Result<(), DurabilityError>>),
    Pending {
        waiter: Arc<Waiter>,
        deadline: Instant,
    },
}

impl std::fmt::Debug for Durability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Durability")
            .field("ready", &self.is_ready())
            .finish()
    }
}

impl Durability {
    /// Already durable as promised.
    pub fn ready() -> Self {
        Durability {
            inner: Inner::Ready(Some(Ok(()))),
        }
    }

    pub(crate) fn failed(e: DurabilityError) -> Self {
        Durability {
            inner: Inner::Ready(Some(Err(e))),
        }
    }

    pub(crate) fn pending(waiter: Arc<Waiter>, deadline: Instant) -> Self {
        Durability {
            inner: Inner::Pending { waiter, deadline },
        }
    }

    /// Whether the outcome is known.
    pub fn is_ready(&self) -> bool {
        match &self.inner {
            Inner::Ready(_) => true,
            Inner::Pending { waiter, .. } => lock(&waiter.state).result.is_some(),
        }
    }

    /// Block until the outcome is known. Gives up with [`DurabilityError::FlushTimeout`] a
    /// little after the deadline even if the flush thread is stuck in a slow sync.
    ///
    /// # Errors
    /// [`DurabilityError`] when the promise was not kept.
    pub fn wait(self) -> Result<(), DurabilityError> {
        match self.inner {
            Inner::Ready(r) => r.unwrap_or(Ok(())),
            Inner::Pending { waiter, deadline } => {
                let give_up = deadline + Duration::from_millis(100);
                let mut st = lock(&waiter.state);
                loop {
                    if let Some(r) = st.result.take() {
                        return r;
                    }
                    let now = Instant::now();
                    if now >= give_up {
                        return Err(DurabilityError::FlushTimeout);
                    }
                    st = waiter
                        .cv
                        .wait_timeout(st, give_up - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
            }
        }
    }
}

impl Future for Durability {
    type Output = Result<(), DurabilityError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.get_mut().inner {
            Inner::Ready(r) => Poll::Ready(r.take().unwrap_or(Ok(()))),
            Inner::Pending { waiter, .. } => {
                let mut st = lock(&waiter.state);
                if let Some(r) = st.result.take() {
                    return Poll::Ready(r);
                }
                match &st.waker {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    _ => st.waker = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
        }
    }
}

/// A put waiting for the group commit.
pub(crate) struct FlushRequest {
    pub(crate) end: u64,
    pub(crate) deadline: Instant,
    pub(crate) waiter: Arc<Waiter>,
}

/// Requests queued for the group-commit thread.
#[derive(Default)]
pub(crate) struct GroupCommit {
    queue: Mutex<(Vec<FlushRequest>, bool)>,
    cv: Condvar,
}

impl GroupCommit {
    /// Queue a request and return its handle.
    pub(crate) fn submit(&self, end: u64, timeout: Duration) -> Durability {
        let waiter = Arc::new(Waiter::default());
        let deadline = Instant::now() + timeout;
        lock(&self.queue).0.push(FlushRequest {
            end,
            deadline,
            waiter: waiter.clone(),
        });
        self.cv.notify_one();
        Durability::pending(waiter, deadline)
    }

    /// Ask for a flush without waiting for it (`WAIT=false` messages).
    pub(crate) fn kick(&self) {
        lock(&self.queue).1 = true;
        self.cv.notify_one();
    }

    /// Take every queued request, waiting up to `timeout` for one. The flag says whether a
    /// flush was asked for.
    pub(crate) fn take(&self, timeout: Duration) -> (Vec<FlushRequest>, bool) {
        let mut q = lock(&self.queue);
        if q.0.is_empty() && !q.1 {
            q = self
                .cv
                .wait_timeout(q, timeout)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        let kicked = std::mem::take(&mut q.1);
        (std::mem::take(&mut q.0), kicked)
    }

    /// Put back requests that are not yet covered.
    pub(crate) fn requeue(&self, mut reqs: Vec<FlushRequest>) {
        if reqs.is_empty() {
            return;
        }
        let mut q = lock(&self.queue);
        reqs.append(&mut q.0);
        q.0 = reqs;
    }

    /// Complete every queued request with `r` (shutdown or poisoning).
    pub(crate) fn fail_all(&self, r: &DurabilityError) {
        let reqs = std::mem::take(&mut lock(&self.queue).0);
        for req in reqs {
            req.waiter.complete(Err(r.clone()));
        }
    }
}

/// A wake-up signal for a background thread: cheap to raise when nobody sleeps.
#[derive(Default)]
pub(crate) struct Signal {
    raised: Mutex<bool>,
    cv: Condvar,
    sleeping: AtomicBool,
}

impl Signal {
    /// Wake the sleeper, if any. Costs one atomic load when nobody sleeps.
    pub(crate) fn raise(&self) {
        // Pairs with the fence in `wait`: either we see the sleeper, or it sees our work.
        std::sync::atomic::fence(Ordering::SeqCst);
        if self.sleeping.load(Ordering::SeqCst) {
            *lock(&self.raised) = true;
            self.cv.notify_one();
        }
    }

    /// Wake the sleeper unconditionally (shutdown).
    pub(crate) fn raise_always(&self) {
        *lock(&self.raised) = true;
        self.cv.notify_all();
    }

    /// Sleep until raised or `timeout`, unless `has_work` says there is work already. The
    /// re-check after announcing sleep closes the race with a `raise` that saw nobody asleep.
    pub(crate) fn wait(&self, timeout: Duration, has_work: impl Fn() -> bool) {
        let mut g = lock(&self.raised);
        self.sleeping.store(true, Ordering::SeqCst);
        std::sync::atomic::fence(Ordering::SeqCst);
        if !*g && !has_work() {
            g = self
                .cv
                .wait_timeout(g, timeout)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        *g = false;
        self.sleeping.store(false, Ordering::SeqCst);
    }
}
