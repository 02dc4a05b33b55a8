//! `instructor similar DIR`, and the similarity section of class.html: which submissions share
//! unusually much code, exercise by exercise, as MOSS and Dolos find it. Each student file is
//! turned into normalised tokens (`tokens.rs`: names and literals abstracted, comments and layout
//! dropped) and winnowed into fingerprints (`winnow.rs`); what the stubs already hold (the kit's
//! `exercises/exN/src`, which every student was given) is taken out. Two submissions' share of
//! fingerprints in common then says how much of one is found in the other, whatever was renamed,
//! reordered or recommented, while two programs written apart share only the language's idioms,
//! too short to make a fingerprint.
//!
//! Time: reading the submissions grows linearly with the class; comparing goes through an index
//! of fingerprints, so its cost grows with the number of pairs that share a fingerprint (at worst
//! all pairs: quadratic), and only the pairs above the threshold are then matched line by line
//! (`cargo bench -p grader --bench similar` measures both).

pub mod html;
pub mod tokens;
pub mod winnow;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::csv;
use grader::grade::next;
use grader::rubric::EXERCISES;
use grader::submission::Submission;
use winnow::{Fingerprint, K, W};

/// A source file: its path in the kit (`exercises/ex3/src/exercise.rs`) and its text.
#[derive(Clone, Debug)]
pub struct Source {
    pub path: String,
    pub text: String,
}

/// One student's files, by exercise.
#[derive(Clone, Debug)]
pub struct Student {
    pub name: String,
    pub files: BTreeMap<&'static str, Vec<Source>>,
}

/// Pairs need at least this many fingerprints in common to count: fewer are a line or two,
/// which any two solutions may share.
pub const MIN_MATCHED: usize = 8;

/// The default threshold, in percent of the fingerprints of the submission most covered.
pub const DEFAULT_THRESHOLD: f64 = 50.0;

/// How many matched passages are shown per pair, the longest ones.
const FRAGMENTS_SHOWN: usize = 12;

/// Two submissions' similarity in one exercise.
#[derive(Debug)]
pub struct Pair {
    pub exercise: &'static str,
    pub a: String,
    pub b: String,
    /// The fingerprints they share (the stubs' left out).
    pub matched: usize,
    /// The share of each one's fingerprints that the other has too.
    pub share_a: f64,
    pub share_b: f64,
    /// The passages found in both, the longest first (only for pairs above the threshold).
    pub fragments: Vec<Fragment>,
}

impl Pair {
    /// How similar they are: the share of the one more covered by the other (a copy padded with
    /// code of its own is still a copy).
    pub fn score(&self) -> f64 {
        self.share_a.max(self.share_b)
    }
}

/// A passage found in both files of a pair.
#[derive(Debug)]
pub struct Fragment {
    pub a: Span,
    pub b: Span,
    /// How many fingerprints it holds.
    pub fingerprints: usize,
}

/// Lines of one file.
#[derive(Debug, Clone)]
pub struct Span {
    pub path: String,
    pub first: u32,
    pub last: u32,
    pub text: String,
}

/// What a comparison of a class found.
pub struct Found {
    /// Every pair with enough in common, most similar first.
    pub pairs: Vec<Pair>,
    pub students: usize,
    /// The submissions that could not be read, with why.
    pub skipped: Vec<(String, String)>,
    pub threshold: f64,
}

impl Found {
    pub fn above(&self) -> impl Iterator<Item = &Pair> {
        self.pairs
            .iter()
            .filter(|p| p.score() * 100.0 >= self.threshold)
    }
}

/// One exercise's files of one student, fingerprinted.
struct Doc {
    files: Vec<Source>,
    /// (file index, fingerprint), the stubs' fingerprints left out.
    prints: Vec<(usize, Fingerprint)>,
    hashes: HashSet<u64>,
}

impl Doc {
    fn new(files: &[Source], base: &HashSet<u64>) -> Doc {
        let mut prints = Vec::new();
        for (i, file) in files.iter().enumerate() {
            let tokens = tokens::tokens(&file.text);
            prints.extend(
                winnow::fingerprints(&tokens)
                    .into_iter()
                    .filter(|p| !base.contains(&p.hash))
                    .map(|p| (i, p)),
            );
        }
        let hashes = prints.iter().map(|(_, p)| p.hash).collect();
        Doc {
            files: files.to_vec(),
            prints,
            hashes,
        }
    }
}

/// Compares every pair of `students`, exercise by exercise, with `base` (the stubs) as code that
/// every student was given.
pub fn compare(
    base: &BTreeMap<&'static str, Vec<Source>>,
    students: &[Student],
    threshold: f64,
) -> Vec<Pair> {
    let pairs = Mutex::new(Vec::new());
    let queue = Mutex::new(EXERCISES.iter());
    std::thread::scope(|s| {
        for _ in 0..grader::harness::default_jobs().clamp(1, EXERCISES.len()) {
            s.spawn(|| {
                while let Some(exercise) = next(&queue) {
                    let found = compare_exercise(exercise, base.get(exercise), students, threshold);
                    pairs
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .extend(found);
                }
            });
        }
    });
    let mut pairs = pairs.into_inner().unwrap_or_else(|e| e.into_inner());
    pairs.sort_by(|x, y| {
        y.score()
            .total_cmp(&x.score())
            .then_with(|| (x.exercise, &x.a, &x.b).cmp(&(y.exercise, &y.a, &y.b)))
    });
    pairs
}

fn compare_exercise(
    exercise: &'static str,
    base: Option<&Vec<Source>>,
    students: &[Student],
    threshold: f64,
) -> Vec<Pair> {
    let base: HashSet<u64> = base
        .into_iter()
        .flatten()
        .flat_map(|f| winnow::run_hashes(&tokens::tokens(&f.text)))
        .collect();
    let docs: Vec<Doc> = students
        .iter()
        .map(|s| Doc::new(s.files.get(exercise).map_or(&[][..], Vec::as_slice), &base))
        .collect();
    // Which documents hold each fingerprint, then how many each pair shares.
    let mut holders: HashMap<u64, Vec<u32>> = HashMap::new();
    for (i, doc) in docs.iter().enumerate() {
        for &hash in &doc.hashes {
            holders.entry(hash).or_default().push(i as u32);
        }
    }
    let mut shared: HashMap<(u32, u32), usize> = HashMap::new();
    for docs in holders.values().filter(|d| d.len() > 1) {
        for (i, &a) in docs.iter().enumerate() {
            for &b in &docs[i + 1..] {
                *shared.entry((a.min(b), a.max(b))).or_default() += 1;
            }
        }
    }
    shared
        .into_iter()
        .filter(|&(_, matched)| matched >= MIN_MATCHED)
        .map(|((a, b), matched)| {
            let (da, db) = (&docs[a as usize], &docs[b as usize]);
            let mut pair = Pair {
                exercise,
                a: students[a as usize].name.clone(),
                b: students[b as usize].name.clone(),
                matched,
                share_a: matched as f64 / da.hashes.len() as f64,
                share_b: matched as f64 / db.hashes.len() as f64,
                fragments: Vec::new(),
            };
            if pair.score() * 100.0 >= threshold {
                pair.fragments = fragments(da, db);
            }
            pair
        })
        .collect()
}

/// The passages two documents share: their common fingerprints, in A's order, joined while they
/// follow each other alike in both files (the same distance apart, give or take a window: what
/// lies between is the same code, or the stubs'), then merged where they overlap.
fn fragments(a: &Doc, b: &Doc) -> Vec<Fragment> {
    let mut in_b: HashMap<u64, Vec<(usize, Fingerprint)>> = HashMap::new();
    for &(file, p) in &b.prints {
        in_b.entry(p.hash).or_default().push((file, p));
    }
    let mut in_a: Vec<(usize, Fingerprint)> = a.prints.clone();
    in_a.sort_by_key(|(file, p)| (*file, p.start));
    let mut runs: Vec<Run> = Vec::new();
    for (fa, pa) in in_a {
        let Some(places) = in_b.get(&pa.hash) else {
            continue;
        };
        // The place in B that carries on the last run, if one does; else B's first.
        let follows = runs.last().and_then(|r| {
            places.iter().find(|&&(fb, pb)| {
                let (da, db) = (
                    pa.start.wrapping_sub(r.last.0),
                    pb.start.wrapping_sub(r.last.1),
                );
                r.files == (fa, fb) && pb.start > r.last.1 && da <= GAP && da.abs_diff(db) <= K + W
            })
        });
        match (follows, runs.last_mut()) {
            (Some(&(_, pb)), Some(r)) => {
                r.a.1 = r.a.1.max(pa.last_line);
                r.b = (r.b.0.min(pb.first_line), r.b.1.max(pb.last_line));
                r.last = (pa.start, pb.start);
                r.count += 1;
            }
            _ => {
                let (fb, pb) = places[0];
                runs.push(Run {
                    files: (fa, fb),
                    a: (pa.first_line, pa.last_line),
                    b: (pb.first_line, pb.last_line),
                    last: (pa.start, pb.start),
                    count: 1,
                });
            }
        }
    }
    let mut runs = merged(runs);
    runs.sort_by(|x, y| y.count.cmp(&x.count).then(x.a.cmp(&y.a)));
    runs.truncate(FRAGMENTS_SHOWN);
    runs.sort_by_key(|r| (r.files.0, r.a));
    runs.into_iter()
        .map(|r| Fragment {
            a: span(&a.files[r.files.0], r.a),
            b: span(&b.files[r.files.1], r.b),
            fingerprints: r.count,
        })
        .collect()
}

/// How far apart (in tokens) two fingerprints of one passage may be: a few lines, which the
/// stubs' code taken out of both may leave.
const GAP: usize = 4 * (K + W);

/// A passage being found: its files (A's, B's), lines in each, and its last fingerprint's place.
struct Run {
    files: (usize, usize),
    a: (u32, u32),
    b: (u32, u32),
    last: (usize, usize),
    count: usize,
}

/// The runs, those that overlap in both files (or touch) made one.
fn merged(mut runs: Vec<Run>) -> Vec<Run> {
    runs.sort_by_key(|r| (r.files, r.a));
    let mut out: Vec<Run> = Vec::new();
    for r in runs {
        // `y` starts within `x` or right after it (runs are in A's order, and a passage goes on
        // in the same order in B).
        let goes_on = |x: (u32, u32), y: (u32, u32)| x.0 <= y.0 && y.0 <= x.1 + 1;
        match out.last_mut() {
            Some(m) if m.files == r.files && goes_on(m.a, r.a) && goes_on(m.b, r.b) => {
                m.a = (m.a.0.min(r.a.0), m.a.1.max(r.a.1));
                m.b = (m.b.0.min(r.b.0), m.b.1.max(r.b.1));
                m.count += r.count;
            }
            _ => out.push(r),
        }
    }
    out
}

fn span(file: &Source, (first, last): (u32, u32)) -> Span {
    let text: Vec<&str> = file
        .text
        .lines()
        .skip(first as usize - 1)
        .take((last - first + 1) as usize)
        .collect();
    Span {
        path: file.path.clone(),
        first,
        last,
        text: text.join("\n"),
    }
}

/// The Rust files under `root`'s `exercises/exN/src` of the paths given, by exercise.
fn sources_of(root: &Path, paths: &[PathBuf]) -> BTreeMap<&'static str, Vec<Source>> {
    let mut files: BTreeMap<&'static str, Vec<Source>> = BTreeMap::new();
    for path in paths {
        let exercise = path
            .components()
            .nth(1)
            .and_then(|c| EXERCISES.iter().find(|e| c.as_os_str() == **e));
        let (Some(exercise), Some("rs")) = (exercise, path.extension().and_then(|e| e.to_str()))
        else {
            continue;
        };
        if let Ok(bytes) = std::fs::read(root.join(path)) {
            files.entry(exercise).or_default().push(Source {
                path: path.display().to_string(),
                text: String::from_utf8_lossy(&bytes).into_owned(),
            });
        }
    }
    files
}

/// The stubs: the kit's own student files, which every student starts from.
pub fn stubs(kit: &Path) -> Result<BTreeMap<&'static str, Vec<Source>>, String> {
    let mut paths = Vec::new();
    for exercise in EXERCISES.iter().copied() {
        let src = Path::new("exercises").join(exercise).join("src");
        let entries = std::fs::read_dir(kit.join(&src))
            .map_err(|e| format!("cannot read the stubs in {}: {e}", kit.join(&src).display()))?;
        paths.extend(entries.flatten().map(|e| src.join(e.file_name())));
    }
    paths.sort();
    Ok(sources_of(kit, &paths))
}

/// Reads every submission in `dir` (as grading does: only the student files, within bounds) and
/// compares them, with the stubs of `kit` as base code, `jobs` submissions read at a time.
pub fn compare_dir(kit: &Path, dir: &Path, jobs: usize, threshold: f64) -> Result<Found, String> {
    let base = stubs(kit)?;
    let queue = Mutex::new(grader::submission::of_class(dir)?.into_iter());
    let read = Mutex::new((Vec::new(), Vec::new()));
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1) {
            s.spawn(|| {
                while let Some((name, path)) = next(&queue) {
                    let files = path.and_then(|path| Submission::student_files(&path));
                    let student = files.map(|sub| Student {
                        name: name.clone(),
                        files: sources_of(sub.kit.path(), &sub.taken),
                    });
                    let mut read = read.lock().unwrap_or_else(|e| e.into_inner());
                    match student {
                        Ok(student) => read.0.push(student),
                        Err(why) => read
                            .1
                            .push((name, grader::clean::Clean::line(&why).to_string())),
                    }
                }
            });
        }
    });
    let (mut students, mut skipped) = read.into_inner().unwrap_or_else(|e| e.into_inner());
    students.sort_by(|a: &Student, b| a.name.cmp(&b.name));
    skipped.sort();
    Ok(Found {
        pairs: compare(&base, &students, threshold),
        students: students.len(),
        skipped,
        threshold,
    })
}

/// similar.csv: a line per pair above the threshold, most similar first.
pub fn csv(found: &Found) -> String {
    let mut text = csv::sheet_record(&[
        "exercise",
        "student_a",
        "student_b",
        "similarity",
        "share_a",
        "share_b",
        "matched",
        "lines_a",
        "lines_b",
    ]);
    let percent = |x: f64| format!("{:.1}", x * 100.0);
    for p in found.above() {
        let lines = |side: fn(&Fragment) -> &Span| -> String {
            let spans: Vec<String> = p
                .fragments
                .iter()
                .map(|f| {
                    let s = side(f);
                    format!("{}:{}-{}", s.path, s.first, s.last)
                })
                .collect();
            spans.join(" ")
        };
        text.push_str(&csv::sheet_record(&[
            p.exercise.to_owned(),
            p.a.clone(),
            p.b.clone(),
            percent(p.score()),
            percent(p.share_a),
            percent(p.share_b),
            p.matched.to_string(),
            lines(|f| &f.a),
            lines(|f| &f.b),
        ]));
    }
    text
}

/// `instructor similar DIR --out OUT`: writes similar.html and similar.csv in `out`, and prints the
/// pairs above the threshold.
pub fn run(kit: &Path, dir: &Path, out: &Path, threshold: f64) -> Result<usize, String> {
    let started = std::time::Instant::now();
    let found = compare_dir(kit, dir, grader::harness::default_jobs(), threshold)?;
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let page = format!(
        "{}{}{}",
        crate::batch::class_html::head("Similar submissions"),
        html::section(&found),
        crate::batch::class_html::FOOT
    );
    for (name, text) in [("similar.html", page), ("similar.csv", csv(&found))] {
        let path = out.join(name);
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    for (name, why) in &found.skipped {
        eprintln!("{name}: not compared: {why}");
    }
    let above: Vec<&Pair> = found.above().collect();
    for p in &above {
        println!(
            "{}: {} and {}: {:.0}% ({} fingerprints in common)",
            p.exercise,
            p.a,
            p.b,
            p.score() * 100.0,
            p.matched
        );
    }
    eprintln!(
        "{} submissions compared in {:.1}s: {} pairs at or above {}%; {}",
        found.students,
        started.elapsed().as_secs_f64(),
        above.len(),
        threshold,
        out.join("similar.html").display()
    );
    Ok(above.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A function of `n` statements, its own shape made from `seed`.
    fn function(name: &str, seed: usize, n: usize) -> String {
        let shapes = [
            "    let a = b.c(d)?;\n",
            "    if x < y { return Err(z); }\n",
            "    for i in 0..n { v[i] += 1; }\n",
            "    while let Some(q) = it.next() { s.push(q); }\n",
            "    match m { A => f(), _ => g(&h) }\n",
            "    let mut w = Vec::with_capacity(k * 2);\n",
            "    unsafe { p.add(o).write(0) };\n",
            "    const C: u64 = 1 << 20;\n",
        ];
        let mut state = seed as u64;
        let body: String = (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                shapes[(state >> 33) as usize % shapes.len()]
            })
            .collect();
        format!("fn {name}() {{\n{body}}}\n")
    }

    fn doc(text: &str) -> Doc {
        let files = [Source {
            path: "exercises/ex1/src/exercise.rs".into(),
            text: text.into(),
        }];
        Doc::new(&files, &HashSet::new())
    }

    #[test]
    fn moved_functions_are_matched_where_each_went() {
        let (f, g) = (function("f", 1, 20), function("g", 2, 20));
        let a = doc(&(f.clone() + &g));
        let same = fragments(&a, &doc(&(f.clone() + &g)));
        assert_eq!(same.len(), 1, "{same:?}");
        // The whole file, but perhaps its last tokens (after the last fingerprint).
        assert!(same[0].a.first == 1 && same[0].a.last >= 40, "{same:?}");
        let moved = fragments(&a, &doc(&(g.clone() + &f)));
        assert_eq!(moved.len(), 2, "{moved:?}");
        // f: lines 1-22 of A, 23-44 of B; g: the other way round.
        for fragment in &moved {
            let shift = fragment.a.first.abs_diff(fragment.b.first);
            assert!((21..=23).contains(&shift), "{fragment:?}");
            assert_eq!(
                fragment.a.text.lines().next(),
                fragment.b.text.lines().next()
            );
        }
    }
}
