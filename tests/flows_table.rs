//! The `flows` table read as `column -t` would: per file a header, each column as wide as
//! its widest cell so every field starts under its header, no empty field (a `-` instead),
//! a `result` column, and the name DNS gave a server when the flow itself named nothing.

use std::process::Command;

fn flows(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_arcaudit"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("flows")
        .args(args)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

/// Where each of the first `n` whitespace-separated fields of `line` starts.
fn starts(line: &str, n: usize) -> Vec<usize> {
    let mut v = Vec::new();
    let mut prev_space = true;
    for (i, c) in line.chars().enumerate() {
        if c != ' ' && prev_space {
            v.push(i);
        }
        prev_space = c == ' ';
        if v.len() == n {
            break;
        }
    }
    v
}

#[test]
fn columns_line_up_under_their_headers_in_every_sample() {
    let table = flows(&["samples/", "-q"]);
    let mut header: Option<Vec<usize>> = None;
    let mut rows = 0;
    for line in table.lines() {
        assert_eq!(line, line.trim_end(), "trailing space: {line:?}");
        if line.starts_with("# ") {
            header = None;
            continue;
        }
        if line.starts_with("frame ") {
            assert_eq!(
                line.split_whitespace().collect::<Vec<_>>(),
                [
                    "frame", "proto", "client", "server", "state", "history", "app", "version",
                    "alpn", "result", "name"
                ]
            );
            header = Some(starts(line, 11));
            continue;
        }
        let h = header.as_ref().expect("a header before the rows");
        assert_eq!(&starts(line, 11), h, "misaligned:\n{line}");
        rows += 1;
    }
    assert!(rows > 50, "{table}");
    // IPv4 addresses no longer get IPv6 widths.
    assert!(!table.contains("     10.1.0.53:53            "), "{table}");
}

#[test]
fn an_unanswered_flow_is_named_through_dns_and_its_icmp_error_shown() {
    let t = flows(&["samples/fw-reject-icmp-admin.pcap", "-q"]);
    let row = t
        .lines()
        .find(|l| l.contains(" S0 "))
        .unwrap_or_else(|| panic!("{t}"));
    assert!(row.contains(" icmp:admin-prohibited "), "{row}");
    assert!(
        row.ends_with(" westeurope-gas.guestconfiguration.azure.com (dns)"),
        "{row}"
    );
    let t = flows(&["samples/proxy-auth-407.pcap", "-q"]);
    assert!(t.contains(" http-connect "), "{t}");
    assert!(t.contains(" http:407 "), "{t}");
    let t = flows(&["samples/dns-nxdomain.pcap", "-q"]);
    assert!(t.contains(" NXDomain "), "{t}");
    let t = flows(&["samples/alert-handshake-failure.pcap", "-q"]);
    assert!(t.contains(" alert:handshake_failure "), "{t}");
}
