//! The grader judges behaviour, not the language: C implementations of the exercises
//! (`tests/foreign/exN.c`), built with the system's C compiler, score full marks.

mod support;

/// Compiles `tests/foreign/{exercise}.c` with `cc` and grades it; `None` when there is no `cc`.
fn grade_c(exercise: &str) -> Option<serde_json::Value> {
    let dir = tempfile::tempdir().unwrap();
    let source = support::kit_root().join(format!("grader/tests/foreign/{exercise}.c"));
    let binary = dir.path().join(exercise);
    let compiled = match std::process::Command::new("cc")
        .args(["-O2", "-Wall", "-Wextra", "-o"])
        .arg(&binary)
        .arg(&source)
        .output()
    {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            println!("skipped: no C compiler (`cc`) on PATH to build {exercise}.c");
            return None;
        }
        Err(e) => panic!("cannot run cc: {e}"),
    };
    assert!(
        compiled.status.success(),
        "{exercise}.c does not compile:\n{}",
        String::from_utf8_lossy(&compiled.stderr)
    );

    let json = dir.path().join("results.json");
    let graded = support::grader()
        .arg(exercise)
        .arg("--bin")
        .arg(format!("{exercise}={}", binary.display()))
        .arg("--json")
        .arg(&json)
        .env("NO_COLOR", "1")
        .output()
        .expect("cannot run the grader");
    let text = std::fs::read_to_string(&json).unwrap_or_else(|e| {
        panic!(
            "the grader wrote no results ({e}); its stderr:\n{}",
            String::from_utf8_lossy(&graded.stderr)
        )
    });
    Some(serde_json::from_str(&text).expect("results.json is JSON"))
}

/// The C program of `exercise` scores full marks, every test passing.
fn full_marks(exercise: &str) {
    let Some(results) = grade_c(exercise) else {
        return;
    };
    let tests = results["tests"]
        .as_array()
        .expect("results.json lists the tests");
    let failures: Vec<String> = tests
        .iter()
        .filter(|t| t["status"] != "passed")
        .map(|t| {
            let field = |key: &str| t[key].as_str().unwrap_or_default().to_owned();
            format!("{}: FAIL\n{}", field("name"), field("output"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{exercise}.c failed {} test(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(!tests.is_empty(), "no tests were graded");
    let max = grader::rubric::points_of(exercise);
    assert_eq!(results["score"], max, "{results:#}");
}

/// Every exercise's C version (`foreign/exN.c`), one after another: the rubric has timed
/// checks (ex3's speed against cp) that would suffer from other graders running beside them.
#[test]
fn every_c_version_scores_full_marks() {
    for exercise in grader::rubric::EXERCISES.iter().copied() {
        full_marks(exercise);
    }
}
