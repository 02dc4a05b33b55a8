//! More mutants, one at least for each rubric test that no mutant in `MUTANTS` failed: each is a
//! reference solution with a mistake a student makes, in the exercise's own `src/exercise.rs` (the
//! front end, `cli.rs`, is given complete and stays right). Same rules as `MUTANTS`.

use super::Mutant;

pub const MORE_MUTANTS: &[Mutant] = &[
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
        shows: &[("peek_empty_file", "or to a length of 0")],
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
            "an existing DST keeps its own mode (0600)",
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
        shows: &[("send_first", "the message in the mailbox")],
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
            "the two sides talk only through the shared mapping",
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
];
