//! The mutants of ex3: its reference solution with one small, realistic mistake each. A mutant's
//! `edits` are applied to `solutions/ex3/src/exercise.rs` (each found exactly once, or the test
//! fails loudly); the rubric tests in `caught_by` must fail on it, each showing its row's hint,
//! and each text of `shows` must appear in that test's failure.

use super::Mutant;
use grader::checks::ex3::{DST_KEEPS_ITS_MODE, DST_TOO_LONG, FIFO_BLOCKS_OPEN};

pub const MUTANTS: &[Mutant] = &[
    Mutant {
        exercise: "ex3",
        name: "creates-with-a-fixed-mode",
        edits: &[(".mode(src_meta.mode() & 0o777)", ".mode(0o644)")],
        caught_by: &["creates_destination_with_source_mode"],
        shows: &[],
    },
    Mutant {
        exercise: "ex3",
        name: "maps-source-writable",
        // SRC opened read-write and mapped shared and writable: the copy is right, and one bug
        // away from changing SRC.
        edits: &[
            (
                "let src = open_regular(src_path, OpenOptions::new().read(true))?;",
                "let src = open_regular(src_path, OpenOptions::new().read(true).write(true))?;",
            ),
            (
                "            .populate()\n            .map(src)",
                "            .populate()\n            .map_mut(src)",
            ),
        ],
        caught_by: &["maps_source_read_only_and_destination_shared"],
        shows: &[],
    },
    Mutant {
        exercise: "ex3",
        name: "rounds-to-whole-pages",
        edits: &[(
            "dst.set_len(size)",
            "dst.set_len(size.div_ceil(4096) * 4096)",
        )],
        caught_by: &[
            "copies_exactly",
            "copies_odd_sizes",
            "overwrites_shorter_destination_keeping_its_mode",
        ],
        shows: &[("copies_odd_sizes", "bytes long, expected")],
    },
    Mutant {
        exercise: "ex3",
        name: "copies-with-read-write",
        edits: &[(
            "    let threads = std::thread::available_parallelism()",
            "    std::io::copy(&mut &src, &mut &dst).with_path(\"cannot copy to\", dst_path)?;\n    \
             if size > 0 {\n        return Ok(());\n    }\n    \
             let threads = std::thread::available_parallelism()",
        )],
        caught_by: &["uses_mappings"],
        shows: &[],
    },
    Mutant {
        exercise: "ex3",
        name: "leaves-destination-long",
        edits: &[(
            "dst.set_len(size).with_path(",
            "(if dst_meta.len() < size { dst.set_len(size) } else { Ok(()) }).with_path(",
        )],
        caught_by: &["copies_empty_file", "overwrites_longer_destination"],
        shows: &[
            ("copies_empty_file", DST_TOO_LONG),
            ("overwrites_longer_destination", DST_TOO_LONG),
        ],
    },
    Mutant {
        exercise: "ex3",
        name: "truncates-before-same-file-check",
        edits: &[(".create(true)", ".create(true).truncate(true)")],
        caught_by: &["refuses_same_file"],
        shows: &[],
    },
    Mutant {
        exercise: "ex3",
        name: "reserves-no-space",
        // The plain mmap copy of a student who reserves nothing: no posix_fallocate, and no
        // MADV_POPULATE_WRITE either (which would also report a full disk as an error).
        edits: &[
            (
                "reserve(&dst, size).with_path(",
                "Ok::<(), nix::Error>(()).with_path(",
            ),
            (
                "    match to.advise(Advice::PopulateWrite) {",
                "    match Ok::<(), std::io::Error>(()) {",
            ),
        ],
        caught_by: &["full_disk"],
        shows: &[],
    },
    Mutant {
        exercise: "ex3",
        name: "blocks-on-fifo",
        edits: &[(
            "let src = open_regular(src_path, OpenOptions::new().read(true))?;",
            "let src = File::open(src_path).with_path(\"cannot open\", src_path)?;\n    \
             let src = (|| { drop(src); open_regular(src_path, OpenOptions::new().read(true)) })()?;",
        )],
        caught_by: &["refuses_bad_input"],
        shows: &[("refuses_bad_input", FIFO_BLOCKS_OPEN)],
    },
    Mutant {
        exercise: "ex3",
        name: "maps-the-whole-file",
        edits: &[
            (
                "const WINDOW: u64 = 16 << 20;",
                "const WINDOW: u64 = 1 << 40;",
            ),
            (
                "const MAPPED: u64 = 64 << 20;",
                "const MAPPED: u64 = 1 << 42;",
            ),
        ],
        caught_by: &["memory_stays_bounded"],
        shows: &[],
    },
    Mutant {
        exercise: "ex3",
        name: "msync-every-page",
        edits: &[(
            "    to.copy_from_slice(&from);",
            "    for start in (0..len).step_by(4096) {\n        let end = (start + 4096).min(len);\n        \
             to[start..end].copy_from_slice(&from[start..end]);\n        \
             to.flush_range(start, end - start).with_path(\"cannot msync\", dst_path)?;\n    }",
        )],
        caught_by: &["as_fast_as_cp"],
        shows: &[],
    },
    Mutant {
        exercise: "ex3",
        name: "forgets-the-empty-file",
        // No early return for an empty SRC: posix_fallocate(2) of length 0 is EINVAL.
        edits: &[(
            "    if size == 0 {\n        return Ok(()); // Nothing to map: a zero-length mapping is invalid.\n    }\n",
            "",
        )],
        caught_by: &["copies_empty_file"],
        shows: &[],
    },
    Mutant {
        exercise: "ex3",
        name: "replaces-the-destination",
        // Removes DST to start from a fresh file: the new one gets SRC's mode, not DST's own
        // (and SRC given as DST is removed before it can be recognised as the same file).
        // Giving DST SRC's mode with chmod is a mistake too, but graded runs refuse fchmod(2).
        edits: &[(
            "    let dst = open_regular(\n        dst_path,",
            "    let _ = std::fs::remove_file(dst_path);\n    let dst = open_regular(\n        dst_path,",
        )],
        caught_by: &[
            "overwrites_shorter_destination_keeping_its_mode",
            "refuses_same_file",
        ],
        shows: &[(
            "overwrites_shorter_destination_keeping_its_mode",
            DST_KEEPS_ITS_MODE,
        )],
    },
    Mutant {
        exercise: "ex3",
        name: "leaves-sigxfsz-at-its-default",
        // Does not ignore SIGXFSZ: past the file-size limit, sizing DST kills the program instead
        // of failing with EFBIG.
        edits: &[(
            "    unsafe { signal(Signal::SIGXFSZ, SigHandler::SigIgn) }.context(\"cannot ignore SIGXFSZ\")?;\n",
            "    let _ = (signal, Signal::SIGXFSZ, SigHandler::SigIgn);\n",
        )],
        caught_by: &["file_size_limit"],
        shows: &[("file_size_limit", "killed by SIGXFSZ")],
    },
];
