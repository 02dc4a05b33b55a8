//! The rubric: the union of the exercises' tables. Each exercise declares its own rows, beside
//! its checks, in `checks/exN.rs` (`pub const EXERCISE: Exercise`): every test's name, points,
//! title, check and hint, and what the exercise is worth. The set of exercises is found when the
//! grader is built (`build.rs`: every `checks/exN.rs`), and every count, the total included, is
//! derived from these tables: nothing else names the exercises or their points.

use std::sync::LazyLock;

pub use crate::table::{Exercise, Test, after_due_date, alone, test};

/// The exercises, in order (`ex1`, `ex2`, ...): one per `checks/exN.rs`.
pub static EXERCISES: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| crate::checks::TABLES.iter().map(|e| e.name).collect());

/// Every graded test, exercise by exercise, in each table's order.
pub static RUBRIC: LazyLock<Vec<Test>> = LazyLock::new(|| {
    crate::checks::TABLES
        .iter()
        .flat_map(|e| {
            e.tests.iter().map(|t| Test {
                exercise: e.name,
                ..*t
            })
        })
        .collect()
});

/// The table of the exercise called `name`.
pub fn exercise(name: &str) -> Option<&'static Exercise> {
    crate::checks::TABLES
        .iter()
        .copied()
        .find(|e| e.name == name)
}

/// The tests of one exercise, in rubric order.
pub fn tests_of(exercise: &str) -> impl Iterator<Item = &'static Test> {
    RUBRIC.iter().filter(move |t| t.exercise == exercise)
}

/// What an exercise is worth: its declared weight (which its tests' points add up to).
pub fn points_of(exercise: &str) -> u32 {
    self::exercise(exercise).map_or(0, |e| e.weight)
}

/// What the whole rubric is worth: the exercises' weights added up.
pub fn total_points() -> u32 {
    crate::checks::TABLES.iter().map(|e| e.weight).sum()
}

/// A fingerprint of the rubric: every test's exercise, name, points, title and settings. A grade
/// given under another rubric is not kept (`instructor batch`). (The hasher is the standard
/// library's, stable within one build of the grader, which is all the comparison needs: another
/// build is another grader version anyway.)
pub fn fingerprint() -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    for t in RUBRIC.iter() {
        (
            t.exercise,
            t.name,
            t.points,
            t.title,
            t.solo,
            t.after_due_date,
        )
            .hash(&mut hasher);
    }
    format!("{:016x}", hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_within_an_exercise() {
        let mut seen = std::collections::HashSet::new();
        for t in RUBRIC.iter() {
            assert!(
                seen.insert((t.exercise, t.name)),
                "{} {} twice",
                t.exercise,
                t.name
            );
        }
    }
}
