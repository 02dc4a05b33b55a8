//! Every report format, from real runs of the grader (the reference solutions, the stubs, a
//! submission with a compile error, one where nothing compiles), checked by its platform's own
//! parser or against a schema written from its platform's specification (`schemas/`, each citing
//! the document and commit it restates):
//! - Gradescope's results.json and PrairieLearn's: `check-jsonschema`, no key the spec lacks;
//! - JUnit XML: `xmllint` against `schemas/junit.xsd` (Jenkins xunit-plugin's junit-10.xsd rules);
//! - TAP: Perl's `prove`, which passes the solutions and finds no parse error in any run;
//! - Autolab: the last line of the grader's stdout (`--out /dev/stdout`) is the score, whether
//!   stdout is a pipe or a regular file, with the whole report above it.
//!
//! .ci/run installs the validators; under CI (`CI=true`) a missing one fails the test, elsewhere
//! the test says which it could not run and checks the rest.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use grader::rubric::{EXERCISES, RUBRIC, points_of};
use support::{grader_bin, kit_root};

/// The files one run wrote, and its stdout (where Autolab's line goes).
struct Run {
    dir: tempfile::TempDir,
    stdout: String,
    status: Option<i32>,
}

impl Run {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn json(&self, name: &str) -> serde_json::Value {
        let text = std::fs::read_to_string(self.path(name)).unwrap();
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}\n{text}"))
    }
}

/// Grades `submission` (none: the reference solutions, `--solutions`) into every format at once:
/// the files in a scratch folder, Autolab's line on stdout, which is a regular file when
/// `stdout_is_a_file` and a pipe otherwise.
fn grade(submission: Option<&Path>, stdout_is_a_file: bool) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let mut grader = Command::new(grader_bin());
    grader.arg("--kit").arg(kit_root()).env("NO_COLOR", "1");
    match submission {
        Some(path) => grader.arg("--submission").arg(path),
        None => grader.arg("--solutions"),
    };
    grader.arg("--json").arg(dir.path().join("results.json"));
    for (format, file) in [
        ("junit", "junit.xml"),
        ("tap", "results.tap"),
        ("prairielearn", "prairielearn.json"),
    ] {
        grader
            .args(["--format", format, "--out"])
            .arg(dir.path().join(file));
    }
    grader.args(["--format", "autolab", "--out", "/dev/stdout"]);
    let stdout_file = dir.path().join("stdout");
    let (status, stdout) = if stdout_is_a_file {
        let file = std::fs::File::create(&stdout_file).unwrap();
        let run = grader
            .stdout(Stdio::from(file))
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        (run.status, std::fs::read_to_string(&stdout_file).unwrap())
    } else {
        let run = grader.output().unwrap();
        (run.status, String::from_utf8(run.stdout).unwrap())
    };
    Run {
        dir,
        stdout,
        status: status.code(),
    }
}

/// A validator, if it is installed. Under CI, where .ci/run installs them, a missing one fails the
/// test; elsewhere the test goes on without it, saying so.
fn validator(program: &str) -> Option<Command> {
    let found = Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return Some(Command::new(program));
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    assert!(!ci, "{program} is not installed (.ci/run installs it)");
    eprintln!("{program} is not installed: not checked with it (.ci/run installs it)");
    None
}

fn schema(name: &str) -> PathBuf {
    kit_root().join("grader/tests/schemas").join(name)
}

/// What a validator said, if it refused `file`; `None` when it accepted it or is not installed.
fn refusal(mut command: Command, file: &Path) -> Option<String> {
    let out = command.arg(file).output().unwrap();
    let said = || {
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
    };
    (!out.status.success()).then(said)
}

fn json_schema(name: &str) -> Option<Command> {
    let mut check = validator("check-jsonschema")?;
    check.arg("--schemafile").arg(schema(name));
    Some(check)
}

fn xml_schema() -> Option<Command> {
    let mut check = validator("xmllint")?;
    check.args(["--noout", "--schema"]).arg(schema("junit.xsd"));
    Some(check)
}

/// Each file against its schema: what each refused, by file.
fn schema_refusals(dir: &Path) -> Vec<String> {
    let checks = [
        (
            "results.json",
            json_schema("gradescope-results.schema.json"),
        ),
        (
            "prairielearn.json",
            json_schema("prairielearn-results.schema.json"),
        ),
        ("junit.xml", xml_schema()),
    ];
    checks
        .into_iter()
        .filter_map(|(file, check)| {
            let why = refusal(check?, &dir.join(file))?;
            Some(format!("{file}: {why}"))
        })
        .collect()
}

/// `prove` on a TAP file: whether it passed, and its summary; `None` if prove is not installed.
fn prove(file: &Path) -> Option<(bool, String)> {
    let out = validator("prove")?
        .arg("--exec")
        .arg("cat")
        .arg(file)
        .output()
        .unwrap();
    let said =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    Some((out.status.success(), said))
}

/// The score Autolab reads: the last line of stdout, `{"scores": {...}, "scoreboard": [...]}`,
/// with every exercise's points; and above it, the grader's own report, whole.
fn autolab_scores(run: &Run) -> Vec<u64> {
    let lines: Vec<&str> = run.stdout.lines().collect();
    let last: serde_json::Value = serde_json::from_str(lines.last().unwrap())
        .unwrap_or_else(|e| panic!("the last line is no JSON ({e}):\n{}", run.stdout));
    let scores: Vec<u64> = EXERCISES
        .iter()
        .map(|e| last["scores"][e].as_u64().expect("a score per exercise"))
        .collect();
    assert_eq!(
        last["scores"].as_object().unwrap().len(),
        EXERCISES.len(),
        "{last}"
    );
    assert_eq!(
        last["scoreboard"][0].as_u64(),
        Some(scores.iter().sum()),
        "{last}"
    );
    // The report above it is all there: from the sandbox's first line to the score.
    assert!(lines[0].starts_with("sandbox: "), "{}", run.stdout);
    assert!(
        lines[lines.len() - 2].starts_with("Score: "),
        "{}",
        run.stdout
    );
    assert!(lines.len() > RUBRIC.len(), "{}", run.stdout);
    scores
}

/// The checks every run passes, whatever its score.
fn valid_everywhere(run: &Run) {
    let refused = schema_refusals(run.dir.path());
    assert!(refused.is_empty(), "{}", refused.join("\n"));
    if let Some((_, said)) = prove(&run.path("results.tap")) {
        assert!(!said.contains("Parse errors"), "{said}");
        assert!(said.contains(&format!("Tests={}", RUBRIC.len())), "{said}");
    }
    // Gradescope and PrairieLearn both list every rubric test.
    let gradescope = run.json("results.json");
    assert_eq!(gradescope["tests"].as_array().unwrap().len(), RUBRIC.len());
    let prairielearn = run.json("prairielearn.json");
    assert_eq!(
        prairielearn["tests"].as_array().unwrap().len(),
        RUBRIC.len()
    );
}

#[test]
fn the_solutions_pass_every_platforms_parser_with_stdout_a_regular_file() {
    let run = grade(None, true);
    assert_eq!(run.status, Some(0), "{}", run.stdout);
    valid_everywhere(&run);
    if let Some((passed, said)) = prove(&run.path("results.tap")) {
        assert!(passed && said.contains("Result: PASS"), "{said}");
    }
    let full: Vec<u64> = EXERCISES.iter().map(|e| u64::from(points_of(e))).collect();
    assert_eq!(autolab_scores(&run), full);
    assert_eq!(run.json("prairielearn.json")["score"], 1.0);
}

#[test]
fn the_stubs_pass_every_platforms_parser_and_the_validators_refuse_the_old_deviations() {
    let submission = tempfile::tempdir().unwrap();
    support::stub_submission(submission.path());
    let run = grade(Some(submission.path()), false);
    assert_eq!(run.status, Some(1), "{}", run.stdout);
    valid_everywhere(&run);
    if let Some((passed, said)) = prove(&run.path("results.tap")) {
        assert!(!passed && said.contains("Result: FAIL"), "{said}");
    }
    assert_eq!(autolab_scores(&run), vec![0; EXERCISES.len()]);

    // Each deviation these files once had, put back in a copy: its validator refuses it (so the
    // checks above can fail).
    let edit = |file: &str, from: &str, to: &str| {
        let text = std::fs::read_to_string(run.path(file)).unwrap();
        assert!(text.contains(from), "{from} not in {file}");
        let bad = run.path(&format!("bad-{file}"));
        std::fs::write(&bad, text.replacen(from, to, 1)).unwrap();
        bad
    };
    let refused = |check: Option<Command>, bad: PathBuf| {
        if let Some(check) = check {
            assert!(
                refusal(check, &bad).is_some(),
                "{} was accepted",
                bad.display()
            );
        }
    };
    let tap = edit("results.tap", "TAP version 13", "TAP version 14");
    if let Some((_, said)) = prove(&tap) {
        assert!(said.contains("Parse errors"), "{said}");
    }
    refused(
        xml_schema(),
        edit("junit.xml", "\">\n      <", "\">\n      <properties/><"),
    );
    refused(
        xml_schema(),
        edit("junit.xml", "<testsuites ", "<testsuites skipped=\"0\" "),
    );
    let gradescope = "gradescope-results.schema.json";
    refused(
        json_schema(gradescope),
        edit("results.json", "\"output_format\": \"text\",\n  \"", "\""),
    );
    refused(
        json_schema(gradescope),
        edit("results.json", "\"tests\": [", "\"test\": 1, \"tests\": ["),
    );
    refused(
        json_schema("prairielearn-results.schema.json"),
        edit(
            "prairielearn.json",
            "\"tests\":[",
            "\"points\":0,\"tests\":[",
        ),
    );
}

/// A submission with the stubs but for one exercise that does not compile.
fn stubs_with_a_compile_error(dir: &Path, exercise: &str) {
    let file = dir.join("exercises").join(exercise).join("src/exercise.rs");
    let code = std::fs::read_to_string(&file).unwrap() + "\nfn unfinished( {\n";
    std::fs::write(&file, code).unwrap();
}

#[test]
fn a_compile_error_passes_every_platforms_parser() {
    let submission = tempfile::tempdir().unwrap();
    support::stub_submission(submission.path());
    stubs_with_a_compile_error(submission.path(), EXERCISES[1]);
    let run = grade(Some(submission.path()), false);
    assert_eq!(run.status, Some(1), "{}", run.stdout);
    valid_everywhere(&run);
    // The compiler's text is text to Gradescope (`<u8>` would be a tag in its default, HTML).
    let gradescope = run.json("results.json");
    assert!(
        gradescope["output"]
            .as_str()
            .unwrap()
            .contains(&format!("{} was not built", EXERCISES[1])),
        "{gradescope:#}"
    );
    assert_eq!(gradescope["output_format"], "text");
    assert_eq!(run.json("prairielearn.json")["gradable"], true);
}

#[test]
fn nothing_compiling_is_not_gradable_and_says_the_errors_once() {
    let submission = tempfile::tempdir().unwrap();
    support::stub_submission(submission.path());
    for exercise in EXERCISES.iter() {
        stubs_with_a_compile_error(submission.path(), exercise);
    }
    let run = grade(Some(submission.path()), true);
    assert_eq!(run.status, Some(1), "{}", run.stdout);
    valid_everywhere(&run);
    assert_eq!(autolab_scores(&run), vec![0; EXERCISES.len()]);
    let prairielearn = run.json("prairielearn.json");
    assert_eq!(prairielearn["gradable"], false, "{prairielearn:#}");
    let output = prairielearn["output"].as_str().unwrap();
    let message = prairielearn["message"].as_str().unwrap();
    assert!(output.contains("error"), "{output}");
    // The errors are in `output` only: the message, shown above it, does not repeat them.
    assert!(
        !message.contains("error[") && !message.contains("was not built"),
        "{message}"
    );
    assert!(message.len() < 200, "{message}");
}
