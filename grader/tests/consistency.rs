//! The kit holds together, as rustlings' `dev check` proves its manifest: every rubric row is worth
//! something and each exercise adds up to its weight; every row is failed by a mutant (and
//! `mutants.rs` checks that the failure shows the row's hint); every bullet of an exercise's
//! contract names the tests that enforce it, and every test is named by one; every exercise has
//! its stub, solution, checks, C version, mutants and README. Each message names the row, the
//! bullet or the file at fault.

mod support;

use std::collections::BTreeSet;

use grader::rubric::{EXERCISES, RUBRIC, exercise, tests_of};
use support::kit_root;

#[test]
fn every_row_is_worth_points_and_each_exercise_adds_up_to_its_weight() {
    let mut problems = Vec::new();
    for t in RUBRIC.iter() {
        if t.points == 0 {
            problems.push(format!("{}.{}: a row worth 0 points", t.exercise, t.name));
        }
        if t.hint.trim().is_empty() {
            problems.push(format!("{}.{}: a row without a hint", t.exercise, t.name));
        }
    }
    for name in EXERCISES.iter().copied() {
        let table = exercise(name).unwrap();
        let sum: u32 = tests_of(name).map(|t| t.points).sum();
        if sum != table.weight {
            problems.push(format!(
                "{name}: its rows add up to {sum} points, but it declares a weight of {}",
                table.weight
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_row_is_failed_by_a_mutant_of_its_exercise() {
    let mut problems = Vec::new();
    let caught: BTreeSet<(&str, &str)> = support::all_mutants()
        .flat_map(|m| m.caught_by.iter().map(move |name| (m.exercise, *name)))
        .collect();
    for t in RUBRIC.iter() {
        if !caught.contains(&(t.exercise, t.name)) {
            problems.push(format!(
                "{}.{}: no mutant in grader/tests/mutants/{}.rs fails it (add one, with it in \
                 `caught_by`)",
                t.exercise, t.name, t.exercise
            ));
        }
    }
    for (exercise, name) in &caught {
        if !tests_of(exercise).any(|t| t.name == *name) {
            problems.push(format!(
                "{exercise}.{name}: a mutant names a row that does not exist"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The bullets of an exercise README's contract (`## The contract`, up to the kit's "Choices ...
/// where the contract is silent", which record decisions rather than promise tests), each on one
/// line.
fn contract_bullets(readme: &str) -> Vec<String> {
    let section = readme
        .split("\n## The contract")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .and_then(|rest| rest.split("\nChoices this kit makes").next())
        .unwrap_or_default();
    let mut bullets: Vec<String> = Vec::new();
    for line in section.lines() {
        if let Some(start) = line.strip_prefix("- ") {
            bullets.push(start.to_owned());
        } else if line.starts_with("  ")
            && !line.trim().is_empty()
            && let Some(last) = bullets.last_mut()
        {
            last.push(' ');
            last.push_str(line.trim());
        }
    }
    bullets
}

/// The tests a bullet names: `(tests: a, b)` at its end. A bullet that no check can enforce yet
/// says so, with the reason, as `(tests: none: REASON)`: a gap in plain sight, not a silent one.
fn named_tests(bullet: &str) -> Vec<String> {
    if let Some((_, reason)) = bullet.rsplit_once("(tests: none: ") {
        return vec![format!("none: {}", reason.trim_end_matches(')'))];
    }
    bullet
        .rsplit_once("(tests: ")
        .map(|(_, names)| {
            names
                .trim_end_matches(|c: char| c == ')' || c == '.' || c.is_whitespace())
                .split(',')
                .map(|n| n.trim().trim_matches('`').to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_contract_bullet_names_its_tests_and_every_test_is_named() {
    let mut problems = Vec::new();
    for name in EXERCISES.iter().copied() {
        let readme =
            std::fs::read_to_string(kit_root().join(format!("exercises/{name}/README.md")))
                .unwrap_or_default();
        let bullets = contract_bullets(&readme);
        if bullets.is_empty() {
            problems.push(format!("{name}: its README has no contract bullets"));
        }
        let mut named = BTreeSet::new();
        for bullet in &bullets {
            let tests = named_tests(bullet);
            if tests.is_empty() {
                problems.push(format!(
                    "{name}: a contract bullet names no test (end it with `(tests: NAME, ...)`): \
                     {bullet}"
                ));
            }
            for test in tests {
                if test.starts_with("none: ") {
                    continue;
                }
                if !tests_of(name).any(|t| t.name == test) {
                    problems.push(format!(
                        "{name}: a contract bullet names `{test}`, no such row"
                    ));
                }
                named.insert(test);
            }
        }
        for t in tests_of(name) {
            if !named.contains(t.name) {
                problems.push(format!(
                    "{name}.{}: no bullet of exercises/{name}/README.md's contract names it",
                    t.name
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_exercise_has_its_stub_solution_checks_c_version_mutants_and_readme() {
    let kit = kit_root();
    let mut problems = Vec::new();
    for name in EXERCISES.iter() {
        for path in [
            format!("exercises/{name}/Cargo.toml"),
            format!("exercises/{name}/README.md"),
            format!("exercises/{name}/src/exercise.rs"),
            format!("solutions/{name}/Cargo.toml"),
            format!("solutions/{name}/src/exercise.rs"),
            format!("grader/src/checks/{name}.rs"),
            format!("grader/tests/foreign/{name}.c"),
            format!("grader/tests/mutants/{name}.rs"),
        ] {
            if !kit.join(&path).is_file() {
                problems.push(format!("{name}: {path} is missing"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
