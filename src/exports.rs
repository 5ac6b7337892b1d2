//! Machine-readable forms of a revision: `/policies/{slug}/v/{n}.md` (the Markdown exactly as
//! published, so its SHA-256 can be checked) and `/policies/{slug}/v/{n}.json` (the metadata).
//! They share the page's path, so they are answered before the request reaches the Leptos
//! routes.

use crate::locale::negotiate;
use app::{
    clock::Timestamp,
    documents::Slug,
    revisions::{RevisionMeta, ssr},
    state::AppState,
};
use axum::{
    Json,
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde::Serialize;

enum Format {
    Markdown,
    Json,
}

/// `slug`, revision number and format, if `path` is an export URL.
fn parse(path: &str) -> Option<(&str, &str, Format)> {
    let rest = path.strip_prefix("/policies/")?;
    let (slug, file) = rest.split_once("/v/")?;
    if let Some(number) = file.strip_suffix(".md") {
        Some((slug, number, Format::Markdown))
    } else {
        file.strip_suffix(".json")
            .map(|number| (slug, number, Format::Json))
    }
}

pub async fn middleware(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some((slug, number, format)) = parse(request.uri().path()) else {
        return next.run(request).await;
    };
    let not_found = || (StatusCode::NOT_FOUND, "no such revision").into_response();
    let (Ok(slug), Ok(number)) = (slug.parse::<Slug>(), number.parse::<i64>()) else {
        return not_found();
    };
    let locale = negotiate(request.uri().query(), request.headers());
    let found = async {
        let Some(context) =
            ssr::document_in_locale(&state.db, &slug, locale, Timestamp::now()).await?
        else {
            return Ok(None);
        };
        let current = ssr::current_number(&state.db, &context).await?;
        let source = ssr::source(&state.db, &context, number).await?;
        Ok::<_, sqlx::Error>(source.map(|(meta, source)| (context, current, meta, source)))
    };
    match found.await {
        Ok(Some((context, current, meta, source))) => match format {
            Format::Markdown => markdown(source, &meta),
            Format::Json => {
                let page = format!(
                    "{}{}/v/{}",
                    state.site.base_url,
                    context.document.href(),
                    meta.number
                );
                let status = meta.status(current, context.now);
                Json(RevisionJson {
                    document: context.document.slug.as_str(),
                    title: &context.document.title,
                    kind: context.document.kind.as_str(),
                    locale: meta.locale.as_str(),
                    number: meta.number,
                    status,
                    class: meta.class.as_str(),
                    summary: &meta.summary,
                    author: &meta.author,
                    published_at: meta.published_at.rfc3339(),
                    effective_at: meta.effective_at.rfc3339(),
                    source_sha256: &meta.source_sha256,
                    url: format!("{page}?lang={}", meta.locale),
                    markdown_url: format!("{page}.md?lang={}", meta.locale),
                })
                .into_response()
            }
        },
        Ok(None) => not_found(),
        Err(error) => {
            tracing::error!(%error, "cannot load revision export");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

fn markdown(source: String, meta: &RevisionMeta) -> Response {
    let mut response = source.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/markdown; charset=utf-8"),
    );
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{}\"", meta.source_sha256)) {
        headers.insert(header::ETAG, etag);
    }
    if let Ok(language) = HeaderValue::from_str(meta.locale.as_str()) {
        headers.insert(header::CONTENT_LANGUAGE, language);
    }
    response
}

#[derive(Serialize)]
struct RevisionJson<'a> {
    document: &'a str,
    title: &'a str,
    kind: &'a str,
    locale: &'a str,
    number: i64,
    status: app::revisions::Status,
    class: &'a str,
    summary: &'a str,
    author: &'a str,
    published_at: String,
    effective_at: String,
    source_sha256: &'a str,
    url: String,
    markdown_url: String,
}
