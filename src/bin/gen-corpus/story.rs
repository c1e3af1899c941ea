//! The scenario's timeline on each node: boots, service lifetimes, the
//! upgrade steps and the incident, as journal entries placed at fixed instants.
//!
//! Shared shape (all scenarios): the journal window starts at `--start`; every
//! node reboots once early (kernel patching, so text journals carry boot
//! markers); about 70 minutes before collection the control plane is upgraded,
//! then the workers one by one. The broken node (`worker-1`) is upgraded last,
//! `incident_window` before collection; that window grows with `--size` so a
//! small bundle still shows the whole incident and a large one a long loop.

use crate::clock::{Micros, Zone, HOUR, MIN, SEC};
use crate::model::*;
use crate::rng::Rng;
use crate::text::{self, Sev};

/// Time from the start of the journal window to collection.
pub const WINDOW: Micros = 4 * HOUR + 15 * MIN;

/// How long before collection the broken node's incident starts.
pub fn incident_window(size: u64) -> Micros {
    let mib = size / (1024 * 1024);
    (150 * SEC + (mib / 25) as Micros * MIN).min(45 * MIN)
}

pub struct Versions {
    pub k8s_old: &'static str,
    pub k8s_new: &'static str,
}

pub fn versions(s: Scenario) -> Versions {
    match s {
        Scenario::RemovedFlag | Scenario::None => Versions {
            k8s_old: "v1.26.9",
            k8s_new: "v1.27.6",
        },
        Scenario::RuntimeChange => Versions {
            k8s_old: "v1.29.6",
            k8s_new: "v1.29.6",
        },
        Scenario::ImagePinning => Versions {
            k8s_old: "v1.29.6",
            k8s_new: "v1.30.2",
        },
        Scenario::Webhook => Versions {
            k8s_old: "v1.24.17",
            k8s_new: "v1.24.17",
        },
        Scenario::K3sUpgrade => Versions {
            k8s_old: "v1.28.10+k3s1",
            k8s_new: "v1.29.6+k3s1",
        },
    }
}

/// Build the nodes and their journal story.
pub fn nodes(rng: &Rng, scenario: Scenario, n: usize, start: Micros, size: u64) -> Vec<Node> {
    let collect = start + WINDOW;
    let v = versions(scenario);
    let upgrade0 = collect - 70 * MIN;
    let incident = collect - incident_window(size);
    let mut nodes = Vec::new();
    for idx in 0..n {
        let mut r = rng.derive(&format!("node-{idx}"));
        let name = if idx == 0 {
            "cp-1".to_string()
        } else {
            format!("worker-{idx}")
        };
        let os = match idx % 3 {
            0 => UBUNTU_2004,
            1 => UBUNTU_2204,
            _ => UBUNTU_2404,
        };
        let runtime = match scenario {
            Scenario::K3sUpgrade => Runtime::K3s,
            Scenario::RuntimeChange => Runtime::Crio,
            _ if idx % 3 == 2 => Runtime::Crio,
            _ => Runtime::Containerd,
        };
        let runtime_versions = match (scenario, runtime) {
            (Scenario::RuntimeChange, _) if idx == 1 => ("1.29.5", "1.30.2"),
            (_, Runtime::Crio) if scenario == Scenario::RuntimeChange => ("1.29.5", "1.29.5"),
            (_, Runtime::Crio) => ("1.26.4", "1.26.4"),
            (Scenario::Webhook, _) => ("1.6.21", "1.6.21"),
            (Scenario::K3sUpgrade, _) => ("1.7.17-k3s1", "1.7.17-k3s1"),
            _ => ("1.7.2", "1.7.2"),
        };
        let broken = idx == 1 && scenario != Scenario::None;
        let kubelet_args = match (idx, scenario, runtime) {
            (1, Scenario::RemovedFlag | Scenario::None, _) => "--container-runtime=remote --container-runtime-endpoint=unix:///run/containerd/containerd.sock --pod-infra-container-image=registry.k8s.io/pause:3.9",
            (_, _, Runtime::Crio) => "--container-runtime-endpoint=unix:///var/run/crio/crio.sock --pod-infra-container-image=registry.k8s.io/pause:3.9",
            _ => "--container-runtime-endpoint=unix:///run/containerd/containerd.sock --pod-infra-container-image=registry.k8s.io/pause:3.9",
        };
        let upgrade_at = match scenario {
            Scenario::RuntimeChange | Scenario::Webhook => {
                if broken {
                    Some(incident)
                } else {
                    None
                }
            }
            _ if broken => Some(incident),
            _ if idx == 0 => Some(upgrade0 + 6 * MIN),
            _ => Some(
                upgrade0
                    + 12 * MIN
                    + (idx as Micros - 2).max(0) * 7 * MIN
                    + if idx == 1 { 5 * MIN } else { 0 },
            ),
        };
        let zone = if idx == 1 { Zone::Berlin } else { Zone::Utc };
        let journal_end = collect - 5 * SEC - idx as Micros * 2 * SEC;
        let reboot = start + 15 * MIN + idx as Micros * 6 * MIN + r.range(0, 50) as Micros * SEC;
        let boot0 = Boot {
            id: r.next_u64(),
            kernel_start: start - 3 * 24 * HOUR - idx as Micros * 97 * MIN,
            end: reboot,
        };
        let boot1 = Boot {
            id: r.next_u64(),
            kernel_start: reboot + 25 * SEC,
            end: journal_end,
        };
        let mut node = Node {
            idx,
            name,
            control_plane: idx == 0,
            zone,
            os,
            ip: format!("10.0.0.{}", 10 + idx),
            uid: r.uuid(),
            machine_seed: r.next_u64(),
            style: if idx < 2 || idx % 3 == 0 {
                Style::Sos
            } else {
                Style::Host
            },
            runtime,
            kubelet_old: v.k8s_old,
            kubelet_new: v.k8s_new,
            runtime_versions,
            upgrade_at,
            broken,
            kubelet_args,
            boots: vec![boot0, boot1],
            journal_start: start,
            journal_end,
            kubelet_runs: Vec::new(),
            runtime_runs: Vec::new(),
            story: Vec::new(),
            ready_at_collect: true,
            reported_version: v.k8s_old,
        };
        Timeline {
            node: &mut node,
            r: &mut r,
            scenario,
        }
        .play();
        nodes.push(node);
    }
    nodes
}

/// Writes one node's story entries and process lifetimes.
struct Timeline<'a> {
    node: &'a mut Node,
    r: &'a mut Rng,
    scenario: Scenario,
}

const KUBELET_DESC: &str = "kubelet: The Kubernetes Node Agent";

impl Timeline<'_> {
    fn push(
        &mut self,
        time: Micros,
        kind: ProcKind,
        pid: u32,
        priority: u8,
        message: impl Into<Vec<u8>>,
    ) {
        self.node.story.push(StoryEntry {
            time,
            proc: Proc { kind, pid },
            priority,
            message: message.into(),
            about: None,
            catalog: None,
        });
    }

    /// A PID 1 message about `unit`, optionally with a catalog entry.
    fn systemd(
        &mut self,
        time: Micros,
        priority: u8,
        unit: &'static str,
        msg: String,
        catalog: Option<Catalog>,
    ) {
        self.node.story.push(StoryEntry {
            time,
            proc: Proc {
                kind: ProcKind::Systemd,
                pid: 1,
            },
            priority,
            message: msg.into_bytes(),
            about: Some(unit),
            catalog,
        });
    }

    fn unit_name(&self, unit: &str, desc: &str) -> String {
        if self.node.os.systemd >= 252 {
            format!("{unit} - {desc}")
        } else {
            desc.to_string()
        }
    }

    fn started(&mut self, t: Micros, unit: &'static str, desc: &str) {
        let m = format!("Started {}.", self.unit_name(unit, desc));
        self.systemd(t, 6, unit, m, Some(Catalog::Started));
    }

    fn stopping(&mut self, t: Micros, unit: &'static str, desc: &str) {
        let m = format!("Stopping {}...", self.unit_name(unit, desc));
        self.systemd(t, 6, unit, m, None);
    }

    fn stopped(&mut self, t: Micros, unit: &'static str, desc: &str, cpu: &str) {
        let done = if self.node.os.systemd >= 249 {
            "Deactivated successfully."
        } else {
            "Succeeded."
        };
        self.systemd(t, 6, unit, format!("{unit}: {done}"), None);
        if self.node.os.systemd >= 249 {
            self.systemd(
                t + 300,
                6,
                unit,
                format!("{unit}: Consumed {cpu} CPU time."),
                None,
            );
        }
        let m = format!("Stopped {}.", self.unit_name(unit, desc));
        self.systemd(t + 600, 6, unit, m, Some(Catalog::Stopped));
    }

    fn next_pid(&mut self, after: u32) -> u32 {
        after + self.r.range(40, 900) as u32
    }

    fn play(&mut self) {
        let reboot = self.node.boots[0].end;
        let k1 = self.node.boots[1].kernel_start;
        let end = self.node.journal_end;
        let rt = self.node.runtime;
        let rt_unit = rt.unit();
        let (rt_old, rt_new) = self.node.runtime_versions;
        let kold = self.node.kubelet_old;
        let knew = self.node.kubelet_new;
        let rt_kind = match rt {
            Runtime::Containerd => ProcKind::Containerd,
            Runtime::Crio => ProcKind::Crio,
            Runtime::K3s => ProcKind::K3s,
        };

        // Boot 0 is already running when the window opens.
        let kpid0 = self.r.range(900, 1500) as u32;
        let rpid0 = self.r.range(600, 880) as u32;
        self.node.kubelet_runs.push(Run {
            start: self.node.journal_start - HOUR,
            end: reboot - 11 * SEC,
            pid: kpid0,
            version: kold,
        });
        self.node.runtime_runs.push(Run {
            start: self.node.journal_start - HOUR,
            end: reboot - 8 * SEC,
            pid: rpid0,
            version: rt_old,
        });

        // Reboot for kernel patching.
        self.push(
            reboot - 13 * SEC,
            ProcKind::Logind,
            702,
            6,
            "The system will reboot now!",
        );
        if rt != Runtime::K3s {
            self.stopping(reboot - 12 * SEC, "kubelet.service", KUBELET_DESC);
            self.stopped(
                reboot - 11 * SEC,
                "kubelet.service",
                KUBELET_DESC,
                "3h 41min 12.904s",
            );
        }
        self.stopping(reboot - 10 * SEC, rt_unit, rt_desc(rt));
        self.stopped(reboot - 8 * SEC, rt_unit, rt_desc(rt), "2h 2min 51.331s");
        self.systemd(
            reboot - 2 * SEC,
            6,
            "reboot.target",
            "Reached target System Reboot.".into(),
            None,
        );
        self.push(reboot, ProcKind::Journald, 388, 6, "Journal stopped");

        // Boot 1.
        let kern = self.node.os.kernel;
        let kt = k1 + 1_500_000;
        self.push(kt, ProcKind::Kernel, 0, 5, format!("Linux version {kern} (buildd@lcy02-amd64-017) (x86_64-linux-gnu-gcc-12 (Ubuntu 12.3.0-1ubuntu1~22.04) 12.3.0, GNU ld (GNU Binutils for Ubuntu) 2.38) #117-Ubuntu SMP Fri Apr 26 12:26:49 UTC 2024"));
        self.push(kt + 1, ProcKind::Kernel, 0, 6, format!("Command line: BOOT_IMAGE=/vmlinuz-{kern} root=UUID=6e1d5c2a-9f1b-4c7e-8a3d-2b9f0c4e7a11 ro console=tty1 console=ttyS0"));
        self.push(kt + 2, ProcKind::Kernel, 0, 6, "KERNEL supported cpus:");
        self.push(kt + 3, ProcKind::Kernel, 0, 6, "  Intel GenuineIntel");
        self.push(kt + 4, ProcKind::Kernel, 0, 6, "  AMD AuthenticAMD");
        let pkg = self.node.os.systemd_pkg;
        self.push(k1 + 3 * SEC, ProcKind::Systemd, 1, 6, format!("systemd {pkg} running in system mode (+PAM +AUDIT +SELINUX +APPARMOR +IMA +SMACK +SECCOMP +GCRYPT +GNUTLS +OPENSSL +ACL +BLKID +CURL +ELFUTILS +FIDO2 +IDN2 -IDN +IPTC +KMOD +LIBCRYPTSETUP +LIBFDISK +PCRE2 -PWQUALITY -P11KIT -QRENCODE +BZIP2 +LZ4 +XZ +ZLIB +ZSTD -XKBCOMMON +UTMP +SYSVINIT default-hierarchy=unified)"));
        self.push(
            k1 + 3 * SEC + 200,
            ProcKind::Systemd,
            1,
            6,
            "Detected virtualization kvm.",
        );
        let hn = format!("Hostname set to <{}>.", self.node.name);
        self.push(k1 + 3 * SEC + 400, ProcKind::Systemd, 1, 6, hn);

        let rpid1 = self.r.range(700, 900) as u32;
        self.started(k1 + 6 * SEC, rt_unit, rt_desc(rt));
        self.runtime_start(k1 + 6 * SEC + 20_000, rt_kind, rpid1, rt_old);
        let rt_switch = if self.scenario == Scenario::RuntimeChange && self.node.broken {
            self.node.upgrade_at
        } else {
            None
        };
        self.node.runtime_runs.push(Run {
            start: k1 + 6 * SEC,
            end: rt_switch.unwrap_or(end + MIN),
            pid: rpid1,
            version: rt_old,
        });

        let kpid1 = self.r.range(1000, 1400) as u32;
        let k_start = k1 + 8 * SEC;
        if rt != Runtime::K3s {
            self.started(k_start, "kubelet.service", KUBELET_DESC);
        }
        self.kubelet_start(k_start + 30_000, kpid1, kold, rt_old, true);
        let mut kubelet_end = self
            .node
            .upgrade_at
            .map(|u| u + 22 * SEC)
            .unwrap_or(end + MIN);

        // A recovered kubelet panic on the third node: a distractor, not the cause.
        if self.node.idx == 2 && self.scenario != Scenario::K3sUpgrade {
            let p = self.node.journal_start + 2 * HOUR + 7 * MIN;
            self.node.kubelet_runs.push(Run {
                start: k_start,
                end: p,
                pid: kpid1,
                version: kold,
            });
            self.kubelet_panic(p, kpid1);
            let pid = self.next_pid(kpid1 + 20_000);
            self.restart_after_failure(p + 10 * SEC, "kubelet.service", 1);
            self.kubelet_start(p + 10 * SEC + 40_000, pid, kold, rt_old, true);
            let run_start = p + 10 * SEC;
            self.node.kubelet_runs.push(Run {
                start: run_start,
                end: kubelet_end,
                pid,
                version: kold,
            });
        } else {
            self.node.kubelet_runs.push(Run {
                start: k_start,
                end: kubelet_end,
                pid: kpid1,
                version: kold,
            });
        }

        let Some(u) = self.node.upgrade_at else {
            self.tail(end);
            return;
        };
        self.node.kubelet_runs.last_mut().unwrap().end = kubelet_end;
        let last_pid = self.node.kubelet_runs.last().unwrap().pid;
        match self.scenario {
            Scenario::RuntimeChange => {
                self.package_upgrade(u, "cri-o", rt_old, rt_new);
                let pid = self.next_pid(last_pid + 30_000);
                self.stopping(u + 20 * SEC, rt_unit, rt_desc(rt));
                self.stopped(u + 21 * SEC, rt_unit, rt_desc(rt), "1h 12min 3.118s");
                self.started(u + 22 * SEC, rt_unit, rt_desc(rt));
                self.runtime_start(u + 22 * SEC + 10_000, rt_kind, pid, rt_new);
                self.node.runtime_runs.push(Run {
                    start: u + 22 * SEC,
                    end: end + MIN,
                    pid,
                    version: rt_new,
                });
                let kpid = pid + 57;
                self.stopping(u + 25 * SEC, "kubelet.service", KUBELET_DESC);
                self.stopped(
                    u + 26 * SEC,
                    "kubelet.service",
                    KUBELET_DESC,
                    "1h 1min 9.2s",
                );
                self.node.kubelet_runs.last_mut().unwrap().end = u + 25 * SEC;
                self.started(u + 27 * SEC, "kubelet.service", KUBELET_DESC);
                self.kubelet_start(u + 27 * SEC + 30_000, kpid, knew, rt_new, true);
                self.node.kubelet_runs.push(Run {
                    start: u + 27 * SEC,
                    end: end + MIN,
                    pid: kpid,
                    version: knew,
                });
                self.node.reported_version = knew;
            }
            Scenario::Webhook => {
                // The node was replaced by `--cloudonly`: the kubelet starts
                // cleanly but the CNI never comes up (story lines in noise
                // are replaced by the deadlock messages below).
                let pid = self.next_pid(last_pid + 4000);
                self.stopping(u, "kubelet.service", KUBELET_DESC);
                self.stopped(u + SEC, "kubelet.service", KUBELET_DESC, "2h 1min 1.1s");
                self.node.kubelet_runs.last_mut().unwrap().end = u;
                self.started(u + 2 * SEC, "kubelet.service", KUBELET_DESC);
                self.kubelet_start(u + 2 * SEC + 30_000, pid, knew, rt_old, true);
                self.webhook_deadlock(u + 20 * SEC, end, pid);
                self.node.kubelet_runs.push(Run {
                    start: u + 2 * SEC,
                    end: u + 3 * SEC,
                    pid,
                    version: knew,
                });
                self.node.ready_at_collect = false;
                self.node.reported_version = knew;
            }
            Scenario::K3sUpgrade => {
                let pid = self.next_pid(last_pid + 30_000);
                self.k3s_replace(u, pid, kold, knew);
                self.node.kubelet_runs.last_mut().unwrap().end = u + 5 * SEC;
                self.node.kubelet_runs.push(Run {
                    start: u + 15 * SEC,
                    end: end + MIN,
                    pid,
                    version: knew,
                });
                self.node.reported_version = knew;
            }
            _ => {
                self.package_upgrade(u, "kubelet", &kold[1..], &knew[1..]);
                self.stopping(u + 22 * SEC, "kubelet.service", KUBELET_DESC);
                self.push(
                    u + 22 * SEC + 40_000,
                    ProcKind::Kubelet,
                    last_pid,
                    6,
                    klog_line(
                        Sev::Info,
                        u + 22 * SEC + 39_000,
                        last_pid,
                        "dynamic_cafile_content.go:171",
                        "Shutting down controller",
                        "name=\"client-ca-bundle::/etc/kubernetes/pki/ca.crt\"",
                    ),
                );
                self.stopped(
                    u + 23 * SEC,
                    "kubelet.service",
                    KUBELET_DESC,
                    "1h 52min 40.377s",
                );
                self.started(u + 24 * SEC, "kubelet.service", KUBELET_DESC);
                let pid = self.next_pid(last_pid + 30_000);
                kubelet_end = u + 24 * SEC;
                self.node.kubelet_runs.last_mut().unwrap().end = kubelet_end;
                if self.node.broken && self.scenario == Scenario::RemovedFlag {
                    self.crash_loop(u + 24 * SEC, end, pid, knew);
                    self.node.ready_at_collect = false;
                } else {
                    self.kubelet_start(u + 24 * SEC + 30_000, pid, knew, rt_old, false);
                    self.node.kubelet_runs.push(Run {
                        start: u + 24 * SEC,
                        end: end + MIN,
                        pid,
                        version: knew,
                    });
                    self.node.reported_version = knew;
                }
            }
        }
        self.tail(end);
    }

    /// The last entry of every journal sits exactly at `journal_end`, so the
    /// range header written before streaming can name it.
    fn tail(&mut self, end: Micros) {
        let pid = 88_000 + self.node.idx as u32 * 31;
        self.push(
            end,
            ProcKind::Cron,
            pid,
            6,
            "pam_unix(cron:session): session closed for user root",
        );
        self.node.story.sort_by_key(|e| e.time);
    }

    fn runtime_start(&mut self, t: Micros, kind: ProcKind, pid: u32, version: &'static str) {
        let zone = self.node.zone;
        let mut lines: Vec<Vec<u8>> = Vec::new();
        match kind {
            ProcKind::Crio => {
                let mut b = Vec::new();
                text::logrus(&mut b, text::Logrus::Crio, t, zone, "info", format!("Starting CRI-O, version: {version}, git: 0e6fb0e1ca3e3ae6a9e2e8e6d1f6f4b0b7c9d101(clean)").as_bytes(), "");
                lines.push(b);
                let mut b = Vec::new();
                text::logrus(
                    &mut b,
                    text::Logrus::Crio,
                    t + 3000,
                    zone,
                    "info",
                    b"Node configuration value for hugetlb cgroup is true",
                    "",
                );
                lines.push(b);
                let mut b = Vec::new();
                text::logrus(
                    &mut b,
                    text::Logrus::Crio,
                    t + 90_000,
                    zone,
                    "info",
                    b"Serving metrics on :9537 via HTTP",
                    "",
                );
                lines.push(b);
            }
            ProcKind::K3s => {
                let mut b = Vec::new();
                text::logrus(
                    &mut b,
                    text::Logrus::K3s,
                    t,
                    Zone::Utc,
                    "info",
                    format!("Starting k3s {} (3f1a6e38)", self.node.kubelet_old).as_bytes(),
                    "",
                );
                lines.push(b);
            }
            _ => {
                let mut b = Vec::new();
                text::logrus(
                    &mut b,
                    text::Logrus::Containerd,
                    t,
                    zone,
                    "info",
                    b"starting containerd",
                    &format!("revision=7880925980b188f4c97b462f709d0db8e8962aff version={version}"),
                );
                lines.push(b);
                let mut b = Vec::new();
                text::logrus(
                    &mut b,
                    text::Logrus::Containerd,
                    t + 1_200,
                    zone,
                    "info",
                    b"loading plugin \"io.containerd.grpc.v1.cri\"...",
                    "type=io.containerd.grpc.v1",
                );
                lines.push(b);
                let mut b = Vec::new();
                text::logrus(
                    &mut b,
                    text::Logrus::Containerd,
                    t + 52_000,
                    zone,
                    "info",
                    b"containerd successfully booted in 0.052118s",
                    "",
                );
                lines.push(b);
            }
        }
        for (i, l) in lines.into_iter().enumerate() {
            self.push(t + i as Micros * 1500 + 100, kind, pid, 6, l);
        }
    }

    /// The kubelet's start-up lines (flags, version, runtime, registration).
    fn kubelet_start(
        &mut self,
        t: Micros,
        pid: u32,
        version: &'static str,
        rt_version: &'static str,
        cni_wait: bool,
    ) {
        let kind = if self.node.runtime == Runtime::K3s {
            ProcKind::K3s
        } else {
            ProcKind::Kubelet
        };
        let mut at = t;
        let minor: u32 = version
            .split('.')
            .nth(1)
            .and_then(|m| m.parse().ok())
            .unwrap_or(27);
        if self.node.kubelet_args.contains("--container-runtime=") && minor <= 26 {
            self.push(at, kind, pid, 6, "Flag --container-runtime has been deprecated, will be removed in 1.27 as the only valid value is 'remote'");
            at += 150;
        }
        if self
            .node
            .kubelet_args
            .contains("--pod-infra-container-image")
            && kind == ProcKind::Kubelet
        {
            self.push(at, kind, pid, 6, "Flag --pod-infra-container-image has been deprecated, will be removed in a future release. Image garbage collector will get sandbox image information from CRI.");
            at += 150;
        }
        let name = self.node.name.clone();
        let rt = self.node.runtime.scheme();
        let lines: Vec<(Micros, Sev, &str, &str, String)> = vec![
            (
                2_000,
                Sev::Info,
                "server.go:415",
                "Kubelet version",
                format!("kubeletVersion=\"{version}\""),
            ),
            (
                2_050,
                Sev::Info,
                "server.go:417",
                "Golang settings",
                "GOGC=\"\" GOMAXPROCS=\"\" GOTRACEBACK=\"\"".into(),
            ),
            (
                9_000,
                Sev::Info,
                "server.go:837",
                "Client rotation is on, will bootstrap in background",
                String::new(),
            ),
            (
                12_000,
                Sev::Info,
                "dynamic_cafile_content.go:157",
                "Starting controller",
                "name=\"client-ca-bundle::/etc/kubernetes/pki/ca.crt\"".into(),
            ),
            (
                61_000,
                Sev::Info,
                "kuberuntime_manager.go:257",
                "Container runtime initialized",
                format!("containerRuntime=\"{rt}\" version=\"{rt_version}\" apiVersion=\"v1\""),
            ),
            (
                240_000,
                Sev::Info,
                "kubelet_node_status.go:70",
                "Attempting to register node",
                format!("node=\"{name}\""),
            ),
            (
                260_000,
                Sev::Info,
                "kubelet_node_status.go:108",
                "Node was previously registered",
                format!("node=\"{name}\""),
            ),
            (
                262_000,
                Sev::Info,
                "kubelet_node_status.go:73",
                "Successfully registered node",
                format!("node=\"{name}\""),
            ),
            (
                300_000,
                Sev::Info,
                "kubelet.go:2201",
                "Starting kubelet main sync loop",
                String::new(),
            ),
        ];
        for (d, sev, caller, msg, kv) in lines {
            self.push(
                at + d,
                kind,
                pid,
                6,
                klog_line(sev, at + d - 40, pid, caller, msg, &kv),
            );
        }
        if cni_wait {
            let m = klog_line(Sev::Error, at + 310_000, pid, "kubelet.go:2760", "Container runtime network not ready", "networkReady=\"NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized\"");
            self.push(at + 310_100, kind, pid, 6, m);
            // A multi-line klog value: journald stores each line as its own entry.
            let mut b = Vec::new();
            text::klog_header(&mut b, Sev::Error, at + 350_000, pid, "pod_workers.go:1300");
            b.extend_from_slice(b"\"Error syncing pod, skipping\" err=<\n\tnetwork is not ready: container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized\n > pod=\"kube-system/coredns-5d78c9869d-x2x9q\" podUID=\"0c5e1f8a-7e2c-4a6b-9a57-3f1f0b7b9d11\"");
            for (i, l) in b.split(|&c| c == b'\n').enumerate() {
                self.push(at + 350_100 + i as Micros * 3, kind, pid, 6, l.to_vec());
            }
        }
    }

    /// apt/dpkg output of the upgrade script (transient unit), with colour
    /// codes, a carriage-return progress line and one multi-line summary.
    fn package_upgrade(&mut self, u: Micros, pkg: &str, old: &str, new: &str) {
        let pid = self.r.range(30_000, 40_000) as u32;
        let node = self.node.name.clone();
        self.push(
            u,
            ProcKind::Upgrade,
            pid,
            6,
            format!(
                "\x1b[32mINFO\x1b[0m [{}] upgrading {pkg} {old} -> {new} on {node}",
                ts_short(u)
            ),
        );
        let apt: [String; 9] = [
            "Reading package lists...".into(),
            "Building dependency tree...".into(),
            "The following packages will be upgraded:".into(),
            format!("  {pkg}"),
            "1 upgraded, 0 newly installed, 0 to remove and 41 not upgraded.".into(),
            format!("Get:1 https://pkgs.k8s.io/core:/stable:/v{}/deb  {pkg} {new}-1.1 [19.4 MB]", &new[..new.rfind('.').unwrap_or(new.len())]),
            "(Reading database ... 5%\r(Reading database ... 45%\r(Reading database ... 85%\r(Reading database ... 100%\r(Reading database ... 61234 files and directories currently installed.)".into(),
            format!("Preparing to unpack .../{pkg}_{new}-1.1_amd64.deb ..."),
            format!("Unpacking {pkg} ({new}-1.1) over ({old}-1.1) ..."),
        ];
        for (i, l) in apt.iter().enumerate() {
            self.push(
                u + SEC + i as Micros * 300_000,
                ProcKind::Upgrade,
                pid + 1,
                6,
                l.clone(),
            );
        }
        self.push(
            u + 15 * SEC,
            ProcKind::Upgrade,
            pid + 1,
            6,
            format!("Setting up {pkg} ({new}-1.1) ..."),
        );
        self.push(u + 18 * SEC, ProcKind::Systemd, 1, 6, "Reloading.");
        let mut e = StoryEntry {
            time: u + 19 * SEC,
            proc: Proc {
                kind: ProcKind::Upgrade,
                pid,
            },
            priority: 6,
            message: format!(
                "upgrade summary:\n  package: {pkg}\n  from: {old}\n  to: {new}\n  node: {node}"
            )
            .into_bytes(),
            about: None,
            catalog: None,
        };
        e.proc.pid = pid;
        self.node.story.push(e);
    }

    /// removed-flag: the new kubelet exits at flag parsing, systemd restarts it every 10 s.
    fn crash_loop(&mut self, from: Micros, end: Micros, first_pid: u32, version: &'static str) {
        let mut t = from;
        let mut pid = first_pid;
        let mut n = 0;
        while t + SEC < end {
            let fail = t + 40_000 + self.r.range(0, 20_000) as Micros;
            let line = klog_line(
                Sev::Error,
                fail - 60,
                pid,
                "run.go:74",
                "command failed",
                "err=\"failed to parse kubelet flag: unknown flag: --container-runtime\"",
            );
            self.push(fail, ProcKind::Kubelet, pid, 6, line);
            self.node.kubelet_runs.push(Run {
                start: t,
                end: fail + 1000,
                pid,
                version,
            });
            self.systemd(
                fail + 3_000,
                5,
                "kubelet.service",
                "kubelet.service: Main process exited, code=exited, status=1/FAILURE".into(),
                Some(Catalog::Exited { status: "1" }),
            );
            self.systemd(
                fail + 3_300,
                4,
                "kubelet.service",
                "kubelet.service: Failed with result 'exit-code'.".into(),
                Some(Catalog::Failed),
            );
            let restart = fail + 10 * SEC + self.r.range(100, 300) as Micros * 1000;
            if restart + SEC >= end {
                break;
            }
            n += 1;
            self.restart_after_failure(restart, "kubelet.service", n);
            t = restart + 600;
            pid = self.next_pid(pid);
        }
        // The upgrade script polls for the node to become Ready (colour codes
        // make these MESSAGEs binary: byte arrays in JSON), then gives up.
        let pid = self.r.range(41_000, 42_000) as u32;
        let mut w = from + 30 * SEC;
        while w < from + 5 * MIN && w < end {
            let msg = format!(
                "\x1b[33mWARN\x1b[0m [{}] node {} is NotReady, waiting (kubelet {})",
                ts_short(w),
                self.node.name,
                version
            );
            self.push(w, ProcKind::Upgrade, pid, 4, msg);
            w += 30 * SEC;
        }
        let msg = format!(
            "\x1b[31mERROR\x1b[0m [{}] timed out waiting for node {} to become Ready",
            ts_short(from + 5 * MIN),
            self.node.name
        );
        if from + 5 * MIN < end {
            self.push(from + 5 * MIN, ProcKind::Upgrade, pid, 3, msg);
        }
    }

    /// `Scheduled restart job` → `Stopped` → `Started`.
    fn restart_after_failure(&mut self, t: Micros, unit: &'static str, n: u32) {
        self.systemd(
            t,
            6,
            unit,
            format!("{unit}: Scheduled restart job, restart counter is at {n}."),
            Some(Catalog::Restart),
        );
        let m = format!("Stopped {}.", self.unit_name(unit, KUBELET_DESC));
        self.systemd(t + 200, 6, unit, m, Some(Catalog::Stopped));
        self.started(t + 500, unit, KUBELET_DESC);
    }

    /// A recovered-then-fatal panic (Kubernetes < 1.31 shape) and exit status 2.
    fn kubelet_panic(&mut self, t: Micros, pid: u32) {
        let mut lines: Vec<String> = Vec::new();
        let mut b = Vec::new();
        text::klog_header(&mut b, Sev::Error, t - 100, pid, "runtime.go:79");
        b.extend_from_slice(b"Observed a panic: \"invalid memory address or nil pointer dereference\" (runtime error: invalid memory address or nil pointer dereference)");
        lines.push(String::from_utf8(b).unwrap());
        lines.extend(panic_stack("goroutine 4123 [running:]", true));
        lines.push(
            "panic: runtime error: invalid memory address or nil pointer dereference [recovered]"
                .into(),
        );
        lines.push(
            "\tpanic: runtime error: invalid memory address or nil pointer dereference".into(),
        );
        lines
            .push("[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x3a1f2e4]".into());
        lines.push(String::new());
        lines.extend(panic_stack("goroutine 4123 [running]:", false));
        for (i, l) in lines.into_iter().enumerate() {
            self.push(t + i as Micros * 20, ProcKind::Kubelet, pid, 6, l);
        }
        let end = t + 2_000;
        self.systemd(
            end,
            5,
            "kubelet.service",
            "kubelet.service: Main process exited, code=exited, status=2/INVALIDARGUMENT".into(),
            Some(Catalog::Exited { status: "2" }),
        );
        self.systemd(
            end + 300,
            4,
            "kubelet.service",
            "kubelet.service: Failed with result 'exit-code'.".into(),
            Some(Catalog::Failed),
        );
    }

    /// webhook: mirror pods rejected, CNI never initialises.
    fn webhook_deadlock(&mut self, from: Micros, end: Micros, pid: u32) {
        let mut t = from;
        let name = self.node.name.clone();
        let mut i = 0u32;
        while t < end {
            let m = klog_line(Sev::Error, t, pid, "kubelet.go:2760", "Container runtime network not ready", "networkReady=\"NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized\"");
            self.push(t + 50, ProcKind::Kubelet, pid, 6, m);
            if i % 3 == 0 {
                let kv = format!("err=\"Internal error occurred: failed calling webhook \\\"pod-identity-webhook.amazonaws.com\\\": failed to call webhook: Post \\\"https://pod-identity-webhook.kube-system.svc:443/mutate?timeout=10s\\\": no endpoints available for service \\\"pod-identity-webhook\\\"\" pod=\"kube-system/etcd-manager-events-{name}\"");
                let m = klog_line(
                    Sev::Error,
                    t + 3000,
                    pid,
                    "kubelet.go:1856",
                    "Failed creating a mirror pod for",
                    &kv,
                );
                self.push(t + 3050, ProcKind::Kubelet, pid, 6, m);
            }
            i += 1;
            t += 5 * SEC;
        }
    }

    /// k3s-upgrade: the upgrade pod replaces the binary and stops k3s; it starts again on the new version.
    fn k3s_replace(&mut self, u: Micros, pid: u32, old: &str, new: &'static str) {
        let mut b = Vec::new();
        text::logrus(
            &mut b,
            text::Logrus::K3s,
            u,
            Zone::Utc,
            "info",
            b"Received SIGTERM, shutting down",
            "",
        );
        let oldpid = self.node.kubelet_runs.last().map(|r| r.pid).unwrap_or(1);
        self.push(u + 100, ProcKind::K3s, oldpid, 6, b);
        self.stopping(u + 200, "k3s.service", "Lightweight Kubernetes");
        self.stopped(
            u + 5 * SEC,
            "k3s.service",
            "Lightweight Kubernetes",
            "3h 2min 0.9s",
        );
        self.started(u + 15 * SEC, "k3s.service", "Lightweight Kubernetes");
        let mut b = Vec::new();
        text::logrus(
            &mut b,
            text::Logrus::K3s,
            u + 15 * SEC + 10_000,
            Zone::Utc,
            "info",
            format!("Starting k3s {new} (b4b156d9) (upgraded from {old})").as_bytes(),
            "",
        );
        self.push(u + 15 * SEC + 10_100, ProcKind::K3s, pid, 6, b);
        self.kubelet_start(u + 16 * SEC, pid, new, "1.7.17-k3s1", false);
    }
}

fn rt_desc(rt: Runtime) -> &'static str {
    match rt {
        Runtime::Containerd => "containerd container runtime",
        Runtime::Crio => "Container Runtime Interface for OCI (CRI-O)",
        Runtime::K3s => "Lightweight Kubernetes",
    }
}

/// A klog line as a journal/CRI payload.
pub fn klog_line(sev: Sev, t: Micros, pid: u32, caller: &str, msg: &str, kv: &str) -> Vec<u8> {
    let mut b = Vec::with_capacity(160);
    text::klog_s(&mut b, sev, t, pid, caller, msg, kv);
    b
}

/// `2024-06-10 09:50:01` UTC, for the upgrade script's own prefix.
fn ts_short(t: Micros) -> String {
    let mut b = Vec::new();
    crate::clock::date_time(&mut b, t, Zone::Utc);
    String::from_utf8(b).unwrap()
}

/// A Go goroutine dump for a nil-pointer panic in the kubelet.
pub fn panic_stack(head: &str, recovered: bool) -> Vec<String> {
    let mut v = vec![if recovered {
        "goroutine 4123 [running]:".to_string()
    } else {
        head.to_string()
    }];
    let frames: &[(&str, &str)] = if recovered {
        &[
            (
                "k8s.io/apimachinery/pkg/util/runtime.logPanic({0x3f2a1c0?, 0x6b7c5a0})",
                "k8s.io/apimachinery/pkg/util/runtime/runtime.go:75 +0x85",
            ),
            (
                "k8s.io/apimachinery/pkg/util/runtime.HandleCrash({0x0, 0x0, 0xc000d8a000?})",
                "k8s.io/apimachinery/pkg/util/runtime/runtime.go:49 +0x6b",
            ),
            (
                "panic({0x3f2a1c0?, 0x6b7c5a0?})",
                "runtime/panic.go:914 +0x21f",
            ),
        ]
    } else {
        &[(
            "panic({0x3f2a1c0?, 0x6b7c5a0?})",
            "runtime/panic.go:920 +0x270",
        )]
    };
    for (f, l) in frames {
        v.push(f.to_string());
        v.push(format!("\t{l}"));
    }
    v.push("k8s.io/kubernetes/pkg/kubelet/stats.(*cadvisorStatsProvider).ListPodStats(0xc000a1b000, {0x4a1b3c0, 0xc001234560})".into());
    v.push("\tk8s.io/kubernetes/pkg/kubelet/stats/cadvisor_stats_provider.go:112 +0x1c5".into());
    v.push("k8s.io/kubernetes/pkg/kubelet/server/stats.(*resourceAnalyzer).updateCachedPodVolumeStats(0xc0005f6c00)".into());
    v.push(
        "\tk8s.io/kubernetes/pkg/kubelet/server/stats/volume_stat_calculator.go:81 +0x8a6".into(),
    );
    v.push("created by k8s.io/kubernetes/pkg/kubelet/server/stats.(*fsResourceAnalyzer).Start in goroutine 1".into());
    v.push("\tk8s.io/kubernetes/pkg/kubelet/server/stats/fs_resource_analyzer.go:67 +0x1a5".into());
    v
}
