//! Exercise 3, reference solution: a fast file copy through mappings.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

use cli_support::{Context, Failure, Outcome, open_regular};
use memmap2::{Advice, MmapOptions};
use nix::errno::Errno;
use nix::sys::signal::{SigHandler, Signal, signal};

/// How much of each file is mapped at a time. Mapped pages count towards the process's memory, so
/// mapping window by window keeps it bounded (two windows) for a file of any size, while a window
/// this large still keeps the cost of each mmap/munmap pair negligible. A multiple of every page
/// size, as mmap(2) offsets must be.
const WINDOW: u64 = 16 << 20;

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

    let mut offset = 0;
    while offset < size {
        let len = (size - offset).min(WINDOW) as usize;
        copy_window(&src, &dst, offset, len, src_path, dst_path)?;
        offset += len as u64;
    }
    Ok(())
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
