//! kubectl text tables: `kubectl get events` / `kubectl events` (event
//! records) and `kubectl get pods` / `kubectl get nodes` (state records).
//!
//! # Columns
//!
//! kubectl pads cells with a tabwriter (padding 3), so a row is split at the
//! *header's* column start offsets: header cells are separated by two or more
//! spaces, while two-word headers (`LAST SEEN`, `NOMINATED NODE`,
//! `READINESS GATES`) have one. Offsets are counted in characters, not bytes,
//! because the tabwriter counts runes (a non-ASCII message in the middle
//! column of `-o wide` must not shift the columns after it). A row is taken
//! as aligned when every column start after the first is preceded by two
//! spaces (or lies past the end of the row); the cells are then the slices
//! between starts, and an empty cell (an event without SUBOBJECT) is simply
//! blank. A row that is not aligned (watch output whose widths grew after
//! the header was printed, hand-edited files) falls back to splitting on runs
//! of two or more spaces and assigning the pieces to columns: one each when
//! the counts match, extra pieces to the free-text MESSAGE column, and when
//! pieces are missing by nearest column start (monotone alignment).
//! Tab-padded tables (old `kubectl describe` used `\t` as the padding
//! character) are read with tabs expanded to 8-column stops: every cell then
//! starts at its column's stop. A row's validity is then checked by content
//! (ages parse, TYPE is a word, COUNT a number), which catches the rare
//! mis-split.
//!
//! # Event tables
//!
//! Recognised layouts (kubectl-events.md §5, §6): the current
//! `LAST SEEN TYPE REASON OBJECT MESSAGE`, with `NAMESPACE` first (`-A`),
//! `-o wide` (`… SUBOBJECT SOURCE MESSAGE FIRST SEEN COUNT NAME`), the 1.12
//! `KIND` variant, the pre-1.12 `LAST SEEN FIRST SEEN COUNT NAME KIND
//! SUBOBJECT TYPE REASON SOURCE MESSAGE` (also with one-word `LASTSEEN
//! FIRSTSEEN` and `{kubelet node-a}` sources), and `kubectl events`
//! (`Pod/x` objects, `3m2s (x7 over 11m)`). Ages become [`RawTime::Age`];
//! old layouts are read with [`AgeStyle::Legacy`] because their ages may come
//! from `ShortHumanDuration`.
//!
//! What a row states and what it does not: `count` is the COUNT column or
//! the `(xN …)` suffix; a `kubectl events` / describe row without suffix is a
//! single occurrence (count 1, first seen = last seen); a `kubectl get
//! events` row without COUNT column does not state the count at all, which
//! is recorded as `count: 0` with `first_seen: RawTime::None`.
//!
//! Before kubectl 1.22 a message with a newline was printed as is, so one
//! event could span several lines: a line that is not a valid row (its
//! LAST SEEN is not an age, its TYPE not a word, …) continues the previous
//! row's message (blank lines in between included). Such a line with no row
//! before it is `Malformed`. `No resources found …` / `No events found …`
//! are `Marker`s, header lines `Header`.
//!
//! # Pod and node tables
//!
//! Each row is a state observed at collection (`RawTime::AtCollection`),
//! with a readable summary as message, every column as a field (lowercase
//! keys, `-` for spaces), the NODE column (pods) or NAME (nodes) as node, and
//! `Warning` severity for unhealthy states. Only pod and node headers are
//! accepted; other `kubectl get` tables are left to other readers.

use std::borrow::Cow;

use super::kube_age::{self, AgeStyle};
use super::lines::Line;
use super::Chunk;
use crate::record::{EventInfo, Fields, Format, ObjectRef, Position, Record, Severity};
use crate::sink::{Emit, Problem, Skip, SkipReason};
use crate::time::RawTime;

// ---------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------

/// Parse a `kubectl get events` / `kubectl events` table.
pub fn parse_events(chunk: Chunk<'_>, out: &mut dyn Emit) -> usize {
    if !chunk.at_eof {
        return 0;
    }
    let mut lines = chunk.lines();
    let mut reader = EventsReader::new(out);
    for line in lines.by_ref() {
        reader.line(line);
    }
    reader.finish();
    lines.consumed()
}

/// Parse a `kubectl get pods` / `kubectl get nodes` table.
pub fn parse_resources(chunk: Chunk<'_>, out: &mut dyn Emit) -> usize {
    if !chunk.at_eof {
        return 0;
    }
    let mut lines = chunk.lines();
    let mut table: Option<ResourceTable> = None;
    for line in lines.by_ref() {
        if let Some(reason) = structural_skip(&line) {
            skip(out, &line, reason);
            continue;
        }
        let text = line.text();
        if let Some(t) = ResourceTable::from_header(&text) {
            table = Some(t);
            skip(out, &line, SkipReason::Header);
            continue;
        }
        if !line.is_utf8() {
            out.problem(line.position(1), Problem::InvalidUtf8);
        }
        match table
            .as_ref()
            .and_then(|t| t.record(&text, line.position(1)))
        {
            Some(record) => out.record(record),
            None => skip(out, &line, SkipReason::Malformed),
        }
    }
    lines.consumed()
}

/// The first non-blank line is a `kubectl get events`/`kubectl events`
/// header (or the whole head is a `No events found` / `No resources found`
/// message).
pub fn sniff_events(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    let mut meaningful = text.lines().filter(|l| !l.trim().is_empty());
    match meaningful.next() {
        Some(first) if EventTable::from_header(first, Dialect::Get).is_some() => true,
        Some(first) if first.starts_with("No events found") => true,
        Some(first) if first.starts_with("No resources found") => meaningful.next().is_none(),
        _ => false,
    }
}

/// The first non-blank line is a `kubectl get pods` or `kubectl get nodes`
/// header (plain, `-A`, `-o wide`).
pub fn sniff_resources(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    let mut meaningful = text.lines().filter(|l| !l.trim().is_empty());
    match meaningful.next() {
        Some(first) if ResourceTable::from_header(first).is_some() => true,
        Some(first) if first.starts_with("No resources found") => meaningful.next().is_none(),
        _ => false,
    }
}

fn skip(out: &mut dyn Emit, line: &Line<'_>, reason: SkipReason) {
    let detail: Cow<'_, str> = match reason {
        SkipReason::Blank | SkipReason::TooLong => Cow::Borrowed(""),
        _ => excerpt(line),
    };
    out.skip(Skip {
        position: line.position(1),
        reason,
        detail,
    });
}

fn excerpt<'a>(line: &Line<'a>) -> Cow<'a, str> {
    let cut = line.bytes.len().min(80);
    super::lines::text(&line.bytes[..cut])
}

/// Blank, too long, or a `No resources found` / `No events found` marker.
pub(crate) fn structural_skip(line: &Line<'_>) -> Option<SkipReason> {
    if line.is_too_long() {
        Some(SkipReason::TooLong)
    } else if line.is_blank() {
        Some(SkipReason::Blank)
    } else if line.bytes.starts_with(b"No resources found")
        || line.bytes.starts_with(b"No events found")
    {
        Some(SkipReason::Marker)
    } else {
        None
    }
}

// ---------------------------------------------------------------------------
// Column splitting (shared with kube_describe)
// ---------------------------------------------------------------------------

/// One column of a header: its name and the character offset where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Column {
    pub name: String,
    pub start: usize,
}

/// A piece of a line between gaps of two or more spaces (or a tab).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Piece {
    /// Character offset of the first character.
    start: usize,
    /// Byte range in the line.
    from: usize,
    to: usize,
}

/// Tab stops of tab-padded tables (old `kubectl describe` used `\t` as padding).
const TAB_WIDTH: usize = 8;

/// Split a line into pieces separated by runs of two or more spaces or by
/// tabs. A piece's `start` is its display column with tabs expanded to
/// [`TAB_WIDTH`] stops (the character index when there is no tab).
fn pieces(line: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut current: Option<Piece> = None;
    let mut spaces = 0usize;
    let mut tab = false;
    let mut column = 0usize;
    for (byte, c) in line.char_indices() {
        if c == ' ' || c == '\t' {
            spaces += 1;
            tab |= c == '\t';
            column = if c == '\t' {
                (column / TAB_WIDTH + 1) * TAB_WIDTH
            } else {
                column + 1
            };
            continue;
        }
        let gap = spaces >= 2 || tab;
        match current.as_mut() {
            Some(p) if !gap => p.to = byte + c.len_utf8(),
            _ => {
                if let Some(p) = current.take() {
                    out.push(p);
                }
                current = Some(Piece {
                    start: column,
                    from: byte,
                    to: byte + c.len_utf8(),
                });
            }
        }
        spaces = 0;
        tab = false;
        column += 1;
    }
    out.extend(current);
    out
}

/// The columns of a header line: its pieces, names normalised to single spaces.
pub(crate) fn header_columns(line: &str) -> Vec<Column> {
    pieces(line)
        .into_iter()
        .map(|p| Column {
            name: line[p.from..p.to]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            start: p.start,
        })
        .collect()
}

/// Character offsets of a line, for lines that are not pure ASCII.
struct CharMap<'r> {
    text: &'r str,
    /// Byte offset of each character; `None` when the text is ASCII.
    offsets: Option<Vec<usize>>,
}

impl<'r> CharMap<'r> {
    fn new(text: &'r str) -> CharMap<'r> {
        let offsets = (!text.is_ascii()).then(|| text.char_indices().map(|(b, _)| b).collect());
        CharMap { text, offsets }
    }

    fn len(&self) -> usize {
        self.offsets.as_ref().map_or(self.text.len(), Vec::len)
    }

    /// Byte offset of character `ch` (the end of the text past the last).
    fn byte(&self, ch: usize) -> usize {
        match &self.offsets {
            None => ch.min(self.text.len()),
            Some(o) => o.get(ch).copied().unwrap_or(self.text.len()),
        }
    }

    fn is_space(&self, ch: usize) -> bool {
        self.text
            .get(self.byte(ch)..)
            .and_then(|s| s.chars().next())
            .is_some_and(|c| c == ' ')
    }

    fn slice(&self, from: usize, to: usize) -> &'r str {
        let (a, b) = (self.byte(from), self.byte(to));
        self.text.get(a..b.max(a)).unwrap_or("")
    }
}

/// Split a row into one trimmed cell per column. `free` is the column that
/// holds free text (MESSAGE), which absorbs extra pieces when the row is not
/// aligned with the header.
pub(crate) fn split_row<'r>(row: &'r str, columns: &[Column], free: Option<usize>) -> Vec<&'r str> {
    if row.contains('\t') {
        return cells_by_tab_stops(row.trim_end(), columns);
    }
    let map = CharMap::new(row.trim_end());
    let aligned = columns.iter().skip(1).all(|c| {
        c.start >= map.len()
            || (c.start >= 2 && map.is_space(c.start - 1) && map.is_space(c.start - 2))
    });
    if aligned {
        let cells: Vec<&str> = columns
            .iter()
            .enumerate()
            .map(|(k, c)| {
                let end = columns.get(k + 1).map_or(map.len(), |n| n.start);
                map.slice(c.start, end).trim()
            })
            .collect();
        // Only free text may hold a gap; a gap elsewhere means the row ended
        // before a column start although its cells were wider.
        let gap_inside = |(k, cell): (usize, &&str)| {
            Some(k) != free && (cell.contains("  ") || cell.contains('\t'))
        };
        if !cells.iter().enumerate().any(gap_inside) {
            return cells;
        }
    }
    assign_pieces(map.text, &pieces(map.text), columns, free)
}

/// A tab-padded row: tabwriter put every cell at its column's tab stop, so a
/// piece belongs to the column whose range holds its display column.
fn cells_by_tab_stops<'r>(row: &'r str, columns: &[Column]) -> Vec<&'r str> {
    let mut ranges: Vec<Option<(usize, usize)>> = vec![None; columns.len()];
    for piece in pieces(row) {
        let k = columns
            .iter()
            .rposition(|c| c.start <= piece.start)
            .unwrap_or(0);
        if let Some(range) = ranges.get_mut(k) {
            let from = range.map_or(piece.from, |r| r.0);
            *range = Some((from, piece.to));
        }
    }
    ranges
        .into_iter()
        .map(|r| r.and_then(|(a, b)| row.get(a..b)).unwrap_or("").trim())
        .collect()
}

/// Give each piece of an unaligned row to a column (see the module doc).
fn assign_pieces<'r>(
    row: &'r str,
    pieces: &[Piece],
    columns: &[Column],
    free: Option<usize>,
) -> Vec<&'r str> {
    let n = columns.len();
    let mut cells = vec![""; n];
    let text = |p: &Piece| row.get(p.from..p.to).unwrap_or("");
    if pieces.len() >= n && n > 0 {
        let m = free.unwrap_or(n - 1).min(n - 1);
        let after = n - 1 - m;
        for k in 0..m {
            cells[k] = text(&pieces[k]);
        }
        for k in 0..after {
            cells[n - 1 - k] = text(&pieces[pieces.len() - 1 - k]);
        }
        let first = &pieces[m];
        let last = &pieces[pieces.len() - 1 - after];
        cells[m] = row.get(first.from..last.to).unwrap_or("");
        return cells;
    }
    for (k, i) in nearest_alignment(pieces, columns) {
        cells[k] = text(&pieces[i]);
    }
    cells
}

/// Monotone assignment of fewer pieces than columns minimising the total
/// distance between piece and column starts. Returns (column, piece) pairs.
fn nearest_alignment(pieces: &[Piece], columns: &[Column]) -> Vec<(usize, usize)> {
    let (np, nc) = (pieces.len(), columns.len());
    const INF: usize = usize::MAX / 4;
    // cost[i][k]: best cost with the first i pieces placed in the first k columns.
    let mut cost = vec![vec![INF; nc + 1]; np + 1];
    for row in cost.iter_mut().take(1) {
        row.fill(0);
    }
    for i in 1..=np {
        for k in i..=nc {
            let skip_column = cost[i][k - 1];
            let take = cost[i - 1][k - 1]
                .saturating_add(pieces[i - 1].start.abs_diff(columns[k - 1].start));
            cost[i][k] = skip_column.min(take);
        }
    }
    let mut pairs = Vec::with_capacity(np);
    let (mut i, mut k) = (np, nc);
    while i > 0 && k > 0 {
        let take =
            cost[i - 1][k - 1].saturating_add(pieces[i - 1].start.abs_diff(columns[k - 1].start));
        if cost[i][k] == take {
            pairs.push((k - 1, i - 1));
            i -= 1;
        }
        k -= 1;
    }
    pairs.reverse();
    pairs
}

/// The field key of a known column: lower case, `-` for spaces. Every
/// column a table is accepted with is listed, so keys need no allocation.
fn field_key(name: &str) -> &'static str {
    match name {
        "NAMESPACE" => "namespace",
        "LAST SEEN" | "LastSeen" => "last-seen",
        "LASTSEEN" => "lastseen",
        "FIRST SEEN" | "FirstSeen" => "first-seen",
        "FIRSTSEEN" => "firstseen",
        "COUNT" | "Count" => "count",
        "TYPE" | "Type" => "type",
        "REASON" | "Reason" => "reason",
        "OBJECT" => "object",
        "KIND" => "kind",
        "NAME" => "name",
        "SUBOBJECT" => "subobject",
        "SubObjectPath" => "subobjectpath",
        "SOURCE" => "source",
        "From" => "from",
        "Age" => "age",
        "MESSAGE" | "Message" => "message",
        "READY" => "ready",
        "STATUS" => "status",
        "RESTARTS" => "restarts",
        "AGE" => "age",
        "IP" => "ip",
        "NODE" => "node",
        "NOMINATED NODE" => "nominated-node",
        "READINESS GATES" => "readiness-gates",
        "LABELS" => "labels",
        "ROLES" => "roles",
        "VERSION" => "version",
        "INTERNAL-IP" => "internal-ip",
        "EXTERNAL-IP" => "external-ip",
        "OS-IMAGE" => "os-image",
        "KERNEL-VERSION" => "kernel-version",
        "CONTAINER-RUNTIME" => "container-runtime",
        _ => "column",
    }
}

// ---------------------------------------------------------------------------
// Event tables (shared with kube_describe)
// ---------------------------------------------------------------------------

/// What a column of an events table holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Namespace,
    LastSeen,
    FirstSeen,
    Count,
    Type,
    Reason,
    Object,
    Kind,
    Name,
    Subobject,
    Source,
    Message,
}

/// Which program printed the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// `kubectl get events` / `kubectl events`: upper-case headers.
    Get,
    /// The Events section of `kubectl describe`: `Type Reason Age From Message`
    /// or the pre-1.8 `FirstSeen LastSeen Count From SubObjectPath Type Reason Message`.
    Describe,
}

fn role(name: &str, dialect: Dialect) -> Option<Role> {
    match dialect {
        Dialect::Get => Some(match name {
            "NAMESPACE" => Role::Namespace,
            "LAST SEEN" | "LASTSEEN" => Role::LastSeen,
            "FIRST SEEN" | "FIRSTSEEN" => Role::FirstSeen,
            "COUNT" => Role::Count,
            "TYPE" => Role::Type,
            "REASON" => Role::Reason,
            "OBJECT" => Role::Object,
            "KIND" => Role::Kind,
            "NAME" => Role::Name,
            "SUBOBJECT" => Role::Subobject,
            "SOURCE" => Role::Source,
            "MESSAGE" => Role::Message,
            _ => return None,
        }),
        Dialect::Describe => Some(match name {
            "Age" | "LastSeen" => Role::LastSeen,
            "FirstSeen" => Role::FirstSeen,
            "Count" => Role::Count,
            "Type" => Role::Type,
            "Reason" => Role::Reason,
            "From" => Role::Source,
            "SubObjectPath" => Role::Subobject,
            "Message" => Role::Message,
            _ => return None,
        }),
    }
}

/// The layout of one events table, from its header.
#[derive(Debug, Clone)]
pub(crate) struct EventTable {
    columns: Vec<Column>,
    roles: Vec<Role>,
    free: Option<usize>,
    style: AgeStyle,
    /// NAME is the involved object's name (pre-1.12), not the event's.
    name_is_object: bool,
    dialect: Dialect,
}

impl EventTable {
    /// Recognise a header line; `None` when it is not an events header.
    pub(crate) fn from_header(line: &str, dialect: Dialect) -> Option<EventTable> {
        let cheap_hint = match dialect {
            Dialect::Get => line.contains("SEEN"),
            Dialect::Describe => line.contains("Reason"),
        };
        if line.len() > 4096 || !cheap_hint {
            return None;
        }
        let columns = header_columns(line);
        let roles = columns
            .iter()
            .map(|c| role(&c.name, dialect))
            .collect::<Option<Vec<Role>>>()?;
        let has = |r: Role| roles.contains(&r);
        let index = |r: Role| roles.iter().position(|x| *x == r);
        let valid = match dialect {
            Dialect::Get => {
                line.starts_with(|c: char| c.is_ascii_uppercase())
                    && has(Role::LastSeen)
                    && (has(Role::Reason) || has(Role::Message))
            }
            Dialect::Describe => {
                has(Role::LastSeen) && has(Role::Reason) && has(Role::Type) && has(Role::Message)
            }
        };
        let repeated = roles
            .iter()
            .enumerate()
            .any(|(i, r)| roles[..i].contains(r));
        if !valid || repeated {
            return None;
        }
        // Pre-1.12 get / pre-1.8 describe: FIRST SEEN comes before TYPE.
        let legacy = match (index(Role::FirstSeen), index(Role::Type)) {
            (Some(f), Some(t)) => f < t,
            (Some(_), None) => true,
            _ => false,
        };
        Some(EventTable {
            free: index(Role::Message),
            style: if legacy {
                AgeStyle::Legacy
            } else {
                AgeStyle::Human
            },
            name_is_object: legacy,
            columns,
            roles,
            dialect,
        })
    }

    /// Split and check a row; `None` when the line is not a valid row of
    /// this table (then it is a continuation or damage).
    pub(crate) fn row<'r>(&self, line: &'r str) -> Option<EventRow<'r>> {
        let first_start = self.columns.first().map_or(0, |c| c.start);
        let indent = line.len() - line.trim_start_matches(' ').len();
        if indent != first_start {
            return None;
        }
        let cells = split_row(line, &self.columns, self.free);
        let cell = |r: Role| {
            self.roles
                .iter()
                .position(|x| *x == r)
                .and_then(|i| cells.get(i).copied())
        };
        let (last, repeat, first_from_suffix) =
            kube_age::parse_age_column_with(cell(Role::LastSeen)?, self.style)?;
        let first_column = match cell(Role::FirstSeen) {
            Some(c) => Some(kube_age::parse_with(c, self.style)?),
            None => None,
        };
        let count_column = match cell(Role::Count) {
            Some(c) => Some(c.parse::<u32>().ok()?),
            None => None,
        };
        let event_type = cell(Role::Type).unwrap_or("");
        if cell(Role::Type).is_some()
            && (event_type.is_empty() || !event_type.chars().all(|c| c.is_ascii_alphabetic()))
        {
            return None;
        }
        if let Some(ns) = cell(Role::Namespace) {
            if ns.is_empty() || ns.contains(' ') {
                return None;
            }
        }
        let object = self.object(&cell);
        let states_single = match self.dialect {
            Dialect::Describe => true,
            // `kubectl events` keeps the kind's case; `get events` lowercases it.
            Dialect::Get => {
                cell(Role::Object).is_some_and(|o| o.starts_with(|c: char| c.is_ascii_uppercase()))
            }
        };
        let count = count_column
            .or(repeat)
            .unwrap_or(if states_single { 1 } else { 0 });
        let first_seen = first_column
            .or(first_from_suffix)
            .unwrap_or(if states_single { last } else { RawTime::None });
        let (component, host) = parse_source(cell(Role::Source).unwrap_or(""));
        Some(EventRow {
            last,
            first_seen,
            count,
            event_type,
            reason: cell(Role::Reason).unwrap_or(""),
            object,
            field_path: cell(Role::Subobject).filter(|s| !s.is_empty() && *s != "<none>"),
            component,
            host,
            message: Cow::Borrowed(cell(Role::Message).unwrap_or("")),
            fields: self
                .columns
                .iter()
                .zip(cells.iter())
                .filter(|(_, v)| !v.is_empty())
                .map(|(c, v)| (Cow::Borrowed(field_key(&c.name)), Cow::Borrowed(*v)))
                .collect(),
        })
    }

    fn object<'r>(&self, cell: &dyn Fn(Role) -> Option<&'r str>) -> Option<ObjectRef<'r>> {
        let namespace = cell(Role::Namespace).map(Cow::Borrowed);
        let (kind, name) = if let Some(object) = cell(Role::Object) {
            match object.split_once('/') {
                Some((kind, name)) => (canonical_kind(kind), name),
                None => (canonical_kind(object), ""),
            }
        } else if let Some(kind) = cell(Role::Kind) {
            let name = cell(Role::Name).unwrap_or("");
            let name = if self.name_is_object {
                name
            } else {
                object_name_from_event_name(name)
            };
            (canonical_kind(kind), name)
        } else {
            return None;
        };
        let namespace = if is_cluster_scoped(&kind) {
            None
        } else {
            namespace
        };
        Some(ObjectRef {
            kind,
            namespace,
            name: Cow::Borrowed(name),
        })
    }
}

/// One row of an events table, cells borrowed from the line.
#[derive(Debug)]
pub(crate) struct EventRow<'r> {
    last: RawTime,
    first_seen: RawTime,
    count: u32,
    event_type: &'r str,
    reason: &'r str,
    /// `None` in describe tables, where the object is the described one.
    object: Option<ObjectRef<'r>>,
    pub(crate) field_path: Option<&'r str>,
    component: Option<&'r str>,
    host: Option<&'r str>,
    pub(crate) message: Cow<'r, str>,
    fields: Vec<(Cow<'r, str>, Cow<'r, str>)>,
}

/// Append a continuation line (after `blank_lines` blank lines) to a message
/// that was printed with its newlines (kubectl before 1.22).
pub(crate) fn append_continuation(message: &mut Cow<'_, str>, blank_lines: u32, text: &str) {
    let message = message.to_mut();
    for _ in 0..=blank_lines {
        message.push('\n');
    }
    message.push_str(text.trim_end());
}

impl<'r> EventRow<'r> {
    /// The record of this row. `object` is used when the row names none
    /// (describe output names the object once, above the table).
    pub(crate) fn into_record(
        self,
        format: Format,
        position: Position,
        object: Option<ObjectRef<'r>>,
    ) -> Record<'r> {
        let object = self.object.or(object).unwrap_or_default();
        let host = self.host.filter(|h| {
            // A SOURCE that fell back to reportingController/Instance names
            // an instance (`default-scheduler-cp-1`), not a node.
            !self
                .component
                .is_some_and(|c| h.starts_with(c) && h[c.len()..].starts_with('-'))
        });
        let node = host.map(Cow::Borrowed).or_else(|| {
            (object.kind == "Node" && !object.name.is_empty()).then(|| object.name.clone())
        });
        let severity = if self.event_type == "Warning" {
            Severity::Warning
        } else {
            Severity::Info
        };
        Record {
            time: self.last,
            position,
            format,
            node,
            component: self.component.map(Cow::Borrowed),
            severity,
            message: self.message,
            fields: if self.fields.is_empty() {
                Fields::None
            } else {
                Fields::List(self.fields)
            },
            event: Some(Box::new(EventInfo {
                reason: Cow::Borrowed(self.reason),
                event_type: Cow::Borrowed(self.event_type),
                object,
                field_path: self.field_path.map(Cow::Borrowed),
                source: self.component.map(Cow::Borrowed),
                count: self.count,
                first_seen: self.first_seen,
                last_seen: self.last,
            })),
            ..Record::default()
        }
    }
}

/// `kubelet, node-a`, `{kubelet node-a}`, `default-scheduler`, or empty.
fn parse_source(cell: &str) -> (Option<&str>, Option<&str>) {
    let cell = cell.trim();
    let (component, host) =
        if let Some(inner) = cell.strip_prefix('{').and_then(|c| c.strip_suffix('}')) {
            match inner.split_once(' ') {
                Some((c, h)) => (c, h),
                None => (inner, ""),
            }
        } else {
            match cell.split_once(',') {
                Some((c, h)) => (c, h),
                None => (cell, ""),
            }
        };
    (non_empty(component), non_empty(host))
}

fn non_empty(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|s| !s.is_empty())
}

/// `pod` → `Pod`, `replicaset` → `ReplicaSet`, …; other kinds as written.
pub(crate) fn canonical_kind(kind: &str) -> Cow<'_, str> {
    Cow::Borrowed(match kind {
        "pod" => "Pod",
        "node" => "Node",
        "deployment" => "Deployment",
        "replicaset" => "ReplicaSet",
        "daemonset" => "DaemonSet",
        "statefulset" => "StatefulSet",
        "job" => "Job",
        "cronjob" => "CronJob",
        "service" => "Service",
        "endpoints" => "Endpoints",
        "persistentvolumeclaim" => "PersistentVolumeClaim",
        other => other,
    })
}

/// Kinds whose events live in namespace `default` although the object has none.
fn is_cluster_scoped(kind: &str) -> bool {
    matches!(
        kind,
        "Node"
            | "Namespace"
            | "PersistentVolume"
            | "StorageClass"
            | "ClusterRole"
            | "ClusterRoleBinding"
            | "CustomResourceDefinition"
            | "CSINode"
            | "PriorityClass"
            | "VolumeAttachment"
    )
}

/// Event names are `<object name>.<hex UnixNano>` (kubectl-events.md §1);
/// the object name is what is left without a hex suffix of 8+ digits.
fn object_name_from_event_name(name: &str) -> &str {
    match name.rsplit_once('.') {
        Some((object, hex)) if hex.len() >= 8 && hex.chars().all(|c| c.is_ascii_hexdigit()) => {
            object
        }
        _ => "",
    }
}

/// Line-by-line state of an events table: the current header, a row waiting
/// for possible continuation lines, and blank lines seen after it.
struct EventsReader<'a, 'o> {
    out: &'o mut dyn Emit,
    table: Option<EventTable>,
    /// A row and the number of lines it spans so far.
    pending: Option<(Record<'a>, u32)>,
    blanks: Vec<Line<'a>>,
}

impl<'a, 'o> EventsReader<'a, 'o> {
    fn new(out: &'o mut dyn Emit) -> Self {
        EventsReader {
            out,
            table: None,
            pending: None,
            blanks: Vec::new(),
        }
    }

    fn line(&mut self, line: Line<'a>) {
        match structural_skip(&line) {
            Some(SkipReason::Blank) if self.pending.is_some() => {
                self.blanks.push(line);
                return;
            }
            Some(reason) => {
                self.flush();
                skip(self.out, &line, reason);
                return;
            }
            None => {}
        }
        let text = line.text();
        if let Some(table) = EventTable::from_header(&text, Dialect::Get) {
            self.flush();
            self.table = Some(table);
            skip(self.out, &line, SkipReason::Header);
            return;
        }
        let position = line.position(1);
        match text {
            Cow::Borrowed(text) => match self.table.as_ref().and_then(|t| t.row(text)) {
                Some(row) => self.start_row(row_record(row, position)),
                None => self.continuation(&line, text),
            },
            Cow::Owned(text) => {
                self.out.problem(position, Problem::InvalidUtf8);
                match self.table.as_ref().and_then(|t| t.row(&text)) {
                    Some(row) => self.start_row(row_record(row, position).into_owned()),
                    None => self.continuation(&line, &text),
                }
            }
        }
    }

    fn start_row(&mut self, record: Record<'a>) {
        self.flush();
        self.pending = Some((record, 1));
    }

    fn continuation(&mut self, line: &Line<'a>, text: &str) {
        let blanks = self.blanks.len() as u32;
        match self.pending.as_mut() {
            Some((record, lines)) => {
                append_continuation(&mut record.message, blanks, text);
                *lines += blanks + 1;
                self.blanks.clear();
            }
            None => skip(self.out, line, SkipReason::Malformed),
        }
    }

    /// Emit the pending row, then the blank lines held back after it.
    fn flush(&mut self) {
        if let Some((mut record, lines)) = self.pending.take() {
            record.position.lines = lines;
            let (message, cut) =
                super::kube_events::cap_message(std::mem::take(&mut record.message));
            record.message = message;
            if cut {
                self.out.problem(record.position, Problem::Truncated);
            }
            self.out.record(record);
        }
        for blank in std::mem::take(&mut self.blanks) {
            skip(self.out, &blank, SkipReason::Blank);
        }
    }

    fn finish(mut self) {
        self.flush();
    }
}

fn row_record<'r>(row: EventRow<'r>, position: Position) -> Record<'r> {
    row.into_record(Format::EventsTable, position, None)
}

// ---------------------------------------------------------------------------
// Pod and node tables
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ResourceKind {
    Pods,
    Nodes,
}

const POD_COLUMNS: &[&str] = &[
    "NAMESPACE",
    "NAME",
    "READY",
    "STATUS",
    "RESTARTS",
    "AGE",
    "IP",
    "NODE",
    "NOMINATED NODE",
    "READINESS GATES",
    "LABELS",
];

const NODE_COLUMNS: &[&str] = &[
    "NAME",
    "STATUS",
    "ROLES",
    "AGE",
    "VERSION",
    "INTERNAL-IP",
    "EXTERNAL-IP",
    "OS-IMAGE",
    "KERNEL-VERSION",
    "CONTAINER-RUNTIME",
    "LABELS",
];

/// A `get pods` / `get nodes` header.
#[derive(Debug, Clone)]
struct ResourceTable {
    kind: ResourceKind,
    columns: Vec<Column>,
}

impl ResourceTable {
    fn from_header(line: &str) -> Option<ResourceTable> {
        if line.len() > 4096 || !line.starts_with("NAME") {
            return None;
        }
        let columns = header_columns(line);
        let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        let body = names.strip_prefix(&["NAMESPACE"]).unwrap_or(&names);
        let kind = if body.starts_with(&["NAME", "READY", "STATUS", "RESTARTS", "AGE"])
            && names.iter().all(|n| POD_COLUMNS.contains(n))
        {
            ResourceKind::Pods
        } else if names.starts_with(&["NAME", "STATUS", "ROLES", "AGE", "VERSION"])
            && names.iter().all(|n| NODE_COLUMNS.contains(n))
        {
            ResourceKind::Nodes
        } else {
            return None;
        };
        Some(ResourceTable { kind, columns })
    }

    fn record<'r>(&self, line: &'r str, position: Position) -> Option<Record<'r>> {
        if line.starts_with(' ') {
            return None;
        }
        let cells = split_row(line, &self.columns, None);
        let cell = |name: &str| {
            self.columns
                .iter()
                .position(|c| c.name == name)
                .and_then(|i| cells.get(i).copied())
                .unwrap_or("")
        };
        let name = cell("NAME");
        let status = cell("STATUS");
        if name.is_empty() || name.contains(' ') || status.is_empty() {
            return None;
        }
        let (message, severity, node) = match self.kind {
            ResourceKind::Pods => {
                let ready = cell("READY");
                if !is_ready_ratio(ready) {
                    return None;
                }
                let restarts = cell("RESTARTS").split(' ').next().unwrap_or("");
                let who = match cell("NAMESPACE") {
                    "" => name.to_string(),
                    ns => format!("{ns}/{name}"),
                };
                let message = format!("pod {who} {status} ready={ready} restarts={restarts}");
                let node = Some(cell("NODE")).filter(|n| !n.is_empty() && !n.starts_with('<'));
                (message, pod_severity(status, ready), node)
            }
            ResourceKind::Nodes => {
                let mut message = format!("node {name} {status} version={}", cell("VERSION"));
                let runtime = cell("CONTAINER-RUNTIME");
                if !runtime.is_empty() {
                    message.push_str(" runtime=");
                    message.push_str(runtime);
                }
                (message, node_severity(status), Some(name))
            }
        };
        let fields = self
            .columns
            .iter()
            .zip(cells.iter())
            .filter(|(_, v)| !v.is_empty())
            .map(|(c, v)| (Cow::Borrowed(field_key(&c.name)), Cow::Borrowed(*v)))
            .collect();
        Some(Record {
            time: RawTime::AtCollection,
            position,
            format: Format::ResourceTable,
            node: node.map(Cow::Borrowed),
            severity,
            message: Cow::Owned(message),
            fields: Fields::List(fields),
            ..Record::default()
        })
    }
}

/// `1/2`: ready and total containers.
fn is_ready_ratio(cell: &str) -> bool {
    cell.split_once('/').is_some_and(|(a, b)| {
        !a.is_empty()
            && !b.is_empty()
            && a.chars().all(|c| c.is_ascii_digit())
            && b.chars().all(|c| c.is_ascii_digit())
    })
}

/// Healthy (`Running` with every container ready, `Completed`, `Succeeded`)
/// is Info; on the way up (`ContainerCreating`, `PodInitializing`,
/// `Init:1/2`, running but not ready) is Notice; everything else
/// (`Pending`, `Terminating`, `Unknown`, `CrashLoopBackOff`, `Error`,
/// `Evicted`, `Init:ErrImagePull`, …) is Warning.
fn pod_severity(status: &str, ready: &str) -> Severity {
    let all_ready = ready.split_once('/').is_some_and(|(a, b)| a == b);
    match status {
        "Running" if all_ready => Severity::Info,
        "Completed" | "Succeeded" => Severity::Info,
        "Running" | "ContainerCreating" | "PodInitializing" => Severity::Notice,
        s if s.strip_prefix("Init:").is_some_and(is_ready_ratio) => Severity::Notice,
        _ => Severity::Warning,
    }
}

/// `NotReady`/`Unknown` is Warning, cordoned (`SchedulingDisabled`) Notice.
fn node_severity(status: &str) -> Severity {
    let parts: Vec<&str> = status.split(',').collect();
    if parts
        .iter()
        .any(|p| *p != "Ready" && *p != "SchedulingDisabled")
    {
        Severity::Warning
    } else if parts.contains(&"SchedulingDisabled") {
        Severity::Notice
    } else {
        Severity::Info
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::testing::{event, field, head, parse_whole, skips};
    use crate::sink::Collect;

    fn events(input: &str) -> Collect {
        parse_whole(parse_events, input.as_bytes())
    }

    fn resources(input: &str) -> Collect {
        parse_whole(parse_resources, input.as_bytes())
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

    /// Lay cells out like kubectl's tabwriter: every column but the last
    /// padded to its widest cell (in characters) plus `padding` spaces.
    fn tabulate(rows: &[&[&str]], padding: usize) -> String {
        let columns = rows.iter().map(|r| r.len()).max().unwrap_or(0);
        let widths: Vec<usize> = (0..columns)
            .map(|c| {
                rows.iter()
                    .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut text = String::new();
        for row in rows {
            let mut line = String::new();
            for (c, cell) in row.iter().enumerate() {
                line.push_str(cell);
                if c + 1 < row.len() {
                    let pad = widths[c] + padding - cell.chars().count();
                    line.push_str(&" ".repeat(pad));
                }
            }
            text.push_str(line.trim_end());
            text.push('\n');
        }
        text
    }

    /// kubectl-events.md §5, verbatim.
    const SECTION_5: &str = "\
LAST SEEN   TYPE      REASON              OBJECT                          MESSAGE
12m         Normal    Scheduled           pod/app-6d9f7c9b8-kq2wz         Successfully assigned default/app-6d9f7c9b8-kq2wz to node-a
3m2s        Warning   Failed              pod/app-6d9f7c9b8-kq2wz         Error: ErrImageNeverPull
2m40s       Normal    NodeNotReady        node/node-a                     Node node-a status is now: NodeNotReady
<unknown>   Normal    Starting            node/node-b                     Starting kubelet.
";

    #[test]
    fn section_5_get_events_table() {
        let out = events(SECTION_5);
        assert_eq!(skips(&out), [(1, 1, SkipReason::Header)]);
        assert_eq!(out.records.len(), 4);
        let summary: Vec<(RawTime, &str, &str, ObjectRef, u32, RawTime)> = out
            .records
            .iter()
            .map(|r| {
                let e = event(r);
                (
                    r.time,
                    &*e.event_type,
                    &*e.reason,
                    e.object.clone(),
                    e.count,
                    e.first_seen,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    age(720, 60),
                    "Normal",
                    "Scheduled",
                    object("Pod", None, "app-6d9f7c9b8-kq2wz"),
                    0,
                    RawTime::None
                ),
                (
                    age(182, 1),
                    "Warning",
                    "Failed",
                    object("Pod", None, "app-6d9f7c9b8-kq2wz"),
                    0,
                    RawTime::None
                ),
                (
                    age(160, 1),
                    "Normal",
                    "NodeNotReady",
                    object("Node", None, "node-a"),
                    0,
                    RawTime::None
                ),
                (
                    RawTime::None,
                    "Normal",
                    "Starting",
                    object("Node", None, "node-b"),
                    0,
                    RawTime::None
                ),
            ]
        );
        let first = &out.records[0];
        assert_eq!(first.format, Format::EventsTable);
        assert_eq!(
            first.message,
            "Successfully assigned default/app-6d9f7c9b8-kq2wz to node-a"
        );
        assert_eq!((first.position.line, first.position.lines), (2, 1));
        assert_eq!(first.node, None);
        assert_eq!(out.records[1].severity, Severity::Warning);
        assert_eq!(
            out.records[2].node.as_deref(),
            Some("node-a"),
            "a Node's events are about that node"
        );
        assert_eq!(out.records[3].message, "Starting kubelet.");
        assert_eq!(field(&out.records[0], "last-seen").as_deref(), Some("12m"));
        assert_eq!(
            field(&out.records[0], "object").as_deref(),
            Some("pod/app-6d9f7c9b8-kq2wz")
        );
    }

    /// kubectl-events.md §6, `kubectl events`, verbatim.
    const SECTION_6: &str = "\
LAST SEEN            TYPE      REASON      OBJECT                       MESSAGE
12m                  Normal    Scheduled   Pod/app-6d9f7c9b8-kq2wz      Successfully assigned default/app-6d9f7c9b8-kq2wz to node-a
3m2s (x7 over 11m)   Warning   Failed      Pod/app-6d9f7c9b8-kq2wz      Error: ErrImageNeverPull
";

    #[test]
    fn section_6_kubectl_events_table() {
        let out = events(SECTION_6);
        assert_eq!(out.records.len(), 2);
        let scheduled = event(&out.records[0]);
        assert_eq!(scheduled.object, object("Pod", None, "app-6d9f7c9b8-kq2wz"));
        assert_eq!(scheduled.count, 1, "no suffix: a single occurrence");
        assert_eq!(scheduled.first_seen, age(720, 60));
        let failed = &out.records[1];
        assert_eq!(failed.time, age(182, 1));
        assert_eq!(event(failed).count, 7);
        assert_eq!(event(failed).first_seen, age(660, 60));
        assert_eq!(event(failed).last_seen, age(182, 1));
        assert_eq!(failed.message, "Error: ErrImageNeverPull");
    }

    #[test]
    fn all_namespaces_table() {
        let input = tabulate(
            &[
                &[
                    "NAMESPACE",
                    "LAST SEEN",
                    "TYPE",
                    "REASON",
                    "OBJECT",
                    "MESSAGE",
                ],
                &[
                    "default",
                    "12m",
                    "Normal",
                    "Scheduled",
                    "pod/app-6d9f7c9b8-kq2wz",
                    "Successfully assigned default/app-6d9f7c9b8-kq2wz to node-a",
                ],
                &[
                    "default",
                    "2m40s",
                    "Normal",
                    "NodeNotReady",
                    "node/node-a",
                    "Node node-a status is now: NodeNotReady",
                ],
                &[
                    "kube-system",
                    "41s",
                    "Warning",
                    "Unhealthy",
                    "pod/coredns-7db6d8ff4d-2xv9q",
                    "Readiness probe failed: HTTP probe failed with statuscode: 503",
                ],
                &[
                    "system-upgrade",
                    "5m",
                    "Normal",
                    "SuccessfulCreate",
                    "job/apply-k3s-server-on-cp-1-with-9f2e",
                    "Created pod: apply-k3s-server-on-cp-1-with-9f2e-abcde",
                ],
            ],
            3,
        );
        let out = events(&input);
        let objects: Vec<ObjectRef> = out
            .records
            .iter()
            .map(|r| event(r).object.clone())
            .collect();
        assert_eq!(
            objects,
            [
                object("Pod", Some("default"), "app-6d9f7c9b8-kq2wz"),
                object("Node", None, "node-a"),
                object("Pod", Some("kube-system"), "coredns-7db6d8ff4d-2xv9q"),
                object(
                    "Job",
                    Some("system-upgrade"),
                    "apply-k3s-server-on-cp-1-with-9f2e"
                ),
            ]
        );
        assert_eq!(
            out.records[2].message,
            "Readiness probe failed: HTTP probe failed with statuscode: 503"
        );
        assert_eq!(out.records[3].time, age(300, 1));
    }

    #[test]
    fn wide_table_with_empty_subobject_and_sources() {
        let input = tabulate(
            &[
                &[
                    "LAST SEEN",
                    "TYPE",
                    "REASON",
                    "OBJECT",
                    "SUBOBJECT",
                    "SOURCE",
                    "MESSAGE",
                    "FIRST SEEN",
                    "COUNT",
                    "NAME",
                ],
                &[
                    "12m",
                    "Normal",
                    "Scheduled",
                    "pod/app-6d9f7c9b8-kq2wz",
                    "",
                    "default-scheduler, default-scheduler-cp-1",
                    "Successfully assigned default/app-6d9f7c9b8-kq2wz to node-a",
                    "12m",
                    "1",
                    "app-6d9f7c9b8-kq2wz.17d7a1c2b3e4f5a6",
                ],
                &[
                    "3m2s",
                    "Warning",
                    "Failed",
                    "pod/app-6d9f7c9b8-kq2wz",
                    "spec.containers{app}",
                    "kubelet, node-a",
                    "Error: ErrImageNeverPull — “never”",
                    "11m",
                    "7",
                    "app-6d9f7c9b8-kq2wz.17d7a1c2c9d8e7f6",
                ],
                &[
                    "2m40s",
                    "Normal",
                    "NodeNotReady",
                    "node/node-a",
                    "",
                    "node-controller",
                    "Node node-a status is now: NodeNotReady",
                    "2m40s",
                    "1",
                    "node-a.17d7a1c2d0000000",
                ],
            ],
            3,
        );
        let out = events(&input);
        assert_eq!(out.records.len(), 3);
        let scheduled = &out.records[0];
        assert_eq!(scheduled.component.as_deref(), Some("default-scheduler"));
        assert_eq!(scheduled.node, None, "a reporting instance is not a node");
        assert_eq!(event(scheduled).field_path, None);
        assert_eq!(event(scheduled).count, 1);
        assert_eq!(event(scheduled).first_seen, age(720, 60));
        assert_eq!(
            field(scheduled, "name").as_deref(),
            Some("app-6d9f7c9b8-kq2wz.17d7a1c2b3e4f5a6")
        );
        let failed = &out.records[1];
        assert_eq!(failed.message, "Error: ErrImageNeverPull — “never”");
        assert_eq!(failed.node.as_deref(), Some("node-a"));
        assert_eq!(failed.component.as_deref(), Some("kubelet"));
        assert_eq!(
            event(failed).field_path.as_deref(),
            Some("spec.containers{app}")
        );
        assert_eq!(event(failed).count, 7);
        assert_eq!(event(failed).first_seen, age(660, 60));
        let node = &out.records[2];
        assert_eq!(node.component.as_deref(), Some("node-controller"));
        assert_eq!(node.node.as_deref(), Some("node-a"));
        assert_eq!(event(node).first_seen, age(160, 1));
    }

    #[test]
    fn pre_1_12_table_with_one_word_headers_and_brace_sources() {
        let input = tabulate(
            &[
                &[
                    "LASTSEEN",
                    "FIRSTSEEN",
                    "COUNT",
                    "NAME",
                    "KIND",
                    "SUBOBJECT",
                    "TYPE",
                    "REASON",
                    "SOURCE",
                    "MESSAGE",
                ],
                &[
                    "1m",
                    "5h",
                    "416",
                    "frontend4",
                    "Pod",
                    "",
                    "Warning",
                    "FailedScheduling",
                    "{default-scheduler }",
                    "0/3 nodes are available: 3 Insufficient cpu.",
                ],
                &[
                    "30s",
                    "2d",
                    "3",
                    "frontend4",
                    "Pod",
                    "spec.containers{web}",
                    "Normal",
                    "Pulled",
                    "{kubelet node-a}",
                    "Container image \"nginx:1.13\" already present on machine",
                ],
            ],
            3,
        );
        let out = events(&input);
        assert_eq!(out.records.len(), 2);
        let first = &out.records[0];
        assert_eq!(
            first.time,
            age(60, 60),
            "legacy ages are exact only to their unit"
        );
        assert_eq!(event(first).first_seen, age(5 * 3600, 3600));
        assert_eq!(event(first).count, 416);
        assert_eq!(event(first).object, object("Pod", None, "frontend4"));
        assert_eq!(first.component.as_deref(), Some("default-scheduler"));
        assert_eq!(first.node, None);
        let second = &out.records[1];
        assert_eq!(second.component.as_deref(), Some("kubelet"));
        assert_eq!(second.node.as_deref(), Some("node-a"));
        assert_eq!(
            event(second).field_path.as_deref(),
            Some("spec.containers{web}")
        );
        assert_eq!(event(second).first_seen, age(2 * 86_400, 86_400));
    }

    #[test]
    fn pre_1_12_table_with_two_word_headers() {
        let input = tabulate(
            &[
                &[
                    "LAST SEEN",
                    "FIRST SEEN",
                    "COUNT",
                    "NAME",
                    "KIND",
                    "SUBOBJECT",
                    "TYPE",
                    "REASON",
                    "SOURCE",
                    "MESSAGE",
                ],
                &[
                    "4m",
                    "4m",
                    "1",
                    "node-a",
                    "Node",
                    "",
                    "Normal",
                    "Starting",
                    "kubelet, node-a",
                    "Starting kubelet.",
                ],
            ],
            3,
        );
        let out = events(&input);
        assert_eq!(out.records.len(), 1);
        let r = &out.records[0];
        assert_eq!(r.time, age(240, 60));
        assert_eq!(event(r).object, object("Node", None, "node-a"));
        assert_eq!(r.node.as_deref(), Some("node-a"));
        assert_eq!(r.message, "Starting kubelet.");
    }

    #[test]
    fn kind_column_variant_of_1_12() {
        let plain = tabulate(
            &[
                &["LAST SEEN", "TYPE", "REASON", "KIND", "MESSAGE"],
                &[
                    "12m",
                    "Normal",
                    "Scheduled",
                    "Pod",
                    "Successfully assigned default/app to node-a",
                ],
            ],
            3,
        );
        let out = events(&plain);
        assert_eq!(event(&out.records[0]).object, object("Pod", None, ""));
        let wide = tabulate(
            &[
                &[
                    "LAST SEEN",
                    "TYPE",
                    "REASON",
                    "KIND",
                    "SOURCE",
                    "MESSAGE",
                    "SUBOBJECT",
                    "FIRST SEEN",
                    "COUNT",
                    "NAME",
                ],
                &[
                    "12m",
                    "Normal",
                    "Scheduled",
                    "Pod",
                    "default-scheduler",
                    "Successfully assigned default/app to node-a",
                    "",
                    "12m",
                    "1",
                    "app.17d7a1c2b3e4f5a6",
                ],
            ],
            3,
        );
        let out = events(&wide);
        assert_eq!(event(&out.records[0]).object, object("Pod", None, "app"));
        assert_eq!(
            out.records[0].time,
            age(720, 60),
            "1.12 ages are HumanDuration"
        );
    }

    #[test]
    fn multi_line_messages_of_old_kubectl_continue_the_row() {
        let input = "\
LAST SEEN   TYPE      REASON    OBJECT      MESSAGE
5m          Warning   Failed    pod/app     Failed to pull image \"app:2\": rpc error: code = Unknown
desc = failed to resolve reference

    at registry.local
4m          Normal    Pulling   pod/app     Pulling image \"app:2\"

";
        let out = events(input);
        assert_eq!(out.records.len(), 2);
        let failed = &out.records[0];
        assert_eq!(
            failed.message,
            "Failed to pull image \"app:2\": rpc error: code = Unknown\ndesc = failed to resolve reference\n\n    at registry.local"
        );
        assert_eq!((failed.position.line, failed.position.lines), (2, 4));
        assert_eq!(
            (out.records[1].position.line, out.records[1].position.lines),
            (6, 1)
        );
        assert_eq!(
            skips(&out),
            [(1, 1, SkipReason::Header), (7, 1, SkipReason::Blank)]
        );
    }

    #[test]
    fn markers_and_lines_outside_a_table() {
        let out = events("No resources found in default namespace.\n");
        assert_eq!(skips(&out), [(1, 1, SkipReason::Marker)]);
        let out = events("No events found in kube-system namespace.\n");
        assert_eq!(skips(&out), [(1, 1, SkipReason::Marker)]);
        let out = events("Warning: something\n12m   Normal   X   pod/a   b\n");
        assert_eq!(
            skips(&out),
            [(1, 1, SkipReason::Malformed), (2, 1, SkipReason::Malformed)]
        );
    }

    #[test]
    fn two_tables_in_one_file_each_use_their_header() {
        let input = format!("{SECTION_5}\n{SECTION_6}");
        let out = events(&input);
        assert_eq!(out.records.len(), 6);
        assert_eq!(event(&out.records[5]).count, 7);
        assert_eq!(
            skips(&out),
            [
                (1, 1, SkipReason::Header),
                (6, 1, SkipReason::Blank),
                (7, 1, SkipReason::Header)
            ]
        );
    }

    #[test]
    fn rows_that_outgrew_their_header_are_realigned() {
        // Watch output: the header was printed before wider rows arrived.
        let input = "\
LAST SEEN   TYPE     REASON      OBJECT        MESSAGE
0s          Normal   Scheduled   pod/a         Successfully assigned default/a to node-a
0s          Warning   FailedCreatePodSandBox   pod/a-very-long-name-0123456789   Failed to create pod sandbox:  rpc error
";
        let out = events(input);
        assert_eq!(out.records.len(), 2);
        let r = &out.records[1];
        assert_eq!(event(r).reason, "FailedCreatePodSandBox");
        assert_eq!(
            event(r).object,
            object("Pod", None, "a-very-long-name-0123456789")
        );
        assert_eq!(r.message, "Failed to create pod sandbox:  rpc error");
        let wide = "\
LAST SEEN   TYPE     REASON   OBJECT   SUBOBJECT   SOURCE    MESSAGE   FIRST SEEN   COUNT   NAME
1s          Warning   BackOff   pod/a-long-pod-name   spec.containers{x}   kubelet, node-a   Back-off restarting failed container   9m   12   a.17d7a1c2b3e4f5a6
";
        let out = events(wide);
        let r = &out.records[0];
        assert_eq!(event(r).count, 12);
        assert_eq!(event(r).field_path.as_deref(), Some("spec.containers{x}"));
        assert_eq!(r.message, "Back-off restarting failed container");
    }

    #[test]
    fn hostile_lines() {
        let mut input = SECTION_5.as_bytes().to_vec();
        input.extend_from_slice(
            b"1s          Normal    Pulled              pod/x   bad \xff byte\n",
        );
        input.extend_from_slice(&vec![b'z'; 5 * 1024 * 1024]);
        input.push(b'\n');
        let out = parse_whole(parse_events, &input);
        assert_eq!(out.records.len(), 5);
        assert_eq!(out.records[4].message, "bad \u{fffd} byte");
        assert_eq!(
            out.problems,
            [(out.records[4].position, Problem::InvalidUtf8)]
        );
        assert_eq!(
            skips(&out),
            [(1, 1, SkipReason::Header), (7, 1, SkipReason::TooLong)]
        );
    }

    #[test]
    fn nothing_is_consumed_before_the_end_of_input() {
        let mut out = Collect::default();
        let chunk = head(SECTION_5.as_bytes());
        assert_eq!(parse_events(chunk, &mut out), 0);
        assert_eq!(parse_resources(chunk, &mut out), 0);
        assert!(out.records.is_empty() && out.skips.is_empty());
    }

    /// kubectl-events.md §8, verbatim.
    const SECTION_8: &str = "\
NAME     STATUS                        ROLES           AGE   VERSION        INTERNAL-IP   EXTERNAL-IP   OS-IMAGE             KERNEL-VERSION       CONTAINER-RUNTIME
cp-1     Ready                         control-plane   41d   v1.30.2        10.0.0.10     <none>        Ubuntu 22.04.4 LTS   5.15.0-107-generic   containerd://1.7.18
node-a   NotReady,SchedulingDisabled   <none>          41d   v1.29.6+k3s1   10.0.0.21     <none>        Ubuntu 22.04.4 LTS   5.15.0-107-generic   containerd://1.7.17-k3s1
";

    /// kubectl-events.md §9, verbatim.
    const SECTION_9: &str = "\
NAMESPACE        NAME                                       READY   STATUS              RESTARTS        AGE   IP           NODE     NOMINATED NODE   READINESS GATES
default          app-6d9f7c9b8-kq2wz                        0/1     ErrImageNeverPull   0               12m   10.42.1.17   node-a   <none>           <none>
kube-system      kube-proxy-x7k2p                           1/1     Running             3 (2m41s ago)   41d   10.0.0.21    node-a   <none>           <none>
system-upgrade   apply-k3s-server-on-cp-1-with-9f2e-abcde   0/1     Unknown             0               5m    10.42.0.9    cp-1     <none>           <none>
";

    #[test]
    fn section_8_wide_nodes() {
        let out = resources(SECTION_8);
        assert_eq!(skips(&out), [(1, 1, SkipReason::Header)]);
        let summary: Vec<(&str, Option<&str>, Severity)> = out
            .records
            .iter()
            .map(|r| (&*r.message, r.node.as_deref(), r.severity))
            .collect();
        assert_eq!(
            summary,
            [
                ("node cp-1 Ready version=v1.30.2 runtime=containerd://1.7.18", Some("cp-1"), Severity::Info),
                (
                    "node node-a NotReady,SchedulingDisabled version=v1.29.6+k3s1 runtime=containerd://1.7.17-k3s1",
                    Some("node-a"),
                    Severity::Warning
                ),
            ]
        );
        let r = &out.records[1];
        assert_eq!(r.time, RawTime::AtCollection);
        assert_eq!(r.format, Format::ResourceTable);
        assert_eq!(r.event, None);
        assert_eq!(
            r.fields,
            Fields::List(
                [
                    ("name", "node-a"),
                    ("status", "NotReady,SchedulingDisabled"),
                    ("roles", "<none>"),
                    ("age", "41d"),
                    ("version", "v1.29.6+k3s1"),
                    ("internal-ip", "10.0.0.21"),
                    ("external-ip", "<none>"),
                    ("os-image", "Ubuntu 22.04.4 LTS"),
                    ("kernel-version", "5.15.0-107-generic"),
                    ("container-runtime", "containerd://1.7.17-k3s1"),
                ]
                .into_iter()
                .map(|(k, v)| (Cow::Owned(k.to_string()), Cow::Owned(v.to_string())))
                .collect()
            )
        );
    }

    #[test]
    fn plain_nodes() {
        let input = "\
NAME     STATUS                     ROLES                       AGE   VERSION
cp-1     Ready                      control-plane,etcd,master   41d   v1.30.2+rke2r1
node-b   Ready,SchedulingDisabled   <none>                      41d   v1.30.2+rke2r1
node-c   Unknown                    <none>                      2d    v1.29.6+rke2r1
";
        let out = resources(input);
        let summary: Vec<(&str, Severity)> = out
            .records
            .iter()
            .map(|r| (&*r.message, r.severity))
            .collect();
        assert_eq!(
            summary,
            [
                ("node cp-1 Ready version=v1.30.2+rke2r1", Severity::Info),
                (
                    "node node-b Ready,SchedulingDisabled version=v1.30.2+rke2r1",
                    Severity::Notice
                ),
                (
                    "node node-c Unknown version=v1.29.6+rke2r1",
                    Severity::Warning
                ),
            ]
        );
        assert_eq!(
            field(&out.records[0], "roles").as_deref(),
            Some("control-plane,etcd,master")
        );
    }

    #[test]
    fn section_9_wide_pods_with_two_word_headers() {
        let out = resources(SECTION_9);
        let summary: Vec<(&str, Option<&str>, Severity)> = out
            .records
            .iter()
            .map(|r| (&*r.message, r.node.as_deref(), r.severity))
            .collect();
        assert_eq!(
            summary,
            [
                ("pod default/app-6d9f7c9b8-kq2wz ErrImageNeverPull ready=0/1 restarts=0", Some("node-a"), Severity::Warning),
                ("pod kube-system/kube-proxy-x7k2p Running ready=1/1 restarts=3", Some("node-a"), Severity::Info),
                (
                    "pod system-upgrade/apply-k3s-server-on-cp-1-with-9f2e-abcde Unknown ready=0/1 restarts=0",
                    Some("cp-1"),
                    Severity::Warning
                ),
            ]
        );
        let proxy = &out.records[1];
        assert_eq!(field(proxy, "restarts").as_deref(), Some("3 (2m41s ago)"));
        assert_eq!(field(proxy, "nominated-node").as_deref(), Some("<none>"));
        assert_eq!(field(proxy, "readiness-gates").as_deref(), Some("<none>"));
        assert_eq!(field(proxy, "age").as_deref(), Some("41d"));
        assert_eq!(field(proxy, "ip").as_deref(), Some("10.0.0.21"));
    }

    #[test]
    fn plain_pods_and_their_health() {
        let input = "\
NAME                     READY   STATUS              RESTARTS      AGE
web-0                    1/1     Running             0             3d
web-1                    0/1     Running             2 (5s ago)    3d
job-x-abcde              0/1     Completed           0             1h
new-7d9c                 0/1     ContainerCreating   0             4s
init-demo                0/1     Init:1/2            0             20s
old-5f6d                 1/1     Terminating         0             2d
crash-1                  0/1     CrashLoopBackOff    7 (1m ago)    15m
pending-1                0/1     Pending             0             15m
evicted-1                0/1     Evicted             0             15m
initbad-1                0/1     Init:ErrImagePull   0             15m
";
        let out = resources(input);
        let summary: Vec<(&str, Severity)> = out
            .records
            .iter()
            .map(|r| (&*r.message, r.severity))
            .collect();
        assert_eq!(
            summary,
            [
                ("pod web-0 Running ready=1/1 restarts=0", Severity::Info),
                ("pod web-1 Running ready=0/1 restarts=2", Severity::Notice),
                (
                    "pod job-x-abcde Completed ready=0/1 restarts=0",
                    Severity::Info
                ),
                (
                    "pod new-7d9c ContainerCreating ready=0/1 restarts=0",
                    Severity::Notice
                ),
                (
                    "pod init-demo Init:1/2 ready=0/1 restarts=0",
                    Severity::Notice
                ),
                (
                    "pod old-5f6d Terminating ready=1/1 restarts=0",
                    Severity::Warning
                ),
                (
                    "pod crash-1 CrashLoopBackOff ready=0/1 restarts=7",
                    Severity::Warning
                ),
                (
                    "pod pending-1 Pending ready=0/1 restarts=0",
                    Severity::Warning
                ),
                (
                    "pod evicted-1 Evicted ready=0/1 restarts=0",
                    Severity::Warning
                ),
                (
                    "pod initbad-1 Init:ErrImagePull ready=0/1 restarts=0",
                    Severity::Warning
                ),
            ]
        );
        assert!(out.records.iter().all(|r| r.node.is_none()));
    }

    #[test]
    fn resource_rows_that_do_not_fit_are_malformed() {
        let input = "\
NAME    READY   STATUS    RESTARTS   AGE
web-0   yes     Running   0          3d

   indented junk
";
        let out = resources(input);
        assert!(out.records.is_empty());
        assert_eq!(
            skips(&out),
            [
                (1, 1, SkipReason::Header),
                (2, 1, SkipReason::Malformed),
                (3, 1, SkipReason::Blank),
                (4, 1, SkipReason::Malformed)
            ]
        );
    }

    #[test]
    fn sniffs_recognise_their_headers_only() {
        assert!(sniff_events(SECTION_5.as_bytes()));
        assert!(sniff_events(SECTION_6.as_bytes()));
        assert!(sniff_events(
            b"\nNAMESPACE   LAST SEEN   TYPE   REASON   OBJECT   MESSAGE\n"
        ));
        assert!(sniff_events(b"LASTSEEN   FIRSTSEEN   COUNT   NAME   KIND   SUBOBJECT   TYPE   REASON   SOURCE   MESSAGE\n"));
        assert!(sniff_events(b"No events found in default namespace.\n"));
        assert!(sniff_events(b"No resources found in default namespace.\n"));
        assert!(!sniff_events(SECTION_8.as_bytes()));
        assert!(!sniff_events(SECTION_9.as_bytes()));
        assert!(!sniff_events(b"Name:         app\nNamespace:    default\n"));
        assert!(!sniff_events(b"LAST SEEN is a phrase   TYPE   REASON\n"));
        assert!(!sniff_events(b"12m   Normal   Scheduled   pod/a   msg\n"));

        assert!(sniff_resources(SECTION_8.as_bytes()));
        assert!(sniff_resources(SECTION_9.as_bytes()));
        assert!(sniff_resources(
            b"NAME    READY   STATUS    RESTARTS   AGE\n"
        ));
        assert!(sniff_resources(b"NAME   STATUS   ROLES   AGE   VERSION\n"));
        assert!(
            !sniff_resources(b"NAME    READY   UP-TO-DATE   AVAILABLE   AGE\n"),
            "deployments"
        );
        assert!(
            !sniff_resources(b"NAME   TYPE   CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\n"),
            "services"
        );
        assert!(!sniff_resources(SECTION_5.as_bytes()));
    }

    #[test]
    fn column_splitting_counts_characters() {
        let columns = header_columns("A     B     C");
        assert_eq!(
            columns,
            [
                Column {
                    name: "A".into(),
                    start: 0
                },
                Column {
                    name: "B".into(),
                    start: 6
                },
                Column {
                    name: "C".into(),
                    start: 12
                }
            ]
        );
        assert_eq!(
            split_row("ä     é     ü x", &columns, Some(2)),
            ["ä", "é", "ü x"]
        );
        assert_eq!(
            split_row("a           c", &columns, Some(2)),
            ["a", "", "c"]
        );
        assert_eq!(split_row("a", &columns, Some(2)), ["a", "", ""]);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn events_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
                parse_whole(parse_events, &bytes);
            }

            #[test]
            fn resources_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
                parse_whole(parse_resources, &bytes);
            }

            #[test]
            fn events_arbitrary_rows_under_a_header(rows in proptest::collection::vec("[ -~é“\\t]{0,90}", 0..12)) {
                let input = format!("NAMESPACE   LAST SEEN   TYPE   REASON   OBJECT   SUBOBJECT   SOURCE   MESSAGE   FIRST SEEN   COUNT   NAME\n{}", rows.join("\n"));
                parse_whole(parse_events, input.as_bytes());
            }

            #[test]
            fn pods_arbitrary_rows_under_a_header(rows in proptest::collection::vec("[ -~é\\t]{0,90}", 0..12)) {
                let input = format!("NAMESPACE   NAME   READY   STATUS   RESTARTS   AGE   IP   NODE   NOMINATED NODE   READINESS GATES\n{}", rows.join("\n"));
                parse_whole(parse_resources, input.as_bytes());
            }
        }
    }
}
