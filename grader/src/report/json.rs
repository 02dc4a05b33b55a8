//! Gradescope's results.json: https://gradescope-autograders.readthedocs.io/en/latest/specs/

use std::path::Path;
use std::time::Duration;

use serde_json::json;

use crate::grade::Outcome;

/// The results document: total score, time taken, and one entry per test.
pub fn results(outcomes: &[Outcome], elapsed: Duration) -> serde_json::Value {
    let (score, _) = super::totals(outcomes);
    let tests: Vec<_> = outcomes
        .iter()
        .map(|o| {
            let output = o
                .failure
                .iter()
                .chain(&o.notes)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n");
            json!({
                "name": format!("{}: {}", o.test.exercise, o.test.title),
                "number": format!("{}.{}", o.test.exercise, o.test.name),
                "score": o.score(),
                "max_score": o.test.points,
                "status": if o.passed() { "passed" } else { "failed" },
                "output": output,
                "visibility": "visible",
            })
        })
        .collect();
    json!({
        "score": score,
        "execution_time": elapsed.as_secs_f64().round() as u64,
        "visibility": "visible",
        "stdout_visibility": "visible",
        "tests": tests,
    })
}

pub fn write(path: &Path, outcomes: &[Outcome], elapsed: Duration) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(&results(outcomes, elapsed))?;
    std::fs::write(path, text + "\n")
}
