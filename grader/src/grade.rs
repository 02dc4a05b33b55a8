//! Runs rubric tests against a program, in parallel where that is safe, and hands each result to
//! a reporter as soon as it is known.

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

use crate::fixtures::{Ctx, test_seed};
use crate::report::terminal::Terminal;
use crate::rubric::{Test, tests_of};

/// The result of one test.
#[derive(Debug)]
pub struct Outcome {
    pub test: &'static Test,
    /// `None` when it passed; otherwise why it failed.
    pub failure: Option<String>,
    /// Remarks made while it ran, shown even on success.
    pub notes: Vec<String>,
    pub elapsed: Duration,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }

    pub fn score(&self) -> u32 {
        if self.passed() { self.test.points } else { 0 }
    }

    /// Every test of an exercise that could not be run at all fails with the same reason.
    pub fn not_run(test: &'static Test, reason: &str) -> Outcome {
        Outcome {
            test,
            failure: Some(reason.to_owned()),
            notes: Vec::new(),
            elapsed: Duration::ZERO,
        }
    }
}

/// Runs `tests` against `program` with `jobs` in parallel (the `solo` ones alone, at the end),
/// calling `done` with each outcome as it finishes. Returns the outcomes in rubric order.
pub fn run_tests(
    tests: &[&'static Test],
    program: &Path,
    seed: u64,
    jobs: usize,
    mut done: impl FnMut(&Outcome),
) -> Vec<Outcome> {
    quiet_panics();
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

/// Runs one test in its own directory. A panic inside a check (a bug of the grader's, or a
/// fixture the machine cannot make) fails that test with the panic's message, nothing more.
pub fn run_one(test: &'static Test, program: &Path, seed: u64) -> Outcome {
    // A solo test runs while no other test does, in any thread of this process (in a batch, other
    // submissions' tests too); the others run side by side.
    static ALONE: RwLock<()> = RwLock::new(());
    let _turn = if test.solo {
        (None, Some(ALONE.write().unwrap_or_else(|e| e.into_inner())))
    } else {
        (Some(ALONE.read().unwrap_or_else(|e| e.into_inner())), None)
    };
    let started = Instant::now();
    let mut notes = Vec::new();
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
        let mut ctx = Ctx::new(test.exercise, program, test_seed(seed, test.name))
            .map_err(|e| format!("the grader cannot make a temporary directory: {e}"))?;
        let verdict = (test.check)(&mut ctx);
        notes = ctx.into_notes();
        verdict
    }));
    let failure = match result {
        Ok(Ok(())) => None,
        Ok(Err(reason)) => Some(format!(
            "{reason}\n(seed {seed}: GRADER_SEED={seed} repeats these inputs)"
        )),
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Some(format!("the check itself failed: {message}"))
        }
    };
    Outcome {
        test,
        failure,
        notes,
        elapsed: started.elapsed(),
    }
}

/// Panics in checks are caught and reported as failures; the default hook would also print them.
fn quiet_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| std::panic::set_hook(Box::new(|_| {})));
}

/// Grades each exercise of `exercises` with its program (or, where there is none, fails all its
/// tests with the reason), sending the report's text to `out` as results come in: a line per
/// test, then a subtotal per exercise.
pub fn grade_exercises(
    exercises: &[&'static str],
    programs: &BTreeMap<&'static str, Result<PathBuf, String>>,
    seed: u64,
    jobs: usize,
    report: &Terminal,
    out: &mut dyn FnMut(String),
) -> Vec<Outcome> {
    let mut all = Vec::new();
    for &exercise in exercises {
        let tests: Vec<&'static Test> = tests_of(exercise).collect();
        let outcomes = match programs.get(exercise) {
            Some(Ok(program)) => run_tests(&tests, program, seed, jobs, |o| out(report.test(o))),
            other => {
                let why = match other {
                    Some(Err(why)) => why.clone(),
                    _ => "was not built".to_owned(),
                };
                // The whole reason (a compiler error, say) once, under the first test; a pointer to
                // it under the others.
                let full = format!("{exercise} {why}");
                let short = format!(
                    "{exercise} {} (see the first {exercise} test)",
                    why.lines().next().unwrap_or_default()
                );
                tests
                    .iter()
                    .enumerate()
                    .map(|(i, t)| Outcome::not_run(t, if i == 0 { &full } else { &short }))
                    .inspect(|o| out(report.test(o)))
                    .collect()
            }
        };
        out(report.subtotal(exercise, &outcomes));
        all.extend(outcomes);
    }
    all
}
