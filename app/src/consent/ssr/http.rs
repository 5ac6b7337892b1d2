//! The consent endpoints outside the page tree. A choice arrives by one of two channels, which
//! share everything but their answer: `POST /api/consent` (JSON, for the banner's island and
//! for embedding; answered with the recorded event) and `POST /cookies/consent` (the banner as
//! a plain form; answered 303 back to the page it was on). Also the visitor's receipts, the GPC
//! statement, and the admins' export of the records.

use super::{
    Applied, ApplyError, Origin, Place, Standing, Submission, SubmissionError, consent_cookie,
    export::{ExportFormat, record_export, stream_export},
    logged_events_of, mirror, ticked_choices,
};
use crate::{
    admin::{Role, ssr::guard::AdminSession},
    consent::{
        BadIdempotencyKey, Choices, IdempotencyKey, Method,
        records::{EventFilter, RecordsQuery},
    },
    evidence::ssr::bundle as evidence_bundle,
    http::{HttpError, HttpResult, local_path, with_cookies},
    i18n::{Locale, ssr::negotiate},
    sites::ssr::RegisteredSite,
    state::AppState,
};
use axum::{
    Extension, Form, Json, Router,
    body::{Body, Bytes},
    extract::{ConnectInfo, DefaultBodyLimit, Path, Query, State, rejection::JsonRejection},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use serde::{Deserialize, Serialize};
use std::{collections::BTreeMap, net::SocketAddr};

/// The largest body either channel reads.
pub const MAX_BODY_BYTES: usize = 8 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/consent", post(api))
        .route("/api/consent/gpc", post(gpc_signal))
        .route("/cookies/consent", post(form))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .route("/api/consent/banner", get(banner))
        .route("/cookies/receipts.json", get(receipts))
        .route("/cookies/receipts/{id}/bundle", get(receipt_bundle))
        .route("/.well-known/gpc.json", get(gpc_json))
        .route("/admin/consent/export", get(export))
        .route("/admin/consent/records/{id}/bundle", get(bundle))
}

/// A choice as either channel sends it, before anything in it is checked.
struct Asked<'a> {
    method: &'a str,
    choices: AskedChoices,
    configuration_version: String,
    /// `None` from a banner posted without JavaScript: its page is shared by every visitor, so
    /// the server makes the key, and a form sent twice records twice.
    idempotency_key: Option<&'a str>,
    /// The language of the banner the visitor read; `None` for the request's own.
    locale: Option<&'a str>,
    place: Place,
    /// The embedded banner read the browser's Global Privacy Control.
    gpc: bool,
}

enum AskedChoices {
    /// Accept all or reject all: the method says it all.
    None,
    /// Each category allowed or not, as the JSON API takes them.
    ByCategory(BTreeMap<String, bool>),
    /// The categories ticked on a form: any other is refused.
    Ticked(Vec<String>),
}

/// Why a choice was not recorded.
enum NotRecorded {
    /// A field that no choice can have.
    Invalid(String),
    /// The operating system gave no randomness for a key.
    NoRandomness(getrandom::Error),
    Refused(ApplyError),
}

impl From<ApplyError> for NotRecorded {
    fn from(error: ApplyError) -> Self {
        NotRecorded::Refused(error)
    }
}

/// The one way a choice is recorded: checked, resolved against the inventory in force and
/// applied by the consent service.
async fn record(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
    asked: Asked<'_>,
) -> Result<Applied, NotRecorded> {
    let invalid = NotRecorded::Invalid;
    let method: Method = asked
        .method
        .parse()
        .map_err(|error| invalid(format!("{error}; use accept_all, reject_all or custom")))?;
    let idempotency_key: IdempotencyKey = match asked.idempotency_key {
        Some(key) => key
            .parse()
            .map_err(|error: BadIdempotencyKey| invalid(error.to_string()))?,
        None => IdempotencyKey::random().map_err(NotRecorded::NoRandomness)?,
    };
    let locale = match asked.locale {
        Some(tag) => tag
            .parse::<Locale>()
            .map_err(|error| invalid(error.to_string()))?,
        None => negotiate(None, headers),
    };
    let choices = match asked.choices {
        AskedChoices::None => None,
        AskedChoices::ByCategory(choices) => Some(choices),
        // Unticked boxes are not sent, so only a method that names choices reads them.
        AskedChoices::Ticked(ticked) => match method {
            Method::Custom | Method::SettingsPage => Some(ticked_choices(&state.db, ticked).await?),
            _ => None,
        },
    };
    let origin = Origin::of(headers, peer);
    let submission = Submission {
        method,
        choices,
        configuration_version: asked.configuration_version,
        locale,
        idempotency_key,
        gpc: origin.gpc || asked.gpc,
        place: asked.place,
    };
    Ok(state.consent.apply(&state.db, &origin, &submission).await?)
}

/// Why a choice was not recorded, as an error to answer with.
fn refusal(error: NotRecorded) -> HttpError {
    let error = match error {
        NotRecorded::Invalid(message) => return HttpError::Unprocessable(message.into()),
        NotRecorded::NoRandomness(error) => return HttpError::internal(&error),
        NotRecorded::Refused(error) => error,
    };
    match error {
        ApplyError::Submission(
            error @ (SubmissionError::Outdated { .. } | SubmissionError::KeyReused),
        ) => HttpError::Conflict(error.to_string().into()),
        ApplyError::Submission(error) => HttpError::Unprocessable(error.to_string().into()),
        ApplyError::NoInventory => {
            tracing::error!(error = %ApplyError::NoInventory, "consent choice not recorded");
            HttpError::Busy {
                message:
                    "your choice could not be recorded, and nothing was stored; please try again"
                        .to_owned(),
                retry_after_secs: 30,
            }
        }
        error => HttpError::internal(&error),
    }
}

/// A consent request to the JSON API. Unknown fields are refused, so a typo cannot silently
/// record something other than what the client meant.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApiRequest {
    method: String,
    #[serde(default)]
    choices: Option<BTreeMap<String, bool>>,
    configuration_version: String,
    idempotency_key: String,
    #[serde(default)]
    locale: Option<String>,
    /// The path of the page the choice was made on (the embedded banner sends it).
    #[serde(default)]
    page: Option<String>,
    /// The browser's `navigator.globalPrivacyControl`, as the embedded banner read it.
    #[serde(default)]
    gpc: bool,
}

/// Where a request to the consent API comes from: a registered site's page, or Charter's own.
fn place_of(state: &AppState, site: Option<&RegisteredSite>, page: Option<&str>) -> Place {
    let page = page.unwrap_or_default();
    match site {
        Some(site) => Place::new(site.origin.clone(), page),
        None => Place::own(&state.site.base_url, page),
    }
}

#[derive(Serialize)]
struct ApiAnswer<'a> {
    event_id: i64,
    subject_id: &'a str,
    action: &'a str,
    choices: &'a Choices,
    configuration_version: &'a str,
    recorded_at: String,
    /// The idempotency key had been used: this is the first answer again, nothing new was
    /// recorded.
    replayed: bool,
    /// The signed choice, for a registered site's page only: the embedded banner on a site of
    /// another registrable domain keeps it and sends it back in `Charter-Consent` (the browser
    /// keeps no cookie for it there). Charter's own pages never see it: the cookie is HttpOnly.
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<String>,
    /// What the `charter_choices` cookie says, for the same banner to keep.
    mirror: String,
}

impl<'a> ApiAnswer<'a> {
    fn of(state: &AppState, applied: &'a Applied, embedded: bool) -> Self {
        let event = &applied.recorded.event;
        ApiAnswer {
            event_id: event.id,
            subject_id: &event.subject,
            action: &event.action,
            choices: &applied.choices,
            configuration_version: &event.configuration_version,
            recorded_at: event.recorded_at.rfc3339(),
            replayed: applied.recorded.replayed,
            token: embedded.then(|| applied.cookie.sign(&state.consent.key)),
            mirror: mirror(&applied.cookie),
        }
    }

    /// 201 with the event, 200 for a replay, with the cookies.
    fn respond(state: &AppState, applied: &Applied, embedded: bool) -> Response {
        let status = if applied.recorded.replayed {
            StatusCode::OK
        } else {
            StatusCode::CREATED
        };
        with_cookies(
            (status, Json(ApiAnswer::of(state, applied, embedded))).into_response(),
            applied.set_cookies.iter().map(String::as_str),
        )
    }
}

async fn api(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    site: Option<Extension<RegisteredSite>>,
    headers: HeaderMap,
    body: Result<Json<ApiRequest>, JsonRejection>,
) -> Response {
    let request = match body {
        Ok(Json(request)) => request,
        Err(rejection) => return body_refused(&rejection).into_json_response(),
    };
    let asked = Asked {
        method: &request.method,
        choices: request
            .choices
            .map_or(AskedChoices::None, AskedChoices::ByCategory),
        configuration_version: request.configuration_version,
        idempotency_key: Some(&request.idempotency_key),
        locale: request.locale.as_deref(),
        place: place_of(
            &state,
            site.as_ref().map(|Extension(site)| site),
            request.page.as_deref(),
        ),
        gpc: request.gpc,
    };
    match record(&state, &headers, peer, asked).await {
        Ok(applied) => ApiAnswer::respond(&state, &applied, site.is_some()),
        Err(error) => refusal(error).into_json_response(),
    }
}

/// The banner's form fields: the button pressed (`method`), the ticked categories, and what
/// the page rendered.
async fn form(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> HttpResult {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let return_to = local_path(field("return_to")).unwrap_or_else(|| "/".to_owned());
    let ticked = fields
        .iter()
        .filter(|(key, _)| key == "category")
        .map(|(_, value)| value.clone())
        .collect();
    let asked = Asked {
        method: field("method").unwrap_or_default(),
        choices: AskedChoices::Ticked(ticked),
        configuration_version: field("configuration_version")
            .unwrap_or_default()
            .to_owned(),
        idempotency_key: field("idempotency_key").filter(|key| !key.is_empty()),
        // A form of this site names a language it has; anything else is the request's own.
        locale: field("locale").filter(|tag| tag.parse::<Locale>().is_ok()),
        place: Place::own(&state.site.base_url, &return_to),
        gpc: false,
    };
    match record(&state, &headers, peer, asked).await {
        Ok(applied) => Ok(with_cookies(
            Redirect::to(&return_to).into_response(),
            applied.set_cookies.iter().map(String::as_str),
        )),
        // The settings changed while the page was open: back to it, where the banner asks
        // about the new ones.
        Err(NotRecorded::Refused(ApplyError::Submission(SubmissionError::Outdated { .. }))) => {
            Ok(Redirect::to(&return_to).into_response())
        }
        Err(error) => Err(refusal(error)),
    }
}

/// The texts of the embedded banner, by the names `v1.js` uses.
const EMBED_TEXTS: &[(&str, &str)] = &[
    ("heading", "consent-banner-heading"),
    ("body", "consent-banner-body"),
    ("cookie_policy", "consent-cookie-policy"),
    ("privacy_policy", "consent-privacy-policy"),
    ("accept_all", "consent-accept-all"),
    ("reject_all", "consent-reject-all"),
    ("customise", "consent-customise"),
    ("categories", "consent-categories"),
    ("save", "consent-save"),
    ("always_on", "consent-always-on"),
    ("third_party", "consent-third-party"),
    ("failed", "consent-failed"),
    ("settings_heading", "embed-settings-heading"),
    ("close", "embed-close"),
    ("gpc_honoured", "embed-gpc-honoured"),
    ("privacy_choices", "embed-privacy-choices"),
    ("blocked", "embed-blocked"),
    ("allow", "embed-allow"),
    ("reload_notice", "embed-reload-notice"),
    ("reload_now", "embed-reload-now"),
];

#[derive(Deserialize)]
struct BannerQuery {
    /// The page's languages, most preferred first, comma-separated.
    #[serde(default)]
    locale: String,
}

#[derive(Serialize)]
struct EmbedCategory<'a> {
    key: &'a str,
    title: String,
    description: String,
    necessary: bool,
    sale_or_sharing: bool,
    consent_mode: &'a [crate::inventory::ConsentModeSignal],
    services: Vec<EmbedService<'a>>,
}

#[derive(Serialize)]
struct EmbedService<'a> {
    name: &'a str,
    provider: &'a str,
    third_party: bool,
    purpose: String,
    duration: String,
    cookies: &'a [String],
}

#[derive(Serialize)]
struct EmbedState<'a> {
    choices: &'a Choices,
    /// The visitor chose; `false` when only a GPC opt-out is on record.
    decided: bool,
    gpc: bool,
    /// The choice ran out or is about other cookie settings: the banner asks again.
    ask_again: bool,
}

/// The first of the page's languages Charter has, else the request's own.
fn embed_locale(tags: &str, headers: &HeaderMap) -> Locale {
    tags.split(',')
        .take(16)
        .find_map(crate::i18n::ssr::by_language)
        .unwrap_or_else(|| negotiate(None, headers))
}

/// `GET /api/consent/banner?locale=de,en`: everything the embedded banner shows, in the page's
/// language, and where this visitor stands. Per visitor, so never stored by a cache.
async fn banner(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    site: Option<Extension<RegisteredSite>>,
    headers: HeaderMap,
    Query(query): Query<BannerQuery>,
) -> Response {
    let configuration = match crate::inventory::ssr::active(&state.db).await {
        Ok(Some(configuration)) => configuration,
        Ok(None) => {
            return refusal(NotRecorded::Refused(ApplyError::NoInventory)).into_json_response();
        }
        Err(error) => return HttpError::internal(&error).into_json_response(),
    };
    let locale = embed_locale(&query.locale, &headers);
    // `{category}` stays for the script to fill in with a category's title.
    let text = |key: &str| {
        crate::i18n::ssr::text_with(locale, key, &[("category", "{category}".to_owned())])
    };
    let texts: BTreeMap<&str, String> = EMBED_TEXTS
        .iter()
        .map(|(name, key)| (*name, text(key)))
        .collect();
    let localised = |texts: &'_ crate::inventory::Texts| -> String {
        texts.get(&locale).cloned().unwrap_or_default()
    };
    let categories: Vec<EmbedCategory> = configuration
        .inventory
        .categories()
        .iter()
        .map(|category| EmbedCategory {
            key: category.key.as_str(),
            title: localised(&category.title),
            description: localised(&category.description),
            necessary: category.key.is_necessary(),
            sale_or_sharing: category.sale_or_sharing,
            consent_mode: &category.consent_mode,
            services: category
                .services
                .iter()
                .map(|service| EmbedService {
                    name: &service.name,
                    provider: &service.provider,
                    third_party: service.party == crate::inventory::Party::Third,
                    purpose: localised(&service.purpose),
                    duration: localised(&service.duration),
                    cookies: &service.cookies,
                })
                .collect(),
        })
        .collect();
    let origin = Origin::of(&headers, peer);
    let standing = state
        .consent
        .standing(origin.cookie.as_deref(), &configuration.version);
    let sold = |choices: &Choices| super::allows_sale_or_sharing(&configuration.inventory, choices);
    let (visitor, gpc_pending) = match &standing {
        Standing::Chosen(cookie) => (
            Some(EmbedState {
                choices: &cookie.choices,
                decided: true,
                gpc: false,
                ask_again: false,
            }),
            sold(&cookie.choices),
        ),
        Standing::GpcRecorded(cookie) => (
            Some(EmbedState {
                choices: &cookie.choices,
                decided: false,
                gpc: true,
                ask_again: false,
            }),
            false,
        ),
        Standing::Expired(cookie) | Standing::Outdated(cookie) => (
            Some(EmbedState {
                choices: &cookie.choices,
                decided: true,
                gpc: cookie.gpc_only,
                ask_again: true,
            }),
            true,
        ),
        Standing::Undecided => (None, true),
    };
    let base = &state.site.base_url;
    let model = site
        .as_ref()
        .map(|Extension(site)| site.site.model)
        .unwrap_or_default();
    let body = serde_json::json!({
        "configuration_version": configuration.version,
        "locale": locale.as_str(),
        "model": model.as_str(),
        "texts": texts,
        "links": {
            "cookie_policy": format!("{base}/policies/cookies"),
            "privacy_policy": format!("{base}/policies/privacy"),
        },
        "categories": categories,
        "state": visitor,
        "gpc_pending": gpc_pending,
    });
    (
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        Json(body),
    )
        .into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GpcRequest {
    configuration_version: String,
    #[serde(default)]
    locale: Option<String>,
    #[serde(default)]
    page: Option<String>,
}

/// `POST /api/consent/gpc`: the embedded banner read the browser's Global Privacy Control, so
/// the opt-out is recorded for this visitor (once; 204 when nothing needed recording).
async fn gpc_signal(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    site: Option<Extension<RegisteredSite>>,
    headers: HeaderMap,
    body: Result<Json<GpcRequest>, JsonRejection>,
) -> Response {
    let request = match body {
        Ok(Json(request)) => request,
        Err(rejection) => return body_refused(&rejection).into_json_response(),
    };
    let locale = match request.locale.as_deref().map(str::parse::<Locale>) {
        Some(Ok(locale)) => locale,
        Some(Err(error)) => {
            return HttpError::Unprocessable(error.to_string().into()).into_json_response();
        }
        None => negotiate(None, &headers),
    };
    let mut origin = Origin::of(&headers, peer);
    origin.gpc = true;
    let place = place_of(
        &state,
        site.as_ref().map(|Extension(site)| site),
        request.page.as_deref(),
    );
    let configuration = match state
        .consent
        .configuration
        .get(&state.db, &request.configuration_version)
        .await
    {
        Ok(Some(configuration)) => configuration,
        Ok(None) => {
            return refusal(NotRecorded::Refused(ApplyError::NoInventory)).into_json_response();
        }
        Err(error) => return HttpError::internal(&error).into_json_response(),
    };
    if configuration.version != request.configuration_version {
        let error = SubmissionError::Outdated {
            current: configuration.version.clone(),
        };
        return refusal(NotRecorded::Refused(error.into())).into_json_response();
    }
    match state
        .consent
        .record_gpc(&state.db, &origin, locale, place, &state.network.writes)
        .await
    {
        Ok(Some(applied)) => ApiAnswer::respond(&state, &applied, site.is_some()),
        Ok(None) => StatusCode::NO_CONTENT.into_response(),
        Err(error) => refusal(NotRecorded::Refused(error)).into_json_response(),
    }
}

fn body_refused(rejection: &JsonRejection) -> HttpError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => HttpError::UnsupportedMediaType(
            "send the body as JSON, with Content-Type: application/json".into(),
        ),
        JsonRejection::JsonSyntaxError(error) => HttpError::BadRequest(
            format!("the body is not valid JSON: {}", error.body_text()).into(),
        ),
        JsonRejection::JsonDataError(error) => HttpError::Unprocessable(
            format!(
                "the body does not match what this endpoint takes: {}",
                error.body_text()
            )
            .into(),
        ),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => HttpError::PayloadTooLarge(
            format!("the body may have at most {MAX_BODY_BYTES} bytes").into(),
        ),
        other => HttpError::BadRequest(other.body_text().into()),
    }
}

/// `/.well-known/gpc.json`, as the Global Privacy Control specification asks: this site honours
/// the signal. `lastUpdate` is the day the cookie inventory in force was activated.
async fn gpc_json(State(state): State<AppState>) -> HttpResult {
    let activated: Option<i64> = sqlx::query_scalar(
        "SELECT activated_at FROM consent_configuration_activations ORDER BY id DESC LIMIT 1",
    )
    .fetch_optional(state.db.reader())
    .await?;
    let mut body = serde_json::json!({ "gpc": true });
    if let Some(millis) = activated {
        let day = crate::clock::Timestamp::from_millis(millis).rfc3339();
        body["lastUpdate"] = serde_json::Value::from(day.get(..10).unwrap_or(&day));
    }
    Ok(Json(body).into_response())
}

/// `/cookies/receipts.json`: every event recorded for this browser's consent subject, as
/// evidence the visitor can keep.
async fn receipts(State(state): State<AppState>, headers: HeaderMap) -> HttpResult {
    let Some(cookie) = state.consent.verified(consent_cookie(&headers)) else {
        return Err(HttpError::NotFound(
            "this browser has no consent choice recorded here (no valid charter_consent cookie)"
                .into(),
        ));
    };
    let receipts: Vec<LoggedEvent> = logged_events_of(&state.db, &cookie.subject)
        .await?
        .into_iter()
        .map(|(event, leaf_index)| LoggedEvent { event, leaf_index })
        .collect();
    Ok((
        [(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment; filename=\"consent-receipts.json\""),
        )],
        Json(receipts),
    )
        .into_response())
}

/// An event with its index in the evidence log (absent until it has a leaf), which its
/// bundle and `/log/proof/inclusion` take.
#[derive(Serialize)]
struct LoggedEvent {
    #[serde(flatten)]
    event: super::Event,
    leaf_index: Option<u64>,
}

/// `/cookies/receipts/{id}/bundle`: the evidence bundle of one of this browser's own events,
/// which the visitor can verify without Charter.
async fn receipt_bundle(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> HttpResult {
    let not_yours = || {
        HttpError::NotFound(
            "this browser recorded no such consent event; /cookies/receipts lists its own".into(),
        )
    };
    let id: i64 = id.parse().map_err(|_| not_yours())?;
    let cookie = state
        .consent
        .verified(consent_cookie(&headers))
        .ok_or_else(not_yours)?;
    let subject: Option<String> =
        sqlx::query_scalar("SELECT subject_id FROM consent_events WHERE id = $1")
            .bind(id)
            .fetch_optional(state.db.reader())
            .await?;
    if subject.as_deref() != Some(cookie.subject.as_str()) {
        return Err(not_yours());
    }
    bundle_download(&state, id).await
}

/// The bundle of event `id` as a download.
async fn bundle_download(state: &AppState, id: i64) -> HttpResult {
    let bundle = evidence_bundle::consent_event(&state.db, &state.log_key, id)
        .await
        .map_err(|error| match error {
            evidence_bundle::BundleError::UnknownEvent(_)
            | evidence_bundle::BundleError::NotLogged(_) => {
                HttpError::NotFound(error.to_string().into())
            }
            evidence_bundle::BundleError::Evidence(error) => HttpError::internal(&error),
        })?;
    let mut response = Json(bundle).into_response();
    if let Ok(disposition) = HeaderValue::from_str(&format!(
        "attachment; filename=\"consent-event-{id}.evidence.json\""
    )) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, disposition);
    }
    Ok(response)
}

#[derive(Deserialize)]
struct ExportQuery {
    format: ExportFormat,
    #[serde(flatten)]
    filter: RecordsQuery,
}

/// The admin a records download is for; without a session, back to the records page after
/// signing in.
fn records_admin(session: Result<AdminSession, HttpError>) -> Result<AdminSession, HttpError> {
    let session = session.map_err(|error| match error {
        HttpError::SignInRequired { .. } => HttpError::SignInRequired {
            return_to: Some("/admin/consent".to_owned()),
        },
        other => other,
    })?;
    session.allow(Role::Admin)?;
    Ok(session)
}

/// One event's evidence bundle (`docs/evidence.md`), for admins to hand to whoever asks.
async fn bundle(
    State(state): State<AppState>,
    session: Result<AdminSession, HttpError>,
    Path(id): Path<String>,
) -> HttpResult {
    records_admin(session)?;
    let id: i64 = id
        .parse()
        .map_err(|_| HttpError::BadRequest("a consent event is named by its number".into()))?;
    bundle_download(&state, id).await
}

/// `GET /admin/consent/export?format=csv|json&from=&to=&action=&method=`, for admins: the
/// events the filter selects, oldest first, as a download.
async fn export(
    State(state): State<AppState>,
    session: Result<AdminSession, HttpError>,
    query: Result<Query<ExportQuery>, axum::extract::rejection::QueryRejection>,
) -> HttpResult {
    let session = records_admin(session)?;
    let Ok(Query(query)) = query else {
        return Err(HttpError::BadRequest(
            "name the export format: format=csv or format=json".into(),
        ));
    };
    let filter = EventFilter::parse(&query.filter)
        .map_err(|message| HttpError::Unprocessable(message.into()))?;
    record_export(&state.db, &session.actor, &filter, query.format).await?;
    let (sender, receiver) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(4);
    tokio::spawn(stream_export(
        state.db.clone(),
        filter,
        query.format,
        sender,
    ));
    let body = Body::from_stream(futures_util::stream::unfold(
        receiver,
        |mut receiver| async move { receiver.recv().await.map(|chunk| (chunk, receiver)) },
    ));
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(query.format.content_type()),
    );
    if let Ok(disposition) = HeaderValue::from_str(&format!(
        "attachment; filename=\"consent-records.{}\"",
        query.format
    )) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
