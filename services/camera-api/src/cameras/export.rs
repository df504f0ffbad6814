//! The cameras a principal sees, as a file an import takes back: the same
//! columns (CSV) or fields (JSON), passwords masked.

use serde_json::{Map, Value, json};
use sqlx::PgPool;

use super::import::COLUMNS;
use super::{ById, Camera, Format, Result, StoredUrl, by_id, format_retention};
use crate::audit;
use crate::auth::{self, Principal};

/// Cameras read per statement.
const PAGE: i64 = 500;

/// Every camera `by` sees, in id order; audited, as it lists the fleet.
pub async fn export(db: &PgPool, by: &Principal, format: Format) -> Result<Vec<u8>> {
    let mut cameras = Vec::new();
    let mut next = ById {
        limit: PAGE,
        groups: by.groups.as_deref(),
        ..ById::default()
    };
    loop {
        let found = by_id(db, &next).await?;
        cameras.extend(found.iter().map(row));
        match found.last() {
            Some(last) if found.len() as i64 == PAGE => next.after = Some(last.id),
            _ => break,
        }
    }
    let mut tx = db.begin().await?;
    auth::act_as(&mut tx, &by.actor()).await?;
    let format_name = match format {
        Format::Csv => "csv",
        Format::Json => "json",
    };
    audit::record(
        &mut *tx,
        "camera.export",
        json!({"cameras": cameras.len(), "format": format_name}),
    )
    .await?;
    tx.commit().await?;
    Ok(match format {
        Format::Json => serde_json::to_vec_pretty(&cameras).expect("JSON values serialize"),
        Format::Csv => csv(&cameras),
    })
}

/// A camera as an import row: the write's fields, the password masked
/// (sent back, the mask keeps the stored password).
fn row(camera: &Camera) -> Map<String, Value> {
    let policy = &camera.recording;
    let fields = json!({
        "name": camera.name,
        "stream_url": camera.stream_url.masked(),
        "location": camera.location,
        "enabled": camera.enabled,
        "on_demand": camera.on_demand,
        "max_readers": camera.max_readers,
        "groups": camera.groups,
        "recording": {
            "mode": policy.mode,
            "retention": format_retention(policy.retention),
            "storage_budget_bytes": policy.storage_budget_bytes,
        },
        "external_id": camera.external_id,
        "sub_stream_url": camera.sub_stream_url.as_ref().map(StoredUrl::masked),
        "node_labels": camera.node_labels,
    });
    let Value::Object(fields) = fields else {
        unreachable!("an object literal")
    };
    fields
}

fn csv(cameras: &[Map<String, Value>]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(COLUMNS).expect("writing to memory");
    for camera in cameras {
        let recording = &camera["recording"];
        let cell = |column: &str| -> String {
            let value = match column {
                "recording" => &recording["mode"],
                "retention" | "storage_budget_bytes" => &recording[column],
                _ => &camera[column],
            };
            match value {
                Value::Null => String::new(),
                Value::String(text) => text.clone(),
                Value::Array(groups) => groups
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(";"),
                Value::Object(labels) => labels
                    .iter()
                    .map(|(key, value)| format!("{key}={}", value.as_str().unwrap_or_default()))
                    .collect::<Vec<_>>()
                    .join(";"),
                other => other.to_string(),
            }
        };
        writer
            .write_record(COLUMNS.iter().map(|column| cell(column)))
            .expect("writing to memory");
    }
    writer.into_inner().expect("writing to memory")
}
