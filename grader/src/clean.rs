//! The one gate for text that the grader did not write itself: what a program under test printed
//! (quoted in a reason), a panic's message, a submitted file's name. A program can print escape
//! sequences that move the cursor, erase lines or fake a `Score: 100/100` line on a terminal, and
//! it can print 16 MiB; neither may reach a report. Every such text becomes a `Clean` once, where
//! an outcome or an event is made (`events.rs`), so that no reporter has to think of it.

use std::fmt;
use std::ops::Deref;

/// The most bytes kept of one text: a test's reason, or all its notes together.
pub const BOUND: usize = 4 << 10;

/// Text with no control characters but newline and tab, at most `BOUND` bytes long (or the bound
/// it was made with) plus a marker saying how much was cut.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Clean(String);

impl Clean {
    /// `text` cleaned and cut at `BOUND` bytes.
    pub fn new(text: &str) -> Clean {
        Clean::bounded(text, BOUND)
    }

    /// `text` without its control characters (escape sequences whole, so that no `[2K` is left
    /// behind), cut at a character boundary once `bound` bytes are kept: `... (N bytes cut)`
    /// then says how many bytes of `text` were left out. Only the part kept is read, so a
    /// 16 MiB text costs no more than a short one.
    pub fn bounded(text: &str, bound: usize) -> Clean {
        let mut kept = String::with_capacity(text.len().min(bound));
        let mut chars = text.char_indices().peekable();
        let mut cut_at = None;
        while let Some((at, c)) = chars.next() {
            if c == '\x1b' {
                skip_escape(&mut chars);
            } else if c.is_control() && c != '\n' && c != '\t' {
                // CR, backspace, bell, DEL, the C1 controls (U+0080..U+009F): dropped.
            } else if kept.len() + c.len_utf8() > bound {
                cut_at = Some(at);
                break;
            } else {
                kept.push(c);
            }
        }
        if let Some(at) = cut_at {
            kept.push_str(&format!("... ({} bytes cut)", text.len() - at));
        }
        Clean(kept)
    }

    /// Several texts that share one bound (a test's notes): each is cleaned, and those past the
    /// bound are cut, the last one kept saying how much.
    pub fn all(texts: &[String], bound: usize) -> Vec<Clean> {
        let mut left = bound;
        let mut cleaned = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            if left == 0 {
                let rest: usize = texts[i..].iter().map(String::len).sum();
                if let Some(Clean(last)) = cleaned.last_mut() {
                    last.push_str(&format!("... ({rest} bytes of further notes cut)"));
                }
                break;
            }
            let clean = Clean::bounded(text, left);
            left = left.saturating_sub(clean.len());
            cleaned.push(clean);
        }
        cleaned
    }

    /// Like `new`, for a text that must stay on one line (a file name): a newline or a tab in it
    /// is shown as `\n` or `\t`.
    pub fn line(text: &str) -> Clean {
        Clean::new(&text.replace('\n', "\\n").replace('\t', "\\t"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Skips the rest of an escape sequence whose ESC was just read: a CSI (`ESC [ ... final`), a
/// string (OSC, DCS, SOS, PM, APC: up to BEL or `ESC \`), or a two-character escape.
fn skip_escape(chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>) {
    match chars.peek().map(|&(_, c)| c) {
        Some('[') => {
            chars.next();
            // Parameters and intermediates, up to the final byte ('@' to '~').
            for (_, c) in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        }
        Some(']' | 'P' | 'X' | '^' | '_') => {
            chars.next();
            while let Some((_, c)) = chars.next() {
                if c == '\x07' {
                    break;
                }
                if c == '\x1b' && chars.peek().map(|&(_, c)| c) == Some('\\') {
                    chars.next();
                    break;
                }
            }
        }
        Some(' '..='~') => {
            chars.next();
        }
        _ => {}
    }
}

impl Deref for Clean {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Clean {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Clean {
    fn from(text: &str) -> Clean {
        Clean::new(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_control_characters_go_newlines_and_tabs_stay() {
        let shown = Clean::new(
            "\x1b[2K\rex1: peek: OK\x1b[1A\nScore: 100/100\x1b]0;title\x07\ta\x08b\x1b7c\u{9b}\x7f",
        );
        assert_eq!(shown.as_str(), "ex1: peek: OK\nScore: 100/100\tabc");
    }

    #[test]
    fn a_line_stays_one_line() {
        let name = Clean::line("a\x1b[1A\nScore: 100/100\tb");
        assert_eq!(name.as_str(), "a\\nScore: 100/100\\tb");
    }

    #[test]
    fn a_long_text_is_cut_at_the_bound_with_a_marker() {
        let text = "é".repeat(8 << 20); // 16 MiB, two bytes a character
        let cut = Clean::new(&text);
        assert!(cut.len() <= BOUND + 40, "{}", cut.len());
        assert!(
            cut.ends_with(&format!("... ({} bytes cut)", text.len() - BOUND)),
            "{}",
            &cut[BOUND - 10..]
        );
        assert_eq!(Clean::new("short").as_str(), "short");
    }

    #[test]
    fn notes_share_one_bound() {
        let notes = vec!["a".repeat(3000), "b".repeat(3000), "c".repeat(3000)];
        let kept = Clean::all(&notes, BOUND);
        assert_eq!(kept.len(), 2);
        let total: usize = kept.iter().map(|c| c.len()).sum();
        assert!(total <= BOUND + 80, "{total}");
        assert!(kept[1].contains("bytes cut") && kept[1].ends_with("bytes of further notes cut)"));
    }
}
