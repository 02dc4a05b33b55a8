//! The terminal report, in the style of xv6's gradelib: one line per test as it finishes, the
//! reason indented under a failure, a subtotal per exercise, and `Score: N/M` last. The methods
//! return the text, so that the same report can go to a terminal or into a file.

use std::io::IsTerminal;

use crate::grade::Outcome;

pub struct Terminal {
    colour: bool,
}

impl Terminal {
    /// Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org).
    pub fn new() -> Terminal {
        let colour = std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Terminal { colour }
    }

    /// Without colour, for files.
    pub fn plain() -> Terminal {
        Terminal { colour: false }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// `ex3: copies an empty file: OK (0.1s)`, and the reason or notes indented below it.
    pub fn test(&self, o: &Outcome) -> String {
        let verdict = if o.passed() {
            self.paint("32", "OK")
        } else {
            self.paint("31", "FAIL")
        };
        let mut text = format!(
            "{}: {}: {verdict} ({:.1}s)\n",
            o.test.exercise,
            o.test.title,
            o.elapsed.as_secs_f64()
        );
        for line in o
            .failure
            .iter()
            .chain(&o.notes)
            .flat_map(|text| text.lines())
        {
            text.push_str(&format!("    {line}\n"));
        }
        text
    }

    pub fn subtotal(&self, exercise: &str, outcomes: &[Outcome]) -> String {
        let (got, max) = super::totals(outcomes);
        format!("{}\n", self.paint("1", &format!("{exercise}: {got}/{max}")))
    }

    /// The last line, which scripts read: `Score: N/100`.
    pub fn score(&self, outcomes: &[Outcome], max: u32) -> String {
        let (got, _) = super::totals(outcomes);
        format!("{}\n", self.paint("1", &format!("Score: {got}/{max}")))
    }
}

impl Default for Terminal {
    fn default() -> Terminal {
        Terminal::new()
    }
}
