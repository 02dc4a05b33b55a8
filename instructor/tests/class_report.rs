//! The instructor's view of a class: a small class (a perfect submission, one whose ex2 does not
//! compile, and the stubs in a folder named `<script>` whose panics print markup) is graded, and
//! class.html is read with a real HTML parser: the page holds no markup of a submission's, every
//! student is in it with a link to their report, and each test's pass rate is the one tests.csv
//! gives. Then `--only` regrades one student, with `--seed`, and the others keep their grades.

mod html;
mod support;

use grader::rubric::{points_of, total_points};

use std::collections::BTreeMap;
use std::path::Path;

/// What the `<script>` student's programs panic with: it reaches the failure reasons.
const MARKUP: &str = "</td><script>alert(1)</script>";

fn class(dir: &Path) {
    support::perfect_submission(&dir.join("perfect"));
    support::broken_submission(&dir.join("broken"));
    let hostile = dir.join("<script>");
    support::stub_submission(&hostile);
    let ex1 = hostile.join("exercises/ex1/src/exercise.rs");
    let code = std::fs::read_to_string(&ex1)
        .unwrap()
        .replace("todo!(", &format!("todo!(\"{MARKUP} {{}}\", "));
    assert!(code.contains(MARKUP));
    std::fs::write(&ex1, code).unwrap();
}

/// tests.csv, as (student, test) -> status.
fn tests_csv(out: &Path) -> BTreeMap<(String, String), String> {
    let text = std::fs::read_to_string(out.join("tests.csv")).unwrap();
    instructor::csv::parse_with_header(&text, &["student", "test", "points", "max", "status"])
        .unwrap()
        .into_iter()
        .map(|row| ((row[0].1.clone(), row[1].1.clone()), row[4].1.clone()))
        .collect()
}

fn seeds(out: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(out.join("seeds.csv")).unwrap();
    instructor::csv::parse_with_header(&text, &["student", "seed"])
        .unwrap()
        .into_iter()
        .map(|row| (row[0].1.clone(), row[1].1.clone()))
        .collect()
}

#[test]
fn the_class_report_shows_every_student_and_the_pass_rates_of_tests_csv() {
    let dir = tempfile::tempdir().unwrap();
    let (class_dir, out) = (dir.path().join("class"), dir.path().join("out"));
    class(&class_dir);
    let run = support::batch_with(&class_dir, &out, &["--seed", "777"]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    let book = support::gradebook(&out.join("grades.csv"));
    assert_eq!(book.len(), 3, "{book:#?}");
    let total = |s: &str| book[s]["total"].parse::<u32>().unwrap();
    assert_eq!(
        (total("perfect"), total("broken"), total("<script>")),
        (total_points(), total_points() - points_of("ex2"), 0),
        "perfect's report:\n{}",
        std::fs::read_to_string(out.join("perfect/report.txt")).unwrap_or_default()
    );

    // The terminal summary, from the same numbers as the gradebook.
    assert!(
        stderr.contains(&{
            let (max, broken) = (total_points(), total_points() - points_of("ex2"));
            let mean = f64::from(max + broken) / 3.0;
            format!("class of 3 graded: mean {mean:.1}, median {broken}.0, min 0, max {max}\n")
        }),
        "{stderr}"
    );
    let hardest: Vec<&str> = stderr
        .lines()
        .skip_while(|l| *l != "hardest tests:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect();
    assert_eq!(hardest.len(), 5, "{stderr}");
    // ex2 fails for two students of three (the stubs, and broken's that does not build).
    assert!(
        hardest.iter().all(|l| l.contains("33% passed  ex2.")),
        "{hardest:?}"
    );

    let page = html::parse(&std::fs::read_to_string(out.join("class.html")).unwrap());
    assert_eq!(page.errors, Vec::<String>::new(), "the page's markup holds");
    let root = &page.root;
    assert!(
        root.all("script").is_empty(),
        "a submission's markup became markup"
    );
    assert!(
        root.find_all(&|e| e.attrs.keys().any(|a| a.starts_with("on")))
            .is_empty(),
        "an event handler in the page"
    );
    assert!(
        root.find_all(&|e| e.attrs.contains_key("src")
            || e.attrs.get("href").is_some_and(|h| h.contains("://")))
            .is_empty(),
        "the page fetches something"
    );
    // The panic's markup is text, as the student wrote it.
    let tests = root.by_id("tests");
    assert!(tests.text().contains(MARKUP), "{}", tests.text());

    // Every student, with a link to a report that exists.
    let rows = root.by_id("students").all("tr");
    let mut shown = Vec::new();
    for row in rows.iter().filter(|r| r.attrs.contains_key("data-student")) {
        let link = row.all("a")[0];
        let name = link.text();
        assert_eq!(row.attr("data-student"), name);
        let target = html::percent_decode(link.attr("href"));
        assert_eq!(target, format!("{name}/report.txt"));
        assert!(out.join(&target).is_file(), "{target}");
        shown.push(name);
    }
    shown.sort();
    assert_eq!(shown, book.keys().cloned().collect::<Vec<_>>());

    // Each test's pass rate is tests.csv's, hardest first.
    let statuses = tests_csv(&out);
    let mut shares = Vec::new();
    let rows: Vec<_> = tests
        .all("tr")
        .into_iter()
        .filter(|r| r.attrs.contains_key("data-test"))
        .collect();
    assert_eq!(rows.len(), grader::rubric::RUBRIC.len());
    for row in rows {
        let test = row.attr("data-test");
        let of_test: Vec<&str> = statuses
            .iter()
            .filter(|((_, t), _)| t == test)
            .map(|(_, status)| status.as_str())
            .collect();
        assert_eq!(of_test.len(), 3, "{test}");
        let passed = of_test.iter().filter(|s| **s == "pass").count();
        let judged = of_test
            .iter()
            .filter(|s| **s == "pass" || **s == "fail")
            .count();
        assert_eq!(
            (row.attr("data-passed"), row.attr("data-judged")),
            (passed.to_string().as_str(), judged.to_string().as_str()),
            "{test}"
        );
        assert!(row.text().contains(&format!("{passed}/{judged}")), "{test}");
        shares.push(passed as f64 / judged as f64);
    }
    assert!(
        shares.windows(2).all(|w| w[0] <= w[1]),
        "hardest first: {shares:?}"
    );

    // A histogram of the total and one of each exercise.
    assert_eq!(root.all("svg").len(), 1 + grader::rubric::EXERCISES.len());
    // The student whose ex2 did not build is apart.
    let apart = root.by_id("apart");
    let not_built = apart.find_all(&|e| e.attrs.get("class").is_some_and(|c| c == "not-built"));
    assert_eq!(not_built.len(), 1);
    assert!(not_built[0].text().contains("broken") && not_built[0].text().contains("ex2"));
    // The two copies of the reference solutions are a pair in every exercise they both built
    // (and in ex2 too, whose copy only has a line more); the stubs, nobody's code, are in none.
    let pairs: Vec<(&str, &str, &str)> = root
        .by_id("pairs")
        .find_all(&|e| e.attrs.contains_key("data-exercise"))
        .iter()
        .map(|p| (p.attr("data-exercise"), p.attr("data-a"), p.attr("data-b")))
        .collect();
    let mut exercises: Vec<&str> = pairs.iter().map(|p| p.0).collect();
    exercises.sort();
    assert_eq!(exercises, *grader::rubric::EXERCISES, "{pairs:?}");
    assert!(
        pairs.iter().all(|p| (p.1, p.2) == ("broken", "perfect")),
        "{pairs:?}"
    );
    let similar = std::fs::read_to_string(out.join("similar.csv")).unwrap();
    assert_eq!(
        instructor::csv::parse(&similar).unwrap().len(),
        1 + pairs.len(),
        "{similar}"
    );
    let png = out.join("class.png");
    if html::screenshot(&out.join("class.html"), &png) {
        assert!(
            std::fs::metadata(&png).unwrap().len() > 10_000,
            "an empty screenshot"
        );
        eprintln!("screenshot: {}", png.display());
    }

    // The seed is beside the gradebook.
    let first = seeds(&out);
    assert!(first.values().all(|s| s == "777"), "{first:?}");

    // One student regraded, with another seed; the others keep their grades.
    for _ in 0..2 {
        let run = support::batch_with(&class_dir, &out, &["--only", "<script>", "--seed", "4242"]);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(run.status.success(), "{stderr}");
        assert!(
            stderr.contains(&format!("[1/1] <script>: 0/{}, graded", total_points())),
            "regraded, even unchanged: {stderr}"
        );
        let book = support::gradebook(&out.join("grades.csv"));
        assert_eq!(book.len(), 3, "{book:#?}");
        assert_eq!(book["perfect"]["total"], total_points().to_string());
        assert_eq!(
            book["perfect"]["status"],
            "kept from the last grading (not named by --only)"
        );
        let seeds = seeds(&out);
        assert_eq!(
            (
                seeds["<script>"].as_str(),
                seeds["perfect"].as_str(),
                seeds["broken"].as_str()
            ),
            ("4242", "777", "777")
        );
        let report = std::fs::read_to_string(out.join("<script>/report.txt")).unwrap();
        assert!(report.contains("GRADER_SEED=4242"), "{report}");
    }
    // The class report still has everyone.
    let page = html::parse(&std::fs::read_to_string(out.join("class.html")).unwrap());
    let rows = page
        .root
        .by_id("students")
        .find_all(&|e| e.attrs.contains_key("data-student"));
    assert_eq!(rows.len(), 3);

    // A student who is not in the class, and a seed that is not a number, are clear errors.
    let run = support::batch_with(&class_dir, &out, &["--only", "nobody"]);
    assert_eq!(run.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&run.stderr).contains("--only nobody: no submission of that name")
    );
    let run = support::batch_with(&class_dir, &out, &["--seed", "x"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("--seed needs a number"));
}

/// `--out` given relative to where the grader runs (as an instructor types it): the programs are
/// still found in it.
#[test]
fn a_relative_out_folder_works() {
    let dir = tempfile::tempdir().unwrap();
    support::stub_submission(&dir.path().join("class/untouched"));
    let run = std::process::Command::new(support::instructor_bin())
        .current_dir(dir.path())
        .arg("--kit")
        .arg(support::kit_root())
        .args(["batch", "class", "--out", "out", "--jobs", "1"])
        .env("GRADER_TIMEOUT", "3")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let book = support::gradebook(&dir.path().join("out/grades.csv"));
    assert_eq!(book["untouched"]["status"], "graded", "{book:#?}");
}

/// `alice/` and `alice.tar` in one class: one row for alice, refused with both names, and one
/// report saying so (not two rows, the second grading's files over the first's).
#[test]
fn a_student_with_two_submissions_gets_one_row_that_asks_for_one() {
    let dir = tempfile::tempdir().unwrap();
    let class = dir.path().join("class");
    support::stub_submission(&class.join("alice"));
    std::fs::write(class.join("alice.tar"), "").unwrap();
    let out = dir.path().join("out");
    let run = support::batch(&class, &out);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    let text = std::fs::read_to_string(out.join("grades.csv")).unwrap();
    let rows = instructor::csv::parse(&text).unwrap();
    let alice: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "alice").collect();
    assert_eq!(alice.len(), 1, "{text}");
    let why = "not graded: 2 submissions are this student's (alice, alice.tar); keep one of them";
    assert!(
        alice[0]
            .last()
            .unwrap()
            .starts_with(&format!("error: {why}")),
        "{text}"
    );
    let report = std::fs::read_to_string(out.join("alice/report.txt")).unwrap();
    assert!(report.starts_with(why), "{report}");
}
