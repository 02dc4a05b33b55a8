//! A submission read an entry at a time, within bounds: a folder laid out like the kit, a tar
//! archive (gzipped or not), or a zip (`zip.rs`). Each student file is written into the kit copy
//! as it is read; nothing else of an archive reaches the disk.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};

use super::is_student_file;

/// The largest student file taken (a source file, not a data set).
const MAX_FILE: u64 = 1 << 20;

/// The most entries (files, folders, links) a submission may hold, and the most bytes that
/// reading it may take (decompressed): past either, it is refused instead of read on, so that an
/// archive of a few KiB that unpacks to gigabytes costs nothing.
pub(super) const MAX_ENTRIES: usize = 10_000;
const MAX_BYTES: u64 = 64 << 20;

/// The most bytes of a tar archive's long name or pax header (a path is at most 4 KiB).
const MAX_HEADER: u64 = 64 << 10;

/// The hand-in archives read, by the ends of their names (`make handin` makes a `.tar.gz`).
pub(super) const ARCHIVES: [&str; 4] = [".tar.gz", ".tgz", ".tar", ".zip"];

/// The folder that holds `exercises/`: `root` itself, or its one top-level folder.
pub(super) fn kit_top(root: &Path) -> PathBuf {
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
pub(super) fn lone_archive(dir: &Path) -> Option<PathBuf> {
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
pub(super) struct Bounds {
    entries: Cell<usize>,
    bytes: Cell<u64>,
}

impl Bounds {
    /// Counts one entry; fails past `MAX_ENTRIES`.
    pub(super) fn entry(&self) -> io::Result<()> {
        self.entries.set(self.entries.get() + 1);
        self.check()
    }

    /// Why the submission is refused, if it is.
    pub(super) fn exceeded(&self) -> Option<String> {
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
pub(super) struct Metered<'b, R> {
    pub(super) inner: R,
    pub(super) bounds: &'b Bounds,
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
pub(super) struct Intake<'a> {
    pub(super) kit: &'a Path,
    /// The folder of the submission that holds the kit's files: its top (""), or one folder of it.
    /// An archive's is found from its first student file.
    pub(super) top: Option<PathBuf>,
    pub(super) taken: BTreeSet<PathBuf>,
    pub(super) ignored: Vec<(PathBuf, &'static str)>,
    pub(super) bounds: &'a Bounds,
}

impl Intake<'_> {
    /// Takes the student files of a directory laid out like the kit (links are not followed).
    pub(super) fn directory(&mut self, root: &Path) -> Result<(), String> {
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
    pub(super) fn beside(&mut self, dir: &Path, archive: &Path) -> Result<(), String> {
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
    pub(super) fn archive(&mut self, archive: &Path) -> Result<(), String> {
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
    pub(super) fn offer<R: Read>(
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

#[derive(Clone, Copy)]
pub(super) enum Kind {
    File(u64),
    Symlink,
    /// Only in archives: another name for a file (in the archive, or anywhere).
    HardLink,
    Other,
    /// Only in archives: a file the grader cannot read, and why (a zip entry that is encrypted).
    Unreadable(&'static str),
}

/// Visits every entry under `root/relative` without following symbolic links.
pub(super) fn walk(
    root: &Path,
    relative: &Path,
    visit: &mut dyn FnMut(&Path, Kind),
) -> std::io::Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::submission::{Submission, test_kit};

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
}
