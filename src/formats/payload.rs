//! Decoding of a message's own format (klog, logfmt, JSON) inside a wrapper.
//!
//! Journal, CRI and docker parsers hand every message to [`decode`], so this
//! is the hottest function of the ingest path. It dispatches on the first
//! byte only (`I W E F` → klog header, `{` → JSON object, `t`/`l` →
//! logfmt, `panic: ` / `fatal error: ` / `Error: ` → text with a
//! severity) and otherwise
//! leaves the text as it is, so a line that is none of these costs one
//! `match`.
//!
//! Every decoder produces `Parts`: the pieces of a record that the
//! payload states, borrowing from the text it was given. [`decode`] and
//! the file parsers then move the parts into the record with
//! `Parts::apply`, which encodes the precedence rules between a wrapper
//! and its payload in one place:
//!
//! - severity: the payload's (klog letter, logrus/zap level, crash output)
//!   overrides the wrapper's; free text keeps the wrapper's;
//! - time and pid: the wrapper's win (a journal stamp is exact, a klog
//!   header has no year or zone); the payload's fill them when missing;
//! - component: the payload's `component=` fills a missing one, except for
//!   k0s-wrapped klog lines, where it names the child that wrote the line
//!   and therefore replaces the wrapper's (`k0s`);
//! - message, fields, origin: the payload's.
//!
//! Zero copy: for `Cow::Borrowed` text every kept piece borrows from it.
//! For `Cow::Owned` text the decoders run on the string and only the
//! pieces that are kept are copied; a message that is the whole text
//! (free text, crash output) reuses the string itself.

use std::borrow::Cow;

use crate::record::{Fields, Payload, Record, Severity};
use crate::time::RawTime;

use super::{klog, klog_json, logfmt};

/// What a payload says about its record, borrowed from the payload text.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Parts<'s> {
    pub payload: Payload,
    pub time: RawTime,
    /// A timestamp was present but unreadable (the file parsers report it).
    pub bad_time: bool,
    pub severity: Option<Severity>,
    pub pid: Option<u32>,
    pub message: Cow<'s, str>,
    pub fields: Fields<'s>,
    pub origin: Option<Cow<'s, str>>,
    pub component: Option<Cow<'s, str>>,
    /// `component` names the program that wrote the line (k0s child) and
    /// replaces the wrapper's component.
    pub component_is_writer: bool,
}

impl<'s> Parts<'s> {
    /// Free text with the severity its first words imply (crash output).
    pub fn text(message: &'s str, severity: Option<Severity>) -> Parts<'s> {
        Parts {
            severity,
            message: Cow::Borrowed(message),
            ..Parts::default()
        }
    }

    pub fn into_owned(self) -> Parts<'static> {
        let own = |c: Option<Cow<'s, str>>| c.map(|s| Cow::Owned(s.into_owned()));
        Parts {
            payload: self.payload,
            time: self.time,
            bad_time: self.bad_time,
            severity: self.severity,
            pid: self.pid,
            message: Cow::Owned(self.message.into_owned()),
            fields: self.fields.into_owned(),
            origin: own(self.origin),
            component: own(self.component),
            component_is_writer: self.component_is_writer,
        }
    }

    /// Move the parts into `rec` with the precedence rules of the module doc.
    pub fn apply(self, rec: &mut Record<'s>) {
        rec.payload = self.payload;
        if rec.time.is_none() {
            rec.time = self.time;
        }
        if let Some(severity) = self.severity {
            rec.severity = severity;
        }
        if rec.pid.is_none() {
            rec.pid = self.pid;
        }
        rec.message = self.message;
        if !matches!(self.fields, Fields::None) {
            rec.fields = self.fields;
        }
        if self.origin.is_some() {
            rec.origin = self.origin;
        }
        if let Some(component) = self.component {
            if self.component_is_writer || rec.component.is_none() {
                rec.component = Some(component);
            }
        }
    }
}

/// A decoder that works on borrowed text.
pub(crate) type Decoder = for<'s> fn(&'s str) -> Option<Parts<'s>>;

/// Recognise the payload of `text` and fill `rec`'s payload, message,
/// severity (when the payload states one), fields, origin, and the time,
/// pid and component when the wrapper did not set them.
///
/// One trailing line end (`\n`, `\r\n`) is removed first: klog and logrus
/// end every record with one, and some wrappers keep it.
pub fn decode<'a>(text: Cow<'a, str>, rec: &mut Record<'a>) {
    decode_with(trim_line_end(text), rec, recognise);
}

/// What [`decode_with`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The decoder declined: the whole text is the message.
    Declined,
    /// The parts were applied; `bad_time`: a time was present but unreadable.
    Decoded { bad_time: bool },
}

/// Run `decoder` on `text` and apply its parts to `rec`, keeping `text`
/// borrowed when it is, copying only kept pieces when it is owned. When
/// the decoder declines, the whole text becomes the message.
pub(crate) fn decode_with<'a>(
    text: Cow<'a, str>,
    rec: &mut Record<'a>,
    decoder: Decoder,
) -> Outcome {
    match text {
        Cow::Borrowed(s) => match decoder(s) {
            Some(parts) => {
                let bad_time = parts.bad_time;
                parts.apply(rec);
                Outcome::Decoded { bad_time }
            }
            None => {
                rec.message = Cow::Borrowed(s);
                Outcome::Declined
            }
        },
        Cow::Owned(s) => {
            let decoded = decoder(&s).map(|parts| {
                let whole = matches!(&parts.message, Cow::Borrowed(m) if same_str(m, &s));
                let parts = if whole {
                    Parts {
                        message: Cow::Borrowed(""),
                        ..parts
                    }
                } else {
                    parts
                };
                (parts.into_owned(), whole)
            });
            match decoded {
                Some((mut parts, whole)) => {
                    if whole {
                        parts.message = Cow::Owned(s);
                    }
                    let bad_time = parts.bad_time;
                    parts.apply(rec);
                    Outcome::Decoded { bad_time }
                }
                None => {
                    rec.message = Cow::Owned(s);
                    Outcome::Declined
                }
            }
        }
    }
}

/// Is `a` the very same string slice as `b` (not just equal text)?
fn same_str(a: &str, b: &str) -> bool {
    a.len() == b.len() && std::ptr::eq(a.as_ptr(), b.as_ptr())
}

fn trim_line_end(text: Cow<'_, str>) -> Cow<'_, str> {
    let Some(stripped) = text.strip_suffix('\n') else {
        return text;
    };
    let keep = stripped.strip_suffix('\r').unwrap_or(stripped).len();
    match text {
        Cow::Borrowed(s) => Cow::Borrowed(s.get(..keep).unwrap_or(s)),
        Cow::Owned(mut s) => {
            s.truncate(keep);
            Cow::Owned(s)
        }
    }
}

/// The payload decoders, chosen by the first byte.
fn recognise(s: &str) -> Option<Parts<'_>> {
    let bytes = s.as_bytes();
    match bytes.first()? {
        b'I' | b'W' | b'E' | b'F' => {
            if let Some(header) = klog::header(bytes) {
                return Some(klog::decode(&header, s));
            }
        }
        b'{' => return klog_json::decode(s),
        b't' | b'l' if logfmt::is_line(bytes) => return logfmt::decode(s),
        _ => {}
    }
    let start = klog::foreign_start(bytes)?;
    start
        .severity()
        .map(|severity| Parts::text(s, Some(severity)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::CivilTime;

    fn decoded(text: Cow<'_, str>) -> Record<'_> {
        let mut rec = Record::default();
        decode(text, &mut rec);
        rec
    }

    const KUBELET: &str = r#"E0610 06:13:20.300000    1234 run.go:74] "command failed" err="failed to parse kubelet flag: unknown flag: --container-runtime""#;

    #[test]
    fn klog_line_in_a_journal_message_overrides_severity_and_keeps_wrapper_time_and_pid() {
        let mut rec = Record {
            severity: Severity::Info,
            pid: Some(99),
            time: RawTime::Exact(1_718_000_000_000_000_000),
            ..Record::default()
        };
        decode(Cow::Borrowed(KUBELET), &mut rec);
        assert_eq!(rec.payload, Payload::Klog);
        assert_eq!(rec.severity, Severity::Error);
        assert_eq!(rec.pid, Some(99));
        assert_eq!(rec.time, RawTime::Exact(1_718_000_000_000_000_000));
        assert_eq!(rec.message, "command failed");
        assert_eq!(rec.origin.as_deref(), Some("run.go:74"));
        assert_eq!(
            rec.fields.get("err").as_deref(),
            Some("failed to parse kubelet flag: unknown flag: --container-runtime")
        );
        assert!(matches!(rec.message, Cow::Borrowed(_)));
        assert!(matches!(&rec.fields, Fields::Klog(Cow::Borrowed(_))));
    }

    #[test]
    fn klog_line_fills_missing_time_and_pid() {
        let rec = decoded(Cow::Borrowed(KUBELET));
        assert_eq!(rec.pid, Some(1234));
        assert_eq!(
            rec.time,
            RawTime::Civil(CivilTime {
                year: None,
                month: 6,
                day: 10,
                hour: 6,
                minute: 13,
                second: 20,
                nanos: 300_000_000,
                offset: None
            })
        );
    }

    #[test]
    fn owned_text_keeps_only_the_decoded_pieces() {
        let rec = decoded(Cow::Owned(format!("{KUBELET}\n")));
        assert_eq!(rec.message, "command failed");
        assert_eq!(
            rec.fields.get("err").as_deref(),
            Some("failed to parse kubelet flag: unknown flag: --container-runtime")
        );
    }

    #[test]
    fn free_text_keeps_wrapper_severity_and_moves_owned_strings() {
        let mut rec = Record {
            severity: Severity::Warning,
            ..Record::default()
        };
        let text = String::from("Started kubelet.service - kubelet: The Kubernetes Node Agent.");
        let ptr = text.as_ptr();
        decode(Cow::Owned(text), &mut rec);
        assert_eq!(rec.severity, Severity::Warning);
        assert_eq!(rec.payload, Payload::Text);
        assert_eq!(rec.message.as_ptr(), ptr, "the owned string is reused");
        assert_eq!(
            rec.message,
            "Started kubelet.service - kubelet: The Kubernetes Node Agent."
        );
    }

    #[test]
    fn crash_output_sets_severity_and_reuses_the_string() {
        for (line, severity) in [
            (
                "panic: runtime error: invalid memory address or nil pointer dereference",
                Severity::Error,
            ),
            ("fatal error: concurrent map writes", Severity::Fatal),
            (
                "Error: failed to parse kubelet flag: unknown flag: --container-runtime",
                Severity::Error,
            ),
        ] {
            let text = line.to_string();
            let ptr = text.as_ptr();
            let rec = decoded(Cow::Owned(text));
            assert_eq!(
                (rec.payload, rec.severity),
                (Payload::Text, severity),
                "{line}"
            );
            assert_eq!(rec.message, line);
            assert_eq!(rec.message.as_ptr(), ptr);
        }
        let mut rec = Record {
            severity: Severity::Notice,
            ..Record::default()
        };
        decode(Cow::Borrowed("goroutine 1 [running]:"), &mut rec);
        assert_eq!(
            rec.severity,
            Severity::Notice,
            "stack lines state no severity"
        );
    }

    #[test]
    fn words_that_only_resemble_payloads_stay_text() {
        for line in [
            "Errors: none",
            "Identity verified",
            "time flies",
            "levels=3",
            "{not json",
            "panicking",
            "",
        ] {
            let rec = decoded(Cow::Borrowed(line));
            assert_eq!((rec.payload, rec.message.as_ref()), (Payload::Text, line));
            assert_eq!(rec.severity, Severity::Info);
        }
    }

    #[test]
    fn json_payloads() {
        let rec = decoded(Cow::Borrowed(
            r#"{"ts":1718000000123.4567,"caller":"app/server.go:487","msg":"Kubelet version","v":0,"kubeletVersion":"v1.30.2"}"#,
        ));
        assert_eq!(rec.payload, Payload::KlogJson);
        assert_eq!(rec.message, "Kubelet version");
        assert_eq!(rec.time, RawTime::Exact(1_718_000_000_123_456_700));
        let rec = decoded(Cow::Borrowed(
            r#"{"level":"warn","ts":"2024-06-10T08:00:01.000200Z","caller":"etcdserver/util.go:170","msg":"apply request took too long","took":"212.5ms"}"#,
        ));
        assert_eq!(
            (rec.payload, rec.severity),
            (Payload::Json, Severity::Warning)
        );
        assert_eq!(rec.fields.get("took").as_deref(), Some("212.5ms"));
    }

    #[test]
    fn logfmt_payload_and_component_rules() {
        let mut rec = Record {
            component: Some(Cow::Borrowed("containerd")),
            ..Record::default()
        };
        decode(
            Cow::Borrowed(
                r#"time="2024-06-10T08:00:05.500000000Z" level=error msg="PullImage \"registry.example/app:v2\" failed" error="rpc error: code = NotFound" component=cri"#,
            ),
            &mut rec,
        );
        assert_eq!(rec.payload, Payload::Logfmt);
        assert_eq!(rec.severity, Severity::Error);
        assert_eq!(rec.message, r#"PullImage "registry.example/app:v2" failed"#);
        assert_eq!(
            rec.component.as_deref(),
            Some("containerd"),
            "kept: not a k0s child"
        );
        assert_eq!(
            rec.fields.get("error").as_deref(),
            Some("rpc error: code = NotFound")
        );

        let mut rec = Record {
            component: Some(Cow::Borrowed("k0s")),
            ..Record::default()
        };
        decode(
            Cow::Borrowed(
                r#"time="2024-06-10 06:13:20" level=info msg="W0610 06:13:20.123400    1814 server.go:487] \"Kubelet version\" kubeletVersion=\"v1.30.2\"" component=kubelet stream=stderr"#,
            ),
            &mut rec,
        );
        assert_eq!(rec.payload, Payload::Klog);
        assert_eq!(rec.severity, Severity::Warning);
        assert_eq!(rec.component.as_deref(), Some("kubelet"));
        assert_eq!(rec.message, "Kubelet version");
        assert_eq!(rec.fields.get("kubeletVersion").as_deref(), Some("v1.30.2"));
        assert_eq!(rec.pid, Some(1814));
    }

    #[test]
    fn trailing_line_end_is_removed() {
        assert_eq!(decoded(Cow::Borrowed("plain\r\n")).message, "plain");
        assert_eq!(decoded(Cow::Owned("plain\n".into())).message, "plain");
        assert_eq!(decoded(Cow::Borrowed("two\n\n")).message, "two\n");
    }
}
