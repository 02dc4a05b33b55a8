//! Winnowing (Schleimer, Wilkerson and Aiken, "Winnowing: local algorithms for document
//! fingerprinting", SIGMOD 2003), the method of MOSS and Dolos: every run of `K` tokens is hashed,
//! and of each window of `W` consecutive hashes the smallest is kept (the rightmost on a tie), once.
//! Two files that share a run of at least `K + W - 1` tokens then share at least one fingerprint,
//! and a run shorter than `K` never makes one: `K` is the noise threshold, below which a match is
//! a coincidence of the language.

use std::hash::{Hash, Hasher};

use super::tokens::Token;

/// Tokens per hashed run: about two lines of Rust.
pub const K: usize = 20;
/// Hashes per window: every run of `K + W - 1` = 27 common tokens is found.
pub const W: usize = 8;

/// One fingerprint: the hash of a run of tokens, and where the run is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fingerprint {
    pub hash: u64,
    /// The run's first token, by its index in the file's tokens.
    pub start: usize,
    pub first_line: u32,
    pub last_line: u32,
}

/// The hash of every run of `K` tokens, in order (none for fewer than `K` tokens).
pub fn run_hashes(tokens: &[(Token, u32)]) -> Vec<u64> {
    tokens
        .windows(K)
        .map(|run| {
            // The standard library's SipHash with fixed keys: the same run, the same hash, in
            // every file of one grader's run (all that comparing needs).
            let mut hasher = std::hash::DefaultHasher::new();
            run.iter().for_each(|(t, _)| t.hash(&mut hasher));
            hasher.finish()
        })
        .collect()
}

/// The winnowed fingerprints of a file's tokens.
pub fn fingerprints(tokens: &[(Token, u32)]) -> Vec<Fingerprint> {
    let hashes = run_hashes(tokens);
    let at = |i: usize| Fingerprint {
        hash: hashes[i],
        start: i,
        first_line: tokens[i].1,
        last_line: tokens[i + K - 1].1,
    };
    let mut chosen: Vec<Fingerprint> = Vec::new();
    // A file shorter than one window still gets its smallest hash.
    let windows = hashes
        .len()
        .saturating_sub(W - 1)
        .max(usize::from(!hashes.is_empty()));
    for w in 0..windows {
        let end = (w + W).min(hashes.len());
        let mut min = w;
        for i in w..end {
            if hashes[i] <= hashes[min] {
                min = i;
            }
        }
        if chosen.last().is_none_or(|last| last.start != min) {
            chosen.push(at(min));
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::super::tokens::tokens;
    use super::*;

    fn source(statements: usize, offset: usize) -> String {
        (0..statements)
            .map(|i| match (i + offset) % 4 {
                0 => "let a = b.c(d)?;\n",
                1 => "if x < y { return Err(z); }\n",
                2 => "for i in 0..n { v[i] += 1; }\n",
                _ => "while let Some(q) = it.next() { s.push(q); }\n",
            })
            .collect()
    }

    #[test]
    fn every_window_has_a_fingerprint_and_short_files_one() {
        let toks = tokens(&source(30, 0));
        let prints = fingerprints(&toks);
        let hashes = run_hashes(&toks);
        // No window of W runs without a fingerprint in it (the guarantee of winnowing).
        for w in 0..=hashes.len() - W {
            assert!(
                prints.iter().any(|p| (w..w + W).contains(&p.start)),
                "window {w}"
            );
        }
        assert!(
            prints.len() < hashes.len(),
            "winnowing keeps fewer than all"
        );
        assert_eq!(fingerprints(&toks[..K]).len(), 1);
        assert!(fingerprints(&toks[..K - 1]).is_empty());
    }

    #[test]
    fn a_shared_run_long_enough_shares_a_fingerprint() {
        let of = |text: &str| -> std::collections::HashSet<u64> {
            fingerprints(&tokens(text)).iter().map(|p| p.hash).collect()
        };
        let (a, b) = ("struct S;\n".repeat(10), "match m { _ => {} }\n".repeat(10));
        assert!(of(&a).is_disjoint(&of(&b)));
        let shared = source(6, 0);
        assert!(!of(&(a.clone() + &shared + &a)).is_disjoint(&of(&(b.clone() + &shared))));
    }
}
