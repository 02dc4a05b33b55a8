//! Hostile: a static of 8 GiB that rustc must evaluate (and then write out) to compile ex1: an
//! unbounded build grows until the machine's OOM killer fires. Its build is stopped at the build's
//! memory bound, ex1 scores 0, and the other exercises are still built and graded.
// The stubs do not use their arguments yet; delete this line once your functions are written.
#![allow(unused_variables)]

use std::io::Write;
use std::num::NonZeroU64;
use std::path::Path;

use cli_support::Outcome;

/// Filled with 7s: no page of it is the zero page, so every byte costs memory.
pub static BOMB: [u8; 1 << 33] = [7u8; 1 << 33];

/// `ex1 peek FILE OFFSET LEN`: writes the bytes of `path` in [offset, min(offset + len, size))
/// to `out`, mapping only the pages that cover that range.
pub fn peek(path: &Path, offset: u64, len: u64, out: &mut dyn Write) -> Outcome {
    todo!(
        "ex1 peek: map the pages that cover the range and write its bytes to `out` (README, steps 1 to 3)"
    )
}

/// `ex1 bump FILE [STRIDE [DELTA]]`: adds `delta` (mod 256) to the byte at every multiple of `stride`,
/// in place, through a shared writable mapping that is flushed with msync(2) before returning.
pub fn bump(path: &Path, stride: NonZeroU64, delta: u8) -> Outcome {
    todo!(
        "ex1 bump: map the file shared and writable, change every STRIDE-th byte, msync (README, steps 4 and 5)"
    )
}
