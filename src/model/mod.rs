//! The Arc network model: what the Connected Machine agent needs to reach, as data.
//!
//! Two halves, both pure lookups that never see packet bytes:
//! - [`Catalog`]: the endpoint tables of Microsoft's network-requirements pages for the three
//!   clouds (plus the ESU-only profile), embedded as `catalog.json` and matched against host
//!   names with one compiled [`globset::GlobSet`];
//! - [`ServiceTags`]: Microsoft's weekly "Azure IP Ranges and Service Tags" files, loaded at run
//!   time and indexed so that an address returns every tag whose prefixes contain it; when no
//!   file is given, a dated, reduced snapshot compiled in ([`tag_snapshot`]).
//!
//! Judging a flow against the model is the classify stage's job, not this module's.
//!
//! Besides: each cloud's region names ([`regions`], [`resolve_region`]), embedded data
//! generated from the service-tag files, so that `--region` is checked before an audit.

mod catalog;
mod hostmatch;
mod regions;
mod service_tags;
pub mod tag_snapshot;

pub use catalog::{
    Catalog, CatalogMode, CipherSuite, DocumentInfo, Endpoint, Feature, HostMatch, MatchScratch,
    ModelNote, PolicyList, PrivateLink, Profile, SCHEMA_VERSION, ServiceTagRequirement, SourceRef,
    TlsPolicy, When,
};
pub use hostmatch::{HostPattern, normalize_host, split_authority};
pub use regions::{RegionError, region_source, regions, resolve_region};
pub use service_tags::{
    SERVICE_TAG_DOWNLOADS, ServiceTags, TagFileInfo, TagRef, discover_service_tag_files,
};

use std::fmt;
use std::path::PathBuf;

/// The Azure cloud an endpoint or a service-tag file belongs to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Cloud {
    /// Azure public cloud (service-tag files say `Public`).
    Public,
    /// Azure Government (service-tag files say `AzureGovernment`).
    UsGov,
    /// Azure operated by 21Vianet (service-tag files say `China`).
    China,
}

impl Cloud {
    /// All clouds, in the order reports list them.
    pub const ALL: [Cloud; 3] = [Cloud::Public, Cloud::UsGov, Cloud::China];

    /// The short name used on the command line and in the catalog (`public`, `usgov`, `china`).
    pub fn as_str(self) -> &'static str {
        match self {
            Cloud::Public => "public",
            Cloud::UsGov => "usgov",
            Cloud::China => "china",
        }
    }

    /// The value of the `cloud` field in Microsoft's service-tag files.
    pub fn service_tag_name(self) -> &'static str {
        match self {
            Cloud::Public => "Public",
            Cloud::UsGov => "AzureGovernment",
            Cloud::China => "China",
        }
    }

    /// Maps a service-tag file's `cloud` field back to a [`Cloud`] (case-insensitive).
    pub fn from_service_tag_name(name: &str) -> Option<Cloud> {
        Cloud::ALL
            .into_iter()
            .find(|c| c.service_tag_name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Cloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Cloud {
    type Err = String;

    /// Accepts the short names and the service-tag spellings (`AzureGovernment`, `China`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Cloud::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s))
            .or_else(|| Cloud::from_service_tag_name(s))
            .ok_or_else(|| format!("unknown cloud `{s}` (expected public, usgov or china)"))
    }
}

/// Errors of the model: a catalog or service-tag file that cannot be read or is malformed.
///
/// `source_name` is the file path (or `built-in catalog`); `path` is the JSON path of the
/// offending value (`entries[3].private_link`), so a user can find the problem without a debugger.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{source_name}: at {path}: {message}")]
    Json {
        source_name: String,
        path: String,
        message: String,
    },
    #[error("{source_name}: at {path}: {message}")]
    Invalid {
        source_name: String,
        path: String,
        message: String,
    },
    /// More than `limit` bytes. `size` is the file's length when it is a regular file; a pipe,
    /// a device or a process substitution has none, and is cut off at `limit + 1` bytes.
    #[error(
        "{source_name}: {}, more than the {limit}-byte limit",
        .size.map_or_else(|| "more bytes kept coming".to_string(), |s| format!("file is {s} bytes"))
    )]
    TooLarge {
        source_name: String,
        size: Option<u64>,
        limit: u64,
    },
    #[error("{}: is a directory, not a file", path.display())]
    Directory { path: PathBuf },
}

/// Parses `text` as `T`, reporting the JSON path of the first problem.
pub(crate) fn parse_json<'de, T: serde::Deserialize<'de>>(
    text: &'de str,
    source_name: &str,
) -> Result<T, ModelError> {
    // Tracking the path costs a third of the parse (the built-in service-tag snapshot,
    // parsed at every start, is ~100k prefixes): parse without it, and only when that
    // fails parse again with it for the message. The same deserializer settings both
    // times, so the same documents are accepted and the error is the tracked one.
    let mut de = serde_json::Deserializer::from_str(text);
    if let Ok(v) = T::deserialize(&mut de) {
        // A document followed by more than white space is a damaged file (two files pasted
        // together, a truncated edit), not a model to use.
        return de.end().map(|()| v).map_err(|e| ModelError::Json {
            source_name: source_name.to_string(),
            path: ".".to_string(),
            message: e.to_string(),
        });
    }
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        ModelError::Json {
            source_name: source_name.to_string(),
            // serde_path_to_error renders the document root as `?`; say `.` like jq does.
            path: if path.is_empty() || path == "?" {
                ".".to_string()
            } else {
                path
            },
            // serde_json's message already ends with "at line L column C".
            message: inner.to_string(),
        }
    })
}

/// Reads a model file with a size cap, so a wrong path (a capture, a disk image) fails fast
/// instead of being read whole into memory.
///
/// The length in the metadata is only a shortcut for regular files: a pipe, `/dev/zero` or a
/// process substitution (`<(cat big)`) reports 0, so the read itself stops after `limit + 1`
/// bytes, and more than `limit` is the same error whatever the file's type.
pub(crate) fn read_capped(path: &std::path::Path, limit: u64) -> Result<String, ModelError> {
    use std::io::Read;

    let io = |source| ModelError::Io {
        path: path.to_path_buf(),
        source,
    };
    let too_large = |size| ModelError::TooLarge {
        source_name: path.display().to_string(),
        size,
        limit,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if meta.is_dir() {
        return Err(ModelError::Directory {
            path: path.to_path_buf(),
        });
    }
    if meta.is_file() && meta.len() > limit {
        return Err(too_large(Some(meta.len())));
    }
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    let read = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if read > limit {
        // A regular file that grew since `metadata`: its length is known, if stale.
        return Err(too_large(meta.is_file().then(|| meta.len().max(read))));
    }
    String::from_utf8(bytes).map_err(|_| {
        io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        ))
    })
}

#[cfg(test)]
mod tests {

    /// A model document followed by anything but white space is refused at the root, with
    /// serde_json's position; trailing white space is fine.
    #[test]
    fn parse_json_refuses_trailing_characters() {
        #[derive(serde::Deserialize, Debug)]
        struct Doc {
            #[allow(dead_code)]
            a: u32,
        }
        assert!(super::parse_json::<Doc>("{\"a\": 1}\n  \n", "doc.json").is_ok());
        let e = super::parse_json::<Doc>("{\"a\": 1} {\"a\": 2}", "doc.json").unwrap_err();
        let text = e.to_string();
        assert!(text.contains("doc.json"), "{text}");
        assert!(
            text.contains("trailing characters at line 1 column 10"),
            "{text}"
        );
    }

    use super::*;

    #[test]
    fn cloud_names_round_trip() {
        for c in Cloud::ALL {
            assert_eq!(c.as_str().parse::<Cloud>(), Ok(c));
            assert_eq!(Cloud::from_service_tag_name(c.service_tag_name()), Some(c));
            assert_eq!(
                serde_json::to_string(&c).ok(),
                Some(format!("\"{}\"", c.as_str()))
            );
        }
        assert_eq!("AzureGovernment".parse::<Cloud>(), Ok(Cloud::UsGov));
        assert!("mars".parse::<Cloud>().is_err());
    }

    #[test]
    fn json_errors_carry_the_path() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct T {
            a: Vec<u16>,
        }
        let err = parse_json::<T>(r#"{"a":[1,"x"]}"#, "f.json").unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("f.json: at a[1]:"), "{text}");
        let err = parse_json::<T>("{", "f.json").unwrap_err();
        assert!(err.to_string().starts_with("f.json: at .:"), "{err}");
    }

    #[test]
    fn read_capped_caps_every_kind_of_file() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("small.json");
        std::fs::write(&small, "{}").unwrap();
        assert_eq!(read_capped(&small, 2).unwrap(), "{}");
        let err = read_capped(&small, 1).unwrap_err();
        assert!(
            matches!(
                err,
                ModelError::TooLarge {
                    size: Some(2),
                    limit: 1,
                    ..
                }
            ),
            "{err}"
        );
        assert!(
            err.to_string().contains("small.json: file is 2 bytes"),
            "{err}"
        );

        let err = read_capped(dir.path(), 100).unwrap_err();
        assert!(matches!(err, ModelError::Directory { .. }), "{err}");
        assert!(
            err.to_string().ends_with("is a directory, not a file"),
            "{err}"
        );

        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, [0xff, 0xfe]).unwrap();
        let err = read_capped(&bad, 100).unwrap_err();
        assert!(err.to_string().contains("valid UTF-8"), "{err}");

        // A character device reports length 0 and never ends.
        #[cfg(unix)]
        {
            let err = read_capped(std::path::Path::new("/dev/zero"), 4096).unwrap_err();
            assert!(
                matches!(
                    err,
                    ModelError::TooLarge {
                        size: None,
                        limit: 4096,
                        ..
                    }
                ),
                "{err}"
            );
            assert!(
                err.to_string()
                    .starts_with("/dev/zero: more bytes kept coming"),
                "{err}"
            );
        }
    }
}
