//! [MS-XCA] LZ77+Huffman ("LZXpress Huffman", sections 2.1 and 2.2; COMPRESSION_FORMAT_XPRESS_HUFF,
//! 4, in an ETL buffer header's State field). Pure function of bytes; the caller names the file
//! and buffer in errors.
//!
//! The stream is a run of blocks, each producing up to 65536 bytes: a 256-byte table of 512 4-bit
//! code lengths (symbol 2n in the low half of byte n), then a bit stream read 16 bits at a time
//! (little-endian words, most significant bit first). Symbols below 256 are literals; a symbol
//! 256 + 16 * offset_bits + length_code is a match, with extra length bytes in the byte stream
//! and `offset_bits` extra bits. Written from the specification's decoding pseudo-code and
//! checked with its two worked examples (section 3.2) in the tests below.
//!
//! The byte stream and the bit stream share one input position, and where the extra length
//! bytes (and the next block's table) sit depends on the specification's refill order: it
//! keeps 16 to 32 bits and reads one 16-bit word whenever fewer than 16 remain. For speed the
//! reader here keeps up to 63 bits, refilled 32 at a time, and derives the specification's
//! position from its own when it needs it (see [`Bits::sync`]): after the first bit of a
//! block the specification holds exactly `16 + (bits held here) % 16` bits. The output is the
//! same, byte for byte and error for error, as the specification's decoder (kept in the tests
//! as the reference the fast one is checked against).

use super::lz77::copy_match;

/// Longest code: a decoding table is indexed by at most 15 bits.
const MAX_CODE_LEN: u32 = 15;
/// Output bytes per block; each block starts with a new table.
const BLOCK_LEN: usize = 65536;
/// Table entry of an index no code covers (an incomplete table is allowed until such a code is
/// met, as a stream may use only some of its symbols). Other entries are `symbol << 4 | code
/// length`, length 1..=15, so one lookup gives both.
const NO_SYMBOL: u16 = 0;
/// 16-bit words a stream may be read past its end: the specification's decoder refills after
/// every symbol, so the last symbol (and its offset bits) may prefetch up to two words the
/// compressor never wrote. A third means the stream is truncated.
const MAX_OVERRUN_WORDS: usize = 2;

/// The decoding table of one block, indexed directly by the next `bits` bits of the stream
/// (`bits` = the block's longest code, so a table of short codes is small and quick to build).
/// Kept by the caller across blocks and buffers.
pub(crate) struct Table {
    entries: Box<[u16; 1 << MAX_CODE_LEN]>,
    bits: u32,
}

impl Default for Table {
    fn default() -> Table {
        Table {
            entries: Box::new([NO_SYMBOL; 1 << MAX_CODE_LEN]),
            bits: 1,
        }
    }
}

impl Table {
    /// Builds the table of one block. Canonical codes: by length, then by symbol value
    /// ([MS-XCA] 2.2.4), so the codes of each length follow those of the shorter ones and
    /// covered indexes form a prefix of the table. Errors on an over-subscribed table (more
    /// codes than 15 bits can hold) or a table without any code.
    fn build(&mut self, lengths_raw: &[u8; 256]) -> Result<(), String> {
        let mut counts = [0usize; MAX_CODE_LEN as usize + 1];
        for &b in lengths_raw {
            counts[usize::from(b & 0x0f)] += 1;
            counts[usize::from(b >> 4)] += 1;
        }
        let Some(bits) = (1..=MAX_CODE_LEN).rev().find(|&l| counts[l as usize] > 0) else {
            return Err("Huffman table has no codes".to_string());
        };
        // Where each length's codes start, and whether they all fit (Kraft sum <= 1).
        let mut next = [0usize; MAX_CODE_LEN as usize + 1];
        let mut at = 0usize;
        for len in 1..=bits {
            next[len as usize] = at;
            at += counts[len as usize] << (bits - len);
        }
        if at > 1 << bits {
            return Err("Huffman table has more codes than fit in 15 bits".to_string());
        }
        let entries = &mut self.entries[..1 << bits];
        for (i, &b) in lengths_raw.iter().enumerate() {
            for (symbol, len) in [(2 * i, b & 0x0f), (2 * i + 1, b >> 4)] {
                if len == 0 {
                    continue;
                }
                let len = u32::from(len);
                let start = next[len as usize];
                let span = 1usize << (bits - len);
                next[len as usize] += span;
                // In bounds: the sum of all spans is `at` <= 1 << bits.
                entries[start..start + span].fill(((symbol as u16) << 4) | len as u16);
            }
        }
        entries[at..].fill(NO_SYMBOL);
        self.bits = bits;
        Ok(())
    }

    /// The entry for the next `self.bits` bits, at the top of `window`.
    #[inline(always)]
    fn lookup(&self, window: u64) -> u16 {
        // `bits` is 1..=15, so the index is below 2^15; the mask only tells the compiler so.
        self.entries[(window >> (64 - self.bits)) as usize & ((1 << MAX_CODE_LEN) - 1)]
    }
}

/// The bit reader: `buf` holds `nbits` bits of the stream at its top (the rest zero), `pos` is
/// where the next 16-bit word is read. Words past the end of the input read as zero, as the
/// specification's decoder reads them; whether it would have read too many is checked by
/// [`Bits::overrun_error`] wherever the specification's position matters. Copied into the cold
/// paths ([`spec_pos_of`], [`extra_length`]) rather than lent, so that the decoding loop keeps it
/// in registers.
#[derive(Clone, Copy)]
struct Bits<'a> {
    data: &'a [u8],
    buf: u64,
    nbits: u32,
    pos: usize,
    /// Where the current run of bit-stream words starts (the block's first word, or just after
    /// the last extra length bytes): words past the input's end can only follow it.
    run_start: usize,
    /// Where this block's bit stream starts: until its first bit is consumed the
    /// specification holds 32 bits, after it 16 to 31.
    block_start: usize,
}

impl<'a> Bits<'a> {
    fn start(data: &'a [u8], pos: usize) -> Bits<'a> {
        let mut bits = Bits {
            data,
            buf: 0,
            nbits: 0,
            pos,
            run_start: pos,
            block_start: pos,
        };
        bits.refill();
        bits
    }

    /// One 16-bit word at `pos`, zero past the end.
    #[inline(always)]
    fn load_word(&mut self) {
        let w = match self.data.get(self.pos..self.pos + 2) {
            Some(b) => u64::from(u16::from_le_bytes([b[0], b[1]])),
            None => 0,
        };
        self.buf |= w << (48 - self.nbits);
        self.nbits += 16;
        self.pos += 2;
    }

    /// At least 32 bits held: a code (<= 15 bits) and its offset bits (<= 15).
    #[inline(always)]
    fn refill(&mut self) {
        if self.nbits >= 32 {
            return;
        }
        if let Some(b) = self.data.get(self.pos..self.pos + 4) {
            // Two words at once, the first in the higher half.
            let w = (u64::from(u16::from_le_bytes([b[0], b[1]])) << 16)
                | u64::from(u16::from_le_bytes([b[2], b[3]]));
            self.buf |= w << (32 - self.nbits);
            self.nbits += 32;
            self.pos += 4;
        } else {
            while self.nbits < 32 {
                self.load_word();
            }
        }
    }

    /// The top `n` bits (n <= 15), without consuming them.
    #[inline(always)]
    fn peek(&self, n: u32) -> usize {
        if n == 0 {
            0
        } else {
            (self.buf >> (64 - n)) as usize
        }
    }

    /// Drops `n` bits (n <= 15; at most `nbits`, which `refill` guarantees).
    #[inline(always)]
    fn consume(&mut self, n: u32) {
        self.buf <<= n;
        self.nbits -= n;
    }

    /// Brings the reader to the specification decoder's state: the same bits held and the
    /// same input position, so the byte stream (extra length bytes, the next table) is read
    /// where the compressor wrote it. Both readers hold the same consumed bits and read the
    /// same whole words, so they differ by whole words: extra ones are given back, missing
    /// ones read.
    fn sync(&mut self) {
        // Nothing consumed yet: no extra length bytes read (run_start is still the block's)
        // and the words read hold exactly the bits still held.
        let started = self.run_start != self.block_start
            || (self.pos - self.run_start) * 8 != self.nbits as usize;
        let want = if started { 16 + self.nbits % 16 } else { 32 };
        while self.nbits < want {
            self.load_word();
        }
        if self.nbits > want {
            self.pos -= ((self.nbits - want) / 8) as usize;
            self.nbits = want;
            self.buf &= !(u64::MAX >> want);
        }
    }

    /// After [`Bits::sync`]: the specification's error if it has read more than
    /// [`MAX_OVERRUN_WORDS`] words past the end (it fails at the third, naming its position).
    fn overrun_error(&self) -> Option<String> {
        // A word at p is past the end when p + 2 > len; words sit at run_start + 2k.
        let last_whole = self.data.len().saturating_sub(1);
        let first_over = if self.run_start >= last_whole {
            self.run_start
        } else {
            last_whole + (last_whole - self.run_start) % 2
        };
        let over = self.pos.saturating_sub(first_over) / 2;
        (over > MAX_OVERRUN_WORDS).then(|| {
            format!(
                "compressed data truncated at compressed byte {}",
                first_over + 2 * MAX_OVERRUN_WORDS
            )
        })
    }

    /// The specification's position, or its truncation error (for error messages and block
    /// ends).
    fn spec_pos(&mut self) -> Result<usize, String> {
        self.sync();
        match self.overrun_error() {
            Some(e) => Err(e),
            None => Ok(self.pos),
        }
    }

    /// Extra length bytes: `n` bytes, little-endian, from the byte stream.
    fn bytes_le(&mut self, n: usize) -> Result<usize, String> {
        let at = self.spec_pos()?;
        let b = self
            .data
            .get(at..at + n)
            .ok_or_else(|| format!("compressed data truncated at compressed byte {at}"))?;
        let v = b
            .iter()
            .rev()
            .fold(0usize, |acc, &x| (acc << 8) | usize::from(x));
        self.pos = at + n;
        self.run_start = self.pos;
        Ok(v)
    }
}

/// The specification's position, for an error message or the next block's table.
#[cold]
#[inline(never)]
fn spec_pos_of(mut bits: Bits<'_>) -> Result<usize, String> {
    bits.spec_pos()
}

/// Reads `n` extra length bytes; the reader comes back moved past them.
#[cold]
#[inline(never)]
fn extra_length(mut bits: Bits<'_>, n: usize) -> Result<(Bits<'_>, usize), String> {
    let v = bits.bytes_le(n)?;
    Ok((bits, v))
}

/// Decompresses an LZ77+Huffman stream into `out`, which it must fill exactly, building each
/// block's decoding table in `table`. Every read is bounds-checked and every match checked
/// against the output so far; damage is an error naming the compressed byte, never a panic. A
/// match running past the end of `out` is cut there, as the Plain LZ77 decoder does. On error
/// the contents of `out` are unspecified.
pub(crate) fn decompress_into(
    data: &[u8],
    out: &mut [u8],
    table: &mut Table,
) -> Result<(), String> {
    let out_len = out.len();
    let mut op = 0usize;
    let mut table_at = 0usize;
    while op < out_len {
        let raw = data
            .get(table_at..table_at + 256)
            .and_then(|s| s.first_chunk::<256>())
            .ok_or_else(|| format!("Huffman table truncated at compressed byte {table_at}"))?;
        table
            .build(raw)
            .map_err(|e| format!("{e} (table at compressed byte {table_at})"))?;
        let mut bits = Bits::start(data, table_at + 256);
        let block_end = out_len.min(op + BLOCK_LEN);
        while op < block_end {
            bits.refill();
            let entry = table.lookup(bits.buf);
            if entry == NO_SYMBOL {
                return Err(format!(
                    "bit pattern with no Huffman code before compressed byte {}",
                    spec_pos_of(bits)?
                ));
            }
            bits.consume(u32::from(entry & 0x0f));
            let symbol = usize::from(entry >> 4);
            if symbol < 256 {
                out[op] = symbol as u8;
                op += 1;
                // A second literal without a refill: at least 17 bits are left, enough for any
                // code, not for a match's offset bits as well.
                let entry = table.lookup(bits.buf);
                if entry != NO_SYMBOL && entry >> 4 < 256 && op < block_end {
                    bits.consume(u32::from(entry & 0x0f));
                    out[op] = (entry >> 4) as u8;
                    op += 1;
                }
                continue;
            }
            let symbol = symbol - 256;
            let mut len = symbol % 16;
            let offset_bits = (symbol / 16) as u32;
            if len == 15 {
                (bits, len) = extra_length(bits, 1)?;
                if len == 255 {
                    (bits, len) = extra_length(bits, 2)?;
                    if len == 0 {
                        (bits, len) = extra_length(bits, 4)?;
                    }
                    if len < 15 {
                        return Err(format!(
                            "corrupt match length before compressed byte {}",
                            spec_pos_of(bits)?
                        ));
                    }
                    len -= 15;
                }
                len += 15;
                // The extra bytes may have left fewer than the offset bits.
                bits.refill();
            }
            len += 3;
            let offset = bits.peek(offset_bits) + (1usize << offset_bits);
            bits.consume(offset_bits);
            if offset > op {
                return Err(format!(
                    "match offset {offset} before the start of the output ({op} bytes) before compressed byte {}",
                    spec_pos_of(bits)?
                ));
            }
            op += copy_match(out, op, offset, len);
        }
        // The next block's table follows the words the specification's decoder has read.
        table_at = spec_pos_of(bits)?;
    }
    Ok(())
}

/// [`decompress_into`] into a new vector of `out_len` bytes.
#[cfg(test)]
pub(crate) fn decompress(data: &[u8], out_len: usize) -> Result<Vec<u8>, String> {
    let mut out = vec![0u8; out_len];
    decompress_into(data, &mut out, &mut Table::default())?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The decoder as first written, straight from the specification's pseudo-code (one
    /// 32-bit register refilled 16 bits at a time, a 2^15-entry table rebuilt per block): the
    /// reference the fast decoder must match, output and error message alike.
    mod reference {
        const TABLE_BITS: u32 = 15;
        const BLOCK_LEN: usize = 65536;
        const NO_SYMBOL: u16 = 0;
        const MAX_OVERRUN_WORDS: u32 = 2;

        /// The input cursor: one position for the 16-bit bit-stream words and the extra length bytes.
        struct Input<'a> {
            data: &'a [u8],
            pos: usize,
            overrun: u32,
        }

        impl Input<'_> {
            fn truncated(&self) -> String {
                format!("compressed data truncated at compressed byte {}", self.pos)
            }

            /// The next bit-stream word; zero (counted) past the end, see [`MAX_OVERRUN_WORDS`].
            fn word(&mut self) -> Result<u32, String> {
                let w = match self.data.get(self.pos..self.pos + 2) {
                    Some(b) => u32::from(u16::from_le_bytes([b[0], b[1]])),
                    None => {
                        self.overrun += 1;
                        if self.overrun > MAX_OVERRUN_WORDS {
                            return Err(self.truncated());
                        }
                        0
                    }
                };
                self.pos += 2;
                Ok(w)
            }

            fn byte(&mut self) -> Result<usize, String> {
                let b = *self.data.get(self.pos).ok_or_else(|| self.truncated())?;
                self.pos += 1;
                Ok(usize::from(b))
            }

            fn le(&mut self, n: usize) -> Result<usize, String> {
                let b = self
                    .data
                    .get(self.pos..self.pos + n)
                    .ok_or_else(|| self.truncated())?;
                let v = b
                    .iter()
                    .rev()
                    .fold(0usize, |acc, &x| (acc << 8) | usize::from(x));
                self.pos += n;
                Ok(v)
            }
        }

        /// The bit reader of [MS-XCA] 2.2.4: `next` holds the next 32 bits, `extra` how many of them
        /// are beyond the 16 the decoder may consume without a refill.
        struct Bits {
            next: u32,
            extra: i32,
        }

        impl Bits {
            fn start(input: &mut Input<'_>) -> Result<Bits, String> {
                let hi = input.word()?;
                let lo = input.word()?;
                Ok(Bits {
                    next: (hi << 16) | lo,
                    extra: 16,
                })
            }

            /// The top `n` bits (n <= 16), without consuming them.
            #[inline(always)]
            fn peek(&self, n: u32) -> u32 {
                if n == 0 { 0 } else { self.next >> (32 - n) }
            }

            /// Drops `n` bits (n <= 15) and refills one word when the spare bits run out, as the
            /// specification does (so the byte stream's position matches the compressor's).
            fn consume(&mut self, n: u32, input: &mut Input<'_>) -> Result<(), String> {
                // n <= 15, so the shift never reaches the width.
                self.next <<= n;
                self.extra -= n as i32;
                if self.extra < 0 {
                    let w = input.word()?;
                    self.next |= w << (-self.extra) as u32;
                    self.extra += 16;
                }
                Ok(())
            }
        }

        /// Builds the decoding table of one block, indexed by the next 15 bits. Canonical codes: by
        /// length, then by symbol value ([MS-XCA] 2.2.4). Errors on an over-subscribed table (more
        /// codes than 15 bits can hold) or a table without any code.
        fn build_table(
            lengths_raw: &[u8],
            table: &mut [u16; 1 << TABLE_BITS],
        ) -> Result<(), String> {
            let mut lengths = [0u8; 512];
            for (i, &b) in lengths_raw.iter().enumerate().take(256) {
                lengths[2 * i] = b & 0x0f;
                lengths[2 * i + 1] = b >> 4;
            }
            table.fill(NO_SYMBOL);
            let mut at = 0usize;
            for len in 1..=TABLE_BITS as u8 {
                let span = 1usize << (TABLE_BITS - u32::from(len));
                for (symbol, &l) in lengths.iter().enumerate() {
                    if l != len {
                        continue;
                    }
                    let Some(slots) = table.get_mut(at..at + span) else {
                        return Err("Huffman table has more codes than fit in 15 bits".to_string());
                    };
                    slots.fill(((symbol as u16) << 4) | u16::from(len));
                    at += span;
                }
            }
            if at == 0 {
                return Err("Huffman table has no codes".to_string());
            }
            Ok(())
        }

        /// Decompresses an LZ77+Huffman stream into exactly `out_len` bytes. Every read is
        /// bounds-checked and every match checked against the output so far; damage is an error naming
        /// the compressed byte, never a panic. A match running past `out_len` is cut there, as the
        /// Plain LZ77 decoder does.
        pub(super) fn decompress(data: &[u8], out_len: usize) -> Result<Vec<u8>, String> {
            let mut out: Vec<u8> = Vec::with_capacity(out_len);
            let mut input = Input {
                data,
                pos: 0,
                overrun: 0,
            };
            let mut table = Box::new([NO_SYMBOL; 1 << TABLE_BITS]);
            while out.len() < out_len {
                let table_at = input.pos;
                let raw = data.get(table_at..table_at + 256).ok_or_else(|| {
                    format!("Huffman table truncated at compressed byte {table_at}")
                })?;
                build_table(raw, &mut table)
                    .map_err(|e| format!("{e} (table at compressed byte {table_at})"))?;
                input.pos += 256;
                let mut bits = Bits::start(&mut input)?;
                let block_end = out.len() + BLOCK_LEN;
                while out.len() < block_end && out.len() < out_len {
                    // peek(15) < 2^15: the mask only tells the compiler so.
                    let entry = table[bits.peek(TABLE_BITS) as usize & ((1 << TABLE_BITS) - 1)];
                    if entry == NO_SYMBOL {
                        return Err(format!(
                            "bit pattern with no Huffman code before compressed byte {}",
                            input.pos
                        ));
                    }
                    let symbol = usize::from(entry >> 4);
                    bits.consume(u32::from(entry & 0x0f), &mut input)?;
                    if symbol < 256 {
                        out.push(symbol as u8);
                        continue;
                    }
                    let symbol = symbol - 256;
                    let mut len = symbol % 16;
                    let offset_bits = (symbol / 16) as u32;
                    if len == 15 {
                        len = input.byte()?;
                        if len == 255 {
                            len = input.le(2)?;
                            if len == 0 {
                                len = input.le(4)?;
                            }
                            if len < 15 {
                                return Err(format!(
                                    "corrupt match length before compressed byte {}",
                                    input.pos
                                ));
                            }
                            len -= 15;
                        }
                        len += 15;
                    }
                    len += 3;
                    let offset = (bits.peek(offset_bits) as usize) + (1usize << offset_bits);
                    bits.consume(offset_bits, &mut input)?;
                    if offset > out.len() {
                        return Err(format!(
                            "match offset {offset} before the start of the output ({} bytes) before compressed byte {}",
                            out.len(),
                            input.pos
                        ));
                    }
                    // A match may overlap the bytes it produces: then byte by byte.
                    let from = out.len() - offset;
                    let n = len.min(out_len - out.len());
                    if offset >= n {
                        out.extend_from_within(from..from + n);
                    } else {
                        for i in 0..n {
                            let b = out[from + i];
                            out.push(b);
                        }
                    }
                }
            }
            Ok(out)
        }
    }

    /// [MS-XCA] 3.2, first example: the alphabet, all literals.
    fn alphabet() -> Vec<u8> {
        let mut s = vec![0u8; 256];
        s[48..62].copy_from_slice(&[
            0x50, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x45, 0x44, 0x04,
        ]);
        s[128] = 0x04;
        s.extend_from_slice(&[
            0xd8, 0x52, 0x3e, 0xd7, 0x94, 0x11, 0x5b, 0xe9, 0x19, 0x5f, 0xf9, 0xd6, 0x7c, 0xdf,
            0x8d, 0x04, 0x00, 0x00, 0x00, 0x00,
        ]);
        s
    }

    /// [MS-XCA] 3.2, second example: "abc" then one match of offset 3 covering `len - 3`
    /// bytes (the specification's is 300 bytes: `ff 26 01`, a 16-bit length).
    fn abc(len: usize) -> Vec<u8> {
        let mut s = vec![0u8; 256];
        s[48] = 0x30;
        s[49] = 0x23;
        s[128] = 0x02;
        s[143] = 0x20;
        s.extend_from_slice(&[0xa8, 0xdc, 0x00, 0x00]);
        let m = len - 6;
        if m < 270 {
            s.push((m - 15) as u8);
        } else if m <= 0xffff {
            s.push(0xff);
            s.extend_from_slice(&(m as u16).to_le_bytes());
        } else {
            s.extend_from_slice(&[0xff, 0, 0]);
            s.extend_from_slice(&(m as u32).to_le_bytes());
        }
        s
    }

    #[test]
    fn specification_examples() {
        assert_eq!(
            decompress(&alphabet(), 26).as_deref(),
            Ok(&b"abcdefghijklmnopqrstuvwxyz"[..])
        );
        let spec = abc(300);
        assert_eq!(&spec[256..], &[0xa8, 0xdc, 0, 0, 0xff, 0x26, 0x01]);
        assert_eq!(decompress(&spec, 300), Ok(b"abc".repeat(100)));
    }

    #[test]
    fn long_matches_across_block_ends() {
        for len in [24, 273, 65535, 65536, 65537, 196_608] {
            let want: Vec<u8> = b"abc".iter().copied().cycle().take(len).collect();
            assert_eq!(decompress(&abc(len), len), Ok(want), "{len}");
        }
    }

    /// A block where all 512 symbols have 9-bit codes, so symbol n is just n in 9 bits.
    fn nine_bit_block(symbols: &[u16]) -> Vec<u8> {
        let mut s = vec![0x99u8; 256];
        let mut acc: u64 = 0;
        let mut n = 0u32;
        let mut words = Vec::new();
        for &sym in symbols {
            acc = (acc << 9) | u64::from(sym);
            n += 9;
            while n >= 16 {
                words.push((acc >> (n - 16)) as u16);
                n -= 16;
            }
        }
        if n > 0 {
            words.push((acc << (16 - n)) as u16);
        }
        // The decoder's prefetch: one more word, as the specification's compressor writes.
        words.push(0);
        for w in words {
            s.extend_from_slice(&w.to_le_bytes());
        }
        s
    }

    #[test]
    fn a_second_block_keeps_the_history_and_256_is_a_match() {
        let first: Vec<u16> = (0..BLOCK_LEN).map(|i| (i % 256) as u16).collect();
        let mut stream = nine_bit_block(&first);
        // 256: match of length 3, offset 1 (no offset bits).
        stream.extend_from_slice(&nine_bit_block(&[256, u16::from(b'!'), 256]));
        let mut want: Vec<u8> = (0..BLOCK_LEN).map(|i| (i % 256) as u8).collect();
        want.extend_from_slice(b"\xff\xff\xff!!!!");
        assert_eq!(decompress(&stream, BLOCK_LEN + 7), Ok(want));
    }

    #[test]
    fn damage_is_an_error_never_a_panic() {
        for cut in 0..abc(300).len() {
            let e = decompress(&abc(300)[..cut], 300).unwrap_err();
            assert!(e.contains("truncated"), "{cut}: {e}");
        }
        let e = decompress(&[0u8; 264], 1).unwrap_err();
        assert!(e.contains("no codes"), "{e}");
        let e = decompress(&[0x11u8; 264], 1).unwrap_err();
        assert!(e.contains("more codes than fit"), "{e}");
        // Only symbol 256 (a match) before any output.
        let e = decompress(&nine_bit_block(&[256]), 3).unwrap_err();
        assert!(e.contains("before the start of the output"), "{e}");
        // A 16-bit extended length below 15.
        let mut bad = abc(300);
        let n = bad.len();
        bad[n - 2..].copy_from_slice(&[0x0e, 0]);
        let e = decompress(&bad, 300).unwrap_err();
        assert!(e.contains("corrupt match length"), "{e}");
        // An incomplete table whose missing code appears.
        let mut lone = vec![0u8; 256];
        lone[48] = 0x10; // only 'a', one bit: code 0; a 1 bit has no symbol
        lone.extend_from_slice(&[0xff, 0xff, 0, 0]);
        let e = decompress(&lone, 2).unwrap_err();
        assert!(e.contains("no Huffman code"), "{e}");
        // Random flips of the examples end cleanly.
        let mut x = 0x2545_f491_u32;
        for _ in 0..2000 {
            let mut s = if x & 1 == 0 { abc(300) } else { alphabet() };
            for _ in 0..3 {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                let i = x as usize % s.len();
                s[i] = (x >> 8) as u8;
            }
            let _ = decompress(&s, 300);
        }
    }

    /// xorshift32: reproducible noise without a dependency.
    fn noise(x: &mut u32) -> u32 {
        *x ^= *x << 13;
        *x ^= *x >> 17;
        *x ^= *x << 5;
        *x
    }

    /// A random table of code lengths (as the 256 stored bytes): a random prefix code grown by
    /// splitting leaves (at most 15 deep), some of it left unused (an incomplete table), with
    /// literals more likely to get short codes so decoding noise gets somewhere.
    fn random_lengths(x: &mut u32) -> Vec<u8> {
        let mut leaves: Vec<u8> = vec![1, 1];
        let target = 2 + noise(x) as usize % 510;
        while leaves.len() < target {
            let i = noise(x) as usize % leaves.len();
            if leaves[i] < 15 {
                leaves[i] += 1;
                let l = leaves[i];
                leaves.push(l);
            }
            if noise(x).is_multiple_of(64) {
                break;
            }
        }
        leaves.sort_unstable();
        let mut lengths = [0u8; 512];
        let mut symbols: Vec<usize> = (0..512).collect();
        // Shuffle within literals and within matches, literals first.
        for i in (1..512).rev() {
            let lo = if i >= 256 { 256 } else { 0 };
            let j = lo + noise(x) as usize % (i - lo + 1);
            symbols.swap(i, j);
        }
        if noise(x).is_multiple_of(2) {
            for i in (1..512).rev() {
                let j = noise(x) as usize % (i + 1);
                symbols.swap(i, j);
            }
        }
        for (&l, &s) in leaves.iter().zip(&symbols) {
            if !noise(x).is_multiple_of(16) {
                lengths[s] = l;
            }
        }
        (0..256)
            .map(|i| lengths[2 * i] | (lengths[2 * i + 1] << 4))
            .collect()
    }

    #[test]
    fn matches_the_reference_decoder_on_noise_and_damage() {
        let mut x = 0x9e37_79b9_u32;
        let mut agreed_ok = 0;
        for case in 0..3000 {
            let mut s = match case % 4 {
                0 => abc(24 + noise(&mut x) as usize % 70_000),
                1 => alphabet(),
                2 => {
                    let syms: Vec<u16> = (0..noise(&mut x) % 3000)
                        .map(|i| {
                            if i < 8 {
                                (i % 256) as u16
                            } else {
                                (noise(&mut x) % 300) as u16
                            }
                        })
                        .collect();
                    nine_bit_block(&syms)
                }
                _ => {
                    let mut s = random_lengths(&mut x);
                    s.extend((0..noise(&mut x) % 4000).map(|_| noise(&mut x) as u8));
                    s
                }
            };
            // Damage: a few flipped bytes, a cut, or nothing.
            match noise(&mut x) % 4 {
                0 => {
                    for _ in 0..1 + noise(&mut x) % 4 {
                        let i = noise(&mut x) as usize % s.len();
                        s[i] = noise(&mut x) as u8;
                    }
                }
                1 => {
                    let cut = noise(&mut x) as usize % (s.len() + 1);
                    s.truncate(cut);
                }
                _ => {}
            }
            // A second block sometimes: another stream appended.
            if noise(&mut x).is_multiple_of(8) {
                s.extend_from_slice(&abc(300));
            }
            let out_len = match noise(&mut x) % 3 {
                0 => noise(&mut x) as usize % 200_000,
                1 => noise(&mut x) as usize % 300,
                _ => 65_536 + noise(&mut x) as usize % 400,
            };
            let want = reference::decompress(&s, out_len);
            assert_eq!(decompress(&s, out_len), want, "case {case}");
            agreed_ok += usize::from(want.is_ok());
        }
        // The cases must not all be errors.
        assert!(agreed_ok > 200, "{agreed_ok}");
    }

    #[test]
    fn a_reused_table_and_output_give_the_same_bytes() {
        let mut table = Table::default();
        let mut out = vec![0xaau8; 70_000];
        for len in [300, 24, 70_000, 26] {
            let s = if len == 26 { alphabet() } else { abc(len) };
            let out = &mut out[..len];
            decompress_into(&s, out, &mut table).unwrap();
            assert_eq!(
                out.to_vec(),
                reference::decompress(&s, len).unwrap(),
                "{len}"
            );
        }
    }
}
