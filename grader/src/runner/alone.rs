//! One process of a run at work alone: every other process of its group stopped (SIGSTOP), so
//! that what changes meanwhile in the run's memory is that process's doing. ex4's checks use it
//! to see each worker add to the shared counter by itself: a worker that only waits for the
//! others (workers taking turns) or counts somewhere else (a slot of its own) is told apart
//! from one that adds to the counter whatever the others do.

use std::time::{Duration, Instant};

use super::Running;

/// How long a run's processes may take to stop: a process stops at once unless the kernel is
/// busy on its behalf (a page fault on a slow disk, say).
const STOP_LIMIT: Duration = Duration::from_secs(2);

/// The longest wait between two looks of `run_alone`.
const LONGEST_LOOK: Duration = Duration::from_millis(5);

/// The run's whole process group, stopped. Dropping it lets everything go on (SIGCONT).
pub struct Stopped<'a> {
    running: &'a Running,
}

/// What happened while one process ran alone.
#[derive(Debug)]
pub struct Alone {
    /// The CPU time it used.
    pub cpu: Duration,
    /// How long it was let run.
    pub wall: Duration,
    /// Whether another process of the run used CPU time meanwhile, ended, or started
    /// (something let it go on: the run itself, or an ordinary user's watchdog in a pass that
    /// began before the run was held): what changed is then not the lone process's doing.
    pub others_ran: bool,
}

impl Running {
    /// Stops every process of the run and waits until they all are.
    pub fn stop_all(&self) -> Result<Stopped<'_>, String> {
        if let Some(watchdog) = &self.watchdog {
            watchdog.hold(true);
        }
        signal_group(self.pid(), libc::SIGSTOP);
        let stopped = Stopped { running: self };
        wait_stopped(&stopped.members())?;
        Ok(stopped)
    }
}

impl Stopped<'_> {
    /// Every process of the run now: the program, the processes below it, and those it left
    /// to the grader (an orphan the program's workers could let go, red team 13).
    pub fn members(&self) -> Vec<u32> {
        super::memory::members(self.running.pid())
    }

    /// The program's children that have not ended (no zombie).
    pub fn live_children(&self) -> Vec<u32> {
        let mut children = self.running.children();
        children.retain(|&c| !self.has_ended(c));
        children
    }

    /// Whether process `pid` of the run has ended (a zombie, or gone).
    pub fn has_ended(&self, pid: u32) -> bool {
        matches!(state_of(pid), None | Some('Z' | 'X'))
    }

    /// Lets process `pid` (one of the run's) run alone until `done` says so or `limit` is over,
    /// then stops it again and waits until every process is stopped. `done` is asked after 100
    /// µs, then twice as long each time up to `LONGEST_LOOK`: each look is the grader's CPU,
    /// and a program that never gets done cost it 5 s in a test at a look every 100 µs (red
    /// team 13).
    pub fn run_alone(
        &self,
        pid: u32,
        limit: Duration,
        mut done: impl FnMut() -> bool,
    ) -> Result<Alone, String> {
        // The CPU time of every other process: one that used more, or ended, or is new, ran.
        let others = |members: Vec<u32>| -> Vec<(u32, Option<Duration>)> {
            let mut times: Vec<_> = members
                .into_iter()
                .filter(|&p| p != pid)
                .map(|p| (p, cpu_time(p)))
                .collect();
            times.sort_unstable();
            times
        };
        let others_before = others(self.members());
        let before = cpu_time(pid).unwrap_or_default();
        let started = Instant::now();
        // SAFETY: only sends a signal to a process of the run, whose group leader (the program)
        // is not reaped, so the pid is still the run's.
        unsafe { libc::kill(pid as libc::pid_t, libc::SIGCONT) };
        let mut wait = Duration::from_micros(100);
        while !done() && started.elapsed() < limit {
            std::thread::sleep(wait);
            wait = (wait * 2).min(LONGEST_LOOK);
        }
        // The whole group, not only `pid`: whatever it forked meanwhile stops too.
        signal_group(self.running.pid(), libc::SIGSTOP);
        let wall = started.elapsed();
        let members = self.members();
        wait_stopped(&members)?;
        Ok(Alone {
            cpu: cpu_time(pid).unwrap_or_default().saturating_sub(before),
            wall,
            others_ran: others(members) != others_before,
        })
    }
}

impl Drop for Stopped<'_> {
    fn drop(&mut self) {
        signal_group(self.running.pid(), libc::SIGCONT);
        if let Some(watchdog) = &self.running.watchdog {
            watchdog.hold(false);
        }
    }
}

fn signal_group(leader: u32, signal: libc::c_int) {
    // SAFETY: only sends a signal to the run's own process group, which cannot have been
    // reused: its leader, the program, is not reaped until the run is finished.
    unsafe { libc::killpg(leader as libc::pid_t, signal) };
}

/// Waits until each of `pids` is stopped, a zombie, or gone.
fn wait_stopped(pids: &[u32]) -> Result<(), String> {
    let started = Instant::now();
    for &pid in pids {
        while !matches!(state_of(pid), None | Some('T' | 't' | 'Z' | 'X')) {
            if started.elapsed() > STOP_LIMIT {
                return Err(format!(
                    "process {pid} of the program did not stop within {} s of SIGSTOP",
                    STOP_LIMIT.as_secs()
                ));
            }
            std::thread::sleep(Duration::from_micros(100));
        }
    }
    Ok(())
}

/// A process's state letter (`/proc/PID/stat`'s third field), `None` once it is gone.
fn state_of(pid: u32) -> Option<char> {
    super::evidence::stat_field_of(pid, 0)?.chars().next()
}

/// The CPU time a process has used: to the nanosecond from /proc/PID/schedstat where the kernel
/// keeps it, else in clock ticks from /proc/PID/stat.
fn cpu_time(pid: u32) -> Option<Duration> {
    let precise = std::fs::read_to_string(format!("/proc/{pid}/schedstat"))
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map(Duration::from_nanos);
    precise.or_else(|| super::CpuTimes::of(pid).map(|t| t.own))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// This thread's CPU time is read, and grows as it works; its state is running. (A run's
    /// processes have one thread each: /proc/PID/schedstat is its first thread's.)
    #[test]
    fn a_process_s_cpu_time_and_state_are_read() {
        // SAFETY: gettid only returns this thread's id.
        let me = unsafe { libc::gettid() } as u32;
        let before = cpu_time(me).unwrap();
        let mut x = 0u64;
        let start = Instant::now();
        while start.elapsed() < Duration::from_millis(20) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        assert!(cpu_time(me).unwrap() > before);
        assert_eq!(state_of(me), Some('R'));
        assert_eq!(state_of(u32::MAX), None);
    }
}
