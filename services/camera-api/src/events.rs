//! Changes to cameras, as the console's live view needs them: PostgreSQL
//! announces every write (a trigger on `camplane_events`, whichever replica
//! made it); this replica batches the announcements, reads the cameras and
//! their status once per batch, and fans the result out to its subscribers.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Deserialize;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::{broadcast, watch};

use crate::cameras::{self, ById, Listed};
use crate::mediamtx;
use crate::status::{self, CameraStatus};

pub const CHANNEL: &str = "camplane_events";
/// Announcements that arrive this close together are handled as one batch.
const BATCH_WINDOW: Duration = Duration::from_millis(150);
/// Events kept for clients that reconnect with `Last-Event-ID`.
const HISTORY: usize = 1024;
/// More cameras than this in one batch: clients are told to reload instead.
const BATCH_MAX: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Created,
    Updated,
    Deleted,
}

#[derive(Debug)]
pub enum Change {
    Camera {
        op: Op,
        id: i64,
        /// Whether the camera itself was written, not only its provisioning,
        /// probe or placement.
        written: bool,
        camera: Option<Box<Listed>>,
        status: Option<Box<CameraStatus>>,
    },
    /// Some changes may have been missed: reload everything.
    Reset,
}

/// A change with its event id, `<replica epoch>-<sequence>`: ids from
/// another replica or an earlier run are recognisably foreign.
#[derive(Debug)]
pub struct Event {
    pub id: String,
    pub change: Change,
}

pub struct Hub {
    epoch: String,
    sequence: AtomicU64,
    history: Mutex<VecDeque<Arc<Event>>>,
    sender: broadcast::Sender<Arc<Event>>,
    /// Set at shutdown: streams end, so a graceful shutdown isn't held up by
    /// consoles that never hang up.
    closed: watch::Sender<bool>,
    /// Whether announcements are being received right now.
    listening: watch::Sender<bool>,
    /// Counts changes to cameras as they become known here.
    version: AtomicU64,
    /// How many of the receivers are the service's own (`Hub::changes`),
    /// which need no statuses.
    own: Arc<AtomicUsize>,
}

/// Changes for the service's own use (`Hub::changes`).
pub struct Changes {
    pub receiver: broadcast::Receiver<Arc<Event>>,
    own: Arc<AtomicUsize>,
}

impl Drop for Changes {
    fn drop(&mut self) {
        self.own.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What a new subscriber gets first: the events it missed, or a reset when
/// they can't be known.
pub struct Subscription {
    pub missed: Vec<Arc<Event>>,
    pub receiver: broadcast::Receiver<Arc<Event>>,
}

impl Default for Hub {
    fn default() -> Self {
        Self {
            epoch: uuid::Uuid::new_v4().simple().to_string()[..8].to_owned(),
            sequence: AtomicU64::new(0),
            history: Mutex::new(VecDeque::with_capacity(HISTORY)),
            sender: broadcast::channel(HISTORY).0,
            closed: watch::channel(false).0,
            listening: watch::channel(false).0,
            version: AtomicU64::new(0),
            own: Arc::default(),
        }
    }
}

impl Hub {
    pub fn subscribe(&self, last_event_id: Option<&str>) -> Subscription {
        let history = self.history.lock().expect("not poisoned");
        // Subscribed under the lock, so no event falls between the two.
        let receiver = self.sender.subscribe();
        let missed = match last_event_id {
            None => Vec::new(),
            Some(last) => match history.iter().position(|event| event.id == last) {
                Some(at) => history.iter().skip(at + 1).cloned().collect(),
                None => vec![Arc::new(Event {
                    id: self.next_id(),
                    change: Change::Reset,
                })],
            },
        };
        Subscription { missed, receiver }
    }

    /// Changes as they are published, for the service's own use: unlike a
    /// client's subscription, it does not make each change wait for the
    /// cameras' statuses (a MediaMTX call, every path of the fleet).
    pub fn changes(&self) -> Changes {
        self.own.fetch_add(1, Ordering::SeqCst);
        Changes {
            receiver: self.sender.subscribe(),
            own: self.own.clone(),
        }
    }

    /// Whether any client's stream is open, which shows statuses.
    fn watched(&self) -> bool {
        self.sender.receiver_count() > self.own.load(Ordering::SeqCst)
    }

    /// Waits (at most `limit`) until announcements are received, so a
    /// subscriber that got its stream sees every change after that.
    pub async fn listening(&self, limit: Duration) {
        let mut listening = self.listening.subscribe();
        let _ = tokio::time::timeout(limit, listening.wait_for(|listening| *listening)).await;
    }

    /// A number that grows with every change to any camera, whichever
    /// replica made it, or `None` while changes can't be known here (the
    /// announcements are not being received). Whatever was read from the
    /// database under one version is current until it changes.
    pub fn version(&self) -> Option<u64> {
        let version = self.version.load(Ordering::SeqCst);
        (*self.listening.borrow()).then_some(version)
    }

    /// Something may have changed: called after every successful write this
    /// replica answers (`http::auth::forget_after_writes`), so its own
    /// clients never read what they just changed from before the change
    /// (the announcement follows a moment later).
    pub fn changed(&self) {
        self.version.fetch_add(1, Ordering::SeqCst);
    }

    pub fn close(&self) {
        self.closed.send_replace(true);
    }

    /// Resolves once the service is shutting down.
    pub fn closed(&self) -> impl Future<Output = ()> + Send + use<> {
        let mut closed = self.closed.subscribe();
        async move {
            let _ = closed.wait_for(|closed| *closed).await;
        }
    }

    fn next_id(&self) -> String {
        format!(
            "{}-{}",
            self.epoch,
            self.sequence.fetch_add(1, Ordering::SeqCst) + 1
        )
    }

    fn publish(&self, change: Change) {
        let mut history = self.history.lock().expect("not poisoned");
        let event = Arc::new(Event {
            id: self.next_id(),
            change,
        });
        if history.len() == HISTORY {
            history.pop_front();
        }
        history.push_back(event.clone());
        // No subscribers is fine.
        let _ = self.sender.send(event);
    }
}

#[derive(Deserialize)]
struct Announcement {
    id: i64,
    op: String,
    table: String,
}

/// Listens for announcements until the service stops.
pub async fn run(hub: Arc<Hub>, db: PgPool, mediamtx: mediamtx::Client) {
    loop {
        if let Err(err) = listen(&hub, &db, &mediamtx).await {
            tracing::warn!(error = %err, "camera event stream interrupted; reconnecting");
        }
        hub.listening.send_replace(false);
        // Whatever happened meanwhile is unknown to subscribers.
        hub.publish(Change::Reset);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn listen(hub: &Hub, db: &PgPool, mediamtx: &mediamtx::Client) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(db).await?;
    listener.ignore_pool_close_event(true);
    listener.listen(CHANNEL).await?;
    // Changes while nobody listened are unknown: what was kept is stale.
    hub.changed();
    hub.listening.send_replace(true);
    loop {
        let first = listener.recv().await?;
        hub.changed();
        let mut batch: BTreeMap<i64, (Op, bool)> = BTreeMap::new();
        let mut add = |payload: &str| match serde_json::from_str::<Announcement>(payload) {
            Ok(note) => {
                let written = note.table == "cameras";
                let op = match (written, note.op.as_str()) {
                    (true, "insert") => Op::Created,
                    (true, "delete") => Op::Deleted,
                    _ => Op::Updated,
                };
                let merged = match batch.get(&note.id) {
                    Some((Op::Created, before)) if op == Op::Updated => {
                        (Op::Created, written || *before)
                    }
                    Some((_, before)) => (op, written || *before),
                    None => (op, written),
                };
                batch.insert(note.id, merged);
            }
            Err(err) => tracing::warn!(error = %err, "unreadable camera announcement"),
        };
        add(first.payload());
        let deadline = tokio::time::Instant::now() + BATCH_WINDOW;
        while let Ok(next) = tokio::time::timeout_at(deadline, listener.recv()).await {
            hub.changed();
            add(next?.payload());
        }
        publish_batch(hub, db, mediamtx, batch).await;
    }
}

async fn publish_batch(
    hub: &Hub,
    db: &PgPool,
    mediamtx: &mediamtx::Client,
    batch: BTreeMap<i64, (Op, bool)>,
) {
    if batch.len() > BATCH_MAX {
        hub.publish(Change::Reset);
        return;
    }
    let ids: Vec<i64> = batch.keys().copied().collect();
    let changed = ById {
        limit: BATCH_MAX as i64,
        ids: Some(&ids),
        ..ById::default()
    };
    let found: Vec<Listed> = match cameras::by_id(db, &changed).await {
        Ok(found) => found.iter().map(Listed::from).collect(),
        Err(err) => {
            tracing::warn!(error = %err, "reading changed cameras");
            hub.publish(Change::Reset);
            return;
        }
    };
    // Asking MediaMTX with nobody subscribed is wasted work: a client that
    // comes back with `Last-Event-ID` gets the changes without their status.
    let statuses = if !hub.watched() {
        Vec::new()
    } else {
        status::of_cameras(db, mediamtx, &found)
            .await
            .unwrap_or_default()
    };
    let mut found: BTreeMap<i64, (Listed, Option<CameraStatus>)> = found
        .into_iter()
        .zip(
            statuses
                .into_iter()
                .map(Some)
                .chain(std::iter::repeat_with(|| None)),
        )
        .map(|(camera, status)| (camera.id, (camera, status)))
        .collect();
    for (id, (op, written)) in batch {
        let change = match found.remove(&id) {
            Some((camera, status)) => Change::Camera {
                op,
                id,
                written,
                camera: Some(Box::new(camera)),
                status: status.map(Box::new),
            },
            // Gone by the time it was read: whatever the announcement said.
            None => Change::Camera {
                op: Op::Deleted,
                id,
                written: true,
                camera: None,
                status: None,
            },
        };
        hub.publish(change);
    }
}
