//! The consent endpoints outside the page tree. A choice arrives by one of two channels, which
//! share everything but their answer: `POST /api/consent` (JSON, for the banner's island and
//! for embedding; answered with the recorded event) and `POST /cookies/consent` (the banner as
//! a plain form; answered 303 back to the page it was on). Also the visitor's receipts, the GPC
//! statement, and the admins' export of the records.

use super::{
    Applied, ApplyError, Origin, Submission, SubmissionError, consent_cookie, events_of,
    export::{ExportFormat, record_export, stream_export},
    ticked_choices,
};
use crate::{
    admin::{Role, ssr::guard::AdminSession},
    consent::{
        BadIdempotencyKey, Choices, IdempotencyKey, Method,
        records::{EventFilter, RecordsQuery},
    },
    http::{HttpError, HttpResult, local_path, with_cookies},
    i18n::{Locale, ssr::negotiate},
    state::AppState,
};
use axum::{
    Form, Json, Router,
    body::{Body, Bytes},
    extract::{ConnectInfo, DefaultBodyLimit, Query, State, rejection::JsonRejection},
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
        .route("/cookies/consent", post(form))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .route("/cookies/receipts.json", get(receipts))
        .route("/.well-known/gpc.json", get(gpc_json))
        .route("/admin/consent/export", get(export))
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
        gpc: origin.gpc,
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
}

async fn api(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
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
    };
    let applied = match record(&state, &headers, peer, asked).await {
        Ok(applied) => applied,
        Err(error) => return refusal(error).into_json_response(),
    };
    let event = &applied.recorded.event;
    let status = if applied.recorded.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let answer = Json(ApiAnswer {
        event_id: event.id,
        subject_id: &event.subject,
        action: &event.action,
        choices: &applied.choices,
        configuration_version: &event.configuration_version,
        recorded_at: event.recorded_at.rfc3339(),
        replayed: applied.recorded.replayed,
    });
    with_cookies(
        (status, answer).into_response(),
        applied.set_cookies.iter().map(String::as_str),
    )
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
    let events = events_of(&state.db, &cookie.subject).await?;
    Ok((
        [(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment; filename=\"consent-receipts.json\""),
        )],
        Json(events),
    )
        .into_response())
}

#[derive(Deserialize)]
struct ExportQuery {
    format: ExportFormat,
    #[serde(flatten)]
    filter: RecordsQuery,
}

/// `GET /admin/consent/export?format=csv|json&from=&to=&action=&method=`, for admins: the
/// events the filter selects, oldest first, as a download.
async fn export(
    State(state): State<AppState>,
    session: Result<AdminSession, HttpError>,
    query: Result<Query<ExportQuery>, axum::extract::rejection::QueryRejection>,
) -> HttpResult {
    let session = session.map_err(|error| match error {
        HttpError::SignInRequired { .. } => HttpError::SignInRequired {
            return_to: Some("/admin/consent".to_owned()),
        },
        other => other,
    })?;
    session.allow(Role::Admin)?;
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
