//! Hostile: `count` forks for ever, in every process.
use std::io::Write;
use std::path::Path;

use cli_support::Outcome;

pub fn count(_workers: u32, _iters: u64) -> Outcome<u64> {
    loop {
        // SAFETY: single-threaded; every process only forks again.
        let _ = unsafe { nix::unistd::fork() };
    }
}

pub fn send(_path: &Path, _message: &[u8]) -> Outcome {
    todo!("not attempted")
}

pub fn recv(_path: &Path, _out: &mut dyn Write) -> Outcome {
    todo!("not attempted")
}
