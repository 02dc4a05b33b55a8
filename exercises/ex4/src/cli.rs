//! The command-line front end of exercise 4, given complete: it checks the arguments and calls
//! your `count`, `send` and `recv` in `exercise.rs`. You do not need to change this file.

use std::ffi::OsString;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::ExitCode;

use cli_support::{Context, Failure, Outcome, parse_u64};

use crate::exercise;

const USAGE: &str =
    "usage: ex4 count WORKERS ITERS\n       ex4 send FILE MESSAGE\n       ex4 recv FILE";

/// The most workers `count` forks.
const MAX_WORKERS: u64 = 64;
/// The mailbox is one 4096-byte page: an 8-byte header, then at most this many message bytes.
pub const MAX_MESSAGE: usize = 4088;

pub fn main() -> ExitCode {
    cli_support::run("ex4", USAGE, dispatch)
}

fn dispatch(args: &[OsString]) -> Outcome {
    match args {
        [cmd, workers, iters] if cmd == "count" => {
            let workers = parse_u64("WORKERS", workers)?;
            let iters = parse_u64("ITERS", iters)?;
            if !(1..=MAX_WORKERS).contains(&workers) {
                return Err(Failure::usage(format_args!(
                    "WORKERS must be in 1..={MAX_WORKERS}"
                )));
            }
            if workers.checked_mul(iters).is_none() {
                return Err(Failure::usage("WORKERS * ITERS must fit in 64 bits"));
            }
            let total = exercise::count(workers as u32, iters)?;
            writeln!(std::io::stdout(), "{total}").context("cannot write to stdout")
        }
        [cmd, file, message] if cmd == "send" => {
            let message = message.as_bytes();
            if message.len() > MAX_MESSAGE {
                return Err(Failure::usage(format_args!(
                    "MESSAGE is {} bytes; the mailbox holds at most {MAX_MESSAGE}",
                    message.len()
                )));
            }
            exercise::send(Path::new(file), message)
        }
        [cmd, file] if cmd == "recv" => {
            exercise::recv(Path::new(file), &mut std::io::stdout().lock())
        }
        _ => Err(Failure::usage(
            "expected `count WORKERS ITERS`, `send FILE MESSAGE` or `recv FILE`",
        )),
    }
}
