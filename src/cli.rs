//! The command line: `charter` (or `charter serve`) runs the server; `--help` lists every setting.

use crate::{Application, config::Config, telemetry};
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

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
        }
    }
}
