//! System-call evidence: the calls that matter (`seccomp::traced`), seen by the grader from
//! outside the program, for its whole process tree, before each one runs.
//!
//! The run's seccomp filter answers those calls with SECCOMP_RET_USER_NOTIF (Linux 5.0; letting
//! the call go on needs 5.5): the kernel stops the calling thread and hands the call, with its
//! arguments, to a thread of the grader that listens on the filter's descriptor. That thread
//! notes the call (and, for a call on a descriptor, which file it is, from /proc), lets an
//! observer look at the stopped process if the check wants to, and lets the call go on. The
//! program cannot hide a call or forge one: the kernel makes the notification, and the filter is
//! inherited by every process and thread it starts. No root and no ptrace are needed.

use std::fmt;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use super::sandbox::Receiver;
use super::seccomp;

/// Most calls kept from one run: past that they are counted, and the run's evidence is void
/// (`Trace::overflowed`), so that a flood of calls can neither fill the grader's memory nor push
/// the evidence out.
const MAX_CALLS: usize = 20_000;
/// Most watched calls a run may make, and most CPU time the grader's thread that answers them
/// may spend on one run: each call waits for that thread, whose CPU is the grader's, outside the
/// run's cgroup and quota (red team 4: 8 processes calling madvise in a loop took 11 s of the
/// grader's CPU in one test). Past either, each process that makes one more is killed
/// (`Trace::over_budget`). A program of this kit makes a few hundred calls, a few tens of
/// milliseconds of the grader's time even on a loaded machine.
pub const MAX_WATCHED_CALLS: u64 = 5 * MAX_CALLS as u64;
/// See `MAX_WATCHED_CALLS`: the answering thread's own CPU time (CLOCK_THREAD_CPUTIME_ID).
pub const MAX_ANSWERING_CPU: Duration = Duration::from_millis(500);
/// Most files (folders, links, in-memory files) a check's runs may have made and keep, all their
/// processes together (see `kept`): with the file-size limit (`sandbox::DEFAULT_MAX_FILE`), a
/// bound on the disk one check can fill. No program of the kit makes more than two a run.
pub const MAX_NEW_FILES: usize = 16;
/// Most bytes of a path kept for a message (the file is known by its device and inode).
const MAX_PATH: usize = 256;
/// How long the listening thread goes on answering once the run is over: processes that are
/// still making calls then are leftovers, about to be killed.
const DRAIN: Duration = Duration::from_millis(200);

/// One system call, as the program made it.
#[derive(Clone, Debug)]
pub struct Call {
    /// The calling thread (its process id for a single-threaded process).
    pub pid: u32,
    pub nr: i64,
    pub name: &'static str,
    pub args: [u64; 6],
    /// The file behind the call's descriptor argument, if it has one.
    pub file: Option<FileRef>,
    /// For calls on an address (msync, madvise, munmap, mremap): the mapping that held it.
    pub region: Option<Region>,
    /// The grader refused the call (EPERM; EAGAIN for a thread): no program of the kit may make it.
    pub refused: bool,
}

/// A file that a descriptor referred to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileRef {
    pub fd: i32,
    pub dev: u64,
    pub ino: u64,
    pub path: String,
    /// The descriptor's open flags (O_RDONLY, O_RDWR, ...), as /proc/PID/fdinfo shows them.
    pub flags: i32,
}

impl FileRef {
    /// Whether the descriptor was opened for reading only.
    pub fn read_only(&self) -> bool {
        self.flags & libc::O_ACCMODE == libc::O_RDONLY
    }

    /// Whether this is the file `file`: the descriptor had its name when the call was made, or
    /// it is the same file (device and inode) as the one the grader made there before the run,
    /// or as the one there now. (A program that renames files around cannot make a call on the
    /// original look like a call on another file.)
    pub fn is(&self, file: &FileId) -> bool {
        use std::os::unix::fs::MetadataExt;
        self.path == file.path.to_string_lossy()
            || file.made == Some((self.dev, self.ino))
            || std::fs::symlink_metadata(&file.path)
                .is_ok_and(|m| m.dev() == self.dev && m.ino() == self.ino)
    }
}

/// A file a check asks about: its path, and (for a file the grader made before the run) the
/// device and inode it had then.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileId {
    pub path: std::path::PathBuf,
    pub made: Option<(u64, u64)>,
}

impl FileId {
    /// A file the grader did not make (the program makes it, or the path alone is known).
    pub fn at(path: &std::path::Path) -> FileId {
        FileId {
            path: path.to_owned(),
            made: None,
        }
    }
}

/// A line of /proc/PID/maps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    pub start: u64,
    pub end: u64,
    /// `rw-s`, `r--p`, ...
    pub perms: String,
    /// The file mapped, `[heap]`, `/dev/zero (deleted)` for shared anonymous memory, or empty.
    pub path: String,
}

impl Region {
    pub fn shared(&self) -> bool {
        self.perms.ends_with('s')
    }
    pub fn writable(&self) -> bool {
        self.perms.as_bytes().get(1) == Some(&b'w')
    }
}

/// The mappings of process `pid` now.
pub fn regions(pid: u32) -> Vec<Region> {
    super::maps_of(pid)
        .lines()
        .filter_map(parse_region)
        .collect()
}

fn parse_region(line: &str) -> Option<Region> {
    let mut fields = line.splitn(6, ' ');
    let (start, end) = fields.next()?.split_once('-')?;
    let perms = fields.next()?.to_owned();
    let path = fields.nth(3).unwrap_or("").trim_start().to_owned();
    Some(Region {
        start: u64::from_str_radix(start, 16).ok()?,
        end: u64::from_str_radix(end, 16).ok()?,
        perms,
        path,
    })
}

/// What a run's system calls showed.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    pub calls: Vec<Call>,
    /// Calls seen but not kept (past `MAX_CALLS`).
    pub dropped: u64,
    /// Whether the grader really listened (the child set up its filter and sent it).
    pub active: bool,
    /// Files, folders and links the run's processes made (or tried to).
    pub new_files: usize,
    /// Of those, the calls that failed with EDQUOT: past `MAX_NEW_FILES` for the check.
    pub files_refused: usize,
    /// Processes killed for a call past `MAX_WATCHED_CALLS` or `MAX_ANSWERING_CPU`.
    pub over_budget: usize,
}

impl Trace {
    /// The calls named `name`.
    pub fn named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Call> + 'a {
        self.calls.iter().filter(move |c| c.name == name)
    }

    /// The calls whose descriptor is the file `file` (see `FileRef::is`).
    pub fn on_file<'a>(&'a self, file: &'a FileId) -> impl Iterator<Item = &'a Call> + 'a {
        self.calls
            .iter()
            .filter(move |c| c.file.as_ref().is_some_and(|f| f.is(file)))
    }

    /// Whether more calls were made than the grader keeps: then what it kept proves nothing
    /// (a flood of harmless calls could hide the others), and the checks that need the calls
    /// fail. A program of this kit makes a few hundred.
    pub fn overflowed(&self) -> bool {
        self.dropped > 0
    }

    /// Keeps a call while there is room; counts the others.
    fn keep(&mut self, call: Call) {
        if self.calls.len() < MAX_CALLS {
            self.calls.push(call);
        } else {
            self.dropped += 1;
        }
    }

    /// The read/write-style calls (read, pread64, readv, write, ...) on the file `file`.
    pub fn data_calls_on<'a>(&'a self, file: &'a FileId) -> impl Iterator<Item = &'a Call> + 'a {
        self.on_file(file).filter(|c| c.moves_data())
    }

    /// Whether the run made more watched calls, or cost the grader more time answering them,
    /// than a run may (`MAX_WATCHED_CALLS`, `MAX_ANSWERING_CPU`).
    pub fn made_too_many_calls(&self) -> bool {
        self.over_budget > 0
    }

    /// Whether the run tried to make more files than its check may keep (`MAX_NEW_FILES`).
    pub fn made_too_many_files(&self) -> bool {
        self.files_refused > 0
    }

    /// The calls the grader refused.
    pub fn refused(&self) -> impl Iterator<Item = &Call> {
        self.calls.iter().filter(|c| c.refused)
    }

    /// How many processes other than `pid` made a watched call (every process that exits on its
    /// own does: exit_group is watched). Unlike the calls to clone, which are seen before they
    /// run and may fail, these processes existed.
    pub fn processes_besides(&self, pid: u32) -> usize {
        let mut pids: Vec<u32> = self
            .calls
            .iter()
            .map(|c| c.pid)
            .filter(|p| *p != pid)
            .collect();
        pids.sort_unstable();
        pids.dedup();
        pids.len()
    }

    /// The processes (and threads) the run created, as calls to clone, fork, ...
    pub fn process_creations(&self) -> impl Iterator<Item = &Call> {
        self.calls
            .iter()
            .filter(|c| seccomp::creates_process(c.nr) && !c.makes_thread())
    }
}

impl Call {
    /// read(2)/write(2)-style: the call itself carries file data.
    pub fn moves_data(&self) -> bool {
        self.name.starts_with("read")
            || self.name.starts_with("pread")
            || self.name.starts_with("write")
            || self.name.starts_with("pwrite")
    }

    /// A clone that makes a thread, not a process (clone3's flags are behind a pointer and not
    /// read: a clone3 counts as a process).
    pub fn makes_thread(&self) -> bool {
        self.name == "clone" && self.args[0] & libc::CLONE_THREAD as u64 != 0
    }

    pub fn mmap_len(&self) -> u64 {
        self.args[1]
    }
    pub fn mmap_prot(&self) -> i32 {
        self.args[2] as i32
    }
    pub fn mmap_flags(&self) -> i32 {
        self.args[3] as i32
    }
    pub fn mmap_offset(&self) -> u64 {
        self.args[5]
    }
    /// MAP_SHARED (or MAP_SHARED_VALIDATE), as opposed to MAP_PRIVATE.
    pub fn mmap_shared(&self) -> bool {
        matches!(
            self.mmap_flags() & 0xf,
            libc::MAP_SHARED | libc::MAP_SHARED_VALIDATE
        )
    }
    pub fn mmap_anonymous(&self) -> bool {
        self.mmap_flags() & libc::MAP_ANONYMOUS != 0
    }
}

/// Flag names, for showing a call as strace would.
fn flag_names(value: i64, names: &[(i64, &str)], zero: &str) -> String {
    if value == 0 {
        return zero.to_owned();
    }
    let mut left = value;
    let mut parts = Vec::new();
    for &(bit, name) in names {
        if bit != 0 && left & bit == bit {
            parts.push(name.to_owned());
            left &= !bit;
        }
    }
    if left != 0 {
        parts.push(format!("{left:#x}"));
    }
    parts.join("|")
}

const PROTS: &[(i64, &str)] = &[
    (libc::PROT_READ as i64, "PROT_READ"),
    (libc::PROT_WRITE as i64, "PROT_WRITE"),
    (libc::PROT_EXEC as i64, "PROT_EXEC"),
];

const MAP_FLAGS: &[(i64, &str)] = &[
    (libc::MAP_SHARED_VALIDATE as i64, "MAP_SHARED_VALIDATE"),
    (libc::MAP_SHARED as i64, "MAP_SHARED"),
    (libc::MAP_PRIVATE as i64, "MAP_PRIVATE"),
    (libc::MAP_FIXED as i64, "MAP_FIXED"),
    (libc::MAP_ANONYMOUS as i64, "MAP_ANONYMOUS"),
    (libc::MAP_NORESERVE as i64, "MAP_NORESERVE"),
    (libc::MAP_POPULATE as i64, "MAP_POPULATE"),
    (libc::MAP_STACK as i64, "MAP_STACK"),
    (libc::MAP_FIXED_NOREPLACE as i64, "MAP_FIXED_NOREPLACE"),
    (libc::MAP_GROWSDOWN as i64, "MAP_GROWSDOWN"),
];

const MS_FLAGS: &[(i64, &str)] = &[
    (libc::MS_ASYNC as i64, "MS_ASYNC"),
    (libc::MS_SYNC as i64, "MS_SYNC"),
    (libc::MS_INVALIDATE as i64, "MS_INVALIDATE"),
];

impl fmt::Display for Call {
    /// The call as strace shows it: `mmap(NULL, 4096, PROT_READ, MAP_SHARED, 3</tmp/f>, 0)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.args;
        let fd = |n: u64| match &self.file {
            Some(file) => format!("{}<{}>", file.fd, file.path),
            None => (n as i32).to_string(),
        };
        let addr = |p: u64| {
            if p == 0 {
                "NULL".to_owned()
            } else {
                format!("{p:#x}")
            }
        };
        match self.name {
            "mmap" => write!(
                f,
                "mmap({}, {}, {}, {}, {}, {})",
                addr(a[0]),
                a[1],
                flag_names(a[2] as i64, PROTS, "PROT_NONE"),
                flag_names(a[3] as i64 & 0xffff_ffff, MAP_FLAGS, "0"),
                if self.mmap_anonymous() {
                    (a[4] as i32).to_string()
                } else {
                    fd(a[4])
                },
                a[5]
            ),
            "msync" => write!(
                f,
                "msync({}, {}, {})",
                addr(a[0]),
                a[1],
                flag_names(a[2] as i64, MS_FLAGS, "0")
            ),
            "munmap" | "madvise" => write!(f, "{}({}, {}, {})", self.name, addr(a[0]), a[1], a[2]),
            "ftruncate" | "fallocate" => write!(f, "{}({}, {}, ...)", self.name, fd(a[0]), a[1]),
            name if self.moves_data() => {
                write!(f, "{name}({}, {}, {})", fd(a[0]), addr(a[1]), a[2])
            }
            name => write!(f, "{name}({:#x}, {:#x}, ...)", a[0], a[1]),
        }
    }
}

/// Looks at a call while the calling thread is stopped (for example, reads its memory with
/// `evidence::read_memory`). Runs on the grader's listening thread: it must be quick.
pub type Observer = Box<dyn FnMut(&Call) + Send>;

/// The grader's listening thread for one run.
pub(super) struct Supervisor {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<Trace>,
}

impl Supervisor {
    /// Starts listening, before the program is started: the filter's descriptor arrives from the
    /// child just before it execs, and from then on every watched call waits for this thread
    /// (even the write(2) with which a failed exec reports its error).
    /// The run's new files count against `files`, its check's; the mappings it makes are noted
    /// in `mapped`, where a watchdog adds up its memory.
    pub(super) fn start(
        receiver: Receiver,
        mut observer: Option<Observer>,
        files: super::kept::CheckFiles,
        mapped: Option<Arc<super::memory::Mapped>>,
    ) -> Supervisor {
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let handle = std::thread::spawn(move || {
            let mut trace = Trace::default();
            // The child sends it before exec, or closes its end by failing.
            let Some(listener) = receiver.receive(Duration::from_secs(30)) else {
                return trace;
            };
            trace.active = true;
            // The grader's own exec of the program is the only one a run may make.
            let mut exec_seen = false;
            let mut stop_at = None;
            loop {
                if stop_at.is_none() && stopping.load(Ordering::Acquire) {
                    stop_at = Some(std::time::Instant::now() + DRAIN);
                }
                if stop_at.is_some_and(|at| std::time::Instant::now() >= at) {
                    break;
                }
                match next_call(&listener) {
                    Next::Call(id, call)
                        if trace.calls.len() as u64 + trace.dropped >= MAX_WATCHED_CALLS
                            || own_cpu_time() >= MAX_ANSWERING_CPU =>
                    {
                        // The call waits while its process is killed: it never runs.
                        kill_caller(&listener, id, call.pid);
                        trace.over_budget += 1;
                    }
                    Next::Call(id, mut call) => {
                        if call.name == "execve" {
                            call.refused = exec_seen;
                            exec_seen = true;
                        }
                        if let Some(look) = observer.as_mut() {
                            look(&call);
                        }
                        let mut error = call
                            .refused
                            .then(|| seccomp::refusal(call.nr, &call.args).unwrap_or(libc::EPERM));
                        if seccomp::makes_files().iter().any(|(nr, _)| *nr == call.nr) {
                            trace.new_files += 1;
                            if !files.one_more() {
                                trace.files_refused += 1;
                                error = Some(libc::EDQUOT);
                            }
                        }
                        if let Some(mapped) = mapped.as_ref()
                            && error.is_none()
                            && call.name == "mmap"
                        {
                            mapped.note(&call);
                        }
                        trace.keep(call);
                        answer(&listener, id, error);
                    }
                    Next::Idle if stop_at.is_some() => break,
                    Next::Idle | Next::Gone => {}
                    Next::Closed => break,
                }
            }
            trace
        });
        Supervisor { stop, handle }
    }

    /// Stops listening (the run's processes are gone) and returns what was seen. Calls still
    /// waiting then fail with ENOSYS, as the kernel does when the listener closes.
    pub(super) fn finish(self) -> Trace {
        self.stop.store(true, Ordering::Release);
        self.handle.join().unwrap_or_default()
    }
}

enum Next {
    Call(u64, Call),
    /// Nothing within the poll period.
    Idle,
    /// A notification whose caller died before it could be read.
    Gone,
    /// Every process under the filter has exited.
    Closed,
}

fn next_call(listener: &OwnedFd) -> Next {
    let fd = listener.as_raw_fd();
    let mut poll = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one pollfd that we own, for the duration of the call.
    let ready = unsafe { libc::poll(&mut poll, 1, 20) };
    if ready <= 0 {
        return Next::Idle;
    }
    if poll.revents & libc::POLLIN == 0 {
        return if poll.revents & libc::POLLHUP != 0 {
            Next::Closed
        } else {
            Next::Idle
        };
    }
    // SAFETY: seccomp_notif is plain data; the kernel wants it zeroed before RECV.
    let mut notif: libc::seccomp_notif = unsafe { std::mem::zeroed() };
    // SAFETY: RECV writes one seccomp_notif into `notif`, which we own.
    if unsafe { libc::ioctl(fd, libc::SECCOMP_IOCTL_NOTIF_RECV, &mut notif) } < 0 {
        return Next::Gone;
    }
    let nr = notif.data.nr as i64;
    let name = seccomp::name_of(nr);
    let mut call = Call {
        pid: notif.pid,
        nr,
        name,
        args: notif.data.args,
        file: None,
        region: None,
        refused: seccomp::refuses(nr, &notif.data.args),
    };
    let fd_arg = match name {
        "mmap" if !call.mmap_anonymous() => Some(call.args[4] as i32),
        "mmap" => None,
        _ if call.moves_data() || name == "ftruncate" || name == "fallocate" => {
            Some(call.args[0] as i32)
        }
        _ => None,
    };
    call.file = fd_arg.and_then(|fd| file_of(notif.pid, fd));
    if matches!(name, "msync" | "madvise" | "munmap" | "mremap") {
        let addr = call.args[0];
        call.region = regions(notif.pid)
            .into_iter()
            .find(|r| r.start <= addr && addr < r.end)
            .map(|mut r| {
                cap(&mut r.path);
                r
            });
    }
    // What was read from /proc is the caller's only if the notification is still pending (the
    // process id was not reused meanwhile).
    // SAFETY: ID_VALID reads one u64 that we own.
    if unsafe { libc::ioctl(fd, libc::SECCOMP_IOCTL_NOTIF_ID_VALID, &notif.id) } < 0 {
        return Next::Gone;
    }
    Next::Call(notif.id, call)
}

/// The CPU time of the calling thread (the one that answers a run's calls, or a watchdog).
pub(super) fn own_cpu_time() -> Duration {
    let mut time = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec that we own.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut time) };
    Duration::new(time.tv_sec as u64, time.tv_nsec as u32)
}

/// Kills the process that made the pending call `id`: through a pidfd opened while the call was
/// still pending, so that a pid reused meanwhile is never signalled.
fn kill_caller(listener: &OwnedFd, id: u64, pid: u32) {
    // SAFETY: pidfd_open only creates a descriptor, closed below.
    let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) } as i32;
    if pidfd < 0 {
        return;
    }
    // SAFETY: ID_VALID reads one u64 that we own; pidfd_send_signal signals the process the
    // pidfd refers to, the caller (the call was still pending once the pidfd was open); `pidfd`
    // is ours and closed once.
    unsafe {
        if libc::ioctl(
            listener.as_raw_fd(),
            libc::SECCOMP_IOCTL_NOTIF_ID_VALID,
            &id,
        ) == 0
        {
            let none: *const libc::siginfo_t = std::ptr::null();
            libc::syscall(libc::SYS_pidfd_send_signal, pidfd, libc::SIGKILL, none, 0);
        }
        libc::close(pidfd);
    }
}

/// Lets the stopped call go on, as the program made it, or makes it fail with `error`.
fn answer(listener: &OwnedFd, id: u64, error: Option<i32>) {
    let mut response = libc::seccomp_notif_resp {
        id,
        val: 0,
        error: error.map_or(0, |e| -e),
        flags: if error.is_some() {
            0
        } else {
            libc::SECCOMP_USER_NOTIF_FLAG_CONTINUE as u32
        },
    };
    // SAFETY: SEND reads one seccomp_notif_resp that we own; a caller that died meanwhile makes
    // it fail with ENOENT, which changes nothing.
    unsafe {
        libc::ioctl(
            listener.as_raw_fd(),
            libc::SECCOMP_IOCTL_NOTIF_SEND,
            &mut response,
        )
    };
}

/// Cuts a path kept for messages to `MAX_PATH` bytes.
fn cap(path: &mut String) {
    if path.len() > MAX_PATH {
        let mut end = MAX_PATH;
        while !path.is_char_boundary(end) {
            end -= 1;
        }
        path.truncate(end);
    }
}

/// The file behind descriptor `fd` of thread `pid`.
fn file_of(pid: u32, fd: i32) -> Option<FileRef> {
    use std::os::unix::fs::MetadataExt;
    if fd < 0 {
        return None;
    }
    let link = format!("/proc/{pid}/fd/{fd}");
    let meta = std::fs::metadata(&link).ok()?;
    let mut path = std::fs::read_link(&link)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    cap(&mut path);
    let flags = std::fs::read_to_string(format!("/proc/{pid}/fdinfo/{fd}"))
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("flags:"))
                .and_then(|v| i32::from_str_radix(v.trim(), 8).ok())
        })
        .unwrap_or(0);
    Some(FileRef {
        fd,
        dev: meta.dev(),
        ino: meta.ino(),
        path,
        flags,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_read_as_strace_shows_them() {
        let call = Call {
            pid: 1,
            nr: libc::SYS_mmap,
            name: "mmap",
            args: [
                0,
                1 << 40,
                libc::PROT_READ as u64,
                libc::MAP_SHARED as u64,
                3,
                0,
            ],
            file: None,
            region: None,
            refused: false,
        };
        assert_eq!(
            call.to_string(),
            "mmap(NULL, 1099511627776, PROT_READ, MAP_SHARED, 3, 0)"
        );
    }

    #[test]
    fn maps_lines_parse() {
        let r = parse_region(
            "7f00a000-7f00b000 rw-s 00000000 00:01 1234                       /dev/zero (deleted)",
        )
        .unwrap();
        assert_eq!((r.start, r.end), (0x7f00a000, 0x7f00b000));
        assert!(r.shared() && r.writable());
        assert_eq!(r.path, "/dev/zero (deleted)");
        let anon = parse_region("7f00a000-7f00b000 rw-p 00000000 00:00 0 ").unwrap();
        assert_eq!(anon.path, "");
        assert!(!anon.shared());
    }
}
