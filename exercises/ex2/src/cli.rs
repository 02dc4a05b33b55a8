//! The command-line front end of exercise 2, given complete: it checks the arguments and calls
//! your `patch` and `fork_demo` in `exercise.rs`. You do not need to change this file.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::ExitCode;

use cli_support::{Failure, Outcome, parse_u64};

use crate::exercise;

const USAGE: &str = "usage: ex2 patch FILE OFFSET TEXT\n       ex2 fork TEXT";

pub fn main() -> ExitCode {
    cli_support::run("ex2", USAGE, dispatch)
}

fn dispatch(args: &[OsString]) -> Outcome {
    match args {
        [cmd, file, offset, text] if cmd == "patch" => {
            let offset = parse_u64("OFFSET", offset)?;
            exercise::patch(
                Path::new(file),
                offset,
                text.as_bytes(),
                &mut std::io::stdout().lock(),
            )
        }
        [cmd, text] if cmd == "fork" => exercise::fork_demo(text.as_bytes()),
        _ => Err(Failure::usage(
            "expected `patch FILE OFFSET TEXT` or `fork TEXT`",
        )),
    }
}
