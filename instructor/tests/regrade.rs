//! `instructor batch` keeps a grade only while everything it was made from is unchanged: the
//! submission's files, the grader, and the rubric; and never a grade whose grading had an error.
//! One untouched submission (the stubs: quick to grade) is graded, then graded again after each
//! part of its record (`graded-with.txt`) is made to differ from what this grader would write.

mod support;

use std::path::Path;

/// Grades the class and returns the student's status in the gradebook.
fn status(class: &Path, out: &Path) -> String {
    let run = support::batch(class, out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    support::gradebook(&out.join("grades.csv"))["untouched"]["status"].clone()
}

/// A record's key and status, without the batch that made it (each run of `batch` is a batch of
/// its own once the one before finished).
fn key(record: &str) -> String {
    record
        .lines()
        .filter(|l| !l.starts_with("batch:"))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn a_grade_is_kept_only_under_the_same_key_and_without_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let class = dir.path().join("class");
    std::fs::create_dir_all(class.join("untouched")).unwrap();
    let out = dir.path().join("out");
    let record = out.join("untouched/graded-with.txt");

    assert_eq!(status(&class, &out), "graded");
    let graded_with = std::fs::read_to_string(&record).unwrap();
    let lines: Vec<&str> = graded_with.lines().collect();
    assert_eq!(
        lines
            .iter()
            .map(|l| l.split(':').next().unwrap())
            .collect::<Vec<_>>(),
        ["submission", "grader", "rubric", "status", "batch"],
        "{graded_with}"
    );
    assert_eq!(lines[3], "status: graded");
    // Nothing changed: the grade is kept.
    assert_eq!(status(&class, &out), "unchanged since last graded");

    // Graded by another grader, or under another rubric: graded again, and the record is new.
    for (i, what) in [(1, "grader"), (2, "rubric")] {
        let older = graded_with.replace(lines[i], &format!("{what}: something older"));
        std::fs::write(&record, older).unwrap();
        assert_eq!(status(&class, &out), "graded", "another {what}");
        assert_eq!(
            key(&std::fs::read_to_string(&record).unwrap()),
            key(&graded_with)
        );
    }

    // The same key, but that grading had an error (the grader's fault): graded again.
    let spoiled = graded_with.replace(
        "status: graded",
        "status: error: ex1 peek_range: the check itself failed",
    );
    std::fs::write(&record, spoiled).unwrap();
    assert_eq!(status(&class, &out), "graded", "a grading with an error");
    assert_eq!(
        key(&std::fs::read_to_string(&record).unwrap()),
        key(&graded_with)
    );
}
