//! The stand-in's HLS server answers as MediaMTX v1.20.1's does
//! (`../shared/notes/mediamtx.md` §6), against a live GStreamer test camera.

mod support;

use std::time::{Duration, Instant};

use mediamtx_standin::{Options, StandIn};
use serde_json::{Value, json};
use support::Camera;

struct Hls {
    stand_in: StandIn,
    base: String,
    http: reqwest::Client,
}

impl Hls {
    async fn start(close_after: Duration) -> Hls {
        let stand_in = StandIn::start_with(Options {
            hls_addr: Some("127.0.0.1:0".parse().unwrap()),
            hls_muxer_close_after: Some(close_after),
            ..Options::default()
        })
        .await
        .unwrap();
        Hls {
            base: stand_in.hls_url().expect("HLS is on"),
            stand_in,
            http: reqwest::Client::builder()
                .no_proxy()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }

    async fn get(&self, path_and_query: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let response = self
            .http
            .get(format!("{}{path_and_query}", self.base))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        (status, headers, response.bytes().await.unwrap().to_vec())
    }

    async fn error(&self, path_and_query: &str) -> (u16, Value) {
        let (status, _, body) = self.get(path_and_query).await;
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    /// The second request of the handshake; returns the child playlist URL.
    async fn open(&self, path: &str) -> String {
        let (status, _, body) = self.get(&format!("/{path}/index.m3u8?cookieCheck=1")).await;
        let text = String::from_utf8(body).unwrap();
        assert_eq!(status, 200, "{text}");
        let child = text.lines().last().unwrap();
        assert!(child.contains("session="), "{text}");
        format!("/{path}/{child}")
    }
}

fn error(message: &str) -> Value {
    json!({"status": "error", "error": message})
}

/// ffmpeg processes reading this source, from /proc.
fn ffmpegs_reading(source: &str) -> usize {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| std::fs::read(entry.ok()?.path().join("cmdline")).ok())
        .filter(|cmdline| {
            let text = String::from_utf8_lossy(cmdline);
            text.starts_with("ffmpeg") && text.contains(source)
        })
        .count()
}

async fn until(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    check()
}

#[tokio::test]
async fn viewers_follow_the_cookie_check_and_share_one_muxer() {
    let camera = Camera::start().await;
    let hls = Hls::start(Duration::from_secs(60)).await;
    let source = camera.url("cam1");
    hls.stand_in.seed_path(
        "cam_1",
        json!({"source": source, "sourceOnDemand": true, "rtspTransport": "tcp"}),
    );

    // Step 1: a redirect that keeps the query, with the cookie check.
    let (status, headers, _) = hls.get("/cam_1/index.m3u8?token=t").await;
    assert_eq!(status, 302);
    assert_eq!(
        headers["location"],
        "/cam_1/index.m3u8?cookieCheck=1&token=t"
    );
    assert!(
        headers["set-cookie"]
            .to_str()
            .unwrap()
            .starts_with("cookieCheck=1;")
    );

    // Step 2: the playlist, once the first segment exists.
    let child = hls.open("cam_1").await;
    let (status, headers, body) = hls.get(&child).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/vnd.apple.mpegurl");
    let playlist = String::from_utf8(body).unwrap();
    let session = child.split("session=").nth(1).unwrap();
    let segment = playlist
        .lines()
        .find(|line| !line.starts_with('#') && !line.is_empty())
        .expect("a segment");
    assert!(
        segment.ends_with(&format!("?session={session}")),
        "{playlist}"
    );
    assert!(
        playlist.contains(&format!("init.mp4?session={session}")),
        "{playlist}"
    );

    let (status, _, bytes) = hls.get(&format!("/cam_1/{segment}")).await;
    assert_eq!(status, 200);
    assert!(bytes.len() > 1000);
    // Segments need a valid session.
    let (status, body) = hls.error("/cam_1/init.mp4?session=nope").await;
    assert_eq!((status, body), (401, error("authentication error")));

    // A second viewer joins the running muxer: still one ffmpeg.
    let _second = hls.open("cam_1").await;
    assert_eq!(ffmpegs_reading(&source), 1);
    assert_eq!(hls.stand_in.hls_muxers(), ["cam_1"]);

    // `/v3/paths` sees the stream while the muxer runs.
    let path: Value = reqwest::get(format!("{}/v3/paths/get/cam_1", hls.stand_in.api_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(path["available"], true, "{path}");
    assert_eq!(path["readers"].as_array().unwrap().len(), 2, "{path}");
    assert_eq!(path["tracks2"][0]["codec"], "H264");
    assert_eq!(path["tracks2"][0]["codecProps"]["width"], 640);

    // Stopping the stand-in kills the muxer's ffmpeg.
    hls.stand_in.stop().await;
    assert!(until(Duration::from_secs(5), || ffmpegs_reading(&source) == 0).await);
}

#[tokio::test]
async fn errors_carry_mediamtx_statuses_and_messages() {
    let camera = Camera::start().await;
    let hls = Hls::start(Duration::from_secs(60)).await;
    let closed = {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        format!("rtsp://127.0.0.1:{port}/cam1")
    };
    hls.stand_in.seed_path("publisher", json!({}));
    hls.stand_in.seed_path(
        "offline",
        json!({"source": closed, "sourceOnDemand": true, "sourceOnDemandStartTimeout": "2s"}),
    );
    hls.stand_in.seed_path(
        "one",
        json!({"source": camera.url("cam1"), "sourceOnDemand": true, "maxReaders": 1}),
    );
    hls.stand_in.seed_path(
        "two",
        json!({"source": camera.url("cam1"), "sourceOnDemand": true, "maxReaders": 2}),
    );

    assert_eq!(
        hls.error("/lobby/index.m3u8?cookieCheck=1").await,
        (500, error("path 'lobby' is not configured"))
    );
    assert_eq!(
        hls.error("/publisher/index.m3u8?cookieCheck=1").await,
        (404, error("no stream is available on path 'publisher'"))
    );
    let started = Instant::now();
    assert_eq!(
        hls.error("/offline/index.m3u8?cookieCheck=1").await,
        (500, error("source of path 'offline' has timed out"))
    );
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert!(hls.stand_in.hls_muxers().is_empty());

    // The muxer is a hidden reader: one slot leaves none for it.
    assert_eq!(
        hls.error("/one/index.m3u8?cookieCheck=1").await,
        (500, error("muxer instance not available"))
    );
    // Two slots: one viewer (plus the muxer), then full.
    hls.open("two").await;
    assert_eq!(
        hls.error("/two/index.m3u8?cookieCheck=1").await,
        (500, error("maximum reader count reached"))
    );
}

#[tokio::test]
async fn idle_or_reconfigured_muxers_close_and_their_ffmpeg_dies() {
    let camera = Camera::start().await;
    let hls = Hls::start(Duration::from_secs(1)).await;
    let source = camera.url("cam1");
    let conf = json!({"source": source, "sourceOnDemand": true});
    hls.stand_in.seed_path("cam_1", conf.clone());

    hls.open("cam_1").await;
    assert_eq!(ffmpegs_reading(&source), 1);
    // Nobody asks for anything: closed after hlsMuxerCloseAfter.
    assert!(
        until(Duration::from_secs(5), || hls
            .stand_in
            .hls_muxers()
            .is_empty())
        .await
    );
    assert!(until(Duration::from_secs(5), || ffmpegs_reading(&source) == 0).await);

    // A configuration change recreates the path, dropping its muxer.
    let child = hls.open("cam_1").await;
    hls.stand_in.seed_path(
        "cam_1",
        json!({"source": source, "sourceOnDemand": true, "maxReaders": 5}),
    );
    assert!(
        until(Duration::from_secs(5), || hls
            .stand_in
            .hls_muxers()
            .is_empty())
        .await
    );
    assert_eq!(hls.error(&child).await.0, 401);

    // Dropping the stand-in kills a running muxer too.
    hls.open("cam_1").await;
    assert_eq!(ffmpegs_reading(&source), 1);
    drop(hls);
    assert!(until(Duration::from_secs(5), || ffmpegs_reading(&source) == 0).await);
}

/// `/v3/hlssessions/*` on the stand-in's API, answered as `api_hls.go` does.
async fn api(stand_in: &StandIn, method: reqwest::Method, path: &str) -> (u16, Value) {
    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .request(method, format!("{}{path}", stand_in.api_url()))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn sessions_are_listed_and_a_kicked_one_is_gone() {
    let camera = Camera::start().await;
    let hls = Hls::start(Duration::from_secs(60)).await;
    hls.stand_in.seed_path(
        "cam_1",
        json!({"source": camera.url("cam1"), "sourceOnDemand": true, "rtspTransport": "tcp"}),
    );
    let (get, post) = (reqwest::Method::GET, reqwest::Method::POST);

    let child = hls.open("cam_1").await;
    assert_eq!(hls.get(&child).await.0, 200);
    let (status, list) = api(&hls.stand_in, get.clone(), "/v3/hlssessions/list").await;
    assert_eq!(status, 200);
    assert_eq!(
        (&list["itemCount"], &list["pageCount"]),
        (&json!(1), &json!(1))
    );
    let item = list["items"][0].clone();
    let id = item["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 36, "{item}");
    assert!(!child.contains(&id), "the id is not the secret: {child}");
    assert!(
        item["remoteAddr"]
            .as_str()
            .unwrap()
            .starts_with("127.0.0.1:"),
        "{item}"
    );
    assert!(
        chrono::DateTime::parse_from_rfc3339(item["created"].as_str().unwrap()).is_ok(),
        "{item}"
    );
    assert!(item["outboundBytes"].as_u64().unwrap() > 0, "{item}");
    let mut rest = item.clone();
    for key in ["id", "remoteAddr", "created", "outboundBytes"] {
        rest.as_object_mut().unwrap().remove(key);
    }
    assert_eq!(
        rest,
        json!({"path": "cam_1", "query": "", "user": "", "userAgent": "", "isCDN": false})
    );
    assert_eq!(
        api(
            &hls.stand_in,
            get.clone(),
            &format!("/v3/hlssessions/get/{id}")
        )
        .await,
        (200, item)
    );
    // Any spelling `uuid.Parse` takes names the same session.
    let upper = format!("/v3/hlssessions/get/{}", id.to_uppercase());
    assert_eq!(api(&hls.stand_in, get.clone(), &upper).await.0, 200);

    // Pages are 0-based, as for the other lists.
    let second = hls.open("cam_1").await;
    let page = "/v3/hlssessions/list?itemsPerPage=1&page=1";
    let (_, list) = api(&hls.stand_in, get.clone(), page).await;
    assert_eq!(
        (&list["itemCount"], &list["pageCount"]),
        (&json!(2), &json!(2))
    );
    assert_ne!(list["items"][0]["id"], json!(id), "oldest first");

    // A kick is no configuration write: `fail_writes` leaves it alone.
    hls.stand_in.fail_writes(Some(500));
    let kick = format!("/v3/hlssessions/kick/{id}");
    assert_eq!(
        api(&hls.stand_in, post.clone(), &kick).await,
        (200, json!({"status": "ok"}))
    );
    assert!(hls.stand_in.writes().is_empty());
    hls.stand_in.fail_writes(None);
    let (_, list) = api(&hls.stand_in, get.clone(), "/v3/hlssessions/list").await;
    assert_eq!(list["itemCount"], 1);
    assert_ne!(list["items"][0]["id"], json!(id));
    assert_eq!(
        hls.error(&child).await,
        (401, error("authentication error"))
    );
    assert_eq!(hls.get(&second).await.0, 200, "the others keep watching");
    assert_eq!(
        api(&hls.stand_in, post.clone(), &kick).await,
        (404, error("session not found"))
    );
    assert_eq!(
        api(
            &hls.stand_in,
            get.clone(),
            &format!("/v3/hlssessions/get/{id}")
        )
        .await,
        (404, error("session not found"))
    );
    assert_eq!(
        api(&hls.stand_in, post.clone(), "/v3/hlssessions/kick/nope").await,
        (400, error("invalid UUID length: 4"))
    );

    // The kicked viewer comes back as a new session.
    hls.open("cam_1").await;
    let (_, list) = api(&hls.stand_in, get, "/v3/hlssessions/list").await;
    assert_eq!(list["itemCount"], 2);
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|item| item["id"] != json!(id))
    );
}
