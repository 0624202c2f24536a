//! What the audit knows about the machine's setup: what the user said ([`Given`]), what
//! the capture shows ([`Inferred`]: the cloud from the endpoints seen, the region from
//! his/gas names, a proxy from CONNECT traffic), and the two merged ([`AuditContext`]),
//! the user's word winning.

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;

use super::attribution::{Attribution, NameSource};
use crate::facts::AuditFlow;
use crate::model::{Catalog, Cloud, Feature, split_authority};

/// The agent's operating system (the cipher-suite policy of agent 1.56+ is Windows').
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AgentOs {
    Windows,
    Linux,
}

/// A proxy as configured: `host:port`, the host an address or a name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ProxyAddr {
    pub host: String,
    pub port: u16,
}

impl ProxyAddr {
    /// Parses `host:port` or `[v6]:port`.
    pub fn parse(s: &str) -> Option<ProxyAddr> {
        let (host, port) = split_authority(s)?;
        Some(ProxyAddr { host, port: port? })
    }

    fn matches(&self, addr: SocketAddr) -> bool {
        self.port == addr.port()
            && self
                .host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip == addr.ip())
    }
}

/// What the user told us.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Given {
    pub cloud: Option<Cloud>,
    pub region: Option<String>,
    pub proxies: Vec<ProxyAddr>,
    pub private_link: bool,
    pub features: BTreeSet<Feature>,
    pub agent_os: Option<AgentOs>,
}

/// A value the capture suggested, with the reason.
#[derive(Debug, Clone, Serialize)]
pub struct InferredValue<T> {
    pub value: T,
    pub evidence: String,
}

/// What the capture shows about the setup.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Inferred {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud: Option<InferredValue<Cloud>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<InferredValue<String>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub proxies: Vec<InferredValue<SocketAddr>>,
}

/// The context the rules use.
#[derive(Debug, Clone, Serialize)]
pub struct AuditContext {
    /// The machine's cloud: given, else inferred, else public.
    pub cloud: Cloud,
    pub cloud_source: &'static str,
    pub region: Option<String>,
    /// A proxy was configured by the user (proxy-bypass findings need this).
    pub proxy_configured: bool,
    pub proxies: Vec<ProxyAddr>,
    /// Proxies seen answering CONNECT in the capture.
    pub proxies_seen: Vec<SocketAddr>,
    pub private_link: bool,
    pub features: BTreeSet<Feature>,
    pub agent_os: Option<AgentOs>,
}

impl AuditContext {
    pub fn merge(given: &Given, inferred: &Inferred) -> AuditContext {
        let (cloud, cloud_source) = match (given.cloud, &inferred.cloud) {
            (Some(c), _) => (c, "given"),
            (None, Some(i)) => (i.value, "inferred"),
            (None, None) => (Cloud::Public, "default"),
        };
        AuditContext {
            cloud,
            cloud_source,
            region: given
                .region
                .clone()
                .or_else(|| inferred.region.as_ref().map(|r| r.value.clone())),
            proxy_configured: !given.proxies.is_empty(),
            proxies: given.proxies.clone(),
            proxies_seen: inferred.proxies.iter().map(|p| p.value).collect(),
            private_link: given.private_link,
            features: given.features.clone(),
            agent_os: given.agent_os,
        }
    }

    /// The flow's server is a proxy (configured, or seen answering CONNECT).
    pub fn is_proxy(&self, server: SocketAddr) -> bool {
        self.proxies.iter().any(|p| p.matches(server)) || self.proxies_seen.contains(&server)
    }
}

/// Infers cloud, region and proxies from the attributed flows.
pub fn infer(
    flows: &[AuditFlow],
    attributions: &[Attribution],
    catalog: &Catalog,
    given: &Given,
) -> Inferred {
    let mut inferred = Inferred::default();
    let mut clouds: BTreeMap<Cloud, (usize, String)> = BTreeMap::new();
    let mut regions: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for a in attributions {
        if a.source == Some(NameSource::ServiceTag) {
            continue;
        }
        let name = a.name.clone().unwrap_or_default();
        let flow_clouds: BTreeSet<Cloud> = a
            .entries
            .iter()
            .filter_map(|&i| catalog.entries().get(i))
            .map(|e| e.cloud)
            .collect();
        // A name shared by several clouds (login.microsoftonline.com serves public and
        // 21Vianet tables alike) says nothing about which one.
        if flow_clouds.len() == 1
            && let Some(c) = flow_clouds.first()
        {
            let e = clouds.entry(*c).or_insert((0, name.clone()));
            e.0 += 1;
        }
        if let Some(r) = &a.region {
            let e = regions
                .entry(r.to_ascii_lowercase())
                .or_insert((0, name.clone()));
            e.0 += 1;
        }
    }
    if given.cloud.is_none()
        && let Some((cloud, (n, example))) = clouds.iter().max_by_key(|(_, (n, _))| *n)
    {
        inferred.cloud = Some(InferredValue {
            value: *cloud,
            evidence: format!(
                "{n} flow(s) to {} endpoints, e.g. {example}",
                cloud.as_str()
            ),
        });
    }
    if given.region.is_none()
        && let Some((region, (n, example))) = regions.iter().max_by_key(|(_, (n, _))| *n)
    {
        inferred.region = Some(InferredValue {
            value: region.clone(),
            evidence: format!("{n} flow(s) name it, e.g. {example}"),
        });
    }
    let mut proxies: BTreeMap<SocketAddr, (usize, u64)> = BTreeMap::new();
    for f in flows {
        if f.connect().is_some() {
            let e = proxies.entry(f.server).or_insert((0, f.frames.first));
            e.0 += 1;
        }
    }
    for (addr, (n, frame)) in proxies {
        inferred.proxies.push(InferredValue {
            value: addr,
            evidence: format!(
                "{n} CONNECT request(s) sent to it, the first in the flow at frame {frame}"
            ),
        });
    }
    inferred
}
