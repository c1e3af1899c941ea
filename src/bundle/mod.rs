//! Finding the inputs of a support bundle: directories, tarballs, `.gz`
//! files and stdin, opened by content (never by name alone), with the
//! collector layout recognised and each file attributed to a node and a
//! source.
//!
//! Bundles come from customers and are often damaged or hostile. Opening
//! never fails as a whole: what cannot be read becomes a [`BundleProblem`]
//! naming the file, and everything else is still returned. Nothing is ever
//! extracted to disk; plain files and members of uncompressed tarballs are
//! memory-mapped, compressed data is decompressed into memory once, within
//! [`OpenOptions::max_memory`].
//!
//! How the work is split:
//! - `walk`: directories and files on disk (symlink policy, duplicates);
//! - `blob`: what a blob is (by magic bytes) and where it goes next;
//! - `gzip`, `archive`, `members`: decompression, tar members, link
//!   resolution inside an archive;
//! - `layout`, `attribute`, `cri`: which collector, which node, which source;
//! - `hints`, `dates`: collection time and zone evidence;
//! - `paths`, `magic`, `budget`, `collect`: shared helpers and state.

mod archive;
mod attribute;
mod blob;
mod budget;
mod collect;
mod cri;
mod dates;
mod gzip;
mod hints;
mod layout;
mod magic;
mod members;
mod paths;
mod walk;

#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use collect::Collector;

/// Limits for [`open`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenOptions {
    /// Upper bound on decompressed bytes held in memory (gzip members, .tar.gz members, stdin). Default 4 GiB.
    pub max_memory: u64,
    /// How deep archives inside archives are opened (a .tar.gz inside a tarball, a .gz log inside a .tar.gz). Default 3.
    pub max_depth: usize,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            max_memory: 4 << 30,
            max_depth: 3,
        }
    }
}

/// Where an input's bytes are. Plain files and members of uncompressed tarballs are memory-mapped
/// (a member is a range of the tarball's map: zero-copy); compressed data is decompressed into memory once.
#[derive(Clone)]
pub enum InputData {
    Mapped {
        map: Arc<memmap2::Mmap>,
        range: std::ops::Range<usize>,
    },
    Memory(Arc<[u8]>),
    Empty,
}

impl InputData {
    pub fn bytes(&self) -> &[u8] {
        match self {
            InputData::Mapped { map, range } => &map[range.clone()],
            InputData::Memory(bytes) => bytes,
            InputData::Empty => &[],
        }
    }

    pub fn len(&self) -> usize {
        match self {
            InputData::Mapped { range, .. } => range.len(),
            InputData::Memory(bytes) => bytes.len(),
            InputData::Empty => 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Debug for InputData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputData::Mapped { range, .. } => write!(f, "Mapped({}..{})", range.start, range.end),
            InputData::Memory(bytes) => write!(f, "Memory({} bytes)", bytes.len()),
            InputData::Empty => f.write_str("Empty"),
        }
    }
}

/// One file of the bundle, ready for format detection.
#[derive(Debug, Clone)]
pub struct Input {
    /// What the user sees in messages and evidence: the path as given, with `!/` between an archive and its member,
    /// e.g. `bundle.tar.gz!/support-bundle/cluster-resources/events/default.json`. Sanitised (no control characters).
    pub display_path: String,
    /// Path inside the bundle, relative, `/`-separated, normalised (no `..`, no leading `/`): what layout rules look at.
    pub inner_path: String,
    pub data: InputData,
    /// Modification time (tar header mtime or file-system mtime), ns since the epoch.
    pub mtime_ns: Option<i64>,
    /// Node (host) this file belongs to, as the layout says (None: not node-specific or unknown).
    pub node: Option<String>,
    /// The source as the layout names it: a unit (`kubelet`, `containerd`, `crio`, `k3s`), a container as
    /// `namespace/pod/container`, or a resource (`events`, `pods`, `nodes`). None if unknown.
    /// A part the layout does not tell is left empty (Talos: `kube-system//kube-apiserver`);
    /// a pod's combined log (all containers) is `namespace/pod`.
    pub source: Option<String>,
    /// True when the file is a byte-tail of a larger file (sosreport `.tailed`): its first line may be partial.
    pub tailed: bool,
}

/// The collector that produced the bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    Sosreport,
    ClusterInfoDump,
    Troubleshoot,
    RancherCollector,
    Talos,
    Kops,
    MustGather,
    Kind,
    Plain,
}

impl Layout {
    pub const ALL: [Layout; 9] = [
        Layout::Sosreport,
        Layout::ClusterInfoDump,
        Layout::Troubleshoot,
        Layout::RancherCollector,
        Layout::Talos,
        Layout::Kops,
        Layout::MustGather,
        Layout::Kind,
        Layout::Plain,
    ];

    /// Stable kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            Layout::Sosreport => "sosreport",
            Layout::ClusterInfoDump => "cluster-info-dump",
            Layout::Troubleshoot => "troubleshoot",
            Layout::RancherCollector => "rancher-collector",
            Layout::Talos => "talos",
            Layout::Kops => "kops",
            Layout::MustGather => "must-gather",
            Layout::Kind => "kind",
            Layout::Plain => "plain",
        }
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One piece of evidence of when the bundle was collected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeHint {
    pub unix_ns: i64,
    /// exact (UTC) or a zone-less civil time interpreted as UTC
    pub exact: bool,
    pub from: String,
    /// How trustworthy the hint is, by where it was found.
    pub kind: HintKind,
}

/// Where a collection-time hint was found, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HintKind {
    /// Written by the collector itself (sos manifest, `date` output, must-gather `timestamp`).
    Recorded,
    /// A date in an archive or folder name.
    Named,
    /// The newest modification time of an archive's members.
    ArchiveMember,
    /// The modification time of files on disk: may be when the bundle was copied, not collected.
    FileMtime,
}

/// A file that could not be (fully) read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleProblem {
    pub path: String,
    pub message: String,
}

impl fmt::Display for BundleProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Everything found in the paths given to [`open`].
#[derive(Debug, Clone)]
pub struct Bundle {
    /// The paths as given (sanitised), in order.
    pub roots: Vec<String>,
    /// The collector of most inputs (Plain when none was recognised).
    pub layout: Layout,
    /// Sorted by display_path; duplicates (same content reached twice through a symlink) kept once.
    pub inputs: Vec<Input>,
    pub problems: Vec<BundleProblem>,
    /// Evidence of when the bundle was collected, best first: sos manifest times, archive-name dates
    /// (`support-bundle-YYYY-MM-DDTHH_MM_SS`, `sosreport-...-YYYY-MM-DD-xxxxxxx`, rancher `<host>-YYYY-MM-DD_HH_MM_SS`,
    /// must-gather `timestamp` file), newest tar member mtime, newest file mtime.
    pub collection_hints: Vec<TimeHint>,
    /// Zone evidence per node: (node or None, zone text as found, where) from sosreport `date`/`timedatectl`
    /// outputs, `etc/timezone`, `etc/localtime` symlink target, rancher systeminfo... (text like "CEST", "+0200", "Europe/Berlin").
    pub zone_hints: Vec<(Option<String>, String, String)>,
}

impl Bundle {
    /// The input with this display path.
    pub fn input(&self, display_path: &str) -> Option<&Input> {
        self.inputs
            .binary_search_by(|i| i.display_path.as_str().cmp(display_path))
            .ok()
            .map(|k| &self.inputs[k])
    }
}

/// Open every path (a directory, a file, a .tar, .tar.gz/.tgz, a .gz, or "-" for stdin) into one bundle.
/// Never fails as a whole: what cannot be read becomes a problem, and the rest is still returned.
pub fn open(paths: &[PathBuf], options: &OpenOptions) -> Bundle {
    let mut c = Collector::new(options);
    let mut roots = Vec::new();
    let mut opened: HashSet<PathBuf> = HashSet::new();
    for path in paths {
        if path.as_os_str() == "-" {
            roots.push("stdin".to_string());
            open_stdin(&mut c);
            continue;
        }
        let display = paths::sanitize(&path.to_string_lossy()).into_owned();
        roots.push(display.clone());
        if let Ok(canonical) = std::fs::canonicalize(path) {
            if !opened.insert(canonical) {
                c.problem(
                    None,
                    &display,
                    "This path was given more than once; it was read once.",
                );
                continue;
            }
        }
        open_path(&mut c, path, &display);
    }
    finish(c, roots)
}

/// The same for bytes already in memory (used for stdin and tests).
pub fn open_bytes(name: &str, bytes: Vec<u8>, options: &OpenOptions) -> Bundle {
    let mut c = Collector::new(options);
    walk::open_memory(&mut c, name, bytes, None);
    finish(c, vec![paths::sanitize(name).into_owned()])
}

fn open_stdin(c: &mut Collector) {
    let limit = c.options.max_memory;
    match walk::read_stream_bounded(std::io::stdin().lock(), limit) {
        Ok((bytes, over)) => {
            if over {
                c.problem(
                    None,
                    "stdin",
                    format!("Standard input is larger than max_memory ({limit} bytes); only its first {limit} bytes were read."),
                );
            }
            walk::open_memory(c, "stdin", bytes, None);
        }
        Err(e) => c.problem(None, "stdin", format!("Cannot read standard input: {e}.")),
    }
}

fn open_path(c: &mut Collector, path: &Path, display: &str) {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            c.problem(None, display, format!("Cannot open: {e}."));
            return;
        }
    };
    if meta.is_dir() {
        walk::walk(c, path, display);
        return;
    }
    if meta.is_file() {
        walk::open_file(c, path, display, &meta);
        return;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if meta.file_type().is_fifo() {
            // A pipe the user named (`<(zcat bundle.gz)`): read it like stdin.
            let limit = c.options.max_memory;
            match std::fs::File::open(path).and_then(|f| walk::read_stream_bounded(f, limit)) {
                Ok((bytes, over)) => {
                    if over {
                        c.problem(
                            None,
                            display,
                            format!("The pipe delivered more than max_memory ({limit} bytes); only the first {limit} bytes were read."),
                        );
                    }
                    walk::open_memory(c, display, bytes, None);
                }
                Err(e) => c.problem(None, display, format!("Cannot read: {e}.")),
            }
            return;
        }
    }
    c.problem(
        None,
        display,
        "Skipped: not a regular file, directory or pipe.",
    );
}

/// Attribution, de-duplication, hints: everything that needs all the files of a container.
fn finish(mut c: Collector, roots: Vec<String>) -> Bundle {
    c.flush_problem_summaries();
    let n_groups = c.groups.len();
    let mut by_group: Vec<Vec<usize>> = vec![Vec::new(); n_groups];
    let mut index: Vec<HashMap<&str, usize>> = vec![HashMap::new(); n_groups];
    for (k, f) in c.found.iter().enumerate() {
        by_group[f.group].push(k);
        index[f.group].entry(f.inner_path.as_str()).or_insert(k);
    }
    let lookup = |g: usize, p: &str| -> Option<usize> {
        index[g].get(p).copied().or_else(|| {
            let to = c.aliases.get(&(g, p.to_string()))?;
            index[g].get(to.as_str()).copied()
        })
    };
    let paths_of = |g: usize| by_group[g].iter().map(|&k| c.found[k].inner_path.as_str());

    let layouts: Vec<layout::GroupLayout> = (0..n_groups)
        .map(|g| layout::detect(paths_of(g), &c.groups[g].name))
        .collect();
    let facts: Vec<Vec<attribute::RootFacts>> = (0..n_groups)
        .map(|g| {
            let read = |p: &str| lookup(g, p).map(|k| c.found[k].data.bytes());
            attribute::root_facts(&layouts[g], &c.groups[g].name, paths_of(g), &read)
        })
        .collect();

    // Nested archives inherit the node of the file they came from.
    let mut inherited: Vec<Option<String>> = Vec::with_capacity(n_groups);
    for g in 0..n_groups {
        let node = c.groups[g].parent.as_ref().and_then(|(pg, pp)| {
            attribute::attribute(&layouts[*pg], &facts[*pg], pp)
                .0
                .or_else(|| inherited.get(*pg).cloned().flatten())
        });
        inherited.push(node);
    }
    let node_of = |g: usize, p: &str| -> Option<String> {
        attribute::attribute(&layouts[g], &facts[g], p)
            .0
            .or_else(|| inherited[g].clone())
    };

    let mut attributed: Vec<(Option<String>, Option<String>)> = c
        .found
        .iter()
        .map(|f| {
            let (node, source) =
                attribute::attribute(&layouts[f.group], &facts[f.group], &f.inner_path);
            (node.or_else(|| inherited[f.group].clone()), source)
        })
        .collect();
    let nodes: Vec<Option<String>> = attributed.iter().map(|(n, _)| n.clone()).collect();

    let (collection_hints, zone_hints) = hints::Evidence {
        groups: &c.groups,
        layouts: &layouts,
        facts: &facts,
        found: &c.found,
        by_group: &by_group,
        nodes: &nodes,
        links: &c.links,
        lookup: &lookup,
        node_of: &node_of,
    }
    .gather();

    let dropped = container_link_copies(&c.found, &attributed);

    // The layout of most inputs.
    let mut counts: HashMap<Layout, usize> = HashMap::new();
    for f in &c.found {
        if let Some((i, _)) = layouts[f.group].root_of(&f.inner_path) {
            *counts.entry(layouts[f.group].roots[i].layout).or_default() += 1;
        }
    }
    let layout = Layout::ALL
        .iter()
        .copied()
        .filter(|l| counts.get(l).copied().unwrap_or(0) > 0)
        .max_by_key(|l| {
            (
                counts[l],
                std::cmp::Reverse(Layout::ALL.iter().position(|x| x == l)),
            )
        })
        .unwrap_or(Layout::Plain);

    let mut inputs: Vec<Input> = Vec::with_capacity(c.found.len());
    for (k, f) in c.found.into_iter().enumerate() {
        if dropped.contains(&k) {
            continue;
        }
        let (node, source) = std::mem::take(&mut attributed[k]);
        let tailed = paths::file_name(&f.inner_path).ends_with(".tailed");
        inputs.push(Input {
            display_path: f.display_path,
            inner_path: f.inner_path,
            data: f.data,
            mtime_ns: f.mtime_ns,
            node,
            source,
            tailed,
        });
    }
    inputs.sort_by(|a, b| a.display_path.cmp(&b.display_path));

    Bundle {
        roots,
        layout,
        inputs,
        problems: c.problems,
        collection_hints,
        zone_hints,
    }
}

/// kind (and copies of `/var/log`) hold each container log twice: under
/// `pods/<ns>_<pod>_<uid>/<c>/<n>.log` and, dereferenced from the
/// `/var/log/containers` symlink, as `containers/<pod>_<ns>_<c>-<id>.log`.
/// The `containers/` copy is dropped when its bytes equal a `pods/` file of the
/// same node and container.
fn container_link_copies(
    found: &[collect::Found],
    attributed: &[(Option<String>, Option<String>)],
) -> HashSet<usize> {
    let in_containers_dir = |p: &str| {
        matches!(
            paths::file_name(paths::parent(p)),
            "containers" | "containers-varlogs"
        )
    };
    let mut pod_files: HashMap<(usize, &Option<String>, &str), Vec<usize>> = HashMap::new();
    for (k, f) in found.iter().enumerate() {
        if let (node, Some(source)) = &attributed[k] {
            if source.matches('/').count() == 2 && !in_containers_dir(&f.inner_path) {
                pod_files
                    .entry((f.group, node, source.as_str()))
                    .or_default()
                    .push(k);
            }
        }
    }
    let mut dropped = HashSet::new();
    for (k, f) in found.iter().enumerate() {
        let (node, Some(source)) = &attributed[k] else {
            continue;
        };
        if !in_containers_dir(&f.inner_path) {
            continue;
        }
        if let Some(candidates) = pod_files.get(&(f.group, node, source.as_str())) {
            let same = candidates.iter().any(|&o| {
                found[o].data.len() == f.data.len() && found[o].data.bytes() == f.data.bytes()
            });
            if same {
                dropped.insert(k);
            }
        }
    }
    dropped
}
