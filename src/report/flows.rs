//! Renders flow records as a table, one JSON document, or NDJSON lines. Output is written
//! file by file, flow by flow, so memory does not depend on the number of flows.

use serde::Serialize;
use std::io::{self, Write};

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

/// Streams records of several files into one output.
pub struct FlowsWriter<W: Write> {
    out: W,
    format: FlowsFormat,
    files: usize,
    flows_in_file: usize,
    file: String,
    /// Reused buffer for one record's JSON.
    scratch: Vec<u8>,
    /// Colours of the table; the machine formats ignore them.
    styles: Styles,
}

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
        let mut w = FlowsWriter {
            out,
            format,
            files: 0,
            flows_in_file: 0,
            file: String::new(),
            scratch: Vec::new(),
            styles: Styles::plain(),
        };
        match format {
            FlowsFormat::Json => write!(w.out, "{{\"schema\":\"{FLOWS_SCHEMA}\",\"files\":[")?,
            FlowsFormat::Table => writeln!(
                w.out,
                "{:<7} {:<5} {:<45} {:<45} {:<6} {:<12} {:<8} {:<8} {:<16} name",
                "frame", "proto", "client", "server", "state", "history", "app", "version", "alpn",
            )?,
            FlowsFormat::Ndjson => {}
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
            file: String::new(),
            scratch: Vec::new(),
            styles: Styles::plain(),
        }
    }

    /// Colours the table's `state` column: flows that never got an answer or were refused
    /// in `bad`, flows the server reset in `warn`.
    pub fn with_styles(mut self, styles: Styles) -> Self {
        self.styles = styles;
        self
    }

    /// Writes already rendered bytes (a fragment) to the output.
    pub fn raw(&mut self, f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
        f(&mut self.out)
    }

    /// The underlying writer of a fragment, flushed.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }

    pub fn begin_file(&mut self, file: &str) -> io::Result<()> {
        self.file = file.to_string();
        self.flows_in_file = 0;
        match self.format {
            FlowsFormat::Json => {
                if self.files > 0 {
                    self.out.write_all(b",")?;
                }
                write!(self.out, "{{\"file\":")?;
                serde_json::to_writer(&mut self.out, file).map_err(json_err)?;
                write!(self.out, ",\"flows\":[")?;
            }
            FlowsFormat::Table => writeln!(self.out, "# {}", escape_text(file))?,
            FlowsFormat::Ndjson => {}
        }
        self.files += 1;
        Ok(())
    }

    pub fn flow(&mut self, flow: &Flow) -> io::Result<()> {
        match self.format {
            FlowsFormat::Json => {
                if self.flows_in_file > 0 {
                    self.out.write_all(b",")?;
                }
                serde_json::to_writer(&mut self.out, flow).map_err(json_err)?;
            }
            FlowsFormat::Ndjson => {
                // `{"type":"flow","file":...,` then the record's own fields: serde's flatten
                // goes through a map and cost more than the rest of the pipeline.
                self.scratch.clear();
                serde_json::to_writer(&mut self.scratch, flow).map_err(json_err)?;
                self.out.write_all(b"{\"type\":\"flow\",\"file\":")?;
                serde_json::to_writer(&mut self.out, &self.file).map_err(json_err)?;
                self.out.write_all(b",")?;
                self.out
                    .write_all(self.scratch.get(1..).unwrap_or_default())?;
                self.out.write_all(b"\n")?;
            }
            FlowsFormat::Table => self.table_row(flow)?,
        }
        self.flows_in_file += 1;
        Ok(())
    }

    fn table_row(&mut self, f: &Flow) -> io::Result<()> {
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
        let style = state_style(&self.styles, state);
        let client = if f.client_guessed {
            format!("{}?", f.client)
        } else {
            f.client.to_string()
        };
        writeln!(
            self.out,
            "{:<7} {:<5} {:<45} {:<45} {style}{:<6}{style:#} {:<12} {:<8} {:<8} {:<16} {}",
            f.frames.first,
            f.transport,
            client,
            f.server,
            state,
            history,
            f.app.protocol.map_or("-", crate::wire::AppProtocol::as_str),
            if version.is_empty() { "-" } else { &version },
            if alpn.is_empty() {
                "-".into()
            } else {
                escape_text(&alpn)
            },
            escape_text(&name),
        )
    }

    pub fn end_file(&mut self, stats: &FileStats) -> io::Result<()> {
        match self.format {
            FlowsFormat::Json => {
                write!(self.out, "],\"stats\":")?;
                serde_json::to_writer(&mut self.out, stats).map_err(json_err)?;
                self.out.write_all(b"}")?;
            }
            FlowsFormat::Ndjson => {
                serde_json::to_writer(
                    &mut self.out,
                    &NdFile {
                        kind: "file",
                        stats,
                    },
                )
                .map_err(json_err)?;
                self.out.write_all(b"\n")?;
            }
            FlowsFormat::Table => {
                if let Some(e) = &stats.error {
                    writeln!(self.out, "# error: {}", escape_text(e))?;
                }
            }
        }
        Ok(())
    }

    pub fn finish(mut self) -> io::Result<W> {
        if self.format == FlowsFormat::Json {
            self.out.write_all(b"]}\n")?;
        }
        self.out.flush()?;
        Ok(self.out)
    }
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
