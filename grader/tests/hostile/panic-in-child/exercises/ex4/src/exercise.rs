//! Hostile: the workers of `count` panic.
use std::io::Write;
use std::path::Path;

use cli_support::{Context, Failure, Outcome};

pub fn count(workers: u32, _iters: u64) -> Outcome<u64> {
    let mut children = Vec::new();
    for _ in 0..workers {
        // SAFETY: single-threaded; the child panics at once.
        match unsafe { nix::unistd::fork() }.context("cannot fork")? {
            nix::unistd::ForkResult::Child => panic!("a worker panics"),
            nix::unistd::ForkResult::Parent { child } => children.push(child),
        }
    }
    for child in children {
        match nix::sys::wait::waitpid(child, None).context("cannot wait")? {
            nix::sys::wait::WaitStatus::Exited(_, 0) => {}
            status => return Err(Failure::runtime(format_args!("a worker failed: {status:?}"))),
        }
    }
    Ok(0)
}

pub fn send(_path: &Path, _message: &[u8]) -> Outcome {
    todo!("not attempted")
}

pub fn recv(_path: &Path, _out: &mut dyn Write) -> Outcome {
    todo!("not attempted")
}
