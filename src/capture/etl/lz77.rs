//! [MS-XCA] Plain LZ77 (sections 2.3 and 2.4): the compression of the real Packet Monitor
//! file's event buffers (COMPRESSION_FORMAT_XPRESS, 3, in the buffer header's State field).
//! Pure function of bytes; the caller names the file and buffer in errors. Also the match copy
//! both decoders share ([`copy_match`]).
//!
//! Speed (docs/windows.md, "Speed"): the output is a slice of the known decompressed size that
//! the caller reuses across buffers, literal runs and matches are copied in fixed-size chunks
//! where the slices leave room (the bytes written past the item's end are overwritten by the
//! next items, and a stream that stops short is an error, so they are never seen), and every
//! access stays a checked slice operation: no `unsafe`.

/// Decompresses "Plain LZ77" ([MS-XCA] 2.3 / 2.4, the LZXpress format without Huffman) into
/// `out`, which it must fill exactly, as the real Packet Monitor file's compressed buffers are
/// stored (a 32-bit flag word, then literals and matches). Written from the specification's
/// description; every read is bounds-checked and every match checked against the output so
/// far, so damage gives an error naming the compressed byte, never a panic. On error the
/// contents of `out` are unspecified.
pub(crate) fn decompress_into(input: &[u8], out: &mut [u8]) -> Result<(), String> {
    let out_len = out.len();
    let mut op = 0usize;
    let mut pos = 0usize;
    let mut flags = 0u32;
    let mut flag_count = 0u32;
    // Where the shared half-byte of two consecutive long lengths sits (0 = none pending).
    let mut half_byte_at = 0usize;
    let short = |pos: usize| format!("compressed data truncated at compressed byte {pos}");
    let u16_in = |pos: usize| {
        input
            .get(pos..pos + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    while op < out_len {
        if flag_count == 0 {
            let Some(w) = input.get(pos..pos + 4).and_then(|s| s.first_chunk::<4>()) else {
                break;
            };
            flags = u32::from_le_bytes(*w);
            pos += 4;
            flag_count = 32;
        }
        // A run of clear flags is a run of literals: copied in one go (incompressible
        // packet bytes, TLS records, are mostly literals). `flag_count` is 1..=32 here.
        let literals = (flags << (32 - flag_count)).leading_zeros().min(flag_count);
        if literals > 0 {
            let n = (literals as usize)
                .min(out_len - op)
                .min(input.len().saturating_sub(pos));
            if n == 0 {
                break;
            }
            // A fixed 32-byte copy (two vector moves) when both sides have room, whatever
            // the run's length: the bytes past the run are rewritten by what follows.
            if let (Some(src), Some(dst)) = (
                input.get(pos..pos + 32).and_then(|s| s.first_chunk::<32>()),
                out.get_mut(op..op + 32)
                    .and_then(|s| s.first_chunk_mut::<32>()),
            ) {
                *dst = *src;
            } else {
                out[op..op + n].copy_from_slice(&input[pos..pos + n]);
            }
            op += n;
            pos += n;
            flag_count -= n as u32;
            continue;
        }
        flag_count -= 1;
        let Some(match_bytes) = u16_in(pos) else {
            break;
        };
        pos += 2;
        let mut len = usize::from(match_bytes % 8);
        let offset = usize::from(match_bytes / 8) + 1;
        if len == 7 {
            if half_byte_at == 0 {
                len = usize::from(input.get(pos).ok_or_else(|| short(pos))? % 16);
                half_byte_at = pos;
                pos += 1;
            } else {
                len = usize::from(input.get(half_byte_at).ok_or_else(|| short(pos))? / 16);
                half_byte_at = 0;
            }
            if len == 15 {
                len = usize::from(*input.get(pos).ok_or_else(|| short(pos))?);
                pos += 1;
                if len == 255 {
                    len = usize::from(u16_in(pos).ok_or_else(|| short(pos))?);
                    pos += 2;
                    if len == 0 {
                        let w = input
                            .get(pos..pos + 4)
                            .and_then(|s| s.first_chunk::<4>())
                            .ok_or_else(|| short(pos))?;
                        len = u32::from_le_bytes(*w) as usize;
                        pos += 4;
                    }
                    if len < 15 + 7 {
                        return Err(format!("corrupt match length before compressed byte {pos}"));
                    }
                    len -= 15 + 7;
                }
                len += 15;
            }
            len += 7;
        }
        len += 3;
        if offset > op {
            return Err(format!(
                "match offset {offset} before the start of the output ({op} bytes) before compressed byte {pos}"
            ));
        }
        op += copy_match(out, op, offset, len);
    }
    if op != out_len {
        return Err(format!(
            "compressed data gives {op} bytes, the buffer header says {out_len}"
        ));
    }
    Ok(())
}

/// Copies a match of `len` bytes starting `offset` bytes back (1 <= `offset` <= `op`, checked
/// by the caller) to `out[op..]`, cut at the end of `out`; returns the bytes written. A match
/// may overlap the bytes it produces (`offset < len`, a repeated pattern): the copy then never
/// reads a byte before it is written.
#[inline(always)]
pub(super) fn copy_match(out: &mut [u8], op: usize, offset: usize, len: usize) -> usize {
    let room = out.len() - op;
    let n = len.min(room);
    let from = op - offset;
    if offset >= 16 && n + 16 <= room {
        // Chunks of 16: each chunk's source ends at least 16 bytes before the output position,
        // so it is complete before it is read; the last chunk may write up to 15 bytes past
        // the match, rewritten by what follows.
        let mut k = 0;
        while k < n {
            out.copy_within(from + k..from + k + 16, op + k);
            k += 16;
        }
    } else if offset >= 8 && n + 8 <= room {
        let mut k = 0;
        while k < n {
            out.copy_within(from + k..from + k + 8, op + k);
            k += 8;
        }
    } else if offset >= n {
        out.copy_within(from..from + n, op);
    } else if offset == 1 {
        let b = out[from];
        out[op..op + n].fill(b);
    } else {
        // A short pattern repeated: copy from the match start in chunks that double (offset,
        // 2 offset, 4 offset, ...), each ending where the bytes written so far end, so every
        // chunk starts at a whole number of patterns.
        let mut done = 0;
        while done < n {
            let c = (done + offset).min(n - done);
            out.copy_within(from..from + c, op + done);
            done += c;
        }
    }
    n
}

/// [`decompress_into`] into a new vector of `out_len` bytes.
#[cfg(test)]
pub(crate) fn decompress(input: &[u8], out_len: usize) -> Result<Vec<u8>, String> {
    let mut out = vec![0u8; out_len];
    decompress_into(input, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The decoder as first written (output grown one item at a time, overlapping matches
    /// byte by byte): the reference the fast decoder must match, output and error message alike.
    mod reference {
        /// Decompresses "Plain LZ77" ([MS-XCA] 2.3 / 2.4, the LZXpress format without Huffman) into at
        /// most `out_len` bytes, as the real Packet Monitor file's compressed buffers are stored (a
        /// 32-bit flag word, then literals and matches). Written from the specification's description;
        /// every read is bounds-checked and every match checked against the output so far, so damage
        /// gives an error naming the compressed byte, never a panic. The output must come to exactly
        /// `out_len` bytes.
        pub(super) fn decompress(input: &[u8], out_len: usize) -> Result<Vec<u8>, String> {
            let mut out: Vec<u8> = Vec::with_capacity(out_len);
            let mut pos = 0usize;
            let mut flags = 0u32;
            let mut flag_count = 0u32;
            // Where the shared half-byte of two consecutive long lengths sits (0 = none pending).
            let mut half_byte_at = 0usize;
            let short = |pos: usize| format!("compressed data truncated at compressed byte {pos}");
            let u16_in = |pos: usize| {
                input
                    .get(pos..pos + 2)
                    .map(|b| u16::from_le_bytes([b[0], b[1]]))
            };
            while out.len() < out_len {
                if flag_count == 0 {
                    let Some(w) = input.get(pos..pos + 4).and_then(|s| s.first_chunk::<4>()) else {
                        break;
                    };
                    flags = u32::from_le_bytes(*w);
                    pos += 4;
                    flag_count = 32;
                }
                // A run of clear flags is a run of literals: copied in one go (incompressible
                // packet bytes, TLS records, are mostly literals). `flag_count` is 1..=32 here.
                let literals = (flags << (32 - flag_count)).leading_zeros().min(flag_count);
                if literals > 0 {
                    let n = (literals as usize)
                        .min(out_len - out.len())
                        .min(input.len().saturating_sub(pos));
                    if n == 0 {
                        break;
                    }
                    out.extend_from_slice(&input[pos..pos + n]);
                    pos += n;
                    flag_count -= n as u32;
                    continue;
                }
                flag_count -= 1;
                let Some(match_bytes) = u16_in(pos) else {
                    break;
                };
                pos += 2;
                let mut len = usize::from(match_bytes % 8);
                let offset = usize::from(match_bytes / 8) + 1;
                if len == 7 {
                    if half_byte_at == 0 {
                        len = usize::from(input.get(pos).ok_or_else(|| short(pos))? % 16);
                        half_byte_at = pos;
                        pos += 1;
                    } else {
                        len = usize::from(input.get(half_byte_at).ok_or_else(|| short(pos))? / 16);
                        half_byte_at = 0;
                    }
                    if len == 15 {
                        len = usize::from(*input.get(pos).ok_or_else(|| short(pos))?);
                        pos += 1;
                        if len == 255 {
                            len = usize::from(u16_in(pos).ok_or_else(|| short(pos))?);
                            pos += 2;
                            if len == 0 {
                                let w = input
                                    .get(pos..pos + 4)
                                    .and_then(|s| s.first_chunk::<4>())
                                    .ok_or_else(|| short(pos))?;
                                len = u32::from_le_bytes(*w) as usize;
                                pos += 4;
                            }
                            if len < 15 + 7 {
                                return Err(format!(
                                    "corrupt match length before compressed byte {pos}"
                                ));
                            }
                            len -= 15 + 7;
                        }
                        len += 15;
                    }
                    len += 7;
                }
                len += 3;
                if offset > out.len() {
                    return Err(format!(
                        "match offset {offset} before the start of the output ({} bytes) before compressed byte {pos}",
                        out.len()
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
            if out.len() != out_len {
                return Err(format!(
                    "compressed data gives {} bytes, the buffer header says {out_len}",
                    out.len()
                ));
            }
            Ok(out)
        }
    }

    fn noise(x: &mut u32) -> u32 {
        *x ^= *x << 13;
        *x ^= *x >> 17;
        *x ^= *x << 5;
        *x
    }

    /// A Plain LZ77 stream of `n` items, literals and matches of every length encoding (3..=9
    /// in the match word, the shared half-byte, one byte, 16-bit and 32-bit lengths) and
    /// offsets short and long, with the bytes it decompresses to.
    fn stream(x: &mut u32, n: usize) -> (Vec<u8>, usize) {
        let mut s = Vec::new();
        let mut produced = 0usize;
        let mut half_byte_at = None;
        for group in 0..n.div_ceil(32) {
            let at = s.len();
            s.extend_from_slice(&[0; 4]);
            let mut flags = 0u32;
            for i in 0..32.min(n - group * 32) {
                if produced < 3 || noise(x).is_multiple_of(3) {
                    s.push(noise(x) as u8);
                    produced += 1;
                    continue;
                }
                flags |= 1 << (31 - i);
                let offset = match noise(x) % 4 {
                    0 => 1,
                    1 => 1 + noise(x) as usize % 16,
                    _ => 1 + noise(x) as usize % 8192,
                }
                .min(produced);
                let len = match noise(x) % 64 {
                    0..=31 => 3 + noise(x) as usize % 7,
                    32..=47 => 10 + noise(x) as usize % 15,
                    48..=59 => 25 + noise(x) as usize % 300,
                    60..=62 => 280 + noise(x) as usize % 2000,
                    _ => 280 + noise(x) as usize % 70_000,
                };
                let code = if len < 10 { len - 3 } else { 7 };
                s.extend_from_slice(&((((offset - 1) << 3) | code) as u16).to_le_bytes());
                if len >= 10 {
                    // Two long lengths share a byte: the first its low half, the next its high.
                    let nibble = (len - 10).min(15) as u8;
                    match half_byte_at.take() {
                        None => {
                            half_byte_at = Some(s.len());
                            s.push(nibble);
                        }
                        Some(b) => s[b] |= nibble << 4,
                    }
                    if nibble == 15 {
                        let l = len - 25;
                        if l < 255 {
                            s.push(l as u8);
                        } else if len - 3 < 65536 && noise(x).is_multiple_of(2) {
                            s.push(255);
                            s.extend_from_slice(&((len - 3) as u16).to_le_bytes());
                        } else {
                            s.push(255);
                            s.extend_from_slice(&[0, 0]);
                            s.extend_from_slice(&((len - 3) as u32).to_le_bytes());
                        }
                    }
                }
                produced += len;
            }
            s[at..at + 4].copy_from_slice(&flags.to_le_bytes());
        }
        (s, produced)
    }

    #[test]
    fn matches_the_reference_decoder_on_noise_and_damage() {
        let mut x = 0x2545_f491_u32;
        let mut agreed_ok = 0;
        for case in 0..3000 {
            let (mut s, full) = if case % 5 == 0 {
                let s = (0..noise(&mut x) % 3000)
                    .map(|_| noise(&mut x) as u8)
                    .collect();
                (s, noise(&mut x) as usize % 5000)
            } else {
                let n = 1 + noise(&mut x) as usize % 300;
                stream(&mut x, n)
            };
            match noise(&mut x) % 4 {
                0 if !s.is_empty() => {
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
            let out_len = match noise(&mut x) % 4 {
                0 | 1 => full,
                2 => noise(&mut x) as usize % (full + 1),
                _ => full + noise(&mut x) as usize % 100,
            };
            let want = reference::decompress(&s, out_len);
            assert_eq!(decompress(&s, out_len), want, "case {case}");
            agreed_ok += usize::from(want.is_ok());
        }
        assert!(agreed_ok > 300, "{agreed_ok}");
    }
}
