//! TMPDIR's free space, shared out among the tests in flight: no test's files can fill the file
//! system under another test's feet.
//!
//! A test's runs may keep `MAX_NEW_FILES` files of `DEFAULT_MAX_FILE` bytes and grow the grader's
//! own files to that size too (`TEST_DISK`, 6 GiB). Where TMPDIR is small (a tmpfs `/tmp` of half
//! the RAM, a CI runner's disk), tests side by side could fill it within those bounds: the
//! grader's next fixture then failed to be written, a grading error the program caused at will,
//! and in a batch another student's program failed (red team 5). So each test reserves its worst
//! case from the free space measured when the grader first needs it, and waits for its turn while
//! the tests in flight (every test of this process: a batch's students too) hold the rest. Where
//! two tests' worst cases do not fit, tests run one at a time: a full file system is then the
//! doing of the one test in flight, and a grader's step that finds it full after the test's
//! program ran is that program's failure (`grade::full_disk_is_the_programs`), never a grading
//! error.
//!
//! Below `MIN_FREE` a right program's files may not fit either: the grader then grades nothing
//! and says so (a fault of the machine, never a grade). Other processes of the machine, another
//! grader among them, are not accounted for: each grader process measures once, at its start.

use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, OnceLock};

use super::sandbox::DEFAULT_MAX_FILE;
use super::trace::MAX_NEW_FILES;

/// The most files of the grader's own a test makes (its fixtures, counted over the test's folders
/// by `Ctx::create`): a run may grow each of them to the file-size limit too.
pub const MAX_GRADER_FILES: usize = 8;

/// The most disk one test's files can take: its runs' new files and the grader's, each at the
/// file-size limit.
pub const TEST_DISK: u64 = (MAX_NEW_FILES + MAX_GRADER_FILES) as u64 * DEFAULT_MAX_FILE;

/// The least free space the grader grades in: a right program's largest test writes 256 MiB (ex3
/// copies a file of 128 MiB), with room to spare for the grader's fixtures beside it.
pub const MIN_FREE: u64 = 512 << 20;

/// TMPDIR's free space as measured once, and what the tests in flight hold of it.
struct Budget {
    folder: PathBuf,
    /// Free bytes when first measured; `None` if they could not be measured.
    free: Option<u64>,
    /// Bytes not held by a test in flight.
    left: Mutex<u64>,
    returned: Condvar,
}

fn budget() -> &'static Budget {
    static BUDGET: OnceLock<Budget> = OnceLock::new();
    BUDGET.get_or_init(|| {
        let folder = super::work_root().unwrap_or_else(|_| std::env::temp_dir());
        let free = free_space(&folder);
        Budget::new(folder, free)
    })
}

impl Budget {
    fn new(folder: PathBuf, free: Option<u64>) -> Budget {
        Budget {
            left: Mutex::new(free.unwrap_or(u64::MAX)),
            free,
            folder,
            returned: Condvar::new(),
        }
    }

    fn turn(&'static self) -> Result<Turn, String> {
        let Some(free) = self.free else {
            return Ok(Turn {
                budget: self,
                held: 0,
            });
        };
        if free < MIN_FREE {
            return Err(too_small(&self.folder, free));
        }
        let held = TEST_DISK.min(free);
        let mut left = self.left.lock().unwrap_or_else(|e| e.into_inner());
        while *left < held {
            left = self.returned.wait(left).unwrap_or_else(|e| e.into_inner());
        }
        *left -= held;
        Ok(Turn { budget: self, held })
    }

    fn one_test_at_a_time(&self) -> bool {
        self.free.is_some_and(|free| free < 2 * TEST_DISK)
    }
}

/// The bytes of `folder`'s file system that an ordinary user may still write.
pub fn free_space(folder: &Path) -> Option<u64> {
    let stats = nix::sys::statvfs::statvfs(folder).ok()?;
    Some(
        stats
            .blocks_available()
            .saturating_mul(stats.fragment_size()),
    )
}

/// What one test holds of the free space until it ends (dropped after its folders are gone).
pub struct Turn {
    budget: &'static Budget,
    held: u64,
}

impl Drop for Turn {
    fn drop(&mut self) {
        *self.budget.left.lock().unwrap_or_else(|e| e.into_inner()) += self.held;
        self.budget.returned.notify_all();
    }
}

/// Waits until a test may start: until its worst case (`TEST_DISK`) is free of the tests in
/// flight, or, where TMPDIR holds less than that, until no other test is in flight. An error where
/// TMPDIR has less than `MIN_FREE`: the grader cannot grade here.
pub fn turn() -> Result<Turn, String> {
    budget().turn()
}

/// Whether tests run one at a time, TMPDIR being smaller than two tests' worst case: then a full
/// file system is the doing of the test in flight.
pub fn one_test_at_a_time() -> bool {
    budget().one_test_at_a_time()
}

/// Whether `reason`, a grader's step's failure, says the file system was full (ENOSPC, or a
/// quota's EDQUOT), as the C library words it (the grader and the tools it runs speak in the C
/// locale).
pub fn names_a_full_disk(reason: &str) -> bool {
    [libc::ENOSPC, libc::EDQUOT]
        .into_iter()
        .map(|errno| std::io::Error::from_raw_os_error(errno).to_string())
        .any(|said| reason.contains(said.split(" (os error").next().unwrap_or(&said)))
}

fn too_small(folder: &Path, free: u64) -> String {
    format!(
        "TMPDIR ({}) has {} MiB free; the grader needs at least {} MiB to grade: set TMPDIR to \
         a folder with more room",
        folder.display(),
        free >> 20,
        MIN_FREE >> 20
    )
}

/// The report's line on disk: how much TMPDIR had, and how many tests that lets run at once.
pub fn summary() -> String {
    let budget = budget();
    let worst = TEST_DISK >> 30;
    match budget.free {
        None => format!(
            "disk: the free space of TMPDIR ({}) cannot be measured: tests are not held to it",
            budget.folder.display()
        ),
        Some(free) if free < MIN_FREE => format!("disk: {}", too_small(&budget.folder, free)),
        Some(free) if budget.one_test_at_a_time() => format!(
            "disk: TMPDIR had {} MiB free, room for one test's files at most ({worst} GiB each): \
             tests run one at a time, and a file system full after a test's program ran is that \
             program's doing",
            free >> 20
        ),
        Some(free) => format!(
            "disk: TMPDIR had {} GiB free: up to {} tests at once, each holding {worst} GiB for \
             its files",
            free >> 30,
            free / TEST_DISK
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn budget(free: u64) -> &'static Budget {
        Box::leak(Box::new(Budget::new("/tmp".into(), Some(free))))
    }

    /// Whether a test asking for its turn now gets it within a moment (it waits otherwise).
    fn gets_a_turn(budget: &'static Budget) -> bool {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let turn = budget.turn();
            let _ = tx.send(());
            drop(turn);
        });
        rx.recv_timeout(Duration::from_millis(300)).is_ok()
    }

    #[test]
    fn tests_in_flight_hold_their_worst_case_of_the_free_space() {
        let roomy = budget(3 * TEST_DISK);
        let (_a, _b) = (roomy.turn().unwrap(), roomy.turn().unwrap());
        assert!(gets_a_turn(roomy), "a third test fits in what is left");
        let _c = roomy.turn().unwrap();
        assert!(!gets_a_turn(roomy), "a fourth must wait");
        assert!(!roomy.one_test_at_a_time());
    }

    #[test]
    fn where_one_test_may_fill_tmpdir_tests_run_one_at_a_time() {
        for free in [MIN_FREE, TEST_DISK / 2, TEST_DISK + TEST_DISK / 2] {
            let small = budget(free);
            assert!(small.one_test_at_a_time());
            let first = small.turn().unwrap();
            assert!(!gets_a_turn(small), "{free}: a second test waits");
            drop(first);
            assert!(
                gets_a_turn(small),
                "{free}: and starts once the first ended"
            );
        }
    }

    #[test]
    fn below_the_least_free_space_nothing_is_graded() {
        let why = budget(MIN_FREE - 1).turn().err().unwrap();
        assert!(why.contains("set TMPDIR"), "{why}");
    }

    #[test]
    fn a_full_disk_is_recognized_as_the_grader_and_cp_word_it() {
        let full = std::io::Error::from_raw_os_error(libc::ENOSPC);
        assert!(names_a_full_disk(&format!("cannot write src.bin: {full}")));
        assert!(names_a_full_disk(
            "cp: error writing 'cp.bin': No space left on device"
        ));
        assert!(!names_a_full_disk(
            "cannot write src.bin: Permission denied"
        ));
    }
}
