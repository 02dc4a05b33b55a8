//! class.html: the class at a glance, one self-contained page (inline CSS and SVG, no script, no
//! file fetched from anywhere) written by `instructor batch` beside the gradebook. Everything that
//! came from a submission (a student's directory name, a failure reason, a line of code) is
//! escaped here, in `escape`, on its way into the page. The markup is also well-formed XML, so
//! that any parser, strict or forgiving, reads the same document.

use std::fmt::Write;

use crate::batch::gradebook::{Class, Student, TestFigures, test_id};

/// `text` as HTML text or an attribute's value: the markup characters, both quotes and line
/// breaks escaped (JUnit's XML needs the same).
pub use grader::report::junit::escape;

/// A relative link to a file of a student's folder: the name percent-encoded byte by byte (any
/// character but the unreserved ones), so that no name can leave the folder or the attribute.
pub fn student_link(student: &str, file: &str) -> String {
    let mut link = String::new();
    for b in student.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            link.push(b as char);
        } else {
            let _ = write!(link, "%{b:02X}");
        }
    }
    format!("{link}/{file}")
}

/// The page's start: its title, and the style every page of the batch shares.
pub fn head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        escape(title),
        escape(title)
    )
}

pub const FOOT: &str = "</body>\n</html>\n";

const STYLE: &str = "
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: left; vertical-align: top; }
td { overflow-wrap: anywhere; }
#tests { table-layout: fixed; width: 100%; }
ul.reasons { font-size: 0.9em; }
td.num { text-align: right; }
.bar { background: #eee; width: 10em; height: 0.9em; display: inline-block; }
.bar span { background: #4a7; height: 100%; display: block; }
.histograms { display: flex; flex-wrap: wrap; gap: 2em; }
figure { margin: 0; }
svg text { font-size: 10px; fill: #444; }
pre { margin: 0; font-size: 0.85em; white-space: pre-wrap; }
td.code { background: #fbfbf4; }
ul.reasons { margin: 0; padding-left: 1.2em; }
";

/// The whole page; `similar` is the similarity section, when there is one.
pub fn page(class: &Class, similar: Option<&str>) -> String {
    let mut html = head("Class report");
    html.push_str(&summary(class));
    html.push_str(&histograms(class));
    html.push_str(&tests(&class.tests));
    html.push_str(&apart(class.students));
    html.push_str(&students(class));
    if let Some(section) = similar {
        html.push_str(section);
    }
    html.push_str(FOOT);
    html
}

fn summary(class: &Class) -> String {
    let mut html = format!(
        "<p id=\"summary\">{} students, {} graded",
        class.students.len(),
        class.graded.len()
    );
    if let Some(s) = class.summary() {
        let _ = write!(
            html,
            ": mean {:.1}, median {:.1}, lowest {}, highest {}",
            s.mean, s.median, s.min, s.max
        );
    }
    html.push_str(".</p>\n");
    html
}

fn histograms(class: &Class) -> String {
    let mut html = String::from("<h2>Scores</h2>\n<div class=\"histograms\">\n");
    let max = class.rubric.iter().map(|t| t.points).sum();
    html.push_str(&histogram("Total", &class.totals(), max, 10));
    for exercise in grader::report::exercises(class.rubric) {
        let max = class
            .rubric
            .iter()
            .filter(|t| t.exercise == exercise)
            .map(|t| t.points)
            .sum();
        html.push_str(&histogram(exercise, &class.scores_of(exercise), max, 5));
    }
    html.push_str("</div>\n");
    html
}

/// Ranges of `width` scores over 0..=max, the last one taking the rest up to `max` (0-9 ..
/// 90-100): how many there are.
fn bins(max: u32, width: u32) -> u32 {
    (max / width.max(1)).max(1)
}

/// How many of `values` fall in each range of `width` scores (see `bins`).
pub fn bin_counts(values: &[u32], max: u32, width: u32) -> Vec<usize> {
    let bins = bins(max, width);
    let mut counts = vec![0; bins as usize];
    for &v in values {
        counts[(v / width.max(1)).min(bins - 1) as usize] += 1;
    }
    counts
}

/// The lowest and highest score of range `i`.
fn range_of(i: u32, max: u32, width: u32) -> (u32, u32) {
    let last = i + 1 == bins(max, width);
    (i * width, if last { max } else { (i + 1) * width - 1 })
}

/// A bar chart of `values` in ranges of `width` scores, as inline SVG, each bar titled with its
/// range and count.
fn histogram(title: &str, values: &[u32], max: u32, width: u32) -> String {
    let counts = bin_counts(values, max, width);
    let highest = counts.iter().copied().max().unwrap_or(0).max(1);
    let (bar, height, label) = (28u32, 100u32, 14u32);
    let mut svg = format!(
        "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" \
         role=\"img\" aria-label=\"{} scores\">\n",
        bar * counts.len() as u32,
        height + 2 * label,
        escape(title)
    );
    for (i, &count) in counts.iter().enumerate() {
        let i = i as u32;
        let (from, to) = range_of(i, max, width);
        let h = (count * height as usize / highest) as u32;
        let x = i * bar;
        let _ = writeln!(
            svg,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{h}\" fill=\"#4a7\">\
             <title>{from}-{to}: {count}</title></rect>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{count}</text>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{from}</text>",
            x + 2,
            label + height - h,
            bar - 4,
            x + bar / 2,
            label + height - h - 2,
            x + bar / 2,
            height + 2 * label - 2,
        );
    }
    let _ = writeln!(
        svg,
        "</svg><figcaption>{} (of {max})</figcaption></figure>",
        escape(title)
    );
    svg
}

fn tests(figures: &[TestFigures]) -> String {
    let mut html = String::from(
        "<h2>Tests, hardest first</h2>\n<table id=\"tests\">\n<tr><th style=\"width: 18%\">test</th>\
         <th style=\"width: 20%\">what it checks</th><th style=\"width: 4em\">points</th>\
         <th style=\"width: 4em\">passed</th><th style=\"width: 12em\">share</th>\
         <th>most frequent failures</th></tr>\n",
    );
    for t in figures {
        let share = t.pass_share();
        let percent = share.map_or("-".to_owned(), |s| format!("{:.0}%", s * 100.0));
        let width = share.map_or(0.0, |s| s * 100.0);
        let reasons: String = t
            .reasons
            .iter()
            .map(|(reason, n)| format!("<li>{n} &#215; {}</li>", escape(reason)))
            .collect();
        let _ = writeln!(
            html,
            "<tr data-test=\"{}\" data-passed=\"{}\" data-judged=\"{}\"><td>{}</td><td>{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}/{}</td>\
             <td><span class=\"bar\"><span style=\"width: {width:.0}%\"></span></span> {percent}</td>\
             <td><ul class=\"reasons\">{reasons}</ul></td></tr>",
            escape(&test_id(t.test)),
            t.passed,
            t.judged,
            escape(&test_id(t.test)),
            escape(t.test.title),
            t.test.points,
            t.passed,
            t.judged,
        );
    }
    html.push_str("</table>\n");
    html
}

/// The students who need the instructor's eye: no grade (an error), exercises not built, or
/// programs that ran out of time in tests they failed. A student may be in more than one row.
fn apart(students: &[Student]) -> String {
    let mut rows = String::new();
    for s in students {
        if let Some(why) = &s.error {
            let _ = writeln!(
                rows,
                "<tr class=\"errored\"><td>{}</td><td>grading error (no grade): {}</td></tr>",
                link(s),
                escape(why)
            );
            continue;
        }
        if !s.not_built.is_empty() {
            let _ = writeln!(
                rows,
                "<tr class=\"not-built\"><td>{}</td><td>did not build: {}</td></tr>",
                link(s),
                s.not_built.join(", ")
            );
        }
        let timed_out: Vec<String> = s.timed_out().into_iter().map(test_id).collect();
        if !timed_out.is_empty() {
            let _ = writeln!(
                rows,
                "<tr class=\"timed-out\"><td>{}</td><td>ran out of time in: {}</td></tr>",
                link(s),
                timed_out.join(", ")
            );
        }
    }
    let mut html = String::from("<h2>Not graded, not built, or out of time</h2>\n");
    if rows.is_empty() {
        html.push_str(
            "<p>None: every submission was graded and built, and no program ran out of time.</p>\n",
        );
    } else {
        let _ = write!(
            html,
            "<table id=\"apart\">\n<tr><th>student</th><th>why</th></tr>\n{rows}</table>\n"
        );
    }
    html
}

fn link(s: &Student) -> String {
    format!(
        "<a href=\"{}\">{}</a>",
        escape(&student_link(&s.name, "report.txt")),
        escape(&s.name)
    )
}

fn students(class: &Class) -> String {
    let exercises = grader::report::exercises(class.rubric);
    let mut html = String::from("<h2>Students</h2>\n<table id=\"students\">\n<tr><th>student</th>");
    for e in &exercises {
        let _ = write!(html, "<th>{e}</th>");
    }
    html.push_str("<th>total</th><th>status</th></tr>\n");
    for s in class.students {
        let _ = write!(
            html,
            "<tr data-student=\"{}\"><td>{}</td>",
            escape(&s.name),
            link(s)
        );
        for e in exercises.iter().copied() {
            let _ = write!(
                html,
                "<td class=\"num\">{}</td>",
                s.scores.get(e).copied().unwrap_or(0)
            );
        }
        let _ = writeln!(
            html,
            "<td class=\"num\">{}</td><td>{}</td></tr>",
            s.total(),
            escape(&s.status())
        );
    }
    html.push_str("</table>\n");
    html
}

#[cfg(test)]
mod tests {
    use super::*;
    use grader::report::samples;

    #[test]
    fn the_page_of_the_sample_runs_is_its_snapshot() {
        // A student per sample run, as `instructor batch` would gather them.
        let students: Vec<Student> = samples::cases()
            .iter()
            .map(|case| {
                let mut student = Student::new(case.name);
                samples::replay_with_files(&case.outcomes, case.files.as_deref(), &mut student);
                student
            })
            .collect();
        let page = page(&Class::graded_on(&students, &samples::RUBRIC), None);
        let name = format!("{}all_cases.snap", samples::CLASS_HTML_SNAPSHOT_PREFIX);
        samples::assert_snapshot(&name, &page);
    }

    #[test]
    fn markup_in_a_text_is_escaped() {
        assert_eq!(
            escape("</td><script>alert('x') & \"y\"</script>"),
            "&lt;/td&gt;&lt;script&gt;alert(&apos;x&apos;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
    }

    #[test]
    fn students_who_errored_did_not_build_or_ran_out_of_time_are_apart() {
        use grader::outcome::Problem;
        use grader::report::samples::{self, outcome};
        let mut slow = outcome(
            "fx1",
            "counts_lines",
            Err(Problem::Fail("hung".into())),
            &[],
        );
        slow.timed_out = true;
        // A program that ran out of time in a test it passed anyway is not a concern.
        let mut patient = outcome("fx1", "stops_at_nul", Ok(()), &[]);
        patient.timed_out = true;
        let mut students = vec![Student::new("a"), Student::new("b"), Student::new("c")];
        samples::replay(&[slow, patient], &mut students[0]);
        students[1].not_built.push("fx2");
        students[2].error = Some("<oops>".into());
        let html = apart(&students);
        assert!(html.contains("<tr class=\"timed-out\"><td><a href=\"a/report.txt\">a</a></td><td>ran out of time in: fx1.counts_lines</td></tr>"), "{html}");
        assert!(
            html.contains("did not build: fx2") && html.contains("(no grade): &lt;oops&gt;"),
            "{html}"
        );
        assert!(apart(&[Student::new("d")]).contains("None"));
    }

    #[test]
    fn a_link_cannot_leave_the_students_folder_or_its_attribute() {
        assert_eq!(student_link("alice", "report.txt"), "alice/report.txt");
        assert_eq!(
            student_link("../x\" onclick=\"y", "report.txt"),
            "..%2Fx%22%20onclick%3D%22y/report.txt"
        );
    }

    #[test]
    fn every_score_falls_in_one_bin_whose_range_holds_it() {
        for (max, width) in [(100, 10), (25, 5), (3, 5), (7, 2)] {
            let values: Vec<u32> = (0..=max).collect();
            let counts = bin_counts(&values, max, width);
            assert_eq!(counts.iter().sum::<usize>(), values.len());
            for v in values {
                let bin = bin_counts(&[v], max, width)
                    .iter()
                    .position(|&c| c == 1)
                    .unwrap();
                let (from, to) = range_of(bin as u32, max, width);
                assert!(
                    from <= v && v <= to,
                    "{v} in {from}-{to} (max {max}, width {width})"
                );
            }
        }
        assert_eq!(
            bin_counts(&[0, 9, 10, 99, 100], 100, 10),
            [2, 1, 0, 0, 0, 0, 0, 0, 0, 2]
        );
    }
}
