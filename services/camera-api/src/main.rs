use std::process::ExitCode;

use anyhow::Context;
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

Configuration comes from the environment; see README.md and docs/security.md.";

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
    telemetry::init(&config.log_filter, config.log_format);
    let result = match command.as_str() {
        "serve" => run(config).await,
        "migrate" => migrate(config).await,
        "rotate-key" => rotate_key(config).await,
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
    let pool = db::pool(&config)?;
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
    let pool = db::pool(&config)?;
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
