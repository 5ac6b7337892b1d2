//! Checkpoints mailed to witnesses: people or services outside the company (an auditor, a
//! monitoring mailbox) who keep signed checkpoints, so that a later rewrite of the log is
//! caught against copies the company cannot reach. At most one checkpoint per `every` (a
//! checkpoint a minute would be a flood of mail), and best effort: one that cannot be mailed
//! after a few attempts is logged, and the next one covers it, since every checkpoint must be
//! consistent with every earlier one.

use super::{Mailer, transport::SendError};
use app::evidence::ssr::checkpoints::SignedCheckpoint;
use lettre::{
    Message,
    message::{Mailbox, header::ContentType},
};
use std::time::Duration;
use tokio::{sync::mpsc, task::JoinHandle};

/// Attempts per witness and checkpoint before it is given up.
const ATTEMPTS: u32 = 3;

pub struct Witnesses {
    pub mailer: Mailer,
    pub from: Mailbox,
    pub to: Vec<Mailbox>,
    /// The public URL of the site, without a trailing slash.
    pub base_url: String,
    pub origin: String,
    /// The least time between two checkpoints mailed.
    pub every: Duration,
}

impl Witnesses {
    /// Mails every checkpoint `signed` delivers, one message per witness, until the sender is
    /// dropped.
    pub fn spawn(self, mut signed: mpsc::Receiver<SignedCheckpoint>) -> JoinHandle<()> {
        tokio::spawn(async move {
            let mut last_mailed: Option<tokio::time::Instant> = None;
            while let Some(checkpoint) = signed.recv().await {
                if last_mailed.is_some_and(|at| at.elapsed() < self.every) {
                    continue;
                }
                last_mailed = Some(tokio::time::Instant::now());
                for witness in &self.to {
                    self.mail(&checkpoint, witness).await;
                }
            }
        })
    }

    async fn mail(&self, checkpoint: &SignedCheckpoint, witness: &Mailbox) {
        let message = match self.message(checkpoint, witness) {
            Ok(message) => message,
            Err(error) => {
                tracing::error!(%error, %witness, "checkpoint not mailed: no message");
                return;
            }
        };
        for attempt in 1..=ATTEMPTS {
            match self.mailer.send(message.clone()).await {
                Ok(()) => {
                    tracing::debug!(size = checkpoint.size, %witness, "checkpoint mailed");
                    return;
                }
                Err(SendError::Transient(error)) if attempt < ATTEMPTS => {
                    tracing::warn!(%error, %witness, attempt, "checkpoint not mailed yet");
                    tokio::time::sleep(Duration::from_secs(2u64.pow(attempt))).await;
                }
                Err(error) => {
                    tracing::error!(%error, %witness, size = checkpoint.size, "checkpoint not mailed");
                    return;
                }
            }
        }
    }

    fn message(
        &self,
        checkpoint: &SignedCheckpoint,
        witness: &Mailbox,
    ) -> Result<Message, lettre::error::Error> {
        let body = format!(
            "The evidence log {origin} signed this checkpoint of its first {size} records. \
             Keep it: any later checkpoint must be consistent with it, which\n\
             `charter log verify --checkpoint FILE` and {base}/log/proof/consistency check.\n\
             The log's public key is at {base}/.well-known/charter-log.pub.\n\n\
             -----BEGIN CHECKPOINT-----\n{note}-----END CHECKPOINT-----\n",
            origin = self.origin,
            size = checkpoint.size,
            base = self.base_url,
            note = checkpoint.note,
        );
        Message::builder()
            .from(self.from.clone())
            .to(witness.clone())
            .subject(format!(
                "Checkpoint of {}: {} records",
                self.origin, checkpoint.size
            ))
            .header(ContentType::TEXT_PLAIN)
            .body(body)
    }
}
