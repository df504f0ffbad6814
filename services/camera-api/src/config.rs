//! Configuration: read once from the environment into one typed struct, so a
//! bad setting stops the process at start-up with the variable's name instead
//! of failing later in some request.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

use crate::cameras::{self, RecordingMode, RecordingPolicy};
use crate::nodes::placement;
use crate::reconcile::{self, RecordSettings, SourceSettings};
use crate::secrets::{Secret, SecretKey};
use crate::{auth, edge, media, mediamtx, recordings};

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: Secret,
    pub listen: SocketAddr,
    pub log_filter: String,
    pub log_format: LogFormat,
    /// How long a request may take before it is answered `503 unavailable`
    /// (`CAMPLANE_REQUEST_TIMEOUT`); probes and snapshots fit inside it.
    pub request_timeout: Duration,
    pub mediamtx: mediamtx::Settings,
    pub reconcile: reconcile::Settings,
    pub media: media::Settings,
    pub recordings: recordings::Settings,
    /// The built console (`frontend/dist`), served at `/`.
    pub console_dir: PathBuf,
    /// Where Prometheus scrapes `/metrics`; `None` (`off`) serves none.
    pub metrics_listen: Option<SocketAddr>,
    /// Web origins (`https://vms.example.com`) whose pages may call the API
    /// from a browser; none by default, as the console is same-origin.
    pub cors_origins: Vec<String>,
    /// Seals camera passwords in the database (`CAMPLANE_SECRET_KEY`).
    pub secret_key: SecretKey,
    pub access: auth::Settings,
    /// What `camera-api rotate-key` re-seals them with
    /// (`CAMPLANE_NEW_SECRET_KEY`); nothing else reads it.
    pub new_secret_key: Option<SecretKey>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{0} is required but not set")]
    Missing(&'static str),
    #[error("{var} is invalid: {reason}")]
    Invalid { var: &'static str, reason: String },
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads every setting through `lookup`, so tests can configure the
    /// service without touching the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env(&lookup);
        let database_url = env.required("DATABASE_URL")?;
        match Url::parse(&database_url) {
            Ok(url) if matches!(url.scheme(), "postgres" | "postgresql") => {}
            // The URL may carry a password, so the reason never quotes it.
            _ => {
                return Err(invalid(
                    "DATABASE_URL",
                    "expected postgres://user@host:port/database",
                ));
            }
        }
        let request_timeout = env.duration("CAMPLANE_REQUEST_TIMEOUT", "30s")?;
        let recordings = env.recordings()?;
        Ok(Self {
            database_url: Secret::new(database_url),
            listen: env.parsed("CAMPLANE_LISTEN", "0.0.0.0:8080")?,
            log_filter: env.log_filter()?,
            log_format: match env.or("CAMPLANE_LOG_FORMAT", "text").as_str() {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                other => {
                    return Err(invalid(
                        "CAMPLANE_LOG_FORMAT",
                        format!("expected text or json, got {other:?}"),
                    ));
                }
            },
            request_timeout,
            mediamtx: mediamtx::Settings {
                api_url: env.url("MEDIAMTX_API_URL", "http://127.0.0.1:9997")?,
                playback_url: env.url("MEDIAMTX_PLAYBACK_URL", "http://127.0.0.1:9996")?,
                user: env.get("MEDIAMTX_API_USER"),
                password: env.get("MEDIAMTX_API_PASS").map(Secret::new),
                // Above MediaMTX's 0-4 s penalty for a rejected credential,
                // and generous for writes, which reload its whole config.
                timeout: Duration::from_secs(10),
            },
            reconcile: reconcile::Settings {
                interval: env.duration("CAMPLANE_RECONCILE_INTERVAL", "10s")?,
                config_file: env.writable_file("MEDIAMTX_CONFIG_FILE")?,
                node_config_dir: env
                    .get("CAMPLANE_NODE_CONFIG_DIR")
                    .map(|_| env.absolute_dir("CAMPLANE_NODE_CONFIG_DIR", ""))
                    .transpose()?,
                placement: placement::Rules {
                    failover_after: env.duration("CAMPLANE_NODE_FAILOVER_AFTER", "15s")?,
                    settle: env.duration("CAMPLANE_NODE_SETTLE", "60s")?,
                    rebalance_step: env.count("CAMPLANE_NODE_REBALANCE_STEP", 50)?,
                },
                edge: edge::Settings {
                    maps_dir: env
                        .get("CAMPLANE_EDGE_MAPS_DIR")
                        .map(|_| env.absolute_dir("CAMPLANE_EDGE_MAPS_DIR", ""))
                        .transpose()?,
                    runtime: env.get("CAMPLANE_EDGE_RUNTIME"),
                },
                source: SourceSettings {
                    start_timeout: env.duration("CAMPLANE_SOURCE_START_TIMEOUT", "10s")?,
                    close_after: env.duration("CAMPLANE_SOURCE_CLOSE_AFTER", "10s")?,
                },
                record: RecordSettings {
                    path: recordings.record_path(),
                    segment: recordings.segment,
                },
            },
            media: media::Settings {
                ffmpeg: env.program("CAMPLANE_FFMPEG", "ffmpeg")?,
                ffprobe: env.program("CAMPLANE_FFPROBE", "ffprobe")?,
                probe_timeout: env.process_timeout(
                    "CAMPLANE_PROBE_TIMEOUT",
                    "5s",
                    request_timeout,
                )?,
                snapshot_timeout: env.process_timeout(
                    "CAMPLANE_SNAPSHOT_TIMEOUT",
                    "8s",
                    request_timeout,
                )?,
                max_processes: env.count("CAMPLANE_FFMPEG_MAX", default_processes())?,
                queue: env.count("CAMPLANE_FFMPEG_QUEUE", 32)?,
                rtsp_url: env.rtsp_url("MEDIAMTX_RTSP_URL")?,
            },
            recordings,
            console_dir: PathBuf::from(env.or("CAMPLANE_CONSOLE_DIR", "frontend/dist")),
            metrics_listen: match env.or("CAMPLANE_METRICS_LISTEN", "127.0.0.1:9464").as_str() {
                "off" => None,
                _ => Some(env.parsed("CAMPLANE_METRICS_LISTEN", "127.0.0.1:9464")?),
            },
            cors_origins: env.origins("CAMPLANE_CORS_ORIGINS")?,
            secret_key: env
                .secret_key("CAMPLANE_SECRET_KEY")?
                .ok_or(ConfigError::Missing("CAMPLANE_SECRET_KEY"))?,
            new_secret_key: env.secret_key("CAMPLANE_NEW_SECRET_KEY")?,
            access: auth::Settings {
                video_token_lifetime: env.duration("CAMPLANE_VIDEO_TOKEN_TTL", "5m")?,
                initial_admin: env.get("CAMPLANE_INITIAL_ADMIN_PASSWORD").map(|password| {
                    (
                        env.or("CAMPLANE_INITIAL_ADMIN", "admin"),
                        Secret::new(password),
                    )
                }),
            },
        })
    }
}

struct Env<'a>(&'a dyn Fn(&str) -> Option<String>);

impl Env<'_> {
    fn get(&self, var: &str) -> Option<String> {
        (self.0)(var).filter(|value| !value.trim().is_empty())
    }

    /// A comma-separated list of `scheme://host[:port]` origins, exactly as
    /// browsers send them in `Origin` (no path, no trailing slash).
    fn origins(&self, var: &'static str) -> Result<Vec<String>, ConfigError> {
        let Some(list) = self.get(var) else {
            return Ok(Vec::new());
        };
        list.split(',')
            .map(str::trim)
            .filter(|origin| !origin.is_empty())
            .map(|origin| {
                let url =
                    Url::parse(origin).map_err(|err| invalid(var, format!("{origin:?}: {err}")))?;
                let serialized = url.origin().ascii_serialization();
                if !matches!(url.scheme(), "http" | "https") || serialized != origin {
                    return Err(invalid(
                        var,
                        format!("{origin:?} is not an origin like https://vms.example.com"),
                    ));
                }
                Ok(serialized)
            })
            .collect()
    }

    fn required(&self, var: &'static str) -> Result<String, ConfigError> {
        self.get(var).ok_or(ConfigError::Missing(var))
    }

    fn or(&self, var: &str, default: &str) -> String {
        self.get(var).unwrap_or_else(|| default.to_owned())
    }

    fn parsed<T>(&self, var: &'static str, default: &str) -> Result<T, ConfigError>
    where
        T: std::str::FromStr,
        T::Err: fmt::Display,
    {
        let raw = self.or(var, default);
        raw.parse()
            .map_err(|err| invalid(var, format!("{raw:?}: {err}")))
    }

    fn duration(&self, var: &'static str, default: &str) -> Result<Duration, ConfigError> {
        let raw = self.or(var, default);
        parse_duration(&raw)
            .filter(|d| !d.is_zero())
            .ok_or_else(|| {
                invalid(
                    var,
                    format!("{raw:?} is not a duration such as 500ms, 10s or 2m"),
                )
            })
    }

    /// A deadline for ffmpeg or ffprobe, short enough that a request running
    /// one still answers within the request timeout.
    fn process_timeout(
        &self,
        var: &'static str,
        default: &str,
        request_timeout: Duration,
    ) -> Result<Duration, ConfigError> {
        let timeout = self.duration(var, default)?;
        match media::longest_wait(request_timeout, timeout) {
            Some(_) => Ok(timeout),
            None => Err(invalid(
                var,
                format!(
                    "{timeout:?} leaves no time to answer within CAMPLANE_REQUEST_TIMEOUT \
                     ({request_timeout:?}); make it at least {:?} shorter",
                    media::HEADROOM
                ),
            )),
        }
    }

    fn recordings(&self) -> Result<recordings::Settings, ConfigError> {
        let mode = self.or("CAMPLANE_RECORDING_DEFAULT", "off");
        let mode = RecordingMode::parse(&mode).ok_or_else(|| {
            invalid(
                "CAMPLANE_RECORDING_DEFAULT",
                format!("expected off or continuous, got {mode:?}"),
            )
        })?;
        let retention = cameras::parse_retention(&self.or("CAMPLANE_RECORDING_RETENTION", "7d"))
            .map_err(|reason| invalid("CAMPLANE_RECORDING_RETENTION", reason))?;
        let dir = PathBuf::from(self.or("CAMPLANE_RECORDINGS_DIR", "/recordings"));
        // MediaMTX runs elsewhere, from another directory: only an absolute
        // path names the same place for both.
        if !dir.is_absolute() || dir.to_str().is_none_or(|dir| dir.contains('%')) {
            return Err(invalid(
                "CAMPLANE_RECORDINGS_DIR",
                format!("{} is not an absolute path without %", dir.display()),
            ));
        }
        let segment = self.duration("CAMPLANE_RECORDING_SEGMENT", "10m")?;
        if segment > Duration::from_secs(86_400) || segment.subsec_nanos() != 0 {
            return Err(invalid(
                "CAMPLANE_RECORDING_SEGMENT",
                "must be whole seconds, at most a day (MediaMTX's limit)",
            ));
        }
        let min_free = self.or("CAMPLANE_RECORDINGS_MIN_FREE", "5");
        let min_free_percent = min_free
            .trim()
            .trim_end_matches('%')
            .parse::<u8>()
            .ok()
            .filter(|percent| *percent <= 100)
            .ok_or_else(|| {
                invalid(
                    "CAMPLANE_RECORDINGS_MIN_FREE",
                    format!("{min_free:?} is not a whole percentage from 0 to 100"),
                )
            })?;
        Ok(recordings::Settings {
            defaults: RecordingPolicy {
                mode,
                retention,
                storage_budget_bytes: None,
            },
            dir,
            segment,
            max_listed: Duration::from_secs(31 * 86_400),
            check: self.duration("CAMPLANE_RECORDINGS_CHECK", "30s")?,
            min_free_percent,
            exports: recordings::ExportSettings {
                dir: self.absolute_dir("CAMPLANE_EXPORTS_DIR", "/var/lib/camplane/exports")?,
                max: self.duration("CAMPLANE_EXPORT_MAX", "1h")?,
                ttl: self.duration("CAMPLANE_EXPORT_TTL", "24h")?,
            },
        })
    }

    /// A directory named by its absolute path (replicas must agree on it).
    fn absolute_dir(&self, var: &'static str, default: &str) -> Result<PathBuf, ConfigError> {
        let dir = PathBuf::from(self.or(var, default));
        if !dir.is_absolute() {
            return Err(invalid(
                var,
                format!("{} is not an absolute path", dir.display()),
            ));
        }
        Ok(dir)
    }

    fn url(&self, var: &'static str, default: &str) -> Result<Url, ConfigError> {
        let raw = self.or(var, default);
        match Url::parse(&raw) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(url),
            _ => Err(invalid(var, "expected an http:// or https:// URL")),
        }
    }

    fn count(&self, var: &'static str, default: usize) -> Result<usize, ConfigError> {
        match self.get(var) {
            None => Ok(default),
            Some(raw) => raw
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| invalid(var, format!("{raw:?} is not a positive whole number"))),
        }
    }

    fn rtsp_url(&self, var: &'static str) -> Result<Option<Url>, ConfigError> {
        let Some(raw) = self.get(var) else {
            return Ok(None);
        };
        match Url::parse(&raw) {
            Ok(url) if matches!(url.scheme(), "rtsp" | "rtsps") && url.host().is_some() => {
                Ok(Some(url))
            }
            _ => Err(invalid(var, "expected an rtsp:// or rtsps:// URL")),
        }
    }

    /// An existing file that this process may rewrite (in its directory: a
    /// new file is renamed over it).
    fn writable_file(&self, var: &'static str) -> Result<Option<PathBuf>, ConfigError> {
        let Some(raw) = self.get(var) else {
            return Ok(None);
        };
        let path = PathBuf::from(raw);
        if !path.is_file() {
            return Err(invalid(var, format!("{} is not a file", path.display())));
        }
        let dir = path.parent().filter(|dir| !dir.as_os_str().is_empty());
        let dir = dir.unwrap_or(std::path::Path::new("."));
        let probe = dir.join(format!(".camplane-write-check-{}", std::process::id()));
        match std::fs::File::create(&probe) {
            Ok(_) => {
                let _ = std::fs::remove_file(&probe);
                Ok(Some(path))
            }
            Err(err) => Err(invalid(
                var,
                format!("cannot write in {}: {err}", dir.display()),
            )),
        }
    }

    /// A program named by path, or looked up on `PATH`; missing is fatal at
    /// start-up rather than a failed snapshot later.
    fn program(&self, var: &'static str, default: &str) -> Result<PathBuf, ConfigError> {
        let name = self.or(var, default);
        let found = if name.contains('/') {
            Some(PathBuf::from(&name)).filter(|path| is_executable(path))
        } else {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|dir| dir.join(&name))
                    .find(|path| is_executable(path))
            })
        };
        found.ok_or_else(|| {
            invalid(var, format!("{name:?} is not an executable program; install ffmpeg (scripts/install-deps.sh)"))
        })
    }

    fn secret_key(&self, var: &'static str) -> Result<Option<SecretKey>, ConfigError> {
        self.get(var)
            .map(|text| SecretKey::from_base64(&text).map_err(|err| invalid(var, err.to_string())))
            .transpose()
    }

    fn log_filter(&self) -> Result<String, ConfigError> {
        let filter = self.or("CAMPLANE_LOG", "info");
        tracing_subscriber::EnvFilter::try_new(&filter)
            .map_err(|err| invalid("CAMPLANE_LOG", format!("{filter:?}: {err}")))?;
        Ok(filter)
    }
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// Two per core: ffmpeg's work here is mostly waiting on the network.
fn default_processes() -> usize {
    std::thread::available_parallelism().map_or(2, |cores| cores.get() * 2)
}

fn invalid(var: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        var,
        reason: reason.into(),
    }
}

/// Parses `500ms`, `10s`, `2m`, `1h`, or a bare number of seconds.
pub fn parse_duration(raw: &str) -> Option<Duration> {
    let raw = raw.trim();
    let split = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
    let (number, unit) = raw.split_at(split);
    let number: u64 = number.parse().ok()?;
    match unit {
        "ms" => Some(Duration::from_millis(number)),
        "" | "s" => Some(Duration::from_secs(number)),
        "m" => Some(Duration::from_secs(number * 60)),
        "h" => Some(Duration::from_secs(number * 3600)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    const DB: (&str, &str) = ("DATABASE_URL", "postgres://postgres:pw@127.0.0.1/db");
    const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const SECRET_KEY: (&str, &str) = ("CAMPLANE_SECRET_KEY", KEY);

    #[test]
    fn cors_origins_are_exact_origins() {
        let parsed = config(&[
            DB,
            SECRET_KEY,
            (
                "CAMPLANE_CORS_ORIGINS",
                "https://vms.example.com, http://10.0.0.5:8080",
            ),
        ])
        .unwrap();
        assert_eq!(
            parsed.cors_origins,
            ["https://vms.example.com", "http://10.0.0.5:8080"]
        );
        for bad in [
            "https://vms.example.com/",
            "vms.example.com",
            "ftp://x.example",
            "*",
        ] {
            let err = config(&[DB, SECRET_KEY, ("CAMPLANE_CORS_ORIGINS", bad)]).unwrap_err();
            assert!(
                err.to_string().contains("CAMPLANE_CORS_ORIGINS"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn defaults_apply() {
        let config = config(&[DB, SECRET_KEY]).unwrap();
        assert_eq!(config.listen, "0.0.0.0:8080".parse().unwrap());
        assert_eq!(config.log_filter, "info");
        assert_eq!(config.log_format, LogFormat::Text);
        assert_eq!(config.mediamtx.api_url.as_str(), "http://127.0.0.1:9997/");
        assert_eq!(config.reconcile.interval, Duration::from_secs(10));
        assert_eq!(config.reconcile.source.close_after, Duration::from_secs(10));
    }

    #[test]
    fn recording_settings_are_checked() {
        let parsed = config(&[DB, SECRET_KEY]).unwrap();
        assert_eq!(parsed.recordings.defaults.mode, RecordingMode::Off);
        assert_eq!(
            parsed.reconcile.record.path,
            "/recordings/%path/%Y-%m-%d_%H-%M-%S-%f%z"
        );
        assert_eq!(parsed.reconcile.record.segment, Duration::from_secs(600));
        let recordings = &parsed.recordings;
        assert_eq!(recordings.check, Duration::from_secs(30));
        assert_eq!(recordings.min_free_percent, 5);
        assert_eq!(
            recordings.exports.dir,
            PathBuf::from("/var/lib/camplane/exports")
        );
        assert_eq!(recordings.exports.max, Duration::from_secs(3600));
        assert_eq!(recordings.exports.ttl, Duration::from_secs(86_400));
        let set = config(&[
            DB,
            SECRET_KEY,
            ("CAMPLANE_RECORDINGS_CHECK", "1s"),
            ("CAMPLANE_RECORDINGS_MIN_FREE", "100"),
            ("CAMPLANE_EXPORTS_DIR", "/tmp/exports"),
            ("CAMPLANE_EXPORT_MAX", "10m"),
            ("CAMPLANE_EXPORT_TTL", "2s"),
        ])
        .unwrap()
        .recordings;
        assert_eq!(set.check, Duration::from_secs(1));
        assert_eq!(set.min_free_percent, 100);
        assert_eq!(set.exports.dir, PathBuf::from("/tmp/exports"));
        assert_eq!(set.exports.max, Duration::from_secs(600));
        assert_eq!(set.exports.ttl, Duration::from_secs(2));
        for (var, bad) in [
            ("CAMPLANE_RECORDING_DEFAULT", "motion"),
            ("CAMPLANE_RECORDING_RETENTION", "1y"),
            ("CAMPLANE_RECORDINGS_DIR", "recordings"),
            ("CAMPLANE_RECORDINGS_DIR", "/r/%path"),
            ("CAMPLANE_RECORDING_SEGMENT", "2d"),
            ("CAMPLANE_RECORDING_SEGMENT", "1500ms"),
            ("MEDIAMTX_PLAYBACK_URL", "rtsp://x"),
            ("CAMPLANE_RECORDINGS_CHECK", "often"),
            ("CAMPLANE_RECORDINGS_MIN_FREE", "101"),
            ("CAMPLANE_RECORDINGS_MIN_FREE", "-1"),
            ("CAMPLANE_RECORDINGS_MIN_FREE", "2.5"),
            ("CAMPLANE_EXPORTS_DIR", "exports"),
            ("CAMPLANE_EXPORT_MAX", "0s"),
            ("CAMPLANE_EXPORT_TTL", "1 day"),
        ] {
            let err = config(&[DB, SECRET_KEY, (var, bad)]).unwrap_err();
            assert!(err.to_string().starts_with(var), "{var}={bad}: {err}");
        }
    }

    #[test]
    fn mediamtx_settings_are_checked() {
        let err = config(&[DB, SECRET_KEY, ("MEDIAMTX_API_URL", "ftp://x")]).unwrap_err();
        assert!(err.to_string().starts_with("MEDIAMTX_API_URL"), "{err}");
        let err = config(&[DB, SECRET_KEY, ("CAMPLANE_RECONCILE_INTERVAL", "soon")]).unwrap_err();
        assert!(
            err.to_string().starts_with("CAMPLANE_RECONCILE_INTERVAL"),
            "{err}"
        );
        let config = config(&[
            DB,
            SECRET_KEY,
            ("MEDIAMTX_API_USER", "svc"),
            ("MEDIAMTX_API_PASS", "pw"),
        ])
        .unwrap();
        assert!(!format!("{config:?}").contains("\"pw\""));
    }

    #[test]
    fn the_mediamtx_config_file_must_exist_and_be_writable_in_place() {
        let err = config(&[
            DB,
            SECRET_KEY,
            ("MEDIAMTX_CONFIG_FILE", "/nonexistent/m.yml"),
        ])
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("MEDIAMTX_CONFIG_FILE is invalid"),
            "{err}"
        );
        let dir = std::env::temp_dir().join(format!("camplane-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("mediamtx.yml");
        std::fs::write(&file, "paths: {}\n").unwrap();
        let config = config(&[
            DB,
            SECRET_KEY,
            ("MEDIAMTX_CONFIG_FILE", file.to_str().unwrap()),
        ]);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(config.unwrap().reconcile.config_file, Some(file));
    }

    #[test]
    fn media_settings_are_checked() {
        let err =
            config(&[DB, SECRET_KEY, ("CAMPLANE_FFMPEG", "/nonexistent/ffmpeg")]).unwrap_err();
        assert!(
            err.to_string().starts_with("CAMPLANE_FFMPEG is invalid"),
            "{err}"
        );
        let err = config(&[DB, SECRET_KEY, ("CAMPLANE_FFPROBE", "no-such-ffprobe")]).unwrap_err();
        assert!(err.to_string().contains("CAMPLANE_FFPROBE"), "{err}");
        let err = config(&[DB, SECRET_KEY, ("CAMPLANE_FFMPEG_MAX", "0")]).unwrap_err();
        assert!(err.to_string().contains("CAMPLANE_FFMPEG_MAX"), "{err}");
        let err = config(&[
            DB,
            SECRET_KEY,
            ("MEDIAMTX_RTSP_URL", "http://mediamtx:8554"),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("MEDIAMTX_RTSP_URL"), "{err}");
        let config = config(&[
            DB,
            SECRET_KEY,
            ("MEDIAMTX_RTSP_URL", "rtsp://mediamtx:8554"),
        ])
        .unwrap();
        assert_eq!(config.media.probe_timeout, Duration::from_secs(5));
        assert!(config.media.ffmpeg.is_absolute());
    }

    #[test]
    fn probes_and_snapshots_must_fit_in_the_request_timeout() {
        let defaults = config(&[DB, SECRET_KEY]).unwrap();
        assert_eq!(defaults.request_timeout, Duration::from_secs(30));
        let err = config_err(&[("CAMPLANE_REQUEST_TIMEOUT", "9s")]);
        assert!(
            err.starts_with("CAMPLANE_SNAPSHOT_TIMEOUT is invalid: 8s leaves no time"),
            "{err}"
        );
        let err = config_err(&[
            ("CAMPLANE_REQUEST_TIMEOUT", "3s"),
            ("CAMPLANE_SNAPSHOT_TIMEOUT", "1500ms"),
        ]);
        assert!(
            err.starts_with("CAMPLANE_PROBE_TIMEOUT is invalid"),
            "{err}"
        );
        let fits = config(&[
            DB,
            SECRET_KEY,
            ("CAMPLANE_REQUEST_TIMEOUT", "3s"),
            ("CAMPLANE_SNAPSHOT_TIMEOUT", "1500ms"),
            ("CAMPLANE_PROBE_TIMEOUT", "1s"),
        ]);
        assert!(fits.is_ok(), "{:?}", fits.err());
    }

    fn config_err(vars: &[(&str, &str)]) -> String {
        let mut all = vec![DB, SECRET_KEY];
        all.extend_from_slice(vars);
        config(&all).unwrap_err().to_string()
    }

    #[test]
    fn database_url_is_required() {
        assert_eq!(
            config(&[]).unwrap_err(),
            ConfigError::Missing("DATABASE_URL")
        );
    }

    #[test]
    fn the_secret_key_is_required_and_checked_without_being_quoted() {
        assert_eq!(
            config(&[DB]).unwrap_err(),
            ConfigError::Missing("CAMPLANE_SECRET_KEY")
        );
        for bad in ["hunter2!", "aHVudGVyMg=="] {
            for var in ["CAMPLANE_SECRET_KEY", "CAMPLANE_NEW_SECRET_KEY"] {
                let err = config(&[DB, SECRET_KEY, (var, bad)]).unwrap_err();
                assert!(
                    err.to_string().starts_with(&format!("{var} is invalid")),
                    "{err}"
                );
                assert!(!err.to_string().contains(bad), "{err}");
            }
        }
        let config = config(&[DB, SECRET_KEY]).unwrap();
        assert!(config.new_secret_key.is_none());
        assert!(!format!("{config:?}").contains(KEY));
    }

    #[test]
    fn errors_name_the_variable_but_never_the_database_password() {
        let err = config(&[("DATABASE_URL", "mysql://u:hunter2@h/db")]).unwrap_err();
        assert!(err.to_string().contains("DATABASE_URL"));
        assert!(!err.to_string().contains("hunter2"));

        let err = config(&[DB, SECRET_KEY, ("CAMPLANE_LISTEN", "nowhere")]).unwrap_err();
        assert!(
            err.to_string().starts_with("CAMPLANE_LISTEN is invalid"),
            "{err}"
        );

        let err = config(&[DB, SECRET_KEY, ("CAMPLANE_LOG_FORMAT", "xml")]).unwrap_err();
        assert!(err.to_string().contains("CAMPLANE_LOG_FORMAT"), "{err}");

        let err = config(&[DB, SECRET_KEY, ("CAMPLANE_LOG", "camera_api=loud")]).unwrap_err();
        assert!(err.to_string().contains("CAMPLANE_LOG"), "{err}");
    }

    #[test]
    fn secrets_do_not_show_in_debug_output() {
        let config = config(&[DB, SECRET_KEY]).unwrap();
        assert!(!format!("{config:?}").contains("pw@"));
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("10s"), Some(Duration::from_secs(10)));
        assert_eq!(parse_duration("10"), Some(Duration::from_secs(10)));
        assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("2 weeks"), None);
        assert_eq!(parse_duration(""), None);
    }
}
