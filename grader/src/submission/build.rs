//! A submission's exercises built in the target folder that all builds share (the dependencies
//! compiled once), each program then staged where the runs can execute it, and removed from the
//! shared folder, so that no build can read another's.

use std::collections::BTreeMap;
use std::fs::File;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::Submission;
use super::intake::walk;
use crate::compile::{BuildError, build_all, package};
use crate::rubric::EXERCISES;

impl Submission {
    /// Builds the four exercises of the submission into `target` (shared by all submissions, so
    /// that the dependencies are compiled once) and copies each binary to `bin_dir`. Builds that
    /// share a target directory take turns (a lock file), because each writes `release/ex1`; each
    /// removes its programs from there once they are copied, so that no build can read another's
    /// (with `include_bytes!`).
    pub fn build(
        &self,
        target: &Path,
        bin_dir: &Path,
    ) -> BTreeMap<&'static str, Result<PathBuf, BuildError>> {
        let every = |why: String| {
            EXERCISES
                .iter()
                .copied()
                .map(|e| (e, Err(BuildError::Grader(format!("was not built: {why}")))))
                .collect()
        };
        if let Err(e) = std::fs::create_dir_all(target) {
            return every(format!(
                "the grader cannot create {}: {e}",
                target.display()
            ));
        }
        let Some(_turn) = Lock::take(&target.join(".grader-build.lock")) else {
            return every(format!("the grader cannot lock {}", target.display()));
        };
        // Programs of earlier builds that are still there (a grader stopped before its clean-up,
        // or the reference solutions that Gradescope's setup.sh builds there) go first.
        if let Err(e) = remove_programs(target) {
            return every(format!(
                "the grader cannot remove earlier programs from {}: {e}",
                target.display()
            ));
        }
        // Cargo decides whether a crate is out of date by comparing its sources' modification
        // times with its last build in this target directory, made from another submission's
        // copy of the kit. The copies' files may be older than that build; made newer than
        // anything built so far, they are rebuilt.
        if let Err(why) = touch_all(&self.kit.path().join("exercises")) {
            return every(format!("the grader cannot prepare the build: {why}"));
        }
        let packages: Vec<String> = EXERCISES.iter().map(|e| e.to_string()).collect();
        let mut built = build_all(self.kit.path(), &packages, Some(target));
        let programs = EXERCISES
            .iter()
            .copied()
            .map(|exercise| {
                let result = built
                    .remove(exercise)
                    .unwrap_or_else(|| Err(BuildError::Grader("was not built".into())));
                let staged = result.and_then(|binary| {
                    stage(&binary, bin_dir).map_err(|e| {
                        BuildError::Grader(format!("was built, but the grader cannot copy it: {e}"))
                    })
                });
                (exercise, staged)
            })
            .collect();
        // Should this fail, the next build's own removal fails too, and refuses to build.
        let _ = remove_programs(target);
        programs
    }
}

/// Copies a program where the user that runs tests can execute it (see `runner::confinement`).
pub fn stage(binary: &Path, bin_dir: &Path) -> Result<PathBuf, String> {
    std::fs::create_dir_all(bin_dir).map_err(|e| e.to_string())?;
    std::fs::set_permissions(bin_dir, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| e.to_string())?;
    let to = bin_dir.join(binary.file_name().unwrap_or_default());
    std::fs::copy(binary, &to).map_err(|e| format!("cannot copy {}: {e}", binary.display()))?;
    std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| e.to_string())?;
    Ok(to)
}

/// Sets the modification time of every file under `dir` to now.
fn touch_all(dir: &Path) -> std::io::Result<()> {
    let now = std::time::SystemTime::now();
    let mut files = Vec::new();
    walk(dir, Path::new(""), &mut |relative, _| {
        files.push(dir.join(relative))
    })?;
    files
        .iter()
        .try_for_each(|file| File::options().write(true).open(file)?.set_modified(now))
}

/// Removes from the shared target directory every artifact of the exercises' programs, the
/// students' (`ex1`) and the reference solutions' (`ex1-solution`): the binaries, and their
/// deps/ and .fingerprint/ entries. The dependencies' artifacts stay, so builds stay fast.
fn remove_programs(target: &Path) -> io::Result<()> {
    let release = target.join("release");
    for dir in [
        release.clone(),
        release.join("deps"),
        release.join(".fingerprint"),
        release.join("incremental"),
    ] {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            if !is_program_artifact(&entry.file_name().to_string_lossy()) {
                continue;
            }
            if entry.file_type()?.is_dir() {
                std::fs::remove_dir_all(entry.path())?;
            } else {
                std::fs::remove_file(entry.path())?;
            }
        }
    }
    Ok(())
}

/// Whether `name`, in a target directory's release/ or one of its folders, belongs to an
/// exercise's program: `ex1`, `ex1.d`, `ex1-<hash>` (in deps/ and .fingerprint/), its object
/// files `ex1-<hash>.*`, `ex1-solution`, `ex1_solution-<hash>`, and the library a `src/lib.rs`
/// makes of it (`libex1.rlib`, `libex1-<hash>.*`); not `cli_support-<hash>`.
fn is_program_artifact(name: &str) -> bool {
    EXERCISES
        .iter()
        .flat_map(|e| {
            let solution = package(e, true);
            let underscored = solution.replace('-', "_");
            // A `src/lib.rs` makes a library of the package too: `libex1.rlib`, `libex1-<hash>.*`.
            [
                format!("lib{e}"),
                format!("lib{underscored}"),
                e.to_string(),
                underscored,
                solution,
            ]
        })
        .any(|stem| {
            let Some(rest) = name.strip_prefix(stem.as_str()) else {
                return false;
            };
            // Cargo names a unit's files with a hash of 16 hex digits.
            let rest = rest
                .strip_prefix('-')
                .and_then(|r| {
                    let (hash, tail) = (r.get(..16)?, r.get(16..)?);
                    hash.bytes().all(|b| b.is_ascii_hexdigit()).then_some(tail)
                })
                .unwrap_or(rest);
            rest.is_empty() || rest.starts_with('.')
        })
}

/// An exclusive lock on a file, held until dropped (flock(2)).
/// (The file is kept open only for the lock it holds.)
struct Lock(#[allow(dead_code)] File);

impl Lock {
    fn take(path: &Path) -> Option<Lock> {
        use std::os::fd::AsRawFd;
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .ok()?;
        // SAFETY: flock on a descriptor we own; it is released when the file is closed.
        (unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0).then_some(Lock(file))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exercises_programs_are_removed_from_a_shared_target() {
        for yes in [
            "ex1",
            "ex1.d",
            "ex4-0123456789abcdef",
            "ex2-0123456789abcdef.d",
            "ex3-0123456789abcdef.ex3.a1b2c3-cgu.0.rcgu.o",
            "ex1-solution",
            "ex1-solution-0123456789abcdef",
            "ex1_solution-0123456789abcdef",
            "libex1.rlib",
            "libex1.d",
            "libex1-0123456789abcdef.rlib",
            "libex1-0123456789abcdef.rmeta",
        ] {
            assert!(is_program_artifact(yes), "{yes}");
        }
        for no in [
            "cli_support-0123456789abcdef",
            "libcli_support-0123456789abcdef.rlib",
            "ex5",
            "ex10",
            "ex1-notahash0123456",
            "ex1x",
            "libc-0123456789abcdef",
        ] {
            assert!(!is_program_artifact(no), "{no}");
        }
    }
}
