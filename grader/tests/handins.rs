//! Hand-ins that attack the grader itself rather than a test: archives that unpack to far more
//! than they weigh, and a build that never ends. (Archive entries that try to escape, through
//! `..`, links or FIFOs, are unit tests of `submission`.)

mod support;

use std::fs::File;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use support::kit_root;

/// The most that a file written by the grader may grow to while it reads a bomb: more, and the
/// kernel stops it (SIGXFSZ). The kit copy's files are all far smaller.
const MAX_FILE: u64 = 4 << 20;

/// How a run of `grader --submission` went.
struct Run {
    code: Option<i32>,
    stderr: String,
    elapsed: Duration,
    /// Peak resident memory, in bytes.
    max_rss: u64,
}

/// Grades `submission`, with no file allowed to pass `MAX_FILE` bytes, measuring the time and the
/// memory that it takes.
fn grade_bounded(submission: &Path, scratch: &Path) -> Run {
    let stderr = scratch.join("stderr");
    let mut command = Command::new(support::grader_bin());
    command
        .arg("--submission")
        .arg(submission)
        .env("TMPDIR", scratch)
        .stdout(File::create(scratch.join("stdout")).unwrap())
        .stderr(File::create(&stderr).unwrap());
    // SAFETY: between fork and exec, only setrlimit(2), which is async-signal-safe.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: MAX_FILE,
                rlim_max: MAX_FILE,
            };
            match libc::setrlimit(libc::RLIMIT_FSIZE, &limit) {
                0 => Ok(()),
                _ => Err(std::io::Error::last_os_error()),
            }
        })
    };
    let started = Instant::now();
    // Reaped below by wait4, which tells its peak memory (std's `wait` does not).
    #[allow(clippy::zombie_processes)]
    let child = command.spawn().expect("cannot run the grader");
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value, which wait4 overwrites.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, once; its `Child` handle is not waited on again.
    let reaped = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(reaped, child.id() as libc::pid_t);
    Run {
        code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        stderr: std::fs::read_to_string(stderr).unwrap(),
        elapsed: started.elapsed(),
        max_rss: usage.ru_maxrss as u64 * 1024,
    }
}

/// Writes a gzipped tar archive: a header of `kind` named `name` for `size` bytes of `byte`, then
/// the end of the archive. Returns its size on disk.
fn write_bomb(path: &Path, kind: tar::EntryType, name: &str, size: u64, byte: u8) -> u64 {
    let mut gz =
        flate2::write::GzEncoder::new(File::create(path).unwrap(), flate2::Compression::default());
    let mut header = tar::Header::new_gnu();
    header.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
    header.set_entry_type(kind);
    header.set_size(size);
    header.set_mode(0o644);
    header.set_cksum();
    gz.write_all(header.as_bytes()).unwrap();
    let chunk = vec![byte; 1 << 20];
    for _ in 0..size / chunk.len() as u64 {
        gz.write_all(&chunk).unwrap();
    }
    gz.write_all(&[0; 1024]).unwrap();
    gz.finish().unwrap();
    std::fs::metadata(path).unwrap().len()
}

#[test]
fn an_archive_bomb_is_refused_quickly_in_bounded_memory_writing_nothing_large() {
    let dir = tempfile::tempdir().unwrap();
    const HUGE: u64 = 512 << 20;
    // A student file, which a naive reader would take whole, and a GNU long name, which the tar
    // crate on its own reads into memory whole.
    for (name, kind, byte) in [
        ("exercises/ex1/src/exercise.rs", tar::EntryType::Regular, 0),
        ("././@LongLink", tar::EntryType::GNULongName, b'a'),
    ] {
        let bomb = dir.path().join("bomb.tar.gz");
        let weight = write_bomb(&bomb, kind, name, HUGE, byte);
        assert!(weight < HUGE / 100, "{name}: {weight} bytes is no bomb");
        let scratch = tempfile::tempdir().unwrap();
        let run = grade_bounded(&bomb, scratch.path());
        assert_eq!(run.code, Some(3), "{name}: not refused: {}", run.stderr);
        assert!(
            run.stderr
                .contains("is refused: it is more than 64 MiB unpacked")
                || run
                    .stderr
                    .contains("a long name or pax header of more than 64 KiB"),
            "{name}: {}",
            run.stderr
        );
        assert!(
            run.elapsed < Duration::from_secs(10),
            "{name}: took {:?}",
            run.elapsed
        );
        // The grader's own memory, and none of the archive's contents.
        assert!(
            run.max_rss < 32 << 20,
            "{name}: the grader's memory peaked at {} MiB",
            run.max_rss >> 20
        );
        println!(
            "{name}: {weight} bytes for {} MiB, refused in {:?}, peak memory {} MiB",
            HUGE >> 20,
            run.elapsed,
            run.max_rss >> 20
        );
    }
}

#[test]
fn a_build_that_never_ends_is_stopped_and_the_rest_graded() {
    let dir = tempfile::tempdir().unwrap();
    let submission = dir.path().join("submission");
    support::perfect_submission(&submission);
    support::copy_tree(
        &kit_root().join("grader/tests/hostile/endless-build"),
        &submission,
    );
    let results = dir.path().join("results.json");
    let started = Instant::now();
    let run = Command::new(support::grader_bin())
        .arg("--submission")
        .arg(&submission)
        .arg("--json")
        .arg(&results)
        // The endless build takes one of cargo's jobs (one per core) for all that time: the other
        // three crates must be built by the rest, on a machine that may be busy.
        .env("GRADER_BUILD_TIMEOUT", "20")
        .output()
        .expect("cannot run the grader");
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        stdout.contains("ex3 was not built: the build took longer than 20 s"),
        "{stdout}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&results).unwrap()).unwrap();
    let others = grader::rubric::total_points() - grader::rubric::points_of("ex3");
    assert_eq!(json["score"], others, "{stdout}");
    // The build's 20 s, and the grading of three exercises.
    assert!(elapsed < Duration::from_secs(40), "took {elapsed:?}");
    println!("graded in {elapsed:?}");
}
