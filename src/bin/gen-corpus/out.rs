//! Where bytes go: the bundle's directory tree, with per-file and total byte
//! counts so that the generators can aim at `--size`.
//!
//! Every file is written through a large `BufWriter` and, when closed, gets
//! the collection time as its modification time (what an unpacked archive
//! would show), so even the plain-directory form carries that evidence.

use std::cell::Cell;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, SystemTime};

use crate::clock::{Micros, SEC};

const BUF_BYTES: usize = 256 * 1024;

/// The tree of one bundle under `root`.
pub struct Tree {
    root: PathBuf,
    mtime: SystemTime,
    total: Rc<Cell<u64>>,
    files: Vec<String>,
}

impl Tree {
    pub fn new(root: PathBuf, collected: Micros) -> io::Result<Tree> {
        fs::create_dir_all(&root)?;
        Ok(Tree {
            root,
            mtime: SystemTime::UNIX_EPOCH
                + Duration::from_micros(collected.max(0) as u64 / SEC as u64 * SEC as u64),
            total: Rc::new(Cell::new(0)),
            files: Vec::new(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Bytes written to all files so far (closed and open).
    pub fn total(&self) -> u64 {
        self.total.get()
    }

    /// Relative paths of every file created, in creation order.
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// Create (or truncate) a file at the relative path `rel`.
    pub fn create(&mut self, rel: &str) -> io::Result<FileOut> {
        let path = self.root.join(rel);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        if !self.files.iter().any(|f| f == rel) {
            self.files.push(rel.to_string());
        }
        Ok(FileOut {
            w: BufWriter::with_capacity(BUF_BYTES, File::create(&path)?),
            written: 0,
            total: self.total.clone(),
            mtime: self.mtime,
        })
    }

    /// Write a whole small file at once.
    pub fn write(&mut self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        let mut f = self.create(rel)?;
        f.write_all(bytes)?;
        f.finish()
    }

    /// Rename a closed file (kubelet log rotation); sizes are unchanged.
    pub fn rename(&mut self, from: &str, to: &str) -> io::Result<()> {
        fs::rename(self.root.join(from), self.root.join(to))?;
        for f in self.files.iter_mut() {
            if f == from {
                *f = to.to_string();
            }
        }
        Ok(())
    }

    /// Delete a closed file of `len` bytes (rotation beyond the kept count).
    pub fn remove(&mut self, rel: &str, len: u64) -> io::Result<()> {
        fs::remove_file(self.root.join(rel))?;
        self.files.retain(|f| f != rel);
        self.total.set(self.total.get() - len);
        Ok(())
    }

    /// Give every file the collection time as modification time.
    pub fn stamp_all(&self) -> io::Result<()> {
        for f in &self.files {
            File::options()
                .write(true)
                .open(self.root.join(f))?
                .set_modified(self.mtime)?;
        }
        Ok(())
    }
}

/// One open output file.
pub struct FileOut {
    w: BufWriter<File>,
    written: u64,
    total: Rc<Cell<u64>>,
    mtime: SystemTime,
}

impl FileOut {
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Flush, close and stamp the collection time.
    pub fn finish(self) -> io::Result<()> {
        let file = self.w.into_inner().map_err(|e| e.into_error())?;
        file.set_modified(self.mtime)?;
        Ok(())
    }
}

impl Write for FileOut {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.w.write(buf)?;
        self.written += n as u64;
        self.total.set(self.total.get() + n as u64);
        Ok(n)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.w.write_all(buf)?;
        self.written += buf.len() as u64;
        self.total.set(self.total.get() + buf.len() as u64);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

/// A writer that only counts (dry runs that measure a fixed part's size).
#[derive(Default)]
pub struct Counter(pub u64);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
