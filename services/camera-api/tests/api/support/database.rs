//! One fresh PostgreSQL database per test, so tests run in parallel without
//! seeing each other's cameras.

use std::sync::OnceLock;

use sqlx::{Connection, PgConnection};
use tokio::sync::OnceCell;
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
        Self::create_on(&server_url().await).await
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

/// The server that hosts the test databases: `DATABASE_URL` when set, else a
/// PostgreSQL container when Docker is available.
async fn server_url() -> Url {
    static FROM_ENV: OnceLock<Option<Url>> = OnceLock::new();
    let from_env = FROM_ENV.get_or_init(|| {
        std::env::var("DATABASE_URL")
            .ok()
            .filter(|url| !url.is_empty())
            .map(|url| Url::parse(&url).expect("DATABASE_URL must be a postgres:// URL"))
    });
    match from_env {
        Some(url) => url.clone(),
        None => container_url().await,
    }
}

async fn container_url() -> Url {
    use testcontainers_modules::postgres::Postgres;
    use testcontainers_modules::testcontainers::ContainerAsync;
    use testcontainers_modules::testcontainers::runners::AsyncRunner;

    // One container serves every test of the process; each still gets its
    // own database in it.
    static CONTAINER: OnceCell<(ContainerAsync<Postgres>, Url)> = OnceCell::const_new();
    let (_, url) = CONTAINER
        .get_or_init(|| async {
            let container = Postgres::default().start().await.unwrap_or_else(|err| {
                panic!(
                    "The tests need PostgreSQL. DATABASE_URL is not set and Docker is not usable \
                     ({err}). Set DATABASE_URL to a server the tests may create databases on, \
                     e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres"
                )
            });
            let port = container
                .get_host_port_ipv4(5432)
                .await
                .expect("container port");
            let url = Url::parse(&format!(
                "postgres://postgres:postgres@127.0.0.1:{port}/postgres"
            ))
            .expect("valid URL");
            (container, url)
        })
        .await;
    url.clone()
}
