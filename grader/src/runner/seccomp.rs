//! The seccomp filter of a run: which system calls fail with an error, and which are shown to the
//! grader before they run (`trace`). Built in the grader, installed in the child between fork and
//! exec; it stays in force across exec and in every process the program starts.

use std::io;

/// `[(libc::SYS_name as i64, "name"), ...]`.
macro_rules! calls {
    ($($name:ident),* $(,)?) => {
        vec![$((sys::$name, stringify!($name))),*]
    };
}

/// The system call numbers by name (libc's `SYS_*` without the prefix).
#[allow(non_upper_case_globals)]
mod sys {
    macro_rules! numbers {
        ($($name:ident => $sys:ident),* $(,)?) => { $(pub const $name: i64 = libc::$sys as i64;)* };
    }
    numbers! {
        io_uring_setup => SYS_io_uring_setup, io_uring_enter => SYS_io_uring_enter,
        io_uring_register => SYS_io_uring_register, splice => SYS_splice, vmsplice => SYS_vmsplice,
        tee => SYS_tee, copy_file_range => SYS_copy_file_range, sendfile => SYS_sendfile,
        process_vm_readv => SYS_process_vm_readv, process_vm_writev => SYS_process_vm_writev,
        ptrace => SYS_ptrace, mount => SYS_mount, umount2 => SYS_umount2, unshare => SYS_unshare,
        setns => SYS_setns, keyctl => SYS_keyctl, add_key => SYS_add_key,
        request_key => SYS_request_key, bpf => SYS_bpf, perf_event_open => SYS_perf_event_open,
        userfaultfd => SYS_userfaultfd, pidfd_getfd => SYS_pidfd_getfd,
        mmap => SYS_mmap, munmap => SYS_munmap, mremap => SYS_mremap, msync => SYS_msync, madvise => SYS_madvise,
        clone => SYS_clone, clone3 => SYS_clone3, ftruncate => SYS_ftruncate,
        fallocate => SYS_fallocate, read => SYS_read, pread64 => SYS_pread64, readv => SYS_readv,
        preadv => SYS_preadv, preadv2 => SYS_preadv2, write => SYS_write,
        pwrite64 => SYS_pwrite64, writev => SYS_writev, pwritev => SYS_pwritev,
        pwritev2 => SYS_pwritev2, socket => SYS_socket, prctl => SYS_prctl, ioctl => SYS_ioctl,
        io_setup => SYS_io_setup, io_destroy => SYS_io_destroy, io_submit => SYS_io_submit,
        io_cancel => SYS_io_cancel, io_getevents => SYS_io_getevents,
        process_madvise => SYS_process_madvise,
        name_to_handle_at => SYS_name_to_handle_at, open_by_handle_at => SYS_open_by_handle_at,
        execve => SYS_execve, execveat => SYS_execveat, fchmod => SYS_fchmod,
        fchmodat => SYS_fchmodat, fchmodat2 => SYS_fchmodat2, fchown => SYS_fchown,
        fchownat => SYS_fchownat, utimensat => SYS_utimensat, setxattr => SYS_setxattr,
        lsetxattr => SYS_lsetxattr, fsetxattr => SYS_fsetxattr, removexattr => SYS_removexattr,
        lremovexattr => SYS_lremovexattr, fremovexattr => SYS_fremovexattr,
        setpgid => SYS_setpgid, setsid => SYS_setsid, openat => SYS_openat,
        openat2 => SYS_openat2, mkdirat => SYS_mkdirat, mknodat => SYS_mknodat, symlinkat => SYS_symlinkat,
        linkat => SYS_linkat, memfd_create => SYS_memfd_create, shmget => SYS_shmget,
        shmat => SYS_shmat, shmctl => SYS_shmctl, msgget => SYS_msgget, msgsnd => SYS_msgsnd,
        msgrcv => SYS_msgrcv, msgctl => SYS_msgctl, semget => SYS_semget, semop => SYS_semop,
        semtimedop => SYS_semtimedop, semctl => SYS_semctl, bind => SYS_bind,
        memfd_secret => SYS_memfd_secret, renameat2 => SYS_renameat2, exit_group => SYS_exit_group,
        inotify_init1 => SYS_inotify_init1, fanotify_init => SYS_fanotify_init,
        epoll_create1 => SYS_epoll_create1, eventfd2 => SYS_eventfd2, flock => SYS_flock,
        timerfd_create => SYS_timerfd_create, signalfd4 => SYS_signalfd4,
        prlimit64 => SYS_prlimit64, setpriority => SYS_setpriority,
        sched_setaffinity => SYS_sched_setaffinity, sched_setscheduler => SYS_sched_setscheduler,
        sched_setparam => SYS_sched_setparam, sched_setattr => SYS_sched_setattr,
        ioprio_set => SYS_ioprio_set, migrate_pages => SYS_migrate_pages,
        move_pages => SYS_move_pages, get_robust_list => SYS_get_robust_list, kcmp => SYS_kcmp,
        pidfd_open => SYS_pidfd_open, process_mrelease => SYS_process_mrelease, fcntl => SYS_fcntl,
        kill => SYS_kill, socketpair => SYS_socketpair, connect => SYS_connect,
        landlock_create_ruleset => SYS_landlock_create_ruleset,
        landlock_add_rule => SYS_landlock_add_rule,
        landlock_restrict_self => SYS_landlock_restrict_self, syslog => SYS_syslog,
        seccomp => SYS_seccomp, mq_open => SYS_mq_open, mq_unlink => SYS_mq_unlink,
        mq_timedsend => SYS_mq_timedsend, mq_timedreceive => SYS_mq_timedreceive,
        mq_notify => SYS_mq_notify, mq_getsetattr => SYS_mq_getsetattr,
    }
    #[cfg(target_arch = "x86_64")]
    numbers! {
        fork => SYS_fork, vfork => SYS_vfork, chmod => SYS_chmod, chown => SYS_chown,
        lchown => SYS_lchown, utime => SYS_utime, utimes => SYS_utimes, futimesat => SYS_futimesat,
        open => SYS_open, creat => SYS_creat, mkdir => SYS_mkdir, mknod => SYS_mknod,
        symlink => SYS_symlink, link => SYS_link, rename => SYS_rename, renameat => SYS_renameat,
        inotify_init => SYS_inotify_init, epoll_create => SYS_epoll_create,
        eventfd => SYS_eventfd, signalfd => SYS_signalfd,
    }
}

/// What the filter does with one system call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Fails with this errno; the program sees an ordinary error.
    Errno(i32),
    /// Stops the calling thread until the grader has looked at the call (see `trace`).
    Notify,
}

/// A rule: the call, an optional condition on one of its arguments, and the action.
#[derive(Clone, Copy, Debug)]
struct Rule {
    nr: i64,
    /// `Some((index, test))`: the rule applies only when the low 32 bits of argument `index` pass
    /// the test.
    arg: Option<(u32, ArgTest)>,
    action: Action,
    /// A refusal that the grader makes itself when it watches the run (`Filter::traced`), so
    /// that it can name the call to the student.
    named: bool,
}

/// A test of a call's argument (its low 32 bits: every argument tested is an int, a pid or a
/// flag word, of which the kernel reads no more).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgTest {
    Equals(u32),
    /// Anything but this value.
    Differs(u32),
    /// Has any of these bits.
    AnyOf(u32),
    /// These bits, masked, are exactly `value`.
    Masked {
        mask: u32,
        value: u32,
    },
    /// None of these values (an allowlist: the rule applies to every other value).
    NoneOf(&'static [u32]),
}

impl ArgTest {
    /// Whether `arg` passes the test, as the filter decides it.
    fn holds(self, arg: u64) -> bool {
        let low = arg as u32;
        match self {
            ArgTest::Equals(v) => low == v,
            ArgTest::Differs(v) => low != v,
            ArgTest::AnyOf(bits) => low & bits != 0,
            ArgTest::Masked { mask, value } => low & mask == value,
            ArgTest::NoneOf(values) => !values.contains(&low),
        }
    }
}

/// A call refused only when argument `index` passes `test`.
#[derive(Clone, Copy, Debug)]
pub struct Refusal {
    pub nr: i64,
    pub name: &'static str,
    pub index: u32,
    pub test: ArgTest,
}

/// A seccomp program under construction.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    rules: Vec<Rule>,
}

/// The calls that move file data without a mapping, or reach outside the run, and that no
/// program of this kit needs: each fails with EPERM. (Syscall numbers that an architecture does
/// not have are left out by `calls!`.)
pub fn denied() -> Vec<(i64, &'static str)> {
    let mut calls = calls![
        io_uring_setup,
        io_uring_enter,
        io_uring_register,
        splice,
        vmsplice,
        tee,
        copy_file_range,
        sendfile,
        mount,
        umount2,
        unshare,
        setns,
        keyctl,
        add_key,
        request_key,
        bpf,
        perf_event_open,
        userfaultfd,
        io_setup,
        io_destroy,
        io_submit,
        io_cancel,
        io_getevents,
        name_to_handle_at,
        open_by_handle_at,
        execveat,
        fchmod,
        fchmodat,
        fchmodat2,
        fchown,
        fchownat,
        utimensat,
        setxattr,
        lsetxattr,
        fsetxattr,
        removexattr,
        lremovexattr,
        fremovexattr,
        // A run's processes stay in its process group: the group is how a run is stopped, and
        // where no cgroup is, how its memory is added up (`memory`).
        setpgid,
        setsid,
        // System V IPC: segments, queues and semaphores outlive the run (and its user) and hold
        // memory no cgroup of the run accounts for; one run could pass state to a later one.
        shmget,
        shmat,
        shmctl,
        msgget,
        msgsnd,
        msgrcv,
        msgctl,
        semget,
        semop,
        semtimedop,
        semctl,
        // POSIX message queues outlive the run too, and the kernel makes a queue before Landlock
        // refuses to open it: runs left theirs behind, one took all 256 of the machine's, and a
        // queue's being there passes a bit from one run to a later one (red team 11).
        mq_open,
        mq_unlink,
        mq_timedsend,
        mq_timedreceive,
        mq_notify,
        mq_getsetattr,
        // bind(2) on a socketpair's socket makes a socket file, which no count of files sees.
        bind,
        // connect(2) by path reaches a socket outside the run (Landlock has no right for it).
        connect,
        // No socket of any kind (socket(2) is refused below): a pair's datagram socket sent to
        // any datagram socket by path (red team 3), and a stream pair's buffers held memory no
        // watchdog of an ordinary user's run sees, 1 GiB a run in thousands of pairs (red team
        // 6). No program of the kit needs one.
        socketpair,
        // An in-memory file's pages are no process's resident memory until mapped: an ordinary
        // user's run held 1.9 GiB in memfds written and kept open, past the watchdog that adds
        // up its memory (red team 6). No program of the kit makes one.
        memfd_create,
        memfd_secret,
        // A user's inotify instances are few (128) and shared by all of its processes: an
        // ordinary user's run could hold them all while it runs, and the user's editors and file
        // watchers would get none (red team 5). fanotify watches files a run may read as other
        // processes use them. No program of the kit watches files.
        inotify_init1,
        fanotify_init,
        // Descriptors whose kernel memory is no process's: an ordinary user's run added 3000
        // eventfds to each of 2000 epoll instances, all of the user's epoll watches (about 1 GiB
        // of the kernel's), and the user's other programs' epoll_ctl failed (red team 7).
        // No program of the kit waits on events.
        epoll_create1,
        eventfd2,
        timerfd_create,
        signalfd4,
        // A file lock is kernel memory that no memory cgroup is charged for: a run held 3.8
        // million read locks on bytes of the system's files, 700 MiB, as root too (red team 8).
        // fcntl's locks are refused by command (`refused_uses`). No program of the kit locks.
        flock,
        // A Landlock rule is kernel memory no process's resident memory shows: an ordinary
        // user's run held 10 million rules, 640 MiB, in rulesets it made and kept open (red team
        // 9). A run is under the grader's Landlock already (made before this filter); no program
        // of the kit adds its own.
        landlock_create_ruleset,
        landlock_add_rule,
        landlock_restrict_self,
        // The kernel's log, which a process without a capability may read where
        // kernel.dmesg_restrict is 0 (red team 10): other processes' and users' messages (the
        // OOM killer's reports name them). No program of the kit reads it.
        syslog,
    ];
    calls.extend(on_other_processes());
    // Landlock has no right for a file's mode, owner, times or attributes: the program may
    // change none, anywhere. (The older calls exist only on x86-64.)
    #[cfg(target_arch = "x86_64")]
    calls.extend(calls![
        chmod,
        chown,
        lchown,
        utime,
        utimes,
        futimesat,
        inotify_init,
        epoll_create,
        eventfd,
        signalfd
    ]);
    calls
}

/// The calls whose only use is to act on another process (read or write its memory, trace it,
/// compare its files, take a descriptor of it or of its files, release or advise its memory):
/// refused whatever their arguments. (Signals are kept within the run by
/// Landlock and, under root, the run's own uid: see README, "Security model".)
pub fn on_other_processes() -> Vec<(i64, &'static str)> {
    calls![
        process_vm_readv,
        process_vm_writev,
        ptrace,
        pidfd_open,
        pidfd_getfd,
        process_madvise,
        process_mrelease,
        kcmp,
    ]
}

/// The calls that act on the caller, or on another process, a process group or all of a
/// user's processes, by their arguments: refused (EPERM) unless they name the caller itself.
/// The kernel lets a process change the limits, priority and CPUs of any other of its user's
/// (and a run of an ordinary user's grader has the grader's user): one prlimit on the grader's
/// RLIMIT_CPU or RLIMIT_FSIZE has the kernel kill it. The C library's own uses pass 0 for "the
/// caller" (getrlimit, setrlimit, nice, sched_getaffinity reads only).
pub fn refused_on_others() -> Vec<Refusal> {
    let refusal = |(nr, name): (i64, &'static str), index: u32, test: ArgTest| Refusal {
        nr,
        name,
        index,
        test,
    };
    let mut refusals = Vec::new();
    // A pid first, 0 for the caller.
    for call in calls![
        prlimit64,
        sched_setaffinity,
        sched_setscheduler,
        sched_setparam,
        sched_setattr,
        migrate_pages,
        move_pages,
        get_robust_list,
    ] {
        refusals.push(refusal(call, 0, ArgTest::Differs(0)));
    }
    // setpriority(which, who, prio) and ioprio_set(which, who, prio): only the calling process
    // (PRIO_PROCESS, IOPRIO_WHO_PROCESS), as 0; never a process group or a user.
    for (call, process) in [
        (calls![setpriority][0], libc::PRIO_PROCESS as _),
        (calls![ioprio_set][0], IOPRIO_WHO_PROCESS),
    ] {
        refusals.push(refusal(call, 0, ArgTest::Differs(process)));
        refusals.push(refusal(call, 1, ArgTest::Differs(0)));
    }
    // kill(2) to a process group (-pgid) or to every process the caller may signal (-1): a run
    // signals the processes it made, by pid. (Signals by pid are kept within the run by
    // Landlock's signal scope and, under root, the run's own uid: see README, "Security model".)
    refusals.push(refusal(calls![kill][0], 0, ArgTest::AnyOf(1 << 31)));
    // Who receives SIGIO and SIGURG for a descriptor: a signal to any process or group, sent by
    // the kernel. No program of the kit asks for these signals.
    for command in [libc::F_SETOWN as u32, F_SETOWN_EX] {
        refusals.push(refusal(calls![fcntl][0], 1, ArgTest::Equals(command)));
    }
    // ioctl(2)'s FIOSETOWN, SIOCSPGRP and TIOCSPGRP do the same, and a terminal's foreground
    // group: refused with every request but a few (`ALLOWED_IOCTLS`, see `refused_uses`).
    refusals
}

/// The calls refused (EPERM) for some of their arguments only, because those uses reach past the
/// run or past its bounds; the others are ordinary and stay allowed.
pub fn refused_uses() -> Vec<Refusal> {
    let refusal = |(nr, name): (i64, &'static str), index: u32, test: ArgTest| Refusal {
        nr,
        name,
        index,
        test,
    };
    vec![
        // fallocate(fd, mode, ...) with a mode: FALLOC_FL_KEEP_SIZE reserves blocks past the
        // end of the file, which RLIMIT_FSIZE does not bound (gigabytes of disk for an empty
        // file); the others punch, zero, collapse or insert ranges, which no program of the kit
        // needs. posix_fallocate passes mode 0.
        refusal(calls![fallocate][0], 1, ArgTest::Differs(0)),
        // ioctl(fd, request, ...): only the requests of `ALLOWED_IOCTLS`. File systems keep
        // adding requests that make blocks, names or keys no count of the grader's sees (red
        // team 5: FS_IOC_RESVSP64 reserved 1 GiB past the end of an empty file, fallocate's
        // KEEP_SIZE by another door; btrfs snapshots brought files under new names and left
        // read-only folders nobody could remove; fscrypt's FS_IOC_ADD_ENCRYPTION_KEY left a key
        // in the file system's keyring after the grader); reflinks copy data with no mapping.
        refusal(calls![ioctl][0], 1, ArgTest::NoneOf(ALLOWED_IOCTLS)),
        // mmap(addr, len, prot, flags, ...) of huge pages: they come from a pool the machine
        // keeps for its own programs, and show in no resident memory an ordinary user's
        // watchdog adds up (red team 12). No program of the kit asks for them.
        refusal(calls![mmap][0], 3, ArgTest::AnyOf(libc::MAP_HUGETLB as u32)),
    ]
    .into_iter()
    .chain(FCNTL_REFUSED.map(|command| refusal(calls![fcntl][0], 1, ArgTest::Equals(command))))
    // A filter of the run's own (seccomp's SECCOMP_SET_MODE_STRICT and SECCOMP_SET_MODE_FILTER;
    // prctl's PR_SET_SECCOMP is not in `ALLOWED_PRCTLS`) is kernel memory no process's resident
    // memory shows, a BPF program the kernel compiles: an ordinary user's run stacked 114,000,
    // 666 MiB (red team 11). No program of the kit filters its calls.
    .chain([0, 1].map(|mode| refusal(calls![seccomp][0], 0, ArgTest::Equals(mode))))
    // prctl(option, ...): only the options of `ALLOWED_PRCTLS`.
    .chain([refusal(
        calls![prctl][0],
        0,
        ArgTest::NoneOf(ALLOWED_PRCTLS),
    )])
    .collect()
}

/// The prctl options a run may give: what the C library and Rust's standard library may ask (a
/// thread's name, the parent-death signal, reads of the process's own settings, names of
/// anonymous mappings); the kit's reference programs give none. Linux keeps adding options that
/// make kernel objects of a process's own, as it adds system calls (PR_FUTEX_HASH, Linux 6.16: a
/// futex table of 64 MiB to 1 GiB in one call, 1 GiB in one run of an ordinary user's, red team
/// 11), and PR_SET_DUMPABLE would hide a run's processes from the grader's /proc reads.
const ALLOWED_PRCTLS: &[u32] = &[
    1,           // PR_SET_PDEATHSIG
    2,           // PR_GET_PDEATHSIG
    3,           // PR_GET_DUMPABLE
    7,           // PR_GET_KEEPCAPS
    15,          // PR_SET_NAME
    16,          // PR_GET_NAME
    21,          // PR_GET_SECCOMP
    23,          // PR_CAPBSET_READ
    30,          // PR_GET_TIMERSLACK
    39,          // PR_GET_NO_NEW_PRIVS
    40,          // PR_GET_TID_ADDRESS
    42,          // PR_GET_THP_DISABLE
    52,          // PR_GET_SPECULATION_CTRL
    0x5356_4d41, // PR_SET_VMA (a name for an anonymous mapping)
];

/// fcntl's commands that a run may not give: those that take a lock or a lease (see flock in
/// `denied`), and F_SETPIPE_SZ: a pipe's buffer counts against its user's pipe pages
/// (fs.pipe-user-pages-soft), which all the user's processes share, and past them every new pipe
/// of the user's gets a small buffer and none may grow; a run of an ordinary user's took them
/// with 1,200 pipes of the default size (red team 9), and one pipe grown to 1 MiB takes 256 of
/// the 16,384 pages. No program of the kit makes a pipe.
const FCNTL_REFUSED: [u32; 6] = [
    libc::F_SETLK as u32,
    libc::F_SETLKW as u32,
    F_OFD_SETLK,
    F_OFD_SETLKW,
    libc::F_SETLEASE as u32,
    libc::F_SETPIPE_SZ as u32,
];

/// The ioctl requests a run may make: what the C library and Rust's standard library ask of a
/// descriptor (is it a terminal, how wide, non-blocking, close-on-exec, bytes ready); the kit's
/// reference programs make none. (asm-generic/ioctls.h: the same numbers on x86-64 and arm64.)
const ALLOWED_IOCTLS: &[u32] = &[
    0x5401,      // TCGETS (isatty, tcgetattr)
    0x802c_542a, // TCGETS2
    0x5413,      // TIOCGWINSZ
    0x541b,      // FIONREAD
    0x5421,      // FIONBIO
    0x5450,      // FIONCLEX
    0x5451,      // FIOCLEX
];

/// Every call refused for its arguments: on another process, or for a use of `refused_uses`.
pub fn refused_by_argument() -> Vec<Refusal> {
    let mut refusals = refused_on_others();
    refusals.extend(refused_uses());
    refusals
}

/// The calls the grader watches (`trace`): how memory is mapped, processes made, files sized,
/// and data read or written with a system call; and each process's exit, so that every process
/// that really ran shows up (a clone call is seen before it runs, and may fail).
pub fn traced() -> Vec<(i64, &'static str)> {
    let mut calls = calls![
        mmap, munmap, mremap, msync, madvise, clone, ftruncate, fallocate, read, pread64, readv,
        preadv, preadv2, write, pwrite64, writev, pwritev, pwritev2, execve, exit_group,
    ];
    #[cfg(target_arch = "x86_64")]
    calls.extend(calls![fork, vfork]);
    calls
}

/// The calls that make a file, a folder, a node or a link (and open(2) and openat(2) with
/// O_CREAT or O_TMPFILE): the grader counts them and refuses those past
/// `trace::MAX_NEW_FILES`, so that a run's disk is bounded by that many files of at most
/// `sandbox::DEFAULT_MAX_FILE` bytes. (A rename gives a file a new name, as a link does: a
/// fixture of the grader's renamed is the run's, see `kept`, and renames cost nothing before, red
/// team 4.)
pub fn makes_files() -> Vec<(i64, &'static str)> {
    #[allow(unused_mut)]
    let mut calls = calls![openat, mkdirat, mknodat, symlinkat, linkat, renameat2];
    #[cfg(target_arch = "x86_64")]
    calls.extend(calls![
        open, creat, mkdir, mknod, symlink, link, rename, renameat
    ]);
    calls
}

/// The open(2) flags that make a file.
const MAKES_A_FILE: u32 = (libc::O_CREAT | (libc::O_TMPFILE & !libc::O_DIRECTORY)) as u32;

/// Whether the filter refuses the call `nr` with arguments `args`: one of `denied()`, one of
/// `refused_by_argument()` with those arguments, or a clone that makes a thread.
pub fn refuses(nr: i64, args: &[u64; 6]) -> bool {
    refusal(nr, args).is_some()
}

/// The error a refused call fails with (see `refuses`): EAGAIN for a thread, as on a system out of
/// threads (a program may fall back to working alone), EPERM for the others.
pub fn refusal(nr: i64, args: &[u64; 6]) -> Option<i32> {
    if nr == sys::clone && MAKES_A_THREAD.holds(args[0]) {
        return Some(libc::EAGAIN);
    }
    let refused = denied().iter().any(|(n, _)| *n == nr)
        || refused_by_argument()
            .iter()
            .any(|r| r.nr == nr && r.test.holds(args[r.index as usize]));
    refused.then_some(libc::EPERM)
}

/// clone(2)'s flags for a thread.
const MAKES_A_THREAD: ArgTest = ArgTest::AnyOf(libc::CLONE_THREAD as u32);

/// How many calls the filter refuses, always or for some arguments, for the report.
pub fn refused_count() -> usize {
    let mut numbers: Vec<i64> = denied()
        .into_iter()
        .map(|(nr, _)| nr)
        .chain(refused_by_argument().into_iter().map(|r| r.nr))
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    numbers.len()
}

/// The name of a system call that the filter knows, for messages.
pub fn name_of(nr: i64) -> &'static str {
    denied()
        .into_iter()
        .chain(traced())
        .chain(makes_files())
        .chain(refused_by_argument().into_iter().map(|r| (r.nr, r.name)))
        .find(|(n, _)| *n == nr)
        .map_or("syscall", |(_, name)| name)
}

/// The calls that create a process or a thread.
pub fn creates_process(nr: i64) -> bool {
    let mut forks = vec![sys::clone, sys::clone3];
    #[cfg(target_arch = "x86_64")]
    forks.extend([sys::fork, sys::vfork]);
    forks.contains(&nr)
}

impl Filter {
    pub fn new() -> Filter {
        Filter::default()
    }

    /// `action` for the call `nr`, whatever its arguments. The first rule that matches wins.
    pub fn on(mut self, nr: i64, action: Action) -> Filter {
        self.rules.push(Rule {
            nr,
            arg: None,
            action,
            named: false,
        });
        self
    }

    /// EPERM for each call of `calls`, named when the run is watched.
    fn refusing(mut self, calls: Vec<(i64, &'static str)>) -> Filter {
        for (nr, _) in calls {
            self.rules.push(Rule {
                nr,
                arg: None,
                action: Action::Errno(libc::EPERM),
                named: true,
            });
        }
        self
    }

    /// EPERM for the calls of `refused_by_argument()` with those arguments, named when watched.
    fn refusing_by_argument(mut self) -> Filter {
        for r in refused_by_argument() {
            self.rules.push(Rule {
                nr: r.nr,
                arg: Some((r.index, r.test)),
                action: Action::Errno(libc::EPERM),
                named: true,
            });
        }
        self
    }

    /// The filter every run gets: the calls of `denied()` fail with EPERM; sockets other than
    /// Unix sockets fail with EACCES (no network); a program cannot make itself non-dumpable
    /// (which would hide its memory and descriptors from the grader).
    pub fn sandbox() -> Filter {
        let mut filter = Filter::new().refusing(denied()).refusing_by_argument();
        // No threads: the grader learns which file a call is on from /proc while the caller
        // waits, and another thread could swap the descriptor right after. No program of the kit
        // needs one (processes made with fork are fine). Refused by the grader itself when it
        // watches the run, so that a failing test can say why the program worked alone.
        filter.rules.push(Rule {
            nr: sys::clone,
            arg: Some((0, MAKES_A_THREAD)),
            action: Action::Errno(libc::EAGAIN),
            named: true,
        });
        let mut when = |nr: i64, index: u32, test: ArgTest, errno: i32| {
            filter.rules.push(Rule {
                nr,
                arg: Some((index, test)),
                action: Action::Errno(errno),
                named: false,
            })
        };
        // A rename that leaves a whiteout behind makes a new inode each time, past the count of
        // new files (`makes_files`).
        when(
            sys::renameat2,
            4,
            ArgTest::AnyOf(RENAME_WHITEOUT),
            libc::EPERM,
        );
        // New namespaces (of users, mounts, the network...) only widen what the kernel exposes.
        when(sys::clone, 0, ArgTest::AnyOf(NEW_NAMESPACES), libc::EPERM);
        // No process sharing its descriptors with another either, for the reason threads are
        // refused (above).
        when(
            sys::clone,
            0,
            ArgTest::AnyOf(libc::CLONE_FILES as u32),
            libc::EAGAIN,
        );
        // Nor a process sharing the caller's memory (CLONE_VM), which could change what the
        // grader reads of a stopped call's memory as it reads it, unless it is a vfork: the
        // parent then waits until the child exits or execs (posix_spawn and system() work so).
        when(
            sys::clone,
            0,
            ArgTest::Masked {
                mask: (libc::CLONE_VM | libc::CLONE_VFORK) as u32,
                value: libc::CLONE_VM as u32,
            },
            libc::EAGAIN,
        );
        // Nor a child of the grader's instead of the caller's (CLONE_PARENT): a run's processes
        // descend from the program.
        when(
            sys::clone,
            0,
            ArgTest::AnyOf(libc::CLONE_PARENT as u32),
            libc::EPERM,
        );
        // No socket at all (no program of the kit needs one; socketpair stays, for Unix stream
        // and seqpacket pairs only, see `refused_uses`): no network, and no Unix socket of
        // someone else's to connect to.
        filter = filter.on(sys::socket, Action::Errno(libc::EACCES));
        // clone3's flags are behind a pointer that a filter cannot read: it fails as on an older
        // kernel, and the C library falls back to clone, whose flags are checked above. The same
        // for openat2's flags (see `makes_files`): the C library falls back to openat.
        filter
            .on(sys::clone3, Action::Errno(libc::ENOSYS))
            .on(sys::openat2, Action::Errno(libc::ENOSYS))
    }

    /// The same, and every call of `traced()` is shown to the grader first; so are the calls of
    /// `denied()`, which the grader then refuses itself, so that it can tell the student which
    /// call was refused (see `trace`).
    pub fn traced(mut self) -> Filter {
        for rule in self.rules.iter_mut().filter(|r| r.named) {
            rule.action = Action::Notify;
        }
        for (nr, _) in traced() {
            self = self.on(nr, Action::Notify);
        }
        for (nr, _) in makes_files() {
            // open(2) and openat(2) make a file only with these flags (in their 2nd and 3rd
            // argument): the others are not shown to the grader.
            let flags = match nr {
                sys::openat => Some((2, ArgTest::AnyOf(MAKES_A_FILE))),
                #[cfg(target_arch = "x86_64")]
                sys::open => Some((1, ArgTest::AnyOf(MAKES_A_FILE))),
                _ => None,
            };
            self.rules.push(Rule {
                nr,
                arg: flags,
                action: Action::Notify,
                named: false,
            });
        }
        self
    }

    /// The BPF program.
    pub fn program(&self) -> Program {
        let mut code = vec![
            load(ARCH_OFFSET),
            jump_eq(AUDIT_ARCH, 1, 0),
            ret(libc::SECCOMP_RET_KILL_PROCESS),
        ];
        // A call newer than this filter fails as on an older kernel: the table below cannot
        // judge what it does (red team 6: setxattrat and file_setattr, of Linux 6.13 and 6.17,
        // changed a file's ACL and flags, which setxattr and chmod may not). This also takes
        // x32 system calls (the same numbers with bit 30 set), which would slip past every rule.
        code.push(load(NR_OFFSET));
        code.push(jump_ge(LAST_KNOWN_CALL + 1, 0, 1));
        code.push(ret(libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32));
        for rule in &self.rules {
            let action = match rule.action {
                Action::Errno(e) => libc::SECCOMP_RET_ERRNO | (e as u32 & 0xffff),
                Action::Notify => libc::SECCOMP_RET_USER_NOTIF,
            };
            code.push(load(NR_OFFSET));
            match rule.arg {
                None => {
                    code.push(jump_eq(rule.nr as u32, 0, 1));
                }
                Some((index, ArgTest::NoneOf(values))) => {
                    // Jumps to the next rule when the call is another or the argument is one of
                    // `values`; each comparison that matches skips the ones after it and the
                    // return.
                    let k = values.len();
                    code.push(jump_eq(rule.nr as u32, 0, (k + 2) as u8));
                    code.push(load(ARG0_OFFSET + 8 * index));
                    for (i, value) in values.iter().enumerate() {
                        code.push(jump_eq(*value, (k - i) as u8, 0));
                    }
                }
                Some((index, test)) => {
                    // Jumps to the next rule when the call or the argument does not match.
                    let masked = matches!(test, ArgTest::Masked { .. });
                    code.push(jump_eq(rule.nr as u32, 0, if masked { 4 } else { 3 }));
                    code.push(load(ARG0_OFFSET + 8 * index));
                    if let ArgTest::Masked { mask, .. } = test {
                        code.push(and(mask));
                    }
                    code.push(match test {
                        ArgTest::Equals(value) | ArgTest::Masked { value, .. } => {
                            jump(libc::BPF_JEQ, value, 0, 1)
                        }
                        ArgTest::Differs(value) => jump(libc::BPF_JEQ, value, 1, 0),
                        ArgTest::AnyOf(bits) => jump(libc::BPF_JSET, bits, 0, 1),
                        ArgTest::NoneOf(_) => unreachable!("compiled above"),
                    });
                }
            }
            code.push(ret(action));
        }
        code.push(ret(libc::SECCOMP_RET_ALLOW));
        Program { code }
    }
}

/// A finished BPF program, kept alive by the grader while a child installs it.
#[derive(Debug)]
pub struct Program {
    code: Vec<libc::sock_filter>,
}

impl Program {
    /// Installs the program in the calling process; with `listen`, returns the descriptor on
    /// which the grader receives the notified calls. Async-signal-safe (between fork and exec).
    pub fn install(&self, listen: bool) -> io::Result<Option<libc::c_int>> {
        let program = libc::sock_fprog {
            len: self.code.len() as u16,
            filter: self.code.as_ptr().cast_mut(),
        };
        let flags = if listen {
            libc::SECCOMP_FILTER_FLAG_NEW_LISTENER
        } else {
            0
        };
        // SAFETY: `program` points into `self.code`, alive for the call.
        let r = unsafe {
            libc::syscall(
                libc::SYS_seccomp,
                libc::SECCOMP_SET_MODE_FILTER,
                flags,
                &program,
            )
        };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(listen.then_some(r as libc::c_int))
    }
}

/// The newest system call this filter was written for: mseal (Linux 6.10), 462 on x86-64 and
/// arm64 alike (new calls have had one number on every architecture since 424). What the libc
/// crate names ends there too; a call after it is refused with ENOSYS (`Filter::program`).
pub const LAST_KNOWN_CALL: u32 = 462;

const NR_OFFSET: u32 = 0;
const ARCH_OFFSET: u32 = 4;
/// The low 32 bits of argument 0 (little-endian); argument `i` is 8 × `i` bytes further.
const ARG0_OFFSET: u32 = 16;

/// The clone flags that make new namespaces.
const NEW_NAMESPACES: u32 = (libc::CLONE_NEWUSER
    | libc::CLONE_NEWNS
    | libc::CLONE_NEWNET
    | libc::CLONE_NEWPID
    | libc::CLONE_NEWIPC
    | libc::CLONE_NEWUTS
    | libc::CLONE_NEWCGROUP) as u32;

/// ioprio_set's "which" for one process (linux/ioprio.h).
const IOPRIO_WHO_PROCESS: u32 = 1;
/// fcntl's F_SETOWN_EX (asm-generic/fcntl.h; libc lacks it).
const F_SETOWN_EX: u32 = 15;
/// fcntl's open file description locks (asm-generic/fcntl.h; libc names them for some targets
/// only).
const F_OFD_SETLK: u32 = 37;
const F_OFD_SETLKW: u32 = 38;

/// renameat2's flag that leaves a whiteout (linux/fs.h).
const RENAME_WHITEOUT: u32 = 1 << 2;

#[cfg(target_arch = "x86_64")]
const AUDIT_ARCH: u32 = 0xC000_003E;
#[cfg(target_arch = "aarch64")]
const AUDIT_ARCH: u32 = 0xC000_00B7;

fn load(offset: u32) -> libc::sock_filter {
    libc::sock_filter {
        code: (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16,
        jt: 0,
        jf: 0,
        k: offset,
    }
}

fn jump_eq(k: u32, jt: u8, jf: u8) -> libc::sock_filter {
    jump(libc::BPF_JEQ, k, jt, jf)
}

fn jump(op: u32, k: u32, jt: u8, jf: u8) -> libc::sock_filter {
    libc::sock_filter {
        code: (libc::BPF_JMP | op | libc::BPF_K) as u16,
        jt,
        jf,
        k,
    }
}

fn jump_ge(k: u32, jt: u8, jf: u8) -> libc::sock_filter {
    libc::sock_filter {
        code: (libc::BPF_JMP | libc::BPF_JGE | libc::BPF_K) as u16,
        jt,
        jf,
        k,
    }
}

/// A &= k.
fn and(k: u32) -> libc::sock_filter {
    libc::sock_filter {
        code: (libc::BPF_ALU | libc::BPF_AND | libc::BPF_K) as u16,
        jt: 0,
        jf: 0,
        k,
    }
}

fn ret(k: u32) -> libc::sock_filter {
    libc::sock_filter {
        code: (libc::BPF_RET | libc::BPF_K) as u16,
        jt: 0,
        jf: 0,
        k,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the BPF program decides for the call `nr` with `args`, interpreted as the kernel
    /// would (only the instructions `program` emits).
    fn decide(program: &Program, nr: i64, args: [u64; 6]) -> u32 {
        let data = |offset: u32| -> u32 {
            match offset {
                NR_OFFSET => nr as u32,
                ARCH_OFFSET => AUDIT_ARCH,
                _ => {
                    let i = ((offset - ARG0_OFFSET) / 8) as usize;
                    let high = (offset - ARG0_OFFSET) % 8 == 4;
                    (if high { args[i] >> 32 } else { args[i] }) as u32
                }
            }
        };
        let (mut pc, mut a) = (0usize, 0u32);
        loop {
            let insn = program.code[pc];
            let code = u32::from(insn.code);
            pc += 1;
            if code == libc::BPF_RET | libc::BPF_K {
                return insn.k;
            } else if code == libc::BPF_LD | libc::BPF_W | libc::BPF_ABS {
                a = data(insn.k);
            } else if code == libc::BPF_ALU | libc::BPF_AND | libc::BPF_K {
                a &= insn.k;
            } else {
                let taken = match code & !(libc::BPF_JMP | libc::BPF_K) {
                    libc::BPF_JEQ => a == insn.k,
                    libc::BPF_JGE => a >= insn.k,
                    libc::BPF_JSET => a & insn.k != 0,
                    other => panic!("unexpected instruction {other:#x}"),
                };
                pc += usize::from(if taken { insn.jt } else { insn.jf });
            }
        }
    }

    fn args(first: u64, second: u64) -> [u64; 6] {
        [first, second, 0, 0, 0, 0]
    }

    const EPERM: u32 = libc::SECCOMP_RET_ERRNO | libc::EPERM as u32;
    const EAGAIN: u32 = libc::SECCOMP_RET_ERRNO | libc::EAGAIN as u32;
    const ALLOW: u32 = libc::SECCOMP_RET_ALLOW;
    /// A uid with no process (far above the grader's own leased uids).
    const FIRST_UNUSED_UID: u32 = 0x7ff0_0000;

    #[test]
    fn calls_on_the_caller_pass_and_on_others_are_refused() {
        let program = Filter::sandbox().program();
        let pid = 4242;
        let cases = [
            (libc::SYS_prlimit64, args(0, 0), ALLOW),
            (libc::SYS_prlimit64, args(pid, 0), EPERM),
            // Only the low 32 bits are the pid the kernel reads.
            (libc::SYS_prlimit64, args(1 << 32, 0), ALLOW),
            (libc::SYS_setpriority, args(0, 0), ALLOW),
            (libc::SYS_setpriority, args(0, pid), EPERM),
            (
                libc::SYS_setpriority,
                args(libc::PRIO_USER as u64, 0),
                EPERM,
            ),
            (libc::SYS_ioprio_set, args(1, 0), ALLOW),
            (libc::SYS_ioprio_set, args(2, 0), EPERM),
            (libc::SYS_sched_setaffinity, args(pid, 8), EPERM),
            (libc::SYS_sched_setaffinity, args(0, 8), ALLOW),
            (libc::SYS_kill, args(pid, 9), ALLOW),
            (libc::SYS_kill, args(u64::MAX, 9), EPERM),
            (libc::SYS_kill, args((-7i64) as u64, 9), EPERM),
            (libc::SYS_fcntl, args(3, libc::F_SETOWN as u64), EPERM),
            (libc::SYS_fcntl, args(3, libc::F_GETFL as u64), ALLOW),
            (libc::SYS_kcmp, args(0, 0), EPERM),
            (libc::SYS_pidfd_open, args(pid, 0), EPERM),
            // ioctl: a descriptor's SIGIO owner, a terminal's foreground group.
            (libc::SYS_ioctl, args(3, 0x8901), EPERM),
            (libc::SYS_ioctl, args(0, libc::TIOCSPGRP), EPERM),
        ];
        decides(&program, &cases);
    }

    /// Each call of `cases` with its arguments gets the decision given, from the BPF program and
    /// from `refuses` (which the grader asks when it watches the run).
    fn decides(program: &Program, cases: &[(i64, [u64; 6], u32)]) {
        for &(nr, args, want) in cases {
            assert_eq!(decide(program, nr, args), want, "{} {args:?}", name_of(nr));
            assert_eq!(
                refuses(nr, &args),
                want == EPERM,
                "{} {args:?}",
                name_of(nr)
            );
        }
    }

    #[test]
    fn only_a_few_ioctl_requests_pass() {
        let program = Filter::sandbox().program();
        let cases = [
            (libc::SYS_ioctl, args(1, libc::TCGETS), ALLOW),
            (libc::SYS_ioctl, args(3, libc::FIOCLEX), ALLOW),
            (libc::SYS_ioctl, args(3, libc::FIONBIO), ALLOW),
            // The kernel reads the request's low 32 bits only: the same request.
            (libc::SYS_ioctl, args(1, 1 << 32 | libc::TCGETS), ALLOW),
            // FICLONE, FS_IOC_RESVSP64, FS_IOC_ADD_ENCRYPTION_KEY, BTRFS_IOC_SNAP_CREATE_V2.
            (libc::SYS_ioctl, args(3, 0x4004_9409), EPERM),
            (libc::SYS_ioctl, args(3, 0x4030_582a), EPERM),
            (libc::SYS_ioctl, args(3, 0xc050_6617), EPERM),
            (libc::SYS_ioctl, args(3, 0x5000_9417), EPERM),
            (libc::SYS_ioctl, args(3, 0), EPERM),
        ];
        decides(&program, &cases);
        // The rules after the allowlist still decide their own calls.
        decides(
            &program,
            &[(libc::SYS_fcntl, args(3, libc::F_SETOWN as u64), EPERM)],
        );
    }

    #[test]
    fn clone_makes_processes_that_share_no_memory_but_a_vforks() {
        let program = Filter::sandbox().program();
        let flags = |f: i32| args((f | libc::SIGCHLD) as u64, 0);
        let fork = libc::CLONE_CHILD_SETTID | libc::CLONE_CHILD_CLEARTID;
        for (what, args, want) in [
            ("a fork", flags(fork), ALLOW),
            ("a vfork", flags(libc::CLONE_VM | libc::CLONE_VFORK), ALLOW),
            ("a process sharing memory", flags(libc::CLONE_VM), EAGAIN),
            (
                "a thread",
                flags(libc::CLONE_VM | libc::CLONE_THREAD | libc::CLONE_SIGHAND),
                EAGAIN,
            ),
            ("a child of the grader's", flags(libc::CLONE_PARENT), EPERM),
        ] {
            assert_eq!(decide(&program, libc::SYS_clone, args), want, "{what}");
        }
        // Watched, a thread is shown to the grader, which refuses it as the filter would; the
        // other refusals of clone stay the filter's, unnamed.
        let watched = Filter::sandbox().traced().program();
        let thread = flags(libc::CLONE_VM | libc::CLONE_THREAD | libc::CLONE_SIGHAND);
        assert_eq!(
            decide(&watched, libc::SYS_clone, thread),
            libc::SECCOMP_RET_USER_NOTIF
        );
        assert_eq!(refusal(libc::SYS_clone, &thread), Some(libc::EAGAIN));
        for other in [flags(libc::CLONE_FILES), flags(libc::CLONE_VM), flags(0)] {
            assert_eq!(refusal(libc::SYS_clone, &other), None, "{other:?}");
        }
    }

    /// A system call to make, returning what syscall(2) returns.
    type Call = Box<dyn Fn() -> libc::c_long>;

    /// A child installs `program` and makes each of `calls`: each must fail with the errno given
    /// (0: succeed).
    fn in_filtered_child(program: &Program, calls: &[(&str, Call, i32)]) {
        let mut fds = [0; 2];
        // SAFETY: pipe writes two descriptors into `fds`.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        // SAFETY: the child makes only system calls (the closures were made before the fork,
        // and allocate nothing), then exits without unwinding.
        let child = unsafe { libc::fork() };
        if child == 0 {
            // SAFETY: as above.
            unsafe {
                libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
                if program.install(false).is_err() {
                    libc::_exit(2);
                }
                for (_, call, _) in calls {
                    let errno = if call() < 0 {
                        *libc::__errno_location()
                    } else {
                        0
                    };
                    libc::write(fds[1], (&errno as *const i32).cast(), 4);
                }
                libc::_exit(0);
            }
        }
        // SAFETY: our ends of the pipe, and our own child.
        let got: Vec<i32> = unsafe {
            libc::close(fds[1]);
            let mut status = 0;
            libc::waitpid(child, &mut status, 0);
            assert_eq!(status, 0, "the child failed");
            let got = (0..calls.len())
                .map(|_| {
                    let mut errno = -1i32;
                    libc::read(fds[0], (&mut errno as *mut i32).cast(), 4);
                    errno
                })
                .collect();
            libc::close(fds[0]);
            got
        };
        for ((what, _, want), got) in calls.iter().zip(got) {
            assert_eq!(got, *want, "{what}");
        }
    }

    /// The same decisions in the kernel: a child installs the run's filter and makes the calls.
    #[test]
    fn the_kernel_refuses_what_the_filter_says() {
        let program = Filter::sandbox().program();
        // Harmless if the filter let them through: the limit is only read, the user has no
        // process to renice, the CPUs are the ones the test process has, the signal is 0.
        let parent = std::process::id() as libc::pid_t;
        let nobody = FIRST_UNUSED_UID;
        // SAFETY: cpu_set_t is plain data; sched_getaffinity writes into it.
        let mut cpus: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        let size = size_of::<libc::cpu_set_t>();
        assert_eq!(unsafe { libc::sched_getaffinity(0, size, &mut cpus) }, 0);
        let mut stack = vec![0u8; 64 << 10];
        let top = stack.as_mut_ptr().wrapping_add(stack.len()) as usize & !15;
        let mut old: libc::rlimit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        let old = &mut old as *mut libc::rlimit;
        // Each call, as the child makes it, and the errno it must fail with (0: it succeeds).
        // SAFETY (every closure): plain system calls; the clone gets a stack of its own, so that
        // a child that the filter let through dies alone, on a return with an empty stack.
        let calls: [(&str, Call, i32); 13] = [
            (
                "prlimit64 of the parent",
                Box::new(move || unsafe {
                    libc::syscall(libc::SYS_prlimit64, parent, libc::RLIMIT_CPU, 0usize, old)
                }),
                libc::EPERM,
            ),
            (
                "prlimit64 of the caller",
                Box::new(move || unsafe {
                    libc::syscall(libc::SYS_prlimit64, 0, libc::RLIMIT_CPU, 0usize, old)
                }),
                0,
            ),
            (
                "setpriority of a user",
                Box::new(move || unsafe {
                    libc::syscall(libc::SYS_setpriority, libc::PRIO_USER, nobody, 19)
                }),
                libc::EPERM,
            ),
            (
                "sched_setaffinity of the parent",
                Box::new(move || unsafe {
                    libc::syscall(libc::SYS_sched_setaffinity, parent, size, &cpus)
                }),
                libc::EPERM,
            ),
            (
                "kill(-1)",
                Box::new(|| unsafe { libc::syscall(libc::SYS_kill, -1, 0) }),
                libc::EPERM,
            ),
            (
                "kill(0)",
                Box::new(|| unsafe { libc::syscall(libc::SYS_kill, 0, 0) }),
                0,
            ),
            (
                "clone(CLONE_VM)",
                Box::new(move || unsafe {
                    libc::syscall(
                        libc::SYS_clone,
                        libc::CLONE_VM | libc::SIGCHLD,
                        top,
                        0,
                        0,
                        0,
                    )
                }),
                libc::EAGAIN,
            ),
            (
                "inotify_init1",
                Box::new(|| unsafe { libc::syscall(libc::SYS_inotify_init1, 0) }),
                libc::EPERM,
            ),
            (
                "epoll_create1",
                Box::new(|| unsafe { libc::syscall(libc::SYS_epoll_create1, 0) }),
                libc::EPERM,
            ),
            (
                "eventfd2",
                Box::new(|| unsafe { libc::syscall(libc::SYS_eventfd2, 0, 0) }),
                libc::EPERM,
            ),
            (
                "timerfd_create",
                Box::new(|| unsafe {
                    libc::syscall(libc::SYS_timerfd_create, libc::CLOCK_MONOTONIC, 0)
                }),
                libc::EPERM,
            ),
            (
                "landlock_create_ruleset",
                Box::new(|| unsafe { libc::syscall(libc::SYS_landlock_create_ruleset, 0, 0, 1) }),
                libc::EPERM,
            ),
            (
                // FS_IOC_RESVSP64 on stdin: refused before the kernel looks at the descriptor.
                "ioctl(FS_IOC_RESVSP64)",
                Box::new(|| unsafe { libc::syscall(libc::SYS_ioctl, 0, 0x4030_582a, 0) }),
                libc::EPERM,
            ),
        ];
        in_filtered_child(&program, &calls);
        drop(stack);
    }

    /// A datagram socket of a pair sends to any datagram socket outside the run by path, and a
    /// stream pair's buffers hold memory no watchdog sees: no pair at all; fallocate with
    /// FALLOC_FL_KEEP_SIZE takes disk past RLIMIT_FSIZE.
    #[test]
    fn socket_pairs_connect_and_fallocate_with_a_mode_are_refused() {
        let program = Filter::sandbox().program();
        let pair = |domain: i32, kind: i32| [domain as u64, kind as u64, 0, 0, 0, 0];
        let unix = libc::AF_UNIX;
        let fallocate = |mode: i32| [3, mode as u64, 0, 1 << 30, 0, 0];
        let cases = [
            (libc::SYS_socketpair, pair(unix, libc::SOCK_STREAM), EPERM),
            (
                libc::SYS_socketpair,
                pair(unix, libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC),
                EPERM,
            ),
            (libc::SYS_socketpair, pair(unix, libc::SOCK_DGRAM), EPERM),
            (
                libc::SYS_socketpair,
                pair(
                    unix,
                    libc::SOCK_DGRAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                ),
                EPERM,
            ),
            (libc::SYS_socketpair, pair(unix, libc::SOCK_RAW), EPERM),
            (
                libc::SYS_socketpair,
                pair(libc::AF_TIPC, libc::SOCK_STREAM),
                EPERM,
            ),
            (libc::SYS_connect, [3, 0, 0, 0, 0, 0], EPERM),
            (libc::SYS_fallocate, fallocate(0), ALLOW),
            (
                libc::SYS_fallocate,
                fallocate(libc::FALLOC_FL_KEEP_SIZE),
                EPERM,
            ),
            (
                libc::SYS_fallocate,
                fallocate(libc::FALLOC_FL_PUNCH_HOLE | libc::FALLOC_FL_KEEP_SIZE),
                EPERM,
            ),
        ];
        decides(&program, &cases);
        // Watched, the same calls reach the grader, which refuses them by `refuses` (above).
        let watched = Filter::sandbox().traced().program();
        for (nr, args, want) in cases {
            let notify = decide(&watched, nr, args) == libc::SECCOMP_RET_USER_NOTIF;
            assert!(notify || want == ALLOW, "{} {args:?}", name_of(nr));
        }

        // In the kernel. Harmless if the filter let them through: a pair of the child's own, a
        // connect on no descriptor, 4 KiB of a temporary file.
        let file = tempfile::tempfile().unwrap();
        let fd = std::os::fd::AsRawFd::as_raw_fd(&file);
        let mut fds = [0 as libc::c_int; 2];
        let fds = fds.as_mut_ptr() as usize;
        let socketpair = move |kind: i32| -> Call {
            // SAFETY: socketpair writes two descriptors into `fds`, alive for the test.
            Box::new(move || unsafe {
                libc::syscall(libc::SYS_socketpair, libc::AF_UNIX, kind, 0, fds)
            })
        };
        let fallocate = move |mode: i32| -> Call {
            // SAFETY: reserves 4 KiB of the test's own temporary file.
            Box::new(move || unsafe { libc::syscall(libc::SYS_fallocate, fd, mode, 0, 4096) })
        };
        let calls: [(&str, Call, i32); 6] = [
            ("a stream pair", socketpair(libc::SOCK_STREAM), libc::EPERM),
            ("a datagram pair", socketpair(libc::SOCK_DGRAM), libc::EPERM),
            ("a raw pair", socketpair(libc::SOCK_RAW), libc::EPERM),
            (
                "connect",
                // SAFETY: no descriptor, no address: EBADF if the filter let it through.
                Box::new(|| unsafe { libc::syscall(libc::SYS_connect, -1, 0, 0) }),
                libc::EPERM,
            ),
            ("posix_fallocate's fallocate", fallocate(0), 0),
            (
                "fallocate(FALLOC_FL_KEEP_SIZE)",
                fallocate(libc::FALLOC_FL_KEEP_SIZE),
                libc::EPERM,
            ),
        ];
        in_filtered_child(&program, &calls);
    }

    /// Calls newer than the filter (red team 6: setxattrat set an ACL that made a file of mode
    /// 0600 readable and writable by all, file_setattr set a file's flags) and x32 calls fail as
    /// on a kernel without them; the newest call the filter judges still reaches its rules.
    #[test]
    fn calls_newer_than_the_filter_fail_as_on_an_older_kernel() {
        let program = Filter::sandbox().program();
        let none = [0; 6];
        let enosys = libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32;
        let newer = |nr: u32| (i64::from(nr), none, enosys);
        let cases = [
            newer(LAST_KNOWN_CALL + 1), // setxattrat
            newer(LAST_KNOWN_CALL + 4), // removexattrat
            newer(LAST_KNOWN_CALL + 7), // file_setattr
            newer(0x4000_0000 | 90),    // x32 chmod
            (libc::SYS_mseal, none, ALLOW),
        ];
        decides(&program, &cases);
        let setxattrat = move || -> Call {
            // SAFETY: no path, no attribute: EFAULT or EINVAL if the filter let it through.
            Box::new(|| unsafe { libc::syscall(463, -1, 0, 0, 0, 0, 0) })
        };
        in_filtered_child(&program, &[("setxattrat", setxattrat(), libc::ENOSYS)]);
    }
}
