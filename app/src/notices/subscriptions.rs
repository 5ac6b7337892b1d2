//! Public subscriptions to change notices, with double opt-in. A visitor asks at `/subscribe`
//! for notices of one document or of all; the address gets one message with a confirmation
//! link (`/subscribe/confirm/:token`), valid for 48 hours, and nothing else until it is
//! confirmed. Every notice to a subscriber carries an unsubscribe link (`/unsubscribe/:token`)
//! and the `List-Unsubscribe` headers of RFC 8058, so mail programs offer one-click
//! unsubscribing. The forms post to plain endpoints (`src/notices/subscriptions.rs`) answered
//! 303, so every step works without JavaScript.

use crate::{
    documents::use_documents,
    errors::{AppError, Loaded},
    i18n::Locale,
};
use leptos::prelude::*;
use leptos_fluent::{move_tr, tr};
use leptos_meta::{Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

/// How long a confirmation link holds.
pub const CONFIRMATION_HOURS: i64 = 48;
/// The scope of a subscription to every document.
pub const ALL_DOCUMENTS: &str = "*";

/// Where a subscription stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubscriptionState {
    /// Asked for, not confirmed yet; the link still holds.
    Pending,
    /// Asked for, but the link ran out before it was confirmed.
    Expired,
    Active,
    Unsubscribed,
}

/// A subscription as its confirmation and unsubscribe pages show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionView {
    pub email: String,
    /// The document's title, or `None` for every document.
    pub document: Option<String>,
    pub state: SubscriptionState,
}

impl SubscriptionView {
    fn scope_text(&self) -> String {
        match &self.document {
            Some(title) => tr!("subscribe-scope-one", { "document" => title.clone() }),
            None => tr!("subscribe-scope-all"),
        }
    }
}

/// The subscription that `token` opens; 404 for a token that opens none.
#[server(endpoint = "subscription")]
pub async fn get_subscription(token: String) -> Result<SubscriptionView, AppError> {
    let state = crate::state::app_state()?;
    ssr::view(
        &state.db,
        &token,
        Locale::current(),
        crate::clock::Timestamp::now(),
    )
    .await?
    .ok_or_else(|| AppError::NotFound.answered())
}

/// `/subscribe`: the form.
#[component]
pub fn SubscribePage() -> impl IntoView {
    let query = use_query_map().get_untracked();
    let notice = if query.get("sent").is_some() {
        Some(view! {
            <p class="admin-notice" role="status">
                {tr!("subscribe-sent", { "hours" => CONFIRMATION_HOURS })}
            </p>
        })
    } else {
        query.get("error").map(|error| {
            let text = match error.as_str() {
                "email" => tr!("subscribe-error-email"),
                "scope" => tr!("subscribe-error-scope"),
                _ => tr!("subscribe-error-mail"),
            };
            view! { <p class="admin-notice" role="alert">{text}</p> }
        })
    };
    view! {
        <Title text=tr!("subscribe-title") />
        <Meta name="robots" content="noindex" />
        <section class="subscribe">
            <h1>{move_tr!("subscribe-title")}</h1>
            {notice}
            <p>{move_tr!("subscribe-intro")}</p>
            <Loaded resource=use_documents() render=subscribe_form />
        </section>
    }
}

fn subscribe_form(documents: Vec<crate::documents::DocumentSummary>) -> impl IntoView {
    view! {
        <form method="post" action="/subscribe" class="admin-form subscribe-form">
            <input type="hidden" name="locale" value=Locale::current().as_str() />
            <label for="subscribe-email">{move_tr!("subscribe-email")}</label>
            <input id="subscribe-email" name="email" type="email" autocomplete="email" required />
            <fieldset>
                <legend>{move_tr!("subscribe-which")}</legend>
                <label class="admin-check">
                    <input type="radio" name="scope" value=ALL_DOCUMENTS checked />
                    {move_tr!("subscribe-scope-all")}
                </label>
                {documents
                    .into_iter()
                    .map(|document| {
                        view! {
                            <label class="admin-check">
                                <input type="radio" name="scope" value=document.slug.to_string() />
                                {document.title}
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>
            <button type="submit">{move_tr!("subscribe-submit")}</button>
        </form>
        <p class="editor-hint">{move_tr!("subscribe-privacy")}</p>
    }
}

/// The `token` of the page's address.
fn token() -> String {
    use_params_map()
        .get_untracked()
        .get("token")
        .unwrap_or_default()
}

/// `/subscribe/confirm/:token`: what the link confirms, and the button that does it (a link
/// alone must not confirm: mail scanners open links).
#[component]
pub fn ConfirmSubscriptionPage() -> impl IntoView {
    let subscription = Resource::new(token, get_subscription);
    view! {
        <Title text=tr!("subscribe-confirm-title") />
        <Meta name="robots" content="noindex" />
        <section class="subscribe">
            <h1>{move_tr!("subscribe-confirm-title")}</h1>
            <Loaded resource=subscription render=confirm_view />
        </section>
    }
}

fn confirm_view(subscription: SubscriptionView) -> impl IntoView {
    let scope = subscription.scope_text();
    let email = subscription.email.clone();
    match subscription.state {
        SubscriptionState::Pending => view! {
            <p>{tr!("subscribe-confirm-ask", { "email" => email, "scope" => scope })}</p>
            <form method="post" action="/subscribe/confirm" class="admin-form">
                <input type="hidden" name="token" value=token() />
                <button type="submit">{move_tr!("subscribe-confirm-button")}</button>
            </form>
        }
        .into_any(),
        SubscriptionState::Active => view! {
            <p class="admin-notice" role="status">
                {tr!("subscribe-confirmed", { "email" => email, "scope" => scope })}
            </p>
            <p><a href=format!("/unsubscribe/{}", token())>{move_tr!("subscribe-unsubscribe-link")}</a></p>
        }
        .into_any(),
        SubscriptionState::Expired => view! {
            <p class="admin-notice" role="alert">
                {tr!("subscribe-expired", { "hours" => CONFIRMATION_HOURS })}
            </p>
            <p><a href="/subscribe">{move_tr!("subscribe-again")}</a></p>
        }
        .into_any(),
        SubscriptionState::Unsubscribed => unsubscribed_view(email, scope).into_any(),
    }
}

fn unsubscribed_view(email: String, scope: String) -> impl IntoView {
    view! {
        <p class="admin-notice" role="status">
            {tr!("subscribe-unsubscribed", { "email" => email, "scope" => scope })}
        </p>
        <p><a href="/subscribe">{move_tr!("subscribe-again")}</a></p>
    }
}

/// `/unsubscribe/:token`: the button that ends the subscription. Mail programs skip this page
/// and post `List-Unsubscribe=One-Click` to the same address (RFC 8058).
#[component]
pub fn UnsubscribePage() -> impl IntoView {
    let subscription = Resource::new(token, get_subscription);
    view! {
        <Title text=tr!("subscribe-unsubscribe-title") />
        <Meta name="robots" content="noindex" />
        <section class="subscribe">
            <h1>{move_tr!("subscribe-unsubscribe-title")}</h1>
            <Loaded resource=subscription render=unsubscribe_view />
        </section>
    }
}

fn unsubscribe_view(subscription: SubscriptionView) -> impl IntoView {
    let scope = subscription.scope_text();
    let email = subscription.email.clone();
    match subscription.state {
        SubscriptionState::Active | SubscriptionState::Pending => view! {
            <p>{tr!("subscribe-unsubscribe-ask", { "email" => email, "scope" => scope })}</p>
            <form method="post" action=format!("/unsubscribe/{}", token()) class="admin-form">
                <button type="submit">{move_tr!("subscribe-unsubscribe-button")}</button>
            </form>
        }
        .into_any(),
        SubscriptionState::Expired | SubscriptionState::Unsubscribed => {
            unsubscribed_view(email, scope).into_any()
        }
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{ALL_DOCUMENTS, CONFIRMATION_HOURS, SubscriptionState, SubscriptionView};
    use crate::{
        admin::Email,
        clock::Timestamp,
        db::{Db, decode_error},
        documents::{Slug, ssr::find},
        i18n::Locale,
    };

    /// A confirmation is mailed again for the same address at most this often, so the form
    /// cannot be used to flood someone's inbox.
    pub const CONFIRMATION_RESEND_MINUTES: i64 = 10;

    const HOUR_MS: i64 = 3_600_000;

    /// What a visitor asked for: notices of one document, or of all.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub enum Scope {
        All,
        Document(Slug),
    }

    impl Scope {
        pub fn parse(text: &str) -> Result<Self, crate::documents::SlugError> {
            if text == ALL_DOCUMENTS {
                Ok(Scope::All)
            } else {
                text.parse().map(Scope::Document)
            }
        }

        fn as_str(&self) -> &str {
            match self {
                Scope::All => ALL_DOCUMENTS,
                Scope::Document(slug) => slug.as_str(),
            }
        }
    }

    /// A confirmation to mail: to whom, in which language, for what, with which link token.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct Confirmation {
        pub email: String,
        pub locale: Locale,
        /// The document's title, `None` for every document.
        pub document: Option<String>,
        pub token: String,
    }

    #[derive(Debug, thiserror::Error)]
    pub enum SubscribeError {
        #[error("there is no document `{0}`")]
        UnknownDocument(String),
        #[error(transparent)]
        Database(#[from] sqlx::Error),
    }

    /// A subscription as `request` finds it.
    #[derive(sqlx::FromRow)]
    struct StoredRequest {
        id: i64,
        token: String,
        requested_at: i64,
        confirmation_sent_at: Option<i64>,
        confirmed_at: Option<i64>,
        unsubscribed_at: Option<i64>,
    }

    impl StoredRequest {
        fn is_active(&self) -> bool {
            self.confirmed_at.is_some() && self.unsubscribed_at.is_none()
        }

        /// Asked for, unconfirmed, and its link still holds.
        fn is_pending(&self, now_ms: i64) -> bool {
            self.confirmed_at.is_none()
                && self.unsubscribed_at.is_none()
                && now_ms - self.requested_at < CONFIRMATION_HOURS * HOUR_MS
        }

        fn was_mailed_within(&self, now_ms: i64, minutes: i64) -> bool {
            self.is_pending(now_ms)
                && self
                    .confirmation_sent_at
                    .is_some_and(|sent| now_ms - sent < minutes * 60_000)
        }
    }

    fn new_token() -> Result<String, sqlx::Error> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|e| decode_error("random token", e))?;
        Ok(hex::encode(bytes))
    }

    /// Records a request to subscribe and says which confirmation to mail, if any: none for an
    /// address already subscribed to this scope (it gets nothing it did not ask for) or one
    /// mailed a confirmation in the last few minutes. A request after an unsubscription or
    /// an expired link starts afresh.
    pub async fn request(
        db: &Db,
        email: &Email,
        scope: &Scope,
        locale: Locale,
        now: Timestamp,
    ) -> Result<Option<Confirmation>, SubscribeError> {
        let document = match scope {
            Scope::All => None,
            Scope::Document(slug) => Some(
                title(db, slug, locale)
                    .await?
                    .ok_or_else(|| SubscribeError::UnknownDocument(slug.to_string()))?,
            ),
        };
        let now_ms = now.as_millis();
        let mut tx = db.writer().begin().await?;
        let existing: Option<StoredRequest> = sqlx::query_as(
            "SELECT id, token, requested_at, confirmation_sent_at, confirmed_at, unsubscribed_at
             FROM notice_subscriptions WHERE email = $1 AND scope = $2",
        )
        .bind(email.as_str())
        .bind(scope.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let token = match existing {
            None => {
                let token = new_token()?;
                sqlx::query(
                    "INSERT INTO notice_subscriptions
                         (email, scope, locale, token, requested_at, confirmation_sent_at)
                     VALUES ($1, $2, $3, $4, $5, $5)",
                )
                .bind(email.as_str())
                .bind(scope.as_str())
                .bind(locale.as_str())
                .bind(&token)
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
                Some(token)
            }
            Some(stored) if stored.is_active() => None,
            Some(stored) if stored.was_mailed_within(now_ms, CONFIRMATION_RESEND_MINUTES) => None,
            Some(stored) => {
                // A pending request whose link still holds keeps its token, so the first
                // message's link keeps working; anything else starts afresh.
                let token = if stored.is_pending(now_ms) {
                    stored.token
                } else {
                    new_token()?
                };
                sqlx::query(
                    "UPDATE notice_subscriptions
                     SET locale = $1, token = $2, requested_at = $3, confirmation_sent_at = $3,
                         confirmed_at = NULL, unsubscribed_at = NULL
                     WHERE id = $4",
                )
                .bind(locale.as_str())
                .bind(&token)
                .bind(now_ms)
                .bind(stored.id)
                .execute(&mut *tx)
                .await?;
                Some(token)
            }
        };
        tx.commit().await?;
        Ok(token.map(|token| Confirmation {
            email: email.as_str().to_owned(),
            locale,
            document,
            token,
        }))
    }

    async fn title(db: &Db, slug: &Slug, locale: Locale) -> Result<Option<String>, sqlx::Error> {
        Ok(find(db, slug, locale).await?.map(|document| document.title))
    }

    #[derive(sqlx::FromRow)]
    struct StoredSubscription {
        email: String,
        scope: String,
        requested_at: i64,
        confirmed_at: Option<i64>,
        unsubscribed_at: Option<i64>,
    }

    /// The subscription `token` opens, as of `now`, its document titled in `locale`.
    pub async fn view(
        db: &Db,
        token: &str,
        locale: Locale,
        now: Timestamp,
    ) -> Result<Option<SubscriptionView>, sqlx::Error> {
        let row: Option<StoredSubscription> = sqlx::query_as(
            "SELECT email, scope, requested_at, confirmed_at, unsubscribed_at
             FROM notice_subscriptions WHERE token = $1",
        )
        .bind(token)
        .fetch_optional(db.reader())
        .await?;
        let Some(StoredSubscription {
            email,
            scope,
            requested_at,
            confirmed_at,
            unsubscribed_at,
        }) = row
        else {
            return Ok(None);
        };
        let document = match Scope::parse(&scope) {
            Ok(Scope::Document(slug)) => title(db, &slug, locale).await?,
            _ => None,
        };
        let state = match (confirmed_at, unsubscribed_at) {
            (_, Some(_)) => SubscriptionState::Unsubscribed,
            (Some(_), None) => SubscriptionState::Active,
            (None, None) if now.as_millis() - requested_at < CONFIRMATION_HOURS * HOUR_MS => {
                SubscriptionState::Pending
            }
            (None, None) => SubscriptionState::Expired,
        };
        Ok(Some(SubscriptionView {
            email,
            document,
            state,
        }))
    }

    /// Forgets that the confirmation for `token` was mailed, when mailing it failed, so asking
    /// again at once is not refused as too soon.
    pub async fn forget_confirmation(db: &Db, token: &str) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE notice_subscriptions SET confirmation_sent_at = NULL WHERE token = $1")
            .bind(token)
            .execute(db.writer())
            .await?;
        Ok(())
    }

    /// What confirming or unsubscribing did.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Change {
        Done,
        /// It already was so; nothing changed.
        AlreadyDone,
        /// The confirmation link ran out.
        Expired,
        /// No subscription has this token.
        Unknown,
    }

    /// Confirms the subscription `token` opens, while its link holds.
    pub async fn confirm(db: &Db, token: &str, now: Timestamp) -> Result<Change, sqlx::Error> {
        let now_ms = now.as_millis();
        let confirmed = sqlx::query(
            "UPDATE notice_subscriptions SET confirmed_at = $1
             WHERE token = $2 AND confirmed_at IS NULL AND unsubscribed_at IS NULL
               AND requested_at > $3",
        )
        .bind(now_ms)
        .bind(token)
        .bind(now_ms - CONFIRMATION_HOURS * HOUR_MS)
        .execute(db.writer())
        .await?
        .rows_affected();
        if confirmed == 1 {
            return Ok(Change::Done);
        }
        Ok(
            match view(db, token, Locale::default(), now)
                .await?
                .map(|v| v.state)
            {
                None => Change::Unknown,
                Some(SubscriptionState::Active) => Change::AlreadyDone,
                Some(_) => Change::Expired,
            },
        )
    }

    /// Ends the subscription `token` opens (confirmed or not).
    pub async fn unsubscribe(db: &Db, token: &str, now: Timestamp) -> Result<Change, sqlx::Error> {
        let ended = sqlx::query(
            "UPDATE notice_subscriptions SET unsubscribed_at = $1
             WHERE token = $2 AND unsubscribed_at IS NULL",
        )
        .bind(now.as_millis())
        .bind(token)
        .execute(db.writer())
        .await?
        .rows_affected();
        if ended == 1 {
            return Ok(Change::Done);
        }
        let known: Option<i64> =
            sqlx::query_scalar("SELECT id FROM notice_subscriptions WHERE token = $1")
                .bind(token)
                .fetch_optional(db.reader())
                .await?;
        Ok(if known.is_some() {
            Change::AlreadyDone
        } else {
            Change::Unknown
        })
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn scopes_are_all_or_a_valid_slug() {
            assert_eq!(
                Scope::parse("*").map(|s| s.as_str().to_owned()),
                Ok("*".to_owned())
            );
            assert_eq!(
                Scope::parse("privacy").map(|s| s.as_str().to_owned()),
                Ok("privacy".to_owned())
            );
            assert!(Scope::parse("Not A Slug").is_err());
        }

        #[test]
        fn tokens_are_32_hex_digits_and_differ() {
            let (a, b) = (new_token().expect("random"), new_token().expect("random"));
            assert_eq!(a.len(), 32);
            assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
            assert_ne!(a, b);
        }
    }
}
