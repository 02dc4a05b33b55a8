//! Landlock (Linux 5.13 and later): what files a program under test may touch, whom it may
//! signal, and where it may connect, enforced by the kernel whatever the program's user.
//!
//! The ruleset is built in the grader (it needs to open the allowed paths and allocate) and only
//! applied in the child, between fork and exec, with two plain system calls. Each feature is used
//! as far as the running kernel's Landlock ABI goes: files (ABI 1), links and renames across
//! folders (ABI 2), truncation (ABI 3), TCP (ABI 4), device ioctls (ABI 5), signals and abstract
//! Unix sockets (ABI 6). `Landlock::summary` says what was in force.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

// Access rights on files and folders (linux/landlock.h).
const EXECUTE: u64 = 1 << 0;
const WRITE_FILE: u64 = 1 << 1;
const READ_FILE: u64 = 1 << 2;
const READ_DIR: u64 = 1 << 3;
const REMOVE_DIR: u64 = 1 << 4;
const REMOVE_FILE: u64 = 1 << 5;
const MAKE_CHAR: u64 = 1 << 6;
const MAKE_DIR: u64 = 1 << 7;
const MAKE_REG: u64 = 1 << 8;
const MAKE_SOCK: u64 = 1 << 9;
const MAKE_FIFO: u64 = 1 << 10;
const MAKE_BLOCK: u64 = 1 << 11;
const MAKE_SYM: u64 = 1 << 12;
const REFER: u64 = 1 << 13; // ABI 2
const TRUNCATE: u64 = 1 << 14; // ABI 3
const IOCTL_DEV: u64 = 1 << 15; // ABI 5
// Network (ABI 4) and scopes (ABI 6).
const BIND_TCP: u64 = 1 << 0;
const CONNECT_TCP: u64 = 1 << 1;
const SCOPE_ABSTRACT_UNIX_SOCKET: u64 = 1 << 0;
const SCOPE_SIGNAL: u64 = 1 << 1;

const CREATE_RULESET_VERSION: u32 = 1 << 0;
const RULE_PATH_BENEATH: libc::c_int = 1;

/// The rights that apply to a file, as opposed to a folder (a rule on a file may hold only these).
const FILE_RIGHTS: u64 = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV;

#[repr(C)]
struct RulesetAttr {
    handled_access_fs: u64,
    handled_access_net: u64,
    scoped: u64,
}

#[repr(C, packed)]
struct PathBeneathAttr {
    allowed_access: u64,
    parent_fd: i32,
}

/// The Landlock ABI of the running kernel; 0 where Landlock is missing or disabled.
pub fn abi() -> u32 {
    static ABI: OnceLock<u32> = OnceLock::new();
    *ABI.get_or_init(|| {
        // SAFETY: with a null attribute and the VERSION flag, the call only returns a number.
        let v = unsafe {
            libc::syscall(
                libc::SYS_landlock_create_ruleset,
                std::ptr::null::<RulesetAttr>(),
                0usize,
                CREATE_RULESET_VERSION,
            )
        };
        v.max(0) as u32
    })
}

/// What a sandboxed process may reach: paths with their rights. Everything else under Landlock's
/// handled rights is denied.
#[derive(Clone, Debug, Default)]
pub struct Rules {
    paths: Vec<(PathBuf, Access)>,
}

/// What may be done under a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Read files and list folders.
    Read,
    /// Read and execute (the system's programs and libraries, the program under test).
    ReadExec,
    /// Read, write and truncate existing files (a device such as /dev/null), make nothing new.
    ReadWriteFiles,
    /// Everything but executing: the folder a program works in.
    Own,
    /// Everything: a build's target folder, where the dependencies' build scripts are run.
    OwnExec,
}

impl Access {
    fn rights(self) -> u64 {
        let read = READ_FILE | READ_DIR;
        match self {
            Access::Read => read,
            Access::ReadExec => read | EXECUTE,
            Access::ReadWriteFiles => read | WRITE_FILE | TRUNCATE,
            Access::OwnExec => Access::Own.rights() | EXECUTE,
            Access::Own => {
                read | WRITE_FILE
                    | TRUNCATE
                    | REMOVE_DIR
                    | REMOVE_FILE
                    | MAKE_DIR
                    | MAKE_REG
                    | MAKE_SOCK
                    | MAKE_FIFO
                    | MAKE_SYM
                    | REFER
            }
        }
    }
}

impl Rules {
    pub fn new() -> Rules {
        Rules::default()
    }

    /// Allows `access` under `path` (a missing path is skipped: not every system has /lib64).
    pub fn allow(mut self, path: impl Into<PathBuf>, access: Access) -> Rules {
        self.paths.push((path.into(), access));
        self
    }

    /// The system's programs and libraries, what the dynamic loader reads, and the harmless
    /// devices: what any program needs to start.
    pub fn system() -> Rules {
        Rules::programs()
            .allow("/dev/zero", Access::Read)
            .allow("/dev/urandom", Access::Read)
    }

    /// The system's programs and libraries, what the dynamic loader reads, and /dev/null: what a
    /// build needs (an endless device such as /dev/zero would let `include_bytes!` eat memory).
    pub fn programs() -> Rules {
        let mut rules = Rules::new();
        for dir in [
            "/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32",
        ] {
            rules = rules.allow(dir, Access::ReadExec);
        }
        for file in ["/etc/ld.so.cache", "/etc/ld.so.preload"] {
            rules = rules.allow(file, Access::Read);
        }
        rules.allow("/dev/null", Access::ReadWriteFiles)
    }

    /// Opens the allowed paths and makes the ruleset, with everything the kernel can handle
    /// denied but these. `Ok(None)` where the kernel has no Landlock.
    pub fn prepare(&self) -> io::Result<Option<Landlock>> {
        let abi = abi();
        if abi == 0 {
            return Ok(None);
        }
        let mut fs = EXECUTE
            | WRITE_FILE
            | READ_FILE
            | READ_DIR
            | REMOVE_DIR
            | REMOVE_FILE
            | MAKE_CHAR
            | MAKE_DIR
            | MAKE_REG
            | MAKE_SOCK
            | MAKE_FIFO
            | MAKE_BLOCK
            | MAKE_SYM;
        if abi >= 2 {
            fs |= REFER;
        }
        if abi >= 3 {
            fs |= TRUNCATE;
        }
        if abi >= 5 {
            fs |= IOCTL_DEV;
        }
        let attr = RulesetAttr {
            handled_access_fs: fs,
            handled_access_net: if abi >= 4 { BIND_TCP | CONNECT_TCP } else { 0 },
            scoped: if abi >= 6 {
                SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL
            } else {
                0
            },
        };
        // Older kernels take the shorter structure they know.
        let size = match abi {
            1..=3 => 8,
            4 | 5 => 16,
            _ => std::mem::size_of::<RulesetAttr>(),
        };
        // SAFETY: `attr` is a valid ruleset attribute of at least `size` bytes.
        let fd = unsafe { libc::syscall(libc::SYS_landlock_create_ruleset, &attr, size, 0u32) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: a new descriptor that nothing else owns.
        let ruleset = unsafe { OwnedFd::from_raw_fd(fd as libc::c_int) };
        for (path, access) in &self.paths {
            let Some(target) = open_path(path)? else {
                continue;
            };
            let is_dir = std::fs::metadata(path).is_ok_and(|m| m.is_dir());
            let mut rights = access.rights() & fs;
            if !is_dir {
                rights &= FILE_RIGHTS;
            }
            let rule = PathBeneathAttr {
                allowed_access: rights,
                parent_fd: target.as_raw_fd(),
            };
            // SAFETY: a valid rule that lives for the call, on our own ruleset descriptor.
            let r = unsafe {
                libc::syscall(
                    libc::SYS_landlock_add_rule,
                    ruleset.as_raw_fd(),
                    RULE_PATH_BENEATH,
                    &rule,
                    0u32,
                )
            };
            if r < 0 {
                let e = io::Error::last_os_error();
                return Err(io::Error::new(
                    e.kind(),
                    format!("landlock rule for {}: {e}", path.display()),
                ));
            }
        }
        Ok(Some(Landlock { ruleset, abi }))
    }
}

/// An O_PATH descriptor of `path`, or `None` where nothing is there.
fn open_path(path: &Path) -> io::Result<Option<OwnedFd>> {
    let c = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a NUL in a path"))?;
    // SAFETY: `c` is a NUL-terminated path that lives for the call.
    let fd = unsafe { libc::open(c.as_ptr(), libc::O_PATH | libc::O_CLOEXEC) };
    if fd < 0 {
        let e = io::Error::last_os_error();
        return match e.raw_os_error() {
            Some(libc::ENOENT) | Some(libc::ENOTDIR) => Ok(None),
            _ => Err(e),
        };
    }
    // SAFETY: a new descriptor that nothing else owns.
    Ok(Some(unsafe { OwnedFd::from_raw_fd(fd) }))
}

/// A ruleset ready to be applied in a child.
#[derive(Debug)]
pub struct Landlock {
    ruleset: OwnedFd,
    abi: u32,
}

impl Landlock {
    /// Restricts the calling process (and everything it starts) to the ruleset. Async-signal-safe:
    /// it runs between fork and exec. No new privileges must already be set.
    pub fn restrict_self(&self) -> io::Result<()> {
        // SAFETY: a plain system call on a descriptor that the grader keeps open until the child
        // has exec'd.
        let r = unsafe {
            libc::syscall(
                libc::SYS_landlock_restrict_self,
                self.ruleset.as_raw_fd(),
                0u32,
            )
        };
        if r < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }

    /// What this ruleset enforces, for the report.
    pub fn summary(&self) -> String {
        summary(self.abi)
    }
}

/// What Landlock enforces at `abi`, in words.
pub fn summary(abi: u32) -> String {
    if abi == 0 {
        return "Landlock: not available (Linux 5.13 or later, enabled): programs can read and \
                write whatever their user can"
            .into();
    }
    let mut parts = vec!["files (only the system, the program and its own folder)"];
    if abi >= 4 {
        parts.push("TCP");
    }
    if abi >= 6 {
        parts.push("signals and abstract sockets (only within its own run)");
    }
    format!("Landlock ABI {abi}: {}", parts.join(", "))
}
