//! Where a page of the camera list ended, handed to the client as an opaque
//! `cursor` so the next page starts right after it in the sort's order: a
//! camera added or removed before it shifts nothing, where an offset would.
//!
//! A cursor is the sort and the last camera's sort key and id, in base64url
//! JSON. It grants nothing: every page is filtered by who asks, so an edited
//! cursor can at most start a list elsewhere among the cameras its holder
//! sees anyway. What is checked is that it is one this API could have made,
//! for the sort it is used with.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::catalog::Listed;
use super::catalog::Sort;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cursor {
    pub(super) sort: Sort,
    pub(super) key: Key,
    pub(super) id: i64,
}

/// The last camera's value of the sorted column (`id` sorts need none).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Key {
    Id,
    /// The name, or the location (`None`: the camera has none).
    Text(Option<String>),
    Time(DateTime<Utc>),
}

impl Cursor {
    /// The cursor of the page that follows `last` in `sort`.
    pub fn after(sort: Sort, last: &Listed) -> Cursor {
        let key = match sort {
            Sort::Id | Sort::IdDesc => Key::Id,
            Sort::Name | Sort::NameDesc => Key::Text(Some(last.name().to_owned())),
            Sort::Location | Sort::LocationDesc => Key::Text(last.location().map(str::to_owned)),
            Sort::CreatedAt | Sort::CreatedAtDesc => Key::Time(last.created_at()),
            Sort::UpdatedAt | Sort::UpdatedAtDesc => Key::Time(last.updated_at()),
        };
        Cursor {
            sort,
            key,
            id: last.id,
        }
    }

    pub fn encode(&self) -> String {
        let key = match &self.key {
            Key::Id => Value::Null,
            Key::Text(text) => json!(text),
            // Microseconds: PostgreSQL's precision, so the position is exact.
            Key::Time(time) => json!(time.timestamp_micros()),
        };
        let token = json!([self.sort.key(), key, self.id]);
        URL_SAFE_NO_PAD.encode(token.to_string())
    }

    /// The cursor `raw` names for a list in `sort`; the error says why it
    /// can't be used, for the client.
    pub fn parse(raw: &str, sort: Sort) -> Result<Cursor, String> {
        let malformed = || {
            "is not a cursor this API gave out (it is copied from next_cursor as it is); \
             start again without it"
                .to_owned()
        };
        let token: Value = URL_SAFE_NO_PAD
            .decode(raw)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(malformed)?;
        let [made_for, key, id] = token.as_array().map(Vec::as_slice).ok_or_else(malformed)? else {
            return Err(malformed());
        };
        let made_for = made_for
            .as_str()
            .and_then(Sort::parse)
            .ok_or_else(malformed)?;
        if made_for != sort {
            return Err(format!(
                "was made for sort={}, not sort={}: a cursor continues the list it came from; \
                 start again without it",
                made_for.key(),
                sort.key()
            ));
        }
        let id = id.as_i64().filter(|id| *id > 0).ok_or_else(malformed)?;
        let key = match (sort, key) {
            (Sort::Id | Sort::IdDesc, Value::Null) => Key::Id,
            (Sort::Name | Sort::NameDesc, Value::String(name)) => Key::Text(Some(name.clone())),
            (Sort::Location | Sort::LocationDesc, Value::String(location)) => {
                Key::Text(Some(location.clone()))
            }
            (Sort::Location | Sort::LocationDesc, Value::Null) => Key::Text(None),
            (
                Sort::CreatedAt | Sort::CreatedAtDesc | Sort::UpdatedAt | Sort::UpdatedAtDesc,
                Value::Number(micros),
            ) => Key::Time(
                micros
                    .as_i64()
                    .and_then(DateTime::from_timestamp_micros)
                    .ok_or_else(malformed)?,
            ),
            _ => return Err(malformed()),
        };
        // Names and locations hold no NUL.
        if matches!(&key, Key::Text(Some(text)) if text.contains('\0')) {
            return Err(malformed());
        }
        Ok(Cursor { sort, key, id })
    }

    /// About what it takes in memory, for the page cache's budget.
    pub fn footprint(&self) -> usize {
        std::mem::size_of::<Cursor>()
            + match &self.key {
                Key::Text(Some(text)) => text.len(),
                _ => 0,
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursors() -> Vec<Cursor> {
        let time = DateTime::from_timestamp_micros(1_796_000_000_123_456).unwrap();
        vec![
            Cursor {
                sort: Sort::IdDesc,
                key: Key::Id,
                id: 7,
            },
            Cursor {
                sort: Sort::Name,
                key: Key::Text(Some("Gate \"1\" — Ünïcode".into())),
                id: 8,
            },
            Cursor {
                sort: Sort::LocationDesc,
                key: Key::Text(None),
                id: 9,
            },
            Cursor {
                sort: Sort::UpdatedAt,
                key: Key::Time(time),
                id: 10,
            },
        ]
    }

    #[test]
    fn a_cursor_reads_back_as_it_was_made() {
        for cursor in cursors() {
            let encoded = cursor.encode();
            assert!(
                encoded
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
                "{encoded} needs no escaping in a URL"
            );
            assert_eq!(Cursor::parse(&encoded, cursor.sort), Ok(cursor));
        }
    }

    #[test]
    fn a_cursor_continues_only_the_sort_it_came_from() {
        let name = cursors().remove(1).encode();
        let err = Cursor::parse(&name, Sort::NameDesc).unwrap_err();
        assert!(err.contains("sort=name, not sort=-name"), "{err}");
    }

    #[test]
    fn anything_else_is_refused() {
        let encode = |token: Value| URL_SAFE_NO_PAD.encode(token.to_string());
        for (sort, raw) in [
            (Sort::Id, String::new()),
            (Sort::Id, "not base64!".into()),
            (Sort::Id, URL_SAFE_NO_PAD.encode("not json")),
            (Sort::Id, encode(json!({"sort": "id"}))),
            (Sort::Id, encode(json!(["id", null]))),
            (Sort::Id, encode(json!(["id", null, 0]))),
            (Sort::Id, encode(json!(["id", null, "7"]))),
            (Sort::Id, encode(json!(["id", "x", 7]))),
            (Sort::Id, encode(json!(["size", null, 7]))),
            (Sort::Name, encode(json!(["name", null, 7]))),
            (Sort::Name, encode(json!(["name", "a\u{0}b", 7]))),
            (
                Sort::CreatedAt,
                encode(json!(["created_at", "yesterday", 7])),
            ),
            (Sort::CreatedAt, encode(json!(["created_at", i64::MAX, 7]))),
        ] {
            let err = Cursor::parse(&raw, sort).unwrap_err();
            assert!(err.starts_with("is not a cursor"), "{raw}: {err}");
        }
    }
}
