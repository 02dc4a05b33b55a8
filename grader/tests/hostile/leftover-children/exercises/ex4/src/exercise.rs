//! Hostile: `count` prints the right total without counting, and leaves behind a child that has
//! escaped into a session (and process group) of its own.
use std::io::Write;
use std::path::Path;

use cli_support::Outcome;

pub fn count(workers: u32, iters: u64) -> Outcome<u64> {
    // SAFETY: single-threaded; the child only sleeps.
    if let Ok(nix::unistd::ForkResult::Child) = unsafe { nix::unistd::fork() } {
        let _ = nix::unistd::setsid();
        loop {
            std::thread::sleep(std::time::Duration::from_secs(1));
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
