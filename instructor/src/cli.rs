//! The instructor's command line.
//!
//! ```text
//! instructor batch DIR [--jobs N] [--csv PATH] [--out DIR] [--only STUDENT...] [--seed N]
//!                      [--threshold PERCENT]                                 grade a class
//! instructor similar DIR [--out DIR] [--threshold PERCENT]                   who copied whom
//! instructor student-kit DIR                                                 what a class gets
//! instructor new-exercise EXERCISE                                           a new exercise
//! ```
//!
//! Each takes `--kit DIR`, and exits as the grader does (`grader::cli`, whose helpers parse and
//! run it): 0 when done (a batch: every submission graded), 1 when a batch could not grade some,
//! 2 for a usage error, 3 when the job could not be done.

use std::path::PathBuf;
use std::process::ExitCode;

use grader::cli::{Args, finish, one_dir, start, take_kit, usage_error, value};
use grader::harness::default_jobs;
use grader::kit;

use crate::batch::{self, similar};

const USAGE: &str = "usage: instructor [--kit DIR] batch DIR [--jobs N] [--csv PATH] [--out DIR]
                                        [--only STUDENT...] [--seed N] [--threshold PERCENT]
       instructor [--kit DIR] similar DIR [--out DIR] [--threshold PERCENT]
       instructor [--kit DIR] student-kit DIR
       instructor [--kit DIR] new-exercise EXERCISE
--kit DIR: the kit to work on (default: the kit at or above the current directory)
student-kit DIR: writes the student kit (no answers, no instructor material) into DIR
new-exercise exN: scaffolds exercise exN (new files only: crates, checks, a mutant, C version)";

enum Job {
    Batch(batch::Options),
    Similar {
        dir: PathBuf,
        out: PathBuf,
        threshold: f64,
    },
    StudentKit(PathBuf),
    NewExercise(String),
}

/// A threshold in percent: a number from 0 to 100.
fn threshold(text: &str) -> Result<f64, String> {
    text.parse()
        .ok()
        .filter(|t: &f64| (0.0..=100.0).contains(t))
        .ok_or_else(|| format!("--threshold needs a percentage from 0 to 100, not '{text}'"))
}

fn parse(args: Vec<String>) -> Result<Job, String> {
    let mut args = args.into_iter().peekable();
    match args.next().as_deref() {
        Some("batch") => parse_batch(&mut args).map(Job::Batch),
        Some("similar") => parse_similar(&mut args),
        Some("student-kit") => one_dir(&mut args, "student-kit").map(Job::StudentKit),
        Some("new-exercise") => match (args.next(), args.next()) {
            (Some(name), None) => Ok(Job::NewExercise(name)),
            _ => Err("new-exercise takes an EXERCISE (exN)".into()),
        },
        None | Some("-h" | "--help") => Err(String::new()),
        Some(other) => Err(format!("unknown command '{other}'")),
    }
}

fn parse_batch(args: &mut Args) -> Result<batch::Options, String> {
    let dir = args
        .next()
        .ok_or("batch needs a DIR of submissions")?
        .into();
    let mut options = batch::Options {
        dir,
        jobs: default_jobs(),
        csv: None,
        out: "batch-results".into(),
        only: Vec::new(),
        seed: None,
        threshold: similar::DEFAULT_THRESHOLD,
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--only" => {
                while let Some(student) = args.next_if(|a| !a.starts_with("--")) {
                    options.only.push(student);
                }
                if options.only.is_empty() {
                    return Err("--only needs one or more students".into());
                }
            }
            "--seed" => {
                options.seed = Some(
                    value(args, "--seed")?
                        .parse()
                        .map_err(|_| "--seed needs a number")?,
                )
            }
            "--threshold" => options.threshold = threshold(&value(args, "--threshold")?)?,
            "--jobs" => {
                options.jobs = value(args, "--jobs")?
                    .parse()
                    .map_err(|_| "--jobs needs a number")?
            }
            "--csv" => options.csv = Some(value(args, "--csv")?.into()),
            "--out" => options.out = value(args, "--out")?.into(),
            _ => return Err(format!("unknown batch option '{arg}'")),
        }
    }
    Ok(options)
}

fn parse_similar(args: &mut Args) -> Result<Job, String> {
    let dir = args
        .next()
        .ok_or("similar needs a DIR of submissions")?
        .into();
    let (mut out, mut percent) = (PathBuf::from("similar-results"), similar::DEFAULT_THRESHOLD);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => out = value(args, "--out")?.into(),
            "--threshold" => percent = threshold(&value(args, "--threshold")?)?,
            _ => return Err(format!("unknown similar option '{arg}'")),
        }
    }
    Ok(Job::Similar {
        dir,
        out,
        threshold: percent,
    })
}

/// The `instructor` binary's `main`.
pub fn main() -> ExitCode {
    // SAFETY: no thread has been started yet (`main` calls this first).
    unsafe { start("instructor") };
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let (kit, job) = match take_kit(&mut args).and_then(|kit| Ok((kit, parse(args)?))) {
        Ok(parsed) => parsed,
        Err(message) => return usage_error("instructor", &message, USAGE),
    };
    let kit = || kit::find(kit.as_deref());
    let result = match job {
        Job::Batch(options) => kit()
            .and_then(|kit| batch::run(&kit, &options))
            .map(|failed| {
                if failed == 0 {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                }
            }),
        Job::Similar {
            dir,
            out,
            threshold,
        } => kit()
            .and_then(|kit| similar::run(&kit, &dir, &out, threshold))
            .map(|_| ExitCode::SUCCESS),
        Job::NewExercise(name) => kit()
            .and_then(|kit| crate::new_exercise::scaffold(&kit, &name))
            .map(|files| {
                files.iter().for_each(|f| println!("wrote {}", f.display()));
                println!(
                    "{name} grades as a working example: `make grade-solutions` lists it; replace \
                     its contract, checks, solution, mutant and C version with your exercise's"
                );
                ExitCode::SUCCESS
            }),
        Job::StudentKit(to) => kit()
            .and_then(|kit| crate::student_kit::write(&kit, &to))
            .map(|()| {
                println!("wrote the student kit to {}", to.display());
                ExitCode::SUCCESS
            }),
    };
    finish("instructor", result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn each_command_parses_with_its_options_and_nothing_else_does() {
        let Ok(Job::Batch(options)) = parse(words("batch class --only a b --seed 7 --jobs 3"))
        else {
            panic!("batch did not parse");
        };
        assert_eq!(
            (options.only, options.seed, options.jobs),
            (words("a b"), Some(7), 3)
        );
        assert!(matches!(
            parse(words("similar class --threshold 40")),
            Ok(Job::Similar {
                threshold: 40.0,
                ..
            })
        ));
        assert!(matches!(
            parse(words("student-kit out")),
            Ok(Job::StudentKit(_))
        ));
        assert!(matches!(
            parse(words("new-exercise ex5")),
            Ok(Job::NewExercise(_))
        ));
        for (line, why) in [
            ("similar class --threshold 150", "percentage from 0 to 100"),
            ("batch class --only", "one or more students"),
            ("student-kit", "student-kit takes a DIR"),
            ("grade", "unknown command 'grade'"),
            ("", ""),
        ] {
            let Err(error) = parse(words(line)) else {
                panic!("`{line}` parsed");
            };
            assert!(error.contains(why), "`{line}`: {error}");
        }
    }
}
