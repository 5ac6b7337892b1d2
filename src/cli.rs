//! The command line: `charter` (or `charter serve`) runs the server; `--help` lists every setting.

use crate::{Application, config::Config, telemetry};
use anyhow::Context;
use app::{consent::ssr as consent, inventory::ssr as inventory};
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};

#[derive(Debug, Parser)]
#[command(
    name = "charter",
    version,
    about = "Publishes legal policies and collects, proves and honours cookie consent.",
    after_help = crate::config::settings_help()
)]
pub struct Cli {
    /// Configuration file to read (default: charter.toml, if present).
    #[arg(long, env = "CHARTER_CONFIG", global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web server (the default).
    Serve,
    /// The cookie inventory the consent banner asks about.
    Inventory {
        #[command(subcommand)]
        command: InventoryCommand,
    },
    /// The consent records.
    Consent {
        #[command(subcommand)]
        command: ConsentCommand,
    },
}

#[derive(Debug, Subcommand)]
enum InventoryCommand {
    /// Validate FILE (TOML) and make it the inventory in force; a changed inventory asks every
    /// visitor again.
    Import { file: PathBuf },
}

#[derive(Debug, Subcommand)]
enum ConsentCommand {
    /// Re-walk the hash chain of consent events and report the first broken link, if any.
    Verify,
}

impl Cli {
    pub async fn run(self) -> anyhow::Result<()> {
        let config = Config::load(self.config.as_deref()).context("configuration error")?;
        telemetry::init(config.log.to_env_filter());
        match self.command.unwrap_or(Command::Serve) {
            Command::Serve => {
                let shutdown_timeout = config.shutdown_timeout.duration();
                let application = Application::build(config).await?;
                application
                    .run_until(crate::shutdown::signal(), shutdown_timeout)
                    .await
            }
            Command::Inventory {
                command: InventoryCommand::Import { file },
            } => import_inventory(&config, &file).await,
            Command::Consent {
                command: ConsentCommand::Verify,
            } => verify_consent_log(&config).await,
        }
    }
}

async fn import_inventory(config: &Config, file: &Path) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let inventory =
        inventory::parse(&text).with_context(|| format!("{} was not imported", file.display()))?;
    let db = crate::open_database(config).await?;
    let imported = inventory::activate(&db, &inventory).await?;
    let outcome = if imported.changed {
        "now in force; visitors will be asked again"
    } else {
        "unchanged: it is the inventory already in force"
    };
    println!("inventory {}: {outcome}", imported.version);
    Ok(())
}

async fn verify_consent_log(config: &Config) -> anyhow::Result<()> {
    let db = crate::open_database(config).await?;
    match consent::verify_chain(&db).await? {
        consent::ChainReport::Intact { events } => {
            println!("consent log intact: {events} events, every hash follows from the last");
            Ok(())
        }
        consent::ChainReport::Broken { id, reason } => {
            anyhow::bail!("consent log broken at event {id}: {reason}")
        }
    }
}
