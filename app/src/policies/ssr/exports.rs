//! Machine-readable forms of revisions: `/policies/{slug}/v/{n}.md` (the Markdown exactly as
//! published, so its SHA-256 can be checked), `/policies/{slug}/v/{n}.json` (the metadata) and
//! `/policies/{slug}/diff/{a}..{b}.diff` (a unified diff of two revisions' Markdown). They share
//! their pages' paths, so they are answered before the request reaches the Leptos routes.

use super::no_such_document;
use crate::{
    clock::Timestamp,
    comparisons::RevisionRange,
    documents::Slug,
    http::{HttpError, HttpResult},
    i18n::{Locale, ssr::negotiate},
    revisions::{RevisionMeta, ssr},
    state::AppState,
};
use axum::{
    Json,
    extract::{Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde::Serialize;

enum Format {
    Markdown,
    Json,
}

enum Export<'a> {
    Revision {
        slug: &'a str,
        number: &'a str,
        format: Format,
    },
    UnifiedDiff {
        slug: &'a str,
        range: &'a str,
    },
}

/// What `path` asks for, if it is an export URL.
fn parse(path: &str) -> Option<Export<'_>> {
    let rest = path.strip_prefix("/policies/")?;
    if let Some((slug, range)) = rest.split_once("/diff/") {
        let range = range.strip_suffix(".diff")?;
        return Some(Export::UnifiedDiff { slug, range });
    }
    let (slug, file) = rest.split_once("/v/")?;
    let (number, format) = if let Some(number) = file.strip_suffix(".md") {
        (number, Format::Markdown)
    } else {
        (file.strip_suffix(".json")?, Format::Json)
    };
    Some(Export::Revision {
        slug,
        number,
        format,
    })
}

pub async fn middleware(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(export) = parse(request.uri().path()) else {
        return next.run(request).await;
    };
    let locale = negotiate(request.uri().query(), request.headers());
    let response = match export {
        Export::Revision {
            slug,
            number,
            format,
        } => revision(&state, slug, number, format, locale).await,
        Export::UnifiedDiff { slug, range } => unified_diff(&state, slug, range, locale).await,
    };
    response.into_response()
}

async fn revision(
    state: &AppState,
    slug: &str,
    number: &str,
    format: Format,
    locale: Locale,
) -> HttpResult {
    let not_found = || HttpError::NotFound("no such revision".into());
    let (Ok(slug), Ok(number)) = (slug.parse::<Slug>(), number.parse::<i64>()) else {
        return Err(not_found());
    };
    let context = ssr::document_in_locale(&state.db, &slug, locale, Timestamp::now())
        .await?
        .ok_or_else(not_found)?;
    let current = ssr::current_number(&state.db, &context).await?;
    let (meta, source) = ssr::source(&state.db, &context, number)
        .await?
        .ok_or_else(not_found)?;
    Ok(match format {
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
                // The organisation, never the publishing account's address.
                author: &state.site.organisation,
                published_at: meta.published_at.rfc3339(),
                effective_at: meta.effective_at.rfc3339(),
                source_sha256: &meta.source_sha256,
                url: format!("{page}?lang={}", meta.locale),
                markdown_url: format!("{page}.md?lang={}", meta.locale),
            })
            .into_response()
        }
    })
}

/// `/policies/{slug}/diff/{a}..{b}.diff`: the two revisions' Markdown as a unified diff, to
/// download or to pipe into other tools.
async fn unified_diff(state: &AppState, slug: &str, range: &str, locale: Locale) -> HttpResult {
    let Ok(range) = range.parse::<RevisionRange>() else {
        return Err(HttpError::NotFound(
            "a comparison names two version numbers, like /policies/privacy/diff/2..3.diff".into(),
        ));
    };
    let slug = slug.parse::<Slug>().map_err(|_| no_such_document())?;
    let context = ssr::document_in_locale(&state.db, &slug, locale, Timestamp::now())
        .await?
        .ok_or_else(no_such_document)?;
    let mut sources = Vec::with_capacity(2);
    for number in [range.older, range.newer] {
        match ssr::source(&state.db, &context, number).await? {
            Some((_, source)) => sources.push(source),
            None => {
                let latest = ssr::latest_number(&state.db, &context).await?.unwrap_or(0);
                let message = format!(
                    "there is no version {number} of this document in this language; the latest is {latest}"
                );
                return Err(HttpError::NotFound(message.into()));
            }
        }
    }
    let name = |number: i64| format!("{slug}.v{number}.{}.md", context.locale);
    let diff = crate::diff::unified_diff(
        &sources[0],
        &sources[1],
        &format!("a/{}", name(range.older)),
        &format!("b/{}", name(range.newer)),
    );
    let mut response = diff.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/x-diff; charset=utf-8"),
    );
    let file = format!(
        "attachment; filename=\"{slug}-v{}-v{}.{}.diff\"",
        range.older, range.newer, context.locale
    );
    if let Ok(disposition) = HeaderValue::from_str(&file) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    Ok(response)
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
    status: crate::revisions::Status,
    class: &'a str,
    summary: &'a str,
    author: &'a str,
    published_at: String,
    effective_at: String,
    source_sha256: &'a str,
    url: String,
    markdown_url: String,
}
