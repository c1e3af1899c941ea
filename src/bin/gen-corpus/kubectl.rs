//! What kubectl prints about the cluster at collection time: event lists
//! (`-o json` List, `-o yaml`, troubleshoot's typed EventList), event tables
//! (default, `-A`, `-o wide`, `kubectl events`), `describe pod`, and the
//! `get pods -o wide -A` / `get nodes -o wide` tables. Ages are relative to
//! the moment each command ran, so they are only meaningful with the
//! collection time the bundle carries.

use crate::clock::{self, Frac, Micros, SEC};
use crate::doc::{self, Val};
use crate::model::*;

/// kubectl's `HumanDuration` (apimachinery `duration.go`).
pub fn age(d: Micros) -> String {
    if d < -SEC {
        return "<invalid>".into();
    }
    let s = (d / SEC).max(0);
    let (m, h, dd) = (s / 60, s / 3600, s / 86_400);
    if s < 120 {
        format!("{s}s")
    } else if m < 10 {
        if s % 60 == 0 {
            format!("{m}m")
        } else {
            format!("{m}m{}s", s % 60)
        }
    } else if h < 3 {
        format!("{m}m")
    } else if h < 8 {
        if m % 60 == 0 {
            format!("{h}h")
        } else {
            format!("{h}h{}m", m % 60)
        }
    } else if h < 48 {
        format!("{h}h")
    } else if dd < 8 {
        if h % 24 == 0 {
            format!("{dd}d")
        } else {
            format!("{dd}d{}h", h % 24)
        }
    } else if dd < 365 * 2 {
        format!("{dd}d")
    } else {
        format!("{}y", dd / 365)
    }
}

fn event_name(e: &KEvent) -> String {
    format!(
        "{}.{:x}",
        e.obj_name,
        e.first as u64 * 1000 + (e.uid.as_bytes()[0] as u64)
    )
}

fn secs(t: Micros) -> Val {
    Val::s(clock::utc_string(t, Frac::None))
}

/// One Event in Go struct order (typed clients); `.sorted()` gives kubectl's.
pub fn event_val(e: &KEvent, typed: bool) -> Val {
    let mut inv = vec![("kind", Val::s(e.kind))];
    if let Some(ns) = &e.obj_ns {
        inv.push(("namespace", Val::s(ns.clone())));
    }
    inv.push(("name", Val::s(e.obj_name.clone())));
    inv.push(("uid", Val::s(e.obj_uid.clone())));
    inv.push((
        "apiVersion",
        Val::s(
            if e.kind == "ReplicaSet" || e.kind == "DaemonSet" || e.kind == "StatefulSet" {
                "apps/v1"
            } else if e.kind == "Job" || e.kind == "CronJob" {
                "batch/v1"
            } else {
                "v1"
            },
        ),
    ));
    if e.kind == "Pod" {
        inv.push(("resourceVersion", Val::s(format!("{}", e.rv - 17))));
    }
    if let Some(f) = &e.field_path {
        inv.push(("fieldPath", Val::s(f.clone())));
    }
    let mut meta = vec![
        ("name", Val::s(event_name(e))),
        ("namespace", Val::s(e.ns.clone())),
        ("uid", Val::s(e.uid.clone())),
        ("resourceVersion", Val::s(e.rv.to_string())),
        ("creationTimestamp", secs(e.first)),
    ];
    if typed {
        meta.truncate(5);
    }
    let mut v = Vec::new();
    if typed {
        v.push(("kind", Val::s("Event")));
        v.push(("apiVersion", Val::s("v1")));
    }
    v.push(("metadata", Val::Obj(meta)));
    v.push(("involvedObject", Val::Obj(inv)));
    v.push(("reason", Val::s(e.reason)));
    v.push(("message", Val::s(e.message.clone())));
    match &e.new_api {
        None => {
            let mut src = vec![("component", Val::s(e.source_component))];
            if let Some(h) = &e.source_host {
                src.push(("host", Val::s(h.clone())));
            }
            v.push(("source", Val::Obj(src)));
            v.push(("firstTimestamp", secs(e.first)));
            v.push(("lastTimestamp", secs(e.last)));
            v.push(("count", Val::Num(e.count as i64)));
            v.push(("type", Val::s(if e.warning { "Warning" } else { "Normal" })));
            v.push(("eventTime", Val::Null));
            v.push(("reportingComponent", Val::s("")));
            v.push(("reportingInstance", Val::s("")));
        }
        Some(n) => {
            v.push(("source", Val::Obj(vec![])));
            v.push(("firstTimestamp", Val::Null));
            v.push(("lastTimestamp", Val::Null));
            v.push(("type", Val::s(if e.warning { "Warning" } else { "Normal" })));
            v.push(("eventTime", Val::s(clock::utc_string(e.first, Frac::Micro))));
            if let Some((c, last)) = n.series {
                v.push((
                    "series",
                    Val::Obj(vec![
                        ("count", Val::Num(c as i64)),
                        (
                            "lastObservedTime",
                            Val::s(clock::utc_string(last, Frac::Micro)),
                        ),
                    ]),
                ));
            }
            v.push(("action", Val::s(n.action)));
            v.push(("reportingComponent", Val::s(n.controller)));
            v.push(("reportingInstance", Val::s(n.instance.clone())));
        }
    }
    Val::Obj(v)
}

/// `kubectl get events -A -o json` (kind List, sorted keys, 4 spaces).
pub fn events_json(events: &[KEvent]) -> Vec<u8> {
    let list = Val::Obj(vec![
        ("apiVersion", Val::s("v1")),
        (
            "items",
            Val::Arr(
                events
                    .iter()
                    .map(|e| {
                        let mut v = event_val(e, false);
                        if let Val::Obj(o) = &mut v {
                            o.push(("apiVersion", Val::s("v1")));
                            o.push(("kind", Val::s("Event")));
                        }
                        v.sorted()
                    })
                    .collect(),
            ),
        ),
        ("kind", Val::s("List")),
        ("metadata", Val::Obj(vec![("resourceVersion", Val::s(""))])),
    ]);
    let mut b = Vec::new();
    doc::json(&mut b, &list, 4, 0);
    b.push(b'\n');
    b
}

/// `kubectl get events -A -o yaml`.
pub fn events_yaml(events: &[KEvent]) -> Vec<u8> {
    let list = Val::Obj(vec![
        ("apiVersion", Val::s("v1")),
        (
            "items",
            Val::Arr(
                events
                    .iter()
                    .map(|e| {
                        let mut v = event_val(e, false);
                        if let Val::Obj(o) = &mut v {
                            o.push(("apiVersion", Val::s("v1")));
                            o.push(("kind", Val::s("Event")));
                        }
                        v.sorted()
                    })
                    .collect(),
            ),
        ),
        ("kind", Val::s("List")),
        ("metadata", Val::Obj(vec![("resourceVersion", Val::s(""))])),
    ]);
    let mut b = Vec::new();
    doc::yaml(&mut b, &list, 0);
    b
}

/// troubleshoot.sh `cluster-resources/events/<ns>.json` (typed EventList, 2 spaces).
pub fn events_typed(events: &[KEvent], rv: u64) -> Vec<u8> {
    let list = Val::Obj(vec![
        ("kind", Val::s("EventList")),
        ("apiVersion", Val::s("v1")),
        (
            "metadata",
            Val::Obj(vec![("resourceVersion", Val::s(rv.to_string()))]),
        ),
        (
            "items",
            Val::Arr(events.iter().map(|e| event_val(e, true)).collect()),
        ),
    ]);
    let mut b = Vec::new();
    doc::json(&mut b, &list, 2, 0);
    b
}

fn last_seen(e: &KEvent) -> Micros {
    match &e.new_api {
        Some(n) => n.series.map(|s| s.1).unwrap_or(e.first),
        None => e.last,
    }
}

fn count(e: &KEvent) -> u32 {
    match &e.new_api {
        Some(n) => n.series.map(|s| s.0).unwrap_or(1),
        None => e.count,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum EventTable {
    Default,
    AllNamespaces,
    Wide,
}

/// `kubectl get events [-A] [-o wide]` at `now` (server list order).
pub fn events_table(
    events: &[KEvent],
    now: Micros,
    shape: EventTable,
    ns: Option<&str>,
) -> Vec<u8> {
    let mut rows = Vec::new();
    let mut head: Vec<&str> = vec!["LAST SEEN", "TYPE", "REASON", "OBJECT"];
    if shape == EventTable::Wide {
        head.extend([
            "SUBOBJECT",
            "SOURCE",
            "MESSAGE",
            "FIRST SEEN",
            "COUNT",
            "NAME",
        ]);
    } else {
        head.push("MESSAGE");
    }
    if shape != EventTable::Default {
        head.insert(0, "NAMESPACE");
    }
    rows.push(head.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    for e in events.iter().filter(|e| ns.is_none_or(|n| e.ns == n)) {
        let mut r = vec![
            age(now - last_seen(e)),
            if e.warning {
                "Warning".into()
            } else {
                "Normal".into()
            },
            e.reason.to_string(),
            format!("{}/{}", e.kind.to_lowercase(), e.obj_name),
        ];
        let msg = match e.message.split_once('\n') {
            Some((a, _)) => format!("{a}..."),
            None => e.message.clone(),
        };
        if shape == EventTable::Wide {
            let source = match &e.new_api {
                Some(n) => format!("{}, {}", n.controller, n.instance),
                None => match &e.source_host {
                    Some(h) => format!("{}, {h}", e.source_component),
                    None => e.source_component.to_string(),
                },
            };
            r.extend([
                e.field_path.clone().unwrap_or_default(),
                source,
                msg,
                age(now - e.first),
                count(e).to_string(),
                event_name(e),
            ]);
        } else {
            r.push(msg);
        }
        if shape != EventTable::Default {
            r.insert(0, e.ns.clone());
        }
        rows.push(r);
    }
    doc::table(&rows, 3, "")
}

fn age_over(e: &KEvent, now: Micros) -> String {
    let c = count(e);
    if c > 1 {
        format!(
            "{} (x{c} over {})",
            age(now - last_seen(e)),
            age(now - e.first)
        )
    } else {
        age(now - last_seen(e))
    }
}

/// `kubectl events -A` (client-side printer, sorted by time, Kind case kept).
pub fn kubectl_events(events: &[KEvent], now: Micros) -> Vec<u8> {
    let mut sorted: Vec<&KEvent> = events.iter().collect();
    sorted.sort_by_key(|e| last_seen(e));
    let mut rows = vec!["NAMESPACE LAST-SEEN TYPE REASON OBJECT MESSAGE"
        .split(' ')
        .map(|s| s.replace('-', " "))
        .collect::<Vec<_>>()];
    for e in sorted {
        rows.push(vec![
            e.ns.clone(),
            age_over(e, now),
            if e.warning {
                "Warning".into()
            } else {
                "Normal".into()
            },
            e.reason.into(),
            format!("{}/{}", e.kind, e.obj_name),
            e.message.clone(),
        ]);
    }
    doc::table(&rows, 3, "")
}

fn rfc1123z(t: Micros) -> String {
    let c = clock::civil(t);
    const D: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const M: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} +0000",
        D[c.weekday as usize],
        c.day,
        M[c.month as usize - 1],
        c.year,
        c.hour,
        c.min,
        c.sec
    )
}

/// Derived STATUS/READY/RESTARTS of `get pods` at `now`.
pub fn pod_status(p: &Pod) -> (String, String, String) {
    let total = p.containers.len();
    let running = p
        .containers
        .iter()
        .filter(|c| c.instances.last().is_some_and(|i| i.end.is_none()))
        .count();
    let ready = if p.not_ready { 0 } else { running };
    let status = if p.deletion.is_some() {
        "Terminating".to_string()
    } else if p.phase == "Succeeded" {
        "Completed".into()
    } else if p.phase == "Unknown" {
        "Unknown".into()
    } else if let Some(w) = p.containers.iter().rev().find_map(|c| c.waiting) {
        w.into()
    } else if p.phase == "Pending" || running == 0 {
        "Pending".into()
    } else {
        "Running".into()
    };
    let restarts: u32 = p
        .containers
        .iter()
        .filter_map(|c| c.instances.last())
        .map(|i| i.restart)
        .sum();
    (format!("{ready}/{total}"), status, restarts.to_string())
}

/// `kubectl get pods -o wide -A` (or the default columns when `!wide`).
pub fn pods_table(c: &Cluster, now: Micros, wide: bool) -> Vec<u8> {
    let mut rows = vec![];
    let mut head = vec!["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"];
    if wide {
        head.extend(["IP", "NODE", "NOMINATED NODE", "READINESS GATES"]);
    }
    rows.push(head.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    let mut pods: Vec<&Pod> = c
        .pods
        .iter()
        .filter(|p| p.owner_kind != "Docker" && p.gone.is_none_or(|g| g > now) && p.created <= now)
        .collect();
    pods.sort_by(|a, b| a.ns.cmp(&b.ns).then(a.name.cmp(&b.name)));
    for p in pods {
        let (ready, status, restarts) = pod_status(p);
        let last_restart = p
            .containers
            .iter()
            .filter_map(|c| c.instances.last())
            .filter(|i| i.restart > 0)
            .map(|i| i.start)
            .max();
        let restarts = match last_restart {
            Some(t) if restarts != "0" => format!("{restarts} ({} ago)", age(now - t)),
            _ => restarts,
        };
        let mut r = vec![
            p.ns.clone(),
            p.name.clone(),
            ready,
            status,
            restarts,
            age(now - p.created),
        ];
        if wide {
            r.extend([
                p.ip.clone(),
                p.node
                    .map(|n| c.nodes[n].name.clone())
                    .unwrap_or("<none>".into()),
                "<none>".into(),
                "<none>".into(),
            ]);
        }
        rows.push(r);
    }
    doc::table(&rows, 3, "")
}

/// `kubectl get nodes [-o wide]`.
pub fn nodes_table(c: &Cluster, now: Micros, wide: bool) -> Vec<u8> {
    let mut head = vec!["NAME", "STATUS", "ROLES", "AGE", "VERSION"];
    if wide {
        head.extend([
            "INTERNAL-IP",
            "EXTERNAL-IP",
            "OS-IMAGE",
            "KERNEL-VERSION",
            "CONTAINER-RUNTIME",
        ]);
    }
    let mut rows = vec![head.iter().map(|s| s.to_string()).collect::<Vec<_>>()];
    for n in &c.nodes {
        let rt_version = if Node::run_at(&n.runtime_runs, now)
            .is_some_and(|r| r.version == n.runtime_versions.1)
        {
            n.runtime_versions.1
        } else {
            n.runtime_versions.0
        };
        let mut r = vec![
            n.name.clone(),
            if n.ready_at_collect {
                "Ready".into()
            } else {
                "NotReady".into()
            },
            if n.control_plane {
                "control-plane".into()
            } else {
                "<none>".into()
            },
            age(now - c.start + 41 * 86_400 * SEC),
            n.reported_version.to_string(),
        ];
        if wide {
            r.extend([
                n.ip.clone(),
                "<none>".into(),
                n.os.pretty.into(),
                n.os.kernel.into(),
                format!("{}://{rt_version}", n.runtime.scheme()),
            ]);
        }
        rows.push(r);
    }
    doc::table(&rows, 3, "")
}

/// `kubectl describe pod` (the parts a diagnosis reads, ending in Events:).
pub fn describe_pod(c: &Cluster, p: &Pod, now: Micros) -> Vec<u8> {
    let mut s = String::new();
    let node = p
        .node
        .map(|n| format!("{}/{}", c.nodes[n].name, c.nodes[n].ip))
        .unwrap_or("<none>".into());
    let (_, status, _) = pod_status(p);
    let status = match p.deletion {
        Some(d) => format!("Terminating (lasts {})", age(now - d)),
        None => {
            if status == "Running" || status == "Pending" || status == "Unknown" {
                status
            } else {
                "Running".into()
            }
        }
    };
    let app = p.name.split('-').next().unwrap_or("app");
    s += &format!("Name:             {}\nNamespace:        {}\nPriority:         0\nService Account:  default\nNode:             {node}\nStart Time:       {}\nLabels:           app={app}\nAnnotations:      <none>\nStatus:           {status}\n", p.name, p.ns, rfc1123z(p.created));
    if let Some(d) = p.deletion {
        s += "Termination Grace Period:  30s\n";
        let _ = d;
    }
    s += &format!(
        "IP:               {}\nIPs:\n  IP:           {}\nControlled By:  {}/{}\nContainers:\n",
        p.ip, p.ip, p.owner_kind, p.owner_name
    );
    for ct in &p.containers {
        s += &format!("  {}:\n", ct.name);
        let scheme = p
            .node
            .map(|n| c.nodes[n].runtime.scheme())
            .unwrap_or("containerd");
        match ct.instances.last() {
            Some(i) => {
                s += &format!("    Container ID:   {scheme}://{}\n    Image:          {}\n    Image ID:       {}@sha256:{}\n", i.id, ct.image, ct.image.split(':').next().unwrap_or(""), &i.id[..64]);
                match i.end {
                    None => s += &format!("    State:          Running\n      Started:      {}\n", rfc1123z(i.start)),
                    Some(e) => s += &format!("    State:          Terminated\n      Reason:       {}\n      Exit Code:    {}\n      Started:      {}\n      Finished:     {}\n", if i.exit_code == 0 { "Completed" } else { "Error" }, i.exit_code, rfc1123z(i.start), rfc1123z(e)),
                }
                if ct.instances.len() > 1 {
                    let prev = &ct.instances[ct.instances.len() - 2];
                    s += &format!("    Last State:     Terminated\n      Reason:       {}\n      Exit Code:    {}\n      Started:      {}\n      Finished:     {}\n", if prev.exit_code == 2 { "Error" } else { "Unknown" }, prev.exit_code, rfc1123z(prev.start), rfc1123z(prev.end.unwrap_or(prev.start)));
                }
                s += &format!(
                    "    Ready:          {}\n    Restart Count:  {}\n",
                    if p.not_ready || i.end.is_some() {
                        "False"
                    } else {
                        "True"
                    },
                    i.restart
                );
            }
            None => {
                s += &format!("    Container ID:   \n    Image:          {}\n    Image ID:       \n    State:          Waiting\n      Reason:       {}\n    Ready:          False\n    Restart Count:  0\n", ct.image, ct.waiting.unwrap_or("ContainerCreating"));
            }
        }
        s += "    Environment:    <none>\n    Mounts:\n      /var/run/secrets/kubernetes.io/serviceaccount from kube-api-access-x7k2p (ro)\n";
    }
    let scheduled = if p.node.is_some() { "True" } else { "False" };
    let ready = if p.not_ready || p.node.is_none() {
        "False"
    } else {
        "True"
    };
    s += &format!("Conditions:\n  Type              Status\n  Initialized       True \n  Ready             {ready} \n  ContainersReady   {ready} \n  PodScheduled      {scheduled} \n");
    s += "Volumes:\n  kube-api-access-x7k2p:\n    Type:                    Projected (a volume that contains injected data from multiple sources)\n    TokenExpirationSeconds:  3607\n    ConfigMapName:           kube-root-ca.crt\n    ConfigMapOptional:       <nil>\n    DownwardAPI:             true\nQoS Class:                   BestEffort\nNode-Selectors:              <none>\nTolerations:                 node.kubernetes.io/not-ready:NoExecute op=Exists for 60s\n                             node.kubernetes.io/unreachable:NoExecute op=Exists for 60s\n";
    let evs: Vec<&KEvent> = c
        .events
        .iter()
        .filter(|e| e.kind == "Pod" && e.obj_uid == p.uid)
        .collect();
    let mut b = s.into_bytes();
    if evs.is_empty() {
        b.extend_from_slice(b"Events:                      <none>\n");
        return b;
    }
    b.extend_from_slice(b"Events:\n");
    let mut rows = vec![
        vec![
            "Type".to_string(),
            "Reason".into(),
            "Age".into(),
            "From".into(),
            "Message".into(),
        ],
        vec![
            "----".to_string(),
            "------".into(),
            "----".into(),
            "----".into(),
            "-------".into(),
        ],
    ];
    let mut evs = evs;
    evs.sort_by_key(|e| e.first);
    for e in evs {
        let from = match &e.new_api {
            Some(n) => n.controller.to_string(),
            None => e.source_component.to_string(),
        };
        rows.push(vec![
            if e.warning {
                "Warning".into()
            } else {
                "Normal".into()
            },
            e.reason.into(),
            age_over(e, now),
            from,
            e.message.clone(),
        ]);
    }
    b.extend_from_slice(&doc::table(&rows, 2, "  "));
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_durations() {
        assert_eq!(age(45 * SEC), "45s");
        assert_eq!(age(182 * SEC), "3m2s");
        assert_eq!(age(240 * SEC), "4m");
        assert_eq!(age(95 * 60 * SEC), "95m");
        assert_eq!(age(5 * 3600 * SEC + 12 * 60 * SEC), "5h12m");
        assert_eq!(age(41 * 86_400 * SEC), "41d");
    }
}
