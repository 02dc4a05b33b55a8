//! The grader graded: the reference solutions get full marks, the untouched stubs get nothing,
//! and `make grade`'s interface (the Score line, the exit status, results.json) holds, also when
//! the grader itself fails.

mod support;

use std::process::Output;

use predicates::prelude::*;

fn grade(args: &[&str], json: &std::path::Path) -> (Output, serde_json::Value) {
    let output = support::grader()
        .args(args)
        .arg("--json")
        .arg(json)
        .env("NO_COLOR", "1")
        .output()
        .expect("cannot run the grader");
    let text = std::fs::read_to_string(json).expect("the grader writes results.json");
    (
        output,
        serde_json::from_str(&text).expect("results.json is JSON"),
    )
}

fn last_line(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn the_solutions_score_full_marks() {
    let dir = tempfile::tempdir().unwrap();
    let (output, json) = grade(&["--solutions"], &dir.path().join("results.json"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let total = grader::rubric::total_points();
    assert_eq!(
        last_line(&output),
        format!("Score: {total}/{total}"),
        "{stdout}"
    );
    assert!(output.status.success());
    assert_eq!(json["score"], total);
    let tests = json["tests"].as_array().unwrap();
    assert_eq!(tests.len(), grader::rubric::RUBRIC.len());
    assert!(
        tests
            .iter()
            .all(|t| t["status"] == "passed" && t["score"] == t["max_score"]),
        "{json:#}"
    );
    // One line per test, in the xv6 style, and a subtotal per exercise.
    for test in grader::rubric::RUBRIC.iter() {
        let line = format!("{}: {}: OK (", test.exercise, test.title);
        assert!(stdout.contains(&line), "no line `{line}` in:\n{stdout}");
    }
    for exercise in grader::rubric::EXERCISES.iter().copied() {
        assert!(
            stdout.lines().any(|l| {
                let max = grader::rubric::points_of(exercise);
                l == format!("{exercise}: {max}/{max}")
            }),
            "{stdout}"
        );
    }
}

#[test]
fn the_stubs_fail_every_test_with_their_not_implemented_message() {
    let dir = tempfile::tempdir().unwrap();
    let (output, json) = grade(&[], &dir.path().join("results.json"));
    let total = grader::rubric::total_points();
    assert_eq!(last_line(&output), format!("Score: 0/{total}"));
    assert!(
        !output.status.success(),
        "the exit status is 0 only at full marks"
    );
    assert_eq!(json["score"], 0);
    for test in json["tests"].as_array().unwrap() {
        assert_eq!(test["status"], "failed", "{test:#}");
        let reason = test["output"].as_str().unwrap();
        assert!(
            reason.contains("not yet implemented") && reason.contains("README"),
            "{test:#}"
        );
    }
}

#[test]
fn one_exercise_can_be_graded_alone_from_any_binary() {
    let dir = tempfile::tempdir().unwrap();
    let solution = grader::compile::build(&support::kit_root(), "ex1-solution").unwrap();
    let spec = format!("ex1={}", solution.display());
    let (output, json) = grade(&["ex1", "--bin", &spec], &dir.path().join("results.json"));
    let max = grader::rubric::points_of("ex1");
    assert_eq!(last_line(&output), format!("Score: {max}/{max}"));
    assert!(output.status.success());
    assert_eq!(
        json["tests"].as_array().unwrap().len(),
        grader::rubric::tests_of("ex1").count()
    );
}

#[test]
fn bad_grader_arguments_are_usage_errors() {
    for args in [&["ex9"][..], &["--bin", "ex1"], &["--frobnicate"]] {
        support::grader()
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("usage"));
    }
}

#[test]
fn a_grading_error_is_no_grade() {
    // A binary the grader cannot copy to run is the grader's problem, not the program's.
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("results.json");
    let first = &grader::rubric::tests_of("ex1").next().unwrap().title;
    let output = support::grader()
        .args(["ex1", "--bin", "ex1=/nonexistent/ex1", "--json"])
        .arg(&json)
        .env("NO_COLOR", "1")
        .assert()
        .code(3)
        .stdout(predicate::str::contains(format!(
            "ex1: {first}: grading error (0.0s)\n"
        )))
        .stdout(predicate::str::contains("FAIL").not())
        .get_output()
        .clone();
    assert!(!json.exists(), "a results.json was written");
    assert!(last_line(&output).starts_with("Score: none: "));
}

#[test]
fn a_real_panics_message_is_read_from_its_stderr() {
    let kit = support::kit_root();
    let stub = grader::compile::build(&kit, "ex1").unwrap();
    // Run as a check runs it (its own folder and user, the program staged where that user can
    // run it).
    let t = grader::check_api::Ctx::new("ex1", &stub, 0).unwrap();
    t.file("data.bin", b"0123456789");
    let run = t.run(["peek", "data.bin", "0", "4"]);
    let stderr = String::from_utf8_lossy(&run.output().stderr);
    // (Rust may print a blank line before it, depending on what was printed before.)
    assert!(
        stderr.trim_start().starts_with("thread 'main'"),
        "not a panic: {stderr}"
    );
    let explained = grader::expect::explain(&run);
    assert!(
        explained.starts_with(
            "`ex1 peek data.bin 0 4` panicked: not yet implemented: ex1 peek: map the pages"
        ) && explained.ends_with("(README, steps 1 to 3)"),
        "{explained}\nfrom stderr:\n{stderr}"
    );
}

#[test]
fn junit_xml_is_written_beside_results_json() {
    let dir = tempfile::tempdir().unwrap();
    let solution = grader::compile::build(&support::kit_root(), "ex2-solution").unwrap();
    let spec = format!("ex2={}", solution.display());
    let xml = dir.path().join("junit.xml");
    let (output, json) = grade(
        &[
            "ex2",
            "--bin",
            &spec,
            "--format",
            "junit",
            "--out",
            xml.to_str().unwrap(),
        ],
        &dir.path().join("results.json"),
    );
    assert!(output.status.success());
    assert_eq!(json["score"], grader::rubric::points_of("ex2"));
    let text = std::fs::read_to_string(&xml).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let cases = doc.descendants().filter(|n| n.has_tag_name("testcase"));
    assert_eq!(cases.count(), grader::rubric::tests_of("ex2").count());
    assert_eq!(doc.root_element().attribute("failures"), Some("0"));

    for args in [
        &["--format", "nonsense", "--out", "x"][..],
        &["--format", "junit"],
        &["--format", "junit", "x"],
    ] {
        support::grader().args(args).assert().code(2);
    }
}
