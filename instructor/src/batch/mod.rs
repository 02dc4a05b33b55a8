//! `instructor batch DIR`: grades a whole class, one submission (tarball or directory) per student,
//! several at a time. Writes a CSV gradebook (grades.csv), a line per student and test
//! (tests.csv), each student's seed (seeds.csv), the class report (class.html, with the
//! similarity of submissions, also in similar.csv) and, per student, a text report, results.json
//! and their tests (outcomes.csv). A submission graded before, with the same files, by the same
//! grader and rubric, and without a grading error, is not graded again, unless `--only` names it;
//! `--only` grades only the students it names, the others keeping their last grade.
//!
//! A batch loses nothing when the grader dies (SIGKILL, the OOM killer, a power cut): each
//! student's files are written as soon as they are graded, each atomically (a file beside it,
//! synced, then renamed over it), the record of what the grade was made from last, so that a
//! record is never there without the grade it names. The batch writes `unfinished-batch.txt` in
//! `--out` when it starts (its seed, and an id its students' records name) and removes it once
//! the gradebook is written: the same command run again resumes that batch, with its seed, and
//! grades only the students it had not graded yet. The gradebook it ends with is the one an
//! uninterrupted batch would have written (the students graded before the interruption are
//! "graded" in it, not "unchanged").

pub mod class_html;
pub mod gradebook;
pub mod similar;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use crate::csv;
use gradebook::{Class, Kept, Student};
use grader::check_api::run_seed;
use grader::clean::Clean;
use grader::grade::{Plan, built, grade, next};
use grader::report::{json::Gradescope, terminal::Terminal};
use grader::rubric::{RUBRIC, fingerprint, total_points};
use grader::submission::{Found, Submission, sha256_lines};

pub struct Options {
    pub dir: PathBuf,
    pub jobs: usize,
    pub csv: Option<PathBuf>,
    pub out: PathBuf,
    /// Grade only these students (again, even if unchanged); the others keep their last grade.
    pub only: Vec<String>,
    /// The seed of every student's run (default: `GRADER_SEED`, or a fresh one).
    pub seed: Option<u64>,
    /// Pairs of submissions at least this similar (percent) are listed in class.html.
    pub threshold: f64,
}

/// Grades every submission in `options.dir`, each in a copy of the kit at `kit`; returns how many
/// could not be graded at all.
pub fn run(kit: &Path, options: &Options) -> Result<usize, String> {
    let submissions = grader::submission::of_class(&options.dir)?;
    for name in &options.only {
        if !submissions.iter().any(|(student, _)| student == name) {
            return Err(format!(
                "--only {name}: no submission of that name in {}",
                options.dir.display()
            ));
        }
    }
    // Absolute: the programs built are run from their student's folder under it, by path.
    let out = std::path::absolute(&options.out)
        .map_err(|e| format!("cannot use {}: {e}", options.out.display()))?;
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let (to_grade, kept): (Vec<_>, Vec<_>) = submissions
        .iter()
        .cloned()
        .partition(|(student, _)| options.only.is_empty() || options.only.contains(student));
    let mut students = kept_students(&kept, &out);
    let target = kit.join("target").join("submissions");
    let batch = Batch::start(&out, options)?;
    let seed = batch.seed;
    let total = to_grade.len();
    let started = Instant::now();
    let queue = Mutex::new(to_grade.into_iter());
    let graded = Mutex::new(Vec::new());
    // Students graded side by side must not be able to fail each other's programs.
    let jobs = if grader::runner::runs_share_a_process_limit() && options.jobs > 1 {
        eprintln!(
            "one submission at a time, not {}: the grader runs every program as its own user, \
             without a cgroup to bound each run's processes, so a fork storm in one student's \
             program would fail another's forks (run as root, or with a delegated cgroup, to \
             grade several at a time)",
            options.jobs
        );
        1
    } else {
        options.jobs.max(1)
    };
    eprintln!(
        "grading {total} submissions, {jobs} at a time (seed {seed}: --seed {seed} repeats it)"
    );
    // A student named with --only is graded again even if unchanged.
    let regrade = !options.only.is_empty();
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| {
                while let Some((student, path)) = next(&queue) {
                    let one = Grading {
                        kit,
                        out: &out,
                        target: &target,
                        batch: &batch,
                        regrade,
                    };
                    let student = one.grade(&student, &path);
                    let mut graded = graded.lock().unwrap_or_else(|e| e.into_inner());
                    graded.push(student);
                    progress(&graded, total, started);
                }
            });
        }
    });
    students.extend(graded.into_inner().unwrap_or_else(|e| e.into_inner()));
    students.sort_by(|a, b| a.name.cmp(&b.name));
    let csv = options
        .csv
        .clone()
        .unwrap_or_else(|| out.join("grades.csv"));
    let tests = csv.with_file_name("tests.csv");
    let seeds = csv.with_file_name("seeds.csv");
    for (path, text) in [
        (&csv, gradebook::grades_csv(&students)),
        (&tests, gradebook::tests_csv(&students)),
        (&seeds, seeds_csv(&students)),
    ] {
        write_atomically(path, text.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    let class = Class::of(&students);
    let similar = similar::compare_dir(kit, &options.dir, options.jobs, options.threshold)
        .and_then(|found| {
            let path = csv.with_file_name("similar.csv");
            write_atomically(&path, similar::csv(&found).as_bytes())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            Ok(similar::html::section(&found))
        })
        .unwrap_or_else(|why| {
            format!(
                "<h2 id=\"similarity\">Similarity</h2>\n<p>not checked: {}</p>\n",
                class_html::escape(&why)
            )
        });
    let page = out.join("class.html");
    write_atomically(&page, class_html::page(&class, Some(&similar)).as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", page.display()))?;
    batch.finish()?;
    eprint!("{}", class.terminal_summary(HARDEST_SHOWN));
    eprintln!(
        "gradebook: {} (and tests.csv, seeds.csv, similar.csv; class report: {}) ({} students, \
         {:.0}s)",
        csv.display(),
        page.display(),
        students.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(students.iter().filter(|s| s.error.is_some()).count())
}

/// How many of the hardest tests the terminal summary names.
const HARDEST_SHOWN: usize = 5;

/// The students that `--only` leaves out, as their last grading left them; one never graded is
/// named and left out of the gradebook.
fn kept_students(kept: &[(String, Found)], out: &Path) -> Vec<Student> {
    kept.iter()
        .filter_map(|(name, _)| {
            let student = last_grading(&out.join(name), name);
            if student.is_none() {
                eprintln!("{name}: not graded yet, and not named by --only: left out");
            }
            student.map(|s| Student {
                kept: Some(Kept::NotNamed),
                ..s
            })
        })
        .collect()
}

/// seeds.csv: the seed of each student's grading (the same for a whole batch; a student graded
/// again with --only may have another), which `GRADER_SEED` or `--seed` repeats.
fn seeds_csv(students: &[Student]) -> String {
    let mut text = csv::sheet_record(&["student", "seed"]);
    for s in students {
        let seed = s.tests.iter().find_map(|t| t.seed);
        text.push_str(&csv::sheet_record(&[
            s.name.clone(),
            seed.map(|s| s.to_string()).unwrap_or_default(),
        ]));
    }
    text
}

/// What a batch command is, in `unfinished-batch.txt`: run again the same, it resumes the batch.
const UNFINISHED: &str = "unfinished-batch.txt";

/// One batch: its seed, and the id that its students' records name, from its start to its
/// gradebook. An interrupted one is resumed by the next run of the same command (see `start`).
struct Batch {
    /// `out`'s `unfinished-batch.txt`, removed when the batch is over.
    journal: PathBuf,
    id: String,
    seed: u64,
    /// What grades students the same way: the class, `--only`.
    command: String,
}

impl Batch {
    /// Resumes the batch that the same command left unfinished in `out`, if there is one and no
    /// other seed is asked for (`--seed`, `GRADER_SEED`); otherwise starts a new one, with the
    /// seed asked for or a fresh one.
    fn start(out: &Path, options: &Options) -> Result<Batch, String> {
        let journal = out.join(UNFINISHED);
        let class = std::path::absolute(&options.dir).unwrap_or_else(|_| options.dir.clone());
        let command = format!(
            "class: {}\nonly: {}\n",
            class.display(),
            options.only.join(" ")
        );
        let asked = options
            .seed
            .or_else(|| std::env::var_os("GRADER_SEED").map(|_| run_seed()));
        let unfinished = std::fs::read_to_string(&journal)
            .ok()
            .and_then(|text| Batch::read(&text, &journal))
            .filter(|b| b.command == command && asked.is_none_or(|seed| seed == b.seed));
        if let Some(batch) = unfinished {
            eprintln!(
                "resuming the unfinished batch in {} (seed {}): its students already graded are \
                 not graded again",
                out.display(),
                batch.seed
            );
            return Ok(batch);
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let batch = Batch {
            journal,
            id: format!("{}-{}", std::process::id(), now.as_nanos()),
            seed: asked.unwrap_or_else(run_seed),
            command,
        };
        write_atomically(&batch.journal, batch.text().as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", batch.journal.display()))?;
        Ok(batch)
    }

    fn text(&self) -> String {
        format!("batch: {}\nseed: {}\n{}", self.id, self.seed, self.command)
    }

    fn read(text: &str, journal: &Path) -> Option<Batch> {
        let (first, rest) = text.split_once('\n')?;
        let (second, command) = rest.split_once('\n')?;
        Some(Batch {
            journal: journal.to_owned(),
            id: first.strip_prefix("batch: ")?.to_owned(),
            seed: second.strip_prefix("seed: ")?.parse().ok()?,
            command: command.to_owned(),
        })
    }

    /// The gradebook is written: a run of the same command is a new batch.
    fn finish(&self) -> Result<(), String> {
        std::fs::remove_file(&self.journal)
            .map_err(|e| format!("cannot remove {}: {e}", self.journal.display()))
    }
}

/// Writes `contents` to `path` so that `path` is, even if the grader dies meanwhile or the
/// machine loses power, either as it was or all of `contents`: into a file beside it, synced to
/// the disk, renamed over it, and the folder synced.
fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let folder = path.parent().unwrap_or(Path::new("."));
    let mut file = tempfile::Builder::new()
        .prefix(".writing-")
        .tempfile_in(folder)?;
    file.write_all(contents)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    std::fs::File::open(folder)?.sync_all()
}

/// What grading one student needs to know of the batch.
struct Grading<'a> {
    kit: &'a Path,
    out: &'a Path,
    target: &'a Path,
    batch: &'a Batch,
    /// Graded even if the same submission was graded before (`--only`).
    regrade: bool,
}

impl Grading<'_> {
    fn grade(&self, name: &str, found: &Found) -> Student {
        let dir = self.out.join(name);
        let mut student = Student::new(name);
        let imported = found
            .as_ref()
            .map_err(String::clone)
            .and_then(|path| Submission::import(path, self.kit));
        let submission = match imported {
            Ok(submission) => submission,
            Err(why) => {
                let why = Clean::new(&why);
                student.error = Some(why.to_string());
                let _ = std::fs::create_dir_all(&dir).and_then(|()| {
                    write_atomically(&dir.join("report.txt"), format!("{why}\n").as_bytes())
                });
                return student;
            }
        };
        let key = Key::of(&submission);
        let record = dir.join(RECORD);
        if let Some((mut kept, batch)) = key.as_ref().and_then(|key| keep(&record, key, &dir, name))
        {
            // Graded in this very batch before it was interrupted: graded, as if it had not been.
            if batch.as_deref() == Some(self.batch.id.as_str()) {
                return kept;
            }
            if !self.regrade {
                kept.kept = Some(Kept::Unchanged);
                return kept;
            }
        }
        // Graded anew: until this grading is recorded, no earlier one counts.
        let _ = std::fs::remove_file(&record);
        if let Err(e) = std::fs::create_dir_all(&dir) {
            student.error = Some(format!("cannot create {}: {e}", dir.display()));
            return student;
        }
        let bin_dir = dir.join("bin");
        let plan = Plan {
            tests: &RUBRIC.iter().collect::<Vec<_>>(),
            seed: self.batch.seed,
            jobs: 1,
            submission: Some(&submission),
        };
        let build = || {
            let programs = submission.build(self.target, &bin_dir);
            programs.into_iter().map(|(e, p)| (e, built(p))).collect()
        };
        let mut text = Terminal::plain(Vec::new());
        // Written beside, then moved in place atomically with the rest (see `save_reports`).
        let written_json = dir.join(format!(".{RESULTS}.new"));
        let mut results = Gradescope::new(&written_json);
        let graded = grade(&plan, build, &mut [&mut text, &mut results, &mut student]);
        let _ = std::fs::remove_dir_all(&bin_dir);
        let saved = match graded.report_errors.first() {
            Some(e) => Err(e.clone()),
            None => save_reports(&dir, &written_json, &text.into_inner(), &student)
                .map_err(|e| e.to_string()),
        };
        if let Err(e) = saved {
            student.error = Some(format!("cannot save the report: {e}"));
        }
        // Last: the record says the files above are this grading's.
        if let Some(key) = key
            && let Err(e) = write_atomically(
                &record,
                key.record(&student.status(), &self.batch.id).as_bytes(),
            )
        {
            student.error = Some(format!("cannot save {}: {e}", record.display()));
        }
        student
    }
}

/// Each student's Gradescope results, beside their report.
const RESULTS: &str = "results.json";

/// Puts a student's reports in place, each atomically: results.json (as Gradescope's reporter
/// wrote it at `written_json`, or none if it wrote none: a grading error is no grade), the text
/// report, and their tests.
fn save_reports(
    dir: &Path,
    written_json: &Path,
    report: &[u8],
    student: &Student,
) -> std::io::Result<()> {
    let json = dir.join(RESULTS);
    match std::fs::File::open(written_json) {
        Ok(file) => {
            file.sync_all()?;
            std::fs::rename(written_json, &json)?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Err(e) = std::fs::remove_file(&json)
                && e.kind() != std::io::ErrorKind::NotFound
            {
                return Err(e);
            }
        }
        Err(e) => return Err(e),
    }
    write_atomically(&dir.join("report.txt"), report)?;
    write_atomically(&dir.join(TESTS), student.record().as_bytes())
}

/// Each student's tests, typed, beside their report: what a kept grade is read back from.
const TESTS: &str = "outcomes.csv";

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

    /// The record of a grading with this key: the key's lines, the row's status, and the batch
    /// that graded it.
    fn record(&self, status: &str, batch: &str) -> String {
        format!(
            "{}status: {}\nbatch: {batch}\n",
            self.lines(),
            status.replace('\n', " ")
        )
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

/// The last grading in `dir`, if it was made with `key` and had no error, and the batch that
/// made it (`None` for a record older than batch ids).
fn keep(record: &Path, key: &Key, dir: &Path, name: &str) -> Option<(Student, Option<String>)> {
    let text = std::fs::read_to_string(record).ok()?;
    let status = text.strip_prefix(&key.lines())?.strip_prefix("status: ")?;
    if status.starts_with("error") {
        return None;
    }
    let batch = text
        .lines()
        .find_map(|l| l.strip_prefix("batch: "))
        .map(str::to_owned);
    Some((last_grading(dir, name)?, batch))
}

/// The student as their last grading in `dir` left them, whatever it was made with: its tests,
/// and its error if it had one.
fn last_grading(dir: &Path, name: &str) -> Option<Student> {
    let mut student = Student::from_record(name, &std::fs::read_to_string(dir.join(TESTS)).ok()?)?;
    let record = std::fs::read_to_string(dir.join(RECORD)).unwrap_or_default();
    student.error = record
        .lines()
        .find_map(|l| l.strip_prefix("status: error: "))
        .map(str::to_owned);
    Some(student)
}

fn progress(graded: &[Student], total: usize, started: Instant) {
    let done = graded.len();
    let last = graded.last().expect("called after a student is added");
    let elapsed = started.elapsed().as_secs_f64();
    let left = elapsed / done as f64 * (total - done) as f64;
    eprintln!(
        "[{done}/{total}] {}: {}/{}, {} ({elapsed:.0}s so far, about {left:.0}s left)",
        last.name,
        last.total(),
        total_points(),
        last.status()
    );
}
