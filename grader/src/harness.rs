//! `cargo test -p exN`: the exercise's rubric as a test suite, one named test per rubric entry,
//! printed the way Rust's own test harness prints, so that it reads and filters as students
//! expect (`cargo test -p ex3 -- same_file`, `--exact`, `--list`, `--test-threads N`,
//! `--nocapture`, `--help`; any other option is refused, by name).

use std::process::ExitCode;

use crate::check_api::run_seed;
use crate::compile::build;
use crate::grade::{Plan, Programs, built, grade};
use crate::hints::topics_by_test;
use crate::outcome::Problem;
use crate::report::libtest::LibTest;
use crate::rubric::{Test, tests_of};

struct Options {
    filters: Vec<String>,
    exact: bool,
    list: bool,
    jobs: usize,
}

/// What `cargo test -p exN -- --help` prints.
const USAGE: &str = "usage: cargo test -p exN [-- [OPTIONS] [FILTER...]]
Runs the exercise's graded tests: the program built as `make grade` builds it, in release mode
with overflow checks, against its rubric. A FILTER keeps the tests whose names contain it.
  --exact              a FILTER is a whole test name
  --list               list the tests (the filters apply), run nothing
  --nocapture, --show-output
                       show what every run printed on stderr (a failing test always does)
  --test-threads N     run N tests at a time
  --help               this text
Your own #[test]s (in src/exercise.rs) run before, in Rust's test harness, and stop the grading
when one fails.";

/// Reads libtest's options that mean something here. `Err` holds what to print and the exit
/// status: `--help`'s text (0), or an option this harness cannot honour, named (2).
fn options(args: impl IntoIterator<Item = String>) -> Result<Options, (String, u8)> {
    let mut options = Options {
        filters: Vec::new(),
        exact: false,
        list: false,
        jobs: default_jobs(),
    };
    let threads = |n: Option<String>| {
        n.as_deref()
            .and_then(|n| n.parse().ok())
            .filter(|n| *n > 0)
            .ok_or_else(|| ("--test-threads needs a number above 0".to_owned(), 2))
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--exact" => options.exact = true,
            "--list" => options.list = true,
            "--nocapture" | "--show-output" => crate::expect::show_every_output(),
            // `cargo test -q` passes it: the lines stay as they are (one per test, few).
            "-q" | "--quiet" => {}
            "--test-threads" => options.jobs = threads(args.next())?,
            _ if arg.starts_with("--test-threads=") => {
                options.jobs = threads(Some(arg["--test-threads=".len()..].to_owned()))?
            }
            "-h" | "--help" => return Err((USAGE.to_owned(), 0)),
            _ if arg.starts_with('-') => {
                return Err((
                    format!(
                        "option '{arg}' is not supported by the graded tests (they are the \
                         exercise's rubric, not Rust's test harness)\n{USAGE}"
                    ),
                    2,
                ));
            }
            _ => options.filters.push(arg),
        }
    }
    Ok(options)
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
    let options = match options(std::env::args().skip(1)) {
        Ok(options) => options,
        Err((text, 0)) => {
            println!("{text}");
            return ExitCode::SUCCESS;
        }
        Err((text, status)) => {
            eprintln!("{text}");
            return ExitCode::from(status);
        }
    };
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
    let kit = crate::kit::find(None);
    let program = match &kit {
        Ok(kit) => built(build(kit, package)),
        Err(why) => Err(Problem::GraderError(format!(
            "{package} cannot be graded: {why}"
        ))),
    };
    let hints = kit.map_or_else(|_| Default::default(), |kit| topics_by_test(&kit, exercise));
    let plan = Plan {
        tests: &selected,
        seed: run_seed(),
        jobs: options.jobs,
        submission: None,
    };
    let mut lines =
        LibTest::new(std::io::stdout(), exercise, all.len() - selected.len()).with_hints(hints);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(args: &[&str]) -> Result<Options, (String, u8)> {
        options(args.iter().map(|a| a.to_string()))
    }

    #[test]
    fn libtests_options_are_honoured_or_refused_by_name() {
        let o = parsed(&["--exact", "peek", "--test-threads=3", "--list", "-q"]).unwrap();
        assert_eq!(
            (o.filters, o.exact, o.list, o.jobs),
            (vec!["peek".into()], true, true, 3)
        );
        assert_eq!(parsed(&["--test-threads", "2"]).unwrap().jobs, 2);
        let (help, status) = parsed(&["x", "--help"]).err().unwrap();
        assert!(
            help.starts_with("usage: cargo test -p exN") && status == 0,
            "{help}"
        );
        let (refused, status) = parsed(&["--ignored"]).err().unwrap();
        assert!(
            refused.starts_with("option '--ignored' is not supported") && status == 2,
            "{refused}"
        );
        assert_eq!(parsed(&["--test-threads=0"]).err().unwrap().1, 2);
    }
}
