//! `grader watch EXERCISE` (`make watch EX=ex3`): builds and grades one exercise, then again each
//! time a file under its `src/` changes, the failing tests first. Changes are found by polling
//! the files' modification times and sizes every 300 ms: no dependency, and no missed save by an
//! editor that writes a new file and renames it. Ctrl-C stops it cleanly between rounds (a second
//! one stops it at once, with the programs it was running); `--rounds N` stops it after N rounds
//! (what the self-test uses).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use crate::check_api::run_seed;
use crate::compile::{BuildError, build_all, package};
use crate::events::{Event, Reporter, Status, TestOutcome};
use crate::grade::{Plan, Programs, built, grade};
use crate::harness::default_jobs;
use crate::report::terminal::Terminal;
use crate::rubric::{Test, tests_of};

/// How often the files are looked at.
const POLL: Duration = Duration::from_millis(300);

/// Set by the first Ctrl-C: stop before the next round (see `runner::interrupt`, which stops
/// everything at the second).
static STOP: AtomicBool = AtomicBool::new(false);

/// Every file under `dir`, with its modification time and size.
type Snapshot = BTreeMap<PathBuf, (SystemTime, u64)>;

fn snapshot(dir: &Path) -> Result<Snapshot, String> {
    fn walk(dir: &Path, files: &mut Snapshot) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let meta = entry.metadata()?;
            if meta.is_dir() {
                walk(&entry.path(), files)?;
            } else {
                files.insert(entry.path(), (meta.modified()?, meta.len()));
            }
        }
        Ok(())
    }
    let mut files = Snapshot::new();
    walk(dir, &mut files).map_err(|e| format!("cannot look at {}: {e}", dir.display()))?;
    Ok(files)
}

/// Waits until the files under `dir` differ from `seen` and have stayed the same for one poll
/// (an editor may write a file in several steps). `None` once Ctrl-C was pressed.
fn next_change(dir: &Path, seen: &Snapshot) -> Result<Option<Snapshot>, String> {
    let mut last = seen.clone();
    loop {
        std::thread::sleep(POLL);
        if STOP.load(Ordering::SeqCst) {
            return Ok(None);
        }
        let now = snapshot(dir)?;
        if now != *seen && now == last {
            return Ok(Some(now));
        }
        last = now;
    }
}

/// The terminal report of one round, with each exercise's failing tests first: outcomes are
/// held until the exercise is done, then passed on in that order.
pub struct FailingFirst<R: Reporter> {
    inner: R,
    held: Vec<TestOutcome>,
}

impl<R: Reporter> FailingFirst<R> {
    pub fn new(inner: R) -> Self {
        FailingFirst {
            inner,
            held: Vec::new(),
        }
    }

    pub fn into_inner(self) -> R {
        self.inner
    }
}

/// Where an outcome goes: failures (and grading errors) first, then tests not run, then passes.
fn rank(status: &Status) -> u8 {
    match status {
        Status::Fail { .. } | Status::GraderError { .. } => 0,
        Status::NotRun { .. } => 1,
        Status::Pass => 2,
    }
}

impl<R: Reporter> Reporter for FailingFirst<R> {
    fn report(&mut self, event: &Event<'_>) -> Result<(), String> {
        match event {
            // The sandbox lines once a round would bury the results.
            Event::RunStarted { .. } => Ok(()),
            Event::TestFinished(outcome) => {
                self.held.push((*outcome).clone());
                Ok(())
            }
            Event::ExerciseFinished { .. } => {
                let mut held = std::mem::take(&mut self.held);
                held.sort_by_key(|o| rank(&o.status)); // stable: rubric order within a rank
                for outcome in &held {
                    self.inner.report(&Event::TestFinished(outcome))?;
                }
                self.inner.report(event)
            }
            _ => self.inner.report(event),
        }
    }
}

/// Builds `exercise` in `kit` and grades it, to `report`.
fn round(kit: &Path, exercise: &'static str, report: &mut dyn Reporter) -> Result<(), String> {
    let tests: Vec<&'static Test> = tests_of(exercise).collect();
    let plan = Plan {
        tests: &tests,
        seed: run_seed(),
        jobs: default_jobs(),
        submission: None,
    };
    let build = || -> Programs {
        let package = package(exercise, false);
        let program = build_all(kit, std::slice::from_ref(&package), None)
            .remove(&package)
            .unwrap_or_else(|| Err(BuildError::Grader("was not built".into())));
        Programs::from([(exercise, built(program))])
    };
    let graded = grade(&plan, build, &mut [report]);
    crate::runner::clean_up();
    graded
        .report_errors
        .first()
        .map_or(Ok(()), |e| Err(e.clone()))
}

/// `grader watch EXERCISE [--rounds N]`: rounds of building and grading, one now and one after
/// each change under `exercises/EXERCISE/src/`, until Ctrl-C or the `rounds`-th round.
pub fn run(kit: &Path, exercise: &'static str, rounds: Option<usize>) -> Result<(), String> {
    let src = kit.join("exercises").join(exercise).join("src");
    crate::runner::interrupt::first_ctrl_c_only_asks(
        &STOP,
        "\nwatch: stopping (Ctrl-C again to stop at once)\n",
    );
    let mut seen = snapshot(&src)?;
    let mut report = FailingFirst::new(Terminal::stdout().with_hints(kit, &[exercise]));
    for number in 1.. {
        println!("watch: round {number}: building and grading {exercise}");
        round(kit, exercise, &mut report)?;
        if rounds.is_some_and(|n| number >= n) || STOP.load(Ordering::SeqCst) {
            break;
        }
        println!("watch: waiting for a change under exercises/{exercise}/src/ (Ctrl-C to stop)");
        let _ = std::io::stdout().flush();
        match next_change(&src, &seen)? {
            Some(now) => seen = now,
            None => break,
        }
    }
    println!("watch: stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::samples;

    #[test]
    fn failing_tests_come_first_in_rubric_order_then_the_others() {
        let mut outcomes = samples::one_of_each();
        outcomes.truncate(3); // one exercise: a pass, a failure, a test not run
        let mut report = FailingFirst::new(Terminal::plain(Vec::new()));
        samples::replay(&outcomes, &mut report);
        let text = String::from_utf8(report.into_inner().into_inner()).unwrap();
        let exercise = format!("{}: ", outcomes[0].test.exercise);
        let titles: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with(&exercise))
            .map(|l| l.split(": ").nth(1).unwrap())
            .collect();
        let title = |i: usize| outcomes[i].test.title;
        assert_eq!(titles[..3], [title(1), title(2), title(0)], "{text}");
        // Then the exercise's subtotal.
        assert_eq!(titles.len(), 4, "{text}");
        assert!(!text.contains("sandbox:"), "{text}");
    }

    #[test]
    fn a_change_is_a_file_saved_added_or_removed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.rs"), "fn a() {}").unwrap();
        let before = snapshot(dir.path()).unwrap();
        assert_eq!(snapshot(dir.path()).unwrap(), before);
        std::fs::write(dir.path().join("a.rs"), "fn a() { 1; }").unwrap();
        let saved = snapshot(dir.path()).unwrap();
        assert_ne!(saved, before);
        std::fs::create_dir(dir.path().join("m")).unwrap();
        std::fs::write(dir.path().join("m/b.rs"), "").unwrap();
        assert_ne!(snapshot(dir.path()).unwrap(), saved);
        assert!(snapshot(&dir.path().join("gone")).is_err());
    }
}
