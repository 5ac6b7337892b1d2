//! `/admin/inventory`: admins edit the cookie inventory in the browser, in the file format of
//! `charter inventory import`. An edit is saved as a draft first (so nothing typed is lost, even
//! when it is not valid yet), reviewed against the inventory in force, and put in force only
//! once it is valid and, when it changes the consent configuration (so every visitor is asked
//! again), the admin has confirmed that. The forms post to plain endpoints
//! (`ssr::http`) answered 303, so the page works without JavaScript.

use super::InventoryChange;
use crate::{
    clock::Timestamp,
    errors::{AppError, Loaded},
};
use leptos::prelude::*;
use leptos_fluent::{move_tr, tr};
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

/// The largest inventory file the editor accepts.
pub const MAX_INVENTORY_BYTES: usize = 256 * 1024;

/// The draft being edited, and who saved it last.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryDraft {
    pub source: String,
    pub updated_at: Timestamp,
    pub updated_by: String,
}

/// What putting the draft in force would do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Review {
    /// The draft is not a valid inventory; the message says where and why.
    Invalid(String),
    /// The draft is the inventory in force (perhaps written differently).
    Unchanged,
    /// The draft gives a new configuration version: every visitor is asked again.
    Changed {
        version: String,
        changes: Vec<InventoryChange>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryEditorView {
    pub csrf_token: String,
    pub active_version: String,
    /// The draft, or the inventory in force written as a file when there is none.
    pub source: String,
    pub draft: Option<InventoryDraft>,
    /// The review of the draft; `None` without a draft.
    pub review: Option<Review>,
}

#[server(endpoint = "admin/inventory")]
pub async fn get_inventory_editor() -> Result<InventoryEditorView, AppError> {
    use crate::admin::{
        Role,
        ssr::guard::{SignedOut, require},
    };
    let session = require(Role::Admin, SignedOut::SignIn).await?;
    let state = crate::state::app_state()?;
    let active = super::ssr::active(&state.db)
        .await?
        .ok_or(AppError::Internal)?;
    let draft = ssr::draft(&state.db).await?;
    let (source, review) = match &draft {
        Some(draft) => (
            draft.source.clone(),
            Some(ssr::review(&active, &draft.source)),
        ),
        None => (
            super::ssr::to_toml(&active.inventory).map_err(|error| {
                tracing::error!(%error, "cannot write the inventory in force as a file");
                AppError::Internal
            })?,
            None,
        ),
    };
    Ok(InventoryEditorView {
        csrf_token: session.csrf_token,
        active_version: active.version,
        source,
        draft,
        review,
    })
}

#[component]
pub fn InventoryEditorPage() -> impl IntoView {
    let editor = Resource::new(|| (), |()| get_inventory_editor());
    view! {
        <Title text=tr!("inventory-editor-title") />
        <nav class="breadcrumbs"><a href="/admin">{move_tr!("admin-home-title")}</a></nav>
        <h1>{move_tr!("inventory-editor-title")}</h1>
        <Loaded resource=editor render=editor_view />
    }
}

fn short(version: &str) -> String {
    version.chars().take(12).collect()
}

/// What the inventory editor's form endpoints sent its page back with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "notice", rename_all = "kebab-case")]
pub enum InventoryNotice {
    Saved,
    /// The draft is in force as `version` (its first 12 characters).
    Activated {
        version: String,
    },
    Unchanged,
    Discarded,
    TooLarge {
        size: String,
    },
    NotConfirmed,
    DraftChanged,
    NoDraft,
    Invalid,
}

/// The notice's text, and whether it reports a refusal.
fn shown(notice: InventoryNotice) -> (String, bool) {
    match notice {
        InventoryNotice::Saved => (tr!("inventory-saved"), false),
        InventoryNotice::Activated { version } => {
            (tr!("inventory-activated", { "version" => version }), false)
        }
        InventoryNotice::Unchanged => (tr!("inventory-unchanged"), false),
        InventoryNotice::Discarded => (tr!("inventory-discarded"), false),
        InventoryNotice::TooLarge { size } => (
            tr!("inventory-error-too-large", { "size" => size, "max" => MAX_INVENTORY_BYTES }),
            true,
        ),
        InventoryNotice::NotConfirmed => (tr!("inventory-error-not-confirmed"), true),
        InventoryNotice::DraftChanged => (tr!("inventory-error-draft-changed"), true),
        InventoryNotice::NoDraft => (tr!("inventory-error-no-draft"), true),
        InventoryNotice::Invalid => (tr!("inventory-error-invalid"), true),
    }
}

fn editor_view(editor: InventoryEditorView) -> impl IntoView {
    let notice = crate::ui::notice_of::<InventoryNotice>()
        .map(shown)
        .map(|(text, error)| {
            let role = if error { "alert" } else { "status" };
            view! { <p class="admin-notice" role=role>{text}</p> }
        });
    let in_force = short(&editor.active_version);
    let draft_line = editor.draft.as_ref().map(|draft| {
        let who = draft.updated_by.clone();
        let when = draft.updated_at.rfc3339().replace('T', " ");
        view! {
            <p class="editor-hint">
                {move || tr!("inventory-draft-by", { "who" => who.clone(), "when" => when.clone() })}
            </p>
        }
    });
    let csrf = editor.csrf_token.clone();
    let review = editor
        .review
        .map(|review| review_view(review, editor.csrf_token.clone()));
    view! {
        {notice}
        <p>
            {move || tr!("inventory-in-force", { "version" => in_force.clone() })} " "
            <a href="/policies/cookies">{move_tr!("inventory-see-policy")}</a>
        </p>
        {draft_line}
        <form method="post" action="/admin/inventory/draft" class="admin-form inventory-form">
            <input type="hidden" name="csrf" value=csrf />
            <label for="inventory-source">{move_tr!("inventory-source")}</label>
            <p class="editor-hint" id="inventory-hint">{move_tr!("inventory-hint")}</p>
            <textarea
                id="inventory-source"
                name="source"
                rows="30"
                spellcheck="false"
                aria-describedby="inventory-hint"
                required
            >
                {editor.source}
            </textarea>
            <button type="submit">{move_tr!("inventory-save")}</button>
        </form>
        {review}
    }
}

fn review_view(review: Review, csrf: String) -> impl IntoView {
    let discard = {
        let csrf = csrf.clone();
        view! {
            <form method="post" action="/admin/inventory/discard" class="admin-inline-form">
                <input type="hidden" name="csrf" value=csrf />
                <button type="submit">{move_tr!("inventory-discard")}</button>
            </form>
        }
    };
    let body = match review {
        Review::Invalid(error) => view! {
            <p class="admin-notice" role="alert">
                {move || tr!("inventory-invalid", { "error" => error.clone() })}
            </p>
        }
        .into_any(),
        Review::Unchanged => view! {
            <p class="admin-notice" role="status">{move_tr!("inventory-unchanged")}</p>
        }
        .into_any(),
        Review::Changed { version, changes } => {
            let new_version = short(&version);
            view! {
                <p class="admin-notice inventory-material" role="status">
                    {move || tr!("inventory-material", { "version" => new_version.clone() })}
                </p>
                <ul class="inventory-changes">
                    {changes.into_iter().map(change_item).collect_view()}
                </ul>
                <form method="post" action="/admin/inventory/activate" class="admin-form">
                    <input type="hidden" name="csrf" value=csrf />
                    <input type="hidden" name="version" value=version />
                    <label class="admin-check">
                        <input type="checkbox" name="confirm" value="yes" required />
                        {move_tr!("inventory-confirm")}
                    </label>
                    <button type="submit">{move_tr!("inventory-activate")}</button>
                </form>
            }
            .into_any()
        }
    };
    view! {
        <section class="inventory-review" aria-labelledby="inventory-review-title">
            <h2 id="inventory-review-title">{move_tr!("inventory-review-title")}</h2>
            {body}
            {discard}
        </section>
    }
}

fn change_item(change: InventoryChange) -> impl IntoView {
    let text = move || match &change {
        InventoryChange::CategoryAdded { category } => {
            tr!("inventory-change-category-added", { "category" => category.clone() })
        }
        InventoryChange::CategoryRemoved { category } => {
            tr!("inventory-change-category-removed", { "category" => category.clone() })
        }
        InventoryChange::CategoryChanged { category, fields } => tr!(
            "inventory-change-category-changed",
            { "category" => category.clone(), "fields" => fields.join(", ") }
        ),
        InventoryChange::ServiceAdded { category, service } => tr!(
            "inventory-change-service-added",
            { "category" => category.clone(), "service" => service.clone() }
        ),
        InventoryChange::ServiceRemoved { category, service } => tr!(
            "inventory-change-service-removed",
            { "category" => category.clone(), "service" => service.clone() }
        ),
        InventoryChange::ServiceChanged {
            category,
            service,
            fields,
        } => tr!(
            "inventory-change-service-changed",
            {
                "category" => category.clone(),
                "service" => service.clone(),
                "fields" => fields.join(", ")
            }
        ),
        InventoryChange::Reordered => tr!("inventory-change-reordered"),
    };
    view! { <li>{text}</li> }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    pub mod http;

    use super::{InventoryDraft, MAX_INVENTORY_BYTES, Review};
    use crate::{
        audit::{
            AuditAction,
            ssr::{Actor, record},
        },
        clock::Timestamp,
        db::Db,
        inventory::{
            changes,
            ssr::{
                ActiveConfiguration, Imported, activate_in, active_version_in, canonical, parse,
            },
        },
    };
    use sqlx::Row;

    const OBJECT: &str = "cookie inventory";

    #[derive(Debug, thiserror::Error)]
    pub enum InventoryEditError {
        #[error("the inventory is {size} bytes; at most {MAX_INVENTORY_BYTES} are accepted")]
        TooLarge { size: usize },
        #[error("there is no draft to put in force")]
        NoDraft,
        #[error("{0}")]
        Invalid(String),
        /// The draft is not the one the admin reviewed: someone saved another since.
        #[error("the draft changed since it was reviewed")]
        DraftChanged,
        /// The draft changes the configuration, and the admin has not confirmed that everyone
        /// will be asked again.
        #[error("putting this draft in force asks every visitor again; confirm that first")]
        NotConfirmed,
        #[error(transparent)]
        Database(#[from] sqlx::Error),
    }

    pub async fn draft(db: &Db) -> Result<Option<InventoryDraft>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT d.source, d.updated_at, u.email FROM inventory_draft d
             JOIN admin_users u ON u.id = d.updated_by",
        )
        .fetch_optional(db.reader())
        .await?;
        row.map(|row| {
            Ok(InventoryDraft {
                source: row.try_get("source")?,
                updated_at: Timestamp::from_millis(row.try_get("updated_at")?),
                updated_by: row.try_get("email")?,
            })
        })
        .transpose()
    }

    /// Keeps `source` as the draft, valid or not, and records who saved it.
    pub async fn save_draft(
        db: &Db,
        actor: &Actor,
        user_id: i64,
        source: &str,
    ) -> Result<(), InventoryEditError> {
        if source.len() > MAX_INVENTORY_BYTES {
            return Err(InventoryEditError::TooLarge { size: source.len() });
        }
        let mut tx = db.begin_write().await?;
        sqlx::query(
            "INSERT INTO inventory_draft (id, source, updated_at, updated_by) VALUES (1, $1, $2, $3)
             ON CONFLICT (id) DO UPDATE
             SET source = excluded.source, updated_at = excluded.updated_at,
                 updated_by = excluded.updated_by",
        )
        .bind(source)
        .bind(Timestamp::now().as_millis())
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        let detail = format!("{} bytes", source.len());
        record(&mut tx, actor, AuditAction::DraftSaved, OBJECT, &detail).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Drops the draft; the inventory in force is untouched.
    pub async fn discard_draft(db: &Db, actor: &Actor) -> Result<(), sqlx::Error> {
        let mut tx = db.begin_write().await?;
        let removed = sqlx::query("DELETE FROM inventory_draft")
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if removed > 0 {
            record(&mut tx, actor, AuditAction::DraftDiscarded, OBJECT, "").await?;
        }
        tx.commit().await
    }

    /// What putting `source` in force instead of `active` would do.
    pub fn review(active: &ActiveConfiguration, source: &str) -> Review {
        match parse(source) {
            Err(error) => Review::Invalid(error.to_string()),
            Ok(inventory) => {
                let (_, version) = canonical(&inventory);
                if version == active.version {
                    Review::Unchanged
                } else {
                    Review::Changed {
                        changes: changes(&active.inventory, &inventory),
                        version,
                    }
                }
            }
        }
    }

    /// Puts the draft in force, if it is still the one reviewed (its configuration version is
    /// `reviewed_version`) and, when it changes the configuration, `confirmed`; the draft is
    /// removed in the same transaction.
    pub async fn put_in_force(
        db: &Db,
        actor: &Actor,
        reviewed_version: &str,
        confirmed: bool,
    ) -> Result<Imported, InventoryEditError> {
        let mut tx = db.begin_write().await?;
        let source: Option<String> = sqlx::query_scalar("SELECT source FROM inventory_draft")
            .fetch_optional(&mut *tx)
            .await?;
        let source = source.ok_or(InventoryEditError::NoDraft)?;
        let inventory =
            parse(&source).map_err(|error| InventoryEditError::Invalid(error.to_string()))?;
        let (_, version) = canonical(&inventory);
        if version != reviewed_version {
            return Err(InventoryEditError::DraftChanged);
        }
        let active = active_version_in(&mut tx).await?;
        if active.as_deref() != Some(version.as_str()) && !confirmed {
            return Err(InventoryEditError::NotConfirmed);
        }
        let imported = activate_in(&mut tx, &inventory, actor).await?;
        sqlx::query("DELETE FROM inventory_draft")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        db.content_changed();
        Ok(imported)
    }
}
