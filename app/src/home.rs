//! The home page: who publishes here and which documents there are.

use crate::{
    documents::{DocumentSummary, use_documents},
    errors::Loaded,
    site::organisation,
};
use leptos::prelude::*;
use leptos_fluent::{move_tr, tr};
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    let organisation = organisation();
    let documents = use_documents();
    view! {
        <section class="welcome">
            <Transition fallback=|| ()>
                {move || organisation().map(|name| view! { <Title text=name /> })}
                <h1>
                    {move || {
                        organisation()
                            .map(|name| tr!("home-title", { "organisation" => name }))
                    }}
                </h1>
            </Transition>
            <p class="lead">{move_tr!("home-intro")}</p>
        </section>
        <section class="documents" aria-labelledby="documents-heading">
            <h2 id="documents-heading">{move_tr!("home-documents-heading")}</h2>
            <Loaded resource=documents render=document_list />
        </section>
    }
}

fn document_list(documents: Vec<DocumentSummary>) -> impl IntoView {
    if documents.is_empty() {
        return view! { <p class="empty-state">{move_tr!("home-no-documents")}</p> }.into_any();
    }
    view! {
        <ul class="document-list">
            {documents
                .into_iter()
                .map(|document| {
                    let href = document.href();
                    view! {
                        <li>
                            <a href=href>{document.title}</a>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}
