//! Damaged and hostile input: truncation, corruption, escaping names and
//! links, bombs, special files. Nothing panics, nothing is dropped silently.

use tar::EntryType;

use super::support::*;
use crate::bundle::{open, open_bytes, BundleProblem, InputData, OpenOptions};

/// Three members of distinct, poorly compressible content (so that cuts land
/// inside each of them).
fn three_members() -> (Vec<(&'static str, Vec<u8>)>, Vec<u8>) {
    let content = |seed: u32| -> Vec<u8> {
        let mut x = seed;
        (0..40_000)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                b'a' + (x >> 16) as u8 % 26
            })
            .collect()
    };
    let files = vec![
        ("a.log", content(1)),
        ("b.log", content(2)),
        ("c.log", content(3)),
    ];
    let tar = files
        .iter()
        .fold(Tar::new(), |t, (n, c)| t.file(n, c))
        .finish();
    (files, tar)
}

#[test]
fn truncated_tar_gz_keeps_what_was_read() {
    let (files, tar) = three_members();
    let tgz = gz(&tar);
    for cut in [
        15,
        tgz.len() / 3,
        tgz.len() / 2,
        tgz.len() * 9 / 10,
        tgz.len() - 4,
    ] {
        let b = open_bytes("cut.tar.gz", tgz[..cut].to_vec(), &options());
        let truncated: Vec<&BundleProblem> = b
            .problems
            .iter()
            .filter(|p| {
                p.path == "cut.tar.gz" && p.message.starts_with("Truncated gzip stream after ")
            })
            .collect();
        assert_eq!(truncated.len(), 1, "cut at {cut}: {:?}", b.problems);
        assert!(b.inputs.len() <= 3);
        if let [only] = &b.inputs[..] {
            if only.inner_path == "cut.tar.gz" {
                // Less than one tar header came out: the bytes are kept as a plain file.
                assert!(only.data.len() < 512 && tar.starts_with(only.data.bytes()));
                continue;
            }
        }
        for input in &b.inputs {
            let name = input.inner_path.as_str();
            let original = &files.iter().find(|(n, _)| *n == name).unwrap().1;
            assert!(
                original.starts_with(input.data.bytes()),
                "cut at {cut}: {name} is a prefix of the original"
            );
        }
        if cut == tgz.len() - 4 {
            // Only the gzip trailer is missing: all data was decompressed.
            assert_eq!(b.inputs.len(), 3);
            assert!(b.inputs.iter().all(|i| i.data.len() == 40_000));
        }
    }
}

#[test]
fn truncated_plain_tar_names_the_offset() {
    let (files, tar) = three_members();
    // a.log: header at 0, 40_000 bytes of data padded to 40_448; b.log: header at 40_960, data from 41_472.
    let b_data = 41_472;
    let cut = b_data + 1000;
    let b = open_bytes("cut.tar", tar[..cut].to_vec(), &options());
    assert_eq!(
        problems(&b),
        vec![(
            "cut.tar".to_string(),
            format!(
                "The tar archive is truncated at byte {cut}: member b.log is missing its last 39000 bytes (kept the first 1000)."
            )
        )]
    );
    assert_eq!(names(&b), vec!["cut.tar!/a.log", "cut.tar!/b.log"]);
    assert_eq!(b.inputs[0].data.bytes(), &files[0].1[..]);
    assert_eq!(b.inputs[1].data.bytes(), &files[1].1[..1000]);

    // Cut inside the second header.
    let b = open_bytes("cut.tar", tar[..40_960 + 100].to_vec(), &options());
    assert_eq!(names(&b), vec!["cut.tar!/a.log"]);
    assert_eq!(b.problems.len(), 1);
    assert!(
        b.problems[0]
            .message
            .starts_with("The tar archive is truncated or corrupt at byte 40960 ("),
        "{:?}",
        b.problems
    );

    // Cut exactly after a member: no end-of-archive marker.
    let b = open_bytes("cut.tar", tar[..40_960].to_vec(), &options());
    assert_eq!(names(&b), vec!["cut.tar!/a.log"]);
    assert_eq!(
        problems(&b),
        vec![(
            "cut.tar".to_string(),
            "The tar archive ends at byte 40960 without its end-of-archive marker; it may be truncated after its last member.".to_string()
        )]
    );
}

#[test]
fn corrupt_tar_header_stops_with_members_before_it() {
    let (_, mut tar) = three_members();
    tar[40_960 + 10] ^= 0x55; // inside b.log's name: checksum no longer matches
    let b = open_bytes("bad.tar", tar, &options());
    assert_eq!(names(&b), vec!["bad.tar!/a.log"]);
    assert_eq!(
        problems(&b),
        vec![(
            "bad.tar".to_string(),
            "The tar archive is truncated or corrupt at byte 40960 (archive header checksum mismatch); the 1 members before it were kept.".to_string()
        )]
    );
}

#[test]
fn escaping_and_absolute_member_names() {
    let tar = Tar::new()
        .file("ok/kubelet.log", b"fine\n")
        .file("../../etc/passwd", b"root:x:0:0\n")
        .file("ok/../../x", b"escapes too\n")
        .file("/etc/shadow", b"absolute\n")
        .finish();
    let b = open_bytes("evil.tar", tar, &options());
    assert_eq!(
        names(&b),
        vec!["evil.tar!/etc/shadow", "evil.tar!/ok/kubelet.log"]
    );
    assert_eq!(by_inner(&b, "etc/shadow").data.bytes(), b"absolute\n");
    assert_eq!(
        problems(&b),
        vec![
            (
                "evil.tar!/../../etc/passwd".to_string(),
                "Skipped: the member name climbs out of the archive with `..`; such names are never trusted.".to_string()
            ),
            (
                "evil.tar!/ok/../../x".to_string(),
                "Skipped: the member name climbs out of the archive with `..`; such names are never trusted.".to_string()
            ),
            (
                "evil.tar".to_string(),
                "1 member names are absolute (the first is /etc/shadow); they were read relative to the archive root.".to_string()
            ),
        ]
    );
}

#[test]
fn links_inside_archives() {
    let tar = Tar::new()
        .file("b/real/kubelet.log", b"real\n")
        .symlink("b/alias.log", "real/kubelet.log")
        .hardlink("b/hard.log", "b/real/kubelet.log")
        .symlink("b/up.log", "../../../etc/passwd")
        .symlink("b/abs.log", "/etc/passwd")
        .symlink("b/gone.log", "nothing/here.log")
        .symlink("b/loop1", "loop2")
        .symlink("b/loop2", "loop1")
        .hardlink("b/hard-gone.log", "b/missing.log")
        .symlink("b/dir-link", "real")
        .finish();
    let b = open_bytes("links.tar", tar, &options());
    assert_eq!(names(&b), vec!["links.tar!/b/real/kubelet.log"]);
    assert_eq!(
        problems(&b),
        vec![
            (
                "links.tar!/b/up.log".to_string(),
                "Not followed: the symlink points outside the archive (../../../etc/passwd).".to_string()
            ),
            (
                "links.tar!/b/abs.log".to_string(),
                "Not followed: the symlink has an absolute target (/etc/passwd), which is outside the archive.".to_string()
            ),
            (
                "links.tar!/b/gone.log".to_string(),
                "Not followed: the symlink target b/nothing/here.log is not in the archive.".to_string()
            ),
            ("links.tar!/b/loop1".to_string(), "Not followed: the symlink is part of a loop.".to_string()),
            ("links.tar!/b/loop2".to_string(), "Not followed: the symlink is part of a loop.".to_string()),
            (
                "links.tar!/b/hard-gone.log".to_string(),
                "Skipped: hard link to b/missing.log, which is not a file in the archive.".to_string()
            ),
        ]
    );
}

#[test]
fn special_members_and_unknown_types_are_reported() {
    let tar = Tar::new()
        .special("dev/fifo", EntryType::Fifo)
        .special("dev/null", EntryType::Char)
        .special("dev/sda", EntryType::Block)
        .special("weird", EntryType::new(b'Q'))
        .file("empty.log", b"")
        .finish();
    let b = open_bytes("dev.tar", tar, &options());
    assert_eq!(names(&b), vec!["dev.tar!/empty.log"]);
    assert!(matches!(b.inputs[0].data, InputData::Empty));
    assert_eq!(
        problems(&b),
        vec![
            (
                "dev.tar!/dev/fifo".to_string(),
                "Skipped: this member is a FIFO, which has no content to read.".to_string()
            ),
            (
                "dev.tar!/dev/null".to_string(),
                "Skipped: this member is a character device, which has no content to read."
                    .to_string()
            ),
            (
                "dev.tar!/dev/sda".to_string(),
                "Skipped: this member is a block device, which has no content to read.".to_string()
            ),
            (
                "dev.tar!/weird".to_string(),
                "Skipped: unknown tar entry type 'Q' (header at byte 1536).".to_string()
            ),
        ]
    );
}

#[test]
fn hostile_names_are_sanitised() {
    let tar = Tar::new()
        .file_raw_name(b"logs/bad\xffname\x1b[31m\x07.log", b"x\n")
        .file_raw_name("logs/\u{202e}gol.exe".as_bytes(), b"y\n")
        .finish();
    let b = open_bytes("names\n.tar", tar, &options());
    assert_eq!(
        names(&b),
        vec![
            "names\\x0a.tar!/logs/\\u{202e}gol.exe",
            "names\\x0a.tar!/logs/bad\u{fffd}name\\x1b[31m\\x07.log",
        ]
    );
    for i in &b.inputs {
        assert!(!i.display_path.chars().any(char::is_control));
        assert!(!i.inner_path.chars().any(char::is_control));
    }
}

#[test]
fn duplicate_member_names_are_all_kept() {
    let tar = Tar::new()
        .file("n/kube-system/coredns.log", b"first\n")
        .file("n/kube-system/coredns.log", b"second\n")
        .finish();
    let b = open_bytes("dup.tar", tar, &options());
    assert_eq!(
        names(&b),
        vec![
            "dup.tar!/n/kube-system/coredns.log",
            "dup.tar!/n/kube-system/coredns.log#2"
        ]
    );
    assert_eq!(b.inputs[1].data.bytes(), b"second\n");
    assert_eq!(b.inputs[1].inner_path, "n/kube-system/coredns.log");
    assert_eq!(b.problems.len(), 1);
}

#[test]
fn gzip_bomb_stops_at_max_memory() {
    let small = OpenOptions {
        max_memory: 1 << 20,
        ..OpenOptions::default()
    };
    let bomb = gz(&vec![0u8; 8 << 20]);
    assert!(bomb.len() < 64 * 1024);
    let b = open_bytes("bomb.log", bomb, &small);
    assert_eq!(b.inputs.len(), 0);
    assert_eq!(b.problems.len(), 1);
    assert_eq!(b.problems[0].path, "bomb.log");
    assert!(
        b.problems[0]
            .message
            .starts_with("Skipped: decompressing it needs more than the memory left"),
        "{:?}",
        b.problems
    );

    let tar_bomb = Tar::new()
        .file("small.log", b"kept\n")
        .file("huge.log", &vec![0u8; 8 << 20])
        .file("after.log", b"never reached\n")
        .finish_gz();
    let b = open_bytes("bomb.tar.gz", tar_bomb, &small);
    assert_eq!(names(&b), vec!["bomb.tar.gz!/small.log"]);
    assert!(
        b.problems.iter().any(|p| p.path == "bomb.tar.gz"
            && p.message
                .starts_with("Reading stopped: the archive's members exceed the memory limit")),
        "{:?}",
        b.problems
    );
}

#[test]
fn millions_of_empty_members_are_bounded_by_the_budget() {
    let tiny = OpenOptions {
        max_memory: 64 * 1024,
        ..OpenOptions::default()
    };
    let tar = (0..2000)
        .fold(Tar::new(), |t, i| t.file(&format!("f{i}"), b""))
        .finish_gz();
    let b = open_bytes("many.tar.gz", tar, &tiny);
    // Compressed bytes are held too (open_bytes charges them), then 256 bytes per member.
    assert!(b.inputs.len() < 256, "{}", b.inputs.len());
    assert!(!b.inputs.is_empty());
    assert!(b
        .problems
        .iter()
        .any(|p| p.message.starts_with("Reading stopped:")
            || p.message.starts_with("Decompression stopped after")));
}

#[test]
fn problems_are_capped_per_archive() {
    let tar = (0..150)
        .fold(Tar::new(), |t, i| t.file(&format!("../x{i}"), b""))
        .finish();
    let b = open_bytes("many-bad.tar", tar, &options());
    assert_eq!(b.problems.len(), 101);
    assert_eq!(
        b.problems[100],
        BundleProblem {
            path: "many-bad.tar".to_string(),
            message: "50 more problems in this container were not listed (only the first 100 are)."
                .to_string(),
        }
    );
}

#[test]
fn nesting_is_limited_by_max_depth() {
    let inner_gz = gz(b"rotated\n");
    let middle = Tar::new()
        .file("logs/kubelet.log.1.gz", &inner_gz)
        .finish_gz();
    let outer = Tar::new().file("node/logs.tar.gz", &middle).finish();

    let b = open_bytes("outer.tar", outer.clone(), &options());
    assert_eq!(
        names(&b),
        vec!["outer.tar!/node/logs.tar.gz!/logs/kubelet.log.1.gz"]
    );
    assert_eq!(b.inputs[0].data.bytes(), b"rotated\n");

    let shallow = OpenOptions {
        max_depth: 1,
        ..OpenOptions::default()
    };
    let b = open_bytes("outer.tar", outer.clone(), &shallow);
    assert_eq!(b.inputs.len(), 0);
    assert_eq!(
        problems(&b),
        vec![(
            "outer.tar!/node/logs.tar.gz!/logs/kubelet.log.1.gz".to_string(),
            "Not opened: this archive is nested 2 levels deep and max_depth is 1.".to_string()
        )]
    );

    let none = OpenOptions {
        max_depth: 0,
        ..OpenOptions::default()
    };
    let b = open_bytes("outer.tar", outer, &none);
    assert_eq!(
        problems(&b),
        vec![(
            "outer.tar!/node/logs.tar.gz".to_string(),
            "Not opened: this archive is nested 1 levels deep and max_depth is 0.".to_string()
        )]
    );
}

#[test]
fn content_decides_not_the_extension() {
    let dir = tempfile::tempdir().unwrap();
    let tar = Tar::new().file("inside.log", b"from a tar\n").finish();
    write_tree(
        dir.path(),
        &[
            ("kubelet.log", &gz(b"I0610 10:00:00.000000 1 x.go:1] gz\n")),
            ("bundle.tar.gz", b"just text, not an archive\n"),
            ("archive.gz", &tar),
        ],
    );
    let b = open(&[dir.path().to_path_buf()], &options());
    let root = dir.path().to_string_lossy();
    assert_eq!(b.problems, vec![]);
    assert_eq!(
        names(&b),
        vec![
            format!("{root}/archive.gz!/inside.log"),
            format!("{root}/bundle.tar.gz"),
            format!("{root}/kubelet.log"),
        ]
    );
    assert_eq!(
        by_inner(&b, "kubelet.log").data.bytes(),
        b"I0610 10:00:00.000000 1 x.go:1] gz\n"
    );
    assert_eq!(
        by_inner(&b, "kubelet.log").source.as_deref(),
        Some("kubelet")
    );
    assert_eq!(
        by_inner(&b, "bundle.tar.gz").data.bytes(),
        b"just text, not an archive\n"
    );
}

#[test]
fn unsupported_containers_are_listed() {
    let tar = Tar::new()
        .file("a.tar.xz", b"\xfd7zXZ\x00\x00\x04\xe6\xd6\xb4\x46")
        .file("support.zip", b"PK\x03\x04\x14\x00\x00\x00")
        .file("support.zip.age", b"age-encryption.org/v1\n-> X25519 abc\n")
        .finish();
    let b = open_bytes("u.tar", tar, &options());
    assert_eq!(b.inputs.len(), 0);
    assert_eq!(
        problems(&b),
        vec![
            ("u.tar!/a.tar.xz".to_string(), "Skipped: this is an xz-compressed file, which cannot be opened yet; unpack it and pass the result instead.".to_string()),
            ("u.tar!/support.zip".to_string(), "Skipped: this is a ZIP archive, which cannot be opened yet; unpack it and pass the result instead.".to_string()),
            ("u.tar!/support.zip.age".to_string(), "Skipped: this is an age-encrypted file, which cannot be opened yet; unpack it and pass the result instead.".to_string()),
        ]
    );
}

#[test]
fn gzip_problems_on_single_files() {
    let text: Vec<u8> = (0..50_000u32)
        .flat_map(|i| format!("line {i}\n").into_bytes())
        .collect();
    let whole = gz(&text);
    let b = open_bytes("k.log.gz", whole[..whole.len() / 2].to_vec(), &options());
    assert_eq!(b.inputs.len(), 1);
    let kept = b.inputs[0].data.len();
    assert!(kept > 0 && kept < text.len());
    assert_eq!(b.inputs[0].data.bytes(), &text[..kept]);
    assert_eq!(
        problems(&b),
        vec![(
            "k.log.gz".to_string(),
            format!("Truncated gzip stream after {kept} bytes; the bytes decompressed before it were kept.")
        )]
    );

    let mut trailing = gz(b"ok\n");
    trailing.extend(b"GARBAGE");
    let b = open_bytes("t.gz", trailing, &options());
    assert_eq!(b.inputs[0].data.bytes(), b"ok\n");
    assert_eq!(
        problems(&b),
        vec![(
            "t.gz".to_string(),
            "Ignored 7 bytes of non-gzip data after the end of the gzip stream.".to_string()
        )]
    );
}

#[test]
fn stdin_bytes_are_opened_by_content() {
    let tgz = Tar::new()
        .file("sb/cluster-resources/events/default.json", b"{}")
        .finish_gz();
    let b = open_bytes("stdin", tgz, &options());
    assert_eq!(
        names(&b),
        vec!["stdin!/sb/cluster-resources/events/default.json"]
    );
    assert_eq!(b.roots, vec!["stdin"]);

    let b = open_bytes(
        "stdin",
        b"Jun 10 10:00:00 n1 kubelet[1]: x\n".to_vec(),
        &options(),
    );
    assert_eq!(names(&b), vec!["stdin"]);
    assert_eq!(b.inputs[0].inner_path, "stdin");
    assert!(matches!(b.inputs[0].data, InputData::Memory(_)));

    let b = open_bytes("stdin", Vec::new(), &options());
    assert_eq!(names(&b), vec!["stdin"]);
    assert!(matches!(b.inputs[0].data, InputData::Empty));
}

#[test]
fn missing_paths_are_problems() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.tar.gz");
    let b = open(std::slice::from_ref(&missing), &options());
    assert_eq!(b.inputs.len(), 0);
    assert_eq!(
        problems(&b),
        vec![(
            missing.to_string_lossy().into_owned(),
            "Cannot open: No such file or directory (os error 2).".to_string()
        )]
    );
}

#[test]
fn a_path_given_twice_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("kubelet.log", b"x\n")]);
    let file = dir.path().join("kubelet.log");
    let b = open(&[file.clone(), file.clone()], &options());
    let shown = file.to_string_lossy().into_owned();
    assert_eq!(names(&b), vec![shown.clone()]);
    assert_eq!(b.roots, vec![shown.clone(), shown.clone()]);
    assert_eq!(
        problems(&b),
        vec![(
            shown,
            "This path was given more than once; it was read once.".to_string()
        )]
    );
}

#[cfg(unix)]
mod on_disk {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn symlink_loop_in_a_directory() {
        let dir = tempfile::tempdir().unwrap();
        write_tree(dir.path(), &[("a/kubelet.log", b"x\n")]);
        symlink(dir.path(), "a/again", "..");
        let b = open(&[dir.path().to_path_buf()], &options());
        let root = dir.path().to_string_lossy();
        assert_eq!(names(&b), vec![format!("{root}/a/kubelet.log")]);
        assert_eq!(
            problems(&b),
            vec![(
                format!("{root}/a/again"),
                format!("Not followed: symlink loop (it leads back to {root}).")
            )]
        );
    }

    #[test]
    fn symlinks_leaving_the_root_are_not_followed() {
        let outside = tempfile::tempdir().unwrap();
        write_tree(
            outside.path(),
            &[("secret.log", b"not evidence\n"), ("d/x.log", b"no\n")],
        );
        let dir = tempfile::tempdir().unwrap();
        write_tree(dir.path(), &[("n1/kubelet.log", b"x\n")]);
        let target = outside.path().join("secret.log");
        symlink(dir.path(), "n1/secret.log", &target.to_string_lossy());
        symlink(
            dir.path(),
            "n1/outdir",
            &outside.path().join("d").to_string_lossy(),
        );
        symlink(dir.path(), "n1/dangling.log", "does-not-exist.log");
        let b = open(&[dir.path().to_path_buf()], &options());
        let root = dir.path().to_string_lossy();
        assert_eq!(names(&b), vec![format!("{root}/n1/kubelet.log")]);
        let mut got = problems(&b);
        got.sort();
        let real_outside = std::fs::canonicalize(outside.path()).unwrap();
        assert_eq!(
            got,
            vec![
                (
                    format!("{root}/n1/dangling.log"),
                    "Skipped: dangling symlink to does-not-exist.log.".to_string()
                ),
                (
                    format!("{root}/n1/outdir"),
                    format!(
                        "Not followed: the symlink points outside the directory ({}).",
                        real_outside.join("d").to_string_lossy()
                    )
                ),
                (
                    format!("{root}/n1/secret.log"),
                    format!(
                        "Not followed: the symlink points outside the directory ({}).",
                        real_outside.join("secret.log").to_string_lossy()
                    )
                ),
            ]
        );
    }

    #[test]
    fn unreadable_files_and_directories() {
        let dir = tempfile::tempdir().unwrap();
        write_tree(
            dir.path(),
            &[
                ("ok.log", b"fine\n"),
                ("locked.log", b"secret\n"),
                ("closed/inner.log", b"x\n"),
            ],
        );
        let root = dir.path().to_string_lossy();
        let as_root = permissions_are_ignored(dir.path());
        std::fs::set_permissions(
            dir.path().join("locked.log"),
            std::fs::Permissions::from_mode(0o000),
        )
        .unwrap();
        std::fs::set_permissions(
            dir.path().join("closed"),
            std::fs::Permissions::from_mode(0o000),
        )
        .unwrap();
        let b = open(&[dir.path().to_path_buf()], &options());
        std::fs::set_permissions(
            dir.path().join("closed"),
            std::fs::Permissions::from_mode(0o700),
        )
        .unwrap();
        if as_root {
            // Permissions do not stop root: everything is read.
            assert_eq!(b.inputs.len(), 3);
            assert_eq!(b.problems, vec![]);
            return;
        }
        assert_eq!(names(&b), vec![format!("{root}/ok.log")]);
        let mut got = problems(&b);
        got.sort();
        assert_eq!(
            got,
            vec![
                (
                    format!("{root}/closed"),
                    "Cannot read: Permission denied (os error 13).".to_string()
                ),
                (
                    format!("{root}/locked.log"),
                    "Cannot read: Permission denied (os error 13).".to_string()
                ),
            ]
        );
    }

    #[test]
    fn sockets_and_fifos_in_directories_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        write_tree(dir.path(), &[("ok.log", b"fine\n"), ("empty.log", b"")]);
        let _listener =
            std::os::unix::net::UnixListener::bind(dir.path().join("agent.sock")).unwrap();
        let fifo = std::process::Command::new("mkfifo")
            .arg(dir.path().join("pipe"))
            .status()
            .is_ok_and(|s| s.success());
        let b = open(&[dir.path().to_path_buf()], &options());
        let root = dir.path().to_string_lossy();
        assert_eq!(
            names(&b),
            vec![format!("{root}/empty.log"), format!("{root}/ok.log")]
        );
        assert!(matches!(b.inputs[0].data, InputData::Empty));
        let mut expected = vec![(
            format!("{root}/agent.sock"),
            "Skipped: this is a socket, which has no content to read.".to_string(),
        )];
        if fifo {
            expected.push((
                format!("{root}/pipe"),
                "Skipped: this is a FIFO, which has no content to read.".to_string(),
            ));
        }
        let mut got = problems(&b);
        got.sort();
        assert_eq!(got, expected);
    }

    #[test]
    fn a_named_pipe_is_read_like_stdin() {
        let dir = tempfile::tempdir().unwrap();
        let pipe = dir.path().join("bundle-pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&pipe)
            .status()
            .is_ok_and(|s| s.success());
        if !made {
            return; // no mkfifo on this machine
        }
        let tgz = Tar::new().file("n1/kubelet.log", b"I0610 x\n").finish_gz();
        let writer_path = pipe.clone();
        let writer = std::thread::spawn(move || std::fs::write(writer_path, tgz).unwrap());
        let b = open(std::slice::from_ref(&pipe), &options());
        writer.join().unwrap();
        assert_eq!(b.problems, vec![]);
        assert_eq!(
            names(&b),
            vec![format!("{}!/n1/kubelet.log", pipe.to_string_lossy())]
        );
        assert_eq!(b.inputs[0].data.bytes(), b"I0610 x\n");
    }

    #[test]
    fn small_files_are_read_large_files_are_mapped() {
        let dir = tempfile::tempdir().unwrap();
        let big = vec![b'x'; 200 * 1024];
        write_tree(dir.path(), &[("small.log", b"tiny\n"), ("big.log", &big)]);
        let b = open(&[dir.path().to_path_buf()], &options());
        assert!(matches!(
            by_inner(&b, "small.log").data,
            InputData::Memory(_)
        ));
        match &by_inner(&b, "big.log").data {
            InputData::Mapped { range, .. } => assert_eq!(range.clone(), 0..big.len()),
            other => panic!("expected a map, got {other:?}"),
        }
        assert_eq!(by_inner(&b, "big.log").data.bytes(), &big[..]);
    }
}
