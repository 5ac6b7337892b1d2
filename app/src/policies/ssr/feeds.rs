//! Atom feeds (RFC 4287) of published revisions: `/feed.atom` for the whole site and
//! `/policies/{slug}/feed.atom` per document, in the reader's locale (`?lang=`). Entry ids are
//! stable tag URIs (RFC 4151); conditional GET with `ETag` or `Last-Modified` answers 304.

use super::no_such_document;
use crate::{
    documents::Slug,
    http::HttpResult,
    i18n::{Locale, ssr::negotiate},
    revisions::{
        RevisionClass,
        ssr::{FeedItem, recent},
    },
    state::AppState,
};
use atom_syndication::{Entry, Feed, FixedDateTime, Link, Person, Text};
use axum::{
    Router,
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, Uri, header},
    response::IntoResponse,
    routing::get,
};
use sha2::{Digest, Sha256};
use std::time::{Duration, SystemTime};

/// How many revisions a feed lists.
const ENTRIES: i64 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/feed.atom", get(site))
        .route("/policies/{slug}/feed.atom", get(document))
}

async fn site(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> HttpResult {
    respond(&state, None, &uri, &headers).await
}

async fn document(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> HttpResult {
    let slug = slug.parse::<Slug>().map_err(|_| no_such_document())?;
    respond(&state, Some(slug), &uri, &headers).await
}

async fn respond(
    state: &AppState,
    slug: Option<Slug>,
    uri: &Uri,
    headers: &HeaderMap,
) -> HttpResult {
    let locale = negotiate(uri.query(), headers);
    let document = match &slug {
        Some(slug) => Some(
            crate::documents::ssr::find(&state.db, slug, locale)
                .await?
                .ok_or_else(no_such_document)?,
        ),
        None => None,
    };
    let items = recent(&state.db, slug.as_ref(), locale, ENTRIES).await?;
    let base = &state.site.base_url;
    // The feed's own path, and the page it describes.
    let (self_path, page_path) = match &document {
        Some(document) => (format!("{}/feed.atom", document.href()), document.href()),
        None => ("/feed.atom".to_owned(), "/".to_owned()),
    };
    let title = match &document {
        Some(document) => format!("{} – {}", document.title, state.site.organisation),
        None => state.site.organisation.clone(),
    };
    let publisher = &state.site.organisation;
    let xml = feed(
        base, &self_path, &page_path, &title, publisher, locale, &items,
    )
    .to_string();

    let etag = format!("\"{}\"", hex::encode(&Sha256::digest(xml.as_bytes())[..16]));
    let last_modified = items
        .iter()
        .map(|item| item.meta.published_at.as_millis())
        .max()
        .map(|millis| SystemTime::UNIX_EPOCH + Duration::from_millis(millis.max(0) as u64));
    if not_modified(headers, &etag, last_modified) {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        set_validators(response.headers_mut(), &etag, last_modified);
        return Ok(response);
    }
    let mut response = xml.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/atom+xml; charset=utf-8"),
    );
    set_validators(response.headers_mut(), &etag, last_modified);
    Ok(response)
}

fn feed(
    base: &str,
    self_path: &str,
    page_path: &str,
    title: &str,
    publisher: &str,
    locale: Locale,
    items: &[FeedItem],
) -> Feed {
    let authority = tag_authority(base);
    let entries: Vec<Entry> = items
        .iter()
        .map(|item| {
            let meta = &item.meta;
            let page = format!(
                "{base}{}/v/{}?lang={}",
                item.document.href(),
                meta.number,
                meta.locale
            );
            let published = datetime(meta.published_at);
            let class = match (meta.class, locale) {
                (RevisionClass::Material, Locale::En) => "material change",
                (RevisionClass::Editorial, Locale::En) => "editorial change",
                (RevisionClass::Material, Locale::De) => "wesentliche Änderung",
                (RevisionClass::Editorial, Locale::De) => "redaktionelle Änderung",
            };
            let summary = if meta.summary.is_empty() {
                class.to_owned()
            } else {
                format!("{class}: {}", meta.summary)
            };
            Entry {
                id: format!(
                    "tag:{authority},{}:policies/{}/{}/{}",
                    &meta.published_at.rfc3339()[..10],
                    item.document.slug,
                    meta.locale,
                    meta.number
                ),
                title: Text::plain(format!(
                    "{} – {} {}",
                    item.document.title,
                    version_word(locale),
                    meta.number
                )),
                updated: published,
                published: Some(published),
                summary: Some(Text::plain(summary)),
                // The organisation publishes; the revision's author is the account that
                // pressed the button, whose address is no one else's business.
                authors: vec![Person {
                    name: publisher.to_owned(),
                    ..Person::default()
                }],
                links: vec![Link {
                    href: page,
                    rel: "alternate".to_owned(),
                    mime_type: Some("text/html".to_owned()),
                    hreflang: Some(meta.locale.to_string()),
                    ..Link::default()
                }],
                ..Entry::default()
            }
        })
        .collect();
    let updated = entries
        .iter()
        .map(|entry| entry.updated)
        .max()
        .unwrap_or_else(|| datetime(crate::clock::Timestamp::from_millis(0)));
    Feed {
        id: format!(
            "tag:{authority},2026:{}?lang={locale}",
            self_path.trim_start_matches('/')
        ),
        title: Text::plain(title),
        updated,
        lang: Some(locale.to_string()),
        links: vec![
            Link {
                href: format!("{base}{self_path}?lang={locale}"),
                rel: "self".to_owned(),
                mime_type: Some("application/atom+xml".to_owned()),
                ..Link::default()
            },
            Link {
                href: format!("{base}{page_path}"),
                rel: "alternate".to_owned(),
                mime_type: Some("text/html".to_owned()),
                ..Link::default()
            },
        ],
        entries,
        ..Feed::default()
    }
}

fn version_word(locale: Locale) -> &'static str {
    match locale {
        Locale::En => "version",
        Locale::De => "Version",
    }
}

/// The host of the base URL, the naming authority of the feed's tag URIs.
fn tag_authority(base: &str) -> String {
    url::Url::parse(base)
        .ok()
        .and_then(|url| url.host_str().map(str::to_owned))
        .unwrap_or_else(|| "localhost".to_owned())
}

fn datetime(at: crate::clock::Timestamp) -> FixedDateTime {
    FixedDateTime::parse_from_rfc3339(&at.rfc3339()).unwrap_or_default()
}

fn not_modified(headers: &HeaderMap, etag: &str, last_modified: Option<SystemTime>) -> bool {
    if let Some(candidates) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        return candidates.split(',').any(|candidate| {
            matches!(candidate.trim(), "*") || candidate.trim().trim_start_matches("W/") == etag
        });
    }
    match (
        headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok()),
        last_modified,
    ) {
        // HTTP dates have whole seconds.
        (Some(since), Some(modified)) => {
            modified
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0)
                <= since
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0)
        }
        _ => false,
    }
}

fn set_validators(headers: &mut HeaderMap, etag: &str, last_modified: Option<SystemTime>) {
    if let Ok(value) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, value);
    }
    if let Some(value) =
        last_modified.and_then(|at| HeaderValue::from_str(&httpdate::fmt_http_date(at)).ok())
    {
        headers.insert(header::LAST_MODIFIED, value);
    }
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept-Language, Cookie"),
    );
}
