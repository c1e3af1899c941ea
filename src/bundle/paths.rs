//! Names inside a bundle: normalising untrusted member names and making any
//! name safe to print.
//!
//! Archive member names and symlink targets come from the customer's machine
//! (or from an attacker): they can be absolute, climb out with `..`, carry
//! terminal escape sequences or bidi overrides. Nothing is ever written to
//! disk, but the names end up in layout rules, evidence and terminal output,
//! so every name goes through [`normalize`] and [`sanitize`] first.

use std::borrow::Cow;

/// A member name after normalisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Name {
    /// Relative, `/`-separated, no `.`/`..`/empty components. `absolute` is
    /// true when the raw name started with `/` (the `/` was dropped).
    Inside { path: String, absolute: bool },
    /// A `..` climbed above the archive root.
    Escapes,
    /// Nothing left (`.`, `./`, `/`): the archive root itself.
    Root,
}

/// Normalise a raw member name lexically: drop a leading `/`, `.` and empty
/// components, apply `..` to the component before it. A `..` with nothing
/// left to remove means the name points outside the archive.
pub(super) fn normalize(raw: &str) -> Name {
    let absolute = raw.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in raw.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Name::Escapes;
                }
            }
            other => parts.push(other),
        }
    }
    if parts.is_empty() {
        return Name::Root;
    }
    Name::Inside {
        path: sanitize(&parts.join("/")).into_owned(),
        absolute,
    }
}

/// Resolve a relative symlink target against the directory holding the link
/// (`dir` is normalised, "" for the root). `None` when the result climbs above
/// the root.
pub(super) fn resolve_relative(dir: &str, target: &str) -> Option<String> {
    let joined = if dir.is_empty() {
        target.to_string()
    } else {
        format!("{dir}/{target}")
    };
    match normalize(&joined) {
        Name::Inside { path, .. } => Some(path),
        Name::Root => Some(String::new()),
        Name::Escapes => None,
    }
}

/// Replace control characters (C0, DEL, C1) and Unicode bidi controls by
/// visible escapes (`\x1b`, `\u{202e}`), so that a name can never move the
/// cursor, recolour a terminal or reorder the text around it.
pub(super) fn sanitize(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !needs_escape(c) {
            out.push(c);
        } else if (c as u32) < 0x80 {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Lossy UTF-8 decoding followed by [`sanitize`]: how any byte name is shown.
pub(super) fn display_bytes(bytes: &[u8]) -> String {
    sanitize(&String::from_utf8_lossy(bytes)).into_owned()
}

/// The directory part of a normalised path ("" at the top).
pub(super) fn parent(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

/// The last component of a normalised path.
pub(super) fn file_name(path: &str) -> &str {
    path.rfind('/').map_or(path, |i| &path[i + 1..])
}

/// `dir/name`, or `name` when `dir` is the root.
pub(super) fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// The part of `path` below `dir` (`dir` "" is the root), if it is below.
pub(super) fn strip_dir<'p>(path: &'p str, dir: &str) -> Option<&'p str> {
    if dir.is_empty() {
        return Some(path);
    }
    path.strip_prefix(dir)?.strip_prefix('/')
}

/// A name without the archive/compression extensions that tools append
/// (`.tar.gz`, `.tgz`, `.tar.xz`, `.tar`, `.gz`, `.zip`, `.age`...).
pub(super) fn strip_archive_ext(name: &str) -> &str {
    let mut n = name;
    loop {
        let before = n;
        for ext in [
            ".age", ".zip", ".gz", ".tgz", ".xz", ".txz", ".bz2", ".zst", ".tar",
        ] {
            if let Some(s) = n.strip_suffix(ext) {
                n = s;
            }
        }
        if n == before || n.is_empty() {
            return if n.is_empty() { name } else { n };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inside(path: &str, absolute: bool) -> Name {
        Name::Inside {
            path: path.to_string(),
            absolute,
        }
    }

    #[test]
    fn normalize_drops_dots_and_leading_slash() {
        assert_eq!(normalize("./a//b/./c.log"), inside("a/b/c.log", false));
        assert_eq!(normalize("/etc/passwd"), inside("etc/passwd", true));
        assert_eq!(normalize("a/x/../b"), inside("a/b", false));
        assert_eq!(normalize("./"), Name::Root);
        assert_eq!(normalize(""), Name::Root);
    }

    #[test]
    fn normalize_refuses_to_climb_out() {
        assert_eq!(normalize("../../etc/passwd"), Name::Escapes);
        assert_eq!(normalize("a/../../b"), Name::Escapes);
        assert_eq!(normalize("/../x"), Name::Escapes);
    }

    #[test]
    fn relative_targets_resolve_against_the_link_directory() {
        assert_eq!(
            resolve_relative("sb/all-logs/pod", "../../cluster-resources/x.log"),
            Some("sb/cluster-resources/x.log".to_string())
        );
        assert_eq!(resolve_relative("a", "../../x"), None);
        assert_eq!(resolve_relative("", "b/c"), Some("b/c".to_string()));
    }

    #[test]
    fn sanitize_escapes_controls_and_bidi() {
        assert_eq!(sanitize("plain/name.log"), "plain/name.log");
        assert_eq!(sanitize("a\x1b[31mb\n"), "a\\x1b[31mb\\x0a");
        assert_eq!(sanitize("x\u{202e}gol.exe"), "x\\u{202e}gol.exe");
        assert_eq!(sanitize("c1\u{9b}"), "c1\\u{9b}");
        assert_eq!(display_bytes(b"bad\xffname"), "bad\u{fffd}name");
    }

    #[test]
    fn archive_extensions_are_stripped() {
        assert_eq!(
            strip_archive_ext("sosreport-cp1-2024-06-10-abcdefg.tar.xz"),
            "sosreport-cp1-2024-06-10-abcdefg"
        );
        assert_eq!(strip_archive_ext("b.tgz"), "b");
        assert_eq!(strip_archive_ext("support.zip.age"), "support");
        assert_eq!(strip_archive_ext("plain"), "plain");
        assert_eq!(strip_archive_ext(".gz"), ".gz");
    }

    #[test]
    fn path_helpers() {
        assert_eq!(parent("a/b/c"), "a/b");
        assert_eq!(parent("c"), "");
        assert_eq!(file_name("a/b/c"), "c");
        assert_eq!(join("", "x"), "x");
        assert_eq!(join("a", "x"), "a/x");
        assert_eq!(strip_dir("a/b/c", "a"), Some("b/c"));
        assert_eq!(strip_dir("ab/c", "a"), None);
        assert_eq!(strip_dir("ab/c", ""), Some("ab/c"));
    }
}
