//! The service-tag snapshot compiled into the binary: for each cloud, Microsoft's published
//! "Azure IP Ranges and Service Tags" file reduced to the tags the audit reads (the tags the
//! catalog names, the services' own tags, `AzureCloud`), zstd-compressed (about 84 KB for the
//! three clouds). `make.py` beside the files regenerates them and `files.rs`.
//!
//! Used when the user gives no file and none is found beside the captures, so that address
//! attribution works on a capture without DNS and without a download. A file the user gives
//! always wins: the snapshot is dated, and the report says when it is much older than the
//! capture. Decompressed and indexed once per process, on first use.

use std::path::PathBuf;
use std::sync::OnceLock;

use super::{ModelError, ServiceTags};

/// One embedded file: the cloud as published, its publication date (`YYYY-MM-DD`) and the
/// compressed JSON.
type SnapshotFile = (&'static str, &'static str, &'static [u8]);

static FILES: &[SnapshotFile] = include!("tag_snapshot/files.rs");

/// Decompressed, the Public file is about 1 MB; 16 MiB bounds a broken build artifact.
const MAX_DECOMPRESSED_BYTES: usize = 16 << 20;

/// A snapshot more than this much older than the capture is flagged in the report.
///
/// Why four weeks: Microsoft publishes a new edition every week and promises that a range
/// appears in the file at least a week before Azure uses it. A snapshot a few editions old
/// lacks only ranges that are new or not yet in use, which is the normal state of a tool
/// released about monthly; past four editions, ranges added since the snapshot have had weeks
/// to go live, so "not in any tag" becomes likelier to mean "not in this old snapshot".
pub const STALE_AFTER_DAYS: i64 = 28;

/// Each embedded edition: (cloud as published, publication date `YYYY-MM-DD`).
pub fn editions() -> impl Iterator<Item = (&'static str, &'static str)> {
    FILES.iter().map(|(cloud, date, _)| (*cloud, *date))
}

/// The name the snapshot's files carry in errors and in `TagFileInfo::path`.
fn display_name(cloud: &str, date: &str) -> PathBuf {
    PathBuf::from(format!(
        "built-in snapshot ServiceTags_{cloud}_{}.json",
        date.replace('-', "")
    ))
}

/// Each embedded file decompressed: (the name it carries in errors, its JSON text).
pub(crate) fn texts() -> Result<Vec<(PathBuf, String)>, ModelError> {
    let mut texts = Vec::with_capacity(FILES.len());
    for (cloud, date, bytes) in FILES {
        let name = display_name(cloud, date);
        let invalid = |message: String| ModelError::Invalid {
            source_name: name.display().to_string(),
            path: ".".into(),
            message,
        };
        let raw = zstd::bulk::decompress(bytes, MAX_DECOMPRESSED_BYTES)
            .map_err(|e| invalid(format!("cannot decompress: {e}")))?;
        let text = String::from_utf8(raw).map_err(|e| {
            invalid(format!(
                "not UTF-8 at byte offset {}",
                e.utf8_error().valid_up_to()
            ))
        })?;
        texts.push((name, text));
    }
    Ok(texts)
}

fn decode() -> Result<ServiceTags, ModelError> {
    ServiceTags::from_texts(&texts()?)
}

impl ServiceTags {
    /// The built-in snapshot, indexed on first use and shared afterwards. An error means a
    /// broken build (the files are checked by a unit test), never bad user input.
    pub fn embedded() -> Result<&'static ServiceTags, ModelError> {
        static SNAPSHOT: OnceLock<Result<ServiceTags, String>> = OnceLock::new();
        match SNAPSHOT.get_or_init(|| decode().map_err(|e| e.to_string())) {
            Ok(tags) => Ok(tags),
            Err(message) => Err(ModelError::Invalid {
                source_name: "built-in service-tag snapshot".into(),
                path: ".".into(),
                message: message.clone(),
            }),
        }
    }
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (proleptic Gregorian), `None` if malformed.
fn days_from_date(date: &str) -> Option<i64> {
    let mut it = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (it.next()??, it.next()??, it.next()??);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Howard Hinnant's days_from_civil: years start in March so the leap day comes last.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// For each embedded edition more than [`STALE_AFTER_DAYS`] older than `capture_start_ns`
/// (the first packet of the newest capture): (cloud, publication date, age in days).
pub fn stale_editions(capture_start_ns: i64) -> Vec<(&'static str, &'static str, i64)> {
    let capture_day = capture_start_ns.div_euclid(86_400 * 1_000_000_000);
    editions()
        .filter_map(|(cloud, date)| {
            let age = capture_day - days_from_date(date)?;
            (age > STALE_AFTER_DAYS).then_some((cloud, date, age))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Cloud;

    #[test]
    fn the_snapshot_decodes_with_one_file_per_cloud() {
        let tags = ServiceTags::embedded().unwrap();
        let clouds: Vec<_> = tags.files().iter().filter_map(|f| f.cloud_id).collect();
        for c in Cloud::ALL {
            assert!(clouds.contains(&c), "{c} missing from the snapshot");
        }
        assert!(tags.superseded().is_empty());
        for (cloud, date) in editions() {
            assert!(days_from_date(date).is_some(), "{cloud}: bad date {date}");
        }
    }

    #[test]
    fn the_snapshot_attributes_arc_and_azure_addresses() {
        let tags = ServiceTags::embedded().unwrap();
        // Every tag the catalog names for attribution has ranges in its cloud's file.
        let names: Vec<String> = tags
            .lookup("20.38.128.1".parse().unwrap())
            .iter()
            .map(|t| t.name.to_string())
            .collect();
        assert!(names.iter().any(|n| n == "AzureCloud"), "{names:?}");
        assert!(tags.lookup("192.0.2.1".parse().unwrap()).is_empty());
    }

    #[test]
    fn dates_count_days_like_the_calendar() {
        assert_eq!(days_from_date("1970-01-01"), Some(0));
        assert_eq!(days_from_date("2000-03-01"), Some(11_017));
        assert_eq!(days_from_date("2024-02-29"), Some(19_782));
        assert_eq!(days_from_date("2025-13-01"), None);
        assert_eq!(days_from_date("x"), None);
        let day = 86_400 * 1_000_000_000_i64;
        let public = days_from_date("2025-10-28").unwrap();
        let stale = stale_editions((public + 29) * day);
        assert!(stale.iter().any(|(c, _, age)| *c == "Public" && *age == 29));
        assert!(
            !stale_editions((public + 28) * day)
                .iter()
                .any(|(c, _, _)| *c == "Public")
        );
    }
}
