//! How two byte strings differ, in words a student can act on: short texts shown whole, longer
//! ones around their first difference (as text when both sides are text there, as hex bytes
//! with their offset otherwise), and the sizes only when they differ. A leaf module: the
//! assertions (`expect.rs`) and the checks' hints use it.

/// Texts up to this many bytes are shown whole.
const WHOLE: usize = 160;
/// Bytes shown before the first difference, and from it on.
const BEFORE: usize = 8;
const FROM: usize = 8;
/// Characters of text shown on either side of the first difference.
const TEXT_AROUND: usize = 40;

/// Two byte strings, or windows of two files taken at the same `offset` (`got_size` and
/// `want_size` are then the whole files' sizes): where they first differ and how, or `None` when
/// they are the same.
pub struct Compared<'a> {
    pub got: &'a [u8],
    pub want: &'a [u8],
    pub offset: u64,
    pub got_size: u64,
    pub want_size: u64,
}

/// How `got` differs from `want` (whole byte strings), or `None`.
pub fn difference(got: &[u8], want: &[u8]) -> Option<String> {
    Compared::whole(got, want).describe()
}

/// Where two byte strings first differ: an index into both, or the shorter one's length.
pub fn first_difference(got: &[u8], want: &[u8]) -> Option<usize> {
    let at = got
        .iter()
        .zip(want)
        .position(|(a, b)| a != b)
        .unwrap_or(got.len().min(want.len()));
    (at < got.len().max(want.len())).then_some(at)
}

impl<'a> Compared<'a> {
    pub fn whole(got: &'a [u8], want: &'a [u8]) -> Compared<'a> {
        Compared {
            got,
            want,
            offset: 0,
            got_size: got.len() as u64,
            want_size: want.len() as u64,
        }
    }

    /// `is "12\n", expected "20\n"`, or `differs from byte 4096 (...)` and two lines of bytes.
    pub fn describe(&self) -> Option<String> {
        let at = match first_difference(self.got, self.want) {
            Some(at) => at,
            None if self.got_size == self.want_size => return None,
            // Equal windows of files of different sizes: they differ where the shorter ends.
            None => self.got.len().min(self.want.len()),
        };
        let is_whole = self.offset == 0
            && self.got.len() as u64 == self.got_size
            && self.want.len() as u64 == self.want_size;
        if is_whole
            && self.got.len().max(self.want.len()) <= WHOLE
            && let (Some(got), Some(want)) = (text(self.got), text(self.want))
        {
            return Some(format!("is {got:?}, expected {want:?}"));
        }
        let position = self.offset + at as u64;
        let mut head = format!("differs from byte {position}");
        if self.got_size != self.want_size {
            head.push_str(&format!(
                " (it is {} bytes long, expected {})",
                self.got_size, self.want_size
            ));
        } else if is_whole {
            let differing = self
                .got
                .iter()
                .zip(self.want)
                .filter(|(a, b)| a != b)
                .count();
            if differing > 1 {
                head.push_str(&format!(
                    " ({differing} of its {} bytes differ)",
                    self.got.len()
                ));
            }
        }
        let (got, want) = match (text_around(self.got, at), text_around(self.want, at)) {
            (Some(got), Some(want)) => (got, want),
            _ => (
                self.hex_around(self.got, self.got_size, at),
                self.hex_around(self.want, self.want_size, at),
            ),
        };
        Some(format!("{head}:\n  got      {got}\n  expected {want}"))
    }

    /// `at 4088: 1f 00 a3 ... [7c] 02 ...`: the bytes around `at`, the first differing one in
    /// brackets, and `(end)` where the bytes end (the end of a file of `size` bytes).
    fn hex_around(&self, bytes: &[u8], size: u64, at: usize) -> String {
        let start = at.saturating_sub(BEFORE);
        let end = (at + FROM).min(bytes.len());
        let mut line = format!("at {}:", self.offset + start as u64);
        for (i, byte) in bytes.iter().enumerate().take(end).skip(start) {
            line.push_str(&match i == at {
                true => format!(" [{byte:02x}]"),
                false => format!(" {byte:02x}"),
            });
        }
        if end == bytes.len() && end < at + FROM && self.offset + end as u64 == size {
            line.push_str(if at >= bytes.len() {
                " [(end)]"
            } else {
                " (end)"
            });
        }
        line
    }
}

/// The bytes as text, if they are: UTF-8, with no control characters but newline and tab.
fn text(bytes: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(bytes).ok()?;
    text.chars()
        .all(|c| !c.is_control() || c == '\n' || c == '\t')
        .then_some(text)
}

/// The text around byte `at` (`..."abc|def"...`), if the bytes there are text.
fn text_around(bytes: &[u8], at: usize) -> Option<String> {
    // Widen to character boundaries: a cut through a UTF-8 sequence is not text.
    let mut start = at.saturating_sub(TEXT_AROUND);
    let mut end = (at + TEXT_AROUND).min(bytes.len());
    while start > 0 && bytes.get(start).is_some_and(|b| b & 0xc0 == 0x80) {
        start -= 1;
    }
    while end < bytes.len() && bytes[end] & 0xc0 == 0x80 {
        end += 1;
    }
    let window = text(&bytes[start..end])?;
    Some(format!(
        "{}{window:?}{}",
        if start > 0 { "..." } else { "" },
        if end < bytes.len() { "..." } else { "" }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_texts_are_shown_whole() {
        assert_eq!(difference(b"12\n", b"12\n"), None);
        assert_eq!(
            difference(b"12\n", b"20\n").unwrap(),
            r#"is "12\n", expected "20\n""#
        );
    }

    #[test]
    fn binary_data_is_shown_as_hex_around_the_first_difference_with_sizes_only_if_they_differ() {
        let want: Vec<u8> = (0..=255).cycle().take(4096).collect();
        let mut got = want.clone();
        got[1000] ^= 0xff;
        got[3000] ^= 0xff;
        let said = difference(&got, &want).unwrap();
        assert_eq!(
            said,
            "differs from byte 1000 (2 of its 4096 bytes differ):\n  \
             got      at 992: e0 e1 e2 e3 e4 e5 e6 e7 [17] e9 ea eb ec ed ee ef\n  \
             expected at 992: e0 e1 e2 e3 e4 e5 e6 e7 [e8] e9 ea eb ec ed ee ef"
        );
        let said = difference(&want[..4090], &want).unwrap();
        assert!(
            said.starts_with("differs from byte 4090 (it is 4090 bytes long, expected 4096):")
                && said.contains("got      at 4082: f2 f3 f4 f5 f6 f7 f8 f9 [(end)]")
                && said.contains(
                    "expected at 4082: f2 f3 f4 f5 f6 f7 f8 f9 [fa] fb fc fd fe ff (end)"
                ),
            "{said}"
        );
    }

    #[test]
    fn long_texts_are_shown_around_the_difference_and_windows_at_their_offset() {
        let want = format!("{}child sees: ABC\n", "x".repeat(300));
        let got = format!("{}before fork: abc\n", "x".repeat(300));
        let said = difference(got.as_bytes(), want.as_bytes()).unwrap();
        assert!(
            said.starts_with("differs from byte 300 (it is 317 bytes long, expected 316):")
                && said.contains(
                    r#"got      ..."xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxbefore fork: abc\n""#
                ),
            "{said}"
        );
        let window = Compared {
            got: &[1, 2, 3],
            want: &[1, 2, 4],
            offset: 1 << 20,
            got_size: 2 << 20,
            want_size: 2 << 20,
        };
        assert_eq!(
            window.describe().unwrap(),
            "differs from byte 1048578:\n  got      at 1048576: 01 02 [03]\n  \
             expected at 1048576: 01 02 [04]"
        );
    }
}
