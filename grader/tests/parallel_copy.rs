//! The reference ex3 copies windows on several threads where it may (outside graded runs, which
//! refuse threads): it must copy exactly, keep its memory bounded, and turn a failure in any
//! thread into one clean error, as the contract asks of the one-thread copy.

mod support;

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn reference() -> PathBuf {
    grader::compile::build(&support::kit_root(), "ex3-solution").unwrap()
}

/// A file of `size` bytes of varied data.
fn make_file(path: &Path, size: usize) -> Vec<u8> {
    let data: Vec<u8> = (0..size).map(|i| (i * 31 + i / 4093) as u8).collect();
    std::fs::write(path, &data).unwrap();
    data
}

/// How many threads the reference has at its peak, sampled from /proc while it runs.
fn copy_counting_threads(program: &Path, src: &Path, dst: &Path) -> (Output, usize) {
    let mut child = Command::new(program)
        .args([src, dst])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let status = format!("/proc/{}/status", child.id());
    let mut most = 0;
    while child.try_wait().unwrap().is_none() {
        if let Ok(text) = std::fs::read_to_string(&status) {
            let threads = text
                .lines()
                .find_map(|l| l.strip_prefix("Threads:"))
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or(0);
            most = most.max(threads);
        }
    }
    (child.wait_with_output().unwrap(), most)
}

#[test]
fn several_threads_copy_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let (src, dst) = (dir.path().join("src"), dir.path().join("dst"));
    // Not a multiple of the window or of the page size, and many windows.
    let data = make_file(&src, (200 << 20) + 12345);
    let (out, threads) = copy_counting_threads(&reference(), &src, &dst);
    assert!(out.status.success(), "{out:?}");
    assert!(std::fs::read(&dst).unwrap() == data, "the copy differs");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores > 1 {
        assert!(
            threads > 1,
            "{cores} CPUs, but the copy ran on {threads} thread(s)"
        );
    } else {
        println!("one CPU here: the copy runs on one thread");
    }
}

#[test]
fn a_failure_in_any_thread_is_one_clean_error() {
    let dir = tempfile::tempdir().unwrap();
    let (src, dst) = (dir.path().join("src"), dir.path().join("dst"));
    make_file(&src, 200 << 20);
    // Room for the program and about one window pair: the other threads' mappings fail (ENOMEM).
    let mut command = Command::new(reference());
    command.args([&src, &dst]);
    // SAFETY: the closure only calls setrlimit, on the child itself, before exec.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 48 << 20,
                rlim_max: 48 << 20,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        })
    };
    let out = command.output().unwrap();
    assert_eq!(out.status.signal(), None, "{out:?}");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "one error line: {stderr}");
    assert!(
        stderr.starts_with("ex3: cannot map") && stderr.contains("Cannot allocate memory"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}
