//! A camera as stored, and the fields a write leaves it with.

use chrono::{DateTime, Utc};

use super::{Provisioning, RecordingPolicy, Result, StoredUrl, StreamUrl};
use crate::mediamtx::path_name;
use crate::secrets::{self, Sealed, Secret, SecretKey};
use crate::validation::Labels;

/// A camera as stored.
#[derive(Debug, Clone)]
pub struct Camera {
    pub id: i64,
    pub name: String,
    pub stream_url: StoredUrl,
    /// A second, low-resolution address of the same camera, if any: what
    /// the console's grid plays (path `cam_<id>_sub`).
    pub sub_stream_url: Option<StoredUrl>,
    pub location: Option<String>,
    pub enabled: bool,
    pub on_demand: bool,
    pub max_readers: i32,
    /// Principals limited to groups see the camera when they share one.
    pub groups: Vec<String>,
    pub recording: RecordingPolicy,
    /// Its id in another system (an asset register), unique when set.
    pub external_id: Option<String>,
    /// Labels a MediaMTX node must carry to serve it (docs/nodes.md).
    pub node_labels: Labels,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub provisioning: Provisioning,
}

impl Camera {
    /// The MediaMTX path that carries this camera's main stream.
    pub fn path(&self) -> String {
        path_name(self.id)
    }

    /// The stream URL with its password: only for MediaMTX and ffmpeg.
    pub fn source_url(&self, key: &SecretKey) -> Result<StreamUrl, secrets::Error> {
        self.stream_url.open(self.id, key)
    }

    /// The sub-stream's URL with its password, when there is one: only for
    /// MediaMTX and ffmpeg.
    pub fn sub_source_url(&self, key: &SecretKey) -> Option<Result<StreamUrl, secrets::Error>> {
        self.sub_stream_url
            .as_ref()
            .map(|stored| stored.open(self.id, key))
    }
}

#[cfg(test)]
impl Camera {
    /// A stored camera for unit tests: enabled, on demand, recording off,
    /// provisioned, in no group.
    pub fn for_tests(id: i64, stream_url: StoredUrl) -> Self {
        // As PostgreSQL keeps times, in microseconds.
        let now = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6);
        Self {
            id,
            name: format!("Camera {id}"),
            stream_url,
            sub_stream_url: None,
            location: None,
            enabled: true,
            on_demand: true,
            max_readers: 0,
            groups: Vec::new(),
            recording: RecordingPolicy {
                mode: super::RecordingMode::Off,
                retention: std::time::Duration::from_secs(7 * 86_400),
                storage_budget_bytes: None,
            },
            external_id: None,
            node_labels: Labels::new(),
            version: 1,
            created_at: now,
            updated_at: now,
            provisioning: Provisioning {
                state: super::ProvisioningState::Ready,
                detail: None,
                attempts: 0,
                updated_at: now,
            },
        }
    }
}

/// A camera's editable fields, all valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Fields {
    pub(super) name: String,
    /// Masked; the password, if any, is in `password`.
    pub(super) stream_url: StreamUrl,
    pub(super) password: Option<Password>,
    pub(super) sub_stream: Option<SubStream>,
    pub(super) location: Option<String>,
    pub(super) enabled: bool,
    pub(super) on_demand: bool,
    pub(super) max_readers: i32,
    pub(super) groups: Vec<String>,
    pub(super) recording: RecordingPolicy,
    pub(super) external_id: Option<String>,
    pub(super) node_labels: Labels,
}

impl Fields {
    /// A typed password that is the stored one keeps its sealed form, so a
    /// write that repeats it (an import run again) changes nothing.
    pub(super) fn reusing_sealed_password(mut self, current: &Camera, key: &SecretKey) -> Self {
        reuse_sealed(
            &mut self.password,
            current.stream_url.sealed(),
            current.id,
            key,
        );
        if let Some(sub) = &mut self.sub_stream {
            let stored = current.sub_stream_url.as_ref().and_then(StoredUrl::sealed);
            reuse_sealed(&mut sub.password, stored, current.id, key);
        }
        self
    }
}

/// `password`, when typed as `sealed` holds it, becomes `sealed` itself.
fn reuse_sealed(
    password: &mut Option<Password>,
    sealed: Option<&Sealed>,
    camera_id: i64,
    key: &SecretKey,
) {
    if let (Some(Password::Typed(typed)), Some(sealed)) = (&password, sealed)
        && key
            .open(camera_id, sealed)
            .is_ok_and(|stored| stored.expose() == typed.expose())
    {
        *password = Some(Password::Kept(sealed.clone()));
    }
}

/// A sub-stream's address as a write leaves it: masked, its password apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SubStream {
    pub(super) url: StreamUrl,
    pub(super) password: Option<Password>,
}

/// The password a write leaves a camera with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Password {
    /// The stored one, still sealed: the client sent the mask back.
    Kept(Sealed),
    /// Typed by the client; sealed as it is written.
    Typed(Secret),
}

impl Password {
    pub(super) fn seal(self, camera_id: i64, key: &SecretKey) -> Sealed {
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
            sub_stream: camera.sub_stream_url.as_ref().map(|stored| SubStream {
                url: stored.masked_url().clone(),
                password: stored.sealed().cloned().map(Password::Kept),
            }),
            location: camera.location.clone(),
            enabled: camera.enabled,
            on_demand: camera.on_demand,
            max_readers: camera.max_readers,
            groups: camera.groups.clone(),
            recording: camera.recording,
            external_id: camera.external_id.clone(),
            node_labels: camera.node_labels.clone(),
        }
    }
}
