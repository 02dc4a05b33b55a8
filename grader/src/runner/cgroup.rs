//! A control group for each run, where the machine lets the grader make one: everything the run
//! starts is in it (a process cannot leave a cgroup it was put in without write access to
//! another, which a run's user never has), its memory and number of processes are limited as a
//! whole, and at the end the whole group is killed at once (cgroup.kill, Linux 5.14) instead of
//! being hunted process by process.
//!
//! Where the groups come from (found once, from /proc/self/mountinfo and /proc/self/cgroup):
//! - cgroup v2: a child of the grader's own cgroup when the grader may write there (root, or a
//!   subtree delegated to the user by systemd); under root, a child of the hierarchy's root when
//!   the grader's own cgroup cannot have controllers (a cgroup with processes in it cannot hand
//!   controllers down). Memory, pids and CPU limits apply when those controllers are enabled for
//!   the children; without them the group still gives membership and cgroup.kill.
//! - cgroup v1 (hybrid hosts, like the one CI uses): the memory, pids and cpu hierarchies, under
//!   root.
//! - None of these (an ordinary user without delegation, a container with /sys/fs/cgroup
//!   read-only): no group; the report says so, RLIMIT_AS bounds each process's memory instead
//!   (`sandbox::Limits`), and leftovers are found by their seccomp filter (`confine`).

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// The most memory (resident pages, page cache included) that a run's processes may use together.
pub const MAX_MEMORY: u64 = 512 << 20;
/// The most processes a run may have at once.
pub const MAX_PROCESSES: u64 = 512;
/// The most CPU time a run's processes may have together, in CPUs (a quota of that many periods
/// in each period): hundreds of busy processes in one run take no more than a program that
/// computes on one CPU, and the scheduler shares the CPU between groups, not processes, so a run
/// graded beside them keeps its share. No program of the kit needs more (graded runs make no
/// threads).
pub const MAX_CPUS: u64 = 1;
/// The scheduler's period for the quota, in microseconds (the kernel's default).
const CPU_PERIOD_US: u64 = 100_000;

/// A cgroup v2 folder under which runs get groups, and what its children can limit.
#[derive(Debug)]
struct Unified {
    base: PathBuf,
    memory: bool,
    pids: bool,
    cpu: bool,
}

/// Where runs' groups are made on this machine.
#[derive(Debug, Default)]
struct Places {
    /// Why a place that looked usable was not kept (see `keep_joinable`).
    refused: Vec<String>,
    unified: Option<Unified>,
    /// cgroup v1 hierarchies (folders to make groups in) with the memory, pids and cpu
    /// controllers.
    memory_v1: Option<PathBuf>,
    pids_v1: Option<PathBuf>,
    cpu_v1: Option<PathBuf>,
}

impl Places {
    /// The folders in which runs' groups are made, one per hierarchy in use.
    fn bases(&self) -> impl Iterator<Item = &PathBuf> {
        let unified = self.unified.as_ref().map(|u| &u.base);
        [
            unified,
            self.memory_v1.as_ref(),
            self.pids_v1.as_ref(),
            self.cpu_v1.as_ref(),
        ]
        .into_iter()
        .flatten()
    }

    /// Whether runs' groups bound their processes (a pids controller in use).
    fn bound_processes(&self) -> bool {
        self.unified.as_ref().is_some_and(|u| u.pids) || self.pids_v1.is_some()
    }

    /// Whether runs' groups bound their CPU time (a cpu controller in use).
    fn bound_cpu(&self) -> bool {
        self.unified.as_ref().is_some_and(|u| u.cpu) || self.cpu_v1.is_some()
    }
}

fn places() -> &'static Places {
    static PLACES: OnceLock<Places> = OnceLock::new();
    PLACES.get_or_init(|| {
        let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        let own = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
        let mut places = find_places(&mounts, &own, super::confine::is_root());
        places.bases().for_each(|base| remove_abandoned(base));
        keep_joinable(&mut places);
        places
    })
}

/// Removes the groups that a grader which is gone (killed before it could) left in `base`:
/// folders named after it (see `place::is_gone`), whose processes (a run's that outlived it)
/// are killed first: a group with processes cannot be removed.
fn remove_abandoned(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if name
            .to_str()
            .and_then(|n| n.strip_prefix(PREFIX))
            .and_then(grader_of)
            .is_some_and(super::place::is_gone)
        {
            kill_members(&[entry.path()]);
            remove_group(&entry.path());
        }
    }
}

/// The tag of the grader that made a group, from the group's name after `PREFIX`: `PID-START-N`
/// (`PID-START`), or an earlier version's `PID-N` (`PID`).
fn grader_of(rest: &str) -> Option<&str> {
    match rest.rsplit_once('-')? {
        (tag, _) if tag.contains('-') || tag.bytes().all(|b| b.is_ascii_digit()) => Some(tag),
        _ => None,
    }
}

/// Keeps only the places into which a process can really be moved. A folder can be writable and
/// the move still refused (a delegation boundary, a container's view of the hierarchy): every
/// run would then fail to start, a grading error for every test. Each place is tried once, with
/// a child that joins a group there as runs do (before its exec) and runs `true`.
fn keep_joinable(places: &mut Places) {
    if let Some(unified) = &places.unified
        && let Err(why) = probe(&unified.base)
    {
        places.refused.push(why);
        places.unified = None;
    }
    for place in [
        &mut places.memory_v1,
        &mut places.pids_v1,
        &mut places.cpu_v1,
    ] {
        if let Some(base) = place.as_ref()
            && let Err(why) = probe(base)
        {
            places.refused.push(why);
            *place = None;
        }
    }
}

/// Whether a child process can join a new group in `base` (see `keep_joinable`). A child that
/// joined but could not run `true` (not installed) counts as joined.
fn probe(base: &Path) -> Result<(), String> {
    use std::os::unix::process::CommandExt;
    let folder = base.join(format!("{PREFIX}{}-probe", super::place::own_tag()));
    std::fs::create_dir(&folder)
        .map_err(|e| format!("cannot make a group in {}: {e}", base.display()))?;
    let joined = match std::fs::OpenOptions::new()
        .write(true)
        .open(folder.join("cgroup.procs"))
    {
        Err(e) => Err(e),
        Ok(procs) => {
            let procs: OwnedFd = procs.into();
            let fd = procs.as_raw_fd();
            let mut command = std::process::Command::new("true");
            command
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null());
            // SAFETY: runs in the child before exec: one write(2), async-signal-safe, to a
            // descriptor the parent keeps open until the child is waited for.
            unsafe { command.pre_exec(move || join(&[fd])) };
            match command.status() {
                // The child joined; only the exec of `true` failed (ENOENT).
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
                other => other.map(drop),
            }
        }
    };
    remove_group(&folder);
    joined.map_err(|e| {
        format!(
            "cannot move a process into a group in {}: {e}",
            base.display()
        )
    })
}

/// How the groups of runs and builds are named: `mmap-lab-run-PID-START-N`, PID and START the
/// grader's process id and start time (see `place::own_tag`).
const PREFIX: &str = "mmap-lab-run-";

/// A cgroup file system: where it is mounted, which folder of the hierarchy that is, and its
/// controllers (v1) or none (v2).
struct Mount<'a> {
    point: &'a str,
    root: &'a str,
    v2: bool,
    options: &'a str,
}

fn cgroup_mounts(mountinfo: &str) -> Vec<Mount<'_>> {
    mountinfo
        .lines()
        .filter_map(|line| {
            let (left, right) = line.split_once(" - ")?;
            let fields: Vec<&str> = left.split(' ').collect();
            let mut right = right.split(' ');
            let kind = right.next()?;
            let options = right.nth(1).unwrap_or("");
            if kind != "cgroup" && kind != "cgroup2" {
                return None;
            }
            Some(Mount {
                root: fields.get(3)?,
                point: fields.get(4)?,
                v2: kind == "cgroup2",
                options,
            })
        })
        .collect()
}

/// The folder of the grader's own group in `mount`: the line of /proc/self/cgroup for that
/// hierarchy (`0::/path` for v2, `N:memory:/path` for v1), within the mount.
fn own_folder(mount: &Mount, own: &str) -> Option<PathBuf> {
    let path = own.lines().find_map(|line| {
        let mut parts = line.splitn(3, ':');
        let (id, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        let matches = if mount.v2 {
            id == "0" && controllers.is_empty()
        } else {
            controllers
                .split(',')
                .any(|c| mount.options.split(',').any(|o| o == c))
        };
        matches.then_some(path)
    })?;
    // Inside a mount of a sub-tree (a container without a cgroup namespace), the mount's root is
    // a prefix of the path.
    let within = path
        .strip_prefix(mount.root.trim_end_matches('/'))
        .unwrap_or(path);
    Some(Path::new(mount.point).join(within.trim_start_matches('/')))
}

fn find_places(mountinfo: &str, own: &str, root: bool) -> Places {
    let mounts = cgroup_mounts(mountinfo);
    let mut places = Places::default();
    if let Some(mount) = mounts.iter().find(|m| m.v2) {
        let mut candidates: Vec<PathBuf> = own_folder(mount, own).into_iter().collect();
        if root {
            candidates.push(PathBuf::from(mount.point));
        }
        let usable: Vec<Unified> = candidates.iter().filter_map(|c| unified_at(c)).collect();
        places.unified = usable
            .iter()
            .position(|u| u.memory && u.pids)
            .or((!usable.is_empty()).then_some(0))
            .map(|i| usable.into_iter().nth(i).expect("index within"));
    }
    if root {
        for mount in mounts.iter().filter(|m| !m.v2) {
            let has = |c: &str| mount.options.split(',').any(|o| o == c);
            let folder = || own_folder(mount, own).filter(|f| writable(f));
            if has("memory") && places.memory_v1.is_none() {
                places.memory_v1 = folder();
            }
            if has("pids") && places.pids_v1.is_none() {
                places.pids_v1 = folder();
            }
            if has("cpu") && places.cpu_v1.is_none() {
                places.cpu_v1 = folder();
            }
        }
    }
    places
}

/// `base` as a place for runs' groups, if the grader can make groups there; with the memory,
/// pids and cpu controllers handed down to them where the kernel lets it.
fn unified_at(base: &Path) -> Option<Unified> {
    if !writable(base) {
        return None;
    }
    // Fails (EBUSY) when `base` has processes of its own and is not the root: then its children
    // get membership and cgroup.kill only.
    let _ = std::fs::write(base.join("cgroup.subtree_control"), "+memory +pids");
    // Apart: the kernel refuses the cpu controller alone in some cases (a real-time process
    // below), and one word refused fails the whole write.
    let _ = std::fs::write(base.join("cgroup.subtree_control"), "+cpu");
    let handed_down = std::fs::read_to_string(base.join("cgroup.subtree_control")).ok()?;
    let has = |c: &str| handed_down.split_whitespace().any(|w| w == c);
    Some(Unified {
        base: base.to_owned(),
        memory: has("memory"),
        pids: has("pids"),
        cpu: has("cpu"),
    })
}

/// Whether the grader may make folders (groups) in `folder` and move processes into them.
fn writable(folder: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(path) = std::ffi::CString::new(folder.as_os_str().as_bytes()) else {
        return false;
    };
    let procs = std::ffi::CString::new(folder.join("cgroup.procs").as_os_str().as_bytes())
        .unwrap_or_default();
    // SAFETY: access(2) on two NUL-terminated paths that we own; it changes nothing.
    unsafe {
        libc::access(path.as_ptr(), libc::W_OK | libc::X_OK) == 0
            && libc::access(procs.as_ptr(), libc::W_OK) == 0
    }
}

/// One run's control groups (one per hierarchy in use), removed when dropped.
#[derive(Debug)]
pub(super) struct Group {
    folders: Vec<PathBuf>,
    /// Each group's cgroup.procs, open for writing: the child writes "0" there to join.
    procs: Vec<OwnedFd>,
    /// Where to learn whether the kernel killed a process for lack of memory in the group.
    memory_events: Option<PathBuf>,
    /// Whether the group bounds the number of the run's processes (a pids controller).
    bounds_processes: bool,
}

/// What a group bounds: a run's, or a build's.
#[derive(Clone, Copy, Debug)]
pub(super) struct Bounds {
    pub memory: u64,
    pub processes: u64,
    /// CPUs' worth of time (see `MAX_CPUS`); `None`: no quota, only the group's fair share.
    pub cpus: Option<u64>,
}

impl Group {
    /// A new group for a run, in every hierarchy this machine offers (`None` where there is
    /// none). A hierarchy where the group cannot be made is left out, not an error: the run is
    /// then bounded by the fallbacks, as on a machine without cgroups.
    pub(super) fn new() -> Option<Group> {
        Group::bounded(Bounds {
            memory: MAX_MEMORY,
            processes: MAX_PROCESSES,
            cpus: Some(MAX_CPUS),
        })
    }

    /// A new group, as `new` makes one, with these bounds instead of a run's (a build's).
    pub(super) fn bounded(bounds: Bounds) -> Option<Group> {
        let Bounds {
            memory: max_memory,
            processes: max_processes,
            cpus,
        } = bounds;
        let quota = cpus.map(|cpus| cpus * CPU_PERIOD_US);
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let places = places();
        let name = format!(
            "{PREFIX}{}-{}",
            super::place::own_tag(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut group = Group {
            folders: Vec::new(),
            procs: Vec::new(),
            memory_events: None,
            bounds_processes: false,
        };
        if let Some(unified) = &places.unified {
            let cpu_max = quota.map(|quota| format!("{quota} {CPU_PERIOD_US}"));
            let limits = [
                (unified.memory, "memory.max", Some(max_memory.to_string())),
                (unified.memory, "memory.swap.max", Some("0".into())),
                (unified.pids, "pids.max", Some(max_processes.to_string())),
                (unified.cpu, "cpu.max", cpu_max),
            ];
            if let Some(folder) = group.add(&unified.base.join(&name), &limits) {
                if unified.memory {
                    group.memory_events = Some(folder.join("memory.events"));
                }
                group.bounds_processes |= unified.pids;
            }
        }
        if let Some(base) = &places.memory_v1 {
            let limits = [
                (true, "memory.limit_in_bytes", Some(max_memory.to_string())),
                (
                    true,
                    "memory.memsw.limit_in_bytes",
                    Some(max_memory.to_string()),
                ),
            ];
            if let Some(folder) = group.add(&base.join(&name), &limits) {
                group
                    .memory_events
                    .get_or_insert(folder.join("memory.oom_control"));
            }
        }
        if let Some(base) = &places.pids_v1 {
            let limits = [(true, "pids.max", Some(max_processes.to_string()))];
            let added = group.add(&base.join(&name), &limits);
            group.bounds_processes |= added.is_some();
        }
        if let Some(base) = &places.cpu_v1 {
            let limits = [
                (true, "cpu.cfs_period_us", Some(CPU_PERIOD_US.to_string())),
                (true, "cpu.cfs_quota_us", quota.map(|q| q.to_string())),
            ];
            group.add(&base.join(&name), &limits);
        }
        (!group.procs.is_empty()).then_some(group)
    }

    /// Makes the group `folder` with `limits` (those whose flag is set and that have a value; a
    /// limit the kernel does not have, such as swap on a machine without it, is skipped), and
    /// keeps its cgroup.procs.
    fn add(&mut self, folder: &Path, limits: &[(bool, &str, Option<String>)]) -> Option<PathBuf> {
        std::fs::create_dir(folder).ok()?;
        self.folders.push(folder.to_owned());
        for (_, file, value) in limits.iter().filter(|(wanted, ..)| *wanted) {
            if let Some(value) = value {
                let _ = std::fs::write(folder.join(file), value);
            }
        }
        let procs = std::fs::OpenOptions::new()
            .write(true)
            .open(folder.join("cgroup.procs"))
            .ok()?;
        self.procs.push(procs.into());
        Some(folder.to_owned())
    }

    /// Whether the group bounds the number of the run's processes (see `MAX_PROCESSES`).
    pub(super) fn bounds_processes(&self) -> bool {
        self.bounds_processes
    }

    /// Whether the group bounds the memory of the run's processes (a memory controller).
    pub(super) fn bounds_memory(&self) -> bool {
        self.memory_events.is_some()
    }

    /// The descriptors the child writes to, to join (see `join`).
    pub(super) fn joining(&self) -> Vec<libc::c_int> {
        self.procs.iter().map(AsRawFd::as_raw_fd).collect()
    }

    /// Kills every process in the group, and waits (briefly) until it is empty.
    pub(super) fn kill_all(&self) {
        kill_members(&self.folders);
    }

    /// Whether the kernel killed a process of the run because the group was out of memory.
    pub(super) fn out_of_memory(&self) -> bool {
        let Some(events) = &self.memory_events else {
            return false;
        };
        std::fs::read_to_string(events).is_ok_and(|text| {
            text.lines()
                .filter_map(|l| l.strip_prefix("oom_kill "))
                .any(|n| n.trim().parse::<u64>().is_ok_and(|n| n > 0))
        })
    }
}

/// Kills every process in the groups `folders` (one group in several hierarchies), and waits
/// (briefly) until they are empty.
fn kill_members(folders: &[PathBuf]) {
    let Some(first) = folders.first() else {
        return;
    };
    // cgroup.kill (v2, Linux 5.14) kills the group at once, forks in flight included.
    let _ = std::fs::write(first.join("cgroup.kill"), "1");
    for _ in 0..200 {
        let members: Vec<i32> = folders
            .iter()
            .filter_map(|f| std::fs::read_to_string(f.join("cgroup.procs")).ok())
            .flat_map(|text| {
                text.split_whitespace()
                    .filter_map(|p| p.parse().ok())
                    .collect::<Vec<i32>>()
            })
            .collect();
        if members.is_empty() {
            return;
        }
        for pid in members {
            // SAFETY: only sends a signal to a process of the run's group.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

/// Whether runs' groups bound their processes here (a pids controller in use).
pub(super) fn bound_processes() -> bool {
    places().bound_processes()
}

/// Whether runs' groups bound their CPU time here (a cpu controller in use).
pub(super) fn bound_cpu() -> bool {
    places().bound_cpu()
}

/// Removes the group `folder`, waiting a little for it to empty: a group empties a moment after
/// its last process is reaped, and cannot be removed before.
fn remove_group(folder: &Path) {
    for _ in 0..100 {
        if std::fs::remove_dir(folder).is_ok() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

/// Kills the processes of every group of this grader's runs, in every hierarchy, and removes
/// the groups (an interrupted grader: see `interrupt`).
pub(super) fn kill_own_groups() {
    let own = format!("{PREFIX}{}-", super::place::own_tag());
    for base in places().bases() {
        let Ok(entries) = std::fs::read_dir(base) else {
            continue;
        };
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(&own) {
                kill_members(&[entry.path()]);
                remove_group(&entry.path());
            }
        }
    }
}

/// Joins the groups through their cgroup.procs descriptors: in the child, before it gives up
/// root (async-signal-safe: one write per group).
pub(super) fn join(procs: &[libc::c_int]) -> io::Result<()> {
    for &fd in procs {
        // SAFETY: writes two bytes from a static buffer to a descriptor the grader opened.
        if unsafe { libc::write(fd, b"0".as_ptr().cast(), 1) } < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

impl Drop for Group {
    fn drop(&mut self) {
        self.procs.clear();
        for folder in self.folders.iter().rev() {
            remove_group(folder);
        }
    }
}

/// What a run's CPU is without a cpu controller, for the report.
const NO_CPU: &str = "; no cpu controller: a run's processes share the CPU with the other runs \
                      process by process, and each has at most its time limit of CPU time \
                      (RLIMIT_CPU)";

/// What the cgroups give a run on this machine, for the report.
pub fn summary() -> String {
    let places = places();
    let memory = places.unified.as_ref().is_some_and(|u| u.memory) || places.memory_v1.is_some();
    let pids = places.bound_processes();
    let mut held = Vec::new();
    if places.unified.is_some() {
        held.push("its processes killed together at the end (cgroup v2)".to_owned());
    }
    if memory {
        held.push(format!("at most {} MiB of memory", MAX_MEMORY >> 20));
    }
    if pids {
        held.push(format!("at most {MAX_PROCESSES} processes"));
    }
    if places.bound_cpu() {
        held.push(format!("at most {MAX_CPUS} CPU's time"));
    }
    let build_mib = super::build::memory_bound() >> 20;
    // A place left out although it looked usable: the reason, which the instructor can act on.
    let refused = if places.refused.is_empty() {
        String::new()
    } else {
        format!(" ({})", places.refused.join("; "))
    };
    if held.is_empty() {
        let why = if !places.refused.is_empty() {
            "a process cannot be moved into a group"
        } else if super::confine::is_root() {
            "root, /sys/fs/cgroup is not writable"
        } else {
            "an ordinary user without a delegated cgroup"
        };
        format!(
            "cgroups: none the grader may use here ({why}{refused}); each process's address \
             space is limited instead (RLIMIT_AS), and leftovers are found by their seccomp \
             filter{NO_CPU}; each process of a build at most {build_mib} MiB of address space"
        )
    } else {
        let mut fallback = String::new();
        if !memory {
            fallback.push_str(
                "; no memory controller: each process's address space is limited (RLIMIT_AS)",
            );
        }
        if !places.bound_cpu() {
            fallback.push_str(NO_CPU);
        }
        let build = if memory {
            format!("{build_mib} MiB of memory")
        } else {
            format!("{build_mib} MiB of address space a process")
        };
        format!(
            "cgroups: each run in its own: {}{fallback}{refused}; each build in its own, at \
             most {build}",
            held.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder that looks like a place for groups (writable) where no process can be moved in:
    /// the probe leaves it out. And the places this machine offers pass it.
    #[test]
    fn a_place_no_process_can_join_is_left_out() {
        let dir = tempfile::tempdir().unwrap();
        let refused = probe(dir.path()).unwrap_err();
        assert!(refused.contains("cannot move a process"), "{refused}");
        let mut places = Places {
            unified: Some(Unified {
                base: dir.path().to_owned(),
                memory: true,
                pids: true,
                cpu: true,
            }),
            pids_v1: Some(dir.path().to_owned()),
            ..Places::default()
        };
        keep_joinable(&mut places);
        assert!(places.unified.is_none() && places.pids_v1.is_none());
        assert_eq!(places.refused.len(), 2, "{:?}", places.refused);
        let found = find_places(
            &std::fs::read_to_string("/proc/self/mountinfo").unwrap(),
            &std::fs::read_to_string("/proc/self/cgroup").unwrap(),
            super::super::confine::is_root(),
        );
        for base in found.bases() {
            assert_eq!(probe(base), Ok(()), "{}", base.display());
        }
    }

    const HYBRID: &str = "\
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
";
    const OWN: &str = "8:pids:/\n4:memory:/jobs/42\n0::/user.slice/x.scope\n";

    #[test]
    fn the_grader_s_own_groups_are_found_in_each_hierarchy() {
        let mounts = cgroup_mounts(HYBRID);
        assert_eq!(mounts.len(), 3);
        assert_eq!(
            own_folder(&mounts[0], OWN).unwrap(),
            Path::new("/sys/fs/cgroup/memory/jobs/42")
        );
        assert_eq!(
            own_folder(&mounts[1], OWN).unwrap(),
            Path::new("/sys/fs/cgroup/pids")
        );
        assert_eq!(
            own_folder(&mounts[2], OWN).unwrap(),
            Path::new("/sys/fs/cgroup/unified/user.slice/x.scope")
        );
    }

    #[test]
    fn a_mount_of_a_sub_tree_is_followed() {
        let mounts = cgroup_mounts("1 0 0:1 /docker/ab /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
        assert_eq!(
            own_folder(&mounts[0], "0::/docker/ab/inner\n").unwrap(),
            Path::new("/sys/fs/cgroup/inner")
        );
    }

    #[test]
    fn a_group_names_the_grader_that_made_it() {
        assert_eq!(grader_of("12-345-7"), Some("12-345"));
        assert_eq!(grader_of("12-345-probe"), Some("12-345"));
        // An earlier version's names.
        assert_eq!(grader_of("12-7"), Some("12"));
        assert_eq!(grader_of("12"), None);
        assert_eq!(grader_of("x-7"), None);
    }

    #[test]
    fn no_cgroup_file_system_gives_no_place() {
        let places = find_places("1 0 0:1 / / rw - ext4 /dev/vda rw\n", OWN, true);
        assert!(places.unified.is_none() && places.memory_v1.is_none());
    }
}
