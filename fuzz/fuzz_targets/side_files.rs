//! The side files a user (or a capture folder) hands over, through the loaders that take text,
//! chosen by the first byte modulo 3: `ServiceTags::from_json` (0), `Catalog::from_json` (1),
//! and the `--suppress` list's `parse_suppressions` against the built-in catalog (2), on the
//! rest of the input as UTF-8 (the file readers refuse anything else before parsing).
//!
//! Besides "no panic": errors name the file; a service-tag index stays linear in the input
//! (`index_entries`), and its answers agree with a brute-force scan of the prefixes the JSON
//! lists (exact order, each tag once) at both ends of each prefix and just outside them; a
//! catalog answers `match_host` for every string in the input; a suppression list has at most
//! one entry per line, each naming a known rule and, if any, an endpoint the catalog knows.
#![no_main]

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::Path;

use arcaudit::cli::suppress::parse_suppressions;
use arcaudit::model::{Catalog, ServiceTags};
use libfuzzer_sys::fuzz_target;

const NAME: &str = "fuzz.json";

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match selector % 3 {
        0 => service_tags(text),
        1 => catalog(text),
        _ => suppress(text),
    }
});

fn suppress(text: &str) {
    let cat = Catalog::builtin();
    let list = match parse_suppressions(text, NAME, cat) {
        Ok(l) => l,
        Err(e) => {
            assert!(e.starts_with(NAME), "{e}");
            return;
        }
    };
    assert!(list.len() <= text.lines().count());
    for (rule, endpoint) in &list {
        assert!(arcaudit::classify::rules::find(rule).is_some(), "{rule}");
        if let Some(e) = endpoint {
            assert!(
                cat.entry(e).is_some() || !cat.match_host(e).is_empty(),
                "{e}"
            );
        }
    }
}

fn service_tags(text: &str) {
    let st = match ServiceTags::from_json(text, Path::new(NAME)) {
        Ok(st) => st,
        Err(e) => {
            assert!(e.to_string().starts_with(NAME), "{e}");
            return;
        }
    };
    // Each (prefix, tag) pair takes at least 5 bytes of JSON ("::/0" and a comma); the index
    // holds at most about 20 entries per pair, whatever the nesting.
    assert!(
        st.index_entries() <= 4 * text.len() + 16,
        "{} entries for {} bytes",
        st.index_entries(),
        text.len()
    );
    let Some(prefixes) = listed_prefixes(text) else {
        return;
    };
    for (_, net, len) in prefixes.iter().take(64) {
        let (first, last) = ends(*net, *len);
        for probe in [Some(first), Some(last), step(first, -1), step(last, 1)]
            .into_iter()
            .flatten()
        {
            let got: Vec<&str> = st.lookup(probe).iter().map(|t| t.name).collect();
            // An IPv4-mapped address is looked up as the IPv4 address.
            let probe = match probe {
                IpAddr::V6(a) => a.to_ipv4_mapped().map_or(probe, IpAddr::V4),
                v4 => v4,
            };
            let want: BTreeSet<&str> = prefixes
                .iter()
                .filter(|(_, n, l)| contains(*n, *l, probe))
                .map(|(name, _, _)| name.as_str())
                .collect();
            assert_eq!(got, want.into_iter().collect::<Vec<_>>(), "{probe}");
            for name in &got {
                assert!(st.contains(probe, name));
            }
        }
    }
}

/// (tag name, address, prefix length) of every prefix in the file, or `None` when one of them
/// is spelled in a way this plain parser does not follow (then only the bounds are checked).
fn listed_prefixes(text: &str) -> Option<Vec<(String, IpAddr, u8)>> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let mut out = Vec::new();
    for value in v.get("values")?.as_array()? {
        let name = value.get("name")?.as_str()?;
        for p in value
            .get("properties")?
            .get("addressPrefixes")?
            .as_array()?
        {
            let (addr, len) = p.as_str()?.trim().split_once('/')?;
            let addr: IpAddr = addr.parse().ok()?;
            let len: u8 = len.parse().ok()?;
            out.push((name.to_string(), addr, len));
        }
    }
    Some(out)
}

fn bits(a: IpAddr) -> (u128, u32) {
    match a {
        IpAddr::V4(a) => (u128::from(u32::from(a)), 32),
        IpAddr::V6(a) => (u128::from(a), 128),
    }
}

fn mask(width: u32, len: u8) -> u128 {
    let host = width.saturating_sub(u32::from(len));
    let all = if width == 128 {
        u128::MAX
    } else {
        (1u128 << width) - 1
    };
    if host >= 128 {
        0
    } else {
        all & !((1u128 << host) - 1)
    }
}

fn contains(net: IpAddr, len: u8, a: IpAddr) -> bool {
    if net.is_ipv4() != a.is_ipv4() {
        return false;
    }
    let ((n, w), (x, _)) = (bits(net), bits(a));
    let m = mask(w, len);
    n & m == x & m
}

fn ends(net: IpAddr, len: u8) -> (IpAddr, IpAddr) {
    let (n, w) = bits(net);
    let m = mask(w, len);
    let all = if w == 128 {
        u128::MAX
    } else {
        (1u128 << w) - 1
    };
    (from_bits(n & m, w), from_bits((n & m) | (all & !m), w))
}

fn from_bits(x: u128, width: u32) -> IpAddr {
    if width == 32 {
        IpAddr::V4(u32::try_from(x).unwrap_or(u32::MAX).into())
    } else {
        IpAddr::V6(x.into())
    }
}

fn step(a: IpAddr, by: i8) -> Option<IpAddr> {
    let (x, w) = bits(a);
    let y = x.checked_add_signed(i128::from(by))?;
    (w == 128 || y <= u128::from(u32::MAX)).then(|| from_bits(y, w))
}

fn catalog(text: &str) {
    let cat = match Catalog::from_json(text, NAME) {
        Ok(c) => c,
        Err(e) => {
            assert!(e.to_string().starts_with(NAME), "{e}");
            return;
        }
    };
    let mut names = vec![
        "gbl.his.arc.azure.com".to_string(),
        "westeurope.his.arc.azure.com".to_string(),
        "login.microsoftonline.com".to_string(),
    ];
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(text) {
        strings(&v, &mut names);
    }
    for name in names.iter().take(64) {
        for m in cat.match_host(name) {
            std::hint::black_box(m);
        }
    }
    std::hint::black_box(cat.entries().len());
}

fn strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}
