//! `make handin`: the student files of a kit in a tarball, with a manifest of their sums.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::intake::{Kind, walk};
use super::is_student_file;

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
