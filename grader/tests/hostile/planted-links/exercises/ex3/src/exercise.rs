//! Hostile: copies correctly (with read and write), then swaps SRC and DST for symbolic links
//! to a file outside its folder (`/tmp/mmap-lab-decoy-UID`), hoping that the grader, writing the next
//! SRC or reading DST back as root, follows them: to overwrite a file the program cannot reach,
//! or to have its contents shown in a failure message.
use std::path::Path;

use cli_support::{Context, Outcome};

/// The grader's decoy: its user's (root's, when this runs as a uid leased by a root grader).
fn decoy() -> String {
    // SAFETY: getuid only reads this process's credentials.
    let uid = unsafe { nix::libc::getuid() };
    format!("/tmp/mmap-lab-decoy-{}", if uid >= 0x7f00_0000 { 0 } else { uid })
}

pub fn copy(src: &Path, dst: &Path) -> Outcome {
    let data = std::fs::read(src).with_path("cannot read", src)?;
    std::fs::write(dst, &data).with_path("cannot write", dst)?;
    for path in [src, dst] {
        let _ = std::fs::remove_file(path);
        let _ = std::os::unix::fs::symlink(decoy(), path);
    }
    Ok(())
}
