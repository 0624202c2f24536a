//! The HTML report (`arcaudit audit PATH --format html`) rendered in headless Chromium
//! through chromedriver, checked as a reader would meet it: no console errors, the
//! summary numbers of the JSON report, sortable tables and the findings filter working,
//! no network request at all, and capture-controlled text (hostile SNI) shown as text.
//!
//! Needs /usr/bin/chromium and /usr/bin/chromedriver (`apt-get install chromium
//! chromium-driver`); without them the tests that need them show as ignored with that reason
//! (tests/common/harness.rs), unless ARCAUDIT_REQUIRE_BROWSER=1 (set by .ci/run), which makes
//! them fail.
//!
//! The fleet page (`arcaudit merge --format html`) is checked the same way for 5 and for
//! 1,000 synthetic hosts, with how long Chromium takes to show it and to scroll its matrix.
//! The audit page of captures from 50 hosts (tests/common/fleet.rs) starts with the fleet
//! view, whose host names lead to their captures' sections.
//!
//! The `harness_*` tests run the same checks on hand-written pages, to show they pass on
//! a page that keeps the report's contract and fail on pages that break it.
//! Screenshots go to `<CARGO_TARGET_TMPDIR>/browser/<page>.png`.

#[path = "common/fleet.rs"]
#[allow(dead_code)]
mod fleet_hosts;
#[path = "common/harness.rs"]
mod harness;
#[path = "common/webdriver.rs"]
mod webdriver;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use webdriver::{Driver, Session, WdError};

const MISSING: &str =
    "needs /usr/bin/chromium and /usr/bin/chromedriver: apt-get install chromium chromium-driver";

/// Installed before every document: a dialog opened by the page marks `window.__pwned`
/// instead of blocking the session.
const PROMPT_TRAP: &str = "(() => {
  const trap = (name) => function () { window.__pwned = (window.__pwned || []).concat(name); };
  window.alert = trap('alert');
  window.confirm = trap('confirm');
  window.prompt = trap('prompt');
})();";

/// A browser session; the harness runs the tests that call it only when the browser is
/// installed (see `main`).
fn browser() -> Session {
    let session = Session::new(Driver::shared());
    session
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": PROMPT_TRAP }),
        )
        .unwrap_or_else(|e| panic!("cannot install the dialog trap: {e}"));
    session
}

/// What a page must show, from the JSON report of the same capture.
#[derive(Debug, Default)]
struct Expect {
    /// data-key -> number.
    totals: Vec<(&'static str, u64)>,
    /// Endpoint ids that must appear in the page's text.
    endpoints: Vec<String>,
    /// The distinct rule ids of the findings, in report order.
    rules: Vec<String>,
    /// Some(any ok, any failed) when the capture has attempts to catalog endpoints, so a
    /// timeline with marks.
    timeline: Option<(bool, bool)>,
    /// A name from the capture that must stay text (hostile SNI).
    hostile: Option<String>,
    /// Whether the page must show that name (the JSON report carries it).
    hostile_shown: bool,
}

const TOTALS: [(&str, &str); 5] = [
    ("files", "files"),
    ("tcp-flows", "tcp_flows"),
    ("arc-flows", "arc_flows"),
    ("findings", "findings"),
    ("suppressed", "suppressed"),
];

impl Expect {
    fn from_json(doc: &Value) -> Expect {
        let totals = TOTALS
            .iter()
            .map(|(key, field)| {
                let n = doc["totals"][field]
                    .as_u64()
                    .unwrap_or_else(|| panic!("no totals.{field} in the JSON report"));
                (*key, n)
            })
            .collect();
        let files = doc["files"].as_array().cloned().unwrap_or_default();
        let coverage: Vec<&Value> = files
            .iter()
            .flat_map(|f| f["coverage"].as_array().into_iter().flatten())
            .filter(|c| c["attempts"].as_u64().unwrap_or(0) > 0)
            .collect();
        let endpoints = coverage
            .iter()
            .filter_map(|c| c["endpoint"].as_str().map(str::to_string))
            .take(5)
            .collect();
        let timeline = (!coverage.is_empty()).then(|| {
            let sum = |k: &str| {
                coverage
                    .iter()
                    .map(|c| c[k].as_u64().unwrap_or(0))
                    .sum::<u64>()
            };
            (sum("successes") > 0, sum("failures") > 0)
        });
        let mut rules: Vec<String> = Vec::new();
        for f in files
            .iter()
            .flat_map(|f| f["findings"].as_array().into_iter().flatten())
        {
            if let Some(r) = f["rule"].as_str()
                && !rules.iter().any(|x| x == r)
            {
                rules.push(r.to_string());
            }
        }
        Expect {
            totals,
            endpoints,
            rules,
            timeline,
            ..Expect::default()
        }
    }
}

/// A page written to a temporary folder, loaded by its file:// URL.
struct Page {
    name: String,
    html: String,
    url: String,
    _dir: tempfile::TempDir,
}

impl Page {
    fn new(name: &str, html: String) -> Page {
        let dir = tempfile::Builder::new()
            .prefix("arcaudit-page-")
            .tempdir()
            .unwrap();
        let path = dir.path().join(format!("{name}.html"));
        std::fs::write(&path, &html).unwrap();
        let url = format!("file://{}", path.display());
        assert!(
            !url.contains([' ', '#', '?', '%']),
            "a temporary path that needs URL escaping: {url}"
        );
        Page {
            name: name.to_string(),
            html,
            url,
            _dir: dir,
        }
    }
}

/// Where the screenshots go.
fn screenshot_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser")
}

/// Loads the page, runs every check and saves a screenshot: the problems found, each as
/// "<page>: <check>: <what>", empty when the page keeps the contract.
fn check_page(s: &Session, page: &Page, expect: &Expect) -> Vec<String> {
    let mut problems = Vec::new();
    let mut note =
        |check: &str, what: String| problems.push(format!("{}: {check}: {what}", page.name));
    // The logs are emptied as they are read: start from nothing.
    let _ = s.log("browser");
    let _ = s.log("performance");
    if let Err(e) = s.goto(&page.url) {
        note("load", e.to_string());
        return problems;
    }
    let mut run = |what: &str, r: Result<Vec<String>, WdError>| match r {
        Ok(found) => found.into_iter().for_each(|p| note(what, p)),
        Err(e) => note(what, format!("WebDriver: {e}")),
    };
    run("numbers", check_numbers(s, expect));
    run("endpoints", check_text(s, expect));
    run("findings", check_findings(s, expect));
    run("timeline", check_timeline(s, expect));
    run("sort", check_sort(s));
    run("filter", check_filter(s, expect));
    run("hostile", check_hostile(s, page, expect));
    run("network", check_network(s, page));
    // Last, so that errors of the clicks and typing above count too.
    run("console", check_console(s));
    run("screenshot", save_screenshot(s, &page.name));
    problems
}

/// (a) No SEVERE entry in the browser's console log.
fn check_console(s: &Session) -> Result<Vec<String>, WdError> {
    Ok(s.log("browser")?
        .into_iter()
        .filter(|e| e.level == "SEVERE")
        .map(|e| format!("SEVERE {}", e.message))
        .collect())
}

/// (b) Each `[data-key]` summary number equals the JSON report's.
fn check_numbers(s: &Session, expect: &Expect) -> Result<Vec<String>, WdError> {
    let keys: Vec<&str> = expect.totals.iter().map(|(k, _)| *k).collect();
    let texts = s.execute(
        "const out = {};
         for (const k of arguments[0]) {
           const el = document.querySelector('[data-key=\"' + k + '\"]');
           out[k] = el ? el.textContent.trim() : null;
         }
         return out;",
        json!([keys]),
    )?;
    let mut problems = Vec::new();
    for (key, want) in &expect.totals {
        match texts[key].as_str() {
            None => problems.push(format!("no element with data-key=\"{key}\"")),
            Some(text) => {
                if text.parse::<u64>().ok() != Some(*want) {
                    problems.push(format!(
                        "data-key=\"{key}\" shows {text:?}, the JSON report says {want}"
                    ));
                }
            }
        }
    }
    Ok(problems)
}

/// The text of the page's body, without script and style contents.
fn page_text(s: &Session) -> Result<String, WdError> {
    let v = s.execute(
        "const b = document.body.cloneNode(true);
         b.querySelectorAll('script, style, template').forEach(e => e.remove());
         return b.textContent;",
        json!([]),
    )?;
    Ok(v.as_str().unwrap_or_default().to_string())
}

/// (b) The endpoints that were tried are named on the page.
fn check_text(s: &Session, expect: &Expect) -> Result<Vec<String>, WdError> {
    let text = page_text(s)?;
    Ok(expect
        .endpoints
        .iter()
        .filter(|e| !text.contains(e.as_str()))
        .map(|e| format!("endpoint {e} (attempts > 0 in the JSON report) is not on the page"))
        .collect())
}

/// Every rule of the JSON report's findings has a `.finding[data-rule]` element.
fn check_findings(s: &Session, expect: &Expect) -> Result<Vec<String>, WdError> {
    let rules = s.execute(
        "return Array.from(document.querySelectorAll('.finding')).map(e => e.getAttribute('data-rule'));",
        json!([]),
    )?;
    let rules: Vec<&str> = rules
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r.as_str().unwrap_or(""))
        .collect();
    let mut problems: Vec<String> = expect
        .rules
        .iter()
        .filter(|r| !rules.contains(&r.as_str()))
        .map(|r| format!("no .finding[data-rule=\"{r}\"] although the JSON report has one"))
        .collect();
    if rules.contains(&"") {
        problems.push("a .finding without data-rule".into());
    }
    if expect.rules.is_empty() && !rules.is_empty() {
        problems.push(format!(
            "findings {rules:?} on the page, none in the JSON report"
        ));
    }
    Ok(problems)
}

/// Each capture with attempts has an `svg.timeline` whose lanes hold marks (a lane for a
/// required endpoint never tried says so with `data-attempts="0"` and has none).
fn check_timeline(s: &Session, expect: &Expect) -> Result<Vec<String>, WdError> {
    let Some((any_ok, any_fail)) = expect.timeline else {
        return Ok(Vec::new());
    };
    let v = s.execute(
        "const svgs = Array.from(document.querySelectorAll('svg.timeline'));
         const lanes = svgs.flatMap(t => Array.from(t.querySelectorAll('g.lane')));
         return {
           svgs: svgs.length,
           lanes: lanes.length,
           empty_lanes: lanes.filter(l => l.getAttribute('data-attempts') !== '0' && !l.querySelector('.mark')).length,
           marked_unseen: lanes.filter(l => l.getAttribute('data-attempts') === '0' && l.querySelector('.mark')).length,
           ok: svgs.reduce((n, t) => n + t.querySelectorAll('.mark.ok').length, 0),
           fail: svgs.reduce((n, t) => n + t.querySelectorAll('.mark.fail').length, 0),
         };",
        json!([]),
    )?;
    let n = |k: &str| v[k].as_u64().unwrap_or(0);
    let mut problems = Vec::new();
    if n("svgs") == 0 {
        problems.push("no svg.timeline".into());
    } else if n("lanes") == 0 {
        problems.push("svg.timeline without g.lane".into());
    }
    if n("empty_lanes") > 0 {
        problems.push(format!("{} g.lane without a .mark", n("empty_lanes")));
    }
    if n("marked_unseen") > 0 {
        problems.push(format!(
            "{} g.lane with data-attempts=0 but marks",
            n("marked_unseen")
        ));
    }
    if any_ok && n("ok") == 0 {
        problems.push("successful attempts in the JSON report, no .mark.ok".into());
    }
    if any_fail && n("fail") == 0 {
        problems.push("failed attempts in the JSON report, no .mark.fail".into());
    }
    Ok(problems)
}

/// The cells of one column of the first coverage table's body, and each row's text.
fn column(s: &Session, index: usize) -> Result<(Vec<String>, Vec<String>), WdError> {
    let v = s.execute(
        "const t = document.querySelector('table.coverage.sortable');
         const rows = Array.from(t.tBodies[0].rows);
         return {
           col: rows.map(r => (r.cells[arguments[0]] ? r.cells[arguments[0]].textContent : '').trim()),
           rows: rows.map(r => r.textContent),
         };",
        json!([index]),
    )?;
    let strings = |k: &str| -> Vec<String> {
        v[k].as_array()
            .into_iter()
            .flatten()
            .map(|x| x.as_str().unwrap_or_default().to_string())
            .collect()
    };
    Ok((strings("col"), strings("rows")))
}

/// Whether the values are in ascending and/or descending order: numeric when they are all
/// numbers, else under any of a few usual string orders. None when the column mixes
/// numbers and other text, or all its values are equal (nothing to check).
fn order(s: &Session, values: &[String]) -> Result<Option<(bool, bool)>, WdError> {
    let v = s.execute(
        "const vals = arguments[0];
         const clean = v => v.replace(/[,\\s]/g, '');
         const isNum = v => /^[-+]?\\d+(\\.\\d+)?$/.test(clean(v));
         const nums = vals.filter(isNum).length;
         if (new Set(vals).size < 2 || (nums > 0 && nums < vals.length)) return null;
         const byte = (a, b) => a < b ? -1 : a > b ? 1 : 0;
         const cmps = nums === vals.length
           ? [(a, b) => parseFloat(clean(a)) - parseFloat(clean(b))]
           : [(a, b) => a.localeCompare(b),
              (a, b) => a.localeCompare(b, undefined, { numeric: true }),
              (a, b) => a.localeCompare(b, undefined, { sensitivity: 'base' }),
              byte,
              (a, b) => byte(a.toLowerCase(), b.toLowerCase())];
         const sorted = sign => cmps.some(c => vals.every((v, i) => i === 0 || sign * c(vals[i - 1], v) <= 0));
         return [sorted(1), sorted(-1)];",
        json!([values]),
    )?;
    Ok(v.as_array()
        .map(|a| (a[0] == json!(true), a[1] == json!(true))))
}

/// (c) Clicking a header of the coverage table sorts its rows by that column; clicking
/// again reverses them. Every column with something to sort is tried.
fn check_sort(s: &Session) -> Result<Vec<String>, WdError> {
    let heads = s.execute(
        "const t = document.querySelector('table.coverage.sortable');
         if (!t) return null;
         const head = t.tHead ? t.tHead.rows[0] : t.rows[0];
         return head ? Array.from(head.cells) : [];",
        json!([]),
    )?;
    let Some(heads) = heads.as_array() else {
        return Ok(vec!["no table.coverage.sortable".into()]);
    };
    let heads: Vec<String> = heads.iter().filter_map(webdriver::element_id).collect();
    let mut problems = Vec::new();
    let mut checked = 0;
    let sorted_rows = |mut r: Vec<String>| {
        r.sort();
        r
    };
    for (i, th) in heads.iter().enumerate() {
        let (before, rows) = column(s, i)?;
        if order(s, &before)?.is_none() {
            continue;
        }
        checked += 1;
        s.click(th)?;
        let (first, rows1) = column(s, i)?;
        s.click(th)?;
        let (second, rows2) = column(s, i)?;
        if sorted_rows(rows1) != sorted_rows(rows.clone())
            || sorted_rows(rows2) != sorted_rows(rows)
        {
            problems.push(format!(
                "column {i}: sorting changed the rows, not only their order"
            ));
            continue;
        }
        match (order(s, &first)?, order(s, &second)?) {
            (Some((true, _)), Some((_, true))) | (Some((_, true)), Some((true, _)))
                if first != second => {}
            _ => problems.push(format!(
                "column {i}: not sorted by two clicks: {before:?} -> {first:?} -> {second:?}"
            )),
        }
    }
    if checked == 0 {
        problems.push(format!(
            "no column of the coverage table ({} headers) had values to sort",
            heads.len()
        ));
    }
    Ok(problems)
}

/// Each `.finding`: its rule, lower-cased text, and whether it is shown (neither it nor
/// an ancestor has `hidden` or display:none).
fn findings_state(s: &Session) -> Result<Vec<(String, String, bool)>, WdError> {
    let v = s.execute(
        "const shown = e => {
           for (let n = e; n && n.nodeType === 1; n = n.parentElement)
             if (n.hidden || getComputedStyle(n).display === 'none') return false;
           return true;
         };
         return Array.from(document.querySelectorAll('.finding'))
           .map(e => [e.getAttribute('data-rule') || '', e.textContent.toLowerCase(), shown(e)]);",
        json!([]),
    )?;
    Ok(v.as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            (
                f[0].as_str().unwrap_or_default().to_string(),
                f[1].as_str().unwrap_or_default().to_string(),
                f[2] == json!(true),
            )
        })
        .collect())
}

/// Polls the findings until `want` holds for all of them (the filter may be debounced):
/// the ones that never matched.
fn wait_findings(
    s: &Session,
    want: impl Fn(&str, &str) -> bool,
) -> Result<Vec<(String, bool)>, WdError> {
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let wrong: Vec<(String, bool)> = findings_state(s)?
            .into_iter()
            .filter(|(rule, text, shown)| want(rule, text) != *shown)
            .map(|(rule, _, shown)| (rule, shown))
            .collect();
        if wrong.is_empty() || Instant::now() > deadline {
            return Ok(wrong);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// (c) Typing a rule id into #filter hides the findings whose text lacks it; erasing it
/// shows them all again.
fn check_filter(s: &Session, expect: &Expect) -> Result<Vec<String>, WdError> {
    let filter = match s.find("input#filter[type=search]") {
        Ok(f) => f,
        Err(e) if e.error == "no such element" => {
            return Ok(vec!["no <input id=\"filter\" type=\"search\">".into()]);
        }
        Err(e) => return Err(e),
    };
    let state = findings_state(s)?;
    let mut problems = Vec::new();
    let hidden_before = state.iter().filter(|f| !f.2).count();
    if hidden_before > 0 {
        problems.push(format!(
            "{hidden_before} finding(s) hidden before any filtering"
        ));
    }
    // A rule whose id some other finding does not mention, so that typing it hides some.
    let Some(rule) = expect
        .rules
        .iter()
        .find(|r| state.iter().any(|(_, text, _)| !text.contains(r.as_str())))
        .or(expect.rules.first())
    else {
        return Ok(problems);
    };
    s.send_keys(&filter, rule)?;
    let want = rule.to_lowercase();
    for (r, shown) in wait_findings(s, |_, text| text.contains(&want))? {
        problems.push(format!(
            "after typing {rule:?}: a finding of {r} is {}",
            if shown { "still shown" } else { "hidden" }
        ));
    }
    if !state.iter().any(|(r, _, _)| r == rule) {
        problems.push(format!("no finding of {rule} to keep"));
    }
    let erase = "\u{E003}".repeat(rule.chars().count());
    s.send_keys(&filter, &erase)?;
    let left = wait_findings(s, |_, _| true)?;
    if !left.is_empty() {
        problems.push(format!(
            "{} finding(s) still hidden after erasing the filter",
            left.len()
        ));
    }
    Ok(problems)
}

/// (e) Text from the capture stays text: no dialog opened (the trap would have set
/// `window.__pwned`), no element made from it, no raw control character in the HTML, and
/// where the page shows the name it shows it literally.
fn check_hostile(s: &Session, page: &Page, expect: &Expect) -> Result<Vec<String>, WdError> {
    let mut problems = Vec::new();
    let v = s.execute(
        "return {
           pwned: typeof window.__pwned === 'undefined' ? null : window.__pwned,
           scripts: Array.from(document.scripts).map(e => e.text.trim()),
           handlers: document.querySelectorAll('img, iframe, object, embed, [onload], [onerror], [onclick]').length,
         };",
        json!([]),
    )?;
    if !v["pwned"].is_null() {
        problems.push(format!(
            "the page opened a dialog: window.__pwned = {}",
            v["pwned"]
        ));
    }
    if v["handlers"].as_u64().unwrap_or(0) > 0 {
        problems.push(format!(
            "{} element(s) that load or run something (img, iframe, on* handler) came from the capture",
            v["handlers"]
        ));
    }
    for (at, c) in page.html.char_indices() {
        if (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{7f}' {
            problems.push(format!(
                "raw control character U+{:04X} at byte {at} of the HTML",
                u32::from(c)
            ));
            break;
        }
    }
    let Some(name) = &expect.hostile else {
        return Ok(problems);
    };
    if let Some(inner) = name
        .split_once("<script>")
        .and_then(|(_, rest)| rest.split_once("</script>"))
        .map(|(inner, _)| inner.trim())
    {
        let made = v["scripts"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|t| t.as_str() == Some(inner));
        if made {
            problems.push(format!("the name {name:?} became a <script> element"));
        }
    }
    let text = page_text(s)?;
    // Literally, or with control characters escaped as the text report does (\x1b).
    let escaped: String = name
        .chars()
        .map(|c| {
            if c.is_control() {
                format!("\\x{:02x}", u32::from(c))
            } else {
                c.to_string()
            }
        })
        .collect();
    let shown = text.contains(name.as_str()) || text.contains(&escaped);
    if !shown {
        if expect.hostile_shown {
            problems.push(format!(
                "the name {name:?} (in the JSON report) is not on the page as text"
            ));
        } else {
            harness::note!(
                "{}: note: the page does not show the name {name:?} (nor does the JSON report)",
                page.name
            );
        }
    }
    Ok(problems)
}

/// Remote references in the HTML text: src/href attributes with http(s) or
/// protocol-relative URLs, stylesheet links, script src, CSS url(http...) and @import.
fn external_refs(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let remote = |v: &str| {
        let v = v.trim_start();
        v.starts_with("http://") || v.starts_with("https://") || v.starts_with("//")
    };
    let mut found = Vec::new();
    let context = |at: usize| html[at..].chars().take(80).collect::<String>();
    for attr in ["src", "href"] {
        let pat = format!("{attr}=");
        for (at, _) in lower.match_indices(&pat) {
            let preceded = lower[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_whitespace() || c == '"' || c == '\'');
            if !preceded {
                continue;
            }
            let rest = &lower[at + pat.len()..];
            let value = match rest.chars().next() {
                Some(q @ ('"' | '\'')) => rest[1..].split(q).next().unwrap_or(""),
                _ => rest
                    .split(|c: char| c.is_ascii_whitespace() || c == '>')
                    .next()
                    .unwrap_or(""),
            };
            if remote(value) {
                found.push(format!("remote {attr}: {}", context(at)));
            }
        }
    }
    for (tag, what, label) in [
        ("<link", "stylesheet", "stylesheet link"),
        ("<script", " src", "script src"),
    ] {
        for (at, _) in lower.match_indices(tag) {
            let end = lower[at..].find('>').map_or(lower.len(), |e| at + e);
            if lower[at..end].contains(what) {
                found.push(format!("{label}: {}", context(at)));
            }
        }
    }
    for (at, _) in lower.match_indices("url(") {
        let value = lower[at + 4..].trim_start().trim_start_matches(['"', '\'']);
        if remote(value) {
            found.push(format!("CSS url(): {}", context(at)));
        }
    }
    for (at, _) in lower.match_indices("@import") {
        found.push(format!("CSS @import: {}", context(at)));
    }
    found
}

/// (d) No network request: none in Chromium's network log but the page itself, no
/// resource timing entry, no remote reference in the DOM or the HTML text.
fn check_network(s: &Session, page: &Page) -> Result<Vec<String>, WdError> {
    let mut problems: Vec<String> = external_refs(&page.html)
        .into_iter()
        .map(|r| format!("in the HTML: {r}"))
        .collect();
    for entry in s.log("performance")? {
        let Ok(msg) = serde_json::from_str::<Value>(&entry.message) else {
            continue;
        };
        let method = msg["message"]["method"].as_str().unwrap_or_default();
        let url = match method {
            "Network.requestWillBeSent" => &msg["message"]["params"]["request"]["url"],
            "Network.webSocketCreated" => &msg["message"]["params"]["url"],
            _ => continue,
        };
        let url = url.as_str().unwrap_or_default();
        if url != page.url && !url.starts_with("data:") {
            problems.push(format!("request to {url}"));
        }
    }
    let v = s.execute(
        "const remote = v => /^\\s*(https?:)?\\/\\//i.test(v || '');
         return {
           resources: performance.getEntriesByType('resource').map(e => e.name),
           refs: Array.from(document.querySelectorAll('[src], [href], link[rel~=stylesheet i]'))
             .filter(e => remote(e.getAttribute('src')) || remote(e.getAttribute('href'))
                          || e.matches('script[src], link[rel~=stylesheet i]'))
             .map(e => e.outerHTML.slice(0, 120)),
         };",
        json!([]),
    )?;
    for r in v["resources"].as_array().into_iter().flatten() {
        problems.push(format!("resource timing entry {r}"));
    }
    for r in v["refs"].as_array().into_iter().flatten() {
        problems.push(format!("in the DOM: {}", r.as_str().unwrap_or_default()));
    }
    Ok(problems)
}

/// (f) A PNG of the viewport at `<CARGO_TARGET_TMPDIR>/browser/<name>.png`.
fn save_screenshot(s: &Session, name: &str) -> Result<Vec<String>, WdError> {
    let png = s.screenshot_png()?;
    if !png.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(vec![format!("not a PNG ({} bytes)", png.len())]);
    }
    let dir = screenshot_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, &png).unwrap();
    harness::note!("screenshot: {}", path.display());
    Ok(Vec::new())
}

fn assert_no_problems(problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{} problem(s):\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

// ---------------------------------------------------------------------------------------
// The harness on hand-written pages.

/// A page keeping the report's contract, with the inline CSS and JS a report would have.
/// Placeholders: {NUMBERS} (the files count), {HEAD} (extra head markup), {SCRIPT} (the
/// page's script), {SNI} (a flow's name as HTML).
const FIXTURE: &str = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>arcaudit fixture</title>
<style>
body { font: 14px sans-serif; margin: 1em 2em; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: 2px 6px; }
th { cursor: pointer; background: #eee; }
.mark.ok { fill: #2a2; } .mark.fail { fill: #c22; }
</style>{HEAD}</head>
<body>
<h1>arcaudit audit</h1>
<dl>
<dt>captures</dt><dd data-key="files">{FILES}</dd>
<dt>TCP flows</dt><dd data-key="tcp-flows">3</dd>
<dt>to Arc endpoints</dt><dd data-key="arc-flows">3</dd>
<dt>findings</dt><dd data-key="findings">3</dd>
<dt>suppressed</dt><dd data-key="suppressed">0</dd>
</dl>
<p><input id="filter" type="search" placeholder="filter findings"></p>
<h2>fixture.pcap</h2>
<svg class="timeline" width="400" height="40">
<g class="lane" transform="translate(0,5)"><rect class="mark ok" x="10" width="6" height="10"/></g>
<g class="lane" transform="translate(0,20)"><rect class="mark fail" x="50" width="6" height="10"/>
<rect class="mark fail" x="90" width="6" height="10"/></g>
</svg>
<table class="coverage sortable">
<thead><tr><th>endpoint</th><th>attempts</th><th>failures</th><th>required</th></tr></thead>
<tbody>
<tr><td>public.his</td><td>2</td><td>2</td><td>yes</td></tr>
<tr><td>public.arm</td><td>1</td><td>0</td><td>no</td></tr>
<tr><td>public.login</td><td>10</td><td>0</td><td>yes</td></tr>
<tr><td>public.gns</td><td>0</td><td>0</td><td>yes</td></tr>
</tbody></table>
<table class="flows"><tr><th>name</th></tr><tr><td>{SNI}</td></tr></table>
<ul>
<li class="finding" data-rule="syn-refused">syn-refused (high): SYN to public.his answered by RST</li>
<li class="finding" data-rule="syn-refused">syn-refused (high): second SYN to public.his answered by RST</li>
<li class="finding" data-rule="required-endpoint-never-succeeded">required-endpoint-never-succeeded (high): public.his</li>
</ul>
{SCRIPT}
</body></html>
"#;

const FIXTURE_SCRIPT: &str = r#"<script>
document.querySelectorAll('table.sortable').forEach(t => {
  t.querySelectorAll('thead th').forEach((th, i) => th.addEventListener('click', () => {
    const body = t.tBodies[0];
    const rows = Array.from(body.rows);
    const dir = th.dataset.dir === 'asc' ? -1 : 1;
    th.dataset.dir = dir === 1 ? 'asc' : 'desc';
    const key = r => r.cells[i].textContent.trim();
    const num = rows.every(r => key(r) !== '' && !isNaN(Number(key(r))));
    rows.sort((a, b) => dir * (num ? Number(key(a)) - Number(key(b)) : key(a).localeCompare(key(b))));
    rows.forEach(r => body.appendChild(r));
  }));
});
const filter = document.getElementById('filter');
filter.addEventListener('input', () => {
  const q = filter.value.toLowerCase();
  document.querySelectorAll('.finding').forEach(e => {
    e.hidden = q !== '' && !e.textContent.toLowerCase().includes(q);
  });
});
</script>"#;

const HOSTILE_SNI: &str = "<script>alert(1)</script>";

fn fixture(files: &str, head: &str, script: &str, sni_html: &str) -> String {
    FIXTURE
        .replace("{FILES}", files)
        .replace("{HEAD}", head)
        .replace("{SCRIPT}", script)
        .replace("{SNI}", sni_html)
}

fn fixture_expect() -> Expect {
    Expect {
        totals: vec![
            ("files", 1),
            ("tcp-flows", 3),
            ("arc-flows", 3),
            ("findings", 3),
            ("suppressed", 0),
        ],
        endpoints: vec![
            "public.his".into(),
            "public.arm".into(),
            "public.login".into(),
        ],
        rules: vec![
            "syn-refused".into(),
            "required-endpoint-never-succeeded".into(),
        ],
        timeline: Some((true, true)),
        hostile: Some(HOSTILE_SNI.into()),
        hostile_shown: true,
    }
}

fn harness_passes_contract_fixture() {
    let s = browser();
    let html = fixture(
        "1",
        "",
        FIXTURE_SCRIPT,
        "&lt;script&gt;alert(1)&lt;/script&gt;",
    );
    let page = Page::new("fixture", html);
    assert_no_problems(&check_page(&s, &page, &fixture_expect()));
}

fn harness_catches_console_errors() {
    let s = browser();
    let html = fixture(
        "1",
        "",
        &format!("{FIXTURE_SCRIPT}<script>throw new Error(\"x\")</script>"),
        "&lt;script&gt;alert(1)&lt;/script&gt;",
    );
    let page = Page::new("fixture-console-error", html);
    let problems = check_page(&s, &page, &fixture_expect());
    assert!(
        problems
            .iter()
            .any(|p| p.contains("console: SEVERE") && p.contains("Uncaught Error: x")),
        "the thrown error was not reported: {problems:#?}"
    );
    assert_eq!(problems.len(), 1, "only the console error: {problems:#?}");
}

fn harness_catches_broken_pages() {
    let s = browser();
    // Wrong count, no script (so no sorting nor filtering), the name pasted in as markup,
    // a remote stylesheet (on a closed loopback port: nothing leaves the machine) and a
    // raw escape character.
    let html = fixture(
        "2",
        "<link rel=\"stylesheet\" href=\"http://127.0.0.1:9/report.css\">",
        "",
        "\u{1b}[31m<script>alert(1)</script><svg onload=\"window.__loaded=1\"></svg>",
    );
    let page = Page::new("fixture-broken", html);
    let problems = check_page(&s, &page, &fixture_expect());
    harness::note!("reported, as wanted: {problems:#?}");
    let has = |needle: &str| problems.iter().any(|p| p.contains(needle));
    for needle in [
        "numbers: data-key=\"files\" shows \"2\"",
        "sort: column 0: not sorted",
        "filter: after typing \"syn-refused\"",
        "hostile: the page opened a dialog",
        "hostile: the name \"<script>alert(1)</script>\" became a <script> element",
        "hostile: raw control character U+001B",
        "element(s) that load or run something",
        "network: in the HTML: stylesheet link",
        "network: request to http://127.0.0.1:9/report.css",
        "network: in the DOM: <link",
    ] {
        assert!(has(needle), "{needle:?} not reported: {problems:#?}");
    }
}

fn external_reference_scan() {
    for bad in [
        "<img src=\"https://example.com/a.png\">",
        "<a href='http://x'>x</a>",
        "<img src=//cdn.example/x.png>",
        "<script src=\"report.js\"></script>",
        "<link rel=\"stylesheet\" href=\"report.css\">",
        "<style>body { background: url( 'https://x/y.png') }</style>",
        "<style>@import 'x.css';</style>",
    ] {
        assert!(!external_refs(bad).is_empty(), "missed: {bad}");
    }
    for fine in [
        "<a href=\"#findings\">findings</a>",
        "<p>Download it from https://www.microsoft.com/download/details.aspx?id=56519</p>",
        "<p>the SNI was &lt;img src=&quot;https://x&quot;&gt;</p>",
        "<svg><use href=\"#mark\"/></svg>",
        "<script>const s = 1;</script>",
    ] {
        assert_eq!(external_refs(fine), Vec::<String>::new(), "{fine}");
    }
}

// ---------------------------------------------------------------------------------------
// The real report: needs `arcaudit audit --format html`.

const SAMPLES: [&str; 6] = [
    "healthy-agent",
    "syn-refused",
    "proxy-connect-denied",
    "hostile-sni-ansi",
    "hostile-sni-script",
    "hostile-cert-names",
];

/// The certificate issuer's CN in samples/hostile-cert-names.pcap (see samples/make.sh):
/// the tls-interception finding's evidence carries it into the report.
const HOSTILE_ISSUER_CN: &str = "<script>alert(1)</script> | *x* [a](javascript:alert(3))";

fn arcaudit(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_arcaudit"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout_of(args: &[&str]) -> String {
    let out = arcaudit(args);
    assert!(
        out.status.success(),
        "arcaudit {} exited with {}: {}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The TLS names the capture's flows carry.
fn snis(sample: &str) -> Vec<String> {
    stdout_of(&["flows", sample, "--format", "ndjson"])
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|f| {
            f["app"]["tls"]["client_hello"]["sni"]
                .as_str()
                .map(str::to_string)
        })
        .collect()
}

fn html_report_in_chromium() {
    let s = browser();
    let mut problems = Vec::new();
    for name in SAMPLES {
        let sample = format!("samples/{name}.pcap");
        let common = ["audit", &sample, "--fail-on", "never", "-q"];
        let json_text = stdout_of(&[&common[..], &["--format", "json"][..]].concat());
        let doc: Value = serde_json::from_str(&json_text).unwrap();
        let mut expect = Expect::from_json(&doc);
        if name == "hostile-cert-names" {
            assert!(json_text.contains(HOSTILE_ISSUER_CN), "{json_text}");
            expect.hostile_shown = true;
            expect.hostile = Some(HOSTILE_ISSUER_CN.to_string());
        } else if name.starts_with("hostile-") {
            let sni = snis(&sample).into_iter().next().expect("a TLS name");
            // As serde_json writes it inside a string, without the quotes.
            let quoted = Value::String(sni.clone()).to_string();
            expect.hostile_shown = json_text.contains(&quoted[1..quoted.len() - 1]);
            expect.hostile = Some(sni);
        }
        let html_args = [&common[..], &["--format", "html"][..]].concat();
        let out = arcaudit(&html_args);
        assert!(
            out.status.success(),
            "arcaudit {} exited with {} (is the HTML renderer on this branch?): {}",
            html_args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let html = String::from_utf8(out.stdout).expect("the HTML report is UTF-8");
        let page = Page::new(name, html);
        problems.extend(check_page(&s, &page, &expect));
    }
    assert_no_problems(&problems);
}

/// In the window of a laptop (1400x900), the report of every sample uses the width: no
/// coverage table overflows its container (which would scroll it sideways), no cell's
/// content is cut or ellipsized, the page itself does not scroll sideways, and the Expand
/// all / Collapse all buttons above the findings open and close them.
const FIT_SCRIPT: &str = "
  const problems = [];
  const doc = document.documentElement;
  if (window.innerWidth < 1380 || window.innerWidth > 1400)
    problems.push('the viewport is ' + window.innerWidth + ' px wide, not 1400');
  if (doc.scrollWidth > doc.clientWidth)
    problems.push('the page scrolls sideways: ' + doc.scrollWidth + ' > ' + doc.clientWidth);
  const tables = Array.from(document.querySelectorAll('table.coverage'));
  if (tables.length === 0) problems.push('no table.coverage');
  tables.forEach((t, i) => {
    const box = t.parentElement;
    const where = (t.closest('section') || {}).id + ' coverage';
    if (box.scrollWidth > box.clientWidth)
      problems.push(where + ': the table overflows its container: ' + box.scrollWidth + ' > ' + box.clientWidth);
    if (t.getBoundingClientRect().right > box.getBoundingClientRect().right + 0.5)
      problems.push(where + ': the table ends right of its container');
    Array.from(t.querySelectorAll('th, td')).forEach(c => {
      const st = getComputedStyle(c);
      if (c.scrollWidth > c.clientWidth || c.scrollHeight > c.clientHeight)
        problems.push(where + ': cell cut: ' + JSON.stringify(c.textContent) + ' ' + c.scrollWidth + '/' + c.clientWidth);
      if (st.textOverflow === 'ellipsis' || st.overflow === 'hidden')
        problems.push(where + ': cell may cut its text: ' + JSON.stringify(c.textContent));
    });
  });
  return { problems: problems, width: window.innerWidth, tables: tables.length };";

fn html_all_samples_fit_1400() {
    let s = browser();
    let html = stdout_of(&[
        "audit",
        "samples/",
        "--fail-on",
        "never",
        "-q",
        "--format",
        "html",
    ]);
    let page = Page::new("all-samples-1400", html);
    let mut problems = Vec::new();
    let mut note = |what: String| problems.push(format!("{}: {what}", page.name));
    s.set_window_size(1400, 900)
        .unwrap_or_else(|e| panic!("cannot resize the window: {e}"));
    s.goto(&page.url)
        .unwrap_or_else(|e| panic!("cannot load {}: {e}", page.url));
    let v = s.execute(FIT_SCRIPT, json!([])).unwrap();
    for p in v["problems"].as_array().into_iter().flatten() {
        note(p.as_str().unwrap_or_default().to_string());
    }
    harness::note!(
        "viewport {} px, {} coverage tables",
        v["width"],
        v["tables"]
    );
    // The rule for open/closed is said above the findings, and the buttons obey it.
    let v = s
        .execute(
            "const secs = Array.from(document.querySelectorAll('section.capture'))
               .filter(x => x.querySelector('details.finding'));
             if (secs.length === 0) return 'no capture with findings';
             for (const sec of secs) {
               const all = () => Array.from(sec.querySelectorAll('details.finding'));
               const rule = sec.querySelector('.fold-rule');
               if (!rule || !/at most 8/.test(rule.textContent)) return sec.id + ': no fold rule line';
               const open = all().length <= 8;
               if (all().some(d => d.open !== open)) return sec.id + ': findings do not start as the rule says';
               if (!rule.textContent.includes(open ? 'start open' : 'start closed')) return sec.id + ': the rule line names the wrong state';
               sec.querySelector('button[data-fold=close]').click();
               if (all().some(d => d.open)) return sec.id + ': Collapse all left findings open';
               sec.querySelector('button[data-fold=open]').click();
               if (!all().every(d => d.open)) return sec.id + ': Expand all left findings closed';
             }
             return '';",
            json!([]),
        )
        .unwrap();
    if v != json!("") {
        note(format!("fold: {v}"));
    }
    // The screenshot shows the coverage table with the most text: the one most likely cut.
    s.execute(
        "const t = Array.from(document.querySelectorAll('table.coverage'))
           .reduce((a, b) => (a && a.textContent.length >= b.textContent.length ? a : b), null);
         if (t) t.scrollIntoView();
         window.scrollBy(0, -60);
         return null;",
        json!([]),
    )
    .unwrap();
    match save_screenshot(&s, &page.name) {
        Ok(p) => problems.extend(p),
        Err(e) => problems.push(format!("screenshot: {e}")),
    }
    match check_console(&s) {
        Ok(p) => problems.extend(p),
        Err(e) => problems.push(format!("console: {e}")),
    }
    assert_no_problems(&problems);
}

/// Audit JSON reports (`arcaudit.audit/3`) of `hosts` synthetic machines, written to `dir`
/// as several reports (as workers would make them): each host takes one capture's report
/// of the samples (most hosts a capture where every required endpoint worked, the others
/// cycling through the rest, so the fleet has a large clean group and many small ones),
/// renamed to `host-NNNN` by `--host-from`. The paths of the reports.
fn synthetic_fleet_reports(dir: &Path, hosts: usize) -> Vec<PathBuf> {
    let text = stdout_of(&[
        "audit",
        "samples/",
        "--fail-on",
        "never",
        "-q",
        "--format",
        "json",
    ]);
    let doc: Value = serde_json::from_str(&text).unwrap();
    let files = doc["files"].as_array().expect("files in the audit JSON");
    let cells = |f: &Value| f["cells"].as_array().cloned().unwrap_or_default();
    let clean: Vec<&Value> = files
        .iter()
        .filter(|f| {
            let c = cells(f);
            c.iter().any(|c| c["state"] == "ok")
                && c.iter()
                    .all(|c| matches!(c["state"].as_str(), Some("ok" | "not-required")))
                && f["host_problems"].as_array().is_none_or(Vec::is_empty)
        })
        .collect();
    let rest: Vec<&Value> = files.iter().filter(|f| !clean.contains(f)).collect();
    assert!(!rest.is_empty(), "no sample with findings");
    let per_report = 100;
    let mut paths = Vec::new();
    let mut i = 0;
    while i < hosts {
        let mut report = doc.clone();
        let mut part = Vec::new();
        for n in i..(i + per_report).min(hosts) {
            let from = if !clean.is_empty() && n % 5 < 3 {
                clean[n % clean.len()]
            } else {
                rest[n % rest.len()]
            };
            let mut f = from.clone();
            let name = format!("host-{n:04}");
            f["file"] = json!(format!("fleet/{name}/capture.pcapng"));
            f["host"] = json!({
                "id": name,
                "source": "host-from",
                "evidence": [format!("--host-from matched {name} in fleet/{name}/capture.pcapng")],
            });
            part.push(f);
        }
        report["files"] = Value::Array(part);
        let path = dir.join(format!("report-{:03}.json", paths.len()));
        std::fs::write(&path, serde_json::to_vec(&report).unwrap()).unwrap();
        paths.push(path);
        i += per_report;
    }
    paths
}

/// The fleet of the reports in `format`, by `arcaudit merge`.
fn merged(reports: &[PathBuf], format: &str) -> String {
    let mut args = vec!["merge", "--fail-on", "never", "--format", format];
    args.extend(reports.iter().map(|p| p.to_str().unwrap()));
    stdout_of(&args)
}

/// In the page: the matrix as the fleet document has it (one row per host, one cell per
/// endpoint, every cell coloured by a state class with a title), a legend entry per
/// state, the summary numbers; and how long Chromium took to show it.
const FLEET_CHECK: &str = "
  const problems = [];
  const rows = document.querySelectorAll('table.matrix tbody tr:not(.gh)');
  const heads = document.querySelectorAll('table.matrix thead th.e');
  const cells = document.querySelectorAll('table.matrix tbody td');
  const [hosts, endpoints, states] = arguments;
  if (rows.length !== hosts) problems.push(rows.length + ' matrix rows, not ' + hosts);
  if (heads.length !== endpoints) problems.push(heads.length + ' endpoint columns, not ' + endpoints);
  if (cells.length !== hosts * endpoints) problems.push(cells.length + ' cells, not ' + hosts * endpoints);
  let bare = 0;
  cells.forEach(c => { if (!/\\bs-[a-z-]+/.test(c.className) || !c.title || !c.textContent) bare++; });
  if (bare) problems.push(bare + ' cells without a state class, title or code');
  const legend = new Set(Array.from(document.querySelectorAll('ul.legend li[data-state]')).map(l => l.dataset.state));
  for (const st of states) if (!legend.has(st)) problems.push('no legend entry for ' + st);
  const num = k => { const e = document.querySelector('[data-key=\"' + k + '\"]'); return e ? Number(e.textContent) : null; };
  return { problems, numbers: { hosts: num('hosts'), 'hosts-with-problems': num('hosts-with-problems'),
           files: num('files'), groups: num('groups') } };";

/// The page's own clock of its loading: navigation to the end of the load event (parsed,
/// styled, laid out) and to the first contentful paint. Read after the scroll, whose
/// animation frames make sure the first paint happened and was recorded.
const FLEET_TIMING: &str = "
  const nav = performance.getEntriesByType('navigation')[0] || {};
  const fcp = (performance.getEntriesByType('paint').find(e => e.name === 'first-contentful-paint') || {}).startTime;
  return { load: nav.loadEventEnd, dom: nav.domContentLoadedEventEnd, fcp: fcp };";

/// Scrolls the matrix from top to bottom in 40 animation frames, then sideways back to the
/// first column: the time of each frame, measured by the page's clock (layout and paint of
/// what came into view), not ours.
const FLEET_SCROLL: &str = "
  const done = arguments[arguments.length - 1];
  const box = document.querySelector('.mwrap');
  box.scrollIntoView();
  const steps = 40, times = [];
  let step = 0, last = performance.now();
  const frame = () => {
    const now = performance.now();
    times.push(now - last);
    last = now;
    if (step > steps) {
      times.shift();
      done({ max: Math.max(...times), total: times.reduce((a, b) => a + b, 0), frames: times.length,
             scrolled: box.scrollTop, range: box.scrollHeight - box.clientHeight });
      return;
    }
    box.scrollTop = (box.scrollHeight - box.clientHeight) * step / steps;
    step++;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);";

/// Most milliseconds Chromium may take from navigation to the load event (the page is
/// parsed, styled and laid out) and to its first paint, for 1,000 hosts; a frame of the
/// scroll. Generous bounds for a loaded 2-core machine: a page that lags is far above
/// them (seconds per frame), a healthy one far below.
const FLEET_LOAD_MS: f64 = 2000.0;
const FLEET_FRAME_MS: f64 = 500.0;

fn fleet_html_1000_hosts_in_chromium() {
    let dir = tempfile::Builder::new()
        .prefix("arcaudit-fleet-")
        .tempdir()
        .unwrap();
    let s = browser();
    s.set_window_size(1400, 900)
        .unwrap_or_else(|e| panic!("cannot resize the window: {e}"));
    let mut problems = Vec::new();
    for hosts in [5, 1000] {
        let sub = dir.path().join(hosts.to_string());
        std::fs::create_dir_all(&sub).unwrap();
        let reports = synthetic_fleet_reports(&sub, hosts);
        let fleet: Value = serde_json::from_str(&merged(&reports, "json")).unwrap();
        let page = Page::new(&format!("fleet-{hosts}-hosts"), merged(&reports, "html"));
        let mut note = |what: String| problems.push(format!("{}: {what}", page.name));
        let endpoints = fleet["endpoints"].as_array().map_or(0, Vec::len);
        let mut states: Vec<String> = fleet["endpoints"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|c| c["counts"].as_array().cloned().unwrap_or_default())
            .filter_map(|c| c["state"].as_str().map(str::to_string))
            .collect();
        states.sort();
        states.dedup();
        let _ = s.log("browser");
        let _ = s.log("performance");
        s.goto(&page.url)
            .unwrap_or_else(|e| panic!("cannot load {}: {e}", page.url));
        let v = s
            .execute(FLEET_CHECK, json!([hosts, endpoints, states]))
            .unwrap();
        for p in v["problems"].as_array().into_iter().flatten() {
            note(p.as_str().unwrap_or_default().to_string());
        }
        for key in ["hosts", "hosts-with-problems", "files", "groups"] {
            let want = fleet["totals"][key.replace('-', "_")].clone();
            if v["numbers"][key].as_u64() != want.as_u64() {
                note(format!(
                    "data-key={key} shows {}, the fleet JSON says {want}",
                    v["numbers"][key]
                ));
            }
        }
        let scroll = s
            .cmd(
                "POST",
                "/execute/async",
                Some(json!({ "script": FLEET_SCROLL, "args": [] })),
            )
            .unwrap_or_else(|e| panic!("scroll script: {e}"));
        let max = scroll["max"].as_f64().unwrap_or(f64::MAX);
        harness::note!(
            "{}: scroll through the matrix in {} frames: {:.0} ms, slowest frame {max:.0} ms",
            page.name,
            scroll["frames"],
            scroll["total"].as_f64().unwrap_or(f64::NAN)
        );
        if max > FLEET_FRAME_MS {
            note(format!(
                "a frame of the scroll took {max:.0} ms (bound {FLEET_FRAME_MS} ms)"
            ));
        }
        let v = s.execute(FLEET_TIMING, json!([])).unwrap();
        let (load, fcp) = (
            v["load"].as_f64().unwrap_or(f64::MAX),
            v["fcp"].as_f64().unwrap_or(f64::MAX),
        );
        harness::note!(
            "{}: {} bytes, {hosts} hosts x {endpoints} endpoints, {} groups: first paint {fcp:.0} ms, DOM {:.0} ms, load {load:.0} ms",
            page.name,
            page.html.len(),
            fleet["totals"]["groups"],
            v["dom"].as_f64().unwrap_or(f64::NAN)
        );
        if load > FLEET_LOAD_MS || fcp > FLEET_LOAD_MS {
            note(format!(
                "slow: first paint {fcp:.0} ms, load {load:.0} ms (bound {FLEET_LOAD_MS} ms)"
            ));
        }
        if hosts > 100 && scroll["scrolled"].as_f64().unwrap_or(0.0) < 1000.0 {
            note(format!("the matrix did not scroll: {scroll}"));
        }
        for p in check_network(&s, &page).unwrap() {
            note(format!("network: {p}"));
        }
        for p in check_console(&s).unwrap() {
            note(format!("console: {p}"));
        }
        // The screenshot shows the legend and the top of the matrix.
        s.execute(
            "document.querySelector('.mwrap').scrollTop = 0;
             document.querySelector('#matrix').scrollIntoView();
             return null;",
            json!([]),
        )
        .unwrap();
        for p in save_screenshot(&s, &page.name).unwrap() {
            note(format!("screenshot: {p}"));
        }
        s.execute(
            "document.querySelector('#groups').scrollIntoView(); return null;",
            json!([]),
        )
        .unwrap();
        for p in save_screenshot(&s, &format!("{}-groups", page.name)).unwrap() {
            note(format!("screenshot: {p}"));
        }
        s.execute("window.scrollTo(0, 0); return null;", json!([]))
            .unwrap();
        for p in save_screenshot(&s, &format!("{}-top", page.name)).unwrap() {
            note(format!("screenshot: {p}"));
        }
    }
    assert_no_problems(&problems);
}

/// In the audit page of captures from several hosts: the fleet view before the captures,
/// one link per host in the matrix (and per name in the groups), each to the section of
/// one of that host's captures (its name is in the capture's file name), no id twice,
/// every capture its section; following a link scrolls to the section.
const COMBINED_CHECK: &str = "
  const problems = [];
  const [hosts, captures] = arguments;
  const fleet = document.getElementById('fleet');
  const first = document.querySelector('section.capture');
  if (!fleet) problems.push('no #fleet section');
  else if (!first || !(fleet.compareDocumentPosition(first) & Node.DOCUMENT_POSITION_FOLLOWING))
    problems.push('the fleet view is not before the captures');
  const sections = document.querySelectorAll('section.capture');
  if (sections.length !== captures) problems.push(sections.length + ' capture sections, not ' + captures);
  const ids = {};
  document.querySelectorAll('[id]').forEach(e => { ids[e.id] = (ids[e.id] || 0) + 1; });
  const twice = Object.keys(ids).filter(k => ids[k] > 1);
  if (twice.length) problems.push('ids used twice: ' + twice.join(', '));
  const check = (links, where) => {
    links.forEach(a => {
      const host = a.textContent;
      const href = a.getAttribute('href') || '';
      const target = href.startsWith('#') ? document.getElementById(href.slice(1)) : null;
      if (!target) problems.push(where + ': ' + host + ' links to ' + href + ', which is not on the page');
      else if (!target.matches('section.capture')) problems.push(where + ': ' + host + ' links to ' + href + ', not a capture section');
      else if (!target.querySelector('h2').textContent.includes(host + '-')) problems.push(where + ': ' + host + ' links to ' + target.querySelector('h2').textContent);
    });
  };
  const rows = document.querySelectorAll('table.matrix tbody tr:not(.gh) th.h');
  const links = document.querySelectorAll('table.matrix tbody th.h a[href]');
  if (rows.length !== hosts) problems.push(rows.length + ' matrix rows, not ' + hosts);
  if (links.length !== hosts) problems.push(links.length + ' host links in the matrix, not ' + hosts);
  check(links, 'matrix');
  const named = document.querySelectorAll('#fleet-groups .hosts a[href]');
  if (named.length !== hosts) problems.push(named.length + ' host links in the groups, not ' + hosts);
  check(named, 'groups');
  return { problems, scripts: document.scripts.length };";

fn combined_html_50_hosts_in_chromium() {
    let dir = tempfile::Builder::new()
        .prefix("arcaudit-combined-")
        .tempdir()
        .unwrap();
    let hosts = 50;
    let captures = fleet_hosts::build_fleet(dir.path(), hosts);
    let dir_arg = dir.path().to_str().unwrap();
    let html = stdout_of(&[
        "audit",
        dir_arg,
        "--fail-on",
        "never",
        "-q",
        "--format",
        "html",
    ]);
    let page = Page::new("combined-50-hosts", html);
    let s = browser();
    s.set_window_size(1400, 900)
        .unwrap_or_else(|e| panic!("cannot resize the window: {e}"));
    let mut problems = Vec::new();
    let _ = s.log("browser");
    let _ = s.log("performance");
    s.goto(&page.url)
        .unwrap_or_else(|e| panic!("cannot load {}: {e}", page.url));
    let v = s
        .execute(COMBINED_CHECK, json!([hosts, captures.len()]))
        .unwrap();
    for p in v["problems"].as_array().into_iter().flatten() {
        problems.push(p.as_str().unwrap_or_default().to_string());
    }
    harness::note!(
        "{}: {} bytes, {hosts} hosts, {} captures, {} script element(s) (the captures' sorting and filter)",
        page.name,
        page.html.len(),
        captures.len(),
        v["scripts"]
    );
    // Following a host's link (the last row: its section is far down) shows its section.
    let v = s
        .execute(
            "const links = document.querySelectorAll('table.matrix tbody th.h a[href]');
             const a = links[links.length - 1];
             a.click();
             return new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => {
               const t = document.getElementById(a.getAttribute('href').slice(1));
               const h = t && t.querySelector('h2');
               const r = h && h.getBoundingClientRect();
               const at = r && document.elementFromPoint(r.left + 4, r.top + r.height / 2);
               done({ hash: location.hash, href: a.getAttribute('href'),
                      top: r ? r.top : null, heading_seen: !!(at && h.contains(at)) });
             })));",
            json!([]),
        )
        .unwrap();
    if v["hash"] != v["href"] {
        problems.push(format!("following a host link: {v}"));
    }
    // Its heading at the top of the window, not under the sticky filter bar.
    match v["top"].as_f64() {
        Some(top) if (0.0..120.0).contains(&top) && v["heading_seen"] == json!(true) => {}
        _ => problems.push(format!(
            "the linked section's heading is not seen at the top: {v}"
        )),
    }
    for p in save_screenshot(&s, &format!("{}-linked", page.name)).unwrap() {
        problems.push(format!("screenshot: {p}"));
    }
    for p in check_network(&s, &page).unwrap() {
        problems.push(format!("network: {p}"));
    }
    for p in check_console(&s).unwrap() {
        problems.push(format!("console: {p}"));
    }
    s.execute("window.scrollTo(0, 0); return null;", json!([]))
        .unwrap();
    for p in save_screenshot(&s, &format!("{}-top", page.name)).unwrap() {
        problems.push(format!("screenshot: {p}"));
    }
    s.execute(
        "document.querySelector('#fleet-matrix').scrollIntoView(); return null;",
        json!([]),
    )
    .unwrap();
    for p in save_screenshot(&s, &format!("{}-matrix", page.name)).unwrap() {
        problems.push(format!("screenshot: {p}"));
    }
    s.execute(
        "document.querySelector('#per-capture').scrollIntoView(); return null;",
        json!([]),
    )
    .unwrap();
    for p in save_screenshot(&s, &format!("{}-captures", page.name)).unwrap() {
        problems.push(format!("screenshot: {p}"));
    }
    assert_no_problems(&problems);
}

fn main() -> ExitCode {
    let browser = harness::need_installed(
        webdriver::browser_installed(),
        MISSING,
        "ARCAUDIT_REQUIRE_BROWSER",
    );
    harness::run(harness::trials![
        browser => [
            harness_passes_contract_fixture,
            harness_catches_console_errors,
            harness_catches_broken_pages,
            html_report_in_chromium,
            html_all_samples_fit_1400,
            fleet_html_1000_hosts_in_chromium,
            combined_html_50_hosts_in_chromium,
        ],
        harness::Need::Met => [external_reference_scan],
    ])
}
