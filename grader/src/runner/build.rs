//! The sandbox of a build of submitted code. A student's files are compiled, never run, at build
//! time (no build script or proc macro of theirs is ever built: only `src/` is taken), but the
//! compiler reads whatever `#[path]`, `include_str!` and `include_bytes!` name: an absolute path to
//! a reference solution, another student's binary, /etc/shadow. Under Landlock the build reads
//! only the system, the toolchain, the Cargo home and the kit copy it builds, and writes only
//! there (the copy's Cargo.lock), its target folder and the Cargo home (its locks and caches);
//! it has no TCP.
//!
//! A build is bounded like a run (see `cgroup`): rustc evaluates constants and statics at
//! compile time, and `static BOMB: [u8; 1 << 33] = [7; 1 << 33];` makes it fill gigabytes. Each
//! build of submitted code gets a control group of its own where the machine gives one, its
//! memory (cargo, every rustc and the linker together) limited to `memory_bound()` and its
//! processes to `MAX_PROCESSES`; where there is none, each of its processes gets that much
//! address space (RLIMIT_AS) and the grader's user a few hundred processes more than it has
//! (RLIMIT_NPROC, which binds only an ordinary user: builds make no fork storm of their own, as
//! no code of the student's runs in them).

use std::io;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use super::cgroup::Group;
use super::landlock::{Access, Landlock, Rules};

/// A prepared build sandbox.
pub struct BuildSandbox {
    landlock: Option<Landlock>,
    bounds: Arc<Bounds>,
}

/// The most memory a build may use: `GRADER_BUILD_MEMORY_MIB` MiB, or 2 GiB. A build of the
/// four exercises used at most 98 MiB of its cgroup (193 MiB with the dependencies), and passed
/// with each process held to 512 MiB of address space: the default leaves room for a student's
/// larger (honest) code, and for rustc reserving more address space than it uses.
pub fn memory_bound() -> u64 {
    let mib = std::env::var("GRADER_BUILD_MEMORY_MIB")
        .ok()
        .and_then(|s| s.parse::<u64>().ok());
    mib.filter(|m| *m > 0).unwrap_or(2 << 10) << 20
}

/// The most processes (threads included) a build may have at once in its group.
const MAX_PROCESSES: u64 = 512;

/// What bounds one build: its control group, or the limits each of its processes gets instead.
/// Kept by the caller until the build is over, to learn whether it ran out of memory.
#[derive(Debug)]
pub struct Bounds {
    group: Option<Group>,
    memory: u64,
}

impl Bounds {
    fn new() -> Bounds {
        let memory = memory_bound();
        Bounds {
            // No CPU quota (cargo builds crates side by side), but where there is a cpu
            // controller, the group's fair share of the CPU, as one run has.
            group: Group::bounded(super::cgroup::Bounds {
                memory,
                processes: MAX_PROCESSES,
                cpus: None,
            }),
            memory,
        }
    }

    /// The memory bound, in MiB.
    pub fn memory_mib(&self) -> u64 {
        self.memory >> 20
    }

    /// Whether the kernel killed a process of the build because its group was out of memory.
    pub fn ran_out_of_memory(&self) -> bool {
        self.group.as_ref().is_some_and(Group::out_of_memory)
    }

    /// Kills whatever of the build is left in its group (after a time limit).
    pub fn kill_all(&self) {
        if let Some(group) = &self.group {
            group.kill_all();
        }
    }

    /// RLIMIT_AS for each process of the build, where no group bounds its memory.
    fn address_space(&self) -> Option<u64> {
        (!self.group.as_ref().is_some_and(Group::bounds_memory)).then_some(self.memory)
    }

    /// RLIMIT_NPROC for the build, where no group bounds its processes.
    fn processes(&self) -> Option<u64> {
        (!self.group.as_ref().is_some_and(Group::bounds_processes))
            .then(super::confine::own_process_bound)
    }
}

/// The toolchain's folders: rustup's home and the sysroot of the `rustc` that cargo will run.
fn toolchain() -> &'static Vec<PathBuf> {
    static PATHS: OnceLock<Vec<PathBuf>> = OnceLock::new();
    PATHS.get_or_init(|| {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let rustup = std::env::var_os("RUSTUP_HOME")
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".rustup")));
        let sysroot = Command::new("rustc")
            .args(["--print", "sysroot"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
        // Where `cargo` itself is (rustup's proxies live in the Cargo home's bin/).
        let cargo = which("cargo").and_then(|c| c.canonicalize().ok());
        rustup
            .into_iter()
            .chain(sysroot)
            .chain(cargo.and_then(|c| c.parent().map(Path::to_owned)))
            .collect()
    })
}

/// The Cargo home: its registry holds the dependencies' sources.
pub fn cargo_home() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(program))
            .find(|p| p.is_file())
    })
}

impl BuildSandbox {
    /// A sandbox for building the kit copy at `kit` into `target`, with `tmp` (the build's own
    /// folder) as TMPDIR.
    pub fn new(kit: &Path, target: &Path, tmp: &Path) -> io::Result<BuildSandbox> {
        let mut rules = Rules::programs()
            // Cargo may rewrite the copy's Cargo.lock (the copy lists no solutions).
            .allow(kit, Access::Own)
            .allow(tmp, Access::Own)
            // The dependencies' build scripts are built and run there (never a student's: only
            // `src/` is taken from a submission).
            .allow(target, Access::OwnExec);
        for path in toolchain() {
            rules = rules.allow(path, Access::ReadExec);
        }
        if let Some(home) = cargo_home() {
            // The dependencies' sources, read-only; not the rest of the Cargo home (its
            // credentials, its configuration), save the files cargo locks and updates there.
            rules = rules.allow(home.join("registry"), Access::Read);
            for file in [".package-cache", ".package-cache-mutate", ".global-cache"] {
                rules = rules.allow(home.join(file), Access::ReadWriteFiles);
            }
        }
        Ok(BuildSandbox {
            landlock: rules.prepare()?,
            bounds: Arc::new(Bounds::new()),
        })
    }

    /// Applies the sandbox to `command` (cargo) and everything it starts. Returns its bounds, to
    /// be asked after the build whether it ran out of memory (the command keeps them too, until
    /// it is dropped).
    pub fn confine(self, command: &mut Command) -> Arc<Bounds> {
        let bounds = Arc::clone(&self.bounds);
        let joining = self
            .bounds
            .group
            .as_ref()
            .map(Group::joining)
            .unwrap_or_default();
        let address_space = self.bounds.address_space();
        let processes = self.bounds.processes();
        let group_held = Arc::clone(&self.bounds);
        // SAFETY: the closure runs in the child between fork and exec and makes only system calls
        // (write, setrlimit, sched_setscheduler, setpriority, close_range, prctl,
        // landlock_restrict_self); it allocates nothing.
        unsafe {
            command.pre_exec(move || {
                // Moved in: the group, whose descriptors `joining` are, lives as long as the
                // command, whether or not the caller keeps the bounds returned.
                let _ = &group_held;
                super::cgroup::join(&joining)?;
                for (resource, limit) in [
                    (libc::RLIMIT_AS, address_space),
                    (libc::RLIMIT_NPROC, processes),
                    // No core dumps of a crashing rustc in the build's folders.
                    (libc::RLIMIT_CORE, Some(0)),
                    // No memory locked (see `sandbox::Limits`): no tool of a build locks any.
                    (libc::RLIMIT_MEMLOCK, Some(0)),
                ] {
                    if let Some(limit) = limit {
                        let limit = libc::rlimit {
                            rlim_cur: limit,
                            rlim_max: limit,
                        };
                        super::sandbox::check(libc::setrlimit(resource, &limit))?;
                    }
                }
                super::confine::no_raised_priority()?;
                super::sandbox::close_inherited_on_exec()?;
                super::sandbox::check(libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))?;
                match &self.landlock {
                    Some(landlock) => landlock.restrict_self(),
                    None => Ok(()),
                }
            })
        };
        bounds
    }
}
