//! What the kernel can tell about a program under test, from outside: its I/O accounting, its
//! mappings, its children, and at the end its exit status and resource use.

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::time::Duration;

/// The program's own accounting of its read/write-style system calls (`/proc/PID/io`).
///
/// `rchar`/`wchar` count the bytes that went through read(2), write(2), pread(2), pwrite(2),
/// readv(2), copy_file_range(2), sendfile(2) and the like, and `syscr`/`syscw` the calls. Bytes
/// that move through a memory mapping are not counted: a page fault is not a system call. The
/// counts include those of the program's children that it has already waited for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IoCounters {
    pub rchar: u64,
    pub wchar: u64,
    pub syscr: u64,
    pub syscw: u64,
}

impl IoCounters {
    /// Reads the counters of `pid` (a live process or an unreaped zombie).
    pub fn of(pid: u32) -> Option<IoCounters> {
        let text = std::fs::read_to_string(format!("/proc/{pid}/io")).ok()?;
        let field = |name: &str| {
            text.lines().find_map(|line| {
                line.strip_prefix(name)?
                    .strip_prefix(": ")?
                    .trim()
                    .parse()
                    .ok()
            })
        };
        Some(IoCounters {
            rchar: field("rchar")?,
            wchar: field("wchar")?,
            syscr: field("syscr")?,
            syscw: field("syscw")?,
        })
    }

    /// How much more than `baseline` these counters show (never negative).
    pub fn above(&self, baseline: &IoCounters) -> IoCounters {
        IoCounters {
            rchar: self.rchar.saturating_sub(baseline.rchar),
            wchar: self.wchar.saturating_sub(baseline.wchar),
            syscr: self.syscr.saturating_sub(baseline.syscr),
            syscw: self.syscw.saturating_sub(baseline.syscw),
        }
    }
}

/// The program's memory map (`/proc/PID/maps`), or an empty string once it is gone.
pub fn maps_of(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap_or_default()
}

/// The live children of `pid`, found by scanning every process's parent in /proc.
pub fn children_of(pid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&p| parent_of(p) == Some(pid))
        .collect()
}

fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: parse after the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// Whether `pid` (our child) has exited, without reaping it.
pub fn has_exited(pid: u32) -> bool {
    // SAFETY: waitid writes only into `info`, a zeroed siginfo_t that we own.
    unsafe {
        let mut info: libc::siginfo_t = std::mem::zeroed();
        let flags = libc::WEXITED | libc::WNOWAIT | libc::WNOHANG;
        let r = libc::waitid(libc::P_PID, pid as libc::id_t, &mut info, flags);
        // r < 0: no such child any more (ECHILD), so certainly not running.
        r < 0 || info.si_pid() != 0
    }
}

/// Reaps our exited child `pid`: its exit status, peak resident memory in bytes, and CPU time.
pub fn reap(pid: u32) -> (ExitStatus, u64, Duration) {
    // SAFETY: wait4 writes only into `status` and `usage`, which we own.
    unsafe {
        let mut status = 0;
        let mut usage: libc::rusage = std::mem::zeroed();
        while libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) < 0 {
            if std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                break;
            }
        }
        let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
        let cpu = time(usage.ru_utime) + time(usage.ru_stime);
        (
            ExitStatus::from_raw(status),
            usage.ru_maxrss as u64 * 1024,
            cpu,
        )
    }
}
