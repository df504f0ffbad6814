//! What can go wrong with a camera's recordings.

use crate::validation::FieldError;
use crate::{cameras, db, mediamtx};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the request has invalid fields")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Camera(#[from] cameras::Error),
    /// MediaMTX plays recordings only of the paths it has, and a disabled
    /// camera has none.
    #[error(
        "the camera is disabled; its recordings can be listed and played once it is enabled \
         again (they are kept until their retention ends)"
    )]
    CameraDisabled,
    #[error("no export with that id")]
    ExportNotFound,
    #[error("the export is still being made; retry once its state is ready")]
    ExportPending,
    #[error("the export failed: {0}")]
    ExportFailed(String),
    /// Before the first scan of the disk (a few seconds after start).
    #[error("the recordings disk has not been scanned yet; retry shortly")]
    NotScannedYet,
    #[error("reading or deleting recording files failed: {0}")]
    Storage(#[from] std::io::Error),
    #[error("MediaMTX's playback server is unavailable: {0}")]
    Playback(#[from] mediamtx::Error),
    #[error(transparent)]
    Database(#[from] db::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        Self::Database(err.into())
    }
}
