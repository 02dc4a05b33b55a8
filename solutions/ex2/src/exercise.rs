//! Exercise 2, reference solution: copy-on-write, of a file mapping and across fork(2).

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

use cli_support::{Context, Failure, Outcome, open_regular};
use memmap2::MmapOptions;
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, fork};

pub fn patch(path: &Path, offset: u64, text: &[u8], out: &mut dyn Write) -> Outcome {
    // Read-only is enough, even though we write to the mapping: a private mapping's writes go to
    // private copies of the pages, never to the file, so the kernel needs no write access to it.
    let file = open_regular(path, OpenOptions::new().read(true))?;
    let size = file.metadata().with_path("cannot stat", path)?.len();
    let end = offset
        .checked_add(text.len() as u64)
        .filter(|&end| end <= size)
        .ok_or_else(|| {
            Failure::runtime(format_args!(
                "cannot patch '{}': {} byte(s) at offset {offset} go past its end ({size} bytes)",
                path.display(),
                text.len()
            ))
        })?;
    if size == 0 {
        return Ok(()); // Nothing to map (a zero-length mapping is invalid) and nothing to print.
    }
    // SAFETY: MAP_PRIVATE means nothing we write reaches the file, and no other code in this
    // process maps it. Another process truncating the file while we run could make an access
    // raise SIGBUS; that is the usual risk of mapping a file, and nothing here truncates it.
    let mut mapping =
        unsafe { MmapOptions::new().map_copy(&file) }.with_path("cannot map", path)?;
    // Only the pages we write are copied; the rest of the mapping still shares the page cache.
    mapping[offset as usize..end as usize].copy_from_slice(text);
    out.write_all(&mapping).context("cannot write to stdout")
}

pub fn fork_demo(text: &[u8]) -> Outcome {
    // A mapping of length 0 is invalid, so an empty TEXT still gets one byte of mapping.
    let mut mapping = MmapOptions::new()
        .len(text.len().max(1))
        .map_anon()
        .context("cannot map anonymous memory")?;
    mapping[..text.len()].copy_from_slice(text);

    // Print and flush before forking: anything still in a buffer would be copied into the child
    // and printed twice when stdout is a pipe or a file.
    say(b"before fork: ", &mapping[..text.len()])?;

    // SAFETY: this program has a single thread, so the child may run any code, not just
    // async-signal-safe functions; and no lock (such as stdout's) is held across the fork.
    match unsafe { fork() }.context("cannot fork")? {
        ForkResult::Child => {
            // The first write makes the kernel copy the page for the child; the parent's page
            // is left as it was.
            mapping[..text.len()].make_ascii_uppercase();
            let status = match say(b"child sees: ", &mapping[..text.len()]) {
                Ok(()) => 0,
                Err(_) => 1,
            };
            std::process::exit(status)
        }
        ForkResult::Parent { child } => {
            match waitpid(child, None).context("cannot wait for the child")? {
                WaitStatus::Exited(_, 0) => {}
                status => {
                    return Err(Failure::runtime(format_args!(
                        "the child failed: {status:?}"
                    )));
                }
            }
            say(b"parent sees: ", &mapping[..text.len()])
        }
    }
}

/// Prints one line, `label` then `bytes`, and flushes it at once.
fn say(label: &[u8], bytes: &[u8]) -> Outcome {
    let mut out = std::io::stdout().lock();
    out.write_all(label)
        .and_then(|()| out.write_all(bytes))
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .context("cannot write to stdout")
}
