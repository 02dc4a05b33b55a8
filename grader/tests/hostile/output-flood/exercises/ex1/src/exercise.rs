//! Hostile: `peek` writes to stdout without end.
use std::io::Write;
use std::num::NonZeroU64;
use std::path::Path;

use cli_support::{Context, Outcome};

pub fn peek(_path: &Path, _offset: u64, _len: u64, out: &mut dyn Write) -> Outcome {
    let block = [b'x'; 1 << 16];
    loop {
        out.write_all(&block).context("cannot write")?;
    }
}

pub fn bump(_path: &Path, _stride: NonZeroU64, _delta: u8) -> Outcome {
    todo!("not attempted")
}
