//! The similarity check on hand-made pairs: the reference ex3 against copies of it with its
//! variables renamed, its functions reordered, its comments changed, and all three at once (each
//! must be flagged), and against an ex3 written apart (`similar/independent_ex3.rs`, 25/25 when
//! graded), which must not be. Then `instructor similar` on a class folder: its CSV and its page.

mod html;
mod support;

use std::collections::BTreeMap;
use std::path::Path;

use instructor::batch::similar::{self, DEFAULT_THRESHOLD, Source, Student};

fn reference() -> String {
    std::fs::read_to_string(support::kit_root().join("solutions/ex3/src/exercise.rs")).unwrap()
}

fn independent() -> String {
    std::fs::read_to_string(support::kit_root().join("instructor/tests/similar/independent_ex3.rs"))
        .unwrap()
}

/// `code` with whole words renamed.
fn renamed(code: &str) -> String {
    let names: BTreeMap<&str, &str> = [
        ("src_path", "input_path"),
        ("dst_path", "output_path"),
        ("src", "input"),
        ("dst", "output"),
        ("src_meta", "input_info"),
        ("dst_meta", "output_info"),
        ("size", "total"),
        ("offset", "pos"),
        ("from", "source_map"),
        ("to", "target_map"),
        ("copy_window", "copy_chunk"),
        ("reserve", "preallocate"),
        ("WINDOW", "CHUNK_BYTES"),
    ]
    .into();
    let mut out = String::new();
    let mut word = String::new();
    for c in code.chars().chain(std::iter::once('\n')) {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            out.push_str(names.get(word.as_str()).unwrap_or(&word.as_str()));
            word.clear();
            out.push(c);
        }
    }
    out.pop();
    out
}

/// `code` with its functions in reverse order (each with the comments above it).
fn reordered(code: &str) -> String {
    let starts: Vec<usize> = code
        .match_indices("\n\n")
        .map(|(i, _)| i + 2)
        .filter(|&i| {
            let item = code[i..]
                .lines()
                .find(|l| !l.trim_start().starts_with("//"));
            item.is_some_and(|l| l.starts_with("fn ") || l.starts_with("pub fn "))
        })
        .collect();
    assert!(
        starts.len() >= 3,
        "the reference has its functions: {starts:?}"
    );
    let mut parts: Vec<&str> = starts
        .windows(2)
        .map(|w| &code[w[0]..w[1]])
        .chain(std::iter::once(&code[*starts.last().unwrap()..]))
        .collect();
    parts.reverse();
    let head = &code[..starts[0]];
    head.to_owned()
        + &parts
            .iter()
            .map(|p| p.trim_end().to_owned() + "\n\n")
            .collect::<String>()
}

/// `code` with every comment line replaced by another comment.
fn recommented(code: &str) -> String {
    code.lines()
        .enumerate()
        .map(|(i, l)| {
            if l.trim_start().starts_with("//") {
                format!("// note {i}: my own words here\n")
            } else if i % 7 == 0 {
                format!("{l} // line {i}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect()
}

fn student(name: &str, ex3: &str) -> Student {
    Student {
        name: name.into(),
        files: [(
            "ex3",
            vec![Source {
                path: "exercises/ex3/src/exercise.rs".into(),
                text: ex3.into(),
            }],
        )]
        .into(),
    }
}

fn similarity(a: &str, b: &str) -> f64 {
    let stubs = similar::stubs(&support::kit_root()).unwrap();
    let pairs = similar::compare(&stubs, &[student("a", a), student("b", b)], 0.0);
    pairs.first().map_or(0.0, |p| p.score() * 100.0)
}

#[test]
fn copies_are_flagged_whatever_was_renamed_reordered_or_recommented() {
    let original = reference();
    let all_three = recommented(&reordered(&renamed(&original)));
    for (what, copy) in [
        ("renamed", renamed(&original)),
        ("reordered", reordered(&original)),
        ("recommented", recommented(&original)),
        ("all three", all_three),
    ] {
        assert_ne!(copy, original, "{what}: the edit changed nothing");
        let score = similarity(&original, &copy);
        eprintln!("reference and its {what} copy: {score:.0}%");
        assert!(score >= 90.0, "{what}: {score:.0}%");
    }
}

#[test]
fn two_solutions_written_apart_are_not_flagged() {
    let score = similarity(&reference(), &independent());
    eprintln!("reference and an independent solution: {score:.0}%");
    assert!(score < DEFAULT_THRESHOLD / 2.0, "{score:.0}%");
    // The stubs are nobody's code: two untouched submissions share nothing.
    let stub =
        std::fs::read_to_string(support::kit_root().join("exercises/ex3/src/exercise.rs")).unwrap();
    assert_eq!(similarity(&stub, &stub), 0.0);
    // Without the stubs taken out, they would be (the base is what makes that so).
    let pairs = similar::compare(
        &BTreeMap::new(),
        &[student("a", &stub), student("b", &stub)],
        0.0,
    );
    assert!(pairs.is_empty() || pairs[0].score() > 0.9, "{pairs:?}");
}

fn write_submission(dir: &Path, ex3: &str) {
    support::stub_submission(dir);
    std::fs::write(dir.join("exercises/ex3/src/exercise.rs"), ex3).unwrap();
}

#[test]
fn grader_similar_writes_the_pairs_and_their_passages() {
    let dir = tempfile::tempdir().unwrap();
    let class = dir.path().join("class");
    let odd = "<b>odd, \"name\"";
    write_submission(&class.join("reference"), &reference());
    write_submission(
        &class.join(odd),
        &recommented(&reordered(&renamed(&reference()))),
    );
    write_submission(&class.join("independent"), &independent());
    write_submission(
        &class.join("untouched"),
        &std::fs::read_to_string(support::kit_root().join("exercises/ex3/src/exercise.rs"))
            .unwrap(),
    );
    let out = dir.path().join("out");
    let run = std::process::Command::new(support::instructor_bin())
        .arg("similar")
        .arg(&class)
        .arg("--out")
        .arg(&out)
        .args(["--threshold", "50"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(stderr.contains("4 submissions compared"), "{stderr}");

    let text = std::fs::read_to_string(out.join("similar.csv")).unwrap();
    let rows = instructor::csv::parse(&text).unwrap();
    assert_eq!(rows[0][..3], ["exercise", "student_a", "student_b"]);
    let pairs: Vec<(&str, &str, &str)> = rows[1..]
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str(), r[2].as_str()))
        .collect();
    assert_eq!(pairs, [("ex3", odd, "reference")], "{text}");
    let lines = &rows[1][7];
    assert!(
        lines.starts_with("exercises/ex3/src/exercise.rs:"),
        "{lines}"
    );

    let page = html::parse(&std::fs::read_to_string(out.join("similar.html")).unwrap());
    assert_eq!(page.errors, Vec::<String>::new());
    assert!(
        page.root.all("b").is_empty(),
        "a student's name became markup"
    );
    let pair = page
        .root
        .find_all(&|e| e.attrs.get("class").is_some_and(|c| c == "pair"));
    assert_eq!(pair.len(), 1);
    assert_eq!(pair[0].attr("data-a"), odd);
    // The passages side by side: code of both, with their lines.
    let cells = page
        .root
        .find_all(&|e| e.attrs.get("class").is_some_and(|c| c == "code"));
    assert!(
        cells.len() >= 2 && cells.len().is_multiple_of(2),
        "{}",
        cells.len()
    );
    let (left, right) = (cells[0].text(), cells[1].text());
    assert!(
        left.contains("lines ") && right.contains("lines "),
        "{left}\n{right}"
    );
    assert!(
        cells.iter().any(|c| c.text().contains("output_path")),
        "the copy's own names"
    );
    assert!(
        cells.iter().any(|c| c.text().contains("dst_path")),
        "the reference's names"
    );

    // Not a number, or past 100: a usage error.
    for bad in ["x", "150"] {
        let run = std::process::Command::new(support::instructor_bin())
            .arg("similar")
            .arg(&class)
            .args(["--threshold", bad])
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(2), "--threshold {bad}");
    }
}
