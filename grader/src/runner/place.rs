//! Where runs happen: the folder that holds the checks' folders, and programs staged where the
//! user they run as can reach them.
//!
//! Under root, programs run as a user of their own (see `confine`), who can reach only what
//! everybody can: a kit cloned into a private folder (`mktemp -d`, /root of mode 0700) holds
//! binaries that user cannot execute, and a private TMPDIR would hold checks' folders it cannot
//! enter. Such programs are copied to a folder of the grader's that anybody may traverse, and
//! checks' folders are made in /tmp instead.

use std::collections::HashMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use tempfile::TempDir;

use super::confine::is_root;

/// The folder in which checks make their folders.
pub fn work_root() -> std::io::Result<PathBuf> {
    let tmp = std::env::temp_dir();
    if !is_root() || reachable_by_anyone(&tmp, 0o001) {
        Ok(tmp)
    } else {
        Ok(PathBuf::from("/tmp"))
    }
}

/// Whether a user who is neither the owner nor in the group can reach `path`: every folder above
/// it lets others through, and `path` itself grants them `bits`.
fn reachable_by_anyone(path: &Path, bits: u32) -> bool {
    let mode = |p: &Path| std::fs::metadata(p).map(|m| m.mode()).unwrap_or(0);
    path.ancestors().skip(1).all(|dir| mode(dir) & 0o001 != 0) && mode(path) & bits == bits
}

/// Staged copies, by original path and modification time, and the folders that hold them.
struct Staged {
    copies: HashMap<(PathBuf, i64, u64), PathBuf>,
    folders: Vec<TempDir>,
}

impl Staged {
    /// Forgets the copies and removes their folders.
    fn clear(&mut self) {
        self.copies.clear();
        self.folders.clear();
    }
}

static STAGED: OnceLock<Mutex<Staged>> = OnceLock::new();

/// `program`, or a copy of it that the runs' user can execute (under root, where the original is
/// out of that user's reach). Checks call it for every test: the copy is made once per program.
pub fn reachable(program: &Path) -> std::io::Result<PathBuf> {
    if !is_root() || !program.is_absolute() || reachable_by_anyone(program, 0o005) {
        return Ok(program.to_owned());
    }
    let meta = std::fs::metadata(program)?;
    let key = (program.to_owned(), meta.mtime(), meta.size());
    let staged = STAGED.get_or_init(|| {
        // SAFETY: registers a function without arguments that the C library calls at exit.
        unsafe { libc::atexit(remove_staged_at_exit) };
        Mutex::new(Staged {
            copies: HashMap::new(),
            folders: Vec::new(),
        })
    });
    let mut staged = staged.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(copy) = staged.copies.get(&key) {
        return Ok(copy.clone());
    }
    let folder = tempfile::Builder::new()
        .prefix("grader-programs-")
        .tempdir_in(work_root()?)?;
    std::fs::set_permissions(folder.path(), std::fs::Permissions::from_mode(0o755))?;
    let copy = folder.path().join(program.file_name().unwrap_or_default());
    std::fs::copy(program, &copy)?;
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755))?;
    staged.copies.insert(key, copy.clone());
    staged.folders.push(folder);
    Ok(copy)
}

/// At exit, the staged copies that no `clean_up` removed: a program that uses the grader as a
/// library (a test) never calls it, and a static's value is never dropped. Skipped if another
/// thread holds the lock while the process exits.
extern "C" fn remove_staged_at_exit() {
    if let Some(staged) = STAGED.get()
        && let Ok(mut staged) = staged.try_lock()
    {
        staged.clear();
    }
}

/// Removes the staged copies (at the end of a grading).
pub fn clean_up() {
    if let Some(staged) = STAGED.get() {
        staged.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}
