//! The similarity section of class.html and of similar.html: the pairs above the threshold, most
//! similar first, each with its matched passages side by side. The code shown is the students',
//! escaped like every text from a submission.

use std::fmt::Write;

use super::{Found, Span};
use crate::batch::class_html::escape;

/// How many pairs have their passages shown (a class that copied wholesale would make a page
/// of megabytes).
const PAIRS_SHOWN: usize = 50;

pub fn section(found: &Found) -> String {
    let mut html = format!(
        "<h2 id=\"similarity\">Similarity</h2>\n<p>{} submissions compared exercise by exercise \
         (the stubs left out); pairs whose share of common fingerprints is at least {}%:</p>\n",
        found.students, found.threshold
    );
    for (name, why) in &found.skipped {
        let _ = writeln!(
            html,
            "<p class=\"skipped\">{}: not compared: {}</p>",
            escape(name),
            escape(why)
        );
    }
    let above: Vec<_> = found.above().collect();
    if above.is_empty() {
        html.push_str("<p id=\"no-pairs\">None.</p>\n");
        return html;
    }
    html.push_str(
        "<table id=\"pairs\">\n<tr><th>exercise</th><th>student</th><th>student</th>\
         <th>similarity</th><th>shares</th><th>fingerprints in common</th></tr>\n",
    );
    for p in &above {
        let _ = writeln!(
            html,
            "<tr class=\"pair\" data-exercise=\"{}\" data-a=\"{}\" data-b=\"{}\"><td>{}</td>\
             <td>{}</td><td>{}</td><td class=\"num\">{:.0}%</td><td class=\"num\">{:.0}% / {:.0}%</td>\
             <td class=\"num\">{}</td></tr>",
            p.exercise,
            escape(&p.a),
            escape(&p.b),
            p.exercise,
            escape(&p.a),
            escape(&p.b),
            p.score() * 100.0,
            p.share_a * 100.0,
            p.share_b * 100.0,
            p.matched
        );
    }
    html.push_str("</table>\n");
    if above.len() > PAIRS_SHOWN {
        let _ = writeln!(
            html,
            "<p>The passages of the first {PAIRS_SHOWN} pairs; those of the other {} are in \
             similar.csv, as line ranges.</p>",
            above.len() - PAIRS_SHOWN
        );
    }
    for p in above.iter().take(PAIRS_SHOWN) {
        let _ = writeln!(
            html,
            "<details class=\"passages\"><summary>{}: {} and {} ({:.0}%)</summary>\n\
             <table>\n<tr><th>{}</th><th>{}</th></tr>",
            p.exercise,
            escape(&p.a),
            escape(&p.b),
            p.score() * 100.0,
            escape(&p.a),
            escape(&p.b)
        );
        for f in &p.fragments {
            let _ = writeln!(html, "<tr>{}{}</tr>", code(&f.a), code(&f.b));
        }
        html.push_str("</table></details>\n");
    }
    html
}

fn code(span: &Span) -> String {
    format!(
        "<td class=\"code\">{} lines {}-{}<pre>{}</pre></td>",
        escape(&span.path),
        span.first,
        span.last,
        escape(&span.text)
    )
}
