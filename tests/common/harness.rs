//! The test harness of the suites that need something a fresh clone may not have: the shared
//! test data (`../shared` beside the repository: corpus, reference pages, service tags) or a
//! browser. Such a suite is a `harness = false` test binary on libtest-mimic, so that a test
//! whose need is unmet shows in `cargo test`'s own output as `ignored (<reason>)` and counts
//! in the `ignored` total of its `test result:` line, instead of passing while doing nothing.
//! The need is checked when the binary runs, not when it is built. What each test checks
//! stays in its suite; this module only decides whether it runs.
//!
//! A suite includes it as `#[path = "common/harness.rs"] mod harness;` at its crate root
//! (the `trials!` macro names `crate::harness`), lists its tests in `main` with `trials!`
//! and returns [`run`]'s exit code.
//!
//! libtest-mimic cannot capture what a test prints (the built-in harness uses an unstable
//! hook for that), so a test says what it wants to show through `note!`: kept, and shown only
//! when the test fails or `--nocapture` / `--show-output` asks for it, as the built-in harness
//! does with printed output.
#![allow(dead_code)]

use std::cell::RefCell;
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::OnceLock;

use libtest_mimic::{Arguments, Completion, Failed, Trial};

/// Names the shared test data folder when it is not `../shared` beside the repository.
pub const SHARED_ENV: &str = "ARCAUDIT_SHARED";

/// Whether the tests a need guards can run, and what happens to them when they cannot.
#[derive(Clone, Debug)]
pub enum Need {
    Met,
    /// Unmet where that is expected (a fresh clone): the tests show as ignored with this reason.
    Ignore(String),
    /// Unmet where it must not be (CI asked for it): the tests fail with this message.
    Fail(String),
}

/// The shared test data folder: `$ARCAUDIT_SHARED`, else `../shared` beside the repository.
pub fn shared_dir() -> PathBuf {
    match std::env::var_os(SHARED_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"),
    }
}

/// `rel` inside the shared folder. Tests call it once their [`need_shared`] is met.
pub fn shared(rel: &str) -> PathBuf {
    shared_dir().join(rel)
}

/// Met when every path of `rels` (relative to the shared folder) exists; otherwise the
/// tests are ignored, naming the first missing path as a user would look for it.
pub fn need_shared<S: AsRef<str>>(rels: &[S]) -> Need {
    let shown = |rel: &str| match std::env::var_os(SHARED_ENV) {
        Some(dir) if !dir.is_empty() => shared(rel).display().to_string(),
        _ => format!("../shared/{rel}"),
    };
    match rels
        .iter()
        .map(AsRef::as_ref)
        .find(|rel| !shared(rel).exists())
    {
        None => Need::Met,
        Some(rel) => Need::Ignore(format!(
            "needs the shared test data: {} is absent",
            shown(rel)
        )),
    }
}

/// Met when `present`; otherwise ignored with `reason`, or a failure when the environment
/// variable `require` is `1` (CI sets it where the thing is installed on purpose).
pub fn need_installed(present: bool, reason: &str, require: &str) -> Need {
    if present {
        Need::Met
    } else if std::env::var(require).is_ok_and(|v| v == "1") {
        Need::Fail(format!("{require}=1 forbids skipping: {reason}"))
    } else {
        Need::Ignore(reason.to_string())
    }
}

/// One test that runs only when `need` is met.
pub fn trial(name: &str, need: &Need, test: fn()) -> Trial {
    let need = need.clone();
    Trial::ignorable_test(name, move || match need {
        Need::Met => run_one(test).map(|()| Completion::Completed),
        Need::Ignore(reason) => Ok(Completion::ignored_with(reason)),
        Need::Fail(reason) => Err(Failed::from(reason)),
    })
}

/// Whether notes are printed as they come (`--nocapture`, `--show-output`) or kept.
static SHOW_NOTES: OnceLock<bool> = OnceLock::new();

thread_local! {
    /// The notes of the test running on this thread (libtest-mimic runs one test per worker
    /// thread at a time).
    static NOTES: RefCell<String> = const { RefCell::new(String::new()) };
}

/// What `note!` records; call it through the macro.
pub fn record_note(line: std::fmt::Arguments<'_>) {
    if SHOW_NOTES.get().copied().unwrap_or(false) {
        eprintln!("{line}");
    } else {
        NOTES.with(|n| {
            let mut n = n.borrow_mut();
            let _ = writeln!(n, "{line}");
        });
    }
}

/// Like `eprintln!`, but shown only when the test fails or output is asked for.
#[allow(unused_macros)] // not every suite uses it
macro_rules! note {
    ($($arg:tt)*) => {
        crate::harness::record_note(format_args!($($arg)*))
    };
}
#[allow(unused_imports)]
pub(crate) use note;

/// Runs a test; a panic becomes its failure, with the test's notes before the message.
fn run_one(test: fn()) -> Result<(), Failed> {
    NOTES.with(|n| n.borrow_mut().clear());
    let outcome = catch_unwind(AssertUnwindSafe(test));
    let notes = NOTES.with(|n| std::mem::take(&mut *n.borrow_mut()));
    outcome.map_err(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("(no message)");
        Failed::from(format!("{notes}test panicked: {message}"))
    })
}

/// The trials of a suite: `trials![need => [test_a, test_b], other_need => [test_c]]`,
/// each named after its function as the built-in harness would name it, plus
/// [`no_test_attribute`] over the suite's own source.
#[allow(unused_macros)] // not every suite uses it
macro_rules! trials {
    ($($need:expr => [$($test:ident),+ $(,)?]),+ $(,)?) => {
        vec![
            $($(crate::harness::trial(stringify!($test), &$need, $test),)+)+
            crate::harness::no_test_attribute(
                file!(),
                include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/", file!())),
            ),
        ]
    };
}
#[allow(unused_imports)]
pub(crate) use trials;

/// A test that fails when the suite's source has a `#[test]` line: in a `harness = false`
/// binary that attribute removes its function without a warning, so the test would never
/// run. (A function neither marked nor listed is caught by the dead-code lint instead.)
pub fn no_test_attribute(file: &'static str, source: &'static str) -> Trial {
    Trial::test("no_test_attribute_in_this_suite", move || {
        let lines: Vec<String> = source
            .lines()
            .enumerate()
            .filter(|(_, l)| l.trim_start().starts_with("#[test]"))
            .map(|(i, _)| format!("{file}:{}", i + 1))
            .collect();
        if lines.is_empty() {
            Ok(())
        } else {
            Err(Failed::from(format!(
                "#[test] does nothing in this harness = false suite; list the function in \
                 main's trials! instead: {}",
                lines.join(", ")
            )))
        }
    })
}

/// Runs the trials as `cargo test` asked (filters, `--list`, `--test-threads`, ...) and
/// returns the exit code for `main`.
pub fn run(trials: Vec<Trial>) -> ExitCode {
    let mut args = Arguments::from_args();
    // The built-in harness also reads the thread count from the environment.
    if args.test_threads.is_none() {
        args.test_threads = std::env::var("RUST_TEST_THREADS")
            .ok()
            .and_then(|n| n.parse().ok());
    }
    let _ = SHOW_NOTES.set(args.nocapture || args.show_output);
    libtest_mimic::run(&args, trials).exit_code()
}
