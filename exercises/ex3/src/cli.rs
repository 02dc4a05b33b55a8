//! The command-line front end of exercise 3, given complete: it checks the arguments and calls
//! your `copy` in `exercise.rs`. You do not need to change this file.

use std::ffi::OsString;
use std::path::Path;
use std::process::ExitCode;

use cli_support::{Failure, Outcome};

use crate::exercise;

const USAGE: &str = "usage: ex3 SRC DST";

pub fn main() -> ExitCode {
    cli_support::run("ex3", USAGE, dispatch)
}

fn dispatch(args: &[OsString]) -> Outcome {
    match args {
        [src, dst] => exercise::copy(Path::new(src), Path::new(dst)),
        _ => Err(Failure::usage("expected two paths, SRC and DST")),
    }
}
