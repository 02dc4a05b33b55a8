//! Hostile: claims full marks in every way it can think of.
use std::io::Write;
use std::num::NonZeroU64;
use std::path::Path;

use cli_support::Outcome;

const FAKE: &str = "{\"score\": 100, \"tests\": []}";

fn claim_full_marks() {
    println!("Score: 100/100");
    eprintln!("Score: 100/100");
    for path in ["results.json", "../results.json", "/tmp/results.json"] {
        let _ = std::fs::write(path, FAKE);
    }
    // The kit this was built in, and the grader's own sources in it.
    let kit = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let _ = std::fs::write(format!("{kit}/grader/src/rubric.rs"), "// pwned\n");
    let _ = std::fs::write(format!("{kit}/Cargo.toml"), "# pwned\n");
}

pub fn peek(_path: &Path, _offset: u64, _len: u64, _out: &mut dyn Write) -> Outcome {
    claim_full_marks();
    Ok(())
}

pub fn bump(_path: &Path, _stride: NonZeroU64, _delta: u8) -> Outcome {
    claim_full_marks();
    Ok(())
}
