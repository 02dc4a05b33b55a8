//! `grader batch DIR`: grades a whole class, one submission (tarball or directory) per student,
//! several at a time. Writes a CSV gradebook and, per student, a text report and results.json.
//! A submission graded before with the same files (same hash) is not graded again.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::compile::kit_root;
use crate::fixtures::run_seed;
use crate::grade::{Outcome, grade_exercises, next};
use crate::report::{json, terminal::Terminal};
use crate::rubric::EXERCISES;
use crate::submission::Submission;

pub struct Options {
    pub dir: PathBuf,
    pub jobs: usize,
    pub csv: Option<PathBuf>,
    pub out: PathBuf,
}

/// One line of the gradebook.
struct Row {
    student: String,
    scores: BTreeMap<&'static str, u32>,
    status: String,
}

impl Row {
    fn total(&self) -> u32 {
        self.scores.values().sum()
    }
}

/// Grades every submission in `options.dir`; returns how many could not be graded at all.
pub fn run(options: &Options) -> Result<usize, String> {
    let mut submissions: Vec<(String, PathBuf)> = std::fs::read_dir(&options.dir)
        .map_err(|e| format!("cannot read {}: {e}", options.dir.display()))?
        .filter_map(Result::ok)
        .filter_map(|e| Some((student_id(&e.file_name().to_string_lossy())?, e.path())))
        .collect();
    submissions.sort();
    std::fs::create_dir_all(&options.out)
        .map_err(|e| format!("cannot create {}: {e}", options.out.display()))?;
    let target = kit_root().join("target").join("submissions");
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
                    let row = grade_one(&student, &path, &options.out, &target, seed);
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
    Some(id.to_owned())
}

fn grade_one(student: &str, path: &Path, out: &Path, target: &Path, seed: u64) -> Row {
    let dir = out.join(student);
    let mut row = Row {
        student: student.to_owned(),
        scores: BTreeMap::new(),
        status: String::new(),
    };
    let submission = match Submission::import(path) {
        Ok(submission) => submission,
        Err(why) => {
            row.status = format!("error: {why}");
            let _ = std::fs::create_dir_all(&dir)
                .and_then(|()| std::fs::write(dir.join("report.txt"), format!("{why}\n")));
            return row;
        }
    };
    // Already graded with the same files: keep that grade.
    let hash_file = dir.join("hash");
    if std::fs::read_to_string(&hash_file).is_ok_and(|h| h.trim() == submission.hash)
        && let Some(scores) = previous_scores(&dir.join("results.json"))
    {
        row.scores = scores;
        row.status = "unchanged since last graded".into();
        return row;
    }
    let started = Instant::now();
    let bin_dir = dir.join("bin");
    let programs: BTreeMap<_, _> = submission
        .build(target, &bin_dir)
        .into_iter()
        .map(|(exercise, program)| (exercise, program.map_err(|e| e.to_string())))
        .collect();
    let mut text = ignored_section(&submission);
    let outcomes = grade_exercises(
        &EXERCISES,
        &programs,
        seed,
        1,
        &Terminal::plain(),
        &mut |line| text.push_str(&line),
    );
    text.push_str(&Terminal::plain().score(&outcomes, 100));
    for o in &outcomes {
        *row.scores.entry(o.test.exercise).or_default() += o.score();
    }
    let broken: Vec<&str> = programs
        .iter()
        .filter(|(_, p)| p.is_err())
        .map(|(e, _)| *e)
        .collect();
    row.status = if broken.is_empty() {
        "graded".into()
    } else {
        format!("graded; {} did not build", broken.join(", "))
    };
    if let Err(e) = save(&dir, &text, &outcomes, started.elapsed(), &submission.hash) {
        row.status = format!("error: cannot save the report: {e}");
    }
    let _ = std::fs::remove_dir_all(&bin_dir);
    row
}

fn ignored_section(submission: &Submission) -> String {
    let mut text = format!("student files graded: {}\n", submission.taken.len());
    if !submission.ignored.is_empty() {
        text.push_str("ignored (only exercises/ex1..ex4/src/ is graded):\n");
        for (path, why) in &submission.ignored {
            text.push_str(&format!("    {}: {why}\n", path.display()));
        }
    }
    text
}

fn save(
    dir: &Path,
    text: &str,
    outcomes: &[Outcome],
    elapsed: Duration,
    hash: &str,
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("report.txt"), text)?;
    json::write(&dir.join("results.json"), outcomes, elapsed)?;
    std::fs::write(dir.join("hash"), format!("{hash}\n"))
}

/// The per-exercise scores of an earlier results.json.
fn previous_scores(results: &Path) -> Option<BTreeMap<&'static str, u32>> {
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(results).ok()?).ok()?;
    let mut scores: BTreeMap<&'static str, u32> = EXERCISES.iter().map(|e| (*e, 0)).collect();
    for test in json["tests"].as_array()? {
        let exercise = test["number"].as_str()?.split('.').next()?;
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
        let status = row.status.replace('"', "'").replace('\n', " ");
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
