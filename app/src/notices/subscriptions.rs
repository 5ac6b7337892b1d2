//! Public subscriptions to change notices, with double opt-in. A visitor asks at `/subscribe`
//! for notices of one document or of all; the address gets one message with a confirmation
//! link (`/subscribe/confirm/:token`), valid for 48 hours, and nothing else until it is
//! confirmed. Every notice to a subscriber carries an unsubscribe link (`/unsubscribe/:token`)
//! and the `List-Unsubscribe` headers of RFC 8058, so mail programs offer one-click
//! unsubscribing. Each link has its own random token for its one purpose, and the database
//! keeps only the tokens' SHA-256, so a copy of it opens no subscription. The confirmation is
//! queued in the notice outbox, so asking takes the same steps whatever the address's state,
//! and requests are limited per client network and overall per hour. The forms post to plain
//! endpoints (`ssr::http`) answered 303, so every step works without
//! JavaScript.

use crate::{
    documents::use_documents,
    errors::{AppError, Loaded},
    i18n::Locale,
};
use leptos::prelude::*;
use leptos_fluent::{move_tr, tr};
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

/// How long a confirmation link holds.
pub const CONFIRMATION_HOURS: i64 = 48;
/// The scope of a subscription to every document.
pub const ALL_DOCUMENTS: &str = "*";

/// What a link's token may do: each link has its own token, good for one purpose only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "lowercase")]
pub enum LinkPurpose {
    /// The link in the confirmation message.
    Confirm,
    /// The link in every notice to a subscriber.
    Unsubscribe,
}

impl LinkPurpose {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

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

/// The subscription that the confirmation link `token` opens; 404 for a token that opens none
/// (an unsubscribe token included).
#[server(endpoint = "subscription")]
pub async fn get_confirmation(token: String) -> Result<SubscriptionView, AppError> {
    opened_by(token, LinkPurpose::Confirm).await
}

/// The subscription that the unsubscribe link `token` opens; 404 for a token that opens none
/// (a confirmation token included).
#[server(endpoint = "subscription-unsubscribe")]
pub async fn get_unsubscription(token: String) -> Result<SubscriptionView, AppError> {
    opened_by(token, LinkPurpose::Unsubscribe).await
}

#[cfg(feature = "ssr")]
async fn opened_by(token: String, purpose: LinkPurpose) -> Result<SubscriptionView, AppError> {
    let state = crate::state::app_state()?;
    ssr::view(
        &state.db,
        &token,
        purpose,
        Locale::current(),
        crate::clock::Timestamp::now(),
    )
    .await?
    .ok_or_else(|| AppError::NotFound.answered())
}

/// What the subscription form sent `/subscribe` back with. `Sent` whatever the address's
/// state, so the form does not tell strangers who subscribes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "notice", rename_all = "kebab-case")]
pub enum SubscribeNotice {
    Sent,
    BadEmail,
    BadScope,
}

/// `/subscribe`: the form.
#[component]
pub fn SubscribePage() -> impl IntoView {
    let notice = crate::ui::notice_of::<SubscribeNotice>().map(|notice| {
        let (role, text) = match notice {
            SubscribeNotice::Sent => (
                "status",
                tr!("subscribe-sent", { "hours" => CONFIRMATION_HOURS }),
            ),
            SubscribeNotice::BadEmail => ("alert", tr!("subscribe-error-email")),
            SubscribeNotice::BadScope => ("alert", tr!("subscribe-error-scope")),
        };
        view! { <p class="admin-notice" role=role>{text}</p> }
    });
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
    let subscription = Resource::new(token, get_confirmation);
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
    let subscription = Resource::new(token, get_unsubscription);
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
    pub mod http;

    use super::{
        ALL_DOCUMENTS, CONFIRMATION_HOURS, LinkPurpose, SubscriptionState, SubscriptionView,
    };
    use crate::{
        admin::Email,
        clock::Timestamp,
        db::{Db, decode_error},
        documents::{Slug, ssr::find},
        i18n::Locale,
    };
    use sha2::{Digest, Sha256};

    /// A confirmation is mailed again for the same address at most this often, so the form
    /// cannot be used to flood someone's inbox.
    pub const CONFIRMATION_RESEND_MINUTES: i64 = 10;
    /// Subscription requests one client network (IPv4 /24, IPv6 /48) may make per clock hour:
    /// enough for a household or an office, too few to mail strangers in bulk.
    pub const REQUESTS_PER_NETWORK_PER_HOUR: i64 = 5;
    /// Subscription requests everyone together may make per clock hour, so that many networks
    /// at once cannot turn the site into a mailer either.
    pub const REQUESTS_PER_HOUR: i64 = 500;
    /// The bucket of [`REQUESTS_PER_HOUR`] among the per-network counts.
    const EVERYONE: &str = "*";

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
        /// Too many requests this hour from the visitor's network or from everyone.
        #[error("too many subscription requests; try again in {retry_after_secs} s")]
        Limited { retry_after_secs: i64 },
        #[error(transparent)]
        Database(#[from] sqlx::Error),
    }

    /// A new random link token: 32 hex digits.
    pub fn new_token() -> Result<String, sqlx::Error> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|e| decode_error("random token", e))?;
        Ok(hex::encode(bytes))
    }

    /// What the database keeps of a token: its SHA-256, in hex. Tokens are 128 random bits, so
    /// a plain hash suffices; nothing can be guessed from it.
    pub fn token_hash(token: &str) -> String {
        hex::encode(Sha256::digest(token.as_bytes()))
    }

    /// Makes a token for `purpose` on the subscription `subscription_id` and stores its hash;
    /// returns the token, which only the message it is made for will carry.
    pub async fn mint_token<'e>(
        executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
        subscription_id: i64,
        purpose: LinkPurpose,
        now: Timestamp,
    ) -> Result<String, sqlx::Error> {
        let token = new_token()?;
        sqlx::query(
            "INSERT INTO notice_subscription_tokens (hash, subscription_id, purpose, created_at)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash(&token))
        .bind(subscription_id)
        .bind(purpose.as_str())
        .bind(now.as_millis())
        .execute(executor)
        .await?;
        Ok(token)
    }

    /// Hashes the plain tokens that migration 0012 set aside (links mailed before tokens were
    /// hashed), so those links keep working, and forgets the plain ones. Runs after every
    /// migration; once done, it finds nothing.
    pub async fn hash_legacy_tokens(db: &Db) -> Result<(), sqlx::Error> {
        let mut tx = db.begin_write().await?;
        let legacy: Vec<(i64, String, String, i64)> = sqlx::query_as(
            "SELECT subscription_id, purpose, token, created_at
             FROM notice_subscription_legacy_tokens",
        )
        .fetch_all(&mut *tx)
        .await?;
        if legacy.is_empty() {
            return Ok(());
        }
        for (subscription_id, purpose, token, created_at) in &legacy {
            sqlx::query(
                "INSERT INTO notice_subscription_tokens
                     (hash, subscription_id, purpose, created_at)
                 VALUES ($1, $2, $3, $4) ON CONFLICT (hash) DO NOTHING",
            )
            .bind(token_hash(token))
            .bind(subscription_id)
            .bind(purpose)
            .bind(created_at)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("DELETE FROM notice_subscription_legacy_tokens")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(
            tokens = legacy.len(),
            "subscription link tokens from before 0012 hashed"
        );
        Ok(())
    }

    /// Counts a request from `network` this hour, and from everyone; past the limits, says
    /// when the hour ends.
    async fn count_request(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        network: &str,
        now: Timestamp,
    ) -> Result<(), SubscribeError> {
        let hour = now.as_millis().div_euclid(HOUR_MS);
        sqlx::query("DELETE FROM notice_subscription_requests WHERE hour < $1")
            .bind(hour)
            .execute(&mut **tx)
            .await?;
        let mut over = false;
        for (bucket, limit) in [
            (network, REQUESTS_PER_NETWORK_PER_HOUR),
            (EVERYONE, REQUESTS_PER_HOUR),
        ] {
            let requests: i64 = sqlx::query_scalar(
                "INSERT INTO notice_subscription_requests (bucket, hour, requests)
                 VALUES ($1, $2, 1)
                 ON CONFLICT (bucket, hour) DO UPDATE
                 SET requests = notice_subscription_requests.requests + 1
                 RETURNING requests",
            )
            .bind(bucket)
            .bind(hour)
            .fetch_one(&mut **tx)
            .await?;
            over |= requests > limit;
        }
        if over {
            let retry_after_ms = (hour + 1) * HOUR_MS - now.as_millis();
            return Err(SubscribeError::Limited {
                retry_after_secs: (retry_after_ms + 999) / 1000,
            });
        }
        Ok(())
    }

    /// Records a request to subscribe from `network` and queues its confirmation message in
    /// the notice outbox, unless the address is already subscribed to this scope (it gets
    /// nothing it did not ask for) or was mailed a confirmation in the last few minutes. A
    /// request after an unsubscription or an expired link starts afresh. Whatever the
    /// address's state, the same statements run and nothing is sent here, so neither the
    /// answer nor its time tells a stranger who subscribes.
    pub async fn request(
        db: &Db,
        email: &Email,
        scope: &Scope,
        locale: Locale,
        network: &str,
        now: Timestamp,
    ) -> Result<(), SubscribeError> {
        if let Scope::Document(slug) = scope
            && title(db, slug, locale).await?.is_none()
        {
            return Err(SubscribeError::UnknownDocument(slug.to_string()));
        }
        let now_ms = now.as_millis();
        let mut tx = db.begin_write().await?;
        // Over the limit, the transaction is dropped: nothing is recorded or mailed.
        count_request(&mut tx, network, now).await?;
        // The existing row's state decides each column (the right-hand sides read the row as
        // it was): active or mailed a moment ago, nothing changes; pending, it is mailed again
        // in the new language; otherwise it starts afresh. It is mailed exactly when
        // `confirmation_sent_at` comes back as `now`.
        let pending = "(notice_subscriptions.confirmed_at IS NULL
                        AND notice_subscriptions.unsubscribed_at IS NULL
                        AND notice_subscriptions.requested_at > $6)";
        let active = "(notice_subscriptions.confirmed_at IS NOT NULL
                       AND notice_subscriptions.unsubscribed_at IS NULL)";
        let quiet = format!(
            "({active} OR ({pending}
                                AND notice_subscriptions.confirmation_sent_at > $5))"
        );
        let kept = format!("({active} OR {pending})");
        let sql = format!(
            "INSERT INTO notice_subscriptions
                 (email, scope, locale, requested_at, confirmation_sent_at)
             VALUES ($1, $2, $3, $4, $4)
             ON CONFLICT (email, scope) DO UPDATE SET
                 locale = CASE WHEN {quiet} THEN notice_subscriptions.locale
                               ELSE excluded.locale END,
                 confirmation_sent_at = CASE WHEN {quiet}
                                             THEN notice_subscriptions.confirmation_sent_at
                                             ELSE excluded.confirmation_sent_at END,
                 requested_at = CASE WHEN {kept} THEN notice_subscriptions.requested_at
                                     ELSE excluded.requested_at END,
                 confirmed_at = CASE WHEN {kept} THEN notice_subscriptions.confirmed_at
                                     ELSE NULL END,
                 unsubscribed_at = CASE WHEN {kept} THEN notice_subscriptions.unsubscribed_at
                                        ELSE NULL END
             RETURNING id, confirmation_sent_at"
        );
        let (id, sent_at): (i64, Option<i64>) = sqlx::query_as(&sql)
            .bind(email.as_str())
            .bind(scope.as_str())
            .bind(locale.as_str())
            .bind(now_ms)
            .bind(now_ms - CONFIRMATION_RESEND_MINUTES * 60_000)
            .bind(now_ms - CONFIRMATION_HOURS * HOUR_MS)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO notice_outbox (subscription_id, next_attempt_at)
             SELECT $1, $2 WHERE $3 = $2",
        )
        .bind(id)
        .bind(now_ms)
        .bind(sent_at.unwrap_or_default())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn title(
        db: &Db,
        slug: &Slug,
        locale: Locale,
    ) -> Result<Option<String>, sqlx::Error> {
        Ok(find(db, slug, locale).await?.map(|document| document.title))
    }

    #[derive(sqlx::FromRow)]
    struct StoredSubscription {
        id: i64,
        email: String,
        scope: String,
        requested_at: i64,
        confirmed_at: Option<i64>,
        unsubscribed_at: Option<i64>,
        token_created_at: i64,
    }

    impl StoredSubscription {
        fn state(&self, now: Timestamp) -> SubscriptionState {
            match (self.confirmed_at, self.unsubscribed_at) {
                (_, Some(_)) => SubscriptionState::Unsubscribed,
                (Some(_), None) => SubscriptionState::Active,
                // A confirmation token holds for the request it was made for, for 48 hours.
                (None, None)
                    if self.token_created_at >= self.requested_at
                        && now.as_millis() - self.token_created_at
                            < CONFIRMATION_HOURS * HOUR_MS =>
                {
                    SubscriptionState::Pending
                }
                (None, None) => SubscriptionState::Expired,
            }
        }
    }

    /// The subscription that the `purpose` link `token` opens.
    async fn opened(
        db: &Db,
        token: &str,
        purpose: LinkPurpose,
    ) -> Result<Option<StoredSubscription>, sqlx::Error> {
        sqlx::query_as(
            "SELECT s.id, s.email, s.scope, s.requested_at, s.confirmed_at, s.unsubscribed_at,
                    t.created_at AS token_created_at
             FROM notice_subscription_tokens t
             JOIN notice_subscriptions s ON s.id = t.subscription_id
             WHERE t.hash = $1 AND t.purpose = $2",
        )
        .bind(token_hash(token))
        .bind(purpose.as_str())
        .fetch_optional(db.reader())
        .await
    }

    /// The subscription that the `purpose` link `token` opens, as of `now`, its document
    /// titled in `locale`.
    pub async fn view(
        db: &Db,
        token: &str,
        purpose: LinkPurpose,
        locale: Locale,
        now: Timestamp,
    ) -> Result<Option<SubscriptionView>, sqlx::Error> {
        let Some(stored) = opened(db, token, purpose).await? else {
            return Ok(None);
        };
        let document = match Scope::parse(&stored.scope) {
            Ok(Scope::Document(slug)) => title(db, &slug, locale).await?,
            _ => None,
        };
        Ok(Some(SubscriptionView {
            state: stored.state(now),
            email: stored.email,
            document,
        }))
    }

    /// What confirming or unsubscribing did.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Change {
        Done,
        /// It already was so; nothing changed.
        AlreadyDone,
        /// The confirmation link ran out.
        Expired,
        /// No subscription has this token for this purpose.
        Unknown,
    }

    /// Confirms the subscription that the confirmation link `token` opens, while it holds.
    pub async fn confirm(db: &Db, token: &str, now: Timestamp) -> Result<Change, sqlx::Error> {
        let Some(stored) = opened(db, token, LinkPurpose::Confirm).await? else {
            return Ok(Change::Unknown);
        };
        match stored.state(now) {
            SubscriptionState::Pending => {}
            SubscriptionState::Active => return Ok(Change::AlreadyDone),
            SubscriptionState::Expired | SubscriptionState::Unsubscribed => {
                return Ok(Change::Expired);
            }
        }
        // The conditions again, in case an unsubscription or a fresh request came between.
        let confirmed = sqlx::query(
            "UPDATE notice_subscriptions SET confirmed_at = $1
             WHERE id = $2 AND confirmed_at IS NULL AND unsubscribed_at IS NULL
               AND requested_at <= $3",
        )
        .bind(now.as_millis())
        .bind(stored.id)
        .bind(stored.token_created_at)
        .execute(db.writer())
        .await?
        .rows_affected();
        Ok(if confirmed == 1 {
            Change::Done
        } else {
            Change::Expired
        })
    }

    /// Ends the subscription that the unsubscribe link `token` opens.
    pub async fn unsubscribe(db: &Db, token: &str, now: Timestamp) -> Result<Change, sqlx::Error> {
        let Some(stored) = opened(db, token, LinkPurpose::Unsubscribe).await? else {
            return Ok(Change::Unknown);
        };
        let ended = sqlx::query(
            "UPDATE notice_subscriptions SET unsubscribed_at = $1
             WHERE id = $2 AND unsubscribed_at IS NULL",
        )
        .bind(now.as_millis())
        .bind(stored.id)
        .execute(db.writer())
        .await?
        .rows_affected();
        Ok(if ended == 1 {
            Change::Done
        } else {
            Change::AlreadyDone
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

        #[test]
        fn only_the_sha256_of_a_token_is_kept() {
            let hash = token_hash("0123456789abcdef0123456789abcdef");
            assert_eq!(hash.len(), 64);
            assert!(!hash.contains("0123456789abcdef0123456789abcdef"));
            assert_eq!(
                token_hash("abc"),
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
            );
        }
    }
}
