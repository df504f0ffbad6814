//! What MediaMTX should hold, and the smallest set of writes that gets it
//! there. Pure functions: the controller feeds them what it read.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use crate::cameras::{RecordingMode, RecordingPolicy};
use crate::mediamtx::{
    PathConfig, PathConfigs, PathSpec, camera_of_path, path_name, sub_path_name,
};

/// How on-demand sources behave; the same for every camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceSettings {
    pub start_timeout: Duration,
    pub close_after: Duration,
}

/// One path of a camera as the reconciler sees it (`cam_<id>`, and
/// `cam_<id>_sub` for its sub-stream): the camera's version and what the
/// path should be.
#[derive(Debug, Clone)]
pub struct Desired {
    pub id: i64,
    /// Whether this is the camera's sub-stream path (`cam_<id>_sub`), else
    /// its main one: the name is made when needed, not held for each of a
    /// fleet's paths.
    pub sub: bool,
    pub version: i64,
    pub spec: Wanted,
    /// Whether the camera's provisioning already says `ready` at this
    /// version: converging again changes nothing to record.
    pub settled: bool,
}

/// What one path should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wanted {
    /// No path, as for a disabled camera or one without a sub-stream.
    Absent,
    /// This path. Boxed: a spec is far larger than the other cases.
    Path(Box<PathSpec>),
    /// The path MediaMTX holds, which is already as it should be. A pass
    /// keeps this rather than the spec it compared: at 20,000 enabled
    /// cameras those specs were most of a pass's memory, to write none.
    AsHeld,
    /// Unknown, for this reason (the camera's password does not open):
    /// MediaMTX is left as it is.
    Unknown(String),
}

impl From<Result<Option<PathSpec>, String>> for Wanted {
    fn from(known: Result<Option<PathSpec>, String>) -> Self {
        match known {
            Ok(Some(spec)) => Self::Path(Box::new(spec)),
            Ok(None) => Self::Absent,
            Err(why) => Self::Unknown(why),
        }
    }
}

impl Desired {
    pub fn path(&self) -> String {
        match self.sub {
            false => path_name(self.id),
            true => sub_path_name(self.id),
        }
    }

    /// This path as `actual`, what MediaMTX holds of it, leaves it:
    /// `AsHeld` when that is already what it should be.
    pub fn against(self, actual: Option<&PathConfig>) -> Self {
        match (&self.spec, actual) {
            (Wanted::Path(spec), Some(actual)) if same(spec, actual) => Self {
                spec: Wanted::AsHeld,
                ..self
            },
            _ => self,
        }
    }
}

/// How MediaMTX writes recordings; the same for every camera.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordSettings {
    /// MediaMTX's `recordPath`: where, under which names.
    pub path: String,
    /// MediaMTX's `recordSegmentDuration`: the longest file, and the unit
    /// in which recordings are deleted.
    pub segment: Duration,
}

/// The format of every recording: the playback server reads no other.
const RECORD_FORMAT: &str = "fmp4";

pub fn spec(
    stream_url: &str,
    on_demand: bool,
    max_readers: i32,
    recording: &RecordingPolicy,
    source: SourceSettings,
    record: &RecordSettings,
) -> PathSpec {
    PathSpec {
        source: stream_url.to_owned(),
        // MediaMTX records only what it reads.
        source_on_demand: on_demand && !recording.records(),
        source_on_demand_start_timeout: go_duration(source.start_timeout),
        source_on_demand_close_after: go_duration(source.close_after),
        max_readers: i64::from(max_readers),
        // Cameras behind NAT and firewalls rarely pass RTP over UDP; TCP
        // interleaving always works and avoids the UDP-then-TCP fallback delay.
        rtsp_transport: "tcp".to_owned(),
        record: recording.records(),
        record_path: record.path.clone(),
        record_format: RECORD_FORMAT.to_owned(),
        record_segment_duration: go_duration(record.segment),
        // Set while recording is off too, so what was recorded still
        // expires. MediaMTX refuses a retention shorter than a segment.
        record_delete_after: go_duration(recording.retention.max(record.segment)),
    }
}

/// The path of a camera's sub-stream: pulled only while someone watches,
/// and never recorded (recordings are of the main stream), whatever the
/// camera's own settings; its viewers count against the same limit.
pub fn sub_spec(
    stream_url: &str,
    max_readers: i32,
    recording: &RecordingPolicy,
    source: SourceSettings,
    record: &RecordSettings,
) -> PathSpec {
    let not_recorded = RecordingPolicy {
        mode: RecordingMode::Off,
        ..*recording
    };
    spec(stream_url, true, max_readers, &not_recorded, source, record)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    Put {
        path: String,
        /// Boxed: a spec is far larger than a delete.
        spec: Box<PathSpec>,
        kind: PutKind,
    },
    Delete {
        path: String,
        orphan: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutKind {
    Add,
    Update,
}

impl Write {
    pub fn path(&self) -> &str {
        match self {
            Self::Put { path, .. } | Self::Delete { path, .. } => path,
        }
    }
}

/// Whether Camplane owns a path: `cam_` followed by digits, and
/// optionally `_sub`; nothing else.
pub fn is_owned(path: &str) -> bool {
    camera_of_path(path).is_some()
}

/// The write (if any) that converges one camera's path.
pub fn write_for(desired: &Desired, actual: Option<&PathConfig>) -> Option<Write> {
    let path = desired.path();
    match (&desired.spec, actual) {
        (Wanted::Path(spec), None) => Some(Write::Put {
            path,
            spec: spec.clone(),
            kind: PutKind::Add,
        }),
        (Wanted::Path(spec), Some(actual)) if !same(spec, actual) => Some(Write::Put {
            path,
            spec: spec.clone(),
            kind: PutKind::Update,
        }),
        (Wanted::Absent, Some(_)) => Some(Write::Delete {
            path,
            orphan: false,
        }),
        _ => None,
    }
}

/// Every write that converges MediaMTX on the cameras; `actual` is keyed by
/// path name and may hold foreign paths, which are never touched.
pub fn writes(cameras: &[Desired], actual: &PathConfigs) -> Vec<Write> {
    // Kept for MediaMTX's paths rather than for the cameras: a fleet holds
    // far more cameras than paths (most disabled, or served elsewhere).
    let mut orphans: HashSet<(i64, bool)> = actual
        .names()
        .filter_map(|path| Some((camera_of_path(path)?, path.ends_with("_sub"))))
        .collect();
    let mut writes: Vec<Write> = cameras
        .iter()
        .filter_map(|camera| {
            orphans.remove(&(camera.id, camera.sub));
            write_for(camera, actual.get(&camera.path()))
        })
        .collect();
    writes.extend(
        actual
            .names()
            .filter(|path| {
                camera_of_path(path)
                    .is_some_and(|id| orphans.contains(&(id, path.ends_with("_sub"))))
            })
            .map(|path| Write::Delete {
                path: path.to_owned(),
                orphan: true,
            }),
    );
    writes
}

/// Every path MediaMTX should hold, for its configuration file: each
/// enabled camera's, and for a path held as it should be or whose camera's
/// password can't be opened, the path MediaMTX has now (left as it is, as
/// the API lane leaves it). A source
/// MediaMTX would refuse is left out: one refused path fails the reload of
/// the whole file, so those cameras go through the API, which refuses them
/// one by one.
pub fn file_paths(cameras: &[Desired], actual: &PathConfigs) -> BTreeMap<String, PathSpec> {
    cameras
        .iter()
        .filter_map(|camera| {
            let spec = match &camera.spec {
                Wanted::Path(spec) => {
                    Some(PathSpec::clone(spec)).filter(|spec| mediamtx_accepts(&spec.source))
                }
                Wanted::Absent => None,
                Wanted::AsHeld | Wanted::Unknown(_) => {
                    actual.get(&camera.path()).map(PathSpec::from)
                }
            }?;
            Some((camera.path(), spec))
        })
        .collect()
}

/// What MediaMTX checks of a source URL (`internal/conf/path.go`) beyond what
/// Camplane's own validation already guarantees: escapes Go's `url.Parse`
/// accepts (rows stored before Camplane checked them may lack them).
fn mediamtx_accepts(source: &str) -> bool {
    crate::cameras::has_whole_escapes(source)
}

/// Compares by meaning: MediaMTX re-formats durations and reports its
/// defaults, so a textual comparison would rewrite (and drop the viewers of)
/// every path on every pass.
pub fn same(spec: &PathSpec, actual: &PathConfig) -> bool {
    spec.source == actual.source
        && spec.source_on_demand == actual.source_on_demand
        && spec.max_readers == actual.max_readers
        && spec.rtsp_transport == actual.rtsp_transport
        && spec.record == actual.record
        && spec.record_path == actual.record_path
        && spec.record_format == actual.record_format
        && same_duration(
            &spec.record_segment_duration,
            &actual.record_segment_duration,
        )
        && same_duration(&spec.record_delete_after, &actual.record_delete_after)
        && same_duration(
            &spec.source_on_demand_start_timeout,
            &actual.source_on_demand_start_timeout,
        )
        && same_duration(
            &spec.source_on_demand_close_after,
            &actual.source_on_demand_close_after,
        )
}

fn same_duration(a: &str, b: &str) -> bool {
    matches!((parse_go_duration(a), parse_go_duration(b)), (Some(a), Some(b)) if a == b)
}

/// Formats a duration the way MediaMTX accepts it.
pub fn go_duration(duration: Duration) -> String {
    match duration.subsec_millis() {
        0 => format!("{}s", duration.as_secs()),
        _ => format!("{}ms", duration.as_millis()),
    }
}

/// Parses MediaMTX's durations: Go's syntax (`1h0m0s`, `1.5s`, `500ms`) plus
/// its `d` for days (`1d2h`).
pub fn parse_go_duration(text: &str) -> Option<Duration> {
    const UNITS: [(&str, f64); 8] = [
        ("ns", 1e-9),
        ("us", 1e-6),
        ("µs", 1e-6),
        ("ms", 1e-3),
        ("s", 1.0),
        ("m", 60.0),
        ("h", 3600.0),
        ("d", 86400.0),
    ];
    if text == "0" {
        return Some(Duration::ZERO);
    }
    let mut rest = text;
    let mut seconds = 0.0;
    while !rest.is_empty() {
        let number_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let number: f64 = rest[..number_end].parse().ok()?;
        rest = &rest[number_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let (_, scale) = UNITS.iter().find(|(unit, _)| *unit == &rest[..unit_end])?;
        seconds += number * scale;
        rest = &rest[unit_end..];
    }
    (!text.is_empty()).then(|| Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SETTINGS: SourceSettings = SourceSettings {
        start_timeout: Duration::from_secs(10),
        close_after: Duration::from_secs(60),
    };

    const NOT_RECORDING: RecordingPolicy = RecordingPolicy {
        mode: RecordingMode::Off,
        retention: Duration::from_secs(7 * 86_400),
        storage_budget_bytes: None,
    };

    fn record_settings() -> RecordSettings {
        RecordSettings {
            path: "/recordings/%path/%Y-%m-%d_%H-%M-%S-%f%z".into(),
            segment: Duration::from_secs(600),
        }
    }

    fn camera_spec(id: i64, recording: &RecordingPolicy) -> PathSpec {
        spec(
            &format!("rtsp://u:p@h/{id}"),
            true,
            0,
            recording,
            SETTINGS,
            &record_settings(),
        )
    }

    fn desired(id: i64, enabled: bool) -> Desired {
        Desired {
            id,
            sub: false,
            version: 1,
            spec: match enabled {
                true => Wanted::Path(Box::new(camera_spec(id, &NOT_RECORDING))),
                false => Wanted::Absent,
            },
            settled: false,
        }
    }

    fn spec_of(desired: &Desired) -> Box<PathSpec> {
        match &desired.spec {
            Wanted::Path(spec) => spec.clone(),
            other => panic!("no spec: {other:?}"),
        }
    }

    /// What MediaMTX reports back for a spec: merged defaults, Go durations.
    fn reported(spec: &PathSpec, name: &str) -> PathConfig {
        PathConfig {
            name: name.to_owned(),
            source: spec.source.clone(),
            source_on_demand: spec.source_on_demand,
            source_on_demand_start_timeout: "10s".into(),
            source_on_demand_close_after: "1m0s".into(),
            max_readers: spec.max_readers,
            rtsp_transport: spec.rtsp_transport.clone(),
            record: spec.record,
            record_path: spec.record_path.clone(),
            record_format: spec.record_format.clone(),
            record_segment_duration: "10m0s".into(),
            record_delete_after: "7d".into(),
        }
    }

    #[test]
    fn a_recording_camera_is_always_pulled_and_keeps_at_least_a_segment() {
        let recording = RecordingPolicy {
            mode: RecordingMode::Continuous,
            retention: Duration::from_secs(30),
            storage_budget_bytes: None,
        };
        let spec = camera_spec(1, &recording);
        assert!(spec.record && !spec.source_on_demand);
        assert_eq!(spec.record_format, "fmp4");
        assert_eq!(spec.record_segment_duration, "600s");
        assert_eq!(spec.record_delete_after, "600s");
        let spec = camera_spec(1, &NOT_RECORDING);
        assert!(!spec.record && spec.source_on_demand);
        assert_eq!(
            spec.record_delete_after, "604800s",
            "what was recorded still expires"
        );
    }

    #[test]
    fn go_durations_parse() {
        for (text, secs) in [
            ("10s", 10.0),
            ("1m0s", 60.0),
            ("1h0m0s", 3600.0),
            ("1d", 86400.0),
            ("1d2h", 93600.0),
            ("1.5s", 1.5),
            ("500ms", 0.5),
            ("0s", 0.0),
            ("0", 0.0),
        ] {
            assert_eq!(
                parse_go_duration(text),
                Some(Duration::from_secs_f64(secs)),
                "{text}"
            );
        }
        for bad in ["", "10", "s", "10x", "1h-5m"] {
            assert_eq!(parse_go_duration(bad), None, "{bad}");
        }
        assert_eq!(go_duration(Duration::from_secs(60)), "60s");
        assert_eq!(go_duration(Duration::from_millis(1500)), "1500ms");
    }

    #[test]
    fn a_path_reported_back_reformatted_needs_no_write() {
        let camera = desired(1, true);
        let actual = reported(&spec_of(&camera), "cam_1");
        assert_eq!(write_for(&camera, Some(&actual)), None);
    }

    #[test]
    fn a_path_held_as_it_should_be_is_kept_without_its_spec_and_written_back_as_held() {
        let camera = desired(1, true);
        let mut held = reported(&spec_of(&camera), "cam_1");
        held.record_delete_after = "168h0m0s".into();
        let kept = camera.clone().against(Some(&held));
        assert_eq!(kept.spec, Wanted::AsHeld);
        assert_eq!(write_for(&kept, Some(&held)), None);
        let actual = PathConfigs::from_iter([held.clone()]);
        assert_eq!(writes(std::slice::from_ref(&kept), &actual), vec![]);
        assert_eq!(
            file_paths(&[kept], &actual),
            BTreeMap::from([("cam_1".to_owned(), PathSpec::from(&held))]),
            "the file keeps what MediaMTX holds"
        );

        let mut drifted = held.clone();
        drifted.source = "rtsp://u:p@h/other".into();
        for actual in [Some(&drifted), None] {
            let spec = camera.clone().against(actual).spec;
            assert_eq!(spec, Wanted::Path(spec_of(&camera)), "{actual:?}");
        }
    }

    #[test]
    fn each_difference_is_one_write() {
        let camera = desired(1, true);
        let spec = spec_of(&camera);
        assert!(matches!(
            write_for(&camera, None),
            Some(Write::Put {
                kind: PutKind::Add,
                ..
            })
        ));
        for change in [
            |c: &mut PathConfig| c.source = "rtsp://u:p@h/other".into(),
            |c: &mut PathConfig| c.source_on_demand = false,
            |c: &mut PathConfig| c.max_readers = 3,
            |c: &mut PathConfig| c.rtsp_transport = "automatic".into(),
            |c: &mut PathConfig| c.source_on_demand_close_after = "10s".into(),
            |c: &mut PathConfig| c.record = true,
            |c: &mut PathConfig| c.record_path = "./recordings/%path/%s-%f".into(),
            |c: &mut PathConfig| c.record_format = "mpegts".into(),
            |c: &mut PathConfig| c.record_segment_duration = "1h0m0s".into(),
            |c: &mut PathConfig| c.record_delete_after = "1d".into(),
        ] {
            let mut actual = reported(&spec, "cam_1");
            change(&mut actual);
            assert!(
                matches!(
                    write_for(&camera, Some(&actual)),
                    Some(Write::Put {
                        kind: PutKind::Update,
                        ..
                    })
                ),
                "{actual:?}"
            );
        }
        let disabled = desired(1, false);
        assert_eq!(
            write_for(&disabled, Some(&reported(&spec, "cam_1"))),
            Some(Write::Delete {
                path: "cam_1".into(),
                orphan: false
            })
        );
        assert_eq!(write_for(&disabled, None), None);
    }

    #[test]
    fn a_camera_whose_path_is_unknown_is_left_alone_and_is_no_orphan() {
        let camera = desired(1, true);
        let spec = spec_of(&camera);
        let unknown = Desired {
            spec: Wanted::Unknown("its password does not open".into()),
            ..camera
        };
        let mut other = reported(&spec, "cam_1");
        other.source = "rtsp://u:p@h/other".into();
        assert_eq!(write_for(&unknown, Some(&other)), None);
        assert_eq!(write_for(&unknown, None), None);
        let actual = PathConfigs::from_iter([other]);
        assert_eq!(writes(&[unknown], &actual), vec![]);
    }

    #[test]
    fn orphans_go_and_foreign_paths_stay() {
        let cameras = [desired(1, true), desired(2, false)];
        let actual = PathConfigs::from_iter(
            [
                "cam_1",
                "cam_999",
                "lobby",
                "cam_x",
                "cam_",
                "camera_5",
                "cam_12/sub",
                "cam_1_subx",
            ]
            .map(|name| reported(&spec_of(&cameras[0]), name)),
        );
        let writes = writes(&cameras, &actual);
        assert_eq!(
            writes,
            vec![Write::Delete {
                path: "cam_999".into(),
                orphan: true
            }]
        );
    }

    #[test]
    fn ownership_is_cam_and_digits_only_with_or_without_sub() {
        for owned in ["cam_1", "cam_0042", "cam_1_sub", "cam_0042_sub"] {
            assert!(is_owned(owned), "{owned}");
        }
        for foreign in [
            "lobby",
            "cam_",
            "cam_1a",
            "Cam_1",
            "cam_1/x",
            "xcam_1",
            "cam_sub",
            "cam__sub",
            "cam_1_subx",
            "cam_1_sub_sub",
            "cam_1_SUB",
            "cam_1_sub/x",
        ] {
            assert!(!is_owned(foreign), "{foreign}");
        }
    }

    #[test]
    fn a_sub_stream_is_on_demand_and_never_recorded() {
        let recording = RecordingPolicy {
            mode: RecordingMode::Continuous,
            ..NOT_RECORDING
        };
        let sub = sub_spec(
            "rtsp://u:p@h/2",
            4,
            &recording,
            SETTINGS,
            &record_settings(),
        );
        assert!(sub.source_on_demand && !sub.record);
        assert_eq!(sub.max_readers, 4);
        assert_eq!(sub.source, "rtsp://u:p@h/2");
    }

    #[test]
    fn a_sub_path_comes_and_goes_with_its_sub_stream() {
        let spec = spec_of(&desired(1, true));
        let sub = |spec: Wanted| Desired {
            id: 1,
            sub: true,
            version: 1,
            spec,
            settled: false,
        };
        let cameras = [desired(1, true), sub(Wanted::Path(spec.clone()))];
        let main_only = PathConfigs::from_iter([reported(&spec, "cam_1")]);
        assert_eq!(
            writes(&cameras, &main_only)
                .iter()
                .map(Write::path)
                .collect::<Vec<_>>(),
            ["cam_1_sub"]
        );
        let both = PathConfigs::from_iter(["cam_1", "cam_1_sub"].map(|name| reported(&spec, name)));
        assert_eq!(writes(&cameras, &both), vec![]);
        // Cleared: its path goes, as a disabled camera's does.
        assert_eq!(
            writes(&[desired(1, true), sub(Wanted::Absent)], &both),
            vec![Write::Delete {
                path: "cam_1_sub".into(),
                orphan: false
            }]
        );
        // Deleted: both paths are orphans.
        assert_eq!(
            writes(&[], &both)
                .iter()
                .map(Write::path)
                .collect::<Vec<_>>(),
            ["cam_1", "cam_1_sub"]
        );
        assert_eq!(
            file_paths(&cameras, &PathConfigs::default())
                .keys()
                .collect::<Vec<_>>(),
            ["cam_1", "cam_1_sub"]
        );
    }
}
