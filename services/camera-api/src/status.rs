//! What each camera is doing now, derived from three sources: the registry
//! (enabled, provisioning), MediaMTX's runtime paths (one `/v3/paths/list`
//! per request, however many cameras), and the camera's last probe.

use std::collections::HashMap;

use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;
use sqlx::PgPool;
use sqlx::types::Json;
use utoipa::ToSchema;

use crate::cameras::{self, Listed, ProvisioningState};
use crate::db;
use crate::media::Probe;
use crate::mediamtx::{self, PathState};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// MediaMTX is receiving the camera.
    Live,
    /// On demand and nobody is watching, so nothing is pulled. Not a fault.
    Idle,
    /// The last pull or probe failed (see `code` and `reason`).
    Offline,
    /// Switched off by an operator.
    Disabled,
    /// MediaMTX refused the camera's configuration.
    Error,
}

impl State {
    pub fn parse(raw: &str) -> Option<State> {
        [
            State::Live,
            State::Idle,
            State::Offline,
            State::Disabled,
            State::Error,
        ]
        .into_iter()
        .find(|state| state.as_str() == raw)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Idle => "idle",
            Self::Offline => "offline",
            Self::Disabled => "disabled",
            Self::Error => "error",
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CameraStatus {
    pub id: i64,
    pub state: State,
    /// Why, in plain words.
    pub reason: Option<String>,
    /// For `offline` and `error`: a probe code (`AUTH`, `NOT_FOUND`,
    /// `UNREACHABLE`, `TIMEOUT`, `BAD_STREAM`, `FFMPEG_EXIT`), or
    /// `NO_SOURCE`, `NOT_PROVISIONED`, `MEDIAMTX_UNREACHABLE`, `PROVISIONING`.
    #[schema(example = "AUTH")]
    pub code: Option<String>,
    /// Since when the camera has been in this state (and code): from
    /// MediaMTX or the probes where they know, else since Camplane first
    /// showed it. It moves when the state does, and only then.
    pub since: Option<DateTime<Utc>>,
    pub provisioning: ProvisioningState,
    /// Viewers MediaMTX is serving.
    pub readers: usize,
    /// Bytes received from the camera since its stream started.
    pub bytes_received: u64,
    pub tracks: Vec<TrackInfo>,
    pub probed_at: Option<DateTime<Utc>>,
    /// The last probe, if any.
    pub probe: Option<Probe>,
    /// The sub-stream's status, by the same rules, when the camera has one
    /// (null otherwise).
    pub sub_stream: Option<SubStreamStatus>,
    /// The MediaMTX node serving it (its name), when nodes are registered
    /// and it is placed on one (docs/nodes.md).
    #[schema(example = "mtx-north-1")]
    pub node: Option<String>,
}

/// What a camera's sub-stream (its path `cam_<id>_sub`, always on demand)
/// is doing.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubStreamStatus {
    #[schema(example = "cam_42_sub")]
    pub path: String,
    pub state: State,
    pub reason: Option<String>,
    /// As the camera's `code`.
    pub code: Option<String>,
    /// Since when the sub-stream has been in this state (as the camera's
    /// `since`).
    pub since: Option<DateTime<Utc>>,
    pub readers: usize,
    pub bytes_received: u64,
    pub tracks: Vec<TrackInfo>,
    /// The sub-stream's last probe, made with the camera's.
    pub probe: Option<Probe>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrackInfo {
    #[schema(example = "H264")]
    pub codec: String,
    pub width: Option<u64>,
    pub height: Option<u64>,
    pub profile: Option<String>,
}

/// The last probe of a camera, as stored.
#[derive(Debug, Clone)]
pub struct LastProbe {
    pub probe: Probe,
    pub failing_since: Option<DateTime<Utc>>,
    /// Its sub-stream's, probed at the same time.
    pub sub_stream: Option<Probe>,
}

/// MediaMTX's view of a camera's paths (its main one, its sub-stream's),
/// or why there is none.
pub enum Runtime<'a> {
    Known {
        main: Option<&'a PathState>,
        sub: Option<&'a PathState>,
    },
    Unknown,
}

/// Keeps the probe (and its sub-stream's) as the camera's last; `NotFound`
/// when the camera was deleted while it was being probed.
pub async fn record_probe(
    db: &PgPool,
    camera_id: i64,
    probe: &Probe,
    sub_stream: Option<&Probe>,
) -> cameras::Result<()> {
    sqlx::query!(
        r#"INSERT INTO camera_probes (camera_id, probed_at, ok, failing_since, result, sub_stream_result)
           VALUES ($1, $2::timestamptz, $3::bool, CASE WHEN $3::bool THEN NULL ELSE $2::timestamptz END, $4, $5)
           ON CONFLICT (camera_id) DO UPDATE
           SET probed_at = EXCLUDED.probed_at, ok = EXCLUDED.ok, result = EXCLUDED.result,
               sub_stream_result = EXCLUDED.sub_stream_result,
               failing_since = CASE WHEN EXCLUDED.ok THEN NULL
                                    ELSE coalesce(camera_probes.failing_since, EXCLUDED.probed_at) END"#,
        camera_id,
        probe.probed_at,
        probe.ok,
        Json(probe) as _,
        sub_stream.map(Json) as _,
    )
    .execute(db)
    .await
    .map_err(|err| match db::violates(&err, "camera_probes_camera_id_fkey") {
        true => cameras::Error::NotFound,
        false => cameras::Error::Database(err.into()),
    })?;
    Ok(())
}

async fn last_probes(db: &PgPool, ids: &[i64]) -> Result<HashMap<i64, LastProbe>, db::Error> {
    let rows = sqlx::query!(
        r#"SELECT camera_id, failing_since, result AS "result: Json<Probe>",
                  sub_stream_result AS "sub_stream_result: Json<Probe>"
           FROM camera_probes WHERE camera_id = ANY($1)"#,
        ids,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            (
                row.camera_id,
                LastProbe {
                    probe: row.result.0,
                    failing_since: row.failing_since,
                    sub_stream: row.sub_stream_result.map(|probe| probe.0),
                },
            )
        })
        .collect())
}

/// The status of each camera, in the order given.
pub async fn of_cameras(
    db: &PgPool,
    mediamtx: &mediamtx::Client,
    cameras: &[Listed],
) -> Result<Vec<CameraStatus>, db::Error> {
    of_cameras_in(db, &RuntimePaths::now(db, mediamtx).await, cameras).await
}

/// How many cameras a status of the whole fleet (or of all those in one
/// state) derives at a time: at 100,000 cameras, deriving them all at once
/// held the fleet several times over.
pub const CHUNK: usize = 1_000;

/// What MediaMTX runs now (`None`: it did not answer), read once for the
/// chunks of a whole fleet.
pub struct RuntimePaths(Option<HashMap<String, PathState>>);

impl RuntimePaths {
    pub async fn now(db: &PgPool, mediamtx: &mediamtx::Client) -> Self {
        Self(crate::nodes::runtime_paths(db, mediamtx).await)
    }
}

/// The status of each camera, in the order given, as MediaMTX ran at
/// `paths`.
pub async fn of_cameras_in(
    db: &PgPool,
    paths: &RuntimePaths,
    cameras: &[Listed],
) -> Result<Vec<CameraStatus>, db::Error> {
    let ids: Vec<i64> = cameras.iter().map(|camera| camera.id).collect();
    let probes = last_probes(db, &ids).await?;
    let mut statuses: Vec<CameraStatus> = cameras
        .iter()
        .map(|camera| {
            let runtime = match &paths.0 {
                Some(paths) => Runtime::Known {
                    main: paths.get(&camera.path().to_string()),
                    sub: camera
                        .sub_path()
                        .and_then(|path| paths.get(&path.to_string())),
                },
                None => Runtime::Unknown,
            };
            derive(camera, runtime, probes.get(&camera.id))
        })
        .collect();
    let nodes = crate::nodes::names_of_cameras(db, &ids).await?;
    for status in &mut statuses {
        status.node = nodes.get(&status.id).cloned();
    }
    remember_states(db, &mut statuses).await?;
    Ok(statuses)
}

/// A stream's state, code and since, as last stored.
type Remembered = (String, Option<String>, DateTime<Utc>);

/// Fills in `since` where the status's sources don't know it: the moment
/// the state (and code) was first seen, kept until it changes, for the
/// camera and for its sub-stream each. A state seen for the first time is
/// stored, in one statement for the whole set.
async fn remember_states(db: &PgPool, statuses: &mut [CameraStatus]) -> Result<(), db::Error> {
    let ids: Vec<i64> = statuses.iter().map(|status| status.id).collect();
    let known: HashMap<(i64, String), Remembered> = sqlx::query!(
        "SELECT camera_id, stream, state, code, since FROM camera_states
         WHERE camera_id = ANY($1)",
        &ids,
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|row| {
        (
            (row.camera_id, row.stream),
            (row.state, row.code, row.since),
        )
    })
    .collect();
    // PostgreSQL keeps microseconds: the first answer says what later ones will.
    let now = Utc::now().trunc_subsecs(6);
    let mut changed = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let streams = statuses.iter_mut().flat_map(|status| {
        let sub = status
            .sub_stream
            .as_mut()
            .map(|sub| (status.id, "sub", sub.state, &sub.code, &mut sub.since));
        [
            Some((
                status.id,
                "main",
                status.state,
                &status.code,
                &mut status.since,
            )),
            sub,
        ]
        .into_iter()
        .flatten()
    });
    for (id, stream, state, code, since) in streams {
        let same = known
            .get(&(id, stream.to_owned()))
            .filter(|(known, known_code, _)| known == state.as_str() && known_code == code);
        match same {
            Some((_, _, known_since)) => {
                since.get_or_insert(*known_since);
            }
            None => {
                let since = *since.get_or_insert(now);
                changed.0.push(id);
                changed.1.push(stream);
                changed.2.push(state.as_str().to_owned());
                changed.3.push(code.clone());
                changed.4.push(since);
            }
        }
    }
    if changed.0.is_empty() {
        return Ok(());
    }
    // Readers on several replicas may race to record one change; the first
    // wins and the others change nothing. A camera deleted meanwhile has no
    // state to keep.
    sqlx::query!(
        r#"INSERT INTO camera_states (camera_id, stream, state, code, since)
           SELECT s.camera_id, s.stream, s.state, s.code, s.since
           FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
                AS s(camera_id, stream, state, code, since)
           WHERE EXISTS (SELECT 1 FROM cameras c WHERE c.id = s.camera_id)
           ON CONFLICT (camera_id, stream) DO UPDATE
           SET state = EXCLUDED.state, code = EXCLUDED.code, since = EXCLUDED.since
           WHERE (camera_states.state, camera_states.code)
                 IS DISTINCT FROM (EXCLUDED.state, EXCLUDED.code)"#,
        &changed.0,
        &changed.1 as &[&str],
        &changed.2,
        &changed.3 as &[Option<String>],
        &changed.4,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The rules, in order: an operator's switch, then MediaMTX's refusal, then
/// what MediaMTX sees, then the last probe. See docs/api.md, "Camera status".
pub fn derive(camera: &Listed, runtime: Runtime<'_>, last: Option<&LastProbe>) -> CameraStatus {
    let (main, sub, known) = match runtime {
        Runtime::Known { main, sub } => (main, sub, true),
        Runtime::Unknown => (None, None, false),
    };
    let failed = last
        .filter(|last| !last.probe.ok)
        .map(|last| (&last.probe, last.failing_since));
    let (state, code, reason, since) =
        stream_state(camera, known, main, failed, camera.pulled_on_demand());
    let sub_stream = camera.sub_path().map(|path| {
        let probe = last.and_then(|last| last.sub_stream.clone());
        let failed = probe.as_ref().filter(|probe| !probe.ok).map(|p| (p, None));
        // Always pulled on demand (`reconcile::plan::sub_spec`).
        let (state, code, reason, since) = stream_state(camera, known, sub, failed, true);
        SubStreamStatus {
            path: path.to_string(),
            state,
            code,
            since,
            reason: Some(reason),
            readers: sub.map_or(0, |path| path.readers.len()),
            bytes_received: sub.map_or(0, PathState::inbound_bytes),
            tracks: sub.map(tracks).unwrap_or_default(),
            probe,
        }
    });
    CameraStatus {
        id: camera.id,
        state,
        reason: Some(reason),
        code,
        since,
        provisioning: camera.provisioning_state(),
        readers: main.map_or(0, |path| path.readers.len()),
        bytes_received: main.map_or(0, PathState::inbound_bytes),
        tracks: main.map(tracks).unwrap_or_default(),
        probed_at: last.map(|last| last.probe.probed_at),
        probe: last.map(|last| last.probe.clone()),
        sub_stream,
        node: None,
    }
}

/// One stream's state, code, reason and (where its source knows it
/// exactly) since when; `of_cameras` fills in the rest of `since` from when
/// the state was first seen. `known`: whether MediaMTX answered; `path`:
/// the stream's path there; `failed`: its last probe, if that failed, and
/// since when probes fail.
fn stream_state(
    camera: &Listed,
    known: bool,
    path: Option<&PathState>,
    failed: Option<(&Probe, Option<DateTime<Utc>>)>,
    pulled_on_demand: bool,
) -> (State, Option<String>, String, Option<DateTime<Utc>>) {
    let (state, code, reason, since): (State, Option<&str>, String, Option<DateTime<Utc>>) =
        if !camera.enabled {
            (
                State::Disabled,
                None,
                "disabled by an operator".into(),
                None,
            )
        } else if camera.provisioning_state() == ProvisioningState::Error {
            let detail = camera
                .provisioning()
                .detail
                .unwrap_or_else(|| "MediaMTX refused the camera".into());
            (State::Error, Some("PROVISIONING"), detail, None)
        } else if !known {
            (
                State::Offline,
                Some("MEDIAMTX_UNREACHABLE"),
                "MediaMTX is not answering".into(),
                None,
            )
        } else if path.is_some_and(PathState::is_available) {
            (
                State::Live,
                None,
                "MediaMTX is receiving the camera".into(),
                path.and_then(PathState::available_since),
            )
        } else if let Some((probe, failing_since)) = failed {
            let code = probe.code.map(|code| code.as_str());
            let reason = probe.detail.clone().unwrap_or_default();
            (State::Offline, code, reason, failing_since)
        } else if path.is_none() {
            let reason = "waiting for MediaMTX to be configured for this camera".into();
            (State::Offline, Some("NOT_PROVISIONED"), reason, None)
        } else if !pulled_on_demand || path.is_some_and(|path| !path.readers.is_empty()) {
            let reason = "MediaMTX is not receiving the camera".into();
            (State::Offline, Some("NO_SOURCE"), reason, None)
        } else {
            let reason = "on demand: nothing is pulled until someone watches".into();
            (State::Idle, None, reason, None)
        };
    (state, code.map(str::to_owned), reason, since)
}

fn tracks(path: &PathState) -> Vec<TrackInfo> {
    if path.tracks2.is_empty() {
        // MediaMTX before v1.17 names the codecs only.
        let names = path.tracks.iter();
        return names
            .map(|codec| TrackInfo {
                codec: codec.clone(),
                width: None,
                height: None,
                profile: None,
            })
            .collect();
    }
    path.tracks2
        .iter()
        .map(|track| TrackInfo {
            codec: track.codec.clone(),
            width: track.codec_props["width"].as_u64(),
            height: track.codec_props["height"].as_u64(),
            profile: track.codec_props["profile"].as_str().map(str::to_owned),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::cameras::{Camera, StoredUrl};

    fn camera(sub_stream: Option<&str>) -> Camera {
        let url = |url: &str| StoredUrl::from_columns(url, None, None).unwrap();
        Camera {
            sub_stream_url: sub_stream.map(url),
            ..Camera::for_tests(7, url("rtsp://10.1.2.3/1"))
        }
    }

    fn path(state: serde_json::Value) -> PathState {
        serde_json::from_value(state).unwrap()
    }

    #[test]
    fn a_sub_stream_has_a_state_of_its_own_by_the_same_rules() {
        let both = Listed::from(&camera(Some("rtsp://10.1.2.3/2")));
        let main = path(json!({"name": "cam_7", "available": true}));
        let idle = path(json!({"name": "cam_7_sub", "available": false}));
        let live = path(json!({
            "name": "cam_7_sub", "available": true, "readers": [{"type": "webRTCSession"}],
            "tracks2": [{"codec": "H264", "codecProps": {"width": 320, "height": 180}}],
        }));
        let sub_of = |sub: Option<&PathState>| {
            let runtime = Runtime::Known {
                main: Some(&main),
                sub,
            };
            let status = derive(&both, runtime, None);
            assert_eq!(status.state, State::Live, "the main stream's own");
            status.sub_stream.expect("a sub-stream status")
        };
        let sub = sub_of(Some(&idle));
        assert_eq!((sub.path.as_str(), sub.state), ("cam_7_sub", State::Idle));
        let sub = sub_of(Some(&live));
        assert_eq!((sub.state, sub.readers), (State::Live, 1));
        assert_eq!(
            (sub.tracks[0].width, sub.tracks[0].height),
            (Some(320), Some(180))
        );
        let sub = sub_of(None);
        assert_eq!(
            (sub.state, sub.code.as_deref()),
            (State::Offline, Some("NOT_PROVISIONED"))
        );

        let unknown = derive(&both, Runtime::Unknown, None).sub_stream.unwrap();
        assert_eq!(unknown.code.as_deref(), Some("MEDIAMTX_UNREACHABLE"));
        let without = derive(&Listed::from(&camera(None)), Runtime::Unknown, None);
        assert!(without.sub_stream.is_none());
    }
}
