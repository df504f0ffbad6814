//! Prometheus metrics: the process-wide recorder, and one function per
//! thing measured. The functions take plain labels and numbers, so this
//! module depends on none of the modules it measures; the fleet's gauges,
//! computed when Prometheus scrapes, are in `scrape`.

use std::sync::OnceLock;
use std::time::Duration;

use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// Seconds; from a cached snapshot (~1 ms) to a slow MediaMTX write (~10 s).
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The process-wide recorder: installed once, shared by every service
/// instance in the process (tests run many).
pub(crate) fn handle() -> &'static PrometheusHandle {
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

/// How often recorded durations are folded into their histograms' buckets.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Folds the durations recorded since into their histograms' buckets, for
/// as long as it runs. The recorder holds every sample until then (a
/// scrape does it too): without this, a replica Prometheus doesn't scrape
/// kept every request's duration, and grew without end.
pub async fn keep_up() {
    let mut every = tokio::time::interval(UPKEEP_EVERY);
    loop {
        every.tick().await;
        handle().run_upkeep();
    }
}

pub fn http_request(method: &str, route: &str, status: u16, elapsed: Duration) {
    let (method, route) = (method.to_owned(), route.to_owned());
    counter!("camplane_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status.to_string())
        .increment(1);
    histogram!("camplane_http_request_duration_seconds", "method" => method, "route" => route)
        .record(elapsed);
}

/// One reconcile pass: paths `added`, `updated` and `removed`, `errors`
/// (a pass that has any failed), and when it finished (Unix seconds).
pub fn reconcile_pass(
    added: usize,
    updated: usize,
    removed: usize,
    errors: usize,
    finished_at: i64,
) {
    let result = if errors > 0 { "failed" } else { "ok" };
    counter!("camplane_reconcile_passes_total", "result" => result).increment(1);
    for (change, paths) in [("added", added), ("updated", updated), ("removed", removed)] {
        counter!("camplane_reconcile_changes_total", "change" => change).increment(paths as u64);
    }
    counter!("camplane_reconcile_errors_total").increment(errors as u64);
    if result == "ok" {
        // Prometheus computes "time since" as time() minus this.
        gauge!("camplane_reconcile_last_success_timestamp_seconds").set(finished_at as f64);
    }
}

/// One call of MediaMTX's API; `error` is the kind of failure, if it failed.
pub fn mediamtx_call(operation: &'static str, elapsed: Duration, error: Option<&'static str>) {
    histogram!("camplane_mediamtx_request_duration_seconds", "operation" => operation)
        .record(elapsed);
    if let Some(kind) = error {
        counter!("camplane_mediamtx_errors_total", "operation" => operation, "kind" => kind)
            .increment(1);
    }
}

pub fn media_processes(running: usize, queued: usize) {
    gauge!("camplane_media_processes_running").set(running as f64);
    gauge!("camplane_media_processes_queued").set(queued as f64);
}

/// One finished probe or snapshot: `outcome` is `OK` or a failure code.
pub fn media_outcome(tool: &'static str, outcome: &'static str, elapsed: Duration) {
    histogram!("camplane_media_duration_seconds", "tool" => tool).record(elapsed);
    counter!("camplane_media_outcomes_total", "tool" => tool, "outcome" => outcome).increment(1);
}

/// The recordings disk at the last scan: bytes recorded, free bytes,
/// whether free space is under its floor (0/1), and the oldest recording's
/// start (Unix seconds).
pub fn recordings_storage(total: u64, free: u64, low_space: bool, oldest: i64) {
    gauge!("camplane_recordings_bytes").set(total as f64);
    gauge!("camplane_recordings_free_bytes").set(free as f64);
    gauge!("camplane_recordings_low_space").set(if low_space { 1.0 } else { 0.0 });
    gauge!("camplane_recordings_oldest_timestamp_seconds").set(oldest as f64);
}

/// Segment files deleted to keep the disk within bounds, by `reason`
/// (`budget`, `low_space`, `retention`).
pub fn recordings_deleted(reason: &'static str, segments: u64, bytes: u64) {
    counter!("camplane_recordings_deleted_segments_total", "reason" => reason).increment(segments);
    counter!("camplane_recordings_deleted_bytes_total", "reason" => reason).increment(bytes);
}
