//! Argon2id password hashes (OWASP's parameters, the crate's defaults). One
//! takes tens of milliseconds of CPU and 19 MiB of working memory, and
//! anyone can make the service check a password. So hashes run on threads
//! of their own, one per core, each reusing its working memory: a crowd of
//! logins waits its turn and memory stays at cores × 19 MiB. (On the
//! blocking pool, allocating per hash, 64 concurrent logins took 1.2 GiB.)

use std::cell::RefCell;
use std::sync::{Arc, LazyLock, Mutex, mpsc};

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::secrets::Secret;

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

type Job = Box<dyn FnOnce() + Send>;

/// The hashing threads' queue; they start on first use.
static QUEUE: LazyLock<mpsc::Sender<Job>> = LazyLock::new(|| {
    let (queue, jobs) = mpsc::channel::<Job>();
    let jobs = Arc::new(Mutex::new(jobs));
    for n in 0..std::thread::available_parallelism().map_or(1, usize::from) {
        let jobs = Arc::clone(&jobs);
        std::thread::Builder::new()
            .name(format!("password-{n}"))
            .spawn(move || {
                loop {
                    let job = jobs.lock().expect("not poisoned").recv();
                    match job {
                        Ok(job) => job(),
                        Err(mpsc::RecvError) => return,
                    }
                }
            })
            .expect("starting a hashing thread");
    }
    queue
});

/// Runs `work` on a hashing thread once one is free.
async fn in_turn<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    let (done, result) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = done.send(work());
    });
    QUEUE.send(job).expect("the hashing threads never stop");
    result.await.expect("hashing does not panic")
}

pub async fn hash(password: Secret) -> String {
    in_turn(move || hash_now(password.expose())).await
}

/// What `PasswordHasher::hash_password` does, in `BLOCKS`.
fn hash_now(password: &str) -> String {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the OS random source works");
    let params = Params::default();
    let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
    in_blocks(params.block_count(), |blocks| {
        Argon2::default().hash_password_into_with_memory(
            password.as_bytes(),
            &salt,
            &mut output,
            blocks,
        )
    })
    .expect("argon2 accepts any password up to MAX_LENGTH");
    let salt = SaltString::encode_b64(&salt).expect("16 bytes is a valid salt");
    PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).expect("the default parameters"),
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&output).expect("a 32-byte output")),
    }
    .to_string()
}

/// Checks `password` against `stored`, or against a hash of nothing when
/// there is no such user, so both answers take the same time.
pub async fn verify(password: Secret, stored: Option<String>) -> bool {
    in_turn(move || {
        let found = stored.is_some();
        let stored = stored.unwrap_or_else(|| UNKNOWN_USER.clone());
        let matches = verify_now(password.expose(), &stored).unwrap_or(false);
        found && matches
    })
    .await
}

thread_local! {
    /// Argon2's working memory, kept by each hashing thread: a fresh 19 MiB
    /// per hash, even one at a time, left the allocator holding one for each
    /// of the last few dozen (350 MiB).
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

fn in_blocks<T>(count: usize, work: impl FnOnce(&mut [Block]) -> T) -> T {
    BLOCKS.with_borrow_mut(|blocks| {
        if blocks.len() < count {
            blocks.resize(count, Block::default());
        }
        work(&mut blocks[..count])
    })
}

/// What `PasswordVerifier::verify_password` does, in `BLOCKS`.
fn verify_now(password: &str, stored: &str) -> argon2::password_hash::Result<bool> {
    let parsed = PasswordHash::new(stored)?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Ok(false);
    };
    let algorithm = Algorithm::try_from(parsed.algorithm)?;
    let version = parsed.version.map(Version::try_from).transpose()?;
    let params = Params::try_from(&parsed)?;
    let mut salt_bytes = [0u8; 64];
    let salt = salt.decode_b64(&mut salt_bytes)?;
    let argon2 = Argon2::new(algorithm, version.unwrap_or_default(), params.clone());
    let mut computed = vec![0u8; expected.len()];
    in_blocks(params.block_count(), |blocks| {
        argon2.hash_password_into_with_memory(password.as_bytes(), salt, &mut computed, blocks)
    })?;
    // `Output`'s comparison takes the same time wherever the bytes differ.
    Ok(Output::new(&computed)? == expected)
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

    /// Hashes stored by the crate's own `PasswordHasher` (users created before
    /// the hashing threads kept their memory) still verify, and the crate
    /// accepts ours.
    #[test]
    fn hashes_agree_with_the_crate_both_ways() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let salt = SaltString::encode_b64(b"sixteen byte sal").unwrap();
        let theirs = Argon2::default()
            .hash_password(b"correct horse battery", &salt)
            .unwrap()
            .to_string();
        assert_eq!(verify_now("correct horse battery", &theirs), Ok(true));
        assert_eq!(verify_now("correct horse batterY", &theirs), Ok(false));
        let ours = hash_now("correct horse battery");
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse battery", &parsed)
                .is_ok()
        );
        assert_eq!(parsed.to_string(), ours);
    }

    #[test]
    fn length_rules() {
        assert!(check("short").is_err());
        assert!(check(&"x".repeat(12)).is_ok());
        assert!(check(&"x".repeat(1025)).is_err());
    }
}
