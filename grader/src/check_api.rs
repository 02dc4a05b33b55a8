//! What a check works with: its own temporary directory, the program under test, seeded random
//! inputs, and files made to order.

use std::ffi::OsStr;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use crate::runner::interrupt::Undo;
use crate::runner::{Cmd, FileId, Limits, Observer, Run, Running, User};
use crate::safe_fs;

pub use crate::outcome::{Problem, Verdict, ensure, grader_error};

/// Fails a check with a formatted reason: `return fail!("...")`.
#[macro_export]
macro_rules! fail {
    ($($arg:tt)*) => { Err($crate::outcome::Problem::Fail(format!($($arg)*))) };
}

/// The page size that the tests' sizes are built around (Linux on x86-64 and most arm64).
pub const PAGE: usize = 4096;
pub const KIB: usize = 1 << 10;
pub const MIB: usize = 1 << 20;

thread_local! {
    /// What the test running on this thread has done so far (`begin_test`): whether its program
    /// started, and how many files of its own the grader made for it (every folder counted).
    static THIS_TEST: std::cell::Cell<(bool, usize)> = const { std::cell::Cell::new((false, 0)) };
}

/// A test starts on this thread (`grade::run_one`): nothing of it has run yet.
pub(crate) fn begin_test() {
    THIS_TEST.set((false, 0));
}

/// Whether the program under test was started in the test running on this thread.
pub(crate) fn program_started() -> bool {
    THIS_TEST.get().0
}

/// One check's world. Dropped at the end of the check, with its directory.
pub struct Ctx {
    pub exercise: &'static str,
    program: PathBuf,
    /// Who the check's programs run as (a user of its own under root).
    user: User,
    /// Owns the directory: it is removed when the check ends (unless `keep_if_failed` kept it).
    dir: Option<TempDir>,
    /// The last command line run, for `keep_if_failed` to name.
    last_command: std::sync::Mutex<Option<String>>,
    /// The directory's canonical path, as /proc shows it in a memory map.
    root: PathBuf,
    rng: Rng,
    notes: Vec<String>,
    /// The device and inode of each file the grader made, by name, as they were when made.
    made: std::sync::Mutex<std::collections::HashMap<String, (u64, u64)>>,
    /// How many of the check's runs ran out of time (the class report counts such failures).
    timeouts: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    /// The output the check's runs wrote past what is kept (see `runner::DRAIN_CAP`).
    drained: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// The files the check's runs made and keep: the bound on new files is the check's.
    files: crate::runner::CheckFiles,
    /// The folder is removed if the grader is interrupted, too.
    _undo: crate::runner::interrupt::Registered,
}

impl Drop for Ctx {
    /// Before the folder goes (with `dir`): under root, nothing a program did stops its removal;
    /// as an ordinary user, a folder the program made unlistable would.
    fn drop(&mut self) {
        if !crate::runner::is_root() {
            crate::safe_fs::let_owner_in(&self.root);
        }
    }
}

impl Ctx {
    /// `seed` makes the check's inputs; the same seed gives the same inputs.
    pub fn new(exercise: &'static str, program: &Path, seed: u64) -> std::io::Result<Ctx> {
        let dir = tempfile::Builder::new()
            .prefix(&format!("grade-{exercise}-"))
            .tempdir_in(crate::runner::work_root()?)?;
        let root = dir.path().canonicalize()?;
        let undo = crate::runner::interrupt::register(Undo::Folder(root.clone()));
        let user = User::lease()?;
        user.hand_over(&File::open(&root)?)?;
        Ok(Ctx {
            exercise,
            program: crate::runner::reachable(program)?,
            user,
            dir: Some(dir),
            last_command: Default::default(),
            _undo: undo,
            root,
            rng: Rng(std::cell::Cell::new(seed)),
            notes: Vec::new(),
            made: Default::default(),
            timeouts: Default::default(),
            drained: Default::default(),
            files: Default::default(),
        })
    }

    /// A new check folder for the same program (under root, with a user of its own), whose runs
    /// out of time, and output drained, count as this check's.
    pub fn fresh(&self) -> std::io::Result<Ctx> {
        let mut fresh = Ctx::new(self.exercise, &self.program, 0)?;
        fresh.timeouts = std::sync::Arc::clone(&self.timeouts);
        fresh.drained = std::sync::Arc::clone(&self.drained);
        Ok(fresh)
    }

    pub fn dir(&self) -> &Path {
        &self.root
    }

    pub fn program(&self) -> &Path {
        &self.program
    }

    /// The uid the check's programs run as, when it is not the grader's (under root).
    pub fn uid(&self) -> Option<u32> {
        self.user.uid()
    }

    /// Records something the report should say even when the check passes.
    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    pub fn into_notes(mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }

    /// A path in the check's directory (absolute, so it can be compared with /proc's view).
    pub fn path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// The program under test, to run in the check's directory with the default time limit,
    /// its system calls watched.
    pub fn cmd<I, S>(&self, args: I) -> Cmd
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        THIS_TEST.set((true, THIS_TEST.get().1));
        self.tool(&self.program).args(args).traced(true)
    }

    /// Another program (cp, say) run in the check's directory as the check's user, in the same
    /// sandbox, its calls not watched.
    pub fn tool(&self, program: &Path) -> Cmd {
        Cmd::new(program, &self.root, &self.user)
            .counting_timeouts(&self.timeouts)
            .draining_into(&self.drained)
            .keeping_files(&self.files)
    }

    /// Whether a program of this check ran out of time.
    pub fn timed_out(&self) -> bool {
        self.timeouts.load(std::sync::atomic::Ordering::Relaxed) > 0
    }

    /// Runs the program to the end.
    pub fn run<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let run = self.cmd(args).run();
        self.ran(&run);
        run
    }

    /// Runs the program with limits.
    pub fn run_limited<I, S>(&self, args: I, limits: Limits) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let run = self.cmd(args).limits(limits).run();
        self.ran(&run);
        run
    }

    /// After each run: shown with `--nocapture`, and remembered for `keep_if_failed`.
    fn ran(&self, run: &Run) {
        crate::expect::show_output(run);
        *self.last_command.lock().unwrap_or_else(|e| e.into_inner()) = Some(run.command.clone());
    }

    /// With `GRADER_KEEP=1`, a failed check's folder stays (its inputs and what the program left)
    /// and the grader says where, with the last command that ran in it, to try again by hand.
    pub fn keep_if_failed(&mut self, verdict: &Verdict) {
        if std::env::var_os("GRADER_KEEP").is_none_or(|v| v != "1")
            || !matches!(verdict, Err(Problem::Fail(_)))
        {
            return;
        }
        let Some(dir) = self.dir.take() else { return };
        let mut kept = dir.keep();
        // The grader's own folder in TMPDIR goes when it exits (see `runner::place`): a folder
        // made there moves up beside it, out of its way.
        let claimed = std::env::temp_dir();
        if kept.parent() == Some(claimed.as_path())
            && let (Some(base), Some(name)) = (claimed.parent(), kept.file_name())
            && std::fs::rename(&kept, base.join(name)).is_ok()
        {
            kept = base.join(name);
        }
        let command = self
            .last_command
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let command = command.map_or(String::new(), |c| format!(", after `{c}`"));
        eprintln!(
            "GRADER_KEEP: {} kept its folder {}{command}",
            self.exercise,
            kept.display()
        );
    }

    /// Starts the program and leaves it running, for checks that watch it or talk to it.
    pub fn start<I, S>(&self, args: I) -> Result<Running, Problem>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.start_observed(args, None)
    }

    /// Starts the program with `observer` shown each of its watched calls (see `runner::trace`).
    pub fn start_observed<I, S>(
        &self,
        args: I,
        observer: Option<Observer>,
    ) -> Result<Running, Problem>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.cmd(args)
            .spawn_observed(observer)
            .map_err(|run| crate::expect::problem_of(&run))
    }

    /// A new file in the check's directory, the check's user's, for the grader to fill (made
    /// afresh: whatever a program left under that name is removed, never written through).
    pub fn create(&self, name: &str) -> File {
        // TMPDIR's free space is shared out by a test's worst case (`runner::disk`), which counts
        // this many files of the grader's: a check that makes more must raise the bound.
        let (started, made) = THIS_TEST.get();
        assert!(
            made < crate::runner::disk::MAX_GRADER_FILES,
            "a check makes more than runner::disk::MAX_GRADER_FILES ({}) files of its own",
            crate::runner::disk::MAX_GRADER_FILES
        );
        THIS_TEST.set((started, made + 1));
        let path = self.path(name);
        let file = safe_fs::create(&path, 0o644)
            .and_then(|file| self.user.hand_over(&file).map(|()| file))
            .unwrap_or_else(|e| panic!("cannot make {}: {e}", path.display()));
        if let Ok(meta) = file.metadata() {
            use std::os::unix::fs::MetadataExt;
            self.made
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(name.to_owned(), (meta.dev(), meta.ino()));
        }
        file
    }

    /// The file `name` of the check's directory, for the system-call evidence: with the device
    /// and inode it had when the grader made it, if it did.
    pub fn file_id(&self, name: &str) -> FileId {
        FileId {
            path: self.path(name),
            made: self
                .made
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(name)
                .copied(),
        }
    }

    /// Sets the mode of the file `name` in the check's directory, by descriptor: a program may
    /// have left a link there, which the grader must not change the mode of the target through.
    pub fn set_mode(&self, name: &str, mode: u32) -> Verdict {
        use std::os::unix::fs::PermissionsExt;
        let file = safe_fs::open_regular(&self.path(name))
            .map_err(|e| format!("cannot open '{name}' to set its mode: {e}"))?;
        file.set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(grader_error)
    }

    /// Opens the regular file `name` in the check's directory for writing, by descriptor, without
    /// following a link or blocking on a FIFO a program may have left there.
    pub fn open_for_writing(&self, name: &str) -> Result<File, Problem> {
        let file = safe_fs::open(&self.path(name), libc::O_WRONLY | libc::O_NONBLOCK, 0)
            .map_err(|e| format!("cannot open '{name}': {e}"))?;
        match file.metadata() {
            Ok(meta) if meta.is_file() => Ok(file),
            Ok(_) => Err(format!("'{name}' is not a regular file").into()),
            Err(e) => Err(grader_error(e)),
        }
    }

    /// Writes `bytes` to a new file in the check's directory.
    pub fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        self.create(name)
            .write_all(bytes)
            .unwrap_or_else(|e| panic!("cannot write {name}: {e}"));
        self.path(name)
    }

    /// A file of `len` random bytes; returns its path and contents.
    pub fn random_file(&self, name: &str, len: usize) -> (PathBuf, Vec<u8>) {
        let bytes = self.bytes(len);
        (self.file(name, &bytes), bytes)
    }

    /// A file of `len` random bytes, written a chunk at a time: a large file made without
    /// holding it in the grader's memory (which a forked child would count as its own peak).
    pub fn large_random_file(&self, name: &str, len: usize) -> PathBuf {
        let path = self.path(name);
        let mut file = self.create(name);
        let mut left = len;
        while left > 0 {
            let chunk = self.bytes(left.min(MIB));
            file.write_all(&chunk)
                .unwrap_or_else(|e| panic!("cannot write {name}: {e}"));
            left -= chunk.len();
        }
        path
    }

    /// A sparse file of `len` bytes (made with ftruncate) with `data` written at `at`, that the
    /// program may only read: written through a mapping, its holes would take real disk, far
    /// past what the limit on file sizes lets a run write (and the program may not change a
    /// file's mode back).
    pub fn sparse_file(&self, name: &str, len: u64, at: u64, data: &[u8]) -> PathBuf {
        use std::os::unix::fs::{FileExt, PermissionsExt};
        let path = self.path(name);
        let file = self.create(name);
        file.set_len(len)
            .unwrap_or_else(|e| panic!("cannot make {name} {len} bytes long (sparse): {e}"));
        file.write_all_at(data, at)
            .unwrap_or_else(|e| panic!("cannot write into {name}: {e}"));
        file.set_permissions(std::fs::Permissions::from_mode(0o444))
            .expect("cannot make the sparse file read-only");
        path
    }

    /// `len` random bytes.
    pub fn bytes(&self, len: usize) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(len + 8);
        while bytes.len() < len {
            bytes.extend_from_slice(&self.rng.next().to_le_bytes());
        }
        bytes.truncate(len);
        bytes
    }

    /// Random printable ASCII of `len` characters, mixed case, that also works as an argument.
    pub fn text(&self, len: usize) -> String {
        const ALPHABET: &[u8] =
            b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.;:!?_=+";
        (0..len)
            .map(|_| ALPHABET[self.below(ALPHABET.len() as u64) as usize] as char)
            .collect()
    }

    /// A random number in `0..n` (n > 0).
    pub fn below(&self, n: u64) -> u64 {
        self.rng.next() % n
    }

    /// A random number in `lo..=hi`.
    pub fn between(&self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
}

/// SplitMix64: small, fast, and good enough to make inputs nobody can predict without the seed.
struct Rng(std::cell::Cell<u64>);

impl Rng {
    fn next(&self) -> u64 {
        self.0.set(self.0.get().wrapping_add(0x9E37_79B9_7F4A_7C15));
        let mut z = self.0.get();
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// The seed of one test: the run's seed mixed with the test's name, so that each test has its
/// own inputs and rerunning with the same run seed repeats all of them.
pub fn test_seed(run_seed: u64, name: &str) -> u64 {
    name.bytes().fold(run_seed ^ 0xCBF2_9CE4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01B3)
    })
}

/// The run's seed: `GRADER_SEED` if set (to repeat a run), otherwise a fresh one.
pub fn run_seed() -> u64 {
    std::env::var("GRADER_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            (now.as_nanos() as u64 ^ (std::process::id() as u64) << 32) % 1_000_000_000
        })
}
