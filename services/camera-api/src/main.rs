use std::process::ExitCode;

use anyhow::Context;
use camera_api::config::Config;
use camera_api::{db, prepare_database, serve, shutdown_signal, telemetry};

const USAGE: &str = "\
usage: camera-api [COMMAND]

commands:
  serve       run the API (the default)
  migrate     apply database migrations and exit
  openapi     print the OpenAPI document and exit

Configuration comes from the environment; see README.md.";

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
