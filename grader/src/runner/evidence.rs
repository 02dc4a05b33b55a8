//! What the kernel can tell about a program under test, from outside: its mappings, its memory,
//! its children's CPU time, and at the end its exit status and resource use. (Which system calls
//! it made is `trace`'s.)

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::time::Duration;

/// CPU time used by the program itself and by the children it has waited for
/// (`/proc/PID/stat`: utime + stime, and cutime + cstime).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuTimes {
    pub own: Duration,
    pub children: Duration,
}

impl CpuTimes {
    /// Reads the times of `pid` (a live process or an unreaped zombie).
    pub fn of(pid: u32) -> Option<CpuTimes> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // Fields 14 to 17 (utime, stime, cutime, cstime), counted after the command name.
        let rest = &stat[stat.rfind(')')? + 1..];
        let ticks: Vec<u64> = rest
            .split_whitespace()
            .skip(11)
            .take(4)
            .map(|f| f.parse().ok())
            .collect::<Option<_>>()?;
        // SAFETY: sysconf only reads a system setting.
        let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
        let time = |t: u64| Duration::from_secs_f64(t as f64 / per_second);
        Some(CpuTimes {
            own: time(ticks[0] + ticks[1]),
            children: time(ticks[2] + ticks[3]),
        })
    }
}

/// Field `n` of a /proc/PID/stat text, counted after the command's name (0 is the state, 2
/// the process group, 19 the start time): the name, in parentheses, may hold spaces and
/// parentheses itself.
pub(super) fn stat_field(stat: &str, n: usize) -> Option<&str> {
    let (_, after) = stat.rsplit_once(')')?;
    after.split_whitespace().nth(n)
}

/// Field `n` (see `stat_field`) of process `pid`'s /proc/PID/stat; `None` once it is gone.
pub(super) fn stat_field_of(pid: u32, n: usize) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat_field(&stat, n).map(str::to_owned)
}

/// The program's memory map (`/proc/PID/maps`), or an empty string once it is gone: its first
/// `MAX_MAPS_BYTES`, whole lines.
pub fn maps_of(pid: u32) -> String {
    let mut text = String::from_utf8(map_bytes(pid, MAX_MAPS_BYTES)).unwrap_or_default();
    if text.len() as u64 == MAX_MAPS_BYTES {
        // Cut short: no half line.
        text.truncate(text.rfind('\n').map_or(0, |end| end + 1));
    }
    text
}

/// Process `pid`'s whole memory map (empty once it is gone); `None` where it is longer than the
/// grader reads of one (`maps_of`).
pub fn whole_map(pid: u32) -> Option<String> {
    let bytes = map_bytes(pid, MAX_MAPS_BYTES + 1);
    (bytes.len() as u64 <= MAX_MAPS_BYTES).then(|| String::from_utf8_lossy(&bytes).into_owned())
}

/// The first `limit` bytes of process `pid`'s memory map (none once it is gone).
fn map_bytes(pid: u32, limit: u64) -> Vec<u8> {
    use std::io::Read;
    let mut bytes = Vec::new();
    if let Ok(maps) = std::fs::File::open(format!("/proc/{pid}/maps")) {
        let _ = maps.take(limit).read_to_end(&mut bytes);
    }
    bytes
}

/// The most of a process's memory map the grader reads at a time (400 lines or so; a program of
/// the kit has under a hundred). A map is as long as the program makes it: 65,000 areas made by
/// mprotect, and ex4's check read them all every millisecond, 10.8 s of the grader's CPU against
/// 0.4 s for an honest program (red team 7). The areas past it are not looked at.
pub const MAX_MAPS_BYTES: u64 = 32 << 10;

/// `len` bytes of process `pid`'s memory at `addr` (/proc/PID/mem: the grader may, as root or
/// as the program's parent of the same user, since no run can make itself non-dumpable).
pub fn read_memory(pid: u32, addr: u64, len: usize) -> std::io::Result<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    let mem = std::fs::File::open(format!("/proc/{pid}/mem"))?;
    let mut bytes = vec![0; len];
    mem.read_exact_at(&mut bytes, addr)?;
    Ok(bytes)
}

/// The grader's own resident memory, in bytes (`/proc/self/statm`).
pub fn own_rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    // SAFETY: sysconf only reads a system setting.
    pages * unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(0) as u64
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

/// Waits until our child `pid` exits (without reaping it), for at most `limit` (`None`: no
/// limit); returns whether it exited. The exit is seen the moment it happens, through a pidfd
/// (Linux 5.3 and later), so a run's measured time is its own, not the grader's polling period.
pub fn wait_for_exit(pid: u32, limit: Option<Duration>) -> bool {
    let deadline = limit.map(|l| std::time::Instant::now() + l);
    // SAFETY: pidfd_open only creates a descriptor, which is closed below.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) } as libc::c_int;
    let exited = loop {
        if has_exited(pid) {
            break true;
        }
        let left = deadline.map(|d| d.saturating_duration_since(std::time::Instant::now()));
        if left == Some(Duration::ZERO) {
            break false;
        }
        // Sleep until the exit, or for a while (a millisecond without a pidfd), then look again.
        let wait_ms = left.map_or(1000, |l| l.as_millis().clamp(1, 1000) as libc::c_int);
        if fd >= 0 {
            let mut poll = libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one pollfd that we own, for the duration of the call.
            unsafe { libc::poll(&mut poll, 1, wait_ms) };
        } else {
            std::thread::sleep(Duration::from_millis(1).min(left.unwrap_or(Duration::MAX)));
        }
    };
    if fd >= 0 {
        // SAFETY: `fd` is ours and closed once.
        unsafe { libc::close(fd) };
    }
    exited
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
