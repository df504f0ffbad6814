//! A camera's RTSP address. It usually carries the camera's password, which
//! opens the camera itself, so the only ways to print it mask the password.

use std::fmt;

use url::Url;

use crate::redact::PASSWORD_MASK;
use crate::secrets::Secret;
use crate::secrets::{self, Sealed, SecretKey};

const MAX_LEN: usize = 2048;

#[derive(Clone, PartialEq, Eq)]
pub struct StreamUrl(Url);

impl StreamUrl {
    /// A URL a client sent: what `parse` checks, and that its percent
    /// escapes are whole, since MediaMTX reads sources with Go's `url.Parse`,
    /// which refuses a `%` not followed by two hex digits.
    pub fn parse_input(raw: &str) -> Result<Self, String> {
        if !has_whole_escapes(raw) {
            return Err(
                "has a % not followed by two hex digits: write a literal % as %25".to_owned(),
            );
        }
        let url = Self::parse(raw)?;
        // ffmpeg does not check an rtsps camera's certificate, MediaMTX does
        // (unless given its fingerprint): a probe would say OK where
        // MediaMTX fails.
        if url.0.scheme() == "rtsps" {
            return Err(
                "rtsps:// is not supported yet: MediaMTX checks the camera's TLS \
                        certificate, which on most cameras is self-signed; use rtsp://"
                    .to_owned(),
            );
        }
        Ok(url)
    }

    /// A URL as stored; new input goes through `parse_input`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.len() > MAX_LEN {
            return Err(format!("must be at most {MAX_LEN} bytes"));
        }
        // The url crate silently drops tabs and newlines, so reject them before
        // it can hide them.
        if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("must not contain spaces or control characters".into());
        }
        let url = Url::parse(raw).map_err(|_| {
            "must be an rtsp:// or rtsps:// URL such as rtsp://user:password@192.0.2.10:554/stream1"
                .to_owned()
        })?;
        if !matches!(url.scheme(), "rtsp" | "rtsps") {
            return Err("must start with rtsp:// or rtsps://".into());
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err("must name the camera's host".into());
        }
        // MediaMTX refuses a source with only one of the two.
        if url.username().is_empty() != url.password().is_none() {
            return Err("must give both a user and a password, or neither".into());
        }
        if url.fragment().is_some() {
            return Err("must not contain a #fragment".into());
        }
        Ok(Self(url))
    }

    /// The full URL, password included: only for MediaMTX and ffmpeg.
    pub fn expose(&self) -> &str {
        self.0.as_str()
    }

    /// The camera's own host and port, for a plain `rtsp://` URL (what a
    /// relay can read; `rtsps://` is encrypted end to end).
    pub fn plain_endpoint(&self) -> Option<(String, u16)> {
        (self.0.scheme() == "rtsp").then(|| {
            let host = self.0.host_str().unwrap_or_default();
            // The url crate writes IPv6 hosts in brackets; sockets want them bare.
            let host = host.trim_start_matches('[').trim_end_matches(']');
            (host.to_owned(), self.0.port().unwrap_or(554))
        })
    }

    /// The full URL, password included, pointed at `127.0.0.1:port`: for
    /// ffprobe talking to the camera through a local relay.
    pub fn expose_via_loopback(&self, port: u16) -> String {
        let mut url = self.0.clone();
        // Infallible: an rtsp URL with a host takes any host and port.
        let _ = url.set_host(Some("127.0.0.1"));
        let _ = url.set_port(Some(port));
        url.into()
    }

    pub fn has_password_mask(&self) -> bool {
        self.0.password() == Some(PASSWORD_MASK)
    }

    /// Whether both name the same server: scheme, host and port (a missing
    /// port is the scheme's). The stored password may stand in for the mask
    /// only there, or anyone who may edit a camera could have its password
    /// sent to a host of their choosing.
    pub fn same_endpoint(&self, other: &StreamUrl) -> bool {
        let endpoint = |url: &Url| {
            let default = if url.scheme() == "rtsps" { 322 } else { 554 };
            (
                url.scheme().to_owned(),
                url.host_str().map(str::to_ascii_lowercase),
                url.port().unwrap_or(default),
            )
        };
        endpoint(&self.0) == endpoint(&other.0)
    }

    /// Puts back the stored password where a client sent the mask it was shown,
    /// so editing other parts of the URL does not require retyping it.
    pub fn unmask_with(self, stored: &StreamUrl) -> Self {
        match stored.0.password() {
            Some(password) => self.with_password(password),
            None => self,
        }
    }

    /// `password` (percent-encoded, as `Url::password` gives it) in place of
    /// the mask.
    fn with_password(mut self, password: &str) -> Self {
        if self.has_password_mask() {
            // Infallible: the URL already has a user and host.
            let _ = self.0.set_password(Some(password));
        }
        self
    }

    fn mask(&self) -> Url {
        let mut url = self.0.clone();
        if url.password().is_some() {
            let _ = url.set_password(Some(PASSWORD_MASK));
        }
        url
    }

    pub fn masked(&self) -> String {
        self.mask().into()
    }

    /// The URL as stored, its password masked, and the password to seal.
    pub fn split_password(&self) -> (StreamUrl, Option<Secret>) {
        (StreamUrl(self.mask()), self.0.password().map(Secret::new))
    }
}

/// Whether every `%` starts an escape of two hex digits.
pub fn has_whole_escapes(raw: &str) -> bool {
    let bytes = raw.as_bytes();
    bytes.iter().enumerate().all(|(at, byte)| {
        *byte != b'%'
            || bytes
                .get(at + 1..at + 3)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
    })
}

/// A camera's stream URL as the database holds it: masked, with the
/// password sealed apart. Only `open` gives the password back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredUrl {
    masked: StreamUrl,
    password: Option<Sealed>,
}

impl StoredUrl {
    /// From the `stream_url`, `password_sealed` and `password_key_id`
    /// columns; `Err` says what is inconsistent (never quoting a password).
    pub fn from_columns(
        stream_url: &str,
        sealed: Option<Vec<u8>>,
        key_id: Option<String>,
    ) -> Result<Self, String> {
        let masked = StreamUrl::parse(stream_url)?;
        let password = match (sealed, key_id) {
            (Some(bytes), Some(key_id)) => Some(Sealed { key_id, bytes }),
            (None, None) => None,
            _ => return Err("has a sealed password without its key id".into()),
        };
        if masked.0.password() != password.as_ref().map(|_| PASSWORD_MASK) {
            return Err("holds a password that is not sealed".into());
        }
        Ok(Self { masked, password })
    }

    /// Whether `url` names the server this camera's URL names.
    pub fn same_endpoint(&self, url: &StreamUrl) -> bool {
        self.masked.same_endpoint(url)
    }

    pub fn masked(&self) -> String {
        self.masked.masked()
    }

    pub(super) fn masked_url(&self) -> &StreamUrl {
        &self.masked
    }

    pub(super) fn sealed(&self) -> Option<&Sealed> {
        self.password.as_ref()
    }

    /// The full URL, password included: only for MediaMTX and ffmpeg.
    pub fn open(&self, camera_id: i64, key: &SecretKey) -> Result<StreamUrl, secrets::Error> {
        match &self.password {
            Some(sealed) => {
                let password = key.open(camera_id, sealed)?;
                Ok(self.masked.clone().with_password(password.expose()))
            }
            None => Ok(self.masked.clone()),
        }
    }
}

impl fmt::Display for StreamUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for StreamUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StreamUrl({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_rtsp_and_rtsps_with_or_without_credentials() {
        for ok in [
            "rtsp://10.1.2.3:554/stream1",
            "rtsps://cam.example/live",
            "rtsp://admin:s%40cret@10.1.2.3/stream1",
            "rtsp://[2001:db8::1]:8554/cam",
        ] {
            assert!(StreamUrl::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_what_mediamtx_or_an_operator_would_trip_on() {
        for bad in [
            "http://10.1.2.3/stream",
            "file:///etc/passwd",
            "rtsp://",
            "rtsp:///stream",
            "rtsp://10.1.2.3/a b",
            "rtsp://10.1.2.3/a\tb",
            " rtsp://10.1.2.3/",
            "rtsp://admin@10.1.2.3/",
            "rtsp://:pw@10.1.2.3/",
            "rtsp://10.1.2.3/#frag",
            "not a url",
        ] {
            assert!(StreamUrl::parse(bad).is_err(), "{bad}");
        }
        let long = format!("rtsp://h/{}", "a".repeat(MAX_LEN));
        assert!(StreamUrl::parse(&long).is_err());
    }

    #[test]
    fn input_needs_whole_percent_escapes_as_mediamtx_does() {
        for bad in [
            "rtsp://admin:50%@10.1.2.3/",
            "rtsp://admin:a%zz@10.1.2.3/",
            "rtsp://10.1.2.3/live%2",
        ] {
            assert!(StreamUrl::parse_input(bad).is_err(), "{bad}");
        }
        for ok in [
            "rtsp://admin:50%25@10.1.2.3/",
            "rtsp://admin:%41b@10.1.2.3/",
        ] {
            assert!(StreamUrl::parse_input(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn the_same_endpoint_is_scheme_host_and_port() {
        let stored = StreamUrl::parse("rtsp://admin:pw@10.1.2.3/stream1").unwrap();
        for same in [
            "rtsp://admin:***@10.1.2.3:554/other",
            "rtsp://x:***@10.1.2.3/stream1",
        ] {
            assert!(
                StreamUrl::parse(same).unwrap().same_endpoint(&stored),
                "{same}"
            );
        }
        for other in [
            "rtsp://admin:***@10.1.2.4/stream1",
            "rtsp://admin:***@10.1.2.3:8554/stream1",
            "rtsps://admin:***@10.1.2.3/stream1",
            "rtsp://admin:***@evil.example/stream1",
        ] {
            assert!(
                !StreamUrl::parse(other).unwrap().same_endpoint(&stored),
                "{other}"
            );
        }
    }

    #[test]
    fn rtsps_is_refused_as_input_but_read_as_stored() {
        let err = StreamUrl::parse_input("rtsps://cam.example/live").unwrap_err();
        assert!(err.contains("rtsps:// is not supported yet"), "{err}");
        assert!(StreamUrl::parse("rtsps://cam.example/live").is_ok());
    }

    #[test]
    fn every_printable_form_masks_the_password() {
        let url = StreamUrl::parse("rtsp://admin:hunter2@10.1.2.3:554/stream1").unwrap();
        assert_eq!(url.masked(), "rtsp://admin:***@10.1.2.3:554/stream1");
        assert_eq!(url.to_string(), url.masked());
        assert!(!format!("{url:?}").contains("hunter2"));
        assert_eq!(url.expose(), "rtsp://admin:hunter2@10.1.2.3:554/stream1");
    }

    #[test]
    fn a_sent_back_mask_keeps_the_stored_password() {
        let stored = StreamUrl::parse("rtsp://admin:hunter2@10.1.2.3/stream1").unwrap();
        let edited = StreamUrl::parse("rtsp://admin:***@10.9.9.9/stream1").unwrap();
        assert_eq!(
            edited.clone().unmask_with(&stored).expose(),
            "rtsp://admin:hunter2@10.9.9.9/stream1"
        );
        let retyped = StreamUrl::parse("rtsp://admin:new@10.1.2.3/stream1").unwrap();
        assert_eq!(
            retyped.unmask_with(&stored).expose(),
            "rtsp://admin:new@10.1.2.3/stream1"
        );
        // With nothing stored, the mask stays for validation to reject.
        let open = StreamUrl::parse("rtsp://10.1.2.3/stream1").unwrap();
        assert!(edited.unmask_with(&open).has_password_mask());
    }

    #[test]
    fn a_stored_url_keeps_the_password_only_sealed() {
        let key = SecretKey::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap();
        let typed = StreamUrl::parse("rtsp://admin:s%40cret@10.1.2.3/stream1").unwrap();
        let (masked, password) = typed.split_password();
        assert_eq!(masked.expose(), "rtsp://admin:***@10.1.2.3/stream1");
        let sealed = key.seal(4, password.unwrap().expose());
        let stored = StoredUrl::from_columns(
            masked.expose(),
            Some(sealed.bytes.clone()),
            Some(sealed.key_id.clone()),
        )
        .unwrap();
        assert_eq!(stored.masked(), masked.expose());
        assert_eq!(stored.open(4, &key).unwrap(), typed);
        assert!(stored.open(5, &key).is_err());

        let open = StreamUrl::parse("rtsp://10.1.2.3/stream1").unwrap();
        assert_eq!(open.split_password(), (open.clone(), None));
        let stored = StoredUrl::from_columns(open.expose(), None, None).unwrap();
        assert_eq!(stored.open(4, &key).unwrap(), open);

        // A row can't pass off a plaintext password, or a mask with nothing
        // sealed behind it.
        for (url, sealed) in [
            ("rtsp://admin:hunter2@10.1.2.3/", None),
            ("rtsp://admin:***@10.1.2.3/", None),
            ("rtsp://admin:hunter2@10.1.2.3/", Some(sealed.clone())),
            ("rtsp://10.1.2.3/", Some(sealed)),
        ] {
            let err = StoredUrl::from_columns(
                url,
                sealed.as_ref().map(|s| s.bytes.clone()),
                sealed.map(|s| s.key_id),
            )
            .unwrap_err();
            assert!(!err.contains("hunter2"), "{err}");
        }
    }
}
