//! Keeps MediaMTX converged on the database, like a level-triggered
//! controller: each pass reads what should be and what is, and writes only
//! the difference. It is not told why it runs, so it can't get it wrong:
//! a camera edit, a MediaMTX restart, a failed call and a timer all lead to
//! the same comparison.
//!
//! One replica leads at a time (a PostgreSQL advisory lock held by the
//! connection that also LISTENs for camera changes), so MediaMTX sees one
//! writer; the lock goes with that connection when the leader dies, and
//! another replica takes over.

mod config_file;
mod plan;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use sqlx::postgres::{PgListener, PgNotification};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};
use utoipa::ToSchema;

pub use plan::{RecordSettings, SourceSettings, is_owned, parse_go_duration};

use crate::auth::Principal;
use crate::cameras::{
    self, CHANGED_CHANNEL, ProvisioningOutcome as Outcome, RecordingPolicy, StoredUrl,
};
use crate::edge::Edge;
use crate::mediamtx::{self, PathConfigs, camera_of_path, path_name, sub_path_name};
use crate::nodes::placement::{self, Rules};
use crate::nodes::{self, NodeHealthReport, Target};
use crate::secrets::SecretKey;
use crate::tasks::AbortOnDrop;
use config_file::ConfigFile;
use plan::{Desired, PutKind, Wanted, Write};

/// The channel on which forced passes are requested (payload: request id).
pub const REQUEST_CHANNEL: &str = "camplane_reconcile";
/// How often the leader asks MediaMTX whether it restarted or lost its
/// paths.
const INFO_POLL: Duration = Duration::from_secs(1);
/// How long a node's health check may take: well under the failover time,
/// so a hung node is told from a slow one quickly.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(2);
/// How often a follower tries to take over.
const ELECTION_RETRY: Duration = Duration::from_secs(1);
/// Above this many changed cameras at once, one full pass (a single list
/// call) is cheaper than a lookup per camera.
const BATCH_TO_PASS: usize = 32;
/// From this many writes in one pass on, with a configuration file to write
/// (`config_file`), the pass writes the file instead: one reload of MediaMTX
/// for all of them, where each API write is a reload of its own.
const BULK_WRITES: usize = 20;
/// How long MediaMTX may take to reload a rewritten configuration file
/// (about 3 s for 10,000 paths on the benchmark machine).
const RELOAD_WAIT: Duration = Duration::from_secs(30);

/// After a pass that took `t`, the next periodic one waits at least this
/// many times `t`, so periodic passes take at most a tenth of the time. At
/// 20,000 paths a pass costs over a second of CPU (MediaMTX copying and
/// encoding its configuration, this service parsing it, PostgreSQL reading
/// every camera), and it takes longer on a busy machine, which then gets
/// fewer of them. Changes, restarts and dropped paths start a pass at once
/// all the same.
const REST_PER_PASS: u32 = 9;

#[derive(Debug, Clone)]
pub struct Settings {
    pub interval: Duration,
    pub source: SourceSettings,
    pub record: RecordSettings,
    /// MediaMTX's configuration file, when Camplane may write its `paths:`
    /// (`MEDIAMTX_CONFIG_FILE`): see `config_file`.
    pub config_file: Option<PathBuf>,
    /// Where registered nodes' configuration files are, when Camplane may
    /// write them (`CAMPLANE_NODE_CONFIG_DIR`): node `name`'s is
    /// `<dir>/<name>/mediamtx.yml`, used as `config_file` is.
    pub node_config_dir: Option<PathBuf>,
    /// How cameras are placed on registered nodes.
    pub placement: Rules,
    /// Where the edge's routes to nodes go.
    pub edge: crate::edge::Settings,
}

/// What a pass did, as `POST /api/reconcile` returns it.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, ToSchema)]
pub struct Report {
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// Paths created on MediaMTX.
    pub added: Vec<String>,
    /// Paths whose configuration was corrected.
    pub updated: Vec<String>,
    /// Paths deleted: of disabled cameras, and orphans with no camera.
    pub removed: Vec<String>,
    /// Cameras none of whose paths needed a write.
    pub unchanged: usize,
    /// Writes MediaMTX refused or that could not be made.
    pub failed: Vec<Failure>,
    /// Set when the pass could not run at all (e.g. MediaMTX unreachable).
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct Failure {
    pub path: String,
    pub detail: String,
}

#[derive(Clone)]
pub struct Reconciler {
    db: PgPool,
    mediamtx: mediamtx::Client,
    settings: Settings,
    /// Opens camera passwords, only to write them into MediaMTX sources.
    key: SecretKey,
    config_file: Option<Arc<ConfigFile>>,
    /// The nodes' files met so far, by path (each spaces its own writes).
    node_files: Arc<std::sync::Mutex<HashMap<PathBuf, Arc<ConfigFile>>>>,
    /// Follows the cameras to their nodes.
    edge: Edge,
}

impl Reconciler {
    pub fn new(db: PgPool, mediamtx: mediamtx::Client, settings: Settings, key: SecretKey) -> Self {
        let config_file = settings
            .config_file
            .clone()
            .map(|path| Arc::new(ConfigFile::new(path)));
        let edge = Edge::new(settings.edge.clone());
        if let Err(err) = edge.prepare() {
            tracing::warn!(error = %err, "the edge's maps could not be prepared");
        }
        Self {
            db,
            mediamtx,
            settings,
            key,
            config_file,
            node_files: Arc::default(),
            edge,
        }
    }

    /// How many changed cameras at once are converged by a pass rather than
    /// one by one. When a pass may write a configuration file, a batch as
    /// large as `BULK_WRITES` already costs fewer reloads through the file:
    /// one by one, each camera is an API write and so a reload of its own
    /// (over a second each at 10,000 paths).
    fn batch_to_pass(&self) -> usize {
        if self.config_file.is_some() || self.settings.node_config_dir.is_some() {
            BULK_WRITES - 1
        } else {
            BATCH_TO_PASS
        }
    }

    /// The configuration file the pass may write for `target`, if any: the
    /// settings' for their MediaMTX, a node's own in the node directory.
    fn config_file_of(&self, target: &Target) -> Option<Arc<ConfigFile>> {
        if target.node.is_none() {
            return self.config_file.clone();
        }
        // A name that is a plain file name only: a node's name must not
        // lead the write anywhere else.
        let plain = !target.name.starts_with('.')
            && target
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
        let path = self
            .settings
            .node_config_dir
            .as_ref()
            .filter(|_| plain)?
            .join(&target.name)
            .join("mediamtx.yml");
        if !path.is_file() {
            return None;
        }
        let mut files = self.node_files.lock().expect("not poisoned");
        Some(
            files
                .entry(path.clone())
                .or_insert_with(|| Arc::new(ConfigFile::new(path)))
                .clone(),
        )
    }

    /// Runs for the life of the process: follows until it can lead, leads
    /// until its lock connection is lost, and so on.
    pub async fn run(self) {
        loop {
            match self.lead().await {
                Ok(()) => {}
                Err(err) => tracing::warn!(error = %err, "reconciler stepped down"),
            }
            tokio::time::sleep(ELECTION_RETRY).await;
        }
    }

    /// Leads if the lock is free; returns when it is not or was lost.
    async fn lead(&self) -> Result<(), Error> {
        let mut listener = PgListener::connect_with(&self.db).await?;
        // A reconnected listener would no longer hold the lock.
        listener.eager_reconnect(false);
        let leading: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(crate::db::LEADER_LOCK)
            .fetch_one(&mut listener)
            .await?;
        if !leading {
            return Ok(());
        }
        listener
            .listen_all([CHANGED_CHANNEL, REQUEST_CHANNEL, nodes::CHANGED_CHANNEL])
            .await?;
        tracing::info!("reconciler: this instance now leads");

        // The listener lives in its own task so waiting on it is never cut
        // short by the timers below; the channel closing means the lock
        // connection is gone.
        let (sender, mut notifications) = mpsc::channel::<PgNotification>(4096);
        let _forwarder = AbortOnDrop(tokio::spawn(async move {
            while let Ok(Some(notification)) = listener.try_recv().await {
                if sender.send(notification).await.is_err() {
                    break;
                }
            }
        }));

        let mut failures: u32 = 0;
        let mut next_pass = Instant::now();
        // Health is checked in a task of its own, so a pass stuck on a node
        // that stopped answering never delays noticing it; it asks for a
        // pass when one is due. First once here: a new leader places
        // nothing on what it has not seen.
        let sentinel = Sentinel::default();
        let mut watch = Watch::default();
        self.check_health(&mut watch, &sentinel).await;
        let (due, mut pass_due) = mpsc::channel::<()>(1);
        let _health = AbortOnDrop(tokio::spawn({
            let (this, sentinel) = (self.clone(), sentinel.clone());
            async move {
                loop {
                    tokio::time::sleep(INFO_POLL).await;
                    if this.check_health(&mut watch, &sentinel).await {
                        let _ = due.try_send(());
                    }
                }
            }
        }));
        loop {
            tokio::select! {
                notification = notifications.recv() => {
                    let Some(first) = notification else {
                        return Err(Error::LockLost);
                    };
                    // Changes that arrive while cameras are converged one by
                    // one join the batch, so a steady trickle (cameras added
                    // one after another) still reaches a pass.
                    let mut changed = Changed::default();
                    changed.add(&first);
                    loop {
                        while let Ok(more) = notifications.try_recv() {
                            changed.add(&more);
                        }
                        if changed.forced || changed.cameras.len() > self.batch_to_pass() {
                            next_pass = Instant::now();
                            break;
                        }
                        let Some(id) = changed.cameras.pop_first() else {
                            break;
                        };
                        if !self.reconcile_camera(id).await {
                            failures += 1;
                            next_pass = next_pass.min(Instant::now() + backoff(failures, self.settings.interval));
                        }
                    }
                }
                Some(()) = pass_due.recv() => next_pass = Instant::now(),
                _ = sleep_until(next_pass) => {
                    let started = Instant::now();
                    let report = self.pass_answering_requests().await;
                    if report.error.is_some() || !report.failed.is_empty() {
                        failures += 1;
                        next_pass = Instant::now() + backoff(failures, self.settings.interval);
                    } else {
                        failures = 0;
                        let rest = started.elapsed() * REST_PER_PASS;
                        next_pass = Instant::now() + self.settings.interval.max(rest);
                    }
                    let path = self.provisioned_path().await;
                    *sentinel.lock().unwrap_or_else(PoisonError::into_inner) = path;
                }
            }
        }
    }

    /// Checks every MediaMTX and stores what registered nodes answered.
    /// True when a pass should run now: one restarted, or answers again
    /// after failing to; the `sentinel` path vanished from the MediaMTX of
    /// the settings; or a node has been silent past the failover time.
    async fn check_health(&self, watch: &mut Watch, sentinel: &Sentinel) -> bool {
        let targets = match nodes::targets(&self.db, &self.mediamtx).await {
            Ok(targets) => targets,
            Err(err) => {
                tracing::warn!(error = %err, "could not read the nodes to check");
                return false;
            }
        };
        let answers = futures::future::join_all(targets.iter().map(|target| async {
            tokio::time::timeout(HEALTH_TIMEOUT, target.client.info())
                .await
                .unwrap_or(Err(mediamtx::Error::Timeout(HEALTH_TIMEOUT)))
        }))
        .await;
        let mut pass_now = false;
        let mut reports = Vec::new();
        for (target, answer) in targets.iter().zip(answers) {
            let name = target.name.as_str();
            match &answer {
                Ok(info) => {
                    if let Some(seen) = watch.started.insert(target.node, info.started)
                        && seen != info.started
                    {
                        tracing::info!(
                            mediamtx = name,
                            version = info.version,
                            "MediaMTX restarted; restoring every path"
                        );
                        pass_now = true;
                    }
                    // Back after an outage, which may have been a restart.
                    if watch.down.remove(&target.node).is_some() {
                        tracing::info!(mediamtx = name, "MediaMTX answers again");
                        pass_now = true;
                    }
                    let kept = sentinel
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .clone();
                    // Asked of the running paths: MediaMTX copies its whole
                    // configuration to answer for one configured path, a
                    // copy of every path each second at 20,000 of them.
                    if target.node.is_none()
                        && let Some(path) = kept
                        && let Ok(None) = target.client.get_path(&path).await
                    {
                        tracing::info!(
                            path,
                            "an owned path is gone from MediaMTX; reconciling now"
                        );
                        sentinel
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .take();
                        pass_now = true;
                    }
                }
                Err(err) => {
                    let (since, moved) = watch.down.entry(target.node).or_insert_with(|| {
                        tracing::warn!(mediamtx = name, error = %err, "MediaMTX stopped answering; paths are restored when it is back");
                        (Instant::now(), false)
                    });
                    // The margin lets the stored `since`, a moment later
                    // than this one, pass the failover time too.
                    let due = self.settings.placement.failover_after + INFO_POLL;
                    if target.node.is_some() && !*moved && since.elapsed() >= due {
                        tracing::warn!(
                            mediamtx = name,
                            "the node has been silent past the failover time; its cameras move"
                        );
                        *moved = true;
                        pass_now = true;
                    }
                }
            }
            if let Some(node) = target.node {
                reports.push(NodeHealthReport::checked(node, &answer));
            }
        }
        if let Err(err) = nodes::record_health(&self.db, &reports).await {
            tracing::warn!(error = %err, "could not store nodes' health");
        }
        pass_now
    }

    /// The path of one camera MediaMTX has, as far as the database knows.
    async fn provisioned_path(&self) -> Option<String> {
        let id = sqlx::query_scalar!(
            r#"SELECT min(c.id) FROM cameras c JOIN camera_provisioning p ON p.camera_id = c.id
               WHERE c.enabled AND p.state = 'ready'"#
        )
        .fetch_one(&self.db)
        .await;
        Some(path_name(logged(id, "could not read a provisioned path")?))
    }

    /// A full pass, whose report also answers every forced-pass request
    /// waiting when it started.
    async fn pass_answering_requests(&self) -> Report {
        let waiting = sqlx::query_scalar!("SELECT id FROM reconcile_requests WHERE report IS NULL")
            .fetch_all(&self.db)
            .await;
        let waiting: Vec<uuid::Uuid> = logged(waiting, "could not read forced-pass requests");
        let report = self.pass().await;
        if !waiting.is_empty() {
            let answered = sqlx::query!(
                r#"UPDATE reconcile_requests SET report = $2, finished_at = now()
                   WHERE id = ANY($1)"#,
                &waiting,
                serde_json::to_value(&report).unwrap_or_default(),
            )
            .execute(&self.db)
            .await;
            if let Err(err) = answered {
                tracing::warn!(error = %err, "could not store a reconcile report");
            }
        }
        report
    }

    /// Compares every camera with every `cam_*` path and converges them.
    pub async fn pass(&self) -> Report {
        let report = self.pass_unmeasured().await;
        crate::metrics::reconcile_pass(
            report.added.len(),
            report.updated.len(),
            report.removed.len(),
            report.failed.len() + usize::from(report.error.is_some()),
            report.finished_at.timestamp(),
        );
        // A pass reads every camera and every path, and frees them.
        crate::memory::give_back();
        report
    }

    async fn pass_unmeasured(&self) -> Report {
        let started_at = Utc::now();
        let targets = match nodes::targets(&self.db, &self.mediamtx).await {
            Ok(targets) => targets,
            Err(err) => {
                let report = Report {
                    started_at,
                    ..Report::default()
                };
                return report.finish_with_error(format!("reading nodes: {err}"));
            }
        };
        if targets.iter().any(|target| target.node.is_some())
            && let Err(err) = self.place().await
        {
            tracing::warn!(error = %err, "could not place cameras on nodes");
        }
        // Before the writes: viewers of a moved camera reach its new node
        // while its path is made there.
        self.follow_at_edge().await;
        let reports =
            futures::future::join_all(targets.iter().map(|target| self.pass_on(target))).await;
        let converged: Vec<NodeHealthReport> = targets
            .iter()
            .zip(&reports)
            .filter_map(|(target, report)| {
                Some(NodeHealthReport::converged(
                    target.node?,
                    report.error.is_none() && report.failed.is_empty(),
                ))
            })
            .collect();
        if let Err(err) = nodes::record_health(&self.db, &converged).await {
            tracing::warn!(error = %err, "could not store nodes' health");
        }
        let swept = sqlx::query!(
            "DELETE FROM reconcile_requests WHERE requested_at < now() - interval '1 day'"
        )
        .execute(&self.db)
        .await;
        logged(
            swept.map(|_| ()),
            "could not sweep old forced-pass requests",
        );
        let named = targets.len() > 1;
        let mut merged = Report {
            started_at,
            ..Report::default()
        };
        for (target, report) in targets.iter().zip(reports) {
            merged.absorb(report, named.then_some(target.name.as_str()));
        }
        merged.finished_at = Utc::now();
        merged
    }

    /// Places every enabled camera on a node (registered nodes only).
    /// Cameras no node can take are told so.
    async fn place(&self) -> Result<(), nodes::Error> {
        nodes::forget_disabled(&self.db).await?;
        let inputs = nodes::placement_inputs(&self.db).await?;
        let plan = placement::place(
            &inputs.nodes,
            &inputs.cameras,
            inputs.now,
            &self.settings.placement,
        );
        let made = nodes::apply_moves(&self.db, &plan.moves).await?;
        if made > 0 {
            tracing::info!(moved = made, "placed cameras on nodes");
        }
        let placed: BTreeSet<i64> = inputs
            .cameras
            .iter()
            .filter(|camera| camera.node.is_some())
            .map(|camera| camera.id)
            .chain(
                plan.moves
                    .iter()
                    .filter(|step| step.to.is_some())
                    .map(|step| step.camera),
            )
            .collect();
        let nowhere: Vec<i64> = plan
            .stranded
            .iter()
            .copied()
            .filter(|id| !placed.contains(id))
            .collect();
        if !nowhere.is_empty() {
            tracing::warn!(cameras = nowhere.len(), "no node can take some cameras");
            self.tell_unplaced(&nowhere).await;
        }
        Ok(())
    }

    /// Sends viewers of each camera to its node, when the edge has maps.
    async fn follow_at_edge(&self) {
        if !self.edge.routes_to_nodes() {
            return;
        }
        match nodes::routes(&self.db).await {
            Ok(routes) => self.edge.follow(&routes).await,
            Err(err) => {
                tracing::warn!(error = %err, "could not read the cameras' nodes for the edge")
            }
        }
    }

    /// Converges one MediaMTX on the cameras it should serve.
    async fn pass_on(&self, target: &Target) -> Report {
        let mut report = Report {
            started_at: Utc::now(),
            ..Report::default()
        };
        if target.silent {
            let detail = format!("MediaMTX node {} is not answering", target.name);
            self.note_waiting(target.node, &detail).await;
            return report.finish_with_error(detail);
        }
        // MediaMTX first, the database second: a camera created in between
        // is then seen in the database, so its fresh path is never taken for
        // an orphan.
        let actual = match target.client.list_path_configs().await {
            Ok(configs) => configs,
            Err(err) => {
                let detail = err.to_string();
                self.note_waiting(target.node, &detail).await;
                return report.finish_with_error(detail);
            }
        };
        let cameras = match self.load(None, target.node.map(Some), Some(&actual)).await {
            Ok((cameras, left_out)) => {
                report.unchanged += left_out;
                cameras
            }
            Err(err) => return report.finish_with_error(format!("reading cameras: {err}")),
        };
        let mut writes = plan::writes(&cameras, &actual);
        let written: BTreeSet<String> = writes.iter().map(|w| w.path().to_owned()).collect();
        let mut outcomes = Outcomes::new();
        if writes.len() >= BULK_WRITES
            && let Some(file) = self.config_file_of(target)
            && let Some(reloaded) = self
                .write_through_file(&target.client, &file, &cameras, &actual)
                .await
        {
            let left: BTreeSet<String> = plan::writes(&cameras, &reloaded)
                .iter()
                .map(|write| write.path().to_owned())
                .collect();
            let (done, rest) = writes
                .into_iter()
                .partition::<Vec<Write>, _>(|write| !left.contains(write.path()));
            outcomes = note_converged(&done, &cameras, &mut report);
            writes = rest;
        }
        for (id, outcome) in apply(&target.client, &writes, &cameras, &mut report).await {
            note(&mut outcomes, id, outcome);
        }
        note_unwritten(&cameras, &written, &mut outcomes, &mut report);
        self.record(&outcomes).await;
        report.finished_at = Utc::now();
        if !writes.is_empty() || !report.failed.is_empty() {
            tracing::info!(
                mediamtx = target.name,
                added = report.added.len(),
                updated = report.updated.len(),
                removed = report.removed.len(),
                failed = report.failed.len(),
                "reconcile pass changed MediaMTX"
            );
        }
        report
    }

    /// Converges one camera (or removes the path of a deleted one). Returns
    /// false when it should be retried.
    pub async fn reconcile_camera(&self, id: i64) -> bool {
        let (targets, cameras) = match self.camera_targets(id).await {
            Ok(found) => found,
            Err(err) => {
                tracing::warn!(camera_id = id, error = %err, "could not read the camera");
                return false;
            }
        };
        let mut converged = true;
        for target in &targets {
            converged &= self.converge_camera_on(target, id, &cameras).await;
        }
        converged
    }

    /// Where camera `id` is converged, and its desired state: on the
    /// MediaMTX of the settings when no node is registered; else on its
    /// node (placed now if it has none), or, disabled or deleted, on every
    /// node that may still hold its path.
    async fn camera_targets(&self, id: i64) -> Result<(Vec<Target>, Vec<Desired>), sqlx::Error> {
        let targets = nodes::targets(&self.db, &self.mediamtx).await?;
        if targets.iter().all(|target| target.node.is_none()) {
            return Ok((targets, self.load(Some(id), None, None).await?.0));
        }
        let mut node = self.node_of(id).await?;
        if node.is_none() {
            match self.place_new(id).await {
                Ok(true) => self.follow_at_edge().await,
                Ok(false) => {}
                Err(err) => {
                    tracing::warn!(camera_id = id, error = %err, "could not place the camera")
                }
            }
            node = self.node_of(id).await?;
        }
        let Some(node) = node else {
            // Disabled or deleted (or placed nowhere): no node keeps its path.
            return Ok((targets, self.load(Some(id), Some(None), None).await?.0));
        };
        let on_node = targets
            .into_iter()
            .filter(|target| target.node == Some(node))
            .collect();
        let (cameras, _) = self.load(Some(id), Some(Some(node)), None).await?;
        Ok((on_node, cameras))
    }

    /// Places camera `id` if it is enabled and has no node, from the nodes'
    /// loads alone (a full placement reads every camera); tells it why when
    /// no node can take it. Returns whether it was placed.
    async fn place_new(&self, id: i64) -> Result<bool, nodes::Error> {
        let Some(inputs) = nodes::new_camera_inputs(&self.db, id).await? else {
            return Ok(false);
        };
        let to = placement::place_new(
            &inputs.nodes,
            &inputs.loads,
            &inputs.camera,
            inputs.now,
            &self.settings.placement,
        );
        let Some(to) = to else {
            self.tell_unplaced(&[id]).await;
            return Ok(false);
        };
        let step = placement::Move {
            camera: id,
            from: None,
            to: Some(to),
            why: placement::Why::New,
        };
        Ok(nodes::apply_moves(&self.db, &[step]).await? > 0)
    }

    /// Records, for each of `cameras`, that no node can take it.
    async fn tell_unplaced(&self, cameras: &[i64]) {
        let detail = "no MediaMTX node can take this camera: every one that carries its labels is full, draining or down";
        let outcomes = self
            .versions_of(cameras)
            .await
            .into_iter()
            .map(|(id, version)| (id, (version, Outcome::Retrying(detail.into()))))
            .collect();
        self.record(&outcomes).await;
    }

    async fn node_of(&self, camera: i64) -> Result<Option<i64>, sqlx::Error> {
        sqlx::query_scalar!(
            "SELECT node_id FROM camera_placements WHERE camera_id = $1",
            camera
        )
        .fetch_optional(&self.db)
        .await
    }

    /// Converges camera `id`'s paths (its main path and its sub-stream's)
    /// on one MediaMTX; `cameras` is the camera's paths as they should be
    /// there (empty: it has none there).
    async fn converge_camera_on(&self, target: &Target, id: i64, cameras: &[Desired]) -> bool {
        let mut actual = Vec::new();
        for path in [path_name(id), sub_path_name(id)] {
            let found = match target.silent {
                true => Err(format!("MediaMTX node {} is not answering", target.name)),
                false => {
                    (target.client.get_path_config(&path).await).map_err(|err| err.to_string())
                }
            };
            match found {
                Ok(config) => actual.extend(config),
                Err(detail) => {
                    self.record(&HashMap::from_iter(
                        cameras
                            .iter()
                            .map(|c| (c.id, (c.version, Outcome::Retrying(detail.clone())))),
                    ))
                    .await;
                    return false;
                }
            }
        }
        // Only this camera's paths are in `actual`: a deleted camera's, or
        // one served elsewhere, are orphans.
        let writes = plan::writes(cameras, &PathConfigs::from_iter(actual));
        let written: BTreeSet<String> = writes.iter().map(|w| w.path().to_owned()).collect();
        let mut report = Report::default();
        let mut outcomes = apply(&target.client, &writes, cameras, &mut report).await;
        note_unwritten(cameras, &written, &mut outcomes, &mut report);
        self.record(&outcomes).await;
        report.failed.is_empty()
    }

    /// Writes every path MediaMTX should hold into its configuration file
    /// and waits until it has reloaded it. Returns what MediaMTX then holds,
    /// or `None` (logged) when the file can't be used: the pass then makes
    /// its writes through the API.
    async fn write_through_file(
        &self,
        mediamtx: &mediamtx::Client,
        file: &ConfigFile,
        cameras: &[Desired],
        actual: &PathConfigs,
    ) -> Option<PathConfigs> {
        // A reload drops every path made through the API, and Camplane only
        // knows the fields it sets of paths it does not own.
        if let Some(foreign) = actual.names().find(|path| !is_owned(path)) {
            tracing::info!(
                path = foreign,
                "MediaMTX holds a path Camplane does not own; writing through the API, which leaves it alone"
            );
            return None;
        }
        let paths = plan::file_paths(cameras, actual);
        if let Err(err) = file.write_paths(&paths).await {
            tracing::warn!(error = %err, "writing through the API instead");
            return None;
        }
        let deadline = Instant::now() + RELOAD_WAIT;
        while Instant::now() < deadline {
            // Each look lists every path, itself a second's work for
            // MediaMTX at 10,000 paths.
            tokio::time::sleep(Duration::from_millis(250)).await;
            let Ok(now) = mediamtx.list_path_configs().await else {
                continue;
            };
            let loaded = now.len() == paths.len()
                && paths.iter().all(|(name, spec)| {
                    now.get(name).is_some_and(|actual| plan::same(spec, actual))
                });
            if loaded {
                tracing::info!(
                    paths = paths.len(),
                    "MediaMTX reloaded its configuration file"
                );
                return Some(now);
            }
        }
        tracing::warn!(
            "MediaMTX did not load its rewritten configuration file within {RELOAD_WAIT:?}; writing through the API"
        );
        None
    }

    /// Each camera's version, for those that still exist.
    async fn versions_of(&self, ids: &[i64]) -> Vec<(i64, i64)> {
        let rows = sqlx::query!("SELECT id, version FROM cameras WHERE id = ANY($1)", ids)
            .fetch_all(&self.db)
            .await;
        logged(rows, "could not read cameras' versions")
            .into_iter()
            .map(|row| (row.id, row.version))
            .collect()
    }

    /// The desired state of every camera's paths, or of one camera's: its
    /// main path and its sub-stream's. Passwords are opened for enabled
    /// cameras only: a disabled camera has no source.
    ///
    /// `node`: `None` for the MediaMTX of the settings, which serves every
    /// camera; `Some(node)` for a registered node (or `Some(None)`, none),
    /// which serves the enabled cameras placed on it and holds no path of a
    /// disabled one. Others' paths there are orphans.
    ///
    /// With `actual`, what that MediaMTX holds, a path that should not be
    /// there, is not and is settled is left out: a pass at 100,000 mostly
    /// disabled cameras held them all to do nothing for them. The number of
    /// cameras so left out whole comes second (they are unchanged). A path
    /// MediaMTX already holds as it should be comes as `Wanted::AsHeld`.
    async fn load(
        &self,
        only: Option<i64>,
        node: Option<Option<i64>>,
        actual: Option<&PathConfigs>,
    ) -> Result<(Vec<Desired>, usize), sqlx::Error> {
        let mut tx = self.db.begin().await?;
        crate::db::plan_each_run(&mut tx).await?;
        let mut rows = sqlx::query!(
            r#"SELECT c.id, c.version, c.stream_url, c.password_sealed, c.password_key_id,
                      c.sub_stream_url, c.sub_password_sealed, c.sub_password_key_id,
                      c.enabled, c.on_demand, c.max_readers,
                      c.recording, c.retention_seconds, c.storage_budget_bytes,
                      coalesce(pr.state = 'ready' AND pr.applied_version = c.version, false)
                          AS "settled!"
               FROM cameras c LEFT JOIN camera_placements p ON p.camera_id = c.id
                    LEFT JOIN camera_provisioning pr ON pr.camera_id = c.id
               WHERE ($1::bigint IS NULL OR c.id = $1)
                 AND (NOT $2 OR NOT c.enabled OR p.node_id = $3)
               ORDER BY c.id"#,
            only,
            node.is_some(),
            node.flatten(),
        )
        .fetch(&mut *tx);
        let (source, record) = (self.settings.source, &self.settings.record);
        // Row by row: a fleet's rows all at once took more memory than the
        // pass itself.
        let mut desired = Vec::new();
        let mut left_out = 0;
        while let Some(row) = futures::TryStreamExt::try_next(&mut rows).await? {
            // A row's work (a password opened, a spec built and compared)
            // times the thousands a read brings would keep this worker from
            // the requests waiting on it.
            tokio::task::coop::consume_budget().await;
            let specs = match row.enabled {
                false => [Wanted::Absent, Wanted::Absent],
                true => {
                    let recording = RecordingPolicy::from_columns(
                        &row.recording,
                        row.retention_seconds,
                        row.storage_budget_bytes,
                    )
                    .ok_or_else(|| format!("the stored recording {:?}", row.recording));
                    let main = self.open(
                        row.id,
                        "stream URL",
                        Some(row.stream_url),
                        row.password_sealed,
                        row.password_key_id,
                    );
                    let sub = self.open(
                        row.id,
                        "sub-stream URL",
                        row.sub_stream_url,
                        row.sub_password_sealed,
                        row.sub_password_key_id,
                    );
                    let spec_of = |opened: Result<Option<cameras::StreamUrl>, String>,
                                   sub: bool| {
                        let Some(url) = opened? else {
                            return Ok(None);
                        };
                        let recording = recording.clone()?;
                        let (url, readers) = (url.expose(), row.max_readers);
                        Ok(Some(match sub {
                            false => {
                                plan::spec(url, row.on_demand, readers, &recording, source, record)
                            }
                            true => plan::sub_spec(url, readers, &recording, source, record),
                        }))
                    };
                    [spec_of(main, false), spec_of(sub, true)].map(Wanted::from)
                }
            };
            let [main, sub] = specs;
            let paths = [(false, main), (true, sub)].map(|(sub, spec)| Desired {
                id: row.id,
                sub,
                version: row.version,
                spec,
                settled: row.settled,
            });
            let before = desired.len();
            for path in paths {
                let Some(actual) = actual else {
                    desired.push(path);
                    continue;
                };
                let held = actual.get(&path.path());
                if path.settled && matches!(path.spec, Wanted::Absent) && held.is_none() {
                    continue;
                }
                desired.push(path.against(held));
            }
            left_out += usize::from(desired.len() == before);
        }
        Ok((desired, left_out))
    }

    /// A stored URL with its password (`what` names it in an error), when
    /// there is one.
    fn open(
        &self,
        camera_id: i64,
        what: &str,
        url: Option<String>,
        sealed: Option<Vec<u8>>,
        key_id: Option<String>,
    ) -> Result<Option<cameras::StreamUrl>, String> {
        let Some(url) = url else {
            return Ok(None);
        };
        let stored = StoredUrl::from_columns(&url, sealed, key_id)
            .map_err(|reason| format!("the stored {what} {reason}"))?;
        stored
            .open(camera_id, &self.key)
            .map(Some)
            .map_err(|err| err.to_string())
    }

    /// A failed store is only logged: the next pass finds the same and
    /// records it again.
    async fn record(&self, outcomes: &HashMap<i64, (i64, Outcome)>) {
        if let Err(err) = cameras::record_outcomes(&self.db, outcomes).await {
            tracing::warn!(error = %err, "could not store provisioning states");
        }
    }

    async fn note_waiting(&self, node: Option<i64>, detail: &str) {
        if let Err(err) = cameras::note_waiting(&self.db, node, detail).await {
            tracing::warn!(error = %err, "could not store provisioning states");
        }
    }
}

/// Makes the writes one at a time (MediaMTX reloads its whole
/// configuration on each, and older versions deadlock on concurrent
/// ones). Stops at the first failure that is not about the path itself.
/// Outcomes are those of `cameras` only: a path of a camera served
/// elsewhere is removed here without a word about that camera.
async fn apply(
    mediamtx: &mediamtx::Client,
    writes: &[Write],
    cameras: &[Desired],
    report: &mut Report,
) -> Outcomes {
    let versions = versions(cameras, writes);
    let mut outcomes = Outcomes::new();
    let mut unreachable: Option<String> = None;
    for write in writes {
        let path = write.path().to_owned();
        let result = match &unreachable {
            // Don't hammer a MediaMTX that is down: the rest waits for a retry.
            Some(detail) => Err(detail.clone()),
            None => match write {
                Write::Put { spec, .. } => mediamtx.replace_path_config(&path, spec).await,
                Write::Delete { .. } => mediamtx.delete_path_config(&path).await,
            }
            .map_err(|err| classify(err, &mut unreachable)),
        };
        let outcome = match result {
            Ok(()) => {
                report.note(write);
                Outcome::Converged
            }
            Err(detail) => {
                report.failed.push(Failure {
                    path: path.clone(),
                    detail: detail.clone(),
                });
                if unreachable.is_some() {
                    Outcome::Retrying(detail)
                } else {
                    Outcome::Rejected(detail)
                }
            }
        };
        if let Some((id, version)) = version_of(&versions, &path) {
            note(&mut outcomes, id, (version, outcome));
        }
    }
    outcomes
}

/// Records writes MediaMTX's configuration file made.
fn note_converged(writes: &[Write], cameras: &[Desired], report: &mut Report) -> Outcomes {
    let versions = versions(cameras, writes);
    writes
        .iter()
        .filter_map(|write| {
            report.note(write);
            version_of(&versions, write.path())
                .map(|(id, version)| (id, (version, Outcome::Converged)))
        })
        .collect()
}

/// The version of each camera `writes` touch (a pass's writes are few, its
/// cameras may be 100,000).
fn versions(cameras: &[Desired], writes: &[Write]) -> HashMap<i64, i64> {
    let touched: HashSet<i64> = writes
        .iter()
        .filter_map(|write| camera_of_path(write.path()))
        .collect();
    cameras
        .iter()
        .filter(|camera| touched.contains(&camera.id))
        .map(|camera| (camera.id, camera.version))
        .collect()
}

/// The camera of `path` and its version, if it is one of `versions`.
fn version_of(versions: &HashMap<i64, i64>, path: &str) -> Option<(i64, i64)> {
    let id = camera_of_path(path)?;
    versions.get(&id).map(|version| (id, *version))
}

/// What the leader remembers between health checks.
#[derive(Default)]
struct Watch {
    /// When each MediaMTX said it started; a change is a restart.
    started: HashMap<Option<i64>, DateTime<Utc>>,
    /// Each MediaMTX silent since when, and (a node) whether its cameras
    /// were given away.
    down: HashMap<Option<i64>, (Instant, bool)>,
}

/// A path the last pass left in place on the MediaMTX of the settings. A
/// configuration file reload drops every path made through the API without
/// changing `started`, so this one going missing is how such a reload
/// shows.
type Sentinel = Arc<std::sync::Mutex<Option<String>>>;

/// Each camera's outcome (the version attempted and what came of it),
/// over all its paths.
type Outcomes = HashMap<i64, (i64, Outcome)>;

/// Adds one path's outcome to its camera's: a failure of either of a
/// camera's paths is the camera's.
fn note(outcomes: &mut Outcomes, id: i64, outcome: (i64, Outcome)) {
    match outcomes.get(&id) {
        Some((_, Outcome::Rejected(_) | Outcome::Retrying(_))) => {}
        _ => {
            outcomes.insert(id, outcome);
        }
    }
}

/// The outcomes of the paths that needed no write: converged, or stuck
/// until the camera's password opens (reported as a failure, so it is
/// retried); a camera none of whose paths was written is unchanged.
fn note_unwritten(
    cameras: &[Desired],
    written: &BTreeSet<String>,
    outcomes: &mut Outcomes,
    report: &mut Report,
) {
    let touched: BTreeSet<i64> = written
        .iter()
        .filter_map(|path| camera_of_path(path))
        .collect();
    let failing: BTreeSet<i64> = cameras
        .iter()
        .filter(|c| matches!(c.spec, Wanted::Unknown(_)))
        .map(|c| c.id)
        .collect();
    let mut unchanged = BTreeSet::new();
    for camera in cameras.iter().filter(|c| !written.contains(&c.path())) {
        let outcome = match &camera.spec {
            Wanted::Absent | Wanted::Path(_) | Wanted::AsHeld => {
                if !touched.contains(&camera.id) && !failing.contains(&camera.id) {
                    unchanged.insert(camera.id);
                }
                // Every pass at 100,000 cameras would otherwise send them
                // all to PostgreSQL to change nothing.
                if camera.settled {
                    continue;
                }
                Outcome::Converged
            }
            Wanted::Unknown(detail) => {
                report.failed.push(Failure {
                    path: camera.path(),
                    detail: detail.clone(),
                });
                Outcome::Rejected(detail.clone())
            }
        };
        note(outcomes, camera.id, (camera.version, outcome));
    }
    report.unchanged += unchanged.len();
}

impl Report {
    fn note(&mut self, write: &Write) {
        let path = write.path().to_owned();
        match write {
            Write::Put {
                kind: PutKind::Add, ..
            } => self.added.push(path),
            Write::Put {
                kind: PutKind::Update,
                ..
            } => self.updated.push(path),
            Write::Delete { .. } => self.removed.push(path),
        }
    }

    /// Adds another MediaMTX's report to this one; `name` prefixes its
    /// error when there are several.
    fn absorb(&mut self, other: Report, name: Option<&str>) {
        self.added.extend(other.added);
        self.updated.extend(other.updated);
        self.removed.extend(other.removed);
        self.unchanged += other.unchanged;
        self.failed.extend(other.failed);
        if let Some(error) = other.error {
            let error = match name {
                Some(name) => format!("{name}: {error}"),
                None => error,
            };
            self.error = Some(match self.error.take() {
                Some(before) => format!("{before}; {error}"),
                None => error,
            });
        }
    }

    fn finish_with_error(mut self, error: String) -> Self {
        tracing::warn!(error, "reconcile pass failed");
        self.error = Some(error);
        self.finished_at = Utc::now();
        self
    }
}

/// Words for an operator; remembers when MediaMTX itself is the problem.
fn classify(err: mediamtx::Error, unreachable: &mut Option<String>) -> String {
    let detail = match &err {
        mediamtx::Error::Rejected { status, message } if *status < 500 => {
            format!("MediaMTX refused the path ({status}): {message}")
        }
        _ => err.to_string(),
    };
    if err.is_transient() {
        *unreachable = Some(detail.clone());
    }
    detail
}

/// What the notifications received so far ask for: a pass, or these
/// cameras converged.
#[derive(Default)]
struct Changed {
    cameras: BTreeSet<i64>,
    forced: bool,
}

impl Changed {
    fn add(&mut self, notification: &PgNotification) {
        match notification.channel() {
            REQUEST_CHANNEL | nodes::CHANGED_CHANNEL => self.forced = true,
            _ => self
                .cameras
                .extend(notification.payload().parse::<i64>().ok()),
        }
    }
}

/// Why the reconciler stepped down (it then tries to lead again).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the database failed: {0}")]
    Database(#[from] sqlx::Error),
    #[error("lost the connection that holds the reconciler lock")]
    LockLost,
}

/// A read whose failure the pass can live with: logged, then the default
/// (nothing found), so no failure passes unseen.
fn logged<T: Default>(result: Result<T, sqlx::Error>, what: &str) -> T {
    result.unwrap_or_else(|err| {
        tracing::warn!(error = %err, "{what}");
        T::default()
    })
}

/// Capped exponential backoff with jitter, so replicas and retries don't
/// march in step.
fn backoff(failures: u32, cap: Duration) -> Duration {
    let base = Duration::from_millis(500).saturating_mul(1 << failures.min(10));
    let jitter = 0.8 + (uuid::Uuid::new_v4().as_u128() % 400) as f64 / 1000.0;
    base.min(cap).mul_f64(jitter)
}

/// Asks the leading replica for a full pass on behalf of `by` (audited),
/// and waits at most `limit` for its report.
pub async fn force_pass(
    db: &PgPool,
    by: &Principal,
    limit: Duration,
) -> Result<Option<Report>, crate::db::Error> {
    let id = uuid::Uuid::new_v4();
    let mut tx = db.begin().await?;
    crate::auth::act_as(&mut tx, &by.actor()).await?;
    crate::audit::record(&mut *tx, "reconcile.force", serde_json::json!({})).await?;
    sqlx::query!("INSERT INTO reconcile_requests (id) VALUES ($1)", id)
        .execute(&mut *tx)
        .await?;
    sqlx::query!("SELECT pg_notify($1, $2)", REQUEST_CHANNEL, id.to_string())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        let report = sqlx::query_scalar!("SELECT report FROM reconcile_requests WHERE id = $1", id)
            .fetch_optional(db)
            .await?
            .flatten();
        if let Some(report) = report {
            let report = serde_json::from_value(report)
                .inspect_err(|err| tracing::warn!(error = %err, "unreadable reconcile report"));
            return Ok(report.ok());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let cap = Duration::from_secs(10);
        assert!(backoff(0, cap) <= Duration::from_millis(600));
        assert!(backoff(3, cap) >= Duration::from_millis(3200));
        assert!(backoff(30, cap) <= cap.mul_f64(1.2));
    }
}
