//! Exercise 3 written apart from the reference solution (a fixture of grader/tests/similar.rs): the
//! same contract, another hand. It copies in chunks of a fixed number of pages, checks for the
//! same file by comparing the files' identities up front, and sizes the destination with
//! fallocate before mapping it.
#![allow(clippy::all)]

use std::fs::OpenOptions;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use cli_support::{Context, Failure, Outcome};
use memmap2::MmapOptions;

const CHUNK_PAGES: u64 = 2048;

pub fn copy(src: &Path, dst: &Path) -> Outcome {
    let meta = std::fs::metadata(src).with_path("cannot stat", src)?;
    if !meta.file_type().is_file() {
        return Err(Failure::runtime(format_args!("{}: not a regular file", src.display())));
    }
    if let Ok(existing) = std::fs::metadata(dst) {
        if existing.ino() == meta.ino() && existing.dev() == meta.dev() {
            return Err(Failure::runtime(format_args!(
                "refusing to copy {} onto itself",
                src.display()
            )));
        }
        if !existing.file_type().is_file() {
            return Err(Failure::runtime(format_args!("{}: not a regular file", dst.display())));
        }
    }
    ignore_file_size_signal()?;
    let input = OpenOptions::new().read(true).open(src).with_path("cannot open", src)?;
    let output = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .mode(meta.permissions().mode() & 0o777)
        .open(dst)
        .with_path("cannot open", dst)?;
    let total = meta.len();
    output.set_len(total).with_path("cannot resize", dst)?;
    if total > 0 {
        let wanted = i64::try_from(total).map_err(|_| Failure::runtime("file too large"))?;
        match nix::fcntl::posix_fallocate(&output, 0, wanted) {
            Ok(()) | Err(nix::errno::Errno::EOPNOTSUPP) => {}
            Err(e) => return Err(e).with_path("cannot allocate", dst),
        }
    }
    let chunk = CHUNK_PAGES * 4096;
    let mut done = 0u64;
    while done < total {
        let n = std::cmp::min(chunk, total - done);
        // SAFETY: both maps are dropped at the end of this iteration; the files are ours.
        let source = unsafe { MmapOptions::new().offset(done).len(n as usize).map(&input) }
            .with_path("cannot map", src)?;
        let mut target =
            unsafe { MmapOptions::new().offset(done).len(n as usize).map_mut(&output) }
                .with_path("cannot map", dst)?;
        target[..].copy_from_slice(&source[..]);
        target.flush().with_path("cannot flush", dst)?;
        done += n;
    }
    Ok(())
}

fn ignore_file_size_signal() -> Outcome {
    use nix::sys::signal::{SigHandler, Signal, signal};
    // SAFETY: ignoring a signal installs no handler code.
    match unsafe { signal(Signal::SIGXFSZ, SigHandler::SigIgn) } {
        Ok(_) => Ok(()),
        Err(e) => Err(Failure::runtime(format_args!("cannot ignore SIGXFSZ: {e}"))),
    }
}
