//! Where notices go: an SMTP server (lettre's pooled async transport, with STARTTLS, implicit TLS
//! or plain as the URL says), or, when none is configured, `.eml` files in a directory so the
//! demo works offline and an operator can see exactly what would be sent.

use crate::config::SmtpUrl;
use lettre::{
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    transport::smtp::PoolConfig,
};
use std::{path::Path, time::Duration};

#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>),
}

/// Why a message was not delivered, as far as retrying is concerned.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The server may take it later (4xx), or could not be reached: try again.
    #[error("{0}")]
    Transient(String),
    /// The server refused it for good (5xx): trying again would not help.
    #[error("{0}")]
    Permanent(String),
}

impl Mailer {
    /// An SMTP transport with up to `connections` pooled connections, each exchange of which
    /// counts as a transient failure after `timeout`; or the file transport.
    pub fn new(
        smtp: Option<&SmtpUrl>,
        outbox_dir: &Path,
        connections: u32,
        timeout: Duration,
    ) -> anyhow::Result<Self> {
        match smtp {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.as_str())?
                    .timeout(Some(timeout))
                    .pool_config(PoolConfig::new().max_size(connections))
                    .build();
                Ok(Self::Smtp(transport))
            }
            None => {
                std::fs::create_dir_all(outbox_dir).map_err(|error| {
                    anyhow::anyhow!(
                        "cannot create the notice directory {} (CHARTER_OUTBOX_DIR): {error}",
                        outbox_dir.display()
                    )
                })?;
                Ok(Self::Files(AsyncFileTransport::new(outbox_dir)))
            }
        }
    }

    /// What the worker logs about where messages go.
    pub fn describe(&self) -> &'static str {
        match self {
            Mailer::Smtp(_) => "smtp",
            Mailer::Files(_) => "eml files",
        }
    }

    pub async fn send(&self, message: Message) -> Result<(), SendError> {
        match self {
            Mailer::Smtp(transport) => match transport.send(message).await {
                Ok(_) => Ok(()),
                Err(error) if error.is_permanent() => Err(SendError::Permanent(error.to_string())),
                // 4xx, timeouts, refused connections, TLS trouble: the server may recover.
                Err(error) => Err(SendError::Transient(error.to_string())),
            },
            Mailer::Files(transport) => transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|error| SendError::Transient(error.to_string())),
        }
    }
}
