//! The grader's command line.
//!
//! ```text
//! grader [--solutions] [EXERCISE...] [--bin EXERCISE=PATH]... [REPORT...]     grade this kit
//! grader --submission PATH [REPORT...]                                       grade a hand-in
//! grader handin [--out PATH]                                                 make handin.tar.gz
//! grader export DIR                                                          the kit, no answers
//! grader status                                  a line per exercise: points, failing tests
//! grader hint EXERCISE [TOPIC] [N]               the README's hints: a topic's next (or N)
//! grader watch EXERCISE [--rounds N]             grade again on each change to its src/
//!
//! REPORT: --json PATH (Gradescope's results.json), or --format FORMAT --out PATH (FORMAT:
//! gradescope, junit, markdown, tap, prairielearn, autolab: `grader::report::FORMATS`)
//! ```
//!
//! Each takes `--kit DIR`, the kit to work on; by default it is the kit at or above the current
//! directory, found when the grader runs (see `grader::kit`).
//!
//! Exit status: 0 at full marks, 1 below them, 2 for a usage error, 3 when grading itself failed
//! (then no results.json is written: a grading error is not a grade), and when there is no kit
//! where one was looked for.
//!
//! A class's grading and the kit's upkeep (`batch`, `similar`, `student-kit`, `new-exercise`) are
//! the instructor crate's binary, which a student kit leaves out; it parses its command line with
//! the helpers here (`take_kit`, `value`, `start`, `finish`), so that both binaries behave alike.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::check_api::run_seed;
use crate::clean::Clean;
use crate::compile::{BuildError, build_all, package};
use crate::events::Reporter;
use crate::grade::{Plan, Programs, built, grade as grade_plan};
use crate::harness::default_jobs;
use crate::kit;
use crate::outcome::Problem;
use crate::report::{FORMATS, file_reporter, status::StatusLines, terminal::Terminal};
use crate::rubric::{EXERCISES, Test, tests_of};
use crate::submission::{Submission, handin, stage};

const USAGE: &str =
    "usage: grader [--kit DIR] [--solutions] [EXERCISE...] [--bin EXERCISE=PATH]... [REPORT...]
       grader [--kit DIR] --submission PATH [REPORT...]
       grader [--kit DIR] handin [--out PATH]
       grader [--kit DIR] export DIR
       grader [--kit DIR] status [--solutions]
       grader [--kit DIR] hint EXERCISE [TOPIC] [N]
       grader [--kit DIR] watch EXERCISE [--rounds N]
REPORT: --json PATH | --format FORMAT --out PATH
--kit DIR: the kit to grade or work on (default: the kit at or above the current directory)
export DIR: copies the kit without its answers (no solutions/, no grader/tests/) into DIR";

/// The commands of the instructor's binary, which a mistaken `grader batch` is pointed to.
const INSTRUCTOR_JOBS: [&str; 4] = ["batch", "similar", "student-kit", "new-exercise"];

/// The usage a student's mistake with one of the student's commands gets (`make hint` without
/// `EX=`, say): those commands alone, as the Makefile names them (`make help` lists them all).
const STUDENT_USAGE: &str =
    "usage: make hint EX=exN [T=TOPIC]  exN's hint topics, or the next hint of one (N=2: the 2nd)
       make watch EX=exN           grade exN again each time a file of its src/ changes
       make status                 one line per exercise: points, failing tests
       make help                   every command of the kit, one line each";

/// The commands a student runs (through the Makefile).
const STUDENT_JOBS: [&str; 4] = ["hint", "watch", "status", "handin"];

/// Grading could not be done at all (not a grade).
pub const CANNOT_GRADE: u8 = 3;
/// A command line that does not parse.
pub const USAGE_ERROR: u8 = 2;

#[derive(Default)]
struct Options {
    solutions: bool,
    exercises: Vec<&'static str>,
    binaries: BTreeMap<&'static str, PathBuf>,
    /// The report files to write: (format, path).
    reports: Vec<(String, PathBuf)>,
    submission: Option<PathBuf>,
    /// `grader status`: a line per exercise instead of the whole report.
    status: bool,
}

enum Job {
    Grade(Options),
    Handin(PathBuf),
    Export(PathBuf),
    Hint(&'static str, Option<String>, Option<usize>),
    Watch(&'static str, Option<usize>),
}

/// A command line's words after the program's name, as the parsers read them.
pub type Args = std::iter::Peekable<std::vec::IntoIter<String>>;

/// The value that follows `flag`.
pub fn value(args: &mut Args, flag: &str) -> Result<String, String> {
    args.next().ok_or_else(|| format!("{flag} needs a value"))
}

/// Takes `--kit DIR` out of `args`, wherever it is: every job works on a kit.
pub fn take_kit(args: &mut Vec<String>) -> Result<Option<PathBuf>, String> {
    let mut kit = None;
    while let Some(i) = args.iter().position(|a| a == "--kit") {
        if i + 1 == args.len() {
            return Err("--kit needs a value".into());
        }
        kit = Some(args.remove(i + 1).into());
        args.remove(i);
    }
    Ok(kit)
}

fn exercise_named(name: &str) -> Result<&'static str, String> {
    EXERCISES
        .iter()
        .copied()
        .find(|e| *e == name)
        .ok_or_else(|| {
            format!(
                "unknown exercise '{name}' (expected one of {})",
                EXERCISES.join(", ")
            )
        })
}

fn parse(args: Vec<String>) -> Result<Job, String> {
    let mut args = args.into_iter().peekable();
    match args.peek().map(String::as_str) {
        Some(job) if INSTRUCTOR_JOBS.contains(&job) => {
            return Err(format!(
                "{job} is the instructor's: cargo run --release -q -p instructor -- {job} ..."
            ));
        }
        Some("handin") => {
            args.next();
            return match (args.next().as_deref(), args.next(), args.next()) {
                (None, ..) => Ok(Job::Handin("handin.tar.gz".into())),
                (Some("--out"), Some(path), None) => Ok(Job::Handin(path.into())),
                _ => Err("handin takes only --out PATH".into()),
            };
        }
        Some("export") => {
            args.next();
            return one_dir(&mut args, "export").map(Job::Export);
        }
        Some("hint") => {
            args.next();
            let exercise = exercise_named(&args.next().ok_or("hint needs an EXERCISE")?)?;
            // A topic is a word; a level, a number (a topic's, when both are given).
            let topic = args.next_if(|a| !a.starts_with(|c: char| c.is_ascii_digit()));
            let level = match args.next() {
                None => None,
                Some(n) => Some(
                    n.parse()
                        .map_err(|_| format!("hint: '{n}' is not a level"))?,
                ),
            };
            return match args.next() {
                None => Ok(Job::Hint(exercise, topic, level)),
                Some(_) => Err("hint takes an EXERCISE, at most a TOPIC and a level".into()),
            };
        }
        Some("watch") => {
            args.next();
            let exercise = exercise_named(&args.next().ok_or("watch needs an EXERCISE")?)?;
            return match (args.next().as_deref(), args.next(), args.next()) {
                (None, ..) => Ok(Job::Watch(exercise, None)),
                (Some("--rounds"), Some(n), None) => match n.parse() {
                    Ok(n) if n > 0 => Ok(Job::Watch(exercise, Some(n))),
                    _ => Err(format!("--rounds needs a number above 0, not '{n}'")),
                },
                _ => Err("watch takes an EXERCISE and --rounds N".into()),
            };
        }
        _ => {}
    }
    let mut options = Options::default();
    if args.peek().map(String::as_str) == Some("status") {
        args.next();
        options.status = true;
    }
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--solutions" => options.solutions = true,
            "--json" => options
                .reports
                .push(("gradescope".into(), value(&mut args, "--json")?.into())),
            "--format" => {
                let format = value(&mut args, "--format")?;
                if !FORMATS.iter().any(|(name, _)| *name == format) {
                    let names: Vec<&str> = FORMATS.iter().map(|(name, _)| *name).collect();
                    return Err(format!(
                        "unknown format '{format}' (expected one of {})",
                        names.join(", ")
                    ));
                }
                if args.next().as_deref() != Some("--out") {
                    return Err("--format FORMAT needs --out PATH right after it".into());
                }
                let path = value(&mut args, "--out")?;
                options.reports.push((format, path.into()));
            }
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

/// `DIR`, the one word left of a command that takes a folder (`export DIR`).
pub fn one_dir(args: &mut Args, command: &str) -> Result<PathBuf, String> {
    match (args.next(), args.next()) {
        (Some(dir), None) => Ok(dir.into()),
        _ => Err(format!("{command} takes a DIR")),
    }
}

/// What a binary of the kit does first, while it has one thread: what a killed grader left in
/// TMPDIR goes, and what this one makes there is in a folder of its own (see `runner::place`);
/// a Ctrl-C stops what it starts, not only itself.
///
/// # Safety
/// No thread may have been started yet (`main` calls it first).
pub unsafe fn start(program: &str) {
    // SAFETY: no thread has been started yet (this function's own contract).
    // Without it (TMPDIR not writable), grading fails where it needs TMPDIR, and says why.
    if let Err(e) = unsafe { crate::runner::claim_temp_dir() } {
        eprintln!(
            "{program}: warning: cannot make its folder in {}: {e}",
            std::env::temp_dir().display()
        );
    }
    crate::runner::interrupt::install();
}

/// A command line that did not parse: the message (none for `--help`), then `usage`.
pub fn usage_error(program: &str, message: &str, usage: &str) -> ExitCode {
    if !message.is_empty() {
        eprintln!("{program}: {message}");
    }
    eprintln!("{usage}");
    ExitCode::from(USAGE_ERROR)
}

/// What a binary of the kit does last: what it started is cleaned up, and a job that could not
/// be done says why (exit status 3).
pub fn finish(program: &str, result: Result<ExitCode, String>) -> ExitCode {
    crate::runner::clean_up();
    result.unwrap_or_else(|why| {
        // It can quote a submission's file names (tar's errors, say): through the text filter.
        eprintln!("{program}: {}", Clean::new(&why));
        ExitCode::from(CANNOT_GRADE)
    })
}

/// The grader's `main`: the `grader` binary's, and that of ex1's example `ex1-grader`, which the
/// Makefile runs (see `grader/src/main.rs`).
pub fn main() -> ExitCode {
    // SAFETY: no thread has been started yet (the `main` functions that call this one start
    // none before it).
    unsafe { start("grader") };
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let parsed = take_kit(&mut args).map(|kit| {
        let student = args
            .first()
            .is_some_and(|a| STUDENT_JOBS.contains(&a.as_str()));
        (kit, parse(args).map_err(|e| (e, student)))
    });
    let (kit, job) = match parsed {
        Ok((kit, Ok(job))) => (kit, job),
        Err(message) | Ok((_, Err((message, false)))) => {
            return usage_error("grader", &message, USAGE);
        }
        Ok((_, Err((message, true)))) => {
            return usage_error("grader", &message, STUDENT_USAGE);
        }
    };
    // Found only when a job needs it: grading given binaries (`--bin`) needs no kit.
    let kit = || kit::find(kit.as_deref());
    let result = match job {
        Job::Grade(options) => grade(&options, kit),
        Job::Handin(out) => kit().and_then(|kit| handin(&kit, &out)).map(|warnings| {
            warnings.iter().for_each(|w| eprintln!("{w}"));
            println!("wrote {}", out.display());
            ExitCode::SUCCESS
        }),
        Job::Export(to) => kit()
            .and_then(|kit| kit::copy_without_answers(&kit, &to))
            .map(|()| {
                println!("copied the kit without its answers to {}", to.display());
                ExitCode::SUCCESS
            }),
        Job::Hint(exercise, topic, level) => kit()
            .and_then(|kit| crate::hints::show(&kit, exercise, topic.as_deref(), level))
            .map(|text| {
                print!("{text}");
                ExitCode::SUCCESS
            }),
        Job::Watch(exercise, rounds) => kit()
            .and_then(|kit| crate::watch::run(&kit, exercise, rounds))
            .map(|()| ExitCode::SUCCESS),
    };
    finish("grader", result)
}

fn grade(options: &Options, kit: impl Fn() -> Result<PathBuf, String>) -> Result<ExitCode, String> {
    // What to grade: a submission in a pristine copy of the kit, or this kit's own crates.
    let submission = match &options.submission {
        Some(path) => {
            let kit = kit()?;
            Some((Submission::import(path, &kit)?, kit))
        }
        None => None,
    };
    let to_build: Vec<String> = options
        .exercises
        .iter()
        .filter(|e| !options.binaries.contains_key(*e))
        .map(|e| package(e, options.solutions))
        .collect();
    // The kit is needed only to build something (`--bin` alone needs none).
    let own_kit = if submission.is_none() && !to_build.is_empty() {
        let kit = kit()?;
        if options.solutions && !kit.join("solutions").is_dir() {
            return Err(format!(
                "{} holds no reference solutions (no solutions/ folder)",
                kit.display()
            ));
        }
        Some(kit)
    } else {
        None
    };
    let staging = tempfile::tempdir().map_err(|e| e.to_string())?;
    let build = || -> Programs {
        if let Some((submission, kit)) = &submission {
            let target = kit.join("target").join("submissions");
            let programs = submission.build(&target, staging.path());
            return programs.into_iter().map(|(e, p)| (e, built(p))).collect();
        }
        let mut compiled = match &own_kit {
            Some(kit) => build_all(kit, &to_build, None),
            None => BTreeMap::new(),
        };
        let mut programs = Programs::new();
        for &exercise in &options.exercises {
            let program = match options.binaries.get(exercise) {
                // Copied where the unprivileged test user can run it, wherever it was; a binary
                // that cannot be copied is no fault of the program's.
                Some(path) => stage(path, staging.path()).map_err(Problem::GraderError),
                None => built(
                    compiled
                        .remove(&package(exercise, options.solutions))
                        .unwrap_or_else(|| Err(BuildError::Grader("was not built".into()))),
                ),
            };
            programs.insert(exercise, program);
        }
        programs
    };
    let tests: Vec<&'static Test> = options.exercises.iter().flat_map(|e| tests_of(e)).collect();
    let plan = Plan {
        tests: &tests,
        seed: run_seed(),
        jobs: default_jobs(),
        submission: submission.as_ref().map(|(submission, _)| submission),
    };
    // A failure names its hint topic's command when the kit's READMEs are at hand (a student's
    // kit, or the pristine kit a hand-in is graded in); the reference solutions need none.
    let readmes = submission.as_ref().map(|(_, kit)| kit).or(own_kit.as_ref());
    let mut terminal = match readmes {
        Some(kit) if !options.solutions => Terminal::stdout().with_hints(kit, &options.exercises),
        _ => Terminal::stdout(),
    };
    let mut status = StatusLines::new(std::io::stdout());
    let mut files: Vec<Box<dyn Reporter>> = options
        .reports
        .iter()
        .map(|(format, path)| file_reporter(format, path).expect("checked when parsed"))
        .collect();
    let mut reporters: Vec<&mut dyn Reporter> = match options.status {
        true => vec![&mut status],
        false => vec![&mut terminal],
    };
    reporters.extend(files.iter_mut().map(|r| r.as_mut() as &mut dyn Reporter));
    let graded = grade_plan(&plan, build, &mut reporters);
    if let Some(why) = graded.report_errors.first() {
        return Err(why.clone());
    }
    let score = graded.score;
    Ok(if !score.is_grade() {
        eprintln!(
            "grader: the grader failed in {} test(s) (\"grading error\" above): this is not a grade, \
             and no results.json was written",
            score.grader_errors
        );
        ExitCode::from(CANNOT_GRADE)
    } else if score.full_marks() {
        // Full marks for what was graded: 100/100, or 25/25 for one exercise.
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_instructors_commands_point_to_the_instructors_binary() {
        for job in INSTRUCTOR_JOBS {
            let Err(why) = parse(vec![job.into(), "DIR".into()]) else {
                panic!("`grader {job}` parsed");
            };
            assert!(why.contains(&format!("-p instructor -- {job}")), "{why}");
        }
    }
}
