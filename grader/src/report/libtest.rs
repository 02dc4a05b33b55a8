//! `cargo test -p exN`'s output, line for line the way Rust's own test harness prints it, so
//! that it reads as students expect and tools that read libtest's lines understand it.

use std::collections::BTreeMap;
use std::io::Write;

use crate::events::{Event, Reporter, Score, Status, TestOutcome};

pub struct LibTest<W: Write> {
    out: W,
    exercise: String,
    /// The rubric's tests that the filters left out.
    filtered_out: usize,
    /// The hint topics that help with each test, by test name (see `hints::topics_by_test`).
    hints: BTreeMap<String, Vec<String>>,
}

impl<W: Write> LibTest<W> {
    pub fn new(out: W, exercise: &str, filtered_out: usize) -> Self {
        LibTest {
            out,
            exercise: exercise.to_owned(),
            filtered_out,
            hints: BTreeMap::new(),
        }
    }

    /// A failing test ends with the command that opens its topic's next hint.
    pub fn with_hints(mut self, hints: BTreeMap<String, Vec<String>>) -> Self {
        self.hints = hints;
        self
    }

    pub fn into_inner(self) -> W {
        self.out
    }

    fn summary(&self, outcomes: &[TestOutcome], score: &Score, seconds: f64) -> String {
        let failed: Vec<&TestOutcome> = outcomes
            .iter()
            .filter(|o| matches!(o.status, Status::Fail { .. } | Status::GraderError { .. }))
            .collect();
        let ignored = outcomes
            .iter()
            .filter(|o| matches!(o.status, Status::NotRun { .. }))
            .count();
        let mut text = String::new();
        if !failed.is_empty() {
            text.push_str("\nfailures:\n\n");
            for o in &failed {
                text.push_str(&format!(
                    "---- {} ({}, {}) ----\n",
                    o.test.name,
                    o.test.title,
                    super::points(o.test.points)
                ));
                if let Status::GraderError { .. } = o.status {
                    text.push_str("grading error (the grader's fault, not the program's):\n");
                }
                let hints = super::hint_lines(o, self.hints.get(o.test.name));
                for line in super::problem_lines(o).iter().chain(&hints) {
                    text.push_str(&format!("{line}\n"));
                }
                text.push('\n');
            }
            text.push_str("failures:\n");
            failed
                .iter()
                .for_each(|o| text.push_str(&format!("    {}\n", o.test.name)));
        }
        let exercise = &self.exercise;
        if score.is_grade() {
            text.push_str(&format!(
                "\n{exercise} score: {}/{}\n",
                score.got,
                super::points(score.max)
            ));
        } else {
            text.push_str(&format!(
                "\n{exercise} score: none, {} grading error(s)\n",
                score.grader_errors
            ));
        }
        text.push_str(&format!(
            "\ntest result: {}. {} passed; {} failed; {ignored} ignored; 0 measured; {} filtered out; finished in {seconds:.2}s\n\n",
            if failed.is_empty() { "ok" } else { "FAILED" },
            outcomes.len() - failed.len() - ignored,
            failed.len(),
            self.filtered_out,
        ));
        text
    }
}

impl<W: Write> Reporter for LibTest<W> {
    fn report(&mut self, event: &Event<'_>) -> Result<(), String> {
        let text = match event {
            Event::RunStarted { tests, seed, .. } => format!(
                "\nrunning {} tests (the {} rubric, seed {seed})\n",
                tests.len(),
                self.exercise
            ),
            Event::TestFinished(o) => {
                let mut text = match &o.status {
                    Status::Pass => format!("test {} ... ok\n", o.test.name),
                    Status::NotRun { reason } => format!(
                        "test {} ... ignored, {}\n",
                        o.test.name,
                        reason.lines().next().unwrap_or_default()
                    ),
                    Status::Fail { .. } | Status::GraderError { .. } => {
                        format!("test {} ... FAILED\n", o.test.name)
                    }
                };
                // What a passing test measured (the speed test's ratio, say) is worth seeing too.
                for line in super::note_lines(o) {
                    text.push_str(&format!("    {line}\n"));
                }
                text
            }
            Event::RunFinished {
                outcomes,
                score,
                elapsed,
            } => self.summary(outcomes, score, elapsed.as_secs_f64()),
            _ => return Ok(()),
        };
        super::write_now(&mut self.out, &text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::samples;

    #[test]
    fn the_lines_of_rusts_test_harness() {
        // Its lines are the snapshot `libtest.failures.snap` (`report::snapshots`); here, what
        // they must say whatever the wording.
        let hints = [("stops_at_nul".to_owned(), vec!["nul".to_owned()])];
        let mut libtest = LibTest::new(Vec::new(), "fx1", 8).with_hints(hints.into());
        samples::replay(&samples::failures(), &mut libtest);
        let text = String::from_utf8(libtest.into_inner()).unwrap();
        // A failure's hint command, but none for a grading error of the same test.
        assert_eq!(
            text.matches("\nhint: `make hint EX=fx1 T=nul`\n").count(),
            1,
            "{text}"
        );
        assert!(
            text.starts_with("\nrunning 4 tests (the fx1 rubric, seed 42)\n"),
            "{text}"
        );
        assert!(
            text.contains("\n---- stops_at_nul (stops at the first NUL byte, 2 points) ----\n")
        );
        assert!(text.contains("grading error (the grader's fault, not the program's):\n"));
        assert!(
            text.contains("\nfailures:\n    stops_at_nul\n    stops_at_nul\n"),
            "{text}"
        );
        assert!(
            text.ends_with(
                "test result: FAILED. 1 passed; 2 failed; 1 ignored; 0 measured; 8 filtered out; \
             finished in 1.50s\n\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn all_passing_is_ok() {
        let outcomes = vec![samples::outcome("fx1", "counts_lines", Ok(()), &[])];
        let mut libtest = LibTest::new(Vec::new(), "fx1", 10);
        samples::replay(&outcomes, &mut libtest);
        let text = String::from_utf8(libtest.into_inner()).unwrap();
        assert!(text.ends_with(
            "test counts_lines ... ok\n\nfx1 score: 4/4 points\n\ntest result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 10 filtered out; finished in 1.50s\n\n"
        ), "{text}");
    }

    #[test]
    fn one_point_is_one_point_not_one_points() {
        let outcomes = vec![samples::outcome(
            "fx1",
            "empty_input",
            Err(crate::outcome::Problem::Fail("printed 1 line".into())),
            &[],
        )];
        let mut libtest = LibTest::new(Vec::new(), "fx1", 10);
        samples::replay(&outcomes, &mut libtest);
        let text = String::from_utf8(libtest.into_inner()).unwrap();
        assert!(
            text.contains("---- empty_input (an empty file has no lines, 1 point) ----")
                && text.contains("fx1 score: 0/1 point\n")
                && !text.contains("1 points"),
            "{text}"
        );
    }
}
