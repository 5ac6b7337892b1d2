//! Languages: the supported locales, the Fluent translations compiled into both binaries, the
//! provider that picks the visitor's locale, and the server function behind the language switch.
//!
//! The locale comes from a `?lang=` in the address (the links notice emails carry), then an
//! explicit choice (the `charter-lang` cookie), then from the
//! `Accept-Language` header, then falls back to English. The server decides and renders the
//! page in that language; no translation is shipped to the browser.

use crate::errors::AppError;
use leptos::prelude::*;
use leptos_fluent::{I18n, leptos_fluent, tr};
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use strum::VariantArray;

/// The cookie that remembers a visitor's explicit language choice. It is set only when the
/// visitor picks a language, never by default.
pub const LANGUAGE_COOKIE: &str = "charter-lang";

/// A locale Charter has complete translations for.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::VariantArray,
    strum::Display,
)]
#[serde(try_from = "String", into = "String")]
#[strum(serialize_all = "lowercase")]
pub enum Locale {
    #[default]
    En,
    De,
}

impl Locale {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The locale the page is being rendered in.
    pub fn current() -> Locale {
        use_context::<I18n>()
            .and_then(|i18n| i18n.language.get().id.parse().ok())
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported language `{0}`; supported are: en, de")]
pub struct UnsupportedLocale(pub String);

impl FromStr for Locale {
    type Err = UnsupportedLocale;

    fn from_str(tag: &str) -> Result<Self, Self::Err> {
        Locale::VARIANTS
            .iter()
            .copied()
            .find(|locale| locale.as_str().eq_ignore_ascii_case(tag.trim()))
            .ok_or_else(|| UnsupportedLocale(tag.to_owned()))
    }
}

impl TryFrom<String> for Locale {
    type Error = UnsupportedLocale;

    fn try_from(tag: String) -> Result<Self, Self::Error> {
        tag.parse()
    }
}

impl From<Locale> for String {
    fn from(locale: Locale) -> Self {
        locale.as_str().to_owned()
    }
}

/// Translations for code that runs outside the page tree, where `tr!` has no context: the
/// same `.ftl` files, without Fluent's isolation marks (the text is stored, not displayed).
#[cfg(feature = "ssr")]
pub mod ssr {
    use super::Locale;
    use fluent_templates::{LanguageIdentifier, Loader, fluent_bundle::FluentValue};
    use std::{borrow::Cow, collections::HashMap};

    fluent_templates::static_loader! {
        static LOCALES = {
            locales: "../locales",
            fallback_language: "en",
            customise: |bundle| bundle.set_use_isolating(false),
        };
    }

    fn language(locale: Locale) -> LanguageIdentifier {
        match locale {
            Locale::En => fluent_templates::langid!("en"),
            Locale::De => fluent_templates::langid!("de"),
        }
    }

    pub fn text(locale: Locale, key: &str) -> String {
        LOCALES.lookup(&language(locale), key)
    }

    pub fn text_with(locale: Locale, key: &str, args: &[(&'static str, String)]) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue> = args
            .iter()
            .map(|(name, value)| (Cow::Borrowed(*name), FluentValue::from(value.clone())))
            .collect();
        LOCALES.lookup_with_args(&language(locale), key, &args)
    }

    /// The reader's locale, for pages and for answers rendered outside the page tree (an
    /// export, a feed, a form's answer page): an explicit `?lang=`, then the `charter-lang`
    /// cookie, then `Accept-Language`, then English.
    pub fn negotiate(query: Option<&str>, headers: &axum::http::HeaderMap) -> Locale {
        let from_query = query.and_then(|query| {
            form_urlencoded::parse(query.as_bytes())
                .find(|(key, _)| key == "lang")
                .and_then(|(_, value)| value.parse().ok())
        });
        from_query
            .or_else(|| {
                crate::cookies::cookie(headers, super::LANGUAGE_COOKIE)?
                    .parse()
                    .ok()
            })
            .or_else(|| from_accept_language(headers))
            .unwrap_or_default()
    }

    fn from_accept_language(headers: &axum::http::HeaderMap) -> Option<Locale> {
        let header = headers
            .get(axum::http::header::ACCEPT_LANGUAGE)?
            .to_str()
            .ok()?;
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
        ranges.into_iter().find_map(|(_, tag)| by_language(tag))
    }

    /// The locale of a language tag's primary subtag (`de-AT` → German), if Charter has it.
    pub fn by_language(tag: &str) -> Option<Locale> {
        tag.trim().split('-').next().unwrap_or(tag).parse().ok()
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use axum::http::{HeaderMap, HeaderValue, header};

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
            let header_only =
                headers(&[(header::ACCEPT_LANGUAGE, "fr;q=1, de-AT;q=0.8, en;q=0.5")]);
            assert_eq!(negotiate(None, &header_only), Locale::De);
            assert_eq!(negotiate(Some("lang=xx"), &HeaderMap::new()), Locale::En);
            let refused = headers(&[(header::ACCEPT_LANGUAGE, "de;q=0, en;q=0.1")]);
            assert_eq!(negotiate(None, &refused), Locale::En);
        }
    }
}

/// Provides the `I18n` context to everything inside it and keeps `<html lang>` in step. The
/// page's language is the one every answer negotiates (`ssr::negotiate`), not leptos-fluent's
/// own reading of the same request.
#[component]
pub fn I18nProvider(children: Children) -> impl IntoView {
    leptos_fluent! {
        children: {
            use_request_language();
            children()
        },
        locales: "../locales",
        default_language: "en",
        sync_html_tag_lang: true,
    }
}

/// Sets the language of the page being rendered from its request: `?lang=` (the links notice
/// emails carry), the `charter-lang` cookie, `Accept-Language`, then English.
fn use_request_language() {
    #[cfg(feature = "ssr")]
    if let Some(parts) = use_context::<axum::http::request::Parts>() {
        let locale = ssr::negotiate(parts.uri.query(), &parts.headers);
        let i18n = expect_context::<I18n>();
        // A signal notifies what reads it even when set to the value it holds: only a language
        // other than the one leptos-fluent starts with is set, so most pages render with no
        // signal changing under them.
        if let Some(language) =
            leptos_fluent::language_from_str_between_languages(locale.as_str(), i18n.languages)
            && !std::ptr::eq(i18n.language.get_untracked(), language)
        {
            i18n.language.set(language);
        }
    }
}

/// Remembers the visitor's language choice in the `charter-lang` cookie and answers the locale
/// now in force. The form post is redirected back to the page it came from.
#[server(endpoint = "language")]
pub async fn choose_language(lang: String) -> Result<Locale, AppError> {
    use axum::http::{HeaderValue, header::SET_COOKIE};
    use leptos_axum::ResponseOptions;
    const MAX_AGE_SECS: i64 = 365 * 24 * 60 * 60;

    let locale: Locale = lang
        .parse()
        .map_err(|e: UnsupportedLocale| AppError::Request(e.to_string()).answered())?;
    let cookie = crate::cookies::site_cookie(
        LANGUAGE_COOKIE,
        locale.to_string(),
        Some(MAX_AGE_SECS),
        crate::cookies::SameSite::Lax,
    )
    .build()
    .to_string();
    let response = expect_context::<ResponseOptions>();
    let value = HeaderValue::from_str(&cookie).map_err(|_| AppError::Internal)?;
    response.append_header(SET_COOKIE, value);
    Ok(locale)
}

/// Buttons for every supported language: a plain form, answered by the page it came from in
/// the language chosen. Switching in place would need every text of the page in the browser.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let current = Locale::current();
    let action = <ChooseLanguage as leptos::server_fn::ServerFn>::PATH;
    view! {
        <nav class="language-switch" aria-label=tr!("language-switch-label")>
            <form method="post" action=action>
                {expect_context::<I18n>()
                    .languages
                    .iter()
                    .map(|language| {
                        let id = language.id;
                        view! {
                            <button
                                type="submit"
                                name="lang"
                                value=id
                                lang=id
                                aria-pressed=(current.as_str() == id).to_string()
                            >
                                {language.name}
                            </button>
                        }
                    })
                    .collect_view()}
            </form>
        </nav>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_supported_locales_only() {
        assert_eq!(crate::stored_names::stored_names::<Locale>(), ["en", "de"]);
        assert_eq!("en".parse(), Ok(Locale::En));
        assert_eq!("DE".parse(), Ok(Locale::De));
        assert_eq!(" de ".parse(), Ok(Locale::De));
        assert!("fr".parse::<Locale>().is_err());
        assert!("".parse::<Locale>().is_err());
    }

    #[test]
    fn every_locale_has_every_key() {
        let keys = translation_keys();
        let english = &keys[&Locale::En];
        assert!(!english.is_empty(), "no English keys found");
        for &locale in Locale::VARIANTS {
            let theirs = &keys[&locale];
            let missing: Vec<_> = english.difference(theirs).collect();
            let extra: Vec<_> = theirs.difference(english).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "locales/{locale}: missing {missing:?}, not in English {extra:?}"
            );
        }
    }

    #[test]
    fn every_key_used_in_the_code_exists() {
        let keys = translation_keys();
        let english = &keys[&Locale::En];
        let mut used = std::collections::BTreeSet::new();
        collect_used_keys(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut used,
        );
        assert!(!used.is_empty(), "found no tr!/move_tr! calls");
        let unknown: Vec<_> = used.difference(english).collect();
        assert!(
            unknown.is_empty(),
            "keys used but not translated: {unknown:?}"
        );
    }

    type Keys = std::collections::BTreeSet<String>;

    fn translation_keys() -> std::collections::HashMap<Locale, Keys> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../locales");
        Locale::VARIANTS
            .iter()
            .copied()
            .map(|locale| {
                let dir = root.join(locale.as_str());
                let mut keys = Keys::new();
                for entry in std::fs::read_dir(&dir).expect("locale directory exists") {
                    let path = entry.expect("readable entry").path();
                    if path.extension().is_some_and(|e| e == "ftl") {
                        let source = std::fs::read_to_string(&path).expect("readable file");
                        let resource = fluent_syntax::parser::parse(source.as_str())
                            .unwrap_or_else(|(_, errors)| {
                                panic!("{} does not parse: {errors:?}", path.display())
                            });
                        for entry in resource.body {
                            if let fluent_syntax::ast::Entry::Message(message) = entry {
                                let id = message.id.name.to_owned();
                                assert!(keys.insert(id.clone()), "{id} twice in {locale}");
                            }
                        }
                    }
                }
                (locale, keys)
            })
            .collect()
    }

    fn is_ident_char(c: char) -> bool {
        c.is_alphanumeric() || c == '_'
    }

    fn collect_used_keys(dir: &std::path::Path, used: &mut Keys) {
        for entry in std::fs::read_dir(dir).expect("source directory exists") {
            let path = entry.expect("readable entry").path();
            if path.is_dir() {
                collect_used_keys(&path, used);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let source = std::fs::read_to_string(&path).expect("readable file");
                for marker in ["tr!(\"", "tr!(i18n, \""] {
                    for (index, _) in source.match_indices(marker) {
                        // `tr!` and `move_tr!`, not macros that merely end in `tr!`.
                        let before = &source[..index];
                        let standalone =
                            !before.ends_with(is_ident_char) || before.ends_with("move_");
                        if !standalone {
                            continue;
                        }
                        let rest = &source[index + marker.len()..];
                        if let Some(end) = rest.find('"') {
                            used.insert(rest[..end].to_owned());
                        }
                    }
                }
            }
        }
    }
}
