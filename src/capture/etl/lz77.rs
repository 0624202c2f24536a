//! [MS-XCA] Plain LZ77 (sections 2.3 and 2.4): the compression of the real Packet Monitor
//! file's event buffers (COMPRESSION_FORMAT_XPRESS, 3, in the buffer header's State field).
//! Pure function of bytes; the caller names the file and buffer in errors.

/// Decompresses "Plain LZ77" ([MS-XCA] 2.3 / 2.4, the LZXpress format without Huffman) into at
/// most `out_len` bytes, as the real Packet Monitor file's compressed buffers are stored (a
/// 32-bit flag word, then literals and matches). Written from the specification's description;
/// every read is bounds-checked and every match checked against the output so far, so damage
/// gives an error naming the compressed byte, never a panic. The output must come to exactly
/// `out_len` bytes.
pub(crate) fn decompress(input: &[u8], out_len: usize) -> Result<Vec<u8>, String> {
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
                        return Err(format!("corrupt match length before compressed byte {pos}"));
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
