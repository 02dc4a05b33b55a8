//! Builds of submitted code read only what a build needs: a source that includes a file from
//! outside the kit copy (a reference solution, another student's binary, /etc/shadow) does not
//! compile, and the same source including a file of its own does.

mod support;

use std::path::Path;
use std::process::Command;

use grader::runner::build::BuildSandbox;

/// Compiles `main.rs` (with `source`) in a fresh kit folder under the build sandbox.
fn compile(source: &str, kit: &Path) -> std::process::Output {
    std::fs::write(kit.join("main.rs"), source).unwrap();
    let target = kit.join("target");
    std::fs::create_dir_all(&target).unwrap();
    let mut rustc = Command::new("rustc");
    rustc
        .current_dir(kit)
        .args(["--edition", "2021", "-o"])
        .arg(target.join("main"))
        .arg("main.rs")
        .env("TMPDIR", &target);
    BuildSandbox::new(kit, &target).unwrap().confine(&mut rustc);
    rustc.output().expect("cannot run rustc")
}

#[test]
fn a_build_reads_nothing_outside_its_kit() {
    if grader::runner::landlock::abi() == 0 {
        println!(
            "skipped: no Landlock on this kernel, so builds are not confined (the report says so)"
        );
        return;
    }
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("answer.rs");
    std::fs::write(&secret, "pub const ANSWER: u32 = 42;").unwrap();
    let kit = tempfile::tempdir().unwrap();
    std::fs::write(kit.path().join("own.txt"), "mine").unwrap();

    let own = compile(
        "fn main() { print!(\"{}\", include_str!(\"own.txt\")); }",
        kit.path(),
    );
    assert!(
        own.status.success(),
        "a file of the kit copy could not be included: {}",
        String::from_utf8_lossy(&own.stderr)
    );
    for stolen in [
        format!("include_str!({:?})", secret.display().to_string()),
        "include_str!(\"/etc/shadow\")".to_owned(),
        // An endless device would make rustc read until memory runs out.
        "include_bytes!(\"/dev/zero\").len()".to_owned(),
        "include_str!(\"/proc/self/mountinfo\")".to_owned(),
        format!(
            "include_str!({:?})",
            support::kit_root()
                .join("solutions/ex1/src/exercise.rs")
                .display()
                .to_string()
        ),
    ] {
        let out = compile(
            &format!("fn main() {{ print!(\"{{}}\", {stolen}); }}"),
            kit.path(),
        );
        assert!(
            !out.status.success(),
            "`{stolen}` compiled in the build sandbox"
        );
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("Permission denied"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
