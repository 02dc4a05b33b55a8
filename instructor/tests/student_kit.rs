//! The student kit, as `make student-kit` makes it (from the committed files): a class can work in
//! it (a fresh build without warnings, the stubs at 0, the reference answers at 100, `cargo test
//! -p ex1`, its CI commands), and it holds no answer under any name, no instructor material, and no
//! README pointing at a file it does not have.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::kit_root;

/// Writes the student kit into `dir/student-kit` with `grader/publish/student-kit.sh`, the script
/// behind `make student-kit`, and checks its tarball beside it.
fn student_kit(dir: &Path) -> PathBuf {
    let kit = dir.join("student-kit");
    support::publish(
        "grader/publish/student-kit.sh",
        &kit,
        ("INSTRUCTOR_BIN", support::instructor_bin()),
    );
    let listed = Command::new("tar")
        .arg("-tzf")
        .arg(dir.join("student-kit.tar.gz"))
        .output()
        .expect("cannot run tar");
    let listing = String::from_utf8_lossy(&listed.stdout);
    assert!(
        listing.contains("student-kit/exercises/ex1/src/exercise.rs"),
        "{listing}"
    );
    kit
}

/// A command run in the student kit as a student would run it: the kit builds into its own
/// target/, whatever target directory this test was given.
fn in_kit(kit: &Path, program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(kit)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        // A student's `make` is no sub-make of the kit's `make test` (which would make it print
        // "Entering directory" lines around its output).
        .env_remove("MAKEFLAGS")
        .env_remove("MFLAGS")
        .env_remove("MAKELEVEL")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn score_line(graded: &Output) -> String {
    text(&graded.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned()
}

/// A workflow file, through a real YAML parser (Python's PyYAML), as JSON.
fn yaml(path: &Path) -> serde_json::Value {
    let parsed = Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)",
        ])
        .arg(path)
        .output()
        .expect("cannot run python3");
    assert!(
        parsed.status.success(),
        "{} does not parse as YAML (this test needs python3 with PyYAML, Debian's python3-yaml): {}",
        path.display(),
        text(&parsed.stderr)
    );
    serde_json::from_slice(&parsed.stdout).unwrap()
}

/// The one command of `commands` that runs the grader, and the value of its `flag`.
fn grader_command(commands: &[&str]) -> String {
    let found: Vec<&&str> = commands
        .iter()
        .filter(|c| c.contains("-p grader --"))
        .collect();
    assert_eq!(found.len(), 1, "{commands:#?}");
    found[0].to_string()
}

fn flag<'a>(command: &'a str, flag: &str) -> &'a str {
    let words: Vec<&str> = command.split_whitespace().collect();
    let at = words
        .iter()
        .position(|w| *w == flag)
        .unwrap_or_else(|| panic!("no {flag} in `{command}`"));
    words[at + 1].trim_matches('"')
}

/// Runs `command` in the kit as the CI's shell would, with `env`.
fn ci_run(kit: &Path, command: &str, env: &[(&str, &Path)]) -> Output {
    let mut bash = Command::new("bash");
    bash.args(["-c", command])
        .current_dir(kit)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR");
    for (name, value) in env {
        bash.env(name, value);
    }
    bash.output().expect("cannot run bash")
}

/// The GitHub workflow's grading step, run here on the stubs: the summary table and results.json.
fn github_workflow_grades(kit: &Path, scratch: &Path) {
    let workflow = yaml(&kit.join(".github/workflows/grade.yml"));
    // YAML 1.1 reads the key `on` as true.
    let on = workflow.get("on").or_else(|| workflow.get("true"));
    assert!(
        on.is_some_and(|on| on.to_string().contains("push")),
        "{workflow:#}"
    );
    let steps = workflow["jobs"]["grade"]["steps"].as_array().unwrap();
    let runs: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
    let command = grader_command(&runs);
    assert_eq!(flag(&command, "--out"), "$GITHUB_STEP_SUMMARY");
    let json = flag(&command, "--json");
    let upload = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/upload-artifact@"))
        })
        .expect("results.json is uploaded");
    assert_eq!(upload["with"]["path"], json, "{upload:#}");
    assert_eq!(upload["if"], "always()", "uploaded even below full marks");
    assert!(runs.iter().any(|r| r.contains("rustup toolchain install")));

    let summary = scratch.join("step-summary.md");
    let graded = ci_run(kit, &command, &[("GITHUB_STEP_SUMMARY", &summary)]);
    assert_eq!(graded.status.code(), Some(1), "{graded:?}");
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(kit.join(json)).unwrap()).unwrap();
    assert_eq!(results["score"], 0);
    let table = std::fs::read_to_string(&summary).unwrap();
    let heading = format!("## Score\\: 0\\/{}", grader::rubric::total_points());
    assert!(table.starts_with(&heading), "{table}");
    let rows = table
        .lines()
        .filter(|l| {
            let first = l.split(" | ").next().unwrap_or_default();
            grader::rubric::EXERCISES.contains(&first.trim_start_matches("| "))
        })
        .count();
    assert_eq!(rows, grader::rubric::RUBRIC.len(), "{table}");
}

/// The GitLab job's script, run here on the stubs: its JUnit report, read by a real XML parser.
fn gitlab_job_grades(kit: &Path) {
    let ci = yaml(&kit.join(".gitlab-ci.yml"));
    let job = &ci["grade"];
    let script: Vec<&str> = job["script"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    let command = grader_command(&script);
    let junit = flag(&command, "--out");
    assert_eq!(flag(&command, "--format"), "junit");
    assert_eq!(job["artifacts"]["reports"]["junit"], junit, "{job:#}");
    assert_eq!(job["artifacts"]["when"], "always");
    let kept = job["artifacts"]["paths"].to_string();
    assert!(kept.contains(flag(&command, "--json")), "{kept}");

    let graded = ci_run(kit, &command, &[]);
    assert_eq!(graded.status.code(), Some(1), "{graded:?}");
    let xml = std::fs::read_to_string(kit.join(junit)).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let tests = doc.root_element().attribute("tests").unwrap();
    assert_eq!(tests, grader::rubric::RUBRIC.len().to_string());
}

#[test]
fn a_class_can_work_in_the_student_kit() {
    let dir = tempfile::tempdir().unwrap();
    let kit = student_kit(dir.path());
    let lock = std::fs::read(kit.join("Cargo.lock")).unwrap();

    // A fresh clone: every crate of the workspace builds, without a warning.
    let built = in_kit(&kit, "cargo", &["build", "--release", "--workspace"]);
    let said = text(&built.stderr);
    assert!(built.status.success(), "{said}");
    assert!(!said.contains("warning"), "a fresh build warns:\n{said}");

    let graded = in_kit(&kit, "make", &["grade"]);
    let total = grader::rubric::total_points();
    assert_eq!(
        score_line(&graded),
        format!("Score: 0/{total}"),
        "{graded:?}"
    );
    // `make bench` times the student's own ex3, and says first, before any timing, that a stub
    // does not copy, with what it said.
    let bench = in_kit(&kit, "make", &["bench", "ARGS=--rounds 1"]);
    let said = text(&bench.stderr);
    assert!(!bench.status.success(), "{said}");
    assert!(said.contains("your ex3 does not copy"), "{said}");
    assert!(said.contains("not yet implemented"), "{said}");
    assert!(
        text(&bench.stdout).lines().all(|l| !l.starts_with('|')),
        "{bench:?}"
    );
    github_workflow_grades(&kit, dir.path());
    gitlab_job_grades(&kit);

    for exercise in grader::rubric::EXERCISES.iter() {
        let answer = format!("solutions/{exercise}/src/exercise.rs");
        let to = kit.join(format!("exercises/{exercise}/src/exercise.rs"));
        std::fs::copy(kit_root().join(answer), to).unwrap();
    }
    let graded = in_kit(&kit, "make", &["grade"]);
    assert_eq!(
        score_line(&graded),
        format!("Score: {total}/{total}"),
        "{graded:?}"
    );
    // In release mode, to use the build above: `cargo test -p ex1`'s test is the same.
    let tested = in_kit(&kit, "cargo", &["test", "--release", "-p", "ex1"]);
    assert!(tested.status.success(), "{tested:?}");
    assert!(
        text(&tested.stdout).contains(&format!(
            "ex1 score: {0}/{0}",
            grader::rubric::points_of("ex1")
        )),
        "{tested:?}"
    );
    // The hand-in holds the student's files, the answers copied in.
    let handed_in = in_kit(&kit, "make", &["handin"]);
    assert!(handed_in.status.success(), "{handed_in:?}");
    let handin = grader::submission::Submission::import(&kit.join("handin.tar.gz"), &kit_root());
    let taken = handin.unwrap().taken;
    assert!(
        taken.len() >= 3 * grader::rubric::EXERCISES.len(),
        "{taken:?}"
    );

    // No instructor target, and a clear refusal where the solutions would be graded.
    let solutions = in_kit(&kit, "make", &["grade-solutions"]);
    assert!(!solutions.status.success());
    let grader_bin = kit.join("target/release/grader");
    let refused = in_kit(&kit, grader_bin.to_str().unwrap(), &["--solutions"]);
    assert_eq!(refused.status.code(), Some(3), "{refused:?}");
    assert!(text(&refused.stderr).contains("no reference solutions"));
    // Cargo had nothing to change in the lock file: a student's clone stays clean.
    assert!(std::fs::read(kit.join("Cargo.lock")).unwrap() == lock);
}

/// Text with every run of whitespace made one space: a copy reformatted is still a copy.
fn normalised(bytes: &[u8]) -> String {
    text(bytes).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Every answer, by what it is: the solutions' sources, the grader's tests (C programs, hostile
/// submissions, the mutants' table), and each mutant's source.
fn answers() -> BTreeMap<String, String> {
    let mut answers: BTreeMap<String, String> = support::answers()
        .into_iter()
        .map(|(text, path)| (path.display().to_string(), normalised(&text)))
        .collect();
    for m in support::all_mutants() {
        let source = support::mutant_source(m);
        answers.insert(format!("mutant {}", m.name), normalised(source.as_bytes()));
    }
    // A mutant reformatted (tabs, lines joined) is still found.
    let first = support::all_mutants().next().unwrap();
    let reformatted = support::mutant_source(first)
        .replace("    ", "\t")
        .replace(";\n", "; ");
    let mutant = &answers[&format!("mutant {}", first.name)];
    assert_eq!(&normalised(reformatted.as_bytes()), mutant);
    let c = answers.keys().filter(|a| a.ends_with(".c")).count();
    let solutions = answers.keys().filter(|a| a.contains("/solutions/")).count();
    assert!(c >= 4 && solutions >= 8, "{:#?}", answers.keys());
    answers
}

#[test]
fn the_student_kit_holds_no_answer_and_no_instructor_material() {
    let dir = tempfile::tempdir().unwrap();
    let kit = student_kit(dir.path());
    let files = support::files_under(&kit);
    let answers = answers();
    let mut found = Vec::new();
    for (path, bytes) in &files {
        assert!(
            !bytes.starts_with(b"\x7fELF"),
            "{} is a program",
            path.display()
        );
        let text = normalised(bytes);
        for (answer, answer_text) in &answers {
            if text.contains(answer_text.as_str()) {
                found.push(format!("{} holds {answer}", path.display()));
            }
        }
    }
    assert!(found.is_empty(), "answers in the student kit: {found:#?}");
    for gone in [
        "solutions",
        "grader/tests",
        "grader/gradescope",
        "student",
        "instructor",
    ] {
        assert!(!kit.join(gone).exists(), "the student kit holds {gone}/");
    }
    for (file, instructors) in [
        ("Cargo.toml", "\"instructor\""),
        ("Cargo.lock", "name = \"instructor\""),
        ("Makefile", "grade-solutions"),
        ("README.md", "grade-solutions"),
        ("README.md", "make test"),
        ("README.md", "For instructors"),
        ("README.md", "<!-- kit README"),
    ] {
        let text = std::fs::read_to_string(kit.join(file)).unwrap();
        assert!(!text.contains(instructors), "{file} says {instructors:?}");
    }
    let toolchain = std::fs::read_to_string(kit.join("rust-toolchain.toml")).unwrap();
    assert!(toolchain.contains("channel = \""), "{toolchain}");
}

/// The paths a README names: its Markdown links, and the paths it quotes in backticks
/// (`exercises/exN/src/cli.rs`), with `exN` read as `ex1`. System paths (`/proc/PID/maps`), build
/// outputs (`target/...`), globs and URLs are not the kit's files.
fn paths_named(readme: &str) -> Vec<String> {
    let links = readme
        .split("](")
        .skip(1)
        .filter_map(|after| after.split_once(')').map(|(link, _)| link));
    let quoted = readme.split('`').skip(1).step_by(2);
    links
        .chain(quoted)
        .map(|p| p.trim_end_matches([':', '.']).replace("exN", "ex1"))
        .filter(|p| {
            p.contains('/')
                && !p.contains(char::is_whitespace)
                && !p.starts_with(['/', '.', '~', '$', '#'])
                && !p.starts_with("target/")
                && !p.contains(['*', '<', '>', '='])
                && !p.contains("://")
        })
        .collect()
}

#[test]
fn every_file_a_readme_names_is_in_the_student_kit() {
    let dir = tempfile::tempdir().unwrap();
    let kit = student_kit(dir.path());
    let mut checked = 0;
    for (path, bytes) in support::files_under(&kit) {
        if path.file_name().is_none_or(|n| n != "README.md") {
            continue;
        }
        let folder = path.parent().unwrap();
        for named in paths_named(&text(&bytes)) {
            let there = kit.join(&named).exists() || folder.join(&named).exists();
            assert!(
                there,
                "{} names {named}, which is not there",
                path.display()
            );
            checked += 1;
        }
    }
    // The student README and the four exercises' READMEs name files of the kit.
    assert!(checked >= 10, "only {checked} paths found");
    // And the check sees a path that is not there.
    assert_eq!(
        paths_named("see `solutions/ex1/src/exercise.rs` or [it](grader/tests/foreign/ex1.c)"),
        [
            "grader/tests/foreign/ex1.c",
            "solutions/ex1/src/exercise.rs"
        ]
    );
}

/// Every file under `dir` with its modification time: what a build would change.
fn stamps(dir: &Path) -> BTreeMap<PathBuf, std::time::SystemTime> {
    let mut stamps = BTreeMap::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().map(Result::unwrap) {
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                folders.push(entry.path());
            } else if entry.file_name() != ".cargo-lock" {
                stamps.insert(entry.path(), meta.modified().unwrap());
            }
        }
    }
    stamps
}

/// The student's loop in a fresh kit, in the dev profile as a student runs it: `cargo test -p
/// ex1` runs the student's own `#[test]`s first (one that fails stops it before the rubric), and
/// its build of the grader is the one `make hint` then runs: nothing is compiled again. A bare
/// `cargo test` says which commands grade.
#[test]
fn a_students_own_tests_run_first_and_make_reuses_the_tests_grader() {
    let dir = tempfile::tempdir().unwrap();
    let kit = student_kit(dir.path());
    let exercise = kit.join("exercises/ex1/src/exercise.rs");
    let mut code = std::fs::read_to_string(&exercise).unwrap();
    code.push_str(
        "\n#[cfg(test)]\nmod mine {\n    #[test]\n    fn my_own_check() {\n        \
         assert_eq!(1 + 1, 3, \"MY-OWN-TEST\");\n    }\n}\n",
    );
    std::fs::write(&exercise, code).unwrap();
    let tested = in_kit(&kit, "cargo", &["test", "-p", "ex1"]);
    let out = text(&tested.stdout);
    assert!(!tested.status.success(), "{tested:?}");
    assert!(out.contains("mine::my_own_check ... FAILED"), "{out}");
    assert!(
        !out.contains("the ex1 rubric"),
        "graded after a failing test:\n{out}"
    );

    // Everything rustc compiles lands in a deps/ folder (of target/debug, or target/release for a
    // second, release build of the grader), and each unit built leaves its fingerprint; Cargo
    // rewrites an example's dep-info file beside it at each run, which compiles nothing.
    let built = || {
        let mut compiled = stamps(&kit.join("target"));
        compiled.retain(|path, _| {
            path.components()
                .any(|c| c.as_os_str() == "deps" || c.as_os_str() == ".fingerprint")
        });
        compiled
    };
    let before = built();
    let hint = in_kit(&kit, "make", &["hint", "EX=ex1"]);
    assert!(
        text(&hint.stdout).starts_with("ex1 hints, by topic"),
        "{hint:?}"
    );
    assert!(built() == before, "make hint compiled something");

    let bare = in_kit(&kit, "cargo", &["test", "-p", "cli-support"]);
    assert!(
        text(&bare.stdout).contains("grades no exercise:\n  cargo test -p ex1"),
        "{bare:?}"
    );
}

/// Whether check-jsonschema is installed. .ci/run installs it: under CI its absence fails the
/// test; elsewhere the test says so and checks the rest.
fn check_jsonschema_installed() -> bool {
    let found = Command::new("check-jsonschema")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    assert!(
        found || !ci,
        "check-jsonschema is not installed (.ci/run installs it)"
    );
    if !found {
        eprintln!("check-jsonschema is not installed: the CI files are not checked with it");
    }
    found
}

/// A CI file against the schema its platform's editor checks it with, as check-jsonschema
/// bundles them (`vendor.github-workflows`, `vendor.gitlab-ci`): what it refused, if anything.
fn schema_refusal(schema: &str, file: &Path) -> Option<String> {
    let checked = Command::new("check-jsonschema")
        .args(["--builtin-schema", schema])
        .arg(file)
        .output()
        .expect("cannot run check-jsonschema");
    (!checked.status.success()).then(|| text(&checked.stdout) + &text(&checked.stderr))
}

/// The first release of each action the workflow uses that runs on Node 24: GitHub's runners
/// no longer run the Node 20 ones. An action not listed here fails the test until it is.
const NODE_24_FROM: &[(&str, u32)] = &[
    ("actions/checkout", 5),
    ("actions/cache", 5),
    ("actions/upload-artifact", 6),
];

#[test]
fn the_student_ci_files_are_current_and_valid() {
    let student = kit_root().join("student");
    let github = student.join(".github/workflows/grade.yml");
    let gitlab = student.join(".gitlab-ci.yml");
    // Each file passes its schema, and the schema can refuse: the same file with a key its
    // platform does not know (at the job's level, where both schemas list every key).
    let checks = [
        ("vendor.github-workflows", &github, "\n  grade:\n", "    "),
        ("vendor.gitlab-ci", &gitlab, "\ngrade:\n", "  "),
    ];
    for (schema, file, job, indent) in checks.into_iter().filter(|_| check_jsonschema_installed()) {
        let refused = schema_refusal(schema, file);
        assert!(refused.is_none(), "{}: {refused:?}", file.display());
        let yaml_text = std::fs::read_to_string(file).unwrap();
        assert!(yaml_text.contains(job), "{job:?} in {}", file.display());
        let scratch = tempfile::tempdir().unwrap();
        let bad = scratch.path().join(file.file_name().unwrap());
        let unknown = format!("{job}{indent}timeout_minutes: 5\n");
        std::fs::write(&bad, yaml_text.replacen(job, &unknown, 1)).unwrap();
        assert!(
            schema_refusal(schema, &bad).is_some(),
            "{schema} accepted an unknown key"
        );
    }

    let workflow = yaml(&github);
    // Read-only: the job reads the repository and writes nothing with its token.
    assert_eq!(
        workflow["permissions"],
        serde_json::json!({"contents": "read"}),
        "{workflow:#}"
    );
    let steps = workflow["jobs"]["grade"]["steps"].as_array().unwrap();
    for uses in steps.iter().filter_map(|s| s["uses"].as_str()) {
        let (action, version) = uses.split_once('@').unwrap();
        let from = NODE_24_FROM
            .iter()
            .find(|(a, _)| *a == action)
            .unwrap_or_else(|| panic!("{action}: which release runs on Node 24?"));
        let major: u32 = version.trim_start_matches('v').parse().unwrap();
        assert!(major >= from.1, "{uses}: Node 24 from v{}", from.1);
    }
    // The toolchain is cached, by the version of rust-toolchain.toml, before it is installed, and
    // a new Cargo.lock starts from the last cache of the same toolchain.
    let place = |f: &dyn Fn(&serde_json::Value) -> bool| steps.iter().position(f).unwrap();
    let cache_at = place(&|s| {
        s["uses"]
            .as_str()
            .is_some_and(|u| u.starts_with("actions/cache@"))
    });
    let install_at = place(&|s| {
        s["run"]
            .as_str()
            .is_some_and(|r| r.contains("rustup toolchain install"))
    });
    assert!(
        cache_at < install_at,
        "the cache is restored after the install"
    );
    let cache = &steps[cache_at]["with"];
    let paths: Vec<&str> = cache["path"].as_str().unwrap().lines().collect();
    assert!(paths.contains(&"~/.rustup"), "{paths:?}");
    let key = cache["key"].as_str().unwrap();
    assert!(key.contains("hashFiles('rust-toolchain.toml')"), "{key}");
    let restore: Vec<&str> = cache["restore-keys"].as_str().unwrap().lines().collect();
    assert!(!restore.is_empty());
    for prefix in restore {
        assert!(
            key.starts_with(prefix) && prefix.contains("rust-toolchain.toml"),
            "{prefix} is no prefix of {key} with the same toolchain"
        );
    }

    // GitLab's image has the toolchain of rust-toolchain.toml, whatever version that is.
    let ci = yaml(&gitlab);
    assert_eq!(
        ci["grade"]["image"].as_str(),
        Some(format!("rust:{}", support::toolchain_channel()).as_str()),
        "{ci:#}"
    );
}
