//! Masks credentials inside free text that we did not write ourselves:
//! MediaMTX error messages and ffmpeg output echo camera URLs verbatim.

use crate::cameras::PASSWORD_MASK;

/// Replaces the password of every `scheme://user:password@` in `text`.
pub fn credentials(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("://") {
        let (head, tail) = rest.split_at(start + 3);
        out.push_str(head);
        // The authority ends at the first '/', whitespace or quote; a
        // password may itself contain '@' or ':', so take the last '@'.
        let end = tail
            .find(|c: char| c == '/' || c.is_whitespace() || "\"'<>`".contains(c))
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

#[cfg(test)]
mod tests {
    use super::credentials;

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
    }
}
