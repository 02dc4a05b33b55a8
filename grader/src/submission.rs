//! A student's submission, graded in a pristine copy of the kit.
//!
//! Only the student's own files are taken from a submission: regular files under
//! `exercises/ex1..ex4/src/`. Everything else (edited tests or grader files, Cargo.toml,
//! build.rs, `.cargo/config.toml`, symlinks, results files) is left out and listed as ignored.
//! The same rule makes the hand-in tarball (`make handin`).

use std::collections::BTreeMap;
use std::fs::File;
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

use crate::compile::build_all;
use crate::kit::copy_without_answers;
use crate::rubric::EXERCISES;

/// The largest student file taken (a source file, not a data set).
const MAX_FILE: u64 = 1 << 20;

/// Whether `relative` (a path inside a kit) is one of the files a student writes.
pub fn is_student_file(relative: &Path) -> bool {
    let parts: Vec<&str> = relative
        .components()
        .map(|c| match c {
            Component::Normal(name) => name.to_str().unwrap_or("\0"),
            _ => "\0", // "..", "/", "." never name a student file.
        })
        .collect();
    matches!(&parts[..], ["exercises", exercise, "src", rest @ ..]
        if EXERCISES.contains(exercise) && !rest.is_empty() && !rest.contains(&"\0"))
}

/// A submission unpacked into a pristine copy of the kit.
pub struct Submission {
    /// The kit copy, with the student's files in place.
    pub kit: TempDir,
    /// The student files taken, relative to the kit.
    pub taken: Vec<PathBuf>,
    /// What was left out, with why.
    pub ignored: Vec<(PathBuf, &'static str)>,
    /// A hash of the student files taken (paths and contents): the same hash, the same grade.
    pub hash: String,
}

impl Submission {
    /// Reads a submission: a tarball (`.tar.gz`, `.tgz`, `.tar`) or a directory laid out like the
    /// kit, at its top or inside one top-level folder. It is graded in a copy of `kit`.
    pub fn import(path: &Path, kit: &Path) -> Result<Submission, String> {
        let unpacked;
        let root = if path.is_dir() {
            path.to_owned()
        } else {
            unpacked = tempfile::tempdir().map_err(|e| e.to_string())?;
            let status = Command::new("tar")
                .args(["-xf"])
                .arg(path)
                .args(["--no-same-owner", "--no-same-permissions", "-C"])
                .arg(unpacked.path())
                .output()
                .map_err(|e| format!("cannot run tar: {e}"))?;
            if !status.status.success() {
                return Err(format!(
                    "cannot unpack {}: {}",
                    path.display(),
                    String::from_utf8_lossy(&status.stderr).trim()
                ));
            }
            unpacked.path().to_owned()
        };
        let root = kit_top(&root);
        let kit = pristine_kit(kit)?;
        let mut taken = Vec::new();
        let mut ignored = Vec::new();
        walk(&root, Path::new(""), &mut |relative, kind| {
            let reason = match kind {
                Kind::Symlink => Some("a symbolic link"),
                Kind::Other => Some("not a regular file"),
                Kind::File(_) if !is_student_file(relative) => Some("not a student file"),
                Kind::File(size) if size > MAX_FILE => Some("larger than 1 MiB"),
                Kind::File(_) => None,
            };
            match reason {
                Some(reason) => ignored.push((relative.to_owned(), reason)),
                None => taken.push(relative.to_owned()),
            }
        })
        .map_err(|e| format!("cannot read the submission: {e}"))?;
        for relative in &taken {
            let to = kit.path().join(relative);
            std::fs::create_dir_all(to.parent().expect("student files are in a folder"))
                .map_err(|e| e.to_string())?;
            std::fs::copy(root.join(relative), &to)
                .map_err(|e| format!("cannot copy {}: {e}", relative.display()))?;
        }
        let hash = sha256_of(kit.path(), &taken)?;
        Ok(Submission {
            kit,
            taken,
            ignored,
            hash,
        })
    }

    /// Builds the four exercises of the submission into `target` (shared by all submissions, so
    /// that the dependencies are compiled once) and copies each binary to `bin_dir`. Builds that
    /// share a target directory take turns (a lock file), because each writes `release/ex1`.
    pub fn build(
        &self,
        target: &Path,
        bin_dir: &Path,
    ) -> BTreeMap<&'static str, Result<PathBuf, String>> {
        std::fs::create_dir_all(target).ok();
        let _turn = Lock::take(&target.join(".grader-build.lock"));
        // Cargo decides whether a crate is out of date by comparing its sources' modification
        // times with its last build in this target directory, made from another submission's
        // copy of the kit. The copies' files may be older than that build; made newer than
        // anything built so far, they are rebuilt.
        if let Err(why) = touch_all(&self.kit.path().join("exercises")) {
            return EXERCISES
                .into_iter()
                .map(|e| (e, Err(format!("cannot prepare the build: {why}"))))
                .collect();
        }
        let packages: Vec<String> = EXERCISES.iter().map(|e| e.to_string()).collect();
        let mut built = build_all(self.kit.path(), &packages, Some(target));
        EXERCISES
            .into_iter()
            .map(|exercise| {
                let result = built
                    .remove(exercise)
                    .unwrap_or_else(|| Err("was not built".into()));
                (exercise, result.and_then(|binary| stage(&binary, bin_dir)))
            })
            .collect()
    }
}

/// `make handin`: writes a tarball of the student files of the kit at `kit`, with a MANIFEST
/// (each file's sha256, and the git commit when there is one). Returns warnings to show, such as
/// uncommitted changes.
pub fn handin(kit: &Path, out: &Path) -> Result<Vec<String>, String> {
    let mut files = Vec::new();
    walk(
        &kit.join("exercises"),
        Path::new(""),
        &mut |relative, kind| {
            let relative = Path::new("exercises").join(relative);
            if matches!(kind, Kind::File(_)) && is_student_file(&relative) {
                files.push(relative);
            }
        },
    )
    .map_err(|e| format!("cannot read the exercises: {e}"))?;
    files.sort();
    let git = |args: &[&str]| {
        Command::new("git")
            .current_dir(kit)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let commit = git(&["rev-parse", "HEAD"]);
    let mut warnings = Vec::new();
    match git(&["status", "--porcelain", "--", "exercises"]) {
        Some(changes) if !changes.is_empty() => warnings.push(format!(
            "warning: uncommitted changes are handed in as they are now, but no commit records them:\n{changes}"
        )),
        None => warnings.push("warning: not a git checkout: the manifest records no commit".into()),
        _ => {}
    }
    let manifest = format!(
        "# mmap lab kit hand-in: the student files and their sha256 sums\ncommit: {}\n{}",
        commit.as_deref().unwrap_or("none"),
        sha256_lines(kit, &files)?
    );
    let staging = tempfile::tempdir().map_err(|e| e.to_string())?;
    std::fs::write(staging.path().join("MANIFEST"), manifest).map_err(|e| e.to_string())?;
    let out = std::path::absolute(out).map_err(|e| e.to_string())?;
    let status = Command::new("tar")
        .arg("-czf")
        .arg(&out)
        .arg("-C")
        .arg(staging.path())
        .arg("MANIFEST")
        .arg("-C")
        .arg(kit)
        .args(&files)
        .output()
        .map_err(|e| format!("cannot run tar: {e}"))?;
    if !status.status.success() {
        return Err(format!(
            "tar failed: {}",
            String::from_utf8_lossy(&status.stderr).trim()
        ));
    }
    Ok(warnings)
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

/// The folder that holds `exercises/`: `root` itself, or its one top-level folder.
fn kit_top(root: &Path) -> PathBuf {
    if root.join("exercises").is_dir() {
        return root.to_owned();
    }
    let folders: Vec<PathBuf> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    match &folders[..] {
        [only] if only.join("exercises").is_dir() => only.clone(),
        _ => root.to_owned(),
    }
}

/// A fresh copy of the sources of the kit at `kit`, without its answers (see
/// `kit::copy_without_answers`).
fn pristine_kit(kit: &Path) -> Result<TempDir, String> {
    let copy = tempfile::Builder::new()
        .prefix("kit-")
        .tempdir()
        .map_err(|e| e.to_string())?;
    copy_without_answers(kit, copy.path())?;
    Ok(copy)
}

enum Kind {
    File(u64),
    Symlink,
    Other,
}

/// Visits every entry under `root/relative` without following symbolic links.
fn walk(root: &Path, relative: &Path, visit: &mut dyn FnMut(&Path, Kind)) -> std::io::Result<()> {
    for entry in std::fs::read_dir(root.join(relative))? {
        let entry = entry?;
        let path = relative.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(root, &path, visit)?;
        } else if kind.is_symlink() {
            visit(&path, Kind::Symlink);
        } else if kind.is_file() {
            visit(&path, Kind::File(entry.metadata()?.len()));
        } else {
            visit(&path, Kind::Other);
        }
    }
    Ok(())
}

/// `sha256sum`'s lines for `files` (relative to `root`, in order), as one string.
pub fn sha256_lines(root: &Path, files: &[PathBuf]) -> Result<String, String> {
    if files.is_empty() {
        return Ok(String::new());
    }
    let output = Command::new("sha256sum")
        .current_dir(root)
        .arg("--")
        .args(files)
        .output()
        .map_err(|e| format!("cannot run sha256sum: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// One hash for a set of files: the sha256 of their sorted `sha256sum` lines.
fn sha256_of(root: &Path, files: &[PathBuf]) -> Result<String, String> {
    use std::io::Write;
    let mut sorted = files.to_vec();
    sorted.sort();
    let lines = sha256_lines(root, &sorted)?;
    let mut hasher = Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run sha256sum: {e}"))?;
    hasher
        .stdin
        .take()
        .expect("piped")
        .write_all(lines.as_bytes())
        .map_err(|e| e.to_string())?;
    let output = hasher.wait_with_output().map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned())
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
    fn only_files_under_an_exercise_src_are_student_files() {
        for yes in [
            "exercises/ex1/src/exercise.rs",
            "exercises/ex4/src/deep/helper.rs",
        ] {
            assert!(is_student_file(Path::new(yes)), "{yes}");
        }
        for no in [
            "exercises/ex1/Cargo.toml",
            "exercises/ex1/build.rs",
            "exercises/ex1/src",
            "exercises/ex5/src/exercise.rs",
            "exercises/cli-support/src/lib.rs",
            "grader/src/rubric.rs",
            ".cargo/config.toml",
            "results.json",
            "exercises/ex1/src/../../../grader/src/rubric.rs",
            "/exercises/ex1/src/exercise.rs",
            "./exercises/ex1/src/exercise.rs",
        ] {
            assert!(!is_student_file(Path::new(no)), "{no}");
        }
    }
}
