//! `kubectl describe` output: one or more described objects, each with its
//! Events section (kubectl-events.md §6).
//!
//! # What becomes a record
//!
//! - Every row of an `Events:` table is an event record (format
//!   `describe`), with the described object as `event.object`, the `Age`
//!   cell as a relative time (`3m2s (x7 over 11m)` gives count and first
//!   seen), `From` as component, and the 1.35+ `spec.containers{app}: `
//!   message prefix moved to `field_path`. Modern (`Type Reason Age From
//!   Message`) and pre-1.8 (`FirstSeen LastSeen Count From SubObjectPath
//!   Type Reason Message`, tab-padded) tables are read by the same machinery
//!   as `kubectl get events` tables (`kube_table`), including old multi-line
//!   messages.
//! - The body of each object (from its `Name:` line to the last line before
//!   `Events:`) becomes **one state record** (time `AtCollection`) whose
//!   message summarises the facts that matter for an upgrade post-mortem:
//!   pod phase/reason, node, the Ready condition, each container's state,
//!   waiting/terminated reason, exit code and restarts; for nodes the Ready
//!   condition with its reason and message, `Unschedulable`, kubelet and
//!   container runtime versions. The facts are also in `fields`.
//!
//! Why one record per body rather than one per line: a describe body is
//! dozens of lines of configuration (labels, volumes, tolerations, capacity)
//! that carry no time and would drown the timeline; a single record that
//! *spans* those lines keeps the accounting exact, lets evidence cite the
//! whole description (line and line count), and keeps the few facts that
//! explain a failure in one place. The `Events:` title, the column header
//! and the `----` rule are `Header` skips; `Events:  <none>` is a `Header`.
//!
//! # Objects and kinds
//!
//! A new object starts at a column-0 `Name:` line; `Namespace:` gives the
//! namespace. The kind is not printed, so it is inferred from tell-tale
//! fields (pods: `Containers:`/`Start Time:`/`QoS Class:`; nodes: `Roles:`,
//! `System Info:`, `Kubelet Version:`; deployments: `StrategyType:`; …);
//! when nothing tells, the kind stays empty rather than guessed.
//!
//! Lines before the first `Name:` (a tailed file) are `Malformed`, except an
//! `Events:` section, whose rows are kept with an unknown object.

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::Regex;

use super::kube_events::cap_message;
use super::kube_table::{append_continuation, header_columns, split_row, structural_skip};
use super::kube_table::{Column, Dialect, EventTable};
use super::lines::Line;
use super::Chunk;
use crate::record::{Fields, Format, ObjectRef, Position, Record, Severity};
use crate::sink::{Emit, Problem, Skip, SkipReason};
use crate::time::RawTime;

/// Parse `kubectl describe` output. Consumes nothing until `at_eof`.
pub fn parse(chunk: Chunk<'_>, out: &mut dyn Emit) -> usize {
    if !chunk.at_eof {
        return 0;
    }
    let mut lines = chunk.lines();
    let mut reader = Reader::new(out);
    for line in lines.by_ref() {
        reader.line(line);
    }
    reader.finish();
    lines.consumed()
}

/// The first non-blank line is `Name:  <value>` and one of the next lines
/// is a describe field that every kind prints (`Namespace:`, `Labels:`,
/// `Annotations:`, `Roles:`, `CreationTimestamp:`).
pub fn sniff(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.lines().skip_while(|l| l.trim().is_empty());
    let Some(first) = lines.next() else {
        return false;
    };
    if !is_name_line(first) {
        return false;
    }
    lines.take(4).any(|l| {
        [
            "Namespace:",
            "Labels:",
            "Annotations:",
            "Roles:",
            "CreationTimestamp:",
        ]
        .iter()
        .any(|k| l.starts_with(k))
    })
}

fn is_name_line(line: &str) -> bool {
    line.strip_prefix("Name:")
        .is_some_and(|rest| rest.starts_with([' ', '\t']) && !rest.trim().is_empty())
}

fn is_rule(line: &str) -> bool {
    static RULE: OnceLock<Regex> = OnceLock::new();
    RULE.get_or_init(|| Regex::new(r"^\s*-{2,}(?:\s+-{2,})*\s*$").expect("static regex"))
        .is_match(line)
}

/// `spec.containers{app}: ` (kubectl 1.35+) at the start of a describe message.
fn field_path_prefix(message: &str) -> Option<(&str, &str)> {
    static PREFIX: OnceLock<Regex> = OnceLock::new();
    let re = PREFIX.get_or_init(|| {
        Regex::new(r"^(spec\.(?:initContainers|containers|ephemeralContainers)\{[^}]*\}): ")
            .expect("static regex")
    });
    let m = re.captures(message)?;
    let path = m.get(1)?;
    Some((path.as_str(), &message[m.get(0)?.end()..]))
}

/// Where in a describe document the reader is.
#[derive(Debug)]
enum Section {
    /// Before the first `Name:`.
    Preamble,
    /// Inside an object's body.
    Body,
    /// After `Events:`, waiting for the column header.
    EventsTitle,
    /// Inside the events table.
    EventRows(EventTable),
    /// After `Events:  <none>` or a section that could not be read.
    Done,
}

/// The body of the current object while it is being read.
#[derive(Debug)]
struct Body {
    position: Position,
    /// Lines up to the last non-blank one.
    lines: u32,
    /// Blank lines seen after the last non-blank one (part of the body only
    /// if more body follows).
    trailing_blanks: Vec<(u64, u64)>,
    facts: Facts,
    too_long: bool,
}

struct Reader<'a, 'o> {
    out: &'o mut dyn Emit,
    section: Section,
    body: Option<Body>,
    /// The object the current events belong to (once its body is done).
    object: Option<Described>,
    pending: Option<(Record<'a>, u32)>,
    blanks: Vec<Line<'a>>,
}

/// Identity of a described object, for its event rows.
#[derive(Debug, Clone)]
struct Described {
    kind: &'static str,
    namespace: Option<String>,
    name: String,
    node: Option<String>,
}

impl<'a, 'o> Reader<'a, 'o> {
    fn new(out: &'o mut dyn Emit) -> Self {
        Reader {
            out,
            section: Section::Preamble,
            body: None,
            object: None,
            pending: None,
            blanks: Vec::new(),
        }
    }

    fn line(&mut self, line: Line<'a>) {
        if let Some(body) = self.body.as_mut() {
            if line.is_too_long() {
                body.take_line("");
                body.too_long = true;
                return;
            }
        }
        match structural_skip(&line) {
            Some(SkipReason::Blank) => return self.blank(line),
            Some(reason) => {
                self.close_rows();
                return self.skip(&line, reason);
            }
            None => {}
        }
        if !line.is_utf8() {
            self.out.problem(line.position(1), Problem::InvalidUtf8);
        }
        let text = line.text();
        if is_name_line(&text) {
            self.close_object();
            self.section = Section::Body;
            let mut body = Body::new(line.position(1));
            body.facts.read(&text);
            self.body = Some(body);
            return;
        }
        if text.starts_with("Events:") && !matches!(self.section, Section::EventRows(_)) {
            self.close_body();
            let none = text["Events:".len()..].trim() == "<none>";
            self.section = if none {
                Section::Done
            } else {
                Section::EventsTitle
            };
            return self.skip(&line, SkipReason::Header);
        }
        match &self.section {
            Section::Body => {
                if let Some(body) = self.body.as_mut() {
                    body.take_line(&text);
                }
            }
            Section::EventsTitle => match EventTable::from_header(&text, Dialect::Describe) {
                Some(table) => {
                    self.section = Section::EventRows(table);
                    self.skip(&line, SkipReason::Header);
                }
                None => {
                    self.section = Section::Done;
                    self.skip(&line, SkipReason::Malformed);
                }
            },
            Section::EventRows(_) if is_rule(&text) => {
                self.close_rows();
                self.skip(&line, SkipReason::Header);
            }
            Section::EventRows(table) => {
                let position = line.position(1);
                let record = match &text {
                    Cow::Borrowed(t) => table.row(t).map(|row| self.event_record(row, position)),
                    Cow::Owned(t) => table
                        .row(t)
                        .map(|row| self.event_record(row, position).into_owned()),
                };
                match record {
                    Some(record) => {
                        self.close_rows();
                        self.pending = Some((record, 1));
                    }
                    None => self.continuation(&line, &text),
                }
            }
            Section::Preamble | Section::Done => self.skip(&line, SkipReason::Malformed),
        }
    }

    fn event_record<'r>(
        &self,
        mut row: super::kube_table::EventRow<'r>,
        position: Position,
    ) -> Record<'r> {
        if row.field_path.is_none() {
            if let Cow::Borrowed(message) = row.message {
                if let Some((path, rest)) = field_path_prefix(message) {
                    row.field_path = Some(path);
                    row.message = Cow::Borrowed(rest);
                }
            }
        }
        let object = self.object.as_ref().map(|o| ObjectRef {
            kind: Cow::Borrowed(o.kind),
            namespace: o.namespace.clone().map(Cow::Owned),
            name: Cow::Owned(o.name.clone()),
        });
        let mut record = row.into_record(Format::Describe, position, object);
        // The kubelet reporting about a pod runs on the pod's node.
        if record.node.is_none() && record.component.as_deref() == Some("kubelet") {
            if let Some(node) = self.object.as_ref().and_then(|o| o.node.clone()) {
                record.node = Some(Cow::Owned(node));
            }
        }
        record
    }

    fn blank(&mut self, line: Line<'a>) {
        if let Some(body) = self.body.as_mut() {
            body.trailing_blanks.push((line.number, line.offset));
        } else if self.pending.is_some() {
            self.blanks.push(line);
        } else {
            self.skip(&line, SkipReason::Blank);
        }
    }

    fn continuation(&mut self, line: &Line<'a>, text: &str) {
        let blanks = self.blanks.len() as u32;
        match self.pending.as_mut() {
            Some((record, lines)) => {
                append_continuation(&mut record.message, blanks, text);
                *lines += blanks + 1;
                self.blanks.clear();
            }
            None => self.skip(line, SkipReason::Malformed),
        }
    }

    fn skip(&mut self, line: &Line<'_>, reason: SkipReason) {
        let detail = match reason {
            SkipReason::Malformed => Cow::Owned(line.text().chars().take(80).collect()),
            _ => Cow::Borrowed(""),
        };
        self.out.skip(Skip {
            position: line.position(1),
            reason,
            detail,
        });
    }

    /// Emit the pending event row and the blank lines held after it.
    fn close_rows(&mut self) {
        if let Some((mut record, lines)) = self.pending.take() {
            record.position.lines = lines;
            let (message, cut) = cap_message(std::mem::take(&mut record.message));
            record.message = message;
            if cut {
                self.out.problem(record.position, Problem::Truncated);
            }
            self.out.record(record);
        }
        for blank in std::mem::take(&mut self.blanks) {
            self.skip(&blank, SkipReason::Blank);
        }
    }

    /// Emit the state record of the body being read, then its trailing blanks.
    fn close_body(&mut self) {
        self.close_rows();
        let Some(body) = self.body.take() else {
            return;
        };
        let described = body.facts.described();
        let record = body.facts.record(body.position.with_lines(body.lines));
        if body.too_long {
            self.out.problem(record.position, Problem::Truncated);
        }
        self.out.record(record);
        for (number, offset) in body.trailing_blanks {
            self.out.skip(Skip {
                position: Position {
                    line: number,
                    offset,
                    lines: 1,
                },
                reason: SkipReason::Blank,
                detail: Cow::Borrowed(""),
            });
        }
        self.object = Some(described);
    }

    fn close_object(&mut self) {
        self.close_body();
        self.close_rows();
        self.object = None;
    }

    fn finish(mut self) {
        self.close_object();
    }
}

trait WithLines {
    fn with_lines(self, lines: u32) -> Position;
}

impl WithLines for Position {
    fn with_lines(mut self, lines: u32) -> Position {
        self.lines = lines;
        self
    }
}

impl Body {
    fn new(position: Position) -> Body {
        Body {
            position,
            lines: 1,
            trailing_blanks: Vec::new(),
            facts: Facts::default(),
            too_long: false,
        }
    }

    /// A non-blank body line: held blank lines become part of the body.
    fn take_line(&mut self, text: &str) {
        self.lines += self.trailing_blanks.len() as u32 + 1;
        self.trailing_blanks.clear();
        self.facts.read(text);
    }
}

// ---------------------------------------------------------------------------
// Facts of a described object
// ---------------------------------------------------------------------------

/// What one container's block says.
#[derive(Debug, Default, Clone)]
struct ContainerFacts {
    name: String,
    init: bool,
    state: Option<String>,
    reason: Option<String>,
    exit_code: Option<String>,
    last_state: Option<String>,
    last_reason: Option<String>,
    last_exit_code: Option<String>,
    ready: Option<String>,
    restarts: Option<String>,
}

/// The `Ready` row of a Conditions table.
#[derive(Debug, Default, Clone)]
struct Condition {
    status: String,
    reason: Option<String>,
    message: Option<String>,
}

/// Which sub-block of a container the reader is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StateBlock {
    Current,
    Last,
    Other,
}

#[derive(Debug, Default)]
struct Facts {
    name: String,
    namespace: Option<String>,
    status: Option<String>,
    reason: Option<String>,
    message: Option<String>,
    node: Option<String>,
    roles: Option<String>,
    unschedulable: Option<String>,
    taints: Option<String>,
    replicas: Option<String>,
    kubelet: Option<String>,
    runtime: Option<String>,
    ready: Option<Condition>,
    containers: Vec<ContainerFacts>,
    /// Top-level keys seen, for the kind.
    keys: Vec<String>,
    // Reading context.
    section: Option<String>,
    conditions: Option<Vec<Column>>,
    block: Option<StateBlock>,
}

/// `Key:  value` with the key's indentation; `None` for lines without a key.
fn key_value(line: &str) -> Option<(usize, &str, &str)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let content = &line[indent..];
    let colon = content.find(':')?;
    let (key, rest) = (&content[..colon], &content[colon + 1..]);
    if key.is_empty() || !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    if !key.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    Some((indent, key, rest.trim()))
}

fn value(v: &str) -> Option<String> {
    (!v.is_empty()).then(|| v.to_string())
}

impl Facts {
    fn read(&mut self, line: &str) {
        if line.trim_start().starts_with("Type") && self.section.as_deref() == Some("Conditions") {
            self.conditions = Some(header_columns(line));
            return;
        }
        let Some((indent, key, val)) = key_value(line) else {
            self.read_condition_row(line);
            return;
        };
        match indent {
            0 => self.top_level(key, val),
            2 => self.second_level(key, val, line),
            4 => self.container_field(key, val),
            6 => self.state_detail(key, val),
            _ => {}
        }
    }

    fn top_level(&mut self, key: &str, val: &str) {
        self.section = Some(key.to_string());
        self.block = None;
        self.keys.push(key.to_string());
        match key {
            "Name" => self.name = val.to_string(),
            "Namespace" => self.namespace = value(val),
            "Status" => self.status = value(val),
            "Reason" => self.reason = value(val),
            "Message" => self.message = value(val),
            "Node" => {
                let node = val.split('/').next().unwrap_or("");
                self.node = value(node).filter(|n| !n.starts_with('<'));
            }
            "Roles" => self.roles = value(val),
            "Unschedulable" => self.unschedulable = value(val),
            "Taints" => self.taints = value(val),
            "Replicas" => self.replicas = value(val),
            _ => {}
        }
    }

    fn second_level(&mut self, key: &str, val: &str, line: &str) {
        match self.section.as_deref() {
            Some("System Info") => match key {
                "Kubelet Version" => self.kubelet = value(val),
                "Container Runtime Version" => self.runtime = value(val),
                _ => {}
            },
            Some(section @ ("Containers" | "Init Containers")) if val.is_empty() => {
                self.containers.push(ContainerFacts {
                    name: key.to_string(),
                    init: section == "Init Containers",
                    ..ContainerFacts::default()
                });
                self.block = None;
            }
            Some("Conditions") => self.read_condition_row(line),
            _ => {}
        }
    }

    fn container_field(&mut self, key: &str, val: &str) {
        if !matches!(
            self.section.as_deref(),
            Some("Containers" | "Init Containers")
        ) {
            return;
        }
        let Some(c) = self.containers.last_mut() else {
            return;
        };
        self.block = Some(StateBlock::Other);
        match key {
            "State" => {
                c.state = value(val);
                self.block = Some(StateBlock::Current);
            }
            "Last State" => {
                c.last_state = value(val);
                self.block = Some(StateBlock::Last);
            }
            "Ready" => c.ready = value(val),
            "Restart Count" => c.restarts = value(val),
            _ => {}
        }
    }

    fn state_detail(&mut self, key: &str, val: &str) {
        let Some(c) = self.containers.last_mut() else {
            return;
        };
        match (self.block, key) {
            (Some(StateBlock::Current), "Reason") => c.reason = value(val),
            (Some(StateBlock::Current), "Exit Code") => c.exit_code = value(val),
            (Some(StateBlock::Last), "Reason") => c.last_reason = value(val),
            (Some(StateBlock::Last), "Exit Code") => c.last_exit_code = value(val),
            _ => {}
        }
    }

    /// The `Ready` row of a Conditions table (pods: `Type Status`; nodes:
    /// `Type Status LastHeartbeatTime LastTransitionTime Reason Message`).
    fn read_condition_row(&mut self, line: &str) {
        if self.section.as_deref() != Some("Conditions") || is_rule(line) {
            return;
        }
        let trimmed = line.trim_start();
        if !(trimmed.starts_with("Ready ") || trimmed.starts_with("Ready\t")) {
            return;
        }
        let cells: Vec<String> = match &self.conditions {
            Some(columns) => split_row(line, columns, Some(columns.len().saturating_sub(1)))
                .into_iter()
                .map(str::to_string)
                .collect(),
            None => trimmed.split_whitespace().map(str::to_string).collect(),
        };
        let column = |name: &str| -> Option<String> {
            let i = self
                .conditions
                .as_ref()?
                .iter()
                .position(|c| c.name == name)?;
            cells.get(i).filter(|s| !s.is_empty()).cloned()
        };
        self.ready = Some(Condition {
            status: column("Status")
                .or_else(|| cells.get(1).cloned())
                .unwrap_or_default(),
            reason: column("Reason"),
            message: column("Message"),
        });
    }

    fn has(&self, key: &str) -> bool {
        self.keys.iter().any(|k| k == key)
    }

    /// The kind, from the fields only that kind prints.
    fn kind(&self) -> &'static str {
        let has = |k: &str| self.has(k);
        if has("Roles")
            || has("System Info")
            || has("Kubelet Version")
            || has("Non-terminated Pods")
        {
            "Node"
        } else if has("Containers") || has("Start Time") || has("QoS Class") {
            "Pod"
        } else if has("StrategyType") || has("NewReplicaSet") {
            "Deployment"
        } else if has("Desired Number of Nodes Scheduled") {
            "DaemonSet"
        } else if has("Update Strategy") && has("Pods Status") {
            "StatefulSet"
        } else if has("Schedule") && has("Concurrency Policy") {
            "CronJob"
        } else if has("Completions") || has("Parallelism") {
            "Job"
        } else if has("Pods Status") && has("Replicas") {
            "ReplicaSet"
        } else if has("TargetPort") || has("Endpoints") || has("Session Affinity") {
            "Service"
        } else if has("Access Modes") && has("VolumeMode") && has("Used By") {
            "PersistentVolumeClaim"
        } else if has("Reclaim Policy") {
            "PersistentVolume"
        } else {
            ""
        }
    }

    fn described(&self) -> Described {
        let kind = self.kind();
        Described {
            kind,
            namespace: self.namespace.clone().filter(|_| kind != "Node"),
            name: self.name.clone(),
            node: if kind == "Node" {
                Some(self.name.clone())
            } else {
                self.node.clone()
            },
        }
    }

    /// The state record: a one-line summary and the facts as fields.
    fn record(&self, position: Position) -> Record<'static> {
        let kind = self.kind();
        let (message, severity) = match kind {
            "Pod" => self.pod_summary(),
            "Node" => self.node_summary(),
            _ => (self.generic_summary(kind), Severity::Info),
        };
        let node = match kind {
            "Node" => Some(self.name.clone()),
            _ => self.node.clone(),
        };
        Record {
            time: RawTime::AtCollection,
            position,
            format: Format::Describe,
            node: node.map(Cow::Owned),
            severity,
            message: Cow::Owned(message),
            fields: Fields::List(self.fields(kind)),
            ..Record::default()
        }
    }

    fn who(&self, kind: &str) -> String {
        let kind = if kind.is_empty() {
            "object".to_string()
        } else {
            kind.to_ascii_lowercase()
        };
        match &self.namespace {
            Some(ns) => format!("{kind} {ns}/{}", self.name),
            None => format!("{kind} {}", self.name),
        }
    }

    fn pod_summary(&self) -> (String, Severity) {
        let status = self.status.as_deref().unwrap_or("<no status>");
        let mut text = format!("{} {status}", self.who("Pod"));
        if let Some(reason) = &self.reason {
            text.push_str(&format!(" reason={reason}"));
        }
        if let Some(node) = &self.node {
            text.push_str(&format!(" node={node}"));
        }
        if let Some(ready) = &self.ready {
            text.push_str(&format!(" ready={}", ready.status));
        }
        for c in &self.containers {
            text.push_str(&format!("; {}", container_summary(c)));
        }
        if let Some(message) = &self.message {
            text.push_str(&format!("; message: {message}"));
        }
        let container_trouble = self.containers.iter().any(container_in_trouble);
        let severity = match status {
            _ if container_trouble => Severity::Warning,
            "Running" if self.ready.as_ref().is_some_and(|r| r.status != "True") => {
                Severity::Notice
            }
            "Running" | "Succeeded" => Severity::Info,
            _ => Severity::Warning,
        };
        (text, severity)
    }

    fn node_summary(&self) -> (String, Severity) {
        let mut text = self.who("Node");
        match &self.ready {
            Some(r) => {
                text.push_str(&format!(" Ready={}", r.status));
                match (&r.reason, &r.message) {
                    (Some(reason), Some(message)) => {
                        text.push_str(&format!(" ({reason}: {message})"))
                    }
                    (Some(reason), None) => text.push_str(&format!(" ({reason})")),
                    (None, Some(message)) => text.push_str(&format!(" ({message})")),
                    (None, None) => {}
                }
            }
            None => text.push_str(" Ready=<unknown>"),
        }
        if let Some(u) = &self.unschedulable {
            text.push_str(&format!(" unschedulable={u}"));
        }
        if let Some(v) = &self.kubelet {
            text.push_str(&format!(" kubelet={v}"));
        }
        if let Some(r) = &self.runtime {
            text.push_str(&format!(" runtime={r}"));
        }
        let severity = match (&self.ready, self.unschedulable.as_deref()) {
            (Some(r), _) if r.status != "True" => Severity::Warning,
            (None, _) => Severity::Warning,
            (_, Some("true")) => Severity::Notice,
            _ => Severity::Info,
        };
        (text, severity)
    }

    fn generic_summary(&self, kind: &str) -> String {
        let mut text = self.who(kind);
        if let Some(status) = &self.status {
            text.push_str(&format!(" {status}"));
        }
        if let Some(replicas) = &self.replicas {
            text.push_str(&format!(" replicas: {replicas}"));
        }
        text
    }

    fn fields(&self, kind: &str) -> Vec<(Cow<'static, str>, Cow<'static, str>)> {
        let mut fields: Vec<(Cow<'static, str>, Cow<'static, str>)> = Vec::new();
        let mut put = |key: String, value: Option<&String>| {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                fields.push((Cow::Owned(key), Cow::Owned(v.clone())));
            }
        };
        let kind = kind.to_string();
        put("kind".into(), Some(&kind));
        put("name".into(), Some(&self.name));
        put("namespace".into(), self.namespace.as_ref());
        put("status".into(), self.status.as_ref());
        put("reason".into(), self.reason.as_ref());
        put("message".into(), self.message.as_ref());
        put("node".into(), self.node.as_ref());
        put("roles".into(), self.roles.as_ref());
        put("unschedulable".into(), self.unschedulable.as_ref());
        put("taints".into(), self.taints.as_ref());
        put("replicas".into(), self.replicas.as_ref());
        put("kubelet-version".into(), self.kubelet.as_ref());
        put("container-runtime".into(), self.runtime.as_ref());
        if let Some(r) = &self.ready {
            put("ready".into(), Some(&r.status));
            put("ready-reason".into(), r.reason.as_ref());
            put("ready-message".into(), r.message.as_ref());
        }
        for c in &self.containers {
            let p = format!("container.{}", c.name);
            put(format!("{p}.state"), c.state.as_ref());
            put(format!("{p}.reason"), c.reason.as_ref());
            put(format!("{p}.exit-code"), c.exit_code.as_ref());
            put(format!("{p}.last-state"), c.last_state.as_ref());
            put(format!("{p}.last-reason"), c.last_reason.as_ref());
            put(format!("{p}.last-exit-code"), c.last_exit_code.as_ref());
            put(format!("{p}.ready"), c.ready.as_ref());
            put(format!("{p}.restarts"), c.restarts.as_ref());
        }
        fields
    }
}

/// `app: Waiting (ErrImageNeverPull), restarts 0, last Terminated (Error, exit code 1)`.
fn container_summary(c: &ContainerFacts) -> String {
    let mut text = format!("{}{}: ", if c.init { "init " } else { "" }, c.name);
    text.push_str(&state_text(
        c.state.as_deref(),
        c.reason.as_deref(),
        c.exit_code.as_deref(),
    ));
    if let Some(r) = &c.restarts {
        text.push_str(&format!(", restarts {r}"));
    }
    if c.last_state.is_some() {
        let last = state_text(
            c.last_state.as_deref(),
            c.last_reason.as_deref(),
            c.last_exit_code.as_deref(),
        );
        text.push_str(&format!(", last {last}"));
    }
    text
}

fn state_text(state: Option<&str>, reason: Option<&str>, exit: Option<&str>) -> String {
    let state = state.unwrap_or("<unknown>");
    match (reason, exit) {
        (Some(r), Some(e)) => format!("{state} ({r}, exit code {e})"),
        (Some(r), None) => format!("{state} ({r})"),
        (None, Some(e)) => format!("{state} (exit code {e})"),
        (None, None) => state.to_string(),
    }
}

/// Waiting for a reason other than normal start-up, or terminated other than
/// `Completed` (for a regular container).
fn container_in_trouble(c: &ContainerFacts) -> bool {
    match (c.state.as_deref(), c.reason.as_deref()) {
        (Some("Waiting"), Some("ContainerCreating" | "PodInitializing")) => false,
        (Some("Waiting"), Some(_)) => true,
        (Some("Terminated"), Some("Completed")) => false,
        (Some("Terminated"), _) => !c.init || c.exit_code.as_deref() != Some("0"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::testing::{event, field, head, parse_whole, skips};
    use crate::sink::Collect;

    fn describe(input: &str) -> Collect {
        describe_bytes(input.as_bytes())
    }

    fn describe_bytes(input: &[u8]) -> Collect {
        parse_whole(parse, input)
    }

    fn age(seconds: u64, resolution: u32) -> RawTime {
        RawTime::Age {
            seconds,
            resolution,
        }
    }

    fn object(kind: &str, namespace: Option<&str>, name: &str) -> ObjectRef<'static> {
        ObjectRef {
            kind: Cow::Owned(kind.to_string()),
            namespace: namespace.map(|n| Cow::Owned(n.to_string())),
            name: Cow::Owned(name.to_string()),
        }
    }

    fn spans(out: &Collect) -> Vec<(u64, u32)> {
        out.records
            .iter()
            .map(|r| (r.position.line, r.position.lines))
            .collect()
    }

    /// kubectl-events.md §6, the describe Events section verbatim.
    const SECTION_6: &str = "\
Events:
  Type     Reason     Age                 From               Message
  ----     ------     ----                ----               -------
  Normal   Scheduled  12m                 default-scheduler  Successfully assigned default/app-6d9f7c9b8-kq2wz to node-a
  Warning  Failed     3m2s (x7 over 11m)  kubelet            Error: ErrImageNeverPull
";

    #[test]
    fn section_6_events_section() {
        let out = describe(SECTION_6);
        assert_eq!(
            skips(&out),
            [
                (1, 1, SkipReason::Header),
                (2, 1, SkipReason::Header),
                (3, 1, SkipReason::Header)
            ]
        );
        assert_eq!(spans(&out), [(4, 1), (5, 1)]);
        let scheduled = &out.records[0];
        assert_eq!(scheduled.format, Format::Describe);
        assert_eq!(scheduled.time, age(720, 60));
        assert_eq!(scheduled.component.as_deref(), Some("default-scheduler"));
        assert_eq!(
            scheduled.message,
            "Successfully assigned default/app-6d9f7c9b8-kq2wz to node-a"
        );
        assert_eq!(event(scheduled).count, 1);
        assert_eq!(event(scheduled).first_seen, age(720, 60));
        assert_eq!(
            event(scheduled).object,
            ObjectRef::default(),
            "no Name: above"
        );
        let failed = &out.records[1];
        assert_eq!(failed.severity, Severity::Warning);
        assert_eq!(failed.time, age(182, 1));
        assert_eq!(event(failed).count, 7);
        assert_eq!(event(failed).first_seen, age(660, 60));
        assert_eq!(event(failed).reason, "Failed");
        assert_eq!(failed.message, "Error: ErrImageNeverPull");
    }

    const PODS: &str = r#"Name:             app-6d9f7c9b8-kq2wz
Namespace:        default
Priority:         0
Service Account:  default
Node:             node-a/10.0.0.21
Start Time:       Mon, 10 Jun 2024 06:13:20 +0000
Labels:           app=app
                  pod-template-hash=6d9f7c9b8
Annotations:      <none>
Status:           Pending
IP:               10.42.1.17
IPs:
  IP:           10.42.1.17
Controlled By:  ReplicaSet/app-6d9f7c9b8
Containers:
  app:
    Container ID:   
    Image:          registry.local/app:1.2.3
    Image ID:       
    Port:           8080/TCP
    Host Port:      0/TCP
    State:          Waiting
      Reason:       ErrImageNeverPull
    Ready:          False
    Restart Count:  0
    Environment:    <none>
    Mounts:
      /var/run/secrets/kubernetes.io/serviceaccount from kube-api-access-5x2lq (ro)
Conditions:
  Type                        Status
  PodReadyToStartContainers   True 
  Initialized                 True 
  Ready                       False 
  ContainersReady             False 
  PodScheduled                True 
Volumes:
  kube-api-access-5x2lq:
    Type:                    Projected (a volume that contains injected data from multiple sources)
    TokenExpirationSeconds:  3607
    ConfigMapName:           kube-root-ca.crt
    ConfigMapOptional:       <nil>
    DownwardAPI:             true
QoS Class:                   BestEffort
Node-Selectors:              <none>
Tolerations:                 node.kubernetes.io/not-ready:NoExecute op=Exists for 300s
                             node.kubernetes.io/unreachable:NoExecute op=Exists for 300s
Events:
  Type     Reason     Age                 From               Message
  ----     ------     ----                ----               -------
  Normal   Scheduled  12m                 default-scheduler  Successfully assigned default/app-6d9f7c9b8-kq2wz to node-a
  Warning  Failed     3m2s (x7 over 11m)  kubelet            Error: ErrImageNeverPull


Name:             kube-proxy-x7k2p
Namespace:        kube-system
Node:             node-a/10.0.0.21
Start Time:       Tue, 30 Apr 2024 08:00:00 +0000
Status:           Running
Containers:
  kube-proxy:
    State:          Running
      Started:      Mon, 10 Jun 2024 06:12:39 +0000
    Last State:     Terminated
      Reason:       Error
      Exit Code:    2
      Started:      Mon, 10 Jun 2024 05:00:00 +0000
      Finished:     Mon, 10 Jun 2024 06:12:38 +0000
    Ready:          True
    Restart Count:  3
Conditions:
  Type              Status
  Ready             True 
QoS Class:          BestEffort
Events:             <none>
"#;

    #[test]
    fn two_pods_with_events_and_none() {
        let out = describe(PODS);
        assert_eq!(spans(&out), [(1, 46), (50, 1), (51, 1), (54, 20)]);
        assert_eq!(
            skips(&out),
            [
                (47, 1, SkipReason::Header),
                (48, 1, SkipReason::Header),
                (49, 1, SkipReason::Header),
                (52, 1, SkipReason::Blank),
                (53, 1, SkipReason::Blank),
                (74, 1, SkipReason::Header),
            ]
        );
        let state = &out.records[0];
        assert_eq!(state.time, RawTime::AtCollection);
        assert_eq!(state.event, None);
        assert_eq!(
            state.message,
            "pod default/app-6d9f7c9b8-kq2wz Pending node=node-a ready=False; app: Waiting (ErrImageNeverPull), restarts 0"
        );
        assert_eq!(state.severity, Severity::Warning);
        assert_eq!(state.node.as_deref(), Some("node-a"));
        assert_eq!(field(state, "kind").as_deref(), Some("Pod"));
        assert_eq!(
            field(state, "container.app.reason").as_deref(),
            Some("ErrImageNeverPull")
        );

        let failed = &out.records[2];
        assert_eq!(
            event(failed).object,
            object("Pod", Some("default"), "app-6d9f7c9b8-kq2wz")
        );
        assert_eq!(
            failed.node.as_deref(),
            Some("node-a"),
            "kubelet of the pod's node"
        );
        assert_eq!(out.records[1].node, None, "the scheduler is not on a node");

        let proxy = &out.records[3];
        assert_eq!(
            proxy.message,
            "pod kube-system/kube-proxy-x7k2p Running node=node-a ready=True; kube-proxy: Running, restarts 3, last Terminated (Error, exit code 2)"
        );
        assert_eq!(proxy.severity, Severity::Info);
        assert_eq!(
            field(proxy, "container.kube-proxy.last-exit-code").as_deref(),
            Some("2")
        );
    }

    const NODE: &str = "\
Name:               node-a
Roles:              <none>
Labels:             beta.kubernetes.io/arch=amd64
                    kubernetes.io/hostname=node-a
Annotations:        node.alpha.kubernetes.io/ttl: 0
CreationTimestamp:  Mon, 29 Apr 2024 10:00:00 +0000
Taints:             node.kubernetes.io/unreachable:NoExecute
                    node.kubernetes.io/unschedulable:NoSchedule
Unschedulable:      true
Lease:
  HolderIdentity:  node-a
  RenewTime:       Mon, 10 Jun 2024 06:10:00 +0000
Conditions:
  Type             Status    LastHeartbeatTime                 LastTransitionTime                Reason              Message
  ----             ------    -----------------                 ------------------                ------              -------
  MemoryPressure   Unknown   Mon, 10 Jun 2024 06:10:00 +0000   Mon, 10 Jun 2024 06:11:00 +0000   NodeStatusUnknown   Kubelet stopped posting node status.
  Ready            Unknown   Mon, 10 Jun 2024 06:10:00 +0000   Mon, 10 Jun 2024 06:11:00 +0000   NodeStatusUnknown   Kubelet stopped posting node status.
Addresses:
  InternalIP:  10.0.0.21
  Hostname:    node-a
System Info:
  Kernel Version:             5.15.0-107-generic
  OS Image:                   Ubuntu 22.04.4 LTS
  Container Runtime Version:  containerd://1.7.17-k3s1
  Kubelet Version:            v1.29.6+k3s1
  Kube-Proxy Version:         v1.29.6+k3s1
PodCIDR:                      10.42.1.0/24
Non-terminated Pods:          (1 in total)
  Namespace                   Name                CPU Requests  CPU Limits  Memory Requests  Memory Limits  Age
  ---------                   ----                ------------  ----------  ---------------  -------------  ---
  kube-system                 kube-proxy-x7k2p    0 (0%)        0 (0%)      0 (0%)           0 (0%)         41d
Events:
  Type    Reason              Age    From             Message
  ----    ------              ----   ----             -------
  Normal  NodeNotReady        2m40s  node-controller  Node node-a status is now: NodeNotReady
  Normal  NodeNotSchedulable  2m     kubelet          Node node-a status is now: NodeNotSchedulable
";

    #[test]
    fn node_with_conditions_system_info_and_events() {
        let out = describe(NODE);
        assert_eq!(spans(&out), [(1, 31), (35, 1), (36, 1)]);
        let state = &out.records[0];
        assert_eq!(
            state.message,
            "node node-a Ready=Unknown (NodeStatusUnknown: Kubelet stopped posting node status.) unschedulable=true kubelet=v1.29.6+k3s1 runtime=containerd://1.7.17-k3s1"
        );
        assert_eq!(state.severity, Severity::Warning);
        assert_eq!(state.node.as_deref(), Some("node-a"));
        assert_eq!(field(state, "kind").as_deref(), Some("Node"));
        assert_eq!(
            field(state, "ready-reason").as_deref(),
            Some("NodeStatusUnknown")
        );
        let not_ready = &out.records[1];
        assert_eq!(event(not_ready).object, object("Node", None, "node-a"));
        assert_eq!(not_ready.node.as_deref(), Some("node-a"));
        assert_eq!(not_ready.time, age(160, 1));
        assert_eq!(out.records[2].component.as_deref(), Some("kubelet"));
        assert_eq!(out.records[2].time, age(120, 1));
    }

    /// Old describe output padded with tabs (tabwriter with `\t` as padding,
    /// 8-column stops): every column width rounded up to a multiple of 8.
    fn tab_padded(rows: &[&[&str]]) -> String {
        let columns = rows.iter().map(|r| r.len()).max().unwrap_or(0);
        let widths: Vec<usize> = (0..columns)
            .map(|c| {
                let widest = rows
                    .iter()
                    .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                    .max()
                    .unwrap_or(0);
                (widest + 1).div_ceil(8) * 8
            })
            .collect();
        let mut text = String::new();
        for row in rows {
            for (c, cell) in row.iter().enumerate() {
                text.push_str(cell);
                if c + 1 < row.len() {
                    let tabs = (widths[c] - cell.chars().count()).div_ceil(8);
                    text.push_str(&"\t".repeat(tabs));
                }
            }
            text.push('\n');
        }
        text
    }

    #[test]
    fn pre_1_8_tab_padded_events_section() {
        let table = tab_padded(&[
            &[
                "  FirstSeen",
                "LastSeen",
                "Count",
                "From",
                "SubObjectPath",
                "Type",
                "Reason",
                "Message",
            ],
            &[
                "  ---------",
                "--------",
                "-----",
                "----",
                "-------------",
                "--------",
                "------",
                "-------",
            ],
            &[
                "  1m",
                "1m",
                "1",
                "{default-scheduler }",
                "",
                "Normal",
                "Scheduled",
                "Successfully assigned app to node-a",
            ],
            &[
                "  1m",
                "30s",
                "3",
                "{kubelet node-a}",
                "spec.containers{app}",
                "Warning",
                "Failed",
                "Failed to pull image \"app:2\"",
            ],
        ]);
        let input = format!("Name:\t\tapp\nNamespace:\tdefault\nNode:\t\tnode-a/10.0.0.21\nStatus:\t\tPending\nEvents:\n{table}");
        let out = describe(&input);
        assert_eq!(spans(&out), [(1, 4), (8, 1), (9, 1)]);
        let scheduled = &out.records[1];
        assert_eq!(
            scheduled.time,
            age(60, 60),
            "old ages are exact to their unit"
        );
        assert_eq!(event(scheduled).first_seen, age(60, 60));
        assert_eq!(event(scheduled).count, 1);
        assert_eq!(scheduled.component.as_deref(), Some("default-scheduler"));
        assert_eq!(event(scheduled).field_path, None);
        let failed = &out.records[2];
        assert_eq!(failed.time, age(30, 1));
        assert_eq!(event(failed).count, 3);
        assert_eq!(
            event(failed).field_path.as_deref(),
            Some("spec.containers{app}")
        );
        assert_eq!(failed.node.as_deref(), Some("node-a"));
        assert_eq!(failed.message, "Failed to pull image \"app:2\"");
        assert_eq!(
            event(failed).object,
            object("", Some("default"), "app"),
            "no tell-tale field: kind unknown"
        );
    }

    #[test]
    fn kubectl_1_8_from_with_host_and_1_35_field_path_prefix() {
        let input = "\
Name:         web-0
Namespace:    shop
Containers:
  web:
    State:          Waiting
      Reason:       CrashLoopBackOff
    Last State:     Terminated
      Reason:       OOMKilled
      Exit Code:    137
    Restart Count:  5
Events:
  Type     Reason   Age                From               Message
  ----     ------   ----               ----               -------
  Warning  BackOff  10s (x12 over 5m)  kubelet, node-b    Back-off restarting failed container
  Warning  Failed   9s                 kubelet            spec.containers{web}: Error: ErrImageNeverPull
";
        let out = describe(input);
        assert_eq!(spans(&out), [(1, 10), (14, 1), (15, 1)]);
        assert_eq!(
            out.records[0].message,
            "pod shop/web-0 <no status>; web: Waiting (CrashLoopBackOff), restarts 5, last Terminated (OOMKilled, exit code 137)"
        );
        assert_eq!(out.records[0].severity, Severity::Warning);
        let backoff = &out.records[1];
        assert_eq!(backoff.node.as_deref(), Some("node-b"));
        assert_eq!(backoff.component.as_deref(), Some("kubelet"));
        assert_eq!(event(backoff).count, 12);
        assert_eq!(event(backoff).first_seen, age(300, 1));
        let failed = &out.records[2];
        assert_eq!(
            event(failed).field_path.as_deref(),
            Some("spec.containers{web}")
        );
        assert_eq!(failed.message, "Error: ErrImageNeverPull");
        assert_eq!(failed.node, None, "no Node: line, no host");
    }

    #[test]
    fn other_kinds_get_a_generic_summary() {
        let input = "\
Name:                   app
Namespace:              default
CreationTimestamp:      Mon, 10 Jun 2024 06:00:00 +0000
Selector:               app=app
Replicas:               3 desired | 1 updated | 3 total | 2 available | 1 unavailable
StrategyType:           RollingUpdate
Events:
  Type    Reason             Age   From                   Message
  ----    ------             ----  ----                   -------
  Normal  ScalingReplicaSet  12m   deployment-controller  Scaled up replica set app-6d9f7c9b8 to 1
";
        let out = describe(input);
        assert_eq!(
            out.records[0].message,
            "deployment default/app replicas: 3 desired | 1 updated | 3 total | 2 available | 1 unavailable"
        );
        assert_eq!(
            event(&out.records[1]).object,
            object("Deployment", Some("default"), "app")
        );
    }

    #[test]
    fn multi_line_event_messages_continue_the_row() {
        let input = "\
Events:
  Type     Reason   Age  From     Message
  ----     ------   ---  ----     -------
  Warning  Failed   5m   kubelet  Failed to pull image: rpc error:
desc = not found

    at registry
  Normal   Pulling  4m   kubelet  Pulling image
";
        let out = describe(input);
        assert_eq!(spans(&out), [(4, 4), (8, 1)]);
        assert_eq!(
            out.records[0].message,
            "Failed to pull image: rpc error:\ndesc = not found\n\n    at registry"
        );
        assert_eq!(out.records[1].message, "Pulling image");
    }

    #[test]
    fn hostile_lines() {
        let mut input = b"Name:         x\nNamespace:    default\nAnnotations:  big: ".to_vec();
        input.extend_from_slice(&vec![b'a'; 5 * 1024 * 1024]);
        input.extend_from_slice(
            b"\nStatus:       Running \xff\nEvents:\n  Type  Reason  Age  From  Message\n",
        );
        input.extend_from_slice(b"  Normal  Started  1s  kubelet  ok\n");
        input.extend_from_slice(&vec![b'b'; 2 * 1024 * 1024]);
        input.extend_from_slice(b"\n");
        let out = describe_bytes(&input);
        assert_eq!(spans(&out), [(1, 4), (7, 1)]);
        assert_eq!(out.records[0].message, "object default/x Running \u{fffd}");
        assert_eq!(
            skips(&out),
            [
                (5, 1, SkipReason::Header),
                (6, 1, SkipReason::Header),
                (8, 1, SkipReason::TooLong)
            ]
        );
        let problems: Vec<(u64, Problem)> =
            out.problems.iter().map(|(p, k)| (p.line, *k)).collect();
        assert_eq!(
            problems,
            [(4, Problem::InvalidUtf8), (1, Problem::Truncated)]
        );
    }

    #[test]
    fn text_before_the_first_object_is_malformed() {
        let out = describe("  truncated body line\nName:   x\nLabels: <none>\n");
        assert_eq!(skips(&out), [(1, 1, SkipReason::Malformed)]);
        assert_eq!(spans(&out), [(2, 2)]);
    }

    #[test]
    fn nothing_is_consumed_before_the_end_of_input() {
        let mut out = Collect::default();
        let chunk = head(PODS.as_bytes());
        assert_eq!(parse(chunk, &mut out), 0);
        assert!(out.records.is_empty() && out.skips.is_empty());
    }

    #[test]
    fn sniff_recognises_describe_output() {
        assert!(sniff(PODS.as_bytes()));
        assert!(sniff(NODE.as_bytes()));
        assert!(sniff(
            b"\nName:         cm\nNamespace:    default\nLabels:       <none>\n"
        ));
        assert!(!sniff(SECTION_6.as_bytes()));
        assert!(!sniff(b"Name: x\nsomething else\n"));
        assert!(!sniff(b"name:  x\nnamespace: y\n"));
        assert!(!sniff(b"LAST SEEN   TYPE   REASON   OBJECT   MESSAGE\n"));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
                describe_bytes(&bytes);
            }

            #[test]
            fn arbitrary_lines_in_a_describe_frame(lines in proptest::collection::vec("[ -~\\t]{0,60}", 0..16)) {
                let input = format!("Name:  x\nNamespace:  y\n{}\nEvents:\n  Type  Reason  Age  From  Message\n  ----  ------  ---  ----  -------\n{}", lines.join("\n"), lines.join("\n"));
                describe(&input);
            }

            #[test]
            fn cut_anywhere(cut in 0..PODS_LEN) {
                describe_bytes(&PODS.as_bytes()[..cut]);
            }
        }
    }

    const PODS_LEN: usize = PODS.len();
}
