//! The command-line plumbing that all four exercises share: how a failure is reported, how numbers
//! are parsed, and how a file is opened without blocking. It is given complete; the exercises are
//! in each crate's `src/exercise.rs`.
//!
//! Every program of the kit follows the same conventions (see the root README):
//! exit status 0 on success, 1 on a runtime failure, 2 on a usage error; one line on stderr that
//! starts with the exercise's name, names the path involved and the operating system's reason; and
//! nothing on stdout when the run fails.

use std::ffi::OsString;
use std::fmt::Display;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;
use std::process::ExitCode;

/// Why a program stops before finishing its job.
#[derive(Debug, PartialEq, Eq)]
pub enum Failure {
    /// The command line is wrong: exit status 2, with the usage text.
    Usage(String),
    /// The job could not be done (a system call failed, a file is missing, ...): exit status 1.
    Runtime(String),
}

impl Failure {
    pub fn usage(message: impl Display) -> Failure {
        Failure::Usage(message.to_string())
    }

    pub fn runtime(message: impl Display) -> Failure {
        Failure::Runtime(message.to_string())
    }
}

/// What every step of an exercise returns: a value, or the reason it failed.
pub type Outcome<T = ()> = Result<T, Failure>;

/// Turns an operating-system error into a runtime failure that says what was being done, to which
/// path, and why it failed: `cannot open 'nope.bin': No such file or directory (os error 2)`.
///
/// Works on `std::io::Result` and on `nix::Result` alike, so both kinds of error read the same.
pub trait Context<T> {
    /// `action` is what was being attempted, such as `"cannot open"` or `"cannot map"`.
    fn with_path(self, action: &str, path: &Path) -> Outcome<T>;
    /// For errors that concern no path, such as writing to stdout.
    fn context(self, what: &str) -> Outcome<T>;
}

impl<T, E: Into<std::io::Error>> Context<T> for Result<T, E> {
    fn with_path(self, action: &str, path: &Path) -> Outcome<T> {
        self.map_err(|e| {
            Failure::runtime(format_args!("{action} '{}': {}", path.display(), e.into()))
        })
    }

    fn context(self, what: &str) -> Outcome<T> {
        self.map_err(|e| Failure::runtime(format_args!("{what}: {}", e.into())))
    }
}

/// Opens `path` with `options` and checks that it is a regular file.
///
/// The file is opened with `O_NONBLOCK`: opening a FIFO for reading would otherwise wait until a
/// writer comes along, and the program would hang instead of reporting that a FIFO is not a file
/// it can map. On a regular file the flag changes nothing.
pub fn open_regular(path: &Path, options: &mut OpenOptions) -> Outcome<File> {
    let file = options
        .custom_flags(nix::libc::O_NONBLOCK)
        .open(path)
        .with_path("cannot open", path)?;
    let kind = file.metadata().with_path("cannot stat", path)?.file_type();
    if kind.is_file() {
        return Ok(file);
    }
    let what = if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else {
        "not a regular file"
    };
    Err(Failure::runtime(format_args!(
        "cannot use '{}': it is {what}, not a regular file",
        path.display()
    )))
}

/// Parses a command-line number: an unsigned decimal 64-bit integer, digits only.
pub fn parse_u64(name: &str, arg: &OsString) -> Outcome<u64> {
    let text = arg.to_string_lossy();
    let digits_only = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    match text.parse::<u64>() {
        Ok(n) if digits_only => Ok(n),
        _ => Err(Failure::usage(format_args!(
            "{name} must be an unsigned decimal integer below 2^64, not '{text}'"
        ))),
    }
}

/// Runs a program's front end: hands it the arguments (without the program name), and turns its
/// outcome into the exit status and the one-line message that the kit's conventions ask for.
pub fn run(exercise: &str, usage: &str, main: impl FnOnce(&[OsString]) -> Outcome) -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let outcome =
        main(&args).and_then(|()| std::io::stdout().flush().context("cannot write to stdout"));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Runtime(message)) => {
            eprintln!("{exercise}: {message}");
            ExitCode::from(1)
        }
        Err(Failure::Usage(message)) => {
            eprintln!("{exercise}: {message}\n{usage}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_plain_unsigned_decimals() {
        let parse = |s: &str| parse_u64("N", &OsString::from(s));
        assert_eq!(parse("0"), Ok(0));
        assert_eq!(parse("18446744073709551615"), Ok(u64::MAX));
        for bad in ["", "+1", "-1", "0x10", "1e3", " 1", "18446744073709551616"] {
            assert!(
                matches!(parse(bad), Err(Failure::Usage(_))),
                "{bad:?} was accepted"
            );
        }
    }

    #[test]
    fn errors_name_the_path_and_the_reason() {
        let err =
            File::open("/nonexistent/x").with_path("cannot open", Path::new("/nonexistent/x"));
        let Err(Failure::Runtime(message)) = err else {
            panic!("expected a runtime failure")
        };
        assert_eq!(
            message,
            "cannot open '/nonexistent/x': No such file or directory (os error 2)"
        );
    }

    #[test]
    fn a_directory_is_refused_by_name() {
        let err = open_regular(Path::new("/"), OpenOptions::new().read(true)).unwrap_err();
        assert_eq!(
            err,
            Failure::runtime("cannot use '/': it is a directory, not a regular file")
        );
    }
}
