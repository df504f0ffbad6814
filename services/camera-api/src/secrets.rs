//! Camera passwords at rest: sealed with an AEAD under the key in
//! `CAMPLANE_SECRET_KEY`, so a database dump or backup holds no password
//! that opens a camera.
//!
//! XChaCha20-Poly1305 rather than AES-256-GCM: its 192-bit nonce can be drawn
//! at random for every value, with no counter to share between replicas or
//! to keep across a `rotate-key` (GCM's 96-bit random nonces wear out after
//! about 2^32 values per key), and it is constant-time in plain software,
//! whatever the CPU offers.
//!
//! Each value is bound to its camera (the camera id is the associated data),
//! so a ciphertext copied onto another camera's row does not open there.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{Aead, Generate, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// A value that must never reach a log line: `Debug` prints a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;
const GENERATE: &str = "generate one with `openssl rand -base64 32`";

/// The key that seals camera passwords, known by its id.
#[derive(Clone)]
pub struct SecretKey {
    cipher: XChaCha20Poly1305,
    id: String,
}

/// A sealed value as stored: the nonce, then the ciphertext and its tag.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed {
    /// The id of the key that sealed it.
    pub key_id: String,
    pub bytes: Vec<u8>,
}

/// Why a configured key is unusable. Never quotes the value.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("is not base64; {GENERATE}")]
    NotBase64,
    #[error("must be {KEY_LEN} bytes encoded in base64, not {0} bytes; {GENERATE}")]
    WrongLength(usize),
}

/// Why a sealed password does not open. The messages name cameras and key
/// ids, never a password or a key.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    #[error(
        "camera {camera_id}'s password is sealed with key {sealed_with}, but CAMPLANE_SECRET_KEY \
         is key {configured}: give the service the key the passwords were sealed with (after \
         `camera-api rotate-key`, the new key)"
    )]
    OtherKey {
        camera_id: i64,
        sealed_with: String,
        configured: String,
    },
    #[error(
        "camera {camera_id}'s password does not decrypt with key {key_id}: the stored value was \
         altered or copied from another camera"
    )]
    Undecryptable { camera_id: i64, key_id: String },
}

impl SecretKey {
    pub fn from_base64(text: &str) -> Result<Self, KeyError> {
        let bytes = Zeroizing::new(
            BASE64
                .decode(text.trim())
                .map_err(|_| KeyError::NotBase64)?,
        );
        let key =
            Key::try_from(bytes.as_slice()).map_err(|_| KeyError::WrongLength(bytes.len()))?;
        Ok(Self {
            cipher: XChaCha20Poly1305::new(&key),
            id: key_id(&key),
        })
    }

    /// Stored beside each value, so a row tells which key sealed it; derived
    /// from the key, so an id can't be paired with the wrong key by mistake.
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn seal(&self, camera_id: i64, plaintext: &str) -> Sealed {
        let nonce = XNonce::generate();
        let ciphertext = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: &associated_data(camera_id),
                },
            )
            .expect("XChaCha20-Poly1305 fails only beyond 256 GiB");
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&ciphertext);
        Sealed {
            key_id: self.id.clone(),
            bytes,
        }
    }

    pub fn open(&self, camera_id: i64, sealed: &Sealed) -> Result<Secret, Error> {
        if sealed.key_id != self.id {
            return Err(Error::OtherKey {
                camera_id,
                sealed_with: sealed.key_id.clone(),
                configured: self.id.clone(),
            });
        }
        let undecryptable = || Error::Undecryptable {
            camera_id,
            key_id: self.id.clone(),
        };
        let (nonce, ciphertext) = sealed
            .bytes
            .split_at_checked(NONCE_LEN)
            .ok_or_else(undecryptable)?;
        let nonce = XNonce::try_from(nonce).map_err(|_| undecryptable())?;
        let plaintext = self
            .cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad: &associated_data(camera_id),
                },
            )
            .map_err(|_| undecryptable())?;
        String::from_utf8(plaintext)
            .map(Secret::new)
            .map_err(|_| undecryptable())
    }
}

/// Versioned, so a later format can't be mistaken for this one.
fn associated_data(camera_id: i64) -> Vec<u8> {
    format!("camplane/v1/camera/{camera_id}/password").into_bytes()
}

/// 16 hex digits of a domain-separated SHA-256 of the key: identifies it
/// without revealing anything of it.
fn key_id(key: &Key) -> String {
    let digest = Sha256::new()
        .chain_update(b"camplane/v1/secret-key-id\0")
        .chain_update(key.as_slice())
        .finalize();
    digest[..8]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({})", self.id)
    }
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sealed(key {}, {} bytes)", self.key_id, self.bytes.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const B: &str = "HxwdHhscGRoXGBUWExQREg8QDQ4LDAkKBwgFBgMEAQI=";

    fn key(text: &str) -> SecretKey {
        SecretKey::from_base64(text).unwrap()
    }

    #[test]
    fn a_key_is_32_bytes_of_base64() {
        assert_eq!(
            SecretKey::from_base64("not base64!").unwrap_err(),
            KeyError::NotBase64
        );
        assert_eq!(
            SecretKey::from_base64("c2hvcnQ=").unwrap_err(),
            KeyError::WrongLength(5)
        );
        let err = SecretKey::from_base64(&BASE64.encode([7u8; 33])).unwrap_err();
        assert!(err.to_string().contains("openssl rand -base64 32"), "{err}");
        // openssl's output ends with a newline.
        assert_eq!(key(&format!("{A}\n")).id(), key(A).id());
    }

    #[test]
    fn each_key_has_its_own_id_and_debug_shows_only_that() {
        assert_ne!(key(A).id(), key(B).id());
        assert_eq!(key(A).id().len(), 16);
        assert_eq!(
            format!("{:?}", key(A)),
            format!("SecretKey({})", key(A).id())
        );
    }

    #[test]
    fn a_sealed_password_opens_for_its_camera_only() {
        let key = key(A);
        let sealed = key.seal(7, "hunter2");
        assert!(!String::from_utf8_lossy(&sealed.bytes).contains("hunter2"));
        assert_eq!(key.open(7, &sealed).unwrap().expose(), "hunter2");
        // A fresh nonce each time: equal passwords don't look equal.
        assert_ne!(key.seal(7, "hunter2").bytes, sealed.bytes);
        assert_eq!(
            key.open(8, &sealed).unwrap_err(),
            Error::Undecryptable {
                camera_id: 8,
                key_id: key.id().to_owned()
            }
        );
        let mut flipped = sealed.clone();
        flipped.bytes[NONCE_LEN] ^= 1;
        assert!(key.open(7, &flipped).is_err());
        let truncated = Sealed {
            bytes: sealed.bytes[..10].to_vec(),
            ..sealed
        };
        assert!(key.open(7, &truncated).is_err());
    }

    #[test]
    fn another_key_does_not_open_it_even_under_a_forged_id() {
        let (a, b) = (key(A), key(B));
        let sealed = b.seal(1, "hunter2");
        let err = a.open(1, &sealed).unwrap_err();
        assert!(matches!(err, Error::OtherKey { .. }));
        assert!(err.to_string().contains("CAMPLANE_SECRET_KEY"), "{err}");
        let forged = Sealed {
            key_id: a.id().to_owned(),
            ..sealed
        };
        assert!(matches!(
            a.open(1, &forged).unwrap_err(),
            Error::Undecryptable { .. }
        ));
    }
}
