//! A class's results, as `instructor batch` collects them: one `Student` per submission, filled in
//! from the events of its grading (it is a reporter), and the class's figures computed from those
//! typed results (`Class`): score distributions, each test's pass share and most frequent failure
//! reasons. The gradebook, tests.csv, the terminal summary and class.html are made from these,
//! never from a report's text.

use std::collections::BTreeMap;

use crate::csv;
use grader::clean::Clean;
use grader::events::{Event, Reporter, Status};
use grader::rubric::{EXERCISES, RUBRIC, Test};

/// How tests.csv and a student's record name a test's status.
pub fn status_name(status: &Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Fail { .. } => "fail",
        Status::NotRun { .. } => "not run",
        Status::GraderError { .. } => "grading error",
    }
}

/// The status that `status_name` names `name`, with `reason` (a pass has none).
fn status_named(name: &str, reason: Clean) -> Option<Status> {
    let reason = || reason.clone();
    [
        Status::Pass,
        Status::Fail { reason: reason() },
        Status::NotRun { reason: reason() },
        Status::GraderError { reason: reason() },
    ]
    .into_iter()
    .find(|status| status_name(status) == name)
}

/// One test of one student.
#[derive(Clone, Debug)]
pub struct TestResult {
    pub test: &'static Test,
    /// How it ended; the reason is only its first line.
    pub status: Status,
    pub points: u32,
    pub max: u32,
    /// The seed that repeats its inputs; `None` when it did not run (its program was not built).
    pub seed: Option<u64>,
    /// A program it ran ran out of time.
    pub timed_out: bool,
}

impl TestResult {
    /// The first line of why it did not pass (empty when it passed).
    pub fn reason(&self) -> &str {
        self.status.reason().map_or("", |r| r.as_str())
    }
}

/// `ex3.copies_exactly`: a test's name in tests.csv and in a student's record.
pub fn test_id(test: &Test) -> String {
    format!("{}.{}", test.exercise, test.name)
}

fn test_named(id: &str) -> Option<&'static Test> {
    RUBRIC.iter().find(|t| test_id(t) == id)
}

/// One line of the gradebook, and what the class report knows of the student.
#[derive(Clone, Debug, Default)]
pub struct Student {
    pub name: String,
    pub scores: BTreeMap<&'static str, u32>,
    /// In rubric order; empty when the submission could not be graded at all.
    pub tests: Vec<TestResult>,
    /// The exercises that did not compile.
    pub not_built: Vec<&'static str>,
    /// Why this is not a grade: the first grading error (`ex3 as_fast_as_cp: the grader's cp
    /// failed ...`), or a submission that could not be read, or a report that could not be saved.
    pub error: Option<String>,
    /// Not graded in this batch: the grade of an earlier one is kept, and why.
    pub kept: Option<Kept>,
}

/// Why a student's last grade is kept instead of graded again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kept {
    /// It was made from the same files, by the same grader and rubric.
    Unchanged,
    /// `--only` named other students.
    NotNamed,
}

impl Student {
    pub fn new(name: &str) -> Student {
        Student {
            name: name.to_owned(),
            ..Student::default()
        }
    }

    pub fn total(&self) -> u32 {
        self.scores.values().sum()
    }

    /// The tests it failed in which a program ran out of time.
    pub fn timed_out(&self) -> Vec<&'static Test> {
        self.tests
            .iter()
            .filter(|t| matches!(t.status, Status::Fail { .. }) && t.timed_out)
            .map(|t| t.test)
            .collect()
    }

    /// The gradebook's status column.
    pub fn status(&self) -> String {
        match (&self.error, self.kept, self.not_built.is_empty()) {
            (Some(error), ..) => format!("error: {error}"),
            (None, Some(Kept::Unchanged), _) => "unchanged since last graded".into(),
            (None, Some(Kept::NotNamed), _) => {
                "kept from the last grading (not named by --only)".into()
            }
            (None, None, true) => "graded".into(),
            (None, None, false) => format!("graded; {} did not build", self.not_built.join(", ")),
        }
    }

    /// The student's tests as a CSV record of their own (kept beside their report, and read
    /// back when the grade is kept): everything the class report needs, typed.
    pub fn record(&self) -> String {
        let mut text = csv::record(&RECORD_HEADER);
        for t in &self.tests {
            text.push_str(&csv::record(&[
                test_id(t.test),
                t.points.to_string(),
                t.max.to_string(),
                status_name(&t.status).to_owned(),
                t.seed.map(|s| s.to_string()).unwrap_or_default(),
                yes_no(!self.not_built.contains(&t.test.exercise)),
                yes_no(t.timed_out),
                t.reason().to_owned(),
            ]));
        }
        text
    }

    /// The student of an earlier grading, from its record; `None` if the record is not one this
    /// grader wrote.
    pub fn from_record(name: &str, text: &str) -> Option<Student> {
        let mut student = Student::new(name);
        student.scores = EXERCISES.iter().map(|e| (*e, 0)).collect();
        for fields in csv::parse_with_header(text, &RECORD_HEADER).ok()? {
            let field = |i: usize| fields[i].1.as_str();
            let test = test_named(field(0))?;
            let result = TestResult {
                test,
                points: field(1).parse().ok()?,
                max: field(2).parse().ok()?,
                status: status_named(field(3), Clean::line(field(7)))?,
                seed: if field(4).is_empty() {
                    None
                } else {
                    Some(field(4).parse().ok()?)
                },
                timed_out: field(6) == "yes",
            };
            *student.scores.get_mut(test.exercise)? += result.points;
            if field(5) == "no" && !student.not_built.contains(&test.exercise) {
                student.not_built.push(test.exercise);
            }
            student.tests.push(result);
        }
        Some(student)
    }
}

/// Whether two references name the same rubric test. (Not by address: `RUBRIC` is a constant,
/// which each use may place anew.)
fn same_test(a: &Test, b: &Test) -> bool {
    (a.exercise, a.name) == (b.exercise, b.name)
}

/// The same result: the same rubric test, ended the same way.
impl PartialEq for TestResult {
    fn eq(&self, other: &TestResult) -> bool {
        same_test(self.test, other.test)
            && (&self.status, self.points, self.max, self.seed)
                == (&other.status, other.points, other.max, other.seed)
    }
}

const RECORD_HEADER: [&str; 8] = [
    "test",
    "points",
    "max",
    "status",
    "seed",
    "built",
    "timed out",
    "reason",
];

/// A flag in a record.
fn yes_no(flag: bool) -> String {
    if flag { "yes" } else { "no" }.to_owned()
}

impl Reporter for Student {
    fn report(&mut self, event: &Event<'_>) -> Result<(), String> {
        match event {
            Event::ExerciseNotBuilt {
                exercise,
                status: Status::Fail { .. },
            } => self.not_built.push(exercise),
            Event::TestFinished(o) => {
                let first = o
                    .reason()
                    .and_then(|r| r.lines().next())
                    .unwrap_or_default();
                let status = status_named(status_name(&o.status), Clean::line(first))
                    .expect("every status has a name");
                if let (Status::GraderError { .. }, None) = (&o.status, &self.error) {
                    self.error = Some(format!("{} {}: {first}", o.test.exercise, o.test.name));
                }
                let score = o.score();
                self.tests.push(TestResult {
                    test: o.test,
                    status,
                    points: score.got,
                    max: score.max,
                    seed: o.seed,
                    timed_out: o.timed_out,
                });
            }
            Event::ExerciseFinished {
                exercise, score, ..
            } => {
                self.scores.insert(exercise, score.got);
            }
            _ => {}
        }
        Ok(())
    }
}

/// tests.csv: a line per student and test, for the instructor's own analysis.
pub fn tests_csv(students: &[Student]) -> String {
    let mut text = csv::sheet_record(&["student", "test", "points", "max", "status"]);
    for s in students {
        for t in &s.tests {
            text.push_str(&csv::sheet_record(&[
                s.name.clone(),
                test_id(t.test),
                t.points.to_string(),
                t.max.to_string(),
                status_name(&t.status).to_owned(),
            ]));
        }
    }
    text
}

/// grades.csv: a line per student, its format unchanged since the first batch.
pub fn grades_csv(students: &[Student]) -> String {
    let mut header = vec!["student"];
    header.extend(EXERCISES.iter().copied());
    header.extend(["total", "status"]);
    let mut text = csv::sheet_record(&header);
    for s in students {
        let mut fields = vec![s.name.clone()];
        fields.extend(
            EXERCISES
                .iter()
                .map(|e| s.scores.get(e).copied().unwrap_or(0).to_string()),
        );
        fields.push(s.total().to_string());
        fields.push(Clean::new(&s.status()).to_string());
        text.push_str(&csv::sheet_record(&fields));
    }
    text
}

/// How one rubric test went across the class.
#[derive(Debug)]
pub struct TestFigures {
    pub test: &'static Test,
    /// The students whose program it judged (passed or failed).
    pub judged: usize,
    pub passed: usize,
    /// The most frequent first lines of the failures, most frequent first, with their counts.
    pub reasons: Vec<(String, usize)>,
}

impl TestFigures {
    /// The share of the judged students who passed; `None` if it judged nobody.
    pub fn pass_share(&self) -> Option<f64> {
        (self.judged > 0).then(|| self.passed as f64 / self.judged as f64)
    }
}

/// The class at a glance.
pub struct Class<'a> {
    pub students: &'a [Student],
    /// The students with a grade (no error).
    pub graded: Vec<&'a Student>,
    /// Every rubric test, hardest first (lowest pass share; tests that judged nobody last).
    pub tests: Vec<TestFigures>,
    /// The rubric graded: its exercises and points are the class report's columns and maxima.
    pub rubric: &'static [Test],
}

/// How many failure reasons are shown per test.
pub const REASONS_SHOWN: usize = 3;

impl Class<'_> {
    /// The class graded on the kit's rubric.
    pub fn of(students: &[Student]) -> Class<'_> {
        Class::graded_on(students, &RUBRIC)
    }

    /// The class graded on `rubric`.
    pub fn graded_on<'a>(students: &'a [Student], rubric: &'static [Test]) -> Class<'a> {
        let graded: Vec<&Student> = students.iter().filter(|s| s.error.is_none()).collect();
        let mut tests: Vec<TestFigures> = rubric
            .iter()
            .map(|test| {
                let results = graded
                    .iter()
                    .flat_map(|s| &s.tests)
                    .filter(|t| same_test(t.test, test));
                let mut figures = TestFigures {
                    test,
                    judged: 0,
                    passed: 0,
                    reasons: Vec::new(),
                };
                let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
                for t in results {
                    match t.status {
                        Status::Pass => figures.passed += 1,
                        Status::Fail { .. } => *reasons.entry(t.reason()).or_default() += 1,
                        Status::NotRun { .. } | Status::GraderError { .. } => continue,
                    }
                    figures.judged += 1;
                }
                let mut reasons: Vec<(String, usize)> = reasons
                    .into_iter()
                    .map(|(r, n)| (r.to_owned(), n))
                    .collect();
                reasons.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                reasons.truncate(REASONS_SHOWN);
                figures.reasons = reasons;
                figures
            })
            .collect();
        // Stable: among tests of the same share, rubric order.
        tests.sort_by(|a, b| {
            let share = |t: &TestFigures| t.pass_share().unwrap_or(f64::INFINITY);
            share(a).total_cmp(&share(b))
        });
        Class {
            students,
            graded,
            tests,
            rubric,
        }
    }

    /// The totals of the graded students, lowest first.
    pub fn totals(&self) -> Vec<u32> {
        let mut totals: Vec<u32> = self.graded.iter().map(|s| s.total()).collect();
        totals.sort_unstable();
        totals
    }

    /// One exercise's scores of the graded students.
    pub fn scores_of(&self, exercise: &str) -> Vec<u32> {
        self.graded
            .iter()
            .map(|s| s.scores.get(exercise).copied().unwrap_or(0))
            .collect()
    }

    /// Mean, median, lowest and highest total, if anyone was graded.
    pub fn summary(&self) -> Option<Summary> {
        let totals = self.totals();
        let n = totals.len();
        if n == 0 {
            return None;
        }
        let median = if n % 2 == 1 {
            f64::from(totals[n / 2])
        } else {
            f64::from(totals[n / 2 - 1] + totals[n / 2]) / 2.0
        };
        Some(Summary {
            mean: totals.iter().map(|&t| f64::from(t)).sum::<f64>() / n as f64,
            median,
            min: totals[0],
            max: totals[n - 1],
        })
    }

    /// The short summary printed at the end of a batch.
    pub fn terminal_summary(&self, hardest: usize) -> String {
        let Some(s) = self.summary() else {
            return "no student could be graded\n".into();
        };
        let mut text = format!(
            "class of {} graded: mean {:.1}, median {:.1}, min {}, max {}\n",
            self.graded.len(),
            s.mean,
            s.median,
            s.min,
            s.max
        );
        if self.graded.len() < self.students.len() {
            text.push_str(&format!(
                "{} not graded (an error; see grades.csv)\n",
                self.students.len() - self.graded.len()
            ));
        }
        text.push_str("hardest tests:\n");
        for t in self.tests.iter().take(hardest) {
            let Some(share) = t.pass_share() else { break };
            text.push_str(&format!(
                "  {:>3.0}% passed  {}\n",
                share * 100.0,
                test_id(t.test)
            ));
        }
        text
    }
}

pub struct Summary {
    pub mean: f64,
    pub median: f64,
    pub min: u32,
    pub max: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use grader::events::TestOutcome;
    use grader::outcome::Problem;
    use grader::outcome::Verdict;
    use grader::report::samples;

    fn student(name: &str, outcomes: &[TestOutcome]) -> Student {
        let mut student = Student::new(name);
        samples::replay(outcomes, &mut student);
        student
    }

    /// The kit's own first two rubric tests, whichever they are: a record is read back, and the
    /// class figured, against the kit's rubric (the other tests use the reporters' own).
    fn live() -> [&'static Test; 2] {
        [&RUBRIC[0], &RUBRIC[1]]
    }

    /// The first of `live()` ended with `first`, the second passed.
    fn live_outcomes(first: Verdict) -> Vec<TestOutcome> {
        let outcome = |test, verdict| {
            TestOutcome::new(test, verdict, &[], Some(42), std::time::Duration::ZERO)
        };
        let [a, b] = live();
        vec![outcome(a, first), outcome(b, Ok(()))]
    }

    fn failing(reason: &str) -> Vec<TestOutcome> {
        live_outcomes(Err(Problem::Fail(format!("{reason}\nmore"))))
    }

    #[test]
    fn a_grading_error_is_the_status_and_no_grade() {
        let s = student("alice", &samples::with_grading_error());
        assert_eq!(
            s.status(),
            "error: fx1 stops_at_nul: the check itself failed at grader/src/checks/fx1.rs:10: oops"
        );
        let s = student("alice", &samples::one_of_each());
        assert_eq!(s.status(), "graded");
        assert_eq!((s.scores["fx1"], s.scores["fx2"], s.total()), (4, 3, 7));
    }

    #[test]
    fn an_exercise_that_does_not_compile_is_named() {
        let mut s = Student::new("bob");
        let status = Status::from(Err(Problem::Fail("does not compile".into())));
        s.report(&Event::ExerciseNotBuilt {
            exercise: "fx2",
            status: &status,
        })
        .unwrap();
        samples::replay(&samples::one_of_each()[..1], &mut s);
        assert_eq!(s.status(), "graded; fx2 did not build");
    }

    #[test]
    fn a_record_reads_back_as_the_same_student() {
        let [first, second] = live();
        let mut s = student("carol", &failing("crashed"));
        s.not_built.push(second.exercise);
        // Out of time in the test it failed, and in the one it passed (which is no concern).
        s.tests.iter_mut().for_each(|t| t.timed_out = true);
        let back = Student::from_record("carol", &s.record()).unwrap();
        assert_eq!(back.timed_out().len(), 1);
        assert_eq!(test_id(back.timed_out()[0]), test_id(first));
        assert_eq!(back.tests, s.tests);
        assert_eq!(
            back.scores.get(first.exercise),
            s.scores.get(first.exercise)
        );
        assert_eq!(back.total(), s.total());
        assert_eq!(back.not_built, [second.exercise]);
        assert!(Student::from_record("carol", "test,points\nex1.nope,1\n").is_none());
        // A test that is not in the rubric: the record is not one of this grader's.
        let wrong = s
            .record()
            .replace(&format!("{},", test_id(first)), "ex0.no_such_test,");
        assert_ne!(wrong, s.record());
        assert!(Student::from_record("carol", &wrong).is_none());
    }

    #[test]
    fn tests_are_ordered_hardest_first_with_their_most_frequent_reasons() {
        let students = [
            student("a", &failing("printed 2 bytes")),
            student("b", &failing("printed 2 bytes")),
            student("c", &failing("crashed")),
            student("d", &samples::with_grading_error()),
        ];
        let class = Class::of(&students);
        // d's grading errored: not in the figures.
        assert_eq!(class.graded.len(), 3);
        let [failed, passed] = live();
        let first = &class.tests[0];
        assert_eq!(test_id(first.test), test_id(failed));
        assert_eq!((first.passed, first.judged), (0, 3));
        assert_eq!(
            first.reasons,
            [("printed 2 bytes".to_owned(), 2), ("crashed".to_owned(), 1)]
        );
        assert_eq!(test_id(class.tests[1].test), test_id(passed));
        assert_eq!(class.tests[1].pass_share(), Some(1.0));
        // Tests nobody took come last.
        assert!(class.tests[2..].iter().all(|t| t.pass_share().is_none()));
        let summary = class.terminal_summary(5);
        // Each graded student won the points of the test passed, and only those.
        let p = passed.points;
        assert!(
            summary.contains(&format!("mean {p}.0, median {p}.0, min {p}, max {p}")),
            "{summary}"
        );
        assert!(summary.contains("1 not graded"), "{summary}");
        assert!(
            summary.ends_with(&format!(
                "hardest tests:\n    0% passed  {}\n  100% passed  {}\n",
                test_id(failed),
                test_id(passed)
            )),
            "{summary}"
        );
    }

    #[test]
    fn the_median_of_an_even_class_is_between_the_middle_two() {
        let mut students: Vec<Student> = (0..4).map(|i| Student::new(&i.to_string())).collect();
        for (s, total) in students.iter_mut().zip([10, 0, 40, 20]) {
            s.scores.insert("ex1", total);
        }
        let s = Class::of(&students).summary().unwrap();
        assert_eq!((s.mean, s.median, s.min, s.max), (17.5, 15.0, 0, 40));
        assert!(Class::of(&[]).summary().is_none());
    }

    #[test]
    fn csv_files_quote_what_needs_quoting() {
        let mut s = student("x,\"y\"", &samples::one_of_each());
        s.error = Some("line one\nline \"two\"".into());
        let grades = csv::parse(&grades_csv(std::slice::from_ref(&s))).unwrap();
        assert_eq!(grades[1][0], "x,\"y\"");
        // student, a column per exercise, total, status.
        let status = EXERCISES.len() + 2;
        assert_eq!(grades[0][status], "status");
        assert_eq!(grades[1][status], "error: line one\nline \"two\"");
        let tests = csv::parse(&tests_csv(&[s])).unwrap();
        assert_eq!(tests[0], ["student", "test", "points", "max", "status"]);
        assert_eq!(tests[2][1..], ["fx1.stops_at_nul", "0", "2", "fail"]);
        // A name a spreadsheet would run as a formula stays text there.
        let s = student("=HYPERLINK(\"http://x\")", &samples::one_of_each());
        let grades = csv::parse(&grades_csv(std::slice::from_ref(&s))).unwrap();
        assert_eq!(grades[1][0], "'=HYPERLINK(\"http://x\")");
        assert_eq!(csv::parse(&tests_csv(&[s])).unwrap()[1][0], grades[1][0]);
    }
}
