//! PrairieLearn's and Autolab's packages (`make prairielearn`, `make autolab`), run by following
//! each platform's documented contract on a simulated job, as gradescope.rs does with a simulated
//! /autograder: a hand-in of the reference files gets full marks and the stubs 0, through the
//! platform's entry point. And neither package holds an answer.
//!
//! What the image would hold (the kit built at /autograder/source, ../prairielearn/Dockerfile) is
//! lent by this kit: the package's copy of the kit, with this test's grader and the target
//! directory where submissions are built.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use grader::rubric::{EXERCISES, points_of};
use support::kit_root;

/// Makes `kit` (a package's copy of the kit) as the image has it: its grader built, and the
/// dependencies of the student crates compiled where submissions are built.
fn as_built_in_the_image(kit: &Path) {
    let release = kit.join("target/release");
    std::fs::create_dir_all(&release).unwrap();
    std::os::unix::fs::symlink(support::grader_bin(), release.join("grader")).unwrap();
    let submissions = kit_root().join("target/submissions");
    std::fs::create_dir_all(&submissions).unwrap();
    std::os::unix::fs::symlink(&submissions, kit.join("target/submissions")).unwrap();
}

/// What a student uploads.
#[derive(Clone, Copy)]
enum Upload {
    /// `make handin`'s tarball of the reference files.
    Perfect,
    /// `make handin`'s tarball of the stubs.
    Stubs,
    /// A file named like the hand-in that is no tarball: the grader cannot grade it at all.
    Unreadable,
}

fn upload(what: Upload, to: &Path) {
    let student = tempfile::tempdir().unwrap();
    match what {
        Upload::Perfect => support::perfect_submission(student.path()),
        Upload::Stubs => support::stub_submission(student.path()),
        Upload::Unreadable => return std::fs::write(to, "not a tarball").unwrap(),
    }
    grader::submission::handin(student.path(), to).unwrap();
}

/// The package that `script` makes, in a scratch folder; no file of it is an answer.
fn package(script: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("package");
    support::publish(script, &out, ("GRADER_BIN", support::grader_bin()));
    let answers = support::answers_in(&out, &support::answers());
    assert!(answers.is_empty(), "{script} packs answers: {answers:#?}");
    assert!(!out.join("image/kit/solutions").exists());
    assert!(!out.join("image/kit/grader/tests").exists());
    (dir, out)
}

/// The image's Dockerfile starts from the Rust image of rust-toolchain.toml's version, and the
/// script it builds the kit with is in the kit it copies (as /autograder/source).
fn image_is_pinned(image: &Path) {
    let text = std::fs::read_to_string(image.join("Dockerfile")).unwrap();
    let from = text.lines().find(|l| l.starts_with("FROM ")).unwrap();
    assert_eq!(from, format!("FROM rust:{}", support::toolchain_channel()));
    assert!(text.contains("COPY kit /autograder/source\n"), "{text}");
    let script = text
        .split_whitespace()
        .find_map(|w| w.strip_prefix("/autograder/source/"))
        .expect("the image builds the kit with a script of its own");
    assert!(image.join("kit").join(script).is_file(), "{script}");
}

/// PrairieLearn's job: the question's tests/ at /grade/tests, the upload in /grade/student, the
/// entry point run; how it ended, and its /grade/results/results.json if it wrote one.
fn prairielearn_job(
    question: &Path,
    kit: &Path,
    what: Upload,
) -> (std::process::Output, Option<serde_json::Value>) {
    let info: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(question.join("info.json")).unwrap())
            .unwrap();
    let options = &info["externalGradingOptions"];
    assert_eq!(options["enabled"], true, "{info:#}");
    assert!(options["timeout"].as_u64().unwrap() <= 600, "{info:#}");
    let entrypoint = options["entrypoint"].as_str().unwrap();
    let in_tests = entrypoint
        .strip_prefix("/grade/tests/")
        .expect("the entry point is mounted from the question's tests/");

    let root = tempfile::tempdir().unwrap();
    support::copy_tree(&question.join("tests"), &root.path().join("tests"));
    std::fs::create_dir(root.path().join("student")).unwrap();
    upload(what, &root.path().join("student/handin.tar.gz"));
    let run = Command::new(root.path().join("tests").join(in_tests))
        .env("GRADE_ROOT", root.path())
        .env("MMAP_LAB_KIT", kit)
        .output()
        .expect("cannot run the entry point");
    let results = std::fs::read_to_string(root.path().join("results/results.json")).ok();
    (run, results.map(|r| serde_json::from_str(&r).unwrap()))
}

#[test]
fn prairielearn_grades_an_upload_through_its_entry_point() {
    let (_dir, package) = package("grader/prairielearn/package.sh");
    image_is_pinned(&package.join("image"));
    let kit = package.join("image/kit");
    as_built_in_the_image(&kit);
    let question = package.join("question");
    let html = std::fs::read_to_string(question.join("question.html")).unwrap();
    assert!(html.contains("<pl-file-upload file-names=\"handin.tar.gz\">"));
    assert!(html.contains("<pl-external-grader-results>"));

    let graded = |what| {
        let (run, results) = prairielearn_job(&question, &kit, what);
        assert!(run.status.success(), "{run:?}");
        results.expect("results.json is written")
    };
    let perfect = graded(Upload::Perfect);
    assert_eq!(perfect["score"], 1.0, "{perfect:#}");
    assert_eq!(perfect["gradable"], true);
    let stubs = graded(Upload::Stubs);
    assert_eq!(stubs["score"], 0.0, "{stubs:#}");
    // A grader that cannot grade leaves no results: PrairieLearn reports a grading failure.
    let (run, results) = prairielearn_job(&question, &kit, Upload::Unreadable);
    assert!(!run.status.success(), "{run:?}");
    assert!(String::from_utf8_lossy(&run.stderr).contains("this is not a grade"));
    assert_eq!(results, None);
}

/// Autolab's job: autograde-Makefile (as Makefile), autograde.tar and the hand-in, under the
/// assessment's handin file name, in one folder, then `make` there; the output, read from a pipe
/// as Autolab reads it: how `make` ended, and its stdout.
fn autolab_job(package: &Path, kit: &Path, what: Upload) -> (std::process::Output, String) {
    let job = tempfile::tempdir().unwrap();
    std::fs::copy(
        package.join("autograde-Makefile"),
        job.path().join("Makefile"),
    )
    .unwrap();
    std::fs::copy(
        package.join("autograde.tar"),
        job.path().join("autograde.tar"),
    )
    .unwrap();
    upload(what, &job.path().join("handin.tar.gz"));
    let run = Command::new("make")
        .current_dir(job.path())
        .env("MMAP_LAB_KIT", kit)
        // A job's `make` is no sub-make of `make test` (which would add "Entering directory").
        .env_remove("MAKEFLAGS")
        .env_remove("MFLAGS")
        .env_remove("MAKELEVEL")
        .output()
        .expect("cannot run make");
    let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
    (run, stdout)
}

/// The scores of a job's last line, by exercise, the report above it.
fn autolab_scores(package: &Path, kit: &Path, what: Upload) -> Vec<u64> {
    let (run, stdout) = autolab_job(package, kit, what);
    assert!(run.status.success(), "{run:?}");
    let last: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap())
        .unwrap_or_else(|e| panic!("the last line is no score ({e}):\n{stdout}"));
    // The feedback above it: the grader's report.
    assert!(stdout.contains("\nScore: "), "{stdout}");
    EXERCISES
        .iter()
        .map(|e| last["scores"][e].as_u64().expect("a score per problem"))
        .collect()
}

#[test]
fn autolab_grades_a_handin_through_its_makefile() {
    let (_dir, package) = package("grader/autolab/package.sh");
    image_is_pinned(&package.join("image"));
    let kit = package.join("image/kit");
    as_built_in_the_image(&kit);
    let full: Vec<u64> = EXERCISES.iter().map(|e| u64::from(points_of(e))).collect();
    assert_eq!(autolab_scores(&package, &kit, Upload::Perfect), full);
    assert_eq!(
        autolab_scores(&package, &kit, Upload::Stubs),
        vec![0; EXERCISES.len()]
    );
    // A grader that cannot grade: the last line is no score, and Autolab fails the job.
    let (run, stdout) = autolab_job(&package, &kit, Upload::Unreadable);
    assert!(!run.status.success(), "{run:?}");
    let last = stdout.lines().last().unwrap_or_default();
    assert!(last.contains("this is not a grade"), "{stdout}");
}
