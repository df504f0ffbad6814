//! The SQL of cameras: every read and write of the `cameras` table.

use sqlx::PgPool;

use chrono::{DateTime, Utc};

use super::cursor::Cursor;
use super::input::{MASK_ELSEWHERE, check_groups_change, check_reach};
use super::model::{Fields, SubStream};
use super::provisioning::{self, Provisioning, ProvisioningState};
use super::{
    Camera, CameraPatch, Error, NewCameraInput, RecordingPolicy, Result, StoredUrl, StreamUrl,
};
use crate::auth::{self, Principal};
use crate::secrets::{Sealed, SecretKey};
use crate::validation::{FieldError, Labels};
use crate::{audit, db};

/// The channel that tells the reconciler a camera changed (payload: its id).
pub const CHANGED_CHANNEL: &str = "camplane_cameras";

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
    /// Count the matching cameras (up to `COUNTED_PAST_PAGE` past the
    /// page); else the total is what the page itself shows.
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

    /// Its cursor condition and ORDER BY, written with the expressions of
    /// its index (migrations/20261215000001_list_by_index.sql).
    fn sql(self) -> (&'static str, &'static str) {
        match self {
            Sort::Id => ("c.id > $9", "c.id"),
            Sort::IdDesc => ("c.id < $9", "c.id DESC"),
            Sort::Name => (
                "(lower(c.name), c.id) > (lower($7), $9)",
                "lower(c.name), c.id",
            ),
            Sort::NameDesc => (
                "(lower(c.name), -c.id) < (lower($7), -$9)",
                "lower(c.name) DESC, -c.id DESC",
            ),
            Sort::Location => (
                "(c.location IS NULL, lower(coalesce(c.location, '')), c.id) \
                 > ($7 IS NULL, lower(coalesce($7, '')), $9)",
                "c.location IS NULL, lower(coalesce(c.location, '')), c.id",
            ),
            Sort::LocationDesc => (
                "(c.location IS NOT NULL, lower(coalesce(c.location, '')), -c.id) \
                 < ($7 IS NOT NULL, lower(coalesce($7, '')), -$9)",
                "c.location IS NOT NULL DESC, lower(coalesce(c.location, '')) DESC, -c.id DESC",
            ),
            Sort::CreatedAt => ("(c.created_at, c.id) > ($8, $9)", "c.created_at, c.id"),
            Sort::CreatedAtDesc => (
                "(c.created_at, -c.id) < ($8, -$9)",
                "c.created_at DESC, -c.id DESC",
            ),
            Sort::UpdatedAt => ("(c.updated_at, c.id) > ($8, $9)", "c.updated_at, c.id"),
            Sort::UpdatedAtDesc => (
                "(c.updated_at, -c.id) < ($8, -$9)",
                "c.updated_at DESC, -c.id DESC",
            ),
        }
    }
}

pub struct Page {
    pub items: Vec<Camera>,
    /// How many cameras match: exact when `total_exact`, else a lower bound.
    pub total: i64,
    pub total_exact: bool,
    /// Where the next page starts, when there is one.
    pub next_cursor: Option<Cursor>,
}

/// The list counts the cameras it matches this far past the page's end and
/// no further: an exact total of 100,000 cameras would cost more than the
/// page itself. Larger than any page (500), so a client paging by offset
/// until it reaches `total` still sees every camera.
const COUNTED_PAST_PAGE: i64 = 1_000;

/// Reads one camera with its provisioning state.
async fn fetch(conn: &mut sqlx::PgConnection, id: i64) -> Result<Camera> {
    let filter = ListFilter {
        ids: Some(vec![id]),
        ..ListFilter::default()
    };
    page(conn, &filter, 1, 0, None)
        .await?
        .items
        .pop()
        .ok_or(Error::NotFound)
}

/// How many cameras `by` sees in each group, a group counting the cameras
/// of the groups under it (`site-2` those of `site-2.dock` too) once each;
/// and how many have no group.
pub async fn count_by_group(db: &PgPool, by: &Principal) -> Result<(Vec<(String, i64)>, i64)> {
    let counts = sqlx::query!(
        r#"SELECT prefix AS "name!", count(DISTINCT c.id) AS "cameras!"
           FROM cameras c
           CROSS JOIN unnest(c.groups) g
           CROSS JOIN LATERAL (
               SELECT array_to_string((string_to_array(g, '.'))[1:n], '.') AS prefix
               FROM generate_series(1, cardinality(string_to_array(g, '.'))) n) p
           WHERE camplane_sees($1, c.groups)
           GROUP BY prefix ORDER BY prefix"#,
        by.groups.as_deref(),
    )
    .fetch_all(db)
    .await?;
    let ungrouped = sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM cameras
           WHERE cardinality(groups) = 0 AND camplane_sees($1, groups)"#,
        by.groups.as_deref(),
    )
    .fetch_one(db)
    .await?;
    Ok((
        counts
            .into_iter()
            .map(|row| (row.name, row.cameras))
            .collect(),
        ungrouped,
    ))
}

/// The camera a bulk import row names: the one with its external id, or
/// else the one with its name among those `by` sees.
pub(super) async fn find_for_import(
    conn: &mut sqlx::PgConnection,
    by: &Principal,
    external_id: Option<&str>,
    name: Option<&str>,
) -> Result<Option<i64>> {
    if let Some(external_id) = external_id.map(str::trim).filter(|id| !id.is_empty()) {
        let found =
            sqlx::query_scalar!("SELECT id FROM cameras WHERE external_id = $1", external_id)
                .fetch_optional(conn)
                .await?;
        return Ok(found);
    }
    // As it would be stored; a name that can't be is a new camera's, whose
    // validation says why.
    let Some(name) = name.and_then(|name| crate::validation::parse_label(name, 100).ok()) else {
        return Ok(None);
    };
    let found = sqlx::query_scalar!(
        r#"SELECT id FROM cameras
           WHERE lower(name COLLATE "und-x-icu") = lower($1 COLLATE "und-x-icu")
             AND camplane_sees($2, groups)"#,
        name,
        by.groups.as_deref(),
    )
    .fetch_optional(conn)
    .await?;
    Ok(found)
}

/// The camera, locked until the caller's transaction ends; one `by` can't
/// see is not there.
pub(super) async fn lock_and_fetch(
    conn: &mut sqlx::PgConnection,
    by: &Principal,
    id: i64,
) -> Result<Camera> {
    lock(conn, by, id).await?;
    fetch(conn, id).await
}

/// Locks the camera for a read-modify-write and returns its version; a
/// camera `by` can't see is not there.
async fn lock(conn: &mut sqlx::PgConnection, by: &Principal, id: i64) -> Result<i64> {
    let row = sqlx::query!(
        "SELECT version, groups FROM cameras WHERE id = $1 FOR UPDATE",
        id
    )
    .fetch_optional(conn)
    .await?
    .filter(|row| by.sees(&row.groups))
    .ok_or(Error::NotFound)?;
    Ok(row.version)
}

/// Names are unique among the cameras `by` can see, never beyond: a
/// refusal over a camera it can't see would tell it that camera's name.
/// Writes of one name queue behind each other (an advisory lock until the
/// transaction ends), so two of them can't both find the name free. Case is
/// folded by Unicode's rules (ICU), not the database's locale, which in a
/// `C` cluster leaves `É` and `é` apart.
async fn check_name_free(
    conn: &mut sqlx::PgConnection,
    by: &Principal,
    name: &str,
    id: Option<i64>,
) -> Result<()> {
    sqlx::query!(
        r#"SELECT pg_advisory_xact_lock(hashtextextended(lower($1 COLLATE "und-x-icu"), 0))"#,
        name
    )
    .execute(&mut *conn)
    .await?;
    let taken = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM cameras
                           WHERE lower(name COLLATE "und-x-icu") = lower($1 COLLATE "und-x-icu")
                             AND id IS DISTINCT FROM $2
                             AND camplane_sees($3, groups)) AS "taken!""#,
        name,
        id,
        by.groups.as_deref(),
    )
    .fetch_one(conn)
    .await?;
    if taken {
        return Err(Error::NameTaken);
    }
    Ok(())
}

/// External ids are unique among all cameras (the index enforces it; this
/// names the field). Writes of one id queue behind each other, as names do.
async fn check_external_id_free(
    conn: &mut sqlx::PgConnection,
    external_id: Option<&str>,
    id: Option<i64>,
) -> Result<()> {
    let Some(external_id) = external_id else {
        return Ok(());
    };
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtextextended('external id ' || $1, 0))",
        external_id
    )
    .execute(&mut *conn)
    .await?;
    let taken = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM cameras
                           WHERE external_id = $1 AND id IS DISTINCT FROM $2) AS "taken!""#,
        external_id,
        id,
    )
    .fetch_one(conn)
    .await?;
    if taken {
        return Err(Error::ExternalIdTaken);
    }
    Ok(())
}

/// Wakes the reconciler; delivered only if the transaction commits.
async fn notify_changed(conn: &mut sqlx::PgConnection, id: i64) -> Result<()> {
    sqlx::query!("SELECT pg_notify($1, $2)", CHANGED_CHANNEL, id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// The SQL half of `cameras::create`.
pub(super) async fn create(
    db: &PgPool,
    key: &SecretKey,
    by: &Principal,
    input: NewCameraInput,
    recording: RecordingPolicy,
) -> Result<Camera> {
    let fields = input.validate(recording)?;
    let mut tx = db.begin().await?;
    auth::act_as(&mut tx, &by.actor()).await?;
    let id = insert(&mut tx, key, by, fields).await?;
    let camera = fetch(&mut tx, id).await?;
    tx.commit().await?;
    Ok(camera)
}

/// Adds a camera of `fields` for `by` in the caller's transaction (which
/// has said who acts); returns its id.
pub(super) async fn insert(
    conn: &mut sqlx::PgConnection,
    key: &SecretKey,
    by: &Principal,
    fields: Fields,
) -> Result<i64> {
    check_groups_change(by, &[], &fields.groups)?;
    check_reach(by, &fields.groups)?;
    check_name_free(conn, by, &fields.name, None).await?;
    check_external_id_free(conn, fields.external_id.as_deref(), None).await?;
    // The id first: it is the associated data of the sealed password, and
    // one INSERT (not an INSERT and an UPDATE) is one audit entry.
    let id =
        sqlx::query_scalar!(r#"SELECT nextval(pg_get_serial_sequence('cameras', 'id')) AS "id!""#)
            .fetch_one(&mut *conn)
            .await?;
    let sealed = fields.password.map(|password| password.seal(id, key));
    let sub = SubColumns::of(fields.sub_stream, id, key);
    sqlx::query!(
        r#"INSERT INTO cameras (id, name, stream_url, password_sealed, password_key_id,
                                location, enabled, on_demand, max_readers, groups,
                                recording, retention_seconds, storage_budget_bytes, external_id,
                                sub_stream_url, sub_password_sealed, sub_password_key_id, node_labels)
           OVERRIDING SYSTEM VALUE
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"#,
        id,
        fields.name,
        fields.stream_url.expose(),
        sealed.as_ref().map(|sealed| sealed.bytes.as_slice()),
        sealed.as_ref().map(|sealed| sealed.key_id.as_str()),
        fields.location,
        fields.enabled,
        fields.on_demand,
        fields.max_readers,
        &fields.groups,
        fields.recording.mode.as_str(),
        fields.recording.retention_seconds(),
        fields.recording.storage_budget_bytes,
        fields.external_id,
        sub.url,
        sub.sealed.as_ref().map(|sealed| sealed.bytes.as_slice()),
        sub.sealed.as_ref().map(|sealed| sealed.key_id.as_str()),
        labels_json(&fields.node_labels),
    )
    .execute(&mut *conn)
    .await?;
    provisioning::start(conn, id).await?;
    notify_changed(conn, id).await?;
    Ok(id)
}

pub async fn get(db: &PgPool, id: i64) -> Result<Camera> {
    fetch(&mut *db.acquire().await?, id).await
}

/// `url`, which carries the mask, with camera `id`'s stored password in its
/// place, for a probe by `by`; audited, as the password is used on someone's
/// request. Refused unless `url` names the camera's own server.
pub async fn unmask_for_probe(
    db: &PgPool,
    key: &SecretKey,
    by: &Principal,
    id: i64,
    url: StreamUrl,
) -> Result<StreamUrl> {
    let camera = get_seen_by(db, by, id).await?;
    let stored = camera.source_url(key)?;
    if !url.same_endpoint(&stored) {
        return Err(Error::Invalid(vec![FieldError::new(
            "stream_url",
            MASK_ELSEWHERE,
        )]));
    }
    let mut tx = db.begin().await?;
    auth::act_as(&mut tx, &by.actor()).await?;
    audit::record(
        &mut *tx,
        "camera.probe_with_stored_password",
        serde_json::json!({"camera_id": id, "address": url.masked()}),
    )
    .await?;
    tx.commit().await?;
    Ok(url.unmask_with(&stored))
}

/// The camera, if `by` may see it: one it can't is not there.
pub async fn get_seen_by(db: &PgPool, by: &Principal, id: i64) -> Result<Camera> {
    Some(get(db, id).await?)
        .filter(|camera| by.sees(&camera.groups))
        .ok_or(Error::NotFound)
}

pub async fn list(db: &PgPool, filter: &ListFilter) -> Result<Page> {
    let counted_to = filter
        .offset
        .saturating_add(filter.limit)
        .saturating_add(COUNTED_PAST_PAGE);
    let mut conn = db.acquire().await?;
    let count = filter.count.then_some(counted_to);
    let mut found = page(&mut conn, filter, filter.limit, filter.offset, count).await?;
    // A page past the end carries no count; the first row does.
    if found.items.is_empty() && (filter.offset > 0 || filter.cursor.is_some()) {
        let first = ListFilter {
            cursor: None,
            ..filter.clone()
        };
        let counted = page(&mut conn, &first, 1, 0, Some(counted_to)).await?;
        (found.total, found.total_exact) = (counted.total, counted.total_exact);
    }
    Ok(found)
}

/// A row of the list statement.
#[derive(sqlx::FromRow)]
struct ListRow {
    id: i64,
    name: String,
    stream_url: String,
    password_sealed: Option<Vec<u8>>,
    password_key_id: Option<String>,
    sub_stream_url: Option<String>,
    sub_password_sealed: Option<Vec<u8>>,
    sub_password_key_id: Option<String>,
    location: Option<String>,
    enabled: bool,
    on_demand: bool,
    max_readers: i32,
    groups: Vec<String>,
    recording: String,
    retention_seconds: i64,
    storage_budget_bytes: Option<i64>,
    external_id: Option<String>,
    node_labels: serde_json::Value,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    provisioning_state: String,
    provisioning_detail: Option<String>,
    provisioning_attempts: i32,
    provisioning_updated_at: DateTime<Utc>,
    /// Only when counting.
    total: Option<i64>,
}

/// How the list statement finds a page's cameras.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// Along the sort's index, every filter checked on the way, until the
    /// page is full: right when the filters keep most cameras, or are served
    /// by the index (`enabled`), or name the cameras (`ids`).
    Walk,
    /// The same, giving up after `WALK_PER_MATCH` cameras read for each one
    /// the page needs: a search or a caller's groups keep few cameras, and
    /// where those all come late in the sort's order (the search "lob" by
    /// name reads 60,000 cameras before the first Lobby) a walk to them
    /// cost 0.1 to 0.4 s at 100,000 cameras.
    BoundedWalk,
    /// Every match at once through the search's trigram indexes or the
    /// groups' index, then sorted: costs what the matches number, wherever
    /// they fall in the order.
    Gather,
}

/// A walk that reads more than this many cameras for each camera of its
/// page gives way to a gather.
const WALK_PER_MATCH: i64 = 20;

/// Pages deeper than this by `offset` are walked, never gathered: only the
/// service's own readers of the whole list (`state=`, the fleet gauges) go
/// there, and they read every match anyway.
const GATHERED_UP_TO: i64 = 5_000;

/// Whether `query` is one or two ASCII letters or digits, which match the
/// start of the name (migrations/20261221000002_registry_at_scale.sql): too
/// short for trigrams, and as a substring nearly every camera has them.
fn is_name_start(query: &str) -> bool {
    (1..=2).contains(&query.len()) && query.bytes().all(|byte| byte.is_ascii_alphanumeric())
}

/// The list statement for `filter` read as `reading`: the page's cameras
/// in order, and with `counting` how many cameras match, up to `$10` (one
/// statement is one snapshot, so the two agree with no transaction around
/// them).
///
/// The page is found first and only its cameras are joined to their
/// provisioning: a join before the LIMIT let PostgreSQL merge-join the
/// provisioning of every camera (70 ms for a page by id 90,000 cameras
/// deep). Its ORDER BY and cursor condition are written with the
/// expressions of the sort's index (migrations/20261215000001_list_by_index.sql,
/// expression for expression), and the text holds only the filters given.
/// One text for every shape, its parts switched off by NULL parameters and
/// CASEs, took longer to plan and to run, and its `c.enabled = $2` inside
/// an `IS NULL OR` could not use the indexes that start with `enabled`.
///
/// Built at run time rather than one checked query per shape: there are
/// hundreds of shapes (10 sorts, each filter and the cursor there or not,
/// three readings), and a kept plan would not be used anyway. PostgreSQL
/// costs a prepared statement's generic plan without knowing its LIMIT, at
/// many times the custom plan's cost, so it plans every execution with its
/// values regardless.
///
/// Every statement takes the same parameters, each shape using those it
/// needs: $1 the LIKE pattern, $2 enabled, $3 limit, $4 offset, $5 ids, $6
/// the principal's groups, $7 to $9 the cursor's text, time and id, $10 how
/// far to count, $11 the group chosen, $12 how many
/// cameras a bounded walk reads. Only fixed fragments go into the text,
/// never a value.
fn list_statement(filter: &ListFilter, reading: Reading, counting: bool) -> String {
    // Conditions an index bounds, which a bounded walk applies as it reads:
    // the sort's index that starts with `enabled` reads just these cameras
    // in order, however the others are spread among them, and a name's
    // start is a range of the name's (and of the prefix index).
    let mut indexed = String::new();
    if filter.enabled.is_some() {
        indexed.push_str("\n      AND c.enabled = $2");
    }
    let mut others = String::new();
    match filter.query.as_deref() {
        Some(query) if is_name_start(query) => {
            indexed.push_str("\n      AND lower(c.name) LIKE $1")
        }
        Some(_) => others.push_str(
            "\n      AND (lower(c.name || E'\\n' || coalesce(c.location, '')) LIKE lower($1) \
             OR camplane_groups_text(c.groups) LIKE lower($1))",
        ),
        None => {}
    }
    if filter.ids.is_some() {
        others.push_str("\n      AND c.id = ANY($5)");
    }
    if filter.groups.is_some() {
        others.push_str("\n      AND camplane_sees($6, c.groups)");
    }
    if filter.group.is_some() {
        others.push_str(
            "\n      AND EXISTS (SELECT 1 FROM unnest(c.groups) g \
             WHERE g = $11 OR starts_with(g, $11 || '.'))",
        );
    }
    let (after, order) = filter.sort.sql();
    let after = match filter.cursor {
        Some(_) => format!("\n      AND {after}"),
        None => String::new(),
    };
    // The page's cameras whole where a walk reads them anyway; a gather
    // keeps only what its order needs of every match, so it reads the
    // page's cameras again by id.
    let (page, source) = match reading {
        Reading::Walk => (
            format!(
                "page AS (
    SELECT c.* FROM cameras c WHERE true{indexed}{others}{after}
    ORDER BY {order} LIMIT $3 OFFSET $4)"
            ),
            "page c",
        ),
        // No ORDER BY outside: the walk's order passes through the filter
        // as it is, so the walk stops once the page is full; sorting again
        // would read all $12 first.
        Reading::BoundedWalk => (
            format!(
                "page AS (
    SELECT c.* FROM (
        SELECT * FROM cameras c WHERE true{indexed}{after}
        ORDER BY {order} LIMIT $12) c
    WHERE true{others}
    LIMIT $3 OFFSET $4)"
            ),
            "page c",
        ),
        // Materialized, so the matches are found by what they match rather
        // than by walking the order.
        Reading::Gather => (
            format!(
                "found AS MATERIALIZED (
    SELECT c.id, c.name, c.location, c.created_at, c.updated_at
    FROM cameras c WHERE true{indexed}{others}{after}),
page AS (
    SELECT c.id FROM found c ORDER BY {order} LIMIT $3 OFFSET $4)"
            ),
            "page JOIN cameras c ON c.id = page.id",
        ),
    };
    // Planned only when wanted: even unused, a subquery costs planning.
    let total = if counting {
        format!(
            "(SELECT count(*) FROM (
           SELECT FROM cameras c WHERE true{indexed}{others} LIMIT $10) counted)"
        )
    } else {
        "NULL::int8".to_owned()
    };
    format!(
        r#"WITH {page}
SELECT c.id, c.name, c.stream_url, c.password_sealed, c.password_key_id,
       c.sub_stream_url, c.sub_password_sealed, c.sub_password_key_id,
       c.location, c.enabled, c.on_demand, c.max_readers, c.groups,
       c.recording, c.retention_seconds, c.storage_budget_bytes, c.external_id, c.node_labels, c.version, c.created_at, c.updated_at,
       p.state AS provisioning_state, p.detail AS provisioning_detail,
       p.attempts AS provisioning_attempts, p.updated_at AS provisioning_updated_at,
       {total} AS total
FROM {source}
JOIN camera_provisioning p ON p.camera_id = c.id
ORDER BY {order}"#
    )
}

/// The cameras `filter` selects from `offset` (or its cursor) on, at most
/// `limit`; with `count_to`, how many it selects up to that many (known
/// when at least one camera is returned), else a total from the page
/// alone.
async fn page(
    conn: &mut sqlx::PgConnection,
    filter: &ListFilter,
    limit: i64,
    offset: i64,
    count_to: Option<i64>,
) -> Result<Page> {
    // The reading is chosen by the filters alone, so pages of one list are
    // read alike.
    let bounded = filter.ids.is_none()
        && (filter.query.is_some() || filter.groups.is_some())
        && offset.saturating_add(limit) <= GATHERED_UP_TO;
    let reading = if bounded {
        Reading::BoundedWalk
    } else {
        Reading::Walk
    };
    let mut rows = read_page(conn, filter, reading, limit, offset, count_to).await?;
    // Short: the walk gave up before the page was full, or the list ends
    // there; only a gather tells which.
    if bounded && rows.len() as i64 <= limit {
        rows = read_page(conn, filter, Reading::Gather, limit, offset, count_to).await?;
    }
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let counted = rows.first().and_then(|row| row.total);
    let items: Vec<Camera> = rows
        .into_iter()
        .map(|row| {
            let corrupt = |what: String| {
                Error::Database(db::Error::Corrupt(format!("camera {}: {what}", row.id)))
            };
            let state = ProvisioningState::parse(&row.provisioning_state).ok_or_else(|| {
                corrupt(format!("provisioning state {:?}", row.provisioning_state))
            })?;
            let stream_url =
                StoredUrl::from_columns(&row.stream_url, row.password_sealed, row.password_key_id)
                    .map_err(|reason| corrupt(format!("stream_url {reason}")))?;
            let sub_stream_url = row
                .sub_stream_url
                .map(|url| {
                    StoredUrl::from_columns(&url, row.sub_password_sealed, row.sub_password_key_id)
                })
                .transpose()
                .map_err(|reason| corrupt(format!("sub_stream_url {reason}")))?;
            let recording = RecordingPolicy::from_columns(
                &row.recording,
                row.retention_seconds,
                row.storage_budget_bytes,
            )
            .ok_or_else(|| corrupt(format!("recording {:?}", row.recording)))?;
            let node_labels = serde_json::from_value(row.node_labels)
                .map_err(|err| corrupt(format!("node_labels: {err}")))?;
            Ok(Camera {
                id: row.id,
                name: row.name,
                stream_url,
                sub_stream_url,
                location: row.location,
                enabled: row.enabled,
                on_demand: row.on_demand,
                max_readers: row.max_readers,
                groups: row.groups,
                recording,
                external_id: row.external_id,
                node_labels,
                version: row.version,
                created_at: row.created_at,
                updated_at: row.updated_at,
                provisioning: Provisioning {
                    state,
                    detail: row.provisioning_detail,
                    attempts: row.provisioning_attempts,
                    updated_at: row.provisioning_updated_at,
                },
            })
        })
        .collect::<Result<_>>()?;
    let (total, total_exact) = match count_to {
        Some(count_to) => {
            let total = counted.unwrap_or(0);
            (total, total < count_to)
        }
        // What the page shows: all there is when it is the last page of a
        // list read from its start, else at least one more than it reached.
        None => (
            offset + items.len() as i64 + i64::from(more),
            !more && filter.cursor.is_none(),
        ),
    };
    let next_cursor = items
        .last()
        .filter(|_| more)
        .map(|last| Cursor::after(filter.sort, last));
    Ok(Page {
        items,
        total,
        total_exact,
        next_cursor,
    })
}

/// One execution of the list statement: the page's rows and one more,
/// which tells whether another page follows.
async fn read_page(
    conn: &mut sqlx::PgConnection,
    filter: &ListFilter,
    reading: Reading,
    limit: i64,
    offset: i64,
    count_to: Option<i64>,
) -> Result<Vec<ListRow>> {
    let pattern = filter.query.as_deref().map(|query| {
        if is_name_start(query) {
            format!("{}%", query.to_ascii_lowercase())
        } else {
            // A substring: LIKE's own characters in it stand for themselves.
            let escaped = query
                .replace('\\', r"\\")
                .replace('%', r"\%")
                .replace('_', r"\_");
            format!("%{escaped}%")
        }
    });
    let (after_text, after_time, after_id) = match &filter.cursor {
        Some(cursor) => {
            let (text, time, id) = cursor.binds();
            (text, time, Some(id))
        }
        None => (None, None, None),
    };
    let wanted = offset.saturating_add(limit).saturating_add(1);
    let statement = sqlx::AssertSqlSafe(list_statement(filter, reading, count_to.is_some()));
    let rows = sqlx::query_as(statement)
        .bind(pattern)
        .bind(filter.enabled)
        .bind(limit.saturating_add(1))
        .bind(offset)
        .bind(filter.ids.as_deref())
        .bind(filter.groups.as_deref())
        .bind(after_text)
        .bind(after_time)
        .bind(after_id)
        .bind(count_to)
        .bind(filter.group.as_deref())
        .bind(wanted.saturating_mul(WALK_PER_MATCH))
        // Unnamed: planned with its values each time (see
        // `list_statement`), so nothing is gained by keeping hundreds of
        // texts prepared on each connection.
        .persistent(false)
        .fetch_all(conn)
        .await?;
    Ok(rows)
}

/// The SQL half of `cameras::update`.
pub(super) async fn update(
    db: &PgPool,
    key: &SecretKey,
    by: &Principal,
    id: i64,
    patch: CameraPatch,
    expected: Option<Expected>,
) -> Result<Camera> {
    let mut tx = db.begin().await?;
    auth::act_as(&mut tx, &by.actor()).await?;
    check_version(lock(&mut tx, by, id).await?, expected)?;
    let current = fetch(&mut tx, id).await?;
    let fields = patch.apply_to(&current)?;
    if !rewrite(&mut tx, key, by, &current, fields).await? {
        return Ok(current);
    }
    let camera = fetch(&mut tx, id).await?;
    tx.commit().await?;
    Ok(camera)
}

/// Rewrites `current` (locked by the caller's transaction) as `fields` for
/// `by`; false, writing nothing, when they are what it already is.
pub(super) async fn rewrite(
    conn: &mut sqlx::PgConnection,
    key: &SecretKey,
    by: &Principal,
    current: &Camera,
    fields: Fields,
) -> Result<bool> {
    check_groups_change(by, &current.groups, &fields.groups)?;
    check_reach(by, &fields.groups)?;
    let fields = fields.reusing_sealed_password(current, key);
    if fields == Fields::from(current) {
        return Ok(false);
    }
    let id = current.id;
    if fields.name != current.name {
        check_name_free(conn, by, &fields.name, Some(id)).await?;
    }
    if fields.external_id != current.external_id {
        check_external_id_free(conn, fields.external_id.as_deref(), Some(id)).await?;
    }
    let sealed = fields.password.map(|password| password.seal(id, key));
    let sub = SubColumns::of(fields.sub_stream, id, key);
    sqlx::query!(
        r#"UPDATE cameras
           SET name = $2, stream_url = $3, password_sealed = $4, password_key_id = $5,
               location = $6, enabled = $7, on_demand = $8, max_readers = $9, groups = $10,
               recording = $11, retention_seconds = $12, storage_budget_bytes = $13,
               external_id = $14, sub_stream_url = $15, sub_password_sealed = $16,
               sub_password_key_id = $17, node_labels = $18, version = version + 1,
               updated_at = now()
           WHERE id = $1"#,
        id,
        fields.name,
        fields.stream_url.expose(),
        sealed.as_ref().map(|sealed| sealed.bytes.as_slice()),
        sealed.as_ref().map(|sealed| sealed.key_id.as_str()),
        fields.location,
        fields.enabled,
        fields.on_demand,
        fields.max_readers,
        &fields.groups,
        fields.recording.mode.as_str(),
        fields.recording.retention_seconds(),
        fields.recording.storage_budget_bytes,
        fields.external_id,
        sub.url,
        sub.sealed.as_ref().map(|sealed| sealed.bytes.as_slice()),
        sub.sealed.as_ref().map(|sealed| sealed.key_id.as_str()),
        labels_json(&fields.node_labels),
    )
    .execute(&mut *conn)
    .await?;
    if fields.node_labels != current.node_labels {
        // Placed again, by the reconciler, when its node lacks a label it
        // now asks for; a node that still fits keeps it.
        sqlx::query!(
            r#"DELETE FROM camera_placements p USING nodes n
               WHERE p.camera_id = $1 AND n.id = p.node_id AND NOT n.labels @> $2"#,
            id,
            labels_json(&fields.node_labels),
        )
        .execute(&mut *conn)
        .await?;
    }
    provisioning::start_over(conn, id, fields.enabled).await?;
    notify_changed(conn, id).await?;
    Ok(true)
}

fn labels_json(labels: &Labels) -> serde_json::Value {
    serde_json::to_value(labels).expect("a map of strings serializes")
}

/// A sub-stream as its columns hold it: the masked URL, the sealed password.
struct SubColumns {
    url: Option<String>,
    sealed: Option<Sealed>,
}

impl SubColumns {
    fn of(sub_stream: Option<SubStream>, camera_id: i64, key: &SecretKey) -> Self {
        let Some(sub) = sub_stream else {
            return Self {
                url: None,
                sealed: None,
            };
        };
        Self {
            url: Some(sub.url.expose().to_owned()),
            sealed: sub.password.map(|password| password.seal(camera_id, key)),
        }
    }
}

/// Deletes the camera. Its MediaMTX path goes with the reconciler's next
/// look at it: a `cam_<id>` path without a camera is an orphan.
pub async fn delete(
    db: &PgPool,
    by: &Principal,
    id: i64,
    expected: Option<Expected>,
) -> Result<()> {
    let mut tx = db.begin().await?;
    auth::act_as(&mut tx, &by.actor()).await?;
    check_version(lock(&mut tx, by, id).await?, expected)?;
    sqlx::query!("DELETE FROM cameras WHERE id = $1", id)
        .execute(&mut *tx)
        .await?;
    notify_changed(&mut tx, id).await?;
    tx.commit().await?;
    Ok(())
}

/// What a client's `If-Match` asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// `*`: any version, as long as the camera exists.
    Any,
    OneOf(Vec<i64>),
}

impl Expected {
    /// Whether a write to the row at version `current` may go ahead.
    pub fn admits(expected: Option<&Expected>, current: i64) -> bool {
        match expected {
            Some(Expected::OneOf(versions)) => versions.contains(&current),
            Some(Expected::Any) | None => true,
        }
    }
}

fn check_version(current: i64, expected: Option<Expected>) -> Result<()> {
    if Expected::admits(expected.as_ref(), current) {
        Ok(())
    } else {
        Err(Error::Stale { current })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_goes_ahead_unless_if_match_names_other_versions() {
        assert!(check_version(4, None).is_ok());
        assert!(check_version(4, Some(Expected::Any)).is_ok());
        assert!(check_version(4, Some(Expected::OneOf(vec![3, 4]))).is_ok());
        for stale in [vec![3], vec![]] {
            assert!(matches!(
                check_version(4, Some(Expected::OneOf(stale))),
                Err(Error::Stale { current: 4 })
            ));
        }
    }

    #[test]
    fn every_sort_is_named_by_its_query_value() {
        for (name, sort) in Sort::VALUES {
            assert_eq!(Sort::parse(name), Some(sort));
            assert_eq!(sort.key(), name);
        }
        assert_eq!(Sort::parse("size"), None);
    }
}
