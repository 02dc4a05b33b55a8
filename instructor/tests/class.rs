//! Grading a whole class: a batch of submissions, among them a perfect one, an untouched one, one
//! that does not compile, a hand-in tarball, and every hostile submission of `hostile/`. Each gets
//! the grade it deserves, the batch goes on, nothing is left running, the grader is unchanged, no
//! program is left in the shared target directory, and a second run regrades nothing.

mod html;
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use grader::compile::build_all;
use support::kit_root;

/// What the decoy file holds: no report may show it.
const DECOY_TEXT: &str = "decoy: the grader's own file";

/// `/tmp/mmap-lab-decoy-UID` (this test's uid, so that two users' tests do not meet), made by
/// this test (mode 0600) and checked after the batch. Two class tests of one user at once take
/// turns (a lock held as long as the decoy).
struct Decoy(std::path::PathBuf, #[allow(dead_code)] std::fs::File);

impl Decoy {
    fn plant() -> Decoy {
        use std::os::fd::AsRawFd;
        use std::os::unix::fs::PermissionsExt;
        // SAFETY: geteuid only reads this process's credentials.
        let uid = unsafe { libc::geteuid() };
        let path = std::path::PathBuf::from(format!("/tmp/mmap-lab-decoy-{uid}"));
        let lock = std::fs::File::create(format!("/tmp/mmap-lab-decoy-{uid}.lock")).unwrap();
        // SAFETY: flock on a descriptor this test owns; released when it is closed.
        assert_eq!(unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) }, 0);
        let _ = std::fs::remove_file(&path);
        std::fs::write(&path, DECOY_TEXT).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        Decoy(path, lock)
    }

    fn is_intact(&self) {
        assert_eq!(
            std::fs::read_to_string(&self.0).unwrap(),
            DECOY_TEXT,
            "a program had the grader write through a link it planted"
        );
    }
}

impl Drop for Decoy {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Every file of the grader and the workspace manifest, with its contents.
fn grader_files() -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = support::files_under(&kit_root().join("grader/src"));
    files.insert(
        "Cargo.toml".into(),
        std::fs::read(kit_root().join("Cargo.toml")).unwrap(),
    );
    files
}

/// Processes of this batch's runs that are still alive. This test is a child subreaper (see
/// `a_class_is_graded_fairly_and_safely`): whatever a run left behind, once the grader that ran
/// it has exited, has been reparented to this test, and is known by the seccomp filter every run
/// installs and no process can remove. Another grader's runs on the same machine are not ours.
fn leftovers() -> Vec<String> {
    let filters = |status: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix("Seccomp_filters:"))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    let own = filters(&std::fs::read_to_string("/proc/self/status").unwrap());
    let children: Vec<String> = std::fs::read_dir("/proc/self/task")
        .unwrap()
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("children")).ok())
        .flat_map(|c| c.split_whitespace().map(String::from).collect::<Vec<_>>())
        .collect();
    children
        .into_iter()
        .filter(|pid| {
            // A zombie is dead already (its parent, this test, reaps it when it ends).
            std::fs::read_to_string(format!("/proc/{pid}/status"))
                .is_ok_and(|s| filters(&s) > own && !s.lines().any(|l| l.starts_with("State:\tZ")))
        })
        .map(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/cmdline"))
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
            if grader::rubric::EXERCISES
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
    // Whatever the batch's runs leave behind comes to this test once the grader exits.
    // SAFETY: sets an attribute of this test process only.
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    let dir = tempfile::tempdir().unwrap();
    let class = dir.path().join("class");
    let perfect = class.join("perfect");
    support::perfect_submission(&perfect);
    std::fs::create_dir_all(class.join("untouched")).unwrap();
    support::broken_submission(&class.join("broken"));
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
    let students = std::fs::read_dir(&class).unwrap().count();
    let _ = std::fs::remove_file("/tmp/build-script-ran");
    let before = grader_files();
    // A file outside every run's folder, the grader's (root's, under root), that `planted-links`
    // tries to have the grader overwrite and `reads-secrets` tries to read.
    let decoy = Decoy::plant();
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
    let run = support::batch(&class, &out);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("[{students}/{students}]")) && stderr.contains("left)"),
        "progress is shown: {stderr}"
    );
    let book = support::gradebook(&out.join("grades.csv"));
    let score = |student: &str, column: &str| -> u32 { book[student][column].parse().unwrap() };
    assert_eq!(book.len(), students, "{book:#?}");
    let (total, points) = (grader::rubric::total_points(), grader::rubric::points_of);
    assert_eq!(score("perfect", "total"), total, "{book:#?}");
    assert_eq!(
        score("tarred", "total"),
        total,
        "the hand-in tarball: {book:#?}"
    );
    assert_eq!(score("untouched", "total"), 0);
    assert_eq!(
        (score("broken", "ex2"), score("broken", "total")),
        (0, total - points("ex2"))
    );
    assert!(book["broken"]["status"].contains("ex2 did not build"));
    assert_eq!(
        score("sees-no-secrets", "total"),
        total,
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
        ("forbidden-calls", "ex1"),
        ("forbidden-calls", "ex3"),
        ("unreaped-child", "ex3"),
        ("planted-links", "ex3"),
        ("reads-secrets", "ex1"),
        ("kills-everyone", "ex4"),
        ("endless-build", "ex3"),
        ("reads-the-shared-target", "ex1"),
        ("memory-bomb", "ex1"),
        ("reaches-other-processes", "ex1"),
    ] {
        // None gets the marks of the exercise it attacks from.
        assert!(
            score(student, exercise) < points(exercise),
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
    // The build that would fill gigabytes was stopped at its memory bound (support::batch).
    let report = std::fs::read_to_string(out.join("memory-bomb/report.txt")).unwrap();
    assert!(
        report.contains("ex1 was not built: the build used more than 1024 MiB of memory")
            && !report.contains("ex2 was not built"),
        "{report}"
    );
    // The class report puts apart the programs that ran out of time (typed: the runner counts a
    // check's timeouts), and the submission that did not build.
    let page = html::parse(&std::fs::read_to_string(out.join("class.html")).unwrap());
    let apart = |class: &str| -> Vec<String> {
        page.root
            .by_id("apart")
            .find_all(&|e| e.attrs.get("class").is_some_and(|c| c == class))
            .iter()
            .map(|row| row.text())
            .collect()
    };
    let timed_out = apart("timed-out");
    assert!(
        timed_out
            .iter()
            .any(|row| row.starts_with("infinite-loopran out of time in: ex2.")),
        "{timed_out:?}"
    );
    assert!(
        !timed_out.iter().any(|row| row.starts_with("perfect")),
        "{timed_out:?}"
    );
    assert!(
        apart("not-built")
            .iter()
            .any(|row| row.starts_with("broken"))
    );
    assert_eq!(programs_in(&target), Vec::<PathBuf>::new());
    assert_eq!(leftovers(), Vec::<String>::new(), "processes left running");
    decoy.is_intact();
    for student in book.keys() {
        for file in ["report.txt", "results.json"] {
            let text = std::fs::read_to_string(out.join(student).join(file)).unwrap_or_default();
            for secret in [DECOY_TEXT, support::GRADER_SECRET, "reference solution"] {
                assert!(
                    !text.contains(secret),
                    "{student}'s {file} shows a secret ({secret}):\n{text}"
                );
            }
        }
    }
    assert!(before == grader_files(), "the grader's files changed");

    // Graded again with nothing changed: nothing is regraded, and the grades stay.
    let again = support::batch(&class, &out);
    assert!(again.status.success());
    let second = support::gradebook(&out.join("grades.csv"));
    for (student, row) in &second {
        assert_eq!(row["status"], "unchanged since last graded", "{student}");
        assert_eq!(row["total"], book[student]["total"], "{student}");
    }
}
