//! The kit grades the checkout it is run in, found when the grader runs: a kit moved after a build
//! still grades itself, and two checkouts that share a target directory (CARGO_TARGET_DIR) do not
//! grade each other's exercises, with `make grade` or with `cargo test -p exN`. Where there is no
//! kit, the grader says where it looked and stops with status 3.
//!
//! The copies are built as a student builds them (`make`, `cargo`), offline, with this kit's Cargo
//! registry and one target directory for all of them, which is the case under test and also lets
//! them share one build of the grader.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use grader::rubric::{points_of, total_points};
use support::{grader_bin, kit_root};

/// The target directory the copies share. It is kept from one run to the next, so that the
/// grader and its dependencies are compiled only when they change.
fn shared_target() -> std::path::PathBuf {
    kit_root().join("target/kit-location")
}

/// A clone of the kit at `to`: its sources without target/ or .git. They keep their modification
/// times, older than any build in the shared target directory, as the files of a second clone made
/// before the first one is built: Cargo then takes either checkout's builds for the other's. (And
/// the grader built there by an earlier run is not rebuilt.)
fn clone_kit(to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for part in [
        "Cargo.toml",
        "Cargo.lock",
        "Makefile",
        "exercises",
        "solutions",
        "grader",
        "instructor",
    ] {
        let copied = Command::new("cp")
            .args(["-R", "-p"])
            .arg(kit_root().join(part))
            .arg(to)
            .output()
            .unwrap();
        assert!(copied.status.success(), "{copied:?}");
    }
}

/// Runs `program args` in `dir` as a student would, but with the shared target directory.
fn run(dir: &Path, program: &str, args: &[&str]) -> Output {
    let program = match program {
        "cargo" => std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()),
        other => other.into(),
    };
    Command::new(&program)
        .current_dir(dir)
        .args(args)
        .env("CARGO_TARGET_DIR", shared_target())
        .env("CARGO_NET_OFFLINE", "true")
        .env("NO_COLOR", "1")
        // Not the job server of the `make test` that may be running this test.
        .env_remove("MAKEFLAGS")
        .env_remove("MFLAGS")
        .env_remove("MAKELEVEL")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"))
}

/// `make GOAL` in `kit`; returns the score of its `Score: N/TOTAL` line.
fn make_grade(kit: &Path, goal: &str) -> u32 {
    let total = grader::rubric::total_points();
    let output = run(kit, "make", &["-s", goal]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let score = stdout
        .lines()
        .last()
        .and_then(|l| {
            l.strip_prefix("Score: ")?
                .strip_suffix(&format!("/{total}"))?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| {
            panic!(
                "`make {goal}` in {} printed no score:\n{stdout}\n{}",
                kit.display(),
                String::from_utf8_lossy(&output.stderr)
            )
        });
    assert_eq!(
        output.status.success(),
        score == total,
        "`make {goal}` in {}: the status says full marks or not",
        kit.display()
    );
    score
}

/// `cargo test --release -p PACKAGE` in `kit`; returns its `PACKAGE score: N/POINTS points` line.
fn cargo_test(kit: &Path, package: &str) -> String {
    let output = run(kit, "cargo", &["test", "--release", "-q", "-p", package]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let exercise = &package[..3];
    let line = stdout
        .lines()
        .find(|l| l.starts_with(&format!("{exercise} score: ")))
        .unwrap_or_else(|| {
            panic!(
                "`cargo test -p {package}` in {} graded nothing:\n{stdout}\n{}",
                kit.display(),
                String::from_utf8_lossy(&output.stderr)
            )
        });
    assert_eq!(
        output.status.success(),
        line.ends_with(&format!(" {0}/{0} points", points_of("ex1"))),
        "{line}"
    );
    line.to_owned()
}

#[test]
fn each_checkout_grades_itself_when_moved_or_sharing_a_target_directory() {
    let dir = tempfile::tempdir().unwrap();
    let stubs = dir.path().join("stubs");
    let answers = dir.path().join("answers");
    clone_kit(&stubs);
    clone_kit(&answers);
    // The reference solutions as the student's code: the files a student writes, newer than the
    // rest (a student's edits) but older than the builds to come.
    support::perfect_submission(&answers);

    // Either checkout after the other: each gets its own grade.
    let (total, ex1) = (total_points(), points_of("ex1"));
    for (kit, score) in [(&stubs, 0), (&answers, total), (&stubs, 0)] {
        assert_eq!(make_grade(kit, "grade"), score, "{}", kit.display());
    }
    for (kit, line) in [
        (&stubs, format!("ex1 score: 0/{ex1} points")),
        (&answers, format!("ex1 score: {ex1}/{ex1} points")),
        (&stubs, format!("ex1 score: 0/{ex1} points")),
    ] {
        assert_eq!(cargo_test(kit, "ex1"), line, "{}", kit.display());
    }

    // The case: graded, moved, graded again (the grader built in the shared target
    // directory is not rebuilt, and neither are the exercises, built in the kit's own target/).
    let moved = dir.path().join("moved");
    std::fs::rename(&answers, &moved).unwrap();
    assert_eq!(make_grade(&moved, "grade"), total);
    assert_eq!(
        cargo_test(&moved, "ex1"),
        format!("ex1 score: {ex1}/{ex1} points")
    );
}

#[test]
fn without_a_kit_the_grader_says_where_it_looked_and_stops_with_status_3() {
    let dir = tempfile::tempdir().unwrap();
    let nowhere = dir.path().join("nowhere");
    std::fs::create_dir(&nowhere).unwrap();
    let grade_in = |cwd: &Path, args: &[&str]| {
        let output = Command::new(grader_bin())
            .current_dir(cwd)
            .args(args)
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    // Outside any kit, and given a folder that is not one.
    let (status, stderr) = grade_in(&nowhere, &["--solutions"]);
    assert_eq!(status, Some(3), "{stderr}");
    assert!(stderr.contains(&nowhere.display().to_string()), "{stderr}");
    let (status, stderr) = grade_in(&kit_root(), &["--kit", nowhere.to_str().unwrap()]);
    assert_eq!(status, Some(3), "{stderr}");
    assert!(
        stderr.contains(&format!("{} is not an mmap lab kit", nowhere.display())),
        "{stderr}"
    );
    // A kit without its answers, as Gradescope has it, cannot grade the reference solutions.
    let copy = dir.path().join("copy");
    let (status, stderr) = grade_in(&kit_root(), &["export", copy.to_str().unwrap()]);
    assert_eq!(status, Some(0), "{stderr}");
    let (status, stderr) = grade_in(&copy, &["--solutions", "ex1"]);
    assert_eq!(status, Some(3), "{stderr}");
    assert!(stderr.contains("no reference solutions"), "{stderr}");
    // Binaries given with --bin need no kit.
    let (status, stderr) = grade_in(&nowhere, &["ex1", "--bin", "ex1=/bin/true"]);
    assert_eq!(status, Some(1), "graded, below full marks: {stderr}");
}
