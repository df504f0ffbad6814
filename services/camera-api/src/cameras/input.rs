//! What clients send to create and edit cameras, its validation into
//! `Fields`, and the OpenAPI schemas generated from the same limits.

use std::collections::BTreeSet;

use serde::{Deserialize, Deserializer};
use utoipa::ToSchema;
use utoipa::openapi::schema::SchemaType;
use utoipa::openapi::{Object, ObjectBuilder, Type};

use super::model::{Fields, Password, SubStream};
use super::{Camera, Error, RecordingInput, RecordingPolicy, Result, StreamUrl};
use crate::auth::Principal;
use crate::groups::{groups_schema, parse_groups};
use crate::redact::PASSWORD_MASK;
use crate::validation::{FieldError, FieldErrors, Labels, LabelsSchema, check_labels};

const NAME_MAX: usize = 100;
const LOCATION_MAX: usize = 200;
const MAX_READERS_MAX: i64 = 1000;
const EXTERNAL_ID_MAX: usize = 200;

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

/// The schema of a sub-stream URL: a stream URL, or none.
pub fn sub_stream_url_schema() -> Object {
    let mut schema = stream_url_schema();
    schema.schema_type = SchemaType::from_iter([Type::String, Type::Null]);
    schema.description = Some(
        "The camera's second, low-resolution stream (often `.../stream2` or \
         `.../Channels/102`), which the console's grid plays (MediaMTX path \
         `cam_<id>_sub`, always on demand, never recorded); blank or null for none. The same \
         rules as `stream_url`; `***` as the password stands for the stored sub-stream \
         password, or else for the main URL's, at that URL's own server (same scheme, host \
         and port) only."
            .to_owned(),
    );
    schema.examples = vec![serde_json::json!(
        "rtsp://admin:secret@192.0.2.10:554/stream2"
    )];
    schema
}

/// The schema of an external id, from what `parse_external_id` checks.
pub fn external_id_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .description(Some(format!(
            "The camera's id in another system (an asset register, the previous VMS): up to \
             {EXTERNAL_ID_MAX} characters, no control characters or invisible formatting, \
             unique among all cameras; blank or null for none. A bulk import finds the camera \
             by it."
        )))
        .max_length(Some(EXTERNAL_ID_MAX))
        .pattern(Some(format!(r"^[^{NOT_IN_LABELS}]*$")))
        .examples(["ASSET-00042"])
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
    #[schema(schema_with = sub_stream_url_schema)]
    pub sub_stream_url: Option<String>,
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
    /// What it records and for how long (defaults: the service's settings).
    #[serde(default)]
    pub recording: Option<RecordingInput>,
    #[serde(default)]
    #[schema(schema_with = external_id_schema)]
    pub external_id: Option<String>,
    /// Labels a MediaMTX node must carry to serve the camera (default none),
    /// e.g. its site; written as a node's labels are. Ignored while no node
    /// is registered (docs/nodes.md).
    #[serde(default)]
    #[schema(value_type = Option<LabelsSchema>)]
    pub node_labels: Option<Labels>,
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
    /// `null` (or blank) removes the sub-stream; the mask keeps a password.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = sub_stream_url_schema)]
    pub sub_stream_url: Option<Option<String>>,
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
    /// Only the recording fields sent change.
    #[serde(default, deserialize_with = "present")]
    pub recording: Option<Option<RecordingInput>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = external_id_schema)]
    pub external_id: Option<Option<String>>,
    /// Replaces them all; `null` or `{}` asks for none.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<LabelsSchema>)]
    pub node_labels: Option<Option<Labels>>,
}

/// Tells a field sent as `null` (Some(None)) from a field left out (None).
pub(super) fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
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

/// Blank means none, as for a location.
fn parse_external_id(raw: Option<&str>) -> Result<Option<String>, String> {
    raw.map(str::trim)
        .filter(|id| !id.is_empty())
        .map(|id| crate::validation::parse_label(id, EXTERNAL_ID_MAX))
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

/// A sub-stream URL (blank is none), its password typed, or the mask for
/// one of `stored` (an address and its password) at the same server: the
/// sub-stream normally sits on the camera that serves the main stream, with
/// the same login.
fn parse_sub_stream_url(
    raw: Option<&str>,
    stored: &[(&StreamUrl, &Password)],
) -> Result<Option<SubStream>, String> {
    let Some(raw) = raw.map(str::trim).filter(|raw| !raw.is_empty()) else {
        return Ok(None);
    };
    let url = StreamUrl::parse_input(raw)?;
    if !url.has_password_mask() {
        let (masked, typed) = url.split_password();
        return Ok(Some(SubStream {
            url: masked,
            password: typed.map(Password::Typed),
        }));
    }
    if stored.is_empty() {
        return Err(nothing_behind_mask());
    }
    let password = stored
        .iter()
        .find(|(at, _)| at.same_endpoint(&url))
        .map(|(_, password)| (*password).clone())
        .ok_or_else(|| MASK_ELSEWHERE.to_owned())?;
    Ok(Some(SubStream {
        url,
        password: Some(password),
    }))
}

fn required<T>(field: &str, value: Option<T>, errors: &mut FieldErrors) -> Option<T> {
    if value.is_none() {
        errors.push(field, "must not be null");
    }
    value
}

impl NewCameraInput {
    /// `recording` fills what the client left out of its policy.
    pub(super) fn validate(self, recording: RecordingPolicy) -> Result<Fields> {
        let mut errors = FieldErrors::default();
        let name = errors.check("name", parse_name(&self.name));
        let stream_url = errors.check("stream_url", parse_new_stream_url(&self.stream_url));
        let location = errors.check("location", parse_location(self.location.as_deref()));
        let max_readers = errors.check(
            "max_readers",
            parse_max_readers(self.max_readers.unwrap_or(0)),
        );
        let groups = errors.check("groups", parse_groups(&self.groups.unwrap_or_default()));
        let recording = self
            .recording
            .unwrap_or_default()
            .apply_to(recording, &mut errors);
        let external_id = errors.check(
            "external_id",
            parse_external_id(self.external_id.as_deref()),
        );
        let node_labels = self.node_labels.unwrap_or_default();
        errors.check("node_labels", check_labels(&node_labels));
        // `***` in the sub-stream's URL stands for the main URL's password.
        let main = stream_url
            .as_ref()
            .and_then(|(url, password)| Some((url, password.as_ref()?)));
        let sub_stream = errors.check(
            "sub_stream_url",
            parse_sub_stream_url(self.sub_stream_url.as_deref(), main.as_slice()),
        );
        errors.into_result().map_err(Error::Invalid)?;
        let (stream_url, password) = stream_url.expect("checked above");
        Ok(Fields {
            name: name.unwrap_or_default(),
            stream_url,
            password,
            sub_stream: sub_stream.flatten(),
            location: location.flatten(),
            enabled: self.enabled.unwrap_or(true),
            on_demand: self.on_demand.unwrap_or(true),
            max_readers: max_readers.unwrap_or_default(),
            groups: groups.unwrap_or_default(),
            recording,
            external_id: external_id.flatten(),
            node_labels,
        })
    }
}

impl CameraPatch {
    pub(super) fn apply_to(self, current: &Camera) -> Result<Fields> {
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
                None if url.has_password_mask() => Err(nothing_behind_mask()),
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
        if let Some(sub_stream_url) = self.sub_stream_url {
            // The mask keeps the sub-stream's stored password, or takes the
            // main URL's (as it is after this patch).
            let current_sub = current
                .sub_stream_url
                .as_ref()
                .and_then(|stored| Some((stored.masked_url(), stored.sealed()?)))
                .map(|(url, sealed)| (url, Password::Kept(sealed.clone())));
            let mut stored: Vec<(&StreamUrl, &Password)> = Vec::new();
            stored.extend(current_sub.as_ref().map(|(url, password)| (*url, password)));
            stored.extend(fields.password.as_ref().map(|p| (&fields.stream_url, p)));
            if let Some(sub_stream) = errors.check(
                "sub_stream_url",
                parse_sub_stream_url(sub_stream_url.as_deref(), &stored),
            ) {
                fields.sub_stream = sub_stream;
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
        if let Some(recording) = self.recording
            && let Some(recording) = required("recording", recording, &mut errors)
        {
            fields.recording = recording.apply_to(fields.recording, &mut errors);
        }
        if let Some(external_id) = self.external_id
            && let Some(external_id) =
                errors.check("external_id", parse_external_id(external_id.as_deref()))
        {
            fields.external_id = external_id;
        }
        if let Some(node_labels) = self.node_labels {
            let node_labels = node_labels.unwrap_or_default();
            if errors
                .check("node_labels", check_labels(&node_labels))
                .is_some()
            {
                fields.node_labels = node_labels;
            }
        }
        errors.into_result().map_err(Error::Invalid)?;
        Ok(fields)
    }
}

/// Why `***` was refused where no password is stored.
fn nothing_behind_mask() -> String {
    format!("{PASSWORD_MASK} stands for a hidden password, but none is stored; type the real one")
}

/// Why `***` was refused: it stands for the stored password at the camera's
/// own server only.
pub(super) const MASK_ELSEWHERE: &str = "*** stands for the stored password only at the camera's own \
     address (same scheme, host and port); type the password to use another address";

/// A principal limited to groups may only leave a camera where it can
/// still see it.
pub(super) fn check_reach(by: &Principal, groups: &[String]) -> Result<()> {
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
pub(super) fn check_groups_change(
    by: &Principal,
    before: &[String],
    after: &[String],
) -> Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{PrincipalKind, Role};
    use crate::cameras::StoredUrl;
    use crate::secrets::Sealed;

    fn principal(groups: Option<&[&str]>) -> Principal {
        Principal {
            kind: PrincipalKind::User {
                id: 1,
                username: "alice".into(),
            },
            role: Role::Operator,
            groups: groups.map(|groups| groups.iter().map(|g| g.to_string()).collect()),
        }
    }

    fn names(groups: &[&str]) -> Vec<String> {
        groups.iter().map(|g| g.to_string()).collect()
    }

    /// The fields an invalid write was refused for, in order.
    fn refused<T: std::fmt::Debug>(result: Result<T>) -> Vec<String> {
        match result {
            Err(Error::Invalid(errors)) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected invalid fields, got {other:?}"),
        }
    }

    fn sealed() -> Sealed {
        Sealed {
            key_id: "k1".into(),
            bytes: vec![1, 2, 3],
        }
    }

    /// A stored camera whose password (sealed) is behind the mask.
    fn camera() -> Camera {
        let sealed = sealed();
        let stored = StoredUrl::from_columns(
            "rtsp://admin:***@10.1.2.3/stream1",
            Some(sealed.bytes),
            Some(sealed.key_id),
        )
        .unwrap();
        Camera {
            name: "Dock".into(),
            location: Some("North fence".into()),
            groups: names(&["dock"]),
            recording: RECORDING,
            version: 3,
            ..Camera::for_tests(7, stored)
        }
    }

    const RECORDING: RecordingPolicy = RecordingPolicy {
        mode: crate::cameras::RecordingMode::Off,
        retention: std::time::Duration::from_secs(604_800),
        storage_budget_bytes: None,
    };

    fn patch(json: &str) -> CameraPatch {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn names_are_labels_of_at_most_100_characters() {
        assert_eq!(parse_name("  Loading dock "), Ok("Loading dock".into()));
        assert!(parse_name("a".repeat(NAME_MAX).as_str()).is_ok());
        for bad in ["", "   ", &"a".repeat(NAME_MAX + 1), "dock\u{202e}"] {
            assert!(parse_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_blank_location_is_none() {
        assert_eq!(parse_location(None), Ok(None));
        assert_eq!(parse_location(Some("")), Ok(None));
        assert_eq!(parse_location(Some("  \t")), Ok(None));
        assert_eq!(
            parse_location(Some(" North fence ")),
            Ok(Some("North fence".into()))
        );
        assert!(parse_location(Some(&"a".repeat(LOCATION_MAX))).is_ok());
        assert!(parse_location(Some(&"a".repeat(LOCATION_MAX + 1))).is_err());
        assert!(parse_location(Some("gate\u{0007}")).is_err());
    }

    #[test]
    fn max_readers_is_no_limit_or_room_for_one_hls_viewer() {
        assert_eq!(parse_max_readers(0), Ok(0));
        assert_eq!(parse_max_readers(2), Ok(2));
        assert_eq!(parse_max_readers(MAX_READERS_MAX), Ok(1000));
        let one = parse_max_readers(1).unwrap_err();
        assert!(one.contains("two of MediaMTX's reader slots"), "{one}");
        for bad in [-1, MAX_READERS_MAX + 1, i64::MAX] {
            assert!(parse_max_readers(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_new_camera_needs_a_typed_password_not_the_mask() {
        let err = parse_new_stream_url("rtsp://admin:***@10.1.2.3/").unwrap_err();
        assert!(err.contains("type the real one"), "{err}");
        let (url, password) = parse_new_stream_url("rtsp://admin:secret@10.1.2.3/").unwrap();
        assert_eq!(url.expose(), "rtsp://admin:***@10.1.2.3/");
        assert!(matches!(password, Some(Password::Typed(p)) if p.expose() == "secret"));
        assert_eq!(
            parse_new_stream_url("rtsp://10.1.2.3/").unwrap(),
            (StreamUrl::parse("rtsp://10.1.2.3/").unwrap(), None)
        );
    }

    #[test]
    fn a_new_camera_gets_defaults_or_every_error_at_once() {
        let input: NewCameraInput =
            serde_json::from_str(r#"{"name": " Dock ", "stream_url": "rtsp://10.1.2.3/"}"#)
                .unwrap();
        let fields = input.validate(RECORDING).unwrap();
        assert_eq!(fields.name, "Dock");
        assert_eq!(fields.location, None);
        assert!(fields.enabled && fields.on_demand);
        assert_eq!(fields.max_readers, 0);
        assert!(fields.groups.is_empty());

        let input: NewCameraInput = serde_json::from_str(
            r#"{"name": "", "stream_url": "http://x/", "location": "a\u0000",
                "max_readers": 1, "groups": [" "]}"#,
        )
        .unwrap();
        assert_eq!(
            refused(input.validate(RECORDING)),
            ["name", "stream_url", "location", "max_readers", "groups"]
        );
    }

    #[test]
    fn an_empty_patch_changes_nothing() {
        let current = camera();
        assert_eq!(
            patch("{}").apply_to(&current).unwrap(),
            Fields::from(&current)
        );
    }

    #[test]
    fn a_patch_changes_only_the_fields_sent() {
        let current = camera();
        let fields = patch(
            r#"{"name": " Gate ", "enabled": false, "max_readers": 4,
                "groups": ["yard", "dock", "yard"]}"#,
        )
        .apply_to(&current)
        .unwrap();
        assert_eq!(fields.name, "Gate");
        assert!(!fields.enabled && fields.on_demand);
        assert_eq!(fields.max_readers, 4);
        assert_eq!(fields.groups, names(&["dock", "yard"]));
        assert_eq!(fields.location, current.location);
        assert_eq!(fields.password, Some(Password::Kept(sealed())));
    }

    #[test]
    fn null_clears_location_and_groups_but_is_refused_elsewhere() {
        let current = camera();
        let fields = patch(r#"{"location": null, "groups": null}"#)
            .apply_to(&current)
            .unwrap();
        assert_eq!(fields.location, None);
        assert!(fields.groups.is_empty());
        let fields = patch(r#"{"location": "  "}"#).apply_to(&current).unwrap();
        assert_eq!(fields.location, None);
        assert_eq!(
            refused(
                patch(
                    r#"{"name": null, "stream_url": null, "enabled": null,
                        "on_demand": null, "max_readers": null}"#
                )
                .apply_to(&current)
            ),
            ["name", "stream_url", "enabled", "on_demand", "max_readers"]
        );
        assert_eq!(
            refused(patch(r#"{"name": "", "max_readers": 1}"#).apply_to(&current)),
            ["name", "max_readers"]
        );
    }

    #[test]
    fn the_mask_keeps_the_stored_password_at_the_same_server_only() {
        let current = camera();
        let fields = patch(r#"{"stream_url": "rtsp://admin:***@10.1.2.3:554/other"}"#)
            .apply_to(&current)
            .unwrap();
        assert_eq!(
            fields.stream_url.expose(),
            "rtsp://admin:***@10.1.2.3:554/other"
        );
        assert_eq!(fields.password, Some(Password::Kept(sealed())));

        let Err(Error::Invalid(errors)) =
            patch(r#"{"stream_url": "rtsp://admin:***@evil.example/"}"#).apply_to(&current)
        else {
            panic!("the mask sent to another server was accepted");
        };
        assert_eq!(errors, [FieldError::new("stream_url", MASK_ELSEWHERE)]);

        let fields = patch(r#"{"stream_url": "rtsp://admin:new@10.9.9.9/"}"#)
            .apply_to(&current)
            .unwrap();
        assert_eq!(fields.stream_url.expose(), "rtsp://admin:***@10.9.9.9/");
        assert!(matches!(fields.password, Some(Password::Typed(p)) if p.expose() == "new"));

        let fields = patch(r#"{"stream_url": "rtsp://10.1.2.3/"}"#)
            .apply_to(&current)
            .unwrap();
        assert_eq!(fields.password, None, "a URL without a password drops it");
    }

    #[test]
    fn the_mask_means_nothing_without_a_stored_password() {
        let mut current = camera();
        current.stream_url =
            StoredUrl::from_columns("rtsp://10.1.2.3/stream1", None, None).unwrap();
        assert_eq!(
            refused(patch(r#"{"stream_url": "rtsp://admin:***@10.1.2.3/"}"#).apply_to(&current)),
            ["stream_url"]
        );
    }

    #[test]
    fn a_sub_stream_is_a_stream_url_or_none() {
        let input: NewCameraInput = serde_json::from_str(
            r#"{"name": "Dock", "stream_url": "rtsp://admin:pw@10.1.2.3/1",
                "sub_stream_url": "rtsp://admin:***@10.1.2.3:554/2"}"#,
        )
        .unwrap();
        let fields = input.validate(RECORDING).unwrap();
        let sub = fields.sub_stream.unwrap();
        assert_eq!(sub.url.expose(), "rtsp://admin:***@10.1.2.3:554/2");
        assert!(
            matches!(sub.password, Some(Password::Typed(p)) if p.expose() == "pw"),
            "the mask stands for the main URL's password"
        );
        for (sub, field) in [
            (r#""http://10.1.2.3/2""#, "sub_stream_url"),
            (r#""rtsp://admin:***@10.9.9.9/2""#, "sub_stream_url"),
        ] {
            let input: NewCameraInput = serde_json::from_str(&format!(
                r#"{{"name": "Dock", "stream_url": "rtsp://admin:pw@10.1.2.3/1",
                     "sub_stream_url": {sub}}}"#
            ))
            .unwrap();
            assert_eq!(refused(input.validate(RECORDING)), [field], "{sub}");
        }
        for none in ["null", r#""  ""#] {
            let input: NewCameraInput = serde_json::from_str(&format!(
                r#"{{"name": "Dock", "stream_url": "rtsp://10.1.2.3/1", "sub_stream_url": {none}}}"#
            ))
            .unwrap();
            assert_eq!(input.validate(RECORDING).unwrap().sub_stream, None);
        }
    }

    #[test]
    fn the_sub_streams_mask_keeps_its_own_password_or_takes_the_main_ones() {
        let mut current = camera();
        let other = Sealed {
            key_id: "k1".into(),
            bytes: vec![9],
        };
        current.sub_stream_url = Some(
            StoredUrl::from_columns(
                "rtsp://viewer:***@10.1.2.4/2",
                Some(other.bytes.clone()),
                Some(other.key_id.clone()),
            )
            .unwrap(),
        );
        let sub = |json: &str| patch(json).apply_to(&current).map(|f| f.sub_stream);
        let kept = sub(r#"{"sub_stream_url": "rtsp://viewer:***@10.1.2.4/3"}"#).unwrap();
        assert_eq!(kept.unwrap().password, Some(Password::Kept(other)));
        let main = sub(r#"{"sub_stream_url": "rtsp://admin:***@10.1.2.3/3"}"#).unwrap();
        assert_eq!(main.unwrap().password, Some(Password::Kept(sealed())));
        assert_eq!(
            refused(sub(
                r#"{"sub_stream_url": "rtsp://admin:***@evil.example/"}"#
            )),
            ["sub_stream_url"]
        );
        assert_eq!(sub(r#"{"sub_stream_url": null}"#).unwrap(), None);
        assert_eq!(
            sub("{}").unwrap(),
            Fields::from(&current).sub_stream,
            "left out, it stays"
        );
    }

    #[test]
    fn a_limited_principal_must_keep_the_camera_in_reach() {
        let everyone = principal(None);
        assert!(check_reach(&everyone, &[]).is_ok());
        let dock = principal(Some(&["dock", "lobby"]));
        assert!(check_reach(&dock, &names(&["dock", "vault"])).is_ok());
        assert_eq!(refused(check_reach(&dock, &names(&["vault"]))), ["groups"]);
        assert_eq!(refused(check_reach(&dock, &[])), ["groups"]);
    }

    #[test]
    fn a_limited_principal_changes_only_its_own_groups() {
        let everyone = principal(None);
        assert!(check_groups_change(&everyone, &names(&["vault"]), &[]).is_ok());
        let dock = principal(Some(&["dock", "lobby"]));
        let before = names(&["dock", "vault"]);
        for after in [
            names(&["dock", "vault"]),
            names(&["lobby", "vault"]),
            names(&["dock", "lobby", "vault"]),
            names(&["vault"]),
        ] {
            assert!(
                check_groups_change(&dock, &before, &after).is_ok(),
                "{after:?}"
            );
        }
        for after in [names(&["dock"]), names(&["dock", "vault", "yard"])] {
            assert_eq!(
                refused(check_groups_change(&dock, &before, &after)),
                ["groups"],
                "{after:?}"
            );
        }
        let Err(Error::Invalid(errors)) = check_groups_change(&dock, &[], &names(&["yard"])) else {
            panic!("a group of someone else's was added");
        };
        assert!(errors[0].message.ends_with("not yard"), "{errors:?}");
    }
}
