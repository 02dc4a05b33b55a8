//! The files a check's program keeps: the bound on new files (`trace::MAX_NEW_FILES`) holds for
//! a whole check, not for each of its runs.
//!
//! A run's files stay in the check's folder until the check ends, and a check runs its program
//! many times: counted per run, 16 files of 256 MiB a run, five runs, made 20 GiB possible in one
//! check. So each check keeps a ledger of the files (inodes) its runs made: what was new in the
//! run's folders when a run ended, seen by looking before and after. New is by name and inode: a
//! file of the grader's (made before the run) that the run linked or renamed to a name the grader
//! did not give it is the run's from then on; counted by inode only, the grader's fixture kept
//! under a new name, written by the run and remade by the grader for its next run, was counted
//! nowhere (red team 4: 20 files kept in one check). A run may make only as many
//! files as the bound leaves once the files of earlier runs still there are counted; a file the
//! grader (or the program) removed counts no more. Runs of a check that overlap count every file
//! either makes until the last of them ends: never fewer than there are.

use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use super::trace::MAX_NEW_FILES;

/// A file, by device and inode: a hard link or a rename is the same file.
type Inode = (u64, u64);

/// A name in a run's folders and the file it names.
type Entry = (PathBuf, Inode);

/// Folders deeper than this are not looked into (a run can make at most `MAX_NEW_FILES` folders,
/// nested or not; a check's own are a few levels deep).
const MAX_DEPTH: usize = 64;
/// Most entries looked at in one look at a run's folders.
const MAX_SEEN: usize = 100_000;

/// The ledger of one check's files, shared by the commands of the check (`Cmd::keeping_files`).
#[derive(Clone, Debug, Default)]
pub struct CheckFiles(Arc<Mutex<Ledger>>);

#[derive(Debug, Default)]
struct Ledger {
    /// The files runs of the check made, as last seen.
    kept: HashSet<Inode>,
    /// The files that count against the bound now: those of `kept` still there when the runs
    /// running now started, and every file those runs made since.
    count: usize,
    /// Runs of the check running now.
    running: usize,
}

/// One run's look at its folders, from its start to its end.
pub(super) struct Watch {
    files: CheckFiles,
    dirs: Vec<PathBuf>,
    before: HashSet<Entry>,
}

impl CheckFiles {
    fn ledger(&self) -> MutexGuard<'_, Ledger> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A run in `dirs` starts: what is there now was there before it.
    pub(super) fn start(&self, dirs: Vec<PathBuf>) -> Watch {
        let before = entries(&dirs);
        let mut ledger = self.ledger();
        if ledger.running == 0 {
            ledger.recount(&before);
        }
        ledger.running += 1;
        drop(ledger);
        Watch {
            files: self.clone(),
            dirs,
            before,
        }
    }

    /// A run calls for one more file: whether the check may have it (within `MAX_NEW_FILES`).
    pub(super) fn one_more(&self) -> bool {
        let mut ledger = self.ledger();
        ledger.count += 1;
        ledger.count <= MAX_NEW_FILES
    }

    /// How many files count against the bound now.
    pub fn count(&self) -> usize {
        self.ledger().count
    }
}

impl Ledger {
    /// Keeps only the files still there (under some name in `present`), and counts them.
    fn recount(&mut self, present: &HashSet<Entry>) {
        let present: HashSet<Inode> = present.iter().map(|(_, inode)| *inode).collect();
        self.kept.retain(|inode| present.contains(inode));
        self.count = self.kept.len();
    }
}

impl Drop for Watch {
    /// The run is over (all its processes gone): every file under a name that is new in its
    /// folders (a new file, or anyone's file linked or renamed there) is its.
    fn drop(&mut self) {
        let after = entries(&self.dirs);
        let mut ledger = self.files.ledger();
        let new = after.difference(&self.before).map(|(_, inode)| *inode);
        ledger.kept.extend(new);
        ledger.running -= 1;
        if ledger.running == 0 {
            ledger.recount(&after);
        }
    }
}

/// The bytes that the files in `dirs` and below take (their blocks, each file once however many
/// names it has).
pub(super) fn bytes_in(dirs: &[PathBuf]) -> u64 {
    let mut seen = HashSet::new();
    entries(dirs)
        .into_iter()
        .filter(|(_, inode)| seen.insert(*inode))
        .filter_map(|(path, _)| std::fs::symlink_metadata(path).ok())
        .map(|meta| meta.blocks() * 512)
        .sum()
}

/// Every name of a file, folder and link in `dirs` and below (the folders themselves not
/// included), with what it names.
fn entries(dirs: &[PathBuf]) -> HashSet<Entry> {
    let mut found = HashSet::new();
    for dir in dirs {
        look(dir, dir, 0, &mut found);
    }
    found
}

fn look(top: &Path, dir: &Path, depth: usize, found: &mut HashSet<Entry>) {
    if depth > MAX_DEPTH || found.len() > MAX_SEEN {
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        // A folder the program made that its owner may not list (mkdir with mode 0300): as an
        // ordinary user, the grader lets itself in (as it does to remove the check's folder).
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied && !super::is_root() => {
            crate::safe_fs::let_owner_in(top);
            std::fs::read_dir(dir)
        }
        entries => entries,
    };
    let Ok(entries) = entries else {
        return;
    };
    for entry in entries.flatten() {
        // The entry itself, never what a link names.
        let Ok(meta) = entry.metadata() else {
            continue;
        };
        let path = entry.path();
        if meta.is_dir() {
            look(top, &path, depth + 1, found);
        }
        found.insert((path, (meta.dev(), meta.ino())));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make(dir: &Path, name: &str) {
        std::fs::write(dir.join(name), name).unwrap();
    }

    /// Files a run made count in the next run while they are there, not once removed; files made
    /// between runs (the grader's) never count.
    #[test]
    fn files_of_earlier_runs_count_while_they_are_there() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = vec![dir.path().to_owned()];
        let files = CheckFiles::default();
        make(dir.path(), "grader's");
        let run = files.start(dirs.clone());
        assert!(files.one_more() && files.one_more());
        make(dir.path(), "a");
        std::fs::create_dir(dir.path().join("d")).unwrap();
        make(&dir.path().join("d"), "b");
        drop(run);
        assert_eq!(files.count(), 3, "a, d and d/b");
        make(dir.path(), "grader's next");
        std::fs::remove_file(dir.path().join("a")).unwrap();
        let run = files.start(dirs.clone());
        assert_eq!(files.count(), 2, "d and d/b are still there");
        let room: Vec<bool> = (0..MAX_NEW_FILES).map(|_| files.one_more()).collect();
        assert_eq!(
            room.iter().filter(|ok| **ok).count(),
            MAX_NEW_FILES - 2,
            "the bound is the check's"
        );
        drop(run);
        std::fs::remove_dir_all(dir.path().join("d")).unwrap();
        let _run = files.start(dirs);
        assert_eq!(files.count(), 0);
    }

    /// A file of the grader's that a run links or renames to a name of its own is the run's,
    /// counted while it is there; one the run leaves under the grader's name is not (red team 4:
    /// the grader remakes its fixture for the next run, and the old one lived on uncounted).
    #[test]
    fn the_graders_file_under_a_name_the_run_gave_it_counts() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = vec![dir.path().to_owned()];
        let files = CheckFiles::default();
        for name in ["src.bin", "other.bin", "left.bin"] {
            make(dir.path(), name);
        }
        let run = files.start(dirs.clone());
        std::fs::hard_link(dir.path().join("src.bin"), dir.path().join("keep-1")).unwrap();
        std::fs::rename(dir.path().join("other.bin"), dir.path().join("keep-2")).unwrap();
        std::fs::write(dir.path().join("left.bin"), "written in place").unwrap();
        drop(run);
        assert_eq!(files.count(), 2, "keep-1 and keep-2, not left.bin");
        // The grader remakes its fixtures, as `Ctx::create` does (a new inode each).
        std::fs::remove_file(dir.path().join("src.bin")).unwrap();
        make(dir.path(), "src.bin");
        make(dir.path(), "other.bin");
        let _run = files.start(dirs);
        assert_eq!(files.count(), 2, "the old fixtures live on as the run's");
    }

    /// While two runs overlap, the count does not start again from what is there.
    #[test]
    fn overlapping_runs_share_the_count() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = vec![dir.path().to_owned()];
        let files = CheckFiles::default();
        let first = files.start(dirs.clone());
        assert!(files.one_more());
        make(dir.path(), "a");
        let second = files.start(dirs.clone());
        assert_eq!(files.count(), 1);
        assert!(files.one_more());
        make(dir.path(), "b");
        drop(first);
        drop(second);
        assert_eq!(files.count(), 2);
    }
}
