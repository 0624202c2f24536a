//! How the per-flow verdicts go to a spool's temporary file and come back: the audit of a
//! large capture writes its verdicts there as the flows are judged, and the NDJSON report
//! reads them back in order. Built on the facts' private encoding
//! ([`crate::facts::codec`]); like it, a field added to a verdict fails to compile here
//! until it is written.

use crate::facts::codec::{Codec, get, get_whole};
use crate::facts::spool::Spooled;

use super::{FlowRef, FlowVerdict, NameSource};

impl Codec for NameSource {
    fn put(&self, out: &mut Vec<u8>) {
        out.push(match self {
            NameSource::Sni => 0,
            NameSource::ConnectAuthority => 1,
            NameSource::HttpHost => 2,
            NameSource::Dns => 3,
            NameSource::CertificateSan => 4,
            NameSource::ServiceTag => 5,
        });
    }

    fn get(r: &mut &[u8]) -> Option<Self> {
        Some(match u8::get(r)? {
            0 => NameSource::Sni,
            1 => NameSource::ConnectAuthority,
            2 => NameSource::HttpHost,
            3 => NameSource::Dns,
            4 => NameSource::CertificateSan,
            5 => NameSource::ServiceTag,
            _ => return None,
        })
    }
}

impl Codec for FlowRef {
    fn put(&self, out: &mut Vec<u8>) {
        let FlowRef {
            transport,
            client,
            server,
            first_frame,
        } = self;
        transport.put(out);
        client.put(out);
        server.put(out);
        first_frame.put(out);
    }

    fn get(r: &mut &[u8]) -> Option<Self> {
        Some(FlowRef {
            transport: get(r)?,
            client: get(r)?,
            server: get(r)?,
            first_frame: get(r)?,
        })
    }
}

impl Codec for FlowVerdict {
    fn put(&self, out: &mut Vec<u8>) {
        let FlowVerdict {
            flow,
            first_ts_ns,
            last_ts_ns,
            conn_state,
            name,
            name_source,
            endpoint,
            tls_version,
            via_proxy,
            succeeded,
        } = self;
        flow.put(out);
        first_ts_ns.put(out);
        last_ts_ns.put(out);
        conn_state.put(out);
        name.put(out);
        name_source.put(out);
        endpoint.put(out);
        tls_version.put(out);
        via_proxy.put(out);
        succeeded.put(out);
    }

    fn get(r: &mut &[u8]) -> Option<Self> {
        Some(FlowVerdict {
            flow: get(r)?,
            first_ts_ns: get(r)?,
            last_ts_ns: get(r)?,
            conn_state: get(r)?,
            name: get(r)?,
            name_source: get(r)?,
            endpoint: get(r)?,
            tls_version: get(r)?,
            via_proxy: get(r)?,
            succeeded: get(r)?,
        })
    }
}

impl Spooled for FlowVerdict {
    type Shared = ();

    fn encode(&self, _: &mut (), out: &mut Vec<u8>) {
        self.put(out);
    }

    fn decode(input: &mut &[u8], _: &()) -> Option<Self> {
        get_whole(input)
    }
}

impl FlowVerdict {
    /// Bytes the verdict takes in memory, about (the name and endpoint are shared with
    /// other verdicts, so counted as pointers only).
    pub fn approx_bytes(&self) -> usize {
        std::mem::size_of::<FlowVerdict>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn verdict(i: u64) -> FlowVerdict {
        FlowVerdict {
            flow: FlowRef {
                transport: crate::wire::Transport::Tcp,
                client: "[fe80::1%3]:50000".parse().unwrap(),
                server: "20.0.0.1:443".parse().unwrap(),
                first_frame: i,
            },
            first_ts_ns: -5,
            last_ts_ns: i64::MAX,
            conn_state: Some(crate::flow::ConnState::Rstos0),
            name: Some(Arc::from("gbl.his.arc.azure.com")),
            name_source: Some(NameSource::CertificateSan),
            endpoint: Some(Arc::from("public.his")),
            tls_version: Some(crate::tls::TlsVersion(0x0304)),
            via_proxy: true,
            succeeded: false,
        }
    }

    /// A verdict with every part filled, and one with none, come back as they went; cut
    /// short, one decodes to nothing and leaves its input where it was.
    #[test]
    fn verdicts_round_trip_and_cut_ones_are_refused() {
        let mut bare = verdict(9);
        bare.conn_state = None;
        bare.name = None;
        bare.name_source = None;
        bare.endpoint = None;
        bare.tls_version = None;
        for v in [verdict(7), bare] {
            let mut buf = Vec::new();
            v.encode(&mut (), &mut buf);
            let mut input = buf.as_slice();
            let back = FlowVerdict::decode(&mut input, &()).expect("decodes");
            assert!(input.is_empty());
            assert_eq!(format!("{back:?}"), format!("{v:?}"));
            for n in 0..buf.len() {
                let mut cut = &buf[..n];
                assert!(FlowVerdict::decode(&mut cut, &()).is_none(), "cut at {n}");
                assert_eq!(cut.len(), n);
            }
        }
    }
}
