//! The mutants: wrong programs that the grader must catch. Each is a reference solution with a
//! small, realistic mistake, and names the rubric tests that must fail on it. A mutant whose edit
//! no longer applies (the solution changed) fails loudly rather than testing nothing.
//! Also: the kit and the grader found at run time, a perfect submission, and the answers that no
//! copy of the kit given to submitted code may hold.
// Each test binary that includes this module uses only part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The kit these tests belong to, found at run time (a test runs in its package's folder).
pub fn kit_root() -> PathBuf {
    grader::kit::find(None).unwrap_or_else(|why| panic!("{why}"))
}

/// The grader's binary, found at run time, not from `env!("CARGO_BIN_EXE_grader")`, which is stale
/// once the kit is moved. Cargo sets the variable when it runs a test too since 1.94; before, the
/// binary is in the folder above this test's (`target/release/deps/`).
pub fn grader_bin() -> PathBuf {
    std::env::var_os("CARGO_BIN_EXE_grader").map_or_else(
        || {
            let me = std::env::current_exe().expect("a test knows where it is");
            me.parent()
                .and_then(Path::parent)
                .expect("a test runs from target/PROFILE/deps/")
                .join("grader")
        },
        PathBuf::from,
    )
}

/// The grader, as assert_cmd runs a program outside the sandbox: `grader().args(..).assert()`,
/// with predicates on its status and output.
pub fn grader() -> assert_cmd::Command {
    assert_cmd::Command::new(grader_bin())
}

/// The Rust version that rust-toolchain.toml pins (its `channel`), read by a TOML parser
/// (Python's tomllib): what the images of the kit's CI files and packages must name.
pub fn toolchain_channel() -> String {
    let read = Command::new("python3")
        .args([
            "-c",
            "import sys, tomllib; print(tomllib.load(open(sys.argv[1], 'rb'))['toolchain']['channel'])",
        ])
        .arg(kit_root().join("rust-toolchain.toml"))
        .output()
        .expect("cannot run python3");
    assert!(
        read.status.success(),
        "{}",
        String::from_utf8_lossy(&read.stderr)
    );
    String::from_utf8(read.stdout).unwrap().trim().to_owned()
}

/// Runs one of the scripts that publish the kit (`make gradescope`'s, `make student-kit`'s), with
/// this test's grader, writing to `out`.
pub fn publish(script: &str, out: &Path) {
    let made = Command::new("bash")
        .arg(kit_root().join(script))
        .arg(out)
        .env("GRADER_BIN", grader_bin())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {script}: {e}"));
    assert!(
        made.status.success(),
        "{script} failed: {}",
        String::from_utf8_lossy(&made.stderr)
    );
}

/// Builds the given mutants in a scratch copy of the kit under `dir`; returns their binaries.
pub fn build(dir: &Path, mutants: &[&Mutant]) -> Vec<PathBuf> {
    build_mutants(&kit_with_mutants(dir, mutants), mutants)
}

pub struct Mutant {
    pub exercise: &'static str,
    pub name: &'static str,
    /// (text in the solution's `src/exercise.rs`, found exactly once; what replaces it).
    pub edits: &'static [(&'static str, &'static str)],
    pub caught_by: &'static [&'static str],
    /// (a rubric test, text that its failure must show): the hint that names this mistake.
    pub shows: &'static [(&'static str, &'static str)],
}

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
            ("bump_stride_delta", "the file did not change at all"),
            ("bump_uses_mapping", "\n  got      at 0: ["),
        ],
    },
    Mutant {
        exercise: "ex1",
        name: "bump-stride-off-by-one",
        edits: &[(".step_by(step)", ".skip(1).step_by(step)")],
        caught_by: &["bump_defaults", "bump_stride_delta"],
        shows: &[("bump_defaults", "(k*STRIDE, starting at 0)")],
    },
    Mutant {
        exercise: "ex1",
        name: "peek-unaligned-offset",
        edits: &[(
            "let start = offset - offset % page_size();",
            "let start = offset;",
        )],
        caught_by: &["peek_range"],
        shows: &[("peek_range", "not a multiple of the page size")],
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
        caught_by: &["peek_maps_only_the_range"],
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
            "a mapping takes address space for its whole length, touched or not",
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
        exercise: "ex2",
        name: "patch-map-shared",
        edits: &[
            (
                "OpenOptions::new().read(true))?;",
                "OpenOptions::new().read(true).write(true))?;",
            ),
            (".map_copy(&file)", ".map_mut(&file)"),
        ],
        caught_by: &["patch_leaves_file_unchanged"],
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
        shows: &[("fork_three_lines", "flush before fork?")],
    },
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
        caught_by: &["copies_exactly", "copies_odd_sizes"],
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
        caught_by: &["overwrites_longer_destination"],
        shows: &[("overwrites_longer_destination", "cuts a longer DST down")],
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
        shows: &[("refuses_bad_input", "waiting in open(2) for a writer")],
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
        exercise: "ex4",
        name: "counter-map-private",
        edits: &[(
            "            MapFlags::MAP_SHARED,\n",
            "            MapFlags::MAP_PRIVATE,\n",
        )],
        caught_by: &["count_total", "count_is_atomic"],
        shows: &[("count_total", "the parent read 0")],
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
        shows: &[("count_is_atomic", "increments were lost")],
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
            "folded each worker's loop into one addition",
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
        caught_by: &["recv_first"],
        shows: &[],
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
            "empty (state 0) when the time ran out, though a sender had started: `recv` was \
             waiting for a message that never showed. Did `recv` reset the mailbox",
        )],
    },
];

/// A scratch copy of the kit's sources (no target/, no .git) with one package per mutant.
fn kit_with_mutants(root: &Path, mutants: &[&Mutant]) -> PathBuf {
    let scratch = root.join("kit");
    for part in [
        "Cargo.toml",
        "Cargo.lock",
        "exercises",
        "solutions",
        "grader",
    ] {
        copy_tree(&kit_root().join(part), &scratch.join(part));
    }
    for m in mutants {
        let dir = scratch.join("solutions").join(format!("mutant-{}", m.name));
        copy_tree(&kit_root().join("solutions").join(m.exercise), &dir);
        let manifest = dir.join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest).unwrap();
        let renamed = text.replace(
            &format!("name = \"{}-solution\"", m.exercise),
            &format!("name = \"mutant-{}\"", m.name),
        );
        assert_ne!(
            text, renamed,
            "cannot rename the package of mutant {}",
            m.name
        );
        std::fs::write(&manifest, renamed).unwrap();
        std::fs::write(dir.join("src/exercise.rs"), mutant_source(m)).unwrap();
    }
    scratch
}

/// The mutant's `src/exercise.rs`: the solution's, with the mutant's edits.
pub fn mutant_source(m: &Mutant) -> String {
    let source = kit_root()
        .join("solutions")
        .join(m.exercise)
        .join("src/exercise.rs");
    let mut code = std::fs::read_to_string(&source).unwrap();
    for (find, replace) in m.edits {
        let found = code.matches(find).count();
        assert_eq!(
            found, 1,
            "mutant {}: {find:?} occurs {found} times in the solution (expected once)",
            m.name
        );
        code = code.replacen(find, replace, 1);
    }
    code
}

/// Copies a file or a folder (but its `target/`), failing the test on any error.
pub fn copy_tree(from: &Path, to: &Path) {
    grader::kit::copy_tree(from, to)
        .unwrap_or_else(|e| panic!("cannot copy {}: {e}", from.display()));
}

/// Builds every mutant at once, sharing the kit's compiled dependencies, and returns each binary.
fn build_mutants(scratch: &Path, mutants: &[&Mutant]) -> Vec<PathBuf> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| kit_root().join("target"), PathBuf::from);
    let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cargo
        .current_dir(scratch)
        .env("CARGO_TARGET_DIR", &target)
        .args(["build", "--release", "--quiet"]);
    for m in mutants {
        cargo.args(["-p", &format!("mutant-{}", m.name)]);
    }
    // Mutants are sloppy code (unused variables and the like): show the compiler only if one fails.
    let output = cargo.output().expect("cannot run cargo");
    assert!(
        output.status.success(),
        "the mutants do not build:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    mutants
        .iter()
        .map(|m| target.join("release").join(format!("mutant-{}", m.name)))
        .collect()
}

/// Every file under `dir` (but `target/` and `.git/`) with its contents, by path.
pub fn files_under(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(dir: &Path, files: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            if entry.file_name() == "target" || entry.file_name() == ".git" {
                continue;
            }
            if entry.file_type().unwrap().is_dir() {
                walk(&entry.path(), files);
            } else {
                files.insert(entry.path(), std::fs::read(entry.path()).unwrap());
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(dir, &mut files);
    files
}

/// The kit's answers, by contents: the reference solutions' sources, and every file of the
/// grader's tests (C versions of the programs, the mutants, hostile submissions).
pub fn answers() -> BTreeMap<Vec<u8>, PathBuf> {
    let kit = kit_root();
    let mut answers = BTreeMap::new();
    for exercise in grader::rubric::EXERCISES {
        let src = kit.join("solutions").join(exercise).join("src");
        answers.extend(
            files_under(&src)
                .into_iter()
                .map(|(path, text)| (text, path)),
        );
    }
    answers.extend(
        files_under(&kit.join("grader/tests"))
            .into_iter()
            .map(|(path, text)| (text, path)),
    );
    answers
}

/// The files under `dir` that hold one of the kit's `answers` (same contents, whatever the name),
/// each with the answer it repeats.
pub fn answers_in(dir: &Path, answers: &BTreeMap<Vec<u8>, PathBuf>) -> Vec<String> {
    files_under(dir)
        .into_iter()
        .filter_map(|(path, text)| {
            let answer = answers.get(&text)?;
            Some(format!("{} is {}", path.display(), answer.display()))
        })
        .collect()
}

/// A submission laid out like the kit with the stubs, untouched.
pub fn stub_submission(dir: &Path) {
    for exercise in grader::rubric::EXERCISES {
        copy_tree(
            &kit_root().join("exercises").join(exercise).join("src"),
            &dir.join("exercises").join(exercise).join("src"),
        );
    }
}

/// A submission laid out like the kit whose student files are the reference solutions: the
/// student crates' own front ends, with the solutions' `exercise.rs`.
pub fn perfect_submission(dir: &Path) {
    stub_submission(dir);
    for exercise in grader::rubric::EXERCISES {
        let src = dir.join("exercises").join(exercise).join("src");
        std::fs::copy(
            kit_root()
                .join("solutions")
                .join(exercise)
                .join("src/exercise.rs"),
            src.join("exercise.rs"),
        )
        .unwrap();
    }
}

/// A perfect submission whose ex2 does not compile.
pub fn broken_submission(dir: &Path) {
    perfect_submission(dir);
    let ex2 = dir.join("exercises/ex2/src/exercise.rs");
    let code = std::fs::read_to_string(&ex2).unwrap() + "\nfn unfinished( {\n";
    std::fs::write(&ex2, code).unwrap();
}

/// The rows of the gradebook, by student: the columns as text.
pub fn gradebook(csv: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let text = std::fs::read_to_string(csv).expect("the batch writes its gradebook");
    let header = ["student", "ex1", "ex2", "ex3", "ex4", "total", "status"];
    grader::csv::parse_with_header(&text, &header)
        .unwrap()
        .into_iter()
        .map(|row| {
            let row: BTreeMap<String, String> = row.into_iter().collect();
            (row["student"].clone(), row)
        })
        .collect()
}

/// A secret in the environment of the graders that tests start: no report may show it.
pub const GRADER_SECRET: &str = "s3cret-token-of-the-instructor";

pub fn batch(class: &Path, out: &Path) -> std::process::Output {
    batch_with(class, out, &[])
}

/// `grader batch` with more options (`--only`, `--seed`).
pub fn batch_with(class: &Path, out: &Path, options: &[&str]) -> std::process::Output {
    Command::new(grader_bin())
        // Secrets in the grader's environment, which no build or report may see (see class.rs).
        .env("GRADER_TEST_SECRET", GRADER_SECRET)
        .env("GITHUB_TOKEN", GRADER_SECRET)
        // The endless build's limit, with room for the others on a busy machine.
        .env("GRADER_BUILD_TIMEOUT", "30")
        .args(["batch"])
        .arg(class)
        .args(["--jobs", "2", "--out"])
        .arg(out)
        .args(options)
        // Hostile programs run into the time limit again and again: a short one keeps the test quick.
        .env("GRADER_TIMEOUT", "3")
        .output()
        .expect("cannot run the grader")
}
