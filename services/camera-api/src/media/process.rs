//! Running ffmpeg and ffprobe: an argument vector (never a shell), a hard
//! deadline, and a process that never outlives its caller.

use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;
use tokio::process::{Child, Command};

use super::Failure;
use crate::redact;

/// Time a process gets to exit after SIGTERM before it is killed. ffmpeg
/// blocked on a stalled read ignores the first SIGTERM (measured: it stays
/// in the socket read until the kill).
pub const GRACE: Duration = Duration::from_millis(500);
/// A snapshot is one JPEG; anything bigger is not what we asked for.
const STDOUT_LIMIT: u64 = 32 << 20;
/// How much of stderr is kept for an error message.
const STDERR_TAIL: usize = 400;

pub struct Output {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    /// The last lines of stderr, passwords masked.
    pub stderr: String,
}

/// Protocols an input may use: RTSP and what it runs over. Anything else
/// (file, http, concat, subfile…) is refused by ffmpeg itself.
const PROTOCOL_WHITELIST: &str = "rtsp,rtsps,rtp,srtp,tcp,udp,tls";

/// How ffmpeg and ffprobe open a camera, ending with `-i url`: only RTSP,
/// over TCP, every socket operation bounded by `timeout`, and the fast-start
/// flags as measured against the GStreamer test camera: a tiny probe size
/// answers from the SDP in ~0.2 s instead of ~1.3 s; 5000 bytes rather than 32 keeps the
/// video size right when the camera also sends audio.
pub fn input_args(url: &str, timeout: Duration) -> Vec<String> {
    let timeout_us = timeout.as_micros().to_string();
    [
        "-protocol_whitelist",
        PROTOCOL_WHITELIST,
        "-rtsp_transport",
        "tcp",
        "-timeout",
        &timeout_us,
        "-probesize",
        "5000",
        "-analyzeduration",
        "0",
        "-i",
        url,
    ]
    .map(str::to_owned)
    .to_vec()
}

/// Runs `program` with `args` until it exits or `deadline` passes; then it is
/// terminated, killed after a grace period, and reaped. If the caller stops
/// waiting (an HTTP client went away), dropping the future kills it too.
pub async fn run(program: &Path, args: &[String], deadline: Duration) -> Result<Output, Failure> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|err| {
            Failure::ffmpeg_exit(format!("cannot start {}: {err}", program.display()))
        })?;
    let mut stdout = child.stdout.take().expect("piped").take(STDOUT_LIMIT);
    let mut stderr = child.stderr.take().expect("piped");
    let started = Instant::now();
    let finished = async {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        // Both pipes are drained while waiting, so a chatty process can't
        // block on a full pipe.
        let (status, _, _) = tokio::join!(
            child.wait(),
            stdout.read_to_end(&mut out),
            stderr.read_to_end(&mut err)
        );
        (status, out, err)
    };
    let outcome = tokio::time::timeout(deadline, finished).await;
    match outcome {
        Ok((Ok(status), stdout, stderr)) => {
            let stderr = tail(&stderr, &passwords_in(args));
            if !status.success() {
                tracing::debug!(program = %program.display(), %status, %stderr, "media process failed");
            }
            Ok(Output {
                status,
                stdout,
                stderr,
            })
        }
        Ok((Err(err), _, _)) => Err(Failure::ffmpeg_exit(format!(
            "waiting for {}: {err}",
            program.display()
        ))),
        Err(_) => {
            stop(&mut child).await;
            Err(Failure::timeout(started.elapsed()))
        }
    }
}

async fn stop(child: &mut Child) {
    if let Some(pid) = child.id().and_then(|pid| i32::try_from(pid).ok()) {
        // SAFETY: plain kill(2) on our own child, which has not been reaped
        // yet (`id()` is Some), so the pid can't belong to another process.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
    }
    if tokio::time::timeout(GRACE, child.wait()).await.is_err() {
        let _ = child.kill().await;
    }
}

/// Every password the arguments carry, in each form the process may print.
fn passwords_in(args: &[String]) -> Vec<String> {
    args.iter()
        .filter(|arg| arg.contains("://"))
        .filter_map(|arg| url::Url::parse(arg).ok())
        .flat_map(|url| redact::password_forms(&url))
        .collect()
}

fn tail(stderr: &[u8], passwords: &[String]) -> String {
    // Masked before it is cut: a cut could split `scheme://` from the
    // password that follows it.
    let text = redact::known_secrets(String::from_utf8_lossy(stderr).trim(), passwords);
    let start = text.len().saturating_sub(STDERR_TAIL);
    let start = (start..text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len());
    text[start..].to_owned()
}

#[cfg(test)]
mod tests {
    use super::{passwords_in, tail};

    #[test]
    fn stderr_tails_never_show_a_password() {
        let long = format!(
            "{}rtsp://admin:hunter2@10.0.0.1/s: Server returned 404 Not Found",
            "x".repeat(1000)
        );
        let kept = tail(long.as_bytes(), &[]);
        assert!(kept.len() <= super::STDERR_TAIL + 8);
        assert!(!kept.contains("hunter2"), "{kept}");
        assert!(kept.ends_with("404 Not Found"));
    }

    #[test]
    fn a_password_printed_outside_its_url_is_struck_too() {
        let args = [
            "-i".to_owned(),
            "rtsp://admin:s%C3%A9same@10.0.0.1/s".to_owned(),
        ];
        let kept = tail(
            b"auth for admin with s\xc3\xa9same failed",
            &passwords_in(&args),
        );
        assert_eq!(kept, "auth for admin with *** failed");
    }
}
