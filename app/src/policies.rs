//! The public policy pages: the current text, the history, and any archived or upcoming
//! revision. All of them are complete server-rendered pages; none needs JavaScript.

use crate::{
    consent::pages::CookieTable,
    documents::DocumentKind,
    errors::{AppError, Loaded},
    i18n::Locale,
    markdown::TocEntry,
    revisions::{
        DocumentInLocale, HistoryView, PolicyView, Revision, RevisionMeta, RevisionView, Status,
        get_history, get_policy, get_revision,
    },
    ui::{ClassLabel, DateTime},
};
use leptos::prelude::*;
use leptos_fluent::{move_tr, tr};
use leptos_meta::{Link, Title};
use leptos_router::hooks::use_params_map;

#[cfg(feature = "ssr")]
pub mod ssr;

pub(crate) fn slug_param() -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || params.read().get("slug").unwrap_or_default()
}

/// `/policies/{slug}`: the text in force now, with the upcoming change announced above it.
#[component]
pub fn PolicyPage() -> impl IntoView {
    let slug = slug_param();
    let policy = Resource::new(
        move || (slug(), Locale::current()),
        |(slug, locale)| get_policy(slug, locale),
    );
    view! {
        <Loaded resource=policy render=policy_view />
    }
}

fn policy_view(view: PolicyView) -> impl IntoView {
    let context = view.context;
    let upcoming = view.upcoming.map(|upcoming| {
        let current = view.current.as_ref().map(|c| c.meta.number);
        view! { <UpcomingBanner context=context.clone() upcoming current /> }
    });
    let body = match view.current {
        Some(current) => view! {
            <PolicyText context=context.clone() revision=current status=Status::Current />
        }
        .into_any(),
        None => view! {
            <PolicyHeading context=context.clone() />
            <p class="notice">{move_tr!("policy-not-yet-in-effect")}</p>
        }
        .into_any(),
    };
    view! {
        <DocumentHead context=context.clone() />
        <FallbackNotice context=context.clone() />
        {upcoming}
        {body}
    }
}

/// `/policies/{slug}/history`: every revision with its dates, class and summary.
#[component]
pub fn HistoryPage() -> impl IntoView {
    let slug = slug_param();
    let history = Resource::new(
        move || (slug(), Locale::current()),
        |(slug, locale)| get_history(slug, locale),
    );
    view! {
        <Loaded resource=history render=history_view />
    }
}

fn history_view(view: HistoryView) -> impl IntoView {
    let context = view.context;
    let title = context.document.title.clone();
    let base = context.document.href();
    let numbers: Vec<i64> = view.revisions.iter().map(|meta| meta.number).collect();
    // Newest first, so each revision's predecessor is the next entry.
    let previous = numbers.iter().skip(1).copied().map(Some).chain([None]);
    let rows = view
        .revisions
        .into_iter()
        .zip(previous)
        .map(|(meta, previous)| {
            let status = meta.status(view.current, context.now);
            view! { <HistoryRow base=base.clone() meta status previous /> }
        })
        .collect_view();
    let compare = (numbers.len() >= 2).then(|| view! { <CompareForm base=base.clone() numbers /> });
    view! {
        <DocumentHead context=context.clone() />
        <Title text=tr!("history-page-title", { "title" => title }) />
        <FallbackNotice context=context.clone() />
        <nav class="breadcrumbs">
            <a href=context.document.href()>{context.document.title.clone()}</a>
        </nav>
        <h1>{move_tr!("history-heading")}</h1>
        <div class="table-scroll">
            <table class="history">
                <thead>
                    <tr>
                        <th scope="col">{move_tr!("history-version")}</th>
                        <th scope="col">{move_tr!("history-published")}</th>
                        <th scope="col">{move_tr!("history-effective")}</th>
                        <th scope="col">{move_tr!("history-class")}</th>
                        <th scope="col">{move_tr!("history-summary")}</th>
                        <th scope="col">{move_tr!("history-changes")}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {compare}
    }
}

/// Picks any two revisions to compare. A plain GET form: `/compare` redirects to the
/// comparison's permanent address, so it works without JavaScript.
#[component]
fn CompareForm(base: String, numbers: Vec<i64>) -> impl IntoView {
    let newest = numbers.first().copied().unwrap_or(1);
    let second = numbers.get(1).copied().unwrap_or(newest);
    let options = move |selected: i64| {
        numbers
            .iter()
            .map(|&number| {
                view! {
                    <option value=number.to_string() selected=number == selected>
                        {move || tr!("version-number", { "number" => number })}
                    </option>
                }
            })
            .collect_view()
    };
    view! {
        <form class="compare-form" method="get" action=format!("{base}/compare")>
            <h2>{move_tr!("compare-heading")}</h2>
            <label>
                {move_tr!("compare-from")} " "
                <select name="from">{options(second)}</select>
            </label>
            " "
            <label>
                {move_tr!("compare-to")} " "
                <select name="to">{options(newest)}</select>
            </label>
            " "
            <button type="submit">{move_tr!("compare-submit")}</button>
        </form>
    }
}

#[component]
fn HistoryRow(
    base: String,
    meta: RevisionMeta,
    status: Status,
    previous: Option<i64>,
) -> impl IntoView {
    let href = format!("{base}/v/{}", meta.number);
    let compare = previous.map(|previous| {
        let href = format!("{base}/diff/{previous}..{}", meta.number);
        view! { <a href=href>{move_tr!("history-compare-previous")}</a> }
    });
    let number = meta.number;
    let summary = meta.summary.clone();
    view! {
        <tr class=format!("status-{}", status_class(status))>
            <th scope="row">
                <a href=href>{move || tr!("version-number", { "number" => number })}</a>
                {(status != Status::Superseded).then(|| view! { " " <StatusBadge status /> })}
            </th>
            <td><DateTime at=meta.published_at /></td>
            <td><DateTime at=meta.effective_at /></td>
            <td><ClassLabel class=meta.class /></td>
            <td>{summary}</td>
            <td>{compare}</td>
        </tr>
    }
}

/// `/policies/{slug}/v/{n}`: one revision, marked as current, upcoming or superseded.
#[component]
pub fn RevisionPage() -> impl IntoView {
    let slug = slug_param();
    let params = use_params_map();
    let number = move || params.read().get("number").unwrap_or_default();
    let revision = Resource::new(
        move || (slug(), number(), Locale::current()),
        |(slug, number, locale)| async move {
            let number: i64 = number.parse().map_err(|_| AppError::NotFound)?;
            get_revision(slug, number, locale).await
        },
    );
    view! {
        <Loaded resource=revision render=revision_view />
    }
}

fn revision_view(view: RevisionView) -> impl IntoView {
    let context = view.context;
    let status = view.status;
    let current_href = context.document.href();
    let notice = match status {
        Status::Current => view! {
            <p class="notice notice-current" role="status">
                {move_tr!("revision-is-current")}
            </p>
        }
        .into_any(),
        Status::Upcoming => {
            let at = view.revision.meta.effective_at;
            view! {
                <p class="notice notice-upcoming" role="status">
                    {move_tr!("revision-is-upcoming")} " " <DateTime at /> ". "
                    <a href=current_href>{move_tr!("read-current-version")}</a>
                </p>
            }
            .into_any()
        }
        Status::Superseded => view! {
            <p class="notice notice-superseded" role="status">
                <strong>{move_tr!("revision-is-superseded")}</strong> " "
                <a href=current_href>{move_tr!("read-current-version")}</a>
            </p>
        }
        .into_any(),
    };
    view! {
        <DocumentHead context=context.clone() />
        <FallbackNotice context=context.clone() />
        {notice}
        <PolicyText context revision=view.revision status />
    }
}

/// The feed link for this document; the title element is set by the text or history view.
#[component]
fn DocumentHead(context: DocumentInLocale) -> impl IntoView {
    let feed = format!(
        "{}/feed.atom?lang={}",
        context.document.href(),
        context.locale
    );
    let title = context.document.title.clone();
    view! {
        <Link
            rel="alternate"
            type_="application/atom+xml"
            href=feed
            title=tr!("feed-document-title", { "title" => title })
        />
    }
}

#[component]
fn FallbackNotice(context: DocumentInLocale) -> impl IntoView {
    context.fallback.then(|| {
        view! {
            <p class="notice notice-fallback" role="note" lang=Locale::current().as_str()>
                {move_tr!("translation-missing")}
            </p>
        }
    })
}

#[component]
fn PolicyHeading(context: DocumentInLocale) -> impl IntoView {
    let title = context.document.title.clone();
    view! {
        <Title text=title.clone() />
        <h1 class="policy-title">{title}</h1>
    }
}

/// The upcoming change: when it takes effect, what it changes, and where to read it.
#[component]
fn UpcomingBanner(
    context: DocumentInLocale,
    upcoming: RevisionMeta,
    current: Option<i64>,
) -> impl IntoView {
    let days = context.now.days_until(upcoming.effective_at);
    let read = context.document.revision_href(upcoming.number);
    let compare = current.map(|current| context.document.diff_href(current, upcoming.number));
    let summary = upcoming.summary.clone();
    view! {
        <aside class="upcoming-banner" aria-labelledby="upcoming-heading">
            <h2 id="upcoming-heading">{move_tr!("upcoming-heading")}</h2>
            <p>
                {move_tr!("upcoming-takes-effect")} " " <DateTime at=upcoming.effective_at />
                " (" {move || tr!("upcoming-in-days", { "days" => days })} ")."
            </p>
            {(!summary.is_empty()).then(|| view! { <p class="upcoming-summary">{summary}</p> })}
            <p class="upcoming-links">
                <a href=read>{move_tr!("upcoming-read")}</a>
                {compare.map(|href| view! { " · " <a href=href>{move_tr!("upcoming-compare")}</a> })}
            </p>
        </aside>
    }
}

/// A revision's text with its dates, version, table of contents and structured data.
#[component]
fn PolicyText(context: DocumentInLocale, revision: Revision, status: Status) -> impl IntoView {
    let meta = revision.meta;
    let base = context.document.href();
    let locale = context.locale;
    let number = meta.number;
    let json_ld = json_ld(&context, &meta);
    view! {
        <article class="policy" lang=locale.as_str()>
            <header class="policy-header">
                <PolicyHeading context=context.clone() />
                <dl class="policy-dates">
                    <div>
                        <dt>{move_tr!("policy-last-updated")}</dt>
                        <dd><DateTime at=meta.published_at /></dd>
                    </div>
                    <div>
                        <dt>{move_tr!("policy-effective")}</dt>
                        <dd><DateTime at=meta.effective_at /></dd>
                    </div>
                    <div>
                        <dt>{move_tr!("policy-version")}</dt>
                        <dd>
                            {number} " " <ClassLabel class=meta.class />
                            {(status != Status::Current).then(|| view! { " " <StatusBadge status /> })}
                        </dd>
                    </div>
                </dl>
                <nav class="policy-links" aria-label=move || tr!("policy-links-label")>
                    <a href=format!("{base}/history")>{move_tr!("policy-history")}</a>
                    <a href=format!("{base}/v/{number}.md?lang={locale}") type="text/markdown">
                        {move_tr!("policy-markdown")}
                    </a>
                    <a href=format!("{base}/v/{number}.json?lang={locale}") type="application/json">
                        "JSON"
                    </a>
                    <a href=format!("{base}/feed.atom?lang={locale}") type="application/atom+xml">
                        {move_tr!("policy-feed")}
                    </a>
                </nav>
            </header>
            <TableOfContents entries=revision.toc />
            <div class="policy-text" inner_html=revision.html></div>
            {(context.document.kind == DocumentKind::Cookies).then(|| {
                let in_force_at = (status != Status::Current).then_some(meta.effective_at);
                view! { <CookieTable in_force_at /> }
            })}
            <script type="application/ld+json" inner_html=json_ld></script>
        </article>
    }
}

#[component]
fn TableOfContents(entries: Vec<TocEntry>) -> impl IntoView {
    (!entries.is_empty()).then(|| {
        let items = entries
            .into_iter()
            .map(|entry| {
                view! {
                    <li class=format!("toc-level-{}", entry.level)>
                        <a href=format!("#{}", entry.id)>{entry.text}</a>
                    </li>
                }
            })
            .collect_view();
        view! {
            <nav class="toc" aria-labelledby="toc-heading">
                <h2 id="toc-heading">{move_tr!("policy-contents")}</h2>
                <ol>{items}</ol>
            </nav>
        }
    })
}

#[component]
fn StatusBadge(status: Status) -> impl IntoView {
    view! {
        <span class=format!("status-badge status-{}", status_class(status))>
            {move || match status {
                Status::Current => tr!("status-current"),
                Status::Upcoming => tr!("status-upcoming"),
                Status::Superseded => tr!("status-superseded"),
            }}
        </span>
    }
}

fn status_class(status: Status) -> &'static str {
    match status {
        Status::Current => "current",
        Status::Upcoming => "upcoming",
        Status::Superseded => "superseded",
    }
}

/// schema.org data for search engines and archivers: which version this is and when it changed.
fn json_ld(context: &DocumentInLocale, meta: &RevisionMeta) -> String {
    let value = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "DigitalDocument",
        "name": context.document.title,
        "inLanguage": meta.locale.as_str(),
        "version": meta.number.to_string(),
        "dateModified": meta.published_at.rfc3339(),
        "datePublished": meta.published_at.rfc3339(),
        "temporalCoverage": format!("{}/..", meta.effective_at.rfc3339()),
    });
    script_safe_json(&value)
}

/// `value` as JSON that can stand inside a `<script>` element: `<` (which could open `</script`
/// or `<!--`, both of which end or change the script), `>` and `&` are written as `\u` escapes,
/// which mean the same characters to a JSON reader. They can occur only inside strings.
fn script_safe_json(value: &serde_json::Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

#[cfg(test)]
mod tests {
    use super::script_safe_json;

    #[test]
    fn json_ld_cannot_end_or_change_its_script_element() {
        let title = "Terms </script><script>alert(1)</script> <!-- <script> & more";
        let json = script_safe_json(&serde_json::json!({ "name": title }));
        for forbidden in ["<", ">", "&"] {
            assert!(!json.contains(forbidden), "{forbidden} in {json}");
        }
        let read: serde_json::Value = serde_json::from_str(&json).expect("still JSON");
        assert_eq!(read["name"], title);
    }
}
