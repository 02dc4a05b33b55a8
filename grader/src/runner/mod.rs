//! The process runner: every program under test is started, watched and stopped here.
//!
//! - Each run is sandboxed (`sandbox`: Landlock, seccomp, its own user, limits), and its system
//!   calls that matter are watched from outside (`trace`).
//! - The child runs in a process group of its own, and in control groups of its own where the
//!   machine has them (`cgroup`), so a timeout (or the end of the run) kills everything it
//!   started; whatever escaped both is found and killed too (`confine`). Where no cgroup bounds
//!   a run's memory, a watchdog adds it up and kills the run past the bound (`memory`).
//! - stdout and stderr are captured up to a cap, and read until a deadline; past the cap they are
//!   drained and dropped, so a flood can neither block the child nor fill the grader's memory.
//! - When the child exits, it is left unreaped for a moment (`waitid(WNOWAIT)`) so that its CPU
//!   times in /proc can still be read; then it is reaped with `wait4`, which also returns its peak
//!   memory.

mod alone;
pub mod build;
mod cgroup;
mod confine;
pub mod disk;
mod evidence;
pub mod interrupt;
mod kept;
pub mod landlock;
mod memory;
mod place;
mod sandbox;
pub mod seccomp;
mod signals;
pub mod trace;

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use assert_cmd::assert::{Assert, OutputAssertExt};

pub use alone::{Alone, Stopped};
pub use cgroup::MAX_MEMORY as MAX_RUN_MEMORY;

/// Whether runs at the same time can make each other fail: they share the grader's user and so
/// its process limit (RLIMIT_NPROC), with no cgroup to bound each run's processes instead. A
/// fork storm in one run then fails the forks of every other. (Under root, each check has a
/// user of its own.)
pub fn runs_share_a_process_limit() -> bool {
    !is_root() && !cgroup::bound_processes()
}
/// Whether each run's CPU time is bounded as a whole (a cpu controller): hundreds of busy
/// processes in one run then leave the runs beside it their share of the CPU.
pub fn runs_bound_cpu() -> bool {
    cgroup::bound_cpu()
}
pub use confine::{Confinement, User, is_root};
pub use evidence::{CpuTimes, maps_of, read_memory};
pub use kept::CheckFiles;
pub use place::{claim_temp_dir, clean_up, reachable, work_root};
pub use sandbox::{
    Limits, MAX_OPEN_FILES, MAX_PENDING_SIGNALS, summary as sandbox_summary, tracing_works,
};
pub use signals::describe_signal;
pub use trace::{Call, FileId, Observer, Region, Trace};

/// The programs under test that are running (or exited but not yet reaped): the runs in
/// progress, which the clean-up of leftovers must not touch.
static LIVE: Mutex<Vec<u32>> = Mutex::new(Vec::new());

fn live() -> std::sync::MutexGuard<'static, Vec<u32>> {
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Most bytes of stdout (and of stderr) kept from one run.
pub const OUTPUT_CAP: usize = 16 << 20;

/// Most bytes the grader reads past what it keeps (`OUTPUT_CAP` a stream) from all the runs of a
/// check, both streams together: past them it closes each pipe, and the program's next write
/// fails (SIGPIPE, or EPIPE), as into `head`. Each byte read is the grader's CPU, outside the
/// run's: a run that wrote for its whole time limit cost the grader 2.5 s of CPU in one test (red
/// team 11), and with this many bytes a stream of each run, a grading of the four exercises 13.5
/// s against 1.15 s for honest programs (red team 12). No program of the kit prints more than is
/// kept.
pub const DRAIN_CAP: u64 = 256 << 20;

/// A command to run: the program under test and its arguments, in a directory, with limits.
#[derive(Clone, Debug)]
pub struct Cmd {
    program: PathBuf,
    args: Vec<OsString>,
    dir: PathBuf,
    timeout: Duration,
    limits: Limits,
    confinement: Confinement,
    trace: bool,
    /// Folders the program may use besides its own (a small file system the check mounted).
    also: Vec<PathBuf>,
    /// Counts the runs that ran out of time, for the check that made the command (`Ctx`).
    timeouts: Option<Arc<AtomicUsize>>,
    /// The files the check's runs made and keep, which the bound on new files counts (a run of
    /// its own has a ledger of its own).
    files: Option<CheckFiles>,
    /// The bytes of output read and not kept, of all the runs of the command's check: at most
    /// `DRAIN_CAP` (a command of its own has a count of its own).
    drained: Arc<AtomicU64>,
}

/// A program that is running.
pub struct Running {
    cmd: Cmd,
    pid: u32,
    started: Instant,
    rss_at_spawn: u64,
    stdout: Capture,
    stderr: Capture,
    supervisor: Option<trace::Supervisor>,
    group: Option<cgroup::Group>,
    /// The bound on the run's memory where no cgroup bounds it.
    watchdog: Option<memory::Watchdog>,
    /// Whether the watchdog killed the run for its memory.
    out_of_memory: bool,
    /// The look at the run's folders that finds the files it made (a watched run only).
    files: Option<kept::Watch>,
    /// The run written down in the grader's folder, for the next grader if this one is killed.
    record: Option<place::RunRecord>,
    reaped: bool,
}

/// What one run left behind: the output, and the evidence of how the program worked.
#[derive(Debug)]
pub struct Run {
    /// The command line, for messages: `ex3 src.bin dst.bin`.
    pub command: String,
    /// How it ended and what it printed, the `Output`, held by assert_cmd's `Assert` so that the
    /// checks' assertions (`expect.rs`) take it without a copy; `output()` reads it.
    pub(crate) assert: Assert,
    /// CPU time of the program and of the children it waited for, read at the same moment.
    pub cpu_times: Option<CpuTimes>,
    pub timed_out: bool,
    pub stdout_truncated: bool,
    pub elapsed: Duration,
    /// Peak resident memory, in bytes, as the kernel counts it for the child: that includes the
    /// grader's own memory at the fork, carried over the exec (see `uses_more_memory_than`).
    /// Processes the program left behind count too, each with its own peak.
    pub max_rss: u64,
    /// The grader's resident memory when it started the program.
    pub rss_at_spawn: u64,
    /// User plus system CPU time.
    pub cpu: Duration,
    /// The system calls the grader watched (`None` where it could not watch: see `trace`).
    pub trace: Option<Trace>,
    /// Why the grader could not start the program at all: a fault of the grader's, not of the
    /// program's.
    pub start_error: Option<String>,
    /// The kernel killed a process of the run because the run used all the memory it may.
    pub out_of_memory: bool,
}

#[derive(Default)]
struct Captured {
    bytes: Vec<u8>,
    truncated: bool,
}

/// Output being read by a thread of its own.
struct Capture {
    so_far: Arc<Mutex<Captured>>,
    done: mpsc::Receiver<()>,
}

/// How long a run may take, unless a check says otherwise: `GRADER_TIMEOUT` seconds, or 10.
pub fn default_timeout() -> Duration {
    let seconds = std::env::var("GRADER_TIMEOUT")
        .ok()
        .and_then(|s| s.parse::<f64>().ok());
    Duration::from_secs_f64(seconds.filter(|s| *s > 0.0).unwrap_or(10.0))
}

impl Cmd {
    /// `program`, to run in `dir` as `user` (the check's own, under root).
    pub fn new(program: &Path, dir: &Path, user: &User) -> Cmd {
        Cmd {
            program: program.to_owned(),
            args: Vec::new(),
            dir: dir.to_owned(),
            timeout: default_timeout(),
            limits: Limits::default(),
            confinement: user.confinement(),
            trace: false,
            also: Vec::new(),
            timeouts: None,
            files: None,
            drained: Arc::default(),
        }
    }

    /// Counts in `drained` the output each run of this command writes past what is kept: the
    /// check's, so that `DRAIN_CAP` bounds the check.
    pub fn draining_into(mut self, drained: &Arc<AtomicU64>) -> Cmd {
        self.drained = Arc::clone(drained);
        self
    }

    /// Counts in `counter` each run of this command that runs out of time.
    pub fn counting_timeouts(mut self, counter: &Arc<AtomicUsize>) -> Cmd {
        self.timeouts = Some(Arc::clone(counter));
        self
    }

    /// Counts the files each run of this command makes in `files`, the check's, so that the
    /// bound on new files holds for the check (see `kept`).
    pub fn keeping_files(mut self, files: &CheckFiles) -> Cmd {
        self.files = Some(files.clone());
        self
    }

    /// Lets the program read and write in `dir` too.
    pub fn also(mut self, dir: &Path) -> Cmd {
        self.also.push(dir.to_owned());
        self
    }

    /// Watches the program's system calls (`Run::trace`).
    pub fn traced(mut self, trace: bool) -> Cmd {
        self.trace = trace;
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Cmd
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    pub fn timeout(mut self, timeout: Duration) -> Cmd {
        self.timeout = timeout;
        self
    }

    pub fn limits(mut self, limits: Limits) -> Cmd {
        self.limits = limits;
        self
    }

    /// The command line as a student would type it: the program's file name, then the arguments.
    pub fn display(&self) -> String {
        let name = self.program.file_name().unwrap_or(self.program.as_os_str());
        std::iter::once(name)
            .chain(self.args.iter().map(OsString::as_os_str))
            .map(|arg| {
                let arg = arg.to_string_lossy();
                let shown: String = arg.chars().take(60).collect();
                let shown = if shown.len() < arg.len() {
                    format!("{shown}...")
                } else {
                    shown
                };
                if shown.is_empty() || shown.contains([' ', '\'', '"']) {
                    format!("'{}'", shown.replace('\'', "'\\''"))
                } else {
                    shown
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Starts the program in its sandbox. A program that cannot even be started is reported as
    /// a run with a `start_error` (the grader's fault), so that checks need no special case.
    pub fn spawn(&self) -> Result<Running, Box<Run>> {
        self.spawn_observed(None)
    }

    /// Starts the program, with `observer` shown each watched call while the caller waits.
    pub fn spawn_observed(&self, observer: Option<Observer>) -> Result<Running, Box<Run>> {
        confine::become_subreaper();
        let not_started = |why: String| {
            Box::new(Run {
                command: self.display(),
                assert: Output {
                    status: ExitStatus::from_raw(127 << 8),
                    stdout: Vec::new(),
                    stderr: Vec::new(),
                }
                .assert(),
                cpu_times: None,
                timed_out: false,
                stdout_truncated: false,
                elapsed: Duration::ZERO,
                max_rss: 0,
                rss_at_spawn: 0,
                cpu: Duration::ZERO,
                trace: None,
                start_error: Some(format!(
                    "the grader could not start {}: {why}",
                    self.program.display()
                )),
                out_of_memory: false,
            })
        };
        let group = cgroup::Group::new();
        let mut confinement = self.confinement;
        if group.as_ref().is_some_and(cgroup::Group::bounds_processes) {
            // RLIMIT_NPROC counts every process of the user, wherever it runs: runs that share a
            // user (the grader's, or a leased uid that a grader in another container drew too)
            // would share it, and a fork storm in one would make the forks of another fail. The
            // run's own pids cgroup bounds it instead.
            confinement.max_processes = None;
        }
        let confinement = confinement
            .counted_now()
            .map_err(|e| not_started(e.to_string()))?;
        // The run's folders: its own, and those its check lends it.
        let dirs: Vec<PathBuf> = std::iter::once(&self.dir)
            .chain(&self.also)
            .cloned()
            .collect();
        let (prepared, receiver) = sandbox::Prepared::new(
            &self.program,
            dirs.iter(),
            self.limits,
            self.timeout,
            confinement,
            group
                .as_ref()
                .map(cgroup::Group::joining)
                .unwrap_or_default(),
            self.trace,
        )
        .map_err(|e| not_started(format!("cannot prepare its sandbox: {e}")))?;
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .current_dir(&self.dir)
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            // The same messages for everyone, and a panic's message without a backtrace.
            .env("LC_ALL", "C")
            .env("RUST_BACKTRACE", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        // The run's new files are counted where its calls are watched: what its check's earlier
        // runs left counts too.
        let ledger = self.files.clone().unwrap_or_default();
        let files = receiver.as_ref().map(|_| ledger.start(dirs.clone()));
        // Where no cgroup bounds the run's memory, a watchdog does, with what the listening
        // thread sees it map.
        let mapped = (!group.as_ref().is_some_and(cgroup::Group::bounds_memory))
            .then(|| Arc::new(memory::Mapped::new(&dirs)));
        // The listening thread must be there before the child can make a watched call.
        let supervisor =
            receiver.map(|r| trace::Supervisor::start(r, observer, ledger, mapped.clone()));
        // SAFETY: the closure runs in the forked child before exec and only makes
        // async-signal-safe system calls (see `sandbox::Prepared::apply`); it allocates nothing.
        unsafe { command.pre_exec(move || prepared.apply()) };
        // Spawning and registering happen under the lock, so that a clean-up of leftovers in
        // another thread can never take the new process for one.
        let mut live = live();
        let rss_at_spawn = evidence::own_rss();
        let started = Instant::now();
        let spawned = command.spawn();
        // The child's end of the descriptor socket goes with the command: the listening thread
        // sees it closed if the child never sends.
        drop(command);
        let mut child = match spawned {
            Ok(child) => child,
            Err(e) => {
                drop(live);
                drop(supervisor.map(trace::Supervisor::finish));
                return Err(not_started(e.to_string()));
            }
        };
        live.push(child.id());
        // Under the lock of the live runs, which leftovers are reaped under: nothing an older
        // run of the same group id left is counted as this one's.
        confine::take_leftover_peak(child.id());
        drop(live);
        let uid = confinement.run_as.unwrap_or_else(|| {
            // SAFETY: geteuid only reads the grader's own credentials.
            unsafe { libc::geteuid() }
        });
        let record = place::RunRecord::new(child.id(), uid);
        let watchdog = mapped.map(|mapped| memory::Watchdog::start(child.id(), dirs, mapped));
        let stdout = capture(child.stdout.take().expect("stdout is piped"), &self.drained);
        let stderr = capture(child.stderr.take().expect("stderr is piped"), &self.drained);
        Ok(Running {
            cmd: self.clone(),
            pid: child.id(),
            started,
            rss_at_spawn,
            stdout,
            stderr,
            supervisor,
            group,
            watchdog,
            out_of_memory: false,
            files,
            record,
            reaped: false,
        })
    }

    /// Runs the program to the end (or to its timeout).
    pub fn run(&self) -> Run {
        match self.spawn() {
            Ok(running) => running.finish(),
            Err(run) => *run,
        }
    }
}

impl Running {
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The program's own children now (not their children), for checks that act on its workers.
    pub fn children(&self) -> Vec<u32> {
        confine::children_of(&self.pid().to_string())
    }

    /// Whether the program has exited (it stays unreaped until `finish`).
    pub fn has_exited(&self) -> bool {
        evidence::has_exited(self.pid())
    }

    /// Whether the time allowed for the run is over.
    pub fn out_of_time(&self) -> bool {
        self.started.elapsed() >= self.cmd.timeout
    }

    /// Polls `ready` every millisecond while the program runs, until it returns true. If the
    /// program exits first, or its time runs out, the finished run is returned instead.
    pub fn wait_until(self, mut ready: impl FnMut(&Running) -> bool) -> Result<Running, Box<Run>> {
        loop {
            if ready(&self) {
                return Ok(self);
            }
            if self.has_exited() || self.out_of_time() {
                return Err(Box::new(self.finish()));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Calls `look` every `period` while the program runs (until it exits or its time is
    /// over), then finishes the run.
    pub fn watch(self, period: Duration, mut look: impl FnMut(&Running)) -> Run {
        while !self.has_exited() && !self.out_of_time() {
            look(&self);
            std::thread::sleep(period);
        }
        self.finish()
    }

    /// Stops and resumes the program's whole process group (SIGSTOP, then SIGCONT) every `period`
    /// until it exits, as a busy machine's scheduler would, but far more often. Each stop lands
    /// at an arbitrary instruction of each process, and after each resume the processes may run
    /// in any order: code that needs a read-modify-write to be atomic shows the damage at once,
    /// even on a machine with a single core. Correct code is only slowed down.
    pub fn jostle(self, period: Duration) -> Run {
        self.watch(period, |running| {
            let group = running.pid() as libc::pid_t;
            // SAFETY: signals to the program's own process group, which is still there: its
            // leader has not been reaped.
            unsafe {
                libc::killpg(group, libc::SIGSTOP);
                libc::killpg(group, libc::SIGCONT);
            }
        })
    }

    /// Kills whatever is left of the run (its process group, then its control group), reaps the
    /// program, then whatever it left behind (see `confine`).
    fn reap(&mut self) -> (ExitStatus, u64, Duration) {
        let pid = self.pid();
        if let Some(watchdog) = self.watchdog.take() {
            self.out_of_memory |= watchdog.finish();
        }
        // The group cannot have been reused: its leader is still an unreaped zombie.
        kill_group(pid);
        if let Some(group) = &self.group {
            group.kill_all();
        }
        let result = evidence::reap(pid);
        self.reaped = true;
        let mut live = live();
        live.retain(|&p| p != pid);
        confine::reap_leftovers(&live);
        drop(live);
        let (status, max_rss, cpu) = result;
        let result = (status, max_rss.max(confine::take_leftover_peak(pid)), cpu);
        // Nothing of the run is left for a next grader to kill.
        self.record.take();
        // Every process of the run is gone: what it made in its folders can be counted.
        self.files.take();
        result
    }

    /// Waits for the program to exit, killing its whole process group at the deadline, and
    /// collects its output and evidence.
    pub fn finish(mut self) -> Run {
        let pid = self.pid();
        let left = self.cmd.timeout.saturating_sub(self.started.elapsed());
        let timed_out = !evidence::wait_for_exit(pid, Some(left));
        if timed_out {
            if let Some(counter) = &self.cmd.timeouts {
                counter.fetch_add(1, Ordering::Relaxed);
            }
            kill_group(pid);
            evidence::wait_for_exit(pid, None);
        }
        let elapsed = self.started.elapsed();
        let cpu_times = CpuTimes::of(pid);
        // Whatever the program left running (forked children that outlived it) goes too.
        let (status, max_rss, cpu) = self.reap();
        let out_of_memory = self.out_of_memory
            || self
                .group
                .as_ref()
                .is_some_and(cgroup::Group::out_of_memory);
        // Whatever still holds the pipes (nothing should: every process of the run is gone) gets
        // a moment, not the rest of the grading.
        let grace = Instant::now() + Duration::from_millis(500);
        let stdout = self.stdout.collect(grace);
        let stderr = self.stderr.collect(grace);
        let trace = self
            .supervisor
            .take()
            .map(trace::Supervisor::finish)
            .filter(|t| t.active);
        Run {
            command: self.cmd.display(),
            assert: Output {
                status,
                stdout: stdout.bytes,
                stderr: stderr.bytes,
            }
            .assert(),
            cpu_times,
            timed_out,
            stdout_truncated: stdout.truncated,
            elapsed,
            max_rss,
            rss_at_spawn: self.rss_at_spawn,
            cpu,
            trace,
            start_error: None,
            out_of_memory,
        }
    }
}

impl Run {
    /// Whether the program's own peak memory was over `limit` bytes. The kernel's peak for a
    /// child also counts the grader's memory at the fork (a forked copy's resident pages, kept as
    /// the peak across exec), so a peak that is no higher than that proves nothing: only a peak
    /// above both the limit and the grader's own memory is the program's.
    pub fn uses_more_memory_than(&self, limit: u64) -> bool {
        const SLACK: u64 = 8 << 20;
        self.max_rss > limit && self.max_rss > self.rss_at_spawn + SLACK
    }
}

impl Drop for Running {
    /// A check that gives up on a running program (by returning early) must not leave it behind.
    fn drop(&mut self) {
        if !self.reaped {
            self.reap();
        }
    }
}

fn kill_group(pid: u32) {
    // SAFETY: killpg only sends a signal; a group that is already gone gives ESRCH, ignored.
    unsafe { libc::killpg(pid as libc::pid_t, libc::SIGKILL) };
}

impl Capture {
    /// What was read, once the pipe is closed or at `deadline`, whichever comes first.
    fn collect(&self, deadline: Instant) -> Captured {
        let _ = self
            .done
            .recv_timeout(deadline.saturating_duration_since(Instant::now()));
        std::mem::take(&mut *self.so_far.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Reads a pipe on a thread of its own, keeping at most `OUTPUT_CAP` bytes and draining the
/// rest while the check's `drained` bytes are under `DRAIN_CAP`, so that a flood can neither
/// block the program nor fill the grader's memory, nor take its CPU for long.
fn capture(mut pipe: impl Read + Send + 'static, drained: &Arc<AtomicU64>) -> Capture {
    let so_far = Arc::new(Mutex::new(Captured::default()));
    let (tx, done) = mpsc::channel();
    let writer = so_far.clone();
    let drained = Arc::clone(drained);
    std::thread::spawn(move || {
        let mut buf = vec![0; 64 << 10];
        // Dropped past `DRAIN_CAP`: the pipe closes.
        while drained.load(Ordering::Relaxed) < DRAIN_CAP {
            match pipe.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    let mut captured = writer.lock().unwrap_or_else(|e| e.into_inner());
                    let room = OUTPUT_CAP - captured.bytes.len();
                    captured.bytes.extend_from_slice(&buf[..n.min(room)]);
                    captured.truncated |= n > room;
                    drained.fetch_add(n.saturating_sub(room) as u64, Ordering::Relaxed);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        let _ = tx.send(());
    });
    Capture { so_far, done }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two streams that flood at once (a check's runs, or a run's stdout and stderr) share one
    /// budget of bytes drained: past it, both pipes close. Apart, they were read to 256 MiB
    /// each, for every run of every check (red team 12).
    #[test]
    fn a_check_s_floods_share_one_budget_of_output_drained() {
        use std::io::Write;
        let drained = Arc::new(AtomicU64::new(0));
        let floods: Vec<_> = (0..2)
            .map(|_| {
                let (reader, mut writer) = std::io::pipe().unwrap();
                let captured = capture(reader, &drained);
                let flood = std::thread::spawn(move || {
                    let block = vec![b'x'; 64 << 10];
                    let mut wrote = 0u64;
                    // The test harness ignores SIGPIPE: a closed pipe is EPIPE.
                    while let Ok(n) = writer.write(&block) {
                        wrote += n as u64;
                    }
                    wrote
                });
                (captured, flood)
            })
            .collect();
        let wrote: u64 = floods
            .into_iter()
            .map(|(_captured, flood)| flood.join().unwrap())
            .sum();
        // What was kept of each, the budget, and what each pipe held when it closed.
        let bound = 2 * OUTPUT_CAP as u64 + DRAIN_CAP + 2 * (1 << 20);
        assert!(wrote <= bound, "{wrote} bytes written, bound {bound}");
        assert!(wrote >= DRAIN_CAP, "{wrote} bytes written");
    }
}
