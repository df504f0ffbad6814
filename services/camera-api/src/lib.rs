//! Camplane's camera API: the registry of cameras, kept in PostgreSQL.

pub mod audit;
pub mod auth;
pub mod cameras;
pub mod config;
pub mod db;
pub mod edge;
pub mod events;
pub mod groups;
pub mod http;
pub mod media;
pub mod mediamtx;
pub mod memory;
pub mod metrics;
pub mod nodes;
pub mod reconcile;
pub mod recordings;
pub mod redact;
pub mod scrape;
pub mod secrets;
pub mod status;
pub mod tasks;
pub mod telemetry;
pub mod timestamps;
pub mod validation;
pub mod views;

use std::future::Future;
use std::sync::Arc;

use anyhow::Context;
use futures::FutureExt;
use tokio::net::TcpListener;

use config::Config;
use secrets::SecretKey;

/// Runs the service on `listener` (and metrics on `CAMPLANE_METRICS_LISTEN`)
/// until `shutdown` resolves, then drains in-flight requests.
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let metrics = match config.metrics_listen {
        Some(addr) => Some(
            TcpListener::bind(addr)
                .await
                .with_context(|| format!("binding CAMPLANE_METRICS_LISTEN {addr}"))?,
        ),
        None => None,
    };
    serve_with_metrics(config, listener, metrics, shutdown).await
}

/// `serve` with the metrics listener given: tests pass port-0 listeners.
pub async fn serve_with_metrics(
    config: Config,
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    crate::metrics::install();
    let shutdown = shutdown.shared();
    let db =
        db::pool(&config.database_url).context("DATABASE_URL is not a usable PostgreSQL URL")?;
    prepare_database(&db, &config.secret_key).await?;
    if let Some((username, password)) = &config.access.initial_admin
        && let Some(admin) = auth::users::create_first_admin(&db, username, password.clone())
            .await
            .context("creating the initial admin (CAMPLANE_INITIAL_ADMIN_PASSWORD)")?
    {
        tracing::info!(
            user = admin.username,
            "created the initial admin; CAMPLANE_INITIAL_ADMIN_PASSWORD is ignored from now on"
        );
    }
    let mediamtx = mediamtx::Client::new(&config.mediamtx);
    // Each ends with this future, however it ends (a test may drop it
    // mid-flight).
    let tasks = tasks::Tasks::default();
    let reconciling = tasks.supervise("reconciler", {
        let (db, mediamtx) = (db.clone(), mediamtx.clone());
        let (settings, key) = (config.reconcile.clone(), config.secret_key.clone());
        move || {
            let reconciler = reconcile::Reconciler::new(
                db.clone(),
                mediamtx.clone(),
                settings.clone(),
                key.clone(),
            );
            reconciler.run()
        }
    });
    let guarding = tasks.supervise("video session check", {
        let (db, mediamtx) = (db.clone(), mediamtx.clone());
        move || {
            let (lookup, mediamtx) = (db.clone(), mediamtx.clone());
            let servers = move || {
                let (db, mediamtx) = (lookup.clone(), mediamtx.clone());
                async move { nodes::servers(&db, &mediamtx).await }
            };
            auth::video::end_revoked_sessions(db.clone(), servers)
        }
    });
    let events = Arc::new(events::Hub::default());
    let announcing = tasks.supervise("change listener", {
        let (hub, db, mediamtx) = (events.clone(), db.clone(), mediamtx.clone());
        move || events::run(hub.clone(), db.clone(), mediamtx.clone())
    });
    let media = media::Media::new(config.media.clone(), config.request_timeout);
    let forgetting = tasks.supervise("snapshot forgetter", {
        let (hub, media) = (events.clone(), media.clone());
        move || forget_changed_snapshots(hub.clone(), media.clone())
    });
    let storage = Arc::new(recordings::Storage::default());
    let keeping_storage = tasks.supervise("recordings storage", {
        let (db, settings, storage) = (db.clone(), config.recordings.clone(), storage.clone());
        move || recordings::keep_within_bounds(db.clone(), settings.clone(), storage.clone())
    });
    let expiring = tasks.supervise("export expiry", {
        let (db, settings) = (db.clone(), config.recordings.clone());
        move || recordings::expire_exports(db.clone(), settings.clone())
    });
    let upkeeping = tasks.supervise("metrics upkeep", crate::metrics::keep_up);
    let principals = Arc::new(auth::recent::Recent::default());
    let watching_access = tasks.supervise("access change listener", {
        let (db, principals) = (db.clone(), principals.clone());
        move || auth::recent::forget_on_changes(db.clone(), principals.clone())
    });
    let state = http::AppState::new(http::Shared {
        events: events.clone(),
        media,
        config: Arc::new(config),
        db: db.clone(),
        mediamtx,
        principals,
        pages: Arc::default(),
        catalog: Arc::default(),
        storage: storage.clone(),
        tasks,
    });
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "listening");
    let _metrics = match metrics_listener {
        Some(listener) => {
            tracing::info!(addr = %listener.local_addr()?, "serving metrics");
            let serving = scrape::serve(
                listener,
                db.clone(),
                state.mediamtx.clone(),
                storage,
                shutdown.clone(),
            );
            Some(tasks::AbortOnDrop(tokio::spawn(serving)))
        }
        None => None,
    };
    let served = axum::serve(
        listener,
        // Each connection shares the router (the default gives each one a
        // copy of every route, some 120 KiB).
        http::app(state).into_make_service(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        events.close();
    })
    .await;
    // Stopping mid-pass is safe: every write is idempotent and the next
    // leader starts with a full pass.
    drop(reconciling);
    drop(announcing);
    drop(guarding);
    drop(forgetting);
    drop(watching_access);
    drop(keeping_storage);
    drop(expiring);
    drop(upkeeping);
    served.context("serving HTTP")?;
    db.close().await;
    tracing::info!("shut down");
    Ok(())
}

/// Brings the database up to date before anything uses it: the migrations,
/// then the camera passwords (checked against the key, and sealed where a
/// row from before encryption still holds one in the clear).
pub async fn prepare_database(db: &sqlx::PgPool, key: &SecretKey) -> anyhow::Result<()> {
    db::MIGRATOR
        .run(db)
        .await
        .context("applying database migrations (is PostgreSQL reachable at DATABASE_URL?)")?;
    let sealed = cameras::seal_stored(db, key)
        .await
        .context("preparing the stored camera passwords")?;
    if sealed > 0 {
        tracing::info!(
            cameras = sealed,
            key_id = key.id(),
            "sealed the camera passwords stored in the clear"
        );
    }
    Ok(())
}

/// Drops the cached snapshots of every camera changed or deleted, on every
/// replica, as PostgreSQL announces it: a deleted camera's picture is not
/// served on from the cache, nor the picture of a camera's old address.
async fn forget_changed_snapshots(hub: Arc<events::Hub>, media: media::Media) {
    use tokio::sync::broadcast::error::RecvError;
    let mut changes = hub.changes();
    loop {
        match changes.receiver.recv().await {
            Ok(event) => match event.change {
                // New, or only its provisioning or probe changed: its
                // pictures (if any) are still of its address.
                events::Change::Camera {
                    op: events::Op::Created,
                    ..
                }
                | events::Change::Camera { written: false, .. } => {}
                events::Change::Camera { id, .. } => media.forget(id),
                events::Change::Reset => media.forget_all(),
            },
            Err(RecvError::Lagged(_)) => media.forget_all(),
            Err(RecvError::Closed) => return,
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("installing the SIGTERM handler");
    tokio::select! {
        _ = interrupt => {},
        _ = terminate.recv() => {},
    }
    tracing::info!("shutdown requested; finishing in-flight requests");
}
