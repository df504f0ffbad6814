//! Bearer secrets (session cookies, API and video tokens): 256 random bits,
//! stored only as a SHA-256. They are not passwords, so no slow hash is
//! needed: nobody can guess 2^256 values, fast or slow.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// A new secret with a prefix saying what it is (`cpl_` API token, `cps_`
/// session, `cpv_` video), so a leaked one is recognisable by scanners.
pub fn generate(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random source works");
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

pub fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_are_prefixed_unique_and_hashed_to_32_bytes() {
        let (one, two) = (super::generate("cpl_"), super::generate("cpl_"));
        assert!(one.starts_with("cpl_") && one.len() == 4 + 43, "{one}");
        assert_ne!(one, two);
        assert_eq!(super::hash(&one).len(), 32);
        assert_ne!(super::hash(&one), super::hash(&two));
    }
}
