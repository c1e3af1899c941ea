//! Every collector layout, built small, opened both as an unpacked directory
//! and as a `.tar.gz`: the layout, the node and the source of every file.

use std::path::PathBuf;

use super::support::*;
use crate::bundle::{open, Bundle, HintKind, Layout, TimeHint};

/// A bundle's files and relative symlinks, to write as a directory or a tarball.
#[derive(Default)]
struct Tree {
    files: Vec<(String, Vec<u8>)>,
    links: Vec<(String, String)>,
    /// Prefix of member names in the tarball (Rancher archives use `./`).
    tar_prefix: &'static str,
}

impl Tree {
    fn file(mut self, path: &str, content: impl AsRef<[u8]>) -> Tree {
        self.files
            .push((path.to_string(), content.as_ref().to_vec()));
        self
    }

    fn link(mut self, path: &str, target: &str) -> Tree {
        self.links.push((path.to_string(), target.to_string()));
        self
    }

    /// Written under `<tmp>/case` and opened as that directory.
    fn open_dir(&self) -> (tempfile::TempDir, PathBuf, Bundle) {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("case");
        std::fs::create_dir_all(&root).unwrap();
        for (p, c) in &self.files {
            write_tree(&root, &[(p.as_str(), c.as_slice())]);
        }
        for (l, t) in &self.links {
            symlink(&root, l, t);
        }
        let bundle = open(std::slice::from_ref(&root), &options());
        (tmp, root, bundle)
    }

    /// Packed as `<tmp>/<name>` (gzip-compressed tar) and opened as that file.
    fn open_tar_gz(&self, name: &str) -> (tempfile::TempDir, PathBuf, Bundle) {
        let mut tar = Tar::new();
        for (p, c) in &self.files {
            tar = tar.file(&format!("{}{p}", self.tar_prefix), c);
        }
        for (l, t) in &self.links {
            tar = tar.symlink(&format!("{}{l}", self.tar_prefix), t);
        }
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join(name);
        std::fs::write(&path, tar.finish_gz()).unwrap();
        let bundle = open(std::slice::from_ref(&path), &options());
        (tmp, path, bundle)
    }
}

/// Attribution table, sorted by inner path.
fn table(bundle: &Bundle) -> Vec<(String, Option<String>, Option<String>)> {
    let mut t = attribution(bundle);
    t.sort();
    t
}

fn sorted(
    mut rows: Vec<(String, Option<String>, Option<String>)>,
) -> Vec<(String, Option<String>, Option<String>)> {
    rows.sort();
    rows
}

fn check_both(
    tree: &Tree,
    archive_name: &str,
    layout: Layout,
    expected: &[(String, Option<String>, Option<String>)],
) {
    let expected = sorted(expected.to_vec());
    let (_d, root, dir) = tree.open_dir();
    assert_eq!(dir.layout, layout, "directory {}", root.display());
    assert_eq!(dir.problems, vec![], "directory");
    assert_eq!(table(&dir), expected, "directory");
    let (_t, _p, tgz) = tree.open_tar_gz(archive_name);
    assert_eq!(tgz.layout, layout, "tar.gz");
    assert_eq!(tgz.problems, vec![], "tar.gz");
    assert_eq!(table(&tgz), expected, "tar.gz");
}

const SOS: &str = "sosreport-cp1-2024-06-10-qhzkgbt";
const ETCD_POD: &str = "kube-system_etcd-cp1_0123456789abcdef0123456789abcdef";

fn sosreport() -> Tree {
    let s = |p: &str| format!("{SOS}/{p}");
    Tree::default()
        .file(&s("sos_commands/host/hostname"), "cp1.example.com\n")
        .link(&s("hostname"), "sos_commands/host/hostname")
        .file(&s("sos_commands/date/date"), "Mon Jun 10 10:15:00 CEST 2024\n")
        .link(&s("date"), "sos_commands/date/date")
        .file(&s("sos_commands/date/date_--utc"), "Mon Jun 10 08:15:00 UTC 2024\n")
        .file(
            &s("sos_strings/kubernetes/journalctl_--no-pager_--unit_kubelet.tailed"),
            "ed line\nJun 10 08:00:00 cp1 kubelet[812]: I0610 08:00:00.000000     812 server.go:1] \"Started\"\n",
        )
        .link(
            &s("sos_commands/kubernetes/journalctl_--no-pager_--unit_kubelet"),
            "../../sos_strings/kubernetes/journalctl_--no-pager_--unit_kubelet.tailed",
        )
        .file(&s("sos_commands/crio/journalctl_--no-pager_--unit_crio"), "Jun 10 08:00:01 cp1 crio[700]: x\n")
        .file(&s("sos_commands/logs/journalctl_--no-pager"), "Jun 10 08:00:02 cp1 systemd[1]: y\n")
        .file(
            &s("sos_commands/kubernetes/cluster-info/kubectl_--kubeconfig_.etc.kubernetes.admin.conf_get_--all-namespaces_true_events"),
            "NAMESPACE   LAST SEEN   TYPE   REASON   OBJECT   MESSAGE\n",
        )
        .file(
            &s("sos_commands/kubernetes/cluster-info/kubectl_--kubeconfig_.etc.kubernetes.admin.conf_get_-o_json_nodes"),
            "{\"kind\": \"List\", \"items\": []}\n",
        )
        .file(
            &s("sos_commands/kubernetes/cluster-info/kube-system/podlogs/etcd-cp1/kubectl_--kubeconfig_.etc.kubernetes.admin.conf_logs_--namespace_kube-system_etcd-cp1_-c_etcd"),
            "{\"level\":\"info\"}\n",
        )
        .file(
            &s(&format!("var/log/pods/{ETCD_POD}/etcd/0.log")),
            "2024-06-10T08:00:00.1Z stderr F {\"level\":\"info\"}\n",
        )
        .file(
            &s("sos_reports/manifest.json"),
            r#"{"version": "4.7.0", "start_time": "2024-06-10 10:14:00.000000", "end_time": "2024-06-10 10:15:30.500000"}"#,
        )
        .link(&s("etc/localtime"), "../usr/share/zoneinfo/Europe/Berlin")
}

#[test]
fn sosreport_layout() {
    let cp1 = Some("cp1.example.com");
    let r = |p: &str, source: Option<&str>| row(&format!("{SOS}/{p}"), cp1, source);
    let expected = vec![
        r("sos_commands/host/hostname", None),
        r("sos_commands/date/date", None),
        r("sos_commands/date/date_--utc", None),
        r("sos_strings/kubernetes/journalctl_--no-pager_--unit_kubelet.tailed", Some("kubelet")),
        r("sos_commands/crio/journalctl_--no-pager_--unit_crio", Some("crio")),
        r("sos_commands/logs/journalctl_--no-pager", None),
        r(
            "sos_commands/kubernetes/cluster-info/kubectl_--kubeconfig_.etc.kubernetes.admin.conf_get_--all-namespaces_true_events",
            Some("events"),
        ),
        r(
            "sos_commands/kubernetes/cluster-info/kubectl_--kubeconfig_.etc.kubernetes.admin.conf_get_-o_json_nodes",
            Some("nodes"),
        ),
        r(
            "sos_commands/kubernetes/cluster-info/kube-system/podlogs/etcd-cp1/kubectl_--kubeconfig_.etc.kubernetes.admin.conf_logs_--namespace_kube-system_etcd-cp1_-c_etcd",
            Some("kube-system/etcd-cp1/etcd"),
        ),
        r(&format!("var/log/pods/{ETCD_POD}/etcd/0.log"), Some("kube-system/etcd-cp1/etcd")),
        r("sos_reports/manifest.json", None),
    ];
    check_both(
        &sosreport(),
        &format!("{SOS}.tar.gz"),
        Layout::Sosreport,
        &expected,
    );

    let (_t, path, b) = sosreport().open_tar_gz(&format!("{SOS}.tar.gz"));
    let shown = |p: &str| format!("{}!/{SOS}/{p}", path.to_string_lossy());
    let tailed: Vec<&str> = b
        .inputs
        .iter()
        .filter(|i| i.tailed)
        .map(|i| i.inner_path.as_str())
        .collect();
    assert_eq!(
        tailed,
        vec![format!(
            "{SOS}/sos_strings/kubernetes/journalctl_--no-pager_--unit_kubelet.tailed"
        )]
    );
    assert_eq!(
        b.collection_hints[..5],
        [
            TimeHint {
                unix_ns: utc("2024-06-10T10:15:30.5Z"),
                exact: false,
                from: format!(
                    "sosreport manifest end_time in {}",
                    shown("sos_reports/manifest.json")
                ),
                kind: HintKind::Recorded,
            },
            TimeHint {
                unix_ns: utc("2024-06-10T10:14:00Z"),
                exact: false,
                from: format!(
                    "sosreport manifest start_time in {}",
                    shown("sos_reports/manifest.json")
                ),
                kind: HintKind::Recorded,
            },
            TimeHint {
                unix_ns: utc("2024-06-10T08:15:00Z"),
                exact: true,
                from: format!(
                    "`date --utc` output in {}",
                    shown("sos_commands/date/date_--utc")
                ),
                kind: HintKind::Recorded,
            },
            TimeHint {
                unix_ns: utc("2024-06-10T08:15:00Z"),
                exact: true,
                from: format!("`date` output in {}", shown("sos_commands/date/date")),
                kind: HintKind::Recorded,
            },
            TimeHint {
                unix_ns: utc("2024-06-10T00:00:00Z"),
                exact: false,
                from: format!("sosreport archive name (date only, taken as 00:00) {SOS}"),
                kind: HintKind::Named,
            },
        ]
    );
    assert_eq!(
        b.collection_hints[5],
        TimeHint {
            unix_ns: MTIME as i64 * 1_000_000_000,
            exact: true,
            from: format!(
                "newest member modification time in {}",
                path.to_string_lossy()
            ),
            kind: HintKind::ArchiveMember,
        }
    );
    assert_eq!(
        b.zone_hints,
        vec![
            (
                Some("cp1.example.com".to_string()),
                "CEST".to_string(),
                shown("sos_commands/date/date")
            ),
            (
                Some("cp1.example.com".to_string()),
                "Europe/Berlin".to_string(),
                format!(
                    "symlink {} -> ../usr/share/zoneinfo/Europe/Berlin",
                    shown("etc/localtime")
                ),
            ),
        ]
    );

    // Unpacked: the same zone evidence from the dangling link on disk.
    let (_d, root, dir) = sosreport().open_dir();
    assert_eq!(
        dir.zone_hints[1],
        (
            Some("cp1.example.com".to_string()),
            "Europe/Berlin".to_string(),
            format!(
                "symlink {}/{SOS}/etc/localtime -> ../usr/share/zoneinfo/Europe/Berlin",
                root.to_string_lossy()
            ),
        )
    );
}

#[test]
fn sosreport_node_from_archive_name_without_hostname_file() {
    let tree = Tree::default().file(
        &format!("{SOS}/sos_commands/kubernetes/journalctl_--no-pager_--unit_kubelet"),
        "Jun 10 08:00:00 cp1 kubelet[1]: x\n",
    );
    let (_t, _p, b) = tree.open_tar_gz(&format!("{SOS}.tar.gz"));
    assert_eq!(b.layout, Layout::Sosreport);
    assert_eq!(
        attribution(&b),
        vec![row(
            &format!("{SOS}/sos_commands/kubernetes/journalctl_--no-pager_--unit_kubelet"),
            Some("cp1"),
            Some("kubelet")
        )]
    );
}

#[test]
fn cluster_info_dump_layout() {
    let tree = Tree::default()
        .file("dump/nodes.json", "{\"kind\": \"NodeList\"}")
        .file("dump/kube-system/events.json", "{\"kind\": \"EventList\"}")
        .file("dump/kube-system/pods.json", "{\"kind\": \"PodList\"}")
        .file("dump/kube-system/coredns-5d78c9869d-abcde/logs.txt", "==== START logs for container coredns of pod kube-system/coredns-5d78c9869d-abcde ====\n")
        .file("dump/default/events.json", "{\"kind\": \"EventList\"}")
        .file("dump/default/services.json", "{\"kind\": \"ServiceList\"}");
    check_both(
        &tree,
        "dump.tar.gz",
        Layout::ClusterInfoDump,
        &[
            row("dump/nodes.json", None, Some("nodes")),
            row("dump/kube-system/events.json", None, Some("events")),
            row("dump/kube-system/pods.json", None, Some("pods")),
            row(
                "dump/kube-system/coredns-5d78c9869d-abcde/logs.txt",
                None,
                Some("kube-system/coredns-5d78c9869d-abcde"),
            ),
            row("dump/default/events.json", None, Some("events")),
            row("dump/default/services.json", None, Some("services")),
        ],
    );
}

const TS: &str = "support-bundle-2024-06-10T10_15_00";

fn troubleshoot() -> Tree {
    let s = |p: &str| format!("{TS}/{p}");
    Tree::default()
        .file(
            &s("version.yaml"),
            "apiVersion: troubleshoot.sh/v1beta2\nkind: SupportBundle\n",
        )
        .file(
            &s("cluster-resources/events/default.json"),
            "{\"kind\": \"EventList\", \"items\": []}",
        )
        .file(
            &s("cluster-resources/pods/logs/default/web-1/app-previous.log"),
            "boom\n",
        )
        .link(
            &s("all-logs/web-1/app-previous.log"),
            "../../cluster-resources/pods/logs/default/web-1/app-previous.log",
        )
        .file(&s("old-logs/web-1/app.log"), "hello\n")
        .file(
            &s("host-collectors/system/node_list.json"),
            "{\"nodes\":[\"cp1\",\"w1\"]}",
        )
        .file(
            &s("host-collectors/cp1/journald/kubelet.txt"),
            "Jun 10 08:00:00 cp1 kubelet[1]: x\n",
        )
        .file(
            &s("host-collectors/run-host/w1/journalctl-containerd.txt"),
            "Jun 10 08:00:00 w1 containerd[1]: y\n",
        )
        .file(
            &s("host-collectors/system/cp1/time.json"),
            "{\"timezone\":\"EUROPE/BERLIN\",\"ntp_synchronized\":true,\"ntp_active\":true}",
        )
}

#[test]
fn troubleshoot_layout_with_remote_host_collectors() {
    let r =
        |p: &str, node: Option<&str>, source: Option<&str>| row(&format!("{TS}/{p}"), node, source);
    check_both(
        &troubleshoot(),
        &format!("{TS}.tar.gz"),
        Layout::Troubleshoot,
        &[
            r("version.yaml", None, None),
            r(
                "cluster-resources/events/default.json",
                None,
                Some("events"),
            ),
            r(
                "cluster-resources/pods/logs/default/web-1/app-previous.log",
                None,
                Some("default/web-1/app"),
            ),
            r("old-logs/web-1/app.log", None, Some("default/web-1/app")),
            r("host-collectors/system/node_list.json", None, None),
            r(
                "host-collectors/cp1/journald/kubelet.txt",
                Some("cp1"),
                Some("kubelet"),
            ),
            r(
                "host-collectors/run-host/w1/journalctl-containerd.txt",
                Some("w1"),
                Some("containerd"),
            ),
            r("host-collectors/system/cp1/time.json", Some("cp1"), None),
        ],
    );
    let (_t, path, b) = troubleshoot().open_tar_gz(&format!("{TS}.tar.gz"));
    assert_eq!(
        b.collection_hints[0],
        TimeHint {
            unix_ns: utc("2024-06-10T10:15:00Z"),
            exact: false,
            from: format!("troubleshoot archive name (collector's local time) {TS}"),
            kind: HintKind::Named,
        }
    );
    assert_eq!(
        b.zone_hints,
        vec![(
            Some("cp1".to_string()),
            "EUROPE/BERLIN".to_string(),
            format!(
                "{}!/{TS}/host-collectors/system/cp1/time.json",
                path.to_string_lossy()
            )
        )]
    );
}

const RA: &str = "cp-1-2024-06-10_10_15_00";
const AGENT_POD: &str =
    "cattle-system_cattle-cluster-agent-7d9f_1b6f0e2c-7d3a-4b8e-9f10-2a3b4c5d6e7f";

#[test]
fn rancher_collector_layout() {
    let s = |p: &str| format!("{RA}/{p}");
    let tree = Tree {
        tar_prefix: "./",
        ..Tree::default()
    }
    .file(&s("systeminfo/hostname"), "cp-1\n")
    .file(&s("systeminfo/date"), "Mon Jun 10 10:15:00 UTC 2024\n")
    .file(&s("journald/k3s"), "Jun 10 10:00:00 cp-1 k3s[1]: x\n")
    .file(
        &s("journald/containerd"),
        "Jun 10 10:00:00 cp-1 containerd[1]: x\n",
    )
    .file(
        &s("k3s/podlogs/kube-system-coredns-5d78c9869d-abcde"),
        "[INFO] plugin/reload\n",
    )
    .file(
        &s("k3s/podlogs/kube-system-coredns-5d78c9869d-abcde-previous"),
        "[INFO] exiting\n",
    )
    .file(
        &s(&format!("k3s/podlogs/{AGENT_POD}/cluster-register/0.log")),
        "2024-06-10T10:00:00Z stdout F hi\n",
    )
    .file(&s("k3s/podlogs/my-apps-web-1"), "hello\n")
    .file(&s("k3s/kubectl/poddescribe/my-apps"), "Name: web-1\n")
    .file(
        &s("k3s/kubectl/events"),
        "NAMESPACE LAST SEEN TYPE REASON OBJECT MESSAGE\n",
    )
    .file(&s("k3s/kubectl/nodes"), "NAME STATUS ROLES AGE VERSION\n")
    .file(
        &s("k3s/kubectl/pods"),
        "NAMESPACE NAME READY STATUS RESTARTS AGE\n",
    )
    .file(
        &s("k3s/containerd.log"),
        "time=\"2024-06-10T10:00:00Z\" level=info msg=x\n",
    )
    .file(
        &s("rke2/agent-logs/kubelet.log"),
        "I0610 10:00:00.000000 1 x.go:1] y\n",
    )
    .file(&s("collector-output.log"), "done\n");
    let r = |p: &str, source: Option<&str>| row(&s(p), Some("cp-1"), source);
    check_both(
        &tree,
        &format!("{RA}.tar.gz"),
        Layout::RancherCollector,
        &[
            r("systeminfo/hostname", None),
            r("systeminfo/date", None),
            r("journald/k3s", Some("k3s")),
            r("journald/containerd", Some("containerd")),
            r(
                "k3s/podlogs/kube-system-coredns-5d78c9869d-abcde",
                Some("kube-system/coredns-5d78c9869d-abcde"),
            ),
            r(
                "k3s/podlogs/kube-system-coredns-5d78c9869d-abcde-previous",
                Some("kube-system/coredns-5d78c9869d-abcde"),
            ),
            r(
                &format!("k3s/podlogs/{AGENT_POD}/cluster-register/0.log"),
                Some("cattle-system/cattle-cluster-agent-7d9f/cluster-register"),
            ),
            r("k3s/podlogs/my-apps-web-1", Some("my-apps/web-1")),
            r("k3s/kubectl/poddescribe/my-apps", None),
            r("k3s/kubectl/events", Some("events")),
            r("k3s/kubectl/nodes", Some("nodes")),
            r("k3s/kubectl/pods", Some("pods")),
            r("k3s/containerd.log", Some("containerd")),
            r("rke2/agent-logs/kubelet.log", Some("kubelet")),
            r("collector-output.log", None),
        ],
    );
    let (_t, path, b) = tree.open_tar_gz(&format!("{RA}.tar.gz"));
    let date = format!("{}!/{RA}/systeminfo/date", path.to_string_lossy());
    assert_eq!(
        b.collection_hints[..2],
        [
            TimeHint {
                unix_ns: utc("2024-06-10T10:15:00Z"),
                exact: true,
                from: format!("`date` output in {date}"),
                kind: HintKind::Recorded,
            },
            TimeHint {
                unix_ns: utc("2024-06-10T10:15:00Z"),
                exact: false,
                from: format!("Rancher collector archive name (node's local time) {RA}"),
                kind: HintKind::Named,
            },
        ]
    );
    assert_eq!(
        b.zone_hints,
        vec![(Some("cp-1".to_string()), "UTC".to_string(), date)]
    );
}

#[test]
fn talos_layout() {
    let tree = Tree::default()
        .file(
            "10.5.0.2/service-logs/kubelet.log",
            "I0610 10:00:00.000000 1 x.go:1] y\n",
        )
        .file("10.5.0.2/service-logs/kubelet.state", "Running\n")
        .file(
            "10.5.0.2/kubernetes-logs/kube-system/kube-apiserver.log",
            "2024-06-10T10:00:00Z stderr F x\n",
        )
        .file(
            "10.5.0.2/kubernetes-logs/kube-system/coredns-exited.log",
            "2024-06-10T10:00:00Z stdout F x\n",
        )
        .file(
            "10.5.0.2/dmesg.log",
            "kern:    info: [2024-06-10T08:00:00.123456789Z]: eth0: link up\n",
        )
        .file(
            "10.5.0.2/controller-runtime.log",
            "2024-06-10T08:00:00.000Z DEBUG x\n",
        )
        .file("10.5.0.3/service-logs/etcd.log", "{\"level\":\"info\"}\n")
        .file("kubernetesResources/nodes.yaml", "items: []\n");
    check_both(
        &tree,
        "support.tar.gz",
        Layout::Talos,
        &[
            row(
                "10.5.0.2/service-logs/kubelet.log",
                Some("10.5.0.2"),
                Some("kubelet"),
            ),
            row(
                "10.5.0.2/service-logs/kubelet.state",
                Some("10.5.0.2"),
                None,
            ),
            row(
                "10.5.0.2/kubernetes-logs/kube-system/kube-apiserver.log",
                Some("10.5.0.2"),
                Some("kube-system//kube-apiserver"),
            ),
            row(
                "10.5.0.2/kubernetes-logs/kube-system/coredns-exited.log",
                Some("10.5.0.2"),
                Some("kube-system//coredns"),
            ),
            row("10.5.0.2/dmesg.log", Some("10.5.0.2"), None),
            row(
                "10.5.0.2/controller-runtime.log",
                Some("10.5.0.2"),
                Some("controller-runtime"),
            ),
            row(
                "10.5.0.3/service-logs/etcd.log",
                Some("10.5.0.3"),
                Some("etcd"),
            ),
            row("kubernetesResources/nodes.yaml", None, Some("nodes")),
        ],
    );
}

#[test]
fn kops_layout() {
    let n1 = "ip-10-0-0-1.ec2.internal";
    let n2 = "ip-10-0-0-2.ec2.internal";
    let tree = Tree::default()
        .file(
            &format!("{n1}/journal.log"),
            "Jun 10 08:00:00.000001 x y: z\n",
        )
        .file(
            &format!("{n1}/kern.log"),
            "Jun 10 08:00:00.000001 x kernel: z\n",
        )
        .file(
            &format!("{n1}/kubelet.log"),
            "I0610 08:00:00.000000 1 x.go:1] y\n",
        )
        .file(&format!("{n1}/kops-configuration.log"), "nodeup\n")
        .file(
            &format!("{n1}/kube-apiserver.log.1"),
            "I0610 08:00:00.000000 1 x.go:1] y\n",
        )
        .file(&format!("{n1}/etchosts"), "127.0.0.1 localhost\n")
        .file(
            &format!("{n2}/journal.log"),
            "Jun 10 08:00:00.000001 x y: z\n",
        )
        .file(
            &format!("{n2}/kern.log"),
            "Jun 10 08:00:00.000001 x kernel: z\n",
        )
        .file("cluster-info/nodes.yaml", "items: []\n")
        .file("cluster-info/kube-system/events.yaml", "items: []\n")
        .file(
            "cluster-info/kube-system/events.k8s.io.events.yaml",
            "items: []\n",
        )
        .file(
            "cluster-info/kube-system/dns-controller-abc/dns-controller.log",
            "x\n",
        )
        .file(
            "cluster-info/kube-system/dns-controller-abc/dns-controller.previous.log",
            "y\n",
        );
    let dns = Some("kube-system/dns-controller-abc/dns-controller");
    check_both(
        &tree,
        "dump.tar.gz",
        Layout::Kops,
        &[
            row(&format!("{n1}/journal.log"), Some(n1), None),
            row(&format!("{n1}/kern.log"), Some(n1), None),
            row(&format!("{n1}/kubelet.log"), Some(n1), Some("kubelet")),
            row(
                &format!("{n1}/kops-configuration.log"),
                Some(n1),
                Some("kops-configuration"),
            ),
            row(
                &format!("{n1}/kube-apiserver.log.1"),
                Some(n1),
                Some("kube-apiserver"),
            ),
            row(&format!("{n1}/etchosts"), Some(n1), None),
            row(&format!("{n2}/journal.log"), Some(n2), None),
            row(&format!("{n2}/kern.log"), Some(n2), None),
            row("cluster-info/nodes.yaml", None, Some("nodes")),
            row("cluster-info/kube-system/events.yaml", None, Some("events")),
            row(
                "cluster-info/kube-system/events.k8s.io.events.yaml",
                None,
                Some("events"),
            ),
            row(
                "cluster-info/kube-system/dns-controller-abc/dns-controller.log",
                None,
                dns,
            ),
            row(
                "cluster-info/kube-system/dns-controller-abc/dns-controller.previous.log",
                None,
                dns,
            ),
        ],
    );
}

const MG: &str = "must-gather.local.5171254093810282742";
const MG_IMAGE: &str = "quay-io-openshift-release-dev-ocp-v4-0-art-dev-sha256-0123abcd";

#[test]
fn must_gather_layout() {
    let i = |p: &str| format!("{MG}/{MG_IMAGE}/{p}");
    let rotated_content = b"2024-06-10T10:15:00.000000000Z rotated line\n";
    let tree = Tree::default()
        .file(
            &format!("{MG}/timestamp"),
            "2024-06-10 10:14:00.123456789 +0200 CEST m=+0.010000001\n2024-06-10 10:20:00.5 +0200 CEST m=+360.000000001\n",
        )
        .file(&i("host_service_logs/masters/kubelet_service.log"), "Jun 10 08:00:00.000001 cp1 kubenswrapper[1]: x\n")
        .file(&i("host_service_logs/masters/crio_service.log"), "Jun 10 08:00:00.000001 cp1 crio[1]: x\n")
        .file(&i("namespaces/openshift-etcd/core/events.yaml"), "kind: EventList\nitems: []\n")
        .file(&i("namespaces/openshift-etcd/core/pods.yaml"), "kind: PodList\nitems: []\n")
        .file(&i("namespaces/openshift-etcd/pods/etcd-cp1/etcd/etcd/logs/current.log"), "2024-06-10T10:15:00.000000000Z x\n")
        .file(
            &i("namespaces/openshift-etcd/pods/etcd-cp1/etcd/etcd/logs/rotated/0.log.20240610-101500.gz"),
            gz(rotated_content),
        )
        .file(&i("cluster-scoped-resources/core/nodes/cp1.yaml"), "kind: Node\n");
    let etcd = Some("openshift-etcd/etcd-cp1/etcd");
    check_both(
        &tree,
        "must-gather.tar.gz",
        Layout::MustGather,
        &[
            row(&format!("{MG}/timestamp"), None, None),
            row(&i("host_service_logs/masters/kubelet_service.log"), None, Some("kubelet")),
            row(&i("host_service_logs/masters/crio_service.log"), None, Some("crio")),
            row(&i("namespaces/openshift-etcd/core/events.yaml"), None, Some("events")),
            row(&i("namespaces/openshift-etcd/core/pods.yaml"), None, Some("pods")),
            row(&i("namespaces/openshift-etcd/pods/etcd-cp1/etcd/etcd/logs/current.log"), None, etcd),
            row(&i("namespaces/openshift-etcd/pods/etcd-cp1/etcd/etcd/logs/rotated/0.log.20240610-101500.gz"), None, etcd),
            row(&i("cluster-scoped-resources/core/nodes/cp1.yaml"), None, Some("nodes")),
        ],
    );
    let (_t, path, b) = tree.open_tar_gz("must-gather.tar.gz");
    let rotated = by_inner(&b, &i("namespaces/openshift-etcd/pods/etcd-cp1/etcd/etcd/logs/rotated/0.log.20240610-101500.gz"));
    assert_eq!(rotated.data.bytes(), rotated_content, "decompressed");
    let ts = format!(
        "must-gather timestamp file {}!/{MG}/timestamp",
        path.to_string_lossy()
    );
    assert_eq!(
        b.collection_hints[..2],
        [
            TimeHint {
                unix_ns: utc("2024-06-10T08:20:00.5Z"),
                exact: true,
                from: ts.clone(),
                kind: HintKind::Recorded,
            },
            TimeHint {
                unix_ns: utc("2024-06-10T08:14:00.123456789Z"),
                exact: true,
                from: ts,
                kind: HintKind::Recorded,
            },
        ]
    );
}

#[test]
fn kind_layout_drops_dereferenced_container_copies() {
    let cp = "kind-control-plane";
    let etcd_log = b"2024-06-10T10:00:00.1Z stderr F {\"level\":\"info\"}\n";
    let id = "4f8e0c1d2b3a49c8a7f6e5d4c3b2a1f04f8e0c1d2b3a49c8a7f6e5d4c3b2a1f0";
    let tree = Tree::default()
        .file("docker-info.txt", "Server Version: 24.0\n")
        .file(&format!("{cp}/journal.log"), "Jun 10 10:00:00 kind-control-plane systemd[1]: x\n")
        .file(&format!("{cp}/kubelet.log"), "Jun 10 10:00:00 kind-control-plane kubelet[1]: x\n")
        .file(&format!("{cp}/containerd.log"), "Jun 10 10:00:00 kind-control-plane containerd[1]: x\n")
        .file(&format!("{cp}/kubernetes-version.txt"), "v1.30.0\n")
        .file(&format!("{cp}/pods/kube-system_etcd-kind-control-plane_0123456789abcdef0123456789abcdef/etcd/0.log"), etcd_log)
        .file(&format!("{cp}/containers/etcd-kind-control-plane_kube-system_etcd-{id}.log"), etcd_log)
        .file(&format!("{cp}/containers/kube-proxy-abcde_kube-system_kube-proxy-{id}.log"), "2024-06-10T10:00:00Z stderr F y\n")
        .file("kind-worker/journal.log", "Jun 10 10:00:00 kind-worker systemd[1]: x\n")
        .file("kind-worker/kubelet.log", "Jun 10 10:00:00 kind-worker kubelet[1]: x\n")
        .file("kind-worker/kubernetes-version.txt", "v1.30.0\n");
    check_both(
        &tree,
        "logs.tar.gz",
        Layout::Kind,
        &[
            row("docker-info.txt", None, None),
            row(&format!("{cp}/journal.log"), Some(cp), None),
            row(&format!("{cp}/kubelet.log"), Some(cp), Some("kubelet")),
            row(&format!("{cp}/containerd.log"), Some(cp), Some("containerd")),
            row(&format!("{cp}/kubernetes-version.txt"), Some(cp), None),
            row(
                &format!("{cp}/pods/kube-system_etcd-kind-control-plane_0123456789abcdef0123456789abcdef/etcd/0.log"),
                Some(cp),
                Some("kube-system/etcd-kind-control-plane/etcd"),
            ),
            row(
                &format!("{cp}/containers/kube-proxy-abcde_kube-system_kube-proxy-{id}.log"),
                Some(cp),
                Some("kube-system/kube-proxy-abcde/kube-proxy"),
            ),
            row("kind-worker/journal.log", Some("kind-worker"), None),
            row("kind-worker/kubelet.log", Some("kind-worker"), Some("kubelet")),
            row("kind-worker/kubernetes-version.txt", Some("kind-worker"), None),
        ],
    );
}

#[test]
fn plain_directory_with_node_folders() {
    let tree = Tree::default()
        .file("n1/journal.log", "Jun 10 10:00:00 n1 systemd[1]: x\n")
        .file("n1/kubelet.log", "I0610 10:00:00.000000 1 x.go:1] y\n")
        .file("n2/kubelet.log", "I0610 10:00:00.000000 1 x.go:1] y\n")
        .file("notes.txt", "customer says it broke at 10:00\n")
        .file(
            "misc/var/log/containers/web-1_default_app-0123abcd.log",
            "2024-06-10T10:00:00Z stdout F x\n",
        );
    check_both(
        &tree,
        "logs.tar.gz",
        Layout::Plain,
        &[
            row("n1/journal.log", Some("n1"), None),
            row("n1/kubelet.log", Some("n1"), Some("kubelet")),
            row("n2/kubelet.log", Some("n2"), Some("kubelet")),
            row("notes.txt", None, None),
            row(
                "misc/var/log/containers/web-1_default_app-0123abcd.log",
                None,
                Some("default/web-1/app"),
            ),
        ],
    );
    // One node-like folder is not a structure.
    let single = Tree::default()
        .file("n1/kubelet.log", "x\n")
        .file("notes.txt", "y\n");
    let (_d, _r, b) = single.open_dir();
    assert_eq!(
        table(&b),
        vec![
            row("n1/kubelet.log", None, Some("kubelet")),
            row("notes.txt", None, None)
        ]
    );
}

#[test]
fn nested_archive_members_inherit_the_node_of_their_folder() {
    let rotated = Tar::new()
        .file(
            "var/log/kubelet.log.1",
            b"I0610 09:00:00.000000 1 x.go:1] old\n",
        )
        .finish_gz();
    let outer = Tar::new()
        .file("n1/journal.log", b"Jun 10 10:00:00 n1 systemd[1]: x\n")
        .file("n1/rotated.tar.gz", &rotated)
        .file("n2/journal.log", b"Jun 10 10:00:00 n2 systemd[1]: x\n")
        .finish();
    let b = crate::bundle::open_bytes("outer.tar", outer, &options());
    assert_eq!(b.problems, vec![]);
    assert_eq!(
        names(&b),
        vec![
            "outer.tar!/n1/journal.log",
            "outer.tar!/n1/rotated.tar.gz!/var/log/kubelet.log.1",
            "outer.tar!/n2/journal.log",
        ]
    );
    let nested = by_inner(&b, "var/log/kubelet.log.1");
    assert_eq!(nested.node.as_deref(), Some("n1"));
    assert_eq!(nested.source.as_deref(), Some("kubelet"));
}

#[test]
fn troubleshoot_local_host_collection_names_the_host() {
    let tree = Tree::default()
        .file(
            "host-bundle/host-collectors/system/hostos_info.json",
            r#"{"name": "cp1", "kernelVersion": "6.1"}"#,
        )
        .file(
            "host-bundle/host-collectors/run-host/journalctl-kubelet.txt",
            "Jun 10 08:00:00 cp1 kubelet[1]: x\n",
        )
        .file(
            "host-bundle/host-collectors/run-host/journalctl-kubelet-info.json",
            "{\"command\": \"journalctl\"}",
        )
        .file(
            "host-bundle/host-collectors/copy-etc/etc/timezone",
            "Europe/Berlin\n",
        );
    check_both(
        &tree,
        "host-bundle.tar.gz",
        Layout::Troubleshoot,
        &[
            row(
                "host-bundle/host-collectors/system/hostos_info.json",
                Some("cp1"),
                None,
            ),
            row(
                "host-bundle/host-collectors/run-host/journalctl-kubelet.txt",
                Some("cp1"),
                Some("kubelet"),
            ),
            row(
                "host-bundle/host-collectors/run-host/journalctl-kubelet-info.json",
                Some("cp1"),
                None,
            ),
            row(
                "host-bundle/host-collectors/copy-etc/etc/timezone",
                Some("cp1"),
                None,
            ),
        ],
    );
    let (_t, path, b) = tree.open_tar_gz("host-bundle.tar.gz");
    assert_eq!(
        b.zone_hints,
        vec![(
            Some("cp1".to_string()),
            "Europe/Berlin".to_string(),
            format!(
                "{}!/host-bundle/host-collectors/copy-etc/etc/timezone",
                path.to_string_lossy()
            )
        )]
    );
}
