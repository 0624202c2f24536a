//! Documentation generated from the clap definition itself, so it cannot drift from the
//! real options: shell completion scripts (`arcaudit completions SHELL`, clap_complete) and
//! roff manual pages (`arcaudit man`, clap_mangen): arcaudit.1, which lists the subcommands,
//! the global options, the exit status and the environment, and one arcaudit-COMMAND.1 per
//! subcommand with its own options.

use clap::CommandFactory;
use roff::{Roff, bold, roman};
use std::io::Write;
use std::path::Path;

use super::args::Cli;
use super::exit::Exit;

const BIN: &str = "arcaudit";

/// The completion script for `shell`.
pub(crate) fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> Result<(), String> {
    // Rendered in memory first: clap_complete panics if its writer fails.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), BIN, &mut script);
    out.write_all(&script)
        .map_err(|e| format!("writing output: {e}"))
}

/// The command tree as the pages describe it (globals copied into every subcommand).
fn command() -> clap::Command {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    cmd
}

/// What `arcaudit` exits with, in the words of README.md.
const EXIT_STATUS: [(Exit, &str); 5] = [
    (
        Exit::Ok,
        "Every input was read completely (and, for audit, no finding trips --fail-on).",
    ),
    (
        Exit::Findings,
        "audit: findings at or above --fail-on (a family such as blocked, or a severity info, low, medium or high; default low; never to report only).",
    ),
    (
        Exit::InputError,
        "At least one input could not be read, or not to its end; the rest of the batch still ran, and what was read before the damage is reported.",
    ),
    (
        Exit::Usage,
        "Bad invocation, or the output could not be written.",
    ),
    (
        Exit::PipeClosed,
        "The reader of the output went away (| head -1): the run ends quietly, as a Unix filter killed by SIGPIPE (128 + 13); never 0, since the report was not all read.",
    ),
];

const ENVIRONMENT: [(&str, &str); 3] = [
    (
        "NO_COLOR",
        "When set to a non-empty value, --color auto (the default) does not colour. --color always still does.",
    ),
    (
        "ARCAUDIT_PROGRESS",
        "Set to always, the progress bar of audit and flows is drawn on stderr even when stderr is not a terminal; set to never, it is never drawn. Otherwise it is drawn on a terminal only, and not with --quiet.",
    ),
    (
        "TERM",
        "Set to dumb, --color auto does not colour and no progress bar is drawn.",
    ),
];

/// clap_mangen's page of `cmd`, every one from the same source (a subcommand has no
/// version of its own).
fn man(cmd: clap::Command) -> clap_mangen::Man {
    clap_mangen::Man::new(cmd).source(format!("{BIN} {}", env!("CARGO_PKG_VERSION")))
}

/// A page as clap_mangen renders it, with the `.TH` line moved first: roff's preamble
/// (which defines the apostrophe string) comes before it, where man-page checkers expect
/// the title.
fn render(man: &clap_mangen::Man) -> std::io::Result<String> {
    let mut buf = Vec::new();
    man.render(&mut buf)?;
    let page = String::from_utf8(buf).map_err(std::io::Error::other)?;
    Ok(title_first(&page))
}

fn title_first(page: &str) -> String {
    let Some(th) = page.find("\n.TH ").map(|i| i + 1) else {
        return page.to_string();
    };
    let end = page[th..].find('\n').map_or(page.len(), |i| th + i + 1);
    format!("{}{}{}", &page[th..end], &page[..th], &page[end..])
}

/// arcaudit.1: clap_mangen's page with EXIT STATUS and ENVIRONMENT added before VERSION.
fn top_page(cmd: clap::Command) -> std::io::Result<String> {
    let page = render(&man(cmd))?;
    let mut roff = Roff::new();
    roff.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in EXIT_STATUS {
        roff.control("TP", [])
            .text([bold((code as u8).to_string())])
            .text([roman(meaning)]);
    }
    roff.control("SH", ["ENVIRONMENT"]);
    for (name, meaning) in ENVIRONMENT {
        roff.control("TP", [])
            .text([bold(name)])
            .text([roman(meaning)]);
    }
    // Without roff's preamble, which the page already has.
    let extra = roff.render();
    let extra = extra.find(".SH").map_or(extra.as_str(), |i| &extra[i..]);
    let at = page.find(".SH VERSION").unwrap_or(page.len());
    Ok(format!("{}{extra}{}", &page[..at], &page[at..]))
}

/// `arcaudit man`: the page of arcaudit, or of one subcommand, on `out`.
pub(crate) fn man_page(subcommand: Option<&str>, out: &mut dyn Write) -> Result<(), String> {
    let cmd = command();
    let w = |e: std::io::Error| format!("writing output: {e}");
    match subcommand {
        None => out
            .write_all(top_page(cmd).map_err(w)?.as_bytes())
            .map_err(w),
        Some(name) => {
            let sub = cmd
                .get_subcommands()
                .find(|s| s.get_name() == name)
                .ok_or_else(|| {
                    let names: Vec<&str> = cmd.get_subcommands().map(|s| s.get_name()).collect();
                    format!("man {name:?}: no such command; one of {}", names.join(", "))
                })?;
            let page = render(&man(sub.clone())).map_err(w)?;
            out.write_all(page.as_bytes()).map_err(w)
        }
    }
}

/// `arcaudit man --dir DIR`: arcaudit.1 and arcaudit-COMMAND.1 for every subcommand, in
/// DIR (created if missing). Returns the files written.
pub(crate) fn man_pages_to(dir: &Path) -> Result<Vec<std::path::PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let cmd = command();
    let mut written = Vec::new();
    let mut write = |name: String, page: std::io::Result<String>| {
        let path = dir.join(name);
        let named = |e: std::io::Error| format!("{}: {e}", path.display());
        std::fs::write(&path, page.map_err(named)?).map_err(named)?;
        written.push(path);
        Ok::<(), String>(())
    };
    write(format!("{BIN}.1"), top_page(cmd.clone()))?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let page = man(sub.clone());
        write(page.get_filename(), render(&page))?;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_status_lists_every_code_once() {
        let codes: Vec<u8> = EXIT_STATUS.iter().map(|(e, _)| *e as u8).collect();
        assert_eq!(codes, [0, 1, 2, 3, 141]);
    }

    #[test]
    fn the_title_comes_first() {
        let page = ".ie x\n.el y\n.TH arcaudit 1\n.SH NAME\n";
        assert_eq!(
            title_first(page),
            ".TH arcaudit 1\n.ie x\n.el y\n.SH NAME\n"
        );
        assert_eq!(title_first("no title"), "no title");
    }

    #[test]
    fn every_subcommand_has_a_page_named_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let written = man_pages_to(dir.path()).unwrap();
        let names: Vec<String> = written
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names[0], "arcaudit.1");
        for sub in command().get_subcommands() {
            let page = format!("arcaudit-{}.1", sub.get_name());
            assert!(names.contains(&page), "{page} in {names:?}");
        }
    }
}
