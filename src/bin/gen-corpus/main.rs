//! `gen-corpus`: writes a deterministic, realistic multi-node Kubernetes
//! support bundle of a requested size, telling one upgrade incident.
//!
//! It writes every input format from the format notes in `shared/formats`,
//! independently of the kubeautopsy parsers, so that parsing its output is a
//! meaningful test. Output is a pure function of (seed, size, nodes,
//! scenario, start): no wall clock, no machine paths. See `corpora/README.md`.

mod clock;
mod cri;
mod doc;
mod events;
mod journal;
mod kubectl;
mod layout;
mod model;
mod noise;
mod out;
mod pods;
mod rng;
mod story;
mod tarball;
mod text;

use std::io;
use std::path::PathBuf;

use clap::Parser;

use crate::clock::{Micros, SEC};
use crate::model::*;
use crate::noise::{NodeNoise, PodRef, Workbench};
use crate::out::Tree;
use crate::rng::Rng;

/// Generate a synthetic Kubernetes support bundle (deterministic for a seed).
#[derive(Parser, Debug)]
#[command(name = "gen-corpus", version)]
struct Cli {
    /// Directory to write into; the bundle is a top directory (or archive) inside it.
    #[arg(long)]
    out: PathBuf,
    /// Approximate total size of the bundle's files, e.g. 1GiB, 200MiB, 500KB.
    #[arg(long, default_value = "100MiB")]
    size: String,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Number of nodes (cp-1 plus workers), at least 2.
    #[arg(long, default_value_t = 3)]
    nodes: usize,
    /// Pack the bundle as `<top>.tar` (mtimes = collection time).
    #[arg(long)]
    tar: bool,
    /// Pack the bundle as `<top>.tar.gz`.
    #[arg(long, conflicts_with = "tar")]
    tar_gz: bool,
    /// Start of the journal window (RFC 3339); collection is 4h15m later.
    #[arg(long, default_value = "2024-06-10T06:00:00Z")]
    start: String,
    /// removed-flag | runtime-change | image-pinning | webhook | k3s-upgrade | none
    #[arg(long, default_value = "removed-flag")]
    scenario: String,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Config {
    pub out: PathBuf,
    pub size: u64,
    pub seed: u64,
    pub nodes: usize,
    pub pack: Pack,
    pub start: Micros,
    pub scenario: Scenario,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pack {
    Dir,
    Tar,
    TarGz,
}

/// What was generated.
#[derive(Debug)]
pub struct Report {
    pub top: PathBuf,
    pub bytes: u64,
    pub files: usize,
    pub archive: Option<PathBuf>,
}

/// `1GiB`, `200MiB`, `500KiB`, `500KB`, `1G`, `123` (bytes).
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kib" => 1024.0,
        "m" | "mib" => 1024.0 * 1024.0,
        "g" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        _ => return None,
    };
    Some((n * mult) as u64)
}

fn main() {
    let cli = Cli::parse();
    let fail = |m: String| -> ! {
        eprintln!("gen-corpus: {m}");
        std::process::exit(2)
    };
    let size = parse_size(&cli.size).unwrap_or_else(|| {
        fail(format!(
            "cannot read size {:?} (try 200MiB, 1GiB)",
            cli.size
        ))
    });
    let start = clock::parse_rfc3339(&cli.start).unwrap_or_else(|| {
        fail(format!(
            "cannot read start {:?} (RFC 3339, e.g. 2024-06-10T06:00:00Z)",
            cli.start
        ))
    });
    let scenario = Scenario::parse(&cli.scenario)
        .unwrap_or_else(|| fail(format!("unknown scenario {:?}", cli.scenario)));
    if cli.nodes < 2 || cli.nodes > 64 {
        fail(format!(
            "--nodes must be between 2 and 64, not {}",
            cli.nodes
        ));
    }
    let pack = if cli.tar {
        Pack::Tar
    } else if cli.tar_gz {
        Pack::TarGz
    } else {
        Pack::Dir
    };
    let cfg = Config {
        out: cli.out,
        size,
        seed: cli.seed,
        nodes: cli.nodes,
        pack,
        start,
        scenario,
    };
    match generate(&cfg) {
        Ok(r) => {
            let at = r.archive.as_ref().unwrap_or(&r.top);
            eprintln!(
                "gen-corpus: wrote {} files, {} bytes ({} scenario, seed {}) to {}",
                r.files,
                r.bytes,
                scenario.name(),
                cfg.seed,
                at.display()
            );
        }
        Err(e) => fail(format!("writing under {}: {e}", cfg.out.display())),
    }
}

/// The top directory name: troubleshoot's `support-bundle-<local time>` (UTC here).
fn top_name(collect: Micros) -> String {
    let c = clock::civil(collect);
    format!(
        "support-bundle-{:04}-{:02}-{:02}T{:02}_{:02}_{:02}",
        c.year, c.month, c.day, c.hour, c.min, c.sec
    )
}

/// Build the cluster model for a configuration.
pub fn model(cfg: &Config) -> Cluster {
    let rng = Rng::new(cfg.seed).derive(cfg.scenario.name());
    let collect = cfg.start + story::WINDOW;
    let v = story::versions(cfg.scenario);
    let mut nodes = story::nodes(&rng, cfg.scenario, cfg.nodes, cfg.start, cfg.size);
    let mut plan = pods::PodPlan {
        rng: rng.derive("pods"),
        nodes: &mut nodes,
        scenario: cfg.scenario,
        start: cfg.start,
        collect,
        size: cfg.size,
        k8s_old: v.k8s_old,
        k8s_new: v.k8s_new,
        pods: Vec::new(),
    };
    plan.build();
    let pods = plan.pods;
    let mut evs = events::build(rng.derive("events"), &nodes, &pods, cfg.scenario, collect);
    events::node_lost_pod_events(
        &mut evs,
        &mut rng.derive("events-2"),
        &nodes,
        &pods,
        collect,
    );
    Cluster {
        scenario: cfg.scenario,
        start: cfg.start,
        collect,
        nodes,
        pods,
        events: evs,
        k8s_old: v.k8s_old,
        k8s_new: v.k8s_new,
        top: top_name(collect),
        log_max_size: (cfg.size / 64).clamp(20 * 1024, 10 * 1024 * 1024),
        seed: cfg.seed,
    }
}

/// Write the bundle.
pub fn generate(cfg: &Config) -> io::Result<Report> {
    let c = model(cfg);
    let rng = Rng::new(cfg.seed).derive("write");
    let top = cfg.out.join(&c.top);
    if top.exists() {
        std::fs::remove_dir_all(&top)?;
    }
    let mut tree = Tree::new(top.clone(), c.collect)?;
    write_cluster(&mut tree, &c)?;
    let incident = story::incident_window(cfg.size);
    let mut lrng = rng.derive("layout");
    let layouts: Vec<layout::NodeLayout> = c
        .nodes
        .iter()
        .map(|n| layout::NodeLayout::new(n, c.collect, &mut lrng))
        .collect();
    for (n, l) in c.nodes.iter().zip(&layouts) {
        for (p, b) in layout::node_files(n, l, &c, c.log_max_size, c.start) {
            tree.write(&p, &b)?;
        }
    }
    // Byte budget: what is left after the fixed parts, by node weight.
    let remaining = cfg.size.saturating_sub(tree.total()) as f64;
    let weights: Vec<f64> = c
        .nodes
        .iter()
        .map(|n| if n.control_plane { 1.3 } else { 1.0 })
        .collect();
    let wsum: f64 = weights.iter().sum();
    let mut mark = tree.total() as f64;
    for (i, node) in c.nodes.iter().enumerate() {
        let node_budget = remaining * weights[i] / wsum;
        let nrng = rng.derive(&node.name);
        mark = write_containers(
            &mut tree,
            &c,
            node,
            &layouts[i],
            node_budget * 0.45,
            mark,
            &nrng,
        )?;
        mark += node_budget * 0.55;
        let budget = (mark - tree.total() as f64).max(0.0) as u64;
        let refs = pod_refs(&c, i);
        let mut noise = NodeNoise::new(nrng.derive("noise"), node, refs);
        let specs = layout::journal_sinks(node, &layouts[i], c.collect, incident);
        journal::write_node(&mut tree, node, &mut noise, &specs, budget, &nrng)?;
    }
    tree.stamp_all()?;
    let bytes = tree.total();
    let files = tree.files().len();
    let archive = match cfg.pack {
        Pack::Dir => None,
        p => Some(tarball::pack(
            &cfg.out,
            &c.top,
            tree.files(),
            c.collect / SEC,
            p == Pack::TarGz,
        )?),
    };
    Ok(Report {
        top,
        bytes,
        files,
        archive,
    })
}

fn pod_refs(c: &Cluster, node: usize) -> Vec<PodRef> {
    let v: Vec<PodRef> = c
        .pods
        .iter()
        .filter(|p| p.node == Some(node) && p.owner_kind != "Docker")
        .map(|p| PodRef {
            ns: p.ns.clone(),
            name: p.name.clone(),
            uid: p.uid.clone(),
            ip: p.ip.clone(),
            container: p.containers[0].name.clone(),
            image: p.containers[0].image.clone(),
        })
        .collect();
    if v.is_empty() {
        vec![PodRef {
            ns: "kube-system".into(),
            name: "kube-proxy-abcde".into(),
            uid: "00000000-0000-4000-8000-000000000000".into(),
            ip: "10.0.0.1".into(),
            container: "kube-proxy".into(),
            image: "registry.k8s.io/kube-proxy".into(),
        }]
    } else {
        v
    }
}

/// The cluster part: kubectl captures, troubleshoot cluster resources.
fn write_cluster(tree: &mut Tree, c: &Cluster) -> io::Result<()> {
    for (p, b) in layout::cluster_files(c) {
        tree.write(&p, &b)?;
    }
    let now = c.collect;
    let mut namespaces: Vec<String> = c
        .pods
        .iter()
        .filter(|p| p.owner_kind != "Docker")
        .map(|p| p.ns.clone())
        .collect();
    namespaces.extend(["default".to_string(), "kube-public".to_string()]);
    namespaces.sort();
    namespaces.dedup();
    for ns in &namespaces {
        let evs: Vec<KEvent> = c.events.iter().filter(|e| &e.ns == ns).cloned().collect();
        tree.write(
            &format!("cluster-resources/events/{ns}.json"),
            &kubectl::events_typed(&evs, 4_590_000),
        )?;
    }
    let k = "kubectl/";
    tree.write(
        &format!("{k}get-events-A-o-json.json"),
        &kubectl::events_json(&c.events),
    )?;
    tree.write(
        &format!("{k}get-events-A-o-yaml.yaml"),
        &kubectl::events_yaml(&c.events),
    )?;
    tree.write(
        &format!("{k}get-events-n-shop.txt"),
        &kubectl::events_table(
            &c.events,
            now - 40 * SEC,
            kubectl::EventTable::Default,
            Some("shop"),
        ),
    )?;
    tree.write(
        &format!("{k}get-events-A.txt"),
        &kubectl::events_table(
            &c.events,
            now - 38 * SEC,
            kubectl::EventTable::AllNamespaces,
            None,
        ),
    )?;
    tree.write(
        &format!("{k}get-events-A-o-wide.txt"),
        &kubectl::events_table(&c.events, now - 36 * SEC, kubectl::EventTable::Wide, None),
    )?;
    tree.write(
        &format!("{k}events-A.txt"),
        &kubectl::kubectl_events(&c.events, now - 34 * SEC),
    )?;
    tree.write(
        &format!("{k}get-pods-A-o-wide.txt"),
        &kubectl::pods_table(c, now - 30 * SEC, true),
    )?;
    tree.write(
        &format!("{k}get-nodes-o-wide.txt"),
        &kubectl::nodes_table(c, now - 29 * SEC, true),
    )?;
    // describe the pods a diagnosis looks at: on the broken node, pending, crashing.
    let mut described = 0;
    for p in c
        .pods
        .iter()
        .filter(|p| p.owner_kind != "Docker" && p.gone.is_none())
    {
        let (_, status, restarts) = kubectl::pod_status(p);
        let interesting =
            p.not_ready || status != "Running" || restarts.parse::<u32>().unwrap_or(0) > 1;
        if interesting && status != "Completed" && described < 4 {
            described += 1;
            tree.write(
                &format!("{k}describe-pod-{}-{}.txt", p.ns, p.name),
                &kubectl::describe_pod(c, p, now - 25 * SEC),
            )?;
        }
    }
    // The control-plane sosreport's kubernetes plugin tables are written with its node files.
    Ok(())
}

/// Container logs of one node; returns the updated cumulative byte mark.
fn write_containers(
    tree: &mut Tree,
    c: &Cluster,
    node: &Node,
    l: &layout::NodeLayout,
    budget: f64,
    mut mark: f64,
    rng: &Rng,
) -> io::Result<f64> {
    let (from_w, until_w) = (c.start, c.collect - 2 * SEC);
    let mut jobs: Vec<(&Pod, &Container, &Instance, Micros, Micros)> = Vec::new();
    for p in c.pods.iter().filter(|p| p.node == Some(node.idx)) {
        for ct in &p.containers {
            for inst in &ct.instances {
                let from = inst.start.max(from_w);
                let until = inst.end.unwrap_or(until_w).min(until_w);
                if until > from + SEC {
                    jobs.push((p, ct, inst, from, until));
                }
            }
        }
    }
    let share =
        |ct: &Container, from: Micros, until: Micros| ct.weight as f64 * (until - from) as f64;
    let total: f64 = jobs
        .iter()
        .map(|j| share(j.1, j.3, j.4))
        .sum::<f64>()
        .max(1.0);
    if node.idx == 0 && c.nodes[0].style == Style::Sos {
        // sos kubernetes plugin on the control plane: default tables.
        let s = l.sos.as_ref().unwrap();
        let base = format!("{s}sos_commands/kubernetes/cluster-info/kubectl_--kubeconfig_.etc.kubernetes.admin.conf_get_");
        tree.write(
            &format!("{base}--all-namespaces_true_events"),
            &kubectl::events_table(
                &c.events,
                c.collect - 160 * SEC,
                kubectl::EventTable::AllNamespaces,
                None,
            ),
        )?;
        tree.write(
            &format!("{base}--all-namespaces_true_pods"),
            &kubectl::pods_table(c, c.collect - 158 * SEC, false),
        )?;
        tree.write(
            &format!("{base}nodes"),
            &kubectl::nodes_table(c, c.collect - 157 * SEC, false),
        )?;
    }
    for (k, (p, ct, inst, from, until)) in jobs.iter().enumerate() {
        mark += budget * share(ct, *from, *until) / total;
        let b = (mark - tree.total() as f64).max(0.0) as u64;
        let mut r = rng.derive(&format!("{}/{}/{}/{k}", p.name, ct.name, inst.restart));
        let kind = if ct.workload == Workload::Registry {
            cri::LogKind::Docker
        } else if node.runtime == Runtime::Crio {
            cri::LogKind::Crio
        } else {
            cri::LogKind::Containerd
        };
        let path = if kind == cri::LogKind::Docker {
            format!(
                "{}copy/var/lib/docker/containers/{}/{}-json.log",
                l.host, inst.id, inst.id
            )
        } else {
            format!(
                "{}var/log/pods/{}_{}_{}/{}/{}.log",
                l.var_root(),
                p.ns,
                p.name,
                p.uid,
                ct.name,
                inst.restart
            )
        };
        let last = ct.instances.last().map(|i| i.restart) == Some(inst.restart);
        let api = format!(
            "cluster-resources/pods/logs/{}/{}/{}",
            p.ns, p.name, ct.name
        );
        let bare = match ct.workload {
            Workload::MetricsServer if inst.start > c.collect - 40 * 60 * SEC => Some(if last {
                format!("{api}.log")
            } else {
                format!("{api}-previous.log")
            }),
            Workload::KubeProxy if last && p.gone.is_none() && !p.not_ready => {
                Some(format!("{api}.log"))
            }
            _ => None,
        };
        if p.not_ready && last && p.owner_kind != "Docker" {
            let msg = format!("Get \"https://{}:10250/containerLogs/{}/{}/{}?tailLines=500\": dial tcp {}:10250: connect: connection refused", node.ip, p.ns, p.name, ct.name, node.ip);
            tree.write(&format!("{api}-logs-errors.log"), msg.as_bytes())?;
        }
        let version = ct.image.rsplit(':').next().unwrap_or("").to_string();
        let pref = PodRef {
            ns: p.ns.clone(),
            name: p.name.clone(),
            uid: p.uid.clone(),
            ip: p.ip.clone(),
            container: ct.name.clone(),
            image: ct.image.clone(),
        };
        let mut bench = Workbench::new(
            r.derive("bench"),
            ct.workload,
            pref,
            node.name.clone(),
            version,
        );
        let target = cri::Target {
            path,
            kind,
            zone: node.zone,
            bare,
            rotate_at: c.log_max_size,
        };
        cri::write_instance(tree, &target, inst, &mut bench, *from, *until, b, &mut r)?;
    }
    Ok(mark)
}

/// Every file under `root` with its bytes, sorted by path (tests).
#[cfg(test)]
fn files_under(root: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                v.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    v.sort();
    v
}

#[cfg(test)]
mod tests;
