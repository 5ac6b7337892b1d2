//! Accounts in the browser: `/admin/users`, where admins invite people, revoke invitations,
//! change roles and remove accounts, and `/admin/invitations/:token`, where an invited person
//! chooses a password. The forms post to plain endpoints (`ssr::http::users`), so they work without
//! JavaScript; an invitation's link is shown only on the answer to its form, never in an
//! address.

use super::{Account, PendingInvitation, Role};
use crate::{
    errors::{AppError, Loaded},
    ui::{DateTime, notice_of},
};
use leptos::prelude::*;
use leptos_fluent::{move_tr, tr};
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};
use strum::VariantArray;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersView {
    pub accounts: Vec<Account>,
    pub invitations: Vec<PendingInvitation>,
    /// The signed-in admin, who cannot remove themselves here.
    pub me: i64,
    pub csrf_token: String,
}

#[server(endpoint = "admin/users")]
pub async fn get_users() -> Result<UsersView, AppError> {
    use super::ssr::{
        accounts::list,
        guard::{SignedOut, require},
        invitations::pending,
    };
    let session = require(Role::Admin, SignedOut::SignIn).await?;
    let state = crate::state::app_state()?;
    Ok(UsersView {
        accounts: list(&state.db).await?,
        invitations: pending(&state.db).await?,
        me: session.user.id,
        csrf_token: session.csrf_token,
    })
}

/// A pending invitation, as its link shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    pub token: String,
    pub email: String,
    pub role: Role,
    pub expires_at: crate::clock::Timestamp,
}

#[server(endpoint = "invitation")]
pub async fn get_invitation(token: String) -> Result<InvitationView, AppError> {
    use super::ssr::invitations::{InvitationError, find};
    let state = crate::state::app_state()?;
    let invitation = find(state.db.reader(), &token)
        .await?
        .ok_or_else(|| AppError::Invalid(InvitationError::Gone.to_string()).answered())?;
    Ok(InvitationView {
        token,
        email: invitation.email.to_string(),
        role: invitation.role,
        expires_at: invitation.expires_at,
    })
}

/// What a form endpoint sent `/admin/users` back with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "notice", rename_all = "kebab-case")]
pub enum UsersNotice {
    Changed { email: String },
    Revoked { email: String },
    Removed { email: String },
    BadEmail,
    HasAccount,
    LastAdmin,
}

impl UsersNotice {
    /// Its ARIA role (a refusal is an alert) and its text.
    fn shown(self) -> (&'static str, String) {
        match self {
            UsersNotice::Changed { email } => {
                ("status", tr!("users-changed", { "email" => email }))
            }
            UsersNotice::Revoked { email } => {
                ("status", tr!("users-revoked", { "email" => email }))
            }
            UsersNotice::Removed { email } => {
                ("status", tr!("users-removed", { "email" => email }))
            }
            UsersNotice::BadEmail => ("alert", tr!("users-error-bad-email")),
            UsersNotice::HasAccount => ("alert", tr!("users-error-has-account")),
            UsersNotice::LastAdmin => ("alert", tr!("users-error-last-admin")),
        }
    }
}

/// Why accepting an invitation sent the person back to its page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "notice", rename_all = "kebab-case")]
pub enum InvitationNotice {
    Mismatch,
    TooShort,
    TooLong,
    Common,
}

impl InvitationNotice {
    fn text(self) -> String {
        match self {
            InvitationNotice::Mismatch => tr!("invitation-error-mismatch"),
            InvitationNotice::TooShort => tr!("invitation-error-too-short"),
            InvitationNotice::TooLong => tr!("invitation-error-too-long"),
            InvitationNotice::Common => tr!("invitation-error-common"),
        }
    }
}

fn role_label(role: Role) -> String {
    match role {
        Role::Editor => tr!("users-role-editor"),
        Role::Publisher => tr!("users-role-publisher"),
        Role::Admin => tr!("users-role-admin"),
    }
}

/// A role picker with `selected` chosen.
fn role_select(id: String, selected: Role) -> impl IntoView {
    let options = Role::VARIANTS
        .iter()
        .copied()
        .map(|role| {
            view! {
                <option value=role.as_str() selected=role == selected>
                    {move || role_label(role)}
                </option>
            }
        })
        .collect_view();
    view! { <select id=id name="role">{options}</select> }
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let users = Resource::new(|| (), |()| get_users());
    view! {
        <Title text=tr!("users-title") />
        <nav class="breadcrumbs"><a href="/admin">{move_tr!("admin-home-title")}</a></nav>
        <h1>{move_tr!("users-title")}</h1>
        <Loaded resource=users render=users_view />
    }
}

fn users_view(view: UsersView) -> impl IntoView {
    let notice = move || notice_of::<UsersNotice>().map(UsersNotice::shown);
    let csrf = view.csrf_token.clone();
    let invitations = invitations_section(view.invitations, view.csrf_token.clone());
    let rows = view
        .accounts
        .into_iter()
        .map(|account| {
            let user = account.user;
            let id = user.id.to_string();
            let select_id = format!("role-{id}");
            let actions = match account.removed_at {
                Some(at) => view! { <td>{move_tr!("users-removed-on")} " " <DateTime at /></td> }
                    .into_any(),
                None => {
                    let remove = (user.id != view.me).then(|| {
                        view! {
                            <form method="post" action="/admin/users/remove">
                                <input type="hidden" name="csrf" value=csrf.clone() />
                                <input type="hidden" name="user_id" value=id.clone() />
                                <button type="submit">
                                    {move_tr!("users-remove")}
                                    <span class="visually-hidden">" " {user.email.to_string()}</span>
                                </button>
                            </form>
                        }
                    });
                    view! {
                        <td>
                            <form method="post" action="/admin/users/role" class="users-role">
                                <input type="hidden" name="csrf" value=csrf.clone() />
                                <input type="hidden" name="user_id" value=id.clone() />
                                <label for=select_id.clone() class="visually-hidden">
                                    {move_tr!("users-role")} " " {user.email.to_string()}
                                </label>
                                {role_select(select_id, user.role)}
                                <button type="submit">{move_tr!("users-change-role")}</button>
                            </form>
                            {remove}
                        </td>
                    }
                    .into_any()
                }
            };
            view! {
                <tr>
                    <th scope="row">{user.email.to_string()}</th>
                    <td>{move || role_label(user.role)}</td>
                    <td><DateTime at=account.created_at /></td>
                    {actions}
                </tr>
            }
        })
        .collect_view();
    view! {
        {move || notice().map(|(role, text)| view! {
            <div class="admin-notice" role=role>
                <p>{text}</p>
            </div>
        })}
        <section aria-labelledby="users-invite-title">
            <h2 id="users-invite-title">{move_tr!("users-invite-title")}</h2>
            <form method="post" action="/admin/users/invite" class="admin-form">
                <input type="hidden" name="csrf" value=view.csrf_token.clone() />
                <label for="users-invite-email">{move_tr!("admin-email")}</label>
                <input id="users-invite-email" name="email" type="email" required />
                <label for="users-invite-role">{move_tr!("users-role")}</label>
                {role_select("users-invite-role".to_owned(), Role::Editor)}
                <button type="submit">{move_tr!("users-invite")}</button>
            </form>
        </section>
        {invitations}
        <div class="table-scroll">
            <table class="users">
                <thead>
                    <tr>
                        <th scope="col">{move_tr!("admin-email")}</th>
                        <th scope="col">{move_tr!("users-role")}</th>
                        <th scope="col">{move_tr!("users-since")}</th>
                        <th scope="col">{move_tr!("users-actions")}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// The pending invitations, each with a button that revokes it; nothing when there are none.
fn invitations_section(invitations: Vec<PendingInvitation>, csrf: String) -> impl IntoView {
    (!invitations.is_empty()).then(|| {
        let rows = invitations
            .into_iter()
            .map(|invitation| {
                let email = invitation.email.to_string();
                let by = invitation
                    .invited_by
                    .map(|email| email.to_string())
                    .unwrap_or_default();
                view! {
                    <tr>
                        <th scope="row">{email.clone()}</th>
                        <td>{move || role_label(invitation.role)}</td>
                        <td>{by}</td>
                        <td><DateTime at=invitation.expires_at /></td>
                        <td>
                            <form method="post" action="/admin/users/revoke">
                                <input type="hidden" name="csrf" value=csrf.clone() />
                                <input type="hidden" name="email" value=email.clone() />
                                <button type="submit">
                                    {move_tr!("users-revoke")}
                                    <span class="visually-hidden">" " {email}</span>
                                </button>
                            </form>
                        </td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <section aria-labelledby="users-pending-title">
                <h2 id="users-pending-title">{move_tr!("users-pending-title")}</h2>
                <div class="table-scroll">
                    <table class="users">
                        <thead>
                            <tr>
                                <th scope="col">{move_tr!("admin-email")}</th>
                                <th scope="col">{move_tr!("users-role")}</th>
                                <th scope="col">{move_tr!("users-invited-by")}</th>
                                <th scope="col">{move_tr!("users-expires")}</th>
                                <th scope="col">{move_tr!("users-actions")}</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            </section>
        }
    })
}

#[component]
pub fn InvitationPage() -> impl IntoView {
    let params = use_params_map();
    let invitation = Resource::new(
        move || params.read().get("token").unwrap_or_default(),
        get_invitation,
    );
    view! {
        <Title text=tr!("invitation-title") />
        <h1>{move_tr!("invitation-title")}</h1>
        <Loaded resource=invitation render=invitation_view />
    }
}

fn invitation_view(invitation: InvitationView) -> impl IntoView {
    let error = notice_of::<InvitationNotice>();
    let (email, role) = (invitation.email.clone(), invitation.role);
    view! {
        <p>
            {move || {
                tr!("invitation-intro", { "email" => email.clone(), "role" => role_label(role) })
            }}
            " "
            {move_tr!("invitation-expires")}
            " "
            <DateTime at=invitation.expires_at />
            "."
        </p>
        {error.map(|notice| view! { <p class="admin-notice" role="alert">{notice.text()}</p> })}
        <form method="post" action="/admin/invitations/accept" class="admin-form">
            <input type="hidden" name="token" value=invitation.token />
            <input type="email" name="email" autocomplete="username" value=invitation.email hidden />
            <label for="invitation-password">{move_tr!("invitation-password")}</label>
            <input
                id="invitation-password"
                name="password"
                type="password"
                autocomplete="new-password"
                minlength="12"
                required
            />
            <label for="invitation-password-again">{move_tr!("invitation-password-again")}</label>
            <input
                id="invitation-password-again"
                name="password_again"
                type="password"
                autocomplete="new-password"
                required
            />
            <button type="submit">{move_tr!("invitation-accept")}</button>
        </form>
    }
}
