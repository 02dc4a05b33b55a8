//! TAP version 13 (`--format tap --out PATH`), the Test Anything Protocol that test harnesses
//! read (https://testanything.org/tap-version-13-specification.html): a plan, a test point per
//! rubric test, and for each test that did not pass a YAML block with why. Version 13, not 14:
//! Perl's `prove` (Test::Harness), the most common harness, refuses a version past 13, and
//! nothing here needs 14 (no subtests); TAP 14 parsers read 13 too. A test not run here is
//! `ok ... # SKIP`; a grading error is `not ok` with its severity, and the last line, a comment,
//! says the run is no grade.

use crate::events::{Score, Status, TestOutcome};
use crate::rubric::Test;

/// A test point's description or directive: one line, with `\` and `#` escaped (TAP 14 writes
/// the escapes down; TAP 13 parsers such as Test::Harness already read a `\#` as no directive).
fn escape(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    line.replace('\\', "\\\\").replace('#', "\\#")
}

/// A YAML value: a JSON string is a YAML double-quoted scalar, with the same escapes.
fn yaml(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

fn point(number: usize, o: &TestOutcome) -> String {
    let label = escape(&super::label(o.test));
    let problem = super::problem_lines(o);
    let first = problem.first().map_or("", String::as_str);
    let (verdict, severity) = match o.status {
        Status::Pass => return format!("ok {number} - {label}\n"),
        Status::NotRun { .. } => {
            return format!("ok {number} - {label} # SKIP {}\n", escape(first));
        }
        Status::Fail { .. } => ("not ok", "fail"),
        Status::GraderError { .. } => ("not ok", "grading error"),
    };
    let score = o.score();
    format!(
        "{verdict} {number} - {label}\n  ---\n  message: {}\n  severity: {}\n  data:\n    \
         test: {}\n    points: {}\n    max_points: {}\n    reason: {}\n  ...\n",
        yaml(first),
        yaml(severity),
        yaml(&format!("{}.{}", o.test.exercise, o.test.name)),
        score.got,
        o.test.points,
        yaml(&problem.join("\n")),
    )
}

/// The TAP document of a run that ended with `outcomes` (a test point per test run).
pub fn document(_rubric: &[Test], outcomes: &[TestOutcome], score: &Score) -> Option<String> {
    let mut text = format!("TAP version 13\n1..{}\n", outcomes.len());
    for (i, o) in outcomes.iter().enumerate() {
        text.push_str(&point(i + 1, o));
    }
    Some(text + "# " + &super::terminal::score_line(score) + "\n")
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use super::*;
    use crate::report::samples;

    /// What Perl's TAP::Parser (the parser of `prove`) reads in `tap`: a line per result, with
    /// its type, whether it is ok, its directive, and a YAML block's data as JSON, then any parse
    /// error (a version it does not know is one).
    fn parsed(tap: &str) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("results.tap");
        std::fs::write(&file, tap).unwrap();
        let script = r#"
            use TAP::Parser; use JSON::PP;
            my $p = TAP::Parser->new({source => $ARGV[0]});
            while (my $r = $p->next) {
                if ($r->is_yaml) { print "yaml ", JSON::PP->new->canonical->encode($r->data), "\n" }
                elsif ($r->is_test) { print "test ", ($r->is_ok ? "ok" : "not ok"), " ", $r->number, " [", $r->directive, "] ", $r->description, "\n" }
                else { print $r->type, "\n" }
            }
            print "error $_\n" for $p->parse_errors;
        "#;
        let out = Command::new("perl")
            .args(["-e", script])
            .arg(&file)
            .output()
            .expect("this test needs perl, with TAP::Parser (Debian: perl-modules)");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn written(outcomes: &[TestOutcome]) -> String {
        samples::rendered(outcomes, document).unwrap()
    }

    #[test]
    fn a_tap_parser_reads_every_outcome() {
        let mut outcomes = samples::one_of_each();
        outcomes.extend(samples::with_grading_error().into_iter().skip(1));
        let results = parsed(&written(&outcomes));
        assert_eq!(results[..2], ["version", "plan"]);
        let tests: Vec<&String> = results.iter().filter(|r| r.starts_with("test ")).collect();
        assert_eq!(
            tests,
            [
                "test ok 1 [] - fx1: counts the lines of a file",
                "test not ok 2 [] - fx1: stops at the first NUL byte",
                "test ok 3 [SKIP] - fx1: an empty file has no lines",
                "test ok 4 [] - fx2: echoes each line back, reversed",
                "test not ok 5 [] - fx1: stops at the first NUL byte",
            ]
        );
        let yaml: Vec<serde_json::Value> = results
            .iter()
            .filter_map(|r| r.strip_prefix("yaml "))
            .map(|r| serde_json::from_str(r).unwrap())
            .collect();
        assert_eq!(yaml.len(), 2, "{results:#?}");
        assert_eq!(yaml[0]["severity"], "fail");
        assert_eq!(yaml[0]["message"], "`fx1 count data.bin` printed 3");
        assert_eq!(
            yaml[0]["data"]["reason"],
            "`fx1 count data.bin` printed 3\nexpected 2\n(seed 42: GRADER_SEED=42 repeats these inputs)"
        );
        assert_eq!(yaml[0]["data"]["max_points"], "2");
        assert_eq!(yaml[1]["severity"], "grading error");
        assert!(
            results.last().unwrap().starts_with("comment"),
            "{results:#?}"
        );
        assert!(
            !results.iter().any(|r| r.starts_with("error")),
            "{results:#?}"
        );
    }

    #[test]
    fn a_programs_text_stays_in_its_test() {
        let text = written(&samples::hostile());
        samples::assert_no_controls(&text);
        let results = parsed(&text);
        assert!(
            !results.iter().any(|r| r.starts_with("error")),
            "{results:#?}"
        );
        let yaml = results
            .iter()
            .find_map(|r| r.strip_prefix("yaml "))
            .unwrap();
        let yaml: serde_json::Value = serde_json::from_str(yaml).unwrap();
        assert!(
            yaml["data"]["reason"]
                .as_str()
                .unwrap()
                .contains("Score: 100/100 <&\"'>\n(seed 42"),
            "{yaml}"
        );
        // The lines the program printed stay inside the YAML block: still one test point.
        assert_eq!(results.iter().filter(|r| r.starts_with("test ")).count(), 1);
    }
}
