//! Background lines: what a healthy node and its containers print all day.
//!
//! One call produces one record into a reused buffer (no per-line
//! allocation beyond a few `write!`s). Records of stdout-captured services may
//! span several lines (klog `err=<` blocks, traces); the journal writer turns
//! each line into its own entry, as journald does.

use std::io::Write;

use crate::clock::{self, Micros, Zone, SEC};
use crate::model::*;
use crate::rng::Rng;
use crate::text::{self, Logrus, Sev};

/// A pod as the node's processes refer to it.
#[derive(Clone)]
pub struct PodRef {
    pub ns: String,
    pub name: String,
    pub uid: String,
    pub ip: String,
    pub container: String,
    pub image: String,
}

/// Which process a noise record belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Kubelet,
    Runtime,
    Systemd,
    Kernel,
    Other,
}

pub struct NodeNoise {
    pub rng: Rng,
    pub pods: Vec<PodRef>,
    pub zone: Zone,
    pub runtime: Runtime,
    pub systemd: u32,
    trace_id: u64,
}

impl NodeNoise {
    pub fn new(rng: Rng, node: &Node, pods: Vec<PodRef>) -> NodeNoise {
        NodeNoise {
            rng,
            pods,
            zone: node.zone,
            runtime: node.runtime,
            systemd: node.os.systemd,
            trace_id: 100_000_000,
        }
    }

    pub fn pick_source(&mut self) -> Source {
        match self.rng.weighted(&[56, 26, 9, 5, 4]) {
            0 => Source::Kubelet,
            1 => Source::Runtime,
            2 => Source::Systemd,
            3 => Source::Kernel,
            _ => Source::Other,
        }
    }

    fn pod(&mut self) -> PodRef {
        self.pods[self.rng.below(self.pods.len() as u64) as usize].clone()
    }

    /// A kubelet record (klog text); may be several lines.
    pub fn kubelet(&mut self, b: &mut Vec<u8>, t: Micros, pid: u32, version: &str) {
        let p = self.pod();
        let t = t - self.rng.range(5, 80) as Micros;
        let r = &mut self.rng;
        match r.weighted(&[14, 12, 10, 8, 7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2]) {
            0 => {
                let v = r.k8s_suffix(5);
                text::klog_header(b, Sev::Info, t, pid, "reconciler_common.go:258");
                let _ = write!(b, "\"operationExecutor.VerifyControllerAttachedVolume started for volume \\\"kube-api-access-{v}\\\" (UniqueName: \\\"kubernetes.io/projected/{uid}-kube-api-access-{v}\\\") pod \\\"{name}\\\" (UID: \\\"{uid}\\\") \" pod=\"{ns}/{name}\"", uid = p.uid, name = p.name, ns = p.ns);
            }
            1 => {
                text::klog_header(b, Sev::Info, t, pid, "kubelet.go:2445");
                let _ = write!(
                    b,
                    "\"SyncLoop (probe)\" probe=\"readiness\" status=\"ready\" pod=\"{}/{}\"",
                    p.ns, p.name
                );
            }
            2 => {
                text::klog_header(b, Sev::Info, t, pid, "prober.go:107");
                let _ = write!(b, "\"Probe failed\" probeType=\"Readiness\" pod=\"{}/{}\" podUID=\"{}\" containerName=\"{}\" probeResult=\"failure\" output=\"Get \\\"http://{}:8080/healthz\\\": dial tcp {}:8080: connect: connection refused\"", p.ns, p.name, p.uid, p.container, p.ip, p.ip);
            }
            3 => {
                let id = r.hex(64);
                text::klog_header(b, Sev::Info, t, pid, "kubelet.go:2431");
                let kind = *r.pick(&["ContainerStarted", "ContainerDied"]);
                let _ = write!(b, "\"SyncLoop (PLEG): event for pod\" pod=\"{}/{}\" event={{\"ID\":\"{}\",\"Type\":\"{kind}\",\"Data\":\"{id}\"}}", p.ns, p.name, p.uid);
            }
            4 => {
                text::klog_header(b, Sev::Warning, t, pid, "watcher.go:93");
                let u = p.uid.replace('-', "_");
                let _ = write!(b, "Error while processing event (\"/sys/fs/cgroup/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{u}.slice\": 0x40000100 == IN_CREATE|IN_ISDIR): inotify_add_watch /sys/fs/cgroup/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{u}.slice: no such file or directory");
            }
            5 => {
                text::klog_header(b, Sev::Info, t, pid, "kubelet_getters.go:187");
                let _ = write!(
                    b,
                    "\"Pod status updated\" pod=\"{}/{}\" status=\"Running\"",
                    p.ns, p.name
                );
            }
            6 => {
                text::klog_header(b, Sev::Info, t, pid, "scope.go:117");
                let _ = write!(b, "\"RemoveContainer\" containerID=\"{}\"", r.hex(64));
            }
            7 => {
                text::klog_header(b, Sev::Info, t, pid, "kubelet.go:2355");
                let _ = write!(
                    b,
                    "\"SyncLoop UPDATE\" source=\"api\" pods=[\"{}/{}\"]",
                    p.ns, p.name
                );
            }
            8 => {
                text::klog_header(b, Sev::Error, t, pid, "pod_workers.go:1300");
                let _ = write!(b, "\"Error syncing pod, skipping\" err=<\n\tfailed to \"StartContainer\" for \"{c}\" with CrashLoopBackOff: \"back-off 5m0s restarting failed container={c} pod={name}_{ns}({uid})\"\n > pod=\"{ns}/{name}\" podUID=\"{uid}\"", c = p.container, name = p.name, ns = p.ns, uid = p.uid);
            }
            9 => {
                text::klog_header(b, Sev::Info, t, pid, "log.go:245");
                let _ = write!(
                    b,
                    "http: TLS handshake error from 10.0.0.{}:{}: EOF",
                    r.range(2, 60),
                    r.range(30000, 60000)
                );
            }
            10 => {
                text::klog_header(b, Sev::Error, t, pid, "remote_runtime.go:432");
                let id = r.hex(64);
                let _ = write!(b, "\"ContainerStatus from runtime service failed\" err=\"rpc error: code = NotFound desc = an error occurred when try to find container \\\"{id}\\\": not found\" containerID=\"{id}\"");
            }
            11 => {
                text::klog_header(b, Sev::Info, t, pid, "kuberuntime_container.go:745");
                let _ = write!(b, "\"Killing container with a grace period\" pod=\"{}/{}\" podUID=\"{}\" containerName=\"{}\" containerID=\"{}://{}\" gracePeriod=30", p.ns, p.name, p.uid, p.container, self.runtime.scheme(), r.hex(64));
            }
            12 => {
                self.trace_id += r.range(1, 99_999);
                let id = self.trace_id;
                text::klog_header(b, Sev::Info, t, pid, "trace.go:236");
                let _ = write!(
                    b,
                    "Trace[{id}]: \"Calculate volume metrics of data for pod {}/{}\" (",
                    p.ns, p.name
                );
                clock::trace_time(b, t - 1_205_000);
                let _ = write!(
                    b,
                    ") (total time: 1205ms):\nTrace[{id}]: [1.205s] [1.205s] END"
                );
            }
            13 => {
                text::klog_header(b, Sev::Warning, t, pid, "kubelet_pods.go:1095");
                let _ = write!(b, "\"Unable to retrieve pull secret, the image pull may not succeed.\" pod=\"{}/{}\" secret=\"\" err=\"secret \\\"regcred\\\" not found\"", p.ns, p.name);
            }
            _ => {
                text::klog_header(b, Sev::Info, t, pid, "server.go:144");
                let _ = write!(b, "\"Got registration request from device plugin\" version=\"{version}\" resourceName=\"example.com/gpu\" status=\"ignored\"");
            }
        }
    }

    /// A container-runtime record (logrus).
    pub fn runtime(&mut self, b: &mut Vec<u8>, t: Micros) {
        let p = self.pod();
        let zone = self.zone;
        let r = &mut self.rng;
        let id = r.hex(64);
        let mut m: Vec<u8> = Vec::with_capacity(200);
        if self.runtime == Runtime::Crio {
            let rid = r.uuid();
            let (msg, kv): (String, String) = match r.weighted(&[20, 14, 10, 8, 8, 6]) {
                0 => (format!("Checking image status: {}", p.image), format!("id={rid} name=/runtime.v1.ImageService/ImageStatus")),
                1 => ("Started container".into(), format!("PID={} containerID={id} description={}/{}/{} id={rid} name=/runtime.v1.RuntimeService/StartContainer sandboxID={}", r.range(2000, 90000), p.ns, p.name, p.container, r.hex(64))),
                2 => (format!("Running pod sandbox: {}/{}/POD", p.ns, p.name), format!("id={rid} name=/runtime.v1.RuntimeService/RunPodSandbox")),
                3 => (format!("Stopping pod sandbox: {id}"), format!("id={rid} name=/runtime.v1.RuntimeService/StopPodSandbox")),
                4 => (format!("Got pod network &{{Name:{} Namespace:{} ID:{id} UID:{} NetNS:/var/run/netns/{} Networks:[] RuntimeConfig:map[k8s-pod-network:{{IP: MAC: PortMappings:[] Bandwidth:<nil> IpRanges:[]}}] Aliases:map[]}}", p.name, p.ns, p.uid, r.uuid()), String::new()),
                _ => (format!("Image {} not found", p.image), format!("id={rid} name=/runtime.v1.ImageService/ImageStatus")),
            };
            text::logrus(b, Logrus::Crio, t, zone, "info", msg.as_bytes(), &kv);
            return;
        }
        let (level, kv): (&str, String) = match r.weighted(&[18, 16, 12, 10, 9, 8, 8, 6, 5, 4]) {
            0 => {
                let _ = write!(m, "ExecSync for \"{id}\" with command [/bin/calico-node -felix-live] and timeout 10 (s)");
                ("info", String::new())
            }
            1 => {
                let _ = write!(m, "ExecSync for \"{id}\" returns with exit code 0");
                ("info", String::new())
            }
            2 => {
                let _ = write!(m, "StartContainer for \"{id}\" returns successfully");
                ("info", String::new())
            }
            3 => {
                let _ = write!(m, "CreateContainer within sandbox \"{}\" for container &ContainerMetadata{{Name:{},Attempt:{},}}", r.hex(64), p.container, r.below(4));
                ("info", String::new())
            }
            4 => {
                let _ = write!(m, "RunPodSandbox for &PodSandboxMetadata{{Name:{},Uid:{},Namespace:{},Attempt:0,}} returns sandbox id \"{id}\"", p.name, p.uid, p.ns);
                ("info", String::new())
            }
            5 => {
                m.extend_from_slice(b"shim disconnected");
                ("info", format!("id={id} namespace=k8s.io"))
            }
            6 => {
                m.extend_from_slice(b"cleaning up after shim disconnected");
                ("warning", format!("id={id} namespace=k8s.io"))
            }
            7 => {
                let _ = write!(m, "ContainerStatus for \"{id}\" failed");
                ("error", format!("error=\"rpc error: code = NotFound desc = an error occurred when try to find container \\\"{id}\\\": not found\""))
            }
            8 => {
                let _ = write!(m, "ImageUpdate event name:\"{}\" labels:{{key:\"io.cri-containerd.image\" value:\"managed\"}}", p.image);
                ("info", String::new())
            }
            _ => {
                let _ = write!(m, "TearDown network for sandbox \"{id}\" successfully");
                ("info", String::new())
            }
        };
        text::logrus(b, Logrus::Containerd, t, zone, level, &m, &kv);
    }

    /// A PID 1 record about scopes and mounts.
    pub fn systemd(&mut self, b: &mut Vec<u8>) {
        let r = &mut self.rng;
        let id = r.hex(64);
        let done = if self.systemd >= 249 {
            "Deactivated successfully."
        } else {
            "Succeeded."
        };
        match r.weighted(&[5, 3, 2]) {
            0 => {
                let _ = write!(
                    b,
                    "run-containerd-runc-k8s.io-{id}-runc.{}.mount: {done}",
                    r.k8s_suffix(6)
                );
            }
            1 if self.systemd >= 252 => {
                let _ = write!(
                    b,
                    "Started cri-containerd-{id}.scope - libcontainer container {id}."
                );
            }
            1 => {
                let _ = write!(b, "Started libcontainer container {id}.");
            }
            _ => {
                let _ = write!(b, "var-lib-kubelet-pods-{}-volumes-kubernetes.io\\x7eprojected-kube\\x2dapi\\x2daccess\\x2d{}.mount: {done}", r.uuid().replace('-', "\\x2d"), r.k8s_suffix(5));
            }
        }
    }

    pub fn kernel(&mut self, b: &mut Vec<u8>) {
        let r = &mut self.rng;
        match r.weighted(&[4, 3, 3, 2, 1]) {
            0 => {
                let _ = write!(
                    b,
                    "IPv6: ADDRCONF(NETDEV_CHANGE): cali{}: link becomes ready",
                    r.hex(11)
                );
            }
            1 => {
                let _ = write!(
                    b,
                    "cni0: port {}(veth{}) entered forwarding state",
                    r.range(1, 30),
                    r.hex(8)
                );
            }
            2 => {
                let _ = write!(b, "device veth{} entered promiscuous mode", r.hex(8));
            }
            3 => {
                let _ = write!(
                    b,
                    "IPVS: rr: TCP 10.96.{}.{}:443 - no destination available",
                    r.range(0, 255),
                    r.range(1, 254)
                );
            }
            _ => {
                let _ = write!(b, "audit: type=1400 audit({}.{:03}:{}): apparmor=\"STATUS\" operation=\"profile_replace\" info=\"same as current profile, skipping\" profile=\"unconfined\" name=\"cri-containerd.apparmor.d\" pid={} comm=\"apparmor_parser\"", 1_718_000_000 + r.range(0, 20_000), r.range(0, 999), r.range(100, 999), r.range(2000, 90000));
            }
        }
    }

    /// cron/sshd/networkd; returns the writer.
    pub fn other(&mut self, b: &mut Vec<u8>) -> ProcKind {
        let r = &mut self.rng;
        match r.weighted(&[4, 2, 1]) {
            0 => {
                b.extend_from_slice(if r.chance(0.5) { b"pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)".as_slice() } else { b"(root) CMD (test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.hourly; })".as_slice() });
                ProcKind::Cron
            }
            1 => {
                let _ = write!(
                    b,
                    "Accepted publickey for ops from 10.0.0.{} port {} ssh2: ED25519 SHA256:{}",
                    r.range(2, 9),
                    r.range(40000, 65000),
                    r.hex(43)
                );
                ProcKind::Sshd
            }
            _ => {
                let _ = write!(b, "cali{}: Link UP", r.hex(11));
                ProcKind::Networkd
            }
        }
    }

    /// A rare multi-line coredump report (journal transport, binary MESSAGE).
    pub fn coredump(&mut self, b: &mut Vec<u8>) {
        let pid = self.rng.range(40_000, 60_000);
        let _ = write!(b, "Process {pid} (iptables-restor) of user 0 dumped core.\n\nFound module linux-vdso.so.1 with build-id: 3e2a0c5d6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c\nStack trace of thread {pid}:\n#0  0x00007f3b2c9e8a7c __pthread_kill_implementation (libc.so.6 + 0x96a7c)\n#1  0x00007f3b2c994476 raise (libc.so.6 + 0x42476)\n#2  0x00007f3b2c97a7f3 abort (libc.so.6 + 0x287f3)\n#3  0x000055d0c2a3f8e1 n/a (iptables-legacy-restore + 0x2f8e1)\nELF object binary architecture: AMD x86-64");
    }
}

// ---- container workloads ----

/// Per-container state for content generation.
pub struct Workbench {
    pub rng: Rng,
    pub workload: Workload,
    pub pod: PodRef,
    pub node: String,
    pub version: String,
    pub pid: u32,
    seq: u64,
}

impl Workbench {
    pub fn new(
        rng: Rng,
        workload: Workload,
        pod: PodRef,
        node: String,
        version: String,
    ) -> Workbench {
        let pid = match workload {
            Workload::Calico | Workload::Postgres => 60 + (rng.clone().next_u64() % 40) as u32,
            _ => 1,
        };
        Workbench {
            rng,
            workload,
            pod,
            node,
            version,
            pid,
            seq: 0,
        }
    }

    /// One line of output at `t` (no newline); returns its stream.
    pub fn line(&mut self, b: &mut Vec<u8>, t: Micros) -> Stream {
        self.seq += 1;
        let r = &mut self.rng;
        let pid = self.pid;
        let kt = t - r.range(20, 400) as Micros;
        match self.workload {
            Workload::Apiserver => {
                match r.weighted(&[10, 3, 2, 1]) {
                    0 => {
                        let code = *r.pick(&[200, 200, 200, 201, 404, 409]);
                        let uri = *r.pick(&["/api/v1/namespaces/shop/pods", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/worker-2", "/api/v1/nodes/cp-1/status", "/apis/apps/v1/namespaces/shop/replicasets", "/api/v1/namespaces/kube-system/configmaps/kube-proxy"]);
                        text::klog_header(b, Sev::Info, kt, pid, "httplog.go:132");
                        let _ = write!(b, "\"HTTP\" verb=\"GET\" URI=\"{uri}\" latency=\"{}.{}ms\" userAgent=\"kubelet/{} (linux/amd64) kubernetes/1b4df30\" audit-ID=\"{}\" srcIP=\"10.0.0.{}:{}\" resp={code}", r.range(0, 40), r.range(0, 999), self.version, r.uuid(), r.range(10, 14), r.range(30000, 60000));
                    }
                    1 => {
                        text::klog_header(b, Sev::Info, kt, pid, "trace.go:236");
                        let id = r.range(100_000_000, 999_999_999);
                        let _ = write!(b, "Trace[{id}]: \"List\" accept:application/json, */*,audit-id:{},client:10.0.0.11,protocol:HTTP/2.0,resource:pods,scope:cluster,url:/api/v1/pods,user-agent:kubectl/{},verb:LIST (", r.uuid(), self.version);
                        clock::trace_time(b, kt - 1_233_000);
                        let _ = write!(b, ") (total time: 1233ms):\nTrace[{id}]: ---\"Writing http response done\" count:512 1230ms (");
                        let c = clock::civil(kt);
                        let _ = write!(
                            b,
                            "{:02}:{:02}:{:02}.{:03})\nTrace[{id}]: [1.233s] [1.233s] END",
                            c.hour,
                            c.min,
                            c.sec,
                            c.micros / 1000
                        );
                    }
                    2 => {
                        text::klog_header(b, Sev::Warning, kt, pid, "dispatcher.go:205");
                        let _ = write!(b, "Failed calling webhook, failing open validate.nginx.ingress.kubernetes.io: failed calling webhook \"validate.nginx.ingress.kubernetes.io\": failed to call webhook: Post \"https://ingress-nginx-controller-admission.ingress-nginx.svc:443/networking/v1/ingresses?timeout=10s\": context deadline exceeded");
                    }
                    _ => {
                        text::klog_header(b, Sev::Error, kt, pid, "status.go:71");
                        b.extend_from_slice(b"apiserver received an error that is not an metav1.Status: &errors.errorString{s:\"http2: stream closed\"}: http2: stream closed");
                    }
                }
                Stream::Stderr
            }
            Workload::ControllerManager => {
                match r.weighted(&[6, 3, 2]) {
                    0 => {
                        text::klog_header(b, Sev::Info, kt, pid, "event.go:307");
                        let _ = write!(b, "\"Event occurred\" object=\"{}/{}\" fieldPath=\"\" kind=\"Pod\" apiVersion=\"v1\" type=\"Normal\" reason=\"Scheduled\" message=\"Successfully assigned\"", self.pod.ns, self.pod.name);
                    }
                    1 => {
                        text::klog_header(b, Sev::Info, kt, pid, "replica_set.go:676");
                        let _ = write!(b, "\"Finished syncing\" kind=\"ReplicaSet\" key=\"shop/web-{}\" duration=\"{}.{}µs\"", r.hex(10), r.range(50, 900), r.range(0, 9));
                    }
                    _ => {
                        text::klog_header(b, Sev::Info, kt, pid, "cleaner.go:172");
                        b.extend_from_slice(
                            b"Cleaning CSR \"csr-\" as it is more than 1h0m0s old and approved.",
                        );
                    }
                }
                Stream::Stderr
            }
            Workload::Scheduler => {
                text::klog_header(b, Sev::Info, kt, pid, "schedule_one.go:252");
                let _ = write!(b, "\"Successfully bound pod to node\" pod=\"shop/api-{}\" node=\"worker-{}\" evaluatedNodes=3 feasibleNodes=2", r.k8s_suffix(5), r.range(1, 2));
                Stream::Stderr
            }
            Workload::Etcd => {
                let (level, caller, msg, extra) = match r.weighted(&[6, 3, 2]) {
                    0 => ("info", "mvcc/index.go:214", "compact tree index", format!(",\"revision\":{}", 4_500_000 + self.seq)),
                    1 => ("info", "mvcc/kvstore_compaction.go:66", "finished scheduled compaction", format!(",\"compact-revision\":{},\"took\":\"{}.{}ms\",\"hash\":{}", 4_500_000 + self.seq, r.range(5, 90), r.range(0, 999), r.next_u64() >> 33)),
                    _ => ("warn", "etcdserver/util.go:170", "apply request took too long", format!(",\"took\":\"{}.{}ms\",\"expected-duration\":\"100ms\",\"prefix\":\"read-only range \",\"request\":\"key:\\\"/registry/pods/shop/\\\" range_end:\\\"/registry/pods/shop0\\\" \",\"response\":\"range_response_count:12 size:48211\"", r.range(101, 400), r.range(0, 999))),
                };
                let _ = write!(b, "{{\"level\":\"{level}\",\"ts\":\"");
                clock::rfc3339(b, kt, Zone::Utc, clock::Frac::Micro, true);
                let _ = write!(b, "\",\"caller\":\"{caller}\",\"msg\":\"{msg}\"{extra}}}");
                Stream::Stderr
            }
            Workload::KubeProxy => {
                match r.weighted(&[5, 5, 2]) {
                    0 => {
                        text::klog_header(b, Sev::Info, kt, pid, "proxier.go:835");
                        b.extend_from_slice(b"\"Syncing iptables rules\"");
                    }
                    1 => {
                        text::klog_header(b, Sev::Info, kt, pid, "proxier.go:1537");
                        let _ = write!(b, "\"Reloading service iptables data\" numServices={} numEndpoints={} numFilterChains=6 numFilterRules=9 numNATChains=12 numNATRules={}", r.range(20, 30), r.range(30, 50), r.range(50, 70));
                    }
                    _ => {
                        text::klog_header(b, Sev::Info, kt, pid, "proxier.go:801");
                        let _ = write!(
                            b,
                            "\"SyncProxyRules complete\" elapsed=\"{}.{}ms\"",
                            r.range(10, 90),
                            r.range(0, 999)
                        );
                    }
                }
                Stream::Stderr
            }
            Workload::Calico => {
                clock::date_time_ms(b, kt);
                let _ = match r.weighted(&[5, 3, 2]) {
                    0 => write!(b, " [INFO][{pid}] felix/summary.go 100: Summarising {} dataplane reconciliation loops over 1m3.2s: avg={}ms longest={}ms (resync-nat-v4)", r.range(8, 20), r.range(2, 9), r.range(10, 40)),
                    1 => write!(b, " [INFO][{pid}] felix/int_dataplane.go 1891: Received interface update msg=&intdataplane.ifaceStateUpdate{{Name:\"cali{}\", State:\"up\", Index:{}}}", r.hex(11), r.range(5, 80)),
                    _ => write!(b, " [INFO][{pid}] felix/health.go 336: Overall health status changed: live=true ready=true"),
                };
                Stream::Stdout
            }
            Workload::Coredns => {
                let svc = *r.pick(&[
                    "api.shop",
                    "db.shop",
                    "kubernetes.default",
                    "web.shop",
                    "registry.local",
                ]);
                let _ = write!(b, "[INFO] 10.244.{}.{}:{} - {} \"A IN {svc}.svc.cluster.local. udp 60 false 512\" NOERROR qr,aa,rd 122 0.000{}s", r.range(0, 3), r.range(2, 250), r.range(30000, 60000), r.range(1, 65535), r.range(50, 999));
                Stream::Stdout
            }
            Workload::MetricsServer => {
                b.extend_from_slice(b"{\"ts\":");
                clock::epoch_ms_float(b, kt);
                match r.weighted(&[5, 2, 1]) {
                    0 => {
                        let _ = write!(b, ",\"caller\":\"scraper/scraper.go:140\",\"msg\":\"Scraping metrics from nodes\",\"v\":1,\"nodeCount\":3}}");
                    }
                    1 => {
                        let _ = write!(b, ",\"caller\":\"server/server.go:137\",\"msg\":\"Storing metrics\",\"v\":1,\"node\":{{\"name\":\"{}\"}},\"duration\":\"{}.{}ms\"}}", self.node, r.range(1, 9), r.range(0, 999));
                    }
                    _ => {
                        let _ = write!(b, ",\"caller\":\"scraper/scraper.go:149\",\"msg\":\"Failed to scrape node\",\"node\":\"worker-1\",\"err\":\"Get \\\"https://10.0.0.11:10250/metrics/resource\\\": context deadline exceeded\"}}");
                    }
                }
                Stream::Stderr
            }
            Workload::Nginx => {
                if r.chance(0.12) {
                    clock::slash_date_time(b, t);
                    let _ = write!(b, " [error] 29#29: *{} connect() failed (111: Connection refused) while connecting to upstream, client: 10.244.0.{}, server: _, request: \"GET /api/orders HTTP/1.1\", upstream: \"http://10.96.4.2:8080/api/orders\", host: \"shop.example.com\"", self.seq, r.range(2, 250));
                    return Stream::Stderr;
                }
                let _ = write!(b, "10.244.{}.{} - - [", r.range(0, 3), r.range(1, 250));
                clock::clf(b, t);
                let (path, ua) = *r.pick(&[
                    ("/healthz", "kube-probe/1.26"),
                    ("/", "Mozilla/5.0 (X11; Linux x86_64)"),
                    ("/static/app.js", "Mozilla/5.0 (Macintosh)"),
                    ("/api/orders", "curl/8.4.0"),
                ]);
                let _ = write!(
                    b,
                    "] \"GET {path} HTTP/1.1\" {} {} \"-\" \"{ua}\" \"-\"",
                    *r.pick(&[200, 200, 200, 304, 404, 502]),
                    r.range(2, 9000)
                );
                Stream::Stdout
            }
            Workload::ApiJson => {
                b.extend_from_slice(b"{\"level\":\"");
                let lvl = *r.pick(&["info", "info", "info", "debug", "warn"]);
                b.extend_from_slice(lvl.as_bytes());
                b.extend_from_slice(b"\",\"ts\":\"");
                clock::rfc3339(b, t, Zone::Utc, clock::Frac::NanoTrim, true);
                let _ = write!(b, "\",\"logger\":\"http\",\"msg\":\"request\",\"method\":\"{}\",\"path\":\"/api/orders/{}\",\"status\":{},\"duration_ms\":{}.{},\"trace_id\":\"{}\"}}", r.pick(&["GET", "GET", "POST", "PUT"]), r.range(1000, 99999), r.pick(&[200, 200, 201, 404, 500]), r.range(0, 400), r.range(0, 9), r.hex(32));
                if r.chance(0.002) {
                    // An occasional huge line (a dumped payload): containerd splits it into P records.
                    b.truncate(b.len() - 1);
                    b.extend_from_slice(b",\"payload\":\"");
                    for _ in 0..700 {
                        b.extend_from_slice(b"0123456789abcdef0123456");
                    }
                    b.extend_from_slice(b"\"}");
                }
                Stream::Stdout
            }
            Workload::Postgres => {
                clock::date_time_ms(b, t);
                let _ = match r.weighted(&[4, 4, 1]) {
                    0 => write!(b, " UTC [{pid}] LOG:  checkpoint starting: time"),
                    1 => write!(b, " UTC [{pid}] LOG:  checkpoint complete: wrote {} buffers ({}.{}%); 0 WAL file(s) added, 0 removed, 1 recycled; write={}.{} s, sync=0.004 s, total={}.{} s", r.range(10, 900), r.range(0, 5), r.range(0, 9), r.range(1, 30), r.range(0, 999), r.range(1, 30), r.range(0, 999)),
                    _ => write!(b, " UTC [{}] ERROR:  duplicate key value violates unique constraint \"orders_pkey\"", r.range(100, 9000)),
                };
                Stream::Stderr
            }
            Workload::IngressNginx => {
                if r.chance(0.7) {
                    let _ = write!(b, "10.0.0.{} - - [", r.range(2, 40));
                    clock::clf(b, t);
                    let _ = write!(b, "] \"GET /shop/{} HTTP/2.0\" {} {} \"-\" \"Mozilla/5.0\" {} 0.0{} [shop-web-80] [] 10.244.{}.{}:80 {} 0.0{} 200 {}", r.range(1, 500), r.pick(&[200, 200, 304, 502]), r.range(100, 9000), r.range(200, 900), r.range(1, 99), r.range(1, 3), r.range(2, 250), r.range(100, 9000), r.range(1, 99), r.hex(32));
                    Stream::Stdout
                } else {
                    text::klog_header(b, Sev::Info, kt, 7, "controller.go:190");
                    b.extend_from_slice(
                        b"\"Configuration changes detected, backend reload required\"",
                    );
                    Stream::Stderr
                }
            }
            Workload::Vcluster => {
                if r.chance(0.6) {
                    let msg = format!("Cluster-Http-Server {} http: TLS handshake error from 10.244.{}.{}:{}: EOF", "2024/06/10", r.range(0, 3), r.range(2, 250), r.range(30000, 60000));
                    text::logrus(b, Logrus::K3s, t, Zone::Utc, "info", msg.as_bytes(), "");
                } else {
                    text::klog_header(b, Sev::Info, kt, 7, "controller.go:624");
                    b.extend_from_slice(
                        b"quota admission added evaluator for: leases.coordination.k8s.io",
                    );
                }
                Stream::Stderr
            }
            Workload::Backup => {
                let _ = write!(
                    b,
                    "+ pg_dump --host=db.shop --format=custom --file=/backup/shop-{}.dump shop",
                    self.seq
                );
                Stream::Stderr
            }
            Workload::Registry => {
                if r.chance(0.5) {
                    let _ = write!(b, "10.0.0.{} - - [", r.range(10, 14));
                    clock::clf(b, t);
                    let _ = write!(b, "] \"GET /v2/shop/api/manifests/2.14.0 HTTP/1.1\" 200 {} \"\" \"containerd/v1.7.2\"", r.range(500, 3000));
                    Stream::Stdout
                } else {
                    let msg = b"response completed";
                    let kv = format!("go.version=go1.20.8 http.request.host=\"cp-1:5000\" http.request.id={} http.request.method=GET http.request.remoteaddr=\"10.0.0.{}:{}\" http.request.uri=\"/v2/shop/api/manifests/2.14.0?a=1&b=2\" http.request.useragent=\"containerd/v1.7.2\" http.response.contenttype=\"application/vnd.docker.distribution.manifest.v2+json\" http.response.duration=1.2{}ms http.response.status=200 http.response.written={}", r.uuid(), r.range(10, 14), r.range(30000, 60000), r.range(0, 99), r.range(500, 3000));
                    text::logrus(b, Logrus::Crio, t, Zone::Utc, "info", msg, &kv);
                    Stream::Stderr
                }
            }
            Workload::K3sUpgrade => {
                let step = *r.pick(&[
                    "+ get_k3s_process_info",
                    "+ replace_binary",
                    "+ info 'Comparing old and new binaries'",
                    "+ kill_k3s_process",
                ]);
                b.extend_from_slice(step.as_bytes());
                Stream::Stderr
            }
        }
    }

    /// Lines a container prints when it starts (so instance boundaries are visible).
    pub fn start_lines(&mut self, t: Micros) -> Vec<(Micros, Stream, Vec<u8>)> {
        let mut v = Vec::new();
        let mut b = Vec::new();
        match self.workload {
            Workload::KubeProxy => {
                text::klog_s(
                    &mut b,
                    Sev::Info,
                    t,
                    1,
                    "server_others.go:72",
                    "Using iptables proxy",
                    "",
                );
                v.push((t, Stream::Stderr, b));
            }
            Workload::Apiserver | Workload::ControllerManager | Workload::Scheduler => {
                text::klog_header(&mut b, Sev::Info, t, 1, "flags.go:64");
                b.extend_from_slice(b"FLAG: --v=\"2\"");
                v.push((t, Stream::Stderr, b));
                let mut b = Vec::new();
                text::klog_s(
                    &mut b,
                    Sev::Info,
                    t + 2000,
                    1,
                    "server.go:159",
                    "Version",
                    &format!("version=\"{}\"", self.version),
                );
                v.push((t + 2000, Stream::Stderr, b));
            }
            Workload::Nginx => {
                b.extend_from_slice(
                    b"/docker-entrypoint.sh: Configuration complete; ready for start up",
                );
                v.push((t, Stream::Stdout, b));
            }
            Workload::Backup => {
                b.extend_from_slice(b"+ set -euo pipefail");
                v.push((t, Stream::Stderr, b));
            }
            Workload::MetricsServer => {
                b.extend_from_slice(b"{\"ts\":");
                clock::epoch_ms_float(&mut b, t);
                b.extend_from_slice(b",\"caller\":\"dynamiccertificates/named_certificates.go:53\",\"msg\":\"Loaded SNI cert\",\"v\":0,\"index\":0,\"certName\":\"self-signed loopback\",\"certDetail\":\"\\\"apiserver-loopback-client@1718000000\\\" [serving] validServingFor=[apiserver-loopback-client] issuer=\\\"apiserver-loopback-client-ca@1718000000\\\" (2024-06-10 05:13:20 +0000 UTC to 2025-06-10 05:13:20 +0000 UTC (now=2024-06-10 06:13:20.123456 +0000 UTC))\"}");
                v.push((t, Stream::Stderr, b));
                let mut b = Vec::new();
                b.extend_from_slice(b"{\"ts\":");
                clock::epoch_ms_float(&mut b, t + 4000);
                b.extend_from_slice(b",\"caller\":\"server/secure_serving.go:213\",\"msg\":\"Serving securely on [::]:10250\",\"v\":0}");
                v.push((t + 4000, Stream::Stderr, b));
            }
            _ => {}
        }
        let _ = SEC;
        v
    }
}
