//! `grader batch DIR`: grades a whole class, one submission (tarball or directory) per student,
//! several at a time. Writes a CSV gradebook and, per student, a text report and results.json.
//! A submission graded before, with the same files, by the same grader and rubric, and without
//! a grading error, is not graded again.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use crate::clean::Clean;
use crate::events::{Event, Reporter, Status};
use crate::fixtures::run_seed;
use crate::grade::{Plan, built, grade, next};
use crate::report::{json::Gradescope, terminal::Terminal};
use crate::rubric::{EXERCISES, RUBRIC, fingerprint};
use crate::submission::{Submission, sha256_lines};

pub struct Options {
    pub dir: PathBuf,
    pub jobs: usize,
    pub csv: Option<PathBuf>,
    pub out: PathBuf,
}

/// One line of the gradebook, filled in from the events of the student's grading.
struct Row {
    student: String,
    scores: BTreeMap<&'static str, u32>,
    status: String,
    /// The exercises that did not compile.
    not_built: Vec<&'static str>,
    /// The first grading error: `ex3 as_fast_as_cp: the grader's cp failed ...`.
    error: Option<String>,
}

impl Row {
    fn new(student: &str) -> Row {
        Row {
            student: student.to_owned(),
            scores: BTreeMap::new(),
            status: String::new(),
            not_built: Vec::new(),
            error: None,
        }
    }

    fn total(&self) -> u32 {
        self.scores.values().sum()
    }
}

impl Reporter for Row {
    fn report(&mut self, event: &Event<'_>) -> Result<(), String> {
        match event {
            Event::ExerciseNotBuilt {
                exercise,
                status: Status::Fail { .. },
            } => self.not_built.push(exercise),
            Event::TestFinished(o) => {
                if let (Status::GraderError { reason }, None) = (&o.status, &self.error) {
                    let first = reason.lines().next().unwrap_or_default();
                    self.error = Some(format!("{} {}: {first}", o.test.exercise, o.test.name));
                }
            }
            Event::ExerciseFinished {
                exercise, score, ..
            } => {
                self.scores.insert(exercise, score.got);
            }
            Event::RunFinished { .. } => {
                self.status = match (&self.error, self.not_built.is_empty()) {
                    (Some(error), _) => format!("error: {error}"),
                    (None, true) => "graded".into(),
                    (None, false) => format!("graded; {} did not build", self.not_built.join(", ")),
                };
            }
            _ => {}
        }
        Ok(())
    }
}

/// Grades every submission in `options.dir`, each in a copy of the kit at `kit`; returns how many
/// could not be graded at all.
pub fn run(kit: &Path, options: &Options) -> Result<usize, String> {
    let mut submissions: Vec<(String, PathBuf)> = std::fs::read_dir(&options.dir)
        .map_err(|e| format!("cannot read {}: {e}", options.dir.display()))?
        .filter_map(Result::ok)
        .filter_map(|e| Some((student_id(&e.file_name().to_string_lossy())?, e.path())))
        .collect();
    submissions.sort();
    std::fs::create_dir_all(&options.out)
        .map_err(|e| format!("cannot create {}: {e}", options.out.display()))?;
    let target = kit.join("target").join("submissions");
    let seed = run_seed();
    let total = submissions.len();
    let started = Instant::now();
    let queue = Mutex::new(submissions.into_iter());
    let rows = Mutex::new(Vec::new());
    eprintln!(
        "grading {total} submissions, {} at a time (seed {seed})",
        options.jobs
    );
    std::thread::scope(|s| {
        for _ in 0..options.jobs.max(1) {
            s.spawn(|| {
                while let Some((student, path)) = next(&queue) {
                    let row = grade_one(&student, &path, kit, &options.out, &target, seed);
                    let mut rows = rows.lock().unwrap_or_else(|e| e.into_inner());
                    rows.push(row);
                    progress(&rows, total, started);
                }
            });
        }
    });
    let mut rows = rows.into_inner().unwrap_or_else(|e| e.into_inner());
    rows.sort_by(|a, b| a.student.cmp(&b.student));
    let csv = options
        .csv
        .clone()
        .unwrap_or_else(|| options.out.join("grades.csv"));
    write_csv(&csv, &rows).map_err(|e| format!("cannot write {}: {e}", csv.display()))?;
    eprintln!(
        "gradebook: {} ({total} students, {:.0}s)",
        csv.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(rows
        .iter()
        .filter(|r| r.status.starts_with("error"))
        .count())
}

/// `alice.tar.gz` -> `alice`; hidden files and stray files are not submissions.
fn student_id(name: &str) -> Option<String> {
    if name.starts_with('.') {
        return None;
    }
    let id = [".tar.gz", ".tgz", ".tar"]
        .iter()
        .find_map(|ext| name.strip_suffix(ext))
        .unwrap_or(name);
    // It names the student in the gradebook and in progress lines on a terminal.
    Some(Clean::new(id).to_string())
}

fn grade_one(student: &str, path: &Path, kit: &Path, out: &Path, target: &Path, seed: u64) -> Row {
    let dir = out.join(student);
    let mut row = Row::new(student);
    let submission = match Submission::import(path, kit) {
        Ok(submission) => submission,
        Err(why) => {
            let why = Clean::new(&why);
            row.status = format!("error: {why}");
            let _ = std::fs::create_dir_all(&dir)
                .and_then(|()| std::fs::write(dir.join("report.txt"), format!("{why}\n")));
            return row;
        }
    };
    let key = Key::of(&submission);
    let record = dir.join(RECORD);
    if let Some(scores) = key.as_ref().and_then(|key| keep(&record, key, &dir)) {
        row.scores = scores;
        row.status = "unchanged since last graded".into();
        return row;
    }
    // Graded anew: until this grading is recorded, no earlier one counts.
    let _ = std::fs::remove_file(&record);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        row.status = format!("error: cannot create {}: {e}", dir.display());
        return row;
    }
    let bin_dir = dir.join("bin");
    let plan = Plan {
        tests: &RUBRIC.iter().collect::<Vec<_>>(),
        seed,
        jobs: 1,
        submission: Some(&submission),
    };
    let build = || {
        let programs = submission.build(target, &bin_dir);
        programs.into_iter().map(|(e, p)| (e, built(p))).collect()
    };
    let mut text = Terminal::plain(Vec::new());
    let mut results = Gradescope::new(&dir.join("results.json"));
    let graded = grade(&plan, build, &mut [&mut text, &mut results, &mut row]);
    let _ = std::fs::remove_dir_all(&bin_dir);
    let saved = std::fs::write(dir.join("report.txt"), text.into_inner())
        .map_err(|e| e.to_string())
        .and(
            graded
                .report_errors
                .first()
                .map_or(Ok(()), |e| Err(e.clone())),
        );
    if let Err(e) = saved {
        row.status = format!("error: cannot save the report: {e}");
    }
    if let Some(key) = key
        && let Err(e) = std::fs::write(&record, key.record(&row.status))
    {
        row.status = format!("error: cannot save {}: {e}", record.display());
    }
    row
}

/// The file, beside each student's results, that says what their last grading was made from.
const RECORD: &str = "graded-with.txt";

/// What a grade depends on: the student's files, the grader, and the rubric. A grade is kept only
/// while all three are the same.
struct Key {
    submission: String,
    grader: String,
    rubric: String,
}

impl Key {
    /// `None` when the grader cannot tell which grader it is: then nothing is kept.
    fn of(submission: &Submission) -> Option<Key> {
        Some(Key {
            submission: submission.hash.clone(),
            grader: grader_version()?.to_owned(),
            rubric: fingerprint(),
        })
    }

    fn lines(&self) -> String {
        format!(
            "submission: {}\ngrader: {}\nrubric: {}\n",
            self.submission, self.grader, self.rubric
        )
    }

    /// The record of a grading with this key: the key's lines, then the row's status.
    fn record(&self, status: &str) -> String {
        format!("{}status: {}\n", self.lines(), status.replace('\n', " "))
    }
}

/// The grader's version and the sha256 of its own executable: any change to the grader, its
/// checks included, makes another version.
fn grader_version() -> Option<&'static str> {
    static VERSION: OnceLock<Option<String>> = OnceLock::new();
    VERSION
        .get_or_init(|| {
            let exe = std::env::current_exe().ok()?;
            let sums = sha256_lines(exe.parent()?, &[exe.file_name()?.into()]).ok()?;
            let sum = sums.split_whitespace().next()?;
            Some(format!("{} {sum}", env!("CARGO_PKG_VERSION")))
        })
        .as_deref()
}

/// The scores of the last grading in `dir`, if it was made with `key` and had no error.
fn keep(record: &Path, key: &Key, dir: &Path) -> Option<BTreeMap<&'static str, u32>> {
    let text = std::fs::read_to_string(record).ok()?;
    let status = text.strip_prefix(&key.lines())?.strip_prefix("status: ")?;
    if status.starts_with("error") {
        return None;
    }
    previous_scores(&dir.join("results.json"))
}

/// The per-exercise scores of an earlier results.json.
fn previous_scores(results: &Path) -> Option<BTreeMap<&'static str, u32>> {
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(results).ok()?).ok()?;
    let mut scores: BTreeMap<&'static str, u32> = EXERCISES.iter().map(|e| (*e, 0)).collect();
    for test in json["tests"].as_array()? {
        let exercise = test["extra_data"]["id"].as_str()?.split('.').next()?;
        let exercise = EXERCISES.iter().find(|e| **e == exercise)?;
        *scores.get_mut(exercise)? += test["score"].as_u64()? as u32;
    }
    Some(scores)
}

fn progress(rows: &[Row], total: usize, started: Instant) {
    let done = rows.len();
    let last = rows.last().expect("called after a row is added");
    let elapsed = started.elapsed().as_secs_f64();
    let left = elapsed / done as f64 * (total - done) as f64;
    eprintln!(
        "[{done}/{total}] {}: {}/100, {} ({elapsed:.0}s so far, about {left:.0}s left)",
        last.student,
        last.total(),
        last.status
    );
}

fn write_csv(path: &Path, rows: &[Row]) -> std::io::Result<()> {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(file, "student,ex1,ex2,ex3,ex4,total,status")?;
    for row in rows {
        let scores: Vec<String> = EXERCISES
            .iter()
            .map(|e| row.scores.get(e).copied().unwrap_or(0).to_string())
            .collect();
        let status = Clean::new(&row.status).replace('"', "'").replace('\n', " ");
        writeln!(
            file,
            "{},{},{},\"{}\"",
            csv_field(&row.student),
            scores.join(","),
            row.total(),
            status
        )?;
    }
    file.flush()
}

/// A student id as a CSV field: quoted when it holds a comma or a quote.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Problem;
    use crate::report::samples;

    fn row_of(outcomes: &[crate::events::TestOutcome]) -> Row {
        let mut row = Row::new("alice");
        samples::replay(outcomes, &mut row);
        row
    }

    #[test]
    fn a_grading_error_is_the_rows_status_and_no_grade() {
        let row = row_of(&samples::with_grading_error());
        assert_eq!(
            row.status,
            "error: ex1 peek_clamps_at_end: the check itself failed at grader/src/checks/ex1.rs:10: oops"
        );
        let row = row_of(&samples::one_of_each());
        assert_eq!(row.status, "graded");
        assert_eq!(
            (row.scores["ex1"], row.scores["ex2"], row.total()),
            (3, 3, 6)
        );
    }

    #[test]
    fn an_exercise_that_does_not_compile_is_named() {
        let mut row = Row::new("bob");
        let status = Status::from(Err(Problem::Fail("does not compile".into())));
        row.report(&Event::ExerciseNotBuilt {
            exercise: "ex2",
            status: &status,
        })
        .unwrap();
        samples::replay(&samples::one_of_each()[..1], &mut row);
        assert_eq!(row.status, "graded; ex2 did not build");
    }
}
