//! Which node a file belongs to and which source (unit, container, resource)
//! it holds, from its path under the bundle root, per collector layout
//! (bundles.md §1–§9). When a layout rule says nothing, generic rules apply:
//! kubelet container-log paths anywhere, and `<unit>.log` file names.
//!
//! Sources are written as: a unit (`kubelet`); a container as
//! `namespace/pod/container`, with an empty part when the layout does not
//! say it (Talos names kube-system logs by container only:
//! `kube-system//kube-apiserver`); a pod's combined log as `namespace/pod`;
//! a resource kind (`events`, `pods`, `nodes`).

use std::collections::{HashMap, HashSet};

use super::cri;
use super::layout::{rancher_dir_host, GroupLayout, Root};
use super::paths;
use super::Layout;

/// Units and components whose `<name>.log` file name says what it holds.
const KNOWN_UNITS: &[&str] = &[
    "kubelet",
    "containerd",
    "crio",
    "cri-o",
    "docker",
    "cri-docker",
    "k3s",
    "k3s-agent",
    "rke2-server",
    "rke2-agent",
    "k0s",
    "k0scontroller",
    "k0sworker",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kube-proxy",
    "cloud-controller-manager",
    "etcd",
    "etcd-events",
    "kops-configuration",
    "protokube",
    "node-problem-detector",
    "dns-controller",
    "kops-controller",
    "external-dns",
];

/// Namespaces the Rancher collector gathers pod logs from (its
/// `SYSTEM_NAMESPACES`), used to split `podlogs/<ns>-<pod>` names.
const RANCHER_NAMESPACES: &[&str] = &[
    "kube-system",
    "kube-public",
    "cattle-system",
    "cattle-alerting",
    "cattle-logging",
    "cattle-pipeline",
    "ingress-nginx",
    "cattle-prometheus",
    "istio-system",
    "longhorn-system",
    "cattle-global-data",
    "fleet-system",
    "fleet-default",
    "rancher-operator-system",
    "cattle-monitoring-system",
    "cattle-logging-system",
    "cattle-fleet-system",
    "cattle-fleet-local-system",
    "tigera-operator",
    "calico-system",
];

/// Facts about one root that attribution needs beyond the path itself.
#[derive(Debug, Default)]
pub(super) struct RootFacts {
    /// The node the whole root belongs to (sosreport, Rancher, single-node folders).
    pub node: Option<String>,
    /// troubleshoot: node names from `host-collectors/system/node_list.json`.
    pub listed_nodes: HashSet<String>,
    /// troubleshoot: the host name of a locally run host collection.
    pub local_host: Option<String>,
    /// troubleshoot: pod name -> namespace, from `cluster-resources/pods/logs/<ns>/<pod>/`.
    pub pod_namespaces: HashMap<String, String>,
    /// Rancher: namespaces known for splitting `podlogs/<ns>-<pod>`, longest first.
    pub namespaces: Vec<String>,
}

/// A `hostname` file's content, if it looks like one host name.
pub(super) fn host_name(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(&bytes[..bytes.len().min(1024)]).ok()?;
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    let ok = line.len() <= 253
        && line
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
    ok.then(|| line.to_string())
}

/// The host part of a sosreport archive or folder name:
/// `sosreport-<host>[-<label>][-<case>]-YYYY-MM-DD-xxxxxxx` (label and case
/// cannot be told apart from a dashed host name, so everything before the
/// date is returned) or legacy `sosreport-<host>[.<case>]-YYYYmmddHHMMSS`.
pub(super) fn sosreport_host(name: &str) -> Option<String> {
    let rest = name.strip_prefix("sosreport-")?;
    let b = rest.as_bytes();
    // Friendly: "-YYYY-MM-DD-" + 7 lowercase letters = 19 characters.
    if b.len() > 19 && rest.is_char_boundary(rest.len() - 19) {
        let (host, tail) = rest.split_at(rest.len() - 19);
        let t = tail.as_bytes();
        let shape = t[0] == b'-'
            && t[1..5].iter().all(u8::is_ascii_digit)
            && t[5] == b'-'
            && t[6..8].iter().all(u8::is_ascii_digit)
            && t[8] == b'-'
            && t[9..11].iter().all(u8::is_ascii_digit)
            && t[11] == b'-'
            && t[12..].iter().all(u8::is_ascii_lowercase);
        if shape && !host.is_empty() {
            return Some(host.to_string());
        }
    }
    // Legacy: "-" + 14 digits.
    if b.len() > 15 && rest.is_char_boundary(rest.len() - 15) {
        let (host, tail) = rest.split_at(rest.len() - 15);
        let t = tail.as_bytes();
        if t[0] == b'-' && t[1..].iter().all(u8::is_ascii_digit) && !host.is_empty() {
            let host = host.split('.').next().unwrap_or(host);
            return Some(host.to_string());
        }
    }
    None
}

/// The name a root is known by: its folder, or the group's (archive) name
/// when the root is the top of the group.
pub(super) fn root_name<'a>(root: &'a Root, group_name: &'a str) -> &'a str {
    if root.prefix.is_empty() {
        paths::strip_archive_ext(group_name)
    } else {
        paths::file_name(&root.prefix)
    }
}

/// Gather per-root facts from the group's paths (names only) and the few
/// small files that name a node. `read` returns a file's bytes by inner path.
pub(super) fn root_facts<'p>(
    layout: &GroupLayout,
    group_name: &str,
    group_paths: impl Iterator<Item = &'p str>,
    read: &dyn Fn(&str) -> Option<&'p [u8]>,
) -> Vec<RootFacts> {
    let mut facts: Vec<RootFacts> = layout.roots.iter().map(|_| RootFacts::default()).collect();
    for path in group_paths {
        let Some((i, rel)) = layout.root_of(path) else {
            continue;
        };
        let segs: Vec<&str> = rel.split('/').collect();
        match (layout.roots[i].layout, segs.as_slice()) {
            (Layout::Troubleshoot, ["cluster-resources", "pods", "logs", ns, pod, _]) => {
                facts[i]
                    .pod_namespaces
                    .entry(pod.to_string())
                    .or_insert_with(|| ns.to_string());
            }
            (Layout::RancherCollector, _) => {
                if segs.len() == 4 && segs[1..3] == ["kubectl", "poddescribe"] {
                    facts[i].namespaces.push(segs[3].to_string());
                }
                if segs.len() >= 3 && segs[1] == "podlogs" {
                    if let Some((ns, _)) = segs[2].split_once('_') {
                        if segs[2].matches('_').count() == 2 {
                            facts[i].namespaces.push(ns.to_string());
                        }
                    }
                }
            }
            _ => {}
        }
    }
    for (i, root) in layout.roots.iter().enumerate() {
        let f = &mut facts[i];
        let at = |rel: &str| read(&paths::join(&root.prefix, rel));
        let name = root_name(root, group_name);
        match root.layout {
            Layout::Sosreport => {
                f.node = [
                    "hostname",
                    "sos_commands/host/hostname",
                    "sos_commands/general/hostname",
                    "etc/hostname",
                ]
                .iter()
                .find_map(|rel| at(rel).and_then(host_name))
                .or_else(|| sosreport_host(name));
            }
            Layout::RancherCollector => {
                f.node = at("systeminfo/hostname")
                    .and_then(host_name)
                    .or_else(|| rancher_dir_host(name).map(str::to_string));
                f.namespaces
                    .extend(RANCHER_NAMESPACES.iter().map(|s| s.to_string()));
                f.namespaces
                    .sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
                f.namespaces.dedup();
            }
            Layout::Troubleshoot => {
                if let Some(list) = at("host-collectors/system/node_list.json") {
                    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(list) {
                        if let Some(nodes) = v.get("nodes").and_then(|n| n.as_array()) {
                            f.listed_nodes = nodes
                                .iter()
                                .filter_map(|n| n.as_str())
                                .map(|s| paths::sanitize(s).into_owned())
                                .collect();
                        }
                    }
                }
                if let Some(info) = at("host-collectors/system/hostos_info.json") {
                    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(info) {
                        f.local_host = v
                            .get("name")
                            .and_then(|n| n.as_str())
                            .and_then(|n| host_name(n.as_bytes()));
                    }
                }
            }
            Layout::Talos | Layout::Kops | Layout::Kind if root.single_node => {
                f.node = Some(name.to_string());
            }
            _ => {}
        }
    }
    facts
}

/// Node and source of one file, from its path in the group.
pub(super) fn attribute(
    layout: &GroupLayout,
    facts: &[RootFacts],
    path: &str,
) -> (Option<String>, Option<String>) {
    let (node, source) = match layout.root_of(path) {
        Some((i, rel)) => {
            let root = &layout.roots[i];
            let f = &facts[i];
            let segs: Vec<&str> = rel.split('/').collect();
            match root.layout {
                Layout::Sosreport => (f.node.clone(), sosreport_source(&segs)),
                Layout::ClusterInfoDump => (None, cluster_info_source(&segs)),
                Layout::Troubleshoot => troubleshoot(f, &segs),
                Layout::RancherCollector => (f.node.clone(), rancher_source(f, &segs)),
                Layout::MustGather => (must_gather_node(root), must_gather_source(&segs)),
                Layout::Talos => {
                    node_folders(root, f, &segs, &["kubernetesResources"], talos_source)
                }
                Layout::Kops => node_folders(root, f, &segs, &["cluster-info"], kops_source),
                Layout::Kind => node_folders(root, f, &segs, &[], kind_source),
                Layout::Plain => (None, None),
            }
        }
        None => (layout.plain_node(path).map(str::to_string), None),
    };
    let source = source.or_else(|| generic_source(path));
    (node, source)
}

/// Generic rules: container log paths, `<unit>.log[.N][.gz]` names.
fn generic_source(path: &str) -> Option<String> {
    if let Some(s) = cri::source_from_path(path) {
        return Some(s);
    }
    unit_log_name(paths::file_name(path))
}

/// `kubelet.log`, `kube-apiserver.log.1`, `containerd.log.2.gz` -> the unit.
fn unit_log_name(file: &str) -> Option<String> {
    let file = file.strip_suffix(".gz").unwrap_or(file);
    let (stem, rest) = file.split_once(".log")?;
    let rotated = rest.is_empty()
        || rest
            .strip_prefix('.')
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    (rotated && KNOWN_UNITS.contains(&stem)).then(|| stem.to_string())
}

fn stem(file: &str) -> &str {
    file.rsplit_once('.').map_or(file, |(s, _)| s)
}

/// The unit of a sosreport journal file name:
/// `journalctl_--no-pager_--unit_kubelet[_--since_…][.1]`.
fn sos_journal_unit(name: &str) -> Option<String> {
    let rest = name.strip_prefix("journalctl_")?;
    let at = rest.find("--unit_")?;
    let after = &rest[at + "--unit_".len()..];
    let unit = after.split("_--").next()?;
    // A second command with the same name gets ".1", ".2" appended.
    let unit = match unit.rsplit_once('.') {
        Some((u, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => u,
        _ => unit,
    };
    let unit = unit.strip_suffix(".service").unwrap_or(unit);
    (!unit.is_empty()).then(|| unit.to_string())
}

fn sosreport_source(segs: &[&str]) -> Option<String> {
    let file = *segs.last()?;
    let name = file.strip_suffix(".tailed").unwrap_or(file);
    if let Some(unit) = sos_journal_unit(name) {
        return Some(unit);
    }
    if segs.len() >= 3 && segs[0] == "sos_commands" && segs.contains(&"cluster-info") {
        // cluster-info/<ns>/podlogs/<pod>/kubectl_…_logs_<pod>_-c_<container>
        if let Some(i) = segs.iter().position(|s| *s == "podlogs") {
            if i >= 1 && i + 2 == segs.len() - 1 {
                let (ns, pod) = (segs[i - 1], segs[i + 1]);
                if let Some((_, container)) = name.rsplit_once("_-c_") {
                    return Some(format!("{ns}/{pod}/{container}"));
                }
                return Some(format!("{ns}/{pod}"));
            }
        }
        if name.contains("_describe_") {
            return None;
        }
        if name.contains("events") {
            return Some("events".to_string());
        }
        if let Some((_, after_get)) = name.split_once("_get_") {
            let last = after_get.rsplit('_').next()?;
            if !last.is_empty() && last.bytes().all(|b| b.is_ascii_lowercase()) {
                return Some(last.to_string());
            }
        }
    }
    None
}

fn cluster_info_source(segs: &[&str]) -> Option<String> {
    match segs {
        [file] => Some(stem(file).to_string()),
        [_ns, file] => Some(stem(file).to_string()),
        [ns, pod, "logs.txt"] => Some(format!("{ns}/{pod}")),
        _ => None,
    }
}

/// Container name from a troubleshoot log file name
/// (`<c>.log`, `<c>-previous.log`, `<c>-logs-errors.log`).
fn troubleshoot_container(file: &str) -> Option<&str> {
    let c = file.strip_suffix(".log")?;
    let c = c
        .strip_suffix("-previous")
        .or_else(|| c.strip_suffix("-logs-errors"))
        .unwrap_or(c);
    (!c.is_empty()).then_some(c)
}

fn troubleshoot(f: &RootFacts, segs: &[&str]) -> (Option<String>, Option<String>) {
    match segs {
        ["cluster-resources", "events", _ns] => (None, Some("events".to_string())),
        ["cluster-resources", "pods", "logs", ns, pod, file] => (
            None,
            troubleshoot_container(file).map(|c| format!("{ns}/{pod}/{c}")),
        ),
        ["cluster-resources", "custom-resources", ..] => (None, None),
        ["cluster-resources", file] => {
            let s = stem(file);
            (
                None,
                Some(s.strip_suffix("-errors").unwrap_or(s).to_string()),
            )
        }
        ["cluster-resources", kind, _ns] => (None, Some(kind.to_string())),
        ["host-collectors", rest @ ..] => {
            let dirs = &rest[..rest.len().saturating_sub(1)];
            let node = dirs
                .iter()
                .find(|d| f.listed_nodes.contains(**d))
                .map(|d| d.to_string())
                .or_else(|| f.local_host.clone());
            let file = rest.last().copied().unwrap_or("");
            (node, host_collector_unit(file))
        }
        [top, pod, file]
            if !matches!(
                *top,
                "cluster-resources" | "cluster-info" | "execution-data"
            ) =>
        {
            let source = troubleshoot_container(file).map(|c| {
                let ns = f.pod_namespaces.get(*pod).map_or("", String::as_str);
                format!("{ns}/{pod}/{c}")
            });
            (None, source)
        }
        _ => (None, None),
    }
}

/// `journalctl-kubelet.txt`, `journald-k0s.txt`, `kubelet.txt` -> the unit,
/// when it is one we know.
fn host_collector_unit(file: &str) -> Option<String> {
    let name = file.strip_suffix(".txt")?;
    let name = name
        .strip_prefix("journalctl-")
        .or_else(|| name.strip_prefix("journald-"))
        .unwrap_or(name);
    KNOWN_UNITS.contains(&name).then(|| name.to_string())
}

fn rancher_source(f: &RootFacts, segs: &[&str]) -> Option<String> {
    match segs {
        ["journald", unit] => Some(unit.strip_suffix(".service").unwrap_or(unit).to_string()),
        [_distro, "podlogs", name] => {
            if let Some(s) = cri::source_from_docker_name(name) {
                return Some(s);
            }
            let name = name.strip_suffix("-previous").unwrap_or(name);
            f.namespaces.iter().find_map(|ns| {
                let pod = name.strip_prefix(ns.as_str())?.strip_prefix('-')?;
                (!pod.is_empty()).then(|| format!("{ns}/{pod}"))
            })
        }
        [distro, "containerlogs", name] if *distro != "rancher" => Some(name.to_string()),
        [_distro, "kubectl", "events"] => Some("events".to_string()),
        [_distro, "kubectl", "nodes" | "nodes.json"] => Some("nodes".to_string()),
        [_distro, "kubectl", "pods"] => Some("pods".to_string()),
        _ => None,
    }
}

/// must-gather run with a node selector puts one folder per node above the
/// image folder: `must-gather.local.<n>/<node>/<image>/`.
fn must_gather_node(root: &Root) -> Option<String> {
    let image_parent = paths::parent(&root.prefix);
    let above = paths::parent(image_parent);
    let holder = paths::file_name(above);
    (!image_parent.is_empty() && holder.starts_with("must-gather.local."))
        .then(|| paths::file_name(image_parent).to_string())
}

fn must_gather_source(segs: &[&str]) -> Option<String> {
    match segs {
        ["host_service_logs", _role, file] => {
            let svc = file.strip_suffix("_service.log")?;
            (!svc.is_empty()).then(|| svc.to_string())
        }
        ["namespaces", ns, "pods", pod, container, _, "logs", ..] => {
            Some(format!("{ns}/{pod}/{container}"))
        }
        ["namespaces", _ns, _group, file] => {
            let s = stem(file);
            Some(s.rsplit('.').next().unwrap_or(s).to_string())
        }
        ["cluster-scoped-resources", _group, kind, _file] => Some(kind.to_string()),
        _ => None,
    }
}

/// Layouts with one folder per node: the first segment is the node unless it
/// is one of the `shared` top-level entries (or a file at the top).
fn node_folders(
    root: &Root,
    f: &RootFacts,
    segs: &[&str],
    shared: &[&str],
    rule: fn(&[&str]) -> Option<String>,
) -> (Option<String>, Option<String>) {
    if root.single_node {
        return (f.node.clone(), rule(segs));
    }
    match segs {
        [first, rest @ ..] if !rest.is_empty() && !shared.contains(first) => {
            (Some(first.to_string()), rule(rest))
        }
        [first, rest @ ..] if shared.contains(first) => (None, shared_source(first, rest)),
        _ => (None, None),
    }
}

/// Cluster-wide folders of per-node layouts: Talos `kubernetesResources/`,
/// kOps `cluster-info/`.
fn shared_source(top: &str, rest: &[&str]) -> Option<String> {
    match (top, rest) {
        ("kubernetesResources", [file]) => Some(stem(file).to_string()),
        ("cluster-info", [file]) => Some(stem(file).to_string()),
        ("cluster-info", [_ns, file]) => {
            let s = stem(file);
            Some(s.rsplit('.').next().unwrap_or(s).to_string())
        }
        ("cluster-info", [ns, pod, file]) => {
            let c = file
                .strip_suffix(".previous.log")
                .or_else(|| file.strip_suffix(".log"))?;
            Some(format!("{ns}/{pod}/{c}"))
        }
        _ => None,
    }
}

fn talos_source(rest: &[&str]) -> Option<String> {
    match rest {
        ["service-logs", file] => file.strip_suffix(".log").map(str::to_string),
        ["kubernetes-logs", ns, file] => {
            let c = file.strip_suffix(".log")?;
            let c = c.strip_suffix("-exited").unwrap_or(c);
            Some(format!("{ns}//{c}"))
        }
        ["controller-runtime.log"] => Some("controller-runtime".to_string()),
        _ => None,
    }
}

fn kops_source(rest: &[&str]) -> Option<String> {
    match rest {
        [file] => unit_log_name(file),
        _ => None,
    }
}

fn kind_source(rest: &[&str]) -> Option<String> {
    match rest {
        [file] => unit_log_name(file),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sosreport_names() {
        assert_eq!(
            sosreport_host("sosreport-cp-1-2024-06-10-qhzkgbt"),
            Some("cp-1".to_string())
        );
        assert_eq!(
            sosreport_host("sosreport-cp1.12345-20240610101500"),
            Some("cp1".to_string())
        );
        assert_eq!(sosreport_host("sosreport"), None);
        assert_eq!(sosreport_host("sosreport-ééééééééééééééééééééé"), None);
        assert_eq!(
            sosreport_host("sosreport-é-2024-06-10-qhzkgbt"),
            Some("é".to_string())
        );
        assert_eq!(sosreport_host("support-bundle"), None);
    }

    #[test]
    fn sos_journal_units() {
        assert_eq!(
            sos_journal_unit("journalctl_--no-pager_--unit_kubelet"),
            Some("kubelet".to_string())
        );
        assert_eq!(
            sos_journal_unit("journalctl_--no-pager_--unit_crio_--since_2024-05-01_10_00"),
            Some("crio".to_string())
        );
        assert_eq!(
            sos_journal_unit("journalctl_--no-pager_--unit_snap.kubelet.daemon.1"),
            Some("snap.kubelet.daemon".to_string())
        );
        assert_eq!(sos_journal_unit("journalctl_--no-pager_--boot"), None);
    }

    #[test]
    fn unit_log_names() {
        assert_eq!(unit_log_name("kubelet.log"), Some("kubelet".to_string()));
        assert_eq!(
            unit_log_name("kube-apiserver.log.1"),
            Some("kube-apiserver".to_string())
        );
        assert_eq!(
            unit_log_name("containerd.log.2.gz"),
            Some("containerd".to_string())
        );
        assert_eq!(unit_log_name("journal.log"), None);
        assert_eq!(unit_log_name("kubelet.logrotate"), None);
    }

    #[test]
    fn host_names() {
        assert_eq!(
            host_name(b"cp1.example.com\n"),
            Some("cp1.example.com".to_string())
        );
        assert_eq!(host_name(b"\n  worker-2  \n"), Some("worker-2".to_string()));
        assert_eq!(host_name(b"hostname: command not found\n"), None);
        assert_eq!(host_name(b""), None);
    }
}
