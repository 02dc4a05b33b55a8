//! The grader run by an ordinary user (an instructor's laptop, a student's `make grade`), where
//! programs run as that same user: a program that signals every process it may (kill(-1)), its
//! parent (the grader) and the processes around it must harm none of them. Run as root, this test
//! runs the grader as `nobody` (setpriv); run as an ordinary user, as that user.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

/// `count` prints the right total without counting, after trying to kill everything it can.
const KILLER: &str = r#"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
    pid_t parent = getppid();
    kill(-1, SIGKILL);
    kill(parent, SIGKILL);
    for (pid_t p = 2; p < 65536; p++) if (p != getpid()) kill(p, SIGSTOP);
    if (argc == 4 && strcmp(argv[1], "count") == 0) {
        printf("%llu\n", strtoull(argv[2], 0, 10) * strtoull(argv[3], 0, 10));
        return 0;
    }
    fprintf(stderr, "ex4: usage\n");
    return 2;
}
"#;

/// Compiles the C program `source` into `dir`/`name`; `None` where there is no C compiler.
fn compile(dir: &Path, name: &str, source: &str) -> Option<std::path::PathBuf> {
    let file = dir.join(format!("{name}.c"));
    std::fs::write(&file, source).unwrap();
    let binary = dir.join(name);
    match Command::new("cc")
        .arg("-o")
        .arg(&binary)
        .arg(&file)
        .status()
    {
        Ok(status) => assert!(status.success(), "{name}.c does not compile"),
        Err(_) => {
            println!("skipped: no C compiler (`cc`) to build the hostile program");
            return None;
        }
    }
    Some(binary)
}

/// A copy of the grader in `dir`, and a folder `name` there that anybody may write in (the
/// unprivileged grader's output or work folder).
fn grader_and_folder(dir: &Path, name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let grader = dir.join("grader");
    std::fs::copy(support::grader_bin(), &grader).unwrap();
    let folder = dir.join(name);
    std::fs::create_dir(&folder).unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o777)).unwrap();
    (grader, folder)
}

fn as_unprivileged(program: &Path) -> Command {
    // SAFETY: geteuid only reads this process's credentials.
    if unsafe { libc::geteuid() } == 0 {
        let mut command = Command::new("setpriv");
        command
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(program);
        command
    } else {
        Command::new(program)
    }
}

#[test]
fn a_program_cannot_kill_the_grader_or_its_neighbours() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let Some(killer) = compile(dir.path(), "killer", KILLER) else {
        return;
    };
    if grader::runner::landlock::abi() < 6 {
        println!(
            "skipped: Landlock ABI {} has no signal scoping (ABI 6, Linux 6.12); as an ordinary \
             user, programs could signal the grader here (the report says so)",
            grader::runner::landlock::abi()
        );
        return;
    }
    let (grader, results) = grader_and_folder(dir.path(), "out");
    // A neighbour of the same user, which kill(-1) would reach without the sandbox.
    let mut neighbour = as_unprivileged(Path::new("/bin/sleep"))
        .arg("120")
        .spawn()
        .unwrap();

    let graded = as_unprivileged(&grader)
        .args(["ex4", "--bin"])
        .arg(format!("ex4={}", killer.display()))
        .arg("--json")
        .arg(results.join("results.json"))
        .env("GRADER_TIMEOUT", "5")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let alive = neighbour.try_wait().unwrap().is_none();
    let _ = neighbour.kill();
    let _ = neighbour.wait();
    let stdout = String::from_utf8_lossy(&graded.stdout);
    assert_eq!(
        graded.status.code(),
        Some(1),
        "the grader was not left to finish: {:?}\n{stdout}{}",
        graded.status,
        String::from_utf8_lossy(&graded.stderr)
    );
    assert!(
        alive,
        "the program killed a process of its user outside its run"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(results.join("results.json")).unwrap())
            .unwrap();
    assert!(json["score"].as_u64().unwrap() < 25, "{json:#}");
    assert!(
        stdout.lines().last().unwrap().starts_with("Score: "),
        "{stdout}"
    );
}

/// Makes folders its user may not list or enter, with a file inside, then fails.
const HIDER: &str = r#"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
int main(void) {
    mkdir("keep", 0300);
    mkdir("keep/inner", 0);
    close(open("keep/data", O_CREAT | O_WRONLY, 0600));
    return 1;
}
"#;

#[test]
fn a_folder_a_program_locks_is_still_removed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let Some(hider) = compile(dir.path(), "hider", HIDER) else {
        return;
    };
    // The checks' folders go in `work`, where the test can see what is left.
    let (grader, work) = grader_and_folder(dir.path(), "work");
    let graded = as_unprivileged(&grader)
        .args(["ex1", "--bin"])
        .arg(format!("ex1={}", hider.display()))
        .env("TMPDIR", &work)
        .env("GRADER_TIMEOUT", "5")
        .output()
        .unwrap();
    assert_eq!(graded.status.code(), Some(1), "{graded:?}");
    let left: Vec<_> = std::fs::read_dir(&work).unwrap().flatten().collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}
