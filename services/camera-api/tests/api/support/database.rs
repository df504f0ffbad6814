//! One fresh PostgreSQL database per test, so tests run in parallel without
//! seeing each other's cameras.

use std::sync::OnceLock;

use sqlx::{Connection, PgConnection};
use url::Url;

/// A database that exists for one test and is dropped with it.
pub struct TestDatabase {
    url: Url,
    name: String,
    /// Only the owner drops the database; replicas borrow it.
    owned: bool,
}

impl TestDatabase {
    pub async fn create() -> TestDatabase {
        Self::create_on(&server_url()).await
    }

    /// On a given server, e.g. a `PgServer` the test will stop.
    pub async fn create_on(server: &Url) -> TestDatabase {
        let name = format!("camplane_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(server.as_str())
            .await
            .unwrap_or_else(|err| panic!("connecting to the test PostgreSQL server: {err}"));
        // The name is ours (a UUID), so building the statement from it is safe.
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(r#"CREATE DATABASE "{name}""#)))
            .execute(&mut admin)
            .await
            .expect("creating the test database");
        let mut url = server.clone();
        url.set_path(&name);
        TestDatabase {
            url,
            name,
            owned: true,
        }
    }

    pub fn borrow(owner: &TestDatabase) -> TestDatabase {
        TestDatabase {
            url: owner.url.clone(),
            name: owner.name.clone(),
            owned: false,
        }
    }

    pub fn url(&self) -> &str {
        self.url.as_str()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if !self.owned {
            return;
        }
        let name = self.name.clone();
        let server = self.url.clone();
        // Drop can't await, and the test's runtime may be shutting down: use
        // a short-lived one on its own thread.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async move {
                let mut admin_url = server;
                admin_url.set_path("postgres");
                let mut admin = PgConnection::connect(admin_url.as_str()).await?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#
                )))
                .execute(&mut admin)
                .await?;
                anyhow::Ok(())
            })
        })
        .join();
        if let Ok(Err(err)) = dropped {
            eprintln!("warning: could not drop a test database: {err}");
        }
    }
}

/// The server that hosts the test databases: `DATABASE_URL` (`make test`
/// starts one and sets it, see scripts/with-postgres.sh).
fn server_url() -> Url {
    static SERVER: OnceLock<Url> = OnceLock::new();
    SERVER
        .get_or_init(|| {
            let url = std::env::var("DATABASE_URL")
                .ok()
                .filter(|url| !url.is_empty())
                .unwrap_or_else(|| {
                    panic!(
                        "The tests need a PostgreSQL server to create their databases on: run them \
                         with `make test`, or through `scripts/with-postgres.sh cargo test`, or set \
                         DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres)"
                    )
                });
            Url::parse(&url).expect("DATABASE_URL must be a postgres:// URL")
        })
        .clone()
}
