//! HTTP/1.x head syntax (RFC 9112, RFC 9110): splitting a head into start line and header
//! fields, request and status lines, the Content-Length / Transfer-Encoding rules, the
//! authentication scheme names, authorities, and the first-bytes tests that tell an HTTP
//! stream from others. Pure functions over byte slices; no state, no bounds on streams (that
//! is `framing`'s).

/// Authentication schemes kept per response (from Proxy-Authenticate).
const MAX_AUTH_SCHEMES: usize = 8;

/// A head split into its start line and header fields (names and values trimmed).
pub(super) struct HeadParts<'a> {
    pub(super) start_line: &'a [u8],
    pub(super) headers: Vec<(&'a [u8], &'a [u8])>,
}

pub(super) fn split_head(head: &[u8]) -> HeadParts<'_> {
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line));
    let start_line = lines.next().unwrap_or_default();
    let mut headers = Vec::new();
    for line in lines {
        if line.is_empty() {
            break;
        }
        if line.first().is_some_and(|&b| b == b' ' || b == b'\t') {
            continue; // obs-fold continuation (RFC 9112 5.2): not needed for our fields
        }
        if let Some(colon) = line.iter().position(|&b| b == b':') {
            let (name, value) = line.split_at(colon);
            headers.push((trim(name), trim(value.get(1..).unwrap_or_default())));
        }
    }
    HeadParts {
        start_line,
        headers,
    }
}

/// method SP request-target SP HTTP-version (RFC 9112 3). Repeated spaces are tolerated, and
/// extra words between target and version are ignored, as tshark does
/// ("CONNECT host:25 / HTTP/1.0" has target "host:25").
pub(super) fn split_request_line(line: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let mut words = line.split(|&b| b == b' ').filter(|w| !w.is_empty());
    let method = words.next()?;
    let target = words.next()?;
    let version = words.next_back()?;
    let valid = line.first() != Some(&b' ')
        && method.iter().all(|&b| is_tchar(b))
        && version.starts_with(b"HTTP/");
    valid.then_some((method, target, version))
}

/// HTTP-version SP 3DIGIT [SP reason-phrase] (RFC 9112 4; the space before an empty reason
/// is often missing).
pub(super) fn split_status_line(line: &[u8]) -> Option<(&[u8], u16, &[u8])> {
    let space = line.iter().position(|&b| b == b' ')?;
    let version = line.get(..space)?;
    if !version.starts_with(b"HTTP/") {
        return None;
    }
    let rest = line.get(space + 1..)?;
    let digits = rest.get(..3)?;
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let status = digits
        .iter()
        .fold(0u16, |acc, &d| acc * 10 + u16::from(d - b'0'));
    let reason = match rest.get(3..) {
        None | Some([]) => &[][..],
        Some([b' ', reason @ ..]) => reason,
        Some(_) => return None, // "2000" or "200x"
    };
    Some((version, status, reason))
}

pub(super) enum Framing {
    None,
    Length(u64),
    /// A Transfer-Encoding: the body length is not known without decoding it.
    Encoded,
    Invalid,
}

/// RFC 9112 6.1-6.3: Transfer-Encoding wins over Content-Length; several Content-Length
/// values must agree (a list of equal values is allowed), else the framing is invalid (the
/// request smuggling case).
pub(super) fn body_framing(headers: &[(&[u8], &[u8])]) -> Framing {
    if headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case(b"transfer-encoding"))
    {
        return Framing::Encoded;
    }
    let mut length: Option<u64> = None;
    for (_, value) in headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case(b"content-length"))
    {
        for item in value.split(|&b| b == b',') {
            let Some(n) = parse_decimal(trim(item)) else {
                return Framing::Invalid;
            };
            if length.is_some_and(|seen| seen != n) {
                return Framing::Invalid;
            }
            length = Some(n);
        }
    }
    length.map_or(Framing::None, Framing::Length)
}

fn parse_decimal(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |acc, &d| {
        if d.is_ascii_digit() {
            acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        } else {
            None
        }
    })
}

/// Scheme names of the challenges in a Proxy-Authenticate value, e.g. `Negotiate, NTLM` or
/// `Basic realm="proxy", charset="UTF-8"`: every comma-separated element whose first word is a
/// bare token (auth-params contain `=`, which is not a token character).
pub(super) fn auth_schemes(value: &[u8], into: &mut Vec<String>) {
    for element in value.split(|&b| b == b',') {
        let word = trim(element)
            .split(|&b| b == b' ' || b == b'\t')
            .next()
            .unwrap_or_default();
        if word.is_empty() || word.len() > 32 || !word.iter().all(|&b| is_tchar(b)) {
            continue;
        }
        let scheme = lossy(word);
        if into.len() < MAX_AUTH_SCHEMES && !into.iter().any(|s| s.eq_ignore_ascii_case(&scheme)) {
            into.push(scheme);
        }
    }
}

/// The scheme of a Proxy-Authorization value, only from a fixed list: anything else may be a
/// bare credential and is reported as "other".
pub(super) fn credential_scheme(value: &[u8]) -> &'static str {
    let word = value
        .split(|&b| b == b' ' || b == b'\t')
        .next()
        .unwrap_or_default();
    ["Basic", "Digest", "NTLM", "Negotiate", "Bearer"]
        .into_iter()
        .find(|known| word.eq_ignore_ascii_case(known.as_bytes()))
        .unwrap_or("other")
}

fn trim(bytes: &[u8]) -> &[u8] {
    let is_ows = |b: &u8| *b == b' ' || *b == b'\t';
    let start = bytes.iter().position(|b| !is_ows(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_ows(b))
        .map_or(start, |i| i + 1);
    bytes.get(start..end).unwrap_or_default()
}

pub(super) fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// RFC 9110 5.6.2 token characters.
pub(super) fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Methods recognised by [`looks_like_http_request`]: RFC 9110, PATCH and the WebDAV ones a
/// Windows or Linux host may send. A generic token would match too much binary data.
const KNOWN_METHODS: &[&[u8]] = &[
    b"GET",
    b"HEAD",
    b"POST",
    b"PUT",
    b"DELETE",
    b"CONNECT",
    b"OPTIONS",
    b"TRACE",
    b"PATCH",
    b"PROPFIND",
    b"PROPPATCH",
    b"MKCOL",
    b"COPY",
    b"MOVE",
    b"LOCK",
    b"UNLOCK",
    b"SEARCH",
    b"REPORT",
];

/// Whether a direction's first bytes start an HTTP/1.x request: a known method and a space.
pub fn looks_like_http_request(first: &[u8]) -> bool {
    KNOWN_METHODS
        .iter()
        .any(|method| first.starts_with(method) && first.get(method.len()) == Some(&b' '))
}

/// Whether a direction's first bytes start an HTTP/1.x response ("HTTP/1.").
pub fn looks_like_http_response(first: &[u8]) -> bool {
    first.starts_with(b"HTTP/1.")
}
