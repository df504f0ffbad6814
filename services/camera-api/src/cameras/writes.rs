//! A client's write of a camera, whole: validation and the SQL (`store`),
//! then a short wait for MediaMTX's answer (`provisioning`), so a `201`
//! usually already says `ready` (or why not).

use std::time::Duration;

use sqlx::PgPool;

use super::{
    Camera, CameraPatch, Error, Expected, NewCameraInput, RecordingPolicy, Result, get, store,
};
use crate::auth::Principal;
use crate::secrets::SecretKey;

/// How long a write waits for MediaMTX before answering `pending`.
const PROVISIONING_WAIT: Duration = Duration::from_secs(2);

/// `recording`: the policy of a camera whose client named none.
pub async fn create(
    db: &PgPool,
    key: &SecretKey,
    by: &Principal,
    input: NewCameraInput,
    recording: RecordingPolicy,
) -> Result<Camera> {
    let camera = store::create(db, key, by, input, recording).await?;
    Ok(provisioned(db, camera).await)
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
    let camera = store::update(db, key, by, id, patch, expected).await?;
    Ok(provisioned(db, camera).await)
}

/// The camera once MediaMTX has answered for it, or as it is after
/// `PROVISIONING_WAIT` (then `pending`). The write is committed either way,
/// so a failure to look again (the camera deleted meanwhile, the database
/// gone) reports what was written: an error would tell the client its
/// committed write failed, and its retry would make a twin.
async fn provisioned(db: &PgPool, camera: Camera) -> Camera {
    let waited =
        super::wait_for_provisioning(db, camera.id, camera.version, PROVISIONING_WAIT).await;
    let current = match waited {
        Ok(()) => get(db, camera.id).await,
        Err(err) => Err(err),
    };
    match current {
        Ok(current) => current,
        Err(Error::NotFound) => camera,
        Err(err) => {
            tracing::warn!(camera_id = camera.id, error = %err, "committed, but could not read the provisioning outcome");
            camera
        }
    }
}
