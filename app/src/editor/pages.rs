//! The editor's pages: `/admin/documents`, the editor of one document in one locale, and the
//! comparison of its draft with the latest revision.
//!
//! The editor is one plain form whose buttons post to `/admin/drafts/save` and
//! `/admin/drafts/publish` (`ssr::http`), answered 303 back to the page, so it works
//! without JavaScript: the server-rendered preview shows the saved draft. Hydrated, the preview
//! follows the typing and the draft saves itself.

use super::{
    DocumentDrafts, DocumentsNotice, DraftComparison, EditorNotice, EditorView, get_documents,
    get_draft_comparison, get_editor,
};
use crate::{
    errors::{AppError, Loaded},
    i18n::Locale,
    revisions::RevisionClass,
    ui::{DateTime, notice_of},
};
use leptos::prelude::*;
use leptos_fluent::{move_tr, tr};
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use strum::VariantArray;

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
    let published = notice_of::<DocumentsNotice>();
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
    let headers = Locale::VARIANTS
        .iter()
        .copied()
        .map(|locale| view! { <th scope="col">{locale.as_str()}</th> })
        .collect_view();
    view! {
        {published.map(|DocumentsNotice::Published { revision }| view! {
            <p class="admin-notice" role="status">
                {tr!("editor-published", { "what" => revision })}
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

/// What the editor says about the outcome of its last form post: its ARIA role and text.
fn shown(notice: &EditorNotice) -> (&'static str, String) {
    let alert = |text| ("alert", text);
    match notice.clone() {
        EditorNotice::Saved => ("status", tr!("editor-draft-saved")),
        EditorNotice::TooLarge { size } => alert(tr!("editor-error-too-large", { "size" => size })),
        EditorNotice::Empty => alert(tr!("editor-error-empty")),
        EditorNotice::NoDraft => alert(tr!("editor-error-no-draft")),
        EditorNotice::BadDate { date } => alert(tr!("editor-error-bad-date", { "date" => date })),
        EditorNotice::MissingSummary => alert(tr!("editor-error-missing-summary")),
        EditorNotice::NoticeTooShort { earliest } => {
            alert(tr!("editor-error-notice-too-short", { "earliest" => earliest }))
        }
        EditorNotice::MissingLocales { locales } => {
            alert(tr!("editor-error-missing-locales", { "locales" => locales }))
        }
    }
}

fn editor_view(view: EditorView) -> impl IntoView {
    let last_post = notice_of::<EditorNotice>();
    let slug = view.document.slug.to_string();
    let locale = view.locale;
    let title = view.document.title.clone();
    let page_title = tr!("editor-title", { "title" => title.clone(), "locale" => locale.as_str() });
    let csrf = view.csrf_token.clone();

    let save_status = match view.saved.clone() {
        Some(stamp) => view! {
            {move_tr!("editor-saved")} " " <DateTime at=stamp.saved_at />
            " (" {stamp.saved_by} ")"
        }
        .into_any(),
        None => move_tr!("editor-not-drafted").into_any(),
    };
    let notice = last_post.as_ref().map(|notice| {
        let (role, text) = shown(notice);
        view! { <p class="admin-notice" role=role>{text}</p> }
    });
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
        .then(|| publish_fieldset(&view, last_post.as_ref()));
    let preview_body = match view.preview.clone() {
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
            <LiveDraft>
                <div class="editor-source">
                    <label for="editor-source">{move_tr!("editor-source")}</label>
                    <textarea
                        id="editor-source"
                        name="source"
                        rows="24"
                        spellcheck="true"
                        lang=locale.as_str()
                    >
                        {view.source.clone()}
                    </textarea>
                    // The texts the island shows while typing, in the page's language.
                    <p
                        class="editor-save-state"
                        role="status"
                        aria-live="polite"
                        data-saved=tr!("editor-saved")
                        data-unsaved=tr!("editor-unsaved")
                        data-saving=tr!("editor-saving")
                        data-failed=tr!("editor-save-failed")
                        data-session-ended=tr!("error-session-ended")
                        data-no-answer=tr!("editor-no-answer")
                    >
                        {save_status}
                    </p>
                    <div class="admin-actions">
                        <button type="submit">{move_tr!("editor-save")}</button>
                        {compare}
                    </div>
                </div>
                <section class="editor-preview" aria-labelledby="editor-preview-title">
                    <h2 id="editor-preview-title">{move_tr!("editor-preview")}</h2>
                    <div id="editor-preview-body" lang=locale.as_str()>{preview_body}</div>
                </section>
            </LiveDraft>
            {publish}
        </form>
    }
}

/// The editor's panes, server-rendered. Hydrated, typing in the source renders the preview
/// again after a pause, and saves the draft after a longer one; the answers replace the
/// preview and the save state in place. The island takes no props: it reads the form's hidden
/// fields and the save state's texts from the page, so no deserializer ships for it.
#[island]
fn LiveDraft(children: Children) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    crate::islands::browser::listen("input", live::typing());
    view! { <div class="editor-panes">{children()}</div> }
}

/// The preview and the autosave call the `preview_draft` and `save_draft` server functions
/// with the browser's `fetch` and `URLSearchParams` (their form encoding), and read the answers
/// with the browser's `JSON`, which keeps the server-function client and serde out of the wasm.
#[cfg(feature = "hydrate")]
mod live {
    use crate::islands::browser::{Answer, field, post};
    use leptos::prelude::{TimeoutHandle, document, set_timeout_with_handle};
    use std::{cell::Cell, rc::Rc, time::Duration};
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::spawn_local;
    use web_sys::{HtmlTextAreaElement, UrlSearchParams};

    /// How long typing must pause before the preview is rendered again.
    const PREVIEW_DELAY: Duration = Duration::from_millis(400);
    /// How long typing must pause before the draft saves itself.
    const AUTOSAVE_DELAY: Duration = Duration::from_millis(1500);

    type Timer = Rc<Cell<Option<TimeoutHandle>>>;

    /// What runs on every keystroke in the source.
    pub fn typing() -> impl FnMut(web_sys::Event) + 'static {
        let preview_timer = Timer::default();
        let autosave_timer = Timer::default();
        move |event| {
            let Some(source) = event
                .target()
                .and_then(|target| target.dyn_into::<HtmlTextAreaElement>().ok())
                .filter(|source| source.id() == "editor-source")
            else {
                return;
            };
            let Some(form) = source.form() else {
                return;
            };
            let text = source.value();
            let locale = field(&form, "locale");
            show_state(&text_of("data-unsaved"));
            let preview = params(&[("locale", &locale), ("source", &text)]);
            restart(&preview_timer, PREVIEW_DELAY, move || {
                spawn_local(async move {
                    show_preview(post("/api/admin/preview", FORM, &preview).await);
                });
            });
            let save = params(&[
                ("csrf", &field(&form, "csrf")),
                ("slug", &field(&form, "slug")),
                ("locale", &locale),
                ("source", &text),
            ]);
            restart(&autosave_timer, AUTOSAVE_DELAY, move || {
                show_state(&text_of("data-saving"));
                spawn_local(async move {
                    let answer = post("/api/admin/save-draft", FORM, &save).await;
                    let shown = match answer.as_ref().filter(|answer| answer.status == 200) {
                        Some(answer) => {
                            let saved_by = answer
                                .json()
                                .and_then(|stamp| {
                                    js_sys::Reflect::get(&stamp, &"saved_by".into()).ok()
                                })
                                .and_then(|name| name.as_string())
                                .unwrap_or_default();
                            format!("{} ({saved_by})", text_of("data-saved"))
                        }
                        None => format!("{} {}", text_of("data-failed"), refusal(answer.as_ref())),
                    };
                    show_state(&shown);
                });
            });
        }
    }

    const FORM: &str = "application/x-www-form-urlencoded";

    fn params(pairs: &[(&str, &str)]) -> String {
        let Ok(params) = UrlSearchParams::new() else {
            return String::new();
        };
        for (name, value) in pairs {
            params.append(name, value);
        }
        params.to_string().into()
    }

    fn restart(timer: &Timer, delay: Duration, run: impl FnOnce() + 'static) {
        if let Some(handle) = timer.take() {
            handle.clear();
        }
        timer.set(set_timeout_with_handle(run, delay).ok());
    }

    fn element(selector: &str) -> Option<web_sys::Element> {
        document().query_selector(selector).ok().flatten()
    }

    /// One of the save state's texts, which the server rendered in the page's language.
    fn text_of(attribute: &str) -> String {
        element(".editor-save-state")
            .and_then(|state| state.get_attribute(attribute))
            .unwrap_or_default()
    }

    fn show_state(text: &str) {
        if let Some(state) = element(".editor-save-state") {
            state.set_text_content(Some(text));
        }
    }

    /// Why a call failed: no answer or an ended session in the page's language, else the
    /// server's message (`AppError` as JSON: `{"Invalid": "…"}`), else the status.
    fn refusal(answer: Option<&Answer>) -> String {
        match answer {
            None => text_of("data-no-answer"),
            Some(answer) if answer.status == 401 => text_of("data-session-ended"),
            Some(answer) => answer
                .json()
                .and_then(|error| {
                    js_sys::Object::values(error.dyn_ref::<js_sys::Object>()?)
                        .get(0)
                        .as_string()
                })
                .unwrap_or_else(|| format!("(HTTP {})", answer.status)),
        }
    }

    /// The preview is the server's sanitised rendering, the same HTML the page was served with.
    fn show_preview(answer: Option<Answer>) {
        let Some(container) = element("#editor-preview-body") else {
            return;
        };
        let rendered = answer
            .as_ref()
            .filter(|answer| answer.status == 200)
            .and_then(Answer::json)
            .and_then(|html| html.as_string())
            .ok_or_else(|| refusal(answer.as_ref()));
        let Ok(node) = document().create_element(if rendered.is_ok() { "div" } else { "p" }) else {
            return;
        };
        match rendered {
            Ok(html) => {
                node.set_class_name("policy-body");
                node.set_inner_html(&html);
            }
            Err(message) => {
                node.set_class_name("editor-preview-error");
                node.set_text_content(Some(&message));
            }
        }
        container.replace_children_with_node_1(&node);
    }
}

fn publish_fieldset(view: &EditorView, last_post: Option<&EditorNotice>) -> impl IntoView + use<> {
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
    let confirm = matches!(last_post, Some(EditorNotice::MissingLocales { .. })).then(|| {
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
