//! Charter's server: configuration, the database, the HTTP router, telemetry and shutdown.
//! `main.rs` only parses the command line; everything else lives here so tests can build the
//! real application on port 0.

pub mod cli;
pub mod config;
pub mod demo;
pub mod notices;
pub mod router;
pub mod shutdown;
pub mod telemetry;

use anyhow::Context;
use app::{
    consent::ssr::{ConsentLog, ConsentService, SigningKey},
    db::Db,
    evidence::ssr::{Checkpointer, LogKey},
    markdown::ImageHosts,
    network::{ClientAddress, Network, WriteLimiter},
    site::SiteInfo,
    state::{AppState, Shared},
};
use axum::{Router, extract::ConnectInfo};
use config::Config;
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use leptos::config::LeptosOptions;
use notices::{Letterhead, Mailer, NoticeWorker, Outgoing, worker::Delivery};
use std::{future::Future, net::SocketAddr, time::Duration};
use tokio::net::TcpListener;
use tower::ServiceExt;

/// Connects to `DATABASE_URL` and brings its schema up to date.
pub async fn open_database(config: &Config) -> anyhow::Result<Db> {
    let db = Db::connect(&config.database_url)
        .await
        .context("cannot open the database (DATABASE_URL)")?;
    db.migrate().await.context("cannot migrate the database")?;
    Ok(db)
}

/// A bound, migrated, ready-to-serve Charter.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    /// `None` when this process leaves delivery to other instances (`CHARTER_NOTICE_WORKER`).
    notices: Option<NoticeWorker>,
    header_timeout: Duration,
    request_timeout: Duration,
    /// The demo company site, with demo content and `CHARTER_DEMO_SITE_ADDR`.
    demo_site: Option<demo::site::DemoSite>,
    checkpoint_interval: Duration,
    /// Where signed checkpoints are mailed, when `CHARTER_LOG_WITNESSES` names anyone.
    witnesses: Option<notices::witnesses::Witnesses>,
}

/// The evidence log's name, for a key generated on first start: the public URL's host (and
/// port) with `/log`, the schema-less form C2SP checkpoints use.
pub fn log_origin(base_url: &impl std::fmt::Display) -> String {
    let base_url = base_url.to_string();
    let host = url::Url::parse(&base_url)
        .ok()
        .and_then(|url| {
            let host = url.host_str()?.to_owned();
            Some(match url.port() {
                Some(port) => format!("{host}:{port}"),
                None => host,
            })
        })
        .unwrap_or_else(|| "charter".to_owned());
    format!("{host}/log")
}

impl Application {
    /// Connects and migrates the database, loads demo content if asked, and binds the listener
    /// (port 0 picks a free port, as the tests do).
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let db = open_database(&config).await?;
        if config.demo {
            demo::load_if_empty(&db)
                .await
                .context("cannot load the demo content (CHARTER_DEMO)")?;
        }
        app::inventory::ssr::activate_default_if_none(&db)
            .await
            .context("cannot activate the default cookie inventory")?;
        let key = match &config.consent_secret {
            Some(secret) => secret.key(),
            None => SigningKey::load_or_create(&db)
                .await
                .context("cannot load the consent signing key")?,
        };
        let listener = TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("cannot listen on {} (CHARTER_ADDR)", config.addr))?;
        let addr = listener.local_addr().context("listener has no address")?;
        let base_url = config.base_url_at(addr);
        let log_key = match &config.log_key {
            Some(key) => key.key(),
            None => LogKey::load_or_create(&db, &log_origin(&base_url))
                .await
                .context("cannot load the evidence log's signing key")?,
        };
        let consent = ConsentService {
            log: ConsentLog::start(db.clone(), config.consent_batch_limit),
            configuration: Default::default(),
            banners: Default::default(),
            key,
            lifetime: config.consent_lifetime_months,
            secure_cookies: base_url.as_str().starts_with("https://"),
            cookie_domain: app::consent::ssr::cookie_domain(base_url.as_str()),
        };
        let delivery = Delivery {
            rate: config.smtp_rate.per_second(),
            lease: config.notice_lease.duration(),
            first_retry: config.smtp_retry.duration(),
        };
        let outgoing = Outgoing {
            mailer: Mailer::new(
                config.smtp_url.as_ref(),
                &config.outbox_dir,
                notices::worker::CONNECTIONS,
                delivery.send_timeout(),
            )
            .context("cannot set up the mail transport (CHARTER_SMTP_URL)")?,
            letterhead: Letterhead {
                organisation: config.organisation.as_str().to_owned(),
                base_url: base_url.to_string(),
                from: config.smtp_from(),
            },
        };
        let witnesses =
            (!config.log_witnesses.addresses().is_empty()).then(|| notices::witnesses::Witnesses {
                mailer: outgoing.mailer.clone(),
                from: outgoing.letterhead.from.clone(),
                to: config.log_witnesses.addresses().to_vec(),
                base_url: outgoing
                    .letterhead
                    .base_url
                    .trim_end_matches('/')
                    .to_owned(),
                origin: log_key.origin().to_owned(),
                every: config.log_witness_minutes.duration(),
            });
        let notices = config
            .notice_worker
            .then(|| NoticeWorker::new(db.clone(), outgoing, delivery));
        let own_host = url::Url::parse(base_url.as_str())
            .ok()
            .and_then(|url| url.host_str().map(str::to_owned));
        let images = ImageHosts::new(
            own_host
                .into_iter()
                .chain(config.image_hosts.hosts().iter().cloned()),
        );
        let demo_site = match config.demo_site_addr.filter(|_| config.demo) {
            Some(addr) => Some(
                demo::site::DemoSite::bind(
                    addr,
                    config.demo_site_url.as_ref().map(|url| url.as_str()),
                    base_url.as_str(),
                    &db,
                )
                .await?,
            ),
            None => None,
        };
        // The page cache learns what another process publishes or puts in force.
        db.watch_content();
        let state = AppState::new(Shared {
            leptos_options: leptos_options(addr),
            db,
            site: SiteInfo {
                organisation: config.organisation.as_str().to_owned(),
                base_url: base_url.to_string(),
            },
            diffs: Default::default(),
            pages: Default::default(),
            consent,
            network: Network {
                client: ClientAddress {
                    proxies: config.trusted_proxies.clone(),
                    header: config.forwarded_header,
                },
                writes: WriteLimiter::new(config.public_writes_per_minute),
            },
            images,
            hasher: Default::default(),
            sites: Default::default(),
            log_key,
        });
        Ok(Self {
            listener,
            state,
            notices,
            checkpoint_interval: config.checkpoint_seconds.duration(),
            witnesses,
            header_timeout: config.header_timeout.duration(),
            request_timeout: config.request_timeout.duration(),
            demo_site,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.state.leptos_options.site_addr
    }

    /// Where the demo company site listens, when it is served.
    pub fn demo_site_addr(&self) -> Option<SocketAddr> {
        self.demo_site.as_ref()?.local_addr().ok()
    }

    pub fn db(&self) -> &Db {
        &self.state.db
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves (and delivers notices) until `shutdown` resolves, then lets in-flight requests
    /// and sends finish for at most `grace`, closes the database and returns.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
        grace: Duration,
    ) -> anyhow::Result<()> {
        let Self {
            listener,
            state,
            notices,
            header_timeout,
            request_timeout,
            demo_site,
            checkpoint_interval,
            witnesses,
        } = self;
        let (signed, witnesses) = match witnesses {
            Some(witnesses) => {
                let (sender, receiver) = tokio::sync::mpsc::channel(16);
                (Some(sender), Some(witnesses.spawn(receiver)))
            }
            None => (None, None),
        };
        let checkpointer = Checkpointer {
            db: state.db.clone(),
            key: std::sync::Arc::new(state.log_key.clone()),
            interval: checkpoint_interval,
            signed,
        }
        .spawn();
        let demo_site = demo_site.map(demo::site::DemoSite::spawn);
        let db = state.db.clone();
        let notices = notices.map(NoticeWorker::spawn);
        tracing::info!(addr = %state.leptos_options.site_addr, "Charter is listening");
        let router = router::router(state, request_timeout);
        let open = serve(listener, router, header_timeout, shutdown).await;
        if let Some(demo_site) = demo_site {
            demo_site.abort();
        }
        checkpointer.abort();
        if let Some(witnesses) = witnesses {
            witnesses.abort();
        }
        if tokio::time::timeout(grace, open.shutdown()).await.is_err() {
            tracing::warn!(
                ?grace,
                "requests still running after the grace period; stopping anyway"
            );
        }
        if let Some(notices) = notices
            && tokio::time::timeout(grace, notices.stop()).await.is_err()
        {
            tracing::warn!(
                ?grace,
                "notices still being sent after the grace period; their leases will hand them to the next start"
            );
        }
        db.close().await;
        tracing::info!("Charter stopped");
        Ok(())
    }
}

/// Accepts connections until `shutdown` resolves, then stops accepting and hands back the
/// connections still open, told to finish their requests and close.
///
/// Not `axum::serve`: it has no deadline for reading a request's headers, so a client that
/// sends them slowly, or nothing at all, holds its connection for ever. HTTP/1 only, as
/// `axum::serve` is without its `http2` feature: hyper's automatic HTTP/2 detection would wait
/// for a client's first bytes without any deadline, and browsers speak HTTP/2 only over TLS,
/// which a proxy in front of Charter ends.
async fn serve(
    listener: TcpListener,
    router: Router,
    header_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) -> GracefulShutdown {
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let open = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, say: wait for some to close rather than spin.
                    tracing::error!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Handlers read the peer's address as axum's `ConnectInfo`.
        let service = router
            .clone()
            .map_request(move |request: axum::http::Request<_>| {
                let mut request = request.map(axum::body::Body::new);
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            });
        let connection = open.watch(
            builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service)),
        );
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, %peer, "connection ended with an error");
            }
        });
    }
    open
}

/// The name of the list of content hashes that `cargo leptos build` writes beside the binary
/// (the `hash-files` setting in `Cargo.toml`). A build without it, the tests' for instance,
/// serves its assets under their plain names.
const HASH_FILE: &str = "hash.txt";

/// Whether this binary's assets carry content hashes in their names, so they can be cached
/// for good (see `router::cache_policy`).
pub fn assets_are_hashed() -> bool {
    app::islands::hash_list(HASH_FILE).is_some_and(|file| file.is_file())
}

/// Leptos's own settings. cargo-leptos passes them through `LEPTOS_*` variables; a binary built
/// by plain cargo (tests) uses the same names cargo-leptos would.
fn leptos_options(addr: SocketAddr) -> LeptosOptions {
    let env = |key: &str, default: &str| std::env::var(key).unwrap_or_else(|_| default.to_owned());
    LeptosOptions::builder()
        .hash_files(assets_are_hashed())
        .hash_file(std::sync::Arc::from(HASH_FILE))
        .output_name(env(
            "LEPTOS_OUTPUT_NAME",
            option_env!("LEPTOS_OUTPUT_NAME").unwrap_or("charter"),
        ))
        .site_root(env("LEPTOS_SITE_ROOT", "target/site"))
        .site_pkg_dir(env("LEPTOS_SITE_PKG_DIR", "pkg"))
        .site_addr(addr)
        .build()
}
