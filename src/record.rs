//! The normalised record: one log line, journal entry, event or table row.
//!
//! Every format parser produces [`Record`]s and nothing else consumes the
//! input bytes, so this type is the contract between ingest and everything
//! after it (timeline, signatures, diagnosis, emitters).
//!
//! Records *borrow* from the bytes they were parsed from (`Cow<'a, str>`):
//! on the common path (a klog line inside a journal line, a CRI line) no
//! string is allocated. A consumer that wants to keep a record past the
//! callback turns it into an owned one with [`Record::into_owned`]. Fields of
//! text formats (klog `key="value"` pairs, logfmt) are kept as the raw tail
//! and tokenised lazily by [`Fields::iter`], so a consumer that never looks
//! at fields never pays for them.

use std::borrow::Cow;
use std::fmt;

use crate::time::{RawTime, Timestamp};

/// The container format of a record: how the bytes of the input were laid out.
///
/// The *payload* (what the message itself looks like, e.g. a klog line inside
/// a journal entry) is described separately by [`Payload`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// `journalctl -o export`.
    JournalExport,
    /// `journalctl -o json` (also json-pretty, json-seq, json-sse, JSON arrays).
    JournalJson,
    /// `journalctl` short, short-iso, short-precise, short-full, short-unix, ...
    JournalText,
    /// klog text lines written straight to a file (kubelet.log, pod logs without timestamps).
    Klog,
    /// Kubernetes component JSON logs (`--logging-format=json`).
    KlogJson,
    /// logrus / logfmt lines (`time="..." level=... msg="..."`).
    Logfmt,
    /// CRI container log lines (`/var/log/pods`), partial lines joined.
    Cri,
    /// Docker json-file container logs.
    DockerJson,
    /// `kubectl get events -o json` (core/v1 or events.k8s.io/v1), any container shape.
    EventsJson,
    /// `kubectl get events -o yaml`.
    EventsYaml,
    /// `kubectl get events` / `kubectl events` tables.
    EventsTable,
    /// `kubectl describe` output.
    Describe,
    /// `kubectl get pods` / `kubectl get nodes` tables.
    ResourceTable,
    /// Any other text: one record per line.
    #[default]
    Plain,
}

impl Format {
    pub const ALL: [Format; 14] = [
        Format::JournalExport,
        Format::JournalJson,
        Format::JournalText,
        Format::Klog,
        Format::KlogJson,
        Format::Logfmt,
        Format::Cri,
        Format::DockerJson,
        Format::EventsJson,
        Format::EventsYaml,
        Format::EventsTable,
        Format::Describe,
        Format::ResourceTable,
        Format::Plain,
    ];

    /// Stable kebab-case name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Format::JournalExport => "journal-export",
            Format::JournalJson => "journal-json",
            Format::JournalText => "journal-text",
            Format::Klog => "klog",
            Format::KlogJson => "klog-json",
            Format::Logfmt => "logfmt",
            Format::Cri => "cri",
            Format::DockerJson => "docker-json",
            Format::EventsJson => "events-json",
            Format::EventsYaml => "events-yaml",
            Format::EventsTable => "events-table",
            Format::Describe => "describe",
            Format::ResourceTable => "resource-table",
            Format::Plain => "plain",
        }
    }

    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What the message text itself turned out to be once its wrapper was removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Payload {
    /// Free text.
    #[default]
    Text,
    /// A klog text line (header parsed; structured pairs in `fields`).
    Klog,
    /// A Kubernetes JSON log object.
    KlogJson,
    /// A logrus/logfmt line.
    Logfmt,
    /// Some other JSON object (etcd zap, containerd json, application JSON).
    Json,
}

/// Severity, normalised across formats (syslog PRIORITY, klog letters, logrus levels, event types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Trace,
    Debug,
    #[default]
    Info,
    Notice,
    Warning,
    Error,
    Critical,
    Fatal,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Trace => "trace",
            Severity::Debug => "debug",
            Severity::Info => "info",
            Severity::Notice => "notice",
            Severity::Warning => "warning",
            Severity::Error => "error",
            Severity::Critical => "critical",
            Severity::Fatal => "fatal",
        }
    }

    /// syslog priority 0..7 as journald stores it.
    pub fn from_syslog(priority: u8) -> Severity {
        match priority {
            0 => Severity::Fatal,
            1 | 2 => Severity::Critical,
            3 => Severity::Error,
            4 => Severity::Warning,
            5 => Severity::Notice,
            6 => Severity::Info,
            _ => Severity::Debug,
        }
    }

    /// Level words of logrus, zap, slog and friends (case-insensitive).
    pub fn from_word(word: &str) -> Option<Severity> {
        let w = word.trim();
        let eq = |s: &str| w.eq_ignore_ascii_case(s);
        Some(if eq("trace") {
            Severity::Trace
        } else if eq("debug") || eq("dbg") {
            Severity::Debug
        } else if eq("info") || eq("information") || eq("normal") {
            Severity::Info
        } else if eq("notice") {
            Severity::Notice
        } else if eq("warning") || eq("warn") {
            Severity::Warning
        } else if eq("error") || eq("err") {
            Severity::Error
        } else if eq("critical")
            || eq("crit")
            || eq("dpanic")
            || eq("panic")
            || eq("alert")
            || eq("emerg")
        {
            Severity::Critical
        } else if eq("fatal") {
            Severity::Fatal
        } else {
            return None;
        })
    }

    /// klog severity letters `I W E F`.
    pub fn from_klog_letter(letter: u8) -> Option<Severity> {
        Some(match letter {
            b'I' => Severity::Info,
            b'W' => Severity::Warning,
            b'E' => Severity::Error,
            b'F' => Severity::Fatal,
            _ => return None,
        })
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a record came from inside its input: what evidence cites.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Position {
    /// 1-based line number of the record's first line.
    pub line: u64,
    /// Byte offset of the record's first byte in the (decompressed) input.
    pub offset: u64,
    /// How many physical lines the record spans (continuations, export fields, JSON items).
    pub lines: u32,
}

/// The structured fields of a record.
///
/// Text formats keep their raw key/value tail and tokenise on demand
/// (`iter`); JSON-like formats, whose values must be decoded anyway, keep a
/// list. A field value is always text: numbers and objects keep their
/// textual form, which is what signatures match on.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Fields<'a> {
    #[default]
    None,
    /// klog structured pairs after the quoted message: `err="x" pod="ns/name" count=3`.
    Klog(Cow<'a, str>),
    /// logfmt pairs other than time/level/msg.
    Logfmt(Cow<'a, str>),
    /// Already decoded pairs.
    List(Vec<(Cow<'a, str>, Cow<'a, str>)>),
}

impl<'a> Fields<'a> {
    pub fn is_empty(&self) -> bool {
        match self {
            Fields::None => true,
            Fields::Klog(s) | Fields::Logfmt(s) => s.trim().is_empty(),
            Fields::List(v) => v.is_empty(),
        }
    }

    /// Iterate over decoded `(key, value)` pairs. Quoted values are unquoted
    /// (allocating only when they contain escapes).
    pub fn iter(&self) -> Box<dyn Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> + '_> {
        match self {
            Fields::None => Box::new(std::iter::empty()),
            Fields::Klog(raw) => Box::new(crate::formats::klog::pairs(raw)),
            Fields::Logfmt(raw) => Box::new(crate::formats::logfmt::pairs(raw)),
            Fields::List(v) => Box::new(
                v.iter()
                    .map(|(k, v)| (Cow::Borrowed(&**k), Cow::Borrowed(&**v))),
            ),
        }
    }

    /// The decoded value of the first field named `key`.
    pub fn get(&self, key: &str) -> Option<Cow<'_, str>> {
        self.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn into_owned(self) -> Fields<'static> {
        match self {
            Fields::None => Fields::None,
            Fields::Klog(s) => Fields::Klog(Cow::Owned(s.into_owned())),
            Fields::Logfmt(s) => Fields::Logfmt(Cow::Owned(s.into_owned())),
            Fields::List(v) => Fields::List(
                v.into_iter()
                    .map(|(k, v)| (Cow::Owned(k.into_owned()), Cow::Owned(v.into_owned())))
                    .collect(),
            ),
        }
    }
}

/// A Kubernetes object reference as events and tables name it.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct ObjectRef<'a> {
    /// Kind with its original case (`Pod`, `Node`); tables that lowercase it are normalised to `Pod`.
    pub kind: Cow<'a, str>,
    pub namespace: Option<Cow<'a, str>>,
    pub name: Cow<'a, str>,
}

impl ObjectRef<'_> {
    pub fn into_owned(self) -> ObjectRef<'static> {
        ObjectRef {
            kind: Cow::Owned(self.kind.into_owned()),
            namespace: self.namespace.map(|n| Cow::Owned(n.into_owned())),
            name: Cow::Owned(self.name.into_owned()),
        }
    }
}

impl fmt::Display for ObjectRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) if !ns.is_empty() => write!(f, "{}/{}/{}", self.kind, ns, self.name),
            _ => write!(f, "{}/{}", self.kind, self.name),
        }
    }
}

/// What a Kubernetes Event (or an events-table row) adds to a record.
///
/// An aggregated event (`count` > 1) covers the interval `[first_seen,
/// last_seen]`; the record's own time is the best "last" time.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EventInfo<'a> {
    pub reason: Cow<'a, str>,
    /// `Normal` or `Warning` (as written).
    pub event_type: Cow<'a, str>,
    pub object: ObjectRef<'a>,
    /// `involvedObject.fieldPath` / SUBOBJECT, e.g. `spec.containers{app}`.
    pub field_path: Option<Cow<'a, str>>,
    /// Reporting component (`kubelet`, `default-scheduler`, ...).
    pub source: Option<Cow<'a, str>>,
    pub count: u32,
    pub first_seen: RawTime,
    pub last_seen: RawTime,
}

impl EventInfo<'_> {
    pub fn into_owned(self) -> EventInfo<'static> {
        EventInfo {
            reason: Cow::Owned(self.reason.into_owned()),
            event_type: Cow::Owned(self.event_type.into_owned()),
            object: self.object.into_owned(),
            field_path: self.field_path.map(|s| Cow::Owned(s.into_owned())),
            source: self.source.map(|s| Cow::Owned(s.into_owned())),
            count: self.count,
            first_seen: self.first_seen,
            last_seen: self.last_seen,
        }
    }
}

/// One normalised record as a parser emits it.
///
/// `time` is the raw time as the format wrote it; the ingest pipeline turns
/// it into a UTC [`Timestamp`] (with how it was obtained) using evidence from
/// the whole bundle, and stores that in `resolved` before any consumer sees
/// the record.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Record<'a> {
    pub time: RawTime,
    pub resolved: Timestamp,
    pub position: Position,
    pub format: Format,
    pub payload: Payload,
    /// Node (host) named by the record itself (journal `_HOSTNAME`, host
    /// column, event `source.host`, NODE column). `None`: the input's node.
    pub node: Option<Cow<'a, str>>,
    /// The program that wrote the line: `kubelet`, `containerd`, `systemd`,
    /// a container name (journal `SYSLOG_IDENTIFIER`, logfmt `component=`).
    pub component: Option<Cow<'a, str>>,
    /// The systemd unit the line belongs to, when known (`kubelet.service`).
    pub unit: Option<Cow<'a, str>>,
    pub pid: Option<u32>,
    pub severity: Severity,
    pub message: Cow<'a, str>,
    pub fields: Fields<'a>,
    /// Source location inside the program that logged (klog `file.go:123`, JSON `caller`).
    pub origin: Option<Cow<'a, str>>,
    pub event: Option<Box<EventInfo<'a>>>,
}

impl<'a> Record<'a> {
    pub fn new(format: Format, position: Position, message: impl Into<Cow<'a, str>>) -> Record<'a> {
        Record {
            format,
            position,
            message: message.into(),
            ..Record::default()
        }
    }

    pub fn into_owned(self) -> Record<'static> {
        let own = |c: Option<Cow<'a, str>>| c.map(|s| Cow::Owned(s.into_owned()));
        Record {
            time: self.time,
            resolved: self.resolved,
            position: self.position,
            format: self.format,
            payload: self.payload,
            node: own(self.node),
            component: own(self.component),
            unit: own(self.unit),
            pid: self.pid,
            severity: self.severity,
            message: Cow::Owned(self.message.into_owned()),
            fields: self.fields.into_owned(),
            origin: own(self.origin),
            event: self.event.map(|e| Box::new(e.into_owned())),
        }
    }
}
