//! Gradescope's results.json: https://gradescope-autograders.readthedocs.io/en/latest/specs/
//!
//! Written only when the run is a grade. When the grader failed at any test, no results.json is
//! written (and one left at the same path by an earlier run is removed): Gradescope then reports
//! an autograder error instead of a score, and `grader batch` regrades the submission next time.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;

use crate::events::{Event, Reporter, Score, Status, TestOutcome};

pub struct Gradescope {
    path: PathBuf,
    /// Shown once to the student (Gradescope's top-level `output`): the sandbox in force.
    output: String,
}

impl Gradescope {
    pub fn new(path: &Path) -> Gradescope {
        Gradescope {
            path: path.to_owned(),
            output: String::new(),
        }
    }
}

/// The results document: total score, time taken, and one entry per test.
pub fn results(
    outcomes: &[TestOutcome],
    score: &Score,
    elapsed: Duration,
    output: &str,
) -> serde_json::Value {
    let tests: Vec<_> = outcomes
        .iter()
        .map(|o| {
            let this = o.score();
            let status = match o.status {
                Status::Pass => "passed",
                _ => "failed",
            };
            let mut output = super::details(o);
            if let Status::NotRun { .. } = o.status {
                output = format!("not run here, worth no points in this run: {output}");
            }
            let mut test = json!({
                "name": format!("{}: {}", o.test.exercise, o.test.title),
                "number": format!("{}.{}", o.test.exercise, o.test.name),
                "score": this.got,
                "max_score": this.max,
                "status": status,
                "output": output,
                "visibility": "visible",
            });
            if !o.measurements.is_empty() {
                let measured: serde_json::Map<_, _> = o
                    .measurements
                    .iter()
                    .map(|m| (m.name.to_owned(), json!({"value": m.value, "unit": m.unit})))
                    .collect();
                test["extra_data"] = json!({ "measurements": measured });
            }
            test
        })
        .collect();
    json!({
        "score": score.got,
        "execution_time": elapsed.as_secs_f64().round() as u64,
        "visibility": "visible",
        "stdout_visibility": "visible",
        "output": output,
        "tests": tests,
    })
}

impl Reporter for Gradescope {
    fn report(&mut self, event: &Event<'_>) -> Result<(), String> {
        if let Event::RunStarted { sandbox, .. } = event {
            self.output = sandbox.iter().map(|l| format!("sandbox: {l}\n")).collect();
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
            return match std::fs::remove_file(&self.path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    Err(format!("cannot remove {}: {e}", self.path.display()))
                }
                _ => Ok(()),
            };
        }
        let text = serde_json::to_string_pretty(&results(outcomes, score, *elapsed, &self.output))
            .map_err(|e| e.to_string())?;
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
        assert_eq!(json["score"], 6);
        assert_eq!(json["execution_time"], 2);
        assert_eq!(json["visibility"], "visible");
        assert_eq!(json["stdout_visibility"], "visible");
        assert_eq!(json["output"], format!("sandbox: {}\n", samples::SANDBOX));
        let tests = json["tests"].as_array().unwrap();
        assert_eq!(tests.len(), 4);
        assert_eq!(
            tests[0],
            json!({
                "name": "ex1: peek prints exactly the bytes asked for, from any offset",
                "number": "ex1.peek_range",
                "score": 3,
                "max_score": 3,
                "status": "passed",
                "output": "copying took 1.0 ms\nmeasured: ratio to cp = 2.19 x",
                "visibility": "visible",
                "extra_data": {"measurements": {"ratio to cp": {"value": 2.19, "unit": "x"}}},
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
            "`ex1 peek data.bin 9 3` printed 2 bytes\nexpected 3\n(seed 42: GRADER_SEED=42 repeats these inputs)"
        );
        // Not run: worth nothing in this run, and said so.
        assert_eq!(tests[2]["max_score"], 0);
        assert!(
            tests[2]["output"]
                .as_str()
                .unwrap()
                .starts_with("not run here, worth no points in this run: not checked here")
        );
    }

    #[test]
    fn no_results_after_a_grading_error_and_none_left_from_before() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.json");
        std::fs::write(&path, "{\"score\": 100}").unwrap();
        samples::replay(&samples::with_grading_error(), &mut Gradescope::new(&path));
        assert!(!path.exists());
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
