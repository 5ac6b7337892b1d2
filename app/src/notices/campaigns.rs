//! `/admin/notices`: who has been told. Publishers see every notice campaign (one per material
//! revision) with how many of its messages are queued, sent and failed, and per campaign each
//! recipient's state, attempts and the server's last reply; they can queue the failed messages
//! again (`/admin/notices/retry`, `super::ssr::http`), which the audit log records.

use crate::{
    clock::Timestamp,
    errors::{AppError, Loaded},
    ui::Instant,
};
use leptos::prelude::*;
use leptos_fluent::{move_tr, tr};
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};
use strum::VariantArray;

/// Where one message stands.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::VariantArray,
    strum::EnumString,
    strum::Display,
)]
#[strum(serialize_all = "lowercase", parse_err_ty = UnknownDeliveryState, parse_err_fn = UnknownDeliveryState::of)]
pub enum DeliveryState {
    Queued,
    Sending,
    Sent,
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown delivery state `{0}`; use queued, sending, sent or failed")]
pub struct UnknownDeliveryState(String);

impl UnknownDeliveryState {
    fn of(text: &str) -> Self {
        UnknownDeliveryState(text.to_owned())
    }
}

/// A campaign and how far its delivery has got.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignSummary {
    pub id: i64,
    pub slug: String,
    pub document_title: String,
    pub locale: String,
    pub number: i64,
    pub effective_at: Timestamp,
    pub created_at: Timestamp,
    /// Waiting or being sent right now.
    pub queued: i64,
    pub sent: i64,
    pub failed: i64,
}

impl CampaignSummary {
    /// `Privacy Policy (en, 4)`: the document, the language and number of the revision.
    fn label(&self) -> String {
        format!("{} ({}, {})", self.document_title, self.locale, self.number)
    }
}

/// One recipient's or subscriber's message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub email: String,
    pub name: String,
    pub locale: String,
    pub state: DeliveryState,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub sent_at: Option<Timestamp>,
    /// When a queued message is tried (again).
    pub next_attempt_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignView {
    pub csrf_token: String,
    pub campaign: CampaignSummary,
    pub deliveries: Vec<Delivery>,
    /// The `after` of the next page, when there is one.
    pub next: Option<String>,
}

/// How many campaigns the list shows, newest first.
pub const CAMPAIGNS_SHOWN: i64 = 100;
/// How many recipients one page of a campaign shows.
pub const DELIVERIES_PAGE_SIZE: i64 = 200;

#[server(endpoint = "admin/notices")]
pub async fn get_campaigns() -> Result<Vec<CampaignSummary>, AppError> {
    use crate::admin::{
        Role,
        ssr::guard::{SignedOut, require},
    };
    require(Role::Publisher, SignedOut::SignIn).await?;
    let state = crate::state::app_state()?;
    Ok(ssr::campaigns(&state.db, None, CAMPAIGNS_SHOWN).await?)
}

/// One campaign with a page of its recipients, optionally only those in `state`, by address
/// from after `after`.
#[server(endpoint = "admin/notice-campaign")]
pub async fn get_campaign(id: i64, state: String, after: String) -> Result<CampaignView, AppError> {
    use crate::admin::{
        Role,
        ssr::guard::{SignedOut, require},
    };
    let session = require(Role::Publisher, SignedOut::SignIn).await?;
    let filter = match state.as_str() {
        "" => None,
        text => Some(
            text.parse::<DeliveryState>()
                .map_err(|e| AppError::Invalid(e.to_string()).answered())?,
        ),
    };
    let app = crate::state::app_state()?;
    let campaign = ssr::campaigns(&app.db, Some(id), 1)
        .await?
        .pop()
        .ok_or_else(|| AppError::NotFound.answered())?;
    let after = (!after.is_empty()).then_some(after.as_str());
    let mut deliveries =
        ssr::deliveries(&app.db, id, filter, after, DELIVERIES_PAGE_SIZE + 1).await?;
    let next = (deliveries.len() as i64 > DELIVERIES_PAGE_SIZE).then(|| {
        deliveries.truncate(DELIVERIES_PAGE_SIZE as usize);
        deliveries
            .last()
            .map(|delivery| delivery.email.clone())
            .unwrap_or_default()
    });
    Ok(CampaignView {
        csrf_token: session.csrf_token,
        campaign,
        deliveries,
        next,
    })
}

fn day(at: Timestamp) -> String {
    at.rfc3339().chars().take(10).collect()
}

/// `/admin/notices`, for publishers and admins.
#[component]
pub fn CampaignsPage() -> impl IntoView {
    let campaigns = Resource::new(|| (), |()| get_campaigns());
    view! {
        <Title text=tr!("notices-title") />
        <nav class="breadcrumbs"><a href="/admin">{move_tr!("admin-home-title")}</a></nav>
        <h1>{move_tr!("notices-title")}</h1>
        <p>{move_tr!("notices-intro")}</p>
        <Loaded resource=campaigns render=campaigns_view />
    }
}

fn campaigns_view(campaigns: Vec<CampaignSummary>) -> impl IntoView {
    if campaigns.is_empty() {
        return view! { <p class="admin-notice" role="status">{move_tr!("notices-none")}</p> }
            .into_any();
    }
    view! {
        <table class="admin-audit-table notices-campaigns">
            <thead>
                <tr>
                    <th scope="col">{move_tr!("notices-document")}</th>
                    <th scope="col">{move_tr!("notices-effective")}</th>
                    <th scope="col">{move_tr!("notices-queued-at")}</th>
                    <th scope="col">{move_tr!("notices-state-queued")}</th>
                    <th scope="col">{move_tr!("notices-state-sent")}</th>
                    <th scope="col">{move_tr!("notices-state-failed")}</th>
                </tr>
            </thead>
            <tbody>
                {campaigns
                    .into_iter()
                    .map(|campaign| {
                        let href = format!("/admin/notices/{}", campaign.id);
                        let label = campaign.label();
                        view! {
                            <tr>
                                <td><a href=href>{label}</a></td>
                                <td>{day(campaign.effective_at)}</td>
                                <td><Instant at=campaign.created_at /></td>
                                <td>{campaign.queued}</td>
                                <td>{campaign.sent}</td>
                                <td class:notices-failed={campaign.failed > 0}>{campaign.failed}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// The campaign page's address: its id, state filter and page.
fn campaign_query() -> Memo<(i64, String, String)> {
    let params = use_params_map();
    let query = use_query_map();
    Memo::new(move |_| {
        let id = params
            .read()
            .get("id")
            .and_then(|id| id.parse().ok())
            .unwrap_or(0);
        let query = query.read();
        (
            id,
            query.get("state").unwrap_or_default(),
            query.get("after").unwrap_or_default(),
        )
    })
}

/// `/admin/notices/:id`, for publishers and admins.
#[component]
pub fn CampaignPage() -> impl IntoView {
    let query = campaign_query();
    let campaign = Resource::new(
        move || query.get(),
        |(id, state, after)| get_campaign(id, state, after),
    );
    view! {
        <Title text=tr!("notices-campaign-title") />
        <nav class="breadcrumbs">
            <a href="/admin">{move_tr!("admin-home-title")}</a>
            " / "
            <a href="/admin/notices">{move_tr!("notices-title")}</a>
        </nav>
        <h1>{move_tr!("notices-campaign-title")}</h1>
        <Loaded resource=campaign render=campaign_view />
    }
}

/// What the retry form sent a campaign's page back with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "notice", rename_all = "kebab-case")]
pub enum CampaignNotice {
    /// `count` failed messages were queued again.
    Retried { count: String },
}

/// What the last retry did, from the address it sent the browser back to.
fn retry_report() -> Option<impl IntoView> {
    let CampaignNotice::Retried { count } = crate::ui::notice_of::<CampaignNotice>()?;
    Some(view! {
        <p class="admin-notice" role="status">
            {tr!("notices-retried", { "count" => count })}
        </p>
    })
}

fn campaign_view(view: CampaignView) -> impl IntoView {
    let CampaignView {
        csrf_token,
        campaign,
        deliveries,
        next,
    } = view;
    let (_, state, _) = campaign_query().get_untracked();
    let id = campaign.id.to_string();
    let retry = (campaign.failed > 0).then(|| {
        view! {
            <form method="post" action="/admin/notices/retry" class="admin-form">
                <input type="hidden" name="csrf" value=csrf_token />
                <input type="hidden" name="campaign" value=id.clone() />
                <button type="submit">
                    {tr!("notices-retry", { "count" => campaign.failed })}
                </button>
            </form>
        }
    });
    let next = next.map(|after| {
        let href = format!(
            "/admin/notices/{}?{}",
            campaign.id,
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs([("state", state.as_str()), ("after", after.as_str())])
                .finish()
        );
        view! { <p><a href=href rel="next">{move_tr!("notices-more")}</a></p> }
    });
    let action = format!("/admin/notices/{}", campaign.id);
    view! {
        {retry_report()}
        <dl class="notices-campaign">
            <dt>{move_tr!("notices-document")}</dt>
            <dd>
                <a href=format!("/policies/{}/v/{}?lang={}", campaign.slug, campaign.number, campaign.locale)>
                    {campaign.label()}
                </a>
            </dd>
            <dt>{move_tr!("notices-effective")}</dt>
            <dd>{day(campaign.effective_at)}</dd>
            <dt>{move_tr!("notices-state-queued")}</dt>
            <dd>{campaign.queued}</dd>
            <dt>{move_tr!("notices-state-sent")}</dt>
            <dd>{campaign.sent}</dd>
            <dt>{move_tr!("notices-state-failed")}</dt>
            <dd>{campaign.failed}</dd>
        </dl>
        {retry}
        <form method="get" action=action class="admin-filter">
            <label for="notices-state">{move_tr!("notices-state")}</label>
            <select id="notices-state" name="state">
                <option value="" selected=state.is_empty()>{move_tr!("filter-any")}</option>
                {DeliveryState::VARIANTS
                    .iter()
                    .copied()
                    .map(|option| {
                        view! {
                            <option value=option.as_str() selected={state == option.as_str()}>
                                {option.as_str()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <button type="submit">{move_tr!("filter-apply")}</button>
        </form>
        <table class="admin-audit-table notices-deliveries">
            <thead>
                <tr>
                    <th scope="col">{move_tr!("admin-email")}</th>
                    <th scope="col">{move_tr!("recipients-name")}</th>
                    <th scope="col">{move_tr!("consent-records-locale")}</th>
                    <th scope="col">{move_tr!("notices-state")}</th>
                    <th scope="col">{move_tr!("notices-attempts")}</th>
                    <th scope="col">{move_tr!("notices-when")}</th>
                    <th scope="col">{move_tr!("notices-last-error")}</th>
                </tr>
            </thead>
            <tbody>
                {deliveries
                    .into_iter()
                    .map(|delivery| {
                        let when = match delivery.state {
                            DeliveryState::Sent => delivery.sent_at,
                            DeliveryState::Queued => Some(delivery.next_attempt_at),
                            DeliveryState::Sending | DeliveryState::Failed => None,
                        };
                        view! {
                            <tr>
                                <td>{delivery.email}</td>
                                <td>{delivery.name}</td>
                                <td>{delivery.locale}</td>
                                <td><code>{delivery.state.as_str()}</code></td>
                                <td>{delivery.attempts}</td>
                                <td>{when.map(|at| view! { <Instant at /> })}</td>
                                <td>{delivery.last_error}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        {next}
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{CampaignSummary, Delivery, DeliveryState};
    use crate::{
        audit::{
            AuditAction,
            ssr::{Actor, record},
        },
        clock::Timestamp,
        db::{Conditions, Db, FilterValue, decode_error},
    };
    use sqlx::Row;

    /// The newest `limit` campaigns with their counts, or only campaign `id`.
    pub async fn campaigns(
        db: &Db,
        id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<CampaignSummary>, sqlx::Error> {
        let mut conditions = Conditions::default();
        if let Some(id) = id {
            conditions.push("c.id = $?", FilterValue::Int(id));
        }
        let sql = format!(
            "SELECT c.id, d.slug,
                    COALESCE((SELECT t.title FROM document_titles t
                              WHERE t.document_id = d.id AND t.locale = v.locale), d.slug),
                    v.locale, v.number, v.effective_at, c.created_at,
                    COUNT(CASE WHEN o.state IN ('queued', 'sending') THEN 1 END),
                    COUNT(CASE WHEN o.state = 'sent' THEN 1 END),
                    COUNT(CASE WHEN o.state = 'failed' THEN 1 END)
             FROM notice_campaigns c
             JOIN revisions v ON v.id = c.revision_id
             JOIN documents d ON d.id = v.document_id
             LEFT JOIN notice_outbox o ON o.campaign_id = c.id{}
             GROUP BY c.id, d.id, d.slug, v.locale, v.number, v.effective_at, c.created_at
             ORDER BY c.id DESC LIMIT {limit}",
            conditions.where_clause()
        );
        let rows = conditions
            .bind(sqlx::query(&sql))
            .fetch_all(db.reader())
            .await?;
        rows.iter()
            .map(|row| {
                Ok(CampaignSummary {
                    id: row.try_get(0)?,
                    slug: row.try_get(1)?,
                    document_title: row.try_get(2)?,
                    locale: row.try_get(3)?,
                    number: row.try_get(4)?,
                    effective_at: Timestamp::from_millis(row.try_get(5)?),
                    created_at: Timestamp::from_millis(row.try_get(6)?),
                    queued: row.try_get(7)?,
                    sent: row.try_get(8)?,
                    failed: row.try_get(9)?,
                })
            })
            .collect()
    }

    /// Up to `limit` of campaign `id`'s messages, by recipient address after `after`.
    pub async fn deliveries(
        db: &Db,
        id: i64,
        state: Option<DeliveryState>,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Delivery>, sqlx::Error> {
        let mut conditions = Conditions::default();
        conditions.push("o.campaign_id = $?", FilterValue::Int(id));
        if let Some(state) = state {
            conditions.push("o.state = $?", FilterValue::Text(state.as_str().to_owned()));
        }
        if let Some(after) = after {
            conditions.push(
                "COALESCE(r.email, s.email) > $?",
                FilterValue::Text(after.to_owned()),
            );
        }
        let sql = format!(
            "SELECT COALESCE(r.email, s.email), COALESCE(r.name, ''),
                    COALESCE(r.locale, s.locale), o.state, o.attempts, o.last_error, o.sent_at,
                    o.next_attempt_at
             FROM notice_outbox o
             LEFT JOIN notice_recipients r ON r.id = o.recipient_id
             LEFT JOIN notice_subscriptions s ON s.id = o.subscription_id{}
             ORDER BY COALESCE(r.email, s.email) LIMIT {limit}",
            conditions.where_clause()
        );
        let rows = conditions
            .bind(sqlx::query(&sql))
            .fetch_all(db.reader())
            .await?;
        rows.iter()
            .map(|row| {
                let state: String = row.try_get(3)?;
                Ok(Delivery {
                    email: row.try_get(0)?,
                    name: row.try_get(1)?,
                    locale: row.try_get(2)?,
                    state: state.parse().map_err(|e| decode_error("state", e))?,
                    attempts: row.try_get(4)?,
                    last_error: row.try_get(5)?,
                    sent_at: row
                        .try_get::<Option<i64>, _>(6)?
                        .map(Timestamp::from_millis),
                    next_attempt_at: Timestamp::from_millis(row.try_get(7)?),
                })
            })
            .collect()
    }

    /// Queues campaign `id`'s failed messages again, due now, and records who did so. Returns
    /// how many there were, or `None` when there is no such campaign.
    pub async fn retry_failed(db: &Db, id: i64, actor: &Actor) -> Result<Option<u64>, sqlx::Error> {
        let mut tx = db.begin_write().await?;
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT id FROM notice_campaigns WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        if exists.is_none() {
            return Ok(None);
        }
        let retried = sqlx::query(
            "UPDATE notice_outbox SET state = 'queued', next_attempt_at = $1
             WHERE campaign_id = $2 AND state = 'failed'",
        )
        .bind(Timestamp::now().as_millis())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if retried > 0 {
            record(
                &mut tx,
                actor,
                AuditAction::NoticesRetried,
                &format!("notice campaign {id}"),
                &format!("{retried} failed notices queued again"),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Some(retried))
    }
}

#[cfg(test)]
mod tests {
    use super::DeliveryState;
    use strum::VariantArray;

    #[test]
    fn delivery_states_round_trip_and_unknown_ones_are_named() {
        for &state in DeliveryState::VARIANTS {
            assert_eq!(state.as_str().parse::<DeliveryState>(), Ok(state));
        }
        assert_eq!(
            crate::stored_names::stored_names::<DeliveryState>(),
            ["queued", "sending", "sent", "failed"],
            "stored names never change"
        );
        let error = "lost".parse::<DeliveryState>().unwrap_err().to_string();
        assert!(error.contains("`lost`"), "{error}");
    }
}
