//! Principals this replica found in the last moments, so a busy client's
//! requests don't each cost a database lookup. PostgreSQL announces every
//! change to who may do what (whoever makes it, any replica or plain SQL),
//! and every replica forgets them all when it hears one; `FRESH` bounds
//! what a replica that lost its listening connection may still believe.
//! Changes made through this replica also clear it before they answer, so
//! the client that made one never races the announcement.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::time::Instant;

use sqlx::PgPool;
use sqlx::postgres::PgListener;

use super::Principal;

const FRESH: Duration = Duration::from_secs(2);
/// Past this many credentials the map starts over rather than grow.
const CAPACITY: usize = 10_000;

/// What a credential (a bearer token or a session cookie) stood for, for a
/// session its CSRF token, and when the credential expires: time passing
/// announces nothing, so a remembered credential must not outlive itself.
#[derive(Clone)]
pub struct Found {
    pub principal: Principal,
    pub csrf_token: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
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
        let live = found.expires_at.is_none_or(|expires| expires > Utc::now());
        (at.elapsed() < FRESH && live).then(|| found.clone())
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

/// Where PostgreSQL announces changes to users, API tokens and sessions.
const CHANNEL: &str = "camplane_access";

/// Forgets every remembered principal whenever a change is announced, for
/// the life of the process; after a lost connection too, since changes may
/// have gone unheard.
pub async fn forget_on_changes(db: PgPool, recent: Arc<Recent>) {
    loop {
        if let Err(err) = listen(&db, &recent).await {
            tracing::warn!(error = %err, "access change announcements interrupted; reconnecting");
        }
        recent.clear();
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn listen(db: &PgPool, recent: &Recent) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(db).await?;
    listener.ignore_pool_close_event(true);
    listener.listen(CHANNEL).await?;
    recent.clear();
    loop {
        listener.recv().await?;
        recent.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{PrincipalKind, Role};

    fn found(expires_at: Option<DateTime<Utc>>) -> Found {
        Found {
            principal: Principal {
                kind: PrincipalKind::Token {
                    id: 1,
                    name: "ci".into(),
                },
                role: Role::Viewer,
                groups: None,
            },
            csrf_token: None,
            expires_at,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn entries_are_fresh_for_a_moment_and_cleared_on_change() {
        let recent = Recent::default();
        assert!(recent.get("cpl_a").is_none());
        recent.insert("cpl_a", found(None));
        assert_eq!(recent.get("cpl_a").unwrap().principal.role, Role::Viewer);
        recent.clear();
        assert!(recent.get("cpl_a").is_none());

        recent.insert("cpl_a", found(None));
        tokio::time::advance(FRESH - Duration::from_millis(1)).await;
        assert!(recent.get("cpl_a").is_some(), "still fresh");
        tokio::time::advance(Duration::from_millis(1)).await;
        assert!(recent.get("cpl_a").is_none(), "looked up again after FRESH");
    }

    #[test]
    fn a_credential_is_not_remembered_past_its_expiry() {
        let recent = Recent::default();
        let later = Utc::now() + chrono::Duration::hours(1);
        recent.insert("cpl_later", found(Some(later)));
        assert!(recent.get("cpl_later").is_some());
        let gone = Utc::now() - chrono::Duration::milliseconds(1);
        recent.insert("cpl_gone", found(Some(gone)));
        assert!(recent.get("cpl_gone").is_none());
    }
}
