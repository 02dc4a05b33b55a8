//! Gradescope, end to end on a simulated /autograder holding the bundle that `make gradescope`
//! packs: a hand-in uploaded to submission/ is graded into results/results.json; when the grader
//! itself fails, no score is written (Gradescope then reports an autograder error instead of a
//! 0). And no answer is within reach of submitted code: neither the bundle nor the kit copy a
//! submission is built in holds the reference solutions or the grader's tests, under any name.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::kit_root;

/// The bundle as `make gradescope` packs it (from the committed files), unpacked where Gradescope
/// puts it: `root/source`.
fn unpack_bundle(root: &Path) -> PathBuf {
    let zip = root.join("gradescope.zip");
    support::publish(
        "grader/gradescope/package.sh",
        &zip,
        ("GRADER_BIN", support::grader_bin()),
    );
    let source = root.join("source");
    let unzipped = Command::new("python3")
        .args(["-m", "zipfile", "-e"])
        .arg(&zip)
        .arg(&source)
        .output()
        .expect("cannot run python3");
    assert!(unzipped.status.success(), "{unzipped:?}");
    source
}

/// Runs run_autograder with `root` as /autograder, on the bundle. What setup.sh would build in the
/// image is lent by this kit instead: the grader (built from the same sources), and the target
/// directory where submissions are built, with its compiled dependencies.
fn run_autograder(root: &Path) -> std::process::Output {
    let source = unpack_bundle(root);
    let release = source.join("target/release");
    std::fs::create_dir_all(&release).unwrap();
    std::os::unix::fs::symlink(support::grader_bin(), release.join("grader")).unwrap();
    let submissions = kit_root().join("target/submissions");
    std::fs::create_dir_all(&submissions).unwrap();
    std::os::unix::fs::symlink(&submissions, source.join("target/submissions")).unwrap();
    // As setup.sh leaves it: the source readable by root alone.
    std::fs::set_permissions(&source, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    Command::new("bash")
        .arg(source.join("run_autograder"))
        .env("AUTOGRADER_ROOT", root)
        .output()
        .expect("cannot run run_autograder")
}

/// Runs run_autograder on the upload in `root`/submission, which must score 100: its results.json.
fn full_marks(root: &Path) -> serde_json::Value {
    let run = run_autograder(root);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let results = std::fs::read_to_string(root.join("results/results.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&results).unwrap();
    assert_eq!(json["score"], grader::rubric::total_points(), "{json:#}");
    json
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
    let json = full_marks(root.path());
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
fn a_zip_upload_is_graded_with_numbers_output_and_extra_data() {
    let root = tempfile::tempdir().unwrap();
    let student = tempfile::tempdir().unwrap();
    support::perfect_submission(student.path());
    std::fs::write(student.path().join("notes.txt"), "not graded").unwrap();
    let submission = root.path().join("submission");
    std::fs::create_dir(&submission).unwrap();
    // Zipped by Python's zipfile, deflated, with its folders' entries, as zip tools make them.
    let zipped = Command::new("python3")
        .current_dir(student.path())
        .args([
            "-c",
            "import os, sys, zipfile\n\
             with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:\n\
             \x20   for root, dirs, files in os.walk('.'):\n\
             \x20       for name in dirs + files: z.write(os.path.join(root, name))",
        ])
        .arg(submission.join("my-work.zip"))
        .output()
        .expect("cannot run python3");
    assert!(zipped.status.success(), "{zipped:?}");
    let json = full_marks(root.path());
    let output = json["output"].as_str().unwrap();
    assert!(output.contains("sandbox: "), "{output}");
    assert!(output.contains("notes.txt: not a student file"), "{output}");
    let taken = grader::submission::Submission::import(student.path(), &kit_root()).unwrap();
    assert_eq!(json["extra_data"]["submission_sha256"], taken.hash);
    assert!(json["extra_data"]["seed"].is_u64(), "{json:#}");
    let numbers: Vec<&str> = json["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers[..2], ["1.1", "1.2"]);
    // Gradescope's numbers: the exercise's place in the rubric, then the test's.
    let exercises = grader::rubric::EXERCISES.len();
    assert!(
        numbers.iter().all(|n| n
            .split_once('.')
            .and_then(|(e, _)| e.parse::<usize>().ok())
            .is_some_and(|e| (1..=exercises).contains(&e))),
        "{numbers:?}"
    );
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

/// The answers, checked to be found where they are: in the kit itself.
fn answers() -> std::collections::BTreeMap<Vec<u8>, PathBuf> {
    let answers = support::answers();
    let in_kit = support::answers_in(&kit_root(), &answers);
    let solutions = in_kit.iter().filter(|a| a.contains("/solutions/")).count();
    let c = in_kit.iter().filter(|a| a.ends_with(".c")).count();
    assert!(
        solutions >= 2 * grader::rubric::EXERCISES.len() && c >= 4,
        "the answers are not all found in the kit: {in_kit:#?}"
    );
    answers
}

#[test]
fn the_bundle_holds_no_answer_and_its_workspace_builds_without_them() {
    let root = tempfile::tempdir().unwrap();
    let source = unpack_bundle(root.path());
    let files = support::files_under(&source);
    assert!(
        files.contains_key(&source.join("exercises/ex1/src/exercise.rs"))
            && files.contains_key(&source.join("run_autograder")),
        "{:#?}",
        files.keys()
    );
    let found = support::answers_in(&source, &answers());
    assert!(found.is_empty(), "answers in the bundle: {found:#?}");
    // setup.sh builds the student crates in the bundle itself: its workspace must not name the
    // solutions that are not there.
    let metadata = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .current_dir(&source)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .output()
        .expect("cannot run cargo");
    assert!(
        metadata.status.success(),
        "{}",
        String::from_utf8_lossy(&metadata.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&metadata.stdout).unwrap();
    let mut packages: Vec<&str> = json["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    packages.sort();
    let mut expected = vec!["cli-support", "grader"];
    expected.extend(grader::rubric::EXERCISES.iter());
    expected.sort();
    assert_eq!(packages, expected);
}

#[test]
fn the_kit_copy_a_submission_is_built_in_holds_no_answer() {
    let dir = tempfile::tempdir().unwrap();
    // An untouched submission: every file of its kit copy comes from the kit.
    let submission = grader::submission::Submission::import(dir.path(), &kit_root()).unwrap();
    let copy = submission.kit.path();
    assert!(copy.join("exercises/ex1/src/exercise.rs").is_file());
    for gone in ["solutions", "grader/tests"] {
        assert!(!copy.join(gone).exists(), "the kit copy holds {gone}/");
    }
    let found = support::answers_in(copy, &answers());
    assert!(found.is_empty(), "answers in the kit copy: {found:#?}");
}
