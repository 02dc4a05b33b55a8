//! The rubric: every graded test, declared once, with its points. 25 points per exercise.
//!
//! The checks themselves are in `checks/`; this table is the only place that names and weighs
//! them. `cargo test -p exN`, `make grade` and the Gradescope results all read it.

use crate::checks::{ex1, ex2, ex3, ex4};
use crate::fixtures::{Ctx, Verdict};

/// One graded test.
pub struct Test {
    /// `ex1` .. `ex4`.
    pub exercise: &'static str,
    /// A Rust-identifier-like name, for `cargo test -p ex3 -- NAME`.
    pub name: &'static str,
    pub points: u32,
    /// What it checks, as a sentence fragment: `ex3: copies an empty file: OK`.
    pub title: &'static str,
    pub check: fn(&mut Ctx) -> Verdict,
    /// Runs alone, after the others: it measures time, or needs the machine to itself to
    /// provoke a race, and would suffer from company.
    pub solo: bool,
    /// Gradescope shows it to students only after the due date (see `after_due_date`).
    pub after_due_date: bool,
}

impl std::fmt::Debug for Test {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}::{}", self.exercise, self.name)
    }
}

const fn test(
    exercise: &'static str,
    name: &'static str,
    points: u32,
    title: &'static str,
    check: fn(&mut Ctx) -> Verdict,
) -> Test {
    Test {
        exercise,
        name,
        points,
        title,
        check,
        solo: false,
        after_due_date: false,
    }
}

/// The same test, run alone, after the others (see `Test::solo`).
const fn alone(test: Test) -> Test {
    Test { solo: true, ..test }
}

/// The same test, shown to students on Gradescope only after the due date (its score and output;
/// `make grade` still shows it): wrap a row of the table in it, `after_due_date(test(...))`, for
/// the tests whose failures would give the answer away before the deadline.
pub const fn after_due_date(test: Test) -> Test {
    Test {
        after_due_date: true,
        ..test
    }
}

pub const EXERCISES: [&str; 4] = ["ex1", "ex2", "ex3", "ex4"];

#[rustfmt::skip]
pub const RUBRIC: &[Test] = &[
    test("ex1", "peek_range",            3, "peek prints exactly the bytes asked for, from any offset", ex1::peek_range),
    test("ex1", "peek_clamps_at_end",    2, "peek stops at the end of the file, prints nothing past it or for LEN 0", ex1::peek_clamps_at_end),
    test("ex1", "peek_empty_file",       1, "peek of an empty file prints nothing", ex1::peek_empty_file),
    test("ex1", "peek_sparse_tib",       2, "peek near the end of a 1 TiB sparse file is exact and cheap", ex1::peek_sparse_tib),
    test("ex1", "peek_uses_mapping",     2, "peek reads the file through a mapping", ex1::peek_uses_mapping),
    test("ex1", "peek_maps_only_the_range", 2, "peek maps a page-aligned offset and only the pages of the range", ex1::peek_maps_only_the_range),
    test("ex1", "bump_defaults",         3, "bump adds 10 to every 20000th byte by default", ex1::bump_defaults),
    test("ex1", "bump_stride_delta",     2, "bump honours STRIDE and DELTA, wrapping mod 256", ex1::bump_stride_delta),
    test("ex1", "bump_empty_file",       1, "bump of an empty file succeeds and changes nothing", ex1::bump_empty_file),
    test("ex1", "bump_uses_mapping",     2, "bump changes the file through a shared mapping", ex1::bump_uses_mapping),
    test("ex1", "bump_maps_shared_and_msyncs", 2, "bump maps the file MAP_SHARED and writable, and msyncs it", ex1::bump_maps_shared_and_msyncs),
    test("ex1", "bad_input",             2, "a missing file and bad command lines are clean errors", ex1::bad_input),
    test("ex1", "not_a_regular_file",    1, "a directory, FIFO or device is a clean error", ex1::not_a_regular_file),

    test("ex2", "patch_prints_patched",  3, "patch prints the file with TEXT written at OFFSET", ex2::patch_prints_patched),
    test("ex2", "patch_leaves_file_unchanged", 3, "patch leaves the file and its mtime unchanged", ex2::patch_leaves_file_unchanged),
    test("ex2", "patch_empty_text",      2, "patch with empty TEXT prints the file as it is", ex2::patch_empty_text),
    test("ex2", "patch_past_end",        2, "patch past the end of the file is a clean error", ex2::patch_past_end),
    test("ex2", "patch_uses_mapping",    2, "patch reads the file through a mapping", ex2::patch_uses_mapping),
    test("ex2", "patch_maps_private_read_only", 2, "patch maps the file MAP_PRIVATE and writable, opened read-only", ex2::patch_maps_private_read_only),
    test("ex2", "fork_three_lines",      3, "fork prints the three lines, once each, in order", ex2::fork_three_lines),
    test("ex2", "fork_empty_text",       1, "fork works with an empty TEXT", ex2::fork_empty_text),
    test("ex2", "fork_text_in_private_anonymous_mapping", 2, "fork keeps TEXT in a private anonymous mapping that the child changes", ex2::fork_text_in_private_anonymous_mapping),
    test("ex2", "fork_really_forks",     2, "fork fails cleanly when fork(2) fails", ex2::fork_really_forks),
    test("ex2", "bad_input",             2, "a missing file and bad command lines are clean errors", ex2::bad_input),
    test("ex2", "not_a_regular_file",    1, "a directory, FIFO or device is a clean error", ex2::not_a_regular_file),

    test("ex3", "copies_exactly",        2, "copies a file byte for byte", ex3::copies_exactly),
    test("ex3", "copies_empty_file",     1, "copies an empty file", ex3::copies_empty_file),
    test("ex3", "copies_odd_sizes",      2, "copies sizes that are not a page multiple exactly", ex3::copies_odd_sizes),
    test("ex3", "overwrites_longer_destination", 2, "a longer DST ends exactly as long as SRC", ex3::overwrites_longer_destination),
    test("ex3", "overwrites_shorter_destination_keeping_its_mode", 2, "a shorter DST is overwritten and keeps its mode", ex3::overwrites_shorter_destination_keeping_its_mode),
    test("ex3", "creates_destination_with_source_mode", 1, "a new DST gets SRC's mode less the umask, for any mode and umask", ex3::creates_destination_with_source_mode),
    test("ex3", "refuses_same_file",     2, "SRC and DST the same file (also by link) is refused, SRC intact", ex3::refuses_same_file),
    test("ex3", "refuses_bad_input",     2, "a missing, directory, FIFO or device SRC, or a bad command line, is refused", ex3::refuses_bad_input),
    test("ex3", "file_size_limit",       2, "a DST over the file-size limit is a clean error", ex3::file_size_limit),
    test("ex3", "full_disk",             2, "a full file system is a clean error, not SIGBUS", ex3::full_disk),
    test("ex3", "uses_mappings",         2, "the data moves through mappings", ex3::uses_mappings),
    test("ex3", "maps_source_read_only_and_destination_shared", 2, "SRC is mapped read-only, DST shared and writable, in bounded windows", ex3::maps_source_read_only_and_destination_shared),
    test("ex3", "memory_stays_bounded",  1, "memory stays bounded on a 128 MiB file", ex3::memory_stays_bounded),
    alone(test("ex3", "as_fast_as_cp", 2, "copies about as fast as cp(1)", ex3::as_fast_as_cp)),

    test("ex4", "count_total",           4, "count prints WORKERS * ITERS", ex4::count_total),
    test("ex4", "count_edge_cases",      2, "count with 0 iterations or 64 workers; bad numbers are usage errors", ex4::count_edge_cases),
    alone(test("ex4", "count_is_atomic", 4, "count loses no increment under contention", ex4::count_is_atomic)),
    test("ex4", "count_forks_workers_sharing_memory", 3, "count's workers are forked children sharing a mapping", ex4::count_forks_workers_sharing_memory),
    test("ex4", "send_first",            3, "send posts through a shared mapping when it starts first", ex4::send_first),
    test("ex4", "recv_first",            3, "recv waits for a message when it starts first", ex4::recv_first),
    test("ex4", "both_sides",            3, "send and recv talk to each other, either starting first", ex4::both_sides),
    test("ex4", "long_and_empty_messages", 2, "4088-byte and empty messages pass, 4089 bytes is a usage error", ex4::long_and_empty_messages),
    test("ex4", "mailbox_errors",        1, "mailbox errors are clean", ex4::mailbox_errors),
];

/// The tests of one exercise, in rubric order.
pub fn tests_of(exercise: &str) -> impl Iterator<Item = &'static Test> {
    RUBRIC.iter().filter(move |t| t.exercise == exercise)
}

/// What an exercise is worth: the sum of its tests' points.
pub fn points_of(exercise: &str) -> u32 {
    tests_of(exercise).map(|t| t.points).sum()
}

/// What the whole rubric is worth.
pub fn total_points() -> u32 {
    RUBRIC.iter().map(|t| t.points).sum()
}

/// A fingerprint of the rubric: every test's exercise, name, points, title and settings. A grade
/// given under another rubric is not kept (`grader batch`). (The hasher is the standard library's,
/// stable within one build of the grader, which is all the comparison needs: another build is
/// another grader version anyway.)
pub fn fingerprint() -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    for t in RUBRIC {
        (
            t.exercise,
            t.name,
            t.points,
            t.title,
            t.solo,
            t.after_due_date,
        )
            .hash(&mut hasher);
    }
    format!("{:016x}", hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_exercise_is_worth_25_points() {
        for exercise in EXERCISES {
            assert_eq!(
                tests_of(exercise).map(|t| t.points).sum::<u32>(),
                25,
                "{exercise}"
            );
        }
        assert_eq!(RUBRIC.iter().map(|t| t.points).sum::<u32>(), 100);
    }

    #[test]
    fn names_are_unique_within_an_exercise() {
        let mut seen = std::collections::HashSet::new();
        for t in RUBRIC {
            assert!(
                seen.insert((t.exercise, t.name)),
                "{} {} twice",
                t.exercise,
                t.name
            );
        }
    }
}
