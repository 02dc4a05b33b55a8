//! Exercise 3: a fast file copy through mappings (`ex3 SRC DST`).

use std::fs::Permissions;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use crate::checks::{fifo, io_used, usage_errors};
use crate::expect::{file_holds, missing, same_files};
use crate::fixtures::{Ctx, KIB, MIB, PAGE, Verdict, ensure};
use crate::runner::{Cmd, Limits};

fn copy(t: &Ctx, src: &str, dst: &str) -> crate::runner::Run {
    t.run([src, dst])
}

/// `ex3 src dst` succeeds silently and `dst` then holds `data`.
fn copies(t: &Ctx, src: &str, dst: &str, data: &[u8]) -> Verdict {
    let run = copy(t, src, dst);
    run.printed(b"")?;
    file_holds(&t.path(dst), data).map_err(|why| format!("after `{}`: {why}", run.command))
}

fn mode_of(path: &Path) -> u32 {
    std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o777)
        .unwrap_or(0)
}

pub fn copies_exactly(t: &mut Ctx) -> Verdict {
    let size = 3 * PAGE + t.between(1, PAGE as u64 - 1) as usize;
    let (_, data) = t.random_file("src.bin", size);
    copies(t, "src.bin", "dst.bin", &data)
}

pub fn copies_empty_file(t: &mut Ctx) -> Verdict {
    t.file("empty.bin", b"");
    copies(t, "empty.bin", "dst.bin", b"")?;
    // An existing destination is emptied too.
    t.file("full.bin", b"some old contents");
    copies(t, "empty.bin", "full.bin", b"")
}

pub fn copies_odd_sizes(t: &mut Ctx) -> Verdict {
    let odd = t.between(2, PAGE as u64 - 2) as usize;
    for size in [1, odd, PAGE - 1, PAGE, PAGE + 1, 16 * PAGE + odd] {
        let (_, data) = t.random_file("src.bin", size);
        let _ = std::fs::remove_file(t.path("dst.bin"));
        copies(t, "src.bin", "dst.bin", &data)?;
    }
    Ok(())
}

pub fn overwrites_longer_destination(t: &mut Ctx) -> Verdict {
    let size = PAGE + t.below(PAGE as u64) as usize;
    let (_, data) = t.random_file("src.bin", size);
    t.random_file("dst.bin", 3 * size + 123);
    copies(t, "src.bin", "dst.bin", &data)
}

pub fn overwrites_shorter_destination_keeping_its_mode(t: &mut Ctx) -> Verdict {
    let size = 2 * PAGE + t.below(PAGE as u64) as usize;
    let (src, data) = t.random_file("src.bin", size);
    let (dst, _) = t.random_file("dst.bin", 100);
    std::fs::set_permissions(&src, Permissions::from_mode(0o644)).map_err(|e| e.to_string())?;
    std::fs::set_permissions(&dst, Permissions::from_mode(0o600)).map_err(|e| e.to_string())?;
    copies(t, "src.bin", "dst.bin", &data)?;
    let mode = mode_of(&dst);
    ensure(mode == 0o600, || {
        format!("an existing DST keeps its own mode (0600), but it is now {mode:04o}")
    })
}

pub fn creates_destination_with_source_mode(t: &mut Ctx) -> Verdict {
    let (src, data) = t.random_file("src.bin", 1000);
    std::fs::set_permissions(&src, Permissions::from_mode(0o664)).map_err(|e| e.to_string())?;
    copies(t, "src.bin", "new.bin", &data)?;
    // The grader runs the program with umask 022.
    let mode = mode_of(&t.path("new.bin"));
    ensure(mode == 0o644, || {
        format!(
            "a new DST gets SRC's mode (0664) less the umask (022), 0644, but it has {mode:04o}"
        )
    })
}

pub fn refuses_same_file(t: &mut Ctx) -> Verdict {
    let size = PAGE + t.below(PAGE as u64) as usize;
    let (src, data) = t.random_file("src.bin", size);
    std::fs::hard_link(&src, t.path("hard.bin")).map_err(|e| e.to_string())?;
    std::os::unix::fs::symlink("src.bin", t.path("soft.bin")).map_err(|e| e.to_string())?;
    for (from, to) in [
        ("src.bin", "src.bin"),
        ("src.bin", "hard.bin"),
        ("soft.bin", "src.bin"),
        ("./src.bin", "soft.bin"),
    ] {
        let run = copy(t, from, to);
        run.failed_with(1, "ex3")?;
        file_holds(&src, &data).map_err(|why| {
            format!(
                "`{}` must refuse to copy a file onto itself and leave it alone, but {why}",
                run.command
            )
        })?;
    }
    Ok(())
}

pub fn refuses_bad_input(t: &mut Ctx) -> Verdict {
    usage(t)?;
    let fifo = fifo(t, "fifo")?;
    std::fs::create_dir(t.path("dir")).map_err(|e| e.to_string())?;
    for src in ["nope.bin", "dir", fifo.as_str(), "/dev/zero"] {
        // Opening a FIFO for reading blocks until a writer comes: a program that does so hangs.
        let run = t
            .cmd([src, "dst.bin"])
            .timeout(Duration::from_secs(5))
            .run();
        run.failed_naming("ex3", src)?;
        missing(&t.path("dst.bin"))
            .map_err(|why| format!("`{}` failed, but {why}", run.command))?;
    }
    Ok(())
}

pub fn file_size_limit(t: &mut Ctx) -> Verdict {
    let (_, _) = t.random_file("src.bin", MIB);
    let limits = Limits {
        max_file_size: Some(64 * KIB as u64),
        ignore_sigxfsz: true,
        ..Limits::default()
    };
    let run = t.run_limited(["src.bin", "dst.bin"], limits);
    run.failed_naming("ex3", "dst.bin").map_err(|why| {
        format!("with a file-size limit (RLIMIT_FSIZE) of 64 KiB and a 1 MiB SRC, DST cannot be sized: {why}")
    })
}

pub fn full_disk(t: &mut Ctx) -> Verdict {
    // A 256 KiB tmpfs, mounted in a user and mount namespace of the run's own (no root needed,
    // where the kernel allows unprivileged user namespaces).
    let probe = Cmd::new(Path::new("unshare"), t.dir())
        .args(["-Urm", "true"])
        .run();
    if probe.succeeded().is_err() {
        t.note("not checked here: this machine does not allow user namespaces (unshare -Urm)");
        return Ok(());
    }
    t.random_file("src.bin", MIB);
    std::fs::create_dir(t.path("small")).map_err(|e| e.to_string())?;
    let program = t.program().to_owned();
    let script = "mount -t tmpfs -o size=256k tmpfs small && exec \"$0\" src.bin small/dst.bin";
    let run = Cmd::new(Path::new("unshare"), t.dir())
        .args(["-Urm", "sh", "-c", script])
        .args([program])
        .run();
    run.failed_naming("ex3", "small/dst.bin").map_err(|why| {
        format!(
            "copying 1 MiB onto a 256 KiB file system must fail cleanly (ENOSPC, found by posix_fallocate), \
             never with SIGBUS: {why}"
        )
    })
}

pub fn uses_mappings(t: &mut Ctx) -> Verdict {
    let size = 8 * MIB;
    let (_, data) = t.random_file("src.bin", size);
    let run = copy(t, "src.bin", "dst.bin");
    run.printed(b"")?;
    file_holds(&t.path("dst.bin"), &data)?;
    io_used(t, &run, size, 0)
}

pub fn memory_stays_bounded(t: &mut Ctx) -> Verdict {
    let src = t.large_random_file("src.bin", 128 * MIB);
    let run = copy(t, "src.bin", "dst.bin");
    run.printed(b"")?;
    same_files(&t.path("dst.bin"), &src)?;
    ensure(run.max_rss < 96 * MIB as u64, || {
        format!(
            "copying a 128 MiB file took {} MiB of memory at its peak; map and copy in windows \
             (say 16 MiB at a time) so that memory stays bounded for any size",
            run.max_rss >> 20
        )
    })
}

fn usage(t: &Ctx) -> Verdict {
    t.file("src.bin", b"data");
    usage_errors(t, &[&[], &["src.bin"], &["src.bin", "a.bin", "b.bin"]])?;
    missing(&t.path("a.bin"))
}
