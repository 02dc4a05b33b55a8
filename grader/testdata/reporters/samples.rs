//! The reporters' test data: a small rubric of its own (made-up exercises, none of the kit's),
//! outcomes made by hand from it, the events a run of them would send, and the snapshot files of
//! what each format writes (`*.snap`, beside this file). The reporters' unit tests include it
//! (`report/mod.rs`, as `report::samples`): a point moved or a title changed in the kit's rubric
//! changes none of them.
//!
//! `UPDATE_SNAPSHOTS=1 cargo test -p grader --release --lib report` rewrites the snapshots; review
//! the change with `git diff grader/testdata/reporters/`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::events::{Event, Ignored, Measurement, Reporter, Score, TestOutcome};
use crate::outcome::{Problem, Verdict};
use crate::rubric::{Test, after_due_date, test};

/// A row of the fixture rubric, in its exercise (a table's rows leave it empty).
const fn row(exercise: &'static str, test: Test) -> Test {
    Test { exercise, ..test }
}

/// The fixture rubric: `fx1` (7 points), `fx2` (5) and `fx3` (1, shown after the due date), in
/// this order. Their checks are never run.
pub static RUBRIC: [Test; 6] = [
    row(
        "fx1",
        test(
            "counts_lines",
            4,
            "counts the lines of a file",
            |_| Ok(()),
            "a line ends at each newline; the last one may have none",
        ),
    ),
    row(
        "fx1",
        test(
            "stops_at_nul",
            2,
            "stops at the first NUL byte",
            |_| Ok(()),
            "a NUL byte ends the text",
        ),
    ),
    row(
        "fx1",
        test(
            "empty_input",
            1,
            "an empty file has no lines",
            |_| Ok(()),
            "0 lines, and success",
        ),
    ),
    row(
        "fx2",
        test(
            "echoes_back",
            3,
            "echoes each line back, reversed",
            |_| Ok(()),
            "reverse the characters, not the bytes",
        ),
    ),
    row(
        "fx2",
        test(
            "long_lines",
            2,
            "keeps lines longer than a page",
            |_| Ok(()),
            "no fixed-size line buffer",
        ),
    ),
    row(
        "fx3",
        after_due_date(test(
            "hidden_case",
            1,
            "a case shown only after the due date",
            |_| Ok(()),
            "",
        )),
    ),
];

/// The fixture rubric's test `exercise.name`.
pub fn rubric_test(exercise: &str, name: &str) -> &'static Test {
    RUBRIC
        .iter()
        .find(|t| t.exercise == exercise && t.name == name)
        .unwrap_or_else(|| panic!("no test {exercise}.{name} in the fixture rubric"))
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
    let mut pass = outcome("fx1", "counts_lines", Ok(()), &["counting took 1.0 ms"]);
    pass.elapsed = Duration::from_millis(300);
    pass.measurements.push(Measurement {
        name: "ratio to wc",
        value: 2.19,
        unit: "x",
    });
    vec![
        pass,
        outcome(
            "fx1",
            "stops_at_nul",
            Err(Problem::Fail(
                "`fx1 count data.bin` printed 3\nexpected 2".into(),
            )),
            &[],
        ),
        outcome(
            "fx1",
            "empty_input",
            Err(Problem::NotRun(
                "not checked here: no user namespaces".into(),
            )),
            &[],
        ),
        outcome("fx2", "echoes_back", Ok(()), &[]),
    ]
}

/// A pass, and a check that panicked.
pub fn with_grading_error() -> Vec<TestOutcome> {
    vec![
        outcome("fx1", "counts_lines", Ok(()), &[]),
        outcome(
            "fx1",
            "stops_at_nul",
            Err(Problem::GraderError(
                "the check itself failed at grader/src/checks/fx1.rs:10: oops".into(),
            )),
            &[],
        ),
    ]
}

/// One exercise's pass, failure and test not run, then a grading error in the test that failed.
pub fn failures() -> Vec<TestOutcome> {
    let mut outcomes = one_of_each();
    outcomes.truncate(3);
    outcomes.extend(with_grading_error().into_iter().skip(1));
    outcomes
}

/// The hash of the sample submission's files.
pub const HASH: &str = "5ca1ab1e";

/// A line of the sandbox's summary, as `runner::sandbox_summary` gives it.
pub const SANDBOX: &str = "Landlock ABI 7: files, TCP, signals";

/// What a hostile program prints to fool a report: a line erased and rewritten, a fake score
/// line after moving the cursor up, a carriage return, backspaces, a window title.
pub const HOSTILE: &str =
    "\x1b[2K\rfx1: ...: OK\n\x1b[1AScore: 100/100\r\x1b]0;pwned\x07\x08\x08 <&\"'>";

pub fn hostile() -> Vec<TestOutcome> {
    vec![outcome(
        "fx1",
        "counts_lines",
        Err(Problem::Fail(format!("`fx1 count` printed: {HOSTILE}"))),
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

/// Every fixture test failed with a 16 MiB reason and two 16 MiB notes (made one at a time, so
/// that the test does not hold all of them at once).
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
pub fn rendered(outcomes: &[TestOutcome], render: crate::report::Render) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report");
    replay(
        outcomes,
        crate::report::Document::boxed(&path, render).as_mut(),
    );
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
        rubric: &RUBRIC,
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

/// The folder of this file, which holds the snapshots.
pub fn snapshots() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/reporters")
}

/// Lines shown on either side of a snapshot's first difference.
const CONTEXT: usize = 3;

/// Where `got` first differs from the snapshot `want`, by line: the lines around it, from each.
fn line_difference(want: &str, got: &str) -> Option<String> {
    let (want, got): (Vec<&str>, Vec<&str>) =
        (want.split('\n').collect(), got.split('\n').collect());
    let at = (0..want.len().max(got.len())).find(|&i| want.get(i) != got.get(i))?;
    let around = |lines: &[&str], mark: char| -> String {
        let from = at.saturating_sub(CONTEXT);
        let to = (at + CONTEXT + 1).min(lines.len());
        (from..to)
            .map(|i| {
                let sign = if i == at { mark } else { ' ' };
                format!("{sign}{:>4} | {}\n", i + 1, lines[i])
            })
            .collect()
    };
    Some(format!(
        "first difference at line {}:\n--- the snapshot\n{}+++ what the reporter wrote\n{}",
        at + 1,
        around(&want, '-'),
        around(&got, '+')
    ))
}

/// Compares `got`, what a reporter wrote, with the snapshot file `name` (in this folder), and
/// returns what differs (or why there is no snapshot to compare with). With `UPDATE_SNAPSHOTS=1`
/// it writes the snapshot instead.
pub fn snapshot_mismatch(name: &str, got: &str) -> Option<String> {
    let path = snapshots().join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v == "1") {
        std::fs::write(&path, got)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return None;
    }
    let how = match std::fs::read_to_string(&path) {
        Ok(want) => line_difference(&want, got)?,
        Err(e) => format!("no snapshot to compare with ({e})\n"),
    };
    Some(format!(
        "{} differs from what the reporter wrote: {how}(if the change is meant, \
         `UPDATE_SNAPSHOTS=1 cargo test -p grader --release --lib report` rewrites the snapshots; \
         review them with `git diff grader/testdata/reporters/`)",
        path.display()
    ))
}

/// Fails, with the lines that differ, unless `got` is the snapshot `name`.
pub fn assert_snapshot(name: &str, got: &str) {
    if let Some(mismatch) = snapshot_mismatch(name, got) {
        panic!("{mismatch}");
    }
}

/// A sample run: its name, its outcomes, the submission's files ignored.
pub struct Case {
    pub name: &'static str,
    pub outcomes: Vec<TestOutcome>,
    pub files: Option<Vec<Ignored>>,
}

/// The sample runs every format's snapshots are made of.
pub fn cases() -> [Case; 4] {
    let case = |name, outcomes| Case {
        name,
        outcomes,
        files: None,
    };
    [
        case("one_of_each", one_of_each()),
        case("grading_error", with_grading_error()),
        case("failures", failures()),
        Case {
            files: Some(hostile_files()),
            ..case("hostile", hostile())
        },
    ]
}

/// The snapshots of class.html (a student per sample run) begin so; `batch::class_html`'s test
/// compares them, the reporters' test leaves them to it.
pub const CLASS_HTML_SNAPSHOT_PREFIX: &str = "class_html.";
