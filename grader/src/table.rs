//! What an exercise's rubric table is made of (`checks/exN.rs`, `pub const EXERCISE`): the
//! exercise, its rows, and the functions that write a row. `rubric.rs` joins the tables.

use crate::check_api::{Ctx, Verdict};

/// One exercise: its name (`ex3`, the crates' and the binary's), what it is worth, its tests.
pub struct Exercise {
    pub name: &'static str,
    /// The points it is worth: its tests' points add up to it (`make test` checks).
    pub weight: u32,
    pub tests: &'static [Test],
}

/// One graded test.
#[derive(Clone, Copy)]
pub struct Test {
    /// `ex1` .. `exN`: set from its exercise's table (a row leaves it empty).
    pub exercise: &'static str,
    /// A Rust-identifier-like name, for `cargo test -p ex3 -- NAME`.
    pub name: &'static str,
    pub points: u32,
    /// What it checks, as a sentence fragment: `ex3: copies an empty file: OK`.
    pub title: &'static str,
    pub check: fn(&mut Ctx) -> Verdict,
    /// What to look at when it fails, shown under every failure of it (the check's own reason
    /// comes first). Written once: the mutants that must show it read it from here.
    pub hint: &'static str,
    /// Runs alone, after the others: it measures time, or needs the machine to itself to
    /// provoke a race, and would suffer from company.
    pub solo: bool,
    /// Gradescope shows it to students only after the due date (see `after_due_date`).
    pub after_due_date: bool,
}

impl std::fmt::Debug for Test {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}::{}", self.exercise, self.name)
    }
}

/// A row of an exercise's table: `test(name, points, title, check, hint)`.
pub const fn test(
    name: &'static str,
    points: u32,
    title: &'static str,
    check: fn(&mut Ctx) -> Verdict,
    hint: &'static str,
) -> Test {
    Test {
        exercise: "",
        name,
        points,
        title,
        check,
        hint,
        solo: false,
        after_due_date: false,
    }
}

/// The same test, run alone, after the others (see `Test::solo`).
pub const fn alone(test: Test) -> Test {
    Test { solo: true, ..test }
}

/// The same test, shown to students on Gradescope only after the due date (its score and output;
/// `make grade` still shows it): wrap a row of the table in it, `after_due_date(test(...))`, for
/// the tests whose failures would give the answer away before the deadline.
pub const fn after_due_date(test: Test) -> Test {
    Test {
        after_due_date: true,
        ..test
    }
}
