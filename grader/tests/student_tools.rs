//! The tools that get a student unstuck, run as a student runs them (`make status`, `make hint`,
//! `make watch` call these): `grader status`, `grader hint`, `grader watch`.

mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use grader::rubric::{EXERCISES, tests_of};
use support::{grader_bin, kit_root};

fn grader(kit: &Path, args: &[&str]) -> Output {
    Command::new(grader_bin())
        .arg("--kit")
        .arg(kit)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("cannot run the grader")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn status_is_one_line_per_exercise_with_its_points_and_failing_tests() {
    // The untouched stubs: every test fails, and every one is named.
    let stubs = grader(&kit_root(), &["status"]);
    let out = text(&stubs.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), EXERCISES.len(), "{out}");
    for (line, exercise) in lines.iter().zip(EXERCISES.iter().copied()) {
        let names: Vec<&str> = tests_of(exercise).map(|t| t.name).collect();
        assert_eq!(
            *line,
            format!(
                "{exercise}: 0/{}, failing: {}",
                grader::rubric::points_of(exercise),
                names.join(", ")
            ),
            "{out}"
        );
    }
    assert_eq!(stubs.status.code(), Some(1));
    // The reference solutions: four lines of full marks, and nothing else.
    let solutions = grader(&kit_root(), &["status", "--solutions"]);
    assert_eq!(
        text(&solutions.stdout),
        EXERCISES
            .iter()
            .map(|e| format!("{e}: {0}/{0}\n", grader::rubric::points_of(e)))
            .collect::<String>(),
        "{}",
        text(&solutions.stderr)
    );
    assert_eq!(solutions.status.code(), Some(0));
}

/// A kit that holds only what `hint` reads: the workspace's manifest and the exercises' manifests
/// and READMEs.
fn readme_kit(dir: &Path) {
    support::copy_tree(&kit_root().join("Cargo.toml"), &dir.join("Cargo.toml"));
    for exercise in EXERCISES.iter().copied() {
        for file in ["Cargo.toml", "README.md"] {
            let part = Path::new("exercises").join(exercise).join(file);
            support::copy_tree(&kit_root().join(&part), &dir.join(&part));
        }
    }
}

#[test]
fn hint_opens_a_topics_hints_one_at_a_time_and_remembers_them() {
    let kit = tempfile::tempdir().unwrap();
    readme_kit(kit.path());
    let readme = std::fs::read_to_string(kit.path().join("exercises/ex3/README.md")).unwrap();
    let topics = grader::hints::parse(&readme);
    assert!(topics.len() >= 3, "{topics:?}");
    // Without a topic: the topics and their commands, and nothing opened.
    let index = text(&grader(kit.path(), &["hint", "ex3"]).stdout);
    for topic in &topics {
        assert!(
            index.contains(&format!(
                "make hint EX=ex3 T={}\n      {} (0 of",
                topic.key, topic.title
            )),
            "{index}"
        );
        assert!(
            !index.contains(topic.levels[0].lines().next().unwrap()),
            "{index}"
        );
    }
    let (topic, other) = (&topics[1], &topics[2]);
    let levels = topic.levels.len();
    assert!(levels >= 2, "{topic:?}");
    for level in 1..=levels {
        let shown = grader(kit.path(), &["hint", "ex3", &topic.key]);
        assert_eq!(shown.status.code(), Some(0), "{}", text(&shown.stderr));
        let out = text(&shown.stdout);
        assert!(
            out.starts_with(&format!(
                "ex3 hint {level} of {levels} on \"{}\"",
                topic.title
            )),
            "{out}"
        );
        // This hint of this topic, no other hint of it, nothing of another topic, no HTML.
        for (i, hint) in topic.levels.iter().enumerate() {
            let first_line = hint.lines().next().unwrap();
            assert_eq!(
                out.contains(first_line),
                i + 1 == level,
                "{first_line:?} in\n{out}"
            );
        }
        for hint in &other.levels {
            assert!(!out.contains(hint.lines().next().unwrap()), "{out}");
        }
        assert!(!out.contains("<details>") && !out.contains("<!--"), "{out}");
    }
    let state = std::fs::read_to_string(kit.path().join(grader::hints::STATE_FILE)).unwrap();
    assert_eq!(state, format!("ex3 {} {levels}\n", topic.key));
    let again = text(&grader(kit.path(), &["hint", "ex3", &topic.key, "1"]).stdout);
    assert!(again.starts_with("ex3 hint 1 of"), "{again}");
    let level_one = text(&grader(kit.path(), &["hint", "ex3", "1"]).stdout);
    assert!(
        level_one.starts_with("ex3 hints, level 1 of"),
        "{level_one}"
    );
    // Every exercise's README has hint topics the command can read.
    for exercise in EXERCISES.iter().copied() {
        let out = grader(kit.path(), &["hint", exercise]);
        assert!(
            text(&out.stdout).starts_with(&format!("{exercise} hints, by topic")),
            "{exercise}: {}",
            text(&out.stderr)
        );
    }
    // Bad requests are clear errors, never a panic.
    let too_far = grader(kit.path(), &["hint", "ex3", &topic.key, "99"]);
    assert!(
        text(&too_far.stderr).contains(&format!(
            "ex3 has hint levels 1 to {levels} on '{}', not 99",
            topic.key
        )),
        "{}",
        text(&too_far.stderr)
    );
    let unknown = text(&grader(kit.path(), &["hint", "ex3", "nope"]).stderr);
    assert!(
        unknown.contains("ex3 has no hint topic 'nope' (its topics: "),
        "{unknown}"
    );
    for args in [
        &["hint"][..],
        &["hint", "ex9"],
        &["hint", "ex3", "window", "two"],
    ] {
        let out = grader(kit.path(), args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

/// Every failure has a hint to open: each test of the rubric is named by a hint topic of its
/// exercise's README, and each name in a topic's marker is a test of the rubric.
#[test]
fn every_test_has_a_hint_topic_and_every_topic_names_real_tests() {
    for exercise in EXERCISES.iter().copied() {
        let by_test = grader::hints::topics_by_test(&kit_root(), exercise);
        let tests: Vec<&str> = tests_of(exercise).map(|t| t.name).collect();
        let without: Vec<&&str> = tests
            .iter()
            .filter(|t| !by_test.contains_key(**t))
            .collect();
        assert!(
            without.is_empty(),
            "{exercise}: no hint topic names {without:?}"
        );
        let unknown: Vec<&String> = by_test
            .keys()
            .filter(|t| !tests.contains(&t.as_str()))
            .collect();
        assert!(
            unknown.is_empty(),
            "{exercise}: hint topics name no such tests: {unknown:?}"
        );
    }
}

/// The lines a running grader prints, as they come (a thread reads them).
struct Lines {
    rx: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Lines {
    fn of(child: &mut Child) -> Lines {
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Lines {
            rx,
            seen: Vec::new(),
        }
    }

    /// The lines up to the first that starts with `start`. The bound is only there so that a
    /// broken watch fails the test instead of hanging it: a round takes seconds.
    fn until(&mut self, start: &str) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            match self.rx.recv_timeout(Duration::from_secs(900)) {
                Ok(line) => {
                    let done = line.starts_with(start);
                    self.seen.push(line.clone());
                    lines.push(line);
                    if done {
                        return lines;
                    }
                }
                Err(_) => panic!(
                    "no line starting with {start:?}; the output so far:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }
}

#[test]
fn watch_grades_again_when_a_file_is_saved_failing_tests_first_and_stops_on_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let kit = dir.path().join("kit");
    grader::kit::copy_without_answers(&kit_root(), &kit).unwrap();
    let mut watch = Command::new(grader_bin())
        .arg("--kit")
        .arg(&kit)
        .args(["watch", "ex1", "--rounds", "3"])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = Lines::of(&mut watch);
    let first = lines.until("watch: waiting for a change");
    let nothing = format!("ex1: 0/{}", grader::rubric::points_of("ex1"));
    assert!(first.contains(&nothing), "{first:#?}");
    // The stub's tests all fail: rubric order.
    let titles: Vec<&String> = first.iter().filter(|l| l.contains(": FAIL (")).collect();
    assert_eq!(titles.len(), tests_of("ex1").count(), "{first:#?}");
    // Saved: the reference exercise.rs in place of the stub.
    std::fs::copy(
        kit_root().join("solutions/ex1/src/exercise.rs"),
        kit.join("exercises/ex1/src/exercise.rs"),
    )
    .unwrap();
    let second = lines.until("watch: waiting for a change");
    assert!(
        second
            .iter()
            .any(|l| l == "watch: round 2: building and grading ex1")
            && second.iter().any(|l| {
                let max = grader::rubric::points_of("ex1");
                *l == format!("ex1: {max}/{max}")
            }),
        "{second:#?}"
    );
    // Half-right: one test fails, and it comes first.
    let mutant = support::all_mutants()
        .find(|m| m.name == "bump-map-private")
        .unwrap();
    let solution = std::fs::read_to_string(kit.join("exercises/ex1/src/exercise.rs")).unwrap();
    let (find, replace) = mutant.edits[0];
    assert!(
        solution.contains(find),
        "the mutant's edit no longer applies"
    );
    std::fs::write(
        kit.join("exercises/ex1/src/exercise.rs"),
        solution.replacen(find, replace, 1),
    )
    .unwrap();
    let third = lines.until("Score:");
    let verdicts: Vec<&String> = third
        .iter()
        .filter(|l| {
            [": FAIL (", ": OK (", ": not run ("]
                .iter()
                .any(|v| l.contains(v))
        })
        .collect();
    // The failure ends with its hint topic's command.
    assert!(
        third
            .iter()
            .any(|l| l.starts_with("    hint: `make hint EX=ex1 T=")),
        "{third:#?}"
    );
    let first_pass = verdicts.iter().position(|l| l.contains(": OK (")).unwrap();
    assert!(
        first_pass > 0
            && verdicts[first_pass..]
                .iter()
                .all(|l| !l.contains(": FAIL (")),
        "{third:#?}"
    );
    let _ = lines.until("watch: stopped");
    assert!(watch.wait().unwrap().success());

    // Ctrl-C while it waits: it ends at once, cleanly.
    let mut watch = Command::new(grader_bin())
        .arg("--kit")
        .arg(&kit)
        .args(["watch", "ex1"])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = Lines::of(&mut watch);
    lines.until("watch: waiting for a change");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(watch.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    lines.until("watch: stopped");
    assert!(watch.wait().unwrap().success());
}

/// A hand-in whose student files are the reference solutions with `edits`: (exercise, text of
/// its `exercise.rs` found once, what replaces it).
fn edited_submission(dir: &Path, edits: &[(&str, &str, &str)]) {
    support::perfect_submission(dir);
    for (exercise, find, replace) in edits {
        let path = dir.join("exercises").join(exercise).join("src/exercise.rs");
        let code = std::fs::read_to_string(&path).unwrap();
        assert_eq!(code.matches(find).count(), 1, "{exercise}: {find}");
        std::fs::write(&path, code.replacen(find, replace, 1)).unwrap();
    }
}

#[test]
fn a_failure_shows_the_overflow_the_programs_stderr_and_the_refused_thread() {
    let dir = tempfile::tempdir().unwrap();
    edited_submission(
        dir.path(),
        &[
            // An addition that overflows for LEN near 2^64, reached by peek_clamps_at_end once
            // its first range (LEN 1000) is right (a release build without overflow checks
            // wraps it, and the test blames the mapping); for any other range, a marker on
            // stderr and the wrong bytes.
            (
                "ex1",
                "let end = offset.saturating_add(len).min(size);",
                "let end = (offset + len).min(size);\n    eprintln!(\"MARKER-on-stderr\");",
            ),
            (
                "ex1",
                "let skip = (offset - start) as usize;",
                "let skip = (offset - start) as usize + usize::from(len != 1000);",
            ),
            // A bump that succeeds with the wrong bytes, judged on the file alone, and a marker on
            // stderr.
            (
                "ex1",
                "pub fn bump(path: &Path, stride: NonZeroU64, delta: u8) -> Outcome {",
                "pub fn bump(path: &Path, stride: NonZeroU64, delta: u8) -> Outcome {\n    eprintln!(\"MARKER-of-bump\");",
            ),
            (
                "ex1",
                "byte.wrapping_add(delta)",
                "byte.wrapping_add(delta ^ 1)",
            ),
            // A thread, which graded runs refuse; the failure is handled (no panic: nothing of
            // Rust's own message for the grader to read), as a C program's would be.
            (
                "ex3",
                "pub fn copy(src_path: &Path, dst_path: &Path) -> Outcome {",
                "pub fn copy(src_path: &Path, dst_path: &Path) -> Outcome {\n    if let Err(e) = std::thread::Builder::new().spawn(|| ()) {\n        return Err(Failure::runtime(format_args!(\"no helper: {e}\")));\n    }",
            ),
        ],
    );
    let graded = grader(
        &kit_root(),
        &["--submission", dir.path().to_str().unwrap(), "ex1", "ex3"],
    );
    let out = text(&graded.stdout);
    assert_eq!(
        graded.status.code(),
        Some(1),
        "{out}{}",
        text(&graded.stderr)
    );
    assert!(out.contains("attempt to add with overflow"), "{out}");
    assert!(
        out.contains("panicked at exercises/ex1/src/exercise.rs:"),
        "{out}"
    );
    assert!(out.contains("stderr: MARKER-on-stderr"), "{out}");
    assert!(out.contains("stderr: MARKER-of-bump"), "{out}");
    assert!(
        out.contains("graded runs make no threads: it called clone(2) with CLONE_THREAD")
            && out.contains("stderr: ex3: no helper: Resource temporarily unavailable")
            && !out.contains("failed to spawn thread"),
        "{out}"
    );
    // Each failure ends with its hint topic's command, as in `cargo test -p exN`.
    let failures = out.matches(": FAIL (").count();
    let hints = out.matches("\n    hint: `make hint EX=ex").count();
    assert!(failures > 0 && hints >= failures, "{out}");
}

#[test]
fn a_students_mistake_with_a_students_command_gets_the_students_usage() {
    let hint = grader(&kit_root(), &["hint"]);
    let err = text(&hint.stderr);
    assert_eq!(hint.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with("grader: hint needs an EXERCISE\nusage: make hint EX=exN"),
        "{err}"
    );
    assert!(
        !err.contains("batch") && !err.contains("--solutions"),
        "{err}"
    );
}

/// `GRADER_KEEP=1`: each failed test's folder stays, named with the last command run in it.
#[test]
fn grader_keep_keeps_a_failed_tests_folder_and_names_its_command() {
    let stub = grader::compile::build(&kit_root(), "ex1").unwrap();
    let spec = format!("ex1={}", stub.display());
    let graded = |keep: &str| {
        Command::new(grader_bin())
            .args(["ex1", "--bin", &spec])
            .env("GRADER_KEEP", keep)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    let output = graded("1");
    let kept: Vec<String> = text(&output.stderr)
        .lines()
        .filter(|l| l.starts_with("GRADER_KEEP: "))
        .map(str::to_owned)
        .collect();
    // Each test that failed (all those the stub ran) keeps its folder.
    let failed = text(&output.stdout).matches(": FAIL (").count();
    assert!(
        failed > 0 && kept.len() == failed,
        "{failed} failed: {kept:#?}"
    );
    let mut peeked = false;
    for line in &kept {
        let folder = line
            .strip_prefix("GRADER_KEEP: ex1 kept its folder ")
            .and_then(|rest| rest.split(", after `").next())
            .unwrap_or_else(|| panic!("{line}"));
        let folder = Path::new(folder);
        assert!(folder.is_dir(), "{line}");
        if line.contains("after `ex1 peek data.bin ") {
            assert!(folder.join("data.bin").is_file(), "{line}");
            peeked = true;
        }
        std::fs::remove_dir_all(folder).unwrap();
    }
    assert!(peeked, "{kept:#?}");
    let not_kept = text(&graded("0").stderr);
    assert!(!not_kept.contains("GRADER_KEEP"), "{not_kept}");
}
