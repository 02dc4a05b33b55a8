//! The grader's test support (`grader/tests/support/mod.rs`: the kit, submissions, the mutants
//! and the answers), and the instructor's binary and its batches, for the instructor's tests.
// Each test binary that includes this module uses only part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "../../../grader/tests/support/mod.rs"]
mod grader_support;
pub use grader_support::*;

/// The instructor's binary (see `bin`).
pub fn instructor_bin() -> PathBuf {
    bin("instructor")
}

/// The rows of the gradebook, by student: the columns as text.
pub fn gradebook(csv: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let text = std::fs::read_to_string(csv).expect("the batch writes its gradebook");
    let header: Vec<&str> = ["student"]
        .into_iter()
        .chain(grader::rubric::EXERCISES.iter().copied())
        .chain(["total", "status"])
        .collect();
    instructor::csv::parse_with_header(&text, &header)
        .unwrap()
        .into_iter()
        .map(|row| {
            let row: BTreeMap<String, String> = row.into_iter().collect();
            (row["student"].clone(), row)
        })
        .collect()
}

/// A secret in the environment of the graders that tests start: no report may show it.
pub const GRADER_SECRET: &str = "s3cret-token-of-the-instructor";

pub fn batch(class: &Path, out: &Path) -> std::process::Output {
    batch_with(class, out, &[])
}

/// `instructor batch` with more options (`--only`, `--seed`).
pub fn batch_with(class: &Path, out: &Path, options: &[&str]) -> std::process::Output {
    batch_command(class, out, options)
        .output()
        .expect("cannot run the grader")
}

/// The command `batch_with` runs, to be started as a test needs (and killed, see batch_resume.rs).
pub fn batch_command(class: &Path, out: &Path, options: &[&str]) -> Command {
    let mut command = Command::new(instructor_bin());
    command
        // Secrets in the grader's environment, which no build or report may see (see class.rs).
        .env("GRADER_TEST_SECRET", GRADER_SECRET)
        .env("GITHUB_TOKEN", GRADER_SECRET)
        // The endless build's limit, with room for the others on a busy machine.
        .env("GRADER_BUILD_TIMEOUT", "30")
        .args(["batch"])
        .arg(class)
        .args(["--jobs", "2", "--out"])
        .arg(out)
        .args(options)
        // Hostile programs run into the time limit again and again: a short one keeps the test quick.
        .env("GRADER_TIMEOUT", "3")
        // `memory-bomb`'s build is stopped at 1 GiB, not the default's 2.
        .env("GRADER_BUILD_MEMORY_MIB", "1024");
    command
}
