//! Go's `net/url` query handling (`ParseQuery`, `Values.Encode`). MediaMTX
//! rewrites HLS queries through it, so what a client sent is not what the
//! redirect, the child URLs or the auth hook see: keys come out sorted,
//! every value percent-encoded, pairs Go can't parse dropped.

use std::collections::BTreeMap;

/// `url.Values`; keys and values are bytes, as Go strings are.
pub(crate) struct Values(BTreeMap<Vec<u8>, Vec<Vec<u8>>>);

impl Values {
    /// `url.ParseQuery`, ignoring its error as `URL.Query()` does: a pair
    /// with a `;` or a bad `%` escape is skipped, the rest kept.
    pub(crate) fn parse(raw: &str) -> Values {
        let mut values: BTreeMap<Vec<u8>, Vec<Vec<u8>>> = BTreeMap::new();
        for pair in raw.split('&') {
            if pair.is_empty() || pair.contains(';') {
                continue;
            }
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            if let (Some(key), Some(value)) = (unescape(key), unescape(value)) {
                values.entry(key).or_default().push(value);
            }
        }
        Values(values)
    }

    /// `Values.Get`: the first value.
    pub(crate) fn get(&self, key: &str) -> Option<&[u8]> {
        self.0.get(key.as_bytes())?.first().map(Vec::as_slice)
    }

    pub(crate) fn set(&mut self, key: &str, value: &str) {
        self.0
            .insert(key.as_bytes().to_vec(), vec![value.as_bytes().to_vec()]);
    }

    pub(crate) fn remove(&mut self, key: &str) {
        self.0.remove(key.as_bytes());
    }

    /// `Values.Encode`: sorted by key, `QueryEscape`d.
    pub(crate) fn encode(&self) -> String {
        let mut pairs = Vec::new();
        for (key, values) in &self.0 {
            for value in values {
                pairs.push(format!("{}={}", escape(key), escape(value)));
            }
        }
        pairs.join("&")
    }
}

/// `url.QueryUnescape`: `+` is a space, `%` must start two hex digits.
fn unescape(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'%' => {
                let hex = bytes.get(index + 1..index + 3)?;
                if !hex.iter().all(u8::is_ascii_hexdigit) {
                    return None;
                }
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                index += 3;
            }
            b'+' => {
                out.push(b' ');
                index += 1;
            }
            byte => {
                out.push(byte);
                index += 1;
            }
        }
    }
    Some(out)
}

/// `url.QueryEscape`: only unreserved bytes stay, a space becomes `+`.
fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &byte in bytes {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(byte))
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_sorts_keys_and_keeps_repeated_values_in_order() {
        let values = Values::parse("token=b&a=2&cookieCheck=1&a=1");
        assert_eq!(values.encode(), "a=2&a=1&cookieCheck=1&token=b");
        assert_eq!(values.get("a"), Some(&b"2"[..]));
    }

    #[test]
    fn values_are_decoded_then_escaped_as_go_does() {
        let values = Values::parse("q=a+b%2fc&flag&x=%41!*'()&bad=%zz&sign=%+1&semi=1;2");
        assert_eq!(values.encode(), "flag=&q=a+b%2Fc&x=A%21%2A%27%28%29");
    }

    #[test]
    fn a_removed_key_drops_every_value() {
        let mut values = Values::parse("cookieCheck=1&cookieCheck=2&jwt=x");
        values.remove("cookieCheck");
        assert_eq!(values.encode(), "jwt=x");
        values.set("session", "s1");
        assert_eq!(values.encode(), "jwt=x&session=s1");
    }
}
