//! One blob of bytes, wherever it came from (a file, a member, stdin, a
//! decompressed stream): decide from its content whether it is a container to
//! open or an input to keep.

use super::collect::{Collector, Found, GroupKind};
use super::magic::{self, Content};
use super::{archive, gzip, members, paths, InputData};

/// Where a blob sits: how to show it, its path inside its container, and how
/// many archive layers it is inside.
#[derive(Debug, Clone)]
pub(super) struct Origin {
    pub display: String,
    pub inner: String,
    pub mtime_ns: Option<i64>,
    /// The group (container) the blob is a file of.
    pub group: usize,
    /// Archive layers around the blob: 0 for what the user named (a file, a
    /// file in a directory, stdin), 1 for a member of that, and so on.
    pub depth: usize,
}

impl Origin {
    /// The blob's own name, used to name a group it opens.
    pub(super) fn name(&self) -> &str {
        if self.inner.is_empty() {
            paths::file_name(&self.display)
        } else {
            paths::file_name(&self.inner)
        }
    }

    /// The same place, one (compression) layer further in.
    pub(super) fn inside(&self) -> Origin {
        Origin {
            depth: self.depth + 1,
            ..self.clone()
        }
    }

    /// The container link recorded on a group opened from this blob: its
    /// members inherit the node this blob is attributed to.
    pub(super) fn parent_link(&self) -> Option<(usize, String)> {
        Some((self.group, self.inner.clone()))
    }
}

/// Open a blob: containers are unpacked (recursively, up to `max_depth`),
/// unsupported containers become problems, anything else is an input.
pub(super) fn open(c: &mut Collector, data: InputData, origin: Origin) {
    // Bytes we own were charged to the budget when they were made; once a
    // container's content has been copied out, the container itself is dropped.
    let owned = match &data {
        InputData::Memory(bytes) => bytes.len() as u64,
        _ => 0,
    };
    match magic::sniff(data.bytes()) {
        Content::Gzip => {
            if may_open(c, &origin) {
                gzip::open(c, &data, &origin);
            }
        }
        Content::Tar => {
            if may_open(c, &origin) {
                let group = c.add_group(
                    GroupKind::Archive,
                    origin.name(),
                    &origin.display,
                    origin.parent_link(),
                );
                let found = archive::read_held(c, &data, &origin);
                members::add(c, found, &origin, group);
            }
        }
        Content::Unsupported(what) => c.problem(
            Some(origin.group),
            &origin.display,
            format!(
                "Skipped: this is {what}, which cannot be opened yet; unpack it and pass the result instead."
            ),
        ),
        Content::Other => {
            c.push_found(Found {
                display_path: origin.display,
                inner_path: origin.inner,
                data,
                mtime_ns: origin.mtime_ns,
                group: origin.group,
            });
            return;
        }
    }
    drop(data);
    c.budget.give_back(owned);
}

/// Containers nested deeper than `max_depth` are reported, not opened. What
/// the user named directly (depth 0) is always opened.
fn may_open(c: &mut Collector, origin: &Origin) -> bool {
    let max = c.options.max_depth;
    if origin.depth > max {
        c.problem(
            Some(origin.group),
            &origin.display,
            format!(
                "Not opened: this archive is nested {} levels deep and max_depth is {max}.",
                origin.depth
            ),
        );
        return false;
    }
    true
}
