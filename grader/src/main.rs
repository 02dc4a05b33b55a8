//! The grader's command line.
//!
//! ```text
//! grader [--solutions] [EXERCISE...] [--bin EXERCISE=PATH]... [--json PATH]   grade this kit
//! grader --submission PATH [--json PATH]                                     grade a hand-in
//! grader batch DIR [--jobs N] [--csv PATH] [--out DIR]                       grade a class
//! grader handin [--out PATH]                                                 make handin.tar.gz
//! ```
//!
//! Exit status: 0 at full marks, 1 below them, 2 for a usage error, 3 when grading itself failed.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use grader::batch;
use grader::compile::{build_all, kit_root, package};
use grader::fixtures::run_seed;
use grader::grade::grade_exercises;
use grader::harness::default_jobs;
use grader::report::{json, terminal::Terminal, totals};
use grader::rubric::{EXERCISES, tests_of};
use grader::submission::{Submission, handin, stage};

const USAGE: &str =
    "usage: grader [--solutions] [EXERCISE...] [--bin EXERCISE=PATH]... [--json PATH]
       grader --submission PATH [--json PATH]
       grader batch DIR [--jobs N] [--csv PATH] [--out DIR]
       grader handin [--out PATH]";

/// Grading could not be done at all (not a grade).
const CANNOT_GRADE: u8 = 3;

#[derive(Default)]
struct Options {
    solutions: bool,
    exercises: Vec<&'static str>,
    binaries: BTreeMap<&'static str, PathBuf>,
    json: Option<PathBuf>,
    submission: Option<PathBuf>,
}

enum Job {
    Grade(Options),
    Batch(batch::Options),
    Handin(PathBuf),
}

fn exercise_named(name: &str) -> Result<&'static str, String> {
    EXERCISES.into_iter().find(|e| *e == name).ok_or_else(|| {
        format!(
            "unknown exercise '{name}' (expected one of {})",
            EXERCISES.join(", ")
        )
    })
}

fn parse(args: Vec<String>) -> Result<Job, String> {
    let mut args = args.into_iter().peekable();
    let value = |args: &mut std::iter::Peekable<std::vec::IntoIter<String>>, flag: &str| {
        args.next().ok_or_else(|| format!("{flag} needs a value"))
    };
    match args.peek().map(String::as_str) {
        Some("batch") => {
            args.next();
            let dir = args
                .next()
                .ok_or("batch needs a DIR of submissions")?
                .into();
            let mut options = batch::Options {
                dir,
                jobs: default_jobs(),
                csv: None,
                out: "batch-results".into(),
            };
            while let Some(arg) = args.next() {
                match arg.as_str() {
                    "--jobs" => {
                        options.jobs = value(&mut args, "--jobs")?
                            .parse()
                            .map_err(|_| "--jobs needs a number")?
                    }
                    "--csv" => options.csv = Some(value(&mut args, "--csv")?.into()),
                    "--out" => options.out = value(&mut args, "--out")?.into(),
                    _ => return Err(format!("unknown batch option '{arg}'")),
                }
            }
            return Ok(Job::Batch(options));
        }
        Some("handin") => {
            args.next();
            return match (args.next().as_deref(), args.next(), args.next()) {
                (None, ..) => Ok(Job::Handin("handin.tar.gz".into())),
                (Some("--out"), Some(path), None) => Ok(Job::Handin(path.into())),
                _ => Err("handin takes only --out PATH".into()),
            };
        }
        _ => {}
    }
    let mut options = Options::default();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--solutions" => options.solutions = true,
            "--json" => options.json = Some(value(&mut args, "--json")?.into()),
            "--submission" => options.submission = Some(value(&mut args, "--submission")?.into()),
            "--bin" => {
                let spec = value(&mut args, "--bin")?;
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
    Ok(Job::Grade(options))
}

fn main() -> ExitCode {
    let job = match parse(std::env::args().skip(1).collect()) {
        Ok(job) => job,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("grader: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = match job {
        Job::Grade(options) => grade(&options),
        Job::Batch(options) => batch::run(&options).map(|failed| {
            if failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }),
        Job::Handin(out) => handin(&kit_root(), &out).map(|warnings| {
            warnings.iter().for_each(|w| eprintln!("{w}"));
            println!("wrote {}", out.display());
            ExitCode::SUCCESS
        }),
    };
    result.unwrap_or_else(|why| {
        eprintln!("grader: {why}");
        ExitCode::from(CANNOT_GRADE)
    })
}

fn grade(options: &Options) -> Result<ExitCode, String> {
    let started = Instant::now();
    let report = Terminal::new();
    let mut print = |text: String| {
        print!("{text}");
        let _ = std::io::stdout().flush();
    };
    // What to grade: a submission in a pristine copy of the kit, or this kit's own crates.
    let submission = options
        .submission
        .as_deref()
        .map(Submission::import)
        .transpose()?;
    let staging = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut programs: BTreeMap<&'static str, Result<PathBuf, String>> = BTreeMap::new();
    if let Some(submission) = &submission {
        print(format!(
            "student files graded: {}\n",
            submission.taken.len()
        ));
        for (path, why) in &submission.ignored {
            print(format!("ignored: {} ({why})\n", path.display()));
        }
        programs = submission
            .build(
                &kit_root().join("target").join("submissions"),
                staging.path(),
            )
            .into_iter()
            .map(|(exercise, program)| (exercise, program.map_err(|e| e.to_string())))
            .collect();
    } else {
        let to_build: Vec<String> = options
            .exercises
            .iter()
            .filter(|e| !options.binaries.contains_key(*e))
            .map(|e| package(e, options.solutions))
            .collect();
        let mut built = if to_build.is_empty() {
            BTreeMap::new()
        } else {
            build_all(&kit_root(), &to_build, None)
        };
        for &exercise in &options.exercises {
            let program = match options.binaries.get(exercise) {
                // Copied where the unprivileged test user can run it, wherever it was.
                Some(path) => stage(path, staging.path()),
                None => built
                    .remove(&package(exercise, options.solutions))
                    .map_or_else(
                        || Err("was not built".into()),
                        |b| b.map_err(|e| e.to_string()),
                    ),
            };
            programs.insert(exercise, program);
        }
    }
    let outcomes = grade_exercises(
        &options.exercises,
        &programs,
        run_seed(),
        default_jobs(),
        &report,
        &mut print,
    );
    let max: u32 = options
        .exercises
        .iter()
        .flat_map(|e| tests_of(e))
        .map(|t| t.points)
        .sum();
    print(report.score(&outcomes, max));
    if let Some(path) = &options.json {
        json::write(path, &outcomes, started.elapsed())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    // Full marks for what was graded: 100/100, or 25/25 for one exercise.
    let (got, _) = totals(&outcomes);
    Ok(if got == max {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
