//! The reader's locale for responses outside the Leptos app (exports, feeds): an explicit
//! `?lang=`, then the `charter-lang` cookie, then `Accept-Language`, then English, the same
//! order the pages use.

use app::i18n::{LANGUAGE_COOKIE, Locale};
use axum::http::{HeaderMap, header};

pub fn negotiate(query: Option<&str>, headers: &HeaderMap) -> Locale {
    let from_query = query.and_then(|query| {
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(key, _)| *key == "lang")
            .and_then(|(_, value)| value.parse().ok())
    });
    from_query
        .or_else(|| from_cookie(headers))
        .or_else(|| from_accept_language(headers))
        .unwrap_or_default()
}

fn from_cookie(headers: &HeaderMap) -> Option<Locale> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .filter_map(|cookie| cookie.trim().split_once('='))
        .find(|(name, _)| *name == LANGUAGE_COOKIE)
        .and_then(|(_, value)| value.parse().ok())
}

fn from_accept_language(headers: &HeaderMap) -> Option<Locale> {
    let header = headers.get(header::ACCEPT_LANGUAGE)?.to_str().ok()?;
    let mut ranges: Vec<(f32, &str)> = header
        .split(',')
        .filter_map(|range| {
            let mut parts = range.trim().split(';');
            let tag = parts.next()?.trim();
            let quality = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.parse().ok())?;
            Some((quality, tag))
        })
        .filter(|(quality, _)| *quality > 0.0)
        .collect();
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0));
    ranges.into_iter().find_map(|(_, tag)| {
        let primary = tag.split('-').next().unwrap_or(tag);
        primary.parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(header::HeaderName, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| (name.clone(), HeaderValue::from_static(value)))
            .collect()
    }

    #[test]
    fn explicit_choice_wins_then_cookie_then_header() {
        let all = headers(&[
            (header::COOKIE, "a=b; charter-lang=en"),
            (header::ACCEPT_LANGUAGE, "de"),
        ]);
        assert_eq!(negotiate(Some("lang=de"), &all), Locale::De);
        assert_eq!(negotiate(None, &all), Locale::En);
        let header_only = headers(&[(header::ACCEPT_LANGUAGE, "fr;q=1, de-AT;q=0.8, en;q=0.5")]);
        assert_eq!(negotiate(None, &header_only), Locale::De);
        assert_eq!(negotiate(Some("lang=xx"), &HeaderMap::new()), Locale::En);
        let refused = headers(&[(header::ACCEPT_LANGUAGE, "de;q=0, en;q=0.1")]);
        assert_eq!(negotiate(None, &refused), Locale::En);
    }
}
