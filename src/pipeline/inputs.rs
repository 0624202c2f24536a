//! Turns the paths a user typed into the list of captures to read: files as given,
//! directories walked recursively (sorted, so the order never depends on the file system),
//! filtered by `--glob` patterns when given, and `-` for standard input.
//!
//! Symbolic links are followed, but a walk enters each directory and lists each file once,
//! by identity (device and inode on Unix, the canonical path elsewhere): `x -> .` ends
//! instead of looping, and a capture reachable by two names is read under the first name in
//! sorted order. Opening and reading the files is the capture reader's job.

use globset::{Glob, GlobSet, GlobSetBuilder};
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::capture::Input;

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("bad --glob pattern {pattern:?}: {source}")]
    Glob {
        pattern: String,
        #[source]
        source: globset::Error,
    },
}

/// First bytes of the formats we read: pcap (both orders, µs/ns, modified), pcapng,
/// gzip, zstd, and an ETL file's first buffer header. Used only to pick captures out of a directory; files named explicitly are
/// always tried, so a wrong file gets a clear error rather than silence.
fn has_capture_magic(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    let Ok(mut f) = std::fs::File::open(path) else {
        return true; // let the reader report the error
    };
    if f.read_exact(&mut magic).is_err() {
        return false;
    }
    // A compressed file is a capture only if what it holds is one (`notes.txt.gz` is not):
    // peek at the first bytes of the decompressed stream.
    let inner = match magic {
        [0x1f, 0x8b, _, _] => std::fs::File::open(path)
            .and_then(|f| first_bytes(flate2::read::MultiGzDecoder::new(f))),
        [0x28, 0xb5, 0x2f, 0xfd] => std::fs::File::open(path)
            .and_then(zstd::stream::read::Decoder::new)
            .and_then(first_bytes),
        _ => return is_capture_magic(magic) || is_etl(path),
    };
    match inner {
        Ok(magic) => is_capture_magic(magic),
        // Fewer than four bytes inside: no capture.
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => false,
        // Unreadable or corrupt: let the reader report it, as for an unopenable file.
        Err(_) => true,
    }
}

/// ETL has no magic number: the reader's content check on the first buffer header decides.
fn is_etl(path: &Path) -> bool {
    let mut head = [0u8; crate::capture::ETL_SNIFF_LEN];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| crate::capture::looks_like_etl(&head))
}

/// The first four bytes of `r`.
fn first_bytes(mut r: impl Read) -> std::io::Result<[u8; 4]> {
    let mut magic = [0u8; 4];
    r.read_exact(&mut magic).map(|()| magic)
}

/// Whether a file's first four bytes are those of a capture format read by content (pcap in
/// its four byte orders and resolutions, pcapng, gzip, zstd); ETL is told by its name.
pub fn is_capture_magic(magic: [u8; 4]) -> bool {
    matches!(
        magic,
        [0xd4, 0xc3, 0xb2, 0xa1]
            | [0xa1, 0xb2, 0xc3, 0xd4]
            | [0x4d, 0x3c, 0xb2, 0xa1]
            | [0xa1, 0xb2, 0x3c, 0x4d]
            | [0x34, 0xcd, 0xb2, 0xa1]
            | [0xa1, 0xb2, 0xcd, 0x34]
            | [0x0a, 0x0d, 0x0d, 0x0a]
            | [0x1f, 0x8b, _, _]
            | [0x28, 0xb5, 0x2f, 0xfd]
    )
}

fn build_globs(patterns: &[String]) -> Result<Option<GlobSet>, InputError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        let g = Glob::new(p).map_err(|source| InputError::Glob {
            pattern: p.clone(),
            source,
        })?;
        b.add(g);
    }
    b.build().map(Some).map_err(|source| InputError::Glob {
        pattern: patterns.join(","),
        source,
    })
}

/// What makes two paths the same file or directory, whatever links lead to them.
#[cfg(unix)]
type FileId = (u64, u64);
#[cfg(not(unix))]
type FileId = PathBuf;

/// The identity of what `path` leads to, given its (link-following) metadata.
#[cfg(unix)]
fn file_id(_path: &Path, meta: &std::fs::Metadata) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_id(path: &Path, _meta: &std::fs::Metadata) -> Option<FileId> {
    std::fs::canonicalize(path).ok()
}

/// Directories and files already taken by one walk.
#[derive(Default)]
struct Seen(HashSet<FileId>);

impl Seen {
    /// True the first time `path` is seen. A path whose identity cannot be read counts as new:
    /// without links to it, it cannot loop.
    fn first(&mut self, path: &Path, meta: &std::fs::Metadata) -> bool {
        match file_id(path, meta) {
            Some(id) => self.0.insert(id),
            None => true,
        }
    }
}

fn walk(
    dir: &Path,
    globs: Option<&GlobSet>,
    seen: &mut Seen,
    out: &mut Vec<Input>,
    skipped: &mut Vec<PathBuf>,
) -> Result<(), InputError> {
    let io = |source| InputError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        // Follows links; a dangling link has no metadata and is skipped, as before.
        let Ok(meta) = std::fs::metadata(&p) else {
            continue;
        };
        if meta.is_dir() {
            if seen.first(&p, &meta) {
                walk(&p, globs, seen, out, skipped)?;
            }
        } else if meta.is_file() {
            let wanted = match globs {
                Some(g) => {
                    g.is_match(&p) || p.file_name().is_some_and(|n| g.is_match(Path::new(n)))
                }
                None => has_capture_magic(&p),
            };
            if !wanted {
                skipped.push(p);
            } else if seen.first(&p, &meta) {
                // A second link to a capture already taken is neither read again nor
                // "skipped as not a capture".
                out.push(Input::Path(p));
            }
        }
    }
    Ok(())
}

/// Expands the command line's paths into inputs, in a stable order.
pub fn discover_inputs(paths: &[String], globs: &[String]) -> Result<Vec<Input>, InputError> {
    discover_inputs_noting_skipped(paths, globs, &mut Vec::new())
}

/// [`discover_inputs`], also noting the files of the folders walked that were left out
/// (not a capture, or not matching `--glob`), so "no capture files found" can name them.
pub fn discover_inputs_noting_skipped(
    paths: &[String],
    globs: &[String],
    skipped: &mut Vec<PathBuf>,
) -> Result<Vec<Input>, InputError> {
    let globs = build_globs(globs)?;
    let mut out = Vec::new();
    for p in paths {
        if p == "-" {
            out.push(Input::Stdin);
            continue;
        }
        let path = PathBuf::from(p);
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => {
                // Each directory argument is its own walk: naming a folder twice reads it
                // twice, as naming a file twice does.
                let mut seen = Seen::default();
                seen.first(&path, &meta);
                walk(&path, globs.as_ref(), &mut seen, &mut out, skipped)?;
            }
            // A missing or unreadable file is reported by the reader, per file.
            _ => out.push(Input::Path(path)),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_are_walked_sorted_and_filtered() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("b");
        std::fs::create_dir(&sub).unwrap();
        std::fs::write(sub.join("x.pcap"), [0xd4, 0xc3, 0xb2, 0xa1, 0, 0]).unwrap();
        std::fs::write(dir.path().join("a.cap"), [0x0a, 0x0d, 0x0d, 0x0a]).unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"hello").unwrap();
        let d = dir.path().to_string_lossy().into_owned();
        let got = discover_inputs(std::slice::from_ref(&d), &[]).unwrap();
        let names: Vec<String> = got.iter().map(|i| i.to_string()).collect();
        assert_eq!(names.len(), 2);
        assert!(names[0].ends_with("a.cap"));
        assert!(names[1].ends_with("x.pcap"));
        let got = discover_inputs(&[d], &["*.pcap".to_string()]).unwrap();
        assert_eq!(got.len(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_end_and_each_capture_is_listed_once() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        std::fs::write(sub.join("a.pcap"), [0xd4, 0xc3, 0xb2, 0xa1]).unwrap();
        std::fs::write(dir.path().join("b.pcap"), [0xd4, 0xc3, 0xb2, 0xa1]).unwrap();
        symlink(".", dir.path().join("x")).unwrap();
        symlink(".", dir.path().join("y")).unwrap();
        symlink("..", sub.join("up")).unwrap();
        symlink("a.pcap", sub.join("again.pcap")).unwrap();
        symlink("missing.pcap", sub.join("dangling.pcap")).unwrap();
        let d = dir.path().to_string_lossy().into_owned();
        let got = discover_inputs(std::slice::from_ref(&d), &[]).unwrap();
        let names: Vec<String> = got.iter().map(|i| i.to_string()).collect();
        // Sorted walk: b.pcap, then sub/ where a.pcap sorts before the link again.pcap.
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(names[0].ends_with("/b.pcap"), "{names:?}");
        assert!(names[1].ends_with("sub/a.pcap"), "{names:?}");
        // The same again through a link to the folder given as the argument.
        let link = tempfile::tempdir().unwrap();
        symlink(dir.path(), link.path().join("l")).unwrap();
        let l = link.path().join("l").to_string_lossy().into_owned();
        assert_eq!(discover_inputs(&[l], &[]).unwrap().len(), 2);
    }

    #[test]
    fn a_compressed_file_in_a_folder_is_a_capture_only_if_it_holds_one() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let gz = |name: &str, bytes: &[u8]| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(bytes).unwrap();
            std::fs::write(dir.path().join(name), e.finish().unwrap()).unwrap();
        };
        gz("notes.txt.gz", b"meeting notes, not packets\n");
        gz("hi.txt.gz", b"hi");
        gz("trace.pcap.gz", &[0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0]);
        let text = zstd::encode_all(&b"more notes\n"[..], 3).unwrap();
        std::fs::write(dir.path().join("notes.txt.zst"), text).unwrap();
        let d = dir.path().to_string_lossy().into_owned();
        let mut skipped = Vec::new();
        let got =
            discover_inputs_noting_skipped(std::slice::from_ref(&d), &[], &mut skipped).unwrap();
        let names: Vec<String> = got.iter().map(|i| i.to_string()).collect();
        assert_eq!(names.len(), 1, "{names:?}");
        assert!(names[0].ends_with("trace.pcap.gz"));
        assert_eq!(skipped.len(), 3, "{skipped:?}");
        // Named explicitly, a compressed non-capture is still tried (and its error said).
        let named = dir
            .path()
            .join("notes.txt.gz")
            .to_string_lossy()
            .into_owned();
        assert_eq!(discover_inputs(&[named], &[]).unwrap().len(), 1);
    }

    #[test]
    fn bad_glob_is_refused() {
        assert!(discover_inputs(&[], &["a[".to_string()]).is_err());
    }
}
