//! From tar members to inputs: untrusted names are normalised, links are
//! resolved inside the archive's own namespace, duplicates are named.
//!
//! Policy for hostile names: a name that climbs out of the archive with `..`
//! is skipped with a problem. Keeping it under a sanitised name would let an
//! attacker plant files where layout rules look for evidence (a fake
//! `etc/timezone`, a fake `hostname`), and no legitimate collector writes
//! such names. An absolute name (`/etc/passwd`) is kept, read relative to the
//! archive root as GNU tar does, with one problem per archive saying so:
//! some collectors (`tar -P`) legitimately write absolute names, and nothing
//! is ever written to disk anyway.
//!
//! Links never produce inputs of their own: a symlink or hard link to a file
//! of the archive is the same content reached twice, so only the target is
//! kept (and the link path is remembered as an alias, for lookups such as
//! sosreport's top-level `hostname`). A link that leaves the archive, or
//! whose target is missing, is reported and not followed.

use std::collections::{HashMap, HashSet};

use super::archive::{Member, MemberKind};
use super::blob::{self, Origin};
use super::collect::{Collector, LinkNote};
use super::paths::{self, Name};

/// Symlink hops followed before a chain is declared a loop (as the kernel does).
const MAX_LINK_HOPS: usize = 40;

/// How a link target resolved.
#[derive(Debug, PartialEq, Eq)]
enum Resolved {
    File(String),
    Directory,
    Missing(String),
    Escapes,
    Absolute,
    Loop,
}

struct Namespace<'a> {
    files: HashSet<&'a str>,
    dirs: HashSet<String>,
    symlinks: HashMap<&'a str, &'a str>,
}

impl Namespace<'_> {
    /// Resolve `path` component by component, expanding symlinks met on the
    /// way (the link itself and any linked directory above it).
    fn resolve(&self, path: &str) -> Resolved {
        let mut pending: Vec<String> = path.split('/').rev().map(str::to_string).collect();
        let mut done = String::new();
        let mut hops = 0;
        while let Some(component) = pending.pop() {
            let candidate = paths::join(&done, &component);
            if let Some(target) = self.symlinks.get(candidate.as_str()) {
                hops += 1;
                if hops > MAX_LINK_HOPS {
                    return Resolved::Loop;
                }
                if target.starts_with('/') {
                    return Resolved::Absolute;
                }
                let Some(next) = paths::resolve_relative(&done, target) else {
                    return Resolved::Escapes;
                };
                pending.extend(
                    next.split('/')
                        .filter(|s| !s.is_empty())
                        .rev()
                        .map(str::to_string),
                );
                done = String::new();
                continue;
            }
            done = candidate;
        }
        if self.files.contains(done.as_str()) {
            Resolved::File(done)
        } else if done.is_empty() || self.dirs.contains(&done) {
            Resolved::Directory
        } else {
            Resolved::Missing(done)
        }
    }
}

/// Insert `dir` and its ancestors. Invariant: a directory in the set has all
/// its ancestors in the set, so the walk stops at the first one present.
fn add_dir(dirs: &mut HashSet<String>, dir: &str) {
    let mut d = dir;
    while !d.is_empty() && !dirs.contains(d) {
        dirs.insert(d.to_string());
        d = paths::parent(d);
    }
}

fn is_localtime(path: &str) -> bool {
    path == "etc/localtime" || path.ends_with("/etc/localtime")
}

/// Turn the members of one archive (group `group`, shown as `archive.display`)
/// into inputs, problems and aliases.
pub(super) fn add(c: &mut Collector, members: Vec<Member>, archive: &Origin, group: usize) {
    let shown = |path: &str| format!("{}!/{}", archive.display, path);

    // Names first: nothing about a member is used before its name is checked.
    let mut named: Vec<(String, Member)> = Vec::with_capacity(members.len());
    let mut absolute = 0usize;
    let mut first_absolute = String::new();
    for m in members {
        c.saw_mtime(group, m.mtime_ns);
        match paths::normalize(&m.name) {
            Name::Escapes => c.problem(
                Some(group),
                &shown(&m.name),
                "Skipped: the member name climbs out of the archive with `..`; such names are never trusted.",
            ),
            Name::Root => {
                if !matches!(m.kind, MemberKind::Directory | MemberKind::Metadata) {
                    c.problem(
                        Some(group),
                        &shown(&m.name),
                        "Skipped: the member has an empty name.",
                    );
                }
            }
            Name::Inside { path, absolute: abs } => {
                if abs {
                    absolute += 1;
                    if first_absolute.is_empty() {
                        first_absolute = m.name.clone();
                    }
                }
                named.push((path, m));
            }
        }
    }
    if absolute > 0 {
        c.problem(
            None,
            &archive.display,
            format!(
                "{absolute} member names are absolute (the first is {}); they were read relative to the archive root.",
                paths::sanitize(&first_absolute)
            ),
        );
    }

    // The archive's namespace, for links.
    let mut dirs = HashSet::new();
    for (path, m) in &named {
        if matches!(m.kind, MemberKind::Directory) {
            add_dir(&mut dirs, path);
        } else {
            add_dir(&mut dirs, paths::parent(path));
        }
    }
    let ns = Namespace {
        files: named
            .iter()
            .filter(|(_, m)| matches!(m.kind, MemberKind::File(_)))
            .map(|(p, _)| p.as_str())
            .collect(),
        dirs,
        symlinks: named
            .iter()
            .filter_map(|(p, m)| match &m.kind {
                MemberKind::Symlink(t) => Some((p.as_str(), t.as_str())),
                _ => None,
            })
            .collect(),
    };

    let mut aliases: Vec<(String, String)> = Vec::new();
    let mut problems: Vec<(String, String)> = Vec::new();
    let mut links: Vec<LinkNote> = Vec::new();
    for (path, m) in &named {
        match &m.kind {
            MemberKind::Symlink(target) => {
                let zone_link = is_localtime(path) && target.contains("zoneinfo/");
                if is_localtime(path) {
                    links.push(LinkNote {
                        group,
                        inner_path: path.clone(),
                        target: paths::sanitize(target).into_owned(),
                    });
                }
                let why = match ns.resolve(path) {
                    Resolved::File(to) => {
                        aliases.push((path.clone(), to));
                        continue;
                    }
                    Resolved::Directory => continue,
                    _ if zone_link => continue,
                    Resolved::Missing(to) => format!(
                        "Not followed: the symlink target {to} is not in the archive."
                    ),
                    Resolved::Escapes => format!(
                        "Not followed: the symlink points outside the archive ({}).",
                        paths::sanitize(target)
                    ),
                    Resolved::Absolute => format!(
                        "Not followed: the symlink has an absolute target ({}), which is outside the archive.",
                        paths::sanitize(target)
                    ),
                    Resolved::Loop => "Not followed: the symlink is part of a loop.".to_string(),
                };
                problems.push((shown(path), why));
            }
            MemberKind::Hardlink(target) => match paths::normalize(target) {
                Name::Inside { path: to, .. } => match ns.resolve(&to) {
                    Resolved::File(to) => aliases.push((path.clone(), to)),
                    _ => problems.push((
                        shown(path),
                        format!("Skipped: hard link to {to}, which is not a file in the archive."),
                    )),
                },
                _ => problems.push((
                    shown(path),
                    format!(
                        "Skipped: hard link to {}, which is outside the archive.",
                        paths::sanitize(target)
                    ),
                )),
            },
            MemberKind::Special(what) => problems.push((
                shown(path),
                format!("Skipped: this member is {what}, which has no content to read."),
            )),
            MemberKind::Unknown(byte) => problems.push((
                shown(path),
                format!(
                    "Skipped: unknown tar entry type {:?} (header at byte {}).",
                    char::from(*byte),
                    m.offset
                ),
            )),
            MemberKind::File(_) | MemberKind::Directory | MemberKind::Metadata => {}
        }
    }
    drop(ns);

    for (path, why) in problems {
        c.problem(Some(group), &path, why);
    }
    c.links.extend(links);
    for (from, to) in aliases {
        c.aliases.insert((group, from), to);
    }

    // Files last: opening them may recurse into nested archives.
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (path, m) in named {
        let MemberKind::File(data) = m.kind else {
            continue;
        };
        let n = seen.entry(path.clone()).or_insert(0);
        *n += 1;
        let display = if *n == 1 {
            shown(&path)
        } else {
            format!("{}#{}", shown(&path), n)
        };
        if *n == 2 {
            c.problem(
                Some(group),
                &shown(&path),
                "The archive holds several members with this name; all are kept, the later ones shown with #2, #3, ...",
            );
        }
        blob::open(
            c,
            data,
            Origin {
                display,
                inner: path,
                mtime_ns: m.mtime_ns,
                group,
                depth: archive.depth + 1,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns<'a>(files: &[&'a str], links: &[(&'a str, &'a str)]) -> Namespace<'a> {
        let mut dirs = HashSet::new();
        for f in files {
            add_dir(&mut dirs, paths::parent(f));
        }
        for (l, _) in links {
            add_dir(&mut dirs, paths::parent(l));
        }
        Namespace {
            files: files.iter().copied().collect(),
            dirs,
            symlinks: links.iter().copied().collect(),
        }
    }

    #[test]
    fn relative_links_resolve_to_files_and_directories() {
        let n = ns(
            &["sb/cr/logs/ns/p/c.log"],
            &[
                ("sb/all-logs/p/c.log", "../../cr/logs/ns/p/c.log"),
                ("sb/logs", "cr/logs"),
                ("sb/via-dir.log", "logs/ns/p/c.log"),
                ("sb/chain", "via-dir.log"),
            ],
        );
        assert_eq!(
            n.resolve("sb/all-logs/p/c.log"),
            Resolved::File("sb/cr/logs/ns/p/c.log".into())
        );
        assert_eq!(n.resolve("sb/logs"), Resolved::Directory);
        assert_eq!(
            n.resolve("sb/via-dir.log"),
            Resolved::File("sb/cr/logs/ns/p/c.log".into())
        );
        assert_eq!(
            n.resolve("sb/chain"),
            Resolved::File("sb/cr/logs/ns/p/c.log".into())
        );
    }

    #[test]
    fn bad_links_are_classified() {
        let n = ns(
            &["a/f"],
            &[
                ("a/up", "../../etc/passwd"),
                ("a/abs", "/etc/passwd"),
                ("a/gone", "nothing-here"),
                ("a/x", "y"),
                ("a/y", "x"),
            ],
        );
        assert_eq!(n.resolve("a/up"), Resolved::Escapes);
        assert_eq!(n.resolve("a/abs"), Resolved::Absolute);
        assert_eq!(
            n.resolve("a/gone"),
            Resolved::Missing("a/nothing-here".into())
        );
        assert_eq!(n.resolve("a/x"), Resolved::Loop);
    }
}
