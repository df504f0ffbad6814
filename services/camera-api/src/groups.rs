//! Camera groups: names like `lobby` or `site-2.dock` on cameras, users and
//! API tokens. A principal limited to groups sees the cameras sharing one.

use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};

const GROUP_MAX: usize = 64;
const GROUPS_MAX: usize = 32;

/// Stored sorted and without duplicates, so equal sets compare equal.
pub fn parse_groups(raw: &[String]) -> Result<Vec<String>, String> {
    if raw.len() > GROUPS_MAX {
        return Err(format!("at most {GROUPS_MAX} groups"));
    }
    let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    let mut groups = Vec::with_capacity(raw.len());
    for group in raw {
        let group = group.trim();
        if group.is_empty() || group.len() > GROUP_MAX || !group.chars().all(valid) {
            return Err(format!(
                "each group is 1 to {GROUP_MAX} letters, digits, '.', '_' or '-'"
            ));
        }
        groups.push(group.to_owned());
    }
    groups.sort();
    groups.dedup();
    Ok(groups)
}

pub fn groups_schema() -> utoipa::openapi::Array {
    utoipa::openapi::ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(SchemaType::new(Type::String))
                .pattern(Some(r"^[A-Za-z0-9._-]{1,64}$")),
        )
        .max_items(Some(GROUPS_MAX))
        .examples([serde_json::json!(["lobby", "site-2"])])
        .build()
}
