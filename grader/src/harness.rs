//! `cargo test -p exN`: the exercise's rubric as a test suite, one named test per rubric entry,
//! printed the way Rust's own test harness prints, so that it reads and filters as students
//! expect (`cargo test -p ex3 -- same_file`, `--exact`, `--list`, `--test-threads N`).

use std::process::ExitCode;

use crate::compile::build;
use crate::fixtures::run_seed;
use crate::grade::{Plan, Programs, built, grade};
use crate::outcome::Problem;
use crate::report::libtest::LibTest;
use crate::rubric::{Test, tests_of};

struct Options {
    filters: Vec<String>,
    exact: bool,
    list: bool,
    jobs: usize,
}

fn options() -> Options {
    let mut options = Options {
        filters: Vec::new(),
        exact: false,
        list: false,
        jobs: default_jobs(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--exact" => options.exact = true,
            "--list" => options.list = true,
            "--test-threads" => {
                options.jobs = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(options.jobs)
            }
            _ if arg.starts_with("--test-threads=") => {
                options.jobs = arg["--test-threads=".len()..]
                    .parse()
                    .unwrap_or(options.jobs)
            }
            _ if arg.starts_with('-') => {} // --nocapture, --quiet, ...: nothing to do here.
            _ => options.filters.push(arg),
        }
    }
    options
}

pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// The entry point of an exercise crate's test target. `package` is `ex3` or `ex3-solution`.
///
/// The program graded is the one `make grade` grades: built in release mode in the kit found at
/// run time (Cargo runs a test in its package's folder), into the kit's own target directory (see
/// `compile::build`). Not the binary Cargo built beside this test (`CARGO_BIN_EXE_ex3`): its path
/// is compiled in, stale once the kit is moved; and in a target directory shared with another
/// checkout, the test and the binary may both be that checkout's builds.
pub fn main(package: &str) -> ExitCode {
    crate::runner::interrupt::install();
    let exercise = package.split('-').next().unwrap_or(package);
    let options = options();
    let all: Vec<&'static Test> = tests_of(exercise).collect();
    let selected: Vec<&'static Test> = all
        .iter()
        .copied()
        .filter(|t| {
            options.filters.is_empty()
                || options.filters.iter().any(|f| {
                    if options.exact {
                        t.name == f
                    } else {
                        t.name.contains(f.as_str())
                    }
                })
        })
        .collect();
    if options.list {
        selected.iter().for_each(|t| println!("{}: test", t.name));
        println!("\n{} tests, 0 benchmarks", selected.len());
        return ExitCode::SUCCESS;
    }

    // No kit, or a build that failed for the grader's reasons: every selected test is a grading
    // error (cargo test fails, and says so), never a student's failure.
    let program = match crate::kit::find(None) {
        Ok(kit) => built(build(&kit, package)),
        Err(why) => Err(Problem::GraderError(format!(
            "{package} cannot be graded: {why}"
        ))),
    };
    let plan = Plan {
        tests: &selected,
        seed: run_seed(),
        jobs: options.jobs,
        submission: None,
    };
    let mut lines = LibTest::new(std::io::stdout(), exercise, all.len() - selected.len());
    let programs = || -> Programs {
        selected
            .iter()
            .map(|t| (t.exercise, program.clone()))
            .collect()
    };
    let graded = grade(&plan, programs, &mut [&mut lines]);
    crate::runner::clean_up();
    if graded.score.full_marks() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(101)
    }
}
