//! Argon2id password hashes (OWASP's parameters, the crate's defaults),
//! computed off the async threads: one takes tens of milliseconds of CPU.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::config::Secret;

pub const MIN_LENGTH: usize = 12;
/// Long enough for any passphrase; bounds the work one login can cause.
pub const MAX_LENGTH: usize = 1024;

pub fn check(password: &str) -> Result<(), String> {
    match password.chars().count() {
        n if n < MIN_LENGTH => Err(format!("must be at least {MIN_LENGTH} characters")),
        n if n > MAX_LENGTH => Err(format!("must be at most {MAX_LENGTH} characters")),
        _ => Ok(()),
    }
}

pub async fn hash(password: Secret) -> String {
    tokio::task::spawn_blocking(move || hash_now(password.expose()))
        .await
        .expect("hashing does not panic")
}

fn hash_now(password: &str) -> String {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the OS random source works");
    let salt = SaltString::encode_b64(&salt).expect("16 bytes is a valid salt");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 accepts any password up to MAX_LENGTH")
        .to_string()
}

/// Checks `password` against `stored`, or against a hash of nothing when
/// there is no such user, so both answers take the same time.
pub async fn verify(password: Secret, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let found = stored.is_some();
        let stored = stored.unwrap_or_else(|| UNKNOWN_USER.clone());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        let matches = Argon2::default()
            .verify_password(password.expose().as_bytes(), &parsed)
            .is_ok();
        found && matches
    })
    .await
    .expect("verifying does not panic")
}

static UNKNOWN_USER: LazyLock<String> = LazyLock::new(|| hash_now("no user has this password"));

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let stored = hash(Secret::new("correct horse battery")).await;
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(verify(Secret::new("correct horse battery"), Some(stored.clone())).await);
        assert!(!verify(Secret::new("correct horse battery!"), Some(stored)).await);
        assert!(!verify(Secret::new("no user has this password"), None).await);
    }

    #[test]
    fn length_rules() {
        assert!(check("short").is_err());
        assert!(check(&"x".repeat(12)).is_ok());
        assert!(check(&"x".repeat(1025)).is_err());
    }
}
