//! The Content-Security-Policy of every rendered page. Each HTML response gets a fresh nonce,
//! which Leptos puts on its inline scripts (hydration and resource data); the policy allows
//! those scripts and this site's own files, and nothing inline without the nonce.

/// The policy for a page whose inline scripts carry `nonce`. Styles may be inline: published
/// Markdown tables align their columns with `style` attributes, and a style cannot run code.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The policy of responses that are no page (JSON, feeds, files): nothing may run or frame them.
pub const NON_PAGE_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; sandbox";

#[cfg(feature = "ssr")]
pub mod ssr {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

    /// The nonce of one response, chosen before the page renders and kept in the request's
    /// extensions, so the header and the page's scripts cannot disagree.
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

    /// Makes Leptos use the request's nonce for the page it renders. Called in the context of
    /// every page, after Leptos has provided its own.
    pub fn provide_request_nonce() {
        use leptos::prelude::{provide_context, use_context};
        if let Some(CspNonce(nonce)) = use_context::<axum::http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<CspNonce>().cloned())
        {
            provide_context(leptos::nonce::Nonce::from_value(nonce));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_allow_only_scripts_with_the_nonce() {
        let policy = page_policy("abc123");
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"));
        assert!(!policy.contains("script-src 'self' 'unsafe-inline'"));
        assert!(policy.contains("frame-ancestors 'none'"));
    }
}
