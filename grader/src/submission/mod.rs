//! A student's submission, graded in a pristine copy of the kit.
//!
//! Only the student's own files are taken from a submission: regular files under
//! `exercises/ex1..ex4/src/`. Everything else (edited tests or grader files, Cargo.toml,
//! build.rs, `.cargo/config.toml`, symlinks, results files) is left out and listed as ignored.
//! The same rule makes the hand-in tarball (`make handin`).
//!
//! Here: the whitelist (`is_student_file`), a submission imported into a kit copy, and a class's
//! submissions; `intake.rs`: reading a submission an entry at a time, within bounds (a folder, a
//! tar archive; `zip.rs`: a zip); `build.rs`: its exercises built in a shared target and staged
//! for the runs; `handin.rs`: `make handin`'s tarball and its manifest.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

use crate::clean::Clean;
use crate::kit::copy_without_answers;
use crate::rubric::EXERCISES;
use crate::runner::interrupt::{Registered, Undo, register};

mod build;
mod handin;
mod intake;
mod zip;

pub use build::stage;
pub use handin::{handin, sha256_lines};
use intake::{ARCHIVES, Bounds, Intake, kit_top, lone_archive};

/// Whether `relative` (a path inside a kit) is one of the files a student writes.
pub fn is_student_file(relative: &Path) -> bool {
    let parts: Vec<&str> = relative
        .components()
        .map(|c| match c {
            Component::Normal(name) => name.to_str().unwrap_or("\0"),
            _ => "\0", // "..", "/", "." never name a student file.
        })
        .collect();
    // Not a file that makes cargo see another target (`src/bin/*.rs`, `src/lib.rs`): a target
    // cargo refuses (`src/bin/deps.rs`) would stop the whole build as if the grader had failed,
    // and any other would leave its binary in the target folder that all builds share.
    matches!(&parts[..], ["exercises", exercise, "src", rest @ ..]
        if EXERCISES.contains(exercise)
            && !rest.is_empty()
            && !rest.contains(&"\0")
            && !matches!(rest, ["bin", ..] | ["lib.rs"]))
}

/// A submission unpacked into a pristine copy of the kit.
pub struct Submission {
    /// The kit copy, with the student's files in place.
    pub kit: TempDir,
    /// The student files taken, relative to the kit.
    pub taken: Vec<PathBuf>,
    /// What was left out, with why.
    pub ignored: Vec<(PathBuf, &'static str)>,
    /// A hash of the student files taken (paths and contents): the same hash, the same grade.
    pub hash: String,
    /// The kit copy is removed if the grader is interrupted, too.
    _undo: Registered,
}

impl Submission {
    /// Reads a submission: a hand-in archive (`.tar.gz`, `.tgz`, `.tar`), or a directory laid out
    /// like the kit, at its top or inside one top-level folder, or holding no `exercises/` but one
    /// hand-in archive (as Gradescope stores an uploaded `handin.tar.gz`). Only the student files
    /// are written, straight into a pristine copy of the kit: an archive is read here, an entry
    /// at a time, and nothing else of it reaches the disk. A submission of more than
    /// `MAX_ENTRIES` entries or `MAX_BYTES` bytes is refused.
    pub fn import(path: &Path, kit: &Path) -> Result<Submission, String> {
        Submission::read_into(path, pristine_kit(kit)?)
    }

    /// Reads a submission as `import` does, its student files alone in a folder of their own,
    /// without the kit around them (nothing to build, and no copy of the kit to make): what
    /// `instructor similar` compares.
    pub fn student_files(path: &Path) -> Result<Submission, String> {
        let dir = tempfile::Builder::new()
            .prefix("student-files-")
            .tempdir()
            .map_err(|e| format!("cannot make a temporary folder: {e}"))?;
        Submission::read_into(path, dir)
    }

    /// Takes the student files of the submission at `path` into `kit`.
    fn read_into(path: &Path, kit: TempDir) -> Result<Submission, String> {
        let bounds = Bounds::default();
        let mut intake = Intake {
            kit: kit.path(),
            top: None,
            taken: BTreeSet::new(),
            ignored: Vec::new(),
            bounds: &bounds,
        };
        let read = match path.is_dir().then(|| kit_top(path)) {
            Some(top) if top.join("exercises").is_dir() => intake.directory(&top),
            Some(top) => match lone_archive(path) {
                Some(archive) => intake
                    .beside(path, &archive)
                    .and_then(|()| intake.archive(&archive)),
                None => intake.directory(&top),
            },
            None => intake.archive(path),
        };
        if let Some(why) = bounds.exceeded() {
            return Err(format!("{} is refused: {why}", path.display()));
        }
        read?;
        let taken: Vec<PathBuf> = intake.taken.into_iter().collect();
        let ignored = intake.ignored;
        let hash = sha256_of(kit.path(), &taken)?;
        Ok(Submission {
            _undo: register(Undo::Folder(kit.path().to_owned())),
            kit,
            taken,
            ignored,
            hash,
        })
    }
}

/// A student's submission in a class's folder, or why there is none to grade.
pub type Found = Result<PathBuf, String>;

/// The submissions in a class's folder `dir` (a file or a folder per student), one per student,
/// sorted. A student named by more than one entry (`alice/` and `alice.tar`) gets none: which
/// one counts is the instructor's to say, and the reason asks for it.
pub fn of_class(dir: &Path) -> Result<Vec<(String, Found)>, String> {
    let mut by_student: BTreeMap<String, BTreeMap<String, PathBuf>> = BTreeMap::new();
    for entry in std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(Result::ok)
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(student) = student_id(&name) {
            by_student
                .entry(student)
                .or_default()
                .insert(name, entry.path());
        }
    }
    let one = |mut entries: BTreeMap<String, PathBuf>| match entries.len() {
        1 => Ok(entries.pop_first().expect("one entry").1),
        n => Err(format!(
            "not graded: {n} submissions are this student's ({}); keep one of them",
            entries.into_keys().collect::<Vec<_>>().join(", ")
        )),
    };
    Ok(by_student.into_iter().map(|(s, e)| (s, one(e))).collect())
}

/// `alice.tar.gz` -> `alice`; hidden files and stray files are not submissions.
fn student_id(name: &str) -> Option<String> {
    if name.starts_with('.') {
        return None;
    }
    let id = ARCHIVES
        .iter()
        .find_map(|ext| name.strip_suffix(ext))
        .unwrap_or(name);
    // It names the student in the gradebook and in progress lines on a terminal.
    Some(Clean::new(id).to_string())
}

/// A fresh copy of the sources of the kit at `kit`, without its answers (see
/// `kit::copy_without_answers`).
fn pristine_kit(kit: &Path) -> Result<TempDir, String> {
    let copy = tempfile::Builder::new()
        .prefix("kit-")
        .tempdir()
        .map_err(|e| e.to_string())?;
    copy_without_answers(kit, copy.path())?;
    Ok(copy)
}

/// One hash for a set of files: the sha256 of their sorted `sha256sum` lines.
fn sha256_of(root: &Path, files: &[PathBuf]) -> Result<String, String> {
    use std::io::Write;
    let mut sorted = files.to_vec();
    sorted.sort();
    let lines = sha256_lines(root, &sorted)?;
    let mut hasher = Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run sha256sum: {e}"))?;
    hasher
        .stdin
        .take()
        .expect("piped")
        .write_all(lines.as_bytes())
        .map_err(|e| e.to_string())?;
    let output = hasher.wait_with_output().map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned())
}

/// The kit the unit tests run in (found from the package's folder, as at run time).
#[cfg(test)]
fn test_kit() -> PathBuf {
    crate::kit::find(None).expect("the tests run inside the kit")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_files_under_an_exercise_src_are_student_files() {
        for yes in [
            "exercises/ex1/src/exercise.rs",
            "exercises/ex4/src/deep/helper.rs",
        ] {
            assert!(is_student_file(Path::new(yes)), "{yes}");
        }
        for no in [
            "exercises/ex1/Cargo.toml",
            "exercises/ex1/build.rs",
            "exercises/ex1/src",
            "exercises/ex0/src/exercise.rs",
            "exercises/ex1/src/bin/deps.rs",
            "exercises/ex1/src/bin/stash/main.rs",
            "exercises/ex1/src/lib.rs",
            "exercises/cli-support/src/lib.rs",
            "grader/src/rubric.rs",
            ".cargo/config.toml",
            "results.json",
            "exercises/ex1/src/../../../grader/src/rubric.rs",
            "/exercises/ex1/src/exercise.rs",
            "./exercises/ex1/src/exercise.rs",
        ] {
            assert!(!is_student_file(Path::new(no)), "{no}");
        }
    }

    #[test]
    fn a_directory_holding_only_a_handin_is_read_like_the_handin() {
        let dir = tempfile::tempdir().unwrap();
        let tarball = dir.path().join("handin.tar.gz");
        handin(&test_kit(), &tarball).unwrap();
        let uploads = dir.path().join("submission");
        std::fs::create_dir(&uploads).unwrap();
        std::fs::copy(&tarball, uploads.join("handin.tar.gz")).unwrap();

        let alone = Submission::import(&tarball, &test_kit()).unwrap();
        let uploaded = Submission::import(&uploads, &test_kit()).unwrap();
        assert!(alone.taken.len() >= EXERCISES.len(), "{:?}", alone.taken);
        assert_eq!(uploaded.taken, alone.taken);
        assert_eq!(uploaded.ignored, alone.ignored);
        assert_eq!(uploaded.hash, alone.hash);

        // Beside something else, the archive is still what is graded; two archives are not.
        std::fs::write(uploads.join("notes.txt"), "hi").unwrap();
        let beside = Submission::import(&uploads, &test_kit()).unwrap();
        assert_eq!(beside.hash, alone.hash);
        assert!(
            beside
                .ignored
                .contains(&("notes.txt".into(), "not in the hand-in archive"))
        );
        std::fs::copy(&tarball, uploads.join("again.tar.gz")).unwrap();
        assert_eq!(
            Submission::import(&uploads, &test_kit()).unwrap().taken,
            [] as [PathBuf; 0]
        );
    }
}
