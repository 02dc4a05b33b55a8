//! The command-line front end of exercise 1, given complete: it checks the arguments and calls
//! your `peek` and `bump` in `exercise.rs`. You do not need to change this file.

use std::ffi::OsString;
use std::num::NonZeroU64;
use std::path::Path;
use std::process::ExitCode;

use cli_support::{Failure, Outcome, parse_u64};

use crate::exercise;

const USAGE: &str = "usage: ex1 peek FILE OFFSET LEN\n       ex1 bump FILE [STRIDE [DELTA]]";

/// Stride of `bump` when none is given: one byte in every 20000.
const DEFAULT_STRIDE: u64 = 20_000;
/// What `bump` adds to each byte when no DELTA is given.
const DEFAULT_DELTA: u8 = 10;

pub fn main() -> ExitCode {
    cli_support::run("ex1", USAGE, dispatch)
}

fn dispatch(args: &[OsString]) -> Outcome {
    match args {
        [cmd, file, offset, len] if cmd == "peek" => {
            let offset = parse_u64("OFFSET", offset)?;
            let len = parse_u64("LEN", len)?;
            exercise::peek(Path::new(file), offset, len, &mut std::io::stdout().lock())
        }
        [cmd, file, rest @ ..] if cmd == "bump" && rest.len() <= 2 => {
            let stride = match rest.first() {
                Some(arg) => NonZeroU64::new(parse_u64("STRIDE", arg)?)
                    .ok_or_else(|| Failure::usage("STRIDE must be 1 or more"))?,
                None => NonZeroU64::new(DEFAULT_STRIDE).expect("the default stride is not zero"),
            };
            let delta = match rest.get(1) {
                Some(arg) => u8::try_from(parse_u64("DELTA", arg)?)
                    .map_err(|_| Failure::usage("DELTA must be in 0..=255"))?,
                None => DEFAULT_DELTA,
            };
            exercise::bump(Path::new(file), stride, delta)
        }
        _ => Err(Failure::usage(
            "expected `peek FILE OFFSET LEN` or `bump FILE [STRIDE [DELTA]]`",
        )),
    }
}
