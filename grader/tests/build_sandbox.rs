//! Builds of submitted code read only what a build needs: a source that includes a file from
//! outside the kit copy (a reference solution, another student's binary, /etc/shadow) does not
//! compile, and the same source including a file of its own does.

mod support;

use std::os::unix::fs::PermissionsExt;
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
    BuildSandbox::new(kit, &target, &target)
        .unwrap()
        .confine(&mut rustc);
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

/// The builds of submissions share a target folder (the dependencies are compiled once, there),
/// which a build may read: cargo writes there. A build reads nothing an earlier one left there.
/// Planted as leftovers of earlier builds: a program in deps/, named as the red team did, through
/// the build's TMPDIR (`include_bytes!(concat!(env!("TMPDIR"), "/../release/..."))`: TMPDIR was
/// a folder of the shared target), and a file beside the programs in release/, by its absolute
/// path. Each build starts with the target cleared of everything but the dependencies' artifacts,
/// and its TMPDIR is a folder of its own elsewhere: neither compiles.
#[test]
fn a_build_reads_nothing_an_earlier_build_left() {
    let kit = support::kit_root();
    let target = kit.join("target/submissions");
    let in_deps = "libstash-0123456789abcdef.rlib";
    let planted = [
        target.join("release/deps").join(in_deps),
        target.join("release/stash"),
    ];
    for leftover in &planted {
        std::fs::create_dir_all(leftover.parent().unwrap()).unwrap();
        std::fs::write(leftover, "another build's leftover").unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let submission = dir.path().join("submission");
    let reads = |exercise: &str, path: String| {
        let src = submission.join("exercises").join(exercise).join("src");
        std::fs::create_dir_all(&src).unwrap();
        let main = format!(
            "static LEFT: &[u8] = include_bytes!({path});\nfn main() {{ print!(\"{{}}\", LEFT.len()); }}\n"
        );
        std::fs::write(src.join("main.rs"), main).unwrap();
    };
    reads(
        "ex1",
        format!("concat!(env!(\"TMPDIR\"), \"/../release/deps/{in_deps}\")"),
    );
    reads("ex2", format!("{:?}", planted[1].display().to_string()));
    let out = Command::new(support::grader_bin())
        .arg("--kit")
        .arg(&kit)
        .arg("--submission")
        .arg(&submission)
        .arg("--json")
        .arg(dir.path().join("results.json"))
        .env("GRADER_TIMEOUT", "5")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{report}");
    for exercise in ["ex1", "ex2"] {
        assert!(
            report.contains(&format!("{exercise} does not compile")),
            "{exercise} read a leftover: {report}"
        );
    }
    for leftover in planted {
        assert!(!leftover.exists(), "{} was left", leftover.display());
    }
}

/// Red team 10: cargo reads `.cargo/config.toml` in every folder above the one it builds in, and
/// a kit copy is built in TMPDIR, where any user of the machine may make `/tmp/.cargo`: a
/// `rustc-wrapper` planted there ran in every build wherever Landlock did not stop cargo reading
/// it. A configuration another user (`nobody`) owns above a kit stops the build, as the grader's
/// fault, and its wrapper never runs. Root only (only root can give a file away).
#[test]
fn a_cargo_configuration_another_user_planted_above_the_kit_is_not_obeyed() {
    // SAFETY: geteuid only reads this process's credentials.
    if unsafe { libc::geteuid() } != 0 {
        println!("skipped: only root can make a file another user's");
        return;
    }
    let above = tempfile::tempdir().unwrap();
    let ran = above.path().join("the wrapper ran");
    let wrapper = above.path().join("wrapper");
    std::fs::write(
        &wrapper,
        format!("#!/bin/sh\ntouch '{}'\nexec \"$@\"\n", ran.display()),
    )
    .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let dot = above.path().join(".cargo");
    std::fs::create_dir(&dot).unwrap();
    let config = dot.join("config.toml");
    std::fs::write(
        &config,
        format!("[build]\nrustc-wrapper = '{}'\n", wrapper.display()),
    )
    .unwrap();
    std::os::unix::fs::lchown(&config, Some(65534), Some(65534)).unwrap();
    let kit = above.path().join("kit");
    std::fs::create_dir_all(kit.join("src")).unwrap();
    std::fs::write(
        kit.join("Cargo.toml"),
        "[package]\nname = \"tiny\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(kit.join("src/main.rs"), "fn main() {}\n").unwrap();
    let built = grader::compile::build(&kit, "tiny");
    assert!(!ran.exists(), "the planted rustc-wrapper ran: {built:?}");
    match built {
        Err(grader::compile::BuildError::Grader(why)) => {
            assert!(why.contains("belongs to another user"), "{why}");
            assert!(why.contains(&config.display().to_string()), "{why}");
        }
        other => panic!("built under another user's configuration: {other:?}"),
    }
}
