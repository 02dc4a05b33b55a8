//! A run's memory where no cgroup bounds it (an ordinary user without a delegated memory
//! controller). RLIMIT_AS bounds each process, but a run may have many: red team 4's
//! `memory_fan.c` took 2 GiB with three processes, and nothing stopped a few dozen.
//!
//! A watchdog thread adds up, every `PERIOD`, the memory of the run's processes that the kernel
//! can neither drop nor write back to a file (RssAnon + RssShmem, what of it is in swap, VmSwap,
//! and their page tables, VmPTE:
//! /proc/PID/status; a memory map of more than some 400 areas is past the bound), and kills
//! the run's process group once the sum passes `MAX_RUN_MEMORY`, the bound a run's memory cgroup
//! has elsewhere. The run's processes are its process group (a run may not leave it: setsid and
//! setpgid are refused), found from its first process down through /proc/PID/task/TID/children,
//! and among the grader's own children, where a process goes when its parent ends (the grader is
//! the subreaper). Pages shared between a parent and its forked children count once per process:
//! a run is judged on more than it really holds, never less. The bound holds within what a run
//! can touch between two passes (tens of MiB for a few processes; 400 processes touched 2 GiB
//! for a moment before they were killed), and each process's RLIMIT_AS caps a single step.
//! The period grows with a pass's own CPU time (the watchdog takes a tenth of a CPU, on
//! average): a run of hundreds of processes is looked at less often, at moments drawn at random.
//! A pass the run's processes starve of the CPU is given up, and from then on the watchdog stops
//! the run while it looks (`STARVED`).
//!
//! What a run holds in files through its mappings alone counts too (`Mapped`): its shared
//! anonymous mappings at their full length, and the tmpfs files it mapped once they have no name.
//!
//! Where the run's folders are on a tmpfs (TMPDIR is one on Debian 13, Fedora and Arch), their
//! files are memory that no process holds: red team 6 kept 2.4 GiB in files a run wrote there,
//! and the kernel's OOM killer then took a bystander. So there the files in the run's folders
//! (the grader's own among them) count with the processes' memory, for as long as they are there:
//! a later run of the same test starts with what earlier runs left.

use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::MAX_RUN_MEMORY;
use super::confine::{children_of, descendants_of, group_of};
use super::kept::bytes_in;
use super::trace::own_cpu_time;

/// How often the watchdog adds up the run's memory.
const PERIOD: Duration = Duration::from_millis(5);

/// A pass that takes longer than this (and four times its own CPU time) was starved: the
/// watchdog is one thread among the run's processes for the CPU, and 400 of them that spin took
/// all but 2/401 of it, a pass seconds long, while the run held 2 GiB (red team 9). From then on,
/// each pass stops the run (SIGSTOP to its group, SIGCONT after) while it looks, as `jostle` does
/// to ex4's programs: a run that does not run cannot take memory, nor the CPU.
const STARVED: Duration = Duration::from_millis(20);

/// The watchdog of one run.
pub(super) struct Watchdog {
    stop: Arc<AtomicBool>,
    /// Whether a check holds the run stopped (`alone`): the watchdog then looks without
    /// stopping and resuming the run, which would let go what the check holds.
    held: Arc<AtomicBool>,
    handle: JoinHandle<bool>,
}

impl Watchdog {
    /// Watches the run whose first process (and process group) is `pid`, and whose folders are
    /// `dirs` (their files count where they are in memory: `in_memory`), with what it holds
    /// through its mappings (`mapped`, which the listening thread fills in).
    pub(super) fn start(pid: u32, dirs: Vec<PathBuf>, mapped: Arc<Mapped>) -> Watchdog {
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let held = Arc::new(AtomicBool::new(false));
        let held_by_a_check = held.clone();
        let files = in_memory(dirs);
        let devices = devices_of(&files);
        let handle = std::thread::spawn(move || {
            // Whether each pass stops the run while it looks (see `STARVED`).
            let mut freezing = false;
            let mut draws = std::hash::BuildHasher::hash_one(
                &std::collections::hash_map::RandomState::new(),
                pid,
            ) | 1;
            while !stopping.load(Ordering::Acquire) {
                let wall = Instant::now();
                let cpu = own_cpu_time();
                let freeze = freezing && !held_by_a_check.load(Ordering::Acquire);
                if freeze {
                    signal_group(pid, libc::SIGSTOP);
                }
                let give_up = (!freezing).then(|| wall + STARVED);
                let Some(used) = memory_of_group(pid, &devices, &mapped, give_up) else {
                    // Starved: looked again at once, the run stopped, and from now on so.
                    freezing = true;
                    continue;
                };
                if used.saturating_add(bytes_in(&files)) > MAX_RUN_MEMORY {
                    // Its processes die stopped or not.
                    signal_group(pid, libc::SIGKILL);
                    return true;
                }
                if freeze {
                    signal_group(pid, libc::SIGCONT);
                }
                let (cpu, wall) = (own_cpu_time().saturating_sub(cpu), wall.elapsed());
                freezing |= wall > STARVED && wall > cpu * 4;
                // A pass is the grader's CPU, outside the run's: hundreds of idle processes made
                // each long (53 s of the grader's CPU in one test, red team 7). It rests, on
                // average, nine times as long as it worked in CPU time (a tenth of a CPU): in
                // wall time, a pass slowed by the run's own processes bought the run a longer
                // rest (red team 9). A run it stops gets to run, on average, at least as long as
                // it was stopped, however busy the machine.
                let stopped = if freezing { wall } else { Duration::ZERO };
                std::thread::sleep(random_rest(PERIOD.max(cpu * 9).max(stopped), &mut draws));
            }
            false
        });
        Watchdog { stop, held, handle }
    }

    /// A check holds the run stopped (`true`), or lets it go (`false`).
    pub(super) fn hold(&self, held: bool) {
        self.held.store(held, Ordering::Release);
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
/// (red team 7 held 2 GiB so, in no folder and mapped by no process), and what it holds through
/// its mappings alone (`mapped`). `None` if the pass is still at it at `give_up`.
fn memory_of_group(
    group: u32,
    devices: &[u64],
    mapped: &Mapped,
    give_up: Option<Instant>,
) -> Option<u64> {
    let late = || give_up.is_some_and(|at| Instant::now() > at);
    let members = members(group);
    // The files in memory already counted, by device and inode: each once, however many of the
    // run's processes map it or hold it open.
    let mut counted = std::collections::HashSet::new();
    let mut sum = 0u64;
    for &pid in &members {
        // A memory map longer than the grader reads (`MAX_MAPS_BYTES`, some 400 areas; a
        // program of the kit has under a hundred) is past the bound: each area is kernel memory
        // no RssAnon shows, and one mapping split by mprotect into 65,000 areas, in 150 forked
        // processes, took 1.4 GiB of the kernel's (red team 7).
        if super::evidence::whole_map(pid).is_none() {
            return Some(u64::MAX);
        }
        sum = sum.saturating_add(unshared_memory(pid));
        if late() {
            return None;
        }
    }
    if !devices.is_empty() {
        sum = sum.saturating_add(unlinked_files(&members, devices, &late, &mut counted)?);
    }
    Some(sum.saturating_add(mapped.bytes(&mut counted)))
}

/// Memory a run holds in files through its mappings alone, which no process's resident memory
/// shows: madvise(MADV_DONTNEED), or a munmap of all but a page, takes a mapping's pages out of
/// the process's page tables (RssShmem) but leaves them in the file, as long as any of it is
/// mapped (red team 11 held 2 GiB so). Noted by the grader's listening thread as each mmap is
/// allowed (`trace`), added up by the watchdog.
#[derive(Debug, Default)]
pub(super) struct Mapped {
    /// The lengths of the run's shared anonymous mappings (each a file of the kernel's own
    /// tmpfs), all of them: a mapping unmapped may still hold its file's pages through the rest.
    shared_anonymous: AtomicU64,
    /// The devices of the run's folders that are in memory (tmpfs).
    devices: Vec<u64>,
    /// The files on those devices the run has mapped, held open (O_PATH) by the grader until
    /// the run ends: once unlinked and closed by the run, its mapping alone keeps them.
    files: std::sync::Mutex<Vec<std::fs::File>>,
}

impl Mapped {
    /// For a run whose folders are `dirs`.
    pub(super) fn new(dirs: &[PathBuf]) -> Mapped {
        Mapped {
            devices: devices_of(&in_memory(dirs.to_vec())),
            ..Mapped::default()
        }
    }

    /// A mapping the run made (an mmap the listening thread let through).
    pub(super) fn note(&self, call: &super::trace::Call) {
        if call.mmap_anonymous() {
            if call.mmap_shared() {
                self.add_shared_anonymous(call.args[1]);
            }
            return;
        }
        let Some(file) = call.file.as_ref().filter(|f| self.devices.contains(&f.dev)) else {
            return;
        };
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        let held = files.iter().any(|f| {
            f.metadata()
                .is_ok_and(|m| (m.dev(), m.ino()) == (file.dev, file.ino))
        });
        if !held {
            use std::os::unix::fs::OpenOptionsExt;
            // The file itself, reached through the caller's descriptor (still open: the call
            // waits), not by a name the run could swap.
            let opened = std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_PATH)
                .open(format!("/proc/{}/fd/{}", call.pid, file.fd));
            if let Ok(opened) = opened
                && opened
                    .metadata()
                    .is_ok_and(|m| (m.dev(), m.ino()) == (file.dev, file.ino))
            {
                files.push(opened);
            }
        }
    }

    /// Adds a shared anonymous mapping of `len` bytes. The call is noted before the kernel has
    /// looked at it: a length no process of a run can map (past its address space) is left out,
    /// and the sum saturates. A sum that wrapped around took a refused mapping of 2^64 - L bytes
    /// for L bytes freed, and hid 2 GiB (red team 12).
    fn add_shared_anonymous(&self, len: u64) {
        if len > super::sandbox::MAX_ADDRESS_SPACE {
            return;
        }
        let _ = self
            .shared_anonymous
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |sum| {
                Some(sum.saturating_add(len.next_multiple_of(4096)))
            });
    }

    /// The bytes in the run's shared anonymous mappings, and in the files it mapped that have
    /// no name now and are not yet `counted`.
    fn bytes(&self, counted: &mut std::collections::HashSet<(u64, u64)>) -> u64 {
        let files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        files
            .iter()
            .filter_map(|f| f.metadata().ok())
            .filter(|m| m.nlink() == 0 && counted.insert((m.dev(), m.ino())))
            .fold(self.shared_anonymous.load(Ordering::Relaxed), |sum, m| {
                sum.saturating_add(m.blocks() * 512)
            })
    }
}

/// The devices of `dirs`.
fn devices_of(dirs: &[PathBuf]) -> Vec<u64> {
    dirs.iter()
        .filter_map(|dir| std::fs::metadata(dir).ok())
        .map(|meta| meta.dev())
        .collect()
}

/// A rest of `mean` on average, drawn at random (exponentially, at most five times the mean),
/// from the state `draws`: no run can tell from one look when the next comes, so one that holds
/// memory a share of its time is seen at each look with that chance. Red team 11 timed the looks
/// by the gaps a stop left in its clock, and held 968 MiB a fifth of the time, unseen.
fn random_rest(mean: Duration, draws: &mut u64) -> Duration {
    // xorshift64*: random enough to be unforeseeable to a run, which sees none of it.
    *draws ^= *draws >> 12;
    *draws ^= *draws << 25;
    *draws ^= *draws >> 27;
    let bits = draws.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11;
    // In (0, 1]: its logarithm is finite.
    let uniform = (bits as f64 + 1.0) / (1u64 << 53) as f64;
    mean.mul_f64((-uniform.ln()).min(5.0))
}

/// Sends `signal` to the run's process group `group`, which cannot have been reused: its leader
/// is the grader's child, not yet reaped (the watchdog is stopped before it is).
fn signal_group(group: u32, signal: libc::c_int) {
    // SAFETY: only sends a signal, to the run's own group (above).
    unsafe { libc::killpg(group as libc::pid_t, signal) };
}

/// The blocks, in bytes, of the files with no name on `devices` that `pids` hold open, those not
/// yet `counted`; `None` once `late`.
fn unlinked_files(
    pids: &[u32],
    devices: &[u64],
    late: &dyn Fn() -> bool,
    counted: &mut std::collections::HashSet<(u64, u64)>,
) -> Option<u64> {
    let mut bytes = 0u64;
    for pid in pids {
        if late() {
            return None;
        }
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
                && counted.insert((meta.dev(), meta.ino()))
            {
                bytes = bytes.saturating_add(meta.blocks() * 512);
            }
        }
    }
    Some(bytes)
}

/// The processes of group `group`: its leader's descendants, and the grader's children in the
/// group (orphans of the run). Where the kernel shows no children (/proc/PID/task/TID/children
/// needs CONFIG_PROC_CHILDREN), every process's group is read instead.
pub(super) fn members(group: u32) -> Vec<u32> {
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

/// The memory of `pid` that is the run's to bound, in bytes (0 once it is gone): see
/// `memory_in`.
fn unshared_memory(pid: u32) -> u64 {
    memory_in(&std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default())
}

/// RssAnon + RssShmem + VmSwap + VmPTE, in bytes, from the text of a /proc/PID/status.
fn memory_in(status: &str) -> u64 {
    // The fields' values are in kB ("RssAnon:\t  1234 kB").
    let kib = |field| super::confine::status_field(status, field).unwrap_or(0);
    // VmSwap: a run's memory in swap is still its memory, and a run may put it there itself
    // (madvise's MADV_PAGEOUT): 800 MiB a run so, on a machine with swap (red team 10).
    // VmPTE: page tables, which reading untouched memory makes without any page of its own (400
    // processes reading 960 MiB each, one byte in 2 MiB, held 770 MiB so: red team 8).
    (kib("RssAnon:") + kib("RssShmem:") + kib("VmSwap:") + kib("VmPTE:")) * 1024
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::CommandExt;

    /// Rests are drawn at random around their mean: some short, some long, the mean kept.
    /// A shared anonymous mapping no process of a run can make (the kernel refuses it after the
    /// grader noted it) takes nothing off the count, and the count never wraps.
    #[test]
    fn a_refused_mapping_takes_nothing_off_the_count() {
        let mapped = Mapped::default();
        mapped.add_shared_anonymous(32 << 20);
        mapped.add_shared_anonymous(0u64.wrapping_sub(32 << 20));
        assert_eq!(mapped.bytes(&mut Default::default()), 32 << 20);
        mapped
            .shared_anonymous
            .store(u64::MAX - 4096, Ordering::Relaxed);
        mapped.add_shared_anonymous(1 << 20);
        assert_eq!(mapped.bytes(&mut Default::default()), u64::MAX);
    }

    #[test]
    fn rests_are_unforeseeable_and_their_mean_is_kept() {
        let mean = Duration::from_millis(10);
        let mut draws = 0x9e37_79b9_7f4a_7c15;
        let rests: Vec<Duration> = (0..10_000).map(|_| random_rest(mean, &mut draws)).collect();
        let average = rests.iter().sum::<Duration>() / rests.len() as u32;
        assert!(
            average > mean.mul_f64(0.9) && average < mean.mul_f64(1.1),
            "{average:?}"
        );
        assert!(rests.iter().any(|r| *r < mean / 4));
        assert!(rests.iter().any(|r| *r > mean * 3));
        assert!(rests.iter().all(|r| *r <= mean * 5));
    }

    /// Memory in swap counts, and page tables; file pages (RssFile), which the kernel may drop,
    /// do not.
    #[test]
    fn a_process_s_memory_is_its_own_swap_and_page_tables_included() {
        let status = "Name:\tx\nRssAnon:\t  100 kB\nRssFile:\t  5000 kB\nRssShmem:\t  20 kB\n\
                      VmSwap:\t  3000 kB\nVmPTE:\t  4 kB\n";
        assert_eq!(memory_in(status), (100 + 20 + 3000 + 4) * 1024);
    }

    #[test]
    fn the_grader_s_own_memory_is_read() {
        let own = std::process::id();
        assert!(unshared_memory(own) > 0);
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
        while memory_of_group(pid, &[], &Mapped::default(), None).unwrap() < 64 << 20
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        let seen = memory_of_group(pid, &[], &Mapped::default(), None).unwrap();
        let _ = child.kill();
        let _ = child.wait();
        assert!(seen >= 64 << 20, "{seen}");
    }
}
