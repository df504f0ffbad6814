//! Saved views: named layouts of the live view with the camera on each
//! tile, kept by each user or API token. A personal view is its owner's
//! alone; a shared one (made by operators and admins) is listed to every
//! signed-in principal and changed only by its owner or an admin. A reader
//! never learns of a camera it can't see: such tiles read as empty.
//!
//! This file holds the rules that need no database (what a valid view is,
//! who may share or change one); `store` is the SQL.

mod store;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
use utoipa::openapi::{Array, Object};

use crate::auth::{Principal, Role};
use crate::cameras::name_schema;
use crate::db;
use crate::validation::{FieldError, FieldErrors};

pub use store::{create, delete, list, update};

/// The live view's layouts, by the id the console uses for each, and how
/// many tiles each has: the one list of them on the server.
pub const LAYOUTS: [(&str, usize); 7] = [
    ("1", 1),
    ("4", 4),
    ("9", 9),
    ("16", 16),
    ("1+5", 6),
    ("1+7", 8),
    ("2+8", 10),
];

const NAME_MAX: usize = 100;

/// How many views one user or token may keep: enough for any operator's
/// day, few enough that the list stays one cheap answer.
pub const VIEWS_PER_OWNER: i64 = 200;

/// A saved view as a reader sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct View {
    pub id: i64,
    pub name: String,
    #[schema(schema_with = layout_schema)]
    pub layout: String,
    /// One entry per tile from the first: a camera id, or `null` for an
    /// empty tile, a deleted camera or one the reader can't see.
    #[schema(schema_with = tiles_schema)]
    pub tiles: Vec<Option<i64>>,
    /// Listed to every signed-in user and token; else to its owner only.
    pub shared: bool,
    /// Who keeps it: a username, or `token:<name>#<id>`.
    #[schema(example = "alice")]
    pub owner: String,
    /// Whether the reader may change or delete it: its owner, or an admin
    /// for a shared view.
    pub editable: bool,
    /// Send it back in `If-Match` (as `"<version>"`) to change or delete
    /// this version only.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Body of `POST /api/views`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewViewInput {
    #[schema(schema_with = view_name_schema)]
    pub name: String,
    #[schema(schema_with = layout_schema)]
    pub layout: String,
    /// Default none: every tile empty.
    #[serde(default)]
    #[schema(schema_with = tiles_schema)]
    pub tiles: Vec<Option<i64>>,
    /// Default `false`. Only operators and admins may share a view.
    #[serde(default)]
    pub shared: bool,
}

/// Body of `PATCH /api/views/{id}`: only the fields sent change.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ViewPatch {
    #[serde(default)]
    #[schema(schema_with = view_name_schema)]
    pub name: Option<String>,
    #[serde(default)]
    #[schema(schema_with = layout_schema)]
    pub layout: Option<String>,
    #[serde(default)]
    #[schema(schema_with = tiles_schema)]
    pub tiles: Option<Vec<Option<i64>>>,
    #[serde(default)]
    pub shared: Option<bool>,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the request has invalid fields")]
    Invalid(Vec<FieldError>),
    #[error("no view with that id")]
    NotFound,
    #[error("{}", if *.shared { "a shared view already has that name" } else { "you already have a view with that name" })]
    NameTaken { shared: bool },
    #[error("sharing a view needs the operator role")]
    SharingNeedsOperator,
    #[error("only its owner or an admin may change a shared view")]
    NotEditable,
    #[error(
        "you already keep {VIEWS_PER_OWNER} views, the most one user or token may; delete some first"
    )]
    TooMany,
    #[error("the view was changed by someone else (now version {current})")]
    Stale { current: i64 },
    #[error(transparent)]
    Database(#[from] db::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        if db::violates(&err, "views_shared_name") {
            Self::NameTaken { shared: true }
        } else if db::violates(&err, "views_user_name") || db::violates(&err, "views_token_name") {
            Self::NameTaken { shared: false }
        } else {
            Self::Database(err.into())
        }
    }
}

/// The schema of a view's name: the rules of a camera's, unique among the
/// owner's views and among shared ones instead.
fn view_name_schema() -> Object {
    let mut schema = name_schema();
    schema.description = Some(format!(
        "1 to {NAME_MAX} characters after trimming, not blank, no control characters and no \
         invisible formatting; stored in NFC; unique regardless of case among the owner's views, \
         and among shared views."
    ));
    schema.examples = vec!["Night shift".into()];
    schema
}

pub fn layout_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(
            "The live view's layout: `1`, `4`, `9` or `16` equal tiles, or one large tile \
             and five or seven small ones, or two large and eight small.",
        ))
        .enum_values(Some(LAYOUTS.map(|(id, _)| id)))
        .build()
}

fn tiles_schema() -> Array {
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(SchemaType::from_iter([Type::Integer, Type::Null]))
                .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                    utoipa::openapi::KnownFormat::Int64,
                )))
                .minimum(Some(1)),
        )
        .max_items(Some(most_tiles()))
        .description(Some(
            "A camera id or `null` per tile, at most as many as the layout has tiles.",
        ))
        .examples([serde_json::json!([3, null, 7])])
        .build()
}

/// How many tiles `layout` has, if it is a layout.
fn tile_count(layout: &str) -> Option<usize> {
    LAYOUTS
        .iter()
        .find(|(id, _)| *id == layout)
        .map(|(_, tiles)| *tiles)
}

fn parse_name(raw: &str) -> Result<String, String> {
    crate::validation::parse_label(raw, NAME_MAX)
}

fn parse_layout(raw: &str) -> Result<String, String> {
    match tile_count(raw) {
        Some(_) => Ok(raw.to_owned()),
        None => {
            let ids: Vec<&str> = LAYOUTS.iter().map(|(id, _)| *id).collect();
            Err(format!("must be one of {}", ids.join(", ")))
        }
    }
}

/// The most tiles any layout has.
fn most_tiles() -> usize {
    LAYOUTS.iter().map(|(_, tiles)| *tiles).max().unwrap_or(0)
}

/// Tiles name cameras only by ids that can be ids, and no more of them
/// than `fits`.
fn check_tiles(tiles: &[Option<i64>], fits: usize) -> Result<(), String> {
    if tiles.len() > fits {
        return Err(format!(
            "the layout has {fits} tiles; {} were given",
            tiles.len()
        ));
    }
    if tiles.iter().flatten().any(|id| *id < 1) {
        return Err("each tile is a camera id (a positive integer) or null".into());
    }
    Ok(())
}

/// The layout and tiles together: both valid, and the tiles fitting.
fn check_layout_and_tiles(
    errors: &mut FieldErrors,
    layout: &str,
    tiles: &[Option<i64>],
) -> Option<String> {
    let layout = errors.check("layout", parse_layout(layout));
    let fits = layout
        .as_deref()
        .and_then(tile_count)
        .unwrap_or(most_tiles());
    errors.check("tiles", check_tiles(tiles, fits));
    layout
}

/// A view's fields once checked, before the database has its say (names
/// taken, cameras known).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fields {
    name: String,
    layout: String,
    tiles: Vec<Option<i64>>,
    shared: bool,
}

impl NewViewInput {
    fn validate(self, by: &Principal) -> Result<Fields> {
        let mut errors = FieldErrors::default();
        let name = errors.check("name", parse_name(&self.name));
        let layout = check_layout_and_tiles(&mut errors, &self.layout, &self.tiles);
        errors.into_result().map_err(Error::Invalid)?;
        let fields = Fields {
            name: name.unwrap_or_default(),
            layout: layout.unwrap_or_default(),
            tiles: self.tiles,
            shared: self.shared,
        };
        check_sharing(by, false, fields.shared)?;
        Ok(fields)
    }
}

/// A patch whose fields are each valid alone: checked before anything is
/// read, so a bad one is refused without a look at the view.
#[derive(Debug)]
struct CheckedPatch {
    name: Option<String>,
    layout: Option<String>,
    tiles: Option<Vec<Option<i64>>>,
    shared: Option<bool>,
}

impl ViewPatch {
    fn validate(self) -> Result<CheckedPatch> {
        let mut errors = FieldErrors::default();
        let name = self
            .name
            .map(|name| errors.check("name", parse_name(&name)));
        let layout = self
            .layout
            .map(|layout| errors.check("layout", parse_layout(&layout)));
        if let Some(tiles) = &self.tiles {
            // Whether they fit the view's layout is known once it is read.
            errors.check("tiles", check_tiles(tiles, most_tiles()));
        }
        errors.into_result().map_err(Error::Invalid)?;
        Ok(CheckedPatch {
            name: name.flatten(),
            layout: layout.flatten(),
            tiles: self.tiles,
            shared: self.shared,
        })
    }
}

impl CheckedPatch {
    fn apply_to(self, current: &Fields, by: &Principal) -> Result<Fields> {
        let fields = Fields {
            name: self.name.unwrap_or_else(|| current.name.clone()),
            layout: self.layout.unwrap_or_else(|| current.layout.clone()),
            tiles: self.tiles.unwrap_or_else(|| current.tiles.clone()),
            shared: self.shared.unwrap_or(current.shared),
        };
        let fits = tile_count(&fields.layout).unwrap_or(0);
        check_tiles(&fields.tiles, fits)
            .map_err(|message| Error::Invalid(vec![FieldError::new("tiles", message)]))?;
        check_sharing(by, current.shared, fields.shared)?;
        Ok(fields)
    }
}

/// Sharing is for operators and admins; anyone may keep a view shared
/// (a demoted operator's) or stop sharing it.
fn check_sharing(by: &Principal, was_shared: bool, shared: bool) -> Result<()> {
    if shared && !was_shared && !by.has(Role::Operator) {
        return Err(Error::SharingNeedsOperator);
    }
    Ok(())
}

/// Who may change or delete a view: its owner, and an admin a shared one.
fn may_edit(by: &Principal, owned: bool, shared: bool) -> bool {
    owned || (shared && by.has(Role::Admin))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::PrincipalKind;

    fn principal(role: Role) -> Principal {
        Principal {
            kind: PrincipalKind::User {
                id: 1,
                username: "alice".into(),
            },
            role,
            groups: None,
        }
    }

    fn input(layout: &str, tiles: Vec<Option<i64>>, shared: bool) -> NewViewInput {
        NewViewInput {
            name: " Night shift ".into(),
            layout: layout.into(),
            tiles,
            shared,
        }
    }

    fn invalid_fields(result: Result<Fields>) -> Vec<String> {
        match result {
            Err(Error::Invalid(errors)) => errors.into_iter().map(|error| error.field).collect(),
            other => panic!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn every_layout_of_the_console_is_known_with_its_tiles() {
        assert_eq!(tile_count("2+8"), Some(10));
        assert_eq!(tile_count("1+5"), Some(6));
        assert_eq!(tile_count("5"), None);
        let operator = principal(Role::Operator);
        let fields = input("4", vec![Some(3), None, Some(3)], false)
            .validate(&operator)
            .unwrap();
        assert_eq!(fields.name, "Night shift");
        assert_eq!(fields.tiles, [Some(3), None, Some(3)]);
    }

    #[test]
    fn tiles_must_fit_the_layout_and_be_camera_ids() {
        let operator = principal(Role::Operator);
        let validate = |layout: &str, tiles| input(layout, tiles, false).validate(&operator);
        assert_eq!(
            invalid_fields(validate("1", vec![Some(1), Some(2)])),
            ["tiles"]
        );
        assert_eq!(invalid_fields(validate("4", vec![Some(0)])), ["tiles"]);
        assert_eq!(invalid_fields(validate("3x3", vec![])), ["layout"]);
        // A shrinking layout must still hold the tiles kept.
        let current = validate("4", vec![Some(1), Some(2)]).unwrap();
        let patch = ViewPatch {
            layout: Some("1".into()),
            ..ViewPatch::default()
        };
        let patched = patch.validate().unwrap().apply_to(&current, &operator);
        assert_eq!(invalid_fields(patched), ["tiles"]);
    }

    #[test]
    fn only_operators_and_admins_share_and_admins_edit_shared_views_of_others() {
        let viewer = principal(Role::Viewer);
        assert!(matches!(
            input("1", vec![], true).validate(&viewer),
            Err(Error::SharingNeedsOperator)
        ));
        let kept = Fields {
            name: "Gate".into(),
            layout: "1".into(),
            tiles: vec![],
            shared: true,
        };
        let unshare = ViewPatch {
            shared: Some(false),
            ..ViewPatch::default()
        };
        let unshared = unshare.validate().unwrap().apply_to(&kept, &viewer);
        assert!(!unshared.unwrap().shared);
        assert!(may_edit(&viewer, true, false));
        assert!(!may_edit(&principal(Role::Operator), false, true));
        assert!(may_edit(&principal(Role::Admin), false, true));
        assert!(!may_edit(&principal(Role::Admin), false, false));
    }
}
