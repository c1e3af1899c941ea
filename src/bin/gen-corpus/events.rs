//! Kubernetes Events derived from the pods and nodes, aggregated the way the
//! API stores them (legacy recorder: `count` + first/last; events.k8s.io:
//! `eventTime` + `series`), and cut to the default one-hour TTL.

use std::collections::HashMap;

use crate::clock::{Micros, HOUR, MIN, SEC};
use crate::model::*;
use crate::rng::Rng;

pub struct EventLog {
    rng: Rng,
    events: Vec<KEvent>,
    index: HashMap<String, usize>,
    rv: u64,
}

/// What an event is about.
pub struct Obj<'a> {
    pub kind: &'static str,
    pub ns: Option<&'a str>,
    pub name: &'a str,
    pub uid: &'a str,
    pub field: Option<String>,
}

impl EventLog {
    pub fn new(rng: Rng) -> EventLog {
        EventLog {
            rng,
            events: Vec::new(),
            index: HashMap::new(),
            rv: 4_580_000,
        }
    }

    /// Record one occurrence through the legacy recorder (aggregates repeats).
    #[allow(clippy::too_many_arguments)]
    pub fn legacy(
        &mut self,
        obj: &Obj,
        reason: &'static str,
        message: String,
        component: &'static str,
        host: Option<&str>,
        t: Micros,
        warning: bool,
    ) {
        let key = format!(
            "{}/{}/{}/{}/{}",
            obj.kind,
            obj.ns.unwrap_or(""),
            obj.name,
            reason,
            message
        );
        self.rv += self.rng.range(1, 40);
        if let Some(&i) = self.index.get(&key) {
            let e = &mut self.events[i];
            e.count += 1;
            e.last = e.last.max(t);
            e.rv = self.rv;
            return;
        }
        let e = KEvent {
            ns: obj.ns.unwrap_or("default").to_string(),
            kind: obj.kind,
            obj_name: obj.name.to_string(),
            obj_uid: obj.uid.to_string(),
            obj_ns: obj.ns.map(str::to_string),
            field_path: obj.field.clone(),
            reason,
            message,
            source_component: component,
            source_host: host.map(str::to_string),
            first: t,
            last: t,
            count: 1,
            warning,
            new_api: None,
            uid: self.rng.uuid(),
            rv: self.rv,
        };
        self.index.insert(key, self.events.len());
        self.events.push(e);
    }

    /// Record through events.k8s.io (scheduler): `eventTime`, optional series.
    pub fn new_api(
        &mut self,
        obj: &Obj,
        reason: &'static str,
        message: String,
        action: &'static str,
        controller: &'static str,
        t: Micros,
        warning: bool,
    ) {
        let key = format!(
            "new/{}/{}/{}/{}",
            obj.kind,
            obj.ns.unwrap_or(""),
            obj.name,
            reason
        );
        self.rv += self.rng.range(1, 40);
        if let Some(&i) = self.index.get(&key) {
            let e = &mut self.events[i];
            let na = e.new_api.as_mut().unwrap();
            let (n, _) = na.series.unwrap_or((1, t));
            na.series = Some((n + 1, t));
            e.last = t;
            e.message = message;
            return;
        }
        let instance = format!("{controller}-cp-1");
        let e = KEvent {
            ns: obj.ns.unwrap_or("default").to_string(),
            kind: obj.kind,
            obj_name: obj.name.to_string(),
            obj_uid: obj.uid.to_string(),
            obj_ns: obj.ns.map(str::to_string),
            field_path: None,
            reason,
            message,
            source_component: "",
            source_host: None,
            first: t,
            last: t,
            count: 0,
            warning,
            new_api: Some(NewApi {
                action,
                controller,
                instance,
                series: None,
            }),
            uid: self.rng.uuid(),
            rv: self.rv,
        };
        self.index.insert(key, self.events.len());
        self.events.push(e);
    }

    /// The events still stored at `collect` (TTL 1 h), in the API's list order
    /// (by namespace, then event name, i.e. grouped by object).
    pub fn finish(mut self, collect: Micros) -> Vec<KEvent> {
        self.events
            .retain(|e| e.last >= collect - HOUR && e.first <= collect);
        self.events.sort_by(|a, b| {
            a.ns.cmp(&b.ns)
                .then(a.obj_name.cmp(&b.obj_name))
                .then(a.first.cmp(&b.first))
        });
        self.events
    }
}

/// All events of the cluster.
pub fn build(
    rng: Rng,
    nodes: &[Node],
    pods: &[Pod],
    scenario: Scenario,
    collect: Micros,
) -> Vec<KEvent> {
    let mut log = EventLog::new(rng);
    let ttl = collect - HOUR - 10 * MIN;
    for pod in pods.iter().filter(|p| p.owner_kind != "Docker") {
        pod_events(&mut log, nodes, pod, ttl, collect);
    }
    for node in nodes {
        node_events(&mut log, node, scenario, ttl, collect);
    }
    if scenario == Scenario::Webhook {
        if let Some(n) = nodes.iter().find(|n| n.broken) {
            let mut t = n.upgrade_at.unwrap() + 30 * SEC;
            while t < collect {
                for ds in ["calico-node", "kube-proxy"] {
                    let obj = Obj {
                        kind: "DaemonSet",
                        ns: Some("kube-system"),
                        name: ds,
                        uid: "9c1e2f4a-7b3d-4e5f-8a6b-1c2d3e4f5a6b",
                        field: None,
                    };
                    log.legacy(&obj, "FailedCreate", "Error creating: Internal error occurred: failed calling webhook \"pod-identity-webhook.amazonaws.com\": failed to call webhook: Post \"https://pod-identity-webhook.kube-system.svc:443/mutate?timeout=10s\": no endpoints available for service \"pod-identity-webhook\"".into(), "daemonset-controller", None, t, true);
                }
                t += 45 * SEC;
            }
        }
    }
    // CronJob history inside the TTL (pods of older runs are gone).
    let cj = Obj {
        kind: "CronJob",
        ns: Some("ops"),
        name: "backup",
        uid: "5b0f3c1e-2d4a-4b6c-9e8f-7a1b2c3d4e5f",
        field: None,
    };
    let mut t = collect - 35 * MIN;
    while t < collect {
        let job = format!("backup-{}", t / MIN);
        log.legacy(
            &cj,
            "SuccessfulCreate",
            format!("Created job {job}"),
            "cronjob-controller",
            None,
            t,
            false,
        );
        log.legacy(
            &cj,
            "SawCompletedJob",
            format!("Saw completed job: {job}, status: Complete"),
            "cronjob-controller",
            None,
            t + 50 * SEC,
            false,
        );
        if t > collect - 35 * MIN {
            log.legacy(
                &cj,
                "SuccessfulDelete",
                format!("Deleted job backup-{}", (t - 30 * MIN) / MIN),
                "cronjob-controller",
                None,
                t + 51 * SEC,
                false,
            );
        }
        t += 10 * MIN;
    }
    log.finish(collect)
}

fn pod_events(log: &mut EventLog, nodes: &[Node], pod: &Pod, ttl: Micros, collect: Micros) {
    let host = pod.node.map(|n| nodes[n].name.as_str());
    let obj = Obj {
        kind: "Pod",
        ns: Some(&pod.ns),
        name: &pod.name,
        uid: &pod.uid,
        field: None,
    };
    if pod.created >= ttl {
        let owner = Obj {
            kind: pod.owner_kind,
            ns: Some(&pod.ns),
            name: &pod.owner_name,
            uid: &pod.uid[..8],
            field: None,
        };
        let controller = match pod.owner_kind {
            "ReplicaSet" => "replicaset-controller",
            "DaemonSet" => "daemonset-controller",
            "Job" => "job-controller",
            _ => "",
        };
        if !controller.is_empty() {
            log.legacy(
                &owner,
                "SuccessfulCreate",
                format!("Created pod: {}", pod.name),
                controller,
                None,
                pod.created,
                false,
            );
        }
        match host {
            Some(h) if pod.owner_kind != "Node" => {
                log.new_api(
                    &obj,
                    "Scheduled",
                    format!("Successfully assigned {}/{} to {h}", pod.ns, pod.name),
                    "Binding",
                    "default-scheduler",
                    pod.created + 80_000,
                    false,
                );
            }
            None => {
                let n = nodes.len();
                let mut t = pod.created + 100_000;
                while t < collect {
                    let msg = format!("0/{n} nodes are available: 1 node(s) had untolerated taint {{node.kubernetes.io/unreachable: }}, {} node(s) didn't match pod anti-affinity rules. preemption: 0/{n} nodes are available: 1 Preemption is not helpful for scheduling, {} No preemption victims found for incoming pod..", n - 1, n - 1);
                    log.new_api(
                        &obj,
                        "FailedScheduling",
                        msg,
                        "Scheduling",
                        "default-scheduler",
                        t,
                        true,
                    );
                    t += 15 * SEC;
                }
            }
            _ => {}
        }
    }
    for c in &pod.containers {
        let field = Some(format!("spec.containers{{{}}}", c.name));
        let cobj = Obj {
            kind: "Pod",
            ns: Some(&pod.ns),
            name: &pod.name,
            uid: &pod.uid,
            field: field.clone(),
        };
        if let Some(reason) = c.waiting {
            let mut t = pod.created + 2 * SEC;
            let mut back = 10 * SEC;
            while t < collect {
                log.legacy(
                    &cobj,
                    reason,
                    format!(
                        "Container image \"{}\" is not present with pull policy of Never",
                        c.image
                    ),
                    "kubelet",
                    host,
                    t,
                    true,
                );
                log.legacy(
                    &cobj,
                    "Failed",
                    format!("Error: {reason}"),
                    "kubelet",
                    host,
                    t,
                    true,
                );
                t += back;
                back = (back * 2).min(300 * SEC);
            }
        }
        for (k, inst) in c.instances.iter().enumerate() {
            if inst.start >= ttl && inst.start < collect {
                if k > 0 && c.instances[k - 1].exit_code == 2 {
                    let prev_end = c.instances[k - 1].end.unwrap_or(inst.start);
                    let msg = format!(
                        "Back-off restarting failed container {} in pod {}_{}({})",
                        c.name, pod.name, pod.ns, pod.uid
                    );
                    let mut t = prev_end + SEC;
                    while t < inst.start {
                        log.legacy(&cobj, "BackOff", msg.clone(), "kubelet", host, t, true);
                        t += 5 * SEC;
                    }
                }
                if k > 0 && c.instances[k - 1].exit_code == 137 {
                    log.legacy(
                        &obj,
                        "SandboxChanged",
                        "Pod sandbox changed, it will be killed and re-created.".into(),
                        "kubelet",
                        host,
                        inst.start - 5 * SEC,
                        false,
                    );
                }
                log.legacy(
                    &cobj,
                    "Pulled",
                    format!("Container image \"{}\" already present on machine", c.image),
                    "kubelet",
                    host,
                    inst.start - 300_000,
                    false,
                );
                log.legacy(
                    &cobj,
                    "Created",
                    format!("Created container {}", c.name),
                    "kubelet",
                    host,
                    inst.start - 200_000,
                    false,
                );
                log.legacy(
                    &cobj,
                    "Started",
                    format!("Started container {}", c.name),
                    "kubelet",
                    host,
                    inst.start - 50_000,
                    false,
                );
            }
            if let Some(end) = inst.end {
                if end >= ttl
                    && end < collect
                    && inst.exit_code != 2
                    && (pod.gone.is_some() || inst.exit_code == 137)
                {
                    log.legacy(
                        &cobj,
                        "Killing",
                        format!("Stopping container {}", c.name),
                        "kubelet",
                        host,
                        end - SEC,
                        false,
                    );
                }
            }
        }
        if c.workload == Workload::Nginx {
            let mut t = ttl + (pod.uid.as_bytes()[0] as Micros) * SEC;
            while t < collect {
                log.legacy(
                    &cobj,
                    "Unhealthy",
                    "Readiness probe failed: HTTP probe failed with statuscode: 503".into(),
                    "kubelet",
                    host,
                    t,
                    true,
                );
                t += 97 * SEC;
            }
        }
    }
    if pod.owner_kind == "Job" && pod.phase == "Succeeded" {
        let job = Obj {
            kind: "Job",
            ns: Some(&pod.ns),
            name: &pod.owner_name,
            uid: &pod.uid[..8],
            field: None,
        };
        log.legacy(
            &job,
            "Completed",
            "Job completed".into(),
            "job-controller",
            None,
            pod.created + 48 * SEC,
            false,
        );
    }
}

fn node_events(log: &mut EventLog, node: &Node, scenario: Scenario, ttl: Micros, collect: Micros) {
    let name = node.name.as_str();
    let kubelet_obj = Obj {
        kind: "Node",
        ns: None,
        name,
        uid: name,
        field: None,
    };
    for run in &node.kubelet_runs {
        // Only runs that got past flag parsing record events.
        if run.start < ttl || run.start >= collect || run.end - run.start < 10 * SEC {
            continue;
        }
        let t = run.start + 400_000;
        log.legacy(
            &kubelet_obj,
            "Starting",
            "Starting kubelet.".into(),
            "kubelet",
            Some(name),
            t,
            false,
        );
        for cond in [
            "NodeHasSufficientMemory",
            "NodeHasNoDiskPressure",
            "NodeHasSufficientPID",
        ] {
            log.legacy(
                &kubelet_obj,
                cond,
                format!("Node {name} status is now: {cond}"),
                "kubelet",
                Some(name),
                t + 50_000,
                false,
            );
        }
        log.legacy(
            &kubelet_obj,
            "NodeAllocatableEnforced",
            "Updated Node Allocatable limit across pods".into(),
            "kubelet",
            Some(name),
            t + 90_000,
            false,
        );
    }
    if node.broken && !node.ready_at_collect {
        let u = node.upgrade_at.unwrap();
        let t = u + 64 * SEC;
        if t < collect {
            let obj = Obj {
                kind: "Node",
                ns: None,
                name,
                uid: &node.uid,
                field: None,
            };
            log.legacy(
                &obj,
                "NodeNotReady",
                format!("Node {name} status is now: NodeNotReady"),
                "node-controller",
                None,
                t,
                false,
            );
        }
    }
    let _ = scenario;
}

/// Pod-level node-controller events for the broken node (called with pods).
pub fn node_lost_pod_events(
    log_events: &mut Vec<KEvent>,
    rng: &mut Rng,
    nodes: &[Node],
    pods: &[Pod],
    collect: Micros,
) {
    let Some(b) = nodes.iter().position(|n| n.broken && !n.ready_at_collect) else {
        return;
    };
    let t = nodes[b].upgrade_at.unwrap() + 64 * SEC;
    if t >= collect {
        return;
    }
    let mut log = EventLog::new(rng.derive("node-lost"));
    for pod in pods.iter().filter(|p| p.node == Some(b) && p.not_ready) {
        let obj = Obj {
            kind: "Pod",
            ns: Some(&pod.ns),
            name: &pod.name,
            uid: &pod.uid,
            field: None,
        };
        log.legacy(
            &obj,
            "NodeNotReady",
            "Node is not ready".into(),
            "node-controller",
            None,
            t + 200_000,
            true,
        );
        if let Some(d) = pod.deletion {
            log.legacy(
                &obj,
                "TaintManagerEviction",
                format!("Marking for deletion Pod {}/{}", pod.ns, pod.name),
                "taint-controller",
                None,
                d,
                false,
            );
        }
    }
    log_events.extend(log.finish(collect));
    log_events.sort_by(|a, b| {
        a.ns.cmp(&b.ns)
            .then(a.obj_name.cmp(&b.obj_name))
            .then(a.first.cmp(&b.first))
    });
}
