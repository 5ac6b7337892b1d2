//! The frame around every page: a skip link, the header with the organisation and the language
//! switch, and the footer with the policy links.

use crate::{
    documents::{DocumentKind, use_documents},
    i18n::{LanguageSwitch, Locale},
    site::organisation,
};
use leptos::prelude::*;
use leptos_fluent::{move_tr, tr};
use leptos_meta::Link;

/// Links in every page head: the site's Atom feed, and the privacy policy and terms of service
/// as RFC 6903 relations, so browsers and crawlers can find them.
#[component]
pub fn HeadLinks() -> impl IntoView {
    let documents = use_documents();
    let relations = move || {
        documents.get().and_then(Result::ok).map(|documents| {
            documents
                .into_iter()
                .filter_map(|document| {
                    let rel = match document.kind {
                        DocumentKind::Privacy => "privacy-policy",
                        DocumentKind::Terms => "terms-of-service",
                        _ => return None,
                    };
                    Some(view! { <Link rel=rel href=document.href() /> })
                })
                .collect_view()
        })
    };
    view! {
        {move || {
            view! {
                <Link
                    rel="alternate"
                    type_="application/atom+xml"
                    href=format!("/feed.atom?lang={}", Locale::current())
                    title=tr!("feed-site-title")
                />
            }
        }}
        <Transition fallback=|| ()>{relations}</Transition>
    }
}

#[component]
pub fn SiteHeader() -> impl IntoView {
    let organisation = organisation();
    view! {
        <a class="skip-link" href="#main">{move_tr!("skip-to-content")}</a>
        <header class="site-header">
            <a class="brand" href="/">
                <Transition fallback=|| ()>{organisation}</Transition>
            </a>
            <LanguageSwitch />
        </header>
    }
}

#[component]
pub fn SiteFooter() -> impl IntoView {
    let documents = use_documents();
    let links = move || {
        documents.get().and_then(Result::ok).map(|documents| {
            documents
                .into_iter()
                .map(|document| {
                    let href = document.href();
                    view! {
                        <li>
                            <a href=href>{document.title}</a>
                        </li>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <footer class="site-footer">
            <nav aria-label=move || leptos_fluent::tr!("footer-policies-label")>
                <ul class="footer-links">
                    <Transition fallback=|| ()>{links}</Transition>
                    <li>
                        <a href="/cookies/settings">{move_tr!("footer-cookie-settings")}</a>
                    </li>
                    <li>
                        <a href="/subscribe">{move_tr!("footer-subscribe")}</a>
                    </li>
                </ul>
            </nav>
            <p class="powered-by">{move_tr!("footer-powered-by")}</p>
        </footer>
    }
}
