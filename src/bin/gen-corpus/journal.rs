//! journald output: one node's entry stream rendered into several files at
//! once (`-o export`, `-o json`, `short`, `short-precise`, `short-iso`, `cat`).
//!
//! The node's entries are produced once, in receive order: the story's fixed
//! entries merged with background noise. Each sink filters (unit, `--since`)
//! and renders. Noise is paced adaptively: the gap to the next record is the
//! remaining time divided by the records still affordable with the remaining
//! bytes (an exponential draw around that mean), so the files fill the window
//! evenly and land on the byte budget. The story's own bytes are measured
//! first with a dry run through counting sinks.

use std::io::{self, Write};

use crate::clock::{self, Micros, Zone, MIN, SEC};
use crate::model::*;
use crate::noise::{NodeNoise, Source};
use crate::out::{Counter, Tree};
use crate::rng::{self, Rng};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Export,
    Json,
    Short,
    Precise,
    Iso,
    Cat,
}

/// One `journalctl` invocation whose output lands in a file.
#[derive(Debug, Clone)]
pub struct SinkSpec {
    pub path: String,
    pub mode: Mode,
    /// `-u` filter: `_SYSTEMD_UNIT` or `UNIT=` must be one of these.
    pub units: Option<Vec<&'static str>>,
    pub since: Option<Micros>,
    /// `-x`: print catalog text after entries that have one.
    pub catalog: bool,
    /// Catalog prefix `░░` (UTF-8 locale) instead of `--` (`LC_ALL=C`).
    pub utf8: bool,
    /// Zone of the process that ran journalctl.
    pub zone: Zone,
}

/// One entry as every sink sees it.
pub struct Entry<'a> {
    pub time: Micros,
    pub seq: u64,
    pub boot: usize,
    pub proc: Proc,
    pub priority: u8,
    pub message: &'a [u8],
    pub about: Option<&'static str>,
    pub catalog: Option<Catalog>,
}

impl Entry<'_> {
    /// Entries from native/syslog clients carry a slightly earlier source time,
    /// which the text modes display.
    fn shown_time(&self) -> Micros {
        match self.proc.kind.transport() {
            Transport::Journal | Transport::Syslog => self.time - 37 - (self.seq % 200) as Micros,
            _ => self.time,
        }
    }
}

/// Per-node constants of the rendering.
pub struct Host<'a> {
    pub node: &'a Node,
    boot_ids: Vec<Vec<u8>>,
    machine_id: Vec<u8>,
    seqnum_id: Vec<u8>,
    kubelet_cmdline: String,
}

impl<'a> Host<'a> {
    pub fn new(node: &'a Node) -> Host<'a> {
        let id = |seed: u64| {
            let mut b = Vec::with_capacity(32);
            rng::push_id128(&mut b, seed);
            b
        };
        Host {
            node,
            boot_ids: node.boots.iter().map(|b| id(b.id)).collect(),
            machine_id: id(node.machine_seed),
            seqnum_id: id(node.machine_seed ^ 0xabcd),
            kubelet_cmdline: node.kubelet_cmdline(),
        }
    }

    fn cmdline(&self, kind: ProcKind) -> &str {
        match kind {
            ProcKind::Kubelet => &self.kubelet_cmdline,
            ProcKind::Containerd => "/usr/bin/containerd",
            ProcKind::Crio => "/usr/bin/crio",
            ProcKind::K3s => "/usr/local/bin/k3s server",
            ProcKind::Systemd => "/sbin/init",
            ProcKind::Cron => "/usr/sbin/CRON -f -P",
            ProcKind::Sshd => "sshd: ops [priv]",
            ProcKind::Upgrade => "/bin/bash /root/upgrade-node.sh",
            ProcKind::Coredump => "/lib/systemd/systemd-coredump",
            k => k.exe(),
        }
    }
}

/// Where an entry's fields live while one entry is rendered.
pub struct Fields {
    names: Vec<&'static str>,
    ranges: Vec<(usize, usize)>,
    vals: Vec<u8>,
}

impl Fields {
    fn new() -> Fields {
        Fields {
            names: Vec::with_capacity(32),
            ranges: Vec::with_capacity(32),
            vals: Vec::with_capacity(1024),
        }
    }
    fn clear(&mut self) {
        self.names.clear();
        self.ranges.clear();
        self.vals.clear();
    }
    fn add(&mut self, name: &'static str, v: &[u8]) {
        let s = self.vals.len();
        self.vals.extend_from_slice(v);
        self.names.push(name);
        self.ranges.push((s, self.vals.len()));
    }
    fn add_num(&mut self, name: &'static str, v: u64) {
        let s = self.vals.len();
        clock::push_u64(&mut self.vals, v);
        self.names.push(name);
        self.ranges.push((s, self.vals.len()));
    }
    fn add_id(&mut self, name: &'static str, seed: u64) {
        let s = self.vals.len();
        rng::push_id128(&mut self.vals, seed);
        self.names.push(name);
        self.ranges.push((s, self.vals.len()));
    }
    fn get(&self, i: usize) -> &[u8] {
        &self.vals[self.ranges[i].0..self.ranges[i].1]
    }
}

/// The stored fields of an entry, in journald's storage order.
fn collect_fields(f: &mut Fields, host: &Host, e: &Entry) {
    f.clear();
    let kind = e.proc.kind;
    let tr = kind.transport();
    let prio = [b'0' + e.priority];
    let proc_seed = host.node.machine_seed ^ ((e.proc.pid as u64) << 20) ^ kind as u64;
    if tr == Transport::Kernel {
        f.add("_TRANSPORT", b"kernel");
        f.add("PRIORITY", &prio);
        f.add("SYSLOG_FACILITY", b"0");
        f.add("SYSLOG_IDENTIFIER", b"kernel");
        let boot = &host.node.boots[e.boot];
        f.add_num(
            "_SOURCE_MONOTONIC_TIMESTAMP",
            (e.time - boot.kernel_start - 900_000).max(0) as u64,
        );
        f.add("MESSAGE", e.message);
        f.add("_MACHINE_ID", &host.machine_id);
        f.add("_HOSTNAME", host.node.name.as_bytes());
        return;
    }
    if tr == Transport::Stdout {
        f.add("_TRANSPORT", b"stdout");
        f.add("PRIORITY", &prio);
        f.add("SYSLOG_FACILITY", b"3");
        f.add("SYSLOG_IDENTIFIER", kind.ident().as_bytes());
        f.add("MESSAGE", e.message);
        f.add_id("_STREAM_ID", proc_seed);
    } else {
        f.add("PRIORITY", &prio);
        f.add(
            "SYSLOG_FACILITY",
            if tr == Transport::Syslog { b"10" } else { b"3" },
        );
        f.add("SYSLOG_IDENTIFIER", kind.ident().as_bytes());
        if tr == Transport::Syslog {
            let mut pid = Vec::new();
            clock::push_u64(&mut pid, e.proc.pid as u64);
            f.add("SYSLOG_PID", &pid);
            let mut ts = Vec::with_capacity(16);
            clock::journal_short(&mut ts, e.time, host.node.zone);
            ts.push(b' ');
            f.add("SYSLOG_TIMESTAMP", &ts);
        } else {
            f.add("_TRANSPORT", b"journal");
            if kind == ProcKind::Systemd {
                f.add("CODE_FILE", b"src/core/unit.c");
                f.add("CODE_LINE", b"5820");
                f.add("CODE_FUNC", b"unit_log_success");
            }
        }
        if let Some(c) = e.catalog {
            f.add("MESSAGE_ID", c.message_id().as_bytes());
        }
        if let Some(u) = e.about {
            f.add("UNIT", u.as_bytes());
            f.add_id(
                "INVOCATION_ID",
                host.node.machine_seed ^ u.len() as u64 ^ (e.seq / 64),
            );
        }
        f.add("MESSAGE", e.message);
    }
    let mut pid = Vec::new();
    clock::push_u64(&mut pid, e.proc.pid as u64);
    f.add("_PID", &pid);
    f.add("_UID", b"0");
    f.add("_GID", b"0");
    let exe = kind.exe();
    let comm = exe.rsplit('/').next().unwrap_or(exe);
    f.add("_COMM", &comm.as_bytes()[..comm.len().min(15)]);
    f.add("_EXE", exe.as_bytes());
    f.add("_CMDLINE", host.cmdline(kind).as_bytes());
    f.add("_CAP_EFFECTIVE", b"1ffffffffff");
    // AppArmor (Ubuntu): the label ends in a newline, so the field is binary.
    f.add("_SELINUX_CONTEXT", b"unconfined\n");
    let unit = kind.unit().unwrap_or("init.scope");
    let mut cg = Vec::with_capacity(40);
    cg.extend_from_slice(if unit == "init.scope" {
        b"/"
    } else {
        b"/system.slice/"
    });
    cg.extend_from_slice(unit.as_bytes());
    f.add("_SYSTEMD_CGROUP", &cg);
    f.add("_SYSTEMD_UNIT", unit.as_bytes());
    f.add(
        "_SYSTEMD_SLICE",
        if unit == "init.scope" {
            b"-.slice"
        } else {
            b"system.slice"
        },
    );
    if tr != Transport::Syslog && kind != ProcKind::Systemd {
        f.add_id("_SYSTEMD_INVOCATION_ID", proc_seed ^ 0x77);
    }
    f.add("_MACHINE_ID", &host.machine_id);
    f.add("_HOSTNAME", host.node.name.as_bytes());
    if tr != Transport::Stdout {
        f.add_num("_SOURCE_REALTIME_TIMESTAMP", e.shown_time() as u64);
    }
}

/// Is `v` a valid export text value (printable UTF-8, TAB allowed, no LF)?
fn export_text_ok(v: &[u8]) -> bool {
    !v.iter().any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f) && std::str::from_utf8(v).is_ok()
}

/// Can `v` be a JSON string for journalctl (LF and TAB allowed)?
fn json_text_ok(v: &[u8]) -> bool {
    !v.iter()
        .any(|&b| (b < 0x20 && b != b'\t' && b != b'\n') || b == 0x7f)
        && std::str::from_utf8(v).is_ok()
}

pub struct Sink {
    pub spec: SinkSpec,
    w: Box<dyn Write>,
    pub bytes: u64,
    buf: Vec<u8>,
    last_boot: Option<usize>,
    entries: u64,
}

impl Sink {
    pub fn new(spec: SinkSpec, w: Box<dyn Write>) -> Sink {
        Sink {
            spec,
            w,
            bytes: 0,
            buf: Vec::with_capacity(4096),
            last_boot: None,
            entries: 0,
        }
    }

    fn accepts(&self, e: &Entry) -> bool {
        if let Some(s) = self.spec.since {
            if e.time < s {
                return false;
            }
        }
        if self.spec.mode != Mode::Export
            && self.spec.mode != Mode::Json
            && e.message.is_empty()
            && e.proc.kind == ProcKind::Kernel
        {
            return false;
        }
        match &self.spec.units {
            None => true,
            Some(units) => {
                let own = e.proc.kind.unit();
                units.iter().any(|u| own == Some(u) || e.about == Some(u))
            }
        }
    }

    fn text_mode(&self) -> bool {
        matches!(
            self.spec.mode,
            Mode::Short | Mode::Precise | Mode::Iso | Mode::Cat
        )
    }

    /// The range header systemd ≤ 249 prints first.
    pub fn header(&mut self, node: &Node) -> io::Result<()> {
        if !self.text_mode() || self.spec.mode == Mode::Cat || node.os.systemd >= 250 {
            return Ok(());
        }
        let z = self.spec.zone;
        let mut b = Vec::new();
        let (a, c) = if node.os.systemd <= 245 {
            ("-- Logs begin at ", ", end at ")
        } else {
            ("-- Journal begins at ", ", ends at ")
        };
        b.extend_from_slice(a.as_bytes());
        clock::journal_full(&mut b, node.journal_start, z);
        b.extend_from_slice(c.as_bytes());
        clock::journal_full(&mut b, node.journal_end, z);
        b.extend_from_slice(b". --\n");
        self.bytes += b.len() as u64;
        self.w.write_all(&b)
    }

    pub fn write(&mut self, host: &Host, fields: &Fields, e: &Entry) -> io::Result<()> {
        if !self.accepts(e) {
            return Ok(());
        }
        self.buf.clear();
        if self.text_mode() && self.spec.mode != Mode::Cat {
            if let Some(prev) = self.last_boot {
                if prev != e.boot {
                    if host.node.os.systemd >= 247 {
                        self.buf.extend_from_slice(b"-- Boot ");
                        self.buf.extend_from_slice(&host.boot_ids[e.boot]);
                        self.buf.extend_from_slice(b" --\n");
                    } else {
                        self.buf.extend_from_slice(b"-- Reboot --\n");
                    }
                }
            }
        }
        self.last_boot = Some(e.boot);
        match self.spec.mode {
            Mode::Export => self.export(host, fields, e),
            Mode::Json => self.json(host, fields, e),
            Mode::Cat => {
                self.buf.extend_from_slice(e.message);
                self.buf.push(b'\n');
            }
            _ => self.text(host, e),
        }
        self.entries += 1;
        self.bytes += self.buf.len() as u64;
        self.w.write_all(&self.buf)
    }

    pub fn finish(mut self) -> io::Result<(u64, Box<dyn Write>)> {
        if self.entries == 0 && self.text_mode() {
            self.w.write_all(b"-- No entries --\n")?;
            self.bytes += 17;
        }
        self.w.flush()?;
        Ok((self.bytes, self.w))
    }

    fn cursor(&mut self, host: &Host, e: &Entry) {
        let b = &mut self.buf;
        let boot = &host.node.boots[e.boot];
        b.extend_from_slice(b"s=");
        b.extend_from_slice(&host.seqnum_id);
        b.extend_from_slice(b";i=");
        rng::push_hex(b, e.seq);
        b.extend_from_slice(b";b=");
        b.extend_from_slice(&host.boot_ids[e.boot]);
        b.extend_from_slice(b";m=");
        rng::push_hex(b, (e.time - boot.kernel_start) as u64);
        b.extend_from_slice(b";t=");
        rng::push_hex(b, e.time as u64);
        b.extend_from_slice(b";x=");
        rng::push_hex(b, rng::mix(e.seq ^ host.node.machine_seed));
    }

    fn export(&mut self, host: &Host, f: &Fields, e: &Entry) {
        let boot = host.node.boots[e.boot];
        self.buf.extend_from_slice(b"__CURSOR=");
        self.cursor(host, e);
        let b = &mut self.buf;
        b.extend_from_slice(b"\n__REALTIME_TIMESTAMP=");
        clock::push_u64(b, e.time as u64);
        b.extend_from_slice(b"\n__MONOTONIC_TIMESTAMP=");
        clock::push_u64(b, (e.time - boot.kernel_start) as u64);
        if host.node.os.systemd >= 254 {
            b.extend_from_slice(b"\n__SEQNUM=");
            clock::push_u64(b, e.seq);
            b.extend_from_slice(b"\n__SEQNUM_ID=");
            b.extend_from_slice(&host.seqnum_id);
        }
        b.extend_from_slice(b"\n_BOOT_ID=");
        b.extend_from_slice(&host.boot_ids[e.boot]);
        b.push(b'\n');
        for i in 0..f.names.len() {
            let v = f.get(i);
            b.extend_from_slice(f.names[i].as_bytes());
            if export_text_ok(v) {
                b.push(b'=');
                b.extend_from_slice(v);
            } else {
                b.push(b'\n');
                b.extend_from_slice(&(v.len() as u64).to_le_bytes());
                b.extend_from_slice(v);
            }
            b.push(b'\n');
        }
        b.push(b'\n');
    }

    fn json(&mut self, host: &Host, f: &Fields, e: &Entry) {
        let spaced = host.node.os.systemd <= 245;
        let (open, sep, colon, close) = if spaced {
            ("{ ", ", ", " : ", " }\n")
        } else {
            ("{", ",", ":", "}\n")
        };
        let boot = host.node.boots[e.boot];
        self.buf.extend_from_slice(open.as_bytes());
        self.buf.extend_from_slice(b"\"__CURSOR\"");
        self.buf.extend_from_slice(colon.as_bytes());
        self.buf.push(b'"');
        self.cursor(host, e);
        self.buf.push(b'"');
        let b = &mut self.buf;
        let kv = |b: &mut Vec<u8>, k: &str, v: &[u8]| {
            b.extend_from_slice(sep.as_bytes());
            b.push(b'"');
            b.extend_from_slice(k.as_bytes());
            b.push(b'"');
            b.extend_from_slice(colon.as_bytes());
            if k.len() + 1 + v.len() >= 4096 {
                b.extend_from_slice(b"null");
            } else if json_text_ok(v) {
                crate::text::json_str(b, v, false);
            } else {
                b.push(b'[');
                for (i, x) in v.iter().enumerate() {
                    if i > 0 {
                        b.push(b',');
                    }
                    clock::push_u64(b, *x as u64);
                }
                b.push(b']');
            }
        };
        let mut num = Vec::with_capacity(20);
        clock::push_u64(&mut num, e.time as u64);
        kv(b, "__REALTIME_TIMESTAMP", &num);
        num.clear();
        clock::push_u64(&mut num, (e.time - boot.kernel_start) as u64);
        kv(b, "__MONOTONIC_TIMESTAMP", &num);
        kv(b, "_BOOT_ID", &host.boot_ids[e.boot]);
        if host.node.os.systemd >= 254 {
            num.clear();
            clock::push_u64(&mut num, e.seq);
            kv(b, "__SEQNUM", &num);
            kv(b, "__SEQNUM_ID", &host.seqnum_id);
        }
        // journald's hash order: arbitrary and different per entry.
        let n = f.names.len();
        let rot = (rng::mix(e.seq) % n as u64) as usize;
        for k in 0..n {
            let i = (k + rot) % n;
            kv(b, f.names[i], f.get(i));
        }
        b.extend_from_slice(close.as_bytes());
    }

    fn text(&mut self, host: &Host, e: &Entry) {
        let z = self.spec.zone;
        let b = &mut self.buf;
        let start = b.len();
        let t = e.shown_time();
        match self.spec.mode {
            Mode::Short => clock::journal_short(b, t, z),
            Mode::Precise => clock::journal_precise(b, t, z),
            _ => clock::journal_iso(b, t, z, host.node.os.systemd >= 255),
        }
        b.push(b' ');
        b.extend_from_slice(host.node.name.as_bytes());
        b.push(b' ');
        b.extend_from_slice(e.proc.kind.ident().as_bytes());
        if e.proc.kind != ProcKind::Kernel {
            b.push(b'[');
            clock::push_u64(b, e.proc.pid as u64);
            b.push(b']');
        }
        b.extend_from_slice(b": ");
        let indent = b.len() - start;
        clean_message(b, e.message, indent);
        b.push(b'\n');
        if self.spec.catalog {
            if let (Some(c), Some(unit)) = (e.catalog, e.about) {
                catalog_text(b, c, unit, e.seq, if self.spec.utf8 { "░░" } else { "--" });
            }
        }
    }
}

/// `strip_tab_ansi` + multi-line indentation + `[N blob data]` for the text modes.
fn clean_message(b: &mut Vec<u8>, msg: &[u8], indent: usize) {
    let mut m: &[u8] = msg;
    while m.last() == Some(&b'\r') {
        m = &m[..m.len() - 1];
    }
    let mut out = Vec::with_capacity(m.len() + 16);
    let mut i = 0;
    while i < m.len() {
        let c = m[i];
        if c == 0x1b && m.get(i + 1) == Some(&b'[') {
            i += 2;
            while i < m.len() && !(0x40..=0x7e).contains(&m[i]) {
                i += 1;
            }
            i += 1;
            continue;
        }
        if c == b'\t' {
            out.extend_from_slice(b"        ");
        } else {
            out.push(c);
        }
        i += 1;
    }
    if out.iter().any(|&c| c < 0x20 && c != b'\n') {
        b.push(b'[');
        if msg.len() < 1024 {
            clock::push_u64(b, msg.len() as u64);
            b.push(b'B');
        } else {
            clock::push_u64(b, (msg.len() / 1024) as u64);
            b.push(b'.');
            clock::push_u64(b, (msg.len() % 1024 * 10 / 1024) as u64);
            b.push(b'K');
        }
        b.extend_from_slice(b" blob data]");
        return;
    }
    for (k, line) in out.split(|&c| c == b'\n').enumerate() {
        if k > 0 {
            b.push(b'\n');
            b.resize(b.len() + indent, b' ');
        }
        b.extend_from_slice(line);
    }
}

fn catalog_text(b: &mut Vec<u8>, c: Catalog, unit: &str, seq: u64, p: &str) {
    let job = 1000 + seq % 90_000;
    let (subject, body): (String, Vec<String>) = match c {
        Catalog::Started => (
            format!("A start job for unit {unit} has finished successfully"),
            vec![
                format!("A start job for unit {unit} has finished successfully."),
                String::new(),
                format!("The job identifier is {job}."),
            ],
        ),
        Catalog::Stopped => (
            format!("A stop job for unit {unit} has finished"),
            vec![
                format!("A stop job for unit {unit} has finished."),
                String::new(),
                format!("The job identifier is {job} and the job result is done."),
            ],
        ),
        Catalog::Exited { status } => (
            "Unit process exited".into(),
            vec![
                format!("An ExecStart= process belonging to unit {unit} has exited."),
                String::new(),
                format!("The process' exit code is 'exited' and its exit status is {status}."),
            ],
        ),
        Catalog::Failed => (
            "Unit failed".into(),
            vec![format!(
                "The unit {unit} has entered the 'failed' state with result 'exit-code'."
            )],
        ),
        Catalog::Restart => (
            "Automatic restarting of a unit has been scheduled".into(),
            vec![
                format!(
                    "Automatic restarting of the unit {unit} has been scheduled, as the result for"
                ),
                "the configured Restart= setting for the unit.".into(),
            ],
        ),
    };
    let mut line = |s: &str| {
        b.extend_from_slice(p.as_bytes());
        b.push(b' ');
        b.extend_from_slice(s.as_bytes());
        b.push(b'\n');
    };
    line(&format!("Subject: {subject}"));
    line("Defined-By: systemd");
    line("Support: http://www.ubuntu.com/support");
    line("");
    for l in &body {
        line(l);
    }
}

/// Write one node's journal into `specs`, aiming at `budget` bytes in total.
pub fn write_node(
    tree: &mut Tree,
    node: &Node,
    noise: &mut NodeNoise,
    specs: &[SinkSpec],
    budget: u64,
    rng: &Rng,
) -> io::Result<u64> {
    let host = Host::new(node);
    let mut story = node.story.clone();
    // A rare multi-line native-protocol message (binary MESSAGE in export).
    let cd_time = node.journal_start + 61 * MIN + node.idx as Micros * 13 * MIN;
    if cd_time < node.boots[0].end - MIN || cd_time > node.boots[1].kernel_start + MIN {
        let mut m = Vec::new();
        noise.coredump(&mut m);
        story.push(StoryEntry {
            time: cd_time,
            proc: Proc {
                kind: ProcKind::Coredump,
                pid: 48_213,
            },
            priority: 2,
            message: m,
            about: None,
            catalog: None,
        });
    }
    story.push(StoryEntry {
        time: node.journal_start + 500_000,
        proc: Proc {
            kind: ProcKind::Cron,
            pid: 70_001 + node.idx as u32,
        },
        priority: 6,
        message: b"pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)".to_vec(),
        about: None,
        catalog: None,
    });
    story.sort_by_key(|e| e.time);

    // Dry run: what the story alone costs in these sinks.
    let mut fields = Fields::new();
    let story_bytes = {
        let mut dry: Vec<Sink> = specs
            .iter()
            .map(|s| Sink::new(s.clone(), Box::new(Counter::default())))
            .collect();
        for (i, s) in story.iter().enumerate() {
            let e = Entry {
                time: s.time,
                seq: i as u64 + 1,
                boot: node.boot_at(s.time),
                proc: s.proc,
                priority: s.priority,
                message: &s.message,
                about: s.about,
                catalog: s.catalog,
            };
            collect_fields(&mut fields, &host, &e);
            for d in dry.iter_mut() {
                d.write(&host, &fields, &e)?;
            }
        }
        dry.iter().map(|d| d.bytes).sum::<u64>()
    };
    let noise_budget = budget.saturating_sub(story_bytes);

    let mut sinks: Vec<Sink> = Vec::new();
    for s in specs {
        let f = tree.create(&s.path)?;
        let mut sink = Sink::new(s.clone(), Box::new(f));
        sink.header(node)?;
        sinks.push(sink);
    }
    let header_bytes: u64 = sinks.iter().map(|s| s.bytes).sum();
    let mut r = rng.derive("pace");
    let mut seq: u64 = 0x1a2b00 + node.idx as u64 * 0x10000;
    let mut noise_bytes: u64 = header_bytes;
    let mut ema: f64 = 0.0;
    let mut t = node.journal_start + SEC;
    let end = node.journal_end - SEC;
    let mut si = 0;
    let mut buf: Vec<u8> = Vec::with_capacity(2048);
    let kubelet_kind = if node.runtime == Runtime::K3s {
        ProcKind::K3s
    } else {
        ProcKind::Kubelet
    };
    let runtime_kind = match node.runtime {
        Runtime::Containerd => ProcKind::Containerd,
        Runtime::Crio => ProcKind::Crio,
        Runtime::K3s => ProcKind::K3s,
    };
    let emit = |sinks: &mut Vec<Sink>, fields: &mut Fields, e: &Entry| -> io::Result<u64> {
        collect_fields(fields, &host, e);
        let before: u64 = sinks.iter().map(|s| s.bytes).sum();
        for s in sinks.iter_mut() {
            s.write(&host, fields, e)?;
        }
        Ok(sinks.iter().map(|s| s.bytes).sum::<u64>() - before)
    };
    let mut noise_on = noise_budget > 0;
    loop {
        let story_next = story.get(si).map(|s| s.time);
        let take_story = match story_next {
            Some(st) => !noise_on || st <= t,
            None => false,
        };
        if take_story {
            let s = &story[si];
            si += 1;
            seq += 1;
            let e = Entry {
                time: s.time,
                seq,
                boot: node.boot_at(s.time),
                proc: s.proc,
                priority: s.priority,
                message: &s.message,
                about: s.about,
                catalog: s.catalog,
            };
            emit(&mut sinks, &mut fields, &e)?;
            continue;
        }
        if !noise_on {
            break;
        }
        // One noise record at `t`.
        let boot = node.boot_at(t);
        let in_gap = t > node.boots[0].end && t < node.boots[1].kernel_start + 5 * SEC;
        if !in_gap {
            buf.clear();
            let mut src = noise.pick_source();
            let krun = Node::run_at(&node.kubelet_runs, t).filter(|r| r.end - r.start > 5 * SEC);
            let rrun = Node::run_at(&node.runtime_runs, t);
            if (src == Source::Kubelet && krun.is_none())
                || (src == Source::Runtime && rrun.is_none())
            {
                src = Source::Kernel;
            }
            let (kind, pid, split) = match src {
                Source::Kubelet => {
                    let run = krun.unwrap();
                    noise.kubelet(&mut buf, t, run.pid, run.version);
                    (kubelet_kind, run.pid, true)
                }
                Source::Runtime => {
                    noise.runtime(&mut buf, t);
                    (runtime_kind, rrun.unwrap().pid, true)
                }
                Source::Systemd => {
                    noise.systemd(&mut buf);
                    (ProcKind::Systemd, 1, false)
                }
                Source::Kernel => {
                    noise.kernel(&mut buf);
                    (ProcKind::Kernel, 0, false)
                }
                Source::Other => {
                    let k = noise.other(&mut buf);
                    (k, 2000 + (r.below(60_000) as u32), false)
                }
            };
            let mut rec_bytes = 0;
            if split {
                for (k, line) in buf.split(|&c| c == b'\n').enumerate() {
                    seq += 1;
                    let e = Entry {
                        time: t + k as Micros * 3,
                        seq,
                        boot,
                        proc: Proc { kind, pid },
                        priority: 6,
                        message: line,
                        about: None,
                        catalog: None,
                    };
                    rec_bytes += emit(&mut sinks, &mut fields, &e)?;
                }
            } else {
                seq += 1;
                let e = Entry {
                    time: t,
                    seq,
                    boot,
                    proc: Proc { kind, pid },
                    priority: if kind == ProcKind::Kernel { 6 } else { 6 },
                    message: &buf,
                    about: None,
                    catalog: None,
                };
                rec_bytes += emit(&mut sinks, &mut fields, &e)?;
            }
            noise_bytes += rec_bytes;
            ema = if ema == 0.0 {
                rec_bytes as f64
            } else {
                ema * 0.995 + rec_bytes as f64 * 0.005
            };
        }
        // Pace the next record.
        let remaining = noise_budget.saturating_sub(noise_bytes) as f64;
        let records_left = remaining / ema.max(1.0);
        if records_left < 1.0 || t >= end {
            noise_on = false;
            continue;
        }
        let mean_gap = (end - t) as f64 / records_left;
        let draw = -(1.0 - r.unit()).ln();
        t += ((mean_gap * draw) as Micros).max(1).min(end - t).max(1);
    }
    let mut total = 0;
    for s in sinks {
        let (bytes, w) = s.finish()?;
        total += bytes;
        drop(w);
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_and_indent() {
        let mut b = Vec::new();
        clean_message(&mut b, b"a\x1b[32mgreen\x1b[0m\tx\r", 4);
        assert_eq!(b, b"agreen        x");
        let mut b = Vec::new();
        clean_message(&mut b, b"l1\nl2", 4);
        assert_eq!(b, b"l1\n    l2");
        let mut b = Vec::new();
        clean_message(&mut b, b"a\rb", 0);
        assert_eq!(b, b"[3B blob data]");
    }
}
