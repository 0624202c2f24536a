//! A bounded store for the facts of one capture: records are kept in memory up to a budget,
//! then written in sorted runs to an unnamed temporary file and read back, merged in key
//! order, as often as the audit needs them. The audit of a capture of any size then holds
//! a bounded number of records at once instead of all of them.

/// A value a spool can write to its file and read back. The encoding is private to the
/// process that wrote it (never a file format another program reads), so it only has to
/// round-trip; decoding refuses malformed bytes instead of panicking.
pub trait Spooled: Sized {
    /// Appends the encoding of `self` to `out`.
    fn encode(&self, out: &mut Vec<u8>);
    /// Reads one value from the front of `input` and advances it past the value; `None`
    /// when the bytes are not one value's encoding.
    fn decode(input: &mut &[u8]) -> Option<Self>;
}
