//! Renderers, and the audit report model they render. [`model`] holds the [`model::Report`]
//! value (with its totals, counted once) and the outcome it implies; every other module turns
//! values computed elsewhere into text, JSON, NDJSON, Markdown or HTML and computes nothing
//! itself: [`audit`] (text, JSON, NDJSON, and the dispatch to [`markdown`] and [`html`]),
//! [`flows`], [`endpoints`], [`lookup`], [`explain`], with the phrases they share in
//! [`common`]. Renderers read `classify`, `model` and `pipeline` types and never reach back
//! into the commands or the command line. Every string that came from a capture goes
//! through [`escape_text`] before it reaches a terminal.

pub mod audit;
pub mod cells;
pub mod common;
pub mod endpoints;
pub mod explain;
pub mod fleet;
pub mod fleet_markdown;
pub mod fleet_text;
pub mod flows;
pub mod html;
pub mod lookup;
pub mod markdown;
pub mod model;

use std::fmt::Write as _;

/// Makes a string from the wire safe to print on a terminal: control characters (ESC,
/// newline, DEL, C1 controls, ...) become visible escapes, so a hostile SNI cannot
/// recolour, move the cursor or forge extra lines.
pub fn escape_text(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c == '\\' {
            out.push_str("\\\\");
        } else if needs_escape(c) {
            let n = c as u32;
            if n <= 0xff {
                let _ = write!(out, "\\x{n:02x}");
            } else {
                let _ = write!(out, "\\u{{{n:x}}}");
            }
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// [`escape_text`] line by line, for multi-line text of our own that carries strings from
/// a capture or a side file (error messages, the `lookup` and `endpoints` tables): the
/// newlines we wrote stay line breaks, everything else that could act on a terminal becomes
/// a visible escape. For text that was not escaped before (escaping twice doubles `\`).
pub fn escape_lines(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&escape_text(line));
    }
    out
}

/// Whether `c` must not reach a terminal as itself: control characters (Cc), the backslash
/// (so an escape in the output is always ours), and every character that is invisible or
/// changes how its neighbours show: format characters (Cf: bidi controls and isolates,
/// zero-width spaces and joiners, the soft hyphen, the word joiner, the BOM, the Arabic
/// letter mark, interlinear annotations, tag characters...), line and paragraph separators
/// (Zl, Zp), and the default-ignorable letters and marks that render as nothing (Hangul
/// fillers, the combining grapheme joiner, variation selectors, Khmer inherent vowels).
/// A host name that looks like another one must not print like it.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || c == '\\'
        || matches!(
            c,
            // Cf
            '\u{00ad}'
                | '\u{0600}'..='\u{0605}'
                | '\u{061c}'
                | '\u{06dd}'
                | '\u{070f}'
                | '\u{0890}'..='\u{0891}'
                | '\u{08e2}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2060}'..='\u{206f}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
                | '\u{110bd}'
                | '\u{110cd}'
                | '\u{13430}'..='\u{1343f}'
                | '\u{1bca0}'..='\u{1bca3}'
                | '\u{1d173}'..='\u{1d17a}'
                // Zl, Zp
                | '\u{2028}'..='\u{2029}'
                // Default-ignorable, invisible: combining grapheme joiner, Hangul fillers,
                // Khmer inherent vowels, Mongolian free variation selectors, variation
                // selectors, reserved specials; tags and their supplement (E0000-E0FFF).
                | '\u{034f}'
                | '\u{115f}'..='\u{1160}'
                | '\u{17b4}'..='\u{17b5}'
                | '\u{180b}'..='\u{180f}'
                | '\u{3164}'
                | '\u{fe00}'..='\u{fe0f}'
                | '\u{ffa0}'
                | '\u{fff0}'..='\u{fff8}'
                | '\u{e0000}'..='\u{e0fff}'
        )
}

/// Colours of the human formats (audit `text`, flows `table`). The CLI chooses them
/// (`--color`, `NO_COLOR`, whether the output is a terminal); renderers take them as a value
/// and never look at the environment. [`Styles::plain`] writes no escape code at all, so
/// plain output is unchanged byte for byte. Only arcaudit's own words are coloured: strings
/// from a capture still go through [`escape_text`], so every ESC in the output is one of these.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Styles {
    pub high: anstyle::Style,
    pub medium: anstyle::Style,
    pub low: anstyle::Style,
    pub info: anstyle::Style,
    /// Section headings (the finding families of the audit).
    pub heading: anstyle::Style,
    /// A verdict with nothing to report.
    pub good: anstyle::Style,
    /// Findings, input errors; flows that never got an answer or were refused.
    pub bad: anstyle::Style,
    /// Flows reset by the server after it answered.
    pub warn: anstyle::Style,
    /// Marks that qualify what precedes them (`[suppressed]`).
    pub muted: anstyle::Style,
}

impl Styles {
    /// No colour: the output is exactly what it is without styles.
    pub fn plain() -> Styles {
        Styles::default()
    }

    /// The 8 basic ANSI colours, which every terminal palette maps to something legible.
    pub fn colored() -> Styles {
        use anstyle::{AnsiColor, Style};
        let fg = |c: AnsiColor| Style::new().fg_color(Some(c.into()));
        Styles {
            high: fg(AnsiColor::Red).bold(),
            medium: fg(AnsiColor::Yellow).bold(),
            low: fg(AnsiColor::Cyan),
            info: fg(AnsiColor::Blue),
            heading: Style::new().bold(),
            good: fg(AnsiColor::Green).bold(),
            bad: fg(AnsiColor::Red).bold(),
            warn: fg(AnsiColor::Yellow),
            muted: Style::new().dimmed(),
        }
    }

    pub fn severity(&self, s: crate::classify::Severity) -> anstyle::Style {
        use crate::classify::Severity;
        match s {
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info => self.info,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_visible() {
        assert_eq!(escape_text("plain.example"), "plain.example");
        assert_eq!(escape_text("a\u{1b}[31mred\nx"), "a\\x1b[31mred\\x0ax");
        assert_eq!(escape_text("back\\slash\u{7f}"), "back\\\\slash\\x7f");
        assert_eq!(escape_text("rtl\u{202e}"), "rtl\\u{202e}");
    }

    #[test]
    fn invisible_and_format_characters_become_visible() {
        for c in [
            '\u{061c}',
            '\u{2028}',
            '\u{2029}',
            '\u{2060}',
            '\u{2064}',
            '\u{206f}',
            '\u{feff}',
            '\u{e0000}',
            '\u{e0001}',
            '\u{e0020}',
            '\u{e007f}',
            '\u{e0100}',
            '\u{00ad}',
            '\u{180e}',
            '\u{3164}',
            '\u{115f}',
            '\u{1160}',
            '\u{ffa0}',
            '\u{034f}',
            '\u{fe0f}',
            '\u{0600}',
            '\u{06dd}',
            '\u{070f}',
            '\u{17b4}',
            '\u{fff9}',
            '\u{1bca0}',
            '\u{1d173}',
            '\u{200b}',
            '\u{200d}',
            '\u{2066}',
            '\u{0085}',
        ] {
            let s = format!("a{c}b");
            let e = escape_text(&s);
            assert!(!e.contains(c), "U+{:04X} passed through: {e:?}", c as u32);
            assert!(e.starts_with("a\\") && e.ends_with('b'), "{e:?}");
        }
        assert_eq!(escape_text("shy\u{ad}"), "shy\\xad");
        assert_eq!(escape_text("tag\u{e0041}"), "tag\\u{e0041}");
        // Visible non-ASCII is left alone.
        assert_eq!(
            escape_text("bücher.example ☃ 日本"),
            "bücher.example ☃ 日本"
        );
    }

    #[test]
    fn escape_lines_keeps_our_line_breaks() {
        assert_eq!(escape_lines("a\u{1b}[2J\nb\rc\n"), "a\\x1b[2J\nb\\x0dc\n");
    }

    #[test]
    fn plain_styles_write_nothing_and_colours_reset_after_themselves() {
        let plain = Styles::plain();
        assert_eq!(format!("{}x{:#}", plain.high, plain.high), "x");
        let c = Styles::colored();
        let s = format!("{}x{:#}", c.high, c.high);
        assert!(
            s.starts_with("\u{1b}[") && s.ends_with("\u{1b}[0m"),
            "{s:?}"
        );
    }
}
