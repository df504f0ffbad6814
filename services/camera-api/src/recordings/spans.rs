//! What a camera recorded over a range: the spans MediaMTX can play without
//! a break, and the gaps between them.

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use sqlx::PgPool;
use utoipa::ToSchema;

use super::{Error, Result, Settings, Storage};
use crate::auth::Principal;
use crate::cameras;
use crate::mediamtx::{self, RecordedSpan};
use crate::validation::FieldError;

/// From `start` to `end`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Span {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Recordings {
    pub camera_id: i64,
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    /// Recorded and playable, oldest first, within `since`..`until`.
    pub spans: Vec<Span>,
    /// The rest of `since`..`until`: nothing recorded (or not yet, or
    /// already deleted).
    pub gaps: Vec<Span>,
    /// The spans' total length.
    pub recorded_seconds: f64,
    /// What the camera's recordings take on disk, as of the last scan of it
    /// (every `CAMPLANE_RECORDINGS_CHECK`); `null` before the first.
    pub stored_bytes: Option<u64>,
}

/// A range as asked for: either end may be left to its default.
#[derive(Debug, Clone, Copy, Default)]
pub struct AskedRange {
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// Camera `id`'s recordings between `since` (default: a day before `until`)
/// and `until` (default: now), for `by`, who must see the camera.
pub async fn list(
    db: &PgPool,
    mediamtx: &mediamtx::Client,
    settings: &Settings,
    storage: &Storage,
    by: &Principal,
    id: i64,
    asked: AskedRange,
) -> Result<Recordings> {
    let until = asked.until.unwrap_or_else(Utc::now);
    let since = asked.since.unwrap_or(until - TimeDelta::days(1));
    check_range(since, until, settings)?;
    let camera = cameras::get_seen_by(db, by, id).await?;
    if !camera.enabled {
        return Err(Error::CameraDisabled);
    }
    let recorded = recorded_spans(mediamtx, settings, &camera.path(), since, until).await?;
    let spans: Vec<Span> = recorded.iter().map(span).collect();
    Ok(Recordings {
        camera_id: id,
        since,
        until,
        gaps: gaps(since, until, &spans),
        recorded_seconds: recorded.iter().map(|span| span.duration).sum(),
        stored_bytes: storage.stored_bytes(id),
        spans,
    })
}

/// How often a refused list is asked again: MediaMTX refuses the whole list
/// while it starts a segment file (until its first part is written, about a
/// second), not only for a path it lacks.
const LIST_ATTEMPTS: u32 = 3;
const LIST_RETRY_AFTER: std::time::Duration = std::time::Duration::from_millis(400);

async fn recorded_spans(
    mediamtx: &mediamtx::Client,
    settings: &Settings,
    path: &str,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<RecordedSpan>> {
    let dir = settings.dir.join(path);
    let mut end = until;
    let mut attempt = 1;
    loop {
        match mediamtx.list_recordings(path, since, end).await {
            // It refuses a path that never recorded (it has no directory to
            // read) as it refuses one it does not have.
            Err(mediamtx::Error::Rejected { status: 400, .. }) if !dir.exists() => {
                return Ok(Vec::new());
            }
            Err(mediamtx::Error::Rejected { status: 400, .. }) if attempt < LIST_ATTEMPTS => {
                // Asked again without the segment being started: the list
                // then ends where it begins, a second short of now.
                if let Some(newest) = newest_segment_start(&dir).filter(|newest| *newest > since) {
                    end = end.min(newest);
                }
                attempt += 1;
                tokio::time::sleep(LIST_RETRY_AFTER).await;
            }
            listed => return Ok(listed?),
        }
    }
}

fn newest_segment_start(dir: &std::path::Path) -> Option<DateTime<Utc>> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|entry| super::storage::segment_start(entry.ok()?.file_name().to_str()?))
        .max()
}

fn check_range(since: DateTime<Utc>, until: DateTime<Utc>, settings: &Settings) -> Result<()> {
    let longest = TimeDelta::from_std(settings.max_listed).unwrap_or(TimeDelta::MAX);
    let refused = |message: String| Err(Error::Invalid(vec![FieldError::new("since", message)]));
    if since >= until {
        return refused("must be before until".to_owned());
    }
    if until - since > longest {
        return refused(format!(
            "must be at most {} before until",
            cameras::format_retention(settings.max_listed)
        ));
    }
    Ok(())
}

fn span(recorded: &RecordedSpan) -> Span {
    let length = TimeDelta::microseconds((recorded.duration * 1e6).round() as i64);
    Span {
        start: recorded.start,
        end: recorded.start + length,
    }
}

/// What `spans` (in order, within `since`..`until`) leave of it.
fn gaps(since: DateTime<Utc>, until: DateTime<Utc>, spans: &[Span]) -> Vec<Span> {
    let mut gaps = Vec::new();
    let mut covered_to = since;
    for span in spans {
        if span.start > covered_to {
            gaps.push(Span {
                start: covered_to,
                end: span.start,
            });
        }
        covered_to = covered_to.max(span.end);
    }
    if covered_to < until {
        gaps.push(Span {
            start: covered_to,
            end: until,
        });
    }
    gaps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(second: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + second, 0).unwrap()
    }

    fn from_to(start: i64, end: i64) -> Span {
        Span {
            start: at(start),
            end: at(end),
        }
    }

    #[test]
    fn gaps_are_what_spans_leave_of_the_range() {
        assert_eq!(gaps(at(0), at(100), &[]), [from_to(0, 100)]);
        assert_eq!(
            gaps(
                at(0),
                at(100),
                &[from_to(10, 20), from_to(20, 30), from_to(50, 100)]
            ),
            [from_to(0, 10), from_to(30, 50)]
        );
        assert_eq!(gaps(at(0), at(100), &[from_to(0, 100)]), []);
    }

    #[test]
    fn a_span_ends_its_duration_after_its_start() {
        let recorded = RecordedSpan {
            start: at(0),
            duration: 1.5,
        };
        assert_eq!(span(&recorded).end, at(0) + TimeDelta::milliseconds(1500));
    }

    #[test]
    fn a_range_runs_forward_and_not_too_far() {
        let settings = Settings {
            defaults: cameras::RecordingPolicy {
                mode: cameras::RecordingMode::Off,
                retention: std::time::Duration::from_secs(86_400),
                storage_budget_bytes: None,
            },
            dir: "/recordings".into(),
            segment: std::time::Duration::from_secs(600),
            max_listed: std::time::Duration::from_secs(31 * 86_400),
            check: std::time::Duration::from_secs(30),
            min_free_percent: 5,
            exports: super::super::ExportSettings {
                dir: "/exports".into(),
                max: std::time::Duration::from_secs(3600),
                ttl: std::time::Duration::from_secs(86_400),
            },
        };
        assert!(check_range(at(0), at(1), &settings).is_ok());
        assert!(check_range(at(1), at(1), &settings).is_err());
        assert!(check_range(at(0), at(31 * 86_400 + 1), &settings).is_err());
    }
}
