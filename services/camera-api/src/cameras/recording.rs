//! What a camera records and how long its recordings are kept: the policy
//! as stored, as clients write it, and as the API shows it.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::validation::FieldErrors;

/// Shortest retention: MediaMTX deletes expired segments every half
/// retention, so anything shorter is all churn.
const RETENTION_MIN: Duration = Duration::from_secs(10);
/// Ten years; the column's limit too.
const RETENTION_MAX: Duration = Duration::from_secs(3650 * 86_400);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RecordingMode {
    /// Nothing is recorded; what was recorded stays until its retention ends.
    Off,
    /// Always recorded, so the camera's stream is always pulled (never on
    /// demand).
    Continuous,
}

impl RecordingMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::Continuous => "continuous",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "off" => Some(Self::Off),
            "continuous" => Some(Self::Continuous),
            _ => None,
        }
    }
}

/// A camera's recording policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordingPolicy {
    pub mode: RecordingMode,
    /// Recordings older than this are deleted.
    pub retention: Duration,
    /// The most its recordings may take on disk; its oldest go first when
    /// they take more. `None`: only the disk's free-space floor applies.
    pub storage_budget_bytes: Option<i64>,
}

impl RecordingPolicy {
    pub fn records(&self) -> bool {
        self.mode == RecordingMode::Continuous
    }

    /// From the stored columns; `None` for values no write could have made.
    pub fn from_columns(mode: &str, retention_seconds: i64, budget: Option<i64>) -> Option<Self> {
        Some(Self {
            mode: RecordingMode::parse(mode)?,
            retention: Duration::from_secs(u64::try_from(retention_seconds).ok()?),
            storage_budget_bytes: budget,
        })
    }

    pub fn retention_seconds(&self) -> i64 {
        i64::try_from(self.retention.as_secs()).unwrap_or(i64::MAX)
    }
}

/// `recording` in camera writes: every field optional; a new camera takes
/// the defaults for those left out, an edit keeps them.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordingInput {
    /// `off` or `continuous` (default: `CAMPLANE_RECORDING_DEFAULT`, `off`).
    /// A continuously recording camera is pulled all the time, whatever its
    /// `on_demand`.
    #[serde(default)]
    #[schema(value_type = Option<RecordingMode>)]
    pub mode: Option<String>,
    /// How long recordings are kept: a whole number and a unit, `s`, `m`,
    /// `h` or `d` (`90m`, `36h`, `7d`), from 10 s to 3650 d (default:
    /// `CAMPLANE_RECORDING_RETENTION`, `7d`).
    #[serde(default)]
    #[schema(example = "7d")]
    pub retention: Option<String>,
    /// The most the camera's recordings may take on disk, in bytes; `null`
    /// for no budget of its own.
    #[serde(default, deserialize_with = "super::input::present")]
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub storage_budget_bytes: Option<Option<i64>>,
}

impl RecordingInput {
    /// `base` with the fields sent applied; errors are named
    /// `recording.<field>`.
    pub(super) fn apply_to(
        self,
        base: RecordingPolicy,
        errors: &mut FieldErrors,
    ) -> RecordingPolicy {
        let mut policy = base;
        if let Some(mode) = self.mode {
            let parsed = RecordingMode::parse(&mode)
                .ok_or_else(|| format!("must be off or continuous, not {mode:?}"));
            policy.mode = errors.check("recording.mode", parsed).unwrap_or(base.mode);
        }
        if let Some(retention) = self.retention {
            policy.retention = errors
                .check("recording.retention", parse_retention(&retention))
                .unwrap_or(base.retention);
        }
        if let Some(budget) = self.storage_budget_bytes {
            let parsed = match budget {
                Some(bytes) if bytes < 1 => Err("must be at least 1 byte, or null".to_owned()),
                budget => Ok(budget),
            };
            policy.storage_budget_bytes = errors
                .check("recording.storage_budget_bytes", parsed)
                .unwrap_or(base.storage_budget_bytes);
        }
        policy
    }
}

/// A camera's recording policy as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordingView {
    pub mode: RecordingMode,
    /// As written (`7d`), in the largest unit that divides it.
    #[schema(example = "7d")]
    pub retention: String,
    pub retention_seconds: i64,
    pub storage_budget_bytes: Option<i64>,
}

impl From<&RecordingPolicy> for RecordingView {
    fn from(policy: &RecordingPolicy) -> Self {
        Self {
            mode: policy.mode,
            retention: format_retention(policy.retention),
            retention_seconds: policy.retention_seconds(),
            storage_budget_bytes: policy.storage_budget_bytes,
        }
    }
}

const UNITS: [(char, u64); 4] = [('d', 86_400), ('h', 3_600), ('m', 60), ('s', 1)];

/// `7d`, `36h`, `90m`, `45s`: one whole number and one unit, so there is
/// one way to write each value and no month of unknown length.
pub fn parse_retention(text: &str) -> Result<Duration, String> {
    let refused = || {
        format!(
            "must be a whole number and a unit (s, m, h or d), e.g. 7d, between {} and {}",
            format_retention(RETENTION_MIN),
            format_retention(RETENTION_MAX)
        )
    };
    let text = text.trim();
    let unit = text.chars().last().ok_or_else(refused)?;
    let (_, scale) = UNITS
        .iter()
        .find(|(name, _)| *name == unit)
        .ok_or_else(refused)?;
    let number = &text[..text.len() - 1];
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refused());
    }
    let seconds = number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(*scale))
        .ok_or_else(refused)?;
    let retention = Duration::from_secs(seconds);
    if !(RETENTION_MIN..=RETENTION_MAX).contains(&retention) {
        return Err(refused());
    }
    Ok(retention)
}

pub fn format_retention(retention: Duration) -> String {
    let seconds = retention.as_secs();
    let (unit, scale) = UNITS
        .iter()
        .find(|(_, scale)| seconds.is_multiple_of(*scale))
        .expect("seconds divide every duration");
    format!("{}{unit}", seconds / scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_is_a_number_and_a_unit_within_limits() {
        for (text, seconds) in [
            ("7d", 604_800),
            ("36h", 129_600),
            ("90m", 5_400),
            ("10s", 10),
            (" 3650d ", 315_360_000),
        ] {
            assert_eq!(
                parse_retention(text),
                Ok(Duration::from_secs(seconds)),
                "{text}"
            );
        }
        for bad in [
            "",
            "d",
            "7",
            "7w",
            "1.5d",
            "-1d",
            "7 d",
            "9s",
            "3651d",
            "1d2h",
            "99999999999999999999d",
        ] {
            assert!(parse_retention(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn retention_is_shown_in_its_largest_whole_unit() {
        for (seconds, text) in [
            (604_800, "7d"),
            (129_600, "36h"),
            (5_400, "90m"),
            (61, "61s"),
        ] {
            assert_eq!(format_retention(Duration::from_secs(seconds)), text);
            assert_eq!(parse_retention(text), Ok(Duration::from_secs(seconds)));
        }
    }

    #[test]
    fn an_edit_changes_only_the_fields_sent() {
        let base = RecordingPolicy {
            mode: RecordingMode::Off,
            retention: Duration::from_secs(604_800),
            storage_budget_bytes: Some(1_000),
        };
        let mut errors = FieldErrors::default();
        let input: RecordingInput = serde_json::from_str(r#"{"mode": "continuous"}"#).unwrap();
        let policy = input.apply_to(base, &mut errors);
        assert_eq!(policy.mode, RecordingMode::Continuous);
        assert_eq!(policy.retention, base.retention);
        assert_eq!(policy.storage_budget_bytes, Some(1_000));

        let input: RecordingInput =
            serde_json::from_str(r#"{"storage_budget_bytes": null}"#).unwrap();
        assert_eq!(input.apply_to(base, &mut errors).storage_budget_bytes, None);
        assert!(errors.into_result().is_ok());

        let mut errors = FieldErrors::default();
        let input: RecordingInput = serde_json::from_str(
            r#"{"mode": "motion", "retention": "forever", "storage_budget_bytes": 0}"#,
        )
        .unwrap();
        assert_eq!(input.apply_to(base, &mut errors), base);
        let fields: Vec<String> = errors
            .into_result()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "recording.mode",
                "recording.retention",
                "recording.storage_budget_bytes"
            ]
        );
    }
}
