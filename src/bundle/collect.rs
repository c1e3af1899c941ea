//! The state of one `open` call while inputs are being found: the files found
//! so far, the problems, the containers ("groups") they came from, and the
//! memory budget.
//!
//! Finding (walk, archives, gzip) only appends here; deciding what the files
//! mean (layout, node, source, hints) happens afterwards in
//! `finish` (in `mod.rs`), when every path of a container is known.

use std::collections::HashMap;

use super::budget::Budget;
use super::{BundleProblem, InputData, OpenOptions};

/// Problems listed per container before the rest are only counted: a
/// hostile archive with a million bad members must not produce a million
/// lines.
const PROBLEMS_PER_CONTAINER: usize = 100;

/// One file found in the bundle, before attribution.
#[derive(Debug)]
pub(super) struct Found {
    pub display_path: String,
    pub inner_path: String,
    pub data: InputData,
    pub mtime_ns: Option<i64>,
    pub group: usize,
}

/// What kind of container a group is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum GroupKind {
    /// A directory given on the command line.
    Directory,
    /// A single file given on the command line (or stdin); an archive given
    /// this way gets a child [`GroupKind::Archive`] group for its members.
    File,
    /// The members of one tarball.
    Archive,
}

/// A container of files whose paths are read together: layout rules look at
/// the paths of one group at a time.
#[derive(Debug)]
pub(super) struct Group {
    pub kind: GroupKind,
    /// File or directory name of the container (`sosreport-cp1-2024-06-10-abcdefg.tar.gz`);
    /// carries node names and collection dates for some collectors.
    pub name: String,
    /// How the container is shown (`bundle.tar.gz`, `outer.tar!/inner.tar.gz`).
    pub display: String,
    /// For an archive found inside another container: that container's group
    /// and the archive's inner path there (its node is inherited).
    pub parent: Option<(usize, String)>,
    /// Newest member or file modification time seen in this container.
    pub newest_mtime_ns: Option<i64>,
}

/// A symlink whose target text is evidence (`etc/localtime -> …/zoneinfo/Europe/Berlin`).
#[derive(Debug, Clone)]
pub(super) struct LinkNote {
    pub group: usize,
    pub inner_path: String,
    pub target: String,
}

pub(super) struct Collector<'o> {
    pub options: &'o OpenOptions,
    pub budget: Budget,
    pub found: Vec<Found>,
    pub problems: Vec<BundleProblem>,
    pub groups: Vec<Group>,
    /// (group, inner path of a link or dropped duplicate) -> inner path of the kept file.
    pub aliases: HashMap<(usize, String), String>,
    pub links: Vec<LinkNote>,
    /// Problems recorded per group, and how many were only counted.
    problem_counts: HashMap<usize, (usize, usize)>,
}

impl<'o> Collector<'o> {
    pub(super) fn new(options: &'o OpenOptions) -> Collector<'o> {
        Collector {
            options,
            budget: Budget::new(options.max_memory),
            found: Vec::new(),
            problems: Vec::new(),
            groups: Vec::new(),
            aliases: HashMap::new(),
            links: Vec::new(),
            problem_counts: HashMap::new(),
        }
    }

    pub(super) fn add_group(
        &mut self,
        kind: GroupKind,
        name: &str,
        display: &str,
        parent: Option<(usize, String)>,
    ) -> usize {
        self.groups.push(Group {
            kind,
            name: name.to_string(),
            display: display.to_string(),
            parent,
            newest_mtime_ns: None,
        });
        self.groups.len() - 1
    }

    /// Note a modification time for the group's "newest mtime" evidence.
    /// Zero and negative times (unset headers) are no evidence.
    pub(super) fn saw_mtime(&mut self, group: usize, mtime_ns: Option<i64>) {
        if let (Some(g), Some(t)) = (self.groups.get_mut(group), mtime_ns) {
            if t > 0 && !matches!(g.newest_mtime_ns, Some(n) if n >= t) {
                g.newest_mtime_ns = Some(t);
            }
        }
    }

    /// Record a problem about `path` (a display path). `group` is the
    /// container it belongs to, for the per-container cap; `None` is never capped.
    pub(super) fn problem(&mut self, group: Option<usize>, path: &str, message: impl Into<String>) {
        if let Some(g) = group {
            let entry = self.problem_counts.entry(g).or_insert((0, 0));
            if entry.0 >= PROBLEMS_PER_CONTAINER {
                entry.1 += 1;
                return;
            }
            entry.0 += 1;
        }
        self.problems.push(BundleProblem {
            path: super::paths::sanitize(path).into_owned(),
            message: message.into(),
        });
    }

    pub(super) fn push_found(&mut self, found: Found) {
        self.saw_mtime(found.group, found.mtime_ns);
        self.found.push(found);
    }

    /// Summaries for containers whose problems were capped.
    pub(super) fn flush_problem_summaries(&mut self) {
        let mut capped: Vec<(usize, usize)> = self
            .problem_counts
            .iter()
            .filter(|(_, (_, extra))| *extra > 0)
            .map(|(g, (_, extra))| (*g, *extra))
            .collect();
        capped.sort_unstable();
        for (g, extra) in capped {
            let display = self.groups.get(g).map_or("", |g| g.display.as_str());
            self.problems.push(BundleProblem {
                path: display.to_string(),
                message: format!(
                    "{extra} more problems in this container were not listed (only the first {PROBLEMS_PER_CONTAINER} are)."
                ),
            });
        }
    }
}
