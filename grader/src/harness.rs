//! `cargo test -p exN`: the exercise's rubric as a test suite, one named test per rubric entry,
//! printed the way Rust's own test harness prints, so that it reads and filters as students
//! expect (`cargo test -p ex3 -- same_file`, `--exact`, `--list`, `--test-threads N`).

use std::path::Path;
use std::process::ExitCode;

use crate::fixtures::run_seed;
use crate::grade::{Plan, Programs, grade};
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

/// The entry point of an exercise crate's test target. `package` is `ex3` or `ex3-solution`;
/// `program` is the binary that Cargo built for it.
pub fn main(package: &str, program: &Path) -> ExitCode {
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
            .map(|t| (t.exercise, Ok(program.to_owned())))
            .collect()
    };
    let graded = grade(&plan, programs, &mut [&mut lines]);
    if graded.score.full_marks() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(101)
    }
}
