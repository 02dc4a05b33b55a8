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
/// in an answer with `#[path]` or `include!`; nor the instructor's tools (`INSTRUCTOR`), which
/// neither grading nor a student needs. With the pinned toolchain, so that submissions are built
/// by the compiler the students use.
const PARTS: [&str; 5] = [
    "Cargo.toml",
    "Cargo.lock",
    "rust-toolchain.toml",
    "exercises",
    "grader",
];
const NOT_COPIED: &str = "grader/tests";
/// The instructor's crate: its folder, workspace member and package.
const INSTRUCTOR: &str = "instructor";

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
    std::fs::write(&manifest, members_copied(&text)?).map_err(|e| e.to_string())?;
    // Pruned as Cargo would prune it on the first build, so that a fresh clone stays unchanged.
    let lock = to.join("Cargo.lock");
    let text = std::fs::read_to_string(&lock).map_err(|e| e.to_string())?;
    std::fs::write(&lock, lock_of_copy(&text)).map_err(|e| e.to_string())
}

/// The workspace members a copy leaves out, as the manifest names them.
const MEMBERS_LEFT_OUT: [&str; 2] = ["solutions/*", INSTRUCTOR];

/// Cargo.lock without the packages of the members left out (`[[package]]` entries), and without
/// the packages that only they depend on: what Cargo keeps of it in the copy.
fn lock_of_copy(lock: &str) -> String {
    let left_out: Vec<String> = EXERCISES
        .iter()
        .map(|e| crate::compile::package(e, true))
        .chain([INSTRUCTOR.to_owned()])
        .collect();
    let entries: Vec<&str> = lock.split_inclusive("\n\n").collect();
    let field = |entry: &str, key: &str| {
        entry.lines().find_map(|line| {
            let value = line.strip_prefix(key)?.strip_prefix(" = \"")?;
            value.strip_suffix('"').map(str::to_owned)
        })
    };
    let is_package = |entry: &str| entry.starts_with("[[package]]");
    // The members that stay (a package without a source is the workspace's), then all they use.
    let mut to_visit: Vec<usize> = (0..entries.len())
        .filter(|&i| is_package(entries[i]) && field(entries[i], "source").is_none())
        .filter(|&i| field(entries[i], "name").is_none_or(|n| !left_out.contains(&n)))
        .collect();
    let mut kept = vec![false; entries.len()];
    while let Some(i) = to_visit.pop() {
        if std::mem::replace(&mut kept[i], true) {
            continue;
        }
        for dependency in dependencies(entries[i]) {
            // "name", or "name version" where the lock holds two versions of one package.
            let mut words = dependency.split(' ');
            let (name, version) = (words.next(), words.next());
            to_visit.extend((0..entries.len()).filter(|&j| {
                is_package(entries[j])
                    && field(entries[j], "name").as_deref() == name
                    && version.is_none_or(|v| field(entries[j], "version").as_deref() == Some(v))
            }));
        }
    }
    (0..entries.len())
        .filter(|&i| kept[i] || !is_package(entries[i]))
        .map(|i| entries[i])
        .collect()
}

/// The `dependencies` of a lock file's package entry, as it writes them (`"name"` or
/// `"name version"`, one a line).
fn dependencies(entry: &str) -> impl Iterator<Item = &str> {
    entry
        .lines()
        .skip_while(|line| *line != "dependencies = [")
        .skip(1)
        .take_while(|line| *line != "]")
        .filter_map(|line| line.trim().strip_prefix('"')?.strip_suffix("\","))
}

/// The workspace manifest without the members left out (`MEMBERS_LEFT_OUT`). Cargo takes a member
/// glob that matches nothing for a literal path, and then fails to find its Cargo.toml.
fn members_copied(manifest: &str) -> Result<String, String> {
    let mut text = manifest.to_owned();
    for member in MEMBERS_LEFT_OUT {
        let quoted = format!("\"{member}\"");
        text = text
            .replace(&format!(", {quoted}"), "")
            .replace(&format!("{quoted}, "), "");
    }
    if text.contains("\"solutions/") || text.contains(&format!("\"{INSTRUCTOR}\"")) {
        return Err(format!(
            "the workspace's Cargo.toml names solutions/ or {INSTRUCTOR} in a way the grader cannot \
             remove (expected `\"solutions/*\"` and `\"{INSTRUCTOR}\"` in a list)"
        ));
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
    fn the_manifest_loses_only_the_solutions_and_the_instructor() {
        let kit = find(None).unwrap();
        let manifest = std::fs::read_to_string(kit.join("Cargo.toml")).unwrap();
        let trimmed = members_copied(&manifest).unwrap();
        assert!(!trimmed.contains("solutions/*"), "{trimmed}");
        assert!(
            trimmed.contains("members = [\"exercises/*\", \"grader\"]"),
            "{trimmed}"
        );
        assert!(
            trimmed.contains("default-members = [\"exercises/cli-support\", \"grader\"]"),
            "{trimmed}"
        );
        assert!(members_copied("members = [\"solutions/ex*\"]").is_err());
        assert!(members_copied("members = [\"instructor\"]").is_err());
    }

    #[test]
    fn the_lock_loses_the_solutions_the_instructor_and_what_only_they_use() {
        let package = |(name, source, deps): (&str, bool, &[&str])| {
            let source = if source {
                "source = \"registry\"\n"
            } else {
                ""
            };
            let deps: String = deps.iter().map(|d| format!(" \"{d}\",\n")).collect();
            let deps = if deps.is_empty() {
                deps
            } else {
                format!("dependencies = [\n{deps}]\n")
            };
            format!("[[package]]\nname = \"{name}\"\nversion = \"0.1.0\"\n{source}{deps}\n")
        };
        let header = "# a comment\nversion = 4\n\n";
        let entries: [(&str, bool, &[&str]); 8] = [
            ("cli-support", false, &[]),
            ("ex1", false, &["cli-support"]),
            ("ex1-solution", false, &["cli-support", "memmap2"]),
            ("ex4-solution", false, &[]),
            ("grader", false, &["libc"]),
            ("html5ever", true, &["log"]),
            ("instructor", false, &["grader", "html5ever"]),
            ("libc", true, &[]),
        ];
        let lock = header.to_owned() + &entries.map(package).concat();
        let kept = [entries[0], entries[1], entries[4], entries[7]];
        let want = header.to_owned() + &kept.map(package).concat();
        assert_eq!(lock_of_copy(&lock), want);
    }
}
