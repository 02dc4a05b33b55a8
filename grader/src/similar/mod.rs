//! `grader similar DIR`, and the similarity section of class.html: which submissions share
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
use crate::grade::next;
use crate::rubric::EXERCISES;
use crate::submission::Submission;
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
        for _ in 0..crate::harness::default_jobs().clamp(1, EXERCISES.len()) {
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
/// follow each other in both files alike.
fn fragments(a: &Doc, b: &Doc) -> Vec<Fragment> {
    let mut in_b: HashMap<u64, Vec<(usize, Fingerprint)>> = HashMap::new();
    for &(file, p) in &b.prints {
        in_b.entry(p.hash).or_default().push((file, p));
    }
    // Each fingerprint of A, with its first place in B.
    let mut matches: Vec<((usize, Fingerprint), (usize, Fingerprint))> = a
        .prints
        .iter()
        .filter_map(|&(file, p)| Some(((file, p), *in_b.get(&p.hash)?.first()?)))
        .collect();
    matches.sort_by_key(|((file, p), _)| (*file, p.start));
    struct Run {
        files: (usize, usize),
        a: (u32, u32),
        b: (u32, u32),
        last: (usize, usize),
        count: usize,
    }
    let mut runs: Vec<Run> = Vec::new();
    for ((fa, pa), (fb, pb)) in matches {
        let follows = runs.last().is_some_and(|r| {
            r.files == (fa, fb)
                && pa.start <= r.last.0 + K + W
                && pb.start > r.last.1
                && pb.start <= r.last.1 + K + W
        });
        if follows {
            let r = runs.last_mut().expect("checked");
            r.a.1 = r.a.1.max(pa.last_line);
            r.b = (r.b.0.min(pb.first_line), r.b.1.max(pb.last_line));
            r.last = (pa.start, pb.start);
            r.count += 1;
        } else {
            runs.push(Run {
                files: (fa, fb),
                a: (pa.first_line, pa.last_line),
                b: (pb.first_line, pb.last_line),
                last: (pa.start, pb.start),
                count: 1,
            });
        }
    }
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
    for exercise in EXERCISES {
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
    let queue = Mutex::new(crate::batch::submissions(dir)?.into_iter());
    let read = Mutex::new((Vec::new(), Vec::new()));
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1) {
            s.spawn(|| {
                while let Some((name, path)) = next(&queue) {
                    let student = Submission::student_files(&path).map(|sub| Student {
                        name: name.clone(),
                        files: sources_of(sub.kit.path(), &sub.taken),
                    });
                    let mut read = read.lock().unwrap_or_else(|e| e.into_inner());
                    match student {
                        Ok(student) => read.0.push(student),
                        Err(why) => read
                            .1
                            .push((name, crate::clean::Clean::line(&why).to_string())),
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
    let mut text = csv::record(&[
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
        text.push_str(&csv::record(&[
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

/// `grader similar DIR --out OUT`: writes similar.html and similar.csv in `out`, and prints the
/// pairs above the threshold.
pub fn run(kit: &Path, dir: &Path, out: &Path, threshold: f64) -> Result<usize, String> {
    let started = std::time::Instant::now();
    let found = compare_dir(kit, dir, crate::harness::default_jobs(), threshold)?;
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let page = format!(
        "{}{}{}",
        crate::report::class_html::head("Similar submissions"),
        html::section(&found),
        crate::report::class_html::FOOT
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
