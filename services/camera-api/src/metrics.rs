//! Prometheus metrics, served on their own listener (`CAMPLANE_METRICS_LISTEN`)
//! so they are never exposed through the edge with the API.
//!
//! Counters and histograms are recorded where things happen (`metrics`
//! macros); gauges about the whole fleet (cameras by state, the database
//! pool) are computed when Prometheus scrapes.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use sqlx::PgPool;
use tokio::net::TcpListener;

use crate::cameras::{self, ListFilter, ProvisioningState};
use crate::reconcile::Report;
use crate::status::{self, State as CameraState};
use crate::{media, mediamtx};

/// Seconds; from a cached snapshot (~1 ms) to a slow MediaMTX write (~10 s).
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The process-wide recorder: installed once, shared by every service
/// instance in the process (tests run many).
fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(BUCKETS)
            .expect("buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        // Fails only if something else installed a recorder first.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// Installs the recorder, so metrics recorded before the first scrape count.
pub fn install() {
    handle();
}

#[derive(Clone)]
struct Scrape {
    db: PgPool,
    mediamtx: mediamtx::Client,
}

/// Serves `GET /metrics` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    db: PgPool,
    mediamtx: mediamtx::Client,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = Router::new()
        .route("/metrics", get(render))
        .with_state(Scrape { db, mediamtx });
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

async fn render(State(scrape): State<Scrape>) -> String {
    fleet_gauges(&scrape).await;
    let size = scrape.db.size();
    let idle = u32::try_from(scrape.db.num_idle()).unwrap_or(u32::MAX);
    gauge!("camplane_db_connections", "state" => "idle").set(idle);
    gauge!("camplane_db_connections", "state" => "in_use").set(size.saturating_sub(idle));
    handle().render()
}

/// Cameras by status and by provisioning state; every state is written,
/// zero included, so a state that empties doesn't keep its last count.
async fn fleet_gauges(scrape: &Scrape) {
    let filter = ListFilter {
        limit: 100_000,
        ..ListFilter::default()
    };
    let Ok(page) = cameras::list(&scrape.db, &filter).await else {
        return;
    };
    let Ok(statuses) = status::of_cameras(&scrape.db, &scrape.mediamtx, &page.items).await else {
        return;
    };
    let mut by_state: BTreeMap<&str, u32> = [
        CameraState::Live,
        CameraState::Idle,
        CameraState::Offline,
        CameraState::Disabled,
        CameraState::Error,
    ]
    .map(|state| (state.as_str(), 0))
    .into();
    for status in &statuses {
        *by_state.entry(status.state.as_str()).or_default() += 1;
    }
    for (state, count) in by_state {
        gauge!("camplane_cameras", "state" => state).set(count);
    }
    let all = [
        ProvisioningState::Pending,
        ProvisioningState::Ready,
        ProvisioningState::Error,
        ProvisioningState::Deleting,
    ];
    for state in all {
        let count = page
            .items
            .iter()
            .filter(|camera| camera.provisioning.state == state)
            .count();
        gauge!("camplane_cameras_provisioning", "state" => state.as_str()).set(count as f64);
    }
}

pub fn http_request(method: &str, route: &str, status: u16, elapsed: Duration) {
    let (method, route) = (method.to_owned(), route.to_owned());
    counter!("camplane_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status.to_string())
        .increment(1);
    histogram!("camplane_http_request_duration_seconds", "method" => method, "route" => route)
        .record(elapsed);
}

pub fn reconcile_pass(report: &Report) {
    let result = if report.error.is_some() || !report.failed.is_empty() {
        "failed"
    } else {
        "ok"
    };
    counter!("camplane_reconcile_passes_total", "result" => result).increment(1);
    for (change, paths) in [
        ("added", &report.added),
        ("updated", &report.updated),
        ("removed", &report.removed),
    ] {
        counter!("camplane_reconcile_changes_total", "change" => change)
            .increment(paths.len() as u64);
    }
    counter!("camplane_reconcile_errors_total")
        .increment(report.failed.len() as u64 + u64::from(report.error.is_some()));
    if result == "ok" {
        // Prometheus computes "time since" as time() minus this.
        gauge!("camplane_reconcile_last_success_timestamp_seconds")
            .set(report.finished_at.timestamp() as f64);
    }
}

pub fn mediamtx_call(operation: &'static str, elapsed: Duration, error: Option<&mediamtx::Error>) {
    histogram!("camplane_mediamtx_request_duration_seconds", "operation" => operation)
        .record(elapsed);
    if let Some(error) = error {
        counter!("camplane_mediamtx_errors_total", "operation" => operation, "kind" => error.kind()).increment(1);
    }
}

pub fn media_processes(running: usize, queued: usize) {
    gauge!("camplane_media_processes_running").set(running as f64);
    gauge!("camplane_media_processes_queued").set(queued as f64);
}

/// One finished probe or snapshot: `outcome` is `OK` or a failure code.
pub fn media_outcome(tool: &'static str, outcome: Option<media::Code>, elapsed: Duration) {
    let outcome = outcome.map_or("OK", media::Code::as_str);
    histogram!("camplane_media_duration_seconds", "tool" => tool).record(elapsed);
    counter!("camplane_media_outcomes_total", "tool" => tool, "outcome" => outcome).increment(1);
}
