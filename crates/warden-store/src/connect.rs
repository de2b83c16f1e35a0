//! Opening a store: URL parsing, the SQLite file (0600, WAL, busy timeout), PostgreSQL
//! schemas, connection pools and schema migrations (run on every open; idempotent).

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AssertSqlSafe, Connection, PgConnection};

use crate::error::Redactor;
use crate::{Pool, Store, StoreError};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Tuning for [`Store::open_with`]. Every field has a safe default.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreOptions {
    /// Pool size; default 8 for SQLite (one writer at a time anyway), 10 for PostgreSQL.
    pub max_connections: Option<u32>,
    /// How long to wait for a pooled connection, or to connect at open (default 10 s).
    pub acquire_timeout: Duration,
    /// SQLite only: how long a writer waits for the write lock before failing (default 5 s).
    pub busy_timeout: Duration,
    /// PostgreSQL only: keep all tables in this schema (created if missing; lower-case
    /// letters, digits and `_`). Lets several stores, or tests, share one database.
    pub schema: Option<String>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            max_connections: None,
            acquire_timeout: Duration::from_secs(10),
            busy_timeout: Duration::from_secs(5),
            schema: None,
        }
    }
}

/// What a database URL points at.
enum Target {
    SqliteFile(PathBuf),
    SqliteMemory,
    Postgres,
}

/// Classifies `url` without echoing it (it may hold a password).
fn parse_url(url: &str) -> Result<Target, StoreError> {
    const HINT: &str = "use sqlite:///ABSOLUTE/PATH, sqlite://RELATIVE/PATH, sqlite::memory: \
                        or postgres://USER@HOST/DB";
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Target::Postgres);
    }
    if let Some(rest) = url.strip_prefix("sqlite:") {
        if rest == ":memory:" {
            return Ok(Target::SqliteMemory);
        }
        let path = rest.strip_prefix("//").unwrap_or(rest);
        if path.is_empty() {
            return Err(StoreError::UnsupportedUrl(format!(
                "a sqlite URL needs a file path; {HINT}"
            )));
        }
        if path.contains(['?', '#']) {
            return Err(StoreError::UnsupportedUrl(format!(
                "sqlite URLs take no query parameters; {HINT}"
            )));
        }
        return Ok(Target::SqliteFile(PathBuf::from(path)));
    }
    let scheme = match url.split_once(':') {
        Some((s, _))
            if !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            format!("scheme `{s}`")
        }
        _ => "a URL without a scheme".to_owned(),
    };
    Err(StoreError::UnsupportedUrl(format!(
        "{scheme} is not supported; {HINT}"
    )))
}

impl Store {
    /// Opens the store at `url` (see [`Store::open`]) with explicit options.
    pub async fn open_with(url: &str, opts: &StoreOptions) -> Result<Store, StoreError> {
        let target = parse_url(url)?;
        if opts.schema.is_some() && !matches!(target, Target::Postgres) {
            return Err(StoreError::InvalidInput(
                "a schema can only be given for a PostgreSQL store".to_owned(),
            ));
        }
        match target {
            Target::SqliteFile(path) => open_sqlite_file(&path, opts).await,
            Target::SqliteMemory => open_sqlite_memory(opts).await,
            Target::Postgres => open_postgres(url, opts).await,
        }
    }

    /// Opens a SQLite store at `path` with explicit options.
    pub async fn open_sqlite_with(path: &Path, opts: &StoreOptions) -> Result<Store, StoreError> {
        open_sqlite_file(path, opts).await
    }

    /// Opens a PostgreSQL store whose tables live in `schema` (created if missing): every
    /// pooled connection gets `search_path` set to it. Used to isolate tests and tenants.
    pub async fn open_postgres_in_schema(url: &str, schema: &str) -> Result<Store, StoreError> {
        let opts = StoreOptions {
            schema: Some(schema.to_owned()),
            ..StoreOptions::default()
        };
        Store::open_with(url, &opts).await
    }
}

/// Creates the parent directories (0700) and the file itself (0600) if they are missing,
/// so the database is never readable by others, not even for a moment.
fn create_private_file(path: &Path) -> Result<(), StoreError> {
    use std::fs::{DirBuilder, OpenOptions};
    let fail = |what: &str, e: std::io::Error| {
        StoreError::Database(format!("cannot create {what} {}: {e}", path.display()))
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        let mut dirs = DirBuilder::new();
        dirs.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut dirs, 0o700);
        dirs.create(parent)
            .map_err(|e| fail("the directory for", e))?;
    }
    let mut file = OpenOptions::new();
    file.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut file, 0o600);
    match file.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(fail("the database file", e)),
    }
}

fn sqlite_options(opts: &StoreOptions) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .journal_mode(SqliteJournalMode::Wal)
        // FULL: an acknowledged revocation survives a power cut, not only a crash.
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(opts.busy_timeout)
        .foreign_keys(true)
}

async fn open_sqlite_file(path: &Path, opts: &StoreOptions) -> Result<Store, StoreError> {
    create_private_file(path)?;
    let connect = sqlite_options(opts).filename(path).create_if_missing(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(opts.max_connections.unwrap_or(8).max(1))
        .acquire_timeout(opts.acquire_timeout)
        .connect_with(connect)
        .await
        .map_err(|e| StoreError::Database(format!("cannot open {}: {e}", path.display())))?;
    migrate_sqlite(pool).await
}

/// An in-memory database (tests, demos): one shared-cache database kept alive by a
/// connection that is never closed. Its contents vanish with the store.
async fn open_sqlite_memory(opts: &StoreOptions) -> Result<Store, StoreError> {
    let connect = SqliteConnectOptions::from_str("sqlite::memory:")
        .map_err(|e| StoreError::Database(e.to_string()))?
        .busy_timeout(opts.busy_timeout)
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(opts.max_connections.unwrap_or(4).max(1))
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .acquire_timeout(opts.acquire_timeout)
        .connect_with(connect)
        .await
        .map_err(|e| StoreError::Database(format!("cannot open an in-memory database: {e}")))?;
    migrate_sqlite(pool).await
}

async fn migrate_sqlite(pool: sqlx::SqlitePool) -> Result<Store, StoreError> {
    if let Err(e) = SQLITE_MIGRATIONS.run(&pool).await {
        pool.close().await;
        return Err(StoreError::Migration(e.to_string()));
    }
    Ok(Store {
        pool: Pool::Sqlite(pool),
        writer: Arc::default(),
    })
}

/// A schema name we can splice into SQL safely: `[a-z_][a-z0-9_]*`, at most 63 bytes.
fn check_schema(s: &str) -> Result<(), StoreError> {
    let ok = !s.is_empty()
        && s.len() <= 63
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(StoreError::InvalidInput(format!(
            "schema `{}` must be 1 to 63 lower-case letters, digits or `_`, not starting with a digit",
            s.escape_debug()
        )))
    }
}

async fn open_postgres(url: &str, opts: &StoreOptions) -> Result<Store, StoreError> {
    let redact = Redactor::for_url(url);
    let connect = PgConnectOptions::from_str(url).map_err(|e| {
        StoreError::InvalidInput(redact.scrub(format!("invalid PostgreSQL URL: {e}")))
    })?;
    let set_path = match &opts.schema {
        Some(s) => {
            check_schema(s)?;
            Some(format!("SET search_path TO {s}"))
        }
        None => None,
    };

    // One direct connection first: it fails fast when the server is unreachable (the pool
    // would keep retrying a refused connection until its timeout), creates the schema and
    // runs the migrations (sqlx serialises concurrent migrators with an advisory lock).
    let mut conn = tokio::time::timeout(opts.acquire_timeout, PgConnection::connect_with(&connect))
        .await
        .map_err(|_| StoreError::Database("timed out connecting to PostgreSQL".to_owned()))?
        .map_err(|e| redact.db("cannot connect to PostgreSQL", e))?;
    if let (Some(schema), Some(set)) = (&opts.schema, &set_path) {
        let create = format!("CREATE SCHEMA IF NOT EXISTS {schema}");
        for sql in [create, set.clone()] {
            sqlx::raw_sql(AssertSqlSafe(sql))
                .execute(&mut conn)
                .await
                .map_err(|e| redact.db("cannot prepare the schema", e))?;
        }
    }
    let migrated = POSTGRES_MIGRATIONS.run(&mut conn).await;
    let _ = conn.close().await;
    migrated.map_err(|e| StoreError::Migration(redact.scrub(e)))?;

    let mut pool = PgPoolOptions::new()
        .max_connections(opts.max_connections.unwrap_or(10).max(1))
        .acquire_timeout(opts.acquire_timeout);
    if let Some(set) = set_path {
        pool = pool.after_connect(move |conn, _meta| {
            let set = set.clone();
            Box::pin(async move {
                sqlx::raw_sql(AssertSqlSafe(set)).execute(conn).await?;
                Ok(())
            })
        });
    }
    let pool = pool
        .connect_with(connect)
        .await
        .map_err(|e| redact.db("cannot connect to PostgreSQL", e))?;
    Ok(Store {
        pool: Pool::Postgres(pool),
        writer: Arc::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let file = |u: &str| match parse_url(u) {
            Ok(Target::SqliteFile(p)) => Some(p),
            _ => None,
        };
        assert_eq!(file("sqlite:///abs/w.db"), Some(PathBuf::from("/abs/w.db")));
        assert_eq!(file("sqlite://rel.db"), Some(PathBuf::from("rel.db")));
        assert_eq!(file("sqlite:rel.db"), Some(PathBuf::from("rel.db")));
        assert!(matches!(
            parse_url("sqlite::memory:"),
            Ok(Target::SqliteMemory)
        ));
        assert!(matches!(
            parse_url("postgresql://h/db"),
            Ok(Target::Postgres)
        ));
        for bad in [
            "sqlite://",
            "sqlite://a.db?mode=ro",
            "mysql://u:pw@h/db",
            "pw",
            "",
        ] {
            match parse_url(bad) {
                Err(StoreError::UnsupportedUrl(m)) => assert!(!m.contains("pw"), "{m}"),
                _ => panic!("{bad} accepted"),
            }
        }
    }

    #[test]
    fn schemas() {
        assert!(check_schema("warden_test_1").is_ok());
        for bad in ["", "1a", "a-b", "A", "a;drop", &"a".repeat(64)] {
            assert!(check_schema(bad).is_err(), "{bad}");
        }
    }
}
