//! The mutants: wrong programs that the grader must catch. Each is a reference solution with a
//! small, realistic mistake, and names the rubric tests that must fail on it. A mutant whose edit
//! no longer applies (the solution changed) fails loudly rather than testing nothing.
//! Also: the kit and the grader found at run time, a perfect submission, and the answers that no
//! copy of the kit given to submitted code may hold. (The instructor's tests take this module in
//! theirs: `instructor/tests/support/mod.rs`.)
// Each test binary that includes this module uses only part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The kit these tests belong to, found at run time (a test runs in its package's folder).
pub fn kit_root() -> PathBuf {
    grader::kit::find(None).unwrap_or_else(|why| panic!("{why}"))
}

/// The grader's binary (see `bin`).
pub fn grader_bin() -> PathBuf {
    bin("grader")
}

/// A binary of the tested package (`grader`, `instructor`), found at run time, not from
/// `env!("CARGO_BIN_EXE_grader")`, which is stale once the kit is moved. Cargo sets the variable
/// when it runs a test too since 1.94; before, the binary is in the folder above this test's
/// (`target/release/deps/`).
pub fn bin(name: &str) -> PathBuf {
    std::env::var_os(format!("CARGO_BIN_EXE_{name}")).map_or_else(
        || {
            let me = std::env::current_exe().expect("a test knows where it is");
            me.parent()
                .and_then(Path::parent)
                .expect("a test runs from target/PROFILE/deps/")
                .join(name)
        },
        PathBuf::from,
    )
}

/// The grader, as assert_cmd runs a program outside the sandbox: `grader().args(..).assert()`,
/// with predicates on its status and output.
pub fn grader() -> assert_cmd::Command {
    assert_cmd::Command::new(grader_bin())
}

/// The Rust version that rust-toolchain.toml pins (its `channel`), read by a TOML parser
/// (Python's tomllib): what the images of the kit's CI files and packages must name.
pub fn toolchain_channel() -> String {
    let read = Command::new("python3")
        .args([
            "-c",
            "import sys, tomllib; print(tomllib.load(open(sys.argv[1], 'rb'))['toolchain']['channel'])",
        ])
        .arg(kit_root().join("rust-toolchain.toml"))
        .output()
        .expect("cannot run python3");
    assert!(
        read.status.success(),
        "{}",
        String::from_utf8_lossy(&read.stderr)
    );
    String::from_utf8(read.stdout).unwrap().trim().to_owned()
}

/// Runs one of the scripts that publish the kit (`make gradescope`'s, `make student-kit`'s), with
/// this test's binary (`bin`: `("GRADER_BIN", grader_bin())`, say), writing to `out`.
pub fn publish(script: &str, out: &Path, bin: (&str, PathBuf)) {
    let made = Command::new("bash")
        .arg(kit_root().join(script))
        .arg(out)
        .env(bin.0, bin.1)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {script}: {e}"));
    assert!(
        made.status.success(),
        "{script} failed: {}",
        String::from_utf8_lossy(&made.stderr)
    );
}

/// Builds the given mutants in a scratch copy of the kit under `dir`; returns their binaries.
pub fn build(dir: &Path, mutants: &[&Mutant]) -> Vec<PathBuf> {
    build_mutants(&kit_with_mutants(dir, mutants), mutants)
}

pub struct Mutant {
    pub exercise: &'static str,
    pub name: &'static str,
    /// (text in the solution's `src/exercise.rs`, found exactly once; what replaces it).
    pub edits: &'static [(&'static str, &'static str)],
    pub caught_by: &'static [&'static str],
    /// (a rubric test, text that its failure must show): the hint that names this mistake.
    pub shows: &'static [(&'static str, &'static str)],
}

/// Every mutant, exercise by exercise.
pub fn all_mutants() -> impl Iterator<Item = &'static Mutant> {
    MUTANT_TABLES.iter().flat_map(|table| table.iter())
}

// The mutant tables, one per exercise (`tests/mutants/exN.rs`), found when the grader is built.
include!(concat!(env!("OUT_DIR"), "/mutant_tables.rs"));

/// A scratch copy of the kit's sources (no target/, no .git) with one package per mutant (and
/// every member of the workspace, `instructor/` included, without which Cargo builds nothing).
fn kit_with_mutants(root: &Path, mutants: &[&Mutant]) -> PathBuf {
    let scratch = root.join("kit");
    for part in [
        "Cargo.toml",
        "Cargo.lock",
        "exercises",
        "solutions",
        "grader",
        "instructor",
    ] {
        copy_tree(&kit_root().join(part), &scratch.join(part));
    }
    for m in mutants {
        let dir = scratch.join("solutions").join(format!("mutant-{}", m.name));
        copy_tree(&kit_root().join("solutions").join(m.exercise), &dir);
        let manifest = dir.join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest).unwrap();
        let renamed = text.replace(
            &format!("name = \"{}-solution\"", m.exercise),
            &format!("name = \"mutant-{}\"", m.name),
        );
        assert_ne!(
            text, renamed,
            "cannot rename the package of mutant {}",
            m.name
        );
        std::fs::write(&manifest, renamed).unwrap();
        std::fs::write(dir.join("src/exercise.rs"), mutant_source(m)).unwrap();
    }
    scratch
}

/// The mutant's `src/exercise.rs`: the solution's, with the mutant's edits.
pub fn mutant_source(m: &Mutant) -> String {
    let source = kit_root()
        .join("solutions")
        .join(m.exercise)
        .join("src/exercise.rs");
    let mut code = std::fs::read_to_string(&source).unwrap();
    for (find, replace) in m.edits {
        let found = code.matches(find).count();
        assert_eq!(
            found, 1,
            "mutant {}: {find:?} occurs {found} times in the solution (expected once)",
            m.name
        );
        code = code.replacen(find, replace, 1);
    }
    code
}

/// Copies a file or a folder (but its `target/`), failing the test on any error.
pub fn copy_tree(from: &Path, to: &Path) {
    grader::kit::copy_tree(from, to)
        .unwrap_or_else(|e| panic!("cannot copy {}: {e}", from.display()));
}

/// Builds every mutant at once, sharing the kit's compiled dependencies, and returns each binary.
fn build_mutants(scratch: &Path, mutants: &[&Mutant]) -> Vec<PathBuf> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| kit_root().join("target"), PathBuf::from);
    let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cargo
        .current_dir(scratch)
        .env("CARGO_TARGET_DIR", &target)
        .args(["build", "--release", "--quiet"]);
    for m in mutants {
        cargo.args(["-p", &format!("mutant-{}", m.name)]);
    }
    // Mutants are sloppy code (unused variables and the like): show the compiler only if one fails.
    let output = cargo.output().expect("cannot run cargo");
    assert!(
        output.status.success(),
        "the mutants do not build:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    mutants
        .iter()
        .map(|m| target.join("release").join(format!("mutant-{}", m.name)))
        .collect()
}

/// Every file under `dir` (but `target/` and `.git/`) with its contents, by path.
pub fn files_under(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(dir: &Path, files: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            if entry.file_name() == "target" || entry.file_name() == ".git" {
                continue;
            }
            if entry.file_type().unwrap().is_dir() {
                walk(&entry.path(), files);
            } else {
                files.insert(entry.path(), std::fs::read(entry.path()).unwrap());
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(dir, &mut files);
    files
}

/// The kit's answers, by contents: the reference solutions' sources, and every file of the
/// grader's and the instructor's tests (C versions of the programs, the mutants, hostile
/// submissions, an ex3 written apart).
pub fn answers() -> BTreeMap<Vec<u8>, PathBuf> {
    let kit = kit_root();
    let mut answers = BTreeMap::new();
    for exercise in grader::rubric::EXERCISES.iter().copied() {
        let src = kit.join("solutions").join(exercise).join("src");
        answers.extend(
            files_under(&src)
                .into_iter()
                .map(|(path, text)| (text, path)),
        );
    }
    // The tests of both crates: C versions, mutants, hostile submissions, an ex3 written apart.
    for tests in ["grader/tests", "instructor/tests"] {
        answers.extend(
            files_under(&kit.join(tests))
                .into_iter()
                .map(|(path, text)| (text, path)),
        );
    }
    answers
}

/// The files under `dir` that hold one of the kit's `answers` (same contents, whatever the name),
/// each with the answer it repeats.
pub fn answers_in(dir: &Path, answers: &BTreeMap<Vec<u8>, PathBuf>) -> Vec<String> {
    files_under(dir)
        .into_iter()
        .filter_map(|(path, text)| {
            let answer = answers.get(&text)?;
            Some(format!("{} is {}", path.display(), answer.display()))
        })
        .collect()
}

/// A submission laid out like the kit with the stubs, untouched.
pub fn stub_submission(dir: &Path) {
    for exercise in grader::rubric::EXERCISES.iter().copied() {
        copy_tree(
            &kit_root().join("exercises").join(exercise).join("src"),
            &dir.join("exercises").join(exercise).join("src"),
        );
    }
}

/// A submission laid out like the kit whose student files are the reference solutions: the
/// student crates' own front ends, with the solutions' `exercise.rs`.
pub fn perfect_submission(dir: &Path) {
    stub_submission(dir);
    for exercise in grader::rubric::EXERCISES.iter().copied() {
        let src = dir.join("exercises").join(exercise).join("src");
        std::fs::copy(
            kit_root()
                .join("solutions")
                .join(exercise)
                .join("src/exercise.rs"),
            src.join("exercise.rs"),
        )
        .unwrap();
    }
}

/// A perfect submission whose ex2 does not compile.
pub fn broken_submission(dir: &Path) {
    perfect_submission(dir);
    let ex2 = dir.join("exercises/ex2/src/exercise.rs");
    let code = std::fs::read_to_string(&ex2).unwrap() + "\nfn unfinished( {\n";
    std::fs::write(&ex2, code).unwrap();
}

/// `program`, to be run as an ordinary user: as `nobody` (setpriv) when this test is root, as
/// this test's own user otherwise.
pub fn as_unprivileged(program: &Path) -> Command {
    // SAFETY: geteuid only reads this process's credentials.
    if unsafe { libc::geteuid() } == 0 {
        let mut command = Command::new("setpriv");
        command
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(program);
        command
    } else {
        Command::new(program)
    }
}

/// The number a hostile program printed after `label` (in what the report says it printed).
pub fn count_after(said: &str, label: &str) -> u64 {
    said.split_once(label)
        .and_then(|(_, rest)| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number after {label:?}: {said}"))
}
