//! Cookies with the `cookie` crate: reading one from a request's `Cookie` headers, and the
//! `Set-Cookie` values Charter sends, so quoting and attributes follow RFC 6265 in one place.

use axum::http::{HeaderMap, header};
pub use cookie::{Cookie, CookieBuilder, SameSite};

/// The value of the cookie `name` among a request's cookies (the first, if sent twice).
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name)
        .and_then(|cookie| cookie.value_raw())
}

/// A cookie for the whole site with `value`, kept `max_age_secs` (a session cookie when `None`).
pub fn site_cookie(
    name: &'static str,
    value: String,
    max_age_secs: Option<i64>,
    same_site: SameSite,
) -> cookie::CookieBuilder<'static> {
    let builder = Cookie::build((name, value)).path("/").same_site(same_site);
    match max_age_secs {
        Some(seconds) => builder.max_age(cookie::time::Duration::seconds(seconds)),
        None => builder,
    }
}

/// The `Set-Cookie` value that removes the site-wide cookie `name` (`Max-Age=0`): the
/// host's own, or with `domain` the one set for that domain.
pub fn removal(name: String, secure: bool, domain: Option<&str>) -> String {
    let builder = Cookie::build((name, ""))
        .path("/")
        .max_age(cookie::time::Duration::ZERO)
        .secure(secure);
    match domain {
        Some(domain) => builder.domain(domain.to_owned()),
        None => builder,
    }
    .build()
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn a_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("charter-lang=de; charter_consent=abc.def; x=y"),
        );
        headers.append(header::COOKIE, HeaderValue::from_static("later=1; broken"));
        assert_eq!(cookie(&headers, "charter_consent"), Some("abc.def"));
        assert_eq!(cookie(&headers, "later"), Some("1"));
        assert_eq!(cookie(&headers, "charter"), None);
        assert_eq!(cookie(&HeaderMap::new(), "x"), None);
    }

    #[test]
    fn a_removal_expires_the_cookie_at_once() {
        let scoped = removal("_ga".to_owned(), false, Some("example.com"));
        assert!(scoped.contains("Domain=example.com"), "{scoped}");
        let removal = removal("qs_stats".to_owned(), true, None);
        assert!(removal.starts_with("qs_stats=;"), "{removal}");
        assert!(removal.contains("Max-Age=0"), "{removal}");
        assert!(removal.contains("Secure"), "{removal}");
        assert!(removal.contains("Path=/"), "{removal}");
    }
}
