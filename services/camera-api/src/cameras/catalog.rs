//! The camera list in memory: every camera as the list shows it, kept in
//! each order the list sorts by, so a page is a slice of an order however
//! large the fleet, whatever the sort, filter or depth. A search or a
//! group filter is worked out once, as a bit per camera, and kept until a
//! camera changes.
//!
//! PostgreSQL stays the source of truth. Before a page is answered the
//! catalog catches up with every write committed since it last did, unless
//! the event hub's version says nothing changed since
//! (`events::Hub::version`, which follows the writes of every replica).
//! Catching up reads only the rows written since
//! (migrations/20261224000001_catalog_changes.sql); it costs one indexed
//! query when nothing did.
//!
//! Names and locations sort and match by their Unicode lower case, compared
//! code point by code point, whatever the database's collation.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::num::NonZeroI64;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::cursor::{Cursor, Key};
use super::store;
use super::{Camera, Provisioning, ProvisioningState, RecordingMode, RecordingPolicy, Result};
use crate::auth::limit_sees;
use crate::mediamtx::PathName;
use crate::validation::Labels;

/// Filters and paging of the camera list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ListFilter {
    pub limit: i64,
    pub offset: i64,
    pub query: Option<String>,
    pub enabled: Option<bool>,
    /// Only these cameras (the status of a chosen set).
    pub ids: Option<Vec<i64>>,
    /// Only cameras sharing one of these groups: the principal's limit.
    pub groups: Option<Vec<String>>,
    /// Only cameras in this group or a group under it (`site-2` takes
    /// `site-2.dock`): the operator's choice.
    pub group: Option<String>,
    pub sort: Sort,
    /// Start after the camera this names (instead of at `offset`).
    pub cursor: Option<Cursor>,
    /// Count every matching camera; else the total is what the page itself
    /// shows.
    pub count: bool,
}

/// The order of the camera list; ties (and `id` itself) go by id, so paging
/// is stable.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Sort {
    #[default]
    Id,
    IdDesc,
    Name,
    NameDesc,
    Location,
    LocationDesc,
    CreatedAt,
    CreatedAtDesc,
    UpdatedAt,
    UpdatedAtDesc,
}

impl Sort {
    /// The query parameter's values: a field, `-` in front for descending.
    pub const VALUES: [(&str, Sort); 10] = [
        ("id", Sort::Id),
        ("-id", Sort::IdDesc),
        ("name", Sort::Name),
        ("-name", Sort::NameDesc),
        ("location", Sort::Location),
        ("-location", Sort::LocationDesc),
        ("created_at", Sort::CreatedAt),
        ("-created_at", Sort::CreatedAtDesc),
        ("updated_at", Sort::UpdatedAt),
        ("-updated_at", Sort::UpdatedAtDesc),
    ];

    pub fn parse(raw: &str) -> Option<Sort> {
        Self::VALUES
            .iter()
            .find(|(name, _)| *name == raw)
            .map(|(_, sort)| *sort)
    }

    /// Its value of the query parameter, which a cursor names too.
    pub(super) fn key(self) -> &'static str {
        Self::VALUES
            .iter()
            .find(|(_, sort)| *sort == self)
            .map(|(name, _)| *name)
            .expect("every sort has a name")
    }
}

/// Whether `query` is one or two ASCII letters or digits, which match the
/// start of the name: as a substring nearly every camera has them.
fn is_name_start(query: &str) -> bool {
    (1..=2).contains(&query.len()) && query.bytes().all(|byte| byte.is_ascii_alphanumeric())
}

/// Past this many changed cameras at once, the orders are sorted again
/// rather than each camera moved in each of them.
const RESORT_PAST: usize = 1_000;

/// A catalog that has not caught up for this long reads every camera again:
/// the database forgets deletions after twice this
/// (migrations/20261224000001_catalog_changes.sql).
const READ_ALL_AFTER: Duration = Duration::from_secs(30 * 60);

/// Past this many bytes of kept matches (12.5 KB each at 100,000 cameras,
/// up to 100 KB more for the orders of a few) the catalog forgets them all.
const MATCHES_BUDGET: usize = 4 * 1024 * 1024;

/// Matches of at most one camera in this many get orders of their own: a
/// page of them would otherwise walk past this many cameras for each one it
/// shows. Their orders take at most a byte per camera of the fleet (ten
/// orders of 4-byte slots).
const OWN_ORDER_PAST: usize = 40;

/// The fields of a camera kept as text, one after the other in
/// `Listed::text`.
#[derive(Clone, Copy)]
enum Field {
    Name,
    FoldedName,
    Location,
    FoldedLocation,
    StreamUrl,
    SubStreamUrl,
    /// One per line.
    Groups,
    FoldedGroups,
    ExternalId,
    /// JSON, empty for none.
    NodeLabels,
    /// Why provisioning last failed; the rest of the text, so its end is
    /// not kept.
    ProvisioningDetail,
}

const FIELDS: usize = Field::ProvisioningDetail as usize + 1;

const HAS_LOCATION: u8 = 1;
const HAS_SUB_STREAM: u8 = 2;
const HAS_EXTERNAL_ID: u8 = 4;
const HAS_PROVISIONING_DETAIL: u8 = 8;

/// A camera as the list shows it: its password masked, its text in one
/// allocation. It is packed (times in microseconds, as PostgreSQL keeps
/// them; the recording policy and provisioning in their smallest forms), as
/// the catalog holds one per camera: 128 bytes and about 110 of text a
/// camera, where the fields as `Camera` holds them took 192.
#[derive(Debug, Clone)]
pub struct Listed {
    pub id: i64,
    pub version: i64,
    created_at: i64,
    updated_at: i64,
    provisioned_at: i64,
    storage_budget_bytes: Option<NonZeroI64>,
    text: Box<str>,
    /// Where each `Field` but the last ends in `text`.
    ends: [u32; FIELDS - 1],
    pub max_readers: i32,
    provisioning_attempts: i32,
    retention_seconds: u32,
    has: u8,
    pub enabled: bool,
    pub on_demand: bool,
    recording_mode: RecordingMode,
    provisioning_state: ProvisioningState,
}

impl From<&Camera> for Listed {
    fn from(camera: &Camera) -> Self {
        let mut text = String::new();
        let mut ends = [0; FIELDS - 1];
        let mut push = |field: Field, value: &str| {
            text.push_str(value);
            if let Some(end) = ends.get_mut(field as usize) {
                *end = u32::try_from(text.len()).expect("a camera's text is short");
            }
        };
        let location = camera.location.as_deref().unwrap_or_default();
        let groups = camera.groups.join("\n");
        push(Field::Name, &camera.name);
        push(Field::FoldedName, &fold(&camera.name));
        push(Field::Location, location);
        push(Field::FoldedLocation, &fold(location));
        push(Field::StreamUrl, &camera.stream_url.masked());
        let sub_stream = camera.sub_stream_url.as_ref().map(|url| url.masked());
        push(
            Field::SubStreamUrl,
            sub_stream.as_deref().unwrap_or_default(),
        );
        push(Field::Groups, &groups);
        push(Field::FoldedGroups, &groups.to_ascii_lowercase());
        push(
            Field::ExternalId,
            camera.external_id.as_deref().unwrap_or_default(),
        );
        let labels = if camera.node_labels.is_empty() {
            String::new()
        } else {
            serde_json::to_string(&camera.node_labels).expect("labels serialize")
        };
        push(Field::NodeLabels, &labels);
        let provisioning = &camera.provisioning;
        push(
            Field::ProvisioningDetail,
            provisioning.detail.as_deref().unwrap_or_default(),
        );
        let has = [
            (camera.location.is_some(), HAS_LOCATION),
            (sub_stream.is_some(), HAS_SUB_STREAM),
            (camera.external_id.is_some(), HAS_EXTERNAL_ID),
            (provisioning.detail.is_some(), HAS_PROVISIONING_DETAIL),
        ]
        .into_iter()
        .filter(|(present, _)| *present)
        .fold(0, |has, (_, flag)| has | flag);
        let recording = &camera.recording;
        Self {
            id: camera.id,
            version: camera.version,
            created_at: camera.created_at.timestamp_micros(),
            updated_at: camera.updated_at.timestamp_micros(),
            provisioned_at: provisioning.updated_at.timestamp_micros(),
            // The database holds only positive budgets.
            storage_budget_bytes: recording.storage_budget_bytes.and_then(NonZeroI64::new),
            text: text.into_boxed_str(),
            ends,
            max_readers: camera.max_readers,
            provisioning_attempts: provisioning.attempts,
            // The database holds at most ten years.
            retention_seconds: u32::try_from(recording.retention.as_secs()).unwrap_or(u32::MAX),
            has,
            enabled: camera.enabled,
            on_demand: camera.on_demand,
            recording_mode: recording.mode,
            provisioning_state: provisioning.state,
        }
    }
}

/// A time as `Listed` keeps it.
fn time_of(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).expect("kept from a DateTime")
}

impl Listed {
    fn field(&self, field: Field) -> &str {
        let at = field as usize;
        let start = if at == 0 { 0 } else { self.ends[at - 1] };
        let end = self
            .ends
            .get(at)
            .map_or(self.text.len(), |end| *end as usize);
        &self.text[start as usize..end]
    }

    fn optional(&self, field: Field, flag: u8) -> Option<&str> {
        (self.has & flag != 0).then(|| self.field(field))
    }

    pub fn name(&self) -> &str {
        self.field(Field::Name)
    }

    pub fn location(&self) -> Option<&str> {
        self.optional(Field::Location, HAS_LOCATION)
    }

    /// Its password, if any, reads `***`.
    pub fn stream_url(&self) -> &str {
        self.field(Field::StreamUrl)
    }

    pub fn sub_stream_url(&self) -> Option<&str> {
        self.optional(Field::SubStreamUrl, HAS_SUB_STREAM)
    }

    pub fn groups(&self) -> impl Iterator<Item = &str> {
        self.field(Field::Groups)
            .split('\n')
            .filter(|g| !g.is_empty())
    }

    pub fn external_id(&self) -> Option<&str> {
        self.optional(Field::ExternalId, HAS_EXTERNAL_ID)
    }

    pub fn node_labels(&self) -> Labels {
        match self.field(Field::NodeLabels) {
            "" => Labels::new(),
            json => serde_json::from_str(json).expect("labels kept as they serialized"),
        }
    }

    pub fn created_at(&self) -> DateTime<Utc> {
        time_of(self.created_at)
    }

    pub fn updated_at(&self) -> DateTime<Utc> {
        time_of(self.updated_at)
    }

    pub fn recording(&self) -> RecordingPolicy {
        RecordingPolicy {
            mode: self.recording_mode,
            retention: Duration::from_secs(self.retention_seconds.into()),
            storage_budget_bytes: self.storage_budget_bytes.map(NonZeroI64::get),
        }
    }

    pub fn provisioning_state(&self) -> ProvisioningState {
        self.provisioning_state
    }

    pub fn provisioning(&self) -> Provisioning {
        Provisioning {
            state: self.provisioning_state,
            detail: self
                .optional(Field::ProvisioningDetail, HAS_PROVISIONING_DETAIL)
                .map(str::to_owned),
            attempts: self.provisioning_attempts,
            updated_at: time_of(self.provisioned_at),
        }
    }

    /// Whether MediaMTX pulls the stream only while someone reads it: a
    /// recording camera is always pulled, as MediaMTX records only what it
    /// reads.
    pub fn pulled_on_demand(&self) -> bool {
        self.on_demand && !self.recording().records()
    }

    /// The MediaMTX path of its main stream.
    pub fn path(&self) -> PathName {
        PathName::main(self.id)
    }

    /// The MediaMTX path of its sub-stream, when it has one.
    pub fn sub_path(&self) -> Option<PathName> {
        self.sub_stream_url().map(|_| PathName::sub(self.id))
    }

    fn sort_key(&self) -> SortKey<'_> {
        SortKey {
            id: self.id,
            name: self.field(Field::FoldedName),
            location: self.optional(Field::FoldedLocation, HAS_LOCATION),
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// Case folded as the list sorts and searches.
fn fold(text: &str) -> String {
    text.to_lowercase()
}

/// What a sort compares: a camera's, or a cursor's (which holds only the
/// value its sort needs, the others left at their defaults).
struct SortKey<'a> {
    id: i64,
    name: &'a str,
    location: Option<&'a str>,
    /// In microseconds, as `Listed` keeps them.
    created_at: i64,
    updated_at: i64,
}

impl SortKey<'_> {
    /// Whether every order puts both at the same place.
    fn same_place(&self, other: &SortKey) -> bool {
        (
            self.id,
            self.name,
            self.location,
            self.created_at,
            self.updated_at,
        ) == (
            other.id,
            other.name,
            other.location,
            other.created_at,
            other.updated_at,
        )
    }
}

/// The list's orders: ties by id (ascending either way), and a camera with
/// no location last either way.
fn compare(sort: Sort, a: &SortKey, b: &SortKey) -> Ordering {
    let by_id = a.id.cmp(&b.id);
    match sort {
        Sort::Id => by_id,
        Sort::IdDesc => by_id.reverse(),
        Sort::Name => a.name.cmp(b.name).then(by_id),
        Sort::NameDesc => b.name.cmp(a.name).then(by_id),
        Sort::Location => (a.location.is_none(), a.location)
            .cmp(&(b.location.is_none(), b.location))
            .then(by_id),
        Sort::LocationDesc => (a.location.is_none().cmp(&b.location.is_none()))
            .then(b.location.cmp(&a.location))
            .then(by_id),
        Sort::CreatedAt => a.created_at.cmp(&b.created_at).then(by_id),
        Sort::CreatedAtDesc => b.created_at.cmp(&a.created_at).then(by_id),
        Sort::UpdatedAt => a.updated_at.cmp(&b.updated_at).then(by_id),
        Sort::UpdatedAtDesc => b.updated_at.cmp(&a.updated_at).then(by_id),
    }
}

fn order_of(sort: Sort) -> usize {
    Sort::VALUES
        .iter()
        .position(|(_, listed)| *listed == sort)
        .expect("every sort is listed")
}

/// A page of the catalog, lent while the catalog holds it.
pub struct ListedPage<'a> {
    pub items: Vec<&'a Listed>,
    /// How many cameras match: exact when `total_exact`, else a lower bound.
    pub total: i64,
    pub total_exact: bool,
    pub next_cursor: Option<Cursor>,
}

#[derive(Default)]
pub struct Catalog {
    index: RwLock<Index>,
    /// Held while catching up, so one request does it for all that wait.
    catching_up: tokio::sync::Mutex<Horizon>,
}

/// Where the last catch-up left off.
#[derive(Default)]
struct Horizon {
    /// The oldest transaction it could not see (`store::changed_since`).
    xmin: Option<String>,
    at: Option<Instant>,
}

impl Catalog {
    /// The page `filter` selects, current as of the event hub's `version`
    /// (`None`: unknown, so the catalog catches up first in any case), as
    /// `render` makes it of the cameras lent to it: changes wait meanwhile,
    /// so it should be quick.
    pub async fn page<T>(
        &self,
        db: &PgPool,
        version: Option<u64>,
        filter: &ListFilter,
        render: impl FnOnce(ListedPage<'_>) -> T,
    ) -> Result<T> {
        if !self.is_current(version) {
            self.catch_up(db, version).await?;
        }
        Ok(render(self.read().page(filter)))
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Index> {
        self.index.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Index> {
        self.index.write().unwrap_or_else(PoisonError::into_inner)
    }

    fn is_current(&self, version: Option<u64>) -> bool {
        version.is_some() && self.read().current_at >= version
    }

    async fn catch_up(&self, db: &PgPool, version: Option<u64>) -> Result<()> {
        let mut horizon = self.catching_up.lock().await;
        // Whoever held the lock may have caught up past `version` already.
        if self.is_current(version) {
            return Ok(());
        }
        let recent = horizon.at.is_some_and(|at| at.elapsed() < READ_ALL_AFTER);
        let next = match horizon.xmin.as_deref().filter(|_| recent) {
            Some(xmin) => {
                let mut changed = Vec::new();
                let (deleted, next) = store::changed_since(db, xmin, |camera| {
                    changed.push(Listed::from(&camera));
                })
                .await?;
                self.write().apply(changed, &deleted);
                next
            }
            None => {
                // Two closures fill it, one after the other.
                let index = Mutex::new(Index::default());
                let filling = || index.lock().unwrap_or_else(PoisonError::into_inner);
                let next = store::read_all(
                    db,
                    // Grown as read, the slots took a third more than they hold.
                    |cameras| filling().reserve(cameras),
                    |camera| {
                        filling().put(Listed::from(&camera));
                    },
                )
                .await?;
                let mut index = index.into_inner().unwrap_or_else(PoisonError::into_inner);
                index.sort();
                *self.write() = index;
                // The rows as read, and any index this one replaced.
                crate::memory::give_back();
                next
            }
        };
        *horizon = Horizon {
            xmin: Some(next),
            at: Some(Instant::now()),
        };
        // Everything committed before the read began is in: so is whatever
        // `version` counted.
        let mut index = self.write();
        index.current_at = index.current_at.max(version);
        Ok(())
    }
}

#[derive(Default)]
struct Index {
    /// The hub version it is known to be current at.
    current_at: Option<u64>,
    /// Cameras by slot; a deleted camera's slot is reused.
    slots: Vec<Option<Listed>>,
    free: Vec<u32>,
    by_id: HashMap<i64, u32>,
    /// The slots in each sort's order (as `Sort::VALUES`).
    orders: Vec<Vec<u32>>,
    matches: Mutex<Kept>,
}

impl Index {
    fn listed(&self, slot: u32) -> &Listed {
        self.slots[slot as usize]
            .as_ref()
            .expect("orders hold live slots")
    }

    fn reserve(&mut self, cameras: usize) {
        self.slots.reserve_exact(cameras);
        self.by_id.reserve(cameras);
    }

    /// Puts `listed` in its slot, leaving the orders to the caller.
    fn put(&mut self, listed: Listed) -> u32 {
        if let Some(&slot) = self.by_id.get(&listed.id) {
            self.slots[slot as usize] = Some(listed);
            return slot;
        }
        let id = listed.id;
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(listed);
                slot
            }
            None => {
                self.slots.push(Some(listed));
                u32::try_from(self.slots.len() - 1).expect("fewer than 4 billion cameras")
            }
        };
        self.by_id.insert(id, slot);
        slot
    }

    fn sort(&mut self) {
        let live: Vec<u32> = self.by_id.values().copied().collect();
        self.orders = Sort::VALUES
            .iter()
            .map(|(_, sort)| {
                let mut order = live.clone();
                order.sort_unstable_by(|a, b| {
                    compare(
                        *sort,
                        &self.listed(*a).sort_key(),
                        &self.listed(*b).sort_key(),
                    )
                });
                order
            })
            .collect();
    }

    /// Where `key` is, or would go, in `sort`'s order.
    fn position(&self, sort: Sort, key: &SortKey) -> usize {
        self.orders[order_of(sort)]
            .partition_point(|slot| compare(sort, &self.listed(*slot).sort_key(), key).is_lt())
    }

    fn apply(&mut self, changed: Vec<Listed>, deleted: &[i64]) {
        // A camera whose provisioning alone changed keeps its places: a
        // MediaMTX restart changes every camera's, and sorting again would
        // hold every reader back meanwhile.
        let moving = changed
            .iter()
            .filter(|listed| {
                self.by_id.get(&listed.id).is_none_or(|slot| {
                    !self.listed(*slot).sort_key().same_place(&listed.sort_key())
                })
            })
            .count();
        let resort = moving + deleted.len() > RESORT_PAST;
        for id in deleted {
            if let Some(slot) = self.by_id.remove(id) {
                if !resort {
                    for (_, sort) in Sort::VALUES {
                        let at = self.position(sort, &self.listed(slot).sort_key());
                        self.orders[order_of(sort)].remove(at);
                    }
                }
                self.slots[slot as usize] = None;
                self.free.push(slot);
            }
        }
        for listed in changed {
            let before = self.by_id.get(&listed.id).copied();
            let moved: Vec<(Sort, Option<usize>)> = Sort::VALUES
                .iter()
                .filter(|_| !resort)
                .filter_map(|(_, sort)| {
                    let Some(slot) = before else {
                        return Some((*sort, None));
                    };
                    let old = self.listed(slot).sort_key();
                    (compare(*sort, &old, &listed.sort_key()) != Ordering::Equal)
                        .then(|| (*sort, Some(self.position(*sort, &old))))
                })
                .collect();
            for (sort, at) in &moved {
                if let Some(at) = at {
                    self.orders[order_of(*sort)].remove(*at);
                }
            }
            let slot = self.put(listed);
            for (sort, _) in moved {
                let at = self.position(sort, &self.listed(slot).sort_key());
                self.orders[order_of(sort)].insert(at, slot);
            }
        }
        if resort {
            self.sort();
        }
        self.matches
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .forget();
    }

    fn page(&self, filter: &ListFilter) -> ListedPage<'_> {
        let sort = filter.sort;
        let matches = self.matches(filter);
        // A few matches have an order of their own; more are picked out of
        // the whole order as the page is walked.
        let (order, picked): (&[u32], Option<&Bits>) = match matches.as_deref() {
            None => (&self.orders[order_of(sort)], None),
            Some(Matches {
                orders: Some(orders),
                ..
            }) => (&orders[order_of(sort)], None),
            Some(matches) => (&self.orders[order_of(sort)], Some(&matches.bits)),
        };
        let start = match &filter.cursor {
            Some(cursor) => {
                let folded = match &cursor.key {
                    Key::Text(Some(text)) => Some(fold(text)),
                    _ => None,
                };
                let key = cursor_sort_key(cursor, folded.as_deref());
                order.partition_point(|slot| {
                    compare(sort, &self.listed(*slot).sort_key(), &key).is_le()
                })
            }
            None => 0,
        };
        let offset = usize::try_from(filter.offset).unwrap_or(usize::MAX);
        let limit = usize::try_from(filter.limit).unwrap_or(usize::MAX);
        let after = order[start..]
            .iter()
            .filter(|slot| picked.is_none_or(|bits| bits.has(**slot)));
        let found: Vec<u32> = after
            .skip(offset)
            .take(limit.saturating_add(1))
            .copied()
            .collect();
        let more = found.len() > limit;
        let items: Vec<&Listed> = found
            .iter()
            .take(limit)
            .map(|slot| self.listed(*slot))
            .collect();
        let past_end = items.is_empty() && (offset > 0 || filter.cursor.is_some());
        let (total, total_exact) = if filter.count || past_end {
            let count = matches
                .as_ref()
                .map_or(self.by_id.len(), |matches| matches.bits.count);
            (count as i64, true)
        } else {
            // What the page shows: all there is when it is the last page of
            // a list read from its start, else at least one more.
            (
                (offset.saturating_add(items.len()) + usize::from(more)) as i64,
                !more && filter.cursor.is_none(),
            )
        };
        let next_cursor = items
            .last()
            .filter(|_| more)
            .map(|last| Cursor::after(sort, last));
        ListedPage {
            items,
            total,
            total_exact,
            next_cursor,
        }
    }

    /// The cameras `filter` keeps, `None` for all of them. They are worked
    /// out under the lock: the requests that want them meanwhile wait for
    /// them rather than each work them out again.
    fn matches(&self, filter: &ListFilter) -> Option<Arc<Matches>> {
        let wanted = Wanted::of(filter)?;
        let mut kept = self.matches.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(matches) = kept.get(&wanted) {
            return Some(matches);
        }
        let bits = self.find(&wanted);
        let orders = (bits.count <= self.by_id.len() / OWN_ORDER_PAST).then(|| {
            self.orders
                .iter()
                .map(|order| {
                    order
                        .iter()
                        .copied()
                        .filter(|slot| bits.has(*slot))
                        .collect()
                })
                .collect()
        });
        let matches = Arc::new(Matches { bits, orders });
        kept.keep(wanted, matches.clone());
        Some(matches)
    }

    fn find(&self, wanted: &Wanted) -> Bits {
        let mut bits = Bits::new(self.slots.len());
        let search = wanted.query.as_deref().map(Search::new);
        let keeps = |listed: &Listed| {
            wanted
                .enabled
                .is_none_or(|enabled| listed.enabled == enabled)
                && search.as_ref().is_none_or(|search| search.finds(listed))
                && limit_sees(wanted.groups.as_deref(), listed.groups())
                && wanted.group.as_deref().is_none_or(|under| {
                    listed.groups().any(|group| {
                        group
                            .strip_prefix(under)
                            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
                    })
                })
        };
        match &wanted.ids {
            Some(ids) => {
                for slot in ids.iter().filter_map(|id| self.by_id.get(id)) {
                    if keeps(self.listed(*slot)) {
                        bits.set(*slot);
                    }
                }
            }
            None => {
                for (slot, listed) in self.slots.iter().enumerate() {
                    if listed.as_ref().is_some_and(keeps) {
                        bits.set(slot as u32);
                    }
                }
            }
        }
        bits
    }
}

/// The sort key `cursor` names, `folded` its text (`fold`): the name or
/// the location its sort compares (no location: `None`).
fn cursor_sort_key<'a>(cursor: &Cursor, folded: Option<&'a str>) -> SortKey<'a> {
    let time = match cursor.key {
        Key::Time(time) => time.timestamp_micros(),
        Key::Id | Key::Text(_) => i64::MIN,
    };
    SortKey {
        id: cursor.id,
        name: folded.unwrap_or_default(),
        location: folded,
        created_at: time,
        updated_at: time,
    }
}

/// What a search (`q`) looks for.
enum Search {
    /// One or two letters or digits: the start of the name.
    NameStart(String),
    /// Anywhere in the name, the location or a group.
    Within(String),
}

impl Search {
    fn new(query: &str) -> Self {
        if is_name_start(query) {
            Self::NameStart(query.to_ascii_lowercase())
        } else {
            Self::Within(fold(query))
        }
    }

    fn finds(&self, listed: &Listed) -> bool {
        match self {
            Self::NameStart(start) => listed.field(Field::FoldedName).starts_with(start.as_str()),
            Self::Within(text) => [
                Field::FoldedName,
                Field::FoldedLocation,
                Field::FoldedGroups,
            ]
            .into_iter()
            .any(|field| listed.field(field).contains(text.as_str())),
        }
    }
}

/// The filters of a list, without its sort and paging: what decides which
/// cameras match.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Wanted {
    query: Option<String>,
    enabled: Option<bool>,
    ids: Option<Vec<i64>>,
    groups: Option<Vec<String>>,
    group: Option<String>,
}

impl Wanted {
    /// `None` when nothing is filtered.
    fn of(filter: &ListFilter) -> Option<Self> {
        let wanted = Self {
            query: filter.query.clone(),
            enabled: filter.enabled,
            ids: filter.ids.clone(),
            groups: filter.groups.clone(),
            group: filter.group.clone(),
        };
        (wanted != Self::everything()).then_some(wanted)
    }

    fn everything() -> Self {
        Self {
            query: None,
            enabled: None,
            ids: None,
            groups: None,
            group: None,
        }
    }

    fn footprint(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.query.as_ref().map_or(0, String::len)
            + self.ids.as_ref().map_or(0, |ids| ids.len() * 8)
            + self
                .groups
                .iter()
                .flatten()
                .map(|group| group.len() + std::mem::size_of::<String>())
                .sum::<usize>()
            + self.group.as_ref().map_or(0, String::len)
    }
}

/// A bit per slot: whether that camera matches.
struct Bits {
    words: Vec<u64>,
    count: usize,
}

impl Bits {
    fn new(slots: usize) -> Self {
        Self {
            words: vec![0; slots.div_ceil(64)],
            count: 0,
        }
    }

    fn set(&mut self, slot: u32) {
        let (word, bit) = (slot as usize / 64, slot % 64);
        if self.words[word] & (1 << bit) == 0 {
            self.words[word] |= 1 << bit;
            self.count += 1;
        }
    }

    fn has(&self, slot: u32) -> bool {
        self.words[slot as usize / 64] & (1 << (slot % 64)) != 0
    }
}

/// The cameras a filter keeps.
struct Matches {
    bits: Bits,
    /// Each sort's order of them (as `Sort::VALUES`), when they are few.
    orders: Option<Vec<Vec<u32>>>,
}

impl Matches {
    fn footprint(&self) -> usize {
        self.bits.words.len() * 8
            + self
                .orders
                .iter()
                .flatten()
                .map(|order| order.len() * 4)
                .sum::<usize>()
    }
}

/// Matches worked out since the last change, within `MATCHES_BUDGET`.
#[derive(Default)]
struct Kept {
    bytes: usize,
    matches: HashMap<Wanted, Arc<Matches>>,
}

impl Kept {
    fn get(&self, wanted: &Wanted) -> Option<Arc<Matches>> {
        self.matches.get(wanted).cloned()
    }

    fn keep(&mut self, wanted: Wanted, matches: Arc<Matches>) {
        let key_size = wanted.footprint();
        let size = key_size + matches.footprint();
        if self.bytes + size > MATCHES_BUDGET {
            self.forget();
        }
        self.bytes += size;
        if let Some(replaced) = self.matches.insert(wanted, matches) {
            self.bytes -= key_size + replaced.footprint();
        }
    }

    fn forget(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cameras::StoredUrl;

    /// Camera `id` named, placed and timed from `seed`, with ties on
    /// purpose: 7 names in two cases, 5 locations and none, 3 times.
    fn camera(id: i64, seed: i64) -> Camera {
        let url = StoredUrl::from_columns("rtsp://192.0.2.1/s", None, None).unwrap();
        let mut camera = Camera::for_tests(id, url);
        camera.name = ["Gate", "gate", "Dock", "Ärea", "lobby"][(seed % 5) as usize].to_owned()
            + &(seed % 7).to_string();
        camera.location = (seed % 6 != 0).then(|| format!("Site {}", seed % 5));
        camera.created_at = DateTime::from_timestamp(seed % 3, 0).unwrap();
        camera.updated_at = DateTime::from_timestamp(seed % 4, 0).unwrap();
        camera.groups = vec![format!("site-{}", seed % 3)];
        camera
    }

    fn index_of(cameras: &[Camera]) -> Index {
        let mut index = Index::default();
        for camera in cameras {
            index.put(Listed::from(camera));
        }
        index.sort();
        index
    }

    fn ids_in(index: &Index, sort: Sort) -> Vec<i64> {
        index.orders[order_of(sort)]
            .iter()
            .map(|slot| index.listed(*slot).id)
            .collect()
    }

    #[test]
    fn every_sort_is_named_by_its_query_value() {
        for (name, sort) in Sort::VALUES {
            assert_eq!(Sort::parse(name), Some(sort));
            assert_eq!(sort.key(), name);
        }
        assert_eq!(Sort::parse("size"), None);
    }

    #[test]
    fn orders_kept_camera_by_camera_are_the_orders_sorted_afresh() {
        let mut cameras: Vec<Camera> = (1..=60).map(|id| camera(id, id * 31)).collect();
        let mut index = index_of(&cameras);
        for (round, next_id) in (0..40_i64).zip(61..) {
            // Renamed, moved, re-timed, deleted and added cameras.
            let gone = cameras.remove((round * 5 % cameras.len() as i64) as usize);
            let at = (round * 17 % cameras.len() as i64) as usize;
            let changed = camera(cameras[at].id, round * 7 + 3);
            cameras[at] = changed.clone();
            let added = camera(next_id, round);
            cameras.push(added.clone());
            index.apply(
                vec![Listed::from(&changed), Listed::from(&added)],
                &[gone.id],
            );

            let afresh = index_of(&cameras);
            for (name, sort) in Sort::VALUES {
                assert_eq!(
                    ids_in(&index, sort),
                    ids_in(&afresh, sort),
                    "{name} after round {round}"
                );
            }
        }
    }

    /// A MediaMTX restart changes every camera's provisioning: far more
    /// than `RESORT_PAST`, none of them moving.
    #[test]
    fn a_change_to_every_cameras_provisioning_keeps_the_orders_and_shows() {
        let count = RESORT_PAST as i64 + 200;
        let mut cameras: Vec<Camera> = (1..=count).map(|id| camera(id, id * 31)).collect();
        let mut index = index_of(&cameras);
        for camera in &mut cameras {
            camera.provisioning.state = ProvisioningState::Error;
            camera.provisioning.detail = Some(format!("camera {} refused", camera.id));
        }
        // And two that move among them.
        cameras[4] = camera(5, 2);
        cameras[9] = camera(10, 3);
        index.apply(cameras.iter().map(Listed::from).collect(), &[]);

        let afresh = index_of(&cameras);
        for (name, sort) in Sort::VALUES {
            assert_eq!(ids_in(&index, sort), ids_in(&afresh, sort), "{name}");
        }
        let shown = index.listed(index.by_id[&7]).provisioning();
        assert_eq!(shown.state, ProvisioningState::Error);
        assert_eq!(shown.detail.as_deref(), Some("camera 7 refused"));
    }

    /// `Listed` packs a camera's fields: they read back as they were.
    #[test]
    fn a_listed_camera_reads_back_as_stored() {
        let mut camera = camera(42, 3);
        camera.external_id = Some("asset-9".to_owned());
        camera.recording = RecordingPolicy {
            mode: RecordingMode::Continuous,
            retention: Duration::from_secs(3650 * 86_400),
            storage_budget_bytes: Some(5_000_000_000),
        };
        camera.created_at = DateTime::from_timestamp(1_700_000_000, 123_456_000).unwrap();
        camera.updated_at = DateTime::from_timestamp(1_800_000_000, 1_000).unwrap();
        camera.provisioning.attempts = 4;
        camera.provisioning.detail = Some("MediaMTX said no".to_owned());
        let listed = Listed::from(&camera);
        assert_eq!(listed.name(), camera.name);
        assert_eq!(listed.location(), camera.location.as_deref());
        assert_eq!(listed.external_id(), Some("asset-9"));
        assert_eq!(listed.recording(), camera.recording);
        assert_eq!(listed.created_at(), camera.created_at);
        assert_eq!(listed.updated_at(), camera.updated_at);
        assert_eq!(listed.provisioning(), camera.provisioning);
        camera.provisioning.detail = None;
        camera.recording.storage_budget_bytes = None;
        let listed = Listed::from(&camera);
        assert_eq!(listed.provisioning(), camera.provisioning);
        assert_eq!(listed.recording(), camera.recording);
    }

    #[test]
    fn a_search_is_worked_out_again_after_a_change() {
        let cameras: Vec<Camera> = (1..=10).map(|id| camera(id, id)).collect();
        let mut index = index_of(&cameras);
        let search = ListFilter {
            limit: 50,
            query: Some("ärea".to_owned()),
            ..ListFilter::default()
        };
        let found = |index: &Index| {
            index
                .page(&search)
                .items
                .iter()
                .map(|listed| listed.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(found(&index), [3, 8], "Ärea matches in any case");
        let mut renamed = cameras[2].clone();
        renamed.name = "Hall".to_owned();
        index.apply(vec![Listed::from(&renamed)], &[]);
        assert_eq!(found(&index), [8]);
    }

    /// Many matches are picked out of the whole order, a few have orders of
    /// their own (`OWN_ORDER_PAST`): pages read the same either way.
    #[test]
    fn pages_of_few_and_of_many_matches_follow_each_sort() {
        let cameras: Vec<Camera> = (1..=400).map(|id| camera(id, id)).collect();
        let index = index_of(&cameras);
        let few: Vec<i64> = vec![5, 77, 123, 124, 260, 399, 400];
        let many = |listed: &Listed| listed.name().to_lowercase().starts_with("ärea");
        for (wanted, keeps) in [
            (
                ListFilter {
                    query: Some("ÄREA".to_owned()),
                    ..ListFilter::default()
                },
                &many as &dyn Fn(&Listed) -> bool,
            ),
            (
                ListFilter {
                    ids: Some(few.clone()),
                    ..ListFilter::default()
                },
                &|listed: &Listed| few.contains(&listed.id),
            ),
        ] {
            let own_orders = index.matches(&wanted).unwrap().orders.is_some();
            assert_eq!(own_orders, wanted.ids.is_some());
            for (name, sort) in Sort::VALUES {
                let expected: Vec<i64> = index.orders[order_of(sort)]
                    .iter()
                    .map(|slot| index.listed(*slot))
                    .filter(|listed| keeps(listed))
                    .map(|listed| listed.id)
                    .collect();
                let mut filter = ListFilter {
                    limit: 3,
                    sort,
                    ..wanted.clone()
                };
                let (mut by_cursor, mut by_offset) = (Vec::new(), Vec::new());
                loop {
                    let page = index.page(&filter);
                    by_cursor.extend(page.items.iter().map(|listed| listed.id));
                    let Some(cursor) = page.next_cursor else {
                        break;
                    };
                    filter.cursor = Some(cursor);
                }
                filter.cursor = None;
                loop {
                    let page = index.page(&filter);
                    if page.items.is_empty() {
                        break;
                    }
                    by_offset.extend(page.items.iter().map(|listed| listed.id));
                    filter.offset += 3;
                }
                assert_eq!(
                    by_cursor, expected,
                    "sort={name} by cursor, own orders: {own_orders}"
                );
                assert_eq!(
                    by_offset, expected,
                    "sort={name} by offset, own orders: {own_orders}"
                );
                filter.count = true;
                assert_eq!(index.page(&filter).total, expected.len() as i64);
            }
        }
    }

    #[test]
    fn a_cursor_starts_after_its_camera_among_equal_keys() {
        let cameras: Vec<Camera> = (1..=30).map(|id| camera(id, id)).collect();
        let index = index_of(&cameras);
        for (name, sort) in Sort::VALUES {
            let all = ids_in(&index, sort);
            let mut filter = ListFilter {
                limit: 4,
                sort,
                ..ListFilter::default()
            };
            let mut seen = Vec::new();
            loop {
                let page = index.page(&filter);
                seen.extend(page.items.iter().map(|listed| listed.id));
                match page.next_cursor {
                    // Through its text, as a client hands it back.
                    Some(cursor) => {
                        filter.cursor = Some(Cursor::parse(&cursor.encode(), sort).unwrap())
                    }
                    None => break,
                }
            }
            assert_eq!(seen, all, "sort={name}");
        }
    }
}
