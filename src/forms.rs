//! What the plain HTML form endpoints share: refusing posts from other sites, and sending the
//! browser back only to pages of this one.

use app::state::AppState;
use axum::{
    Json,
    extract::{Request, State},
    http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use url::Url;

const CROSS_SITE_REFUSED: &str =
    "this request was sent from another site's page and was refused; nothing was changed";

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
    if safe || unsubscribe || !cross_site(request.headers(), &state.site.base_url) {
        return next.run(request).await;
    }
    tracing::warn!(path = %request.uri().path(), "cross-site request refused");
    if request.uri().path().starts_with("/api/") {
        (
            StatusCode::FORBIDDEN,
            Json(serde_json::json!({ "error": CROSS_SITE_REFUSED })),
        )
            .into_response()
    } else {
        (StatusCode::FORBIDDEN, CROSS_SITE_REFUSED).into_response()
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
    // `Origin: null` (sandboxed frames, some redirects) and anything unreadable match nothing.
    let same = |value: &str| Url::parse(value).is_ok_and(|url| url.origin() == own);
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

/// A 303 to `path` with the query `pairs`, percent-encoded: how a form endpoint sends the
/// browser back to its page with what to show.
pub fn redirect_with_query(path: &str, pairs: &[(&str, &str)]) -> Response {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    Redirect::to(&format!("{path}?{query}")).into_response()
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

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
