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
        setpgid => SYS_setpgid, openat => SYS_openat, openat2 => SYS_openat2,
        mkdirat => SYS_mkdirat, mknodat => SYS_mknodat, symlinkat => SYS_symlinkat,
        linkat => SYS_linkat, memfd_create => SYS_memfd_create, shmget => SYS_shmget,
        shmat => SYS_shmat, shmctl => SYS_shmctl, msgget => SYS_msgget, msgsnd => SYS_msgsnd,
        msgrcv => SYS_msgrcv, msgctl => SYS_msgctl, semget => SYS_semget, semop => SYS_semop,
        semtimedop => SYS_semtimedop, semctl => SYS_semctl, bind => SYS_bind,
        memfd_secret => SYS_memfd_secret, renameat2 => SYS_renameat2, exit_group => SYS_exit_group,
    }
    #[cfg(target_arch = "x86_64")]
    numbers! {
        fork => SYS_fork, vfork => SYS_vfork, chmod => SYS_chmod, chown => SYS_chown,
        lchown => SYS_lchown, utime => SYS_utime, utimes => SYS_utimes, futimesat => SYS_futimesat,
        open => SYS_open, creat => SYS_creat, mkdir => SYS_mkdir, mknod => SYS_mknod,
        symlink => SYS_symlink, link => SYS_link,
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

/// A rule: the call, an optional condition on its first argument, and the action.
#[derive(Clone, Copy, Debug)]
struct Rule {
    nr: i64,
    /// `Some((index, test))`: the rule applies only when the low 32 bits of argument `index` pass
    /// the test.
    arg: Option<(u32, ArgTest)>,
    action: Action,
}

/// A test of a call's argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ArgTest {
    Equals(u32),
    /// Has any of these bits.
    AnyOf(u32),
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
    #[allow(unused_mut)]
    let mut calls = calls![
        io_uring_setup,
        io_uring_enter,
        io_uring_register,
        splice,
        vmsplice,
        tee,
        copy_file_range,
        sendfile,
        process_vm_readv,
        process_vm_writev,
        ptrace,
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
        pidfd_getfd,
        io_setup,
        io_destroy,
        io_submit,
        io_cancel,
        io_getevents,
        process_madvise,
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
        setpgid,
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
        // bind(2) on a socketpair's socket makes a socket file, which no count of files sees.
        bind,
        memfd_secret,
    ];
    // Landlock has no right for a file's mode, owner, times or attributes: the program may
    // change none, anywhere. (The older calls exist only on x86-64.)
    #[cfg(target_arch = "x86_64")]
    calls.extend(calls![chmod, chown, lchown, utime, utimes, futimesat]);
    calls
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
/// `sandbox::DEFAULT_MAX_FILE` bytes. (memfd_create makes a file in memory, which counts too.)
pub fn makes_files() -> Vec<(i64, &'static str)> {
    #[allow(unused_mut)]
    let mut calls = calls![openat, mkdirat, mknodat, symlinkat, linkat, memfd_create];
    #[cfg(target_arch = "x86_64")]
    calls.extend(calls![open, creat, mkdir, mknod, symlink, link]);
    calls
}

/// The open(2) flags that make a file.
const MAKES_A_FILE: u32 = (libc::O_CREAT | (libc::O_TMPFILE & !libc::O_DIRECTORY)) as u32;

/// Whether the call `nr` is one of `denied()`.
pub fn is_denied(nr: i64) -> bool {
    denied().iter().any(|(n, _)| *n == nr)
}

/// The name of a system call that the filter knows, for messages.
pub fn name_of(nr: i64) -> &'static str {
    denied()
        .into_iter()
        .chain(traced())
        .chain(makes_files())
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
        });
        self
    }

    /// The filter every run gets: the calls of `denied()` fail with EPERM; sockets other than
    /// Unix sockets fail with EACCES (no network); a program cannot make itself non-dumpable
    /// (which would hide its memory and descriptors from the grader).
    pub fn sandbox() -> Filter {
        let mut filter = Filter::new();
        for (nr, _) in denied() {
            filter = filter.on(nr, Action::Errno(libc::EPERM));
        }
        let mut when = |nr: i64, index: u32, test: ArgTest, errno: i32| {
            filter.rules.push(Rule {
                nr,
                arg: Some((index, test)),
                action: Action::Errno(errno),
            })
        };
        when(
            sys::prctl,
            0,
            ArgTest::Equals(libc::PR_SET_DUMPABLE as u32),
            libc::EPERM,
        );
        // Reflinks and deduplication copy a file's data in the file system, with no mapping.
        for request in [FICLONE, FICLONERANGE, FIDEDUPERANGE] {
            when(sys::ioctl, 1, ArgTest::Equals(request), libc::EPERM);
        }
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
        // No threads, and no process sharing its descriptors with another: the grader learns
        // which file a call is on from /proc while the caller waits, and another thread could
        // swap the descriptor right after. No program of the kit needs either (processes made
        // with fork are fine).
        when(
            sys::clone,
            0,
            ArgTest::AnyOf((libc::CLONE_THREAD | libc::CLONE_FILES) as u32),
            libc::EAGAIN,
        );
        // No socket at all (no program of the kit needs one; socketpair stays): no network, and
        // no Unix socket of someone else's to connect to.
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
        let denied: Vec<i64> = denied().into_iter().map(|(nr, _)| nr).collect();
        for rule in &mut self.rules {
            if rule.arg.is_none() && denied.contains(&rule.nr) {
                rule.action = Action::Notify;
            }
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
        #[cfg(target_arch = "x86_64")]
        {
            // x32 system calls (the same numbers with bit 30 set) would slip past every rule.
            code.push(load(NR_OFFSET));
            code.push(jump_ge(0x4000_0000, 0, 1));
            code.push(ret(libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32));
        }
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
                Some((index, test)) => {
                    code.push(jump_eq(rule.nr as u32, 0, 3));
                    code.push(load(ARG0_OFFSET + 8 * index));
                    code.push(match test {
                        ArgTest::Equals(value) => jump(libc::BPF_JEQ, value, 0, 1),
                        ArgTest::AnyOf(bits) => jump(libc::BPF_JSET, bits, 0, 1),
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

/// renameat2's flag that leaves a whiteout (linux/fs.h).
const RENAME_WHITEOUT: u32 = 1 << 2;

// ioctl requests of linux/fs.h (the same numbers on x86-64 and arm64).
const FICLONE: u32 = 0x4004_9409;
const FICLONERANGE: u32 = 0x4020_940d;
const FIDEDUPERANGE: u32 = 0xc018_9436;

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

#[cfg(target_arch = "x86_64")]
fn jump_ge(k: u32, jt: u8, jf: u8) -> libc::sock_filter {
    libc::sock_filter {
        code: (libc::BPF_JMP | libc::BPF_JGE | libc::BPF_K) as u16,
        jt,
        jf,
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
