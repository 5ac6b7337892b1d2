//! The log's public endpoints: the public key, the checkpoints, and RFC 6962 proofs, all that
//! a verifier outside the company needs besides the records themselves.

use super::{EvidenceError, checkpoints, tree};
use crate::{
    http::{HttpError, HttpResult},
    state::AppState,
};
use axum::{
    Json, Router,
    extract::{Path, Query, State, rejection::QueryRejection},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
    routing::get,
};
use base64::{Engine, engine::general_purpose::STANDARD};
use serde::{Deserialize, Serialize};

/// Checkpoints one page of `/log/checkpoints` lists at most.
const CHECKPOINTS_PER_PAGE: i64 = 1000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/.well-known/charter-log.pub", get(public_key))
        .route("/log/checkpoint", get(latest_checkpoint))
        .route("/log/checkpoints", get(checkpoint_list))
        .route("/log/checkpoints/{size}", get(checkpoint_of_size))
        .route("/log/proof/inclusion", get(inclusion))
        .route("/log/proof/consistency", get(consistency))
}

impl From<EvidenceError> for HttpError {
    fn from(error: EvidenceError) -> Self {
        HttpError::internal(&error)
    }
}

fn text(body: String, cache: &'static str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
            (
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            ),
        ],
        body,
    )
        .into_response()
}

fn json<T: Serialize>(value: &T, cache: &'static str) -> Response {
    (
        [
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
            (
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            ),
        ],
        Json(value),
    )
        .into_response()
}

async fn public_key(State(state): State<AppState>) -> Response {
    text(
        format!("{}\n", state.log_key.public_key()),
        "public, max-age=3600",
    )
}

async fn latest_checkpoint(State(state): State<AppState>) -> HttpResult {
    let latest = checkpoints::latest(&state.db)
        .await?
        .ok_or(HttpError::NotFound(
            "no checkpoint has been signed yet: one is signed within a minute of the first record"
                .into(),
        ))?;
    Ok(text(latest.note, "no-cache"))
}

async fn checkpoint_of_size(State(state): State<AppState>, Path(size): Path<String>) -> HttpResult {
    let size: u64 = size.parse().map_err(|_| {
        HttpError::BadRequest("a checkpoint is named by its tree size, a whole number".into())
    })?;
    let checkpoint = checkpoints::of_size(&state.db, size)
        .await?
        .ok_or_else(|| {
            HttpError::NotFound(
                format!("no checkpoint was signed at size {size}; /log/checkpoints lists them")
                    .into(),
            )
        })?;
    // A checkpoint never changes once signed.
    Ok(text(checkpoint.note, "public, max-age=31536000, immutable"))
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    after: Option<u64>,
}

#[derive(Serialize)]
struct CheckpointPage {
    checkpoints: Vec<checkpoints::SignedCheckpoint>,
    /// The query for the next page, when there may be one.
    next: Option<String>,
}

async fn checkpoint_list(
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> HttpResult {
    let Query(query) = query
        .map_err(|_| HttpError::BadRequest("`after` must be a tree size, a whole number".into()))?;
    let page = checkpoints::list(&state.db, query.after, CHECKPOINTS_PER_PAGE).await?;
    let next = (page.len() as i64 == CHECKPOINTS_PER_PAGE)
        .then(|| {
            page.last()
                .map(|last| format!("/log/checkpoints?after={}", last.size))
        })
        .flatten();
    Ok(json(
        &CheckpointPage {
            checkpoints: page,
            next,
        },
        "no-cache",
    ))
}

#[derive(Debug, Deserialize)]
struct InclusionQuery {
    index: u64,
    size: u64,
}

#[derive(Serialize)]
struct InclusionProof {
    index: u64,
    size: u64,
    /// Base64 of the leaf's RFC 6962 hash.
    leaf_hash: String,
    /// Base64 of each hash of the audit path, leaf to root.
    proof: Vec<String>,
}

fn base64_all(hashes: &[tlog_tiles::Hash]) -> Vec<String> {
    hashes.iter().map(|hash| STANDARD.encode(hash.0)).collect()
}

/// Refuses a size the tree has not reached.
async fn within_tree(conn: &mut sqlx::AnyConnection, size: u64) -> Result<(), HttpError> {
    let current = tree::size(conn).await?;
    if size > current {
        return Err(HttpError::NotFound(
            format!("the log has {current} leaves, fewer than {size}").into(),
        ));
    }
    Ok(())
}

async fn inclusion(
    State(state): State<AppState>,
    query: Result<Query<InclusionQuery>, QueryRejection>,
) -> HttpResult {
    let Query(InclusionQuery { index, size }) = query.map_err(|_| {
        HttpError::BadRequest(
            "give `index` (the leaf) and `size` (the tree, as in a checkpoint), whole numbers"
                .into(),
        )
    })?;
    if index >= size {
        return Err(HttpError::BadRequest(
            format!("leaf {index} is not in a tree of {size} leaves: `index` must be below `size`")
                .into(),
        ));
    }
    let mut conn = state.db.reader().acquire().await?;
    within_tree(&mut conn, size).await?;
    let proof = tree::inclusion_proof(&mut conn, index, size).await?;
    let leaf_hash = tree::leaf_hash(&mut conn, index).await?;
    Ok(json(
        &InclusionProof {
            index,
            size,
            leaf_hash: STANDARD.encode(leaf_hash.0),
            proof: base64_all(&proof),
        },
        "public, max-age=31536000, immutable",
    ))
}

#[derive(Debug, Deserialize)]
struct ConsistencyQuery {
    from: u64,
    to: u64,
}

#[derive(Serialize)]
struct ConsistencyProof {
    from: u64,
    to: u64,
    proof: Vec<String>,
}

async fn consistency(
    State(state): State<AppState>,
    query: Result<Query<ConsistencyQuery>, QueryRejection>,
) -> HttpResult {
    let Query(ConsistencyQuery { from, to }) = query.map_err(|_| {
        HttpError::BadRequest("give `from` and `to`, the sizes of two trees, whole numbers".into())
    })?;
    if from == 0 || from > to {
        return Err(HttpError::BadRequest(
            format!(
                "no proof from {from} to {to} leaves: `from` must be at least 1 and at most `to`"
            )
            .into(),
        ));
    }
    let mut conn = state.db.reader().acquire().await?;
    within_tree(&mut conn, to).await?;
    let proof = tree::consistency_proof(&mut conn, from, to).await?;
    Ok(json(
        &ConsistencyProof {
            from,
            to,
            proof: base64_all(&proof),
        },
        "public, max-age=31536000, immutable",
    ))
}
