//! Runs the stand-in on its own, for a local run of Camplane on a machine
//! where MediaMTX can't be installed. Production uses the real MediaMTX.
//!
//! Usage: `mediamtx-standin [LISTEN_ADDR]` (default `127.0.0.1:9997`);
//! `MTX_API_USER` / `MTX_API_PASS` require Basic credentials.

use std::net::SocketAddr;

use mediamtx_standin::{Options, StandIn};

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
    let stand_in = StandIn::start_with(Options {
        addr: Some(addr),
        api_credentials,
    })
    .await?;
    println!(
        "MediaMTX stand-in ({}) serving the v3 API at {}",
        mediamtx_standin::VERSION,
        stand_in.api_url()
    );
    tokio::signal::ctrl_c().await?;
    Ok(())
}
