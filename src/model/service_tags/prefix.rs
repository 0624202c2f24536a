//! The address prefixes of a service-tag file (`13.66.138.96/27`, `2603:1000:4::/47`), parsed
//! into (network address, length) with the host bits cleared.
//!
//! The files hold tens of thousands of prefixes, and the built-in snapshot is parsed at every
//! start, so the plain forms are read by a straight scan here. `ipnet`'s parser stays the
//! definition of what is accepted: anything the scan does not recognise (white space around
//! the prefix, an IPv4 tail in an IPv6 address, a `::` standing for no group, an error) goes to
//! it, and the scan accepts only strings `ipnet` reads the same way (a unit test compares the
//! two over the whole snapshot and over the odd forms).

use ipnet::IpNet;

/// A prefix with its host bits cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Prefix {
    V4 { network: u32, len: u8 },
    V6 { network: u128, len: u8 },
}

impl Prefix {
    /// The first and last address of the prefix, in a u128 whatever the family.
    pub(super) fn range(self) -> (u128, u128) {
        match self {
            Prefix::V4 { network, len } => {
                let host = u32::MAX.checked_shr(u32::from(len)).unwrap_or(0);
                (u128::from(network), u128::from(network | host))
            }
            Prefix::V6 { network, len } => {
                let host = u128::MAX.checked_shr(u32::from(len)).unwrap_or(0);
                (network, network | host)
            }
        }
    }
}

/// Parses one prefix as published; `None` when it is not an IPv4 or IPv6 prefix. Host bits
/// set (`10.0.0.1/24`, which hand-edited files have) are cleared: the range is the same.
pub(super) fn parse(s: &str) -> Option<Prefix> {
    // An IPv6 prefix fails the IPv4 scan within its first five bytes.
    let b = s.as_bytes();
    match scan_v4(b).or_else(|| scan_v6(b)) {
        Some(p) => Some(p),
        // White space around the prefix is accepted as it always was; `ipnet` decides the rest.
        None => by_ipnet(s),
    }
}

/// What `ipnet` makes of `s` (white space around it trimmed): the definition the scan agrees
/// with, and what decides every form the scan does not take.
fn by_ipnet(s: &str) -> Option<Prefix> {
    s.trim().parse::<IpNet>().ok().map(|net| match net.trunc() {
        IpNet::V4(n) => Prefix::V4 {
            network: u32::from(n.network()),
            len: n.prefix_len(),
        },
        IpNet::V6(n) => Prefix::V6 {
            network: u128::from(n.network()),
            len: n.prefix_len(),
        },
    })
}

/// The prefix length: all of `b`, 1 to `max_digits` decimal digits (leading zeros allowed, as
/// `ipnet` allows them), at most `max`.
fn length(b: &[u8], max_digits: usize, max: u32) -> Option<u8> {
    if b.is_empty() || b.len() > max_digits {
        return None;
    }
    let mut value = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u32::from(c - b'0');
    }
    if value > max {
        return None;
    }
    u8::try_from(value).ok()
}

/// `a.b.c.d/len`, each octet 1 to 3 digits below 256, the length 1 or 2 digits up to 32:
/// exactly `ipnet`'s IPv4 form. One pass over the bytes.
fn scan_v4(b: &[u8]) -> Option<Prefix> {
    let (mut addr, mut octet, mut digits, mut dots) = (0u32, 0u32, 0u32, 0u32);
    let mut bytes = b.iter();
    let mut slash = false;
    for &c in bytes.by_ref() {
        match c {
            b'0'..=b'9' if digits < 3 => {
                octet = octet * 10 + u32::from(c - b'0');
                digits += 1;
            }
            b'.' | b'/' if digits > 0 && octet < 256 => {
                addr = addr << 8 | octet;
                (octet, digits) = (0, 0);
                if c == b'/' {
                    slash = true;
                    break;
                }
                dots += 1;
                if dots > 3 {
                    return None;
                }
            }
            _ => return None,
        }
    }
    if !slash || dots != 3 {
        return None;
    }
    let len = length(bytes.as_slice(), 2, 32)?;
    let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
    Some(Prefix::V4 {
        network: addr & mask,
        len,
    })
}

/// Where the IPv6 scan is, after the bytes read so far.
#[derive(Clone, Copy, PartialEq, Eq)]
enum At {
    Start,
    /// Inside a group of hex digits.
    Group,
    /// After the `:` that ends a group.
    Colon,
    /// After a `:` at the very start, which must be the first half of `::`.
    LeadingColon,
    /// After `::`.
    Gap,
}

/// Groups of 1 to 4 hex digits separated by `:`, with at most one `::` standing for at least
/// one zero group, then `/len` (1 to 3 digits up to 128). No IPv4 tail: `ipnet` reads those.
/// One pass over the bytes.
fn scan_v6(b: &[u8]) -> Option<Prefix> {
    let mut groups = [0u16; 8];
    let mut count = 0usize;
    // Where the `::` is, in groups read before it.
    let mut gap: Option<usize> = None;
    let (mut value, mut digits) = (0u16, 0u32);
    let mut at = At::Start;
    let mut bytes = b.iter();
    let mut slash = false;
    for &c in bytes.by_ref() {
        let hex = match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        };
        if let Some(d) = hex {
            if at == At::LeadingColon || digits == 4 {
                return None;
            }
            value = value << 4 | u16::from(d);
            digits += 1;
            at = At::Group;
            continue;
        }
        if at == At::Group {
            // `:` or `/` ends the group.
            *groups.get_mut(count)? = value;
            count += 1;
            (value, digits) = (0, 0);
        }
        at = match (c, at) {
            (b':', At::Start) => At::LeadingColon,
            (b':', At::Group) => At::Colon,
            (b':', At::Colon | At::LeadingColon) if gap.is_none() => {
                gap = Some(count);
                At::Gap
            }
            (b'/', At::Group | At::Gap) => {
                slash = true;
                break;
            }
            _ => return None,
        };
    }
    if !slash {
        return None;
    }
    let addr = match gap {
        None if count == 8 => groups,
        // `::` stands for one or more zero groups; for none, `ipnet` decides.
        Some(at) if count <= 7 => {
            let mut full = [0u16; 8];
            let (head, tail) = groups.get(..count)?.split_at(at);
            full.get_mut(..at)?.copy_from_slice(head);
            full.get_mut(8 - tail.len()..)?.copy_from_slice(tail);
            full
        }
        _ => return None,
    };
    let len = length(bytes.as_slice(), 3, 128)?;
    let addr = addr.iter().fold(0u128, |a, &g| a << 16 | u128::from(g));
    let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
    Some(Prefix::V6 {
        network: addr & mask,
        len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scan alone, without the fallback.
    fn scanned(s: &str) -> Option<Prefix> {
        scan_v4(s.as_bytes()).or_else(|| scan_v6(s.as_bytes()))
    }

    #[test]
    fn the_scan_reads_every_snapshot_prefix_as_ipnet_does() {
        use crate::model::tag_snapshot;
        let mut seen = 0usize;
        for (name, text) in tag_snapshot::texts().unwrap() {
            let file: serde_json::Value = serde_json::from_str(&text).unwrap();
            for value in file["values"].as_array().unwrap() {
                for p in value["properties"]["addressPrefixes"].as_array().unwrap() {
                    let p = p.as_str().unwrap();
                    let want = by_ipnet(p);
                    assert!(want.is_some(), "{}: {p}", name.display());
                    // The plain published form is the scan's, not the fallback's.
                    assert_eq!(scanned(p), want, "{}: {p}", name.display());
                    assert_eq!(parse(p), want, "{p}");
                    seen += 1;
                }
            }
        }
        assert!(seen > 10_000, "{seen}");
    }

    #[test]
    fn odd_forms_are_read_as_ipnet_reads_them() {
        let cases = [
            "0.0.0.0/0",
            "255.255.255.255/32",
            "10.0.0.77/24",
            "010.001.002.003/08",
            "1.2.3.4/033",
            "1.2.3.4/33",
            "256.0.0.0/8",
            "1.2.3/8",
            "1.2.3.4.5/8",
            "1.2.3.4",
            "1.2.3.4/",
            "1.2.3.4/8/8",
            "1..2.3/8",
            "0001.2.3.4/8",
            " 10.0.0.0/8 ",
            "10.0.0.0 /8",
            "+1.2.3.4/8",
            "::/0",
            "::/128",
            "::1/128",
            "1::/16",
            "::ffff:1.2.3.4/120",
            "64:ff9b::1.2.3.4/96",
            "1:2:3:4:5:6:7:8/128",
            "1:2:3:4:5:6:7:8/129",
            "1:2:3:4:5:6:7:8/0128",
            "1:2:3:4:5:6:7::/112",
            "1:2:3:4:5:6:7::8/128",
            "::2:3:4:5:6:7:8/128",
            "1:2:3:4:5:6:7:8:9/128",
            "1:2:3:4:5:6:7/112",
            "1::2::3/64",
            ":::/64",
            ":1::/64",
            "1:/64",
            "1::2:/64",
            "12345::/16",
            "2001:DB8:aBcD::77/64",
            "2001:db8::/32 ",
            "2001:db8::g/32",
            "2001:db8::",
            "fe80::/200",
            "banana",
            "",
            "/8",
            ":",
            "::",
            "1:::2/64",
            "::1:2:3:4:5:6:7/128",
            "1:2:3:4::5:6:7:8/128",
            "1:2:3:4:5:6:7:8::/128",
            "::1:/64",
            "1:/64",
            "1::2:3:4:5:6:7/128",
            "1.2.3.4:5/8",
            "1:2:3:4:5:6:1.2.3.4/128",
        ];
        for s in cases {
            let fast = scanned(s);
            // Whatever the scan accepts, ipnet accepts as the same prefix.
            if fast.is_some() {
                assert_eq!(fast, by_ipnet(s), "{s:?}");
            }
            assert_eq!(parse(s), by_ipnet(s), "{s:?}");
        }
        // Prefixes of random shape (IPv4 or IPv6, any `::`, any digits and lengths, some out
        // of range), then zero to two random edits: whatever the scan accepts, ipnet accepts as
        // the same prefix.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let alphabet = b"0123456789abcdefABCDEF:./ ";
        let mut accepted = 0;
        for _ in 0..50_000 {
            let mut text = String::new();
            if next(2) == 0 {
                for i in 0..4 {
                    if i > 0 {
                        text.push('.');
                    }
                    text.push_str(&next(300).to_string());
                }
                text.push_str(&format!("/{}", next(36)));
            } else {
                let groups = next(9);
                let gap = next(groups + 2);
                for i in 0..groups {
                    if i == gap {
                        text.push_str(if i == 0 { "::" } else { ":" });
                    }
                    if i > 0 {
                        text.push(':');
                    }
                    text.push_str(&format!("{:x}", next(0x1_1000)));
                }
                if gap == groups {
                    text.push_str("::");
                }
                text.push_str(&format!("/{}", next(132)));
            }
            for _ in 0..next(3) {
                let mut bytes = text.into_bytes();
                let at = next(bytes.len() as u64 + 1) as usize;
                let c = alphabet[next(alphabet.len() as u64) as usize];
                match next(3) {
                    0 => bytes.insert(at, c),
                    1 if at < bytes.len() => {
                        bytes.remove(at);
                    }
                    _ if at < bytes.len() => bytes[at] = c,
                    _ => {}
                }
                text = String::from_utf8(bytes).unwrap();
            }
            if let Some(p) = scanned(&text) {
                accepted += 1;
                assert_eq!(Some(p), by_ipnet(&text), "{text:?}");
            }
        }
        assert!(accepted > 10_000, "{accepted}");
        // The plain forms do not fall back.
        for s in [
            "10.0.0.77/24",
            "::/0",
            "1::/16",
            "2001:DB8:aBcD::77/64",
            "::1/128",
        ] {
            assert!(scanned(s).is_some(), "{s}");
        }
        assert_eq!(
            parse("10.0.0.77/24").map(Prefix::range),
            Some((0x0a00_0000, 0x0a00_00ff))
        );
        assert_eq!(parse("::/0").map(Prefix::range), Some((0, u128::MAX)));
    }
}
