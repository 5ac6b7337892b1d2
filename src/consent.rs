//! The consent endpoints outside the page tree: `POST /api/consent` (JSON, for the hydrated
//! banner and for embedding) and `POST /cookies/consent` (the banner as a plain form, answered
//! 303 back to the page it was on). Both apply the choice through the one `ConsentService`.

use crate::{
    forms::{local_path, with_cookies},
    locale::negotiate,
};
use app::{
    consent::{
        Choices, IdempotencyKey, Method,
        ssr::{
            ApplyError, Origin, Submission, SubmissionError, consent_cookie, events_of,
            ticked_choices,
        },
    },
    i18n::Locale,
    state::AppState,
};
use axum::{
    Form, Json,
    extract::{ConnectInfo, State, rejection::JsonRejection},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use serde::{Deserialize, Serialize};
use std::{collections::BTreeMap, net::SocketAddr};

/// The largest body either endpoint reads.
pub const MAX_BODY_BYTES: usize = 8 * 1024;

/// A consent request to the JSON API. Unknown fields are refused, so a typo cannot silently
/// record something other than what the client meant.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiRequest {
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

/// An error as the API answers it: a status and a message a person can act on.
fn api_error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(serde_json::json!({ "error": message.into() }))).into_response()
}

pub async fn api(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Json<ApiRequest>, JsonRejection>,
) -> Response {
    let request = match body {
        Ok(Json(request)) => request,
        Err(rejection) => return api_error(rejection.status(), explain(&rejection)),
    };
    let unprocessable = |message: String| api_error(StatusCode::UNPROCESSABLE_ENTITY, message);
    let method: Method = match request.method.parse() {
        Ok(method) => method,
        Err(error) => {
            return unprocessable(format!("{error}; use accept_all, reject_all or custom"));
        }
    };
    let idempotency_key: IdempotencyKey = match request.idempotency_key.parse() {
        Ok(key) => key,
        Err(error) => return unprocessable(error.to_string()),
    };
    let locale = match request.locale.as_deref() {
        Some(tag) => match tag.parse::<Locale>() {
            Ok(locale) => locale,
            Err(error) => return unprocessable(error.to_string()),
        },
        None => negotiate(None, &headers),
    };
    let origin = Origin::of(&headers, peer);
    let submission = Submission {
        method,
        choices: request.choices,
        configuration_version: request.configuration_version,
        locale,
        idempotency_key,
        gpc: origin.gpc,
    };
    match state.consent.apply(&state.db, &origin, &submission).await {
        Ok(applied) => {
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
        Err(ApplyError::Submission(
            error @ (SubmissionError::Outdated { .. } | SubmissionError::KeyReused),
        )) => api_error(StatusCode::CONFLICT, error.to_string()),
        Err(ApplyError::Submission(error)) => unprocessable(error.to_string()),
        Err(error) => failed(&error),
    }
}

/// `/.well-known/gpc.json`, as the Global Privacy Control specification asks: this site honours
/// the signal. `lastUpdate` is the day the cookie inventory in force was activated.
pub async fn gpc_json(State(state): State<AppState>) -> Response {
    let activated: Result<Option<i64>, sqlx::Error> = sqlx::query_scalar(
        "SELECT activated_at FROM consent_configuration_activations ORDER BY id DESC LIMIT 1",
    )
    .fetch_optional(state.db.reader())
    .await;
    match activated {
        Ok(activated) => {
            let mut body = serde_json::json!({ "gpc": true });
            if let Some(millis) = activated {
                let day = app::clock::Timestamp::from_millis(millis).rfc3339();
                body["lastUpdate"] = serde_json::Value::from(day.get(..10).unwrap_or(&day));
            }
            Json(body).into_response()
        }
        Err(error) => {
            tracing::error!(%error, "cannot read the consent configuration");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// `/cookies/receipts.json`: every event recorded for this browser's consent subject, as
/// evidence the visitor can keep.
pub async fn receipts(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(cookie) = state.consent.verified(consent_cookie(&headers)) else {
        return (
            StatusCode::NOT_FOUND,
            "this browser has no consent choice recorded here (no valid charter_consent cookie)",
        )
            .into_response();
    };
    match events_of(&state.db, &cookie.subject).await {
        Ok(events) => (
            [(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"consent-receipts.json\""),
            )],
            Json(events),
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "cannot read consent receipts");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// The banner's form fields: the button pressed (`method`), the ticked categories, and what
/// the page rendered.
pub async fn form(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let return_to = local_path(field("return_to")).unwrap_or_else(|| "/".to_owned());
    let bad = |message: String| (StatusCode::BAD_REQUEST, message).into_response();
    let method: Method = match field("method").unwrap_or_default().parse() {
        Ok(method) => method,
        Err(error) => return bad(error.to_string()),
    };
    let idempotency_key: IdempotencyKey = match field("idempotency_key").unwrap_or_default().parse()
    {
        Ok(key) => key,
        Err(error) => return bad(error.to_string()),
    };
    let locale = field("locale")
        .and_then(|tag| tag.parse().ok())
        .unwrap_or_else(|| negotiate(None, &headers));
    // Unticked boxes are not sent: every category the form did not tick is refused.
    let ticked: Vec<&str> = fields
        .iter()
        .filter(|(key, _)| key == "category")
        .map(|(_, value)| value.as_str())
        .collect();
    let choices = match method {
        Method::Custom | Method::SettingsPage => {
            let ticked = ticked.into_iter().map(str::to_owned);
            match ticked_choices(&state.db, ticked).await {
                Ok(choices) => Some(choices),
                Err(error) => return failed(&error),
            }
        }
        _ => None,
    };
    let origin = Origin::of(&headers, peer);
    let submission = Submission {
        method,
        choices,
        configuration_version: field("configuration_version")
            .unwrap_or_default()
            .to_owned(),
        locale,
        idempotency_key,
        gpc: origin.gpc,
    };
    match state.consent.apply(&state.db, &origin, &submission).await {
        Ok(applied) => with_cookies(
            Redirect::to(&return_to).into_response(),
            applied.set_cookies.iter().map(String::as_str),
        ),
        // The settings changed while the page was open: back to it, where the banner asks
        // about the new ones.
        Err(ApplyError::Submission(SubmissionError::Outdated { .. })) => {
            Redirect::to(&return_to).into_response()
        }
        Err(ApplyError::Submission(error @ SubmissionError::KeyReused)) => {
            (StatusCode::CONFLICT, error.to_string()).into_response()
        }
        Err(ApplyError::Submission(error)) => bad(error.to_string()),
        Err(error) => failed(&error),
    }
}

fn failed(error: &ApplyError) -> Response {
    tracing::error!(%error, "consent choice not recorded");
    let status = match error {
        ApplyError::NoInventory => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    (
        status,
        "your choice could not be recorded, and nothing was stored; please try again",
    )
        .into_response()
}

fn explain(rejection: &JsonRejection) -> String {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => {
            "send the body as JSON, with Content-Type: application/json".to_owned()
        }
        JsonRejection::JsonSyntaxError(error) => {
            format!("the body is not valid JSON: {}", error.body_text())
        }
        JsonRejection::JsonDataError(error) => {
            format!(
                "the body does not match what this endpoint takes: {}",
                error.body_text()
            )
        }
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            format!("the body may have at most {MAX_BODY_BYTES} bytes")
        }
        other => other.body_text(),
    }
}
