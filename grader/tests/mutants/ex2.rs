//! The mutants of ex2: its reference solution with one small, realistic mistake each. A mutant's
//! `edits` are applied to `solutions/ex2/src/exercise.rs` (each found exactly once, or the test
//! fails loudly); the rubric tests in `caught_by` must fail on it, each showing its row's hint,
//! and each text of `shows` must appear in that test's failure.

use super::Mutant;
use grader::checks::ex2::FLUSH_BEFORE_FORK;

pub const MUTANTS: &[Mutant] = &[
    Mutant {
        exercise: "ex2",
        name: "patch-map-shared",
        edits: &[
            (
                "OpenOptions::new().read(true))?;",
                "OpenOptions::new().read(true).write(true))?;",
            ),
            (".map_copy(&file)", ".map_mut(&file)"),
        ],
        // Each run writes its TEXT into the file: the next run prints it too.
        caught_by: &["patch_prints_patched", "patch_leaves_file_unchanged"],
        shows: &[],
    },
    Mutant {
        exercise: "ex2",
        name: "patch-with-read",
        edits: &[(
            "    out.write_all(&mapping).context(\"cannot write to stdout\")",
            "    drop(mapping);\n    let mut data = std::fs::read(path).with_path(\"cannot read\", path)?;\n    \
             data[offset as usize..end as usize].copy_from_slice(text);\n    \
             out.write_all(&data).context(\"cannot write to stdout\")",
        )],
        caught_by: &["patch_uses_mapping"],
        shows: &[],
    },
    Mutant {
        exercise: "ex2",
        name: "patch-opens-read-write",
        edits: &[(
            "OpenOptions::new().read(true))?;",
            "OpenOptions::new().read(true).write(true))?;",
        )],
        caught_by: &["patch_maps_private_read_only"],
        shows: &[],
    },
    Mutant {
        exercise: "ex2",
        name: "fork-text-on-the-heap",
        edits: &[(
            "let mut mapping = MmapOptions::new()\n        .len(text.len().max(1))\n        .map_anon()\n        .context(\"cannot map anonymous memory\")?;",
            "let mut mapping = vec![0u8; text.len().max(1)];",
        )],
        caught_by: &["fork_text_in_private_anonymous_mapping"],
        shows: &[],
    },
    Mutant {
        exercise: "ex2",
        name: "fork-faked",
        edits: &[(
            "pub fn fork_demo(text: &[u8]) -> Outcome {\n",
            "pub fn fork_demo(text: &[u8]) -> Outcome {\n    if !text.is_empty() {\n        \
             say(b\"before fork: \", text)?;\n        say(b\"child sees: \", &text.to_ascii_uppercase())?;\n        \
             return say(b\"parent sees: \", text);\n    }\n",
        )],
        caught_by: &["fork_really_forks"],
        shows: &[],
    },
    Mutant {
        exercise: "ex2",
        name: "fork-with-a-buffer-at-fork",
        // The first line left in a BufWriter when the process forks: both copies print it.
        edits: &[
            (
                "    say(b\"before fork: \", &mapping[..text.len()])?;\n",
                "    let mut pending = std::io::BufWriter::new(std::io::stdout());\n    \
                 pending.write_all(&[&b\"before fork: \"[..], &mapping[..text.len()], &b\"\\n\"[..]].concat()).context(\"cannot write to stdout\")?;\n",
            ),
            (
                "            mapping[..text.len()].make_ascii_uppercase();",
                "            let _ = pending.flush();\n            mapping[..text.len()].make_ascii_uppercase();",
            ),
            (
                "                WaitStatus::Exited(_, 0) => {}",
                "                WaitStatus::Exited(_, 0) => drop(pending),",
            ),
        ],
        caught_by: &["fork_three_lines", "fork_empty_text"],
        shows: &[("fork_three_lines", FLUSH_BEFORE_FORK)],
    },
    Mutant {
        exercise: "ex2",
        name: "patch-offset-must-be-inside",
        // Takes OFFSET for a byte of the file: an empty TEXT at the very end (or in an empty
        // file) is refused, though nothing goes past the end.
        edits: &[(
            ".filter(|&end| end <= size)",
            ".filter(|&end| end <= size && offset < size)",
        )],
        caught_by: &["patch_empty_text"],
        shows: &[],
    },
    Mutant {
        exercise: "ex2",
        name: "patch-checks-only-the-offset",
        // Checks OFFSET against the size but not OFFSET + the length of TEXT: TEXT that runs past
        // the end panics on the slice of the mapping.
        edits: &[(".filter(|&end| end <= size)", ".filter(|_| offset <= size)")],
        caught_by: &["patch_past_end"],
        shows: &[],
    },
    Mutant {
        exercise: "ex2",
        name: "patch-error-without-the-path",
        // Stats FILE first, with a message that does not say which file is missing.
        edits: &[(
            "    let file = open_regular(path, OpenOptions::new().read(true))?;\n    \
             let size = file.metadata().with_path(\"cannot stat\", path)?.len();",
            "    let size = std::fs::metadata(path).context(\"cannot stat FILE\")?.len();\n    \
             let file = open_regular(path, OpenOptions::new().read(true))?;",
        )],
        caught_by: &["bad_input"],
        shows: &[("bad_input", "the error message should name 'nope.bin'")],
    },
    Mutant {
        exercise: "ex2",
        name: "patch-refuses-only-directories",
        // Thinks of directories but not of FIFOs or devices, and opens without O_NONBLOCK: patch
        // of a FIFO waits in open(2) for a writer.
        edits: &[(
            "let file = open_regular(path, OpenOptions::new().read(true))?;",
            "let file = std::fs::File::open(path).with_path(\"cannot open\", path)?;\n    \
             if file.metadata().with_path(\"cannot stat\", path)?.is_dir() {\n        \
             return Err(Failure::runtime(format_args!(\"cannot patch '{}': it is a directory\", path.display())));\n    }",
        )],
        caught_by: &["not_a_regular_file"],
        shows: &[],
    },
];
