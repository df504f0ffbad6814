//! ffprobe against a camera: what it sends, or why it can't be read.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::process;
use super::{Code, Failure};

/// The outcome of one probe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Probe {
    pub ok: bool,
    /// Why the camera could not be read (`ok: false` only).
    pub code: Option<Code>,
    /// What happened, in words; passwords masked.
    pub detail: Option<String>,
    pub video: Option<Video>,
    pub audio: Option<Audio>,
    /// How long the probe took, connection included.
    pub rtt_ms: u64,
    pub probed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Video {
    #[schema(example = "h264")]
    pub codec: String,
    #[schema(example = "Constrained Baseline")]
    pub profile: Option<String>,
    pub width: u32,
    pub height: u32,
    /// Frames per second, when the camera announces it.
    pub frame_rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Audio {
    #[schema(example = "aac")]
    pub codec: String,
}

impl Probe {
    pub(super) fn failed(failure: Failure, rtt: Duration) -> Self {
        Self {
            ok: false,
            code: Some(failure.code),
            detail: Some(failure.detail),
            video: None,
            audio: None,
            rtt_ms: millis(rtt),
            probed_at: Utc::now(),
        }
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

fn args(url: &str, timeout: Duration) -> Vec<String> {
    let mut args = vec!["-v".to_owned(), "error".to_owned()];
    args.extend(process::input_args(url, timeout));
    args.extend(["-show_streams", "-of", "json"].map(str::to_owned));
    args
}

pub async fn run(ffprobe: &Path, url: &str, timeout: Duration) -> Probe {
    let started = Instant::now();
    let result = process::run(ffprobe, &args(url, timeout), timeout).await;
    let rtt = started.elapsed();
    let output = match result {
        Ok(output) => output,
        Err(failure) => return Probe::failed(failure, rtt),
    };
    if !output.status.success() {
        return Probe::failed(Failure::from_stderr(&output.stderr), rtt);
    }
    match parse(&output.stdout) {
        Ok((video, audio)) => Probe {
            ok: true,
            code: None,
            detail: None,
            video: Some(video),
            audio,
            rtt_ms: millis(rtt),
            probed_at: Utc::now(),
        },
        Err(failure) => Probe::failed(failure, rtt),
    }
}

#[derive(Deserialize)]
struct Streams {
    #[serde(default)]
    streams: Vec<Stream>,
}

#[derive(Deserialize)]
struct Stream {
    codec_type: Option<String>,
    codec_name: Option<String>,
    profile: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    avg_frame_rate: Option<String>,
    r_frame_rate: Option<String>,
}

fn parse(stdout: &[u8]) -> Result<(Video, Option<Audio>), Failure> {
    let streams: Streams = serde_json::from_slice(stdout)
        .map_err(|err| Failure::ffmpeg_exit(format!("unreadable ffprobe output: {err}")))?;
    let of_type = |kind: &str| {
        streams
            .streams
            .iter()
            .find(|s| s.codec_type.as_deref() == Some(kind))
    };
    let video = of_type("video")
        .filter(|s| s.width.unwrap_or(0) > 0 && s.height.unwrap_or(0) > 0)
        .ok_or_else(|| Failure::new(Code::BadStream, "the camera sent no decodable video"))?;
    let frame_rate = [&video.avg_frame_rate, &video.r_frame_rate]
        .into_iter()
        .flatten()
        .find_map(|r| rate(r));
    let video = Video {
        codec: video.codec_name.clone().unwrap_or_default(),
        profile: video.profile.clone(),
        width: video.width.unwrap_or_default(),
        height: video.height.unwrap_or_default(),
        frame_rate,
    };
    let audio = of_type("audio")
        .and_then(|s| s.codec_name.clone())
        .map(|codec| Audio { codec });
    Ok((video, audio))
}

/// `"25/1"` → 25.0; ffprobe writes `"0/0"` when it doesn't know.
fn rate(text: &str) -> Option<f64> {
    let (num, den) = text.split_once('/')?;
    let (num, den): (f64, f64) = (num.parse().ok()?, den.parse().ok()?);
    (num > 0.0 && den > 0.0).then(|| (num / den * 100.0).round() / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_read_from_ffprobe_json() {
        let json = br#"{"streams": [
            {"codec_type": "video", "codec_name": "h264", "profile": "Constrained Baseline",
             "width": 640, "height": 360, "avg_frame_rate": "0/0", "r_frame_rate": "25/1"},
            {"codec_type": "audio", "codec_name": "aac"}]}"#;
        let (video, audio) = parse(json).unwrap();
        assert_eq!(
            (video.codec.as_str(), video.width, video.height),
            ("h264", 640, 360)
        );
        assert_eq!(video.frame_rate, Some(25.0));
        assert_eq!(audio.unwrap().codec, "aac");
    }

    #[test]
    fn no_video_or_no_size_is_a_bad_stream() {
        for json in [
            &br#"{"streams": []}"#[..],
            br#"{"streams": [{"codec_type": "video", "width": 0, "height": 0}]}"#,
        ] {
            assert_eq!(parse(json).unwrap_err().code, Code::BadStream);
        }
        assert_eq!(rate("30000/1001"), Some(29.97));
        assert_eq!(rate("0/0"), None);
    }

    #[test]
    fn stderr_is_read_for_the_reason() {
        let cases = [
            ("method DESCRIBE failed: 401 Unauthorized", Code::Auth),
            ("Server returned 404 Not Found", Code::NotFound),
            (
                "Connection to tcp://127.0.0.1:9?timeout=0 failed: Connection refused",
                Code::Unreachable,
            ),
            (
                "Connection to tcp://10.0.0.1:554 failed: Connection timed out",
                Code::Timeout,
            ),
            ("", Code::BadStream),
            ("Something else entirely", Code::FfmpegExit),
        ];
        for (stderr, code) in cases {
            assert_eq!(Failure::from_stderr(stderr).code, code, "{stderr}");
        }
    }

    #[test]
    fn an_unknown_failure_is_told_without_urls_addresses_or_server_words() {
        let cases = [
            (
                "[rtsp @ 0x55d0c0ffee00] method DESCRIBE failed: 461 Hello from evil.example secret",
                "method DESCRIBE failed: RTSP 461",
            ),
            (
                "[rtsp @ 0x1] method OPTIONS failed: 461 Evil\nrtsp://u:p@h/x: Server returned 4XX",
                "method OPTIONS failed: RTSP 461",
            ),
            (
                "rtsp://admin:it's@10.0.0.1/s: Invalid data found when processing input",
                "<rtsp URL>: Invalid data found when processing input",
            ),
            (
                "[tcp @ 0x7f00] Connection to tcp://10.0.0.1:554?timeout=5 failed: Bad things",
                "Connection to <tcp URL> failed: Bad things",
            ),
            ("first line\n\n  ", "first line"),
            ("caf\u{e9} \u{1b}[31m", "caf? ?[31m"),
        ];
        for (stderr, reason) in cases {
            let failure = Failure::from_stderr(stderr);
            assert_eq!(failure.code, Code::FfmpegExit, "{stderr}");
            assert_eq!(failure.detail, reason);
        }
        let long = Failure::from_stderr(&"word ".repeat(100)).detail;
        assert!(long.len() <= 170 && long.ends_with('…'), "{long}");
    }
}
