//! Rust source as the similarity check sees it: a list of normalised tokens, each with its line.
//! Comments and whitespace are dropped; every identifier is the same token, and so is every
//! literal (numbers, strings, characters, `true`/`false`), so that renaming a variable or
//! changing a message leaves the list as it was. Keywords and punctuation stay, and are what a
//! program's shape is made of. A lexer by hand: it needs no parse, only to know where tokens
//! begin and end (raw strings, nested block comments, lifetimes against character literals), and
//! it never fails: text that is not Rust still becomes tokens.

/// A normalised token: a keyword or punctuation as written, or one of the stand-ins below.
pub type Token = &'static str;

pub const IDENT: Token = "<id>";
pub const LITERAL: Token = "<lit>";
pub const LIFETIME: Token = "<'a>";

/// Rust's keywords (strict and reserved ones in use); `true` and `false` are literals here.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "type", "unsafe", "use",
    "where", "while", "yield", "union",
];

/// Punctuation of more than one character, longest first, so that the longest match wins.
const PUNCT: &[&str] = &[
    "<<=", ">>=", "...", "..=", "::", "->", "=>", "==", "!=", "<=", ">=", "&&", "||", "+=", "-=",
    "*=", "/=", "%=", "^=", "&=", "|=", "<<", ">>", "..",
];

/// One character's punctuation token (a static string for each).
const SINGLE: &str = "+-*/%^!&|=<>@.,;:#$?~()[]{}\\";

/// The tokens of `source`, each with its line (from 1).
pub fn tokens(source: &str) -> Vec<(Token, u32)> {
    Lexer {
        chars: source.chars().collect(),
        at: 0,
        line: 1,
    }
    .run()
}

struct Lexer {
    chars: Vec<char>,
    at: usize,
    line: u32,
}

impl Lexer {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.at + ahead).copied()
    }

    /// Moves past one character, counting lines.
    fn bump(&mut self) {
        if self.peek(0) == Some('\n') {
            self.line += 1;
        }
        self.at += 1;
    }

    fn starts_with(&self, text: &str) -> bool {
        text.chars()
            .enumerate()
            .all(|(i, c)| self.peek(i) == Some(c))
    }

    fn run(mut self) -> Vec<(Token, u32)> {
        let mut out = Vec::new();
        while let Some(c) = self.peek(0) {
            let line = self.line;
            let token = if c.is_whitespace() {
                self.bump();
                continue;
            } else if self.starts_with("//") {
                while self.peek(0).is_some_and(|c| c != '\n') {
                    self.bump();
                }
                continue;
            } else if self.starts_with("/*") {
                self.block_comment();
                continue;
            } else if let Some(token) = self.literal() {
                token
            } else if c == '\'' {
                self.quote()
            } else if c.is_alphabetic() || c == '_' {
                self.word()
            } else {
                self.punct()
            };
            out.push((token, line));
        }
        out
    }

    /// A block comment, nested ones included.
    fn block_comment(&mut self) {
        let mut depth = 0;
        while self.peek(0).is_some() {
            if self.starts_with("/*") {
                depth += 1;
                self.bump();
            } else if self.starts_with("*/") {
                depth -= 1;
                self.bump();
                if depth == 0 {
                    self.bump();
                    return;
                }
            }
            self.bump();
        }
    }

    /// A number, or a string of any kind (`"..."`, `b"..."`, `c"..."`, raw `r#"..."#`).
    fn literal(&mut self) -> Option<Token> {
        let c = self.peek(0)?;
        if c.is_ascii_digit() {
            // Digits, suffixes, hex, exponents, a fraction: `1_000u64`, `0xff`, `1.5e3`; not the
            // `..` of a range.
            while let Some(c) = self.peek(0) {
                let fraction = c == '.' && self.peek(1).is_some_and(|d| d.is_ascii_digit());
                if c.is_alphanumeric() || c == '_' || fraction {
                    self.bump();
                } else {
                    break;
                }
            }
            return Some(LITERAL);
        }
        let prefix = ["br", "cr", "b", "c", "r", ""].into_iter().find(|p| {
            let rest = self.peek(p.len());
            self.starts_with(p) && (rest == Some('"') || (p.ends_with('r') && rest == Some('#')))
        })?;
        for _ in 0..prefix.len() {
            self.bump();
        }
        if prefix.ends_with('r') {
            let mut hashes = 0;
            while self.peek(0) == Some('#') {
                hashes += 1;
                self.bump();
            }
            if self.peek(0) != Some('"') {
                // `r#ident`: a raw identifier.
                self.word();
                return Some(IDENT);
            }
            self.bump();
            let end: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            while self.peek(0).is_some() && !self.starts_with(&end) {
                self.bump();
            }
            for _ in 0..end.len() {
                self.bump();
            }
        } else {
            self.bump();
            self.quoted('"');
        }
        Some(LITERAL)
    }

    /// Up to and past the closing `close`, skipping escaped characters.
    fn quoted(&mut self, close: char) {
        while let Some(c) = self.peek(0) {
            self.bump();
            if c == '\\' {
                self.bump();
            } else if c == close {
                return;
            }
        }
    }

    /// `'a'`, `'\n'` (a character literal) or `'a` (a lifetime or a label).
    fn quote(&mut self) -> Token {
        self.bump();
        let is_char = matches!(
            (self.peek(0), self.peek(1)),
            (Some('\\'), _) | (Some(_), Some('\''))
        );
        if is_char {
            self.quoted('\'');
            LITERAL
        } else {
            while self
                .peek(0)
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
            {
                self.bump();
            }
            LIFETIME
        }
    }

    fn word(&mut self) -> Token {
        let start = self.at;
        while self
            .peek(0)
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
        {
            self.bump();
        }
        let word: String = self.chars[start..self.at].iter().collect();
        if word == "true" || word == "false" {
            return LITERAL;
        }
        KEYWORDS
            .iter()
            .find(|k| **k == word)
            .copied()
            .unwrap_or(IDENT)
    }

    fn punct(&mut self) -> Token {
        if let Some(p) = PUNCT.iter().find(|p| self.starts_with(p)) {
            for _ in 0..p.len() {
                self.bump();
            }
            return p;
        }
        let c = self.peek(0).expect("called on a character");
        self.bump();
        SINGLE
            .char_indices()
            .find(|(_, s)| *s == c)
            .map_or("<other>", |(i, s)| &SINGLE[i..i + s.len_utf8()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(source: &str) -> Vec<Token> {
        tokens(source).into_iter().map(|(t, _)| t).collect()
    }

    #[test]
    fn names_literals_and_comments_do_not_matter() {
        let a = "fn copy(src: &Path) -> u64 { let n = 16; // a window\n n + 1 }";
        let b = "fn dup(from: &Path) -> usize {\n /* the size */ let size = 0x10;\n size + 7 }";
        assert_eq!(kinds(a), kinds(b));
        assert_eq!(
            kinds("let x = a..=b;"),
            ["let", IDENT, "=", IDENT, "..=", IDENT, ";"]
        );
    }

    #[test]
    fn strings_of_every_kind_are_one_literal() {
        let source = r####"f("a \" b", b"x", r#"raw " quote"#, br##"y"##, 'c', '\'', b'\n', 1.5e3, 1..2)"####;
        assert_eq!(
            kinds(source),
            [
                IDENT, "(", LITERAL, ",", LITERAL, ",", LITERAL, ",", LITERAL, ",", LITERAL, ",",
                LITERAL, ",", IDENT, LITERAL, ",", LITERAL, ",", LITERAL, "..", LITERAL, ")"
            ]
        );
    }

    #[test]
    fn lifetimes_nested_comments_and_lines() {
        let found =
            tokens("fn f<'a>(x: &'a str) {}\n/* a /* nested */ comment\n */ 'outer: loop {}");
        let kinds: Vec<Token> = found.iter().map(|(t, _)| *t).collect();
        assert_eq!(
            kinds,
            [
                "fn", IDENT, "<", LIFETIME, ">", "(", IDENT, ":", "&", LIFETIME, IDENT, ")", "{",
                "}", LIFETIME, ":", "loop", "{", "}"
            ]
        );
        assert_eq!(found.last().unwrap().1, 3);
    }

    #[test]
    fn text_that_is_not_rust_still_ends() {
        for text in [
            "\"never closed",
            "/* never closed",
            "r#\"never",
            "'",
            "é ∑ \\",
            "0x",
        ] {
            let _ = tokens(text);
        }
    }
}
