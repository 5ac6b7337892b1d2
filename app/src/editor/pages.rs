//! The editor's pages: `/admin/documents`, the editor of one document in one locale, and the
//! comparison of its draft with the latest revision.
//!
//! The editor is one plain form whose buttons post to `/admin/drafts/save` and
//! `/admin/drafts/publish` (`src/editor.rs`), answered 303 back to the page, so it works
//! without JavaScript: the server-rendered preview shows the saved draft. Hydrated, the preview
//! follows the typing and the draft saves itself.

use super::{
    DocumentDrafts, DraftComparison, DraftStamp, EditorView, get_documents, get_draft_comparison,
    get_editor, preview_draft, save_draft,
};
use crate::{
    errors::{AppError, Loaded},
    i18n::Locale,
    policies::DateTime,
    revisions::RevisionClass,
};
use leptos::prelude::*;
use leptos_fluent::{move_tr, tr};
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use std::time::Duration;

/// How long typing must pause before the preview is rendered again.
const PREVIEW_DELAY: Duration = Duration::from_millis(400);
/// How long typing must pause before the draft saves itself.
const AUTOSAVE_DELAY: Duration = Duration::from_millis(1500);

fn editor_href(slug: &str, locale: Locale) -> String {
    format!("/admin/documents/{slug}/{locale}")
}

#[component]
pub fn DocumentsPage() -> impl IntoView {
    let documents = Resource::new(|| (), |()| get_documents());
    view! {
        <Title text=tr!("editor-documents-title") />
        <nav class="breadcrumbs"><a href="/admin">{move_tr!("admin-home-title")}</a></nav>
        <h1>{move_tr!("editor-documents-title")}</h1>
        <Loaded resource=documents render=documents_view />
    }
}

fn documents_view(documents: Vec<DocumentDrafts>) -> impl IntoView {
    let query = use_query_map();
    let published = move || query.with(|query| query.get("published"));
    let rows = documents
        .into_iter()
        .map(|entry| {
            let slug = entry.document.slug.to_string();
            let cells =
                entry
                    .locales
                    .into_iter()
                    .map(|state| {
                        let href = editor_href(&slug, state.locale);
                        let latest = state.latest;
                        let draft = state.draft.map(|stamp| view! {
                        <br />
                        <span class="editor-draft-stamp">
                            {move_tr!("editor-draft-exists")} " " <DateTime at=stamp.saved_at />
                        </span>
                    });
                        view! {
                            <td>
                                <a href=href>
                                    {move || {
                                        if latest == 0 {
                                            tr!("editor-no-revision")
                                        } else {
                                            tr!("editor-latest", { "number" => latest })
                                        }
                                    }}
                                </a>
                                {draft}
                            </td>
                        }
                    })
                    .collect_view();
            view! {
                <tr>
                    <th scope="row">{entry.document.title.clone()}</th>
                    {cells}
                </tr>
            }
        })
        .collect_view();
    let headers = Locale::ALL
        .into_iter()
        .map(|locale| view! { <th scope="col">{locale.as_str()}</th> })
        .collect_view();
    view! {
        {move || published().map(|what| view! {
            <p class="admin-notice" role="status">
                {move || tr!("editor-published", { "what" => what.clone() })}
            </p>
        })}
        <div class="table-scroll">
            <table class="editor-documents">
                <thead>
                    <tr>
                        <th scope="col">{move_tr!("editor-document")}</th>
                        {headers}
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// The `slug` and `locale` of the editor's address.
fn document_params() -> (
    impl Fn() -> String + Clone + Send + Sync + 'static,
    impl Fn() -> Option<Locale> + Clone + Send + Sync + 'static,
) {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let locale = move || {
        params
            .read()
            .get("locale")
            .and_then(|tag| tag.parse::<Locale>().ok())
    };
    (slug, locale)
}

#[component]
pub fn EditorPage() -> impl IntoView {
    let (slug, locale) = document_params();
    let editor = Resource::new(
        move || (slug(), locale()),
        |(slug, locale)| async move {
            match locale {
                Some(locale) => get_editor(slug, locale).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! { <Loaded resource=editor render=editor_view /> }
}

/// The message for a refused save or publish, from the code `src/editor.rs` redirects with.
fn form_error(code: &str, detail: String) -> String {
    match code {
        "too-large" => tr!("editor-error-too-large", { "size" => detail }),
        "empty" => tr!("editor-error-empty"),
        "no-draft" => tr!("editor-error-no-draft"),
        "bad-date" => tr!("editor-error-bad-date", { "date" => detail }),
        "missing-summary" => tr!("editor-error-missing-summary"),
        "notice-too-short" => tr!("editor-error-notice-too-short", { "earliest" => detail }),
        "missing-locales" => tr!("editor-error-missing-locales", { "locales" => detail }),
        _ => tr!("error-request-body"),
    }
}

/// Where autosave stands.
#[derive(Clone, Debug, PartialEq)]
enum SaveState {
    Saved(Option<DraftStamp>),
    Unsaved,
    Saving,
    Failed(String),
}

fn editor_view(view: EditorView) -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.with(|query| query.get(name));
    let slug = view.document.slug.to_string();
    let locale = view.locale;
    let title = view.document.title.clone();
    let page_title = tr!("editor-title", { "title" => title.clone(), "locale" => locale.as_str() });
    let csrf = view.csrf_token.clone();

    let source = RwSignal::new(view.source.clone());
    let preview = RwSignal::new(view.preview.clone());
    let save_state = RwSignal::new(SaveState::Saved(view.saved.clone()));
    let preview_timer = StoredValue::new(None::<TimeoutHandle>);
    let autosave_timer = StoredValue::new(None::<TimeoutHandle>);
    let restart = move |timer: StoredValue<Option<TimeoutHandle>>, delay, run: Box<dyn Fn()>| {
        if let Some(handle) = timer.get_value() {
            handle.clear();
        }
        timer.set_value(set_timeout_with_handle(run, delay).ok());
    };
    let on_input = {
        let (slug, csrf) = (slug.clone(), csrf.clone());
        move |event: leptos::ev::Event| {
            source.set(event_target_value(&event));
            save_state.set(SaveState::Unsaved);
            restart(
                preview_timer,
                PREVIEW_DELAY,
                Box::new(move || {
                    let text = source.get_untracked();
                    leptos::task::spawn_local(async move {
                        preview.set(
                            preview_draft(locale, text)
                                .await
                                .map_err(|error| error.to_string()),
                        );
                    });
                }),
            );
            let (slug, csrf) = (slug.clone(), csrf.clone());
            restart(
                autosave_timer,
                AUTOSAVE_DELAY,
                Box::new(move || {
                    let (slug, csrf, text) = (slug.clone(), csrf.clone(), source.get_untracked());
                    save_state.set(SaveState::Saving);
                    leptos::task::spawn_local(async move {
                        save_state.set(match save_draft(csrf, slug, locale, text).await {
                            Ok(stamp) => SaveState::Saved(Some(stamp)),
                            Err(error) => SaveState::Failed(error.to_string()),
                        });
                    });
                }),
            );
        }
    };
    let save_status = move || match save_state.get() {
        SaveState::Saved(Some(stamp)) => view! {
            {move_tr!("editor-saved")} " " <DateTime at=stamp.saved_at />
            " (" {stamp.saved_by} ")"
        }
        .into_any(),
        SaveState::Saved(None) => move_tr!("editor-not-drafted").into_any(),
        SaveState::Unsaved => move_tr!("editor-unsaved").into_any(),
        SaveState::Saving => move_tr!("editor-saving").into_any(),
        SaveState::Failed(message) => {
            view! { {move_tr!("editor-save-failed")} " " {message} }.into_any()
        }
    };
    let notice = move || {
        let (role, text) = match param("error") {
            Some(code) => (
                "alert",
                form_error(&code, param("detail").unwrap_or_default()),
            ),
            None => ("status", param("saved").map(|_| tr!("editor-draft-saved"))?),
        };
        Some(view! { <p class="admin-notice" role=role>{text}</p> })
    };
    let stale = (view.latest > view.base_number).then(|| {
        let (base, latest) = (view.base_number, view.latest);
        view! {
            <p class="admin-notice" role="status">
                {move || tr!("editor-stale", { "base" => base, "latest" => latest })}
            </p>
        }
    });
    let compare = view.saved.is_some().then(|| {
        let href = format!("{}/compare", editor_href(&slug, locale));
        view! { <a href=href>{move_tr!("editor-compare")}</a> }
    });
    let publish = view
        .can_publish
        .then(|| publish_fieldset(&view, param("error")));
    let preview_body = move || match preview.get() {
        Ok(html) => view! { <div class="policy-body" inner_html=html></div> }.into_any(),
        Err(message) => view! { <p class="editor-preview-error">{message}</p> }.into_any(),
    };
    view! {
        <Title text=page_title.clone() />
        <nav class="breadcrumbs">
            <a href="/admin">{move_tr!("admin-home-title")}</a>
            " › "
            <a href="/admin/documents">{move_tr!("editor-documents-title")}</a>
        </nav>
        <h1>{page_title}</h1>
        {notice}
        {stale}
        <form method="post" action="/admin/drafts/save" class="editor-form">
            <input type="hidden" name="csrf" value=csrf />
            <input type="hidden" name="slug" value=slug.clone() />
            <input type="hidden" name="locale" value=locale.as_str() />
            <div class="editor-panes">
                <div class="editor-source">
                    <label for="editor-source">{move_tr!("editor-source")}</label>
                    <textarea
                        id="editor-source"
                        name="source"
                        rows="24"
                        spellcheck="true"
                        lang=locale.as_str()
                        prop:value=move || source.get()
                        on:input=on_input
                    >
                        {view.source.clone()}
                    </textarea>
                    <p class="editor-save-state" role="status" aria-live="polite">
                        {save_status}
                    </p>
                    <div class="admin-actions">
                        <button type="submit">{move_tr!("editor-save")}</button>
                        {compare}
                    </div>
                </div>
                <section class="editor-preview" aria-labelledby="editor-preview-title">
                    <h2 id="editor-preview-title">{move_tr!("editor-preview")}</h2>
                    <div lang=locale.as_str()>{preview_body}</div>
                </section>
            </div>
            {publish}
        </form>
    }
}

fn publish_fieldset(view: &EditorView, error: Option<String>) -> impl IntoView + use<> {
    let fields = view.publish.clone();
    let material = fields.class == RevisionClass::Material;
    let effective_on = if fields.effective_on.is_empty() {
        view.earliest_effective_on.clone()
    } else {
        fields.effective_on.clone()
    };
    let notice_days = view.notice_days;
    // The earliest day is said, not set as the field's minimum: the server's refusal explains
    // itself, where a browser's would only block the form.
    let earliest = view.earliest_effective_on.clone();
    let confirm = (error.as_deref() == Some("missing-locales")).then(|| {
        view! {
            <label class="editor-confirm">
                <input type="checkbox" name="confirm_missing_locales" value="true" />
                " "
                {move_tr!("editor-confirm-missing-locales")}
            </label>
        }
    });
    view! {
        <fieldset class="editor-publish">
            <legend>{move_tr!("editor-publish-title")}</legend>
            <p>
                <label>
                    <input type="radio" name="class" value="editorial" checked=!material />
                    " "
                    {move_tr!("editor-class-editorial")}
                </label>
                <br />
                <label>
                    <input type="radio" name="class" value="material" checked=material />
                    " "
                    {move_tr!("editor-class-material")}
                </label>
            </p>
            <label for="editor-summary">{move_tr!("editor-summary")}</label>
            <textarea id="editor-summary" name="summary" rows="3">{fields.summary}</textarea>
            <label for="editor-effective">{move_tr!("editor-effective")}</label>
            <input
                id="editor-effective"
                name="effective_on"
                type="date"
                value=effective_on
            />
            <p class="editor-hint">
                {move || {
                    tr!(
                        "editor-notice-hint", { "days" => notice_days, "earliest" => earliest.clone() }
                    )
                }}
            </p>
            {confirm}
            <button type="submit" formaction="/admin/drafts/publish">
                {move_tr!("editor-publish")}
            </button>
        </fieldset>
    }
}

#[component]
pub fn DraftComparePage() -> impl IntoView {
    let (slug, locale) = document_params();
    let comparison = Resource::new(
        move || (slug(), locale()),
        |(slug, locale)| async move {
            match locale {
                Some(locale) => get_draft_comparison(slug, locale).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! { <Loaded resource=comparison render=draft_comparison_view /> }
}

fn draft_comparison_view(view: DraftComparison) -> impl IntoView {
    let title = tr!(
        "editor-compare-title", { "title" => view.document.title.clone(), "latest" => view.latest }
    );
    let back = editor_href(view.document.slug.as_str(), view.locale);
    view! {
        <Title text=title.clone() />
        <nav class="breadcrumbs">
            <a href="/admin/documents">{move_tr!("editor-documents-title")}</a>
            " › "
            <a href=back>{view.document.title.clone()}</a>
        </nav>
        <h1>{title}</h1>
        <div class="diff" lang=view.locale.as_str()>
            {crate::comparisons::inline_view(&view.comparison)}
        </div>
    }
}
