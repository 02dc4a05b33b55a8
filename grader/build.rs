//! Finds the kit's exercises when the grader is built: each `src/checks/exN.rs` is one, holding
//! its rubric rows (`pub const EXERCISE`). It writes the list of their modules and tables to
//! `$OUT_DIR/exercises.rs` (included by `src/checks/mod.rs`), so that an exercise is added by
//! adding its files (`instructor new-exercise`) and no list anywhere is edited. Where the kit's own
//! tests are present, it lists their per-exercise mutant tables (`tests/mutants/exN.rs`) the
//! same way, in `$OUT_DIR/mutant_tables.rs`.

use std::path::{Path, PathBuf};

/// The `exN` files of `dir`, in the order of N.
fn exercises_in(dir: &Path) -> Vec<(u32, PathBuf)> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let path = entry.path();
            let stem = path.file_stem()?.to_str()?;
            let n: u32 = stem.strip_prefix("ex")?.parse().ok()?;
            (path.extension()? == "rs").then_some((n, path))
        })
        .collect();
    found.sort();
    found
}

/// Module declarations for `files` (by absolute path: the list is included from another folder)
/// and a constant `name` that lists each module's `item`.
fn listing(files: &[(u32, PathBuf)], ty: &str, name: &str, item: &str) -> String {
    // `&EXERCISE` is `&exN::EXERCISE`.
    let (amp, item) = item.split_at(item.len() - item.trim_start_matches('&').len());
    let mut text =
        String::from("// Written by build.rs: the exercises found when the grader was built.\n");
    for (n, path) in files {
        text.push_str(&format!(
            "#[path = {:?}]\npub mod ex{n};\n",
            path.display().to_string()
        ));
    }
    text.push_str(&format!("pub const {name}: &[{ty}] = &["));
    for (n, _) in files {
        text.push_str(&format!("{amp}ex{n}::{item}, "));
    }
    text.push_str("];\n");
    text
}

/// Also the instructor crate's build script (`instructor/build.rs`), whose tests take in the
/// grader's test support and its mutant tables: so `root` is the grader's folder, for both.
pub fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap()).join("../grader");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
    let checks = root.join("src/checks");
    println!("cargo::rerun-if-changed={}", checks.display());
    let exercises = exercises_in(&checks);
    std::fs::write(
        out.join("exercises.rs"),
        listing(&exercises, "&crate::table::Exercise", "TABLES", "&EXERCISE"),
    )
    .unwrap();
    let mutants = root.join("tests/mutants");
    // Not in a student kit (no grader/tests): a path that does not exist would make Cargo run
    // this script, and so rebuild the grader, at every build.
    if mutants.exists() {
        println!("cargo::rerun-if-changed={}", mutants.display());
    }
    std::fs::write(
        out.join("mutant_tables.rs"),
        listing(
            &exercises_in(&mutants),
            "&[Mutant]",
            "MUTANT_TABLES",
            "MUTANTS",
        ),
    )
    .unwrap();
}
