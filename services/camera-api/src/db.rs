//! The PostgreSQL pool and what the rest of the service needs to know about
//! database failures.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::config::Config;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database can't be reached right now; clients should retry.
    #[error("the database is unavailable")]
    Unavailable(#[source] sqlx::Error),
    #[error("database error")]
    Query(#[source] sqlx::Error),
    /// A stored row breaks an invariant the service relies on.
    #[error("corrupt record: {0}")]
    Corrupt(String),
}

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => Self::Unavailable(err),
            _ => Self::Query(err),
        }
    }
}

/// Whether `err` is a violation of the named constraint or unique index.
pub fn violates(err: &sqlx::Error, constraint: &str) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.constraint() == Some(constraint))
}

/// A lazy pool: the service starts (and answers `/healthz`, and `503` with a
/// reason) even while PostgreSQL is down, and recovers by itself when it returns.
pub fn pool(config: &Config) -> Result<PgPool, sqlx::Error> {
    let options: PgConnectOptions = config.database_url.expose().parse()?;
    Ok(PgPoolOptions::new()
        .max_connections(16)
        // Fail fast: a request waiting on a dead database should get a 503 in
        // seconds, not hang until the client gives up.
        .acquire_timeout(Duration::from_secs(3))
        .connect_lazy_with(options))
}
