//! Grading a whole class: a batch of submissions, among them a perfect one, an untouched one, one
//! that does not compile, a hand-in tarball, and every hostile submission of `hostile/`. Each gets
//! the grade it deserves, the batch goes on, nothing is left running, the grader is unchanged, no
//! program is left in the shared target directory, and a second run regrades nothing.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use grader::compile::{build_all, kit_root};

/// A secret in the grader's environment, which no submission's build may see.
const TOKEN: (&str, &str) = ("GITHUB_TOKEN", "a-secret-of-the-graders");

/// The rows of the gradebook, by student: the columns as text.
fn gradebook(csv: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let text = std::fs::read_to_string(csv).expect("the batch writes its gradebook");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        header,
        ["student", "ex1", "ex2", "ex3", "ex4", "total", "status"]
    );
    lines
        .map(|line| {
            let (numbers, status) = line.split_once(",\"").unwrap();
            let mut fields: Vec<String> = numbers.split(',').map(String::from).collect();
            fields.push(status.trim_end_matches('"').to_owned());
            let row = header
                .iter()
                .map(|h| h.to_string())
                .zip(fields)
                .collect::<BTreeMap<_, _>>();
            (row["student"].clone(), row)
        })
        .collect()
}

fn batch(class: &Path, out: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_grader"))
        .args(["batch"])
        .arg(class)
        .args(["--jobs", "2", "--out"])
        .arg(out)
        // Hostile programs run into the time limit again and again: a short one keeps the test quick.
        .env("GRADER_TIMEOUT", "3")
        // The same for the endless build, with room for the others on a busy machine.
        .env("GRADER_BUILD_TIMEOUT", "30")
        .env(TOKEN.0, TOKEN.1)
        .output()
        .expect("cannot run the grader")
}

/// Every file of the grader and the workspace manifest, with its contents.
fn grader_files() -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(dir: &Path, files: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            if entry.file_type().unwrap().is_dir() {
                walk(&entry.path(), files);
            } else {
                files.insert(entry.path(), std::fs::read(entry.path()).unwrap());
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(&kit_root().join("grader/src"), &mut files);
    files.insert(
        "Cargo.toml".into(),
        std::fs::read(kit_root().join("Cargo.toml")).unwrap(),
    );
    files
}

/// Processes started for a test that are still alive (they carry the runner's mark).
fn leftovers() -> Vec<String> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter(|e| {
            std::fs::read(e.path().join("environ")).is_ok_and(|env| {
                env.split(|&b| b == 0)
                    .any(|v| v.starts_with(b"MMAP_LAB_GRADER_RUN="))
            })
        })
        .map(|e| {
            std::fs::read_to_string(e.path().join("cmdline"))
                .unwrap_or_default()
                .replace('\0', " ")
        })
        .collect()
}

/// The files of the exercises' programs (students' or reference solutions') in the shared target
/// directory.
fn programs_in(target: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if ["ex1", "ex2", "ex3", "ex4"]
                .iter()
                .any(|e| name.starts_with(e))
            {
                found.push(entry.path());
            } else if entry.file_type().unwrap().is_dir() {
                walk(&entry.path(), found);
            }
        }
    }
    let mut found = Vec::new();
    walk(&target.join("release"), &mut found);
    found
}

#[test]
fn a_class_is_graded_fairly_and_safely() {
    let dir = tempfile::tempdir().unwrap();
    let class = dir.path().join("class");
    let perfect = class.join("perfect");
    support::perfect_submission(&perfect);
    std::fs::create_dir_all(class.join("untouched")).unwrap();
    let broken = class.join("broken");
    support::perfect_submission(&broken);
    let ex2 = broken.join("exercises/ex2/src/exercise.rs");
    let code = std::fs::read_to_string(&ex2).unwrap() + "\nfn unfinished( {\n";
    std::fs::write(&ex2, code).unwrap();
    // Compiles only if the build sees nothing of the grader's environment.
    let clean = class.join("sees-no-secrets");
    support::perfect_submission(&clean);
    let ex1 = clean.join("exercises/ex1/src/exercise.rs");
    let code = std::fs::read_to_string(&ex1).unwrap()
        + "\nconst _: () = assert!(option_env!(\"GITHUB_TOKEN\").is_none() \
           && option_env!(\"GRADER_TIMEOUT\").is_none() \
           && option_env!(\"CARGO_TARGET_DIR\").is_none());\n";
    std::fs::write(&ex1, code).unwrap();
    let warnings = grader::submission::handin(&perfect, &class.join("tarred.tar.gz")).unwrap();
    assert!(
        warnings.iter().any(|w| w.contains("not a git checkout")),
        "{warnings:?}"
    );
    let hostile = kit_root().join("grader/tests/hostile");
    for entry in std::fs::read_dir(&hostile)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
    {
        support::copy_tree(&entry.path(), &class.join(entry.file_name()));
    }
    let _ = std::fs::remove_file("/tmp/build-script-ran");
    let before = grader_files();
    // The shared target directory as Gradescope's setup.sh leaves it: the dependencies compiled
    // there by building the reference solutions, whose programs are then there to be borrowed.
    let target = kit_root().join("target/submissions");
    let solutions: Vec<String> = grader::rubric::EXERCISES
        .iter()
        .map(|e| grader::compile::package(e, true))
        .collect();
    for (solution, built) in build_all(&kit_root(), &solutions, Some(&target)) {
        assert!(built.is_ok(), "{solution}: {built:?}");
    }

    let out = dir.path().join("out");
    let run = batch(&class, &out);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(
        stderr.contains("[15/15]") && stderr.contains("left)"),
        "progress is shown: {stderr}"
    );
    let book = gradebook(&out.join("grades.csv"));
    let score = |student: &str, column: &str| -> u32 { book[student][column].parse().unwrap() };
    assert_eq!(book.len(), 15, "{book:#?}");
    assert_eq!(score("perfect", "total"), 100, "{book:#?}");
    assert_eq!(
        score("tarred", "total"),
        100,
        "the hand-in tarball: {book:#?}"
    );
    assert_eq!(score("untouched", "total"), 0);
    assert_eq!((score("broken", "ex2"), score("broken", "total")), (0, 75));
    assert!(book["broken"]["status"].contains("ex2 did not build"));
    assert_eq!(
        score("sees-no-secrets", "total"),
        100,
        "the build saw the grader's environment: {book:#?}"
    );
    for (student, exercise) in [
        ("infinite-loop", "ex2"),
        ("fork-storm", "ex4"),
        ("output-flood", "ex1"),
        ("leftover-children", "ex4"),
        ("fake-score", "ex1"),
        ("build-script", "ex3"),
        ("panic-in-child", "ex4"),
        ("borrows-the-solution", "ex1"),
        ("endless-build", "ex3"),
        ("reads-the-shared-target", "ex1"),
    ] {
        // None gets the marks of the exercise it attacks from.
        assert!(
            score(student, exercise) < 25,
            "{student} scored {} in {exercise}",
            score(student, exercise)
        );
        let results = std::fs::read_to_string(out.join(student).join("results.json")).unwrap();
        let json: serde_json::Value = serde_json::from_str(&results).unwrap();
        assert_eq!(
            json["tests"].as_array().unwrap().len(),
            grader::rubric::RUBRIC.len(),
            "{student}"
        );
        assert_eq!(
            json["score"].as_u64(),
            Some(u64::from(score(student, "total"))),
            "{student}"
        );
    }
    let report = std::fs::read_to_string(out.join("build-script/report.txt")).unwrap();
    assert!(
        report.contains("exercises/ex3/Cargo.toml: not a student file"),
        "{report}"
    );
    assert!(
        report.contains("exercises/ex3/build.rs: not a student file"),
        "{report}"
    );
    assert!(
        !Path::new("/tmp/build-script-ran").exists(),
        "a submitted build script ran"
    );
    // The endless build was stopped, and the rest of that submission still built and graded.
    let report = std::fs::read_to_string(out.join("endless-build/report.txt")).unwrap();
    assert!(
        report.contains("ex3 was not built: the build took longer than 30 s"),
        "{report}"
    );
    assert!(
        !report.contains("ex1 was not built") && report.contains("not yet implemented"),
        "{report}"
    );
    assert_eq!(programs_in(&target), Vec::<PathBuf>::new());
    assert_eq!(leftovers(), Vec::<String>::new(), "processes left running");
    assert!(before == grader_files(), "the grader's files changed");

    // Graded again with nothing changed: nothing is regraded, and the grades stay.
    let again = batch(&class, &out);
    assert!(again.status.success());
    let second = gradebook(&out.join("grades.csv"));
    for (student, row) in &second {
        assert_eq!(row["status"], "unchanged since last graded", "{student}");
        assert_eq!(row["total"], book[student]["total"], "{student}");
    }
}
