//! Exercise 2: copy-on-write. This is the file you edit (see README.md).
//!
//! `memmap2::MmapOptions` makes the mappings: `map_copy` for a private, writable view of a file,
//! `map_anon` for private anonymous memory. Fork with `nix::unistd::fork` and wait with
//! `nix::sys::wait::waitpid`.
// The stubs do not use their arguments yet; delete this line once your functions are written.
#![allow(unused_variables)]

use std::io::Write;
use std::path::Path;

use cli_support::Outcome;

/// `ex2 patch FILE OFFSET TEXT`: maps `path` (opened read-only) privately and writably, writes
/// `text` into the mapping at `offset`, and writes the whole modified mapping to `out`.
/// The file itself must not change.
pub fn patch(path: &Path, offset: u64, text: &[u8], out: &mut dyn Write) -> Outcome {
    todo!(
        "ex2 patch: map the file copy-on-write, patch the mapping, print it (README, steps 1 to 3)"
    )
}

/// `ex2 fork TEXT`: puts `text` in a private anonymous mapping, prints `before fork: TEXT`, forks;
/// the child upper-cases the mapping and prints `child sees: ...`; the parent waits for it and
/// prints `parent sees: ...`.
pub fn fork_demo(text: &[u8]) -> Outcome {
    todo!(
        "ex2 fork: fill an anonymous private mapping, fork, let the child change it (README, steps 4 to 6)"
    )
}
