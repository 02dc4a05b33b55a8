//! A Markdown summary (`--format markdown --out PATH`): the score, then a table with a row per
//! test (exercise, title, points, result, and the first line of why it did not pass). The student
//! kit's GitHub workflow writes it to `$GITHUB_STEP_SUMMARY`, which GitHub shows on the run's page.
//! Written even after a grading error, whose score line says it is no grade.

use crate::events::{Score, Status, TestOutcome};
use crate::rubric::Test;

/// Text for a table cell that renders as itself: every ASCII punctuation character escaped (no
/// link, emphasis, HTML or `|` ending the cell can come from a program's output), on one line.
fn cell(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.lines().next().unwrap_or_default().chars() {
        if c.is_ascii_punctuation() {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

fn row(o: &TestOutcome) -> String {
    let result = match o.status {
        Status::Pass => "✅ passed",
        Status::Fail { .. } => "❌ failed",
        Status::NotRun { .. } => "➖ not run here",
        Status::GraderError { .. } => "⚠️ grading error",
    };
    let score = o.score();
    let why = super::problem_lines(o)
        .first()
        .map_or(String::new(), |l| cell(l));
    format!(
        "| {} | {} | {}/{} | {result} | {why} |\n",
        o.test.exercise,
        cell(o.test.title),
        score.got,
        o.test.points,
    )
}

/// The whole summary of a run that ended with `outcomes` (a row per test run: the rest of the
/// rubric is not shown).
pub fn summary(_rubric: &[Test], outcomes: &[TestOutcome], score: &Score) -> Option<String> {
    let mut text = format!(
        "## {}\n\n| exercise | test | points | result | why |\n| --- | --- | ---: | --- | --- |\n",
        cell(&super::terminal::score_line(score))
    );
    outcomes.iter().for_each(|o| text.push_str(&row(o)));
    text.push_str(
        "\nRun `make grade` on your machine to see every reason in full; \
         `cargo test -p exN -- TEST` runs one test.\n",
    );
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::samples;

    fn written(outcomes: &[TestOutcome]) -> String {
        samples::rendered(outcomes, summary).unwrap()
    }

    /// The table's rows, each split into its cells (on `|` not escaped).
    fn rows(text: &str) -> Vec<Vec<String>> {
        text.lines()
            .filter(|l| l.starts_with('|'))
            .map(|l| {
                let mut cells = vec![String::new()];
                let mut chars = l.trim().trim_matches('|').chars();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => cells.last_mut().unwrap().extend(chars.next()),
                        '|' => cells.push(String::new()),
                        c => cells.last_mut().unwrap().push(c),
                    }
                }
                cells.iter().map(|c| c.trim().to_owned()).collect()
            })
            .collect()
    }

    #[test]
    fn a_row_per_test_under_the_score() {
        let text = written(&samples::one_of_each());
        assert!(
            text.starts_with("## Score\\: 7\\/9 \\(1 point not run here\\)\n"),
            "{text}"
        );
        let rows = rows(&text);
        assert_eq!(rows.len(), 2 + 4, "{text}");
        assert!(rows.iter().all(|r| r.len() == 5), "{rows:?}");
        assert_eq!(
            rows[2],
            ["fx1", "counts the lines of a file", "4/4", "✅ passed", ""]
        );
        assert_eq!(
            rows[3][2..],
            ["0/2", "❌ failed", "`fx1 count data.bin` printed 3"]
        );
        assert_eq!(rows[4][3], "➖ not run here");
    }

    #[test]
    fn a_programs_text_cannot_break_the_table_or_make_links() {
        let text = written(&samples::hostile());
        samples::assert_harmless(&text);
        let rows = rows(&text);
        assert!(rows.iter().all(|r| r.len() == 5), "{text}");
        // Every punctuation character of the reason (the last cell) is escaped: none is markup.
        let line = text.lines().find(|l| l.starts_with("| fx1 | ")).unwrap();
        let why = line.trim_end_matches(" |").rsplit(" | ").next().unwrap();
        assert!(why.starts_with("\\`fx1 count\\` printed"), "{why}");
        let mut chars = why.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => assert!(chars.next().is_some_and(|c| c.is_ascii_punctuation())),
                c => assert!(!c.is_ascii_punctuation(), "{c:?} in {why}"),
            }
        }
    }

    #[test]
    fn after_a_grading_error_the_summary_says_it_is_no_grade() {
        let text = written(&samples::with_grading_error());
        assert!(text.starts_with("## Score\\: none"), "{text}");
        assert!(text.contains("⚠️ grading error"), "{text}");
    }
}
