//! The HTTP surface: health probes, the Leptos pages and server functions, static files, and the
//! layers every request passes through.

use app::{
    app::App,
    caching::ssr::SharedPage,
    csp::ssr::{CspNonce, page_script_hashes},
    state::AppState,
};
use axum::{
    Router,
    extract::{Request, State},
    http::{Extensions, HeaderMap, HeaderName, HeaderValue, StatusCode, Version, header},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
};
use leptos::prelude::provide_context;
use leptos_axum::{
    AxumRouteListing, LeptosRoutes, file_and_error_handler_with_context, generate_route_list,
};
use std::{sync::LazyLock, time::Duration};
use tower::ServiceBuilder;
use tower_http::{
    compression::{CompressionLayer, DefaultPredicate, Predicate},
    set_header::SetResponseHeaderLayer,
    timeout::TimeoutLayer,
    trace::TraceLayer,
};

/// The routes of the app, walked once per process. Walking them raises a process-wide flag that
/// makes every resource first polled meanwhile wait forever (leptos_server's
/// `SuppressResourceLoad`), so a second server started in the same process, as the tests do,
/// would stall a page another server is rendering.
static ROUTES: LazyLock<Vec<AxumRouteListing>> = LazyLock::new(|| generate_route_list(App));

/// How long `/readyz` waits for the database before it declares it unavailable.
const READINESS_TIMEOUT: Duration = Duration::from_secs(2);

/// The whole HTTP surface. A request that takes longer than `request_timeout` (a client slow to
/// send its body, say) is answered 408 rather than left hanging.
pub fn router(state: AppState, request_timeout: Duration) -> Router {
    // Browsers honour HSTS only over HTTPS; a site served over plain HTTP sends none.
    let hsts = state
        .site
        .base_url
        .starts_with("https://")
        .then(|| HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    let shell = {
        let options = state.leptos_options.clone();
        move || app::app::shell(options.clone())
    };
    let context = {
        let state = state.clone();
        move || {
            provide_context(state.clone());
            app::csp::ssr::provide_request_nonce();
        }
    };
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(app::http::routes())
        .leptos_routes_with_context(&state, ROUTES.clone(), context.clone(), shell)
        .fallback(file_and_error_handler_with_context::<AppState, _>(
            context,
            app::app::shell,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            app::policies::ssr::exports::middleware,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            app::http::refuse_cross_site,
        ))
        // Inside the layers below, so its 408 carries the security headers like any answer.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            content_security_policy,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.leptos_options.hash_files,
            cache_policy,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            app::network::limit_public_writes,
        ))
        // Outside the rate limit, so a registered site's page can read its 429 too.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            app::sites::ssr::cors,
        ))
        // Before every other layer that reads the peer, the rate limit included.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            app::network::resolve_client,
        ))
        .layer(
            ServiceBuilder::new()
                .layer(TraceLayer::new_for_http())
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    app::caching::ssr::serve_from_cache,
                ))
                .map_response(weaken_etag_when_encoded)
                // Pages, feeds and the Markdown forms; the static files are served
                // precompressed and pass through as they are. Streamed downloads (the consent
                // export) stay as they are: Chromium cancelled the compressed one.
                .layer(
                    CompressionLayer::new().compress_when(DefaultPredicate::new().and(
                        |_: StatusCode, _: Version, headers: &HeaderMap, _: &Extensions| {
                            !headers.contains_key(header::CONTENT_DISPOSITION)
                        },
                    )),
                )
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ))
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::REFERRER_POLICY,
                    HeaderValue::from_static("strict-origin-when-cross-origin"),
                ))
                .layer(SetResponseHeaderLayer::if_not_present(
                    HeaderName::from_static("x-frame-options"),
                    HeaderValue::from_static("DENY"),
                ))
                // Pages set their own policy, with the nonce of their scripts.
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(app::csp::NON_PAGE_POLICY),
                ))
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::STRICT_TRANSPORT_SECURITY,
                    hsts,
                )),
        )
        .with_state(state)
}

/// Liveness: answers while the process runs.
async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: answers 200 only while the database serves queries.
async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match tokio::time::timeout(READINESS_TIMEOUT, state.db.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready"),
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
        Err(_) => {
            tracing::warn!("readiness check timed out");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

/// Gives an HTML answer the policy that allows exactly its inline scripts: those of every page
/// by hash and, for a page rendered for this request alone, the scripts carrying a fresh nonce.
/// Other answers get the strict default below.
async fn content_security_policy(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let nonce = if request.extensions().get::<SharedPage>().is_some() {
        None
    } else {
        match CspNonce::new() {
            Ok(nonce) => Some(nonce),
            Err(error) => {
                tracing::error!(%error, "no randomness for a CSP nonce");
                return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
            }
        }
    };
    if let Some(nonce) = &nonce {
        request.extensions_mut().insert(nonce.clone());
    }
    let mut response = next.run(request).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    let policy = app::csp::page_policy(
        nonce.as_ref().map(|nonce| nonce.0.as_str()),
        page_script_hashes(&state.leptos_options),
    );
    if html && let Ok(policy) = HeaderValue::from_str(&policy) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    response
}

/// A year: what "for good" means to a cache.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// What browsers may keep. Hashed assets never change under their name, so they are kept for
/// good; unhashed files are revalidated. Admin pages and exports hold what only a signed-in
/// person may see, so nothing of them is stored. Other pages are rendered for their visitor
/// (the banner follows the consent cookie) and are revalidated each time. A page that carries
/// a one-answer key has already said `no-store` (see `app::caching`).
async fn cache_policy(State(hashed): State<bool>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    if response.headers().contains_key(header::CACHE_CONTROL) {
        return response;
    }
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    let policy = if path == "/admin" || path.starts_with("/admin/") {
        Some("no-store")
    } else if path.starts_with("/pkg/") && response.status() == StatusCode::OK {
        Some(if hashed { IMMUTABLE } else { "no-cache" })
    } else if html {
        Some("private, no-cache")
    } else {
        None
    };
    if let Some(policy) = policy {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    response
}

/// A strong `ETag` names one exact byte sequence, which a compressed answer no longer is; made
/// weak it still validates (the feeds compare weakly) without claiming byte equality.
fn weaken_etag_when_encoded<B>(mut response: axum::http::Response<B>) -> axum::http::Response<B> {
    if response.headers().contains_key(header::CONTENT_ENCODING)
        && let Some(etag) = response.headers().get(header::ETAG)
        && !etag.as_bytes().starts_with(b"W/")
        && let Ok(weak) = HeaderValue::from_bytes(&[b"W/", etag.as_bytes()].concat())
    {
        response.headers_mut().insert(header::ETAG, weak);
    }
    response
}
