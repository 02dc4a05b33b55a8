//! The checks, one module per exercise (`exN.rs`). Each check is a function
//! `fn(&mut Ctx) -> Verdict` that runs the program in its own temporary directory and judges what
//! it did; each module's `EXERCISE` table gives its checks their names, points, titles and
//! hints. The modules are found by `build.rs`: the list below is written when the grader is
//! built (`TABLES`, every exercise's table, in order).

include!(concat!(env!("OUT_DIR"), "/exercises.rs"));

use crate::fail;

use crate::check_api::{Ctx, Problem, Verdict};
use crate::runner::{Call, FileId, Run, Trace};

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

/// Evidence that the data of the files at `paths` moved through mappings: the run's system
/// calls, for its whole process tree, show each file mapped and none of them read or written with
/// a read/write-style call. Where the grader cannot watch system calls, the check does not run
/// (and gives no points).
pub fn through_mappings(run: &Run, files: &[FileId]) -> Verdict {
    let trace = watched(run)?;
    for file in files {
        let name = file.path.file_name().unwrap_or_default().to_string_lossy();
        let mut moved = trace.data_calls_on(file);
        if let Some(call) = moved.next() {
            return fail!(
                "`{}` moved the data of '{name}' with a system call: `{call}`{}; this exercise asks \
                 you to map the file and reach its bytes through the mapping",
                run.command,
                match moved.count() {
                    0 => String::new(),
                    more => format!(" (and {more} more such calls)"),
                }
            );
        }
        mappings_of(run, trace, file, &format!("'{name}'"))?;
    }
    Ok(())
}

/// The run's mmap(2) calls of `file` (called `name` in messages), or a failure: it never mapped it.
pub fn mappings_of<'a>(
    run: &Run,
    trace: &'a Trace,
    file: &'a FileId,
    name: &str,
) -> Result<Vec<&'a Call>, Problem> {
    let maps: Vec<&Call> = trace.on_file(file).filter(|c| c.name == "mmap").collect();
    if maps.is_empty() {
        return fail!("`{}` never mapped {name} (no mmap(2) of it)", run.command);
    }
    Ok(maps)
}

/// The run's system calls, or why the check cannot run without them, or fails on them.
pub fn watched(run: &Run) -> Result<&Trace, Problem> {
    let trace = run.trace.as_ref().ok_or_else(|| {
        Problem::NotRun(
            "not checked here: this machine does not let the grader watch system calls \
             (seccomp user notification, Linux 5.5 or later)"
                .into(),
        )
    })?;
    if trace.overflowed() {
        return fail!(
            "`{}` made more than {} watched system calls (mmap, read, write, ...); a program \
             of this kit makes a few hundred, and past that the grader cannot vouch for them",
            run.command,
            trace.calls.len()
        );
    }
    Ok(trace)
}
