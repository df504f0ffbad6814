//! Principals this replica found in the last moments, so a busy client's
//! requests don't each cost a database lookup. Changes made through this
//! replica (logout, user and token changes) clear it at once; another
//! replica's changes reach it within `FRESH`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::Principal;

const FRESH: Duration = Duration::from_secs(2);
/// Past this many credentials the map starts over rather than grow.
const CAPACITY: usize = 10_000;

/// What a credential (a bearer token or a session cookie) stood for, and,
/// for a session, its CSRF token.
#[derive(Clone)]
pub struct Found {
    pub principal: Principal,
    pub csrf_token: Option<String>,
}

#[derive(Default)]
pub struct Recent {
    entries: Mutex<HashMap<String, (Instant, Found)>>,
}

impl Recent {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, Found)>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn get(&self, credential: &str) -> Option<Found> {
        let entries = self.entries();
        let (at, found) = entries.get(credential)?;
        (at.elapsed() < FRESH).then(|| found.clone())
    }

    pub fn insert(&self, credential: &str, found: Found) {
        let mut entries = self.entries();
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(credential.to_owned(), (Instant::now(), found));
    }

    /// After any change to who may do what.
    pub fn clear(&self) {
        self.entries().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{PrincipalKind, Role};

    #[test]
    fn entries_are_fresh_for_a_moment_and_cleared_on_change() {
        let recent = Recent::default();
        let found = Found {
            principal: Principal {
                kind: PrincipalKind::Token {
                    id: 1,
                    name: "ci".into(),
                },
                role: Role::Viewer,
                groups: None,
            },
            csrf_token: None,
        };
        assert!(recent.get("cpl_a").is_none());
        recent.insert("cpl_a", found);
        assert_eq!(recent.get("cpl_a").unwrap().principal.role, Role::Viewer);
        recent.clear();
        assert!(recent.get("cpl_a").is_none());
    }
}
