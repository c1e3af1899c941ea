//! Builders for test bundles: tarballs with any entry (including names and
//! link targets the `tar` crate's safe API refuses), gzip, directory trees.

use std::io::Write;
use std::path::Path;

use tar::{EntryType, Header};

use crate::bundle::{Bundle, Input, OpenOptions};

/// 2024-06-10T10:15:00Z, the default member mtime.
pub const MTIME: u64 = 1_718_014_500;

/// A header with the name and link target written byte for byte (no
/// validation: tests need `..`, absolute names and control characters).
fn raw_header(name: &[u8], kind: EntryType, size: u64, link: Option<&[u8]>, mtime: u64) -> Header {
    let mut h = Header::new_gnu();
    {
        let old = h.as_old_mut();
        old.name = [0; 100];
        old.name[..name.len()].copy_from_slice(name);
        if let Some(l) = link {
            old.linkname = [0; 100];
            old.linkname[..l.len()].copy_from_slice(l);
        }
    }
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(if kind == EntryType::Symlink {
        0o777
    } else {
        0o600
    });
    h.set_mtime(mtime);
    h.set_cksum();
    h
}

/// A tarball under construction.
pub struct Tar {
    builder: tar::Builder<Vec<u8>>,
}

impl Default for Tar {
    fn default() -> Self {
        Tar::new()
    }
}

impl Tar {
    pub fn new() -> Tar {
        Tar {
            builder: tar::Builder::new(Vec::new()),
        }
    }

    fn raw(
        mut self,
        name: &[u8],
        kind: EntryType,
        data: &[u8],
        link: Option<&[u8]>,
        mtime: u64,
    ) -> Tar {
        if name.len() > 100 || link.is_some_and(|l| l.len() > 100) {
            // Long (and therefore ordinary) names: the builder writes GNU long-name entries.
            let mut h = raw_header(b"", kind, data.len() as u64, None, mtime);
            let name = std::str::from_utf8(name).unwrap();
            match link {
                Some(l) => self
                    .builder
                    .append_link(&mut h, name, std::str::from_utf8(l).unwrap())
                    .unwrap(),
                None => self.builder.append_data(&mut h, name, data).unwrap(),
            }
            return self;
        }
        let h = raw_header(name, kind, data.len() as u64, link, mtime);
        self.builder.append(&h, data).unwrap();
        self
    }

    pub fn file(self, name: &str, data: &[u8]) -> Tar {
        self.raw(name.as_bytes(), EntryType::Regular, data, None, MTIME)
    }

    pub fn file_raw_name(self, name: &[u8], data: &[u8]) -> Tar {
        self.raw(name, EntryType::Regular, data, None, MTIME)
    }

    pub fn symlink(self, name: &str, target: &str) -> Tar {
        self.raw(
            name.as_bytes(),
            EntryType::Symlink,
            b"",
            Some(target.as_bytes()),
            MTIME,
        )
    }

    pub fn hardlink(self, name: &str, target: &str) -> Tar {
        self.raw(
            name.as_bytes(),
            EntryType::Link,
            b"",
            Some(target.as_bytes()),
            MTIME,
        )
    }

    pub fn special(self, name: &str, kind: EntryType) -> Tar {
        self.raw(name.as_bytes(), kind, b"", None, MTIME)
    }

    /// The archive with its end-of-archive marker.
    pub fn finish(self) -> Vec<u8> {
        self.builder.into_inner().unwrap()
    }

    pub fn finish_gz(self) -> Vec<u8> {
        gz(&self.finish())
    }
}

pub fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A file tree on disk: `(relative path, content)`; parents are created.
pub fn write_tree(root: &Path, files: &[(&str, &[u8])]) {
    for (path, content) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
    }
}

#[cfg(unix)]
pub fn symlink(root: &Path, link: &str, target: &str) {
    let p = root.join(link);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(target, p).unwrap();
}

pub fn options() -> OpenOptions {
    OpenOptions::default()
}

/// The input whose inner path is `inner` (exactly one).
pub fn by_inner<'b>(bundle: &'b Bundle, inner: &str) -> &'b Input {
    let found: Vec<&Input> = bundle
        .inputs
        .iter()
        .filter(|i| i.inner_path == inner)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "inputs with inner path {inner}: {:?}",
        names(bundle)
    );
    found[0]
}

/// `(inner path, node, source)` of every input, in display order.
pub fn attribution(bundle: &Bundle) -> Vec<(String, Option<String>, Option<String>)> {
    bundle
        .inputs
        .iter()
        .map(|i| (i.inner_path.clone(), i.node.clone(), i.source.clone()))
        .collect()
}

pub fn names(bundle: &Bundle) -> Vec<&str> {
    bundle
        .inputs
        .iter()
        .map(|i| i.display_path.as_str())
        .collect()
}

/// `(path, message)` of every problem.
pub fn problems(bundle: &Bundle) -> Vec<(String, String)> {
    bundle
        .problems
        .iter()
        .map(|p| (p.path.clone(), p.message.clone()))
        .collect()
}

/// Triples for expected attribution tables.
pub fn row(
    inner: &str,
    node: Option<&str>,
    source: Option<&str>,
) -> (String, Option<String>, Option<String>) {
    (
        inner.to_string(),
        node.map(str::to_string),
        source.map(str::to_string),
    )
}

pub fn utc(text: &str) -> i64 {
    let ts: jiff::Timestamp = text.parse().unwrap();
    ts.as_nanosecond() as i64
}

/// True when this process can read files whose permissions forbid it (root).
#[cfg(unix)]
pub fn permissions_are_ignored(dir: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let probe = dir.join(".probe");
    std::fs::write(&probe, b"x").unwrap();
    std::fs::set_permissions(&probe, std::fs::Permissions::from_mode(0o000)).unwrap();
    let readable = std::fs::read(&probe).is_ok();
    std::fs::set_permissions(&probe, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::remove_file(&probe).unwrap();
    readable
}
