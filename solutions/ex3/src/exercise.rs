//! Exercise 3, reference solution: a fast file copy through mappings.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use cli_support::{Context, Failure, Outcome, open_regular};
use memmap2::{Advice, MmapOptions};
use nix::errno::Errno;
use nix::sys::signal::{SigHandler, Signal, signal};

/// How much of each file is mapped at a time, at most. Mapped pages count towards the process's
/// memory, so mapping window by window keeps it bounded (two windows a thread) for a file of any
/// size, while a window this large still keeps the cost of each mmap/munmap pair negligible. A
/// multiple of every page size, as mmap(2) offsets must be.
const WINDOW: u64 = 16 << 20;
/// The most that all threads together map at once: windows shrink as threads are added.
const MAPPED: u64 = 64 << 20;
/// The most threads that copy windows at once. A copy is bound by memory bandwidth: past a few
/// threads, more only add memory.
const MAX_THREADS: usize = 4;

pub fn copy(src_path: &Path, dst_path: &Path) -> Outcome {
    // Past RLIMIT_FSIZE the kernel sends SIGXFSZ, whose default action kills the process. Ignored,
    // it turns into an EFBIG error from ftruncate or posix_fallocate, which we report.
    // SAFETY: SIG_IGN runs no code of ours, so it cannot break any invariant of this program.
    unsafe { signal(Signal::SIGXFSZ, SigHandler::SigIgn) }.context("cannot ignore SIGXFSZ")?;

    // The source first: if it is missing or not a regular file, DST must not be created.
    let src = open_regular(src_path, OpenOptions::new().read(true))?;
    let src_meta = src.metadata().with_path("cannot stat", src_path)?;
    let size = src_meta.len();

    // Open DST read-write (a shared writable mapping needs both) and create it with SRC's
    // permission bits, less the umask, as cp(1) does. No O_TRUNC: if DST turns out to be SRC
    // itself, truncating it here would destroy the data we were asked to copy.
    let dst = open_regular(
        dst_path,
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .mode(src_meta.mode() & 0o777),
    )?;
    let dst_meta = dst.metadata().with_path("cannot stat", dst_path)?;
    if (dst_meta.dev(), dst_meta.ino()) == (src_meta.dev(), src_meta.ino()) {
        return Err(Failure::runtime(format_args!(
            "'{}' and '{}' are the same file",
            src_path.display(),
            dst_path.display()
        )));
    }

    // Exactly SRC's length, whether DST was shorter or longer.
    dst.set_len(size).with_path("cannot resize", dst_path)?;
    if size == 0 {
        return Ok(()); // Nothing to map: a zero-length mapping is invalid.
    }
    reserve(&dst, size).with_path("cannot reserve space for", dst_path)?;

    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_THREADS));
    let window = WINDOW.min(MAPPED / (2 * threads as u64));
    let windows = size.div_ceil(window);
    let copier = Copier {
        src: (&src, src_path),
        dst: (&dst, dst_path),
        size,
        window,
        next: AtomicU64::new(0),
        stop: AtomicBool::new(false),
        error: Mutex::new(None),
    };
    // Any window can be copied by any thread (a mapping needs no file offset and no lock), so
    // the kernel's work of populating one window overlaps with the copy of another on another
    // core. This thread copies too; a thread that cannot be started (a sandbox may refuse them)
    // only makes the copy slower.
    std::thread::scope(|scope| {
        for _ in 1..threads.min(windows as usize) {
            if std::thread::Builder::new()
                .spawn_scoped(scope, || copier.run())
                .is_err()
            {
                break;
            }
        }
        copier.run();
    });
    let error = copier.error.into_inner().unwrap_or_else(|e| e.into_inner());
    error.map_or(Ok(()), Err)
}

/// The windows of one copy, shared by the threads that copy them.
struct Copier<'a> {
    src: (&'a File, &'a Path),
    dst: (&'a File, &'a Path),
    size: u64,
    window: u64,
    /// The next window to copy, by index.
    next: AtomicU64,
    /// Set at the first error: the other threads stop after the window they are on.
    stop: AtomicBool,
    /// The first error, which is the one reported.
    error: Mutex<Option<Failure>>,
}

impl Copier<'_> {
    /// Takes windows one after the other until there are none left or a thread failed.
    fn run(&self) {
        while !self.stop.load(Ordering::Relaxed) {
            let offset = self.next.fetch_add(1, Ordering::Relaxed) * self.window;
            if offset >= self.size {
                return;
            }
            let len = (self.size - offset).min(self.window) as usize;
            if let Err(failure) =
                copy_window(self.src.0, self.dst.0, offset, len, self.src.1, self.dst.1)
            {
                self.stop.store(true, Ordering::Relaxed);
                let mut error = self.error.lock().unwrap_or_else(|e| e.into_inner());
                error.get_or_insert(failure);
                return;
            }
        }
    }
}

/// Allocates the blocks of DST now. Without this, the file system allocates a block when a page
/// of the mapping is first written back; if the disk is full then, the only way the kernel can
/// report it is SIGBUS. With the space reserved, a full disk is a plain ENOSPC error here.
fn reserve(dst: &File, size: u64) -> nix::Result<()> {
    let len = nix::libc::off_t::try_from(size).map_err(|_| Errno::EFBIG)?;
    match nix::fcntl::posix_fallocate(dst, 0, len) {
        // A file system that cannot preallocate: copy anyway, as cp(1) would.
        Err(Errno::EOPNOTSUPP) => Ok(()),
        other => other,
    }
}

/// Copies `len` bytes at `offset` from SRC to DST through one mapping of each.
fn copy_window(
    src: &File,
    dst: &File,
    offset: u64,
    len: usize,
    src_path: &Path,
    dst_path: &Path,
) -> Outcome {
    // SAFETY: the mappings live only for this call. Nothing in this program changes SRC's length
    // while it is mapped, and DST was just sized to hold [offset, offset + len). Another process
    // truncating either file meanwhile could raise SIGBUS, the risk every mmap user accepts.
    let from = unsafe {
        MmapOptions::new()
            .offset(offset)
            .len(len)
            .populate()
            .map(src)
    }
    .with_path("cannot map", src_path)?;
    // SAFETY: as above; DST is opened read-write and is a different file from SRC (checked).
    let mut to = unsafe { MmapOptions::new().offset(offset).len(len).map_mut(dst) }
        .with_path("cannot map", dst_path)?;
    // Advice only: the kernel may read ahead aggressively and drop pages behind us.
    let _ = from.advise(Advice::Sequential);
    // Fault the whole DST window in, writable, with one call (Linux 5.14+) instead of one page
    // fault per page during the copy: on a 1 GiB file that halves the time. If the pages cannot
    // be backed, this fails with an error instead of the SIGBUS a store would get. EINVAL means
    // an older kernel: the copy then faults the pages in as it goes.
    match to.advise(Advice::PopulateWrite) {
        Err(e) if e.raw_os_error() != Some(nix::libc::EINVAL) => {
            return Err(e).with_path("cannot map for writing", dst_path);
        }
        _ => {}
    }
    to.copy_from_slice(&from);
    Ok(())
}
