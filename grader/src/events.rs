//! The interface between grading and reporting. `grade` turns each check's `Verdict` into a
//! `TestOutcome` and sends every step of a run as an `Event` to the reporters (`report/`, and
//! the batch's gradebook rows); a reporter only turns events into words or files, and never reads
//! another reporter's text. What a test ended as, and what it is worth, is a type here; only the
//! reporters put it into words.
//!
//! Every text in an outcome or an event has passed through `Clean` once, when it was made: no
//! reporter has to fear escape sequences or a 16 MiB message.

use std::path::Path;
use std::time::Duration;

use crate::clean::{BOUND, Clean};
use crate::outcome::{Problem, Verdict};
use crate::rubric::Test;

/// How a test ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    /// Its points are won.
    Pass,
    /// The program did something wrong: its points are lost.
    Fail { reason: Clean },
    /// The test could not be run here (a kernel feature is missing, say): it is worth nothing in
    /// this run, neither won nor lost.
    NotRun { reason: Clean },
    /// The grader failed (a bug of its own, a fixture it could not make): no points are lost, and
    /// the run as a whole is not a grade.
    GraderError { reason: Clean },
}

impl Status {
    pub fn reason(&self) -> Option<&Clean> {
        match self {
            Status::Pass => None,
            Status::Fail { reason }
            | Status::NotRun { reason }
            | Status::GraderError { reason } => Some(reason),
        }
    }
}

impl From<Verdict> for Status {
    fn from(verdict: Verdict) -> Status {
        match verdict {
            Ok(()) => Status::Pass,
            Err(Problem::Fail(r)) => Status::Fail {
                reason: Clean::new(&r),
            },
            Err(Problem::NotRun(r)) => Status::NotRun {
                reason: Clean::new(&r),
            },
            Err(Problem::GraderError(r)) => Status::GraderError {
                reason: Clean::new(&r),
            },
        }
    }
}

/// A number a test measured (the speed test's ratio to cp, a peak of memory), kept as a number
/// so that a report can show it or a script can collect it.
#[derive(Clone, Debug, PartialEq)]
pub struct Measurement {
    pub name: &'static str,
    pub value: f64,
    /// `ms`, `MiB`, `x cp` ...; empty for a plain number.
    pub unit: &'static str,
}

/// The result of one test.
#[derive(Clone, Debug)]
pub struct TestOutcome {
    pub test: &'static Test,
    pub status: Status,
    /// Remarks made while it ran, shown even on success.
    pub notes: Vec<Clean>,
    pub measurements: Vec<Measurement>,
    /// The run's seed, which repeats the test's inputs; `None` when the test did not run at all
    /// (its program was not built).
    pub seed: Option<u64>,
    pub elapsed: Duration,
    /// A program it ran ran out of time (whether the test then failed or not).
    pub timed_out: bool,
}

impl TestOutcome {
    /// The one place where a check's result becomes an outcome, its texts cleaned and bounded.
    pub fn new(
        test: &'static Test,
        verdict: Verdict,
        notes: &[String],
        seed: Option<u64>,
        elapsed: Duration,
    ) -> TestOutcome {
        TestOutcome {
            test,
            status: verdict.into(),
            notes: Clean::all(notes, BOUND),
            measurements: Vec::new(),
            seed,
            elapsed,
            timed_out: false,
        }
    }

    pub fn passed(&self) -> bool {
        self.status == Status::Pass
    }

    /// Why it did not pass, if it did not.
    pub fn reason(&self) -> Option<&Clean> {
        self.status.reason()
    }

    /// What this test adds to a score.
    pub fn score(&self) -> Score {
        let points = self.test.points;
        match self.status {
            Status::Pass => Score {
                got: points,
                max: points,
                ..Score::default()
            },
            Status::Fail { .. } => Score {
                max: points,
                ..Score::default()
            },
            Status::NotRun { .. } => Score {
                not_run: points,
                ..Score::default()
            },
            Status::GraderError { .. } => Score {
                max: points,
                grader_errors: 1,
                ..Score::default()
            },
        }
    }
}

/// Points won and points at stake, over some tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Score {
    pub got: u32,
    /// The points of the tests that were run.
    pub max: u32,
    /// The points of the tests that could not be run here, in no total.
    pub not_run: u32,
    /// Tests whose grading failed: while there is one, the score is not a grade.
    pub grader_errors: usize,
}

impl Score {
    pub fn of<'a>(outcomes: impl IntoIterator<Item = &'a TestOutcome>) -> Score {
        outcomes
            .into_iter()
            .map(TestOutcome::score)
            .fold(Score::default(), |a, b| Score {
                got: a.got + b.got,
                max: a.max + b.max,
                not_run: a.not_run + b.not_run,
                grader_errors: a.grader_errors + b.grader_errors,
            })
    }

    /// Whether this is a grade at all: the grader did its part for every test.
    pub fn is_grade(&self) -> bool {
        self.grader_errors == 0
    }

    pub fn full_marks(&self) -> bool {
        self.is_grade() && self.got == self.max
    }
}

/// A file of a submission that was not graded, and why.
#[derive(Clone, Debug)]
pub struct Ignored {
    pub path: Clean,
    pub why: Clean,
}

impl Ignored {
    pub fn new(path: &Path, why: &str) -> Ignored {
        Ignored {
            path: Clean::line(&path.display().to_string()),
            why: Clean::line(why),
        }
    }
}

/// One step of a grading run, in the order a run goes: started, the submission's files, then per
/// exercise its build, its tests and its subtotal, and last the whole run.
#[derive(Debug)]
pub enum Event<'a> {
    RunStarted {
        /// The whole rubric the tests are from (the grader's, or a test's own): what a report
        /// that lists every exercise, or numbers tests by their place, goes by.
        rubric: &'static [Test],
        /// The tests that will run, in rubric order.
        tests: &'a [&'static Test],
        seed: u64,
        /// What the sandbox of every run holds on this machine, a line per mechanism.
        sandbox: &'a [String],
    },
    /// A submission's files: how many were taken, and what was left out (only for a submission).
    FilesIgnored {
        taken: usize,
        ignored: &'a [Ignored],
        /// The hash of the files taken (their paths and contents): the same hash, the same inputs.
        hash: &'a str,
    },
    ExerciseBuilt {
        exercise: &'static str,
    },
    /// The exercise's program could not be built: `status` says whose fault and why (its tests
    /// then end with the same status).
    ExerciseNotBuilt {
        exercise: &'static str,
        status: &'a Status,
    },
    TestFinished(&'a TestOutcome),
    ExerciseFinished {
        exercise: &'static str,
        outcomes: &'a [TestOutcome],
        score: Score,
    },
    RunFinished {
        outcomes: &'a [TestOutcome],
        score: Score,
        elapsed: Duration,
    },
}

/// A consumer of the event stream: the terminal report, report.txt, results.json, JUnit XML,
/// `cargo test`'s lines, a gradebook row.
pub trait Reporter {
    /// Takes one event. An error (a file that cannot be written) does not stop the run: it is
    /// handed back with the run's results, once the run is over.
    fn report(&mut self, event: &Event<'_>) -> Result<(), String>;
}
