//! A run's memory where no cgroup bounds it (an ordinary user without a delegated memory
//! controller). RLIMIT_AS bounds each process, but a run may have many: red team 4's
//! `memory_fan.c` took 2 GiB with three processes, and nothing stopped a few dozen.
//!
//! A watchdog thread adds up, every `PERIOD`, the memory of the run's processes that the kernel
//! can neither drop nor write back to a file (RssAnon + RssShmem, and their page tables, VmPTE:
//! /proc/PID/status; a memory map of more than some 400 areas is past the bound), and kills
//! the run's process group once the sum passes `MAX_RUN_MEMORY`, the bound a run's memory cgroup
//! has elsewhere. The run's processes are its process group (a run may not leave it: setsid and
//! setpgid are refused), found from its first process down through /proc/PID/task/TID/children,
//! and among the grader's own children, where a process goes when its parent ends (the grader is
//! the subreaper). Pages shared between a parent and its forked children count once per process:
//! a run is judged on more than it really holds, never less. The bound holds within what a run
//! can touch in one period (tens of MiB), and each process's RLIMIT_AS still caps a single step.
//! The period grows with a pass's own cost (the watchdog takes a tenth of a CPU at most): a run
//! of hundreds of processes is looked at less often.
//!
//! Where the run's folders are on a tmpfs (TMPDIR is one on Debian 13, Fedora and Arch), their
//! files are memory that no process holds: red team 6 kept 2.4 GiB in files a run wrote there,
//! and the kernel's OOM killer then took a bystander. So there the files in the run's folders
//! (the grader's own among them) count with the processes' memory, for as long as they are there:
//! a later run of the same test starts with what earlier runs left.

use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::MAX_RUN_MEMORY;
use super::confine::{children_of, descendants_of};
use super::kept::bytes_in;

/// How often the watchdog adds up the run's memory.
const PERIOD: Duration = Duration::from_millis(5);

/// The watchdog of one run.
pub(super) struct Watchdog {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<bool>,
}

impl Watchdog {
    /// Watches the run whose first process (and process group) is `pid`, and whose folders are
    /// `dirs` (their files count where they are in memory: `in_memory`).
    pub(super) fn start(pid: u32, dirs: Vec<PathBuf>) -> Watchdog {
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let files = in_memory(dirs);
        let devices: Vec<u64> = files
            .iter()
            .filter_map(|dir| std::fs::metadata(dir).ok())
            .map(|meta| meta.dev())
            .collect();
        let handle = std::thread::spawn(move || {
            while !stopping.load(Ordering::Acquire) {
                let pass = Instant::now();
                let used = memory_of_group(pid, &devices).saturating_add(bytes_in(&files));
                if used > MAX_RUN_MEMORY {
                    // SAFETY: kills the run's process group, which cannot have been reused:
                    // its leader is the grader's child, not yet reaped (the watchdog is stopped
                    // before it is).
                    unsafe { libc::killpg(pid as libc::pid_t, libc::SIGKILL) };
                    return true;
                }
                // A pass is the grader's CPU, outside the run's: hundreds of idle processes made
                // each long (53 s of the grader's CPU in one test, red team 7). It rests at least
                // nine times as long as it worked: a tenth of a CPU at most.
                std::thread::sleep(PERIOD.max(pass.elapsed() * 9));
            }
            false
        });
        Watchdog { stop, handle }
    }

    /// Stops watching; whether the watchdog killed the run for its memory.
    pub(super) fn finish(self) -> bool {
        self.stop.store(true, Ordering::Release);
        self.handle.join().unwrap_or(false)
    }
}

/// Those of `dirs` whose files are memory: the folders on a tmpfs.
fn in_memory(dirs: Vec<PathBuf>) -> Vec<PathBuf> {
    use nix::sys::statfs::{TMPFS_MAGIC, statfs};
    dirs.into_iter()
        .filter(|dir| statfs(dir).is_ok_and(|fs| fs.filesystem_type() == TMPFS_MAGIC))
        .collect()
}

/// The anonymous and shared memory, in bytes, of the processes of group `group`, and the files
/// they hold open on `devices` (tmpfs) that no folder shows: unlinked, or made with O_TMPFILE
/// (red team 7 held 2 GiB so, in no folder and mapped by no process).
fn memory_of_group(group: u32, devices: &[u64]) -> u64 {
    let members = members(group);
    // A memory map longer than the grader reads (`MAX_MAPS_BYTES`, some 400 areas; a program of
    // the kit has under a hundred) is past the bound: each area is kernel memory no RssAnon
    // shows, and one mapping split by mprotect into 65,000 areas, in 150 forked processes, took
    // 1.4 GiB of the kernel's (red team 7).
    if members.iter().any(|&pid| super::evidence::map_is_cut(pid)) {
        return u64::MAX;
    }
    let unlinked = if devices.is_empty() {
        0
    } else {
        unlinked_files(&members, devices)
    };
    members.into_iter().map(unshared_memory).sum::<u64>() + unlinked
}

/// The blocks, in bytes, of the files with no name on `devices` that `pids` hold open, each once.
fn unlinked_files(pids: &[u32], devices: &[u64]) -> u64 {
    let mut seen = std::collections::HashSet::new();
    let mut bytes = 0;
    for pid in pids {
        let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            // The open file itself (/proc's link leads to it even once unlinked).
            let Ok(meta) = std::fs::metadata(fd.path()) else {
                continue;
            };
            if meta.nlink() == 0
                && devices.contains(&meta.dev())
                && seen.insert((meta.dev(), meta.ino()))
            {
                bytes += meta.blocks() * 512;
            }
        }
    }
    bytes
}

/// The processes of group `group`: its leader's descendants, and the grader's children in the
/// group (orphans of the run). Where the kernel shows no children (/proc/PID/task/TID/children
/// needs CONFIG_PROC_CHILDREN), every process's group is read instead.
fn members(group: u32) -> Vec<u32> {
    static CHILDREN_SHOWN: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let shown = CHILDREN_SHOWN.get_or_init(|| {
        let own = std::process::id();
        std::path::Path::new(&format!("/proc/{own}/task/{own}/children")).exists()
    });
    if !shown {
        return std::fs::read_dir("/proc")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| entry.file_name().to_str()?.parse().ok())
            .filter(|&pid| group_of(pid) == Some(group))
            .collect();
    }
    // The run's first process is the grader's child until it is reaped (after the watchdog
    // stops); an orphan of the run is the grader's child too.
    let mut members = Vec::new();
    for root in children_of("self") {
        if group_of(root) == Some(group) {
            members.push(root);
            members.extend(descendants_of(root));
        }
    }
    members
}

/// The process group of `pid` (/proc/PID/stat's fifth field), if it is still there.
fn group_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat[stat.rfind(')')? + 1..]
        .split_whitespace()
        .nth(2)?
        .parse()
        .ok()
}

/// RssAnon + RssShmem + VmPTE of `pid`, in bytes (0 once it is gone).
fn unshared_memory(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    // The fields' values are in kB ("RssAnon:\t  1234 kB").
    let kib = |field| super::confine::status_field(&status, field).unwrap_or(0);
    // VmPTE: page tables, which reading untouched memory makes without any page of its own (400
    // processes reading 960 MiB each, one byte in 2 MiB, held 770 MiB so: red team 8).
    (kib("RssAnon:") + kib("RssShmem:") + kib("VmPTE:")) * 1024
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::CommandExt;

    #[test]
    fn the_grader_s_own_memory_is_read() {
        let own = std::process::id();
        assert!(unshared_memory(own) > 0);
        // SAFETY: getpgrp only reads the grader's own process group.
        assert_eq!(group_of(own), Some(unsafe { libc::getpgrp() } as u32));
        assert_eq!(unshared_memory(u32::MAX), 0);
    }

    #[test]
    fn a_group_s_memory_counts_its_forked_children() {
        // A child in a group of its own that holds 64 MiB of touched anonymous memory.
        let mut child = std::process::Command::new("sh")
            .args([
                "-c",
                "x=$(head -c 67108864 /dev/zero | tr '\\0' a); sleep 30",
            ])
            .process_group(0)
            .spawn()
            .unwrap();
        let pid = child.id();
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while memory_of_group(pid, &[]) < 64 << 20 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let seen = memory_of_group(pid, &[]);
        let _ = child.kill();
        let _ = child.wait();
        assert!(seen >= 64 << 20, "{seen}");
    }
}
