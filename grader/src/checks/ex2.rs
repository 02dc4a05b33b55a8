//! Exercise 2: copy-on-write (`ex2 patch`, `ex2 fork`).

use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::checks::{fifo, io_used, usage_errors};
use crate::expect::file_holds;
use crate::fixtures::{Ctx, MIB, PAGE, Verdict, ensure};
use crate::outcome::Reword;
use std::process::Output;

use crate::runner::{Limits, Run};

fn patched(data: &[u8], offset: usize, text: &str) -> Vec<u8> {
    let mut out = data.to_vec();
    out[offset..offset + text.len()].copy_from_slice(text.as_bytes());
    out
}

/// An old modification time, set on the file before the run, so that any write shows.
fn backdate(path: &Path) -> SystemTime {
    let then = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    let file = std::fs::File::options()
        .write(true)
        .open(path)
        .expect("the file was just made");
    file.set_modified(then)
        .expect("cannot set a file's modification time");
    then
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
        t.run(["patch", "data.bin", &offset.to_string(), &text])
            .printed(&patched(&data, offset, &text))?;
    }
    // Right up to the last byte.
    let text = t.text(5);
    t.run(["patch", "data.bin", &(size - 5).to_string(), &text])
        .printed(&patched(&data, size - 5, &text))
}

pub fn patch_leaves_file_unchanged(t: &mut Ctx) -> Verdict {
    let size = PAGE + t.below(PAGE as u64) as usize;
    let (path, data) = t.random_file("data.bin", size);
    let mtime = backdate(&path);
    let text = t.text(100);
    t.run(["patch", "data.bin", "10", &text])
        .printed(&patched(&data, 10, &text))?;
    unchanged(&path, &data, mtime)
}

pub fn patch_empty_text(t: &mut Ctx) -> Verdict {
    let (_, data) = t.random_file("data.bin", 1000 + t.below(1000) as usize);
    t.run(["patch", "data.bin", "3", ""]).printed(&data)?;
    t.run(["patch", "data.bin", &data.len().to_string(), ""])
        .printed(&data)?;
    t.file("empty.bin", b"");
    t.run(["patch", "empty.bin", "0", ""]).printed(b"")
}

pub fn patch_past_end(t: &mut Ctx) -> Verdict {
    let size = 500 + t.below(500) as usize;
    let (path, data) = t.random_file("data.bin", size);
    let mtime = backdate(&path);
    let text = t.text(10);
    t.run(["patch", "data.bin", &(size - 9).to_string(), &text])
        .failed_naming("ex2", "data.bin")?;
    t.run(["patch", "data.bin", &(size + 1).to_string(), ""])
        .failed_naming("ex2", "data.bin")?;
    t.run(["patch", "data.bin", "18446744073709551615", "x"])
        .failed_naming("ex2", "data.bin")?;
    t.file("empty.bin", b"");
    t.run(["patch", "empty.bin", "0", "x"])
        .failed_naming("ex2", "empty.bin")?;
    unchanged(&path, &data, mtime)
}

pub fn patch_uses_mapping(t: &mut Ctx) -> Verdict {
    let size = 4 * MIB;
    let (_, data) = t.random_file("data.bin", size);
    let text = t.text(64);
    let run = t.run(["patch", "data.bin", "4096", &text]);
    run.printed(&patched(&data, 4096, &text))?;
    io_used(t, &run, size, size)
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
        t.run(["fork", &text]).printed(&fork_lines(&text))?;
    }
    Ok(())
}

pub fn fork_empty_text(t: &mut Ctx) -> Verdict {
    t.run(["fork", ""]).printed(&fork_lines(""))
}

pub fn fork_really_forks(t: &mut Ctx) -> Verdict {
    let text = t.text(20);
    // With fork(2) made to fail, a program that forks must report it and exit 1; one that only
    // prints the three lines it expects would still "succeed". The first line may already be out.
    let run = t.run_limited(
        ["fork", &text],
        Limits {
            forbid_fork: true,
            ..Limits::default()
        },
    );
    let before = format!("before fork: {text}\n");
    ensure(
        run.output.stdout.is_empty() || run.output.stdout == before.as_bytes(),
        || {
            format!(
                "with fork(2) made to fail (EAGAIN), `{}` printed more than the line before the fork: {:?}",
                run.command,
                String::from_utf8_lossy(&run.output.stdout)
            )
        },
    )?;
    let quiet = Run {
        output: Output {
            stdout: Vec::new(),
            ..run.output.clone()
        },
        ..run
    };
    quiet.failed_with(1, "ex2").reword(|why| {
        format!("with fork(2) made to fail (EAGAIN), the program should fail cleanly with status 1: {why}")
    })?;
    t.run(["fork", &text]).printed(&fork_lines(&text))
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
