//! The command line: `charter` (or `charter serve`) runs the server; `--help` lists every setting.

use crate::{Application, config::Config, telemetry};
use anyhow::Context;
use app::{
    admin::{
        Email, Role,
        ssr::{
            accounts,
            password::{Hasher, NewPassword},
        },
    },
    audit::ssr::Actor,
    clock::{DayRange, Timestamp},
    consent::{
        records::EventFilter,
        ssr::{
            self as consent,
            export::{ExportFormat, ExportWriter, record_export},
        },
    },
    evidence::ssr::{
        LogKey, bundle, checkpoints,
        verify::{self, LogReport},
    },
    inventory::ssr as inventory,
    notices::ssr as notices,
    sites::{ConsentModel, ssr::SiteOrigin},
};
use clap::{
    Parser, Subcommand,
    builder::{PossibleValuesParser, TypedValueParser},
};
use futures_util::TryStreamExt;
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
    /// Admin accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// The people change notices are sent to.
    Recipients {
        #[command(subcommand)]
        command: RecipientsCommand,
    },
    /// The company's other sites, which embed the consent banner.
    Sites {
        #[command(subcommand)]
        command: SitesCommand,
    },
    /// The evidence log: a Merkle tree of every record, with signed checkpoints.
    Log {
        #[command(subcommand)]
        command: LogCommand,
    },
    /// Evidence a third party can verify without Charter.
    Evidence {
        #[command(subcommand)]
        command: EvidenceCommand,
    },
}

#[derive(Debug, Subcommand)]
enum EvidenceCommand {
    /// Write the evidence bundle of one consent event (docs/evidence.md): the event's leaf, its
    /// inclusion proof, a signed checkpoint, the banner, the inventory and the linked
    /// revisions' Markdown. scripts/verify-evidence-bundle.py checks it.
    Bundle {
        /// The consent event's id, as the records page and the export show it.
        #[arg(long)]
        event: i64,
        /// The file to write (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum LogCommand {
    /// Recompute the tree from every stored leaf and check it against the stored hashes, every
    /// signed checkpoint and, with --checkpoint, one kept outside the database; report the
    /// first leaf that cannot be trusted.
    Verify {
        /// A signed checkpoint saved earlier (from /log/checkpoint or `charter log checkpoint`).
        #[arg(long)]
        checkpoint: Option<PathBuf>,
    },
    /// Sign a checkpoint of the tree as it is now (unless one of its size exists) and print
    /// the newest checkpoint.
    Checkpoint,
    /// Print the log's public key, as /.well-known/charter-log.pub serves it.
    PublicKey,
    /// Print a new signing key for CHARTER_LOG_KEY, and its public key.
    Keygen {
        /// The log's name, the first line of every checkpoint (default: the public URL's host
        /// with /log).
        #[arg(long)]
        origin: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum SitesCommand {
    /// Register ORIGIN (scheme://host[:port], the host may be *.domain), as /admin/sites does.
    Add {
        origin: String,
        /// opt-in (ask before any optional cookie) or opt-out (on until the visitor opts out).
        #[arg(long, default_value = "opt-in")]
        model: String,
    },
    /// List the registered sites.
    List,
}

#[derive(Debug, Subcommand)]
enum RecipientsCommand {
    /// Import account holders from FILE, CSV with the columns email, name and locale. Valid
    /// rows are imported (an address already there is updated); every other row is reported
    /// with its line, and the command then fails.
    Import { file: PathBuf },
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create an account. The password is asked for on the terminal, or read from the first
    /// line of standard input when that is not a terminal.
    Create {
        #[arg(long)]
        email: String,
        /// editor (drafts), publisher (publishes) or admin (everything).
        #[arg(long, default_value = "admin")]
        role: String,
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
    /// Write the consent events recorded in a time range to standard output, as they are read.
    Export {
        /// First instant included: a day (2026-11-01) or an RFC 3339 time (default: the start).
        #[arg(long)]
        from: Option<String>,
        /// First instant excluded, written the same way (default: now).
        #[arg(long)]
        to: Option<String>,
        #[arg(
            long,
            default_value_t = ExportFormat::Json,
            value_parser = PossibleValuesParser::new(["csv", "json"])
                .try_map(|format| format.parse::<ExportFormat>()),
        )]
        format: ExportFormat,
    },
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
            Command::Consent {
                command: ConsentCommand::Export { from, to, format },
            } => export_consent(&config, from.as_deref(), to.as_deref(), format).await,
            Command::Admin {
                command: AdminCommand::Create { email, role },
            } => create_admin(&config, &email, &role).await,
            Command::Recipients {
                command: RecipientsCommand::Import { file },
            } => import_recipients(&config, &file).await,
            Command::Sites {
                command: SitesCommand::Add { origin, model },
            } => add_site(&config, &origin, &model).await,
            Command::Sites {
                command: SitesCommand::List,
            } => list_sites(&config).await,
            Command::Log { command } => run_log_command(&config, command).await,
            Command::Evidence {
                command: EvidenceCommand::Bundle { event, out },
            } => write_bundle(&config, event, out.as_deref()).await,
        }
    }
}

async fn import_inventory(config: &Config, file: &Path) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let inventory =
        inventory::parse(&text).with_context(|| format!("{} was not imported", file.display()))?;
    let db = crate::open_database(config).await?;
    let imported =
        inventory::activate(&db, &inventory, &operator("charter inventory import")).await?;
    let outcome = if imported.changed {
        "now in force; visitors will be asked again"
    } else {
        "unchanged: it is the inventory already in force"
    };
    println!("inventory {}: {outcome}", imported.version);
    Ok(())
}

async fn add_site(config: &Config, origin: &str, model: &str) -> anyhow::Result<()> {
    let origin: SiteOrigin = origin.parse().context("the site was not registered")?;
    let model: ConsentModel = model
        .parse()
        .map_err(|_| anyhow::anyhow!("--model is opt-in or opt-out"))?;
    let db = crate::open_database(config).await?;
    app::sites::ssr::add(&db, &operator("charter sites add"), &origin, model).await?;
    println!("{origin} is registered ({})", model.as_str());
    Ok(())
}

async fn list_sites(config: &Config) -> anyhow::Result<()> {
    let db = crate::open_database(config).await?;
    for site in app::sites::ssr::list(db.reader()).await? {
        println!("{}\t{}", site.origin, site.model.as_str());
    }
    Ok(())
}

async fn import_recipients(config: &Config, file: &Path) -> anyhow::Result<()> {
    let opened =
        std::fs::File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
    let (valid, invalid) =
        app::notices::ssr::recipients_file::read(std::io::BufReader::new(opened))
            .with_context(|| format!("{} was not imported", file.display()))?;
    let db = crate::open_database(config).await?;
    let imported =
        notices::import_recipients(&db, &valid, &operator("charter recipients import")).await?;
    println!(
        "recipients: {} added, {} updated, {} unchanged",
        imported.added, imported.updated, imported.unchanged
    );
    for error in &invalid {
        eprintln!("{}: {error}", file.display());
    }
    anyhow::ensure!(
        invalid.is_empty(),
        "{} rows were not imported; correct them and import the file again",
        invalid.len()
    );
    Ok(())
}

async fn create_admin(config: &Config, email: &str, role: &str) -> anyhow::Result<()> {
    let email: Email = email.parse().context("--email")?;
    let role: Role = role.parse().context("--role")?;
    let password: NewPassword = read_password()?
        .parse()
        .context("the account was not created")?;
    let db = crate::open_database(config).await?;
    let user = accounts::create(
        &db,
        &Hasher::default(),
        &email,
        role,
        &password,
        &operator("charter admin create"),
    )
    .await
    .context("the account was not created")?;
    println!("created {} account {}", role.as_str(), user.email);
    Ok(())
}

/// The operator at this machine's command line, as the audit log names them.
fn operator(command: &str) -> Actor {
    Actor::local("command line", command)
}

/// The new password: typed twice on a terminal without echo, or the first line of standard
/// input (for scripts).
fn read_password() -> anyhow::Result<String> {
    use std::io::{BufRead, IsTerminal};
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password (at least 12 characters): ")?;
        let again = rpassword::prompt_password("The same password again: ")?;
        anyhow::ensure!(
            first == again,
            "the two passwords differ; nothing was created"
        );
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

/// The log's key as the server uses it: configured, or the one kept in the database.
async fn log_key(config: &Config, db: &app::db::Db) -> anyhow::Result<LogKey> {
    match &config.log_key {
        Some(key) => Ok(key.key()),
        None => LogKey::load_or_create(db, &crate::log_origin(&config.base_url_at(config.addr)))
            .await
            .context("cannot load the evidence log's signing key"),
    }
}

async fn run_log_command(config: &Config, command: LogCommand) -> anyhow::Result<()> {
    if let LogCommand::Keygen { origin } = command {
        let origin = origin.unwrap_or_else(|| crate::log_origin(&config.base_url_at(config.addr)));
        let private = LogKey::generate(&origin)?;
        let key = LogKey::parse(&private)?;
        println!("CHARTER_LOG_KEY={private}");
        println!("public key: {}", key.public_key());
        return Ok(());
    }
    let db = crate::open_database(config).await?;
    let key = log_key(config, &db).await?;
    match command {
        LogCommand::PublicKey => println!("{}", key.public_key()),
        LogCommand::Checkpoint => {
            checkpoints::checkpoint_now(&db, &key).await?;
            let latest = checkpoints::latest(&db)
                .await?
                .context("the log has no checkpoint")?;
            print!("{}", latest.note);
        }
        LogCommand::Verify { checkpoint } => {
            let outside = checkpoint
                .map(|file| {
                    std::fs::read_to_string(&file)
                        .with_context(|| format!("cannot read {}", file.display()))
                })
                .transpose()?;
            match verify::verify(&db, &key, outside.as_deref()).await? {
                LogReport::Intact {
                    size,
                    checkpoints,
                    signed_size,
                } => {
                    println!(
                        "evidence log intact: {size} leaves, consistent with {checkpoints} signed \
                         checkpoints; the newest signs {signed_size} leaves"
                    );
                }
                LogReport::Broken {
                    first_bad_index,
                    reason,
                } => anyhow::bail!("evidence log broken from leaf {first_bad_index}: {reason}"),
            }
        }
        LogCommand::Keygen { .. } => {}
    }
    Ok(())
}

async fn write_bundle(config: &Config, event: i64, out: Option<&Path>) -> anyhow::Result<()> {
    let db = crate::open_database(config).await?;
    let key = log_key(config, &db).await?;
    let bundle = bundle::consent_event(&db, &key, event).await?;
    let json = serde_json::to_string_pretty(&bundle)? + "\n";
    match out {
        Some(file) => std::fs::write(file, json)
            .with_context(|| format!("cannot write {}", file.display()))?,
        None => print!("{json}"),
    }
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

async fn export_consent(
    config: &Config,
    from: Option<&str>,
    to: Option<&str>,
    format: ExportFormat,
) -> anyhow::Result<()> {
    let instant = |text: Option<&str>, default: Timestamp| match text {
        Some(text) => Timestamp::parse(text).map_err(anyhow::Error::msg),
        None => Ok(default),
    };
    let from = instant(from, Timestamp::from_millis(0)).context("--from")?;
    let to = instant(to, Timestamp::now()).context("--to")?;
    anyhow::ensure!(from < to, "--from must be earlier than --to");
    let filter = EventFilter {
        days: DayRange {
            from: Some(from),
            until: Some(to),
        },
        ..EventFilter::default()
    };
    let db = crate::open_database(config).await?;
    record_export(&db, &operator("charter consent export"), &filter, format).await?;
    let query = consent::EventQuery::new(&filter);
    let mut events = std::pin::pin!(query.events(&db));
    let stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let mut writer = ExportWriter::start(format, stdout)?;
    let mut count = 0u64;
    while let Some(event) = events.try_next().await? {
        writer.write(&event)?;
        count += 1;
    }
    writer.finish()?;
    tracing::info!(count, "consent events exported");
    Ok(())
}
