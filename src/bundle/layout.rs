//! Which collector produced a container, and where its bundle starts.
//!
//! A group's paths are scanned once; the names of files and directories that
//! identify a collector (bundles.md §0) are recorded per directory. A
//! directory holding such markers is a *root*: the place the collector's own
//! paths are relative to. Several roots can live in one group (a folder of
//! unpacked sosreports, one per node). A root inside another root is part of
//! it (kOps' `cluster-info/` looks like a `cluster-info dump` but is not one).

use std::collections::{HashMap, HashSet};

use super::paths;
use super::Layout;

/// One bundle inside a group: `prefix` is the directory its paths are
/// relative to ("" for the group's top).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Root {
    pub prefix: String,
    pub layout: Layout,
    /// For per-node-folder layouts (Talos, kOps, kind): the root itself is one
    /// node's folder (the user named that folder), so the node is the group's name.
    pub single_node: bool,
}

#[derive(Debug, Default)]
pub(super) struct GroupLayout {
    /// Longest prefix first, so the first match is the innermost root.
    pub roots: Vec<Root>,
    /// Node folders outside any root: sibling folders (at least two) that
    /// each hold journal or kubelet logs.
    pub node_dirs: HashSet<String>,
}

impl GroupLayout {
    /// The root a path belongs to, and the path relative to it.
    pub(super) fn root_of<'p>(&self, path: &'p str) -> Option<(usize, &'p str)> {
        self.roots
            .iter()
            .enumerate()
            .find_map(|(i, r)| paths::strip_dir(path, &r.prefix).map(|rel| (i, rel)))
    }

    /// For a path outside every root: the node folder it is in, if any.
    pub(super) fn plain_node<'p>(&self, path: &'p str) -> Option<&'p str> {
        let mut dir = paths::parent(path);
        while !dir.is_empty() {
            if self.node_dirs.contains(dir) {
                return Some(paths::file_name(dir));
            }
            dir = paths::parent(dir);
        }
        None
    }
}

// Marker bits, per directory: "this directory directly contains ...".
const SOS: u64 = 1 << 0;
const TS_RESOURCES: u64 = 1 << 1;
const TS_HOST: u64 = 1 << 2;
const MG_SCOPED: u64 = 1 << 3;
const MG_SERVICE_LOGS: u64 = 1 << 4;
const MG_NAMESPACES: u64 = 1 << 5;
const MG_TIMESTAMP: u64 = 1 << 6;
const RA_SYSTEMINFO: u64 = 1 << 7;
const RA_JOURNALD: u64 = 1 << 8;
const RA_COLLECTOR_LOG: u64 = 1 << 9;
const TA_SERVICE_LOGS: u64 = 1 << 10;
const TA_KUBE_LOGS: u64 = 1 << 11;
const TA_RESOURCES: u64 = 1 << 12;
const JOURNAL_LOG: u64 = 1 << 13;
const KUBELET_LOG: u64 = 1 << 14;
const CONTAINERD_LOG: u64 = 1 << 15;
const KOPS_CONFIGURATION: u64 = 1 << 16;
const KOPS_NODE_FILE: u64 = 1 << 17;
const KIND_NODE_FILE: u64 = 1 << 18;
const KIND_TOP_FILE: u64 = 1 << 19;
const POD_LOG_DIRS: u64 = 1 << 20;
const NODE_LIST: u64 = 1 << 21;
const NS_OBJECTS: u64 = 1 << 22;
const POD_LOGS_TXT: u64 = 1 << 23;
/// Propagated: a child directory has [`NS_OBJECTS`].
const CHILD_NS_OBJECTS: u64 = 1 << 24;
/// Propagated: a grandchild directory has [`POD_LOGS_TXT`].
const GRANDCHILD_POD_LOGS: u64 = 1 << 25;

fn marker(name: &str, is_file: bool) -> u64 {
    if is_file {
        match name {
            "collector-output.log" => RA_COLLECTOR_LOG,
            "timestamp" => MG_TIMESTAMP,
            "journal.log" => JOURNAL_LOG,
            "kubelet.log" => KUBELET_LOG,
            "containerd.log" => CONTAINERD_LOG,
            "kops-configuration.log" => KOPS_CONFIGURATION,
            "kern.log" | "etchosts" | "sysctls" | "kubelet.conf" => KOPS_NODE_FILE,
            "kubernetes-version.txt" | "inspect.json" | "serial.log" => KIND_NODE_FILE,
            "docker-info.txt" | "podman-info.txt" => KIND_TOP_FILE,
            "nodes.json" | "nodes.yaml" | "nodes.txt" => NODE_LIST,
            "events.json" | "events.yaml" | "events.txt" | "pods.json" | "pods.yaml"
            | "pods.txt" => NS_OBJECTS,
            "logs.txt" => POD_LOGS_TXT,
            _ => 0,
        }
    } else {
        match name {
            "sos_commands" | "sos_reports" | "sos_logs" | "sos_strings" => SOS,
            "cluster-resources" => TS_RESOURCES,
            "host-collectors" => TS_HOST,
            "cluster-scoped-resources" => MG_SCOPED,
            "host_service_logs" => MG_SERVICE_LOGS,
            "namespaces" => MG_NAMESPACES,
            "systeminfo" => RA_SYSTEMINFO,
            "journald" => RA_JOURNALD,
            "service-logs" => TA_SERVICE_LOGS,
            "kubernetes-logs" => TA_KUBE_LOGS,
            "kubernetesResources" => TA_RESOURCES,
            "pods" | "containers" => POD_LOG_DIRS,
            _ => 0,
        }
    }
}

/// `<host>-YYYY-MM-DD_HH_MM_SS`: the top folder of a Rancher collector archive.
pub(super) fn rancher_dir_host(name: &str) -> Option<&str> {
    if name.len() < 21 || !name.is_char_boundary(name.len() - 20) {
        return None;
    }
    let (host, date) = name.split_at(name.len() - 20);
    let d = date.as_bytes();
    let shape = b"-dddd-dd-dd_dd_dd_dd";
    let ok = d.iter().zip(shape.iter()).all(|(&c, &s)| match s {
        b'd' => c.is_ascii_digit(),
        other => c == other,
    });
    (ok && !host.is_empty()).then_some(host)
}

/// Priority when two layouts claim the same directory (most specific first).
fn priority(layout: Layout) -> u8 {
    match layout {
        Layout::Sosreport => 0,
        Layout::Troubleshoot => 1,
        Layout::MustGather => 2,
        Layout::RancherCollector => 3,
        Layout::Talos => 4,
        Layout::Kops => 5,
        Layout::Kind => 6,
        Layout::ClusterInfoDump => 7,
        Layout::Plain => 8,
    }
}

/// The parent of a non-root directory; `None` for the top.
fn parent_of(dir: &str) -> Option<&str> {
    (!dir.is_empty()).then(|| paths::parent(dir))
}

/// Recognise the bundles inside one group from its paths.
pub(super) fn detect<'p>(
    all_paths: impl Iterator<Item = &'p str>,
    group_name: &str,
) -> GroupLayout {
    let mut marks: HashMap<&str, u64> = HashMap::new();
    for path in all_paths {
        let mut start = 0;
        for (i, _) in path.match_indices('/') {
            let dir = if start == 0 { "" } else { &path[..start - 1] };
            let bits = marker(&path[start..i], false);
            if bits != 0 {
                *marks.entry(dir).or_default() |= bits;
            }
            start = i + 1;
        }
        let dir = if start == 0 { "" } else { &path[..start - 1] };
        let bits = marker(&path[start..], true);
        if bits != 0 {
            *marks.entry(dir).or_default() |= bits;
        }
    }
    let propagated: Vec<(&str, u64)> = marks
        .iter()
        .flat_map(|(&dir, &bits)| {
            let mut up = Vec::new();
            if bits & NS_OBJECTS != 0 {
                if let Some(p) = parent_of(dir) {
                    up.push((p, CHILD_NS_OBJECTS));
                }
            }
            if bits & POD_LOGS_TXT != 0 {
                if let Some(g) = parent_of(dir).and_then(parent_of) {
                    up.push((g, GRANDCHILD_POD_LOGS));
                }
            }
            up
        })
        .collect();
    for (dir, bit) in propagated {
        *marks.entry(dir).or_default() |= bit;
    }

    let bits_of = |dir: &str| marks.get(dir).copied().unwrap_or(0);
    let mut candidates: Vec<Root> = Vec::new();
    let mut plain_nodes: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut add = |prefix: &str, layout: Layout, single_node: bool| {
        candidates.push(Root {
            prefix: prefix.to_string(),
            layout,
            single_node,
        })
    };
    // Per-node-folder layouts: the root is the folder above the node folder.
    let node_root = |dir: &str| -> (String, bool) {
        match parent_of(dir) {
            Some(p) => (p.to_string(), false),
            None => (String::new(), true),
        }
    };
    for (&dir, &bits) in &marks {
        let name = if dir.is_empty() {
            paths::strip_archive_ext(group_name)
        } else {
            paths::file_name(dir)
        };
        if bits & SOS != 0 {
            add(dir, Layout::Sosreport, false);
        }
        if bits & (TS_RESOURCES | TS_HOST) != 0 {
            add(dir, Layout::Troubleshoot, false);
        }
        let parent_name = parent_of(dir).map(paths::file_name).unwrap_or("");
        let parent_has_timestamp = parent_of(dir).is_some_and(|p| bits_of(p) & MG_TIMESTAMP != 0);
        if bits & (MG_SCOPED | MG_SERVICE_LOGS) != 0
            || (bits & MG_NAMESPACES != 0
                && (bits & MG_TIMESTAMP != 0
                    || parent_has_timestamp
                    || parent_name.starts_with("must-gather.local.")))
        {
            add(dir, Layout::MustGather, false);
        }
        if bits & RA_SYSTEMINFO != 0
            && (bits & (RA_JOURNALD | RA_COLLECTOR_LOG) != 0 || rancher_dir_host(name).is_some())
        {
            add(dir, Layout::RancherCollector, false);
        }
        if bits & TA_RESOURCES != 0 {
            add(dir, Layout::Talos, false);
        }
        if bits & (TA_SERVICE_LOGS | TA_KUBE_LOGS) != 0 {
            let (root, single) = node_root(dir);
            add(&root, Layout::Talos, single);
        }
        let node_logs = bits & (JOURNAL_LOG | KUBELET_LOG | CONTAINERD_LOG) != 0;
        if bits & KOPS_CONFIGURATION != 0 || (node_logs && bits & KOPS_NODE_FILE != 0) {
            let (root, single) = node_root(dir);
            add(&root, Layout::Kops, single);
        } else if node_logs && bits & (KIND_NODE_FILE | POD_LOG_DIRS) != 0 {
            let (root, single) = node_root(dir);
            add(&root, Layout::Kind, single);
        } else if bits & (JOURNAL_LOG | KUBELET_LOG) != 0 {
            if let Some(p) = parent_of(dir) {
                plain_nodes.entry(p).or_default().push(dir);
            }
        }
        if bits & KIND_TOP_FILE != 0 {
            add(dir, Layout::Kind, false);
        }
        if bits & NODE_LIST != 0 && bits & (CHILD_NS_OBJECTS | GRANDCHILD_POD_LOGS) != 0 {
            add(dir, Layout::ClusterInfoDump, false);
        }
    }

    // One layout per directory (the most specific), then drop roots nested in
    // others, except sosreports: a sosreport is one node's collection wherever
    // it sits (bundles often carry them inside a larger tree), and its node,
    // zone and journal names only come from its own root.
    candidates.sort_by(|a, b| {
        (a.prefix.len(), &a.prefix, priority(a.layout)).cmp(&(
            b.prefix.len(),
            &b.prefix,
            priority(b.layout),
        ))
    });
    candidates.dedup_by(|later, earlier| later.prefix == earlier.prefix);
    let mut roots: Vec<Root> = Vec::new();
    for cand in candidates {
        let nested = roots.iter().any(|r| {
            r.prefix != cand.prefix && paths::strip_dir(&cand.prefix, &r.prefix).is_some()
        });
        if !nested || cand.layout == Layout::Sosreport {
            roots.push(cand);
        }
    }
    roots.reverse();

    let mut layout = GroupLayout {
        roots,
        node_dirs: HashSet::new(),
    };
    for (parent, dirs) in plain_nodes {
        if dirs.len() >= 2 && layout.root_of(&paths::join(parent, "x")).is_none() {
            layout
                .node_dirs
                .extend(dirs.into_iter().map(str::to_string));
        }
    }
    layout
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roots(paths: &[&str], group: &str) -> Vec<(String, Layout)> {
        detect(paths.iter().copied(), group)
            .roots
            .into_iter()
            .map(|r| (r.prefix, r.layout))
            .collect()
    }

    #[test]
    fn rancher_dir_names() {
        assert_eq!(rancher_dir_host("cp-1-2024-06-10_10_15_00"), Some("cp-1"));
        assert_eq!(rancher_dir_host("2024-06-10_10_15_00"), None);
        assert_eq!(rancher_dir_host("cp-1-2024-06-10T10_15_00"), None);
        assert_eq!(rancher_dir_host("ééééééééééééééééééééééé"), None);
    }

    #[test]
    fn sibling_sosreports_are_two_roots() {
        let r = roots(
            &[
                "case/sosreport-a-2024-06-10-aaaaaaa/sos_commands/logs/journalctl_--no-pager",
                "case/sosreport-b-2024-06-10-bbbbbbb/sos_reports/manifest.json",
                "case/notes.txt",
            ],
            "case",
        );
        assert_eq!(
            r,
            vec![
                (
                    "case/sosreport-b-2024-06-10-bbbbbbb".to_string(),
                    Layout::Sosreport
                ),
                (
                    "case/sosreport-a-2024-06-10-aaaaaaa".to_string(),
                    Layout::Sosreport
                ),
            ]
        );
    }

    #[test]
    fn kops_cluster_info_is_not_a_separate_dump() {
        let r = roots(
            &[
                "dump/ip-10-0-0-1/journal.log",
                "dump/ip-10-0-0-1/kern.log",
                "dump/cluster-info/nodes.yaml",
                "dump/cluster-info/kube-system/events.yaml",
            ],
            "dump",
        );
        assert_eq!(r, vec![("dump".to_string(), Layout::Kops)]);
    }

    #[test]
    fn plain_node_folders_need_two_of_them() {
        let two = detect(
            ["logs/n1/kubelet.log", "logs/n2/journal.log"].into_iter(),
            "x",
        );
        assert!(two.roots.is_empty());
        assert_eq!(two.plain_node("logs/n1/kubelet.log"), Some("n1"));
        let one = detect(["logs/n1/kubelet.log"].into_iter(), "x");
        assert_eq!(one.plain_node("logs/n1/kubelet.log"), None);
    }
}
