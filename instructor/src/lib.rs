//! The instructor's tools of the mmap lab kit, built on the grader's library (`grader`): what a
//! student kit does not need, and leaves out with this whole crate.
//!
//! - `batch/`: `instructor batch`, a class graded, each hand-in in a pristine copy of the kit
//!   (with its gradebook, its page, and `batch/similar/`: `instructor similar`, how much code
//!   the submissions of a class share); `csv.rs`: the CSV files they write;
//! - `student_kit.rs`: `instructor student-kit`, the kit's copy without answers made into what a
//!   class gets;
//! - `new_exercise.rs`: `instructor new-exercise`, a new exercise's files, scaffolded;
//! - `cli.rs`: the `instructor` binary's command line.

pub mod batch;
pub mod cli;
pub mod csv;
pub mod new_exercise;
pub mod student_kit;
