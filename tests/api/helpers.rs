use app::{
    clock::Timestamp,
    db::Db,
    documents::{
        DocumentKind, Slug,
        ssr::{NewDocument, create},
    },
    i18n::Locale,
    revisions::{
        RevisionClass,
        ssr::{NewRevision, publish},
    },
    state::AppState,
};
use charter::{Application, config::Config};
use figment::providers::Serialized;
use reqwest::{StatusCode, header::HeaderName};
use std::time::Duration;
use tokio::{sync::oneshot, task::JoinHandle};
use url::Url;

/// Runs `async fn $test(backend: Backend)` once per backend, as `$test::sqlite` and
/// `$test::postgres`, so the test output shows both.
macro_rules! both_backends {
    ($($test:ident),* $(,)?) => {
        $(
            mod $test {
                #[test]
                fn sqlite() {
                    crate::helpers::run(super::$test(crate::helpers::Backend::Sqlite))
                }

                #[test]
                fn postgres() {
                    if let Some(backend) = crate::helpers::Backend::postgres() {
                        crate::helpers::run(super::$test(backend))
                    }
                }
            }
        )*
    };
}
pub(crate) use both_backends;

/// Each test runs on a fresh multi-threaded runtime of its own; tests run in parallel, each
/// with its own server and database.
pub fn run<T, F: Future<Output = T>>(test: F) -> T {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("test runtime")
        .block_on(test)
}

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// PostgreSQL when `TEST_DATABASE_URL` names a server. Under CI its absence is a failure,
    /// not a skip, so a green run always means both backends were tested.
    pub fn postgres() -> Option<Self> {
        if std::env::var("TEST_DATABASE_URL").is_ok() {
            return Some(Backend::Postgres);
        }
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but TEST_DATABASE_URL is not: PostgreSQL tests must run in CI"
        );
        eprintln!("skipped: TEST_DATABASE_URL is not set");
        None
    }
}

/// A database that exists for one test and is removed afterwards.
/// Also owns a directory for the test's files: the SQLite database, `.eml` notices.
pub struct TestDatabase {
    pub url: String,
    files: tempfile::TempDir,
    cleanup: Cleanup,
}

enum Cleanup {
    /// The files directory holds everything; dropping it removes the database too.
    Files,
    PostgresDatabase {
        admin_url: String,
        name: String,
    },
}

impl TestDatabase {
    pub async fn create(backend: Backend) -> Self {
        let files = tempfile::tempdir().expect("temporary directory");
        match backend {
            Backend::Sqlite => {
                let url = format!("sqlite:{}", files.path().join("charter.db").display());
                Self {
                    url,
                    files,
                    cleanup: Cleanup::Files,
                }
            }
            Backend::Postgres => {
                let admin_url = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
                let name = format!("charter_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = connect_admin(&admin_url).await;
                sqlx::Executor::execute(
                    &mut admin,
                    format!(r#"CREATE DATABASE "{name}""#).as_str(),
                )
                .await
                .expect("create test database");
                let mut url = Url::parse(&admin_url).expect("TEST_DATABASE_URL is a URL");
                url.set_path(&name);
                Self {
                    url: url.to_string(),
                    files,
                    cleanup: Cleanup::PostgresDatabase { admin_url, name },
                }
            }
        }
    }

    /// Where notices go as `.eml` files when a test sets no SMTP server.
    pub fn outbox_dir(&self) -> std::path::PathBuf {
        self.files.path().join("outbox")
    }
}

async fn connect_admin(admin_url: &str) -> sqlx::PgConnection {
    use sqlx::Connection;
    sqlx::PgConnection::connect(admin_url)
        .await
        .expect("connect to TEST_DATABASE_URL")
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Cleanup::PostgresDatabase { admin_url, name } = &self.cleanup {
            let (admin_url, database) = (admin_url.clone(), name.clone());
            // Drop runs inside the test's runtime, which cannot block on itself: use a thread.
            let dropped = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                runtime.block_on(async move {
                    let mut admin = connect_admin(&admin_url).await;
                    sqlx::Executor::execute(
                        &mut admin,
                        format!(r#"DROP DATABASE IF EXISTS "{database}" WITH (FORCE)"#).as_str(),
                    )
                    .await
                    .map(drop)
                })
            })
            .join();
            if !matches!(dropped, Ok(Ok(()))) {
                eprintln!("could not drop test database {name}");
            }
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: Db,
    /// The server's state, for what a test must reach inside it (its hashing capacity).
    pub state: AppState,
    /// The demo company site's address, when the settings asked for one.
    pub demo_site: Option<String>,
    database: Option<TestDatabase>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
}

pub struct Options {
    pub demo: bool,
    pub organisation: &'static str,
    /// Further settings by key, e.g. `("smtp_url", ...)`. The notice worker is off unless
    /// `("notice_worker", "true")` is among them, so tests that look at the queue see it as
    /// publishing left it.
    pub settings: Vec<(&'static str, String)>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            demo: false,
            organisation: "Test Organisation",
            settings: Vec::new(),
        }
    }
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, Options::default()).await
}

/// An application loaded with the demo content, as `CHARTER_DEMO=1` does.
pub async fn spawn_demo_app(backend: Backend) -> TestApp {
    spawn_app_with(
        backend,
        Options {
            demo: true,
            organisation: "Quillstone AI Ltd",
            ..Options::default()
        },
    )
    .await
}

pub async fn spawn_app_with(backend: Backend, options: Options) -> TestApp {
    let database = TestDatabase::create(backend).await;
    start(database, options).await
}

/// Starts the application on port 0 against `database`.
pub async fn start(database: TestDatabase, options: Options) -> TestApp {
    let mut app = start_on(&database, options).await;
    app.database = Some(database);
    app
}

/// Another instance on the database of `first`, as a second server behind a load balancer;
/// the database stays `first`'s.
pub async fn start_another(first: &TestApp, options: Options) -> TestApp {
    start_on(first.database.as_ref().expect("running"), options).await
}

async fn start_on(database: &TestDatabase, options: Options) -> TestApp {
    start_at_url(&database.url, database.outbox_dir(), options).await
}

/// Starts the application against the database at `url`, which the test owns.
pub async fn start_at_url(url: &str, outbox_dir: std::path::PathBuf, options: Options) -> TestApp {
    init_test_logging();
    let mut figment = Config::figment(None)
        .expect("figment")
        .merge(Serialized::default("addr", "127.0.0.1:0"))
        .merge(Serialized::default("database_url", url))
        .merge(Serialized::default("demo", options.demo))
        .merge(Serialized::default("organisation", options.organisation))
        .merge(Serialized::default("notice_worker", false))
        .merge(Serialized::default("outbox_dir", outbox_dir));
    // Read as an environment variable would be, so "1000" is a number.
    for (key, value) in &options.settings {
        let value: figment::value::Value = value.parse().expect("a setting value");
        figment = figment.merge(Serialized::default(key, value));
    }
    let config = Config::from_figment(figment).expect("valid test configuration");
    let application = Application::build(config)
        .await
        .expect("application builds");
    let address = format!("http://{}", application.local_addr());
    let demo_site = application
        .demo_site_addr()
        .map(|addr| format!("http://{addr}"));
    let db = application.db().clone();
    let state = application.state().clone();
    let (stop, stopped) = oneshot::channel();
    let server = tokio::spawn(application.run_until(
        async move {
            let _ = stopped.await;
        },
        Duration::from_secs(5),
    ));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client");
    TestApp {
        address,
        client,
        db,
        state,
        demo_site,
        database: None,
        stop: Some(stop),
        server: Some(server),
    }
}

impl TestApp {
    /// The URL of the app's database, for a test that connects as another process would.
    pub fn database_url(&self) -> &str {
        &self.database.as_ref().expect("running").url
    }

    /// The version of the cookie inventory in force, which every consent request names.
    pub async fn configuration_version(&self) -> String {
        app::inventory::ssr::active(&self.db)
            .await
            .expect("read the inventory in force")
            .expect("an inventory in force")
            .version
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// GETs `path`: its status and its body as a reader sees it (see [`readable_text`]).
    pub async fn page(&self, path: &str) -> (StatusCode, String) {
        self.page_with(path, &[]).await
    }

    pub async fn page_with(
        &self,
        path: &str,
        headers: &[(HeaderName, &str)],
    ) -> (StatusCode, String) {
        let response = self.get_with(path, headers).await;
        (response.status(), readable_text(response).await)
    }

    /// GETs `path` with `headers`.
    pub async fn get_with(&self, path: &str, headers: &[(HeaderName, &str)]) -> reqwest::Response {
        let mut request = self.client.get(self.url(path));
        for (name, value) in headers {
            request = request.header(name, *value);
        }
        request.send().await.expect("request")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    /// Stops the server gracefully and hands back its database, e.g. to start it again.
    pub async fn stop(mut self) -> TestDatabase {
        self.shutdown().await;
        self.database
            .take()
            .expect("database present until stopped")
    }

    async fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server
                .await
                .expect("server task")
                .expect("server stops cleanly");
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Publishes `sources` in order as editorial revisions of a new English document.
pub async fn document_with(app: &TestApp, slug: &str, sources: &[&str]) {
    let slug: Slug = slug.parse().expect("a valid slug");
    create(
        &app.db,
        &NewDocument {
            slug: slug.clone(),
            kind: DocumentKind::Custom,
            titles: &[(Locale::En, "Data Notice")],
        },
        0,
    )
    .await
    .expect("document created");
    for source in sources {
        publish_editorial(app, &slug, source).await;
    }
}

/// Publishes an English editorial revision, in effect at once.
pub async fn publish_editorial(app: &TestApp, slug: &Slug, source: &str) {
    let now = Timestamp::now();
    publish(
        &app.db,
        &NewRevision {
            slug,
            locale: Locale::En,
            source,
            class: RevisionClass::Editorial,
            summary: "",
            author: "Editor",
            published_at: now,
            effective_at: now,
            notice_days: 30,
            images: app::markdown::ImageHosts::site_only(),
        },
    )
    .await
    .expect("a valid editorial revision publishes");
}

/// The body without Fluent's Unicode isolation marks, which wrap every interpolated value so
/// that right-to-left names cannot reorder the sentence around them.
pub async fn readable_text(response: reqwest::Response) -> String {
    response
        .text()
        .await
        .expect("a body")
        .replace(['\u{2068}', '\u{2069}'], "")
}

/// Logs go to the test output only when `TEST_LOG` is set.
fn init_test_logging() {
    if std::env::var_os("TEST_LOG").is_some() {
        charter::telemetry::init(tracing_subscriber::EnvFilter::new("debug,sqlx=info"));
    }
}

/// The `charter_consent` value a response sets.
/// Records `method` (`accept_all` or `reject_all`) through the consent API and answers the
/// `Cookie` header value the browser would send from then on.
pub async fn chosen_cookie(app: &TestApp, method: &str, key: &str) -> String {
    let version = app.configuration_version().await;
    let chosen = app
        .client
        .post(app.url("/api/consent"))
        .json(&serde_json::json!({
            "method": method,
            "configuration_version": version,
            "idempotency_key": key,
        }))
        .send()
        .await
        .expect("request");
    assert_eq!(chosen.status(), StatusCode::CREATED);
    format!("charter_consent={}", consent_cookie(chosen.headers()))
}

pub fn consent_cookie(headers: &reqwest::header::HeaderMap) -> String {
    headers
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("charter_consent="))
        .and_then(|c| c.split(';').next())
        .expect("a consent cookie")
        .to_owned()
}
