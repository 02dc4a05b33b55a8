//! Exercise 1, reference solution: access a file through a mapping, with nix's mmap(2).

use std::ffi::c_void;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::num::{NonZeroU64, NonZeroUsize};
use std::path::Path;
use std::ptr::NonNull;

use cli_support::{Context, Failure, Outcome, open_regular};
use nix::sys::mman::{MapFlags, MsFlags, ProtFlags, mmap, msync, munmap};
use nix::unistd::{SysconfVar, sysconf};

/// A region of a file mapped with mmap(2); munmap(2) runs when it is dropped.
struct Mapping {
    addr: NonNull<c_void>,
    len: NonZeroUsize,
}

impl Mapping {
    /// Maps `len` bytes of `file` starting at `offset`, which must be a multiple of the page size
    /// (mmap(2) fails with EINVAL otherwise). `len` cannot be zero: a zero-length mapping is
    /// invalid, and `NonZeroUsize` makes the caller decide what an empty range means.
    fn new(
        file: &File,
        offset: u64,
        len: NonZeroUsize,
        prot: ProtFlags,
        flags: MapFlags,
    ) -> nix::Result<Mapping> {
        let offset = nix::libc::off_t::try_from(offset).map_err(|_| nix::Error::EOVERFLOW)?;
        // SAFETY: we let the kernel choose the address (None), so the new mapping cannot replace
        // any memory this program already uses. The file stays open for the call; the mapping
        // keeps its own reference to the file, so it outlives `file` safely.
        let addr = unsafe { mmap(None, len, prot, flags, file, offset)? };
        Ok(Mapping { addr, len })
    }

    fn bytes(&self) -> &[u8] {
        // SAFETY: `addr` is the start of a live mapping of `len` readable bytes (every mapping here
        // has PROT_READ), which stays mapped until `self` is dropped. The files we map are not
        // truncated by this program while mapped; another process truncating them would make an
        // access past the new end raise SIGBUS, a risk every mmap user accepts.
        unsafe { std::slice::from_raw_parts(self.addr.as_ptr().cast::<u8>(), self.len.get()) }
    }

    fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `bytes`; callers only ask for this on PROT_WRITE mappings, and `&mut self`
        // makes this the only reference into the mapping within this process.
        unsafe { std::slice::from_raw_parts_mut(self.addr.as_ptr().cast::<u8>(), self.len.get()) }
    }

    /// Writes the mapping's changes back to the file and waits until they are written (msync).
    fn flush(&self) -> nix::Result<()> {
        // SAFETY: flushing a live mapping of exactly `len` bytes at `addr` touches no memory.
        unsafe { msync(self.addr, self.len.get(), MsFlags::MS_SYNC) }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: `addr`/`len` describe a mapping made by `Mapping::new`, and no slice borrowed
        // from it can outlive `self`. A failure here could only mean a bad address, which we
        // never pass, so there is nothing useful to report.
        let _ = unsafe { munmap(self.addr, self.len.get()) };
    }
}

fn page_size() -> u64 {
    // The page size is always known on Linux; 4096 is the safe guess if sysconf were to fail.
    match sysconf(SysconfVar::PAGE_SIZE) {
        Ok(Some(size)) if size > 0 => size as u64,
        _ => 4096,
    }
}

/// Converts a length in bytes to one that can be mapped; `None` for zero.
fn mappable(path: &Path, len: u64) -> Outcome<Option<NonZeroUsize>> {
    let len = usize::try_from(len).map_err(|_| {
        Failure::runtime(format_args!(
            "cannot map '{}': too large for this machine",
            path.display()
        ))
    })?;
    Ok(NonZeroUsize::new(len))
}

pub fn peek(path: &Path, offset: u64, len: u64, out: &mut dyn Write) -> Outcome {
    let file = open_regular(path, OpenOptions::new().read(true))?;
    let size = file.metadata().with_path("cannot stat", path)?.len();
    let end = offset.saturating_add(len).min(size);
    if offset >= end {
        return Ok(()); // LEN is 0 or OFFSET is at or past the end: nothing to print.
    }
    // mmap(2) takes only page-aligned offsets: start at the page that holds OFFSET and skip
    // the bytes before it. Only the pages that cover [offset, end) are mapped: any mapping is
    // lazy and costs memory only for the pages touched, but each takes address space for its
    // whole length, and a whole-file mapping of a huge file may not fit (RLIMIT_AS, 32-bit).
    let start = offset - offset % page_size();
    let Some(map_len) = mappable(path, end - start)? else {
        return Ok(());
    };
    let mapping = Mapping::new(
        &file,
        start,
        map_len,
        ProtFlags::PROT_READ,
        MapFlags::MAP_SHARED,
    )
    .with_path("cannot map", path)?;
    let skip = (offset - start) as usize; // less than a page
    out.write_all(&mapping.bytes()[skip..])
        .context("cannot write to stdout")
}

pub fn bump(path: &Path, stride: NonZeroU64, delta: u8) -> Outcome {
    let file = open_regular(path, OpenOptions::new().read(true).write(true))?;
    let size = file.metadata().with_path("cannot stat", path)?.len();
    // An empty file has nothing to change, and a zero-length mapping would be refused.
    let Some(map_len) = mappable(path, size)? else {
        return Ok(());
    };
    // MAP_SHARED: our stores go to the page cache, and so to the file. With MAP_PRIVATE they
    // would land in private copies of the pages and vanish at exit.
    let mut mapping = Mapping::new(
        &file,
        0,
        map_len,
        ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
        MapFlags::MAP_SHARED,
    )
    .with_path("cannot map", path)?;
    // Only the touched pages are ever read in: with the default stride of 20000 about one page
    // in five is faulted in, and the rest of the file is never loaded.
    let step = usize::try_from(stride.get()).unwrap_or(usize::MAX);
    for byte in mapping.bytes_mut().iter_mut().step_by(step) {
        *byte = byte.wrapping_add(delta);
    }
    mapping.flush().with_path("cannot msync", path)
}
