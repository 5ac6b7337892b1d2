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
    /// is 0700 and each file 0600. lettre writes a message into `staging` with the process's
    /// umask; it is made private there and only then moved into `dir`, so no file in `dir` is
    /// ever readable by others, not even for a moment.
    Files {
        transport: AsyncFileTransport<Tokio1Executor>,
        staging: PathBuf,
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
                let staging = outbox_dir.join(".writing");
                for dir in [outbox_dir, &staging] {
                    private_dir(dir).map_err(|error| {
                        anyhow::anyhow!(
                            "cannot create the notice directory {} (CHARTER_OUTBOX_DIR): {error}",
                            dir.display()
                        )
                    })?;
                }
                Ok(Self::Files {
                    transport: AsyncFileTransport::new(&staging),
                    staging,
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
            Mailer::Files {
                transport,
                staging,
                dir,
            } => {
                let id = transport
                    .send(message)
                    .await
                    .map_err(|error| SendError::Transient(error.to_string()))?;
                let name = format!("{id}.eml");
                let written = staging.join(&name);
                let moved = async {
                    tokio::fs::set_permissions(&written, std::fs::Permissions::from_mode(0o600))
                        .await?;
                    tokio::fs::rename(&written, dir.join(&name)).await
                };
                // Left in staging, the message would be written again on the retry.
                moved.await.map_err(|error| {
                    SendError::Transient(format!("cannot move {}: {error}", written.display()))
                })
            }
        }
    }
}

/// Creates `dir` if need be, and makes it 0700 whatever it was.
fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}
