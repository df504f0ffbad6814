//! The real `camera-api` binary as a process of its own, for what a service
//! inside the test process can't show: being SIGKILLed, its own memory, and
//! its log on its own.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;

pub struct ServiceProcess {
    process: tokio::process::Child,
    /// JSON log lines, stdout and stderr. A file, not a pipe: an undrained
    /// pipe would fill up and stall the service.
    log: PathBuf,
    base: String,
}

/// Why a process did not come to listen.
pub enum NotListening {
    /// Another process bound its port between its choice and the bind.
    PortTaken,
    /// Anything else, with everything it wrote.
    Failed(String),
}

impl ServiceProcess {
    /// Starts the binary with `env` (a test app's, see `TestApp::env`) on a
    /// free port, without a metrics listener. The port is chosen here, so
    /// its address is known before it listens (see [`Self::listening`]).
    pub fn start(env: &HashMap<String, String>) -> ServiceProcess {
        let port = super::free_port();
        let log =
            std::env::temp_dir().join(format!("camplane-service-{}.log", uuid::Uuid::new_v4()));
        let file = std::fs::File::create(&log).unwrap();
        let process = tokio::process::Command::new(env!("CARGO_BIN_EXE_camera-api"))
            .env_clear()
            // JSON unless `env` says otherwise: `base_url` reads it.
            .env("CAMPLANE_LOG_FORMAT", "json")
            .envs(env)
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("CAMPLANE_LISTEN", format!("127.0.0.1:{port}"))
            .env("CAMPLANE_METRICS_LISTEN", "off")
            .stdout(Stdio::from(file.try_clone().unwrap()))
            .stderr(Stdio::from(file))
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        ServiceProcess {
            process,
            log,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Waits until it says it listens (10 s at most), or has exited.
    pub async fn listening(&mut self) -> Result<(), NotListening> {
        for _ in 0..400 {
            let output = self.output();
            if output.contains("\"listening\"") {
                return Ok(());
            }
            if self.process.try_wait().unwrap().is_some() {
                // main's context for a failed bind.
                return Err(if output.contains("binding CAMPLANE_LISTEN") {
                    NotListening::PortTaken
                } else {
                    NotListening::Failed(output)
                });
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        Err(NotListening::Failed(self.output()))
    }

    /// Everything it wrote, once that includes `text` (within 10 s).
    pub async fn output_containing(&self, text: &str) -> String {
        for _ in 0..400 {
            let output = self.output();
            if output.contains(text) {
                return output;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the service never wrote {text:?}:\n{}", self.output());
    }

    /// Resident memory now, in KiB (`VmRSS` in /proc/<pid>/status).
    pub fn rss_kib(&self) -> u64 {
        self.memory_kib("VmRSS:")
    }

    /// The most resident memory it has held since it started, in KiB.
    pub fn peak_rss_kib(&self) -> u64 {
        self.memory_kib("VmHWM:")
    }

    fn memory_kib(&self, field: &str) -> u64 {
        let pid = self.process.id().expect("running");
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        status
            .lines()
            .find_map(|line| line.strip_prefix(field))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("{field} in /proc/<pid>/status"))
    }

    /// SIGKILL: no drain, no clean-up, as when the machine's OOM killer or an
    /// orchestrator strikes.
    pub async fn kill(&mut self) {
        self.process.start_kill().unwrap();
        self.process.wait().await.unwrap();
    }

    /// Everything the service wrote.
    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Its log lines, parsed (a line that isn't JSON is skipped).
    pub fn log_lines(&self) -> Vec<Value> {
        self.output()
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        // kill_on_drop ends the process; the log goes with it.
        let _ = std::fs::remove_file(&self.log);
    }
}
