//! Hostile: `peek` moves the file's bytes with splice(2), file to pipe to stdout, which the I/O
//! counters of /proc never see; `bump` does the work right, so only the forbidden call is judged.
use std::io::Write;
use std::num::NonZeroU64;
use std::os::fd::AsRawFd;
use std::path::Path;

use cli_support::{Context, Failure, Outcome};
use nix::libc;

pub fn peek(path: &Path, offset: u64, len: u64, out: &mut dyn Write) -> Outcome {
    out.flush().context("cannot flush")?;
    let file = std::fs::File::open(path).with_path("cannot open", path)?;
    let size = file.metadata().with_path("cannot stat", path)?.len();
    let mut left = offset.saturating_add(len).min(size).saturating_sub(offset) as usize;
    let mut at = offset as libc::loff_t;
    let mut pipe = [0; 2];
    // SAFETY: raw system calls on descriptors this program owns.
    unsafe {
        if libc::pipe(pipe.as_mut_ptr()) < 0 {
            return Err(Failure::runtime("ex1: cannot make a pipe"));
        }
        while left > 0 {
            let n = libc::splice(file.as_raw_fd(), &mut at, pipe[1], std::ptr::null_mut(), left, 0);
            if n <= 0 {
                return Err(Failure::runtime(format!(
                    "cannot splice '{}': {}",
                    path.display(),
                    std::io::Error::last_os_error()
                )));
            }
            libc::splice(pipe[0], std::ptr::null_mut(), 1, std::ptr::null_mut(), n as usize, 0);
            left -= n as usize;
        }
    }
    Ok(())
}

pub fn bump(path: &Path, stride: NonZeroU64, delta: u8) -> Outcome {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .with_path("cannot open", path)?;
    if file.metadata().with_path("cannot stat", path)?.len() == 0 {
        return Ok(());
    }
    // SAFETY: a shared mapping of the whole file, which nothing else truncates meanwhile.
    let mut map = unsafe { memmap_free_mapping(&file) }.with_path("cannot map", path)?;
    for byte in map.iter_mut().step_by(stride.get() as usize) {
        *byte = byte.wrapping_add(delta);
    }
    Ok(())
}

/// A writable shared mapping of the whole file, through nix (the crate's only dependency).
unsafe fn memmap_free_mapping(file: &std::fs::File) -> nix::Result<&'static mut [u8]> {
    let len = file.metadata().map_err(|_| nix::Error::EIO)?.len() as usize;
    let addr = unsafe {
        nix::sys::mman::mmap(
            None,
            std::num::NonZeroUsize::new(len).ok_or(nix::Error::EINVAL)?,
            nix::sys::mman::ProtFlags::PROT_READ | nix::sys::mman::ProtFlags::PROT_WRITE,
            nix::sys::mman::MapFlags::MAP_SHARED,
            file,
            0,
        )?
    };
    Ok(unsafe { std::slice::from_raw_parts_mut(addr.as_ptr().cast(), len) })
}
