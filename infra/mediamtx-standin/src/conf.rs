//! Path configuration as MediaMTX models it (`internal/conf/path.go`): a set
//! of overrides per path, merged over defaults when read, decoded strictly.

use serde_json::{Map, Value};

/// A path's stored overrides: only the fields a client sent.
pub type Overrides = Map<String, Value>;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Bool,
    Text,
    Integer,
    Duration,
    List,
}

/// The path fields a VMS can meet, with MediaMTX's defaults (`setDefaults`).
/// Anything else is an unknown field, which MediaMTX rejects.
const FIELDS: &[(&str, Kind, &str)] = &[
    ("name", Kind::Text, "\"\""),
    ("source", Kind::Text, "\"publisher\""),
    ("sourceFingerprint", Kind::Text, "\"\""),
    ("sourceOnDemand", Kind::Bool, "false"),
    ("sourceOnDemandStartTimeout", Kind::Duration, "\"10s\""),
    ("sourceOnDemandCloseAfter", Kind::Duration, "\"10s\""),
    ("maxReaders", Kind::Integer, "0"),
    ("srtReadPassphrase", Kind::Text, "\"\""),
    ("useAbsoluteTimestamp", Kind::Bool, "false"),
    ("alwaysAvailable", Kind::Bool, "false"),
    ("alwaysAvailableFile", Kind::Text, "\"\""),
    ("alwaysAvailableTracks", Kind::List, "[]"),
    ("record", Kind::Bool, "false"),
    (
        "recordPath",
        Kind::Text,
        "\"./recordings/%path/%Y-%m-%d_%H-%M-%S-%f\"",
    ),
    ("recordFormat", Kind::Text, "\"fmp4\""),
    ("recordPartDuration", Kind::Duration, "\"1s\""),
    ("recordMaxPartSize", Kind::Text, "\"50M\""),
    ("recordSegmentDuration", Kind::Duration, "\"1h0m0s\""),
    ("recordDeleteAfter", Kind::Duration, "\"1d\""),
    ("overridePublisher", Kind::Bool, "true"),
    ("srtPublishPassphrase", Kind::Text, "\"\""),
    ("rtspTransport", Kind::Text, "\"automatic\""),
    ("rtspAnyPort", Kind::Bool, "false"),
    ("rtspRangeType", Kind::Text, "\"\""),
    ("rtspRangeStart", Kind::Text, "\"\""),
    ("rtspUDPSourcePortRange", Kind::List, "[32768,60999]"),
    ("sourceRedirect", Kind::Text, "\"\""),
    ("forward", Kind::List, "[]"),
    ("runOnInit", Kind::Text, "\"\""),
    ("runOnInitRestart", Kind::Bool, "false"),
    ("runOnDemand", Kind::Text, "\"\""),
    ("runOnDemandRestart", Kind::Bool, "false"),
    ("runOnDemandStartTimeout", Kind::Duration, "\"10s\""),
    ("runOnDemandCloseAfter", Kind::Duration, "\"10s\""),
    ("runOnUnDemand", Kind::Text, "\"\""),
    ("runOnAvailable", Kind::Text, "\"\""),
    ("runOnAvailableRestart", Kind::Bool, "false"),
    ("runOnUnavailable", Kind::Text, "\"\""),
    ("runOnOnline", Kind::Text, "\"\""),
    ("runOnOnlineRestart", Kind::Bool, "false"),
    ("runOnOffline", Kind::Text, "\"\""),
    ("runOnRead", Kind::Text, "\"\""),
    ("runOnReadRestart", Kind::Bool, "false"),
    ("runOnUnread", Kind::Text, "\"\""),
    ("runOnRecordSegmentCreate", Kind::Text, "\"\""),
    ("runOnRecordSegmentComplete", Kind::Text, "\"\""),
];

const SOURCE_SCHEMES: &[&str] = &[
    "rtsp://",
    "rtsps://",
    "rtsp+http://",
    "rtsps+http://",
    "rtsp+ws://",
    "rtsps+ws://",
    "rtmp://",
    "rtmps://",
    "http://",
    "https://",
    "udp+mpegts://",
    "udp+rtp://",
    "srt://",
    "whep://",
    "wheps://",
];

fn field(name: &str) -> Option<(Kind, Value)> {
    FIELDS
        .iter()
        .find(|(field, _, _)| *field == name)
        .map(|(_, kind, default)| {
            (
                *kind,
                serde_json::from_str(default).expect("defaults are JSON"),
            )
        })
}

/// Decodes a request body the way `jsonwrapper` does: an object of known
/// fields with the right JSON types; `null` leaves a field unset, except on
/// lists. Durations are stored normalised, as MediaMTX re-marshals them.
pub fn decode(body: &[u8]) -> Result<Overrides, String> {
    let value: Value = serde_json::from_slice(body).map_err(|error| {
        if body.iter().all(u8::is_ascii_whitespace) {
            "EOF".to_owned()
        } else {
            error.to_string()
        }
    })?;
    let Value::Object(object) = value else {
        return Err("json: cannot unmarshal non-object into Go value of type conf.Path".to_owned());
    };
    let mut overrides = Overrides::new();
    for (name, value) in object {
        let Some((kind, _)) = field(&name) else {
            return Err(format!("json: unknown field \"{name}\""));
        };
        if value.is_null() {
            if kind == Kind::List {
                return Err(format!("cannot set slice \"{name}\" to nil"));
            }
            continue;
        }
        let value = match (kind, value) {
            (Kind::Bool, value @ Value::Bool(_)) | (Kind::Text, value @ Value::String(_)) => value,
            (Kind::Integer, Value::Number(number)) if number.is_i64() => Value::Number(number),
            (Kind::List, value @ Value::Array(_)) => value,
            (Kind::Duration, Value::String(text)) => {
                let millis = parse_duration(&text)
                    .ok_or_else(|| format!("time: invalid duration \"{text}\""))?;
                Value::String(format_duration(millis))
            }
            (kind, value) => return Err(type_error(&name, kind, &value)),
        };
        overrides.insert(name, value);
    }
    // The name is the URL's; a body's name is accepted and ignored.
    overrides.remove("name");
    Ok(overrides)
}

fn type_error(name: &str, kind: Kind, value: &Value) -> String {
    let found = match value {
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::Null => "null",
    };
    let go_type = match kind {
        Kind::Bool => "bool",
        Kind::Text | Kind::Duration => "string",
        Kind::Integer => "int",
        Kind::List => "[]interface {}",
    };
    format!("json: cannot unmarshal {found} into Go struct field Path.{name} of type {go_type}")
}

/// `Path.validate`, for the rules a camera orchestrator can trip.
pub fn validate(overrides: &Overrides) -> Result<(), String> {
    let resolved = resolve("", overrides);
    let source = resolved["source"].as_str().unwrap_or_default();
    let known = source == "publisher"
        || source == "redirect"
        || source == "rpiCamera"
        || SOURCE_SCHEMES
            .iter()
            .any(|scheme| source.starts_with(scheme));
    if !known {
        return Err(format!("invalid source: '{source}'"));
    }
    let userinfo = source
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'));
    if let Some((userinfo, _)) = userinfo
        && (!userinfo.contains(':') || userinfo.ends_with(':') || userinfo.starts_with(':'))
    {
        return Err("username and password must be both filled".to_owned());
    }
    if source == "publisher" && resolved["sourceOnDemand"] == Value::Bool(true) {
        return Err("'sourceOnDemand' is useless when source is 'publisher'".to_owned());
    }
    let transport = resolved["rtspTransport"].as_str().unwrap_or_default();
    if !["automatic", "udp", "multicast", "tcp"].contains(&transport) {
        return Err(format!("invalid transport '{transport}'"));
    }
    if resolved["maxReaders"]
        .as_i64()
        .is_some_and(|readers| readers < 0)
    {
        return Err("invalid 'maxReaders'".to_owned());
    }
    Ok(())
}

/// The configuration a GET returns: every field, overrides over defaults.
pub fn resolve(name: &str, overrides: &Overrides) -> Value {
    let mut resolved = Map::new();
    for (field_name, _, default) in FIELDS {
        let value = overrides
            .get(*field_name)
            .cloned()
            .unwrap_or_else(|| serde_json::from_str(default).expect("defaults are JSON"));
        resolved.insert((*field_name).to_owned(), value);
    }
    resolved.insert("name".to_owned(), Value::String(name.to_owned()));
    Value::Object(resolved)
}

/// `IsValidPathName`, for plain (non-regex) names.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && !name.ends_with('/')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-/.".contains(&b))
        && name
            .split('/')
            .all(|segment| segment != "." && segment != "..")
}

/// Parses MediaMTX durations: Go's units plus `d` for days. Milliseconds.
pub fn parse_duration(text: &str) -> Option<u64> {
    if text == "0" {
        return Some(0);
    }
    let mut rest = text;
    let mut total = 0f64;
    while !rest.is_empty() {
        let number_end = rest.find(|c: char| !c.is_ascii_digit() && c != '.')?;
        let number: f64 = rest[..number_end].parse().ok()?;
        rest = &rest[number_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_end] {
            "d" => 86_400_000.0,
            "h" => 3_600_000.0,
            "m" => 60_000.0,
            "s" => 1_000.0,
            "ms" => 1.0,
            "us" | "µs" => 0.001,
            "ns" => 0.000_001,
            _ => return None,
        };
        total += number * scale;
        rest = &rest[unit_end..];
    }
    Some(total.round() as u64)
}

/// MediaMTX's marshalling: whole days as `Nd`, otherwise Go's `Duration.String`.
pub fn format_duration(millis: u64) -> String {
    const DAY: u64 = 86_400_000;
    if millis == 0 {
        return "0s".to_owned();
    }
    if millis.is_multiple_of(DAY) {
        return format!("{}d", millis / DAY);
    }
    if millis < 1000 {
        return format!("{millis}ms");
    }
    let (hours, minutes) = (millis / 3_600_000, millis / 60_000 % 60);
    let seconds = match millis % 60_000 {
        whole if whole % 1000 == 0 => format!("{}", whole / 1000),
        fraction => format!("{}", fraction as f64 / 1000.0),
    };
    match (hours, minutes) {
        (0, 0) => format!("{seconds}s"),
        (0, minutes) => format!("{minutes}m{seconds}s"),
        (hours, minutes) => format!("{hours}h{minutes}m{seconds}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_come_back_the_way_mediamtx_writes_them() {
        let cases = [
            ("10s", "10s"),
            ("3600s", "1h0m0s"),
            ("24h", "1d"),
            ("90s", "1m30s"),
            ("1.5s", "1.5s"),
            ("500ms", "500ms"),
        ];
        for (input, output) in cases {
            assert_eq!(
                format_duration(parse_duration(input).unwrap()),
                output,
                "{input}"
            );
        }
        assert_eq!(parse_duration("10"), None);
        assert_eq!(parse_duration("ten seconds"), None);
    }

    #[test]
    fn bodies_are_decoded_strictly() {
        assert_eq!(
            decode(br#"{"sourceOnDemand": true, "x": 1}"#).unwrap_err(),
            "json: unknown field \"x\""
        );
        assert!(
            decode(br#"{"sourceOnDemandStartTimeout": 10}"#)
                .unwrap_err()
                .contains("cannot unmarshal number")
        );
        assert_eq!(
            decode(br#"{"forward": null}"#).unwrap_err(),
            "cannot set slice \"forward\" to nil"
        );
        assert_eq!(decode(b"").unwrap_err(), "EOF");
        let overrides =
            decode(br#"{"source": "rtsp://h/s", "maxReaders": null, "name": "ignored"}"#).unwrap();
        assert_eq!(
            Value::Object(overrides),
            serde_json::json!({"source": "rtsp://h/s"})
        );
    }

    #[test]
    fn validation_catches_what_mediamtx_refuses() {
        let check = |body: &str| validate(&decode(body.as_bytes()).unwrap());
        assert!(
            check(
                r#"{"source": "rtsp://u:p@h/s", "sourceOnDemand": true, "rtspTransport": "tcp"}"#
            )
            .is_ok()
        );
        assert_eq!(
            check(r#"{"source": "ftp://h"}"#).unwrap_err(),
            "invalid source: 'ftp://h'"
        );
        assert!(
            check(r#"{"sourceOnDemand": true}"#)
                .unwrap_err()
                .contains("useless")
        );
        assert_eq!(
            check(r#"{"source": "rtsp://h", "rtspTransport": "carrier-pigeon"}"#).unwrap_err(),
            "invalid transport 'carrier-pigeon'"
        );
        assert!(check(r#"{"source": "rtsp://user@h/s"}"#).is_err());
    }

    #[test]
    fn names_follow_mediamtx_rules() {
        assert!(valid_name("cam_1"));
        assert!(valid_name("site1/cam.1"));
        for bad in ["", "/cam", "cam/", "a/../b", "a b", "cam?"] {
            assert!(!valid_name(bad), "{bad:?}");
        }
    }
}
