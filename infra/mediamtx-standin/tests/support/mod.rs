//! Shared by the test binaries that need a live RTSP source.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};

const CAMERA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../test-camera/test_camera.py");

/// `infra/test-camera/test_camera.py` on a free port; killed on drop, and it
/// exits by itself when its stdin closes.
pub struct Camera {
    _child: Child,
    _stdin: ChildStdin,
    port: u16,
}

impl Camera {
    pub async fn start() -> Camera {
        let mut child = Command::new("/usr/bin/python3")
            .args([CAMERA, "--port", "0"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("the test camera runs (scripts/install-deps.sh)");
        let stdin = child.stdin.take().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let port = tokio::time::timeout(Duration::from_secs(15), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(port) = line.strip_prefix("READY port=") {
                    return port.trim().parse().unwrap();
                }
            }
            panic!("the test camera exited before READY");
        })
        .await
        .expect("the test camera starts within 15 s");
        Camera {
            _child: child,
            _stdin: stdin,
            port,
        }
    }

    pub fn url(&self, mount: &str) -> String {
        format!("rtsp://127.0.0.1:{}/{mount}", self.port)
    }
}
