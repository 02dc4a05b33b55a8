//! PrairieLearn's external grader results (`--format prairielearn --out PATH`, the file
//! `/grade/results/results.json`): `score` from 0 to 1, a `message`, the `output` shown once
//! (the same preamble as Gradescope's), and a test per rubric test with `points` and
//! `max_points`. When nothing compiled, the submission is `gradable: false`: PrairieLearn then
//! charges the student no attempt. Its `message` then says so in a line, and the compiler's
//! errors are in `output`, once (PrairieLearn shows both, one above the other). After a grading
//! error no results are written (and none left from before), so PrairieLearn reports a grading
//! failure rather than a score.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::preamble::{Preamble, remove_results};
use crate::events::{Event, Reporter, Score, TestOutcome};

pub struct PrairieLearn {
    path: PathBuf,
    preamble: Preamble,
}

impl PrairieLearn {
    pub fn new(path: &Path) -> PrairieLearn {
        PrairieLearn {
            path: path.to_owned(),
            preamble: Preamble::default(),
        }
    }
}

/// The message when no exercise compiled; the compiler's errors follow in `output`.
const NOTHING_COMPILED: &str = "No exercise compiled, so nothing was graded and this attempt does not count: \
     the compiler's errors are below.";

fn results(outcomes: &[TestOutcome], score: &Score, preamble: &Preamble) -> serde_json::Value {
    let tests: Vec<_> = outcomes
        .iter()
        .map(|o| {
            let problem = super::problem_lines(o);
            json!({
                "name": super::label(o.test),
                "description": format!("{}.{}", o.test.exercise, o.test.name),
                "points": o.score().got,
                "max_points": o.score().max,
                "message": problem.first().map_or("", String::as_str),
                "output": super::details(o),
            })
        })
        .collect();
    let nothing_compiled = preamble.built == 0 && preamble.not_compiled > 0;
    let fraction = match score.max {
        0 => 0.0,
        max => f64::from(score.got) / f64::from(max),
    };
    json!({
        "gradable": !nothing_compiled,
        "score": fraction,
        "message": if nothing_compiled {
            NOTHING_COMPILED.to_owned()
        } else {
            super::terminal::score_line(score)
        },
        "output": preamble.output,
        "tests": tests,
    })
}

impl Reporter for PrairieLearn {
    fn report(&mut self, event: &Event<'_>) -> Result<(), String> {
        self.preamble.take(event);
        match event {
            Event::RunFinished { score, .. } if !score.is_grade() => remove_results(&self.path),
            Event::RunFinished {
                outcomes, score, ..
            } => {
                let text = results(outcomes, score, &self.preamble).to_string();
                super::write_file(&self.path, &(text + "\n"))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::events::Status;
    use crate::report::samples;

    fn read(path: &Path) -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    /// PrairieLearn's external grading results: `gradable`, `score` in 0..1, `message`, `output`,
    /// and tests with `name`, `description`, `points`, `max_points`, `message` and `output`.
    #[test]
    fn the_fields_prairielearn_reads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.json");
        samples::replay(&samples::one_of_each(), &mut PrairieLearn::new(&path));
        let json = read(&path);
        assert_eq!(json["gradable"], true);
        // 7 of the 9 points run (the read-back float may be off by its last bit).
        assert!((json["score"].as_f64().unwrap() - 7.0 / 9.0).abs() < 1e-12);
        assert_eq!(json["message"], "Score: 7/9 (1 point not run here)");
        assert!(json["output"].as_str().unwrap().starts_with("sandbox: "));
        let tests = json["tests"].as_array().unwrap();
        assert_eq!(tests.len(), 4);
        assert_eq!(
            (&tests[1]["points"], &tests[1]["max_points"]),
            (&json!(0), &json!(2))
        );
        assert_eq!(tests[1]["message"], "`fx1 count data.bin` printed 3");
        assert_eq!(tests[0]["description"], "fx1.counts_lines");
        for test in tests {
            for field in ["name", "description", "message", "output"] {
                assert!(test[field].is_string(), "{field} in {test}");
            }
        }
    }

    #[test]
    fn nothing_compiled_is_not_gradable_and_a_grading_error_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.json");
        let mut reporter = PrairieLearn::new(&path);
        let error = Status::Fail {
            reason: "error[E0308]: mismatched types".into(),
        };
        let outcomes = samples::one_of_each();
        let score = Score::of(&outcomes);
        let events = [
            Event::RunStarted {
                rubric: &samples::RUBRIC,
                tests: &[],
                seed: 1,
                sandbox: &[],
            },
            Event::ExerciseNotBuilt {
                exercise: "fx1",
                status: &error,
            },
            Event::RunFinished {
                outcomes: &outcomes,
                score,
                elapsed: Duration::ZERO,
            },
        ];
        events.iter().for_each(|e| reporter.report(e).unwrap());
        let json = read(&path);
        assert_eq!(json["gradable"], false);
        // The compiler's errors once, in `output`; the message only says what happened.
        assert_eq!(
            json["output"],
            "fx1 was not built:\n    error[E0308]: mismatched types\n"
        );
        assert_eq!(json["message"], NOTHING_COMPILED);
        assert!(!json["message"].as_str().unwrap().contains("E0308"));

        samples::replay(&samples::with_grading_error(), &mut reporter);
        assert!(!path.exists());
    }
}
