//! Renders flow records as a table, one JSON document, or NDJSON lines. JSON and NDJSON are
//! written flow by flow, so memory does not depend on the number of flows. The table is
//! sized from its content, as `ss` or `column -t` do: a file's rows are kept until the file
//! ends (one pass to measure, one to print), so its memory is one file's rows.

mod json;

use serde::Serialize;
use std::io::{self, Write};
use std::net::IpAddr;

use super::{Styles, escape_text};
use crate::pipeline::{FileStats, Flow};
use crate::tls;

/// Output formats of `arcaudit flows`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowsFormat {
    Table,
    Json,
    Ndjson,
}

/// The version of the JSON/NDJSON flow schema documented in docs/flows.md.
/// 2: a TLS alert's `sender` is spelled like every `direction` (`server_to_client`).
pub const FLOWS_SCHEMA: &str = "arcaudit.flows/2";

/// JSON and NDJSON are gathered in memory and handed to the output this many bytes at a
/// time: one write per batch instead of one per token, and a batch at least as large as
/// the CLI's output buffer (64 KiB) goes past that buffer without being copied into it.
const BATCH_BYTES: usize = 1 << 16;

/// Streams records of several files into one output.
pub struct FlowsWriter<W: Write> {
    out: W,
    format: FlowsFormat,
    files: usize,
    flows_in_file: usize,
    /// NDJSON: the start of every flow line of the current file, `{"type":"flow","file":"…"`.
    line_start: Vec<u8>,
    /// JSON and NDJSON not yet written to `out` (less than [`BATCH_BYTES`] between calls).
    pending: Vec<u8>,
    /// The records' field and variant names, rendered once.
    names: json::Names,
    /// Colours of the table; the machine formats ignore them.
    styles: Styles,
    /// The table's rows of the current file, printed when it ends.
    rows: Vec<Row>,
}

/// The table's columns before `name`, which is last and not padded.
const COLUMNS: [&str; 10] = [
    "frame", "proto", "client", "server", "state", "history", "app", "version", "alpn", "result",
];
/// Index of the `state` column, the one coloured.
const STATE: usize = 4;

/// One flow of the table, its cells already escaped.
struct Row {
    cells: [String; COLUMNS.len()],
    /// From the payload (SNI, CONNECT target, Host, DNS question); empty when none said.
    name: String,
    server: IpAddr,
    first_ts_ns: i64,
}

/// The name of a server address learned elsewhere in the same capture (DNS answers), for
/// flows whose payload named nothing: (server address, the flow's first packet) -> name.
pub type NameOf<'a> = &'a dyn Fn(IpAddr, i64) -> Option<String>;

#[derive(Serialize)]
struct NdFile<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(flatten)]
    stats: &'a FileStats,
}

fn json_err(e: serde_json::Error) -> io::Error {
    io::Error::other(e)
}

impl<W: Write> FlowsWriter<W> {
    pub fn new(out: W, format: FlowsFormat) -> io::Result<Self> {
        let mut w = FlowsWriter::fragment(out, format, 0);
        if format == FlowsFormat::Json {
            write!(w.pending, "{{\"schema\":\"{FLOWS_SCHEMA}\",\"files\":[")?;
        }
        Ok(w)
    }

    /// A writer for one file's part of a larger output, rendered apart (on another
    /// thread) and copied in with [`FlowsWriter::raw`]; `index` is the file's position in
    /// the whole run.
    pub fn fragment(out: W, format: FlowsFormat, index: usize) -> Self {
        FlowsWriter {
            out,
            format,
            files: index,
            flows_in_file: 0,
            line_start: Vec::new(),
            pending: Vec::new(),
            names: json::Names::default(),
            styles: Styles::plain(),
            rows: Vec::new(),
        }
    }

    /// Colours the table's `state` column: flows that never got an answer or were refused
    /// in `bad`, flows the server reset in `warn`.
    pub fn with_styles(mut self, styles: Styles) -> Self {
        self.styles = styles;
        self
    }

    /// Whether the output names flows from the capture's DNS answers (the table does, see
    /// [`FlowsWriter::end_file_named`]); the machine formats print the answers as they are.
    pub fn names_flows(&self) -> bool {
        self.format == FlowsFormat::Table
    }

    /// Writes already rendered bytes (a fragment) to the output.
    pub fn raw(&mut self, f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
        self.write_pending()?;
        f(&mut self.out)
    }

    /// The underlying writer of a fragment, flushed.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.write_pending()?;
        self.out.flush()?;
        Ok(self.out)
    }

    /// Hands the gathered JSON to the output.
    fn write_pending(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            self.out.write_all(&self.pending)?;
            self.pending.clear();
        }
        Ok(())
    }

    pub fn begin_file(&mut self, file: &str) -> io::Result<()> {
        self.flows_in_file = 0;
        match self.format {
            FlowsFormat::Json => {
                if self.files > 0 {
                    self.pending.push(b',');
                }
                self.pending.extend_from_slice(b"{\"file\":");
                json::write_str(&mut self.pending, file);
                self.pending.extend_from_slice(b",\"flows\":[");
            }
            FlowsFormat::Table => writeln!(self.out, "# {}", escape_text(file))?,
            FlowsFormat::Ndjson => {
                self.line_start.clear();
                self.line_start
                    .extend_from_slice(b"{\"type\":\"flow\",\"file\":");
                json::write_str(&mut self.line_start, file);
            }
        }
        self.files += 1;
        Ok(())
    }

    pub fn flow(&mut self, flow: &Flow) -> io::Result<()> {
        let start = self.pending.len();
        let written = match self.format {
            FlowsFormat::Json => {
                if self.flows_in_file > 0 {
                    self.pending.push(b',');
                }
                json::to_vec(&mut self.pending, &mut self.names, flow)
            }
            FlowsFormat::Ndjson => {
                // `{"type":"flow","file":…` then the record's own fields, its `{` turned
                // into the `,` after the file: serde's flatten goes through a map and cost
                // more than the rest of the pipeline.
                self.pending.extend_from_slice(&self.line_start);
                let record = self.pending.len();
                json::to_vec(&mut self.pending, &mut self.names, flow).map(|()| {
                    if let Some(open) = self.pending.get_mut(record) {
                        *open = b',';
                    }
                    self.pending.push(b'\n');
                })
            }
            FlowsFormat::Table => {
                self.table_row(flow)?;
                Ok(())
            }
        };
        if let Err(e) = written {
            self.pending.truncate(start);
            return Err(json_err(e));
        }
        if self.pending.len() >= BATCH_BYTES {
            self.write_pending()?;
        }
        self.flows_in_file += 1;
        Ok(())
    }

    fn table_row(&mut self, f: &Flow) -> io::Result<()> {
        let row = row(f);
        self.rows.push(row);
        Ok(())
    }

    pub fn end_file(&mut self, stats: &FileStats) -> io::Result<()> {
        self.end_file_named(stats, &|_, _| None)
    }

    /// Ends a file; the table names the flows whose payload named nothing with `name_of`.
    pub fn end_file_named(&mut self, stats: &FileStats, name_of: NameOf) -> io::Result<()> {
        match self.format {
            FlowsFormat::Json => {
                self.pending.extend_from_slice(b"],\"stats\":");
                serde_json::to_writer(&mut self.pending, stats).map_err(json_err)?;
                self.pending.push(b'}');
                self.write_pending()?;
            }
            FlowsFormat::Ndjson => {
                serde_json::to_writer(
                    &mut self.pending,
                    &NdFile {
                        kind: "file",
                        stats,
                    },
                )
                .map_err(json_err)?;
                self.pending.push(b'\n');
                self.write_pending()?;
            }
            FlowsFormat::Table => {
                self.print_table(name_of)?;
                if let Some(e) = &stats.error {
                    writeln!(self.out, "# error: {}", escape_text(e))?;
                }
            }
        }
        Ok(())
    }

    /// Prints the file's rows, each column as wide as its widest cell.
    fn print_table(&mut self, name_of: NameOf) -> io::Result<()> {
        let mut rows = std::mem::take(&mut self.rows);
        if rows.is_empty() {
            return Ok(());
        }
        for r in &mut rows {
            if r.name.is_empty()
                && let Some(n) = name_of(r.server, r.first_ts_ns)
            {
                // Said apart from a name the flow itself carried.
                r.name = format!("{} (dns)", escape_text(&n));
            }
        }
        let mut widths = COLUMNS.map(|c| c.chars().count());
        for r in &rows {
            for (w, c) in widths.iter_mut().zip(&r.cells) {
                *w = (*w).max(c.chars().count());
            }
        }
        let header: [String; COLUMNS.len()] = COLUMNS.map(str::to_string);
        self.print_row(&header, "name", &widths, anstyle::Style::new())?;
        for r in &rows {
            let style = state_style(&self.styles, &r.cells[STATE]);
            self.print_row(&r.cells, &r.name, &widths, style)?;
        }
        Ok(())
    }

    fn print_row(
        &mut self,
        cells: &[String; COLUMNS.len()],
        name: &str,
        widths: &[usize; COLUMNS.len()],
        state_style: anstyle::Style,
    ) -> io::Result<()> {
        for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
            // `{:<w$}` pads by characters, which is what the terminal shows.
            if i == STATE {
                write!(self.out, "{state_style}{c:<w$}{state_style:#} ")?;
            } else {
                write!(self.out, "{c:<w$} ")?;
            }
        }
        writeln!(self.out, "{}", if name.is_empty() { "-" } else { name })
    }

    pub fn finish(mut self) -> io::Result<W> {
        if self.format == FlowsFormat::Json {
            self.pending.extend_from_slice(b"]}\n");
        }
        self.write_pending()?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// A flow's table row: its cells escaped, `-` for nothing.
fn row(f: &Flow) -> Row {
    let (state, history) = match (&f.tcp, f.udp_conn_state) {
        (Some(t), _) => (t.conn_state.as_str(), t.history.as_str()),
        (None, Some(s)) => (s, ""),
        (None, None) => ("", ""),
    };
    let mut version = String::new();
    let mut alpn = String::new();
    let mut name = String::new();
    if let Some(t) = &f.app.tls {
        if let Some(sh) = &t.server_hello {
            version = tls::version_name(sh.negotiated_version).to_string();
        }
        if let Some(ch) = &t.client_hello {
            name = ch.sni.clone().unwrap_or_default();
            alpn = ch.alpn.join(",");
        }
    }
    if let Some(h) = &f.app.http
        && let Some(r) = h.requests.first()
    {
        let target = if r.method.eq_ignore_ascii_case("CONNECT") {
            r.target.clone()
        } else {
            r.host.clone().unwrap_or_default()
        };
        if name.is_empty() {
            name = target;
        } else {
            name = format!("{target} -> {name}");
        }
    }
    if name.is_empty()
        && let Some(d) = f.app.dns.first()
        && let Some(q) = d.message.questions.first()
    {
        name = q.name.clone();
    }
    let client = if f.client_guessed {
        format!("{}?", f.client)
    } else {
        f.client.to_string()
    };
    let or_dash = |s: String| if s.is_empty() { "-".to_string() } else { s };
    Row {
        cells: [
            f.frames.first.to_string(),
            f.transport.to_string(),
            client,
            f.server.to_string(),
            or_dash(state.to_string()),
            or_dash(history.to_string()),
            f.app
                .protocol
                .map_or("-", crate::wire::AppProtocol::as_str)
                .to_string(),
            or_dash(version),
            // A space would split the field for `awk` and `column -t`.
            or_dash(escape_text(&alpn).replace(' ', "\\x20")),
            or_dash(escape_text(&result(f)).into_owned()),
        ],
        name: escape_text(&name).into_owned(),
        server: f.server.ip(),
        first_ts_ns: f.first_ts_ns,
    }
}

/// What came back, in a few words: the DNS response code, ICMP errors, the HTTP status
/// (a proxy's answer to CONNECT, or the server's), TLS alerts; `,` between several.
fn result(f: &Flow) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut push = |p: String| {
        if !parts.contains(&p) {
            parts.push(p);
        }
    };
    if let Some(d) = f.app.dns.iter().find(|d| d.message.is_response) {
        push(d.message.rcode.name());
    }
    for e in &f.icmp {
        push(format!("icmp:{}", icmp_name(e.v6, e.icmp_type, e.code)));
    }
    if let Some(h) = &f.app.http {
        for r in &h.responses {
            push(format!("http:{}", r.status));
        }
    }
    if let Some(t) = &f.app.tls {
        for a in &t.alerts {
            push(format!("alert:{}", a.description_name));
        }
    }
    parts.join(",")
}

/// ICMP errors in one token (RFC 792, 1122, 1812 for v4; RFC 4443 for v6): the ones a path
/// to a cloud endpoint meets by name, others as `type/code`.
fn icmp_name(v6: bool, icmp_type: u8, code: u8) -> String {
    let name = match (v6, icmp_type, code) {
        (false, 3, 0) | (true, 1, 0) => "net-unreachable",
        (false, 3, 1) | (true, 1, 3) => "host-unreachable",
        (false, 3, 2) => "protocol-unreachable",
        (false, 3, 3) | (true, 1, 4) => "port-unreachable",
        (false, 3, 4) => "frag-needed",
        (false, 3, 9 | 10 | 13) | (true, 1, 1) => "admin-prohibited",
        (true, 1, 5 | 6) => "policy-rejected",
        (true, 2, _) => "packet-too-big",
        (false, 11, _) | (true, 3, _) => "time-exceeded",
        _ => return format!("{icmp_type}/{code}"),
    };
    name.to_string()
}

/// The colour of a Zeek `conn_state` in the table.
fn state_style(styles: &Styles, state: &str) -> anstyle::Style {
    match state {
        // No answer (S0, also UDP without reply), refused (REJ), the client gave up after
        // an unanswered SYN (RSTOS0), or a SYN+FIN probe with no answer (SH).
        "S0" | "REJ" | "RSTOS0" | "SH" => styles.bad,
        // The server reset the connection (RSTR) or answered a SYN it never saw with one.
        "RSTR" | "RSTRH" => styles.warn,
        _ => anstyle::Style::new(),
    }
}

/// One line per file for stderr: what was read, what was skipped, what went wrong.
pub fn summary_line(s: &FileStats) -> String {
    let skipped: u64 = s.decode.skipped.values().sum();
    let mut line = format!(
        "{}: {} frames, {} bytes, {} decoded, {} skipped, {} tcp + {} udp flows, {} evicted",
        escape_text(&s.file),
        s.capture.frames,
        s.capture.bytes_read,
        s.decode.decoded,
        skipped,
        s.flows.tcp_flows,
        s.flows.udp_flows,
        s.flows.evicted
    );
    if let Some(note) = crate::report::common::collapse_note(&s.collapse) {
        line.push_str(&format!(", {note}"));
    }
    if !s.decode.skipped.is_empty() {
        let reasons: Vec<String> = s
            .decode
            .skipped
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        line.push_str(&format!(" (skipped: {})", reasons.join(", ")));
    }
    if let Some(e) = &s.error {
        line.push_str(&format!("; ERROR: {}", escape_text(e)));
    }
    line
}
