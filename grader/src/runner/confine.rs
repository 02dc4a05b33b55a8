//! Confinement that every run gets, whatever its test: who the program runs as, how many
//! processes it may have, and what happens to processes it leaves behind.
//!
//! - When the grader runs as root, each check's programs run as a user of their own (a uid that
//!   no account has, leased for the check and returned after it), so that programs of different
//!   checks, or of different students in a batch, cannot signal, trace or touch each other, and
//!   cannot touch anything of root's. The grader gives that user the check's folder and the
//!   files it makes there, by descriptor, as it makes them (see `check_api`), and nothing else.
//! - RLIMIT_NPROC bounds a fork storm: a few hundred processes more than the user has already.
//! - The grader is a child subreaper (prctl(2)): a process that a program leaves behind, even one
//!   that escaped its process group with setsid(2), is reparented to the grader when its parent
//!   ends, and is killed and reaped at the end of the run. A leftover is known by the seccomp
//!   filter that every run installs: the kernel shows in /proc/PID/status how many filters a
//!   process has, a program can add filters but never remove one, and the grader's own helpers
//!   (cargo, tar) have none of the run's.

use std::sync::{Mutex, OnceLock};

/// The first of the uids leased to checks under root: far above any account's.
const FIRST_UID: u32 = 0x7f00_0000;
/// How many checks can run at once, each with its own uid.
const UIDS: u32 = 256;

/// How many processes a run may add to those its user already has.
const EXTRA_PROCESSES: u64 = 512;

/// Who a run is and how many processes it may have. Copied into the child before the fork.
#[derive(Clone, Copy, Debug)]
pub struct Confinement {
    /// The uid (and gid) to switch to, when the grader is root.
    pub run_as: Option<u32>,
    /// RLIMIT_NPROC for the program; `None` leaves the grader's own (a run whose cgroup bounds
    /// its processes, see `Cmd::spawn_observed`).
    pub max_processes: Option<u64>,
}

/// Whether the grader runs as root (and so gives each check a user of its own).
pub fn is_root() -> bool {
    // SAFETY: geteuid only reads the grader's own credentials.
    unsafe { libc::geteuid() == 0 }
}

/// Makes the grader a subreaper, once: orphans of runs come to it, to be cleaned up.
pub(super) fn become_subreaper() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    // SAFETY: sets an attribute of the grader process itself.
    ONCE.call_once(|| unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    });
}

/// A uid leased to one check (under root): returned to the pool when dropped.
#[derive(Debug)]
pub struct User {
    uid: Option<u32>,
    /// The lease, machine-wide: a lock on a file named after the uid, so that two graders
    /// running at once never give the same uid to two checks.
    _lock: Option<std::fs::File>,
}

static LEASED: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// Where the leases' lock files are (root's, mode 0700).
const LEASES: &str = "/tmp/mmap-lab-grader-uids";

/// Takes the machine-wide lease of `uid`, if nobody holds it.
fn lock_uid(uid: u32) -> Option<std::fs::File> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
    let _ = std::fs::DirBuilder::new().mode(0o700).create(LEASES);
    // Root's own folder, not a link or a folder someone else made first (who could then point
    // the grader's files elsewhere): otherwise no machine-wide lease is taken.
    let folder = std::fs::symlink_metadata(LEASES).ok()?;
    if !folder.is_dir() || folder.uid() != 0 || folder.mode() & 0o022 != 0 {
        return None;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .custom_flags(libc::O_NOFOLLOW)
        .mode(0o600)
        .open(format!("{LEASES}/{uid}"))
        .ok()?;
    // SAFETY: flock on a descriptor we own; the lock goes with it.
    (unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0).then_some(file)
}

impl User {
    /// A user of its own for a check: a free uid of the pool under root; the grader's own user
    /// otherwise (then runs are kept apart by Landlock alone).
    pub fn lease() -> User {
        if !is_root() {
            return User {
                uid: None,
                _lock: None,
            };
        }
        let mut leased = LEASED.lock().unwrap_or_else(|e| e.into_inner());
        let (uid, lock) = (FIRST_UID..FIRST_UID + UIDS)
            .filter(|u| !leased.contains(u))
            .find_map(|u| lock_uid(u).map(|lock| (u, Some(lock))))
            .unwrap_or((FIRST_UID + UIDS, None)); // All taken (never in practice): share one more.
        leased.push(uid);
        User {
            uid: Some(uid),
            _lock: lock,
        }
    }

    /// The user of runs that belong to no check (the grader's own tools): under root, one uid
    /// shared by them all, never leased.
    pub fn shared() -> &'static User {
        static SHARED: OnceLock<User> = OnceLock::new();
        SHARED.get_or_init(|| User {
            uid: is_root().then_some(FIRST_UID + UIDS),
            _lock: None,
        })
    }

    /// The uid programs run as, if it is not the grader's.
    pub fn uid(&self) -> Option<u32> {
        self.uid
    }

    /// The confinement of a run as this user.
    pub fn confinement(&self) -> Confinement {
        let max_processes = match self.uid {
            // A fresh uid has no process yet.
            Some(_) => EXTRA_PROCESSES,
            None => own_process_bound(),
        };
        Confinement {
            run_as: self.uid,
            max_processes: Some(max_processes),
        }
    }

    /// Hands a file or folder that the grader has just made (and holds open) to this user.
    pub fn hand_over(&self, file: &impl std::os::fd::AsRawFd) -> std::io::Result<()> {
        let Some(uid) = self.uid else { return Ok(()) };
        // SAFETY: fchown on a descriptor the caller holds: the file it made, not a path that a
        // program could have swapped for a link.
        super::sandbox::check(unsafe { libc::fchown(file.as_raw_fd(), uid, uid) })
    }
}

impl Drop for User {
    fn drop(&mut self) {
        if let Some(uid) = self.uid {
            let mut leased = LEASED.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(i) = leased.iter().position(|u| *u == uid) {
                leased.swap_remove(i);
            }
        }
    }
}

impl Confinement {
    /// Applies the confinement in the child, between fork and exec (async-signal-safe calls only).
    pub(super) fn apply(&self) -> std::io::Result<()> {
        use super::sandbox::check;
        // SAFETY: plain system calls on the calling process's own credentials and limits.
        unsafe {
            if let Some(max) = self.max_processes {
                let limit = libc::rlimit {
                    rlim_cur: max,
                    rlim_max: max,
                };
                check(libc::setrlimit(libc::RLIMIT_NPROC, &limit))?;
            }
            if let Some(id) = self.run_as {
                check(libc::setgroups(0, std::ptr::null()))?;
                check(libc::setgid(id))?;
                check(libc::setuid(id))?;
            }
        }
        Ok(())
    }
}

/// RLIMIT_NPROC for what runs as the grader's own user: a few hundred processes more than the
/// user had when first asked.
pub(super) fn own_process_bound() -> u64 {
    static OWN: OnceLock<u64> = OnceLock::new();
    // SAFETY: getuid only reads the grader's own credentials.
    *OWN.get_or_init(|| processes_of(unsafe { libc::getuid() })) + EXTRA_PROCESSES
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
/// A leftover is killed with its whole tree of descendants at once (a chain of daemons goes in
/// one pass, not a link a pass); what was forked meanwhile is found by the next pass.
pub(super) fn reap_leftovers(live: &[u32]) {
    for _ in 0..64 {
        let leftovers: Vec<u32> = children_of_grader()
            .into_iter()
            .filter(|pid| !live.contains(pid) && started_for_a_test(*pid))
            .collect();
        if leftovers.is_empty() {
            return;
        }
        for &pid in &leftovers {
            // Descendants first, while `pid` (our child, unreaped) still holds the tree together;
            // they are all of the run's (the filter is inherited).
            for descendant in descendants_of(pid) {
                // SAFETY: only sends a signal; a process that is already gone gives ESRCH.
                unsafe { libc::kill(descendant as libc::pid_t, libc::SIGKILL) };
            }
            // SAFETY: `pid` is our own child (reparented to us), so it cannot have been reaped
            // and reused behind our back: only we can reap it.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
        }
        for pid in leftovers {
            // SAFETY: waits for our own child, killed above.
            unsafe { libc::waitpid(pid as libc::pid_t, std::ptr::null_mut(), 0) };
        }
    }
}

/// Every descendant of `pid` (children, their children, ...), from /proc.
fn descendants_of(pid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    let mut next = vec![pid];
    while let Some(parent) = next.pop() {
        if found.len() > 100_000 {
            break;
        }
        for child in children_of(&parent.to_string()) {
            found.push(child);
            next.push(child);
        }
    }
    found
}

/// The children of process `pid` (`self` for the grader), all threads together.
fn children_of(pid: &str) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
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

fn children_of_grader() -> Vec<u32> {
    children_of("self")
}

/// How many seccomp filters process `pid` has (`self` for the grader), from /proc (Linux 5.9);
/// where the field is missing, whether it has no new privileges, which every run sets and the
/// grader normally does not.
fn filters_of(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    field("Seccomp_filters:").or_else(|| field("NoNewPrivs:"))
}

/// Whether `pid` descends from a run: it has more seccomp filters than the grader (every run
/// installs its own, and none can be removed), or it runs as a user leased to checks.
fn started_for_a_test(pid: u32) -> bool {
    use std::os::unix::fs::MetadataExt;
    static OWN: OnceLock<u64> = OnceLock::new();
    let own = *OWN.get_or_init(|| filters_of("self").unwrap_or(0));
    let filtered = filters_of(&pid.to_string()).is_some_and(|n| n > own);
    let leased_uid = std::fs::metadata(format!("/proc/{pid}"))
        .is_ok_and(|m| (FIRST_UID..=FIRST_UID + UIDS).contains(&m.uid()));
    filtered || leased_uid
}
