//! A serde [`Serializer`](ser::Serializer) that writes exactly the bytes of serde_json's
//! compact `to_writer`, into a `Vec<u8>`, for the flow records `arcaudit flows` prints by
//! the tens of thousands.
//!
//! The records' `#[derive(Serialize)]` stays the one description of the schema; only the
//! writing differs. serde_json looks at every byte of a string through a table (a quarter of
//! all the instructions of `flows`, mostly the JA3 and JA4_r strings of every hello, which
//! hold nothing to escape) and writes through `io::Write` token by token. Here strings are
//! scanned eight bytes at a time and copied in runs, integers are formatted with a
//! two-digit table, and everything lands in one growing buffer. Floats and map keys,
//! which flow records do not hold, are handed to serde_json itself, so they cannot differ.
//! The tests compare both renderings over adversarial strings and every flow of every
//! sample capture (and of the shared corpus when it is there).

use serde::ser::{self, Serialize};
use std::fmt;

/// serde_json's error type, so callers map one kind of failure whichever writer ran.
pub(crate) type Error = serde_json::Error;

/// Appends the JSON of `value` to `out`, byte for byte what `serde_json::to_writer` writes.
/// `names` keeps the renderings of field and variant names from one value to the next. On
/// an error `out` may hold part of the value: the caller truncates it.
pub(crate) fn to_vec<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    names: &mut Names,
    value: &T,
) -> Result<(), Error> {
    value.serialize(&mut Writer { out, names })
}

/// Bytes copied for a known name: its rendering as a key (`,"name":`) must fit.
const NAME_BYTES: usize = 48;
/// Names kept: a record type has a hundred or so field names, variant names included.
const NAME_SLOTS: usize = 512;
/// Slots looked at for one name before it is written without the table.
const NAME_PROBES: usize = 8;

/// Renderings of the `&'static str` names serde hands over: field names and unit variants
/// (`"client_hello"`, `"closed"`), the same few hundred again in every record. Looked up by
/// the string's address and length, so a hit costs a hash and one fixed-size copy instead
/// of a scan; a slot that two names share is simply rendered again. Fixed size.
pub(crate) struct Names {
    slots: Box<[NameSlot; NAME_SLOTS]>,
    /// Where a name is rendered before it is kept.
    scratch: Vec<u8>,
}

#[derive(Clone, Copy)]
struct NameSlot {
    name: &'static str,
    /// Bytes of `rendered` in use; 0 for a slot not filled yet.
    len: u8,
    /// The name as a key after another: `,"name":` (one byte more than a copy, so that a
    /// copy may start after the comma).
    rendered: [u8; NAME_BYTES + 1],
}

impl Default for Names {
    fn default() -> Self {
        let empty = NameSlot {
            name: "",
            len: 0,
            rendered: [0; NAME_BYTES + 1],
        };
        Names {
            slots: Box::new([empty; NAME_SLOTS]),
            scratch: Vec::new(),
        }
    }
}

impl Names {
    /// The slot of `name`, filled on first sight; `None` for a name too long to keep, or
    /// when its neighbourhood of the table is full (not with the names of one schema).
    /// Open addressing: a name, once kept, stays, so two names never take turns.
    #[inline(always)]
    fn slot(&mut self, name: &'static str) -> Option<&NameSlot> {
        // Fibonacci hashing of the address: the top bits of the product.
        let address = name.as_ptr() as usize as u64;
        let home = (address.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 55) as usize;
        for probe in 0..NAME_PROBES {
            let index = (home + probe) % NAME_SLOTS;
            let slot = &self.slots[index];
            if slot.len != 0 && std::ptr::eq(slot.name, name) {
                return Some(&self.slots[index]);
            }
            if slot.len == 0 {
                return self.fill(index, name);
            }
        }
        None
    }

    /// Renders `name` into the empty slot `index`.
    #[cold]
    #[inline(never)]
    fn fill(&mut self, index: usize, name: &'static str) -> Option<&NameSlot> {
        self.scratch.clear();
        self.scratch.push(b',');
        write_str(&mut self.scratch, name);
        self.scratch.push(b':');
        let slot = self.slots.get_mut(index)?;
        let head = slot.rendered.get_mut(..self.scratch.len())?;
        head.copy_from_slice(&self.scratch);
        slot.name = name;
        slot.len = self.scratch.len() as u8;
        Some(slot)
    }

    /// Appends `name` as an object's key with its colon, after a comma unless `first`.
    #[inline(always)]
    fn key(&mut self, out: &mut Vec<u8>, name: &'static str, first: bool) {
        let skip = usize::from(first);
        let Some(slot) = self.slot(name) else {
            if !first {
                out.push(b',');
            }
            write_str(out, name);
            out.push(b':');
            return;
        };
        // A copy of a fixed size (no call to memcpy), cut back to the rendering's length.
        let start = out.len();
        out.extend_from_slice(&slot.rendered[skip..skip + NAME_BYTES]);
        out.truncate(start + usize::from(slot.len) - skip);
    }

    /// Appends `name` as a string value, as [`write_str`] does.
    #[inline]
    fn value(&mut self, out: &mut Vec<u8>, name: &'static str) {
        let Some(slot) = self.slot(name) else {
            write_str(out, name);
            return;
        };
        let start = out.len();
        out.extend_from_slice(&slot.rendered[1..1 + NAME_BYTES]);
        out.truncate(start + usize::from(slot.len) - 2);
    }
}

/// Appends `s` as a JSON string, quotes included, escaped as serde_json escapes it.
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    out.reserve(b.len() + 2);
    out.push(b'"');
    let mut i = 0;
    loop {
        let j = next_escape(b, i);
        out.extend_from_slice(b.get(i..j).unwrap_or_default());
        let Some(&byte) = b.get(j) else {
            break;
        };
        escape_byte(out, byte);
        i = j + 1;
    }
    out.push(b'"');
}

const ONES: u64 = u64::from_ne_bytes([1; 8]);
const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);

/// Non-zero when any byte of the word is one JSON escapes: below 0x20, `"` or `\`. Each
/// test is the classic "has a byte less than n" (zero, for the equality tests): a byte can
/// be flagged falsely only above a true one (the borrow runs upwards), so the answer for
/// the word as a whole is exact, and the caller finds the byte itself.
#[inline(always)]
fn escape_flags(w: u64) -> u64 {
    let control = w.wrapping_sub(ONES * 0x20) & !w;
    let q = w ^ (ONES * u64::from(b'"'));
    let quote = q.wrapping_sub(ONES) & !q;
    let s = w ^ (ONES * u64::from(b'\\'));
    let backslash = s.wrapping_sub(ONES) & !s;
    (control | quote | backslash) & HIGH
}

/// The eight bytes at `at`, if there are eight.
#[inline(always)]
fn word_at(b: &[u8], at: usize) -> Option<u64> {
    let chunk = b.get(at..at.checked_add(8)?)?;
    <[u8; 8]>::try_from(chunk).ok().map(u64::from_ne_bytes)
}

#[inline]
fn byte_needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// The index of the first byte at or after `from` that needs an escape, or `b.len()`.
#[inline]
fn next_escape(b: &[u8], from: usize) -> usize {
    let mut i = from;
    // Sixteen bytes a turn, then one more word.
    while let (Some(lo), Some(hi)) = (word_at(b, i), word_at(b, i + 8)) {
        if escape_flags(lo) | escape_flags(hi) != 0 {
            break;
        }
        i += 16;
    }
    if let Some(w) = word_at(b, i)
        && escape_flags(w) == 0
    {
        i += 8;
    }
    // Fewer than eight bytes left unchecked (or a word with a hit): when the string is a
    // word long, its last word (overlapping bytes known to be clean) clears them at once.
    if let Some(last_start) = b.len().checked_sub(8)
        && last_start >= from
        && last_start < i
        && word_at(b, last_start).is_some_and(|w| escape_flags(w) == 0)
    {
        return b.len();
    }
    while let Some(&byte) = b.get(i) {
        if byte_needs_escape(byte) {
            return i;
        }
        i += 1;
    }
    b.len()
}

/// serde_json's escape of one byte: the short forms of JSON for `"`, `\` and five
/// controls, `\u00XX` in lowercase hex for the other controls. Nothing else is escaped
/// (not DEL, not `/`, not non-ASCII).
#[cold]
fn escape_byte(out: &mut Vec<u8>, byte: u8) {
    let short = match byte {
        b'"' => b'"',
        b'\\' => b'\\',
        0x08 => b'b',
        0x09 => b't',
        0x0a => b'n',
        0x0c => b'f',
        0x0d => b'r',
        _ => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(byte >> 4)]);
            out.push(HEX[usize::from(byte & 0xf)]);
            return;
        }
    };
    out.extend_from_slice(&[b'\\', short]);
}

/// "00" to "99", two bytes each.
const PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// The two digits of `n` (below 100).
#[inline]
fn pair(n: usize) -> [u8; 2] {
    let i = n % 100 * 2;
    [PAIRS[i], PAIRS[i + 1]]
}

/// Appends the decimal digits of `n`. Numbers of up to five digits (ports, counters, the
/// u16 code points of hellos, most of what a record holds) are written as a fixed-size
/// array each, which the compiler stores directly; longer ones go through a buffer.
#[inline(always)]
fn write_u64(out: &mut Vec<u8>, n: u64) {
    if n < 100_000 {
        let n = n as usize;
        match n {
            0..10 => out.push(b'0' + n as u8),
            10..100 => out.extend_from_slice(&pair(n)),
            100..1_000 => {
                let [a, b] = pair(n);
                out.extend_from_slice(&[b'0' + (n / 100) as u8, a, b]);
            }
            1_000..10_000 => {
                let ([a, b], [c, d]) = (pair(n / 100), pair(n));
                out.extend_from_slice(&[a, b, c, d]);
            }
            _ => {
                let ([a, b], [c, d]) = (pair(n / 100), pair(n));
                out.extend_from_slice(&[b'0' + (n / 10_000) as u8, a, b, c, d]);
            }
        }
        return;
    }
    write_long(out, n);
}

/// [`write_u64`] for numbers of six digits and more: four at a time from the right, as
/// itoa does.
fn write_long(out: &mut Vec<u8>, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut pos = buf.len();
    while n >= 10_000 {
        let rem = (n % 10_000) as usize;
        n /= 10_000;
        let (hi, lo) = (rem / 100 * 2, rem % 100 * 2);
        pos -= 4;
        buf[pos..pos + 2].copy_from_slice(&PAIRS[hi..hi + 2]);
        buf[pos + 2..pos + 4].copy_from_slice(&PAIRS[lo..lo + 2]);
    }
    // Below 10,000 now.
    let mut n = n as usize;
    if n >= 100 {
        let lo = n % 100 * 2;
        n /= 100;
        pos -= 2;
        buf[pos..pos + 2].copy_from_slice(&PAIRS[lo..lo + 2]);
    }
    if n >= 10 {
        pos -= 2;
        buf[pos..pos + 2].copy_from_slice(&PAIRS[n * 2..n * 2 + 2]);
    } else {
        pos -= 1;
        buf[pos] = b'0' + n as u8;
    }
    out.extend_from_slice(&buf[pos..]);
}

fn write_i64(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    write_u64(out, n.unsigned_abs());
}

/// Hands a value to serde_json itself (floats, 128-bit integers): not in flow records, so
/// not worth a second implementation.
fn by_serde_json<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result<(), Error> {
    serde_json::to_writer(out, value)
}

struct Writer<'a> {
    out: &'a mut Vec<u8>,
    names: &'a mut Names,
}

/// Where a sequence or map is: serde_json's `State` (`Empty` for one opened with a length
/// of zero, closed at once).
#[derive(PartialEq, Eq)]
enum State {
    Empty,
    First,
    Rest,
}

struct Compound<'w, 'a> {
    w: &'w mut Writer<'a>,
    state: State,
}

impl<'w, 'a> ser::Serializer for &'w mut Writer<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'w, 'a>;
    type SerializeTuple = Compound<'w, 'a>;
    type SerializeTupleStruct = Compound<'w, 'a>;
    type SerializeTupleVariant = Compound<'w, 'a>;
    type SerializeMap = Compound<'w, 'a>;
    type SerializeStruct = Compound<'w, 'a>;
    type SerializeStructVariant = Compound<'w, 'a>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        // Two fixed-size copies rather than one of either length.
        if v {
            self.out.extend_from_slice(b"true");
        } else {
            self.out.extend_from_slice(b"false");
        }
        Ok(())
    }
    #[inline]
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        write_i64(self.out, i64::from(v));
        Ok(())
    }
    #[inline]
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        write_i64(self.out, i64::from(v));
        Ok(())
    }
    #[inline]
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        write_i64(self.out, i64::from(v));
        Ok(())
    }
    #[inline]
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        write_i64(self.out, v);
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        by_serde_json(self.out, &v)
    }
    #[inline]
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        write_u64(self.out, u64::from(v));
        Ok(())
    }
    #[inline]
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        write_u64(self.out, u64::from(v));
        Ok(())
    }
    #[inline]
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        write_u64(self.out, u64::from(v));
        Ok(())
    }
    #[inline]
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        write_u64(self.out, v);
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        by_serde_json(self.out, &v)
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        by_serde_json(self.out, &v)
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        by_serde_json(self.out, &v)
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        write_str(self.out, v.encode_utf8(&mut [0u8; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        write_str(self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        // serde_json writes bytes as an array of numbers.
        let mut seq = ser::Serializer::serialize_seq(self, Some(v.len()))?;
        for b in v {
            ser::SerializeSeq::serialize_element(&mut seq, b)?;
        }
        ser::SerializeSeq::end(seq)
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.names.value(self.out, variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.out.push(b'{');
        write_str(self.out, variant);
        self.out.push(b':');
        value.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Compound<'w, 'a>, Error> {
        self.out.push(b'[');
        let state = if len == Some(0) {
            self.out.push(b']');
            State::Empty
        } else {
            State::First
        };
        Ok(Compound { w: self, state })
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'w, 'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Compound<'w, 'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'w, 'a>, Error> {
        self.out.push(b'{');
        write_str(self.out, variant);
        self.out.push(b':');
        self.serialize_seq(Some(len))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Compound<'w, 'a>, Error> {
        self.out.push(b'{');
        let state = if len == Some(0) {
            self.out.push(b'}');
            State::Empty
        } else {
            State::First
        };
        Ok(Compound { w: self, state })
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Compound<'w, 'a>, Error> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'w, 'a>, Error> {
        self.out.push(b'{');
        write_str(self.out, variant);
        self.out.push(b':');
        self.serialize_map(Some(len))
    }
    fn collect_str<T: fmt::Display + ?Sized>(self, value: &T) -> Result<(), Error> {
        /// Escapes each piece the formatter hands over, as serde_json's adapter does.
        struct Escaping<'v>(&'v mut Vec<u8>);
        impl fmt::Write for Escaping<'_> {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                let start = self.0.len();
                write_str(self.0, s);
                // Drop the quotes around the piece: only the whole gets them.
                self.0.remove(start);
                self.0.pop();
                Ok(())
            }
        }
        self.out.push(b'"');
        fmt::write(&mut Escaping(self.out), format_args!("{value}"))
            .map_err(|_| ser::Error::custom("a Display implementation returned an error"))?;
        self.out.push(b'"');
        Ok(())
    }
}

impl Compound<'_, '_> {
    /// The separator before an element or key: none before the first.
    #[inline]
    fn next(&mut self) {
        if self.state != State::First {
            self.w.out.push(b',');
        }
        self.state = State::Rest;
    }

    /// Ends the array or object with `close` (an empty one was closed when it was opened),
    /// then, for an enum variant's value, the `{"Variant":...}` object around it.
    fn close(self, close: u8, variant: bool) -> Result<(), Error> {
        if self.state != State::Empty {
            self.w.out.push(close);
        }
        if variant {
            self.w.out.push(b'}');
        }
        Ok(())
    }
}

impl ser::SerializeSeq for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.next();
        value.serialize(&mut *self.w)
    }
    fn end(self) -> Result<(), Error> {
        self.close(b']', false)
    }
}

impl ser::SerializeTuple for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), Error> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), Error> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), Error> {
        self.close(b']', true)
    }
}

/// A map with the one key and a null value: serde_json renders it `{KEY:null}`, so the
/// key's rendering (strings, numbers quoted, errors for the rest) is serde_json's own.
struct KeyOnly<'k, K: ?Sized>(&'k K);

impl<K: Serialize + ?Sized> Serialize for KeyOnly<'_, K> {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use ser::SerializeMap;
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry(self.0, &())?;
        m.end()
    }
}

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.next();
        let mut rendered = Vec::new();
        serde_json::to_writer(&mut rendered, &KeyOnly(key))?;
        let key = rendered
            .get(1..rendered.len().saturating_sub(b":null}".len()))
            .unwrap_or_default();
        self.w.out.extend_from_slice(key);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.w.out.push(b':');
        value.serialize(&mut *self.w)
    }
    fn end(self) -> Result<(), Error> {
        self.close(b'}', false)
    }
}

impl ser::SerializeStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let first = self.state == State::First;
        self.state = State::Rest;
        self.w.names.key(self.w.out, key, first);
        value.serialize(&mut *self.w)
    }
    fn end(self) -> Result<(), Error> {
        ser::SerializeMap::end(self)
    }
}

impl ser::SerializeStructVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        ser::SerializeStruct::serialize_field(self, key, value)
    }
    fn end(self) -> Result<(), Error> {
        self.close(b'}', true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use std::collections::BTreeMap;

    fn ours<T: Serialize + ?Sized>(v: &T) -> Vec<u8> {
        let mut out = Vec::new();
        to_vec(&mut out, &mut Names::default(), v).expect("serializes");
        // Again with the names known.
        let mut names = Names::default();
        to_vec(&mut Vec::new(), &mut names, v).expect("serializes");
        let mut again = Vec::new();
        to_vec(&mut again, &mut names, v).expect("serializes");
        assert_eq!(out, again, "with the names known");
        out
    }

    fn theirs<T: Serialize + ?Sized>(v: &T) -> Vec<u8> {
        serde_json::to_vec(v).expect("serializes")
    }

    #[track_caller]
    fn same<T: Serialize + ?Sized>(v: &T) {
        let (a, b) = (ours(v), theirs(v));
        assert_eq!(
            String::from_utf8_lossy(&a),
            String::from_utf8_lossy(&b),
            "bytes differ"
        );
        assert_eq!(a, b);
    }

    /// A small deterministic generator (xorshift), so a failure reproduces.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn every_single_character_is_escaped_as_serde_json_does() {
        for c in (0u32..0x800).chain([0xfffd, 0x10ffff, 0x2028, 0x2029, 0xfeff]) {
            let Some(c) = char::from_u32(c) else {
                continue;
            };
            same(&c);
            same(&c.to_string());
            // The character at every offset of a word, so the word scan meets it
            // everywhere, next to clean bytes.
            for pad in 0..17 {
                same(&format!("{}{c}{}", "a".repeat(pad), "b".repeat(16 - pad)));
            }
        }
    }

    #[test]
    fn random_strings_are_escaped_as_serde_json_does() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        // Mostly what needs an escape or sits near it (controls, quote, backslash, DEL,
        // 0x1f/0x20 boundaries, bytes that become 0x22/0x5c after a borrow), plus
        // non-ASCII characters of every UTF-8 length.
        let alphabet: Vec<char> = "\u{0}\u{1}\u{8}\t\n\u{b}\u{c}\r\u{1b}\u{1f} !\"#[\\]^_`\u{7f}\u{80}\u{9f}\u{a0}é€\u{ffff}😀aZ09,-_.:/<>&'".chars().collect();
        for n in 0..40_000 {
            // Half the strings mostly clean, with a rare escape anywhere in long runs.
            let rare = n % 2 == 0;
            let len = (rng.next() % 100) as usize;
            let s: String = (0..len)
                .map(|_| {
                    let r = rng.next();
                    if rare {
                        if r.is_multiple_of(30) {
                            alphabet[(r >> 8) as usize % alphabet.len()]
                        } else {
                            'x'
                        }
                    } else if r.is_multiple_of(4) {
                        // Any scalar value.
                        char::from_u32((r >> 8) as u32 % 0x11_0000).unwrap_or('x')
                    } else {
                        alphabet[(r >> 8) as usize % alphabet.len()]
                    }
                })
                .collect();
            same(&s);
        }
    }

    #[test]
    fn hostile_names_from_the_samples_are_escaped_as_serde_json_does() {
        for s in [
            "\u{1b}[31m management.azure.com \n\u{1b}[0m ok",
            "<script>alert(1)</script>",
            "\"><svg onload=alert(4)>",
            "a\\\"b\"\\",
            "771,4865-4866-4867-49195-49199-52393-52392-49196-49200-49171-49172-156-157-47-53,0-23-65281-10-11-35-16-5-13-18-51-45-43-27-17513,29-23-24,0",
            "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601",
            "",
        ] {
            same(&s);
        }
    }

    #[test]
    fn integers_at_their_bounds_are_written_as_serde_json_does() {
        let mut rng = Rng(7);
        let mut values: Vec<u64> = vec![0, 9, 10, 99, 100, 101, 999, 1000, u64::MAX, u64::MAX - 1];
        for p in 0..20 {
            let t = 10u64.saturating_pow(p);
            values.extend([t.saturating_sub(1), t, t.saturating_add(1)]);
        }
        values.extend((0..1000).map(|_| rng.next() >> (rng.next() % 64)));
        for v in values {
            same(&v);
            same(&(v as u8));
            same(&(v as u16));
            same(&(v as u32));
            same(&(v as i64));
            same(&(v as i8));
            same(&(v as i16));
            same(&(v as i32));
            same(&u128::from(v));
            same(&-i128::from(v));
        }
        same(&i64::MIN);
        same(&f64::NAN);
        same(&1.5f64);
        same(&0.1f32);
    }

    #[derive(Serialize)]
    struct Unit;
    #[derive(Serialize)]
    struct Newtype(u16);
    #[derive(Serialize)]
    struct Tuple(u8, &'static str);
    #[derive(Serialize)]
    struct Empty {}
    #[derive(Serialize)]
    enum Shape {
        Unit,
        New(u32),
        Tuple(u8, u8),
        Empty(),
        Struct { a: u8, b: Option<u8> },
        NoFields {},
    }
    #[derive(Serialize)]
    #[serde(tag = "kind", content = "value", rename_all = "snake_case")]
    enum Adjacent {
        A(std::net::Ipv4Addr),
        Other { len: u16 },
    }
    #[derive(Serialize)]
    #[serde(tag = "type")]
    enum Internal {
        X { n: u8 },
    }
    #[derive(Serialize)]
    struct Outer {
        #[serde(rename = "type")]
        kind: &'static str,
        #[serde(flatten)]
        inner: Inner,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        bytes: serde_bytes_like::Bytes,
    }
    #[derive(Serialize)]
    struct Inner {
        x: Vec<u8>,
        y: Vec<Vec<u8>>,
    }
    mod serde_bytes_like {
        pub struct Bytes(pub Vec<u8>);
        impl serde::Serialize for Bytes {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(&self.0)
            }
        }
    }

    #[test]
    fn every_shape_of_the_data_model_is_written_as_serde_json_does() {
        same(&Unit);
        same(&Newtype(443));
        same(&Tuple(1, "x"));
        same(&Empty {});
        same(&());
        same(&(1u8, "two", 3.5f64));
        same(&[
            Shape::Unit,
            Shape::New(7),
            Shape::Tuple(1, 2),
            Shape::Empty(),
        ]);
        same(&Shape::Struct { a: 1, b: None });
        same(&Shape::NoFields {});
        same(&[
            Adjacent::A("10.0.0.1".parse().unwrap()),
            Adjacent::Other { len: 3 },
        ]);
        same(&Internal::X { n: 1 });
        same(&Outer {
            kind: "flow",
            inner: Inner {
                x: vec![],
                y: vec![vec![], vec![1, 2]],
            },
            skipped: None,
            bytes: serde_bytes_like::Bytes(vec![0, 255]),
        });
        same(&Some(Some(3u8)));
        same(&None::<u8>);
        same(&true);
        same(&'"');
        let addrs: Vec<std::net::SocketAddr> = vec![
            "13.69.109.180:443".parse().unwrap(),
            "[2001:db8::1]:8080".parse().unwrap(),
        ];
        same(&addrs);
        let ips: Vec<std::net::IpAddr> = vec![
            "::ffff:1.2.3.4".parse().unwrap(),
            "0.0.0.0".parse().unwrap(),
        ];
        same(&ips);
        let mut m: BTreeMap<String, u8> = BTreeMap::new();
        same(&m);
        m.insert("a\"\n".into(), 1);
        m.insert("b".into(), 2);
        same(&m);
        let numbers: BTreeMap<i32, BTreeMap<u8, bool>> =
            [(-1, [(2, true)].into()), (5, BTreeMap::new())].into();
        same(&numbers);
        let chars: BTreeMap<char, ()> = [('\u{7}', ())].into();
        same(&chars);
        let bad: BTreeMap<Vec<u8>, u8> = [(vec![1], 1)].into();
        assert!(to_vec(&mut Vec::new(), &mut Names::default(), &bad).is_err());
        assert!(serde_json::to_vec(&bad).is_err());
    }

    #[test]
    fn collect_str_escapes_the_whole_display_as_serde_json_does() {
        struct Shown(&'static str);
        impl fmt::Display for Shown {
            // Several pieces, each escaped on its own.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a\"{}\\{}", 1, self.0)?;
                f.write_str("\n\u{1}")
            }
        }
        struct Collected;
        impl Serialize for Collected {
            fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(&Shown("é\u{7f}"))
            }
        }
        same(&Collected);
    }

    /// Every capture file under `dir`, recursively.
    fn captures(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                captures(&p, out);
            } else if p.extension().is_some_and(|x| {
                !matches!(
                    x.to_str(),
                    Some("tsv" | "md" | "txt" | "sh" | "json" | "py" | "go")
                )
            }) {
                out.push(p);
            }
        }
    }

    #[test]
    fn every_flow_of_every_sample_is_written_as_serde_json_does() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        captures(&root.join("samples"), &mut files);
        let samples = files.len();
        assert!(samples > 40, "samples/ holds {samples} captures");
        // The shared corpus (fuzzer-found and truncated captures), when it is there.
        captures(&root.join("../shared/corpus"), &mut files);
        let cfg = crate::pipeline::PipelineConfig::default();
        let mut names = Names::default();
        let mut flows = 0;
        for f in &files {
            let input = crate::capture::Input::Path(f.clone());
            let mut mine = Vec::new();
            crate::pipeline::analyze(&input, &cfg, &mut |flow| {
                mine.clear();
                to_vec(&mut mine, &mut names, &flow).expect("a flow serializes");
                let serde = serde_json::to_vec(&flow).expect("a flow serializes");
                assert!(
                    mine == serde,
                    "{}: flow at frame {}",
                    f.display(),
                    flow.frames.first
                );
                flows += 1;
            });
        }
        eprintln!(
            "{flows} flows of {samples} samples and {} corpus files",
            files.len() - samples
        );
        assert!(flows > 1000);
    }
}
