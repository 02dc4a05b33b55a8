//! Zip hand-ins (Gradescope takes a zip as readily as `make handin`'s tarball). Read here with
//! flate2, which the grader has already, rather than with the `zip` crate: with no default
//! features and deflate alone, that crate still adds a dozen crates and about 25 s of CPU to a
//! student's first build (syn, zeroize, typed-path, indexmap ...), for the few records read here.
//!
//! Only what a hand-in needs: the central directory (no zip64, no multi-disk archive), entries
//! stored or deflated (zip's usual), unencrypted. Each entry goes through `Intake::offer` like a
//! tar entry, with the same whitelist and bounds: its bytes are counted as they are inflated, and
//! its CRC-32 and size are checked when it has been read whole.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::intake::{Intake, Kind, MAX_ENTRIES, Metered};

const END_OF_DIRECTORY: u32 = 0x0605_4b50;
const DIRECTORY_ENTRY: u32 = 0x0201_4b50;
const LOCAL_HEADER: u32 = 0x0403_4b50;
/// The end record's fixed part, and the most that its comment may add.
const END_SIZE: u64 = 22;
const MAX_COMMENT: u64 = 0xFFFF;
/// `version made by`'s upper byte for Unix, whose external attributes hold the file's mode.
const UNIX: u8 = 3;
/// The largest central directory read (10,000 entries with names of 1 KiB take 10 MiB).
const MAX_DIRECTORY: u64 = 16 << 20;

/// One file of the archive, as its central directory describes it.
struct Entry {
    name: Vec<u8>,
    kind: Kind,
    method: u16,
    crc: u32,
    packed: u64,
    size: u64,
    /// Where its local header is.
    offset: u64,
}

fn damaged(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("not a zip archive the grader can read: {what}"),
    )
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("four bytes"))
}

fn read_exact_at(file: &mut File, at: u64, len: usize) -> io::Result<Vec<u8>> {
    let mut bytes = vec![0; len];
    file.seek(SeekFrom::Start(at))?;
    file.read_exact(&mut bytes).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => damaged("a record runs past the end of the file"),
        _ => e,
    })?;
    Ok(bytes)
}

/// The central directory's entries, from the end record (searched for in the file's last 64 KiB,
/// where its comment may push it).
fn directory(file: &mut File) -> io::Result<Vec<Entry>> {
    let length = file.metadata()?.len();
    let tail_start = length.saturating_sub(END_SIZE + MAX_COMMENT);
    let tail = read_exact_at(file, tail_start, (length - tail_start) as usize)?;
    let end = (0..tail.len().saturating_sub(END_SIZE as usize - 1))
        .rev()
        .find(|&at| u32_at(&tail, at) == END_OF_DIRECTORY)
        .ok_or_else(|| damaged("no end of central directory"))?;
    let record = &tail[end..];
    let (count, size, start) = (
        u16_at(record, 10) as usize,
        u32_at(record, 12) as u64,
        u32_at(record, 16) as u64,
    );
    if u16_at(record, 4) != 0 || u16_at(record, 6) != 0 || count == 0xFFFF || start == 0xFFFF_FFFF {
        return Err(damaged("a zip64 or multi-disk archive"));
    }
    if count > MAX_ENTRIES + 1 {
        return Err(io::Error::other(format!(
            "it holds more than {MAX_ENTRIES} entries"
        )));
    }
    if size > MAX_DIRECTORY {
        return Err(io::Error::other(format!(
            "its central directory is larger than {} MiB",
            MAX_DIRECTORY >> 20
        )));
    }
    if start + size > tail_start + end as u64 {
        return Err(damaged(
            "the central directory is not where the end record says",
        ));
    }
    let bytes = read_exact_at(file, start, size as usize)?;
    let mut entries = Vec::with_capacity(count);
    let mut at = 0;
    for _ in 0..count {
        if at + 46 > bytes.len() || u32_at(&bytes, at) != DIRECTORY_ENTRY {
            return Err(damaged("a central directory entry is cut short"));
        }
        let field = |offset: usize| u16_at(&bytes, at + offset) as usize;
        let (name_len, extra_len, comment_len) = (field(28), field(30), field(32));
        let name_end = at + 46 + name_len;
        if name_end + extra_len + comment_len > bytes.len() {
            return Err(damaged("a central directory entry is cut short"));
        }
        let name = bytes[at + 46..name_end].to_vec();
        let made_on = bytes[at + 5];
        let flags = field(8);
        let mode = (u32_at(&bytes, at + 38) >> 16) & 0o170_000;
        let method = field(10) as u16;
        let size = u32_at(&bytes, at + 24) as u64;
        let kind = if flags & 1 != 0 {
            Kind::Unreadable("encrypted")
        } else if name.ends_with(b"/") || (made_on == UNIX && mode == 0o040_000) {
            at = name_end + extra_len + comment_len;
            continue;
        } else if made_on == UNIX && mode == 0o120_000 {
            Kind::Symlink
        } else if made_on == UNIX && mode != 0 && mode != 0o100_000 {
            Kind::Other
        } else if method != 0 && method != 8 {
            Kind::Unreadable("compressed other than by deflate")
        } else {
            Kind::File(size)
        };
        entries.push(Entry {
            name,
            kind,
            method,
            crc: u32_at(&bytes, at + 16),
            packed: u32_at(&bytes, at + 20) as u64,
            size,
            offset: u32_at(&bytes, at + 42) as u64,
        });
        at = name_end + extra_len + comment_len;
    }
    Ok(entries)
}

/// An entry's data as it is read: inflated if it was deflated, and checked against the CRC-32
/// and size of the central directory once it has been read to its end.
struct Checked<R> {
    inner: R,
    crc: flate2::Crc,
    expected: (u32, u64),
}

impl<R: Read> Read for Checked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.crc.update(&buf[..n]);
        let read = (self.crc.sum(), self.crc.amount() as u64);
        if (n == 0 && !buf.is_empty() && read != self.expected) || read.1 > self.expected.1 {
            return Err(damaged("an entry's data does not match its CRC-32 or size"));
        }
        Ok(n)
    }
}

/// The data of `entry`, from just past its local header.
fn data<'f>(file: &'f mut File, entry: &Entry) -> io::Result<Checked<Box<dyn Read + 'f>>> {
    let header = read_exact_at(file, entry.offset, 30)?;
    if u32_at(&header, 0) != LOCAL_HEADER {
        return Err(damaged("an entry's local header is missing"));
    }
    let start = entry.offset + 30 + u16_at(&header, 26) as u64 + u16_at(&header, 28) as u64;
    file.seek(SeekFrom::Start(start))?;
    let packed = Read::take(file, entry.packed);
    let inner: Box<dyn Read> = match entry.method {
        8 => Box::new(flate2::read::DeflateDecoder::new(packed)),
        _ => Box::new(packed),
    };
    Ok(Checked {
        inner,
        crc: flate2::Crc::new(),
        expected: (entry.crc, entry.size),
    })
}

impl Intake<'_> {
    /// Takes the student files of a zip archive.
    pub(super) fn zip(&mut self, mut file: File) -> io::Result<()> {
        let bounds = self.bounds;
        for entry in directory(&mut file)? {
            bounds.entry()?;
            let path = Path::new(std::ffi::OsStr::from_bytes(&entry.name));
            self.offer(path, entry.kind, || {
                Ok(Metered {
                    inner: data(&mut file, &entry)?,
                    bounds,
                })
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::path::PathBuf;

    use super::*;
    use crate::submission::{Submission, handin, test_kit};

    /// A zip archive made entry by entry, with any name, mode, flags or method.
    #[derive(Default)]
    struct RawZip {
        data: Vec<u8>,
        directory: Vec<u8>,
        count: u16,
    }

    /// An entry to write: a Unix file of mode 0o100644, deflated, with its true CRC and size.
    struct Spec<'a> {
        name: &'a str,
        data: &'a [u8],
        mode: u32,
        method: u16,
        flags: u16,
        /// What the archive says of the data, when it lies: (CRC-32, size).
        claims: Option<(u32, u32)>,
    }

    fn spec<'a>(name: &'a str, data: &'a [u8]) -> Spec<'a> {
        Spec {
            name,
            data,
            mode: 0o100_644,
            method: 8,
            flags: 0,
            claims: None,
        }
    }

    impl RawZip {
        fn add(mut self, s: Spec) -> Self {
            let packed = if s.method == 8 {
                let mut deflate =
                    flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
                deflate.write_all(s.data).unwrap();
                deflate.finish().unwrap()
            } else {
                s.data.to_vec()
            };
            let mut crc = flate2::Crc::new();
            crc.update(s.data);
            let (crc, size) = s.claims.unwrap_or((crc.sum(), s.data.len() as u32));
            let offset = self.data.len() as u32;
            // Fields shared by the local header and the directory entry, from `version needed`.
            let mut common = Vec::new();
            for half in [20, s.flags, s.method, 0, 0] {
                common.extend(u16::to_le_bytes(half));
            }
            for word in [crc, packed.len() as u32, size] {
                common.extend(u32::to_le_bytes(word));
            }
            common.extend(u16::to_le_bytes(s.name.len() as u16));
            common.extend(u16::to_le_bytes(0)); // no extra field
            self.data.extend(u32::to_le_bytes(LOCAL_HEADER));
            self.data.extend(&common);
            self.data.extend(s.name.as_bytes());
            self.data.extend(&packed);
            self.directory.extend(u32::to_le_bytes(DIRECTORY_ENTRY));
            self.directory.extend([20, UNIX]);
            self.directory.extend(&common);
            self.directory.extend([0; 6]); // no comment, disk 0, no internal attributes
            self.directory.extend(u32::to_le_bytes(s.mode << 16));
            self.directory.extend(u32::to_le_bytes(offset));
            self.directory.extend(s.name.as_bytes());
            self.count += 1;
            self
        }

        fn file(self, name: &str, data: &[u8]) -> Self {
            self.add(spec(name, data))
        }

        fn write(mut self, path: &Path) {
            let start = self.data.len() as u32;
            let mut end = u32::to_le_bytes(END_OF_DIRECTORY).to_vec();
            end.extend([0; 4]);
            end.extend(u16::to_le_bytes(self.count));
            end.extend(u16::to_le_bytes(self.count));
            end.extend(u32::to_le_bytes(self.directory.len() as u32));
            end.extend(u32::to_le_bytes(start));
            end.extend([0; 2]);
            self.data.append(&mut self.directory);
            self.data.extend(end);
            std::fs::write(path, self.data).unwrap();
        }
    }

    #[test]
    fn a_zip_of_the_handin_is_read_like_the_tarball() {
        let dir = tempfile::tempdir().unwrap();
        let tarball = dir.path().join("handin.tar.gz");
        handin(&test_kit(), &tarball).unwrap();
        let from_tar = Submission::import(&tarball, &test_kit()).unwrap();
        // The same files, zipped from a folder of the student's own name, as zip tools do.
        let zip = from_tar.taken.iter().fold(RawZip::default(), |zip, file| {
            let data = std::fs::read(test_kit().join(file)).unwrap();
            zip.file(&format!("mine/{}", file.display()), &data)
        });
        let uploads = dir.path().join("submission");
        std::fs::create_dir(&uploads).unwrap();
        zip.write(&uploads.join("handin.zip"));
        let from_zip = Submission::import(&uploads, &test_kit()).unwrap();
        assert_eq!(from_zip.taken, from_tar.taken);
        assert_eq!(from_zip.hash, from_tar.hash);
        assert!(from_zip.ignored.is_empty(), "{:?}", from_zip.ignored);
    }

    #[test]
    fn hostile_zip_entries_are_ignored_with_their_reason_and_nothing_lands_outside() {
        let dir = tempfile::tempdir().unwrap();
        let zip = dir.path().join("handin.zip");
        let outside = dir.path().join("victim.rs");
        let src = "exercises/ex1/src";
        RawZip::default()
            .file(&format!("{src}/exercise.rs"), b"// mine\n")
            .file(&format!("{src}/../../../../victim.rs"), b"// planted\n")
            .file(&outside.display().to_string(), b"// planted\n")
            .add(Spec {
                mode: 0o120_777,
                ..spec(&format!("{src}/link.rs"), b"/etc/passwd")
            })
            .add(Spec {
                mode: 0o010_644,
                ..spec(&format!("{src}/fifo.rs"), b"")
            })
            .add(Spec {
                flags: 1,
                ..spec(&format!("{src}/secret.rs"), b"?")
            })
            .add(Spec {
                method: 12,
                ..spec(&format!("{src}/bzip2.rs"), b"?")
            })
            .add(Spec {
                mode: 0o040_755,
                ..spec(&format!("{src}/folder/"), b"")
            })
            .write(&zip);
        let submission = Submission::import(&zip, &test_kit()).unwrap();
        assert_eq!(
            submission.taken,
            [PathBuf::from(format!("{src}/exercise.rs"))]
        );
        let copy = submission.kit.path().join(src).join("exercise.rs");
        assert_eq!(std::fs::read_to_string(copy).unwrap(), "// mine\n");
        let reasons: Vec<&str> = submission.ignored.iter().map(|(_, why)| *why).collect();
        assert_eq!(
            reasons,
            [
                "not a student file",
                "not a student file",
                "a symbolic link",
                "not a regular file",
                "encrypted",
                "compressed other than by deflate"
            ]
        );
        assert!(!outside.exists());
    }

    #[test]
    fn a_zip_bomb_or_a_lying_entry_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let zip = dir.path().join("handin.zip");
        // 65 files of 1 MiB of zeros: each within the file limit, 65 MiB in all.
        let mib = vec![0; 1 << 20];
        (0..65)
            .fold(RawZip::default(), |zip, i| {
                zip.file(&format!("exercises/ex1/src/f{i}.rs"), &mib)
            })
            .write(&zip);
        assert!(std::fs::metadata(&zip).unwrap().len() < 1 << 20);
        let why = Submission::import(&zip, &test_kit()).err().unwrap();
        assert!(
            why.ends_with("is refused: it is more than 64 MiB unpacked"),
            "{why}"
        );

        // An entry that inflates past the size its directory entry gives, or to other bytes.
        for claims in [(0, 10), (0, mib.len() as u32)] {
            RawZip::default()
                .add(Spec {
                    claims: Some(claims),
                    ..spec("exercises/ex1/src/exercise.rs", &mib)
                })
                .write(&zip);
            let why = Submission::import(&zip, &test_kit()).err().unwrap();
            assert!(why.contains("does not match its CRC-32 or size"), "{why}");
        }
    }

    #[test]
    fn a_damaged_zip_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let zip = dir.path().join("handin.zip");
        std::fs::write(&zip, b"PK\x03\x04 and the rest").unwrap();
        let why = Submission::import(&zip, &test_kit()).err().unwrap();
        assert!(
            why.contains("not a zip archive the grader can read"),
            "{why}"
        );
        // A directory that claims more entries than it has.
        RawZip::default().file("a", b"a").write(&zip);
        let mut bytes = std::fs::read(&zip).unwrap();
        let count = bytes.len() - 12;
        bytes[count..count + 2].copy_from_slice(&u16::to_le_bytes(2));
        std::fs::write(&zip, bytes).unwrap();
        let why = Submission::import(&zip, &test_kit()).err().unwrap();
        assert!(why.contains("cut short"), "{why}");
    }
}
