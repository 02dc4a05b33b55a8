//! Autolab (`--format autolab --out PATH`): Autolab takes a job's score from the last line of its
//! output, `{"scores": {"ex1": 25, ...}, "scoreboard": [100, 25, ...]}`, a problem per exercise
//! (the assessment's problems are named after the exercises) and the total first on the scoreboard. The
//! driver prints the file last (`cat PATH`), or the grader writes it to `/dev/stdout` after its
//! own lines. Only a grade is written: after a grading error Autolab finds no score line, and
//! reports the job as failed.

use serde_json::json;

use crate::events::{Score, TestOutcome};
use crate::rubric::Test;

/// The score line, only for a grade: a score for every exercise of the rubric (0 for one not
/// graded in this run).
pub fn score_line(rubric: &[Test], outcomes: &[TestOutcome], score: &Score) -> Option<String> {
    if !score.is_grade() {
        return None;
    }
    let exercises = super::exercises(rubric);
    let of =
        |exercise: &str| Score::of(outcomes.iter().filter(|o| o.test.exercise == exercise)).got;
    let scores: serde_json::Map<_, _> = exercises
        .iter()
        .map(|e| (e.to_string(), json!(of(e))))
        .collect();
    let board: Vec<u32> = std::iter::once(score.got)
        .chain(exercises.iter().map(|e| of(e)))
        .collect();
    Some(json!({"scores": scores, "scoreboard": board}).to_string() + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::samples;

    fn written(outcomes: &[TestOutcome]) -> Option<String> {
        samples::rendered(outcomes, score_line)
    }

    /// What Autolab does with a job's output: the last line, as JSON, must hold a number per
    /// problem under `scores`, and `scoreboard` an array.
    #[test]
    fn the_last_line_is_the_score_autolab_reads() {
        let text = written(&samples::one_of_each()).unwrap();
        let last = text.lines().last().unwrap();
        let json: serde_json::Value = serde_json::from_str(last).unwrap();
        // Every exercise of the run's rubric, fx3 (not graded in this run) included.
        assert_eq!(
            json,
            json!({"scores": {"fx1": 4, "fx2": 3, "fx3": 0}, "scoreboard": [7, 4, 3, 0]})
        );
    }

    #[test]
    fn no_score_line_after_a_grading_error() {
        assert_eq!(written(&samples::with_grading_error()), None);
    }
}
