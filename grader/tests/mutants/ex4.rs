//! The mutants of ex4: its reference solution with one small, realistic mistake each. A mutant's
//! `edits` are applied to `solutions/ex4/src/exercise.rs` (each found exactly once, or the test
//! fails loudly); the rubric tests in `caught_by` must fail on it, each showing its row's hint,
//! and each text of `shows` must appear in that test's failure.

use super::Mutant;
use grader::checks::ex4::{
    INCREMENTS_LOST, MAILBOX_MESSAGE, NOBODY_COUNTED, NOBODY_TOOK_IT, ONLY_THROUGH_THE_MAPPING,
    PARENT_READ_ZERO, RECV_RESET_THE_MAILBOX,
};

pub const MUTANTS: &[Mutant] = &[
    Mutant {
        exercise: "ex4",
        name: "counter-map-private",
        edits: &[(
            "            MapFlags::MAP_SHARED,\n",
            "            MapFlags::MAP_PRIVATE,\n",
        )],
        caught_by: &["count_total", "count_edge_cases", "count_is_atomic"],
        shows: &[
            ("count_total", PARENT_READ_ZERO),
            ("count_edge_cases", PARENT_READ_ZERO),
        ],
    },
    Mutant {
        exercise: "ex4",
        name: "non-atomic-counter",
        edits: &[(
            "counter.fetch_add(1, Ordering::Relaxed);",
            "counter.store(counter.load(Ordering::Relaxed) + 1, Ordering::Relaxed);",
        )],
        caught_by: &["count_is_atomic"],
        // The compiler may fold the plain load and store of each worker's loop into one addition
        // (then the counting takes no time, and the failure says so) or keep the loop (then
        // increments are lost): which one depends on the code generated, so either hint will do
        // here; the two mutants below pin each case down (folded, not folded).
        shows: &[],
    },
    Mutant {
        exercise: "ex4",
        name: "non-atomic-counter-not-folded",
        // The same load and store, kept apart (black_box): increments are lost when workers overlap.
        edits: &[(
            "counter.fetch_add(1, Ordering::Relaxed);",
            "counter.store(std::hint::black_box(counter.load(Ordering::Relaxed)) + 1, Ordering::Relaxed);",
        )],
        caught_by: &["count_is_atomic"],
        shows: &[("count_is_atomic", INCREMENTS_LOST)],
    },
    Mutant {
        exercise: "ex4",
        name: "non-atomic-counter-folded",
        // A worker's loop folded into one addition, as the compiler may fold the plain load and
        // store (here kept atomic, so that no batch is lost and the only sign is the time).
        edits: &[(
            "                for _ in 0..iters {",
            "                counter.fetch_add(iters, Ordering::Relaxed);\n                \
             for _ in 0..0 {",
        )],
        caught_by: &["count_is_atomic"],
        shows: &[(
            "count_is_atomic",
            NOBODY_COUNTED,
        )],
    },
    Mutant {
        exercise: "ex4",
        name: "count-computed",
        edits: &[(
            "pub fn count(workers: u32, iters: u64) -> Outcome<u64> {\n",
            "pub fn count(workers: u32, iters: u64) -> Outcome<u64> {\n    if workers > 1 {\n        \
             return Ok(workers as u64 * iters);\n    }\n",
        )],
        caught_by: &["count_forks_workers_sharing_memory"],
        shows: &[],
    },
    Mutant {
        exercise: "ex4",
        name: "count-in-the-parent",
        edits: &[(
            "    let mut children = Vec::new();\n",
            "    if workers > 1 {\n        for _ in 0..workers as u64 * iters {\n            \
             counter.fetch_add(1, Ordering::Relaxed);\n        }\n        \
             return Ok(counter.load(Ordering::Relaxed));\n    }\n    let mut children = Vec::new();\n",
        )],
        caught_by: &["count_forks_workers_sharing_memory"],
        shows: &[],
    },
    Mutant {
        exercise: "ex4",
        name: "count-in-private-memory",
        // The workers count in memory of their own; the parent prints the total it expects.
        edits: &[
            (
                "counter.fetch_add(1, Ordering::Relaxed);",
                "std::hint::black_box(counter);",
            ),
            (
                "let total = counter.load(Ordering::Relaxed);",
                "let total = workers as u64 * iters;",
            ),
        ],
        caught_by: &["count_forks_workers_sharing_memory"],
        shows: &[],
    },
    Mutant {
        exercise: "ex4",
        name: "recv-reads-the-file",
        edits: &[(
            "unsafe { std::ptr::copy_nonoverlapping(base.add(HEADER), message.as_mut_ptr(), len) };",
            "std::os::unix::fs::FileExt::read_exact_at(&std::fs::File::open(path).with_path(\"cannot open\", path)?, &mut message, HEADER as u64).with_path(\"cannot read\", path)?;",
        )],
        caught_by: &["recv_first"],
        shows: &[],
    },
    Mutant {
        exercise: "ex4",
        name: "recv-never-marks-taken",
        edits: &[(
            "mailbox.state().store(TAKEN, Ordering::Release);",
            "let _ = TAKEN;",
        )],
        caught_by: &["recv_first", "long_and_empty_messages"],
        shows: &[("long_and_empty_messages", NOBODY_TOOK_IT)],
    },
    Mutant {
        exercise: "ex4",
        name: "recv-resets-the-mailbox",
        // recv marks the mailbox empty when it starts, wiping a message already posted.
        edits: &[(
            "let mailbox = Mailbox::open(path)?;\n    mailbox.wait_for(FULL);",
            "let mailbox = Mailbox::open(path)?;\n    mailbox.state().store(0, Ordering::Release);\n    mailbox.wait_for(FULL);",
        )],
        caught_by: &["both_sides"],
        shows: &[(
            "both_sides",
            RECV_RESET_THE_MAILBOX,
        )],
    },
    Mutant {
        exercise: "ex4",
        name: "send-forgets-the-length",
        // Writes the message but not its length: the mailbox says 0 bytes.
        edits: &[(
            "        base.add(4)\n            .cast::<[u8; 4]>()\n            \
             .write((message.len() as u32).to_ne_bytes());\n",
            "",
        )],
        caught_by: &["send_first"],
        shows: &[("send_first", MAILBOX_MESSAGE)],
    },
    Mutant {
        exercise: "ex4",
        name: "send-writes-the-file",
        // Posts the message with pwrite(2) on the file rather than through the shared mapping.
        edits: &[(
            "        std::ptr::copy_nonoverlapping(message.as_ptr(), base.add(HEADER), message.len());\n    }\n",
            "    }\n    std::os::unix::fs::FileExt::write_all_at(\n        \
             &std::fs::OpenOptions::new().write(true).open(path).with_path(\"cannot open\", path)?,\n        \
             message,\n        HEADER as u64,\n    )\n    .with_path(\"cannot write\", path)?;\n",
        )],
        caught_by: &["send_first"],
        shows: &[(
            "send_first",
            ONLY_THROUGH_THE_MAPPING,
        )],
    },
    Mutant {
        exercise: "ex4",
        name: "recv-refuses-a-full-page",
        // Off by one: a message of exactly 4088 bytes, the most the mailbox holds, is refused.
        edits: &[("if len > MAX_MESSAGE {", "if len >= MAX_MESSAGE {")],
        caught_by: &["long_and_empty_messages"],
        shows: &[],
    },
    Mutant {
        exercise: "ex4",
        name: "mailbox-error-without-the-path",
        // Opens the mailbox with a message that does not say which file.
        edits: &[(
            "        let file = open_regular(\n            path,\n            OpenOptions::new()\n                \
             .read(true)\n                .write(true)\n                .create(true)\n                \
             .mode(0o666),\n        )?;",
            "        let file = OpenOptions::new()\n            .read(true)\n            .write(true)\n            \
             .create(true)\n            .mode(0o666)\n            .open(path)\n            \
             .context(\"cannot open the mailbox\")?;",
        )],
        caught_by: &["mailbox_errors"],
        shows: &[(
            "mailbox_errors",
            "the error message should name 'no/such/dir/mailbox'",
        )],
    },
    Mutant {
        exercise: "ex4",
        name: "worker-status-ignored",
        // Waits for each worker but not at how it ended: a killed worker's share is silently
        // missing from the total printed.
        edits: &[(
            "        WaitStatus::Exited(_, 0) => Ok(()),\n        status => Err(",
            "        _ => Ok(()),\n        #[allow(unreachable_patterns)]\n        status => Err(",
        )],
        caught_by: &["count_worker_fails"],
        shows: &[("count_worker_fails", "had killed its 2 workers")],
    },
];
