//! The service's real binary as a process of its own, with the environment a
//! `TestApp` gives its in-process service: for what only a separate process
//! shows, such as its resident memory, or latency under a load generator
//! that doesn't share its runtime.

use std::path::PathBuf;
use std::process::Stdio;

use reqwest::Method;
use serde_json::Value;

use crate::support::{Response, TestApp, assert_no_canary, free_port, send, serving};

pub struct ServiceProcess {
    child: tokio::process::Child,
    base: String,
    /// Prometheus's scrape, on a listener of its own.
    metrics: String,
    client: reqwest::Client,
    /// Output goes to a file: an undrained pipe would fill up and stall it.
    log: PathBuf,
}

/// Resident memory in bytes, as the kernel counts it.
pub struct Memory {
    /// `VmRSS`: now.
    pub resident: u64,
    /// `VmHWM`: the most it has held since it started.
    pub peak: u64,
}

impl ServiceProcess {
    /// Starts the binary on a free port and waits until it serves. Stop
    /// `app`'s own service first when this one should reconcile alone.
    pub async fn start(app: &TestApp) -> ServiceProcess {
        let (port, metrics_port) = (free_port(), free_port());
        let log =
            std::env::temp_dir().join(format!("camplane-service-{}.log", uuid::Uuid::new_v4()));
        let output = std::fs::File::create(&log).expect("creating the service's log");
        let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_camera-api"))
            .env_clear()
            .envs(app.env())
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("CAMPLANE_LISTEN", format!("127.0.0.1:{port}"))
            // Metrics stay on, as in production.
            .env(
                "CAMPLANE_METRICS_LISTEN",
                format!("127.0.0.1:{metrics_port}"),
            )
            .stdout(Stdio::from(output.try_clone().unwrap()))
            .stderr(Stdio::from(output))
            .kill_on_drop(true)
            .spawn()
            .expect("starting the service binary");
        let service = ServiceProcess {
            child,
            base: format!("http://127.0.0.1:{port}"),
            metrics: format!("http://127.0.0.1:{metrics_port}/metrics"),
            client: app.client.clone(),
            log,
        };
        assert!(
            serving(&service.client, &service.base).await,
            "the service process did not start:\n{}",
            service.output()
        );
        app.mediamtx
            .add_hook(format!("{}/api/mediamtx/auth", service.base));
        service
    }

    /// The client it was started with (the test app's admin token).
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        send(self.client.request(Method::GET, self.url(path))).await
    }

    /// A GET whose body is read and dropped unexamined: the load generator
    /// shares the machine's cores with the service, so it skips what every
    /// test response gets (a copy as text, the canary search) and spends
    /// them on requests. With the credentials of `client` (`client()`: the
    /// admin's).
    pub async fn fetch_as(&self, client: &reqwest::Client, path: &str) -> u16 {
        let response = client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent");
        let status = response.status().as_u16();
        response.bytes().await.expect("response body");
        status
    }

    /// What Prometheus reads: the metrics page, as text.
    pub async fn scrape(&self) -> String {
        let response = self
            .client
            .get(&self.metrics)
            .send()
            .await
            .expect("scraped");
        assert_eq!(response.status(), 200);
        response.text().await.expect("the metrics page")
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        send(self.client.request(Method::POST, self.url(path)).json(body)).await
    }

    pub async fn delete(&self, path: &str) -> Response {
        send(self.client.request(Method::DELETE, self.url(path))).await
    }

    pub fn memory(&self) -> Memory {
        let pid = self.child.id().expect("the service is running");
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("its status");
        let kib = |field: &str| -> u64 {
            status
                .lines()
                .find_map(|line| line.strip_prefix(field))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
                .unwrap_or_else(|| panic!("{field} in /proc/{pid}/status"))
        };
        Memory {
            resident: kib("VmRSS:") * 1024,
            peak: kib("VmHWM:") * 1024,
        }
    }

    /// Everything it has logged so far.
    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        let output = self.output();
        let _ = std::fs::remove_file(&self.log);
        if !std::thread::panicking() {
            assert_no_canary("the service process's output", &output);
        }
    }
}
