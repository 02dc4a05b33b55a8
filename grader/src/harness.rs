//! `cargo test -p exN`: the exercise's rubric as a test suite, one named test per rubric entry,
//! printed the way Rust's own test harness prints, so that it reads and filters as students
//! expect (`cargo test -p ex3 -- same_file`, `--exact`, `--list`, `--test-threads N`).

use std::process::ExitCode;
use std::time::Instant;

use crate::compile::build;
use crate::fixtures::run_seed;
use crate::grade::run_tests;
use crate::report::totals;
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

    let program = match crate::kit::find(None).and_then(|kit| build(&kit, package)) {
        Ok(program) => program,
        Err(why) => {
            // A grader fault, as `grader` reports it; not a test failure.
            eprintln!("error: {package} cannot be graded: {why}");
            return ExitCode::from(3);
        }
    };
    let seed = run_seed();
    println!(
        "\nrunning {} tests (the {exercise} rubric, seed {seed})",
        selected.len()
    );
    let started = Instant::now();
    let outcomes = run_tests(&selected, &program, seed, options.jobs, |o| {
        println!(
            "test {} ... {}",
            o.test.name,
            if o.passed() { "ok" } else { "FAILED" }
        );
        // What a passing test measured (the speed test's ratio, say) is worth seeing too.
        o.notes.iter().for_each(|note| println!("    {note}"));
    });
    let failed: Vec<_> = outcomes.iter().filter(|o| !o.passed()).collect();
    if !failed.is_empty() {
        println!("\nfailures:\n");
        for o in &failed {
            println!(
                "---- {} ({}, {} points) ----",
                o.test.name, o.test.title, o.test.points
            );
            println!("{}\n", o.failure.as_deref().unwrap_or_default());
        }
        println!("failures:");
        failed.iter().for_each(|o| println!("    {}", o.test.name));
    }
    let (got, max) = totals(&outcomes);
    println!("\n{exercise} score: {got}/{max} points");
    println!(
        "\ntest result: {}. {} passed; {} failed; 0 ignored; 0 measured; {} filtered out; finished in {:.2}s\n",
        if failed.is_empty() { "ok" } else { "FAILED" },
        outcomes.len() - failed.len(),
        failed.len(),
        all.len() - selected.len(),
        started.elapsed().as_secs_f64()
    );
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(101)
    }
}
