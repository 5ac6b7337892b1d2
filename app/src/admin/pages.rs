//! The admin pages: `/admin/sign-in`, and `/admin`, the signed-in home with sign-out and the
//! recent audit log. Both forms post to plain endpoints (`ssr::http`) answered 303, so they
//! work with or without JavaScript.

use super::AdminUser;
use crate::{
    audit::{AuditEntry, AuditTable},
    errors::{AppError, Loaded},
    ui::notice_of,
};
use leptos::prelude::*;
use leptos_fluent::{move_tr, tr};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// The signed-in home: who, the token its forms carry, and (for admins) recent activity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminHome {
    pub user: AdminUser,
    pub csrf_token: String,
    pub audit: Vec<AuditEntry>,
}

/// The signed-in home; without a live session, a redirect to the sign-in page.
#[server(endpoint = "admin/home")]
pub async fn get_admin_home() -> Result<AdminHome, AppError> {
    use super::{
        Role,
        ssr::guard::{SignedOut, require},
    };
    /// How many audit entries the home shows.
    const RECENT_AUDIT_ENTRIES: i64 = 50;
    let state = crate::state::app_state()?;
    let session = require(Role::Editor, SignedOut::SignIn).await?;
    let audit = if session.user.role.allows(Role::Admin) {
        crate::audit::ssr::recent(&state.db, RECENT_AUDIT_ENTRIES).await?
    } else {
        Vec::new()
    };
    Ok(AdminHome {
        user: session.user,
        csrf_token: session.csrf_token,
        audit,
    })
}

/// What the sign-in and sign-out endpoints sent the sign-in page back with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "notice", rename_all = "kebab-case")]
pub enum SignInNotice {
    Refused,
    AddressTooLong,
    /// Sign-in is closed for this address or network for `minutes` more.
    Throttled {
        minutes: String,
    },
    SignedOut,
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.with(|query| query.get(name));
    let return_to = param("return_to").unwrap_or_else(|| "/admin".to_owned());
    let notice = notice_of::<SignInNotice>().map(|notice| match notice {
        SignInNotice::Refused => tr!("admin-refused"),
        SignInNotice::AddressTooLong => tr!("admin-address-too-long"),
        SignInNotice::Throttled { minutes } => tr!("admin-throttled", { "minutes" => minutes }),
        SignInNotice::SignedOut => tr!("admin-signed-out"),
    });
    view! {
        <Title text=tr!("admin-sign-in-title") />
        <section class="admin-sign-in">
            <h1>{move_tr!("admin-sign-in-title")}</h1>
            {notice.map(|text| view! { <p class="admin-notice" role="alert">{text}</p> })}
            <form method="post" action="/admin/sign-in" class="admin-form">
                <input type="hidden" name="return_to" value=return_to />
                <label for="admin-email">{move_tr!("admin-email")}</label>
                <input id="admin-email" name="email" type="email" autocomplete="username" required />
                <label for="admin-password">{move_tr!("admin-password")}</label>
                <input
                    id="admin-password"
                    name="password"
                    type="password"
                    autocomplete="current-password"
                    required
                />
                <button type="submit">{move_tr!("admin-sign-in")}</button>
            </form>
        </section>
    }
}

#[component]
pub fn AdminHomePage() -> impl IntoView {
    let home = Resource::new(|| (), |()| get_admin_home());
    view! {
        <Title text=tr!("admin-home-title") />
        <h1>{move_tr!("admin-home-title")}</h1>
        <Loaded resource=home render=home_view />
    }
}

fn home_view(home: AdminHome) -> impl IntoView {
    let email = home.user.email.to_string();
    let role = home.user.role.as_str();
    let csrf = home.csrf_token.clone();
    let audit = (!home.audit.is_empty()).then(|| audit_view(home.audit));
    let notices = home.user.role.allows(super::Role::Publisher).then(|| {
        view! { <li><a href="/admin/notices">{move_tr!("notices-title")}</a></li> }
    });
    let settings = home.user.role.allows(super::Role::Admin).then(|| {
        view! {
            <li><a href="/admin/users">{move_tr!("users-title")}</a></li>
            <li><a href="/admin/inventory">{move_tr!("inventory-editor-title")}</a></li>
            <li><a href="/admin/consent">{move_tr!("consent-records-title")}</a></li>
            <li><a href="/admin/sites">{move_tr!("admin-sites-title")}</a></li>
            <li><a href="/admin/recipients">{move_tr!("recipients-title")}</a></li>
            <li><a href="/admin/audit">{move_tr!("audit-log-title")}</a></li>
            <li><a href="/admin/settings">{move_tr!("admin-settings-title")}</a></li>
        }
    });
    view! {
        <p class="admin-who">
            {move || tr!("admin-signed-in-as", { "email" => email.clone(), "role" => role })}
        </p>
        <nav aria-label="admin">
            <ul class="admin-nav">
                <li><a href="/admin/documents">{move_tr!("admin-documents")}</a></li>
                {notices}
                {settings}
            </ul>
        </nav>
        <div class="admin-actions">
            <form method="post" action="/admin/sign-out">
                <input type="hidden" name="csrf" value=csrf.clone() />
                <button type="submit">{move_tr!("admin-sign-out")}</button>
            </form>
            <form method="post" action="/admin/sign-out-everywhere">
                <input type="hidden" name="csrf" value=csrf />
                <button type="submit">{move_tr!("admin-sign-out-everywhere")}</button>
            </form>
        </div>
        {audit}
    }
}

fn audit_view(entries: Vec<AuditEntry>) -> impl IntoView {
    view! {
        <section class="admin-audit" aria-labelledby="admin-audit-title">
            <h2 id="admin-audit-title">{move_tr!("admin-audit-title")}</h2>
            <AuditTable entries />
            <p><a href="/admin/audit">{move_tr!("audit-log-all")}</a></p>
        </section>
    }
}
