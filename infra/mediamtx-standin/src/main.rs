//! Runs the stand-in on its own, for a local run of Camplane on a machine
//! where MediaMTX can't be installed. Production uses the real MediaMTX.
//!
//! Usage: `mediamtx-standin [LISTEN_ADDR]` (default `127.0.0.1:9997`).
//! Environment, named as MediaMTX's own overrides where one exists:
//! - `MTX_API_USER` / `MTX_API_PASS`: require these credentials on the API
//!   (`authMethod: internal` with one user);
//! - `MTX_AUTHMETHOD=http` with `MTX_AUTHHTTPADDRESS` (an `http://` URL):
//!   every authentication asks that hook instead, and `MTX_API_*` are
//!   ignored; `MTX_AUTHHTTPEXCLUDE_0_ACTION`, `_1_ACTION`, … list the actions
//!   that skip it (MediaMTX's form for a list of permissions: a plain
//!   `MTX_AUTHHTTPEXCLUDE=api` is ignored by MediaMTX, so it is refused here);
//! - `MTX_READTIMEOUT`: the hook's timeout, e.g. `10s` (the default);
//! - `MTX_HLSADDRESS` (e.g. `127.0.0.1:8888`): also serve HLS there, remuxing
//!   each path's RTSP source with ffmpeg (ffmpeg must be on PATH);
//! - `MTX_HLSTRUSTEDPROXIES`: comma-separated proxy addresses whose
//!   `X-Forwarded-For` names the viewer;
//! - `MTX_HLSMUXERCLOSEAFTER`: idle muxer lifetime, e.g. `60s` (the default).
//!
//! Refused credentials are answered after MediaMTX's random pause (< 4 s).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use mediamtx_standin::{AUTH_FAILURE_PAUSE, AuthAction, AuthHttp, Options, StandIn};

type Error = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> Result<(), Error> {
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
    let hls_muxer_close_after = seconds("MTX_HLSMUXERCLOSEAFTER")?;
    let stand_in = StandIn::start_with(Options {
        addr: Some(addr),
        api_credentials,
        hls_addr,
        hls_trusted_proxies,
        hls_muxer_close_after,
        auth_http: auth_http()?,
        read_timeout: seconds("MTX_READTIMEOUT")?,
        auth_failure_pause: AUTH_FAILURE_PAUSE,
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

/// A duration in whole seconds, e.g. `60s`.
fn seconds(name: &str) -> Result<Option<Duration>, Error> {
    match std::env::var(name) {
        Ok(text) if !text.is_empty() => {
            let seconds = text.trim_end_matches('s').parse::<u64>()?;
            Ok(Some(Duration::from_secs(seconds)))
        }
        _ => Ok(None),
    }
}

fn auth_http() -> Result<Option<AuthHttp>, Error> {
    match std::env::var("MTX_AUTHMETHOD").as_deref() {
        Err(_) | Ok("" | "internal") => return Ok(None),
        Ok("http") => {}
        Ok(other) => return Err(format!("the stand-in has no authMethod '{other}'").into()),
    }
    if std::env::var("MTX_AUTHHTTPEXCLUDE").is_ok_and(|text| !text.is_empty()) {
        return Err("MediaMTX ignores MTX_AUTHHTTPEXCLUDE=<list>; \
             set MTX_AUTHHTTPEXCLUDE_0_ACTION, MTX_AUTHHTTPEXCLUDE_1_ACTION, …"
            .into());
    }
    let mut exclude = Vec::new();
    for index in 0.. {
        let prefix = format!("MTX_AUTHHTTPEXCLUDE_{index}_");
        if std::env::var(format!("{prefix}PATH")).is_ok_and(|text| !text.is_empty()) {
            return Err(format!("the stand-in excludes whole actions only: {prefix}PATH").into());
        }
        match std::env::var(format!("{prefix}ACTION")) {
            Ok(action) => exclude.push(action.parse::<AuthAction>()?),
            Err(_) => break,
        }
    }
    Ok(Some(AuthHttp {
        address: std::env::var("MTX_AUTHHTTPADDRESS").unwrap_or_default(),
        exclude,
    }))
}
