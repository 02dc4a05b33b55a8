//! Exercise 1: access a file through a mapping (`ex1 peek`, `ex1 bump`).

use std::path::Path;

use crate::checks::{mappings_of, through_mappings, usage_errors, watched};
use crate::expect::file_holds;
use crate::check_api::{Ctx, MIB, PAGE, Problem, Verdict, ensure};
use crate::outcome::Reword;
use crate::runner::Run;
use crate::table::{Exercise, test};

/// The rubric rows of ex1: each test's name, points, title, check and hint.
pub const EXERCISE: Exercise = Exercise {
    name: "ex1",
    weight: 25,
    tests: &[
        test(
            "peek_range",
            3,
            "peek prints exactly the bytes asked for, from any offset",
            peek_range,
            "peek maps from OFFSET rounded down to a page (mmap needs a page-aligned offset), \
             skips OFFSET - start bytes, and writes exactly the range, nothing added",
        ),
        test(
            "peek_clamps_at_end",
            2,
            "peek stops at the end of the file, prints nothing past it or for LEN 0",
            peek_clamps_at_end,
            "the range ends at min(OFFSET + LEN, size), computed without overflow (LEN may be \
             2^64 - 1); an empty range prints nothing and maps nothing",
        ),
        test(
            "peek_empty_file",
            1,
            "peek of an empty file prints nothing",
            peek_empty_file,
            "a mapping of length 0 is invalid (EINVAL): an empty file, or an empty range, is \
             answered before any mmap",
        ),
        test(
            "peek_sparse_tib",
            2,
            "peek near the end of a 1 TiB sparse file is exact and cheap",
            peek_sparse_tib,
            "a mapping is lazy: only the pages touched are read, so map the range (not the whole \
             file) and never read the file into memory",
        ),
        test(
            "peek_uses_mapping",
            2,
            "peek reads the file through a mapping",
            peek_uses_mapping,
            "reach the file's bytes through the mapping: no read(2) or pread(2) of the file",
        ),
        test(
            "peek_maps_only_the_range",
            2,
            "peek maps a page-aligned offset and only the pages of the range",
            peek_maps_only_the_range,
            "map length = end - start, from the page that holds OFFSET: a mapping takes address \
             space for its whole length, touched or not",
        ),
        test(
            "bump_defaults",
            3,
            "bump adds 10 to every 20000th byte by default",
            bump_defaults,
            "STRIDE is 20000 and DELTA 10 when not given; the bytes at 0, STRIDE, 2*STRIDE, ... \
             change, with wrapping_add",
        ),
        test(
            "bump_stride_delta",
            2,
            "bump honours STRIDE and DELTA, wrapping mod 256",
            bump_stride_delta,
            "every k*STRIDE-th byte, from k = 0, becomes (byte + DELTA) mod 256 (wrapping_add); \
             no other byte changes",
        ),
        test(
            "bump_empty_file",
            1,
            "bump of an empty file succeeds and changes nothing",
            bump_empty_file,
            "an empty file has nothing to bump: exit 0 before asking for a mapping of length 0",
        ),
        test(
            "bump_uses_mapping",
            2,
            "bump changes the file through a shared mapping",
            bump_uses_mapping,
            "the change reaches the file only through a MAP_SHARED, writable mapping of it, with \
             no write(2) of the file",
        ),
        test(
            "bump_maps_shared_and_msyncs",
            2,
            "bump maps the file MAP_SHARED and writable, and msyncs it",
            bump_maps_shared_and_msyncs,
            "map with PROT_READ | PROT_WRITE and MAP_SHARED, and msync(MS_SYNC) the mapping \
             before exiting",
        ),
        test(
            "bad_input",
            2,
            "a missing file and bad command lines are clean errors",
            bad_input,
            "a missing file is a runtime error (status 1, `ex1: ` and the path and reason on \
             stderr); a bad command line is a usage error (status 2)",
        ),
        test(
            "not_a_regular_file",
            1,
            "a directory, FIFO or device is a clean error",
            not_a_regular_file,
            "check the file's type (fstat) before mapping: a directory, FIFO or device is an \
             error, status 1",
        ),
    ],
};

// The hints that name a likely mistake, written once: the mutants that must show them
// (tests/mutants/ex1.rs) refer to them by name.

/// `peek` failed with EINVAL (Invalid argument).
pub const PEEK_EINVAL: &str = "mmap(2) answers EINVAL (Invalid argument) to an offset that is not \
     a multiple of the page size, or to a length of 0: map from OFFSET rounded down to a page, and \
     return early when the range is empty";

/// `peek` mapped more than the pages of its range.
pub const MAP_ONLY_THE_RANGE: &str = "a mapping takes address space for its whole length, \
     touched or not, and a file can be larger than the address space a process may use \
     (RLIMIT_AS, a 32-bit process, or x86-64's 128 TiB)";

/// `bump` left the file as it was.
pub const BUMP_UNCHANGED: &str = "the file did not change at all: stores to a MAP_PRIVATE mapping \
     never reach the file; map it MAP_SHARED (and msync it before exiting)";

/// `bump` changed other bytes than every k*STRIDE-th.
pub const BUMP_OTHER_BYTES: &str = "change the bytes at offsets 0, STRIDE, 2*STRIDE, ... \
     (k*STRIDE, starting at 0) and no other";

/// The bytes that `peek` should print.
fn expected_peek(data: &[u8], offset: u64, len: u64) -> &[u8] {
    let size = data.len() as u64;
    let start = offset.min(size);
    let end = offset.saturating_add(len).min(size);
    &data[start as usize..end.max(start) as usize]
}

/// What `bump` should leave in the file.
fn expected_bump(data: &[u8], stride: usize, delta: u8) -> Vec<u8> {
    let mut out = data.to_vec();
    out.iter_mut()
        .step_by(stride)
        .for_each(|b| *b = b.wrapping_add(delta));
    out
}

fn peek(t: &Ctx, file: &str, offset: u64, len: u64) -> crate::runner::Run {
    t.run(["peek", file, &offset.to_string(), &len.to_string()])
}

/// `ex1 peek FILE OFFSET LEN` of `data` printed its range, or else the likely mistake is named.
fn peeked(t: &Ctx, file: &str, data: &[u8], offset: u64, len: u64) -> Result<Run, Problem> {
    let mut run = peek(t, file, offset, len);
    let expected = expected_peek(data, offset, len);
    let unaligned = run.stderr().contains("Invalid argument");
    run.printed_or_hint(expected, |got| peek_hint(got, expected, data, offset))
        .reword(|why| match unaligned {
            true => format!("{why}\n{PEEK_EINVAL}"),
            false => why,
        })?;
    Ok(run)
}

/// What a wrong `peek` output suggests, if anything: bytes from the page boundary instead of
/// from OFFSET, or a range not clipped right.
fn peek_hint(got: &[u8], expected: &[u8], data: &[u8], offset: u64) -> Option<String> {
    let page_start = (offset - offset % PAGE as u64) as usize;
    let from_page = data.get(page_start..).unwrap_or_default();
    if !offset.is_multiple_of(PAGE as u64) && !got.is_empty() && from_page.starts_with(got) {
        return Some(format!(
            "it printed the bytes from the page boundary ({page_start}), not from OFFSET \
             ({offset}): skip OFFSET - start bytes at the front of the mapping"
        ));
    }
    if got.len() > expected.len() && got.starts_with(expected) {
        return Some(
            "it printed more than the range: stop at OFFSET + LEN or at the end of the file, \
             whichever comes first"
                .into(),
        );
    }
    (got.len() < expected.len() && expected.starts_with(got)).then(|| {
        format!(
            "it printed only the first {} of the {} bytes: map every page from OFFSET's to the \
             end of the range, and write all of it out",
            got.len(),
            expected.len()
        )
    })
}

/// After a bump (`run`, which succeeded; `defaults` says what its arguments left out), the file
/// at `path`, which held `before`, holds each k*STRIDE-th byte bumped by DELTA; or else the
/// likely mistake is named, after what the run printed on stderr.
fn bumped(run: &Run, defaults: &str, path: &Path, before: &[u8], stride: usize, delta: u8) -> Verdict {
    let expected = expected_bump(before, stride, delta);
    run.with_stderr(file_holds(path, &expected)).reword(|why| {
        let now = crate::safe_fs::read_at_most(path, before.len() + 1)
            .map(|(bytes, _)| bytes)
            .unwrap_or_default();
        let hint = bump_hint(&now, before, &expected);
        format!("after `{}`{defaults}: {why}\n{hint}", run.command)
    })
}

/// Why a file that `bump` changed (from `before` to `now`) is not `expected`, as far as the bytes
/// tell: nothing changed, the size changed, other bytes changed, or the right ones by the wrong
/// amount.
fn bump_hint(now: &[u8], before: &[u8], expected: &[u8]) -> String {
    if now == before {
        return BUMP_UNCHANGED.into();
    }
    if now.len() != before.len() {
        return "bump changes bytes in place and never the file's size".into();
    }
    let changed =
        |a: &[u8]| -> Vec<usize> { (0..before.len()).filter(|&i| a[i] != before[i]).collect() };
    let (got, want) = (changed(now), changed(expected));
    match got.iter().zip(&want).find(|(g, w)| g != w) {
        Some((g, w)) => format!(
            "the bytes changed are not the right ones (byte {g} changed, where byte {w} was \
             expected next): {BUMP_OTHER_BYTES}"
        ),
        None if got.len() != want.len() => format!(
            "{} bytes changed, where {} should have: change the bytes at every offset k*STRIDE \
             (k = 0, 1, 2, ...) below the size",
            got.len(),
            want.len()
        ),
        None => "the right bytes changed, by the wrong amount: add DELTA to each, wrapping around \
                 at 256 (u8::wrapping_add)"
            .into(),
    }
}

pub fn peek_range(t: &mut Ctx) -> Verdict {
    let size = 3 * PAGE + t.between(1, PAGE as u64 - 1) as usize;
    let (_, data) = t.random_file("data.bin", size);
    // Offsets that are not page multiples, ranges within a page and across several.
    for _ in 0..4 {
        let offset = t.below(size as u64 - 1) | 1;
        let len = t.between(1, size as u64 - offset);
        peeked(t, "data.bin", &data, offset, len)?;
    }
    let offset = PAGE as u64 + t.between(1, 100);
    peeked(t, "data.bin", &data, offset, 2 * PAGE as u64).map(drop)
}

pub fn peek_clamps_at_end(t: &mut Ctx) -> Verdict {
    let size = 2 * PAGE + t.between(1, PAGE as u64 - 1) as usize;
    let (_, data) = t.random_file("data.bin", size);
    let size = size as u64;
    // A range that runs past the end stops at the end.
    let offset = size - t.between(1, 100);
    peeked(t, "data.bin", &data, offset, 1000)?;
    peeked(t, "data.bin", &data, 7, u64::MAX)?;
    // At or past the end, or with LEN 0: nothing, and success.
    peeked(t, "data.bin", &data, size, 10)?;
    peeked(t, "data.bin", &data, size + t.between(1, 1 << 40), 10)?;
    peeked(t, "data.bin", &data, t.below(size), 0).map(drop)
}

pub fn peek_empty_file(t: &mut Ctx) -> Verdict {
    t.file("empty.bin", b"");
    peeked(t, "empty.bin", b"", 0, 10)?;
    peeked(t, "empty.bin", b"", 5, 0).map(drop)
}

pub fn peek_sparse_tib(t: &mut Ctx) -> Verdict {
    const TIB: u64 = 1 << 40;
    let tail = t.bytes(3000);
    t.sparse_file("huge.bin", TIB, TIB - tail.len() as u64, &tail);
    // Straddles a page boundary, ends exactly at the end of the 1 TiB file.
    let offset = TIB - 2500;
    let mut run = peek(t, "huge.bin", offset, 5000);
    run.printed(&tail[500..])?;
    // A mapping is lazy: it costs memory only for the pages touched, so even a mapping of the
    // whole terabyte stays cheap here. What costs memory is touching more than the range:
    // reading the file into a buffer, or populating (MAP_POPULATE) a mapping larger than it.
    ensure(!run.uses_more_memory_than(64 * MIB as u64), || {
        format!(
            "`{}` used {} MiB of memory to print 2500 bytes; a mapping costs memory only for the \
             pages you touch, so touch only the range's pages (no read(2) of the file into a \
             buffer, no MAP_POPULATE of a larger mapping)",
            run.command,
            run.max_rss >> 20
        )
    })
}

pub fn peek_maps_only_the_range(t: &mut Ctx) -> Verdict {
    const TIB: u64 = 1 << 40;
    let tail = t.bytes(PAGE);
    t.sparse_file("huge.bin", TIB, TIB - PAGE as u64, &tail);
    // An offset inside a page, a range across the next page boundary.
    let offset = TIB - 3 * PAGE as u64 + t.between(1, PAGE as u64 - 1);
    let len = PAGE as u64 + t.between(1, PAGE as u64 - 1);
    let mut run = peek(t, "huge.bin", offset, len);
    let expected: Vec<u8> = (offset..offset + len)
        .map(|at| {
            at.checked_sub(TIB - PAGE as u64)
                .map_or(0, |i| tail[i as usize])
        })
        .collect();
    run.printed(&expected)?;
    let trace = watched(&run)?;
    let huge = t.file_id("huge.bin");
    let maps = mappings_of(&run, trace, &huge, "'huge.bin'")?;
    let page = PAGE as u64;
    // The pages that cover [offset, offset + len): from the page that holds OFFSET, at most one
    // page more than the range itself. Not for memory (a lazy mapping of the whole file costs no
    // more): a mapping takes address space for its whole length, touched or not, and a file can
    // be larger than a process may map (RLIMIT_AS, 32-bit, x86-64's 128 TiB).
    let covering = len + page;
    for call in &maps {
        ensure(call.mmap_offset() % page == 0, || {
            format!(
                "`{}` made `{call}`: mmap(2) needs an offset that is a multiple of the page size \
                 ({page}); round OFFSET down to a page and skip the difference",
                run.command
            )
        })?;
        ensure(
            call.mmap_offset() <= offset
                && call.mmap_offset() + call.mmap_len() >= offset + len
                && call.mmap_len() <= covering,
            || {
                format!(
                    "`{}` made `{call}` to print {len} bytes at offset {offset}: map only the pages \
                     that cover the range (offset {} and a length of at most {covering}), not the \
                     whole file: {MAP_ONLY_THE_RANGE}",
                    run.command,
                    offset - offset % page
                )
            },
        )?;
    }
    Ok(())
}

pub fn peek_uses_mapping(t: &mut Ctx) -> Verdict {
    let size = 4 * MIB;
    let (_, data) = t.random_file("data.bin", size);
    let run = peeked(t, "data.bin", &data, 0, size as u64)?;
    through_mappings(&run, &[t.file_id("data.bin")])
}

pub fn bump_defaults(t: &mut Ctx) -> Verdict {
    let size = 100_000 + t.below(50_000) as usize;
    let (path, data) = t.random_file("data.bin", size);
    let mut run = t.run(["bump", "data.bin"]);
    run.succeeded()?;
    bumped(&run, " (stride 20000, delta 10)", &path, &data, 20_000, 10)
}

pub fn bump_stride_delta(t: &mut Ctx) -> Verdict {
    let size = 2 * PAGE + t.below(10_000) as usize;
    let (path, mut data) = t.random_file("data.bin", size);
    for (stride, delta) in [
        (t.between(2, 999) as usize, t.between(1, 254) as u8),
        (1, 255),
        (size + 1, 7),
    ] {
        let mut run = t.run(["bump", "data.bin", &stride.to_string(), &delta.to_string()]);
        run.succeeded()?;
        bumped(&run, "", &path, &data, stride, delta)?;
        data = expected_bump(&data, stride, delta);
    }
    Ok(())
}

pub fn bump_empty_file(t: &mut Ctx) -> Verdict {
    let path = t.file("empty.bin", b"");
    let mut run = t.run(["bump", "empty.bin", "1", "1"]);
    run.succeeded()?;
    bumped(&run, "", &path, b"", 1, 1)
}

pub fn bump_uses_mapping(t: &mut Ctx) -> Verdict {
    let size = 4 * MIB;
    let (path, data) = t.random_file("data.bin", size);
    let mut run = t.run(["bump", "data.bin", "1000", "3"]);
    run.succeeded()?;
    bumped(&run, "", &path, &data, 1000, 3)?;
    // 4195 bytes change: through read/write or pread/pwrite that is thousands of calls.
    through_mappings(&run, &[t.file_id("data.bin")])
}

pub fn bump_maps_shared_and_msyncs(t: &mut Ctx) -> Verdict {
    let size = 3 * PAGE + t.below(PAGE as u64) as usize;
    let (path, data) = t.random_file("data.bin", size);
    let mut run = t.run(["bump", "data.bin", "100", "1"]);
    run.succeeded()?;
    bumped(&run, "", &path, &data, 100, 1)?;
    let trace = watched(&run)?;
    let file = t.file_id("data.bin");
    let maps = mappings_of(&run, trace, &file, "'data.bin'")?;
    ensure(
        maps.iter()
            .any(|c| c.mmap_shared() && c.mmap_prot() & libc::PROT_WRITE != 0),
        || {
            format!(
                "`{}` made `{}`: to change the file through memory, map it MAP_SHARED with \
                 PROT_READ | PROT_WRITE",
                run.command, maps[0]
            )
        },
    )?;
    let canonical = path.to_string_lossy();
    ensure(
        trace.named("msync").any(|c| {
            c.region
                .as_ref()
                .is_some_and(|r| r.shared() && r.path == canonical)
        }),
        || {
            format!(
                "`{}` never called msync(2) on its mapping of 'data.bin': flush the mapping \
                 (MS_SYNC) before exiting, so that the changes are on disk when it says it is done",
                run.command
            )
        },
    )
}

/// A missing file is the program's own error to report; bad command lines are the front end's.
pub fn bad_input(t: &mut Ctx) -> Verdict {
    usage(t)?;
    t.run(["peek", "nope.bin", "0", "1"])
        .failed_naming("ex1", "nope.bin")?;
    t.run(["bump", "nope.bin"]).failed_naming("ex1", "nope.bin")
}

pub fn not_a_regular_file(t: &mut Ctx) -> Verdict {
    let fifo = crate::checks::fifo(t, "fifo")?;
    std::fs::create_dir(t.path("dir")).map_err(|e| e.to_string())?;
    for path in ["dir", fifo.as_str(), "/dev/zero"] {
        t.run(["peek", path, "0", "1"]).failed_naming("ex1", path)?;
        t.run(["bump", path]).failed_naming("ex1", path)?;
    }
    Ok(())
}

fn usage(t: &Ctx) -> Verdict {
    t.file("data.bin", b"0123456789");
    usage_errors(
        t,
        &[
            &[],
            &["peek"],
            &["peek", "data.bin", "0"],
            &["peek", "data.bin", "x", "1"],
            &["peek", "data.bin", "0", "-1"],
            &["peek", "data.bin", "0", "18446744073709551616"],
            &["bump", "data.bin", "0"],
            &["bump", "data.bin", "1", "256"],
            &["bump", "data.bin", "1", "2", "3"],
            &["poke", "data.bin", "0", "1"],
        ],
    )?;
    file_holds(&t.path("data.bin"), b"0123456789")
}
