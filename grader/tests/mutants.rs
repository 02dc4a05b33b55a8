//! Wrong programs that the grader must catch: every mutant (the tables of `mutants/exN.rs`) is
//! built and graded on its exercise, and must fail each rubric test named in its `caught_by`,
//! showing that row's hint, and the texts named in its `shows` (the message that names the
//! mistake).

mod support;

use std::path::Path;

use support::Mutant;

/// The entry of results.json for the rubric test `id` (`ex1.peek_range`).
fn test_named<'a>(json: &'a serde_json::Value, id: &str) -> Option<&'a serde_json::Value> {
    json["tests"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| t["extra_data"]["id"] == id)
}

/// Grades one mutant on its exercise; returns the problems found (none when it is caught).
fn grade(m: &Mutant, binary: &Path, dir: &Path) -> Vec<String> {
    let results = dir.join(format!("{}.json", m.name));
    let output = support::grader()
        .args([
            m.exercise,
            "--bin",
            &format!("{}={}", m.exercise, binary.display()),
            "--json",
        ])
        .arg(&results)
        .env("NO_COLOR", "1")
        .output()
        .expect("cannot run the grader");
    let text = std::fs::read_to_string(&results).unwrap_or_default();
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
        return vec![format!(
            "{}: the grader wrote no results: {}",
            m.name,
            String::from_utf8_lossy(&output.stderr)
        )];
    };
    let mut problems = Vec::new();
    if output.status.success()
        || json["score"].as_u64() >= Some(grader::rubric::points_of(m.exercise).into())
    {
        problems.push(format!("{}: scored full marks ({})", m.name, json["score"]));
    }
    for name in m.caught_by {
        let number = format!("{}.{name}", m.exercise);
        match test_named(&json, &number) {
            None => problems.push(format!("{}: no rubric test {number}", m.name)),
            Some(t) if t["status"] != "failed" => {
                problems.push(format!("{}: {number} did not catch it", m.name))
            }
            // The row's hint, read from the rubric (never copied here), follows the failure.
            Some(t) => {
                let row = grader::rubric::tests_of(m.exercise).find(|r| r.name == *name);
                let output = t["output"].as_str().unwrap_or_default();
                if let Some(row) = row.filter(|r| !output.contains(r.hint)) {
                    problems.push(format!(
                        "{}: {number} failed without its row's hint {:?}",
                        m.name, row.hint
                    ));
                }
            }
        }
    }
    // The hint that names the mistake, in the failure of the test that shows it.
    for (name, text) in m.shows {
        let number = format!("{}.{name}", m.exercise);
        let output = test_named(&json, &number)
            .and_then(|t| t["output"].as_str())
            .unwrap_or_default();
        if !output.contains(text) {
            problems.push(format!(
                "{}: {number} does not say {text:?}; it says: {output}",
                m.name
            ));
        }
    }
    problems
}

#[test]
fn every_mutant_loses_the_points_meant_to_catch_it() {
    let dir = tempfile::tempdir().unwrap();
    // `MUTANT=name cargo test -p grader --release --test mutants` tries one mutant alone.
    let only = std::env::var("MUTANT").ok();
    let mutants: Vec<&Mutant> = support::all_mutants()
        .filter(|m| only.as_deref().is_none_or(|name| m.name == name))
        .collect();
    assert!(!mutants.is_empty(), "no mutant is named {only:?}");
    let binaries = support::build(dir.path(), &mutants);
    let jobs = mutants.into_iter().zip(&binaries).collect::<Vec<_>>();
    // Two mutants at a time: each grading already runs its tests in parallel.
    let problems: Vec<String> = std::thread::scope(|s| {
        jobs.chunks(jobs.len().div_ceil(2))
            .map(|chunk| {
                s.spawn(|| {
                    chunk
                        .iter()
                        .flat_map(|(m, bin)| grade(m, bin, dir.path()))
                        .collect::<Vec<_>>()
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(
        problems.is_empty(),
        "mutants that were not caught:\n{}",
        problems.join("\n")
    );
}
