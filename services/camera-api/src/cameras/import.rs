//! Bulk import of cameras from CSV or JSON: each row creates a camera, or
//! updates the one it names (by external id, else by name), validated as
//! one-camera writes are; all rows or only the good ones are kept, or none
//! (a dry run).

use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::{Acquire, PgPool};
use utoipa::ToSchema;

use super::model::Fields;
use super::{CameraPatch, Error, NewCameraInput, RecordingPolicy, Result, store};
use crate::audit;
use crate::auth::{self, Principal};
use crate::secrets::SecretKey;
use crate::validation::FieldError;

/// A site's cameras in one request; a larger fleet comes in several.
pub const MAX_ROWS: usize = 20_000;

/// The columns of a CSV import and export, named as the JSON fields are.
/// `recording`, `retention` and `storage_budget_bytes` are the recording
/// policy's; `groups` are separated by `;`, `node_labels` too
/// (`site=north;zone=a`). Columns added later come last: files exported
/// before keep their column order.
pub const COLUMNS: [&str; 13] = [
    "name",
    "stream_url",
    "location",
    "enabled",
    "on_demand",
    "max_readers",
    "groups",
    "recording",
    "retention",
    "storage_budget_bytes",
    "external_id",
    "sub_stream_url",
    "node_labels",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Validate and report, write nothing.
    pub dry_run: bool,
    /// All rows or none: one bad row keeps every row out.
    pub atomic: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
    Error,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RowResult {
    /// 1 for the first camera (the line after a CSV's header).
    pub row: usize,
    pub name: Option<String>,
    pub outcome: Outcome,
    /// The camera updated or left unchanged, or created (not in a dry run).
    pub camera_id: Option<i64>,
    /// What is wrong with the row (`outcome` `error`), field by field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    pub atomic: bool,
    /// Whether the rows' changes were kept: never in a dry run, and not in
    /// an atomic import with an error.
    pub applied: bool,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub errors: usize,
    pub rows: Vec<RowResult>,
}

/// Imports `body` for `by`. A body that can't be read as rows is refused
/// whole (`Invalid`, field `body`); a bad row is reported in its result.
pub async fn import(
    db: &PgPool,
    key: &SecretKey,
    by: &Principal,
    body: &[u8],
    format: Format,
    options: Options,
    recording: RecordingPolicy,
) -> Result<ImportReport> {
    let rows = match format {
        Format::Csv => csv_rows(body),
        Format::Json => json_rows(body),
    }
    .map_err(|message| Error::Invalid(vec![FieldError::new("body", message)]))?;
    let mut tx = db.begin().await?;
    auth::act_as(&mut tx, &by.actor()).await?;
    let mut results = Vec::with_capacity(rows.len());
    for (index, row) in rows.into_iter().enumerate() {
        let name = row.get("name").and_then(Value::as_str).map(str::to_owned);
        // Each row in a savepoint: a failed one leaves the others as they were.
        let mut savepoint = tx.begin().await?;
        let result = import_row(&mut savepoint, key, by, row, recording).await;
        let (outcome, camera_id, errors) = match result {
            Ok((outcome, id)) => {
                savepoint.commit().await?;
                let shown = !(options.dry_run && outcome == Outcome::Created);
                (outcome, Some(id).filter(|_| shown), Vec::new())
            }
            Err(err) => {
                savepoint.rollback().await?;
                (Outcome::Error, None, row_errors(err)?)
            }
        };
        results.push(RowResult {
            row: index + 1,
            name,
            outcome,
            camera_id,
            errors,
        });
    }
    let count = |outcome| results.iter().filter(|r| r.outcome == outcome).count();
    let mut report = ImportReport {
        dry_run: options.dry_run,
        atomic: options.atomic,
        applied: false,
        created: count(Outcome::Created),
        updated: count(Outcome::Updated),
        unchanged: count(Outcome::Unchanged),
        errors: count(Outcome::Error),
        rows: results,
    };
    let refused = options.atomic && report.errors > 0;
    report.applied = !(options.dry_run || refused);
    if !report.applied {
        tx.rollback().await?;
        return Ok(report);
    }
    audit::record(
        &mut *tx,
        "camera.import",
        serde_json::json!({
            "created": report.created, "updated": report.updated,
            "unchanged": report.unchanged, "refused": report.errors,
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}

/// One row: the camera it names, updated with what the row holds (cells
/// left empty keep their values), or a new camera (empty cells take the
/// defaults).
async fn import_row(
    conn: &mut sqlx::PgConnection,
    key: &SecretKey,
    by: &Principal,
    row: Map<String, Value>,
    recording: RecordingPolicy,
) -> Result<(Outcome, i64)> {
    let external_id = row.get("external_id").and_then(Value::as_str);
    let name = row.get("name").and_then(Value::as_str);
    match store::find_for_import(conn, by, external_id, name).await? {
        Some(id) => {
            let patch: CameraPatch = from_row(row)?;
            // Named by an external id it may not see: the id is taken.
            let current = match store::lock_and_fetch(conn, by, id).await {
                Err(Error::NotFound) => return Err(Error::ExternalIdTaken),
                found => found?,
            };
            let fields: Fields = patch.apply_to(&current)?;
            let outcome = match store::rewrite(conn, key, by, &current, fields).await? {
                true => Outcome::Updated,
                false => Outcome::Unchanged,
            };
            Ok((outcome, id))
        }
        None => {
            let input: NewCameraInput = from_row(row)?;
            let id = store::insert(conn, key, by, input.validate(recording)?).await?;
            Ok((Outcome::Created, id))
        }
    }
}

/// The row as a write's body, its shape errors named by field.
fn from_row<T: serde::de::DeserializeOwned>(row: Map<String, Value>) -> Result<T> {
    serde_path_to_error::deserialize(Value::Object(row)).map_err(|err| {
        let field = match err.path().to_string() {
            path if path == "." => "row".to_owned(),
            path => path,
        };
        Error::Invalid(vec![FieldError::new(field, err.inner().to_string())])
    })
}

/// A row's refusal as field errors; anything else (the database failing)
/// ends the import.
fn row_errors(err: Error) -> Result<Vec<FieldError>> {
    let named = |field: &str| vec![FieldError::new(field, err.to_string())];
    match err {
        Error::Invalid(errors) => Ok(errors),
        Error::NameTaken => Ok(named("name")),
        Error::ExternalIdTaken => Ok(named("external_id")),
        other => Err(other),
    }
}

fn json_rows(body: &[u8]) -> Result<Vec<Map<String, Value>>, String> {
    let rows: Vec<Value> = serde_json::from_slice(body)
        .map_err(|err| format!("must be a JSON array of cameras: {err}"))?;
    check_count(rows.len())?;
    rows.into_iter()
        .enumerate()
        .map(|(index, row)| match row {
            Value::Object(row) => Ok(row),
            _ => Err(format!("row {} is not a JSON object", index + 1)),
        })
        .collect()
}

fn check_count(rows: usize) -> Result<(), String> {
    match rows {
        0 => Err("holds no cameras".to_owned()),
        n if n > MAX_ROWS => Err(format!(
            "holds {n} cameras; import at most {MAX_ROWS} at a time"
        )),
        _ => Ok(()),
    }
}

/// CSV (RFC 4180, a header of `COLUMNS` names in any order, any subset
/// with `name`) as the JSON rows it stands for: empty cells are left out,
/// `enabled`/`on_demand` read `true`/`false` (or `yes`/`no`, `1`/`0`),
/// numbers as numbers, `groups` split at `;`, and the recording columns
/// gathered into `recording`.
fn csv_rows(body: &[u8]) -> Result<Vec<Map<String, Value>>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(body);
    let header: Vec<String> = reader
        .headers()
        .map_err(|err| format!("is not CSV: {err}"))?
        .iter()
        .map(|column| column.to_ascii_lowercase())
        .collect();
    if let Some(unknown) = header
        .iter()
        .find(|column| !COLUMNS.contains(&column.as_str()))
    {
        return Err(format!(
            "has an unknown column {unknown:?}; the columns are {}",
            COLUMNS.join(", ")
        ));
    }
    if !header.iter().any(|column| column == "name") {
        return Err("has no name column".to_owned());
    }
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|err| format!("row {} is not CSV: {err}", index + 1))?;
        check_count(rows.len() + 1)?;
        let mut row = Map::new();
        let mut recording = Map::new();
        for (column, cell) in header.iter().zip(record.iter()) {
            if cell.is_empty() {
                continue;
            }
            let value = cell_value(column, cell);
            match column.as_str() {
                "recording" => recording.insert("mode".to_owned(), value),
                "retention" | "storage_budget_bytes" => recording.insert(column.clone(), value),
                _ => row.insert(column.clone(), value),
            };
        }
        if !recording.is_empty() {
            row.insert("recording".to_owned(), Value::Object(recording));
        }
        rows.push(row);
    }
    check_count(rows.len())?;
    Ok(rows)
}

/// A cell as the JSON value its column takes; one that doesn't read as
/// that stays text, so the row's validation names it.
fn cell_value(column: &str, cell: &str) -> Value {
    match column {
        "enabled" | "on_demand" => match cell.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Value::Bool(true),
            "false" | "no" | "0" => Value::Bool(false),
            _ => Value::String(cell.to_owned()),
        },
        "max_readers" | "storage_budget_bytes" => cell
            .parse::<i64>()
            .map_or_else(|_| Value::String(cell.to_owned()), Value::from),
        "groups" => Value::Array(
            cell.split(';')
                .map(str::trim)
                .filter(|group| !group.is_empty())
                .map(|group| Value::String(group.to_owned()))
                .collect(),
        ),
        "node_labels" => cell
            .split(';')
            .map(str::trim)
            .filter(|label| !label.is_empty())
            .map(|label| {
                let (key, value) = label.split_once('=')?;
                Some((
                    key.trim().to_owned(),
                    Value::String(value.trim().to_owned()),
                ))
            })
            .collect::<Option<Map<String, Value>>>()
            .map_or_else(|| Value::String(cell.to_owned()), Value::Object),
        _ => Value::String(cell.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_become_the_json_a_write_takes() {
        let rows = csv_rows(
            b"Name,stream_url,enabled,max_readers,groups,recording,retention,location\n\
              Gate 1,rtsp://10.0.0.1/s,no,4,yard; dock ;,continuous,30d,\n\
              \"Lobby, east\",rtsp://10.0.0.2/s,maybe,many,,,,Hall\n",
        )
        .unwrap();
        assert_eq!(
            Value::Object(rows[0].clone()),
            serde_json::json!({
                "name": "Gate 1", "stream_url": "rtsp://10.0.0.1/s", "enabled": false,
                "max_readers": 4, "groups": ["yard", "dock"],
                "recording": {"mode": "continuous", "retention": "30d"},
            })
        );
        assert_eq!(
            Value::Object(rows[1].clone()),
            serde_json::json!({
                "name": "Lobby, east", "stream_url": "rtsp://10.0.0.2/s", "enabled": "maybe",
                "max_readers": "many", "location": "Hall",
            })
        );
    }

    #[test]
    fn node_labels_are_key_value_pairs_in_one_cell() {
        let rows = csv_rows(b"name,node_labels\nGate,site=north; zone = a\nDock,north\n").unwrap();
        assert_eq!(
            rows[0]["node_labels"],
            serde_json::json!({"site": "north", "zone": "a"})
        );
        // Not pairs: left as text, for the row's validation to name.
        assert_eq!(rows[1]["node_labels"], serde_json::json!("north"));
    }

    #[test]
    fn a_body_that_is_not_rows_is_refused_whole() {
        for (body, why) in [
            (&b"name,colour\nGate,red\n"[..], "unknown column"),
            (b"stream_url\nrtsp://x/\n", "no name column"),
            (b"name\n", "no cameras"),
        ] {
            let err = csv_rows(body).unwrap_err();
            assert!(err.contains(why), "{err}");
        }
        assert!(json_rows(b"{}").unwrap_err().contains("JSON array"));
        assert!(json_rows(b"[1]").unwrap_err().contains("row 1"));
        let many = format!("[{}{{}}]", "{},".repeat(MAX_ROWS));
        assert!(json_rows(many.as_bytes()).unwrap_err().contains("at most"));
    }

    #[test]
    fn shape_errors_name_their_field() {
        let row = csv_rows(b"name,enabled\nGate,maybe\n").unwrap().remove(0);
        let Err(Error::Invalid(errors)) = from_row::<NewCameraInput>(row) else {
            panic!("accepted");
        };
        assert_eq!(errors[0].field, "enabled");
    }
}
