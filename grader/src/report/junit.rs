//! JUnit XML (`--format junit --out PATH`), the report that CI systems and test dashboards read:
//! a `testsuite` per exercise, a `testcase` per rubric test. A failure is a `<failure>`, a grading
//! error an `<error>`, a test not run here `<skipped>`. The document keeps to the schema Jenkins
//! checks reports with (xunit-plugin's `junit-10.xsd`, the strictest in use): properties only on a
//! suite (its score), so a test's points and measurements are lines of its `<system-out>`; counts
//! of skipped tests only on a suite. A testcase's `name` is its title, which GitLab and Jenkins
//! show, and its `classname` the rubric's id (`ex1.peek_range`), which they group by.
//! Unlike results.json it is written even after a grading error, which it has a word for.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::events::{Event, Reporter, Score, Status, TestOutcome};

pub struct Junit {
    path: PathBuf,
    /// The `<testsuite>` elements so far, one per exercise finished.
    suites: String,
}

impl Junit {
    pub fn new(path: &Path) -> Junit {
        Junit {
            path: path.to_owned(),
            suites: String::new(),
        }
    }
}

/// Text for XML content or attribute values (and HTML's: class.html uses it too). Reasons are
/// already clean (no control characters); the two noncharacters that XML also forbids are dropped
/// here.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            '\n' => escaped.push_str("&#10;"),
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => escaped.push(c),
        }
    }
    escaped
}

fn seconds(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

/// `tests="3" failures="1" errors="0"`, the counts that `<testsuites>` and `<testsuite>` have.
fn counts(outcomes: &[TestOutcome]) -> String {
    let count = |f: fn(&Status) -> bool| outcomes.iter().filter(|o| f(&o.status)).count();
    format!(
        r#"tests="{}" failures="{}" errors="{}""#,
        outcomes.len(),
        count(|s| matches!(s, Status::Fail { .. })),
        count(|s| matches!(s, Status::GraderError { .. })),
    )
}

/// ` skipped="1"`, which only `<testsuite>` has.
fn skipped(outcomes: &[TestOutcome]) -> String {
    let skipped = outcomes
        .iter()
        .filter(|o| matches!(o.status, Status::NotRun { .. }))
        .count();
    format!(r#" skipped="{skipped}""#)
}

fn property(name: &str, value: impl std::fmt::Display) -> String {
    format!(
        r#"<property name="{}" value="{}"/>"#,
        escape(name),
        escape(&value.to_string())
    )
}

fn testcase(o: &TestOutcome) -> String {
    let mut xml = format!(
        r#"    <testcase name="{}" classname="{}.{}" time="{}">"#,
        escape(o.test.title),
        o.test.exercise,
        escape(o.test.name),
        seconds(o.elapsed)
    );
    xml.push('\n');
    let problem = super::problem_lines(o).join("\n");
    let first = problem.lines().next().unwrap_or_default();
    match o.status {
        Status::Pass => {}
        Status::Fail { .. } => {
            let _ = writeln!(
                xml,
                r#"      <failure message="{}" type="fail">{}</failure>"#,
                escape(first),
                escape(&problem)
            );
        }
        Status::NotRun { .. } => {
            let _ = writeln!(xml, r#"      <skipped message="{}"/>"#, escape(&problem));
        }
        Status::GraderError { .. } => {
            let _ = writeln!(
                xml,
                r#"      <error message="{}" type="grading error">{}</error>"#,
                escape(first),
                escape(&problem)
            );
        }
    }
    // Its points first, then what it noted and measured.
    let points = format!("points: {} of {}", o.score().got, o.test.points);
    let out = [vec![points], super::note_lines(o)].concat().join("\n");
    let _ = writeln!(xml, "      <system-out>{}</system-out>", escape(&out));
    xml.push_str("    </testcase>\n");
    xml
}

fn testsuite(exercise: &str, outcomes: &[TestOutcome], score: &Score) -> String {
    let time: Duration = outcomes.iter().map(|o| o.elapsed).sum();
    let mut xml = format!(
        "  <testsuite name=\"{exercise}\" {}{} time=\"{}\">\n    <properties>{}{}</properties>\n",
        counts(outcomes),
        skipped(outcomes),
        seconds(time),
        property("score", score.got),
        property("max_score", score.max),
    );
    outcomes.iter().for_each(|o| xml.push_str(&testcase(o)));
    xml.push_str("  </testsuite>\n");
    xml
}

impl Reporter for Junit {
    fn report(&mut self, event: &Event<'_>) -> Result<(), String> {
        match event {
            Event::ExerciseFinished {
                exercise,
                outcomes,
                score,
            } => {
                self.suites.push_str(&testsuite(exercise, outcomes, score));
                Ok(())
            }
            Event::RunFinished {
                outcomes, elapsed, ..
            } => {
                let xml = format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"mmap lab kit\" {} time=\"{}\">\n{}</testsuites>\n",
                    counts(outcomes),
                    seconds(*elapsed),
                    self.suites
                );
                super::write_file(&self.path, &xml)
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::samples;

    fn written(outcomes: &[TestOutcome]) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("junit.xml");
        samples::replay(outcomes, &mut Junit::new(&path));
        std::fs::read_to_string(&path).unwrap()
    }

    #[test]
    fn a_real_xml_parser_reads_every_outcome() {
        let mut outcomes = samples::one_of_each();
        outcomes.extend(samples::with_grading_error().into_iter().skip(1));
        outcomes.extend(samples::hostile());
        let xml = written(&outcomes);
        let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}:\n{xml}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "testsuites");
        let attr = |node: roxmltree::Node, name| node.attribute(name).unwrap().to_owned();
        assert_eq!(
            ["tests", "failures", "errors"].map(|a| attr(root, a)),
            ["6", "2", "1"]
        );
        // Skipped tests are counted per suite only: junit-10.xsd has no such attribute above.
        assert_eq!(root.attribute("skipped"), None);
        assert_eq!(attr(root, "time"), "1.500");
        // fx1, fx2, then fx1 again (the hand-made runs are in the order given).
        let suites: Vec<_> = root.children().filter(|n| n.is_element()).collect();
        assert_eq!(
            suites.iter().map(|s| attr(*s, "name")).collect::<Vec<_>>(),
            ["fx1", "fx2", "fx1"]
        );
        assert_eq!(attr(suites[0], "skipped"), "1");
        let cases: Vec<_> = root
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        assert_eq!(cases.len(), 6);
        fn child<'a, 'i>(
            case: roxmltree::Node<'a, 'i>,
            tag: &str,
        ) -> Option<roxmltree::Node<'a, 'i>> {
            case.children().find(|n| n.has_tag_name(tag))
        }
        // A pass: its title as the name, its id as the class; its points and measurement.
        assert_eq!(attr(cases[0], "name"), "counts the lines of a file");
        assert_eq!(attr(cases[0], "classname"), "fx1.counts_lines");
        assert_eq!(attr(cases[0], "time"), "0.300");
        assert!(child(cases[0], "properties").is_none());
        assert_eq!(
            child(cases[0], "system-out").unwrap().text(),
            Some("points: 4 of 4\ncounting took 1.0 ms\nmeasured: ratio to wc = 2.19 x")
        );
        assert_eq!(
            child(cases[1], "system-out").unwrap().text(),
            Some("points: 0 of 2")
        );
        // A failure, its first line as the message and the whole reason with the seed as text.
        let failure = child(cases[1], "failure").unwrap();
        assert_eq!(
            failure.attribute("message"),
            Some("`fx1 count data.bin` printed 3")
        );
        assert!(
            failure
                .text()
                .unwrap()
                .ends_with("expected 2\n(seed 42: GRADER_SEED=42 repeats these inputs)")
        );
        assert!(child(cases[2], "skipped").is_some());
        assert_eq!(
            child(cases[4], "error").unwrap().attribute("type"),
            Some("grading error")
        );
        // What a hostile program printed is text, whatever characters it used.
        let hostile = child(cases[5], "failure").unwrap().text().unwrap();
        assert!(hostile.contains(" <&\"'>"), "{hostile}");
        samples::assert_no_controls(hostile);
    }
}
