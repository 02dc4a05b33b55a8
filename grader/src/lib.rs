//! The grader of the mmap lab kit. It grades any program that follows the kit's contract (each
//! exercise's README, `exercises/ex1/README.md` to `exercises/ex4/README.md`) through its command
//! line alone. From the bottom up (each module builds only on those above it):
//!
//! - `outcome.rs`: how a check ends when it does not pass (`Problem`, `Verdict`);
//! - `runner/`: starting, watching and stopping a program under test, and the evidence it leaves;
//! - `diff.rs`: how two byte strings differ, in words (text whole, or hex bytes at an offset);
//! - `expect.rs` and `check_api.rs`: a check's assertions, and what it works with (`Ctx`: its
//!   folder, runs and seeded inputs; `fail!`);
//! - `table.rs`: what an exercise's rubric table is made of (`Exercise`, `Test`, `test()`);
//! - `checks/`: the checks, one module per exercise, each with its rubric table (found by
//!   the grader's build script); `rubric.rs`: the tables joined, and every count derived from
//!   them;
//! - `clean.rs`: the gate for text from outside the grader (no escape sequences, bounded);
//! - `events.rs`: typed outcomes and the events that carry them from grading to reporting;
//! - `grade.rs`: running tests in parallel and sending their events;
//! - `report/`: the consumers of those events (terminal, results.json, JUnit, `cargo test`);
//! - `harness.rs`: `cargo test -p exN`; `compile.rs` and `cli.rs` (the command line): `make grade`;
//! - `kit.rs`: where the kit is (found at run time), and its copy without answers;
//! - `safe_fs.rs`: the grader's own file operations where a program may have left links;
//! - `submission/`: hand-ins, each graded in a pristine copy of the kit;
//! - `hints.rs`: `grader hint`, an exercise's README hints a level at a time; `watch.rs`:
//!   `grader watch`, an exercise graded again each time its sources change.
//!
//! This crate is all a student kit builds. What only an instructor runs (a class's batch and its
//! similarity, the student kit's writer, the new-exercise scaffolder) is the `instructor` crate,
//! a user of this one's public API that a student kit leaves out.

pub mod check_api;
pub mod checks;
pub mod clean;
pub mod cli;
pub mod compile;
pub mod diff;
pub mod events;
pub mod expect;
pub mod grade;
pub mod harness;
pub mod hints;
pub mod kit;
pub mod outcome;
pub mod report;
pub mod rubric;
pub mod runner;
pub mod safe_fs;
pub mod submission;
pub mod table;
pub mod watch;
