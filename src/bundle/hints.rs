//! Evidence of when the bundle was collected and in which zone its nodes
//! write local times.
//!
//! Collection hints are listed best first: times recorded by the collector
//! itself (sosreport manifest, `date`/`timedatectl` output, must-gather's
//! `timestamp`), then dates in archive and folder names, then the newest
//! modification time of tar members, then of files on disk (which may be the
//! time the bundle was copied, not collected).

use std::collections::HashSet;

use super::attribute::{root_name, RootFacts};
use super::collect::{Found, Group, GroupKind, LinkNote};
use super::dates::{self, Stamp};
use super::layout::GroupLayout;
use super::{paths, HintKind, Layout, TimeHint};

/// Zone evidence: (node, zone text as found, where it was found).
pub(super) type ZoneHint = (Option<String>, String, String);

/// Everything the hint search reads.
pub(super) struct Evidence<'a> {
    pub groups: &'a [Group],
    pub layouts: &'a [GroupLayout],
    pub facts: &'a [Vec<RootFacts>],
    pub found: &'a [Found],
    /// Indices into `found`, per group.
    pub by_group: &'a [Vec<usize>],
    /// Node attributed to each found file (same order as `found`).
    pub nodes: &'a [Option<String>],
    pub links: &'a [LinkNote],
    /// A file's index in `found` by group and inner path (links followed).
    pub lookup: &'a dyn Fn(usize, &str) -> Option<usize>,
    /// The node attributed to any path of a group.
    pub node_of: &'a dyn Fn(usize, &str) -> Option<String>,
}

/// Small text files only: evidence files are a few lines long.
const EVIDENCE_BYTES: usize = 64 * 1024;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(EVIDENCE_BYTES)]).into_owned()
}

fn hint(stamp: Stamp, from: String) -> TimeHint {
    TimeHint {
        unix_ns: stamp.unix_ns,
        exact: stamp.exact,
        from,
        kind: HintKind::Recorded,
    }
}

#[derive(Default)]
struct Lists {
    recorded: Vec<TimeHint>,
    named: Vec<TimeHint>,
    members: Vec<TimeHint>,
    files: Vec<TimeHint>,
    zones: Vec<ZoneHint>,
}

impl Evidence<'_> {
    fn file(&self, group: usize, path: &str) -> Option<&Found> {
        (self.lookup)(group, path).map(|i| &self.found[i])
    }

    /// Collection and zone hints, best first, without duplicates.
    pub(super) fn gather(&self) -> (Vec<TimeHint>, Vec<ZoneHint>) {
        let mut l = Lists::default();
        for g in 0..self.groups.len() {
            self.roots(g, &mut l);
            self.names(g, &mut l);
            self.mtimes(g, &mut l);
        }
        for (k, f) in self.found.iter().enumerate() {
            self.generic_file(k, f, &mut l);
        }
        for link in self.links {
            if let Some((_, zone)) = link.target.split_once("zoneinfo/") {
                let zone = zone
                    .strip_prefix("posix/")
                    .or_else(|| zone.strip_prefix("right/"))
                    .unwrap_or(zone);
                if !zone.is_empty() {
                    let group = &self.groups[link.group];
                    let separator = match group.kind {
                        GroupKind::Directory if group.display.ends_with('/') => "",
                        GroupKind::Directory => "/",
                        _ => "!/",
                    };
                    let shown = format!(
                        "symlink {}{separator}{} -> {}",
                        group.display, link.inner_path, link.target
                    );
                    l.zones.push((
                        (self.node_of)(link.group, &link.inner_path),
                        zone.to_string(),
                        shown,
                    ));
                }
            }
        }
        let tag =
            |v: Vec<TimeHint>, kind: HintKind| v.into_iter().map(move |h| TimeHint { kind, ..h });
        let mut hints: Vec<TimeHint> = tag(l.recorded, HintKind::Recorded).collect();
        hints.extend(tag(l.named, HintKind::Named));
        hints.extend(tag(l.members, HintKind::ArchiveMember));
        hints.extend(tag(l.files, HintKind::FileMtime));
        let mut seen = HashSet::new();
        hints.retain(|h| seen.insert((h.unix_ns, h.exact, h.from.clone())));
        let mut seen = HashSet::new();
        let mut zones = l.zones;
        zones.retain(|z| seen.insert(z.clone()));
        (hints, zones)
    }

    /// Evidence files at fixed places of a collector's root.
    fn roots(&self, g: usize, l: &mut Lists) {
        for (i, root) in self.layouts[g].roots.iter().enumerate() {
            let node = self.facts[g][i].node.clone();
            let at = |rel: &str| self.file(g, &paths::join(&root.prefix, rel));
            match root.layout {
                Layout::Sosreport => {
                    if let Some(f) = at("sos_reports/manifest.json") {
                        self.sos_manifest(f, l);
                    }
                    if let Some(f) = at("sos_commands/date/date_--utc") {
                        if let Some((s, _)) = dates::date_output(&text(f.data.bytes())) {
                            l.recorded.push(hint(
                                s,
                                format!("`date --utc` output in {}", f.display_path),
                            ));
                        }
                    }
                    if let Some(f) = at("sos_commands/date/date").or_else(|| at("date")) {
                        date_file(f, node.clone(), l);
                    }
                }
                Layout::RancherCollector => {
                    if let Some(f) = at("systeminfo/date") {
                        date_file(f, node.clone(), l);
                    }
                }
                Layout::MustGather => {
                    let up = paths::parent(&root.prefix);
                    let candidates = [
                        paths::join(up, "timestamp"),
                        paths::join(paths::parent(up), "timestamp"),
                    ];
                    if let Some(f) = candidates.iter().find_map(|p| self.file(g, p)) {
                        let content = text(f.data.bytes());
                        for line in content.lines().rev() {
                            if let Some(s) = dates::go_time(line) {
                                l.recorded.push(hint(
                                    s,
                                    format!("must-gather timestamp file {}", f.display_path),
                                ));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn sos_manifest(&self, f: &Found, l: &mut Lists) {
        let bytes = f.data.bytes();
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) else {
            return;
        };
        for key in ["end_time", "start_time"] {
            if let Some(s) = v
                .get(key)
                .and_then(|t| t.as_str())
                .and_then(dates::naive_datetime)
            {
                l.recorded.push(hint(
                    s,
                    format!("sosreport manifest {key} in {}", f.display_path),
                ));
            }
        }
    }

    /// Dates in the names of archives, folders given, bundle roots and top folders.
    fn names(&self, g: usize, l: &mut Lists) {
        let group = &self.groups[g];
        let mut names: Vec<String> = vec![paths::strip_archive_ext(&group.name).to_string()];
        for root in &self.layouts[g].roots {
            names.push(root_name(root, &group.name).to_string());
        }
        let mut tops = HashSet::new();
        for &k in &self.by_group[g] {
            if let Some((top, _)) = self.found[k].inner_path.split_once('/') {
                if tops.insert(top) {
                    names.push(top.to_string());
                }
            }
        }
        let mut seen = HashSet::new();
        for name in names {
            if !seen.insert(name.clone()) {
                continue;
            }
            if let Some((s, scheme)) = dates::archive_name_date(&name) {
                l.named
                    .push(hint(s, format!("{} {name}", scheme.describe())));
            }
        }
    }

    fn mtimes(&self, g: usize, l: &mut Lists) {
        let group = &self.groups[g];
        let Some(t) = group.newest_mtime_ns else {
            return;
        };
        let stamp = Stamp {
            unix_ns: t,
            exact: true,
        };
        match group.kind {
            GroupKind::Archive => l.members.push(hint(
                stamp,
                format!("newest member modification time in {}", group.display),
            )),
            GroupKind::Directory => l.files.push(hint(
                stamp,
                format!("newest file modification time under {}", group.display),
            )),
            GroupKind::File => l.files.push(hint(
                stamp,
                format!("file modification time of {}", group.display),
            )),
        }
    }

    /// Evidence recognised by file name wherever it is.
    fn generic_file(&self, k: usize, f: &Found, l: &mut Lists) {
        let node = self.nodes[k].clone();
        let path = f.inner_path.as_str();
        let name = paths::file_name(path);
        if path == "etc/timezone" || path.ends_with("/etc/timezone") {
            let content = text(f.data.bytes());
            if let Some(zone) = content.lines().map(str::trim).find(|s| !s.is_empty()) {
                l.zones.push((
                    node,
                    paths::sanitize(zone).into_owned(),
                    f.display_path.clone(),
                ));
            }
        } else if path == "etc/localtime" || path.ends_with("/etc/localtime") {
            if let Some(rule) = dates::tzif_footer(f.data.bytes()) {
                l.zones.push((node, rule, f.display_path.clone()));
            }
        } else if name.starts_with("timedatectl") {
            let (at, zone) = dates::timedatectl(&text(f.data.bytes()));
            if let Some(s) = at {
                l.recorded.push(hint(
                    s,
                    format!("`timedatectl` universal time in {}", f.display_path),
                ));
            }
            if let Some(z) = zone {
                l.zones.push((
                    node,
                    paths::sanitize(&z).into_owned(),
                    f.display_path.clone(),
                ));
            }
        } else if name == "time.json" && path.contains("host-collectors/") {
            // troubleshoot host `time` collector: {"timezone": "UTC", ...} (upper-cased by the collector).
            if let Ok(v) = serde_json::from_slice::<serde_json::Value>(f.data.bytes()) {
                if let Some(z) = v
                    .get("timezone")
                    .and_then(|z| z.as_str())
                    .filter(|z| !z.is_empty())
                {
                    l.zones.push((
                        node,
                        paths::sanitize(z).into_owned(),
                        f.display_path.clone(),
                    ));
                }
            }
        }
    }
}

/// `date` output: a collection time, and the zone abbreviation the node used.
fn date_file(f: &Found, node: Option<String>, l: &mut Lists) {
    if let Some((s, zone)) = dates::date_output(&text(f.data.bytes())) {
        l.recorded
            .push(hint(s, format!("`date` output in {}", f.display_path)));
        l.zones.push((
            node,
            paths::sanitize(&zone).into_owned(),
            f.display_path.clone(),
        ));
    }
}
