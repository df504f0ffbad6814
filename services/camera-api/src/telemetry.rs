//! Logging: text for people, JSON for log shippers; one subscriber per process.

use std::io::IsTerminal;

use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::prelude::*;

use crate::config::LogFormat;

/// Builds the subscriber; the writer is a parameter so tests can capture logs
/// (and check them for leaked passwords); `colour` is for text only.
pub fn subscriber<W>(
    filter: &str,
    format: LogFormat,
    writer: W,
    colour: bool,
) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::new(filter);
    let registry = tracing_subscriber::registry().with(filter);
    match format {
        LogFormat::Json => Box::new(
            registry.with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_writer(writer),
            ),
        ),
        LogFormat::Text => Box::new(
            registry.with(
                tracing_subscriber::fmt::layer()
                    .with_ansi(colour)
                    .with_writer(writer),
            ),
        ),
    }
}

pub fn init(filter: &str, format: LogFormat) {
    // Colour only for a person at a terminal: in a file, a pipe or the
    // journal, escape codes are noise that breaks grep.
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let subscriber = subscriber(filter, format, std::io::stdout, colour);
    // Only fails when a subscriber is already set, which is harmless.
    let _ = tracing::subscriber::set_global_default(subscriber);
}
