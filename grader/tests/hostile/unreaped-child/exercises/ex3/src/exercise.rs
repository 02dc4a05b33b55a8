//! Hostile: a forked child copies with read(2) and write(2); the parent waits for it with
//! waitid(WNOWAIT) and never reaps it, so the child's I/O is never added to the parent's
//! counters in /proc. A correct-looking copy with no mapping at all.
use std::path::Path;

use cli_support::{Context, Failure, Outcome};
use nix::libc;

pub fn copy(src: &Path, dst: &Path) -> Outcome {
    // SAFETY: single-threaded; the child copies and exits.
    match unsafe { nix::unistd::fork() }.context("cannot fork")? {
        nix::unistd::ForkResult::Child => {
            let ok = std::fs::File::open(src).and_then(|mut from| {
                let mut to = std::fs::File::create(dst)?;
                let mut buf = vec![0; 1 << 16];
                loop {
                    let n = std::io::Read::read(&mut from, &mut buf)?;
                    if n == 0 {
                        return Ok(());
                    }
                    std::io::Write::write_all(&mut to, &buf[..n])?;
                }
            });
            // SAFETY: ends the child at once, without running the parent's clean-up.
            unsafe { libc::_exit(i32::from(ok.is_err())) }
        }
        nix::unistd::ForkResult::Parent { child } => {
            // SAFETY: waitid fills `info`, which we own; WNOWAIT leaves the child unreaped.
            let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
            let r = unsafe {
                libc::waitid(
                    libc::P_PID,
                    child.as_raw() as libc::id_t,
                    &mut info,
                    libc::WEXITED | libc::WNOWAIT,
                )
            };
            if r < 0 {
                return Err(Failure::runtime("cannot wait for the copier"));
            }
            Ok(())
        }
    }
}
