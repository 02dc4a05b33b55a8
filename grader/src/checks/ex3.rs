//! Exercise 3: a fast file copy through mappings (`ex3 SRC DST`).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use crate::checks::{fifo, mappings_of, through_mappings, usage_errors, watched};
use crate::expect::{file_holds, missing, same_files};
use crate::check_api::{Ctx, KIB, MIB, PAGE, Problem, Verdict, ensure, grader_error};
use crate::outcome::Reword;
use crate::runner::interrupt::{Undo, register};
use crate::runner::{Cmd, Limits};
use crate::table::{Exercise, alone, test};

/// The rubric rows of ex3: each test's name, points, title, check and hint.
pub const EXERCISE: Exercise = Exercise {
    name: "ex3",
    weight: 25,
    tests: &[
        test(
            "copies_exactly",
            2,
            "copies a file byte for byte",
            copies_exactly,
            "open DST for reading and writing (a shared writable mapping needs both, even to \
             only store into it), size it to SRC's length with ftruncate, map SRC read-only and \
             DST shared and writable, and copy",
        ),
        test(
            "copies_empty_file",
            1,
            "copies an empty file",
            copies_empty_file,
            "an empty SRC gives an empty DST: create it, and make no mapping of length 0",
        ),
        test(
            "copies_odd_sizes",
            2,
            "copies sizes that are not a page multiple exactly",
            copies_odd_sizes,
            "copy exactly SRC's length: the last window ends at the end of the file, not at a \
             page boundary",
        ),
        test(
            "overwrites_longer_destination",
            2,
            "a longer DST ends exactly as long as SRC",
            overwrites_longer_destination,
            "set DST's length to SRC's (ftruncate cuts a longer DST down): nothing of the old DST \
             may remain past the copy",
        ),
        test(
            "overwrites_shorter_destination_keeping_its_mode",
            2,
            "a shorter DST is overwritten and keeps its mode",
            overwrites_shorter_destination_keeping_its_mode,
            "an existing DST is opened without O_CREAT's mode mattering: it keeps its own \
             permission bits and is grown to SRC's length",
        ),
        test(
            "creates_destination_with_source_mode",
            1,
            "a new DST gets SRC's mode less the umask, for any mode and umask",
            creates_destination_with_source_mode,
            "create DST with open(2) given SRC's permission bits: the kernel takes the umask off, \
             as cp does",
        ),
        test(
            "refuses_same_file",
            2,
            "SRC and DST the same file (also by link) is refused, SRC intact",
            refuses_same_file,
            "compare SRC's and DST's device and inode (fstat both) before truncating anything: \
             DST may be SRC through a link",
        ),
        test(
            "refuses_bad_input",
            2,
            "a missing, directory, FIFO or device SRC, or a bad command line, is refused",
            refuses_bad_input,
            "check SRC's type without blocking (O_NONBLOCK, or stat first): a directory, FIFO or \
             device is an error and DST is not created; a bad command line is a usage error \
             (status 2)",
        ),
        test(
            "file_size_limit",
            2,
            "a DST over the file-size limit is a clean error",
            file_size_limit,
            "reserve DST's space (posix_fallocate) or check ftruncate's result: EFBIG is an error \
             to report, with SIGXFSZ ignored or not",
        ),
        test(
            "full_disk",
            2,
            "a full file system is a clean error, not SIGBUS",
            full_disk,
            "reserve DST's space before touching the mapping (posix_fallocate, or \
             MADV_POPULATE_WRITE): a full disk is then an error, not a SIGBUS",
        ),
        test(
            "uses_mappings",
            2,
            "the data moves through mappings",
            uses_mappings,
            "the data moves through the mappings: no read(2), write(2), copy_file_range or \
             sendfile of the files",
        ),
        test(
            "maps_source_read_only_and_destination_shared",
            2,
            "SRC is mapped read-only, DST shared and writable, in bounded windows",
            maps_source_read_only_and_destination_shared,
            "SRC mapped PROT_READ, DST mapped PROT_READ | PROT_WRITE with MAP_SHARED, each window \
             at most 64 MiB",
        ),
        test(
            "memory_stays_bounded",
            1,
            "memory stays bounded on a 128 MiB file",
            memory_stays_bounded,
            "copy in windows of a few MiB, unmapping each before the next: resident memory stays \
             bounded whatever the file's size",
        ),
        alone(test(
            "as_fast_as_cp",
            2,
            "copies about as fast as cp(1)",
            as_fast_as_cp,
            "large windows, no msync per page, and the space reserved once: see the README's \
             notes on speed",
        )),
    ],
};

fn copy(t: &Ctx, src: &str, dst: &str) -> crate::runner::Run {
    t.run([src, dst])
}

// The hints that name a likely mistake, written once: the mutants that must show them
// (tests/mutants/ex3.rs) refer to them by name.

/// DST ended longer than SRC.
pub const DST_TOO_LONG: &str = "DST must end exactly as long as SRC: set its length to SRC's size \
     (ftruncate, File::set_len), which also cuts a longer DST down";

/// An existing DST's mode changed (the check makes it 0600).
pub const DST_KEEPS_ITS_MODE: &str = "an existing DST keeps its own mode (0600)";

/// A FIFO as SRC made the program run out of time.
pub const FIFO_BLOCKS_OPEN: &str = "it was probably waiting in open(2) for a writer to the FIFO: \
     open SRC with O_NONBLOCK (open_regular does), and refuse what is not a regular file";

/// `ex3 src dst` succeeds silently and `dst` then holds `data`, in a file of its own.
fn copies(t: &Ctx, src: &str, dst: &str, data: &[u8]) -> Verdict {
    let mut run = copy(t, src, dst);
    run.printed(b"")?;
    run.with_stderr(file_holds(&t.path(dst), data)).reword(|why| {
        let size = std::fs::symlink_metadata(t.path(dst)).map_or(0, |m| m.len());
        let hint = match size.cmp(&(data.len() as u64)) {
            std::cmp::Ordering::Greater => &format!("\n{DST_TOO_LONG}"),
            std::cmp::Ordering::Less => {
                "\nDST must end exactly as long as SRC: set its length before mapping it, and \
                 copy every window, the last, shorter one included"
            }
            std::cmp::Ordering::Equal => "",
        };
        format!("after `{}`: {why}{hint}", run.command)
    })?;
    a_copy(t, &run, src, dst)
}

/// DST is a file of its own, not SRC under another name (a hard link holds the same bytes).
fn a_copy(t: &Ctx, run: &crate::runner::Run, src: &str, dst: &str) -> Verdict {
    use std::os::unix::fs::MetadataExt;
    let id = |name: &str| {
        std::fs::symlink_metadata(t.path(name))
            .map(|m| (m.dev(), m.ino()))
            .ok()
    };
    ensure(id(src) != id(dst) || src == dst, || {
        format!(
            "after `{}`, '{dst}' is '{src}' itself (a link to the same file), not a copy",
            run.command
        )
    })
}

/// Fails if a run left a folder at `name`, where the grader is about to make a file afresh (it
/// removes a file or a link there, but no folder): the program's doing, not the grader's.
fn no_folder_at(t: &Ctx, name: &str) -> Verdict {
    let folder = std::fs::symlink_metadata(t.path(name)).is_ok_and(|m| m.is_dir());
    ensure(!folder, || {
        format!("the program replaced '{name}', a file of the grader's, with a folder")
    })
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
    // Made before any run: a program cannot have left a folder in its place.
    t.file("full.bin", b"some old contents");
    copies(t, "empty.bin", "dst.bin", b"")?;
    // An existing destination is emptied too.
    copies(t, "empty.bin", "full.bin", b"")
}

pub fn copies_odd_sizes(t: &mut Ctx) -> Verdict {
    let odd = t.between(2, PAGE as u64 - 2) as usize;
    for size in [1, odd, PAGE - 1, PAGE, PAGE + 1, 16 * PAGE + odd] {
        no_folder_at(t, "src.bin")?;
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
    let (_, data) = t.random_file("src.bin", size);
    let (dst, _) = t.random_file("dst.bin", 100);
    t.set_mode("src.bin", 0o644)?;
    t.set_mode("dst.bin", 0o600)?;
    copies(t, "src.bin", "dst.bin", &data)?;
    let mode = mode_of(&dst);
    ensure(mode == 0o600, || {
        format!("{DST_KEEPS_ITS_MODE}, but it is now {mode:04o}")
    })
}

/// Modes for SRC whose result (less the umask) differs from every fixed mode a program might
/// use, and from the mode files get by default (0666 less the umask).
const SOURCE_MODES: [u32; 8] = [0o600, 0o640, 0o604, 0o700, 0o750, 0o711, 0o660, 0o755];

pub fn creates_destination_with_source_mode(t: &mut Ctx) -> Verdict {
    let (_, data) = t.random_file("src.bin", 1000);
    // Two random modes under the usual umask, and one under a stricter umask.
    let first = t.below(SOURCE_MODES.len() as u64) as usize;
    let second = (first + 1 + t.below(SOURCE_MODES.len() as u64 - 1) as usize) % SOURCE_MODES.len();
    for (mode, umask) in [
        (SOURCE_MODES[first], 0o022),
        (SOURCE_MODES[second], 0o022),
        (0o666, 0o077),
    ] {
        t.set_mode("src.bin", mode)?;
        let _ = std::fs::remove_file(t.path("new.bin"));
        let limits = Limits {
            umask,
            ..Limits::default()
        };
        let mut run = t.run_limited(["src.bin", "new.bin"], limits);
        run.printed(b"")?;
        run.with_stderr(file_holds(&t.path("new.bin"), &data))?;
        let got = mode_of(&t.path("new.bin"));
        let want = mode & !umask;
        ensure(got == want, || {
            format!(
                "a new DST gets SRC's mode ({mode:04o}) less the umask ({umask:03o}), {want:04o}, \
                 but it has {got:04o}: pass SRC's mode to open(2) when creating DST (the kernel \
                 applies the umask)"
            )
        })?;
    }
    Ok(())
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
        let mut run = copy(t, from, to);
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
    // Made before any run, so that no program has taken their names.
    let fifo = fifo(t, "fifo")?;
    std::fs::create_dir(t.path("dir")).map_err(|e| e.to_string())?;
    usage(t)?;
    for src in ["nope.bin", "dir", fifo.as_str(), "/dev/zero"] {
        // Opening a FIFO for reading blocks until a writer comes: a program that does so hangs.
        let mut run = t
            .cmd([src, "dst.bin"])
            .timeout(crate::runner::default_timeout().min(Duration::from_secs(5)))
            .run();
        run.failed_naming("ex3", src)
            .reword(|why| match run.timed_out && src == fifo {
                true => format!("{why}\n{FIFO_BLOCKS_OPEN}"),
                false => why,
            })?;
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
        let mut run = t.run_limited(["src.bin", "dst.bin"], limits);
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
    t.random_file("src.bin", MIB);
    // Everywhere: reserving the space fails as it does on a full file system. A program that
    // reserves nothing stores through the mapping and "succeeds" here, and would die by SIGBUS
    // on a really full disk.
    let no_space = Limits {
        no_space: true,
        ..Limits::default()
    };
    t.run_limited(["src.bin", "dst.bin"], no_space)
        .failed_naming("ex3", "dst.bin")
        .reword(|why| {
            format!(
                "with fallocate(2) failing as on a full file system (ENOSPC), copying 1 MiB must \
                 fail cleanly: {why}; reserve DST's space with posix_fallocate before storing \
                 through the mapping, and report its error"
            )
        })?;
    // Where the grader may mount one (as root): a really full 256 KiB file system, in a folder
    // of the grader's outside the check's (so that no program can swap it for a link while the
    // grader mounts it), given to the check's user by the mount's own options.
    let Some(small) = SmallFileSystem::mount(t)? else {
        t.note("a really full file system is tried only where the grader may mount one (root)");
        return Ok(());
    };
    let dst = small.path().join("dst.bin");
    let dst = dst.to_string_lossy();
    t.cmd(["src.bin", dst.as_ref()])
        .also(small.path())
        .run()
        .failed_naming("ex3", &dst)
        .reword(|why| {
            format!(
                "copying 1 MiB onto a 256 KiB file system must fail cleanly (ENOSPC, found by \
                 posix_fallocate), never with SIGBUS: {why}"
            )
        })
}

/// A 256 KiB tmpfs mounted in a folder of the grader's, unmounted and removed when dropped.
struct SmallFileSystem {
    /// The grader's folder (root's, mode 0711): nobody else can rename anything in it.
    _holder: tempfile::TempDir,
    mount_point: std::path::PathBuf,
    /// Unmounted and removed if the grader is interrupted, too.
    _undo: [crate::runner::interrupt::Registered; 2],
}

impl SmallFileSystem {
    /// `None` where the grader may not mount (not root, or no CAP_SYS_ADMIN in a container).
    fn mount(t: &Ctx) -> Result<Option<SmallFileSystem>, Problem> {
        use std::ffi::CString;
        use std::os::unix::fs::PermissionsExt;
        let Some(uid) = t.uid() else { return Ok(None) };
        let holder = tempfile::Builder::new()
            .prefix("grader-small-fs-")
            .tempdir_in(crate::runner::work_root().map_err(grader_error)?)
            .map_err(grader_error)?;
        std::fs::set_permissions(holder.path(), std::fs::Permissions::from_mode(0o711))
            .map_err(grader_error)?;
        let mount_point = holder.path().join("small");
        std::fs::create_dir(&mount_point).map_err(grader_error)?;
        let target =
            CString::new(mount_point.as_os_str().as_encoded_bytes()).map_err(grader_error)?;
        let options = CString::new(format!("size=256k,mode=0700,uid={uid},gid={uid}"))
            .map_err(grader_error)?;
        // SAFETY: NUL-terminated strings that live for the call.
        let mounted = unsafe {
            libc::mount(
                c"tmpfs".as_ptr(),
                target.as_ptr(),
                c"tmpfs".as_ptr(),
                libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
                options.as_ptr().cast(),
            )
        } == 0;
        Ok(mounted.then(|| SmallFileSystem {
            _undo: [
                register(Undo::Folder(holder.path().to_owned())),
                register(Undo::Mount(mount_point.clone())),
            ],
            _holder: holder,
            mount_point,
        }))
    }

    fn path(&self) -> &Path {
        &self.mount_point
    }
}

impl Drop for SmallFileSystem {
    fn drop(&mut self) {
        if let Ok(target) = std::ffi::CString::new(self.mount_point.as_os_str().as_encoded_bytes())
        {
            // SAFETY: unmounts what `mount` mounted; a detached unmount never blocks.
            unsafe { libc::umount2(target.as_ptr(), libc::MNT_DETACH) };
        }
    }
}

pub fn uses_mappings(t: &mut Ctx) -> Verdict {
    let size = 8 * MIB;
    let (_, data) = t.random_file("src.bin", size);
    let mut run = copy(t, "src.bin", "dst.bin");
    run.printed(b"")?;
    run.with_stderr(file_holds(&t.path("dst.bin"), &data))?;
    a_copy(t, &run, "src.bin", "dst.bin")?;
    through_mappings(&run, &[t.file_id("src.bin"), t.file_id("dst.bin")])
}

/// The largest window the program may map at once: its memory must not grow with the file.
const MAX_WINDOW: u64 = 64 * MIB as u64;

pub fn maps_source_read_only_and_destination_shared(t: &mut Ctx) -> Verdict {
    let size = 80 * MIB;
    let src = t.large_random_file("src.bin", size);
    let mut run = copy(t, "src.bin", "dst.bin");
    run.printed(b"")?;
    run.with_stderr(same_files(&t.path("dst.bin"), &src))?;
    a_copy(t, &run, "src.bin", "dst.bin")?;
    let trace = watched(&run)?;
    for (file, name) in [(t.file_id("src.bin"), "SRC"), (t.file_id("dst.bin"), "DST")] {
        let maps = mappings_of(&run, trace, &file, name)?;
        for call in maps {
            let writable = call.mmap_prot() & libc::PROT_WRITE != 0;
            let ok = match name {
                "SRC" => !writable && call.file.as_ref().is_some_and(|f| f.read_only()),
                _ => writable && call.mmap_shared(),
            };
            ensure(ok, || {
                format!(
                    "`{}` made `{call}`: map SRC read-only (opened O_RDONLY, PROT_READ) and DST \
                     MAP_SHARED with PROT_READ | PROT_WRITE",
                    run.command
                )
            })?;
            ensure(call.mmap_len() <= MAX_WINDOW, || {
                format!(
                    "`{}` made `{call}` for an {} MiB file: map and copy in windows of bounded \
                     size (say 16 MiB; at most {} MiB here), so that memory does not grow with \
                     the file",
                    run.command,
                    size >> 20,
                    MAX_WINDOW >> 20
                )
            })?;
        }
    }
    Ok(())
}

pub fn memory_stays_bounded(t: &mut Ctx) -> Verdict {
    let src = t.large_random_file("src.bin", 128 * MIB);
    let mut run = copy(t, "src.bin", "dst.bin");
    run.printed(b"")?;
    run.with_stderr(same_files(&t.path("dst.bin"), &src))?;
    a_copy(t, &run, "src.bin", "dst.bin")?;
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
    let mut probe = t
        .tool(Path::new("cp"))
        .args(["--reflink=never", "/dev/null", "probe"])
        .run();
    let flags: &[&str] = if probe.succeeded().is_ok() {
        &["--reflink=never"]
    } else {
        &[]
    };
    t.tool(Path::new("cp")).args(flags).args([src, dst])
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// The speed test's own check folder, for cp: another user's under root, outside the program's
/// Landlock rules otherwise, so that nothing the program does can reach it. It gets a copy of
/// the check's `src.bin`, made before the program runs: cp's time is cp's, whatever the program
/// does to its own folder, and what the program copied is compared with this copy.
fn yard(t: &Ctx) -> Result<Ctx, Problem> {
    with_src(t, Ctx::new(t.exercise, t.program(), 0))
}

/// The folder of one timed run of the program: new, so that no earlier run can have left
/// anything there (a run that kept a hard link to its DST aside, to rename into place in the
/// next, passed as 0.53 times cp's time a copy that took 19 times as long), with a copy of the
/// check's `src.bin`. Under root, a user of its own too.
fn lane(t: &Ctx) -> Result<Ctx, Problem> {
    with_src(t, t.fresh())
}

/// `folder` (a new check folder, or why it could not be made) with a copy of `t`'s `src.bin`.
fn with_src(t: &Ctx, folder: std::io::Result<Ctx>) -> Result<Ctx, Problem> {
    let folder = folder.map_err(grader_error)?;
    let mut src = crate::safe_fs::open_regular(&t.path("src.bin")).map_err(grader_error)?;
    std::io::copy(&mut src, &mut folder.create("src.bin")).map_err(grader_error)?;
    Ok(folder)
}

pub fn as_fast_as_cp(t: &mut Ctx) -> Verdict {
    t.large_random_file("src.bin", SPEED_FILE);
    let yard = yard(t)?;
    let yardstick = cp(&yard, "src.bin", "cp.bin");
    let time_cp = || -> Result<Duration, Problem> {
        let _ = std::fs::remove_file(yard.path("cp.bin"));
        let mut run = yardstick.run();
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
        let lane = lane(t)?;
        // Watched like every run (so that it cannot exec cp, say): a few dozen calls, a
        // millisecond or so, small next to the limit.
        let mut run = lane.cmd(["src.bin", "dst.bin"]).timeout(deadline).run();
        too_slow.set(run.timed_out);
        if !run.timed_out {
            run.printed(b"")?;
            run.with_stderr(same_files(&lane.path("dst.bin"), &yard.path("src.bin")))?;
            a_copy(&lane, &run, "src.bin", "dst.bin")?;
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
