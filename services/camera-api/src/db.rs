//! The PostgreSQL pool and what the rest of the service needs to know about
//! database failures.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::secrets::Secret;

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
            sqlx::Error::Database(ref db) if db.code().as_deref().is_some_and(is_outage) => {
                Self::Unavailable(err)
            }
            _ => Self::Query(err),
        }
    }
}

/// SQLSTATEs a server sends while it stops, restarts or drops connections:
/// the statement did not run, and a retry once it is back will work.
fn is_outage(code: &str) -> bool {
    // 08: connection exception; 57P01-57P03: admin shutdown, crash shutdown,
    // cannot connect now (starting up or shutting down).
    code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03")
}

/// Whether `err` is a violation of the named constraint or unique index.
pub fn violates(err: &sqlx::Error, constraint: &str) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.constraint() == Some(constraint))
}

/// Makes PostgreSQL plan the transaction's statements for their parameters
/// on every run. After five runs of a prepared statement PostgreSQL may keep one plan
/// for any parameters, and for a statement whose cost is all in its
/// parameters (one camera or every camera; the rows written since a moment)
/// that plan reads every row, in parallel workers, for one camera too.
pub async fn plan_each_run(tx: &mut sqlx::PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query!("SET LOCAL plan_cache_mode = force_custom_plan")
        .execute(tx)
        .await?;
    Ok(())
}

/// The advisory lock of the replica that leads (runs the reconciler): any
/// running service holds it, which is how `rotate-key` knows it runs alone.
pub const LEADER_LOCK: i64 = 0x6361_6d70_6c61_6e65; // "camplane"

/// A lazy pool: the service starts (and answers `/healthz`, and `503` with a
/// reason) even while PostgreSQL is down, and recovers by itself when it returns.
pub fn pool(url: &Secret) -> Result<PgPool, sqlx::Error> {
    let options: PgConnectOptions = url.expose().parse()?;
    Ok(PgPoolOptions::new()
        .max_connections(16)
        // Fail fast: a request waiting on a dead database should get a 503 in
        // seconds, not hang until the client gives up.
        .acquire_timeout(Duration::from_secs(3))
        .connect_lazy_with(options))
}

#[cfg(test)]
mod tests {
    use super::is_outage;

    #[test]
    fn shutdowns_and_lost_connections_are_outages_other_failures_are_not() {
        for code in ["57P01", "57P02", "57P03", "08006", "08001"] {
            assert!(is_outage(code), "{code}");
        }
        // Unique violation, serialization failure, statement cancelled.
        for code in ["23505", "40001", "57014"] {
            assert!(!is_outage(code), "{code}");
        }
    }
}
