//! Building the programs to grade: each exercise on its own, in release mode, so that one that
//! does not compile scores 0 with its first compiler error shown and the others are still graded.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The kit's root: the workspace that holds the grader.
pub fn kit_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the grader lives inside the kit")
        .to_owned()
}

/// The Cargo package of an exercise: the student's crate, or the reference solution.
pub fn package(exercise: &str, solutions: bool) -> String {
    if solutions {
        format!("{exercise}-solution")
    } else {
        exercise.to_owned()
    }
}

/// Builds `package` in the kit at `root` and returns the path of its binary, or the first compiler
/// error (or whatever else went wrong) as a message.
pub fn build(root: &Path, package: &str) -> Result<PathBuf, String> {
    let output = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .current_dir(root)
        .args([
            "build",
            "--release",
            "--quiet",
            "--message-format=json-render-diagnostics",
            "-p",
            package,
        ])
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let executable = stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|msg| msg["reason"] == "compiler-artifact" && msg["target"]["name"] == package)
        .find_map(|msg| msg["executable"].as_str().map(PathBuf::from));
    match executable {
        Some(path) if output.status.success() => Ok(path),
        _ => Err(first_error(&String::from_utf8_lossy(&output.stderr))),
    }
}

/// The first `error` block of Cargo's output, which is the one to fix first.
fn first_error(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.starts_with("error"))
        .unwrap_or(0);
    let end = lines[start + 1..]
        .iter()
        .position(|l| l.starts_with("error") || l.starts_with("warning"))
        .map_or(lines.len(), |n| start + 1 + n);
    let block = lines[start..end.min(start + 30)].join("\n");
    format!("does not compile:\n{}", block.trim_end())
}
