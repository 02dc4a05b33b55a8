//! Ctrl-C, a closed terminal, or a `kill` of the grader: what the grader started stops with it.
//!
//! The programs under test run in process groups (and control groups) of their own, so the
//! terminal's SIGINT never reaches them, and builds run in a group of their own too. A grader
//! that died of the signal would leave them all running: a program that loops forever would run
//! forever, as the grader's user, with the check's folder (up to gigabytes) left in /tmp. So
//! SIGINT, SIGTERM, SIGHUP and SIGQUIT are caught: the handler only writes the signal's number to
//! a pipe, and a thread of the grader's reads it and stops everything. It holds the locks under
//! which runs and builds are started (so none starts after), kills every run, its process and
//! control groups and whatever it left, kills the builds, unmounts the checks' file systems,
//! removes the checks' folders, and exits with 128 + the signal's number. No report is written: an
//! interrupted grading is no grade.
//!
//! A SIGHUP the grader was started ignoring stays ignored (`nohup`). A grader that cannot catch
//! its end (SIGKILL, the OOM killer) leaves its runs to the next grader (see `place`).
//!
//! `grader watch` asks for a gentler first Ctrl-C: it only sets a flag, and the watch stops
//! between rounds; the second stops everything at once.

use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, Once, OnceLock};

/// The signals that stop the grader. SIGQUIT too (Ctrl-\ at a terminal): the runs, in process
/// groups of their own, never get the terminal's, and a grader it killed would leave them all.
const SIGNALS: [libc::c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];

/// The write end of the pipe the handler writes to (-1 before `install`).
static PIPE: AtomicI32 = AtomicI32::new(-1);

/// What must be undone if the grader is interrupted, with the number of its registration.
static TO_UNDO: Mutex<Vec<(u64, Undo)>> = Mutex::new(Vec::new());

/// Set by `first_ctrl_c_only_asks`: the flag a first SIGINT sets, and the note it prints.
static GENTLE: OnceLock<(&'static AtomicBool, &'static str)> = OnceLock::new();

/// Something the grader made that outlives it unless undone.
#[derive(Debug)]
pub enum Undo {
    /// A process group the grader started (a build): killed.
    Group(u32),
    /// A file system mounted for a check: unmounted (before the folders go).
    Mount(PathBuf),
    /// A folder of a check's: removed with all it holds.
    Folder(PathBuf),
}

/// A registration of something to undo; dropping it (the thing was undone the normal way)
/// removes the registration.
#[derive(Debug)]
pub struct Registered(u64);

impl Drop for Registered {
    fn drop(&mut self) {
        to_undo().retain(|(id, _)| *id != self.0);
    }
}

fn to_undo() -> MutexGuard<'static, Vec<(u64, Undo)>> {
    TO_UNDO.lock().unwrap_or_else(|e| e.into_inner())
}

/// A number no other registration has.
fn next_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Registers `undo`, to be done if the grader is interrupted before the registration drops.
pub fn register(undo: Undo) -> Registered {
    let id = next_id();
    to_undo().push((id, undo));
    Registered(id)
}

/// Spawns `command`, which must make a process group of its own, and registers the group. Both
/// happen under the lock that an interruption takes first, so a group cannot be started and
/// missed by it.
pub fn spawn_group(command: &mut Command) -> std::io::Result<(Child, Registered)> {
    let mut to_undo = to_undo();
    let child = command.spawn()?;
    let id = next_id();
    to_undo.push((id, Undo::Group(child.id())));
    Ok((child, Registered(id)))
}

/// Makes a first SIGINT only set `flag` and print `note` (the second stops everything).
pub fn first_ctrl_c_only_asks(flag: &'static AtomicBool, note: &'static str) {
    let _ = GENTLE.set((flag, note));
}

extern "C" fn on_signal(signal: libc::c_int) {
    let byte = signal as u8;
    // SAFETY: write(2) is async-signal-safe; the buffer is on the handler's stack. errno is the
    // interrupted thread's, so it is put back as it was.
    unsafe {
        let errno = *libc::__errno_location();
        libc::write(PIPE.load(Ordering::Relaxed), (&raw const byte).cast(), 1);
        *libc::__errno_location() = errno;
    }
}

/// Catches the signals and starts the thread that stops everything. Called once, early (by the
/// grader's main, and by the tests' harness); later calls do nothing.
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if let Err(e) = try_install() {
            eprintln!(
                "grader: cannot catch Ctrl-C ({e}): an interrupted grading may leave programs running"
            );
        }
    });
}

fn try_install() -> std::io::Result<()> {
    use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, sigaction};
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills the two descriptors of the array, which outlives the call.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: pipe2 just made the read end; nothing else owns it.
    let mut reader = std::fs::File::from(unsafe { OwnedFd::from_raw_fd(fds[0]) });
    PIPE.store(fds[1], Ordering::Relaxed);
    std::thread::Builder::new()
        .name("interrupt".into())
        .spawn(move || {
            let mut byte = [0u8];
            while reader.read_exact(&mut byte).is_ok() {
                let signal = libc::c_int::from(byte[0]);
                if let Some((flag, note)) = GENTLE.get()
                    && signal == libc::SIGINT
                    && !flag.swap(true, Ordering::SeqCst)
                {
                    eprint!("{note}");
                    continue;
                }
                stop_everything(signal);
            }
        })?;
    let action = SigAction::new(
        SigHandler::Handler(on_signal),
        SaFlags::SA_RESTART,
        SigSet::empty(),
    );
    for signal in SIGNALS {
        let signal = nix::sys::signal::Signal::try_from(signal).map_err(std::io::Error::from)?;
        // SAFETY: the handler makes one async-signal-safe call.
        let old = unsafe { sigaction(signal, &action) }.map_err(std::io::Error::from)?;
        // A SIGHUP the grader was started ignoring stays ignored: `nohup grader ...` must
        // outlive its terminal. (An ignored SIGINT is caught all the same: a script's
        // background job starts with SIGINT ignored, and its user still means Ctrl-C or a
        // `kill -INT` to stop it.)
        if signal == nix::sys::signal::Signal::SIGHUP && matches!(old.handler(), SigHandler::SigIgn)
        {
            // SAFETY: restores the disposition the grader was started with.
            unsafe { sigaction(signal, &old) }.map_err(std::io::Error::from)?;
        }
    }
    Ok(())
}

/// How long the runs killed by an interruption get to die, all together: a killed process ends
/// at once unless the kernel holds it (a stuck file system), and then the grader ends anyway.
const DYING: std::time::Duration = std::time::Duration::from_secs(5);

/// Waits until each run of `live` (killed) has died. Only then is what it left (a child that left
/// its group, with no cgroup to find it by) the grader's child, to be found by
/// `confine::reap_leftovers`: the kernel hands a dying program's children to the grader as the
/// program ends, and the thread that ran the program may reap it at once. Before, the grader's
/// children, read thread by thread, could miss such a child on its way: not yet the grader's
/// when its main thread (which receives it) was read, and its program already reaped when the
/// thread that ran it was read.
fn wait_for_the_runs(live: &[u32]) {
    let deadline = std::time::Instant::now() + DYING;
    for &pid in live {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        super::evidence::wait_for_exit(pid, Some(left));
    }
}

/// Stops every run and build, undoes what checks made, and ends the grader.
fn stop_everything(signal: libc::c_int) -> ! {
    let name = match signal {
        libc::SIGINT => "SIGINT (Ctrl-C)",
        libc::SIGHUP => "SIGHUP (its terminal closed)",
        libc::SIGQUIT => "SIGQUIT (Ctrl-\\)",
        _ => "SIGTERM",
    };
    eprintln!("\ngrader: interrupted by {name}: stopping the programs it started");
    // Held until the exit: no run and no build starts after this point.
    let live = super::live();
    let to_undo = to_undo();
    for &pid in live.iter() {
        // SAFETY: only sends a signal, to the process group of a run of ours (not yet reaped, so
        // its group cannot have been reused).
        unsafe { libc::kill(-(pid as libc::pid_t), libc::SIGKILL) };
    }
    super::cgroup::kill_own_groups();
    wait_for_the_runs(&live);
    // Every child of the grader that a run started (the runs themselves, unreaped, included),
    // and what they left and was handed to the grader.
    super::confine::reap_leftovers(&[]);
    for (_, undo) in to_undo.iter() {
        if let Undo::Group(pgid) = undo {
            // SAFETY: only sends a signal, to the group of a build of ours (registered until
            // reaped, so the group is still ours).
            unsafe { libc::kill(-(*pgid as libc::pid_t), libc::SIGKILL) };
        }
    }
    for (_, undo) in to_undo.iter() {
        if let Undo::Mount(point) = undo
            && let Ok(point) = std::ffi::CString::new(point.as_os_str().as_encoded_bytes())
        {
            // SAFETY: a NUL-terminated path that lives for the call.
            unsafe { libc::umount2(point.as_ptr(), libc::MNT_DETACH) };
        }
    }
    for (_, undo) in to_undo.iter() {
        if let Undo::Folder(folder) = undo {
            if !super::is_root() {
                crate::safe_fs::let_owner_in(folder);
            }
            let _ = std::fs::remove_dir_all(folder);
        }
    }
    super::place::clean_up();
    std::process::exit(128 + signal)
}
