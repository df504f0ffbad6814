//! Real RTSP cameras for the tests: `infra/test-camera/test_camera.py` (GStreamer's
//! RTSP server) on a free loopback port, plus the two broken cameras a probe must
//! tell apart: a port that accepts TCP and never answers, and a port nobody
//! listens on. Mounts: `cam1` (keyframe every `gop_frames`, default 1 s), `cam2`
//! (10 s GOP), `cam3` (video + AAC), `secure` (basic auth, [`TestCamera::USER`]
//! / [`TestCamera::PASSWORD`]), all 640x360@25 H.264 constrained baseline, and
//! `small`, as `cam1` at 320x180 (a camera's sub-stream).

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::net::TcpListener;
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::task::JoinHandle;

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../infra/test-camera/test_camera.py"
);
/// Debian's python: it has `gi`, a pyenv `python3` earlier on PATH does not.
const PYTHON: &str = "/usr/bin/python3";
const START_TIMEOUT: Duration = Duration::from_secs(15);

/// A running test camera. Dropping it kills the process.
pub struct TestCamera {
    child: Child,
    port: u16,
    // The camera exits when its stdin reaches EOF, so even a test process that
    // dies without running destructors takes its camera with it.
    _stdin: ChildStdin,
    // Held so a late print can't hit a closed pipe.
    _stdout: Lines<BufReader<ChildStdout>>,
}

impl TestCamera {
    pub const USER: &'static str = "admin";
    /// The suite's canary: any leak of it fails the test that leaked it.
    pub const PASSWORD: &'static str = super::CANARY;

    pub async fn start() -> TestCamera {
        TestCamera::start_with_gop(25).await
    }

    /// `gop_frames` is the keyframe interval of `cam1` at 25 fps (250 = 10 s).
    pub async fn start_with_gop(gop_frames: u32) -> TestCamera {
        let mut child = Command::new(PYTHON)
            .arg(SCRIPT)
            .args(["--port", "0", "--gop", &gop_frames.to_string()])
            .args([
                "--user",
                TestCamera::USER,
                "--password",
                TestCamera::PASSWORD,
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot run {PYTHON} {SCRIPT}: {e}; run scripts/install-deps.sh")
            });
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();

        // Drained for the camera's whole life: an unread pipe that fills up would
        // stall it, and the text explains a failed start.
        let stderr_text = Arc::new(Mutex::new(Vec::new()));
        let mut stderr = child.stderr.take().unwrap();
        let sink = stderr_text.clone();
        let drain = tokio::spawn(async move {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = stderr.read(&mut buf).await {
                let mut text = sink.lock().unwrap();
                text.extend_from_slice(&buf[..n]);
                let excess = text.len().saturating_sub(64 * 1024);
                text.drain(..excess);
            }
        });

        let ready = tokio::time::timeout(START_TIMEOUT, async {
            while let Ok(Some(line)) = stdout.next_line().await {
                if let Some(port) = line.strip_prefix("READY port=") {
                    return port.trim().parse::<u16>().ok();
                }
            }
            None
        })
        .await;
        match ready {
            Ok(Some(port)) => TestCamera {
                child,
                port,
                _stdin: stdin,
                _stdout: stdout,
            },
            failed => {
                let _ = child.start_kill();
                let status = child.wait().await;
                let _ = tokio::time::timeout(Duration::from_secs(1), drain).await;
                let why = if failed.is_err() {
                    "took more than 15 s"
                } else {
                    "exited"
                };
                panic!(
                    "test camera failed to start ({why}, {status:?}); run scripts/install-deps.sh\nstderr:\n{}",
                    String::from_utf8_lossy(&stderr_text.lock().unwrap())
                );
            }
        }
    }

    /// `url("cam1")` is `rtsp://127.0.0.1:PORT/cam1`.
    pub fn url(&self, mount: &str) -> String {
        format!(
            "rtsp://127.0.0.1:{}/{}",
            self.port,
            mount.trim_start_matches('/')
        )
    }

    /// The `secure` mount with these credentials in the URL, percent-encoded.
    pub fn secure_url(&self, user: &str, password: &str) -> String {
        format!(
            "rtsp://{}:{}@127.0.0.1:{}/secure",
            encode_userinfo(user),
            encode_userinfo(password),
            self.port
        )
    }

    /// Kills the camera mid-stream (SIGKILL, no goodbye to its clients) and
    /// waits until it is gone.
    pub async fn kill(&mut self) {
        self.child.kill().await.expect("killing the test camera");
    }
}

impl Drop for TestCamera {
    fn drop(&mut self) {
        // Already gone after `kill()`; the error then is expected.
        let _ = self.child.start_kill();
    }
}

/// Keeps RFC 3986 unreserved characters, percent-encodes every other byte.
fn encode_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A server at a camera's address that is no camera: it says nothing at all
/// (a client without a read timeout hangs on it forever), or answers every
/// connection with the same bytes and hangs up.
pub struct OddServer {
    port: u16,
    task: JoinHandle<()>,
}

impl OddServer {
    pub async fn silent() -> OddServer {
        Self::start(None).await
    }

    /// `reply` to whatever the client sends first.
    pub async fn answering(reply: &'static [u8]) -> OddServer {
        Self::start(Some(reply)).await
    }

    async fn start(reply: Option<&'static [u8]>) -> OddServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            // Silent sockets are held open, never read or written, until the
            // task is aborted: a closed socket would give the client an
            // answer (EOF).
            let mut held = Vec::new();
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                match reply {
                    None => held.push(socket),
                    Some(reply) => {
                        tokio::spawn(async move {
                            let mut request = [0; 4096];
                            let _ = socket.read(&mut request).await;
                            let _ = socket.write_all(reply).await;
                        });
                    }
                }
            }
        });
        OddServer { port, task }
    }

    pub fn url(&self, mount: &str) -> String {
        format!(
            "rtsp://127.0.0.1:{}/{}",
            self.port,
            mount.trim_start_matches('/')
        )
    }
}

impl Drop for OddServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A URL whose port nothing listens on: connecting is refused at once.
pub fn closed_port_url() -> String {
    format!("rtsp://127.0.0.1:{}/cam1", super::free_port())
}
