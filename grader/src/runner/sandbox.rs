//! Limits put on a program under test, applied in the child between fork and exec.

/// What a run may do. Every run gets umask 022; the default adds nothing else.
#[derive(Clone, Copy, Debug, Default)]
pub struct Limits {
    /// RLIMIT_FSIZE, in bytes: the largest file the program may write or extend.
    pub max_file_size: Option<u64>,
    /// Start with SIGXFSZ ignored, so that passing the file-size limit is an EFBIG error.
    pub ignore_sigxfsz: bool,
    /// Make fork(2), vfork(2), clone(2) and clone3(2) fail with EAGAIN (a seccomp filter), to see
    /// whether a program really forks.
    pub forbid_fork: bool,
}

impl Limits {
    /// Applies the limits to the calling process. Runs between fork and exec, so it may make
    /// only async-signal-safe system calls and must not allocate.
    pub(super) fn apply(&self) -> std::io::Result<()> {
        // SAFETY: plain system calls on this process's own attributes; the filter program is a
        // static that lives for the whole call.
        unsafe {
            libc::umask(0o022);
            if let Some(bytes) = self.max_file_size {
                let limit = libc::rlimit {
                    rlim_cur: bytes,
                    rlim_max: bytes,
                };
                check(libc::setrlimit(libc::RLIMIT_FSIZE, &limit))?;
            }
            if self.ignore_sigxfsz && libc::signal(libc::SIGXFSZ, libc::SIG_IGN) == libc::SIG_ERR {
                return Err(std::io::Error::last_os_error());
            }
            if self.forbid_fork {
                // No new privileges is what lets an unprivileged process install a filter.
                check(libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))?;
                let program = libc::sock_fprog {
                    len: NO_FORK_FILTER.len() as u16,
                    filter: NO_FORK_FILTER.as_ptr().cast_mut(),
                };
                check(libc::prctl(
                    libc::PR_SET_SECCOMP,
                    libc::SECCOMP_MODE_FILTER,
                    &program,
                ))?;
            }
        }
        Ok(())
    }
}

fn check(result: libc::c_int) -> std::io::Result<()> {
    if result < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(())
    }
}

const fn stmt(code: u32, k: u32) -> libc::sock_filter {
    libc::sock_filter {
        code: code as u16,
        jt: 0,
        jf: 0,
        k,
    }
}

const fn jump_if(k: u32, jt: u8, jf: u8) -> libc::sock_filter {
    libc::sock_filter {
        code: (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16,
        jt,
        jf,
        k,
    }
}

#[cfg(target_arch = "x86_64")]
const ARCH: u32 = 0xC000_003E; // AUDIT_ARCH_X86_64
#[cfg(target_arch = "aarch64")]
const ARCH: u32 = 0xC000_00B7; // AUDIT_ARCH_AARCH64

#[cfg(target_arch = "x86_64")]
const FORKS: [u32; 4] = [
    libc::SYS_clone as u32,
    libc::SYS_clone3 as u32,
    libc::SYS_fork as u32,
    libc::SYS_vfork as u32,
];
#[cfg(target_arch = "aarch64")]
const FORKS: [u32; 4] = [
    libc::SYS_clone as u32,
    libc::SYS_clone3 as u32,
    u32::MAX,
    u32::MAX,
];

const LOAD_WORD: u32 = libc::BPF_LD | libc::BPF_W | libc::BPF_ABS;
const RETURN: u32 = libc::BPF_RET | libc::BPF_K;

/// seccomp program: on this architecture, the four ways to create a process fail with EAGAIN
/// (as when the process limit is reached); every other system call is allowed.
static NO_FORK_FILTER: [libc::sock_filter; 10] = [
    stmt(LOAD_WORD, 4), // seccomp_data.arch
    jump_if(ARCH, 1, 0),
    stmt(RETURN, libc::SECCOMP_RET_ALLOW),
    stmt(LOAD_WORD, 0), // seccomp_data.nr
    jump_if(FORKS[0], 4, 0),
    jump_if(FORKS[1], 3, 0),
    jump_if(FORKS[2], 2, 0),
    jump_if(FORKS[3], 1, 0),
    stmt(RETURN, libc::SECCOMP_RET_ALLOW),
    stmt(RETURN, libc::SECCOMP_RET_ERRNO | libc::EAGAIN as u32),
];
