//! What the plain HTML form endpoints share: refusing posts from other sites, and sending the
//! browser back only to pages of this one.

use axum::{
    Json,
    extract::Request,
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};

const CROSS_SITE_REFUSED: &str =
    "this request was sent from another site's page and was refused; nothing was changed";

/// Refuses every state-changing request a browser sends from another site's page: forms, the
/// consent API and server functions alike. (Admin forms and server functions also carry their
/// session's CSRF token; this check covers the posts no session protects.)
pub async fn refuse_cross_site(request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    // A one-click unsubscribe (RFC 8058) may come from a webmail page on another site; the
    // secret token in its address is all it needs, and all another site cannot supply.
    let unsubscribe = request.uri().path().starts_with("/unsubscribe/");
    if safe || unsubscribe || !cross_site(request.headers()) {
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

/// Whether a browser says the POST comes from another site's page (`Origin`, which browsers
/// send with every cross-origin POST). Such a post must not change anything here.
pub fn cross_site(headers: &HeaderMap) -> bool {
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|value| value.to_str().ok());
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok());
    match (origin, host) {
        // A site-less `Origin: null` (sandboxed frames, some redirects) matches no host.
        (Some(origin), Some(host)) => origin.split_once("://").map(|(_, rest)| rest) != Some(host),
        (Some(_), None) => true,
        // Without `Origin` the post comes from an old browser or a client that is no browser,
        // which no other site can make a visitor's browser send.
        (None, _) => false,
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

    #[test]
    fn cross_site_posts_are_refused() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("policies.example"));
        assert!(!cross_site(&headers));
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://policies.example"),
        );
        assert!(!cross_site(&headers));
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(cross_site(&headers));
        headers.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(cross_site(&headers));
    }
}
