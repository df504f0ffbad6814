//! Times as the API writes them: RFC 3339 in UTC, exactly as chrono's serde
//! writes them (`2026-12-05T01:09:47.123456Z`), but written straight out. A
//! page of the camera list holds three for each camera, and chrono's
//! formatting (a `fmt::Write` call per character) took a tenth of the
//! list's time at 100,000 cameras (perf, `make bench`).

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::{Serialize, Serializer};

/// For `#[serde(serialize_with = "…")]` on a `DateTime<Utc>` field.
pub fn serialize<S: Serializer>(time: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    match written(time) {
        Some((text, len)) => {
            serializer.serialize_str(std::str::from_utf8(&text[..len]).expect("ASCII"))
        }
        // Years before 0 or after 9999, and leap seconds: chrono's own way.
        None => time.serialize(serializer),
    }
}

/// The longest: `YYYY-MM-DDThh:mm:ss.nnnnnnnnnZ`.
const LONGEST: usize = 30;

fn written(time: &DateTime<Utc>) -> Option<([u8; LONGEST], usize)> {
    let year = u32::try_from(time.year())
        .ok()
        .filter(|year| *year <= 9999)?;
    let nanos = time.nanosecond();
    if nanos >= 1_000_000_000 {
        return None;
    }
    let mut text = [0u8; LONGEST];
    let mut digits = |at: usize, value: u32, count: usize| {
        let mut value = value;
        for place in (at..at + count).rev() {
            text[place] = b'0' + (value % 10) as u8;
            value /= 10;
        }
    };
    digits(0, year, 4);
    digits(5, time.month(), 2);
    digits(8, time.day(), 2);
    digits(11, time.hour(), 2);
    digits(14, time.minute(), 2);
    digits(17, time.second(), 2);
    // As chrono's `SecondsFormat::AutoSi`: none, milli, micro or nano.
    let fraction = match nanos {
        0 => 0,
        _ if nanos.is_multiple_of(1_000_000) => 3,
        _ if nanos.is_multiple_of(1_000) => 6,
        _ => 9,
    };
    if fraction > 0 {
        digits(20, nanos / 10u32.pow(9 - fraction as u32), fraction);
    }
    for (at, separator) in [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')] {
        text[at] = separator;
    }
    let mut len = 19;
    if fraction > 0 {
        text[19] = b'.';
        len = 20 + fraction;
    }
    text[len] = b'Z';
    Some((text, len + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Written(#[serde(serialize_with = "serialize")] DateTime<Utc>);

    /// Whatever the time, the text is chrono's.
    #[test]
    fn times_are_written_as_chrono_writes_them() {
        // From before year 0 to after 9999.
        let mut seconds: i64 = -62_167_219_200 - 86_400 * 400;
        let mut nanos: u32 = 0;
        let mut count = 0;
        while seconds < 253_402_300_800 + 86_400 * 400 {
            let time = DateTime::from_timestamp(seconds, nanos).unwrap();
            assert_eq!(
                serde_json::to_string(&Written(time)).unwrap(),
                serde_json::to_string(&time).unwrap(),
                "{seconds} s {nanos} ns"
            );
            seconds += 98_765_431;
            nanos = [0, 5_000_000, 123_000, 1, 999_999_999, 120_000_000][count % 6];
            count += 1;
        }
        assert!(count > 3_000, "{count} times compared");
        let leap = DateTime::from_timestamp(1_483_228_799, 1_500_000_000).unwrap();
        assert_eq!(
            serde_json::to_string(&Written(leap)).unwrap(),
            serde_json::to_string(&leap).unwrap()
        );
    }
}
