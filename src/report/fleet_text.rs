//! Renders the [`Fleet`] view: `json` (the fleet document, schema `arcaudit.fleet/1`),
//! `ndjson` (one line per endpoint, host and group, after a line for the fleet) and `text`
//! (the endpoints worst first with their counts, the hosts grouped by problem set, and
//! the matrix of hosts and endpoints, one row per host up to a size a terminal shows,
//! one row per group beyond). Computes nothing: every count and state is in the fleet.

use std::io::{self, Write};

use super::fleet::Fleet;

/// Output formats of the fleet view this module renders (Markdown and HTML live beside
/// the per-capture renderers' own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FleetFormat {
    Text,
    Json,
    Ndjson,
}

pub fn render(fleet: &Fleet, format: FleetFormat, out: &mut dyn Write) -> io::Result<()> {
    match format {
        FleetFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, fleet).map_err(io::Error::from)?;
            writeln!(out)
        }
        FleetFormat::Ndjson => ndjson(fleet, out),
        FleetFormat::Text => text(fleet, out),
    }
}

fn ndjson(fleet: &Fleet, out: &mut dyn Write) -> io::Result<()> {
    #[derive(serde::Serialize)]
    struct Line<'a, T: serde::Serialize> {
        #[serde(rename = "type")]
        kind: &'static str,
        #[serde(flatten)]
        body: &'a T,
    }
    fn line<T: serde::Serialize>(
        out: &mut dyn Write,
        kind: &'static str,
        body: &T,
    ) -> io::Result<()> {
        serde_json::to_writer(&mut *out, &Line { kind, body }).map_err(io::Error::from)?;
        writeln!(out)
    }
    #[derive(serde::Serialize)]
    struct Head<'a> {
        schema: &'a str,
        tool: &'a str,
        catalog: &'a str,
        service_tags: &'a str,
        fail_on: super::model::FailOn,
        #[serde(skip_serializing_if = "<[String]>::is_empty")]
        notes: &'a [String],
        endpoints: Vec<&'a str>,
        totals: &'a super::fleet::FleetTotals,
    }
    line(
        out,
        "fleet",
        &Head {
            schema: fleet.schema,
            tool: &fleet.tool,
            catalog: &fleet.catalog,
            service_tags: &fleet.service_tags,
            fail_on: fleet.fail_on,
            notes: &fleet.notes,
            endpoints: fleet
                .endpoints
                .iter()
                .map(|c| c.endpoint.as_str())
                .collect(),
            totals: &fleet.totals,
        },
    )?;
    for c in &fleet.endpoints {
        line(out, "endpoint", c)?;
    }
    for h in &fleet.hosts {
        line(out, "host", h)?;
    }
    for (i, g) in fleet.groups.iter().enumerate() {
        #[derive(serde::Serialize)]
        struct G<'a> {
            group: usize,
            #[serde(flatten)]
            g: &'a super::fleet::Group,
        }
        line(out, "group", &G { group: i, g })?;
    }
    Ok(())
}

fn text(fleet: &Fleet, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, fleet).map_err(io::Error::from)?;
    writeln!(out)
}
