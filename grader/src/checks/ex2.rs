//! Exercise 2: copy-on-write (`ex2 patch`, `ex2 fork`).

use std::path::Path;
use std::time::{Duration, SystemTime};

use std::sync::{Arc, Mutex};

use crate::checks::{fifo, mappings_of, through_mappings, usage_errors, watched};
use crate::expect::file_holds;
use crate::check_api::{Ctx, MIB, PAGE, Problem, Verdict, ensure, grader_error};
use crate::outcome::Reword;
use crate::runner::trace::regions;
use crate::runner::{Call, Observer, read_memory, seccomp};
use predicates::prelude::*;

use crate::runner::{Limits, Run};
use crate::table::{Exercise, test};

/// The rubric rows of ex2: each test's name, points, title, check and hint.
pub const EXERCISE: Exercise = Exercise {
    name: "ex2",
    weight: 25,
    tests: &[
        test(
            "patch_prints_patched",
            3,
            "patch prints the file with TEXT written at OFFSET",
            patch_prints_patched,
            "open read-only, map MAP_PRIVATE with PROT_WRITE, write TEXT at OFFSET into the \
             mapping, print the whole mapping",
        ),
        test(
            "patch_leaves_file_unchanged",
            3,
            "patch leaves the file and its mtime unchanged",
            patch_leaves_file_unchanged,
            "stores to a MAP_PRIVATE mapping are copy-on-write: they never reach the file, and \
             the file must not be opened for writing",
        ),
        test(
            "patch_empty_text",
            2,
            "patch with empty TEXT prints the file as it is",
            patch_empty_text,
            "empty TEXT changes nothing: print the file as it is (and nothing at all for an empty \
             file, with no mapping of length 0)",
        ),
        test(
            "patch_past_end",
            2,
            "patch past the end of the file is a clean error",
            patch_past_end,
            "OFFSET + len(TEXT) past the end of the file is a runtime error (status 1, nothing on \
             stdout), checked before writing anything",
        ),
        test(
            "patch_uses_mapping",
            2,
            "patch reads the file through a mapping",
            patch_uses_mapping,
            "print the file's bytes from the mapping: no read(2) of the file",
        ),
        test(
            "patch_maps_private_read_only",
            2,
            "patch maps the file MAP_PRIVATE and writable, opened read-only",
            patch_maps_private_read_only,
            "open the file read-only and map it MAP_PRIVATE with PROT_READ | PROT_WRITE: the only \
             writable mapping of a read-only descriptor",
        ),
        test(
            "fork_three_lines",
            3,
            "fork prints the three lines, once each, in order",
            fork_three_lines,
            "print and flush `before fork:` before forking (a buffered line is printed by both \
             processes); the parent waits for the child before its own line",
        ),
        test(
            "fork_empty_text",
            1,
            "fork works with an empty TEXT",
            fork_empty_text,
            "an empty TEXT still forks and prints the three lines; map at least one byte (a \
             mapping of length 0 is invalid)",
        ),
        test(
            "fork_text_in_private_anonymous_mapping",
            2,
            "fork keeps TEXT in a private anonymous mapping that the child changes",
            fork_text_in_private_anonymous_mapping,
            "TEXT lives in a MAP_PRIVATE | MAP_ANONYMOUS mapping; the child upper-cases that \
             mapping in place, and the parent's copy stays as it was",
        ),
        test(
            "fork_really_forks",
            2,
            "fork fails cleanly when fork(2) fails",
            fork_really_forks,
            "when fork(2) fails, report it (status 1, a message on stderr) rather than printing \
             the lines yourself",
        ),
        test(
            "bad_input",
            2,
            "a missing file and bad command lines are clean errors",
            bad_input,
            "a missing file is a runtime error (status 1, `ex2: ` and the path and reason on \
             stderr); a bad command line is a usage error (status 2)",
        ),
        test(
            "not_a_regular_file",
            1,
            "a directory, FIFO or device is a clean error",
            not_a_regular_file,
            "check the file's type before mapping: a directory, FIFO or device is an error, \
             status 1, and a FIFO must not block the open",
        ),
    ],
};

fn patched(data: &[u8], offset: usize, text: &str) -> Vec<u8> {
    let mut out = data.to_vec();
    out[offset..offset + text.len()].copy_from_slice(text.as_bytes());
    out
}

/// `ex2 patch` of `data` printed it with `text` at `offset`, or else the likely mistake is named.
fn patch_printed(run: &mut Run, data: &[u8], offset: usize, text: &str) -> Verdict {
    run.printed_or_hint(&patched(data, offset, text), |got| {
        if got == data && !text.is_empty() {
            Some(
                "it printed the file without TEXT: write TEXT into the private mapping at OFFSET, \
                  then print the whole mapping"
                    .into(),
            )
        } else {
            (got.len() != data.len()).then(|| {
                format!(
                    "print the whole file ({} bytes), with TEXT written over its bytes at OFFSET",
                    data.len()
                )
            })
        }
    })
}

/// A line of `ex2 fork` came out twice: the hint, written once (tests/mutants/ex2.rs shows it).
pub const FLUSH_BEFORE_FORK: &str = "a line came out more than once: output still in a buffer \
     when the process forks is copied into the child, and both print it: flush before fork?";

/// `ex2 fork TEXT` printed its three lines, or else the likely mistake is named: a line lost or
/// doubled is output left in a buffer at the fork (or at a child's exit).
fn fork_printed(run: &mut Run, text: &str) -> Verdict {
    let expected = fork_lines(text);
    run.printed_or_hint(&expected, |got| {
        let want: Vec<&[u8]> = expected.split_inclusive(|&b| b == b'\n').collect();
        let lines: Vec<&[u8]> = got.split_inclusive(|&b| b == b'\n').collect();
        let times = |line: &[u8]| lines.iter().filter(|l| **l == line).count();
        if want.iter().any(|line| times(line) > 1) || lines.len() > want.len() {
            Some(FLUSH_BEFORE_FORK.into())
        } else if want.iter().any(|line| times(line) == 0) {
            Some(
                match lines.iter().any(|l| l.starts_with(b"child sees: ")) {
                    true => {
                        "a line is missing or wrong: the child upper-cases its copy of the mapping \
                         and prints it; the parent, after waitpid, prints its own copy unchanged"
                    }
                    false => {
                        "a line is missing: output left in a buffer is lost when a process ends \
                          with process::exit or _exit: flush before fork, and in the child before \
                          it exits?"
                    }
                }
                .into(),
            )
        } else {
            Some(
                "the lines are right but out of order: print the first line (and flush it) \
                  before fork, and let the parent wait for the child (waitpid) before its own line"
                    .into(),
            )
        }
    })
}

/// An old modification time, set on the file `name` before the run, so that any write shows.
fn backdate(t: &Ctx, name: &str) -> Result<SystemTime, Problem> {
    let then = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    t.open_for_writing(name)?
        .set_modified(then)
        .map_err(grader_error)?;
    Ok(then)
}

fn unchanged(path: &Path, data: &[u8], mtime: SystemTime) -> Verdict {
    file_holds(path, data).reword(|why| {
        format!("the file on disk changed: {why}; a MAP_PRIVATE mapping never writes back")
    })?;
    let now = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .map_err(|e| e.to_string())?;
    ensure(now == mtime, || {
        "the file's modification time changed: it was written to".to_owned()
    })
}

pub fn patch_prints_patched(t: &mut Ctx) -> Verdict {
    let size = 2 * PAGE + t.below(3 * PAGE as u64) as usize;
    let (_, data) = t.random_file("data.bin", size);
    for _ in 0..3 {
        let text = t.text(t.between(1, 200) as usize);
        let offset = t.below((size - text.len()) as u64) as usize;
        let mut run = t.run(["patch", "data.bin", &offset.to_string(), &text]);
        patch_printed(&mut run, &data, offset, &text)?;
    }
    // Right up to the last byte.
    let text = t.text(5);
    let mut run = t.run(["patch", "data.bin", &(size - 5).to_string(), &text]);
    patch_printed(&mut run, &data, size - 5, &text)
}

pub fn patch_leaves_file_unchanged(t: &mut Ctx) -> Verdict {
    let size = PAGE + t.below(PAGE as u64) as usize;
    let (path, data) = t.random_file("data.bin", size);
    let mtime = backdate(t, "data.bin")?;
    let text = t.text(100);
    let mut run = t.run(["patch", "data.bin", "10", &text]);
    patch_printed(&mut run, &data, 10, &text)?;
    run.with_stderr(unchanged(&path, &data, mtime))
}

pub fn patch_empty_text(t: &mut Ctx) -> Verdict {
    let (_, data) = t.random_file("data.bin", 1000 + t.below(1000) as usize);
    // Made before any run: a program cannot have left a folder in its place.
    t.file("empty.bin", b"");
    patch_printed(&mut t.run(["patch", "data.bin", "3", ""]), &data, 3, "")?;
    let end = data.len();
    patch_printed(
        &mut t.run(["patch", "data.bin", &end.to_string(), ""]),
        &data,
        end,
        "",
    )?;
    patch_printed(&mut t.run(["patch", "empty.bin", "0", ""]), b"", 0, "")
}

pub fn patch_past_end(t: &mut Ctx) -> Verdict {
    let size = 500 + t.below(500) as usize;
    let (path, data) = t.random_file("data.bin", size);
    let mtime = backdate(t, "data.bin")?;
    // Made before any run: a program cannot have left a folder in its place.
    t.file("empty.bin", b"");
    let text = t.text(10);
    t.run(["patch", "data.bin", &(size - 9).to_string(), &text])
        .failed_naming("ex2", "data.bin")?;
    t.run(["patch", "data.bin", &(size + 1).to_string(), ""])
        .failed_naming("ex2", "data.bin")?;
    t.run(["patch", "data.bin", "18446744073709551615", "x"])
        .failed_naming("ex2", "data.bin")?;
    t.run(["patch", "empty.bin", "0", "x"])
        .failed_naming("ex2", "empty.bin")?;
    unchanged(&path, &data, mtime)
}

pub fn patch_uses_mapping(t: &mut Ctx) -> Verdict {
    let size = 4 * MIB;
    let (_, data) = t.random_file("data.bin", size);
    let text = t.text(64);
    let mut run = t.run(["patch", "data.bin", "4096", &text]);
    patch_printed(&mut run, &data, 4096, &text)?;
    through_mappings(&run, &[t.file_id("data.bin")])
}

pub fn patch_maps_private_read_only(t: &mut Ctx) -> Verdict {
    let size = 2 * PAGE + t.below(PAGE as u64) as usize;
    let (_, data) = t.random_file("data.bin", size);
    let text = t.text(32);
    let mut run = t.run(["patch", "data.bin", "100", &text]);
    patch_printed(&mut run, &data, 100, &text)?;
    let trace = watched(&run)?;
    let file = t.file_id("data.bin");
    let maps = mappings_of(&run, trace, &file, "'data.bin'")?;
    for call in &maps {
        ensure(!call.mmap_shared(), || {
            format!(
                "`{}` made `{call}`: a shared mapping writes back to the file; copy-on-write \
                 needs MAP_PRIVATE",
                run.command
            )
        })?;
        ensure(call.file.as_ref().is_some_and(|f| f.read_only()), || {
            format!(
                "`{}` made `{call}` on a descriptor opened for writing: open the file read-only \
                 (O_RDONLY); a private mapping never needs write access to its file",
                run.command
            )
        })?;
    }
    ensure(
        maps.iter().any(|c| c.mmap_prot() & libc::PROT_WRITE != 0),
        || {
            format!(
                "`{}` made `{}`: map the file privately *with* PROT_WRITE and write TEXT into the \
                 mapping itself (that write is what copy-on-write copies)",
                run.command, maps[0]
            )
        },
    )
}

fn fork_lines(text: &str) -> Vec<u8> {
    format!(
        "before fork: {text}\nchild sees: {}\nparent sees: {text}\n",
        text.to_ascii_uppercase()
    )
    .into_bytes()
}

pub fn fork_three_lines(t: &mut Ctx) -> Verdict {
    // stdout is a pipe here: anything left in a buffer at fork would be printed twice.
    for _ in 0..2 {
        let text = t.text(t.between(5, 60) as usize);
        fork_printed(&mut t.run(["fork", &text]), &text)?;
    }
    Ok(())
}

pub fn fork_empty_text(t: &mut Ctx) -> Verdict {
    fork_printed(&mut t.run(["fork", ""]), "")
}

/// What the grader saw of TEXT while `ex2 fork` ran.
#[derive(Default)]
struct Sightings {
    /// The process that was started (the first to make a watched call).
    parent: Option<u32>,
    /// Where TEXT was at the fork, in private anonymous mappings of the parent.
    places: Vec<u64>,
    /// The child's copy held the upper-cased text when it printed.
    child_changed_its_copy: bool,
    /// The parent's copy still held TEXT when it printed after the fork.
    parent_kept_its_copy: bool,
}

pub fn fork_text_in_private_anonymous_mapping(t: &mut Ctx) -> Verdict {
    let text = format!("{}abc", t.text(t.between(20, 80) as usize));
    let upper = text.to_ascii_uppercase();
    let seen = Arc::new(Mutex::new(Sightings::default()));
    let observer = {
        let seen = seen.clone();
        let (text, upper) = (text.clone().into_bytes(), upper.clone().into_bytes());
        Box::new(move |call: &Call| {
            let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
            let parent = *seen.parent.get_or_insert(call.pid);
            let holds = |pid: u32, at: u64, what: &[u8]| {
                read_memory(pid, at, what.len()).is_ok_and(|bytes| bytes == what)
            };
            if call.pid == parent && seccomp::creates_process(call.nr) && !call.makes_thread() {
                // The parent is about to fork: where is TEXT? Only private anonymous mappings
                // count (not the heap, the stack, or a file).
                seen.places = regions(parent)
                    .into_iter()
                    .filter(|r| r.perms == "rw-p" && r.path.is_empty())
                    .filter(|r| holds(parent, r.start, &text))
                    .map(|r| r.start)
                    .collect();
            } else if call.name == "write" && !seen.places.is_empty() {
                let places = seen.places.clone();
                if call.pid == parent {
                    seen.parent_kept_its_copy |= places.iter().any(|&at| holds(parent, at, &text));
                } else {
                    seen.child_changed_its_copy |=
                        places.iter().any(|&at| holds(call.pid, at, &upper));
                }
            }
        }) as Observer
    };
    let mut run = t.start_observed(["fork", &text], Some(observer))?.finish();
    fork_printed(&mut run, &text)?;
    watched(&run)?;
    let seen = seen.lock().unwrap_or_else(|e| e.into_inner());
    ensure(!seen.places.is_empty(), || {
        format!(
            "`{}`: when the parent forked, TEXT was in none of its private anonymous mappings (on \
             the heap or the stack instead?); put it in a mapping made with mmap(NULL, len, \
             PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)",
            run.command
        )
    })?;
    ensure(seen.child_changed_its_copy, || {
        format!(
            "`{}`: when the child printed, its copy of the mapping did not hold the upper-cased \
             text: upper-case the mapping itself, in place, in the child",
            run.command
        )
    })?;
    ensure(seen.parent_kept_its_copy, || {
        format!(
            "`{}`: when the parent printed after the fork, its mapping no longer held TEXT",
            run.command
        )
    })
}

pub fn fork_really_forks(t: &mut Ctx) -> Verdict {
    let text = t.text(20);
    // With fork(2) made to fail, a program that forks must report it and exit 1; one that only
    // prints the three lines it expects would still "succeed". The first line may already be out.
    let mut run = t.run_limited(
        ["fork", &text],
        Limits {
            forbid_fork: true,
            ..Limits::default()
        },
    );
    let before = format!("before fork: {text}\n");
    let before_only = |out: &[u8]| out.is_empty() || out == before.as_bytes();
    ensure(before_only(&run.output().stdout), || {
        format!(
            "with fork(2) made to fail (EAGAIN), `{}` printed more than the line before the fork: {:?}",
            run.command,
            String::from_utf8_lossy(&run.output().stdout)
        )
    })?;
    run.failed_printing(1, "ex2", predicate::function(before_only).fn_name("before_fork_only"))
        .reword(|why| {
            format!("with fork(2) made to fail (EAGAIN), the program should fail cleanly with status 1: {why}")
        })?;
    fork_printed(&mut t.run(["fork", &text]), &text)
}

/// A missing file is the program's own error to report; bad command lines are the front end's.
pub fn bad_input(t: &mut Ctx) -> Verdict {
    usage(t)?;
    t.run(["patch", "nope.bin", "0", "x"])
        .failed_naming("ex2", "nope.bin")
}

pub fn not_a_regular_file(t: &mut Ctx) -> Verdict {
    let fifo = fifo(t, "fifo")?;
    std::fs::create_dir(t.path("dir")).map_err(|e| e.to_string())?;
    for path in ["dir", fifo.as_str(), "/dev/zero"] {
        t.run(["patch", path, "0", ""]).failed_naming("ex2", path)?;
    }
    Ok(())
}

fn usage(t: &Ctx) -> Verdict {
    t.file("data.bin", b"0123456789");
    usage_errors(
        t,
        &[
            &[],
            &["patch", "data.bin", "0"],
            &["patch", "data.bin", "zero", "x"],
            &["patch", "data.bin", "-1", "x"],
            &["fork"],
            &["fork", "a", "b"],
            &["spoon", "x"],
        ],
    )
}
