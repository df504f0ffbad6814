//! The camera registry: validated camera records in PostgreSQL.
//!
//! `input` turns what clients send into valid `Fields` (with `stream_url`
//! for the URL rules), `store` is the SQL that reads and writes cameras,
//! `catalog` the list in memory that the API pages through (`cursor`: where
//! a page of it ended), `import` and `export` many cameras at once as CSV
//! or JSON, `provisioning` where MediaMTX stands for each, `writes` a
//! client's write whole (the SQL, then the wait for MediaMTX), and
//! `passwords` the sealed passwords and `rotate-key`; `recording` what each
//! camera records.

mod catalog;
mod cursor;
mod error;
mod export;
mod import;
mod input;
mod model;
mod passwords;
mod provisioning;
mod recording;
mod store;
mod stream_url;
mod writes;

pub use catalog::{Catalog, ListFilter, Listed, ListedPage, Sort};
pub use cursor::Cursor;
pub use error::{Error, Result};
pub use export::export;
pub use import::{
    COLUMNS, Format, ImportReport, Options as ImportOptions, Outcome, RowResult, import,
};
pub use input::{
    CameraPatch, NewCameraInput, external_id_schema, location_schema, name_schema,
    stream_url_schema,
};
pub use model::Camera;
pub use passwords::{rotate_key, seal_stored};
pub use provisioning::{
    Provisioning, ProvisioningOutcome, ProvisioningState, note_waiting, record_outcomes,
    wait_for_provisioning,
};
pub use recording::{
    RecordingInput, RecordingMode, RecordingPolicy, RecordingView, format_retention,
    parse_retention,
};
pub use store::{
    ById, CHANGED_CHANNEL, Expected, by_id, count_by_group, delete, get, get_seen_by,
    unmask_for_probe,
};
pub use stream_url::{StoredUrl, StreamUrl, has_whole_escapes};
pub use writes::{create, update};
