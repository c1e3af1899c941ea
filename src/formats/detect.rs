//! Which format is this file? Decided from its content, with the name as a hint.
//!
//! The head of the file (first 64 KiB) is offered to each format's `sniff`
//! in an order that goes from the most specific shapes (export fields,
//! JSON keys, table headers) to the most general (klog, logfmt lines) and
//! ends with plain text, which accepts anything. Binary content is refused
//! here so that no parser ever sees it.

use crate::record::Format;

use super::{
    cri, docker_json, journal_export, journal_json, journal_text, klog, klog_json, kube_describe,
    kube_events, kube_table, logfmt,
};

/// How much of a file the detector looks at.
pub const HEAD_BYTES: usize = 64 * 1024;

/// The verdict for one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detected {
    Text(Format),
    /// Not text: NUL bytes or mostly control bytes in the head.
    Binary,
    /// Zero bytes.
    Empty,
}

/// Decide the format of a file from its first bytes and its name.
pub fn detect(name: &str, head: &[u8]) -> Detected {
    let head = &head[..head.len().min(HEAD_BYTES)];
    if head.is_empty() {
        return Detected::Empty;
    }
    // Export streams legitimately contain binary fields; check them first.
    if journal_export::sniff(head) {
        return Detected::Text(Format::JournalExport);
    }
    if looks_binary(head) {
        return Detected::Binary;
    }
    let lower = name.to_ascii_lowercase();
    let ordered: [(Format, fn(&[u8]) -> bool); 12] = [
        (Format::JournalJson, journal_json::sniff),
        (Format::DockerJson, docker_json::sniff),
        (Format::EventsJson, kube_events::sniff_json),
        (Format::KlogJson, klog_json::sniff),
        (Format::EventsYaml, kube_events::sniff_yaml),
        (Format::EventsTable, kube_table::sniff_events),
        (Format::ResourceTable, kube_table::sniff_resources),
        (Format::Describe, kube_describe::sniff),
        (Format::JournalText, journal_text::sniff),
        (Format::Cri, cri::sniff),
        (Format::Klog, klog::sniff),
        (Format::Logfmt, logfmt::sniff),
    ];
    // A name that says "events" prefers the event readers when both would match.
    if lower.contains("event") {
        for (format, sniff) in ordered.iter().filter(|(f, _)| {
            matches!(
                f,
                Format::EventsJson | Format::EventsYaml | Format::EventsTable
            )
        }) {
            if sniff(head) {
                return Detected::Text(*format);
            }
        }
    }
    for (format, sniff) in ordered {
        if sniff(head) {
            return Detected::Text(format);
        }
    }
    Detected::Text(Format::Plain)
}

/// NUL bytes, or more than 1 in 8 bytes being control characters other than
/// tab/CR/LF/ESC/form feed, in the head of the file.
pub fn looks_binary(head: &[u8]) -> bool {
    if memchr::memchr(0, head).is_some() {
        return true;
    }
    let control = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x1b | 0x0c | 0x1e))
        .count();
    control * 8 > head.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_binary_and_plain() {
        assert_eq!(detect("x", b""), Detected::Empty);
        assert_eq!(detect("x", b"\x7fELF\x02\x01\x01\0\0\0"), Detected::Binary);
        assert_eq!(
            detect("notes.txt", b"hello world\n"),
            Detected::Text(Format::Plain)
        );
    }
}
