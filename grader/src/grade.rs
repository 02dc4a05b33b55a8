//! Runs rubric tests against programs, in parallel where that is safe, and sends every step of
//! the run to the reporters as an event (`events.rs`) as soon as it is known. It knows no report:
//! `report/`, the batch's gradebook and `cargo test`'s lines are all consumers of its events.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

use crate::check_api::{Ctx, test_seed};
use crate::compile::BuildError;
use crate::events::{Event, Ignored, Reporter, Score, Status, TestOutcome};
use crate::outcome::Reword;
use crate::outcome::{Problem, Verdict, grader_error};
use crate::rubric::Test;
use crate::submission::Submission;

/// Each exercise's program, or why there is none: a `Fail` is the student's (it does not
/// compile), a `GraderError` the grader's.
pub type Programs = BTreeMap<&'static str, Result<PathBuf, Problem>>;

/// A build result as a program to grade: a build that failed because of the submitted code (it
/// does not compile, or ran out of time) is the student's failure; one that failed because of the
/// grader (cargo could not run, a copy failed) is a grading error.
pub fn built(result: Result<PathBuf, BuildError>) -> Result<PathBuf, Problem> {
    result.map_err(|e| match e {
        BuildError::Student(why) => Problem::Fail(why),
        BuildError::Grader(why) => Problem::GraderError(why),
    })
}

/// What to grade.
pub struct Plan<'a> {
    /// The tests to run, in rubric order: whole exercises, or the few that `cargo test` selected.
    pub tests: &'a [&'static Test],
    pub seed: u64,
    /// Tests run side by side (the solo ones run alone in any case).
    pub jobs: usize,
    /// The submission being graded, if it is one: its files taken and ignored are reported.
    pub submission: Option<&'a Submission>,
}

/// What a run produced.
pub struct Graded {
    /// In rubric order.
    pub outcomes: Vec<TestOutcome>,
    pub score: Score,
    /// What the reporters could not do (write a file, say).
    pub report_errors: Vec<String>,
}

/// The reporters of one run, and what went wrong in them.
struct Stream<'r, 'a> {
    reporters: &'r mut [&'a mut dyn Reporter],
    errors: Vec<String>,
}

impl Stream<'_, '_> {
    fn send(&mut self, event: Event<'_>) {
        for reporter in self.reporters.iter_mut() {
            if let Err(e) = reporter.report(&event) {
                self.errors.push(e);
            }
        }
    }
}

/// Grades `plan`: builds the programs with `build` (once the run has started, so that the
/// submission's files are reported while it builds), runs each exercise's tests, and sends the
/// events of the run to `reporters`.
pub fn grade(
    plan: &Plan,
    build: impl FnOnce() -> Programs,
    reporters: &mut [&mut dyn Reporter],
) -> Graded {
    let started = Instant::now();
    let mut stream = Stream {
        reporters,
        errors: Vec::new(),
    };
    let sandbox = crate::runner::sandbox_summary();
    stream.send(Event::RunStarted {
        rubric: &crate::rubric::RUBRIC,
        tests: plan.tests,
        seed: plan.seed,
        sandbox: &sandbox,
    });
    if let Some(submission) = plan.submission {
        let ignored: Vec<Ignored> = submission
            .ignored
            .iter()
            .map(|(path, why)| Ignored::new(path, why))
            .collect();
        stream.send(Event::FilesIgnored {
            taken: submission.taken.len(),
            ignored: &ignored,
            hash: &submission.hash,
        });
    }
    let mut programs = build();
    let mut exercises: Vec<&'static str> = Vec::new();
    for test in plan.tests {
        if !exercises.contains(&test.exercise) {
            exercises.push(test.exercise);
        }
    }
    let mut all = Vec::new();
    for exercise in exercises {
        let tests: Vec<&'static Test> = plan
            .tests
            .iter()
            .copied()
            .filter(|t| t.exercise == exercise)
            .collect();
        let program = programs
            .remove(exercise)
            .unwrap_or_else(|| Err(Problem::Fail("was not built".into())));
        let outcomes = match program {
            Ok(program) => {
                stream.send(Event::ExerciseBuilt { exercise });
                run_tests(&tests, &program, plan.seed, plan.jobs, |o| {
                    stream.send(Event::TestFinished(o))
                })
            }
            Err(problem) => {
                let status = Status::from(Err(problem.clone()));
                stream.send(Event::ExerciseNotBuilt {
                    exercise,
                    status: &status,
                });
                let outcomes = not_built(exercise, &tests, problem);
                outcomes
                    .iter()
                    .for_each(|o| stream.send(Event::TestFinished(o)));
                outcomes
            }
        };
        stream.send(Event::ExerciseFinished {
            exercise,
            outcomes: &outcomes,
            score: Score::of(&outcomes),
        });
        all.extend(outcomes);
    }
    let score = Score::of(&all);
    stream.send(Event::RunFinished {
        outcomes: &all,
        score,
        elapsed: started.elapsed(),
    });
    Graded {
        outcomes: all,
        score,
        report_errors: stream.errors,
    }
}

/// The outcomes of an exercise whose program could not be built: each test ends as the build did
/// (the student's failure or the grader's), with the whole reason (a compiler error, say) once,
/// under the first test, and a pointer to it under the others.
fn not_built(exercise: &str, tests: &[&'static Test], problem: Problem) -> Vec<TestOutcome> {
    let first_line = problem
        .reason()
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    tests
        .iter()
        .enumerate()
        .map(|(i, &test)| {
            let problem = problem.clone().map_reason(|why| {
                if i == 0 {
                    format!("{exercise} {why}")
                } else {
                    format!("{exercise} {first_line} (see the first {exercise} test)")
                }
            });
            TestOutcome::new(test, Err(problem), &[], None, Duration::ZERO)
        })
        .collect()
}

/// Runs `tests` against `program` with `jobs` in parallel (the `solo` ones alone, at the end),
/// calling `done` with each outcome as it finishes. Returns the outcomes in the order of `tests`.
fn run_tests(
    tests: &[&'static Test],
    program: &Path,
    seed: u64,
    jobs: usize,
    mut done: impl FnMut(&TestOutcome),
) -> Vec<TestOutcome> {
    let (shared, solo): (Vec<_>, Vec<_>) = tests.iter().copied().partition(|t| !t.solo);
    let mut outcomes = Vec::new();
    for (batch, width) in [(shared, jobs.max(1)), (solo, 1)] {
        let queue = Mutex::new(batch.into_iter());
        let (tx, rx) = mpsc::channel();
        std::thread::scope(|s| {
            for _ in 0..width {
                let tx = tx.clone();
                let queue = &queue;
                s.spawn(move || {
                    while let Some(test) = next(queue) {
                        let _ = tx.send(run_one(test, program, seed));
                    }
                });
            }
            drop(tx);
            for outcome in rx {
                done(&outcome);
                outcomes.push(outcome);
            }
        });
    }
    outcomes.sort_by_key(|o| tests.iter().position(|t| std::ptr::eq(*t, o.test)));
    outcomes
}

/// The next item of a queue shared by worker threads.
pub fn next<I: Iterator>(queue: &Mutex<I>) -> Option<I::Item> {
    queue.lock().unwrap_or_else(|e| e.into_inner()).next()
}

/// Runs one test in its own directory. A panic inside the check is a grading error with the
/// panic's message and place: a bug of the grader's is never the student's lost points.
pub fn run_one(test: &'static Test, program: &Path, seed: u64) -> TestOutcome {
    // A solo test runs while no other test does, in any thread of this process (in a batch, other
    // submissions' tests too); the others run side by side.
    static ALONE: RwLock<()> = RwLock::new(());
    let _turn = if test.solo {
        (None, Some(ALONE.write().unwrap_or_else(|e| e.into_inner())))
    } else {
        (Some(ALONE.read().unwrap_or_else(|e| e.into_inner())), None)
    };
    // Its share of TMPDIR's free space, held until its folders are gone (`runner::disk`).
    let disk = crate::runner::disk::turn();
    let started = Instant::now();
    let mut notes = Vec::new();
    let mut timed_out = false;
    crate::check_api::begin_test();
    let verdict = catching_panics(|| {
        disk.as_ref().map_err(grader_error)?;
        let mut ctx =
            Ctx::new(test.exercise, program, test_seed(seed, test.name)).map_err(|e| {
                grader_error(format!(
                    "the grader cannot set this test up (its folder or its user): {e}"
                ))
            })?;
        let verdict = (test.check)(&mut ctx);
        ctx.keep_if_failed(&verdict);
        timed_out = ctx.timed_out();
        notes = ctx.into_notes();
        verdict
    });
    let verdict = full_disk_is_the_programs(verdict)
        // The row's hint follows every failure of it, after the check's own reason, which gives way
        // to it where the report cuts a reason (`clean::BOUND`).
        .reword(|why| match test.hint {
            "" => why,
            hint => {
                let room = crate::clean::BOUND.saturating_sub(hint.len() + 64);
                let why = crate::clean::Clean::bounded(&why, room);
                format!("{}\nhint: {hint}", why.as_str())
            }
        });
    TestOutcome {
        timed_out,
        ..TestOutcome::new(test, verdict, &notes, Some(seed), started.elapsed())
    }
}

/// A grader's step that found the file system full after the test's program ran, while this test
/// was the only one in flight (`runner::disk`): the program's files filled it, so it is the
/// program's failure. (Where tests run side by side, each holds its worst case of the free space:
/// a full file system then is some other process's doing, a grading error.)
fn full_disk_is_the_programs(verdict: Verdict) -> Verdict {
    match verdict {
        Err(Problem::GraderError(why))
            if crate::runner::disk::one_test_at_a_time()
                && crate::check_api::program_started()
                && crate::runner::disk::names_a_full_disk(&why) =>
        {
            // Where the grader's step was is for the grader's maintainers, not the student.
            let what = match why.split_once(": ") {
                Some((at, what)) if at.starts_with(PANIC_PREFIX) => what,
                _ => &why,
            };
            Err(Problem::Fail(format!(
                "the program's files filled TMPDIR's file system, and the grader's next step \
                 failed: {what}"
            )))
        }
        verdict => verdict,
    }
}

/// How a panic in a check begins its grading error.
const PANIC_PREFIX: &str = "the check itself failed";

thread_local! {
    /// Whether this thread is running a check, whose panics are caught and reported as outcomes.
    static IN_CHECK: Cell<bool> = const { Cell::new(false) };
    /// Where the last panic in a check happened, as the panic hook saw it.
    static PANICKED_AT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `check`, turning a panic into a grading error. The panic hook stays quiet for such panics
/// (they are reported as outcomes) and only for them: any other panic of the process is printed
/// as usual.
fn catching_panics(check: impl FnOnce() -> Verdict) -> Verdict {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_CHECK.get() {
                let at = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()));
                PANICKED_AT.set(at);
            } else {
                default(info);
            }
        }));
    });
    IN_CHECK.set(true);
    let result = std::panic::catch_unwind(AssertUnwindSafe(check));
    IN_CHECK.set(false);
    result.unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("(no message)");
        let at = PANICKED_AT
            .take()
            .map(|at| format!(" at {at}"))
            .unwrap_or_default();
        Err(grader_error(format!("{PANIC_PREFIX}{at}: {message}")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn panics(_: &mut Ctx) -> Verdict {
        panic!("a grader bug: {}", "x".repeat(16 << 20))
    }

    fn cannot_make_a_fixture(_: &mut Ctx) -> Verdict {
        Err(grader_error("cannot make a FIFO"))
    }

    fn passes_with_a_note(t: &mut Ctx) -> Verdict {
        t.note("\x1b[1Ameasured: 1.0");
        Ok(())
    }

    const fn test(name: &'static str, check: fn(&mut Ctx) -> Verdict) -> Test {
        Test {
            exercise: "ex1",
            name,
            points: 2,
            title: "a test of the grader",
            check,
            hint: "a hint of the grader's test",
            solo: false,
            after_due_date: false,
        }
    }

    static PANICS: Test = test("panics", panics);
    static GRADER_FAULT: Test = test("grader_fault", cannot_make_a_fixture);
    static NOTED: Test = test("noted", passes_with_a_note);

    #[test]
    fn a_panic_in_a_check_is_a_bounded_grading_error_never_a_failure() {
        let outcome = run_one(&PANICS, Path::new("/bin/true"), 7);
        let Status::GraderError { reason } = &outcome.status else {
            panic!("{:?}", outcome.status)
        };
        assert!(
            reason.starts_with("the check itself failed at grader/src/grade.rs:")
                && reason.contains(": a grader bug: xxx")
                && reason.ends_with("bytes cut)"),
            "{}",
            &reason[..200]
        );
        assert!(reason.len() < 5 << 10);
        assert_eq!(
            outcome.score(),
            Score {
                max: 2,
                grader_errors: 1,
                ..Score::default()
            }
        );
        // The hook is quiet only inside checks: a panic elsewhere still reaches the default hook,
        // which libtest needs to show why a test failed (not checked here: it prints).
        assert!(!IN_CHECK.get());
    }

    #[test]
    fn a_grader_error_from_a_check_and_a_clean_pass_with_notes() {
        let fault = run_one(&GRADER_FAULT, Path::new("/bin/true"), 7);
        assert!(
            matches!(&fault.status, Status::GraderError { reason } if &**reason == "cannot make a FIFO")
        );
        let noted = run_one(&NOTED, Path::new("/bin/true"), 7);
        assert!(noted.passed());
        assert_eq!(noted.notes[0].as_str(), "measured: 1.0");
    }

    #[test]
    fn an_exercise_not_built_by_the_grader_is_a_grading_error_in_every_test() {
        let tests = [&PANICS, &NOTED];
        let outcomes = not_built("ex1", &tests, grader_error("cannot run cargo\nmore"));
        assert!(
            outcomes
                .iter()
                .all(|o| matches!(o.status, Status::GraderError { .. }))
        );
        assert_eq!(
            outcomes[0].reason().unwrap().as_str(),
            "ex1 cannot run cargo\nmore"
        );
        assert_eq!(
            outcomes[1].reason().unwrap().as_str(),
            "ex1 cannot run cargo (see the first ex1 test)"
        );
        let student = not_built("ex1", &tests, Problem::Fail("does not compile".into()));
        assert!(
            student
                .iter()
                .all(|o| matches!(o.status, Status::Fail { .. }))
        );
    }
}
