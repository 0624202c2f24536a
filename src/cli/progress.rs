//! The progress bar of `audit` and `flows` on stderr: bytes of input read against the sum of
//! the file sizes, with rate and ETA, or a spinner with bytes and rate when a size is unknown
//! (standard input, a pipe). The pipeline knows nothing of it: it moves a shared counter once
//! per read (see `PipelineConfig::progress`), and a ticker thread here copies the counter into
//! the bar ten times a second, so the packet loop never touches the bar.
//!
//! Shown only on a terminal: never when stderr is not one, with `--quiet`, or while the
//! report itself streams to the same terminal. `ARCAUDIT_PROGRESS=always` draws it whatever
//! stderr is (for tests and recordings), `ARCAUDIT_PROGRESS=never` never.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{self, IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::capture::Input;

/// How often the ticker copies the counter into the bar (indicatif draws at most 20 Hz).
const TICK: Duration = Duration::from_millis(100);

/// The environment variable that overrides the terminal check.
pub(crate) const ENV: &str = "ARCAUDIT_PROGRESS";

/// What the environment variable says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Auto,
    Always,
    Never,
}

impl Mode {
    pub(crate) fn from_env() -> Mode {
        match std::env::var_os(ENV) {
            Some(v) if v == "always" => Mode::Always,
            Some(v) if v == "never" => Mode::Never,
            _ => Mode::Auto,
        }
    }
}

/// Whether to draw a bar. `report_on_stderr_terminal`: the report streams to the terminal
/// stderr is on while the files are read (`flows` to a terminal), so a bar would be torn
/// up by the table it scrolls through.
pub(crate) fn wanted(
    mode: Mode,
    quiet: bool,
    stderr_is_terminal: bool,
    report_streams_to_terminal: bool,
) -> bool {
    match mode {
        _ if quiet => false,
        Mode::Never => false,
        Mode::Always => true,
        Mode::Auto => stderr_is_terminal && !report_streams_to_terminal,
    }
}

/// Sum of the input sizes; `None` when one of them has no size known in advance.
fn total_size(inputs: &[Input]) -> Option<u64> {
    inputs.iter().try_fold(0u64, |sum, input| match input {
        Input::Path(p) => match std::fs::metadata(p) {
            Ok(m) if m.is_file() => Some(sum.saturating_add(m.len())),
            // A missing file fails at once and adds nothing; a FIFO or device has no size.
            Err(_) => Some(sum),
            Ok(_) => None,
        },
        Input::Stdin => None,
    })
}

/// A running bar and its ticker. Finishing (or dropping) it stops the ticker and clears
/// the bar from the terminal.
pub(crate) struct Progress {
    bar: ProgressBar,
    stop: Option<mpsc::Sender<()>>,
    ticker: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts a bar for `inputs` fed by `counter`, or `None` when it is not to be shown
    /// (see [`wanted`]) or cannot be (no terminal for indicatif, no thread).
    pub(crate) fn start(
        command: &str,
        inputs: &[Input],
        counter: Arc<AtomicU64>,
        quiet: bool,
        report_streams_to_terminal: bool,
    ) -> Option<Progress> {
        let mode = Mode::from_env();
        if !wanted(
            mode,
            quiet,
            io::stderr().is_terminal(),
            report_streams_to_terminal,
        ) {
            return None;
        }
        let target = match mode {
            // indicatif hides a bar whose stderr is no terminal; a TermLike it draws to anyway.
            Mode::Always => ProgressDrawTarget::term_like_with_hz(
                Box::new(console::Term::buffered_stderr()),
                20,
            ),
            // Hidden as well when TERM is unset or dumb.
            Mode::Auto | Mode::Never => ProgressDrawTarget::stderr_with_hz(20),
        };
        if target.is_hidden() {
            return None;
        }
        let total = total_size(inputs);
        let captures = match inputs.len() {
            1 => "1 capture".to_string(),
            n => format!("{n} captures"),
        };
        let style = match total {
            Some(_) => ProgressStyle::with_template(
                "{prefix} [{wide_bar}] {bytes}/{total_bytes}, {binary_bytes_per_sec}, ETA {eta}",
            )
            .map(|s| s.progress_chars("=> ")),
            None => ProgressStyle::with_template(
                "{prefix} {spinner} {bytes} read, {binary_bytes_per_sec}, {elapsed}",
            )
            .map(|s| s.tick_chars("-\\|/ ")),
        }
        .ok()?;
        let bar = ProgressBar::with_draw_target(total, target);
        bar.set_style(style);
        bar.set_prefix(format!("{command}: {captures}"));
        let (stop, stopped) = mpsc::channel::<()>();
        let ticking = bar.clone();
        let ticker = std::thread::Builder::new()
            .name("progress".into())
            .spawn(move || {
                loop {
                    ticking.set_position(counter.load(Ordering::Relaxed));
                    ticking.tick();
                    match stopped.recv_timeout(TICK) {
                        Err(RecvTimeoutError::Timeout) => {}
                        Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
            })
            .ok()?;
        Some(Progress {
            bar,
            stop: Some(stop),
            ticker: Some(ticker),
        })
    }

    /// Stops the ticker and clears the bar.
    pub(crate) fn finish(mut self) {
        self.end();
    }

    fn end(&mut self) {
        // Dropping the sender wakes the ticker at once.
        self.stop.take();
        if let Some(t) = self.ticker.take() {
            // The ticker only moves the bar; if it panicked there is nothing to clean up.
            let _ = t.join();
        }
        self.bar.finish_and_clear();
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if self.ticker.is_some() {
            self.end();
        }
    }
}

/// A writer for stderr that ends the bar before its first byte, so the lines a command
/// prints when it is done (the per-file summary of `flows`) come out after the bar is gone
/// and never through it.
pub(crate) struct AfterBar<'a> {
    pub(crate) progress: Option<Progress>,
    pub(crate) inner: &'a mut dyn Write,
}

impl Write for AfterBar<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(p) = self.progress.take() {
            p.finish();
        }
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_and_never_win_always_forces_auto_needs_a_free_terminal() {
        for mode in [Mode::Auto, Mode::Always, Mode::Never] {
            assert!(
                !wanted(mode, true, true, false),
                "--quiet silences {mode:?}"
            );
        }
        assert!(!wanted(Mode::Never, false, true, false));
        assert!(wanted(Mode::Always, false, false, true));
        assert!(wanted(Mode::Auto, false, true, false));
        assert!(
            !wanted(Mode::Auto, false, false, false),
            "stderr not a terminal"
        );
        assert!(
            !wanted(Mode::Auto, false, true, true),
            "the report streams to the terminal"
        );
    }

    #[test]
    fn total_is_the_sum_of_file_sizes_or_unknown() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        std::fs::write(&a, [0u8; 100]).unwrap();
        std::fs::write(&b, [0u8; 23]).unwrap();
        let files = [Input::Path(a.clone()), Input::Path(b.clone())];
        assert_eq!(total_size(&files), Some(123));
        assert_eq!(
            total_size(&[Input::Path(a.clone()), Input::Path(dir.path().join("gone"))]),
            Some(100)
        );
        assert_eq!(total_size(&[Input::Path(a), Input::Stdin]), None);
    }
}
