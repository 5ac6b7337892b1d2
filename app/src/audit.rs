//! The audit log: every admin action, appended with who did it, to what, when and from where.
//! The database refuses to change or delete an entry. Admins read and filter it at
//! `/admin/audit`.

use crate::{
    clock::{DayRange, Timestamp},
    errors::{AppError, Loaded},
    ui::Instant,
};
use leptos::prelude::*;
use leptos_fluent::{move_tr, tr};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// What was done.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    SignIn,
    SignInFailed,
    SignOut,
    SignOutEverywhere,
    UserCreated,
    UserInvited,
    InvitationRevoked,
    UserRemoved,
    RoleChanged,
    DraftSaved,
    DraftDiscarded,
    RevisionPublished,
    SettingsChanged,
    InventoryChanged,
    ExportMade,
    RecipientsImported,
    NoticesRetried,
}

impl AuditAction {
    pub const ALL: [AuditAction; 17] = [
        AuditAction::SignIn,
        AuditAction::SignInFailed,
        AuditAction::SignOut,
        AuditAction::SignOutEverywhere,
        AuditAction::UserCreated,
        AuditAction::UserInvited,
        AuditAction::InvitationRevoked,
        AuditAction::UserRemoved,
        AuditAction::RoleChanged,
        AuditAction::DraftSaved,
        AuditAction::DraftDiscarded,
        AuditAction::RevisionPublished,
        AuditAction::SettingsChanged,
        AuditAction::InventoryChanged,
        AuditAction::ExportMade,
        AuditAction::RecipientsImported,
        AuditAction::NoticesRetried,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::SignIn => "sign_in",
            AuditAction::SignInFailed => "sign_in_failed",
            AuditAction::SignOut => "sign_out",
            AuditAction::SignOutEverywhere => "sign_out_everywhere",
            AuditAction::UserCreated => "user_created",
            AuditAction::UserInvited => "user_invited",
            AuditAction::InvitationRevoked => "invitation_revoked",
            AuditAction::UserRemoved => "user_removed",
            AuditAction::RoleChanged => "role_changed",
            AuditAction::DraftSaved => "draft_saved",
            AuditAction::DraftDiscarded => "draft_discarded",
            AuditAction::RevisionPublished => "revision_published",
            AuditAction::SettingsChanged => "settings_changed",
            AuditAction::InventoryChanged => "inventory_changed",
            AuditAction::ExportMade => "export_made",
            AuditAction::RecipientsImported => "recipients_imported",
            AuditAction::NoticesRetried => "notices_retried",
        }
    }
}

impl std::str::FromStr for AuditAction {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        AuditAction::ALL
            .into_iter()
            .find(|action| action.as_str() == text)
            .ok_or_else(|| format!("unknown audit action {text:?}"))
    }
}

/// One entry, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: Timestamp,
    pub actor: String,
    pub action: AuditAction,
    pub object: String,
    pub detail: String,
    pub ip: String,
    pub user_agent: String,
}

/// The audit page's filter fields as the address carries them; [`AuditFilter::parse`] checks
/// them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    pub action: String,
    pub actor: String,
    pub from: String,
    pub to: String,
    /// Paging: only entries older than this id.
    pub before: String,
}

/// Which entries to show.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub action: Option<AuditAction>,
    /// Part of the actor's email (or of the address a failed sign-in tried), any case.
    pub actor: Option<String>,
    pub days: DayRange,
    pub before: Option<i64>,
}

impl AuditFilter {
    pub fn parse(query: &AuditQuery) -> Result<Self, String> {
        let action = match query.action.trim() {
            "" => None,
            action => Some(action.parse()?),
        };
        let actor = query.actor.trim();
        if actor.chars().count() > 254 {
            return Err("the actor filter is longer than any email address".to_owned());
        }
        let before = match query.before.trim() {
            "" => None,
            before => Some(
                before
                    .parse::<i64>()
                    .map_err(|_| format!("`{before}` is not an entry number"))?,
            ),
        };
        Ok(AuditFilter {
            action,
            actor: (!actor.is_empty()).then(|| actor.to_lowercase()),
            days: DayRange::parse(&query.from, &query.to)?,
            before,
        })
    }
}

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
    use crate::admin::{
        Role,
        ssr::guard::{SignedOut, require},
    };
    require(
        Role::Admin,
        SignedOut::SignIn {
            return_to: "/admin/audit",
        },
    )
    .await?;
    let filter = AuditFilter::parse(&query).map_err(|e| AppError::Invalid(e).answered())?;
    let state = crate::state::app_state()?;
    let mut entries = ssr::search(&state.db, &filter, AUDIT_PAGE_SIZE + 1).await?;
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
                {AuditAction::ALL
                    .into_iter()
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

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{AuditAction, AuditEntry, AuditFilter};
    use crate::{
        admin::AdminUser,
        clock::Timestamp,
        db::{Conditions, Db, FilterValue, contains_pattern, decode_error},
    };
    use sqlx::{Row, any::AnyRow};

    /// Who acts, and from where.
    #[derive(Clone, Debug)]
    pub struct Actor {
        /// The account, when one is known (not for a failed sign-in to an unknown address).
        pub user_id: Option<i64>,
        /// The account's email, or the address tried.
        pub name: String,
        /// Already truncated to its network, as consent records keep it.
        pub ip: String,
        pub user_agent: String,
    }

    impl Actor {
        /// `user_id` and `name` acting from where `origin` says.
        pub fn from_origin(
            origin: &crate::consent::ssr::Origin,
            user_id: Option<i64>,
            name: &str,
        ) -> Actor {
            Actor {
                user_id,
                name: name.to_owned(),
                ip: origin.ip_prefix.clone(),
                user_agent: origin.user_agent.clone(),
            }
        }

        pub fn of_user(origin: &crate::consent::ssr::Origin, user: &AdminUser) -> Actor {
            Actor::from_origin(origin, Some(user.id), user.email.as_str())
        }

        /// Someone at this machine, or Charter itself, acting without the web: `name` says
        /// who, and `what` (the command) stands in for a user agent.
        pub fn local(name: &str, what: &str) -> Actor {
            Actor {
                user_id: None,
                name: name.to_owned(),
                ip: "local".to_owned(),
                user_agent: what.to_owned(),
            }
        }
    }

    /// Appends one entry. Pass the transaction of the action itself where there is one, so
    /// the action and its record commit together.
    pub async fn record(
        executor: impl sqlx::Executor<'_, Database = sqlx::Any>,
        actor: &Actor,
        action: AuditAction,
        object: &str,
        detail: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO audit_log (at, actor_id, actor, action, object, detail, ip, user_agent)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(Timestamp::now().as_millis())
        .bind(actor.user_id)
        .bind(&actor.name)
        .bind(action.as_str())
        .bind(object)
        .bind(detail)
        .bind(&actor.ip)
        .bind(&actor.user_agent)
        .execute(executor)
        .await
        .map(drop)
    }

    /// The newest entries first, at most `limit`.
    pub async fn recent(db: &Db, limit: i64) -> Result<Vec<AuditEntry>, sqlx::Error> {
        search(db, &AuditFilter::default(), limit).await
    }

    /// The entries `filter` selects, newest first, at most `limit`.
    pub async fn search(
        db: &Db,
        filter: &AuditFilter,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, sqlx::Error> {
        let mut conditions = Conditions::default();
        if let Some(action) = filter.action {
            conditions.push("action = $?", FilterValue::Text(action.as_str().to_owned()));
        }
        if let Some(actor) = &filter.actor {
            conditions.push(
                "lower(actor) LIKE $? ESCAPE '\\'",
                FilterValue::Text(contains_pattern(actor)),
            );
        }
        if let Some(from) = filter.days.from {
            conditions.push("at >= $?", FilterValue::Int(from.as_millis()));
        }
        if let Some(until) = filter.days.until {
            conditions.push("at < $?", FilterValue::Int(until.as_millis()));
        }
        if let Some(before) = filter.before {
            conditions.push("id < $?", FilterValue::Int(before));
        }
        let rows = conditions
            .newest(
                db.reader(),
                "id, at, actor, action, object, detail, ip, user_agent FROM audit_log",
                limit,
            )
            .await?;
        rows.iter().map(entry_from_row).collect()
    }

    fn entry_from_row(row: &AnyRow) -> Result<AuditEntry, sqlx::Error> {
        let action: String = row.try_get("action")?;
        Ok(AuditEntry {
            id: row.try_get("id")?,
            at: Timestamp::from_millis(row.try_get("at")?),
            actor: row.try_get("actor")?,
            action: action
                .parse()
                .map_err(|e: String| decode_error("action", std::io::Error::other(e)))?,
            object: row.try_get("object")?,
            detail: row.try_get("detail")?,
            ip: row.try_get("ip")?,
            user_agent: row.try_get("user_agent")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_read_back_by_name() {
        for action in AuditAction::ALL {
            assert_eq!(action.as_str().parse::<AuditAction>(), Ok(action));
        }
        assert!("deleted_everything".parse::<AuditAction>().is_err());
    }

    #[test]
    fn filters_are_checked() {
        let query = |action: &str, before: &str| AuditQuery {
            action: action.to_owned(),
            actor: " Ada@Example.com ".to_owned(),
            before: before.to_owned(),
            ..AuditQuery::default()
        };
        let filter = AuditFilter::parse(&query("sign_in", "40")).unwrap();
        assert_eq!(filter.action, Some(AuditAction::SignIn));
        assert_eq!(filter.actor.as_deref(), Some("ada@example.com"));
        assert_eq!(filter.before, Some(40));
        assert!(AuditFilter::parse(&query("sudo", "")).is_err());
        assert!(AuditFilter::parse(&query("", "forty")).is_err());
    }
}
