//! Escaping and line builders shared by the writers: Go `strconv.Quote`,
//! JSON strings (plain and Docker's HTML-safe variant), klog headers and
//! logrus (logfmt) lines. Each writes into a caller's buffer, no allocation.

use crate::clock::{self, Micros, Zone};

const HEX: &[u8] = b"0123456789abcdef";

/// Go `strconv.Quote` of `s` (quotes included).
pub fn go_quote(buf: &mut Vec<u8>, s: &[u8]) {
    buf.push(b'"');
    for &b in s {
        match b {
            b'"' => buf.extend_from_slice(b"\\\""),
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            0..=0x1f | 0x7f => {
                buf.extend_from_slice(b"\\x");
                buf.push(HEX[(b >> 4) as usize]);
                buf.push(HEX[(b & 15) as usize]);
            }
            _ => buf.push(b),
        }
    }
    buf.push(b'"');
}

/// A JSON string (quotes included). With `html_safe`, `<`, `>` and `&` become
/// `\u003c`, `\u003e`, `\u0026` as Docker's and Go's encoders write them.
pub fn json_str(buf: &mut Vec<u8>, s: &[u8], html_safe: bool) {
    buf.push(b'"');
    for &b in s {
        match b {
            b'"' => buf.extend_from_slice(b"\\\""),
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            b'<' | b'>' | b'&' if html_safe => {
                buf.extend_from_slice(b"\\u00");
                buf.push(HEX[(b >> 4) as usize]);
                buf.push(HEX[(b & 15) as usize]);
            }
            0..=0x1f => {
                buf.extend_from_slice(b"\\u00");
                buf.push(HEX[(b >> 4) as usize]);
                buf.push(HEX[(b & 15) as usize]);
            }
            _ => buf.push(b),
        }
    }
    buf.push(b'"');
}

/// klog severity letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sev {
    Info,
    Warning,
    Error,
}

impl Sev {
    fn letter(self) -> u8 {
        match self {
            Sev::Info => b'I',
            Sev::Warning => b'W',
            Sev::Error => b'E',
        }
    }
}

/// klog header `I0610 06:13:20.123456    1234 file.go:12] ` (UTC, PID in 7 columns).
pub fn klog_header(buf: &mut Vec<u8>, sev: Sev, t: Micros, pid: u32, caller: &str) {
    buf.push(sev.letter());
    clock::klog(buf, t);
    buf.push(b' ');
    let digits = pid.max(1).ilog10() as usize + 1;
    for _ in digits..7 {
        buf.push(b' ');
    }
    clock::push_u64(buf, pid as u64);
    buf.push(b' ');
    buf.extend_from_slice(caller.as_bytes());
    buf.extend_from_slice(b"] ");
}

/// A whole structured klog line `<header>"msg" k=v ...` (values pre-encoded).
pub fn klog_s(buf: &mut Vec<u8>, sev: Sev, t: Micros, pid: u32, caller: &str, msg: &str, kv: &str) {
    klog_header(buf, sev, t, pid, caller);
    go_quote(buf, msg.as_bytes());
    if !kv.is_empty() {
        buf.push(b' ');
        buf.extend_from_slice(kv.as_bytes());
    }
}

/// Which process wrote a logrus line decides its timestamp shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Logrus {
    /// containerd: fixed 9 fractional digits, `Z` or `+hh:mm`.
    Containerd,
    /// CRI-O: Go RFC3339Nano, trailing zeros trimmed.
    Crio,
    /// k3s / system-upgrade-controller: whole seconds.
    K3s,
}

/// `time="…" level=… msg="…"` followed by pre-encoded, sorted `k=v` pairs.
pub fn logrus(
    buf: &mut Vec<u8>,
    style: Logrus,
    t: Micros,
    zone: Zone,
    level: &str,
    msg: &[u8],
    kv: &str,
) {
    buf.extend_from_slice(b"time=\"");
    match style {
        Logrus::Containerd => clock::rfc3339(buf, t, zone, clock::Frac::Nano, true),
        Logrus::Crio => clock::rfc3339(buf, t, zone, clock::Frac::NanoTrim, true),
        Logrus::K3s => clock::rfc3339(buf, t, zone, clock::Frac::None, true),
    }
    buf.extend_from_slice(b"\" level=");
    buf.extend_from_slice(level.as_bytes());
    buf.extend_from_slice(b" msg=");
    logfmt_value(buf, msg);
    if !kv.is_empty() {
        buf.push(b' ');
        buf.extend_from_slice(kv.as_bytes());
    }
}

/// A logrus value: bare when every byte is `[A-Za-z0-9-._/@^+]`, else Go-quoted.
pub fn logfmt_value(buf: &mut Vec<u8>, v: &[u8]) {
    let bare = !v.is_empty()
        && v.iter().all(|&b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'/' | b'@' | b'^' | b'+')
        });
    if bare {
        buf.extend_from_slice(v);
    } else {
        go_quote(buf, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn klog_and_logrus_shapes() {
        let t = 1_718_000_000_123_456;
        let mut b = Vec::new();
        klog_s(
            &mut b,
            Sev::Info,
            t,
            1234,
            "server.go:487",
            "Kubelet version",
            "kubeletVersion=\"v1.30.2\"",
        );
        assert_eq!(
            String::from_utf8(b).unwrap(),
            "I0610 06:13:20.123456    1234 server.go:487] \"Kubelet version\" kubeletVersion=\"v1.30.2\""
        );
        let mut b = Vec::new();
        logrus(
            &mut b,
            Logrus::K3s,
            t,
            Zone::Utc,
            "info",
            b"Starting k3s",
            "",
        );
        assert_eq!(
            String::from_utf8(b).unwrap(),
            "time=\"2024-06-10T06:13:20Z\" level=info msg=\"Starting k3s\""
        );
        let mut b = Vec::new();
        json_str(&mut b, b"<a & b>\n", true);
        assert_eq!(b, b"\"\\u003ca \\u0026 b\\u003e\\n\"");
    }
}
