//! The stand-in answers as MediaMTX v1.20.1 does (`../shared/notes/mediamtx.md`),
//! for the calls Camplane relies on.

use std::time::Duration;

use mediamtx_standin::{Options, Runtime, StandIn, Track};
use serde_json::{Value, json};

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    fn new(stand_in: &StandIn) -> Client {
        Client {
            http: reqwest::Client::builder().no_proxy().build().unwrap(),
            base: stand_in.api_url(),
        }
    }

    async fn send(&self, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.body(body.to_owned());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}

fn error(message: &str) -> Value {
    json!({"status": "error", "error": message})
}

#[tokio::test]
async fn config_paths_follow_mediamtx_status_codes() {
    let stand_in = StandIn::start().await.unwrap();
    let api = Client::new(&stand_in);
    let body = r#"{"source": "rtsp://u:p@192.0.2.1/s", "sourceOnDemand": true, "sourceOnDemandCloseAfter": "3600s"}"#;

    assert_eq!(
        api.send("POST", "/v3/config/paths/add/cam_1", Some(body))
            .await,
        (200, json!({"status": "ok"}))
    );
    assert_eq!(
        api.send("POST", "/v3/config/paths/add/cam_1", Some(body))
            .await,
        (400, error("path already exists"))
    );
    let (status, config) = api.send("GET", "/v3/config/paths/get/cam_1", None).await;
    assert_eq!(status, 200);
    assert_eq!(config["name"], "cam_1");
    assert_eq!(
        config["sourceOnDemandCloseAfter"], "1h0m0s",
        "durations are re-formatted"
    );
    assert_eq!(
        config["rtspTransport"], "automatic",
        "defaults are merged in"
    );
    assert_eq!(config["recordDeleteAfter"], "1d");

    assert_eq!(
        api.send("PATCH", "/v3/config/paths/patch/cam_2", Some("{}"))
            .await,
        (404, error("path not found"))
    );
    assert_eq!(
        api.send("DELETE", "/v3/config/paths/delete/cam_2", None)
            .await,
        (404, error("path not found"))
    );
    assert_eq!(
        api.send("GET", "/v3/config/paths/get/cam_2", None).await,
        (404, error("path configuration not found"))
    );
    let (status, _) = api
        .send(
            "POST",
            "/v3/config/paths/replace/cam_2",
            Some(r#"{"source": "rtsp://192.0.2.2/s"}"#),
        )
        .await;
    assert_eq!(status, 200, "replace is an upsert");

    let (status, _) = api
        .send(
            "POST",
            "/v3/config/paths/replace/cam_1",
            Some(r#"{"source": "rtsp://192.0.2.1/t"}"#),
        )
        .await;
    assert_eq!(status, 200);
    let config = stand_in.path_configs()["cam_1"].clone();
    assert_eq!(
        config,
        json!({"source": "rtsp://192.0.2.1/t"}),
        "replace swaps the overrides wholesale"
    );

    assert_eq!(
        api.send("DELETE", "/v3/config/paths/delete/cam_1", None)
            .await
            .0,
        200
    );
    assert_eq!(
        api.send("GET", "/v3/config/paths/get/cam_1", None).await.0,
        404
    );
}

#[tokio::test]
async fn bodies_and_names_are_checked_strictly() {
    let stand_in = StandIn::start().await.unwrap();
    let api = Client::new(&stand_in);
    let unknown = api
        .send(
            "POST",
            "/v3/config/paths/add/cam_1",
            Some(r#"{"sauce": "x"}"#),
        )
        .await;
    assert_eq!(unknown, (400, error("json: unknown field \"sauce\"")));
    let number = api
        .send(
            "POST",
            "/v3/config/paths/add/cam_1",
            Some(r#"{"sourceOnDemandStartTimeout": 10}"#),
        )
        .await;
    assert_eq!(number.0, 400, "durations are strings");
    let source = api
        .send(
            "POST",
            "/v3/config/paths/add/cam_1",
            Some(r#"{"source": "ftp://x"}"#),
        )
        .await;
    assert_eq!(source, (400, error("invalid source: 'ftp://x'")));
    let (status, _) = api.send("POST", "/v3/config/paths/add/cam_1", None).await;
    assert_eq!(status, 400, "an empty body is a JSON error");
    assert_eq!(
        api.send("GET", "/v3/config/paths/get/cam%201", None)
            .await
            .0,
        400
    );
    let (status, body) = api.send("GET", "/v3/nothing/here", None).await;
    assert_eq!(
        (status, body),
        (404, Value::String("404 page not found".into()))
    );
    assert!(stand_in.path_configs().is_empty());
}

#[tokio::test]
async fn lists_are_paged_from_zero() {
    let stand_in = StandIn::start().await.unwrap();
    let api = Client::new(&stand_in);
    for n in 0..5 {
        stand_in.seed_path(&format!("cam_{n}"), json!({}));
    }
    let (_, page) = api
        .send("GET", "/v3/config/paths/list?itemsPerPage=2&page=2", None)
        .await;
    assert_eq!(
        (page["itemCount"].as_u64(), page["pageCount"].as_u64()),
        (Some(5), Some(3))
    );
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["name"], "cam_4");
    let (_, past) = api
        .send("GET", "/v3/config/paths/list?itemsPerPage=2&page=9", None)
        .await;
    assert_eq!(past["items"], json!([]));
    assert_eq!(
        api.send("GET", "/v3/config/paths/list?itemsPerPage=0", None)
            .await,
        (400, error("invalid items per page"))
    );
    assert_eq!(api.send("GET", "/v3/paths/list?page=x", None).await.0, 400);
}

#[tokio::test]
async fn runtime_paths_report_what_the_test_sets() {
    let stand_in = StandIn::start().await.unwrap();
    let api = Client::new(&stand_in);
    stand_in.seed_path(
        "cam_1",
        json!({"source": "rtsp://192.0.2.1/s", "sourceOnDemand": true}),
    );
    let (_, idle) = api.send("GET", "/v3/paths/get/cam_1", None).await;
    assert_eq!(
        (idle["available"].clone(), idle["source"]["type"].clone()),
        (json!(false), json!("rtspSource"))
    );
    assert_eq!(
        idle["online"], true,
        "online is true for a static source even when it is down"
    );

    let track = Track {
        codec: "H264".into(),
        width: 640,
        height: 360,
        profile: "Constrained Baseline".into(),
    };
    stand_in.set_runtime(
        "cam_1",
        Runtime {
            available: true,
            readers: 2,
            inbound_bytes: 1234,
            tracks: vec![track],
        },
    );
    let (_, list) = api.send("GET", "/v3/paths/list", None).await;
    let live = &list["items"][0];
    assert_eq!(live["available"], true);
    assert_eq!(live["inboundBytes"], 1234);
    assert_eq!(live["readers"].as_array().unwrap().len(), 2);
    assert_eq!(live["tracks2"][0]["codecProps"]["width"], 640);
    assert_eq!(
        api.send("GET", "/v3/paths/get/cam_9", None).await,
        (404, error("path not found"))
    );
}

#[tokio::test]
async fn stop_restart_and_faults_behave_like_a_real_outage() {
    let stand_in = StandIn::start().await.unwrap();
    let api = Client::new(&stand_in);
    stand_in.seed_path("cam_1", json!({}));
    let (_, before) = api.send("GET", "/v3/info", None).await;
    assert_eq!(before["version"], "v1.20.1");

    stand_in.stop().await;
    let refused = api.http.get(format!("{}/v3/info", api.base)).send().await;
    assert!(refused.is_err(), "a stopped stand-in refuses connections");

    stand_in.start_again().await.unwrap();
    let (_, after) = api.send("GET", "/v3/info", None).await;
    assert_ne!(
        before["started"], after["started"],
        "a restart shows in /v3/info"
    );
    assert!(
        stand_in.path_configs().is_empty(),
        "a restart forgets API-made paths"
    );

    stand_in.fail_requests(Some(500));
    let failed = api
        .send("POST", "/v3/config/paths/replace/cam_2", Some("{}"))
        .await;
    assert_eq!(failed.0, 500);
    assert_eq!(
        stand_in.writes().last().unwrap().path,
        "/v3/config/paths/replace/cam_2",
        "recorded before the fault"
    );
    stand_in.fail_requests(None);
    stand_in.fail_writes(Some(400));
    assert_eq!(
        api.send("GET", "/v3/config/paths/list", None).await.0,
        200,
        "reads still work"
    );
    assert_eq!(
        api.send("DELETE", "/v3/config/paths/delete/cam_2", None)
            .await
            .0,
        400
    );
    stand_in.fail_writes(None);

    stand_in.set_delay(Duration::from_millis(300));
    let started = std::time::Instant::now();
    api.send("GET", "/v3/info", None).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn api_credentials_are_required_when_configured() {
    let options = Options {
        api_credentials: Some(("camplane".into(), "pw".into())),
        ..Options::default()
    };
    let stand_in = StandIn::start_with(options).await.unwrap();
    let api = Client::new(&stand_in);
    let anonymous = api
        .http
        .get(format!("{}/v3/info", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    assert!(anonymous.headers().contains_key("www-authenticate"));
    let wrong = api
        .http
        .get(format!("{}/v3/info", api.base))
        .basic_auth("camplane", Some("no"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(!wrong.headers().contains_key("www-authenticate"));
    let right = api
        .http
        .get(format!("{}/v3/info", api.base))
        .basic_auth("camplane", Some("pw"))
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
}

#[tokio::test]
async fn hls_session_routes_exist_with_hls_behind_the_api_auth_and_faults() {
    let without_hls = StandIn::start().await.unwrap();
    assert_eq!(
        Client::new(&without_hls)
            .send("GET", "/v3/hlssessions/list", None)
            .await,
        (404, Value::String("404 page not found".into())),
        "MediaMTX registers them only with its HLS server"
    );

    let stand_in = StandIn::start_with(Options {
        api_credentials: Some(("camplane".into(), "pw".into())),
        hls_addr: Some("127.0.0.1:0".parse().unwrap()),
        ..Options::default()
    })
    .await
    .unwrap();
    let api = Client::new(&stand_in);
    let send = |method: reqwest::Method, path: &str| {
        api.http
            .request(method, format!("{}{path}", api.base))
            .basic_auth("camplane", Some("pw"))
            .send()
    };
    let unknown = "/v3/hlssessions/kick/0a1b2c3d-4e5f-4a6b-8c7d-8e9f00112233";
    assert_eq!(
        api.send("POST", unknown, None).await,
        (401, error("authentication error"))
    );
    let list = send(reqwest::Method::GET, "/v3/hlssessions/list")
        .await
        .unwrap();
    assert_eq!(list.status(), 200);
    assert_eq!(
        list.json::<Value>().await.unwrap(),
        json!({"itemCount": 0, "pageCount": 0, "items": []})
    );
    let kick = send(reqwest::Method::POST, unknown).await.unwrap();
    assert_eq!(kick.status(), 404);
    assert_eq!(
        kick.json::<Value>().await.unwrap(),
        error("session not found")
    );
    let get = send(reqwest::Method::GET, "/v3/hlssessions/get/not-a-uuid")
        .await
        .unwrap();
    assert_eq!(get.status(), 400);
    assert_eq!(
        get.json::<Value>().await.unwrap(),
        error("invalid UUID length: 10")
    );

    stand_in.fail_requests(Some(503));
    let failed = send(reqwest::Method::GET, "/v3/hlssessions/list")
        .await
        .unwrap();
    assert_eq!(failed.status(), 503);
}
