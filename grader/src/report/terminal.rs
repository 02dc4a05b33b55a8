//! The terminal report, in the style of xv6's gradelib: one line per test as it finishes, the
//! reason indented under a failure, a subtotal per exercise, and `Score: N/M` last. Written to
//! stdout by `make grade`, and without colour into report.txt by `instructor batch`.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::Path;

use crate::events::{Event, Ignored, Reporter, Score, Status, TestOutcome};

pub struct Terminal<W: Write> {
    out: W,
    colour: bool,
    /// The hint topics that help with each test, by exercise and test name (see
    /// `hints::topics_by_test`): none unless `with_hints` gave them.
    hints: BTreeMap<String, BTreeMap<String, Vec<String>>>,
}

impl Terminal<std::io::Stdout> {
    /// To stdout, with colour only on a terminal, and never when NO_COLOR is set
    /// (https://no-color.org).
    pub fn stdout() -> Self {
        let colour = std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Terminal {
            out: std::io::stdout(),
            colour,
            hints: BTreeMap::new(),
        }
    }
}

impl<W: Write> Terminal<W> {
    /// Without colour, for files.
    pub fn plain(out: W) -> Self {
        Terminal {
            out,
            colour: false,
            hints: BTreeMap::new(),
        }
    }

    /// A failing test of `exercises` ends with the command that opens its topic's next hint, as
    /// in `cargo test -p exN`; the topics come from the exercises' READMEs in `kit`.
    pub fn with_hints(mut self, kit: &Path, exercises: &[&str]) -> Self {
        for exercise in exercises {
            let topics = crate::hints::topics_by_test(kit, exercise);
            self.hints.insert((*exercise).to_owned(), topics);
        }
        self
    }

    pub fn into_inner(self) -> W {
        self.out
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// `ex3: copies an empty file: OK (0.1s)`, and the reason or notes indented below it.
    fn test(&self, o: &TestOutcome) -> String {
        let verdict = match o.status {
            Status::Pass => self.paint("32", "OK"),
            Status::Fail { .. } => self.paint("31", "FAIL"),
            Status::NotRun { .. } => self.paint("33", "not run"),
            Status::GraderError { .. } => self.paint("35", "grading error"),
        };
        let mut text = format!(
            "{}: {}: {verdict} ({:.1}s)\n",
            o.test.exercise,
            o.test.title,
            o.elapsed.as_secs_f64()
        );
        let hints = self
            .hints
            .get(o.test.exercise)
            .and_then(|by_test| by_test.get(o.test.name));
        let lines = [
            super::problem_lines(o),
            super::note_lines(o),
            super::hint_lines(o, hints),
        ];
        for line in lines.iter().flatten() {
            text.push_str(&format!("    {line}\n"));
        }
        text
    }

    /// `ex3: 25/25`, and what the numbers leave out.
    fn subtotal(&self, exercise: &str, score: &Score) -> String {
        format!(
            "{}{}\n",
            self.paint("1", &format!("{exercise}: {}/{}", score.got, score.max)),
            remarks(score)
        )
    }

    fn score(&self, score: &Score) -> String {
        format!("{}\n", self.paint("1", &score_line(score)))
    }
}

/// How many of a submission's files were graded, and each file ignored with why.
pub(super) fn files(taken: usize, ignored: &[Ignored]) -> String {
    let mut text = format!("student files graded: {taken}\n");
    if !ignored.is_empty() {
        text.push_str("ignored (only exercises/exN/src/ is graded):\n");
        for file in ignored {
            text.push_str(&format!("    {}: {}\n", file.path, file.why));
        }
    }
    text
}

/// The last line, which scripts read: `Score: N/100`; no number at all when it is not a grade.
pub(super) fn score_line(score: &Score) -> String {
    if score.is_grade() {
        format!("Score: {}/{}{}", score.got, score.max, remarks(score))
    } else {
        format!(
            "Score: none: {}, so this is not a grade (the other tests scored {})",
            errors(score.grader_errors),
            super::points(score.got)
        )
    }
}

fn errors(n: usize) -> String {
    match n {
        1 => "a grading error in 1 test".to_owned(),
        n => format!("grading errors in {n} tests"),
    }
}

/// ` (2 points not run here)`, ` (a grading error in 1 test)`, or nothing.
fn remarks(score: &Score) -> String {
    let mut remarks = Vec::new();
    if score.not_run > 0 {
        remarks.push(format!("{} not run here", super::points(score.not_run)));
    }
    if score.grader_errors > 0 {
        remarks.push(errors(score.grader_errors));
    }
    if remarks.is_empty() {
        String::new()
    } else {
        format!(" ({})", remarks.join("; "))
    }
}

impl<W: Write> Reporter for Terminal<W> {
    fn report(&mut self, event: &Event<'_>) -> Result<(), String> {
        let text = match event {
            Event::FilesIgnored { taken, ignored, .. } => files(*taken, ignored),
            Event::TestFinished(o) => self.test(o),
            Event::ExerciseFinished {
                exercise, score, ..
            } => self.subtotal(exercise, score),
            Event::RunFinished { score, .. } => self.score(score),
            // Which protections were in force: a student and an instructor see the same.
            Event::RunStarted { sandbox, .. } => sandbox
                .iter()
                .map(|line| format!("sandbox: {line}\n"))
                .collect(),
            // The build's outcome shows under the exercise's tests.
            Event::ExerciseBuilt { .. } | Event::ExerciseNotBuilt { .. } => {
                return Ok(());
            }
        };
        super::write_now(&mut self.out, &text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::samples;

    fn rendered(outcomes: &[TestOutcome]) -> String {
        let mut terminal = Terminal::plain(Vec::new());
        samples::replay(outcomes, &mut terminal);
        String::from_utf8(terminal.into_inner()).unwrap()
    }

    #[test]
    fn each_outcome_has_its_exact_lines_and_the_score_comes_last() {
        let text = rendered(&samples::one_of_each());
        assert!(
            text.ends_with("\nScore: 7/9 (1 point not run here)\n"),
            "{text}"
        );
        samples::assert_snapshot("terminal.one_of_each.snap", &text);
    }

    /// The hint topic's command ends a failure, as in `cargo test -p exN`, and only a failure:
    /// the topic helps with every test here, passed, not run or the grader's fault.
    #[test]
    fn a_failure_ends_with_its_topics_hint_command() {
        let kit = tempfile::tempdir().unwrap();
        let readme = kit.path().join("exercises/fx1/README.md");
        std::fs::create_dir_all(readme.parent().unwrap()).unwrap();
        std::fs::write(
            &readme,
            "## Hints\n\n### NUL bytes\n<!-- topic nul: counts_lines stops_at_nul empty_input \
             -->\n<details><summary>Hint 1</summary>\nStop there.\n</details>\n",
        )
        .unwrap();
        let mut terminal = Terminal::plain(Vec::new()).with_hints(kit.path(), &["fx1"]);
        samples::replay(&samples::failures(), &mut terminal);
        let text = String::from_utf8(terminal.into_inner()).unwrap();
        assert!(
            text.contains(
                "    (seed 42: GRADER_SEED=42 repeats these inputs)\n    \
                 hint: `make hint EX=fx1 T=nul`\nfx1: an empty file has no lines"
            ),
            "{text}"
        );
        assert_eq!(text.matches("hint: ").count(), 1, "{text}");
    }

    #[test]
    fn a_grading_error_leaves_no_score_that_reads_as_a_grade() {
        let text = rendered(&samples::with_grading_error());
        let last = text.lines().last().unwrap();
        assert_eq!(
            last,
            "Score: none: a grading error in 1 test, so this is not a grade (the other tests scored 4 points)"
        );
        assert!(
            text.contains(": grading error (0.0s)\n    the check itself failed"),
            "{text}"
        );
    }

    #[test]
    fn a_programs_escape_sequences_never_reach_the_terminal() {
        let mut terminal = Terminal::plain(Vec::new());
        let files = samples::hostile_files();
        samples::replay_with_files(&samples::hostile(), Some(&files), &mut terminal);
        let text = String::from_utf8(terminal.into_inner()).unwrap();
        samples::assert_harmless(&text);
        assert!(text.contains("fx1: ...: OK"), "{text}");
        assert_eq!(text.lines().last().unwrap(), "Score: 0/4");
    }

    #[test]
    fn the_report_stays_small_when_every_test_carries_megabytes() {
        let outcomes = samples::huge();
        let text = rendered(&outcomes);
        assert!(
            text.len() < outcomes.len() * (10 << 10),
            "{} bytes",
            text.len()
        );
        assert!(text.contains("bytes cut)"));
    }

    #[test]
    fn colour_only_paints_the_verdict_and_totals() {
        let mut terminal = Terminal {
            colour: true,
            ..Terminal::plain(Vec::new())
        };
        samples::replay(&samples::with_grading_error()[..1], &mut terminal);
        let text = String::from_utf8(terminal.into_inner()).unwrap();
        assert!(text.contains(": \x1b[32mOK\x1b[0m ("), "{text:?}");
        assert!(text.ends_with("\x1b[1mScore: 4/4\x1b[0m\n"), "{text:?}");
    }
}
