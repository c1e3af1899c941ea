//! Packing the tree as a support-bundle archive: entries sorted by path, all
//! stamped with the collection time (the only clock a collector leaves).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

pub fn pack(out: &Path, top: &str, files: &[String], mtime: i64, gz: bool) -> io::Result<PathBuf> {
    let name = format!("{top}.tar{}", if gz { ".gz" } else { "" });
    let path = out.join(&name);
    let file = BufWriter::with_capacity(1 << 20, File::create(&path)?);
    let w: Box<dyn Write> = if gz {
        Box::new(flate2::write::GzEncoder::new(
            file,
            flate2::Compression::fast(),
        ))
    } else {
        Box::new(file)
    };
    let mut b = tar::Builder::new(w);
    let root = out.join(top);
    let mut sorted: Vec<&String> = files.iter().collect();
    sorted.sort();
    for rel in sorted {
        let mut f = File::open(root.join(rel))?;
        let len = f.metadata()?.len();
        let mut h = tar::Header::new_gnu();
        h.set_size(len);
        h.set_mode(0o600);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(mtime.max(0) as u64);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, format!("{top}/{rel}"), &mut f)?;
    }
    let w = b.into_inner()?;
    drop(w);
    std::fs::remove_dir_all(&root)?;
    Ok(path)
}
