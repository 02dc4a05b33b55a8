//! Exercise 4, reference solution: sharing memory among processes.

use std::fs::OpenOptions;
use std::io::Write;
use std::num::NonZeroUsize;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use cli_support::{Context, Failure, Outcome, open_regular};
use memmap2::{MmapMut, MmapOptions};
use nix::sys::mman::{MapFlags, ProtFlags, mmap_anonymous, munmap};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork};

use crate::cli::MAX_MESSAGE;

pub fn count(workers: u32, iters: u64) -> Outcome<u64> {
    let len = NonZeroUsize::new(size_of::<AtomicU64>()).expect("an AtomicU64 has a size");
    // MAP_SHARED | MAP_ANONYMOUS: memory backed by no file that stays shared with every child
    // forked after it is made. A private mapping would be copied on the children's first write,
    // and the parent would read 0.
    // SAFETY: the kernel chooses the address, so no memory of ours is replaced.
    let addr = unsafe {
        mmap_anonymous(
            None,
            len,
            ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
            MapFlags::MAP_SHARED,
        )
    }
    .context("cannot map shared memory")?;
    // SAFETY: the mapping is page-aligned (so aligned for u64), zero-filled (a valid AtomicU64
    // holding 0) and stays mapped until the munmap below, after the last use of `counter`. Every
    // process touches it only through atomic operations.
    let counter = unsafe { addr.cast::<AtomicU64>().as_ref() };

    let mut children = Vec::new();
    let mut failure = None;
    for _ in 0..workers {
        // SAFETY: single-threaded program, so the child may run ordinary code; it only counts
        // and exits.
        match unsafe { fork() } {
            Ok(ForkResult::Child) => {
                for _ in 0..iters {
                    // One indivisible read-modify-write: no other worker's increment can slip in
                    // between the read and the write, so none is lost. Relaxed is enough: only the
                    // total matters, and waitpid makes it visible to the parent.
                    counter.fetch_add(1, Ordering::Relaxed);
                }
                std::process::exit(0);
            }
            Ok(ForkResult::Parent { child }) => children.push(child),
            Err(e) => {
                failure = Some(Failure::runtime(format_args!(
                    "cannot fork: {}",
                    std::io::Error::from(e)
                )));
                break;
            }
        }
    }
    // Wait for every child that was started, even after a failure, so none is left behind.
    for child in children {
        if let Err(e) = wait_ok(child) {
            failure.get_or_insert(e);
        }
    }
    let total = counter.load(Ordering::Relaxed);
    // SAFETY: `counter` is not used after this point and every child has exited.
    let _ = unsafe { munmap(addr, len.get()) };
    match failure {
        Some(e) => Err(e),
        None => Ok(total),
    }
}

fn wait_ok(child: Pid) -> Outcome {
    match waitpid(child, None).context("cannot wait for a worker")? {
        WaitStatus::Exited(_, 0) => Ok(()),
        status => Err(Failure::runtime(format_args!(
            "a worker failed: {status:?}"
        ))),
    }
}

/// The mailbox: one shared page of the file, laid out as `state: u32`, `len: u32`, message bytes.
struct Mailbox {
    map: MmapMut,
}

/// Values of the state word (0, empty, is what a new file holds).
const FULL: u32 = 1;
const TAKEN: u32 = 2;
const PAGE: usize = 4096;
const HEADER: usize = 8;

impl Mailbox {
    fn open(path: &Path) -> Outcome<Mailbox> {
        let file = open_regular(
            path,
            OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .mode(0o666),
        )?;
        let size = file.metadata().with_path("cannot stat", path)?.len();
        // Either side may come first, so both make sure the file holds the whole page. Growing
        // a file zero-fills the new part, and a zero state means "empty"; a file that is already
        // long enough is left alone, so a message already posted is not wiped out.
        if size < PAGE as u64 {
            file.set_len(PAGE as u64).with_path("cannot resize", path)?;
        }
        // SAFETY: MAP_SHARED over the first page of the file, which we just made long enough.
        // The other party writes to it too, so we only touch it through the raw pointers and
        // atomics below, never through a Rust reference to the bytes that could be assumed
        // unchanging.
        let map =
            unsafe { MmapOptions::new().len(PAGE).map_mut(&file) }.with_path("cannot map", path)?;
        Ok(Mailbox { map })
    }

    fn state(&self) -> &AtomicU32 {
        // SAFETY: the mapping is page-aligned and at least 4 bytes long, so its first 4 bytes are
        // a properly aligned u32 that lives as long as `self`; both processes use it atomically.
        unsafe { &*self.map.as_ptr().cast::<AtomicU32>() }
    }

    /// Polls until the state is `wanted`, reading it with acquire ordering so that everything the
    /// other process wrote before its release store is visible to us afterwards.
    fn wait_for(&self, wanted: u32) {
        while self.state().load(Ordering::Acquire) != wanted {
            std::thread::sleep(Duration::from_micros(200));
        }
    }
}

pub fn send(path: &Path, message: &[u8]) -> Outcome {
    let mailbox = Mailbox::open(path)?;
    assert!(
        message.len() <= MAX_MESSAGE,
        "the front end checks the message length"
    );
    let base = mailbox.map.as_ptr().cast_mut();
    // SAFETY: the header and the message fit in the page (len <= 4088), and the receiver reads
    // these bytes only after it sees our release store of `FULL` below.
    unsafe {
        base.add(4)
            .cast::<[u8; 4]>()
            .write((message.len() as u32).to_ne_bytes());
        std::ptr::copy_nonoverlapping(message.as_ptr(), base.add(HEADER), message.len());
    }
    // Release: the message and its length are written before anyone can see the state change.
    mailbox.state().store(FULL, Ordering::Release);
    mailbox.wait_for(TAKEN);
    Ok(())
}

pub fn recv(path: &Path, out: &mut dyn Write) -> Outcome {
    let mailbox = Mailbox::open(path)?;
    mailbox.wait_for(FULL);
    let base = mailbox.map.as_ptr();
    // SAFETY: bytes 4..8 are inside the page, and the acquire load in `wait_for` made the
    // sender's writes visible.
    let len = u32::from_ne_bytes(unsafe { base.add(4).cast::<[u8; 4]>().read() }) as usize;
    if len > MAX_MESSAGE {
        return Err(Failure::runtime(format_args!(
            "cannot read '{}': the mailbox says the message is {len} bytes, more than {MAX_MESSAGE}",
            path.display()
        )));
    }
    let mut message = vec![0; len];
    // SAFETY: HEADER + len <= 4096 bytes, all inside the mapping, written before `FULL`.
    unsafe { std::ptr::copy_nonoverlapping(base.add(HEADER), message.as_mut_ptr(), len) };
    out.write_all(&message)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .context("cannot write to stdout")?;
    // Release: we are done with the message before the sender may reuse the mailbox.
    mailbox.state().store(TAKEN, Ordering::Release);
    Ok(())
}
