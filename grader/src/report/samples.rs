//! Outcomes made by hand, and the events a run of them would send: what the reporters' tests
//! render. Real rubric tests, so that titles and points are the real ones.

use std::time::Duration;

use crate::events::{Event, Ignored, Measurement, Reporter, Score, TestOutcome};
use crate::outcome::{Problem, Verdict};
use crate::rubric::{RUBRIC, Test};

pub fn rubric_test(exercise: &str, name: &str) -> &'static Test {
    RUBRIC
        .iter()
        .find(|t| t.exercise == exercise && t.name == name)
        .unwrap_or_else(|| panic!("no test {exercise}.{name}"))
}

pub fn outcome(exercise: &str, name: &str, verdict: Verdict, notes: &[&str]) -> TestOutcome {
    let notes: Vec<String> = notes.iter().map(|n| n.to_string()).collect();
    TestOutcome::new(
        rubric_test(exercise, name),
        verdict,
        &notes,
        Some(42),
        Duration::ZERO,
    )
}

/// A pass with a note and a measurement, a failure, a test not run, and a second exercise.
pub fn one_of_each() -> Vec<TestOutcome> {
    let mut pass = outcome("ex1", "peek_range", Ok(()), &["copying took 1.0 ms"]);
    pass.elapsed = Duration::from_millis(300);
    pass.measurements.push(Measurement {
        name: "ratio to cp",
        value: 2.19,
        unit: "x",
    });
    vec![
        pass,
        outcome(
            "ex1",
            "peek_clamps_at_end",
            Err(Problem::Fail(
                "`ex1 peek data.bin 9 3` printed 2 bytes\nexpected 3".into(),
            )),
            &[],
        ),
        outcome(
            "ex1",
            "peek_empty_file",
            Err(Problem::NotRun(
                "not checked here: no user namespaces".into(),
            )),
            &[],
        ),
        outcome("ex2", "patch_prints_patched", Ok(()), &[]),
    ]
}

/// The hash of the sample submission's files.
pub const HASH: &str = "5ca1ab1e";

/// A line of the sandbox's summary, as `runner::sandbox_summary` gives it.
pub const SANDBOX: &str = "Landlock ABI 7: files, TCP, signals";

pub const ONE_OF_EACH_TERMINAL: &str = "\
sandbox: Landlock ABI 7: files, TCP, signals
ex1: peek prints exactly the bytes asked for, from any offset: OK (0.3s)
    copying took 1.0 ms
    measured: ratio to cp = 2.19 x
ex1: peek stops at the end of the file, prints nothing past it or for LEN 0: FAIL (0.0s)
    `ex1 peek data.bin 9 3` printed 2 bytes
    expected 3
    (seed 42: GRADER_SEED=42 repeats these inputs)
ex1: peek of an empty file prints nothing: not run (0.0s)
    not checked here: no user namespaces
    (seed 42: GRADER_SEED=42 repeats these inputs)
ex1: 3/5 (1 point not run here)
ex2: patch prints the file with TEXT written at OFFSET: OK (0.0s)
ex2: 3/3
Score: 6/8 (1 point not run here)
";

/// A pass, and a check that panicked.
pub fn with_grading_error() -> Vec<TestOutcome> {
    vec![
        outcome("ex1", "peek_range", Ok(()), &[]),
        outcome(
            "ex1",
            "peek_clamps_at_end",
            Err(Problem::GraderError(
                "the check itself failed at grader/src/checks/ex1.rs:10: oops".into(),
            )),
            &[],
        ),
    ]
}

/// What a hostile program prints to fool a report: a line erased and rewritten, a fake score
/// line after moving the cursor up, a carriage return, backspaces, a window title.
pub const HOSTILE: &str =
    "\x1b[2K\rex1: ...: OK\n\x1b[1AScore: 100/100\r\x1b]0;pwned\x07\x08\x08 <&\"'>";

pub fn hostile() -> Vec<TestOutcome> {
    vec![outcome(
        "ex1",
        "peek_range",
        Err(Problem::Fail(format!("`ex1 peek` printed: {HOSTILE}"))),
        &[HOSTILE],
    )]
}

/// A file name with the same tricks, listed as ignored.
pub fn hostile_files() -> Vec<Ignored> {
    vec![Ignored::new(
        format!("exercises/{HOSTILE}.rs").as_ref(),
        "not a student file",
    )]
}

/// Every rubric test failed with a 16 MiB reason and two 16 MiB notes (made one at a time, so
/// that the test does not hold 43 of them).
pub fn huge() -> Vec<TestOutcome> {
    let huge = "\x1b[31m".to_owned() + &"panicked! ".repeat((16 << 20) / 10);
    RUBRIC
        .iter()
        .map(|t| {
            let notes = [huge.clone(), huge.clone()];
            TestOutcome::new(
                t,
                Err(Problem::Fail(huge.clone())),
                &notes,
                Some(1),
                Duration::ZERO,
            )
        })
        .collect()
}

/// No control character that could move the cursor, rewrite a line or ring a bell.
pub fn assert_no_controls(text: &str) {
    assert!(
        !text.contains(['\x1b', '\r', '\x08', '\x07']),
        "a control character got through: {text:?}"
    );
}

/// Fit for a terminal: no control characters, and no line but the last that starts like the
/// score line (what a program printed is indented under its test).
pub fn assert_harmless(text: &str) {
    assert_no_controls(text);
    let lines: Vec<&str> = text.lines().collect();
    let fake = lines[..lines.len().saturating_sub(1)]
        .iter()
        .find(|l| l.starts_with("Score:"));
    assert_eq!(fake, None, "{text}");
}

/// What the `Document` reporter of `render` writes for a run that ended with `outcomes`, if
/// anything.
pub fn rendered(outcomes: &[TestOutcome], render: super::Render) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report");
    replay(outcomes, super::Document::boxed(&path, render).as_mut());
    std::fs::read_to_string(&path).ok()
}

/// Sends `reporter` the events of a run that ended with `outcomes`, as `grade` would.
pub fn replay(outcomes: &[TestOutcome], reporter: &mut dyn Reporter) {
    replay_with_files(outcomes, None, reporter)
}

pub fn replay_with_files(
    outcomes: &[TestOutcome],
    files: Option<&[Ignored]>,
    reporter: &mut dyn Reporter,
) {
    let tests: Vec<&'static Test> = outcomes.iter().map(|o| o.test).collect();
    let mut send = |event: Event| reporter.report(&event).expect("the reporter works");
    send(Event::RunStarted {
        tests: &tests,
        seed: 42,
        sandbox: &[SANDBOX.to_owned()],
    });
    if let Some(ignored) = files {
        send(Event::FilesIgnored {
            taken: 3,
            ignored,
            hash: HASH,
        });
    }
    let mut start = 0;
    while start < outcomes.len() {
        let exercise = outcomes[start].test.exercise;
        let end = outcomes[start..]
            .iter()
            .position(|o| o.test.exercise != exercise)
            .map_or(outcomes.len(), |n| start + n);
        let of_exercise = &outcomes[start..end];
        send(Event::ExerciseBuilt { exercise });
        of_exercise
            .iter()
            .for_each(|o| send(Event::TestFinished(o)));
        send(Event::ExerciseFinished {
            exercise,
            outcomes: of_exercise,
            score: Score::of(of_exercise),
        });
        start = end;
    }
    send(Event::RunFinished {
        outcomes,
        score: Score::of(outcomes),
        elapsed: Duration::from_millis(1500),
    });
}
