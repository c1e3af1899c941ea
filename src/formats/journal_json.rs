//! Stub: to be written.

use super::Chunk;
use crate::sink::Emit;

pub fn parse(chunk: Chunk<'_>, out: &mut dyn Emit) -> usize {
    super::plain::parse(chunk, out)
}

pub fn split_at(bytes: &[u8], near: usize) -> Option<usize> {
    super::next_line_start(bytes, near)
}

pub fn sniff(_head: &[u8]) -> bool {
    false
}
