//! Where the kit to grade is: found when the grader runs (`--kit DIR`, or the kit at or above the
//! current directory), never a path compiled into the grader. Cargo does not rebuild a workspace
//! that was moved, and cannot tell apart two checkouts that share a target directory: it knows
//! the workspace's files by their paths relative to it and judges a build fresh by modification
//! times. A path compiled in can name a kit that is gone, or another checkout.
//!
//! Also: the kit without its answers, which is what a submission is built in and what Gradescope
//! gets.

use std::path::{Path, PathBuf};

use crate::rubric::EXERCISES;

/// The kit to grade: `explicit` (`--kit DIR`) when given, which must be a kit itself; otherwise
/// the nearest kit at or above the current directory.
pub fn find(explicit: Option<&Path>) -> Result<PathBuf, String> {
    match explicit {
        Some(dir) => {
            let dir =
                std::path::absolute(dir).map_err(|e| format!("--kit {}: {e}", dir.display()))?;
            match lacks(&dir) {
                None => Ok(dir),
                Some(what) => Err(format!(
                    "{} is not an mmap lab kit: {what} (a kit is a Cargo workspace with exercises/exN)",
                    dir.display()
                )),
            }
        }
        None => {
            let here = std::env::current_dir()
                .map_err(|e| format!("cannot tell the current directory: {e}"))?;
            locate(&here)
        }
    }
}

/// The nearest kit at or above `start`.
pub fn locate(start: &Path) -> Result<PathBuf, String> {
    start
        .ancestors()
        .find(|dir| lacks(dir).is_none())
        .map(Path::to_owned)
        .ok_or_else(|| {
            format!(
                "no mmap lab kit at {} or above it (a kit is a Cargo workspace with \
                 exercises/exN): run the grader inside the kit, or pass --kit DIR",
                start.display()
            )
        })
}

/// What `dir` lacks to be a kit, if anything.
fn lacks(dir: &Path) -> Option<String> {
    let Ok(manifest) = std::fs::read_to_string(dir.join("Cargo.toml")) else {
        return Some("it has no Cargo.toml".into());
    };
    if !manifest.lines().any(|line| line.trim() == "[workspace]") {
        return Some("its Cargo.toml is not a workspace".into());
    }
    EXERCISES
        .iter()
        .map(|e| format!("exercises/{e}/Cargo.toml"))
        .find(|manifest| !dir.join(manifest).is_file())
        .map(|manifest| format!("it has no {manifest}"))
}

/// What of a kit is copied to build submissions in, and shipped to Gradescope: enough for the
/// workspace to build the student crates and the grader. Not `solutions/`, nor the grader's tests
/// (C versions of the programs, mutants of the solutions), so that no submitted code can compile
/// in an answer with `#[path]` or `include!`. With the pinned toolchain, so that submissions are
/// built by the compiler the students use.
const PARTS: [&str; 5] = [
    "Cargo.toml",
    "Cargo.lock",
    "rust-toolchain.toml",
    "exercises",
    "grader",
];
const NOT_COPIED: &str = "grader/tests";

/// Copies the kit at `kit` into `to` without its answers (see `PARTS`), build outputs (`target/`)
/// or git history.
pub fn copy_without_answers(kit: &Path, to: &Path) -> Result<(), String> {
    for part in PARTS {
        copy_tree(&kit.join(part), &to.join(part))
            .map_err(|e| format!("cannot copy the kit's {part}: {e}"))?;
    }
    match std::fs::remove_dir_all(to.join(NOT_COPIED)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(format!("cannot leave out {NOT_COPIED}: {e}"));
        }
        _ => {}
    }
    let manifest = to.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).map_err(|e| e.to_string())?;
    std::fs::write(&manifest, without_solutions(&text)?).map_err(|e| e.to_string())?;
    // Pruned as Cargo would prune it on the first build, so that a fresh clone stays unchanged.
    let lock = to.join("Cargo.lock");
    let text = std::fs::read_to_string(&lock).map_err(|e| e.to_string())?;
    std::fs::write(&lock, lock_without_solutions(&text)).map_err(|e| e.to_string())
}

/// Cargo.lock without the solutions' packages (`[[package]]` entries; nothing depends on them).
fn lock_without_solutions(lock: &str) -> String {
    let solutions: Vec<String> = EXERCISES
        .iter()
        .map(|e| format!("name = \"{}\"", crate::compile::package(e, true)))
        .collect();
    lock.split_inclusive("\n\n")
        .filter(|entry| {
            !entry
                .lines()
                .any(|line| solutions.iter().any(|s| line == s))
        })
        .collect()
}

/// The workspace manifest without the `"solutions/*"` members. Cargo takes a member glob that
/// matches nothing for a literal path, and then fails to find its Cargo.toml.
fn without_solutions(manifest: &str) -> Result<String, String> {
    let text = manifest
        .replace(", \"solutions/*\"", "")
        .replace("\"solutions/*\", ", "");
    if text.contains("\"solutions/") {
        return Err(
            "the workspace's Cargo.toml names solutions/ in a way the grader cannot remove \
             (expected `\"solutions/*\"` in a list)"
                .into(),
        );
    }
    Ok(text)
}

/// Copies a file, or a folder and everything in it but `target/` folders.
pub fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    if from.is_dir() {
        std::fs::create_dir_all(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            if entry.file_name() != "target" {
                copy_tree(&entry.path(), &to.join(entry.file_name()))?;
            }
        }
        Ok(())
    } else {
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(from, to).map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kit_is_found_from_any_folder_inside_it() {
        // Tests run in their package's folder, grader/.
        let kit = locate(&std::env::current_dir().unwrap()).unwrap();
        assert!(kit.join("exercises/ex1/Cargo.toml").is_file());
        assert_eq!(locate(&kit.join("exercises/ex1/src")).unwrap(), kit);
    }

    #[test]
    fn a_folder_that_is_not_a_kit_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let why = locate(dir.path()).unwrap_err();
        assert!(why.contains(&dir.path().display().to_string()), "{why}");
        std::fs::write(dir.path().join("Cargo.toml"), "[workspace]\n").unwrap();
        let why = find(Some(dir.path())).unwrap_err();
        assert!(
            why.contains(&dir.path().display().to_string())
                && why.contains("exercises/ex1/Cargo.toml"),
            "{why}"
        );
    }

    #[test]
    fn the_manifest_loses_only_the_solutions() {
        let kit = find(None).unwrap();
        let manifest = std::fs::read_to_string(kit.join("Cargo.toml")).unwrap();
        let trimmed = without_solutions(&manifest).unwrap();
        assert!(!trimmed.contains("solutions/*"), "{trimmed}");
        assert!(
            trimmed.contains("members = [\"exercises/*\", \"grader\"]"),
            "{trimmed}"
        );
        assert!(
            trimmed.contains("default-members = [\"exercises/cli-support\", \"grader\"]"),
            "{trimmed}"
        );
        assert!(without_solutions("members = [\"solutions/ex*\"]").is_err());
    }

    #[test]
    fn the_lock_loses_only_the_solutions() {
        let package =
            |name: &str| format!("[[package]]\nname = \"{name}\"\nversion = \"0.1.0\"\n\n");
        let lock: String = [
            "cli-support",
            "ex1",
            "ex1-solution",
            "ex4-solution",
            "grader",
        ]
        .map(package)
        .concat();
        let pruned = lock_without_solutions(&lock);
        let kept = ["cli-support", "ex1", "grader"].map(package).concat();
        assert_eq!(pruned, kept);
    }
}
