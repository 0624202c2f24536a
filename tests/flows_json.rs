//! The `flows` JSON and NDJSON documents spell every direction one way: the `direction` of a
//! DNS message and the `sender` of a TLS alert are both `client_to_server` /
//! `server_to_client` (schema `arcaudit.flows/2`; version 1 wrote the alert's sender as
//! `ServerToClient`).

use std::collections::BTreeSet;
use std::process::Command;

use serde_json::Value;

/// Every string value under a key named `direction` or `sender`, anywhere in the document.
fn directions(v: &Value, out: &mut BTreeSet<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if (k == "direction" || k == "sender")
                    && let Some(s) = x.as_str()
                {
                    out.insert((k.clone(), s.to_string()));
                }
                directions(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| directions(x, out)),
        _ => {}
    }
}

fn flows(format: &str) -> String {
    // One sample with a server's TLS alert, one with DNS messages both ways.
    let out = Command::new(env!("CARGO_BIN_EXE_arcaudit"))
        .args(["flows", "--format", format])
        .args([
            "samples/alert-handshake-failure.pcap",
            "samples/dns-nxdomain.pcap",
        ])
        .output()
        .expect("arcaudit runs");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

#[test]
fn flows_json_spells_direction_and_sender_alike() {
    let doc: Value = serde_json::from_str(&flows("json")).expect("one JSON document");
    assert_eq!(doc["schema"], "arcaudit.flows/2");
    let mut seen = BTreeSet::new();
    directions(&doc, &mut seen);
    let keys: BTreeSet<&str> = seen.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, BTreeSet::from(["direction", "sender"]), "{seen:?}");
    for (k, v) in &seen {
        assert!(
            v == "client_to_server" || v == "server_to_client",
            "{k}: {v}"
        );
    }
    assert!(seen.contains(&("sender".into(), "server_to_client".into())));
}

#[test]
fn flows_ndjson_spells_direction_and_sender_alike() {
    let mut seen = BTreeSet::new();
    for line in flows("ndjson").lines() {
        let v: Value = serde_json::from_str(line).expect("one JSON value per line");
        directions(&v, &mut seen);
    }
    assert!(seen.iter().any(|(k, _)| k == "sender"), "{seen:?}");
    assert!(seen.iter().any(|(k, _)| k == "direction"), "{seen:?}");
    assert!(
        seen.iter()
            .all(|(_, v)| v == "client_to_server" || v == "server_to_client"),
        "{seen:?}"
    );
}
