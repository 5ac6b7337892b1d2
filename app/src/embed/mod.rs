//! `/embed/v1.js`: the consent banner for the company's other sites, in one script tag. The
//! script is plain JavaScript (host pages' policies rarely allow wasm) that draws the banner in
//! a Shadow DOM and talks to the consent API (`/api/consent/banner`, `/api/consent`,
//! `/api/consent/gpc`), which answers registered sites only (`crate::sites`).

#[cfg(feature = "ssr")]
pub mod ssr {
    use crate::state::AppState;
    use axum::{
        Router,
        http::{HeaderValue, StatusCode, header},
        response::{IntoResponse, Response},
        routing::get,
    };
    use base64::{Engine, engine::general_purpose::STANDARD};
    use sha2::{Digest, Sha256, Sha384};
    use std::sync::LazyLock;

    /// The script, compiled in: it is served as it is written.
    pub const SCRIPT: &str = include_str!("v1.js");

    /// The script's content address and its Subresource Integrity value.
    struct Versioned {
        path: String,
        integrity: String,
    }

    static VERSIONED: LazyLock<Versioned> = LazyLock::new(|| {
        let digest = hex::encode(Sha256::digest(SCRIPT.as_bytes()));
        Versioned {
            path: format!("/embed/v1.{}.js", &digest[..16]),
            integrity: format!(
                "sha384-{}",
                STANDARD.encode(Sha384::digest(SCRIPT.as_bytes()))
            ),
        }
    });

    /// The tags a site adds: the content-addressed script with its integrity value, so the
    /// site's page runs exactly the script it was given. (`/embed/v1.js` always serves the
    /// newest, for sites that prefer updates to pinning.)
    pub fn snippet(base_url: &str) -> String {
        format!(
            "<script src=\"{base_url}{}\" integrity=\"{}\" crossorigin=\"anonymous\" async></script>",
            VERSIONED.path, VERSIONED.integrity
        )
    }

    pub fn routes() -> Router<AppState> {
        Router::new()
            .route(
                "/embed/v1.js",
                get(|| async { script("public, max-age=300") }),
            )
            .route("/embed/{file}", get(versioned))
    }

    async fn versioned(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
        if format!("/embed/{file}") == VERSIONED.path {
            script("public, max-age=31536000, immutable")
        } else {
            (
                StatusCode::NOT_FOUND,
                "no such script: the current one is named on /admin/sites",
            )
                .into_response()
        }
    }

    /// The script, readable by any page (`integrity` needs a CORS answer).
    fn script(cache: &'static str) -> Response {
        (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/javascript; charset=utf-8"),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
                (
                    header::ACCESS_CONTROL_ALLOW_ORIGIN,
                    HeaderValue::from_static("*"),
                ),
                (
                    header::HeaderName::from_static("cross-origin-resource-policy"),
                    HeaderValue::from_static("cross-origin"),
                ),
            ],
            SCRIPT,
        )
            .into_response()
    }
}
