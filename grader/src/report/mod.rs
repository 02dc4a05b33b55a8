//! The reporters: each turns the events of a run (`events.rs`) into one kind of output, and none
//! reads another's text. Adding a format is one new file here and one line in `FORMATS`.
//!
//! - `terminal`: `make grade`'s lines, and report.txt (the same, without colour);
//! - `json`: Gradescope's results.json;
//! - `junit`: JUnit XML, for CI systems and test dashboards;
//! - `libtest`: `cargo test -p exN`, printed the way Rust's own test harness prints;
//! - `class` and `class_html`: a whole class (`grader batch`): its gradebook rows, figures and page.

pub mod class;
pub mod class_html;
pub mod json;
pub mod junit;
pub mod libtest;
pub mod terminal;

use std::path::Path;

use crate::events::{Reporter, TestOutcome};

/// Makes the reporter of one format, writing to a file at the path given.
pub type NewReporter = fn(&Path) -> Box<dyn Reporter>;

/// The formats that `--format NAME --out PATH` writes to a file, by name.
pub const FORMATS: &[(&str, NewReporter)] = &[
    ("gradescope", |path| Box::new(json::Gradescope::new(path))),
    ("junit", |path| Box::new(junit::Junit::new(path))),
];

/// The reporter that writes format `name` to `path`, if there is such a format.
pub fn file_reporter(name: &str, path: &Path) -> Option<Box<dyn Reporter>> {
    FORMATS
        .iter()
        .find(|(format, _)| *format == name)
        .map(|(_, new)| new(path))
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

fn write_file(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
pub(crate) mod samples;
