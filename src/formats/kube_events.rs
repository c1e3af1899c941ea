//! Stub: to be written.

use super::Chunk;
use crate::sink::Emit;

pub fn parse_json(chunk: Chunk<'_>, out: &mut dyn Emit) -> usize {
    super::plain::parse(chunk, out)
}

pub fn parse_yaml(chunk: Chunk<'_>, out: &mut dyn Emit) -> usize {
    super::plain::parse(chunk, out)
}

pub fn sniff_json(_head: &[u8]) -> bool {
    false
}

pub fn sniff_yaml(_head: &[u8]) -> bool {
    false
}
