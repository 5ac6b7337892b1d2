//! The demo company site: a second origin, on its own port, whose page embeds Charter's
//! consent banner with the one script tag the admin area shows, gates an analytics script and
//! a video frame on it, and sends a strict Content Security Policy, as a company's own site
//! would. It is registered as a site, so a newcomer sees the embed work right after start-up.

use app::{
    audit::ssr::Actor,
    db::Db,
    sites::{
        ConsentModel,
        ssr::{SiteError, SiteOrigin, add},
    },
};
use axum::{
    Router,
    http::{HeaderValue, header},
    response::{Html, IntoResponse},
    routing::get,
};
use tokio::net::TcpListener;

const PAGE: &str = include_str!("site/index.html");
const ANALYTICS: &str = include_str!("site/analytics.js");
const VIDEO: &str = include_str!("site/video.html");

/// The demo site, bound and registered, ready to serve.
pub struct DemoSite {
    listener: TcpListener,
    router: Router,
}

impl DemoSite {
    /// Binds `addr` and registers the site's origin (once; `public`, else the address bound) as
    /// an opt-in site of Charter at `charter` (its public URL).
    pub async fn bind(
        addr: std::net::SocketAddr,
        public: Option<&str>,
        charter: &str,
        db: &Db,
    ) -> anyhow::Result<Self> {
        use anyhow::Context;
        let listener = TcpListener::bind(addr).await.with_context(|| {
            format!("cannot listen on {addr} for the demo site (CHARTER_DEMO_SITE_ADDR)")
        })?;
        let bound = listener.local_addr()?;
        let origin: SiteOrigin = match public {
            Some(public) => public.parse()?,
            None => format!("http://{bound}").parse()?,
        };
        let actor = Actor::local("demo", "the demo company site");
        match add(db, &actor, &origin, ConsentModel::OptIn).await {
            Ok(()) | Err(SiteError::AlreadyRegistered(_)) => {}
            Err(error) => return Err(error).context("cannot register the demo site"),
        }
        tracing::info!(%origin, "demo company site is listening");
        Ok(DemoSite {
            listener,
            router: router(charter),
        })
    }

    pub fn local_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until the process ends.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            if let Err(error) = axum::serve(self.listener, self.router).await {
                tracing::error!(%error, "the demo site stopped");
            }
        })
    }
}

fn router(charter: &str) -> Router {
    let page = PAGE.replace("{{CHARTER}}", charter);
    let policy = format!(
        "default-src 'self'; script-src 'self' {charter}; connect-src {charter}; \
         frame-src 'self'; style-src 'self'; img-src 'self'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'self'"
    );
    let policy =
        HeaderValue::from_str(&policy).unwrap_or(HeaderValue::from_static("default-src 'self'"));
    Router::new()
        .route("/", get(move || async move { Html(page) }))
        .route(
            "/analytics.js",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                    ANALYTICS,
                )
            }),
        )
        .route("/video", get(|| async { Html(VIDEO) }))
        .layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            policy,
        ))
        .layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .fallback(|| async { (axum::http::StatusCode::NOT_FOUND, "not found").into_response() })
}
