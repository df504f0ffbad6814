//! Prometheus's scrape, on its own listener (`CAMPLANE_METRICS_LISTEN`) so
//! metrics are never exposed through the edge with the API: what the
//! recorder holds (see `metrics`), plus gauges about the whole fleet
//! (cameras by state, the database pool) computed per scrape, and the
//! recordings disk as this replica last scanned it.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use metrics::gauge;
use sqlx::PgPool;
use tokio::net::TcpListener;

use crate::cameras::{self, ById, Listed, ProvisioningState};
use crate::status::{self, State as CameraState};
use crate::{mediamtx, recordings};

#[derive(Clone)]
struct Scrape {
    db: PgPool,
    mediamtx: mediamtx::Client,
    storage: Arc<recordings::Storage>,
}

/// Serves `GET /metrics` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    db: PgPool,
    mediamtx: mediamtx::Client,
    storage: Arc<recordings::Storage>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = Router::new()
        .route("/metrics", get(render))
        .with_state(Scrape {
            db,
            mediamtx,
            storage,
        });
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

async fn render(State(scrape): State<Scrape>) -> String {
    fleet_gauges(&scrape).await;
    scrape.storage.gauges();
    let size = scrape.db.size();
    let idle = u32::try_from(scrape.db.num_idle()).unwrap_or(u32::MAX);
    gauge!("camplane_db_connections", "state" => "idle").set(idle);
    gauge!("camplane_db_connections", "state" => "in_use").set(size.saturating_sub(idle));
    crate::metrics::handle().render()
}

/// Cameras by status and by provisioning state; every state is written,
/// zero included, so a state that empties doesn't keep its last count.
async fn fleet_gauges(scrape: &Scrape) {
    let mut by_state: BTreeMap<&str, u32> = [
        CameraState::Live,
        CameraState::Idle,
        CameraState::Offline,
        CameraState::Disabled,
        CameraState::Error,
    ]
    .map(|state| (state.as_str(), 0))
    .into();
    let mut by_provisioning: BTreeMap<&str, u32> = [
        ProvisioningState::Pending,
        ProvisioningState::Ready,
        ProvisioningState::Error,
        ProvisioningState::Deleting,
    ]
    .map(|state| (state.as_str(), 0))
    .into();
    let paths = status::RuntimePaths::now(&scrape.db, &scrape.mediamtx).await;
    let mut after = None;
    loop {
        let chunk = ById {
            after,
            limit: status::CHUNK as i64,
            ..ById::default()
        };
        let Ok(found) = cameras::by_id(&scrape.db, &chunk).await else {
            return;
        };
        let listed: Vec<Listed> = found.iter().map(Listed::from).collect();
        let Ok(statuses) = status::of_cameras_in(&scrape.db, &paths, &listed).await else {
            return;
        };
        for status in &statuses {
            *by_state.entry(status.state.as_str()).or_default() += 1;
        }
        for camera in &listed {
            *by_provisioning
                .entry(camera.provisioning_state().as_str())
                .or_default() += 1;
        }
        match listed.last() {
            Some(last) if listed.len() == status::CHUNK => after = Some(last.id),
            _ => break,
        }
    }
    for (state, count) in by_state {
        gauge!("camplane_cameras", "state" => state).set(count);
    }
    for (state, count) in by_provisioning {
        gauge!("camplane_cameras_provisioning", "state" => state).set(count);
    }
}
