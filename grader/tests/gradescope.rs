//! Gradescope's run_autograder, end to end on a simulated /autograder: a hand-in uploaded to
//! submission/ is graded into results/results.json; and when the grader itself fails, no score is
//! written (Gradescope then reports an autograder error instead of a 0).

mod support;

use std::path::Path;
use std::process::Command;

use grader::compile::kit_root;

/// Runs run_autograder with `root` as /autograder, the kit as its source.
fn run_autograder(root: &Path) -> std::process::Output {
    std::os::unix::fs::symlink(kit_root(), root.join("source")).unwrap();
    Command::new("bash")
        .arg(kit_root().join("grader/gradescope/run_autograder"))
        .env("AUTOGRADER_ROOT", root)
        .output()
        .expect("cannot run run_autograder")
}

#[test]
fn a_submission_is_graded_into_results_json() {
    let root = tempfile::tempdir().unwrap();
    // Gradescope stores the student's upload, `make handin`'s tarball, in submission/.
    let student = tempfile::tempdir().unwrap();
    support::perfect_submission(student.path());
    let submission = root.path().join("submission");
    std::fs::create_dir(&submission).unwrap();
    grader::submission::handin(student.path(), &submission.join("handin.tar.gz")).unwrap();
    let run = run_autograder(root.path());
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let results = std::fs::read_to_string(root.path().join("results/results.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&results).unwrap();
    assert_eq!(json["score"], 100);
    assert!(json["execution_time"].is_u64());
    let tests = json["tests"].as_array().unwrap();
    assert_eq!(tests.len(), grader::rubric::RUBRIC.len());
    for test in tests {
        for field in [
            "name",
            "score",
            "max_score",
            "status",
            "output",
            "visibility",
        ] {
            assert!(!test[field].is_null(), "{field} missing in {test}");
        }
    }
}

#[test]
fn a_failing_grader_gives_no_score() {
    let root = tempfile::tempdir().unwrap();
    // A submission the grader cannot read at all: a tarball that is not one.
    std::fs::write(root.path().join("submission"), "not a tarball").unwrap();
    let run = run_autograder(root.path());
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("this is not a grade"));
    assert!(
        !root.path().join("results/results.json").exists(),
        "a results.json was written"
    );
}
