//! The UI's error type, the page that shows it, and the 404 page.
//!
//! Server functions return `AppError`, whose messages are safe to show: the cause of an internal
//! error is logged on the server and never sent. During server rendering the error page sets the
//! HTTP status, so a missing page answers 404 and a failure 500, not 200.

use leptos::prelude::*;
use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use leptos_fluent::{move_tr, tr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// A revision number the document does not have in this locale; `latest` is the highest it
    /// has (0 for none).
    #[error("there is no version {number} of this document; the latest is {latest}")]
    NoSuchRevision { number: i64, latest: i64 },
    /// A comparison address that does not name two revision numbers.
    #[error("a comparison names two version numbers, like 2..3")]
    BadRange,
    /// A page for signed-in admins asked for without a session; its error page redirects to
    /// the sign-in page, and back to the page afterwards.
    #[error("sign in first")]
    SignInRequired,
    /// A call from the browser whose session has ended (signed out, idle or expired).
    #[error("your session has ended; sign in again")]
    SessionEnded,
    /// Signed in, but the account's role does not allow this.
    #[error("your role does not allow this")]
    Forbidden,
    /// A state-changing call without its session's CSRF token.
    #[error("this request does not belong to your current session; reload the page and try again")]
    CsrfRefused,
    /// Input a person must correct; the message says how.
    #[error("{0}")]
    Invalid(String),
    #[error("internal error")]
    Internal,
    /// The request never reached the function (network, encoding) or its arguments were bad.
    #[error("request failed: {0}")]
    Request(String),
}

impl AppError {
    pub fn status(&self) -> u16 {
        match self {
            AppError::NotFound | AppError::NoSuchRevision { .. } | AppError::BadRange => 404,
            // With the `Location` the error page sets (see `ErrorTemplate`).
            AppError::SignInRequired => 302,
            AppError::SessionEnded => 401,
            AppError::Forbidden | AppError::CsrfRefused => 403,
            AppError::Invalid(_) => 422,
            AppError::Internal => 500,
            AppError::Request(_) => 400,
        }
    }

    /// Sets this error's status on the response being built, so a server function's caller
    /// gets 400 or 404 rather than a generic 500.
    pub fn answered(self) -> Self {
        set_status(self.status());
        self
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(error: ServerFnErrorErr) -> Self {
        AppError::Request(error.to_string())
    }
}

impl From<ServerFnError> for AppError {
    fn from(error: ServerFnError) -> Self {
        AppError::Request(error.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        tracing::error!(%error, "database query failed");
        AppError::Internal
    }
}

/// Sets the response status while the page is rendered on the server.
fn set_status(_status: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(response), Ok(status)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        axum::http::StatusCode::from_u16(_status),
    ) {
        response.set_status(status);
    }
}

/// Sends the browser to sign in, and back to the page it asked for afterwards. Set while the
/// error page renders rather than where the session was found missing: a resource's server
/// function may run where the response being built is not the one sent, and a 302 without its
/// `Location` (which that produced now and then) leaves the browser on the error page.
fn to_sign_in_and_back() {
    #[cfg(feature = "ssr")]
    if let (Some(response), Some(request)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        use_context::<axum::http::request::Parts>(),
    ) {
        let asked = request
            .uri
            .path_and_query()
            .map_or("/admin", |asked| asked.as_str());
        let to = crate::http::sign_in_and_back(asked);
        if let Ok(location) = axum::http::HeaderValue::from_str(&to) {
            response.insert_header(axum::http::header::LOCATION, location);
        }
    }
}

/// Shows the first error of an `ErrorBoundary` as a page and sets the matching status.
#[component]
pub fn ErrorTemplate(errors: ArcRwSignal<Errors>) -> impl IntoView {
    let error = move || {
        errors
            .get()
            .into_iter()
            .map(|(_, error)| {
                error
                    .downcast_ref::<AppError>()
                    .cloned()
                    .unwrap_or(AppError::Internal)
            })
            .next()
            .unwrap_or(AppError::Internal)
    };
    set_status(error().status());
    if error() == AppError::SignInRequired {
        to_sign_in_and_back();
    }
    move || {
        match error() {
        AppError::NotFound => view! { <NotFound /> }.into_any(),
        AppError::NoSuchRevision { number, latest } => view! {
            <section class="error-page">
                <h1>{move_tr!("not-found-title")}</h1>
                <p>{move || tr!("error-no-such-revision", { "number" => number, "latest" => latest })}</p>
                <p><a href="/">{move_tr!("error-back-home")}</a></p>
            </section>
        }
        .into_any(),
        AppError::BadRange => view! {
            <section class="error-page">
                <h1>{move_tr!("not-found-title")}</h1>
                <p>{move_tr!("error-bad-range")}</p>
                <p><a href="/">{move_tr!("error-back-home")}</a></p>
            </section>
        }
        .into_any(),
        AppError::SignInRequired => view! {
            <section class="error-page">
                <h1>{move_tr!("admin-sign-in-title")}</h1>
                <p><a href="/admin/sign-in">{move_tr!("admin-sign-in")}</a></p>
            </section>
        }
        .into_any(),
        AppError::SessionEnded => view! {
            <section class="error-page">
                <h1>{move_tr!("admin-sign-in-title")}</h1>
                <p>{move_tr!("error-session-ended")}</p>
                <p><a href="/admin/sign-in">{move_tr!("admin-sign-in")}</a></p>
            </section>
        }
        .into_any(),
        AppError::Forbidden | AppError::CsrfRefused => view! {
            <section class="error-page">
                <h1>{move_tr!("error-forbidden-title")}</h1>
                <p>{move_tr!("error-forbidden-body")}</p>
                <p><a href="/admin">{move_tr!("admin-home-title")}</a></p>
            </section>
        }
        .into_any(),
        AppError::Invalid(message) => view! {
            <section class="error-page">
                <h1>{move_tr!("error-request-title")}</h1>
                <p>{message}</p>
                <p><a href="/">{move_tr!("error-back-home")}</a></p>
            </section>
        }
        .into_any(),
        AppError::Internal => view! {
            <section class="error-page">
                <h1>{move_tr!("error-internal-title")}</h1>
                <p>{move_tr!("error-internal-body")}</p>
                <p><a href="/">{move_tr!("error-back-home")}</a></p>
            </section>
        }
        .into_any(),
        AppError::Request(_) => view! {
            <section class="error-page">
                <h1>{move_tr!("error-request-title")}</h1>
                <p>{move_tr!("error-request-body")}</p>
                <p><a href="/">{move_tr!("error-back-home")}</a></p>
            </section>
        }
        .into_any(),
    }
    }
}

/// What `resource` loads, shown through `render`: a loading line meanwhile, and the error page
/// (with its status) when loading fails. Every data-backed page is framed this way.
#[component]
pub fn Loaded<T, V>(resource: Resource<Result<T, AppError>>, render: fn(T) -> V) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + for<'de> Deserialize<'de> + 'static,
    V: IntoView + 'static,
{
    view! {
        <Transition fallback=move || view! { <p>{move_tr!("loading")}</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorTemplate errors /> }>
                {move || Suspend::new(async move { resource.await.map(render) })}
            </ErrorBoundary>
        </Transition>
    }
}

/// The page for every path that matches no route; answers 404.
#[component]
pub fn NotFound() -> impl IntoView {
    set_status(404);
    view! {
        <section class="error-page">
            <h1>{move_tr!("not-found-title")}</h1>
            <p>{move_tr!("not-found-body")}</p>
            <p><a href="/">{move_tr!("error-back-home")}</a></p>
        </section>
    }
}
