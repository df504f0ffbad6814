use std::net::SocketAddr;

use serde_json::json;

use crate::support::proxy::TcpProxy;
use crate::support::service::ServiceProcess;
use crate::support::{CANARY, TestApp, canary_url, logs};

#[tokio::test]
async fn healthz_and_readyz_answer_when_all_is_well() {
    let app = TestApp::spawn().await;
    let health = app.get("/healthz").await;
    assert_eq!(health.status, 200);
    assert_eq!(health.json()["status"], "ok");
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, 200, "{}", ready.text);
    assert_eq!(ready.json()["checks"]["database"], "ok");
}

/// The service reaches PostgreSQL through a proxy the test cuts: requests fail
/// fast with 503 problems, nothing half-written, and it recovers by itself.
#[tokio::test]
async fn a_database_outage_is_503_and_the_service_recovers() {
    let server: SocketAddr = {
        let app_db = crate::support::TestDatabase::create().await;
        let url = url::Url::parse(app_db.url()).unwrap();
        format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432))
            .parse()
            .unwrap()
    };
    let proxy = TcpProxy::start(server).await;
    let app = TestApp::spawn_with(|vars| {
        let mut url = url::Url::parse(&vars["DATABASE_URL"]).unwrap();
        url.set_port(Some(proxy.addr().port())).unwrap();
        url.set_host(Some("127.0.0.1")).unwrap();
        vars.insert("DATABASE_URL".into(), url.to_string());
    })
    .await;
    app.create_camera("Before").await;

    proxy.cut();
    let started = std::time::Instant::now();
    let response = app
        .post_json(
            "/api/cameras",
            &json!({"name": "During", "stream_url": canary_url("127.0.2.1")}),
        )
        .await;
    response.problem(503);
    assert!(response.header("retry-after").is_some());
    assert!(started.elapsed().as_secs() < 10, "failed fast");
    let ready = app.get("/readyz").await;
    let problem = ready.problem(503);
    assert_ne!(problem["checks"]["database"], "ok");
    app.get("/api/cameras").await.problem(503);
    assert_eq!(
        app.get("/healthz").await.status,
        200,
        "liveness ignores the database"
    );

    proxy.restore().await;
    let mut recovered = false;
    for _ in 0..50 {
        if app.get("/readyz").await.status == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(recovered, "readyz recovers once the database is back");
    let list = app.get("/api/cameras").await.json();
    assert_eq!(list["total"], 1, "the failed write left nothing behind");
    assert!(!logs().contains(CANARY));
}

#[tokio::test]
async fn requests_carry_an_id_and_are_logged_by_route_template() {
    let app = TestApp::spawn().await;
    let response = app
        .send(
            app.request(reqwest::Method::GET, "/healthz")
                .header("x-request-id", "edge-123"),
        )
        .await;
    assert_eq!(response.header("x-request-id"), Some("edge-123"));
    let generated = app.get("/api/cameras/77?secret=hunter2").await;
    let id = generated
        .header("x-request-id")
        .expect("generated id")
        .to_owned();
    assert_eq!(id.len(), 36);
    // An id that could forge log lines is replaced.
    let response = app
        .send(
            app.request(reqwest::Method::GET, "/healthz")
                .header("x-request-id", "a\"b c"),
        )
        .await;
    assert_ne!(response.header("x-request-id"), Some("a\"b c"));

    let logs = logs();
    let line = logs
        .lines()
        .find(|line| line.contains(&id) && line.contains("\"route\""))
        .expect("a request log line");
    assert!(line.contains("/api/cameras/{id}"), "{line}");
    assert!(line.contains("\"status\":404"), "{line}");
    assert!(!logs.contains("hunter2"), "query strings are never logged");
}

#[tokio::test]
async fn shutdown_is_graceful() {
    let mut app = TestApp::spawn().await;
    app.create_camera("Dock").await;
    app.stop()
        .await
        .expect("serve returns cleanly after the shutdown signal");
}

/// Logs read by people: every allowed video request MediaMTX asks the hook
/// about (one per playlist and segment) is a debug line, a refusal an info
/// line; and a text log written to a file carries no colour codes.
#[tokio::test]
async fn hook_answers_log_at_their_level_and_text_logs_carry_no_colour() {
    let app = TestApp::spawn().await;
    let (user, password) = app.mediamtx.service_login();
    let ask = |request_id: String, password: String| {
        let body = json!({
            "ip": "127.0.0.1", "user": user, "password": password, "token": "",
            "action": "api", "path": "", "protocol": "", "id": null, "query": "",
        });
        let request = app.anonymous.post(app.url("/api/mediamtx/auth"));
        async move {
            let response = request
                .header("x-request-id", &request_id)
                .json(&body)
                .send()
                .await
                .unwrap();
            (request_id, response.status().as_u16())
        }
    };
    let allowed = ask(
        format!("allowed-{}", uuid::Uuid::new_v4()),
        password.to_owned(),
    )
    .await;
    let refused = ask(format!("refused-{}", uuid::Uuid::new_v4()), "wrong".into()).await;
    assert_eq!((allowed.1, refused.1), (204, 401));
    let level_of = |request_id: &str| {
        logs()
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .find(|line| {
                line["fields"]["message"] == "request" && line["span"]["request_id"] == request_id
            })
            .map(|line| line["level"].as_str().unwrap().to_owned())
    };
    assert_eq!(level_of(&allowed.0).as_deref(), Some("DEBUG"));
    assert_eq!(level_of(&refused.0).as_deref(), Some("INFO"));

    let mut env = app.env().clone();
    env.insert("CAMPLANE_LOG_FORMAT".into(), "text".into());
    let service = ServiceProcess::start(&env);
    let output = service.output_containing("listening").await;
    assert!(
        !output.contains('\u{1b}'),
        "colour codes in a file:\n{output}"
    );
}
