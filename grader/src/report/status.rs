//! `grader status` (`make status`): one line per exercise, its points and the names of its
//! failing tests, and nothing else: where a student stands, at a glance.
//!
//! ```text
//! ex1: 20/25, failing: bump_defaults, bump_stride_delta
//! ex2: 25/25
//! ex3: 0/25, does not build
//! ```

use std::io::Write;

use crate::events::{Event, Reporter, Status, TestOutcome};

pub struct StatusLines<W: Write> {
    out: W,
    /// The exercise whose program could not be built, if the current one is.
    not_built: Option<&'static str>,
}

impl<W: Write> StatusLines<W> {
    pub fn new(out: W) -> Self {
        StatusLines {
            out,
            not_built: None,
        }
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

/// The names of the tests that ended with `status`'s kind, joined: `a, b`.
fn names(outcomes: &[TestOutcome], kind: fn(&Status) -> bool) -> String {
    outcomes
        .iter()
        .filter(|o| kind(&o.status))
        .map(|o| o.test.name)
        .collect::<Vec<_>>()
        .join(", ")
}

impl<W: Write> Reporter for StatusLines<W> {
    fn report(&mut self, event: &Event<'_>) -> Result<(), String> {
        let line = match event {
            Event::ExerciseNotBuilt { exercise, .. } => {
                self.not_built = Some(exercise);
                return Ok(());
            }
            Event::ExerciseFinished {
                exercise,
                outcomes,
                score,
            } => {
                let mut line = format!("{exercise}: {}/{}", score.got, score.max);
                if self.not_built.take() == Some(*exercise) {
                    line.push_str(", does not build");
                } else {
                    for (label, kind) in [
                        (
                            "failing",
                            (|s| matches!(s, Status::Fail { .. })) as fn(&Status) -> bool,
                        ),
                        ("not run here", |s| matches!(s, Status::NotRun { .. })),
                        ("grading error in", |s| {
                            matches!(s, Status::GraderError { .. })
                        }),
                    ] {
                        let names = names(outcomes, kind);
                        if !names.is_empty() {
                            line.push_str(&format!(", {label}: {names}"));
                        }
                    }
                }
                line
            }
            _ => return Ok(()),
        };
        super::write_now(&mut self.out, &format!("{line}\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Score;
    use crate::report::samples;

    fn rendered(outcomes: &[TestOutcome]) -> String {
        let mut status = StatusLines::new(Vec::new());
        samples::replay(outcomes, &mut status);
        String::from_utf8(status.into_inner()).unwrap()
    }

    #[test]
    fn one_line_per_exercise_with_its_points_and_the_names_of_its_failing_tests() {
        assert_eq!(
            rendered(&samples::one_of_each()),
            "fx1: 4/6, failing: stops_at_nul, not run here: empty_input\nfx2: 3/3\n"
        );
        assert_eq!(
            rendered(&samples::with_grading_error()),
            "fx1: 4/6, grading error in: stops_at_nul\n"
        );
        let text = rendered(&samples::hostile());
        samples::assert_harmless(&text);
        assert_eq!(text.lines().count(), 1, "{text}");
    }

    #[test]
    fn an_exercise_that_does_not_build_says_so_and_names_no_test() {
        let outcomes = vec![samples::outcome(
            "fx2",
            "echoes_back",
            Err(crate::outcome::Problem::Fail("error[E0425]".into())),
            &[],
        )];
        let mut status = StatusLines::new(Vec::new());
        let failed = Status::from(Err(crate::outcome::Problem::Fail("x".into())));
        let events = [
            Event::ExerciseNotBuilt {
                exercise: "fx2",
                status: &failed,
            },
            Event::TestFinished(&outcomes[0]),
            Event::ExerciseFinished {
                exercise: "fx2",
                outcomes: &outcomes,
                score: Score::of(&outcomes),
            },
        ];
        events.iter().for_each(|e| status.report(e).unwrap());
        assert_eq!(
            String::from_utf8(status.into_inner()).unwrap(),
            "fx2: 0/3, does not build\n"
        );
    }
}
