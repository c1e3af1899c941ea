//! Where each node's and the cluster's files sit in the bundle.
//!
//! The bundle is a troubleshoot.sh support bundle (top directory named after
//! the collection time) whose remote host collectors ran on every node, with
//! sosreports of some nodes dropped beside it, as a support case usually
//! arrives. Per node the journal is captured several ways, each a different
//! journalctl mode and filter (see `journal_sinks`).

use std::io::Write;

use crate::clock::{self, Micros, Zone, MIN, SEC};
use crate::journal::{Mode, SinkSpec};
use crate::model::*;
use crate::rng::Rng;

/// Paths of one node.
pub struct NodeLayout {
    /// `host-collectors/<node>/`
    pub host: String,
    /// `sosreport-<node>-<date>-<rand>/` for sos nodes.
    pub sos: Option<String>,
}

impl NodeLayout {
    pub fn new(node: &Node, collect: Micros, rng: &mut Rng) -> NodeLayout {
        let c = clock::civil(collect);
        let sos = (node.style == Style::Sos).then(|| {
            let letters: String = (0..7)
                .map(|_| (b'a' + rng.below(26) as u8) as char)
                .collect();
            format!(
                "sosreport-{}-{:04}-{:02}-{:02}-{letters}/",
                node.name, c.year, c.month, c.day
            )
        });
        NodeLayout {
            host: format!("host-collectors/{}/", node.name),
            sos,
        }
    }

    /// Root of the node-side copy of `/var/log/pods` and `/var/lib/docker`.
    pub fn var_root(&self) -> String {
        match &self.sos {
            Some(s) => s.clone(),
            None => format!("{}copy/", self.host),
        }
    }
}

fn kubelet_unit(node: &Node) -> &'static str {
    if node.runtime == Runtime::K3s {
        "k3s.service"
    } else {
        "kubelet.service"
    }
}

/// The journalctl captures of a node.
pub fn journal_sinks(
    node: &Node,
    l: &NodeLayout,
    collect: Micros,
    incident: Micros,
) -> Vec<SinkSpec> {
    let ku = kubelet_unit(node);
    let rt = node.runtime.unit();
    let z = node.zone;
    let spec = |path: String,
                mode: Mode,
                units: Option<Vec<&'static str>>,
                since: Option<Micros>,
                catalog: bool,
                utf8: bool| SinkSpec {
        path,
        mode,
        units,
        since,
        catalog,
        utf8,
        zone: z,
    };
    let h = &l.host;
    let mut v = vec![
        spec(
            format!("{h}run-host/journalctl-kubelet.txt"),
            Mode::Short,
            Some(vec![ku]),
            None,
            true,
            true,
        ),
        spec(
            format!("{h}journald/runtime.txt"),
            Mode::Iso,
            Some(vec![rt]),
            None,
            false,
            false,
        ),
        spec(
            format!("{h}journald/node-export.txt"),
            Mode::Export,
            None,
            Some(collect - incident - MIN),
            false,
            false,
        ),
        spec(
            format!("{h}journald/node-json.txt"),
            Mode::Json,
            None,
            Some(collect - 100 * SEC),
            false,
            false,
        ),
    ];
    match &l.sos {
        Some(s) => {
            v.push(spec(
                format!("{s}sos_commands/logs/journalctl_--no-pager"),
                Mode::Short,
                None,
                None,
                false,
                false,
            ));
            v.push(spec(
                format!("{s}sos_commands/kubernetes/journalctl_--no-pager_--unit_kubelet"),
                Mode::Short,
                Some(vec![ku]),
                None,
                false,
                false,
            ));
            let (plugin, unit) = if node.runtime == Runtime::Crio {
                ("crio", "crio")
            } else {
                ("containerd", "containerd")
            };
            v.push(spec(
                format!("{s}sos_commands/{plugin}/journalctl_--no-pager_--unit_{unit}"),
                Mode::Short,
                Some(vec![rt]),
                None,
                false,
                false,
            ));
            if node.os.systemd <= 245 {
                // sos < 4.4 ran `--catalog --boot` under LC_ALL=C: `-- ` catalog prefix.
                v.push(spec(
                    format!("{s}sos_commands/logs/journalctl_--no-pager_--catalog_--boot"),
                    Mode::Short,
                    None,
                    Some(node.boots[1].kernel_start),
                    true,
                    false,
                ));
            }
        }
        None => {
            v.push(spec(
                format!("{h}journald/kubelet.txt"),
                Mode::Precise,
                Some(vec![ku]),
                None,
                false,
                false,
            ));
            v.push(spec(
                format!("{h}run-host/kubelet-log.txt"),
                Mode::Cat,
                Some(vec![ku]),
                None,
                false,
                false,
            ));
        }
    }
    v
}

/// Small per-node files: identity, zone, package history, kubelet config.
pub fn node_files(
    node: &Node,
    l: &NodeLayout,
    c: &Cluster,
    log_max: u64,
    start: Micros,
) -> Vec<(String, Vec<u8>)> {
    let mut f: Vec<(String, Vec<u8>)> = Vec::new();
    let h = &l.host;
    let collect = c.collect;
    let info = |cmd: &str| {
        format!("{{\n  \"command\": \"{}\",\n  \"exitCode\": \"0\",\n  \"error\": \"\",\n  \"outputDir\": \"\",\n  \"input\": \"\",\n  \"env\": []\n}}\n", cmd.replace('"', "\\\""))
    };
    let since = {
        let mut b = Vec::new();
        clock::date_time(&mut b, start, node.zone);
        String::from_utf8(b).unwrap()
    };
    let ku = kubelet_unit(node).trim_end_matches(".service");
    f.push((
        format!("{h}run-host/journalctl-kubelet-info.json"),
        info(&format!("journalctl -xu {ku} --no-pager -S \"{since}\"")).into_bytes(),
    ));
    f.push((
        format!("{h}journald/runtime-info.json"),
        info(&format!(
            "journalctl -u {} --no-pager -o short-iso",
            node.runtime.unit()
        ))
        .into_bytes(),
    ));
    f.push((
        format!("{h}journald/node-export-info.json"),
        info("journalctl --no-pager -o export -S \"-15m\"").into_bytes(),
    ));
    f.push((
        format!("{h}journald/node-json-info.json"),
        info("journalctl --no-pager -o json -S \"-100s\"").into_bytes(),
    ));
    let (ver, codename) = match node.os.systemd {
        245 => ("20.04", "focal"),
        249 => ("22.04", "jammy"),
        _ => ("24.04", "noble"),
    };
    f.push((format!("{h}system/hostos_info.json"), format!("{{\"name\":\"{}\",\"kernelVersion\":\"{}\",\"platform\":\"ubuntu\",\"platformVersion\":\"{ver}\"}}\n", node.name, node.os.kernel).into_bytes()));
    if l.sos.is_none() {
        f.push((
            format!("{h}journald/kubelet-info.json"),
            info(&format!("journalctl -u {ku} --no-pager -o short-precise")).into_bytes(),
        ));
        f.push((
            format!("{h}run-host/kubelet-log-info.json"),
            info(&format!("journalctl -u {ku} --no-pager -o cat")).into_bytes(),
        ));
    }
    let Some(s) = &l.sos else { return f };
    let z = node.zone;
    f.push((
        format!("{s}hostname"),
        format!("{}\n", node.name).into_bytes(),
    ));
    f.push((
        format!("{s}etc/hostname"),
        format!("{}\n", node.name).into_bytes(),
    ));
    f.push((
        format!("{s}etc/timezone"),
        format!("{}\n", z.name()).into_bytes(),
    ));
    let sos_start = collect - 3 * MIN - node.idx as Micros * 20 * 1_000_000;
    f.push((
        format!("{s}date"),
        format!("{}\n", clock::date_cmd(sos_start + 2_000_000, z)).into_bytes(),
    ));
    f.push((
        format!("{s}sos_commands/date/date_--utc"),
        format!("{}\n", clock::date_cmd(sos_start + 2_000_000, Zone::Utc)).into_bytes(),
    ));
    f.push((format!("{s}uname"), format!("Linux {} {} #117-Ubuntu SMP Fri Apr 26 12:26:49 UTC 2024 x86_64 x86_64 x86_64 GNU/Linux\n", node.name, node.os.kernel).into_bytes()));
    let up = (sos_start - node.boots[1].kernel_start) / MIN;
    let cl = clock::Zone::local(z, sos_start);
    f.push((
        format!("{s}uptime"),
        format!(
            " {:02}:{:02}:{:02} up {}:{:02},  1 user,  load average: 0.61, 0.48, 0.41\n",
            cl.hour,
            cl.min,
            cl.sec,
            up / 60,
            up % 60
        )
        .into_bytes(),
    ));
    f.push((format!("{s}etc/os-release"), format!("PRETTY_NAME=\"{}\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"{ver}\"\nVERSION_CODENAME={codename}\nID=ubuntu\nID_LIKE=debian\n", node.os.pretty).into_bytes()));
    let abbrev = z.abbrev(sos_start);
    let off = z.offset(sos_start) / 3600;
    f.push((format!("{s}sos_commands/systemd/timedatectl"), format!("               Local time: {}\n           Universal time: {}\n                 RTC time: {}\n                Time zone: {} ({abbrev}, {:+03}00)\nSystem clock synchronized: yes\n              NTP service: active\n          RTC in local TZ: no\n", clock::date_cmd(sos_start, z), clock::date_cmd(sos_start, Zone::Utc), &clock::date_cmd(sos_start, Zone::Utc)[4..19], z.name(), off).into_bytes()));
    // sos writes naive local times (str(datetime.now())).
    let naive = |t: Micros| {
        let mut b = Vec::new();
        clock::date_time(&mut b, t, z);
        let _ = write!(b, ".{:06}", (t % 1_000_000) as u64);
        String::from_utf8(b).unwrap()
    };
    f.push((format!("{s}sos_reports/manifest.json"), format!(
        "{{\n    \"version\": \"4.5.6\",\n    \"cmdline\": \"/usr/bin/sos report --batch --all-logs -k kubernetes.all=off\",\n    \"start_time\": \"{}\",\n    \"end_time\": \"{}\",\n    \"run_time\": \"{}\",\n    \"compression\": \"xz\",\n    \"policy\": \"Ubuntu\",\n    \"components\": {{\n        \"report\": {{\n            \"plugins\": {{\n                \"logs\": {{\"start_time\": \"{}\", \"run_time\": \"14.21\"}},\n                \"kubernetes\": {{\"start_time\": \"{}\", \"run_time\": \"8.02\"}}\n            }}\n        }}\n    }}\n}}\n",
        naive(sos_start), naive(sos_start + 152_340_117), "152.34", naive(sos_start + 20_120_000), naive(sos_start + 61_900_000)).into_bytes()));
    // kubelet configuration: the evidence for the removed flag.
    f.push((
        format!("{s}var/lib/kubelet/kubeadm-flags.env"),
        format!("KUBELET_KUBEADM_ARGS=\"{}\"\n", node.kubelet_args).into_bytes(),
    ));
    f.push((format!("{s}etc/systemd/system/kubelet.service.d/10-kubeadm.conf"), b"# Note: This dropin only works with kubeadm and kubelet v1.11+\n[Service]\nEnvironment=\"KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf\"\nEnvironment=\"KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml\"\nEnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\nEnvironmentFile=-/etc/default/kubelet\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS\n".to_vec()));
    f.push((format!("{s}var/lib/kubelet/config.yaml"), format!("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\nclusterDNS:\n- 10.96.0.10\nclusterDomain: cluster.local\ncontainerLogMaxSize: {}Ki\ncontainerLogMaxFiles: 5\nrotateCertificates: true\nstaticPodPath: /etc/kubernetes/manifests\n", log_max / 1024).into_bytes()));
    if let Some(u) = node.upgrade_at {
        let (pkg, old, new) = if c.scenario == Scenario::RuntimeChange {
            (
                "cri-o",
                node.runtime_versions.0.to_string(),
                node.runtime_versions.1.to_string(),
            )
        } else {
            (
                "kubelet",
                node.kubelet_old[1..].to_string(),
                node.kubelet_new[1..].to_string(),
            )
        };
        if old != new {
            let ts = |t: Micros| {
                let mut b = Vec::new();
                clock::date_time(&mut b, t, z);
                String::from_utf8(b).unwrap()
            };
            let dpkg = format!("{a} startup archives unpack\n{a} upgrade {pkg}:amd64 {old}-1.1 {new}-1.1\n{a} status half-configured {pkg}:amd64 {old}-1.1\n{b} status unpacked {pkg}:amd64 {new}-1.1\n{b} status half-installed {pkg}:amd64 {old}-1.1\n{c} startup packages configure\n{c} configure {pkg}:amd64 {new}-1.1 <none>\n{c} status installed {pkg}:amd64 {new}-1.1\n", a = ts(u + 3_000_000), b = ts(u + 4_000_000), c = ts(u + 15_000_000));
            f.push((format!("{s}var/log/dpkg.log"), dpkg.into_bytes()));
            let d = |t: Micros| ts(t).replacen(' ', "  ", 1);
            f.push((format!("{s}var/log/apt/history.log"), format!("\nStart-Date: {}\nCommandline: apt-get install -y --allow-change-held-packages {pkg}={new}-1.1\nUpgrade: {pkg}:amd64 ({old}-1.1, {new}-1.1)\nEnd-Date: {}\n", d(u + SECS), d(u + 16_000_000)).into_bytes()));
        }
    }
    f
}

const SECS: Micros = 1_000_000;

/// Cluster-level files that are not kubectl output.
pub fn cluster_files(c: &Cluster) -> Vec<(String, Vec<u8>)> {
    let v = c.nodes[0].reported_version;
    let minor = v.split('.').nth(1).unwrap_or("27").to_string();
    let names: Vec<String> = c.nodes.iter().map(|n| format!("\"{}\"", n.name)).collect();
    vec![
        ("version.yaml".into(), b"apiVersion: troubleshoot.sh/v1beta2\nkind: SupportBundle\nmetadata:\n  creationTimestamp: null\nspec:\n  versionNumber: v0.92.0\n".to_vec()),
        ("cluster-info/cluster_version.json".into(), format!("{{\n  \"info\": {{\n    \"major\": \"1\",\n    \"minor\": \"{minor}\",\n    \"gitVersion\": \"{v}\",\n    \"gitCommit\": \"8a4d2c0b5f1e7d3c9b6a0e4f2d8c1b7a5e3f9d06\",\n    \"gitTreeState\": \"clean\",\n    \"buildDate\": \"2023-09-13T09:14:09Z\",\n    \"goVersion\": \"go1.20.8\",\n    \"compiler\": \"gc\",\n    \"platform\": \"linux/amd64\"\n  }},\n  \"string\": \"{v}\"\n}}").into_bytes()),
        ("host-collectors/system/node_list.json".into(), format!("{{\"nodes\":[{}]}}\n", names.join(",")).into_bytes()),
    ]
}
