//! A student's submission, graded in a pristine copy of the kit.
//!
//! Only the student's own files are taken from a submission: regular files under
//! `exercises/ex1..ex4/src/`. Everything else (edited tests or grader files, Cargo.toml,
//! build.rs, `.cargo/config.toml`, symlinks, results files) is left out and listed as ignored.
//! The same rule makes the hand-in tarball (`make handin`).

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

use crate::clean::Clean;
use crate::compile::{BuildError, build_all, package};
use crate::kit::copy_without_answers;
use crate::rubric::EXERCISES;
use crate::runner::interrupt::{Registered, Undo, register};

mod zip;

/// The largest student file taken (a source file, not a data set).
const MAX_FILE: u64 = 1 << 20;

/// The most entries (files, folders, links) a submission may hold, and the most bytes that
/// reading it may take (decompressed): past either, it is refused instead of read on, so that an
/// archive of a few KiB that unpacks to gigabytes costs nothing.
const MAX_ENTRIES: usize = 10_000;
const MAX_BYTES: u64 = 64 << 20;

/// The most bytes of a tar archive's long name or pax header (a path is at most 4 KiB).
const MAX_HEADER: u64 = 64 << 10;

/// The hand-in archives read, by the ends of their names (`make handin` makes a `.tar.gz`).
const ARCHIVES: [&str; 4] = [".tar.gz", ".tgz", ".tar", ".zip"];

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
    /// `grader similar` compares.
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

    /// Builds the four exercises of the submission into `target` (shared by all submissions, so
    /// that the dependencies are compiled once) and copies each binary to `bin_dir`. Builds that
    /// share a target directory take turns (a lock file), because each writes `release/ex1`; each
    /// removes its programs from there once they are copied, so that no build can read another's
    /// (with `include_bytes!`).
    pub fn build(
        &self,
        target: &Path,
        bin_dir: &Path,
    ) -> BTreeMap<&'static str, Result<PathBuf, BuildError>> {
        let every = |why: String| {
            EXERCISES
                .iter()
                .copied()
                .map(|e| (e, Err(BuildError::Grader(format!("was not built: {why}")))))
                .collect()
        };
        if let Err(e) = std::fs::create_dir_all(target) {
            return every(format!(
                "the grader cannot create {}: {e}",
                target.display()
            ));
        }
        let Some(_turn) = Lock::take(&target.join(".grader-build.lock")) else {
            return every(format!("the grader cannot lock {}", target.display()));
        };
        // Programs of earlier builds that are still there (a grader stopped before its clean-up,
        // or the reference solutions that Gradescope's setup.sh builds there) go first.
        if let Err(e) = remove_programs(target) {
            return every(format!(
                "the grader cannot remove earlier programs from {}: {e}",
                target.display()
            ));
        }
        // Cargo decides whether a crate is out of date by comparing its sources' modification
        // times with its last build in this target directory, made from another submission's
        // copy of the kit. The copies' files may be older than that build; made newer than
        // anything built so far, they are rebuilt.
        if let Err(why) = touch_all(&self.kit.path().join("exercises")) {
            return every(format!("the grader cannot prepare the build: {why}"));
        }
        let packages: Vec<String> = EXERCISES.iter().map(|e| e.to_string()).collect();
        let mut built = build_all(self.kit.path(), &packages, Some(target));
        let programs = EXERCISES
            .iter()
            .copied()
            .map(|exercise| {
                let result = built
                    .remove(exercise)
                    .unwrap_or_else(|| Err(BuildError::Grader("was not built".into())));
                let staged = result.and_then(|binary| {
                    stage(&binary, bin_dir).map_err(|e| {
                        BuildError::Grader(format!("was built, but the grader cannot copy it: {e}"))
                    })
                });
                (exercise, staged)
            })
            .collect();
        // Should this fail, the next build's own removal fails too, and refuses to build.
        let _ = remove_programs(target);
        programs
    }
}

/// `make handin`: writes a tarball of the student files of the kit at `kit`, with a MANIFEST
/// (each file's sha256, and the git commit when there is one). Returns warnings to show, such as
/// The submissions in a class's folder `dir` (a file or a folder per student), by student,
/// sorted.
pub fn of_class(dir: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    let mut submissions: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .filter_map(|e| Some((student_id(&e.file_name().to_string_lossy())?, e.path())))
        .collect();
    submissions.sort();
    Ok(submissions)
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

/// uncommitted changes.
pub fn handin(kit: &Path, out: &Path) -> Result<Vec<String>, String> {
    let mut files = Vec::new();
    walk(
        &kit.join("exercises"),
        Path::new(""),
        &mut |relative, kind| {
            let relative = Path::new("exercises").join(relative);
            if matches!(kind, Kind::File(_)) && is_student_file(&relative) {
                files.push(relative);
            }
        },
    )
    .map_err(|e| format!("cannot read the exercises: {e}"))?;
    files.sort();
    let git = |args: &[&str]| {
        Command::new("git")
            .current_dir(kit)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let commit = git(&["rev-parse", "HEAD"]);
    let mut warnings = Vec::new();
    match git(&["status", "--porcelain", "--", "exercises"]) {
        Some(changes) if !changes.is_empty() => warnings.push(format!(
            "warning: uncommitted changes are handed in as they are now, but no commit records them:\n{changes}"
        )),
        None => warnings.push("warning: not a git checkout: the manifest records no commit".into()),
        _ => {}
    }
    let manifest = format!(
        "# mmap lab kit hand-in: the student files and their sha256 sums\ncommit: {}\n{}",
        commit.as_deref().unwrap_or("none"),
        sha256_lines(kit, &files)?
    );
    let staging = tempfile::tempdir().map_err(|e| e.to_string())?;
    std::fs::write(staging.path().join("MANIFEST"), manifest).map_err(|e| e.to_string())?;
    let out = std::path::absolute(out).map_err(|e| e.to_string())?;
    let status = Command::new("tar")
        .arg("-czf")
        .arg(&out)
        .arg("-C")
        .arg(staging.path())
        .arg("MANIFEST")
        .arg("-C")
        .arg(kit)
        .args(&files)
        .output()
        .map_err(|e| format!("cannot run tar: {e}"))?;
    if !status.status.success() {
        return Err(format!(
            "tar failed: {}",
            String::from_utf8_lossy(&status.stderr).trim()
        ));
    }
    Ok(warnings)
}

/// Copies a program where the user that runs tests can execute it (see `runner::confinement`).
pub fn stage(binary: &Path, bin_dir: &Path) -> Result<PathBuf, String> {
    std::fs::create_dir_all(bin_dir).map_err(|e| e.to_string())?;
    std::fs::set_permissions(bin_dir, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| e.to_string())?;
    let to = bin_dir.join(binary.file_name().unwrap_or_default());
    std::fs::copy(binary, &to).map_err(|e| format!("cannot copy {}: {e}", binary.display()))?;
    std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| e.to_string())?;
    Ok(to)
}

/// Sets the modification time of every file under `dir` to now.
fn touch_all(dir: &Path) -> std::io::Result<()> {
    let now = std::time::SystemTime::now();
    let mut files = Vec::new();
    walk(dir, Path::new(""), &mut |relative, _| {
        files.push(dir.join(relative))
    })?;
    files
        .iter()
        .try_for_each(|file| File::options().write(true).open(file)?.set_modified(now))
}

/// The folder that holds `exercises/`: `root` itself, or its one top-level folder.
fn kit_top(root: &Path) -> PathBuf {
    if root.join("exercises").is_dir() {
        return root.to_owned();
    }
    let folders: Vec<PathBuf> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    match &folders[..] {
        [only] if only.join("exercises").is_dir() => only.clone(),
        _ => root.to_owned(),
    }
}

/// The one hand-in archive among the files of `dir` (not its links), if it holds exactly one.
fn lone_archive(dir: &Path) -> Option<PathBuf> {
    let archives: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| {
            let name = e.file_name();
            ARCHIVES
                .iter()
                .any(|ext| name.as_bytes().ends_with(ext.as_bytes()))
        })
        .map(|e| e.path())
        .collect();
    match &archives[..] {
        [only] => Some(only.clone()),
        _ => None,
    }
}

/// How much of a submission has been read: its entries, and its bytes (decompressed).
#[derive(Default)]
struct Bounds {
    entries: Cell<usize>,
    bytes: Cell<u64>,
}

impl Bounds {
    /// Counts one entry; fails past `MAX_ENTRIES`.
    fn entry(&self) -> io::Result<()> {
        self.entries.set(self.entries.get() + 1);
        self.check()
    }

    /// Why the submission is refused, if it is.
    fn exceeded(&self) -> Option<String> {
        if self.entries.get() > MAX_ENTRIES {
            Some(format!("it holds more than {MAX_ENTRIES} entries"))
        } else if self.bytes.get() > MAX_BYTES {
            Some(format!("it is more than {} MiB unpacked", MAX_BYTES >> 20))
        } else {
            None
        }
    }

    fn check(&self) -> io::Result<()> {
        self.exceeded()
            .map_or(Ok(()), |why| Err(io::Error::other(why)))
    }
}

/// A reader whose bytes count against a submission's bounds: it fails past them.
struct Metered<'b, R> {
    inner: R,
    bounds: &'b Bounds,
}

impl<R: Read> Read for Metered<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bounds.bytes.set(self.bounds.bytes.get() + n as u64);
        self.bounds.check().map(|()| n)
    }
}

/// A submission's files as they are read: each student file is written into the kit copy at
/// once, and everything else is listed as ignored, with why.
struct Intake<'a> {
    kit: &'a Path,
    /// The folder of the submission that holds the kit's files: its top (""), or one folder of it.
    /// An archive's is found from its first student file.
    top: Option<PathBuf>,
    taken: BTreeSet<PathBuf>,
    ignored: Vec<(PathBuf, &'static str)>,
    bounds: &'a Bounds,
}

impl Intake<'_> {
    /// Takes the student files of a directory laid out like the kit (links are not followed).
    fn directory(&mut self, root: &Path) -> Result<(), String> {
        self.top = Some(PathBuf::new());
        let mut entries = Vec::new();
        // One entry past the bound is enough to refuse the submission.
        walk(root, Path::new(""), &mut |relative, kind| {
            if entries.len() <= MAX_ENTRIES {
                entries.push((relative.to_owned(), kind));
            }
        })
        .map_err(|e| format!("cannot read the submission: {e}"))?;
        let bounds = self.bounds;
        for (relative, kind) in entries {
            bounds.entry().map_err(|e| e.to_string())?;
            self.offer(&relative, kind, || {
                let file = File::options()
                    .read(true)
                    .custom_flags(libc::O_NOFOLLOW)
                    .open(root.join(&relative))?;
                Ok(Metered {
                    inner: file,
                    bounds,
                })
            })
            .map_err(|e| format!("cannot read {}: {e}", relative.display()))?;
        }
        Ok(())
    }

    /// Lists what `dir` holds beside the hand-in archive that is graded.
    fn beside(&mut self, dir: &Path, archive: &Path) -> Result<(), String> {
        for entry in
            std::fs::read_dir(dir).map_err(|e| format!("cannot read the submission: {e}"))?
        {
            let entry = entry.map_err(|e| format!("cannot read the submission: {e}"))?;
            if entry.path() != archive {
                self.bounds.entry().map_err(|e| e.to_string())?;
                self.ignored
                    .push((entry.file_name().into(), "not in the hand-in archive"));
            }
        }
        Ok(())
    }

    /// Takes the student files of a tar archive, compressed with gzip or not, or of a zip.
    fn archive(&mut self, archive: &Path) -> Result<(), String> {
        let fail = |e: io::Error| format!("cannot read {}: {e}", archive.display());
        let mut file = BufReader::new(File::open(archive).map_err(fail)?);
        let start = file.fill_buf().map_err(fail)?;
        if start.starts_with(b"PK\x03\x04") || start.starts_with(b"PK\x05\x06") {
            return self.zip(file.into_inner()).map_err(fail);
        }
        let bounds = self.bounds;
        if start.starts_with(&[0x1f, 0x8b]) {
            let inner = flate2::bufread::MultiGzDecoder::new(file);
            self.tar(Metered { inner, bounds })
        } else {
            self.tar(Metered {
                inner: file,
                bounds,
            })
        }
        .map_err(fail)
    }

    /// Reads a tar stream an entry at a time. The tar crate's raw entries are used: given
    /// whole, it would read a GNU long name or a pax header into memory whatever its size; here
    /// they are read with a cap. (Raw entries keep their header's size even where a pax header
    /// gives another, which tar writes only for files of 8 GiB and more, far past the bounds.)
    fn tar(&mut self, from: impl Read) -> io::Result<()> {
        let mut archive = tar::Archive::new(from);
        let mut long_name = None;
        let mut pax_path = None;
        for entry in archive.entries()?.raw(true) {
            let mut entry = entry?;
            self.bounds.entry()?;
            let kind = entry.header().entry_type();
            if kind.is_gnu_longname() {
                let mut name = read_header(&mut entry)?;
                // The name is stored with its terminating NUL.
                while name.last() == Some(&0) {
                    name.pop();
                }
                long_name = Some(name);
                continue;
            }
            if kind.is_pax_local_extensions() {
                let data = read_header(&mut entry)?;
                pax_path = tar::PaxExtensions::new(&data)
                    .filter_map(Result::ok)
                    .filter(|e| e.key() == Ok("path"))
                    .last()
                    .map(|e| e.value_bytes().to_vec());
                continue;
            }
            if kind.is_gnu_longlink() || kind.is_pax_global_extensions() {
                continue;
            }
            let name = pax_path
                .take()
                .or(long_name.take())
                .unwrap_or_else(|| entry.path_bytes().into_owned());
            // `./exercises/...`, as `tar -C DIR .` names it, is `exercises/...`.
            let path: PathBuf = Path::new(OsStr::from_bytes(&name))
                .components()
                .skip_while(|c| *c == Component::CurDir)
                .collect();
            let kind = if kind.is_dir() {
                continue;
            } else if kind.is_file() {
                Kind::File(entry.size())
            } else if kind.is_symlink() {
                Kind::Symlink
            } else if kind.is_hard_link() {
                Kind::HardLink
            } else {
                Kind::Other
            };
            self.offer(&path, kind, || Ok(&mut entry))?;
        }
        Ok(())
    }

    /// One entry of the submission, at `path` in it: a student file is read (from what `open`
    /// gives) and written into the kit; anything else is listed as ignored.
    fn offer<R: Read>(
        &mut self,
        path: &Path,
        kind: Kind,
        open: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<()> {
        let relative = self.in_kit(path);
        let reason = match (kind, relative) {
            (Kind::Symlink, _) => "a symbolic link",
            (Kind::HardLink, _) => "a hard link",
            (Kind::Other, _) => "not a regular file",
            (Kind::Unreadable(why), _) => why,
            (Kind::File(_), None) => "not a student file",
            (Kind::File(size), Some(_)) if size > MAX_FILE => "larger than 1 MiB",
            (Kind::File(_), Some(relative)) => {
                let mut data = Vec::new();
                open()?.take(MAX_FILE + 1).read_to_end(&mut data)?;
                if data.len() as u64 > MAX_FILE {
                    "larger than 1 MiB"
                } else {
                    match self.write(&relative, &data) {
                        Ok(()) => {
                            self.taken.insert(relative);
                            return Ok(());
                        }
                        // The student's own names clash (a file `src/a` and a folder `src/a/`,
                        // or a file where the kit has a folder), or one is too long.
                        Err(e)
                            if matches!(
                                e.kind(),
                                io::ErrorKind::NotADirectory
                                    | io::ErrorKind::IsADirectory
                                    | io::ErrorKind::AlreadyExists
                                    | io::ErrorKind::InvalidFilename
                            ) =>
                        {
                            "its name clashes with a folder or a file, or is too long"
                        }
                        Err(e) => {
                            return Err(io::Error::new(
                                e.kind(),
                                format!("cannot write {}: {e}", relative.display()),
                            ));
                        }
                    }
                }
            }
        };
        self.ignored.push((path.to_owned(), reason));
        Ok(())
    }

    /// Where the submission's `path` goes in the kit, if it is a student file.
    fn in_kit(&mut self, path: &Path) -> Option<PathBuf> {
        if self.top.is_none() {
            let mut parts = path.components();
            self.top = if is_student_file(path) {
                Some(PathBuf::new())
            } else {
                match parts.next() {
                    Some(Component::Normal(folder)) if is_student_file(parts.as_path()) => {
                        Some(folder.into())
                    }
                    _ => None,
                }
            };
        }
        let relative = path.strip_prefix(self.top.as_ref()?).ok()?;
        is_student_file(relative).then(|| relative.to_owned())
    }

    /// Writes a student file into the kit; a student file's path has no `..`, and the kit copy
    /// holds no link, so it lands inside the kit (and O_NOFOLLOW makes sure).
    fn write(&self, relative: &Path, data: &[u8]) -> io::Result<()> {
        let to = self.kit.join(relative);
        std::fs::create_dir_all(to.parent().expect("student files are in a folder"))?;
        File::options()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o644)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&to)?
            .write_all(data)
    }
}

/// The data of a tar archive's long name or pax header, at most `MAX_HEADER` bytes.
fn read_header(entry: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut data = Vec::new();
    entry.take(MAX_HEADER + 1).read_to_end(&mut data)?;
    if data.len() as u64 > MAX_HEADER {
        return Err(io::Error::other(format!(
            "a long name or pax header of more than {} KiB",
            MAX_HEADER >> 10
        )));
    }
    Ok(data)
}

/// Removes from the shared target directory every artifact of the exercises' programs, the
/// students' (`ex1`) and the reference solutions' (`ex1-solution`): the binaries, and their
/// deps/ and .fingerprint/ entries. The dependencies' artifacts stay, so builds stay fast.
fn remove_programs(target: &Path) -> io::Result<()> {
    let release = target.join("release");
    for dir in [
        release.clone(),
        release.join("deps"),
        release.join(".fingerprint"),
        release.join("incremental"),
    ] {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            if !is_program_artifact(&entry.file_name().to_string_lossy()) {
                continue;
            }
            if entry.file_type()?.is_dir() {
                std::fs::remove_dir_all(entry.path())?;
            } else {
                std::fs::remove_file(entry.path())?;
            }
        }
    }
    Ok(())
}

/// Whether `name`, in a target directory's release/ or one of its folders, belongs to an
/// exercise's program: `ex1`, `ex1.d`, `ex1-<hash>` (in deps/ and .fingerprint/), its object
/// files `ex1-<hash>.*`, `ex1-solution`, `ex1_solution-<hash>`, and the library a `src/lib.rs`
/// makes of it (`libex1.rlib`, `libex1-<hash>.*`); not `cli_support-<hash>`.
fn is_program_artifact(name: &str) -> bool {
    EXERCISES
        .iter()
        .flat_map(|e| {
            let solution = package(e, true);
            let underscored = solution.replace('-', "_");
            // A `src/lib.rs` makes a library of the package too: `libex1.rlib`, `libex1-<hash>.*`.
            [
                format!("lib{e}"),
                format!("lib{underscored}"),
                e.to_string(),
                underscored,
                solution,
            ]
        })
        .any(|stem| {
            let Some(rest) = name.strip_prefix(stem.as_str()) else {
                return false;
            };
            // Cargo names a unit's files with a hash of 16 hex digits.
            let rest = rest
                .strip_prefix('-')
                .and_then(|r| {
                    let (hash, tail) = (r.get(..16)?, r.get(16..)?);
                    hash.bytes().all(|b| b.is_ascii_hexdigit()).then_some(tail)
                })
                .unwrap_or(rest);
            rest.is_empty() || rest.starts_with('.')
        })
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

#[derive(Clone, Copy)]
enum Kind {
    File(u64),
    Symlink,
    /// Only in archives: another name for a file (in the archive, or anywhere).
    HardLink,
    Other,
    /// Only in archives: a file the grader cannot read, and why (a zip entry that is encrypted).
    Unreadable(&'static str),
}

/// Visits every entry under `root/relative` without following symbolic links.
fn walk(root: &Path, relative: &Path, visit: &mut dyn FnMut(&Path, Kind)) -> std::io::Result<()> {
    for entry in std::fs::read_dir(root.join(relative))? {
        let entry = entry?;
        let path = relative.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(root, &path, visit)?;
        } else if kind.is_symlink() {
            visit(&path, Kind::Symlink);
        } else if kind.is_file() {
            visit(&path, Kind::File(entry.metadata()?.len()));
        } else {
            visit(&path, Kind::Other);
        }
    }
    Ok(())
}

/// `sha256sum`'s lines for `files` (relative to `root`, in order), as one string.
pub fn sha256_lines(root: &Path, files: &[PathBuf]) -> Result<String, String> {
    if files.is_empty() {
        return Ok(String::new());
    }
    let output = Command::new("sha256sum")
        .current_dir(root)
        .arg("--")
        .args(files)
        .output()
        .map_err(|e| format!("cannot run sha256sum: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
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

/// An exclusive lock on a file, held until dropped (flock(2)).
/// (The file is kept open only for the lock it holds.)
struct Lock(#[allow(dead_code)] File);

impl Lock {
    fn take(path: &Path) -> Option<Lock> {
        use std::os::fd::AsRawFd;
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .ok()?;
        // SAFETY: flock on a descriptor we own; it is released when the file is closed.
        (unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0).then_some(Lock(file))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kit these tests run in (found from the package's folder, as at run time).
    fn test_kit() -> PathBuf {
        crate::kit::find(None).expect("the tests run inside the kit")
    }

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

    /// A tar archive made entry by entry, with any name, link or type: `tar::Builder` refuses
    /// the `..` and absolute names that hostile archives have.
    #[derive(Default)]
    struct RawTar(Vec<u8>);

    impl RawTar {
        fn entry(mut self, name: &str, kind: tar::EntryType, link: &str, data: &[u8]) -> Self {
            if name.len() > 100 {
                let long = [name.as_bytes(), b"\0"].concat();
                self = self.entry("././@LongLink", tar::EntryType::GNULongName, "", &long);
            }
            let mut header = tar::Header::new_gnu();
            let short = &name.as_bytes()[..name.len().min(100)];
            header.as_old_mut().name[..short.len()].copy_from_slice(short);
            header.as_old_mut().linkname[..link.len()].copy_from_slice(link.as_bytes());
            header.set_entry_type(kind);
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            self.0.extend_from_slice(header.as_bytes());
            self.0.extend_from_slice(data);
            self.0.resize(self.0.len().next_multiple_of(512), 0);
            self
        }

        fn file(self, name: &str, data: &[u8]) -> Self {
            self.entry(name, tar::EntryType::Regular, "", data)
        }

        /// The archive, gzipped, written to `path`.
        fn write_gz(mut self, path: &Path) {
            self.0.extend([0; 1024]);
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(&self.0).unwrap();
            std::fs::write(path, gz.finish().unwrap()).unwrap();
        }
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn hostile_archive_entries_are_ignored_with_their_reason_and_nothing_lands_outside() {
        use tar::EntryType::{Fifo, Link, Symlink};
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside");
        std::fs::create_dir(&outside).unwrap();
        std::fs::write(outside.join("victim.rs"), "// the victim\n").unwrap();
        let out = outside.to_str().unwrap();
        // Enough `..` to reach / from wherever an archive would be unpacked, then down to `outside`.
        let up = "../".repeat(32);
        let dotdot = format!("{up}{}/dotdot.rs", &out[1..]);
        let middle = format!("exercises/ex1/src/{up}{}/middle.rs", &out[1..]);
        let absolute = format!("{out}/absolute.rs");
        let big = vec![b'/'; 2 << 20];
        let archive = dir.path().join("handin.tar.gz");
        RawTar::default()
            .file(&dotdot, b"// escaped\n")
            .file(&absolute, b"// escaped\n")
            .file("/exercises/ex1/src/rooted.rs", b"// rooted\n")
            .file(&middle, b"// escaped\n")
            // A link to outside, then a file written "through" it.
            .entry("exercises/ex1/src/link", Symlink, out, b"")
            .file("exercises/ex1/src/link/through.rs", b"// inside\n")
            .entry(
                "exercises/ex1/src/escape.rs",
                Symlink,
                "../../../etc/passwd",
                b"",
            )
            .entry(
                "exercises/ex1/src/hard.rs",
                Link,
                &format!("{out}/victim.rs"),
                b"",
            )
            .entry("exercises/ex1/src/fifo.rs", Fifo, "", b"")
            .file("exercises/ex1/src/big.rs", &big)
            .file("exercises/ex1/src/exercise.rs", b"// mine\n")
            .file("./exercises/ex2/src/dotted.rs", b"// dotted\n")
            // The kit's exercise.rs is a file: nothing can go under it.
            .file("exercises/ex2/src/exercise.rs/inner.rs", b"// clash\n")
            .write_gz(&archive);

        let submission = Submission::import(&archive, &test_kit()).unwrap();
        let taken: Vec<&str> = submission
            .taken
            .iter()
            .map(|p| p.to_str().unwrap())
            .collect();
        assert_eq!(
            taken,
            [
                "exercises/ex1/src/exercise.rs",
                "exercises/ex1/src/link/through.rs",
                "exercises/ex2/src/dotted.rs",
            ]
        );
        let ignored: Vec<(String, &str)> = submission
            .ignored
            .iter()
            .map(|(p, why)| (p.display().to_string(), *why))
            .collect();
        let ignored: Vec<(&str, &str)> = ignored.iter().map(|(p, w)| (p.as_str(), *w)).collect();
        assert_eq!(
            ignored,
            [
                (dotdot.as_str(), "not a student file"),
                (absolute.as_str(), "not a student file"),
                ("/exercises/ex1/src/rooted.rs", "not a student file"),
                (middle.as_str(), "not a student file"),
                ("exercises/ex1/src/link", "a symbolic link"),
                ("exercises/ex1/src/escape.rs", "a symbolic link"),
                ("exercises/ex1/src/hard.rs", "a hard link"),
                ("exercises/ex1/src/fifo.rs", "not a regular file"),
                ("exercises/ex1/src/big.rs", "larger than 1 MiB"),
                (
                    "exercises/ex2/src/exercise.rs/inner.rs",
                    "its name clashes with a folder or a file, or is too long"
                ),
            ]
        );
        assert_eq!(listing(&outside), ["victim.rs"]);
        assert_eq!(
            std::fs::read_to_string(outside.join("victim.rs")).unwrap(),
            "// the victim\n"
        );
        assert_eq!(listing(dir.path()), ["handin.tar.gz", "outside"]);
        let src = submission.kit.path().join("exercises/ex1/src");
        assert_eq!(
            std::fs::read_to_string(src.join("exercise.rs")).unwrap(),
            "// mine\n"
        );
        assert!(
            std::fs::symlink_metadata(src.join("link"))
                .unwrap()
                .is_dir()
        );
        for absent in ["escape.rs", "hard.rs", "fifo.rs", "big.rs"] {
            assert!(!src.join(absent).exists(), "{absent}");
        }
    }

    #[test]
    fn long_names_and_pax_paths_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let long = format!("exercises/ex1/src/{}.rs", "a".repeat(150));
        let mut tar = tar::Builder::new(Vec::new());
        // GNU long name (the builder writes one for a path over 100 bytes).
        let mut header = tar::Header::new_gnu();
        header.set_size(8);
        tar.append_data(&mut header, &long, &b"// long\n"[..])
            .unwrap();
        // A pax header whose path replaces the entry's own name.
        tar.append_pax_extensions([("path", &b"exercises/ex2/src/pax.rs"[..])])
            .unwrap();
        let mut header = tar::Header::new_ustar();
        header.set_size(7);
        tar.append_data(&mut header, "decoy.rs", &b"// pax\n"[..])
            .unwrap();
        let archive = dir.path().join("handin.tar");
        std::fs::write(&archive, tar.into_inner().unwrap()).unwrap();

        let submission = Submission::import(&archive, &test_kit()).unwrap();
        assert_eq!(
            submission.taken,
            [PathBuf::from(&long), "exercises/ex2/src/pax.rs".into()]
        );
        assert_eq!(submission.ignored, []);
        let kit = submission.kit.path();
        assert_eq!(std::fs::read(kit.join(&long)).unwrap(), b"// long\n");
        assert_eq!(
            std::fs::read(kit.join("exercises/ex2/src/pax.rs")).unwrap(),
            b"// pax\n"
        );
    }

    #[test]
    fn an_archive_of_too_many_entries_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let archive = dir.path().join("handin.tar.gz");
        (0..=MAX_ENTRIES)
            .fold(RawTar::default(), |tar, i| tar.file(&format!("f{i}"), b""))
            .write_gz(&archive);
        let why = Submission::import(&archive, &test_kit()).err().unwrap();
        assert!(
            why.ends_with("is refused: it holds more than 10000 entries"),
            "{why}"
        );
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

    #[test]
    fn only_the_exercises_programs_are_removed_from_a_shared_target() {
        for yes in [
            "ex1",
            "ex1.d",
            "ex4-0123456789abcdef",
            "ex2-0123456789abcdef.d",
            "ex3-0123456789abcdef.ex3.a1b2c3-cgu.0.rcgu.o",
            "ex1-solution",
            "ex1-solution-0123456789abcdef",
            "ex1_solution-0123456789abcdef",
            "libex1.rlib",
            "libex1.d",
            "libex1-0123456789abcdef.rlib",
            "libex1-0123456789abcdef.rmeta",
        ] {
            assert!(is_program_artifact(yes), "{yes}");
        }
        for no in [
            "cli_support-0123456789abcdef",
            "libcli_support-0123456789abcdef.rlib",
            "ex5",
            "ex10",
            "ex1-notahash0123456",
            "ex1x",
            "libc-0123456789abcdef",
        ] {
            assert!(!is_program_artifact(no), "{no}");
        }
    }
}
