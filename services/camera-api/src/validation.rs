//! Field-level validation errors, shared by every resource so clients get one
//! error shape (the `errors` list of a 422 problem) whatever they sent.

use serde::Serialize;
use utoipa::ToSchema;

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

/// A name people read in lists: trimmed, not empty, at most `max`
/// characters, and no control characters (PostgreSQL can't store a NUL; the
/// rest would garble a list).
pub fn parse_label(raw: &str, max: usize) -> Result<String, String> {
    let label = raw.trim();
    match label.chars().count() {
        0 => Err("must not be empty".into()),
        n if n > max => Err(format!("must be at most {max} characters")),
        _ if label.chars().any(char::is_control) => {
            Err("must not contain control characters".into())
        }
        _ => Ok(label.to_owned()),
    }
}
