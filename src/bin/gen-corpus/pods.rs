//! The pods of the cluster and the lifetimes of their containers.
//!
//! Container instances follow the node story: a reboot restarts every
//! container (restart count + 1, a new `N.log`), the control-plane upgrade
//! replaces static pods and the kube-proxy DaemonSet pods, and the incident
//! decides what happens on the broken node (evicted pods left Terminating,
//! replacements Pending or Running elsewhere, recreated sandboxes, images
//! that cannot be pulled, an upgrade job pod that ends Unknown).

use crate::clock::{Micros, MIN, SEC};
use crate::model::*;
use crate::rng::Rng;
use crate::story::klog_line;
use crate::text::Sev;

pub struct PodPlan<'a> {
    pub rng: Rng,
    pub nodes: &'a mut [Node],
    pub scenario: Scenario,
    pub start: Micros,
    pub collect: Micros,
    pub size: u64,
    pub k8s_old: &'static str,
    pub k8s_new: &'static str,
    pub pods: Vec<Pod>,
}

fn container(name: &str, image: String, workload: Workload, weight: u32) -> Container {
    Container {
        name: name.into(),
        image,
        workload,
        instances: Vec::new(),
        weight,
        waiting: None,
    }
}

impl PodPlan<'_> {
    fn worker_nodes(&self) -> Vec<usize> {
        let w: Vec<usize> = (1..self.nodes.len()).collect();
        if w.is_empty() {
            vec![0]
        } else {
            w
        }
    }

    fn healthy_other(&self, not: usize) -> usize {
        let w = self.worker_nodes();
        *w.iter()
            .find(|&&i| i != not && !self.nodes[i].broken)
            .unwrap_or(&0)
    }

    /// Running instances of one container on `node` from `from` to `until`,
    /// split by the node's reboot.
    fn instances(
        &mut self,
        node: usize,
        from: Micros,
        until: Option<Micros>,
        restart0: u32,
    ) -> Vec<Instance> {
        let reboot = self.nodes[node].boots[0].end;
        let back = self.nodes[node].boots[1].kernel_start
            + 20 * SEC
            + self.rng.range(0, 30_000) as Micros * 1000;
        let mut v = Vec::new();
        if from < reboot {
            v.push(self.instance(restart0, from, Some(reboot - 6 * SEC), 143));
            let end = until.filter(|&u| u > back);
            if until.is_none() || end.is_some() {
                v.push(self.instance(restart0 + 1, back, end, 0));
            }
        } else {
            let s = from.max(back);
            v.push(self.instance(restart0, s, until, 0));
        }
        v
    }

    fn instance(
        &mut self,
        restart: u32,
        start: Micros,
        end: Option<Micros>,
        exit_code: i32,
    ) -> Instance {
        Instance {
            restart,
            id: self.rng.hex(64),
            start,
            end,
            exit_code,
            story: Vec::new(),
            ends_partial: false,
        }
    }

    fn pod(
        &mut self,
        ns: &str,
        name: String,
        node: Option<usize>,
        owner: (&'static str, &str),
        created: Micros,
        containers: Vec<Container>,
        host_net: bool,
        static_uid: bool,
    ) -> usize {
        let uid = if static_uid {
            self.rng.hex(32)
        } else {
            self.rng.uuid()
        };
        let ip = match node {
            Some(n) if host_net => self.nodes[n].ip.clone(),
            Some(n) => format!("10.244.{}.{}", n, self.rng.range(2, 250)),
            None => "<none>".into(),
        };
        self.pods.push(Pod {
            ns: ns.into(),
            name,
            uid,
            node,
            owner_kind: owner.0,
            owner_name: owner.1.into(),
            ip,
            created,
            gone: None,
            deletion: None,
            phase: "Running",
            containers,
            not_ready: false,
        });
        self.pods.len() - 1
    }

    /// Give every container of pod `p` running instances from `from` to `until`.
    fn run(&mut self, p: usize, from: Micros, until: Option<Micros>) {
        let node = self.pods[p].node.expect("scheduled");
        for c in 0..self.pods[p].containers.len() {
            let inst = self.instances(node, from, until, 0);
            self.pods[p].containers[c].instances = inst;
        }
    }

    pub fn build(&mut self) {
        let s = self.start;
        let c = self.collect;
        let long_ago = s - 41 * 24 * 3600 * SEC;
        let n = self.nodes.len();
        let k3s = self.scenario == Scenario::K3sUpgrade;
        let cp_upgrade = self.nodes[0].upgrade_at;
        let apply = cp_upgrade.map(|u| u - 4 * MIN);
        let (old, new) = (self.k8s_old, self.k8s_new);

        if !k3s {
            // Static control-plane pods, replaced by `kubeadm upgrade apply`.
            for (name, wl, w) in [
                ("kube-apiserver", Workload::Apiserver, 30),
                ("kube-controller-manager", Workload::ControllerManager, 12),
                ("kube-scheduler", Workload::Scheduler, 4),
            ] {
                let image = |v: &str| format!("registry.k8s.io/{name}:{v}");
                let p = self.pod(
                    "kube-system",
                    format!("{name}-cp-1"),
                    Some(0),
                    ("Node", "cp-1"),
                    long_ago,
                    vec![container(name, image(old), wl, w)],
                    true,
                    true,
                );
                let replaced = apply.filter(|_| old != new);
                self.run(p, long_ago, replaced);
                if let Some(a) = replaced {
                    self.pods[p].gone = Some(a);
                    let q = self.pod(
                        "kube-system",
                        format!("{name}-cp-1"),
                        Some(0),
                        ("Node", "cp-1"),
                        a,
                        vec![container(name, image(new), wl, w)],
                        true,
                        true,
                    );
                    self.run(q, a + 5 * SEC, None);
                }
            }
            let p = self.pod(
                "kube-system",
                "etcd-cp-1".into(),
                Some(0),
                ("Node", "cp-1"),
                long_ago,
                vec![container(
                    "etcd",
                    "registry.k8s.io/etcd:3.5.9-0".into(),
                    Workload::Etcd,
                    14,
                )],
                true,
                true,
            );
            self.run(p, long_ago, None);

            // kube-proxy DaemonSet, rolled to the new version by the upgrade.
            for i in 0..n {
                let name = format!("kube-proxy-{}", self.rng.k8s_suffix(5));
                let p = self.pod(
                    "kube-system",
                    name,
                    Some(i),
                    ("DaemonSet", "kube-proxy"),
                    long_ago,
                    vec![container(
                        "kube-proxy",
                        format!("registry.k8s.io/kube-proxy:{old}"),
                        Workload::KubeProxy,
                        4,
                    )],
                    true,
                    false,
                );
                let roll = apply
                    .filter(|_| old != new)
                    .map(|a| a + 2 * MIN + i as Micros * 15 * SEC);
                self.run(p, long_ago, roll);
                if let Some(r) = roll {
                    self.pods[p].gone = Some(r);
                    let name = format!("kube-proxy-{}", self.rng.k8s_suffix(5));
                    let q = self.pod(
                        "kube-system",
                        name,
                        Some(i),
                        ("DaemonSet", "kube-proxy"),
                        r + SEC,
                        vec![container(
                            "kube-proxy",
                            format!("registry.k8s.io/kube-proxy:{new}"),
                            Workload::KubeProxy,
                            4,
                        )],
                        true,
                        false,
                    );
                    self.run(q, r + 3 * SEC, None);
                }
            }
        }
        for i in 0..n {
            let name = format!("calico-node-{}", self.rng.k8s_suffix(5));
            let p = self.pod(
                "kube-system",
                name,
                Some(i),
                ("DaemonSet", "calico-node"),
                long_ago,
                vec![container(
                    "calico-node",
                    "docker.io/calico/node:v3.26.1".into(),
                    Workload::Calico,
                    8,
                )],
                true,
                false,
            );
            self.run(p, long_ago, None);
        }
        let rs = format!("coredns-{}", self.rng.hex(10).replace(['a', 'e'], "d"));
        for node in [0, self.worker_nodes().last().copied().unwrap_or(0)] {
            let name = format!("{rs}-{}", self.rng.k8s_suffix(5));
            let p = self.pod(
                "kube-system",
                name,
                Some(node),
                ("ReplicaSet", &rs),
                long_ago,
                vec![container(
                    "coredns",
                    "registry.k8s.io/coredns/coredns:v1.10.1".into(),
                    Workload::Coredns,
                    6,
                )],
                false,
                false,
            );
            self.run(p, long_ago, None);
        }
        let ms_node = if n > 2 { 2 } else { n - 1 };
        self.metrics_server(ms_node, long_ago);

        // Applications.
        let workers = self.worker_nodes();
        let web_rs = format!("web-{}", self.rng.hex(10));
        for (k, &node) in workers.iter().cycle().take(3).enumerate() {
            let name = format!("{web_rs}-{}", self.rng.k8s_suffix(5));
            let p = self.pod(
                "shop",
                name,
                Some(node),
                ("ReplicaSet", &web_rs),
                long_ago + k as Micros * MIN,
                vec![container(
                    "web",
                    "docker.io/library/nginx:1.25.3".into(),
                    Workload::Nginx,
                    10,
                )],
                false,
                false,
            );
            self.run(p, long_ago, None);
        }
        let api_rs = format!("api-{}", self.rng.hex(10));
        for &node in workers.iter().cycle().skip(1).take(2) {
            let name = format!("{api_rs}-{}", self.rng.k8s_suffix(5));
            let p = self.pod(
                "shop",
                name,
                Some(node),
                ("ReplicaSet", &api_rs),
                long_ago,
                vec![container(
                    "api",
                    "registry.local/shop/api:2.14.0".into(),
                    Workload::ApiJson,
                    12,
                )],
                false,
                false,
            );
            self.run(p, long_ago, None);
        }
        let p = self.pod(
            "shop",
            "db-0".into(),
            Some(workers[0]),
            ("StatefulSet", "db"),
            long_ago,
            vec![container(
                "postgres",
                "docker.io/library/postgres:15.4".into(),
                Workload::Postgres,
                4,
            )],
            false,
            false,
        );
        self.run(p, long_ago, None);
        let ing_rs = format!("ingress-nginx-controller-{}", self.rng.hex(10));
        for i in 0..n {
            let name = format!("{ing_rs}-{}", self.rng.k8s_suffix(5));
            let p = self.pod(
                "ingress-nginx",
                name,
                Some(i),
                ("ReplicaSet", &ing_rs),
                long_ago,
                vec![container(
                    "controller",
                    "registry.k8s.io/ingress-nginx/controller:v1.8.1".into(),
                    Workload::IngressNginx,
                    10,
                )],
                false,
                false,
            );
            self.run(p, long_ago, None);
        }
        let vnode = *workers.last().unwrap();
        let p = self.pod(
            "dev",
            "vcluster-0".into(),
            Some(vnode),
            ("StatefulSet", "vcluster"),
            long_ago,
            vec![container(
                "syncer",
                "rancher/k3s:v1.27.6-k3s1".into(),
                Workload::Vcluster,
                6,
            )],
            false,
            false,
        );
        self.run(p, long_ago, None);
        let extra = (self.size / (40 << 20)).min(30) as usize;
        for k in 0..extra {
            let rs = format!("svc-{k}-{}", self.rng.hex(10));
            for &node in workers.iter().cycle().skip(k).take(2) {
                let name = format!("{rs}-{}", self.rng.k8s_suffix(5));
                let p = self.pod(
                    "apps",
                    name,
                    Some(node),
                    ("ReplicaSet", &rs),
                    long_ago,
                    vec![container(
                        "app",
                        format!("registry.local/apps/svc-{k}:1.{k}.0"),
                        Workload::ApiJson,
                        8,
                    )],
                    false,
                    false,
                );
                self.run(p, long_ago, None);
            }
        }
        // Backup CronJob: the last three jobs' pods still exist.
        for k in 0..3 {
            let t = c - (25 - k * 10) as Micros * MIN;
            let job = format!("backup-{}", t / MIN);
            let name = format!("{job}-{}", self.rng.k8s_suffix(5));
            let p = self.pod(
                "ops",
                name,
                Some(vnode),
                ("Job", &job),
                t,
                vec![container(
                    "backup",
                    "registry.local/ops/pg-backup:1.3".into(),
                    Workload::Backup,
                    1,
                )],
                false,
                false,
            );
            self.run(p, t + 4 * SEC, Some(t + 44 * SEC));
            self.pods[p].phase = "Succeeded";
        }
        // A Docker-managed registry on cp-1 (json-file logs, no pod).
        let p = self.pod(
            "docker",
            "registry".into(),
            Some(0),
            ("Docker", "registry"),
            long_ago,
            vec![container(
                "registry",
                "registry:2".into(),
                Workload::Registry,
                5,
            )],
            true,
            false,
        );
        self.run(p, long_ago, None);

        match self.scenario {
            Scenario::RemovedFlag => self.node_lost(),
            Scenario::RuntimeChange => self.sandboxes_recreated(),
            Scenario::ImagePinning => self.images_pinned(),
            Scenario::Webhook => self.webhook_blocked(),
            Scenario::K3sUpgrade => self.k3s_upgrade_jobs(),
            Scenario::None => {}
        }
    }

    fn metrics_server(&mut self, node: usize, created: Micros) {
        let c = self.collect;
        let rs = format!("metrics-server-{}", self.rng.hex(10));
        let name = format!("{rs}-{}", self.rng.k8s_suffix(5));
        let p = self.pod(
            "kube-system",
            name,
            Some(node),
            ("ReplicaSet", &rs),
            created,
            vec![container(
                "metrics-server",
                "registry.k8s.io/metrics-server/metrics-server:v0.6.4".into(),
                Workload::MetricsServer,
                5,
            )],
            false,
            false,
        );
        self.run(p, created, Some(c - 50 * MIN));
        let mut insts = std::mem::take(&mut self.pods[p].containers[0].instances);
        let mut restart = insts.last().map(|i| i.restart + 1).unwrap_or(1);
        let crashes = [c - 50 * MIN, c - 35 * MIN, c - 20 * MIN];
        for (k, &at) in crashes.iter().enumerate() {
            if let Some(last) = insts.last_mut() {
                last.end = Some(at);
                last.exit_code = 2;
                for (i, l) in crate::story::panic_stack("goroutine 211 [running]:", false)
                    .into_iter()
                    .enumerate()
                {
                    last.story
                        .push((at - 1000 + i as Micros * 10, Stream::Stderr, l.into_bytes()));
                }
                last.story.insert(
                    0,
                    (
                        at - 1100,
                        Stream::Stderr,
                        b"panic: runtime error: invalid memory address or nil pointer dereference"
                            .to_vec(),
                    ),
                );
                last.story.insert(
                    1,
                    (
                        at - 1090,
                        Stream::Stderr,
                        b"[signal SIGSEGV: segmentation violation code=0x1 addr=0x18 pc=0x1b2c3d4]"
                            .to_vec(),
                    ),
                );
                last.story
                    .insert(2, (at - 1080, Stream::Stderr, Vec::new()));
            }
            let back = at + (10 << k) as Micros * SEC;
            let end = crashes.get(k + 1).copied();
            let mut inst = self.instance(restart, back, end, 0);
            if k == 0 {
                inst.ends_partial = true;
            }
            insts.push(inst);
            restart += 1;
        }
        self.pods[p].containers[0].instances = insts;
    }

    /// removed-flag: the node stops reporting; after the unreachable toleration
    /// (the apiserver runs with `--default-unreachable-toleration-seconds=60`) the
    /// taint manager marks non-DaemonSet pods for deletion, which never
    /// completes (no kubelet). Replacements run elsewhere or stay Pending.
    fn node_lost(&mut self) {
        let broken = (0..self.nodes.len()).find(|&i| self.nodes[i].broken);
        let Some(b) = broken else { return };
        let f = self.nodes[b].upgrade_at.unwrap() + 24 * SEC;
        let not_ready = f + 40 * SEC;
        let evict = not_ready + 60 * SEC;
        let c = self.collect;
        let mut replacements = Vec::new();
        for p in 0..self.pods.len() {
            if self.pods[p].node != Some(b)
                || self.pods[p].gone.is_some()
                || self.pods[p].owner_kind == "Docker"
            {
                continue;
            }
            if not_ready < c {
                self.pods[p].not_ready = true;
            }
            if self.pods[p].owner_kind != "DaemonSet" && evict < c {
                self.pods[p].deletion = Some(evict);
                if self.pods[p].owner_kind == "ReplicaSet" {
                    replacements.push(p);
                }
            }
        }
        for p in replacements {
            let old = self.pods[p].clone();
            let base = old
                .name
                .rsplit_once('-')
                .map(|x| x.0)
                .unwrap_or(&old.name)
                .to_string();
            let name = format!("{base}-{}", self.rng.k8s_suffix(5));
            let pending = old.ns == "ingress-nginx";
            let node = if pending {
                None
            } else {
                Some(self.healthy_other(b))
            };
            let mut cs = old.containers.clone();
            for c in cs.iter_mut() {
                c.instances.clear();
            }
            let q = self.pod(
                &old.ns,
                name,
                node,
                (old.owner_kind, &old.owner_name),
                evict + SEC,
                cs,
                false,
                false,
            );
            if pending {
                self.pods[q].phase = "Pending";
            } else {
                self.run(q, evict + 8 * SEC, None);
            }
        }
    }

    /// runtime-change: every pod on the node gets a new sandbox and new containers.
    fn sandboxes_recreated(&mut self) {
        let Some(b) = (0..self.nodes.len()).find(|&i| self.nodes[i].broken) else {
            return;
        };
        let u = self.nodes[b].upgrade_at.unwrap();
        for p in 0..self.pods.len() {
            if self.pods[p].node != Some(b)
                || self.pods[p].gone.is_some()
                || self.pods[p].owner_kind == "Docker"
                || self.pods[p].phase == "Succeeded"
            {
                continue;
            }
            for ci in 0..self.pods[p].containers.len() {
                let kill = u + 30 * SEC + self.rng.range(0, 20_000) as Micros * 1000;
                let Some(last) = self.pods[p].containers[ci].instances.last_mut() else {
                    continue;
                };
                if last.end.is_some() {
                    continue;
                }
                last.end = Some(kill);
                last.exit_code = 137;
                let r = last.restart + 1;
                let inst = self.instance(r, kill + 4 * SEC, None, 0);
                self.pods[p].containers[ci].instances.push(inst);
            }
        }
    }

    /// image-pinning: after the upgrade the node's DaemonSet pods are recreated
    /// with images pinned to the old version that the air-gapped node lacks.
    fn images_pinned(&mut self) {
        let Some(b) = (0..self.nodes.len()).find(|&i| self.nodes[i].broken) else {
            return;
        };
        let u = self.nodes[b].upgrade_at.unwrap() + 30 * SEC;
        let old = self.k8s_old;
        let kpid = self.nodes[b]
            .kubelet_runs
            .last()
            .map(|r| r.pid)
            .unwrap_or(1);
        for p in 0..self.pods.len() {
            if self.pods[p].node != Some(b)
                || self.pods[p].owner_kind != "DaemonSet"
                || self.pods[p].gone.is_some()
            {
                continue;
            }
            let pod = self.pods[p].clone();
            self.pods[p].gone = Some(u);
            for c in self.pods[p].containers.iter_mut() {
                if let Some(l) = c.instances.last_mut() {
                    l.end = Some(u - 2 * SEC);
                }
            }
            let base = pod.name.rsplit_once('-').unwrap().0.to_string();
            let image = format!("registry.local/{}:{old}", pod.containers[0].name);
            let mut cs = pod.containers.clone();
            for c in cs.iter_mut() {
                c.instances.clear();
                c.image = image.clone();
                c.waiting = Some("ErrImageNeverPull");
            }
            let name = format!("{base}-{}", self.rng.k8s_suffix(5));
            let q = self.pod(
                &pod.ns,
                name.clone(),
                Some(b),
                (pod.owner_kind, &pod.owner_name),
                u,
                cs,
                true,
                false,
            );
            self.pods[q].phase = "Pending";
            let uid = self.pods[q].uid.clone();
            let cname = pod.containers[0].name.clone();
            let mut t = u + 2 * SEC;
            let mut back = 10 * SEC;
            while t < self.nodes[b].journal_end {
                let mut m = klog_line(
                    Sev::Error,
                    t,
                    kpid,
                    "pod_workers.go:1300",
                    "Error syncing pod, skipping",
                    "",
                );
                m.truncate(m.len());
                let line = format!(
                    " err=<\n\tfailed to \"StartContainer\" for \"{cname}\" with ErrImageNeverPull: \"Container image \\\"{image}\\\" is not present with pull policy of Never\"\n > pod=\"{}/{name}\" podUID=\"{uid}\"",
                    pod.ns
                );
                m.extend_from_slice(line.as_bytes());
                for (i, l) in m.split(|&c| c == b'\n').enumerate() {
                    self.nodes[b].story.push(StoryEntry {
                        time: t + 50 + i as Micros * 5,
                        proc: Proc {
                            kind: ProcKind::Kubelet,
                            pid: kpid,
                        },
                        priority: 6,
                        message: l.to_vec(),
                        about: None,
                        catalog: None,
                    });
                }
                t += back;
                back = (back * 2).min(300 * SEC);
            }
        }
        self.nodes[b].story.sort_by_key(|e| e.time);
    }

    /// webhook: the replaced node's DaemonSet pods cannot be created.
    fn webhook_blocked(&mut self) {
        let Some(b) = (0..self.nodes.len()).find(|&i| self.nodes[i].broken) else {
            return;
        };
        let u = self.nodes[b].upgrade_at.unwrap();
        for p in 0..self.pods.len() {
            if self.pods[p].node == Some(b) && self.pods[p].owner_kind == "DaemonSet" {
                self.pods[p].gone = Some(u);
                for c in self.pods[p].containers.iter_mut() {
                    if let Some(l) = c.instances.last_mut() {
                        l.end = Some(u);
                    }
                }
            }
            if self.pods[p].node == Some(b)
                && self.pods[p].gone.is_none()
                && self.pods[p].owner_kind != "Docker"
            {
                self.pods[p].not_ready = true;
            }
        }
    }

    /// k3s-upgrade: per node a Job pod that replaces the binary (ends Unknown)
    /// and a second one that finds it done (Completed).
    fn k3s_upgrade_jobs(&mut self) {
        let hash = self.rng.hex(32);
        for i in 0..self.nodes.len() {
            let Some(u) = self.nodes[i].upgrade_at else {
                continue;
            };
            let role = if i == 0 { "server" } else { "agent" };
            let job = format!(
                "apply-k3s-{role}-on-{}-with-{}",
                self.nodes[i].name,
                &hash[..12]
            );
            let img = format!("rancher/k3s-upgrade:{}", self.k8s_new.replace('+', "-"));
            let name = format!("{job}-{}", self.rng.k8s_suffix(5));
            let p = self.pod(
                "system-upgrade",
                name,
                Some(i),
                ("Job", &job),
                u - 12 * SEC,
                vec![container("upgrade", img.clone(), Workload::K3sUpgrade, 1)],
                true,
                false,
            );
            let inst = self.instance(0, u - 10 * SEC, Some(u + SEC), 0);
            self.pods[p].containers[0].instances = vec![inst];
            self.pods[p].phase = "Unknown";
            let name = format!("{job}-{}", self.rng.k8s_suffix(5));
            let q = self.pod(
                "system-upgrade",
                name,
                Some(i),
                ("Job", &job),
                u + 40 * SEC,
                vec![container("upgrade", img, Workload::K3sUpgrade, 1)],
                true,
                false,
            );
            let inst = self.instance(0, u + 45 * SEC, Some(u + 50 * SEC), 0);
            self.pods[q].containers[0].instances = vec![inst];
            self.pods[q].phase = "Succeeded";
        }
    }
}
