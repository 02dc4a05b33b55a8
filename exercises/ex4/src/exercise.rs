//! Exercise 4: sharing memory among processes. This is the file you edit (see README.md).
//!
//! For `count`, make the shared anonymous mapping with `nix::sys::mman::mmap_anonymous` and
//! `MapFlags::MAP_SHARED` (memmap2's anonymous maps are private: a forked child would count in its
//! own copy). For the mailbox, `memmap2::MmapOptions::map_mut` maps the file shared; the state word
//! is a `std::sync::atomic::AtomicU32`. `crate::cli::MAX_MESSAGE` is the largest message.
// The stubs do not use their arguments yet; delete this line once your functions are written.
#![allow(unused_variables)]

use std::io::Write;
use std::path::Path;

use cli_support::Outcome;

/// `ex4 count WORKERS ITERS`: forks `workers` children that each add 1 to a counter in shared
/// memory `iters` times, atomically; waits for them all; returns the counter's final value.
pub fn count(workers: u32, iters: u64) -> Outcome<u64> {
    todo!(
        "ex4 count: a MAP_SHARED anonymous mapping holding an AtomicU64, fork the workers, wait (README, steps 1 to 3)"
    )
}

/// `ex4 send FILE MESSAGE`: puts `message` in the mailbox at `path`, marks it full (release), and
/// waits until the receiver marks it taken (acquire).
pub fn send(path: &Path, message: &[u8]) -> Outcome {
    todo!(
        "ex4 send: map the mailbox, write the message and its length, publish it, wait (README, steps 4 and 5)"
    )
}

/// `ex4 recv FILE`: waits until the mailbox at `path` is full (acquire), writes the message and a
/// newline to `out`, then marks the mailbox taken (release).
pub fn recv(path: &Path, out: &mut dyn Write) -> Outcome {
    todo!(
        "ex4 recv: map the mailbox, wait for a message, print it, mark it taken (README, steps 4 and 6)"
    )
}
