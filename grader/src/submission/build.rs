//! A submission's exercises built in the target folder that all builds share (the dependencies
//! compiled once), each program then staged where the runs can execute it, and removed from the
//! shared folder, so that no build can read another's.

use std::collections::BTreeMap;
use std::fs::File;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::Submission;
use super::intake::walk;
use crate::compile::{BuildError, build_all};
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
        // What earlier builds left in the shared target (their programs, anything a grader
        // stopped before its clean-up left) goes in `build_all`, before the build.
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
        // Should this fail, the next build's own clearing fails too, and refuses to build.
        let _ = crate::compile::keep_only_dependencies(self.kit.path(), target);
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
