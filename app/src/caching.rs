//! What a browser may keep of a page, and what the server keeps of the pages it renders.
//!
//! A public page carries no key or nonce of its own (see `csp`), and shows of the visitor only
//! their language and whether the banner asks (which depends on the configuration their
//! consent cookie is about, not on their choice). So everyone who asks for it the same way,
//! without a session or a Global Privacy Control signal, is shown the same page. The page
//! cache keeps such a page, compressed, and serves it until what it shows changes: at once for
//! a change this process makes, within `CONTENT_POLL_INTERVAL` (`db`) for one another process
//! makes (the CLI, a second instance), and within `FRESH_FOR` for an effective date passing.

#[cfg(feature = "ssr")]
pub mod ssr {
    use crate::{
        admin::ssr::sessions::SESSION_COOKIE,
        consent::ssr::{HeldChoice, consent_cookie},
        i18n::LANGUAGE_COOKIE,
        state::AppState,
    };
    use axum::{
        body::{Body, Bytes},
        extract::{Request, State},
        http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header},
        middleware::Next,
        response::{IntoResponse, Response},
    };
    use leptos::prelude::use_context;
    use leptos_axum::ResponseOptions;
    use std::{
        fmt,
        sync::{
            Arc,
            atomic::{AtomicBool, AtomicU64, Ordering},
        },
        time::{Duration, Instant},
    };

    /// The page carries a key for this answer only (the settings form's): a stored copy sent
    /// again would replay the same key with a different choice.
    pub fn no_store() {
        if let Some(response) = use_context::<ResponseOptions>() {
            response.insert_header(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
    }

    /// How long a kept page is served before it is rendered again: how late a reader may see a
    /// revision whose effective date has just passed.
    const FRESH_FOR: Duration = Duration::from_secs(2);
    /// Once a page is due, one request renders its successor while the others keep getting
    /// it, for at most this long; rendering it for every waiting request at once would stall
    /// them all.
    const REFRESH_WITHIN: Duration = Duration::from_secs(2);
    /// The memory the kept pages may take, bodies and headers.
    const CAPACITY_BYTES: u64 = 64 * 1024 * 1024;
    const EXPECTED_PAGES: usize = 2_000;
    /// A larger page is rendered each time rather than crowding out the others.
    const LARGEST_PAGE_BYTES: usize = 2 * 1024 * 1024;
    /// What a kept page's headers and key are counted as, besides its body.
    const PAGE_OVERHEAD_BYTES: u64 = 1024;
    /// A longer address or header than this is no browser's; its page is rendered, not kept.
    const LONGEST_PART: usize = 512;

    /// Marks a request whose page is shared by everyone who sends the same key, so the page
    /// must not carry anything of one answer (the CSP nonce).
    #[derive(Clone, Copy, Debug)]
    pub struct SharedPage;

    /// Everything of a request that its page depends on.
    #[derive(Clone, PartialEq, Eq, Hash)]
    struct Key {
        /// Pages rendered before a change to what they show are never found again.
        generation: u64,
        path_and_query: String,
        language_cookie: Option<String>,
        consent: Option<HeldChoice>,
        accept_language: Option<HeaderValue>,
        accept_encoding: Option<HeaderValue>,
    }

    struct Page {
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
        kept_at: Instant,
        /// A request is rendering this page's successor.
        refreshing: AtomicBool,
    }

    impl Page {
        fn response(&self) -> Response {
            let mut response = Response::new(Body::from(self.body.clone()));
            *response.status_mut() = self.status;
            *response.headers_mut() = self.headers.clone();
            response
        }
    }

    #[derive(Clone)]
    struct Weight;

    impl quick_cache::Weighter<Key, Arc<Page>> for Weight {
        fn weight(&self, key: &Key, page: &Arc<Page>) -> u64 {
            (page.body.len() + key.path_and_query.len()) as u64 + PAGE_OVERHEAD_BYTES
        }
    }

    /// The rendered public pages, bounded by `CAPACITY_BYTES`.
    pub struct PageCache {
        pages: quick_cache::sync::Cache<Key, Arc<Page>, Weight>,
        hits: AtomicU64,
    }

    impl Default for PageCache {
        fn default() -> Self {
            PageCache {
                pages: quick_cache::sync::Cache::with_weighter(
                    EXPECTED_PAGES,
                    CAPACITY_BYTES,
                    Weight,
                ),
                hits: AtomicU64::new(0),
            }
        }
    }

    impl fmt::Debug for PageCache {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("PageCache")
                .field("pages", &self.pages.len())
                .field("hits", &self.hits())
                .finish()
        }
    }

    impl PageCache {
        /// How many answers came from the cache.
        pub fn hits(&self) -> u64 {
            self.hits.load(Ordering::Relaxed)
        }

        /// The kept page to answer with, or `None` when this request is to render it.
        fn fresh(&self, key: &Key) -> Option<Arc<Page>> {
            let page = self.pages.get(key)?;
            let age = page.kept_at.elapsed();
            let serve = age < FRESH_FOR
                || (age < FRESH_FOR + REFRESH_WITHIN
                    && page.refreshing.swap(true, Ordering::AcqRel));
            if serve {
                self.hits.fetch_add(1, Ordering::Relaxed);
                Some(page)
            } else {
                None
            }
        }

        /// Keeps `response` if it is a whole, successful page for everyone, and answers it.
        async fn keep(&self, key: Key, response: Response) -> Response {
            if !shareable(&response) {
                // A page that was kept and now fails is not served any more.
                self.pages.remove(&key);
                return response;
            }
            let (parts, body) = response.into_parts();
            let body = match axum::body::to_bytes(body, usize::MAX).await {
                Ok(body) => body,
                Err(error) => {
                    tracing::error!(%error, "a page failed while it was sent");
                    return StatusCode::INTERNAL_SERVER_ERROR.into_response();
                }
            };
            let page = Page {
                status: parts.status,
                headers: parts.headers,
                body,
                kept_at: Instant::now(),
                refreshing: AtomicBool::new(false),
            };
            let response = page.response();
            if page.body.len() <= LARGEST_PAGE_BYTES {
                self.pages.insert(key, Arc::new(page));
            } else {
                self.pages.remove(&key);
            }
            response
        }
    }

    /// Serves public pages from the cache and keeps those rendered for it. Sits outside
    /// compression, so a page is compressed once per encoding rather than once per answer.
    pub async fn serve_from_cache(
        State(state): State<AppState>,
        mut request: Request,
        next: Next,
    ) -> Response {
        let generation = state.db.content_generation();
        let Some(key) = key_of(&request, generation, |cookie| {
            state.consent.held_choice(Some(cookie))
        }) else {
            return next.run(request).await;
        };
        if let Some(page) = state.pages.fresh(&key) {
            return page.response();
        }
        request.extensions_mut().insert(SharedPage);
        let response = next.run(request).await;
        state.pages.keep(key, response).await
    }

    /// The pages that are the same for every visitor; the others read the visitor (receipts),
    /// carry a token in their address (subscriptions) or are for admins.
    fn is_public_page(path: &str) -> bool {
        matches!(path, "/" | "/policies" | "/subscribe") || path.starts_with("/policies/")
    }

    /// The key of a request whose page may come from the cache, or `None` when the page has
    /// to be rendered for this request alone. `held_choice` reads the consent cookie, when the
    /// request sent one.
    fn key_of(
        request: &Request,
        generation: u64,
        held_choice: impl FnOnce(&str) -> Option<HeldChoice>,
    ) -> Option<Key> {
        if request.method() != Method::GET || !is_public_page(request.uri().path()) {
            return None;
        }
        let path_and_query = request.uri().path_and_query()?.as_str();
        if path_and_query.len() > LONGEST_PART {
            return None;
        }
        let headers = request.headers();
        // The banner records the signal as evidence, once per visitor.
        if headers.contains_key("sec-gpc") {
            return None;
        }
        // A signed-in admin's pages are their own. Cookies no page reads (another site's of
        // the same domain, say) change nothing.
        if crate::cookies::cookie(headers, SESSION_COOKIE).is_some() {
            return None;
        }
        let language_cookie = crate::cookies::cookie(headers, LANGUAGE_COOKIE);
        if language_cookie.is_some_and(|value| value.len() > LONGEST_PART) {
            return None;
        }
        Some(Key {
            generation,
            path_and_query: path_and_query.to_owned(),
            language_cookie: language_cookie.map(str::to_owned),
            consent: consent_cookie(headers).and_then(held_choice),
            accept_language: single(headers, &header::ACCEPT_LANGUAGE)?,
            accept_encoding: single(headers, &header::ACCEPT_ENCODING)?,
        })
    }

    /// The one value of header `name`, if any; `None` (no key) when it is sent twice or is
    /// longer than a browser's.
    fn single(headers: &HeaderMap, name: &HeaderName) -> Option<Option<HeaderValue>> {
        let mut values = headers.get_all(name).iter();
        let value = values.next();
        if values.next().is_some() || value.is_some_and(|value| value.len() > LONGEST_PART) {
            return None;
        }
        Some(value.cloned())
    }

    /// A whole page for everyone: rendered without error, setting no cookie and not marked as
    /// one answer's.
    fn shareable(response: &Response) -> bool {
        let headers = response.headers();
        response.status() == StatusCode::OK
            && headers
                .get(header::CONTENT_TYPE)
                .and_then(|value| value.to_str().ok())
                .is_some_and(|value| value.starts_with("text/html"))
            && !headers.contains_key(header::SET_COOKIE)
            && !headers
                .get_all(header::CACHE_CONTROL)
                .iter()
                .any(|value| value.as_bytes().windows(8).any(|word| word == b"no-store"))
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn request(path: &str, headers: &[(&str, &str)]) -> Request {
            let mut builder = Request::builder().uri(path);
            for (name, value) in headers {
                builder = builder.header(*name, *value);
            }
            builder.body(Body::empty()).expect("request")
        }

        /// The key of a request whose consent cookie, if any, is trusted and about version 7.
        fn shared_key(request: &Request, generation: u64) -> Option<Key> {
            key_of(request, generation, |_| {
                Some(HeldChoice {
                    version: "7".to_owned(),
                    expired: false,
                    gpc_only: false,
                })
            })
        }

        fn kept(cache: &PageCache, key: &Key, age: Duration) {
            let kept_at = Instant::now().checked_sub(age).expect("an earlier instant");
            cache.pages.insert(
                key.clone(),
                Arc::new(Page {
                    status: StatusCode::OK,
                    headers: HeaderMap::new(),
                    body: Bytes::from_static(b"page"),
                    kept_at,
                    refreshing: AtomicBool::new(false),
                }),
            );
        }

        #[test]
        fn a_due_page_is_rendered_by_one_request_while_the_others_get_it() {
            let cache = PageCache::default();
            let key = shared_key(&request("/policies/privacy", &[]), 0).expect("shared");
            assert!(cache.fresh(&key).is_none(), "nothing kept yet");
            kept(&cache, &key, Duration::ZERO);
            assert!(cache.fresh(&key).is_some());

            kept(&cache, &key, FRESH_FOR + Duration::from_millis(1));
            assert!(cache.fresh(&key).is_none(), "the first request renders");
            assert!(
                cache.fresh(&key).is_some(),
                "the next ones get the kept page"
            );
            assert!(cache.fresh(&key).is_some());

            // A successor that never came: everyone renders rather than read an old page.
            kept(&cache, &key, FRESH_FOR + REFRESH_WITHIN);
            assert!(cache.fresh(&key).is_none());
            assert!(cache.fresh(&key).is_none());
            assert_eq!(cache.hits(), 3);
        }

        #[test]
        fn public_pages_without_cookies_share_a_key() {
            let plain = shared_key(&request("/policies/privacy", &[]), 0).expect("shared");
            let again = shared_key(&request("/policies/privacy", &[]), 0).expect("shared");
            assert!(plain == again);
            let german = shared_key(
                &request("/policies/privacy", &[("accept-language", "de")]),
                0,
            )
            .expect("shared");
            assert!(plain != german);
            let later = shared_key(&request("/policies/privacy", &[]), 1).expect("shared");
            assert!(plain != later, "a change this process made starts new keys");
            let chosen_language = shared_key(
                &request("/policies/privacy", &[("cookie", "charter-lang=de")]),
                0,
            )
            .expect("the language cookie alone keeps the page shared");
            assert!(plain != chosen_language);
            let other_cookies = shared_key(
                &request("/policies/privacy", &[("cookie", "_ga=GA1.2; theme=dark")]),
                0,
            )
            .expect("cookies no page reads change nothing");
            assert!(plain == other_cookies);

            // Visitors holding a choice about the same configuration see the same page,
            // whatever they chose; an untrusted cookie is no choice.
            let chosen = |cookie: &str| {
                shared_key(&request("/policies/privacy", &[("cookie", cookie)]), 0).expect("shared")
            };
            assert!(chosen("charter_consent=one") == chosen("charter_consent=two"));
            assert!(chosen("charter_consent=one") != plain);
            let untrusted = key_of(
                &request("/policies/privacy", &[("cookie", "charter_consent=forged")]),
                0,
                |_| None,
            )
            .expect("shared");
            assert!(untrusted == plain);
        }

        #[test]
        fn a_visitors_own_pages_are_never_shared() {
            for (path, headers) in [
                (
                    "/policies/privacy",
                    vec![("cookie", "charter-lang=de; __Host-charter_session=s")],
                ),
                ("/policies/privacy", vec![("sec-gpc", "1")]),
                (
                    "/policies/privacy",
                    vec![("accept-language", "de"), ("accept-language", "fr")],
                ),
                ("/cookies/settings", vec![]),
                ("/cookies/receipts", vec![]),
                ("/admin/documents", vec![]),
                ("/subscribe/confirm/token", vec![]),
            ] {
                assert!(
                    shared_key(&request(path, &headers), 0).is_none(),
                    "{path} {headers:?}"
                );
            }
            let long = format!("/policies/privacy?q={}", "a".repeat(LONGEST_PART));
            assert!(shared_key(&request(&long, &[]), 0).is_none());
            let post = Request::builder()
                .method(Method::POST)
                .uri("/policies/privacy")
                .body(Body::empty())
                .expect("request");
            assert!(shared_key(&post, 0).is_none());
        }
    }
}
