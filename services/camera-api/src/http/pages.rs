//! Pages of the camera list as they were sent, kept until any camera
//! changes: a console or an integration polling the list costs a map lookup
//! instead of a query that sorts every camera. Whether a page is still
//! current comes from the event hub's version, which follows every write of
//! every replica (see `events::Hub::version`).

use std::collections::HashMap;
use std::sync::Mutex;

use bytes::Bytes;

use crate::cameras::{Cursor, ListFilter};

/// Past this many bytes of pages and their filters the cache starts over
/// rather than grow: some 40 pages of 50 cameras, the first pages consoles
/// and integrations poll. Any other page is made from the catalog in
/// about a tenth of a millisecond.
const BUDGET: usize = 2 * 1024 * 1024;

#[derive(Default)]
pub struct Pages {
    kept: Mutex<Kept>,
}

#[derive(Default)]
struct Kept {
    version: u64,
    bytes: usize,
    pages: HashMap<ListFilter, Bytes>,
}

impl Pages {
    fn kept(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.kept
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The page `filter` selects, if it was kept at `version`.
    pub fn get(&self, filter: &ListFilter, version: u64) -> Option<Bytes> {
        let kept = self.kept();
        (kept.version == version)
            .then(|| kept.pages.get(filter).cloned())
            .flatten()
    }

    /// Keeps a page read from the database after `version` was taken; a page
    /// older than what is kept already is dropped, a newer one replaces
    /// everything.
    pub fn insert(&self, filter: ListFilter, version: u64, page: Bytes) {
        let mut kept = self.kept();
        if version < kept.version {
            return;
        }
        // A filter can outweigh its page (500 ids, no camera found): both count.
        let filter_size = footprint(&filter);
        if version > kept.version || kept.bytes + filter_size + page.len() > BUDGET {
            *kept = Kept {
                version,
                ..Kept::default()
            };
        }
        kept.bytes += filter_size + page.len();
        if let Some(replaced) = kept.pages.insert(filter, page) {
            kept.bytes -= filter_size + replaced.len();
        }
    }
}

/// About what a filter takes in memory as a map key.
fn footprint(filter: &ListFilter) -> usize {
    std::mem::size_of::<ListFilter>()
        + filter.query.as_ref().map_or(0, String::len)
        + filter.ids.as_ref().map_or(0, |ids| ids.len() * 8)
        + filter.cursor.as_ref().map_or(0, Cursor::footprint)
        + filter
            .groups
            .iter()
            .flatten()
            .map(|group| group.len() + std::mem::size_of::<String>())
            .sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(offset: i64) -> ListFilter {
        ListFilter {
            limit: 50,
            offset,
            ..ListFilter::default()
        }
    }

    #[test]
    fn a_page_is_served_only_at_the_version_it_was_read_under() {
        let pages = Pages::default();
        pages.insert(filter(0), 3, Bytes::from_static(b"first"));
        assert_eq!(pages.get(&filter(0), 3).as_deref(), Some(&b"first"[..]));
        assert_eq!(pages.get(&filter(50), 3), None);
        assert_eq!(pages.get(&filter(0), 4), None, "a camera changed since");

        pages.insert(filter(0), 2, Bytes::from_static(b"older"));
        assert_eq!(pages.get(&filter(0), 3).as_deref(), Some(&b"first"[..]));

        pages.insert(filter(50), 4, Bytes::from_static(b"second"));
        assert_eq!(pages.get(&filter(0), 3), None);
        assert_eq!(pages.get(&filter(50), 4).as_deref(), Some(&b"second"[..]));
    }

    #[test]
    fn filters_count_toward_the_budget_too() {
        let pages = Pages::default();
        let many_ids = |first: i64| ListFilter {
            limit: 500,
            ids: Some((first..first + 500).collect()),
            ..ListFilter::default()
        };
        // Empty pages under filters of 500 ids each.
        for first in 0..10_000 {
            pages.insert(many_ids(first), 1, Bytes::from_static(b"{}"));
        }
        let kept = pages.kept();
        assert!(kept.bytes <= BUDGET);
        assert!(
            kept.pages.len() * 500 * 8 <= BUDGET,
            "{} kept",
            kept.pages.len()
        );
    }

    #[test]
    fn the_cache_starts_over_past_its_budget() {
        let pages = Pages::default();
        let big = Bytes::from(vec![b'x'; BUDGET / 2 + 1]);
        pages.insert(filter(0), 1, big.clone());
        pages.insert(filter(50), 1, big);
        assert_eq!(pages.get(&filter(0), 1), None);
        assert!(pages.get(&filter(50), 1).is_some());
        assert!(pages.kept().bytes <= BUDGET);
    }
}
