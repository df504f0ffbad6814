//! The camera list at 100,000 cameras, paged through the catalog (pages the
//! service keeps whole are measured in `cameras`): the first page, which
//! reads the fleet into the catalog, then every sort and filter, first
//! pages and deep ones by cursor, the picker's search, and memory meanwhile;
//! and what a Prometheus scrape of that fleet takes.

use std::time::Duration;

use camera_api::auth::Role;
use camera_api::cameras::{self, Cursor, Listed, Sort};
use serde_json::json;

use crate::Row;
use crate::load::{Load, load, load_each_as, mib, ms};
use crate::provisioning::cameras as count_cameras;
use crate::service::ServiceProcess;
use crate::support::TestApp;

const FLEET: i64 = 100_000;
const MIB: u64 = 1024 * 1024;

/// The filters a page is asked with, the caller's groups aside.
const FILTERS: [&str; 5] = ["", "enabled=true", "enabled=false", "q=gate", "q=site%2012"];
/// What an operator types into the picker, letter by letter.
const TYPED: [&str; 12] = [
    "g", "ga", "gat", "gate", "gate 4", "gate 41", "l", "lob", "lobby 9", "site 3", "roof 77", "zz",
];

pub async fn at_scale(app: &TestApp, service: &ServiceProcess, rows: &mut Vec<Row>) {
    seed(app, service).await;
    // Before any list load: what holding the fleet costs by itself (the
    // reconciler has just compared all of it with MediaMTX).
    let settled = service.memory().resident;
    rows.push(Row::reported(
        format!(
            "resident memory (VmRSS), {FLEET} cameras, after a reconcile pass, no list load yet"
        ),
        format!("{:.1} MiB", mib(settled)),
    ));
    let started = std::time::Instant::now();
    assert_eq!(service.get("/api/cameras?limit=50").await.status, 200);
    rows.push(Row::reported(
        format!("the first page after start, which reads the {FLEET} cameras into the catalog"),
        format!(
            "{:.2} s; resident memory then {:.1} MiB",
            started.elapsed().as_secs_f64(),
            mib(service.memory().resident)
        ),
    ));
    // Prometheus scrapes every 15 s by default; each scrape counts every
    // camera by state.
    let mut scrapes = Vec::new();
    for _ in 0..3 {
        let started = std::time::Instant::now();
        let page = service.scrape().await;
        scrapes.push(started.elapsed());
        assert!(page.contains("camplane_cameras{"), "{page}");
    }
    scrapes.sort();
    rows.push(Row::reported(
        format!("a `/metrics` scrape ({FLEET} cameras): median of 3"),
        format!(
            "{:.0} ms (slowest {:.0} ms)",
            ms(scrapes[1]),
            ms(scrapes[2])
        ),
    ));
    // Sees 32 of the 400 sites (a token's most groups): 8% of the cameras.
    let sites: Vec<String> = (0..32).map(|n| format!("site-{}", n * 12)).collect();
    let sites: Vec<&str> = sites.iter().map(String::as_str).collect();
    let limited = app.client_as(Role::Viewer, Some(&sites)).await;
    let deep = deep_cursors(app).await;

    let health = load(service, "/healthz").await;
    let mut most = service.memory().resident;
    let mut measure = async |what: String,
                             client: &reqwest::Client,
                             path_of: &dyn Fn(usize) -> String| {
        let sampling = load_each_as(service, client, path_of);
        tokio::pin!(sampling);
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        let loaded: Load = loop {
            tokio::select! {
                loaded = &mut sampling => break loaded,
                _ = tick.tick() => most = most.max(service.memory().resident),
            }
        };
        let ratio = loaded.rate / health.rate;
        rows.push(Row::new(
            format!("{what} ({FLEET} cameras), 64 connections: p99; throughput / `GET /healthz`"),
            format!(
                "p99 {:.2} ms; {ratio:.2} ({:.0} / {:.0} req/s)",
                ms(loaded.p99),
                loaded.rate,
                health.rate
            ),
            "p99 ≤ 20 ms, ≥ 0.1",
            loaded.p99 <= Duration::from_millis(20) && ratio >= 0.1,
        ));
        loaded
    };
    // Limits 40 to 60 and the combinations below make some 10,000 different
    // pages per row, so few are asked twice and kept.
    let first = |n: usize| {
        let n = scatter(n);
        let (sort, filter) = (Sort::VALUES[n % 10].0, FILTERS[n / 10 % FILTERS.len()]);
        format!(
            "/api/cameras?limit={}&sort={sort}&{filter}",
            40 + n / 50 % 21
        )
    };
    measure(
        "`GET /api/cameras` first pages, every sort and filter".into(),
        service.client(),
        &first,
    )
    .await;
    measure(
        "the same, as a viewer limited to 32 of 400 sites".into(),
        &limited,
        &first,
    )
    .await;
    let deep_page = |n: usize| {
        let n = scatter(n);
        let (sort, cursors) = &deep[n % deep.len()];
        let filter = FILTERS[n / 10 % 3];
        format!(
            "/api/cameras?limit={}&sort={sort}&{filter}&cursor={}",
            40 + n / 30 % 21,
            cursors[n / 630 % cursors.len()]
        )
    };
    measure(
        "deep pages by `cursor` (anywhere in the 100,000), every sort, with and without `enabled`"
            .into(),
        service.client(),
        &deep_page,
    )
    .await;

    let picker = |n: usize| {
        let n = scatter(n);
        format!(
            "/api/cameras?limit={}&sort=name&q={}",
            40 + n % 21,
            TYPED[n / 21 % TYPED.len()].replace(' ', "%20")
        )
    };
    let search = load_each_as(service, service.client(), picker).await;
    rows.push(Row::new(
        format!("the picker's search: `GET /api/cameras?sort=name&q=…` as typed, 1 to 7 letters ({FLEET} cameras), 64 connections: p95"),
        format!("{:.2} ms (p99 {:.2} ms, {:.0} req/s)", ms(search.p95), ms(search.p99), search.rate),
        "≤ 100 ms",
        search.p95 <= Duration::from_millis(100),
    ));
    let kept = load(service, "/api/cameras?limit=50").await;
    most = most.max(service.memory().resident);
    rows.push(Row::new(
        format!("resident memory (VmRSS), {FLEET} cameras, under the loads above"),
        format!(
            "{:.1} MiB at most (a kept page meanwhile: {:.0} req/s, p99 {:.2} ms)",
            mib(most),
            kept.rate,
            ms(kept.p99)
        ),
        "≤ 80 MiB",
        most <= 80 * MIB,
    ));
}

/// Spreads request numbers over the combinations, so neighbours differ.
fn scatter(n: usize) -> usize {
    ((n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 20) as usize
}

/// The fleet grows to `FLEET` in one statement. The cameras added are
/// disabled: MediaMTX is not asked to pull 90,000 streams that don't exist,
/// and the list reads them all the same.
async fn seed(app: &TestApp, service: &ServiceProcess) {
    let have = count_cameras(app).await as i64;
    sqlx::query(
        r#"WITH inserted AS (
               INSERT INTO cameras (name, stream_url, location, enabled, groups,
                                    created_at, updated_at)
               SELECT (ARRAY['Gate', 'Lobby', 'Dock', 'Yard', 'Lift', 'Stair', 'Hall',
                             'Roof', 'Door', 'Garage'])[1 + n % 10] || ' ' || n,
                      'rtsp://192.0.2.' || (n % 250 + 1) || ':554/stream' || n,
                      CASE WHEN n % 9 = 0 THEN NULL
                           ELSE 'Site ' || (n % 400) || ', building ' || (n % 7) END,
                      false,
                      ARRAY['site-' || (n % 400)],
                      now() - make_interval(secs => n),
                      now() - make_interval(secs => (n * 7919) % 86400)
               FROM generate_series(1, $1) AS n
               RETURNING id)
           INSERT INTO camera_provisioning (camera_id) SELECT id FROM inserted"#,
    )
    .bind(FLEET - have)
    .execute(&app.db)
    .await
    .unwrap();
    // As autovacuum would have by the time anyone lists them.
    sqlx::query("VACUUM ANALYZE cameras, camera_provisioning")
        .execute(&app.db)
        .await
        .unwrap();
    // Settled: the reconciler has looked at every new camera once.
    let response = service.post_json("/api/reconcile", &json!({})).await;
    assert_eq!(response.status, 200, "{}", response.text);
}

/// For each sort, cursors after 50 cameras spread over the whole fleet.
async fn deep_cursors(app: &TestApp) -> Vec<(&'static str, Vec<String>)> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM cameras) numbered
         WHERE n % ($1 / 50) = 7",
    )
    .bind(FLEET)
    .fetch_all(&app.db)
    .await
    .unwrap();
    let mut found = Vec::new();
    for id in ids {
        found.push(cameras::get(&app.db, id).await.unwrap());
    }
    Sort::VALUES
        .iter()
        .map(|(name, sort)| {
            let cursors = found
                .iter()
                .map(|camera| Cursor::after(*sort, &Listed::from(camera)).encode())
                .collect();
            (*name, cursors)
        })
        .collect()
}
