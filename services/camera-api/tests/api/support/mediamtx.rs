//! The MediaMTX a test's service talks to: the stand-in from `infra/`, or a
//! real MediaMTX when `MEDIAMTX_API_URL` names one. Observations go through
//! MediaMTX's own v3 API with plain JSON, never through the service's client,
//! so a bug there can't hide itself.

use std::time::Duration;

use mediamtx_standin::StandIn;
use serde_json::Value;

pub struct MediaMtx {
    url: String,
    stand_in: Option<StandIn>,
    http: reqwest::Client,
}

impl MediaMtx {
    pub async fn start() -> MediaMtx {
        match std::env::var("MEDIAMTX_API_URL") {
            Ok(url) if !url.is_empty() => {
                let mtx = MediaMtx {
                    url: url.trim_end_matches('/').to_owned(),
                    stand_in: None,
                    http: reqwest::Client::builder().no_proxy().build().unwrap(),
                };
                // A shared MediaMTX holds the previous test's paths.
                for name in mtx.path_names().await {
                    if name.starts_with("cam_") {
                        mtx.http
                            .delete(format!("{}/v3/config/paths/delete/{name}", mtx.url))
                            .send()
                            .await
                            .unwrap();
                    }
                }
                mtx
            }
            _ => Self::start_stand_in().await,
        }
    }

    pub async fn start_stand_in() -> MediaMtx {
        let stand_in = StandIn::start()
            .await
            .expect("starting the MediaMTX stand-in");
        MediaMtx {
            url: stand_in.api_url(),
            stand_in: Some(stand_in),
            http: reqwest::Client::builder().no_proxy().build().unwrap(),
        }
    }

    pub fn api_url(&self) -> &str {
        &self.url
    }

    /// For tests that stop, restart, slow or break MediaMTX, or read its
    /// request log: only the stand-in can be driven that way.
    pub fn stand_in(&self) -> &StandIn {
        self.stand_in
            .as_ref()
            .expect("a test that drives MediaMTX's faults starts with TestApp::spawn_with_stand_in")
    }

    pub fn is_stand_in(&self) -> bool {
        self.stand_in.is_some()
    }

    pub async fn path_config(&self, name: &str) -> Option<Value> {
        let response = self
            .http
            .get(format!("{}/v3/config/paths/get/{name}", self.url))
            .send()
            .await
            .expect("MediaMTX answers");
        match response.status().as_u16() {
            200 => Some(response.json().await.unwrap()),
            404 => None,
            other => panic!("MediaMTX answered {other}"),
        }
    }

    pub async fn path_names(&self) -> Vec<String> {
        let list: Value = self
            .http
            .get(format!(
                "{}/v3/config/paths/list?itemsPerPage=100000",
                self.url
            ))
            .send()
            .await
            .expect("MediaMTX answers")
            .json()
            .await
            .unwrap();
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["name"].as_str().unwrap().to_owned())
            .collect()
    }

    pub async fn camera_paths(&self) -> Vec<String> {
        self.path_names()
            .await
            .into_iter()
            .filter(|name| name.starts_with("cam_"))
            .collect()
    }

    pub async fn add_path(&self, name: &str, config: Value) {
        let response = self
            .http
            .post(format!("{}/v3/config/paths/add/{name}", self.url))
            .json(&config)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "adding {name}");
    }

    /// Writes (POST/PATCH/DELETE) the stand-in received for one path.
    pub fn writes_to(&self, name: &str) -> Vec<(String, Option<Value>)> {
        let suffix = format!("/{name}");
        self.stand_in()
            .writes()
            .into_iter()
            .filter(|request| request.path.ends_with(&suffix))
            .map(|request| (format!("{} {}", request.method, request.path), request.body))
            .collect()
    }
}

/// Polls `check` until it holds or `limit` passes; returns whether it held.
pub async fn eventually<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
