//! The mutants of ex1: its reference solution with one small, realistic mistake each. A mutant's
//! `edits` are applied to `solutions/ex1/src/exercise.rs` (each found exactly once, or the test
//! fails loudly); the rubric tests in `caught_by` must fail on it, each showing its row's hint,
//! and each text of `shows` must appear in that test's failure.

use super::Mutant;
use grader::checks::ex1::{BUMP_OTHER_BYTES, BUMP_UNCHANGED, MAP_ONLY_THE_RANGE, PEEK_EINVAL};

pub const MUTANTS: &[Mutant] = &[
    Mutant {
        exercise: "ex1",
        name: "bump-map-private",
        edits: &[(
            "        MapFlags::MAP_SHARED,\n    )\n    .with_path(\"cannot map\", path)?;\n    // Only",
            "        MapFlags::MAP_PRIVATE,\n    )\n    .with_path(\"cannot map\", path)?;\n    // Only",
        )],
        caught_by: &["bump_defaults", "bump_stride_delta", "bump_uses_mapping"],
        shows: &[
            ("bump_stride_delta", BUMP_UNCHANGED),
            ("bump_uses_mapping", "\n  got      at 0: ["),
        ],
    },
    Mutant {
        exercise: "ex1",
        name: "bump-stride-off-by-one",
        edits: &[(".step_by(step)", ".skip(1).step_by(step)")],
        caught_by: &["bump_defaults", "bump_stride_delta"],
        shows: &[("bump_defaults", BUMP_OTHER_BYTES)],
    },
    Mutant {
        exercise: "ex1",
        name: "peek-unaligned-offset",
        edits: &[(
            "let start = offset - offset % page_size();",
            "let start = offset;",
        )],
        caught_by: &["peek_range", "peek_clamps_at_end"],
        shows: &[
            ("peek_range", PEEK_EINVAL),
            ("peek_clamps_at_end", PEEK_EINVAL),
        ],
    },
    Mutant {
        exercise: "ex1",
        name: "peek-with-pread",
        edits: &[(
            "    let skip = (offset - start) as usize; // less than a page\n    out.write_all(&mapping.bytes()[skip..])",
            "    drop(mapping);\n    let mut buf = vec![0; (end - offset) as usize];\n    \
             std::os::unix::fs::FileExt::read_exact_at(&file, &mut buf, offset).with_path(\"cannot read\", path)?;\n    \
             out.write_all(&buf)",
        )],
        caught_by: &["peek_uses_mapping"],
        shows: &[],
    },
    Mutant {
        exercise: "ex1",
        name: "peek-maps-from-the-start",
        // Maps from offset 0 to the end of the range: a 1 TiB mapping for a peek near the end of
        // a 1 TiB file. Laziness would keep it cheap in memory, but not in address space: under
        // the sandbox's RLIMIT_AS the mmap fails, the very reason to map only the range.
        edits: &[(
            "let start = offset - offset % page_size();",
            "let start = 0 * page_size();",
        )],
        caught_by: &["peek_sparse_tib", "peek_maps_only_the_range"],
        shows: &[(
            "peek_maps_only_the_range",
            "cannot map 'huge.bin': Cannot allocate memory",
        )],
    },
    Mutant {
        exercise: "ex1",
        name: "peek-maps-a-wide-window",
        // Maps 64 MiB more than the range, before it: right output, little memory (only the
        // range's pages are touched), and within the address-space limit; only the mapping's
        // length gives it away.
        edits: &[(
            "let start = offset - offset % page_size();",
            "let start = (offset - offset % page_size()).saturating_sub(64 << 20);",
        )],
        caught_by: &["peek_maps_only_the_range"],
        shows: &[(
            "peek_maps_only_the_range",
            MAP_ONLY_THE_RANGE,
        )],
    },
    Mutant {
        exercise: "ex1",
        name: "bump-without-msync",
        edits: &[(
            "    mapping.flush().with_path(\"cannot msync\", path)",
            "    let _ = Mapping::flush;\n    Ok(())",
        )],
        caught_by: &["bump_maps_shared_and_msyncs"],
        shows: &[],
    },
    Mutant {
        exercise: "ex1",
        name: "peek-maps-an-empty-range",
        // Returns early only when OFFSET is past the end (`>`, not `>=`), and hands mmap(2) the
        // length it computed: on an empty file the range is empty, and a length of 0 is EINVAL.
        edits: &[
            (
                "    if offset >= end {\n        return Ok(()); // LEN is 0",
                "    if offset > end {\n        return Ok(()); // LEN is 0",
            ),
            (
                "    let Some(map_len) = mappable(path, end - start)? else {\n        return Ok(());\n    };",
                "    let map_len = mappable(path, end - start)?\n        .ok_or(nix::Error::EINVAL)\n        \
                 .with_path(\"cannot map\", path)?;",
            ),
        ],
        caught_by: &["peek_empty_file"],
        shows: &[("peek_empty_file", PEEK_EINVAL)],
    },
    Mutant {
        exercise: "ex1",
        name: "peek-end-overflows",
        // OFFSET + LEN without saturation: with LEN = 2^64 - 1 the end wraps around below
        // OFFSET, and a range that runs to the end of the file prints nothing.
        edits: &[(
            "offset.saturating_add(len).min(size)",
            "(offset + len).min(size)",
        )],
        caught_by: &["peek_clamps_at_end"],
        shows: &[],
    },
    Mutant {
        exercise: "ex1",
        name: "bump-maps-an-empty-file",
        // Forgets the empty file: mmap(2) of length 0 is EINVAL, and bump fails.
        edits: &[(
            "    let Some(map_len) = mappable(path, size)? else {\n        return Ok(());\n    };",
            "    let map_len = mappable(path, size)?\n        .ok_or(nix::Error::EINVAL)\n        \
             .with_path(\"cannot map\", path)?;",
        )],
        caught_by: &["bump_empty_file"],
        shows: &[],
    },
    Mutant {
        exercise: "ex1",
        name: "peek-missing-file-is-a-usage-error",
        // A missing FILE taken for a bad command line: status 2, where the kit says 1.
        edits: &[(
            "    let file = open_regular(path, OpenOptions::new().read(true))?;",
            "    if !path.exists() {\n        \
             return Err(Failure::usage(format_args!(\"no such file: '{}'\", path.display())));\n    }\n    \
             let file = open_regular(path, OpenOptions::new().read(true))?;",
        )],
        caught_by: &["bad_input"],
        shows: &[("bad_input", "expected a clean failure (status 1)")],
    },
    Mutant {
        exercise: "ex1",
        name: "peek-opens-any-file",
        // File::open instead of open_regular: no check of the file's type, and no O_NONBLOCK, so
        // peek of a FIFO waits in open(2) for a writer that never comes.
        edits: &[(
            "let file = open_regular(path, OpenOptions::new().read(true))?;",
            "let file = File::open(path).with_path(\"cannot open\", path)?;",
        )],
        caught_by: &["not_a_regular_file"],
        shows: &[],
    },
];
