//! `/admin/audit`: the log, filtered and paged, for admins.

use super::{AuditAction, AuditEntry, AuditQuery};
use crate::{
    errors::{AppError, Loaded},
    ui::Instant,
};
use leptos::prelude::*;
use leptos_fluent::{move_tr, tr};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};
use strum::VariantArray;

/// One page of the audit log, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// The `before` of the next (older) page, when there is one.
    pub older: Option<i64>,
}

/// How many entries one page of the audit log shows.
pub const AUDIT_PAGE_SIZE: i64 = 100;

#[server(endpoint = "admin/audit")]
pub async fn get_audit_log(query: AuditQuery) -> Result<AuditPage, AppError> {
    use super::{AuditFilter, ssr::search};
    use crate::admin::{
        Role,
        ssr::guard::{SignedOut, require},
    };
    require(Role::Admin, SignedOut::SignIn).await?;
    let filter = AuditFilter::parse(&query).map_err(|e| AppError::Invalid(e).answered())?;
    let state = crate::state::app_state()?;
    let mut entries = search(&state.db, &filter, AUDIT_PAGE_SIZE + 1).await?;
    let older = (entries.len() as i64 > AUDIT_PAGE_SIZE).then(|| {
        entries.truncate(AUDIT_PAGE_SIZE as usize);
        entries.last().map_or(0, |entry| entry.id)
    });
    Ok(AuditPage { entries, older })
}

/// The audit page's filter fields, read from the address.
pub fn audit_query() -> Memo<AuditQuery> {
    let query = use_query_map();
    Memo::new(move |_| {
        query.with(|query| {
            let field = |name: &str| query.get(name).unwrap_or_default();
            AuditQuery {
                action: field("action"),
                actor: field("actor"),
                from: field("from"),
                to: field("to"),
                before: field("before"),
            }
        })
    })
}

/// `/admin/audit`, for admins: the whole log, filtered by action, actor and days, a page at a
/// time. The filter is a plain GET form, so it works without JavaScript.
#[component]
pub fn AuditLogPage() -> impl IntoView {
    let query = audit_query();
    let page = Resource::new(move || query.get(), get_audit_log);
    view! {
        <Title text=tr!("audit-log-title") />
        <nav class="breadcrumbs"><a href="/admin">{move_tr!("admin-home-title")}</a></nav>
        <h1>{move_tr!("audit-log-title")}</h1>
        {move || audit_filter_form(query.get())}
        <Loaded resource=page render=audit_page_view />
    }
}

fn audit_filter_form(query: AuditQuery) -> impl IntoView {
    let selected = query.action.clone();
    view! {
        <form method="get" action="/admin/audit" class="admin-filter">
            <label for="audit-action">{move_tr!("admin-audit-action")}</label>
            <select id="audit-action" name="action">
                <option value="" selected=selected.is_empty()>{move_tr!("filter-any")}</option>
                {AuditAction::VARIANTS
                    .iter()
                    .copied()
                    .map(|action| {
                        view! {
                            <option value=action.as_str() selected={selected == action.as_str()}>
                                {action.as_str()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <label for="audit-actor">{move_tr!("admin-audit-who")}</label>
            <input id="audit-actor" name="actor" type="search" value=query.actor />
            <label for="audit-from">{move_tr!("filter-from")}</label>
            <input id="audit-from" name="from" type="date" value=query.from />
            <label for="audit-to">{move_tr!("filter-to")}</label>
            <input id="audit-to" name="to" type="date" value=query.to />
            <button type="submit">{move_tr!("filter-apply")}</button>
        </form>
    }
}

fn audit_page_view(page: AuditPage) -> impl IntoView {
    let query = audit_query();
    let older = page.older.map(|before| {
        let query = query.get_untracked();
        let before = before.to_string();
        let href = format!(
            "/admin/audit?{}",
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs([
                    ("action", query.action.as_str()),
                    ("actor", &query.actor),
                    ("from", &query.from),
                    ("to", &query.to),
                    ("before", &before),
                ])
                .finish()
        );
        view! { <p><a href=href rel="next">{move_tr!("audit-log-older")}</a></p> }
    });
    if page.entries.is_empty() {
        return view! { <p class="admin-notice" role="status">{move_tr!("audit-log-none")}</p> }
            .into_any();
    }
    view! {
        <AuditTable entries=page.entries />
        {older}
    }
    .into_any()
}

/// Audit entries as a table, newest first; the admin home shows the latest ones the same way.
#[component]
pub fn AuditTable(entries: Vec<AuditEntry>) -> impl IntoView {
    view! {
        <table class="admin-audit-table">
            <thead>
                <tr>
                    <th scope="col">{move_tr!("admin-audit-when")}</th>
                    <th scope="col">{move_tr!("admin-audit-who")}</th>
                    <th scope="col">{move_tr!("admin-audit-action")}</th>
                    <th scope="col">{move_tr!("admin-audit-object")}</th>
                    <th scope="col">{move_tr!("audit-log-detail")}</th>
                    <th scope="col">{move_tr!("admin-audit-from")}</th>
                </tr>
            </thead>
            <tbody>
                {entries
                    .into_iter()
                    .map(|entry| {
                        view! {
                            <tr>
                                <td><Instant at=entry.at /></td>
                                <td>{entry.actor}</td>
                                <td><code>{entry.action.as_str()}</code></td>
                                <td>{entry.object}</td>
                                <td>{entry.detail}</td>
                                <td title=entry.user_agent>{entry.ip}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
