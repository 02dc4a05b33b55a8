//! The reporters: each turns the events of a run (`events.rs`) into one kind of output, and none
//! reads another's text. Adding a format is one new file here and one line in `FORMATS`.
//!
//! - `terminal`: `make grade`'s lines, and report.txt (the same, without colour);
//! - `json`: Gradescope's results.json;
//! - `junit`: JUnit XML, for CI systems and test dashboards;
//! - `markdown`: a summary table, for a CI run's page (GitHub's step summary);
//! - `tap`: TAP 13, for test harnesses; `prairielearn`: PrairieLearn's external grader
//!   results.json; `autolab`: Autolab's score line;
//! - `libtest`: `cargo test -p exN`, printed the way Rust's own test harness prints;
//! - `status`: `grader status`, a line per exercise: its points and its failing tests;

pub mod autolab;
pub mod json;
pub mod junit;
pub mod libtest;
pub mod markdown;
pub mod prairielearn;
pub mod preamble;
pub mod status;
pub mod tap;
pub mod terminal;

use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

use crate::events::{Event, Reporter, Score, Status, TestOutcome};
use crate::rubric::Test;

/// Makes the reporter of one format, writing to a file at the path given.
pub type NewReporter = fn(&Path) -> Box<dyn Reporter>;

/// The formats that `--format NAME --out PATH` writes to a file, by name.
pub const FORMATS: &[(&str, NewReporter)] = &[
    ("gradescope", |path| Box::new(json::Gradescope::new(path))),
    ("junit", |path| Box::new(junit::Junit::new(path))),
    ("markdown", |path| Document::boxed(path, markdown::summary)),
    ("tap", |path| Document::boxed(path, tap::document)),
    ("prairielearn", |path| {
        Box::new(prairielearn::PrairieLearn::new(path))
    }),
    ("autolab", |path| Document::boxed(path, autolab::score_line)),
];

/// A format written whole when the run is over, from the run's rubric, outcomes and score alone:
/// `render` gives its text, or nothing to write.
pub type Render = fn(&[Test], &[TestOutcome], &Score) -> Option<String>;

pub struct Document {
    path: PathBuf,
    render: Render,
    /// The rubric of the run, from its start.
    rubric: &'static [Test],
}

impl Document {
    pub fn boxed(path: &Path, render: Render) -> Box<dyn Reporter> {
        Box::new(Document {
            path: path.to_owned(),
            render,
            rubric: &[],
        })
    }
}

impl Reporter for Document {
    fn report(&mut self, event: &Event<'_>) -> Result<(), String> {
        match event {
            Event::RunStarted { rubric, .. } => {
                self.rubric = rubric;
                Ok(())
            }
            Event::RunFinished {
                outcomes, score, ..
            } => match (self.render)(self.rubric, outcomes, score) {
                Some(text) => write_file(&self.path, &text),
                None => Ok(()),
            },
            _ => Ok(()),
        }
    }
}

/// The exercises of `rubric`, in its order.
pub fn exercises(rubric: &[Test]) -> Vec<&'static str> {
    let mut exercises = Vec::new();
    for test in rubric {
        if !exercises.contains(&test.exercise) {
            exercises.push(test.exercise);
        }
    }
    exercises
}

/// The reporter that writes format `name` to `path`, if there is such a format.
pub fn file_reporter(name: &str, path: &Path) -> Option<Box<dyn Reporter>> {
    FORMATS
        .iter()
        .find(|(format, _)| *format == name)
        .map(|(_, new)| new(path))
}

/// `1 point`, `3 points`.
pub fn points(n: u32) -> String {
    match n {
        1 => "1 point".to_owned(),
        n => format!("{n} points"),
    }
}

/// A test as the results files name it: `ex1: peek prints exactly the bytes asked for, ...`.
pub fn label(test: &Test) -> String {
    format!("{}: {}", test.exercise, test.title)
}

/// Why a test did not pass, in lines: its reason, then the seed that repeats its inputs.
pub fn problem_lines(o: &TestOutcome) -> Vec<String> {
    let Some(reason) = o.reason() else {
        return Vec::new();
    };
    let mut lines: Vec<String> = reason.lines().map(str::to_owned).collect();
    if let Some(seed) = o.seed {
        lines.push(format!(
            "(seed {seed}: GRADER_SEED={seed} repeats these inputs)"
        ));
    }
    lines
}

/// The command that opens the next hint of each topic that helps with a failed test, given
/// those topics' keys (`hints::topics_by_test`): `hint: `make hint EX=ex1 T=clip``, a line each,
/// the last lines said of it. A grading error is no mistake of the student's: no hint for it.
pub fn hint_lines(o: &TestOutcome, topics: Option<&Vec<String>>) -> Vec<String> {
    if !matches!(o.status, Status::Fail { .. }) {
        return Vec::new();
    }
    topics
        .into_iter()
        .flatten()
        .map(|key| format!("hint: `{}`", crate::hints::command(o.test.exercise, key)))
        .collect()
}

/// What a test noted and measured, in lines, shown whether it passed or not.
pub fn note_lines(o: &TestOutcome) -> Vec<String> {
    let notes = o.notes.iter().flat_map(|n| n.lines()).map(str::to_owned);
    let measured = o.measurements.iter().map(|m| {
        format!(
            "measured: {} = {}{}{}",
            m.name,
            m.value,
            if m.unit.is_empty() { "" } else { " " },
            m.unit
        )
    });
    notes.chain(measured).collect()
}

/// Everything said under a test, one line after another.
pub fn details(o: &TestOutcome) -> String {
    [problem_lines(o), note_lines(o)].concat().join("\n")
}

/// Writes a reporter's text to its stream at once (a terminal sees each line as it comes).
fn write_now(out: &mut impl std::io::Write, text: &str) -> Result<(), String> {
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| format!("cannot write the report: {e}"))
}

/// Writes a reporter's file. A path that is the grader's own standard output or error
/// (`--out /dev/stdout`, whether stdout is a pipe or a file the shell opened with `>`) is written
/// through that stream, after what the grader printed there: opening it anew would truncate a
/// regular file, and even without truncating would write from its start, over the report above
/// (Autolab reads the last line, the score, and shows the rest as feedback). Any other path is
/// created or replaced.
fn write_file(path: &Path, text: &str) -> Result<(), String> {
    if same_file(path, std::io::stdout().as_fd()) {
        return write_now(&mut std::io::stdout().lock(), text);
    }
    if same_file(path, std::io::stderr().as_fd()) {
        return write_now(&mut std::io::stderr().lock(), text);
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Whether `path` (its symbolic links followed) is the file open as `fd`.
fn same_file(path: &Path, fd: std::os::fd::BorrowedFd<'_>) -> bool {
    use std::os::unix::fs::MetadataExt;
    let open = fd
        .try_clone_to_owned()
        .and_then(|fd| std::fs::File::from(fd).metadata());
    match (std::fs::metadata(path), open) {
        (Ok(named), Ok(open)) => (named.dev(), named.ino()) == (open.dev(), open.ino()),
        _ => false,
    }
}

/// The reporters' test data and snapshots, kept out of `src/` (see its own comment). Also the
/// class page's (the instructor crate's tests), through the feature `samples`.
#[cfg(any(test, feature = "samples"))]
#[path = "../../testdata/reporters/samples.rs"]
pub mod samples;

/// Every format's text for each sample run, compared with its snapshot file
/// (`testdata/reporters/FORMAT.CASE.snap`; see `samples`).
#[cfg(test)]
mod snapshots {
    use std::collections::BTreeSet;

    use super::samples;
    use super::*;
    use crate::events::Ignored;

    /// What a snapshot of a file format holds when the reporter wrote no file.
    const NO_FILE: &str = "(no file written)\n";

    /// What each format writes for one run, by the format's name.
    fn written(outcomes: &[TestOutcome], files: Option<&[Ignored]>) -> Vec<(String, String)> {
        let replay = |reporter: &mut dyn Reporter| {
            samples::replay_with_files(outcomes, files, reporter);
        };
        let dir = tempfile::tempdir().unwrap();
        let mut texts = Vec::new();
        for (format, new) in FORMATS {
            let path = dir.path().join(format);
            replay(new(&path).as_mut());
            let text = std::fs::read_to_string(&path).unwrap_or_else(|_| NO_FILE.to_owned());
            texts.push((format.to_string(), text));
        }
        let mut terminal = terminal::Terminal::plain(Vec::new());
        replay(&mut terminal);
        let mut status = status::StatusLines::new(Vec::new());
        replay(&mut status);
        // `cargo test -p fx1`: the first exercise's outcomes, with a hint topic for a test.
        let first = outcomes[0].test.exercise;
        let of_first: Vec<TestOutcome> = outcomes
            .iter()
            .filter(|o| o.test.exercise == first)
            .cloned()
            .collect();
        let hints = [("stops_at_nul".to_owned(), vec!["nul".to_owned()])];
        let mut libtest = libtest::LibTest::new(Vec::new(), first, 2).with_hints(hints.into());
        samples::replay(&of_first, &mut libtest);
        for (format, bytes) in [
            ("terminal", terminal.into_inner()),
            ("status", status.into_inner()),
            ("libtest", libtest.into_inner()),
        ] {
            texts.push((format.to_owned(), String::from_utf8(bytes).unwrap()));
        }
        texts
    }

    #[test]
    fn every_format_writes_what_its_snapshots_hold() {
        let mut compared = BTreeSet::new();
        let mut mismatches = Vec::new();
        for case in samples::cases() {
            for (format, text) in written(&case.outcomes, case.files.as_deref()) {
                let name = format!("{format}.{}.snap", case.name);
                mismatches.extend(samples::snapshot_mismatch(&name, &text));
                compared.insert(name);
            }
        }
        assert!(mismatches.is_empty(), "{}", mismatches.join("\n\n"));
        // And no snapshot is left over from a case or format that is gone.
        let stale: Vec<String> = std::fs::read_dir(samples::snapshots())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            // class.html's page is the batch's: `instructor::batch::class_html`'s test compares it.
            .filter(|name| name.ends_with(".snap") && !compared.contains(name))
            .filter(|name| !name.starts_with(samples::CLASS_HTML_SNAPSHOT_PREFIX))
            .collect();
        assert!(
            stale.is_empty(),
            "snapshots that no test compares: {stale:?}"
        );
    }
}
