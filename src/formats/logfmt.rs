//! Stub: to be written.

use super::Chunk;
use crate::sink::Emit;

pub fn parse(chunk: Chunk<'_>, out: &mut dyn Emit) -> usize {
    super::plain::parse(chunk, out)
}

pub fn split_at(bytes: &[u8], near: usize) -> Option<usize> {
    super::next_line_start(bytes, near)
}

/// Decoded `key=value` pairs of a logfmt tail.
pub fn pairs(
    _raw: &str,
) -> impl Iterator<Item = (std::borrow::Cow<'_, str>, std::borrow::Cow<'_, str>)> {
    std::iter::empty()
}

pub fn sniff(_head: &[u8]) -> bool {
    false
}
