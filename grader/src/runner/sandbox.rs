//! The sandbox of one run, applied in the child between fork and exec, in this order:
//!
//! 0. the run's control groups, where there are any (see `cgroup`), joined while the child may
//!    still write to them;
//! 1. limits of the check (umask, file-size limit, SIGXFSZ ignored), a bound on each process's
//!    address space, and the confinement of every run (its own user under root, a process
//!    limit: see `confine`);
//! 2. no new privileges (PR_SET_NO_NEW_PRIVS): a set-uid program gains nothing;
//! 3. Landlock (see `landlock`): the system read-only, the program, its own folder read-write;
//!    signals and abstract sockets only within the run; no TCP;
//! 4. the check's own seccomp rules (fork made to fail, a full disk);
//! 5. the run's seccomp filter (see `seccomp`): the calls no program of the kit needs fail with
//!    EPERM, and the calls the grader watches are shown to it first (see `trace`). Its listening
//!    descriptor is passed to the grader over a socket before exec.
//!
//! Everything is prepared in the grader (opening paths, building programs: allocation is not
//! allowed after fork in a threaded program); the child only makes system calls.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use super::landlock::{Access, Landlock, Rules};
use super::seccomp::{Action, Filter, Program};

/// What a check asks of a run, besides the sandbox every run gets.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// RLIMIT_FSIZE, in bytes: the largest file the program may write or extend.
    pub max_file_size: Option<u64>,
    /// Start with SIGXFSZ ignored, so that passing the file-size limit is an EFBIG error.
    pub ignore_sigxfsz: bool,
    /// Make fork(2), vfork(2), clone(2) and clone3(2) fail with EAGAIN, to see whether a program
    /// really forks.
    pub forbid_fork: bool,
    /// Make fallocate(2) (posix_fallocate) fail with ENOSPC, as on a full file system.
    pub no_space: bool,
    /// The umask the program starts with.
    pub umask: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_file_size: None,
            ignore_sigxfsz: false,
            forbid_fork: false,
            no_space: false,
            umask: 0o022,
        }
    }
}

/// The largest file a program may write when its check sets no limit: room for every test (the
/// largest file a check copies is 128 MiB), and, with the number of files a check's runs may keep
/// (`trace::MAX_NEW_FILES`), a bound on what one check can do to the grader's disk.
pub const DEFAULT_MAX_FILE: u64 = 256 << 20;

/// The most signals a run's process may queue (and POSIX timers it may make), counted with the
/// others of its user (RLIMIT_SIGPENDING). No program of the kit queues one.
pub const MAX_PENDING_SIGNALS: u64 = 64;

/// The most address space one process of a run may have (RLIMIT_AS): far more than any program of
/// the kit maps (windows of 16 MiB, files of 128 MiB at most), and a bound on the memory a
/// process can take where no cgroup limits the run as a whole (see `cgroup`).
pub const MAX_ADDRESS_SPACE: u64 = 1 << 30;

impl Limits {
    /// The check's own seccomp rules, if it has any.
    fn filter(&self) -> Option<Filter> {
        let mut filter = Filter::new();
        if self.forbid_fork {
            for (nr, _) in super::seccomp::traced()
                .into_iter()
                .filter(|(nr, _)| super::seccomp::creates_process(*nr))
            {
                filter = filter.on(nr, Action::Errno(libc::EAGAIN));
            }
        }
        if self.no_space {
            filter = filter.on(libc::SYS_fallocate, Action::Errno(libc::ENOSPC));
        }
        (self.forbid_fork || self.no_space).then_some(filter)
    }

    /// Applies the limits to the calling process (async-signal-safe).
    fn apply(&self) -> io::Result<()> {
        let bytes = self.max_file_size.unwrap_or(DEFAULT_MAX_FILE);
        let limit = |bytes| libc::rlimit {
            rlim_cur: bytes,
            rlim_max: bytes,
        };
        // SAFETY: plain system calls on this process's own attributes.
        unsafe {
            libc::umask(self.umask);
            check(libc::setrlimit(libc::RLIMIT_FSIZE, &limit(bytes)))?;
            check(libc::setrlimit(libc::RLIMIT_AS, &limit(MAX_ADDRESS_SPACE)))?;
            // No core dumps: the kernel writes them itself, uncounted among the run's files.
            check(libc::setrlimit(libc::RLIMIT_CORE, &limit(0)))?;
            // No memory locked: a locked page of a file the run maps is page cache the kernel
            // can neither drop nor write back, and no process's RssAnon, which an ordinary
            // user's watchdog adds up; RLIMIT_MEMLOCK is a process's, and an ordinary user's run
            // of 250 processes locked 2 GiB at 8 MiB each (red team 9). No program of the kit
            // locks memory.
            check(libc::setrlimit(libc::RLIMIT_MEMLOCK, &limit(0)))?;
            // Queued signals and POSIX timers count against the user's RLIMIT_SIGPENDING, which
            // the caller's limit is checked against: an ordinary user's run queued 70,000 and the
            // user's other programs' timer_create failed (red team 7).
            check(libc::setrlimit(
                libc::RLIMIT_SIGPENDING,
                &limit(MAX_PENDING_SIGNALS),
            ))?;
            if self.ignore_sigxfsz && libc::signal(libc::SIGXFSZ, libc::SIG_IGN) == libc::SIG_ERR {
                return Err(io::Error::last_os_error());
            }
        }
        Ok(())
    }
}

pub(super) fn check(result: libc::c_int) -> io::Result<()> {
    if result < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// A run's sandbox, prepared in the grader before the fork.
pub(super) struct Prepared {
    /// The cgroup.procs of the run's control groups, open for writing (see `cgroup::join`).
    groups: Vec<libc::c_int>,
    confinement: super::confine::Confinement,
    limits: Limits,
    /// RLIMIT_CPU, in seconds: more than the run's time limit, so that it never ends a run
    /// before the time limit does (a process has no threads, so no more CPU time than time), but
    /// bounds a process that the run's end would miss.
    cpu_seconds: u64,
    landlock: Option<Landlock>,
    extra: Option<Program>,
    filter: Program,
    /// The child's end of the socket that carries the filter's listening descriptor.
    sender: Option<OwnedFd>,
}

/// The grader's end: where the listening descriptor arrives.
pub(super) struct Receiver(OwnedFd);

impl Prepared {
    /// Prepares the sandbox for `program` working in `dirs` (its own folder first). With `trace`, the grader is shown the
    /// watched calls (where the kernel allows it).
    pub(super) fn new<'a>(
        program: &Path,
        dirs: impl IntoIterator<Item = &'a std::path::PathBuf>,
        limits: Limits,
        timeout: Duration,
        confinement: super::confine::Confinement,
        groups: Vec<libc::c_int>,
        trace: bool,
    ) -> io::Result<(Prepared, Option<Receiver>)> {
        let mut rules = Rules::system();
        for dir in dirs {
            rules = rules.allow(dir, Access::Own);
        }
        if program.is_absolute() {
            rules = rules.allow(program, Access::ReadExec);
        }
        let landlock = rules.prepare()?;
        let mut filter = Filter::sandbox();
        let trace = trace && tracing_works();
        if trace {
            filter = filter.traced();
        }
        let (sender, receiver) = if trace {
            let (a, b) = socket_pair()?;
            (Some(a), Some(Receiver(b)))
        } else {
            (None, None)
        };
        Ok((
            Prepared {
                groups,
                confinement,
                limits,
                cpu_seconds: timeout.as_secs() + 2,
                landlock,
                extra: limits.filter().map(|f| f.program()),
                filter: filter.program(),
                sender,
            },
            receiver,
        ))
    }

    /// Applies the sandbox to the calling process: runs between fork and exec, so it makes only
    /// async-signal-safe system calls and allocates nothing.
    pub(super) fn apply(&self) -> io::Result<()> {
        super::cgroup::join(&self.groups)?;
        close_inherited_on_exec()?;
        first_for_the_oom_killer();
        self.confinement.apply()?;
        self.limits.apply()?;
        let cpu = libc::rlimit {
            rlim_cur: self.cpu_seconds,
            rlim_max: self.cpu_seconds,
        };
        // SAFETY: sets a limit of this process only, from a struct on the stack.
        check(unsafe { libc::setrlimit(libc::RLIMIT_CPU, &cpu) })?;
        // SAFETY: sets an attribute of this process only.
        check(unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) })?;
        if let Some(landlock) = &self.landlock {
            landlock.restrict_self()?;
        }
        if let Some(extra) = &self.extra {
            extra.install(false)?;
        }
        let listener = self.filter.install(self.sender.is_some())?;
        if let (Some(listener), Some(sender)) = (listener, &self.sender) {
            send_fd(sender.as_raw_fd(), listener)?;
            // SAFETY: our own copy; the grader has its own now.
            unsafe { libc::close(listener) };
        }
        // Last: until exec, this process still has the grader's descriptors, numbered past it.
        let files = libc::rlimit {
            rlim_cur: MAX_OPEN_FILES,
            rlim_max: MAX_OPEN_FILES,
        };
        // SAFETY: sets a limit of this process only, from a struct on the stack.
        check(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &files) })
    }
}

/// The most descriptors a process of a run may have open (RLIMIT_NOFILE). A program of the kit
/// needs a handful. Each open file is kernel memory no process's resident memory shows, and the
/// machine's open files are few: with the grader's own limit (20,000 here), 40 processes of an
/// ordinary user's run held 800,000 of the machine's 2.4 million in empty pipes (red team 8).
pub const MAX_OPEN_FILES: u64 = 64;

/// Makes the calling process (a run, between fork and exec, before it changes user: then its
/// /proc/self is still its own to write) the first the kernel's OOM killer takes: a run without
/// a memory cgroup is bounded per process only (red team 4: 2 GiB for one run of 3 processes),
/// and the killer chose among all of the user's by size, the instructor's browser or the grader
/// as soon as the run. Raising the score needs no privilege; where /proc cannot be written, the
/// run goes on as before (async-signal-safe: open, write, close).
fn first_for_the_oom_killer() {
    // SAFETY: a static path and buffer; the descriptor is this function's and closed here.
    unsafe {
        let fd = libc::open(
            c"/proc/self/oom_score_adj".as_ptr(),
            libc::O_WRONLY | libc::O_CLOEXEC,
        );
        if fd >= 0 {
            libc::write(fd, b"1000".as_ptr().cast(), 4);
            libc::close(fd);
        }
    }
}

impl Receiver {
    /// The filter's listening descriptor, once the child has sent it (it does before exec, so
    /// after a successful spawn it is already there).
    pub(super) fn receive(self, wait: Duration) -> Option<OwnedFd> {
        recv_fd(self.0.as_raw_fd(), wait)
    }
}

/// Marks every descriptor above stderr close-on-exec: whatever the grader itself inherited or
/// holds without that flag (a file open on a secret, a pipe of its caller's) must not reach the
/// program, which could read past Landlock through it. The descriptors the sandbox still needs
/// before exec stay usable until then. Async-signal-safe.
pub(super) fn close_inherited_on_exec() -> io::Result<()> {
    // SAFETY: close_range only changes the flags of this process's own descriptors.
    let r = unsafe {
        libc::syscall(
            libc::SYS_close_range,
            3u32,
            u32::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        )
    };
    if r == 0 {
        return Ok(());
    }
    // Before Linux 5.11: one descriptor at a time, as far as the limit on descriptors goes.
    // SAFETY: getrlimit writes into `limit`; fcntl on a descriptor that is not open fails with
    // EBADF, which changes nothing.
    unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        check(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit))?;
        for fd in 3..limit.rlim_cur.min(1 << 20) as libc::c_int {
            libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
        }
    }
    Ok(())
}

/// Whether this kernel lets the grader watch calls (seccomp user notification, Linux 5.5+ for
/// letting them go on), decided once by trying it on a short-lived child.
pub fn tracing_works() -> bool {
    static WORKS: OnceLock<bool> = OnceLock::new();
    *WORKS.get_or_init(|| {
        use std::os::unix::process::CommandExt;
        let program = Filter::new()
            .on(libc::SYS_getppid, Action::Notify)
            .program();
        let mut probe = std::process::Command::new("/bin/sh");
        probe
            .args(["-c", "exit 0"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        // SAFETY: only system calls, on the child itself (see `Program::install`).
        unsafe {
            probe.pre_exec(move || {
                check(libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))?;
                program.install(true).map(drop)
            })
        };
        probe.status().is_ok_and(|s| s.success())
    })
}

fn socket_pair() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: socketpair writes two descriptors into `fds`.
    check(unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC,
            0,
            fds.as_mut_ptr(),
        )
    })?;
    // SAFETY: two new descriptors that nothing else owns.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Room for one descriptor in a control message, aligned as cmsghdr wants.
#[repr(C, align(8))]
struct ControlBuffer([u8; 64]);

/// A message of one byte (`iov`) with room for a control message of `control_len` bytes.
fn message(iov: &mut libc::iovec, control: &mut ControlBuffer, control_len: usize) -> libc::msghdr {
    // SAFETY: msghdr is plain data, for which zero is "empty".
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.0.as_mut_ptr().cast();
    msg.msg_controllen = control_len as _;
    msg
}

/// Sends descriptor `fd` over the socket `socket` (async-signal-safe: no allocation).
fn send_fd(socket: libc::c_int, fd: libc::c_int) -> io::Result<()> {
    let mut byte = [0u8; 1];
    let mut iov = libc::iovec {
        iov_base: byte.as_mut_ptr().cast(),
        iov_len: 1,
    };
    let mut control = ControlBuffer([0; 64]);
    // SAFETY: msghdr and its buffers live on this stack frame for the call; the CMSG macros
    // compute offsets within `control`, which is large enough for one descriptor.
    unsafe {
        let space = libc::CMSG_SPACE(std::mem::size_of::<libc::c_int>() as u32) as usize;
        let msg = message(&mut iov, &mut control, space);
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        (*cmsg).cmsg_level = libc::SOL_SOCKET;
        (*cmsg).cmsg_type = libc::SCM_RIGHTS;
        (*cmsg).cmsg_len = libc::CMSG_LEN(std::mem::size_of::<libc::c_int>() as u32) as _;
        std::ptr::write_unaligned(libc::CMSG_DATA(cmsg).cast::<libc::c_int>(), fd);
        if libc::sendmsg(socket, &msg, libc::MSG_NOSIGNAL) < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Receives one descriptor from `socket`, waiting at most `wait`.
fn recv_fd(socket: libc::c_int, wait: Duration) -> Option<OwnedFd> {
    let mut poll = libc::pollfd {
        fd: socket,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one pollfd that we own.
    if unsafe { libc::poll(&mut poll, 1, wait.as_millis() as libc::c_int) } <= 0 {
        return None;
    }
    let mut byte = [0u8; 1];
    let mut iov = libc::iovec {
        iov_base: byte.as_mut_ptr().cast(),
        iov_len: 1,
    };
    let mut control = ControlBuffer([0; 64]);
    // SAFETY: as in `send_fd`; the received descriptor is checked to be an SCM_RIGHTS message
    // before it is taken.
    unsafe {
        let mut msg = message(&mut iov, &mut control, 64);
        if libc::recvmsg(socket, &mut msg, libc::MSG_CMSG_CLOEXEC) <= 0 {
            return None;
        }
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        if cmsg.is_null()
            || (*cmsg).cmsg_level != libc::SOL_SOCKET
            || (*cmsg).cmsg_type != libc::SCM_RIGHTS
        {
            return None;
        }
        let fd = std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast::<libc::c_int>());
        Some(OwnedFd::from_raw_fd(fd))
    }
}

/// What the sandbox of a run holds on this machine, a line per mechanism, for the report.
pub fn summary() -> Vec<String> {
    let landlock = super::landlock::abi();
    let refused = super::seccomp::refused_count();
    vec![
        super::landlock::summary(landlock),
        format!(
            "seccomp: no new privileges; {refused} calls refused (io_uring, Linux AIO, splice, \
             copy_file_range, sendfile, ptrace, namespaces, changes of modes and owners, limits, \
             priorities and CPUs of any process but the caller, ...), every socket, threads and \
             processes sharing memory"
        ),
        if tracing_works() {
            "system calls: watched for the whole process tree (seccomp user notification)".into()
        } else {
            "system calls: not watched on this kernel (seccomp user notification, Linux 5.5); \
             the checks that need them are not run and give no points"
                .into()
        },
        if super::confine::is_root() {
            "users: each check's programs run as a uid of their own".into()
        } else {
            "users: programs run as the grader's user (not root); Landlock keeps runs apart".into()
        },
        format!(
            "limits: each process at most {} MiB of address space, each file at most {} MiB, \
             {} new files a test{}; whatever a run leaves behind is killed when it ends",
            MAX_ADDRESS_SPACE >> 20,
            DEFAULT_MAX_FILE >> 20,
            super::trace::MAX_NEW_FILES,
            if tracing_works() {
                ""
            } else {
                " (not counted on this kernel)"
            }
        ),
        super::cgroup::summary(),
        super::disk::summary(),
    ]
}
