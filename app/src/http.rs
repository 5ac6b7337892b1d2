//! What the slices' plain HTTP endpoints share (their form posts, downloads and JSON API): one
//! error type answered as a response, refusing posts sent from other sites' pages, and sending
//! the browser back only to this site's pages.
//!
//! Each slice owns its endpoints in its `ssr::http` module, whose `routes()` the server merges.

use crate::{admin::Role, state::AppState};
use axum::{
    Json,
    extract::{Request, State},
    http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use serde::Serialize;
use std::borrow::Cow;
use url::Url;

/// The sign-in page, where a request without a live session is sent.
pub const SIGN_IN: &str = "/admin/sign-in";

/// Why an endpoint did not do what it was asked, answered with a status and a sentence a
/// person can act on. The cause of an internal failure is logged, never sent.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// No live session: to the sign-in page (and back to `return_to` afterwards), with the
    /// session cookie removed.
    #[error("sign in first")]
    SignInRequired { return_to: Option<String> },
    #[error("this form does not belong to your current session; reload the page and try again")]
    CsrfRefused,
    #[error("this request was sent from another site's page and was refused; nothing was changed")]
    CrossSite,
    #[error(
        "the origin {0} is not one of the sites registered with Charter, so its pages may not \
         use the consent API; an admin registers it on /admin/sites"
    )]
    UnregisteredOrigin(String),
    #[error("your role ({}) does not allow this; ask an admin", .0.as_str())]
    RoleRefused(Role),
    #[error("{0}")]
    NotFound(Cow<'static, str>),
    #[error("{0}")]
    BadRequest(Cow<'static, str>),
    /// The input is well formed but cannot be accepted; the message says what to change.
    #[error("{0}")]
    Unprocessable(Cow<'static, str>),
    #[error("{0}")]
    Conflict(Cow<'static, str>),
    #[error("{0}")]
    PayloadTooLarge(Cow<'static, str>),
    #[error("{0}")]
    UnsupportedMediaType(Cow<'static, str>),
    /// Over a limit of requests this client may make; try again after `retry_after_secs`.
    #[error("{message}")]
    Limited {
        message: String,
        retry_after_secs: u64,
    },
    /// The server is at capacity for this kind of work; try again after `retry_after_secs`.
    #[error("{message}")]
    Busy {
        message: String,
        retry_after_secs: u64,
    },
    #[error("something went wrong on our side and nothing was changed; please try again")]
    Internal(String),
}

impl HttpError {
    /// An internal failure: `error` is logged, and the client is told only that it happened.
    pub fn internal(error: &dyn std::fmt::Display) -> Self {
        HttpError::Internal(error.to_string())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            HttpError::SignInRequired { .. } => StatusCode::SEE_OTHER,
            HttpError::CsrfRefused
            | HttpError::CrossSite
            | HttpError::UnregisteredOrigin(_)
            | HttpError::RoleRefused(_) => StatusCode::FORBIDDEN,
            HttpError::NotFound(_) => StatusCode::NOT_FOUND,
            HttpError::BadRequest(_) => StatusCode::BAD_REQUEST,
            HttpError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            HttpError::Conflict(_) => StatusCode::CONFLICT,
            HttpError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            HttpError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            HttpError::Limited { .. } => StatusCode::TOO_MANY_REQUESTS,
            HttpError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            HttpError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// This error as the JSON API answers it: `{"error": "..."}` with the same status.
    pub fn into_json_response(self) -> Response {
        let body = Json(serde_json::json!({ "error": self.to_string() }));
        self.answer(body)
    }

    /// `body` with this error's status and `Retry-After`; the cause of an internal failure is
    /// logged.
    fn answer(&self, body: impl IntoResponse) -> Response {
        self.log();
        let mut response = (self.status(), body).into_response();
        if let Some(seconds) = self.retry_after() {
            response.headers_mut().insert(header::RETRY_AFTER, seconds);
        }
        response
    }

    fn retry_after(&self) -> Option<HeaderValue> {
        match self {
            HttpError::Busy {
                retry_after_secs, ..
            }
            | HttpError::Limited {
                retry_after_secs, ..
            } => Some(HeaderValue::from(*retry_after_secs)),
            _ => None,
        }
    }

    /// Logs the cause of an internal failure, which the answer never carries.
    pub fn log(&self) {
        if let HttpError::Internal(cause) = self {
            tracing::error!(error = %cause, "request failed");
        }
    }
}

impl From<sqlx::Error> for HttpError {
    fn from(error: sqlx::Error) -> Self {
        HttpError::internal(&error)
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        if let HttpError::SignInRequired { return_to } = &self {
            let to = match return_to {
                Some(path) => sign_in_and_back(path),
                None => SIGN_IN.to_owned(),
            };
            let cleared = crate::admin::ssr::sessions::clear_cookie();
            return with_cookies(Redirect::to(&to).into_response(), [cleared.as_str()]);
        }
        let text = self.to_string();
        self.answer(text)
    }
}

/// The result of an endpoint: its answer, or why not.
pub type HttpResult = Result<Response, HttpError>;

/// `path` with the query `pairs`, percent-encoded.
fn with_query(path: &str, pairs: &[(&str, &str)]) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("{path}?{query}")
}

/// The sign-in page, bringing the browser back to `return_to` afterwards.
pub fn sign_in_and_back(return_to: &str) -> String {
    with_query(SIGN_IN, &[("return_to", return_to)])
}

/// A 303 to `path` carrying `notice`, the typed outcome its page reads back with
/// [`crate::ui::notice_of`] (the endpoint and the page share one type, not a convention), and
/// any further query `pairs` the page needs.
pub fn back_with<N: Serialize>(path: &str, notice: &N, pairs: &[(&str, &str)]) -> Response {
    match notice_address(path, notice, pairs) {
        Ok(address) => Redirect::to(&address).into_response(),
        Err(error) => error.into_response(),
    }
}

/// The address [`back_with`] sends the browser to.
pub fn notice_address<N: Serialize>(
    path: &str,
    notice: &N,
    pairs: &[(&str, &str)],
) -> Result<String, HttpError> {
    let query = serde_urlencoded::to_string(notice).map_err(|error| HttpError::internal(&error))?;
    let query = form_urlencoded::Serializer::new(query)
        .extend_pairs(pairs)
        .finish();
    Ok(format!("{path}?{query}"))
}

/// `response` with a `Set-Cookie` header for each of `cookies`.
pub fn with_cookies<'a>(
    mut response: Response,
    cookies: impl IntoIterator<Item = &'a str>,
) -> Response {
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// `return_to` if it is a path on this site: never another site, whatever its spelling.
pub fn local_path(return_to: Option<&str>) -> Option<String> {
    return_to
        .filter(|path| {
            path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && path.len() <= 2048
                && !path.chars().any(char::is_control)
        })
        .map(str::to_owned)
}

/// Refuses every state-changing request a browser sends from another site's page: forms, the
/// consent API and server functions alike. (Admin forms and server functions also carry their
/// session's CSRF token; this check covers the posts no session protects.)
pub async fn refuse_cross_site(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    // A one-click unsubscribe (RFC 8058) may come from a webmail page on another site; the
    // secret token in its address is all it needs, and all another site cannot supply.
    let unsubscribe = request.uri().path().starts_with("/unsubscribe/");
    // The company's registered sites use the consent API from their own pages (`sites::ssr`).
    let registered = request
        .extensions()
        .get::<crate::sites::ssr::RegisteredSite>()
        .is_some();
    if safe || unsubscribe || registered || !cross_site(request.headers(), &state.site.base_url) {
        return next.run(request).await;
    }
    tracing::warn!(path = %request.uri().path(), "cross-site request refused");
    if request.uri().path().starts_with("/api/") {
        HttpError::CrossSite.into_json_response()
    } else {
        HttpError::CrossSite.into_response()
    }
}

/// Whether a browser says the request comes from a page that is not of this site, whose public
/// URL is `base_url`. Browsers send `Sec-Fetch-Site` and `Origin` with every cross-origin POST,
/// and a `Referer` unless a policy forbids it; each names the page's origin (scheme, host and
/// port), which must be exactly the site's own.
pub fn cross_site(headers: &HeaderMap, base_url: &str) -> bool {
    let text = |name| headers.get(name).map(|value| value.to_str().unwrap_or(""));
    let fetch_site = text(HeaderName::from_static("sec-fetch-site"));
    if fetch_site == Some("cross-site") {
        return true;
    }
    let Ok(own) = Url::parse(base_url).map(|url| url.origin()) else {
        tracing::error!(
            base_url,
            "the site's base URL has no origin; refusing the request"
        );
        return true;
    };
    let same = |value: &str| names_origin(value, &own);
    match (text(header::ORIGIN), text(header::REFERER)) {
        (Some(origin), _) => !same(origin),
        (None, Some(referer)) => !same(referer),
        // Nothing names the page. A sibling subdomain (`same-site`) is another origin, and must
        // name itself to be judged; without any of these headers the request comes from a
        // client that is no browser (curl, a mail program), which no other site can make a
        // visitor's browser send.
        (None, None) => fetch_site == Some("same-site"),
    }
}

/// Whether `value` (an `Origin` or a `Referer`) names the origin `own`. `Origin: null`
/// (sandboxed frames, some redirects) and anything unreadable match nothing.
pub fn names_origin(value: &str, own: &url::Origin) -> bool {
    Url::parse(value).is_ok_and(|url| url.origin() == *own)
}

/// Every slice's endpoints outside the page tree, each with its own body limit.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .merge(crate::admin::ssr::http::routes())
        .merge(crate::editor::ssr::http::routes())
        .merge(crate::settings::ssr::http::routes())
        .merge(crate::sites::ssr::http::routes())
        .merge(crate::embed::ssr::routes())
        .merge(crate::evidence::ssr::http::routes())
        .merge(crate::inventory::editor::ssr::http::routes())
        .merge(crate::notices::ssr::http::routes())
        .merge(crate::notices::subscriptions::ssr::http::routes())
        .merge(crate::consent::ssr::http::routes())
        .merge(crate::comparisons::ssr::http::routes())
        .merge(crate::policies::ssr::feeds::routes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::pages::SignInNotice;

    #[test]
    fn a_notice_reads_back_as_it_was_sent_beside_other_pairs() {
        let sent = SignInNotice::Throttled {
            minutes: "15 & more=yes".to_owned(),
        };
        let address =
            notice_address(SIGN_IN, &sent, &[("return_to", "/admin?x=1&y=2")]).expect("an address");
        let (path, query) = address.split_once('?').expect("a query");
        assert_eq!(path, SIGN_IN);
        assert_eq!(serde_urlencoded::from_str::<SignInNotice>(query), Ok(sent));
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).expect("pairs");
        assert!(pairs.contains(&("return_to".to_owned(), "/admin?x=1&y=2".to_owned())));
        assert!(serde_urlencoded::from_str::<SignInNotice>("notice=unheard-of").is_err());
    }

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(
            local_path(Some("/policies/privacy?x=1")).as_deref(),
            Some("/policies/privacy?x=1")
        );
        for bad in [
            None,
            Some(""),
            Some("https://evil.example/"),
            Some("//evil.example"),
            Some("/\\evil"),
            Some("/a\nb"),
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
    }

    const SITE: &str = "http://policies.example:8080";

    fn cross_site_with(pairs: &[(&'static str, &'static str)]) -> bool {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, HeaderValue::from_static(value));
        }
        cross_site(&headers, SITE)
    }

    #[test]
    fn only_the_sites_own_origin_may_post() {
        assert!(!cross_site_with(&[(
            "origin",
            "http://policies.example:8080"
        )]));
        for other in [
            "https://evil.example",
            // The same host over another scheme or port is another origin.
            "https://policies.example:8080",
            "http://policies.example",
            "http://policies.example:8081",
            "http://sub.policies.example:8080",
            "null",
            "",
        ] {
            assert!(cross_site_with(&[("origin", other)]), "{other}");
        }
    }

    #[test]
    fn without_origin_the_referer_decides() {
        assert!(!cross_site_with(&[(
            "referer",
            "http://policies.example:8080/admin/settings?x=1"
        )]));
        assert!(cross_site_with(&[("referer", "https://evil.example/page")]));
        assert!(cross_site_with(&[(
            "referer",
            "https://policies.example:8080/admin"
        )]));
        // `Origin` wins when both are sent.
        assert!(cross_site_with(&[
            ("origin", "https://evil.example"),
            ("referer", "http://policies.example:8080/"),
        ]));
    }

    #[test]
    fn fetch_metadata_refuses_other_sites() {
        assert!(cross_site_with(&[("sec-fetch-site", "cross-site")]));
        assert!(cross_site_with(&[
            ("sec-fetch-site", "cross-site"),
            ("origin", "http://policies.example:8080"),
        ]));
        assert!(cross_site_with(&[("sec-fetch-site", "same-site")]));
        assert!(cross_site_with(&[
            ("sec-fetch-site", "same-site"),
            ("origin", "http://sub.policies.example:8080"),
        ]));
        assert!(!cross_site_with(&[("sec-fetch-site", "same-origin")]));
        assert!(!cross_site_with(&[
            ("sec-fetch-site", "same-origin"),
            ("origin", "http://policies.example:8080"),
        ]));
        // Typed into the address bar or opened from a bookmark.
        assert!(!cross_site_with(&[("sec-fetch-site", "none")]));
    }

    #[test]
    fn clients_that_are_no_browser_may_post() {
        assert!(!cross_site_with(&[]));
        assert!(!cross_site_with(&[("host", "elsewhere.example")]));
    }
}
