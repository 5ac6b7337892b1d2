//! The frame around every page: a skip link, the header with the organisation and the language
//! switch, and the footer with the policy links.

use crate::{documents::use_documents, i18n::LanguageSwitch, site::organisation};
use leptos::prelude::*;
use leptos_fluent::move_tr;

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
                </ul>
            </nav>
            <p class="powered-by">{move_tr!("footer-powered-by")}</p>
        </footer>
    }
}
