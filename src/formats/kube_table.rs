//! Stub: to be written.

use super::Chunk;
use crate::sink::Emit;

pub fn parse_events(chunk: Chunk<'_>, out: &mut dyn Emit) -> usize {
    super::plain::parse(chunk, out)
}

pub fn parse_resources(chunk: Chunk<'_>, out: &mut dyn Emit) -> usize {
    super::plain::parse(chunk, out)
}

pub fn sniff_events(_head: &[u8]) -> bool {
    false
}

pub fn sniff_resources(_head: &[u8]) -> bool {
    false
}
