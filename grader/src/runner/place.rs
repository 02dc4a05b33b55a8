//! Where runs happen: the folder that holds the checks' folders, and programs staged where the
//! user they run as can reach them.
//!
//! Everything the grader makes in TMPDIR (checks' folders, kit copies, staged programs) is in a
//! folder of its own there, `mmap-lab-tmp-PID-START.RANDOM` (its process id and start time),
//! removed when it exits. A grader that is killed (SIGKILL, the OOM killer, a power cut) cannot
//! remove it: the next grader to start removes every such folder of its user whose grader is
//! gone, as it removes their cgroups (`cgroup`), and never one of a grader still running.
//!
//! Nor can a killed grader kill its runs: a run's processes outlive it (red team 10: eight
//! processes of 200 MiB each, which touched their memory once the grader was gone, lived on
//! with nothing to bound them). So while a run lives, its process group is written down in the
//! grader's folder (`RunRecord`), and the next grader kills what is left of each group written
//! there before it removes the folder (`confine::kill_orphaned_group`).
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
        claimed_in(Path::new("/tmp"))
    }
}

/// How the grader's folders in TMPDIR are named: `mmap-lab-tmp-PID-START.RANDOM` (the random
/// part made by `tempfile`, so that nobody can make the folder's name first in a shared /tmp).
const FOLDER_PREFIX: &str = "mmap-lab-tmp-";

/// This grader as named in what it leaves on the machine (its folders in TMPDIR, its cgroups):
/// `PID-START`, its process id and start time (in clock ticks since boot), so that a process
/// that reuses its id after it is gone is not taken for it. (The id first, and a dash after it:
/// a grader of an earlier version, which named its cgroups `mmap-lab-run-PID-N`, reads the id of
/// this one's the same way, and leaves them alone while it runs.)
pub(super) fn own_tag() -> &'static str {
    static TAG: OnceLock<String> = OnceLock::new();
    TAG.get_or_init(|| {
        let pid = std::process::id();
        match start_time(pid) {
            Some(start) => format!("{pid}-{start}"),
            None => pid.to_string(),
        }
    })
}

/// When process `pid` started (field 22 of /proc/PID/stat); `None` if there is no such process.
pub(super) fn start_time(pid: u32) -> Option<u64> {
    super::evidence::stat_field_of(pid, 19)?.parse().ok()
}

/// Whether the grader that `tag` (`PID-START`, see `own_tag`, or `PID` alone) names is gone: no
/// process has its id, or the one that has it started at another time. A tag of no grader's is
/// not gone: what it names is left alone.
pub(super) fn is_gone(tag: &str) -> bool {
    let (pid, start) = match tag.split_once('-') {
        Some((pid, start)) => match start.parse::<u64>() {
            Ok(start) => (pid, Some(start)),
            Err(_) => return false,
        },
        None => (tag, None),
    };
    let Ok(pid) = pid.parse::<u32>() else {
        return false;
    };
    if pid == 0 {
        return false;
    }
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"));
    match (stat, start) {
        (Err(e), _) => e.kind() == std::io::ErrorKind::NotFound,
        (Ok(_), None) => false,
        (Ok(_), Some(start)) => start_time(pid).is_some_and(|now| now != start),
    }
}

/// The grader's folders, made in TMPDIR and /tmp (see `work_root`): removed at its exit.
static CLAIMED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// The grader's own folder in `base`, made the first time it is asked for; mode 0711 (under
/// root, checks' folders in it are for other users, who may pass but not list it).
fn claimed_in(base: &Path) -> std::io::Result<PathBuf> {
    let mut claimed = CLAIMED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(folder) = claimed.iter().find(|f| f.parent() == Some(base)) {
        return Ok(folder.clone());
    }
    if claimed.is_empty() {
        // SAFETY: registers a function without arguments that the C library calls at exit.
        unsafe { libc::atexit(remove_claimed_at_exit) };
    }
    let folder = tempfile::Builder::new()
        .prefix(&format!("{FOLDER_PREFIX}{}.", own_tag()))
        .tempdir_in(base)?
        .keep();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o711))?;
    claimed.push(folder.clone());
    Ok(folder)
}

/// At the start of the grader: removes the folders that graders of this user which are gone
/// left in TMPDIR (and /tmp, under root), then makes the grader's own folder there and points
/// TMPDIR to it, so that whatever the grader makes there is in it.
///
/// # Safety
/// Changes the environment: called before the grader starts any thread.
pub unsafe fn claim_temp_dir() -> std::io::Result<PathBuf> {
    let base = std::env::temp_dir();
    remove_abandoned(&base);
    if is_root() && base != Path::new("/tmp") {
        remove_abandoned(Path::new("/tmp"));
    }
    let own = claimed_in(&base)?;
    // SAFETY: no other thread runs yet (the caller's promise), so none reads the environment.
    unsafe { std::env::set_var("TMPDIR", &own) };
    Ok(own)
}

/// Removes the folders in `base` of graders of this user that are gone (see `is_gone`), with
/// whatever they held: checks' folders (a file system a check mounted there unmounted first),
/// kit copies, staged programs; the processes of the runs written down there are killed first.
fn remove_abandoned(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    // SAFETY: geteuid only reads the grader's own credentials.
    let uid = unsafe { libc::geteuid() };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some((tag, _)) = name
            .to_str()
            .and_then(|n| n.strip_prefix(FOLDER_PREFIX))
            .and_then(|n| n.split_once('.'))
        else {
            continue;
        };
        let ours =
            std::fs::symlink_metadata(entry.path()).is_ok_and(|m| m.is_dir() && m.uid() == uid);
        if ours && is_gone(tag) {
            kill_recorded_runs(&entry.path());
            remove_folder(&entry.path());
        }
    }
}

/// The folder of a grader's folder in which its live runs are written down.
const RUNS: &str = "runs";

/// A run written down in the grader's folder while it lives (see the module's notes): an empty
/// file named `GROUP-UID-START`, its process group, the uid its processes run as and when its
/// first process (the group's leader) started. Removed when dropped, once the run and what it
/// left are dead. Empty, so that removing one frees no block of a full TMPDIR that a grader's
/// step after the run would then find room in (a run that filled it must fail that step).
#[derive(Debug)]
pub(super) struct RunRecord(PathBuf);

impl RunRecord {
    /// Writes down the run whose process group is `group` (its first process, just started and
    /// not yet reaped), its processes running as `uid`. `None` where the grader has no folder of
    /// its own (its library in tests, which never called `claim_temp_dir`) or the file cannot be
    /// made: a run is not refused for that.
    pub(super) fn new(group: u32, uid: u32) -> Option<RunRecord> {
        let started = start_time(group)?;
        let folder = {
            let claimed = CLAIMED.lock().unwrap_or_else(|e| e.into_inner());
            claimed.first()?.join(RUNS)
        };
        let _ = std::fs::create_dir(&folder);
        let file = folder.join(format!("{group}-{uid}-{started}"));
        std::fs::File::create(&file).ok()?;
        Some(RunRecord(file))
    }
}

impl Drop for RunRecord {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Kills what is left of the runs written down in `folder`, a gone grader's (see `RunRecord`).
fn kill_recorded_runs(folder: &Path) {
    let Ok(entries) = std::fs::read_dir(folder.join(RUNS)) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let mut numbers = name.to_str().unwrap_or_default().split('-');
        let mut next = || numbers.next().and_then(|n| n.parse::<u64>().ok());
        if let (Some(group), Some(uid), Some(started)) = (next(), next(), next())
            && let (Ok(group), Ok(uid)) = (u32::try_from(group), u32::try_from(uid))
        {
            super::confine::kill_orphaned_group(group, uid, started);
        }
    }
}

/// Removes `folder` and all it holds, whatever a program did to it: under root, what a check
/// mounted in it is unmounted first; as an ordinary user, folders a program made unlistable
/// are opened to their owner again.
fn remove_folder(folder: &Path) {
    if is_root() {
        unmount_under(folder);
    } else {
        crate::safe_fs::let_owner_in(folder);
    }
    let _ = std::fs::remove_dir_all(folder);
}

/// Unmounts (lazily) every file system mounted under `folder`, deepest first.
fn unmount_under(folder: &Path) {
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let mut points: Vec<&str> = mounts
        .lines()
        .filter_map(|line| line.split(' ').nth(4))
        .filter(|point| Path::new(point).starts_with(folder))
        .collect();
    points.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for point in points {
        if let Ok(point) = std::ffi::CString::new(point) {
            // SAFETY: a NUL-terminated path that lives for the call.
            unsafe { libc::umount2(point.as_ptr(), libc::MNT_DETACH) };
        }
    }
}

/// At exit, the grader's folders, with whatever is left in them. Skipped if another thread
/// holds the lock while the process exits.
extern "C" fn remove_claimed_at_exit() {
    if let Ok(claimed) = CLAIMED.try_lock() {
        for folder in claimed.iter() {
            remove_folder(folder);
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grader_is_gone_only_when_no_process_is_it() {
        let own = own_tag();
        assert!(!is_gone(own), "{own}");
        let pid = std::process::id();
        // Its id, taken by a process that started at another time.
        assert!(is_gone(&format!("{pid}-1")));
        // An earlier version's tag, the id alone.
        assert!(!is_gone(&pid.to_string()));
        // Above any pid_max (2^22).
        assert!(is_gone("99999999-5") && is_gone("99999999"));
        for not_a_tag in ["", "x", "0", "12-x", "-3", "1-2-3"] {
            assert!(!is_gone(not_a_tag), "{not_a_tag}");
        }
    }
}
