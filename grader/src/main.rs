//! `make grade`: builds and grades the exercises, prints one line per test and `Score: N/100`.
//!
//! ```text
//! cargo run --release -q -p grader -- [--solutions] [EXERCISE...] [--bin EXERCISE=PATH]... [--json PATH]
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use grader::compile::{build, kit_root, package};
use grader::fixtures::run_seed;
use grader::grade::{Outcome, run_tests};
use grader::harness::default_jobs;
use grader::report::{json, terminal::Terminal, totals};
use grader::rubric::{EXERCISES, Test, tests_of};

const USAGE: &str =
    "usage: grader [--solutions] [EXERCISE...] [--bin EXERCISE=PATH]... [--json PATH]";

struct Options {
    solutions: bool,
    exercises: Vec<&'static str>,
    binaries: BTreeMap<&'static str, PathBuf>,
    json: Option<PathBuf>,
}

fn exercise_named(name: &str) -> Result<&'static str, String> {
    EXERCISES.into_iter().find(|e| *e == name).ok_or_else(|| {
        format!(
            "unknown exercise '{name}' (expected one of {})",
            EXERCISES.join(", ")
        )
    })
}

fn parse(args: impl IntoIterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        solutions: false,
        exercises: Vec::new(),
        binaries: BTreeMap::new(),
        json: None,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--solutions" => options.solutions = true,
            "--json" => options.json = Some(args.next().ok_or("--json needs a PATH")?.into()),
            "--bin" => {
                let spec = args.next().ok_or("--bin needs EXERCISE=PATH")?;
                let (name, path) = spec.split_once('=').ok_or("--bin needs EXERCISE=PATH")?;
                let path = std::path::absolute(path).map_err(|e| format!("--bin {spec}: {e}"))?;
                options.binaries.insert(exercise_named(name)?, path);
            }
            "-h" | "--help" => return Err(String::new()),
            _ if arg.starts_with('-') => return Err(format!("unknown option '{arg}'")),
            _ => options.exercises.push(exercise_named(&arg)?),
        }
    }
    if options.exercises.is_empty() {
        options.exercises = EXERCISES.to_vec();
    }
    Ok(options)
}

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("grader: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    let seed = run_seed();
    let report = Terminal::new();
    let mut all: Vec<Outcome> = Vec::new();
    for &exercise in &options.exercises {
        let tests: Vec<&'static Test> = tests_of(exercise).collect();
        let program = match options.binaries.get(exercise) {
            Some(path) => Ok(path.clone()),
            None => build(&kit_root(), &package(exercise, options.solutions)),
        };
        let outcomes = match program {
            Ok(program) => run_tests(&tests, &program, seed, default_jobs(), |o| report.test(o)),
            Err(why) => {
                report.note(&format!("{exercise}: {why}"));
                let reason = format!("{exercise} {why}");
                tests
                    .iter()
                    .map(|t| Outcome::not_run(t, &reason))
                    .inspect(|o| report.test(o))
                    .collect()
            }
        };
        report.subtotal(exercise, &outcomes);
        all.extend(outcomes);
    }
    let max: u32 = options
        .exercises
        .iter()
        .flat_map(|e| tests_of(e))
        .map(|t| t.points)
        .sum();
    report.score(&all, max);
    if let Some(path) = &options.json
        && let Err(e) = json::write(path, &all, started.elapsed())
    {
        eprintln!("grader: cannot write {}: {e}", path.display());
        return ExitCode::from(1);
    }
    // Full marks for what was graded: 100/100, or 25/25 for one exercise.
    let (got, _) = totals(&all);
    if got == max {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
