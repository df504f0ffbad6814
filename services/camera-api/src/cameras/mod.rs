//! The camera registry: validated camera records in PostgreSQL.

mod passwords;
mod stream_url;

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use sqlx::PgPool;
use utoipa::ToSchema;
use utoipa::openapi::schema::SchemaType;
use utoipa::openapi::{Object, ObjectBuilder, Type};

pub use passwords::{rotate_key, seal_stored};
pub use stream_url::{StoredUrl, StreamUrl, has_whole_escapes};

use crate::auth::{self, Principal};

use crate::groups::{groups_schema, parse_groups};
use crate::redact::PASSWORD_MASK;
use crate::secrets::{self, Sealed, Secret, SecretKey};
use crate::validation::{FieldError, FieldErrors};
use crate::{audit, db};

const NAME_MAX: usize = 100;
const LOCATION_MAX: usize = 200;
const MAX_READERS_MAX: i64 = 1000;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the request has invalid fields")]
    Invalid(Vec<FieldError>),
    #[error("no camera with that id")]
    NotFound,
    #[error("another camera the writer can see already has that name")]
    NameTaken,
    #[error("the camera was changed by someone else (now version {current})")]
    Stale { current: i64 },
    #[error(transparent)]
    Database(#[from] db::Error),
    #[error(transparent)]
    Secret(#[from] secrets::Error),
    /// For `rotate-key`, which must run alone.
    #[error(
        "a camera-api service is running on this database; stop every replica first (cameras \
         keep streaming meanwhile)"
    )]
    InUse,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        Self::Database(err.into())
    }
}

/// A camera as stored.
#[derive(Debug, Clone)]
pub struct Camera {
    pub id: i64,
    pub name: String,
    pub stream_url: StoredUrl,
    pub location: Option<String>,
    pub enabled: bool,
    pub on_demand: bool,
    pub max_readers: i32,
    /// Principals limited to groups see the camera when they share one.
    pub groups: Vec<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub provisioning: Provisioning,
}

/// Where MediaMTX stands for a camera.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ToSchema)]
pub struct Provisioning {
    pub state: ProvisioningState,
    /// Why the last attempt failed, in plain words.
    pub detail: Option<String>,
    /// Failed attempts since the last success.
    pub attempts: i32,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProvisioningState {
    /// A change waits to be applied to MediaMTX.
    Pending,
    /// MediaMTX matches the camera.
    Ready,
    /// The last attempt failed (see `detail`); it is retried with backoff.
    Error,
    /// The camera was disabled; its path is being removed from MediaMTX.
    Deleting,
}

impl ProvisioningState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Ready => "ready",
            Self::Error => "error",
            Self::Deleting => "deleting",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Self::Pending, Self::Ready, Self::Error, Self::Deleting]
            .into_iter()
            .find(|state| state.as_str() == text)
    }
}

/// The channel that tells the reconciler a camera changed (payload: its id).
pub const CHANGED_CHANNEL: &str = "camplane_cameras";

impl Camera {
    /// The MediaMTX path that carries this camera; Camplane owns every
    /// `cam_<digits>` path and nothing else.
    pub fn path(&self) -> String {
        path_name(self.id)
    }

    /// The stream URL with its password: only for MediaMTX and ffmpeg.
    pub fn source_url(&self, key: &SecretKey) -> Result<StreamUrl, secrets::Error> {
        self.stream_url.open(self.id, key)
    }
}

pub fn path_name(id: i64) -> String {
    format!("cam_{id}")
}

/// What a label may not hold, as a regex class body: what `char::is_control`
/// rejects and the invisible formatting `validation::parse_label` refuses
/// (all but the tag characters, beyond the Basic Multilingual Plane).
const NOT_IN_LABELS: &str = r"\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb";

/// The schema of a camera name, from the limits `parse_name` checks, so
/// clients (and the fuzzer) know what is accepted.
pub fn name_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(format!(
            "1 to {NAME_MAX} characters after trimming, not blank, no control characters \
             and no invisible formatting (bidirectional controls, zero-width characters); \
             stored in Unicode's composed form (NFC); unique regardless of case among the \
             cameras the writer can see."
        )))
        .min_length(Some(1))
        .max_length(Some(NAME_MAX))
        .pattern(Some(format!(
            r"^[^{NOT_IN_LABELS}]*[^\s{NOT_IN_LABELS}][^{NOT_IN_LABELS}]*$"
        )))
        .examples(["Loading dock"])
        .build()
}

/// The schema of a location, from what `parse_location` checks.
pub fn location_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .description(Some(format!(
            "Up to {LOCATION_MAX} characters, no control characters and no invisible \
             formatting, stored in NFC; blank or null for none."
        )))
        .max_length(Some(LOCATION_MAX))
        .pattern(Some(format!(r"^[^{NOT_IN_LABELS}]*$")))
        .examples(["North fence"])
        .build()
}

/// The schema of a stream URL, from what `StreamUrl::parse` checks.
pub fn stream_url_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(
            "`rtsp://` with a host, at most 2048 bytes, without spaces, control characters or a \
             #fragment; a user and a password (percent-encoded, a literal `%` as `%25`), or \
             neither. Where a camera is named (an edit, a probe with `camera_id`), `***` as \
             the password, as responses show it, stands for the stored one. New `rtsps://` \
             addresses are refused for now (cameras stored with one are shown as they are): \
             MediaMTX checks a camera's TLS certificate, most cameras' are self-signed, and \
             Camplane can't yet hold the fingerprint MediaMTX would need.",
        ))
        .pattern(Some(r"^rtsps?://[^\s#\x00-\x1f\x7f-\x9f]+$"))
        .examples(["rtsp://admin:secret@192.0.2.10:554/stream1"])
        .build()
}

/// Body of `POST /api/cameras`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCameraInput {
    #[schema(schema_with = name_schema)]
    pub name: String,
    #[schema(schema_with = stream_url_schema)]
    pub stream_url: String,
    #[serde(default)]
    #[schema(schema_with = location_schema)]
    pub location: Option<String>,
    /// Default `true`. A disabled camera is kept but not streamed.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Default `true`: MediaMTX pulls the stream only while someone watches.
    #[serde(default)]
    pub on_demand: Option<bool>,
    /// 0 (the default) for no limit, else 2 to 1000 (one HLS viewer takes two
    /// of MediaMTX's reader slots, so 1 is refused).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1000)]
    pub max_readers: Option<i64>,
    /// Camera groups (default none): users and tokens limited to groups see
    /// the camera when they share one.
    #[serde(default)]
    #[schema(schema_with = groups_schema)]
    pub groups: Option<Vec<String>>,
}

/// Body of `PATCH /api/cameras/{id}`: only the fields sent change; `null`
/// clears `location`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CameraPatch {
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = name_schema)]
    pub name: Option<Option<String>>,
    /// Send back the masked URL (`***` as password) to keep the stored password.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = stream_url_schema)]
    pub stream_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = location_schema)]
    pub location: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = bool)]
    pub enabled: Option<Option<bool>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = bool)]
    pub on_demand: Option<Option<bool>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = i64, minimum = 0, maximum = 1000)]
    pub max_readers: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = groups_schema)]
    pub groups: Option<Option<Vec<String>>>,
}

/// Tells a field sent as `null` (Some(None)) from a field left out (None).
fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A camera's editable fields, all valid.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fields {
    name: String,
    /// Masked; the password, if any, is in `password`.
    stream_url: StreamUrl,
    password: Option<Password>,
    location: Option<String>,
    enabled: bool,
    on_demand: bool,
    max_readers: i32,
    groups: Vec<String>,
}

/// The password a write leaves a camera with.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Password {
    /// The stored one, still sealed: the client sent the mask back.
    Kept(Sealed),
    /// Typed by the client; sealed as it is written.
    Typed(Secret),
}

impl Password {
    fn seal(self, camera_id: i64, key: &SecretKey) -> Sealed {
        match self {
            Self::Kept(sealed) => sealed,
            Self::Typed(password) => key.seal(camera_id, password.expose()),
        }
    }
}

impl From<&Camera> for Fields {
    fn from(camera: &Camera) -> Self {
        Self {
            name: camera.name.clone(),
            stream_url: camera.stream_url.masked_url().clone(),
            password: camera.stream_url.sealed().cloned().map(Password::Kept),
            location: camera.location.clone(),
            enabled: camera.enabled,
            on_demand: camera.on_demand,
            max_readers: camera.max_readers,
            groups: camera.groups.clone(),
        }
    }
}

fn parse_name(raw: &str) -> Result<String, String> {
    crate::validation::parse_label(raw, NAME_MAX)
}

/// Blank means "no location", so clients can clear it with `""` too.
fn parse_location(raw: Option<&str>) -> Result<Option<String>, String> {
    raw.map(str::trim)
        .filter(|location| !location.is_empty())
        .map(|location| crate::validation::parse_label(location, LOCATION_MAX))
        .transpose()
}

/// One HLS viewer takes two of MediaMTX's reader slots, its session and
/// the HLS muxer (itself a reader), so a limit of 1 could never be watched.
fn parse_max_readers(raw: i64) -> Result<i32, String> {
    match raw {
        1 => Err(
            "must not be 1: one HLS viewer takes two of MediaMTX's reader slots \
                  (the viewer and the HLS muxer), so use 0 for no limit or at least 2"
                .to_owned(),
        ),
        0..=MAX_READERS_MAX => Ok(raw as i32),
        _ => Err(format!(
            "must be between 0 and {MAX_READERS_MAX} (0 means no limit), and not 1"
        )),
    }
}

fn parse_new_stream_url(raw: &str) -> Result<(StreamUrl, Option<Password>), String> {
    let url = StreamUrl::parse_input(raw)?;
    if url.has_password_mask() {
        return Err(format!(
            "{PASSWORD_MASK} stands for a hidden password; type the real one"
        ));
    }
    let (masked, password) = url.split_password();
    Ok((masked, password.map(Password::Typed)))
}

fn required<T>(field: &str, value: Option<T>, errors: &mut FieldErrors) -> Option<T> {
    if value.is_none() {
        errors.push(field, "must not be null");
    }
    value
}

impl NewCameraInput {
    fn validate(self) -> Result<Fields> {
        let mut errors = FieldErrors::default();
        let name = errors.check("name", parse_name(&self.name));
        let stream_url = errors.check("stream_url", parse_new_stream_url(&self.stream_url));
        let location = errors.check("location", parse_location(self.location.as_deref()));
        let max_readers = errors.check(
            "max_readers",
            parse_max_readers(self.max_readers.unwrap_or(0)),
        );
        let groups = errors.check("groups", parse_groups(&self.groups.unwrap_or_default()));
        errors.into_result().map_err(Error::Invalid)?;
        let (stream_url, password) = stream_url.expect("checked above");
        Ok(Fields {
            name: name.unwrap_or_default(),
            stream_url,
            password,
            location: location.flatten(),
            enabled: self.enabled.unwrap_or(true),
            on_demand: self.on_demand.unwrap_or(true),
            max_readers: max_readers.unwrap_or_default(),
            groups: groups.unwrap_or_default(),
        })
    }
}

impl CameraPatch {
    fn apply_to(self, current: &Camera) -> Result<Fields> {
        let mut errors = FieldErrors::default();
        let mut fields = Fields::from(current);
        if let Some(name) = self.name
            && let Some(name) = required("name", name, &mut errors)
        {
            fields.name = errors.check("name", parse_name(&name)).unwrap_or_default();
        }
        if let Some(url) = self.stream_url
            && let Some(url) = required("stream_url", url, &mut errors)
        {
            let stored = current.stream_url.sealed();
            let parsed = StreamUrl::parse_input(&url).and_then(|url| match stored {
                // The mask keeps the stored password, sealed as it is, for
                // the camera's own server only.
                Some(_) if url.has_password_mask() && !current.stream_url.same_endpoint(&url) => {
                    Err(MASK_ELSEWHERE.to_owned())
                }
                Some(sealed) if url.has_password_mask() => {
                    Ok((url, Some(Password::Kept(sealed.clone()))))
                }
                None if url.has_password_mask() => Err(format!(
                    "{PASSWORD_MASK} stands for a hidden password, but none is stored; type the real one"
                )),
                _ => {
                    let (masked, password) = url.split_password();
                    Ok((masked, password.map(Password::Typed)))
                }
            });
            if let Some((url, password)) = errors.check("stream_url", parsed) {
                fields.stream_url = url;
                fields.password = password;
            }
        }
        if let Some(location) = self.location
            && let Some(location) = errors.check("location", parse_location(location.as_deref()))
        {
            fields.location = location;
        }
        if let Some(enabled) = self.enabled {
            fields.enabled = required("enabled", enabled, &mut errors).unwrap_or(fields.enabled);
        }
        if let Some(on_demand) = self.on_demand {
            fields.on_demand =
                required("on_demand", on_demand, &mut errors).unwrap_or(fields.on_demand);
        }
        if let Some(max_readers) = self.max_readers
            && let Some(max_readers) = required("max_readers", max_readers, &mut errors)
        {
            fields.max_readers = errors
                .check("max_readers", parse_max_readers(max_readers))
                .unwrap_or_default();
        }
        if let Some(groups) = self.groups {
            // `null` clears them, like an empty list.
            fields.groups = errors
                .check("groups", parse_groups(&groups.unwrap_or_default()))
                .unwrap_or_default();
        }
        errors.into_result().map_err(Error::Invalid)?;
        Ok(fields)
    }
}

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
    pub sort: Sort,
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

    /// The name the list query's ORDER BY switches on.
    fn key(self) -> &'static str {
        Self::VALUES
            .iter()
            .find(|(_, sort)| *sort == self)
            .map(|(name, _)| *name)
            .expect("every sort has a name")
    }
}

pub struct Page {
    pub items: Vec<Camera>,
    pub total: i64,
}

/// Reads one camera with its provisioning state.
async fn fetch(conn: &mut sqlx::PgConnection, id: i64) -> Result<Camera> {
    let filter = ListFilter {
        ids: Some(vec![id]),
        ..ListFilter::default()
    };
    page(conn, &filter, 1, 0)
        .await?
        .0
        .pop()
        .ok_or(Error::NotFound)
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

/// A principal limited to groups may only leave a camera where it can
/// still see it.
fn check_reach(by: &Principal, groups: &[String]) -> Result<()> {
    match &by.groups {
        Some(own) if !by.sees(groups) => Err(Error::Invalid(vec![FieldError::new(
            "groups",
            format!("must include one of your groups: {}", own.join(", ")),
        )])),
        _ => Ok(()),
    }
}

/// A principal limited to groups may add and remove only its own groups:
/// the others decide who else sees the camera, which is not its to change.
fn check_groups_change(by: &Principal, before: &[String], after: &[String]) -> Result<()> {
    let Some(own) = &by.groups else {
        return Ok(());
    };
    let others = |groups: &[String]| -> BTreeSet<String> {
        groups
            .iter()
            .filter(|g| !own.contains(g))
            .cloned()
            .collect()
    };
    let (kept, wanted) = (others(before), others(after));
    if kept == wanted {
        return Ok(());
    }
    let changed: Vec<String> = kept.symmetric_difference(&wanted).cloned().collect();
    Err(Error::Invalid(vec![FieldError::new(
        "groups",
        format!(
            "you may add or remove only your own groups ({}), not {}",
            own.join(", "),
            changed.join(", ")
        ),
    )]))
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
                             AND ($3::text[] IS NULL OR groups && $3)) AS "taken!""#,
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

/// Wakes the reconciler; delivered only if the transaction commits.
async fn notify_changed(conn: &mut sqlx::PgConnection, id: i64) -> Result<()> {
    sqlx::query!("SELECT pg_notify($1, $2)", CHANGED_CHANNEL, id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn create(
    db: &PgPool,
    key: &SecretKey,
    by: &Principal,
    input: NewCameraInput,
) -> Result<Camera> {
    let fields = input.validate()?;
    check_groups_change(by, &[], &fields.groups)?;
    check_reach(by, &fields.groups)?;
    let mut tx = db.begin().await?;
    auth::act_as(&mut tx, &by.actor()).await?;
    check_name_free(&mut tx, by, &fields.name, None).await?;
    // The id first: it is the associated data of the sealed password, and
    // one INSERT (not an INSERT and an UPDATE) is one audit entry.
    let id =
        sqlx::query_scalar!(r#"SELECT nextval(pg_get_serial_sequence('cameras', 'id')) AS "id!""#)
            .fetch_one(&mut *tx)
            .await?;
    let sealed = fields.password.map(|password| password.seal(id, key));
    sqlx::query!(
        r#"INSERT INTO cameras (id, name, stream_url, password_sealed, password_key_id,
                                location, enabled, on_demand, max_readers, groups)
           OVERRIDING SYSTEM VALUE
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"#,
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
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO camera_provisioning (camera_id) VALUES ($1)",
        id
    )
    .execute(&mut *tx)
    .await?;
    notify_changed(&mut tx, id).await?;
    let camera = fetch(&mut tx, id).await?;
    tx.commit().await?;
    Ok(camera)
}

pub async fn get(db: &PgPool, id: i64) -> Result<Camera> {
    fetch(&mut *db.acquire().await?, id).await
}

/// The camera, if `by` may see it: one it can't is not there.
/// Why `***` was refused: it stands for the stored password at the camera's
/// own server only.
const MASK_ELSEWHERE: &str = "*** stands for the stored password only at the camera's own \
     address (same scheme, host and port); type the password to use another address";

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

pub async fn get_seen_by(db: &PgPool, by: &Principal, id: i64) -> Result<Camera> {
    Some(get(db, id).await?)
        .filter(|camera| by.sees(&camera.groups))
        .ok_or(Error::NotFound)
}

pub async fn list(db: &PgPool, filter: &ListFilter) -> Result<Page> {
    let (items, total) = page(db, filter, filter.limit, filter.offset).await?;
    let total = match total {
        Some(total) => total,
        // A page past the end carries no count; the first row does.
        None if filter.offset > 0 => page(db, filter, 1, 0).await?.1.unwrap_or(0),
        None => 0,
    };
    Ok(Page { items, total })
}

/// The cameras `filter` selects from `offset` on, and how many it selects in
/// all (known when at least one camera is returned).
async fn page(
    db: impl sqlx::PgExecutor<'_>,
    filter: &ListFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Camera>, Option<i64>)> {
    let query = filter.query.as_deref().map(str::to_lowercase);
    // One statement is one snapshot, so `total` (a subquery PostgreSQL runs
    // once) agrees with `items` with no transaction around them: its three
    // extra round trips were most of what a page cost.
    let rows = sqlx::query!(
        r#"SELECT c.id, c.name, c.stream_url, c.password_sealed, c.password_key_id,
                  c.location, c.enabled, c.on_demand, c.max_readers, c.groups,
                  c.version, c.created_at, c.updated_at,
                  p.state AS provisioning_state, p.detail AS provisioning_detail,
                  p.attempts AS provisioning_attempts, p.updated_at AS provisioning_updated_at,
                  (SELECT count(*) FROM cameras
                   WHERE ($1::text IS NULL
                          OR strpos(lower(name), $1) > 0
                          OR strpos(lower(coalesce(location, '')), $1) > 0)
                     AND ($2::bool IS NULL OR enabled = $2)
                     AND ($5::bigint[] IS NULL OR id = ANY($5))
                     AND ($7::text[] IS NULL OR groups && $7)) AS "total!"
           FROM cameras c JOIN camera_provisioning p ON p.camera_id = c.id
           WHERE ($1::text IS NULL
                  OR strpos(lower(c.name), $1) > 0
                  OR strpos(lower(coalesce(c.location, '')), $1) > 0)
             AND ($2::bool IS NULL OR c.enabled = $2)
             AND ($5::bigint[] IS NULL OR c.id = ANY($5))
             AND ($7::text[] IS NULL OR c.groups && $7)
           ORDER BY
             CASE WHEN $6 = 'name' THEN lower(c.name) END ASC,
             CASE WHEN $6 = '-name' THEN lower(c.name) END DESC,
             CASE WHEN $6 = 'location' THEN lower(c.location) END ASC NULLS LAST,
             CASE WHEN $6 = '-location' THEN lower(c.location) END DESC NULLS LAST,
             CASE WHEN $6 = 'created_at' THEN c.created_at END ASC,
             CASE WHEN $6 = '-created_at' THEN c.created_at END DESC,
             CASE WHEN $6 = 'updated_at' THEN c.updated_at END ASC,
             CASE WHEN $6 = '-updated_at' THEN c.updated_at END DESC,
             CASE WHEN $6 = '-id' THEN c.id END DESC,
             c.id
           LIMIT $3 OFFSET $4"#,
        query,
        filter.enabled,
        limit,
        offset,
        filter.ids.as_deref(),
        filter.sort.key(),
        filter.groups.as_deref(),
    )
    .fetch_all(db)
    .await?;
    let total = rows.first().map(|row| row.total);
    let items = rows
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
            Ok(Camera {
                id: row.id,
                name: row.name,
                stream_url,
                location: row.location,
                enabled: row.enabled,
                on_demand: row.on_demand,
                max_readers: row.max_readers,
                groups: row.groups,
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
    Ok((items, total))
}

/// Applies a partial update. `expected` (from `If-Match`) makes the write
/// conditional; a patch that changes nothing keeps the version and touches
/// nothing on MediaMTX.
pub async fn update(
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
    check_groups_change(by, &current.groups, &fields.groups)?;
    check_reach(by, &fields.groups)?;
    if fields == Fields::from(&current) {
        return Ok(current);
    }
    if fields.name != current.name {
        check_name_free(&mut tx, by, &fields.name, Some(id)).await?;
    }
    let sealed = fields.password.map(|password| password.seal(id, key));
    sqlx::query!(
        r#"UPDATE cameras
           SET name = $2, stream_url = $3, password_sealed = $4, password_key_id = $5,
               location = $6, enabled = $7, on_demand = $8, max_readers = $9, groups = $10,
               version = version + 1, updated_at = now()
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
    )
    .execute(&mut *tx)
    .await?;
    let state = if fields.enabled {
        ProvisioningState::Pending
    } else {
        ProvisioningState::Deleting
    };
    sqlx::query!(
        r#"UPDATE camera_provisioning
           SET state = $2, detail = NULL, attempts = 0, updated_at = now()
           WHERE camera_id = $1"#,
        id,
        state.as_str(),
    )
    .execute(&mut *tx)
    .await?;
    notify_changed(&mut tx, id).await?;
    let camera = fetch(&mut tx, id).await?;
    tx.commit().await?;
    Ok(camera)
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

/// Waits (at most `limit`) until MediaMTX has answered for `version` of the
/// camera, so a write's response can say how provisioning went; a slow or
/// absent MediaMTX leaves it `pending`, never failing the write.
pub async fn wait_for_provisioning(
    db: &PgPool,
    id: i64,
    version: i64,
    limit: Duration,
) -> Result<()> {
    let deadline = tokio::time::Instant::now() + limit;
    let mut pause = Duration::from_millis(2);
    loop {
        // Settled once MediaMTX converged, refused, or failed an attempt;
        // a camera gone or edited again is someone else's wait.
        let settled = sqlx::query_scalar!(
            r#"SELECT p.state IN ('ready', 'error') OR p.attempts > 0 AS "settled!"
               FROM camera_provisioning p JOIN cameras c ON c.id = p.camera_id
               WHERE c.id = $1 AND c.version = $2"#,
            id,
            version
        )
        .fetch_optional(db)
        .await?
        .unwrap_or(true);
        if settled || tokio::time::Instant::now() + pause > deadline {
            return Ok(());
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

/// What a client's `If-Match` asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// `*`: any version, as long as the camera exists.
    Any,
    OneOf(Vec<i64>),
}

fn check_version(current: i64, expected: Option<Expected>) -> Result<()> {
    match expected {
        Some(Expected::OneOf(versions)) if !versions.contains(&current) => {
            Err(Error::Stale { current })
        }
        _ => Ok(()),
    }
}
