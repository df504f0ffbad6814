//! What can go wrong with a camera read or write.

use crate::validation::FieldError;
use crate::{db, secrets};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the request has invalid fields")]
    Invalid(Vec<FieldError>),
    #[error("no camera with that id")]
    NotFound,
    #[error("another camera the writer can see already has that name")]
    NameTaken,
    #[error("another camera already has that external id")]
    ExternalIdTaken,
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
