use std::process::ExitCode;

use anyhow::Context;
use camera_api::auth::{Role, tokens, users};
use camera_api::config::Config;
use camera_api::{cameras, db, prepare_database, serve, shutdown_signal, telemetry};

const USAGE: &str = "\
usage: camera-api [COMMAND]

commands:
  serve       run the API (the default)
  migrate     apply database migrations and exit
  rotate-key  re-encrypt every camera password from CAMPLANE_SECRET_KEY to
              CAMPLANE_NEW_SECRET_KEY, with every replica stopped, and exit
  openapi     print the OpenAPI document and exit
  create-admin USERNAME
              add an admin user, reading the password from standard input
              (for the first admin; later, admins manage users in the console)
  create-token NAME ROLE
              add an API token with role admin, operator or viewer and print
              it (the only time it is shown)

Configuration comes from the environment; see docs/configuration.md.";

// Why jemalloc: camera_api::memory.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let command = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "serve".to_owned());
    if matches!(command.as_str(), "-h" | "--help" | "help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    if command == "openapi" {
        println!(
            "{}",
            camera_api::http::openapi()
                .to_pretty_json()
                .expect("serialisable")
        );
        return ExitCode::SUCCESS;
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("camera-api: configuration error: {err}");
            return ExitCode::from(2);
        }
    };
    let _logs = telemetry::init(&config.log_filter, config.log_format);
    let result = match command.as_str() {
        "serve" => run(config).await,
        "migrate" => migrate(config).await,
        "rotate-key" => rotate_key(config).await,
        "create-admin" => create_admin(config, std::env::args().nth(2)).await,
        "create-token" => {
            create_token(config, std::env::args().nth(2), std::env::args().nth(3)).await
        }
        other => {
            eprintln!("camera-api: unknown command {other:?}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = format!("{err:#}"), "camera-api stopped");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("binding CAMPLANE_LISTEN={}", config.listen))?;
    serve(config, listener, shutdown_signal()).await
}

async fn migrate(config: Config) -> anyhow::Result<()> {
    let pool = db::pool(&config.database_url)?;
    prepare_database(&pool, &config.secret_key).await?;
    tracing::info!("migrations applied");
    Ok(())
}

async fn rotate_key(config: Config) -> anyhow::Result<()> {
    let (old, new) = (&config.secret_key, &config.new_secret_key);
    let new = new.as_ref().context(
        "CAMPLANE_NEW_SECRET_KEY is required: the key to re-encrypt the camera passwords with \
         (generate one with `openssl rand -base64 32`)",
    )?;
    anyhow::ensure!(
        new.id() != old.id(),
        "CAMPLANE_NEW_SECRET_KEY is the key CAMPLANE_SECRET_KEY already holds"
    );
    let pool = db::pool(&config.database_url)?;
    prepare_database(&pool, old).await?;
    let resealed = cameras::rotate_key(&pool, old, new)
        .await
        .context("re-encrypting the camera passwords (nothing was changed)")?;
    tracing::info!(
        cameras = resealed,
        from_key = old.id(),
        to_key = new.id(),
        "camera passwords re-encrypted: set CAMPLANE_SECRET_KEY to the new key, then start the service"
    );
    Ok(())
}

async fn create_admin(config: Config, username: Option<String>) -> anyhow::Result<()> {
    let username = username.context("usage: camera-api create-admin USERNAME < password-file")?;
    let mut password = String::new();
    std::io::stdin()
        .read_line(&mut password)
        .context("reading the password from standard input")?;
    let password = password.trim_end_matches(['\r', '\n']).to_owned();
    let pool = db::pool(&config.database_url)?;
    prepare_database(&pool, &config.secret_key).await?;
    let input = users::NewUserInput {
        username,
        password,
        role: Role::Admin,
        groups: None,
    };
    let user = users::create(&pool, "camera-api", input)
        .await
        .map_err(describe)?;
    tracing::info!(user = user.username, "admin created");
    Ok(())
}

async fn create_token(
    config: Config,
    name: Option<String>,
    role: Option<String>,
) -> anyhow::Result<()> {
    let usage = "usage: camera-api create-token NAME admin|operator|viewer";
    let role = role.as_deref().and_then(Role::parse).context(usage)?;
    let name = name.context(usage)?;
    let pool = db::pool(&config.database_url)?;
    prepare_database(&pool, &config.secret_key).await?;
    let input = tokens::NewApiTokenInput {
        name,
        role,
        groups: None,
        expires_at: None,
    };
    let token = tokens::create(&pool, "camera-api", input)
        .await
        .map_err(describe)?;
    // Standard output carries the token alone, for scripts to capture.
    println!("{}", token.token);
    Ok(())
}

/// Field errors as an operator at a terminal reads them.
fn describe(err: camera_api::auth::Error) -> anyhow::Error {
    match err {
        camera_api::auth::Error::Invalid(errors) => anyhow::anyhow!(
            "{}",
            errors
                .iter()
                .map(|error| format!("{}: {}", error.field, error.message))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        other => other.into(),
    }
}
