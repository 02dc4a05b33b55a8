//! Hostile: copies with copy_file_range(2), then io_uring as a fallback: no mapping at all.
use std::os::fd::AsRawFd;
use std::path::Path;

use cli_support::{Context, Failure, Outcome};
use nix::libc;

pub fn copy(src: &Path, dst: &Path) -> Outcome {
    let from = std::fs::File::open(src).with_path("cannot open", src)?;
    let to = std::fs::File::create(dst).with_path("cannot create", dst)?;
    let size = from.metadata().with_path("cannot stat", src)?.len() as usize;
    let mut left = size;
    while left > 0 {
        // SAFETY: a raw system call on descriptors this program owns.
        let n = unsafe {
            libc::copy_file_range(
                from.as_raw_fd(),
                std::ptr::null_mut(),
                to.as_raw_fd(),
                std::ptr::null_mut(),
                left,
                0,
            )
        };
        if n <= 0 {
            // SAFETY: io_uring_setup with a zeroed parameter block: only asks for a ring.
            let mut params = [0u8; 120];
            let ring = unsafe { libc::syscall(libc::SYS_io_uring_setup, 8, params.as_mut_ptr()) };
            return Err(Failure::runtime(format!(
                "cannot copy to '{}': {} (io_uring: {ring})",
                dst.display(),
                std::io::Error::last_os_error()
            )));
        }
        left -= n as usize;
    }
    Ok(())
}
