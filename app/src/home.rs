//! The home page: who publishes here, which documents there are, and which published changes
//! have yet to take effect (the second channel of change notices, beside the emails).

use crate::{
    clock::Timestamp,
    documents::{DocumentSummary, use_documents},
    errors::{AppError, Loaded},
    i18n::Locale,
    site::organisation,
    ui::DateTime,
};
use leptos::prelude::*;
use leptos_fluent::{move_tr, tr};
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

/// A published revision that has not taken effect yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpcomingChange {
    pub document: DocumentSummary,
    pub effective_at: Timestamp,
    pub summary: String,
    /// The new text.
    pub read: String,
    /// The comparison with the text in force, when there is one.
    pub compare: Option<String>,
}

/// Every document's upcoming change in `locale`, the soonest first.
#[server]
pub async fn list_upcoming_changes(locale: Locale) -> Result<Vec<UpcomingChange>, AppError> {
    use crate::revisions::ssr::{current_number, document_in_locale, upcoming};
    let state = crate::state::app_state()?;
    let now = Timestamp::now();
    let mut changes = Vec::new();
    for document in crate::documents::ssr::list(&state.db, locale).await? {
        let Some(context) = document_in_locale(&state.db, &document.slug, locale, now).await?
        else {
            continue;
        };
        let Some(revision) = upcoming(&state.db, &context).await? else {
            continue;
        };
        let current = current_number(&state.db, &context).await?;
        changes.push(UpcomingChange {
            read: context.document.revision_href(revision.number),
            compare: current.map(|current| context.document.diff_href(current, revision.number)),
            effective_at: revision.effective_at,
            summary: revision.summary,
            document: context.document,
        });
    }
    changes.sort_by_key(|change| change.effective_at);
    Ok(changes)
}

#[component]
pub fn HomePage() -> impl IntoView {
    let organisation = organisation();
    let documents = use_documents();
    let upcoming = Resource::new(Locale::current, list_upcoming_changes);
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
        <Loaded resource=upcoming render=upcoming_list />
    }
}

fn upcoming_list(changes: Vec<UpcomingChange>) -> impl IntoView {
    (!changes.is_empty()).then(|| {
        view! {
            <section class="upcoming-changes" aria-labelledby="upcoming-changes-heading">
                <h2 id="upcoming-changes-heading">{move_tr!("home-upcoming-heading")}</h2>
                <ul>
                    {changes
                        .into_iter()
                        .map(|change| {
                            let href = change.document.href();
                            let summary = (!change.summary.is_empty())
                                .then(|| view! { " " <span>{change.summary}</span> });
                            view! {
                                <li>
                                    <a href=href>{change.document.title}</a> ": "
                                    {move_tr!("home-upcoming-from")} " "
                                    <DateTime at=change.effective_at /> "." {summary} " "
                                    <a href=change.read>{move_tr!("upcoming-read")}</a>
                                    {change
                                        .compare
                                        .map(|href| {
                                            view! {
                                                " · "
                                                <a href=href>{move_tr!("upcoming-compare")}</a>
                                            }
                                        })}
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </section>
        }
    })
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
