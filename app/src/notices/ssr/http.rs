//! The notices' admin form endpoints: uploading recipients (`/admin/recipients/import`) and
//! queueing a campaign's failed messages again (`/admin/notices/retry`). Each answers 303 back
//! to its page with a typed notice, so they work without JavaScript.

use super::{import_recipients, recipients_file};
use crate::{
    admin::{Role, ssr::guard::AdminSession},
    http::{HttpError, HttpResult, back_with},
    notices::{
        RecipientsNotice,
        campaigns::{CampaignNotice, ssr::retry_failed},
    },
    state::AppState,
};
use axum::{
    Form, Router,
    extract::{DefaultBodyLimit, Multipart, State, multipart::MultipartRejection},
    routing::post,
};
use serde::Deserialize;

/// The largest upload `/admin/recipients/import` reads: some 200,000 rows.
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;
/// How many refused rows the page lists after an upload; the count says how many there were.
const ROWS_REPORTED: usize = 20;
const RECIPIENTS: &str = "/admin/recipients";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/admin/recipients/import",
            post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route(
            "/admin/notices/retry",
            post(retry).layer(DefaultBodyLimit::max(
                crate::admin::ssr::http::MAX_BODY_BYTES,
            )),
        )
}

fn multipart_failed(error: axum::extract::multipart::MultipartError) -> HttpError {
    if error.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        HttpError::PayloadTooLarge(error.body_text().into())
    } else {
        HttpError::BadRequest(error.body_text().into())
    }
}

/// `POST /admin/recipients/import`, for admins: a multipart form with the session's `csrf`
/// token first and then the CSV `file`. The session and its role are checked from the cookie
/// before the body is read, and the token before the file is: a stranger's upload costs no
/// reading. Answers 303 back to the page with what the import did.
async fn upload(
    State(state): State<AppState>,
    session: AdminSession,
    multipart: Result<Multipart, MultipartRejection>,
) -> HttpResult {
    session.allow(Role::Admin)?;
    let Ok(mut multipart) = multipart else {
        return Err(HttpError::BadRequest(
            "send the form as multipart/form-data, with the csrf field and the file".into(),
        ));
    };
    let csrf = match multipart.next_field().await.map_err(multipart_failed)? {
        Some(field) if field.name() == Some("csrf") => {
            field.text().await.map_err(multipart_failed)?
        }
        _ => {
            return Err(HttpError::BadRequest(
                "the form's csrf field must come first, before the file; reload the page and try again"
                    .into(),
            ));
        }
    };
    session.allow_change(Role::Admin, &csrf)?;
    let mut file = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(multipart_failed)? {
        if field.name() == Some("file") {
            file = field.bytes().await.map_err(multipart_failed)?.to_vec();
        }
    }
    let back = |notice: RecipientsNotice| Ok(back_with(RECIPIENTS, &notice, &[]));
    if file.is_empty() {
        return back(RecipientsNotice::NoFile);
    }
    let (valid, invalid) = match recipients_file::read(file.as_slice()) {
        Ok(rows) => rows,
        Err(error) => {
            let reason = error.to_string();
            return back(RecipientsNotice::Unreadable { reason });
        }
    };
    let imported = import_recipients(&state.db, &valid, &session.actor).await?;
    let rows = invalid
        .iter()
        .take(ROWS_REPORTED)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    back(RecipientsNotice::Imported {
        added: imported.added.to_string(),
        updated: imported.updated.to_string(),
        unchanged: imported.unchanged.to_string(),
        invalid: invalid.len().to_string(),
        rows,
    })
}

#[derive(Deserialize)]
struct RetryForm {
    csrf: String,
    campaign: i64,
}

async fn retry(
    State(state): State<AppState>,
    session: AdminSession,
    Form(form): Form<RetryForm>,
) -> HttpResult {
    session.allow_change(Role::Publisher, &form.csrf)?;
    match retry_failed(&state.db, form.campaign, &session.actor).await? {
        Some(retried) => Ok(back_with(
            &format!("/admin/notices/{}", form.campaign),
            &CampaignNotice::Retried {
                count: retried.to_string(),
            },
            &[],
        )),
        None => Err(HttpError::NotFound(
            "There is no such notice campaign.".into(),
        )),
    }
}
