//! Logging: text for people, JSON for log shippers; one subscriber per process.

use std::io::{BufWriter, IsTerminal, Write};
use std::sync::mpsc;
use std::time::Duration;

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

/// Sets the process's subscriber, writing to stdout from a thread of its
/// own (`LogQueue`). Keep what it returns until the process ends: dropping
/// it writes out the lines still queued.
pub fn init(filter: &str, format: LogFormat) -> Logs {
    // Colour only for a person at a terminal: in a file, a pipe or the
    // journal, escape codes are noise that breaks grep.
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let queue = LogQueue::start(std::io::stdout());
    let subscriber = subscriber(filter, format, queue.clone(), colour);
    // Only fails when a subscriber is already set, which is harmless.
    let _ = tracing::subscriber::set_global_default(subscriber);
    Logs(queue)
}

/// Lines queued for stdout at most; past that, whoever logs waits.
const QUEUED_LINES: usize = 16 * 1024;
/// How long the writer lets lines gather after writing some: a line logged
/// when none was waiting is written at once, the next ones at most this
/// much later.
const GATHER: Duration = Duration::from_millis(10);

/// Log lines reach stdout from a thread of their own, many to a `write`.
/// Written by the request workers themselves, each line was a `write` of its
/// own under a lock they shared (a twentieth of the service's CPU serving
/// the camera list; perf, `make bench`), and a reader of stdout that
/// stalled held up every request at once; now only once `QUEUED_LINES` wait.
/// A process killed outright loses the lines still queued (milliseconds'
/// worth).
#[derive(Clone)]
struct LogQueue(mpsc::SyncSender<Queued>);

enum Queued {
    Line(Vec<u8>),
    /// Everything queued before is written: say so.
    Flush(mpsc::Sender<()>),
}

impl LogQueue {
    fn start(out: impl Write + Send + 'static) -> Self {
        let (sender, queue) = mpsc::sync_channel(QUEUED_LINES);
        std::thread::Builder::new()
            .name("log writer".to_owned())
            .spawn(move || {
                let mut out = BufWriter::with_capacity(64 * 1024, out);
                while let Ok(first) = queue.recv() {
                    let mut next = Some(first);
                    while let Some(queued) = next {
                        match queued {
                            Queued::Line(line) => {
                                let _ = out.write_all(&line);
                            }
                            Queued::Flush(done) => {
                                let _ = out.flush();
                                let _ = done.send(());
                            }
                        }
                        next = queue.try_recv().ok();
                    }
                    let _ = out.flush();
                    // Lets lines gather: woken by each line, this thread
                    // cost a busy service more than the writes it saves.
                    std::thread::sleep(GATHER);
                }
            })
            .expect("a thread for the log");
        Self(sender)
    }
}

impl<'a> MakeWriter<'a> for LogQueue {
    type Writer = &'a LogQueue;

    fn make_writer(&'a self) -> Self::Writer {
        self
    }
}

/// Each write is one whole line: the subscriber formats a line, then
/// writes it at once.
impl Write for &LogQueue {
    fn write(&mut self, line: &[u8]) -> std::io::Result<usize> {
        self.0
            .send(Queued::Line(line.to_vec()))
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))?;
        Ok(line.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The log of the process, until it ends.
pub struct Logs(LogQueue);

impl Drop for Logs {
    fn drop(&mut self) {
        let (done, written) = mpsc::channel();
        if self.0.0.send(Queued::Flush(done)).is_ok() {
            // Bounded: a stdout nobody reads must not keep the process up.
            let _ = written.recv_timeout(Duration::from_secs(2));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Written(Arc<Mutex<Vec<u8>>>);

    impl Write for Written {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// From any thread, every line is written whole and in order, and the
    /// last ones are out by the time the process's `Logs` is dropped.
    #[test]
    fn every_queued_line_is_written_in_order_before_the_log_is_dropped() {
        let written = Written::default();
        let queue = LogQueue::start(written.clone());
        let dispatch =
            tracing::Dispatch::new(subscriber("info", LogFormat::Text, queue.clone(), false));
        let logs = Logs(queue);
        std::thread::scope(|threads| {
            for thread in 0..4 {
                let dispatch = dispatch.clone();
                threads.spawn(move || {
                    tracing::dispatcher::with_default(&dispatch, || {
                        for line in 0..1000 {
                            tracing::info!(thread, line, "queued");
                        }
                    })
                });
            }
        });
        drop(logs);
        let text = String::from_utf8(written.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 4000);
        for thread in 0..4 {
            let lines: Vec<&str> = text
                .lines()
                .filter(|line| line.contains(&format!("thread={thread} ")))
                .collect();
            assert_eq!(lines.len(), 1000);
            assert!(
                lines
                    .iter()
                    .enumerate()
                    .all(|(n, line)| line.ends_with(&format!("line={n}")))
            );
        }
    }
}
