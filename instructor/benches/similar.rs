//! How long `instructor similar` takes as a class grows: classes of 50, 100 and 200 generated
//! submissions, each exercise a copy of the reference solution with its own names (every pair
//! similar: the worst case, where every pair is matched line by line too). Sizes take turns
//! within each round (interleaved), several rounds; the table shows each size's median time,
//! reading the submissions included and without them (comparing only), and its ratio to the
//! smallest class measured in the same rounds.
//!
//! ```text
//! cargo bench -p grader --bench similar [-- --rounds N]
//! ```

use std::path::Path;
use std::time::{Duration, Instant};

use grader::rubric::EXERCISES;
use instructor::batch::similar::{self, DEFAULT_THRESHOLD, Source, Student, tokens};

const SIZES: [usize; 3] = [50, 100, 200];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rounds = args
        .iter()
        .position(|a| a == "--rounds")
        .and_then(|i| args.get(i + 1)?.parse().ok())
        .unwrap_or(3);
    let kit = grader::kit::find(None).unwrap_or_else(|why| panic!("{why}"));
    let scratch = tempfile::tempdir().unwrap();
    for n in SIZES {
        generate(&kit, &scratch.path().join(n.to_string()), n);
    }
    let jobs = grader::harness::default_jobs();
    let mut whole: Vec<Vec<Duration>> = vec![Vec::new(); SIZES.len()];
    let mut comparing: Vec<Vec<Duration>> = vec![Vec::new(); SIZES.len()];
    let stubs = similar::stubs(&kit).unwrap();
    for round in 0..rounds {
        // A rotating order, so that no size always runs first (on a cold cache) or last.
        for k in 0..SIZES.len() {
            let i = (k + round) % SIZES.len();
            let class = scratch.path().join(SIZES[i].to_string());
            let started = Instant::now();
            let found = similar::compare_dir(&kit, &class, jobs, DEFAULT_THRESHOLD).unwrap();
            whole[i].push(started.elapsed());
            assert_eq!(found.students, SIZES[i]);
            let students = in_memory(&class);
            let started = Instant::now();
            let pairs = similar::compare(&stubs, &students, DEFAULT_THRESHOLD);
            comparing[i].push(started.elapsed());
            assert!(!pairs.is_empty());
        }
    }
    println!("{jobs} jobs, {rounds} rounds, medians");
    println!(
        "{:>8} {:>10} {:>8} {:>12} {:>8}",
        "class", "whole", "ratio", "comparing", "ratio"
    );
    let base = (median(&whole[0]), median(&comparing[0]));
    for (i, n) in SIZES.iter().enumerate() {
        let (w, c) = (median(&whole[i]), median(&comparing[i]));
        println!(
            "{n:>8} {:>9.2}s {:>7.2}x {:>11.2}s {:>7.2}x",
            w.as_secs_f64(),
            w.as_secs_f64() / base.0.as_secs_f64(),
            c.as_secs_f64(),
            c.as_secs_f64() / base.1.as_secs_f64()
        );
    }
}

fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}

/// `n` submissions: the stubs, with each exercise's reference solution renamed for the student.
fn generate(kit: &Path, class: &Path, n: usize) {
    for s in 0..n {
        for exercise in EXERCISES.iter().copied() {
            let src = class.join(format!("student{s:03}/exercises/{exercise}/src"));
            std::fs::create_dir_all(&src).unwrap();
            for entry in
                std::fs::read_dir(kit.join("exercises").join(exercise).join("src")).unwrap()
            {
                let entry = entry.unwrap();
                std::fs::copy(entry.path(), src.join(entry.file_name())).unwrap();
            }
            let reference = kit.join("solutions").join(exercise).join("src/exercise.rs");
            let code = std::fs::read_to_string(reference).unwrap();
            std::fs::write(src.join("exercise.rs"), rename(&code, s)).unwrap();
        }
    }
}

/// `code` with every identifier given student `s`'s suffix (every other student).
fn rename(code: &str, s: usize) -> String {
    let mut out = String::new();
    let mut word = String::new();
    for c in code.chars().chain(std::iter::once('\n')) {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        let identifier = tokens::tokens(&word)
            .first()
            .is_some_and(|t| t.0 == tokens::IDENT);
        if identifier && s % 2 == 1 {
            out.push_str(&format!("{word}_{s}"));
        } else {
            out.push_str(&word);
        }
        word.clear();
        out.push(c);
    }
    out.pop();
    out
}

/// The class's student files, read straight from the folders (no kit copy): comparing alone.
fn in_memory(class: &Path) -> Vec<Student> {
    let mut students: Vec<Student> = std::fs::read_dir(class)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let files = EXERCISES
                .iter()
                .map(|exercise| {
                    let path = format!("exercises/{exercise}/src/exercise.rs");
                    let text = std::fs::read_to_string(e.path().join(&path)).unwrap();
                    (*exercise, vec![Source { path, text }])
                })
                .collect();
            Student {
                name: e.file_name().to_string_lossy().into_owned(),
                files,
            }
        })
        .collect();
    students.sort_by(|a, b| a.name.cmp(&b.name));
    students
}
