//! The Content-Security-Policy of every rendered page. It allows this site's own files and the
//! inline scripts every page has (the islands' loader and Leptos's registries), named by their
//! SHA-256, so a page shared by every visitor can be served from the page cache. A response
//! rendered for one visitor also names its own nonce, which Leptos puts on the scripts it
//! streams while such a page renders.

/// The policy for a page whose inline scripts are `script_hashes` (CSP source expressions) and,
/// for a page rendered for one visitor, any script carrying `nonce`. Styles may be inline:
/// published Markdown tables align their columns with `style` attributes, and a style cannot
/// run code.
pub fn page_policy(nonce: Option<&str>, script_hashes: &str) -> String {
    let nonce = nonce
        .map(|nonce| format!(" 'nonce-{nonce}'"))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self' {script_hashes}{nonce} 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The policy of responses that are no page (JSON, feeds, files): nothing may run or frame them.
pub const NON_PAGE_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; sandbox";

#[cfg(feature = "ssr")]
pub mod ssr {
    use crate::caching::ssr::SharedPage;
    use base64::{
        Engine,
        engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
    };
    use leptos::prelude::LeptosOptions;
    use sha2::{Digest, Sha256};
    use std::sync::OnceLock;

    /// The inline scripts Leptos 0.8 writes into every server-rendered page: its resource and
    /// error registries and the streaming chunk registry. The integration tests check every
    /// inline script of the rendered pages against the policy, so an upgrade that changes these
    /// fails there rather than in a browser.
    const LEPTOS_SCRIPTS: [&str; 2] = [
        "__RESOLVED_RESOURCES=[];__SERIALIZED_ERRORS=[];__PENDING_RESOURCES=[];__RESOURCE_RESOLVERS=[];",
        "__INCOMPLETE_CHUNKS=[];",
    ];

    /// The nonce of one response rendered for one visitor, chosen before the page renders and
    /// kept in the request's extensions, so the header and the page's scripts cannot disagree.
    #[derive(Clone, Debug)]
    pub struct CspNonce(pub String);

    impl CspNonce {
        /// 128 random bits from the operating system.
        pub fn new() -> Result<Self, getrandom::Error> {
            let mut bytes = [0u8; 16];
            getrandom::fill(&mut bytes)?;
            Ok(CspNonce(URL_SAFE_NO_PAD.encode(bytes)))
        }
    }

    /// The CSP source expression that allows the inline script `text` and nothing else.
    pub fn script_hash(text: &str) -> String {
        format!(
            "'sha256-{}'",
            STANDARD.encode(Sha256::digest(text.as_bytes()))
        )
    }

    /// The hashes of every page's inline scripts, computed once: the loader names this build's
    /// assets, which cannot change while the binary runs.
    pub fn page_script_hashes(options: &LeptosOptions) -> &'static str {
        static HASHES: OnceLock<String> = OnceLock::new();
        HASHES.get_or_init(|| {
            std::iter::once(crate::islands::loader_script(options))
                .chain(LEPTOS_SCRIPTS)
                .map(script_hash)
                .collect::<Vec<_>>()
                .join(" ")
        })
    }

    /// Makes Leptos use the request's nonce for the page it renders, or an empty one on a page
    /// shared by everyone, whose policy names none. Called in the context of every page, after
    /// Leptos has provided a random one of its own, which would make each rendering of a
    /// shared page differ for nothing.
    pub fn provide_request_nonce() {
        use leptos::prelude::{provide_context, use_context};
        let Some(parts) = use_context::<axum::http::request::Parts>() else {
            return;
        };
        let nonce = match parts.extensions.get::<CspNonce>() {
            Some(CspNonce(nonce)) => nonce.clone(),
            None if parts.extensions.get::<SharedPage>().is_some() => String::new(),
            None => return,
        };
        provide_context(leptos::nonce::Nonce::from_value(nonce));
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn a_script_hash_is_the_base64_sha256_of_its_text() {
            // The example of the CSP specification's hash-source.
            assert_eq!(
                script_hash("alert('Hello, world.');"),
                "'sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng='"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_allow_only_hashed_scripts_and_their_own_nonce() {
        let shared = page_policy(None, "'sha256-abc'");
        assert!(shared.contains("script-src 'self' 'sha256-abc' 'wasm-unsafe-eval';"));
        assert!(!shared.contains("nonce"));
        let own = page_policy(Some("n123"), "'sha256-abc'");
        assert!(own.contains("script-src 'self' 'sha256-abc' 'nonce-n123' 'wasm-unsafe-eval';"));
        assert!(!own.contains("script-src 'self' 'unsafe-inline'"));
        assert!(own.contains("frame-ancestors 'none'"));
    }
}
