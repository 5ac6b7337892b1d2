//! Site-wide settings admins change in the browser. For now one: the notice period a material
//! revision must respect.

use crate::errors::{AppError, Loaded};
use leptos::prelude::*;
use leptos_fluent::{move_tr, tr};
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

/// What the settings form sent its page back with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "notice", rename_all = "kebab-case")]
pub enum SettingsNotice {
    Saved,
    /// `value` is not a notice period Charter allows.
    BadNoticeDays {
        value: String,
    },
}

/// Days between publishing a material revision and the earliest day it may take effect: at
/// least 14 (the floor the law and Charter's promise allow), at most 365, 30 by default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct NoticeDays(i64);

impl NoticeDays {
    pub const MIN: i64 = 14;
    pub const MAX: i64 = 365;

    pub fn get(self) -> i64 {
        self.0
    }
}

impl Default for NoticeDays {
    fn default() -> Self {
        NoticeDays(30)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the notice period must be {min} to {max} days; {0} is not", min = NoticeDays::MIN, max = NoticeDays::MAX)]
pub struct BadNoticeDays(pub String);

impl TryFrom<i64> for NoticeDays {
    type Error = BadNoticeDays;

    fn try_from(days: i64) -> Result<Self, Self::Error> {
        if (Self::MIN..=Self::MAX).contains(&days) {
            Ok(NoticeDays(days))
        } else {
            Err(BadNoticeDays(days.to_string()))
        }
    }
}

impl std::str::FromStr for NoticeDays {
    type Err = BadNoticeDays;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.trim()
            .parse::<i64>()
            .map_err(|_| BadNoticeDays(text.to_owned()))
            .and_then(NoticeDays::try_from)
    }
}

impl From<NoticeDays> for i64 {
    fn from(days: NoticeDays) -> Self {
        days.0
    }
}

/// The settings page's data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsView {
    pub notice_days: NoticeDays,
    pub csrf_token: String,
}

#[server(endpoint = "admin/settings")]
pub async fn get_settings() -> Result<SettingsView, AppError> {
    use crate::admin::{
        Role,
        ssr::guard::{SignedOut, require},
    };
    let session = require(Role::Admin, SignedOut::SignIn).await?;
    let state = crate::state::app_state()?;
    Ok(SettingsView {
        notice_days: ssr::notice_days(state.db.reader()).await?,
        csrf_token: session.csrf_token,
    })
}

/// `/admin/settings`, for admins; the form posts to `/admin/settings` (`ssr::http`).
#[component]
pub fn AdminSettingsPage() -> impl IntoView {
    let settings = Resource::new(|| (), |()| get_settings());
    view! {
        <Title text=tr!("admin-settings-title") />
        <nav class="breadcrumbs"><a href="/admin">{move_tr!("admin-home-title")}</a></nav>
        <h1>{move_tr!("admin-settings-title")}</h1>
        <Loaded resource=settings render=settings_view />
    }
}

fn settings_view(settings: SettingsView) -> impl IntoView {
    let notice = crate::ui::notice_of::<SettingsNotice>().map(|notice| match notice {
        SettingsNotice::Saved => tr!("admin-settings-saved"),
        SettingsNotice::BadNoticeDays { value } => tr!(
            "admin-settings-notice-days-invalid",
            { "value" => value, "min" => NoticeDays::MIN, "max" => NoticeDays::MAX }
        ),
    });
    view! {
        {notice.map(|text| view! { <p class="admin-notice" role="status">{text}</p> })}
        <form method="post" action="/admin/settings" class="admin-form">
            <input type="hidden" name="csrf" value=settings.csrf_token />
            <label for="admin-settings-notice-days">{move_tr!("admin-settings-notice-days")}</label>
            <input
                id="admin-settings-notice-days"
                name="notice_days"
                type="number"
                min=NoticeDays::MIN
                max=NoticeDays::MAX
                required
                value=settings.notice_days.get()
            />
            <p class="editor-hint">
                {move || {
                    tr!("admin-settings-notice-days-hint", { "min" => NoticeDays::MIN, "max" => NoticeDays::MAX })
                }}
            </p>
            <button type="submit">{move_tr!("admin-settings-save")}</button>
        </form>
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    pub mod http;

    use super::NoticeDays;
    use crate::{
        audit::{
            AuditAction,
            ssr::{Actor, record},
        },
        clock::Timestamp,
        db::Db,
    };

    const NOTICE_DAYS: &str = "notice_days";

    /// The notice period in force. A stored value outside the range (written by hand) is
    /// ignored for the default, with a warning, rather than allowing too short a notice.
    pub async fn notice_days(
        executor: impl sqlx::Executor<'_, Database = sqlx::Any>,
    ) -> Result<NoticeDays, sqlx::Error> {
        let stored: Option<String> =
            sqlx::query_scalar("SELECT value FROM settings WHERE name = $1")
                .bind(NOTICE_DAYS)
                .fetch_optional(executor)
                .await?;
        Ok(match stored.map(|value| value.parse::<NoticeDays>()) {
            Some(Ok(days)) => days,
            Some(Err(error)) => {
                tracing::warn!(%error, "stored notice period ignored");
                NoticeDays::default()
            }
            None => NoticeDays::default(),
        })
    }

    /// Sets the notice period and records who changed it from what.
    pub async fn set_notice_days(
        db: &Db,
        actor: &Actor,
        days: NoticeDays,
    ) -> Result<(), sqlx::Error> {
        let mut tx = db.begin_write().await?;
        let before = notice_days(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO settings (name, value, updated_at, updated_by) VALUES ($1, $2, $3, $4)
             ON CONFLICT (name) DO UPDATE
             SET value = excluded.value, updated_at = excluded.updated_at,
                 updated_by = excluded.updated_by",
        )
        .bind(NOTICE_DAYS)
        .bind(days.get().to_string())
        .bind(Timestamp::now().as_millis())
        .bind(actor.user_id)
        .execute(&mut *tx)
        .await?;
        let detail = format!("{} → {} days", before.get(), days.get());
        record(
            &mut tx,
            actor,
            AuditAction::SettingsChanged,
            NOTICE_DAYS,
            &detail,
        )
        .await?;
        tx.commit().await?;
        db.content_changed();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notice_periods_are_fourteen_to_365_days() {
        assert_eq!(NoticeDays::default().get(), 30);
        assert_eq!("14".parse::<NoticeDays>().map(NoticeDays::get), Ok(14));
        assert_eq!(" 365 ".parse::<NoticeDays>().map(NoticeDays::get), Ok(365));
        for bad in ["13", "366", "0", "-30", "thirty", ""] {
            assert!(bad.parse::<NoticeDays>().is_err(), "{bad:?} was accepted");
        }
    }
}
