//! A loopback relay between ffprobe and a camera, so an RTSP redirect to
//! another server is refused rather than followed.
//!
//! ffmpeg follows a `3xx` answer's `Location` to any host, taking the
//! credentials it was given along (and has no option not to). ffprobe
//! talks to the relay instead of the camera; the relay passes bytes both
//! ways to the camera's own host and port, reading the camera's answers as
//! they go by. A redirect to the same host and port is let through (ffmpeg
//! then connects there itself); one to anywhere else ends both
//! connections before ffmpeg can act on it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::{Code, Failure};
use crate::tasks::AbortOnDrop;

/// How much of the camera's side is read for redirects: the answers to
/// OPTIONS, DESCRIBE, SETUP and PLAY, before media flows.
const HEADER_WINDOW: usize = 64 * 1024;

/// The camera's side of a relay: where every connection is passed on to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
}

/// Runs until dropped.
pub struct Relay {
    port: u16,
    refused: Arc<AtomicBool>,
    _accepting: AbortOnDrop<()>,
}

impl Relay {
    /// Connects to the camera first, so that a camera nobody answers for
    /// fails as itself (refused, unreachable, silent) rather than as a relay
    /// that hung up on ffprobe.
    pub async fn start(camera: Endpoint, connect_within: Duration) -> Result<Relay, Failure> {
        let first = connect(&camera, connect_within).await?;
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|err| Failure::ffmpeg_exit(format!("no local relay for the probe: {err}")))?;
        let port = listener
            .local_addr()
            .map_err(|err| Failure::ffmpeg_exit(format!("no local relay for the probe: {err}")))?
            .port();
        let refused = Arc::new(AtomicBool::new(false));
        let flag = refused.clone();
        let accepting = tokio::spawn(async move {
            let mut connections = Vec::new();
            let mut first = Some(first);
            while let Ok((client, _)) = listener.accept().await {
                let (camera, flag, upstream) = (camera.clone(), flag.clone(), first.take());
                connections.push(AbortOnDrop(tokio::spawn(async move {
                    let upstream = match upstream {
                        Some(upstream) => upstream,
                        None => match connect(&camera, connect_within).await {
                            Ok(upstream) => upstream,
                            Err(_) => return,
                        },
                    };
                    let _ = relay(client, upstream, &camera, &flag).await;
                })));
            }
        });
        Ok(Relay {
            port,
            refused,
            _accepting: AbortOnDrop(accepting),
        })
    }

    /// Where ffprobe connects instead of the camera.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Whether the camera redirected elsewhere (and was cut off for it).
    pub fn refused_a_redirect(&self) -> bool {
        self.refused.load(Ordering::SeqCst)
    }
}

async fn connect(camera: &Endpoint, within: Duration) -> Result<TcpStream, Failure> {
    let connecting = TcpStream::connect((camera.host.as_str(), camera.port));
    match tokio::time::timeout(within, connecting).await {
        Ok(Ok(stream)) => Ok(stream),
        Ok(Err(_)) => Err(Failure::new(
            Code::Unreachable,
            "nothing answers at the camera's address",
        )),
        Err(_) => Err(Failure::timeout(within)),
    }
}

async fn relay(
    mut client: TcpStream,
    mut upstream: TcpStream,
    camera: &Endpoint,
    refused: &AtomicBool,
) -> std::io::Result<()> {
    let (mut client_read, mut client_write) = client.split();
    let (mut camera_read, mut camera_write) = upstream.split();
    let requests = tokio::io::copy(&mut client_read, &mut camera_write);
    let answers = async {
        let mut seen = Vec::new();
        let mut buffer = vec![0; 16 * 1024];
        loop {
            let read = camera_read.read(&mut buffer).await?;
            if read == 0 {
                return Ok::<(), std::io::Error>(());
            }
            if seen.len() < HEADER_WINDOW {
                seen.extend_from_slice(&buffer[..read]);
                if redirects_elsewhere(&seen, camera) {
                    refused.store(true, Ordering::SeqCst);
                    return Ok(());
                }
            }
            client_write.write_all(&buffer[..read]).await?;
        }
    };
    tokio::select! {
        result = requests => result.map(|_| ()),
        result = answers => result,
    }
}

/// Whether `answers` (the camera's bytes so far) hold a complete `3xx`
/// answer whose `Location` names another server than `camera`. An answer
/// still arriving is judged once its headers are whole.
fn redirects_elsewhere(answers: &[u8], camera: &Endpoint) -> bool {
    let text = String::from_utf8_lossy(answers);
    let mut rest = text.as_ref();
    while let Some(start) = rest.find("RTSP/1.0 3") {
        let answer = &rest[start..];
        let Some(end) = answer.find("\r\n\r\n") else {
            return false;
        };
        let headers = &answer[..end];
        let location = headers.lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("location")
                .then(|| value.trim())
        });
        let same_server = location
            .and_then(|location| url::Url::parse(location).ok())
            .is_some_and(|target| {
                target
                    .host_str()
                    .is_some_and(|host| host.eq_ignore_ascii_case(&camera.host))
                    && target.port().unwrap_or(554) == camera.port
            });
        if !same_server {
            return true;
        }
        rest = &answer[end..];
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_redirect_to_another_server_is_refused() {
        let camera = Endpoint {
            host: "10.0.0.5".into(),
            port: 554,
        };
        let answer = |location: &str| {
            format!(
                "RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\nRTSP/1.0 302 Moved\r\nCSeq: 2\r\nLocation: {location}\r\n\r\n"
            )
        };
        assert!(redirects_elsewhere(
            answer("rtsp://10.0.0.9/s").as_bytes(),
            &camera
        ));
        assert!(redirects_elsewhere(
            answer("rtsp://10.0.0.5:8554/s").as_bytes(),
            &camera
        ));
        assert!(redirects_elsewhere(answer("not a url").as_bytes(), &camera));
        assert!(!redirects_elsewhere(
            answer("rtsp://10.0.0.5/other").as_bytes(),
            &camera
        ));
        assert!(!redirects_elsewhere(
            answer("rtsp://10.0.0.5:554/other").as_bytes(),
            &camera
        ));
        assert!(!redirects_elsewhere(
            b"RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n",
            &camera
        ));
        let unfinished = "RTSP/1.0 302 Moved\r\nLocation: rtsp://10.0.0.9/s";
        assert!(
            !redirects_elsewhere(unfinished.as_bytes(), &camera),
            "judged when whole"
        );
    }
}
