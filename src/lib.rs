//! arcaudit: audit packet captures taken on Azure Arc-enabled servers.
//!
//! The crate is a one-way pipeline, one module per stage:
//!
//! ```text
//! capture -> collapse (one packet seen at several components, once) -> decode -> flow (TCP state, bounded reassembly) -> dissect (tls / dns / http)
//!         -> pipeline (one capture's flow records) -> facts (what the rules read, once)
//!         -> classify (against model: Arc endpoint catalog, service tags) -> report
//! ```
//!
//! A stage only knows the stage before it. Parsers never see the catalog; the catalog never
//! sees bytes; renderers never compute verdicts. `main.rs` is a thin shell over [`cli`].
#![forbid(unsafe_code)]

pub mod capture;
pub mod classify;
pub mod cli;
pub mod collapse;
pub mod commands;
pub mod decode;
pub mod dissect;
pub mod dns;
pub mod facts;
pub mod flow;
pub mod http;
pub mod model;
pub mod pipeline;
pub mod report;
#[cfg(test)]
pub(crate) mod testing;
pub mod tls;
pub mod wire;
