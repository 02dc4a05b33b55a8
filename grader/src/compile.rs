//! Building the programs to grade, in release mode. One Cargo invocation builds all the exercises
//! asked for (`--keep-going`), so that one that does not compile scores 0 with its first compiler
//! error shown and the others are still built and graded.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::rubric::EXERCISES;

/// The Cargo package of an exercise: the student's crate, or the reference solution.
pub fn package(exercise: &str, solutions: bool) -> String {
    if solutions {
        format!("{exercise}-solution")
    } else {
        exercise.to_owned()
    }
}

/// Builds `package` in the kit at `root`; returns the path of its binary, or why it failed.
///
/// An exercise's package (`ex3`, or `ex3-solution`) is built as `make grade` builds it: with the
/// other three of its kind, in one Cargo run. Cargo compiles a dependency once for each set of
/// features that the packages built together ask for; built alone, each exercise would have its
/// own build of nix.
pub fn build(root: &Path, package: &str) -> Result<PathBuf, String> {
    let solutions = package.ends_with("-solution");
    let mut packages: Vec<String> = EXERCISES
        .iter()
        .map(|e| self::package(e, solutions))
        .collect();
    if !packages.iter().any(|p| p == package) {
        packages = vec![package.to_owned()];
    }
    let mut built = build_all(root, &packages, None);
    built
        .remove(package)
        .unwrap_or_else(|| Err("was not built".into()))
}

/// Builds every package of `packages` in the kit at `root`, into `target` (default: the kit's own
/// `target/`). Returns each package's binary, or the first compiler error that stopped it.
///
/// Not into the target directory that CARGO_TARGET_DIR or `build.target-dir` may name: shared by
/// two checkouts of the kit, it would hand one checkout the other's binaries. Cargo knows a
/// workspace's crates by their paths relative to it, and rebuilds one only when its files are
/// newer than its last build, wherever that build was made from.
pub fn build_all(
    root: &Path,
    packages: &[String],
    target: Option<&Path>,
) -> BTreeMap<String, Result<PathBuf, String>> {
    let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cargo.current_dir(root).args([
        "build",
        "--release",
        "--keep-going",
        "--message-format=json",
    ]);
    for package in packages {
        cargo.args(["-p", package]);
    }
    let own_target = root.join("target");
    cargo.env("CARGO_TARGET_DIR", target.unwrap_or(&own_target));
    let output = match cargo.output() {
        Ok(output) => output,
        Err(e) => {
            // Cargo runs in the kit: a kit folder that is gone fails the same way as no cargo.
            let why = if root.is_dir() {
                format!("cannot run cargo: {e}")
            } else {
                format!("cannot build in {}: the folder is gone", root.display())
            };
            return packages
                .iter()
                .map(|p| (p.clone(), Err(why.clone())))
                .collect();
        }
    };
    let mut binaries = BTreeMap::new();
    let mut errors = BTreeMap::new();
    for message in String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
    {
        let Some(target) = message["target"]["name"].as_str() else {
            continue;
        };
        match message["reason"].as_str() {
            Some("compiler-artifact") => {
                if let Some(path) = message["executable"].as_str() {
                    binaries.insert(target.to_owned(), PathBuf::from(path));
                }
            }
            Some("compiler-message") if message["message"]["level"] == "error" => {
                let rendered = message["message"]["rendered"].as_str().unwrap_or_default();
                errors
                    .entry(target.to_owned())
                    .or_insert_with(|| rendered.trim_end().to_owned());
            }
            _ => {}
        }
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    packages
        .iter()
        .map(|package| {
            let result = match (binaries.remove(package), errors.remove(package)) {
                (Some(path), _) => Ok(path),
                (None, Some(error)) => {
                    Err(format!("does not compile:\n{}", first_lines(&error, 30)))
                }
                (None, None) => Err(format!(
                    "was not built:\n{}",
                    first_lines(stderr.trim(), 30)
                )),
            };
            (package.clone(), result)
        })
        .collect()
}

fn first_lines(text: &str, n: usize) -> String {
    text.lines().take(n).collect::<Vec<_>>().join("\n")
}
