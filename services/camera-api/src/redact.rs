//! Masks credentials inside free text that we did not write ourselves:
//! MediaMTX error messages and ffmpeg output echo camera URLs verbatim.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;

/// What every response, log line and error shows instead of a password.
pub const PASSWORD_MASK: &str = "***";

/// Replaces the password of every `scheme://user:password@` in `text`.
///
/// Parsed the way a URL is: the authority runs to the first character that
/// can't be in it unescaped (`/`, `?`, `#`, whitespace), and the password
/// from the first `:` to the last `@` in it. Quotes and brackets don't end
/// it: a URL serializer leaves `'`, `(`, `!`, `$` and the like unescaped in
/// a password, so any character but those four may be part of one.
pub fn credentials(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("://") {
        let (head, tail) = rest.split_at(start + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace())
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority
            .rfind('@')
            .and_then(|at| Some((at, authority[..at].find(':')?)))
        {
            Some((at, colon)) => {
                out.push_str(&authority[..=colon]);
                out.push_str(PASSWORD_MASK);
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// The forms a URL's password can take in text a program prints about it:
/// as the URL carries it (percent-encoded) and decoded.
pub fn password_forms(url: &url::Url) -> Vec<String> {
    let Some(encoded) = url.password().filter(|password| !password.is_empty()) else {
        return Vec::new();
    };
    let mut forms = vec![encoded.to_owned()];
    if let Cow::Owned(decoded) = percent_decode_str(encoded).decode_utf8_lossy()
        && !decoded.is_empty()
    {
        forms.push(decoded);
    }
    forms
}

/// `credentials`, and every occurrence of a known secret wherever it
/// appears, in or out of a URL: the second net for text a program may have
/// printed in a shape no parser foresees.
pub fn known_secrets(text: &str, secrets: &[String]) -> String {
    let mut text = credentials(text);
    // Longest first, so a secret that contains another is struck whole.
    let mut secrets: Vec<&String> = secrets.iter().filter(|s| !s.is_empty()).collect();
    secrets.sort_by_key(|secret| std::cmp::Reverse(secret.len()));
    for secret in secrets {
        if text.contains(secret.as_str()) {
            text = text.replace(secret.as_str(), PASSWORD_MASK);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_password_and_nothing_else() {
        assert_eq!(
            credentials(
                "invalid source: 'rtsp://admin:hunter2@10.0.0.1:554/s' and rtsps://u:p@@h/x"
            ),
            "invalid source: 'rtsp://admin:***@10.0.0.1:554/s' and rtsps://u:***@h/x"
        );
        assert_eq!(credentials("rtsp://u:p%40ss@h"), "rtsp://u:***@h");
        assert_eq!(
            credentials("rtsp://user@h/ and http://h:80/"),
            "rtsp://user@h/ and http://h:80/"
        );
        assert_eq!(credentials("no urls: a:b@c"), "no urls: a:b@c");
        assert_eq!(credentials("trailing ://"), "trailing ://");
        assert_eq!(
            credentials("parse \"rtsp://u:it's(x)@h\": bad"),
            "parse \"rtsp://u:***@h\": bad"
        );
    }

    /// Every printable ASCII character and some beyond, in every place a
    /// password can sit in a line of text, as the url crate writes it.
    #[test]
    fn no_generated_password_survives_in_any_context() {
        let printable: String = (' '..='~').collect();
        let mut passwords: Vec<String> = printable
            .as_bytes()
            .chunks(8)
            .map(|chunk| format!("Zx{}Zx", String::from_utf8_lossy(chunk)))
            .collect();
        passwords.extend([
            "Zxпароль密码🔑Zx".to_owned(),
            "Zx e\u{301}\u{200b}Zx".to_owned(),
        ]);
        for password in &passwords {
            let mut url = url::Url::parse("rtsp://admin@10.0.0.1:554/stream1").unwrap();
            url.set_password(Some(password)).unwrap();
            let url = url.as_str();
            for shape in [
                format!("{url}: Invalid data found when processing input"),
                format!("'{url}'"),
                format!("\"{url}\""),
                format!("<{url}>"),
                format!("({url})"),
                format!("[{url}]"),
                format!("{}: 401", url.trim_end_matches("/stream1")),
            ] {
                let masked = credentials(&shape);
                let encoded = url::Url::parse(url).unwrap().password().unwrap().to_owned();
                assert!(
                    !masked.contains(&encoded) && !masked.contains(password.as_str()),
                    "{password:?} survived in {masked}"
                );
                assert!(masked.contains("admin:***@10.0.0.1"), "{masked}");
            }
        }
    }

    #[test]
    fn known_secrets_are_struck_in_every_form() {
        let url = url::Url::parse("rtsp://u:p%2Fa%20ss@h/x").unwrap();
        let forms = password_forms(&url);
        assert_eq!(forms, ["p%2Fa%20ss", "p/a ss"]);
        assert_eq!(
            known_secrets("user u with p/a ss at rtsp://u:p%2Fa%20ss@h/x", &forms),
            "user u with *** at rtsp://u:***@h/x"
        );
    }
}
