//! The query layer's foundation: one handle over SQLite (embedded default) or PostgreSQL
//! (multi-instance backend), chosen by the URL scheme.
//!
//! Queries are written once, with `$1`-style placeholders that both backends understand, and run
//! through sqlx's `Any` driver. Nothing outside this module and the slices' `ssr` query modules
//! knows which backend is in use.

use sqlx::{
    AnyPool, Executor,
    any::{AnyConnectOptions, AnyPoolOptions},
    migrate::Migrator,
    postgres::PgConnectOptions,
    sqlite::SqliteConnectOptions,
};
use std::{
    fmt,
    path::{Path, PathBuf},
    str::FromStr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

/// How long a request waits for a connection before it fails instead of hanging.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long SQLite waits on a lock held by another connection before reporting "busy".
const SQLITE_BUSY_TIMEOUT_MS: u32 = 5_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        })
    }
}

/// A database URL whose scheme names a supported backend and whose options parse.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct DatabaseUrl {
    url: String,
    backend: Backend,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DatabaseUrlError {
    #[error("must start with `sqlite:` (e.g. sqlite:data/charter.db) or `postgres://`")]
    UnknownScheme,
    #[error("is not a valid {backend} URL: {reason}")]
    Invalid { backend: Backend, reason: String },
}

impl FromStr for DatabaseUrl {
    type Err = DatabaseUrlError;

    fn from_str(url: &str) -> Result<Self, Self::Err> {
        let url = url.trim();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(DatabaseUrlError::UnknownScheme);
        };
        let invalid = |e: sqlx::Error| DatabaseUrlError::Invalid {
            backend,
            reason: e.to_string(),
        };
        match backend {
            Backend::Sqlite => SqliteConnectOptions::from_str(url).map(drop),
            Backend::Postgres => PgConnectOptions::from_str(url).map(drop),
        }
        .map_err(invalid)?;
        Ok(Self {
            url: url.to_owned(),
            backend,
        })
    }
}

impl TryFrom<String> for DatabaseUrl {
    type Error = DatabaseUrlError;

    fn try_from(url: String) -> Result<Self, Self::Error> {
        url.parse()
    }
}

impl DatabaseUrl {
    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn as_str(&self) -> &str {
        &self.url
    }

    fn is_sqlite_memory(&self) -> bool {
        self.backend == Backend::Sqlite && self.url.contains(":memory:")
    }

    /// The file a SQLite URL points at, if it is a file.
    fn sqlite_file(&self) -> Option<PathBuf> {
        if self.backend != Backend::Sqlite || self.is_sqlite_memory() {
            return None;
        }
        SqliteConnectOptions::from_str(&self.url)
            .ok()
            .map(|options| options.get_filename().to_path_buf())
    }

    /// The URL handed to the driver: a SQLite file is created when missing unless the URL
    /// asks for another mode.
    fn driver_url(&self) -> String {
        if self.backend == Backend::Sqlite
            && !self.is_sqlite_memory()
            && !self.url.contains("mode=")
        {
            let separator = if self.url.contains('?') { '&' } else { '?' };
            format!("{}{separator}mode=rwc", self.url)
        } else {
            self.url.clone()
        }
    }
}

/// Passwords stay out of logs and error messages.
impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DatabaseUrl")
            .field(&self.redacted())
            .finish()
    }
}

impl DatabaseUrl {
    fn redacted(&self) -> String {
        let Some((scheme, rest)) = self.url.split_once("://") else {
            return self.url.clone();
        };
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        match authority.rsplit_once('@') {
            Some((userinfo, host)) => match userinfo.split_once(':') {
                Some((user, _password)) => format!("{scheme}://{user}:***@{host}{path}"),
                None => self.url.clone(),
            },
            None => self.url.clone(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("could not create the directory {path} for the SQLite database: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("could not create the SQLite database {path}: {source}")]
    CreateFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("could not connect to the {backend} database: {source}")]
    Connect {
        backend: Backend,
        source: sqlx::Error,
    },
    #[error("could not apply the {backend} migrations: {source}")]
    Migrate {
        backend: Backend,
        source: sqlx::migrate::MigrateError,
    },
    #[error(transparent)]
    Query(#[from] sqlx::Error),
}

/// Creates a missing SQLite database file, and its missing directories, readable by this user
/// only: it holds consent evidence and sessions. SQLite gives the WAL and shared-memory files
/// the database file's mode. An existing file keeps the mode its operator gave it.
fn create_private(file: &Path) -> Result<(), DbError> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    if let Some(parent) = file.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)
            .map_err(|source| DbError::CreateDir {
                path: parent.to_path_buf(),
                source,
            })?;
    }
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(file)
    {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(source) => Err(DbError::CreateFile {
            path: file.to_path_buf(),
            source,
        }),
    }
}

/// The process's one database handle. Cloning is cheap: both pools are reference-counted.
///
/// SQLite gets a single writer connection: several writers are no faster (SQLite serialises
/// them anyway) and make tail latency much worse. Readers may be many. On PostgreSQL both roles
/// share one pool.
#[derive(Clone, Debug)]
pub struct Db {
    backend: Backend,
    reader: AnyPool,
    writer: AnyPool,
    /// How many times this process changed what public pages show; see `content_changed`.
    content: Arc<AtomicU64>,
}

impl Db {
    #[tracing::instrument(name = "db.connect", skip_all, fields(backend = %url.backend()))]
    pub async fn connect(url: &DatabaseUrl) -> Result<Self, DbError> {
        sqlx::any::install_default_drivers();
        let backend = url.backend();
        // A URL that names its own `mode=` (read-only, say) gets nothing created.
        if let Some(file) = url.sqlite_file()
            && !url.url.contains("mode=")
        {
            create_private(&file)?;
        }
        let options = AnyConnectOptions::from_str(&url.driver_url())
            .map_err(|source| DbError::Connect { backend, source })?;
        let connect = |max_connections: u32| {
            pool_options(backend, max_connections, "").connect_with(options.clone())
        };
        let db = match backend {
            Backend::Sqlite if url.is_sqlite_memory() => {
                // Every connection to `:memory:` is a database of its own: keep exactly one.
                let pool = connect(1)
                    .await
                    .map_err(|source| DbError::Connect { backend, source })?;
                Self {
                    backend,
                    reader: pool.clone(),
                    writer: pool,
                    content: Arc::default(),
                }
            }
            Backend::Sqlite => {
                // The single writer leaves checkpoints (copying the WAL into the database, which
                // takes milliseconds) to a background task, so no commit waits behind one, and
                // keeps the hot pages of the indexes it extends in a larger cache.
                //
                // A new database gets 1 KiB pages (an existing one keeps its own): each consent
                // event lands on a random leaf of three indexes (idempotency key, hash, subject),
                // and every page a commit touches is written whole to the WAL, so smaller pages
                // cut the bytes each durable commit writes. The load benchmark measured about a
                // quarter more group-committed events per second than with 4 KiB pages, and a
                // lower p99.
                let writer = pool_options(
                    backend,
                    1,
                    "PRAGMA page_size = 1024; PRAGMA wal_autocheckpoint = 0; \
                     PRAGMA cache_size = -16384;",
                )
                .connect_with(options.clone())
                .await
                .map_err(|source| DbError::Connect { backend, source })?;
                // WAL lets readers proceed while the writer commits. It is a property of the
                // file, set once through the writer before any reader opens it.
                writer.execute("PRAGMA journal_mode = WAL").await?;
                let reader = connect(8)
                    .await
                    .map_err(|source| DbError::Connect { backend, source })?;
                tokio::spawn(checkpoint_periodically(reader.clone()));
                Self {
                    backend,
                    reader,
                    writer,
                    content: Arc::default(),
                }
            }
            Backend::Postgres => {
                let pool = connect(32)
                    .await
                    .map_err(|source| DbError::Connect { backend, source })?;
                Self {
                    backend,
                    reader: pool.clone(),
                    writer: pool,
                    content: Arc::default(),
                }
            }
        };
        tracing::info!(backend = %backend, "database connected");
        Ok(db)
    }

    /// Applies the embedded migrations of this backend that have not run yet, then finishes
    /// what a migration left to the application.
    pub async fn migrate(&self) -> Result<(), DbError> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        // A role that only serves (see the README's PostgreSQL set-up) may not create tables,
        // not even the migrations table `IF NOT EXISTS`: the migrator runs only when a
        // migration is pending, which takes the owner.
        if self.pending_migrations(migrator).await? {
            migrator
                .run(&self.writer)
                .await
                .map_err(|source| DbError::Migrate {
                    backend: self.backend,
                    source,
                })?;
        }
        // What migration 0012 could not do in SQL on SQLite: hash the tokens it set aside.
        crate::notices::subscriptions::ssr::hash_legacy_tokens(self).await?;
        // What migration 0014 could not do in SQL: the leaves of the records before it.
        crate::evidence::ssr::backfill::backfill(self).await?;
        Ok(())
    }

    /// Whether `migrator` has a migration this database has not applied.
    async fn pending_migrations(&self, migrator: &Migrator) -> Result<bool, DbError> {
        let table = match self.backend {
            Backend::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"
            }
            Backend::Postgres => "SELECT to_regclass('_sqlx_migrations')::text",
        };
        let exists: Option<Option<String>> = sqlx::query_scalar(table)
            .fetch_optional(&self.writer)
            .await?;
        if exists.flatten().is_none() {
            return Ok(true);
        }
        let applied: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                .fetch_all(&self.writer)
                .await?;
        Ok(migrator
            .iter()
            .any(|migration| !applied.contains(&migration.version)))
    }

    /// Answers whether the database serves queries right now.
    pub async fn ping(&self) -> Result<(), DbError> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool for queries that only read.
    pub fn reader(&self) -> &AnyPool {
        &self.reader
    }

    /// The pool for statements that write; on SQLite it holds the single writer connection.
    pub fn writer(&self) -> &AnyPool {
        &self.writer
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`): a deferred transaction that reads and then writes while another
    /// process (the CLI, a second server) holds the lock fails with "database is locked" at
    /// once instead of waiting out the busy timeout, because upgrading a read lock cannot wait.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await,
            // Explicit, whatever the database's default: the evidence log's writers read the
            // tree's size after taking its lock, which sees the newest commit only at READ
            // COMMITTED (a REPEATABLE READ snapshot would predate the lock).
            Backend::Postgres => {
                self.writer
                    .begin_with("BEGIN ISOLATION LEVEL READ COMMITTED")
                    .await
            }
        }
    }

    /// Says that a committed write changed what public pages show (a document, a revision,
    /// the consent inventory, a setting), so pages rendered before it are no longer served
    /// from the page cache. Writes by other processes are found by `watch_content`.
    pub fn content_changed(&self) {
        self.content.fetch_add(1, Ordering::Release);
    }

    /// Changes so far, in the sense of `content_changed`.
    pub fn content_generation(&self) -> u64 {
        self.content.load(Ordering::Acquire)
    }

    /// Looks every `CONTENT_POLL_INTERVAL` for what another process (the CLI, a second
    /// instance) changed of what public pages show, and counts it as `content_changed` does.
    /// One small query a tick; the task ends when the handle is closed.
    pub fn watch_content(&self) {
        tokio::spawn(watch_content(self.reader.clone(), self.content.clone()));
    }

    /// Closes both pools, waiting for checked-out connections to come back.
    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }
}

/// Reports a stored value that no longer parses into its domain type as a decoding error of
/// its column, so callers see one kind of database failure.
pub fn decode_error(
    column: &str,
    error: impl std::error::Error + Send + Sync + 'static,
) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: column.to_owned(),
        source: Box::new(error),
    }
}

/// `count` parameter placeholders after the first `skip`, for a statement with many values
/// (multi-row inserts, long `IN` lists). SQLite gets anonymous `?`: it finds a numbered one by a
/// linear search, which makes binding a long statement quadratic. Use them for every parameter
/// of the statement: SQLite binds a `?` after a `$1` to the wrong value, without an error.
pub fn placeholders(backend: Backend, skip: usize, count: usize) -> String {
    let each: Vec<String> = match backend {
        Backend::Sqlite => vec!["?".to_owned(); count],
        Backend::Postgres => (skip + 1..=skip + count).map(|n| format!("${n}")).collect(),
    };
    each.join(", ")
}

/// A value a filter compares a column with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FilterValue {
    Int(i64),
    Text(String),
}

/// The `WHERE` clause of a query filtered by what a person chose, numbering its placeholders
/// (`$1`, `$2`, …) as both backends read them, so optional filters need no SQL per combination.
#[derive(Clone, Debug, Default)]
pub struct Conditions {
    clauses: Vec<String>,
    values: Vec<FilterValue>,
}

impl Conditions {
    /// Adds `clause`, whose one `$?` stands for `value`.
    pub fn push(&mut self, clause: &str, value: FilterValue) -> &mut Self {
        self.values.push(value);
        self.clauses
            .push(clause.replace("$?", &format!("${}", self.values.len())));
        self
    }

    /// ` WHERE a AND b`, or nothing without conditions.
    pub fn where_clause(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }

    /// The placeholder a value bound after these conditions gets.
    fn next_placeholder(&self) -> String {
        format!("${}", self.values.len() + 1)
    }

    /// The rows of `SELECT {columns_from}` these conditions select, newest (highest `id`)
    /// first, at most `limit`: one page of a filtered list.
    pub async fn newest(
        &self,
        db: &AnyPool,
        columns_from: &str,
        limit: i64,
    ) -> Result<Vec<sqlx::any::AnyRow>, sqlx::Error> {
        let sql = format!(
            "SELECT {columns_from}{} ORDER BY id DESC LIMIT {}",
            self.where_clause(),
            self.next_placeholder()
        );
        self.bind(sqlx::query(&sql)).bind(limit).fetch_all(db).await
    }

    /// `query` with the conditions' values bound, in order.
    pub fn bind<'q>(
        &'q self,
        mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        for value in &self.values {
            query = match value {
                FilterValue::Int(number) => query.bind(*number),
                FilterValue::Text(text) => query.bind(text.as_str()),
            };
        }
        query
    }
}

/// `text` as a `LIKE … ESCAPE '\'` pattern that matches it anywhere, its wildcards taken
/// literally.
pub fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// How often the WAL is copied into the database file on SQLite.
const CHECKPOINT_INTERVAL: Duration = Duration::from_secs(2);

/// Checkpoints the WAL without blocking the writer (`PASSIVE`) until the pool closes.
async fn checkpoint_periodically(pool: AnyPool) {
    let mut ticks = tokio::time::interval(CHECKPOINT_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while !pool.is_closed() {
        ticks.tick().await;
        if let Err(error) = pool.execute("PRAGMA wal_checkpoint(PASSIVE)").await
            && !pool.is_closed()
        {
            tracing::warn!(%error, "WAL checkpoint failed");
        }
    }
}

/// How soon a server sees a publication or an inventory that another process put in force.
const CONTENT_POLL_INTERVAL: Duration = Duration::from_millis(250);

/// The newest of each thing public pages show: it changes with every write that changes them.
const CONTENT_FINGERPRINT: &str = "SELECT
    CAST(COALESCE((SELECT MAX(id) FROM revisions), 0) AS BIGINT),
    CAST(COALESCE((SELECT MAX(id) FROM documents), 0) AS BIGINT),
    CAST(COALESCE((SELECT MAX(id) FROM consent_configuration_activations), 0) AS BIGINT),
    CAST(COALESCE((SELECT MAX(updated_at) FROM settings), 0) AS BIGINT)";

async fn watch_content(pool: AnyPool, content: Arc<AtomicU64>) {
    let mut ticks = tokio::time::interval(CONTENT_POLL_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut seen: Option<(i64, i64, i64, i64)> = None;
    // Said once when the checks start failing and once when they work again, not four
    // times a second while the database is away.
    let mut failing = false;
    while !pool.is_closed() {
        ticks.tick().await;
        match sqlx::query_as(CONTENT_FINGERPRINT).fetch_one(&pool).await {
            Ok(newest) => {
                if seen.is_some_and(|seen| seen != newest) {
                    content.fetch_add(1, Ordering::Release);
                }
                seen = Some(newest);
                if std::mem::take(&mut failing) {
                    tracing::info!("looking for content changed elsewhere again");
                }
            }
            Err(error) if !pool.is_closed() && !failing => {
                failing = true;
                tracing::warn!(%error, "cannot look for content changed elsewhere");
            }
            Err(_) => {}
        }
    }
}

/// `extra` is run on every new connection after the settings all connections share.
fn pool_options(backend: Backend, max_connections: u32, extra: &'static str) -> AnyPoolOptions {
    let options = AnyPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(ACQUIRE_TIMEOUT);
    match backend {
        // A connection to a local file cannot be dropped by a peer: testing it before every
        // use would only add a round trip to its worker thread per query.
        Backend::Sqlite => options
            .test_before_acquire(false)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    // Durable commits (synchronous = FULL), enforced foreign keys and a bounded
                    // wait on locks, on every connection: these are per-connection settings.
                    conn.execute(
                        format!(
                            "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; \
                         PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}; {extra}"
                        )
                        .as_str(),
                    )
                    .await?;
                    Ok(())
                })
            }),
        Backend::Postgres => options,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_both_backends() {
        let sqlite: DatabaseUrl = "sqlite:data/charter.db".parse().unwrap();
        assert_eq!(sqlite.backend(), Backend::Sqlite);
        let pg: DatabaseUrl = "postgres://postgres@127.0.0.1:5432/charter"
            .parse()
            .unwrap();
        assert_eq!(pg.backend(), Backend::Postgres);
        let pg: DatabaseUrl = "postgresql://localhost/charter".parse().unwrap();
        assert_eq!(pg.backend(), Backend::Postgres);
    }

    #[test]
    fn refuses_unknown_schemes() {
        for url in ["mysql://localhost/x", "data/charter.db", ""] {
            assert_eq!(
                url.parse::<DatabaseUrl>(),
                Err(DatabaseUrlError::UnknownScheme),
                "{url}"
            );
        }
    }

    #[test]
    fn refuses_malformed_options() {
        let err = "sqlite:x.db?mode=sideways"
            .parse::<DatabaseUrl>()
            .unwrap_err();
        assert!(matches!(
            err,
            DatabaseUrlError::Invalid {
                backend: Backend::Sqlite,
                ..
            }
        ));
        let err = "postgres://h:notaport/db"
            .parse::<DatabaseUrl>()
            .unwrap_err();
        assert!(matches!(
            err,
            DatabaseUrlError::Invalid {
                backend: Backend::Postgres,
                ..
            }
        ));
    }

    #[test]
    fn creates_sqlite_files_unless_told_otherwise() {
        let url: DatabaseUrl = "sqlite:data/charter.db".parse().unwrap();
        assert_eq!(url.driver_url(), "sqlite:data/charter.db?mode=rwc");
        let url: DatabaseUrl = "sqlite:data/charter.db?mode=ro".parse().unwrap();
        assert_eq!(url.driver_url(), "sqlite:data/charter.db?mode=ro");
        assert_eq!(
            url.sqlite_file().as_deref(),
            Some(std::path::Path::new("data/charter.db"))
        );
    }

    #[test]
    fn conditions_number_their_placeholders() {
        let mut conditions = Conditions::default();
        assert_eq!(conditions.where_clause(), "");
        conditions
            .push("at >= $?", FilterValue::Int(1))
            .push("action = $?", FilterValue::Text("sign_in".into()));
        assert_eq!(conditions.where_clause(), " WHERE at >= $1 AND action = $2");
        assert_eq!(conditions.next_placeholder(), "$3");
    }

    #[test]
    fn like_patterns_take_wildcards_literally() {
        assert_eq!(contains_pattern("ada"), "%ada%");
        assert_eq!(contains_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }

    #[test]
    fn debug_hides_passwords() {
        let url: DatabaseUrl = "postgres://charter:s3cret@db:5432/charter".parse().unwrap();
        let shown = format!("{url:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("charter:***@db:5432/charter"), "{shown}");
    }
}
