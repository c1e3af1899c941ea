//! Directories and single files on the local file system.
//!
//! Symlinks are followed only while their target stays inside the directory
//! the user named: a bundle unpacked from a customer archive may contain
//! links to `/etc` or `/var/log` of *this* machine, which must never be read
//! as evidence. Loops are reported by walkdir and turned into problems. A
//! file reached twice (through a symlink, or a hard link) is kept once, under
//! the path that does not go through a link, because that path carries the
//! layout meaning (troubleshoot's `all-logs/<pod>/<c>.log` links lack the
//! namespace that the real path has).

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use memmap2::Mmap;
use walkdir::WalkDir;

use super::blob::{self, Origin};
use super::collect::{Collector, GroupKind, LinkNote};
use super::paths;
use super::InputData;

/// Files up to this size are read into memory (within the budget) rather than
/// mapped: a bundle can hold hundreds of thousands of small files, and one
/// mapping per file would run into the kernel's limit on mappings per process.
const READ_INSTEAD_OF_MAP: u64 = 64 * 1024;

/// A regular file found by the walk, before duplicates are removed.
struct Candidate {
    path: PathBuf,
    rel: String,
    via_link: bool,
    identity: Option<(u64, u64)>,
    len: u64,
    mtime_ns: Option<i64>,
}

fn mtime_ns(meta: &fs::Metadata) -> Option<i64> {
    let t = meta.modified().ok()?;
    let d = t.duration_since(std::time::UNIX_EPOCH).ok()?;
    i64::try_from(d.as_nanos()).ok()
}

#[cfg(unix)]
fn identity(meta: &fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn identity(_meta: &fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// What a non-regular, non-directory file is, for the problem message.
fn special_kind(ft: fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO";
        }
        if ft.is_socket() {
            return "a socket";
        }
        if ft.is_char_device() {
            return "a character device";
        }
        if ft.is_block_device() {
            return "a block device";
        }
    }
    let _ = ft;
    "not a regular file"
}

/// `rel` as a bundle path: `/`-separated, lossy UTF-8, sanitised.
fn rel_string(rel: &Path) -> String {
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    paths::sanitize(&parts.join("/")).into_owned()
}

fn display_join(root: &str, rel: &str) -> String {
    if root.ends_with('/') {
        format!("{root}{rel}")
    } else {
        format!("{root}/{rel}")
    }
}

fn is_localtime(rel: &str) -> bool {
    rel == "etc/localtime" || rel.ends_with("/etc/localtime")
}

/// Read or map one regular file.
pub(super) fn read_file(c: &mut Collector, path: &Path, len: u64) -> io::Result<InputData> {
    let file = File::open(path)?;
    if len == 0 {
        return Ok(InputData::Empty);
    }
    if len <= READ_INSTEAD_OF_MAP && c.budget.try_take(len) {
        let mut buf = Vec::with_capacity(len as usize);
        let result = (&file).take(READ_INSTEAD_OF_MAP).read_to_end(&mut buf);
        c.budget.give_back(len);
        result?;
        c.budget.force_take(buf.len() as u64);
        return Ok(if buf.is_empty() {
            InputData::Empty
        } else {
            InputData::Memory(Arc::from(buf))
        });
    }
    // SAFETY: the map is read-only and private to this process. If another
    // process truncates the file while it is mapped, reads past the new end
    // fault; bundles are evidence copies that nobody edits while we read them.
    let map = unsafe { Mmap::map(&file)? };
    let end = map.len();
    if end == 0 {
        return Ok(InputData::Empty);
    }
    Ok(InputData::Mapped {
        map: Arc::new(map),
        range: 0..end,
    })
}

/// Walk a directory the user named.
pub(super) fn walk(c: &mut Collector, root: &Path, display_root: &str) {
    let canonical_root = match fs::canonicalize(root) {
        Ok(p) => p,
        Err(e) => {
            c.problem(
                None,
                display_root,
                format!("Cannot open the directory: {e}."),
            );
            return;
        }
    };
    let name = canonical_root
        .file_name()
        .map(|n| paths::sanitize(&n.to_string_lossy()).into_owned())
        .unwrap_or_else(|| display_root.to_string());
    let group = c.add_group(GroupKind::Directory, &name, display_root, None);

    // Links leaving the root, noticed while filtering (the filter cannot borrow the collector).
    let outside: RefCell<Vec<(PathBuf, PathBuf)>> = RefCell::new(Vec::new());
    let walker = WalkDir::new(root)
        .follow_links(true)
        .into_iter()
        .filter_entry(|e| {
            if e.depth() == 0 || !e.path_is_symlink() {
                return true;
            }
            match fs::canonicalize(e.path()) {
                Ok(target) if target.starts_with(&canonical_root) => true,
                Ok(target) => {
                    outside.borrow_mut().push((e.path().to_path_buf(), target));
                    false
                }
                // Dangling: let walkdir report it.
                Err(_) => true,
            }
        });

    let mut candidates: Vec<Candidate> = Vec::new();
    let mut linked_dirs: HashSet<PathBuf> = HashSet::new();
    let mut walker = walker;
    loop {
        let item = match walker.next() {
            None => break,
            Some(item) => item,
        };
        let entry = match item {
            Ok(entry) => entry,
            Err(err) => {
                let path = err
                    .path()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| root.to_path_buf());
                let shown = display_of(root, display_root, &path);
                let rel = path.strip_prefix(root).map(rel_string).unwrap_or_default();
                if is_localtime(&rel) {
                    // A dangling `etc/localtime` link is zone evidence, not damage.
                    if let Ok(target) = fs::read_link(&path) {
                        c.links.push(LinkNote {
                            group,
                            inner_path: rel,
                            target: paths::sanitize(&target.to_string_lossy()).into_owned(),
                        });
                        continue;
                    }
                }
                let message = if let Some(ancestor) = err.loop_ancestor() {
                    format!(
                        "Not followed: symlink loop (it leads back to {}).",
                        display_of(root, display_root, ancestor)
                    )
                } else if fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink())
                    && fs::metadata(&path).is_err()
                {
                    let target = fs::read_link(&path)
                        .map(|t| paths::sanitize(&t.to_string_lossy()).into_owned())
                        .unwrap_or_default();
                    format!("Skipped: dangling symlink to {target}.")
                } else {
                    match err.io_error() {
                        Some(io) => format!("Cannot read: {io}."),
                        None => format!("Cannot read: {err}."),
                    }
                };
                c.problem(Some(group), &shown, message);
                continue;
            }
        };
        let path = entry.path();
        let rel = match path.strip_prefix(root) {
            Ok(r) => rel_string(r),
            Err(_) => continue,
        };
        let via_link = entry.path_is_symlink()
            || path
                .ancestors()
                .skip(1)
                .take(entry.depth())
                .any(|a| linked_dirs.contains(a));
        let ft = entry.file_type();
        if ft.is_dir() {
            if via_link {
                linked_dirs.insert(path.to_path_buf());
            }
            continue;
        }
        if entry.path_is_symlink() && is_localtime(&rel) {
            if let Ok(target) = fs::read_link(path) {
                c.links.push(LinkNote {
                    group,
                    inner_path: rel.clone(),
                    target: paths::sanitize(&target.to_string_lossy()).into_owned(),
                });
            }
        }
        if !ft.is_file() {
            c.problem(
                Some(group),
                &display_join(display_root, &rel),
                format!(
                    "Skipped: this is {}, which has no content to read.",
                    special_kind(ft)
                ),
            );
            continue;
        }
        let meta = match entry.metadata() {
            Ok(m) => m,
            Err(e) => {
                c.problem(
                    Some(group),
                    &display_join(display_root, &rel),
                    format!("Cannot read: {e}."),
                );
                continue;
            }
        };
        candidates.push(Candidate {
            path: path.to_path_buf(),
            rel,
            via_link,
            identity: identity(&meta),
            len: meta.len(),
            mtime_ns: mtime_ns(&meta),
        });
    }

    for (link, target) in outside.into_inner() {
        let rel = link.strip_prefix(root).map(rel_string).unwrap_or_default();
        let target_text = paths::sanitize(&target.to_string_lossy()).into_owned();
        if is_localtime(&rel) {
            let raw = fs::read_link(&link)
                .map(|t| paths::sanitize(&t.to_string_lossy()).into_owned())
                .unwrap_or(target_text.clone());
            c.links.push(LinkNote {
                group,
                inner_path: rel,
                target: raw,
            });
            continue;
        }
        c.problem(
            Some(group),
            &display_join(display_root, &rel),
            format!("Not followed: the symlink points outside the directory ({target_text})."),
        );
    }

    // One input per file identity, preferring the path without links.
    let mut best: HashMap<(u64, u64), usize> = HashMap::new();
    let mut keep = vec![true; candidates.len()];
    for (i, cand) in candidates.iter().enumerate() {
        let Some(id) = cand.identity else { continue };
        match best.get(&id) {
            None => {
                best.insert(id, i);
            }
            Some(&j) => {
                let other = &candidates[j];
                let better = (cand.via_link, cand.rel.len(), &cand.rel)
                    < (other.via_link, other.rel.len(), &other.rel);
                let (winner, loser) = if better { (i, j) } else { (j, i) };
                keep[loser] = false;
                best.insert(id, winner);
            }
        }
    }
    for (i, cand) in candidates.iter().enumerate() {
        if !keep[i] {
            if let Some(&w) = cand.identity.as_ref().and_then(|id| best.get(id)) {
                c.aliases
                    .insert((group, cand.rel.clone()), candidates[w].rel.clone());
            }
        }
    }

    for (cand, keep) in candidates.into_iter().zip(keep) {
        if !keep {
            continue;
        }
        let display = display_join(display_root, &cand.rel);
        c.saw_mtime(group, cand.mtime_ns);
        match read_file(c, &cand.path, cand.len) {
            Ok(data) => blob::open(
                c,
                data,
                Origin {
                    display,
                    inner: cand.rel,
                    mtime_ns: cand.mtime_ns,
                    group,
                    depth: 0,
                },
            ),
            Err(e) => c.problem(Some(group), &display, format!("Cannot read: {e}.")),
        }
    }
}

fn display_of(root: &Path, display_root: &str, path: &Path) -> String {
    match path.strip_prefix(root) {
        Ok(rel) if rel.as_os_str().is_empty() => display_root.to_string(),
        Ok(rel) => display_join(display_root, &rel_string(rel)),
        Err(_) => paths::sanitize(&path.to_string_lossy()).into_owned(),
    }
}

/// A single file the user named (not a directory).
pub(super) fn open_file(c: &mut Collector, path: &Path, display: &str, meta: &fs::Metadata) {
    let name = paths::file_name(display).to_string();
    let group = c.add_group(GroupKind::File, &name, display, None);
    let inner = match paths::normalize(&path.to_string_lossy()) {
        paths::Name::Inside { path, .. } => path,
        _ => name.clone(),
    };
    let mtime = mtime_ns(meta);
    c.saw_mtime(group, mtime);
    match read_file(c, path, meta.len()) {
        Ok(data) => blob::open(
            c,
            data,
            Origin {
                display: display.to_string(),
                inner,
                mtime_ns: mtime,
                group,
                depth: 0,
            },
        ),
        Err(e) => c.problem(None, display, format!("Cannot read: {e}.")),
    }
}

/// Bytes the user handed over as a stream (stdin, a FIFO): one blob in memory.
pub(super) fn open_memory(c: &mut Collector, name: &str, bytes: Vec<u8>, mtime_ns: Option<i64>) {
    let display = paths::sanitize(name).into_owned();
    let group = c.add_group(GroupKind::File, paths::file_name(&display), &display, None);
    c.budget.force_take(bytes.len() as u64);
    c.saw_mtime(group, mtime_ns);
    let inner = match paths::normalize(&display) {
        paths::Name::Inside { path, .. } => path,
        _ => "stdin".to_string(),
    };
    let data = if bytes.is_empty() {
        InputData::Empty
    } else {
        InputData::Memory(Arc::from(bytes))
    };
    blob::open(
        c,
        data,
        Origin {
            display,
            inner,
            mtime_ns,
            group,
            depth: 0,
        },
    );
}

/// Read a stream into memory, at most `limit` bytes. The flag says the
/// stream had more.
pub(super) fn read_stream_bounded(reader: impl Read, limit: u64) -> io::Result<(Vec<u8>, bool)> {
    let mut buf = Vec::new();
    reader.take(limit.saturating_add(1)).read_to_end(&mut buf)?;
    let over = buf.len() as u64 > limit;
    if over {
        buf.truncate(limit as usize);
    }
    Ok((buf, over))
}
