//! Turns the paths a user typed into the list of captures to read: files as given,
//! directories walked recursively (sorted, so the order never depends on the file system),
//! filtered by `--glob` patterns when given, and `-` for standard input.

use globset::{Glob, GlobSet, GlobSetBuilder};
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
/// gzip, zstd. Used only to pick captures out of a directory; files named explicitly are
/// always tried, so a wrong file gets a clear error rather than silence.
fn has_capture_magic(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    let Ok(mut f) = std::fs::File::open(path) else {
        return true; // let the reader report the error
    };
    if f.read_exact(&mut magic).is_err() {
        return false;
    }
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

fn walk(dir: &Path, globs: Option<&GlobSet>, out: &mut Vec<Input>) -> Result<(), InputError> {
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
        if p.is_dir() {
            walk(&p, globs, out)?;
        } else if p.is_file() {
            let wanted = match globs {
                Some(g) => {
                    g.is_match(&p) || p.file_name().is_some_and(|n| g.is_match(Path::new(n)))
                }
                None => has_capture_magic(&p),
            };
            if wanted {
                out.push(Input::Path(p));
            }
        }
    }
    Ok(())
}

/// Expands the command line's paths into inputs, in a stable order.
pub fn discover_inputs(paths: &[String], globs: &[String]) -> Result<Vec<Input>, InputError> {
    let globs = build_globs(globs)?;
    let mut out = Vec::new();
    for p in paths {
        if p == "-" {
            out.push(Input::Stdin);
            continue;
        }
        let path = PathBuf::from(p);
        if path.is_dir() {
            walk(&path, globs.as_ref(), &mut out)?;
        } else {
            // A missing or unreadable file is reported by the reader, per file.
            out.push(Input::Path(path));
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

    #[test]
    fn bad_glob_is_refused() {
        assert!(discover_inputs(&[], &["a[".to_string()]).is_err());
    }
}
