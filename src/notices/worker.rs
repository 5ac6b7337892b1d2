//! The in-process delivery worker. It claims due messages in batches, sends them at the
//! configured rate over a few pooled connections, and records each outcome: sent; deferred with
//! exponential backoff and jitter after a transient failure (4xx, server unreachable); failed
//! with the server's reply after a permanent one (5xx). A message whose lease would run out
//! before it could be sent, or that is still unsent when the process stops, is handed back to
//! the queue untried, so the lease only ever lapses on a crash. Subscription confirmations
//! queued by `/subscribe` are delivered the same way.

use super::{
    Outgoing,
    message::{compose, compose_confirmation},
    transport::SendError,
};
use app::{
    clock::Timestamp,
    db::Db,
    notices::outbox::{self, Addressee, DueMessage, Outcome},
};
use futures_util::StreamExt;
use std::{sync::Arc, time::Duration};
use tokio::{
    sync::{Mutex, watch},
    task::JoinHandle,
    time::Instant,
};

/// Messages sent at once, over as many pooled SMTP connections (opened only as the rate needs
/// them). lettre 0.11.23 leaves Nagle's algorithm on, so each message waits for the server's
/// delayed ACK (40 ms on Linux) after its body: a connection carries about 25 messages a
/// second whatever the server's speed, and throughput comes from connections side by side.
pub const CONNECTIONS: u32 = 16;
/// How long the worker sleeps when nothing is due, at most: a campaign queued by another
/// process (or by this one) is picked up within this time.
const POLL: Duration = Duration::from_secs(2);
/// The longest wait between retries of a deferred message.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(3600);
/// One SMTP exchange may take at most this long, and at most a third of the lease.
const MAX_SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// How the worker paces and retries.
#[derive(Clone, Copy, Debug)]
pub struct Delivery {
    /// Messages per second.
    pub rate: f64,
    /// How long a claim holds.
    pub lease: Duration,
    /// The wait before the first retry; it doubles with every further attempt.
    pub first_retry: Duration,
}

impl Delivery {
    /// Enough messages per claim to keep the worker busy for a quarter of the lease.
    fn batch(self) -> i64 {
        (self.rate * self.lease.as_secs_f64() / 4.0).clamp(1.0, 200.0) as i64
    }

    pub fn send_timeout(self) -> Duration {
        (self.lease / 3).min(MAX_SEND_TIMEOUT)
    }

    /// The wait after the `attempts`-th failed attempt: the first retry delay doubled per
    /// earlier attempt, capped at an hour, and then between half and all of that at random, so
    /// messages deferred together do not all come back at the same instant.
    fn retry_delay(self, attempts: i64) -> Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
        let full = self
            .first_retry
            .saturating_mul(1 << doublings)
            .min(MAX_RETRY_DELAY);
        full / 2 + full.mul_f64(fastrand::f64() / 2.0)
    }
}

/// Spaces sends `1 / rate` seconds apart, across all concurrent sends.
struct Pace {
    interval: Duration,
    next: Mutex<Instant>,
}

impl Pace {
    fn new(rate: f64) -> Self {
        Self {
            interval: Duration::from_secs_f64(1.0 / rate),
            next: Mutex::new(Instant::now()),
        }
    }

    async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().await;
            let slot = (*next).max(Instant::now());
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

struct Shared {
    db: Db,
    outgoing: Outgoing,
    delivery: Delivery,
    pace: Pace,
}

pub struct NoticeWorker(Arc<Shared>);

/// A running worker; [`WorkerHandle::stop`] ends it after the sends in flight.
pub struct WorkerHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl NoticeWorker {
    pub fn new(db: Db, outgoing: Outgoing, delivery: Delivery) -> Self {
        Self(Arc::new(Shared {
            db,
            outgoing,
            pace: Pace::new(delivery.rate),
            delivery,
        }))
    }

    pub fn spawn(self) -> WorkerHandle {
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(self.run(stopped));
        WorkerHandle { stop, task }
    }

    async fn run(self, mut stop: watch::Receiver<bool>) {
        let shared = &self.0;
        tracing::info!(
            transport = shared.outgoing.mailer.describe(),
            rate = shared.delivery.rate,
            "notice worker started"
        );
        loop {
            if *stop.borrow() {
                break;
            }
            let wait = match shared.deliver_batch(&stop).await {
                Ok(0) => shared.idle_wait().await,
                Ok(_) => continue,
                Err(error) => {
                    tracing::warn!(%error, "cannot read the notice outbox; trying again");
                    POLL
                }
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                _ = stop.changed() => break,
            }
        }
        tracing::info!("notice worker stopped");
    }
}

impl WorkerHandle {
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(error) = self.task.await {
            tracing::error!(%error, "the notice worker ended abnormally");
        }
    }
}

impl Shared {
    /// Claims and delivers one batch; returns how many messages it claimed.
    async fn deliver_batch(&self, stop: &watch::Receiver<bool>) -> Result<usize, sqlx::Error> {
        let claim = outbox::claim(
            &self.db,
            Timestamp::now(),
            self.delivery.lease,
            self.delivery.batch(),
        )
        .await?;
        let claimed = claim.messages.len();
        futures_util::stream::iter(claim.messages)
            .for_each_concurrent(CONNECTIONS as usize, |message| {
                self.deliver(message, claim.lease, stop)
            })
            .await;
        Ok(claimed)
    }

    async fn deliver(&self, message: DueMessage, lease: Timestamp, stop: &watch::Receiver<bool>) {
        let outcome = self.attempt(&message, lease, stop).await;
        let (outbox_id, attempts) = (message.outbox_id(), message.attempts());
        let recorded = outbox::record(&self.db, outbox_id, lease, Timestamp::now(), &outcome).await;
        match (recorded, &outcome) {
            (Ok(true), Outcome::Sent) => tracing::debug!(outbox_id, "notice sent"),
            (Ok(true), Outcome::Deferred { retry_at, error }) => {
                tracing::warn!(outbox_id, attempts, retry_at = %retry_at.rfc3339(), %error, "notice deferred")
            }
            (Ok(true), Outcome::Failed { error }) => {
                tracing::warn!(outbox_id, attempts, %error, "notice failed")
            }
            (Ok(true), Outcome::Released) => {}
            (Ok(false), _) => tracing::warn!(
                outbox_id,
                "notice claim lapsed before its outcome was recorded; another worker owns it"
            ),
            // The row stays `sending` until its lease ends; then it is sent again with the
            // same Message-ID.
            (Err(error), _) => {
                tracing::error!(outbox_id, %error, "cannot record a notice's delivery")
            }
        }
    }

    async fn attempt(
        &self,
        due: &DueMessage,
        lease: Timestamp,
        stop: &watch::Receiver<bool>,
    ) -> Outcome {
        if *stop.borrow() {
            return Outcome::Released;
        }
        self.pace.wait().await;
        if *stop.borrow() || Timestamp::now().plus(self.delivery.send_timeout()) >= lease {
            return Outcome::Released;
        }
        let composed = match due {
            DueMessage::Notice(notice) => {
                if let Addressee::Subscriber { ended: true, .. } = notice.addressee {
                    return Outcome::Failed {
                        error: "not sent: the subscriber unsubscribed after it was queued"
                            .to_owned(),
                    };
                }
                compose(notice, &self.outgoing.letterhead)
            }
            DueMessage::Confirmation(confirmation) => {
                if confirmation.moot {
                    return Outcome::Failed {
                        error: "not sent: confirmed or unsubscribed after it was queued".to_owned(),
                    };
                }
                compose_confirmation(&confirmation.confirmation, &self.outgoing.letterhead)
            }
        };
        let message = match composed {
            Ok(message) => message,
            Err(error) => {
                return Outcome::Failed {
                    error: error.to_string(),
                };
            }
        };
        match self.outgoing.mailer.send(message).await {
            Ok(()) => Outcome::Sent,
            Err(SendError::Permanent(error)) => Outcome::Failed { error },
            Err(SendError::Transient(error)) => Outcome::Deferred {
                retry_at: Timestamp::now().plus(self.delivery.retry_delay(due.attempts())),
                error,
            },
        }
    }

    /// How long to sleep when nothing was due: until the next message falls due, at most
    /// [`POLL`].
    async fn idle_wait(&self) -> Duration {
        match outbox::next_due(&self.db).await {
            Ok(Some(next)) => {
                let until = next
                    .as_millis()
                    .saturating_sub(Timestamp::now().as_millis());
                Duration::from_millis(u64::try_from(until).unwrap_or(0)).min(POLL)
            }
            Ok(None) => POLL,
            Err(error) => {
                tracing::warn!(%error, "cannot read the notice outbox; trying again");
                POLL
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(rate: f64, lease_secs: u64) -> Delivery {
        Delivery {
            rate,
            lease: Duration::from_secs(lease_secs),
            first_retry: Duration::from_secs(60),
        }
    }

    #[test]
    fn batches_fill_a_quarter_of_the_lease_within_bounds() {
        assert_eq!(delivery(10.0, 300).batch(), 200);
        assert_eq!(delivery(1.0, 300).batch(), 75);
        assert_eq!(delivery(0.01, 2).batch(), 1);
    }

    #[test]
    fn retries_back_off_exponentially_with_jitter_up_to_an_hour() {
        let delivery = delivery(10.0, 300);
        for _ in 0..100 {
            let first = delivery.retry_delay(1);
            assert!((30..=60).contains(&first.as_secs()), "{first:?}");
            let third = delivery.retry_delay(3);
            assert!((120..=240).contains(&third.as_secs()), "{third:?}");
            let late = delivery.retry_delay(40);
            assert!((1800..=3600).contains(&late.as_secs()), "{late:?}");
        }
    }

    #[test]
    fn a_send_never_outlasts_a_third_of_the_lease() {
        assert_eq!(delivery(1.0, 300).send_timeout(), MAX_SEND_TIMEOUT);
        assert_eq!(delivery(1.0, 3).send_timeout(), Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn sends_are_paced_at_the_rate() {
        let pace = Pace::new(4.0);
        let started = Instant::now();
        for _ in 0..5 {
            pace.wait().await;
        }
        assert_eq!(started.elapsed(), Duration::from_secs(1));
    }
}
