//! Confinement that every run gets, whatever its test: who the program runs as, how many
//! processes it may have, and what happens to processes it leaves behind.
//!
//! - When the grader runs as root, programs under test run as `nobody` (uid and gid 65534): they
//!   cannot change the grader, the kit, or anything else that belongs to root. Each check's
//!   directory is handed over to that user before a run.
//! - RLIMIT_NPROC bounds a fork storm: a few hundred processes more than the user has already.
//! - The grader is a child subreaper (prctl(2)): a process that a program leaves behind, even one
//!   that escaped its process group with setsid(2), is reparented to the grader when the program
//!   ends, and is killed and reaped at the end of the run.

use std::path::Path;
use std::sync::OnceLock;

/// The environment variable that marks every process started for a test (and its descendants).
pub const MARK: &str = "MMAP_LAB_GRADER_RUN";

/// The unprivileged user and group that programs run as when the grader is root.
const NOBODY: u32 = 65534;

/// How many processes a run may add to those its user already has.
const EXTRA_PROCESSES: u64 = 512;

#[derive(Clone, Copy, Debug)]
pub struct Confinement {
    /// The uid (and gid) to switch to, when the grader is root.
    pub run_as: Option<u32>,
    /// RLIMIT_NPROC for the program.
    pub max_processes: u64,
}

/// The confinement of this grader process, decided once.
pub fn confinement() -> Confinement {
    static ONCE: OnceLock<Confinement> = OnceLock::new();
    *ONCE.get_or_init(|| {
        // SAFETY: these calls only read or set attributes of the grader process itself.
        let root = unsafe { libc::geteuid() } == 0;
        unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
        let uid = if root {
            NOBODY
        } else {
            unsafe { libc::getuid() }
        };
        Confinement {
            run_as: root.then_some(NOBODY),
            max_processes: processes_of(uid) + EXTRA_PROCESSES,
        }
    })
}

impl Confinement {
    /// Applies the confinement in the child, between fork and exec (async-signal-safe calls only).
    pub(super) fn apply(&self) -> std::io::Result<()> {
        let check = |r: libc::c_int| {
            if r < 0 {
                Err(std::io::Error::last_os_error())
            } else {
                Ok(())
            }
        };
        // SAFETY: plain system calls on the calling process's own credentials and limits.
        unsafe {
            let limit = libc::rlimit {
                rlim_cur: self.max_processes,
                rlim_max: self.max_processes,
            };
            check(libc::setrlimit(libc::RLIMIT_NPROC, &limit))?;
            if let Some(id) = self.run_as {
                check(libc::setgroups(0, std::ptr::null()))?;
                check(libc::setgid(id))?;
                check(libc::setuid(id))?;
            }
        }
        Ok(())
    }

    /// Gives the program's user the directory it runs in, and everything in it.
    pub(super) fn hand_over(&self, dir: &Path) -> std::io::Result<()> {
        let Some(id) = self.run_as else { return Ok(()) };
        std::os::unix::fs::lchown(dir, Some(id), Some(id))?;
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                self.hand_over(&entry.path())?;
            } else {
                std::os::unix::fs::lchown(entry.path(), Some(id), Some(id))?;
            }
        }
        Ok(())
    }
}

/// How many processes `uid` has now.
fn processes_of(uid: u32) -> u64 {
    use std::os::unix::fs::MetadataExt;
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
        })
        .filter(|e| e.metadata().is_ok_and(|m| m.uid() == uid))
        .count() as u64
}

/// Kills and reaps every process that was left behind by a program under test and reparented to
/// the grader, leaving alone the runs in `live` and every other child of the grader (cargo, tar).
/// Killing a leftover orphans its own children, which are then reparented to the grader in turn:
/// the sweep is repeated until it finds nothing (a chain of daemons is cleared a link a pass).
pub(super) fn reap_leftovers(live: &[u32]) {
    for _ in 0..64 {
        let leftovers: Vec<u32> = children_of_grader()
            .into_iter()
            .filter(|pid| !live.contains(pid) && started_for_a_test(*pid))
            .collect();
        if leftovers.is_empty() {
            return;
        }
        for pid in leftovers {
            // SAFETY: `pid` is our own child (reparented to us), so it cannot have been reaped
            // and reused behind our back: only we can reap it.
            unsafe {
                libc::kill(pid as libc::pid_t, libc::SIGKILL);
                libc::waitpid(pid as libc::pid_t, std::ptr::null_mut(), 0);
            }
        }
    }
}

fn children_of_grader() -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    tasks
        .filter_map(Result::ok)
        .filter_map(|t| std::fs::read_to_string(t.path().join("children")).ok())
        .flat_map(|text| {
            text.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect()
}

/// Whether `pid` descends from a run: it carries the mark in its environment, or it runs as the
/// unprivileged user (a program could clear its environment, not change its user).
fn started_for_a_test(pid: u32) -> bool {
    use std::os::unix::fs::MetadataExt;
    let unprivileged = confinement().run_as;
    let owner = std::fs::metadata(format!("/proc/{pid}"))
        .map(|m| m.uid())
        .ok();
    let marked = std::fs::read(format!("/proc/{pid}/environ")).is_ok_and(|env| {
        env.split(|&b| b == 0)
            .any(|var| var.starts_with(MARK.as_bytes()))
    });
    marked || (unprivileged.is_some() && owner == unprivileged)
}
