//! Hostile: the child of `fork` spins for ever; its parent waits for it.
use std::io::Write;
use std::path::Path;

use cli_support::{Context, Outcome};

pub fn patch(_path: &Path, _offset: u64, _text: &[u8], _out: &mut dyn Write) -> Outcome {
    todo!("not attempted")
}

pub fn fork_demo(_text: &[u8]) -> Outcome {
    // SAFETY: single-threaded; the child only spins.
    match unsafe { nix::unistd::fork() }.context("cannot fork")? {
        nix::unistd::ForkResult::Child => loop {
            std::hint::spin_loop();
        },
        nix::unistd::ForkResult::Parent { child } => {
            nix::sys::wait::waitpid(child, None).context("cannot wait")?;
            Ok(())
        }
    }
}
