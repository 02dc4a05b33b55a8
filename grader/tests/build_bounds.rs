//! Builds are bounded like runs: an ex1 whose static makes rustc fill 8 GiB (`hostile/memory-bomb`)
//! is stopped at the build's memory bound (1 GiB here), reported as ex1's own failure to build,
//! and the other exercises are built and graded. In a cgroup of the build's own where the machine
//! gives one, and with each process's address space limited where it does not (an ordinary
//! user's `make test`), which under root is tried too, with the cgroup file systems read-only.

mod support;

use std::path::Path;
use std::process::Command;

use support::kit_root;

/// A perfect submission whose ex1 is the memory bomb's.
fn bomb(dir: &Path) {
    support::perfect_submission(dir);
    support::copy_tree(&kit_root().join("grader/tests/hostile/memory-bomb"), dir);
}

/// Grades the submission at `dir` with `grader` (a command that runs the grader); checks the
/// report and the scores.
fn graded_within_the_bound(mut grader: Command, dir: &Path) {
    let json = dir.join("results.json");
    let out = grader
        .args(["--kit"])
        .arg(kit_root())
        .arg("--submission")
        .arg(dir.join("submission"))
        .arg("--json")
        .arg(&json)
        .env("GRADER_BUILD_MEMORY_MIB", "1024")
        .env("GRADER_TIMEOUT", "5")
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{report}{stderr}");
    assert!(
        report.contains("ex1 was not built: the build used more than 1024 MiB of memory"),
        "{report}"
    );
    assert!(!report.contains("SIGKILL"), "{report}");
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    // Each exercise's score and most, from its tests.
    let mut scores = std::collections::BTreeMap::new();
    for test in results["tests"].as_array().unwrap() {
        let id = test["extra_data"]["id"].as_str().unwrap();
        let (exercise, _) = id.split_once('.').unwrap();
        let (got, max) = scores.entry(exercise.to_owned()).or_insert((0.0, 0.0));
        *got += test["score"].as_f64().unwrap();
        *max += test["max_score"].as_f64().unwrap();
    }
    // The others built and graded: they score (all their marks on a quiet machine; a timing
    // test of theirs may fail on a busy one, which is no concern of this test).
    assert_eq!(scores.len(), grader::rubric::EXERCISES.len());
    for (exercise, (got, max)) in scores {
        if exercise == "ex1" {
            assert_eq!(got, 0.0, "{report}");
        } else {
            assert!(
                got > max / 2.0 && !report.contains(&format!("{exercise} was not built")),
                "{exercise}: {report}"
            );
        }
    }
}

#[test]
fn a_build_that_fills_gigabytes_is_stopped_at_its_bound() {
    let dir = tempfile::tempdir().unwrap();
    bomb(&dir.path().join("submission"));
    graded_within_the_bound(Command::new(support::grader_bin()), dir.path());
}

/// Where no cgroup can be had, each process of the build is held to the bound (RLIMIT_AS).
/// Under root (CI), the cgroup file systems are made read-only in a mount namespace of the
/// grader's own; an ordinary user has no cgroup anyway, and the test above tried that.
#[test]
fn without_a_cgroup_each_process_of_a_build_is_held_to_the_bound() {
    if !grader::runner::is_root() {
        println!("skipped: an ordinary user has no cgroup: the test above bounds by RLIMIT_AS");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    bomb(&dir.path().join("submission"));
    let mut grader = Command::new("unshare");
    grader
        .args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg(
            "for point in $(awk '$9 == \"cgroup\" || $9 == \"cgroup2\" {print $5}' \
             /proc/self/mountinfo); do mount -o remount,bind,ro \"$point\" \"$point\" || exit 9; \
             done; exec \"$@\"",
        )
        .arg("sh")
        .arg(support::grader_bin());
    graded_within_the_bound(grader, dir.path());
}
