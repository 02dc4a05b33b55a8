//! Hostile: a constant whose evaluation never ends, with the lint that would stop it allowed, so
//! that rustc runs until it is killed, holding the shared target directory's build lock.
use std::path::Path;

use cli_support::Outcome;

#[allow(long_running_const_eval)]
const NEVER: u64 = {
    let mut i = 0u64;
    loop {
        i = i.wrapping_add(1);
    }
};

pub fn copy(_src: &Path, _dst: &Path) -> Outcome {
    std::hint::black_box(NEVER);
    Ok(())
}
