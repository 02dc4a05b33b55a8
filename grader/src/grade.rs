//! Runs rubric tests against a program, in parallel where that is safe, and hands each result to
//! a reporter as soon as it is known.

use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::Mutex;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::fixtures::{Ctx, test_seed};
use crate::rubric::Test;

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

fn next<I: Iterator>(queue: &Mutex<I>) -> Option<I::Item> {
    queue.lock().unwrap_or_else(|e| e.into_inner()).next()
}

/// Runs one test in its own directory. A panic inside a check (a bug of the grader's, or a
/// fixture the machine cannot make) fails that test with the panic's message, nothing more.
pub fn run_one(test: &'static Test, program: &Path, seed: u64) -> Outcome {
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
