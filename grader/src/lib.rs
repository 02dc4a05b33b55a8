//! The grader of the mmap lab kit. It grades any program that follows the kit's contract
//! (exercises.md, summarised in each exercise's README) through its command line alone.
//!
//! - `rubric`: the table of graded tests and their points;
//! - `checks`: the checks, one module per exercise;
//! - `runner`: starting, watching and stopping a program under test, and the evidence it leaves;
//! - `fixtures` and `expect`: a check's inputs and its assertions;
//! - `grade`: running tests in parallel; `report`: terminal and JSON output;
//! - `harness`: `cargo test -p exN`; `compile` and `main.rs`: `make grade`;
//! - `kit`: where the kit is (found at run time), and its copy without answers;
//! - `submission` and `batch`: hand-ins, graded in a pristine copy of the kit, one or a class.

pub mod batch;
pub mod checks;
pub mod compile;
pub mod expect;
pub mod fixtures;
pub mod grade;
pub mod harness;
pub mod kit;
pub mod outcome;
pub mod report;
pub mod rubric;
pub mod runner;
pub mod safe_fs;
pub mod submission;
