//! Field-level validation errors, shared by every resource so clients get one
//! error shape (the `errors` list of a 422 problem) whatever they sent.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;
use utoipa::openapi::{ObjectBuilder, RefOr, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

/// One rejected field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The JSON field (or query parameter) that was rejected, e.g. `stream_url`.
    pub field: String,
    /// What is wrong with it, in words an operator can act on.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Collects every problem with a request, so one round trip reports them all.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// Keeps the value when it parsed, records the field's error when not.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        result
            .map_err(|message| self.0.push(FieldError::new(field, message)))
            .ok()
    }

    pub fn push(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    pub fn into_result(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

/// A name people read in lists: trimmed, in Unicode's composed form (NFC,
/// so `é` typed two ways is one name), not empty, at most `max` characters,
/// and nothing that isn't what it looks like: no control characters
/// (PostgreSQL can't store a NUL; the rest would garble a list), and no
/// invisible formatting (a bidirectional override makes the rest of a name
/// read backwards; zero-width spaces and joiners make two names look alike).
pub fn parse_label(raw: &str, max: usize) -> Result<String, String> {
    let label: String = raw.trim().nfc().collect();
    match label.chars().count() {
        0 => Err("must not be empty".into()),
        n if n > max => Err(format!("must be at most {max} characters")),
        _ if label.chars().any(char::is_control) => {
            Err("must not contain control characters".into())
        }
        _ => match label.chars().find(|&c| is_invisible_format(c)) {
            Some(c) => Err(format!(
                "must not contain invisible formatting characters (found U+{:04X})",
                u32::from(c)
            )),
            None => Ok(label),
        },
    }
}

/// Unicode's format characters (category Cf) that change how text around
/// them reads while showing nothing themselves.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{E0000}'..='\u{E007F}'
    )
}

/// Labels of a MediaMTX node (site, zone, …), and those a camera asks its
/// node to carry.
pub type Labels = BTreeMap<String, String>;

const LABELS_MAX: usize = 16;
const LABEL_MAX: usize = 63;

/// The OpenAPI schema of `Labels`, from what `check_labels` checks (a type
/// alias can't carry one): fields name it with `value_type`.
pub struct LabelsSchema;

impl PartialSchema for LabelsSchema {
    fn schema() -> RefOr<Schema> {
        let word = |letters: &str| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(format!("^[{letters}0-9._-]{{1,{LABEL_MAX}}}$")))
        };
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(format!(
                "Up to {LABELS_MAX} labels (docs/nodes.md), each a key of 1 to {LABEL_MAX} \
                 lower-case letters, digits, '.', '_' or '-' with a value of 1 to {LABEL_MAX} \
                 letters, digits, '.', '_' or '-'."
            )))
            .property_names(Some(word("a-z")))
            .additional_properties(Some(word("A-Za-z")))
            .max_properties(Some(LABELS_MAX))
            .examples([serde_json::json!({"site": "north"})])
            .into()
    }
}

impl ToSchema for LabelsSchema {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Labels")
    }
}

/// Labels stay short plain words, so they read well in a list and need no
/// escaping in a log, a URL or a CSV cell (`site=north;zone=a`).
pub fn check_labels(labels: &Labels) -> Result<(), String> {
    if labels.len() > LABELS_MAX {
        return Err(format!("at most {LABELS_MAX} labels"));
    }
    let word = |text: &str, lower: bool| {
        (1..=LABEL_MAX).contains(&text.len())
            && text.bytes().all(|b| {
                b.is_ascii_digit()
                    || (if lower {
                        b.is_ascii_lowercase()
                    } else {
                        b.is_ascii_alphabetic()
                    })
                    || b"._-".contains(&b)
            })
    };
    for (key, value) in labels {
        if !word(key, true) {
            return Err(format!(
                "label {key:?}: a key is 1 to {LABEL_MAX} lower-case letters, digits, '.', '_' or '-'"
            ));
        }
        if !word(value, false) {
            return Err(format!(
                "label {key:?}: a value is 1 to {LABEL_MAX} letters, digits, '.', '_' or '-'"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_label;

    #[test]
    fn labels_are_composed_and_hide_nothing() {
        assert_eq!(
            parse_label("  Cafe\u{301} door ", 20).unwrap(),
            "Caf\u{e9} door"
        );
        assert_eq!(parse_label("Lobby 🔑 北门", 20).unwrap(), "Lobby 🔑 北门");
        for hidden in [
            "Lob\u{200B}by",
            "Lobby\u{202E}rood",
            "\u{2066}Lobby",
            "Lo\u{AD}bby",
            "Lobby\u{FEFF}",
        ] {
            let err = parse_label(hidden, 20).unwrap_err();
            assert!(err.contains("invisible formatting"), "{hidden:?}: {err}");
        }
        assert!(parse_label("a\u{0}b", 20).unwrap_err().contains("control"));
        assert!(parse_label(" \u{200B} ", 20).is_err());
    }
}
