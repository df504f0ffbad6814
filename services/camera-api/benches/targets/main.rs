//! The benchmark suite (`make bench`): the targets of issue 9, measured on
//! the release binary running as its own process, as in production (its
//! default settings, INFO logs to a file), against a real MediaMTX and
//! a real PostgreSQL. Prints one table and writes docs/benchmarks.md.
//!
//! Where a target is a ratio, its baseline is measured in the same run,
//! beside it, so the figure holds on a noisy machine. A missed target is
//! reported with its measured figure; nothing is retried until it passes.

// The test rig (database, real MediaMTX, GStreamer camera, the service
// as a process), shared with the integration tests; a bench uses only part.
#[allow(dead_code, unused_imports)]
#[path = "../../tests/api/support/mod.rs"]
mod support;

mod bulk;
mod cameras;
mod load;
mod media;
mod nodes;
mod provisioning;
mod recordings;
mod registry;
mod service;

use std::fmt::Write as _;
use std::time::Duration;

use service::ServiceProcess;
use support::TestApp;

pub struct Row {
    what: String,
    measured: String,
    target: &'static str,
    /// `None`: reported for context, no target.
    pass: Option<bool>,
}

impl Row {
    pub fn new(what: impl Into<String>, measured: String, target: &'static str, pass: bool) -> Row {
        Row {
            what: what.into(),
            measured,
            target,
            pass: Some(pass),
        }
    }

    pub fn reported(what: impl Into<String>, measured: String) -> Row {
        Row {
            what: what.into(),
            measured,
            target: "(reported)",
            pass: None,
        }
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let load_before = load_average();
    let mut app = TestApp::spawn_with(|vars| {
        // The production defaults, not the tests' quick 2 s and 1 s: with
        // the tests' storage check the service read every camera each
        // second (100,000 of them in the registry rows).
        vars.remove("CAMPLANE_RECONCILE_INTERVAL");
        vars.remove("CAMPLANE_RECORDINGS_CHECK");
    })
    .await;
    // Only the process below serves and reconciles.
    app.stop().await.expect("the in-process service stops");
    let service = ServiceProcess::start(&app).await;
    // Past start-up: migrations checked, leadership taken, a first pass run.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let idle = service.memory();

    let mut rows = Vec::new();
    // `CAMPLANE_BENCH=registry` (the 100,000-camera list), `recordings`,
    // `import` or `nodes` (10,000 cameras on three nodes) measures only that part (a few minutes less of a shared machine
    // while working on it); its rows replace theirs in docs/benchmarks.md
    // and the others stay as they were.
    let only = std::env::var("CAMPLANE_BENCH").ok();
    match only.as_deref() {
        Some("registry") => registry::at_scale(&app, &service, &mut rows).await,
        Some("recordings") => recordings::day_of_100_cameras(&app, &service, &mut rows).await,
        Some("import") => bulk::import(&app, &service, &mut rows).await,
        Some("nodes") => nodes::ten_thousand_on_three(&mut rows).await,
        Some(other) => {
            panic!("CAMPLANE_BENCH={other}: expected registry, recordings, import or nodes")
        }
        None => {
            media::snapshots(&app, &service, &mut rows).await;
            provisioning::create_through_api(&app, &service, &mut rows).await;
            cameras::list(&app, &service, &mut rows).await;
            cameras::status(&app, &service, &mut rows).await;
            provisioning::restore_after_restart(&app, &service, &mut rows).await;
            cameras::memory(&service, &idle, &mut rows).await;
            recordings::day_of_100_cameras(&app, &service, &mut rows).await;
            bulk::import(&app, &service, &mut rows).await;
            registry::at_scale(&app, &service, &mut rows).await;
            nodes::ten_thousand_on_three(&mut rows).await;
        }
    }

    let load = (load_before, load_average());
    match only {
        None => report(&rows, &load),
        Some(part) => report_part(&rows, &load, &format!("the {part} rows")),
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|line| line.strip_prefix("model name"))
                .map(|name| name.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    format!("{cores} cores ({cpu})")
}

/// Over the last minute, from the kernel.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next().map(str::to_owned))
        .unwrap_or_default()
}

impl Row {
    fn line(&self) -> String {
        let verdict = match self.pass {
            Some(true) => "PASS",
            Some(false) => "MISSED",
            None => "",
        };
        format!(
            "| {} | {} | {} | {verdict} |",
            self.what, self.measured, self.target
        )
    }
}

const DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/benchmarks.md");

fn report(rows: &[Row], (before, after): &(String, String)) {
    let mut table = String::from("| what | measured | target | |\n| --- | --- | --- | --- |\n");
    for row in rows {
        writeln!(table, "{}", row.line()).unwrap();
    }
    println!("\n{table}");
    let doc = format!(
        "# Benchmarks\n\n\
         Written by `make bench` on {date}. The release binary runs as its own process with its \
         default settings against a real MediaMTX and a local PostgreSQL; the load \
         generator (64 connections, closed loop, each body read whole but not examined) runs \
         on the same machine. The list rows with targets read a list that doesn't change while \
         measured, so the service answers from the pages it keeps whole until a camera \
         changes; the row after them makes each page from the catalog, the list every \
         replica holds in memory.\n\n\
         Machine: {machine}, load average {before} at the start and {after} at the end. It is \
         shared with other engineers' builds, so absolute times are noisy and for orientation \
         only; where a target is a ratio its baseline was measured in the same run, beside it. A \
         missed target is reported with its measured figure, never relaxed.\n\n{table}",
        date = chrono::Utc::now().format("%Y-%m-%d"),
        machine = machine(),
    );
    std::fs::write(DOC, doc).expect("writing docs/benchmarks.md");
}

/// A run of some rows only: each replaces the row of the same `what` in
/// docs/benchmarks.md (or is added after the others), and a note under the
/// table says which rows were measured when, and under what load.
fn report_part(rows: &[Row], (before, after): &(String, String), which: &str) {
    let doc = std::fs::read_to_string(DOC).expect("reading docs/benchmarks.md");
    let cell = |line: &str| line.split(" | ").next().map(str::to_owned);
    let mut lines: Vec<String> = doc.lines().map(str::to_owned).collect();
    // The first table is this suite's; the browser's (npm run latency)
    // come after it.
    let table_start = lines
        .iter()
        .position(|line| line.starts_with("| "))
        .expect("a table in docs/benchmarks.md");
    let table_end = table_start
        + lines[table_start..]
            .iter()
            .take_while(|line| line.starts_with("| "))
            .count()
        - 1;
    let mut added = 0;
    for row in rows {
        let line = row.line();
        println!("{line}");
        match lines
            .iter()
            .position(|old| old.starts_with("| ") && cell(old) == cell(&line))
        {
            Some(at) => lines[at] = line,
            None => {
                added += 1;
                lines.insert(table_end + added, line);
            }
        }
    }
    // The note of an earlier partial run of the same rows goes; the new one
    // follows the notes under this suite's table.
    let note = format!("Measured again alone ({which}) on ");
    lines.retain(|line| !line.starts_with(&note));
    let notes_from = table_end + added + 1;
    let notes_end = notes_from
        + lines[notes_from..]
            .iter()
            .take_while(|line| line.is_empty() || line.starts_with("Measured again alone"))
            .count();
    let last_note = (notes_from..notes_end)
        .rev()
        .find(|at| !lines[*at].is_empty())
        .unwrap_or(table_end + added);
    lines.splice(
        last_note + 1..last_note + 1,
        [
            String::new(),
            format!(
                "{note}{date}: {machine}, load average {before} at the start and {after} at the end.",
                date = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
                machine = machine(),
            ),
        ],
    );
    let mut doc = lines.join("\n");
    doc.push('\n');
    std::fs::write(DOC, doc).expect("writing docs/benchmarks.md");
}
