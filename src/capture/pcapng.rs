//! pcapng: every standard block. Section header blocks (each section may have its own byte
//! order, and the `shb_hardware` / `shb_os` / `shb_userappl` / comment options that say where
//! it was taken), interface description blocks (link type, snaplen, `if_tsresol`, `if_tsoffset`,
//! `if_name`, `if_description`, the interface's addresses and MAC), enhanced / simple / obsolete packet blocks, name resolution, interface statistics,
//! decryption secrets and custom blocks. Parsed by hand rather than with pcap-parser: the block
//! framing has to be checked against our own buffer anyway, and this walk allocates nothing per
//! block (pcap-parser collects options into a `Vec` per block).
//!
//! Error policy: a *framing* error (a block length that is too small, not a multiple of 4, over
//! the bound, disagreeing with its trailer, or running past the end) is fatal, because the next
//! block cannot be found. A well-framed *packet* block whose content is unusable (it names an
//! interface the section does not have, or its captured length runs past the block) is skipped,
//! counted in the summary, and does not take a frame number; reading goes on. Wireshark stops
//! at both; we keep going because the next block is still reliably framed.

use std::io::Read;

use super::chunks::Chunks;
use super::summary::{
    ByteOrder, CaptureFormat, InterfaceInfo, InterfaceStats, MAX_OPTION_VALUES, SectionInfo,
    SkippedBlock,
};
use super::{
    CaptureError, Ctx, Frame, HostDirection, HostDrop, MAX_INTERFACES_PER_SECTION, MAX_NAME_LEN,
    MAX_RECORD_LEN, MAX_SUMMARY_ITEMS, MAX_SUMMARY_SKIPPED, PacketOrigin,
};

pub(crate) const SHB_MAGIC: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];
const BOM: u32 = 0x1a2b_3c4d;

const BT_IDB: u32 = 0x0000_0001;
const BT_PB: u32 = 0x0000_0002;
const BT_SPB: u32 = 0x0000_0003;
const BT_NRB: u32 = 0x0000_0004;
const BT_ISB: u32 = 0x0000_0005;
const BT_EPB: u32 = 0x0000_0006;
const BT_DSB: u32 = 0x0000_000a;
const BT_SHB: u32 = 0x0a0d_0d0a;
const BT_CB_COPY: u32 = 0x0000_0bad;
const BT_CB_NOCOPY: u32 = 0x4000_0bad;

/// Largest block accepted: a record of [`MAX_RECORD_LEN`] plus 64 KiB for the fixed fields and
/// options around it. Bounds the read buffer for pcapng.
pub(crate) const MAX_BLOCK_LEN: usize = MAX_RECORD_LEN + (64 << 10);

#[inline]
fn u16_at(be: bool, b: &[u8], at: usize) -> u16 {
    match b.get(at..at.saturating_add(2)) {
        Some(&[x, y]) if be => u16::from_be_bytes([x, y]),
        Some(&[x, y]) => u16::from_le_bytes([x, y]),
        _ => 0,
    }
}

#[inline]
fn u32_at(be: bool, b: &[u8], at: usize) -> u32 {
    match b.get(at..at.saturating_add(4)) {
        Some(&[w, x, y, z]) if be => u32::from_be_bytes([w, x, y, z]),
        Some(&[w, x, y, z]) => u32::from_le_bytes([w, x, y, z]),
        _ => 0,
    }
}

#[inline]
fn u64_at(be: bool, b: &[u8], at: usize) -> Option<u64> {
    let a: [u8; 8] = b.get(at..at.saturating_add(8))?.try_into().ok()?;
    Some(if be {
        u64::from_be_bytes(a)
    } else {
        u64::from_le_bytes(a)
    })
}

/// Calls `f(code, value)` for each option in `opts` until opt_endofopt or the end. A malformed
/// option (length past the end) ends the list quietly: options are decoration, and the packet
/// data before them is already framed.
fn for_each_option(be: bool, mut opts: &[u8], mut f: impl FnMut(u16, &[u8])) {
    while opts.len() >= 4 {
        let code = u16_at(be, opts, 0);
        let len = usize::from(u16_at(be, opts, 2));
        if code == 0 {
            return;
        }
        let Some(value) = opts.get(4..4 + len) else {
            return;
        };
        f(code, value);
        let padded = (len + 3) & !3;
        opts = opts.get(4 + padded..).unwrap_or(&[]);
    }
}

/// A string option (comment, hardware, interface name...): cut to [`MAX_NAME_LEN`] bytes and
/// at the first NUL (some writers pad with them), made UTF-8 lossily.
fn option_string(v: &[u8]) -> String {
    let v = v.get(..MAX_NAME_LEN).unwrap_or(v);
    let v = v.split(|&b| b == 0).next().unwrap_or(v);
    String::from_utf8_lossy(v).into_owned()
}

/// Converts an interface's timestamp units to nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TsScale {
    /// 10^-n with n <= 9: multiply.
    Mul(i128),
    /// 10^-n with n > 9: divide (0 when the divisor overflows: every timestamp is then 0 s).
    Div(i128),
    /// 2^-n.
    Pow2(u32),
}

impl TsScale {
    fn from_tsresol(v: u8) -> TsScale {
        let exp = u32::from(v & 0x7f);
        if v & 0x80 != 0 {
            TsScale::Pow2(exp)
        } else if exp <= 9 {
            TsScale::Mul(10i128.pow(9 - exp))
        } else {
            TsScale::Div(10i128.checked_pow(exp - 9).unwrap_or(0))
        }
    }

    #[inline]
    fn nanos(self, units: u64, offset_nanos: i64) -> i64 {
        let units = i128::from(units);
        let ns = match self {
            TsScale::Mul(m) => units * m,
            TsScale::Div(0) => 0,
            TsScale::Div(d) => units / d,
            // units < 2^64 and 1e9 < 2^30, so the product fits in i128.
            TsScale::Pow2(e) => (units * 1_000_000_000).checked_shr(e).unwrap_or(0),
        };
        let total = ns.saturating_add(i128::from(offset_nanos));
        total.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
    }
}

#[derive(Debug, Clone, Copy)]
struct Interface {
    linktype: u32,
    snaplen: u32,
    scale: TsScale,
    offset_nanos: i64,
}

struct Walker<'a> {
    ctx: &'a mut Ctx,
    be: bool,
    section: u32,
    /// Interfaces of the current section; bounded by [`MAX_INTERFACES_PER_SECTION`].
    interfaces: Vec<Interface>,
    /// Timestamp given to simple packet blocks, which carry none: the previous frame's, so
    /// durations stay sane.
    last_ts: i64,
}

pub(crate) fn read<R: Read, F: FnMut(&Frame<'_>)>(
    c: &mut Chunks<R>,
    ctx: &mut Ctx,
    sink: &mut F,
) -> Result<(), CaptureError> {
    ctx.summary.format = Some(CaptureFormat::Pcapng);
    let mut w = Walker {
        ctx,
        be: false,
        section: 0,
        interfaces: Vec::new(),
        last_ts: 0,
    };
    loop {
        if !c.fill(12).map_err(|e| w.ctx.io_error(c.bytes_read(), e))? {
            let left = c.left();
            if left == 0 {
                return Ok(());
            }
            return Err(w.ctx.truncated("pcapng block header", c.offset(), 12, left));
        }
        let offset = c.offset();
        let head = c.available();
        if head.get(..4) == Some(&SHB_MAGIC[..]) {
            // The section header's own length is in the byte order its BOM announces.
            w.be = match u32_at(false, head, 8) {
                BOM => false,
                x if x.swap_bytes() == BOM => true,
                bom => {
                    let input = w.ctx.summary.input.clone();
                    return Err(CaptureError::BadByteOrderMagic {
                        input,
                        offset,
                        bom: bom.swap_bytes(),
                    });
                }
            };
        }
        let block_type = u32_at(w.be, head, 0);
        let len32 = u32_at(w.be, head, 4);
        let len = len32 as usize;
        let bad = |reason| CaptureError::BadBlockLength {
            input: w.ctx.summary.input.clone(),
            offset,
            block_type,
            length: u64::from(len32),
            reason,
        };
        if len < 12 {
            return Err(bad("shorter than the 12-byte minimum"));
        }
        if !len.is_multiple_of(4) {
            return Err(bad("not a multiple of 4"));
        }
        if len > MAX_BLOCK_LEN {
            return Err(CaptureError::TooLarge {
                input: w.ctx.summary.input.clone(),
                what: "pcapng block",
                offset,
                length: u64::from(len32),
                limit: MAX_BLOCK_LEN as u64,
            });
        }
        if !c.fill(len).map_err(|e| w.ctx.io_error(c.bytes_read(), e))? {
            return Err(w.ctx.truncated("pcapng block", offset, len, c.left()));
        }
        let Some(block) = c.available().get(..len) else {
            return Err(w.ctx.truncated("pcapng block", offset, len, c.left()));
        };
        if u32_at(w.be, block, len - 4) != len32 {
            let input = w.ctx.summary.input.clone();
            return Err(CaptureError::BadBlockLength {
                input,
                offset,
                block_type,
                length: u64::from(len32),
                reason: "trailing length differs",
            });
        }
        let body = block.get(8..len - 4).unwrap_or(&[]);
        w.block(block_type, offset, body, sink)?;
        c.consume(len);
    }
}

impl Walker<'_> {
    fn block<F: FnMut(&Frame<'_>)>(
        &mut self,
        block_type: u32,
        offset: u64,
        body: &[u8],
        sink: &mut F,
    ) -> Result<(), CaptureError> {
        let be = self.be;
        let blocks = &mut self.ctx.summary.blocks;
        match block_type {
            BT_EPB => {
                blocks.enhanced_packet += 1;
                if body.len() < 20 {
                    self.skip(
                        offset,
                        block_type,
                        "enhanced packet block shorter than its 20-byte fixed part".into(),
                    );
                    return Ok(());
                }
                let if_id = u32_at(be, body, 0);
                self.timestamped_packet(offset, block_type, if_id, body, sink);
            }
            BT_SPB => {
                blocks.simple_packet += 1;
                let orig_len = u32_at(be, body, 0);
                let Some(data) = body.get(4..) else {
                    self.skip(
                        offset,
                        block_type,
                        "simple packet block shorter than its 4-byte fixed part".into(),
                    );
                    return Ok(());
                };
                // The captured length is not stored: it is the original length cut to the
                // interface's snaplen (0 = unlimited) and to what the block holds.
                let mut caplen = (orig_len as usize).min(data.len());
                if let Some(iface) = self.interfaces.first()
                    && iface.snaplen != 0
                {
                    caplen = caplen.min(iface.snaplen as usize);
                }
                self.packet(
                    offset,
                    block_type,
                    0,
                    None,
                    caplen,
                    orig_len,
                    Some(data),
                    None,
                    sink,
                );
            }
            BT_PB => {
                blocks.obsolete_packet += 1;
                if body.len() < 20 {
                    self.skip(
                        offset,
                        block_type,
                        "packet block shorter than its 20-byte fixed part".into(),
                    );
                    return Ok(());
                }
                // The obsolete PB has a 16-bit interface id and a drops count where the EPB
                // has a 32-bit id; the rest of the fixed part is the same.
                let if_id = u32::from(u16_at(be, body, 0));
                self.timestamped_packet(offset, block_type, if_id, body, sink);
            }
            BT_SHB => {
                blocks.section_header += 1;
                if body.len() < 16 {
                    return Err(self.bad_len(
                        offset,
                        block_type,
                        body,
                        "section header shorter than 28 bytes",
                    ));
                }
                let major = u16_at(be, body, 4);
                let minor = u16_at(be, body, 6);
                if major != 1 {
                    let input = self.ctx.summary.input.clone();
                    return Err(CaptureError::UnsupportedVersion {
                        input,
                        offset,
                        major,
                        minor,
                    });
                }
                let s = &mut self.ctx.summary;
                if s.section_count > 0 {
                    self.section = self.section.saturating_add(1);
                }
                s.section_count += 1;
                let byte_order = if be {
                    ByteOrder::Big
                } else {
                    ByteOrder::Little
                };
                s.byte_order.get_or_insert(byte_order);
                if s.sections.len() < MAX_SUMMARY_ITEMS {
                    let mut info = SectionInfo {
                        offset,
                        byte_order,
                        version_major: major,
                        version_minor: minor,
                        hardware: None,
                        os: None,
                        user_application: None,
                        comments: Vec::new(),
                    };
                    // Options follow the 16-byte fixed part (BOM, version, section length).
                    for_each_option(be, body.get(16..).unwrap_or(&[]), |code, v| match code {
                        1 if info.comments.len() < MAX_OPTION_VALUES => {
                            info.comments.push(option_string(v));
                        }
                        2 => info.hardware = Some(option_string(v)),
                        3 => info.os = Some(option_string(v)),
                        4 => info.user_application = Some(option_string(v)),
                        _ => {}
                    });
                    s.sections.push(info);
                }
                self.interfaces.clear();
            }
            BT_IDB => {
                blocks.interface_description += 1;
                if body.len() < 8 {
                    return Err(self.bad_len(
                        offset,
                        block_type,
                        body,
                        "interface description shorter than 20 bytes",
                    ));
                }
                if self.interfaces.len() >= MAX_INTERFACES_PER_SECTION {
                    let input = self.ctx.summary.input.clone();
                    return Err(CaptureError::TooManyInterfaces {
                        input,
                        offset,
                        limit: MAX_INTERFACES_PER_SECTION as u64,
                    });
                }
                let linktype = u32::from(u16_at(be, body, 0));
                let snaplen = u32_at(be, body, 4);
                let mut tsresol = 6u8;
                let mut tsoffset_secs = 0i64;
                let mut name = None;
                let mut description = None;
                let mut addresses = Vec::new();
                let mut mac = None;
                for_each_option(be, body.get(8..).unwrap_or(&[]), |code, v| {
                    match (code, v) {
                        (2, _) => name = Some(option_string(v)),
                        (3, _) => description = Some(option_string(v)),
                        // if_IPv4addr: address then mask; if_IPv6addr: address then prefix
                        // length. Only the address says which machine this is.
                        (4, &[a, b, c, d, ..]) if addresses.len() < MAX_OPTION_VALUES => {
                            addresses.push(std::net::IpAddr::from([a, b, c, d]));
                        }
                        (5, _) if addresses.len() < MAX_OPTION_VALUES => {
                            if let Some(a) = v.get(..16).and_then(|a| <[u8; 16]>::try_from(a).ok())
                            {
                                addresses.push(std::net::IpAddr::from(a));
                            }
                        }
                        (6, &[a, b, c, d, e, f, ..]) => {
                            mac = Some(format!("{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{f:02x}"));
                        }
                        (9, [r, ..]) => tsresol = *r,
                        (14, _) => {
                            if let Some(x) = u64_at(be, v, 0) {
                                tsoffset_secs = x as i64;
                            }
                        }
                        _ => {}
                    }
                });
                let id = self.interfaces.len() as u32;
                self.interfaces.push(Interface {
                    linktype,
                    snaplen,
                    scale: TsScale::from_tsresol(tsresol),
                    offset_nanos: tsoffset_secs.saturating_mul(1_000_000_000),
                });
                let s = &mut self.ctx.summary;
                s.interface_count += 1;
                s.add_linktype(linktype);
                if s.interfaces.len() < MAX_SUMMARY_ITEMS {
                    s.interfaces.push(InterfaceInfo {
                        section: self.section,
                        id,
                        offset,
                        linktype,
                        snaplen,
                        tsresol,
                        tsoffset_secs,
                        name,
                        description,
                        addresses,
                        mac,
                    });
                }
            }
            BT_ISB => {
                blocks.interface_statistics += 1;
                if body.len() < 12 || self.ctx.summary.interface_stats.len() >= MAX_SUMMARY_ITEMS {
                    return Ok(());
                }
                let interface_id = u32_at(be, body, 0);
                let units = (u64::from(u32_at(be, body, 4)) << 32) | u64::from(u32_at(be, body, 8));
                let ts_nanos = match self.interfaces.get(interface_id as usize) {
                    Some(i) => i.scale.nanos(units, i.offset_nanos),
                    None => TsScale::Mul(1000).nanos(units, 0),
                };
                let mut st = InterfaceStats {
                    section: self.section,
                    interface_id,
                    offset,
                    ts_nanos,
                    if_recv: None,
                    if_drop: None,
                    filter_accept: None,
                    os_drop: None,
                    usr_deliv: None,
                };
                for_each_option(be, body.get(12..).unwrap_or(&[]), |code, v| {
                    let x = u64_at(be, v, 0);
                    match code {
                        4 => st.if_recv = x,
                        5 => st.if_drop = x,
                        6 => st.filter_accept = x,
                        7 => st.os_drop = x,
                        8 => st.usr_deliv = x,
                        _ => {}
                    }
                });
                self.ctx.summary.interface_stats.push(st);
            }
            BT_NRB => blocks.name_resolution += 1,
            BT_DSB => blocks.decryption_secrets += 1,
            BT_CB_COPY | BT_CB_NOCOPY => blocks.custom += 1,
            _ => blocks.other += 1,
        }
        Ok(())
    }

    /// An EPB or PB whose body (at least 20 bytes, checked by the caller) holds the
    /// timestamp, captured and original lengths at bytes 4..20 and the data after.
    fn timestamped_packet<F: FnMut(&Frame<'_>)>(
        &mut self,
        offset: u64,
        block_type: u32,
        if_id: u32,
        body: &[u8],
        sink: &mut F,
    ) {
        let be = self.be;
        let units = (u64::from(u32_at(be, body, 4)) << 32) | u64::from(u32_at(be, body, 8));
        let caplen = u32_at(be, body, 12) as usize;
        let orig_len = u32_at(be, body, 16);
        // Options follow the data, padded to 32 bits. Only a comment is read, and only for
        // what `pktmon etl2pcap` writes there; a file without options pays one bounds check.
        let origin = (caplen.saturating_add(3) & !3)
            .checked_add(20)
            .and_then(|at| body.get(at..))
            .and_then(|opts| packet_origin(be, opts));
        self.packet(
            offset,
            block_type,
            if_id,
            Some(units),
            caplen,
            orig_len,
            body.get(20..),
            origin,
            sink,
        );
    }

    /// Delivers one packet block's frame, or skips the block when its content is unusable.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn packet<F: FnMut(&Frame<'_>)>(
        &mut self,
        offset: u64,
        block_type: u32,
        if_id: u32,
        units: Option<u64>,
        caplen: usize,
        orig_len: u32,
        rest: Option<&[u8]>,
        origin: Option<PacketOrigin>,
        sink: &mut F,
    ) {
        let Some(&iface) = self.interfaces.get(if_id as usize) else {
            let n = self.interfaces.len();
            self.skip(
                offset,
                block_type,
                format!("interface {if_id} not described (section has {n})"),
            );
            return;
        };
        let Some(data) = rest.and_then(|r| r.get(..caplen)) else {
            let room = rest.map_or(0, <[u8]>::len);
            self.skip(
                offset,
                block_type,
                format!("captured length {caplen} runs past the block ({room} bytes of data)"),
            );
            return;
        };
        let ts_nanos = match units {
            Some(u) => iface.scale.nanos(u, iface.offset_nanos),
            None => self.last_ts,
        };
        self.last_ts = ts_nanos;
        let s = &mut self.ctx.summary;
        s.frames += 1;
        sink(&Frame {
            number: s.frames,
            ts_nanos,
            linktype: iface.linktype,
            orig_len,
            offset,
            data,
            origin,
        });
    }

    fn skip(&mut self, offset: u64, block_type: u32, reason: String) {
        let s = &mut self.ctx.summary;
        s.skipped_blocks += 1;
        if s.skipped.len() < MAX_SUMMARY_SKIPPED {
            s.skipped.push(SkippedBlock {
                offset,
                block_type,
                reason,
            });
        }
    }

    fn bad_len(
        &self,
        offset: u64,
        block_type: u32,
        body: &[u8],
        reason: &'static str,
    ) -> CaptureError {
        CaptureError::BadBlockLength {
            input: self.ctx.summary.input.clone(),
            offset,
            block_type,
            length: body.len() as u64 + 12,
            reason,
        }
    }
}

/// opt_comment, the one option code every pcapng block shares.
const OPT_COMMENT: u16 = 1;
/// Longest comment read as Packet Monitor metadata: the real text is ~170 bytes (a drop with
/// a reason name ~250); anything longer is someone else's comment.
const MAX_PKTMON_COMMENT: usize = 1024;
/// Most comma-separated fields read from one comment (Packet Monitor writes 10 to 13).
const MAX_PKTMON_FIELDS: usize = 24;

/// The Packet Monitor metadata in a packet block's options, if a comment carries it.
fn packet_origin(be: bool, opts: &[u8]) -> Option<PacketOrigin> {
    let mut origin = None;
    for_each_option(be, opts, |code, value| {
        if code == OPT_COMMENT && origin.is_none() {
            origin = pktmon_comment(value);
        }
    });
    origin
}

/// Parses the per-packet comment `pktmon etl2pcap` writes, which is Packet Monitor's text
/// format of the packet event:
/// `PktGroupId 562949953421500, PktNumber 1, Appearance 1, Direction Tx , Type Ethernet ,
/// Component 78, Edge 1, Filter 1, OriginalSize 66, LoggedSize 66`; a drop starts with
/// `Drop: ` and adds `DropReason <code or name> , DropLocation 0xE000460A`. Tolerant: fields
/// in any order, extra spaces, unknown fields ignored, a leading timestamp skipped; a comment
/// without a readable `PktGroupId` is not Packet Monitor's and gives no origin. A drop reason
/// given as a name (etl2txt prints names) cannot be turned into its code here: it is kept as
/// code 0 (unknown), with the location.
pub(crate) fn pktmon_comment(text: &[u8]) -> Option<PacketOrigin> {
    if text.len() > MAX_PKTMON_COMMENT {
        return None;
    }
    let text = std::str::from_utf8(text).ok()?;
    let start = text.find("PktGroupId")?;
    let is_drop = text[..start].trim_end().ends_with("Drop:");
    let mut origin = PacketOrigin::default();
    let mut reason = None;
    let mut location = None;
    for field in text[start..].split(',').take(MAX_PKTMON_FIELDS) {
        let field = field.trim();
        let (key, value) = field.split_once(' ').unwrap_or((field, ""));
        let value = value.trim();
        match key {
            "PktGroupId" => origin.group_id = Some(value.parse().ok()?),
            "Component" => origin.component = value.parse().ok(),
            "Edge" => origin.edge = value.parse().ok(),
            "Direction" => {
                origin.direction = match value {
                    "Tx" => Some(HostDirection::Tx),
                    "Rx" => Some(HostDirection::Rx),
                    _ => None,
                }
            }
            "DropReason" => reason = Some(parse_code(value).unwrap_or(0)),
            "DropLocation" => location = parse_code(value),
            _ => {}
        }
    }
    if is_drop {
        origin.drop = Some(HostDrop {
            reason: reason.unwrap_or(0),
            location: location.unwrap_or(0),
        });
    }
    Some(origin)
}

/// A decimal or `0x` hexadecimal code.
fn parse_code(v: &str) -> Option<u32> {
    match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => v.parse().ok(),
    }
}

#[cfg(test)]
mod pktmon_comment_tests {
    use super::*;

    #[test]
    fn packet_comment_as_pktmon_writes_it() {
        let o = pktmon_comment(
            b"PktGroupId 562949953421500, PktNumber 1, Appearance 1, Direction Tx , Type Ethernet , Component 78, Edge 1, Filter 1, OriginalSize 66, LoggedSize 66",
        )
        .unwrap();
        assert_eq!(o.group_id, Some(562949953421500));
        assert_eq!(o.component, Some(78));
        assert_eq!(o.edge, Some(1));
        assert_eq!(o.direction, Some(HostDirection::Tx));
        assert_eq!(o.drop, None);
    }

    #[test]
    fn drop_comment_with_numeric_and_named_reasons() {
        let o = pktmon_comment(
            b"Drop: PktGroupId 10696049115005232, PktNumber 1, Appearance 1, Direction Rx, Type Ethernet, Component 2, Filter 0, DropReason 228, DropLocation 0xE000100F",
        )
        .unwrap();
        assert_eq!(o.component, Some(2));
        assert_eq!(o.direction, Some(HostDirection::Rx));
        assert_eq!(
            o.drop,
            Some(HostDrop {
                reason: 228,
                location: 0xE000_100F
            })
        );
        let named = pktmon_comment(
            b"12:00:00.000000000 Drop: PktGroupId 8444249301423149, PktNumber 1, Appearance 0, Direction Rx , Type IP , Component 49, Filter 1, DropReason INET: transport endpoint was not found , DropLocation 0xE000460A, OriginalSize 402, LoggedSize 148",
        )
        .unwrap();
        assert_eq!(named.component, Some(49));
        assert_eq!(
            named.drop,
            Some(HostDrop {
                reason: 0,
                location: 0xE000_460A
            })
        );
    }

    #[test]
    fn other_comments_give_no_origin() {
        for c in [
            &b"captured on the jump host"[..],
            b"PktGroupId x, Component 3",
            b"PktGroupId",
            b"\xff\xfe PktGroupId 1",
            &[b'a'; 2000],
        ] {
            assert_eq!(pktmon_comment(c), None, "{:?}", String::from_utf8_lossy(c));
        }
        // Fields it cannot read are left out, not fatal.
        let o = pktmon_comment(b"PktGroupId 7, Component many, Edge 70000, Direction Up").unwrap();
        assert_eq!(
            (o.group_id, o.component, o.edge, o.direction),
            (Some(7), None, None, None)
        );
    }

    #[test]
    fn comment_option_after_padded_data_is_read() {
        // Options start after the data padded to 4 bytes; a malformed option list is ignored.
        let text = b"PktGroupId 9, Component 4, Edge 1, Direction Rx";
        let mut opts = Vec::new();
        opts.extend_from_slice(&OPT_COMMENT.to_le_bytes());
        opts.extend_from_slice(&(text.len() as u16).to_le_bytes());
        opts.extend_from_slice(text);
        while opts.len() % 4 != 0 {
            opts.push(0);
        }
        opts.extend_from_slice(&[0, 0, 0, 0]);
        let o = packet_origin(false, &opts).unwrap();
        assert_eq!((o.group_id, o.component), (Some(9), Some(4)));
        assert_eq!(packet_origin(false, &opts[..6]), None);
        assert_eq!(packet_origin(false, &[]), None);
    }
}
