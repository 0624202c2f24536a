//! Where a command's report goes: standard output, or the file named by `--output`; and
//! whether it is coloured (`--color`).
//!
//! The file is created (truncated) only once the invocation has been checked, so a bad
//! invocation leaves no empty file behind, and before any capture is read, so an unwritable
//! path fails at once rather than after a long run. Every error names the file. Knows nothing
//! of formats; the commands write to it like to any `Write`.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use crate::capture::Input;
use crate::report::Styles;

/// Buffer in front of the terminal or file: large writes, few system calls.
const BUF_LEN: usize = 1 << 16;

pub(crate) struct Output {
    /// `--output FILE`; `None` for standard output.
    path: Option<PathBuf>,
    /// `None` until opened: the file is created then.
    w: Option<BufWriter<Box<dyn Write>>>,
    /// The reader went away (`| head -1`): a write failed with a broken pipe.
    closed: bool,
}

impl Output {
    /// Standard output when `path` is `None` or `-`. Nothing is opened yet.
    pub(crate) fn new(path: Option<&Path>) -> Output {
        Output {
            path: path.filter(|p| *p != Path::new("-")).map(Path::to_path_buf),
            w: None,
            closed: false,
        }
    }

    /// Whether the reader of standard output went away before the report was written.
    pub(crate) fn pipe_closed(&self) -> bool {
        self.closed
    }

    /// Remembers a closed pipe, and names the file in any other error.
    fn seen(&mut self, e: io::Error) -> io::Error {
        if e.kind() == io::ErrorKind::BrokenPipe {
            self.closed = true;
        }
        named_if(self.path.as_deref(), e)
    }

    /// Whether the report lands on a terminal (standard output, and it is one).
    pub(crate) fn is_terminal(&self) -> bool {
        self.path.is_none() && io::stdout().is_terminal()
    }

    /// The colours of the human formats under `--color WHEN`; see [`colors_wanted`].
    pub(crate) fn styles(&self, when: ColorWhen) -> Styles {
        let wanted = colors_wanted(
            when,
            self.is_terminal(),
            std::env::var_os("NO_COLOR").as_deref(),
            std::env::var_os("TERM").as_deref(),
        );
        if wanted {
            Styles::colored()
        } else {
            Styles::plain()
        }
    }

    /// Creates (truncates) the file now, if it is not yet.
    pub(crate) fn open(&mut self) -> Result<(), String> {
        self.open_io().map_err(|e| format!("--output {e}"))
    }

    fn open_io(&mut self) -> io::Result<()> {
        if self.w.is_none() {
            let inner: Box<dyn Write> = match &self.path {
                Some(path) => Box::new(File::create(path).map_err(|e| named(path, e))?),
                None => Box::new(io::stdout().lock()),
            };
            self.w = Some(BufWriter::with_capacity(BUF_LEN, inner));
        }
        Ok(())
    }

    /// `--output FILE` as a `(flag, path)` pair for [`check_outputs`], if it is a file.
    pub(crate) fn file(&self) -> Option<(&'static str, &Path)> {
        self.path.as_deref().map(|p| ("--output", p))
    }

    /// Flushes what is buffered. A reader that went away early (`| head`) is not an error.
    pub(crate) fn finish(&mut self) -> Result<(), String> {
        match self.flush() {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => Err(format!("writing output: {e}")),
        }
    }
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ColorWhen {
    /// When the report goes to a terminal, unless NO_COLOR is set or TERM=dumb.
    Auto,
    /// Always, even into a file or pipe and whatever NO_COLOR says.
    Always,
    /// Never.
    Never,
}

/// The convention of cargo and ripgrep: an explicit `--color always|never` wins;
/// `auto` colours a terminal only, and not when `NO_COLOR` is set to anything non-empty
/// (no-color.org) or the terminal is `dumb`.
pub(crate) fn colors_wanted(
    when: ColorWhen,
    output_is_terminal: bool,
    no_color: Option<&std::ffi::OsStr>,
    term: Option<&std::ffi::OsStr>,
) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            output_is_terminal
                && no_color.is_none_or(|v| v.is_empty())
                && term.is_none_or(|t| t != "dumb")
        }
    }
}

/// An I/O error that names its file, keeping its kind (BrokenPipe stays BrokenPipe).
fn named(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

fn named_if(path: Option<&Path>, e: io::Error) -> io::Error {
    match path {
        Some(path) => named(path, e),
        None => e,
    }
}

// Records are written in many small pieces: once open, the writer is one branch away.
impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.open_io()?;
        let r = match &mut self.w {
            Some(w) => w.write(buf),
            None => Err(io::ErrorKind::NotConnected.into()),
        };
        r.map_err(|e| self.seen(e))
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.open_io()?;
        let r = match &mut self.w {
            Some(w) => w.write_all(buf),
            None => Err(io::ErrorKind::NotConnected.into()),
        };
        r.map_err(|e| self.seen(e))
    }

    fn flush(&mut self) -> io::Result<()> {
        let r = match &mut self.w {
            Some(w) => w.flush(),
            None => Ok(()),
        };
        r.map_err(|e| self.seen(e))
    }
}

/// What makes two paths one file: (device, inode) for a file that exists, so hard links
/// and symbolic links are seen through; for one that does not exist yet, its canonical
/// folder and name (two outputs may name one new file, `-o r.html --html r.html`).
#[derive(Debug, PartialEq, Eq)]
enum FileId {
    #[cfg(unix)]
    Inode(u64, u64),
    Path(PathBuf),
}

fn file_id(path: &Path) -> Option<FileId> {
    #[cfg(unix)]
    if let Ok(meta) = std::fs::metadata(path) {
        use std::os::unix::fs::MetadataExt;
        return Some(FileId::Inode(meta.dev(), meta.ino()));
    }
    if let Ok(p) = path.canonicalize() {
        return Some(FileId::Path(p));
    }
    let name = path.file_name()?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Some(FileId::Path(parent.canonicalize().ok()?.join(name)))
}

/// Refuses, before anything is created or truncated, an output file that is another
/// output (both would be written into one file) or that is one of the files the run reads
/// (captures and side files such as `--service-tags`, `--catalog`, `--suppress`): writing it
/// would destroy what is being read. `outputs` and `inputs` are `(flag, path)` pairs;
/// links are seen through.
pub(crate) fn check_outputs(
    outputs: &[(&str, &Path)],
    inputs: &[(&str, &Path)],
) -> Result<(), String> {
    let outs: Vec<(&str, &Path, Option<FileId>)> = outputs
        .iter()
        .filter(|(_, p)| *p != Path::new("-"))
        .map(|(f, p)| (*f, *p, file_id(p)))
        .collect();
    for (i, (flag, path, id)) in outs.iter().enumerate() {
        let Some(id) = id else { continue };
        for (flag2, path2, id2) in &outs[i + 1..] {
            if id2.as_ref() == Some(id) {
                return Err(format!(
                    "{flag} {} and {flag2} {} are the same file; refusing to write two reports into one",
                    path.display(),
                    path2.display()
                ));
            }
        }
        for (what, input) in inputs {
            if file_id(input).as_ref() == Some(id) {
                return Err(format!(
                    "{flag} {} is also an input ({what} {}); refusing to overwrite it",
                    path.display(),
                    input.display()
                ));
            }
        }
    }
    Ok(())
}

/// The captures among `inputs` as `(what, path)` pairs for [`check_outputs`].
pub(crate) fn capture_paths(inputs: &[Input]) -> Vec<(&'static str, &Path)> {
    inputs
        .iter()
        .filter_map(|i| match i {
            Input::Path(p) => Some(("capture", p.as_path())),
            Input::Stdin => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn explicit_color_wins_and_auto_needs_a_terminal_without_no_color() {
        let set = Some(OsStr::new("1"));
        let empty = Some(OsStr::new(""));
        let xterm = Some(OsStr::new("xterm-256color"));
        let dumb = Some(OsStr::new("dumb"));
        assert!(colors_wanted(ColorWhen::Always, false, set, dumb));
        assert!(!colors_wanted(ColorWhen::Never, true, None, xterm));
        assert!(colors_wanted(ColorWhen::Auto, true, None, xterm));
        assert!(
            colors_wanted(ColorWhen::Auto, true, empty, None),
            "empty NO_COLOR is unset"
        );
        assert!(
            !colors_wanted(ColorWhen::Auto, true, set, xterm),
            "NO_COLOR"
        );
        assert!(
            !colors_wanted(ColorWhen::Auto, false, None, xterm),
            "not a terminal"
        );
        assert!(
            !colors_wanted(ColorWhen::Auto, true, None, dumb),
            "TERM=dumb"
        );
    }
}
