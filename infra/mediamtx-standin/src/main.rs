//! Runs the stand-in on its own, for a local run of Camplane on a machine
//! where MediaMTX can't be installed. Production uses the real MediaMTX.
//!
//! Usage: `mediamtx-standin [LISTEN_ADDR]` (default `127.0.0.1:9997`).
//! Environment, named as MediaMTX's own overrides where one exists:
//! - `MTX_API_USER` / `MTX_API_PASS`: require Basic credentials on the API;
//! - `MTX_HLSADDRESS` (e.g. `127.0.0.1:8888`): also serve HLS there, remuxing
//!   each path's RTSP source with ffmpeg (ffmpeg must be on PATH);
//! - `MTX_HLSTRUSTEDPROXIES`: comma-separated proxy addresses whose
//!   `X-Forwarded-For` names the viewer;
//! - `MTX_HLSMUXERCLOSEAFTER`: idle muxer lifetime, e.g. `60s` (the default).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use mediamtx_standin::{AUTH_FAILURE_PAUSE, Options, StandIn};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr: SocketAddr = std::env::args()
        .nth(1)
        .as_deref()
        .unwrap_or("127.0.0.1:9997")
        .parse()?;
    let api_credentials = match (std::env::var("MTX_API_USER"), std::env::var("MTX_API_PASS")) {
        (Ok(user), Ok(pass)) => Some((user, pass)),
        _ => None,
    };
    let hls_addr = match std::env::var("MTX_HLSADDRESS") {
        Ok(text) if !text.is_empty() => Some(text.parse::<SocketAddr>()?),
        _ => None,
    };
    let hls_trusted_proxies = std::env::var("MTX_HLSTRUSTEDPROXIES")
        .unwrap_or_default()
        .split(',')
        .filter(|item| !item.trim().is_empty())
        .map(|item| item.trim().parse::<IpAddr>())
        .collect::<Result<Vec<_>, _>>()?;
    let hls_muxer_close_after = match std::env::var("MTX_HLSMUXERCLOSEAFTER") {
        Ok(text) if !text.is_empty() => {
            let seconds = text.trim_end_matches('s').parse::<u64>()?;
            Some(Duration::from_secs(seconds))
        }
        _ => None,
    };
    let stand_in = StandIn::start_with(Options {
        addr: Some(addr),
        api_credentials,
        hls_addr,
        hls_trusted_proxies,
        hls_muxer_close_after,
        auth_failure_pause: AUTH_FAILURE_PAUSE,
        ..Options::default()
    })
    .await?;
    println!(
        "MediaMTX stand-in ({}) serving the v3 API at {}",
        mediamtx_standin::VERSION,
        stand_in.api_url()
    );
    if let Some(hls) = stand_in.hls_url() {
        println!("MediaMTX stand-in serving HLS at {hls} (ffmpeg remux; a development aid)");
    }
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result?,
        _ = terminate.recv() => {}
    }
    // Kills every ffmpeg before exiting.
    stand_in.stop().await;
    Ok(())
}
