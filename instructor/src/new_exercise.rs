//! `instructor new-exercise exN` (`make new-exercise EX=exN`): scaffolds a new exercise that works
//! from the start, so that a course adds one by adding files and edits none: the student crate
//! (stub and README), the reference solution, the checks with their rubric table, a mutant that
//! the table's test catches, and a C version. The example is `exN cat FILE`, a file printed
//! through a mapping, to be replaced by the course's own exercise. The manifests and `main.rs`
//! files are ex1's, renamed, so that they stay in step with the kit's.

use std::path::{Path, PathBuf};

/// The files of the example, by where they go (`__EX__` is the exercise's name, `__N__` its
/// number).
const TEMPLATES: &[(&str, &str)] = &[
    (
        "exercises/__EX__/README.md",
        include_str!("new_exercise/README.md.txt"),
    ),
    (
        "exercises/__EX__/src/cli.rs",
        include_str!("new_exercise/cli.rs.txt"),
    ),
    (
        "exercises/__EX__/src/exercise.rs",
        include_str!("new_exercise/stub.rs.txt"),
    ),
    (
        "solutions/__EX__/src/exercise.rs",
        include_str!("new_exercise/solution.rs.txt"),
    ),
    (
        "grader/src/checks/__EX__.rs",
        include_str!("new_exercise/checks.rs.txt"),
    ),
    (
        "grader/tests/mutants/__EX__.rs",
        include_str!("new_exercise/mutants.rs.txt"),
    ),
    (
        "grader/tests/foreign/__EX__.c",
        include_str!("new_exercise/foreign.c.txt"),
    ),
];

/// The files taken from ex1, renamed: the crates' manifests and their `main.rs`.
const FROM_EX1: &[&str] = &[
    "exercises/__EX__/Cargo.toml",
    "exercises/__EX__/src/main.rs",
    "solutions/__EX__/Cargo.toml",
    "solutions/__EX__/src/main.rs",
];

/// Writes the new exercise `name` (`ex5`) into `kit`; returns the files written. Refuses a name
/// that is not `exN` or an exercise that exists (nothing is overwritten).
pub fn scaffold(kit: &Path, name: &str) -> Result<Vec<PathBuf>, String> {
    let number: u32 = name
        .strip_prefix("ex")
        .and_then(|n| n.parse().ok())
        .filter(|n| *n > 0 && name == format!("ex{n}"))
        .ok_or_else(|| format!("an exercise is named exN, N a number from 1: not '{name}'"))?;
    let fill = |text: &str| {
        text.replace("__EX__", name)
            .replace("__N__", &number.to_string())
    };
    let mut files: Vec<(PathBuf, String)> = TEMPLATES
        .iter()
        .map(|(path, text)| (kit.join(fill(path)), fill(text)))
        .collect();
    for path in FROM_EX1 {
        let from = kit.join(path.replace("__EX__", "ex1"));
        let text = std::fs::read_to_string(&from)
            .map_err(|e| format!("cannot read {}: {e}", from.display()))?;
        files.push((kit.join(fill(path)), renamed(&text, name, number)));
    }
    if let Some((taken, _)) = files.iter().find(|(path, _)| path.exists()) {
        return Err(format!(
            "{name} exists already: {} is there",
            taken.display()
        ));
    }
    for (path, text) in &files {
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).map_err(|e| format!("{}: {e}", folder.display()))?;
        }
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(files.into_iter().map(|(path, _)| path).collect())
}

/// ex1's manifest or `main.rs`, made `name`'s: every `ex1` renamed, and the description a
/// placeholder for the course's own.
fn renamed(text: &str, name: &str, number: u32) -> String {
    text.lines()
        .map(
            |line| match line.strip_prefix("description = \"Exercise 1: ") {
                Some(rest) => {
                    let role = rest.rsplit_once(" (").map_or(")\"", |(_, role)| role);
                    format!("description = \"Exercise {number}: (its subject) ({role}")
                }
                None => line.replace("ex1", name),
            },
        )
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_exercise_is_only_new_files_and_refuses_a_bad_or_taken_name() {
        let kit = tempfile::tempdir().unwrap();
        for path in FROM_EX1 {
            let from = kit.path().join(path.replace("__EX__", "ex1"));
            std::fs::create_dir_all(from.parent().unwrap()).unwrap();
            std::fs::write(
                &from,
                "name = \"ex1\"\ndescription = \"Exercise 1: peek (student crate: you edit it)\"\n",
            )
            .unwrap();
        }
        let written = scaffold(kit.path(), "ex7").unwrap();
        assert_eq!(written.len(), TEMPLATES.len() + FROM_EX1.len());
        let manifest =
            std::fs::read_to_string(kit.path().join("exercises/ex7/Cargo.toml")).unwrap();
        assert_eq!(
            manifest,
            "name = \"ex7\"\ndescription = \"Exercise 7: (its subject) (student crate: you edit it)\"\n"
        );
        let checks = std::fs::read_to_string(kit.path().join("grader/src/checks/ex7.rs")).unwrap();
        assert!(checks.contains("name: \"ex7\"") && !checks.contains("__EX__"));
        assert!(
            scaffold(kit.path(), "ex7")
                .unwrap_err()
                .contains("exists already")
        );
        for bad in ["ex", "ex0", "ex07", "foo", "ex1/../x"] {
            assert!(scaffold(kit.path(), bad).is_err(), "{bad}");
        }
    }

    /// `make test` starts with `cargo fmt --all --check`: what the scaffolder writes must pass it
    /// as written, for a one-digit and a two-digit name.
    #[test]
    fn the_new_rust_files_are_formatted() {
        for name in ["ex5", "ex12"] {
            let kit = tempfile::tempdir().unwrap();
            for path in FROM_EX1 {
                let from = kit.path().join(path.replace("__EX__", "ex1"));
                std::fs::create_dir_all(from.parent().unwrap()).unwrap();
                std::fs::write(&from, "").unwrap();
            }
            let written = scaffold(kit.path(), name).unwrap();
            let rust: Vec<&PathBuf> = written
                .iter()
                .filter(|p| p.extension().is_some_and(|e| e == "rs"))
                .filter(|p| !p.ends_with("main.rs"))
                .collect();
            let status = std::process::Command::new("rustfmt")
                .args(["--edition", "2024", "--check"])
                .args(&rust)
                .status()
                .expect("rustfmt runs (make test's lint needs it too)");
            assert!(
                status.success(),
                "{name}: rustfmt would change the files above"
            );
        }
    }
}
