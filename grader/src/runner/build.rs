//! The sandbox of a build of submitted code. A student's files are compiled, never run, at build
//! time (no build script or proc macro of theirs is ever built: only `src/` is taken), but the
//! compiler reads whatever `#[path]`, `include_str!` and `include_bytes!` name: an absolute path to
//! a reference solution, another student's binary, /etc/shadow. Under Landlock the build reads
//! only the system, the toolchain, the Cargo home and the kit copy it builds, and writes only
//! there (the copy's Cargo.lock), its target folder and the Cargo home (its locks and caches);
//! it has no TCP.

use std::io;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use super::landlock::{Access, Landlock, Rules};

/// A prepared build sandbox.
pub struct BuildSandbox {
    landlock: Option<Landlock>,
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
    /// A sandbox for building the kit copy at `kit` into `target`.
    pub fn new(kit: &Path, target: &Path) -> io::Result<BuildSandbox> {
        let mut rules = Rules::programs()
            // Cargo may rewrite the copy's Cargo.lock (the copy lists no solutions).
            .allow(kit, Access::Own)
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
        })
    }

    /// Applies the sandbox to `command` (cargo) and everything it starts.
    pub fn confine(self, command: &mut Command) {
        // SAFETY: the closure runs in the child between fork and exec and makes only system calls
        // (close_range, prctl, landlock_restrict_self); it allocates nothing.
        unsafe {
            command.pre_exec(move || {
                super::sandbox::close_inherited_on_exec()?;
                super::sandbox::check(libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))?;
                match &self.landlock {
                    Some(landlock) => landlock.restrict_self(),
                    None => Ok(()),
                }
            })
        };
    }
}
