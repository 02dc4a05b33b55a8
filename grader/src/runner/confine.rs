//! Confinement that every run gets, whatever its test: who the program runs as, how many
//! processes it may have, and what happens to processes it leaves behind.
//!
//! - When the grader runs as root, each check's programs run as a user of their own (a uid that
//!   no account has, drawn at random and leased for the check, returned after it), so that
//!   programs of different checks, or of different students in a batch, or of graders that do
//!   not see each other (two containers), cannot signal, trace or touch each other, nor share a
//!   process limit, and cannot touch anything of root's. The grader gives that user the check's
//!   folder and the files it makes there, by descriptor, as it makes them (see `check_api`), and
//!   nothing else.
//! - RLIMIT_NPROC bounds a fork storm where no cgroup does: a few hundred processes more than the
//!   user has already, counted as the kernel counts them (processes and threads, recounted for
//!   each run), and never so many that the grader, the same user, is left without room for its
//!   own threads under its own limit (red team 4: a run held the grader's user past its soft
//!   limit, and the grader could make no thread: no grade at all).
//! - No run or build inherits a right to real-time scheduling or a raised priority.
//! - The grader is a child subreaper (prctl(2)): a process that a program leaves behind (it cannot
//!   leave the run's process group: setsid and setpgid are refused, but it can outlive its
//!   parent) is reparented to the grader when its parent ends, and is killed and reaped at the end of the run. A leftover is known by the seccomp
//!   filter that every run installs: the kernel shows in /proc/PID/status how many filters a
//!   process has, a program can add filters but never remove one, and the grader's own helpers
//!   (cargo, tar) have none of the run's.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// The uids leased to checks under root: far above any account's and above systemd's ranges for
/// containers (up to 0x6fffffff), below its "foreign" range (0x7ffe0000) and below 2^31 (where
/// tools that read a uid as a signed int go wrong). Each lease draws one at random: two graders
/// that share no lock folder (two containers, two CI jobs on one host) almost never meet, where a
/// pool from a fixed base gave both the same uids, and so one process limit.
const LEASED_UIDS: std::ops::Range<u32> = 0x7f00_0000..0x7ffe_0000;
/// How many uids a lease draws before it gives up (each draw taken, in practice, never).
const DRAWS: usize = 64;

/// How many processes a run may add to those its user already has.
const EXTRA_PROCESSES: u64 = 512;
/// The room under the grader's own process limit that runs as its user leave it, for its threads
/// (a few for each run in flight: the watching thread, the readers of the output) and helpers.
const GRADER_RESERVE: u64 = 64;
/// The fewest processes a run must be able to add for an honest program to run (ex4 forks 64
/// workers); with less room than that under the limit, no run starts, and the error is the
/// grader's, not a failure of the student's.
const FEWEST_PROCESSES: u64 = 128;

/// Who a run is and how many processes it may have. Copied into the child before the fork.
#[derive(Clone, Copy, Debug)]
pub struct Confinement {
    /// The uid (and gid) to switch to, when the grader is root.
    pub run_as: Option<u32>,
    /// RLIMIT_NPROC for the program; `None` leaves the grader's own (a run whose cgroup bounds
    /// its processes, see `Cmd::spawn_observed`). For a run as the grader's own user, a
    /// placeholder until `counted_now` counts the user's tasks as the run starts.
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
    lock: Option<std::fs::File>,
}

static LEASED: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// Where the leases' lock files are: a folder of root's in /run, where only root may make one
/// (in /tmp, any user could make it first, and then no lease was locked).
const LEASES: &str = "/run/mmap-lab-grader-uids";

/// The leases' lock folder, where one can be trusted: root's own folder (mode 0700) in a /run
/// only root may write in. `None` elsewhere (no /run, a container's read-only one): the random
/// draw alone keeps graders apart then.
fn lock_folder() -> Option<&'static Path> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    static FOLDER: OnceLock<Option<PathBuf>> = OnceLock::new();
    let roots = |path: &Path, group_or_others: u32| {
        std::fs::symlink_metadata(path)
            .is_ok_and(|m| m.is_dir() && m.uid() == 0 && m.mode() & group_or_others == 0)
    };
    FOLDER
        .get_or_init(|| {
            let folder = Path::new(LEASES);
            let parent = folder.parent()?;
            if !roots(parent, 0o022) {
                return None;
            }
            let _ = std::fs::DirBuilder::new().mode(0o700).create(folder);
            let trusted = roots(folder, 0o077);
            if trusted {
                sweep(folder);
            }
            trusted.then(|| folder.to_owned())
        })
        .as_deref()
}

/// Removes the lock files of `folder` that no grader holds: those of graders that ended
/// without returning their leases (interrupted, killed). Each is removed while locked, as a
/// lease's own is (see `lock_uid`), so a grader that opened it meanwhile never counts it as held.
fn sweep(folder: &Path) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let Some(uid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        if let Ok(Some(_held)) = lock_uid(folder, uid) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Takes the machine-wide lease of `uid` in `folder`: `None` if another grader holds it. The
/// lock file goes when the lease ends (`User::drop`), so a lock counts only while its file is
/// still the one named after the uid (a grader that opened it just before it went would
/// otherwise lock a file nobody else can see).
fn lock_uid(folder: &Path, uid: u32) -> io::Result<Option<std::fs::File>> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let path = folder.join(uid.to_string());
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .custom_flags(libc::O_NOFOLLOW)
        .mode(0o600)
        .open(&path)?;
    // SAFETY: flock on a descriptor we own; the lock goes with it.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        return Ok(None);
    }
    let held = file.metadata()?;
    let named = std::fs::symlink_metadata(&path)
        .is_ok_and(|m| (m.dev(), m.ino()) == (held.dev(), held.ino()));
    Ok(named.then_some(file))
}

/// A uid of `LEASED_UIDS`, at random.
fn draw_uid() -> io::Result<u32> {
    let mut bytes = [0u8; 4];
    // SAFETY: getrandom writes at most 4 bytes into `bytes`, which we own.
    let got = unsafe { libc::getrandom(bytes.as_mut_ptr().cast(), bytes.len(), 0) };
    if got != bytes.len() as isize {
        return Err(io::Error::last_os_error());
    }
    let span = LEASED_UIDS.end - LEASED_UIDS.start;
    Ok(LEASED_UIDS.start + u32::from_ne_bytes(bytes) % span)
}

impl User {
    /// A user of its own for a check: under root, a uid drawn at random that no lease of this
    /// grader's holds, no process has, and no other grader of the machine has leased (by a lock
    /// file, where a lock folder can be trusted); the grader's own user otherwise (then runs are
    /// kept apart by Landlock alone). Never a uid shared with another check: where none can be
    /// had, the error is the grader's.
    pub fn lease() -> io::Result<User> {
        if !is_root() {
            return Ok(User {
                uid: None,
                lock: None,
            });
        }
        let mut leased = LEASED.lock().unwrap_or_else(|e| e.into_inner());
        for _ in 0..DRAWS {
            let uid = draw_uid()?;
            if leased.contains(&uid) || processes_of(uid) > 0 {
                continue;
            }
            let lock = match lock_folder() {
                Some(folder) => match lock_uid(folder, uid) {
                    Ok(Some(lock)) => Some(lock),
                    Ok(None) => continue,
                    Err(e) => {
                        return Err(io::Error::other(format!(
                            "cannot lease a user for the check's programs (a lock file in {}): {e}",
                            folder.display()
                        )));
                    }
                },
                None => None,
            };
            leased.push(uid);
            return Ok(User {
                uid: Some(uid),
                lock,
            });
        }
        Err(io::Error::other(format!(
            "cannot lease a user for the check's programs: the {DRAWS} uids drawn were all in use"
        )))
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
        if let (Some(uid), Some(_), Some(folder)) = (self.uid, &self.lock, lock_folder()) {
            // Removed while still locked (see `lock_uid`), so that leases leave no file behind.
            let _ = std::fs::remove_file(folder.join(uid.to_string()));
        }
        if let Some(uid) = self.uid {
            let mut leased = LEASED.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(i) = leased.iter().position(|u| *u == uid) {
                leased.swap_remove(i);
            }
        }
    }
}

impl Confinement {
    /// The confinement of a run that starts now: as the grader's own user, its process limit
    /// from the user's tasks now (the user's other work changes during a batch). An error where
    /// the grader's own limit leaves a run too little room.
    pub(super) fn counted_now(mut self) -> io::Result<Confinement> {
        if self.run_as.is_none() && self.max_processes.is_some() {
            self.max_processes = Some(room_for_a_run()?);
        }
        Ok(self)
    }

    /// Applies the confinement in the child, between fork and exec (async-signal-safe calls only).
    pub(super) fn apply(&self) -> std::io::Result<()> {
        use super::sandbox::check;
        no_raised_priority()?;
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

/// Takes from the calling process any right to real-time scheduling or a raised priority that
/// the grader's own limits would pass on (RLIMIT_RTPRIO, RLIMIT_NICE: an ordinary user's from
/// limits.d, root's of any value), and a real-time policy or a negative nice value the grader
/// itself has: a real-time process that spins starves every other of the machine, the grader
/// included, and a cgroup's cpu.max does not bound it. For runs and builds, between fork and exec
/// (async-signal-safe; each call only lowers what the process may do).
pub(super) fn no_raised_priority() -> io::Result<()> {
    use super::sandbox::check;
    let none = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain system calls on the calling process's own limits and scheduling.
    unsafe {
        check(libc::setrlimit(libc::RLIMIT_RTPRIO, &none))?;
        check(libc::setrlimit(libc::RLIMIT_NICE, &none))?;
        let policy = libc::sched_getscheduler(0) & !SCHED_RESET_ON_FORK;
        if policy == libc::SCHED_FIFO || policy == libc::SCHED_RR {
            let ordinary = libc::sched_param { sched_priority: 0 };
            check(libc::sched_setscheduler(0, libc::SCHED_OTHER, &ordinary))?;
        }
        if libc::getpriority(libc::PRIO_PROCESS, 0) < 0 {
            check(libc::setpriority(libc::PRIO_PROCESS, 0, 0))?;
        }
    }
    Ok(())
}

/// sched_getscheduler's flag for "children start with the ordinary policy" (linux/sched.h).
const SCHED_RESET_ON_FORK: libc::c_int = 0x4000_0000;

/// RLIMIT_NPROC for what runs as the grader's own user: `EXTRA_PROCESSES` more than the user has
/// now (its processes and threads: the kernel counts both), but never past the grader's own soft
/// limit less `GRADER_RESERVE`: RLIMIT_NPROC counts every task of the user, the grader's
/// included, and a run that forked up to a limit above the grader's left it unable to make a
/// thread. (No clamp to the hard limit is needed: the soft one is never above it.) Where runs
/// beside it hold the room, the run gets none: its forks fail, as they would in its own storm.
pub(super) fn own_process_bound() -> u64 {
    let tasks = own_tasks();
    let room = soft_process_limit().map_or(EXTRA_PROCESSES, |soft| {
        let most = soft.saturating_sub(GRADER_RESERVE);
        EXTRA_PROCESSES.min(most.saturating_sub(tasks.all))
    });
    tasks.all + room
}

/// `own_process_bound`, or the grader's error where the user's tasks outside runs (the grader's,
/// the user's other work) leave under the grader's limit less than `FEWEST_PROCESSES` for runs
/// and `GRADER_RESERVE` for the grader.
fn room_for_a_run() -> io::Result<u64> {
    if let Some(soft) = soft_process_limit() {
        let tasks = own_tasks();
        let others = tasks.all.saturating_sub(tasks.of_runs);
        if soft.saturating_sub(others).saturating_sub(GRADER_RESERVE) < FEWEST_PROCESSES {
            return Err(io::Error::other(format!(
                "the grader's user has {others} processes and threads besides the runs, too \
                 near its own limit (ulimit -u: {soft}) to give runs the {FEWEST_PROCESSES} \
                 they need and keep {GRADER_RESERVE} for the grader; raise the limit or end \
                 some of them"
            )));
        }
    }
    Ok(own_process_bound())
}

/// The tasks (processes and their threads: what RLIMIT_NPROC counts) of the grader's user.
struct Tasks {
    all: u64,
    /// Those of runs (of this grader or another of the user's), known by their seccomp filter.
    of_runs: u64,
}

fn own_tasks() -> Tasks {
    // SAFETY: getuid only reads the grader's own credentials.
    let uid = unsafe { libc::getuid() };
    let mut tasks = Tasks { all: 0, of_runs: 0 };
    for pid in processes_of_user(uid) {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        // A process that ended meanwhile, or a status without the line: one task.
        let threads = status_field(&status, "Threads:").unwrap_or(1);
        tasks.all += threads;
        if filters_in(&status).is_some_and(|n| n > own_filters()) {
            tasks.of_runs += threads;
        }
    }
    tasks
}

/// The grader's own soft RLIMIT_NPROC; `None` where there is none.
fn soft_process_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes the grader's own limit into `limit`, which it may.
    let got = unsafe { libc::getrlimit(libc::RLIMIT_NPROC, &mut limit) };
    (got == 0 && limit.rlim_cur != libc::RLIM_INFINITY).then_some(limit.rlim_cur)
}

/// How many processes `uid` has now.
fn processes_of(uid: u32) -> u64 {
    processes_of_user(uid).count() as u64
}

/// The processes of `uid` now, by pid.
fn processes_of_user(uid: u32) -> impl Iterator<Item = String> {
    use std::os::unix::fs::MetadataExt;
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .as_encoded_bytes()
                .iter()
                .all(u8::is_ascii_digit)
        })
        .filter(move |e| e.metadata().is_ok_and(|m| m.uid() == uid))
        .filter_map(|e| e.file_name().into_string().ok())
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
            // Read while it is a zombie: its group says whose run it was.
            let group = group_of(pid);
            let (_, peak, _) = super::evidence::reap(pid);
            if let Some(group) = group {
                let mut peaks = leftover_peaks();
                let kept = peaks.entry(group).or_default();
                *kept = (*kept).max(peak);
            }
        }
    }
}

/// The peak memory (bytes) of the leftovers reaped so far, by the process group of the run they
/// were left by (which no process of a run can leave). A copy made by a child that the program
/// never waited for is still the program's memory, though no rusage of its own shows it (red
/// team 11): the run adds this to its peak. Reaping happens under the lock of the live runs,
/// so once its own clean-up is done, a run finds here every leftover of its own that any run's
/// clean-up reaped.
static LEFTOVER_PEAKS: Mutex<BTreeMap<u32, u64>> = Mutex::new(BTreeMap::new());

fn leftover_peaks() -> std::sync::MutexGuard<'static, BTreeMap<u32, u64>> {
    LEFTOVER_PEAKS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Takes the peak memory of the leftovers of the run whose process group is `group` (0 if it
/// left none). Called at the run's start too, as a group's id may be an older run's.
pub(super) fn take_leftover_peak(group: u32) -> u64 {
    leftover_peaks().remove(&group).unwrap_or(0)
}

/// Kills every process left of a run of a grader that is gone (see `place::RunRecord`): those in
/// process group `group` (which no process of a run can leave) that run as `uid` with a run's
/// seccomp filter. The group is still the run's unless a process with its id started at another
/// time than the run's first process (`leader_started`): the kernel gives no process the id of a
/// group that still has members, so a new process with that id means that the run's group
/// ended, and the group of that id now (another grader's run, of the same user) is not the
/// run's. Passes until none is left, as processes may fork meanwhile.
pub(super) fn kill_orphaned_group(group: u32, uid: u32, leader_started: u64) {
    use std::os::unix::fs::MetadataExt;
    for _ in 0..64 {
        if super::place::start_time(group).is_some_and(|t| t != leader_started) {
            return;
        }
        let mut found = false;
        for pid in processes_of_user(uid) {
            let Ok(pid) = pid.parse::<u32>() else {
                continue;
            };
            let in_group = group_of(pid) == Some(group);
            // Checked again by owner: `processes_of_user` looked at the folder, and the id may
            // have been reused by now.
            let still_the_users =
                std::fs::metadata(format!("/proc/{pid}")).is_ok_and(|m| m.uid() == uid);
            if in_group && still_the_users && started_for_a_test(pid) {
                found = true;
                // SAFETY: only sends a signal, to a leftover of a run (checked just above).
                unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
            }
        }
        if !found {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

/// The process group of `pid`, if it is still there.
pub(super) fn group_of(pid: u32) -> Option<u32> {
    super::evidence::stat_field_of(pid, 2)?.parse().ok()
}

/// Every descendant of `pid` (children, their children, ...), from /proc.
pub(super) fn descendants_of(pid: u32) -> Vec<u32> {
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
pub(super) fn children_of(pid: &str) -> Vec<u32> {
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
    filters_in(&std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?)
}

/// `filters_of`, from the text of a /proc/PID/status.
fn filters_in(status: &str) -> Option<u64> {
    status_field(status, "Seccomp_filters:").or_else(|| status_field(status, "NoNewPrivs:"))
}

/// The grader's own seccomp filters (see `filters_of`), which every run has more of.
fn own_filters() -> u64 {
    static OWN: OnceLock<u64> = OnceLock::new();
    *OWN.get_or_init(|| filters_of("self").unwrap_or(0))
}

/// The number in the field `name` (with its colon) of a /proc/PID/status, without its unit
/// (`VmRSS:  1234 kB` gives 1234).
pub(super) fn status_field(status: &str, name: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
}

/// Whether `pid` descends from a run: it has more seccomp filters than the grader (every run
/// installs its own, and none can be removed), or it runs as a user leased to checks.
fn started_for_a_test(pid: u32) -> bool {
    use std::os::unix::fs::MetadataExt;
    let filtered = filters_of(&pid.to_string()).is_some_and(|n| n > own_filters());
    let leased_uid =
        std::fs::metadata(format!("/proc/{pid}")).is_ok_and(|m| LEASED_UIDS.contains(&m.uid()));
    filtered || leased_uid
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A process's group is read after its name, whatever the name holds; the grader's own is
    /// its group's (it is no run's leader).
    #[test]
    fn a_process_group_is_read_after_the_name() {
        use super::super::evidence::stat_field;
        assert_eq!(stat_field("42 (a) S 1 99 b) S 1 77 98 0", 2), Some("77"));
        assert_eq!(stat_field("42 (a) S 1", 2), None);
        // SAFETY: getpgrp only reads this process's group.
        let group = unsafe { libc::getpgrp() } as u32;
        assert_eq!(group_of(std::process::id()), Some(group));
        assert_eq!(group_of(u32::MAX), None);
    }

    /// The user's tasks count threads, as RLIMIT_NPROC does (red team 4: 1000 threads elsewhere
    /// were not counted, and an honest run's first fork failed).
    #[test]
    fn the_users_tasks_count_its_threads() {
        let (hold, held) = std::sync::mpsc::channel::<()>();
        let held = std::sync::Arc::new(std::sync::Mutex::new(held));
        let threads: Vec<_> = (0..200)
            .map(|_| {
                let held = std::sync::Arc::clone(&held);
                std::thread::spawn(move || {
                    let _ = held.lock().unwrap().recv();
                })
            })
            .collect();
        let tasks = own_tasks().all;
        // SAFETY: getuid only reads this process's credentials.
        let processes = processes_of(unsafe { libc::getuid() });
        drop(hold);
        for thread in threads {
            thread.join().unwrap();
        }
        // Each process is one task at least; this one is 200 more (less a margin for processes
        // of the user's that start or end between the two counts).
        assert!(
            tasks >= processes + 150,
            "{tasks} tasks for {processes} processes"
        );
    }

    /// Under root, leases are uids drawn from the whole range (not a pool from a fixed base that
    /// graders in two containers would both start at), each its own, locked while held where a
    /// lock folder can be trusted, and their lock files go with them.
    #[test]
    fn leases_are_distinct_uids_drawn_at_random_and_leave_no_lock_file() {
        if !is_root() {
            let user = User::lease().unwrap();
            assert_eq!(
                user.uid(),
                None,
                "an ordinary user's runs are the grader's user's"
            );
            return;
        }
        let users: Vec<User> = (0..32).map(|_| User::lease().unwrap()).collect();
        let mut uids: Vec<u32> = users.iter().map(|u| u.uid().unwrap()).collect();
        assert!(uids.iter().all(|u| LEASED_UIDS.contains(u)), "{uids:?}");
        // The old pool gave the first free uids from its base, in order: here, 32 uids spread
        // over 16 million.
        let (low, high) = (*uids.iter().min().unwrap(), *uids.iter().max().unwrap());
        assert!(high - low > 1 << 20, "{uids:?}");
        uids.sort_unstable();
        uids.dedup();
        assert_eq!(uids.len(), users.len(), "a uid leased twice");
        let Some(folder) = lock_folder() else {
            println!("no lock folder to be trusted here: leases are drawn alone");
            return;
        };
        for user in &users {
            let lock = folder.join(user.uid().unwrap().to_string());
            assert!(lock.exists(), "{} is not locked", lock.display());
            // Another grader's attempt: the lease is held.
            assert!(lock_uid(folder, user.uid().unwrap()).unwrap().is_none());
        }
        let locks: Vec<PathBuf> = uids.iter().map(|u| folder.join(u.to_string())).collect();
        // A lock file that a grader left when it was killed (a uid below the range: no lease of
        // a grader running now can be it) goes at the next start; held ones stay.
        let stale = folder.join((LEASED_UIDS.start - 1).to_string());
        std::fs::write(&stale, "").unwrap();
        sweep(folder);
        assert!(!stale.exists(), "{} was left", stale.display());
        assert!(locks.iter().all(|l| l.exists()), "a held lease was swept");
        drop(users);
        let left: Vec<&PathBuf> = locks.iter().filter(|l| l.exists()).collect();
        assert!(left.is_empty(), "lock files left: {left:?}");
    }

    /// A run or build whose grader may use real-time scheduling (RLIMIT_RTPRIO) or raise its
    /// priority (RLIMIT_NICE) may not: a child raises both limits where it may (root), then
    /// takes them away as a run does, and tries.
    #[test]
    fn a_run_gets_no_real_time_scheduling_nor_a_raised_priority() {
        let mut fds = [0; 2];
        // SAFETY: pipe writes two descriptors into `fds`.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        // SAFETY: the child makes only system calls, then exits without unwinding.
        let child = unsafe { libc::fork() };
        if child == 0 {
            // SAFETY: as above.
            unsafe {
                let high = libc::rlimit {
                    rlim_cur: 50,
                    rlim_max: 50,
                };
                // Fails where the test may not raise them (an ordinary user): then 0 already.
                let raised = libc::setrlimit(libc::RLIMIT_RTPRIO, &high) == 0
                    && libc::setrlimit(libc::RLIMIT_NICE, &high) == 0;
                if no_raised_priority().is_err() {
                    libc::_exit(2);
                }
                // As a run under root: a uid of its own, without root's CAP_SYS_NICE.
                if libc::geteuid() == 0 && (libc::setgid(65534) != 0 || libc::setuid(65534) != 0) {
                    libc::_exit(3);
                }
                let fifo = libc::sched_param { sched_priority: 1 };
                let results = [
                    i32::from(raised),
                    libc::sched_setscheduler(0, libc::SCHED_FIFO, &fifo),
                    libc::setpriority(libc::PRIO_PROCESS, 0, -5),
                    libc::getpriority(libc::PRIO_PROCESS, 0),
                    libc::sched_getscheduler(0),
                ];
                libc::write(fds[1], results.as_ptr().cast(), size_of_val(&results));
                libc::_exit(0);
            }
        }
        let mut results = [0i32; 5];
        // SAFETY: our ends of the pipe, and our own child.
        unsafe {
            libc::close(fds[1]);
            let mut status = 0;
            libc::waitpid(child, &mut status, 0);
            assert_eq!(status, 0, "the child failed");
            libc::read(fds[0], results.as_mut_ptr().cast(), size_of_val(&results));
            libc::close(fds[0]);
        }
        let [raised, fifo, nice, priority, policy] = results;
        if raised == 0 {
            println!("the limits could not be raised here: only their removal is shown");
        }
        assert_eq!((fifo, nice), (-1, -1), "SCHED_FIFO or nice -5 was allowed");
        assert!(priority >= 0, "nice {priority}");
        assert_eq!(policy, libc::SCHED_OTHER);
    }
}
