//! The cluster the corpus describes: nodes, processes, pods and events.
//!
//! These are plain data. `story.rs` fills them for a scenario; the writers
//! only read them. Keeping one model is what makes a single incident show up
//! consistently in every format (same instant, same PID, same pod UID).

use crate::clock::{Micros, Zone};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    RemovedFlag,
    RuntimeChange,
    ImagePinning,
    Webhook,
    K3sUpgrade,
    None,
}

impl Scenario {
    pub fn parse(s: &str) -> Option<Scenario> {
        Some(match s {
            "removed-flag" => Scenario::RemovedFlag,
            "runtime-change" => Scenario::RuntimeChange,
            "image-pinning" => Scenario::ImagePinning,
            "webhook" => Scenario::Webhook,
            "k3s-upgrade" => Scenario::K3sUpgrade,
            "none" => Scenario::None,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Scenario::RemovedFlag => "removed-flag",
            Scenario::RuntimeChange => "runtime-change",
            Scenario::ImagePinning => "image-pinning",
            Scenario::Webhook => "webhook",
            Scenario::K3sUpgrade => "k3s-upgrade",
            Scenario::None => "none",
        }
    }
}

/// Container runtime of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    Containerd,
    Crio,
    /// containerd embedded in k3s (logs inside the k3s unit).
    K3s,
}

impl Runtime {
    pub fn unit(self) -> &'static str {
        match self {
            Runtime::Containerd => "containerd.service",
            Runtime::Crio => "crio.service",
            Runtime::K3s => "k3s.service",
        }
    }
    pub fn scheme(self) -> &'static str {
        match self {
            Runtime::Crio => "cri-o",
            _ => "containerd",
        }
    }
}

/// How a node's files were collected (see bundles.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// A sosreport tree under `<node>/` in addition to the host collectors.
    Sos,
    /// troubleshoot.sh remote host collectors only.
    Host,
}

/// Operating system facts that change how journalctl renders text.
#[derive(Debug, Clone, Copy)]
pub struct Os {
    pub pretty: &'static str,
    pub systemd: u32,
    pub systemd_pkg: &'static str,
    pub kernel: &'static str,
}

pub const UBUNTU_2004: Os = Os {
    pretty: "Ubuntu 20.04.6 LTS",
    systemd: 245,
    systemd_pkg: "245.4-4ubuntu3.23",
    kernel: "5.4.0-182-generic",
};
pub const UBUNTU_2204: Os = Os {
    pretty: "Ubuntu 22.04.4 LTS",
    systemd: 249,
    systemd_pkg: "249.11-0ubuntu3.12",
    kernel: "5.15.0-107-generic",
};
pub const UBUNTU_2404: Os = Os {
    pretty: "Ubuntu 24.04 LTS",
    systemd: 255,
    systemd_pkg: "255.4-1ubuntu8.1",
    kernel: "6.8.0-35-generic",
};

/// Which program wrote a journal entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcKind {
    Kubelet,
    Containerd,
    Crio,
    K3s,
    Systemd,
    Kernel,
    Logind,
    Journald,
    Cron,
    Sshd,
    Networkd,
    Coredump,
    /// The upgrade script run as a transient unit (apt/dpkg output).
    Upgrade,
}

impl ProcKind {
    pub fn ident(self) -> &'static str {
        match self {
            ProcKind::Kubelet => "kubelet",
            ProcKind::Containerd => "containerd",
            ProcKind::Crio => "crio",
            ProcKind::K3s => "k3s",
            ProcKind::Systemd => "systemd",
            ProcKind::Kernel => "kernel",
            ProcKind::Logind => "systemd-logind",
            ProcKind::Journald => "systemd-journald",
            ProcKind::Cron => "CRON",
            ProcKind::Sshd => "sshd",
            ProcKind::Networkd => "systemd-networkd",
            ProcKind::Coredump => "systemd-coredump",
            ProcKind::Upgrade => "upgrade-node.sh",
        }
    }

    /// `_SYSTEMD_UNIT` of the writing process.
    pub fn unit(self) -> Option<&'static str> {
        Some(match self {
            ProcKind::Kubelet => "kubelet.service",
            ProcKind::Containerd => "containerd.service",
            ProcKind::Crio => "crio.service",
            ProcKind::K3s => "k3s.service",
            ProcKind::Systemd => "init.scope",
            ProcKind::Kernel => return None,
            ProcKind::Logind => "systemd-logind.service",
            ProcKind::Journald => "systemd-journald.service",
            ProcKind::Cron => "cron.service",
            ProcKind::Sshd => "ssh.service",
            ProcKind::Networkd => "systemd-networkd.service",
            ProcKind::Coredump => "systemd-coredump@0-48213-0.service",
            ProcKind::Upgrade => "kube-upgrade.service",
        })
    }

    pub fn exe(self) -> &'static str {
        match self {
            ProcKind::Kubelet => "/usr/bin/kubelet",
            ProcKind::Containerd => "/usr/bin/containerd",
            ProcKind::Crio => "/usr/bin/crio",
            ProcKind::K3s => "/usr/local/bin/k3s",
            ProcKind::Systemd => "/usr/lib/systemd/systemd",
            ProcKind::Kernel => "",
            ProcKind::Logind => "/usr/lib/systemd/systemd-logind",
            ProcKind::Journald => "/usr/lib/systemd/systemd-journald",
            ProcKind::Cron => "/usr/sbin/cron",
            ProcKind::Sshd => "/usr/sbin/sshd",
            ProcKind::Networkd => "/usr/lib/systemd/systemd-networkd",
            ProcKind::Coredump => "/usr/lib/systemd/systemd-coredump",
            ProcKind::Upgrade => "/usr/bin/bash",
        }
    }

    /// Journal transport the entries arrive on.
    pub fn transport(self) -> Transport {
        match self {
            ProcKind::Kernel => Transport::Kernel,
            ProcKind::Systemd
            | ProcKind::Logind
            | ProcKind::Journald
            | ProcKind::Networkd
            | ProcKind::Coredump => Transport::Journal,
            ProcKind::Cron | ProcKind::Sshd => Transport::Syslog,
            _ => Transport::Stdout,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Stdout,
    Journal,
    Syslog,
    Kernel,
}

impl Transport {
    pub fn name(self) -> &'static str {
        match self {
            Transport::Stdout => "stdout",
            Transport::Journal => "journal",
            Transport::Syslog => "syslog",
            Transport::Kernel => "kernel",
        }
    }
}

/// One running process: kind plus PID (and so its stream/invocation ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proc {
    pub kind: ProcKind,
    pub pid: u32,
}

/// systemd catalog entries the story's unit messages carry (`-x`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Catalog {
    Started,
    Stopped,
    /// Main process exited; `status` like `1/FAILURE`.
    Exited {
        status: &'static str,
    },
    Failed,
    Restart,
}

impl Catalog {
    pub fn message_id(self) -> &'static str {
        match self {
            Catalog::Started => "39f53479d3a045ac8e11786248231fbf",
            Catalog::Stopped => "9d1aaa27d60140bd96365438aad20286",
            Catalog::Exited { .. } => "98e322203f7a4ed290d09fe03c09fe15",
            Catalog::Failed => "d9b373ed55a64feb8242e02dbe79a49c",
            Catalog::Restart => "5eb03494b6584870a536b337290809b3",
        }
    }
}

/// A journal entry the story places (noise entries are made on the fly).
#[derive(Debug, Clone)]
pub struct StoryEntry {
    pub time: Micros,
    pub proc: Proc,
    pub priority: u8,
    pub message: Vec<u8>,
    /// `UNIT=` of a systemd message about a unit (what `-u` also matches).
    pub about: Option<&'static str>,
    pub catalog: Option<Catalog>,
}

/// One boot of a node.
#[derive(Debug, Clone, Copy)]
pub struct Boot {
    pub id: u64,
    /// When the kernel started (monotonic zero).
    pub kernel_start: Micros,
    /// Last journal entry of the boot (shutdown), or the journal end.
    pub end: Micros,
}

/// A lifetime of a long-running service process.
#[derive(Debug, Clone)]
pub struct Run {
    pub start: Micros,
    pub end: Micros,
    pub pid: u32,
    pub version: &'static str,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub idx: usize,
    pub name: String,
    pub control_plane: bool,
    pub zone: Zone,
    pub os: Os,
    pub ip: String,
    pub uid: String,
    pub machine_seed: u64,
    pub style: Style,
    pub runtime: Runtime,
    pub kubelet_old: &'static str,
    pub kubelet_new: &'static str,
    pub runtime_versions: (&'static str, &'static str),
    /// When this node's upgrade step ran, if it did.
    pub upgrade_at: Option<Micros>,
    /// This node is the one the incident breaks.
    pub broken: bool,
    /// Extra kubelet flags in kubeadm-flags.env.
    pub kubelet_args: &'static str,
    pub boots: Vec<Boot>,
    pub journal_start: Micros,
    pub journal_end: Micros,
    pub kubelet_runs: Vec<Run>,
    pub runtime_runs: Vec<Run>,
    pub story: Vec<StoryEntry>,
    /// Does the API still report the node Ready at collection time.
    pub ready_at_collect: bool,
    /// Version the node object reports at collection time.
    pub reported_version: &'static str,
}

impl Node {
    pub fn boot_at(&self, t: Micros) -> usize {
        self.boots
            .iter()
            .position(|b| t <= b.end)
            .unwrap_or(self.boots.len() - 1)
    }

    pub fn run_at(runs: &[Run], t: Micros) -> Option<&Run> {
        runs.iter().find(|r| r.start <= t && t < r.end)
    }

    /// The kubelet command line as `_CMDLINE` shows it.
    pub fn kubelet_cmdline(&self) -> String {
        format!(
            "/usr/bin/kubelet --bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf --config=/var/lib/kubelet/config.yaml {}",
            self.kubelet_args
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    pub fn name(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }
}

/// What a container prints; decides the content writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    Apiserver,
    ControllerManager,
    Scheduler,
    Etcd,
    KubeProxy,
    Calico,
    Coredns,
    /// metrics-server with `--logging-format=json`.
    MetricsServer,
    Nginx,
    ApiJson,
    Postgres,
    IngressNginx,
    /// vcluster syncer: k3s logrus plus embedded klog lines.
    Vcluster,
    Backup,
    /// A plain Docker container (json-file), not a pod.
    Registry,
    /// system-upgrade-controller job pod (k3s upgrade).
    K3sUpgrade,
}

#[derive(Debug, Clone)]
pub struct Instance {
    pub restart: u32,
    pub id: String,
    pub start: Micros,
    /// End of the process, or `None` while running at collection time.
    pub end: Option<Micros>,
    pub exit_code: i32,
    /// Lines the story places: (time, stream, content).
    pub story: Vec<(Micros, Stream, Vec<u8>)>,
    /// Output ended mid-line (crash): the CRI file ends with a `P` record.
    pub ends_partial: bool,
}

#[derive(Debug, Clone)]
pub struct Container {
    pub name: String,
    pub image: String,
    pub workload: Workload,
    pub instances: Vec<Instance>,
    /// Relative share of the node's container-log bytes.
    pub weight: u32,
    /// Waiting reason at collection (`ErrImageNeverPull`, `CrashLoopBackOff`…).
    pub waiting: Option<&'static str>,
}

#[derive(Debug, Clone)]
pub struct Pod {
    pub ns: String,
    pub name: String,
    pub uid: String,
    /// `None`: never scheduled (Pending).
    pub node: Option<usize>,
    pub owner_kind: &'static str,
    pub owner_name: String,
    pub ip: String,
    pub created: Micros,
    /// Gone from the API before collection (not listed; its logs are gone too).
    pub gone: Option<Micros>,
    /// `deletionTimestamp`: shown as Terminating.
    pub deletion: Option<Micros>,
    /// Phase word for `get pods` when not derived from containers.
    pub phase: &'static str,
    pub containers: Vec<Container>,
    /// Ready condition false (node not ready) although containers run.
    pub not_ready: bool,
}

/// A core/v1 Event (kept aggregated, as the API stores it).
#[derive(Debug, Clone)]
pub struct KEvent {
    pub ns: String,
    pub kind: &'static str,
    pub obj_name: String,
    pub obj_uid: String,
    pub obj_ns: Option<String>,
    pub field_path: Option<String>,
    pub reason: &'static str,
    pub message: String,
    pub source_component: &'static str,
    pub source_host: Option<String>,
    pub first: Micros,
    pub last: Micros,
    pub count: u32,
    pub warning: bool,
    /// Written through events.k8s.io (eventTime set, no source/count).
    pub new_api: Option<NewApi>,
    pub uid: String,
    pub rv: u64,
}

#[derive(Debug, Clone)]
pub struct NewApi {
    pub action: &'static str,
    pub controller: &'static str,
    pub instance: String,
    /// `series`: (count, lastObservedTime)
    pub series: Option<(u32, Micros)>,
}

/// Everything the writers need.
pub struct Cluster {
    pub scenario: Scenario,
    pub start: Micros,
    pub collect: Micros,
    pub nodes: Vec<Node>,
    pub pods: Vec<Pod>,
    pub events: Vec<KEvent>,
    pub k8s_old: &'static str,
    pub k8s_new: &'static str,
    /// Seed-derived name of the top directory.
    pub top: String,
    /// Node-wide kubelet `containerLogMaxSize` in bytes.
    pub log_max_size: u64,
    pub seed: u64,
}
