//! Gradescope's results.json: https://gradescope-autograders.readthedocs.io/en/latest/specs/
//!
//! Written only when the run is a grade. When the grader failed at any test, no results.json is
//! written (and one left at the same path by an earlier run is removed): Gradescope then reports
//! an autograder error instead of a score, and `instructor batch` regrades the submission next
//! time.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;

use crate::events::{Event, Reporter, Score, Status, TestOutcome};
use crate::rubric::Test;

use super::preamble::{Preamble, remove_results};

pub struct Gradescope {
    path: PathBuf,
    /// Gradescope's top-level `output` (shown once to the student) and `extra_data`.
    preamble: Preamble,
    /// The rubric of the run, from its start: a test's `number` is its place in it.
    rubric: &'static [Test],
}

impl Gradescope {
    pub fn new(path: &Path) -> Gradescope {
        Gradescope {
            path: path.to_owned(),
            preamble: Preamble::default(),
            rubric: &[],
        }
    }
}

/// A test's `number`, by which Gradescope orders the tests: the exercise's and the test's places
/// in the rubric, "1.1" to "4.N".
fn number(rubric: &[Test], test: &Test) -> String {
    let exercise = super::exercises(rubric)
        .iter()
        .position(|e| *e == test.exercise);
    let place = rubric
        .iter()
        .filter(|t| t.exercise == test.exercise)
        .position(|t| t.name == test.name);
    match (exercise, place) {
        (Some(e), Some(t)) => format!("{}.{}", e + 1, t + 1),
        // A test that is not in the rubric (the grader's own tests make some).
        _ => id(test),
    }
}

/// A test's `extra_data.id`: `ex1.peek_range`.
pub fn id(test: &Test) -> String {
    format!("{}.{}", test.exercise, test.name)
}

/// How Gradescope renders the text it is given: as text, never HTML. Its default for the top-level
/// `output` is `simple_format`, HTML, where a compiler's `` expected `Vec<u8>` `` reads `<u8>` as
/// a tag; the reasons and notes are plain text, and `text` shows them as they are.
const TEXT: &str = "text";

/// One entry of `tests`. A test not run here (the machine lacks what it needs) is no failure of
/// the student's, nor a pass: Gradescope's spec has only `passed` and `failed` for `status`, and
/// derives `passed` from `score` equal to `max_score` (which a 0/0 would be). So its entry carries
/// neither a score nor a status: an informational entry, which the spec allows when the
/// top-level `score` is given, saying in its name and output that it was not run. It stays in
/// `tests` so that every rubric test has its entry (`number`, `extra_data.id`).
fn entry(rubric: &[Test], o: &TestOutcome) -> serde_json::Value {
    let mut test = json!({
        "name": super::label(o.test),
        "number": number(rubric, o.test),
        "output": super::details(o),
        "output_format": TEXT,
        "visibility": if o.test.after_due_date { "after_due_date" } else { "visible" },
        // The test's name in the rubric, which programs that read results.json go by (`number`
        // is its place, for Gradescope's order).
        "extra_data": { "id": id(o.test) },
    });
    let status = match o.status {
        Status::Pass => Some("passed"),
        Status::Fail { .. } | Status::GraderError { .. } => Some("failed"),
        Status::NotRun { .. } => {
            test["name"] = json!(format!("{} (not run here)", super::label(o.test)));
            test["output"] = json!(format!(
                "not run here, worth no points in this run: {}",
                super::details(o)
            ));
            test["tags"] = json!(["not run"]);
            None
        }
    };
    if let Some(status) = status {
        test["score"] = json!(o.score().got);
        test["max_score"] = json!(o.score().max);
        test["status"] = json!(status);
    }
    if !o.measurements.is_empty() {
        let measured: serde_json::Map<_, _> = o
            .measurements
            .iter()
            .map(|m| (m.name.to_owned(), json!({"value": m.value, "unit": m.unit})))
            .collect();
        test["extra_data"]["measurements"] = json!(measured);
    }
    test
}

/// The results document: total score, time taken, and one entry per test (numbered by its place
/// in `rubric`).
pub fn results(
    rubric: &[Test],
    outcomes: &[TestOutcome],
    score: &Score,
    elapsed: Duration,
    output: &str,
) -> serde_json::Value {
    json!({
        "score": score.got,
        "execution_time": elapsed.as_secs_f64().round() as u64,
        "visibility": "visible",
        "stdout_visibility": "visible",
        "output": output,
        "output_format": TEXT,
        "tests": outcomes.iter().map(|o| entry(rubric, o)).collect::<Vec<_>>(),
    })
}

impl Reporter for Gradescope {
    fn report(&mut self, event: &Event<'_>) -> Result<(), String> {
        self.preamble.take(event);
        if let Event::RunStarted { rubric, .. } = event {
            self.rubric = rubric;
        }
        let Event::RunFinished {
            outcomes,
            score,
            elapsed,
        } = event
        else {
            return Ok(());
        };
        if !score.is_grade() {
            return remove_results(&self.path);
        }
        let mut results = results(
            self.rubric,
            outcomes,
            score,
            *elapsed,
            &self.preamble.output,
        );
        results["extra_data"] = serde_json::Value::Object(self.preamble.extra.clone());
        let text = serde_json::to_string_pretty(&results).map_err(|e| e.to_string())?;
        super::write_file(&self.path, &(text + "\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::samples;

    fn written(outcomes: &[TestOutcome]) -> (tempfile::TempDir, Option<String>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.json");
        samples::replay(outcomes, &mut Gradescope::new(&path));
        let text = std::fs::read_to_string(&path).ok();
        (dir, text)
    }

    #[test]
    fn the_schema_gradescope_reads() {
        let (_dir, text) = written(&samples::one_of_each());
        let json: serde_json::Value = serde_json::from_str(&text.unwrap()).unwrap();
        assert_eq!(json["score"], 7);
        assert_eq!(json["execution_time"], 2);
        assert_eq!(json["visibility"], "visible");
        assert_eq!(json["stdout_visibility"], "visible");
        assert_eq!(json["output"], format!("sandbox: {}\n", samples::SANDBOX));
        // Text, not Gradescope's default for `output`, HTML (a compiler's `Vec<u8>` is no tag).
        assert_eq!(json["output_format"], "text");
        // Not a submission: the seed alone repeats the run.
        assert_eq!(json["extra_data"], json!({"seed": 42}));
        let tests = json["tests"].as_array().unwrap();
        assert_eq!(tests.len(), 4);
        assert_eq!(
            tests[0],
            json!({
                "name": "fx1: counts the lines of a file",
                "number": "1.1",
                "score": 4,
                "max_score": 4,
                "status": "passed",
                "output": "counting took 1.0 ms\nmeasured: ratio to wc = 2.19 x",
                "output_format": "text",
                "visibility": "visible",
                "extra_data": {
                    "id": "fx1.counts_lines",
                    "measurements": {"ratio to wc": {"value": 2.19, "unit": "x"}}
                },
            })
        );
        assert_eq!(
            (
                &tests[1]["status"],
                &tests[1]["score"],
                &tests[1]["max_score"]
            ),
            (&json!("failed"), &json!(0), &json!(2))
        );
        assert_eq!(
            tests[1]["output"],
            "`fx1 count data.bin` printed 3\nexpected 2\n(seed 42: GRADER_SEED=42 repeats these inputs)"
        );
        // Not run: worth nothing in this run, and said so; neither passed nor failed, so no
        // score for Gradescope to derive a status from.
        let not_run = &tests[2];
        assert_eq!(not_run["number"], "1.3");
        assert_eq!(not_run["extra_data"]["id"], "fx1.empty_input");
        for field in ["score", "max_score", "status"] {
            assert!(not_run.get(field).is_none(), "{field} in {not_run}");
        }
        assert!(
            not_run["name"]
                .as_str()
                .unwrap()
                .ends_with(" (not run here)")
        );
        assert!(
            not_run["output"]
                .as_str()
                .unwrap()
                .starts_with("not run here, worth no points in this run: not checked here")
        );
        assert_eq!(not_run["output_format"], "text");
    }

    #[test]
    fn numbers_follow_the_rubric() {
        let numbers: Vec<String> = samples::RUBRIC
            .iter()
            .map(|t| number(&samples::RUBRIC, t))
            .collect();
        assert_eq!(numbers, ["1.1", "1.2", "1.3", "2.1", "2.2", "3.1"]);
        // A test that is not in the rubric goes by its id.
        let stray = samples::rubric_test("fx2", "long_lines");
        assert_eq!(number(&samples::RUBRIC[..3], stray), "fx2.long_lines");
    }

    #[test]
    fn a_test_can_be_shown_only_after_the_due_date() {
        // A rubric test that the instructor shows only after the due date.
        let hidden = samples::rubric_test("fx3", "hidden_case");
        let hidden = TestOutcome::new(hidden, Ok(()), &[], None, Duration::ZERO);
        let (_dir, text) = written(&[hidden, samples::one_of_each().remove(1)]);
        let json: serde_json::Value = serde_json::from_str(&text.unwrap()).unwrap();
        assert_eq!(json["tests"][0]["visibility"], "after_due_date");
        assert_eq!(json["tests"][1]["visibility"], "visible");
    }

    #[test]
    fn the_student_sees_once_what_was_ignored_and_what_did_not_build() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.json");
        let mut reporter = Gradescope::new(&path);
        let files = samples::hostile_files();
        samples::replay_with_files(&samples::one_of_each()[..1], Some(&files), &mut reporter);
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let output = json["output"].as_str().unwrap();
        assert!(output.starts_with("sandbox: "), "{output}");
        assert!(
            output.contains("student files graded: 3\nignored"),
            "{output}"
        );
        assert!(output.contains(": not a student file\n"), "{output}");
        samples::assert_no_controls(output);
        assert_eq!(
            json["extra_data"],
            json!({"seed": 42, "submission_sha256": samples::HASH})
        );

        // An exercise that did not build: the compiler's error, once, at the top.
        let error = Status::Fail {
            reason: "error[E0308]: mismatched types\n --> src/exercise.rs:3:5".into(),
        };
        let outcomes = samples::one_of_each();
        for event in [
            Event::RunStarted {
                rubric: &samples::RUBRIC,
                tests: &[],
                seed: 7,
                sandbox: &[],
            },
            Event::ExerciseNotBuilt {
                exercise: "fx2",
                status: &error,
            },
            Event::RunFinished {
                outcomes: &outcomes,
                score: Score::of(&outcomes),
                elapsed: Duration::ZERO,
            },
        ] {
            reporter.report(&event).unwrap();
        }
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(
            json["output"],
            "fx2 was not built:\n    error[E0308]: mismatched types\n     --> src/exercise.rs:3:5\n"
        );
        assert_eq!(json["extra_data"], json!({"seed": 7}));
    }

    #[test]
    fn no_results_after_a_grading_error_and_none_left_from_before() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.json");
        std::fs::write(&path, "{\"score\": 100}").unwrap();
        samples::replay(&samples::with_grading_error(), &mut Gradescope::new(&path));
        assert!(!path.exists());
        // What is not a file (`--json /dev/stdout`, here a FIFO) is left where it is.
        nix::unistd::mkfifo(&path, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        samples::replay(&samples::with_grading_error(), &mut Gradescope::new(&path));
        assert!(std::fs::symlink_metadata(&path).is_ok());
    }

    #[test]
    fn escape_sequences_and_huge_messages_stay_out_of_the_json() {
        let (_dir, text) = written(&samples::hostile());
        let text = text.unwrap();
        // In JSON, control characters would be escaped as \u001b: neither form may appear.
        assert!(!text.contains("\\u001b") && !text.contains("\\r") && !text.contains('\x1b'));
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        samples::assert_no_controls(json["tests"][0]["output"].as_str().unwrap());

        let outcomes = samples::huge();
        let (_dir, text) = written(&outcomes);
        let size = text.unwrap().len();
        assert!(size < outcomes.len() * (10 << 10), "{size} bytes");
    }
}
