//! Helpers shared by the fuzz targets (each target includes this file with `#[path]`).
#![allow(dead_code)]

/// Splits fuzz input into (direction, chunk) pieces so the fuzzer controls both where a
/// stream is cut and which side sends next. Each piece is one header byte (top bit: 1 =
/// server to client; low 7 bits: length, 127 meaning "a 16-bit length follows") and then up
/// to that many bytes (fewer at the end of the input).
pub struct Chunks<'a> {
    data: &'a [u8],
}

impl<'a> Chunks<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Chunks { data }
    }
}

impl<'a> Iterator for Chunks<'a> {
    type Item = (bool, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let (&h, rest) = self.data.split_first()?;
        let server = h & 0x80 != 0;
        let mut len = usize::from(h & 0x7f);
        let mut rest = rest;
        if len == 0x7f {
            let (l, r) = match rest {
                [a, b, r @ ..] => (usize::from(u16::from_be_bytes([*a, *b])), r),
                _ => (rest.len(), rest),
            };
            len = l;
            rest = r;
        }
        let n = len.min(rest.len());
        let (chunk, tail) = rest.split_at(n);
        self.data = tail;
        Some((server, chunk))
    }
}

/// A little-endian cursor over fuzz input that yields zeros once exhausted.
pub struct Bytes<'a> {
    pub data: &'a [u8],
}

impl<'a> Bytes<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Bytes { data }
    }
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.data.len());
        let (a, b) = self.data.split_at(n);
        self.data = b;
        a
    }
}

/// True when the input already starts like a capture file (pcap, pcapng, gzip, zstd): such
/// inputs (the seeds) are fed as they are rather than interpreted as a structured recipe.
pub fn has_capture_magic(data: &[u8]) -> bool {
    matches!(
        data,
        [0xd4, 0xc3, 0xb2, 0xa1, ..]
            | [0xa1, 0xb2, 0xc3, 0xd4, ..]
            | [0x4d, 0x3c, 0xb2, 0xa1, ..]
            | [0xa1, 0xb2, 0x3c, 0x4d, ..]
            | [0x34, 0xcd, 0xb2, 0xa1, ..]
            | [0xa1, 0xb2, 0xcd, 0x34, ..]
            | [0x0a, 0x0d, 0x0d, 0x0a, ..]
            | [0x1f, 0x8b, ..]
            | [0x28, 0xb5, 0x2f, 0xfd, ..]
    )
}
