//! Exercise 3: a fast file copy through mappings (`ex3 SRC DST`).

use std::fs::Permissions;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use crate::checks::{fifo, io_used, usage_errors};
use crate::expect::{file_holds, missing, same_files};
use crate::fixtures::{Ctx, KIB, MIB, PAGE, Problem, Verdict, ensure, grader_error};
use crate::outcome::Reword;
use crate::runner::{Cmd, Limits};

fn copy(t: &Ctx, src: &str, dst: &str) -> crate::runner::Run {
    t.run([src, dst])
}

/// `ex3 src dst` succeeds silently and `dst` then holds `data`.
fn copies(t: &Ctx, src: &str, dst: &str, data: &[u8]) -> Verdict {
    let run = copy(t, src, dst);
    run.printed(b"")?;
    file_holds(&t.path(dst), data).reword(|why| format!("after `{}`: {why}", run.command))
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
        file_holds(&src, &data).reword(|why| {
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
            .timeout(crate::runner::default_timeout().min(Duration::from_secs(5)))
            .run();
        run.failed_naming("ex3", src)?;
        missing(&t.path("dst.bin")).reword(|why| format!("`{}` failed, but {why}", run.command))?;
    }
    Ok(())
}

pub fn file_size_limit(t: &mut Ctx) -> Verdict {
    t.random_file("src.bin", MIB);
    // With SIGXFSZ ignored, passing the limit is an EFBIG error. With its default action the
    // signal would kill the program, and the contract says it must not die by a signal: so it
    // has to ignore SIGXFSZ itself.
    for ignore_sigxfsz in [true, false] {
        let limits = Limits {
            max_file_size: Some(64 * KIB as u64),
            ignore_sigxfsz,
            ..Limits::default()
        };
        let run = t.run_limited(["src.bin", "dst.bin"], limits);
        let sigxfsz = if ignore_sigxfsz {
            "ignored"
        } else {
            "at its default action"
        };
        run.failed_naming("ex3", "dst.bin").reword(|why| {
            format!(
                "with a file-size limit (RLIMIT_FSIZE) of 64 KiB, SIGXFSZ {sigxfsz} and a 1 MiB SRC, \
                 DST cannot be sized: {why}"
            )
        })?;
    }
    Ok(())
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
    run.failed_naming("ex3", "small/dst.bin").reword(|why| {
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
    ensure(!run.uses_more_memory_than(96 * MIB as u64), || {
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

/// Size of the file that the speed test copies: large enough that copying dominates starting a
/// process, small enough that ten copies take well under a second.
const SPEED_FILE: usize = 16 * MIB;
/// Rounds of the speed test, each one run of cp and one of the program, alternating which goes
/// first.
const SPEED_ROUNDS: usize = 5;
/// The program may take this many times cp's median time. A straightforward mmap copy, even
/// unoptimised (a debug build), stays well inside it; a pathological one (msync after every page,
/// a system call per byte) is tens of times slower.
pub const SPEED_LIMIT: f64 = 8.0;

/// cp(1) as the yardstick, made to really copy: on a file system with reflinks, plain cp would
/// share the blocks instead, and no copy can match that.
fn cp(t: &Ctx, src: &str, dst: &str) -> Cmd {
    let probe = Cmd::new(Path::new("cp"), t.dir())
        .args(["--reflink=never", "/dev/null", "probe"])
        .run();
    let flags: &[&str] = if probe.succeeded().is_ok() {
        &["--reflink=never"]
    } else {
        &[]
    };
    Cmd::new(Path::new("cp"), t.dir())
        .args(flags)
        .args([src, dst])
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

pub fn as_fast_as_cp(t: &mut Ctx) -> Verdict {
    t.large_random_file("src.bin", SPEED_FILE);
    let yardstick = cp(t, "src.bin", "cp.bin");
    let time_cp = || -> Result<Duration, Problem> {
        let _ = std::fs::remove_file(t.path("cp.bin"));
        let run = yardstick.run();
        run.succeeded()
            .map_err(|why| grader_error(format!("the grader's cp failed: {why}")))?;
        Ok(run.elapsed)
    };
    // A copy far slower than the limit is stopped early (and its time counted as the deadline):
    // no need to wait for a pathological program to finish to say so.
    let deadline = time_cp()?
        .mul_f64(10.0 * SPEED_LIMIT)
        .max(Duration::from_secs(1));
    let too_slow = std::cell::Cell::new(false);
    let time_ours = || -> Result<Duration, Problem> {
        let _ = std::fs::remove_file(t.path("dst.bin"));
        let run = t.cmd(["src.bin", "dst.bin"]).timeout(deadline).run();
        too_slow.set(run.timed_out);
        if !run.timed_out {
            run.printed(b"")?;
            same_files(&t.path("dst.bin"), &t.path("src.bin"))?;
        }
        Ok(run.elapsed)
    };
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for round in 0..SPEED_ROUNDS {
        // Alternate which goes first, so that neither always finds the other's dirty pages.
        let (cp_time, our_time) = if round % 2 == 0 {
            let cp_time = time_cp()?;
            (cp_time, time_ours()?)
        } else {
            let our_time = time_ours()?;
            (time_cp()?, our_time)
        };
        theirs.push(cp_time);
        ours.push(our_time);
        if too_slow.get() {
            break;
        }
    }
    let (ours, theirs) = (median(ours), median(theirs));
    let ratio = ours.as_secs_f64() / theirs.as_secs_f64().max(1e-6);
    let (over, median) = if too_slow.get() {
        ("over ", "")
    } else {
        ("", " (medians of interleaved runs)")
    };
    let measured = format!(
        "copying 16 MiB took {over}{:.1} ms against cp's {:.1} ms{median}: {over}{ratio:.2} times cp's time",
        ours.as_secs_f64() * 1e3,
        theirs.as_secs_f64() * 1e3
    );
    ensure(ratio <= SPEED_LIMIT, || {
        format!(
            "{measured}, more than the {SPEED_LIMIT} allowed; copy with one large copy per window \
             (copy_from_slice), without msync or a system call per page"
        )
    })?;
    t.note(measured);
    Ok(())
}
