//! The Content-Security-Policy of every rendered page. Leptos puts a fresh nonce on each of its
//! inline scripts (hydration and streaming) per response; the policy allows those scripts and
//! this site's own files, and nothing inline without the nonce.

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

/// Sets the page policy on the response being rendered, with the nonce Leptos gave its scripts.
#[cfg(feature = "ssr")]
pub fn set_page_policy() {
    use leptos::prelude::use_context;
    if let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) && let Ok(value) = axum::http::HeaderValue::from_str(&page_policy(&nonce))
    {
        response.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, value);
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
