//! Reading one cookie from a request's `Cookie` headers.

use axum::http::{HeaderMap, header};

/// The value of the cookie `name` among a request's cookies (the first, if sent twice).
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name).then_some(value)
        })
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
        assert_eq!(cookie(&headers, "charter_consent"), Some("abc.def"));
        assert_eq!(cookie(&headers, "charter"), None);
        assert_eq!(cookie(&HeaderMap::new(), "x"), None);
    }
}
