//! The checks, one module per exercise. Each check is a function `fn(&mut Ctx) -> Verdict` that
//! runs the program in its own temporary directory and judges what it did; `rubric.rs` gives each
//! one its name, title and points.

pub mod ex1;
pub mod ex2;
pub mod ex3;
pub mod ex4;

use crate::fail;
use crate::fixtures::{Ctx, Verdict};
use crate::runner::Run;

/// Fails unless every argument list is refused as a usage error (status 2, usage on stderr).
pub fn usage_errors(t: &Ctx, cases: &[&[&str]]) -> Verdict {
    cases
        .iter()
        .try_for_each(|args| t.run(*args).failed_with(2, t.exercise))
}

/// Makes a FIFO in the check's directory and returns its name.
pub fn fifo(t: &Ctx, name: &str) -> Result<String, String> {
    nix::unistd::mkfifo(
        &t.path(name),
        nix::sys::stat::Mode::from_bits_truncate(0o644),
    )
    .map_err(|e| format!("the grader cannot make a FIFO: {e}"))?;
    Ok(name.to_owned())
}

/// Evidence that the file's data moved through a mapping: the run's read/write-style I/O, less
/// the program's own baseline, must be small next to the `file_bytes` it worked on. `printed` is
/// how much it was asked to write to stdout, which is allowed.
pub fn io_used(t: &Ctx, run: &Run, file_bytes: usize, printed: usize) -> Verdict {
    let Some(io) = run.io else { return Ok(()) }; // No /proc: nothing to judge by.
    let extra = io.above(&t.baseline());
    let (file_bytes, printed) = (file_bytes as u64, printed as u64);
    let slack = file_bytes / 8;
    let mib = |n: u64| format!("{:.1} MiB", n as f64 / (1 << 20) as f64);
    if extra.rchar > slack {
        return fail!(
            "`{}` read {} through read(2)-style system calls (read, pread, copy_file_range, sendfile...) \
             while working on {} of file data; this exercise asks you to map the file and use the mapping",
            run.command,
            mib(extra.rchar),
            mib(file_bytes)
        );
    }
    if extra.wchar > printed + slack {
        return fail!(
            "`{}` wrote {} through write(2)-style system calls, {} more than it had to print; \
             this exercise asks you to change the file through a mapping",
            run.command,
            mib(extra.wchar),
            mib(extra.wchar - printed)
        );
    }
    // Byte-at-a-time pread/pwrite moves few bytes but makes a system call for each one.
    let calls = extra.syscr + extra.syscw;
    let allowed = 200 + printed / 4096;
    if calls > allowed {
        return fail!(
            "`{}` made {calls} read/write-style system calls (at most {allowed} expected); \
             reach the file's bytes through the mapping, not with a system call each",
            run.command
        );
    }
    Ok(())
}
