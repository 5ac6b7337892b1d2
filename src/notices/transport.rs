//! Where notices go: an SMTP server (lettre's pooled async transport, with STARTTLS, implicit TLS
//! or plain as the URL says), or, when none is configured, `.eml` files in a directory so the
//! demo works offline and an operator can see exactly what would be sent.

use crate::config::SmtpUrl;
use lettre::{
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    transport::smtp::PoolConfig,
};
use std::{
    os::unix::fs::{DirBuilderExt, PermissionsExt},
    path::{Path, PathBuf},
    time::Duration,
};

#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// The messages name their recipients, so they are for this user's eyes only: the directory
    /// is 0700 and each file 0600.
    Files {
        transport: AsyncFileTransport<Tokio1Executor>,
        dir: PathBuf,
    },
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
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(outbox_dir)
                    .and_then(|()| {
                        std::fs::set_permissions(outbox_dir, std::fs::Permissions::from_mode(0o700))
                    })
                    .map_err(|error| {
                        anyhow::anyhow!(
                            "cannot create the notice directory {} (CHARTER_OUTBOX_DIR): {error}",
                            outbox_dir.display()
                        )
                    })?;
                Ok(Self::Files {
                    transport: AsyncFileTransport::new(outbox_dir),
                    dir: outbox_dir.to_path_buf(),
                })
            }
        }
    }

    /// What the worker logs about where messages go.
    pub fn describe(&self) -> &'static str {
        match self {
            Mailer::Smtp(_) => "smtp",
            Mailer::Files { .. } => "eml files",
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
            Mailer::Files { transport, dir } => {
                let id = transport
                    .send(message)
                    .await
                    .map_err(|error| SendError::Transient(error.to_string()))?;
                // lettre writes with the process's umask; the directory keeps others out meanwhile.
                let file = dir.join(format!("{id}.eml"));
                // Sending again would write the message twice; the directory still keeps it private.
                if let Err(error) =
                    tokio::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).await
                {
                    tracing::warn!(%error, file = %file.display(), "cannot make a notice file private");
                }
                Ok(())
            }
        }
    }
}
