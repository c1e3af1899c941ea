//! Any text: one record per line, so that nothing in a bundle is invisible.

use super::Chunk;
use crate::record::{Format, Record};
use crate::sink::{Emit, Skip, SkipReason};

pub fn parse(chunk: Chunk<'_>, out: &mut dyn Emit) -> usize {
    let mut lines = chunk.lines();
    for line in lines.by_ref() {
        if line.is_blank() {
            out.skip(Skip {
                position: line.position(1),
                reason: SkipReason::Blank,
                detail: "".into(),
            });
            continue;
        }
        out.record(Record::new(Format::Plain, line.position(1), line.text()));
    }
    lines.consumed()
}

pub fn split_at(bytes: &[u8], near: usize) -> Option<usize> {
    super::next_line_start(bytes, near)
}

pub fn sniff(_head: &[u8]) -> bool {
    true
}
